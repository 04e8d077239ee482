-- What a role that is not a superuser can put past pg_comply: the session's
-- application_name in the ledger.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pg_comply;
RESET client_min_messages;
CREATE SCHEMA priv;

-- application_name is the client's text (any role may SET it, a database owner may set it
-- for every session): the ledger could never drop personal data put there, so it is
-- redacted like an entry's action, for comply.audit, a protected table's writes and the
-- records the job worker appends for rejected rows.
CREATE TABLE priv.intake (id int PRIMARY KEY, notes text, doc jsonb);
SELECT comply.register_schema('priv_doc', '{"type": "object", "required": ["user_id"]}');
SELECT comply.protect('priv.intake', '{"columns": {"notes": {"redact": true}, "doc": {"validate": "priv_doc"}}}');
SELECT coalesce(max(id), 0) AS before_app FROM comply.audit_log \gset
SET application_name = 'intake for maria.garcia@example.org';
SELECT comply.audit('privileges.app', 'x') > 0 AS appended;
INSERT INTO priv.intake VALUES (1, 'hello', '{"user_id": 1}');
-- (The refusal caught: the test cluster's log_line_prefix shows application_name, and
-- the log is searched for the tests' PII values.)
DO $$
BEGIN
  INSERT INTO priv.intake VALUES (2, 'hello', '{}');
EXCEPTION WHEN check_violation THEN
  RAISE NOTICE 'row 2 rejected';
END $$;
SET application_name = 'psql';
SELECT comply.run_jobs(10) >= 0 AS ran;
RESET application_name;
SELECT action, application_name FROM comply.audit_log WHERE id > :before_app ORDER BY id;
SELECT comply.unprotect('priv.intake');

SET client_min_messages = warning;
DROP SCHEMA priv CASCADE;
RESET client_min_messages;
DELETE FROM comply.schemas WHERE name = 'priv_doc';
