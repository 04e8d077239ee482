#!/usr/bin/env bash
# Instructions, not seconds: validate_bench.sh's bulk INSERT counted by callgrind
# (a benchmark, not a test: it prints numbers and ratios).
#
# validate_bench.sh times the INSERT of 100,000 intake documents into a table with and
# without CHECK (comply.validate(doc, 'intake')); on a shared 2-core machine its times
# move by 10 to 50% from run to run, more than the changes it is meant to judge. This
# script counts the instructions of the same statements instead, which do not depend on
# the machine's load: on a throwaway cluster (build/bench-cluster-validate-ir) it loads
# the same documents and schema (intake_docs.sql, intake_schema.sql), stops the server,
# then runs each INSERT ... SELECT in a single-user backend (`postgres --single`) under
# `valgrind --tool=callgrind`, once per table and BENCH_REPEAT times over. It prints the
# instructions of each run, their difference per row (what the constraint costs) and
# the ratio of the two (instructions, not time: the validator runs at a higher rate
# than PostgreSQL's insert, so the time ratio is lower), and the instructions in
# pg_comply's validate function per row. Compare two builds by running it after
# `make install` of each.
#
# Assumes the extension is built and installed (`make install` first) and valgrind.
#   BENCH_ROWS=100000   documents
#   BENCH_REPEAT=2      runs per table (a fresh backend each; the counts repeat to a few
#                       parts in a thousand once the first run has set the hint bits)
#   COMPLY_BENCH_KEEP=1 keep the callgrind files and the cluster (default: removed)
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
rows=${BENCH_ROWS:-100000}
repeat=${BENCH_REPEAT:-2}
command -v valgrind > /dev/null || { echo "validate_instructions: valgrind is needed" >&2; exit 1; }
sharedir=$(pg_config --sharedir)
if [ ! -f "$sharedir/extension/pg_comply.control" ]; then
  echo "validate_instructions: pg_comply is not installed; run 'make install' first" >&2
  exit 1
fi
export COMPLY_CLUSTER_DIR="$repo/build/bench-cluster-validate-ir"
cluster="$repo/scripts/pgcluster.sh"
out=$(mktemp -d)
chmod 777 "$out"
cleanup() {
  if [ "${COMPLY_BENCH_KEEP:-0}" = 1 ]; then
    echo "validate_instructions: kept $out and $COMPLY_CLUSTER_DIR" >&2
  else
    "$cluster" destroy > /dev/null 2>&1 || true
    rm -rf "$out"
  fi
}
trap cleanup EXIT

"$cluster" destroy > /dev/null 2>&1 || true
"$cluster" start > /dev/null
eval "$("$cluster" env)"
psql=(psql -X -q -v ON_ERROR_STOP=1)
"${psql[@]}" -d postgres -c "CREATE DATABASE comply_bench"
"${psql[@]}" -d comply_bench -v rows="$rows" <<SQL
SET client_min_messages = warning;
CREATE EXTENSION pg_comply;
\ir $repo/bench/intake_docs.sql
\ir $repo/bench/intake_schema.sql
CREATE TABLE t_none (doc jsonb) WITH (autovacuum_enabled = off);
CREATE TABLE t_check (doc jsonb CHECK (comply.validate(doc, 'intake')))
  WITH (autovacuum_enabled = off);
VACUUM ANALYZE bench_docs;
SQL
data=$("${psql[@]}" -d comply_bench -Atc "SHOW data_directory")
version=$("${psql[@]}" -d comply_bench -Atc "SHOW server_version")
"$cluster" stop > /dev/null

as_pg=()
if [ "$(id -u)" -eq 0 ]; then as_pg=(runuser -u "${COMPLY_PG_USER:-postgres}" --); fi
bindir=$(pg_config --bindir)

# Instructions of one INSERT ... SELECT of every document into t_<table>, in a backend
# of its own (the callgrind total: the backend's start and end are the same for both
# tables and cancel out in the difference).
run() {
  local table=$1 n=$2
  local sql="$out/$table.$n.sql" file="$out/$table.$n.cg"
  printf 'SET jit = off;\nSET max_parallel_workers_per_gather = 0;\nINSERT INTO t_%s SELECT doc FROM bench_docs;\nTRUNCATE t_%s;\n' \
    "$table" "$table" > "$sql"
  chmod 644 "$sql"
  "${as_pg[@]}" valgrind --tool=callgrind --callgrind-out-file="$file" \
    "$bindir/postgres" --single -D "$data" -c shared_preload_libraries='' comply_bench \
    < "$sql" > "$out/$table.$n.log" 2>&1
  if grep -q "ERROR" "$out/$table.$n.log"; then
    grep "ERROR" "$out/$table.$n.log" >&2
    exit 1
  fi
  sed -n 's/^summary: //p' "$file"
}

echo "== pg_comply validation benchmark, instructions (callgrind)"
echo "server:  $version; $rows documents; INSERT INTO <table> (doc) SELECT doc FROM bench_docs"
printf '%-8s %-16s %16s\n' run table instructions
declare -A best
for n in $(seq 1 "$repeat"); do
  for table in none check; do
    ir=$(run "$table" "$n")
    printf '%-8s %-16s %16s\n' "$n" "$table" "$ir"
    # The fewest of the runs: the first may set hint bits the others find set.
    if [ -z "${best[$table]:-}" ] || [ "$ir" -lt "${best[$table]}" ]; then best[$table]=$ir; fi
  done
done
last=$(ls "$out"/check.*.cg | tail -n 1)
validate=$(callgrind_annotate --inclusive=yes "$last" 2> /dev/null |
  sed -n 's/^ *\([0-9,]*\) ([ 0-9.]*%) *[^ ]*:comply_validate_named .*/\1/p' | head -n 1 | tr -d ,)
awk -v none="${best[none]}" -v check="${best[check]}" -v rows="$rows" -v validate="${validate:-0}" 'BEGIN {
  printf "no check:          %.0f instructions a row\n", none / rows
  printf "comply.validate:   %.0f instructions a row\n", check / rows
  printf "constraint:        %.0f instructions a row (comply_validate_named itself: %.0f)\n",
         (check - none) / rows, validate / rows
  printf "comply / no check: %.3f (instructions, not time)\n", check / none
}'
