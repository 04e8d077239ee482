-- Alerts: an outbox of everything a person must hear about (drift, failed controls,
-- ledger verification failures, dead-lettered jobs, escalated reviews), announced with
-- NOTIFY comply_alerts when their transaction commits (not by a prepared transaction)
-- and delivered by the job worker to
-- comply.alert_webhook_url until a 2xx acknowledges each. Alerts hold no personal data
-- and no secrets: their texts are made by pg_comply from names and counts.

CREATE TABLE comply.alerts (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  raised_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  kind text NOT NULL CHECK (kind IN ('drift', 'control_failed', 'ledger', 'dead_letter',
                                     'review_escalated')),
  subject text NOT NULL,
  message text NOT NULL,
  details jsonb NOT NULL DEFAULT '{}',
  attempts int NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  delivered_at timestamptz,
  last_error text,
  -- The job worker posting it (its claim ends at next_attempt_at, or when that process is
  -- gone: a worker stopped mid-post does not hold the alert back for the claim's length).
  claimed_by int,
  -- An alert a person gave up delivering (comply.dismiss_alert): no longer posted (one
  -- posted as it was dismissed may still be marked delivered).
  dismissed_at timestamptz
);
CREATE INDEX alerts_undelivered ON comply.alerts (next_attempt_at, id)
  WHERE delivered_at IS NULL AND dismissed_at IS NULL;
COMMENT ON TABLE comply.alerts IS
  'Alert outbox: each alert is announced by NOTIFY comply_alerts and delivered to comply.alert_webhook_url by the worker';
REVOKE ALL ON comply.alerts FROM PUBLIC;

-- NOTIFY when the transaction commits, not at all when it is prepared (PostgreSQL
-- cannot prepare a transaction that notified, and alerts are raised inside users' DDL).
CREATE FUNCTION comply._notify_at_commit(channel text, payload text) RETURNS void
  AS 'MODULE_PATHNAME', 'comply_notify_at_commit'
  LANGUAGE C VOLATILE;
COMMENT ON FUNCTION comply._notify_at_commit(text, text) IS
  'NOTIFY channel, payload when the transaction commits; nothing when it is prepared';
REVOKE ALL ON FUNCTION comply._notify_at_commit(text, text) FROM PUBLIC;

CREATE FUNCTION comply._raise_alert(kind text, subject text, message text, details jsonb DEFAULT '{}')
  RETURNS bigint
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp SET quote_all_identifiers = off AS $$
DECLARE
  new_id bigint;
BEGIN
  -- Redacted as the ledger's entries are (QA 16: a drift alert quoted a setting's value or
  -- a role's name in clear where its ledger entry read [EMAIL_ADDRESS]): the subject and
  -- message are posted to the webhook, a service outside the database.
  INSERT INTO comply.alerts (kind, subject, message, details)
  VALUES (kind, comply.redact(subject), comply.redact(message), comply.redact(coalesce(details, '{}'), '{"redact_keys": true}'))
  RETURNING id INTO new_id;
  -- Any role may LISTEN on a channel (and NOTIFY on it): the payload says only that an
  -- alert was raised, its id and kind; what it says is read from comply.alerts, which
  -- ordinary roles cannot read (and where a NOTIFY of anyone else's finds nothing).
  -- (At commit: a prepared transaction announces nothing, its alerts are in the table.)
  PERFORM comply._notify_at_commit('comply_alerts', jsonb_build_object('id', new_id, 'kind', kind)::text);
  RETURN new_id;
END $$;
COMMENT ON FUNCTION comply._raise_alert(text, text, text, jsonb) IS
  'Adds an alert to the outbox and announces it with NOTIFY comply_alerts at commit (its id and kind only: any role may listen)';
REVOKE ALL ON FUNCTION comply._raise_alert(text, text, text, jsonb) FROM PUBLIC;

-- An alert its receiver refuses for good (a 4xx: a webhook revoked, a payload it will
-- never take) is posted again and again, and comply.check_server's alert_delivery fails
-- while it waits. A person who has read it elsewhere ends its delivery here; the
-- dismissal is a ledger entry (who, when, why), and the alert stays in the table.
CREATE FUNCTION comply.dismiss_alert(alert_id bigint, reason text) RETURNS void
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp SET quote_all_identifiers = off AS $$
DECLARE
  a record;
BEGIN
  IF alert_id IS NULL OR reason IS NULL THEN
    RAISE EXCEPTION 'the alert id and the reason must not be NULL' USING ERRCODE = 'null_value_not_allowed';
  END IF;
  -- Said plainly, rather than by the first statement that writes (a standby too).
  IF current_setting('transaction_read_only')::boolean THEN
    RAISE EXCEPTION 'cannot execute comply.dismiss_alert() in a read-only transaction' USING ERRCODE = 'read_only_sql_transaction';
  END IF;
  -- (Not white space, invisible characters or combining marks alone: QA 16; and a
  -- reason, not a document: it is sealed in the ledger for good.)
  IF reason !~ E'[^[:space:]\u00a0\u1680\u180e\u2000-\u200f\u2028-\u202f\u205f-\u2064\u3000\ufeff\u0300-\u036f]' THEN
    RAISE EXCEPTION 'a dismissal needs a reason' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF octet_length(reason) > 2000 THEN
    RAISE EXCEPTION 'a dismissal reason is longer than 2000 bytes (% bytes, not shown)', octet_length(reason)
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  SELECT x.id, x.kind, x.attempts, x.last_error, x.delivered_at, x.dismissed_at INTO a
    FROM comply.alerts x WHERE x.id = alert_id FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'there is no alert %', alert_id USING ERRCODE = 'invalid_parameter_value';
  ELSIF a.delivered_at IS NOT NULL THEN
    RAISE EXCEPTION 'alert % was delivered', alert_id USING ERRCODE = 'object_not_in_prerequisite_state';
  ELSIF a.dismissed_at IS NOT NULL THEN
    RAISE EXCEPTION 'alert % was dismissed already', alert_id USING ERRCODE = 'object_not_in_prerequisite_state';
  END IF;
  UPDATE comply.alerts SET dismissed_at = clock_timestamp() WHERE id = alert_id;
  -- (The reason is the caller's text: the ledger redacts what it finds in it.)
  PERFORM comply._audit_as_caller('alert.dismissed', 'comply.alerts/' || alert_id,
                       jsonb_build_object('kind', a.kind, 'attempts', a.attempts,
                                          'last_error', a.last_error, 'reason', reason));
END $$;
COMMENT ON FUNCTION comply.dismiss_alert(bigint, text) IS
  'Ends the delivery of an undelivered alert (one its webhook refuses for good), recording who dismissed it and why in the ledger';
REVOKE ALL ON FUNCTION comply.dismiss_alert(bigint, text) FROM PUBLIC;
