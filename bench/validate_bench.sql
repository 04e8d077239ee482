-- Times INSERTs into a table with CHECK (comply.validate(doc, 'intake')) against the same
-- table without a constraint and against the same rules written by hand as a plain-SQL
-- CHECK (jsonb_typeof, ?, ?&, -, length, ~, jsonb_path_exists), then checks that both
-- constraints reject a set of deliberately invalid documents.
-- Run by bench/validate_bench.sh; psql variables: rows (default 100000), runs (default 5),
-- comply (default 1; 0 leaves comply.validate out, to try the SQL-only parts without the
-- extension).
--
-- The documents are generated once (setseed, so the same every time) into bench_docs;
-- each timed run inserts all of them into a freshly truncated table, in its own
-- transaction, commit included: either with `INSERT INTO <table> (doc) SELECT doc FROM
-- bench_docs` (bulk) or with one INSERT statement a document (rows). Runs are interleaved
-- (round-robin), each table's best run is reported. Parallel query and JIT are off, and
-- autovacuum is off on the target tables.
\set ON_ERROR_STOP on
\if :{?rows}
\else
  \set rows 100000
\endif
\if :{?runs}
\else
  \set runs 5
\endif
\if :{?comply}
\else
  \set comply 1
\endif

SET max_parallel_workers_per_gather = 0;
SET jit = off;
SET client_min_messages = warning;

-- Documents ------------------------------------------------------------------------------

-- Valid intake documents. Only user_id, email and consent are always present; the other
-- properties are present in 70 to 95% of them. About 210 bytes each (as text).
SELECT clock_timestamp() AS gen_start \gset
\ir intake_docs.sql

-- Invalid documents: 1,000 valid ones, each broken in one way (kind = id % 26). For the
-- kinds that break the address or the tags, the document gets a valid one first.
CREATE TABLE bench_bad_docs (id int PRIMARY KEY, kind text NOT NULL, doc jsonb NOT NULL);
INSERT INTO bench_bad_docs
SELECT id, k.kind, k.doc
FROM (SELECT id, doc,
             doc || '{"address": {"street": "12 Oak Avenue", "city": "Austin", "zip": "73301"}}'
               AS doc_a,
             doc || '{"tags": ["vip", "beta"]}' AS doc_t
      FROM bench_docs WHERE id <= 1000) d,
LATERAL (SELECT CASE d.id % 26
  WHEN 0 THEN 'user_id missing'
  WHEN 1 THEN 'user_id a string'
  WHEN 2 THEN 'user_id 0 (minimum 1)'
  WHEN 3 THEN 'user_id 12.5 (not integer)'
  WHEN 4 THEN 'email missing'
  WHEN 5 THEN 'email without @'
  WHEN 6 THEN 'email 262 chars (maxLength 254)'
  WHEN 7 THEN 'email a number'
  WHEN 8 THEN 'consent missing'
  WHEN 9 THEN 'consent "yes"'
  WHEN 10 THEN 'extra property ssn'
  WHEN 11 THEN 'zip 4 digits'
  WHEN 12 THEN 'zip a number'
  WHEN 13 THEN 'address without city'
  WHEN 14 THEN 'address extra property'
  WHEN 15 THEN 'address a string'
  WHEN 16 THEN 'tags a string'
  WHEN 17 THEN 'tags with a number'
  WHEN 18 THEN 'tags 11 items (maxItems 10)'
  WHEN 19 THEN 'tags null'
  WHEN 20 THEN 'source "fax" (enum)'
  WHEN 21 THEN 'source null'
  WHEN 22 THEN 'name 101 chars (maxLength 100)'
  WHEN 23 THEN 'name null'
  WHEN 24 THEN 'dob 05/03/1984 (pattern)'
  ELSE 'document an array'
  END AS kind,
  CASE d.id % 26
  WHEN 0 THEN d.doc - 'user_id'
  WHEN 1 THEN d.doc || jsonb_build_object('user_id', (d.doc->>'user_id'))
  WHEN 2 THEN d.doc || '{"user_id": 0}'
  WHEN 3 THEN d.doc || '{"user_id": 12.5}'
  WHEN 4 THEN d.doc - 'email'
  WHEN 5 THEN d.doc || jsonb_build_object('email', replace(d.doc->>'email', '@', '.'))
  WHEN 6 THEN d.doc || jsonb_build_object('email', repeat('a', 250) || '@example.com')
  WHEN 7 THEN d.doc || '{"email": 5551234}'
  WHEN 8 THEN d.doc - 'consent'
  WHEN 9 THEN d.doc || '{"consent": "yes"}'
  WHEN 10 THEN d.doc || '{"ssn": "123-45-6789"}'
  WHEN 11 THEN jsonb_set(d.doc_a, '{address,zip}', '"7330"')
  WHEN 12 THEN jsonb_set(d.doc_a, '{address,zip}', '73301')
  WHEN 13 THEN d.doc_a #- '{address,city}'
  WHEN 14 THEN jsonb_set(d.doc_a, '{address,country}', '"US"')
  WHEN 15 THEN d.doc || '{"address": "12 Oak Avenue, Austin TX 73301"}'
  WHEN 16 THEN d.doc || '{"tags": "vip"}'
  WHEN 17 THEN d.doc_t || '{"tags": ["vip", 7]}'
  WHEN 18 THEN d.doc || '{"tags": ["a","b","c","d","e","f","g","h","i","j","k"]}'
  WHEN 19 THEN d.doc || '{"tags": null}'
  WHEN 20 THEN d.doc || '{"source": "fax"}'
  WHEN 21 THEN d.doc || '{"source": null}'
  WHEN 22 THEN d.doc || jsonb_build_object('name', repeat('x', 101))
  WHEN 23 THEN d.doc || '{"name": null}'
  WHEN 24 THEN d.doc || '{"dob": "05/03/1984"}'
  ELSE jsonb_build_array(d.doc)
  END AS doc) k;

\echo
SELECT format('%s valid documents, %s (avg %s bytes), and %s invalid ones (%s kinds), generated in %ss',
              count(*), pg_size_pretty(sum(octet_length(doc::text))),
              round(avg(octet_length(doc::text))),
              (SELECT count(*) FROM bench_bad_docs),
              (SELECT count(DISTINCT kind) FROM bench_bad_docs),
              round(extract(epoch FROM clock_timestamp() - :'gen_start'::timestamptz)::numeric, 1))
       AS docs
FROM bench_docs \gset
\echo 'docs:   ' :docs
SELECT doc AS example FROM bench_docs WHERE id = 3 \gset
\echo 'example:' :example

-- The rules --------------------------------------------------------------------------------

-- As JSON Schema (draft 2020-12). "format" is only an annotation in 2020-12, so the date
-- of birth is checked with a pattern, as it is in SQL below.
\if :comply
\ir intake_schema.sql
\endif

-- The same rules by hand, as a user would write them in a CHECK (bench/intake_rules.sql,
-- inlined by the planner).
\ir intake_rules.sql
CREATE TEMP TABLE bench_rule (name text PRIMARY KEY, expr text);
INSERT INTO bench_rule VALUES
  ('comply.validate', $e$comply.validate(doc, 'intake')$e$),
  ('hand-written SQL', 'bench_intake_rules(doc)'),
  -- Not the rules: the cheapest CHECK on the document there is, for reference (what any
  -- constraint costs before it checks anything).
  ('doc ? ''user_id''', $e$doc ? 'user_id'$e$);
DELETE FROM bench_rule WHERE :comply = 0 AND name = 'comply.validate';

-- Four tables ------------------------------------------------------------------------------

-- reference: a constraint that is not the rules (left out of the sanity check).
CREATE TEMP TABLE bench_table (ord int, name text, tbl text, rule text,
                               reference bool NOT NULL DEFAULT false);
INSERT INTO bench_table VALUES
  (1, 'no check', 'intake_nocheck', NULL, false),
  (2, 'comply.validate', 'intake_comply', 'comply.validate', false),
  (3, 'hand-written SQL', 'intake_sql', 'hand-written SQL', false),
  (4, 'simplest CHECK (doc ? ''user_id'')', 'intake_exists', 'doc ? ''user_id''', true);
DELETE FROM bench_table WHERE rule IS NOT NULL AND rule NOT IN (SELECT name FROM bench_rule);

DO $$
DECLARE t record;
BEGIN
  FOR t IN SELECT b.tbl, r.expr FROM bench_table b LEFT JOIN bench_rule r ON r.name = b.rule
  LOOP
    EXECUTE format('DROP TABLE IF EXISTS %I', t.tbl);
    EXECUTE format('CREATE TABLE %I (doc jsonb%s) WITH (autovacuum_enabled = off)',
                   t.tbl, CASE WHEN t.expr IS NULL THEN ''
                               ELSE format(', CONSTRAINT intake_valid CHECK (%s)', t.expr) END);
  END LOOP;
END $$;

-- Timing -----------------------------------------------------------------------------------

-- One function per table for the second form (below): 100,000 single-row INSERT
-- statements, each with its plan cached by PL/pgSQL, as an application inserting one
-- document at a time would run them, without the network round trip.
DO $do$
DECLARE t record;
BEGIN
  FOR t IN SELECT tbl FROM bench_table LOOP
    EXECUTE format($f$
      CREATE FUNCTION %I() RETURNS void LANGUAGE plpgsql AS $b$
      DECLARE d record;
      BEGIN
        FOR d IN SELECT doc FROM bench_docs LOOP
          INSERT INTO %I (doc) VALUES (d.doc);
        END LOOP;
      END $b$ $f$, 'bench_rows_' || t.tbl, t.tbl);
  END LOOP;
END $do$;

CREATE TEMP TABLE bench_run (form text, name text, run int, seconds float8);
SELECT set_config('bench.runs', :'runs', false) AS runs \gset

-- Warm up: load the documents into shared buffers, compile the schema and the regexes.
SELECT count(*) AS warm_rows FROM bench_docs \gset
DO $$
DECLARE t record;
BEGIN
  FOR t IN SELECT tbl FROM bench_table LOOP
    EXECUTE format('INSERT INTO %I (doc) SELECT doc FROM bench_docs WHERE id <= 1000', t.tbl);
  END LOOP;
END $$;

-- Every TRUNCATE and INSERT in its own transaction (a DO block at top level may COMMIT).
-- Two forms: one INSERT ... SELECT of every document ('bulk', where the constraint's
-- share of the time is largest), and one INSERT statement per document ('rows').
DO $$
DECLARE
  t record;
  f text;
  t0 timestamptz;
  secs float8;
BEGIN
  -- Round 0 is not timed: a bulk insert of every document into each table first (the
  -- first full-size round took twice as long for every table, the WAL files it needed
  -- being created rather than recycled).
  FOR r IN 0..current_setting('bench.runs')::int LOOP
    FOREACH f IN ARRAY CASE WHEN r = 0 THEN ARRAY['bulk'] ELSE ARRAY['bulk', 'rows'] END LOOP
      FOR t IN SELECT name, tbl FROM bench_table ORDER BY ord LOOP
        EXECUTE format('TRUNCATE %I', t.tbl);
        CHECKPOINT;
        COMMIT;
        t0 := clock_timestamp();
        IF f = 'bulk' THEN
          EXECUTE format('INSERT INTO %I (doc) SELECT doc FROM bench_docs', t.tbl);
        ELSE
          EXECUTE format('SELECT %I()', 'bench_rows_' || t.tbl);
        END IF;
        COMMIT;
        secs := extract(epoch FROM clock_timestamp() - t0)::float8;
        IF r > 0 THEN
          INSERT INTO bench_run VALUES (f, t.name, r, secs);
        END IF;
        COMMIT;
      END LOOP;
    END LOOP;
  END LOOP;
END $$;

\echo
\echo 'Timing (best of' :runs 'runs, one core), two forms of the same inserts:'
\echo '  bulk: INSERT INTO <table> (doc) SELECT doc FROM bench_docs, one statement for every document'
\echo '  rows: one INSERT INTO <table> (doc) VALUES ($1) per document (a PL/pgSQL loop, plan cached)'
WITH input AS (
  SELECT count(*) AS nrows FROM bench_docs
), best AS (
  SELECT form, name, min(seconds) AS s,
         string_agg(to_char(seconds, 'FM990.000'), ' ' ORDER BY run) AS runs
  FROM bench_run GROUP BY form, name
)
SELECT b.form, b.name AS "table",
       round(b.s::numeric, 3) AS best_s,
       b.runs AS "all runs (s)",
       round((i.nrows / b.s)::numeric) AS "rows/s",
       round((b.s / i.nrows * 1e6)::numeric, 2) AS "µs/row",
       round((b.s / n.s)::numeric, 2) AS "× no check"
FROM best b JOIN bench_table t USING (name), input i, best n
WHERE n.name = 'no check' AND n.form = b.form
ORDER BY b.form, t.ord;

\if :comply
\echo 'Ratios (target: the comply.validate constraint costs at most 30% more than no check). Best of'
\echo 'the runs of each table, and the median of each run''s own ratio (its two inserts ran one after'
\echo 'the other: a change of the machine''s speed between runs moves both):'
WITH best AS (SELECT form, name, min(seconds) AS s FROM bench_run GROUP BY form, name),
paired AS (
  SELECT n.form, percentile_cont(0.5) WITHIN GROUP (ORDER BY c.seconds / n.seconds) AS ratio
  FROM bench_run n JOIN bench_run c ON c.form = n.form AND c.run = n.run
  WHERE n.name = 'no check' AND c.name = 'comply.validate'
  GROUP BY n.form)
SELECT n.form,
       round((c.s / n.s)::numeric, 2) AS "comply / no check",
       round((100 * (c.s / n.s - 1))::numeric) || '%' AS "constraint overhead",
       CASE WHEN c.s / n.s <= 1.30 THEN 'yes' ELSE 'no' END AS "within 30%",
       round(p.ratio::numeric, 2) AS "median run ratio",
       round((c.s / h.s)::numeric, 2) AS "comply / hand-written",
       round(((c.s - n.s) / nullif(h.s - n.s, 0))::numeric, 2) AS "same, no-check time subtracted",
       round((c.s / e.s)::numeric, 2) AS "comply / simplest CHECK"
FROM best n
JOIN best c ON c.form = n.form AND c.name = 'comply.validate'
JOIN best h ON h.form = n.form AND h.name = 'hand-written SQL'
JOIN best e ON e.form = n.form AND e.name LIKE 'simplest CHECK%'
JOIN paired p ON p.form = n.form
WHERE n.name = 'no check'
ORDER BY n.form;
\else
\echo 'Ratio:'
WITH best AS (SELECT form, name, min(seconds) AS s FROM bench_run GROUP BY form, name)
SELECT n.form, round((h.s / n.s)::numeric, 2) AS "hand-written / no check"
FROM best n JOIN best h ON h.form = n.form AND h.name = 'hand-written SQL'
WHERE n.name = 'no check' ORDER BY n.form;
\endif

-- Sanity check (not timed) -----------------------------------------------------------------

-- Each invalid document is INSERTed on its own into each table with a constraint;
-- rejected = check_violation, errored = any other error (e.g. a cast that fails because a
-- guard did not short-circuit), accepted = the constraint let it through.
CREATE TEMP TABLE bench_reject (name text, kind text, rejected int, errored int, accepted int);
DO $$
DECLARE
  t record;
  d record;
  rej int; err int; acc int;
BEGIN
  FOR t IN SELECT name, tbl FROM bench_table WHERE rule IS NOT NULL AND NOT reference
           ORDER BY ord LOOP
    FOR d IN SELECT kind, array_agg(doc) AS docs FROM bench_bad_docs GROUP BY kind LOOP
      rej := 0; err := 0; acc := 0;
      FOR i IN 1..cardinality(d.docs) LOOP
        BEGIN
          EXECUTE format('INSERT INTO %I (doc) VALUES ($1)', t.tbl) USING d.docs[i];
          acc := acc + 1;
        EXCEPTION
          WHEN check_violation THEN rej := rej + 1;
          WHEN OTHERS THEN err := err + 1;
        END;
      END LOOP;
      INSERT INTO bench_reject VALUES (t.name, d.kind, rej, err, acc);
    END LOOP;
  END LOOP;
END $$;

-- The last timed run left every valid document in each table: all were accepted.
CREATE TEMP TABLE bench_kept (name text, n bigint);
DO $$
DECLARE t record; n bigint;
BEGIN
  FOR t IN SELECT name, tbl FROM bench_table LOOP
    EXECUTE format('SELECT count(*) FROM %I', t.tbl) INTO n;
    INSERT INTO bench_kept VALUES (t.name, n);
  END LOOP;
END $$;

\echo 'Sanity check: valid documents accepted (in the table after the last run), invalid ones rejected:'
SELECT t.name AS "table",
       k.n AS valid_accepted,
       (SELECT count(*) FROM bench_docs) AS of_valid,
       sum(r.rejected) AS invalid_rejected,
       sum(r.errored) AS invalid_errored,
       sum(r.accepted) AS invalid_accepted,
       (SELECT count(*) FROM bench_bad_docs) AS of_invalid
FROM bench_table t JOIN bench_kept k USING (name) JOIN bench_reject r USING (name)
WHERE NOT t.reference
GROUP BY t.ord, t.name, k.n
ORDER BY t.ord;

\echo 'Kinds of invalid documents not rejected every time (none expected):'
SELECT kind, name AS "table", rejected, errored, accepted
FROM bench_reject WHERE errored + accepted > 0
ORDER BY kind, name;

\if :comply
-- Both rules evaluated side by side, on every document, valid or not.
SELECT format($q$
  SELECT count(*) FILTER (WHERE (%s) IS DISTINCT FROM (%s)) AS disagree, count(*) AS total
  FROM (SELECT doc FROM bench_docs UNION ALL SELECT doc FROM bench_bad_docs) s$q$,
  (SELECT expr FROM bench_rule WHERE name = 'comply.validate'),
  (SELECT expr FROM bench_rule WHERE name = 'hand-written SQL')) AS agree_query \gset
\echo 'comply.validate and the hand-written expression, evaluated in a SELECT on all documents:'
:agree_query;
\endif
