-- The C++/PostgreSQL boundary: errors cross it in both directions, destructors run,
-- the session keeps working, and long calls are cancellable.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pg_comply;
RESET client_min_messages;
\set VERBOSITY default

SELECT comply._boundary_destroyed() AS destroyed_before \gset

-- A C++ exception (comply::Error) becomes an SQL error with its SQLSTATE.
\set VERBOSITY sqlstate
SELECT comply._boundary_raise('error');
\set VERBOSITY default
SELECT comply._boundary_raise('error');

-- A PostgreSQL error raised inside PgCall comes back as a C++ exception and is
-- re-raised as the same SQL error (SQLSTATE 22012, message, detail).
\set VERBOSITY sqlstate
SELECT comply._boundary_raise('pg');
\set VERBOSITY default
SELECT comply._boundary_raise('pg');
-- ... and C++ can catch it and carry on.
SELECT comply._boundary_raise('pg_caught');

-- Other C++ exceptions: internal_error without their message (it may hold data),
-- out of memory as out_of_memory.
\set VERBOSITY sqlstate
SELECT comply._boundary_raise('exception');
SELECT comply._boundary_raise('bad_alloc');
\set VERBOSITY default

-- The session still works, and the C++ object alive in each failing call was destroyed
-- (8 calls above, each with one tracked object).
SELECT comply._boundary_raise('none');
SELECT comply._boundary_destroyed() - :destroyed_before AS destroyed;

-- Inside a transaction, a caught error rolls back only to the savepoint.
BEGIN;
CREATE TEMP TABLE t(x int);
INSERT INTO t VALUES (1);
SAVEPOINT s;
SELECT comply._boundary_raise('pg');
ROLLBACK TO s;
INSERT INTO t VALUES (2);
SELECT count(*) FROM t;
COMMIT;

-- statement_timeout stops a long detection: a 200 MB string full of candidates.
SET comply.max_input_bytes = '300MB';
SET statement_timeout = '200ms';
SELECT length(comply.redact(repeat('Visit 2024-01-15, call 415-555-2671 or 212 555 0143. ', 4000000)));
SELECT count(*) FROM comply.detect(repeat('Visit 2024-01-15, call 415-555-2671 or 212 555 0143. ', 4000000));
SELECT comply.redact(jsonb_build_object('notes', repeat('call 415-555-2671 now. ', 9000000)));
RESET statement_timeout;
RESET comply.max_input_bytes;
SELECT comply._boundary_raise('none') AS still_working;

-- What writes is refused in a read-only transaction (so on a standby too) with
-- read_only_sql_transaction, naming the function rather than a statement it runs inside.
BEGIN READ ONLY;
DO $$
DECLARE
  call text;
  state text;
  message text;
BEGIN
  FOREACH call IN ARRAY ARRAY[
      'comply.seal()', 'comply.protect(''pg_class'', ''{}'')', 'comply.unprotect(''pg_class'')',
      'comply.protect_existing(''pg_class'')', 'comply.register_schema(''x'', ''{}'')',
      'comply.review_next()', 'comply.review_decide(1, ''a'')', 'comply.review_release(1)',
      'comply.review_enqueue(''{}'', ''x'', ARRAY[''a''], ''a'', 0.5)', 'comply.review_maintain()',
      'comply.train_classifier(''m'', ''SELECT 1'')', 'comply.classify_async(''x'', ARRAY[''a''], ''m'')',
      'comply.run_jobs(1)', 'comply.dismiss_alert(1, ''r'')', 'comply.forget(''pg_class'', ''{"oid": 1}'')',
      'comply.forget_dropped(''t'', ''{"id": 1}'')', 'comply.purge_ai_history(''1 day'')',
      'comply.snapshot_baseline()', 'comply.audit(''a'', ''o'')', 'comply.archive_ledger(1)'] LOOP
    BEGIN
      EXECUTE 'SELECT ' || call;
      RAISE NOTICE '%: no error', call;
    EXCEPTION WHEN OTHERS THEN
      GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, message = MESSAGE_TEXT;
      RAISE NOTICE '%: % %', call, state, message;
    END;
  END LOOP;
END $$;
ROLLBACK;
