#!/usr/bin/env bash
# The memory one session keeps for JSON Schemas stays bounded: registering a large schema
# again and again, validating by many large registered schemas, and validating against
# many large schemas passed as jsonb. Each is measured as the growth of the backend's
# private memory (RssAnon of /proc/PID/status, read by the session itself). VmRSS is
# not a measure of this: it also counts the pages of shared_buffers the backend has
# touched, which grow by the size of each new row version (register_schema's UPDATE of
# a 1.3 MB schema writes 0.35 MB of TOAST) until shared_buffers is all touched.
# Needs the test cluster running (PG* set) with pg_comply installed, a superuser
# connection (pg_read_file of /proc) and Linux.
set -euo pipefail
# shellcheck source=test/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
db=comply_schema_memory
export PGOPTIONS="${PGOPTIONS:-} -c client_min_messages=warning"
trap 'psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true' EXIT
q() { psql -X -q -At -v ON_ERROR_STOP=1 -d "$db" "$@"; }

psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" >/dev/null
# Schemas of 50,000-value enums of strings: about 0.65 MB of jsonb each, some 10 MB
# compiled. Before the named cache had a bound in bytes, 40 of them held 400 MB.
q <<'SQL' >/dev/null
SET client_min_messages = warning;
CREATE EXTENSION pg_comply;
CREATE FUNCTION private_kb() RETURNS bigint LANGUAGE sql AS $$
  SELECT (regexp_match(pg_read_file('/proc/' || pg_backend_pid() || '/status'),
                       'RssAnon:\s+(\d+)'))[1]::bigint $$;
CREATE TABLE big AS
  SELECT g, jsonb_build_object('enum', (SELECT jsonb_agg('s' || g || '-' || i)
                                        FROM generate_series(1, 50000) i)) AS schema
  FROM generate_series(1, 40) g;
SELECT count(comply.register_schema('big' || g, schema)) FROM big;
-- Schemas of 300 patterns, 14 kB of jsonb each, that compile to DFAs of 50 to 130 kB a
-- pattern: some 16 MB each. Below 64 kB a schema's compiled size was taken as 16 times
-- its jsonb (230 kB), and 32 schemas of 1,500 such patterns held 2.5 GB.
CREATE TABLE pats AS
  SELECT g, jsonb_build_object('patternProperties',
           (SELECT jsonb_object_agg('^(a|b)*x{1,50}' || g || '_' || i || '_[a-z]{1,30}$', true)
            FROM generate_series(1, 300) i)) AS schema
  FROM generate_series(1, 16) g;
SQL

# Runs, in one session, the statements that query SETUP generates, then those BODY
# generates, and prints "before after": kB of private memory around BODY's.
measure() {
  q -v setup="$1" -v body="$2" <<'SQL' | tail -n 1
:setup \gexec
SELECT private_kb() AS before \gset
:body \gexec
SELECT :before || ' ' || private_kb();
SQL
}
# Growth in MB of a "before after" pair.
growth_mb() { echo $((($2 - $1) / 1024)); }

# register_schema of one large schema, 30 times (after 5 to warm the session up).
one="'SELECT comply.register_schema(''again'', schema) FROM big WHERE g = 1'"
read -r before after < <(measure "SELECT $one FROM generate_series(1, 5)" \
  "SELECT $one FROM generate_series(1, 30)")
grew=$(growth_mb "$before" "$after")
echo "# register_schema 30 times: private memory grew by $grew MB"
check "registering a large schema again and again keeps no private memory (< 16 MB)" \
  test "$grew" -lt 16

# Validation by 40 registered names: each one compiled and cached by name.
read -r before after < <(measure \
  "SELECT 'SELECT comply.validate(''1'', ''big1'')'" \
  "SELECT 'SELECT comply.validate(''1'', ''big' || g || ''')' FROM generate_series(1, 40) g")
grew=$(growth_mb "$before" "$after")
echo "# validate by 40 large named schemas: private memory grew by $grew MB"
check "the cache of named schemas is bounded in bytes (< 160 MB for 40 of 10 MB)" \
  test "$grew" -lt 160

# Validation against 40 schemas passed as jsonb: each compiled and cached by content.
read -r before after < <(measure \
  "SELECT 'SELECT comply.validate(''1'', schema) FROM big WHERE g = 1'" \
  "SELECT 'SELECT comply.validate(''1'', schema) FROM big WHERE g = ' || g FROM generate_series(1, 40) g")
grew=$(growth_mb "$before" "$after")
echo "# validate against 40 large jsonb schemas: private memory grew by $grew MB"
check "the cache of schemas passed as jsonb is bounded in bytes (< 160 MB for 40 of 10 MB)" \
  test "$grew" -lt 160

# Validation against 16 schemas of patterns passed as jsonb: small schemas, each
# compiled to far more than 16 times its size.
read -r before after < <(measure \
  "SELECT 'SELECT comply.validate(''{}'', schema) FROM pats WHERE g = 1'" \
  "SELECT 'SELECT comply.validate(''{}'', schema) FROM pats WHERE g = ' || g FROM generate_series(2, 16) g")
grew=$(growth_mb "$before" "$after")
echo "# validate against 16 small jsonb schemas of 300 patterns: private memory grew by $grew MB"
check "the cache counts what patterns take (< 128 MB for 16 of about 16 MB)" \
  test "$grew" -lt 128

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
