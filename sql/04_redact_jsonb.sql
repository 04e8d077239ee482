-- comply.redact on jsonb: values redacted by content, listed keys replaced whole at any
-- depth, structure and non-string scalars kept.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pg_comply;
RESET client_min_messages;

\set doc '{"id": 42, "active": true, "score": 3.5, "note": "Call 415-555-2671 re: SSN 536-22-8714", "patient": {"Name": "Maria Garcia", "dob": "1984-03-05", "contacts": ["maria@example.org", {"phone": "+44 20 7946 0958"}], "tags": null}, "ssn": 536228714}'

SELECT jsonb_pretty(comply.redact(:'doc'::jsonb));
-- Keys match case-insensitively, at any depth; numbers and objects under them too.
SELECT jsonb_pretty(comply.redact(:'doc'::jsonb, NULL, ARRAY['name', 'SSN', 'contacts']));
-- Operators apply to key matches by upper-cased key name, then default.
SELECT comply.redact('{"ssn": "536-22-8714", "note": "ssn 536-22-8714"}'::jsonb,
                     '{"SSN": {"op": "mask", "keep_last": 4}, "US_SSN": {"op": "label", "label": "<ssn>"}}',
                     ARRAY['ssn']);
-- A mask keeps the end of a string or a number under a listed key, and nothing of an
-- object or array (the end of its text is the end of what it holds).
SELECT comply.redact('{"ssn": 536228714, "nested": {"SSN": {"x": "maria@example.org"}}, "l": {"ssn": ["ab", "cd"]}}'::jsonb,
                     '{"SSN": {"op": "mask", "keep_last": 4}}', ARRAY['ssn']);
-- "keep" for a listed key keeps its value as it is: a number stays a number, and an
-- object under it is walked like any other (the card inside is still redacted).
SELECT comply.redact('{"ssn": 536228714, "o": {"ssn": {"n": "4111111111111111"}}}'::jsonb,
                     '{"SSN": {"op": "keep"}}', ARRAY['ssn']);
-- Scalars and arrays at the top level; empty containers; nulls are kept.
SELECT comply.redact('"mail maria@example.org"'::jsonb);
SELECT comply.redact('["maria@example.org", 1, null, false, []]'::jsonb);
SELECT comply.redact('{}'::jsonb), comply.redact('[]'::jsonb), comply.redact('null'::jsonb);
SELECT comply.redact('{"ssn": null}'::jsonb, NULL, ARRAY['ssn']);
-- Listed keys match in any case, of any script ("PRÉNOM" is "prénom"); the label is
-- the key upper-cased, and an operator can name it in any case.
SELECT comply.redact('{"PRÉNOM": "Jürgen", "prénom": "Renée", "Número": "811228"}'::jsonb, NULL,
                     ARRAY['prénom', 'NÚMERO']);
SELECT comply.redact('{"prénom": "Renée"}'::jsonb, '{"Prénom": {"op": "mask"}}', ARRAY['prénom']);
-- Compared by case folding, not lower-casing: a Greek key's final sigma too.
SELECT comply.redact('{"ΕΠΏΝΥΜΟΣ": "x", "οδος": "y"}'::jsonb, '{"ΟΔΟΣ": {"op": "mask"}}', ARRAY['επώνυμος', 'ΟΔΟΣ']);
-- Keys themselves are kept by default (they name fields, they are not values)...
SELECT comply.redact('{"maria@example.org": "x"}'::jsonb);
-- ... and redacted by content with "redact_keys": true, always with labels (a key stays
-- a distinct string): two e-mails keying one map stay two members, [EMAIL_ADDRESS] and
-- [EMAIL_ADDRESS]#2, never one of the object's own keys ("[EMAIL_ADDRESS]#2" kept as is).
SELECT comply.redact('{"recipients": {"wilhelmina.okonkwo@kestrel-mail.net": "sent", "bo.li@example.org": "failed"}, "n": 1}'::jsonb,
                     '{"redact_keys": true}');
SELECT comply.redact('{"wilhelmina.okonkwo@kestrel-mail.net": 1, "bo.li@example.org": 2, "[EMAIL_ADDRESS]#2": 3}'::jsonb,
                     '{"REDACT_KEYS": true}');
-- Values take their operators, keys their labels (a mask or a hash is no key); an
-- entity kept in values is kept in keys; a key's context is the keys above it (a bare
-- SSN keying a map under "ssn"); a listed key still replaces its value whole.
SELECT comply.redact('{"maria@example.org": "maria@example.org", "ssn": {"536228714": "x"}, "n": {"4111111111111111": "a", "name": "Wilhelmina"}}'::jsonb,
                     '{"redact_keys": true, "EMAIL_ADDRESS": {"op": "mask"}, "CREDIT_CARD": {"op": "label", "label": "<card>"}, "US_SSN": {"op": "remove"}}',
                     ARRAY['name']);
SELECT comply.redact('{"maria@example.org": "maria@example.org"}'::jsonb,
                     '{"redact_keys": true, "EMAIL_ADDRESS": {"op": "keep"}}');
-- Redacting again changes nothing.
SELECT comply.redact(comply.redact('{"a@example.org": 1, "b@example.org": 2}'::jsonb, '{"redact_keys": true}'), '{"redact_keys": true}');
-- false is the default; anything but a boolean (or an entity's operator object) is refused;
-- a text has no keys.
SELECT comply.redact('{"maria@example.org": "x"}'::jsonb, '{"redact_keys": false}');
SELECT comply.redact('{"a": 1}'::jsonb, '{"redact_keys": "true"}');
SELECT comply.redact('{"a": 1}'::jsonb, '{"redact_keys": 1}');
SELECT comply.redact('{"a": 1}'::jsonb, '{"redact_keys": null}');
SELECT comply.redact('{"a": 1}'::jsonb, '{"redact_keys": {"op": "label"}}');
SELECT comply.redact('mail maria@example.org', '{"redact_keys": true}');
-- Deep nesting.
SELECT comply.redact(repeat('[', 500) || '"536-22-8714"' || repeat(']', 500))::text LIKE '%[US_SSN]%' AS deep_ok;
-- NULL doc gives NULL; bad keys argument.
SELECT comply.redact(NULL::jsonb) IS NULL AS null_in_null_out;
SELECT comply.redact('{"a": 1}'::jsonb, NULL, ARRAY[NULL]::text[]);
-- hash under listed keys and by content.
SELECT current_setting('data_directory') || '/comply_test_hmac.key' AS keyfile \gset
SET comply.hmac_key_file = :'keyfile';
SELECT comply.redact('{"ssn": "536-22-8714", "n": "ssn 536-22-8714"}'::jsonb, '{"default": {"op": "hash"}}', ARRAY['ssn']);
-- A pseudonym under a listed key stays as it is: hashed again it would no longer join.
SELECT comply.redact(comply.redact('{"ssn": "536-22-8714"}'::jsonb, '{"default": {"op": "hash"}}', ARRAY['ssn']),
                     '{"default": {"op": "hash"}}', ARRAY['ssn'])
       = comply.redact('{"ssn": "536-22-8714"}'::jsonb, '{"default": {"op": "hash"}}', ARRAY['ssn']) AS pseudonym_kept;
-- With redact_keys, values are hashed and keys labelled (a pseudonym is no key name).
SELECT comply.redact('{"maria@example.org": "maria@example.org"}'::jsonb, '{"redact_keys": true, "default": {"op": "hash"}}');
RESET comply.hmac_key_file;
-- A table of documents keeps its row count and shape.
SELECT count(*) AS docs, bool_and(jsonb_typeof(r) = 'object') AS all_objects,
       bool_and(r->'patient'->>'Name' = '[NAME]') AS names_replaced
  FROM (SELECT comply.redact(jsonb_set(:'doc'::jsonb, '{id}', to_jsonb(g)), NULL, ARRAY['name']) AS r
          FROM generate_series(1, 500) g) s;
-- A number is redacted by content too, as its text: a card number stored as a JSON
-- number becomes its label (a string); numbers the detector finds nothing in stay numbers.
SELECT comply.redact('{"card": 4111111111111111, "not_luhn": 4111111111111112, "n": 42, "f": 3.5, "big": 1e20, "arr": [4111111111111111, 7]}'::jsonb);
-- ... the whole number, whatever follows what was found in it: no "[CREDIT_CARD].0".
SELECT comply.redact('{"card": 4111111111111111.0, "exp": 4111111111111111e0}'::jsonb);
SELECT comply.redact('{"card": 4111111111111111.0}'::jsonb, '{"CREDIT_CARD": {"op": "mask", "keep_last": 4}}');
-- A redacted document whose strings would take more than a jsonb holds (256 MB) is
-- refused as they are written, not once the whole tree is built (1.4 GB of labels for
-- a document of 60 MB).
SELECT comply.redact((SELECT jsonb_agg(jsonb_build_object('k', 'x')) FROM generate_series(1, 262200)),
                     jsonb_build_object('default', jsonb_build_object('op', 'label', 'label', repeat('X', 1024))),
                     ARRAY['k']);
-- The redacted copy's objects are in jsonb's order (shorter keys first) even where keys
-- were redacted: a label longer than the key it replaces moves it after "abcdefghij", a
-- shorter one before "middle_key_abcdefghij". Members are found by their keys, and the
-- copy is the document its text reads back as.
SELECT j, j -> 'abcdefghij' AS a, j -> 'middle_key_abcdefghij' AS m, j ->> '[EMAIL_ADDRESS]' AS e1,
       j ->> '[EMAIL_ADDRESS]#2' AS e2, j -> 'zz' ->> 'ab' AS ab, j = (j::text)::jsonb AS same_as_text
  FROM (SELECT comply.redact('{"k@ex.io": 1, "abcdefghij": 2, "a.very.long.address@example.org": 3,
                               "middle_key_abcdefghij": 4, "zz": {"x.y@example.org": 5, "ab": 6}}'::jsonb,
                             '{"redact_keys": true}') AS j) s;
-- The redacted copy is written in jsonb's binary form directly: byte for byte what
-- PostgreSQL makes of its text (keys then values, numbers and containers int-aligned
-- after strings that changed length, every 32nd entry an offset, raw scalars), for
-- values redacted by content, keys redacted and sorted again, and values replaced whole.
CREATE CAST (jsonb AS bytea) WITHOUT FUNCTION;
CREATE TEMP TABLE bin_docs (id serial, doc jsonb);
INSERT INTO bin_docs (doc) VALUES
  ('"SSN 536-22-8714"'), ('4111111111111111'), ('42.50'), ('null'), ('true'), ('{}'), ('[]'),
  ('[{}, [], "maria@example.org", [[]]]'),
  ('{"a": 1.5, "ssn": "536-22-8714", "n": 4111111111111111, "t": true, "f": false,
    "o": {"x": [1, "maria@example.org", 2.25, {"y": null, "z": "call 212-555-0147"}], "w": -7e-3}}');
INSERT INTO bin_docs (doc)
  SELECT jsonb_object_agg('k' || g, CASE g % 5 WHEN 0 THEN to_jsonb(g * 1.5)
                                               WHEN 1 THEN to_jsonb('call 212-555-0147 #' || g)
                                               WHEN 2 THEN jsonb_build_array(g, 'maria@example.org', jsonb_build_object('n', g))
                                               WHEN 3 THEN 'null'::jsonb
                                               ELSE to_jsonb(g % 2 = 0) END)
    FROM generate_series(1, 70) g;
INSERT INTO bin_docs (doc)
  SELECT jsonb_agg(CASE g % 4 WHEN 0 THEN to_jsonb(g)
                              WHEN 1 THEN to_jsonb('SSN 536-22-' || lpad(g::text, 4, '0'))
                              WHEN 2 THEN jsonb_build_object('e', 'x' || g || '@example.org', 'v', g / 7.0)
                              ELSE to_jsonb('plain ' || g) END)
    FROM generate_series(1, 100) g;
INSERT INTO bin_docs (doc)
  SELECT jsonb_object_agg('user' || g || '@example.org', g) || jsonb_object_agg('k' || g, 'v' || g)
         || '{"o": {"maria@example.org": [1, 2.5]}}'
    FROM generate_series(1, 40) g;
SELECT count(*) AS docs,
       count(*) FILTER (WHERE doc::bytea = doc::text::jsonb::bytea) AS documents_canonical,
       count(*) FILTER (WHERE r1::bytea = r1::text::jsonb::bytea) AS by_content,
       count(*) FILTER (WHERE r2::bytea = r2::text::jsonb::bytea) AS keys_redacted,
       count(*) FILTER (WHERE r3::bytea = r3::text::jsonb::bytea) AS replaced_whole,
       count(*) FILTER (WHERE r1 <> doc) AS changed_by_content,
       count(*) FILTER (WHERE r2 <> r1) AS keys_changed,
       count(*) FILTER (WHERE r3 <> r1) AS changed_whole
  FROM (SELECT doc, comply.redact(doc) AS r1, comply.redact(doc, '{"redact_keys": true}') AS r2,
               comply.redact(doc, '{"default": {"op": "mask"}}', ARRAY['o', 'k3', 'k5', 'n', 'a']) AS r3
          FROM bin_docs) s;
DROP CAST (jsonb AS bytea);
-- A document nested deeper than the stack allows is refused with 54001, not a crash;
-- a thousand levels are redacted.
SELECT length(comply.redact((repeat('[', 1000) || '"536-22-8714"' || repeat(']', 1000))::jsonb)::text) AS deep;
DO $$
DECLARE doc jsonb := (repeat('[', 10000) || '"536-22-8714"' || repeat(']', 10000))::jsonb;
BEGIN
  PERFORM comply.redact(doc);
  RAISE NOTICE 'redacted';
EXCEPTION WHEN statement_too_complex THEN
  RAISE NOTICE 'refused: %', SQLSTATE;
END $$;
