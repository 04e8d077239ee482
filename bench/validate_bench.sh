#!/usr/bin/env bash
# SQL-level validation benchmark (not a test: it prints numbers and ratios).
#
# On a throwaway cluster (scripts/pgcluster.sh, in build/bench-cluster-validate) it
# generates realistic intake documents (user_id, email, name, dob, tags, address, consent,
# source; bench/validate_bench.sql) and times, best of N runs, the INSERT of all of them into:
#   a table without a constraint                             baseline
#   a table with CHECK (comply.validate(doc, 'intake'))      pg_comply, a JSON Schema
#   a table with the same rules as a hand-written CHECK      jsonb_typeof, ?, ?&, length, ~
# then prints seconds, rows/s, the ratios comply / no check (target: at most 1.30) and
# comply / hand-written and, as a sanity check, how many of a second set of deliberately
# invalid documents each constraint rejects (all of them, expected).
#
# Assumes the extension is built and installed (`make install` first).
#   BENCH_ROWS=100000   valid documents
#   BENCH_RUNS=3        timed runs per table (the best is reported)
#   COMPLY_BENCH_SQL_ONLY=1  leave comply.validate out (no extension needed)
#   COMPLY_BENCH_KEEP=1      leave the cluster running afterwards (default: destroy it)
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
rows=${BENCH_ROWS:-100000}
runs=${BENCH_RUNS:-3}
sql_only=${COMPLY_BENCH_SQL_ONLY:-0}
export COMPLY_CLUSTER_DIR="$repo/build/bench-cluster-validate"
cluster="$repo/scripts/pgcluster.sh"
db=comply_bench

if [ "$sql_only" = 1 ]; then
  # pgcluster.sh preloads pg_comply; without the extension, override that.
  export COMPLY_CLUSTER_DIR="$repo/build/bench-cluster-validate-sqlonly"
  mkdir -p "$COMPLY_CLUSTER_DIR"
  conf=$(mktemp)
  echo "shared_preload_libraries = ''" >"$conf"
  chmod 644 "$conf"
  export COMPLY_PG_CONF="$conf"
else
  sharedir=$(pg_config --sharedir)
  if [ ! -f "$sharedir/extension/pg_comply.control" ]; then
    echo "validate_bench: pg_comply is not installed in $sharedir/extension;" \
      "run 'make install' first (or COMPLY_BENCH_SQL_ONLY=1)" >&2
    exit 1
  fi
fi

cleanup() {
  if [ "${COMPLY_BENCH_KEEP:-0}" = 1 ]; then
    echo "validate_bench: cluster left running in $COMPLY_CLUSTER_DIR" >&2
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

echo "== pg_comply validation benchmark"
echo "server:  $("${psql[@]}" -Atc 'SHOW server_version')"
echo "cpu:     $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1) ($(nproc) cores; queries run on one)"

comply_flag=1
[ "$sql_only" = 1 ] && comply_flag=0
SECONDS=0
"${psql[@]}" -v rows="$rows" -v runs="$runs" -v comply="$comply_flag" \
  -f "$repo/bench/validate_bench.sql"
echo "total:   ${SECONDS}s"
