-- Controls catalog, requirements matrix and data-flow diagram, computed from what is
-- actually protected and discovered.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pg_comply;
RESET client_min_messages;

-- The catalog ships a control for every reference the issue names, each with the
-- mechanism behind it; the planned ones say where they are planned.
SELECT regulation, count(*) AS controls FROM comply.controls WHERE NOT user_defined GROUP BY 1 ORDER BY 1;
SELECT control_id, workflow_step, regulation_ref, check_kind
  FROM comply.controls WHERE NOT user_defined ORDER BY control_id;
SELECT r AS reference_without_control
  FROM unnest(ARRAY['GDPR Art. 5(1)(c)', 'GDPR Art. 5(1)(f)', 'GDPR Art. 25', 'GDPR Art. 30',
                    'GDPR Art. 32', 'HIPAA §164.312(a)(1)', 'HIPAA §164.312(a)(2)(iv)',
                    'HIPAA §164.312(b)', 'HIPAA §164.312(c)(1)', 'HIPAA §164.312(d)',
                    'HIPAA §164.312(e)(1)', 'SOX §404', 'PCI DSS 3.4', 'PCI DSS 3.5',
                    'PCI DSS 10.2', 'PCI DSS 10.3', 'PCI DSS 10.5']) r
 WHERE NOT EXISTS (SELECT 1 FROM comply.controls c WHERE comply._ref_matches(r, c.regulation_ref));
SELECT control_id AS planned_without_issue
  FROM comply.controls WHERE check_kind = 'planned' AND implemented_by !~ '\(planned: issue 7\)';
SELECT count(*) AS without_mechanism FROM comply.controls WHERE implemented_by = '' OR description = '';

-- References match a control's reference or a part containing it, case and spaces aside.
SELECT p, c, comply._ref_matches(p, c) AS matches
  FROM (VALUES ('GDPR Art. 5', 'GDPR Art. 5(1)(c)'), ('GDPR Art. 5', 'GDPR Art. 50'),
               ('hipaa  §164.312', 'HIPAA §164.312(b)'), ('PCI DSS 3.4', 'PCI DSS 3.45'),
               ('PCI DSS', 'PCI DSS 10.2'), ('SOX §404', 'SOX §404'), ('', 'SOX §404'),
               -- a version word is left out: the catalog's PCI DSS references are v4.0's
               ('PCI DSS v4.0 3.4', 'PCI DSS 3.4'), ('PCI DSS v4 10.2', 'PCI DSS 10.2.1.1'),
               ('PCI DSS v4.0 3.4', 'PCI DSS 3.45')) v(p, c);

-- Users add controls of their own; those are dumped by pg_dump, the shipped ones are
-- not (CREATE EXTENSION makes them), so the shipped ones cannot be changed.
SELECT extcondition[array_position(extconfig, 'comply.controls'::regclass)] AS dumped_rows
  FROM pg_extension WHERE extname = 'pg_comply';
INSERT INTO comply.controls (control_id, workflow_step, regulation, regulation_ref, description, implemented_by)
VALUES ('ACME-7', 'store', 'ACME', 'ACME 7.1', 'Retention of claims reviewed yearly', 'records team');
UPDATE comply.controls SET description = 'Retention of claims reviewed every year' WHERE control_id = 'ACME-7';
SELECT control_id, check_kind, user_defined FROM comply.controls WHERE user_defined;
\set VERBOSITY terse
UPDATE comply.controls SET description = 'weaker' WHERE control_id = 'GDPR-25';
DELETE FROM comply.controls WHERE control_id = 'GDPR-25';
INSERT INTO comply.controls (control_id, workflow_step, regulation, regulation_ref, description, implemented_by, user_defined)
VALUES ('FAKE-1', 'store', 'X', 'X 1', 'x', 'x', false);
UPDATE comply.controls SET user_defined = false WHERE control_id = 'ACME-7';
TRUNCATE comply.controls;
INSERT INTO comply.controls (control_id, workflow_step, regulation, regulation_ref, description, implemented_by, check_kind)
VALUES ('ACME-8', 'store', 'ACME', 'ACME 8', 'x', 'x', 'magic');
\set VERBOSITY default

-- A workflow to look at: claims (PII everywhere), leads (PII, classified by an external
-- provider), a clean table, and a table with a name made to break diagrams.
CREATE SCHEMA ctl_mx;
CREATE TABLE ctl_mx.claims (id int PRIMARY KEY, payload jsonb, notes text, ssn text, card text, body text);
INSERT INTO ctl_mx.claims
SELECT i, jsonb_build_object('member', jsonb_build_object('email', 'm' || i || '@example.com'), 'amount', i),
       CASE WHEN i % 2 = 0 THEN 'member wrote from m' || i || '@example.com' ELSE 'no remarks' END,
       lpad((100 + i % 500)::text, 3, '0') || '-' || lpad((10 + i % 80)::text, 2, '0') || '-' || lpad((1000 + i)::text, 4, '0'),
       '4111 1111 1111 1111',
       'invoice payment overdue for claim ' || i
  FROM generate_series(1, 200) i;
CREATE TABLE ctl_mx.leads (id int PRIMARY KEY, email text, message text);
INSERT INTO ctl_mx.leads SELECT i, 'lead' || i || '@example.com', 'please call back' FROM generate_series(1, 50) i;
CREATE TABLE ctl_mx.clean (id int PRIMARY KEY, item text);
INSERT INTO ctl_mx.clean SELECT i, 'widget ' || i FROM generate_series(1, 50) i;
CREATE TABLE ctl_mx."Odd ""name"" [x]|<b>#1" (id int PRIMARY KEY, note text);
SELECT comply.register_schema('ctl_intake', '{"type": "object", "required": ["member"]}');
SELECT comply.train_classifier('ctl_model', $$SELECT t, l FROM (VALUES ('invoice payment overdue', 'billing'),
  ('lab results blood test', 'clinical')) v(t, l), generate_series(1, 20)$$) ->> 'labels' AS labels;
CREATE ROLE ctl_mx_reviewer IN ROLE comply_reviewer;
SELECT current_setting('data_directory') || '/comply_test_hmac.key' AS keyfile \gset
SET comply.hmac_key_file = :'keyfile';

-- The matrix of the schema, with the mechanism column left out (it is the catalog's).
CREATE FUNCTION pg_temp.matrix(full_check boolean DEFAULT false)
  RETURNS TABLE(workflow_step text, object text, regulation_ref text, control text, status text)
  LANGUAGE sql AS $$
  SELECT m.workflow_step, m.object, m.regulation_ref, m.control,
         regexp_replace(m.status, 'block [0-9]+', 'block N', 'g')
    FROM comply.requirements_matrix(full_check) m
   WHERE m.object LIKE 'ctl\_mx.%'
   ORDER BY 2, 3, 4, 5 $$;

-- Nothing protected, nothing discovered: the schema has no row.
SELECT * FROM pg_temp.matrix();
-- Discovery finds PII: each table holding it is a gap against the controls of protection.
SELECT table_name, column_name, entity FROM comply.discover(schema_name => 'ctl_mx') ORDER BY 1, 2, 3;
SELECT * FROM pg_temp.matrix();

-- Protected with every element of a policy and a list of regulations: what pg_comply
-- checks is implemented; encryption and authentication are planned (issue 7); the test
-- cluster runs without ssl; a reference with no control is a gap; the user's control is
-- manual.
SELECT count(*) >= 0 AS sealed FROM comply.seal();
SELECT comply._ledger_health(false) AS ledger_problems;
SELECT comply.protect('ctl_mx.claims', $${
  "columns": {"payload": {"validate": "ctl_intake", "redact": true},
              "notes": {"redact": true},
              "ssn": {"pseudonymize": true},
              "card": {"mask": {"keep_last": 4}},
              "body": {"classify": {"labels": ["billing", "clinical"], "model": "ctl_model", "queue": "claims"}}},
  "audit": true, "workflow_step": "intake",
  "regulations": ["HIPAA §164.312", "GDPR Art. 5", "GDPR Art. 22", "GDPR Art. 25", "GDPR Art. 30",
                  "GDPR Art. 32", "PCI DSS", "SOX §404", "ACME 7.1", "NIS2 Art. 21"]}$$);
SELECT * FROM pg_temp.matrix();

-- Triggers disabled: every control that rests on them is a gap, saying why.
ALTER TABLE ctl_mx.claims DISABLE TRIGGER comply_protect_before;
SELECT enforced FROM comply.protected_tables WHERE table_name = 'ctl_mx.claims'::regclass;
SELECT control, status FROM pg_temp.matrix() WHERE object = 'ctl_mx.claims' AND status <> 'implemented'
 ORDER BY control COLLATE "C";
ALTER TABLE ctl_mx.claims ENABLE TRIGGER comply_protect_before;

-- A policy without audit, without validation, leaving a PII column in clear, on a table
-- PUBLIC may read, with no workflow step.
SELECT comply.protect('ctl_mx.claims', $${
  "columns": {"notes": {"redact": true}, "ssn": {"pseudonymize": true}, "card": {"mask": true}},
  "audit": false, "regulations": ["HIPAA §164.312(a)(1)", "HIPAA §164.312(b)", "GDPR Art. 5(1)(c)",
                                  "GDPR Art. 5(1)(d)", "GDPR Art. 30", "PCI DSS 10.3"]}$$);
GRANT SELECT, INSERT ON ctl_mx.claims TO PUBLIC;
SELECT control, status FROM pg_temp.matrix() WHERE object = 'ctl_mx.claims' ORDER BY control COLLATE "C";
REVOKE ALL ON ctl_mx.claims FROM PUBLIC;
-- A policy naming no regulation maps to no control: that is a gap too.
SELECT comply.protect('ctl_mx.claims', '{"columns": {"notes": {"redact": true}}}');
SELECT * FROM pg_temp.matrix() WHERE object = 'ctl_mx.claims';

-- Text sent to an external provider: the endpoint must be set, and reached over TLS
-- (plain http only to this machine); credentials in the URL are refused by the provider.
SELECT comply.protect('ctl_mx.claims', $${
  "columns": {"payload": {"validate": "ctl_intake", "redact": true}, "notes": {"redact": true},
              "ssn": {"pseudonymize": true}, "card": {"mask": {"keep_last": 4}},
              "body": {"redact": true, "classify": {"labels": ["billing", "clinical"], "model": "ctl_model", "queue": "claims"}}},
  "workflow_step": "intake", "regulations": ["HIPAA §164.312(e)(1)", "GDPR Art. 22"]}$$);
SELECT comply.protect('ctl_mx.leads', $${
  "columns": {"email": {"pseudonymize": true},
              "message": {"redact": true, "classify": {"labels": ["sales", "support"], "model": "openai:gpt-4o-mini"}}},
  "workflow_step": "triage", "regulations": ["HIPAA §164.312(e)(1)", "GDPR Art. 22"]}$$);
SELECT * FROM pg_temp.matrix() WHERE control = 'HIPAA-164.312-e-1-ai';
SET comply.ai_endpoint = 'http://llm.example.com/v1';
SELECT object, status FROM pg_temp.matrix() WHERE control = 'HIPAA-164.312-e-1-ai';
SET comply.ai_endpoint = 'https://user:s3cr3t@llm.example.com/v1';
SELECT object, status FROM pg_temp.matrix() WHERE control = 'HIPAA-164.312-e-1-ai';
SET comply.ai_endpoint = 'http://127.0.0.1:11434/v1';
SELECT object, status FROM pg_temp.matrix() WHERE control = 'HIPAA-164.312-e-1-ai';
SET comply.ai_endpoint = 'https://llm.example.com/v1';
SELECT object, status FROM pg_temp.matrix() WHERE control = 'HIPAA-164.312-e-1-ai';
-- Human review: a threshold of 0 lets the model decide everything alone.
SET comply.review_threshold = 0;
SELECT object, status FROM pg_temp.matrix() WHERE control = 'GDPR-22';
RESET comply.review_threshold;
SELECT object, status FROM pg_temp.matrix() WHERE control = 'GDPR-22';
-- With no table classified and no case in the queue, run_controls says what the matrix
-- says: not applicable (it failed, and raised an alert, on every run).
BEGIN;
SELECT comply.unprotect(p.table_name) FROM comply.policies p WHERE p.policy::text LIKE '%"classify"%';
DELETE FROM comply.review_cases;
SELECT control_id, status FROM comply.run_controls(ARRAY['GDPR-22']);
ROLLBACK;
-- SOX segregation of duties: with comply.review_four_eyes off, the role whose write
-- opened a case may decide it, a gap of each classified table naming SOX; a table not
-- classified opens no case. run_controls gives the setting and, as evidence, the closed
-- cases decided by the role that opened them.
SELECT comply.protect('ctl_mx.leads', $${
  "columns": {"email": {"pseudonymize": true},
              "message": {"redact": true, "classify": {"labels": ["billing", "clinical"], "model": "ctl_model"}}},
  "workflow_step": "triage", "regulations": ["SOX §404"]}$$);
SELECT comply.protect('ctl_mx.claims', '{"columns": {"notes": {"redact": true}}, "regulations": ["SOX"]}');
SELECT object, status FROM pg_temp.matrix() WHERE control = 'SOX-404-segregation-of-duties' ORDER BY object;
SELECT status, evidence FROM comply.run_controls(ARRAY['SOX-404-segregation-of-duties']);
SET comply.review_four_eyes = on;
SELECT object, status FROM pg_temp.matrix() WHERE control = 'SOX-404-segregation-of-duties' ORDER BY object;
BEGIN;
INSERT INTO comply.review_cases (queue, status, decision, created_by, decided_by, decided_at)
VALUES ('ctl', 'approved', 'approve', 'ctl_clerk', 'ctl_clerk', now()),
       ('ctl', 'rejected', 'reject', 'ctl_clerk', 'ctl_checker', now()),
       ('ctl', 'pending', NULL, 'ctl_clerk', NULL, NULL);
SELECT status, evidence FROM comply.run_controls(ARRAY['SOX-404-segregation-of-duties']);
ROLLBACK;
-- An auditor granted run_controls, who may not read comply.review_cases, gets the review
-- queue's evidence as counts (the whole run failed with 42501 before).
CREATE ROLE ctl_auditor IN ROLE comply_auditor;
GRANT EXECUTE ON FUNCTION comply.run_controls(text[]) TO ctl_auditor;
SET ROLE ctl_auditor;
SELECT has_table_privilege('comply.review_cases', 'SELECT') AS reads_cases;
SELECT control_id, status, evidence - 'objects' - 'reviewers' AS evidence
  FROM comply.run_controls(ARRAY['GDPR-22', 'SOX-404-segregation-of-duties']) ORDER BY 1;
RESET ROLE;
-- What the auditor cannot see is no pass: pg_hba's rules are for superusers, so the
-- authentication control is a gap in the matrix and "not ok" in TAP for that role.
GRANT EXECUTE ON FUNCTION comply.tap_controls(text[]) TO ctl_auditor;
-- Findings the auditor may not read (row security: no SELECT on the column) are gaps for
-- him too, shown by their number, not a clean matrix.
BEGIN;
CREATE TABLE ctl_hidden_leads (id int PRIMARY KEY, email text);
INSERT INTO ctl_hidden_leads VALUES (1, 'wei.zhang@example.org'), (2, 'kwame@example.org');
SELECT count(*) > 0 AS found FROM comply.discover(10, NULL, 'ctl_hidden_leads');
SELECT count(*) AS superuser_gaps FROM comply.requirements_matrix() WHERE object = 'public.ctl_hidden_leads';
SET ROLE ctl_auditor;
SELECT DISTINCT object, status FROM comply.requirements_matrix() WHERE object LIKE '(%' OR object = 'public.ctl_hidden_leads';
RESET ROLE;
ROLLBACK;
BEGIN;
CREATE TABLE ctl_hipaa (id int PRIMARY KEY, note text);
SELECT comply.protect('ctl_hipaa', '{"columns": {"note": {"redact": true}}, "regulations": ["HIPAA §164.312(d)"]}');
SET ROLE ctl_auditor;
SELECT object, status FROM comply.requirements_matrix() WHERE control = 'HIPAA-164.312-d';
SELECT * FROM comply.tap_controls(ARRAY['HIPAA-164.312-d']) t WHERE t NOT LIKE '# evidence%';
RESET ROLE;
ROLLBACK;
REVOKE EXECUTE ON FUNCTION comply.tap_controls(text[]) FROM ctl_auditor;
REVOKE EXECUTE ON FUNCTION comply.run_controls(text[]) FROM ctl_auditor;
DROP ROLE ctl_auditor;
RESET comply.review_four_eyes;
SELECT comply.protect('ctl_mx.leads', $${
  "columns": {"email": {"pseudonymize": true},
              "message": {"redact": true, "classify": {"labels": ["sales", "support"], "model": "openai:gpt-4o-mini"}}},
  "workflow_step": "triage", "regulations": ["HIPAA §164.312(e)(1)", "GDPR Art. 22"]}$$);
-- A schema a policy validates against cannot be deleted; removed behind the guard's
-- back (a superuser with the triggers off), validation is a gap.
SELECT comply.protect('ctl_mx.claims', '{"columns": {"payload": {"validate": "ctl_intake"}}, "regulations": ["SOX §404"]}');
DELETE FROM comply.schemas WHERE name = 'ctl_intake';
UPDATE comply.schemas SET name = 'ctl_intake_old' WHERE name = 'ctl_intake';
ALTER TABLE comply.schemas DISABLE TRIGGER schemas_guard;
DELETE FROM comply.schemas WHERE name = 'ctl_intake';
ALTER TABLE comply.schemas ENABLE ALWAYS TRIGGER schemas_guard;
SELECT control, status FROM pg_temp.matrix() WHERE object = 'ctl_mx.claims';
SELECT comply.register_schema('ctl_intake', '{"type": "object", "required": ["member"]}');

-- The ledger: a forged chain link in the latest block, or disabled append-only triggers,
-- is a gap of every control resting on the ledger (the cheap check verifies the latest
-- block; full_ledger_check verifies them all).
SELECT comply.protect('ctl_mx.claims', '{"columns": {"notes": {"redact": true}}, "regulations": ["PCI DSS 10.3", "PCI DSS 10.2"]}');
SELECT count(*) >= 0 AS sealed FROM comply.seal();
SELECT control, status FROM pg_temp.matrix() WHERE object = 'ctl_mx.claims';
BEGIN;
ALTER TABLE comply.ledger_blocks DISABLE TRIGGER append_only;
UPDATE comply.ledger_blocks SET prev_hash = sha256('forged')
 WHERE block_no = (SELECT max(block_no) FROM comply.ledger_blocks);
ALTER TABLE comply.ledger_blocks ENABLE ALWAYS TRIGGER append_only;
ALTER TABLE comply.audit_log DISABLE TRIGGER append_only;
SELECT control, status FROM pg_temp.matrix() WHERE object = 'ctl_mx.claims';
SELECT control, status ~ 'chain broken' AS chain_broken FROM pg_temp.matrix(true)
 WHERE object = 'ctl_mx.claims' AND control = 'PCI-10.3';
ROLLBACK;
SELECT control, status FROM pg_temp.matrix() WHERE object = 'ctl_mx.claims';
-- PCI DSS 10.2.1.1 asks for every access to cardholder data: reads audited.
SELECT comply.protect('ctl_mx.claims', '{"columns": {"notes": {"redact": true}}, "audit_reads": true, "regulations": ["PCI DSS 10.3", "PCI DSS 10.2"]}');
SELECT control, status FROM pg_temp.matrix() WHERE object = 'ctl_mx.claims';

-- A redact rule names its entity in any case, as comply.redact reads it: one that keeps
-- us_ssn in clear leaves the column's SSNs uncovered however it is spelled.
SELECT comply._covers('{"redact": {"us_ssn": {"op": "keep"}}}', 'US_SSN') AS lower_case_keep_covers,
       comply._covers('{"redact": {"Us_Ssn": {"op": "mask"}}}', 'US_SSN') AS mixed_case_mask_covers,
       comply._covers('{"redact": {"default": {"op": "keep"}, "us_ssn": {"op": "label"}}}', 'US_SSN') AS labelled_covers;

-- Nothing protected or discovered anywhere: one row says so.
BEGIN;
DELETE FROM comply.policies;
DELETE FROM comply.discoveries;
SELECT * FROM comply.requirements_matrix();
ROLLBACK;

-- The data-flow diagram of the schema: protected tables with their validation and
-- redaction steps, the classification queues and the provider each calls (the
-- endpoint's host, never its credentials, port, path or query, never the key), the
-- review queue, the ledger, and the unprotected table with PII.
SELECT comply.protect('ctl_mx.claims', $${
  "columns": {"payload": {"validate": "ctl_intake", "redact": true}, "notes": {"redact": true},
              "ssn": {"pseudonymize": true}, "card": {"mask": {"keep_last": 4}},
              "body": {"classify": {"labels": ["billing", "clinical"], "model": "ctl_model", "queue": "claims"}}},
  "workflow_step": "intake", "regulations": ["HIPAA"]}$$);
SELECT comply.unprotect('ctl_mx.leads');
SELECT comply.protect('ctl_mx."Odd ""name"" [x]|<b>#1"', $${
  "columns": {"note": {"classify": {"labels": ["a", "b"], "model": "openai:gpt-4o-mini"}}}, "audit": false}$$);
-- A publication of a protected table: its stored rows leave the database that way.
SET client_min_messages = error;  -- (the test cluster's wal_level does not publish)
CREATE TABLE ctl_mx.parted (id int, note text) PARTITION BY RANGE (id);
CREATE TABLE ctl_mx.parted_1 PARTITION OF ctl_mx.parted FOR VALUES FROM (0) TO (100);
SELECT comply.protect('ctl_mx.parted', '{"columns": {"note": {"redact": true}}}');
-- (A partitioned table is published through its partitions unless via its root.)
CREATE PUBLICATION "Out|pub" FOR TABLE ctl_mx."Odd ""name"" [x]|<b>#1", ctl_mx.parted;
RESET client_min_messages;
SET comply.ai_endpoint = 'https://user:s3cr3t@llm.example.com:8443/v1/secret-path?key=abc';
SET comply.ai_api_key_file = 'ctl-api-key-file.txt';
SELECT comply.data_flow(schema_name => 'ctl_mx') AS mermaid \gset
SELECT comply.data_flow('dot', 'ctl_mx') AS dot \gset
DROP PUBLICATION "Out|pub";
SELECT comply.unprotect('ctl_mx.parted');
DROP TABLE ctl_mx.parted;
\echo :mermaid
\echo :dot

-- Mermaid structure: the header, then only node declarations and edges; ids unique and
-- declared before use; labels quoted, with nothing in them that could end the string.
CREATE TEMP TABLE mermaid AS
  SELECT n AS line_no, l AS line
    FROM regexp_split_to_table(rtrim(:'mermaid', E'\n'), E'\n') WITH ORDINALITY AS x(l, n);
SELECT line AS first_line FROM mermaid WHERE line_no = 1;
CREATE TEMP VIEW mermaid_parsed AS
  SELECT line_no, line,
         (regexp_match(line, '^  ([A-Za-z][A-Za-z0-9_]*)(\(\[|\[\(|\{\{|\[\[|\[)"[^"]*"(\]\)|\)\]|\}\}|\]\]|\])$'))[1] AS node,
         regexp_match(line, '^  ([A-Za-z][A-Za-z0-9_]*) (-->|-\.->)(\|"[^"|]*"\|)? ([A-Za-z][A-Za-z0-9_]*)$') AS edge
    FROM mermaid WHERE line_no > 1;
SELECT line_no, line AS neither_node_nor_edge FROM mermaid_parsed WHERE node IS NULL AND edge IS NULL;
SELECT node AS declared_twice FROM mermaid_parsed WHERE node IS NOT NULL GROUP BY node HAVING count(*) > 1;
SELECT DISTINCT e.id AS undeclared
  FROM mermaid_parsed p, unnest(ARRAY[p.edge[1], p.edge[4]]) e(id)
 WHERE p.edge IS NOT NULL AND NOT EXISTS (SELECT 1 FROM mermaid_parsed d WHERE d.node = e.id);
SELECT count(*) FILTER (WHERE node IS NOT NULL) AS nodes, count(*) FILTER (WHERE edge IS NOT NULL) AS edges,
       count(*) FILTER (WHERE node IN ('clients', 'ledger', 'blocks', 'review', 'decisions', 'rejected', 'q1', 'm1', 'm2', 'u1', 'p1')) AS core_nodes
  FROM mermaid_parsed;
SELECT :'mermaid' ~ 'llm\.example\.com' AS host_shown,
       :'mermaid' !~ '(s3cr3t|user|8443|secret-path|key=abc|ctl-api-key)' AS no_secrets,
       :'dot' ~ 'llm\.example\.com' AND :'dot' !~ '(s3cr3t|user|8443|secret-path|key=abc|ctl-api-key)' AS dot_too;

-- DOT structure: a digraph of node statements and edges with quoted labels.
CREATE TEMP TABLE dot AS
  SELECT n AS line_no, l AS line
    FROM regexp_split_to_table(rtrim(:'dot', E'\n'), E'\n') WITH ORDINALITY AS x(l, n);
SELECT (SELECT line FROM dot WHERE line_no = 1) AS first_line,
       (SELECT line FROM dot ORDER BY line_no DESC LIMIT 1) AS last_line;
CREATE TEMP VIEW dot_parsed AS
  SELECT line_no, line,
         (regexp_match(line, '^  ([A-Za-z][A-Za-z0-9_]*) \[shape=[a-z0-9]+, label="([^"\\]|\\.)*"\];$'))[1] AS node,
         regexp_match(line, '^  ([A-Za-z][A-Za-z0-9_]*) -> ([A-Za-z][A-Za-z0-9_]*)( \[(label="([^"\\]|\\.)*")?(, )?(style=dashed)?\])?;$') AS edge
    FROM dot WHERE line_no > 1 AND line_no < (SELECT max(line_no) FROM dot) AND line <> '  rankdir=TB;';
SELECT line_no, line AS neither_node_nor_edge FROM dot_parsed WHERE node IS NULL AND edge IS NULL;
SELECT DISTINCT e.id AS undeclared
  FROM dot_parsed p, unnest(ARRAY[p.edge[1], p.edge[2]]) e(id)
 WHERE p.edge IS NOT NULL AND NOT EXISTS (SELECT 1 FROM dot_parsed d WHERE d.node = e.id);
-- The same graph in both formats.
SELECT (SELECT count(*) FROM mermaid_parsed WHERE node IS NOT NULL) = (SELECT count(*) FROM dot_parsed WHERE node IS NOT NULL)
   AND (SELECT count(*) FROM mermaid_parsed WHERE edge IS NOT NULL) = (SELECT count(*) FROM dot_parsed WHERE edge IS NOT NULL)
       AS same_graph;

-- A rule that changes nothing ({"redact": false}, keep operators alone) is neither drawn
-- as a redaction step nor counted as minimisation (QA 14).
BEGIN;
CREATE SCHEMA ctl_noop;
CREATE TABLE ctl_noop.t (id int PRIMARY KEY, a text, b text, c text);
SELECT comply.protect('ctl_noop.t', '{"columns": {"a": {"redact": false}, "b": {"redact": {"default": {"op": "keep"}}},
  "c": {"redact": {"default": {"op": "keep"}, "US_SSN": {"op": "keep"}}}}, "regulations": ["GDPR Art. 5(1)(c)"]}') IS NOT NULL AS protected;
SELECT count(*) AS redaction_steps FROM regexp_split_to_table(comply.data_flow(schema_name => 'ctl_noop'), E'\n') line
 WHERE line ~ 'redact';
SELECT DISTINCT status FROM comply.requirements_matrix() WHERE object = 'ctl_noop.t' AND status LIKE 'gap%no column%';
SELECT comply._transforms(r) AS transforms FROM (VALUES ('{"redact": true}'::jsonb), ('{"redact": {"US_SSN": {"op": "keep"}}}'),
  ('{"redact": {"default": {"op": "keep"}, "EMAIL_ADDRESS": {"op": "mask"}}}'), ('{"redact": {"default": {"op": "keep"}, "keys": ["name"]}}'),
  ('{"mask": false}'), ('{"pseudonymize": true}')) v(r);
ROLLBACK;

-- Without an endpoint the provider says so; unknown formats are refused.
RESET comply.ai_endpoint;
RESET comply.ai_api_key_file;
SELECT line FROM regexp_split_to_table(comply.data_flow(schema_name => 'ctl_mx'), E'\n') line WHERE line ~ 'openai';
\set VERBOSITY sqlstate
SELECT comply.data_flow('svg');
SELECT comply.data_flow(NULL);
SELECT comply.data_flow('mermaid', 'ctl_no_such_schema');
\set VERBOSITY terse
-- Bidirectional controls in a name (a right-to-left override) are shown as '?': as
-- characters or entity codes they would make a label read in reverse.
SELECT comply._flow_label(E'ward\u202Enoitcelloc', 'dot') AS dot, comply._flow_label(E'ward\u2067x', 'mermaid') AS mermaid;
-- A format that is not a name may be data: shown by its length only.
SELECT comply.data_flow('maria.garcia@example.org');
-- A selection of controls that names no control is refused: as TAP, a plan of no tests
-- passes, and a misspelt id would make a CI job pass without checking anything.
SELECT * FROM comply.run_controls(ARRAY['GDPR-32-encryptoin']);
SELECT * FROM comply.tap_controls(ARRAY['536-22-8714']);
SELECT * FROM comply.run_controls(ARRAY['GB82WEST12345698765432']);
SELECT comply.data_flow('DE89370400440532013000');
SELECT * FROM comply.run_controls('{}');
SELECT * FROM comply.run_controls(ARRAY[NULL]::text[]);
SELECT * FROM comply.run_controls(ARRAY[['a'], ['b']]);
\set VERBOSITY default

RESET comply.hmac_key_file;
SELECT comply.unprotect(table_name) FROM comply.policies
 WHERE table_name::text LIKE 'ctl\_mx.%' ORDER BY table_name::text;
DROP SCHEMA ctl_mx CASCADE;
DELETE FROM comply.controls WHERE control_id = 'ACME-7';
DELETE FROM comply.models WHERE name = 'ctl_model';
DELETE FROM comply.schemas WHERE name = 'ctl_intake';
DROP ROLE ctl_mx_reviewer;
-- Regulation references and entity names are compared in ASCII case, whatever the
-- database's collation: under a Turkish one, upper('email_address') is 'EMAİL_ADDRESS'
-- and lower('PCI') is 'pcı' (a keep rule read as covering, a reference matching no control).
SELECT comply._covers('{"redact": {"email_address": {"op": "keep"}}}', 'EMAIL_ADDRESS' COLLATE "tr-TR-x-icu") AS tr_keep_covers,
       comply._ref_matches('pci dss 10.2' COLLATE "tr-TR-x-icu", 'PCI DSS 10.2') AS tr_pci_matches,
       comply._ref_matches('hipaa §164.312(b)', 'HIPAA §164.312(b)' COLLATE "tr-TR-x-icu") AS tr_hipaa_matches;
SET client_min_messages = warning;
DROP DATABASE IF EXISTS comply_tr;
CREATE DATABASE comply_tr TEMPLATE template0 ENCODING 'UTF8' LOCALE_PROVIDER icu ICU_LOCALE 'tr-TR'
  LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8';
RESET client_min_messages;
SELECT dblink_exec(format('dbname=comply_tr port=%s host=%s', current_setting('port'), split_part(current_setting('unix_socket_directories'), ',', 1)),
                   'SET client_min_messages = warning; CREATE EXTENSION pg_comply') AS created;
SELECT * FROM dblink(format('dbname=comply_tr port=%s host=%s', current_setting('port'), split_part(current_setting('unix_socket_directories'), ',', 1)),
                     $$SELECT comply._covers('{"redact": {"email_address": {"op": "keep"}}}', 'EMAIL_ADDRESS'),
                              comply._covers('{"redact": {"email_address": {"op": "mask"}}}', 'EMAIL_ADDRESS'),
                              comply._ref_matches('hipaa §164.312(b)', 'HIPAA §164.312(b)')$$)
  AS t(keep_covers boolean, mask_covers boolean, hipaa_matches boolean);
SET client_min_messages = warning;
SET comply.allow_ledger_drop = on;
DROP DATABASE comply_tr;
RESET comply.allow_ledger_drop;
RESET client_min_messages;
