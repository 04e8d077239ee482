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

