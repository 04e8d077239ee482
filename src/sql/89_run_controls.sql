-- Compliance tests: every control of the catalog checked against the live database, as a
-- table (comply.run_controls) and as TAP (comply.tap_controls) for pg_prove in CI.

-- The review queue's evidence for run_controls, as counts: the auditor who runs the
-- controls may not read comply.review_cases (payloads, notes, who opened what), and the
-- whole run would fail on it.
CREATE FUNCTION comply._review_evidence(OUT cases_past_sla bigint, OUT self_decided_cases bigint,
                                        OUT cases bigint)
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  SELECT count(*) FILTER (WHERE r.status IN ('pending', 'claimed', 'escalated')
                            AND r.created_at < now() - current_setting('comply.review_sla')::interval),
         count(*) FILTER (WHERE r.status IN ('approved', 'rejected', 'labelled')
                            -- by role (renames change nothing); by name where a
                            -- case has no roles recorded (one inserted by hand)
                            AND (coalesce(r.decided_by_role = r.created_by_role,
                                          r.decided_by = r.created_by)
                                 OR coalesce(r.decided_by_role = r.created_by_invoker_role, false))),
         count(*)
    FROM comply.review_cases r $$;
COMMENT ON FUNCTION comply._review_evidence() IS
  'Counts of the review queue for comply.run_controls: open cases past comply.review_sla, closed cases decided by the role that opened them, all cases';

CREATE FUNCTION comply.run_controls(controls text[] DEFAULT NULL)
  RETURNS TABLE(control_id text, regulation_ref text, status text, evidence jsonb)
  LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp SET quote_all_identifiers = off AS $$
DECLARE
  c record;
  matrix jsonb;
  server jsonb;
  rows jsonb;
  n bigint;
  gaps bigint;
  passed_rows bigint;
  passed int := 0;
  failed int := 0;
  other int := 0;
  -- A read-only transaction, or a standby (an auditor's usual connection): the controls
  -- are checked all the same, but neither the run nor its failures can be recorded.
  read_only boolean := current_setting('transaction_read_only')::boolean;
  -- Alerts are raised by roles that may raise them (comply._raise_alert is granted to
  -- nobody): run by another role granted run_controls (an auditor), the run is recorded
  -- and its failures reported, without alerts.
  may_alert constant boolean := has_function_privilege('comply._raise_alert(text, text, text, jsonb)', 'EXECUTE');
  unknown text;
BEGIN
  -- A selection that names no control ran nothing: as TAP, a plan of 0 tests passes, so
  -- a misspelt control id would let a CI job pass without checking anything.
  IF controls IS NOT NULL THEN
    IF cardinality(controls) = 0 THEN
      RAISE EXCEPTION 'no control selected' USING ERRCODE = 'invalid_parameter_value',
        HINT = 'Leave the list NULL to run every control of comply.controls.';
    END IF;
    IF array_ndims(controls) > 1 THEN
      RAISE EXCEPTION 'controls must be a one-dimensional array of control ids'
        USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF array_position(controls, NULL) IS NOT NULL THEN
      RAISE EXCEPTION 'a control id must not be NULL' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    SELECT u INTO unknown FROM unnest(controls) u
     WHERE NOT EXISTS (SELECT 1 FROM comply.controls k WHERE k.control_id = u) LIMIT 1;
    IF FOUND THEN
      RAISE EXCEPTION 'unknown control %', comply._shown_name(unknown)
        USING ERRCODE = 'invalid_parameter_value', HINT = 'The controls are listed in comply.controls.';
    END IF;
  END IF;
  -- The matrix and the server posture are computed once for every control.
  SELECT coalesce(jsonb_agg(to_jsonb(m)), '[]') INTO matrix FROM comply.requirements_matrix() m;
  SELECT jsonb_object_agg(s.check_name, jsonb_build_object('status', s.status, 'evidence', s.evidence))
    INTO server FROM comply.check_server() s;
  FOR c IN SELECT k.* FROM comply.controls k
            WHERE controls IS NULL OR k.control_id = ANY (controls)
            ORDER BY k.control_id LOOP
    control_id := c.control_id;
    regulation_ref := c.regulation_ref;
    IF c.check_kind = 'ledger_intact' THEN
      -- The whole ledger is recomputed: entries, Merkle roots, chain, signatures; and the
      -- tables naming the control must be audited into it (the matrix's rows).
      SELECT count(*) INTO n FROM comply.verify_ledger();
      rows := (SELECT coalesce(jsonb_agg(jsonb_build_object('object', e ->> 'object', 'status', e ->> 'status')
                                         ORDER BY e ->> 'object'), '[]')
                 FROM jsonb_array_elements(matrix) e WHERE e ->> 'control' = c.control_id);
      SELECT count(*) INTO gaps FROM jsonb_array_elements(rows) e WHERE e ->> 'status' LIKE 'gap%';
      status := CASE WHEN n = 0 AND gaps = 0 THEN 'pass' ELSE 'fail' END;
      evidence := jsonb_build_object('ledger_problems', n, 'objects', rows);
    ELSIF c.check_kind = 'human_review' THEN
      SELECT e.cases_past_sla, e.cases INTO n, passed_rows FROM comply._review_evidence() e;
      SELECT count(*) INTO gaps FROM pg_auth_members m
        JOIN pg_roles g ON g.oid = m.roleid WHERE g.rolname = 'comply_reviewer';
      -- As the matrix says: it applies to the tables classified (whose jobs open cases),
      -- and to a queue that holds cases however they came (review_enqueue). Neither: not
      -- applicable, rather than a failure (and an alert) on every run.
      status := CASE WHEN passed_rows = 0
                          AND NOT EXISTS (SELECT 1 FROM jsonb_array_elements(matrix) e
                                           WHERE e ->> 'control' = c.control_id
                                             AND e ->> 'status' NOT LIKE 'not applicable%'
                                             AND e ->> 'status' NOT LIKE 'manual%')
                       THEN 'not_applicable'
                     WHEN n = 0 AND gaps > 0 THEN 'pass' ELSE 'fail' END;
      evidence := jsonb_build_object('cases_past_sla', n, 'reviewers', gaps,
                                     'review_threshold', current_setting('comply.review_threshold'));
    ELSIF c.check_kind = 'client_tls' OR c.control_id = 'HIPAA-164.312-d' THEN
      -- Transport and authentication come from the server posture checks.
      rows := (SELECT jsonb_object_agg(k, server -> k) FROM unnest(
                 CASE WHEN c.check_kind = 'client_tls'
                      THEN ARRAY['ssl', 'ssl_min_protocol_version', 'connections_without_ssl']
                      ELSE ARRAY['password_encryption', 'pg_hba_methods', 'superusers'] END) AS k);
      status := CASE WHEN EXISTS (SELECT 1 FROM jsonb_each(rows) e WHERE e.value ->> 'status' = 'fail') THEN 'fail'
                     WHEN EXISTS (SELECT 1 FROM jsonb_each(rows) e WHERE e.value ->> 'status' = 'unknown') THEN 'unknown'
                     ELSE 'pass' END;
      evidence := rows;
    ELSIF c.check_kind = 'four_eyes' THEN
      -- The matrix's rows (comply.review_four_eyes on for every classified table naming
      -- the control), and for the auditor the closed cases decided by the role that
      -- opened them (by role, as four eyes compares): decisions before four eyes was turned on
      -- stay in the count, so it is evidence to look at rather than a failure.
      rows := (SELECT coalesce(jsonb_agg(jsonb_build_object('object', e ->> 'object', 'status', e ->> 'status')
                                         ORDER BY e ->> 'object'), '[]')
                 FROM jsonb_array_elements(matrix) e WHERE e ->> 'control' = c.control_id);
      SELECT count(*) INTO gaps FROM jsonb_array_elements(rows) e WHERE e ->> 'status' LIKE 'gap%';
      SELECT count(*) INTO passed_rows FROM jsonb_array_elements(rows) e WHERE e ->> 'status' = 'implemented';
      SELECT e.self_decided_cases INTO n FROM comply._review_evidence() e;
      status := CASE WHEN gaps > 0 THEN 'fail' WHEN passed_rows > 0 THEN 'pass' ELSE 'not_applicable' END;
      evidence := jsonb_build_object('review_four_eyes', coalesce(current_setting('comply.review_four_eyes', true), 'off'),
                                     'self_decided_cases', n, 'objects', rows);
    ELSIF c.check_kind IN ('planned', 'manual') THEN
      status := CASE c.check_kind WHEN 'planned' THEN 'not_run' ELSE 'manual' END;
      evidence := jsonb_build_object('reason', c.implemented_by);
    ELSE
      -- Checks the requirements matrix makes per protected table.
      rows := (SELECT coalesce(jsonb_agg(jsonb_build_object('object', e ->> 'object', 'status', e ->> 'status')
                                         ORDER BY e ->> 'object'), '[]')
                 FROM jsonb_array_elements(matrix) e WHERE e ->> 'control' = c.control_id);
      n := jsonb_array_length(rows);
      SELECT count(*) INTO gaps FROM jsonb_array_elements(rows) e WHERE e ->> 'status' LIKE 'gap%';
      -- A table the control does not apply to ("not applicable: ...", "manual: ...") is
      -- no evidence that it holds: with no other table, the control does not apply.
      SELECT count(*) INTO passed_rows FROM jsonb_array_elements(rows) e WHERE e ->> 'status' = 'implemented';
      status := CASE WHEN gaps > 0 THEN 'fail' WHEN passed_rows > 0 THEN 'pass' ELSE 'not_applicable' END;
      evidence := jsonb_build_object('objects', rows);
      IF n = 0 THEN
        evidence := jsonb_build_object('reason', 'no protected table names this control in its regulations');
      END IF;
    END IF;
    IF status = 'pass' THEN passed := passed + 1;
    ELSIF status = 'fail' THEN failed := failed + 1;
      IF NOT read_only AND may_alert THEN
        PERFORM comply._raise_alert(CASE WHEN c.check_kind = 'ledger_intact' THEN 'ledger'
                                         ELSE 'control_failed' END, control_id,
                                    format('control %s (%s) failed', control_id, regulation_ref),
                                    jsonb_build_object('control_id', control_id));
      END IF;
    ELSE other := other + 1;
    END IF;
    RETURN NEXT;
  END LOOP;
  IF read_only THEN
    RAISE NOTICE 'the run is not recorded: % control(s) failed and raised no alert, and no ledger entry was written',
                 failed
      USING DETAIL = CASE WHEN pg_is_in_recovery() THEN 'This server is a standby.'
                          ELSE 'The transaction is read-only.' END,
            HINT = 'Run comply.run_controls() on the primary, in a read-write transaction, to record the run.';
  ELSE
    IF failed > 0 AND NOT may_alert THEN
      RAISE NOTICE '% control(s) failed and raised no alert: this role may not raise alerts', failed
        USING HINT = 'The run is recorded in the ledger; a role that may execute comply._raise_alert (the extension''s owner) raises them.';
    END IF;
    PERFORM comply.audit('controls.run', 'comply.controls',
                         jsonb_build_object('passed', passed, 'failed', failed, 'other', other,
                                            'selection', to_jsonb(controls)));
  END IF;
END $$;
COMMENT ON FUNCTION comply.run_controls(text[]) IS
  'Checks every control (or those named) against the live database: pass, fail, not_applicable, not_run, manual or unknown, with evidence; the run is a ledger entry and each failure an alert (not in a read-only transaction or on a standby, where the run is reported only)';

CREATE FUNCTION comply.tap_controls(controls text[] DEFAULT NULL) RETURNS SETOF text
  LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp SET quote_all_identifiers = off AS $$
DECLARE
  r record;
  i int := 0;
  results jsonb;
BEGIN
  SELECT coalesce(jsonb_agg(to_jsonb(x) ORDER BY x.control_id), '[]') INTO results
    FROM comply.run_controls(controls) x;
  RETURN NEXT '1..' || jsonb_array_length(results);
  -- A description is one line, and TAP reads "#" in it as a directive ("# TODO" makes a
  -- failure pass): control characters become spaces, "\" and "#" are escaped (chr(92) is "\").
  FOR r IN SELECT regexp_replace(replace(replace(e ->> 'control_id', chr(92), chr(92) || chr(92)), '#', chr(92) || '#'),
                                 '[[:cntrl:]]', ' ', 'g') AS id,
                  regexp_replace(replace(replace(e ->> 'regulation_ref', chr(92), chr(92) || chr(92)), '#', chr(92) || '#'),
                                 '[[:cntrl:]]', ' ', 'g') AS ref,
                  e ->> 'status' AS status, e -> 'evidence' AS evidence
             FROM jsonb_array_elements(results) e LOOP
    i := i + 1;
    IF r.status = 'pass' THEN
      RETURN NEXT format('ok %s - %s (%s)', i, r.id, r.ref);
    ELSIF r.status IN ('fail', 'unknown') THEN
      -- (Unknown is not a pass either: a CI job run by a role that cannot see what a
      -- control checks would otherwise pass a server that fails it.)
      RETURN NEXT format('not ok %s - %s (%s)%s', i, r.id, r.ref,
                         CASE WHEN r.status = 'unknown' THEN ' # unknown to this role' ELSE '' END);
      RETURN NEXT '# evidence: ' || r.evidence::text;
    ELSE
      RETURN NEXT format('ok %s - %s (%s) # SKIP %s', i, r.id, r.ref, r.status);
    END IF;
  END LOOP;
END $$;
COMMENT ON FUNCTION comply.tap_controls(text[]) IS
  'comply.run_controls as TAP, so that pg_prove runs a database''s compliance as a test suite';

-- Both read the server posture, the review queue and the matrix: a DBA's or an auditor's
-- tools, granted as needed.
REVOKE ALL ON FUNCTION comply.run_controls(text[]), comply.tap_controls(text[]) FROM PUBLIC;
