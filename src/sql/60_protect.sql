-- Protected tables: a policy per table puts validation, redaction, audit and
-- classification on its writes, through one C trigger function.

CREATE TABLE comply.policies (
  table_name regclass PRIMARY KEY,
  policy jsonb NOT NULL,
  protected_by text NOT NULL DEFAULT current_user,
  protected_at timestamptz NOT NULL DEFAULT now(),
  acl_snapshot text,         -- the table's privileges as last seen, for the drift watch
  -- comply.pseudonym_key_id() when protected, if a column is pseudonymized or hashed:
  -- writes with another key are refused (their pseudonyms would not join)
  pseudonym_key_id text,
  -- The table's qualified name as its classification jobs, decisions and review cases
  -- name it in their subject: the drift event trigger follows a rename (and records it)
  known_as text
);
COMMENT ON TABLE comply.policies IS
  'The policy of each protected table (written by comply.protect, removed by comply.unprotect)';

-- The partitions of a partitioned table or partition, at every level, and itself, read
-- from pg_inherits (nothing for another relation), as pg_partition_tree's relid: without
-- its lock on every partition. The drift event trigger and the checks it runs read
-- trees during DDL: a pg_restore -j restoring two partitions at once, each holding its
-- own partition while locking the other's, deadlocked (QA 18).
CREATE FUNCTION comply._partition_tree(rel regclass) RETURNS TABLE(relid regclass)
  LANGUAGE sql STABLE STRICT SET search_path = pg_catalog, pg_temp AS $$
  WITH RECURSIVE tree(relid) AS (
    SELECT c.oid FROM pg_class c WHERE c.oid = rel AND (c.relkind = 'p' OR c.relispartition)
    UNION ALL
    SELECT i.inhrelid FROM pg_inherits i JOIN tree t ON i.inhparent = t.relid
      JOIN pg_class k ON k.oid = i.inhrelid AND k.relispartition)
  SELECT relid::regclass FROM tree
$$;
COMMENT ON FUNCTION comply._partition_tree(regclass) IS
  'The relids of comply._partition_tree(rel), read without locking the partitions';

-- A table's privileges as the drift watch compares them: its owner, the table's ACL
-- and its columns' (a GRANT SELECT (col) is a grant too).
CREATE FUNCTION comply._acl_text_of(tbl regclass) RETURNS text
  LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp SET quote_all_identifiers = off AS $$
  -- (The owner too: it holds every privilege, and REASSIGN OWNED changes it without a
  -- grant to show, on a table whose privileges were never granted.)
  SELECT concat_ws(' ', (SELECT concat_ws(' ', 'owner=' || c.relowner::regrole::text, c.relacl::text)
                           FROM pg_class c WHERE c.oid = tbl),
                   (SELECT string_agg(quote_ident(a.attname) || ':' || a.attacl::text, ' ' ORDER BY a.attnum)
                      FROM pg_attribute a
                     WHERE a.attrelid = tbl AND a.attnum > 0 AND NOT a.attisdropped
                       AND a.attacl IS NOT NULL))
$$;
COMMENT ON FUNCTION comply._acl_text_of(regclass) IS
  'The privileges on one table and on its columns, as text';
-- The privileges on a table and its columns and, for a partitioned table, those of its
-- partitions that differ from the defaults (privileges granted on a partition, or
-- another owner): a partition's rows can be read directly, past the table's own grants.
CREATE FUNCTION comply._acl_text(tbl regclass) RETURNS text
  LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp SET quote_all_identifiers = off AS $$
  SELECT concat_ws(' ', comply._acl_text_of(tbl),
                   (SELECT string_agg('partition ' || r.relid::regclass::text || ' {' || comply._acl_text_of(r.relid) || '}',
                                      ' ' ORDER BY r.relid::regclass::text)
                      FROM comply._partition_tree(tbl) r JOIN pg_class k ON k.oid = r.relid
                     WHERE r.relid <> tbl
                       AND (k.relacl IS NOT NULL
                            OR k.relowner <> (SELECT c.relowner FROM pg_class c WHERE c.oid = tbl)
                            OR EXISTS (SELECT 1 FROM pg_attribute a
                                        WHERE a.attrelid = r.relid AND a.attnum > 0 AND a.attacl IS NOT NULL))))
$$;
-- The relation a name resolves to (as to_regclass), or NULL, also when the text is not a
-- valid name (to_regclass raises then).
CREATE FUNCTION comply._regclass_or_null(name text) RETURNS regclass
  LANGUAGE plpgsql STABLE AS $$
BEGIN
  RETURN pg_catalog.to_regclass(name);
EXCEPTION WHEN OTHERS THEN
  RETURN NULL;
END $$;
COMMENT ON FUNCTION comply._regclass_or_null(text) IS
  'to_regclass that returns NULL for text that is not a valid relation name';
COMMENT ON FUNCTION comply._acl_text(regclass) IS
  'The privileges on a table and on its columns (and on its partitions, where granted), as text, for the drift watch';
GRANT SELECT ON comply.policies TO PUBLIC;
SELECT pg_catalog.pg_extension_config_dump('comply.policies', '');

CREATE FUNCTION comply._policies_changed() RETURNS trigger
  AS 'MODULE_PATHNAME', 'comply_table_changed'
  LANGUAGE C;
COMMENT ON FUNCTION comply._policies_changed() IS
  'Trigger function: makes every session drop its cached policies after comply.policies changes';
CREATE TRIGGER policies_changed
  AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON comply.policies
  FOR EACH STATEMENT EXECUTE FUNCTION comply._policies_changed();
ALTER TABLE comply.policies ENABLE ALWAYS TRIGGER policies_changed;  -- see 30_ledger.sql

-- A policy deleted or changed in comply.policies other than by comply.protect or
-- comply.unprotect (a superuser's DELETE, UPDATE or TRUNCATE) weakens its table with no
-- protect or unprotect ledger entry: drift at once (policy_edited). A policy that goes
-- with its dropped table is that table's drift (table_dropped); other columns
-- (privileges last seen, the name last known) are the drift watch's own.
CREATE FUNCTION comply._writing_policies() RETURNS boolean
  AS 'MODULE_PATHNAME', 'comply_writing_policies'
  LANGUAGE C VOLATILE;
COMMENT ON FUNCTION comply._writing_policies() IS
  'Internal: whether comply.protect or comply.unprotect is writing comply.policies';
REVOKE ALL ON FUNCTION comply._writing_policies() FROM PUBLIC;
CREATE FUNCTION comply._policy_edited() RETURNS trigger
  LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp SET quote_all_identifiers = off AS $$
DECLARE
  r record;
BEGIN
  IF comply._writing_policies() THEN
    RETURN NULL;
  END IF;
  IF TG_OP = 'TRUNCATE' THEN
    FOR r IN SELECT p.table_name FROM comply.policies p ORDER BY p.table_name::text LOOP
      PERFORM comply._drift(r.table_name::text,
                            format('the policy of protected table %s was removed by TRUNCATE comply.policies', r.table_name),
                            jsonb_build_object('kind', 'policy_edited', 'table', r.table_name::text,
                                               'command', 'TRUNCATE'));
    END LOOP;
    RETURN NULL;
  END IF;
  IF TG_OP = 'DELETE' AND NOT EXISTS (SELECT 1 FROM pg_class c WHERE c.oid = OLD.table_name) THEN
    RETURN NULL;
  END IF;
  IF TG_OP = 'UPDATE' AND OLD.table_name = NEW.table_name AND OLD.policy IS NOT DISTINCT FROM NEW.policy
     AND OLD.pseudonym_key_id IS NOT DISTINCT FROM NEW.pseudonym_key_id THEN
    RETURN NULL;
  END IF;
  PERFORM comply._drift(OLD.table_name::text,
                        format('the policy of protected table %s was %s in comply.policies, not by comply.%s',
                               OLD.table_name, CASE TG_OP WHEN 'DELETE' THEN 'deleted' ELSE 'changed' END,
                               CASE TG_OP WHEN 'DELETE' THEN 'unprotect' ELSE 'protect' END),
                        jsonb_build_object('kind', 'policy_edited', 'table', OLD.table_name::text,
                                           'command', TG_OP));
  RETURN NULL;
END $$;
COMMENT ON FUNCTION comply._policy_edited() IS
  'Trigger function: a policy deleted or changed other than by comply.protect or comply.unprotect is drift';
CREATE TRIGGER policies_edited AFTER UPDATE OR DELETE ON comply.policies
  FOR EACH ROW EXECUTE FUNCTION comply._policy_edited();
CREATE TRIGGER policies_truncated BEFORE TRUNCATE ON comply.policies
  FOR EACH STATEMENT EXECUTE FUNCTION comply._policy_edited();
ALTER TABLE comply.policies ENABLE ALWAYS TRIGGER policies_edited;
ALTER TABLE comply.policies ENABLE ALWAYS TRIGGER policies_truncated;

-- The registered schemas a $ref reaches from those the policies validate against, with
-- the protected table whose policy reaches each (absolute references to a registered
-- $id, the fragment aside, as register_schema resolves them; a "$ref" key anywhere
-- counts, even in an enum's data: a dependency too many refuses a deletion, one too
-- few would break a table's writes).
CREATE FUNCTION comply._schemas_referenced_by_policies()
  RETURNS TABLE(name text, table_name regclass)
  LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
  WITH RECURSIVE used(name, table_name) AS (
    SELECT c.value ->> 'validate', p.table_name
      FROM comply.policies p,
           jsonb_each(CASE WHEN jsonb_typeof(p.policy -> 'columns') = 'object'
                           THEN p.policy -> 'columns' ELSE '{}' END) c
     WHERE jsonb_typeof(c.value) = 'object' AND c.value ? 'validate'
    UNION
    SELECT s2.name, u.table_name
      FROM used u
      JOIN comply.schemas s ON s.name = u.name
      CROSS JOIN LATERAL comply._schema_ref_targets(s.schema) r(target)
      JOIN comply.schemas s2 ON rtrim(s2.schema ->> '$id', '#') = r.target
                            AND s2.schema ->> '$id' <> '')
  SELECT u.name, u.table_name FROM used u
   WHERE NOT EXISTS (SELECT 1 FROM comply.policies p,
                            jsonb_each(CASE WHEN jsonb_typeof(p.policy -> 'columns') = 'object'
                                            THEN p.policy -> 'columns' ELSE '{}' END) c
                      WHERE p.table_name = u.table_name AND jsonb_typeof(c.value) = 'object'
                        AND c.value ->> 'validate' = u.name) $$;
COMMENT ON FUNCTION comply._schemas_referenced_by_policies() IS
  'The registered schemas that a $ref reaches from the schemas protected tables'' policies validate against, with each table';
REVOKE ALL ON FUNCTION comply._schemas_referenced_by_policies() FROM PUBLIC;

-- The registered schemas that CHECK constraints (of tables and of domains) name in a call
-- of comply.validate, validation_errors or assert_valid (direct), and those a $ref reaches
-- from them, with each constraint and what it constrains. Read from the constraints'
-- text: any registered name written as a text literal in a constraint that calls one of
-- those counts (a dependency too many refuses a deletion; one too few would fail every
-- write of the table). A name computed at run time is not seen.
CREATE FUNCTION comply._schemas_named_by_constraints()
  RETURNS TABLE(name text, constraint_name name, object text, direct boolean)
  LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp SET quote_all_identifiers = off AS $$
  WITH RECURSIVE named(name, constraint_name, object, direct) AS (
    SELECT DISTINCT m[1], c.conname,
           CASE WHEN c.conrelid <> 0 THEN 'table ' || c.conrelid::regclass::text
                ELSE 'domain ' || c.contypid::regtype::text END,
           true
      FROM pg_constraint c
     CROSS JOIN LATERAL pg_get_constraintdef(c.oid) d(def)
     -- ('name'::text, or cast from another type first: ('name'::character varying)::text)
     CROSS JOIN LATERAL regexp_matches(d.def, '''([A-Za-z_][A-Za-z0-9_.:-]{0,127})''::', 'g') m
     WHERE c.contype = 'c' AND d.def ~ 'comply\.(validate|validation_errors|assert_valid)\('
       AND EXISTS (SELECT 1 FROM comply.schemas s WHERE s.name = m[1])
    UNION
    SELECT s2.name, n.constraint_name, n.object, false
      FROM named n
      JOIN comply.schemas s ON s.name = n.name
      CROSS JOIN LATERAL comply._schema_ref_targets(s.schema) r(target)
      JOIN comply.schemas s2 ON rtrim(s2.schema ->> '$id', '#') = r.target
                            AND s2.schema ->> '$id' <> '')
  SELECT * FROM named $$;
COMMENT ON FUNCTION comply._schemas_named_by_constraints() IS
  'The registered schemas that CHECK constraints validate against by name, or reach by a $ref from those, with each constraint';
REVOKE ALL ON FUNCTION comply._schemas_named_by_constraints() FROM PUBLIC;

-- A registered schema a policy validates against (or one a $ref reaches from it), or a
-- builtin model it classifies with, cannot be removed or renamed from under it (its
-- table's writes would fail from the next row on, or its jobs would all be
-- dead-lettered): as DROP refuses an object others depend on. Nor can a schema a $ref
-- reaches be given another $id. TG_ARGV[0] says which: 'schema' or 'model'.
CREATE FUNCTION comply._policy_dependency_guard() RETURNS trigger
  LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp SET quote_all_identifiers = off AS $$
DECLARE
  t regclass;
  con record;
  constrained boolean := false;
BEGIN
  IF TG_ARGV[0] = 'schema' THEN
    IF TG_OP = 'DELETE' OR NEW.name <> OLD.name
       OR rtrim(NEW.schema ->> '$id', '#') IS DISTINCT FROM rtrim(OLD.schema ->> '$id', '#') THEN
      SELECT r.table_name INTO t FROM comply._schemas_referenced_by_policies() r
       WHERE r.name = OLD.name ORDER BY r.table_name::text LIMIT 1;
    END IF;
    IF t IS NOT NULL THEN
      RAISE EXCEPTION 'schema "%" is reached by a $ref from a schema the policy of protected table % validates against', OLD.name, t
        USING ERRCODE = 'dependent_objects_still_exist',
              DETAIL = CASE WHEN TG_OP = 'UPDATE' AND NEW.name = OLD.name
                            THEN 'Registering it with another $id would leave that $ref unresolved.'
                            ELSE 'Without it, that $ref would not resolve and the table''s writes would fail.' END,
              HINT = 'Change the referring schema or that table''s policy first.';
    END IF;
  END IF;
  -- CHECK constraints that name it, or that reach it by a $ref (then its $id too).
  -- (Not when the UPDATE keeps the name and the $id: re-registering, the common case.)
  IF TG_ARGV[0] = 'schema' THEN
    IF TG_OP = 'DELETE' OR NEW.name <> OLD.name
       OR rtrim(NEW.schema ->> '$id', '#') IS DISTINCT FROM rtrim(OLD.schema ->> '$id', '#') THEN
      SELECT n.constraint_name, n.object, n.direct INTO con
        FROM comply._schemas_named_by_constraints() n
       WHERE n.name = OLD.name
         AND (TG_OP = 'DELETE' OR NEW.name <> OLD.name OR NOT n.direct)
       ORDER BY n.direct DESC, n.object, n.constraint_name LIMIT 1;
      constrained := FOUND;
    END IF;
    IF constrained THEN
      RAISE EXCEPTION 'schema "%" is % check constraint "%" of %', OLD.name,
            CASE WHEN con.direct THEN 'named by' ELSE 'reached by a $ref from a schema named by' END,
            con.constraint_name, con.object
        USING ERRCODE = 'dependent_objects_still_exist',
              DETAIL = CASE WHEN TG_OP = 'UPDATE' AND NEW.name = OLD.name
                            THEN 'Registering it with another $id would leave that $ref unresolved.'
                            ELSE 'Without it, every write the constraint checks would fail.' END,
              HINT = 'Drop or change that constraint first.';
    END IF;
  END IF;
  IF TG_OP = 'UPDATE' AND NEW.name = OLD.name THEN
    RETURN NEW;
  END IF;
  SELECT p.table_name INTO t
    FROM comply.policies p,
         jsonb_each(CASE WHEN jsonb_typeof(p.policy -> 'columns') = 'object'
                         THEN p.policy -> 'columns' ELSE '{}' END) c
   WHERE jsonb_typeof(c.value) = 'object'
     AND CASE TG_ARGV[0]
           WHEN 'schema' THEN c.value ->> 'validate' = OLD.name
           ELSE c.value -> 'classify' ->> 'model' IN (OLD.name, 'builtin:' || OLD.name) END
   ORDER BY p.table_name::text LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION '% "%" is used by the policy of protected table %', TG_ARGV[0], OLD.name, t
      USING ERRCODE = 'dependent_objects_still_exist',
            HINT = 'Change that table''s policy (comply.protect) or unprotect it first'
                   || CASE TG_ARGV[0] WHEN 'model'
                        THEN '; retraining under the same name replaces the model in place.' ELSE '.' END;
  END IF;
  RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END $$;
COMMENT ON FUNCTION comply._policy_dependency_guard() IS
  'Trigger function: refuses to remove or rename a registered schema or builtin model a protected table''s policy uses';
CREATE TRIGGER schemas_guard
  BEFORE DELETE OR UPDATE OF name, schema ON comply.schemas
  FOR EACH ROW EXECUTE FUNCTION comply._policy_dependency_guard('schema');
CREATE TRIGGER models_guard
  BEFORE DELETE OR UPDATE OF name ON comply.models
  FOR EACH ROW EXECUTE FUNCTION comply._policy_dependency_guard('model');
ALTER TABLE comply.schemas ENABLE ALWAYS TRIGGER schemas_guard;  -- see 30_ledger.sql
ALTER TABLE comply.models ENABLE ALWAYS TRIGGER models_guard;
-- TRUNCATE removes every row past the row triggers: refused while any policy uses a
-- registered schema (or a builtin model) at all.
CREATE FUNCTION comply._policy_dependency_truncate_guard() RETURNS trigger
  LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp SET quote_all_identifiers = off AS $$
DECLARE
  t regclass;
  used text;
  con record;
BEGIN
  SELECT p.table_name,
         CASE TG_ARGV[0] WHEN 'schema' THEN c.value ->> 'validate' ELSE c.value -> 'classify' ->> 'model' END
    INTO t, used
    FROM comply.policies p,
         jsonb_each(CASE WHEN jsonb_typeof(p.policy -> 'columns') = 'object'
                         THEN p.policy -> 'columns' ELSE '{}' END) c
   WHERE jsonb_typeof(c.value) = 'object'
     AND CASE TG_ARGV[0]
           WHEN 'schema' THEN c.value ->> 'validate' IS NOT NULL
           ELSE c.value -> 'classify' ->> 'model' IS NOT NULL
                AND c.value -> 'classify' ->> 'model' NOT LIKE 'openai:%' END
   ORDER BY p.table_name::text LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION '% "%" is used by the policy of protected table %', TG_ARGV[0], used, t
      USING ERRCODE = 'dependent_objects_still_exist',
            HINT = 'TRUNCATE removes every row: change or unprotect the tables whose policies use them first.';
  END IF;
  IF TG_ARGV[0] = 'schema' THEN
    SELECT n.name, n.constraint_name, n.object INTO con
      FROM comply._schemas_named_by_constraints() n ORDER BY n.direct DESC, n.object, n.constraint_name LIMIT 1;
    IF FOUND THEN
      RAISE EXCEPTION 'schema "%" is used by check constraint "%" of %', con.name, con.constraint_name, con.object
        USING ERRCODE = 'dependent_objects_still_exist',
              HINT = 'TRUNCATE removes every row: drop or change the constraints that name them first.';
    END IF;
  END IF;
  RETURN NULL;
END $$;
COMMENT ON FUNCTION comply._policy_dependency_truncate_guard() IS
  'Trigger function: refuses TRUNCATE of comply.schemas or comply.models while a protected table''s policy uses one';
CREATE TRIGGER schemas_truncate_guard BEFORE TRUNCATE ON comply.schemas
  FOR EACH STATEMENT EXECUTE FUNCTION comply._policy_dependency_truncate_guard('schema');
CREATE TRIGGER models_truncate_guard BEFORE TRUNCATE ON comply.models
  FOR EACH STATEMENT EXECUTE FUNCTION comply._policy_dependency_truncate_guard('model');
ALTER TABLE comply.schemas ENABLE ALWAYS TRIGGER schemas_truncate_guard;
ALTER TABLE comply.models ENABLE ALWAYS TRIGGER models_truncate_guard;

CREATE FUNCTION comply._protect_row() RETURNS trigger
  AS 'MODULE_PATHNAME', 'comply_protect_row'
  LANGUAGE C;
COMMENT ON FUNCTION comply._protect_row() IS
  'Trigger function of protected tables: validates, redacts, audits and queues classification by policy';

-- Not STRICT, these three: a NULL argument is refused (22004). Returning NULL would
-- look like success and leave the table unprotected (a policy read by a subquery that
-- found nothing, say).
CREATE FUNCTION comply.protect(tbl regclass, policy jsonb) RETURNS void
  AS 'MODULE_PATHNAME', 'comply_protect'
  LANGUAGE C VOLATILE;
COMMENT ON FUNCTION comply.protect(regclass, jsonb) IS
  'Declares (or replaces) the policy of a table and installs its triggers; recorded in the ledger';

CREATE FUNCTION comply.unprotect(tbl regclass) RETURNS void
  AS 'MODULE_PATHNAME', 'comply_unprotect'
  LANGUAGE C VOLATILE;
COMMENT ON FUNCTION comply.unprotect(regclass) IS
  'Removes the policy and triggers of a table; recorded in the ledger';

CREATE FUNCTION comply.protect_existing(tbl regclass) RETURNS bigint
  AS 'MODULE_PATHNAME', 'comply_protect_existing'
  LANGUAGE C VOLATILE;
COMMENT ON FUNCTION comply.protect_existing(regclass) IS
  'Applies the redaction, pseudonymization and masking of a protected table''s policy to its stored rows; returns the rows changed';

-- Protecting takes the table's ownership, like CREATE TRIGGER; the policy table is
-- written by these functions only.
REVOKE ALL ON FUNCTION comply.protect(regclass, jsonb), comply.unprotect(regclass),
  comply.protect_existing(regclass) FROM PUBLIC;

-- The columns a policy names that its table no longer has (renamed or dropped): the
-- table's writes are refused until the policy is updated. NULL when there are none.
CREATE FUNCTION comply._gone_columns(tbl regclass, policy jsonb) RETURNS text[]
  LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp SET quote_all_identifiers = off AS $$
  SELECT array_agg(k ORDER BY k)
    FROM jsonb_object_keys(CASE WHEN jsonb_typeof(policy -> 'columns') = 'object'
                                THEN policy -> 'columns' ELSE '{}' END) k
   WHERE NOT EXISTS (SELECT 1 FROM pg_attribute a
                      WHERE a.attrelid = tbl AND a.attname = k AND a.attnum > 0 AND NOT a.attisdropped)
$$;
COMMENT ON FUNCTION comply._gone_columns(regclass, jsonb) IS
  'The columns a policy names that its table no longer has (NULL: none)';

-- Why a stored policy no longer fits its table (a column retyped, for one), as the
-- table's writes would say; NULL when it fits.
CREATE FUNCTION comply._policy_problem(tbl regclass, policy jsonb) RETURNS text
  AS 'MODULE_PATHNAME', 'comply_policy_problem'
  LANGUAGE C STABLE STRICT;
COMMENT ON FUNCTION comply._policy_problem(regclass, jsonb) IS
  'Why a stored policy no longer fits its table (NULL: it fits)';

-- Why a policy cannot apply to its table's partitioning (NULL: it can): a column it
-- redacts, masks or pseudonymizes in a partition key of the table, of a partition under
-- it (partitioned in turn) or of an ancestor. A row is routed by the value written,
-- before the policy transforms it. (A partition key's columns, plain or in its
-- expressions, are the partitioned table's internal dependencies on itself.)
-- Whether a column's policy changes the value stored (redacts, masks or pseudonymizes).
CREATE FUNCTION comply._policy_transforms(spec jsonb) RETURNS boolean
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
  SELECT jsonb_typeof(spec) = 'object'
     AND ((spec ? 'redact' AND spec -> 'redact' <> 'false')
          OR (spec ? 'mask' AND spec -> 'mask' <> 'false')
          OR spec -> 'pseudonymize' = 'true') $$;
COMMENT ON FUNCTION comply._policy_transforms(jsonb) IS
  'Whether a column policy changes the value stored (redact, mask or pseudonymize)';

CREATE FUNCTION comply._partition_key_problem(tbl regclass, policy jsonb) RETURNS text
  LANGUAGE sql STABLE STRICT SET search_path = pg_catalog, pg_temp AS $$
  SELECT x.problem FROM (
    SELECT format('column %s is in the partition key of %s: its policy cannot transform it',
                  quote_ident(a.attname), d.objid::regclass) AS problem,
           d.objid::regclass::text AS rel, a.attname::text AS col
      FROM pg_depend d JOIN pg_attribute a ON a.attrelid = d.objid AND a.attnum = d.objsubid
     WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass
       AND d.refobjid = d.objid AND d.refobjsubid = 0 AND d.objsubid > 0 AND d.deptype = 'i'
       AND (d.objid IN (SELECT t.relid FROM comply._partition_tree(tbl) t)
            OR d.objid IN (SELECT t.relid FROM pg_partition_ancestors(tbl) t))
       AND EXISTS (SELECT 1 FROM jsonb_each(policy -> 'columns') c
                    WHERE c.key = a.attname AND comply._policy_transforms(c.value))
    UNION ALL
    -- A key expression over the whole row (f(t) of a typed table, say) names every
    -- column, and leaves no dependency on any: read from the expression itself.
    SELECT format('the partition key of %s uses the whole row, column %s included: its policy cannot transform it',
                  pt.partrelid::regclass, quote_ident(c.key)),
           pt.partrelid::regclass::text, c.key
      FROM pg_partitioned_table pt, jsonb_each(policy -> 'columns') c
     WHERE (pt.partrelid IN (SELECT t.relid FROM comply._partition_tree(tbl) t)
            OR pt.partrelid IN (SELECT t.relid FROM pg_partition_ancestors(tbl) t))
       AND pt.partexprs IS NOT NULL AND pt.partexprs::text ~ ':varattno 0 '
       AND comply._policy_transforms(c.value)) x
   ORDER BY x.rel, x.col
   LIMIT 1
$$;
COMMENT ON FUNCTION comply._partition_key_problem(regclass, jsonb) IS
  'A column the policy transforms that is in a partition key of the table''s tree (NULL: none)';

-- Whether t is a protect trigger as comply.protect creates it: its function, events,
-- timing and level, and no WHEN clause, column list or arguments. CREATE OR REPLACE
-- TRIGGER under the same name with a WHEN (false), or for other events, would leave a
-- trigger of that name that never runs the policy.
CREATE FUNCTION comply._protect_trigger_intact(t pg_catalog.pg_trigger) RETURNS boolean
  LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
  SELECT t.tgfoid = 'comply._protect_row()'::regprocedure
     AND t.tgqual IS NULL AND t.tgnargs = 0 AND cardinality(t.tgattr::int2[]) = 0
     AND t.tgtype = CASE t.tgname WHEN 'comply_protect_before' THEN 23   -- ROW BEFORE INSERT UPDATE
                                  WHEN 'comply_protect_after' THEN 29    -- ROW AFTER INSERT DELETE UPDATE
                                  WHEN 'comply_protect_truncate' THEN 32 -- STATEMENT AFTER TRUNCATE
                    END $$;
COMMENT ON FUNCTION comply._protect_trigger_intact(pg_catalog.pg_trigger) IS
  'Whether a trigger is a protect trigger as comply.protect creates it';

CREATE VIEW comply.protected_tables AS
  SELECT p.table_name,
         p.policy,
         p.protected_by,
         p.protected_at,
         EXISTS (SELECT 1 FROM pg_catalog.pg_trigger t
                  WHERE t.tgrelid = p.table_name AND t.tgname = 'comply_protect_before') AS before_trigger,
         EXISTS (SELECT 1 FROM pg_catalog.pg_trigger t
                  WHERE t.tgrelid = p.table_name AND t.tgname = 'comply_protect_after') AS after_trigger,
         EXISTS (SELECT 1 FROM pg_catalog.pg_trigger t
                  WHERE t.tgrelid = p.table_name AND t.tgname = 'comply_protect_truncate') AS truncate_trigger,
         -- The triggers present and firing in ordinary sessions ('O' or 'A'; a trigger
         -- enabled for replicas only does not fire there): the row triggers on the table
         -- and, for a partitioned table, on every partition, whose clones fire for their
         -- rows; the TRUNCATE trigger on the table.
         NOT EXISTS (SELECT 1
                       FROM (SELECT p.table_name::oid AS relid  -- a plain table has no tree
                             UNION SELECT t.relid FROM comply._partition_tree(p.table_name) t) r,
                            (VALUES ('comply_protect_before'::name), ('comply_protect_after'::name)) n(tgname)
                      WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_trigger t
                                         WHERE t.tgrelid = r.relid AND t.tgname = n.tgname
                                           AND t.tgenabled IN ('O', 'A')
                                           AND comply._protect_trigger_intact(t)))
           AND EXISTS (SELECT 1 FROM pg_catalog.pg_trigger t
                        WHERE t.tgrelid = p.table_name AND t.tgname = 'comply_protect_truncate'
                          AND t.tgenabled IN ('O', 'A') AND comply._protect_trigger_intact(t))
           AS enforced
    FROM comply.policies p;
COMMENT ON VIEW comply.protected_tables IS
  'Protected tables: policy, and whether the protect triggers are present and enabled (on every partition of a partitioned table)';
GRANT SELECT ON comply.protected_tables TO PUBLIC;
