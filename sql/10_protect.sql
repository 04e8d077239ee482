-- Protected tables: comply.protect puts validation, redaction, audit and classification
-- on a table's writes through one C trigger function; rejected rows are recorded in the
-- ledger even though their transaction rolls back; policies are cached per session and
-- dropped when they change; comply.unprotect removes it all.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pg_comply;
CREATE EXTENSION IF NOT EXISTS dblink;
RESET client_min_messages;

SELECT current_setting('data_directory') || '/comply_test_hmac.key' AS keyfile \gset
SET comply.hmac_key_file = :'keyfile';
SELECT comply.register_schema('p_intake', '{
  "type": "object",
  "required": ["patient_id"],
  "properties": {"patient_id": {"type": "string", "pattern": "^P[0-9]{6}$"},
                 "age": {"type": "integer", "minimum": 0, "maximum": 150}}}');
CREATE SCHEMA clinic;
CREATE TABLE clinic.intake (
  id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  payload jsonb,
  notes text,
  ssn varchar(40),
  card text,
  summary text
);

-- A policy per column, and for the table.
SELECT comply.protect('clinic.intake', '{
  "columns": {"payload": {"validate": "p_intake", "redact": true},
              "notes": {"redact": {"US_SSN": {"op": "mask", "keep_last": 4}, "default": {"op": "label"}}},
              "ssn": {"pseudonymize": true},
              "card": {"mask": {"keep_last": 4}},
              "summary": {"classify": {"labels": ["phi", "pci", "general"], "model": "compliance", "queue": "intake"}}},
  "workflow_step": "intake", "regulations": ["HIPAA §164.312(b)", "GDPR Art. 5(1)(c)"]}');
SELECT table_name, before_trigger, after_trigger, enforced, policy -> 'workflow_step' AS step
  FROM comply.protected_tables;

-- INSERT: every element applies.
INSERT INTO clinic.intake (payload, notes, ssn, card, summary)
VALUES ('{"patient_id": "P000001", "age": 52, "contact": "maria.garcia@example.org"}',
        'Patient Maria Garcia, SSN 536-22-8714, called from 415-555-2671',
        '536-22-8714', '4111111111111111',
        'Oncology referral and MRI results for the patient');
SELECT id, payload, notes, ssn LIKE 'ps\_%' AS ssn_pseudonymized, length(ssn) AS ssn_length,
       ssn = comply.pseudonymize('536-22-8714') AS same_pseudonym, card, summary
  FROM clinic.intake;

-- UPDATE: the same rules on the new row; unchanged columns stay as they were.
UPDATE clinic.intake SET notes = 'Reached her at m.garcia@example.org', card = '5500005555555559' WHERE id = 1;
SELECT id, notes, card, ssn = comply.pseudonymize('536-22-8714') AS ssn_unchanged,
       payload ->> 'patient_id' AS payload_unchanged FROM clinic.intake;

-- NULLs pass untouched.
INSERT INTO clinic.intake (payload, notes) VALUES (NULL, NULL);
SELECT id, payload IS NULL AS no_payload, notes IS NULL AS no_notes FROM clinic.intake WHERE id = 2;

-- COPY goes through the same trigger.
\copy clinic.intake (payload, notes, card) FROM stdin
{"patient_id": "P000003"}	Discharge note: SSN 372-44-1856 on file	4012888888881881
{"patient_id": "P000004", "age": 30}	Call Dr. Lee at 212-555-0100	\N
\.
SELECT id, payload, notes, card FROM clinic.intake WHERE id > 2 ORDER BY id;

-- A row that fails validation is rejected, naming the column and the path, never the
-- value; the attempt reaches the ledger through the job worker although this
-- transaction rolls back (comply.run_jobs() writes it here, as the worker does).
INSERT INTO clinic.intake (payload) VALUES ('{"patient_id": "536-22-8714", "age": -1}');
BEGIN;
INSERT INTO clinic.intake (payload) VALUES ('{"age": 40}');
ROLLBACK;
UPDATE clinic.intake SET payload = '{"patient_id": 7}' WHERE id = 1;
-- (A rejected COPY row carries no context: COPY's quotes the line, values and all, to the
-- client and the server log.)
\copy clinic.intake (payload) FROM stdin
{"patient_id": "X", "age": 41, "note": "SSN 536-22-8714"}
\.
SELECT count(*) AS rejected_rows_stored FROM clinic.intake WHERE payload ->> 'patient_id' IN ('536-22-8714', 'X')
   OR payload = '{"age": 40}';
SELECT count(*) AS rejected_in_ledger_before_the_worker FROM comply.audit_log WHERE action = 'protect.rejected';
-- The job worker's hand-over is emptied only by a transaction that commits: records
-- written by one that rolls back (or by a savepoint rolled back) wait for the next.
BEGIN;
SELECT comply.run_jobs(0 + 1) >= 0 AS worked;
ROLLBACK;
BEGIN;
SAVEPOINT before_jobs;
SELECT comply.run_jobs(0 + 1) >= 0 AS worked;
ROLLBACK TO SAVEPOINT before_jobs;
COMMIT;
SELECT count(*) AS rejected_in_ledger_after_rollbacks FROM comply.audit_log WHERE action = 'protect.rejected';
SELECT comply.run_jobs(0 + 1) >= 0 AS worked;
-- (An UPDATE's entry names the row by its primary key, as the row's entries do.)
SELECT action, object, details ->> 'operation' AS operation, details ->> 'column' AS col,
       details ->> 'schema' AS schema, details ->> 'errors' AS errors, details -> 'primary_key' AS pk
  FROM comply.audit_log WHERE action = 'protect.rejected' ORDER BY id;
SELECT count(*) AS values_in_ledger FROM comply.audit_log
 WHERE details::text LIKE '%536-22-8714%' OR details::text LIKE '%Garcia%';
-- The entry names who attempted the row, as a direct entry would: the session's user,
-- its role, application and client, not the job worker's (here run_jobs, from another
-- application), even for a role named like an e-mail address.
CREATE ROLE "intake.clerk@example.com";
GRANT USAGE ON SCHEMA clinic TO "intake.clerk@example.com";
GRANT INSERT ON clinic.intake TO "intake.clerk@example.com";
GRANT USAGE ON SEQUENCE clinic.intake_id_seq TO "intake.clerk@example.com";
SET application_name = 'intake-form';
SET ROLE "intake.clerk@example.com";
INSERT INTO clinic.intake (payload) VALUES ('{"age": 41}');
RESET ROLE;
SET application_name = 'job-runner';
SELECT comply.run_jobs(0 + 1) >= 0 AS worked;
RESET application_name;
SELECT session_user_name = session_user AS session_user_named, current_user_name, application_name,
       details ? 'attempted_by' AS actor_in_details
  FROM comply.audit_log WHERE action = 'protect.rejected' ORDER BY id DESC LIMIT 1;
-- The classification job a row queues names the role that wrote it, not pg_comply's owner.
BEGIN;
SET ROLE "intake.clerk@example.com";
INSERT INTO clinic.intake (payload, summary) VALUES ('{"patient_id": "P000077", "age": 52}', 'Card payment dispute');
RESET ROLE;
SELECT created_by, created_by_role = to_regrole('"intake.clerk@example.com"') AS writer_role
  FROM comply.ai_jobs ORDER BY id DESC LIMIT 1;
ROLLBACK;
-- Written through a SECURITY DEFINER function (an application's API), the write runs as
-- the function's owner; the role that called it is recorded too (four eyes counts it).
BEGIN;
CREATE ROLE intake_api_caller;
CREATE FUNCTION public.intake_api(s text) RETURNS void LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog
  AS $$ INSERT INTO clinic.intake (payload, summary) VALUES ('{"patient_id": "P000078"}', s) $$;
ALTER FUNCTION public.intake_api(text) OWNER TO "intake.clerk@example.com";
SET ROLE intake_api_caller;
SELECT public.intake_api('Card payment dispute, second call');
RESET ROLE;
SELECT created_by, created_by_role = to_regrole('"intake.clerk@example.com"') AS writer_role,
       created_by_invoker_role = to_regrole('intake_api_caller') AS invoker_role
  FROM comply.ai_jobs ORDER BY id DESC LIMIT 1;
ROLLBACK;

-- Audit: one entry per row change, with the primary key and the names of the changed
-- columns (never their values).
SELECT action, object, details -> 'primary_key' AS pk, details -> 'columns' AS columns
  FROM comply.audit_log WHERE object = 'clinic.intake' AND action IN ('INSERT', 'UPDATE', 'DELETE')
 ORDER BY id;
DELETE FROM clinic.intake WHERE id = 2;
SELECT action, details -> 'primary_key' AS pk FROM comply.audit_log ORDER BY id DESC LIMIT 1;
-- A value replaced by another that the policy stores alike (one e-mail by another, both
-- "[EMAIL_ADDRESS]"; a card by one with the same last four digits, masked) is a change
-- of that column all the same (QA 14); writing the stored value back is none.
BEGIN;
CREATE TABLE clinic.contacts (id int PRIMARY KEY, email text, card text, note text);
SELECT comply.protect('clinic.contacts', '{"columns": {"email": {"redact": true}, "card": {"mask": {"keep_last": 4}}}}') IS NOT NULL AS protected;
INSERT INTO clinic.contacts VALUES (1, 'jane.doe@example.com', '4111 1111 1111 1111', 'a'), (2, 'ann.lee@example.com', '4012 8888 8888 1881', 'b');
UPDATE clinic.contacts SET email = 'someone.else@example.net' WHERE id = 1;
UPDATE clinic.contacts SET card = '4012 8888 8888 1111', note = 'c' WHERE id = 1;
UPDATE clinic.contacts SET email = email, card = card, note = 'd';
SELECT email, card FROM clinic.contacts ORDER BY id;
SELECT details -> 'primary_key' AS pk, details -> 'columns' AS columns
  FROM comply.audit_log WHERE object = 'clinic.contacts' AND action = 'UPDATE' ORDER BY id;
ROLLBACK;

-- Classification: a job per written summary, subject naming table, key and column; an
-- empty or blank summary has nothing to classify and queues no job, as NULL.
SELECT count(*) AS jobs_before FROM comply.ai_jobs WHERE queue = 'intake' \gset
INSERT INTO clinic.intake (summary) VALUES (''), ('   '), (' -- ');
SELECT count(*) - :jobs_before AS jobs_for_blank_summaries FROM comply.ai_jobs WHERE queue = 'intake';
DELETE FROM clinic.intake WHERE summary IN ('', '   ', ' -- ');
SELECT queue, subject, provider, model, labels, input FROM comply.ai_jobs
 WHERE queue = 'intake' ORDER BY id;

-- A policy changed by another session takes effect here at once (the cached policy is
-- dropped on the change): notes are no longer redacted, audit is off.
SELECT x AS changed_elsewhere FROM dblink(
  format('dbname=%s port=%s host=%s', current_database(), current_setting('port'),
         split_part(current_setting('unix_socket_directories'), ',', 1)),
  $$SELECT comply.protect('clinic.intake', '{"columns": {"payload": {"validate": "p_intake"}}, "audit": false}')::text$$)
  AS t(x text);
INSERT INTO clinic.intake (payload, notes) VALUES ('{"patient_id": "P000005"}', 'SSN 536-22-8714 kept now');
SELECT notes FROM clinic.intake WHERE payload ->> 'patient_id' = 'P000005';
SELECT count(*) AS audited FROM comply.audit_log
 WHERE object = 'clinic.intake' AND action = 'INSERT' AND details -> 'primary_key' ->> 'id' =
       (SELECT id::text FROM clinic.intake WHERE payload ->> 'patient_id' = 'P000005');
DELETE FROM clinic.intake WHERE payload ->> 'patient_id' = 'P000005';

-- Protecting and unprotecting are ledger entries.
SELECT action, object, details -> 'policy' -> 'audit' AS audit_setting FROM comply.audit_log
 WHERE action IN ('protect', 'unprotect') ORDER BY id;

-- Bad policies are refused before anything changes.
\set VERBOSITY terse
SELECT comply.protect('clinic.intake', '{"columns": {"nope": {"redact": true}}}');
SELECT comply.protect('clinic.intake', '{"columns": {"notes": {"validate": "p_intake"}}}');
SELECT comply.protect('clinic.intake', '{"columns": {"payload": {"validate": "not_registered"}}}');
SELECT comply.protect('clinic.intake', '{"columns": {"notes": {"shred": true}}}');
SELECT comply.protect('clinic.intake', '{"colums": {}}');
SELECT comply.protect('clinic.intake', '{"columns": {"summary": {"classify": {"labels": ["a"], "model": "no_model"}}}}');
SELECT comply.protect('clinic.intake', '{"columns": {"summary": {"classify": {"model": "openai:gpt-4o-mini"}}}}');
SELECT comply.protect('clinic.intake', '{"columns": {"summary": {"classify": {"model": "compliance", "queue": "triage queue!"}}}}');
SELECT comply.protect('clinic.intake', '{"columns": {"notes": {"redact": {"US_SSN": {"op": "explode"}}}}}');
SELECT comply.protect('clinic.intake', '{"columns": {"notes": {"redact": {"US_SNN": {"op": "mask"}}}}}');
SELECT comply.protect('clinic.intake', '[]');
-- A NULL argument is refused (22004): a NULL result would look like success and leave the
-- table as it was (a policy read by a subquery that found nothing, say).
SELECT comply.protect('clinic.intake', NULL);
SELECT comply.protect(NULL, '{"columns": {}}');
SELECT comply.protect('clinic.intake', (SELECT policy FROM comply.policies WHERE false));
SELECT comply.unprotect(NULL);
SELECT comply.protect_existing(NULL);
\set VERBOSITY sqlstate
SELECT comply.protect('clinic.intake', NULL);
\set VERBOSITY terse
-- The policy's own text (its workflow step, its regulations) is readable by every role:
-- personal data in it is refused, shown by length only, and so is text longer than a
-- label; dates and requirement numbers shaped like IP addresses are not personal data.
SELECT comply.protect('clinic.intake', '{"columns": {"notes": {"redact": true}}, "workflow_step": "intake for john.doe@example.com"}');
SELECT comply.protect('clinic.intake', '{"columns": {"notes": {"redact": true}}, "regulations": ["GDPR", "GDPR Art. 5 per SSN 536-22-8714"]}');
SELECT comply.protect('clinic.intake', jsonb_build_object('columns', '{"notes": {"redact": true}}'::jsonb, 'workflow_step', repeat('x', 201)));
-- At most 100 regulations (each a row of the matrix; QA 14 stored 100,000).
SELECT comply.protect('clinic.intake', jsonb_build_object('columns', '{"notes": {"redact": true}}'::jsonb,
                      'regulations', (SELECT jsonb_agg('GDPR'::text) FROM generate_series(1, 101))));
-- So is an operator's label, which every redacted row holds too.
SELECT comply.protect('clinic.intake', '{"columns": {"notes": {"redact": {"US_SSN": {"op": "label", "label": "536-22-8714"}}}}}');
BEGIN;
SET LOCAL client_min_messages = warning;
SELECT comply.protect('clinic.intake', '{"columns": {"notes": {"redact": {"EMAIL_ADDRESS": {"op": "label", "label": "[E-MAIL]"}}}}}') IS NOT NULL AS plain_label_taken;
ROLLBACK;
BEGIN;
SELECT comply.protect('clinic.intake', '{"columns": {"notes": {"redact": true}}, "workflow_step": "intake review 2026-12-01", "regulations": ["PCI DSS 10.2.1.1", "HIPAA §164.312(a)(2)(iv)"]}');
SELECT policy -> 'workflow_step' AS step, policy -> 'regulations' AS regulations
  FROM comply.policies WHERE table_name = 'clinic.intake'::regclass;
ROLLBACK;
-- "validate_options" as comply.validate's options: formats asserted on a protected
-- column. It needs "validate", and bad options are refused.
SELECT comply.protect('clinic.intake', '{"columns": {"payload": {"validate_options": {"format": "assert"}}}}');
SELECT comply.protect('clinic.intake', '{"columns": {"payload": {"validate": "p_intake", "validate_options": {"format": "strict"}}}}');
SELECT comply.protect('clinic.intake', '{"columns": {"payload": {"validate": "p_intake", "validate_options": "assert"}}}');
SELECT comply.register_schema('p_dated', '{"type": "object", "properties": {"seen": {"type": "string", "format": "date"}}}');
CREATE TABLE clinic.dated (id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY, doc jsonb, loose jsonb);
SELECT comply.protect('clinic.dated', '{"columns": {"doc": {"validate": "p_dated", "validate_options": {"format": "assert"}},
  "loose": {"validate": "p_dated"}}, "audit": false}');
INSERT INTO clinic.dated (doc, loose) VALUES ('{"seen": "2026-02-28"}', '{"seen": "2026-02-30"}');
INSERT INTO clinic.dated (doc, loose) VALUES ('{"seen": "2026-02-30"}', '{}');
UPDATE clinic.dated SET doc = '{"seen": "yesterday"}';
SELECT doc, loose FROM clinic.dated;
SELECT comply.unprotect('clinic.dated');
DROP TABLE clinic.dated;
-- A policy nested deeper than 512 levels: 54000, naming the argument, before it is read.
SELECT comply.protect('clinic.intake', ('{"columns": {"notes": {"redact": ' || repeat('[', 600) || repeat(']', 600) || '}}}')::jsonb);
SELECT comply._policy_problem('clinic.intake', (repeat('[', 600) || repeat(']', 600))::jsonb);
-- A label the builtin model does not know: every job would be dead-lettered.
SELECT comply.protect('clinic.intake', '{"columns": {"summary": {"classify": {"labels": ["phi", "astrology"], "model": "compliance"}}}}');
-- An openai model's name and labels are checked as comply.classify_async checks them:
-- the policy is readable by every role, and they go to the provider and into every job.
SELECT comply.protect('clinic.intake', '{"columns": {"summary": {"classify": {"labels": ["phi", "Wilhelmina Okonkwo"], "model": "openai:gpt-4o"}}}}');
SELECT comply.protect('clinic.intake', '{"columns": {"summary": {"classify": {"labels": ["phi", "pci"], "model": "openai:Wilhelmina Okonkwo"}}}}');
SELECT comply.protect('clinic.intake', '{"columns": {"summary": {"classify": {"labels": ["phi", "pci"], "model": "openai:"}}}}');
-- A key or a column that is not a name may be data: shown by its length only (also an
-- identifier that needs a context word to be reported in a text, or one glued to a word
-- by '_').
SELECT comply.redact('x', '{"AB123456C": {"op": "keep"}}');
SELECT comply.redact('x', '{"cf_BNCLRA91E52H501U": {"op": "keep"}}');
SELECT comply.protect('clinic.intake', '{"536-22-8714": 1}');
SELECT comply.protect('clinic.intake', '{"columns": {"maria.garcia@example.org": {"redact": true}}}');
SELECT comply.protect('clinic.intake', '{"columns": {"notes": {"redact": true, "536-22-8714": 1}}}');
-- A regclass that names nothing.
SELECT comply.unprotect(0::regclass);
SELECT comply.protect(0::regclass, '{}');
SELECT comply.protect_existing(0::regclass);
-- One transformation a column (which would apply would depend on the keys' order), none
-- on a column declared encrypted.
SELECT comply.protect('clinic.intake', '{"columns": {"notes": {"redact": true, "mask": {"keep_last": 4}}}}');
SELECT comply.protect('clinic.intake', '{"columns": {"ssn": {"pseudonymize": true, "redact": {}}}}');
SELECT comply.protect('clinic.intake', '{"columns": {"card": {"encrypted": true, "mask": true}}}');
-- pg_comply's own tables are not for protecting (an audited ledger would record its own
-- appends without end).
SELECT comply.protect('comply.audit_log', '{"columns": {"object": {"redact": true}}}');
SELECT comply.protect('comply.policies', '{}');
-- What a policy names cannot be removed from under it: its schema, its model.
DELETE FROM comply.schemas WHERE name = 'p_intake';
-- Nor a schema its schema reaches by a $ref, nor can that one take another $id (the $ref
-- would not resolve, and the table's writes would fail); replaced under its $id, it may be.
SELECT comply.register_schema('p_base', '{"$id": "https://example.org/p-base", "type": "object"}');
SELECT comply.register_schema('p_wrap', '{"$id": "https://example.org/p-wrap", "$ref": "https://example.org/p-base#"}');
CREATE TABLE clinic.refd (id int PRIMARY KEY, doc jsonb);
SELECT comply.protect('clinic.refd', '{"columns": {"doc": {"validate": "p_wrap"}}, "audit": false}');
DELETE FROM comply.schemas WHERE name = 'p_base';
UPDATE comply.schemas SET name = 'p_base_old' WHERE name = 'p_base';
SELECT comply.register_schema('p_base', '{"$id": "https://example.org/p-base-2", "type": "object"}');
SELECT comply.register_schema('p_base', '{"$id": "https://example.org/p-base", "type": "object", "required": ["a"]}');
INSERT INTO clinic.refd VALUES (1, '{"a": 1}');
INSERT INTO clinic.refd VALUES (2, '{"b": 1}');
SELECT comply.unprotect('clinic.refd');
DROP TABLE clinic.refd;
DELETE FROM comply.schemas WHERE name IN ('p_wrap', 'p_base');
CREATE TABLE clinic.triage (id int PRIMARY KEY, summary text);
SELECT comply.protect('clinic.triage', '{"columns": {"summary": {"classify": {"model": "builtin:compliance", "labels": ["phi", "pci"]}}}}');
DELETE FROM comply.models WHERE name = 'compliance';
-- Nor retrained without a label the policy names (its jobs would all be dead-lettered).
SELECT comply.train_classifier('compliance', $$SELECT body, label FROM docs WHERE label <> 'pci'$$);
-- Nor by a TRUNCATE, which passes no row trigger.
TRUNCATE comply.schemas;
TRUNCATE comply.models;
UPDATE comply.models SET name = 'compliance_v0' WHERE name = 'compliance';
SELECT comply.unprotect('clinic.triage');
CREATE VIEW clinic.v AS SELECT 1 AS x;
SELECT comply.protect('clinic.v', '{}');
SELECT comply.unprotect('clinic.v');
\set VERBOSITY default
SELECT policy FROM comply.policies;

-- Only the table's owner may protect it (CREATE TRIGGER needs ownership).
CREATE ROLE protect_other;
GRANT EXECUTE ON FUNCTION comply.protect(regclass, jsonb) TO protect_other;
GRANT USAGE ON SCHEMA clinic TO protect_other;
SET ROLE protect_other;
\set VERBOSITY terse
SELECT comply.protect('clinic.intake', '{}');
\set VERBOSITY default
RESET ROLE;
REVOKE ALL ON SCHEMA clinic FROM protect_other;
REVOKE ALL ON FUNCTION comply.protect(regclass, jsonb) FROM protect_other;
DROP ROLE protect_other;

-- A disabled trigger shows in comply.protected_tables.
ALTER TABLE clinic.intake DISABLE TRIGGER comply_protect_before;
SELECT table_name, before_trigger, enforced FROM comply.protected_tables;
ALTER TABLE clinic.intake ENABLE TRIGGER comply_protect_before;

-- Unprotect removes the triggers and the policy; writes are plain again.
SELECT comply.unprotect('clinic.intake');
SELECT count(*) AS protect_triggers FROM pg_trigger WHERE tgrelid = 'clinic.intake'::regclass AND NOT tgisinternal;
INSERT INTO clinic.intake (payload, notes) VALUES ('{"anything": true}', 'SSN 536-22-8714');
SELECT notes FROM clinic.intake ORDER BY id DESC LIMIT 1;
SELECT count(*) FROM comply.protected_tables;
-- Numeric keys stay numbers in the ledger (its redaction reads strings): a ten-digit id
-- is not taken for a health or phone number; a text key is redacted like any string.
CREATE TABLE clinic.accounts (id bigint PRIMARY KEY, note text);
CREATE TABLE clinic.by_email (email text PRIMARY KEY, note text);
SELECT comply.protect('clinic.accounts', '{"columns": {"note": {"redact": true}}}');
SELECT comply.protect('clinic.by_email', '{"columns": {"note": {"redact": true}}}');
INSERT INTO clinic.accounts VALUES (4155552671, 'x');
-- ... unless their digits are personal data: a card number or a German tax id used as a
-- bigint key is written as its label (docs/protect.md, "Ledger entries").
INSERT INTO clinic.accounts VALUES (4111111111111111, 'card'), (47815293646, 'tax id');
INSERT INTO clinic.by_email VALUES ('maria.garcia@example.org', 'y');
-- A key column's name is the context of its values: a Spanish NIF under "nif".
CREATE TABLE clinic.by_nif (nif text PRIMARY KEY, note text);
SELECT comply.protect('clinic.by_nif', '{"columns": {"note": {"redact": true}}}');
INSERT INTO clinic.by_nif VALUES ('73516284G', 'z');
SELECT object, details -> 'primary_key' AS pk FROM comply.audit_log
 WHERE object IN ('clinic.accounts', 'clinic.by_email', 'clinic.by_nif') AND action = 'INSERT' ORDER BY id;
SELECT comply.unprotect('clinic.by_nif');
SELECT comply.unprotect('clinic.accounts');
SELECT comply.unprotect('clinic.by_email');
-- A composite key, read from the relation cache: its key columns in key order, after a
-- dropped column, and not the columns it only INCLUDEs.
CREATE TABLE clinic.visits (gone int, site text, visit_no int, note text,
                            PRIMARY KEY (visit_no, site) INCLUDE (note));
ALTER TABLE clinic.visits DROP COLUMN gone;
SELECT comply.protect('clinic.visits', '{"columns": {"note": {"redact": true}}}');
INSERT INTO clinic.visits VALUES ('north', 7, 'SSN 536-22-8714');
SELECT details -> 'primary_key' AS pk FROM comply.audit_log
 WHERE object = 'clinic.visits' AND action = 'INSERT';
SELECT comply.unprotect('clinic.visits');
-- A jsonb column redacted with operators and "keys", as comply.redact(doc, operators,
-- keys): the value under a listed key (any depth, any case) is replaced whole, even a
-- name the detector would not find; other strings by content.
CREATE TABLE clinic.people (id int PRIMARY KEY, doc jsonb);
SELECT comply.protect('clinic.people', '{"columns": {"doc": {"redact":
  {"keys": ["name"], "EMAIL_ADDRESS": {"op": "mask", "keep_last": 4}}}}}');
INSERT INTO clinic.people VALUES (1, '{"name": "Wei Zhang", "contact": {"Name": "Kwame Mensah",
  "email": "wei.zhang@example.org", "since": 2019}, "note": "SSN 536-22-8714"}');
SELECT doc FROM clinic.people;
\set VERBOSITY terse
SELECT comply.protect('clinic.people', '{"columns": {"doc": {"redact": {"keys": "name"}}}}');
SELECT comply.protect('clinic.people', '{"columns": {"doc": {"redact": {"keys": [""]}}}}');
-- Key names are stored in the policy, which every role reads: a value there (an e-mail,
-- an SSN) is refused like a label holding one (QA 14).
SELECT comply.protect('clinic.people', '{"columns": {"doc": {"redact": {"keys": ["name", "jane.doe@example.com"]}}}}');
SELECT comply.protect('clinic.people', '{"columns": {"doc": {"redact": {"keys": ["536-22-8714"]}}}}');
-- Inheritance children (not partitions) have triggers of their own: a row written into
-- one directly passes none of its parent's. So a protected table's children must be
-- protected themselves: protect refuses a parent with unprotected children, the drift
-- event trigger a new unprotected child (CREATE TABLE ... INHERITS, ALTER TABLE ...
-- INHERIT), unprotect a child of a protected table.
CREATE TABLE clinic.parent (id int, note text);
CREATE TABLE clinic.child () INHERITS (clinic.parent);
SELECT comply.protect('clinic.parent', '{"columns": {"note": {"redact": true}}}');
SELECT comply.protect('clinic.child', '{"columns": {"note": {"redact": true}}}');
SELECT comply.protect('clinic.parent', '{"columns": {"note": {"redact": true}}}');
CREATE TABLE clinic.child2 () INHERITS (clinic.parent);
-- Also inside CREATE SCHEMA, whose commands the drift event trigger sees under its tag.
CREATE SCHEMA clinic_side CREATE TABLE child3 (id int, note text) INHERITS (clinic.parent);
SELECT count(*) AS side_schema FROM pg_namespace WHERE nspname = 'clinic_side';
CREATE TABLE clinic.loose (id int, note text);
ALTER TABLE clinic.loose INHERIT clinic.parent;
ALTER TABLE clinic.loose ADD COLUMN seen date;
SELECT comply.protect('clinic.loose', '{"columns": {"note": {"redact": true}}}');
ALTER TABLE clinic.loose INHERIT clinic.parent;
-- A foreign table cannot be protected: it cannot be a child of a protected table (its
-- rows would be written on the other server as they came, and read through the parent).
-- A foreign partition can: it gets the cloned triggers, and altering them is drift.
CREATE FOREIGN DATA WRAPPER clinic_fdw;
CREATE SERVER clinic_remote FOREIGN DATA WRAPPER clinic_fdw;
CREATE FOREIGN TABLE clinic.remote_child () INHERITS (clinic.parent) SERVER clinic_remote;
CREATE FOREIGN TABLE clinic.remote (id int NOT NULL, note text) SERVER clinic_remote;
ALTER FOREIGN TABLE clinic.remote INHERIT clinic.parent;
SELECT comply.protect('clinic.remote', '{"columns": {"note": {"redact": true}}}');
CREATE TABLE clinic.by_id (id int, note text) PARTITION BY RANGE (id);
SELECT comply.protect('clinic.by_id', '{"columns": {"note": {"redact": true}}}');
CREATE FOREIGN TABLE clinic.by_id_remote PARTITION OF clinic.by_id FOR VALUES FROM (0) TO (100) SERVER clinic_remote;
SELECT tgname, tgenabled FROM pg_trigger WHERE tgrelid = 'clinic.by_id_remote'::regclass ORDER BY 1;
ALTER FOREIGN TABLE clinic.by_id_remote DISABLE TRIGGER comply_protect_before;
SELECT details->>'kind' AS kind, details->>'partition' AS partition, details->>'command' AS command
  FROM comply.audit_log WHERE action = 'drift' AND object = 'clinic.by_id' ORDER BY id;
SELECT comply.unprotect('clinic.by_id');
DROP TABLE clinic.by_id;
-- A transformed column in a partition key (of the table, of a partitioned partition, in
-- an expression, or of the parent of a protected partition) is refused: rows are routed
-- by the value written, before the policy transforms it. Validating it is fine.
CREATE TABLE clinic.by_mail (id int, email text, note text) PARTITION BY LIST (email);
SELECT comply.protect('clinic.by_mail', '{"columns": {"email": {"redact": true}}}');
SELECT comply.protect('clinic.by_mail', '{"columns": {"email": {"pseudonymize": true}}}');
SELECT comply.protect('clinic.by_mail', '{"columns": {"note": {"redact": true}}}');
-- Nor can a partition partitioned by a transformed column join the tree later.
CREATE TABLE clinic.by_mail_a PARTITION OF clinic.by_mail FOR VALUES IN ('a') PARTITION BY LIST (note);
CREATE TABLE clinic.by_mail_b (id int, email text, note text) PARTITION BY RANGE (id, lower(note));
ALTER TABLE clinic.by_mail ATTACH PARTITION clinic.by_mail_b FOR VALUES IN ('b');
CREATE TABLE clinic.by_mail_c PARTITION OF clinic.by_mail FOR VALUES IN ('c') PARTITION BY LIST (id);
-- Nor can the protected table be attached under a parent partitioned by it.
CREATE TABLE clinic.by_note_parent (id int, email text, note text) PARTITION BY LIST (note);
ALTER TABLE clinic.by_note_parent ATTACH PARTITION clinic.by_mail FOR VALUES IN ('n');
DROP TABLE clinic.by_note_parent;
SELECT comply.unprotect('clinic.by_mail');
DROP TABLE clinic.by_mail, clinic.by_mail_b;
CREATE TABLE clinic.by_hash (id int, note text) PARTITION BY HASH (id);
CREATE TABLE clinic.by_hash_0 PARTITION OF clinic.by_hash FOR VALUES WITH (MODULUS 2, REMAINDER 0)
  PARTITION BY RANGE (lower(note));
CREATE TABLE clinic.by_hash_1 PARTITION OF clinic.by_hash FOR VALUES WITH (MODULUS 2, REMAINDER 1);
SELECT comply.protect('clinic.by_hash', '{"columns": {"note": {"mask": {"keep_last": 2}}}}');
SELECT comply.protect('clinic.by_hash_0', '{"columns": {"note": {"redact": true}}}');
DROP TABLE clinic.by_hash;
CREATE TABLE clinic.by_note (id int, note text) PARTITION BY RANGE (note);
CREATE TABLE clinic.by_note_all PARTITION OF clinic.by_note FOR VALUES FROM (MINVALUE) TO (MAXVALUE);
SELECT comply.protect('clinic.by_note_all', '{"columns": {"note": {"redact": true}}}');
DROP TABLE clinic.by_note;
-- A key over the whole row names every column, the transformed one included.
CREATE TYPE clinic.mail_row AS (id int, email text);
CREATE FUNCTION clinic.mail_of(clinic.mail_row) RETURNS text IMMUTABLE LANGUAGE sql AS 'SELECT $1.email';
CREATE TABLE clinic.by_row OF clinic.mail_row PARTITION BY LIST (clinic.mail_of(by_row));
CREATE TABLE clinic.by_row_any PARTITION OF clinic.by_row DEFAULT;
SELECT comply.protect('clinic.by_row', '{"columns": {"email": {"mask": true}}}');
SELECT comply.protect('clinic.by_row_any', '{"columns": {"email": {"mask": true}}}');
DROP TABLE clinic.by_row;
DROP FUNCTION clinic.mail_of(clinic.mail_row);
DROP TYPE clinic.mail_row;
DROP FOREIGN TABLE clinic.remote;
DROP SERVER clinic_remote;
DROP FOREIGN DATA WRAPPER clinic_fdw;
INSERT INTO clinic.loose VALUES (1, 'SSN 536-22-8714');
INSERT INTO clinic.child VALUES (2, 'call 415-555-0132 or 212-736-5000');
SELECT id, note FROM clinic.parent ORDER BY id;
SELECT comply.unprotect('clinic.child');
ALTER TABLE clinic.child NO INHERIT clinic.parent;
SELECT comply.unprotect('clinic.child');
SELECT comply.unprotect('clinic.parent');
SELECT comply.unprotect('clinic.loose');
DROP TABLE clinic.parent, clinic.child, clinic.loose;
-- BEFORE triggers fire in the order of their names: one that sorts after the policy's
-- sees the values it produced. protect names them; one that changes other columns is
-- harmless, but a row whose protected columns one changes is rejected (and recorded,
-- like a row that fails validation).
CREATE TABLE clinic.stamped (id int PRIMARY KEY, note text, seen timestamptz);
CREATE FUNCTION clinic.stamp() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN NEW.seen := now(); RETURN NEW; END $$;
CREATE TRIGGER set_seen BEFORE INSERT OR UPDATE ON clinic.stamped FOR EACH ROW EXECUTE FUNCTION clinic.stamp();
-- One that sorts before it sees the values written, in clear: protect names it too.
CREATE TRIGGER a_first BEFORE INSERT ON clinic.stamped FOR EACH ROW EXECUTE FUNCTION clinic.stamp();
SELECT comply.protect('clinic.stamped', '{"columns": {"note": {"redact": true}}}');
INSERT INTO clinic.stamped VALUES (1, 'SSN 536-22-8714');
UPDATE clinic.stamped SET note = 'reach me at 415-555-0132' WHERE id = 1;
SELECT id, note, seen IS NOT NULL AS stamped FROM clinic.stamped;
CREATE FUNCTION clinic.restore() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN NEW.note := 'SSN 536-22-8714, again'; RETURN NEW; END $$;
CREATE TRIGGER zz_restore BEFORE INSERT OR UPDATE ON clinic.stamped FOR EACH ROW EXECUTE FUNCTION clinic.restore();
INSERT INTO clinic.stamped VALUES (2, 'nothing to hide');
UPDATE clinic.stamped SET seen = now() WHERE id = 1;
INSERT INTO clinic.stamped SELECT g, 'row ' || g FROM generate_series(3, 5) g;
-- Renamed to sort first: the policy then redacts what it writes. A BEFORE trigger that
-- fires before the policy sees the values as written, in clear: drift.
ALTER TRIGGER zz_restore ON clinic.stamped RENAME TO a_restore;
SELECT details ->> 'kind' AS kind, details ->> 'trigger' AS trigger, details ->> 'command' AS command
  FROM comply.audit_log WHERE action = 'drift' AND object = 'clinic.stamped' ORDER BY id;
INSERT INTO clinic.stamped VALUES (2, 'nothing to hide');
SELECT id, note FROM clinic.stamped ORDER BY id;
SELECT comply.run_jobs(0 + 1) >= 0 AS worked;
SELECT details ->> 'operation' AS operation, details ->> 'column' AS col,
       details ->> 'changed_after_policy' AS triggers, details ->> 'errors' AS errors
  FROM comply.audit_log WHERE action = 'protect.rejected' AND object = 'clinic.stamped' ORDER BY id;
-- So is a value a later trigger changes in a column the policy validates or requires to
-- be ciphertext (it checks, it does not transform).
CREATE EXTENSION pgcrypto;
CREATE TABLE clinic.sealed (id int PRIMARY KEY, secret bytea, doc jsonb);
CREATE FUNCTION clinic.swap() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.id = 2 THEN NEW.secret := convert_to('SSN 536-22-8714', 'UTF8'); END IF;
  IF NEW.id = 3 THEN NEW.doc := '{"patient_id": "x"}'; END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER zzz_swap BEFORE INSERT OR UPDATE ON clinic.sealed FOR EACH ROW EXECUTE FUNCTION clinic.swap();
SELECT comply.protect('clinic.sealed', '{"columns": {"secret": {"encrypted": true}, "doc": {"validate": "p_intake"}}}');
INSERT INTO clinic.sealed VALUES (1, '\xc30d040703020102030405060708d23b01' || gen_random_bytes(48), '{"patient_id": "P000001"}');
INSERT INTO clinic.sealed VALUES (2, '\xc30d040703020102030405060708d23b01' || gen_random_bytes(48), '{"patient_id": "P000002"}');
INSERT INTO clinic.sealed VALUES (3, '\xc30d040703020102030405060708d23b01' || gen_random_bytes(48), '{"patient_id": "P000003"}');
SELECT id FROM clinic.sealed ORDER BY id;
SELECT comply.unprotect('clinic.sealed');
DROP TABLE clinic.sealed;
DROP FUNCTION clinic.swap();
DROP EXTENSION pgcrypto;
-- Renaming a protect trigger disables the protection: drift.
ALTER TRIGGER comply_protect_after ON clinic.stamped RENAME TO after_stamp;
SELECT enforced FROM comply.protected_tables WHERE table_name = 'clinic.stamped'::regclass;
ALTER TRIGGER after_stamp ON clinic.stamped RENAME TO comply_protect_after;
-- Redefining one under its own name (a WHEN clause, other events, another function) is
-- refused: a trigger of that name would remain that never runs the policy.
CREATE OR REPLACE TRIGGER comply_protect_before BEFORE INSERT OR UPDATE ON clinic.stamped
  FOR EACH ROW WHEN (false) EXECUTE FUNCTION comply._protect_row();
CREATE OR REPLACE TRIGGER comply_protect_after AFTER TRUNCATE ON clinic.stamped
  FOR EACH STATEMENT EXECUTE FUNCTION comply._protect_row();
CREATE OR REPLACE TRIGGER comply_protect_truncate AFTER TRUNCATE ON clinic.stamped
  FOR EACH STATEMENT EXECUTE FUNCTION clinic.stamp();
-- As comply.protect makes it, it is accepted (a restore creates them so).
CREATE OR REPLACE TRIGGER comply_protect_after AFTER INSERT OR UPDATE OR DELETE ON clinic.stamped
  FOR EACH ROW EXECUTE FUNCTION comply._protect_row();
SELECT enforced FROM comply.protected_tables WHERE table_name = 'clinic.stamped'::regclass;
SELECT details ->> 'kind' AS kind, details ->> 'trigger' AS trigger, details ->> 'command' AS command,
       details ->> 'message' AS message
  FROM comply.audit_log WHERE action = 'drift' AND object = 'clinic.stamped' ORDER BY id;
-- Rules rewrite a write before any trigger sees it (DO INSTEAD sends it elsewhere,
-- DO ALSO can copy the values written): refused on a protected table, and protect
-- refuses a table that has one.
CREATE TABLE clinic.sink (id int, note text);
CREATE RULE divert AS ON INSERT TO clinic.stamped DO INSTEAD INSERT INTO clinic.sink VALUES (NEW.id, NEW.note);
CREATE RULE copy_out AS ON UPDATE TO clinic.stamped DO ALSO INSERT INTO clinic.sink VALUES (NEW.id, NEW.note);
SELECT count(*) AS rules FROM pg_rewrite WHERE ev_class = 'clinic.stamped'::regclass;
SELECT comply.unprotect('clinic.stamped');
CREATE RULE copy_out AS ON UPDATE TO clinic.stamped DO ALSO INSERT INTO clinic.sink VALUES (NEW.id, NEW.note);
SELECT comply.protect('clinic.stamped', '{"columns": {"note": {"redact": true}}}');
DROP TABLE clinic.stamped, clinic.sink;
CREATE TEMP TABLE scratch_notes (id int, note text);
SELECT comply.protect('scratch_notes', '{"columns": {"note": {"redact": true}}}');
DROP TABLE scratch_notes;
CREATE TABLE clinic.generated (id int, first text, last text,
                               full_name text GENERATED ALWAYS AS (first || ' ' || last) STORED);
SELECT comply.protect('clinic.generated', '{"columns": {"full_name": {"redact": true}}}');
DROP TABLE clinic.generated;
SELECT comply.protect('clinic.by_email', '{"columns": {"note": {"redact": {"keys": ["name"]}}}}');
\set VERBOSITY default
SELECT comply.unprotect('clinic.people');
-- A partitioned table: its triggers are cloned onto its partitions (those created or
-- attached later too, whatever their column numbers), which follow its policy. The
-- ledger entries name the protected table and the partition the row is stored in; a
-- row moved between partitions is a DELETE and an INSERT.
CREATE TABLE clinic.events (id int, region text, note text, PRIMARY KEY (id, region))
  PARTITION BY LIST (region);
CREATE TABLE clinic.events_north PARTITION OF clinic.events FOR VALUES IN ('north')
  PARTITION BY RANGE (id);
CREATE TABLE clinic.events_north_1 PARTITION OF clinic.events_north FOR VALUES FROM (0) TO (100);
SELECT comply.protect('clinic.events', '{"columns": {"note": {"redact": true}}}');
CREATE TABLE clinic.events_south PARTITION OF clinic.events FOR VALUES IN ('south');
CREATE TABLE clinic.events_west (note text, gone int, region text NOT NULL, id int NOT NULL);
ALTER TABLE clinic.events_west DROP COLUMN gone;
-- A table attached with rows brings them as they were stored: a WARNING and the drift
-- entry say so, and comply.protect_existing applies the policy to them.
INSERT INTO clinic.events_west VALUES ('SSN 372-44-1856', 'west', 9);
ALTER TABLE clinic.events ATTACH PARTITION clinic.events_west FOR VALUES IN ('west');
SELECT note FROM clinic.events WHERE id = 9;
SELECT comply.protect_existing('clinic.events');
INSERT INTO clinic.events VALUES (1, 'north', 'SSN 536-22-8714'), (2, 'south', 'SSN 536-22-8714'),
                                 (3, 'west', 'SSN 536-22-8714');
INSERT INTO clinic.events_south VALUES (4, 'south', 'call 415-555-2671');  -- straight into one
COPY clinic.events FROM STDIN;
5	west	card 4111 1111 1111 1111
\.
UPDATE clinic.events SET region = 'west' WHERE id = 2;
SELECT tableoid::regclass AS stored_in, id, region, note FROM clinic.events ORDER BY id;
SELECT action, object, details ->> 'partition' AS partition, details -> 'primary_key' AS pk
  FROM comply.audit_log WHERE object = 'clinic.events' ORDER BY id;
-- A partition's trigger disabled, or enabled for replicas only, leaves that partition's
-- rows unprotected: the protected table is no longer enforced, and that is drift.
ALTER TABLE clinic.events_south DISABLE TRIGGER comply_protect_before;
SELECT table_name, before_trigger, after_trigger, enforced FROM comply.protected_tables
 WHERE table_name = 'clinic.events'::regclass;
ALTER TABLE clinic.events_south ENABLE REPLICA TRIGGER comply_protect_before;
SELECT enforced FROM comply.protected_tables WHERE table_name = 'clinic.events'::regclass;
ALTER TABLE clinic.events_south ENABLE ALWAYS TRIGGER comply_protect_before;
SELECT enforced FROM comply.protected_tables WHERE table_name = 'clinic.events'::regclass;
SELECT details ->> 'kind' AS kind, details ->> 'table' AS "table",
       details ->> 'partition' AS partition, details ->> 'command' AS command,
       details -> 'attached_with_rows' AS attached_with_rows
  FROM comply.audit_log WHERE action = 'drift' AND object = 'clinic.events' ORDER BY id;
-- A row a partition rejects is recorded under the protected table, with the partition.
CREATE TABLE clinic.vault (id int, secret bytea) PARTITION BY RANGE (id);
CREATE TABLE clinic.vault_1 PARTITION OF clinic.vault FOR VALUES FROM (0) TO (100);
SELECT comply.protect('clinic.vault', '{"columns": {"secret": {"encrypted": true}}}');
\set VERBOSITY terse
INSERT INTO clinic.vault VALUES (1, convert_to('SSN 536-22-8714', 'UTF8'));
\set VERBOSITY default
SELECT comply.run_jobs(0 + 1) >= 0 AS worked;
SELECT action, object, details ->> 'partition' AS partition, details ->> 'column' AS col
  FROM comply.audit_log WHERE action = 'protect.rejected' AND object = 'clinic.vault';
SELECT comply.unprotect('clinic.vault');
-- TRUNCATE empties a table at once: one ledger entry, for the protected table (its
-- AFTER TRUNCATE trigger) or for a partition named (the utility hook: a partition has no
-- TRUNCATE trigger of its own); rolled back, it leaves none.
TRUNCATE clinic.events_north_1;
-- A partition emptied by TRUNCATE ... CASCADE of a table it references is one too.
CREATE TABLE clinic.south_codes (code int PRIMARY KEY);
INSERT INTO clinic.south_codes SELECT id FROM clinic.events_south;
ALTER TABLE clinic.events_south ADD FOREIGN KEY (id) REFERENCES clinic.south_codes;
SET client_min_messages = warning;
TRUNCATE clinic.south_codes CASCADE;
RESET client_min_messages;
ALTER TABLE clinic.events_south DROP CONSTRAINT events_south_id_fkey;
DROP TABLE clinic.south_codes;
BEGIN;
TRUNCATE clinic.events_west;
ROLLBACK;
TRUNCATE clinic.events;
CREATE TABLE clinic.scratch (id int);
TRUNCATE clinic.scratch;  -- not protected
SELECT action, object, details FROM comply.audit_log WHERE action = 'TRUNCATE' ORDER BY id;
SELECT table_name, truncate_trigger, enforced FROM comply.protected_tables
 WHERE table_name = 'clinic.events'::regclass;
\set VERBOSITY terse
-- Rejected: a second policy on the same path (a partition under a protected table, or a
-- partitioned table over a protected partition); PostgreSQL itself refuses to attach a
-- protected table (its triggers have the same names).
SELECT comply.protect('clinic.events_north_1', '{"columns": {"note": {"mask": true}}}');
CREATE TABLE clinic.events_east (id int NOT NULL, region text NOT NULL, note text);
SELECT comply.protect('clinic.events_east', '{"columns": {"note": {"mask": true}}}');
ALTER TABLE clinic.events ATTACH PARTITION clinic.events_east FOR VALUES IN ('east');
SELECT comply.unprotect('clinic.events');
SELECT comply.protect('clinic.events_north_1', '{"columns": {"note": {"mask": true}}}');
SELECT comply.protect('clinic.events', '{"columns": {"note": {"redact": true}}}');
\set VERBOSITY default
-- Unprotected, its partitions keep none of its triggers: the protect triggers left are
-- those of the two tables protected on their own.
SELECT c.relname, count(*) AS protect_triggers, bool_or(t.tgparentid <> 0) AS cloned
  FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
 WHERE c.relname LIKE 'events%' AND t.tgname LIKE 'comply_protect%' GROUP BY 1 ORDER BY 1;
SELECT comply.unprotect('clinic.events_north_1');
SELECT comply.unprotect('clinic.events_east');
-- A policy that no longer fits its table (a column renamed) stops the writes, saying
-- why, until the table or the policy is fixed; nothing is written unprotected.
CREATE TABLE clinic.memo (id int PRIMARY KEY, body text);
SELECT comply.protect('clinic.memo', '{"columns": {"body": {"redact": true}}}');
ALTER TABLE clinic.memo RENAME COLUMN body TO text_body;
INSERT INTO clinic.memo VALUES (1, 'SSN 536-22-8714');
-- The drift watch says so at the ALTER TABLE already, and the matrix shows it.
SELECT details ->> 'kind' AS kind, details -> 'columns' AS columns
  FROM comply.audit_log WHERE action = 'drift' AND object = 'clinic.memo' ORDER BY id;
SELECT comply.protect('clinic.memo', '{"columns": {"text_body": {"redact": true}}, "regulations": ["GDPR"]}');
ALTER TABLE clinic.memo RENAME COLUMN text_body TO body2;
SELECT DISTINCT status FROM comply.requirements_matrix() WHERE object = 'clinic.memo';
ALTER TABLE clinic.memo RENAME COLUMN body2 TO body;
-- A column retyped so that the policy cannot apply to it any more is the same.
SELECT comply.protect('clinic.memo', '{"columns": {"body": {"redact": true}}, "regulations": ["GDPR"]}');
ALTER TABLE clinic.memo ALTER COLUMN body TYPE int USING 0;
\set VERBOSITY terse
INSERT INTO clinic.memo VALUES (1, 7);
\set VERBOSITY default
-- (Any error of the trigger, this one too, carries no context: COPY's quotes the line.)
\copy clinic.memo FROM stdin
2	7
\.
-- Nor does a PostgreSQL error met in the trigger: a domain's check on the redacted value.
CREATE DOMAIN clinic.digits AS text CHECK (VALUE::numeric >= 0);
CREATE TABLE clinic.acct (id int PRIMARY KEY, card clinic.digits);
SELECT comply.protect('clinic.acct', '{"columns": {"card": {"redact": true}}}');
\copy clinic.acct FROM stdin
1	4111111111111111
\.
SELECT comply.unprotect('clinic.acct');
DROP TABLE clinic.acct;
DROP DOMAIN clinic.digits;
SELECT details ->> 'kind' AS kind, details ->> 'problem' AS problem
  FROM comply.audit_log WHERE action = 'drift' AND object = 'clinic.memo' ORDER BY id DESC LIMIT 2;  -- (the rewrite by USING, then the policy broken by it)
SELECT DISTINCT status FROM comply.requirements_matrix() WHERE object = 'clinic.memo';
ALTER TABLE clinic.memo ALTER COLUMN body TYPE text;
SELECT comply._policy_problem(table_name, policy) IS NULL AS fits
  FROM comply.policies WHERE table_name = 'clinic.memo'::regclass;
SELECT comply.protect('clinic.memo', '{"columns": {"body": {"redact": true}}}');
INSERT INTO clinic.memo VALUES (1, 'SSN 536-22-8714');
SELECT * FROM clinic.memo;
SELECT comply.unprotect('clinic.memo');
-- Rows stored before a table is protected stay as they are (a NOTICE says so);
-- comply.protect_existing applies the policy's transformations to them, as UPDATEs by
-- the caller (each a ledger entry), skipping the rows it would not change. Run again,
-- it changes nothing: a label stays a label, a pseudonym is not pseudonymized again.
CREATE TABLE clinic.legacy (id int PRIMARY KEY, ssn text, note text, doc jsonb);
INSERT INTO clinic.legacy VALUES
  (1, '536-22-8714', 'call 415-555-2671', '{"name": "Wei Zhang", "n": 1}'),
  (2, NULL, 'nothing to hide', '{"n": 2}'),
  (3, '372-44-1856', NULL, NULL);
SELECT comply.protect('clinic.legacy', '{"columns": {"ssn": {"pseudonymize": true},
  "note": {"redact": true}, "doc": {"redact": {"keys": ["name"]}}}}');
SELECT comply.protect_existing('clinic.legacy') AS changed;
SELECT id, ssn ~ '^ps_[0-9a-f]{32}$' AS pseudonymized, note, doc FROM clinic.legacy ORDER BY id;
SELECT comply.protect_existing('clinic.legacy') AS changed_again;
SELECT details -> 'primary_key' AS pk, details -> 'columns' AS columns
  FROM comply.audit_log WHERE object = 'clinic.legacy' AND action = 'UPDATE' ORDER BY id;
-- A pseudonym written into a pseudonymized column is kept: copied, it still joins.
INSERT INTO clinic.legacy (id, ssn) SELECT 4, ssn FROM clinic.legacy WHERE id = 1;
SELECT count(DISTINCT ssn) AS pseudonyms FROM clinic.legacy WHERE id IN (1, 4);
SELECT comply.unprotect('clinic.legacy');
\set VERBOSITY terse
SELECT comply.protect_existing('clinic.legacy');
\set VERBOSITY default
-- A constraint of the table broken by the transformed values fails protect_existing's
-- own UPDATE. PostgreSQL's detail would quote the row (its other columns in clear) or
-- the key: the error keeps its SQLSTATE, message and constraint, its detail says which
-- columns were rewritten, and no value.
CREATE TABLE clinic.legacy2 (id int PRIMARY KEY, email text, born date, note text CHECK (length(note) < 10));
INSERT INTO clinic.legacy2 VALUES (1, 'wilhelmina.okonkwo@kestrel-mail.net', '1984-03-17', 'a@b.cd');
SET client_min_messages = error;  -- (protect warns of the CHECK)
SELECT comply.protect('clinic.legacy2', '{"columns": {"note": {"redact": true}}}');
RESET client_min_messages;
SELECT comply.protect_existing('clinic.legacy2');
DO $$
DECLARE
  st text; con text; tab text; det text;
BEGIN
  PERFORM comply.protect_existing('clinic.legacy2');
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, con = CONSTRAINT_NAME, tab = TABLE_NAME, det = PG_EXCEPTION_DETAIL;
  RAISE NOTICE 'SQLSTATE %, constraint %, table %, detail quotes the row: %', st, con, tab, det LIKE '%okonkwo%';
END $$;
CREATE TABLE clinic.legacy3 (id int PRIMARY KEY, email text, owner text, UNIQUE (email, owner));
INSERT INTO clinic.legacy3 VALUES (1, 'a.one@example.org', 'Wilhelmina Okonkwo'), (2, 'b.two@example.org', 'Wilhelmina Okonkwo');
SELECT comply.protect('clinic.legacy3', '{"columns": {"email": {"redact": true}}, "audit": false}');
SELECT comply.protect_existing('clinic.legacy3');
SELECT id, email FROM clinic.legacy2 UNION ALL SELECT id, email FROM clinic.legacy3 ORDER BY 1, 2;
-- A deferrable unique key is checked at the statement's end, not as the row is written:
-- the row the trigger saw last is not the one it refuses, and none is named.
CREATE TABLE clinic.legacy6 (id int PRIMARY KEY, email text UNIQUE DEFERRABLE);
INSERT INTO clinic.legacy6 VALUES (1, 'a.one@example.org'), (2, 'b.two@example.org'), (3, 'none');
SET client_min_messages = error;
SELECT comply.protect('clinic.legacy6', '{"columns": {"email": {"redact": true}}, "audit": false}');
RESET client_min_messages;
SELECT comply.protect_existing('clinic.legacy6');
SELECT comply.unprotect('clinic.legacy6');
DROP TABLE clinic.legacy6;
-- A row the policy itself refuses as transformed (a label longer than varchar(n)) is
-- named by its ctid, never its values, in the error and in the protect.rejected entry:
-- protect_existing stops at it, and the DBA must find it.
CREATE TABLE clinic.legacy5 (id int PRIMARY KEY, code varchar(10));
INSERT INTO clinic.legacy5 VALUES (1, 'none'), (2, 'ann@x.org'), (3, 'none');
SET client_min_messages = error;  -- (protect's NOTICE of the stored rows)
SELECT comply.protect('clinic.legacy5', '{"columns": {"code": {"redact": true}}}');
RESET client_min_messages;
SELECT comply.protect_existing('clinic.legacy5');
SELECT comply.run_jobs(0 + 1) >= 0 AS worked;
SELECT details ->> 'column' AS col, details ->> 'ctid' AS ctid, details ->> 'by' AS by,
       (SELECT id FROM clinic.legacy5 WHERE ctid = (a.details ->> 'ctid')::tid) AS row_id
  FROM comply.audit_log a WHERE action = 'protect.rejected' AND object = 'clinic.legacy5';
SELECT comply.unprotect('clinic.legacy5');
DROP TABLE clinic.legacy5;
-- A row the AFTER trigger refuses (a later BEFORE trigger changed the policy's value)
-- is refused at the statement's end, when the BEFORE trigger saw another row last: the
-- row named is the one refused (id 1 at (0,1)), not the last one rewritten.
CREATE TABLE clinic.legacy7 (id int PRIMARY KEY, note text);
INSERT INTO clinic.legacy7 SELECT g, 'mail person' || g || '@example.org' FROM generate_series(1, 3) g;
CREATE FUNCTION clinic.legacy7_change() RETURNS trigger LANGUAGE plpgsql AS
$$ BEGIN IF NEW.id = 1 THEN NEW.note := 'write to other.person@example.org'; END IF; RETURN NEW; END $$;
CREATE TRIGGER zz_change BEFORE UPDATE ON clinic.legacy7 FOR EACH ROW EXECUTE FUNCTION clinic.legacy7_change();
SET client_min_messages = error;
SELECT comply.protect('clinic.legacy7', '{"columns": {"note": {"redact": true}}}');
RESET client_min_messages;
DO $$
DECLARE det text; hint text;
BEGIN
  PERFORM comply.protect_existing('clinic.legacy7');
EXCEPTION WHEN check_violation THEN
  GET STACKED DIAGNOSTICS det = PG_EXCEPTION_DETAIL, hint = PG_EXCEPTION_HINT;
  RAISE NOTICE 'names (0,1): %, %', det LIKE '%ctid (0,1) of table clinic.legacy7%', hint LIKE '%''(0,1)''%';
END $$;
SELECT comply.run_jobs(0 + 1) >= 0 AS worked;
SELECT details ->> 'ctid' AS ctid,
       (SELECT id FROM clinic.legacy7 WHERE ctid = (a.details ->> 'ctid')::tid) AS row_id
  FROM comply.audit_log a WHERE action = 'protect.rejected' AND object = 'clinic.legacy7';
SELECT comply.unprotect('clinic.legacy7');
DROP TABLE clinic.legacy7;
DROP FUNCTION clinic.legacy7_change();
-- A constraint of another table (here a CHECK of the table an FK cascades to) refuses no
-- row of the table rewritten: none is named.
CREATE TABLE clinic.legacy8 (id int PRIMARY KEY, code text UNIQUE);
INSERT INTO clinic.legacy8 SELECT g, 'person' || g || '@example.org' FROM generate_series(1, 3) g;
CREATE TABLE clinic.legacy8_child (code text REFERENCES clinic.legacy8 (code) ON UPDATE CASCADE,
                                   CHECK (code NOT LIKE 'ps\_%'));
INSERT INTO clinic.legacy8_child VALUES ('person1@example.org');
SET client_min_messages = error;
SELECT comply.protect('clinic.legacy8', '{"columns": {"code": {"redact": {"default": {"op": "hash"}}}}, "audit": false}');
RESET client_min_messages;
DO $$
DECLARE det text; tab text;
BEGIN
  PERFORM comply.protect_existing('clinic.legacy8');
EXCEPTION WHEN check_violation THEN
  GET STACKED DIAGNOSTICS det = PG_EXCEPTION_DETAIL, tab = TABLE_NAME;
  RAISE NOTICE 'table %, names a row: %', tab, det LIKE '%ctid%';
END $$;
SELECT comply.unprotect('clinic.legacy8');
DROP TABLE clinic.legacy8_child, clinic.legacy8;
-- A row another write puts into the table being rewritten (a user's AFTER trigger
-- inserting into it) that its constraint refuses is not a rewritten row: none is named
-- (the last row rewritten was named before).
CREATE TABLE clinic.legacy11 (id int PRIMARY KEY, note text, CHECK (id < 100));
INSERT INTO clinic.legacy11 SELECT g, 'mail person' || g || '@example.org' FROM generate_series(1, 3) g;
CREATE FUNCTION clinic.legacy11_copy() RETURNS trigger LANGUAGE plpgsql AS
$$ BEGIN IF NEW.id = 3 THEN INSERT INTO clinic.legacy11 VALUES (100, 'copy'); END IF; RETURN NULL; END $$;
CREATE TRIGGER zz_copy AFTER UPDATE ON clinic.legacy11 FOR EACH ROW EXECUTE FUNCTION clinic.legacy11_copy();
SET client_min_messages = error;
SELECT comply.protect('clinic.legacy11', '{"columns": {"note": {"redact": true}}, "audit": false}');
RESET client_min_messages;
DO $$
DECLARE det text; tab text;
BEGIN
  PERFORM comply.protect_existing('clinic.legacy11');
EXCEPTION WHEN check_violation THEN
  GET STACKED DIAGNOSTICS det = PG_EXCEPTION_DETAIL, tab = TABLE_NAME;
  RAISE NOTICE 'table %, names a row: %', tab, det LIKE '%ctid%';
END $$;
SELECT comply.unprotect('clinic.legacy11');
DROP TABLE clinic.legacy11;
DROP FUNCTION clinic.legacy11_copy();
-- A later BEFORE trigger that puts a stored value back undoes the transformation: the
-- row is refused, not counted as changed with its value left in clear.
CREATE TABLE clinic.legacy9 (id int PRIMARY KEY, note text);
INSERT INTO clinic.legacy9 SELECT g, 'mail person' || g || '@example.org' FROM generate_series(1, 3) g;
CREATE FUNCTION clinic.legacy9_putback() RETURNS trigger LANGUAGE plpgsql AS
$$ BEGIN IF NEW.id = 1 THEN NEW.note := OLD.note; END IF; RETURN NEW; END $$;
CREATE TRIGGER zz_putback BEFORE UPDATE ON clinic.legacy9 FOR EACH ROW EXECUTE FUNCTION clinic.legacy9_putback();
SET client_min_messages = error;
SELECT comply.protect('clinic.legacy9', '{"columns": {"note": {"redact": true}}, "audit": false}');
RESET client_min_messages;
DO $$
DECLARE msg text; det text;
BEGIN
  PERFORM comply.protect_existing('clinic.legacy9');
  RAISE NOTICE 'not refused';
EXCEPTION WHEN check_violation THEN
  GET STACKED DIAGNOSTICS msg = MESSAGE_TEXT, det = PG_EXCEPTION_DETAIL;
  RAISE NOTICE '%; names (0,1): %', msg, det LIKE '%ctid (0,1)%';
END $$;
SELECT count(*) FILTER (WHERE note LIKE '%@example.org') AS in_clear FROM clinic.legacy9;
SELECT comply.unprotect('clinic.legacy9');
DROP TABLE clinic.legacy9;
DROP FUNCTION clinic.legacy9_putback();
-- An inheritance child has a policy of its own (or none): rewritten through its parent,
-- its rows were counted as changed and left in clear. The parent's call rewrites the
-- parent's rows only; the child's, the child's.
CREATE TABLE clinic.legacy10 (id int, note text);
CREATE TABLE clinic.legacy10_child () INHERITS (clinic.legacy10);
INSERT INTO clinic.legacy10 VALUES (1, 'mail parent1@example.org');
INSERT INTO clinic.legacy10_child SELECT g, 'mail child' || g || '@example.org' FROM generate_series(2, 3) g;
SET client_min_messages = error;
SELECT comply.protect('clinic.legacy10_child', '{"columns": {"note": {"redact": true}}, "audit": false}');
SELECT comply.protect('clinic.legacy10', '{"columns": {"note": {"redact": true}}, "audit": false}');
RESET client_min_messages;
SELECT comply.protect_existing('clinic.legacy10') AS parent_rows;
SELECT count(*) FILTER (WHERE note LIKE '%@example.org') AS in_clear FROM clinic.legacy10;
SELECT comply.protect_existing('clinic.legacy10_child') AS child_rows;
SELECT id, note FROM clinic.legacy10 ORDER BY id;
SELECT comply.unprotect('clinic.legacy10');
SELECT comply.unprotect('clinic.legacy10_child');
DROP TABLE clinic.legacy10 CASCADE;
SELECT comply.unprotect('clinic.legacy2'), comply.unprotect('clinic.legacy3');
DROP TABLE clinic.legacy2, clinic.legacy3;
-- A domain's check that fails on the transformed value by raising an error of its own
-- (here a RAISE EXCEPTION, P0001) is a rejection like one that says false: recorded,
-- and its message, which may quote the value, left out.
CREATE FUNCTION clinic.chk(v text) RETURNS boolean LANGUAGE plpgsql AS
$$ BEGIN IF v LIKE '%[%' THEN RAISE EXCEPTION 'refusing value %', v; END IF; RETURN true; END $$;
CREATE DOMAIN clinic.d_chk AS text CHECK (clinic.chk(VALUE));
CREATE TABLE clinic.t4 (id int PRIMARY KEY, note clinic.d_chk);
SELECT comply.protect('clinic.t4', '{"columns": {"note": {"redact": true}}}');
INSERT INTO clinic.t4 VALUES (1, 'okonkwo lives at 42 Kestrel Lane, SSN 372-48-5190');
SELECT comply.run_jobs(0 + 1) >= 0 AS worked;
SELECT details ->> 'column' AS col, details ->> 'domain' AS domain, details ->> 'errors' AS errors
  FROM comply.audit_log WHERE action = 'protect.rejected' AND object = 'clinic.t4';
-- One that is no verdict on the value (a serialization failure, a deadlock, a lock
-- timeout) keeps its SQLSTATE, so that a client retries; not recorded as a rejection,
-- and with a message of pg_comply's.
CREATE OR REPLACE FUNCTION clinic.chk(v text) RETURNS boolean LANGUAGE plpgsql AS
$$ BEGIN IF v LIKE '%[%' THEN RAISE EXCEPTION 'busy with %', v USING ERRCODE = 'serialization_failure'; END IF; RETURN true; END $$;
INSERT INTO clinic.t4 VALUES (2, 'okonkwo, SSN 372-48-5190');
DO $$
BEGIN
  INSERT INTO clinic.t4 VALUES (2, 'okonkwo, SSN 372-48-5190');
EXCEPTION WHEN serialization_failure THEN
  RAISE NOTICE 'SQLSTATE %', SQLSTATE;
END $$;
SELECT comply.run_jobs(0 + 1) >= 0 AS worked;
SELECT count(*) AS rejections FROM comply.audit_log WHERE action = 'protect.rejected' AND object = 'clinic.t4';
SELECT comply.unprotect('clinic.t4');
DROP TABLE clinic.t4;
DROP DOMAIN clinic.d_chk;
DROP FUNCTION clinic.chk(text);
-- The triggers of pg_comply's cached tables are for those tables, after each statement:
-- called directly, or made a row trigger (whose NULL would skip every row, silently),
-- they refuse.
\set VERBOSITY terse
SELECT comply._policies_changed();
CREATE TABLE clinic.dropper (id int);
CREATE TRIGGER d BEFORE INSERT ON clinic.dropper FOR EACH ROW EXECUTE FUNCTION comply._recognizers_changed();
INSERT INTO clinic.dropper VALUES (1);
DROP TRIGGER d ON clinic.dropper;
CREATE TRIGGER d BEFORE INSERT ON clinic.dropper FOR EACH STATEMENT EXECUTE FUNCTION comply._schemas_changed();
INSERT INTO clinic.dropper VALUES (1);
\set VERBOSITY default
SELECT count(*) AS rows_kept FROM clinic.dropper;
DROP TABLE clinic.dropper;
-- A column of a domain over text or jsonb is protected as its base type; the domain's
-- constraints must hold on the transformed value too (PostgreSQL checked them on the
-- value written), or the row is rejected, and recorded, like an invalid one.
CREATE DOMAIN clinic.free_text AS text;
CREATE DOMAIN clinic.email AS text CHECK (VALUE LIKE '%@%');
CREATE TABLE clinic.contacts (id int PRIMARY KEY, note clinic.free_text, email clinic.email);
SELECT comply.protect('clinic.contacts', '{"columns": {"note": {"redact": true}}}');
INSERT INTO clinic.contacts VALUES (1, 'SSN 536-22-8714', 'jo@example.com');
SELECT comply.protect('clinic.contacts', '{"columns": {"note": {"redact": true}, "email": {"redact": true}}}');
INSERT INTO clinic.contacts VALUES (2, 'ok', 'jo@example.com');
SELECT comply.protect('clinic.contacts', '{"columns": {"note": {"redact": true},
  "email": {"mask": {"keep_last": 7}}}}');
INSERT INTO clinic.contacts VALUES (2, 'ok', 'jonathan@ex.io');
SELECT * FROM clinic.contacts ORDER BY id;
SELECT comply.run_jobs(0 + 1) >= 0 AS worked;
SELECT details ->> 'column' AS col, details ->> 'domain' AS domain, details ->> 'errors' AS errors
  FROM comply.audit_log WHERE action = 'protect.rejected' AND object = 'clinic.contacts';
SELECT comply.unprotect('clinic.contacts');
-- A domain check that writes the same protected table again (a function in its CHECK)
-- uses a cache of its own: sharing the running check's, the nested one overwrote its
-- value, and a row breaking the domain was stored.
CREATE FUNCTION clinic.note_again(v text) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
  IF v LIKE 'LONG%' THEN
    INSERT INTO clinic.nested_notes VALUES (1000 + (SELECT count(*) FROM clinic.nested_notes), '536-22-8714');
  END IF;
  RETURN true;
END $$;
CREATE DOMAIN clinic.shortish AS text CHECK (clinic.note_again(VALUE) AND length(VALUE) < 30);
CREATE TABLE clinic.nested_notes (id int PRIMARY KEY, note clinic.shortish);
SET client_min_messages = error;
SELECT comply.protect('clinic.nested_notes', '{"columns": {"note": {"redact": {"US_SSN": {"op": "label", "label": "S"},
  "EMAIL_ADDRESS": {"op": "label", "label": "LONGLONGLONGLONGLONGLONGLONGLONGLONG"}}}}, "audit": false}');
RESET client_min_messages;
\set VERBOSITY terse
INSERT INTO clinic.nested_notes VALUES (2, 'john.smith@example.com');
\set VERBOSITY default
SELECT id, note FROM clinic.nested_notes ORDER BY id;
SELECT comply.unprotect('clinic.nested_notes');
DROP TABLE clinic.nested_notes;
DROP DOMAIN clinic.shortish;
DROP FUNCTION clinic.note_again(text);
-- (Also for a domain over a domain that has the constraint.)
CREATE DOMAIN clinic.email_too AS clinic.email;
CREATE TABLE clinic.contacts_too (id int PRIMARY KEY, email clinic.email_too);
SELECT comply.protect('clinic.contacts_too', '{"columns": {"email": {"redact": true}}}');
DROP TABLE clinic.contacts_too;
DROP DOMAIN clinic.email_too;
-- A pseudonym is of the exact text: under a nondeterministic collation, values equal
-- there (in another case) get different ones, and protect says so.
CREATE COLLATION clinic.nocase (provider = icu, locale = 'und-u-ks-level2', deterministic = false);
CREATE TABLE clinic.by_mail_ci (id int PRIMARY KEY, email text COLLATE clinic.nocase UNIQUE);
SELECT comply.protect('clinic.by_mail_ci', '{"columns": {"email": {"pseudonymize": true}}}');
DROP TABLE clinic.by_mail_ci;
DROP COLLATION clinic.nocase;
-- Nor is a label or a pseudonym stored longer than varchar(n) or char(n) allows: the
-- row is rejected and recorded; a mask keeps the length, char(n) stays padded.
CREATE TABLE clinic.short (id int PRIMARY KEY, mail varchar(12), code char(6), note varchar(40));
SELECT comply.protect('clinic.short', '{"columns": {"mail": {"redact": true},
  "code": {"mask": {"keep_last": 2}}, "note": {"redact": true}}}');
INSERT INTO clinic.short VALUES (1, 'jo@ex.com', 'AB12', 'SSN 536-22-8714');
INSERT INTO clinic.short VALUES (2, 'no mail', 'AB12', 'SSN 536-22-8714');
SELECT id, mail, code, octet_length(code) AS code_bytes, note FROM clinic.short;
-- A pseudonym's length is known beforehand: a column too short for it is refused.
\set VERBOSITY terse
SELECT comply.protect('clinic.short', '{"columns": {"code": {"pseudonymize": true}}}');
SELECT comply.protect('clinic.short', '{"columns": {"mail": {"redact": {"EMAIL_ADDRESS": {"op": "hash"}}}}}');
\set VERBOSITY default
SELECT comply.unprotect('clinic.short');

-- INSERT ... ON CONFLICT DO UPDATE SET c = EXCLUDED.c: EXCLUDED holds the values the
-- insert's trigger checked and transformed already. The UPDATE stores them as they are:
-- it neither validates the redacted document again (it need not match the schema) nor
-- pseudonymizes, masks or redacts twice. A value computed from EXCLUDED is new and is
-- checked as in any UPDATE; so is a value given in the statement itself.
CREATE TABLE clinic.upsert (id int PRIMARY KEY, doc jsonb, ssn text, card text, note text);
SELECT comply.register_schema('p_contact', '{"type": "object", "required": ["email"],
  "properties": {"email": {"type": "string", "pattern": "^[^@ ]+@[^@ ]+$"}, "plan": {"enum": ["gold", "basic"]}}}');
SELECT comply.protect('clinic.upsert', '{"columns": {"doc": {"validate": "p_contact", "redact": true},
  "ssn": {"pseudonymize": true}, "card": {"mask": {"keep_last": 4}}, "note": {"redact": true}}}');
INSERT INTO clinic.upsert VALUES (1, '{"email": "maria.garcia@example.org", "plan": "basic"}',
  '536-22-8714', '4111111111111111', 'Call 415-555-2671');
INSERT INTO clinic.upsert AS u VALUES (1, '{"email": "maria.garcia@example.org", "plan": "gold"}',
  '372-44-1856', '5500005555555559', 'Call Maria Garcia')
  ON CONFLICT (id) DO UPDATE SET doc = EXCLUDED.doc, ssn = EXCLUDED.ssn, card = EXCLUDED.card,
                                 note = EXCLUDED.note;
SELECT id, doc, ssn = comply.pseudonymize('372-44-1856') AS ssn_pseudonymized_once, card, note
  FROM clinic.upsert;
\set VERBOSITY terse
INSERT INTO clinic.upsert VALUES (1, '{"email": "maria.garcia@example.org"}')
  ON CONFLICT (id) DO UPDATE SET doc = EXCLUDED.doc || '{"plan": "basic"}';
INSERT INTO clinic.upsert VALUES (1, '{"email": "maria.garcia@example.org"}')
  ON CONFLICT (id) DO UPDATE SET doc = '{"email": "not an address"}';
\set VERBOSITY default
INSERT INTO clinic.upsert VALUES (1, '{"email": "maria.garcia@example.org"}')
  ON CONFLICT (id) DO UPDATE SET doc = '{"email": "emily.watson@example.org", "plan": "basic"}';
SELECT id, doc FROM clinic.upsert;
-- The same with a document too large to keep a copy of (its hash is kept instead).
INSERT INTO clinic.upsert AS u VALUES (1, jsonb_build_object('email', 'maria.garcia@example.org',
  'plan', 'gold', 'history', repeat('called 415-555-2671; ', 4000)))
  ON CONFLICT (id) DO UPDATE SET doc = EXCLUDED.doc;
SELECT id, doc ->> 'email' AS email, length(doc ->> 'history') AS history_length,
       doc ->> 'history' LIKE '%415-555-2671%' AS phone_left FROM clinic.upsert;
SELECT action, details -> 'columns' AS columns FROM comply.audit_log
 WHERE object = 'clinic.upsert' ORDER BY id;
SELECT comply.unprotect('clinic.upsert');

-- A schema renamed: the session's cached policy names the table anew at once, so the
-- ledger entries do not go on under the old name.
CREATE SCHEMA ward_a;
CREATE TABLE ward_a.beds (id int PRIMARY KEY, note text);
SELECT comply.protect('ward_a.beds', '{"columns": {"note": {"redact": true}}}');
INSERT INTO ward_a.beds VALUES (1, 'bed one');
ALTER SCHEMA ward_a RENAME TO ward_b;
INSERT INTO ward_b.beds VALUES (2, 'bed two');
SELECT object, action, details -> 'primary_key' AS key FROM comply.audit_log
 WHERE object LIKE 'ward\_%' ORDER BY id;
SELECT comply.unprotect('ward_b.beds');
DROP SCHEMA ward_b CASCADE;

-- Without a primary key, a ledger entry says what happened but not to which row:
-- protect says so; a key added later names the rows from the next write on.
CREATE TABLE clinic.nokey (code text, note text);
SELECT comply.protect('clinic.nokey', '{"columns": {"note": {"redact": true}}}');
INSERT INTO clinic.nokey VALUES ('A1', 'first');
ALTER TABLE clinic.nokey ADD PRIMARY KEY (code);
INSERT INTO clinic.nokey VALUES ('B2', 'second');
SELECT action, details -> 'primary_key' AS key FROM comply.audit_log
 WHERE object = 'clinic.nokey' AND action = 'INSERT' ORDER BY id;
SELECT comply.unprotect('clinic.nokey');
-- A table or column named after personal data reads as its labels in every ledger entry
-- (protect, the rows', unprotect), as in the drift watch's: the ledger never drops it.
CREATE SCHEMA "536-22-8714";
CREATE TABLE "536-22-8714"."john.doe@example.com" (id int PRIMARY KEY, "jane.roe@example.org" text, notes text);
SELECT comply.protect('"536-22-8714"."john.doe@example.com"', '{"columns": {"notes": {"redact": true}}}');
INSERT INTO "536-22-8714"."john.doe@example.com" VALUES (1, 'x', 'y');
SELECT comply.unprotect('"536-22-8714"."john.doe@example.com"');
SELECT action, object, details -> 'columns' AS columns, details -> 'primary_key' AS key FROM comply.audit_log
 WHERE object LIKE '%US_SSN%' ORDER BY id;
SELECT count(*) AS in_clear FROM comply.audit_log
 WHERE (coalesce(object, '') || coalesce(details::text, '')) ~ '536-22-8714|john\.doe@example\.com|jane\.roe@example\.org';
DROP SCHEMA "536-22-8714" CASCADE;
-- A unique index over a column the policy masks or redacts by content: different values
-- would be stored alike, and the second such row refused; protect warns (pseudonyms stay
-- distinct: no warning for them). Likewise a CHECK constraint over a transformed column
-- (it judges the label stored) and a foreign key over a masked or redacted one (the
-- label is not among the referenced keys).
CREATE TABLE clinic.logins (id int PRIMARY KEY, email text UNIQUE, ssn text, handle text UNIQUE);
CREATE UNIQUE INDEX logins_ssn_per_id ON clinic.logins (ssn, id);
SELECT comply.protect('clinic.logins', '{"columns": {"email": {"redact": true},
  "ssn": {"mask": {"keep_last": 4}}, "handle": {"pseudonymize": true}}}');
INSERT INTO clinic.logins VALUES (1, 'wei.zhang@example.org', '536-22-8714', 'wzhang');
INSERT INTO clinic.logins VALUES (2, 'kwame@example.org', '536-22-9999', 'kwame');
-- So does an expression index over the column, an exclusion constraint, and a unique
-- index of one partition only (QA 14: an upsert lost a row to each, unannounced); a
-- column only INCLUDEd is no key.
BEGIN;
CREATE TABLE clinic.uq (id serial PRIMARY KEY, email text, note text);
CREATE UNIQUE INDEX uq_lower ON clinic.uq (lower(email));
CREATE UNIQUE INDEX uq_id_incl ON clinic.uq (id) INCLUDE (note);
SELECT comply.protect('clinic.uq', '{"columns": {"email": {"redact": true}, "note": {"mask": true}}}') IS NOT NULL AS protected;
CREATE TABLE clinic.ex (id serial PRIMARY KEY, email text, EXCLUDE USING btree (email WITH =));
SELECT comply.protect('clinic.ex', '{"columns": {"email": {"redact": true}}}') IS NOT NULL AS protected;
CREATE TABLE clinic.pu (id int, pad int, email text) PARTITION BY RANGE (id);
CREATE TABLE clinic.pu1 (email text, pad int, id int);
ALTER TABLE clinic.pu ATTACH PARTITION clinic.pu1 FOR VALUES FROM (0) TO (100);
CREATE UNIQUE INDEX pu1_email ON clinic.pu1 (email);
SELECT comply.protect('clinic.pu', '{"columns": {"email": {"redact": true}}}') IS NOT NULL AS protected;
ROLLBACK;
-- PostgreSQL's own errors in a transaction that wrote to a protected table (the unique
-- violation of the redacted row, a COPY's duplicate key, a statement_timeout while the
-- trigger redacts a long COPY line) keep their statement, and the row a COPY context
-- quotes, out of the server log (test/check_log_pii.sh scans it): those hold the values
-- as the client sent them. The context keeps the line's number.
SET log_min_error_statement = error;
INSERT INTO clinic.logins VALUES (3, 'amara.okafor@example.org', '536-22-7777', 'amara');
COPY clinic.logins FROM stdin;
4	li.na.obi@example.org	372-44-1856	lina
\.
-- (PL/pgSQL's EXECUTE: the context's "SQL statement" keeps its literals out.)
DO $$ BEGIN EXECUTE 'INSERT INTO clinic.logins VALUES (6, ''nia.adeyemi@example.org'', NULL, NULL)'; END $$;
CREATE TEMP TABLE long_line AS
  SELECT 5 AS id, repeat('Patient Farah Haddad, SSN 372-44-1856, mail farah.haddad@example.net. ', 150000) AS email;
SELECT current_setting('data_directory') || '/comply_test_long_line.tsv' AS long_line_file \gset
COPY long_line TO :'long_line_file';
SET statement_timeout = '300ms';
COPY clinic.logins (id, email) FROM :'long_line_file';
RESET statement_timeout;
RESET log_min_error_statement;
SELECT comply.unprotect('clinic.logins');
DROP TABLE clinic.logins;
CREATE TABLE clinic.subscribers (email text PRIMARY KEY);
INSERT INTO clinic.subscribers VALUES ('wei.zhang@example.org');
CREATE TABLE clinic.mailing (id int PRIMARY KEY CHECK (id > 0), email text CHECK (email ~ '@'),
                             sent_to text REFERENCES clinic.subscribers);
SELECT comply.protect('clinic.mailing', '{"columns": {"email": {"redact": true}, "sent_to": {"redact": true}}}');
INSERT INTO clinic.mailing VALUES (1, 'wei.zhang@example.org', NULL);
INSERT INTO clinic.mailing VALUES (2, NULL, 'wei.zhang@example.org');
SELECT comply.unprotect('clinic.mailing');
DROP TABLE clinic.mailing, clinic.subscribers;

-- Erasure: comply.forget removes what pg_comply derived from a row (its classification
-- jobs, the provider interactions, automatic decisions and review cases); the ledger
-- records the request, and keeps its entries (they hold no values).
CREATE TABLE clinic.erase (id int PRIMARY KEY, summary text);
SELECT comply.protect('clinic.erase', '{"columns": {"summary": {"classify": {"labels": ["phi", "pci", "general"], "model": "compliance", "queue": "erase"}}}}');
INSERT INTO clinic.erase VALUES
  (1, 'Patient admitted with chest pain; MRI and cardiology consult ordered, discharge summary to follow.'),
  (2, 'Cardholder disputes a charge on the card ending 4242; refund requested for the order.'),
  (3, 'The quarterly all-hands meeting moves to Friday afternoon in the main hall.');
SET comply.review_threshold = 0.9999;  -- every answer goes to review
SELECT comply.run_jobs() >= 0 AS worked;
UPDATE clinic.erase SET summary = summary || ' Updated.' WHERE id = 1;  -- a second job
SELECT comply.run_jobs() >= 0 AS worked;
RESET comply.review_threshold;
SELECT j.subject -> 'primary_key' ->> 'id' AS id, count(*) AS jobs,
       count(i.id) AS interactions, count(r.id) AS review_cases
  FROM comply.ai_jobs j
  LEFT JOIN comply.ai_interactions i ON i.job_id = j.id
  LEFT JOIN comply.review_cases r ON r.job_id = j.id
 WHERE j.queue = 'erase' GROUP BY 1 ORDER BY 1;
DELETE FROM clinic.erase WHERE id = 1;
SELECT * FROM comply.forget('clinic.erase', '{"id": 1}');
-- Values compared as text; forgetting does not delete the row itself.
SELECT * FROM comply.forget('clinic.erase', '{"id": "2"}');
SELECT j.subject -> 'primary_key' ->> 'id' AS id_left FROM comply.ai_jobs j WHERE j.queue = 'erase';
SELECT count(*) AS cases_left FROM comply.review_cases r
 WHERE r.job_id IN (SELECT id FROM comply.ai_jobs WHERE queue = 'erase');
SELECT object, details FROM comply.audit_log WHERE action = 'forget' ORDER BY id;
-- Nothing derived from the row: zero removed, still a ledger entry.
SELECT * FROM comply.forget('clinic.erase', '{"id": 99}');
\set VERBOSITY terse
SELECT * FROM comply.forget('clinic.erase', '[1]');
SELECT * FROM comply.forget('clinic.erase', '{}');
SELECT * FROM comply.forget('clinic.erase', NULL);
-- A key that is not exactly the primary key's columns, and a table not protected, are
-- refused: an erasure that could remove nothing is not recorded as one (nor what was
-- given with the key).
SELECT * FROM comply.forget('clinic.erase', '{"id": 1, "requested_by": "Dagobert Fennimore"}');
SELECT * FROM comply.forget('clinic.erase', '{"ID": 1}');
CREATE TABLE clinic.never_protected (id int PRIMARY KEY);
SELECT * FROM comply.forget('clinic.never_protected', '{"id": 1}');
DROP TABLE clinic.never_protected;
\set VERBOSITY default
SELECT count(*) AS refused_requests_recorded FROM comply.audit_log
 WHERE action = 'forget' AND details::text LIKE '%Dagobert%';
-- A key the policy pseudonymizes is stored, and named by the row's jobs, as a pseudonym:
-- the identifier a request gives is looked for as such, and the ledger records the
-- pseudonym, never the identifier.
CREATE TABLE clinic.erase_ps (member text PRIMARY KEY, summary text);
SELECT comply.protect('clinic.erase_ps', '{"columns": {"member": {"pseudonymize": true}, "summary": {"classify": {"labels": ["phi", "pci", "general"], "model": "compliance", "queue": "erase_ps"}}}}');
INSERT INTO clinic.erase_ps VALUES ('Zorblax Quux', 'Patient admitted with chest pain; MRI ordered.');
SELECT comply.run_jobs() >= 0 AS worked;
SELECT what, removed FROM comply.forget('clinic.erase_ps', '{"member": "Zorblax Quux"}') WHERE what = 'ai_jobs';
SELECT details -> 'primary_key' ->> 'member' = comply.pseudonymize('Zorblax Quux') AS pseudonym_recorded,
       details ->> 'row_still_stored' AS row_still_stored,
       position('Zorblax' IN details::text) = 0 AS identifier_not_recorded
  FROM comply.audit_log WHERE action = 'forget' AND object = 'clinic.erase_ps';
-- A char(n) key is pseudonymized from what comes before its blanks and stored padded;
-- a value given already as a pseudonym is taken as it is.
CREATE TABLE clinic.erase_pc (member char(40) PRIMARY KEY, summary text);
SELECT comply.protect('clinic.erase_pc', '{"columns": {"member": {"pseudonymize": true}, "summary": {"classify": {"labels": ["phi", "pci", "general"], "model": "compliance", "queue": "erase_ps"}}}}');
INSERT INTO clinic.erase_pc VALUES ('Zorblax Quux', 'Patient admitted with chest pain; MRI ordered.'),
                                   ('Quux Zorblax', 'Patient admitted with chest pain; MRI ordered.');
SELECT comply.run_jobs() >= 0 AS worked;
SELECT what, removed FROM comply.forget('clinic.erase_pc', '{"member": "Zorblax Quux"}') WHERE what = 'ai_jobs';
SELECT what, removed FROM comply.forget('clinic.erase_pc', jsonb_build_object('member', comply.pseudonymize('Quux Zorblax')))
 WHERE what = 'ai_jobs';
-- Dropped since: its jobs name the key by pseudonyms only, so the identifier is refused
-- (it would match nothing, and stay in the ledger); the pseudonym is taken.
INSERT INTO clinic.erase_ps VALUES ('Glorbnax Vim', 'Patient admitted with chest pain; MRI ordered.');
SELECT comply.run_jobs() >= 0 AS worked;
SELECT comply.unprotect('clinic.erase_ps');
DROP TABLE clinic.erase_ps;
\set VERBOSITY terse
SELECT * FROM comply.forget_dropped('clinic.erase_ps', '{"member": "Glorbnax Vim"}');
\set VERBOSITY default
-- A job queued by hand naming the identifier does not lift the refusal.
SELECT comply.classify_async('a note', NULL, 'compliance',
                             '{"table": "clinic.erase_ps", "primary_key": {"member": "Glorbnax Vim"}}') > 0 AS queued;
\set VERBOSITY terse
SELECT * FROM comply.forget_dropped('clinic.erase_ps', '{"member": "Glorbnax Vim"}');
\set VERBOSITY default
DELETE FROM comply.ai_jobs WHERE subject -> 'primary_key' ->> 'member' = 'Glorbnax Vim';
SELECT what, removed FROM comply.forget_dropped('clinic.erase_ps', jsonb_build_object('member', comply.pseudonymize('Glorbnax Vim')))
 WHERE what = 'ai_jobs';
SELECT count(*) AS identifiers_in_ledger FROM comply.audit_log WHERE details::text LIKE '%Glorbnax%' OR details::text LIKE '%Zorblax%';
-- Dropped too: the pseudonym as comply.pseudonymize gives it finds the padded one its
-- jobs store.
INSERT INTO clinic.erase_pc VALUES ('Vimble Quorx', 'Patient admitted with chest pain; MRI ordered.');
SELECT comply.run_jobs() >= 0 AS worked;
SELECT comply.unprotect('clinic.erase_pc');
DROP TABLE clinic.erase_pc;
SELECT what, removed FROM comply.forget_dropped('clinic.erase_pc', jsonb_build_object('member', comply.pseudonymize('Vimble Quorx')))
 WHERE what = 'ai_jobs';
-- Protecting with a policy that pseudonymizes is computing pseudonyms for whoever
-- writes: it asks for the privilege comply.pseudonymize asks for.
CREATE ROLE protector;
GRANT EXECUTE ON FUNCTION comply.protect(regclass, jsonb) TO protector;
GRANT USAGE ON SCHEMA clinic TO protector;
CREATE TABLE clinic.theirs (id int PRIMARY KEY, ssn text);
ALTER TABLE clinic.theirs OWNER TO protector;
SET ROLE protector;
\set VERBOSITY terse
SELECT comply.protect('clinic.theirs', '{"columns": {"ssn": {"pseudonymize": true}}}');
\set VERBOSITY default
RESET ROLE;
DROP TABLE clinic.theirs;
REVOKE USAGE ON SCHEMA clinic FROM protector;
REVOKE EXECUTE ON FUNCTION comply.protect(regclass, jsonb) FROM protector;
DROP ROLE protector;
-- Keys of char(n) and numeric(p,s) read as their columns store them: char(10) pads 'ab',
-- numeric(10,2) writes 1.5 as 1.50 (a char key was read as char(1): every job of such
-- a table was cancelled as its row gone, and forget found nothing). A case enqueued by
-- hand whose subject names the row goes too.
CREATE TABLE clinic.keyed (code char(10), amount numeric(10,2), summary text, PRIMARY KEY (code, amount));
SELECT comply.protect('clinic.keyed', '{"columns": {"summary": {"classify": {"labels": ["phi", "pci", "general"], "model": "compliance", "queue": "keyed"}}}}');
INSERT INTO clinic.keyed VALUES ('ab', 1.5, 'Patient admitted with chest pain; MRI ordered.');
SELECT comply.run_jobs() >= 0 AS worked;
SELECT status, subject -> 'primary_key' AS primary_key FROM comply.ai_jobs WHERE queue = 'keyed';
SELECT comply.review_enqueue('{"table": "clinic.keyed", "primary_key": {"code": "ab        ", "amount": 1.50}}',
                             'Call back about the chest pain', ARRAY['phi', 'general']) > 0 AS enqueued;
SELECT * FROM comply.forget('clinic.keyed', '{"code": "ab", "amount": 1.5}');
SELECT details -> 'row_still_stored' AS row_still_stored FROM comply.audit_log
 WHERE action = 'forget' AND object = 'clinic.keyed';
SELECT comply.unprotect('clinic.keyed');
DROP TABLE clinic.keyed;
-- A protected table dropped: its rows' jobs still name it, and comply.forget_dropped
-- erases them by the table's name as they write it.
CREATE TABLE clinic.dropme (email text PRIMARY KEY, summary text);
SELECT comply.protect('clinic.dropme', '{"columns": {"summary": {"classify": {"labels": ["phi", "pci", "general"], "model": "compliance", "queue": "dropme"}}}}');
INSERT INTO clinic.dropme VALUES ('cornelia.ashgrove@example.com', 'Patient admitted with chest pain; MRI ordered.');
SELECT comply.run_jobs() >= 0 AS worked;
DROP TABLE clinic.dropme;
SELECT count(*) AS jobs_naming_it FROM comply.ai_jobs WHERE subject ->> 'table' = 'clinic.dropme';
\set VERBOSITY terse
SELECT * FROM comply.forget_dropped('clinic.erase', '{"id": 1}');
SELECT * FROM comply.forget_dropped('clinic.never_was', '{"id": 1}');
SELECT * FROM comply.forget_dropped(NULL, '{"id": 1}');
-- A value given where the table's name goes (the arguments swapped) is not echoed.
SELECT * FROM comply.forget_dropped('cornelia.ashgrove@example.com', '{"id": 1}');
-- A key holding a null names no row: refused, not recorded as an erasure of nothing.
SELECT * FROM comply.forget('clinic.erase', '{"id": null}');
SELECT * FROM comply.forget_dropped('clinic.dropme', '{"email": null}');
-- The key names what the jobs name the rows by, no other member: an extra one (who asked)
-- was kept in the ledger for good, a misspelt one matched nothing (QA 18).
SELECT * FROM comply.forget_dropped('clinic.dropme', '{"email": "cornelia.ashgrove@example.com", "requested_by": "Kowalczyk via phone"}');
SELECT * FROM comply.forget_dropped('clinic.dropme', '{"EMAIL": "cornelia.ashgrove@example.com"}');
SELECT count(*) AS forget_entries FROM comply.audit_log WHERE action = 'forget' AND object = 'clinic.dropme';
-- A key value its column could not hold is refused, not cut to another row's (QA 18);
-- blanks past a char(n)'s length are what an INSERT drops too.
CREATE TABLE clinic.char_keyed (c char(6) PRIMARY KEY, note text);
SELECT comply.protect('clinic.char_keyed', '{"columns": {"note": {"redact": true}}}');
SELECT * FROM comply.forget('clinic.char_keyed', '{"c": "abc   zzzz"}');
SELECT what, removed FROM comply.forget('clinic.char_keyed', '{"c": "abc         "}') ORDER BY 1 LIMIT 1;
-- The request's entry names the key as the row's entries do (padded; a uuid in small
-- letters), not as typed (QA 18).
CREATE TABLE clinic.uuid_keyed (u uuid PRIMARY KEY, note text);
SELECT comply.protect('clinic.uuid_keyed', '{"columns": {"note": {"redact": true}}}');
SELECT what FROM comply.forget('clinic.uuid_keyed', '{"u": "6F9619FF-8B86-D011-B42D-00C04FC964FF"}') ORDER BY 1 LIMIT 1;
SELECT object, details -> 'primary_key' AS primary_key FROM comply.audit_log
 WHERE action = 'forget' AND object IN ('clinic.char_keyed', 'clinic.uuid_keyed') ORDER BY id;
SELECT comply.unprotect('clinic.uuid_keyed');
DROP TABLE clinic.uuid_keyed;
SELECT comply.unprotect('clinic.char_keyed');
DROP TABLE clinic.char_keyed;
\set VERBOSITY default
-- Whether the row is still stored is asked with the key's values as parameters: an error
-- while that query runs (here a row security policy's; in production a lock or statement
-- timeout, a cancel) shows the query in its CONTEXT, without the key being erased.
CREATE ROLE forget_reader;
CREATE TABLE clinic.rls_keyed (ssn text PRIMARY KEY);
INSERT INTO clinic.rls_keyed VALUES ('372-48-5190');
ALTER TABLE clinic.rls_keyed ENABLE ROW LEVEL SECURITY;
CREATE FUNCTION clinic.refuse() RETURNS boolean LANGUAGE plpgsql
  AS $$BEGIN RAISE EXCEPTION 'row security refused the read'; END$$;
CREATE POLICY refuse ON clinic.rls_keyed USING (clinic.refuse());
GRANT USAGE ON SCHEMA clinic TO forget_reader;
GRANT SELECT ON clinic.rls_keyed TO forget_reader;
GRANT EXECUTE ON FUNCTION comply._row_exists(regclass, jsonb), comply._key_type(regclass, name) TO forget_reader;
SET ROLE forget_reader;
SELECT comply._row_exists('clinic.rls_keyed', '{"ssn": "372-48-5190"}');
RESET ROLE;
DROP TABLE clinic.rls_keyed;
DROP FUNCTION clinic.refuse();
REVOKE ALL ON SCHEMA clinic FROM forget_reader;
REVOKE EXECUTE ON FUNCTION comply._row_exists(regclass, jsonb), comply._key_type(regclass, name) FROM forget_reader;
DROP ROLE forget_reader;
SELECT * FROM comply.forget_dropped('clinic.dropme', '{"email": "cornelia.ashgrove@example.com"}');
SELECT count(*) AS jobs_naming_it FROM comply.ai_jobs WHERE subject ->> 'table' = 'clinic.dropme';
SELECT details -> 'table_dropped' AS table_dropped, details -> 'primary_key' AS primary_key
  FROM comply.audit_log WHERE action = 'forget' AND object = 'clinic.dropme';
-- A key of a type forget does not read (an enum here, whose owner made its cast to
-- text): nothing of the table owner's runs as the extension's owner; whether the row is
-- still stored is unknown.
CREATE ROLE forget_owner;
CREATE SCHEMA forget_s AUTHORIZATION forget_owner;
SET ROLE forget_owner;
CREATE TYPE forget_s.k AS ENUM ('a', 'b');
CREATE FUNCTION forget_s.k2t(forget_s.k) RETURNS text LANGUAGE plpgsql
  AS $$BEGIN RAISE EXCEPTION 'the table owner''s cast ran as %', current_user; END$$;
CREATE CAST (forget_s.k AS text) WITH FUNCTION forget_s.k2t(forget_s.k);
CREATE TABLE forget_s.subjects (id forget_s.k PRIMARY KEY, note text);
INSERT INTO forget_s.subjects VALUES ('a', 'x');
RESET ROLE;
SELECT comply.protect('forget_s.subjects', '{"audit": true}');
SELECT * FROM comply.forget('forget_s.subjects', '{"id": "a"}');
SELECT details -> 'row_still_stored' AS row_still_stored FROM comply.audit_log
 WHERE action = 'forget' AND object = 'forget_s.subjects';
DROP SCHEMA forget_s CASCADE;
DROP ROLE forget_owner;
-- A row deleted, or its classified value changed, before its job ran: the job still
-- queued is cancelled (it would send a value no longer stored to a model); a change of
-- another column leaves it queued.
ALTER TABLE clinic.erase ADD COLUMN seen date;
INSERT INTO clinic.erase VALUES (4, 'Card ending 4242 charged twice; refund requested.'),
                                (5, 'Lunch menu for Friday.'), (6, 'Parking lot closed on Monday.');
UPDATE clinic.erase SET summary = 'Lunch menu for Thursday.' WHERE id = 5;
UPDATE clinic.erase SET seen = '2024-02-29' WHERE id = 6;
DELETE FROM clinic.erase WHERE id = 4;
SELECT subject -> 'primary_key' ->> 'id' AS id, status, last_error FROM comply.ai_jobs
 WHERE queue = 'erase' AND subject -> 'primary_key' ->> 'id' IN ('4', '5', '6') ORDER BY 1, 2;
-- The review cases still open for a row's jobs are withdrawn likewise (nobody is asked to
-- label what is gone), each a ledger entry; the case of a row left alone stays open.
INSERT INTO clinic.erase VALUES (7, 'Quarterly access review of the payroll system is due.');
SET comply.review_threshold = 0.9999;  -- every answer goes to review
SELECT comply.run_jobs() >= 0 AS worked;
RESET comply.review_threshold;
DELETE FROM clinic.erase WHERE id = 7;
UPDATE clinic.erase SET summary = 'Parking lot closed on Tuesday.' WHERE id = 6;
SELECT j.subject -> 'primary_key' ->> 'id' AS id, r.status, r.decided_at IS NOT NULL AS closed
  FROM comply.review_cases r JOIN comply.ai_jobs j ON j.id = r.job_id
 WHERE j.queue = 'erase' AND j.subject -> 'primary_key' ->> 'id' IN ('5', '6', '7') ORDER BY 1;
SELECT object LIKE 'comply.review_cases/%' AS names_the_case, details ->> 'reason' AS reason
  FROM comply.audit_log WHERE action = 'review.withdrawn' ORDER BY id;
-- A withdrawn case is said to be, to whoever would decide or release it (55000).
SELECT r.id AS withdrawn_case FROM comply.review_cases r JOIN comply.ai_jobs j ON j.id = r.job_id
 WHERE j.queue = 'erase' AND j.subject -> 'primary_key' ->> 'id' = '7' \gset
\set VERBOSITY sqlstate
SELECT comply.review_release(:withdrawn_case);
\set VERBOSITY default
SET comply_test.withdrawn_case = :withdrawn_case;
DO $$
DECLARE m text;
BEGIN
  PERFORM comply.review_decide(current_setting('comply_test.withdrawn_case')::bigint, 'reject');
EXCEPTION WHEN object_not_in_prerequisite_state THEN
  GET STACKED DIAGNOSTICS m = MESSAGE_TEXT;
  RAISE NOTICE '%', regexp_replace(m, '[0-9]+', 'N');
END $$;
RESET comply_test.withdrawn_case;
-- A protected table renamed or moved: the subjects of its rows' jobs, decisions and
-- review cases follow it (a DELETE or comply.forget still finds them), and the ledger
-- records each rename, with both names, as drift.
INSERT INTO clinic.erase VALUES (8, 'Card ending 4242 charged twice; refund requested.');
SET comply.review_threshold = 0.9999;  -- every answer goes to review
SELECT comply.run_jobs() >= 0 AS worked;
RESET comply.review_threshold;
INSERT INTO clinic.erase VALUES (9, 'Lunch menu for Monday.');
SELECT max(id) AS before_rename FROM comply.audit_log \gset
CREATE SCHEMA archive;
ALTER TABLE clinic.erase RENAME TO erase_old;
ALTER TABLE clinic.erase_old SET SCHEMA archive;
ALTER SCHEMA archive RENAME TO "Archive";
SELECT j.subject -> 'primary_key' ->> 'id' AS id, j.subject ->> 'table' AS job_table, j.status,
       r.subject ->> 'table' AS case_table, r.status AS case_status
  FROM comply.ai_jobs j LEFT JOIN comply.review_cases r ON r.job_id = j.id
 WHERE j.queue = 'erase' AND j.subject -> 'primary_key' ->> 'id' IN ('8', '9') ORDER BY j.id;
SELECT known_as FROM comply.policies WHERE table_name = '"Archive".erase_old'::regclass;
SELECT object, details ->> 'renamed_from' AS renamed_from, details ->> 'command' AS command
  FROM comply.audit_log WHERE id > :before_rename AND action = 'drift'
   AND details ->> 'kind' = 'table_renamed' ORDER BY id;
SELECT count(*) AS also_altered FROM comply.audit_log
 WHERE id > :before_rename AND action = 'drift' AND details ->> 'kind' = 'table_altered';
DELETE FROM "Archive".erase_old WHERE id = 9;
SELECT * FROM comply.forget('"Archive".erase_old', '{"id": 8}');
SELECT j.subject -> 'primary_key' ->> 'id' AS id, j.status FROM comply.ai_jobs j
 WHERE j.queue = 'erase' AND j.subject -> 'primary_key' ->> 'id' IN ('8', '9') ORDER BY j.id;
ALTER TABLE "Archive".erase_old SET SCHEMA clinic;
ALTER TABLE clinic.erase_old RENAME TO erase;
DROP SCHEMA "Archive";
INSERT INTO clinic.erase VALUES (10, 'Parking lot closed on Wednesday.');  -- queued at TRUNCATE
-- TRUNCATE: every row is gone, and every job still queued and case still open with them.
TRUNCATE clinic.erase;
SELECT status, last_error, count(*) FROM comply.ai_jobs WHERE queue = 'erase' GROUP BY 1, 2 ORDER BY 1, 2;
SELECT r.status, count(*) FROM comply.review_cases r JOIN comply.ai_jobs j ON j.id = r.job_id
 WHERE j.queue = 'erase' GROUP BY 1 ORDER BY 1;
\set VERBOSITY terse
-- Not granted to PUBLIC.
SELECT 'clinic.erase'::regclass::oid AS erase_oid \gset
CREATE ROLE forget_user;
SET ROLE forget_user;
SELECT * FROM comply.forget(:erase_oid::oid::regclass, '{"id": 3}');
-- Nor may another role queue a job about a protected table's row: it would end as a
-- decision or review case like the policy's own.
SELECT comply.classify_async('Patient chemotherapy referral', ARRAY['general'], 'compliance',
                             '{"table": "clinic.erase", "column": "summary", "primary_key": {"id": 2}}');
-- (However the table is spelled.)
SELECT comply.classify_async('Patient chemotherapy referral', ARRAY['general'], 'compliance',
                             '{"table": "CLINIC.ERASE", "column": "summary", "primary_key": {"id": 2}}');
SELECT comply.classify_async('Patient chemotherapy referral', ARRAY['general'], 'compliance',
                             '{"table": "\"clinic\".\"erase\"", "column": "summary", "primary_key": {"id": 2}}');
SELECT comply.classify_async('Patient chemotherapy referral', ARRAY['general'], 'compliance',
                             '{"table": "clinic.other", "primary_key": {"id": 2}}') > 0 AS other_subject;
RESET ROLE;
DROP ROLE forget_user;
\set VERBOSITY default
SELECT comply.unprotect('clinic.erase');
-- A protected table dropped, by name or with its schema (DROP SCHEMA ... CASCADE): the
-- drop is drift, the policy goes (it would name an OID a later table may be given), and
-- its rows' queued jobs and open review cases go with it.
CREATE SCHEMA doomed;
CREATE TABLE doomed.notes (id int PRIMARY KEY, summary text);
SELECT comply.protect('doomed.notes', '{"columns": {"summary": {"classify": {"labels": ["phi", "pci", "general"], "model": "compliance", "queue": "doomed"}}}}');
INSERT INTO doomed.notes VALUES (1, 'Card ending 4242 charged twice; refund requested.');
SET comply.review_threshold = 0.9999;  -- every answer goes to review
SELECT comply.run_jobs() >= 0 AS worked;
RESET comply.review_threshold;
INSERT INTO doomed.notes VALUES (2, 'Lunch menu for Friday.');
SELECT 'doomed.notes'::regclass::oid AS doomed_oid \gset
SET client_min_messages = warning;
DROP SCHEMA doomed CASCADE;
RESET client_min_messages;
SELECT count(*) AS policies_left FROM comply.policies WHERE table_name = :doomed_oid;
SELECT object, details ->> 'kind' AS kind, details ->> 'dropped_with' AS dropped_with
  FROM comply.audit_log WHERE action = 'drift' AND object = 'doomed.notes';
SELECT j.subject -> 'primary_key' ->> 'id' AS id, j.status, j.last_error, r.status AS case_status
  FROM comply.ai_jobs j LEFT JOIN comply.review_cases r ON r.job_id = j.id
 WHERE j.queue = 'doomed' ORDER BY 1;
-- Dropped by DROP OWNED BY its owner: the entry says so, as for a schema dropped with it.
CREATE ROLE doomed_owner;
CREATE TABLE public.owned_notes (id int PRIMARY KEY, summary text);
ALTER TABLE public.owned_notes OWNER TO doomed_owner;
SELECT comply.protect('public.owned_notes', '{"columns": {"summary": {"redact": true}}}');
SET client_min_messages = warning;
DROP OWNED BY doomed_owner;
RESET client_min_messages;
DROP ROLE doomed_owner;
SELECT object, details ->> 'kind' AS kind, details ->> 'dropped_with' AS dropped_with
  FROM comply.audit_log WHERE action = 'drift' AND object = 'public.owned_notes' AND details ->> 'kind' = 'table_dropped';
SELECT details ->> 'reason' AS reason FROM comply.audit_log
 WHERE action = 'review.withdrawn' ORDER BY id DESC LIMIT 1;
-- A partition truncated alone: its rows' jobs (which name the protected table and the
-- key, not the partition) are cancelled and their open review cases withdrawn, found by
-- the keys no longer in the table; the other partition's are left.
CREATE TABLE clinic.by_ward (id int PRIMARY KEY, summary text) PARTITION BY RANGE (id);
CREATE TABLE clinic.by_ward_1 PARTITION OF clinic.by_ward FOR VALUES FROM (0) TO (100);
CREATE TABLE clinic.by_ward_2 PARTITION OF clinic.by_ward FOR VALUES FROM (100) TO (200);
SELECT comply.protect('clinic.by_ward', '{"columns": {"summary": {"classify": {"labels": ["phi", "pci", "general"], "model": "compliance", "queue": "by_ward"}}}}');
INSERT INTO clinic.by_ward VALUES (1, 'Card ending 4242 charged twice; refund requested.'),
                                  (101, 'Card ending 1881 declined at checkout.');
SET comply.review_threshold = 0.9999;  -- every answer goes to review
SELECT comply.run_jobs() >= 0 AS worked;
RESET comply.review_threshold;
INSERT INTO clinic.by_ward VALUES (2, 'Lunch menu for Friday.'), (102, 'Parking lot closed on Monday.');
TRUNCATE clinic.by_ward_1;
SELECT j.subject -> 'primary_key' ->> 'id' AS id, j.status, j.last_error, r.status AS case_status
  FROM comply.ai_jobs j LEFT JOIN comply.review_cases r ON r.job_id = j.id
 WHERE j.queue = 'by_ward' ORDER BY (j.subject -> 'primary_key' ->> 'id')::int;
-- A partition dropped takes its rows past the table's triggers: the drop is drift
-- (partition_dropped), and so is a partition detached (its rows leave the policy); the
-- rows' queued jobs are cancelled and open review cases withdrawn as for a TRUNCATE.
-- What takes a row away unseen (a DELETE in replica mode) leaves its job queued: before
-- a job is sent, the worker checks that its row is still in the protected table.
CREATE TABLE clinic.by_ward_3 PARTITION OF clinic.by_ward FOR VALUES FROM (200) TO (300);
CREATE TABLE clinic.by_ward_4 PARTITION OF clinic.by_ward FOR VALUES FROM (300) TO (400);
INSERT INTO clinic.by_ward VALUES (3, 'Card ending 5555 declined.'), (4, 'Patient reports chest pain.'),
                                  (201, 'Card ending 1881 declined at checkout.'),
                                  (301, 'Lunch menu for Monday.');
SELECT max(id) AS before_drop FROM comply.audit_log \gset
SET search_path = clinic, public;
ALTER TABLE by_ward DETACH PARTITION by_ward_3;  -- (names resolved in this session's path)
RESET search_path;
DROP TABLE clinic.by_ward_2, clinic.by_ward_4;
SELECT action, details ->> 'kind' AS kind, details ->> 'partition' AS partition, details -> 'detached' AS detached,
       details ->> 'reason' AS reason
  FROM comply.audit_log WHERE id > :before_drop ORDER BY id;
SET session_replication_role = replica;
DELETE FROM clinic.by_ward WHERE id = 3;
RESET session_replication_role;
SELECT comply.run_jobs() >= 0 AS worked;
SELECT j.subject -> 'primary_key' ->> 'id' AS id, j.status, j.last_error, r.status AS case_status
  FROM comply.ai_jobs j LEFT JOIN comply.review_cases r ON r.job_id = j.id
 WHERE j.queue = 'by_ward' AND j.subject -> 'primary_key' ->> 'id' NOT IN ('1', '2')
 ORDER BY (j.subject -> 'primary_key' ->> 'id')::int;
SELECT count(*) AS interactions_of_gone_rows FROM comply.ai_interactions i JOIN comply.ai_jobs j ON j.id = i.job_id
 WHERE j.queue = 'by_ward' AND j.subject -> 'primary_key' ->> 'id' IN ('3', '102', '201', '301');
DROP TABLE clinic.by_ward_3;
-- A partition taken along by another DROP is drift too: one in a schema dropped with
-- CASCADE, one owned by a role whose objects DROP OWNED drops, and a partition that is
-- itself partitioned (recorded once: its own partitions go with it).
CREATE SCHEMA ward_annex;
CREATE TABLE ward_annex.by_ward_5 PARTITION OF clinic.by_ward FOR VALUES FROM (400) TO (500);
CREATE ROLE ward_owner;
GRANT CREATE, USAGE ON SCHEMA clinic TO ward_owner;
CREATE TABLE clinic.by_ward_6 (id int NOT NULL, summary text);
ALTER TABLE clinic.by_ward_6 OWNER TO ward_owner;
ALTER TABLE clinic.by_ward ATTACH PARTITION clinic.by_ward_6 FOR VALUES FROM (500) TO (600);
CREATE TABLE clinic.by_ward_7 PARTITION OF clinic.by_ward FOR VALUES FROM (600) TO (700) PARTITION BY RANGE (id);
CREATE TABLE clinic.by_ward_7a PARTITION OF clinic.by_ward_7 FOR VALUES FROM (600) TO (650);
INSERT INTO clinic.by_ward VALUES (401, 'Card ending 4242 declined.'), (501, 'Patient reports a rash.'),
                                  (601, 'Card ending 1881 charged twice.');
SELECT max(id) AS before_drop FROM comply.audit_log \gset
DROP SCHEMA ward_annex CASCADE;
DROP OWNED BY ward_owner;
DROP TABLE clinic.by_ward_7;
DROP INDEX clinic.by_ward_pkey;  -- (refused: not a drop that takes a partition along)
SELECT action, details ->> 'kind' AS kind, details ->> 'partition' AS partition, details ->> 'command' AS command
  FROM comply.audit_log WHERE id > :before_drop AND action = 'drift' ORDER BY id;
-- (The partition DROP OWNED took along had its own owner, in the privileges the drift
-- watch remembers for the table: they are the table's as it now is, not a change of
-- grants to report later.)
SELECT acl_snapshot = comply._acl_text(table_name) AS privileges_remembered_as_they_are
  FROM comply.policies WHERE table_name = 'clinic.by_ward'::regclass;
SELECT j.subject -> 'primary_key' ->> 'id' AS id, j.status, j.last_error
  FROM comply.ai_jobs j WHERE j.queue = 'by_ward' AND (j.subject -> 'primary_key' ->> 'id')::int > 400
 ORDER BY (j.subject -> 'primary_key' ->> 'id')::int;
DROP ROLE ward_owner;
-- A partition's rows can be read directly: privileges granted on one are the protected
-- table's drift, and PUBLIC's count in the posture check.
SELECT max(id) AS before_grant FROM comply.audit_log \gset
GRANT SELECT ON clinic.by_ward_1 TO PUBLIC;
SELECT details ->> 'kind' AS kind, object, details ->> 'after' LIKE '%partition clinic.by_ward_1 {%' AS names_partition
  FROM comply.audit_log WHERE id > :before_grant AND action = 'drift';
SELECT status, evidence -> 'tables_open_to_public' AS open_tables FROM comply.check_server()
 WHERE check_name = 'public_privileges_on_protected_tables';
REVOKE SELECT ON clinic.by_ward_1 FROM PUBLIC;
SELECT comply.unprotect('clinic.by_ward');
DROP TABLE clinic.by_ward;
-- An UPDATE that moves a row to another partition inserts it there: the values it left
-- as they were stored (a redacted document no longer matches its schema) are not checked
-- or transformed again; values it changes are, as in any UPDATE.
CREATE TABLE clinic.moves (id int, region text, doc jsonb, PRIMARY KEY (id, region)) PARTITION BY LIST (region);
CREATE TABLE clinic.moves_a PARTITION OF clinic.moves FOR VALUES IN ('a');
CREATE TABLE clinic.moves_b PARTITION OF clinic.moves FOR VALUES IN ('b');
SELECT comply.register_schema('contact', '{"type": "object", "properties": {"email": {"type": "string", "pattern": "@"}}}');
SELECT comply.protect('clinic.moves', '{"columns": {"doc": {"validate": "contact", "redact": true}}}');
INSERT INTO clinic.moves VALUES (1, 'a', '{"email": "maria.garcia@example.org"}');
UPDATE clinic.moves SET region = 'b' WHERE id = 1;
SELECT tableoid::regclass AS stored_in, doc FROM clinic.moves;
\set VERBOSITY terse
UPDATE clinic.moves SET region = 'a', doc = '{"email": "no at sign"}' WHERE id = 1;
\set VERBOSITY default
UPDATE clinic.moves SET region = 'a', doc = '{"email": "j.doe@example.org"}' WHERE id = 1;
SELECT tableoid::regclass AS stored_in, doc FROM clinic.moves;
-- A large document read and written back whole (an ORM's full-row UPDATE) is unchanged,
-- though the stored one is compressed and the one written is not: it is left alone (its
-- redacted form need not match the schema), and the ledger lists no change to it.
CREATE TABLE clinic.big_docs (id int PRIMARY KEY, doc jsonb, other text);
SELECT comply.protect('clinic.big_docs', '{"columns": {"doc": {"validate": "contact", "redact": true}}}');
INSERT INTO clinic.big_docs VALUES (1, jsonb_build_object('email', 'maria.garcia@example.org', 'pad', repeat('lorem ipsum ', 400)), 'o');
SELECT pg_column_compression(doc) IS NOT NULL AS compressed, doc ->> 'email' AS email FROM clinic.big_docs;
UPDATE clinic.big_docs SET doc = doc::text::jsonb, other = 'p' WHERE id = 1;
SELECT details -> 'columns' AS changed FROM comply.audit_log
 WHERE object = 'clinic.big_docs' AND action = 'UPDATE' ORDER BY id DESC LIMIT 1;
SELECT comply.unprotect('clinic.big_docs');
DROP TABLE clinic.big_docs;
-- Only the moved row is spared: another row the same statement inserts, repeating a
-- value the UPDATE left as stored (here one stored before the table was protected), goes
-- through the policy (both were stored in clear).
CREATE TABLE clinic.moves_n (id int, region text, notes text) PARTITION BY LIST (region);
CREATE TABLE clinic.moves_n_a PARTITION OF clinic.moves_n FOR VALUES IN ('a');
CREATE TABLE clinic.moves_n_b PARTITION OF clinic.moves_n FOR VALUES IN ('b');
INSERT INTO clinic.moves_n VALUES (1, 'a', 'legacy SSN 536-22-8714');
SELECT comply.protect('clinic.moves_n', '{"columns": {"notes": {"redact": true}}, "audit": false}');
WITH u AS (UPDATE clinic.moves_n SET id = id WHERE id = 1 RETURNING notes)
  INSERT INTO clinic.moves_n SELECT 3, 'b', notes FROM u;
WITH u AS (UPDATE clinic.moves_n SET region = 'b' WHERE id = 1 RETURNING notes)
  INSERT INTO clinic.moves_n SELECT 4, 'a', notes FROM u;
SELECT id, tableoid::regclass AS stored_in, notes FROM clinic.moves_n ORDER BY id;
SELECT comply.unprotect('clinic.moves_n');
DROP TABLE clinic.moves_n;
SELECT comply.unprotect('clinic.moves');
DROP TABLE clinic.moves;
DELETE FROM comply.schemas WHERE name = 'contact';
-- A typed table's columns follow its type: an attribute renamed with ALTER TYPE ...
-- CASCADE breaks the policy of a protected typed table, which says so at once (drift,
-- policy_broken); its writes are refused until the policy is updated.
CREATE TYPE clinic.visit AS (id int, notes text);
CREATE TABLE clinic.typed_visits OF clinic.visit (PRIMARY KEY (id));
SELECT comply.protect('clinic.typed_visits', '{"columns": {"notes": {"redact": true}}}');
ALTER TYPE clinic.visit RENAME ATTRIBUTE notes TO note_text CASCADE;
SELECT details ->> 'kind' AS kind, details ->> 'type' AS type, details -> 'columns' AS columns
  FROM comply.audit_log WHERE action = 'drift' AND object = 'clinic.typed_visits' ORDER BY id;
\set VERBOSITY terse
INSERT INTO clinic.typed_visits VALUES (1, 'SSN 536-22-8714');
\set VERBOSITY default
SELECT comply.unprotect('clinic.typed_visits');
DROP TABLE clinic.typed_visits;
DROP TYPE clinic.visit;
-- A key column of a domain: pg_comply's own lookups of keys (after a partition's
-- TRUNCATE, before a job is sent, in comply.forget) run as the extension's owner, so
-- they read a key as the domain's base type, never as the domain, whose CHECK is its
-- owner's code (here it notes who runs it; it could have made its owner superuser).
CREATE ROLE key_owner;
CREATE ROLE key_eraser;
GRANT EXECUTE ON FUNCTION comply.forget(regclass, jsonb) TO key_eraser;
CREATE TABLE clinic.check_calls (who name);
GRANT INSERT ON clinic.check_calls TO PUBLIC;
GRANT CREATE, USAGE ON SCHEMA clinic TO key_owner;
SET ROLE key_owner;
CREATE FUNCTION clinic.key_ok(v int) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN INSERT INTO clinic.check_calls VALUES (current_user); RETURN true; END $$;
CREATE DOMAIN clinic.ward_key AS int CHECK (clinic.key_ok(VALUE));
CREATE TABLE clinic.dk (id clinic.ward_key, region text, summary text, PRIMARY KEY (id, region))
  PARTITION BY LIST (region);
CREATE TABLE clinic.dk_a PARTITION OF clinic.dk FOR VALUES IN ('a');
RESET ROLE;
SELECT comply.protect('clinic.dk', '{"columns": {"summary": {"classify": {"labels": ["phi", "pci", "general"], "model": "compliance", "queue": "dk"}}}}');
SET ROLE key_owner;
INSERT INTO clinic.dk VALUES (1, 'a', 'Card ending 4242 charged twice.'), (2, 'a', 'Lunch menu for Friday.');
TRUNCATE clinic.dk_a;
INSERT INTO clinic.dk VALUES (3, 'a', 'Patient reports chest pain.');
RESET ROLE;
SELECT comply.run_jobs() >= 0 AS worked;
SELECT 'clinic.dk'::regclass::oid AS dk_oid \gset
-- EXECUTE on forget alone is no authority over another owner's table: the caller must
-- own it or may DELETE from it, with USAGE on its schema (also when it names the table
-- by its OID, which regclass input would refuse without USAGE), and is refused before
-- the table is locked or its jobs counted (42501). A partition named is checked as
-- well as its root.
SET ROLE key_eraser;
SELECT what, removed FROM comply.forget(:dk_oid::oid::regclass, '{"id": 3, "region": "a"}') WHERE what = 'ai_jobs';
RESET ROLE;
GRANT DELETE ON clinic.dk TO key_eraser;
SET ROLE key_eraser;
SELECT what, removed FROM comply.forget(:dk_oid::oid::regclass, '{"id": 3, "region": "a"}') WHERE what = 'ai_jobs';
RESET ROLE;
GRANT USAGE ON SCHEMA clinic TO key_eraser;
SET ROLE key_eraser;
SELECT what, removed FROM comply.forget('clinic.dk_a', '{"id": 3, "region": "a"}') WHERE what = 'ai_jobs';
SELECT what, removed FROM comply.forget(:dk_oid::oid::regclass, '{"id": 3, "region": "a"}') WHERE what = 'ai_jobs';
RESET ROLE;
SELECT subject -> 'primary_key' ->> 'id' AS id, status, last_error FROM comply.ai_jobs WHERE queue = 'dk' ORDER BY id;
SELECT who, count(*) FROM clinic.check_calls GROUP BY who ORDER BY who;
SELECT comply.unprotect('clinic.dk');
DROP TABLE clinic.dk, clinic.check_calls;
DROP DOMAIN clinic.ward_key;
DROP FUNCTION clinic.key_ok(int);
REVOKE ALL ON SCHEMA clinic FROM key_owner;
REVOKE ALL ON FUNCTION comply.forget(regclass, jsonb) FROM key_eraser;
REVOKE ALL ON SCHEMA clinic FROM key_eraser;
DROP ROLE key_owner, key_eraser;
-- A key of dates and times is written the same whatever the writing session's DateStyle
-- and TimeZone (ISO 8601, a timestamptz in UTC): a DELETE in another session's formats
-- still cancels the row's job, and comply.forget finds it from a key given in this
-- session's formats.
CREATE TABLE clinic.appointments (day date, at timestamptz, summary text, PRIMARY KEY (day, at));
SELECT comply.protect('clinic.appointments', '{"columns": {"summary": {"classify": {"labels": ["phi", "pci", "general"], "model": "compliance", "queue": "appointments"}}}}');
SET DateStyle = 'SQL, DMY';
SET TimeZone = 'Asia/Tokyo';
INSERT INTO clinic.appointments VALUES ('2024-11-03', '2024-11-03 10:00', 'Card ending 4242 charged twice.'),
                                 ('2024-11-04', '2024-11-04 10:00', 'Lunch menu for Friday.');
RESET DateStyle;
SET TimeZone = 'America/New_York';
SELECT subject -> 'primary_key' AS key, status FROM comply.ai_jobs WHERE queue = 'appointments' ORDER BY id;
DELETE FROM clinic.appointments WHERE day = '2024-11-04';
SET DateStyle = 'German';
SELECT * FROM comply.forget('clinic.appointments', '{"day": "03.11.2024", "at": "2024-11-02 21:00:00-04"}');
SELECT subject -> 'primary_key' ->> 'day' AS day, status FROM comply.ai_jobs WHERE queue = 'appointments' ORDER BY id;
SELECT details -> 'row_still_stored' AS row_still_stored FROM comply.audit_log
 WHERE action = 'forget' ORDER BY id DESC LIMIT 1;
\set VERBOSITY terse
SELECT * FROM comply.forget('clinic.appointments', '{"day": "2024-13-45", "at": "2024-11-02 21:00:00-04"}');
\set VERBOSITY default
RESET DateStyle;
RESET TimeZone;
SELECT comply.unprotect('clinic.appointments');
DROP TABLE clinic.appointments;

-- Reads: with "audit_reads", each statement that reads the table (a SELECT, also
-- through a view or of a partition, or COPY TO) is a ledger entry: who read and how
-- many rows the statement returned. Handed to the job worker, like a rejected row, so
-- that a read in a rolled-back or read-only transaction is recorded too. EXPLAIN alone
-- reads nothing; a table whose policy does not ask is not recorded.
CREATE TABLE clinic.charts (id int PRIMARY KEY, note text);
CREATE VIEW clinic.charts_v AS SELECT id FROM clinic.charts;
CREATE TABLE clinic.wards (id int PRIMARY KEY, note text) PARTITION BY RANGE (id);
CREATE TABLE clinic.wards_1 PARTITION OF clinic.wards FOR VALUES FROM (0) TO (100);
SELECT comply.protect('clinic.charts', '{"columns": {"note": {"redact": true}}, "audit_reads": true}');
SELECT comply.protect('clinic.wards', '{"audit": false, "audit_reads": true}');
INSERT INTO clinic.charts VALUES (1, 'a'), (2, 'b'), (3, 'c');
INSERT INTO clinic.wards VALUES (1, 'x');
SELECT comply.run_jobs() >= 0 AS drained;
SELECT coalesce(max(id), 0) AS reads_before FROM comply.audit_log \gset
SELECT count(*) FROM clinic.charts;
SELECT id FROM clinic.charts WHERE id <= 2 ORDER BY id;
SELECT id FROM clinic.charts_v WHERE id = 3;
BEGIN READ ONLY;
SELECT note FROM clinic.charts WHERE id = 1;
ROLLBACK;
EXPLAIN (COSTS OFF) SELECT * FROM clinic.charts;
COPY clinic.charts TO stdout;
SELECT count(*) FROM clinic.wards;
SELECT count(*) FROM clinic.wards_1;
SELECT count(*) AS not_audited FROM clinic.intake;
-- A write whose source is the table reads it too (an UPDATE of the table itself is
-- audited as a write).
CREATE TABLE clinic.charts_copy (id int, note text);
INSERT INTO clinic.charts_copy SELECT * FROM clinic.charts WHERE id > 1;
UPDATE clinic.charts SET note = note WHERE id = 3;
-- Unless it returns the rows it changes (RETURNING): they reach the client, even from a
-- transaction that then rolls back.
BEGIN;
UPDATE clinic.charts SET id = id RETURNING id;
DELETE FROM clinic.charts WHERE id = 3 RETURNING id;
ROLLBACK;
-- So do a data-modifying WITH's RETURNING (to the client, or into another table) and an
-- upsert's (a conflicting row comes back with columns the writer did not send); a plain
-- INSERT ... RETURNING returns what it wrote.
BEGIN;
WITH d AS (UPDATE clinic.charts SET id = id WHERE id = 2 RETURNING note) SELECT count(*) FROM d;
WITH d AS (DELETE FROM clinic.charts WHERE id = 3 RETURNING *) INSERT INTO clinic.charts_copy SELECT * FROM d;
INSERT INTO clinic.charts VALUES (1, 'z') ON CONFLICT (id) DO UPDATE SET id = EXCLUDED.id RETURNING id;
INSERT INTO clinic.charts VALUES (4, 'new') RETURNING id;
ROLLBACK;
-- A statement that fails has read too: it may have sent rows before its error (the
-- count is then unknown), and an attempt refused for want of privilege is an access
-- attempt; the same inside a subtransaction that rolls back.
\set VERBOSITY terse
SELECT id, 1 / (3 - id) AS boom FROM clinic.charts ORDER BY id;
DO $$ BEGIN PERFORM id / 0 FROM clinic.charts; EXCEPTION WHEN division_by_zero THEN NULL; END $$;
CREATE ROLE chart_peeker;
GRANT USAGE ON SCHEMA clinic TO chart_peeker;
SET ROLE chart_peeker;
SELECT note FROM clinic.charts;
RESET ROLE;
DROP OWNED BY chart_peeker;
DROP ROLE chart_peeker;
\set VERBOSITY default
SELECT comply.run_jobs() >= 0 AS drained;
SELECT action, object, details ->> 'rows' AS rows, details ->> 'partition' AS partition,
       details ->> 'statement' AS statement, details ->> 'failed' AS failed, current_user_name AS reader
  FROM comply.audit_log WHERE id > :reads_before AND action IN ('SELECT', 'COPY') ORDER BY id;
-- A statement a parallel worker runs of its own (the query of a PARALLEL SAFE function
-- it calls) is recorded like any other; the worker's share of its leader's statement is
-- the leader's entry. (Here the function runs in the worker: "Workers Launched: 1".)
CREATE FUNCTION clinic.chart_count(int) RETURNS bigint LANGUAGE sql STABLE PARALLEL SAFE
  AS $$ SELECT count(*) FROM clinic.charts WHERE id <= $1 $$;
SELECT comply.run_jobs() >= 0 AS drained;
SELECT coalesce(max(id), 0) AS reads_before FROM comply.audit_log \gset
SET force_parallel_mode = on;
SET parallel_leader_participation = off;
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) SELECT clinic.chart_count(2);
SELECT clinic.chart_count(3);
RESET parallel_leader_participation;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SELECT count(*) FROM clinic.charts;
RESET min_parallel_table_scan_size;
RESET parallel_tuple_cost;
RESET parallel_setup_cost;
RESET force_parallel_mode;
SELECT comply.run_jobs() >= 0 AS drained;
SELECT action, object, details ->> 'rows' AS rows, current_user_name AS reader
  FROM comply.audit_log WHERE id > :reads_before AND action IN ('SELECT', 'COPY') ORDER BY id;
DROP FUNCTION clinic.chart_count(int);
-- Without "audit_reads" any more, reads are not recorded.
SELECT comply.protect('clinic.charts', '{"columns": {"note": {"redact": true}}}');
SELECT comply.run_jobs() >= 0 AS drained;
SELECT coalesce(max(id), 0) AS reads_before FROM comply.audit_log \gset
SELECT count(*) FROM clinic.charts;
SELECT comply.run_jobs() >= 0 AS drained;
SELECT count(*) AS reads_after_policy_change FROM comply.audit_log
 WHERE id > :reads_before AND action IN ('SELECT', 'COPY');
\set VERBOSITY terse
SELECT comply.protect('clinic.charts', '{"audit_reads": "yes"}');
\set VERBOSITY default
-- Keys listed in a policy match in any case, of any script.
CREATE TABLE clinic.kunden (id int PRIMARY KEY, doc jsonb);
SELECT comply.protect('clinic.kunden', '{"columns": {"doc": {"redact": {"keys": ["prénom", "número"]}}}, "audit": false}');
INSERT INTO clinic.kunden VALUES (1, '{"PRÉNOM": "Jürgen", "Número": "811228-9874"}');
SELECT doc FROM clinic.kunden;
SELECT comply.unprotect('clinic.kunden');
SELECT comply.unprotect('clinic.charts');
SELECT comply.unprotect('clinic.wards');
DROP SCHEMA clinic CASCADE;
DROP ROLE "intake.clerk@example.com";

-- The pseudonymization key: protect records its identifier (comply.pseudonym_key_id(),
-- which tells keys apart without revealing them) when a column is pseudonymized. With
-- another key in comply.hmac_key_file (a key file replaced, a restore onto a server with
-- a key of its own) a write that would pseudonymize is refused, since its pseudonyms
-- would not join those stored, and the policy is reported broken; protecting again
-- adopts the new key.
SELECT comply.pseudonym_key_id() AS kid \gset
SELECT :'kid' ~ '^kid_[0-9a-f]{16}$' AS key_id_format, :'kid' <> comply.pseudonymize('') AS not_a_pseudonym;
CREATE SCHEMA keyed;
CREATE TABLE keyed.t (id int PRIMARY KEY, ssn text, note text);
CREATE TABLE keyed.plain (id int PRIMARY KEY, note text);
SELECT comply.protect('keyed.t', '{"columns": {"ssn": {"pseudonymize": true}}}');
SELECT comply.protect('keyed.plain', '{"columns": {"note": {"redact": true}}}');
SELECT table_name, pseudonym_key_id = :'kid' AS key_recorded FROM comply.policies
 WHERE table_name::text LIKE 'keyed.%' ORDER BY 1;
SELECT details ->> 'pseudonym_key_id' = :'kid' AS key_in_ledger FROM comply.audit_log
 WHERE action = 'protect' AND object = 'keyed.t';
INSERT INTO keyed.t VALUES (1, '536-22-8714', 'first');
SELECT current_setting('data_directory') || '/comply_test_ledger2.pem' AS otherkey \gset
SET comply.hmac_key_file = :'otherkey';
SELECT comply.pseudonym_key_id() <> :'kid' AS another_key;
\set VERBOSITY terse
INSERT INTO keyed.t VALUES (2, '536-22-8714', 'second');
\set VERBOSITY default
-- A write that pseudonymizes nothing, and a table that does not pseudonymize, go on.
UPDATE keyed.t SET note = 'first, edited' WHERE id = 1;
INSERT INTO keyed.plain VALUES (1, 'no key needed');
SELECT table_name, comply._policy_problem(table_name, policy) AS problem FROM comply.policies
 WHERE table_name::text LIKE 'keyed.%' ORDER BY 1;
RESET comply.hmac_key_file;
SELECT comply._policy_problem(table_name, policy) AS problem_without_key FROM comply.policies
 WHERE table_name = 'keyed.t'::regclass;
SET comply.hmac_key_file = :'keyfile';
INSERT INTO keyed.t VALUES (2, '536-22-8714', 'second');
SET comply.hmac_key_file = :'otherkey';
SELECT comply.protect('keyed.t', '{"columns": {"ssn": {"pseudonymize": true}}}');
INSERT INTO keyed.t VALUES (3, '536-22-8714', 'third');
SELECT id, ssn = comply.pseudonymize('536-22-8714') AS this_keys_pseudonym, note FROM keyed.t ORDER BY id;
SET comply.hmac_key_file = :'keyfile';
SELECT comply.unprotect('keyed.t');
SELECT comply.unprotect('keyed.plain');
DROP SCHEMA keyed CASCADE;

-- Protect triggers without a policy (what a schema-only or single-table dump restores:
-- pg_dump leaves comply.policies' rows out of both): writes are refused, not stored in
-- clear; a DELETE writes nothing and goes on; protecting the table again enforces it.
CREATE TABLE orphaned (id int PRIMARY KEY, note text);
INSERT INTO orphaned VALUES (1, 'stored before');
CREATE TRIGGER comply_protect_before BEFORE INSERT OR UPDATE ON orphaned
  FOR EACH ROW EXECUTE FUNCTION comply._protect_row();
CREATE TRIGGER comply_protect_after AFTER INSERT OR UPDATE OR DELETE ON orphaned
  FOR EACH ROW EXECUTE FUNCTION comply._protect_row();
INSERT INTO orphaned VALUES (2, 'SSN 536-22-8714');
UPDATE orphaned SET note = 'SSN 536-22-8714';
-- (No error context: COPY's would quote the line, here and in the server log.)
COPY orphaned FROM stdin;
3	a copied note
\.
DELETE FROM orphaned WHERE id = 1;
SELECT count(*) AS rows_left FROM orphaned;
SELECT comply.protect('orphaned', '{"columns": {"note": {"redact": true}}}');
INSERT INTO orphaned VALUES (2, 'SSN 536-22-8714');
SELECT id, note FROM orphaned;
SELECT comply.unprotect('orphaned');
DROP TABLE orphaned;
-- A statement cancelled while the trigger works (here its validation, against a schema
-- whose evaluation runs for seconds, stopped by statement_timeout): the cancel carries no
-- error context either, where COPY's would quote the line. (A cancel PostgreSQL itself
-- notices, outside the trigger, keeps COPY's context: comply.check_server's
-- error_details_logging is about that.)
SELECT comply.register_schema('slow_to_check', jsonb_build_object(
  '$defs', (SELECT jsonb_object_agg(l, jsonb_build_object('anyOf', b))
              FROM (SELECT l, (SELECT jsonb_agg(CASE WHEN l = 'e' AND g > 0 THEN '{"type": "string"}'::jsonb
                                                     ELSE jsonb_build_object('$ref', '#/$defs/' || chr(ascii(l) + 1)) END)
                                 FROM generate_series(1, 60) g) b
                      FROM unnest(ARRAY['a', 'b', 'c', 'd', 'e']) l) x),
  '$ref', '#/$defs/a'));
CREATE TABLE slow_checks (id int PRIMARY KEY, note text, doc jsonb);
SELECT comply.protect('slow_checks', '{"columns": {"doc": {"validate": "slow_to_check"}}}');
SET statement_timeout = '500ms';
COPY slow_checks (id, note, doc) FROM stdin;
1	SSN 536-22-8714	1
\.
RESET statement_timeout;
SELECT comply.unprotect('slow_checks');
DROP TABLE slow_checks;
DELETE FROM comply.schemas WHERE name = 'slow_to_check';

-- A rejected row's paths are redacted key by key, each with the keys above it as
-- context, in the error and in the protect.rejected entry: a bare SSN keying a map under
-- "ssn" is found, a key of phone digits reads [DIGITS].
SELECT comply.register_schema('p_keyed', '{"type": "object", "additionalProperties": {"type": "object", "additionalProperties": {"type": "string"}}}');
CREATE TABLE keyed_docs (id int PRIMARY KEY, doc jsonb);
SELECT comply.protect('keyed_docs', '{"columns": {"doc": {"validate": "p_keyed"}}}');
INSERT INTO keyed_docs VALUES (1, '{"ssn": {"536228714": 1}, "phones": {"4155552671": 2}}');
SELECT comply.run_jobs(0 + 1) >= 0 AS worked;
SELECT details ->> 'errors' AS errors FROM comply.audit_log
 WHERE action = 'protect.rejected' ORDER BY id DESC LIMIT 1;
SELECT comply.unprotect('keyed_docs');
DROP TABLE keyed_docs;
-- A value too large to redact (over comply.max_input_bytes) is refused, naming the
-- column, and recorded like any row the policy refuses.
CREATE TABLE big_notes (id int PRIMARY KEY, note text);
SELECT comply.protect('big_notes', '{"columns": {"note": {"redact": true}}}');
SET comply.max_input_bytes = '1kB';
INSERT INTO big_notes VALUES (1, repeat('SSN 536-22-8714 ', 100));
RESET comply.max_input_bytes;
SELECT comply.run_jobs(0 + 1) >= 0 AS worked;
SELECT details ->> 'column' AS column_name, details ->> 'errors' AS errors FROM comply.audit_log
 WHERE action = 'protect.rejected' AND object = 'public.big_notes';
SELECT comply.unprotect('big_notes');
DROP TABLE big_notes;
-- "redact_keys": true in a jsonb column's redact object redacts the object keys by
-- content too (an e-mail keying a map), with labels; two keys redacted alike stay two
-- members ([EMAIL_ADDRESS], [EMAIL_ADDRESS]#2). Without it keys are kept, as before.
CREATE TABLE mail_log (id int PRIMARY KEY, doc jsonb, note text);
INSERT INTO mail_log VALUES (1, '{"recipients": {"wilhelmina.okonkwo@kestrel-mail.net": "sent"}}', 'stored before');
SELECT comply.protect('mail_log', '{"columns": {"doc": {"redact": {"redact_keys": true}}, "note": {"redact": true}}}');
-- protect_existing rewrites the row stored before, then finds nothing left to change.
SELECT comply.protect_existing('mail_log') AS changed;
SELECT comply.protect_existing('mail_log') AS changed_again;
INSERT INTO mail_log VALUES (2, '{"recipients": {"wilhelmina.okonkwo@kestrel-mail.net": "sent", "bo.li@example.org": "failed"}, "from": "desk@kestrel-mail.net"}');
COPY mail_log (id, doc) FROM STDIN;
3	{"cc": {"carl.jung@example.net": 1, "ada.obi@example.com": 2, "[EMAIL_ADDRESS]#2": 3}}
\.
SELECT id, doc, note FROM mail_log ORDER BY id;
-- An UPDATE of another column leaves the document as stored (not rewritten, not in the
-- entry's "columns"); one that adds an e-mail key gives it the next free name.
UPDATE mail_log SET note = 'checked' WHERE id = 2;
UPDATE mail_log SET doc = jsonb_set(doc, '{recipients,emily.watson@example.org}', '"queued"') WHERE id = 2;
SELECT doc FROM mail_log WHERE id = 2;
-- An upsert's SET doc = EXCLUDED.doc stores what the insert's trigger redacted, once.
INSERT INTO mail_log VALUES (2, '{"recipients": {"wilhelmina.okonkwo@kestrel-mail.net": "resent", "bo.li@example.org": "sent"}}')
  ON CONFLICT (id) DO UPDATE SET doc = EXCLUDED.doc;
SELECT doc FROM mail_log WHERE id = 2;
SELECT action, details -> 'columns' AS columns FROM comply.audit_log
 WHERE object = 'public.mail_log' AND action IN ('INSERT', 'UPDATE') ORDER BY id;
-- The option is a boolean, and only for jsonb columns.
SELECT comply.protect('mail_log', '{"columns": {"doc": {"redact": {"redact_keys": "yes"}}}}');
SELECT comply.protect('mail_log', '{"columns": {"note": {"redact": {"redact_keys": true}}}}');
-- Without it (redact: true) keys stay as they are.
SELECT comply.protect('mail_log', '{"columns": {"doc": {"redact": true}}}');
INSERT INTO mail_log VALUES (4, '{"recipients": {"bo.li@example.org": "sent"}}');
SELECT doc FROM mail_log WHERE id = 4;
SELECT comply.unprotect('mail_log');
DROP TABLE mail_log;
-- The details of rows' ledger entries are written in jsonb's binary form directly:
-- byte for byte what PostgreSQL makes of their text (keys of every length and type,
-- composite and partitioned keys, NULL parts, labels for redacted parts).
CREATE CAST (jsonb AS bytea) WITHOUT FUNCTION;
SELECT count(*) > 50 AS row_entries,
       count(DISTINCT details -> 'primary_key') > 20 AS distinct_keys,
       count(*) FILTER (WHERE details ? 'partition') > 0 AS with_partition,
       count(*) FILTER (WHERE details::bytea <> details::text::jsonb::bytea) AS not_canonical
  FROM comply.audit_log WHERE details ? 'primary_key';
DROP CAST (jsonb AS bytea);
