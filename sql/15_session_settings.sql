-- pg_comply's SQL answers alike whatever the session's settings: legacy string escapes
-- (standard_conforming_strings = off, where a backslash in a plain literal is an
-- escape), date, interval and float output styles, a far time zone, bytea output,
-- quote_all_identifiers, and a search_path with a schema of the caller's first. Each
-- answer is taken with the defaults, then again with the other settings, and compared;
-- so are the ledger entries of a write to a protected table.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pg_comply;
RESET client_min_messages;
CREATE SCHEMA settings_probe;
CREATE TABLE settings_probe.notes (id int PRIMARY KEY, note text);
SELECT comply.protect('settings_probe.notes', '{"columns": {"note": {"redact": true}},
                                                 "regulations": ["HIPAA \u00a7164.312(b)"], "workflow_step": "intake"}');
CREATE FUNCTION settings_probe.answers() RETURNS TABLE(what text, answer text)
  LANGUAGE sql AS $$
  SELECT 'data_flow mermaid', md5(comply.data_flow())
  UNION ALL SELECT 'data_flow dot', md5(comply.data_flow('dot'))
  UNION ALL SELECT 'requirements_matrix', md5(string_agg(m::text, ',' ORDER BY m::text))
              FROM comply.requirements_matrix() m
  UNION ALL SELECT 'check_server', string_agg(check_name || '=' || status, ',' ORDER BY check_name)
              FROM comply.check_server()
  UNION ALL SELECT 'run_controls', md5(string_agg(r::text, ',' ORDER BY r::text))
              FROM (SELECT control_id, status FROM comply.run_controls()) r
  UNION ALL SELECT 'redact', comply.redact('SSN 536-22-8714, mail wei.zhang@example.org, born 1984-03-05')
  UNION ALL SELECT 'validate', comply.validate('{"d": "2024-02-29", "t": "12:00:00Z"}'::jsonb,
              '{"properties": {"d": {"format": "date"}, "t": {"format": "time"}}}'::jsonb,
              '{"format": "assert"}')::text
$$;
CREATE TABLE settings_probe.baseline AS SELECT * FROM settings_probe.answers();
INSERT INTO settings_probe.notes VALUES (1, 'SSN 536-22-8714');
SELECT what FROM settings_probe.baseline ORDER BY 1;
SET standard_conforming_strings = off;
SET DateStyle = 'SQL, DMY';
SET IntervalStyle = 'sql_standard';
SET extra_float_digits = -15;
SET TimeZone = 'Pacific/Chatham';
SET bytea_output = 'escape';
SET quote_all_identifiers = on;
SET search_path = settings_probe, public;
-- No row: every answer is the same (and no WARNING about escapes in pg_comply's SQL).
SELECT a.what, a.answer AS now, b.answer AS with_defaults
  FROM settings_probe.answers() a JOIN settings_probe.baseline b USING (what)
 WHERE a.answer IS DISTINCT FROM b.answer;
RESET ALL;
-- A new session whose first write to the table (which caches its policy) quotes every
-- identifier, then one that does not: the same object for the three writes.
\c
SET quote_all_identifiers = on;
INSERT INTO settings_probe.notes VALUES (2, 'SSN 536-22-8714');
RESET quote_all_identifiers;
INSERT INTO settings_probe.notes VALUES (3, 'SSN 536-22-8714');
SELECT action, object, details -> 'primary_key' AS pk FROM comply.audit_log
 WHERE object IN ('settings_probe.notes', '"settings_probe"."notes"') AND action IN ('protect', 'INSERT') ORDER BY id;
SELECT id, note FROM settings_probe.notes ORDER BY id;
-- A session whose first check_server runs with legacy escapes still reads its patterns
-- (a role's sample rate of 1 is found).
CREATE ROLE settings_sampled;
ALTER ROLE settings_sampled SET log_transaction_sample_rate = 1;
\c
SET client_min_messages = error;
SET standard_conforming_strings = off;
SELECT status FROM comply.check_server() WHERE check_name = 'statement_logging';
RESET standard_conforming_strings;
RESET client_min_messages;
DROP ROLE settings_sampled;
-- Keys of float and bytea columns name their rows alike whatever extra_float_digits and
-- bytea_output (1.2345678 was written 1 with extra_float_digits -15, naming another row).
CREATE TABLE settings_probe.by_float (id float8 PRIMARY KEY, note text);
CREATE TABLE settings_probe.by_bytes (id bytea PRIMARY KEY, note text);
SELECT comply.protect('settings_probe.by_float', '{"columns": {"note": {"redact": true}}}');
SELECT comply.protect('settings_probe.by_bytes', '{"columns": {"note": {"redact": true}}}');
SET extra_float_digits = -15;
SET bytea_output = 'escape';
INSERT INTO settings_probe.by_float VALUES (1.2345678, 'x');
INSERT INTO settings_probe.by_bytes VALUES ('abc', 'x');
RESET extra_float_digits;
RESET bytea_output;
INSERT INTO settings_probe.by_float VALUES (1, 'x');
SELECT object, details -> 'primary_key' AS pk FROM comply.audit_log
 WHERE object IN ('settings_probe.by_float', 'settings_probe.by_bytes') AND action = 'INSERT' ORDER BY id;
SELECT comply.unprotect('settings_probe.by_float');
SELECT comply.unprotect('settings_probe.by_bytes');
SELECT comply.unprotect('settings_probe.notes');
DROP SCHEMA settings_probe CASCADE;
