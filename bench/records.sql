-- Benchmark table for bench/redact_bench.sh: :rows realistic multi-sentence records
-- (clinical notes, support tickets, payment disputes, HR notes) with embedded PII of every
-- kind comply.redact detects: e-mail addresses, US phone numbers, SSNs, Luhn-valid card
-- numbers, mod-97-valid IBANs, IPv4 addresses, dates of birth and names after "Patient",
-- "Mr." and the like. Deterministic: setseed() plus functions that draw every random
-- value in its own statement, in a fixed order.
--
--   psql -v rows=100000 -f bench/records.sql
--
-- Creates table public.records(id int, kind text, body text) and drops its helpers.
\set ON_ERROR_STOP on
\if :{?rows}
\else
  \set rows 100000
\endif

SET client_min_messages = warning;
DROP TABLE IF EXISTS public.records;
DROP SCHEMA IF EXISTS bench_gen CASCADE;
CREATE SCHEMA bench_gen;

-- Uniform integer in [lo, hi].
CREATE FUNCTION bench_gen.rint(lo int, hi int) RETURNS int LANGUAGE sql VOLATILE
AS $$ SELECT lo + floor(random() * (hi - lo + 1))::int $$;

CREATE FUNCTION bench_gen.pick(a text[]) RETURNS text LANGUAGE sql VOLATILE
AS $$ SELECT a[bench_gen.rint(1, cardinality(a))] $$;

CREATE FUNCTION bench_gen.digits(n int) RETURNS text LANGUAGE plpgsql VOLATILE AS $$
DECLARE s text := '';
BEGIN
  FOR i IN 1..n LOOP s := s || bench_gen.rint(0, 9); END LOOP;
  RETURN s;
END $$;

-- body followed by its Luhn check digit.
CREATE FUNCTION bench_gen.with_luhn(body text) RETURNS text LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE sum int := 0; d int; dbl bool := true;
BEGIN
  FOR i IN REVERSE length(body)..1 LOOP
    d := substr(body, i, 1)::int;
    IF dbl THEN d := d * 2; IF d > 9 THEN d := d - 9; END IF; END IF;
    sum := sum + d;
    dbl := NOT dbl;
  END LOOP;
  RETURN body || ((10 - sum % 10) % 10);
END $$;

CREATE FUNCTION bench_gen.card() RETURNS text LANGUAGE plpgsql VOLATILE AS $$
DECLARE brand int := bench_gen.rint(0, 3); style int; n text; sep text;
BEGIN
  n := CASE brand
         WHEN 0 THEN bench_gen.with_luhn('4' || bench_gen.digits(14))               -- Visa
         WHEN 1 THEN bench_gen.with_luhn('5' || bench_gen.rint(1, 5) || bench_gen.digits(13))
         WHEN 2 THEN bench_gen.with_luhn('37' || bench_gen.digits(12))              -- Amex
         ELSE bench_gen.with_luhn('6011' || bench_gen.digits(11))                   -- Discover
       END;
  style := bench_gen.rint(0, 2);
  IF style = 2 THEN RETURN n; END IF;
  sep := CASE style WHEN 0 THEN ' ' ELSE '-' END;
  IF length(n) = 15 THEN
    RETURN substr(n, 1, 4) || sep || substr(n, 5, 6) || sep || substr(n, 11);
  END IF;
  RETURN substr(n, 1, 4) || sep || substr(n, 5, 4) || sep || substr(n, 9, 4) || sep || substr(n, 13);
END $$;

-- IBAN with correct check digits (ISO 13616 mod 97), compact or in groups of four.
CREATE FUNCTION bench_gen.iban() RETURNS text LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  c int := bench_gen.rint(1, 6);
  cc text := (ARRAY['DE', 'GB', 'FR', 'NL', 'ES', 'IT'])[c];
  nletters int := (ARRAY[0, 4, 0, 4, 0, 1])[c];
  ndigits int := (ARRAY[18, 14, 23, 10, 20, 22])[c];
  bban text := '';
  numstr text := '';
  ch text;
  iban text;
BEGIN
  FOR i IN 1..nletters LOOP bban := bban || chr(65 + bench_gen.rint(0, 25)); END LOOP;
  bban := bban || bench_gen.digits(ndigits);
  FOREACH ch IN ARRAY regexp_split_to_array(bban || cc || '00', '') LOOP
    numstr := numstr || CASE WHEN ch BETWEEN 'A' AND 'Z' THEN (ascii(ch) - 55)::text ELSE ch END;
  END LOOP;
  iban := cc || lpad((98 - (numstr::numeric % 97))::int::text, 2, '0') || bban;
  IF bench_gen.rint(0, 1) = 0 THEN RETURN iban; END IF;
  RETURN trim(regexp_replace(iban, '(.{4})', '\1 ', 'g'));
END $$;

-- Valid-looking SSN: area 001-899 except 666, group 01-99, serial 0001-9999.
CREATE FUNCTION bench_gen.ssn() RETURNS text LANGUAGE plpgsql VOLATILE AS $$
DECLARE a int; g int; s int; sep text;
BEGIN
  LOOP a := bench_gen.rint(1, 899); EXIT WHEN a <> 666; END LOOP;
  g := bench_gen.rint(1, 99);
  s := bench_gen.rint(1, 9999);
  sep := CASE WHEN bench_gen.rint(0, 4) = 0 THEN ' ' ELSE '-' END;
  RETURN lpad(a::text, 3, '0') || sep || lpad(g::text, 2, '0') || sep || lpad(s::text, 4, '0');
END $$;

-- US phone number with a real area code, in one of the usual formats.
CREATE FUNCTION bench_gen.phone() RETURNS text LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  area text := bench_gen.pick(ARRAY['212', '312', '415', '617', '713', '206', '303', '404',
                                    '305', '512', '602', '919', '470', '646', '858']);
  exch text;
  line text;
  style int;
BEGIN
  exch := bench_gen.rint(2, 9)::text;
  exch := exch || bench_gen.digits(2);
  IF substr(exch, 2) = '11' THEN exch := substr(exch, 1, 2) || '2'; END IF;
  line := bench_gen.digits(4);
  style := bench_gen.rint(0, 3);
  RETURN CASE style
           WHEN 0 THEN '(' || area || ') ' || exch || '-' || line
           WHEN 1 THEN area || '-' || exch || '-' || line
           WHEN 2 THEN '+1 ' || area || ' ' || exch || ' ' || line
           ELSE area || '.' || exch || '.' || line
         END;
END $$;

CREATE FUNCTION bench_gen.email(first text, last text) RETURNS text LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  f text := lower(first);
  l text := replace(lower(last), '''', '');
  style int := bench_gen.rint(0, 2);
  domain text;
  n int := bench_gen.rint(1, 99);
BEGIN
  domain := bench_gen.pick(ARRAY['gmail.com', 'outlook.com', 'yahoo.com', 'icloud.com',
                                 'acme-health.org', 'northwind.co.uk', 'example.net']);
  RETURN CASE style
           WHEN 0 THEN f || '.' || l
           WHEN 1 THEN substr(f, 1, 1) || l || n
           ELSE f || '_' || substr(l, 1, 3)
         END || '@' || domain;
END $$;

-- A date between the given years in one of four common formats.
CREATE FUNCTION bench_gen.date(lo int, hi int) RETURNS text LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  y int := bench_gen.rint(lo, hi);
  m int := bench_gen.rint(1, 12);
  d int := bench_gen.rint(1, 28);
  dt date := make_date(y, m, d);
  style int := bench_gen.rint(0, 3);
BEGIN
  RETURN CASE style
           WHEN 0 THEN to_char(dt, 'MM/DD/YYYY')
           WHEN 1 THEN to_char(dt, 'YYYY-MM-DD')
           WHEN 2 THEN to_char(dt, 'FMMonth FMDD, YYYY')
           ELSE to_char(dt, 'FMDD Mon YYYY')
         END;
END $$;

CREATE FUNCTION bench_gen.ip() RETURNS text LANGUAGE plpgsql VOLATILE AS $$
DECLARE a int := bench_gen.rint(1, 223); b int := bench_gen.rint(0, 255);
        c int := bench_gen.rint(0, 255); d int := bench_gen.rint(1, 254);
BEGIN
  RETURN a || '.' || b || '.' || c || '.' || d;
END $$;

-- One record of the given kind (0 clinical, 1 support, 2 payment, 3 HR). Optional
-- sentences vary the length and leave some records with few or no PII values.
CREATE FUNCTION bench_gen.record(kind int) RETURNS text LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  firsts text[] := ARRAY['Maria', 'James', 'Linda', 'Robert', 'Patricia', 'Michael', 'Jennifer',
    'David', 'Susan', 'Thomas', 'Karen', 'Daniel', 'Nancy', 'Steven', 'Olivia', 'Ethan',
    'Aisha', 'Carlos', 'Priya', 'Hannah', 'George', 'Emily', 'Samuel', 'Laura', 'Fatima',
    'Kevin', 'Rachel', 'Brian', 'Sofia', 'Jamal'];
  lasts text[] := ARRAY['Smith', 'Johnson', 'Garcia', 'Nguyen', 'Okafor', 'Miller', 'Davis',
    'Rodriguez', 'Martinez', 'Kowalski', 'Anderson', 'Patel', 'Thompson', 'Fischer',
    'O''Brien', 'Lindqvist', 'Moreau', 'Tanaka', 'Hughes', 'Reyes', 'Campbell', 'Schmidt'];
  f1 text := bench_gen.pick(firsts);
  l1 text := bench_gen.pick(lasts);
  f2 text := bench_gen.pick(firsts);
  l2 text := bench_gen.pick(lasts);
  title text := bench_gen.pick(ARRAY['Mr.', 'Ms.', 'Mrs.']);
  r text;
BEGIN
  IF kind = 0 THEN
    r := 'Patient ' || f1 || ' ' || l1 || ', DOB ' || bench_gen.date(1935, 2010)
      || ', presented with ' || bench_gen.pick(ARRAY['intermittent chest pain',
         'a persistent dry cough', 'lower back pain after a fall', 'elevated blood pressure',
         'fatigue and dizziness']) || '. Vitals stable, BP '
      || bench_gen.rint(105, 160) || '/' || bench_gen.rint(65, 99) || ', HR '
      || bench_gen.rint(55, 110) || '. ';
    IF bench_gen.rint(0, 2) > 0 THEN
      r := r || 'Insurance verified with SSN ' || bench_gen.ssn() || '. ';
    END IF;
    r := r || bench_gen.pick(ARRAY['Started on lisinopril 10 mg daily.',
           'Ordered chest X-ray and basic metabolic panel.', 'Advised rest and ibuprofen as needed.',
           'Referred to cardiology for further evaluation.']) || ' ';
    IF bench_gen.rint(0, 1) = 1 THEN
      r := r || 'Emergency contact ' || f2 || ' ' || l2 || ' at ' || bench_gen.phone() || '. ';
    END IF;
    r := r || 'Follow-up on ' || bench_gen.date(2024, 2025) || '; results to be sent to '
      || bench_gen.email(f1, l1) || '.';
  ELSIF kind = 1 THEN
    r := 'Ticket #' || bench_gen.digits(6) || ': customer ' || f1 || ' ' || l1
      || ' reports that ' || bench_gen.pick(ARRAY['the mobile app crashes on login',
         'password reset e-mails never arrive', 'two-factor codes are rejected',
         'the invoice page shows the wrong currency']) || '. Account e-mail '
      || bench_gen.email(f1, l1) || '. Failed attempts logged from ' || bench_gen.ip();
    IF bench_gen.rint(0, 1) = 1 THEN r := r || ' and ' || bench_gen.ip(); END IF;
    r := r || '. Cleared the session cache and asked the customer to retry. ';
    IF bench_gen.rint(0, 2) > 0 THEN
      r := r || 'Callback requested at ' || bench_gen.phone() || ' after 3 pm. ';
    END IF;
    r := r || 'Escalated to ' || f2 || ' in tier 2 on ' || bench_gen.date(2024, 2025) || '.';
  ELSIF kind = 2 THEN
    r := 'Payment dispute: cardholder ' || title || ' ' || l1 || ' disputes a charge of $'
      || bench_gen.rint(12, 2400) || '.' || lpad(bench_gen.rint(0, 99)::text, 2, '0')
      || ' made on ' || bench_gen.date(2023, 2025) || ' with card ' || bench_gen.card()
      || '. ' || bench_gen.pick(ARRAY['The merchant claims the goods were delivered.',
         'The cardholder says the subscription was cancelled.',
         'The charge appears twice on the statement.']) || ' ';
    IF bench_gen.rint(0, 2) > 0 THEN
      r := r || 'Refund to be credited to IBAN ' || bench_gen.iban() || ' once approved. ';
    END IF;
    r := r || 'Identity confirmed with SSN ' || bench_gen.ssn() || '. Contact '
      || bench_gen.email(f1, l1) || ' or ' || bench_gen.phone() || '.';
  ELSE
    r := 'HR note: ' || title || ' ' || l1 || ' (' || f1 || ') met with ' || f2 || ' ' || l2
      || ' about ' || bench_gen.pick(ARRAY['the relocation package', 'a leave of absence',
         'the annual performance review', 'a change of payroll account']) || '. Date of birth '
      || bench_gen.date(1958, 2003) || ' and SSN ' || bench_gen.ssn()
      || ' were checked against the onboarding file. ';
    IF bench_gen.rint(0, 1) = 1 THEN
      r := r || 'Salary will be paid to ' || bench_gen.iban() || ' from next month. ';
    END IF;
    r := r || 'Personal phone ' || bench_gen.phone() || ', personal e-mail '
      || bench_gen.email(f1, l1) || '. Next meeting on ' || bench_gen.date(2024, 2025) || '.';
  END IF;
  RETURN r;
END $$;

SELECT setseed(0.4242);
CREATE TABLE public.records (id int PRIMARY KEY, kind text NOT NULL, body text NOT NULL);
INSERT INTO public.records
SELECT g, (ARRAY['clinical', 'support', 'payment', 'hr'])[g % 4 + 1], bench_gen.record(g % 4)
FROM generate_series(1, :rows) AS g
ORDER BY g;
DROP SCHEMA bench_gen CASCADE;
VACUUM (ANALYZE, FREEZE) public.records;
