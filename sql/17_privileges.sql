-- What a role that is not a superuser can put past pg_comply: the session's
-- application_name in the ledger, and BEFORE triggers that see a protected table's
-- values in clear because they fire before its policy.
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
-- A session keeps the last application_name it redacted, with what it became (the same
-- name on every entry costs one redaction): each entry still stores the session's name
-- as it is when the entry is written, after a SET, a SET back to an earlier name, a
-- RESET, and a custom recognizer added (then removed) that finds something in it.
SELECT current_setting('application_name') AS default_app \gset
SELECT coalesce(max(id), 0) AS before_names FROM comply.audit_log \gset
SET application_name = 'billing for maria.garcia@example.org';
SELECT comply.audit('privileges.names', '1') > 0 AS appended;
SELECT comply.audit('privileges.names', '2') > 0 AS appended;
SET application_name = 'billing';
SELECT comply.audit('privileges.names', '3') > 0 AS appended;
SET application_name = 'billing for maria.garcia@example.org';
SELECT comply.audit('privileges.names', '4') > 0 AS appended;
SET application_name = 'billing';
SELECT comply.audit('privileges.names', '5') > 0 AS appended;
INSERT INTO comply.recognizers (entity, pattern, score) VALUES ('BILLING_APP', '\bbilling\b', 0.9);
SELECT comply.audit('privileges.names', '6') > 0 AS appended;
DELETE FROM comply.recognizers WHERE entity = 'BILLING_APP';
SELECT comply.audit('privileges.names', '7') > 0 AS appended;
RESET application_name;
SELECT comply.audit('privileges.names', '8') > 0 AS appended;
SET application_name = '';
SELECT comply.audit('privileges.names', '9') > 0 AS appended;
CREATE TABLE priv.names (id int PRIMARY KEY, notes text);
SELECT comply.protect('priv.names', '{"columns": {"notes": {"redact": true}}, "audit": true}');
SET application_name = 'billing';
INSERT INTO priv.names VALUES (1, 'hello');
SET application_name = 'billing for maria.garcia@example.org';
INSERT INTO priv.names VALUES (2, 'hello');
RESET application_name;
SELECT comply.unprotect('priv.names');
DROP TABLE priv.names;
SELECT action, object, application_name,
       application_name IS NOT DISTINCT FROM nullif(:'default_app', '') AS is_default
  FROM comply.audit_log WHERE id > :before_names AND action IN ('privileges.names', 'INSERT')
 ORDER BY id;
-- Likewise the names of the roles (kept for the last two asked): an entry names the
-- acting role as it is called when the entry is written, renamed in the same session,
-- or in the same transaction.
CREATE ROLE priv_clerk;
GRANT EXECUTE ON FUNCTION comply.audit(text, text, jsonb) TO priv_clerk;
SET ROLE priv_clerk;
SELECT comply.audit('privileges.roles', '1') > 0 AS appended;
RESET ROLE;
SELECT comply.audit('privileges.roles', '2') > 0 AS appended;
ALTER ROLE priv_clerk RENAME TO priv_officer;
SET ROLE priv_officer;
SELECT comply.audit('privileges.roles', '3') > 0 AS appended;
RESET ROLE;
BEGIN;
ALTER ROLE priv_officer RENAME TO priv_auditor;
SET LOCAL ROLE priv_auditor;
SELECT comply.audit('privileges.roles', '4') > 0 AS appended;
COMMIT;
SELECT object, CASE WHEN current_user_name = session_user THEN '(session user)' ELSE current_user_name END AS acting,
       session_user_name = session_user AS session_ok
  FROM comply.audit_log WHERE id > :before_names AND action = 'privileges.roles' ORDER BY id;
REVOKE EXECUTE ON FUNCTION comply.audit(text, text, jsonb) FROM priv_auditor;
DROP ROLE priv_auditor;

-- A BEFORE row trigger that fires before the policy's (names sort before
-- comply_protect_before) sees what is written in clear. Created on a protected table it
-- is drift (13_drift); one already there when the table is protected is named by
-- protect (a NOTICE, and in its ledger entry), and one a partition brings when it is
-- attached is drift too.
CREATE TABLE priv.copies (notes text);
CREATE FUNCTION priv.copy_out() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO priv.copies VALUES (NEW.notes);
  RETURN NEW;
END $$;
CREATE TRIGGER a_copy BEFORE INSERT OR UPDATE ON priv.intake
  FOR EACH ROW EXECUTE FUNCTION priv.copy_out();
SELECT coalesce(max(id), 0) AS before_protect FROM comply.audit_log \gset
SELECT comply.protect('priv.intake', '{"columns": {"notes": {"redact": true}}}');
SELECT action, details FROM comply.audit_log WHERE id > :before_protect ORDER BY id;
SELECT comply.unprotect('priv.intake');
DROP TRIGGER a_copy ON priv.intake;
-- Without such a trigger, the entry is as before.
SELECT coalesce(max(id), 0) AS before_protect FROM comply.audit_log \gset
SELECT comply.protect('priv.intake', '{"columns": {"notes": {"redact": true}}}');
SELECT action, details FROM comply.audit_log WHERE id > :before_protect ORDER BY id;
SELECT comply.unprotect('priv.intake');

-- A partitioned table: its partitions' triggers count, and a partition attached with one
-- is drift.
CREATE TABLE priv.parts (id int PRIMARY KEY, notes text) PARTITION BY RANGE (id);
CREATE TABLE priv.parts_1 PARTITION OF priv.parts FOR VALUES FROM (0) TO (100);
CREATE TRIGGER a_copy BEFORE INSERT ON priv.parts_1
  FOR EACH ROW EXECUTE FUNCTION priv.copy_out();
SELECT coalesce(max(id), 0) AS before_parts FROM comply.audit_log \gset
SELECT comply.protect('priv.parts', '{"columns": {"notes": {"redact": true}}}');
CREATE TABLE priv.parts_2 (id int PRIMARY KEY, notes text);
CREATE TRIGGER a_copy BEFORE INSERT ON priv.parts_2
  FOR EACH ROW EXECUTE FUNCTION priv.copy_out();
CREATE TRIGGER b_copy BEFORE UPDATE ON priv.parts_2
  FOR EACH ROW EXECUTE FUNCTION priv.copy_out();
CREATE TRIGGER z_after BEFORE INSERT ON priv.parts_2
  FOR EACH ROW EXECUTE FUNCTION priv.copy_out();
ALTER TABLE priv.parts ATTACH PARTITION priv.parts_2 FOR VALUES FROM (100) TO (200);
-- Attached without one: only the alteration.
CREATE TABLE priv.parts_3 (id int PRIMARY KEY, notes text);
ALTER TABLE priv.parts ATTACH PARTITION priv.parts_3 FOR VALUES FROM (200) TO (300);
SELECT action, details - 'by' AS details FROM comply.audit_log WHERE id > :before_parts ORDER BY id;
SELECT comply.unprotect('priv.parts');

-- comply.audit is PUBLIC's, but the action names pg_comply writes itself are not: an
-- entry a role appended as "unprotect" or "review.decide" would read as pg_comply's
-- evidence. They are refused (42501) in any letter case and with white space around them;
-- a role's own names, and the row changes comply.audit_trigger records as the writing
-- role (INSERT, UPDATE, DELETE), stay open.
CREATE ROLE priv_app;
CREATE ROLE priv_reviewer IN ROLE comply_reviewer;
GRANT USAGE ON SCHEMA priv TO priv_app;
CREATE TABLE priv.orders (id int PRIMARY KEY, total int);
GRANT SELECT, INSERT, UPDATE, DELETE ON priv.orders TO priv_app;
CREATE TRIGGER orders_audit AFTER INSERT OR UPDATE OR DELETE ON priv.orders
  FOR EACH ROW EXECUTE FUNCTION comply.audit_trigger();
SELECT coalesce(max(id), 0) AS before_reserved FROM comply.audit_log \gset
SET ROLE priv_app;
SELECT comply.audit('Unprotect', 'priv.orders', '{}');
\set VERBOSITY terse
SELECT comply.audit('DRIFT', 'priv.orders', '{"message": "nothing changed"}');
SELECT comply.audit('Review.Decide', 'comply.review_cases/1', '{"decision": "approve"}');
SELECT comply.audit(' protect.rejected ', 'priv.orders', '{}');
SELECT comply.audit(E'ai.decision\n', 'comply.ai_jobs/1', '{}');
-- Nor under a name that only displays as one: invisible characters, fullwidth forms,
-- Cyrillic or Greek letters that look like Latin ones (compared as a reader takes them).
SELECT comply.audit(E'\u200bdrift', 'priv.orders', '{}');
SELECT comply.audit(E'review.decide\u034f', 'comply.review_cases/1', '{}');
SELECT comply.audit(E'dr\u0456ft', 'priv.orders', '{}');
-- Compatibility forms and other look-alikes too (QA 16): a roman numeral, mathematical
-- letters, small capitals, a Braille blank.
SELECT comply.audit(E'prote\u217Dt', 'priv.orders', '{}');
SELECT comply.audit(E'\u217Cedger.archived', 'priv.orders', '{}');
SELECT comply.audit(E'\U0001D68D\U0001D69B\U0001D692\U0001D68F\U0001D69D', 'priv.orders', '{}');
SELECT comply.audit(E'\u1D18\u0280\u1D0F\u1D1B\u1D07\u1D04\u1D1B', 'priv.orders', '{}');
SELECT comply.audit(E'unprotect\u2800', 'priv.orders', '{}');
SELECT comply.audit(E'\uff4c\uff45\uff44\uff47\uff45\uff52.archived', 'x', '{}');
SELECT comply.audit(E'\u00a0ledger.node_adopted', 'x', '{}');
-- Every reserved name, in mixed case.
DO $$
DECLARE
  a text;
  refused int := 0;
BEGIN
  FOREACH a IN ARRAY ARRAY['Protect', 'UNPROTECT', 'Protect.Rejected', 'Drift',
                           'Baseline', 'Forget', 'AI.Purged', 'Alert.Dismissed', 'AI.Decision',
                           'AI.Review_Needed', 'AI.Dead_Letter', 'AI.Discarded', 'AI.Clear_Text_Sent',
                           'Model.Train', 'Review.Claim', 'Review.Decide', 'Review.Release',
                           'Review.Enqueue', 'Review.Claim_Expired', 'Review.Escalate',
                           'Review.Withdrawn', ' Ledger.Anything'] LOOP
    BEGIN
      PERFORM comply.audit(a, 'x');
      RAISE NOTICE 'not refused: %', a;
    EXCEPTION WHEN insufficient_privilege THEN
      refused := refused + 1;
    END;
  END LOOP;
  RAISE NOTICE '% refused', refused;
END $$;
-- Nor may the role call the internal entry points that write them.
SELECT comply._audit_own('drift', 'priv.orders', '{}');
SELECT comply._audit_as_caller('unprotect', 'priv.orders', '{}');
\set VERBOSITY default
-- Its own names are its own, those that only resemble pg_comply's included.
SELECT comply.audit('refund.approved', 'priv.orders/1', '{}') > 0 AS own_name;
SELECT comply.audit('drift.checked', 'priv.orders', '{}') > 0 AS resembling_name;
SELECT comply.audit('reviewed', 'priv.orders', '{}') > 0 AS resembling_name;
SELECT comply.audit(E'facture.pay\u00e9e', 'priv.orders/1', '{}') > 0 AS own_name;
-- So are the statements' names (SELECT, COPY), which an application logging its own reads
-- would use (pg_comply's audited reads write them too, through the job worker).
SELECT comply.audit('SELECT', 'priv.orders/1', '{"rows": 1}') > 0 AS statement_name;
INSERT INTO priv.orders VALUES (1, 10);
UPDATE priv.orders SET total = 20;
DELETE FROM priv.orders;
-- discover (and controls.run) stay open too: comply.discover runs as its caller, any role.
SELECT count(*) AS findings FROM comply.discover(table_name => 'priv.orders');
RESET ROLE;
-- pg_comply's own paths still write them, as the role that acts: the review queue's (a
-- reviewer who is not the owner), the protect's and the drift's.
SELECT comply.review_enqueue('{"table": "priv.orders", "id": 1}', 'refund over the limit',
                             ARRAY['approve', 'reject'], queue => 'priv_refunds') AS priv_case \gset
SET ROLE priv_reviewer;
SELECT (comply.review_next('priv_refunds')).id = :priv_case AS claimed;
SELECT status FROM comply.review_decide(:priv_case, 'reject');
RESET ROLE;
SELECT comply.protect('priv.orders', '{"columns": {}}');
ALTER TABLE priv.orders ADD COLUMN note text;
SELECT comply.unprotect('priv.orders');
SELECT action, current_user_name, regexp_replace(object, '/[0-9]+$', '/N') AS object
  FROM comply.audit_log WHERE id > :before_reserved ORDER BY id;
DROP TABLE priv.orders;

SET client_min_messages = warning;
DROP SCHEMA priv CASCADE;
RESET client_min_messages;
DELETE FROM comply.schemas WHERE name = 'priv_doc';
DROP ROLE priv_app;
DROP ROLE priv_reviewer;
