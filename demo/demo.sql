-- pg_comply demo: PII detection and redaction on realistic intake records, validation
-- of incoming documents, the audit ledger, and AI classification with human review.
\pset footer off
\pset null '(null)'
\set ON_ERROR_STOP on
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pg_comply;
RESET client_min_messages;

\echo
\echo '== 1. Incoming records, as the applications wrote them'
CREATE TABLE intake (id int PRIMARY KEY, channel text, body text);
INSERT INTO intake VALUES
 (1, 'clinic',  'Patient Maria Garcia (DOB 03/14/1985) was seen by Dr. Ana López. SSN 536-22-8714, callback (415) 555-2671.'),
 (2, 'billing', 'Dispute on card 4111 1111 1111 1111; refund to IBAN GB82 WEST 1234 5698 7654 32. Contact: k.mensah@example.org'),
 (3, 'support', 'Login from 203.0.113.42 and 2001:db8::7 failed. Customer asked us to call +44 20 7946 0958. Sincerely, Emily Watson'),
 (4, 'hr',      'Employee onboarding: routing number 011000015, bank account 000123456789, driver license D1234567.'),
 (5, 'notes',   'No personal data in this one: the quarterly review moved to room 4.');
SELECT id, channel, body FROM intake ORDER BY id;

\echo
\echo '== 2. What comply.detect finds (entity, position in characters, score)'
SELECT i.id, d.entity, d.start_pos, d.length, round(d.score::numeric, 2) AS score,
       substr(i.body, d.start_pos, d.length) AS finding
  FROM intake i, comply.detect(i.body) d
 ORDER BY i.id, d.start_pos;

\echo
\echo '== 3. Redacted with the default operator (labels)'
SELECT id, comply.redact(body) AS redacted FROM intake ORDER BY id;

\echo
\echo '== 4. Per-entity operators: mask the SSN and card, keep dates, drop e-mails'
SELECT id, comply.redact(body, '{"US_SSN": {"op": "mask", "keep_last": 4},
                                 "CREDIT_CARD": {"op": "mask", "keep_last": 4, "mask_char": "#"},
                                 "DATE_TIME": {"op": "keep"},
                                 "EMAIL_ADDRESS": {"op": "remove"},
                                 "default": {"op": "label"}}') AS redacted
  FROM intake WHERE id IN (1, 2) ORDER BY id;

\echo
\echo '== 5. jsonb: strings redacted by content, the "name" key replaced whole'
SELECT jsonb_pretty(comply.redact(
  '{"name": "Maria Garcia", "visit": {"note": "SSN 536-22-8714, call 415-555-2671", "room": 12}}'::jsonb,
  NULL, ARRAY['name'])) AS redacted;

\echo
\echo '== 6. A custom recognizer, effective at once in every session'
INSERT INTO comply.recognizers (entity, pattern, score, context)
VALUES ('MEDICAL_RECORD_NUMBER', '\bMRN-\d{7}\b', 0.6, '{mrn,record}');
SELECT comply.redact('Chart MRN-0012345 for patient Maria Garcia') AS redacted;

\echo
\echo '== 7. Deterministic pseudonyms (HMAC-SHA-256): the same value gives the same token, so joins work'
SELECT current_setting('data_directory') || '/demo_hmac.key' AS keyfile \gset
SET comply.hmac_key_file = :'keyfile';
SELECT v AS value, comply.pseudonymize(v) AS token
  FROM (VALUES ('536-22-8714'), ('536-22-8714'), ('212-55-1234')) t(v);

\echo
\echo '== 8. Validation: a JSON Schema registered once, used in a CHECK constraint'
SELECT comply.register_schema('intake_v1', '{
  "type": "object",
  "required": ["patient_id", "email", "consent"],
  "properties": {
    "patient_id": {"type": "integer", "minimum": 1},
    "email": {"type": "string", "format": "email", "maxLength": 64},
    "consent": {"const": true},
    "visits": {"type": "array", "items": {"type": "string", "format": "date"}}
  },
  "additionalProperties": false}') AS registered \gset
CREATE TABLE submissions (id serial PRIMARY KEY,
  payload jsonb NOT NULL CHECK (comply.assert_valid(payload, 'intake_v1') IS NOT NULL));
INSERT INTO submissions (payload)
VALUES ('{"patient_id": 17, "email": "m.garcia@example.org", "consent": true, "visits": ["2024-01-15"]}');
\echo 'Why a document fails (paths and rules, never the values):'
SELECT instance_path, keyword, message
  FROM comply.validation_errors('{"patient_id": "536-22-8714", "email": "m.garcia@example.org", "visits": [3], "ssn": "536-22-8714"}', 'intake_v1');

\echo
\echo '== 9. Audit ledger: entries appended (details redacted), sealed by the background worker'
CREATE TABLE patients (id int PRIMARY KEY, name text, phone text, ward int);
CREATE TRIGGER audit AFTER INSERT OR UPDATE OR DELETE ON patients
  FOR EACH ROW EXECUTE FUNCTION comply.audit_trigger();
INSERT INTO patients VALUES (1, 'Patient Maria Garcia', '(415) 555-2671', 3);
UPDATE patients SET ward = 4 WHERE id = 1;
SELECT comply.audit('export', 'claims', '{"requested_by": "j.doe@example.org", "rows": 120}') AS entry \gset
-- Give the worker a moment (comply.seal_interval, 1 s by default); seal now if it is off.
DO $$
BEGIN
  FOR i IN 1..30 LOOP
    EXIT WHEN NOT EXISTS (SELECT 1 FROM comply.audit_log a
                           WHERE NOT EXISTS (SELECT 1 FROM comply.ledger_entries s WHERE s.entry_id = a.id));
    PERFORM pg_sleep(0.1);
  END LOOP;
  PERFORM comply.seal();
END $$;
SELECT id, current_user_name AS who, action, object, details FROM comply.audit_log ORDER BY id;
SELECT count(*) AS blocks, sum(entry_count) AS sealed_entries FROM comply.ledger_blocks;
\echo 'verify_ledger() on the intact ledger (no rows means intact):'
SELECT * FROM comply.verify_ledger();
\echo 'An inclusion proof for one entry checks in O(log n):'
SELECT comply.verify_proof(comply.ledger_proof(:entry)) AS proof_ok;
\echo 'A superuser edits an entry behind the guards (disabled); verify_ledger names it:'
BEGIN;
ALTER TABLE comply.audit_log DISABLE TRIGGER append_only;
UPDATE comply.audit_log SET object = 'nothing to see' WHERE id = :entry;
SELECT * FROM comply.verify_ledger();
ROLLBACK;

\echo
\echo '== 10. AI classification with the builtin model (no network), and human review'
-- A labelled set of compliance documents (test/data), redacted before the model sees it.
CREATE TABLE training_docs (label text, body text);
\copy training_docs FROM 'test/data/compliance_docs.tsv'
SELECT comply.train_classifier('compliance', 'SELECT body, label FROM training_docs') AS report \gset
SELECT (:'report'::jsonb ->> 'examples')::int AS examples,
       round((:'report'::jsonb ->> 'accuracy')::numeric, 3) AS held_out_accuracy,
       round((:'report'::jsonb ->> 'baseline_accuracy')::numeric, 3) AS majority_class_accuracy,
       round((:'report'::jsonb ->> 'ece_after')::numeric, 3) AS calibration_error;
\echo 'Synchronous classification (the text is redacted first; the call is kept):'
SELECT c.label, round(c.confidence::numeric, 2) AS confidence, c.interaction_id
  FROM (VALUES ('Patient Maria Garcia (DOB 1984-03-12) was prescribed metformin; HbA1c lab results attached.'),
               ('Chargeback on card 4111 1111 1111 1111: the cardholder disputes the charge at the merchant.'),
               ('Litigation hold: preserve all e-mails about the supplier contract until the subpoena is answered.')) AS t(note),
       LATERAL comply.classify(t.note, NULL, 'compliance') c;
SELECT id, model, outcome, prompt FROM comply.ai_interactions ORDER BY id LIMIT 1;
\echo 'Asynchronous: jobs queued for the background worker; below comply.review_threshold (0.85) a person decides:'
SELECT comply.classify_async(note, NULL, 'compliance', jsonb_build_object('ticket', n)) AS job
  FROM (VALUES (1, 'Payroll correction for employee Kevin Lee: overtime and 401k deduction for March.'),
               (2, 'Oncology referral: patient SSN 536-22-8714, MRI results and chemotherapy plan attached.'),
               (3, 'Please review the attached document and get back to me.'),
               (4, 'Quarterly reconciliation of the general ledger before the SOX 404 audit.')) AS t(n, note);
DO $$
BEGIN
  FOR i IN 1..50 LOOP  -- the worker is woken at commit; without it, work the queue here
    EXIT WHEN NOT EXISTS (SELECT 1 FROM comply.ai_jobs WHERE status IN ('queued', 'running'));
    PERFORM pg_sleep(0.1);
  END LOOP;
  PERFORM comply.run_jobs();
END $$;
SELECT id, subject, status, label, round(confidence::numeric, 2) AS confidence, routed_to
  FROM comply.ai_job_status ORDER BY id;
\echo 'A reviewer (role comply_reviewer) claims the oldest case and decides it:'
CREATE ROLE demo_reviewer IN ROLE comply_reviewer;
SET ROLE demo_reviewer;
SELECT id, subject, payload, model_label, round(confidence::numeric, 2) AS confidence, status, assignee
  FROM comply.review_next();
SELECT id, status, final_label, decided_by
  FROM comply.review_decide((SELECT min(id) FROM comply.review_cases WHERE status = 'claimed'), 'general',
                            'a generic request, nothing regulated');
RESET ROLE;
\echo 'Every decision, by the model alone or by a person, for the periodic review:'
SELECT decided_by_kind, subject, label, model_label, round(confidence::numeric, 2) AS confidence,
       reviewer, overturned
  FROM comply.ai_decisions ORDER BY decided_at;
SELECT action, object, details ->> 'label' AS label, details ->> 'routed' AS routed
  FROM comply.audit_log WHERE action LIKE 'ai.%' OR action LIKE 'review.%' ORDER BY id;

\echo
\echo '== 11. A protected table: one policy puts validation, redaction, pseudonyms, audit (of reads too) and classification on every write'
CREATE TABLE referrals (id serial PRIMARY KEY, payload jsonb, notes text, ssn text, summary text);
SELECT comply.protect('referrals', '{
  "columns": {"payload": {"validate": "intake_v1", "redact": true},
              "notes": {"redact": true},
              "ssn": {"pseudonymize": true},
              "summary": {"classify": {"model": "compliance", "queue": "referrals"}}},
  "audit_reads": true,
  "workflow_step": "intake", "regulations": ["HIPAA §164.312(b)", "GDPR Art. 25"]}') AS protected;
-- The application writes as it always did.
INSERT INTO referrals (payload, notes, ssn, summary)
VALUES ('{"patient_id": 42, "email": "kevin.lee@example.com", "consent": true}',
        'Kevin Lee (DOB 1979-11-02) called from 415-555-2671 about his MRI.', '536-22-8714',
        'MRI follow-up and oncology referral for the patient.');
SELECT id, payload, notes, ssn, summary FROM referrals;
\echo 'An invalid row is refused (paths, no values), and the attempt still reaches the ledger, as the read above does:'
\set ON_ERROR_STOP off
INSERT INTO referrals (payload) VALUES ('{"patient_id": "536-22-8714", "email": "kevin.lee@example.com", "consent": true}');
\set ON_ERROR_STOP on
DO $$
BEGIN
  FOR i IN 1..50 LOOP
    EXIT WHEN EXISTS (SELECT 1 FROM comply.audit_log WHERE action = 'protect.rejected')
          AND NOT EXISTS (SELECT 1 FROM comply.ai_jobs WHERE status IN ('queued', 'running'));
    PERFORM pg_sleep(0.1);
  END LOOP;
  PERFORM comply.run_jobs();
END $$;
SELECT action, object, details FROM comply.audit_log
 WHERE object = 'public.referrals' ORDER BY id;
SELECT subject, label, routed_to FROM comply.ai_job_status WHERE queue = 'referrals';
SELECT table_name, enforced FROM comply.protected_tables;
\echo 'Nothing added later routes around the policy: a trigger that puts a clear value back, a rule, a child table:'
CREATE FUNCTION copy_raw_notes() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN NEW.notes := 'Kevin Lee called from 415-555-2671 again'; RETURN NEW; END $$;
CREATE TRIGGER zz_copy_raw BEFORE INSERT ON referrals FOR EACH ROW EXECUTE FUNCTION copy_raw_notes();
\set ON_ERROR_STOP off
INSERT INTO referrals (payload, notes)
VALUES ('{"patient_id": 43, "email": "ana.ruiz@example.com", "consent": true}', 'Follow-up call.');
CREATE RULE divert AS ON INSERT TO referrals DO INSTEAD NOTHING;
CREATE TABLE referrals_archive () INHERITS (referrals);
\set ON_ERROR_STOP on
DROP TRIGGER zz_copy_raw ON referrals;
DROP FUNCTION copy_raw_notes();
\echo 'The patient asks to be forgotten (GDPR Art. 17): the row goes, then what pg_comply derived from it:'
DELETE FROM referrals WHERE id = 1;
SELECT * FROM comply.forget('referrals', '{"id": 1}');
SELECT action, details FROM comply.audit_log WHERE action IN ('DELETE', 'forget') ORDER BY id;

\echo
\echo '== 12. Where PII is, which controls are met, the data flow, and compliance as a TAP suite'
CREATE TABLE tickets (id serial PRIMARY KEY, body text, requester text);
INSERT INTO tickets (body, requester)
SELECT 'Customer ' || (ARRAY['Maria Garcia', 'Kevin Lee', 'Priya Shah'])[1 + g % 3] || ' asks about order ' || g
       || '; call back on 415-555-' || lpad((2600 + g)::text, 4, '0'),
       (ARRAY['m.garcia', 'k.lee', 'p.shah'])[1 + g % 3] || '@example.com'
  FROM generate_series(1, 300) g;
SELECT table_name, column_name, entity, round(share::numeric, 2) AS share, suggested_policy
  FROM comply.discover(200, 'public') WHERE table_name = 'tickets'::regclass ORDER BY 2, 3;
SELECT object, control, status FROM comply.requirements_matrix() ORDER BY object, control LIMIT 12;
SELECT comply.data_flow() AS mermaid;
SELECT * FROM comply.tap_controls(ARRAY['GDPR-25', 'HIPAA-164.312-b', 'PCI-10.3', 'HIPAA-164.312-e-1-clients']);
SELECT check_name, status FROM comply.check_server() ORDER BY 1;

\echo
\echo '== 13. Bad input gets a precise error that never echoes the data'
\set ON_ERROR_STOP off
\set VERBOSITY default
SELECT comply.redact('SSN 536-22-8714', '{"US_SSN": {"op": "mask", "keep_lst": 4}}');
INSERT INTO submissions (payload) VALUES ('{"patient_id": "536-22-8714", "email": "m.garcia@example.org"}');
\set ON_ERROR_STOP on
