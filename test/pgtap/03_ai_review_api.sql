-- pgTAP: the catalog contract of AI classification and the review queue (signatures,
-- volatility, privileges, the reviewer role, pinned search_path) and a few behaviours.
BEGIN;
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS pg_comply;
RESET client_min_messages;
SELECT plan(31);

-- Classification.
SELECT has_function('comply', 'train_classifier', ARRAY['text', 'text', 'jsonb']);
SELECT has_function('comply', 'classify', ARRAY['text', 'text[]', 'text', 'jsonb']);
SELECT has_function('comply', 'classify_async', ARRAY['text', 'text[]', 'text', 'jsonb', 'text']);
SELECT has_function('comply', 'run_jobs', ARRAY['integer']);
SELECT volatility_is('comply', 'classify', ARRAY['text', 'text[]', 'text', 'jsonb'], 'volatile');
SELECT has_table('comply', 'models', 'the builtin models');
SELECT has_table('comply', 'ai_interactions', 'the record of every call');
SELECT has_table('comply', 'ai_jobs', 'the job queue');
SELECT has_view('comply', 'ai_decisions', 'every decision');
SELECT ok(NOT has_function_privilege('public', 'comply.train_classifier(text, text, jsonb)', 'execute'),
          'PUBLIC cannot train models');
SELECT ok(has_function_privilege('public', 'comply.classify(text, text[], text, jsonb)', 'execute'),
          'everyone may classify');
SELECT ok(NOT has_table_privilege('public', 'comply.ai_interactions', 'SELECT'),
          'PUBLIC cannot read the interactions');
SELECT ok(NOT has_column_privilege('public', 'comply.models', 'model', 'SELECT'),
          'PUBLIC cannot read model weights');
SELECT ok(has_column_privilege('public', 'comply.models', 'metrics', 'SELECT'),
          'PUBLIC can read model metrics');
SELECT ok(NOT has_table_privilege('public', 'comply.ai_jobs', 'SELECT'),
          'PUBLIC cannot read queued input');
SELECT ok(NOT EXISTS (SELECT 1 FROM pg_settings WHERE name = 'comply.ai_api_key_file'),
          'the API key file is not listed in pg_settings');
SELECT throws_ok($$SELECT * FROM comply.classify('x', NULL, 'no_such_model')$$, '42704', NULL,
                 'an unknown builtin model is refused');
SELECT throws_ok($$SELECT * FROM comply.classify('x', ARRAY['a'], 'openai:m')$$, '55000', NULL,
                 'the openai provider needs comply.ai_endpoint');

-- Review queue.
SELECT has_role('comply_reviewer', 'the reviewer role exists');
SELECT has_table('comply', 'review_cases', 'the review queue');
SELECT ok(has_table_privilege('comply_reviewer', 'comply.review_cases', 'SELECT'),
          'reviewers read cases');
SELECT ok(NOT has_table_privilege('comply_reviewer', 'comply.review_cases', 'UPDATE'),
          'reviewers cannot write cases directly');
SELECT ok(NOT has_table_privilege('comply_reviewer', 'comply.ai_interactions', 'SELECT'),
          'reviewers cannot read the interactions');
SELECT ok(NOT has_table_privilege('comply_reviewer', 'comply.ai_job_status', 'SELECT'),
          'reviewers cannot read the jobs, whose subjects are whole');
SELECT ok(has_function_privilege('comply_reviewer', 'comply.review_next(text)', 'execute'),
          'reviewers claim');
SELECT ok(has_function_privilege('comply_reviewer', 'comply.review_decide(bigint, text, text)', 'execute'),
          'reviewers decide');
SELECT ok(NOT has_function_privilege('public', 'comply.review_next(text)', 'execute'),
          'others cannot claim');
SELECT ok(NOT has_function_privilege('comply_reviewer', 'comply._review_decide(text, bigint, text, text)', 'execute'),
          'nobody calls the SQL bodies directly');
SELECT ok((SELECT bool_and(proconfig @> ARRAY['search_path=pg_catalog, pg_temp']) FROM pg_proc
            WHERE pronamespace = 'comply'::regnamespace AND proname LIKE '\_review\_%'),
          'the SQL bodies pin search_path');
SELECT cmp_ok(comply.review_enqueue('{"n": 1}', 'Call Maria Garcia at 415-555-2671'), '>', 0::bigint,
              'a case is enqueued');
SELECT is((SELECT payload FROM comply.review_cases ORDER BY id DESC LIMIT 1),
          'Call [PERSON] at [PHONE_NUMBER]', 'its payload is redacted');

SELECT * FROM finish();
ROLLBACK;
