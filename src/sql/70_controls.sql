-- Controls: the catalog mapping workflow steps to regulation references and to the
-- pg_comply mechanism and check behind each; the requirements matrix computed from what
-- is actually protected; and the data-flow diagram drawn from the catalog.

CREATE TABLE comply.controls (
  control_id text PRIMARY KEY CHECK (control_id ~ '^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$'),
  workflow_step text NOT NULL,
  regulation text NOT NULL,
  regulation_ref text NOT NULL,
  description text NOT NULL,
  implemented_by text NOT NULL,
  check_kind text NOT NULL DEFAULT 'manual'
    CHECK (check_kind IN ('enforced', 'pii_covered', 'validated', 'audited', 'reads_audited', 'ledger_intact',
                          'access_restricted', 'pan_protected', 'ai_transport', 'client_tls',
                          'human_review', 'four_eyes', 'documented', 'encrypted', 'server_auth',
                          'planned', 'manual')),
  user_defined boolean NOT NULL DEFAULT true
);
COMMENT ON TABLE comply.controls IS
  'Controls catalog: workflow step, regulation reference, description, the pg_comply mechanism and the check kind evaluated by comply.requirements_matrix(); add rows of your own';
GRANT SELECT ON comply.controls TO PUBLIC;
-- Shipped rows come back with CREATE EXTENSION; only the user's rows are dumped.
SELECT pg_catalog.pg_extension_config_dump('comply.controls', 'WHERE user_defined');

INSERT INTO comply.controls (control_id, workflow_step, regulation, regulation_ref, description,
                             implemented_by, check_kind, user_defined) VALUES
('GDPR-5-1-c', 'store', 'GDPR', 'GDPR Art. 5(1)(c)',
 'Data minimisation: personal data adequate, relevant and limited to what is necessary; identifiers not needed in clear are not kept in clear',
 'comply.discover finds PII by content; comply.protect redacts (comply.redact operators), pseudonymizes (HMAC-SHA-256) or masks each column holding it, on every INSERT and UPDATE',
 'pii_covered', false),
('GDPR-5-1-d', 'validate', 'GDPR', 'GDPR Art. 5(1)(d)',
 'Accuracy: malformed records are rejected when they are written',
 'comply.protect validates jsonb columns against registered JSON Schemas (comply.register_schema); rejected rows fail with check_violation and the attempt is recorded in the ledger',
 'validated', false),
('GDPR-5-1-f', 'audit', 'GDPR', 'GDPR Art. 5(1)(f)',
 'Integrity and confidentiality: protection against unauthorised or unlawful processing and against accidental loss or damage',
 'protect triggers enforced on every write (validation, redaction); every change appended to the tamper-evident ledger (comply.audit_log, sealed blocks, comply.verify_ledger)',
 'ledger_intact', false),
('GDPR-22', 'review', 'GDPR', 'GDPR Art. 22',
 'Automated decision-making: a person can intervene in decisions a model takes about individuals',
 'classification below comply.review_threshold goes to the human review queue (role comply_reviewer); every decision is in comply.ai_decisions and the ledger',
 'human_review', false),
('GDPR-25', 'store', 'GDPR', 'GDPR Art. 25',
 'Data protection by design and by default: protection built into the processing, not left to each application',
 'comply.protect: a C trigger applies the table''s policy to every INSERT, UPDATE and COPY, whatever the client',
 'enforced', false),
('GDPR-30', 'inventory', 'GDPR', 'GDPR Art. 30',
 'Records of processing activities: purposes, categories of personal data, recipients and safeguards',
 'comply.policies (workflow_step, regulations), comply.discoveries (categories of personal data per column), comply.data_flow() and comply.requirements_matrix(); protect, unprotect and discover are ledger entries',
 'documented', false),
('GDPR-32-pseudonymisation', 'store', 'GDPR', 'GDPR Art. 32(1)(a)',
 'Security of processing: pseudonymisation of personal data',
 'comply.protect "pseudonymize" (deterministic HMAC-SHA-256 keyed by comply.hmac_key_file, so joins still work), "mask" and "redact"',
 'pii_covered', false),
('GDPR-32-encryption', 'store', 'GDPR', 'GDPR Art. 32(1)(a)',
 'Security of processing: encryption of personal data',
 'comply.protect "encrypted": a column that must hold ciphertext (pgcrypto) refuses clear values on write; comply.check_encryption samples it',
 'encrypted', false),
('GDPR-32-integrity', 'audit', 'GDPR', 'GDPR Art. 32(1)(b)',
 'Security of processing: ongoing integrity of processing systems and services',
 'append-only audit ledger sealed into hash-chained, optionally signed blocks; comply.verify_ledger, digests and inclusion proofs',
 'ledger_intact', false),
('HIPAA-164.312-a-1', 'access', 'HIPAA', 'HIPAA §164.312(a)(1)',
 'Access control: only authorised persons and programs can access ePHI',
 'PostgreSQL privileges (no PUBLIC privileges on protected tables), redacted and pseudonymized values for everyone else, reviewers limited to redacted payloads (role comply_reviewer)',
 'access_restricted', false),
('HIPAA-164.312-a-2-iv', 'store', 'HIPAA', 'HIPAA §164.312(a)(2)(iv)',
 'Encryption and decryption of ePHI (addressable)',
 'comply.protect "encrypted" columns refuse clear values; comply.check_encryption judges a column by sampling (OpenPGP structure, block-cipher output, entropy)',
 'encrypted', false),
('HIPAA-164.312-b', 'audit', 'HIPAA', 'HIPAA §164.312(b)',
 'Audit controls: record and examine activity in systems that contain ePHI',
 'policy "audit": every INSERT, UPDATE and DELETE of a protected table appended to comply.audit_log (who, when, primary key, changed columns redacted) and sealed by the ledger worker; "audit_reads": every statement that reads it (reader, rows returned)',
 'audited', false),
('HIPAA-164.312-c-1', 'audit', 'HIPAA', 'HIPAA §164.312(c)(1)',
 'Integrity: protect ePHI from improper alteration or destruction',
 'validation on write; changes in the append-only ledger, whose hash chain comply.verify_ledger recomputes to detect any alteration',
 'ledger_intact', false),
('HIPAA-164.312-d', 'access', 'HIPAA', 'HIPAA §164.312(d)',
 'Person or entity authentication',
 'ledger entries name session_user and current_user; comply.check_server: password_encryption = scram-sha-256, no pg_hba rule with trust, password or md5',
 'server_auth', false),
('HIPAA-164.312-e-1-clients', 'transmit', 'HIPAA', 'HIPAA §164.312(e)(1)',
 'Transmission security: ePHI encrypted between clients and the server',
 'PostgreSQL ssl = on; comply.check_server: TLS 1.2 or later, no client connected without SSL',
 'client_tls', false),
('HIPAA-164.312-e-1-ai', 'classify', 'HIPAA', 'HIPAA §164.312(e)(1)',
 'Transmission security: text sent to an AI provider for classification',
 'text redacted before it leaves the database; openai provider over https with peer and host verification (libcurl), endpoint chosen by a superuser (comply.ai_endpoint), key in a superuser-only file',
 'ai_transport', false),
('SOX-404-audit-trail', 'audit', 'SOX', 'SOX §404',
 'Internal control over financial reporting: a complete, tamper-evident trail of changes to records',
 'policy "audit" into the ledger; comply.verify_ledger, comply.ledger_digest kept outside the database, pg_comply_verify on exports',
 'ledger_intact', false),
('SOX-404-input-validation', 'validate', 'SOX', 'SOX §404',
 'Internal control over financial reporting: input controls reject malformed records',
 'JSON Schema validation in the protect trigger; rejected attempts recorded in the ledger',
 'validated', false),
('SOX-404-segregation-of-duties', 'review', 'SOX', 'SOX §404',
 'Internal control over financial reporting: segregation of duties: a record is not approved by the person who entered it',
 'comply.review_four_eyes = on: a review case is decided by a role other than the one whose write or call opened it (and than the reviewer who escalated it); comply.review_next skips such cases and comply.review_decide refuses them; every decision names its reviewer in the ledger',
 'four_eyes', false),
('PCI-3.4', 'store', 'PCI DSS v4.0', 'PCI DSS 3.4',
 'Access to displays of full PAN is restricted: PAN masked when displayed (at most BIN and last four digits)',
 'comply.protect "mask" {"keep_last": 4} (or redaction) on card columns: the full PAN is never stored, so never displayed',
 'pan_protected', false),
('PCI-3.5', 'store', 'PCI DSS v4.0', 'PCI DSS 3.5',
 'PAN is secured wherever it is stored: rendered unreadable (truncation, keyed hash, or strong cryptography)',
 'comply.protect "mask" (truncation), "pseudonymize" (keyed HMAC-SHA-256), redaction of card numbers, or "encrypted" columns (comply.check_encryption)',
 'pan_protected', false),
('PCI-10.2', 'audit', 'PCI DSS v4.0', 'PCI DSS 10.2',
 'Audit logs record user activities and events: who, what, when, where from, which data',
 'ledger entries: time, session and current user, application, client address, transaction, operation, table, primary key, changed columns (redacted); with "audit_reads", reads too (reader, rows returned)',
 'audited', false),
('PCI-10.2.1.1', 'audit', 'PCI DSS v4.0', 'PCI DSS 10.2.1.1',
 'Audit logs capture all individual user access to cardholder data',
 'policy "audit_reads": every statement that reads the table (SELECT, COPY TO, a write whose source it is) is a ledger entry with the reader and the rows returned, kept when the statement fails or its transaction rolls back',
 'reads_audited', false),
('PCI-10.3', 'audit', 'PCI DSS v4.0', 'PCI DSS 10.3',
 'Audit logs are protected from destruction and unauthorised modification',
 'comply.audit_log refuses UPDATE, DELETE and TRUNCATE for everyone; hash-chained, signed blocks; comply.verify_ledger and digests detect any change',
 'ledger_intact', false),
('PCI-10.5', 'audit', 'PCI DSS v4.0', 'PCI DSS 10.5',
 'Audit log history is retained (at least twelve months, three immediately available)',
 'ledger entries stay queryable and cannot be deleted, but by comply.archive_ledger once older than comply.ledger_retention (seven years by default), after an export whose SHA-256 it records; comply.export_ledger for write-once archives',
 'ledger_intact', false);

-- Shipped rows are the extension's: changing one would be lost by pg_dump (only user
-- rows are dumped) or make the restore collide with it. Add a row of your own instead.
CREATE FUNCTION comply._controls_guard() RETURNS trigger
  LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp SET quote_all_identifiers = off AS $$
BEGIN
  IF TG_OP = 'TRUNCATE' OR (TG_OP IN ('UPDATE', 'DELETE') AND NOT OLD.user_defined)
     OR (TG_OP IN ('INSERT', 'UPDATE') AND NOT NEW.user_defined) THEN
    RAISE EXCEPTION 'the controls shipped with pg_comply cannot be changed or removed'
      USING ERRCODE = 'insufficient_privilege',
            HINT = 'Add a control of your own (user_defined true) with another control_id.';
  END IF;
  RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END $$;
COMMENT ON FUNCTION comply._controls_guard() IS
  'Trigger function: keeps the shipped rows of comply.controls as shipped (user rows are free)';
CREATE TRIGGER shipped_rows BEFORE INSERT OR UPDATE OR DELETE ON comply.controls
  FOR EACH ROW EXECUTE FUNCTION comply._controls_guard();
CREATE TRIGGER shipped_rows_truncate BEFORE TRUNCATE ON comply.controls
  FOR EACH STATEMENT EXECUTE FUNCTION comply._controls_guard();
ALTER TABLE comply.controls ENABLE ALWAYS TRIGGER shipped_rows;  -- see 30_ledger.sql
ALTER TABLE comply.controls ENABLE ALWAYS TRIGGER shipped_rows_truncate;

-- A regulation reference as _ref_matches compares it: lower case, runs of spaces as one,
-- without a version word (" v4", " v4.0.1").
CREATE FUNCTION comply._ref_normal(ref text) RETURNS text
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
  SELECT btrim(regexp_replace(regexp_replace(lower(btrim(ref) COLLATE "C"), E'\\s+', ' ', 'g'),
                              E' v[0-9]+(\\.[0-9]+)*( |$)', ' ', 'g')) $$;
COMMENT ON FUNCTION comply._ref_normal(text) IS
  'A regulation reference as comply._ref_matches compares it: lower case, spaces collapsed, no version word';

-- True if the regulation reference of a policy names the control's reference or a part
-- containing it ("HIPAA §164.312" names "HIPAA §164.312(b)"; "GDPR Art. 5" does not
-- name "GDPR Art. 50"). Case and runs of spaces do not matter, nor a version word
-- ("PCI DSS v4.0 3.4" names "PCI DSS 3.4").
CREATE FUNCTION comply._ref_matches(policy_ref text, control_ref text) RETURNS boolean
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
  SELECT p <> '' AND (c = p OR (left(c, length(p)) = p AND substr(c, length(p) + 1, 1) !~ '[[:alnum:]]'))
    FROM (SELECT comply._ref_normal(policy_ref) AS p, comply._ref_normal(control_ref) AS c) x $$;
COMMENT ON FUNCTION comply._ref_matches(text, text) IS
  'True if a policy''s regulation reference names the control''s (equal, or a prefix ending at a part boundary)';

-- Whether what a logical replication subscription applies to rel (the relation it
-- subscribes, a partitioned table's partitions under it included) can pass its protect
-- triggers without them firing: the apply worker writes in replica mode, where only
-- triggers enabled ALWAYS fire (its TRUNCATE too).
CREATE FUNCTION comply._replicated_past_policy(rel oid) RETURNS boolean
  LANGUAGE sql STABLE STRICT SET search_path = pg_catalog, pg_temp AS $$
  SELECT EXISTS (SELECT 1 FROM (SELECT rel AS relid UNION SELECT r.relid FROM comply._partition_tree(rel) r) t
                   JOIN pg_trigger tg ON tg.tgrelid = t.relid
                  WHERE tg.tgenabled <> 'A'
                    AND (tg.tgname IN ('comply_protect_before', 'comply_protect_after')
                         OR (tg.tgname = 'comply_protect_truncate' AND t.relid = rel))) $$;
COMMENT ON FUNCTION comply._replicated_past_policy(oid) IS
  'Whether a relation a subscription writes (or a partition under it) has protect triggers that do not fire for the apply worker (not enabled ALWAYS)';

-- True if a column's rule changes the values written: pseudonymize, mask, or redact by
-- content with an operator other than keep for some entity (the default's is a label),
-- keys replaced whole or keys redacted. {"redact": false} or an object of keep
-- operators only changes nothing, and is neither drawn as a redaction step nor counted
-- as minimisation (QA 14).
CREATE FUNCTION comply._transforms(spec jsonb) RETURNS boolean
  LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
  SELECT CASE
    WHEN spec IS NULL OR jsonb_typeof(spec) <> 'object' THEN false
    WHEN spec -> 'pseudonymize' = 'true' THEN true
    WHEN spec ? 'mask' AND spec -> 'mask' <> 'false' THEN true
    WHEN spec -> 'redact' = 'true' THEN true
    WHEN jsonb_typeof(spec -> 'redact') = 'object' THEN
      coalesce(spec -> 'redact' -> 'default' ->> 'op', 'label') <> 'keep'
      OR EXISTS (SELECT 1 FROM jsonb_each(spec -> 'redact') r
                  WHERE r.key NOT IN ('default', 'keys', 'redact_keys')
                    AND (jsonb_typeof(r.value) <> 'object' OR r.value ->> 'op' IS DISTINCT FROM 'keep'))
      OR (jsonb_typeof(spec -> 'redact' -> 'keys') = 'array' AND jsonb_array_length(spec -> 'redact' -> 'keys') > 0)
      OR spec -> 'redact' -> 'redact_keys' = 'true'
    ELSE false END $$;
COMMENT ON FUNCTION comply._transforms(jsonb) IS
  'True if a column policy changes the values written (not {"redact": false}, nor keep operators alone)';

-- True if a column's policy leaves no finding of entity in clear: a redaction by
-- operators by that entity's (or the default) operator, any other rule as
-- comply._transforms says.
CREATE FUNCTION comply._covers(spec jsonb, entity text) RETURNS boolean
  LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
  SELECT CASE
    WHEN jsonb_typeof(spec) = 'object' AND jsonb_typeof(spec -> 'redact') = 'object'
         AND spec -> 'pseudonymize' IS DISTINCT FROM 'true' AND NOT (spec ? 'mask' AND spec -> 'mask' <> 'false')
      -- (Entity names in any case, as comply.redact reads them.)
      THEN coalesce((SELECT r.value ->> 'op' FROM jsonb_each(spec -> 'redact') r
                      WHERE upper(r.key COLLATE "C") = upper(entity COLLATE "C") ORDER BY r.key = entity DESC LIMIT 1),
                    spec -> 'redact' -> 'default' ->> 'op', 'label') <> 'keep'
    ELSE comply._transforms(spec) END $$;
COMMENT ON FUNCTION comply._covers(jsonb, text) IS
  'True if a column policy (redact, pseudonymize or mask) leaves no finding of the entity in clear';

-- The host of a URL (never its user, password, port, path or query), lower-cased.
CREATE FUNCTION comply._endpoint_host(url text) RETURNS text
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
  SELECT nullif(lower(m[1] COLLATE "C"), '')
    FROM regexp_match(url, E'^\\s*[A-Za-z][A-Za-z0-9+.-]*://(?:[^/?#]*@)?(\\[[^]/?#]*\\]|[[:alnum:]._-]*)') m $$;
COMMENT ON FUNCTION comply._endpoint_host(text) IS
  'Host part of a URL, without credentials, port, path or query (NULL if none): a host''s characters only';

-- What keeps the ledger from proving anything, as reasons (none: it is sound). Cheap by
-- default: the append-only triggers, the latest block verified with its link to the one
-- before, and no backlog of old unsealed entries; verify_all: comply.verify_ledger() entire.
CREATE FUNCTION comply._ledger_health(verify_all boolean) RETURNS text[]
  LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp SET quote_all_identifiers = off AS $$
DECLARE
  reasons text[] := '{}';
  last_block bigint;
  problems text;
  max_sealed bigint;
  oldest timestamptz;
  patience interval := greatest(interval '5 min',
                                10 * coalesce(current_setting('comply.seal_interval', true), '1s')::interval);
BEGIN
  IF EXISTS (SELECT 1
               FROM (VALUES ('comply.audit_log'::regclass), ('comply.ledger_blocks'::regclass),
                            ('comply.ledger_entries'::regclass)) AS r(rel),
                    (VALUES ('append_only'), ('append_only_truncate')) AS g(name)
              WHERE NOT EXISTS (SELECT 1 FROM pg_trigger t
                                 WHERE t.tgrelid = r.rel AND t.tgname = g.name AND t.tgenabled = 'A')) THEN
    reasons := reasons || 'the append-only triggers of the ledger tables are missing or not enabled always'::text;
  END IF;
  SELECT max(b.block_no) INTO last_block FROM comply.ledger_blocks b;
  BEGIN
    IF verify_all THEN
      SELECT string_agg(DISTINCT v.problem || coalesce(' (block ' || v.block_no || ')', ''), ', ')
        INTO problems FROM comply.verify_ledger() v;
    ELSIF last_block IS NOT NULL THEN
      SELECT string_agg(DISTINCT v.problem || coalesce(' (block ' || v.block_no || ')', ''), ', ')
        INTO problems FROM comply.verify_ledger(last_block, last_block) v;
    END IF;
  EXCEPTION WHEN OTHERS THEN
    -- An unusable signing key file, say. Its message names the setting, not the file;
    -- give the SQLSTATE only, and run comply.verify_ledger() for more.
    problems := 'an error (SQLSTATE ' || SQLSTATE || ')';
  END;
  IF problems IS NOT NULL THEN
    reasons := reasons || ('comply.verify_ledger() reports ' || problems);
  END IF;
  SELECT max(e.entry_id) INTO max_sealed FROM comply.ledger_entries e;
  SELECT a.logged_at INTO oldest FROM comply.audit_log a
   WHERE a.id > coalesce(max_sealed, 0) ORDER BY a.id LIMIT 1;
  IF oldest < now() - patience THEN
    reasons := reasons || ('audit entries older than ' || patience || ' are not sealed (is the ledger worker running? comply.seal() seals now)');
  END IF;
  RETURN reasons;
END $$;
COMMENT ON FUNCTION comply._ledger_health(boolean) IS
  'Reasons the ledger is not sound (none if it is): append-only triggers, latest block (or every block with verify_all), unsealed backlog';

-- Tables that discovery found PII in, and that no policy protects (nor one of their
-- ancestors'): those the caller may read findings of (comply.discoveries' row security),
-- and all of them (as the extension's owner). The matrix compares the two counts: a role
-- that may not read a table's findings must not see a clean matrix because of it.
-- (PL/pgSQL, whose plans are remade for another role: a SQL function's plan, kept for the
-- transaction, counted a superuser's view for a role set after it in the same one.)
CREATE FUNCTION comply._unprotected_discovery_tables() RETURNS bigint
  LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  RETURN (SELECT count(DISTINCT d.table_name)
    FROM comply.discoveries d
    JOIN pg_class c ON c.oid = d.table_name
    JOIN pg_namespace n ON n.oid = c.relnamespace
    JOIN pg_attribute a ON a.attrelid = d.table_name AND a.attname = d.column_name AND NOT a.attisdropped
   WHERE d.findings <> '[]' AND d.table_ident = format('%I.%I', n.nspname, c.relname)
     AND NOT EXISTS (SELECT 1 FROM comply.policies p
                      WHERE p.table_name = d.table_name
                         OR p.table_name IN (SELECT pg_partition_ancestors(d.table_name))));
END $$;
COMMENT ON FUNCTION comply._unprotected_discovery_tables() IS
  'How many unprotected tables discovery found PII in, among those whose findings the caller may read';
CREATE FUNCTION comply._all_unprotected_discovery_tables() RETURNS bigint
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  SELECT comply._unprotected_discovery_tables() $$;
COMMENT ON FUNCTION comply._all_unprotected_discovery_tables() IS
  'How many unprotected tables discovery found PII in (all of them, a count only: for comply.requirements_matrix)';

CREATE FUNCTION comply.requirements_matrix(full_ledger_check boolean DEFAULT false)
  RETURNS TABLE(workflow_step text, object text, regulation_ref text, control text,
                implemented_by text, status text)
  -- (jit off: catalog queries that JIT compilation only slows, by a second when the
  -- planner's estimates over the catalogs pass its thresholds)
  LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp SET quote_all_identifiers = off SET jit = off AS $$
#variable_conflict use_column
DECLARE
  ledger_reasons text[] := comply._ledger_health(coalesce(full_ledger_check, false));
  ssl_on boolean := current_setting('ssl') = 'on';
  endpoint text := btrim(coalesce(current_setting('comply.ai_endpoint', true), ''));
  endpoint_host text := comply._endpoint_host(endpoint);
  endpoint_scheme text := lower(substring(endpoint FROM '^([A-Za-z][A-Za-z0-9+.-]*)://') COLLATE "C");
  threshold float8 := coalesce(current_setting('comply.review_threshold', true), '0.85')::float8;
  reviewers boolean := EXISTS (SELECT 1 FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.roleid
                                WHERE r.rolname = 'comply_reviewer');
  -- (Off where pg_comply's library is not loaded, as the review functions read it.)
  four_eyes boolean := coalesce(current_setting('comply.review_four_eyes', true), 'off') = 'on';
  t record;
  anc record;
  ancestor text;
  uncovered text[];
  c record;
  reasons text[];
  base text[];
  na text;
  refs text[];
  ref text;
  any_rows boolean := false;
  hidden bigint;
  col text;
  verdict text;
  replicated_by text;
  -- Authentication posture, from comply.check_server (once for every table).
  auth_reasons text[] := ARRAY(
    SELECT CASE WHEN x.status = 'unknown'
                  THEN x.check_name || ' cannot be checked by this role'
                WHEN x.check_name = 'password_encryption' THEN 'password_encryption is not scram-sha-256'
                ELSE 'pg_hba has rules with trust, password or md5' END
      FROM comply.check_server() x
     -- (Unknown is no pass: pg_hba_file_rules is for superusers, and a role that cannot
     -- read the rules cannot say they are sound.)
     WHERE x.check_name IN ('password_encryption', 'pg_hba_methods') AND x.status IN ('fail', 'unknown')
     ORDER BY 1);
BEGIN
  -- Every protected table, and every table whose latest discovery (still about the same
  -- table) found PII; with what the policy and the discovery say about it.
  FOR t IN
    WITH tables AS (
      SELECT cl.oid, format('%I.%I', n.nspname, cl.relname) AS ident, cl.relkind,
             -- the table and, if partitioned, its partitions (their rows can be read directly)
             CASE WHEN cl.relkind = 'p' THEN ARRAY(SELECT r.relid FROM comply._partition_tree(cl.oid) r)
                  ELSE ARRAY[cl.oid] END AS tree
        FROM pg_class cl JOIN pg_namespace n ON n.oid = cl.relnamespace
       WHERE cl.oid IN (SELECT p.table_name FROM comply.policies p
                        UNION
                        SELECT d.table_name FROM comply.discoveries d WHERE d.findings <> '[]')
    )
    SELECT tb.oid, tb.ident, tb.relkind, p.policy, p.policy IS NOT NULL AS protected,
           coalesce(pt.enforced, false) AS enforced,
           coalesce(p.policy -> 'audit', 'true') <> 'false' AS audit,
           coalesce(p.policy -> 'audit_reads', 'false') = 'true' AS audit_reads,
           p.policy ->> 'workflow_step' AS step,
           coalesce(p.policy -> 'columns', '{}') AS cols,
           d.findings,
           -- columns with PII in clear: "notes (EMAIL_ADDRESS, US_SSN)"
           (SELECT array_agg(quote_ident(x.col) || ' (' || x.entities || ')' ORDER BY x.col)
              FROM (SELECT f ->> 'column' AS col, string_agg(DISTINCT f ->> 'entity', ', ' ORDER BY f ->> 'entity') AS entities
                      FROM jsonb_array_elements(d.findings) f
                     WHERE NOT comply._covers(p.policy -> 'columns' -> (f ->> 'column'), f ->> 'entity')
                     GROUP BY 1) x) AS uncovered,
           (SELECT array_agg(DISTINCT f ->> 'column' ORDER BY f ->> 'column')
              FROM jsonb_array_elements(d.findings) f
             WHERE f ->> 'entity' = 'CREDIT_CARD') AS card_columns,
           (SELECT array_agg(DISTINCT f ->> 'column' ORDER BY f ->> 'column')
              FROM jsonb_array_elements(d.findings) f
             WHERE f ->> 'entity' = 'CREDIT_CARD'
               AND NOT comply._covers(p.policy -> 'columns' -> (f ->> 'column'), 'CREDIT_CARD')) AS cards_in_clear,
           (SELECT count(*) FROM jsonb_each(coalesce(p.policy -> 'columns', '{}')) e
             WHERE comply._covers(e.value, 'CREDIT_CARD')) AS covering,
           (SELECT array_agg(e.value ->> 'validate' ORDER BY e.key) FROM jsonb_each(coalesce(p.policy -> 'columns', '{}')) e
             WHERE e.value ? 'validate') AS schemas,
           (SELECT array_agg(DISTINCT e.value ->> 'validate' ORDER BY e.value ->> 'validate')
              FROM jsonb_each(coalesce(p.policy -> 'columns', '{}')) e
             WHERE e.value ? 'validate'
               AND NOT EXISTS (SELECT 1 FROM comply.schemas s WHERE s.name = e.value ->> 'validate')) AS missing_schemas,
           (SELECT array_agg(DISTINCT e.value -> 'classify' ->> 'model' ORDER BY e.value -> 'classify' ->> 'model')
              FROM jsonb_each(coalesce(p.policy -> 'columns', '{}')) e
             WHERE e.value ? 'classify') AS models,
           (SELECT array_agg(DISTINCT m ORDER BY m)
              FROM jsonb_each(coalesce(p.policy -> 'columns', '{}')) e,
                   LATERAL (SELECT regexp_replace(e.value -> 'classify' ->> 'model', '^builtin:', '') AS m) b
             WHERE e.value ? 'classify' AND e.value -> 'classify' ->> 'model' NOT LIKE 'openai:%'
               AND NOT EXISTS (SELECT 1 FROM comply.models x WHERE x.name = b.m)) AS missing_models,
           comply._gone_columns(tb.oid, p.policy) AS gone_columns,
           comply._policy_problem(tb.oid, p.policy) AS policy_problem,
           -- PUBLIC's privileges on the table or on any of its columns, or on any of
           -- its partitions' (whose rows can be read directly)
           (SELECT array_agg(DISTINCT g.privilege_type ORDER BY g.privilege_type)
              FROM (SELECT a.privilege_type FROM pg_class k, aclexplode(k.relacl) a
                     WHERE k.oid = ANY (tb.tree) AND a.grantee = 0
                    UNION ALL
                    SELECT a.privilege_type FROM pg_attribute t, aclexplode(t.attacl) a
                     WHERE t.attrelid = ANY (tb.tree) AND t.attnum > 0 AND NOT t.attisdropped
                       AND a.grantee = 0) g) AS public_privileges,
           ARRAY(SELECT jsonb_array_elements_text(CASE WHEN jsonb_typeof(p.policy -> 'regulations') = 'array'
                                                       THEN p.policy -> 'regulations' END)) AS regulations
      FROM tables tb
      LEFT JOIN comply.policies p ON p.table_name = tb.oid
      LEFT JOIN comply.protected_tables pt ON pt.table_name = tb.oid
      -- The latest discovery of the table's columns (NULL: never discovered; []: nothing
      -- found), ignoring findings made under another name or of columns since dropped.
      LEFT JOIN LATERAL (
        SELECT coalesce(jsonb_agg(jsonb_build_object('column', x.column_name, 'entity', f ->> 'entity'))
                          FILTER (WHERE f IS NOT NULL), '[]') AS findings
          FROM comply.discoveries x
          JOIN pg_attribute a ON a.attrelid = x.table_name AND a.attname = x.column_name AND NOT a.attisdropped
          LEFT JOIN LATERAL jsonb_array_elements(x.findings) f ON true
         WHERE x.table_name = tb.oid AND x.table_ident = tb.ident
        HAVING count(*) > 0) d ON true
     ORDER BY tb.ident
  LOOP
    IF NOT t.protected THEN
      CONTINUE WHEN t.uncovered IS NULL;  -- findings about a table since renamed
      -- A partition of a protected table is written through that table's policy: its
      -- findings are weighed against it.
      ancestor := NULL;
      SELECT a.table_name::text AS ident, a.policy INTO anc FROM comply.policies a
       WHERE a.table_name IN (SELECT pg_partition_ancestors(t.oid)) LIMIT 1;
      uncovered := t.uncovered;
      IF FOUND THEN
        ancestor := anc.ident;
        SELECT array_agg(quote_ident(x.col) || ' (' || x.entities || ')' ORDER BY x.col) INTO uncovered
          FROM (SELECT f ->> 'column' AS col,
                       string_agg(DISTINCT f ->> 'entity', ', ' ORDER BY f ->> 'entity') AS entities
                  FROM jsonb_array_elements(t.findings) f
                 WHERE NOT comply._covers(anc.policy -> 'columns' -> (f ->> 'column'), f ->> 'entity')
                 GROUP BY 1) x;
        CONTINUE WHEN uncovered IS NULL;
      END IF;
      any_rows := true;
      -- PII found, nothing protects it: a gap against every control of protection.
      FOR c IN
        SELECT * FROM comply.controls k
         WHERE k.check_kind IN ('enforced', 'pii_covered')
            OR (k.check_kind = 'pan_protected' AND t.card_columns IS NOT NULL)
         ORDER BY k.regulation_ref, k.control_id
      LOOP
        workflow_step := NULL;
        object := t.ident;
        regulation_ref := c.regulation_ref;
        control := c.control_id;
        implemented_by := c.implemented_by;
        status := 'gap: PII found by discovery in ' || array_to_string(uncovered, '; ')
                  || CASE WHEN ancestor IS NOT NULL
                          THEN ', a partition of protected table ' || ancestor || ', whose policy leaves it in clear'
                          WHEN t.relkind = 'm'
                          THEN ', a materialized view, which cannot be protected: protect the tables it is computed from, then refresh it'
                          ELSE ' but the table is not protected' END;
        RETURN NEXT;
      END LOOP;
      CONTINUE;
    END IF;

    any_rows := true;
    refs := t.regulations;
    IF cardinality(refs) = 0 THEN
      workflow_step := t.step;
      object := t.ident;
      regulation_ref := NULL;
      control := NULL;
      implemented_by := NULL;
      status := 'gap: the policy names no regulations, so no control applies (add "regulations" to the policy)';
      RETURN NEXT;
    END IF;
    base := CASE WHEN t.enforced THEN '{}'::text[]
                 ELSE ARRAY['protect triggers missing or disabled (comply.protected_tables.enforced is false)'] END;
    IF t.gone_columns IS NOT NULL THEN
      -- Its writes are refused until the policy is updated.
      base := base || ('the policy names columns the table no longer has: '
                       || array_to_string(t.gone_columns, ', '));
    ELSIF t.policy_problem IS NOT NULL THEN
      base := base || ('the policy no longer fits the table: ' || t.policy_problem);
    END IF;
    -- A subscription's apply worker writes in replica mode, where ordinary triggers do
    -- not fire: its rows pass the policy only if the protect triggers are enabled ALWAYS.
    SELECT string_agg(DISTINCT quote_ident(sub.subname), ', ') INTO replicated_by
      FROM pg_subscription_rel sr JOIN pg_subscription sub ON sub.oid = sr.srsubid
     WHERE sr.srrelid IN (SELECT r.relid FROM comply._partition_tree(t.oid) r UNION SELECT t.oid)
       AND comply._replicated_past_policy(sr.srrelid);
    IF replicated_by IS NOT NULL THEN
      base := base || ('logical replication writes it past its policy (subscription ' || replicated_by
                       || '; its protect triggers, or those of a partition, are not enabled ALWAYS)');
    END IF;

    FOR c IN
      SELECT * FROM comply.controls k
       WHERE EXISTS (SELECT 1 FROM unnest(refs) r WHERE comply._ref_matches(r, k.regulation_ref))
       ORDER BY k.regulation_ref, k.control_id
    LOOP
      reasons := base;
      na := NULL;
      CASE c.check_kind
        WHEN 'enforced' THEN
          NULL;
        WHEN 'pii_covered' THEN
          IF t.uncovered IS NOT NULL THEN
            reasons := reasons || ('PII found by discovery is left in clear in ' || array_to_string(t.uncovered, '; '));
          ELSIF t.findings IS NULL AND NOT EXISTS (SELECT 1 FROM jsonb_each(t.cols) e
                                                    WHERE comply._transforms(e.value)) THEN
            reasons := reasons || 'no column is redacted, pseudonymized or masked and comply.discover() has not been run on the table'::text;
          END IF;
        WHEN 'validated' THEN
          IF t.schemas IS NULL THEN
            reasons := reasons || 'no column is validated against a JSON Schema'::text;
          ELSIF t.missing_schemas IS NOT NULL THEN
            reasons := reasons || ('schema ' || array_to_string(t.missing_schemas, ', ') || ' is no longer registered');
          END IF;
        WHEN 'audited' THEN
          IF NOT t.audit THEN
            reasons := reasons || 'the policy sets "audit": false'::text;
          END IF;
        WHEN 'reads_audited' THEN
          IF NOT t.audit_reads THEN
            reasons := reasons || 'the policy does not set "audit_reads": reads of the table are not recorded'::text;
          END IF;
        WHEN 'ledger_intact' THEN
          IF NOT t.audit THEN
            reasons := reasons || 'the policy sets "audit": false'::text;
          END IF;
          reasons := reasons || ledger_reasons;
        WHEN 'access_restricted' THEN
          IF t.public_privileges IS NOT NULL THEN
            reasons := reasons || ('PUBLIC has ' || array_to_string(t.public_privileges, ', ') || ' on the table or its partitions');
          END IF;
        WHEN 'pan_protected' THEN
          IF t.cards_in_clear IS NOT NULL THEN
            reasons := reasons || ('card numbers found by discovery are left in clear in ' || array_to_string(t.cards_in_clear, ', '));
          ELSIF t.findings IS NULL AND t.covering = 0 THEN
            reasons := reasons || 'no column is masked, pseudonymized or redacted and comply.discover() has not been run on the table'::text;
          ELSIF t.card_columns IS NULL AND t.findings IS NOT NULL THEN
            na := 'not applicable: discovery found no card numbers';
          END IF;
        WHEN 'ai_transport' THEN
          IF NOT EXISTS (SELECT 1 FROM unnest(t.models) m WHERE m LIKE 'openai:%') THEN
            na := 'not applicable: no column is classified by an external provider';
          ELSIF endpoint = '' THEN
            reasons := reasons || 'classification uses the openai provider but comply.ai_endpoint is not set'::text;
          ELSIF endpoint_host IS NULL OR endpoint_scheme NOT IN ('http', 'https')
                OR endpoint ~ '^[^/]*//[^/]*@' OR endpoint ~ '[?#]' THEN
            reasons := reasons || 'comply.ai_endpoint is not a usable http(s) URL without credentials'::text;
          ELSIF endpoint_scheme = 'http'
                AND NOT (endpoint_host IN ('localhost', '[::1]') OR endpoint_host ~ E'^127\\.') THEN
            reasons := reasons || ('comply.ai_endpoint sends text to ' || endpoint_host || ' over plain http');
          END IF;
        WHEN 'client_tls' THEN
          reasons := '{}';
          IF NOT ssl_on THEN
            reasons := reasons || 'ssl is off: connections to the server are not encrypted'::text;
          END IF;
        WHEN 'human_review' THEN
          IF t.models IS NULL THEN
            na := 'not applicable: the table is not classified';
          ELSE
            IF threshold <= 0 THEN
              reasons := reasons || 'comply.review_threshold is 0: every model decision is taken without review'::text;
            END IF;
            IF NOT reviewers THEN
              reasons := reasons || 'no role is a member of comply_reviewer'::text;
            END IF;
            IF t.missing_models IS NOT NULL THEN
              reasons := reasons || ('builtin model ' || array_to_string(t.missing_models, ', ') || ' does not exist');
            END IF;
          END IF;
        WHEN 'four_eyes' THEN
          -- Review cases come from a table's writes only when it is classified.
          IF t.models IS NULL THEN
            na := 'not applicable: the table is not classified';
          ELSIF NOT four_eyes THEN
            reasons := reasons || 'comply.review_four_eyes is off: the role whose write opened a review case may decide it'::text;
          END IF;
        WHEN 'documented' THEN
          IF t.step IS NULL THEN
            reasons := reasons || 'the policy names no workflow_step'::text;
          END IF;
          IF t.findings IS NULL THEN
            reasons := reasons || 'comply.discover() has not been run on the table (categories of personal data unknown)'::text;
          END IF;
        WHEN 'encrypted' THEN
          reasons := '{}';
          IF NOT EXISTS (SELECT 1 FROM jsonb_each(t.cols) e WHERE e.value -> 'encrypted' = 'true') THEN
            na := 'not applicable: the policy declares no encrypted column';
          ELSE
            FOR col IN SELECT e.key FROM jsonb_each(t.cols) e WHERE e.value -> 'encrypted' = 'true' ORDER BY 1 LOOP
              -- (Sampled as the caller: a column it may not read is not verified, a gap
              -- that says so rather than an error that ends the matrix.)
              BEGIN
                SELECT x.verdict INTO verdict FROM comply.check_encryption(t.oid, col::name, 100) x;
              EXCEPTION WHEN insufficient_privilege THEN
                reasons := reasons || format('column %s not verified: this role may not read it', col);
                CONTINUE;
              END;
              IF verdict NOT IN ('encrypted', 'no_data') THEN
                reasons := reasons || format('column %s holds values that are not ciphertext (%s)', col, verdict);
              END IF;
            END LOOP;
          END IF;
        WHEN 'server_auth' THEN
          reasons := auth_reasons;
        WHEN 'planned' THEN
          reasons := ARRAY['not implemented by pg_comply yet (see implemented_by)'];
        ELSE  -- manual
          reasons := '{}';
          na := 'manual: not checked by pg_comply';
      END CASE;
      workflow_step := t.step;
      object := t.ident;
      regulation_ref := c.regulation_ref;
      control := c.control_id;
      implemented_by := c.implemented_by;
      -- A control that does not apply to the table does not apply, enforced or not.
      status := CASE WHEN na IS NOT NULL THEN na
                     WHEN cardinality(reasons) > 0 THEN 'gap: ' || array_to_string(reasons, '; ')
                     ELSE 'implemented' END;
      RETURN NEXT;
    END LOOP;

    FOREACH ref IN ARRAY refs LOOP
      IF NOT EXISTS (SELECT 1 FROM comply.controls k WHERE comply._ref_matches(ref, k.regulation_ref)) THEN
        workflow_step := t.step;
        object := t.ident;
        regulation_ref := ref;
        control := NULL;
        implemented_by := NULL;
        status := 'gap: no control in comply.controls matches this regulation reference';
        RETURN NEXT;
      END IF;
    END LOOP;
  END LOOP;

  -- Findings the caller may not read (row security on comply.discoveries: a role without
  -- SELECT on the column) are gaps all the same, shown by their number only.
  hidden := comply._all_unprotected_discovery_tables() - comply._unprotected_discovery_tables();
  IF hidden > 0 THEN
    any_rows := true;
    FOR c IN SELECT * FROM comply.controls k WHERE k.check_kind IN ('enforced', 'pii_covered')
              ORDER BY k.regulation_ref, k.control_id LOOP
      workflow_step := NULL;
      object := format('(%s tables this role may not read)', hidden);
      regulation_ref := c.regulation_ref;
      control := c.control_id;
      implemented_by := c.implemented_by;
      status := format('gap: PII found by discovery in %s unprotected tables whose findings this role may not read '
                       '(run the matrix as a role that may, to see them)', hidden);
      RETURN NEXT;
    END LOOP;
  END IF;
  IF NOT any_rows THEN
    status := 'gap: no table is protected (find PII with comply.discover(), protect with comply.protect())';
    RETURN NEXT;
  END IF;
END $$;
COMMENT ON FUNCTION comply.requirements_matrix(boolean) IS
  'Requirements matrix from what is actually protected: a row per protected table and control of its regulations, and per unprotected table with PII; status implemented or gap: why';

-- A label made safe for a Mermaid "..." or DOT "..." string: Mermaid gets every
-- character outside a plain set as an entity code (#35; for #), so quotes, brackets,
-- pipes, HTML and newlines cannot end the string or change the graph; DOT gets its
-- quotes and backslashes escaped and control characters as spaces.
-- Bidirectional controls (a right-to-left override in a table's name) are shown as '?' in
-- both: as characters or entity codes they would make a label read in reverse.
CREATE FUNCTION comply._flow_label(label text, fmt text) RETURNS text
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
  SELECT CASE fmt
    WHEN 'mermaid' THEN
      (SELECT coalesce(string_agg(CASE WHEN ch ~ '^[A-Za-z0-9 _.,:/()+=-]$' THEN ch
                                       ELSE '#' || ascii(ch) || ';' END, '' ORDER BY i), '')
         FROM regexp_split_to_table(b.l, '') WITH ORDINALITY AS x(ch, i))
    ELSE regexp_replace(replace(replace(b.l, E'\\', E'\\\\'), '"', E'\\"'), '[[:cntrl:]]', ' ', 'g')
  END
  FROM (SELECT regexp_replace(label, E'[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]', '?', 'g') AS l) b $$;
COMMENT ON FUNCTION comply._flow_label(text, text) IS
  'Escapes a label for a quoted Mermaid (entity codes) or DOT (backslash escapes) string';

CREATE FUNCTION comply.data_flow(format text DEFAULT 'mermaid', schema_name name DEFAULT NULL)
  RETURNS text
  LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp SET quote_all_identifiers = off SET jit = off AS $$
DECLARE
  fmt text := lower(btrim(format) COLLATE "C");
  endpoint text := btrim(coalesce(current_setting('comply.ai_endpoint', true), ''));
  endpoint_host text := comply._endpoint_host(endpoint);
  endpoint_scheme text := lower(substring(endpoint FROM '^([A-Za-z][A-Za-z0-9+.-]*)://') COLLATE "C");
  threshold text := coalesce(current_setting('comply.review_threshold', true), '0.85');
  -- Nodes: id (a safe identifier made here, never from a name), shape, label.
  node_ids text[] := '{}';
  node_shapes text[] := '{}';
  node_labels text[] := '{}';
  -- Edges: from, to, label ('' for none), dashed; edge_keys dedupe them.
  e_from text[] := '{}';
  e_to text[] := '{}';
  e_label text[] := '{}';
  e_dashed boolean[] := '{}';
  edge_keys text[] := '{}';
  queues text[] := '{}';
  models text[] := '{}';
  pubs text[] := '{}';
  subs text[] := '{}';
  t record;
  c record;
  i int := 0;
  tid text;
  prev text;
  qid text;
  mid text;
  model_label text;
  any_validation boolean := false;
  any_classify boolean := false;
  any_protected boolean := false;
  out text;
  shape_open text;
  shape_close text;
BEGIN
  IF fmt IS NULL THEN
    RAISE EXCEPTION 'the data flow format must not be NULL'
      USING ERRCODE = 'null_value_not_allowed', HINT = 'Use ''mermaid'' or ''dot''.';
  END IF;
  IF fmt NOT IN ('mermaid', 'dot') THEN
    RAISE EXCEPTION 'unknown data flow format %', comply._shown_name(format)
      USING ERRCODE = 'invalid_parameter_value', HINT = 'Use ''mermaid'' or ''dot''.';
  END IF;
  -- A schema misspelt would draw an empty graph, as if nothing there were protected.
  IF schema_name IS NOT NULL AND NOT EXISTS (SELECT 1 FROM pg_namespace n WHERE n.nspname = schema_name) THEN
    RAISE EXCEPTION 'schema % does not exist', comply._shown_name(schema_name)
      USING ERRCODE = 'invalid_schema_name';
  END IF;
  node_ids := node_ids || 'clients'::text;
  node_shapes := node_shapes || 'start'::text;
  node_labels := node_labels || 'applications: INSERT, UPDATE, COPY'::text;

  FOR t IN
    SELECT format('%I.%I', n.nspname, cl.relname) AS ident, p.policy, pt.enforced,
           coalesce(p.policy -> 'columns', '{}') AS cols, cl.oid AS relid
      FROM comply.policies p
      JOIN pg_class cl ON cl.oid = p.table_name
      JOIN pg_namespace n ON n.oid = cl.relnamespace
      JOIN comply.protected_tables pt ON pt.table_name = p.table_name
     WHERE schema_name IS NULL OR n.nspname = schema_name
     ORDER BY 1
  LOOP
    any_protected := true;
    i := i + 1;
    tid := 't' || i;
    node_ids := node_ids || tid;
    node_shapes := node_shapes || 'table'::text;
    node_labels := node_labels || (t.ident || coalesce(' (step: ' || (t.policy ->> 'workflow_step') || ')', '')
                                   || CASE WHEN t.enforced THEN '' ELSE ' - protect triggers disabled' END);
    prev := 'clients';
    -- Validation (schemas, and the ciphertext check of columns declared encrypted: both
    -- refuse rows), then redaction, then the row is stored (the trigger's order).
    SELECT string_agg(x.what, ', ' ORDER BY x.col, x.what) INTO model_label
      FROM (SELECT e.key AS col, e.key || ' against ' || (e.value ->> 'validate') AS what
              FROM jsonb_each(t.cols) e WHERE e.value ? 'validate'
            UNION ALL
            SELECT e.key, e.key || ' is ciphertext'
              FROM jsonb_each(t.cols) e WHERE e.value -> 'encrypted' = 'true') x;
    IF model_label IS NOT NULL THEN
      any_validation := true;
      node_ids := node_ids || (tid || '_validate');
      node_shapes := node_shapes || 'check'::text;
      node_labels := node_labels || ('validate ' || model_label);
      e_from := e_from || prev; e_to := e_to || (tid || '_validate'); e_label := e_label || ''::text; e_dashed := e_dashed || false;
      e_from := e_from || (tid || '_validate'); e_to := e_to || 'rejected'::text; e_label := e_label || 'invalid'::text; e_dashed := e_dashed || false;
      prev := tid || '_validate';
    END IF;
    SELECT string_agg(x.op || ': ' || x.cols, '; ' ORDER BY x.ord) INTO model_label
      FROM (SELECT CASE WHEN e.value ? 'pseudonymize' THEN 'pseudonymize'
                        WHEN e.value ? 'mask' THEN 'mask' ELSE 'redact' END AS op,
                   min(CASE WHEN e.value ? 'pseudonymize' THEN 2 WHEN e.value ? 'mask' THEN 3 ELSE 1 END) AS ord,
                   string_agg(e.key, ', ' ORDER BY e.key) AS cols
              FROM jsonb_each(t.cols) e
             WHERE comply._transforms(e.value)
             GROUP BY 1) x;
    IF model_label IS NOT NULL THEN
      node_ids := node_ids || (tid || '_redact');
      node_shapes := node_shapes || 'step'::text;
      node_labels := node_labels || model_label;
      e_from := e_from || prev; e_to := e_to || (tid || '_redact'); e_label := e_label || ''::text; e_dashed := e_dashed || false;
      prev := tid || '_redact';
    END IF;
    e_from := e_from || prev; e_to := e_to || tid; e_label := e_label || ''::text; e_dashed := e_dashed || false;
    IF coalesce(t.policy -> 'audit', 'true') <> 'false' THEN
      e_from := e_from || tid; e_to := e_to || 'ledger'::text; e_label := e_label || 'changes'::text; e_dashed := e_dashed || false;
    END IF;
    -- Logical replication: the stored rows (as the policy left them) leave through each
    -- publication of the table; a subscription's writes into it pass its policy only
    -- if its protect triggers are enabled ALWAYS (the apply worker runs in replica mode).
    -- (A partitioned table's publication lists its partitions, unless it publishes via
    -- the root; a subscription may write the root or its partitions.)
    FOR c IN SELECT DISTINCT pt.pubname::text AS pubname FROM pg_publication_tables pt
              WHERE to_regclass(format('%I.%I', pt.schemaname, pt.tablename))
                    IN (SELECT r.relid FROM comply._partition_tree(t.relid) r UNION SELECT t.relid)
              ORDER BY 1
    LOOP
      IF NOT c.pubname = ANY (pubs) THEN
        pubs := pubs || c.pubname;
      END IF;
      e_from := e_from || tid; e_to := e_to || ('p' || array_position(pubs, c.pubname));
      e_label := e_label || 'stored rows'::text; e_dashed := e_dashed || false;
    END LOOP;
    FOR c IN SELECT sub.subname::text AS subname,
                    bool_and(EXISTS (SELECT 1 FROM pg_trigger tg
                                      WHERE tg.tgrelid = sr.srrelid AND tg.tgname = 'comply_protect_before')
                             AND NOT comply._replicated_past_policy(sr.srrelid)) AS applied
               FROM pg_subscription_rel sr JOIN pg_subscription sub ON sub.oid = sr.srsubid
              WHERE sr.srrelid IN (SELECT r.relid FROM comply._partition_tree(t.relid) r UNION SELECT t.relid)
              GROUP BY sub.subname ORDER BY 1
    LOOP
      IF NOT c.subname = ANY (subs) THEN
        subs := subs || c.subname;
      END IF;
      e_from := e_from || ('s' || array_position(subs, c.subname)); e_to := e_to || tid;
      e_label := e_label || CASE WHEN c.applied THEN 'replicated writes, through the policy'
                                 ELSE 'replicated writes - policy not applied' END;
      e_dashed := e_dashed || NOT c.applied;
    END LOOP;
    -- Classification: the table queues jobs; each queue's jobs go to their model.
    FOR c IN
      SELECT e.key AS col, coalesce(e.value -> 'classify' ->> 'queue', 'default') AS queue,
             e.value -> 'classify' ->> 'model' AS model
        FROM jsonb_each(t.cols) e
       WHERE jsonb_typeof(e.value -> 'classify') = 'object'
       ORDER BY e.key
    LOOP
      any_classify := true;
      IF NOT c.queue = ANY (queues) THEN
        queues := queues || c.queue;
      END IF;
      qid := 'q' || array_position(queues, c.queue);
      IF NOT c.model = ANY (models) THEN
        models := models || c.model;
      END IF;
      mid := 'm' || array_position(models, c.model);
      e_from := e_from || tid; e_to := e_to || qid; e_label := e_label || ('classify ' || c.col); e_dashed := e_dashed || false;
      IF NOT (qid || '>' || mid) = ANY (edge_keys) THEN
        edge_keys := edge_keys || (qid || '>' || mid);
        e_from := e_from || qid; e_to := e_to || mid; e_label := e_label || ''::text; e_dashed := e_dashed || false;
      END IF;
    END LOOP;
  END LOOP;

  FOR i IN 1 .. coalesce(array_length(pubs, 1), 0) LOOP
    node_ids := node_ids || ('p' || i);
    node_shapes := node_shapes || 'queue'::text;
    node_labels := node_labels || ('logical replication out: publication ' || quote_ident(pubs[i]));
  END LOOP;
  FOR i IN 1 .. coalesce(array_length(subs, 1), 0) LOOP
    node_ids := node_ids || ('s' || i);
    node_shapes := node_shapes || 'start'::text;
    node_labels := node_labels || ('logical replication in: subscription ' || quote_ident(subs[i]));
  END LOOP;
  FOR i IN 1 .. coalesce(array_length(queues, 1), 0) LOOP
    node_ids := node_ids || ('q' || i);
    node_shapes := node_shapes || 'queue'::text;
    node_labels := node_labels || ('classification queue ' || queues[i]);
  END LOOP;
  -- A provider is named by its model and, for openai, the endpoint's host only: never
  -- the URL's credentials, path or query, never the key.
  FOR i IN 1 .. coalesce(array_length(models, 1), 0) LOOP
    IF models[i] LIKE 'openai:%' THEN
      model_label := 'openai model ' || substr(models[i], 8) || CASE
        WHEN endpoint = '' THEN ' - comply.ai_endpoint not set'
        WHEN endpoint_host IS NULL THEN ' - comply.ai_endpoint has no host'
        ELSE ' at ' || endpoint_host || ' (' || endpoint_scheme || ')' END;
    ELSE
      model_label := 'builtin model ' || regexp_replace(models[i], '^builtin:', '') || ' (in the database)';
    END IF;
    node_ids := node_ids || ('m' || i);
    node_shapes := node_shapes || 'step'::text;
    node_labels := node_labels || model_label;
    e_from := e_from || ('m' || i); e_to := e_to || 'decisions'::text;
    e_label := e_label || ('confidence >= ' || threshold); e_dashed := e_dashed || false;
    e_from := e_from || ('m' || i); e_to := e_to || 'review'::text;
    e_label := e_label || ('confidence < ' || threshold); e_dashed := e_dashed || false;
  END LOOP;
  IF any_classify THEN
    node_ids := node_ids || ARRAY['decisions', 'review'];
    node_shapes := node_shapes || ARRAY['step', 'queue'];
    node_labels := node_labels || ARRAY['automatic decision: comply.model_decisions',
                                        'human review queue: comply.review_cases'];
    e_from := e_from || ARRAY['decisions', 'review']; e_to := e_to || ARRAY['ledger', 'ledger'];
    e_label := e_label || ARRAY['recorded', 'decisions']; e_dashed := e_dashed || ARRAY[false, false];
  END IF;
  IF any_validation THEN
    node_ids := node_ids || 'rejected'::text;
    node_shapes := node_shapes || 'step'::text;
    node_labels := node_labels || 'row rejected: check_violation'::text;
    e_from := e_from || 'rejected'::text; e_to := e_to || 'ledger'::text;
    e_label := e_label || 'attempt recorded'::text; e_dashed := e_dashed || false;
  END IF;
  IF any_protected THEN
    node_ids := node_ids || ARRAY['ledger', 'blocks'];
    node_shapes := node_shapes || ARRAY['table', 'queue'];
    node_labels := node_labels || ARRAY['ledger: comply.audit_log', 'sealed blocks: hash chain, comply.verify_ledger'];
    e_from := e_from || 'ledger'::text; e_to := e_to || 'blocks'::text;
    e_label := e_label || 'sealed'::text; e_dashed := e_dashed || false;
  END IF;

  -- Tables where discovery found PII and nothing protects it: writes go straight in.
  i := 0;
  FOR t IN
    SELECT format('%I.%I', n.nspname, cl.relname) AS ident,
           string_agg(DISTINCT f ->> 'entity', ', ') AS entities
      FROM comply.discoveries d
      JOIN pg_class cl ON cl.oid = d.table_name
      JOIN pg_namespace n ON n.oid = cl.relnamespace
      JOIN pg_attribute a ON a.attrelid = d.table_name AND a.attname = d.column_name AND NOT a.attisdropped
      CROSS JOIN LATERAL jsonb_array_elements(d.findings) f
     WHERE d.table_ident = format('%I.%I', n.nspname, cl.relname)
       AND cl.relkind <> 'm'  -- written by REFRESH, not by clients: the matrix reports them
       AND NOT EXISTS (SELECT 1 FROM comply.policies p WHERE p.table_name = d.table_name)
       AND (schema_name IS NULL OR n.nspname = schema_name)
     GROUP BY 1
     ORDER BY 1
  LOOP
    i := i + 1;
    node_ids := node_ids || ('u' || i);
    node_shapes := node_shapes || 'table'::text;
    node_labels := node_labels || (t.ident || ' - not protected, PII found: ' || t.entities);
    e_from := e_from || 'clients'::text; e_to := e_to || ('u' || i);
    e_label := e_label || 'unprotected writes'::text; e_dashed := e_dashed || true;
  END LOOP;

  IF fmt = 'mermaid' THEN
    out := 'graph TD';
    FOR i IN 1 .. array_length(node_ids, 1) LOOP
      SELECT o, cl INTO shape_open, shape_close
        FROM (VALUES ('start', '([', '])'), ('table', '[(', ')]'), ('check', '{{', '}}'),
                     ('step', '[', ']'), ('queue', '[[', ']]')) AS s(k, o, cl)
       WHERE s.k = node_shapes[i];
      out := out || E'\n  ' || node_ids[i] || shape_open || '"'
             || comply._flow_label(node_labels[i], 'mermaid') || '"' || shape_close;
    END LOOP;
    FOR i IN 1 .. coalesce(array_length(e_from, 1), 0) LOOP
      out := out || E'\n  ' || e_from[i]
             || CASE WHEN e_dashed[i] THEN ' -.->' ELSE ' -->' END
             || CASE WHEN e_label[i] = '' THEN ''
                     ELSE '|"' || comply._flow_label(e_label[i], 'mermaid') || '"|' END
             || ' ' || e_to[i];
    END LOOP;
    RETURN out || E'\n';
  END IF;

  out := E'digraph data_flow {\n  rankdir=TB;';
  FOR i IN 1 .. array_length(node_ids, 1) LOOP
    out := out || E'\n  ' || node_ids[i] || ' [shape='
           || CASE node_shapes[i] WHEN 'start' THEN 'oval' WHEN 'table' THEN 'cylinder'
                                  WHEN 'check' THEN 'hexagon' WHEN 'queue' THEN 'box3d' ELSE 'box' END
           || ', label="' || comply._flow_label(node_labels[i], 'dot') || '"];';
  END LOOP;
  FOR i IN 1 .. coalesce(array_length(e_from, 1), 0) LOOP
    out := out || E'\n  ' || e_from[i] || ' -> ' || e_to[i]
           || CASE WHEN e_label[i] = '' AND NOT e_dashed[i] THEN ''
                   ELSE ' [' || concat_ws(', ',
                                  CASE WHEN e_label[i] <> '' THEN 'label="' || comply._flow_label(e_label[i], 'dot') || '"' END,
                                  CASE WHEN e_dashed[i] THEN 'style=dashed' END) || ']' END
           || ';';
  END LOOP;
  RETURN out || E'\n}\n';
END $$;
COMMENT ON FUNCTION comply.data_flow(text, name) IS
  'Diagram of the real data flows (''mermaid'' graph TD or ''dot''), of every schema or one: protected tables, validation, redaction, classification queues and providers (host only), review queue, ledger, publications and subscriptions';
