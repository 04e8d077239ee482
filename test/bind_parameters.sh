#!/usr/bin/env bash
# The bind parameters of an extended-protocol statement (what drivers send: JDBC, psycopg,
# node-postgres) are listed in its error's CONTEXT when log_parameter_max_length_on_error
# is not 0, a setting any role may change for its sessions: "unnamed portal with
# parameters: $1 = 'Maria Garcia', $2 = '536-22-8714'". In a transaction that wrote to a
# protected table the values are cut from that line, for the client and the server log
# alike (test/check_log_pii.sh scans the log after this). pgbench -M extended sends the
# parameters. Also the node dumps of debug_print_* (below). Needs the test cluster
# running (PG* variables set, COMPLY_CLUSTER_DIR naming it), pg_comply installed.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=test/lib.sh
source "$repo/test/lib.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

psql -X -q -v ON_ERROR_STOP=1 -d postgres -c 'SET client_min_messages = warning' -c 'DROP DATABASE IF EXISTS comply_bind' -c 'CREATE DATABASE comply_bind'
psql -X -q -v ON_ERROR_STOP=1 -d comply_bind >/dev/null <<'SQL'
SET client_min_messages = warning;
CREATE EXTENSION pg_comply;
CREATE TABLE intake (id int PRIMARY KEY, name text, ssn text);
SELECT comply.protect('intake', '{"columns": {"name": {"redact": true}, "ssn": {"redact": true}}}');
CREATE TABLE plain (id int PRIMARY KEY, code text);
SQL
# Two inserts of the same row: the second breaks the primary key, its parameters in the
# error's context.
printf 'INSERT INTO intake VALUES (1, :name, :ssn);\n' >"$work/protected.sql"
printf 'INSERT INTO plain VALUES (1, :code);\n' >"$work/plain.sql"
run() {  # script, then pgbench's -D options: pgbench's own output, errors included
  local script=$1; shift
  PGOPTIONS='-c log_parameter_max_length_on_error=-1' \
    pgbench -n -M extended -t 2 -c 1 -f "$script" "$@" comply_bind 2>&1 || true
}
out=$(run "$work/protected.sql" -D name='Maria Garcia' -D ssn=536-22-8714)
check "a protected table's duplicate row fails with its context cut before the parameters" \
  bash -c '[[ "$1" == *"duplicate key value"* && "$1" == *"CONTEXT:  unnamed portal with parameters"* ]]' _ "$out"
check "... and neither value reaches the client" \
  bash -c '[[ "$1" != *"Maria Garcia"* && "$1" != *536-22-8714* ]]' _ "$out"
# A table that is not protected keeps PostgreSQL's context (the values are the client's).
out=$(run "$work/plain.sql" -D code=BIND-PARAMETER-SHOWN)
check "a table that is not protected keeps the parameters in the context" \
  bash -c '[[ "$1" == *"unnamed portal with parameters: \$1 = '"'"'BIND-PARAMETER-SHOWN'"'"'"* ]]' _ "$out"
# debug_print_parse, debug_print_rewritten and debug_print_plan, which any role may SET,
# log a node dump of each statement with its constants as their bytes ("90 101 98 ...");
# pg_comply's log hook removes the dumps and keeps the records, with a hint.
log=$("$repo/scripts/pgcluster.sh" log)
before=$(wc -l <"$log")
psql -X -q -d comply_bind -c 'CREATE ROLE comply_bind_writer' -c 'GRANT INSERT ON intake TO comply_bind_writer'
PGOPTIONS='-c debug_print_parse=on -c debug_print_rewritten=on -c debug_print_plan=on' \
  psql -X -q -d comply_bind -c 'SET ROLE comply_bind_writer' \
  -c "INSERT INTO intake VALUES (3, 'Zebulon Quillfeather', '536-22-8714')"
sleep 0.5  # (the log is written by the server as the statements run; this is margin only)
new_lines=$(tail -n +"$((before + 1))" "$log")
bytes=$(printf 'Quillfeather' | od -An -tu1 | tr -s ' ' | sed 's/^ //; s/ $//')
check "node dumps of a write are logged as records (parse tree, rewritten parse tree, plan)" \
  bash -c 'for t in "parse tree" "rewritten parse tree" plan; do
             grep -qE "LOG:  ([0-9A-Z]{5}: )?$t:\$" <<<"$1" || exit 1; done' _ "$new_lines"
check "... each with the hint that pg_comply removed the dump" \
  bash -c '[ "$(grep -c "pg_comply removed the node dump" <<<"$1")" -ge 3 ]' _ "$new_lines"
check "... and the value's bytes are not in the log" \
  bash -c '[[ "$1" != *"$2"* && "$1" != *":constvalue"* ]]' _ "$new_lines" "$bytes"
psql -X -q -d postgres -c 'DROP DATABASE comply_bind' -c 'DROP ROLE comply_bind_writer'
echo "bind_parameters: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
