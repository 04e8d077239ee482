#!/usr/bin/env bash
# Instructions, not seconds: protect_bench.sh's single-row INSERTs counted by callgrind
# (a benchmark, not a test: it prints numbers and ratios).
#
# protect_bench.sh times pgbench's one-row transactions into the plain, PL/pgSQL and
# protected tables of bench/protect/setup.sql; on a shared 2-core machine its times
# move by tens of per cent from run to run. This script counts the backend's
# instructions for the same statements instead, which do not depend on the machine's
# load: on a throwaway cluster (build/bench-cluster-protect-ir, pg_comply preloaded) it
# builds the same pool and tables, stops the server, then runs, in a single-user backend
# (`postgres --single`) under `valgrind --tool=callgrind`, a prepared INSERT of one pool
# row per transaction (as pgbench -M prepared does) into each table, twice: BENCH_ROWS/2
# transactions, then BENCH_ROWS. The difference of the two counts, divided by the
# difference of the transactions, is what one transaction costs once the backend has
# started and its caches are loaded (the start, the preloaded detector, the first
# compilation of the schema and of the PL/pgSQL functions cancel out).
#
# What it does not count: the client and its round trips, the commit's WAL flush and
# everything else that is time rather than instructions (cache misses above all: the
# protected table's detector reads tables and automata that leave the CPU's caches
# between transactions), and the sealer, a background worker that single-user mode does
# not run (protect_bench.sh reports its CPU time). So the ratios here are not
# protect_bench.sh's: they say where instructions go and let two builds be compared
# without noise.
#
# Assumes the extension is built and installed (`make install` first) and valgrind.
#   BENCH_ROWS=400      transactions of the longer run (and the size of the pool)
#   BENCH_TABLES="plain audited redacted protected plpgsql"
#   COMPLY_BENCH_KEEP=1 keep the callgrind files and the cluster (default: removed)
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
rows=${BENCH_ROWS:-400}
tables=${BENCH_TABLES:-plain audited redacted protected plpgsql}
half=$((rows / 2))
if [ "$half" -lt 1 ]; then
  echo "protect_instructions: BENCH_ROWS must be at least 2" >&2
  exit 1
fi
# shellcheck source=bench/lib.sh
. "$repo/bench/lib.sh"
ir_cluster_up protect
export PGOPTIONS="-c client_min_messages=warning"
psql=(psql -X -q -v ON_ERROR_STOP=1)
"${psql[@]}" -d postgres -c "CREATE DATABASE comply_bench"
"${psql[@]}" -d comply_bench -c "CREATE EXTENSION pg_comply"
"${psql[@]}" -d comply_bench -v rows="$rows" -f "$repo/bench/records.sql" > /dev/null
"${psql[@]}" -d comply_bench -v rows="$rows" -f "$repo/bench/protect/setup.sql" > /dev/null
data=$("${psql[@]}" -d comply_bench -Atc "SHOW data_directory")
version=$("${psql[@]}" -d comply_bench -Atc "SHOW server_version")
"$ir_cluster" stop > /dev/null

# n one-row transactions into <table>_intake (pool rows 1..n), then the table emptied.
run() {
  local table=$1 n=$2 sql="$ir_out/$1.$2.sql"
  {
    # As pgbench's sessions (their application_name is stored with each ledger entry).
    echo "SET jit = off; SET application_name = 'pgbench';"
    echo "PREPARE ins(int) AS INSERT INTO ${table}_intake (payload, notes)" \
      "SELECT payload, notes FROM bench_pool WHERE id = \$1;"
    seq 1 "$n" | sed 's/.*/EXECUTE ins(&);/'
    echo "TRUNCATE ${table}_intake;"
  } > "$sql"
  ir_count "$table.$n" "$sql" "$data"
}

echo "== pg_comply protected-table benchmark, instructions (callgrind)"
echo "server:  $version; one-row INSERT transactions (prepared), $half and $rows of them a table"
printf '%-10s %16s %16s %14s\n' table "$half xacts" "$rows xacts" "a transaction"
declare -A per
for table in $tables; do
  a=$(run "$table" "$half")
  b=$(run "$table" "$rows")
  per[$table]=$(( (b - a) / (rows - half) ))
  printf '%-10s %16s %16s %14s\n' "$table" "$a" "$b" "${per[$table]}"
done

awk -v plain="${per[plain]:-0}" -v prot="${per[protected]:-0}" -v plpgsql="${per[plpgsql]:-0}" \
    -v audited="${per[audited]:-0}" -v redacted="${per[redacted]:-0}" \
    'BEGIN {
  if (plain > 0) {
    if (audited > 0)  printf "audit alone:       %.0f instructions a transaction beyond plain\n", audited - plain
    if (redacted > 0) printf "columns alone:     %.0f instructions a transaction beyond plain\n", redacted - plain
    if (prot > 0)     printf "protected / plain: %.3f (instructions of plain over protected: the throughput ratio if time followed instructions)\n", plain / prot
  }
  if (prot > 0 && plpgsql > 0) printf "PL/pgSQL / protected: %.2fx (instructions)\n", plpgsql / prot
}'
