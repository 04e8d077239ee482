-- comply.redact on text: every operator, per-entity configuration, keyed pseudonyms,
-- NULLs and errors.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pg_comply;
RESET client_min_messages;

\set note 'Patient Maria Garcia (DOB 1984-03-05), SSN 536-22-8714, card 4111 1111 1111 1111, reached at (415) 555-2671 or maria.garcia@example.org.'

-- Default: every entity replaced by its label.
SELECT comply.redact(:'note');

-- Per-entity operators with a default.
SELECT comply.redact(:'note', '{"US_SSN": {"op": "mask", "keep_last": 4},
                                "CREDIT_CARD": {"op": "mask", "keep_last": 4, "mask_char": "#"},
                                "EMAIL_ADDRESS": {"op": "remove"},
                                "DATE_TIME": {"op": "keep"},
                                "PERSON": {"op": "label", "label": "<name>"},
                                "default": {"op": "label"}}');
-- Entity keys are case-insensitive; the default applies to the rest.
SELECT comply.redact(:'note', '{"us_ssn": {"op": "label", "label": "***"}, "default": {"op": "keep"}}');
-- mask with a multi-byte mask character and keep_last 0; masks count characters.
SELECT comply.redact('ssn 536-22-8714', '{"default": {"op": "mask", "keep_last": 0, "mask_char": "•"}}');
-- A mask never keeps more than half the characters, whatever keep_last says.
SELECT comply.redact('ssn 536-22-8714', '{"default": {"op": "mask", "keep_last": 40}}');
-- Operators for an entity no recognizer produces are refused (a misspelt entity would
-- leave its values to the default operator without a word).
SELECT comply.redact('card 4111 1111 1111 1111', '{"CREDIT_CRAD": {"op": "mask", "keep_last": 4}}');

-- min_score: 0.99 keeps only validated findings.
SELECT comply.redact(:'note', NULL, 0.99);

-- hash: a deterministic pseudonym keyed by comply.hmac_key_file.
\set VERBOSITY sqlstate
SELECT comply.redact('ssn 536-22-8714', '{"default": {"op": "hash"}}');
SELECT comply.pseudonymize('536-22-8714');
\set VERBOSITY default
SELECT comply.pseudonymize('536-22-8714');
-- scripts/test.sh puts a 0600 key file in the test cluster's data directory.
SELECT current_setting('data_directory') || '/comply_test_hmac.key' AS keyfile,
       current_setting('data_directory') || '/comply_regress_open.key' AS openkeyfile \gset
SET comply.hmac_key_file = :'keyfile';
SELECT comply.redact('ssn 536-22-8714 and again 536-22-8714', '{"US_SSN": {"op": "hash"}}');
SELECT comply.pseudonymize('536-22-8714') = comply.redact('536-22-8714', '{"default": {"op": "hash"}}') AS same_token;
SELECT comply.pseudonymize('536-22-8714') <> comply.pseudonymize('536-22-8715') AS different_values_differ;
-- Joins still work on pseudonyms.
CREATE TEMP TABLE a AS SELECT comply.pseudonymize(v) AS p FROM (VALUES ('536-22-8714'), ('212-55-1234')) t(v);
CREATE TEMP TABLE b AS SELECT comply.redact(v, '{"default": {"op": "hash"}}') AS p FROM (VALUES ('536-22-8714')) t(v);
SELECT count(*) AS joined FROM a JOIN b USING (p);
-- Computing pseudonyms is a privilege, not PUBLIC's: whoever may can reverse those of
-- values few enough to try. The hash operator asks for it too; labels and masks do not.
CREATE ROLE no_pseudonyms;
SET ROLE no_pseudonyms;
\set VERBOSITY sqlstate
SELECT comply.pseudonymize('536-22-8714');
SELECT comply.redact('ssn 536-22-8714', '{"default": {"op": "hash"}}');
SELECT comply.redact('{"ssn": "536-22-8714"}'::jsonb, '{"default": {"op": "hash"}}', ARRAY['ssn']);
\set VERBOSITY default
SELECT comply.redact('ssn 536-22-8714') AS labels_for_everyone;
RESET ROLE;
GRANT EXECUTE ON FUNCTION comply.pseudonymize(text) TO no_pseudonyms;
SET ROLE no_pseudonyms;
SELECT comply.redact('536-22-8714', '{"default": {"op": "hash"}}') = comply.pseudonymize('536-22-8714') AS granted;
RESET ROLE;
REVOKE EXECUTE ON FUNCTION comply.pseudonymize(text) FROM no_pseudonyms;
DROP ROLE no_pseudonyms;
-- A key file that others can read is refused (COPY writes files with mode 0644), and
-- so is a missing one; the error names the setting (hidden from ordinary roles, who may
-- meet it), never the file's path or content.
COPY (SELECT 'regression-test-key-0123456789abcdef') TO :'openkeyfile';
SET comply.hmac_key_file = :'openkeyfile';
\set VERBOSITY sqlstate
SELECT comply.pseudonymize('x');
\set VERBOSITY default
SET comply.hmac_key_file = 'no_such_file.key';
SELECT comply.pseudonymize('x');
RESET comply.hmac_key_file;
-- Only superusers see or set the key file setting.
SELECT count(*) FROM pg_settings WHERE name = 'comply.hmac_key_file';
CREATE ROLE comply_regress_user;
SET ROLE comply_regress_user;
SET comply.hmac_key_file = 'any.key';
SHOW comply.hmac_key_file;
SELECT comply.redact('mail a@example.com');
RESET ROLE;
DROP ROLE comply_regress_user;

-- NULLs: NULL input gives NULL; NULL operators mean the defaults.
SELECT comply.redact(NULL::text) IS NULL AS null_in_null_out;
SELECT comply.redact('ssn 536-22-8714', NULL);
SELECT comply.redact('');

-- Invalid operators name the bad key, never a value.
SELECT comply.redact('x', '{"US_SSN": {"op": "mask", "keep_lst": 4}}');
SELECT comply.redact('x', '{"US_SSN": {"op": "shred"}}');
SELECT comply.redact('x', '{"US_SSN": {"op": "mask", "keep_last": -1}}');
SELECT comply.redact('x', '{"US_SSN": {"op": "mask", "mask_char": "ab"}}');
SELECT comply.redact('SSN 536-22-8714', '{"US_SSN": {"op": "mask", "mask_char": "\u3164"}}');
-- One operator an entity: names ignore case, and both spellings were kept (the lower-case
-- one won, a keep over a label).
SELECT comply.redact('SSN 536-22-8714', '{"US_SSN": {"op": "label", "label": "x"}, "us_ssn": {"op": "keep"}}');
SELECT comply.redact('x', '{"US_SSN": "label"}');
SELECT comply.redact('x', '{"US_SSN": {}}');
SELECT comply.redact('x', '["label"]');
SELECT comply.redact('x', '{"default": {"op": "label", "keep_last": 2}}');
-- Operators nested deeper than 512 levels are refused (54000, naming the argument)
-- before they are read: read whole, 100,000 levels (made by a loop of
-- jsonb_build_array) crashed the server.
SELECT comply.redact('x', (repeat('[', 600) || repeat(']', 600))::jsonb);
SELECT comply.redact('{"a": 1}'::jsonb, ('{"default": ' || repeat('[', 600) || repeat(']', 600) || '}')::jsonb);
\set VERBOSITY sqlstate
SELECT comply.redact('x', (repeat('[', 600) || repeat(']', 600))::jsonb);
\set VERBOSITY default
-- 501 levels are read (and refused for what they say, not for their depth).
SELECT comply.redact('ssn 536-22-8714', ('{"x": ' || repeat('[', 500) || repeat(']', 500) || '}')::jsonb);
-- A key or an option that is not a name may be data: shown by its length only.
SELECT comply.redact('x', '{"536-22-8714": {"op": "mask", "keep_last": -1}}');
SELECT comply.redact('x', '{"maria.garcia@example.org": {"op": "bogus"}}');
SELECT comply.redact('x', '{"US_SSN": {"op": "mask", "536-22-8714": 1}}');
SELECT comply.redact('x', '{"GB82WEST12345698765432": {"op": "bogus"}}');
SELECT comply.redact('{}'::jsonb, '{"maria.garcia@example.org": 5}', ARRAY['x']);
-- A label is at most 1 KiB (so that what a redaction builds stays bounded).
SELECT comply.redact('x', jsonb_build_object('default', jsonb_build_object('op', 'label', 'label', repeat('X', 1025))));
SELECT length(comply.redact('SSN 536-22-8714', jsonb_build_object('default', jsonb_build_object('op', 'label', 'label', repeat('X', 1024))))) AS longest_label;
\set VERBOSITY sqlstate
SELECT comply.redact('x', '{"US_SSN": {"op": "shred"}}');
SELECT comply.redact('ssn 536-22-8714', NULL, 2);
SELECT comply.redact('ssn 536-22-8714', NULL::jsonb, NULL::float8);
\set VERBOSITY default
-- An error about a text with PII does not show the text.
SELECT comply.redact('Patient Maria Garcia, SSN 536-22-8714', '{"US_SSN": {"op": "mask", "keep_lst": 4}}');

-- Size limit.
SET comply.max_input_bytes = '1kB';
SELECT comply.redact(repeat('x', 2000));
RESET comply.max_input_bytes;

-- Many rows: redaction is per row and stable.
SELECT count(*) AS rows, count(DISTINCT r) AS distinct_outputs
  FROM (SELECT comply.redact('ssn 536-22-8714 row ' || g) AS r FROM generate_series(1, 1000) g) s
 WHERE r LIKE 'ssn [US_SSN] row %';

-- Separators and digits that are not ASCII (copied from a document, or put there to slip
-- past a filter): no-break and thin spaces, non-breaking hyphens, zero-width spaces,
-- fullwidth digits. Read as their ASCII counterparts; the whole span is replaced.
SELECT comply.redact(E'card 4111\u00a01111\u00a01111\u00a01111 and 5500\u200b0055\u200b5555\u200b5559, ' ||
                     E'SSN 536\u201122\u20118714 or \uff15\uff13\uff16-\uff12\uff12-\uff18\uff17\uff11\uff14, ' ||
                     E'call 415\u2009555\u20092671, Dr. Maria\u00a0Garcia') AS redacted;
-- A fullwidth or small at sign and a fullwidth full stop read as '@' and '.'; an
-- ideographic full stop as '.' only between ASCII letters or digits (a domain's dot), not
-- where it ends a sentence.
SELECT comply.redact(E'mail john\uff20example.com, jo\ufe6bmail\uff0eexample\uff0eorg, ' ||
                     E'ann@example\u3002com\u3002 \u4eca\u65e5\u3002') AS redacted;
-- Text written in fullwidth forms (U+FF01..U+FF5E: letters, digits, punctuation) reads
-- as the ASCII it stands for, as NFKC reads it; an em dash between digits (a word
-- processor's) as '-', not where it joins words; Japanese prose in fullwidth forms with
-- nothing of an identifier's shape stays as it is.
SELECT comply.redact(E'\uff4a\uff4f\uff48\uff4e\uff20\uff45\uff58\uff41\uff4d\uff50\uff4c\uff45\uff0e\uff43\uff4f\uff4d, ' ||
                     E'\uff33\uff33\uff2e \uff15\uff13\uff16\uff0d\uff12\uff12\uff0d\uff18\uff17\uff11\uff14, ' ||
                     E'\uff2d\uff52\uff0e \uff33\uff4d\uff49\uff54\uff48, SSN 536\u201422\u20148714, ' ||
                     E'us\u2014ann@example.com') AS redacted;
SELECT comply.redact(E'\uff2a\uff32\u6771\u65e5\u672c\u306e\u65b0\u5e79\u7dda\u306f\uff11\uff10\u6642\uff13\uff10\u5206' ||
                     E'\u767a\uff08\uff2e\uff28\uff2b\uff09\u3002\u4fa1\u683c\uff11\uff0c\uff12\uff13\uff14\u5186\uff01') AS redacted;
-- Decimal digits of other scripts (Arabic-Indic, Extended Arabic-Indic, Devanagari,
-- Bengali) read as ASCII digits; a price and a quantity in Arabic-Indic digits stay.
SELECT comply.redact(E'SSN \u0665\u0663\u0666-\u0662\u0662-\u0661\u0662\u0663\u0664, ' ||
                     E'SSN \u06f5\u06f3\u06f6-\u06f2\u06f2-\u06f8\u06f7\u06f1\u06f4, ' ||
                     E'SSN \u096b\u0969\u096c-\u0968\u0968-\u096e\u096d\u0967\u096a, ' ||
                     E'card \u09ea\u09e7\u09e7\u09e7 \u09e7\u09e7\u09e7\u09e7 \u09e7\u09e7\u09e7\u09e7 \u09e7\u09e7\u09e7\u09e7; ' ||
                     E'\u0627\u0644\u0633\u0639\u0631 \u0662\u0665\u060c \u0627\u0644\u0643\u0645\u064a\u0629 \u0661\u0662\u0660') AS redacted;
SELECT comply.redact(E'SSN \u0665\u0663\u0666-\u0662\u0662-\u0661\u0662\u0663\u0664',
                     '{"US_SSN": {"op": "mask", "keep_last": 4}}') AS masked;
-- Combining marks after digits and separators are skipped, and those after a finding's
-- last digit are replaced with it; an accented letter is as it was.
SELECT comply.redact(E'ssn 5\u03013\u03016-22-1234, SSN 536-22-871\u03014\u0301 ok, ' ||
                     E'Dr. Pe\u0301rez') AS redacted;

-- National identifiers of European countries (GDPR), each confirmed by its checksum or
-- structure, in the country's language; a date with a month name of those languages.
SELECT comply.redact(t) AS redacted
  FROM (VALUES ('Mi DNI es 73516284G, NIE X3851726P.'),
               ('Il mio codice fiscale è BNCLRA91E52H501U.'),
               ('Numer PESEL: 87120347853'),
               ('Henkilötunnus: 150387-472S'),
               ('Her NI number is AB 12 34 56 C.'),
               ('Steuerliche Identifikationsnummer: 47815293646, geboren am 3. März 1984'),
               ('Numéro de sécurité sociale : 1 87 06 75 123 045 14, né le 12 janvier 1985')) v(t);
-- A wrong check character or digit is not an identifier; nine digits in English stay an
-- SSN (a Dutch BSN needs its own word).
SELECT comply.redact('DNI 73516284H, PESEL 87120347854, Steuer-ID 47815293647, SSN 536-22-8714') AS redacted;
SELECT entity FROM comply.detect('SSN 536228714') ORDER BY 1;
-- The name a value is stored under is its context: a member's key, an array's for its
-- items, a column's (comply.detect's context); words of it, not parts of words.
SELECT comply.redact('{"nif": "73516284G", "pesel": 87120347853, "ssn": "536228714",
                       "bsn_list": ["174638516"], "ref": "73516284G", "snippet": "87120347853"}'::jsonb) AS redacted;
-- A value's name is its key after the keys it is under: an audit entry's change of a
-- column pesel, {"pesel": {"old": ..., "new": ...}}.
SELECT comply.redact('{"pesel": {"old": "87120347853", "new": "02271149363"}, "ref": {"old": "87120347853"}}'::jsonb) AS change;
SELECT entity FROM comply.detect('73516284G', context => 'customer_nif');
-- A name kept a part a column or a key, as records keep them: a PERSON in any case when
-- the key names a person's name; "name" alone (a product's) does not.
SELECT comply.redact('{"first_name": "Maria", "last_name": "Garcia", "patient_name": "MARIA GARCIA",
                       "fullName": "maria garcia", "contact": {"surname": "Okonkwo"},
                       "name": "Garcia", "product_name": "Widget Pro", "last_name_note": "N/A"}'::jsonb) AS names;
SELECT entity, score FROM comply.detect('garcia', context => 'last_name');
-- Only a value stored alone, and only words that name the identifier.
SELECT count(*) AS in_a_longer_text FROM comply.detect('ref 73516284G', context => 'nif');
SELECT count(*) AS broader_word FROM comply.detect('73516284G', context => 'tax_id');
SELECT count(*) AS without_the_name FROM comply.detect('73516284G');
