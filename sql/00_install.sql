-- Installation: the extension, its schema, and the refusal of non-UTF8 databases.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pg_comply;
RESET client_min_messages;

SELECT e.extname, e.extversion, n.nspname AS member_schema
  FROM pg_extension e
  JOIN pg_depend d ON d.refobjid = e.oid AND d.deptype = 'e' AND d.classid = 'pg_namespace'::regclass
  JOIN pg_namespace n ON n.oid = d.objid
 WHERE e.extname = 'pg_comply';

-- Every function of the extension has a comment.
SELECT p.oid::regprocedure AS undocumented
  FROM pg_proc p JOIN pg_depend d ON d.objid = p.oid AND d.deptype = 'e'
  JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'pg_comply'
 WHERE obj_description(p.oid, 'pg_proc') IS NULL;

-- Loaded through shared_preload_libraries by the test cluster.
SELECT current_setting('shared_preload_libraries') ~ 'pg_comply' AS preloaded;
SHOW comply.max_input_bytes;

-- A LATIN1 database is refused with a clear error.
CREATE DATABASE comply_latin1 ENCODING 'LATIN1' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0;
\c comply_latin1
CREATE EXTENSION pg_comply;
SELECT count(*) AS comply_schemas FROM pg_namespace WHERE nspname = 'comply';
\c contrib_regression
DROP DATABASE comply_latin1;

-- Drop and re-create leaves nothing behind.
DROP EXTENSION pg_comply;
SELECT count(*) AS comply_schemas FROM pg_namespace WHERE nspname = 'comply';
CREATE EXTENSION pg_comply;
SELECT count(*) AS entities FROM comply.entities();
-- Once the ledger holds entries, only a session that sets comply.allow_ledger_drop may
-- drop the extension with it (sql/07_ledger.sql shows the refusal); a WARNING says so.
SELECT comply.audit('install-test', 'drop') AS entry;
SET comply.allow_ledger_drop = on;
DROP EXTENSION pg_comply;
RESET comply.allow_ledger_drop;
CREATE EXTENSION pg_comply;
SELECT count(*) AS entries_after_recreate FROM comply.audit_log;

-- DROP OWNED BY the role that owns the extension would drop the extension and its ledger
-- with everything else the role owns: refused as DROP EXTENSION is, unless the session
-- sets comply.allow_ledger_drop.
CREATE ROLE comply_ext_owner SUPERUSER;
CREATE DATABASE comply_owned OWNER comply_ext_owner ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0;
\c comply_owned
SET ROLE comply_ext_owner;
SET client_min_messages = warning;
CREATE EXTENSION pg_comply;
RESET client_min_messages;
SELECT comply.audit('owned-test', 'drop owned') IS NOT NULL AS recorded;
RESET ROLE;
\set VERBOSITY terse
DROP OWNED BY comply_ext_owner;
\set VERBOSITY default
SELECT count(*) AS entries_kept FROM comply.audit_log;
SET comply.allow_ledger_drop = on;
DROP OWNED BY comply_ext_owner;
RESET comply.allow_ledger_drop;
SELECT count(*) AS extensions_left FROM pg_extension WHERE extname = 'pg_comply';
\c contrib_regression
DROP DATABASE comply_owned;
DROP ROLE comply_ext_owner;
