-- pgTAP: the catalog contract of protected tables, posture, drift and alerts
-- (signatures, volatility, privileges, event triggers) and a few behaviours.
BEGIN;
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS pg_comply;
RESET client_min_messages;
SELECT plan(30);

-- Protected tables.
SELECT has_function('comply', 'protect', ARRAY['regclass', 'jsonb']);
SELECT has_function('comply', 'unprotect', ARRAY['regclass']);
SELECT has_view('comply', 'protected_tables', 'which tables are protected, and enforced');
SELECT ok(NOT has_function_privilege('public', 'comply.protect(regclass, jsonb)', 'execute'),
          'PUBLIC cannot protect tables');
SELECT has_function('comply', 'protect_existing', ARRAY['regclass']);
SELECT ok(NOT has_function_privilege('public', 'comply.protect_existing(regclass)', 'execute'),
          'PUBLIC cannot rewrite stored rows through a policy');
SELECT ok(has_table_privilege('public', 'comply.policies', 'SELECT'), 'policies are readable');
SELECT ok(NOT has_table_privilege('public', 'comply.policies', 'INSERT'), 'but not writable');
SELECT ok((SELECT 'comply.policies'::regclass::oid = ANY (extconfig) FROM pg_extension
            WHERE extname = 'pg_comply'), 'policies are kept by pg_dump');

-- Posture.
SELECT has_function('comply', 'check_server', '{}'::text[]);
SELECT has_function('comply', 'is_encrypted', ARRAY['bytea']);
SELECT has_function('comply', 'is_encrypted', ARRAY['text']);
SELECT volatility_is('comply', 'is_encrypted', ARRAY['bytea'], 'immutable');
SELECT is_strict('comply', 'is_encrypted', ARRAY['bytea']);
SELECT has_function('comply', 'check_encryption', ARRAY['regclass', 'name', 'integer']);
SELECT ok(NOT has_function_privilege('public', 'comply._secret_file_problem(text)', 'execute'),
          'nobody but superusers inspects secret files');
SELECT ok(comply.is_encrypted('\x8c0d04070302'::bytea || gen_random_uuid()::text::bytea) IS NOT NULL,
          'is_encrypted answers for any bytes');
SELECT ok(NOT comply.is_encrypted('{"a": 1}'::text), 'JSON is not ciphertext');

-- Compliance tests.
SELECT has_function('comply', 'run_controls', ARRAY['text[]']);
SELECT has_function('comply', 'tap_controls', ARRAY['text[]']);
SELECT ok(NOT has_function_privilege('public', 'comply.run_controls(text[])', 'execute'),
          'running the controls takes a grant');

-- Drift and alerts.
SELECT ok((SELECT count(*) = 2 FROM pg_event_trigger WHERE evtname IN ('comply_drift_ddl', 'comply_drift_drop')
            AND evtenabled = 'A'), 'both drift event triggers are enabled always');
SELECT has_function('comply', 'snapshot_baseline', '{}'::text[]);
SELECT has_function('comply', 'drift', '{}'::text[]);
SELECT ok(NOT has_function_privilege('public', 'comply.drift()', 'execute'), 'drift takes a grant');
SELECT ok(NOT has_function_privilege('public', 'comply._raise_alert(text, text, text, jsonb)', 'execute'),
          'nobody raises alerts by hand');
SELECT ok(NOT has_table_privilege('public', 'comply.alerts', 'SELECT'), 'PUBLIC cannot read alerts');
SELECT ok((SELECT bool_and(prosecdef AND proconfig @> ARRAY['search_path=pg_catalog, pg_temp'])
             FROM pg_proc WHERE pronamespace = 'comply'::regnamespace
              AND proname IN ('_drift', '_drift_ddl', '_drift_drop', '_raise_alert', 'snapshot_baseline', 'drift')),
          'the definer functions of drift and alerts pin search_path');
SELECT lives_ok($$SELECT comply._raise_alert('drift', 'tap', 'a test alert')$$, 'an alert is raised');
SELECT is((SELECT message FROM comply.alerts ORDER BY id DESC LIMIT 1), 'a test alert', 'and kept in the outbox');

SELECT * FROM finish();
ROLLBACK;
