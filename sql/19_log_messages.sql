-- PostgreSQL's own errors in a transaction that wrote to a protected table, and in a
-- COPY into one from its first line on: the values the client sent stay out of the
-- message, the detail and the context (the client sees the same) and the statement out
-- of the server log (test/check_log_pii.sh scans it). An input value a column's type
-- refuses reads "..." where the message quotes it; COPY, JSON and PL/pgSQL contexts keep
-- their line and column, not the data. In English and as lc_messages translates the
-- messages (German here; scripts/setup.sh makes the de_DE.UTF-8 locale).
SET client_min_messages = warning;
CREATE SCHEMA logmsg;
CREATE TABLE logmsg.intake (id int PRIMARY KEY, note text, visits int, doc jsonb);
SELECT comply.protect('logmsg.intake', '{"columns": {"note": {"redact": true}}}') IS NOT NULL AS protected;
RESET client_min_messages;
SET log_min_error_statement = error;

-- A COPY's first line, before any row was written: a column shifted by one puts an SSN
-- where a number goes, or a document that is not JSON.
COPY logmsg.intake FROM stdin;
1	Patient Ellen Brooks	536-22-8714	\N
\.
COPY logmsg.intake FROM stdin;
1	Patient Ellen Brooks	2	{"ssn": "536-22-8714", "mail": ellen.brooks@example.org}
\.
-- After a protected write in the transaction: any statement's refused input.
BEGIN;
INSERT INTO logmsg.intake VALUES (1, 'Patient Ellen Brooks, SSN 536-22-8714', 1, NULL);
SELECT 'ellen.brooks@example.org'::int;
ROLLBACK;
-- A COPY's duplicate key on its second line, and an EXECUTE's literals.
COPY logmsg.intake FROM stdin;
2	Patient Ellen Brooks	1	\N
2	mail ellen.brooks@example.org	1	\N
\.
DO $$ BEGIN
  INSERT INTO logmsg.intake VALUES (3, 'a', 1, NULL);
  EXECUTE 'INSERT INTO logmsg.intake VALUES (3, ''ellen.brooks@example.org'', 1, NULL)';
END $$;
-- A value holding quotation marks itself (an array or record literal) is masked whole,
-- a short one as "..." too (not its length in dots), and a JSON detail keeps the
-- grammar's own quoted tokens (QA 14).
BEGIN;
INSERT INTO logmsg.intake VALUES (1, 'a', 1, NULL);
SELECT '{"Patient Ellen Brooks","536-22-8714"}x'::text[];
ROLLBACK;
BEGIN;
INSERT INTO logmsg.intake VALUES (1, 'a', 1, NULL);
SELECT 'x "536-22-8714" y'::int;
ROLLBACK;
BEGIN;
INSERT INTO logmsg.intake VALUES (1, 'a', 1, NULL);
SELECT 'x'::int;
ROLLBACK;
BEGIN;
INSERT INTO logmsg.intake VALUES (1, 'a', 1, NULL);
SELECT '{"ssn": 536-22-8714}'::jsonb;
ROLLBACK;
BEGIN;
INSERT INTO logmsg.intake VALUES (1, 'a', 1, NULL);
SELECT '{"a" "ellen.brooks@example.org"}'::jsonb;
ROLLBACK;
-- An EXECUTE's statement that fails to run ("QUERY:", the client's "LINE 1:") is left
-- out, as its context is: it holds the literals.
DO $$ DECLARE v text := 'ellen.brooks@example.org'; BEGIN
  INSERT INTO logmsg.intake VALUES (3, 'a', 1, NULL);
  EXECUTE format('SELECT %L::int', v);
END $$;
DO $$ DECLARE v text := 'ellen.brooks@example.org'; BEGIN
  INSERT INTO logmsg.intake VALUES (3, 'a', 1, NULL);
  EXECUTE format('SELECT 1 FROM logmsg.intake WHERE note = %L AND nocolumn = 1', v);
END $$;

-- The same in German: the translated contexts ("COPY intake, Zeile 1, Spalte visits",
-- "SQL-Anweisung") and quotation marks.
SET lc_messages = 'de_DE.UTF-8';
COPY logmsg.intake FROM stdin;
1	Patient Ellen Brooks	536-22-8714	\N
\.
COPY logmsg.intake FROM stdin;
1	Patient Ellen Brooks	2	{"ssn": "536-22-8714", "mail": ellen.brooks@example.org}
\.
BEGIN;
INSERT INTO logmsg.intake VALUES (1, 'Patient Ellen Brooks, SSN 536-22-8714', 1, NULL);
SELECT 'ellen.brooks@example.org'::int;
ROLLBACK;
BEGIN;
INSERT INTO logmsg.intake VALUES (1, 'a', 1, NULL);
SELECT '{"Patient Ellen Brooks","536-22-8714"}x'::text[];
ROLLBACK;
BEGIN;
INSERT INTO logmsg.intake VALUES (1, 'a', 1, NULL);
SELECT '{"a" "ellen.brooks@example.org"}'::jsonb;
ROLLBACK;
COPY logmsg.intake FROM stdin;
4	Patient Ellen Brooks	1	\N
4	mail ellen.brooks@example.org	1	\N
\.
DO $$ BEGIN
  INSERT INTO logmsg.intake VALUES (5, 'a', 1, NULL);
  EXECUTE 'INSERT INTO logmsg.intake VALUES (5, ''ellen.brooks@example.org'', 1, NULL)';
END $$;
RESET lc_messages;

-- Below errors too: a warning raised while a COPY line is written (here by a trigger of
-- the table's owner; log_lock_waits and auto_explain write such lines at LOG) keeps the
-- line and the function, not the data.
CREATE FUNCTION logmsg.warn() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE WARNING 'row % checked', NEW.id;
  RETURN NEW;
END $$;
CREATE TRIGGER warn BEFORE INSERT ON logmsg.intake FOR EACH ROW EXECUTE FUNCTION logmsg.warn();
\set SHOW_CONTEXT always
BEGIN;
COPY logmsg.intake FROM stdin;
6	Patient Ellen Brooks, SSN 536-22-8714	1	\N
\.
ROLLBACK;
\set SHOW_CONTEXT errors
DROP TRIGGER warn ON logmsg.intake;

-- A statement that wrote to a protected table reads as a placeholder in pg_stat_activity
-- (what monitoring tools keep) and so in the postmaster's "Failed process was running"
-- line should its backend crash: its text holds the values.
DO $$
DECLARE
  q text;
BEGIN
  INSERT INTO logmsg.intake VALUES (7, 'mail ellen.brooks@example.org', 1, NULL);
  PERFORM pg_stat_clear_snapshot();
  SELECT query INTO q FROM pg_stat_activity WHERE pid = pg_backend_pid();
  RAISE NOTICE 'activity: %', q;
  RAISE EXCEPTION USING ERRCODE = 'P0004', MESSAGE = 'rolled back';
EXCEPTION WHEN assert_failure THEN NULL;
END $$;
SELECT query LIKE 'SELECT query%' AS next_statement_shown FROM pg_stat_activity WHERE pid = pg_backend_pid();

-- A table that is not protected keeps PostgreSQL's messages (the value of a refused
-- input is the client's to see), here with a value that is not personal data.
CREATE TABLE logmsg.plain (id int);
COPY logmsg.plain FROM stdin;
twelve
\.
RESET log_min_error_statement;

-- Every statement above failed: nothing was stored.
SELECT count(*) FROM logmsg.intake;
SET client_min_messages = warning;
SELECT comply.unprotect('logmsg.intake') IS NOT NULL AS unprotected;
DROP SCHEMA logmsg CASCADE;
RESET client_min_messages;
