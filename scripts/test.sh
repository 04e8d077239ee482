#!/usr/bin/env bash
# Runs every test of pg_comply: GoogleTest unit tests, then (after building and
# installing the extension) the pg_regress and pgTAP suites and a dump and restore on a
# throwaway cluster, then a scan of that cluster's server log for any PII value the
# suites used, then the tests that need clusters of their own.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
sudo=()
if [ "$(id -u)" -ne 0 ]; then sudo=(sudo); fi

passed=0
failed=0
step() {  # step NAME COMMAND...: runs one suite, counting it
  local name=$1; shift
  echo "=== $name"
  if "$@"; then passed=$((passed + 1)); echo "=== $name: ok"
  else failed=$((failed + 1)); echo "=== $name: FAILED"; fi
}

step "unit tests (GoogleTest)" make unit

echo "=== build and install"
make -j2 >/dev/null
"${sudo[@]}" make install >/dev/null

export COMPLY_CLUSTER_DIR="$repo/build/test-cluster"
# Statements are not echoed to the server log, so the log scan below sees only what
# pg_comply itself reports.
export COMPLY_PG_CONF="$repo/test/cluster.conf"
scripts/pgcluster.sh destroy
scripts/pgcluster.sh start
trap 'scripts/pgcluster.sh stop' EXIT
eval "$(scripts/pgcluster.sh env)"
# The HMAC key the suites use, readable by the server's user only.
scripts/pgcluster.sh key comply_test_hmac.key regression-test-key-0123456789abcdef
scripts/pgcluster.sh key comply_test_ledger.pem "$(openssl genpkey -algorithm ed25519)"
scripts/pgcluster.sh key comply_test_ledger2.pem "$(openssl genpkey -algorithm ed25519)"  # a key rotation

regress() {
  if make installcheck; then return 0; fi
  [ -f regression.diffs ] && head -n 200 regression.diffs
  [ -f output_iso/regression.diffs ] && head -n 200 output_iso/regression.diffs
  return 1
}
step "pg_regress and isolation suites (sql/, specs/, expected/)" regress

pgtap() {
  psql -X -q -v ON_ERROR_STOP=1 -c 'DROP DATABASE IF EXISTS comply_tap' -c 'CREATE DATABASE comply_tap' >/dev/null
  pg_prove -d comply_tap --ext .sql -r test/pgtap/
}
step "pgTAP suites (test/pgtap/)" pgtap

step "compliance as a TAP suite through pg_prove (test/tap_controls.sh)" test/tap_controls.sh

step "pg_dump and pg_restore of a database using pg_comply (test/dump_restore.sh)" test/dump_restore.sh

step "a session's memory for large JSON Schemas stays bounded (test/schema_cache_memory.sh)" \
  test/schema_cache_memory.sh

# The demo's SQL (the quick start's first command), which stops at any error it does not
# expect, on the test cluster: its server log is then scanned with the rest.
demo_sql() {
  scripts/pgcluster.sh key demo_hmac.key
  psql -X -q -v ON_ERROR_STOP=1 -d postgres -c 'DROP DATABASE IF EXISTS comply_demo' \
    -c 'CREATE DATABASE comply_demo' >/dev/null
  # Its deliberate errors go to stderr: shown only when it fails.
  local out
  out=$(psql -X -q -d comply_demo -f demo/demo.sql 2>&1 >/dev/null) && return 0
  printf '%s\n' "$out" | tail -n 20
  return 1
}
step "the demo's SQL runs to its end (demo/demo.sql)" demo_sql

step "bind parameters of a protected write stay out of its error's context (test/bind_parameters.sh)" \
  test/bind_parameters.sh

step "server log holds no PII" test/check_log_pii.sh "$(scripts/pgcluster.sh log)"

step "ledger background workers (test/ledger_worker.sh)" test/ledger_worker.sh

step "a hot standby and a failover (test/standby.sh)" test/standby.sh

step "the ledger across pg_upgrade (test/upgrade.sh)" test/upgrade.sh

step "AI provider and job worker against a local HTTP server (test/ai_worker.sh)" test/ai_worker.sh

step "server posture on a strict and a lax cluster (test/posture.sh)" test/posture.sh

echo
echo "summary: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
