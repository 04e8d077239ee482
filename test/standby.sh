#!/usr/bin/env bash
# Tests pg_comply on a streaming-replication standby, as a DBA runs it: a primary with
# pg_comply preloaded and a protected table, a hot standby made with pg_basebackup (the
# key files come with the data directory), then a failover.
#   - on the standby no pg_comply worker runs and the server log stays free of errors;
#   - what reads works there and agrees with the primary: validation by schema name,
#     redaction and pseudonyms, the ledger's verification, digest and proofs, discovery
#     and the controls (reported, not recorded: a NOTICE says so);
#   - what writes is refused with read_only_sql_transaction (25006), not a crash;
#   - after the primary stops with entries it has not sealed, the promoted standby's
#     workers start, seal them in the same chain, protect and audit new writes, and
#     record a rejected row; verify_ledger is clean and the blocks have no gap.
# Needs the extension installed. Prints one line per check and "N passed, M failed".
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
bindir=$(pg_config --bindir)
# shellcheck source=test/lib.sh
source "$repo/test/lib.sh"

export COMPLY_CLUSTER_DIR="$repo/build/standby-primary"
replica="$repo/build/standby-replica"
conf=$(mktemp)
chmod 644 "$conf"
cat >"$conf" <<'CONF'
comply.seal_interval = '200ms'
comply.hmac_key_file = 'comply_hmac.key'
comply.ledger_signing_key_file = 'comply_ledger.pem'
log_min_messages = warning
log_min_error_statement = panic
CONF
export COMPLY_PG_CONF="$conf"
stop_replica() {
  if [ -f "$replica/data/postmaster.pid" ]; then
    "${as_pg[@]}" "$bindir/pg_ctl" -D "$replica/data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$replica"
}
scripts/pgcluster.sh destroy
stop_replica
scripts/pgcluster.sh start
trap 'stop_replica; scripts/pgcluster.sh destroy; rm -f "$conf"' EXIT
scripts/pgcluster.sh key comply_hmac.key
scripts/pgcluster.sh key comply_ledger.pem "$(openssl genpkey -algorithm ed25519)"
eval "$(scripts/pgcluster.sh env)"
primary_port=$PGPORT
psql -X -q -c "SELECT pg_reload_conf()" >/dev/null

P() { psql -X -q -At -v ON_ERROR_STOP=1 -h "$PGHOST" -p "$primary_port" "$@"; }
S() { psql -X -q -At -v ON_ERROR_STOP=1 -h "$replica/sock" -p "$replica_port" "$@"; }
# wait_for CLIENT QUERY SECONDS: waits until QUERY returns t on P or S.
wait_for() {
  local client=$1 query=$2 seconds=$3 i
  for ((i = 0; i < seconds * 10; i++)); do
    [ "$("$client" -c "$query" 2>/dev/null)" = t ] && return 0
    sleep 0.1
  done
  return 1
}
# check runs some conditions in bash -c: they need the clients and their addresses.
export -f P S
export PGHOST replica
all_sealed="SELECT count(*) = (SELECT count(*) FROM comply.ledger_entries) FROM comply.audit_log"
# The standby has replayed everything the primary has written so far.
caught_up() {
  local lsn
  lsn=$(P -c "SELECT pg_current_wal_lsn()")
  wait_for S "SELECT pg_last_wal_replay_lsn() >= '$lsn'" 30
}

P -c "CREATE EXTENSION pg_comply" \
  -c "SELECT comply.register_schema('intake', '{\"type\": \"object\", \"required\": [\"email\"], \"properties\": {\"email\": {\"type\": \"string\"}}}')" \
  -c "CREATE TABLE intake (id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY, doc jsonb, notes text)" \
  -c "SELECT comply.protect('intake', '{\"columns\": {\"doc\": {\"validate\": \"intake\"}, \"notes\": {\"redact\": true}}}')" \
  -c "CREATE TABLE contacts (id int PRIMARY KEY, note text)" \
  -c "CREATE TABLE charts (id int PRIMARY KEY, note text)" \
  -c "INSERT INTO charts VALUES (1, 'a'), (2, 'b')" \
  -c "SELECT comply.protect('charts', '{\"audit_reads\": true}')" \
  -c "INSERT INTO contacts SELECT g, 'Call the customer at 415-555-0' || (100 + g) || ' or mail j.doe' || g || '@example.org' FROM generate_series(1, 20) g" \
  -c "INSERT INTO intake (doc, notes) VALUES ('{\"email\": \"x\"}', 'Patient Maria Lopez, SSN 536-22-8714, called')" >/dev/null
check "the primary seals its entries" wait_for P "$all_sealed" 10

# The standby: a base backup of the primary, streaming from it.
mkdir -p "$replica"
[ "$(id -u)" -ne 0 ] || chown postgres "$replica"
"${as_pg[@]}" "$bindir/pg_basebackup" -h 127.0.0.1 -p "$primary_port" -U postgres \
  -D "$replica/data" -R -X stream >/dev/null
"${as_pg[@]}" mkdir -p "$replica/sock"
replica_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
export primary_port replica_port
"${as_pg[@]}" tee -a "$replica/data/postgresql.conf" >/dev/null <<CONF
port = $replica_port
unix_socket_directories = '$replica/sock'
CONF
"${as_pg[@]}" "$bindir/pg_ctl" -D "$replica/data" -l "$replica/server.log" -w -t 60 start >/dev/null
P -c "INSERT INTO intake (doc, notes) VALUES ('{\"email\": \"y\"}', 'Ticket from James Carter, card 4111 1111 1111 1111')" >/dev/null
wait_for P "$all_sealed" 10 || true
caught_up || echo "# the standby did not catch up"

check "the standby is in recovery" wait_for S "SELECT pg_is_in_recovery()" 1
check "no pg_comply worker runs on the standby" \
  wait_for S "SELECT count(*) = 0 FROM pg_stat_activity WHERE backend_type LIKE 'pg_comply%'" 1
workers=$(S -F '|' -c "SELECT status, evidence ? 'standby' FROM comply.check_server() WHERE check_name = 'workers'" 2>&1 || true)
check "check_server's workers check passes on the standby and says why none runs (got: $workers)" \
  [ "$workers" = "pass|t" ]
check "validation by schema name works on the standby" \
  wait_for S "SELECT comply.validate('{\"email\": \"a\"}'::jsonb, 'intake') AND NOT comply.validate('{}'::jsonb, 'intake')" 1
check "... with the errors' paths" \
  wait_for S "SELECT string_agg(keyword || ' ' || message, ';') = 'required missing required property \"email\"' FROM comply.validation_errors('{}'::jsonb, 'intake')" 1
sample="Call Maria Lopez at 415-555-0133, SSN 536-22-8714"
check "redaction on the standby is the primary's" \
  bash -c '[ "$(P -c "SELECT comply.redact('"'"'$1'"'"')")" = "$(S -c "SELECT comply.redact('"'"'$1'"'"')")" ] && [[ "$(S -c "SELECT comply.redact('"'"'$1'"'"')")" == *"[US_SSN]"* ]]' _ "$sample"
check "pseudonyms on the standby are the primary's (the key came with the base backup)" \
  bash -c '[ "$(P -c "SELECT comply.pseudonymize('"'"'536-22-8714'"'"')")" = "$(S -c "SELECT comply.pseudonymize('"'"'536-22-8714'"'"')")" ]'
check "a table whose reads are audited can be read on the standby (reads there are not recorded)" \
  wait_for S "SELECT count(*) = 2 FROM charts" 1
check "the protected rows reached the standby redacted" \
  wait_for S "SELECT count(*) = 2 AND bool_and(notes NOT LIKE '%536-22-8714%' AND notes NOT LIKE '%4111 1111%') FROM intake" 1
check "verify_ledger on the standby is clean" wait_for S "SELECT count(*) = 0 FROM comply.verify_ledger()" 1
digest=$(P -c "SELECT comply.ledger_digest()")
check "the standby verifies the primary's digest" \
  wait_for S "SELECT comply.verify_digest('$digest'::jsonb)" 1
check "a proof made on the standby verifies" \
  wait_for S "SELECT comply.verify_proof(comply.ledger_proof((SELECT max(entry_id) FROM comply.ledger_entries)))" 1
discoveries=$(P -c "SELECT count(*) FROM comply.discoveries")
found=$(S -c "SELECT string_agg(DISTINCT entity, ',' ORDER BY entity) FROM comply.discover(100) WHERE table_name = 'contacts'::regclass" 2>/dev/null || echo error)
check "discovery on the standby finds the unprotected PII (got: $found)" \
  bash -c '[[ "$1" == *EMAIL_ADDRESS* && "$1" == *PHONE_NUMBER* ]]' _ "$found"
out=$(S -c "SELECT count(*) FROM comply.run_controls()" 2>&1 || true)
check "run_controls on the standby reports every control and says it records nothing" \
  bash -c '[[ "$1" == *"the run is not recorded"* && "$1" == *"This server is a standby."* ]] && [ "$(tail -n 1 <<<"$1")" = "$2" ]' _ "$out" "$(P -c "SELECT count(*) FROM comply.controls")"
tap=$(S -c "SELECT * FROM comply.tap_controls(ARRAY['HIPAA-164.312-b'])" 2>/dev/null || echo error)
check "tap_controls on the standby prints TAP" bash -c '[[ "$1" == "1..1"* ]]' _ "$tap"
state() {
  "$@" -c "SELECT (SELECT count(*) FROM comply.audit_log) || '/' || (SELECT count(*) FROM comply.alerts) || '/' || (SELECT count(*) FROM comply.discoveries)"
}
export -f state
caught_up || true
check "... and neither wrote anything (entries, alerts, discoveries as on the primary)" \
  bash -c '[ "$("$@" S)" = "$("$@" P)" ]' _ state
[ "$(P -c "SELECT count(*) FROM comply.discoveries")" = "$discoveries" ] || echo "# discoveries changed on the primary"
sqlstate() {  # sqlstate QUERY: the SQLSTATE and message the standby answers QUERY with
  { S -v VERBOSITY=verbose -c "$1" 2>&1 || true; } | sed -n 's/^ERROR:  \([0-9A-Z]\{5\}: .*\)/\1/p' | head -n 1
}
for query in "SELECT comply.audit('x', 'y')" "SELECT comply.seal()" \
  "SELECT comply.register_schema('other', '{}')" "SELECT comply.protect('contacts', '{}')" \
  "SELECT comply.snapshot_baseline()" "SELECT * FROM comply.review_next()" \
  "SELECT comply.run_jobs(1)" "SELECT comply.forget('contacts', '{\"id\": 1}')"; do
  answer=$(sqlstate "$query")
  fn=${query#SELECT }; fn=${fn#\* FROM }; fn=${fn%%(*}
  # Said by the function's name, not by a statement it runs inside (LOCK TABLE, DELETE...).
  check "on the standby, $query is refused with 25006 naming $fn() (got ${answer:-none})" \
    [ "$answer" = "25006: cannot execute $fn() in a read-only transaction" ]
done
# The server log: errors other than those of this script's psql sessions (the refusals
# above) or of the WAL receiver losing its primary (or stopped by the promotion, when it
# had not noticed yet), or a process that crashed.
log_problems() {
  grep -E "ERROR|FATAL|PANIC|terminated by signal|exited with exit code" "$replica/server.log" |
    grep -v -E "^[-0-9: .]+UTC \[[0-9]+\] psql |primary server|end-of-streaming|terminating walreceiver process due to administrator command" || true
}
check "the standby's server log has no error but the refusals" bash -c '[ -z "$1" ]' _ "$(log_problems)"

# Failover: the primary stops writing sealed entries (its sealer off), appends, and
# stops; the standby, promoted, seals what the primary left in the same chain.
P -c "ALTER SYSTEM SET comply.ledger_worker = off" -c "SELECT pg_reload_conf()" >/dev/null
wait_for P "SELECT count(*) = 0 FROM pg_stat_activity WHERE backend_type = 'pg_comply sealer'" 10 || true
P -c "INSERT INTO intake (doc, notes) SELECT jsonb_build_object('email', 'e' || g), 'Caller Anna Schmidt, phone 415-555-01' || (10 + g) FROM generate_series(1, 5) g" \
  -c "SELECT comply.audit('before failover', 'primary')" >/dev/null
unsealed=$(P -c "SELECT count(*) - (SELECT count(*) FROM comply.ledger_entries) FROM comply.audit_log")
caught_up || true
scripts/pgcluster.sh stop
check "the primary stopped with $unsealed entries unsealed" [ "$unsealed" -ge 6 ]
"${as_pg[@]}" "$bindir/pg_ctl" -D "$replica/data" -w promote >/dev/null
check "the standby is promoted" wait_for S "SELECT NOT pg_is_in_recovery()" 30
check "its sealer starts" \
  wait_for S "SELECT count(*) = 1 FROM pg_stat_activity WHERE backend_type = 'pg_comply sealer'" 30
check "it seals the entries the old primary left" wait_for S "$all_sealed" 30
S -c "INSERT INTO intake (doc, notes) VALUES ('{\"email\": \"z\"}', 'New patient Ravi Patel, SSN 536-22-8714')" >/dev/null
check "a write on the new primary is protected" \
  wait_for S "SELECT notes NOT LIKE '%536-22-8714%' FROM intake ORDER BY id DESC LIMIT 1" 1
S -c "INSERT INTO intake (doc, notes) VALUES ('{}', 'no email')" >/dev/null 2>&1 || true
check "a rejected row on the new primary reaches its ledger" \
  wait_for S "SELECT count(*) = 1 FROM comply.audit_log WHERE action = 'protect.rejected'" 15
check "... and everything is sealed" wait_for S "$all_sealed" 15
check "the blocks continue the chain without a gap" \
  wait_for S "SELECT max(block_no) = count(*) FROM comply.ledger_blocks" 1
check "verify_ledger on the new primary is clean" \
  wait_for S "SELECT count(*) = 0 FROM comply.verify_ledger()" 1
check "the old primary's digest still verifies" \
  wait_for S "SELECT comply.verify_digest('$digest'::jsonb)" 1
problems=$(log_problems)
check "the promoted server's log has no error but the refusals and the rejected row" bash -c '[ -z "$1" ]' _ "$problems"
[ -z "$problems" ] || sed 's/^/# /' <<<"$problems" | head -n 20

echo "standby: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
