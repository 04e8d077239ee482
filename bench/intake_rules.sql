-- The intake schema's rules written by hand in SQL (jsonb_typeof, ?, length, ~ ...), as a
-- user would without pg_comply: bench_intake_rules(doc), for the plain-SQL CHECK of
-- bench/validate_bench.sql and the PL/pgSQL trigger of bench/protect/setup.sql. A
-- one-expression SQL function (not STRICT), so the planner inlines it. Included with \ir.
-- Optional properties are guarded with `NOT doc ? 'x' OR (...)`; enum values are compared
-- as jsonb, so that a JSON null is rejected rather than making the expression NULL. The
-- items of tags need jsonpath: a CHECK cannot hold a subquery over jsonb_array_elements.
CREATE FUNCTION bench_intake_rules(doc jsonb) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $rules$
SELECT
jsonb_typeof(doc) = 'object'
AND doc ?& ARRAY['user_id', 'email', 'consent']
AND doc - ARRAY['user_id', 'email', 'name', 'dob', 'tags', 'address', 'consent', 'source'] = '{}'
AND jsonb_typeof(doc->'user_id') = 'number'
AND (doc->>'user_id')::numeric >= 1
AND (doc->>'user_id')::numeric % 1 = 0
AND jsonb_typeof(doc->'email') = 'string'
AND length(doc->>'email') <= 254
AND doc->>'email' ~ '^[A-Za-z0-9._%+''-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$'
AND jsonb_typeof(doc->'consent') = 'boolean'
AND (NOT doc ? 'name'
     OR (jsonb_typeof(doc->'name') = 'string' AND length(doc->>'name') BETWEEN 1 AND 100))
AND (NOT doc ? 'dob'
     OR (jsonb_typeof(doc->'dob') = 'string' AND doc->>'dob' ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$'))
AND (NOT doc ? 'tags'
     OR (jsonb_typeof(doc->'tags') = 'array'
         AND jsonb_array_length(doc->'tags') <= 10
         AND NOT jsonb_path_exists(doc->'tags', '$[*] ? (@.type() != "string")')))
AND (NOT doc ? 'address'
     OR (jsonb_typeof(doc->'address') = 'object'
         AND doc->'address' ?& ARRAY['street', 'city', 'zip']
         AND (doc->'address') - ARRAY['street', 'city', 'zip'] = '{}'
         AND jsonb_typeof(doc->'address'->'street') = 'string'
         AND length(doc->'address'->>'street') <= 200
         AND jsonb_typeof(doc->'address'->'city') = 'string'
         AND length(doc->'address'->>'city') <= 100
         AND jsonb_typeof(doc->'address'->'zip') = 'string'
         AND doc->'address'->>'zip' ~ '^[0-9]{5}$'))
AND (NOT doc ? 'source'
     OR doc->'source' IN ('"web"', '"mobile"', '"store"', '"partner"'))
$rules$;
