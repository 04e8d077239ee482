#!/usr/bin/env bash
# SQL-level validation benchmark (not a test: it prints numbers and ratios).
#
# On a throwaway cluster (scripts/pgcluster.sh, in build/bench-cluster-validate) it
# generates realistic intake documents (user_id, email, name, dob, tags, address, consent,
# source; bench/validate_bench.sql) and times, best of N runs, the INSERT of all of them into:
#   a table without a constraint                             baseline
#   a table with CHECK (comply.validate(doc, 'intake'))      pg_comply, a JSON Schema
#   a table with the same rules as a hand-written CHECK      jsonb_typeof, ?, ?&, length, ~
#   a table with CHECK (doc ? 'user_id')                     reference: the cheapest check
# in two forms: one INSERT ... SELECT of every document (bulk: the constraint's share of
# the time is largest there, and the target is read there) and one INSERT statement per
# document from a PL/pgSQL loop (rows: PostgreSQL prepares a table's CHECK constraints
# for each statement, which costs any constraint about a microsecond a row).
# It prints seconds, rows/s, the ratios comply / no check (target: at most 1.30; the best
# run of each table, and the median of each run's own ratio, steadier on a shared machine),
# comply / hand-written and comply / the cheapest check and, as a sanity check, how many
# of a second set of deliberately invalid documents each constraint of the rules rejects
# (all of them, expected).
#
# Assumes the extension is built and installed (`make install` first).
#   BENCH_ROWS=100000   valid documents
#   BENCH_RUNS=5        timed runs per table (the best is reported)
#   COMPLY_BENCH_SQL_ONLY=1  leave comply.validate out (no extension needed)
#   COMPLY_BENCH_KEEP=1      leave the cluster running afterwards (default: destroy it)
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
rows=${BENCH_ROWS:-100000}
runs=${BENCH_RUNS:-5}
# shellcheck source=bench/lib.sh
. "$repo/bench/lib.sh"
bench_cluster_up validate validation

SECONDS=0
"${psql[@]}" -v rows="$rows" -v runs="$runs" -v comply="$comply_flag" \
  -f "$repo/bench/validate_bench.sql"
echo "total:   ${SECONDS}s"
