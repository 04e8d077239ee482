#!/usr/bin/env bash
# AI classification benchmark (not a test: it prints numbers and ratios).
#
# On a throwaway cluster (scripts/pgcluster.sh, in build/bench-cluster-ai; pg_comply
# preloaded, so the job worker runs) with test/ai_server.py standing for the provider,
# every answer coming after BENCH_DELAY_MS, it measures:
#   calls/s of BENCH_SYNC_CALLS comply.classify(text, labels, 'openai:bench-model') calls,
#     one after another in one session                                   baseline
#   jobs/s of BENCH_JOBS comply.classify_async jobs queued in one transaction, from its
#     commit until the job worker has finished them all (comply.ai_concurrency requests
#     in flight at once; the server's max_in_flight shows how many really were)
#   and prints the ratio worker / sequential (target: at least 6x with concurrency 8);
# then, on BENCH_ROWS documents of test/data/make_compliance_docs.py (seed 7):
#   train_classifier on the first BENCH_TRAIN_ROWS of them (time, held-out accuracy),
#   rows/s of the builtin comply.classify over all of them, against a keyword CASE
#     (ten ~* rules, the plain-SQL way) over the same rows              baseline
#   with the accuracy of each against the true labels, and
#   train_classifier on all of them (the issue: "trains in seconds").
#
# Assumes the extension is built and installed (`make install` first).
#   BENCH_SYNC_CALLS=50     synchronous calls
#   BENCH_JOBS=400          jobs through the worker
#   BENCH_DELAY_MS=100      the test server's delay before each answer
#   BENCH_CONCURRENCY=8     comply.ai_concurrency
#   BENCH_ROWS=100000       documents for the builtin model
#   BENCH_TRAIN_ROWS=20000  of them, the training subset
#   BENCH_JOB_WAIT=120      seconds to wait for the worker before giving up
#   BENCH_SERVER_NODELAY=1  the test server sets TCP_NODELAY (0: Nagle on, see below)
#   COMPLY_BENCH_KEEP=1     leave the cluster running afterwards (default: destroy it)
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
calls=${BENCH_SYNC_CALLS:-50}
jobs=${BENCH_JOBS:-400}
delay_ms=${BENCH_DELAY_MS:-100}
concurrency=${BENCH_CONCURRENCY:-8}
rows=${BENCH_ROWS:-100000}
train_rows=${BENCH_TRAIN_ROWS:-20000}
job_wait=${BENCH_JOB_WAIT:-120}
if [ "${COMPLY_BENCH_SQL_ONLY:-0}" = 1 ]; then
  echo "ai_bench: needs the extension (COMPLY_BENCH_SQL_ONLY=1 is not supported)" >&2
  exit 1
fi
if [ "$train_rows" -gt "$rows" ] || [ "$calls" -gt "$rows" ] || [ "$jobs" -gt "$rows" ]; then
  echo "ai_bench: BENCH_TRAIN_ROWS, BENCH_SYNC_CALLS and BENCH_JOBS must not exceed BENCH_ROWS" >&2
  exit 1
fi
# shellcheck source=bench/lib.sh
. "$repo/bench/lib.sh"
bench_cluster_up ai "AI classification"
SECONDS=0

step() { "${psql[@]}" -v step="$1" "${@:2}" -f "$repo/bench/ai_bench.sql"; }
q() { "${psql[@]}" -Atc "$1"; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# The test server, stopped on exit (before the cluster goes). Its handler writes the
# headers and the body of an answer in two writes; with Nagle's algorithm on, the body
# then waits for the client's delayed ACK (40 ms on Linux) on every reused keep-alive
# connection: the worker's requests would take about 140 ms instead of 100, and the
# sequential calls (a new connection each) would not. A real provider does not do that,
# so the server runs with TCP_NODELAY (BENCH_SERVER_NODELAY=0 shows the difference).
srv_dir=$(mktemp -d)
python3 - "$repo/test" "${BENCH_SERVER_NODELAY:-1}" --port 0 --port-file "$srv_dir/port" \
  2>"$srv_dir/stderr" <<'PY' &
import sys
sys.path.insert(0, sys.argv[1])
import ai_server
ai_server.Handler.disable_nagle_algorithm = sys.argv[2] == "1"
sys.argv = ["ai_server.py"] + sys.argv[3:]
sys.exit(ai_server.main())
PY
srv_pid=$!
stop_server() {
  kill "$srv_pid" 2>/dev/null && wait "$srv_pid" 2>/dev/null
  rm -rf "$srv_dir"
  return 0
}
trap 'stop_server; bench_cluster_down' EXIT
for _ in $(seq 1 100); do
  [ -s "$srv_dir/port" ] && break
  kill -0 "$srv_pid" 2>/dev/null || { cat "$srv_dir/stderr" >&2; exit 1; }
  sleep 0.1
done
port=$(cat "$srv_dir/port")

# Calls a control endpoint of the test server: ctl NAME [JSON body] [field to print].
ctl() {
  python3 - "http://127.0.0.1:$port/_control/$1" "${2:-}" "${3:-}" <<'PY'
import json, sys, urllib.request
url, body, field = sys.argv[1:4]
req = urllib.request.Request(url, data=body.encode() if body else None, method="POST")
req.add_header("Content-Type", "application/json")
with urllib.request.urlopen(req, timeout=10) as r:
    out = json.load(r)
if field:
    print(out[field])
PY
}
# Forgets the server's counters and makes every answer come after the delay.
server_fresh() {
  ctl reset
  ctl mode "{\"mode\": \"delay\", \"delay_ms\": $delay_ms}"
}
server_fresh

# The provider's settings, for the backends and the worker.
endpoint="http://127.0.0.1:$port/v1"
"${psql[@]}" -c "ALTER SYSTEM SET comply.ai_endpoint = '$endpoint'" \
  -c "ALTER SYSTEM SET comply.ai_concurrency = $concurrency" -c "SELECT pg_reload_conf()" >/dev/null
for _ in $(seq 1 50); do
  [ "$(q "SHOW comply.ai_endpoint")" = "$endpoint" ] && break
  sleep 0.1
done

# The documents.
step setup
t0=$(now)
python3 "$repo/test/data/make_compliance_docs.py" --rows "$rows" --seed 7 |
  "${psql[@]}" -c "COPY bench_docs (label, body) FROM STDIN"
"${psql[@]}" -c "VACUUM ANALYZE bench_docs"
echo "data:    $(q "SELECT to_char(count(*), 'FM999,999,999') || ' documents, ' ||
                           round(avg(octet_length(body))) || ' bytes on average, ' ||
                           count(DISTINCT label) || ' labels' FROM bench_docs")" \
  "(make_compliance_docs.py --seed 7, loaded in $(since "$t0")s)"
echo "server:  test/ai_server.py on port $port, every answer after ${delay_ms} ms" \
  "(TCP_NODELAY $([ "${BENCH_SERVER_NODELAY:-1}" = 1 ] && echo on || echo off));" \
  "comply.ai_concurrency = $(q "SHOW comply.ai_concurrency")"

# Waits up to $2 seconds until no job with id >= $1 is queued or running; prints
# "<pending> <dead> <epoch seconds of the last look>".
wait_jobs() {
  local first=$1 limit=$2 s
  for _ in $(seq 1 $((limit * 10))); do
    s=$(q "SELECT count(*) FILTER (WHERE status IN ('queued', 'running')) || ' ' ||
                  count(*) FILTER (WHERE status = 'dead') || ' ' ||
                  extract(epoch FROM clock_timestamp()) FROM comply.ai_jobs WHERE id >= $first") || {
      echo "ai_bench: lost the server while waiting for the jobs; see $("$bench_cluster" log)" >&2
      exit 1
    }
    [ "${s%% *}" = 0 ] && break
    sleep 0.1
  done
  echo "$s"
}

# Warm-up: the job worker of this database starts when the first job is queued; the
# timed run should not pay for that (nor for the first connection).
out=$(step enqueue -v jobs="$concurrency" -At -F ' ')
read -r first _ <<<"$out"
out=$(wait_jobs "$first" 60)
read -r pending _ <<<"$out"
if [ "$pending" != 0 ]; then
  echo "ai_bench: the job worker did not finish the warm-up jobs in 60 s" >&2
  q "SELECT status, last_error, count(*) FROM comply.ai_jobs GROUP BY 1, 2" >&2
  exit 1
fi

# Sequential synchronous calls ------------------------------------------------------------
server_fresh
step sync -v calls="$calls"
sync_requests=$(ctl stats "" requests)
sync_max=$(ctl stats "" max_in_flight)

# Through the worker ----------------------------------------------------------------------
server_fresh
out=$(step enqueue -v jobs="$jobs" -At -F ' ')
read -r first queued committed_at enqueue_s <<<"$out"
out=$(wait_jobs "$first" "$job_wait")
read -r pending dead ended_at <<<"$out"
worker_s=$(awk -v a="$committed_at" -v b="$ended_at" 'BEGIN { printf "%.3f", b - a }')
worker_requests=$(ctl stats "" requests)
worker_max=$(ctl stats "" max_in_flight)
done_jobs=$((queued - pending - dead))
"${psql[@]}" -c "INSERT INTO bench_ai (ord, name, n, seconds, note) VALUES (2, 'worker (classify_async)',
  $done_jobs, $worker_s, 'commit to last done; at most $worker_max in flight')"

# Builtin model ---------------------------------------------------------------------------
step builtin -v train_rows="$train_rows"

step report
echo "Sanity check:"
echo "  sequential: $sync_requests requests reached the server for $calls calls and 1 warm-up" \
  "(at most $sync_max in flight: 1, or 2 when a call arrives before the server counted the last one out)"
echo "  worker:     $queued jobs queued in ${enqueue_s}s; $done_jobs done, $dead dead, $pending not finished" \
  "after ${worker_s}s; $worker_requests requests reached the server (one a job expected)," \
  "at most $worker_max in flight (comply.ai_concurrency = $concurrency)"
echo "  ceiling:    with every answer after ${delay_ms} ms, one call at a time cannot beat" \
  "$(awk -v d="$delay_ms" 'BEGIN { printf "%.1f", 1000 / d }')/s and $concurrency at a time" \
  "$(awk -v d="$delay_ms" -v c="$concurrency" 'BEGIN { printf "%.1f", c * 1000 / d }')/s:" \
  "the ratio cannot exceed about ${concurrency}x"
echo "  interactions recorded: $(q "SELECT count(*) FILTER (WHERE provider = 'openai') || ' openai, ' ||
                                     count(*) FILTER (WHERE provider = 'builtin') || ' builtin; outcomes: ' ||
                                     (SELECT string_agg(outcome || ' ' || c, ', ' ORDER BY outcome)
                                        FROM (SELECT outcome, count(*) AS c FROM comply.ai_interactions
                                              GROUP BY outcome) o)
                                     FROM comply.ai_interactions")"
echo "total:   ${SECONDS}s"
