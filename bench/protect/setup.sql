-- Setup of bench/protect_bench.sh: the pool of intake rows the pgbench scripts pick from,
-- the intake JSON Schema, and three tables of the same shape:
--   plain_intake      no trigger (the baseline);
--   protected_intake  comply.protect: payload validated against "intake" and redacted,
--                     notes redacted, every change audited in comply.audit_log;
--   plpgsql_intake    the same policy written by hand, as a user would without pg_comply:
--                     a PL/pgSQL BEFORE trigger (validation with jsonb_typeof, ?, ?&, ~
--                     raising check_violation; redaction with a chain of
--                     regexp_replace(..., 'g')) and an AFTER trigger appending to an audit
--                     table chained by hand (advisory lock, previous row's hash,
--                     sha256(prev || row)).
-- Needs public.records (bench/records.sql, run first by the script: the notes).
-- psql variable rows: pool size (default 10000).
\set ON_ERROR_STOP on
\if :{?rows}
\else
  \set rows 10000
\endif
SET client_min_messages = warning;

-- The pool --------------------------------------------------------------------------------

-- Intake documents generated as in bench/validate_bench.sql (same generator, same seed):
-- about 210 bytes each, every one valid against the schema below. Only user_id, email
-- and consent are always present.
\ir ../intake_docs.sql

-- What pgbench inserts: document i with note i (clinical notes, support tickets, payment
-- disputes and HR notes with names, SSNs, phones, e-mails, cards, IBANs, IPs, dates).
CREATE TABLE bench_pool (id int PRIMARY KEY, payload jsonb NOT NULL, notes text NOT NULL);
INSERT INTO bench_pool SELECT d.id, d.doc, r.body FROM bench_docs d JOIN records r USING (id);
DROP TABLE bench_docs, records;
VACUUM (ANALYZE, FREEZE) bench_pool;

-- The rules --------------------------------------------------------------------------------

-- The schema of bench/validate_bench.sql (draft 2020-12).
\ir ../intake_schema.sql

-- Three tables -----------------------------------------------------------------------------

-- Autovacuum off on the benchmark's own tables, so that it does not run in one timed run
-- and not in another (comply's tables keep their settings).
CREATE TABLE plain_intake (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  payload jsonb,
  notes text
) WITH (autovacuum_enabled = off);
CREATE TABLE protected_intake (LIKE plain_intake INCLUDING ALL) WITH (autovacuum_enabled = off);
CREATE TABLE plpgsql_intake (LIKE plain_intake INCLUDING ALL) WITH (autovacuum_enabled = off);

-- pg_comply: the policy.
SELECT comply.protect('protected_intake', '{
  "columns": {"payload": {"validate": "intake", "redact": {"keys": ["name"]}},
              "notes": {"redact": true}},
  "audit": true,
  "workflow_step": "intake",
  "regulations": ["HIPAA §164.312(b)", "GDPR Art. 5(1)(c)"]}') AS protected \gset

-- By hand. Redaction: the chain of regexp_replace calls of bench/regexp_chain.sql.
\ir ../regexp_chain.sql

\ir ../intake_rules.sql

-- BEFORE INSERT OR UPDATE: the rules of the schema written by hand (bench/intake_rules.sql), then the payload redacted through its text (the same chain, and the
-- name by key, since a regex cannot tell a name), then the notes. On UPDATE an unchanged
-- value is left alone, as comply.protect does.
CREATE FUNCTION plpgsql_intake_before() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  doc jsonb := NEW.payload;
BEGIN
  IF doc IS NOT NULL AND (TG_OP = 'INSERT' OR doc IS DISTINCT FROM OLD.payload) THEN
    IF NOT coalesce(bench_intake_rules(doc), false) THEN
      RAISE EXCEPTION 'row rejected: payload does not match the intake rules'
        USING ERRCODE = 'check_violation';
    END IF;
    doc := bench_redact(doc::text)::jsonb;
    IF doc ? 'name' THEN
      doc := jsonb_set(doc, '{name}', '"[PERSON]"');
    END IF;
    NEW.payload := doc;
  END IF;
  IF NEW.notes IS NOT NULL AND (TG_OP = 'INSERT' OR NEW.notes IS DISTINCT FROM OLD.notes) THEN
    NEW.notes := bench_redact(NEW.notes);
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER redact BEFORE INSERT OR UPDATE ON plpgsql_intake
  FOR EACH ROW EXECUTE FUNCTION plpgsql_intake_before();

-- The audit table chained by hand, as in bench/ledger_bench.sql: the columns of
-- comply.audit_log and a hash; a BEFORE INSERT trigger serializes the writers on an
-- advisory lock (held to the end of the transaction), reads the previous row's hash and
-- chains the new row to it.
CREATE TABLE plpgsql_audit (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  logged_at timestamptz NOT NULL,
  session_user_name text NOT NULL,
  current_user_name text NOT NULL,
  application_name text,
  client_addr inet,
  xid xid8 NOT NULL,
  action text NOT NULL,
  object text,
  details jsonb NOT NULL,
  hash bytea
) WITH (autovacuum_enabled = off);
CREATE FUNCTION plpgsql_audit_chain() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  prev bytea;
BEGIN
  PERFORM pg_advisory_xact_lock(4242);
  SELECT hash INTO prev FROM plpgsql_audit ORDER BY id DESC LIMIT 1;
  NEW.hash := sha256(coalesce(prev, '\x'::bytea) || convert_to(NEW::text, 'UTF8'));
  RETURN NEW;
END $$;
CREATE TRIGGER chain BEFORE INSERT ON plpgsql_audit
  FOR EACH ROW EXECUTE FUNCTION plpgsql_audit_chain();

-- AFTER INSERT, UPDATE or DELETE: what comply.protect writes to the ledger (operation,
-- primary key, names of the changed columns; the table's columns are the trigger's
-- arguments, on UPDATE those whose value changed).
CREATE FUNCTION plpgsql_intake_audit() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  r record;
  cols jsonb;
BEGIN
  IF TG_OP = 'DELETE' THEN r := OLD; ELSE r := NEW; END IF;
  IF TG_OP = 'UPDATE' THEN
    SELECT coalesce(jsonb_agg(n.key), '[]') INTO cols
    FROM jsonb_each(to_jsonb(NEW)) n JOIN jsonb_each(to_jsonb(OLD)) o USING (key)
    WHERE n.value IS DISTINCT FROM o.value;
  ELSE
    cols := to_jsonb(TG_ARGV);
  END IF;
  INSERT INTO plpgsql_audit (logged_at, session_user_name, current_user_name, application_name,
                             client_addr, xid, action, object, details)
  VALUES (clock_timestamp(), session_user, current_user,
          nullif(current_setting('application_name'), ''), inet_client_addr(),
          pg_current_xact_id(), TG_OP,
          quote_ident(TG_TABLE_SCHEMA) || '.' || quote_ident(TG_TABLE_NAME),
          jsonb_build_object('operation', TG_OP, 'primary_key', jsonb_build_object('id', r.id::text),
                             'columns', cols));
  RETURN NULL;
END $$;
CREATE TRIGGER audit AFTER INSERT OR UPDATE OR DELETE ON plpgsql_intake
  FOR EACH ROW EXECUTE FUNCTION plpgsql_intake_audit('id', 'payload', 'notes');

-- Where the ratio goes: the policy's parts on their own (the same pgbench runs).
--   audited_intake   only the audit of each row into the ledger (no column policy);
--   redacted_intake  the columns' validation and redaction, no audit.
CREATE TABLE audited_intake (LIKE plain_intake INCLUDING ALL) WITH (autovacuum_enabled = off);
CREATE TABLE redacted_intake (LIKE plain_intake INCLUDING ALL) WITH (autovacuum_enabled = off);
SELECT comply.protect('audited_intake', '{"audit": true}') AS audited \gset
SELECT comply.protect('redacted_intake', '{
  "columns": {"payload": {"validate": "intake", "redact": {"keys": ["name"]}},
              "notes": {"redact": true}},
  "audit": false}') AS redacted \gset

-- Results, filled in by the script.
CREATE TABLE bench_tps (ord int PRIMARY KEY, clients int, name text, tbl text, tps float8,
                        xacts bigint, failed bigint, latency_ms float8,
                        cpu_us float8, sealer_us float8, walwriter_us float8);
CREATE TABLE bench_note (key text PRIMARY KEY, value text);
