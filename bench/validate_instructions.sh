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
#   BENCH_CACHE=1       also the instruction cache (below): misses a row in callgrind's cache
#                       model and the hot code lines (0: leave it out)
#   COMPLY_BENCH_KEEP=1 keep the callgrind files and the cluster (default: removed)
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
rows=${BENCH_ROWS:-100000}
repeat=${BENCH_REPEAT:-2}
# shellcheck source=bench/lib.sh
. "$repo/bench/lib.sh"
ir_cluster_up validate
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
"$ir_cluster" stop > /dev/null

# Instructions of one INSERT ... SELECT of every document into t_<table>, in a backend
# of its own (the callgrind total: the backend's start and end are the same for both
# tables and cancel out in the difference).
run() {
  local table=$1 n=$2
  local sql="$ir_out/$table.$n.sql"
  printf 'SET jit = off;\nSET max_parallel_workers_per_gather = 0;\nINSERT INTO t_%s SELECT doc FROM bench_docs;\nTRUNCATE t_%s;\n' \
    "$table" "$table" > "$sql"
  ir_count "$table.$n" "$sql" "$data" -c shared_preload_libraries=''
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
last=$(ls "$ir_out"/check.*.cg | tail -n 1)
validate=$(callgrind_annotate --inclusive=yes "$last" 2> /dev/null |
  sed -n 's/^ *\([0-9,]*\) ([ 0-9.]*%) *[^ ]*:comply_validate_named\( .*\)\{0,1\}$/\1/p' | head -n 1 | tr -d ,)
awk -v none="${best[none]}" -v check="${best[check]}" -v rows="$rows" -v validate="${validate:-0}" 'BEGIN {
  printf "no check:          %.0f instructions a row\n", none / rows
  printf "comply.validate:   %.0f instructions a row\n", check / rows
  printf "constraint:        %.0f instructions a row (comply_validate_named itself: %.0f)\n",
         (check - none) / rows, validate / rows
  printf "comply / no check: %.3f (instructions, not time)\n", check / none
}'

# The first-level instruction cache. Between the rows of an INSERT the insert's own code
# and the validator's take turns in it: what the constraint adds is mostly misses, its
# own and those of PostgreSQL's code it evicts (an instruction costs the same, a miss
# much more). callgrind's cache model (32 KB, 8-way, no prefetch: a model, not this
# CPU) counts the misses; a second statement in the same backend, minus the first, is
# their steady state a row. Its count moves by a tenth with where the linker puts the
# functions; the hot lines of pg_comply.so's code (bench/hot_lines.py: lines that ran at
# least once a row) do not.
if [ "${BENCH_CACHE:-1}" = 1 ]; then
  cache_run() {
    local table=$1 statements=$2 sql="$ir_out/cache.$1.$2.sql"
    {
      printf 'SET jit = off;\nSET max_parallel_workers_per_gather = 0;\n'
      for _ in $(seq "$statements"); do
        printf 'INSERT INTO t_%s SELECT doc FROM bench_docs;\nTRUNCATE t_%s;\n' "$table" "$table"
      done
    } > "$sql"
    IR_CALLGRIND_OPTS="--cache-sim=yes --dump-instr=yes" \
      ir_count "cache.$table.$statements" "$sql" "$data" -c shared_preload_libraries=''
  }
  declare -A i1 irs
  for table in none check; do
    for statements in 1 2; do
      # summary: Ir Dr Dw I1mr D1mr D1mw ILmr DLmr DLmw
      read -r -a s <<< "$(cache_run "$table" "$statements")"
      irs[$table.$statements]=${s[0]}
      i1[$table.$statements]=${s[3]}
    done
  done
  hot=$(python3 "$repo/bench/hot_lines.py" "$ir_out/cache.check.1.cg" pg_comply "$rows")
  awk -v rows="$rows" -v n1="${i1[none.1]}" -v n2="${i1[none.2]}" -v c1="${i1[check.1]}" \
      -v c2="${i1[check.2]}" -v hot="$hot" 'BEGIN {
    none = (n2 - n1) / rows; check = (c2 - c1) / rows
    printf "I1 misses a row (callgrind cache model, steady state): no check %.1f, comply.validate %.1f,\n", none, check
    printf "                   constraint %.1f\n", check - none
    printf "hot code lines of pg_comply.so (64 bytes, run at least once a row): %d\n", hot
  }'
fi
