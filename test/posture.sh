#!/usr/bin/env bash
# Tests comply.check_server() on two throwaway clusters: one configured to pass every
# check (SSL with TLS 1.3 only, scram-sha-256, no weak pg_hba rules, data checksums, no
# statement logging, one superuser, protected tables closed to PUBLIC, strict secret
# files, an https AI endpoint) and one configured to fail each of them. Every check must
# have the expected status on each cluster, and no evidence may carry a secret.
# Needs the extension installed. Prints one line per check and "N passed, M failed".
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
work=$(mktemp -d)
chmod 755 "$work"
clusters=()
cleanup() {
  for c in "${clusters[@]}"; do COMPLY_CLUSTER_DIR=$c scripts/pgcluster.sh destroy >/dev/null 2>&1 || true; done
  [ "${COMPLY_TEST_KEEP:-0}" = 1 ] || rm -rf "$work"
}
trap cleanup EXIT

# shellcheck source=test/lib.sh
source "$repo/test/lib.sh"

# --- The strict cluster -------------------------------------------------------------
strict="$repo/build/posture-strict-cluster"
clusters+=("$strict")
cat >"$work/strict.conf" <<'CONF'
ssl = on
ssl_cert_file = 'server.crt'
ssl_key_file = 'server.key'
ssl_min_protocol_version = 'TLSv1.3'
password_encryption = 'scram-sha-256'
log_statement = 'none'
log_min_duration_statement = -1
log_min_error_statement = panic
log_error_verbosity = terse
log_min_messages = fatal
log_line_prefix = '%m [%p] %%app '
comply.ai_endpoint = 'https://api.example.com/v1'
comply.hmac_key_file = 'comply_hmac.key'
comply.ledger_signing_key_file = 'comply_ledger.pem'
comply.ai_api_key_file = 'comply_ai.key'
CONF
chmod 644 "$work/strict.conf"
export COMPLY_CLUSTER_DIR=$strict COMPLY_PG_CONF="$work/strict.conf" COMPLY_INITDB_OPTS=--data-checksums
scripts/pgcluster.sh destroy >/dev/null 2>&1 || true
# The first start fails without the certificate; make the data directory, then start.
scripts/pgcluster.sh start >/dev/null 2>&1 || true
data="$strict/data"
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost \
  -keyout "$work/server.key" -out "$work/server.crt" >/dev/null 2>&1
cp "$work/server.crt" "$work/server.key" "$data/"
if [ "$(id -u)" -eq 0 ]; then chown postgres "$data/server.crt" "$data/server.key"; fi
chmod 600 "$data/server.key"
scripts/pgcluster.sh key comply_hmac.key >/dev/null
scripts/pgcluster.sh key comply_ledger.pem "$(openssl genpkey -algorithm ed25519)" >/dev/null
scripts/pgcluster.sh key comply_ai.key "sk-strict-$(head -c 8 /dev/urandom | od -An -tx1 | tr -d ' \n')" >/dev/null
# Only scram over TLS for TCP, peer on the local socket.
"${as_pg[@]}" tee "$data/pg_hba.conf" >/dev/null <<'HBA'
local   all   all                 peer
hostssl all   all   127.0.0.1/32  scram-sha-256
HBA
scripts/pgcluster.sh start >/dev/null
eval "$(scripts/pgcluster.sh env)"
port_strict=$PGPORT
sock_strict=$PGHOST
spsql() { "${as_pg[@]}" psql -X -q -At -v ON_ERROR_STOP=1 -h "$sock_strict" -p "$port_strict" -U postgres -d postgres "$@"; }
spsql -c "ALTER ROLE postgres PASSWORD 'strict-test-password'" \
      -c "CREATE EXTENSION pg_comply" \
      -c "SELECT comply.register_schema('s', '{}')" >/dev/null
spsql -c "CREATE TABLE intake (id int PRIMARY KEY, doc jsonb)" \
      -c "REVOKE ALL ON intake FROM PUBLIC" \
      -c "SELECT comply.protect('intake', '{\"columns\": {\"doc\": {\"validate\": \"s\"}}}')" \
      -c "SELECT comply.snapshot_baseline()" >/dev/null
# The workers (the sealer and the job worker) start once the database appends.
for _ in $(seq 100); do
  [ "$(spsql -c "SELECT count(*) FROM pg_stat_activity WHERE datname = 'postgres'
                  AND backend_type IN ('pg_comply sealer', 'pg_comply job worker')")" = 2 ] && break
  sleep 0.2
done
# The checks run over TCP with TLS, so that this very connection counts as encrypted.
PGPASSWORD=strict-test-password PGSSLMODE=require psql -X -At -F '|' -h 127.0.0.1 -p "$port_strict" \
  -U postgres -d postgres -c "SELECT check_name, status, evidence FROM comply.check_server() ORDER BY 1" \
  >"$work/strict.out" 2>&1 || true
status_of() { awk -F'|' -v c="$2" '$1 == c { print $2 }' "$1"; }

for c in ssl ssl_min_protocol_version connections_without_ssl password_encryption pg_hba_methods \
         superusers data_checksums statement_logging error_details_logging workers \
         public_privileges_on_protected_tables replication_into_protected_tables secret:hmac_key_file \
         secret:ledger_signing_key_file secret:ai_api_key_file ai_endpoint_tls alert_webhook_tls \
         drift_baseline replication_of_pg_comply_tables application_name_logging; do
  check "strict cluster: $c passes" [ "$(status_of "$work/strict.out" "$c")" = pass ]
done
# A TCP rule without TLS lets a client in that asks for none, though none is connected:
# connections_without_ssl fails on the rule and names its line.
"${as_pg[@]}" tee -a "$data/pg_hba.conf" >/dev/null <<'HBA'
host    all   all   127.0.0.1/32  scram-sha-256
HBA
spsql -c "SELECT pg_reload_conf()" >/dev/null; sleep 0.5
check "strict cluster: a host (not hostssl) rule fails connections_without_ssl, its line named" \
  bash -c '[[ "$1" == "fail|"*'"'"'"rules_without_ssl": [{"line": 3, "type": "host", "method": "scram-sha-256"}]'"'"'* ]]' _ \
  "$(spsql -F '|' -c "SELECT status, evidence FROM comply.check_server() WHERE check_name = 'connections_without_ssl'")"
check "strict cluster: ... and such a client does get in (sslmode=disable)" \
  bash -c 'PGPASSWORD=strict-test-password PGSSLMODE=disable psql -X -At -h 127.0.0.1 -p "$1" -U postgres -d postgres -c "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()" | grep -qx f' _ "$port_strict"
"${as_pg[@]}" sed -i '$d' "$data/pg_hba.conf"
spsql -c "SELECT pg_reload_conf()" >/dev/null; sleep 0.5
check "strict cluster: ... which passes again without the rule" \
  [ "$(spsql -c "SELECT status FROM comply.check_server() WHERE check_name = 'connections_without_ssl'")" = pass ]
# Bind parameters listed in an error's context are the statement's values.
spsql -c "ALTER SYSTEM SET log_parameter_max_length_on_error = -1" -c "SELECT pg_reload_conf()" >/dev/null; sleep 0.5
check "strict cluster: log_parameter_max_length_on_error = -1 fails statement_logging, named" \
  bash -c '[[ "$1" == "fail|"*'"'"'"log_parameter_max_length_on_error": "-1"'"'"'* ]]' _ \
  "$(spsql -F '|' -c "SELECT status, evidence FROM comply.check_server() WHERE check_name = 'statement_logging'")"
spsql -c "ALTER SYSTEM RESET log_parameter_max_length_on_error" -c "SELECT pg_reload_conf()" >/dev/null; sleep 0.5
# A logging setting given to one role applies to its sessions only: current_setting
# does not show it, pg_db_role_setting does (the role is not named in the evidence).
spsql -c "CREATE ROLE posture_talker" -c "ALTER ROLE posture_talker SET log_statement = 'all'" >/dev/null
talker=$(spsql -F '|' -c "SELECT status, evidence FROM comply.check_server() WHERE check_name = 'statement_logging'")
printf '%s\n' "$talker" >"$work/talker.out"
check "strict cluster: a role whose statements are logged fails statement_logging" \
  grep -q '^fail|.*"set_for": "a role", "log_statement": "all"' "$work/talker.out"
check "... and the evidence does not name the role" bash -c '! grep -q posture_talker "$1"' _ "$work/talker.out"
spsql -c "DROP ROLE posture_talker" >/dev/null
# Other ways statements reach the log, each set for some sessions only or read wrong
# before: the status of statement_logging (or error_details_logging) after each, then reset.
logging_status() {  # [check] [SQL run first in the same session]
  spsql -c "${2:-SELECT 1}" -c "SELECT status FROM comply.check_server() WHERE check_name = '${1:-statement_logging}'" | tail -1
}
reload() { spsql -c "SELECT pg_reload_conf()" >/dev/null; sleep 0.5; }
spsql -c "ALTER SYSTEM SET log_statement = 'all'" >/dev/null; reload
check "strict cluster: a session that turned its own logging off still sees the server's log_statement" \
  [ "$(logging_status statement_logging "SET log_statement = 'none'")" = fail ]
# A role that is no superuser, whose own sessions log nothing, cannot read the
# configuration files that other sessions follow: unknown, not pass.
spsql -c "CREATE ROLE posture_mon LOGIN PASSWORD 'posture-mon-password'" \
      -c "ALTER ROLE posture_mon SET log_statement = 'none'" >/dev/null
check "strict cluster: ... and a role that is no superuser, its own logging off, gets unknown" \
  [ "$(PGPASSWORD=posture-mon-password PGSSLMODE=require psql -X -At -h 127.0.0.1 -p "$port_strict" -U posture_mon -d postgres \
        -c "SELECT status FROM comply.check_server() WHERE check_name = 'statement_logging'")" = unknown ]
spsql -c "DROP ROLE posture_mon" >/dev/null
spsql -c "ALTER SYSTEM RESET log_statement" >/dev/null; reload
# A value given on the server's command line (pg_ctl -o "-c ..."), which outranks the
# configuration files, is seen too by a session that overrides it (read from
# postmaster.opts; pg_settings shows it only to sessions that do not).
"${as_pg[@]}" "$(pg_config --bindir)/pg_ctl" -D "$data" -l "$(scripts/pgcluster.sh log)" \
  -o "-c log_statement=all" -w -m fast restart >/dev/null
check "strict cluster: ... and log_statement given on the server's command line" \
  [ "$(logging_status statement_logging "SET log_statement = 'none'")" = fail ]
scripts/pgcluster.sh stop >/dev/null; scripts/pgcluster.sh start >/dev/null
check "strict cluster: ... which passes once the server runs without it" \
  [ "$(logging_status statement_logging "SET log_statement = 'none'")" = pass ]
spsql -c "CREATE ROLE posture_r" -c "ALTER ROLE posture_r SET log_min_error_statement = 'fatal'" >/dev/null
check "strict cluster: log_min_error_statement = fatal for a role logs statements (a FATAL's)" \
  [ "$(logging_status)" = fail ]
spsql -c "ALTER ROLE posture_r RESET ALL" -c "ALTER ROLE posture_r SET log_min_messages = 'debug'" >/dev/null
check "strict cluster: log_min_messages = debug (debug2) for a role logs statements as they are parsed" \
  [ "$(logging_status)" = fail ]
spsql -c "ALTER ROLE posture_r RESET ALL" -c "ALTER ROLE posture_r SET log_min_messages = 'error'" >/dev/null
check "strict cluster: a role whose errors are logged makes error_details_logging a warning" \
  [ "$(logging_status error_details_logging)" = warn ]
spsql -c "ALTER ROLE posture_r RESET ALL" -c "ALTER ROLE posture_r SET debug_print_plan = 't'" >/dev/null
check "strict cluster: debug_print_plan = t (true) for a role fails" [ "$(logging_status)" = fail ]
spsql -c "ALTER ROLE posture_r RESET ALL" -c "ALTER ROLE posture_r SET log_transaction_sample_rate = '0.0e0'" >/dev/null
check "strict cluster: ... and a sample rate of 0.0e0 (none) passes" [ "$(logging_status)" = pass ]
spsql -c "ALTER ROLE posture_r RESET ALL" -c "ALTER ROLE posture_r SET log_min_duration_statement = '-0'" >/dev/null
check "strict cluster: log_min_duration_statement = -0 (read as 0: every statement) for a role fails" \
  [ "$(logging_status)" = fail ]
spsql -c "ALTER ROLE posture_r RESET ALL" -c "ALTER ROLE posture_r SET log_min_duration_statement = '-1ms'" >/dev/null
check "strict cluster: ... and -1ms (off) passes" [ "$(logging_status)" = pass ]
spsql -c "ALTER ROLE posture_r RESET ALL" -c "ALTER ROLE posture_r SET log_statement_sample_rate = 1" \
      -c "ALTER SYSTEM SET log_min_duration_sample = 0" -c "ALTER SYSTEM SET log_statement_sample_rate = 0" >/dev/null; reload
check "strict cluster: a role's log_statement_sample_rate with a server-wide log_min_duration_sample fails" \
  [ "$(logging_status)" = fail ]
spsql -c "ALTER ROLE posture_r RESET ALL" -c "ALTER SYSTEM RESET log_min_duration_sample" \
      -c "ALTER SYSTEM RESET log_statement_sample_rate" -c "LOAD 'auto_explain'" \
      -c "ALTER SYSTEM SET auto_explain.log_min_duration = 0" \
      -c "ALTER ROLE posture_r SET session_preload_libraries = 'auto_explain'" >/dev/null; reload
check "strict cluster: auto_explain loaded for one role only, its duration in the configuration, fails" \
  [ "$(logging_status)" = fail ]
spsql -c "ALTER ROLE posture_r RESET ALL" -c "LOAD 'auto_explain'" -c "ALTER SYSTEM RESET auto_explain.log_min_duration" >/dev/null; reload
spsql -c "GRANT SET ON PARAMETER log_statement TO posture_r" >/dev/null
check "strict cluster: SET on log_statement granted to a role fails" [ "$(logging_status)" = fail ]
spsql -c "REVOKE SET ON PARAMETER log_statement FROM posture_r" -c "DROP ROLE posture_r" >/dev/null
spsql -c "ALTER SYSTEM SET log_statement = 'ddl'" -c "ALTER SYSTEM SET log_parameter_max_length = 0" >/dev/null; reload
check "strict cluster: log_statement = ddl (CREATE TABLE AS logs its literals) is a warning" \
  [ "$(logging_status)" = warn ]
spsql -c "ALTER SYSTEM RESET log_statement" -c "ALTER SYSTEM RESET log_parameter_max_length" \
      -c "ALTER SYSTEM SET log_min_messages = 'warning'" >/dev/null; reload
check "strict cluster: errors logged tersely are a warning (an error's message may quote the value it refused)" \
  [ "$(logging_status error_details_logging)" = warn ]
spsql -c "ALTER SYSTEM RESET log_min_messages" >/dev/null; reload
check "strict cluster: ... and statement_logging passes again once all is reset" [ "$(logging_status)" = pass ]
# A template database has no workers (one connected there would make every CREATE
# DATABASE from it fail): the check says so, not "see the server log".
spsql -c "CREATE DATABASE posture_template" >/dev/null
spsql -d posture_template -c "CREATE EXTENSION pg_comply" >/dev/null
spsql -c "ALTER DATABASE posture_template IS_TEMPLATE true" >/dev/null
tmpl=$(spsql -d posture_template -F '|' -c "SELECT status, evidence FROM comply.check_server() WHERE check_name = 'workers'")
check "strict cluster: the workers check of a template database says why none runs there" \
  bash -c '[[ "$1" == *"this database is a template"* && "$1" != *"max_worker_processes"* ]]' _ "$tmpl"
spsql -c "ALTER DATABASE posture_template IS_TEMPLATE false" -c "DROP DATABASE posture_template" >/dev/null

# A German locale for the lax cluster's messages (made here when it is missing: the
# translated reload line quotes the value in other quotes), where this machine can.
german=
if locale -a 2>/dev/null | grep -qi '^de_DE\.utf-\?8$'; then
  german=de_DE.UTF-8
elif [ "$(id -u)" -eq 0 ] && command -v localedef >/dev/null && [ -e /usr/share/i18n/locales/de_DE ] \
     && localedef -i de_DE -f UTF-8 de_DE.UTF-8 >/dev/null 2>&1; then
  german=de_DE.UTF-8
fi

# --- The lax cluster ----------------------------------------------------------------
lax="$repo/build/posture-lax-cluster"
clusters+=("$lax")
cat >"$work/lax.conf" <<'CONF'
ssl = off
ssl_min_protocol_version = 'TLSv1'
password_encryption = 'md5'
log_statement = 'all'
log_min_duration_statement = 250ms
session_preload_libraries = 'auto_explain'
auto_explain.log_min_duration = 0
log_transaction_sample_rate = 0.5
log_min_error_statement = error
log_error_verbosity = terse
logging_collector = on
log_destination = 'stderr,csvlog'
log_line_prefix = '%m [%p] %-12a '
log_connections = on
comply.ai_endpoint = 'http://localhost:1@classifier.example.com/v1?key=SECRETQUERY'
comply.alert_webhook_url = 'http://hooks.example.com?token=SECRETTOKEN&channel=/services/T0SECRET/B0SECRET/webhooktoken123'
comply.hmac_key_file = 'comply_hmac.key'
comply.ai_api_key_file = 'comply_ai.key'
comply.ledger_worker = off
comply.ai_worker = off
wal_level = logical
CONF
chmod 644 "$work/lax.conf"
export COMPLY_CLUSTER_DIR=$lax COMPLY_PG_CONF="$work/lax.conf" COMPLY_INITDB_OPTS=
scripts/pgcluster.sh destroy >/dev/null 2>&1 || true
scripts/pgcluster.sh start >/dev/null
eval "$(scripts/pgcluster.sh env)"
scripts/pgcluster.sh key comply_hmac.key >/dev/null
# A key file others can read, and one that is missing.
"${as_pg[@]}" chmod 644 "$lax/data/comply_hmac.key"
lpsql() { psql -X -q -At -v ON_ERROR_STOP=1 -d postgres "$@"; }
lpsql -c "CREATE EXTENSION pg_comply" -c "SELECT comply.register_schema('s', '{}')" \
      -c "CREATE ROLE second_admin SUPERUSER" \
      -c "CREATE TABLE intake (id int PRIMARY KEY, doc jsonb)" \
      -c "GRANT SELECT, INSERT ON intake TO PUBLIC" \
      -c "SELECT comply.protect('intake', '{\"columns\": {\"doc\": {\"validate\": \"s\"}}}')" >/dev/null
# With comply.ai_worker off, rejected rows wait for someone to call comply.run_jobs():
# half the hand-over slots at most for one database, the rest are lost, and counted.
lpsql -c "SELECT comply.register_schema('obj', '{\"type\": \"object\"}')" \
      -c "CREATE TABLE strict_intake (id int PRIMARY KEY, doc jsonb)" \
      -c "SELECT comply.protect('strict_intake', '{\"columns\": {\"doc\": {\"validate\": \"obj\"}}}')" >/dev/null
for i in $(seq 70); do lpsql -c "INSERT INTO strict_intake VALUES ($i, '[1]')" >/dev/null 2>&1 || true; done
# A protected table that a logical replication subscription writes (from another
# database of the same cluster; its slot made beforehand, as a subscription to the same
# cluster needs).
lpsql -c "CREATE DATABASE pubdb" >/dev/null
psql -X -q -At -v ON_ERROR_STOP=1 -d pubdb -c "CREATE TABLE replicated (id int PRIMARY KEY, note text)" \
  -c "CREATE PUBLICATION to_lax FOR TABLE replicated" \
  -c "SELECT pg_create_logical_replication_slot('to_lax', 'pgoutput')" >/dev/null
lpsql -c "CREATE TABLE replicated (id int PRIMARY KEY, note text)" \
      -c "SELECT comply.protect('replicated', '{\"columns\": {\"note\": {\"redact\": true}}, \"regulations\": [\"GDPR Art. 25\"]}')" \
      -c "CREATE SUBSCRIPTION from_pub CONNECTION 'host=$PGHOST port=$PGPORT dbname=pubdb user=postgres'
            PUBLICATION to_lax WITH (create_slot = false, slot_name = 'to_lax')" >/dev/null
# A publication of every table publishes pg_comply's too.
lpsql -c "CREATE PUBLICATION everything FOR ALL TABLES" >/dev/null
# Over TCP without SSL (the lax pg_hba trusts it), so this connection counts.
psql -X -At -F '|' -h 127.0.0.1 -p "$PGPORT" -U postgres -d postgres \
  -c "SELECT check_name, status, evidence FROM comply.check_server() ORDER BY 1" >"$work/lax.out" 2>&1 || true

for c in ssl ssl_min_protocol_version connections_without_ssl password_encryption pg_hba_methods \
         data_checksums statement_logging error_details_logging workers public_privileges_on_protected_tables \
         replication_into_protected_tables secret:hmac_key_file secret:ai_api_key_file ai_endpoint_tls \
         alert_webhook_tls replication_of_pg_comply_tables; do
  check "lax cluster: $c fails" [ "$(status_of "$work/lax.out" "$c")" = fail ]
done
check "lax cluster: two superusers are a warning" [ "$(status_of "$work/lax.out" superusers)" = warn ]
check "lax cluster: no drift baseline is a warning" [ "$(status_of "$work/lax.out" drift_baseline)" = warn ]
check "lax cluster: an unset signing key is a warning" \
  [ "$(status_of "$work/lax.out" secret:ledger_signing_key_file)" = warn ]
check "lax cluster: the evidence names the weak pg_hba rules" \
  grep -q '"method": "trust"' "$work/lax.out"
# A hostssl line while ssl is off only logs a note: the file loads, the line is a rule
# (its weak method reported), and the check still reads the rules in force.
"${as_pg[@]}" tee -a "$lax/data/pg_hba.conf" >/dev/null <<'HBA'
hostssl all   all   127.0.0.1/32  md5
HBA
lpsql -c "SELECT pg_reload_conf()" >/dev/null; sleep 0.5
hba=$(lpsql -F '|' -c "SELECT status, evidence FROM comply.check_server() WHERE check_name = 'pg_hba_methods'")
check "lax cluster: a hostssl line with ssl off (a note, not an error) is read as a rule, its md5 reported" \
  bash -c '[[ "$1" == "fail|"*'"'"'"type": "hostssl"'"'"'*'"'"'"method": "md5"'"'"'* && "$1" != *lines_with_errors* ]]' _ "$hba"
"${as_pg[@]}" sed -i '$d' "$lax/data/pg_hba.conf"
lpsql -c "SELECT pg_reload_conf()" >/dev/null
check "lax cluster: the evidence names the logging settings" \
  grep -q '"log_statement": "all"' "$work/lax.out"
check "lax cluster: a duration in units is read (250ms), and auto_explain is named" \
  grep -q 'statement_logging|fail|.*"log_min_duration_statement": "250ms".*"auto_explain.log_min_duration": "0"' "$work/lax.out"
check "lax cluster: sampled transactions log their statements: named" \
  grep -q 'statement_logging|fail|.*"log_transaction_sample_rate": "0.5"' "$work/lax.out"
check "lax cluster: application_name in the log line prefix, csvlog and log_connections are a warning, each named" \
  grep -q 'application_name_logging|warn|.*"settings_that_log_application_name": \[{"log_line_prefix": "%m \[%p\] %-12a "}, {"log_destination": "stderr,csvlog"}, {"log_connections": "on"}\]' "$work/lax.out"
check "lax cluster: the evidence says csvlog keeps error details even when terse" \
  grep -q 'error_details_logging|fail|.*"log_destination": "stderr,csvlog"' "$work/lax.out"
check "lax cluster: ... and says what remains to do" \
  grep -q 'error_details_logging|fail|.*"remaining": "errors reach the server log with their DETAIL' "$work/lax.out"
check "lax cluster: the workers' evidence counts the rejected rows waiting (beyond the slots: on disk) and says why" \
  grep -q 'workers|fail|.*comply.ai_worker is off.*"records_lost": 0, .*"records_on_disk": 6, "records_waiting": 64' "$work/lax.out"
check "lax cluster: the evidence names the table a subscription writes past its policy, and the subscription" \
  grep -q 'replication_into_protected_tables|fail|.*"table": "public.replicated", "subscription": "from_pub"' "$work/lax.out"
check "lax cluster: the requirements matrix shows the replicated table's gap" \
  bash -c '[ "$(psql -X -q -At -d postgres -c "SELECT count(*) FROM comply.requirements_matrix() WHERE object = '"'"'public.replicated'"'"' AND status LIKE '"'"'gap:%logical replication writes it past its policy (subscription from_pub%'"'"'")" -gt 0 ]'
check "lax cluster: the data-flow diagram shows the subscription writing past the policy" \
  bash -c 'lpsql() { psql -X -q -At -d postgres "$@"; }; lpsql -c "SELECT comply.data_flow()" | grep -q "s1 -\.->|\"replicated writes - policy not applied\"| t"'
check "lax cluster: the evidence names the publication of pg_comply's tables" \
  grep -q 'replication_of_pg_comply_tables|fail|.*"publications_of_pg_comply_tables": \["everything"\]' "$work/lax.out"
lpsql -c "ALTER TABLE replicated ENABLE ALWAYS TRIGGER comply_protect_before" \
      -c "ALTER TABLE replicated ENABLE ALWAYS TRIGGER comply_protect_after" >/dev/null
check "lax cluster: ... a replicated TRUNCATE still passes the policy's truncate trigger unfired" \
  [ "$(lpsql -c "SELECT status FROM comply.check_server() WHERE check_name = 'replication_into_protected_tables'")" = fail ]
lpsql -c "ALTER TABLE replicated ENABLE ALWAYS TRIGGER comply_protect_truncate" >/dev/null
check "lax cluster: ... which passes once its protect triggers are enabled ALWAYS" \
  [ "$(lpsql -c "SELECT status FROM comply.check_server() WHERE check_name = 'replication_into_protected_tables'")" = pass ]
check "lax cluster: ... and the matrix no longer shows that gap" \
  bash -c '[ "$(psql -X -q -At -d postgres -c "SELECT count(*) FROM comply.requirements_matrix() WHERE object = '"'"'public.replicated'"'"' AND status LIKE '"'"'%logical replication%'"'"'")" = 0 ]'
check "lax cluster: ... and the diagram shows its writes going through the policy" \
  bash -c 'psql -X -q -At -d postgres -c "SELECT comply.data_flow()" | grep -q "s1 -->|\"replicated writes, through the policy\"| t"'
lpsql -c "SET client_min_messages = warning" -c "DROP SUBSCRIPTION from_pub" >/dev/null
check "lax cluster: the evidence names the table open to PUBLIC" \
  grep -q '"table": "public.intake"' "$work/lax.out"
check "lax cluster: the evidence says why a key file is refused" \
  grep -q 'secret:hmac_key_file|fail|.*group or world access' "$work/lax.out"
check "no evidence carries a key, the AI endpoint's path or the webhook's token" \
  bash -c '! grep -q "sk-strict\|/v1\|SECRET\|webhooktoken" "$1" "$2"' _ "$work/strict.out" "$work/lax.out"
check "the webhook's evidence names its host" grep -q 'alert_webhook_tls|fail|.*"host": "hooks.example.com"' "$work/lax.out"
check "the AI endpoint's host is the URL's, not its user part (http://localhost:1@classifier... fails)" \
  grep -q 'ai_endpoint_tls|fail|.*"host": "classifier.example.com"' "$work/lax.out"
# A reload logs the settings it changed, with their values: the webhook's path and the
# AI endpoint's are cut from that line (in the log files and the CSV log alike). (This
# cluster logs every statement: the ALTER SYSTEM itself is in its log, as
# statement_logging reports.)
lpsql -c "ALTER SYSTEM SET comply.alert_webhook_url = 'http://hooks.example.com/services/T0RELOAD/B0\"RELOADé/reloadtoken456'" \
      -c "ALTER SYSTEM SET comply.ai_endpoint = 'http://user:RELOADPASS@classifier.example.com/v1/RELOADPATH'" \
      -c "SELECT pg_reload_conf()" >/dev/null
sleep 2
check "a reload's log line shows the webhook's scheme and host only" \
  bash -c 'grep -rhq "parameter \"comply.alert_webhook_url\" changed to \"http://hooks.example.com/...\"" "$1"/log/*.log' _ "$lax/data"
check "... and the AI endpoint's, without its user" \
  bash -c 'grep -rhq "parameter \"\"comply.ai_endpoint\"\" changed to \"\"http://classifier.example.com/...\"\"" "$1"/log/*.csv' _ "$lax/data"
check "... and neither their paths nor the password are in the lines of the reload" \
  bash -c '[ "$(grep -rh "changed to" "$1"/log/ | grep -c "comply\.")" -ge 4 ] && ! grep -rh "changed to" "$1"/log/ | grep -q "reloadtoken456\|RELOADPASS\|RELOADPATH\|T0RELOAD"' _ "$lax/data"
lpsql -c "ALTER SYSTEM RESET comply.alert_webhook_url" -c "ALTER SYSTEM RESET comply.ai_endpoint" \
      -c "SELECT pg_reload_conf()" >/dev/null
if [ -n "$german" ]; then
  lpsql -c "ALTER SYSTEM SET lc_messages = '$german'" -c "SELECT pg_reload_conf()" >/dev/null
  sleep 0.5
  lpsql -c "ALTER SYSTEM SET comply.alert_webhook_url = 'https://hooks.example.com/services/T0GERMAN/B0GERMAN/germantoken789'" \
        -c "SELECT pg_reload_conf()" >/dev/null
  sleep 2
  check "a German server log's reload line (its value in guillemets) shows the webhook's host only" \
    bash -c 'grep -rhaq "comply.alert_webhook_url« auf »https://hooks.example.com/...« gesetzt" "$1"/log/*.log &&
             ! grep -rha "gesetzt" "$1"/log/ | grep -q "germantoken789\|T0GERMAN"' _ "$lax/data"
  lpsql -c "ALTER SYSTEM RESET comply.alert_webhook_url" -c "ALTER SYSTEM RESET lc_messages" \
        -c "SELECT pg_reload_conf()" >/dev/null
else
  echo "# (no German locale on this machine: the translated reload line is not checked)"
fi
check "a role that sees only its own sessions gets unknown for connections without SSL" \
  bash -c '[ "$(psql -X -At -h 127.0.0.1 -p "$PGPORT" -U postgres -d postgres -c "CREATE ROLE posture_viewer" -c "SET ROLE posture_viewer" -c "SELECT status FROM comply.check_server() WHERE check_name = '"'"'connections_without_ssl'"'"'" | tail -1)" = unknown ]'

check "ordinary roles get unknown, not the secrets' state" \
  bash -c '[ "$(psql -X -At -d postgres -c "CREATE ROLE posture_user" -c "SET ROLE posture_user" -c "SELECT status FROM comply.check_server() WHERE check_name = '"'"'secret:hmac_key_file'"'"'" | tail -1)" = unknown ]'

echo
echo "posture: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
