-- AI classification: builtin models, the OpenAI-compatible provider, the job queue
-- worked by the background worker, and the record of every interaction.

CREATE TABLE comply.models (
  name text PRIMARY KEY CHECK (name ~ '^[A-Za-z_][A-Za-z0-9_.-]{0,62}$'),
  labels text[] NOT NULL,
  model bytea NOT NULL,
  metrics jsonb NOT NULL,
  options jsonb NOT NULL DEFAULT '{}',
  training_rows bigint NOT NULL,
  trained_by text NOT NULL DEFAULT current_user,
  trained_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE comply.models IS
  'Builtin classifiers trained by comply.train_classifier: labels, weights, held-out metrics';
GRANT SELECT (name, labels, metrics, options, training_rows, trained_by, trained_at)
  ON comply.models TO PUBLIC;
SELECT pg_catalog.pg_extension_config_dump('comply.models', '');

CREATE FUNCTION comply._models_changed() RETURNS trigger
  AS 'MODULE_PATHNAME', 'comply_table_changed'
  LANGUAGE C;
COMMENT ON FUNCTION comply._models_changed() IS
  'Trigger function: makes every session drop its loaded models after comply.models changes';
CREATE TRIGGER models_changed
  AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON comply.models
  FOR EACH STATEMENT EXECUTE FUNCTION comply._models_changed();
ALTER TABLE comply.models ENABLE ALWAYS TRIGGER models_changed;  -- see 30_ledger.sql

-- Every call to a model: what was sent (redacted), what came back (masked), how it went.
CREATE TABLE comply.ai_interactions (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at timestamptz NOT NULL DEFAULT clock_timestamp(),
  provider text NOT NULL CHECK (provider IN ('builtin', 'openai')),
  model text NOT NULL,
  endpoint_host text,
  job_id bigint,
  requested_by text NOT NULL,
  prompt text NOT NULL,
  response text,
  label text,
  confidence float8,
  outcome text NOT NULL CHECK (outcome IN ('ok', 'http_error', 'timeout', 'transport_error',
                                           'invalid_answer', 'cancelled', 'error')),
  http_status int,
  error text,
  latency_ms float8 NOT NULL,
  prompt_tokens int,
  completion_tokens int,
  clear_text boolean NOT NULL DEFAULT false
);
CREATE INDEX ON comply.ai_interactions (job_id);
COMMENT ON TABLE comply.ai_interactions IS
  'Every model call: provider, model, redacted prompt, masked response, latency, tokens, outcome';
REVOKE ALL ON comply.ai_interactions FROM PUBLIC;

-- Classification jobs, worked by the background worker (or comply.run_jobs()).
CREATE TABLE comply.ai_jobs (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  created_at timestamptz NOT NULL DEFAULT now(),
  created_by text NOT NULL,
  -- The same role by OID: a case opened from the job follows the role, not its name, for
  -- comply.review_four_eyes (a role renamed after it queued the job is still its author).
  created_by_role oid,
  -- The role that invoked it when it ran as another (GetOuterUserId: SET ROLE's role, or
  -- the login's): a write made through a SECURITY DEFINER function runs as the function's
  -- owner, a cascade as the table's, but whoever made it must not decide its case either.
  created_by_invoker_role oid,
  queue text NOT NULL DEFAULT 'default',
  subject jsonb,
  input text NOT NULL,                     -- redacted before it was stored
  labels text[],
  provider text NOT NULL CHECK (provider IN ('builtin', 'openai')),
  model text NOT NULL,
  status text NOT NULL DEFAULT 'queued'
    CHECK (status IN ('queued', 'running', 'done', 'dead', 'cancelled')),
  attempts int NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  worker_pid int,
  locked_until timestamptz,
  last_error text,
  label text,
  confidence float8,
  interaction_id bigint,
  routed_to text CHECK (routed_to IN ('auto', 'review')),
  case_id bigint,
  finished_at timestamptz
);
CREATE INDEX ai_jobs_due ON comply.ai_jobs (next_attempt_at, id) WHERE status = 'queued';
CREATE INDEX ai_jobs_running ON comply.ai_jobs (id) WHERE status = 'running';
-- The jobs of a row of a protected table: when the row is deleted (or the value
-- changed, or the table truncated) its queued jobs are cancelled and their open review
-- cases withdrawn; comply.forget finds a table's jobs by it too.
CREATE INDEX ai_jobs_subject ON comply.ai_jobs ((subject ->> 'table'), (subject -> 'primary_key'));
COMMENT ON TABLE comply.ai_jobs IS
  'Classification jobs queued by comply.classify_async: status, attempts, backoff, result';
REVOKE ALL ON comply.ai_jobs FROM PUBLIC;

-- Decisions a model took alone (confidence at or above comply.review_threshold).
CREATE TABLE comply.model_decisions (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  job_id bigint NOT NULL,
  subject jsonb,
  label text NOT NULL,
  confidence float8 NOT NULL,
  provider text NOT NULL,
  model text NOT NULL,
  interaction_id bigint,
  threshold float8 NOT NULL,
  decided_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE comply.model_decisions IS
  'Automatic decisions: a model''s label taken without review because its confidence met the threshold';
REVOKE ALL ON comply.model_decisions FROM PUBLIC;

-- The worker's view of each provider: the circuit breaker.
CREATE TABLE comply.ai_provider_status (
  provider text PRIMARY KEY,
  state text NOT NULL CHECK (state IN ('closed', 'open', 'half-open')),
  consecutive_failures int NOT NULL,
  open_until timestamptz,
  last_error text,
  updated_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE comply.ai_provider_status IS
  'Circuit breaker per provider endpoint, as the background worker last saw it';
GRANT SELECT ON comply.ai_provider_status TO PUBLIC;

CREATE FUNCTION comply.train_classifier(name text, training_query text, options jsonb DEFAULT '{}')
  RETURNS jsonb
  AS 'MODULE_PATHNAME', 'comply_train_classifier'
  LANGUAGE C VOLATILE;
COMMENT ON FUNCTION comply.train_classifier(text, text, jsonb) IS
  'Trains a builtin classifier from a query returning (text, label); stores it in comply.models; returns held-out metrics';

CREATE FUNCTION comply.classify(input text, labels text[] DEFAULT NULL, model text DEFAULT NULL,
                                options jsonb DEFAULT '{}')
  RETURNS TABLE(label text, confidence float8, provider text, model text, interaction_id bigint)
  AS 'MODULE_PATHNAME', 'comply_classify'
  LANGUAGE C VOLATILE;
COMMENT ON FUNCTION comply.classify(text, text[], text, jsonb) IS
  'Classifies redacted input now with a builtin model or openai:<model>; the call is kept in comply.ai_interactions';

CREATE FUNCTION comply.classify_async(input text, labels text[] DEFAULT NULL, model text DEFAULT NULL,
                                      subject jsonb DEFAULT NULL, queue text DEFAULT 'default')
  RETURNS bigint
  AS 'MODULE_PATHNAME', 'comply_classify_async'
  LANGUAGE C VOLATILE;
COMMENT ON FUNCTION comply.classify_async(text, text[], text, jsonb, text) IS
  'Queues a classification job of redacted input for the worker; returns the job id';

CREATE FUNCTION comply.run_jobs(max_jobs int DEFAULT 100) RETURNS int
  AS 'MODULE_PATHNAME', 'comply_run_jobs'
  LANGUAGE C VOLATILE STRICT;
COMMENT ON FUNCTION comply.run_jobs(int) IS
  'Works due classification jobs now, in this transaction (the worker''s code path); returns how many';
REVOKE ALL ON FUNCTION comply.run_jobs(int) FROM PUBLIC;

CREATE VIEW comply.ai_job_status AS
  SELECT id, created_at, queue, subject, provider, model, status, attempts, next_attempt_at,
         last_error, label, confidence, routed_to, case_id, finished_at
    FROM comply.ai_jobs;
COMMENT ON VIEW comply.ai_job_status IS 'Classification jobs without their input';

-- Models decide what the worker does without review: training them takes a grant.
REVOKE ALL ON FUNCTION comply.train_classifier(text, text, jsonb) FROM PUBLIC;
