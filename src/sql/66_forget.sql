-- Erasure (GDPR Art. 17): what pg_comply derived from a row of a protected table (the
-- classification jobs made from its columns, the interactions with the provider, the
-- automatic decisions and the review cases) goes when the row's subject is forgotten.
-- The ledger keeps its entries (they hold no values, and are the record that the row
-- was written, deleted and forgotten).

-- The key an erasure request gives, checked (a JSON object of the key's columns and
-- values) and with its values as text: {"id": 42} and {"id": "42"} name the same row.
-- For comply.forget and comply.forget_dropped.
CREATE FUNCTION comply._forget_key(primary_key jsonb) RETURNS jsonb
  LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  IF jsonb_typeof(primary_key) <> 'object' OR primary_key = '{}' THEN
    RAISE EXCEPTION 'primary_key must be a JSON object of the key''s columns and values'
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Such as {"id": 42}: the keys and values the ledger entries of the row show.';
  END IF;
  -- A primary key's column is never NULL: such a key names no row, and would be
  -- recorded as an erasure that removed nothing.
  IF EXISTS (SELECT 1 FROM jsonb_each(primary_key) e WHERE jsonb_typeof(e.value) = 'null') THEN
    RAISE EXCEPTION 'primary_key must not hold a null value'
      USING ERRCODE = 'null_value_not_allowed',
            HINT = 'A primary key column is never NULL: give the value the ledger entries of the row show.';
  END IF;
  RETURN (SELECT jsonb_object_agg(e.key, e.value #>> '{}') FROM jsonb_each(primary_key) e);
END $$;
COMMENT ON FUNCTION comply._forget_key(jsonb) IS
  'The key of an erasure request, checked, with its values as text (comply.forget)';
REVOKE ALL ON FUNCTION comply._forget_key(jsonb) FROM PUBLIC;

-- Removes classification jobs with what they left (their provider interactions,
-- automatic decisions and review cases), and the cases and interactions of no job
-- given besides; returns the counts. For _forget_derived and purge_ai_history, which
-- have locked the jobs.
CREATE FUNCTION comply._remove_jobs(jobs bigint[], cases bigint[], interactions bigint[]) RETURNS jsonb
  LANGUAGE sql SET search_path = pg_catalog, pg_temp AS $$
  WITH c AS (DELETE FROM comply.review_cases r WHERE r.job_id = ANY (jobs) OR r.id = ANY (cases) RETURNING 1),
       d AS (DELETE FROM comply.model_decisions d WHERE d.job_id = ANY (jobs) RETURNING 1),
       i AS (DELETE FROM comply.ai_interactions i WHERE i.job_id = ANY (jobs) OR i.id = ANY (interactions)
             RETURNING 1),
       j AS (DELETE FROM comply.ai_jobs j WHERE j.id = ANY (jobs) RETURNING 1)
  SELECT jsonb_build_object('review_cases', (SELECT count(*) FROM c),
                            'model_decisions', (SELECT count(*) FROM d),
                            'ai_interactions', (SELECT count(*) FROM i),
                            'ai_jobs', (SELECT count(*) FROM j))
$$;
COMMENT ON FUNCTION comply._remove_jobs(bigint[], bigint[], bigint[]) IS
  'Removes jobs with their interactions, decisions and cases, and the cases and interactions given (forget, purge)';
REVOKE ALL ON FUNCTION comply._remove_jobs(bigint[], bigint[], bigint[]) FROM PUBLIC;

-- What pg_comply derived from the row key names in the table named tbl_name (as the
-- jobs' subjects name it): removed, and counted. For comply.forget and
-- comply.forget_dropped, which run as the extension's owner.
CREATE FUNCTION comply._forget_derived(tbl_name text, key jsonb) RETURNS jsonb
  LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp SET quote_all_identifiers = off AS $$
DECLARE
  jobs bigint[];
BEGIN
  -- The jobs are locked first: a worker recording a job's answer holds its row until it
  -- commits, and the deletes below (a statement of their own, so a snapshot of their
  -- own) then see the decision and interaction it wrote; a worker that comes later
  -- finds its job gone and records nothing; one whose answer comes while this holds the
  -- job hands the call's record over, which is dropped once the job is gone.
  SELECT coalesce(array_agg(s.id), '{}') INTO jobs
    FROM (SELECT j.id
            FROM comply.ai_jobs j
           WHERE j.subject ->> 'table' = tbl_name
             AND (SELECT jsonb_object_agg(e.key, e.value #>> '{}')
                    FROM jsonb_each(CASE WHEN jsonb_typeof(j.subject -> 'primary_key') = 'object'
                                         THEN j.subject -> 'primary_key' END) e) = key
             FOR UPDATE) s;

  -- Review cases too: those of the row's jobs, and those enqueued by hand whose subject
  -- names the row as a job's does.
  RETURN comply._remove_jobs(jobs,
           ARRAY(SELECT r.id FROM comply.review_cases r
                  WHERE r.job_id IS NULL AND r.subject ->> 'table' = tbl_name
                    AND (SELECT jsonb_object_agg(e.key, e.value #>> '{}')
                           FROM jsonb_each(CASE WHEN jsonb_typeof(r.subject -> 'primary_key') = 'object'
                                                THEN r.subject -> 'primary_key' END) e) = key),
           '{}');
END $$;
COMMENT ON FUNCTION comply._forget_derived(text, jsonb) IS
  'Removes the jobs, interactions, decisions and review cases derived from one row (comply.forget)';
REVOKE ALL ON FUNCTION comply._forget_derived(text, jsonb) FROM PUBLIC;

CREATE FUNCTION comply.forget(tbl regclass, primary_key jsonb)
  RETURNS TABLE(what text, removed bigint)
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp SET quote_all_identifiers = off AS $$
DECLARE
  tbl_name text;
  key jsonb;
  col name;
  col_type text;
  value text;
  counts jsonb;
  stored_key jsonb;  -- the key as the table stores it (pseudonyms where the policy makes them)
BEGIN
  IF tbl IS NULL OR primary_key IS NULL THEN
    RAISE EXCEPTION 'table and primary key must not be null' USING ERRCODE = 'null_value_not_allowed';
  END IF;
  -- Said plainly, rather than by the first statement that writes (a standby too).
  IF current_setting('transaction_read_only')::boolean THEN
    RAISE EXCEPTION 'cannot execute comply.forget() in a read-only transaction' USING ERRCODE = 'read_only_sql_transaction';
  END IF;
  -- Erasure is the authority of who may delete the table's rows: its owner (a member of
  -- the owning role) or a role granted DELETE on it, with USAGE on its schema. EXECUTE on
  -- this function alone is not that (it runs as the extension's owner, over every
  -- table), and a table named by its OID is no exception to the schema's USAGE.
  -- Checked before the table is locked or anything about its jobs is told, for the
  -- table named and, for a partition, its protected root, whose rows' jobs go.
  IF EXISTS (SELECT 1 FROM pg_class c
              WHERE c.oid IN (tbl, pg_partition_root(tbl))
                AND NOT (has_schema_privilege(comply._invoker_role(), c.relnamespace, 'USAGE')
                         AND (pg_has_role(comply._invoker_role(), c.relowner, 'MEMBER')
                              OR has_table_privilege(comply._invoker_role(), c.oid, 'DELETE')))) THEN
    RAISE EXCEPTION 'permission denied to forget rows of table %', tbl
      USING ERRCODE = 'insufficient_privilege',
            HINT = 'comply.forget acts for a role that owns the table or may DELETE from it (with USAGE on its schema).';
  END IF;
  key := comply._forget_key(primary_key);
  -- The table first (its partitions with it), before any job: a TRUNCATE, RENAME or
  -- DROP holds it while it cancels or renames the table's jobs, which this function
  -- locks below; waiting for the table after those (to tell whether the row is still
  -- stored) deadlocked with it. A view or other relation is not read (see _row_exists).
  IF (SELECT c.relkind FROM pg_class c WHERE c.oid = tbl) IN ('r', 'p') THEN
    EXECUTE format('LOCK TABLE %s IN ACCESS SHARE MODE', tbl);
  END IF;
  -- A partition is forgotten through its protected table, which its rows' jobs name.
  IF (SELECT c.relispartition FROM pg_class c WHERE c.oid = tbl)
     AND EXISTS (SELECT 1 FROM comply.policies p WHERE p.table_name = pg_partition_root(tbl)) THEN
    tbl := pg_partition_root(tbl);
  END IF;
  SELECT format('%I.%I', n.nspname, c.relname) INTO tbl_name
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = tbl;
  -- What cannot name a row's jobs is refused, not recorded as an erasure that removed
  -- nothing: a table never protected, and a key that is not exactly its primary key's
  -- columns (a column missing, a name in another case, a member that is no column, such
  -- as who asked: the request would keep it in the ledger, which cannot change).
  IF NOT EXISTS (SELECT 1 FROM comply.policies p WHERE p.table_name = tbl)
     AND NOT EXISTS (SELECT 1 FROM comply.ai_jobs j WHERE j.subject ->> 'table' = tbl_name) THEN
    RAISE EXCEPTION 'table % is not protected, and no classification job names it', tbl_name
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'comply.forget removes what pg_comply derived from rows of protected tables.';
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = tbl AND i.indisprimary) THEN
    RAISE EXCEPTION 'table % has no primary key: its rows'' jobs are not named by one', tbl_name
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF (SELECT array_agg(e.key ORDER BY e.key) FROM jsonb_object_keys(primary_key) e(key))
     IS DISTINCT FROM
     (SELECT array_agg(a.attname::text ORDER BY a.attname::text)
        FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
       WHERE i.indrelid = tbl AND i.indisprimary) THEN
    RAISE EXCEPTION 'primary_key must name exactly the primary key columns of table %: %', tbl_name,
      (SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY array_position(i.indkey::int2[], a.attnum))
         FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
        WHERE i.indrelid = tbl AND i.indisprimary)
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  -- Values compared as text (comply._forget_key): {"id": 42} and {"id": "42"} name the
  -- same row. A value of a key column is written as the jobs' subjects write it (dates and times in ISO 8601,
  -- a timestamptz in UTC), read in this session's formats: '03/11/2026' with DateStyle
  -- DMY and '2026-11-03' name the same day.
  -- (Read as the column's base type, never as a domain: a domain's CHECK is its owner's
  -- code, and this function runs as the extension's owner.)
  -- The ledger records the key as the row's own entries name it: a number as a number,
  -- whether the request gave {"id": 1} or {"id": "1"} (QA 14: the erasure did not join
  -- the row's history), any other value as the jobs' subjects write it.
  stored_key := primary_key;
  FOR col, col_type IN
    SELECT a.attname, comply._key_type(tbl, a.attname)
      FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
     WHERE i.indrelid = tbl AND i.indisprimary
  LOOP
    CONTINUE WHEN key ->> col IS NULL OR col_type IS NULL;
    BEGIN
      EXECUTE format('SELECT comply._key_text(CAST($1 AS %s))', col_type) INTO value USING key ->> col;
    EXCEPTION WHEN data_exception THEN
      RAISE EXCEPTION 'the value given for key column % is not a valid %', quote_ident(col), col_type
        USING ERRCODE = 'invalid_parameter_value';
    END;
    -- A value the column could not hold is refused, not cut as a cast cuts it: a char(6)
    -- key given 'abc   zzzz' was read as 'abc', another row, whose jobs went (QA 18).
    -- (What an INSERT takes: blanks past the length, which it drops.)
    IF col_type ~ '^character( varying)?\([0-9]+\)$'
       AND char_length(rtrim(key ->> col, ' ')) > substring(col_type FROM '\(([0-9]+)\)$')::int
       -- (a column the policy pseudonymizes holds the pseudonym of a longer identifier)
       AND NOT EXISTS (SELECT 1 FROM comply.policies p
                        WHERE p.table_name = tbl AND p.policy -> 'columns' -> col -> 'pseudonymize' = 'true') THEN
      RAISE EXCEPTION 'the value given for key column % is longer than its type % allows', quote_ident(col), col_type
        USING ERRCODE = 'invalid_parameter_value';
    END IF;
    key := key || jsonb_build_object(col, value);
    IF col_type ~ '^(smallint|integer|bigint|numeric|oid)' AND value ~ '^-?[0-9]+(\.[0-9]+)?$' THEN
      stored_key := stored_key || jsonb_build_object(col, value::numeric);
    ELSE
      -- As the row's entries write it too: a uuid in small letters, a char(n) padded, a
      -- float8 as text, a time in UTC (QA 18: the key as typed did not join them).
      stored_key := stored_key || jsonb_build_object(col, value);
    END IF;
  END LOOP;
  -- A key column the policy pseudonymizes is stored, and named by the row's jobs, as its
  -- pseudonym: the identifier the request gives is looked for as such, and the ledger
  -- records the pseudonym, never the identifier (a value in pseudonym form is taken as
  -- given).
  FOR col IN SELECT e.k
               FROM comply.policies p, jsonb_each(coalesce(p.policy -> 'columns', '{}')) e(k, v)
              WHERE p.table_name = tbl AND e.v -> 'pseudonymize' = 'true' AND key ? e.k LOOP
    value := key ->> col;
    -- (char(n) pads; the trigger pseudonymizes what comes before the blanks, and stores
    -- the pseudonym padded again)
    IF (SELECT a.atttypid FROM pg_attribute a WHERE a.attrelid = tbl AND a.attname = col) = 'bpchar'::regtype THEN
      value := rtrim(value, ' ');
    END IF;
    IF value !~ '^ps_[0-9a-f]{32}$' THEN
      value := comply.pseudonymize(value);
    END IF;
    col_type := comply._key_type(tbl, col);
    IF col_type IS NOT NULL THEN
      EXECUTE format('SELECT comply._key_text(CAST($1 AS %s))', col_type) INTO value USING value;
    END IF;
    key := key || jsonb_build_object(col, value);
    stored_key := stored_key || jsonb_build_object(col, value);
  END LOOP;

  counts := comply._forget_derived(tbl_name, key);

  PERFORM comply._audit_as_caller('forget', tbl_name,
                       jsonb_build_object('primary_key', stored_key, 'removed', counts,
                                          'row_still_stored',
                                          comply._row_exists(tbl, stored_key)));
  FOR what, removed IN SELECT e.key, e.value::bigint FROM jsonb_each(counts) e ORDER BY 1 LOOP
    RETURN NEXT;
  END LOOP;
END $$;
COMMENT ON FUNCTION comply.forget(regclass, jsonb) IS
  'Erasure: removes the classification jobs, provider interactions, automatic decisions and review cases made from a row of a protected table; the ledger records the request';
-- Not for everyone: granted to the role that handles erasure requests.
REVOKE ALL ON FUNCTION comply.forget(regclass, jsonb) FROM PUBLIC;

-- Erasure for a row of a protected table dropped since: its name is no longer a
-- regclass, but its rows' jobs, interactions and review cases stay, and name it. The
-- table is named as the subjects name it (schema-qualified, quoted where needed) and the
-- key's values are compared as text, as the subjects write them (no column to read them
-- as: a date in ISO 8601, a char(n) key padded, a numeric one at its column's scale).
CREATE FUNCTION comply.forget_dropped(table_name text, primary_key jsonb)
  RETURNS TABLE(what text, removed bigint)
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp SET quote_all_identifiers = off AS $$
DECLARE
  key jsonb;
  counts jsonb;
  col text;
  padded text;
  named text[];  -- the key's members, as the subjects name them
BEGIN
  IF table_name IS NULL OR primary_key IS NULL THEN
    RAISE EXCEPTION 'table name and primary key must not be null' USING ERRCODE = 'null_value_not_allowed';
  END IF;
  -- Said plainly, rather than by the first statement that writes (a standby too).
  IF current_setting('transaction_read_only')::boolean THEN
    RAISE EXCEPTION 'cannot execute comply.forget_dropped() in a read-only transaction' USING ERRCODE = 'read_only_sql_transaction';
  END IF;
  key := comply._forget_key(primary_key);
  IF comply._regclass_or_null(table_name) IS NOT NULL THEN
    RAISE EXCEPTION 'table % exists: use comply.forget', comply._shown_name(table_name)
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF NOT EXISTS (SELECT 1 FROM comply.ai_jobs j WHERE j.subject ->> 'table' = table_name)
     AND NOT EXISTS (SELECT 1 FROM comply.review_cases r WHERE r.subject ->> 'table' = table_name) THEN
    RAISE EXCEPTION 'no classification job or review case names table %', comply._shown_name(table_name)
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Name it as the jobs'' subjects do: schema-qualified, such as public.intake.';
  END IF;
  -- The key names the members the jobs' (or the cases') subjects name the table's rows
  -- by, no other: a misspelt or missing one matched nothing, recorded as an erasure that
  -- removed nothing, and an extra one (who asked, say) was kept in the ledger for good
  -- (QA 18), as comply.forget refuses them.
  -- (The members of one subject that names them, if any does; else of any subject.)
  SELECT m.members INTO named
    FROM (SELECT j.subject -> 'primary_key' AS pk FROM comply.ai_jobs j
           WHERE j.subject ->> 'table' = table_name AND jsonb_typeof(j.subject -> 'primary_key') = 'object'
          UNION ALL
          SELECT r.subject -> 'primary_key' FROM comply.review_cases r
           WHERE r.subject ->> 'table' = table_name AND jsonb_typeof(r.subject -> 'primary_key') = 'object') s,
         LATERAL (SELECT array_agg(k ORDER BY k) AS members FROM jsonb_object_keys(s.pk) k) m
   ORDER BY m.members = (SELECT array_agg(k ORDER BY k) FROM jsonb_object_keys(key) k) DESC
   LIMIT 1;
  IF named IS DISTINCT FROM (SELECT array_agg(k ORDER BY k) FROM jsonb_object_keys(key) k) THEN
    RAISE EXCEPTION 'primary_key must name exactly the key columns the jobs of table % name: %',
      comply._shown_name(table_name),
      coalesce((SELECT string_agg(quote_ident(k), ', ') FROM unnest(named) k),
               '(none: no subject names a row by its key)')
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  -- A key column its jobs name by pseudonyms (the policy pseudonymized it) must be given
  -- as one: the identifier would match nothing, and stay in the ledger for good. (Any
  -- such job counts: one queued by hand naming the identifier cannot lift the refusal.)
  -- A pseudonym given for a char(n) key is matched with the padded one the jobs store.
  FOR col IN SELECT k FROM jsonb_object_keys(key) k LOOP
    IF (key ->> col) !~ '^ps_[0-9a-f]{32} *$' THEN
      IF EXISTS (SELECT 1 FROM comply.ai_jobs j
                  WHERE j.subject ->> 'table' = table_name
                    AND (j.subject -> 'primary_key' ->> col) ~ '^ps_[0-9a-f]{32} *$') THEN
        RAISE EXCEPTION 'the jobs of table % name key column % by pseudonyms', table_name, quote_ident(col)
          USING ERRCODE = 'invalid_parameter_value',
                HINT = 'Give the pseudonym, comply.pseudonymize(value), instead of the value.';
      END IF;
    ELSE
      SELECT j.subject -> 'primary_key' ->> col INTO padded FROM comply.ai_jobs j
       WHERE j.subject ->> 'table' = table_name
         AND rtrim(j.subject -> 'primary_key' ->> col, ' ') = rtrim(key ->> col, ' ')
       LIMIT 1;
      IF padded IS NOT NULL THEN
        key := key || jsonb_build_object(col, padded);
      END IF;
    END IF;
  END LOOP;
  counts := comply._forget_derived(table_name, key);
  PERFORM comply._audit_as_caller('forget', table_name,
                       jsonb_build_object('primary_key', primary_key, 'removed', counts,
                                          'table_dropped', true));
  FOR what, removed IN SELECT e.key, e.value::bigint FROM jsonb_each(counts) e ORDER BY 1 LOOP
    RETURN NEXT;
  END LOOP;
END $$;
COMMENT ON FUNCTION comply.forget_dropped(text, jsonb) IS
  'Erasure for a row of a protected table dropped since: removes the jobs, interactions, decisions and review cases that still name it; the ledger records the request';
REVOKE ALL ON FUNCTION comply.forget_dropped(text, jsonb) FROM PUBLIC;

-- Storage limitation (GDPR Art. 5(1)(e)): what classification left behind, once older
-- than older_than, removed. A job counts when it finished (done, dead or cancelled)
-- before the cutoff and its review case, if it has one, is closed (approved, rejected
-- or withdrawn) since before it: with it go its provider interactions, its automatic
-- decision and that case. Also interactions of no job (comply.classify called directly)
-- and cases enqueued by hand, closed before the cutoff. Open work is never touched. The
-- ledger keeps its entries (which hold no values) and records the purge when it removed
-- anything. The job worker calls it with comply.ai_retention.
CREATE FUNCTION comply.purge_ai_history(older_than interval)
  RETURNS TABLE(what text, removed bigint)
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp SET quote_all_identifiers = off AS $$
DECLARE
  cutoff timestamptz;
  jobs bigint[];
  counts jsonb;
BEGIN
  IF older_than IS NULL THEN
    RAISE EXCEPTION 'older_than must not be null' USING ERRCODE = 'null_value_not_allowed';
  END IF;
  -- Said plainly, rather than by the first statement that writes (a standby too).
  IF current_setting('transaction_read_only')::boolean THEN
    RAISE EXCEPTION 'cannot execute comply.purge_ai_history() in a read-only transaction' USING ERRCODE = 'read_only_sql_transaction';
  END IF;
  IF older_than < interval '0' THEN
    RAISE EXCEPTION 'older_than must not be negative' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  BEGIN
    cutoff := now() - older_than;
  EXCEPTION WHEN datetime_field_overflow THEN
    cutoff := '-infinity';  -- older than anything: nothing goes
  END;
  -- Locked, as forget locks them: a worker still recording one waits or is waited for.
  -- A job cancelled while a worker holds it (its text may be with the provider) stays
  -- until that worker's lease ends: what it sent is still to be recorded.
  SELECT coalesce(array_agg(s.id), '{}') INTO jobs
    FROM (SELECT j.id FROM comply.ai_jobs j
           WHERE j.status IN ('done', 'dead', 'cancelled') AND j.finished_at < cutoff
             AND (j.worker_pid IS NULL OR j.locked_until IS NULL OR j.locked_until < clock_timestamp())
             AND NOT EXISTS (SELECT 1 FROM comply.review_cases r
                              WHERE r.job_id = j.id
                                AND (r.status NOT IN ('approved', 'rejected', 'labelled', 'withdrawn')
                                     OR r.decided_at IS NULL OR r.decided_at >= cutoff))
             FOR UPDATE SKIP LOCKED) s;
  counts := comply._remove_jobs(jobs,
              ARRAY(SELECT r.id FROM comply.review_cases r
                     WHERE r.job_id IS NULL AND r.status IN ('approved', 'rejected', 'labelled', 'withdrawn')
                       AND r.decided_at < cutoff),
              ARRAY(SELECT i.id FROM comply.ai_interactions i WHERE i.job_id IS NULL AND i.at < cutoff));
  IF EXISTS (SELECT 1 FROM jsonb_each(counts) e WHERE e.value::bigint > 0) THEN
    PERFORM comply._audit_as_caller('ai.purged', 'comply.ai_jobs',
                         -- (the cutoff is the entry's time less this: a timestamp in
                         -- the details would be redacted as a date)
                         jsonb_build_object('older_than_seconds', extract(epoch FROM older_than)::float8,
                                            'removed', counts));
  END IF;
  FOR what, removed IN SELECT e.key, e.value::bigint FROM jsonb_each(counts) e ORDER BY 1 LOOP
    RETURN NEXT;
  END LOOP;
END $$;
COMMENT ON FUNCTION comply.purge_ai_history(interval) IS
  'Removes finished classification jobs, their interactions, automatic decisions and closed review cases older than the interval (storage limitation); a ledger entry records it';
REVOKE ALL ON FUNCTION comply.purge_ai_history(interval) FROM PUBLIC;

-- Whether tbl still holds the row primary_key names (forget does not delete the row
-- itself: that is the application's DELETE, audited by the table's policy).
CREATE FUNCTION comply._row_exists(tbl regclass, primary_key jsonb) RETURNS boolean
  LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp SET quote_all_identifiers = off AS $$
DECLARE
  cond text;
  vals text[];
  known boolean;
  found boolean;
BEGIN
  -- A table only: what else is read here (a view's functions) would run as the
  -- extension's owner.
  IF (SELECT c.relkind FROM pg_class c WHERE c.oid = tbl) NOT IN ('r', 'p') THEN
    RETURN NULL;
  END IF;
  -- Each value read as its column's base type, in this session's formats (never as a
  -- domain, whose CHECK is its owner's code). A column of another type (an enum, a
  -- composite, a type of the table owner's) is not compared at all: its cast to text,
  -- its input or its equality may be the owner's code, which would run here as the
  -- extension's owner. Unknown then.
  -- The values are parameters, never literals of the query: an error while it runs (a
  -- lock or statement timeout, a cancel) shows the query in its CONTEXT, and the key
  -- being erased must not be in it.
  SELECT string_agg(format('%I = CAST(($1)[%s] AS %s)', e.key, e.n, comply._key_type(tbl, a.attname)),
                    ' AND ' ORDER BY e.n),
         array_agg(e.value #>> '{}' ORDER BY e.n),
         bool_and(a.attnum IS NOT NULL AND comply._key_type(tbl, a.attname) IS NOT NULL)
    INTO cond, vals, known
    FROM jsonb_each(primary_key) WITH ORDINALITY e(key, value, n)
    LEFT JOIN pg_attribute a ON a.attrelid = tbl AND a.attname = e.key AND a.attnum > 0 AND NOT a.attisdropped;
  IF NOT known THEN
    RETURN NULL;  -- not a column of the table, or of a type not read here: unknown
  END IF;
  EXECUTE format('SELECT EXISTS (SELECT 1 FROM %s WHERE %s)', tbl, cond) INTO found USING vals;
  RETURN found;
EXCEPTION WHEN insufficient_privilege OR data_exception THEN
  RETURN NULL;  -- not readable, or not a value of the column's type: unknown
END $$;
COMMENT ON FUNCTION comply._row_exists(regclass, jsonb) IS
  'Whether a table holds the row a primary key names (NULL when that cannot be told)';
REVOKE ALL ON FUNCTION comply._row_exists(regclass, jsonb) FROM PUBLIC;

CREATE FUNCTION comply._key_type(tbl regclass, col name) RETURNS text
  AS 'MODULE_PATHNAME', 'comply_key_type'
  LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION comply._key_type(regclass, name) IS
  'The base type a key column''s value is read as (NULL: a type not read: forget matches subjects by text, and cannot tell whether the row is stored); never a domain';
REVOKE ALL ON FUNCTION comply._key_type(regclass, name) FROM PUBLIC;

CREATE FUNCTION comply._key_text(value anyelement) RETURNS text
  AS 'MODULE_PATHNAME', 'comply_key_text'
  LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION comply._key_text(anyelement) IS
  'A key value as the subjects of a protected table''s jobs write it (dates and times in ISO 8601, a timestamptz in UTC)';
REVOKE ALL ON FUNCTION comply._key_text(anyelement) FROM PUBLIC;
