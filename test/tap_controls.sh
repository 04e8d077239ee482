#!/usr/bin/env bash
# Runs a database's compliance as a TAP test suite with pg_prove: comply.tap_controls()
# on a database where the chosen controls pass (pg_prove succeeds) and where one fails
# (pg_prove fails and names it); and comply.run_controls()' statuses, evidence, ledger
# entry and alerts. Needs the test cluster running (PG* set) with pg_comply installed.
set -euo pipefail
work=$(mktemp -d)
trap 'rm -rf "$work"; psql -X -q -d postgres -c "DROP DATABASE IF EXISTS comply_controls" >/dev/null 2>&1 || true' EXIT
# shellcheck source=test/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
q() { psql -X -q -At -v ON_ERROR_STOP=1 -d comply_controls "$@"; }

psql -X -q -d postgres -c "DROP DATABASE IF EXISTS comply_controls" -c "CREATE DATABASE comply_controls" >/dev/null
q -c "CREATE EXTENSION pg_comply" \
  -c "SELECT comply.register_schema('c', '{\"type\": \"object\"}')" \
  -c "CREATE TABLE intake (id int PRIMARY KEY, doc jsonb, notes text)" \
  -c "REVOKE ALL ON intake FROM PUBLIC" \
  -c "SELECT comply.protect('intake', '{\"columns\": {\"doc\": {\"validate\": \"c\"}, \"notes\": {\"redact\": true}}, \"workflow_step\": \"intake\", \"regulations\": [\"HIPAA §164.312(b)\", \"GDPR Art. 25\", \"GDPR Art. 5(1)(c)\"]}')" >/dev/null

cat >"$work/pass.sql" <<'SQL'
SELECT * FROM comply.tap_controls(ARRAY['HIPAA-164.312-b', 'GDPR-25', 'GDPR-5-1-c', 'PCI-10.3', 'PCI-3.4']);
SQL
out=$(pg_prove -d comply_controls "$work/pass.sql" 2>&1) && rc=0 || rc=$?
check "pg_prove passes when the chosen controls are met (skips count as passes)" \
  bash -c '[ "$1" -eq 0 ] && [[ "$2" == *"All tests successful"* ]] && [[ "$2" == *"Tests=5"* ]]' _ "$rc" "$out"

# The test cluster runs without SSL: the client transport control fails.
cat >"$work/fail.sql" <<'SQL'
SELECT * FROM comply.tap_controls(ARRAY['HIPAA-164.312-b', 'HIPAA-164.312-e-1-clients']);
SQL
out=$(pg_prove -d comply_controls "$work/fail.sql" 2>&1) && rc=0 || rc=$?
check "pg_prove fails when a control fails, and names it" \
  bash -c '[ "$1" -ne 0 ] && [[ "$2" == *"Failed test"* || "$2" == *"Failed 1/2"* ]]' _ "$rc" "$out"
check "the TAP output carries the failing control's evidence as a comment" \
  bash -c 'q() { psql -X -q -At -d comply_controls "$@"; }; q -c "SELECT * FROM comply.tap_controls(ARRAY['"'"'HIPAA-164.312-e-1-clients'"'"'])" | grep -q "^# evidence: .*\"ssl\""'

# A table that loses its protection fails the controls that rely on it.
q -c "ALTER TABLE intake DISABLE TRIGGER comply_protect_before"
check "a disabled protect trigger fails GDPR-25" \
  bash -c '[ "$(psql -X -At -d comply_controls -c "SELECT status FROM comply.run_controls(ARRAY['"'"'GDPR-25'"'"'])")" = fail ]'
q -c "ALTER TABLE intake ENABLE TRIGGER comply_protect_before"
check "run_controls records each run in the ledger" \
  bash -c '[ "$(psql -X -At -d comply_controls -c "SELECT count(*) >= 4 FROM comply.audit_log WHERE action = '"'"'controls.run'"'"'")" = t ]'
check "a failed control raises an alert" \
  bash -c '[ "$(psql -X -At -d comply_controls -c "SELECT count(*) >= 2 FROM comply.alerts WHERE kind = '"'"'control_failed'"'"'")" = t ]'
# An auditor's read-only connection: the controls are checked and reported, nothing is
# written (no alert, no ledger entry), and a NOTICE says the run is not recorded.
before=$(q -c "SELECT (SELECT count(*) FROM comply.alerts) || '/' || (SELECT count(*) FROM comply.audit_log)")
out=$(PGOPTIONS='-c default_transaction_read_only=on' pg_prove -d comply_controls "$work/fail.sql" 2>&1) && rc=0 || rc=$?
check "in a read-only transaction, pg_prove still fails on the failing control" \
  bash -c '[ "$1" -ne 0 ] && [[ "$2" == *"Failed test"* || "$2" == *"Failed 1/2"* ]]' _ "$rc" "$out"
notice=$(PGOPTIONS='-c default_transaction_read_only=on' psql -X -q -At -d comply_controls \
  -c "SELECT count(*) FROM comply.run_controls(ARRAY['HIPAA-164.312-e-1-clients'])" 2>&1)
check "in a read-only transaction, run_controls says the run is not recorded" \
  bash -c '[[ "$1" == *"NOTICE:  the run is not recorded: 1 control(s) failed"* ]] && [[ "$1" == *"read-only"* ]]' _ "$notice"
check "in a read-only transaction, run_controls writes no alert and no ledger entry" \
  bash -c '[ "$(psql -X -At -d comply_controls -c "SELECT (SELECT count(*) FROM comply.alerts) || '"'"'/'"'"' || (SELECT count(*) FROM comply.audit_log)")" = "$1" ]' _ "$before"

# A ledger control needs the tables naming it audited into the ledger, not only the ledger
# sound; a control that applies to none of the tables naming it does not apply.
q -c "CREATE TABLE ledgered (id int PRIMARY KEY, notes text)" \
  -c "SELECT comply.protect('ledgered', '{\"columns\": {\"notes\": {\"redact\": true}}, \"regulations\": [\"HIPAA §164.312(c)(1)\", \"HIPAA §164.312(a)(2)(iv)\"]}')" >/dev/null
check "an audited table and a sound ledger pass the ledger control HIPAA-164.312-c-1" \
  bash -c '[ "$(psql -X -At -d comply_controls -c "SELECT status FROM comply.run_controls(ARRAY['"'"'HIPAA-164.312-c-1'"'"'])")" = pass ]'
check "an encryption control that applies to no table naming it is not_applicable, not pass" \
  bash -c '[ "$(psql -X -At -d comply_controls -c "SELECT status || '"'"' '"'"' || (evidence->'"'"'objects'"'"'->0->>'"'"'status'"'"') FROM comply.run_controls(ARRAY['"'"'HIPAA-164.312-a-2-iv'"'"'])")" = "not_applicable not applicable: the policy declares no encrypted column" ]'
check "and TAP skips it" \
  bash -c 'psql -X -q -At -d comply_controls -c "SELECT * FROM comply.tap_controls(ARRAY['"'"'HIPAA-164.312-a-2-iv'"'"'])" | grep -q "^ok 1 - HIPAA-164.312-a-2-iv .* # SKIP not_applicable$"'
q -c "CREATE TABLE unledgered (id int PRIMARY KEY, notes text)" \
  -c "SELECT comply.protect('unledgered', '{\"columns\": {\"notes\": {\"redact\": true}}, \"audit\": false, \"regulations\": [\"HIPAA §164.312(c)(1)\"]}')" >/dev/null
check "a table naming the ledger control whose policy sets audit false fails it, with the table in the evidence" \
  bash -c '[ "$(psql -X -At -d comply_controls -c "SELECT status || '"'"' '"'"' || (evidence->>'"'"'ledger_problems'"'"') || '"'"' '"'"' || (SELECT string_agg(o->>'"'"'object'"'"', '"'"','"'"') FROM jsonb_array_elements(evidence->'"'"'objects'"'"') o WHERE o->>'"'"'status'"'"' LIKE '"'"'gap%audit%'"'"') FROM comply.run_controls(ARRAY['"'"'HIPAA-164.312-c-1'"'"'])")" = "fail 0 public.unledgered" ]'

check "every control of the catalog gets a status" \
  bash -c '[ "$(psql -X -At -d comply_controls -c "SELECT count(*) = (SELECT count(*) FROM comply.controls) AND bool_and(status IN ('"'"'pass'"'"', '"'"'fail'"'"', '"'"'not_applicable'"'"', '"'"'not_run'"'"', '"'"'manual'"'"', '"'"'unknown'"'"')) FROM comply.run_controls()")" = t ]'

echo
echo "tap_controls: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
