-- PII discovery: comply.discover finds PII by content in sampled text, varchar, char and
-- jsonb columns, reports shares and suggests a policy that comply.protect accepts.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pg_comply;
RESET client_min_messages;

CREATE SCHEMA ctl_disc;
-- Column names say nothing: discovery must judge by content.
CREATE TABLE ctl_disc.people (
  id int PRIMARY KEY,
  a text,           -- US social security numbers, one per row
  b varchar(100),   -- e-mail addresses
  c text,           -- card numbers
  d text,           -- free text, an e-mail address in 30% of rows
  e text,           -- names
  f text,           -- clean status words
  g char(8),        -- clean codes
  h jsonb,          -- documents, an e-mail address deep inside half of them
  n int
);
INSERT INTO ctl_disc.people
SELECT i,
       lpad((100 + i % 500)::text, 3, '0') || '-' || lpad((10 + i % 80)::text, 2, '0') || '-'
         || lpad((1000 + i)::text, 4, '0'),
       'user' || i || '@example.com',
       (ARRAY['4111 1111 1111 1111', '5500 0000 0000 0004', '3400 000000 00009', '6011 0000 0000 0004'])[1 + i % 4],
       CASE WHEN i % 10 < 3 THEN 'asked to be mailed at patient' || i || '@example.org, follow up next week'
            ELSE 'routine check, nothing to report' END,
       (ARRAY['Maria Garcia', 'John Miller', 'Linda Brown', 'James Wilson'])[1 + i % 4],
       (ARRAY['active', 'closed', 'pending'])[1 + i % 3],
       'C' || lpad(i::text, 7, '0'),
       jsonb_build_object('visit', jsonb_build_object('reason', 'checkup', 'tags', jsonb_build_array('x', 'y'),
                                                      'contact', CASE WHEN i % 2 = 0 THEN 'c' || i || '@example.net' END),
                          'count', i),
       i
  FROM generate_series(1, 1000) i;
CREATE TABLE ctl_disc.clean (id int, item text, status varchar(20), meta jsonb);
INSERT INTO ctl_disc.clean
SELECT i, 'widget model ' || (i % 17), 'shipped', jsonb_build_object('color', 'red', 'size', i % 5)
  FROM generate_series(1, 1000) i;

-- All rows are read (1000 >= rows): exact shares. Only PII columns are reported; the
-- clean columns and the clean table are not.
SELECT clock_timestamp() AS started \gset
SELECT table_name, column_name, entity, round(share::numeric, 3) AS share, sample_size
  FROM comply.discover(schema_name => 'ctl_disc')
 ORDER BY table_name::text, column_name, entity;
SELECT clock_timestamp() - :'started' < interval '3 s' AS within_seconds;
-- One suggested policy per table, the same on every row of it: identifiers are
-- pseudonymized, card numbers masked, free text and jsonb redacted.
SELECT table_name, count(DISTINCT suggested_policy) AS policies, jsonb_pretty(min(suggested_policy::text)::jsonb)
  FROM comply.discover(schema_name => 'ctl_disc') GROUP BY table_name;

-- Never a sampled value in the output.
SELECT count(*) AS rows_showing_values
  FROM comply.discover(schema_name => 'ctl_disc') d
 WHERE d::text ~ '(@example|[0-9]{3}-[0-9]{2}-[0-9]{4}|4111|Garcia|Miller)';

-- Fewer sampled rows than the table has: a random sample, of exactly that size.
SELECT column_name, entity, sample_size, share BETWEEN 0.15 AND 0.45 AS plausible_share
  FROM comply.discover(100, table_name => 'ctl_disc.people')
 WHERE column_name = 'd';
SELECT count(DISTINCT sample_size) AS sizes, min(sample_size) AS sample_size
  FROM comply.discover(50, table_name => 'ctl_disc.people');

-- The suggestion is a policy comply.protect accepts, and it does what it says.
SELECT current_setting('data_directory') || '/comply_test_hmac.key' AS keyfile \gset
SET comply.hmac_key_file = :'keyfile';
SELECT comply.protect('ctl_disc.people',
                      (SELECT DISTINCT suggested_policy FROM comply.discover(table_name => 'ctl_disc.people')));
INSERT INTO ctl_disc.people VALUES
  (1001, '536-22-8714', 'new.patient@example.com', '4111 1111 1111 1111',
   'call me at new.patient@example.com', 'Maria Garcia', 'active', 'C0001001',
   '{"visit": {"contact": "new.patient@example.com"}}', 1001);
SELECT a ~ '^ps_[0-9a-f]{32}$' AS a_pseudonym, b ~ '^ps_[0-9a-f]{32}$' AS b_pseudonym, c, d, e ~ '^ps_' AS e_pseudonym, h
  FROM ctl_disc.people WHERE id = 1001;

-- Rows written before protect still hold PII, so discovery still finds it; the suggestion
-- for a protected table is its policy, which already covers every PII column.
SELECT count(*) AS findings,
       bool_and(suggested_policy = (SELECT policy FROM comply.policies WHERE table_name = 'ctl_disc.people'::regclass))
         AS suggestion_is_the_policy
  FROM comply.discover(2000, table_name => 'ctl_disc.people');
-- A policy that leaves columns in clear: the suggestion keeps its rules and adds the rest.
SELECT comply.protect('ctl_disc.people', '{"columns": {"d": {"redact": {"EMAIL_ADDRESS": {"op": "mask"}}}, "e": {"classify": {"model": "openai:m", "labels": ["x"]}}}, "workflow_step": "intake"}');
SELECT DISTINCT jsonb_pretty(suggested_policy)
  FROM comply.discover(2000, table_name => 'ctl_disc.people');
SELECT comply.unprotect('ctl_disc.people');
RESET comply.hmac_key_file;

-- The latest discovery of each column is recorded (no values), for the requirements
-- matrix; columns with nothing found are recorded too.
SELECT table_name, column_name, table_ident, sample_size, discovered_by = current_user AS by_me,
       findings
  FROM comply.discoveries WHERE table_ident LIKE 'ctl_disc.%' ORDER BY 1, 2;
SELECT count(*) AS discovery_entries_with_values
  FROM comply.audit_log WHERE action = 'discover' AND details::text ~ '@example';
SELECT object, details FROM comply.audit_log WHERE action = 'discover' ORDER BY id DESC LIMIT 1;

-- A whole-database discovery skips the extension's own tables, the system catalogs and
-- tables owned by an extension.
CREATE TABLE ctl_disc.owned (note text);
INSERT INTO ctl_disc.owned VALUES ('mail extension.owned@example.com');
ALTER EXTENSION pg_comply ADD TABLE ctl_disc.owned;
BEGIN;
SELECT count(*) FILTER (WHERE n.nspname IN ('comply', 'pg_catalog', 'information_schema', 'pg_toast')) AS system_tables,
       count(*) FILTER (WHERE d.table_name = 'ctl_disc.owned'::regclass) AS extension_tables,
       count(*) FILTER (WHERE d.table_name = 'ctl_disc.people'::regclass) > 0 AS found_people
  FROM comply.discover() d
  JOIN pg_class c ON c.oid = d.table_name JOIN pg_namespace n ON n.oid = c.relnamespace;
ROLLBACK;
ALTER EXTENSION pg_comply DROP TABLE ctl_disc.owned;
SELECT count(*) AS found_once_released FROM comply.discover(table_name => 'ctl_disc.owned');

-- A large table is sampled by block (TABLESAMPLE SYSTEM), not read whole.
CREATE TABLE ctl_disc.big (id int, note text);
INSERT INTO ctl_disc.big
SELECT i, CASE WHEN i % 10 = 0 THEN 'write to u' || i || '@example.com' ELSE 'nothing to see here, row ' || i END
  FROM generate_series(1, 200000) i;
ANALYZE ctl_disc.big;
SELECT pg_stat_force_next_flush();
SELECT seq_tup_read AS read_before FROM pg_stat_user_tables WHERE relid = 'ctl_disc.big'::regclass \gset
SELECT entity, sample_size, share BETWEEN 0.05 AND 0.15 AS plausible_share
  FROM comply.discover(500, table_name => 'ctl_disc.big');
SELECT pg_stat_force_next_flush();
SELECT pg_stat_clear_snapshot();
SELECT seq_tup_read - :read_before < 20000 AS read_under_a_tenth, seq_tup_read AS read_before
  FROM pg_stat_user_tables WHERE relid = 'ctl_disc.big'::regclass \gset
SELECT :'read_under_a_tenth' AS read_under_a_tenth;
-- (The count does see reads: a full scan adds every row.)
SELECT count(*) FROM ctl_disc.big;
SELECT pg_stat_force_next_flush();
SELECT pg_stat_clear_snapshot();
SELECT seq_tup_read - :read_before >= 200000 AS full_scan_counted
  FROM pg_stat_user_tables WHERE relid = 'ctl_disc.big'::regclass;

-- A partitioned table is reported once, as itself (its partitions are sampled through
-- it); a partition is reported when asked for. Names are quoted wherever they go.
CREATE TABLE ctl_disc.events (id int, "e-mail ""x""" text) PARTITION BY RANGE (id);
CREATE TABLE ctl_disc."events; DROP ""1""" PARTITION OF ctl_disc.events FOR VALUES FROM (0) TO (100);
CREATE TABLE ctl_disc.events_2 PARTITION OF ctl_disc.events FOR VALUES FROM (100) TO (200);
INSERT INTO ctl_disc.events SELECT i, CASE WHEN i < 100 THEN 'x' || i || '@example.com' ELSE 'none' END
  FROM generate_series(0, 199) i;
SELECT table_name, column_name, entity, share, sample_size
  FROM comply.discover(schema_name => 'ctl_disc') WHERE table_name::text LIKE 'ctl_disc.%events%';
SELECT table_name, column_name, entity, share, sample_size
  FROM comply.discover(table_name => 'ctl_disc."events; DROP ""1"""');
SELECT suggested_policy FROM comply.discover(table_name => 'ctl_disc.events');

-- In a read-only transaction (or on a standby) discovery reports, and records nothing
-- (no write is even attempted: it would fail).
BEGIN READ ONLY;
SELECT count(*) AS findings FROM comply.discover(table_name => 'ctl_disc.events');
ROLLBACK;

-- Privileges: a role sees only what it may read; tables and columns it may not read are
-- skipped without error but counted, in a NOTICE and in the run's ledger entry (their
-- contents are unknown, not clean), and it can record findings only for tables it can
-- read.
CREATE ROLE ctl_disc_reader;
GRANT USAGE ON SCHEMA ctl_disc TO ctl_disc_reader;
GRANT SELECT (id, d) ON ctl_disc.people TO ctl_disc_reader;
SET ROLE ctl_disc_reader;
SELECT table_name, column_name, entity FROM comply.discover(schema_name => 'ctl_disc') ORDER BY 1, 2, 3;
RESET ROLE;
SELECT details -> 'tables' AS tables, details -> 'tables_not_readable' AS tables_not_readable,
       details -> 'columns_not_readable' AS columns_not_readable
  FROM comply.audit_log WHERE action = 'discover' ORDER BY id DESC LIMIT 1;
\set VERBOSITY terse
SELECT * FROM comply.discover(1, NULL, 0::regclass);
SELECT * FROM comply.discover(1, 'maria.garcia@example.org');
SELECT * FROM comply.discover(1, 'no_such_schema');
-- A table and a schema it is not in: an error, not an empty result read as no PII (QA 14).
SELECT * FROM comply.discover(1, 'public', 'ctl_disc.people');
SELECT count(*) > 0 AS same_schema FROM comply.discover(100, 'ctl_disc', 'ctl_disc.people');
\set VERBOSITY default
-- A TRUNCATE of the findings (a superuser's) is a ledger entry too, with their count.
BEGIN;
SELECT count(*) AS findings FROM comply.discoveries \gset
TRUNCATE comply.discoveries;
SELECT action, object, (details ->> 'rows')::int = :findings AS counted FROM comply.audit_log
 WHERE object = 'comply.discoveries' ORDER BY id DESC LIMIT 1;
ROLLBACK;
-- Counted whole when the truncating role reads only some of them (row security).
BEGIN;
SELECT count(*) AS findings FROM comply.discoveries \gset
CREATE ROLE disc_truncater;
GRANT TRUNCATE ON comply.discoveries TO disc_truncater;
SET ROLE disc_truncater;
TRUNCATE comply.discoveries;
RESET ROLE;
SELECT (details ->> 'rows')::int = :findings AND :findings > 0 AS counted_all FROM comply.audit_log
 WHERE object = 'comply.discoveries' ORDER BY id DESC LIMIT 1;
ROLLBACK;
SET ROLE ctl_disc_reader;
SELECT table_name, column_name FROM comply.discoveries WHERE table_ident LIKE 'ctl_disc.%' ORDER BY 1, 2;
\set VERBOSITY terse
INSERT INTO comply.discoveries (table_name, column_name, table_ident, sample_size, findings)
VALUES ('ctl_disc.people', 'a', 'ctl_disc.people', 0, '[]');
DELETE FROM comply.discoveries WHERE table_name = 'ctl_disc.people'::regclass AND column_name = 'a';
\set VERBOSITY default
RESET ROLE;
-- Its discovery recorded findings of the column it read (and no other), under its name.
SELECT table_name, column_name, discovered_by FROM comply.discoveries
 WHERE table_ident = 'ctl_disc.people' ORDER BY 1, 2;
-- Nor remove another's findings of a column it reads (the matrix's gap for it would go).
SELECT count(*) >= 0 AS rediscovered FROM comply.discover(table_name => 'ctl_disc.people');
SET ROLE ctl_disc_reader;
WITH gone AS (DELETE FROM comply.discoveries WHERE table_ident = 'ctl_disc.people' AND column_name = 'd'
                AND discovered_by <> current_user RETURNING 1)
SELECT count(*) AS others_findings_removed FROM gone;
-- Nor replace them with none (an UPDATE, under its own name, made the column look clean
-- to the matrix): each role's discovery of a column is a row of its own, and the matrix
-- takes anyone's finding.
WITH cleared AS (UPDATE comply.discoveries SET findings = '[]', discovered_by = current_user
                  WHERE table_ident = 'ctl_disc.people' AND column_name = 'd'
                    AND discovered_by <> current_user RETURNING 1)
SELECT count(*) AS others_findings_cleared FROM cleared;
RESET ROLE;
SELECT column_name, discovered_by, findings <> '[]' AS found
  FROM comply.discoveries WHERE table_ident = 'ctl_disc.people' AND column_name = 'd' ORDER BY 2;
-- Every change of the findings is a ledger entry.
SELECT details ->> 'operation' AS operation, count(*) > 0 AS recorded FROM comply.audit_log
 WHERE object = 'comply.discoveries' GROUP BY 1 ORDER BY 1;
-- Findings of a column dropped go with it, whoever recorded them.
ALTER TABLE ctl_disc.people ADD COLUMN scratch text;
GRANT SELECT (scratch) ON ctl_disc.people TO ctl_disc_reader;
SET ROLE ctl_disc_reader;
INSERT INTO comply.discoveries (table_name, column_name, table_ident, sample_size, findings)
VALUES ('ctl_disc.people', 'scratch', 'ctl_disc.people', 0, '[]');
RESET ROLE;
SELECT max(id) AS before_drop FROM comply.audit_log \gset
ALTER TABLE ctl_disc.people DROP COLUMN scratch;
SELECT count(*) AS findings_of_dropped_column FROM comply.discoveries
 WHERE table_ident = 'ctl_disc.people' AND column_name = 'scratch';
SELECT details ->> 'operation' AS operation, details -> 'primary_key' ->> 'column_name' AS column_name,
       details -> 'changed' -> 'discovered_by' ->> 'old' AS recorded_by
  FROM comply.audit_log WHERE id > :before_drop AND object = 'comply.discoveries';

-- A domain over text or jsonb is sampled as its base type, and its suggested policy is
-- one comply.protect accepts (the domain's constraints then hold on the transformed
-- values: sql/10_protect.sql).
CREATE DOMAIN ctl_disc.note_text AS text;
CREATE DOMAIN ctl_disc.doc AS jsonb CHECK (jsonb_typeof(VALUE) = 'object');
CREATE TABLE ctl_disc.contacts (id int PRIMARY KEY, note ctl_disc.note_text, extra ctl_disc.doc);
INSERT INTO ctl_disc.contacts
SELECT i, 'reach me at user' || i || '@example.com', jsonb_build_object('ssn', '536-22-' || (1000 + i))
  FROM generate_series(1, 100) i;
SELECT column_name, entity, round(share::numeric, 2) AS share, suggested_policy
  FROM comply.discover(table_name => 'ctl_disc.contacts') ORDER BY 1, 2;
SELECT comply.protect('ctl_disc.contacts',
                      (SELECT suggested_policy FROM comply.discover(table_name => 'ctl_disc.contacts') LIMIT 1));
SELECT comply.unprotect('ctl_disc.contacts');

-- An identifier column too short for a pseudonym (35 characters) is suggested a mask,
-- which protect accepts.
CREATE TABLE ctl_disc.short_ids (id int PRIMARY KEY, ssn varchar(11));
INSERT INTO ctl_disc.short_ids SELECT i, '536-22-' || (1000 + i) FROM generate_series(1, 100) i;
SELECT column_name, entity, suggested_policy FROM comply.discover(table_name => 'ctl_disc.short_ids');
SELECT comply.protect('ctl_disc.short_ids',
                      (SELECT suggested_policy FROM comply.discover(table_name => 'ctl_disc.short_ids') LIMIT 1));
SELECT comply.unprotect('ctl_disc.short_ids');

-- A materialized view stores a copy of what its query read: discovery samples it (one
-- not yet populated has nothing to sample) and suggests no policy, since it takes no
-- writes to protect; the requirements matrix reports the copy as a gap, and the data
-- flow, which draws writes, leaves it out.
CREATE MATERIALIZED VIEW ctl_disc.people_copy AS SELECT id, b AS mail, f AS status FROM ctl_disc.people;
CREATE MATERIALIZED VIEW ctl_disc.empty_copy AS SELECT b FROM ctl_disc.people WITH NO DATA;
SELECT table_name, column_name, entity, round(share::numeric, 2) AS share,
       suggested_policy IS NULL AS no_policy
  FROM comply.discover(schema_name => 'ctl_disc')
 WHERE table_name IN ('ctl_disc.people_copy'::regclass, 'ctl_disc.empty_copy'::regclass);
SELECT object, status FROM comply.requirements_matrix()
 WHERE object = 'ctl_disc.people_copy' GROUP BY 1, 2;
SELECT position('people_copy' IN comply.data_flow()) = 0 AS not_in_data_flow;

-- json and arrays of text are sampled too (QA 14: their PII passed unseen, and the matrix
-- said implemented): found, with no rule suggested for them, since comply.protect cannot
-- act on those types; the protected table's matrix shows the gap.
CREATE TABLE ctl_disc.mixed (id int PRIMARY KEY, note text, j json, tags text[], codes varchar(20)[]);
INSERT INTO ctl_disc.mixed SELECT i, 'ok', json_build_object('mail', 'user' || i || '@example.com'),
       ARRAY['vip', 'user' || i || '@example.org'], ARRAY['536-22-' || (1000 + i)]
  FROM generate_series(1, 50) i;
SELECT comply.protect('ctl_disc.mixed', '{"columns": {"note": {"redact": true}}, "regulations": ["GDPR Art. 5(1)(c)"]}') IS NOT NULL AS protected;
SELECT column_name, entity, suggested_policy -> 'columns' AS suggested_columns
  FROM comply.discover(table_name => 'ctl_disc.mixed') ORDER BY 1, 2;
SELECT DISTINCT status FROM comply.requirements_matrix() WHERE object = 'ctl_disc.mixed' AND status LIKE 'gap%';
SELECT comply.unprotect('ctl_disc.mixed') IS NOT NULL AS unprotected;

-- Arguments.
\set VERBOSITY sqlstate
SELECT * FROM comply.discover(0);
SELECT * FROM comply.discover(NULL);  -- 22004, as other NULL arguments
CREATE VIEW ctl_disc.v AS SELECT * FROM ctl_disc.people;
SELECT * FROM comply.discover(table_name => 'ctl_disc.v');
SELECT * FROM comply.discover(schema_name => 'ctl_no_such_schema');
\set VERBOSITY default

-- Types and shapes: a domain over a domain is sampled; a generated column is not (the
-- columns it is computed from are); a plain table is sampled ONLY (an inheritance
-- child, sampled on its own, does not make its clean parent look like PII).
CREATE DOMAIN ctl_disc.mail AS text;
CREATE DOMAIN ctl_disc.mail2 AS ctl_disc.mail;
CREATE TABLE ctl_disc.shapes (id int PRIMARY KEY, m ctl_disc.mail2, first text,
                              g text GENERATED ALWAYS AS (first || '.x@example.org') STORED);
INSERT INTO ctl_disc.shapes (id, m, first) SELECT g, 'maria.garcia@example.org', 'ana' FROM generate_series(1, 20) g;
CREATE TABLE ctl_disc.iparent (id int, v text);
CREATE TABLE ctl_disc.ichild () INHERITS (ctl_disc.iparent);
INSERT INTO ctl_disc.iparent SELECT g, 'nothing to see here' FROM generate_series(1, 20) g;
INSERT INTO ctl_disc.ichild SELECT g, 'maria.garcia@example.org' FROM generate_series(1, 20) g;
SELECT table_name, column_name, entity, round(share::numeric, 2) AS share, suggested_policy
  FROM comply.discover(table_name => 'ctl_disc.shapes')
UNION ALL
SELECT table_name, column_name, entity, round(share::numeric, 2), suggested_policy
  FROM comply.discover(table_name => 'ctl_disc.iparent')
UNION ALL
SELECT table_name, column_name, entity, round(share::numeric, 2), suggested_policy
  FROM comply.discover(table_name => 'ctl_disc.ichild');
-- A protected table's rule is kept only if it covers what was found: "redact": false
-- does not.
CREATE TABLE ctl_disc.ruled (id int PRIMARY KEY, kept text, clear text);
INSERT INTO ctl_disc.ruled SELECT g, 'SSN 536-22-8714', 'SSN 536-22-8714' FROM generate_series(1, 20) g;
SELECT comply.protect('ctl_disc.ruled', '{"columns": {"kept": {"redact": true}, "clear": {"redact": false}}}');
SELECT DISTINCT suggested_policy FROM comply.discover(table_name => 'ctl_disc.ruled');
SELECT count(*) AS suggestion_applied
  FROM (SELECT comply.protect('ctl_disc.ruled', suggested_policy)
          FROM (SELECT DISTINCT suggested_policy FROM comply.discover(table_name => 'ctl_disc.ruled')) s) x;
-- Row-level security filtering the caller's rows: not a sample of the table, skipped.
CREATE TABLE ctl_disc.filtered (id int, owner text, v text);
INSERT INTO ctl_disc.filtered SELECT g, 'someone', 'maria.garcia@example.org' FROM generate_series(1, 20) g;
ALTER TABLE ctl_disc.filtered ENABLE ROW LEVEL SECURITY;
CREATE POLICY own ON ctl_disc.filtered USING (owner = current_user);
GRANT SELECT ON ctl_disc.filtered TO ctl_disc_reader;
SET ROLE ctl_disc_reader;
SELECT count(*) AS findings FROM comply.discover(table_name => 'ctl_disc.filtered');
RESET ROLE;
-- A discovered column renamed: its findings are hidden from readers, no error for them.
SET ROLE ctl_disc_reader;
SELECT count(*) >= 0 AS readable_before FROM comply.discoveries;
RESET ROLE;
ALTER TABLE ctl_disc.shapes RENAME COLUMN m TO m2;
SET ROLE ctl_disc_reader;
SELECT count(*) >= 0 AS readable_after FROM comply.discoveries;
RESET ROLE;
-- A partition of a protected table is weighed against that table's policy.
CREATE TABLE ctl_disc.proot (id int, v text, w text) PARTITION BY LIST (id);
CREATE TABLE ctl_disc.proot_1 PARTITION OF ctl_disc.proot FOR VALUES IN (1);
INSERT INTO ctl_disc.proot SELECT 1, 'SSN 536-22-8714', 'maria.garcia@example.org' FROM generate_series(1, 20);
SELECT count(*) > 0 AS found FROM comply.discover(table_name => 'ctl_disc.proot_1');
SELECT count(*) AS gaps_before FROM comply.requirements_matrix() WHERE object = 'ctl_disc.proot_1';
SELECT comply.protect('ctl_disc.proot', '{"columns": {"v": {"redact": true}}}');
SELECT DISTINCT status FROM comply.requirements_matrix() WHERE object = 'ctl_disc.proot_1';
SELECT comply.protect('ctl_disc.proot', '{"columns": {"v": {"redact": true}, "w": {"redact": true}}}');
SELECT count(*) AS gaps_after FROM comply.requirements_matrix() WHERE object = 'ctl_disc.proot_1';
SELECT comply.unprotect('ctl_disc.proot');
SELECT comply.unprotect('ctl_disc.ruled');
-- Identifiers that need their word nearby are found alone in a column named for them
-- (its name is their context), not in one named otherwise.
CREATE TABLE ctl_disc.eu (id int PRIMARY KEY, customer_nif text, pesel varchar(11), ref text);
INSERT INTO ctl_disc.eu
SELECT i, (ARRAY['73516284G', '48029317G'])[1 + i % 2], '87120347853', '73516284G' FROM generate_series(1, 50) i;
SELECT column_name, entity, share, suggested_policy -> 'columns' -> column_name AS rule
  FROM comply.discover(table_name => 'ctl_disc.eu') ORDER BY 1, 2;

-- A large document is read in one pass, its first 1,000 strings a sample: an array of
-- 200,000 (jsonb_path_query's '$.**', which discovery used, took seconds, and 68 for a
-- million), its SSNs found in the share of the rows.
CREATE TABLE ctl_disc.big_doc (id int PRIMARY KEY, doc jsonb);
INSERT INTO ctl_disc.big_doc SELECT 1, jsonb_agg('visit ' || i || ', SSN 536-22-8714') FROM generate_series(1, 200000) i;
INSERT INTO ctl_disc.big_doc VALUES (2, '"no identifier here"'), (3, '{"a": [1, {"b": "SSN 536-22-8714"}], "c": null}');
SELECT column_name, entity, share, sample_size FROM comply.discover(table_name => 'ctl_disc.big_doc') ORDER BY 1, 2;
SELECT count(*) AS strings, min(v) AS first FROM comply._jsonb_strings('{"k": "a", "l": ["b", 1, {"m": "c"}], "n": "d"}', 1000) v;
SELECT array_agg(v) AS first_two FROM comply._jsonb_strings('{"k": "a", "l": ["b", 1, {"m": "c"}], "n": "d"}', 2) v;

DROP SCHEMA ctl_disc CASCADE;
DROP ROLE ctl_disc_reader;
-- Findings of dropped tables go with them.
SELECT count(*) AS findings_left FROM comply.discoveries d WHERE d.table_ident LIKE 'ctl_disc.%';
