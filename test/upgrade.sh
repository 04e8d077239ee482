#!/usr/bin/env bash
# Tests the ledger across pg_upgrade, as a DBA runs it: a cluster with pg_comply
# preloaded, a signed and sealed ledger, then pg_upgrade into a new cluster (the same
# PostgreSQL 15: pg_upgrade runs between any two clusters), which has another system
# identifier, the node that every block names:
#   - the new cluster's workers seal new entries, and verify_ledger reports the change of
#     node as "chain broken" until comply.adopt_node() records it;
#   - after it, verify_ledger is clean, in the server and offline (pg_comply_verify on an
#     export); a second call records nothing new; a cluster that never took over refuses;
#   - policies still hold after the upgrade; archiving the blocks that hold the adoption
#     keeps the ledger verifying.
# Needs the extension installed. Prints one line per check and "N passed, M failed".
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
bindir=$(pg_config --bindir)
# shellcheck source=test/lib.sh
source "$repo/test/lib.sh"

old="$repo/build/upgrade-old"
new="$repo/build/upgrade-new"
conf=$(mktemp)
chmod 644 "$conf"
cat >"$conf" <<'CONF'
comply.seal_interval = '200ms'
comply.ledger_signing_key_file = 'comply_ledger.pem'
log_min_messages = warning
CONF
export COMPLY_PG_CONF="$conf"
cleanup() {
  COMPLY_CLUSTER_DIR="$new" scripts/pgcluster.sh destroy >/dev/null 2>&1 || true
  COMPLY_CLUSTER_DIR="$old" scripts/pgcluster.sh destroy >/dev/null 2>&1 || true
  rm -f "$conf"
}
cleanup_dirs() { rm -rf "$old" "$new"; }
COMPLY_CLUSTER_DIR="$new" scripts/pgcluster.sh destroy >/dev/null 2>&1 || true
COMPLY_CLUSTER_DIR="$old" scripts/pgcluster.sh destroy >/dev/null 2>&1 || true
trap 'cleanup; cleanup_dirs' EXIT

q() { psql -X -q -At -v ON_ERROR_STOP=1 "$@"; }
wait_for() {  # wait_for QUERY SECONDS: until QUERY returns t
  local query=$1 seconds=$2 i
  for ((i = 0; i < seconds * 10; i++)); do
    [ "$(q -c "$query" 2>/dev/null)" = t ] && return 0
    sleep 0.1
  done
  return 1
}
all_sealed="SELECT count(*) = (SELECT count(*) FROM comply.ledger_entries) FROM comply.audit_log"

# The old cluster: a signed ledger and a protected table.
export COMPLY_CLUSTER_DIR="$old"
scripts/pgcluster.sh start >/dev/null
scripts/pgcluster.sh key comply_ledger.pem "$(openssl genpkey -algorithm ed25519)"
eval "$(scripts/pgcluster.sh env)"
q -c "SELECT pg_reload_conf()" >/dev/null
q -c "CREATE EXTENSION pg_comply" \
  -c "CREATE TABLE notes (id int PRIMARY KEY, note text)" \
  -c "SELECT comply.protect('notes', '{\"columns\": {\"note\": {\"redact\": true}}}')" >/dev/null
for i in 1 2 3; do q -c "INSERT INTO notes VALUES ($i, 'SSN 536-22-87$((10 + i))')"; sleep 0.3; done
check "the old cluster seals its entries" wait_for "$all_sealed" 10
old_node=$(q -c "SELECT DISTINCT node_id FROM comply.ledger_blocks")
pubkey=$(q -c "SELECT comply.ledger_public_key()")
check "before the upgrade, adopt_node refuses: no other node sealed a block" \
  bash -c '! psql -X -q -At -c "SELECT comply.adopt_node()" 2>&1 | grep -q "^[0-9]"'
old_port=$PGPORT
scripts/pgcluster.sh stop >/dev/null

# The new cluster, made by pg_upgrade (its key file copied over, as its configuration is).
export COMPLY_CLUSTER_DIR="$new"
scripts/pgcluster.sh start >/dev/null
eval "$(scripts/pgcluster.sh env)"
new_port=$PGPORT
scripts/pgcluster.sh stop >/dev/null
"${as_pg[@]}" cp -p "$old/data/comply_ledger.pem" "$new/data/comply_ledger.pem"
upgrade_log=$("${as_pg[@]}" bash -c 'cd "$1" && "$2/pg_upgrade" -b "$2" -B "$2" -d "$3" -D "$4" -p "$5" -P "$6" -U postgres' \
  _ "$new" "$bindir" "$old/data" "$new/data" "$old_port" "$new_port" 2>&1) && rc=0 || rc=$?
check "pg_upgrade succeeds" [ "$rc" = 0 ]
[ "$rc" = 0 ] || echo "$upgrade_log" | tail -20
scripts/pgcluster.sh start >/dev/null
new_node=$(q -c "SELECT system_identifier::text || '/' || (SELECT oid FROM pg_database WHERE datname = current_database()) FROM pg_control_system()")
check "the new cluster is another node" [ "$new_node" != "$old_node" ]
q -c "INSERT INTO notes VALUES (4, 'SSN 536-22-8714')"
check "the new cluster's workers seal new entries" wait_for "$all_sealed" 15
check "the policy still holds" [ "$(q -c "SELECT note FROM notes WHERE id = 4")" = "SSN [US_SSN]" ]
check "verify_ledger reports the change of node until it is adopted" \
  wait_for "SELECT count(*) = 1 AND bool_and(problem = 'chain broken' AND detail LIKE '%no ledger.node_adopted entry%')
              FROM comply.verify_ledger()" 1

forge() {  # an entry in adopt_node's stead, through comply.audit: refused
  ! q -c "SELECT comply.audit('ledger.node_adopted', 'ledger',
            jsonb_build_object('previous_node', '$old_node', 'node', '$new_node'))" >/dev/null 2>&1
}
check "comply.audit cannot record the change in its stead" forge

entry=$(q -c "SELECT comply.adopt_node()")
check "adopt_node records the change" \
  [ "$(q -c "SELECT details ->> 'previous_node' = '$old_node' AND details ->> 'node' = '$new_node'
             FROM comply.audit_log WHERE id = $entry AND action = 'ledger.node_adopted'")" = t ]
check "once sealed, verify_ledger is clean" \
  bash -c 'for i in $(seq 100); do
    [ "$(psql -X -At -c "SELECT count(*) = 0 FROM comply.verify_ledger()")" = t ] && exit 0; sleep 0.1; done; exit 1'
check "a second adopt_node records nothing new" [ "$(q -c "SELECT comply.adopt_node()" 2>/dev/null)" = "$entry" ]
check "adopt_node is not granted to PUBLIC" \
  [ "$(q -c "SELECT has_function_privilege('public', 'comply.adopt_node()', 'EXECUTE')")" = f ]
export_file=$(mktemp)
q -c "SELECT comply.seal()" >/dev/null
q -c "SELECT l FROM comply.export_ledger() l" >"$export_file"
verify="$bindir/pg_comply_verify"
check "pg_comply_verify accepts the export with its adoption" \
  "$verify" --ledger "$export_file" --public-key "$pubkey"
grep -v '"ledger.node_adopted"' "$export_file" >"$export_file.cut"
check "... and reports the change of node in an export without it" \
  bash -c '"$0" --ledger "$1" --public-key "$2" 2>&1 | grep -q "sealed by another node"' \
  "$verify" "$export_file.cut" "$pubkey"
rm -f "$export_file" "$export_file.cut"
# Archiving removes the entries of old blocks, the adoption among them: the change it
# recorded was checked when the range was archived (which needs it to verify).
q -c "ALTER SYSTEM SET comply.ledger_retention = 0" -c "SELECT pg_reload_conf()" >/dev/null
sleep 0.5
adoption_block=$(q -c "SELECT block_no FROM comply.ledger_entries WHERE entry_id = $entry")
q -c "SELECT * FROM comply.archive_ledger($adoption_block)" >/dev/null
check "after archiving the blocks that hold the adoption, verify_ledger is still clean" \
  [ "$(q -c "SELECT count(*) FROM comply.verify_ledger()")" = 0 ]

echo "upgrade: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
