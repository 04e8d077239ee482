-- pgTAP: the catalog contract of discovery, the controls catalog, the requirements
-- matrix and the data-flow diagram (signatures, who runs them as whom, pinned
-- search_path, privileges, row-level security, pg_dump registration).
BEGIN;
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS pg_comply;
RESET client_min_messages;
SELECT plan(24);

SELECT has_function('comply', 'discover', ARRAY['integer', 'name', 'regclass']);
SELECT has_function('comply', 'requirements_matrix', ARRAY['boolean']);
SELECT has_function('comply', 'data_flow', ARRAY['text', 'name']);
SELECT volatility_is('comply', 'discover', ARRAY['integer', 'name', 'regclass'], 'volatile');
SELECT volatility_is('comply', 'requirements_matrix', ARRAY['boolean'], 'stable');
SELECT volatility_is('comply', 'data_flow', ARRAY['text', 'name'], 'stable');

-- Discovery reads user tables as its caller; only the ledger summary runs as the owner.
SELECT is((SELECT count(*)::int FROM pg_proc
            WHERE oid IN ('comply.discover(int, name, regclass)'::regprocedure,
                          'comply._discover(int, name, regclass)'::regprocedure,
                          'comply.requirements_matrix(boolean)'::regprocedure,
                          'comply.data_flow(text, name)'::regprocedure)
              AND prosecdef), 0, 'discover, the matrix and the diagram run as their caller');
SELECT is((SELECT prosecdef FROM pg_proc WHERE oid = 'comply._ledger_health(boolean)'::regprocedure),
          true, '_ledger_health is SECURITY DEFINER');
SELECT ok((SELECT bool_and(proconfig @> ARRAY['search_path=pg_catalog, pg_temp']) FROM pg_proc
            WHERE oid IN ('comply.discover(int, name, regclass)'::regprocedure,
                          'comply._discover(int, name, regclass)'::regprocedure,
                          'comply._ledger_health(boolean)'::regprocedure,
                          'comply.requirements_matrix(boolean)'::regprocedure,
                          'comply.data_flow(text, name)'::regprocedure)),
          'their search_path is pinned');
SELECT ok(has_function_privilege('public', 'comply.discover(int, name, regclass)', 'execute'),
          'anyone may discover (what they can read)');
SELECT ok(has_function_privilege('public', 'comply.requirements_matrix(boolean)', 'execute'),
          'anyone may read the matrix');
SELECT ok(has_function_privilege('public', 'comply.data_flow(text, name)', 'execute'),
          'anyone may draw the diagram');

-- The catalog: readable by all, written by its owner; user rows dumped, shipped rows not.
SELECT ok(has_table_privilege('public', 'comply.controls', 'select'), 'controls are readable');
SELECT ok(NOT has_table_privilege('public', 'comply.controls', 'insert'), 'controls are not writable by PUBLIC');
SELECT is((SELECT extcondition[array_position(extconfig, 'comply.controls'::regclass)]
             FROM pg_extension WHERE extname = 'pg_comply'),
          'WHERE user_defined', 'only user-defined controls are dumped');
SELECT is((SELECT count(*)::int FROM comply.controls WHERE user_defined), 0, 'the shipped rows are not user rows');
SELECT throws_ok($$UPDATE comply.controls SET description = 'x' WHERE control_id = 'PCI-10.3'$$,
                 '42501', NULL, 'a shipped control cannot be changed');
SELECT col_is_pk('comply', 'controls', 'control_id', 'one row per control_id');

-- Findings: row-level security, and no config dump (they are measurements).
SELECT ok((SELECT relrowsecurity FROM pg_class WHERE oid = 'comply.discoveries'::regclass),
          'discoveries have row-level security');
SELECT ok(NOT (SELECT 'comply.discoveries'::regclass = ANY (extconfig) FROM pg_extension
                WHERE extname = 'pg_comply'), 'discoveries are not dumped');
SELECT col_is_pk('comply', 'discoveries', ARRAY['table_name', 'column_name', 'discovered_by'], 'one row of findings per column and role');

-- Behaviour: a format is checked; the provider's host only.
SELECT throws_ok($$SELECT comply.data_flow('png')$$, '22023', NULL, 'unknown formats are refused');
SELECT is(comply._endpoint_host('https://u:p@Api.Example.COM:8443/v1/x?key=k'), 'api.example.com',
          'the host of an endpoint, without credentials, port, path or query');
SELECT is(comply._flow_label('a"]|<b>#', 'mermaid'), 'a#34;#93;#124;#60;b#62;#35;',
          'Mermaid labels cannot end their string');

SELECT * FROM finish();
ROLLBACK;
