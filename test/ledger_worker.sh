#!/usr/bin/env bash
# Tests the sealing background workers on a throwaway cluster of their own (the
# regression cluster runs with comply.ledger_worker = off):
#   - entries are sealed within comply.seal_interval, with no call to comply.seal();
#   - a database that installs pg_comply later gets a sealer without a restart;
#   - a long unrelated transaction does not hold back sealing;
#   - a sealer that hits an ERROR (an unusable signing key) is restarted and resumes;
#   - verify_ledger of the latest block, run over and over while 6 clients write a
#     protected table and append (blocks of 100), reports no entry unsealed;
#   - crash: 8 pgbench clients append while the worker seals, then
#     `pg_ctl stop -m immediate` and restart, three times: every committed entry is
#     sealed exactly once and verify_ledger is clean;
#   - a deferred record written with synchronous_commit off survives a crash right
#     after its transaction commits; one never written is reported lost at shutdown;
#   - deferred records on disk without a slot are written straight from their files
#     (2,000 in two drains); a drain cannot be prepared, and one terminated mid-write
#     hands its record back; one whose slot's file cannot be emptied is not written
#     again after a restart; those of a dropped database are removed by the launcher;
#   - records waiting a minute in their slots, unclaimed (two databases nobody drains),
#     are moved by the launcher to files of their own, freeing the slots for the others;
#   - the bound of 10,000 records on disk without a slot counts those earlier runs left;
#   - DROP DATABASE, RENAME and CREATE DATABASE ... TEMPLATE of a database with workers.
# Needs the extension installed. Prints one line per check and "N passed, M failed".
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
export COMPLY_CLUSTER_DIR="$repo/build/ledger-worker-cluster"
conf=$(mktemp)
chmod 644 "$conf"
cat >"$conf" <<'CONF'
comply.seal_interval = '200ms'
log_min_messages = warning
max_worker_processes = 16
max_prepared_transactions = 4
CONF
export COMPLY_PG_CONF="$conf"
scripts/pgcluster.sh destroy
scripts/pgcluster.sh start
trap 'scripts/pgcluster.sh destroy; rm -f "$conf"' EXIT
eval "$(scripts/pgcluster.sh env)"
bindir=$(pg_config --bindir)

# shellcheck source=test/lib.sh
source "$repo/test/lib.sh"
q() { psql -X -q -At -v ON_ERROR_STOP=1 "$@"; }

# Waits up to $2 seconds for query $1 (in database $3) to return t.
wait_for() {
  local query=$1 seconds=$2 db=${3:-postgres} i
  for ((i = 0; i < seconds * 10; i++)); do
    [ "$(q -d "$db" -c "$query")" = t ] && return 0
    sleep 0.1
  done
  return 1
}
all_sealed="SELECT count(*) = (SELECT count(*) FROM comply.ledger_entries) FROM comply.audit_log"

q -d postgres -c "CREATE EXTENSION pg_comply"
q -d postgres -c "SELECT comply.audit('boot', 'worker test')" >/dev/null
check "an append is sealed by the worker within seconds" wait_for "$all_sealed" 10

# A database created and given the extension now gets its own sealer.
q -d postgres -c "CREATE DATABASE later"
q -d later -c "CREATE EXTENSION pg_comply"
q -d later -c "SELECT comply.audit('first', 'in a later database')" >/dev/null
check "a database that installs pg_comply later is sealed without a restart" \
  wait_for "$all_sealed" 20 later
check "each database has its own sealer" \
  wait_for "SELECT count(*) >= 2 FROM pg_stat_activity WHERE backend_type = 'pg_comply sealer'" 10

# SIGTERM stops a sealer promptly; the launcher starts a new one.
old_pid=$(q -d postgres -c "SELECT pid FROM pg_stat_activity WHERE backend_type = 'pg_comply sealer' AND datname = 'postgres'")
q -d postgres -c "SELECT pg_terminate_backend($old_pid)" >/dev/null
check "SIGTERM stops the sealer at once" \
  wait_for "SELECT NOT EXISTS (SELECT 1 FROM pg_stat_activity WHERE pid = $old_pid)" 2
q -d postgres -c "SELECT comply.audit('after', 'sigterm')" >/dev/null
check "a new sealer takes over and seals" wait_for "$all_sealed" 15

# A long transaction (30 s) that wrote elsewhere does not hold back sealing; the crash
# test below runs while it is still open.
q -d postgres -c "CREATE TABLE bulk_load (x int)"
psql -X -q -d postgres -c "BEGIN; INSERT INTO bulk_load VALUES (1); SELECT pg_sleep(30); COMMIT;" >/dev/null &
long=$!
sleep 1
q -d postgres -c "SELECT comply.audit('during', 'long transaction')" >/dev/null
check "entries are sealed while a long transaction stays open" wait_for "$all_sealed" 3

# Two-phase commit: entries of a prepared transaction become visible at COMMIT PREPARED,
# which runs no callback of the appending session; the sealer watches the transaction.
# Later appends are sealed meanwhile; once committed, the prepared entries are sealed in
# the next round (not at the next full search, a minute later), and verify_ledger never
# takes them for entries a seal skipped.
q -d postgres -c "BEGIN" -c "SELECT comply.audit('two-phase', 'prepared')" -c "PREPARE TRANSACTION 'comply_2pc'" >/dev/null
q -d postgres -c "BEGIN" -c "SELECT comply.audit('two-phase', 'rolled back')" -c "PREPARE TRANSACTION 'comply_2pc_rb'" >/dev/null
for i in 1 2 3; do q -d postgres -c "SELECT comply.audit('two-phase', 'meanwhile $i')" >/dev/null; sleep 0.3; done
check "entries appended while a transaction is prepared are sealed" wait_for "$all_sealed" 3
q -d postgres -c "ROLLBACK PREPARED 'comply_2pc_rb'"
q -d postgres -c "COMMIT PREPARED 'comply_2pc'"
q -d postgres -c "SELECT comply.audit('two-phase', 'after')" >/dev/null
check "a prepared transaction's entries are sealed once it commits" wait_for "$all_sealed" 3
check "... and verify_ledger never reported them unsealed" \
  wait_for "SELECT count(*) = 0 FROM comply.verify_ledger() WHERE problem = 'entry not sealed'" 1
check "the rolled-back prepared transaction left no entry" \
  wait_for "SELECT count(*) = 0 FROM comply.audit_log WHERE object = 'rolled back'" 1

# A transaction that raises an alert can be prepared: alerts are announced (NOTIFY
# comply_alerts) when a transaction commits, and not by a prepared one, which PostgreSQL
# refuses to prepare once it notified (a GRANT on a protected table in a two-phase
# transaction failed at PREPARE). Its alert is in comply.alerts once committed. And an
# alert raised in a subtransaction rolled back is not announced.
q -d postgres -c "CREATE TABLE two_phase (id int PRIMARY KEY, n text)" \
  -c "SELECT comply.protect('two_phase', '{\"columns\": {\"n\": {\"redact\": true}}}')" >/dev/null
check "a GRANT on a protected table (drift, an alert) in a transaction that is prepared" \
  q -d postgres -c "BEGIN" -c "GRANT SELECT ON two_phase TO PUBLIC" -c "PREPARE TRANSACTION 'comply_2pc_grant'"
q -d postgres -c "COMMIT PREPARED 'comply_2pc_grant'" >/dev/null
check "... its alert is in comply.alerts once committed" \
  wait_for "SELECT count(*) = 1 FROM comply.alerts WHERE kind = 'drift' AND message LIKE '%two_phase%(GRANT)%'" 1
psql -X -d postgres -c "LISTEN comply_alerts" -c "SELECT pg_sleep(3)" >"$COMPLY_CLUSTER_DIR/listen.out" 2>&1 &
listener=$!
sleep 1
q -d postgres -c "BEGIN" -c "SAVEPOINT s" -c "REVOKE SELECT ON two_phase FROM PUBLIC" \
  -c "ROLLBACK TO SAVEPOINT s" -c "COMMIT" >/dev/null
q -d postgres -c "REVOKE SELECT ON two_phase FROM PUBLIC" >/dev/null
wait "$listener" || true
check "an alert is announced at commit, one rolled back with its subtransaction is not" \
  [ "$(grep -c 'comply_alerts' "$COMPLY_CLUSTER_DIR/listen.out")" = 1 ]
q -d postgres -c "SELECT comply.unprotect('two_phase')" -c "DROP TABLE two_phase" >/dev/null

# A burst of rejected rows: 8 sessions each have a row rejected 2,000 times in a loop.
# Rejections reach the ledger through the job worker (their transactions roll back),
# by 64 hand-over slots in shared memory; when all are taken, the rejecting session
# waits for the worker rather than losing the entry.
q -d postgres -c "SELECT comply.register_schema('flood', '{\"type\": \"object\", \"required\": [\"email\"]}')" \
  -c "CREATE TABLE flood (id serial PRIMARY KEY, doc jsonb)" \
  -c "SELECT comply.protect('flood', '{\"columns\": {\"doc\": {\"validate\": \"flood\"}}}')" >/dev/null
lost_before=$(grep -c "could not be recorded" "$(scripts/pgcluster.sh log)" || true)
for i in 1 2 3 4 5 6 7 8; do
  q -d postgres -c "DO \$\$ BEGIN FOR i IN 1..2000 LOOP
                     BEGIN INSERT INTO flood (doc) VALUES ('{}'); EXCEPTION WHEN check_violation THEN NULL; END;
                   END LOOP; END \$\$" &
done
wait
check "a burst of 16,000 rejected rows from 8 sessions: every one reaches the ledger" \
  wait_for "SELECT count(*) = 16000 FROM comply.audit_log WHERE action = 'protect.rejected' AND object = 'public.flood'" 30
check "... and none is reported lost in the server log" \
  [ "$(grep -c "could not be recorded" "$(scripts/pgcluster.sh log)" || true)" = "$lost_before" ]
check "... and all are sealed" wait_for "$all_sealed" 30

# Reads of a table whose policy has "audit_reads" reach the ledger through the job
# worker too: from a read-only transaction, and from one that rolls back.
q -d postgres -c "CREATE TABLE charts (id int PRIMARY KEY, note text)" \
  -c "INSERT INTO charts SELECT g, 'note ' || g FROM generate_series(1, 5) g" \
  -c "SELECT comply.protect('charts', '{\"audit_reads\": true}')" >/dev/null
q -d postgres -c "BEGIN READ ONLY" -c "SELECT count(*) FROM charts" -c "COMMIT" >/dev/null
q -d postgres -c "BEGIN" -c "SELECT id FROM charts WHERE id < 3" -c "ROLLBACK" >/dev/null
check "reads of an audited table reach the ledger (read-only and rolled-back transactions)" \
  wait_for "SELECT array_agg((details ->> 'rows')::int ORDER BY id) = '{1,2}' FROM comply.audit_log WHERE action = 'SELECT' AND object = 'public.charts'" 10

# A database its DBA made read-only (a maintenance window, a reporting copy) is still
# read: its workers, which start with the database's settings, must still record the
# reads and seal them. (They died on their first write before.)
q -d postgres -c "ALTER DATABASE postgres SET default_transaction_read_only = on"
workers="backend_type IN ('pg_comply sealer', 'pg_comply job worker') AND datname = 'postgres'"
old_pids=$(q -d postgres -c "SELECT string_agg(pid::text, ',') FROM pg_stat_activity WHERE $workers")
q -d postgres -c "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE $workers" >/dev/null
rw() { PGOPTIONS="-c default_transaction_read_only=off" "$@"; }
check "in a read-only database, new workers start and stay up" \
  rw wait_for "SELECT count(*) = 2 FROM pg_stat_activity WHERE $workers AND pid NOT IN ($old_pids)
               AND backend_start < now() - interval '1 second'" 20
before=$(q -d postgres -c "SELECT max(id) FROM comply.audit_log")
q -d postgres -c "SELECT note FROM charts WHERE id = 4" >/dev/null
check "... and a read there reaches the ledger and is sealed" \
  rw wait_for "SELECT count(*) = 1 FROM comply.audit_log WHERE id > $before AND action = 'SELECT'
                  AND object = 'public.charts' AND (details ->> 'rows')::int = 1
               AND ($all_sealed)" 15
q -d postgres -c "SET default_transaction_read_only = off" -c "ALTER DATABASE postgres RESET default_transaction_read_only"
# Nor do memory limits meant for applications stop the sealer: with a tiny work_mem and
# no temporary files allowed, a round of thousands of entries failed at every start.
q -d postgres -c "ALTER DATABASE postgres SET work_mem = '64kB'" -c "ALTER DATABASE postgres SET temp_file_limit = 0"
old_pids=$(q -d postgres -c "SELECT string_agg(pid::text, ',') FROM pg_stat_activity WHERE $workers")
PGOPTIONS="-c temp_file_limit=-1 -c work_mem=4MB" q -d postgres -c "SELECT comply.audit('limits', 'x') FROM generate_series(1, 20000)" >/dev/null
q -d postgres -c "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE $workers" >/dev/null
check "with work_mem 64kB and temp_file_limit 0 for the database, a backlog of 20,000 entries is sealed" \
  wait_for "SELECT ($all_sealed) AND EXISTS (SELECT 1 FROM pg_stat_activity WHERE $workers AND pid NOT IN ($old_pids))" 60
q -d postgres -c "ALTER DATABASE postgres RESET work_mem" -c "ALTER DATABASE postgres RESET temp_file_limit"

# A sealer that fails (unusable signing key) is restarted, and resumes once fixed.
badkey="$COMPLY_CLUSTER_DIR/data/bad_key.pem"
echo "not a key at all, just some text" >"$badkey"
chmod 600 "$badkey"
[ "$(id -u)" -ne 0 ] || chown postgres "$badkey"
q -d postgres -c "ALTER SYSTEM SET comply.ledger_signing_key_file = '$badkey'" -c "SELECT pg_reload_conf()" >/dev/null
sleep 0.5
q -d postgres -c "SELECT comply.audit('while', 'key is bad')" >/dev/null
sleep 1.5
check "a failing sealer seals nothing" wait_for "SELECT NOT ($all_sealed)" 2
goodkey="$COMPLY_CLUSTER_DIR/data/ledger.pem"
scripts/pgcluster.sh key ledger.pem "$(openssl genpkey -algorithm ed25519)"
q -d postgres -c "ALTER SYSTEM SET comply.ledger_signing_key_file = '$goodkey'" -c "SELECT pg_reload_conf()" >/dev/null
check "the restarted sealer resumes once the key is fixed" wait_for "$all_sealed" 30
check "its blocks are signed" \
  wait_for "SELECT bool_and(signature IS NOT NULL) FROM comply.ledger_blocks WHERE block_no = (SELECT max(block_no) FROM comply.ledger_blocks)" 2

# verify_ledger under load: 6 sessions write a protected table and append while a
# seventh verifies the latest block over and over, with small blocks (many to a round).
# A block whose candidates included entries sealed already (fewer entries than a batch,
# though its search stopped at one) made verify_ledger report the entries the round's
# next block sealed as "entry not sealed" (thousands of rows, an alert from
# run_controls).
q -d postgres -c "ALTER SYSTEM SET comply.seal_batch = 100" -c "SELECT pg_reload_conf()" -c "CREATE DATABASE verify_load" >/dev/null
q -d verify_load -c "CREATE EXTENSION pg_comply" -c "CREATE TABLE load_t (id bigserial PRIMARY KEY, notes text)" \
  -c "SELECT comply.protect('load_t', '{\"columns\": {\"notes\": {\"redact\": true}}}')" \
  -c "CREATE TABLE verify_results AS SELECT * FROM comply.verify_ledger() LIMIT 0" >/dev/null
load=$(mktemp); verify=$(mktemp)
chmod 644 "$load" "$verify"
printf "INSERT INTO load_t (notes) VALUES ('SSN 536-22-8714');\nSELECT comply.audit('load', 'o', '{}');\n" >"$load"
echo "INSERT INTO verify_results SELECT * FROM comply.verify_ledger((SELECT max(block_no) FROM comply.ledger_blocks));" >"$verify"
pgbench -n -c 6 -j 3 -T 10 -f "$load" verify_load >/dev/null 2>&1 &
verifies=$(pgbench -n -c 1 -T 10 -f "$verify" verify_load 2>/dev/null | sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p')
wait
check "verify_ledger under load ran (${verifies:-0} times) and found no entry unsealed" \
  bash -c '[ "$1" -gt 10 ] && [ "$2" = 0 ]' _ "${verifies:-0}" \
  "$(q -d verify_load -c "SELECT count(*) FROM verify_results WHERE problem = 'entry not sealed'")"
check "... and every entry is sealed once the load stops" wait_for "$all_sealed" 30 verify_load
q -d postgres -c "ALTER SYSTEM RESET comply.seal_batch" -c "SELECT pg_reload_conf()" -c "DROP DATABASE verify_load WITH (FORCE)" >/dev/null
rm -f "$load" "$verify"

# Crash test: 8 clients append while the worker seals; immediate stops in between.
script=$(mktemp)
chmod 644 "$script"
echo "SELECT comply.audit('pgbench', 'client ' || :client_id, jsonb_build_object('n', :client_id));" >"$script"
for round in 1 2 3; do
  pgbench -n -c 8 -j 2 -T 4 -f "$script" postgres >/dev/null 2>&1 &
  bench=$!
  sleep 2.5
  "${as_pg[@]}" "$bindir/pg_ctl" -D "$COMPLY_CLUSTER_DIR/data" -m immediate -w stop >/dev/null
  wait "$bench" || true
  scripts/pgcluster.sh start
done
rm -f "$script"
check "after three immediate stops, every committed entry is sealed" wait_for "$all_sealed" 30
check "... exactly once" \
  wait_for "SELECT count(*) = count(DISTINCT entry_id) FROM comply.ledger_entries" 2
check "... in blocks numbered without gaps" \
  wait_for "SELECT max(block_no) = count(*) FROM comply.ledger_blocks" 2
# Blocks sealed before the signing key was set are reported unsigned; nothing else.
check "verify_ledger is clean" wait_for "SELECT count(*) = 0 FROM comply.verify_ledger() WHERE detail <> 'block is not signed'" 2
q -d postgres -c "SELECT problem, detail, count(*) FROM comply.verify_ledger() GROUP BY 1, 2"

# A digest is only ever of a block on disk: the sealer commits with synchronous_commit
# on, whatever the server's. With it off and the WAL writer stopped, a block sealed and
# digested, then lost in a crash, would be sealed again under its number with another
# hash, and the digest kept outside would fail as a tail cut off the ledger does.
# Stops the WAL writer (nothing flushes WAL in the background any more).
stop_wal_writer() {
  kill -STOP "$(q -d postgres -c "SELECT pid FROM pg_stat_activity WHERE backend_type = 'walwriter'")"
}
# Kills the postmaster and every child at once (the stopped WAL writer included), as a
# power loss would, and starts the cluster again.
crash_and_restart() {
  local postmaster i
  postmaster=$(head -1 "$COMPLY_CLUSTER_DIR/data/postmaster.pid")
  kill -9 "$postmaster" $(pgrep -P "$postmaster") 2>/dev/null || true
  for ((i = 0; i < 50; i++)); do kill -0 "$postmaster" 2>/dev/null || break; sleep 0.1; done
  scripts/pgcluster.sh start
}
q -d postgres -c "ALTER SYSTEM SET synchronous_commit = off" -c "SELECT pg_reload_conf()" >/dev/null
sleep 0.5
stop_wal_writer
q -d postgres -c "SELECT comply.audit('digest-durability', 'crash test')" >/dev/null
wait_for "$all_sealed" 10 || true
digest=$(q -d postgres -c "SELECT comply.ledger_digest()")
crash_and_restart
check "a digest taken with synchronous_commit off still verifies after a crash" \
  wait_for "SELECT comply.verify_digest('$digest'::jsonb)" 5
# A block sealed by comply.seal() commits with the caller's synchronous_commit: the
# digest flushes the WAL before it answers (the sealer stopped, so that seal() does it).
q -d postgres -c "ALTER SYSTEM SET comply.ledger_worker = off" -c "SELECT pg_reload_conf()" >/dev/null
wait_for "SELECT count(*) = 0 FROM pg_stat_activity WHERE backend_type = 'pg_comply sealer'" 15 || true
stop_wal_writer
q -d postgres -c "SELECT comply.audit('digest-durability', 'seal() crash test')" -c "SELECT comply.seal()" >/dev/null
digest=$(q -d postgres -c "SELECT comply.ledger_digest()")
crash_and_restart
check "... and one of a block sealed by comply.seal() in such a session" \
  wait_for "SELECT comply.verify_digest('$digest'::jsonb)" 5
q -d postgres -c "ALTER SYSTEM RESET synchronous_commit" -c "ALTER SYSTEM RESET comply.ledger_worker" \
  -c "SELECT pg_reload_conf()" >/dev/null
# Offline: the export checks with pg_comply_verify against the digest and the public key
# (the blocks sealed before the key was set are left out: they are unsigned).
export_file=$(mktemp)
digest_file=$(mktemp)
first_signed=$(q -d postgres -c "SELECT min(block_no) FROM comply.ledger_blocks WHERE signature IS NOT NULL")
q -d postgres -c "SELECT comply.audit('prüfung', 'tabelle_ß', '{\"note\": \"Größe 😀 日本\"}')" >/dev/null
q -d postgres -c "SELECT comply.seal()" >/dev/null
q -d postgres -c "SELECT l FROM comply.export_ledger($first_signed) l" >"$export_file"
q -d postgres -c "SELECT comply.ledger_digest()" >"$digest_file"
pubkey=$(q -d postgres -c "SELECT comply.ledger_public_key()")
verify="$(pg_config --bindir)/pg_comply_verify"
check "pg_comply_verify accepts the export, digest and key" \
  "$verify" --ledger "$export_file" --digest "$digest_file" --public-key "$pubkey"
# Characters outside ASCII are \u escapes: a client in another encoding (Latin-1, which
# has no 日) reads the same bytes.
check "the export is ASCII, and the same bytes for a Latin-1 client" \
  bash -c 'grep -q "pr\\\\u00fcfung" "$1" && ! LC_ALL=C grep -q "[^[:print:][:space:]]" "$1" &&
           PGCLIENTENCODING=LATIN1 psql -X -q -At -d postgres -c "SELECT l FROM comply.export_ledger($2) l" | cmp -s - "$1"' \
  _ "$export_file" "$first_signed"
# What the hashes do not cover must not pass for sealed: a key twice in a line (a forged
# value first, the sealed one last), a member outside the encoding, an integer as a string.
tampered=$(mktemp)
for edit in '0,/"action":/s//"action":"forged","action":/' '0,/"type":"entry",/s//"type":"entry","approved_by":"ceo",/' \
            '0,/"type":"block",/s//"type":"block","approved":true,/' '0,/"id":\([0-9]*\),/s//"id":"\1",/'; do
  sed "$edit" "$export_file" >"$tampered"
  check "pg_comply_verify refuses an export edited with sed '$edit'" \
    bash -c '! "$0" --ledger "$1" --public-key "$2" >/dev/null && ! cmp -s "$1" "$3"' "$verify" "$tampered" "$pubkey" "$export_file"
done
rm -f "$tampered"
sed -i '0,/"action":"pgbench"/s//"action":"pgbenck"/' "$export_file"
check "pg_comply_verify refuses an altered export" \
  bash -c '! "$0" --ledger "$1" --public-key "$2" >/dev/null' "$verify" "$export_file" "$pubkey"

# Key rotation: a new signing key file; the blocks the old key signed verify again once
# that key is listed in comply.ledger_trusted_keys, in the server and offline.
oldkey="$pubkey"
scripts/pgcluster.sh key ledger2.pem "$(openssl genpkey -algorithm ed25519)"
q -d postgres -c "ALTER SYSTEM SET comply.ledger_signing_key_file = '$COMPLY_CLUSTER_DIR/data/ledger2.pem'" \
  -c "SELECT pg_reload_conf()" >/dev/null
sleep 0.5
q -d postgres -c "SELECT comply.audit('after', 'key rotation')" >/dev/null
check "entries after a key rotation are sealed" wait_for "$all_sealed" 30
newkey=$(q -d postgres -c "SELECT comply.ledger_public_key()")
check "the new block names the new key" wait_for \
  "SELECT encode(signer_key, 'hex') = '$newkey' AND '$newkey' <> '$oldkey' FROM comply.ledger_blocks ORDER BY block_no DESC LIMIT 1" 2
check "the old key's blocks do not verify while it is not trusted" wait_for \
  "SELECT count(*) > 0 FROM comply.verify_ledger() WHERE detail LIKE 'signed by key ${oldkey:0:16}...%'" 2
q -d postgres -c "ALTER SYSTEM SET comply.ledger_trusted_keys = '$oldkey'" -c "SELECT pg_reload_conf()" >/dev/null
check "with the old key trusted, verify_ledger is clean" wait_for \
  "SELECT count(*) = 0 FROM comply.verify_ledger() WHERE detail <> 'block is not signed'" 5
q -d postgres -c "SELECT l FROM comply.export_ledger($first_signed) l" >"$export_file"
check "pg_comply_verify accepts both keys' blocks given both keys" \
  "$verify" --ledger "$export_file" --public-key "$oldkey" --public-key "$newkey"
check "... and refuses them given the new key alone" \
  bash -c '! "$0" --ledger "$1" --public-key "$2" >/dev/null' "$verify" "$export_file" "$newkey"
rm -f "$export_file" "$digest_file"

echo "entries: $(q -d postgres -c 'SELECT count(*) FROM comply.audit_log'), blocks: $(q -d postgres -c 'SELECT count(*) FROM comply.ledger_blocks')"

# The workers run as a superuser: a database owner (no superuser) who puts a schema of
# their own before pg_catalog in the database's search_path, with functions and
# operators of the names the workers' queries use, must not get them run with the
# workers' rights.
q -d postgres -c "CREATE ROLE mallory LOGIN" -c "CREATE DATABASE mallorydb OWNER mallory"
q -d mallorydb -c "CREATE EXTENSION pg_comply"
q -d mallorydb -U mallory <<'SQL'
CREATE SCHEMA evil;
CREATE FUNCTION evil.pwn() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('is_superuser') = 'on' AND session_user <> 'mallory' THEN
    EXECUTE 'ALTER ROLE mallory SUPERUSER';
  END IF;
END $$;
CREATE FUNCTION evil.now() RETURNS timestamptz LANGUAGE plpgsql AS $$ BEGIN PERFORM evil.pwn(); RETURN pg_catalog.now(); END $$;
CREATE FUNCTION evil.clock_timestamp() RETURNS timestamptz LANGUAGE plpgsql AS $$ BEGIN PERFORM evil.pwn(); RETURN pg_catalog.clock_timestamp(); END $$;
CREATE FUNCTION evil.ge(bigint, bigint) RETURNS boolean LANGUAGE plpgsql AS $$ BEGIN PERFORM evil.pwn(); RETURN $1 OPERATOR(pg_catalog.>=) $2; END $$;
CREATE FUNCTION evil.eq(bigint, bigint) RETURNS boolean LANGUAGE plpgsql AS $$ BEGIN PERFORM evil.pwn(); RETURN $1 OPERATOR(pg_catalog.=) $2; END $$;
CREATE OPERATOR evil.>= (LEFTARG = bigint, RIGHTARG = bigint, FUNCTION = evil.ge);
CREATE OPERATOR evil.= (LEFTARG = bigint, RIGHTARG = bigint, FUNCTION = evil.eq);
ALTER DATABASE mallorydb SET search_path = evil, pg_catalog;
SQL
q -d postgres -c "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = 'mallorydb' AND backend_type LIKE 'pg_comply%'" >/dev/null
sleep 1
q -d mallorydb -U mallory -c "SELECT comply.audit('x', 'by the owner')" >/dev/null
check "a database owner's search_path does not run their code as the workers' superuser" \
  bash -c 'sleep 5; [ "$(psql -X -At -d postgres -c "SELECT rolsuper FROM pg_roles WHERE rolname = '"'mallory'"'")" = f ]'
# (Checked with a search_path of our own: the test's superuser session would run them too.)
check "... and the owner's database is sealed all the same" \
  env PGOPTIONS="-c search_path=pg_catalog" bash -c 'for i in $(seq 150); do
    [ "$(psql -X -At -d mallorydb -c "SELECT count(*) = (SELECT count(*) FROM comply.ledger_entries) FROM comply.audit_log")" = t ] && exit 0
    sleep 0.1; done; exit 1'

# A transaction prepared before a restart (the registry of prepared transactions is in
# shared memory): the new sealer registers it, and seals its entries once it commits.
q -d postgres -c "BEGIN" -c "SELECT comply.audit('two-phase', 'prepared before a restart')" \
  -c "PREPARE TRANSACTION 'comply_2pc_restart'" >/dev/null
scripts/pgcluster.sh stop >/dev/null; scripts/pgcluster.sh start >/dev/null
q -d postgres -c "SELECT comply.audit('two-phase', 'after the restart')" >/dev/null
sleep 1
q -d postgres -c "COMMIT PREPARED 'comply_2pc_restart'"
for i in 1 2 3; do q -d postgres -c "SELECT comply.audit('two-phase', 'after commit $i')" >/dev/null; sleep 0.5; done
check "a transaction prepared before a restart is sealed once it commits" wait_for "$all_sealed" 3
check "... and verify_ledger does not report it unsealed meanwhile" \
  wait_for "SELECT count(*) = 0 FROM comply.verify_ledger() WHERE problem = 'entry not sealed'" 1

# Records handed to a job worker that never ran (comply.ai_worker off) outlive the
# server: each is also in a file of its own (pg_stat_tmp/pg_comply), which the postmaster
# counts in the server log when it stops, and the first drain after the restart writes.
rejected="SELECT count(*) FROM comply.audit_log WHERE action = 'protect.rejected'"
spool="$COMPLY_CLUSTER_DIR/data/pg_stat_tmp/pg_comply"
q -d postgres -c "ALTER SYSTEM SET comply.ai_worker = off" >/dev/null
scripts/pgcluster.sh stop >/dev/null; scripts/pgcluster.sh start >/dev/null
q -c "SELECT comply.register_schema('needs_a', '{\"type\": \"object\", \"required\": [\"a\"]}')" \
  -c "CREATE TABLE undelivered (id int PRIMARY KEY, doc jsonb)" \
  -c "SELECT comply.protect('undelivered', '{\"columns\": {\"doc\": {\"validate\": \"needs_a\"}}}')" >/dev/null
rejected_before=$(q -c "$rejected")
# (From a client whose application_name holds an e-mail address: the ledger stores it
# redacted, and the record waiting on disk holds it redacted already.)
PGAPPNAME='batch for grace.hopper@example.org' q -c "INSERT INTO undelivered VALUES (1, '{}')" >/dev/null 2>&1 || true
check "a rejected row waiting for the job worker is also on disk" \
  bash -c "[ \$(cat '$spool'/*.rec | grep -ao 'PGCOMPLY-DEFERRED 1 L' | wc -l) = 1 ]"
check "... without the client's application_name in clear" \
  bash -c "cat '$spool'/*.rec | grep -aqF 'batch for [EMAIL_ADDRESS]' && ! cat '$spool'/*.rec | grep -aq 'grace.hopper'"
scripts/pgcluster.sh stop >/dev/null
check "a record the job worker never wrote is kept on disk when the server stops" \
  grep -q "pg_comply: 1 deferred record .* is kept in pg_stat_tmp/pg_comply" "$(scripts/pgcluster.sh log)"
scripts/pgcluster.sh start >/dev/null
check "... check_server counts it as on disk" \
  wait_for "SELECT (evidence->>'records_on_disk')::int = 1 FROM comply.check_server() WHERE check_name = 'workers'" 1
q -c "SELECT comply.run_jobs()" >/dev/null
check "... and the first drain after the restart writes it to the ledger" \
  wait_for "SELECT ($rejected) = $rejected_before + 1" 1
check "... after which no live record is left on disk" \
  bash -c "[ \$(cat '$spool'/*.rec | grep -ao 'PGCOMPLY-DEFERRED 1 L' | wc -l) = 0 ]"
check "... with who was refused, from the session that tried" \
  wait_for "SELECT session_user_name = current_user FROM comply.audit_log WHERE action = 'protect.rejected'
              ORDER BY id DESC LIMIT 1" 1
check "... and its application_name, redacted" \
  wait_for "SELECT application_name = 'batch for [EMAIL_ADDRESS]' FROM comply.audit_log
             WHERE action = 'protect.rejected' ORDER BY id DESC LIMIT 1" 1
# Redacted once, in the session: the job worker stores it as it is (a second pass of the
# detector over a redacted name can change it), so it reads as the session's own entries.
odd_app='Dear +31 20 123 4567 131052-308T Doe'
PGAPPNAME="$odd_app" q -c "INSERT INTO undelivered VALUES (2, '{}')" >/dev/null 2>&1 || true
PGAPPNAME="$odd_app" q -c "SELECT comply.audit('app.direct', 'x')" >/dev/null
q -c "SELECT comply.run_jobs()" >/dev/null
check "... the same application_name in a deferred entry as in the session's own" \
  wait_for "SELECT (SELECT application_name FROM comply.audit_log WHERE action = 'protect.rejected' ORDER BY id DESC LIMIT 1)
                 = (SELECT application_name FROM comply.audit_log WHERE action = 'app.direct' ORDER BY id DESC LIMIT 1)" 2

# A crash (a backend killed: the postmaster reinitializes shared memory) loses nothing
# either: the records handed over before it are taken back by the first drain after it.
rejected_before=$(q -c "$rejected")
q -c "DO \$\$ BEGIN FOR i IN 1..3 LOOP
        BEGIN INSERT INTO undelivered VALUES (10 + i, '{}'); EXCEPTION WHEN check_violation THEN NULL; END;
      END LOOP; END \$\$" >/dev/null
victim=$(q -c "SELECT pid FROM pg_stat_activity WHERE backend_type = 'checkpointer'")
psql -X -q -c "SELECT pg_sleep(60)" >/dev/null 2>&1 &
sleeper=$!
wait_for "SELECT count(*) = 1 FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(60)'" 5 || true
kill -9 "$(q -c "SELECT pid FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(60)'")"
wait "$sleeper" 2>/dev/null || true
wait_for "SELECT pid <> $victim FROM pg_stat_activity WHERE backend_type = 'checkpointer'" 30 || true
q -c "SELECT comply.run_jobs()" >/dev/null
check "rejected rows waiting when a backend crashed reach the ledger after the restart" \
  wait_for "SELECT ($rejected) = $rejected_before + 3" 5

# A record written in a transaction that commits asynchronously (synchronous_commit off)
# is flushed before its slot is freed: with the WAL writer stopped, nothing else would
# flush it before the crash below, and the slot held the only other copy.
rejected_before=$(q -c "$rejected")
q -c "INSERT INTO undelivered VALUES (2, '{}')" >/dev/null 2>&1 || true
walwriter=$(q -c "SELECT pid FROM pg_stat_activity WHERE backend_type = 'walwriter'")
kill -STOP "$walwriter"
q -c "SET synchronous_commit = off" -c "SELECT comply.run_jobs()" >/dev/null
postmaster=$(head -1 "$COMPLY_CLUSTER_DIR/data/postmaster.pid")
children=$(pgrep -P "$postmaster" | tr '\n' ' ')
# shellcheck disable=SC2086  # a list of pids
kill -9 "$postmaster" $children 2>/dev/null || true
while kill -0 "$postmaster" 2>/dev/null; do sleep 0.1; done
scripts/pgcluster.sh start >/dev/null 2>&1  # (pg_ctl notes the pid file the crash left)
check "a record written with synchronous_commit off survives a crash right after its commit" \
  wait_for "SELECT ($rejected) = $rejected_before + 1" 5
q -c "SELECT comply.run_jobs()" >/dev/null
check "... and is not written twice" \
  wait_for "SELECT ($rejected) = $rejected_before + 1" 1
# With every hand-over slot taken (no worker), rejected rows wait on disk alone, and the
# next drains write them all.
rejected_before=$(q -c "$rejected")
q -c "DO \$\$ BEGIN FOR i IN 1..70 LOOP
        BEGIN INSERT INTO undelivered VALUES (100 + i, '{}'); EXCEPTION WHEN check_violation THEN NULL; END;
      END LOOP; END \$\$" >/dev/null
check "rejected rows beyond the hand-over slots wait on disk (64 slots a database)" \
  bash -c "[ \$(ls '$spool' | grep -cE -- '-d[0-9]+-[0-9]+\\.rec\$') = 6 ]"
q -c "SELECT comply.run_jobs()" >/dev/null
q -c "SELECT comply.run_jobs()" >/dev/null
check "... and reach the ledger, all of them, through two drains" \
  wait_for "SELECT ($rejected) = $rejected_before + 70" 1
check "... after which nothing of them is left on disk (the slots' files zeroed, the others removed)" \
  bash -c "[ \$(cat '$spool'/*.rec | tr -d '\0' | wc -c) = 0 ]"
# With the files unwritable too (a full disk), a rejected row is reported lost in the
# server log; the line must not quote the statement, whose values are the row's.
q -c "DO \$\$ BEGIN FOR i IN 1..64 LOOP
        BEGIN INSERT INTO undelivered VALUES (200 + i, '{}'); EXCEPTION WHEN check_violation THEN NULL; END;
      END LOOP; END \$\$" >/dev/null
chmod 000 "$spool"
q -c "DO \$\$ BEGIN EXECUTE format('INSERT INTO undelivered VALUES (%s, %L)', 1000,
        '{\"ssn\": \"536-22-8714\", \"name\": \"Patient Maria Garcia\"}');
      EXCEPTION WHEN check_violation THEN NULL; END \$\$" >/dev/null
chmod 700 "$spool"
check "a rejected row reported lost (all slots taken, no file) is logged without its statement's values" \
  bash -c "grep -q 'a rejected row could not be recorded' '$(scripts/pgcluster.sh log)' &&
           ! grep -q '536-22-8714' '$(scripts/pgcluster.sh log)'"
q -c "SELECT comply.run_jobs()" >/dev/null

# Records on disk without a slot are written straight from their files: after a burst
# (no job worker: 64 in this database's slots, the rest on disk alone), one drain writes
# 1,024 of them and the slots' 64. (Each drain used to copy at most the database's free
# slots' worth, 64, into slots: thousands took as many calls of comply.run_jobs().)
rejected_before=$(q -c "$rejected")
q -c "DO \$\$ BEGIN FOR i IN 1..2000 LOOP
        BEGIN INSERT INTO undelivered VALUES (10000 + i, '{}'); EXCEPTION WHEN check_violation THEN NULL; END;
      END LOOP; END \$\$" >/dev/null
on_disk_alone() { ls "$spool" | grep -cE -- '-d[0-9]+-[0-9]+\.rec$' || true; }
check "2,000 rejected rows without a job worker: 1,936 wait on disk without a slot" \
  [ "$(on_disk_alone)" = 1936 ]
q -c "BEGIN" -c "SAVEPOINT s" -c "SELECT comply.run_jobs()" -c "ROLLBACK TO SAVEPOINT s" -c "COMMIT" >/dev/null
check "... a drain rolled back to a savepoint puts them back on disk" [ "$(on_disk_alone)" = 1936 ]
q -c "SELECT comply.run_jobs()" >/dev/null
q -c "SELECT comply.run_jobs()" >/dev/null
check "... and two drains then write them all" wait_for "SELECT ($rejected) = $rejected_before + 2000" 1
q -c "SELECT comply.run_jobs()" >/dev/null
check "... once each, with nothing of them left on disk" \
  bash -c "[ \"\$(psql -X -At -c \"$rejected\")\" = $((rejected_before + 2000)) ] &&
           [ \$(cat '$spool'/*.rec | tr -d '\0' | wc -c) = 0 ]"

# A transaction that wrote deferred records cannot be prepared (as one that used a
# temporary table): PREPARE handed them back while COMMIT PREPARED then wrote them, so the
# next drain wrote each of them a second time.
rejected_before=$(q -c "$rejected")
q -c "DO \$\$ BEGIN FOR i IN 1..70 LOOP
        BEGIN INSERT INTO undelivered VALUES (20000 + i, '{}'); EXCEPTION WHEN check_violation THEN NULL; END;
      END LOOP; END \$\$" >/dev/null
check "a transaction that wrote deferred records cannot be prepared (0A000)" \
  bash -c "psql -X -At -v VERBOSITY=sqlstate -c 'BEGIN' -c 'SELECT comply.run_jobs()' \
             -c \"PREPARE TRANSACTION 'comply_2pc_drain'\" 2>&1 | grep -q '^ERROR:  0A000'"
prepared=$(q -c "SELECT count(*) FROM pg_prepared_xacts WHERE gid = 'comply_2pc_drain'")
q -c "SELECT comply.run_jobs()" >/dev/null
# (Had it been prepared, committing it writes its copies of the records too.)
[ "$prepared" = 0 ] || q -c "COMMIT PREPARED 'comply_2pc_drain'" >/dev/null
check "... nothing prepared, and the next drain writes its records once" \
  bash -c "[ $prepared = 0 ] && [ \"\$(psql -X -At -c \"$rejected\")\" = $((rejected_before + 70)) ]"

# A drain ended by FATAL while it writes a record (pg_terminate_backend, here while the
# ledger is locked) hands that record back at exit: it was listed only once written, and
# stayed claimed (a -t file, or a slot taken) and unwritten until a restart.
rejected_before=$(q -c "$rejected")
q -c "DO \$\$ BEGIN FOR i IN 1..70 LOOP
        BEGIN INSERT INTO undelivered VALUES (30000 + i, '{}'); EXCEPTION WHEN check_violation THEN NULL; END;
      END LOOP; END \$\$" >/dev/null
q -c "BEGIN" -c "SET LOCAL lock_timeout = '5s'" -c "LOCK TABLE comply.audit_log IN ACCESS EXCLUSIVE MODE" -c "SELECT pg_sleep(4)" \
  -c "ROLLBACK" >/dev/null &
locker=$!
wait_for "SELECT count(*) = 1 FROM pg_locks WHERE relation = 'comply.audit_log'::regclass AND mode = 'AccessExclusiveLock' AND granted" 3 || true
PGAPPNAME=comply_killed_drain q -c "SELECT comply.run_jobs()" >/dev/null 2>&1 &
drainer=$!
wait_for "SELECT count(*) = 1 FROM pg_stat_activity WHERE application_name = 'comply_killed_drain' AND wait_event_type = 'Lock'" 3 || true
q -c "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'comply_killed_drain'" >/dev/null
wait "$drainer" || true
wait "$locker" || true
q -c "SELECT comply.run_jobs()" >/dev/null
q -c "SELECT comply.run_jobs()" >/dev/null
check "a drain terminated while writing a record: the next drains write all of them, once each" \
  bash -c "[ \"\$(psql -X -At -c \"$rejected\")\" = $((rejected_before + 70)) ] &&
           [ \$(ls '$spool' | grep -c -- '-t[0-9]') = 0 ]"

# A record in the ledger whose slot's file cannot be emptied (here its permissions; a
# process out of file descriptors, an error of the system) is removed instead, and the
# server log says so: it used to stay live there, silently, and a restart wrote it to
# the ledger a second time.
rejected_before=$(q -c "$rejected")
q -c "INSERT INTO undelivered VALUES (3000, '{}')" >/dev/null 2>&1 || true
chmod 444 "$spool"/*-s*.rec
q -c "SELECT comply.run_jobs()" >/dev/null
chmod 600 "$spool"/*-s*.rec
check "a record whose slot's file cannot be emptied is written to the ledger" \
  wait_for "SELECT ($rejected) = $rejected_before + 1" 1
check "... its file removed instead, and the server log says so" \
  bash -c "grep -q 'could not empty the files of 1 deferred records written to the ledger, removed them instead' \
             '$(scripts/pgcluster.sh log)' &&
           [ \$(cat '$spool'/*.rec | grep -ao 'PGCOMPLY-DEFERRED 1 L' | wc -l) = 0 ]"
scripts/pgcluster.sh stop >/dev/null; scripts/pgcluster.sh start >/dev/null
q -c "SELECT comply.run_jobs()" >/dev/null
check "... and a restart does not write it again" wait_for "SELECT ($rejected) = $rejected_before + 1" 1

# Records of a database dropped while they wait can never be written: the launcher
# removes them (in the slots, their files, and those on disk alone) within its naptime,
# with a LOG line giving their count and the database's OID. They used to stay for ever,
# and those on disk alone held places of the cluster's 10,000.
q -c "CREATE DATABASE doomed"
q -d doomed -c "CREATE EXTENSION pg_comply" \
  -c "SELECT comply.register_schema('needs_a', '{\"type\": \"object\", \"required\": [\"a\"]}')" \
  -c "CREATE TABLE undelivered (id int PRIMARY KEY, doc jsonb)" \
  -c "SELECT comply.protect('undelivered', '{\"columns\": {\"doc\": {\"validate\": \"needs_a\"}}}')" >/dev/null
doomed=$(q -c "SELECT oid FROM pg_database WHERE datname = 'doomed'")
q -d doomed -c "DO \$\$ BEGIN FOR i IN 1..70 LOOP
        BEGIN INSERT INTO undelivered VALUES (i, '{}'); EXCEPTION WHEN check_violation THEN NULL; END;
      END LOOP; END \$\$" >/dev/null
live_of() { cat "$spool"/*.rec | grep -ao "PGCOMPLY-DEFERRED 1 L $1 " | wc -l; }
check "a database's 70 records wait in its slots and on disk" [ "$(live_of "$doomed")" = 70 ]
q -c "DROP DATABASE doomed"
check "... once it is dropped, the launcher removes them within seconds" \
  bash -c "for i in \$(seq 250); do [ \$(cat '$spool'/*.rec 2>/dev/null | grep -ao 'PGCOMPLY-DEFERRED 1 L $doomed ' | wc -l) = 0 ] && exit 0; sleep 0.1; done; exit 1"
check "... with a LOG line giving their count and the database's OID, nothing else" \
  grep -q "LOG:  pg_comply: 70 deferred records of database $doomed removed: the database no longer exists\$" \
    "$(scripts/pgcluster.sh log)"

# A database whose records nobody writes (no job worker there, no comply.run_jobs())
# held its 64 slots for ever: two such took all 128, and every other database's records
# then each waited in a file of its own. The launcher moves a record that waited a
# minute in its slot, unclaimed, to a file of its own (in its round, every 10 seconds),
# freeing the slot; the first drains there write each of them once.
make_protected_db() {
  q -c "CREATE DATABASE $1"
  q -d "$1" -c "CREATE EXTENSION pg_comply" \
    -c "SELECT comply.register_schema('needs_a', '{\"type\": \"object\", \"required\": [\"a\"]}')" \
    -c "CREATE TABLE undelivered (id int PRIMARY KEY, doc jsonb)" \
    -c "SELECT comply.protect('undelivered', '{\"columns\": {\"doc\": {\"validate\": \"needs_a\"}}}')" >/dev/null
}
reject_in() {  # reject_in DATABASE FIRST-ID COUNT: that many rows rejected there
  q -d "$1" -c "DO \$\$ BEGIN FOR i IN $2..$(($2 + $3 - 1)) LOOP
        BEGIN INSERT INTO undelivered VALUES (i, '{}'); EXCEPTION WHEN check_violation THEN NULL; END;
      END LOOP; END \$\$" >/dev/null
}
# The hand-over as check_server reports it for database $1: "<in slots>/<on disk>".
handover_of() {
  q -d "$1" -c "SELECT (evidence->>'records_waiting') || '/' || (evidence->>'records_on_disk')
                FROM comply.check_server() WHERE check_name = 'workers'"
}
# Waits up to $3 seconds, polling each second, for handover_of $1 to be $2.
wait_handover() {
  local i
  for ((i = 0; i < $3; i++)); do [ "$(handover_of "$1")" = "$2" ] && return 0; sleep 1; done
  return 1
}
make_protected_db stale_a
make_protected_db stale_b
reject_in stale_a 1 70
reject_in stale_b 1 64
check "two databases nobody drains hold all 128 slots (64 each, and 6 records on disk)" \
  [ "$(handover_of stale_a) $(handover_of stale_b)" = "64/6 64/0" ]
reject_in postgres 40000 1
check "... so another database's rejected row waits in a file of its own" [ "$(handover_of postgres)" = 0/1 ]
q -c "SELECT comply.run_jobs()" >/dev/null
SECONDS=0
check "... until the launcher moves records that waited a minute in their slots to files of their own" \
  wait_handover stale_a 0/70 90
echo "# (moved after ${SECONDS}s)"
check "... both databases' records" wait_handover stale_b 0/64 15
reject_in postgres 40001 1
check "... after which another database's rejected row goes to a slot again" [ "$(handover_of postgres)" = 1/0 ]
q -c "SELECT comply.run_jobs()" >/dev/null
for db in stale_a stale_b; do q -d "$db" -c "SELECT comply.run_jobs()" -c "SELECT comply.run_jobs()" >/dev/null; done
check "... and the drains there write every moved record, once" \
  bash -c "[ \"\$(psql -X -At -d stale_a -c \"$rejected\")/\$(psql -X -At -d stale_b -c \"$rejected\")\" = 70/64 ] &&
           [ \$(cat '$spool'/*.rec | grep -ao 'PGCOMPLY-DEFERRED 1 L' | wc -l) = 0 ]"
q -c "DROP DATABASE stale_a" -c "DROP DATABASE stale_b"

# The bound of 10,000 records on disk without a slot holds across restarts: the records
# earlier runs of the server left on disk count (here a slot's file kept at a stop, and
# 9,999 copies of it under the name of an earlier run's records without a slot). The
# count started from 0 at each start, and restarts without drains piled up any number.
rejected_before=$(q -c "$rejected")
postgres_oid=$(q -c "SELECT oid FROM pg_database WHERE datname = 'postgres'")
reject_in postgres 50000 1
scripts/pgcluster.sh stop >/dev/null
kept=$(grep -la 'PGCOMPLY-DEFERRED 1 L' "$spool"/*-s*.rec)
"${as_pg[@]}" python3 -c '
import sys
data = open(sys.argv[1], "rb").read()
for i in range(1, 10000):
    with open("%s/0000000000000001-d%d-%s.rec" % (sys.argv[2], i, sys.argv[3]), "wb") as f:
        f.write(data)' "$kept" "$spool" "$postgres_oid"
scripts/pgcluster.sh start >/dev/null
lost_before=$(grep -c "a rejected row could not be recorded" "$(scripts/pgcluster.sh log)" || true)
reject_in postgres 50001 65
check "with 10,000 records left on disk by an earlier run, a rejected row finding no slot is refused" \
  [ "$(on_disk_alone)" = 9999 ]
check "... and logged as lost" \
  [ "$(grep -c "a rejected row could not be recorded" "$(scripts/pgcluster.sh log)" || true)" = $((lost_before + 1)) ]
for i in $(seq 1 11); do q -c "SELECT comply.run_jobs()" >/dev/null; done
check "... the drains write them all, once" wait_for "SELECT ($rejected) = $rejected_before + 10064" 1
reject_in postgres 51000 65
check "... after which a rejected row finding no slot waits on disk again" [ "$(on_disk_alone)" = 1 ]
q -c "SELECT comply.run_jobs()" -c "SELECT comply.run_jobs()" >/dev/null
check "... and is written with the others, nothing left on disk" \
  bash -c "[ \"\$(psql -X -At -c \"$rejected\")\" = $((rejected_before + 10064 + 65)) ] &&
           [ \$(cat '$spool'/*.rec | grep -ao 'PGCOMPLY-DEFERRED 1 L' | wc -l) = 0 ]"

q -d postgres -c "ALTER SYSTEM RESET comply.ai_worker" >/dev/null

# Commands that need a database to themselves find its workers gone: they stay connected,
# and DROP DATABASE (without FORCE), RENAME and CREATE DATABASE ... TEMPLATE waited 5 s
# for them and failed ("being accessed by other users").
workers_in() {
  wait_for "SELECT count(*) > 0 FROM pg_stat_activity WHERE datname = '$1' AND backend_type LIKE 'pg_comply%'" 20
}
q -d postgres -c "CREATE DATABASE busy"
q -d busy -c "CREATE EXTENSION pg_comply" -c "SELECT comply.audit('busy', 'a database with workers')" >/dev/null
workers_in busy
wait_for "$all_sealed" 10 busy || true
check "CREATE DATABASE ... TEMPLATE a database with pg_comply's workers" \
  q -d postgres -c "CREATE DATABASE busy_copy TEMPLATE busy"
# The copy holds its template's ledger; the node its blocks name is the database too, so
# it does not continue that chain unnoticed: adopt_node() records the copy.
q -d busy_copy -c "SELECT comply.audit('busy', 'in the copy')" >/dev/null
check "a copy's first block is reported as sealed by another node" \
  wait_for "SELECT ($all_sealed) AND (SELECT count(*) = 1 AND bool_and(problem = 'chain broken')
              FROM comply.verify_ledger() WHERE detail <> 'block is not signed')" 15 busy_copy
check "... until the copy adopts the chain" \
  bash -c '[ "$(psql -X -At -d busy_copy -c "SELECT comply.adopt_node() > 0")" = t ]'
check "... after which verify_ledger is clean" \
  wait_for "SELECT ($all_sealed) AND NOT EXISTS (SELECT 1 FROM comply.verify_ledger()
              WHERE detail <> 'block is not signed')" 15 busy_copy
q -d busy -c "SELECT comply.audit('busy', 'asks for a sealer again')" >/dev/null
workers_in busy
check "ALTER DATABASE ... RENAME TO of one" q -d postgres -c "ALTER DATABASE busy RENAME TO busy_renamed"
q -d busy_renamed -c "SELECT comply.audit('busy', 'renamed')" >/dev/null
workers_in busy_renamed
check "... whose workers seal again afterwards" \
  wait_for "SELECT count(*) = (SELECT count(*) FROM comply.ledger_entries) FROM comply.audit_log" 10 busy_renamed
check "DROP DATABASE of one" q -d postgres -c "DROP DATABASE busy_renamed"
q -d postgres -c "DROP DATABASE busy_copy WITH (FORCE)"

# More databases than places for workers (64): the first rows of pg_database, with
# pg_comply or not, took every place, and a database past them was never sealed (its
# rejected rows and reads waited in shared memory). Those without it now take no place
# once tried, and one whose append finds no sealer goes first.
for i in $(seq 1 66); do echo "CREATE DATABASE crowd_$i;"; done | q -d postgres
q -d postgres -c "CREATE DATABASE crowd_late"
q -d crowd_late -c "CREATE EXTENSION pg_comply" \
  -c "SELECT comply.audit('crowd', 'after 66 databases without pg_comply')" >/dev/null
SECONDS=0
check "a database after 66 without pg_comply gets its sealer" wait_for "$all_sealed" 60 crowd_late
echo "# (sealed after ${SECONDS}s)"
for i in $(seq 1 66); do echo "DROP DATABASE crowd_$i WITH (FORCE);"; done | q -d postgres
q -d postgres -c "DROP DATABASE crowd_late WITH (FORCE)"

echo "ledger workers: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
