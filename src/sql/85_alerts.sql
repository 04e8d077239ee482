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
  last_error text
);
CREATE INDEX alerts_undelivered ON comply.alerts (next_attempt_at, id) WHERE delivered_at IS NULL;
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
  INSERT INTO comply.alerts (kind, subject, message, details)
  VALUES (kind, subject, message, coalesce(details, '{}'))
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
