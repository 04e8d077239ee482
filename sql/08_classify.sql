-- AI classification with the builtin model: training on the labelled documents of
-- test/data, held-out quality, calibrated confidence, redacted inputs, the record of
-- every call, and the job queue worked in-session with comply.run_jobs() (the
-- background worker's code path; test/ai_worker.sh tests the worker and the openai
-- provider against a local HTTP server).
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pg_comply;
RESET client_min_messages;

CREATE TABLE docs (label text, body text);
\copy docs FROM 'test/data/compliance_docs.tsv'
SELECT count(*) AS documents, count(DISTINCT label) AS labels FROM docs;

-- Training reports held-out metrics; the model beats the majority-class baseline by far.
SELECT comply.train_classifier('compliance', 'SELECT body, label FROM docs') AS report \gset
SELECT (:'report'::jsonb ->> 'examples')::int AS examples,
       (:'report'::jsonb ->> 'accuracy')::float8 >= 0.85 AS accurate,
       (:'report'::jsonb ->> 'baseline_accuracy')::float8 < 0.25 AS baseline_is_weak,
       (:'report'::jsonb ->> 'accuracy')::float8 - (:'report'::jsonb ->> 'baseline_accuracy')::float8 > 0.5
         AS beats_baseline,
       (:'report'::jsonb ->> 'ece_after')::float8 < 0.1 AS calibrated,
       jsonb_object_keys(:'report'::jsonb -> 'per_label') IS NOT NULL AS has_per_label
 LIMIT 1;
SELECT name, labels, training_rows, metrics ? 'accuracy' AS has_metrics FROM comply.models;

-- The stored model agrees with the data it was not trained on: precision and recall
-- of every label are well above chance.
SELECT l.key AS label, (l.value ->> 'recall')::float8 > 0.6 AS recall_ok,
       (l.value ->> 'precision')::float8 > 0.6 AS precision_ok
  FROM comply.models m, jsonb_each(m.metrics -> 'per_label') l
 WHERE m.name = 'compliance' ORDER BY 1;

-- Classification of clear cases.
SELECT label, confidence > 0.5 AS confident, provider, model, interaction_id IS NOT NULL AS recorded
  FROM comply.classify('Patient Maria Lopez, DOB 1984-03-12, was prescribed 20mg atorvastatin; lab results show elevated LDL. Insurance member ID on file.',
                       NULL, 'compliance');
SELECT label FROM comply.classify('Chargeback dispute on card 4111 1111 1111 1111: the cardholder denies the transaction at the merchant.', NULL, 'compliance');
SELECT label FROM comply.classify('Quarter close: post the accrual journal entry and reconcile the general ledger before the SOX audit.', NULL, 'compliance');

-- Confidence is a probability, and restricting the labels renormalises over the subset.
SELECT bool_and(confidence BETWEEN 0 AND 1) AS in_range
  FROM docs d, LATERAL comply.classify(d.body, NULL, 'compliance') c
 WHERE d.label = 'legal';
SELECT label, confidence > 0.5 AS confident
  FROM comply.classify('Patient lab results and prescription refill.', ARRAY['hr', 'legal'], 'compliance');

-- A text with no word in it is not decided on the model's prior: confidence 0, so a
-- person decides (the prior of 'general' is above the review threshold).
SELECT label, confidence FROM comply.classify('', NULL, 'compliance');
SELECT label, confidence FROM comply.classify(' -- ... ', NULL, 'compliance');
SELECT label, confidence FROM comply.classify(E'\u00a0\u2014\u3000', NULL, 'compliance');  -- of any script

-- The builtin model is the default provider; comply.ai_model names the model.
SET comply.ai_model = 'compliance';
SELECT label FROM comply.classify('Litigation hold notice: preserve all emails related to the subpoena.');
RESET comply.ai_model;
-- comply.ai_model is checked when it is set for what can be told without a catalog (a
-- check hook also runs at the server's start): the form of a model's name, which a
-- refused value is not shown by, and no provider's prefix.
SET comply.ai_model = 'gpt 4o';
SET comply.ai_model = 'openai:gpt-4o';
SET comply.ai_model = 'builtin:compliance';
SET comply.ai_model = 'meta-llama/Llama-3.1-8B-Instruct';
SHOW comply.ai_model;
SET comply.ai_model = '';
-- Not even a refused value that has the form of a plain name is shown (at the server's
-- start no check of shown names for personal data is set up yet).
SET comply.ai_model = '4o';
-- The personal data it must not hold is what the built-in recognizers find, whatever
-- custom recognizers the session has loaded: the same answer in every process (a
-- custom recognizer loaded by the redact call below would refuse 'acme-123').
INSERT INTO comply.recognizers (entity, pattern, score) VALUES ('CLASSIFY_PROJECT', 'acme-[0-9]{3}', 0.9);
SELECT comply.redact('project acme-123') AS custom_recognizer_loaded;
SET comply.ai_model = 'acme-123';
SET comply.ai_model = 'ssn_536-22-8714';
RESET comply.ai_model;
DELETE FROM comply.recognizers WHERE entity = 'CLASSIFY_PROJECT';
-- Whether a model of that name exists, only comply.models can tell: the error names the
-- setting (it failed naming only the model, as though passed in the call).
SET comply.ai_model = 'no-such-model';
SELECT label FROM comply.classify('Litigation hold notice.');
SELECT comply.classify_async('Litigation hold notice.');
RESET comply.ai_model;

-- Errors: no model, unknown model, unknown label, empty labels, bad options, clear
-- text for the builtin provider.
\set VERBOSITY terse
SELECT * FROM comply.classify('x');
SELECT * FROM comply.classify('x', NULL, 'no_such_model');
-- The text passed as the model (arguments swapped) is not shown.
SELECT * FROM comply.classify('phi', NULL, 'Maria Garcia called about her claim');
SELECT * FROM comply.classify('x', ARRAY['phi', 'astrology'], 'compliance');
SELECT * FROM comply.classify('x', ARRAY[]::text[], 'compliance');
SELECT * FROM comply.classify('x', ARRAY['phi', NULL], 'compliance');
SELECT * FROM comply.classify('x', ARRAY['phi', 'phi'], 'compliance');
SELECT comply.classify_async('x', ARRAY['legal', 'hr', 'hr'], 'compliance');
SELECT * FROM comply.classify('x', NULL, 'compliance', '{"temperature": 2}');
SELECT * FROM comply.classify('x', NULL, 'compliance', '{"clear_text": true}');
-- Options nested deeper than 512 levels: 54000, naming the argument, before they are read.
SELECT * FROM comply.classify('x', NULL, 'compliance', ('{"x": ' || repeat('[', 600) || repeat(']', 600) || '}')::jsonb);
SELECT comply.train_classifier('deep', 'SELECT body, label FROM docs', (repeat('[', 600) || repeat(']', 600))::jsonb);
SELECT * FROM comply.classify('x', ARRAY['a'], 'openai:gpt-4o-mini');
SELECT * FROM comply.classify(' -- ', ARRAY['a', 'b'], 'openai:gpt-4o-mini');
SELECT comply.classify_async('', ARRAY['a', 'b'], 'openai:gpt-4o-mini');
-- Blanks, punctuation and symbols of any script are no word either (a no-break space,
-- an ideographic space, an em dash, emoji).
SELECT comply.classify_async(E'\u00a0\u3000\u2014 \U0001F600', ARRAY['a', 'b'], 'openai:gpt-4o-mini');
-- The builtin model answers such a text with confidence 0, for a person to decide: queued
-- with a subject (the reviewer looks the row up), refused without one (nothing to show).
SELECT comply.classify_async('   ', NULL, 'compliance');
BEGIN;
SELECT comply.classify_async(' -- ', NULL, 'compliance', '{"table": "intake", "id": 9}') > 0 AS queued_with_subject;
ROLLBACK;
-- A subject the job's answer could not redact (for its review case, decision and ledger
-- entry) is refused when queued, not left to fail every round of the worker that claims
-- it, and the jobs claimed with it (QA 15): nested deeper than the stack allows, or
-- larger than comply.max_input_bytes.
\set VERBOSITY sqlstate
SELECT comply.classify_async('Litigation hold notice', NULL, 'compliance',
                             (repeat('{"a": ', 5000) || '1' || repeat('}', 5000))::jsonb);
\set VERBOSITY terse
SET comply.max_input_bytes = 1024;
SELECT comply.classify_async('Litigation hold notice', NULL, 'compliance',
                             jsonb_build_object('id', 7, 'note', repeat('x', 2000)));
RESET comply.max_input_bytes;
SELECT count(*) FROM comply.ai_jobs WHERE input LIKE 'Litigation hold notice%';
-- A subject that names nothing is none (JSON null, an empty object); blank, invisible and
-- two-dimensional labels are refused as review_enqueue refuses them (QA 15).
SELECT comply.classify_async('   ', NULL, 'compliance', 'null');
SELECT comply.classify_async('   ', NULL, 'compliance', '{}');
SELECT comply.classify_async('Litigation hold notice', ARRAY['legal', '  '], 'compliance');
SELECT comply.classify_async('Litigation hold notice', ARRAY[E'\u200b\u200e', 'legal'], 'compliance');
SELECT comply.classify_async('Litigation hold notice', ARRAY[['legal', 'hr'], ['pci', 'phi']], 'compliance');
SELECT * FROM comply.classify('Litigation hold notice', ARRAY[['legal', 'hr'], ['pci', 'phi']], 'compliance');
SELECT * FROM comply.classify('Litigation hold notice', ARRAY['legal', 'hr'], 'openai:');
SELECT * FROM comply.classify('Litigation hold notice', ARRAY['legal', 'hr'], '');
SELECT comply.train_classifier('tiny', 'SELECT body, label FROM docs LIMIT 5');
SELECT comply.train_classifier('one_label', $$SELECT body, 'x' FROM docs LIMIT 50$$);
SELECT comply.train_classifier('blank_label', $$SELECT body, CASE WHEN n = 3 THEN E' \u200b' ELSE label END
                                                 FROM (SELECT body, label, row_number() OVER () AS n FROM docs) d$$);
SELECT comply.train_classifier('bad name!', 'SELECT body, label FROM docs');
SELECT comply.train_classifier('badopts', 'SELECT body, label FROM docs', '{"epochs": 0}');
SELECT comply.train_classifier('badopts', 'SELECT body, label FROM docs', '{"epoch": 3}');
-- An option key or a label that is not a name may be data: described, not shown.
SELECT comply.train_classifier('badopts', 'SELECT body, label FROM docs', '{"maria.garcia@example.org": 1}');
SELECT * FROM comply.classify('x', ARRAY['Maria Garcia SSN 536-22-8714'], 'compliance');
SELECT comply.train_classifier('onecol', 'SELECT body FROM docs');
-- The text and the label swapped: labels holding personal data are refused (every role
-- reads comply.models), described by their length only.
SELECT comply.train_classifier('swapped', $$SELECT label, 'note of ' || body || ' ssn 536-22-8714' FROM docs$$);
\set VERBOSITY default
-- A char(n) label is trained without its padding, as classify is given labels.
CREATE TABLE docs_padded (body text, label char(40));
INSERT INTO docs_padded SELECT body, label FROM docs;
SELECT comply.train_classifier('padded', 'SELECT body, label FROM docs_padded') -> 'labels' AS padded_labels;
SELECT labels FROM comply.models WHERE name = 'padded';
SELECT count(*) AS classified FROM comply.classify('card 4111 1111 1111 1111 was charged twice',
                                                   (SELECT labels FROM comply.models WHERE name = 'padded'), 'padded');
DELETE FROM comply.models WHERE name = 'padded';
DROP TABLE docs_padded;
SELECT count(*) AS models FROM comply.models;
-- NULL input: no row.
SELECT count(*) FROM comply.classify(NULL, NULL, 'compliance');

-- Every call is kept, with the redacted text only.
SELECT provider, model, outcome, prompt LIKE '%[PERSON]%' AS name_redacted,
       prompt LIKE '%[DATE_TIME]%' AS dob_redacted, prompt NOT LIKE '%Lopez%' AS no_name,
       response::jsonb ? 'probabilities' AS has_probabilities, latency_ms >= 0 AS timed,
       requested_by = current_user AS by_caller, clear_text
  FROM comply.ai_interactions ORDER BY id LIMIT 1;
SELECT count(*) FILTER (WHERE prompt ~ '4111 1111 1111 1111') AS card_numbers_kept
  FROM comply.ai_interactions;

-- Training is itself recorded in the ledger.
SELECT action, object, details ? 'accuracy' AS has_accuracy FROM comply.audit_log
 WHERE action = 'model.train';

-- Retraining replaces the model everywhere at once.
SELECT (comply.train_classifier('compliance', 'SELECT body, label FROM docs WHERE label <> ''general''')
        ->> 'labels') AS labels;
SELECT * FROM comply.classify('x', ARRAY['general'], 'compliance');
SELECT comply.train_classifier('compliance', 'SELECT body, label FROM docs') IS NOT NULL AS retrained;

-- The job queue: classify_async stores the redacted text and wakes the worker;
-- comply.run_jobs() works it here. High confidence decides alone; low goes to review.
SET comply.review_threshold = 0.5;
SELECT comply.classify_async('Patient John Smith, SSN 536-22-8714, MRI results and oncology referral; prescription for chemotherapy.',
                             NULL, 'compliance', '{"table": "intake", "id": 1, "member": "maria.garcia@example.org", "536-22-8714": true}') AS job1 \gset
SET comply.review_threshold = 1.0;
SELECT comply.classify_async('Please review the attached document.', ARRAY['legal', 'general'],
                             'compliance', '{"table": "intake", "id": 2}') AS job2 \gset
SELECT id = :job1 AS first, status, input LIKE '%[US_SSN]%' AS ssn_redacted, input NOT LIKE '%536-22%' AS no_ssn
  FROM comply.ai_jobs ORDER BY id;
-- The worker's threshold is its own setting at the time it decides.
SET comply.review_threshold = 0.5;
SELECT comply.run_jobs();
SELECT id = :job1 AS first, status, attempts, label IS NOT NULL AS labelled, routed_to
  FROM comply.ai_jobs ORDER BY id;
SET comply.review_threshold = 1.0;
SELECT comply.classify_async('Please review the attached document.', ARRAY['legal', 'general'],
                             'compliance', '{"table": "intake", "id": 3, "member": "maria.garcia@example.org", "maria.garcia@example.org": 1}') AS job3 \gset
SELECT comply.run_jobs();
SELECT routed_to, case_id IS NOT NULL AS has_case FROM comply.ai_jobs WHERE id = :job3;
-- Which version of the model decided: its checksum (the SHA-256 that ends its blob in
-- comply.models) in each decision's ledger entry and interaction, as its model.train
-- entry records it.
SELECT encode(substring(model FROM octet_length(model) - 31), 'hex') AS checksum
  FROM comply.models WHERE name = 'compliance' \gset
SELECT action, details ->> 'model_checksum' = :'checksum' AS this_version FROM comply.audit_log
 WHERE action IN ('ai.decision', 'ai.review_needed')
   AND object IN ('comply.ai_jobs/' || :job1, 'comply.ai_jobs/' || :job3) ORDER BY id;
SELECT count(*) AS interactions_of_this_version FROM comply.ai_interactions
 WHERE job_id IN (:job1, :job3) AND (response::jsonb ->> 'model_checksum') = :'checksum';
SELECT details ->> 'model_checksum' = :'checksum' AS trained_version FROM comply.audit_log
 WHERE action = 'model.train' AND object = 'comply.models/compliance' ORDER BY id DESC LIMIT 1;
SELECT source, subject, payload, labels, model_label IN ('legal', 'general') AS label_in_set,
       status, job_id = :job3 AS from_job, created_by = current_user AS created_by_caller,
       created_by_role = to_regrole(current_user) AS created_by_role_caller
  FROM comply.review_cases;
-- (requested_by: the role that queued the job)
SELECT decided_by_kind, subject, label IS NOT NULL AS labelled, decided_by_model, reviewer IS NULL AS no_reviewer,
       requested_by = current_user AS requested_by_caller
  FROM comply.ai_decisions;
-- Reviewers read cases and decisions, so their subjects are stored redacted (keys as
-- well as values: a key may be personal data); the job
-- (the owner's only) keeps the subject whole, the link back to the record.
SELECT id = :job1 AS first, subject ->> 'member' AS member FROM comply.ai_jobs WHERE id IN (:job1, :job3) ORDER BY id;
SELECT action, object LIKE 'comply.ai_jobs/%' AS about_job, details ->> 'routed' AS routed,
       details ? 'confidence' AS has_confidence
  FROM comply.audit_log WHERE action LIKE 'ai.%' ORDER BY id;
RESET comply.review_threshold;

-- A job whose model disappeared is dead-lettered, with the reason, and that is recorded.
SELECT comply.train_classifier('doomed', 'SELECT body, label FROM docs LIMIT 200') IS NOT NULL AS trained;
SELECT comply.classify_async('anything', NULL, 'doomed') AS job4 \gset
DELETE FROM comply.models WHERE name = 'doomed';
SELECT comply.run_jobs();
SELECT status, last_error FROM comply.ai_jobs WHERE id = :job4;
SELECT action, details ->> 'error' AS error FROM comply.audit_log WHERE action = 'ai.dead_letter';
\set VERBOSITY terse
SELECT comply.classify_async('anything', NULL, 'doomed');
SELECT comply.classify_async('anything', ARRAY['x'], 'compliance');
SELECT comply.classify_async(NULL);
SELECT comply.run_jobs(0);
-- An openai model's name and labels go to the provider as they are and are stored with
-- the job, the interaction, the decision and the review case: a name, and labels in
-- which the detector finds nothing (a text or a name passed in the wrong argument),
-- refused and shown by length only.
SELECT comply.classify_async('Patient x', ARRAY['phi', 'pci'], 'openai:Wilhelmina Okonkwo 372-48-5190', NULL, 'q1');
SELECT comply.classify_async('Patient x', ARRAY['phi', 'pci'], 'openai:ssn_536-22-8714', NULL, 'q1');
SELECT comply.classify_async('Patient x', ARRAY['phi', 'pci'], 'openai:', NULL, 'q1');
SELECT comply.classify_async('Patient x', ARRAY['phi', 'Wilhelmina Okonkwo 372-48-5190'], 'openai:gpt-x', NULL, 'q1');
SELECT comply.classify_async('Patient x', ARRAY['phi', repeat('x', 201)], 'openai:gpt-x', NULL, 'q1');
SELECT * FROM comply.classify('Patient x', ARRAY['jane.roe@example.org', 'pci'], 'openai:gpt-x');
SELECT * FROM comply.classify('Patient x', ARRAY['phi', 'pci'], 'openai:Maria Garcia');
SET comply.ai_provider = 'openai';
SET comply.ai_model = 'Maria Garcia 536-22-8714';
SELECT * FROM comply.classify('Patient x', ARRAY['phi', 'pci']);
RESET comply.ai_model;
RESET comply.ai_provider;
\set VERBOSITY default
SELECT count(*) AS refused_jobs_stored FROM comply.ai_jobs WHERE input = 'Patient x';
-- Model names of the usual forms are names (checked here without a call: no labels).
\set VERBOSITY terse
SELECT comply.classify_async('Patient x', NULL, 'openai:meta-llama/Llama-3.1-8B-Instruct');
SELECT comply.classify_async('Patient x', NULL, 'openai:ft:gpt-4o-mini-2024-07-18:org::9x2Ab');
SELECT comply.classify_async('Patient x', NULL, 'openai:gpt-4o-2024-08-06');
SELECT comply.classify_async('Patient x', NULL, 'openai:1984-03-17');
\set VERBOSITY default
-- A job queued before names were checked (written here directly) that is dead-lettered:
-- its alert's text, posted to the webhook, shows the model's name by length only.
INSERT INTO comply.ai_jobs (created_by, queue, input, provider, model)
VALUES (current_user, 'default', 'anything', 'builtin', 'Wilhelmina Okonkwo 372-48-5190') RETURNING id AS job5 \gset
SELECT comply.run_jobs();
SELECT status FROM comply.ai_jobs WHERE id = :job5;
SELECT replace(message, :'job5', 'N') AS message, details ->> 'model' AS model FROM comply.alerts
 WHERE kind = 'dead_letter' AND subject = 'comply.ai_jobs/' || :job5;

-- An endpoint is an http or https URL with a host, refused at once otherwise (libcurl
-- would refuse it only at the first call).
\set VERBOSITY terse
SET comply.ai_endpoint = 'ftp://files.example.com/v1';
SET comply.ai_endpoint = 'api.openai.com/v1';
SET comply.ai_endpoint = 'https:///v1';
-- The refusal does not repeat the value (credentials, a webhook's token).
SET comply.ai_endpoint = 'ftp://user:s3cr3t@files.example.com/v1';
ALTER SYSTEM SET comply.alert_webhook_url = 'hooks.example.com/services/T000/B000/s3cr3tt0ken';
-- Nor is anything but a host's characters, an IPv6 literal and a port before the path
-- (QA 16: "\", ";", "%2f" after the host kept a token in the log's reload line and in
-- check_server's evidence, and libcurl refused the URL at each post).
ALTER SYSTEM SET comply.alert_webhook_url = 'https://hooks.example.com\PwBack55/x';
ALTER SYSTEM SET comply.alert_webhook_url = 'https://hooks.example.com;SemiTok44';
ALTER SYSTEM SET comply.alert_webhook_url = 'https://hooks.example.com%2fPctTok66/x';
SET comply.ai_endpoint = 'https://[::1:8080/v1';
\set VERBOSITY default
SET comply.ai_endpoint = 'https://user:pw@[::1]:8080/v1?x=1';
SET comply.ai_endpoint = 'http://llm_host.internal:8000';
SET comply.ai_endpoint = 'HTTPS://api.example.com/v1';  -- the scheme in any case
RESET comply.ai_endpoint;
SELECT comply._endpoint_host('https://hooks.example.com;SemiTok44') AS host_only,
       comply._endpoint_host('https://u:p@Hooks.Example.com:443/x') AS host_of_url;

-- A synchronous call that fails raises an error, which rolls its transaction back; the
-- record of the call is handed to the job worker through shared memory and survives.
SET comply.ai_endpoint = 'http://127.0.0.1:1/v1';
\set VERBOSITY terse
SELECT * FROM comply.classify('Patient Maria Lopez called', ARRAY['phi', 'general'], 'openai:m');
\set VERBOSITY default
RESET comply.ai_endpoint;
SELECT count(*) AS openai_calls_recorded_yet FROM comply.ai_interactions WHERE provider = 'openai';
SELECT comply.run_jobs();  -- writes what was handed over, as the worker does
SELECT provider, model, endpoint_host, outcome, error, prompt, http_status IS NULL AS no_status
  FROM comply.ai_interactions WHERE provider = 'openai';

-- Privileges: ordinary roles classify but cannot read interactions or jobs, nor train.
CREATE ROLE comply_classify_user;
SET ROLE comply_classify_user;
SELECT label IS NOT NULL AS classified FROM comply.classify('Payroll adjustment for overtime', NULL, 'compliance');
\set VERBOSITY terse
SELECT count(*) FROM comply.ai_interactions;
SELECT count(*) FROM comply.ai_jobs;
SELECT comply.train_classifier('mine', 'SELECT body, label FROM docs');
SELECT comply.run_jobs();
\set VERBOSITY default
SELECT name FROM comply.models ORDER BY 1;
RESET ROLE;
SELECT requested_by FROM comply.ai_interactions ORDER BY id DESC LIMIT 1;
DROP ROLE comply_classify_user;
-- A role granted training records itself as the trainer (the acting role, as the ledger
-- does), not the session's login.
CREATE ROLE comply_trainer;
GRANT EXECUTE ON FUNCTION comply.train_classifier(text, text, jsonb) TO comply_trainer;
GRANT SELECT ON docs TO comply_trainer;
SET ROLE comply_trainer;
SELECT comply.train_classifier('by_trainer', 'SELECT body, label FROM docs', '{"epochs": 1}') IS NOT NULL AS trained;
RESET ROLE;
SELECT trained_by FROM comply.models WHERE name = 'by_trainer';
SELECT current_user_name FROM comply.audit_log WHERE action = 'model.train' ORDER BY id DESC LIMIT 1;
DELETE FROM comply.models WHERE name = 'by_trainer';
REVOKE ALL ON docs FROM comply_trainer;
REVOKE ALL ON FUNCTION comply.train_classifier(text, text, jsonb) FROM comply_trainer;
DROP ROLE comply_trainer;
