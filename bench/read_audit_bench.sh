#!/usr/bin/env bash
# Read-auditing benchmark (not a test: it prints numbers and ratios).
#
# On a throwaway cluster (pg_comply preloaded, so the job worker that writes the read
# entries runs) it measures point SELECTs with pgbench (-M prepared, a random id of
# 100,000 rows each transaction) on four tables of the same rows:
#   plain      no policy                                                   baseline
#   protected  comply.protect with {"audit": true}: reads are not audited (what the
#              executor hooks cost a protected table that does not ask)
#   audited    comply.protect with {"audit_reads": true}: each SELECT a ledger entry,
#              handed to the job worker and sealed
#   by_hand    the same without pg_comply, as a user would: the application calls a
#              SECURITY DEFINER SQL function that appends who read which row to an
#              audit table and returns the row (no chain, no seal: less than the
#              ledger does)
# and prints tps of each, the ratios to plain and audited / by_hand, then a sanity
# check: one ledger entry per audited read, every entry sealed, verify_ledger() clean.
#   BENCH_SECONDS=8      timed seconds per table and number of clients, in BENCH_ROUNDS runs
#   BENCH_ROUNDS=2       interleaved runs per table, each after a 1 s warm-up
#   BENCH_CLIENTS="2 8"  pgbench -c of each series (-j 2, or 1 for one client); one client
#                        is left out: its tps follow how fast an idle core wakes up
#   COMPLY_BENCH_KEEP=1  leave the cluster running afterwards
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
seconds=${BENCH_SECONDS:-8}
rounds=${BENCH_ROUNDS:-2}
clients_list=${BENCH_CLIENTS:-2 8}
if [ "${COMPLY_BENCH_SQL_ONLY:-0}" = 1 ]; then
  echo "read_audit_bench: needs the extension (COMPLY_BENCH_SQL_ONLY=1 is not supported)" >&2
  exit 1
fi
run_s=$((seconds / rounds))
[ "$run_s" -ge 1 ] || { echo "read_audit_bench: BENCH_SECONDS must be at least BENCH_ROUNDS" >&2; exit 1; }
# shellcheck source=bench/lib.sh
. "$repo/bench/lib.sh"
bench_cluster_up read-audit "read auditing"
SECONDS=0
q() { "${psql[@]}" -Atc "$1"; }

"${psql[@]}" <<'SQL'
CREATE TABLE charts_plain (id int PRIMARY KEY, patient text, note text);
INSERT INTO charts_plain
SELECT g, 'P' || lpad(g::text, 6, '0'), 'Follow-up visit ' || g || ': blood pressure stable, medication unchanged.'
  FROM generate_series(1, 100000) g;
CREATE TABLE charts_protected AS SELECT * FROM charts_plain;
ALTER TABLE charts_protected ADD PRIMARY KEY (id);
CREATE TABLE charts_audited AS SELECT * FROM charts_plain;
ALTER TABLE charts_audited ADD PRIMARY KEY (id);
CREATE TABLE charts_by_hand AS SELECT * FROM charts_plain;
ALTER TABLE charts_by_hand ADD PRIMARY KEY (id);
SELECT comply.protect('charts_protected', '{"audit": true}');
SELECT comply.protect('charts_audited', '{"audit": true, "audit_reads": true}');
-- By hand: who read which row, appended by the function the application calls.
CREATE TABLE read_log (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                       at timestamptz NOT NULL DEFAULT now(), reader text NOT NULL,
                       table_name text NOT NULL, row_id int NOT NULL);
CREATE FUNCTION read_chart(p_id int) RETURNS SETOF charts_by_hand
  LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_catalog AS $$
  INSERT INTO read_log (reader, table_name, row_id) VALUES (session_user, 'charts_by_hand', p_id);
  SELECT * FROM charts_by_hand WHERE id = p_id;
$$;
VACUUM ANALYZE;
SQL

work=$(mktemp -d)
chmod 755 "$work"
trap 'rm -rf "$work"; bench_cluster_down' EXIT
for t in plain protected audited; do
  printf '\\set r random(1, 100000)\nSELECT note FROM charts_%s WHERE id = :r;\n' "$t" >"$work/$t.sql"
done
printf '\\set r random(1, 100000)\nSELECT note FROM read_chart(:r);\n' >"$work/by_hand.sql"

results="$work/results"
: >"$results"
audited_reads=0
for clients in $clients_list; do
  jobs=2
  [ "$clients" -eq 1 ] && jobs=1
  for round in $(seq 1 "$rounds"); do
    for t in plain protected audited by_hand; do
      warm=$(pgbench -n -M prepared -c "$clients" -j "$jobs" -T 1 -f "$work/$t.sql" 2>&1)
      out=$(pgbench -n -M prepared -c "$clients" -j "$jobs" -T "$run_s" -f "$work/$t.sql" 2>&1)
      tps=$(sed -n 's/^tps = \([0-9.]*\).*/\1/p' <<<"$out")
      echo "$clients $t $round $tps" >>"$results"
      if [ "$t" = audited ]; then
        for o in "$warm" "$out"; do
          n=$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' <<<"$o")
          audited_reads=$((audited_reads + n))
        done
      fi
    done
  done
done

echo
echo "Point SELECTs (pgbench -n -M prepared -T $run_s, $rounds interleaved runs a table after a 1 s warm-up):"
"${psql[@]}" <<SQL
CREATE TEMP TABLE r (clients int, tbl text, round int, tps float8);
\copy r FROM '$results' WITH (DELIMITER ' ')
WITH t AS (SELECT clients, tbl, avg(tps) AS tps, string_agg(round(tps)::text, ' ' ORDER BY round) AS runs
             FROM r GROUP BY 1, 2)
SELECT t.clients, t.tbl AS "table", round(t.tps) AS tps, t.runs AS "tps of each run",
       round((t.tps / p.tps)::numeric, 2) AS "× plain"
  FROM t JOIN t p ON p.clients = t.clients AND p.tbl = 'plain'
 ORDER BY 1, array_position(ARRAY['plain', 'protected', 'audited', 'by_hand'], t.tbl);
WITH t AS (SELECT clients, tbl, avg(tps) AS tps FROM r GROUP BY 1, 2)
SELECT a.clients, round((a.tps / h.tps)::numeric, 2) AS "audited / by_hand",
       round((pr.tps / p.tps)::numeric, 3) AS "protected (reads not audited) / plain"
  FROM t a JOIN t h ON h.clients = a.clients AND h.tbl = 'by_hand'
  JOIN t p ON p.clients = a.clients AND p.tbl = 'plain'
  JOIN t pr ON pr.clients = a.clients AND pr.tbl = 'protected'
 WHERE a.tbl = 'audited' ORDER BY 1;
SQL

# Sanity: every audited read is a ledger entry (written by the worker), all sealed.
for _ in $(seq 1 300); do
  s=$(q "SELECT (SELECT count(*) FROM comply.ledger_entries) = (SELECT count(*) FROM comply.audit_log)")
  [ "$s" = t ] && break
  sleep 0.1
done
echo
echo "Sanity: SELECT entries in the ledger for charts_audited: $(q "SELECT count(*) FROM comply.audit_log WHERE action = 'SELECT' AND object = 'public.charts_audited'") (reads made: $audited_reads)," \
  "for the other tables: $(q "SELECT count(*) FROM comply.audit_log WHERE action = 'SELECT' AND object <> 'public.charts_audited'")," \
  "rows of read_log: $(q "SELECT count(*) FROM read_log")," \
  "all sealed: $s, verify_ledger() problems: $(q "SELECT count(*) FROM comply.verify_ledger()")," \
  "reads the server log says were not recorded: $(grep -c 'read of a protected table could not be recorded' "$("$bench_cluster" log)" || true)"
echo "total:   ${SECONDS}s"
