-- JSON Schema validation reads the jsonb in place: numbers from numeric's stored digits,
-- members in jsonb's key order, containers of any size (offsets stored every 32
-- entries), raw scalar documents, TOASTed documents; and a call site that remembers its
-- compiled schema forgets it when the schema is registered again.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pg_comply;
RESET client_min_messages;

-- Numbers: "integer", bounds, const, enum and multipleOf are exact whatever the number's
-- digits (1e308 and 1e400 are multiples of 0.01; 0.29999999999999998 is below 0.3,
-- 9007199254740992 is not 9007199254740993 and 1.0000000000000001 is not an integer,
-- although each reads as the double of an integer or of the other). Short and long
-- numeric formats (weight or scale beyond 63 base-10000 digits), huge and tiny values.
SELECT n, comply.validate(n::jsonb, '{"type": "integer"}'::jsonb) AS integer,
       comply.validate(n::jsonb, '{"minimum": 1, "maximum": 1e308}'::jsonb) AS in_range,
       comply.validate(n::jsonb, '{"multipleOf": 0.01}'::jsonb) AS cents,
       comply.validate(n::jsonb, '{"exclusiveMaximum": 0.3}'::jsonb) AS below_0_3
FROM unnest(ARRAY['0', '-0', '1', '1.0', '1.5', '19.99', '19.991', '0.29999999999999998',
                  '0.30000000000000004', '1e20', '1e300', '1e308', '1e309', '1e400', '-1e400',
                  '1e-400', '9007199254740993', '123456789012345678901234567890.01',
                  '0.0000000000000000000000000000000000000000000000000000000000000000000001',
                  '1.00000000000000000000000000000000000000000000000000000000000000000000000',
                  '12345678901234567.25', '1.0000000000000001', '4503599627370496.5',
                  '100000000000000000000.000']) AS n;
SELECT n, comply.validate(n::jsonb, '{"const": 9007199254740993}'::jsonb) AS const,
       comply.validate(n::jsonb, '{"enum": [10000, 0.0001, -1e-8]}'::jsonb) AS enum
FROM unnest(ARRAY['9007199254740992', '9007199254740993.000', '9007199254740994', '1e4',
                  '10000.0000', '1e-4', '-0.00000001', '0.0001000000000000000000001']) AS n;
-- multipleOf by a divisor beyond the doubles' range, which jsonb writes out in full (a 1
-- and 309 zeros: it was not read as a decimal, and 0.5 / inf = 0 made 0.5 a multiple),
-- or whose quotient underflows; in the fast program (validate) and the errors.
SELECT d, n, comply.validate(n::jsonb, jsonb_build_object('multipleOf', d::jsonb)) AS multiple,
       (SELECT count(*) FROM comply.validation_errors(n::jsonb, jsonb_build_object('multipleOf', d::jsonb))) AS errors
FROM (VALUES ('1e309', '0.5'), ('1e400', '0.5'), ('1e300', '1e-300'), ('1e308', '0.5'),
             ('1e309', '3e309'), ('1e309', '0'), ('1.2345678901234567890123e309', '0.5'),
             ('1.2345678901234567890123e300', '1e-300')) AS t(d, n);
SELECT comply.validate('[1, 1.0]', '{"uniqueItems": true}'::jsonb) AS one_and_one_point_zero,
       comply.validate('[{"a": 1, "b": [2]}, {"b": [2.0], "a": 1.00}]', '{"uniqueItems": true}'::jsonb) AS same_objects,
       comply.validate('[1e400, 1e401]', '{"uniqueItems": true}'::jsonb) AS two_infinities;
-- Bounds beyond the doubles' range, and on a bound's double, in a CHECK-like call (the
-- schema a constant) and in the errors.
SELECT n, comply.validate(n::jsonb, '{"maximum": 1e400}'::jsonb) AS max_1e400,
       comply.validate(n::jsonb, '{"exclusiveMinimum": -1e400}'::jsonb) AS above_minus_1e400,
       comply.validate(jsonb_build_object('n', n::jsonb),
                       '{"properties": {"n": {"minimum": 0.1, "maximum": 0.3}}}'::jsonb) AS in_0_1_to_0_3
FROM unnest(ARRAY['1e400', '2e400', '-1e400', '-2e400', '0.3', '0.30000000000000000001',
                  '0.1', '0.09999999999999999999']) AS n;
SELECT instance_path, schema_path, keyword, message
FROM comply.validation_errors('{"n": 0.30000000000000000001}',
                              '{"properties": {"n": {"maximum": 0.3}}}'::jsonb);

-- Raw scalar documents (stored as one-element arrays).
SELECT d, comply.validate(d::jsonb, '{"type": ["string", "number"]}'::jsonb) AS string_or_number
FROM unnest(ARRAY['"x"', '7', '7.5', 'null', 'true', '[]', '{}']) AS d;

-- Members come in jsonb's key order (shorter keys first), so do the errors; keys with
-- "~", "/", non-ASCII or nothing at all are escaped in the pointers.
SELECT * FROM comply.validation_errors(
  '{"zz": 1, "a": 1, "bbb": 1, "a~b": 2, "c/d": 3, "": 4, "é": 5, "ü~/": 6}',
  '{"properties": {"a": {"type": "string"}, "a~b": {"type": "string"}, "c/d": {"type": "string"}, "": {"type": "string"}, "é": {"type": "string"}}, "additionalProperties": false}'::jsonb);
SELECT * FROM comply.validation_errors('{"a": 1}', '{"required": ["a", "bb", "", "é"]}'::jsonb);
SELECT * FROM comply.validation_errors('{"ab": 1, "abc": 2, "A": 3, "": 4}',
  '{"propertyNames": {"maxLength": 2, "pattern": "^[a-z]+$"}}'::jsonb);
-- Lengths count code points, not bytes.
SELECT s, comply.validate(to_jsonb(s), '{"minLength": 2, "maxLength": 3}'::jsonb)
FROM unnest(ARRAY['ab', 'éé', 'éééé', '😀😀', 'a']) AS s;

-- Containers past 32 entries (jsonb stores an offset every 32 entries, lengths between):
-- every item and member is found, errors name the right ones.
SELECT count(*) FROM comply.validation_errors(
  (SELECT jsonb_agg(CASE WHEN g % 10 = 0 THEN to_jsonb(g::text) ELSE to_jsonb(g) END) FROM generate_series(1, 100) g),
  '{"items": {"type": "integer"}}'::jsonb);
SELECT instance_path FROM comply.validation_errors(
  (SELECT jsonb_agg(CASE WHEN g % 10 = 0 THEN to_jsonb(g::text) ELSE to_jsonb(g) END) FROM generate_series(1, 100) g),
  '{"items": {"type": "integer"}}'::jsonb) LIMIT 3;
SELECT instance_path, message FROM comply.validation_errors(
  (SELECT jsonb_object_agg('k' || g, CASE WHEN g IN (7, 33, 64, 99) THEN to_jsonb('x' || g) ELSE to_jsonb(g) END)
     FROM generate_series(1, 100) g),
  (SELECT jsonb_build_object('type', 'object', 'required', jsonb_agg('k' || g) || '["k101"]',
                             'additionalProperties', jsonb_build_object('type', 'integer'))
     FROM generate_series(1, 100) g));
SELECT comply.validate(
  (SELECT jsonb_object_agg('k' || g, g) FROM generate_series(1, 1000) g),
  (SELECT jsonb_build_object('required', jsonb_agg('k' || g),
                             'properties', jsonb_object_agg('k' || g, jsonb_build_object('const', g)))
     FROM generate_series(1, 1000, 37) g)) AS big_object_valid;

-- Nested documents, errors deep inside.
SELECT * FROM comply.validation_errors(
  '{"n": [{"v": 1}, {"v": 4}, {"v": "x"}, 5, {"v": 2.5, "w": {"deep": [null, [true, {"x": "é"}]]}}]}',
  '{"properties": {"n": {"items": {"type": "object", "properties": {"v": {"maximum": 3}, "w": {"properties": {"deep": {"prefixItems": [true, {"prefixItems": [{"const": true}, {"properties": {"x": {"maxLength": 0}}}]}]}}}}}}}}'::jsonb);

-- A TOASTed (compressed) document in a CHECK constraint.
SELECT comply.register_schema('jsonb_big', '{"type": "object", "required": ["items"], "properties": {"items": {"type": "array", "items": {"type": "object", "required": ["id", "note"], "properties": {"id": {"type": "integer", "minimum": 1}, "note": {"type": "string", "maxLength": 200}}}}}}');
CREATE TABLE jsonb_big (doc jsonb CHECK (comply.validate(doc, 'jsonb_big')));
INSERT INTO jsonb_big
SELECT jsonb_build_object('items', jsonb_agg(jsonb_build_object('id', g, 'note', repeat('note ', 30))))
FROM generate_series(1, 500) g;
\set VERBOSITY terse
INSERT INTO jsonb_big
SELECT jsonb_build_object('items', jsonb_agg(jsonb_build_object('id', 500 - g, 'note', repeat('note ', 30))))
FROM generate_series(1, 500) g;
\set VERBOSITY default
SELECT pg_column_size(doc) < octet_length(doc::text) AS compressed, comply.validate(doc, 'jsonb_big')
FROM jsonb_big;
SELECT * FROM comply.validation_errors(
  (SELECT jsonb_build_object('items', jsonb_agg(jsonb_build_object('id', 500 - g, 'note', repeat('note ', 30)))) FROM generate_series(1, 500) g),
  'jsonb_big');

-- A call site remembers its compiled schema between rows, and forgets it when the schema
-- is registered again, even within one transaction and one PL/pgSQL function.
SELECT comply.register_schema('jsonb_memo', '{"type": "integer"}');
CREATE FUNCTION pg_temp.memo_check() RETURNS SETOF text LANGUAGE plpgsql AS $$
DECLARE
  ok boolean;
BEGIN
  FOR i IN 1..2 LOOP
    ok := comply.validate('"text"', 'jsonb_memo');
    RETURN NEXT format('round %s, schema %s: %s', i, (SELECT schema FROM comply.schemas WHERE name = 'jsonb_memo'), ok);
    PERFORM comply.register_schema('jsonb_memo', '{"type": "string"}');
  END LOOP;
END $$;
SELECT * FROM pg_temp.memo_check();
-- Several schema names in one statement, each row its own.
SELECT comply.register_schema('jsonb_memo2', '{"type": "array"}');
SELECT name, comply.validate('"text"', name)
FROM unnest(ARRAY['jsonb_memo', 'jsonb_memo2', 'jsonb_memo', 'jsonb_memo2']) AS name;
-- The options of the anonymous form are remembered with the schema.
SELECT f, comply.validate('"2024-02-30"', '{"format": "date"}'::jsonb, f::jsonb)
FROM unnest(ARRAY['{"format": "annotate"}', '{"format": "assert"}', '{"format": "annotate"}']) AS f;

-- validate against the same rules written by hand in SQL, over thousands of documents
-- with hundreds of layouts of keys (the fast evaluator walks each object's members in
-- jsonb's order and finds their properties by a hash of the names), keys longer than 8
-- bytes and one of 300 (too long to hash: binary search), nested objects, extra keys,
-- wrong types, required properties inside and outside "properties". They must agree
-- everywhere, each schema accepting some documents and rejecting others. (Not against
-- validation_errors: it asks the same evaluator first.)
SELECT setseed(0.42);
CREATE TEMP TABLE layout_docs AS
SELECT i, (SELECT coalesce(jsonb_object_agg(k,
          CASE WHEN random() < 0.85 THEN
            CASE k WHEN 'a' THEN '7' WHEN 'bb' THEN '"ab"' WHEN 'ccc' THEN 'false'
                   WHEN 'o' THEN (SELECT coalesce(jsonb_object_agg(k2, CASE k2 WHEN 'y' THEN '"s"' ELSE '2.5' END), '{}')
                                  FROM unnest(ARRAY['x', 'y', 'w']) k2 WHERE random() < 0.6 AND k IS NOT NULL)
                   ELSE '"x"' END::jsonb
          ELSE (ARRAY['1', '"ab"', '"abcd"', 'true', 'null', '1.5', '[]', '{"x": 1}', '{"y": 2}'])[1 + floor(random() * 9)::int]::jsonb
          END), '{}')
         FROM unnest(ARRAY['a', 'bb', 'ccc', 'long_property_name', 'o', 'extra', 'zz', repeat('p', 300)]) k
         WHERE random() < CASE WHEN k = 'extra' OR length(k) > 100 THEN 0.3 ELSE 0.75 END AND i > 0) AS doc
FROM generate_series(1, 4000) i;
CREATE FUNCTION pg_temp.is_int(v jsonb) RETURNS boolean LANGUAGE sql AS
  $$ SELECT jsonb_typeof(v) = 'number' AND v::text::numeric = trunc(v::text::numeric) $$;
CREATE FUNCTION pg_temp.has_type(d jsonb, k text, t text) RETURNS boolean LANGUAGE sql AS
  $$ SELECT NOT d ? k OR jsonb_typeof(d -> k) = t $$;
CREATE TEMP TABLE layout_schemas (name text, schema jsonb, by_hand text);
INSERT INTO layout_schemas VALUES
  ('closed', '{"type": "object", "required": ["a", "bb"],
               "properties": {"a": {"type": "integer"}, "bb": {"type": "string", "maxLength": 3},
                              "ccc": {"type": "boolean"}, "long_property_name": {"type": "string"},
                              "o": {"type": "object", "required": ["x"], "additionalProperties": false,
                                    "properties": {"x": {"type": "number"}, "y": {"type": "string"}}},
                              "zz": true},
               "additionalProperties": false}',
   $r$ d ?& '{a,bb}' AND (d - '{a,bb,ccc,long_property_name,o,zz}'::text[]) = '{}' AND pg_temp.is_int(d -> 'a')
       AND jsonb_typeof(d -> 'bb') = 'string' AND length(d ->> 'bb') <= 3 AND pg_temp.has_type(d, 'ccc', 'boolean')
       AND pg_temp.has_type(d, 'long_property_name', 'string')
       AND (NOT d ? 'o' OR (jsonb_typeof(d -> 'o') = 'object' AND (d -> 'o') ? 'x' AND ((d -> 'o') - '{x,y}'::text[]) = '{}'
                            AND jsonb_typeof(d -> 'o' -> 'x') = 'number' AND pg_temp.has_type(d -> 'o', 'y', 'string'))) $r$),
  ('additional schema', '{"required": ["a"],
                          "properties": {"a": {"type": "integer"}, "bb": {"type": "string"},
                                         "o": {"required": ["y"], "additionalProperties": {"type": "number"}}},
                          "additionalProperties": {"type": "string"}}',
   $r$ d ? 'a' AND pg_temp.is_int(d -> 'a') AND pg_temp.has_type(d, 'bb', 'string')
       AND (jsonb_typeof(d -> 'o') IS DISTINCT FROM 'object' OR ((d -> 'o') ? 'y' AND
            NOT EXISTS (SELECT FROM jsonb_each(d -> 'o') e WHERE jsonb_typeof(e.value) <> 'number')))
       AND NOT EXISTS (SELECT FROM jsonb_each(d - '{a,bb,o}'::text[]) e WHERE jsonb_typeof(e.value) <> 'string') $r$),
  ('open, required elsewhere', '{"required": ["zz", "a"], "properties": {"a": {"minimum": 5}, "ccc": {"const": false}}}',
   $r$ d ?& '{zz,a}' AND (jsonb_typeof(d -> 'a') <> 'number' OR (d -> 'a')::text::numeric >= 5)
       AND (NOT d ? 'ccc' OR (d -> 'ccc') = 'false') $r$),
  ('a key of 300 bytes', jsonb_build_object('required', jsonb_build_array(repeat('p', 300)), 'additionalProperties', false,
     'properties', jsonb_build_object(repeat('p', 300), '{"type": "string"}'::jsonb, 'a', '{}'::jsonb, 'extra', '{}'::jsonb,
                                      'bb', '{}'::jsonb, 'ccc', '{}'::jsonb, 'long_property_name', '{}'::jsonb, 'o', '{}'::jsonb, 'zz', '{}'::jsonb)),
   $r$ d ? repeat('p', 300) AND jsonb_typeof(d -> repeat('p', 300)) = 'string' $r$);
CREATE FUNCTION pg_temp.by_hand(rule text, doc jsonb) RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
  ok boolean;
BEGIN
  EXECUTE 'SELECT ' || rule || ' FROM (SELECT $1 AS d) AS doc' INTO ok USING doc;
  RETURN ok;
END $$;
SELECT count(DISTINCT (SELECT array_agg(k ORDER BY k) FROM jsonb_object_keys(doc) k)) > 128 AS many_layouts
FROM layout_docs;
SELECT s.name,
       count(*) FILTER (WHERE comply.validate(d.doc, s.schema)) BETWEEN 100 AND 3900 AS some_valid_some_not,
       count(*) FILTER (WHERE comply.validate(d.doc, s.schema) IS DISTINCT FROM pg_temp.by_hand(s.by_hand, d.doc)) AS disagree
FROM layout_schemas s, layout_docs d
GROUP BY s.name ORDER BY s.name;

DROP TABLE jsonb_big;
DELETE FROM comply.schemas;
