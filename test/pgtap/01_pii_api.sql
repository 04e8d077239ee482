-- pgTAP: the PII API's catalog contract (signatures, volatility, strictness, privileges)
-- and its behaviour as assertions.
BEGIN;
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS pg_comply;
RESET client_min_messages;
SELECT plan(41);

-- Catalog contract.
SELECT has_schema('comply');
SELECT has_table('comply', 'recognizers', 'custom recognizers live in a table');
SELECT has_function('comply', 'detect', ARRAY['text', 'double precision', 'text[]', 'text']);
SELECT has_function('comply', 'redact', ARRAY['text', 'jsonb', 'double precision']);
SELECT has_function('comply', 'redact', ARRAY['jsonb', 'jsonb', 'text[]', 'double precision']);
SELECT has_function('comply', 'pseudonymize', ARRAY['text']);
SELECT function_returns('comply', 'redact', ARRAY['text', 'jsonb', 'double precision'], 'text');
SELECT function_returns('comply', 'redact', ARRAY['jsonb', 'jsonb', 'text[]', 'double precision'], 'jsonb');
SELECT volatility_is('comply', 'detect', ARRAY['text', 'double precision', 'text[]', 'text'], 'stable');
SELECT volatility_is('comply', 'redact', ARRAY['text', 'jsonb', 'double precision'], 'stable');
SELECT is_strict('comply', 'pseudonymize', ARRAY['text']);
SELECT isnt_strict('comply', 'redact', ARRAY['text', 'jsonb', 'double precision'],
                   'redact is not strict: NULL operators mean the defaults');
SELECT is((SELECT proparallel FROM pg_proc WHERE oid = 'comply.detect(text, float8, text[], text)'::regprocedure),
          's'::"char", 'detect is parallel safe');
SELECT ok(NOT has_function_privilege('public', 'comply._boundary_raise(text)', 'execute'),
          'boundary self-tests are not granted to PUBLIC');
SELECT ok(has_function_privilege('public', 'comply.redact(text, jsonb, float8)', 'execute'),
          'redact is callable by everyone');

-- Detection.
SELECT results_eq(
  $$SELECT entity FROM comply.detect('SSN 536-22-8714, card 4111-1111-1111-1111, mail a.b@example.com')$$,
  ARRAY['US_SSN', 'CREDIT_CARD', 'EMAIL_ADDRESS'], 'entities in order of position');
SELECT is((SELECT substr(t, start_pos, length) FROM (SELECT 'ünï 536-22-8714' t) s, comply.detect(t)),
          '536-22-8714', 'positions are characters: substr gives the finding');
SELECT is((SELECT count(*)::int FROM comply.detect('4111 1111 1111 1112')), 0, 'a failed Luhn drops the card');
SELECT is((SELECT count(*)::int FROM comply.detect('IBAN GB82 WEST 1234 5698 7654 33')), 0, 'a failed mod-97 drops the IBAN');
SELECT is((SELECT score FROM comply.detect('IBAN GB82 WEST 1234 5698 7654 32')), 1.0::float8, 'a valid checksum gives full confidence');
SELECT cmp_ok((SELECT score FROM comply.detect('date of birth 1984-03-05')), '>',
              (SELECT score FROM comply.detect('meeting on 1984-03-05')), 'birth context raises a date''s score');
SELECT is((SELECT count(*)::int FROM comply.detect('id 98765432101234567890')), 0, 'no SSN inside a longer digit run');
SELECT is((SELECT entity FROM comply.detect('Dear Ms. Okafor,')), 'PERSON', 'honorific names a person');
SELECT is((SELECT count(*)::int FROM comply.detect(NULL)), 0, 'NULL input has no findings');
SELECT throws_ok($$SELECT * FROM comply.detect('x', 1.5)$$, '22023', 'min_score must be between 0 and 1',
                 'min_score out of range');
SELECT throws_ok($$SELECT * FROM comply.detect('x', 0.5, ARRAY['NOPE'])$$, '22023', 'unknown entity "NOPE"',
                 'unknown entity names are refused');

-- Redaction.
SELECT is(comply.redact('call 415-555-2671'), 'call [PHONE_NUMBER]', 'label is the default operator');
SELECT is(comply.redact('ssn 536-22-8714', '{"US_SSN": {"op": "mask", "keep_last": 4}}'),
          'ssn *******8714', 'mask keeps the last N characters');
SELECT is(comply.redact('mail a@example.com now', '{"default": {"op": "remove"}}'), 'mail  now', 'remove');
SELECT is(comply.redact('mail a@example.com', '{"default": {"op": "keep"}}'), 'mail a@example.com', 'keep');
SELECT is(comply.redact(NULL::text), NULL, 'NULL in, NULL out');
SELECT throws_ok($$SELECT comply.redact('x', '{"US_SSN": {"op": "mask", "keep_lst": 4}}')$$, '22023',
                 NULL, 'invalid operators are refused');
SELECT throws_like($$SELECT comply.redact('x', '{"US_SSN": {"op": "mask", "keep_lst": 4}}')$$,
                   '%"US_SSN.keep_lst"%', 'the error names the bad key');
SELECT throws_ok($$SELECT comply.redact('536-22-8714', '{"default": {"op": "hash"}}')$$, '55000',
                 'no HMAC key is configured', 'hash needs a key');
SELECT throws_ok($$SET comply.max_input_bytes = '1kB'; SELECT comply.redact(repeat('a', 5000))$$, '54000',
                 NULL, 'inputs over comply.max_input_bytes are refused');
RESET comply.max_input_bytes;
SELECT is(comply.redact('{"a": {"SSN": 536228714, "b": ["mail a@example.com", 2]}}'::jsonb, NULL, ARRAY['ssn']),
          '{"a": {"SSN": "[SSN]", "b": ["mail [EMAIL_ADDRESS]", 2]}}'::jsonb, 'jsonb: keys replaced whole, strings by content');
SELECT is(comply.redact('[1, true, null, 2.5]'::jsonb), '[1, true, null, 2.5]'::jsonb, 'jsonb: non-strings kept');

-- Custom recognizers.
SELECT lives_ok($$INSERT INTO comply.recognizers (entity, pattern, score) VALUES ('CASE_ID', '\bCASE-\d{6}\b', 0.9)$$,
                'a custom recognizer is added');
SELECT is(comply.redact('see CASE-123456'), 'see [CASE_ID]', 'it takes effect at once');
SELECT throws_ok($$INSERT INTO comply.recognizers (entity, pattern) VALUES ('X', 'a(?=b)')$$, '2201B',
                 NULL, 'a pattern RE2 cannot run is refused');
SELECT throws_like($$INSERT INTO comply.recognizers (entity, pattern) VALUES ('X', '[z-a]')$$,
                   'invalid regular expression: %', 'with RE2''s message');

SELECT * FROM finish();
ROLLBACK;
