#!/usr/bin/env bash
# Protected-table benchmark (not a test: it prints numbers and ratios).
#
# On a throwaway cluster (scripts/pgcluster.sh, in build/bench-cluster-protect; pg_comply
# preloaded, so the sealer and the job worker run) it measures INSERT throughput with
# pgbench (bench/protect/insert_*.sql: one row a transaction, payload and notes of a row
# picked at random from a pool of intake documents and notes full of PII) into three
# tables of the same shape (bench/protect/setup.sql):
#   plain_intake      no trigger                                             baseline
#   protected_intake  comply.protect: payload validated against the "intake" schema and
#                     redacted, notes redacted, each row audited in comply.audit_log
#   plpgsql_intake    the same policy by hand: a PL/pgSQL BEFORE trigger (validation with
#                     jsonb_typeof / ? / ~, redaction with a regexp_replace chain) and an
#                     AFTER trigger appending to an audit table chained by hand
#                     (advisory lock, previous hash, sha256(prev || row))
# and prints tps of each, the ratios protected / plain (target: at least 0.5) and
# protected / plpgsql (target: at least 3), and a sanity check: rows stored, audit
# entries, PII-like strings left, invalid documents rejected by both (and recorded in the
# ledger for the protected table), every ledger entry sealed and verify_ledger() clean.
#
# Assumes the extension is built and installed (`make bench` runs `make install` first).
#   BENCH_SECONDS=10     timed seconds per table (and number of clients), split into BENCH_ROUNDS interleaved runs
#   BENCH_ROUNDS=2       runs per table (plain, plpgsql, protected, then again); each run
#                        is preceded by a 2 s warm-up
#   BENCH_CLIENTS="1 2 8"  pgbench -c of each series of runs (-j 2, or 1 for one client):
#                        one client shows the latency a trigger adds, 2 (the cores) and 8
#                        the throughput of a saturated machine
#   BENCH_POOL=10000     intake documents and notes to pick from
#   BENCH_SEAL_WAIT=20   seconds to wait for the sealer at the end
#   BENCH_CONNECT_SECONDS=4  then plain, PL/pgSQL and protected again with a new
#                        connection per transaction (pgbench -C, 2 clients), as an
#                        application without a pool runs; 0 skips it
#   COMPLY_BENCH_KEEP=1  leave the cluster running afterwards (default: destroy it)
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
seconds=${BENCH_SECONDS:-10}
rounds=${BENCH_ROUNDS:-2}
clients_list=${BENCH_CLIENTS:-1 2 8}
pool=${BENCH_POOL:-10000}
seal_wait=${BENCH_SEAL_WAIT:-20}
connect_s=${BENCH_CONNECT_SECONDS:-4}
warmup=2
if [ "${COMPLY_BENCH_SQL_ONLY:-0}" = 1 ]; then
  echo "protect_bench: needs the extension (COMPLY_BENCH_SQL_ONLY=1 is not supported)" >&2
  exit 1
fi
run_s=$((seconds / rounds))
if [ "$run_s" -lt 1 ]; then
  echo "protect_bench: BENCH_SECONDS must be at least BENCH_ROUNDS" >&2
  exit 1
fi
# shellcheck source=bench/lib.sh
. "$repo/bench/lib.sh"
bench_cluster_up protect "protected tables"
SECONDS=0

q() { "${psql[@]}" -Atc "$1"; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
load() { cut -d ' ' -f 1-3 /proc/loadavg; }

# Waits up to $1 seconds until every entry of comply.audit_log is sealed; prints the
# seconds it took, or "not within Ns (X of Y sealed)".
wait_sealed() {
  local limit=$1 t0 s
  t0=$(now)
  for _ in $(seq 1 $((limit * 10))); do
    s=$(q "SELECT (SELECT count(*) FROM comply.ledger_entries) || ' ' || (SELECT count(*) FROM comply.audit_log)")
    if [ "${s% *}" = "${s#* }" ]; then since "$t0"; return 0; fi
    sleep 0.1
  done
  echo "not within ${limit}s (${s% *} of ${s#* } sealed)"
}

# CPU time used so far by the cluster, in clock ticks: "total sealer walwriter". total
# is the postmaster's own and its reaped children's (backends that ended), plus every
# live child's; the sealer and the WAL writer are long-lived, so their own deltas show.
ticks() { awk '{ print $14 + $15 + $16 + $17 }' "/proc/$1/stat" 2>/dev/null || echo 0; }
server_cpu() {
  local pm total sealer=0 walwriter=0 pid
  pm=$(head -n 1 "$COMPLY_CLUSTER_DIR/data/postmaster.pid")
  total=$(ticks "$pm")
  while read -r pid args; do
    total=$((total + $(ticks "$pid")))
    case "$args" in
      *"pg_comply sealer"*) sealer=$(ticks "$pid") ;;
      *walwriter*) walwriter=$(ticks "$pid") ;;
    esac
  done < <(ps --ppid "$pm" -o pid=,args=)
  echo "$total $sealer $walwriter"
}

# Runs pgbench with bench/protect/insert_NAME.sql and $clients clients (a warm-up, then
# run_s seconds) and records the result in bench_tps as ORD.
run_pgbench() {
  local ord=$1 label=$2 name=$3 out tps xacts failed lat
  local script="$repo/bench/protect/insert_$name.sql"
  local threads=$((clients < 2 ? 1 : 2))
  local args=(-n -M prepared -c "$clients" -j "$threads" -D pool="$pool" -f "$script")
  pgbench "${args[@]}" -T "$warmup" >/dev/null 2>&1
  "${psql[@]}" -c CHECKPOINT
  local cpu0 cpu1
  read -r -a cpu0 < <(server_cpu)
  out=$(pgbench "${args[@]}" -T "$run_s" 2>&1) || {
    echo "$out" >&2
    exit 1
  }
  # The server's CPU per transaction, the sealing of the run's entries included.
  case $name in protected | audited) wait_sealed "$seal_wait" >/dev/null ;; esac
  # pgbench's backends end after it does: once the postmaster has reaped them, their time
  # is in its children's total (read while they end, it could be missed).
  sleep 1
  read -r -a cpu1 < <(server_cpu)
  tps=$(sed -n 's/^tps = \([0-9.]*\) .*/\1/p' <<<"$out")
  xacts=$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' <<<"$out")
  failed=$(sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p' <<<"$out")
  lat=$(sed -n 's/^latency average = \([0-9.]*\) ms.*/\1/p' <<<"$out")
  local hz us=()
  hz=$(getconf CLK_TCK)
  for i in 0 1 2; do us+=("$(awk -v a="${cpu0[$i]}" -v b="${cpu1[$i]}" -v n="$xacts" -v hz="$hz" \
    'BEGIN { printf "%.1f", (b - a) * 1e6 / hz / n }')"); done
  "${psql[@]}" -c "INSERT INTO bench_tps VALUES ($ord, $clients, '$label', '${name}_intake', $tps, $xacts, ${failed:-0}, $lat, ${us[0]}, ${us[1]}, ${us[2]})"
}

# The pool: notes from bench/records.sql, documents as in bench/validate_bench.sql.
"${psql[@]}" -v rows="$pool" -f "$repo/bench/records.sql" >/dev/null
"${psql[@]}" -v rows="$pool" -f "$repo/bench/protect/setup.sql" >/dev/null
echo "pool:    $(q "SELECT format('%s rows: payload avg %s bytes (jsonb as text), notes avg %s bytes; generated in',
    count(*), round(avg(octet_length(payload::text))), round(avg(octet_length(notes)))) FROM bench_pool") ${SECONDS}s"
echo "policy:  $(q "SELECT policy -> 'columns' FROM comply.policies WHERE table_name = 'protected_intake'::regclass")," \
  "audit $(q "SELECT policy -> 'audit' FROM comply.policies WHERE table_name = 'protected_intake'::regclass")"
echo "load:    $(load) (1, 5, 15 min load average before the runs)"

# Interleaved: plain, plpgsql, protected, audit alone, columns alone, and again. After
# each run that appends to the ledger the sealer catches up before the next (the sealing
# counts against its table: the run is timed with the sealer running, as in production,
# and its CPU until all is sealed), so that its backlog does not slow the next run.
ord=0
for clients in $clients_list; do
  for _ in $(seq 1 "$rounds"); do
    run_pgbench $((ord += 1)) "plain (no trigger)" plain
    run_pgbench $((ord += 1)) "PL/pgSQL triggers" plpgsql
    run_pgbench $((ord += 1)) "comply.protect" protected
    run_pgbench $((ord += 1)) "  its audit alone" audited
    run_pgbench $((ord += 1)) "  its columns alone" redacted
  done
done

# A new connection per transaction (pgbench -C): every row is its session's first, so
# what a session builds on first use (caches, the compiled schema and policy, the PII
# detector unless the postmaster built it) is paid on every row.
if [ "$connect_s" -gt 0 ]; then
  "${psql[@]}" -c "CREATE TABLE bench_connect (ord int PRIMARY KEY, tbl text, tps float8, latency_ms float8)"
  c_ord=0
  for name in plain plpgsql protected; do
    out=$(pgbench -n -C -c 2 -j 2 -D pool="$pool" -f "$repo/bench/protect/insert_$name.sql" \
      -T "$connect_s" 2>&1) || {
      echo "$out" >&2
      exit 1
    }
    tps=$(sed -n 's/^tps = \([0-9.]*\) .*/\1/p' <<<"$out")
    lat=$(sed -n 's/^latency average = \([0-9.]*\) ms.*/\1/p' <<<"$out")
    "${psql[@]}" -c "INSERT INTO bench_connect VALUES ($((c_ord += 1)), '${name}_intake', $tps, $lat)"
    case $name in protected) wait_sealed "$seal_wait" >/dev/null ;; esac
  done
fi
load_after=$(load)

# Sanity (not timed).
"${psql[@]}" -f "$repo/bench/protect/reject.sql"
rejected_in=$(now)
rejected=0
for _ in $(seq 1 100); do
  rejected=$(q "SELECT count(*) FROM comply.audit_log WHERE action = 'protect.rejected'")
  [ "$rejected" -ge "$(q "SELECT count(*) FROM bench_bad_docs")" ] && break
  sleep 0.1
done
"${psql[@]}" -c "INSERT INTO bench_note VALUES ('rejected in ledger', '$rejected (after $(since "$rejected_in")s)')"
sealed_in=$(wait_sealed "$seal_wait")
problems=$(q "SELECT count(*) FROM comply.verify_ledger()")
ledger=$(q "SELECT format('%s entries, %s sealed, in %s blocks', (SELECT count(*) FROM comply.audit_log),
                          (SELECT count(*) FROM comply.ledger_entries), (SELECT count(*) FROM comply.ledger_blocks))")

"${psql[@]}" -v clients="$clients_list" -v seconds="$run_s" -v rounds="$rounds" \
  -v pool="$pool" -f "$repo/bench/protect/report.sql"
echo "Ledger:  $ledger; all sealed ${sealed_in}s after the last append;" \
  "rows returned by verify_ledger(): $problems (0 expected)"
echo "load:    $load_after (after the runs)"
echo "total:   ${SECONDS}s"
