-- pg_comply install script (generated from src/sql/*.sql in name order).
\echo Use "CREATE EXTENSION pg_comply" to load this file. \quit

-- pg_comply reports positions in characters and scans text as UTF-8.
DO $$
BEGIN
  IF pg_catalog.getdatabaseencoding() <> 'UTF8' THEN
    RAISE EXCEPTION 'pg_comply requires a UTF8 database, but database "%" has encoding %',
      pg_catalog.current_database(), pg_catalog.getdatabaseencoding()
      USING ERRCODE = 'feature_not_supported',
            HINT = 'Create the database with ENCODING ''UTF8'' (and TEMPLATE template0).';
  END IF;
END
$$;

-- The schema belongs to the extension, so DROP EXTENSION removes it.
CREATE SCHEMA comply;
GRANT USAGE ON SCHEMA comply TO PUBLIC;
COMMENT ON SCHEMA comply IS 'pg_comply: compliance controls (PII detection and redaction, ...)';

-- A name given by the caller, as a message shows it (the C++ ShownName): quoted when it
-- has the form of a name, otherwise only its length, since a value that is not a name
-- may be data passed in the wrong argument, and messages never contain data.
CREATE FUNCTION comply._shown_name(s text) RETURNS text
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
  SELECT CASE WHEN octet_length(s) <= 128 AND s ~ '^[A-Za-z_][A-Za-z0-9_.:-]*$' THEN '"' || s || '"'
              ELSE format('(a value of %s bytes that is not a name; not shown)', octet_length(s)) END
$$;
COMMENT ON FUNCTION comply._shown_name(text) IS
  'Internal: a caller''s name as messages show it (quoted if it is a name, else its length)';
