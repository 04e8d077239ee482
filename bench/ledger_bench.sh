#!/usr/bin/env bash
# Audit-ledger benchmark (not a test: it prints numbers and ratios).
#
# On a throwaway cluster (scripts/pgcluster.sh, in build/bench-cluster-ledger; pg_comply
# preloaded, so the sealing background worker runs) it measures:
#   appends/s with 8 pgbench clients (bench/ledger/*.sql, one statement a transaction):
#     plain INSERT into a table with the columns of comply.audit_log       baseline
#     INSERT into a table chained by hand (BEFORE INSERT trigger: advisory lock,
#       previous row's hash, pgcrypto digest(prev || row, 'sha256'))
#     SELECT comply.audit('read', 'patients', '{"reason": "billing", "rows": 3}')
#     the same with the sealer paused (comply.ledger_worker = off): the append alone
#   and prints the ratios comply.audit / plain (target: at least 0.80) and comply.audit /
#   hand-chained; then, as a sanity check, that every entry appended is sealed within
#   BENCH_SEAL_WAIT seconds and comply.verify_ledger() returns no rows;
#   then fills the ledger to BENCH_ENTRIES entries, seals them, and times (best of
#   BENCH_RUNS, one core, sealer paused) SELECT count(*) FROM comply.verify_ledger()
#   against sha256 of every row's text (target: verify at most 2x); the CPU an idle
#   sealer uses with that many entries; and comply.audit appends/s once more, with the
#   ledger that full.
#
# Assumes the extension is built and installed (`make bench` runs `make install` first).
#   BENCH_ENTRIES=1000000  sealed entries for the verification timing
#   BENCH_SECONDS=15       pgbench -T of each timed run (each is preceded by a 2 s warm-up)
#   BENCH_CLIENTS=8        pgbench -c (-j 2)
#   BENCH_RUNS=2           timed runs of verify and of the sha256 scan (the best is reported)
#   BENCH_SEAL_WAIT=10     seconds to wait for the sealer after the comply.audit run
#   COMPLY_BENCH_KEEP=1    leave the cluster running afterwards (default: destroy it)
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
entries=${BENCH_ENTRIES:-1000000}
seconds=${BENCH_SECONDS:-15}
clients=${BENCH_CLIENTS:-8}
threads=2
runs=${BENCH_RUNS:-2}
seal_wait=${BENCH_SEAL_WAIT:-10}
if [ "${COMPLY_BENCH_SQL_ONLY:-0}" = 1 ]; then
  echo "ledger_bench: needs the extension (COMPLY_BENCH_SQL_ONLY=1 is not supported)" >&2
  exit 1
fi
# shellcheck source=bench/lib.sh
. "$repo/bench/lib.sh"
bench_cluster_up ledger "audit ledger"
SECONDS=0

step() { "${psql[@]}" -v step="$1" "${@:2}" -f "$repo/bench/ledger_bench.sql"; }
q() { "${psql[@]}" -Atc "$1"; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# Sealer on or off (comply.ledger_worker is a configuration-file setting: ALTER SYSTEM
# and a reload; the sealer exits, or the launcher starts one). Waits until it is so.
sealer() {
  local want=$1 n
  "${psql[@]}" -c "ALTER SYSTEM SET comply.ledger_worker = $want" -c "SELECT pg_reload_conf()" >/dev/null
  for _ in $(seq 1 100); do
    n=$(q "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'pg_comply sealer'")
    if { [ "$want" = on ] && [ "$n" -gt 0 ]; } || { [ "$want" = off ] && [ "$n" = 0 ]; }; then
      return 0
    fi
    sleep 0.1
  done
  echo "ledger_bench: the sealer did not turn $want" >&2
  exit 1
}

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

# Runs pgbench with bench/ledger/SCRIPT.sql (a 2 s warm-up, then -T seconds) and records
# the result in bench_tps as ORD, NAME.
run_pgbench() {
  local ord=$1 name=$2 script="$repo/bench/ledger/$3.sql" out before tps xacts failed lat
  pgbench -n -c "$clients" -j "$threads" -T 2 -f "$script" >/dev/null 2>&1
  "${psql[@]}" -c CHECKPOINT
  before=$(q "SELECT count(*) FROM comply.audit_log")
  out=$(pgbench -n -c "$clients" -j "$threads" -T "$seconds" -f "$script" 2>&1) || {
    echo "$out" >&2
    exit 1
  }
  tps=$(sed -n 's/^tps = \([0-9.]*\) .*/\1/p' <<<"$out")
  xacts=$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' <<<"$out")
  failed=$(sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p' <<<"$out")
  lat=$(sed -n 's/^latency average = \([0-9.]*\) ms.*/\1/p' <<<"$out")
  "${psql[@]}" -c "INSERT INTO bench_tps VALUES ($ord, '$name', $tps, $xacts, ${failed:-0}, $lat, $before)"
}

step setup

# Appends --------------------------------------------------------------------------------
run_pgbench 1 "plain INSERT" plain
run_pgbench 2 "hand-chained (trigger)" chained
before=$(q "SELECT count(*) FROM comply.audit_log")
run_pgbench 3 "comply.audit" audit
appended=$(( $(q "SELECT count(*) FROM comply.audit_log") - before ))
sealed_in=$(wait_sealed "$seal_wait")
problems=$(q "SELECT count(*) FROM comply.verify_ledger()")
sanity=$(q "SELECT format('%s entries, %s sealed, in %s blocks', (SELECT count(*) FROM comply.audit_log),
                          (SELECT count(*) FROM comply.ledger_entries), (SELECT count(*) FROM comply.ledger_blocks))")

sealer off
run_pgbench 4 "comply.audit, sealer paused" audit
sealer on

step tps -v clients="$clients" -v threads="$threads" -v seconds="$seconds"
echo "Sanity check after the comply.audit run (warm-up and timed run: $appended entries appended):"
echo "  all sealed after:                  ${sealed_in}s (the sealer's wait limit: ${seal_wait}s)"
echo "  ledger:                            $sanity"
echo "  rows returned by verify_ledger():  $problems (0 expected)"

# Verification ---------------------------------------------------------------------------
t0=$(now)
step fill -v entries="$entries"
fill_s=$(since "$t0")
t0=$(now)
"${psql[@]}" -c "SELECT count(*) FROM comply.seal()" >/dev/null
seal_s=$(wait_sealed 600)
echo
echo "Fill:    $(q "SELECT count(*) FROM comply.audit_log") entries: appended (comply.audit, 100,000 a" \
  "transaction, sealer running) in ${fill_s}s; all sealed ${seal_s}s later (comply.seal() and the sealer)"
# What autovacuum would do sooner or later, done now so that it does not run during
# the measurements below and every plan sees the same statistics.
"${psql[@]}" -c "VACUUM ANALYZE"

# The CPU an idle sealer uses: its own time plus the time of the postmaster's children
# that exited meanwhile (its parallel workers), over 5 s with no client connected.
ticks=$(getconf CLK_TCK)
sealer_pid=$(q "SELECT pid FROM pg_stat_activity WHERE backend_type = 'pg_comply sealer'")
pm_pid=$(head -n 1 "$COMPLY_CLUSTER_DIR/data/postmaster.pid")
cpu() { awk -v f="$2" '{ print $(f) + $(f + 1) }' "/proc/$1/stat"; }
sleep 1
s0=$(cpu "$sealer_pid" 14) c0=$(cpu "$pm_pid" 16) t0=$(now)
sleep 5
s1=$(cpu "$sealer_pid" 14) c1=$(cpu "$pm_pid" 16) el=$(since "$t0")
echo "Idle:    with every entry sealed and nothing appended, the sealer used" \
  "$(awk -v s=$((s1 - s0)) -v c=$((c1 - c0)) -v t="$ticks" -v e="$el" \
    'BEGIN { printf "%.0f%% of a core itself and %.0f%% in parallel workers", 100 * s / t / e, 100 * c / t / e }')" \
  "(over ${el}s)"

sealer off
step verify -v runs="$runs"
step report -v runs="$runs"
sealer on

# Appends once more, with the ledger full (against the plain INSERT run above).
run_pgbench 5 "comply.audit, full ledger" audit
echo
echo "Appends with $(q "SELECT to_char(ledger_before, 'FM999,999,999') FROM bench_tps WHERE ord = 5")" \
  "entries in the ledger: comply.audit $(q "SELECT round(tps) FROM bench_tps WHERE ord = 5") tps," \
  "$(q "SELECT round((a.tps / p.tps)::numeric, 2) || ' of plain INSERT, ' || round((a.tps / e.tps)::numeric, 2)
        FROM bench_tps a, bench_tps p, bench_tps e WHERE a.ord = 5 AND p.ord = 1 AND e.ord = 3")" \
  "of comply.audit on the nearly empty ledger"
echo "total:   ${SECONDS}s"
