-- The intake documents of the SQL benchmarks (bench/validate_bench.sql,
-- bench/protect/setup.sql): :rows valid documents of about 210 bytes, in table
-- bench_docs(id, doc), generated with a fixed seed. Included with \ir.
SELECT setseed(0.4242) AS seeded \gset
CREATE TABLE bench_docs (id int PRIMARY KEY, doc jsonb NOT NULL);
INSERT INTO bench_docs
SELECT g, jsonb_strip_nulls(jsonb_build_object(
  'user_id', 1000 + g * 7 + floor(r_id * 7)::int,
  'email', lower(fname) || CASE WHEN r_mail < 0.5 THEN '.' WHEN r_mail < 0.8 THEN '_' ELSE '' END
           || lower(lname) || CASE WHEN r_mail < 0.6 THEN (g % 1000)::text ELSE '' END
           || '@' || domain,
  'name', CASE WHEN r_name < 0.92 THEN fname || ' ' || lname END,
  'dob', CASE WHEN r_dob < 0.8
              THEN to_char(date '1940-01-01' + floor(r_dob2 * 23000)::int, 'YYYY-MM-DD') END,
  'tags', CASE WHEN r_tags < 0.75
               THEN to_jsonb((ARRAY['newsletter', 'vip', 'beta', 'churn-risk', 'b2b', 'student',
                                    'referral', 'loyalty', 'eu', 'us', 'mobile-first',
                                    'wholesale', 'trial'])[ntag0 : ntag0 + ntags - 1]) END,
  'address', CASE WHEN r_addr < 0.7 THEN jsonb_build_object(
      'street', (1 + floor(r_st * 9899)::int)::text || ' ' || street,
      'city', city,
      'zip', lpad(floor(r_zip * 99999)::int::text, 5, '0')) END,
  'consent', r_consent < 0.85,
  'source', CASE WHEN r_src < 0.95
                 THEN (ARRAY['web', 'web', 'web', 'mobile', 'mobile', 'store', 'partner'])
                      [1 + floor(r_src2 * 7)::int] END))
FROM (
  SELECT g, random() AS r_id, random() AS r_mail, random() AS r_name, random() AS r_dob,
         random() AS r_dob2, random() AS r_tags, 1 + floor(random() * 13)::int AS ntag0,
         floor(random() * 5)::int AS ntags, random() AS r_addr, random() AS r_st,
         random() AS r_zip, random() AS r_consent, random() AS r_src, random() AS r_src2,
         (ARRAY['James', 'Mary', 'Robert', 'Patricia', 'John', 'Jennifer', 'Michael', 'Linda',
                'David', 'Elizabeth', 'William', 'Barbara', 'Richard', 'Susan', 'Joseph',
                'Jessica', 'Thomas', 'Sarah', 'Carlos', 'Aisha', 'Wei', 'Priya', 'Olga',
                'Mateo', 'Fatima', 'Hiroshi', 'Ingrid', 'Kwame', 'Sofia', 'Liam'])
           [1 + floor(random() * 30)::int] AS fname,
         (ARRAY['Smith', 'Johnson', 'Williams', 'Brown', 'Jones', 'Garcia', 'Miller', 'Davis',
                'Rodriguez', 'Martinez', 'Hernandez', 'Lopez', 'Gonzalez', 'Wilson',
                'Anderson', 'Thomas', 'Taylor', 'Moore', 'Jackson', 'Martin', 'Lee', 'Nguyen',
                'Patel', 'Kowalski', 'Okafor', 'Tanaka', 'Johansson', 'Rossi', 'Murphy',
                'O''Brien'])[1 + floor(random() * 30)::int] AS lname,
         (ARRAY['gmail.com', 'yahoo.com', 'outlook.com', 'hotmail.com', 'icloud.com',
                'proton.me', 'example.org', 'acme-corp.com', 'mail.co.uk', 'web.de'])
           [1 + floor(random() * 10)::int] AS domain,
         (ARRAY['Main St', 'Oak Avenue', 'Maple Drive', 'Cedar Lane', 'Elm Street',
                'Washington Blvd', 'Lake View Road', 'Park Place', 'Sunset Boulevard',
                'Pine Court', 'Hillcrest Ave', 'Church Road'])
           [1 + floor(random() * 12)::int] AS street,
         (ARRAY['Springfield', 'Portland', 'Austin', 'Denver', 'Columbus', 'Madison',
                'Raleigh', 'Boise', 'Albany', 'Tucson', 'Savannah', 'Fargo'])
           [1 + floor(random() * 12)::int] AS city
  FROM generate_series(1, :rows) g
  OFFSET 0  -- keep the subquery: every random() above is drawn once per row
) s;
