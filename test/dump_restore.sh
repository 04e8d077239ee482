#!/usr/bin/env bash
# pg_dump and pg_restore of a database that uses pg_comply, on the running test cluster
# (scripts/test.sh's, whose HMAC key the policies use): what the extension keeps as
# configuration (registered schemas, custom recognizers, user-defined controls,
# policies) comes back, the protect triggers of plain and partitioned tables come back
# and enforce the same policies (the same pseudonyms: the key is the server's; with
# another key, writes that would pseudonymize are refused), and the
# restore itself records no drift and raises no alert; a parallel restore of a protected
# partitioned table keeps its keys and rows. The ledger is not part of a dump
# (docs/ledger.md): the restored database starts its own.
# Prints one line per check and "N passed, M failed".
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
src=comply_dump_src
dst=comply_dump_dst
work=$(mktemp -d)
chmod 755 "$work"
trap 'rm -rf "$work"' EXIT

passed=0
failed=0
check() {  # check NAME EXPECTED ACTUAL
  if [ "$2" = "$3" ]; then passed=$((passed + 1)); echo "ok - $1"
  else failed=$((failed + 1)); echo "not ok - $1"; echo "#   expected: $2"; echo "#   actual:   $3"; fi
}
q() { psql -X -q -At -v ON_ERROR_STOP=1 "$@"; }
export PGOPTIONS="${PGOPTIONS:-} -c client_min_messages=warning"

for db in "$src" "$dst"; do q -d postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)"; done
q -d postgres -c "CREATE DATABASE $src" -c "CREATE DATABASE $dst"
# The key, a server setting in production, is the test cluster's (scripts/test.sh).
keyfile="$(q -d postgres -c "SHOW data_directory")/comply_test_hmac.key"
for db in "$src" "$dst"; do q -d postgres -c "ALTER DATABASE $db SET comply.hmac_key_file = '$keyfile'"; done

q -d "$src" <<'SQL' >/dev/null
SET client_min_messages = warning;
CREATE EXTENSION pg_comply;
SELECT comply.register_schema('intake', '{"type": "object", "required": ["patient_id"],
  "properties": {"patient_id": {"type": "string", "pattern": "^P[0-9]{6}$"}}}');
INSERT INTO comply.recognizers (entity, pattern, score)
  VALUES ('MRN', '\bMRN-[0-9]{6}\b', 0.9);
INSERT INTO comply.controls (control_id, workflow_step, regulation, regulation_ref,
                             description, implemented_by, check_kind)
  VALUES ('LOCAL-1', 'intake', 'Local policy', 'Local policy 1', 'Intake notes are redacted',
          'comply.protect', 'enforced');
CREATE SCHEMA clinic;
CREATE TABLE clinic.intake (id int PRIMARY KEY, payload jsonb, notes text, ssn text);
SELECT comply.protect('clinic.intake', '{"columns": {"payload": {"validate": "intake"},
  "notes": {"redact": true}, "ssn": {"pseudonymize": true}}, "workflow_step": "intake"}');
CREATE TABLE clinic.events (id int, region text, note text, PRIMARY KEY (id, region))
  PARTITION BY LIST (region);
CREATE TABLE clinic.events_north PARTITION OF clinic.events FOR VALUES IN ('north');
CREATE TABLE clinic.events_south PARTITION OF clinic.events FOR VALUES IN ('south');
SELECT comply.protect('clinic.events', '{"columns": {"note": {"redact": true}}}');
-- A BEFORE trigger of the application's that fires after the policy's (harmless: it
-- changes no protected column), and a protected inheritance child.
ALTER TABLE clinic.intake ADD COLUMN seen timestamptz;
CREATE FUNCTION clinic.stamp() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN NEW.seen := '2026-01-01'; RETURN NEW; END $$;
CREATE TRIGGER set_seen BEFORE INSERT OR UPDATE ON clinic.intake FOR EACH ROW EXECUTE FUNCTION clinic.stamp();
CREATE TABLE clinic.intake_archive (LIKE clinic.intake);
SELECT comply.protect('clinic.intake_archive', '{"columns": {"notes": {"redact": true}}}');
ALTER TABLE clinic.intake_archive INHERIT clinic.intake;
INSERT INTO clinic.intake_archive (id, notes) VALUES (9, 'archived: SSN 536-22-8714');
INSERT INTO clinic.intake VALUES (1, '{"patient_id": "P000001"}', 'MRN-123456, SSN 536-22-8714', '536-22-8714');
INSERT INTO clinic.events VALUES (1, 'north', 'call 415-555-2671');
-- A protected table with a foreign key, and one with row security and a policy: a
-- restore adds those after it created the tables' triggers (pg_dump's post-data order).
CREATE TABLE clinic.wards (code text PRIMARY KEY);
INSERT INTO clinic.wards VALUES ('north');
CREATE TABLE clinic.stays (id int PRIMARY KEY, ward text REFERENCES clinic.wards ON UPDATE CASCADE, notes text);
SELECT comply.protect('clinic.stays', '{"columns": {"notes": {"redact": true}}}');
INSERT INTO clinic.stays VALUES (1, 'north', 'SSN 536-22-8714');
CREATE TABLE clinic.own_notes (id int PRIMARY KEY, who text, notes text);
ALTER TABLE clinic.own_notes ENABLE ROW LEVEL SECURITY;
ALTER TABLE clinic.own_notes FORCE ROW LEVEL SECURITY;
CREATE POLICY mine ON clinic.own_notes USING (who = current_user);
SELECT comply.protect('clinic.own_notes', '{"columns": {"notes": {"redact": true}}}');
SQL

"${PG_DUMP:-pg_dump}" -Fc -f "$work/src.dump" "$src"
restore_log=$("${PG_RESTORE:-pg_restore}" --exit-on-error -d "$dst" "$work/src.dump" 2>&1) && rc=0 || rc=$?
check "pg_restore succeeds" "0" "$rc${restore_log:+: $restore_log}"

# Configuration and data, compared with the source database.
for what in \
  "SELECT name, schema::text FROM comply.schemas ORDER BY 1" \
  "SELECT entity, pattern FROM comply.recognizers WHERE entity = 'MRN'" \
  "SELECT control_id, check_kind FROM comply.controls WHERE user_defined ORDER BY 1" \
  "SELECT table_name::text, policy::text, pseudonym_key_id FROM comply.policies ORDER BY 1" \
  "SELECT table_name::text, before_trigger, after_trigger, truncate_trigger, enforced FROM comply.protected_tables ORDER BY 1" \
  "SELECT * FROM clinic.intake ORDER BY id" \
  "SELECT * FROM clinic.events ORDER BY id"; do
  check "restored: $what" "$(q -d "$src" -c "$what")" "$(q -d "$dst" -c "$what")"
done
check "the stored rows are the redacted ones" "1" \
  "$(q -d "$dst" -c "SELECT count(*) FROM clinic.intake WHERE notes = '[MRN], SSN [US_SSN]' AND ssn ~ '^ps_'")"

# The restored triggers enforce the restored policies, as the source's do.
write="INSERT INTO clinic.intake VALUES (2, '{\"patient_id\": \"P000002\"}', 'MRN-654321, SSN 536-22-8714', '536-22-8714');
       INSERT INTO clinic.events VALUES (2, 'south', 'SSN 372-44-1856');"
q -d "$src" -c "$write"
q -d "$dst" -c "$write"
check "a write is transformed alike after the restore (same labels, same pseudonym)" \
  "$(q -d "$src" -c "SELECT notes, ssn FROM clinic.intake WHERE id = 2; SELECT note FROM clinic.events WHERE id = 2")" \
  "$(q -d "$dst" -c "SELECT notes, ssn FROM clinic.intake WHERE id = 2; SELECT note FROM clinic.events WHERE id = 2")"
# Restored onto a server whose key is another (here: the database's setting changed),
# the policy that pseudonymizes refuses to write pseudonyms that would not join.
otherkey="$(q -d postgres -c "SHOW data_directory")/comply_test_ledger2.pem"
q -d postgres -c "ALTER DATABASE $dst SET comply.hmac_key_file = '$otherkey'"
refused=$(q -d "$dst" -c "INSERT INTO clinic.intake VALUES (4, '{\"patient_id\": \"P000004\"}', NULL, '536-22-8714')" 2>&1 || true)
check "with another pseudonymization key, a write to pseudonymize is refused" "refused" \
  "$(case "$refused" in *"pseudonymization key is not the one"*) echo refused ;; *) echo "$refused" ;; esac)"
q -d postgres -c "ALTER DATABASE $dst SET comply.hmac_key_file = '$keyfile'"
rejected=$(q -d "$dst" -c "INSERT INTO clinic.intake VALUES (3, '{\"patient_id\": \"X\"}', NULL, NULL)" 2>&1 || true)
check "an invalid document is rejected after the restore" "check_violation" \
  "$(case "$rejected" in *"does not match schema"*) echo check_violation ;; *) echo "$rejected" ;; esac)"
check "the restored database's ledger records its writes" "2" \
  "$(q -d "$dst" -c "SELECT count(*) FROM comply.audit_log WHERE action = 'INSERT'")"

# The protected inheritance child comes back protected and under its parent (its
# CREATE TABLE ... INHERITS runs before the policies are restored), and its writes are
# transformed; the trigger that fires after the policy's changes no protected column.
check "the inheritance child is restored protected, under its parent" "t|t" \
  "$(q -d "$dst" -c "SELECT enforced, EXISTS (SELECT 1 FROM pg_inherits WHERE inhrelid = 'clinic.intake_archive'::regclass)
                       FROM comply.protected_tables WHERE table_name = 'clinic.intake_archive'::regclass")"
q -d "$dst" -c "INSERT INTO clinic.intake_archive (id, notes) VALUES (10, 'archived: SSN 372-44-1856')"
check "a write into the restored child is transformed" "archived: SSN [US_SSN]" \
  "$(q -d "$dst" -c "SELECT notes FROM clinic.intake WHERE id = 10")"

# The restore is not drift: its ALTER TABLEs run before its CREATE TRIGGERs.
check "the restore records no drift" "0" \
  "$(q -d "$dst" -c "SELECT count(*) FROM comply.audit_log WHERE action = 'drift'")"
check "the restore raises no alert" "0" "$(q -d "$dst" -c "SELECT count(*) FROM comply.alerts")"
check "the foreign key, row security and policy came back" "1|t|t|1" \
  "$(q -d "$dst" -c "SELECT (SELECT count(*) FROM pg_constraint WHERE conrelid = 'clinic.stays'::regclass AND contype = 'f'),
                            c.relrowsecurity, c.relforcerowsecurity,
                            (SELECT count(*) FROM pg_policy WHERE polrelid = c.oid)
                       FROM pg_class c WHERE c.oid = 'clinic.own_notes'::regclass")"
# Only the restore's own session is spared: the same DDL afterwards, in a new session, is
# drift as ever.
q -d "$dst" -c "CREATE POLICY theirs ON clinic.own_notes USING (true)" \
  -c "ALTER TABLE clinic.stays ADD CONSTRAINT stays_id_positive CHECK (id > 0)"
check "a policy and a constraint added after the restore, in another session, are drift" "2" \
  "$(q -d "$dst" -c "SELECT count(*) FROM comply.audit_log WHERE action = 'drift'")"
# Nor does redefining a protect trigger in place (CREATE OR REPLACE, as no restore does)
# spare the DDL that follows it in that session.
redefine=$(q -d "$dst" -c "SELECT replace(pg_get_triggerdef(oid), 'CREATE TRIGGER', 'CREATE OR REPLACE TRIGGER')
                            FROM pg_trigger WHERE tgrelid = 'clinic.own_notes'::regclass AND tgname = 'comply_protect_before'")
q -d "$dst" -c "$redefine" -c "CREATE POLICY others ON clinic.own_notes USING (true)"
check "... and so is one added after a protect trigger was redefined in place in the same session" "3" \
  "$(q -d "$dst" -c "SELECT count(*) FROM comply.audit_log WHERE action = 'drift'")"

# A CHECK constraint that names a registered schema, on a table in a schema that sorts
# before "comply": pg_restore copies table data in order of schema name, so its rows come
# before comply.schemas' and fail (42704). Restored from a list that puts comply's
# configuration first (README, "Dump and restore"), they come back.
dst2=comply_dump_dst2
q -d postgres -c "DROP DATABASE IF EXISTS $dst2 WITH (FORCE)" -c "CREATE DATABASE $dst2" \
  -c "ALTER DATABASE $dst2 SET comply.hmac_key_file = '$keyfile'"
q -d "$src" -c "CREATE TABLE clinic.checked (id int PRIMARY KEY, doc jsonb CHECK (comply.validate(doc, 'intake')))" \
  -c "INSERT INTO clinic.checked VALUES (1, '{\"patient_id\": \"P000001\"}'), (2, '{\"patient_id\": \"P000002\"}')"
"${PG_DUMP:-pg_dump}" -Fc -f "$work/checked.dump" "$src"
"${PG_RESTORE:-pg_restore}" -d "$dst2" "$work/checked.dump" >/dev/null 2>&1 || true
check "restored in pg_dump's order, the CHECK's rows are lost (why the list is needed)" "0" \
  "$(q -d "$dst2" -c "SELECT count(*) FROM clinic.checked")"
q -d postgres -c "DROP DATABASE $dst2 WITH (FORCE)" -c "CREATE DATABASE $dst2" \
  -c "ALTER DATABASE $dst2 SET comply.hmac_key_file = '$keyfile'"
# The procedure as README gives it.
"${PG_RESTORE:-pg_restore}" -l "$work/checked.dump" > "$work/toc"
{ sed -n '1,/ TABLE DATA /{/ TABLE DATA /!p}' "$work/toc"
  grep ' TABLE DATA comply ' "$work/toc"
  sed -n '/ TABLE DATA /,$p' "$work/toc" | grep -v ' TABLE DATA comply '; } > "$work/toc.ordered"
restore_log=$("${PG_RESTORE:-pg_restore}" --exit-on-error -L "$work/toc.ordered" -d "$dst2" "$work/checked.dump" 2>&1) && rc=0 || rc=$?
check "restored from the list with comply's configuration first, pg_restore succeeds" "0" "$rc${restore_log:+: $restore_log}"
check "... and the CHECK's rows are back" "2" "$(q -d "$dst2" -c "SELECT count(*) FROM clinic.checked")"
check "... with everything else" "$(q -d "$src" -c "SELECT count(*) FROM clinic.intake; SELECT count(*) FROM comply.policies")" \
  "$(q -d "$dst2" -c "SELECT count(*) FROM clinic.intake; SELECT count(*) FROM comply.policies")"
q -d postgres -c "DROP DATABASE $dst2 WITH (FORCE)"

# A parallel restore of a protected partitioned table: each partition's primary key and
# rows are restored in connections of their own, and the drift event trigger that reads
# the partition tree during that DDL locked every partition: two workers each holding
# one partition deadlocked there (QA 18: 4 runs of 4 with -j 2, a partition's key or
# rows lost). Three runs, a fresh database each.
par_src=comply_dump_par_src
par_dst=comply_dump_par_dst
q -d postgres -c "DROP DATABASE IF EXISTS $par_src WITH (FORCE)" -c "CREATE DATABASE $par_src"
q -d "$par_src" <<'SQL' >/dev/null
SET client_min_messages = warning;
CREATE EXTENSION pg_comply;
CREATE TABLE ev (id int, region text, note text, PRIMARY KEY (id, region)) PARTITION BY LIST (region);
CREATE TABLE ev_n PARTITION OF ev FOR VALUES IN ('north');
CREATE TABLE ev_s PARTITION OF ev FOR VALUES IN ('south');
CREATE TABLE ev_w PARTITION OF ev FOR VALUES IN ('west');
SELECT comply.protect('ev', '{"columns": {"note": {"redact": true}}}');
INSERT INTO ev VALUES (1, 'north', 'call 415-555-2671'), (2, 'south', 'x'), (3, 'west', 'y');
SQL
"${PG_DUMP:-pg_dump}" -Fc -f "$work/par.dump" "$par_src"
par_ok=0
for run in 1 2 3; do
  q -d postgres -c "DROP DATABASE IF EXISTS $par_dst WITH (FORCE)" -c "CREATE DATABASE $par_dst"
  if "${PG_RESTORE:-pg_restore}" -j 2 --exit-on-error -d "$par_dst" "$work/par.dump" >"$work/par.log" 2>&1 &&
     [ "$(q -d "$par_dst" -c "SELECT count(*) FROM ev")" = 3 ] &&
     [ "$(q -d "$par_dst" -c "SELECT count(*) FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
                               WHERE i.indisprimary AND c.relname IN ('ev', 'ev_n', 'ev_s', 'ev_w')")" = 4 ]; then
    par_ok=$((par_ok + 1))
  else
    sed 's/^/#   /' "$work/par.log" | head -5
  fi
done
check "a protected partitioned table restored with -j 2, three times: keys and rows intact" "3" "$par_ok"
for db in "$par_src" "$par_dst"; do q -d postgres -c "DROP DATABASE $db WITH (FORCE)"; done

for db in "$src" "$dst"; do q -d postgres -c "DROP DATABASE $db WITH (FORCE)"; done
echo "dump_restore: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
