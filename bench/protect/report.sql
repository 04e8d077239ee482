-- Report of bench/protect_bench.sh: the pgbench runs recorded in bench_tps (one row per
-- run), the ratios, and the sanity check of what each table stored.
-- psql variables: clients (the list), seconds (per run), rounds, pool.
\set ON_ERROR_STOP on
SET client_min_messages = warning;

\echo
\echo 'INSERT throughput, one INSERT a transaction: pgbench -n -M prepared -c <clients> -j 2 (1 for one client) -T' :seconds
\echo 'with a row of the pool of' :pool 'picked at random; for each number of clients (' :clients '), each table' :rounds 'runs,'
\echo 'interleaved, each after a 2 s warm-up. Server CPU per transaction: the time every server process'
\echo 'used (backends, sealer, WAL writer, autovacuum ...: not pgbench) over the run and the sealing of'
\echo 'its entries, per transaction; sealer and WAL writer: their own part of it:'
WITH agg AS (
  SELECT clients, tbl, min(ord) AS ord, min(name) AS name,
         sum(xacts) / sum(xacts / tps) AS tps,   -- all transactions over all timed seconds
         sum(xacts) AS xacts, sum(failed) AS failed,
         sum(latency_ms * xacts) / sum(xacts) AS latency_ms,
         string_agg(round(tps::numeric)::text, ' ' ORDER BY ord) AS runs,
         sum(cpu_us * xacts) / sum(xacts) AS cpu_us,
         sum(sealer_us * xacts) / sum(xacts) AS sealer_us,
         sum(walwriter_us * xacts) / sum(xacts) AS walwriter_us
  FROM bench_tps GROUP BY clients, tbl
)
SELECT a.clients, a.name AS "table",
       round(a.tps::numeric) AS tps,
       a.runs AS "tps of each run",
       a.xacts AS transactions,
       a.failed,
       round(a.latency_ms::numeric, 3) AS "latency ms",
       round((a.tps / p.tps)::numeric, 2) AS "× plain",
       round(a.cpu_us::numeric) AS "server CPU µs/xact",
       round(a.sealer_us::numeric, 1) AS "sealer",
       round(a.walwriter_us::numeric, 1) AS "WAL writer"
FROM agg a JOIN agg p ON p.clients = a.clients AND p.tbl = 'plain_intake'
ORDER BY a.ord;

\echo 'Ratios (targets: protected at least 0.5 of plain, and at least 3x the PL/pgSQL triggers):'
WITH agg AS (SELECT clients, tbl, sum(xacts) / sum(xacts / tps) AS tps FROM bench_tps GROUP BY clients, tbl)
SELECT p.clients,
       round((c.tps / p.tps)::numeric, 2) AS "protected / plain",
       CASE WHEN c.tps / p.tps >= 0.5 THEN 'yes' ELSE 'no' END AS "at least 0.5",
       round((c.tps / h.tps)::numeric, 2) AS "protected / plpgsql",
       CASE WHEN c.tps / h.tps >= 3 THEN 'yes' ELSE 'no' END AS "at least 3x",
       round((h.tps / p.tps)::numeric, 2) AS "plpgsql / plain",
       round((a.tps / p.tps)::numeric, 2) AS "audit alone / plain",
       round((r.tps / p.tps)::numeric, 2) AS "columns alone / plain"
FROM agg p
JOIN agg c ON c.clients = p.clients AND c.tbl = 'protected_intake'
JOIN agg h ON h.clients = p.clients AND h.tbl = 'plpgsql_intake'
JOIN agg a ON a.clients = p.clients AND a.tbl = 'audited_intake'
JOIN agg r ON r.clients = p.clients AND r.tbl = 'redacted_intake'
WHERE p.tbl = 'plain_intake'
ORDER BY p.clients;

SELECT to_regclass('bench_connect') IS NOT NULL AS has_connect \gset
\if :has_connect
\echo 'A new connection per transaction (pgbench -n -C -c 2 -j 2, simple protocol): every row is its session''s first:'
SELECT c.tbl AS "table", round(c.tps::numeric) AS tps, round(c.latency_ms::numeric, 2) AS "latency ms",
       round((c.tps / p.tps)::numeric, 2) AS "× plain",
       CASE WHEN c.tbl = 'protected_intake' THEN round((c.tps / h.tps)::numeric, 2) END AS "protected / plpgsql"
FROM bench_connect c, bench_connect p, bench_connect h
WHERE p.tbl = 'plain_intake' AND h.tbl = 'plpgsql_intake'
ORDER BY c.ord;
\endif

-- Sanity check -------------------------------------------------------------------------------

-- The patterns of bench/redact_bench.sql's sanity check (what a leak looks like).
CREATE TEMP TABLE bench_leak (tbl text, ord int, rows bigint, audit text, ssn bigint, email bigint,
                              phone bigint, card bigint, p_email bigint, p_name bigint,
                              p_valid bigint, persons numeric);
DO $$
DECLARE
  t record;
BEGIN
  FOR t IN SELECT * FROM (VALUES (1, 'plain_intake'), (2, 'plpgsql_intake'), (3, 'protected_intake'))
             v(ord, tbl) LOOP
    EXECUTE format($q$
      INSERT INTO bench_leak
      SELECT %L, %s, count(*),
             %s,
             count(*) FILTER (WHERE notes ~ '\m[0-9]{3}[- ][0-9]{2}[- ][0-9]{4}\M'),
             count(*) FILTER (WHERE notes ~ '[A-Za-z0-9._%%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}'),
             count(*) FILTER (WHERE notes ~ '(\+1[ .-]?)?(\([0-9]{3}\) ?|\m[0-9]{3}[ .-]?)[0-9]{3}[ .-]?[0-9]{4}\M'),
             count(*) FILTER (WHERE notes ~ '\m([0-9]{4}[ -]?[0-9]{4}[ -]?[0-9]{4}[ -]?[0-9]{1,4}|3[47][0-9]{2}[ -]?[0-9]{6}[ -]?[0-9]{5})\M'),
             count(*) FILTER (WHERE payload->>'email' <> '[EMAIL_ADDRESS]'),
             count(*) FILTER (WHERE payload ? 'name' AND payload->>'name' NOT IN ('[PERSON]', '[NAME]')),
             count(*) FILTER (WHERE comply.validate(payload, 'intake')),
             round(sum(regexp_count(notes, '\[PERSON\]'))::numeric / greatest(count(*), 1), 2)
      FROM %I $q$,
      t.tbl, t.ord,
      CASE t.tbl
        WHEN 'plain_intake' THEN 'NULL'
        WHEN 'plpgsql_intake' THEN '(SELECT count(*) FROM plpgsql_audit)::text'
        ELSE $a$(SELECT count(*) FROM comply.audit_log
                  WHERE object = 'public.protected_intake' AND action = 'INSERT')::text$a$
      END,
      t.tbl);
  END LOOP;
END $$;

\echo 'Sanity check: what each table stored (warm-ups and timed runs), rows whose notes still hold an'
\echo 'SSN-, e-mail-, phone- or card-like string (0 expected with redaction), payloads whose e-mail or'
\echo 'name is not replaced whole by its label, payloads that still match the schema, [PERSON] labels'
\echo 'per row of notes:'
SELECT tbl AS "table", rows, coalesce(audit, '-') AS "audit entries",
       ssn AS "SSN-like", email AS "e-mail-like", phone AS "phone-like", card AS "card-like",
       p_email AS "payload e-mail", p_name AS "payload name", p_valid AS "payload valid",
       persons AS "[PERSON]/row"
FROM bench_leak ORDER BY ord;

\echo 'Invalid documents (not in the pool; inserted one at a time, after the timed runs):'
SELECT tbl AS "table", rejected AS "rejected (check_violation)", errored AS "other error",
       accepted, (SELECT count(*) FROM bench_bad_docs) AS "of",
       CASE WHEN tbl = 'protected_intake'
            THEN (SELECT value FROM bench_note WHERE key = 'rejected in ledger') ELSE '-' END
         AS "protect.rejected ledger entries"
FROM bench_reject ORDER BY tbl DESC;
