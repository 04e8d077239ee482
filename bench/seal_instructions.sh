#!/usr/bin/env bash
# Instructions, not seconds: what sealing one audit entry costs, counted by callgrind
# (a benchmark, not a test: it prints numbers).
#
# Every transaction into a protected table (bench/protect_bench.sh) appends one entry to
# comply.audit_log, which the sealer background worker later seals (SealOnce in
# src/pg/ledger.cpp: the entries read, hashed into a block, the block and one
# comply.ledger_entries row an entry inserted). On a 2-core machine with 2+ writers the
# sealer's CPU is taken from the writers, so its cost an entry counts against the
# protected table's throughput. This script counts it: on a throwaway cluster
# (build/bench-cluster-seal-ir, pg_comply preloaded, the sealer worker off) it appends
# BENCH_ENTRIES/2 entries shaped like the protect benchmark's (one-row INSERTs into a
# protected, audited table with a redacted column: details {"columns", "operation",
# "primary_key"}, application_name 'pgbench'), copies the data directory, appends as many
# again, copies it again, then runs `SELECT comply.seal();` in a single-user backend
# (`postgres --single`) of each copy under `valgrind --tool=callgrind`. The difference of
# the two counts over BENCH_ENTRIES/2 is what one sealed entry costs (the backend's start,
# the extension's load and the first blocks' fixed costs cancel out). comply.seal_batch
# keeps its default (10,000), so the runs seal several blocks, as the worker does.
# Then the functions with the most instructions (self, and inclusive) of the longer run,
# from callgrind_annotate.
#
# Assumes the extension is built and installed (`make install` first) and valgrind.
#   BENCH_ENTRIES=30000  entries of the longer run (the shorter seals half of them)
#   BENCH_TOP=25         functions listed from callgrind_annotate (0: none)
#   BENCH_ANALYZE=1      ANALYZE comply.audit_log after each load (statistics as
#                        autovacuum keeps them: the searches' query plans then change)
#   COMPLY_BENCH_KEEP=1  keep the callgrind files and the cluster (default: removed)
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
entries=${BENCH_ENTRIES:-30000}
top=${BENCH_TOP:-25}
half=$((entries / 2))
if [ "$half" -lt 1 ]; then
  echo "seal_instructions: BENCH_ENTRIES must be at least 2" >&2
  exit 1
fi
# The sealer worker off: it would seal what is appended before the counted runs.
conf=$(mktemp)
echo "comply.ledger_worker = off" > "$conf"
chmod 644 "$conf"
export COMPLY_PG_CONF="$conf"
# shellcheck source=bench/lib.sh
. "$repo/bench/lib.sh"
ir_cluster_up seal
rm -f "$conf"
export PGOPTIONS="-c client_min_messages=warning"
psql=(psql -X -q -v ON_ERROR_STOP=1)
"${psql[@]}" -d postgres -c "CREATE DATABASE comply_bench"
"${psql[@]}" -d comply_bench > /dev/null <<'SQL'
CREATE EXTENSION pg_comply;
CREATE TABLE protected_intake (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  payload jsonb,
  notes text
) WITH (autovacuum_enabled = off);
SELECT comply.protect('protected_intake', '{
  "columns": {"notes": {"redact": true}},
  "audit": true}');
SQL
data=$("${psql[@]}" -d comply_bench -Atc "SHOW data_directory")
version=$("${psql[@]}" -d comply_bench -Atc "SHOW server_version")

# Appends n entries: one-row INSERT transactions (pgbench's shape), through one session.
append() {
  local n=$1
  seq 1 "$n" | awk 'BEGIN { print "SET application_name = '\''pgbench'\'';" }
    { printf "INSERT INTO protected_intake (payload, notes) VALUES ('\''{\"user_id\": %d, \"consent\": true}'\'', '\''follow-up call %d'\'');\n", $1, $1 }' |
    "${psql[@]}" -d comply_bench > /dev/null
}

# Copies the data directory (the server stopped) to $ir_out/data.NAME.
snapshot() {
  if [ "${BENCH_ANALYZE:-0}" = 1 ]; then "${psql[@]}" -d comply_bench -c "ANALYZE comply.audit_log"; fi
  "$ir_cluster" stop > /dev/null
  "${ir_as_pg[@]}" cp -a "$data" "$ir_out/data.$1"
}

append "$half"
snapshot "$half"
"$ir_cluster" start > /dev/null
append "$half"
snapshot "$entries"

sql="$ir_out/seal.sql"
echo "SELECT comply.seal();" > "$sql"
echo "== pg_comply sealer benchmark, instructions (callgrind)"
echo "server:  $version; comply.seal() of $half and of $entries unsealed entries (protected-table INSERTs)$([ "${BENCH_ANALYZE:-0}" = 1 ] && echo ', audit_log analyzed')"
a=$(ir_count "seal.$half" "$sql" "$ir_out/data.$half")
b=$(ir_count "seal.$entries" "$sql" "$ir_out/data.$entries")
printf '%-12s %16s\n' entries instructions "$half" "$a" "$entries" "$b"
printf 'an entry:    %16s instructions\n' $(( (b - a) / (entries - half) ))
# The runs did their work: no error, and every entry appended sealed (comply.seal()'s
# rows, "(block_no,entry_count)" in the single-user backend's output; the protect call's
# own entry too).
for n in "$half" "$entries"; do
  grep -q "ERROR" "$ir_out/seal.$n.log" && { echo "seal_instructions: run $n failed" >&2; exit 1; }
  sealed=$(grep -o 'seal = "([0-9]*,[0-9]*)"' "$ir_out/seal.$n.log" | sed 's/.*,\([0-9]*\))"/\1/' |
           awk '{ s += $1 } END { print s + 0 }')
  [ "$sealed" -ge "$n" ] || { echo "seal_instructions: run $n sealed $sealed entries of $n" >&2; exit 1; }
done

if [ "$top" -gt 0 ] && command -v callgrind_annotate > /dev/null; then
  echo
  echo "-- top $top functions by self instructions (run of $entries entries)"
  callgrind_annotate "$ir_out/seal.$entries.cg" 2>/dev/null | sed -n '/^Ir/,$p' | sed -n "3,$((top + 2))p"
  echo
  echo "-- top $top functions by inclusive instructions (run of $entries entries)"
  callgrind_annotate --inclusive=yes "$ir_out/seal.$entries.cg" 2>/dev/null | sed -n '/^Ir/,$p' |
    sed -n "3,$((top + 2))p"
fi
