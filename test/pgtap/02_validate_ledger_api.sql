-- pgTAP: the catalog contract of validation and the audit ledger (signatures,
-- volatility, strictness, privileges, pinned search_path) and a few behaviours.
BEGIN;
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS pg_comply;
RESET client_min_messages;
SELECT plan(37);

-- Validation.
SELECT has_function('comply', 'validate', ARRAY['jsonb', 'jsonb']);
SELECT has_function('comply', 'validate', ARRAY['jsonb', 'jsonb', 'jsonb']);
SELECT has_function('comply', 'validate', ARRAY['jsonb', 'text']);
SELECT has_function('comply', 'validation_errors', ARRAY['jsonb', 'jsonb', 'jsonb']);
SELECT has_function('comply', 'assert_valid', ARRAY['jsonb', 'text']);
SELECT has_function('comply', 'register_schema', ARRAY['text', 'jsonb']);
SELECT volatility_is('comply', 'validate', ARRAY['jsonb', 'jsonb'], 'immutable');
SELECT volatility_is('comply', 'validate', ARRAY['jsonb', 'text'], 'stable');
SELECT is_strict('comply', 'validate', ARRAY['jsonb', 'jsonb']);
SELECT ok(comply.validate('{"a": 1}', '{"required": ["a"]}'::jsonb), 'a valid document');
SELECT ok(NOT comply.validate('{}', '{"required": ["a"]}'::jsonb), 'an invalid document');
SELECT throws_ok($$SELECT comply.validate('1', '{"$ref": "#/nowhere"}'::jsonb)$$, '42704', NULL,
                 'an unresolvable $ref is refused');
SELECT throws_ok($$SELECT comply.validate('{}', 'not_registered')$$, '42704', NULL,
                 'an unknown schema name is refused');
SELECT throws_like($$SELECT comply.register_schema('x', '{"minimum": "ten"}')$$,
                   'invalid schema at /minimum%', 'an invalid schema names its path');

-- Ledger.
SELECT has_table('comply', 'audit_log', 'the audit log');
SELECT has_table('comply', 'ledger_blocks', 'the sealed blocks');
SELECT has_table('comply', 'ledger_entries', 'the record of sealed entries');
SELECT has_function('comply', 'audit', ARRAY['text', 'text', 'jsonb']);
SELECT has_function('comply', 'verify_ledger', ARRAY['bigint', 'bigint']);
SELECT ok(NOT has_table_privilege('public', 'comply.audit_log', 'INSERT'),
          'PUBLIC cannot insert into the audit log directly');
SELECT ok(NOT has_table_privilege('public', 'comply.ledger_blocks', 'SELECT'),
          'PUBLIC cannot read the blocks directly');
SELECT ok(has_function_privilege('public', 'comply.audit(text, text, jsonb)', 'execute'),
          'everyone may append through comply.audit');
SELECT is((SELECT prosecdef FROM pg_proc WHERE oid = 'comply.verify_digest(jsonb)'::regprocedure),
          true, 'verify_digest is SECURITY DEFINER');
SELECT ok((SELECT proconfig @> ARRAY['search_path=pg_catalog, pg_temp'] FROM pg_proc
            WHERE oid = 'comply.ledger_digest()'::regprocedure),
          'its search_path is pinned');
SELECT ok((SELECT bool_and(tgenabled = 'A') AND count(*) = 8 FROM pg_trigger
            WHERE tgrelid IN ('comply.audit_log'::regclass, 'comply.ledger_blocks'::regclass,
                              'comply.ledger_entries'::regclass, 'comply.ledger_archives'::regclass)
              AND tgname LIKE 'append_only%'), 'append-only guards are enabled always (also in replica mode)');
SELECT has_table('comply', 'ledger_archives', 'the record of archived blocks');
SELECT has_function('comply', 'archive_ledger', ARRAY['bigint']);
SELECT ok(NOT has_function_privilege('public', 'comply.archive_ledger(bigint)', 'execute'),
          'archiving (removing entries) is not granted to PUBLIC');
SELECT is(current_setting('comply.ledger_retention'), '2557d', 'entries are kept seven years by default');
SELECT lives_ok($$SELECT comply.audit('tap', 'test', '{"mail": "a@example.com"}')$$, 'an append');
SELECT throws_ok($$SELECT comply.audit('Review.Decide', 'comply.review_cases/1')$$, '42501', NULL,
                 'pg_comply''s own action names are refused, even to the owner');
SELECT ok(NOT has_function_privilege('public', 'comply._audit_own(text, text, jsonb)', 'execute'),
          'the internal append that may use them is not granted to PUBLIC');
SELECT lives_ok($$SELECT comply.audit('review.decided_by_app', 'test')$$,
                'a name that only resembles one is the caller''s own');
SELECT throws_ok($$UPDATE comply.audit_log SET action = 'x' WHERE action = 'tap'$$, '42501', NULL,
                 'UPDATE is refused even to the owner');
SELECT is((SELECT details ->> 'mail' FROM comply.audit_log WHERE action = 'tap'), '[EMAIL_ADDRESS]',
          'details are redacted before they are stored');
SELECT cmp_ok((SELECT count(*)::int FROM comply.seal()), '>=', 1, 'comply.seal() seals it');
SELECT is_empty($$SELECT * FROM comply.verify_ledger()$$, 'the ledger verifies');

SELECT * FROM finish();
ROLLBACK;
