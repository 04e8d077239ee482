#!/usr/bin/env bash
# SQL-level redaction benchmark (not a test: it prints numbers and ratios).
#
# On a throwaway cluster (scripts/pgcluster.sh, in build/bench-cluster-redact) it builds a table
# of realistic records with embedded PII (bench/records.sql) and times, best of N runs:
#   comply.redact(body)                     pg_comply
#   a chain of nested regexp_replace(,'g')  the plain-SQL way, same entities, no checksums
#   body || ''                              no-op baseline: the cost of the scan itself
# then prints seconds, rows/s, MB/s, the ratio regexp_chain / comply.redact and, as a
# sanity check, how many rows each approach changed and how many labels it wrote.
#
# Assumes the extension is built and installed (`make bench` runs `make install` first).
#   BENCH_ROWS=100000   rows in the table
#   BENCH_RUNS=3        timed runs per approach (the best is reported)
#   COMPLY_BENCH_SQL_ONLY=1  leave comply.redact out (no extension needed)
#   COMPLY_BENCH_KEEP=1      leave the cluster running afterwards (default: destroy it)
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
rows=${BENCH_ROWS:-100000}
runs=${BENCH_RUNS:-3}
# shellcheck source=bench/lib.sh
. "$repo/bench/lib.sh"
bench_cluster_up redact redaction
SECONDS=0
"${psql[@]}" -v rows="$rows" -f "$repo/bench/records.sql" >/dev/null
echo "table:   $("${psql[@]}" -Atc "SELECT format('%s records, %s of text (avg %s bytes), generated in',
    count(*), pg_size_pretty(sum(octet_length(body))), round(avg(octet_length(body))))
    FROM records") ${SECONDS}s"

"${psql[@]}" -v runs="$runs" -v comply="$comply_flag" -f "$repo/bench/redact_bench.sql"
