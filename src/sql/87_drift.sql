-- Drift, as it happens: event triggers notice DDL that weakens a protected table (its
-- triggers disabled or dropped, the table altered or dropped, its grants or row
-- security policies changed); ALTER SYSTEM, which event triggers cannot see, is caught
-- by the module's utility hook. Each change is a ledger entry and an alert.

-- Records one drift event: a ledger entry and an alert.
CREATE FUNCTION comply._drift(subject text, message text, details jsonb)
  RETURNS void
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  PERFORM comply.audit('drift', subject, details || jsonb_build_object('message', message,
                                                                      'by', session_user::text));
  PERFORM comply._raise_alert('drift', subject, message, details);
END $$;
COMMENT ON FUNCTION comply._drift(text, text, jsonb) IS
  'Records a drift event: a ledger entry and an alert';
REVOKE ALL ON FUNCTION comply._drift(text, text, jsonb) FROM PUBLIC;

CREATE FUNCTION comply._drift_ddl() RETURNS event_trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  r record;
  p record;
  acl text;
  enforced boolean;
  details jsonb;
  gone text[];
  problem text;
BEGIN
  -- The extension's own tables: a trigger of theirs (the ledger's append-only guards,
  -- the shipped controls' guard, cache invalidation) left not enabled always is drift
  -- as it happens, not only at the next comparison with the baseline: disabling a
  -- guard, changing entries not yet sealed and enabling it again within one
  -- comply.drift_interval would leave no trace there.
  FOR r IN SELECT c.objid FROM pg_event_trigger_ddl_commands() c
            WHERE c.command_tag = 'ALTER TABLE' AND c.classid = 'pg_class'::regclass
              AND EXISTS (SELECT 1 FROM pg_depend d
                           WHERE d.classid = 'pg_class'::regclass AND d.objid = c.objid
                             AND d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e'
                             AND d.refobjid = (SELECT e.oid FROM pg_extension e WHERE e.extname = 'pg_comply'))
  LOOP
    FOR p IN SELECT t.tgname, t.tgenabled FROM pg_trigger t
              WHERE t.tgrelid = r.objid AND NOT t.tgisinternal AND t.tgenabled <> 'A' ORDER BY t.tgname LOOP
      PERFORM comply._drift(r.objid::regclass::text,
                            format('trigger %s of %s is %s (ALTER TABLE)', p.tgname, r.objid::regclass,
                                   CASE p.tgenabled WHEN 'D' THEN 'disabled'
                                                    WHEN 'R' THEN 'enabled for replicas only'
                                                    ELSE 'no longer enabled in replica mode' END),
                            jsonb_build_object('kind', 'guard_weakened', 'table', r.objid::regclass::text,
                                               'trigger', p.tgname,
                                               'state', CASE p.tgenabled WHEN 'D' THEN 'disabled'
                                                                         WHEN 'R' THEN 'replica'
                                                                         ELSE 'origin' END));
    END LOOP;
  END LOOP;
  IF NOT EXISTS (SELECT 1 FROM comply.policies) THEN
    RETURN;
  END IF;
  FOR r IN SELECT * FROM pg_event_trigger_ddl_commands() LOOP
    IF r.command_tag IN ('GRANT', 'REVOKE') THEN
      -- GRANT reports no object: compare each protected table's privileges with the last seen.
      FOR p IN SELECT c.table_name, c.acl_snapshot, comply._acl_text(c.table_name) AS acl
                 FROM comply.policies c JOIN pg_class k ON k.oid = c.table_name LOOP
        IF p.acl IS DISTINCT FROM p.acl_snapshot THEN
          PERFORM comply._drift(p.table_name::text,
                                format('privileges on protected table %s changed (%s)', p.table_name, r.command_tag),
                                jsonb_build_object('kind', 'grants', 'table', p.table_name::text,
                                                   'before', p.acl_snapshot, 'after', p.acl));
          UPDATE comply.policies SET acl_snapshot = p.acl WHERE table_name = p.table_name;
        END IF;
      END LOOP;
    ELSIF r.classid = 'pg_class'::regclass
          AND EXISTS (SELECT 1 FROM comply.policies c
                       WHERE c.table_name = r.objid
                          OR c.table_name IN (SELECT pg_partition_ancestors(r.objid))) THEN
      -- The protected table, or a partition of one (whose triggers are its clones; a
      -- plain table has no ancestors, not even itself).
      SELECT c.table_name, c.policy INTO p FROM comply.policies c
       WHERE c.table_name = r.objid OR c.table_name IN (SELECT pg_partition_ancestors(r.objid))
       LIMIT 1;
      -- None of its protect triggers there: they were dropped (that was recorded then),
      -- or they are not there yet, as in a restore, which creates triggers after the
      -- constraints its ALTER TABLEs add. Neither is this command's doing.
      CONTINUE WHEN NOT EXISTS (SELECT 1 FROM pg_trigger tg
                                 WHERE tg.tgrelid = p.table_name
                                   AND tg.tgname IN ('comply_protect_before', 'comply_protect_after',
                                                     'comply_protect_truncate'));
      SELECT t.enforced INTO enforced FROM comply.protected_tables t WHERE t.table_name = p.table_name;
      details := jsonb_build_object('table', p.table_name::text, 'command', r.command_tag);
      IF r.objid <> p.table_name THEN
        details := details || jsonb_build_object('partition', r.objid::regclass::text);
      END IF;
      -- Columns the policy names that the table no longer has (renamed or dropped): its
      -- writes are refused until the policy is updated (comply._protect_row); say so now.
      gone := comply._gone_columns(p.table_name, p.policy);
      IF gone IS NOT NULL THEN
        PERFORM comply._drift(p.table_name::text,
                              format('the policy of protected table %s names columns it no longer has: %s (%s); '
                                     'its writes are refused until the policy is updated',
                                     p.table_name, array_to_string(gone, ', '), r.command_tag),
                              details || jsonb_build_object('kind', 'policy_broken', 'columns', to_jsonb(gone)));
        CONTINUE;
      END IF;
      -- Or columns it names that no longer fit it (retyped, say).
      problem := comply._policy_problem(p.table_name, p.policy);
      IF problem IS NOT NULL THEN
        PERFORM comply._drift(p.table_name::text,
                              format('the policy of protected table %s no longer fits it: %s (%s); '
                                     'its writes are refused until the policy is updated',
                                     p.table_name, problem, r.command_tag),
                              details || jsonb_build_object('kind', 'policy_broken', 'problem', problem));
      ELSIF NOT enforced THEN
        PERFORM comply._drift(p.table_name::text,
                              format('protection of %s is disabled (%s)', p.table_name, r.command_tag),
                              details || jsonb_build_object('kind', 'protection_disabled'));
      ELSE
        PERFORM comply._drift(p.table_name::text,
                              format('protected table %s was altered (%s)', p.table_name, r.command_tag),
                              details || jsonb_build_object('kind', 'table_altered'));
      END IF;
    ELSIF r.classid = 'pg_policy'::regclass THEN
      SELECT c.table_name INTO p FROM comply.policies c
        JOIN pg_policy pol ON pol.polrelid = c.table_name WHERE pol.oid = r.objid;
      IF FOUND THEN
        PERFORM comply._drift(p.table_name::text,
                              format('row security policies on protected table %s changed (%s)',
                                     p.table_name, r.command_tag),
                              jsonb_build_object('kind', 'row_security', 'table', p.table_name::text,
                                                 'command', r.command_tag));
      END IF;
    END IF;
  END LOOP;
END $$;
COMMENT ON FUNCTION comply._drift_ddl() IS
  'Event trigger: records DDL that alters protected tables, their triggers, grants or row security';

CREATE FUNCTION comply._drift_drop() RETURNS event_trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  r record;
  t text;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM comply.policies) THEN
    RETURN;
  END IF;
  FOR r IN SELECT * FROM pg_event_trigger_dropped_objects() LOOP
    IF r.object_type = 'table' AND r.original
       AND EXISTS (SELECT 1 FROM comply.policies c WHERE c.table_name = r.objid) THEN
      t := quote_ident(r.schema_name) || '.' || quote_ident(r.object_name);
      PERFORM comply._drift(t, format('protected table %s was dropped', t),
                            jsonb_build_object('kind', 'table_dropped', 'table', t));
      DELETE FROM comply.policies WHERE table_name = r.objid;
    ELSIF r.object_type = 'policy' THEN
      t := substring(r.object_identity FROM ' on (.*)$');
      IF EXISTS (SELECT 1 FROM comply.policies c WHERE c.table_name = to_regclass(t)) THEN
        PERFORM comply._drift(t, format('a row security policy of protected table %s was dropped', t),
                              jsonb_build_object('kind', 'row_security', 'table', t, 'command', 'DROP POLICY'));
      END IF;
    ELSIF r.object_type = 'trigger'
          AND r.object_identity ~ '^comply_protect_(before|after|truncate) on ' THEN
      t := substring(r.object_identity FROM ' on (.*)$');
      -- comply.unprotect removes the policy first: a drop after that is not drift.
      IF EXISTS (SELECT 1 FROM comply.policies c WHERE c.table_name::text = t
                    OR c.table_name = to_regclass(t)) THEN
        PERFORM comply._drift(t, format('a protect trigger of %s was dropped', t),
                              jsonb_build_object('kind', 'trigger_dropped', 'table', t,
                                                 'trigger', split_part(r.object_identity, ' ', 1)));
      END IF;
    END IF;
  END LOOP;
END $$;
COMMENT ON FUNCTION comply._drift_drop() IS
  'Event trigger: records a protected table or one of its protect triggers being dropped';

REVOKE ALL ON FUNCTION comply._drift_ddl(), comply._drift_drop() FROM PUBLIC;

CREATE EVENT TRIGGER comply_drift_ddl ON ddl_command_end
  WHEN TAG IN ('ALTER TABLE', 'GRANT', 'REVOKE', 'CREATE POLICY', 'ALTER POLICY')
  EXECUTE FUNCTION comply._drift_ddl();
CREATE EVENT TRIGGER comply_drift_drop ON sql_drop
  WHEN TAG IN ('DROP TABLE', 'DROP TRIGGER', 'DROP POLICY', 'DROP SCHEMA', 'DROP OWNED')
  EXECUTE FUNCTION comply._drift_drop();
ALTER EVENT TRIGGER comply_drift_ddl ENABLE ALWAYS;  -- see 30_ledger.sql
ALTER EVENT TRIGGER comply_drift_drop ENABLE ALWAYS;
