-- Custom recognizers: rows of comply.recognizers, checked on insert, effective in every
-- session without reconnecting.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pg_comply;
CREATE EXTENSION IF NOT EXISTS dblink;
RESET client_min_messages;

-- A second session, kept open across the changes below.
SELECT dblink_connect('other', format('dbname=%s port=%s host=%s', current_database(),
       current_setting('port'), split_part(current_setting('unix_socket_directories'), ',', 1)));
SELECT * FROM dblink('other', $$SELECT count(*) FROM comply.detect('member MRN-0012345')$$) AS t(n bigint);

INSERT INTO comply.recognizers (entity, pattern, score, context, description)
VALUES ('MEDICAL_RECORD_NUMBER', '\bMRN-\d{7}\b', 0.4, '{member,mrn,record}', 'hospital MRN');
SELECT entity, start_pos, length, score FROM comply.detect('member MRN-0012345');
SELECT entity, start_pos, length, score FROM comply.detect('code MRN-0012345');
SELECT * FROM dblink('other', $$SELECT entity, score FROM comply.detect('member MRN-0012345')$$) AS t(entity text, score float8);
SELECT comply.redact('member MRN-0012345 and SSN 536-22-8714');
SELECT 'MEDICAL_RECORD_NUMBER' IN (SELECT comply.entities()) AS listed;
SELECT * FROM comply.detect('member MRN-0012345', 0.5, ARRAY['MEDICAL_RECORD_NUMBER']);

-- A capturing group narrows the span.
INSERT INTO comply.recognizers (entity, pattern, score)
VALUES ('EMPLOYEE_ID', 'employee id:? (E\d{6})', 0.8);
SELECT entity, start_pos, length FROM comply.detect('employee id: E123456 badge');

-- A custom pattern runs over the text as given and as the built-ins read it (non-ASCII
-- separators and digits as ASCII ones): one that spells a no-break space matches it,
-- one written with ASCII finds the copied form with a non-breaking hyphen.
INSERT INTO comply.recognizers (entity, pattern, score)
VALUES ('LOCKER', 'KV\x{00A0}\d{4}', 0.8), ('BADGE', '\bBDG-\d{5}\b', 0.8);
SELECT entity, start_pos, length FROM comply.detect(E'locker KV\u00a01234, badge BDG\u201112345') ORDER BY start_pos;
DELETE FROM comply.recognizers WHERE entity IN ('LOCKER', 'BADGE');

-- Disabled and deleted recognizers stop at once, here and in the other session.
UPDATE comply.recognizers SET enabled = false WHERE entity = 'MEDICAL_RECORD_NUMBER';
SELECT count(*) FROM comply.detect('member MRN-0012345');
SELECT * FROM dblink('other', $$SELECT count(*) FROM comply.detect('member MRN-0012345')$$) AS t(n bigint);
DELETE FROM comply.recognizers;
SELECT count(*) FROM comply.detect('employee id: E123456');
SELECT * FROM dblink('other', $$SELECT count(*) FROM comply.detect('employee id: E123456')$$) AS t(n bigint);

-- Within a transaction the change is visible at once, and a rollback undoes it.
BEGIN;
INSERT INTO comply.recognizers (entity, pattern, score) VALUES ('TICKET', '\bTCK\d{5}\b', 0.9);
SELECT entity FROM comply.detect('see TCK12345');
ROLLBACK;
SELECT count(*) FROM comply.detect('see TCK12345');

-- Bad rows are refused: RE2's message for bad patterns (the part of the pattern it names
-- by its length only: a recognizer may be a list of people's names, and the message
-- reaches the server log), constraints for the rest.
INSERT INTO comply.recognizers (entity, pattern) VALUES ('BAD', '(unclosed');
INSERT INTO comply.recognizers (entity, pattern) VALUES ('BAD', '(\d)\1');
INSERT INTO comply.recognizers (entity, pattern) VALUES ('BAD', '(?<=x)y');
INSERT INTO comply.recognizers (entity, pattern) VALUES ('BAD', 'XM\C');
INSERT INTO comply.recognizers (entity, pattern) VALUES ('BAD', '(?i)(john smith|jane doe');
-- A long pattern: it went whole into the message and the server log.
INSERT INTO comply.recognizers (entity, pattern) VALUES ('BAD', '(' || repeat('a', 60000));
-- The table's other rules are checked by a trigger before its constraints, whose DETAIL
-- would quote the whole row, pattern and description (a deny-list of names) included.
INSERT INTO comply.recognizers (entity, pattern) VALUES ('lower_case', '\b(Okonkwo|Wilhelmina)\b');
INSERT INTO comply.recognizers (entity, pattern, score, description)
VALUES ('SCORE', '\b(Okonkwo|Wilhelmina)\b', 1.5, 'Wilhelmina Okonkwo');
INSERT INTO comply.recognizers (entity, pattern, score) VALUES ('SCORE', '\b(Okonkwo|Wilhelmina)\b', 'NaN');
INSERT INTO comply.recognizers (entity, pattern, score) VALUES ('SCORE', '\b(Okonkwo|Wilhelmina)\b', NULL);
INSERT INTO comply.recognizers (entity, pattern) VALUES ('Wilhelmina Okonkwo', 'x');
-- Options of the operators, which are keyed by entity name.
INSERT INTO comply.recognizers (entity, pattern) VALUES ('DEFAULT', 'x');
-- A pattern is parsed outside PostgreSQL's memory, without a cancel: bounded.
INSERT INTO comply.recognizers (entity, pattern) VALUES ('LONG', repeat('(a|b)', 20000));
INSERT INTO comply.recognizers (entity, pattern, context) VALUES (NULL, 'Okonkwo', NULL);
\set VERBOSITY sqlstate
INSERT INTO comply.recognizers (entity, pattern) VALUES ('lower_case', 'x');
INSERT INTO comply.recognizers (entity, pattern, score) VALUES ('SCORE', 'x', 1.5);
INSERT INTO comply.recognizers (entity, pattern) VALUES (NULL, 'x');
\set VERBOSITY default
\set VERBOSITY sqlstate
INSERT INTO comply.recognizers (entity, pattern) VALUES ('BAD', '(unclosed');
\set VERBOSITY default
SELECT count(*) FROM comply.recognizers;

-- The table is kept by pg_dump (extension configuration).
SELECT unnest(extconfig)::regclass FROM pg_extension WHERE extname = 'pg_comply';

SELECT dblink_disconnect('other');

-- An ordinary role, in a fresh session, can detect and redact with every recognizer,
-- custom ones included, but neither read nor change them: a custom recognizer may be a
-- deny-list of known people's names (the detector reads the table as the extension's
-- owner, and the role is itself again afterwards).
SELECT current_user AS original_user \gset
INSERT INTO comply.recognizers (entity, pattern, score, description)
VALUES ('WATCHLIST', '\b(Okonkwo|Wilhelmina)\b', 0.9, 'people who asked not to be contacted');
CREATE ROLE comply_regress_reader LOGIN;
\c - comply_regress_reader
SELECT comply.redact('ssn 536-22-8714, from Wilhelmina Okonkwo');
SELECT entity, start_pos, length FROM comply.detect('ssn 536-22-8714, from Wilhelmina Okonkwo');
SELECT comply.redact('{"from": "Okonkwo"}'::jsonb);
SELECT 'WATCHLIST' IN (SELECT comply.entities()) AS custom_entity_listed;
SELECT current_user = 'comply_regress_reader' AS still_the_reader;
SELECT * FROM comply.recognizers;
SELECT pattern FROM comply.recognizers;
INSERT INTO comply.recognizers (entity, pattern) VALUES ('X', 'x');
-- The owner changes a recognizer: the role uses the new pattern, still unable to read it.
\c - :original_user
UPDATE comply.recognizers SET pattern = '\b(Okonkwo)\b' WHERE entity = 'WATCHLIST';
\c - comply_regress_reader
SELECT comply.redact('Wilhelmina Okonkwo');
SELECT * FROM comply.recognizers;
\c - :original_user
DELETE FROM comply.recognizers WHERE entity = 'WATCHLIST';
SELECT has_table_privilege('public', 'comply.recognizers', 'SELECT') AS public_may_read;
DROP ROLE comply_regress_reader;

-- pg_comply is preloaded here, so the postmaster built the detector when it started:
-- a fresh session uses it (nothing to compile), with custom recognizers it compiles
-- only those, and uses the shared one alone again when they go.
\c
SET client_min_messages = debug1;
SELECT comply.redact('SSN 536-22-8714');
RESET client_min_messages;
INSERT INTO comply.recognizers (entity, pattern, score) VALUES ('TICKET', '\bTCK\d{5}\b', 0.9);
SET client_min_messages = debug1;
SELECT comply.redact('see TCK12345, SSN 536-22-8714');
RESET client_min_messages;
DELETE FROM comply.recognizers;
SET client_min_messages = debug1;
SELECT comply.redact('see TCK12345, SSN 536-22-8714');
RESET client_min_messages;
-- These lines hide their context from the server log: the first detection of a session
-- inside a statement (a DO block's, a COPY's) quoted the statement, literals and all
-- (test/check_log_pii.sh scans the log for this SSN).
\c
SET log_min_messages = debug1;
DO $$ BEGIN PERFORM comply.redact('SSN 536-22-8714'); END $$;
RESET log_min_messages;
