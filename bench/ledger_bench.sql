-- The SQL side of bench/ledger_bench.sh: the tables, the fill, the timed verification
-- and the reports. The script runs it several times, one step each (psql variable step):
--   setup     pgcrypto, the plain and the hand-chained tables, the result tables
--   tps       report the pgbench runs (recorded by the script in bench_tps)
--   fill      top comply.audit_log up to :entries entries, 100,000 per transaction
--   verify    time comply.verify_ledger() against sha256 of every row, best of :runs
--   report    the verification report
-- The pgbench scripts are in bench/ledger/.
\set ON_ERROR_STOP on
\if :{?step}
\else
  \set step report
\endif
\if :{?entries}
\else
  \set entries 1000000
\endif
\if :{?runs}
\else
  \set runs 2
\endif

SET client_min_messages = warning;
SELECT :'step' = 'setup' AS step_setup, :'step' = 'tps' AS step_tps,
       :'step' = 'fill' AS step_fill, :'step' = 'verify' AS step_verify,
       :'step' = 'report' AS step_report \gset

\if :step_setup
-- Setup ------------------------------------------------------------------------------------

CREATE EXTENSION pgcrypto;

-- The same columns as comply.audit_log, written by a plain INSERT (bench/ledger/plain.sql)
-- with the values comply.audit() would write.
CREATE TABLE bench_plain_log (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  logged_at timestamptz NOT NULL,
  session_user_name text NOT NULL,
  current_user_name text NOT NULL,
  application_name text,
  client_addr inet,
  xid xid8 NOT NULL,
  action text NOT NULL,
  object text,
  details jsonb NOT NULL
);

-- A hash chain by hand, as a user would write it without pg_comply: a BEFORE INSERT
-- trigger that serializes the writers on an advisory lock (held to the end of the
-- transaction), reads the previous row's hash and chains the new row to it.
CREATE TABLE bench_chained_log (LIKE bench_plain_log INCLUDING ALL, hash bytea);
CREATE FUNCTION bench_chain() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  prev bytea;
BEGIN
  PERFORM pg_advisory_xact_lock(4242);
  SELECT hash INTO prev FROM bench_chained_log ORDER BY id DESC LIMIT 1;
  NEW.hash := digest(coalesce(prev, '\x'::bytea) || convert_to(NEW::text, 'UTF8'), 'sha256');
  RETURN NEW;
END $$;
CREATE TRIGGER chain BEFORE INSERT ON bench_chained_log
  FOR EACH ROW EXECUTE FUNCTION bench_chain();

-- Results, filled in by the script (pgbench) and by the verify step.
CREATE TABLE bench_tps (ord int PRIMARY KEY, name text, tps float8, xacts bigint,
                        failed bigint, latency_ms float8, ledger_before bigint);
CREATE TABLE bench_run (name text, run int, seconds float8);
CREATE TABLE bench_note (key text PRIMARY KEY, value text);
\endif

\if :step_tps
-- pgbench report ---------------------------------------------------------------------------

\echo
\echo 'Appends: pgbench -n -c' :clients '-j' :threads '-T' :seconds '(one statement per transaction, bench/ledger/*.sql):'
SELECT t.name AS "appending with",
       round(t.tps::numeric) AS tps,
       t.xacts AS transactions,
       t.failed,
       round(t.latency_ms::numeric, 3) AS "latency ms",
       to_char(t.ledger_before, 'FM999,999,999') AS "entries in ledger before",
       round((t.tps / p.tps)::numeric, 2) AS "× plain INSERT"
FROM bench_tps t, bench_tps p
WHERE p.ord = 1
ORDER BY t.ord;

\echo 'Ratios (target: comply.audit at least 0.80 of plain INSERT throughput):'
SELECT round((a.tps / p.tps)::numeric, 2) AS "comply.audit / plain",
       CASE WHEN a.tps / p.tps >= 0.80 THEN 'yes' ELSE 'no' END AS "at least 0.80",
       round((a.tps / h.tps)::numeric, 2) AS "comply.audit / hand-chained",
       round((s.tps / p.tps)::numeric, 2) AS "sealer paused / plain",
       round((h.tps / p.tps)::numeric, 2) AS "hand-chained / plain"
FROM bench_tps p, bench_tps h, bench_tps a, bench_tps s
WHERE p.ord = 1 AND h.ord = 2 AND a.ord = 3 AND s.ord = 4;
\endif

\if :step_fill
-- Fill -------------------------------------------------------------------------------------

-- One transaction per 100,000 entries, so the sealer can seal committed chunks while
-- the next ones are appended.
SELECT set_config('bench.entries', :'entries', false) AS entries \gset
DO $$
DECLARE
  target bigint := current_setting('bench.entries')::bigint;
  have bigint;
  chunk bigint;
BEGIN
  LOOP
    SELECT count(*) INTO have FROM comply.audit_log;
    EXIT WHEN have >= target;
    chunk := least(100000, target - have);
    PERFORM count(comply.audit('bulk', 'obj ' || g)) FROM generate_series(1, chunk) g;
    COMMIT;
  END LOOP;
END $$;
\endif

\if :step_verify
-- Verification timing ----------------------------------------------------------------------

-- One core, no JIT, for both queries (and for the queries comply.verify_ledger runs).
-- Interleaved, each in its own transaction.
SET max_parallel_workers_per_gather = 0;
SET jit = off;
SELECT set_config('bench.runs', :'runs', false) AS runs \gset
DO $$
DECLARE
  t0 timestamptz;
  n bigint;
BEGIN
  FOR r IN 1..current_setting('bench.runs')::int LOOP
    t0 := clock_timestamp();
    SELECT count(*) INTO n FROM comply.verify_ledger();
    INSERT INTO bench_run VALUES ('comply.verify_ledger()', r, extract(epoch FROM clock_timestamp() - t0));
    INSERT INTO bench_note VALUES ('problems run ' || r, n);
    COMMIT;
    t0 := clock_timestamp();
    PERFORM sum(length(sha256(convert_to(t::text, 'UTF8')))) FROM comply.audit_log t;
    INSERT INTO bench_run VALUES ('sha256 of every row', r, extract(epoch FROM clock_timestamp() - t0));
    COMMIT;
  END LOOP;
END $$;
\endif

\if :step_report
-- Verification report ----------------------------------------------------------------------

SELECT count(*) AS n_entries, (SELECT count(*) FROM comply.ledger_blocks) AS n_blocks
FROM comply.ledger_entries \gset
\echo
\echo 'Verification over' :n_entries 'sealed entries in' :n_blocks 'blocks (best of' :runs 'runs, one core, sealer paused):'
\echo '  comply.verify_ledger():  SELECT count(*) FROM comply.verify_ledger()'
\echo '  sha256 of every row:     SELECT sum(length(sha256(convert_to(t::text, ''UTF8'')))) FROM comply.audit_log t'
WITH best AS (
  SELECT name, min(seconds) AS s,
         string_agg(to_char(seconds, 'FM990.000'), ' ' ORDER BY run) AS runs
  FROM bench_run GROUP BY name
)
SELECT b.name AS query,
       round(b.s::numeric, 3) AS best_s,
       b.runs AS "all runs (s)",
       round((:n_entries / b.s)::numeric) AS "entries/s",
       round((b.s / :n_entries * 1e6)::numeric, 2) AS "µs/entry",
       round((b.s / h.s)::numeric, 2) AS "× sha256"
FROM best b, best h
WHERE h.name = 'sha256 of every row'
ORDER BY b.name;

\echo 'Ratio (target: comply.verify_ledger() at most 2x the sha256 scan):'
WITH best AS (SELECT name, min(seconds) AS s FROM bench_run GROUP BY name)
SELECT round((v.s / h.s)::numeric, 2) AS "verify / sha256",
       CASE WHEN v.s / h.s <= 2 THEN 'yes' ELSE 'no' END AS "at most 2x",
       (SELECT string_agg(value, ', ' ORDER BY key) FROM bench_note
         WHERE key LIKE 'problems run %') AS "rows returned by each verify (0 expected)"
FROM best v, best h
WHERE v.name = 'comply.verify_ledger()' AND h.name = 'sha256 of every row';
\endif
