-- Sanity step of bench/protect_bench.sh (not timed): invalid documents, each breaking one
-- rule of the intake schema, are inserted one at a time into protected_intake and
-- plpgsql_intake; each must raise check_violation. The pgbench pool holds valid
-- documents only: a failing INSERT would end its pgbench client.
-- Records per table: rejected (check_violation), errored (another error), accepted.
\set ON_ERROR_STOP on
SET client_min_messages = warning;

CREATE TABLE bench_bad_docs (kind text PRIMARY KEY, doc jsonb NOT NULL);
INSERT INTO bench_bad_docs
SELECT k.kind, k.doc
FROM (SELECT payload || '{"address": {"street": "12 Oak Avenue", "city": "Austin", "zip": "73301"},
                          "tags": ["vip", "beta"]}' AS d
      FROM bench_pool WHERE id = 1) p,
LATERAL (VALUES
  ('user_id missing', p.d - 'user_id'),
  ('user_id a string', p.d || '{"user_id": "1001"}'),
  ('email without @', p.d || '{"email": "maria.garcia.example.org"}'),
  ('consent "yes"', p.d || '{"consent": "yes"}'),
  ('extra property ssn', p.d || '{"ssn": "536-22-8714"}'),
  ('zip 4 digits', jsonb_set(p.d, '{address,zip}', '"7330"')),
  ('address without city', p.d #- '{address,city}'),
  ('tags with a number', p.d || '{"tags": ["vip", 7]}'),
  ('source "fax" (enum)', p.d || '{"source": "fax"}'),
  ('dob 05/03/1984 (pattern)', p.d || '{"dob": "05/03/1984"}')
) AS k(kind, doc);

CREATE TABLE bench_reject (tbl text, rejected int, errored int, accepted int);
DO $$
DECLARE
  t text;
  d record;
  rej int; err int; acc int;
BEGIN
  FOREACH t IN ARRAY ARRAY['protected_intake', 'plpgsql_intake'] LOOP
    rej := 0; err := 0; acc := 0;
    FOR d IN SELECT doc FROM bench_bad_docs LOOP
      BEGIN
        EXECUTE format('INSERT INTO %I (payload, notes) VALUES ($1, $2)', t)
          USING d.doc, 'Rejected intake for Patient Maria Garcia, SSN 536-22-8714.';
        acc := acc + 1;
      EXCEPTION
        WHEN check_violation THEN rej := rej + 1;
        WHEN OTHERS THEN err := err + 1;
      END;
    END LOOP;
    INSERT INTO bench_reject VALUES (t, rej, err, acc);
  END LOOP;
END $$;
