-- JSON Schema validation: anonymous and named schemas, errors with paths, CHECK
-- constraints, cache invalidation after re-registering, bad schemas, no values in
-- messages.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pg_comply;
RESET client_min_messages;

\set intake '{"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": "https://example.org/intake", "type": "object", "required": ["user_id", "email"], "properties": {"user_id": {"type": "integer", "minimum": 1}, "email": {"type": "string", "format": "email", "maxLength": 64}, "tags": {"type": "array", "items": {"type": "string"}, "uniqueItems": true}, "dob": {"type": "string", "format": "date"}}, "additionalProperties": false}'

-- Anonymous schemas (cast the schema to jsonb: an untyped literal means a name).
SELECT comply.validate('{"user_id": 7, "email": "a@example.org"}', :'intake'::jsonb);
SELECT comply.validate('{"user_id": "7", "email": "a@example.org"}', :'intake'::jsonb);
SELECT comply.validate(NULL, :'intake'::jsonb) IS NULL AS null_in_null_out;
SELECT comply.validate('5', '{"type": "integer"}'::jsonb), comply.validate('5.5', '{"type": "integer"}'::jsonb),
       comply.validate('5.0', '{"type": "integer"}'::jsonb);
SELECT comply.validate('"x"', 'true'::jsonb), comply.validate('"x"', 'false'::jsonb);

-- Errors: JSON Pointers into instance and schema, keyword, a message without values.
SELECT * FROM comply.validation_errors(
  '{"user_id": "536-22-8714", "email": "maria.garcia@example.org-that-is-far-too-long-for-the-limit-set-here", "tags": ["a", "a"], "ssn": "536-22-8714"}',
  :'intake'::jsonb);
SELECT * FROM comply.validation_errors('{"email": "x"}', :'intake'::jsonb);
SELECT count(*) FROM comply.validation_errors('{"user_id": 1, "email": "a@example.org"}', :'intake'::jsonb);

-- format is an annotation unless asked for.
SELECT comply.validate('{"user_id": 1, "email": "not an email", "dob": "1984-02-30"}', :'intake'::jsonb);
SELECT comply.validate('{"user_id": 1, "email": "not an email", "dob": "1984-02-30"}', :'intake'::jsonb, '{"format": "assert"}');
SELECT * FROM comply.validation_errors('{"user_id": 1, "email": "not an email", "dob": "1984-02-30"}', :'intake'::jsonb, '{"format": "assert"}');
SELECT comply.validate('{}', '{}'::jsonb, '{"format": "strict"}');
SELECT comply.validate('{}', '{}'::jsonb, '{"formats": "assert"}');

-- draft-07 by $schema.
SELECT comply.validate('[1, "a"]', '{"$schema": "http://json-schema.org/draft-07/schema#", "items": [{"type": "integer"}], "additionalItems": false}'::jsonb);
SELECT comply.validate('[1]', '{"$schema": "http://json-schema.org/draft-07/schema#", "items": [{"type": "integer"}], "additionalItems": false}'::jsonb);

-- Bad schemas are refused when compiled, with a precise SQLSTATE.
\set VERBOSITY sqlstate
SELECT comply.validate('1', '{"$schema": "http://json-schema.org/draft-04/schema#"}'::jsonb);
SELECT comply.validate('"a"', '{"pattern": "(a)\\1"}'::jsonb);
SELECT comply.validate('1', '{"$ref": "#/$defs/missing"}'::jsonb);
\set VERBOSITY default
SELECT comply.validate('"a"', '{"pattern": "(?<=a)b"}'::jsonb);
-- The schema's text a message quotes is cut after 64 characters (on a character
-- boundary), followed by its length: a megabyte $ref went whole into the message and the
-- server log. It is escaped as a JSON string is: quotes, control characters, and a
-- backslash (\\), so that \xff written in a schema does not read as a byte 0xff would.
SELECT comply.validate('1', jsonb_build_object('$ref', 'urn:' || repeat('é', 100000)));
SELECT comply.validate('1', jsonb_build_object('type', repeat('t', 100000)));
SELECT comply.validate('1', jsonb_build_object('$schema', repeat('s', 1000)));
SELECT comply.validate('"a"', jsonb_build_object('pattern', repeat('a', 100000) || '('));
SELECT comply.validate('"a"', jsonb_build_object('pattern', E'a"\n' || repeat('b', 70) || '('));
-- A backslash and an n, then a newline: two texts, shown two ways.
SELECT comply.validate('1', '{"type": "a\\nb"}'::jsonb);
SELECT comply.validate('1', '{"type": "a\nb"}'::jsonb);
SELECT keyword, message FROM comply.validation_errors('{}', jsonb_build_object('required', jsonb_build_array(repeat('k', 100000))));
SELECT keyword, message FROM comply.validation_errors('"b"', jsonb_build_object('pattern', '^a' || repeat('x', 100)));
-- So is a pointer into the schema that a message names: each of its tokens like such a
-- text, and a deep one in its middle; the message's end (what is wrong) is kept. A
-- property name of 100,000 characters filled the message, which was cut at 1 kB.
SELECT comply.validate('1', jsonb_build_object('properties', jsonb_build_object(repeat('p', 100000), '{"type": 5}'::jsonb)));
SELECT comply.register_schema('long_key', jsonb_build_object('properties', jsonb_build_object(repeat('p', 100000), '{"type": 5}'::jsonb)));
SELECT comply.validate('1', jsonb_build_object('$defs', jsonb_build_object(repeat('d', 100000), '{"$ref": "urn:nowhere"}'::jsonb)));
SELECT comply.validate('1', (repeat('{"not": ', 100) || '{"minimum": "x"}' || repeat('}', 100))::jsonb);
-- RE2's part of a pattern is shown only where it is the pattern's as written: RE2 names
-- a part of the pattern it compiled ("\x{110000", cut short), translated from ECMA's.
SELECT comply.validate('"a"', '{"pattern": "\\u{110000}"}'::jsonb);
-- A pattern's backslashes are doubled, as in JSON: each escape reads one way.
SELECT keyword, message FROM comply.validation_errors('"a"', '{"pattern": "\\p{L}+\\d"}'::jsonb);
-- A schema that would loop forever is refused as it compiles (22023), by name too, not
-- registered: validation would never end.
SELECT comply.validate('1', '{"$defs": {"a": {"$ref": "#/$defs/b"}, "b": {"$ref": "#/$defs/a"}}, "$ref": "#/$defs/a"}'::jsonb);
SELECT comply.register_schema('loops', '{"$ref": "#"}');
SELECT comply.register_schema('loops', '{"if": {"type": "string"}, "then": {"$ref": "#"}}');
SELECT count(*) FROM comply.schemas WHERE name = 'loops';
-- A document nested too deeply under a recursive schema gets an error, not a hang;
-- deep jsonb is no problem for the rest (a stack depth error, 54001, where PostgreSQL's limit is reached).
SELECT comply.validate((repeat('[', 300) || repeat(']', 300))::jsonb, '{"items": {"$ref": "#"}}'::jsonb);
SELECT comply.validate((repeat('[', 3000) || repeat(']', 3000))::jsonb, '{"type": "array"}'::jsonb);
SELECT length(comply.redact((repeat('[', 200) || '"536-22-8714"' || repeat(']', 200))::jsonb)::text);
\set VERBOSITY sqlstate
SELECT comply.redact((repeat('[', 6000) || '"536-22-8714"' || repeat(']', 6000))::jsonb);
\set VERBOSITY default
-- A schema passed in the call, or its options, nested deeper than 512 levels is refused
-- as register_schema refuses one (54000), before it is compiled: the compiler recurses
-- once per level, and 30,000 levels (made where max_stack_depth is large) crashed it.
SELECT comply.validate('1', (repeat('{"not": ', 600) || '{}' || repeat('}', 600))::jsonb);
\set VERBOSITY sqlstate
SELECT comply.validate('1', (repeat('{"not": ', 600) || '{}' || repeat('}', 600))::jsonb);
\set VERBOSITY default
SELECT * FROM comply.validation_errors('1', (repeat('{"not": ', 600) || '{}' || repeat('}', 600))::jsonb);
SELECT comply.validate('1', '{}'::jsonb, ('{"format": ' || repeat('[', 600) || repeat(']', 600) || '}')::jsonb);
-- 512 levels are compiled as before.
SELECT comply.validate('1', (repeat('{"$defs": {"a": ', 255) || '{"type": "integer"}' || repeat('}}', 255))::jsonb);

-- Named schemas: checked against the metaschema, stored, used by name.
SELECT comply.register_schema('intake_v1', :'intake'::jsonb);
SELECT name, dialect FROM comply.schemas;
SELECT comply.register_schema('broken', '{"type": "objekt"}');
-- A deny-list written into a schema stays out of the error (and the server log).
\set VERBOSITY terse
SELECT comply.register_schema('broken', '{"type": "maria.garcia@example.com"}');
SELECT comply.validate('{}', '{"pattern": "(?<=536-22-8714)x"}'::jsonb);
SELECT comply.validate('{}', '{"type": "maria.garcia@example.com"}'::jsonb);
SELECT comply.validate('{}', '{"$ref": "https://example.org/users?email=maria.garcia@example.com"}'::jsonb);
-- (A URL alone is no personal data: shown.)
SELECT comply.validate('{}', '{"$ref": "https://example.org/schemas/none"}'::jsonb);
\set VERBOSITY default
SELECT comply.register_schema('broken', '{"properties": {"age": {"minimum": "ten"}}}');
-- NULLs are refused (22004), not a NULL result that would look like success.
SELECT comply.register_schema(NULL, '{}');
SELECT comply.register_schema('broken', NULL);
-- A registered schema without "$schema" is draft 2020-12 (the default) also where a
-- draft-07 schema refers to it: its 2020-12 keywords apply through the $ref.
SELECT comply.register_schema('base_2020', '{"$id": "https://example.org/base-2020", "type": "object",
  "properties": {"a": true}, "unevaluatedProperties": false, "dependentRequired": {"a": ["b"]}}');
SELECT comply.register_schema('wrap_07', '{"$schema": "http://json-schema.org/draft-07/schema#",
  "$id": "https://example.org/wrap-07", "$ref": "https://example.org/base-2020"}');
SELECT d AS doc, comply.validate(d, 'base_2020') AS direct, comply.validate(d, 'wrap_07') AS through_draft_07
  FROM (VALUES ('{"zzz": 1}'::jsonb), ('{"a": 1}'), ('{}')) v(d);
SELECT comply.validate('{"user_id": 7, "email": "a@example.org"}', 'intake_v1');
SELECT * FROM comply.validation_errors('{"user_id": 0, "email": "a@example.org"}', 'intake_v1');
SELECT comply.validate('{}', 'no_such_schema');
-- Formats asserted by name too (a third argument, as for a schema written in the call):
-- in comply.validate, validation_errors, assert_valid and a CHECK constraint. NULL
-- options are the defaults; bad options are 22023.
SELECT comply.validate(d, 'intake_v1') AS annotated, comply.validate(d, 'intake_v1', '{"format": "assert"}') AS asserted,
       comply.validate(d, 'intake_v1', NULL) AS null_options, comply.validate(d, 'intake_v1', '{"format": "annotate"}') AS annotate
  FROM (VALUES ('{"user_id": 7, "email": "a@example.org", "dob": "1984-02-29"}'::jsonb),
               ('{"user_id": 7, "email": "not an email", "dob": "1984-02-30"}')) v(d);
SELECT * FROM comply.validation_errors('{"user_id": 7, "email": "not an email", "dob": "1984-02-30"}', 'intake_v1', '{"format": "assert"}');
SELECT comply.assert_valid('{"user_id": 7, "email": "a@example.org", "dob": "1984-02-30"}', 'intake_v1', '{"format": "assert"}');
SELECT comply.assert_valid('{"user_id": 7, "email": "a@example.org", "dob": "1984-02-30"}', 'intake_v1', NULL) ->> 'dob' AS null_options;
SELECT comply.assert_valid(NULL, 'intake_v1', '{"format": "assert"}') IS NULL AS null_instance,
       comply.validate(NULL, 'intake_v1', '{"format": "assert"}') IS NULL AS null_instance_validate;
-- validation_errors with no schema is 22004 (no rows would mean "valid"); a NULL
-- instance has no errors to list.
SELECT * FROM comply.validation_errors('1', NULL::jsonb);
SELECT * FROM comply.validation_errors('1', NULL::text);
SELECT count(*) AS null_instance FROM comply.validation_errors(NULL, 'intake_v1');
SELECT comply.validate('{}', 'intake_v1', '{"format": "strict"}');
SELECT comply.validate('{}', 'intake_v1', '[]');
-- (assert_valid, as README recommends where documents hold personal data: its error
-- comes first, with paths only, where a failed plain CHECK's DETAIL shows the row.)
CREATE TABLE formats_checked (doc jsonb CHECK (comply.assert_valid(doc, 'intake_v1', '{"format": "assert"}') IS NOT NULL));
INSERT INTO formats_checked VALUES ('{"user_id": 7, "email": "a@example.org", "dob": "1984-02-29"}');
INSERT INTO formats_checked VALUES ('{"user_id": 7, "email": "a@example.org", "dob": "1984-02-30"}');
-- One call site with options that change from row to row: each row's own.
SELECT o, comply.validate('{"user_id": 7, "email": "a@example.org", "dob": "1984-02-30"}', 'intake_v1', o::jsonb) AS valid
  FROM (VALUES (1, '{"format": "assert"}'), (2, NULL), (3, '{"format": "assert"}'), (4, '{"format": "annotate"}')) t(i, o) ORDER BY i;
DROP TABLE formats_checked;
-- A schema that a CHECK constraint names (of a table, of a domain), or reaches by a $ref,
-- cannot be deleted, renamed or (reached by a $ref) given another $id: every write the
-- constraint checks would fail (2BP01). Re-registering it is free.
SELECT comply.register_schema('chk_base', '{"$id": "https://example.org/chk-base", "type": "integer"}');
SELECT comply.register_schema('chk_doc', '{"type": "object", "properties": {"n": {"$ref": "https://example.org/chk-base"}}}');
CREATE TABLE chk_table (doc jsonb CONSTRAINT doc_ok CHECK (comply.validate(doc, 'chk_doc')));
CREATE DOMAIN chk_domain AS jsonb CHECK (comply.assert_valid(VALUE, 'intake_v1', '{"format": "assert"}') IS NOT NULL);
\set VERBOSITY default
DELETE FROM comply.schemas WHERE name = 'chk_doc';
\set VERBOSITY terse
UPDATE comply.schemas SET name = 'chk_doc2' WHERE name = 'chk_doc';
DELETE FROM comply.schemas WHERE name = 'chk_base';
UPDATE comply.schemas SET schema = jsonb_set(schema, '{$id}', '"https://example.org/other"') WHERE name = 'chk_base';
DELETE FROM comply.schemas WHERE name = 'intake_v1';
TRUNCATE comply.schemas;
\set VERBOSITY default
SELECT comply.register_schema('chk_doc', '{"type": "object"}');
-- No longer reached by a $ref: free.
DELETE FROM comply.schemas WHERE name = 'chk_base';
DROP TABLE chk_table;
DROP DOMAIN chk_domain;
DELETE FROM comply.schemas WHERE name = 'chk_doc';
-- A $ref relative to its schema's $id (or to a nested $id) is resolved as the compiler
-- resolves it, and a name cast to text from another type counts too.
SELECT comply.register_schema('chk_rel_b', '{"$id": "https://example.org/chk/b.json", "type": "object"}');
SELECT comply.register_schema('chk_rel_leaf', '{"$id": "https://example.org/chk/sub/leaf.json", "type": "string"}');
SELECT comply.register_schema('chk_rel_a', '{"$id": "https://example.org/chk/a.json", "$ref": "b.json",
  "properties": {"f": {"$id": "https://example.org/chk/sub/x.json", "$ref": "leaf.json"}}}');
SELECT comply.register_schema('chk_cast', '{"type": "object"}');
CREATE TABLE chk_rel (doc jsonb CHECK (comply.validate(doc, 'chk_rel_a')), other jsonb CHECK (comply.validate(other, 'chk_cast'::varchar)));
SELECT name FROM comply._schemas_named_by_constraints() WHERE name LIKE 'chk%' ORDER BY 1;
DELETE FROM comply.schemas WHERE name = 'chk_rel_b';
DELETE FROM comply.schemas WHERE name = 'chk_rel_leaf';
DELETE FROM comply.schemas WHERE name = 'chk_cast';
DROP TABLE chk_rel;
DELETE FROM comply.schemas WHERE name IN ('chk_rel_a', 'chk_rel_b', 'chk_rel_leaf', 'chk_cast');
-- A name the detector finds personal data in (a value passed in the wrong argument) is not
-- shown, only its length.
SELECT comply.validate('{}', 'ssn:536-22-8714');
-- Nor can such a name be registered: messages, the server log and the data-flow diagram
-- show schema names, and every role reads comply.schemas.
SELECT comply.register_schema('ssn:536-22-8714', '{"type": "object"}');
-- assert_valid's detail reaches the server log: a document's key that is personal data
-- is redacted in the paths it names.
SELECT comply.register_schema('contacts_by_mail', '{"type": "object", "additionalProperties": {"type": "integer"}}');
SELECT comply.assert_valid('{"maria.garcia@example.org": "x", "ok": 1}', 'contacts_by_mail');
-- So is a key that holds a listed first name written as keys are, not as prose writes
-- names (QA 13: shown as it was); keys of ordinary words are shown.
SELECT comply.assert_valid('{"maria garcia": "x", "MARIA GARCIA": "y", "MariaGarcia": "z", "garcia.maria": "w", "maxItems": "v", "order_total": "u"}', 'contacts_by_mail');
-- Also where a key holds '/' or '~', which the pointer escapes (~1, ~0): each key is
-- redacted before it is escaped.
SELECT comply.assert_valid('{"patients/536-22-8714": "x", "cards/4111 1111 1111 1111": "y", "a~b/c": "z"}', 'contacts_by_mail');
-- A key the schema does not name (here reached through additionalProperties) and in
-- which the detector finds nothing is shown only when it is written as a program names
-- a member; a surname, an address, digits of another script are "[KEY]" (QA 19). A key
-- the schema names (through properties, also past a $ref) is the schema's own text.
SELECT comply.assert_valid(jsonb_build_object('Kowalczyk', 'x', '12 Baker Street', 'x', '١٢٣٤٥٦٧٨٩', 'x', '１２３４５６７８', 'x', 'order_total', 'x'), 'contacts_by_mail');
SELECT comply.register_schema('named_members', '{"properties": {"Account": {"$ref": "#/$defs/acct"}}, "$defs": {"acct": {"properties": {"HolderName": {"type": "integer"}}, "additionalProperties": {"type": "integer"}}}}');
SELECT comply.assert_valid('{"Account": {"HolderName": "x", "Okonkwo": "y", "notes": "z"}}', 'named_members');
-- Each key is redacted with the keys above it as its context, as a document's values
-- are: a bare SSN keying a map under "ssn" is found. A key of six digits or more that
-- the detector leaves (a phone's digits with no context) reads [DIGITS]; an array's
-- index, which is no data, is shown as it is, however long.
SELECT comply.register_schema('keyed_maps', '{"type": "object", "properties": {"list": {"type": "array", "items": {"type": "integer"}}}, "additionalProperties": {"type": "object", "additionalProperties": {"type": "string"}}}');
SELECT comply.assert_valid('{"ssn": {"536228714": 1}}', 'keyed_maps');
SELECT comply.assert_valid('{"phones": {"4155552671": 1, "12345": 2, "home": 3}}', 'keyed_maps');
-- An identifier glued into a key, which the detector does not see for what it is.
SELECT comply.assert_valid('{"contact": {"ssn_536-22-8714": 1, "card4111111111111111": 2, "x536228714": 3, "ref_12345": 4}}', 'keyed_maps');
SELECT comply.assert_valid(jsonb_build_object('list', (SELECT jsonb_agg(i) FROM generate_series(1, 100000) i) || '["x"]'::jsonb), 'keyed_maps');
-- A long key is cut in the detail as a schema's pointer is (64 characters, then its
-- length): a key of 100,000 characters filled the detail, the rule pushed out of it.
SELECT comply.assert_valid(jsonb_build_object(repeat('k', 100000), 'x'), 'contacts_by_mail');
-- A detail longer than an error holds is cut at a character's boundary: cut inside one,
-- it was not valid UTF-8 (and a client in another encoding got 22021 in place of 23514).
-- (Keys the schema names, so that they are shown.)
SELECT comply.register_schema('emoji_members', jsonb_build_object('properties', (SELECT jsonb_object_agg('x' || i || repeat(U&'\+01F600', 600), '{"type": "integer"}'::jsonb) FROM generate_series(1, 5) i)));
DO $$
DECLARE
  state text;
  detail text;
BEGIN
  PERFORM comply.assert_valid((SELECT jsonb_object_agg('x' || i || repeat(U&'\+01F600', 600), 'x') FROM generate_series(1, 5) i), 'emoji_members');
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, detail = PG_EXCEPTION_DETAIL;
  PERFORM convert_from(convert_to(detail, 'UTF8'), 'UTF8');  -- 22021 if a character is cut
  RAISE NOTICE 'sqlstate %, detail over 900 bytes: %, valid UTF-8', state, octet_length(detail) > 900;
END $$;
-- A name that is not a name is not shown: it may be data passed in the wrong argument.
-- A schema written in the call without ::jsonb resolves to the by-name function.
SELECT comply.validate('{}', '{"type": "object"}');
SELECT comply.assert_valid('{}', 'Maria Garcia, 415-555-2671');
SELECT comply.register_schema('intake v2', '{}');
-- $ref to another registered schema by its $id.
SELECT comply.register_schema('batch', '{"type": "array", "items": {"$ref": "https://example.org/intake"}}');
-- One $id, one registered schema: a second name with it (or a metaschema's $id) would
-- make what a $ref reaches depend on the order rows are read.
\set VERBOSITY terse
SELECT comply.register_schema('intake_copy', '{"$id": "https://example.org/intake#", "type": "object"}');
SELECT comply.register_schema('meta_copy', '{"$id": "https://json-schema.org/draft/2020-12/schema"}');
-- Nor past that check by another spelling: an $id is written as a $ref resolves it.
SELECT comply.register_schema('intake_dots', '{"$id": "https://example.org/./intake", "type": "integer"}');
-- Nor by another spelling of the same URI (RFC 3986's normal form, QA 13): scheme and
-- host in capitals, an unreserved character escaped, the default port.
SELECT comply.register_schema('intake_case', '{"$id": "HTTPS://Example.ORG/intake", "type": "integer"}');
SELECT comply.register_schema('intake_pct', '{"$id": "https://example.org/%69ntake", "type": "integer"}');
SELECT comply.register_schema('intake_port', '{"$id": "https://example.org:443/intake", "type": "integer"}');
SELECT comply.register_schema('intake_hex', '{"$id": "https://example.org/a%2fb", "type": "integer"}');
-- A long $id is quoted cut (64 characters, then its length).
BEGIN;
SELECT comply.register_schema('long_id', jsonb_build_object('$id', 'urn:' || repeat('i', 100000)));
SELECT comply.register_schema('long_id2', jsonb_build_object('$id', 'urn:' || repeat('i', 100000)));
ROLLBACK;
SELECT comply.register_schema('long_dots', jsonb_build_object('$id', 'https://example.org/./' || repeat('i', 100000)));
-- Nor one nested deeper than its text can be read back (512 levels): it would be stored
-- and break every $ref to a registered schema.
\set VERBOSITY default
SELECT comply.register_schema('too_deep', ('{"$id": "urn:too-deep", "const": ' || repeat('[', 600) || '1' || repeat(']', 600) || '}')::jsonb);
-- A schema whose patterns would take more than 64 MB compiled is refused as they
-- compile, passed as jsonb or registered: each such pattern, about 40 bytes, compiles to
-- a DFA of 50 to 130 kB (20,000 of them took 1 GB). (Terse: the detail counts them, a
-- number that depends on RE2's version.)
\set VERBOSITY terse
SELECT comply.validate('{}'::jsonb, (SELECT jsonb_build_object('patternProperties',
         jsonb_object_agg('^(a|b)*x{1,50}' || i || '_[a-z]{1,30}$', true)) FROM generate_series(1, 3000) i));
SELECT comply.register_schema('many_patterns', (SELECT jsonb_build_object('patternProperties',
         jsonb_object_agg('^(a|b)*x{1,50}' || i || '_[a-z]{1,30}$', true)) FROM generate_series(1, 3000) i));
\set VERBOSITY default
-- A hundred of them are fine.
SELECT comply.validate('{"xx7_abc": 1}'::jsonb, (SELECT jsonb_build_object('patternProperties',
         jsonb_object_agg('^(a|b)*x{1,50}' || i || '_[a-z]{1,30}$', jsonb_build_object('type', 'string'))) FROM generate_series(1, 100) i)) AS hundred_patterns;
SELECT comply.validate('[{"user_id": 1, "email": "a@example.org"}]', 'batch'),
       comply.validate('[{"user_id": 0, "email": "a@example.org"}]', 'batch');
-- A schema passed as jsonb reaches no registered schema: comply.validate(doc, jsonb) is
-- immutable (an expression index on it would go stale when the schema is replaced).
SELECT comply.validate('[{"user_id": 1}]', '{"type": "array", "items": {"$ref": "https://example.org/intake"}}'::jsonb);
SELECT * FROM comply.validation_errors('[1]', '{"items": {"$ref": "https://example.org/intake"}}'::jsonb);

-- CHECK constraints: rows that do not match are refused.
CREATE TABLE intake (id serial PRIMARY KEY, payload jsonb CHECK (comply.validate(payload, 'intake_v1')));
INSERT INTO intake (payload) VALUES ('{"user_id": 1, "email": "a@example.org"}');
\set VERBOSITY terse
INSERT INTO intake (payload) VALUES ('{"user_id": "seven", "email": "none"}');
\set VERBOSITY default
-- PostgreSQL's own check_violation shows the failing row (values and all); a CHECK on
-- comply.assert_valid fails first, with paths and rules only: use it where documents
-- may hold personal data.
CREATE TABLE intake_safe (id serial PRIMARY KEY,
  payload jsonb CHECK (comply.assert_valid(payload, 'intake_v1') IS NOT NULL));
INSERT INTO intake_safe (payload) VALUES ('{"user_id": "536-22-8714", "extra": "maria@example.org"}');
SELECT comply.assert_valid('{"user_id": 2, "email": "b@example.org"}', 'intake_v1');
SELECT comply.assert_valid('{"user_id": "536-22-8714", "extra": "maria@example.org"}', 'intake_v1');
-- Its error in a COPY or a PL/pgSQL statement keeps the line's number, not the line, and
-- the statement with its literals out of the server log (QA 13: the CONTEXT quoted the
-- whole document, on the client and in the log); the rows before it are not stored.
\copy intake_safe (payload) FROM stdin
{"user_id": 3, "email": "c@example.org"}
{"user_id": "536-22-8714", "extra": "maria@example.org"}
\.
DO $$ BEGIN
  INSERT INTO intake_safe (payload) VALUES ('{"user_id": "Maria Garcia 415-555-2671"}');
END $$;
DO $$ BEGIN
  EXECUTE 'INSERT INTO intake_safe (payload) VALUES (''{"user_id": "SSN 536-22-8714"}'')';
END $$;
-- An unregistered schema's name in a COPY: the same.
CREATE TABLE intake_unregistered (payload jsonb CHECK (comply.validate(payload, 'no_such_schema')));
\copy intake_unregistered (payload) FROM stdin
{"email": "maria.garcia@example.org"}
\.
DROP TABLE intake_unregistered;
SELECT count(*) FROM intake_safe;
SELECT count(*) FROM intake;

-- Re-registering replaces the schema everywhere at once (this session and others).
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS dblink;
RESET client_min_messages;
SELECT dblink_connect('other', format('dbname=%s port=%s host=%s', current_database(),
       current_setting('port'), split_part(current_setting('unix_socket_directories'), ',', 1)));
SELECT * FROM dblink('other', $$SELECT comply.validate('{"user_id": "x"}', 'intake_v1')$$) AS t(valid boolean);
SELECT comply.register_schema('intake_v1', '{"type": "object", "required": ["user_id"]}');
SELECT * FROM dblink('other', $$SELECT comply.validate('{"user_id": "x"}', 'intake_v1')$$) AS t(valid boolean);
SELECT dblink_disconnect('other');
INSERT INTO intake (payload) VALUES ('{"user_id": "now a string is fine"}');
SELECT count(*) FROM intake;

-- Registering the same schema again changes nothing (no new row version, so no
-- session drops what it compiled, and no ledger entry); the same numbers written
-- otherwise (1.0 for 1) are stored.
SELECT xmin AS schema_xmin, updated_at AS schema_updated FROM comply.schemas WHERE name = 'intake_v1' \gset
SELECT max(id) AS ledger_before FROM comply.audit_log \gset
SELECT comply.register_schema('intake_v1', '{"required": ["user_id"], "type": "object"}');
SELECT count(*) AS new_entries FROM comply.audit_log WHERE id > :ledger_before;
SELECT xmin = :'schema_xmin' AS same_row_version, updated_at = :'schema_updated' AS same_updated_at
  FROM comply.schemas WHERE name = 'intake_v1';
SELECT comply.register_schema('intake_v1', '{"type": "object", "required": ["user_id"], "minProperties": 1.0}');
SELECT comply.register_schema('intake_v1', '{"type": "object", "required": ["user_id"], "minProperties": 1}');
SELECT xmin = :'schema_xmin' AS same_row_version, schema->'minProperties' AS min_properties
  FROM comply.schemas WHERE name = 'intake_v1';
SELECT comply.register_schema('intake_v1', '{"type": "object", "required": ["user_id"]}');
-- Each registration that changed the rules is a ledger entry, with the hashes of the
-- old and new texts (QA 13: a schema loosened to true left no trace): the first of a
-- name "schema.registered", the others "schema.replaced". comply.audit() may not write
-- these names.
SELECT action, object, current_user_name = current_user AS by_me,
       details->>'name' AS name, details->>'dialect' AS dialect,
       details->>'sha256' = encode(sha256(convert_to(s.schema::text, 'UTF8')), 'hex') AS sha256_is_current,
       details->>'previous_sha256' IS NOT NULL AS has_previous
  FROM comply.audit_log, comply.schemas s
 WHERE id > :ledger_before AND s.name = 'intake_v1' ORDER BY id;
SELECT comply.register_schema('ledger_entry_demo', '{"type": "string"}');
SELECT action, details ? 'previous_sha256' AS has_previous FROM comply.audit_log
 WHERE object = 'comply.schemas/ledger_entry_demo';
DELETE FROM comply.schemas WHERE name = 'ledger_entry_demo';
\set VERBOSITY terse
SELECT comply.audit('schema.replaced', 'comply.schemas/intake_v1');
\set VERBOSITY default
-- A role that may not write comply.schemas is refused, the schema unchanged or not.
CREATE ROLE schema_reader;
SET ROLE schema_reader;
\set VERBOSITY terse
SELECT comply.register_schema('intake_v1', '{"type": "object", "required": ["user_id"]}');
SELECT comply.register_schema('intake_v1', '{"type": "object"}');
\set VERBOSITY default
RESET ROLE;
DROP ROLE schema_reader;

-- Many rows against one schema.
SELECT count(*) FILTER (WHERE comply.validate(jsonb_build_object('user_id', g, 'email', 'u' || g || '@example.org'), :'intake'::jsonb)) AS valid,
       count(*) FILTER (WHERE NOT comply.validate(jsonb_build_object('user_id', -g, 'email', 'u@example.org'), :'intake'::jsonb)) AS invalid
  FROM generate_series(1, 2000) g;

-- A call site whose schema or options differ from row to row (not constants) looks
-- them up for each row; the fast path must not keep the first row's.
SELECT comply.register_schema('memo_int', '{"type": "integer"}'),
       comply.register_schema('memo_str', '{"type": "string"}');
SELECT s.name, comply.validate('5', s.name) AS valid
  FROM (VALUES (1, 'memo_int'), (2, 'memo_str'), (3, 'memo_int')) AS s(i, name) ORDER BY s.i;
SELECT t.s AS schema, comply.validate('5', t.s::jsonb) AS valid
  FROM (VALUES (1, '{"type": "integer"}'), (2, '{"type": "string"}'), (3, '{"type": "integer"}')) AS t(i, s)
 ORDER BY t.i;
SELECT t.o AS options,
       comply.validate('{"dob": "1984-02-30"}', '{"properties": {"dob": {"format": "date"}}}'::jsonb, t.o::jsonb) AS valid
  FROM (VALUES (1, NULL), (2, '{"format": "assert"}'), (3, NULL)) AS t(i, o) ORDER BY t.i;

-- In PL/pgSQL a call's state lives for the whole transaction while its variables
-- change: a schema given by a variable is the one each call names (only a literal one is
-- taken once for all), by name, by value and in assert_valid.
SELECT comply.register_schema('pl_int', '{"type": "integer"}'),
       comply.register_schema('pl_str', '{"type": "string"}');
CREATE TABLE pl_docs (kind text, doc jsonb);
CREATE FUNCTION pl_check() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NOT comply.validate(NEW.doc, NEW.kind) THEN
    RAISE EXCEPTION 'document does not match schema %', NEW.kind USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER pl_check BEFORE INSERT ON pl_docs FOR EACH ROW EXECUTE FUNCTION pl_check();
INSERT INTO pl_docs VALUES ('pl_int', '1'), ('pl_str', '2');
INSERT INTO pl_docs VALUES ('pl_int', '1'), ('pl_str', '"two"');
SELECT kind, doc FROM pl_docs;
CREATE FUNCTION pl_valid(i jsonb, s jsonb) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN RETURN comply.validate(i, s); END $$;
SELECT pl_valid('"x"', '{"type": "integer"}') AS as_integer, pl_valid('"x"', '{"type": "string"}') AS as_string;
CREATE FUNCTION pl_assert(i jsonb, n text) RETURNS jsonb LANGUAGE plpgsql AS $$
BEGIN RETURN comply.assert_valid(i, n); END $$;
BEGIN;
SELECT pl_assert('"x"', 'pl_str') AS first_call;
SELECT pl_assert('"x"', 'pl_int') AS second_call;
ROLLBACK;
DROP TABLE pl_docs;
DROP FUNCTION pl_check(), pl_valid(jsonb, jsonb), pl_assert(jsonb, text);

DROP TABLE intake, intake_safe;
DELETE FROM comply.schemas;
