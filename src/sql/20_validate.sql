-- JSON Schema validation.

CREATE TABLE comply.schemas (
  name text PRIMARY KEY CHECK (name ~ '^[A-Za-z_][A-Za-z0-9_.:-]{0,127}$'),
  schema jsonb NOT NULL,
  dialect text NOT NULL CHECK (dialect IN ('draft 2020-12', 'draft-07')),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE comply.schemas IS
  'Named JSON Schemas for comply.validate(instance, name); write them with comply.register_schema';
-- A $ref names a registered schema by its $id: two names with one $id would make which
-- one it reaches depend on the order rows are read. comply.register_schema refuses
-- that (42710); this index holds it when two registrations run at once, or a row is
-- written directly (the later one fails with 23505).
CREATE UNIQUE INDEX schemas_id_key ON comply.schemas ((rtrim(schema->>'$id', '#')))
  WHERE jsonb_typeof(schema->'$id') = 'string';
-- Every session reads named schemas to validate; writing them takes a grant.
GRANT SELECT ON comply.schemas TO PUBLIC;
SELECT pg_catalog.pg_extension_config_dump('comply.schemas', '');

CREATE FUNCTION comply._schemas_changed() RETURNS trigger
  AS 'MODULE_PATHNAME', 'comply_table_changed'
  LANGUAGE C;
COMMENT ON FUNCTION comply._schemas_changed() IS
  'Trigger function: makes every session drop its compiled schemas after comply.schemas changes';
CREATE TRIGGER schemas_changed
  AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON comply.schemas
  FOR EACH STATEMENT EXECUTE FUNCTION comply._schemas_changed();
ALTER TABLE comply.schemas ENABLE ALWAYS TRIGGER schemas_changed;  -- see 30_ledger.sql

CREATE FUNCTION comply.validate(instance jsonb, schema jsonb) RETURNS boolean
  AS 'MODULE_PATHNAME', 'comply_validate'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION comply.validate(jsonb, jsonb) IS
  'True if instance is valid against the JSON Schema (draft 2020-12 by default, or draft-07 by $schema)';

CREATE FUNCTION comply.validate(instance jsonb, schema jsonb, options jsonb) RETURNS boolean
  AS 'MODULE_PATHNAME', 'comply_validate'
  LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION comply.validate(jsonb, jsonb, jsonb) IS
  'comply.validate with options: {"format": "assert"} checks "format" keywords';

CREATE FUNCTION comply.validate(instance jsonb, schema_name text) RETURNS boolean
  AS 'MODULE_PATHNAME', 'comply_validate_named'
  LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION comply.validate(jsonb, text) IS
  'True if instance is valid against the schema registered under schema_name (usable in CHECK)';

-- Not STRICT: NULL options are the defaults.
CREATE FUNCTION comply.validate(instance jsonb, schema_name text, options jsonb) RETURNS boolean
  AS 'MODULE_PATHNAME', 'comply_validate_named_options'
  LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION comply.validate(jsonb, text, jsonb) IS
  'comply.validate by schema name with options: {"format": "assert"} checks "format" keywords (usable in CHECK)';

CREATE FUNCTION comply.validation_errors(instance jsonb, schema jsonb, options jsonb DEFAULT NULL)
  RETURNS TABLE(instance_path text, schema_path text, keyword text, message text)
  AS 'MODULE_PATHNAME', 'comply_validation_errors'
  LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION comply.validation_errors(jsonb, jsonb, jsonb) IS
  'Why instance fails the schema: JSON Pointers into instance and schema, keyword, message (never the value)';

CREATE FUNCTION comply.validation_errors(instance jsonb, schema_name text)
  RETURNS TABLE(instance_path text, schema_path text, keyword text, message text)
  AS 'MODULE_PATHNAME', 'comply_validation_errors_named'
  LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION comply.validation_errors(jsonb, text) IS
  'Why instance fails the registered schema schema_name';

CREATE FUNCTION comply.validation_errors(instance jsonb, schema_name text, options jsonb)
  RETURNS TABLE(instance_path text, schema_path text, keyword text, message text)
  AS 'MODULE_PATHNAME', 'comply_validation_errors_named'
  LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION comply.validation_errors(jsonb, text, jsonb) IS
  'Why instance fails the registered schema schema_name, with options ({"format": "assert"})';

CREATE FUNCTION comply.assert_valid(instance jsonb, schema_name text) RETURNS jsonb
  AS 'MODULE_PATHNAME', 'comply_assert_valid'
  LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION comply.assert_valid(jsonb, text) IS
  'Returns instance if valid against schema_name, else raises check_violation naming the failing paths';

-- Not STRICT: NULL options are the defaults.
CREATE FUNCTION comply.assert_valid(instance jsonb, schema_name text, options jsonb) RETURNS jsonb
  AS 'MODULE_PATHNAME', 'comply_assert_valid'
  LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION comply.assert_valid(jsonb, text, jsonb) IS
  'comply.assert_valid with options: {"format": "assert"} checks "format" keywords';

-- The documents a schema's $refs reach (absolute, fragments aside), each resolved against
-- its nearest $id as the compiler resolves it: for the guards of comply.schemas.
CREATE FUNCTION comply._schema_ref_targets(schema jsonb) RETURNS SETOF text
  AS 'MODULE_PATHNAME', 'comply_schema_ref_targets'
  LANGUAGE C IMMUTABLE STRICT;
COMMENT ON FUNCTION comply._schema_ref_targets(jsonb) IS
  'The documents a schema''s $refs reach, resolved against its $ids (for the guards of comply.schemas)';
REVOKE ALL ON FUNCTION comply._schema_ref_targets(jsonb) FROM PUBLIC;

-- Not STRICT: a NULL name or schema is refused (22004), not taken for a call that did
-- nothing (a deployment script whose schema came back NULL would go on unaware).
CREATE FUNCTION comply.register_schema(name text, schema jsonb) RETURNS void
  AS 'MODULE_PATHNAME', 'comply_register_schema'
  LANGUAGE C VOLATILE;
COMMENT ON FUNCTION comply.register_schema(text, jsonb) IS
  'Checks schema against its metaschema and stores it as name (replacing any previous one)';
