-- PII discovery: where personal data actually is, found by content in a sample of
-- each table's text, varchar, char and jsonb columns, with a suggested protect policy.

-- The latest discovery of each column by each role, read by comply.requirements_matrix()
-- and comply.data_flow(), which take a finding by anyone as found. Anyone may record
-- findings, but only for columns they can read (row-level security), under their own
-- name, and replace or remove only their own: a reader of a column who replaced
-- another's findings with none (an UPDATE) made the matrix call the column clean.
CREATE TABLE comply.discoveries (
  table_name regclass NOT NULL,
  column_name name NOT NULL,
  table_ident text NOT NULL,               -- the table's qualified name when discovered
  sample_size int NOT NULL,                -- non-null values sampled
  findings jsonb NOT NULL,                 -- [{"entity": ..., "share": 0.xxxx}], [] for none
  discovered_by text NOT NULL DEFAULT current_user,
  discovered_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (table_name, column_name, discovered_by)
);
COMMENT ON TABLE comply.discoveries IS
  'The latest comply.discover() result of each column by each role: entities found and their shares (never values), who ran it and when';
ALTER TABLE comply.discoveries ENABLE ROW LEVEL SECURITY;
-- (By the column's number: one renamed or dropped since, whose name
-- has_column_privilege would fail on for every reader, makes its row NULL, hidden.)
CREATE POLICY readers_of_the_column ON comply.discoveries
  USING (pg_catalog.has_column_privilege(table_name,
           (SELECT a.attnum FROM pg_catalog.pg_attribute a
             WHERE a.attrelid = table_name AND a.attname = column_name AND NOT a.attisdropped),
           'SELECT'))
  WITH CHECK (pg_catalog.has_column_privilege(table_name,
                (SELECT a.attnum FROM pg_catalog.pg_attribute a
                  WHERE a.attrelid = table_name AND a.attname = column_name AND NOT a.attisdropped),
                'SELECT')
              AND discovered_by = current_user);
-- Findings are removed by those who recorded them only (a reader of the column deleting
-- another's findings made the matrix's gap for it disappear); and every change is a
-- ledger entry (who recorded, replaced or removed which column's findings).
CREATE POLICY removed_by_who_recorded ON comply.discoveries AS RESTRICTIVE FOR DELETE
  USING (discovered_by = current_user);
CREATE POLICY replaced_by_who_recorded ON comply.discoveries AS RESTRICTIVE FOR UPDATE
  USING (discovered_by = current_user);
GRANT SELECT, INSERT, UPDATE, DELETE ON comply.discoveries TO PUBLIC;
-- With its values: names of tables, columns and roles and counts of entities, no personal
-- data, and the audit must show who recorded or removed which findings.
CREATE TRIGGER comply_discoveries_audit AFTER INSERT OR UPDATE OR DELETE ON comply.discoveries
  FOR EACH ROW EXECUTE FUNCTION comply.audit_trigger('values');
ALTER TABLE comply.discoveries ENABLE ALWAYS TRIGGER comply_discoveries_audit;  -- see 30_ledger.sql
-- A TRUNCATE (a superuser's) passes no row trigger: it is a ledger entry of its own, with
-- the findings it removes counted.
-- (Counted by the table's owner: the truncating role's own count would be filtered by
-- the row security policies. Callable by any role, as the trigger runs as the one that
-- truncates: it tells a number of findings, not which tables or columns.)
CREATE FUNCTION comply._discoveries_count() RETURNS bigint
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  SELECT count(*) FROM comply.discoveries
$$;
COMMENT ON FUNCTION comply._discoveries_count() IS
  'Internal: every row of comply.discoveries, counted past row security (for its TRUNCATE record)';
CREATE FUNCTION comply._discoveries_truncated() RETURNS trigger
  LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp SET quote_all_identifiers = off AS $$
BEGIN
  PERFORM comply.audit('TRUNCATE', 'comply.discoveries',
                       jsonb_build_object('operation', 'TRUNCATE', 'rows', comply._discoveries_count()));
  RETURN NULL;
END $$;
COMMENT ON FUNCTION comply._discoveries_truncated() IS
  'Trigger function: records a TRUNCATE of comply.discoveries in the ledger, with the rows it removes';
CREATE TRIGGER comply_discoveries_truncate BEFORE TRUNCATE ON comply.discoveries
  FOR EACH STATEMENT EXECUTE FUNCTION comply._discoveries_truncated();
ALTER TABLE comply.discoveries ENABLE ALWAYS TRIGGER comply_discoveries_truncate;

-- The body of comply.discover (PL/pgSQL cannot name an input and an output column alike).
-- A document's string values (not its keys), at most max_strings of them, in one pass.
CREATE FUNCTION comply._jsonb_strings(doc jsonb, max_strings int) RETURNS SETOF text
  AS 'MODULE_PATHNAME', 'comply_jsonb_strings'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION comply._jsonb_strings(jsonb, int) IS
  'Internal: the string values of a document, in order, at most max_strings (discovery''s sample of a jsonb value)';

CREATE FUNCTION comply._discover(p_sample_rows int, p_schema name, p_table regclass)
  RETURNS TABLE(table_name regclass, column_name name, entity text, share float8,
                sample_size int, suggested_policy jsonb)
  LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp SET quote_all_identifiers = off AS $$
#variable_conflict use_variable
DECLARE
  -- Values longer than this are scanned up to here: discovery estimates, it does not redact.
  max_chars constant int := 100000;
  -- Tables up to this many pages are read whole (in random order); larger ones are
  -- sampled by block with TABLESAMPLE SYSTEM, so discovery never scans a big table.
  small_pages constant bigint := 128;
  -- A text column whose values are, in this share of rows, one entity (covering at
  -- least 80% of the value) holds identifiers: pseudonymize or mask it, don't redact it.
  whole_value_share constant float8 := 0.8;
  read_only boolean := current_setting('transaction_read_only')::boolean;
  t record;
  f record;
  names name[];
  kinds text[];
  lengths int[];            -- varchar(n), char(n): n; NULL for other columns
  sel text;
  parts text[];
  nonnull_parts text[];
  pages bigint;
  est_rows float8;
  pct float8;
  sample_sql text;
  query text;
  sampled bigint;
  attempt int;
  res record;
  results jsonb;            -- [{"col", "n", "entity", "hits", "whole_hits", "whole_rows"}]
  nonnull jsonb;            -- [{"col", "n"}]: non-null values sampled per column
  col_rules jsonb;
  col_entities jsonb;       -- {column: [entities found]}
  existing jsonb;
  policy jsonb;
  found_cols jsonb;
  tables_scanned int := 0;
  tables_with_pii int := 0;
  -- What the caller may not read is not sampled; it is counted and said, so that a run
  -- by a role without the privileges is not taken for a clean result.
  unreadable int;
  skipped_tables int := 0;
  skipped_columns int := 0;
BEGIN
  IF p_sample_rows IS NULL THEN
    RAISE EXCEPTION 'sample_rows must not be NULL' USING ERRCODE = 'null_value_not_allowed';
  END IF;
  IF p_sample_rows < 1 OR p_sample_rows > 1000000 THEN
    RAISE EXCEPTION 'sample_rows must be between 1 and 1000000'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF p_table IS NOT NULL AND NOT EXISTS (SELECT 1 FROM pg_class c WHERE c.oid = p_table) THEN
    RAISE EXCEPTION 'relation with OID % does not exist', p_table::oid USING ERRCODE = 'undefined_table';
  END IF;
  IF p_table IS NOT NULL
     AND (SELECT c.relkind FROM pg_class c WHERE c.oid = p_table) NOT IN ('r', 'p', 'm') THEN
    RAISE EXCEPTION '"%" is not a table', p_table
      USING ERRCODE = 'wrong_object_type',
            HINT = 'Discovery samples tables and materialized views, which store data; views do not.';
  END IF;
  IF p_schema IS NOT NULL AND NOT EXISTS (SELECT 1 FROM pg_namespace n WHERE n.nspname = p_schema) THEN
    RAISE EXCEPTION 'schema % does not exist', comply._shown_name(p_schema)
      USING ERRCODE = 'invalid_schema_name';
  END IF;
  -- Both given: the table must be in that schema (no rows would read as no PII found).
  IF p_table IS NOT NULL AND p_schema IS NOT NULL
     AND (SELECT n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE c.oid = p_table) <> p_schema THEN
    RAISE EXCEPTION 'table % is not in schema %', p_table, comply._shown_name(p_schema)
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Give the table alone, or its own schema.';
  END IF;

  FOR t IN
    SELECT c.oid, format('%I.%I', n.nspname, c.relname) AS ident, c.relkind, c.relnamespace
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE c.relkind IN ('r', 'p', 'm')
       -- a materialized view not yet populated has nothing to sample
       AND (c.relkind <> 'm' OR c.relispopulated)
       AND (CASE WHEN p_table IS NOT NULL THEN c.oid = p_table ELSE NOT c.relispartition END)
       AND (p_schema IS NULL OR n.nspname = p_schema)
       AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'comply', 'pg_toast')
       AND (n.nspname !~ '^pg_(toast_)?temp_' OR n.oid = pg_my_temp_schema())
       AND NOT EXISTS (SELECT 1 FROM pg_depend d
                        WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
     ORDER BY n.nspname, c.relname
  LOOP
    -- Without USAGE on its schema, or with row-level security filtering what the caller
    -- sees (a sample of the rows a policy lets through is no sample of the table).
    IF NOT has_schema_privilege(t.relnamespace, 'USAGE') OR row_security_active(t.oid) THEN
      skipped_tables := skipped_tables + 1;
      CONTINUE;
    END IF;
    -- The columns comply.protect can act on that the caller may read: text, varchar,
    -- char and jsonb, or a domain over one of them.
    SELECT array_agg(a.attname ORDER BY a.attnum) FILTER (WHERE r.readable),
           array_agg(CASE WHEN b.base = 'jsonb'::regtype THEN 'j'
                          WHEN b.base IN ('json'::regtype, 'text[]'::regtype, 'varchar[]'::regtype,
                                          'bpchar[]'::regtype) THEN 'x'
                          ELSE 't' END ORDER BY a.attnum)
             FILTER (WHERE r.readable),
           array_agg(CASE WHEN b.base IN ('varchar'::regtype, 'bpchar'::regtype) AND b.typmod >= 4
                          THEN b.typmod - 4 END ORDER BY a.attnum) FILTER (WHERE r.readable),
           count(*) FILTER (WHERE NOT r.readable)
      INTO names, kinds, lengths, unreadable
      FROM pg_attribute a
      JOIN pg_type ty ON ty.oid = a.atttypid
      -- The base type under any depth of domains, with the innermost length given.
      CROSS JOIN LATERAL (WITH RECURSIVE chain(typ, typmod, depth) AS (
                            SELECT a.atttypid, a.atttypmod, 0
                            UNION ALL
                            SELECT y.typbasetype, CASE WHEN c.typmod >= 0 THEN c.typmod ELSE y.typtypmod END,
                                   c.depth + 1
                              FROM chain c JOIN pg_type y ON y.oid = c.typ
                             WHERE y.typtype = 'd' AND c.depth < 64)
                          SELECT c.typ AS base, c.typmod FROM chain c ORDER BY c.depth DESC LIMIT 1) b
     CROSS JOIN LATERAL (SELECT has_column_privilege(t.oid, a.attnum, 'SELECT') AS readable) r
     WHERE a.attrelid = t.oid AND a.attnum > 0 AND NOT a.attisdropped
       -- (a generated column is computed from others, which a policy protects instead)
       AND a.attgenerated = ''
       -- (and json and arrays of text, which comply.protect cannot act on: sampled so that
       -- the PII they hold shows, in the findings and as the matrix's gap, rather than
       -- the table passing as clean; no rule is suggested for them)
       AND b.base IN ('text'::regtype, 'varchar'::regtype, 'bpchar'::regtype, 'jsonb'::regtype,
                      'json'::regtype, 'text[]'::regtype, 'varchar[]'::regtype, 'bpchar[]'::regtype);
    skipped_columns := skipped_columns + unreadable;
    IF names IS NULL THEN
      IF unreadable > 0 THEN
        skipped_tables := skipped_tables + 1;
      END IF;
      CONTINUE;
    END IF;

    -- Size now (pages) and density at the last ANALYZE; leaves for a partitioned table.
    SELECT sum(pg_relation_size(c.oid)) / current_setting('block_size')::bigint,
           CASE WHEN sum(c.relpages) FILTER (WHERE c.reltuples >= 0) > 0
                THEN sum(c.reltuples) FILTER (WHERE c.reltuples >= 0)
                     / sum(c.relpages) FILTER (WHERE c.reltuples >= 0) END
      INTO pages, est_rows
      FROM pg_class c
     WHERE c.relkind IN ('r', 'm')
       AND c.oid IN (SELECT t.oid UNION ALL SELECT p.relid FROM comply._partition_tree(t.oid) p);
    -- Rows now: pages times the density seen by ANALYZE, or a guess of 20 rows a page.
    est_rows := coalesce(pages, 0) * coalesce(est_rows, 20);
    pct := CASE WHEN coalesce(pages, 0) <= small_pages OR est_rows <= 2 * p_sample_rows THEN 100
                ELSE least(100, 100 * 2 * p_sample_rows / est_rows) END;

    sel := '';
    parts := '{}';
    nonnull_parts := '{}';
    FOR i IN 1 .. array_length(names, 1) LOOP
      sel := sel || CASE WHEN i > 1 THEN ', ' ELSE '' END || format('%I AS c%s', names[i], i);
      nonnull_parts := nonnull_parts || format('SELECT %s AS col, count(c%s) AS n FROM s', i, i);
      IF kinds[i] = 'x' THEN
        -- json and arrays of text: their strings, as a jsonb document's.
        parts := parts || format('SELECT s.rid, %s AS col, %L::text AS name, left(j.v, %s) AS v FROM s '
                                 'CROSS JOIN LATERAL comply._jsonb_strings(to_jsonb(s.c%s), 1000) AS j(v)',
                                 i, names[i], max_chars, i);
      ELSIF kinds[i] = 'j' THEN
        -- (The column's name is the context of its values: a value that is one identifier
        -- stored under a name made for it, "nif" or "pesel". A jsonb document's values are
        -- given the column's name too, their keys being lost here.)
        -- (The first 1,000 strings of a document: a sample, as the rows are.)
        parts := parts || format('SELECT s.rid, %s AS col, %L::text AS name, left(j.v, %s) AS v FROM s '
                                 'CROSS JOIN LATERAL comply._jsonb_strings(s.c%s, 1000) AS j(v)',
                                 i, names[i], max_chars, i);
      ELSE
        -- (Trimmed within the first max_chars characters: btrim over a whole value of
        -- megabytes, multibyte and not cancellable, cost seconds where the detection of
        -- the part scanned took milliseconds.)
        parts := parts || format('SELECT s.rid, %s AS col, %L::text AS name, btrim(left(ltrim(s.c%s::text), %s)) AS v FROM s '
                                 'WHERE s.c%s IS NOT NULL', i, names[i], i, max_chars, i);
      END IF;
    END LOOP;

    attempt := 0;
    LOOP
      attempt := attempt + 1;
      sample_sql := format('SELECT %s FROM %s%s%s ORDER BY random() LIMIT %s', sel,
                           CASE WHEN t.relkind = 'p' THEN '' ELSE 'ONLY ' END, t.ident,
                           CASE WHEN pct < 100 THEN format(' TABLESAMPLE SYSTEM (%s)', pct) ELSE '' END,
                           p_sample_rows);
      -- One row per column and entity found (entity NULL for a column with none):
      -- values containing it, values that are essentially it, and the column's values
      -- that are essentially one entity of any kind.
      query := format($q$
        WITH s AS MATERIALIZED (SELECT row_number() OVER () AS rid, x.* FROM (%s) x),
        v AS MATERIALIZED (SELECT u.*, char_length(u.v) AS len FROM (%s) u),
        f AS (SELECT v.rid, v.col, d.entity,
                     bool_or(d.length >= 0.8 * v.len) AS whole
                FROM v CROSS JOIN LATERAL comply.detect(v.v, context => v.name) d
               GROUP BY v.rid, v.col, d.entity),
        w AS (SELECT f.col, count(DISTINCT f.rid) FILTER (WHERE f.whole) AS whole_rows
                FROM f GROUP BY f.col),
        nn AS (%s)
        SELECT (SELECT count(*) FROM s) AS sampled, nn.col, nn.n, e.entity, e.hits, e.whole_hits,
               coalesce(w.whole_rows, 0) AS whole_rows
          FROM nn
          LEFT JOIN (SELECT f.col, f.entity, count(*) AS hits, count(*) FILTER (WHERE f.whole) AS whole_hits
                       FROM f GROUP BY f.col, f.entity) e ON e.col = nn.col
          LEFT JOIN w ON w.col = nn.col
         ORDER BY nn.col, e.entity$q$,
        sample_sql, array_to_string(parts, ' UNION ALL '), array_to_string(nonnull_parts, ' UNION ALL '));
      results := '[]';
      nonnull := '[]';
      sampled := 0;
      BEGIN
        FOR res IN EXECUTE query LOOP
          sampled := res.sampled;
          IF NOT nonnull @> jsonb_build_array(jsonb_build_object('col', res.col)) THEN
            nonnull := nonnull || jsonb_build_object('col', res.col, 'n', res.n);
          END IF;
          IF res.entity IS NOT NULL THEN
            results := results || jsonb_build_object('col', res.col, 'n', res.n, 'entity', res.entity,
                                                     'hits', res.hits, 'whole_hits', res.whole_hits,
                                                     'whole_rows', res.whole_rows);
          END IF;
        END LOOP;
      EXCEPTION
        -- Dropped meanwhile, locked out, refused by a row-level security policy, or a
        -- partition that cannot be sampled (foreign): report nothing for the table, as
        -- for one the caller cannot read.
        WHEN undefined_table OR insufficient_privilege OR lock_not_available
             OR feature_not_supported THEN
          sampled := -1;
      END;
      EXIT WHEN sampled < 0 OR pct >= 100 OR sampled >= p_sample_rows OR attempt >= 2;
      -- The block sample came back short (stale statistics, or a sample of a few pages
      -- that happened to draw none): sample again, larger, but at most ten times (an
      -- empty draw of a big table would otherwise read all of it).
      -- Nor to 100, which reads the whole table: at most half of it, or what was asked.
      pct := least(greatest(pct, 50), pct * least(10, 2 * p_sample_rows / greatest(sampled, 1)));
    END LOOP;
    IF sampled < 0 THEN
      skipped_tables := skipped_tables + 1;
      CONTINUE;
    END IF;
    tables_scanned := tables_scanned + 1;

    -- The rule for each column with PII: jsonb documents and free text are redacted;
    -- a text column of identifiers is pseudonymized (joins keep working), or masked to
    -- its last four characters for card and account numbers.
    col_rules := '{}';
    col_entities := '{}';
    FOR f IN
      SELECT (r ->> 'col')::int AS col, (r ->> 'n')::float8 AS n, (r ->> 'whole_rows')::float8 AS whole_rows,
             (array_agg(r ->> 'entity' ORDER BY (r ->> 'whole_hits')::int DESC, r ->> 'entity'))[1] AS top,
             array_agg(r ->> 'entity') AS entities
        FROM jsonb_array_elements(results) r
       GROUP BY 1, 2, 3
    LOOP
      col_entities := col_entities || jsonb_build_object(names[f.col], to_jsonb(f.entities));
      CONTINUE WHEN kinds[f.col] = 'x';  -- no rule comply.protect would take
      col_rules := col_rules || jsonb_build_object(names[f.col],
        CASE WHEN kinds[f.col] = 'j' OR f.whole_rows < whole_value_share * f.n
               THEN '{"redact": true}'::jsonb
             WHEN f.top IN ('CREDIT_CARD', 'IBAN_CODE', 'US_BANK_NUMBER')
                  -- a pseudonym (35 characters) would not fit the column
                  OR lengths[f.col] < 35
               THEN '{"mask": {"keep_last": 4}}'::jsonb
             ELSE '{"pseudonymize": true}'::jsonb END);
    END LOOP;

    -- A protected table's suggestion is its policy, with a rule added to each column
    -- holding PII that the policy leaves in clear: one whose rule covers every entity
    -- found keeps it (a column declared encrypted too: its ciphertext is the rule), one
    -- whose rule does not ("redact": false, an operator that keeps) gets the suggestion
    -- instead.
    SELECT p.policy INTO existing FROM comply.policies p WHERE p.table_name = t.oid;
    existing := coalesce(existing, '{}');
    found_cols := coalesce(existing -> 'columns', '{}');
    SELECT coalesce(jsonb_object_agg(r.key,
             CASE WHEN jsonb_typeof(found_cols -> r.key) = 'object'
                       AND ((found_cols -> r.key) -> 'encrypted' = 'true'
                            OR NOT EXISTS (SELECT 1 FROM jsonb_array_elements_text(col_entities -> r.key) e
                                            WHERE NOT comply._covers(found_cols -> r.key, e)))
                    THEN found_cols -> r.key
                  ELSE coalesce(CASE WHEN jsonb_typeof(found_cols -> r.key) = 'object'
                                     THEN (found_cols -> r.key) - ARRAY['redact', 'pseudonymize', 'mask'] END,
                                '{}') || r.value END), '{}')
      INTO col_rules
      FROM jsonb_each(col_rules) r;
    policy := existing || jsonb_build_object('columns', found_cols || col_rules);
    -- A materialized view stores a copy of what its query read, but takes no writes to
    -- protect: no policy (protect the tables it is computed from, then refresh it).
    IF t.relkind = 'm' THEN
      policy := NULL;
    END IF;

    IF NOT read_only THEN
      -- Columns that are gone or no longer sampled lose the caller's findings; the
      -- sampled ones get theirs (none is a finding too: the column was looked at).
      DELETE FROM comply.discoveries d WHERE d.table_name = t.oid AND d.column_name <> ALL (names)
                                         AND d.discovered_by = current_user;
      INSERT INTO comply.discoveries AS d (table_name, column_name, table_ident, sample_size, findings,
                                           discovered_by, discovered_at)
      SELECT t.oid, names[k], t.ident, coalesce(nn.n, 0),
             coalesce((SELECT jsonb_agg(jsonb_build_object('entity', r ->> 'entity',
                                                           'share', round((r ->> 'hits')::numeric / (r ->> 'n')::numeric, 4))
                                        ORDER BY r ->> 'entity')
                         FROM jsonb_array_elements(results) r WHERE (r ->> 'col')::int = k), '[]'),
             current_user, now()
        FROM generate_subscripts(names, 1) k
        LEFT JOIN LATERAL (SELECT (x ->> 'n')::int AS n FROM jsonb_array_elements(nonnull) x
                            WHERE (x ->> 'col')::int = k) nn ON true
      ON CONFLICT ON CONSTRAINT discoveries_pkey DO UPDATE
        SET table_ident = EXCLUDED.table_ident, sample_size = EXCLUDED.sample_size,
            findings = EXCLUDED.findings, discovered_by = EXCLUDED.discovered_by,
            discovered_at = EXCLUDED.discovered_at;
    END IF;

    IF jsonb_array_length(results) > 0 THEN
      tables_with_pii := tables_with_pii + 1;
    END IF;
    FOR f IN
      SELECT (r ->> 'col')::int AS col, r ->> 'entity' AS entity, (r ->> 'hits')::float8 AS hits,
             (r ->> 'n')::int AS n
        FROM jsonb_array_elements(results) r
       ORDER BY 1, 2
    LOOP
      table_name := t.oid;
      column_name := names[f.col];
      entity := f.entity;
      share := f.hits / f.n;
      sample_size := f.n;
      suggested_policy := policy;
      RETURN NEXT;
    END LOOP;
  END LOOP;

  IF skipped_tables > 0 OR skipped_columns > 0 THEN
    RAISE NOTICE 'discovery did not sample % table(s) and % column(s) that % may not read',
                 skipped_tables, skipped_columns, current_user
      USING HINT = 'Their contents are unknown, not clean: run discovery as a role that may read them.';
  END IF;
  -- Discovery is itself a processing record (GDPR Art. 30): one ledger entry per run.
  IF NOT read_only THEN
    PERFORM comply.audit('discover',
                         coalesce(p_table::text, quote_ident(p_schema), 'database'),
                         jsonb_build_object('sample_rows', p_sample_rows, 'tables', tables_scanned,
                                            'tables_with_pii', tables_with_pii,
                                            'tables_not_readable', skipped_tables,
                                            'columns_not_readable', skipped_columns));
  END IF;
END $$;
COMMENT ON FUNCTION comply._discover(int, name, regclass) IS
  'Body of comply.discover (samples as the caller; records findings in comply.discoveries)';
-- comply.discover runs as its caller, so its body is executable by everyone too.

CREATE FUNCTION comply.discover(sample_rows int DEFAULT 1000, schema_name name DEFAULT NULL,
                                table_name regclass DEFAULT NULL)
  RETURNS TABLE(table_name regclass, column_name name, entity text, share float8,
                sample_size int, suggested_policy jsonb)
  LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp SET quote_all_identifiers = off
  AS $$ SELECT * FROM comply._discover($1, $2, $3) $$;
COMMENT ON FUNCTION comply.discover(int, name, regclass) IS
  'Finds PII by content in a sample of every user table''s text and jsonb columns (or one schema''s, or one table''s): share of values per entity, and a suggested protect policy';
