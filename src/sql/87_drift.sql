-- Drift, as it happens: event triggers notice DDL that weakens a protected table (its
-- triggers disabled or dropped, the table altered or dropped, its grants or row
-- security policies changed); ALTER SYSTEM, which event triggers cannot see, is caught
-- by the module's utility hook. Each change is a ledger entry and an alert.

-- Records one drift event: a ledger entry and an alert.
CREATE FUNCTION comply._drift(subject text, message text, details jsonb)
  RETURNS void
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp SET quote_all_identifiers = off AS $$
BEGIN
  -- Who acted (the session's user and role: the entry's columns name them too) and the
  -- privileges before and after (role names) are recorded as they are: the detector
  -- would take a role named like an e-mail address or a person for personal data.
  PERFORM comply._audit_as_caller('drift', subject,
                                  (details - 'before' - 'after') || jsonb_build_object('message', message),
                                  jsonb_build_object('by', session_user::text)
                                  || CASE WHEN details ? 'before' OR details ? 'after'
                                          THEN jsonb_build_object('before', details -> 'before',
                                                                  'after', details -> 'after')
                                          ELSE '{}' END);
  PERFORM comply._raise_alert('drift', subject, message, details);
END $$;
COMMENT ON FUNCTION comply._drift(text, text, jsonb) IS
  'Records a drift event: a ledger entry and an alert';
REVOKE ALL ON FUNCTION comply._drift(text, text, jsonb) FROM PUBLIC;

-- Whether an event trigger's command makes a table an inheritance child (CREATE TABLE
-- ... INHERITS, ALTER TABLE ... INHERIT; not a partition).
CREATE FUNCTION comply._adds_inheritance(cmd pg_ddl_command) RETURNS boolean
  AS 'MODULE_PATHNAME', 'comply_adds_inheritance'
  LANGUAGE C STABLE STRICT;
COMMENT ON FUNCTION comply._adds_inheritance(pg_ddl_command) IS
  'Whether a DDL command makes a table an inheritance child (event triggers)';
REVOKE ALL ON FUNCTION comply._adds_inheritance(pg_ddl_command) FROM PUBLIC;

-- How an event trigger's command changes a relation's name or columns: 'relation'
-- (renamed, or moved to another schema), 'column renamed', 'column dropped', 'column
-- retyped', or null.
-- A restore's post-data: the protect triggers of a table created by CREATE TRIGGER
-- statements in this session (not by comply.protect), and what follows them there
-- (foreign keys, CHECK constraints, row security and its policies), which is not drift.
CREATE FUNCTION comply._note_restored_triggers(tbl regclass, cmd pg_ddl_command) RETURNS void
  AS 'MODULE_PATHNAME', 'comply_note_restored_triggers'
  LANGUAGE C VOLATILE STRICT;
COMMENT ON FUNCTION comply._note_restored_triggers(regclass, pg_ddl_command) IS
  'Notes that this session created a table''s protect triggers by CREATE TRIGGER, as a restore does (event triggers)';
REVOKE ALL ON FUNCTION comply._note_restored_triggers(regclass, pg_ddl_command) FROM PUBLIC;
CREATE FUNCTION comply._restored_here(tbl regclass) RETURNS boolean
  AS 'MODULE_PATHNAME', 'comply_restored_here'
  LANGUAGE C STABLE STRICT;
COMMENT ON FUNCTION comply._restored_here(regclass) IS
  'Whether this session created the table''s protect triggers by CREATE TRIGGER, as a restore does (event triggers)';
REVOKE ALL ON FUNCTION comply._restored_here(regclass) FROM PUBLIC;
CREATE FUNCTION comply._only_tightens(cmd pg_ddl_command) RETURNS boolean
  AS 'MODULE_PATHNAME', 'comply_only_tightens'
  LANGUAGE C STABLE STRICT;
COMMENT ON FUNCTION comply._only_tightens(pg_ddl_command) IS
  'Whether an ALTER TABLE only adds foreign keys or CHECK constraints or enables row security (event triggers)';
REVOKE ALL ON FUNCTION comply._only_tightens(pg_ddl_command) FROM PUBLIC;

CREATE FUNCTION comply._reshapes(cmd pg_ddl_command) RETURNS text
  AS 'MODULE_PATHNAME', 'comply_reshapes'
  LANGUAGE C STABLE STRICT;
COMMENT ON FUNCTION comply._reshapes(pg_ddl_command) IS
  'How a DDL command changes a relation''s name or columns: relation, column renamed, column dropped, column retyped, or null (event triggers)';
REVOKE ALL ON FUNCTION comply._reshapes(pg_ddl_command) FROM PUBLIC;

-- What an event trigger's ALTER TABLE of one of pg_comply's own tables changes that its
-- code relies on ('a constraint added', 'a column''s default changed', 'a new owner',
-- ...), or null when it only tunes storage, statistics, clustering, the tablespace, the
-- replica identity or triggers' firing.
CREATE FUNCTION comply._own_table_change(cmd pg_ddl_command) RETURNS text
  AS 'MODULE_PATHNAME', 'comply_own_table_change'
  LANGUAGE C STABLE STRICT;
COMMENT ON FUNCTION comply._own_table_change(pg_ddl_command) IS
  'What an ALTER TABLE of one of pg_comply''s own tables changes that its code relies on, or null (event triggers)';
REVOKE ALL ON FUNCTION comply._own_table_change(pg_ddl_command) FROM PUBLIC;

-- The tables an event trigger's ALTER TABLE ... ATTACH PARTITION attached (empty for
-- any other command).
CREATE FUNCTION comply._attached_partitions(cmd pg_ddl_command) RETURNS oid[]
  AS 'MODULE_PATHNAME', 'comply_attached_partitions'
  LANGUAGE C STABLE STRICT;
COMMENT ON FUNCTION comply._attached_partitions(pg_ddl_command) IS
  'The tables an ALTER TABLE ... ATTACH PARTITION attached (event triggers)';
REVOKE ALL ON FUNCTION comply._attached_partitions(pg_ddl_command) FROM PUBLIC;

-- The tables an event trigger's ALTER TABLE ... DETACH PARTITION detached (empty for
-- any other command).
CREATE FUNCTION comply._detached_partitions(cmd pg_ddl_command) RETURNS oid[]
  AS 'MODULE_PATHNAME', 'comply_detached_partitions'
  LANGUAGE C STABLE STRICT;
COMMENT ON FUNCTION comply._detached_partitions(pg_ddl_command) IS
  'The tables an ALTER TABLE ... DETACH PARTITION detached (event triggers)';
REVOKE ALL ON FUNCTION comply._detached_partitions(pg_ddl_command) FROM PUBLIC;

-- After rows left a protected table past its triggers (a partition detached): the queued
-- classification jobs of rows no longer in it are cancelled, their open review cases
-- withdrawn (each a ledger entry), with reason what ("the row's partition was detached").
CREATE FUNCTION comply._cancel_work_of_gone_rows(tbl regclass, what text) RETURNS void
  AS 'MODULE_PATHNAME', 'comply_cancel_work_of_gone_rows'
  LANGUAGE C VOLATILE STRICT;
COMMENT ON FUNCTION comply._cancel_work_of_gone_rows(regclass, text) IS
  'Cancels the queued jobs and withdraws the open review cases of rows no longer in a protected table';
REVOKE ALL ON FUNCTION comply._cancel_work_of_gone_rows(regclass, text) FROM PUBLIC;

-- Whether a relation is one of pg_comply's own tables (a member of the extension).
CREATE FUNCTION comply._is_own_table(rel oid) RETURNS boolean
  LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
  SELECT EXISTS (SELECT 1 FROM pg_depend d
                  WHERE d.classid = 'pg_class'::regclass AND d.objid = rel
                    AND d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e'
                    AND d.refobjid = (SELECT e.oid FROM pg_extension e WHERE e.extname = 'pg_comply'))
$$;
COMMENT ON FUNCTION comply._is_own_table(oid) IS 'Whether a relation is one of pg_comply''s own tables';

-- Whether a transaction id is this transaction's or one of its subtransactions'.
CREATE FUNCTION comply._changed_here(x xid) RETURNS boolean
  AS 'MODULE_PATHNAME', 'comply_changed_here'
  LANGUAGE C STABLE STRICT;
COMMENT ON FUNCTION comply._changed_here(xid) IS
  'Whether a transaction id is the current transaction''s or one of its subtransactions'' (a catalog row written here)';
REVOKE ALL ON FUNCTION comply._changed_here(xid) FROM PUBLIC;

-- Each protected table's privileges compared with those last seen (comply.policies.
-- acl_snapshot): a difference is drift, and the new privileges the ones seen. After a
-- GRANT or REVOKE (which report no object), and after REASSIGN OWNED and DROP OWNED,
-- which event triggers do not see (the utility hook calls this). Only the protected
-- tables whose catalog rows (pg_class, pg_attribute, a partition's) this transaction
-- wrote can have new privileges: the others are not read again (every GRANT in the
-- database compared them all, 0.3 ms a protected table: 600 ms with 2,000).
CREATE FUNCTION comply._drift_privileges(command text) RETURNS void
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp SET quote_all_identifiers = off AS $$
DECLARE
  p record;
BEGIN
  FOR p IN SELECT c.table_name, c.acl_snapshot, comply._acl_text(c.table_name) AS acl
             FROM comply.policies c JOIN pg_class k ON k.oid = c.table_name
            WHERE comply._changed_here(k.xmin)
               OR EXISTS (SELECT 1 FROM pg_attribute a
                           WHERE a.attrelid = c.table_name AND comply._changed_here(a.xmin))
               OR (k.relkind = 'p'
                   AND EXISTS (SELECT 1 FROM comply._partition_tree(c.table_name) r
                                JOIN pg_class q ON q.oid = r.relid
                               WHERE r.relid <> c.table_name
                                 AND (comply._changed_here(q.xmin)
                                      OR EXISTS (SELECT 1 FROM pg_attribute a
                                                  WHERE a.attrelid = r.relid
                                                    AND comply._changed_here(a.xmin))))) LOOP
    IF p.acl IS DISTINCT FROM p.acl_snapshot THEN
      PERFORM comply._drift(p.table_name::text,
                            format('privileges on protected table %s changed (%s)', p.table_name, command),
                            jsonb_build_object('kind', 'grants', 'table', p.table_name::text,
                                               'before', p.acl_snapshot, 'after', p.acl));
      UPDATE comply.policies SET acl_snapshot = p.acl WHERE table_name = p.table_name;
    END IF;
  END LOOP;
END $$;
COMMENT ON FUNCTION comply._drift_privileges(text) IS
  'Records as drift the protected tables whose privileges changed since last seen';
REVOKE ALL ON FUNCTION comply._drift_privileges(text) FROM PUBLIC;

CREATE FUNCTION comply._drift_ddl() RETURNS event_trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp SET quote_all_identifiers = off AS $$
DECLARE
  r record;
  p record;
  acl text;
  enforced boolean;
  details jsonb;
  gone text[];
  problem text;
  obj record;
  filled text[];
  detached text[];
  has_rows boolean;
  renamed oid[] := '{}';
BEGIN
  -- pg_comply's schema is named in all its code (this function's too): renamed, every
  -- protected write, ledger append and worker would fail from then on. Refused, before
  -- anything here names it.
  FOR r IN SELECT c.objid FROM pg_event_trigger_ddl_commands() c
            WHERE c.classid = 'pg_namespace'::regclass
              AND EXISTS (SELECT 1 FROM pg_depend d JOIN pg_extension e ON e.oid = d.refobjid
                           WHERE e.extname = 'pg_comply' AND d.classid = 'pg_namespace'::regclass
                             AND d.objid = c.objid AND d.deptype = 'e')
              AND NOT EXISTS (SELECT 1 FROM pg_namespace n WHERE n.oid = c.objid AND n.nspname = 'comply')
  LOOP
    RAISE EXCEPTION 'schema comply of pg_comply cannot be renamed'
      USING ERRCODE = 'object_not_in_prerequisite_state',
            DETAIL = 'pg_comply''s functions, triggers and workers name their objects in schema comply.';
  END LOOP;
  -- pg_comply's functions and views are its code. Replaced (CREATE OR REPLACE FUNCTION
  -- comply._protect_row() with a function that returns NEW as it came disables every
  -- policy while the triggers stay in place; a view that says every table is enforced)
  -- or altered (SECURITY DEFINER, a search_path through someone else's schema, a new
  -- owner), they would no longer do what they say: refused, as are new functions in its
  -- schema (an overload can capture calls). The extension's own scripts are let through.
  FOR r IN SELECT c.objid, c.classid, c.object_identity,
                  EXISTS (SELECT 1 FROM pg_depend d JOIN pg_extension e ON e.oid = d.refobjid
                           WHERE e.extname = 'pg_comply' AND d.classid = c.classid
                             AND d.objid = c.objid AND d.deptype = 'e') AS own
             FROM pg_event_trigger_ddl_commands() c
            WHERE NOT c.in_extension
              AND (c.classid = 'pg_proc'::regclass
                   OR (c.classid = 'pg_class'::regclass
                       AND (SELECT k.relkind FROM pg_class k WHERE k.oid = c.objid) IN ('v', 'm')))
  LOOP
    IF r.own THEN
      RAISE EXCEPTION '% of pg_comply cannot be replaced or altered', r.object_identity
        USING ERRCODE = 'object_not_in_prerequisite_state',
              DETAIL = 'pg_comply''s functions and views are its code: changed, they would no longer do what pg_comply says they do.';
    ELSIF r.classid = 'pg_proc'::regclass
          AND (SELECT pr.pronamespace FROM pg_proc pr WHERE pr.oid = r.objid)
              = (SELECT n.oid FROM pg_namespace n WHERE n.nspname = 'comply') THEN
      RAISE EXCEPTION 'functions cannot be added to schema comply of pg_comply (%)', r.object_identity
        USING ERRCODE = 'object_not_in_prerequisite_state',
              DETAIL = 'A function of the same name with other argument types could capture calls meant for pg_comply''s.',
              HINT = 'Create it in a schema of your own.';
    END IF;
  END LOOP;
  -- The extension's own tables: a trigger of theirs (the ledger's append-only guards,
  -- the shipped controls' guard, cache invalidation) left not enabled always is drift
  -- as it happens, not only at the next comparison with the baseline: disabling a
  -- guard, changing entries not yet sealed and enabling it again within one
  -- comply.drift_interval would leave no trace there.
  FOR r IN SELECT c.objid, c.command, c.in_extension FROM pg_event_trigger_ddl_commands() c
            WHERE c.command_tag = 'ALTER TABLE' AND c.classid = 'pg_class'::regclass
              AND comply._is_own_table(c.objid)
  LOOP
    -- Likewise its tables' names and columns (the ledger's, the policies', the queues'):
    -- and a column dropped or retyped would rewrite the ledger's entries past its
    -- append-only guard (which sees UPDATE and DELETE, not ALTER TABLE). Refused, but
    -- in the extension's own scripts (a future ALTER EXTENSION ... UPDATE).
    IF NOT r.in_extension AND comply._reshapes(r.command) = 'relation' THEN
      RAISE EXCEPTION 'tables of pg_comply cannot be renamed or moved'
        USING ERRCODE = 'object_not_in_prerequisite_state',
              DETAIL = format('The command made one %s; pg_comply''s functions, triggers and workers name their tables in schema comply.',
                              r.objid::regclass);
    ELSIF NOT r.in_extension AND comply._reshapes(r.command) IS NOT NULL THEN
      RAISE EXCEPTION 'columns of table % of pg_comply cannot be renamed, dropped or retyped', r.objid::regclass
        USING ERRCODE = 'object_not_in_prerequisite_state',
              DETAIL = format('The command has a %s. pg_comply''s code names these columns, and the ledger''s rows are append-only.',
                              comply._reshapes(r.command));
    END IF;
    -- An unlogged table is emptied by crash recovery and never reaches a standby: the
    -- ledger (or the policies) made unlogged could be erased by a crash. Refused.
    IF (SELECT c.relpersistence FROM pg_class c WHERE c.oid = r.objid) = 'u' THEN
      RAISE EXCEPTION 'table % of pg_comply must stay logged', r.objid::regclass
        USING ERRCODE = 'object_not_in_prerequisite_state',
              DETAIL = 'Crash recovery empties an unlogged table, and standbys never receive its rows.';
    END IF;
    -- Likewise what decides which of pg_comply's own writes succeed, and who may make
    -- them: a CHECK constraint or a NOT NULL on the ledger failed the job worker's
    -- appends for ever; its primary key dropped, an entry stored twice under one id was
    -- never sealed; a default, an identity, a new column, row security, inheritance or
    -- a new owner change what its code writes and reads. Storage, statistics,
    -- clustering, the tablespace, the replica identity and triggers' firing stay free.
    IF NOT r.in_extension AND comply._own_table_change(r.command) IS NOT NULL THEN
      RAISE EXCEPTION 'table % of pg_comply cannot have its constraints, defaults, columns, row security or owner changed',
                      r.objid::regclass
        USING ERRCODE = 'object_not_in_prerequisite_state',
              DETAIL = format('The command has %s. pg_comply''s code writes and reads these tables as its scripts made them.',
                              comply._own_table_change(r.command)),
              HINT = 'Storage parameters, statistics, CLUSTER ON, SET TABLESPACE, REPLICA IDENTITY and indexes that are not unique can be changed.';
    END IF;
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
  -- An index or a constraint of the extension's tables renamed: pg_comply's code names
  -- some of them (ON CONFLICT ON CONSTRAINT in discovery and the drift check, which then
  -- failed at every run). Refused, but in the extension's own scripts.
  FOR r IN SELECT c.objid FROM pg_event_trigger_ddl_commands() c
            WHERE NOT c.in_extension
              AND comply._reshapes(c.command) IN ('relation', 'constraint renamed')
              AND ((c.classid = 'pg_class'::regclass
                    AND comply._is_own_table((SELECT i.indrelid FROM pg_index i WHERE i.indexrelid = c.objid)))
                   OR (c.classid = 'pg_constraint'::regclass
                       AND comply._is_own_table((SELECT k.conrelid FROM pg_constraint k WHERE k.oid = c.objid))))
  LOOP
    RAISE EXCEPTION 'indexes and constraints of pg_comply''s tables cannot be renamed'
      USING ERRCODE = 'object_not_in_prerequisite_state',
            DETAIL = 'pg_comply''s functions and workers name some of them.';
  END LOOP;
  -- A table made a child of one of the extension's tables (CREATE TABLE ... INHERITS,
  -- ALTER TABLE ... INHERIT): its rows would be read as the ledger's (sealed, and then
  -- changed past the append-only guard through the child). Nor may another table hold a
  -- foreign key to one: its constraint triggers would refuse pg_comply's own deletes
  -- and updates (unprotect, archiving, erasure). Refused.
  FOR r IN SELECT c.objid, k.conname FROM pg_event_trigger_ddl_commands() c
             LEFT JOIN pg_constraint k ON k.conrelid = c.objid AND k.contype = 'f'
                                      AND comply._is_own_table(k.confrelid)
            WHERE NOT c.in_extension AND c.classid = 'pg_class'::regclass
              AND c.command_tag IN ('CREATE TABLE', 'ALTER TABLE', 'CREATE FOREIGN TABLE', 'ALTER FOREIGN TABLE')
              AND NOT comply._is_own_table(c.objid)
              AND (k.conname IS NOT NULL
                   OR EXISTS (SELECT 1 FROM pg_inherits i
                               WHERE i.inhrelid = c.objid AND comply._is_own_table(i.inhparent)))
  LOOP
    IF r.conname IS NOT NULL THEN
      RAISE EXCEPTION 'foreign keys cannot reference pg_comply''s tables'
        USING ERRCODE = 'object_not_in_prerequisite_state',
              DETAIL = format('Constraint %s of %s would refuse pg_comply''s own updates and deletes.',
                              quote_ident(r.conname), r.objid::regclass);
    END IF;
    RAISE EXCEPTION 'tables of pg_comply cannot be inherited from'
      USING ERRCODE = 'object_not_in_prerequisite_state',
            DETAIL = format('%s would be read as part of pg_comply''s table, its rows past its guards.', r.objid::regclass);
  END LOOP;
  -- The sequence of one of the extension's tables' identity (the ledger's ids) restarted
  -- or reversed: every append then failed on a duplicate id, or was never sealed.
  FOR r IN SELECT c.objid FROM pg_event_trigger_ddl_commands() c
            WHERE NOT c.in_extension AND c.command_tag = 'ALTER SEQUENCE' AND c.classid = 'pg_class'::regclass
              AND EXISTS (SELECT 1 FROM pg_depend d
                           WHERE d.classid = 'pg_class'::regclass AND d.objid = c.objid
                             AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
                             AND comply._is_own_table(d.refobjid))
  LOOP
    RAISE EXCEPTION 'sequences of pg_comply''s tables cannot be altered'
      USING ERRCODE = 'object_not_in_prerequisite_state',
            DETAIL = format('%s numbers pg_comply''s own rows, the ledger''s entries among them.', r.objid::regclass);
  END LOOP;
  -- A unique index on one of the extension's tables refuses some of pg_comply's own
  -- writes (two ledger entries of one action); a row security policy on one changes who
  -- reads and writes it (comply.discoveries has its own). Refused, but in the extension's
  -- own scripts; other indexes (to search the ledger, say) are fine.
  FOR r IN SELECT c.objid, c.classid FROM pg_event_trigger_ddl_commands() c
            WHERE NOT c.in_extension
              AND ((c.classid = 'pg_class'::regclass AND c.command_tag = 'CREATE INDEX'
                    AND EXISTS (SELECT 1 FROM pg_index i
                                 WHERE i.indexrelid = c.objid AND (i.indisunique OR i.indisexclusion)
                                   AND comply._is_own_table(i.indrelid)))
                   OR (c.classid = 'pg_policy'::regclass
                       AND comply._is_own_table((SELECT pol.polrelid FROM pg_policy pol WHERE pol.oid = c.objid))))
  LOOP
    IF r.classid = 'pg_policy'::regclass THEN
      RAISE EXCEPTION 'row security policies of pg_comply''s tables cannot be created or altered'
        USING ERRCODE = 'object_not_in_prerequisite_state',
              DETAIL = 'pg_comply decides who reads and writes its own tables; its functions grant what a role may see.';
    END IF;
    RAISE EXCEPTION 'unique indexes cannot be added to pg_comply''s tables'
      USING ERRCODE = 'object_not_in_prerequisite_state',
            DETAIL = format('Index %s would refuse some of pg_comply''s own writes.', r.objid::regclass),
            HINT = 'An index that is not unique can be added.';
  END LOOP;
  -- A rule on one of the extension's tables (the ledger's, say) would rewrite pg_comply's
  -- own writes: ON INSERT DO INSTEAD NOTHING on comply.audit_log would make every entry
  -- vanish without an error. Refused.
  FOR r IN SELECT rw.rulename, rw.ev_class FROM pg_event_trigger_ddl_commands() c
             JOIN pg_rewrite rw ON rw.oid = c.objid
            WHERE c.classid = 'pg_rewrite'::regclass
              AND comply._is_own_table(rw.ev_class)
  LOOP
    RAISE EXCEPTION 'rules on table % of pg_comply are not allowed', r.ev_class::regclass
      USING ERRCODE = 'object_not_in_prerequisite_state',
            DETAIL = format('Rule %s would rewrite pg_comply''s own writes.', quote_ident(r.rulename));
  END LOOP;
  -- Likewise a BEFORE row trigger: it could change or suppress an entry before it is
  -- stored, and the sealer would seal what it left. (An AFTER trigger, to forward the
  -- entries elsewhere, is fine: the append then goes through an INSERT that fires it.)
  FOR r IN SELECT tg.tgname, tg.tgrelid FROM pg_event_trigger_ddl_commands() c
             JOIN pg_trigger tg ON tg.oid = c.objid
            WHERE c.classid = 'pg_trigger'::regclass AND NOT c.in_extension AND (tg.tgtype & 3) = 3
              AND comply._is_own_table(tg.tgrelid)
  LOOP
    RAISE EXCEPTION 'BEFORE row triggers on table % of pg_comply are not allowed', r.tgrelid::regclass
      USING ERRCODE = 'object_not_in_prerequisite_state',
            DETAIL = format('Trigger %s could change or suppress what pg_comply writes before it is stored.',
                            quote_ident(r.tgname)),
            HINT = 'An AFTER trigger can forward the rows it writes.';
  END LOOP;
  IF NOT EXISTS (SELECT 1 FROM comply.policies) THEN
    RETURN;
  END IF;
  -- A protected table renamed or moved (ALTER TABLE ... RENAME TO or SET SCHEMA, ALTER
  -- SCHEMA ... RENAME TO): the classification jobs, automatic decisions and review cases
  -- of its rows name it in their subject. They follow it, so that a DELETE, TRUNCATE or
  -- comply.forget of its rows still finds them. The ledger keeps the names its entries
  -- were written with, and records the rename: an auditor can follow the table's history.
  FOR p IN SELECT c.table_name, c.known_as, format('%I.%I', n.nspname, k.relname) AS now_as
             FROM comply.policies c JOIN pg_class k ON k.oid = c.table_name
             JOIN pg_namespace n ON n.oid = k.relnamespace
            WHERE c.known_as IS DISTINCT FROM format('%I.%I', n.nspname, k.relname)
  LOOP
    -- The jobs first, as comply.forget and the worker lock them (the decisions first
    -- deadlocked with a forget of one of the table's rows).
    PERFORM 1 FROM comply.ai_jobs j WHERE j.subject ->> 'table' = p.known_as FOR UPDATE;
    -- (Decisions and review cases hold the subject redacted: found through their job.)
    UPDATE comply.model_decisions md SET subject = jsonb_set(md.subject, '{table}', comply.redact(to_jsonb(p.now_as)))
      FROM comply.ai_jobs j
     WHERE j.id = md.job_id AND j.subject ->> 'table' = p.known_as AND jsonb_typeof(md.subject) = 'object';
    UPDATE comply.review_cases rc SET subject = jsonb_set(rc.subject, '{table}', comply.redact(to_jsonb(p.now_as)))
      FROM comply.ai_jobs j
     WHERE j.id = rc.job_id AND j.subject ->> 'table' = p.known_as AND jsonb_typeof(rc.subject) = 'object';
    UPDATE comply.ai_jobs SET subject = jsonb_set(subject, '{table}', to_jsonb(p.now_as))
     WHERE subject ->> 'table' = p.known_as;
    UPDATE comply.policies SET known_as = p.now_as WHERE table_name = p.table_name;
    IF p.known_as IS NOT NULL THEN
      PERFORM comply._drift(p.now_as, format('protected table %s was renamed to %s (%s)',
                                             p.known_as, p.now_as, TG_TAG),
                            jsonb_build_object('kind', 'table_renamed', 'table', p.now_as,
                                               'renamed_from', p.known_as, 'command', TG_TAG));
    END IF;
    renamed := renamed || p.table_name::oid;
  END LOOP;
  FOR r IN SELECT * FROM pg_event_trigger_ddl_commands() LOOP
    -- A partition key over a column the policy transforms, added to a protected tree
    -- (a partition attached, or created, partitioned by it): refused, as protect refuses it.
    -- The policies above the table (its ancestors') and below it (a protected table
    -- attached under a parent partitioned by such a column).
    IF r.classid = 'pg_class'::regclass AND r.command_tag IN ('CREATE TABLE', 'ALTER TABLE') THEN
      FOR p IN SELECT comply._partition_key_problem(c.table_name, c.policy) AS problem, c.table_name
                 FROM comply.policies c
                WHERE c.table_name = r.objid OR c.table_name IN (SELECT pg_partition_ancestors(r.objid))
                   OR c.table_name IN (SELECT t.relid FROM comply._partition_tree(r.objid) t) LOOP
        IF p.problem IS NOT NULL THEN
          RAISE EXCEPTION '%', p.problem
            USING ERRCODE = 'feature_not_supported',
                  DETAIL = format('Table %s is protected: rows are routed to a partition by the value written, before its policy redacts, masks or pseudonymizes it.', p.table_name),
                  HINT = 'Partition by another column.';
        END IF;
      END LOOP;
    END IF;
    IF r.command_tag IN ('GRANT', 'REVOKE') THEN
      -- GRANT reports no object: compare each protected table's privileges with the last seen.
      PERFORM comply._drift_privileges(r.command_tag);
    ELSIF r.command_tag = 'ALTER TYPE'
          AND (r.classid = 'pg_type'::regclass
               OR (r.classid = 'pg_class'::regclass  -- (an attribute's address is its type's relation)
                   AND EXISTS (SELECT 1 FROM pg_class k WHERE k.oid = r.objid AND k.relkind = 'c'))) THEN
      -- A composite type's attribute renamed, dropped or retyped (CASCADE) changes the
      -- columns of the typed tables made of it, protected ones too, with no ALTER TABLE
      -- of theirs to see: a policy that no longer fits says so now.
      FOR p IN SELECT c.table_name, c.policy, k.reloftype FROM comply.policies c JOIN pg_class k ON k.oid = c.table_name
                WHERE k.reloftype = CASE WHEN r.classid = 'pg_type'::regclass THEN r.objid
                                         ELSE (SELECT t.reltype FROM pg_class t WHERE t.oid = r.objid) END LOOP
        gone := comply._gone_columns(p.table_name, p.policy);
        problem := CASE WHEN gone IS NULL THEN comply._policy_problem(p.table_name, p.policy) END;
        CONTINUE WHEN gone IS NULL AND problem IS NULL;
        PERFORM comply._drift(p.table_name::text,
                              format('the policy of protected table %s no longer fits it: %s (%s, type %s); '
                                     'its writes are refused until the policy is updated',
                                     p.table_name,
                                     coalesce('it names columns it no longer has: ' || array_to_string(gone, ', '), problem),
                                     r.command_tag, p.reloftype::regtype),
                              jsonb_build_object('table', p.table_name::text, 'command', r.command_tag,
                                                 'type', p.reloftype::regtype::text, 'kind', 'policy_broken')
                              || CASE WHEN gone IS NOT NULL THEN jsonb_build_object('columns', to_jsonb(gone))
                                      ELSE jsonb_build_object('problem', problem) END);
      END LOOP;
    ELSIF r.classid = 'pg_class'::regclass AND r.command_tag NOT IN ('CREATE TABLE', 'CREATE FOREIGN TABLE')
          AND EXISTS (SELECT 1 FROM comply.policies c
                       WHERE c.table_name = r.objid
                          OR c.table_name IN (SELECT pg_partition_ancestors(r.objid))) THEN
      -- The protected table, or a partition of one (whose triggers are its clones; a
      -- plain table has no ancestors, not even itself).
      SELECT c.table_name, c.policy INTO p FROM comply.policies c
       WHERE c.table_name = r.objid OR c.table_name IN (SELECT pg_partition_ancestors(r.objid))
       LIMIT 1;
      -- Renamed or moved: recorded above, with the names.
      CONTINUE WHEN r.objid = ANY (renamed) AND comply._reshapes(r.command) = 'relation';
      -- None of its protect triggers there: they were dropped (that was recorded then),
      -- or they are not there yet, as in a restore, which creates triggers after the
      -- constraints its ALTER TABLEs add. Neither is this command's doing.
      CONTINUE WHEN NOT EXISTS (SELECT 1 FROM pg_trigger tg
                                 WHERE tg.tgrelid = p.table_name
                                   AND tg.tgname IN ('comply_protect_before', 'comply_protect_after',
                                                     'comply_protect_truncate'));
      -- Nor the foreign keys, CHECK constraints and row security a restore adds after it
      -- created the triggers in this session (comply._note_restored_triggers).
      CONTINUE WHEN comply._restored_here(p.table_name) AND comply._only_tightens(r.command);
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
        -- A table attached as a partition brings its rows as they were stored, past the
        -- policy's triggers (a staging table loaded in bulk, say): say so now.
        filled := NULL;
        -- (Plain tables only: a foreign table's rows are not stored here, and looking
        -- would query its server as this function's owner.)
        FOR obj IN SELECT a::regclass AS rel FROM unnest(comply._attached_partitions(r.command)) a
                    WHERE (SELECT c.relkind FROM pg_class c WHERE c.oid = a) = 'r' LOOP
          EXECUTE format('SELECT EXISTS (SELECT 1 FROM %s)', obj.rel) INTO has_rows;
          IF has_rows THEN
            filled := coalesce(filled, '{}') || obj.rel::text;
          END IF;
        END LOOP;
        IF filled IS NOT NULL THEN
          RAISE WARNING 'partition % of protected table % holds rows stored before it was attached',
                        array_to_string(filled, ', '), p.table_name
            USING DETAIL = 'They were not written through the table''s policy: they are stored as they were.',
                  HINT = format('comply.protect_existing(%L) applies the policy to them.', p.table_name::text);
          details := details || jsonb_build_object('attached_with_rows', to_jsonb(filled));
        END IF;
        -- A partition attached with a BEFORE row trigger of its own that fires before the
        -- policy's: it sees the values written into the partition in clear, as one created
        -- there later would (below). (Its clones of the protected table's triggers are
        -- those triggers.)
        FOR obj IN SELECT tg.tgrelid, tg.tgname
                     FROM unnest(comply._attached_partitions(r.command)) a,
                          LATERAL comply._partition_tree(a) pt
                     JOIN pg_trigger tg ON tg.tgrelid = pt.relid
                    WHERE NOT tg.tgisinternal AND tg.tgparentid = 0
                      AND tg.tgfoid <> 'comply._protect_row()'::regprocedure
                      AND (tg.tgtype & 3) = 3 AND (tg.tgtype & (4 | 16)) <> 0   -- ROW, BEFORE; INSERT or UPDATE
                      AND tg.tgname COLLATE "C" < 'comply_protect_before'
                    ORDER BY tg.tgrelid::regclass::text, tg.tgname LOOP
          PERFORM comply._drift(p.table_name::text,
                                format('trigger %s of protected table %s fires before its policy and sees the values written in clear (%s)',
                                       quote_ident(obj.tgname), p.table_name, r.command_tag),
                                jsonb_build_object('kind', 'trigger_before_policy', 'table', p.table_name::text,
                                                   'trigger', obj.tgname::text, 'command', r.command_tag,
                                                   'partition', obj.tgrelid::regclass::text));
        END LOOP;
        -- A partition detached takes its rows out of the table and of its policy: the
        -- work still to be done for them (queued jobs, open review cases) is dropped.
        detached := NULL;
        SELECT array_agg(a::regclass::text ORDER BY a::regclass::text) INTO detached
          FROM unnest(comply._detached_partitions(r.command)) a;
        IF detached IS NOT NULL THEN
          details := details || jsonb_build_object('detached', to_jsonb(detached));
          PERFORM comply._cancel_work_of_gone_rows(p.table_name, 'the row''s partition was detached');
        END IF;
        PERFORM comply._drift(p.table_name::text,
                              format('protected table %s was altered (%s)%s%s', p.table_name, r.command_tag,
                                     CASE WHEN filled IS NOT NULL
                                          THEN format('; partition %s attached with rows stored before, not through its policy',
                                                      array_to_string(filled, ', '))
                                          ELSE '' END,
                                     CASE WHEN detached IS NOT NULL
                                          THEN format('; partition %s detached: its rows are no longer under the policy',
                                                      array_to_string(detached, ', '))
                                          ELSE '' END),
                              details || jsonb_build_object('kind', 'table_altered'));
        -- (ALTER TABLE ... OWNER TO rewrites the grants to name the new owner: that is
        -- this entry's change, not one for the next comparison of privileges.)
        UPDATE comply.policies SET acl_snapshot = comply._acl_text(table_name)
         WHERE table_name = p.table_name AND acl_snapshot IS DISTINCT FROM comply._acl_text(table_name);
      END IF;
    ELSIF r.classid = 'pg_class'::regclass
          AND r.command_tag IN ('CREATE TABLE', 'ALTER TABLE', 'CREATE FOREIGN TABLE', 'ALTER FOREIGN TABLE')
          AND comply._adds_inheritance(r.command) THEN
      -- An inheritance child (not a partition) has triggers of its own: a row written into
      -- it directly would pass none of its protected parent's, and be stored as written.
      -- A child protected itself went the way above.
      SELECT c.table_name INTO p FROM pg_inherits i JOIN comply.policies c ON c.table_name = i.inhparent
       WHERE i.inhrelid = r.objid ORDER BY i.inhseqno LIMIT 1;
      IF FOUND AND EXISTS (SELECT 1 FROM pg_class k WHERE k.oid = r.objid AND k.relkind = 'f') THEN
        -- A foreign table cannot be protected (its rows are written on another server):
        -- as a child, rows inserted into it would be stored there as written, and reads
        -- of the protected parent would return them.
        RAISE EXCEPTION 'foreign table % cannot inherit from protected table %',
                        r.objid::regclass, p.table_name
          USING ERRCODE = 'object_not_in_prerequisite_state',
                DETAIL = 'Rows written into an inheritance child directly do not pass through its parent''s triggers, and a foreign table cannot be protected.',
                HINT = 'Make it a partition of a partitioned protected table: the policy''s triggers are cloned onto foreign partitions.';
      ELSIF FOUND THEN
        RAISE EXCEPTION 'table % cannot inherit from protected table % unless it is protected itself',
                        r.objid::regclass, p.table_name
          USING ERRCODE = 'object_not_in_prerequisite_state',
                DETAIL = 'Rows written into an inheritance child directly do not pass through its parent''s triggers: they would be stored unvalidated, untransformed and unaudited.',
                HINT = 'Create the table without INHERITS, protect it, then ALTER TABLE ... INHERIT; or make it a partition, which follows its parent''s policy.';
      END IF;
    ELSIF r.classid = 'pg_trigger'::regclass THEN
      -- A protect trigger redefined (CREATE OR REPLACE TRIGGER under its name with a
      -- WHEN clause, other events or another function): a trigger of that name would
      -- remain that never runs the policy. Refused (comply.protect and a restore create
      -- them as they should be).
      SELECT tg.tgrelid, tg.tgname, comply._protect_trigger_intact(tg) AS intact INTO obj
        FROM pg_trigger tg
       WHERE tg.oid = r.objid
         AND tg.tgname IN ('comply_protect_before', 'comply_protect_after', 'comply_protect_truncate');
      -- Created intact by a CREATE TRIGGER of this session's own, as a restore does.
      IF FOUND AND obj.intact AND r.command_tag = 'CREATE TRIGGER' THEN
        PERFORM comply._note_restored_triggers(obj.tgrelid, r.command);
      END IF;
      IF FOUND AND NOT obj.intact THEN
        SELECT c.table_name INTO p FROM comply.policies c
         WHERE c.table_name = obj.tgrelid OR c.table_name IN (SELECT pg_partition_ancestors(obj.tgrelid))
         LIMIT 1;
        IF FOUND THEN
          RAISE EXCEPTION 'protect trigger % of protected table % cannot be redefined', obj.tgname, p.table_name
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = 'It must run comply._protect_row() for every row written (and the TRUNCATE trigger for every TRUNCATE), without a WHEN clause.',
                  HINT = 'comply.protect changes the policy, comply.unprotect removes it.';
        END IF;
      END IF;
      -- A BEFORE row trigger on INSERT or UPDATE that fires before the policy's (triggers
      -- fire in name order) sees the values as written, in clear, and may copy them
      -- anywhere: drift, though not refused (an application's own triggers may do so
      -- legitimately). One that fires after it has its changes to protected columns
      -- refused at the write; AFTER triggers see the stored, transformed values.
      SELECT tg.tgrelid, tg.tgname INTO obj FROM pg_trigger tg
       WHERE tg.oid = r.objid AND tg.tgfoid <> 'comply._protect_row()'::regprocedure
         AND (tg.tgtype & 3) = 3 AND (tg.tgtype & (4 | 16)) <> 0      -- ROW, BEFORE; INSERT or UPDATE
         AND tg.tgname COLLATE "C" < 'comply_protect_before';
      IF FOUND THEN
        SELECT c.table_name INTO p FROM comply.policies c
         WHERE c.table_name = obj.tgrelid OR c.table_name IN (SELECT pg_partition_ancestors(obj.tgrelid))
         LIMIT 1;
        IF FOUND THEN
          PERFORM comply._drift(p.table_name::text,
                                format('trigger %s of protected table %s fires before its policy and sees the values written in clear (%s)',
                                       quote_ident(obj.tgname), p.table_name, r.command_tag),
                                jsonb_build_object('kind', 'trigger_before_policy', 'table', p.table_name::text,
                                                   'trigger', obj.tgname::text, 'command', r.command_tag)
                                || CASE WHEN obj.tgrelid <> p.table_name
                                        THEN jsonb_build_object('partition', obj.tgrelid::regclass::text)
                                        ELSE '{}'::jsonb END);
        END IF;
        CONTINUE;
      END IF;
      -- A protect trigger renamed (ALTER TRIGGER): protected_tables no longer finds it.
      -- Other triggers created on a protected table are not drift (a restore creates
      -- them).
      SELECT tg.tgrelid, tg.tgname INTO obj FROM pg_trigger tg
       WHERE tg.oid = r.objid AND tg.tgfoid = 'comply._protect_row()'::regprocedure
         AND tg.tgname NOT IN ('comply_protect_before', 'comply_protect_after', 'comply_protect_truncate');
      CONTINUE WHEN NOT FOUND;
      SELECT c.table_name INTO p FROM comply.policies c
       WHERE c.table_name = obj.tgrelid OR c.table_name IN (SELECT pg_partition_ancestors(obj.tgrelid))
       LIMIT 1;
      CONTINUE WHEN NOT FOUND;
      details := jsonb_build_object('table', p.table_name::text, 'command', r.command_tag,
                                    'trigger', obj.tgname::text, 'kind', 'protection_disabled');
      IF obj.tgrelid <> p.table_name THEN
        details := details || jsonb_build_object('partition', obj.tgrelid::regclass::text);
      END IF;
      PERFORM comply._drift(p.table_name::text,
                            format('protection of %s is disabled: a protect trigger was renamed to %s (%s)',
                                   p.table_name, quote_ident(obj.tgname), r.command_tag),
                            details);
    ELSIF r.classid = 'pg_rewrite'::regclass THEN
      -- A rule rewrites a write before any trigger of the table sees it: DO INSTEAD
      -- sends it elsewhere unchecked, DO ALSO can copy NEW's clear values anywhere.
      SELECT rw.ev_class, rw.ev_type, rw.rulename INTO obj FROM pg_rewrite rw WHERE rw.oid = r.objid;
      CONTINUE WHEN NOT FOUND OR obj.ev_type = '1';  -- ON SELECT: a view's
      SELECT c.table_name INTO p FROM comply.policies c
       WHERE c.table_name = obj.ev_class OR c.table_name IN (SELECT pg_partition_ancestors(obj.ev_class))
       LIMIT 1;
      IF FOUND THEN
        RAISE EXCEPTION 'rules on protected table % are not supported', p.table_name
          USING ERRCODE = 'feature_not_supported',
                DETAIL = format('Rule %s rewrites writes into %s before its policy sees them.',
                                quote_ident(obj.rulename), obj.ev_class::regclass),
                HINT = 'Use a trigger, or unprotect the table first.';
      END IF;
    ELSIF r.classid = 'pg_policy'::regclass THEN
      SELECT c.table_name INTO p FROM comply.policies c
        JOIN pg_policy pol ON pol.polrelid = c.table_name WHERE pol.oid = r.objid;
      -- (A restore's CREATE POLICY, after it created the table's triggers in this session.)
      IF FOUND AND NOT (r.command_tag = 'CREATE POLICY' AND comply._restored_here(p.table_name)) THEN
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
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp SET quote_all_identifiers = off AS $$
DECLARE
  r record;
  withdrawn record;
  t text;
BEGIN
  -- The findings of discovery about a table or column dropped go with it (whoever
  -- recorded them: a later discovery removes only its caller's). Each is a ledger entry.
  IF EXISTS (SELECT 1 FROM comply.discoveries) THEN
    DELETE FROM comply.discoveries d
     USING pg_event_trigger_dropped_objects() o
     WHERE d.table_name = o.objid
       AND (o.object_type IN ('table', 'materialized view', 'foreign table')
            OR (o.object_type = 'table column' AND d.column_name = o.address_names[3]));
  END IF;
  -- A trigger of the extension's own tables (the ledger's append-only guards, cache
  -- invalidation, the guards of schemas, models and findings) dropped by itself: drift at
  -- once, as disabling one is; the next baseline comparison would come later, and only
  -- where a baseline was taken.
  -- (The table from the address, {schema, table, name}: a name may hold " on ".)
  FOR r IN SELECT format('%I.%I', o.address_names[1], o.address_names[2]) AS tbl,
                  quote_ident(o.address_names[3]) AS tgname
             FROM pg_event_trigger_dropped_objects() o
            WHERE o.object_type = 'trigger' AND o.original
              AND comply._is_own_table(to_regclass(format('%I.%I', o.address_names[1], o.address_names[2]))) LOOP
    t := r.tbl;
    PERFORM comply._drift(t, format('trigger %s of %s was dropped (DROP TRIGGER)', r.tgname, t),
                          jsonb_build_object('kind', 'guard_weakened', 'table', t,
                                             'trigger', r.tgname, 'state', 'dropped'));
  END LOOP;
  -- A row security policy of the extension's own tables (comply.discoveries' restrict
  -- who changes whose findings) dropped by itself would widen access: refused, as
  -- creating or altering one is.
  FOR r IN SELECT o.object_identity FROM pg_event_trigger_dropped_objects() o
            WHERE o.object_type = 'policy' AND o.original
              AND comply._is_own_table(to_regclass(format('%I.%I', o.address_names[1], o.address_names[2]))) LOOP
    RAISE EXCEPTION 'row security policies of pg_comply''s tables cannot be dropped'
      USING ERRCODE = 'object_not_in_prerequisite_state',
            DETAIL = 'pg_comply decides who reads and writes its own tables.';
  END LOOP;
  IF NOT EXISTS (SELECT 1 FROM comply.policies) THEN
    RETURN;
  END IF;
  FOR r IN SELECT * FROM pg_event_trigger_dropped_objects() LOOP
    -- Dropped by name or with what it depended on (DROP SCHEMA ... CASCADE, DROP OWNED,
    -- a parent's DROP ... CASCADE): either way its policy goes (a row naming an OID
    -- that a later table could be given), and what is still to be done for its rows:
    -- queued jobs are cancelled and open review cases withdrawn, as for a TRUNCATE.
    IF r.object_type = 'table'
       AND EXISTS (SELECT 1 FROM comply.policies c WHERE c.table_name = r.objid) THEN
      t := quote_ident(r.schema_name) || '.' || quote_ident(r.object_name);
      PERFORM comply._drift(t, format('protected table %s was dropped', t),
                            jsonb_build_object('kind', 'table_dropped', 'table', t)
                            || CASE WHEN r.original AND tg_tag <> 'DROP OWNED' THEN '{}'::jsonb
                                    ELSE jsonb_build_object('dropped_with', tg_tag) END);
      DELETE FROM comply.policies WHERE table_name = r.objid;
      UPDATE comply.ai_jobs SET status = 'cancelled', finished_at = now(),
                                last_error = 'the table was dropped before it was classified'
       WHERE status IN ('queued', 'running') AND subject ->> 'table' = t;
      FOR withdrawn IN UPDATE comply.review_cases rc
                  SET status = 'withdrawn', assignee = NULL, assignee_role = NULL, claimed_at = NULL,
                      claim_expires_at = NULL, decided_at = clock_timestamp()
                WHERE rc.status IN ('pending', 'escalated', 'claimed')
                  AND rc.job_id IN (SELECT j.id FROM comply.ai_jobs j WHERE j.subject ->> 'table' = t)
                RETURNING rc.id
      LOOP
        PERFORM comply._audit_as_caller('review.withdrawn', 'comply.review_cases/' || withdrawn.id,
                             jsonb_build_object('case_id', withdrawn.id,
                                                'reason', 'the table was dropped before it was reviewed'));
      END LOOP;
    ELSIF r.object_type = 'policy' THEN
      t := format('%I.%I', r.address_names[1], r.address_names[2]);  -- (a name may hold " on ")
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
  'Event trigger: records a protected table, one of its protect triggers or a trigger of pg_comply''s tables being dropped; removes discovery findings of tables and columns dropped';

REVOKE ALL ON FUNCTION comply._drift_ddl(), comply._drift_drop() FROM PUBLIC;

CREATE EVENT TRIGGER comply_drift_ddl ON ddl_command_end
  WHEN TAG IN ('ALTER TABLE', 'ALTER INDEX', 'CREATE INDEX', 'ALTER SEQUENCE', 'GRANT', 'REVOKE', 'CREATE POLICY', 'ALTER POLICY', 'CREATE TABLE',
               'CREATE TRIGGER', 'ALTER TRIGGER', 'CREATE RULE', 'CREATE FOREIGN TABLE',
               'ALTER FOREIGN TABLE', 'ALTER SCHEMA', 'CREATE FUNCTION', 'ALTER FUNCTION',
               'CREATE PROCEDURE', 'ALTER PROCEDURE', 'ALTER ROUTINE', 'CREATE AGGREGATE',
               'ALTER AGGREGATE', 'CREATE VIEW', 'ALTER VIEW',
               -- (CREATE SCHEMA ... CREATE TABLE, GRANT, CREATE TRIGGER ...: its commands are
               -- reported under its tag)
               'CREATE SCHEMA',
               -- (a composite type's attributes, which typed tables' columns follow)
               'ALTER TYPE')
  EXECUTE FUNCTION comply._drift_ddl();
CREATE EVENT TRIGGER comply_drift_drop ON sql_drop
  WHEN TAG IN ('DROP TABLE', 'DROP TRIGGER', 'DROP POLICY', 'DROP SCHEMA', 'DROP OWNED',
               'DROP FOREIGN TABLE', 'DROP MATERIALIZED VIEW', 'DROP TYPE', 'ALTER TABLE')
  EXECUTE FUNCTION comply._drift_drop();
ALTER EVENT TRIGGER comply_drift_ddl ENABLE ALWAYS;  -- see 30_ledger.sql
ALTER EVENT TRIGGER comply_drift_drop ENABLE ALWAYS;
