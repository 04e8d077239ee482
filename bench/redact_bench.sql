-- Times comply.redact against the plain-SQL alternative (a chain of nested
-- regexp_replace(..., 'g') calls for the same entities, no checksums) and against a no-op
-- baseline that only reads and copies every body, on the table made by bench/records.sql.
-- Run by bench/redact_bench.sh; psql variables: runs (default 3), comply (default 1; 0
-- leaves comply.redact out, to try the SQL-only parts without the extension).
--
-- Each query is `SELECT count(x) FROM (SELECT <expr> AS x FROM records) s`. Note count(x),
-- not count(*): with count(*) the planner drops the unused, non-volatile expression from
-- the flattened subquery and nothing is redacted at all (an index-only scan of the key).
-- Parallel query and JIT are off, so the numbers are per core and free of compile time.
-- Runs are interleaved (round-robin), each query's best run is reported.
\set ON_ERROR_STOP on
\if :{?runs}
\else
  \set runs 3
\endif
\if :{?comply}
\else
  \set comply 1
\endif

SET max_parallel_workers_per_gather = 0;
SET jit = off;
SET client_min_messages = warning;

\ir regexp_chain.sql

CREATE TEMP TABLE bench_query (ord int, name text, expr text);
INSERT INTO bench_query VALUES
  (1, 'comply.redact', 'comply.redact(body)'),
  -- What a user writes without pg_comply (bench/regexp_chain.sql, inlined by the planner).
  (2, 'regexp_chain', 'bench_redact(body)'),
  (3, 'baseline (body||'''')', 'body || ''''');
DELETE FROM bench_query WHERE :comply = 0 AND name = 'comply.redact';

CREATE TEMP TABLE bench_run (name text, run int, seconds float8);
SELECT set_config('bench.runs', :'runs', false) AS runs \gset

-- Warm up: load the table into shared buffers, compile comply's pattern set.
SELECT count(*) AS warm_rows FROM records \gset
\if :comply
SELECT comply.redact('warm up: Patient John Smith, 555-12-3456') IS NOT NULL AS warm \gset
\endif

DO $$
DECLARE
  q record;
  t0 timestamptz;
  n bigint;
BEGIN
  FOR r IN 1..current_setting('bench.runs')::int LOOP
    FOR q IN SELECT * FROM bench_query ORDER BY ord LOOP
      t0 := clock_timestamp();
      EXECUTE format('SELECT count(x) FROM (SELECT %s AS x FROM records) s', q.expr) INTO n;
      INSERT INTO bench_run
        VALUES (q.name, r, extract(epoch FROM clock_timestamp() - t0)::float8);
    END LOOP;
  END LOOP;
END $$;

\echo
\echo 'Timing (best of' :runs 'runs, one core):'
WITH input AS (
  SELECT count(*) AS nrows, sum(octet_length(body)) AS nbytes FROM records
), best AS (
  SELECT name, min(seconds) AS s,
         string_agg(to_char(seconds, 'FM990.000'), ' ' ORDER BY run) AS runs
  FROM bench_run GROUP BY name
)
SELECT b.name AS approach,
       round(b.s::numeric, 3) AS best_s,
       b.runs AS "all runs (s)",
       round((i.nrows / b.s)::numeric) AS "rows/s",
       round((i.nbytes / b.s / 1e6)::numeric, 1) AS "MB/s"
FROM best b JOIN bench_query q USING (name), input i
ORDER BY q.ord;

\if :comply
\echo 'Ratios:'
WITH best AS (SELECT name, min(seconds) AS s FROM bench_run GROUP BY name)
SELECT round((c.s / r.s)::numeric, 2) AS "regexp_chain / comply.redact",
       round(((c.s - b.s) / nullif(r.s - b.s, 0))::numeric, 2)
         AS "same, baseline subtracted"
FROM best r, best c, best b
WHERE r.name = 'comply.redact' AND c.name = 'regexp_chain' AND b.name LIKE 'baseline%';
\endif

-- Sanity check (not timed): rows each approach changed, rows still holding something that
-- looks like an SSN, an e-mail or a 16-digit card, and how many labels of each kind it wrote
-- ("other labels": entities outside the list, e.g. a phone number taken for another kind).
CREATE TEMP TABLE bench_sanity (ord int, name text, changed bigint, residual bigint,
  email bigint, phone bigint, ssn bigint, card bigint, iban bigint, ip bigint,
  date bigint, person bigint, other bigint);
DO $$
DECLARE q record;
BEGIN
  FOR q IN SELECT * FROM bench_query ORDER BY ord LOOP
    EXECUTE format($f$
      INSERT INTO bench_sanity
      SELECT %L, %L,
             count(*) FILTER (WHERE x IS DISTINCT FROM body),
             count(*) FILTER (WHERE x ~ '[0-9]{3}-[0-9]{2}-[0-9]{4}|@|[0-9]{4}[ -]?[0-9]{4}[ -]?[0-9]{4}[ -]?[0-9]{4}'),
             sum(regexp_count(x, '\[EMAIL_ADDRESS\]')),
             sum(regexp_count(x, '\[PHONE_NUMBER\]')),
             sum(regexp_count(x, '\[US_SSN\]')),
             sum(regexp_count(x, '\[CREDIT_CARD\]')),
             sum(regexp_count(x, '\[IBAN_CODE\]')),
             sum(regexp_count(x, '\[IP_ADDRESS\]')),
             sum(regexp_count(x, '\[DATE_TIME\]')),
             sum(regexp_count(x, '\[PERSON\]')),
             sum(regexp_count(x, '\[(?!(?:EMAIL_ADDRESS|PHONE_NUMBER|US_SSN|CREDIT_CARD|IBAN_CODE|IP_ADDRESS|DATE_TIME|PERSON)\])[A-Z_]+\]'))
      FROM (SELECT body, %s AS x FROM records) s$f$, q.ord, q.name, q.expr);
  END LOOP;
END $$;

\echo 'Sanity check: rows changed, rows with a leftover SSN/e-mail/card-like string, labels written:'
SELECT name AS approach, changed AS rows_changed, residual AS rows_residual,
       email, phone, ssn, card, iban, ip, date, person, other AS "other labels"
FROM bench_sanity ORDER BY ord;
