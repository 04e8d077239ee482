#!/usr/bin/env bash
# SQL-level redaction benchmark (not a test: it prints numbers and ratios).
#
# On a throwaway cluster (scripts/pgcluster.sh, in build/bench-cluster) it builds a table
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
sql_only=${COMPLY_BENCH_SQL_ONLY:-0}
export COMPLY_CLUSTER_DIR="$repo/build/bench-cluster"
cluster="$repo/scripts/pgcluster.sh"
db=comply_bench

if [ "$sql_only" = 1 ]; then
  # pgcluster.sh preloads pg_comply; without the extension, override that.
  export COMPLY_CLUSTER_DIR="$repo/build/bench-cluster-sqlonly"
  mkdir -p "$COMPLY_CLUSTER_DIR"
  conf=$(mktemp)
  echo "shared_preload_libraries = ''" >"$conf"
  chmod 644 "$conf"
  export COMPLY_PG_CONF="$conf"
else
  sharedir=$(pg_config --sharedir)
  if [ ! -f "$sharedir/extension/pg_comply.control" ]; then
    echo "redact_bench: pg_comply is not installed in $sharedir/extension;" \
      "run 'make install' first (or COMPLY_BENCH_SQL_ONLY=1)" >&2
    exit 1
  fi
fi

cleanup() {
  if [ "${COMPLY_BENCH_KEEP:-0}" = 1 ]; then
    echo "redact_bench: cluster left running in $COMPLY_CLUSTER_DIR" >&2
  else
    "$cluster" destroy || true
  fi
  [ -n "${conf:-}" ] && rm -f "$conf"
}
trap cleanup EXIT

"$cluster" start
eval "$("$cluster" env)"
export PGOPTIONS="${PGOPTIONS:-} -c client_min_messages=warning"
psql=(psql -X -q -v ON_ERROR_STOP=1)

"${psql[@]}" -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
export PGDATABASE=$db
if [ "$sql_only" != 1 ]; then
  "${psql[@]}" -c "CREATE EXTENSION pg_comply"
fi

echo "== pg_comply redaction benchmark"
echo "server:  $("${psql[@]}" -Atc 'SHOW server_version')"
echo "cpu:     $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1) ($(nproc) cores; queries run on one)"
SECONDS=0
"${psql[@]}" -v rows="$rows" -f "$repo/bench/records.sql" >/dev/null
echo "table:   $("${psql[@]}" -Atc "SELECT format('%s records, %s of text (avg %s bytes), generated in',
    count(*), pg_size_pretty(sum(octet_length(body))), round(avg(octet_length(body))))
    FROM records") ${SECONDS}s"

comply_flag=1
[ "$sql_only" = 1 ] && comply_flag=0
"${psql[@]}" -v runs="$runs" -v comply="$comply_flag" -f "$repo/bench/redact_bench.sql"
