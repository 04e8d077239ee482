-- The human review queue: cases below comply.review_threshold (or enqueued from
-- elsewhere), claimed by reviewers with a visibility timeout, decided in the ledger.

-- Reviewers claim and decide cases; they see only redacted payloads (the only kind
-- stored). Roles are cluster-wide: a second database reuses the role.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'comply_reviewer') THEN
    CREATE ROLE comply_reviewer NOLOGIN;
  END IF;
END
$$;

CREATE TABLE comply.review_cases (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  queue text NOT NULL DEFAULT 'default',
  source text NOT NULL DEFAULT 'model' CHECK (source IN ('model', 'external')),
  subject jsonb,
  payload text,                            -- redacted before it was stored
  labels text[],
  model_label text,
  confidence float8,
  provider text,
  model text,
  job_id bigint,
  interaction_id bigint,
  status text NOT NULL DEFAULT 'pending'
    CHECK (status IN ('pending', 'claimed', 'approved', 'rejected', 'labelled', 'escalated',
                      'withdrawn')),
  assignee text,
  -- The claimant's role, by OID: a claim follows the role, not its name (a role renamed
  -- to a claimant's name cannot decide the case; the claimant renamed still can).
  assignee_role oid,
  claimed_at timestamptz,
  claim_expires_at timestamptz,
  decision text,
  final_label text,
  note text,
  decided_by text,
  -- The decider's role, by OID (for comply.review_four_eyes: whoever escalated a case does
  -- not decide it again, renamed or not).
  decided_by_role oid,
  decided_at timestamptz,
  escalated_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  -- Who asked for the decision: the role that called review_enqueue or that queued the
  -- classification job whose answer opened the case (a write's role, for a protected table)
  created_by text,
  -- The same role by OID: four eyes compares roles, not names, so that renaming the role
  -- that opened a case (or a role its reviewer is a member of) does not let him decide it.
  created_by_role oid,
  -- The role that invoked that write or call when it ran as another (through a SECURITY
  -- DEFINER function, a cascade): four eyes counts it as an opener too.
  created_by_invoker_role oid,
  CHECK ((status = 'claimed') = (assignee IS NOT NULL))
);
-- In comply.review_next's order (escalated cases first, then the oldest), so that a claim
-- reads the head of the queue instead of sorting every open case (80 ms a claim with
-- 100,000 open, and the whole queue worked through in quadratic time).
CREATE INDEX review_cases_open ON comply.review_cases (queue, (escalated_at IS NULL), id)
  WHERE status IN ('pending', 'escalated', 'claimed');
COMMENT ON TABLE comply.review_cases IS
  'Review queue: cases for a person to decide, with the model''s label and confidence and a redacted payload';
REVOKE ALL ON comply.review_cases FROM PUBLIC;
GRANT SELECT ON comply.review_cases TO comply_reviewer;
-- Not comply.ai_job_status: a job's subject is whole (a protected row's key may be
-- personal data); the case's own subject is redacted.

-- The SQL bodies of the review functions. They take the caller's name from the C entry
-- points (which run them as the extension's owner) and are not callable by others; the
-- C entry point then records the action in the ledger as the caller.
-- A queue's name goes into alerts and notifications (an overdue case names it): a
-- name, not free text (shown only when it is one). Refused with 22023 otherwise, by
-- review_enqueue and by review_next (no case is ever in such a queue: its NULL would
-- say "nothing to review" to a caller who passed a wrong argument).
CREATE FUNCTION comply._check_queue_name(q text) RETURNS void
  LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  IF q !~ '^[A-Za-z_][A-Za-z0-9_.:-]{0,62}$' OR comply._shown_name(q) NOT LIKE '"%' THEN
    RAISE EXCEPTION 'queue % is not a valid queue name',
      CASE WHEN octet_length(q) <= 63 THEN comply._shown_name(q)
           ELSE format('(a value of %s bytes that is not a name; not shown)', octet_length(q)) END
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'A queue name starts with a letter or underscore, then letters, digits, ''_'', ''.'', '':'' or ''-'', at most 63 bytes.';
  END IF;
END $$;

-- Four eyes (comply.review_four_eyes): the roles a reviewer acts under, whose cases he
-- must not decide: the caller's role, the session's (a reviewer who SET ROLE to a role of
-- his), and every role either is a member of, directly or through others (a reviewer who
-- may SET ROLE to the application's role wrote as it). Membership as pg_auth_members
-- records it: a superuser is not taken for a member of every role. By OID: a case
-- records the role that opened it (created_by_role) and the role that escalated it
-- (decided_by_role), and renaming either afterwards changes nothing. (The caller and the
-- session's role cannot be renamed while they are in use, so their names are exact.)
CREATE FUNCTION comply._review_roles_of(caller text) RETURNS oid[]
  LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
  WITH RECURSIVE mine(roleid) AS (
    SELECT o.oid FROM pg_roles o WHERE o.rolname IN (caller, session_user)
    UNION
    SELECT m.roleid FROM pg_auth_members m JOIN mine ON m.member = mine.roleid)
  SELECT array_agg(roleid) FROM mine $$;
COMMENT ON FUNCTION comply._review_roles_of(text) IS
  'The roles (OIDs) a reviewer acts under (his role, the session''s, the roles either is a member of), for comply.review_four_eyes';
REVOKE ALL ON FUNCTION comply._review_roles_of(text) FROM PUBLIC;

CREATE FUNCTION comply._review_next(caller text, q text, claim_timeout interval)
  RETURNS comply.review_cases
  LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp SET quote_all_identifiers = off AS $$
DECLARE
  c comply.review_cases;
  t timestamptz;
  -- (Off where pg_comply's library is not loaded: the C entry points load it.)
  four_eyes boolean := coalesce(current_setting('comply.review_four_eyes', true), 'off') = 'on';
  mine oid[] := CASE WHEN four_eyes THEN comply._review_roles_of(caller) END;
BEGIN
  PERFORM comply._check_queue_name(q);
  -- Escalated cases first (they are overdue), then the oldest; claims that expired,
  -- and claims of a role dropped since (no one can decide them), are free again even
  -- before the worker returns them.
  SELECT * INTO c FROM comply.review_cases r
   WHERE r.queue = q
     -- The open cases as review_cases_open's predicate says, then the expired claims
     -- among the claimed (written as an OR of both, the planner sorted them all).
     AND r.status IN ('pending', 'escalated', 'claimed')
     AND (r.status <> 'claimed' OR r.claim_expires_at < clock_timestamp()
          OR NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles o WHERE o.oid = r.assignee_role))
     -- Four eyes: not the caller's own cases, nor those he escalated (to someone else).
     -- (A case opened by no known role, or escalated by the SLA, is anyone's.)
     AND NOT (four_eyes AND (coalesce(r.created_by_role = ANY (mine), false)
                             OR coalesce(r.created_by_invoker_role = ANY (mine), false)
                             OR (r.escalated_at IS NOT NULL AND coalesce(r.decided_by_role = ANY (mine), false))))
   ORDER BY (r.escalated_at IS NULL), r.id
   LIMIT 1
   FOR UPDATE SKIP LOCKED;
  IF NOT FOUND THEN
    RETURN NULL;
  END IF;
  t := clock_timestamp();
  UPDATE comply.review_cases r
     SET status = 'claimed', assignee = caller,
         assignee_role = (SELECT o.oid FROM pg_roles o WHERE o.rolname = caller),
         claimed_at = t, claim_expires_at = t + claim_timeout
   WHERE r.id = c.id
  RETURNING * INTO c;
  RETURN c;
END $$;

-- A case that is closed (decided, or withdrawn) can be neither decided nor released:
-- said so (55000), rather than "not claimed by you", which sends its own reviewer
-- looking for a claim that was never lost.
CREATE FUNCTION comply._review_check_open(c comply.review_cases) RETURNS void
  LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  IF c.status IN ('approved', 'rejected', 'labelled') THEN
    RAISE EXCEPTION 'review case % has already been decided', c.id
      USING ERRCODE = 'object_not_in_prerequisite_state',
            DETAIL = format('Its status is %s.', c.status),
            HINT = 'A decided case is closed: a new one is opened by whoever queues cases (comply.review_enqueue()).';
  ELSIF c.status = 'withdrawn' THEN
    RAISE EXCEPTION 'review case % has been withdrawn', c.id
      USING ERRCODE = 'object_not_in_prerequisite_state',
            DETAIL = 'What it was about is gone (the row deleted, its value changed, its table truncated, dropped or detached): there is nothing left to decide.';
  END IF;
END $$;

CREATE FUNCTION comply._review_decide(caller text, case_id bigint, decision text, note text)
  RETURNS comply.review_cases
  LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp SET quote_all_identifiers = off AS $$
DECLARE
  c comply.review_cases;
  new_status text;
  final text;
  mine oid[];
  opened boolean;
BEGIN
  IF case_id IS NULL THEN
    RAISE EXCEPTION 'the review case id must not be NULL' USING ERRCODE = 'null_value_not_allowed';
  END IF;
  SELECT * INTO c FROM comply.review_cases r WHERE r.id = case_id FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'review case % does not exist', case_id USING ERRCODE = 'no_data_found';
  END IF;
  PERFORM comply._review_check_open(c);
  IF c.status <> 'claimed'
     OR c.assignee_role IS DISTINCT FROM (SELECT o.oid FROM pg_roles o WHERE o.rolname = caller) THEN
    RAISE EXCEPTION 'review case % is not claimed by you', case_id
      USING ERRCODE = 'object_not_in_prerequisite_state',
            HINT = 'Claim a case with comply.review_next() before deciding it.';
  END IF;
  -- (A claim taken while comply.review_four_eyes was off.)
  IF coalesce(current_setting('comply.review_four_eyes', true), 'off') = 'on' THEN
    mine := comply._review_roles_of(caller);
    opened := coalesce(c.created_by_role = ANY (mine), false)
              OR coalesce(c.created_by_invoker_role = ANY (mine), false);
    IF opened OR (c.escalated_at IS NOT NULL AND coalesce(c.decided_by_role = ANY (mine), false)) THEN
      RAISE EXCEPTION 'review case % must be decided by another reviewer', case_id
        USING ERRCODE = 'insufficient_privilege',
              DETAIL = CASE WHEN opened THEN 'A write or call of yours (as your role, your session''s, or a role you are a member of) opened it, and comply.review_four_eyes is on.'
                            ELSE 'You escalated it, and comply.review_four_eyes is on.' END,
              HINT = 'Release it with comply.review_release().';
    END IF;
  END IF;
  IF c.claim_expires_at < clock_timestamp() THEN
    RAISE EXCEPTION 'your claim on review case % has expired', case_id
      USING ERRCODE = 'object_not_in_prerequisite_state',
            HINT = 'Claim it again with comply.review_next().';
  END IF;
  IF decision = 'approve' THEN
    IF c.model_label IS NULL THEN
      RAISE EXCEPTION 'review case % has no model label to approve', case_id
        USING ERRCODE = 'invalid_parameter_value',
              HINT = 'Decide with one of the case''s labels, ''reject'' or ''escalate''.';
    END IF;
    new_status := 'approved'; final := c.model_label;
  ELSIF decision = 'reject' THEN
    new_status := 'rejected'; final := NULL;
  ELSIF decision = 'escalate' THEN
    new_status := 'escalated'; final := NULL;
  ELSIF c.labels IS NOT NULL
        AND (decision = ANY (c.labels)
             OR (decision LIKE 'label:%' AND substr(decision, 7) = ANY (c.labels))) THEN
    -- A label: the reviewer's answer. Agreeing with the model approves its label;
    -- another label rejects it and records the correction. 'label:<name>' names a label
    -- that is also a decision word ('reject', say) unambiguously.
    final := CASE WHEN decision LIKE 'label:%' AND substr(decision, 7) = ANY (c.labels)
                  THEN substr(decision, 7) ELSE decision END;
    -- A case with no model label (a job the model could not answer) is labelled: there
    -- was nothing to approve or reject.
    new_status := CASE WHEN c.model_label IS NULL THEN 'labelled'
                       WHEN final = c.model_label THEN 'approved' ELSE 'rejected' END;
  ELSE
    RAISE EXCEPTION 'invalid review decision'
      USING ERRCODE = 'invalid_parameter_value',
            DETAIL = 'A decision is ''approve'', ''reject'', ''escalate'' or one of the case''s labels (''label:<name>'' for a label named like a decision).';
  END IF;
  UPDATE comply.review_cases r
     SET status = new_status, decision = _review_decide.decision, final_label = final,
         note = _review_decide.note, decided_by = caller, decided_by_role = c.assignee_role,
         decided_at = clock_timestamp(),
         escalated_at = CASE WHEN new_status = 'escalated' THEN clock_timestamp() ELSE r.escalated_at END,
         assignee = NULL, assignee_role = NULL, claimed_at = NULL, claim_expires_at = NULL
   WHERE r.id = c.id
  RETURNING * INTO c;
  IF new_status = 'escalated' THEN
    PERFORM comply._notify_at_commit('comply_review', jsonb_build_object('event', 'escalated', 'case_id', c.id,
                                                          'queue', c.queue, 'by', 'reviewer')::text);
  END IF;
  RETURN c;
END $$;

CREATE FUNCTION comply._review_release(caller text, case_id bigint)
  RETURNS comply.review_cases
  LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp SET quote_all_identifiers = off AS $$
DECLARE
  c comply.review_cases;
BEGIN
  IF case_id IS NULL THEN
    RAISE EXCEPTION 'the review case id must not be NULL' USING ERRCODE = 'null_value_not_allowed';
  END IF;
  SELECT * INTO c FROM comply.review_cases r WHERE r.id = case_id FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'review case % does not exist', case_id USING ERRCODE = 'no_data_found';
  END IF;
  PERFORM comply._review_check_open(c);
  IF c.status <> 'claimed'
     OR c.assignee_role IS DISTINCT FROM (SELECT o.oid FROM pg_roles o WHERE o.rolname = caller) THEN
    RAISE EXCEPTION 'review case % is not claimed by you', case_id
      USING ERRCODE = 'object_not_in_prerequisite_state';
  END IF;
  UPDATE comply.review_cases r
     SET status = CASE WHEN r.escalated_at IS NOT NULL THEN 'escalated' ELSE 'pending' END,
         assignee = NULL, assignee_role = NULL, claimed_at = NULL, claim_expires_at = NULL
   WHERE r.id = c.id
  RETURNING * INTO c;
  RETURN c;
END $$;

CREATE FUNCTION comply._review_enqueue(caller text, subject jsonb, payload text, labels text[],
                                       model_label text, confidence float8, q text, invoker oid)
  RETURNS bigint
  LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp SET quote_all_identifiers = off AS $$
DECLARE
  new_id bigint;
BEGIN
  IF confidence IS NOT NULL AND (confidence < 0 OR confidence > 1 OR confidence = 'NaN') THEN
    RAISE EXCEPTION 'confidence must be between 0 and 1' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF subject IS NULL AND payload IS NULL THEN  -- nothing for a reviewer to decide on
    RAISE EXCEPTION 'a review case needs a subject or a payload' USING ERRCODE = 'null_value_not_allowed';
  END IF;
  -- A subject that names nothing (JSON null, an empty object or array) is none.
  IF subject IN ('null'::jsonb, '{}'::jsonb, '[]'::jsonb, '""'::jsonb)
     AND (payload IS NULL OR payload !~ '[^[:space:]]') THEN
    RAISE EXCEPTION 'a review case needs a subject or a payload: the subject names nothing'
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Name what the case is about, such as {"table": "claims", "id": 42}.';
  END IF;
  IF subject IS NULL AND payload !~ '[^[:space:]]' THEN  -- nor here
    RAISE EXCEPTION 'a review case needs a subject or a payload: the payload is blank'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF labels IS NOT NULL AND array_ndims(labels) > 1 THEN
    RAISE EXCEPTION 'labels must be a one-dimensional array' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF labels IS NOT NULL AND (cardinality(labels) = 0 OR array_position(labels, NULL) IS NOT NULL
                              OR array_position(labels, '') IS NOT NULL
                              OR cardinality(labels) <> (SELECT count(DISTINCT l) FROM unnest(labels) l)) THEN
    RAISE EXCEPTION 'labels must be distinct, non-empty and not null' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF model_label IS NOT NULL AND labels IS NOT NULL AND NOT model_label = ANY (labels) THEN
    RAISE EXCEPTION 'model_label is not one of labels' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF q = '' THEN  -- a case nobody would look for
    RAISE EXCEPTION 'queue must not be empty' USING ERRCODE = 'invalid_parameter_value',
      HINT = 'Leave it NULL for the default queue.';
  END IF;
  PERFORM comply._check_queue_name(q);
  INSERT INTO comply.review_cases (queue, source, subject, payload, labels, model_label, confidence,
                                   created_by, created_by_role, created_by_invoker_role)
  VALUES (coalesce(q, 'default'), 'external', subject, payload, labels, model_label, confidence,
          caller, (SELECT o.oid FROM pg_roles o WHERE o.rolname = caller), invoker)
  RETURNING id INTO new_id;
  RETURN new_id;
END $$;

-- Returns expired claims, and claims of roles dropped since, to the queue and escalates
-- cases pending longer than sla.
CREATE FUNCTION comply._review_maintain(sla interval, OUT released int, OUT escalated int)
  LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp SET quote_all_identifiers = off AS $$
DECLARE
  r record;
BEGIN
  released := 0;
  escalated := 0;
  FOR r IN WITH freed AS (
             SELECT c.id, NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles o
                                       WHERE o.oid = c.assignee_role) AS claimant_dropped
               FROM comply.review_cases c
              WHERE c.status = 'claimed'
                AND (c.claim_expires_at < clock_timestamp()
                     OR NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles o WHERE o.oid = c.assignee_role))
                FOR UPDATE SKIP LOCKED)
           UPDATE comply.review_cases c
              SET status = CASE WHEN c.escalated_at IS NOT NULL THEN 'escalated' ELSE 'pending' END,
                  assignee = NULL, assignee_role = NULL, claimed_at = NULL, claim_expires_at = NULL
             FROM freed f
            WHERE c.id = f.id
        RETURNING c.id, f.claimant_dropped LOOP
    released := released + 1;
    PERFORM comply._audit_own('review.claim_expired', 'comply.review_cases/' || r.id,
                              CASE WHEN r.claimant_dropped
                                   THEN jsonb_build_object('case_id', r.id, 'reason', 'claimant role dropped')
                                   ELSE jsonb_build_object('case_id', r.id) END);
  END LOOP;
  FOR r IN UPDATE comply.review_cases c
              SET status = 'escalated', escalated_at = clock_timestamp()
            WHERE c.status = 'pending' AND c.escalated_at IS NULL
              AND c.created_at < clock_timestamp() - sla
        RETURNING c.id, c.queue LOOP
    escalated := escalated + 1;
    PERFORM comply._audit_own('review.escalate', 'comply.review_cases/' || r.id,
                              jsonb_build_object('case_id', r.id, 'queue', r.queue, 'reason', 'sla',
                                                 'sla', sla::text));
    PERFORM comply._notify_at_commit('comply_review', jsonb_build_object('event', 'escalated', 'case_id', r.id,
                                                          'queue', r.queue, 'by', 'sla')::text);
    PERFORM comply._raise_alert('review_escalated', 'comply.review_cases/' || r.id,
                                format('review case %s in queue %s waited longer than its SLA (%s)',
                                       r.id, r.queue, sla),
                                jsonb_build_object('case_id', r.id, 'queue', r.queue));
  END LOOP;
END $$;

COMMENT ON FUNCTION comply._review_next(text, text, interval) IS
  'Body of comply.review_next (run as the extension owner for the named caller)';
COMMENT ON FUNCTION comply._review_check_open(comply.review_cases) IS
  'Refuses (55000) to decide or release a case already decided or withdrawn';
COMMENT ON FUNCTION comply._review_decide(text, bigint, text, text) IS
  'Body of comply.review_decide (run as the extension owner for the named caller)';
COMMENT ON FUNCTION comply._review_release(text, bigint) IS
  'Body of comply.review_release (run as the extension owner for the named caller)';
COMMENT ON FUNCTION comply._review_enqueue(text, jsonb, text, text[], text, float8, text, oid) IS
  'Body of comply.review_enqueue (run as the extension owner for the named caller)';
COMMENT ON FUNCTION comply._check_queue_name(text) IS
  'Refuses (22023) a review queue''s name that is not a name or holds personal data';
COMMENT ON FUNCTION comply._review_maintain(interval) IS
  'Body of comply.review_maintain: returns expired claims, escalates cases older than sla';

REVOKE ALL ON FUNCTION comply._check_queue_name(text), comply._review_next(text, text, interval),
  comply._review_check_open(comply.review_cases),
  comply._review_decide(text, bigint, text, text), comply._review_release(text, bigint),
  comply._review_enqueue(text, jsonb, text, text[], text, float8, text, oid),
  comply._review_maintain(interval) FROM PUBLIC;

CREATE FUNCTION comply.review_next(queue text DEFAULT 'default') RETURNS comply.review_cases
  AS 'MODULE_PATHNAME', 'comply_review_next'
  LANGUAGE C VOLATILE;
COMMENT ON FUNCTION comply.review_next(text) IS
  'Claims the oldest open case of queue for current_user until comply.review_claim_timeout; NULL when none';

CREATE FUNCTION comply.review_decide(case_id bigint, decision text, note text DEFAULT NULL)
  RETURNS comply.review_cases
  AS 'MODULE_PATHNAME', 'comply_review_decide'
  LANGUAGE C VOLATILE;
COMMENT ON FUNCTION comply.review_decide(bigint, text, text) IS
  'Decides a case the caller holds: approve, reject, escalate, or one of its labels; recorded in the ledger';

CREATE FUNCTION comply.review_release(case_id bigint) RETURNS comply.review_cases
  AS 'MODULE_PATHNAME', 'comply_review_release'
  LANGUAGE C VOLATILE;
COMMENT ON FUNCTION comply.review_release(bigint) IS
  'Gives a claimed case back to the queue';

CREATE FUNCTION comply.review_enqueue(subject jsonb, payload text, labels text[] DEFAULT NULL,
                                      model_label text DEFAULT NULL, confidence float8 DEFAULT NULL,
                                      queue text DEFAULT 'default')
  RETURNS bigint
  AS 'MODULE_PATHNAME', 'comply_review_enqueue'
  LANGUAGE C VOLATILE;
COMMENT ON FUNCTION comply.review_enqueue(jsonb, text, text[], text, float8, text) IS
  'Adds a case from elsewhere to the review queue (payload redacted first); returns its id';

CREATE FUNCTION comply.review_maintain(OUT released int, OUT escalated int)
  AS 'MODULE_PATHNAME', 'comply_review_maintain'
  LANGUAGE C VOLATILE;
COMMENT ON FUNCTION comply.review_maintain() IS
  'Returns expired claims and escalates cases past comply.review_sla now (the worker does this periodically)';

REVOKE ALL ON FUNCTION comply.review_next(text), comply.review_decide(bigint, text, text),
  comply.review_release(bigint), comply.review_enqueue(jsonb, text, text[], text, float8, text),
  comply.review_maintain() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION comply.review_next(text), comply.review_decide(bigint, text, text),
  comply.review_release(bigint) TO comply_reviewer;

-- Every decision, automatic or human, for the periodic review of the model.
CREATE VIEW comply.ai_decisions AS
  SELECT 'model'::text AS decided_by_kind, d.id AS decision_id, d.job_id, NULL::bigint AS case_id,
         d.subject, d.label, d.label AS model_label, d.confidence, d.provider, d.model,
         true AS decided_by_model, NULL::text AS reviewer, d.interaction_id, d.decided_at,
         false AS overturned, j.created_by AS requested_by
    FROM comply.model_decisions d LEFT JOIN comply.ai_jobs j ON j.id = d.job_id
  UNION ALL
  SELECT 'review', c.id, c.job_id, c.id, c.subject, c.final_label, c.model_label, c.confidence,
         c.provider, c.model, false, c.decided_by, c.interaction_id, c.decided_at,
         c.model_label IS NOT NULL AND c.status = 'rejected', c.created_by
    FROM comply.review_cases c
   WHERE c.status IN ('approved', 'rejected', 'labelled');
COMMENT ON VIEW comply.ai_decisions IS
  'Every decision, by a model alone or by a reviewer, with confidence, reviewer and interaction';
GRANT SELECT ON comply.ai_decisions TO comply_reviewer;
