-- The human review queue: enqueue (payload redacted), claim with a visibility timeout,
-- decide, release, expired claims, SLA escalation, privileges of comply_reviewer, and
-- the ledger entries of each step. (specs/review_concurrency.spec runs reviewers
-- concurrently.)
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pg_comply;
RESET client_min_messages;

CREATE ROLE rev_alice LOGIN IN ROLE comply_reviewer;
CREATE ROLE rev_bob LOGIN IN ROLE comply_reviewer;
CREATE ROLE not_a_reviewer LOGIN;

-- Cases from elsewhere: the payload is stored redacted.
SELECT comply.review_enqueue('{"table": "claims", "id": 17}',
                             'Member Jane Doe (SSN 536-22-8714) disputes the denial', ARRAY['approve_claim', 'deny_claim'],
                             'deny_claim', 0.62, 'claims') AS c1 \gset
SELECT comply.review_enqueue('{"table": "claims", "id": 18}', 'Second opinion requested',
                             ARRAY['approve_claim', 'deny_claim'], 'approve_claim', 0.7, 'claims') AS c2 \gset
SELECT comply.review_enqueue('{"table": "claims", "id": 19}', 'Third case', NULL, NULL, NULL, 'claims') AS c3 \gset
SELECT id - :c1 AS n, queue, source, subject, payload, status, assignee FROM comply.review_cases
 WHERE id >= :c1 ORDER BY id;
\set VERBOSITY terse
SELECT comply.review_enqueue('{}', 'x', ARRAY['a'], 'b', 0.5);
SELECT comply.review_enqueue('{}', 'x', ARRAY['a'], 'a', 1.5);
-- Labels are distinct and non-empty: with a NULL among them, any model label would pass.
SELECT comply.review_enqueue('{}', 'x', ARRAY['a', NULL], 'zzz', 0.5);
SELECT comply.review_enqueue('{}', 'x', ARRAY['a', 'a', '']);
SELECT comply.review_enqueue('{}', 'x', '{}');  -- no label at all: nothing to choose from
-- A case needs something to decide on.
SELECT comply.review_enqueue(NULL, NULL, NULL, NULL, NULL, NULL);
-- A blank payload is none either (with no subject, a reviewer would see nothing).
SELECT comply.review_enqueue(NULL, '');
SELECT comply.review_enqueue(NULL, E' \t\n ');
-- Nor is a subject that names nothing (JSON null, an empty object), nor a blank or
-- invisible label, which a reviewer could not tell apart (QA 15).
SELECT comply.review_enqueue('null', NULL);
SELECT comply.review_enqueue('{}', NULL);
SELECT comply.review_enqueue('[]', ' ');
SELECT comply.review_enqueue('{"x": 1}', 'p', ARRAY['  ', 'b']);
SELECT comply.review_enqueue('{"x": 1}', 'p', ARRAY[E'\u200b', 'b']);
SELECT comply.review_enqueue('{"x": 1}', 'p', ARRAY['a', 'b'], E'\u00a0');
-- Labels and the model's label are stored as given, for reviewers to read (a decision
-- and a final label are one of them or approve, reject, escalate): one in which the
-- detector finds personal data is refused, shown by its length only, and so is one
-- longer than a label may be (200 bytes).
SELECT comply.review_enqueue('{"x": 1}', 'p', ARRAY['phi', 'Wilhelmina Okonkwo'], 'phi', 0.4, 'claims');
SELECT comply.review_enqueue('{"x": 1}', 'p', ARRAY['phi', 'SSN 536-22-8714'], NULL, 0.4, 'claims');
SELECT comply.review_enqueue('{"x": 1}', 'p', NULL, 'Wilhelmina Okonkwo', 0.4, 'claims');
SELECT comply.review_enqueue('{"x": 1}', 'p', ARRAY['phi', repeat('x', 201)], NULL, 0.4, 'claims');
SELECT comply.review_enqueue('{"x": 1}', 'p', NULL, repeat('x', 100000), 0.4, 'claims');
\set VERBOSITY default
SELECT count(*) AS refused_cases_stored FROM comply.review_cases WHERE payload = 'p';

-- Claims: the oldest open case, for the caller, until the claim timeout.
SET ROLE rev_alice;
SELECT id - :c1 AS n, status, assignee, claim_expires_at > now() AS has_expiry,
       claim_expires_at - claimed_at = interval '15 minutes' AS default_timeout
  FROM comply.review_next('claims');
SET ROLE rev_bob;
SELECT id - :c1 AS n, status, assignee FROM comply.review_next('claims');
-- An empty queue gives NULL.
SELECT (comply.review_next('nothing_here')).id IS NULL AS none;
-- A queue's name that is not one (a value in the wrong argument) is refused, as by
-- review_enqueue, rather than answered with "nothing to review".
\set VERBOSITY terse
SELECT comply.review_next('nothing here');
SELECT comply.review_next('SSN 536-22-8714');
SELECT comply.review_next('ssn_536-22-8714');
SELECT comply.review_next('');
-- NULL is no case to release (as review_decide's NULL), not "no case".
SELECT comply.review_release(NULL);
\set VERBOSITY default
-- Nobody decides or releases a case claimed by someone else.
\set VERBOSITY terse
SELECT comply.review_decide(:c1, 'approve');
SELECT comply.review_release(:c1);
SELECT comply.review_decide(:c3, 'approve');
SELECT comply.review_decide(999999, 'approve');
\set VERBOSITY default

-- Decisions: approve the model's label, correct it with another label, reject.
SET ROLE rev_alice;
\set VERBOSITY terse
SELECT comply.review_decide(:c1, 'maybe');
SELECT comply.review_decide(:c1, NULL);
\set VERBOSITY default
SELECT id - :c1 AS n, status, decision, final_label, note, decided_by, assignee
  FROM comply.review_decide(:c1, 'approve_claim', 'documentation complete');
SET ROLE rev_bob;
-- A note is free text other reviewers read: stored redacted, like the payload.
SELECT id - :c1 AS n, status, decision, final_label, decided_by, note
  FROM comply.review_decide(:c2, 'approve', 'called Maria Garcia at 415-555-2671, maria.garcia@example.org');
SELECT note FROM comply.review_cases WHERE id = :c2;
\set VERBOSITY terse
SELECT comply.review_decide(:c2, 'reject');
-- A case already decided is said to be, by review_release too (it said "is not claimed
-- by you", to the reviewer who had just decided it).
SELECT comply.review_release(:c2);
\set VERBOSITY sqlstate
SELECT comply.review_release(:c2);
\set VERBOSITY default
SELECT comply.review_release(:c2);
\set VERBOSITY default

-- Release gives the case back; the next claim gets it.
SELECT id - :c1 AS n FROM comply.review_next('claims');
SELECT id - :c1 AS n, status, assignee FROM comply.review_release(:c3);
SET ROLE rev_alice;
SELECT id - :c1 AS n, assignee FROM comply.review_next('claims');
\set VERBOSITY terse
-- A case without a model label cannot be approved, only decided otherwise.
SELECT comply.review_decide(:c3, 'approve');
\set VERBOSITY default
SELECT status, final_label FROM comply.review_decide(:c3, 'escalate', 'needs a physician');
RESET ROLE;

-- A label named like a decision word is chosen as 'label:<name>'; a plain 'reject'
-- still rejects the model's label. An empty queue name is refused (NULL is 'default').
SELECT comply.review_enqueue('{"id": 30}', 'Keep or purge the record', ARRAY['keep', 'reject'],
                             'keep', 0.6, 'words') AS c5 \gset
\set VERBOSITY terse
SELECT comply.review_enqueue('{"id": 31}', 'x', NULL, NULL, NULL, '');
SELECT comply.classify_async('x', NULL, 'compliance', NULL, '');
-- A queue's name goes into alerts (an overdue case names its queue): a name, not text.
SELECT comply.review_enqueue('{"id": 31}', 'x', NULL, NULL, NULL, E'<!channel> reset at https://evil.example\nnow');
SELECT comply.classify_async('x', NULL, 'compliance', NULL, 'maria.garcia@example.org');
-- Nor one that has the form of a name but is data (an IBAN).
SELECT comply.review_enqueue('{"id": 32}', 'x', NULL, NULL, NULL, 'GB82WEST12345698765432');
SELECT comply.classify_async('x', NULL, 'compliance', NULL, 'GB82WEST12345698765432');
SELECT comply.classify_async('x', NULL, 'compliance', NULL, 'claims-2024:eu');  -- a name
\set VERBOSITY default
SET ROLE rev_alice;
SELECT id = :c5 AS claimed FROM comply.review_next('words');
SELECT status, decision, final_label FROM comply.review_decide(:c5, 'label:reject');
RESET ROLE;

-- Expired claims: free for the next reviewer even before upkeep, and returned by it.
SELECT comply.review_enqueue('{"id": 20}', 'Fourth case', NULL, NULL, NULL, 'expiry') AS c4 \gset
SET comply.review_claim_timeout = '1s';
SET ROLE rev_alice;
SELECT id - :c1 AS n, assignee FROM comply.review_next('expiry');
RESET ROLE;
SELECT pg_sleep(1.2);
SET ROLE rev_bob;
SELECT id - :c1 AS n, assignee FROM comply.review_next('expiry');
SET ROLE rev_alice;
\set VERBOSITY terse
SELECT comply.review_decide(:c4, 'reject');
\set VERBOSITY default
RESET ROLE;
SELECT pg_sleep(1.2);
SELECT * FROM comply.review_maintain();
SELECT status, assignee FROM comply.review_cases WHERE id = :c4;
RESET comply.review_claim_timeout;

-- SLA: cases pending too long are escalated (announced on comply_review: see test/ai_worker.sh).
SET comply.review_sla = '1s';
SELECT pg_sleep(1.2);
SELECT * FROM comply.review_maintain();
SELECT id - :c1 AS n, status, escalated_at IS NOT NULL AS escalated FROM comply.review_cases
 WHERE status = 'escalated' AND id >= :c1 ORDER BY id;
RESET comply.review_sla;
-- Escalated cases come first for the next reviewer.
SET ROLE rev_bob;
SELECT id - :c1 AS n, status FROM comply.review_next('expiry');
SELECT status, final_label FROM comply.review_decide(:c4, 'reject', 'duplicate');
RESET ROLE;

-- Privileges: reviewers read cases but not the model's interactions; others neither
-- read nor claim.
SET ROLE rev_alice;
SELECT count(*) > 0 AS reads_cases FROM comply.review_cases;
\set VERBOSITY terse
SELECT count(*) FROM comply.ai_interactions;
UPDATE comply.review_cases SET status = 'approved';
SELECT comply.review_enqueue('{}', 'x');
SET ROLE not_a_reviewer;
SELECT comply.review_next('claims');
SELECT count(*) FROM comply.review_cases;
\set VERBOSITY default
RESET ROLE;

-- Every step is in the ledger, as the reviewer who took it; notes are redacted.
SELECT current_user_name, action, details ->> 'status' AS status, details ->> 'final_label' AS final_label
  FROM comply.audit_log WHERE action LIKE 'review.%' ORDER BY id;
SELECT count(*) AS payloads_in_ledger FROM comply.audit_log WHERE details::text LIKE '%disputes%';

-- The decisions view: overturned when the reviewer chose another label than the model.
SELECT decided_by_kind, case_id - :c1 AS n, label, model_label, decided_by_model, reviewer, overturned,
       requested_by = session_user AS requested_by_enqueuer
  FROM comply.ai_decisions WHERE case_id >= :c1 ORDER BY case_id;

-- The subject is stored redacted too: reviewers read it (the caller links the case to
-- its record through the case id).
SELECT comply.review_enqueue('{"member": "maria.garcia@example.org", "claim": 77}', 'Claim note',
                             NULL, NULL, NULL, 'subjects') AS c6 \gset
SELECT subject FROM comply.review_cases WHERE id = :c6;
-- Keys too: a subject keyed by e-mail or SSN is redacted in its keys.
SELECT comply.review_enqueue('{"maria.garcia@example.org": 1, "536-22-8714": {"4111 1111 1111 1111": true}}', 'x',
                             NULL, NULL, NULL, 'subjects') AS c7 \gset
SELECT subject FROM comply.review_cases WHERE id = :c7;
SELECT details -> 'subject' AS ledger_subject FROM comply.audit_log WHERE action = 'review.enqueue' ORDER BY id DESC LIMIT 1;
-- Keys redacted alike stay distinct (one key, jsonb kept one value of the two).
SELECT comply.review_enqueue('{"maria.garcia@example.org": "x", "maria@example.org": "y"}', 'x',
                             NULL, NULL, NULL, 'subjects') AS c8 \gset
SELECT subject FROM comply.review_cases WHERE id = :c8;
SELECT details -> 'subject' AS ledger_subject FROM comply.audit_log WHERE action = 'review.enqueue' ORDER BY id DESC LIMIT 1;

-- The head of a queue is read from its index in review_next's order (escalated first,
-- then the oldest), not found by sorting every open case: the plan of its query on a
-- queue of 20,000 cases has no Sort (its WHERE clause as in comply._review_next).
INSERT INTO comply.review_cases (queue, payload, labels, status, created_at)
SELECT 'big', 'x', ARRAY['a'], 'pending', now() FROM generate_series(1, 20000);
ANALYZE comply.review_cases;
EXPLAIN (COSTS OFF)
SELECT * FROM comply.review_cases r
 WHERE r.queue = 'big'
   AND r.status IN ('pending', 'escalated', 'claimed')
   AND (r.status <> 'claimed' OR r.claim_expires_at < clock_timestamp()
        OR NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles o WHERE o.oid = r.assignee_role))
 ORDER BY (r.escalated_at IS NULL), r.id
 LIMIT 1
 FOR UPDATE SKIP LOCKED;
DELETE FROM comply.review_cases WHERE queue = 'big';

DROP ROLE rev_alice;
DROP ROLE rev_bob;
DROP ROLE not_a_reviewer;

-- Storage limitation (comply.ai_retention, comply.purge_ai_history): finished jobs, their
-- interactions and automatic decisions, and closed cases older than the interval go;
-- open cases and their jobs stay. (Rolled back: the suites after this one read them.)
SELECT count(*) AS open_cases_before FROM comply.review_cases
 WHERE status IN ('pending', 'claimed', 'escalated') \gset
BEGIN;
SELECT what, removed > 0 AS some_removed FROM comply.purge_ai_history('0');
SELECT count(*) = :open_cases_before AS open_cases_kept FROM comply.review_cases
 WHERE status IN ('pending', 'claimed', 'escalated');
SELECT count(*) AS closed_cases_left FROM comply.review_cases
 WHERE status NOT IN ('pending', 'claimed', 'escalated');
SELECT count(*) AS finished_jobs_left FROM comply.ai_jobs j
 WHERE j.status IN ('done', 'dead', 'cancelled')
   AND NOT EXISTS (SELECT 1 FROM comply.review_cases r
                    WHERE r.job_id = j.id AND r.status IN ('pending', 'claimed', 'escalated'));
SELECT count(*) AS interactions_left_of_gone_jobs FROM comply.ai_interactions i
 WHERE i.job_id IS NULL OR NOT EXISTS (SELECT 1 FROM comply.ai_jobs j WHERE j.id = i.job_id);
SELECT details -> 'removed' AS removed, details -> 'older_than_seconds' AS older_than_seconds
  FROM comply.audit_log WHERE action = 'ai.purged';
SELECT count(*) AS removed_by_a_century FROM comply.purge_ai_history('100 years') WHERE removed > 0;
SELECT count(*) AS removed_by_ten_millennia FROM comply.purge_ai_history('10000 years') WHERE removed > 0;
ROLLBACK;
\set VERBOSITY terse
SELECT comply.purge_ai_history('-1 day');
SELECT comply.purge_ai_history(NULL);
\set VERBOSITY default
SELECT has_function_privilege('public', 'comply.purge_ai_history(interval)', 'EXECUTE') AS public_may_purge;

-- A case without a model label (the model could not answer) that a reviewer labels is
-- 'labelled': nothing was approved or rejected, and it is no overturned decision.
SELECT comply.review_enqueue('{"table": "claims", "id": 20}', 'No model answer', ARRAY['approve_claim', 'deny_claim'],
                             NULL, NULL, 'nolabel') AS c4 \gset
CREATE ROLE rev_carol IN ROLE comply_reviewer;
SET ROLE rev_carol;
SELECT id = :c4 AS claimed FROM comply.review_next('nolabel');
SELECT status, final_label FROM comply.review_decide(:c4, 'deny_claim');
RESET ROLE;
SELECT label, model_label, overturned, reviewer FROM comply.ai_decisions WHERE case_id = :c4;
DROP ROLE rev_carol;
SELECT details ->> 'status' AS ledger_status FROM comply.audit_log
 WHERE action LIKE 'review.%' AND object = 'comply.review_cases/' || :c4 ORDER BY id DESC LIMIT 1;
-- A NULL case id, or labels as a two-dimensional array: refused as such.
\set VERBOSITY terse
SELECT comply.review_decide(NULL, 'approve');
SELECT comply.review_enqueue('{}', 'x', ARRAY[['a', 'b'], ['c', 'd']]);
\set VERBOSITY default

-- A claim follows the role, not its name: a role renamed to the claimant's name cannot
-- decide the case; the claimant, renamed, still can.
SELECT comply.review_enqueue('{"id": 33}', 'rename test', ARRAY['a', 'b'], 'a', 0.5, 'renames') AS c5 \gset
CREATE ROLE rev_dave IN ROLE comply_reviewer;
CREATE ROLE rev_erin IN ROLE comply_reviewer;
SET ROLE rev_dave;
SELECT id = :c5 AS claimed FROM comply.review_next('renames');
RESET ROLE;
ALTER ROLE rev_dave RENAME TO rev_dave_old;
ALTER ROLE rev_erin RENAME TO rev_dave;
SET ROLE rev_dave;
\set VERBOSITY sqlstate
SELECT comply.review_decide(:c5, 'a');
\set VERBOSITY default
RESET ROLE;
SET ROLE rev_dave_old;
SELECT status, decided_by FROM comply.review_decide(:c5, 'a');
RESET ROLE;
DROP ROLE rev_dave;
DROP ROLE rev_dave_old;

-- A claim of a role dropped since can never be decided: the next reviewer gets the case
-- at once (not after comply.review_claim_timeout), and review_maintain returns such
-- claims to the queue, saying why.
SELECT comply.review_enqueue('{"id": 34}', 'dropped claimant', ARRAY['a', 'b'], 'a', 0.5, 'dropped') AS c8 \gset
SELECT comply.review_enqueue('{"id": 35}', 'dropped claimant', ARRAY['a', 'b'], 'a', 0.5, 'dropped2') AS c9 \gset
CREATE ROLE rev_gone IN ROLE comply_reviewer;
CREATE ROLE rev_next IN ROLE comply_reviewer;
SET ROLE rev_gone;
SELECT id = :c8 AS claimed FROM comply.review_next('dropped');
SELECT id = :c9 AS claimed FROM comply.review_next('dropped2');
RESET ROLE;
DROP ROLE rev_gone;
SET ROLE rev_next;
SELECT id = :c8 AS claimed_again, assignee FROM comply.review_next('dropped');
RESET ROLE;
SELECT released >= 1 AS released FROM comply.review_maintain();
SELECT status, assignee, assignee_role FROM comply.review_cases WHERE id = :c9;
SELECT details - 'case_id' AS details, (details ->> 'case_id')::bigint = :c9 AS names_case FROM comply.audit_log
 WHERE action = 'review.claim_expired' AND object = 'comply.review_cases/' || :c9;
SELECT status, assignee FROM comply.review_cases WHERE id = :c8;
SET ROLE rev_next;
SELECT status, assignee FROM comply.review_release(:c8);
RESET ROLE;
DROP ROLE rev_next;

-- Four eyes (comply.review_four_eyes, set by superusers only): a case is decided by
-- someone other than the role whose write or call opened it, and than the reviewer who
-- escalated it: review_next skips them, review_decide refuses one claimed while the
-- setting was off.
CREATE ROLE rev_frank IN ROLE comply_reviewer;
CREATE ROLE rev_grace IN ROLE comply_reviewer;
CREATE ROLE rev_heidi IN ROLE comply_reviewer;
GRANT EXECUTE ON FUNCTION comply.review_enqueue(jsonb, text, text[], text, float8, text) TO rev_frank;
SET ROLE rev_frank;
SELECT comply.review_enqueue('{"id": 40}', 'four eyes', ARRAY['a', 'b'], 'a', 0.5, 'four_eyes') AS c10 \gset
-- Off, the default: the role that opened the case may claim it.
SELECT current_setting('comply.review_four_eyes') AS four_eyes;
SELECT id = :c10 AS claimed_own FROM comply.review_next('four_eyes');
SELECT status FROM comply.review_release(:c10);
-- A reviewer cannot change the setting for his own session.
\set VERBOSITY sqlstate
SET comply.review_four_eyes = on;
\set VERBOSITY default
RESET ROLE;
SET comply.review_four_eyes = on;
SET ROLE rev_frank;
SELECT (comply.review_next('four_eyes')).id IS NULL AS own_case_skipped;
RESET ROLE;
-- A claim taken while it was off cannot be decided once it is on.
SET comply.review_four_eyes = off;
SET ROLE rev_frank;
SELECT id = :c10 AS claimed FROM comply.review_next('four_eyes');
RESET ROLE;
SET comply.review_four_eyes = on;
SET ROLE rev_frank;
SELECT set_config('regress.c10', :'c10', false) IS NOT NULL AS set;
DO $$
DECLARE d text; h text;
BEGIN
  PERFORM comply.review_decide(current_setting('regress.c10')::bigint, 'a');
EXCEPTION WHEN insufficient_privilege THEN
  GET STACKED DIAGNOSTICS d = PG_EXCEPTION_DETAIL, h = PG_EXCEPTION_HINT;
  RAISE NOTICE '42501: % / % / %', replace(SQLERRM, current_setting('regress.c10'), 'N'), d, h;
END $$;
SELECT status FROM comply.review_release(:c10);
-- Another reviewer decides it; one who escalates it does not get it back.
SET ROLE rev_grace;
SELECT id = :c10 AS claimed FROM comply.review_next('four_eyes');
SELECT status, decided_by FROM comply.review_decide(:c10, 'escalate');
SELECT (comply.review_next('four_eyes')).id IS NULL AS escalated_case_skipped;
SET ROLE rev_heidi;
SELECT id = :c10 AS claimed, assignee FROM comply.review_next('four_eyes');
SELECT status, decided_by, final_label FROM comply.review_decide(:c10, 'b');
RESET ROLE;
RESET comply.review_four_eyes;
SELECT action, current_user_name FROM comply.audit_log
 WHERE object = 'comply.review_cases/' || :c10 ORDER BY id;
-- A case the SLA escalated (no reviewer did) is anyone's, and first in its queue.
SET ROLE rev_frank;
SELECT comply.review_enqueue('{"id": 41}', 'four eyes, overdue', ARRAY['a', 'b'], 'a', 0.5, 'four_eyes_sla') AS c11 \gset
RESET ROLE;
SET comply.review_sla = '1s';
SELECT pg_sleep(1.2);
SELECT escalated >= 1 AS escalated FROM comply.review_maintain();
RESET comply.review_sla;
SET comply.review_four_eyes = on;
SET ROLE rev_grace;
SELECT id = :c11 AS claimed, created_by, decided_by FROM comply.review_next('four_eyes_sla');
SELECT status FROM comply.review_release(:c11);
-- A reviewer who is a member of the role that opened a case (he may write as it, SET
-- ROLE to it) acts as it: its cases are not his to decide, claimed from a session of
-- his own or after SET ROLE.
RESET ROLE;
GRANT rev_frank TO rev_grace;
SET ROLE rev_grace;
SELECT (comply.review_next('four_eyes_sla')).id IS NULL AS member_of_the_opener_skipped;
RESET ROLE;
REVOKE rev_frank FROM rev_grace;
SET ROLE rev_heidi;
SELECT id = :c11 AS claimed FROM comply.review_next('four_eyes_sla');
SELECT status, decided_by FROM comply.review_decide(:c11, 'a');
RESET ROLE;
-- Roles, not names: the role that opened a case, renamed since, still may not decide it,
-- nor may the reviewer who escalated it, renamed; a new role given the opener's old name
-- is someone else and may.
SET ROLE rev_frank;
SELECT comply.review_enqueue('{"id": 42}', 'four eyes, renamed', ARRAY['a', 'b'], 'a', 0.5, 'four_eyes_rename') AS c12 \gset
RESET ROLE;
ALTER ROLE rev_frank RENAME TO rev_frank_renamed;
SET ROLE rev_frank_renamed;
SELECT (comply.review_next('four_eyes_rename')).id IS NULL AS renamed_opener_skipped;
SET ROLE rev_grace;
SELECT id = :c12 AS claimed FROM comply.review_next('four_eyes_rename');
SELECT status, decided_by FROM comply.review_decide(:c12, 'escalate');
RESET ROLE;
ALTER ROLE rev_grace RENAME TO rev_grace_renamed;
SET ROLE rev_grace_renamed;
SELECT (comply.review_next('four_eyes_rename')).id IS NULL AS renamed_escalator_skipped;
RESET ROLE;
CREATE ROLE rev_frank IN ROLE comply_reviewer;
SET ROLE rev_frank;
SELECT id = :c12 AS claimed_by_new_role_of_old_name FROM comply.review_next('four_eyes_rename');
SELECT status, decided_by FROM comply.review_decide(:c12, 'a');
RESET ROLE;
SELECT created_by, created_by_role = 'rev_frank_renamed'::regrole AS opener_by_oid,
       decided_by, decided_by_role = 'rev_frank'::regrole AS decider_by_oid
  FROM comply.review_cases WHERE id = :c12;
-- The run_controls evidence of self-decided cases compares roles too: the renamed opener
-- deciding its own case (four eyes off) is counted.
RESET comply.review_four_eyes;
SELECT self_decided_cases AS self_decided_before FROM comply._review_evidence() \gset
GRANT EXECUTE ON FUNCTION comply.review_enqueue(jsonb, text, text[], text, float8, text) TO rev_frank;
SET ROLE rev_frank;
SELECT comply.review_enqueue('{"id": 43}', 'self-decided, renamed', ARRAY['a', 'b'], 'a', 0.5, 'four_eyes_rename') AS c13 \gset
RESET ROLE;
ALTER ROLE rev_frank RENAME TO rev_frank_second;
SET ROLE rev_frank_second;
SELECT id = :c13 AS claimed_own FROM comply.review_next('four_eyes_rename');
SELECT status, created_by, decided_by FROM comply.review_decide(:c13, 'a');
RESET ROLE;
SELECT self_decided_cases - :self_decided_before AS self_decided_added FROM comply._review_evidence();
DELETE FROM comply.review_cases WHERE id = :c13;  -- (12_controls counts them from zero)
REVOKE EXECUTE ON FUNCTION comply.review_enqueue(jsonb, text, text[], text, float8, text) FROM rev_frank_second;
REVOKE EXECUTE ON FUNCTION comply.review_enqueue(jsonb, text, text[], text, float8, text) FROM rev_frank_renamed;
DROP ROLE rev_frank_second;
DROP ROLE rev_frank_renamed;
DROP ROLE rev_grace_renamed;
DROP ROLE rev_heidi;
-- Four eyes through a SECURITY DEFINER function (an application's API function, a
-- cascade's trigger): the call runs as the function's owner, but the role that invoked
-- it opened the case all the same, and may not decide it.
CREATE ROLE rev_api_owner;
CREATE ROLE rev_ivan IN ROLE comply_reviewer;
CREATE ROLE rev_judy IN ROLE comply_reviewer;
GRANT EXECUTE ON FUNCTION comply.review_enqueue(jsonb, text, text[], text, float8, text) TO rev_api_owner;
CREATE FUNCTION public.rev_api_enqueue(n int) RETURNS bigint LANGUAGE sql SECURITY DEFINER
  SET search_path = pg_catalog
  AS $$ SELECT comply.review_enqueue(jsonb_build_object('id', n), 'through the API', ARRAY['a', 'b'], 'a', 0.5, 'four_eyes_api') $$;
ALTER FUNCTION public.rev_api_enqueue(int) OWNER TO rev_api_owner;
GRANT EXECUTE ON FUNCTION public.rev_api_enqueue(int) TO rev_ivan;
SET ROLE rev_ivan;
SELECT public.rev_api_enqueue(44) AS c14 \gset
RESET ROLE;
SELECT created_by, created_by_role = 'rev_api_owner'::regrole AS runs_as_owner,
       created_by_invoker_role = 'rev_ivan'::regrole AS invoked_by_ivan
  FROM comply.review_cases WHERE id = :c14;
SET comply.review_four_eyes = on;
SET ROLE rev_ivan;
SELECT (comply.review_next('four_eyes_api')).id IS NULL AS invoker_skipped;
SET ROLE rev_judy;
SELECT id = :c14 AS claimed FROM comply.review_next('four_eyes_api');
SELECT status, decided_by FROM comply.review_decide(:c14, 'a');
RESET ROLE;
RESET comply.review_four_eyes;
DROP FUNCTION public.rev_api_enqueue(int);
REVOKE EXECUTE ON FUNCTION comply.review_enqueue(jsonb, text, text[], text, float8, text) FROM rev_api_owner;
DELETE FROM comply.review_cases WHERE id = :c14;  -- (12_controls counts them from zero)
DROP ROLE rev_api_owner;
DROP ROLE rev_ivan;
DROP ROLE rev_judy;
