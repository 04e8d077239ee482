-- Drift that event triggers cannot see: fingerprints of server settings, pg_hba rules,
-- role memberships, the definitions of the extension's functions, the privileges on the
-- extension's schema, relations and functions (a GRANT to PUBLIC on the interactions or
-- on comply.protect), the state of its event triggers and of its own tables' triggers
-- (the ledger's append-only guards, the drift watch itself), and the registered JSON
-- Schemas' texts (hashed), taken by
-- comply.snapshot_baseline() and compared by comply.drift() (and by the job worker every
-- comply.drift_interval, which records what it finds as drift).

CREATE TABLE comply.baseline (
  kind text NOT NULL CHECK (kind IN ('setting', 'hba', 'role', 'function', 'privilege',
                                     'event_trigger', 'trigger', 'key', 'schema')),
  object text NOT NULL,
  fingerprint text NOT NULL,
  taken_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (kind, object)
);
COMMENT ON TABLE comply.baseline IS
  'The expected state (comply.snapshot_baseline): settings, pg_hba rules, role memberships, function definitions, privileges on the extension''s objects, its event triggers and table triggers, the pseudonymization key''s identifier, the ledger signing key''s public key, the hidden key-file settings (hashed), the registered JSON Schemas (hashed)';
REVOKE ALL ON comply.baseline FROM PUBLIC;

-- Differences already reported by the worker, so each is reported once.
CREATE TABLE comply.drift_reported (
  kind text NOT NULL,
  object text NOT NULL,
  actual text,
  reported_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (kind, object)
);
COMMENT ON TABLE comply.drift_reported IS
  'Differences from the baseline the worker has already recorded and alerted';
REVOKE ALL ON comply.drift_reported FROM PUBLIC;

-- The pseudonymization key's identifier, 'none' when no key is set, 'unusable' when
-- its file cannot be used: the file's name is a setting, but the key in it can change
-- under the same name (and with it every pseudonym written from then on).
CREATE FUNCTION comply._pseudonym_key_state() RETURNS text
  LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp SET quote_all_identifiers = off AS $$
BEGIN
  RETURN coalesce(comply.pseudonym_key_id(), 'none');
EXCEPTION WHEN OTHERS THEN
  RETURN 'unusable';
END $$;
COMMENT ON FUNCTION comply._pseudonym_key_state() IS
  'comply.pseudonym_key_id(), or none, or unusable: for the baseline';
REVOKE ALL ON FUNCTION comply._pseudonym_key_state() FROM PUBLIC;

-- The ledger's signing key as its public key (which it is safe to keep), or none, or
-- unusable: a key replaced in the same file, or removed, is drift.
CREATE FUNCTION comply._ledger_key_state() RETURNS text
  LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp SET quote_all_identifiers = off AS $$
BEGIN
  RETURN coalesce(comply.ledger_public_key(), 'none');
EXCEPTION WHEN OTHERS THEN
  RETURN 'unusable';
END $$;
COMMENT ON FUNCTION comply._ledger_key_state() IS
  'comply.ledger_public_key(), or none, or unusable: for the baseline';
REVOKE ALL ON FUNCTION comply._ledger_key_state() FROM PUBLIC;

-- A setting's value as the baseline keeps it: as it is (configuration, not data), or
-- hashed where it may hold a credential, since the baseline's values go into drift
-- entries of the ledger, which cannot be changed, and into alerts: pg_comply's key files
-- and webhook URL, a connection string (primary_conninfo: a password), a shell command
-- (archive_command, restore_command, ssl_passphrase_command ...: keys in its
-- environment), any value that says password or secret or that is a URI with a user
-- part (postgresql://app:password@host), and any setting named so (myapp.api_key,
-- myapp.dsn). A change still shows, as a different hash.
CREATE FUNCTION comply._setting_fingerprint(name text, setting text) RETURNS text
  LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
  SELECT CASE WHEN name IN ('comply.hmac_key_file', 'comply.ledger_signing_key_file',
                            'comply.ai_api_key_file', 'comply.alert_webhook_url')
                   OR name ~ '(conninfo|_command)$'
                   OR name ~* '(passw|secret|token|credential|api_?key|dsn)'
                   OR setting ~* '(passw|secret|token|credential)'
                   -- a URI with a user part: postgresql://app:pw@host/db (QA 16)
                   OR setting ~ '://[^/?#@[:space:]]*@'
              THEN 'sha256:' || encode(sha256(convert_to(coalesce(setting, ''), 'UTF8')), 'hex')
              ELSE coalesce(setting, '') END
$$;
COMMENT ON FUNCTION comply._setting_fingerprint(text, text) IS
  'A setting''s value as the baseline keeps it: hashed where it may hold a credential';
REVOKE ALL ON FUNCTION comply._setting_fingerprint(text, text) FROM PUBLIC;

-- An option of a pg_hba.conf line as the baseline keeps it: one naming a password or a
-- secret (ldapbindpasswd, radiussecrets) hashed, the others as they are.
CREATE FUNCTION comply._hba_option_fingerprint(option text) RETURNS text
  LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
  SELECT CASE WHEN split_part(option, '=', 1) ~* '(passw|secret)'
              THEN split_part(option, '=', 1) || '=sha256:'
                   || encode(sha256(convert_to(substr(option, length(split_part(option, '=', 1)) + 2), 'UTF8')), 'hex')
              ELSE option END
$$;
COMMENT ON FUNCTION comply._hba_option_fingerprint(text) IS
  'An option of a pg_hba.conf line as the baseline keeps it: a password or secret hashed';
REVOKE ALL ON FUNCTION comply._hba_option_fingerprint(text) FROM PUBLIC;

-- Whether every session has the setting name with the same value: a setting of the
-- server or of pg_comply, or of a module in shared_preload_libraries. A module a session
-- loads for itself (LOAD, session_preload_libraries, PL/pgSQL at its first call) adds its
-- settings to that session only: those are compared as the configuration files set them.
CREATE FUNCTION comply._setting_in_every_session(name text) RETURNS boolean
  LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
  SELECT strpos(name, '.') = 0 OR name LIKE 'comply.%'
      OR split_part(name, '.', 1) IN (
           SELECT regexp_replace(regexp_replace(btrim(l, ' "'), '^.*/', ''), '\.so$', '')
             FROM unnest(string_to_array(current_setting('shared_preload_libraries'), ',')) l)
$$;
COMMENT ON FUNCTION comply._setting_in_every_session(text) IS
  'Whether every session has the setting with the same value (the server''s, pg_comply''s, a preloaded module''s)';
REVOKE ALL ON FUNCTION comply._setting_in_every_session(text) FROM PUBLIC;

-- The current state, in the baseline's terms. Settings' values are kept as they are
-- (they are configuration, not data), except those that may hold a credential, which are
-- hashed (comply._setting_fingerprint), as are the passwords and secrets of pg_hba.conf's
-- options.
CREATE FUNCTION comply._current_state(OUT kind text, OUT object text, OUT fingerprint text)
  RETURNS SETOF record
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp SET quote_all_identifiers = off AS $$
  SELECT 'setting', s.name, comply._setting_fingerprint(s.name, s.setting)
    FROM pg_settings s
   WHERE (s.context IN ('postmaster', 'sighup', 'superuser-backend', 'backend')
          OR s.name LIKE 'comply.%' AND s.context <> 'user')
     AND comply._setting_in_every_session(s.name)
  UNION ALL
  -- Settings a session may change for itself (contexts superuser and user: log_statement,
  -- password_encryption ...) as the configuration files set them, or their built-in
  -- default where no file does (so that one set later shows what it was before): the
  -- value each session sees differs from one session to the next, the files' does not.
  SELECT 'setting', s.name, comply._setting_fingerprint(s.name, coalesce(f.setting, s.boot_val))
    FROM pg_settings s
    LEFT JOIN (SELECT DISTINCT ON (fs.name) fs.name, fs.setting
                 FROM pg_file_settings fs WHERE fs.applied AND fs.error IS NULL
                ORDER BY fs.name, fs.seqno DESC) f ON f.name = s.name
   WHERE s.context IN ('superuser', 'user') AND NOT (s.name LIKE 'comply.%' AND s.context <> 'user')
     AND (f.name IS NOT NULL OR s.boot_val IS NOT NULL) AND comply._setting_in_every_session(s.name)
  UNION ALL
  -- The settings of modules that only some sessions load, as the configuration files set
  -- them (auto_explain.log_min_duration in postgresql.conf, or by ALTER SYSTEM).
  SELECT 'setting', f.name, comply._setting_fingerprint(f.name, f.setting)
    FROM (SELECT DISTINCT ON (fs.name) fs.name, fs.setting
            FROM pg_file_settings fs WHERE fs.applied AND fs.error IS NULL
           ORDER BY fs.name, fs.seqno DESC) f
   WHERE NOT comply._setting_in_every_session(f.name)
  UNION ALL
  -- pg_comply's settings given to a role or a database (ALTER ROLE/DATABASE ... SET):
  -- the ledger's trusted and signing keys so given decide what verify_ledger trusts in
  -- those sessions (QA 16: invisible to drift), the others what pg_comply does there.
  SELECT 'setting', split_part(c, '=', 1) || ' for ' ||
           concat_ws(' in ', CASE WHEN d.setrole <> 0 THEN 'role ' || d.setrole::regrole::text END,
                     CASE WHEN d.setdatabase <> 0
                          THEN 'database ' || (SELECT quote_ident(db.datname) FROM pg_database db WHERE db.oid = d.setdatabase) END),
         comply._setting_fingerprint(split_part(c, '=', 1), substr(c, strpos(c, '=') + 1))
    FROM pg_db_role_setting d CROSS JOIN LATERAL unnest(d.setconfig) c
   WHERE c LIKE 'comply.%'
  UNION ALL
  SELECT 'hba', 'line ' || h.line_number,
         concat_ws(' ', h.type, array_to_string(h.database, ','), array_to_string(h.user_name, ','),
                   h.address, h.netmask, h.auth_method,
                   (SELECT string_agg(comply._hba_option_fingerprint(o), ',' ORDER BY n)
                      FROM unnest(h.options) WITH ORDINALITY u(o, n)))
    FROM pg_hba_file_rules h WHERE h.error IS NULL
  UNION ALL
  SELECT 'role', r.rolname,
         concat_ws(' ', CASE WHEN r.rolsuper THEN 'superuser' END,
                   CASE WHEN r.rolcreaterole THEN 'createrole' END,
                   CASE WHEN r.rolbypassrls THEN 'bypassrls' END,
                   'member of: ' || coalesce((SELECT string_agg(g.rolname, ',' ORDER BY g.rolname)
                                                FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid
                                               WHERE m.member = r.oid), ''))
    FROM pg_roles r WHERE r.rolname !~ '^pg_'
  UNION ALL
  SELECT 'function', p.oid::regprocedure::text, md5(pg_get_functiondef(p.oid))
    FROM pg_proc p WHERE p.pronamespace = 'comply'::regnamespace AND p.prokind IN ('f', 'p')
  UNION ALL
  -- Privileges, their grants sorted (the order of an ACL is that of the GRANTs), a NULL
  -- ACL as the defaults it stands for (a GRANT then REVOKE leaves them explicit).
  SELECT 'privilege', 'schema comply',
         (SELECT string_agg(a::text, ' ' ORDER BY a::text)
            FROM unnest(coalesce(n.nspacl, acldefault('n', n.nspowner))) a)
    FROM pg_namespace n WHERE n.nspname = 'comply'
  UNION ALL
  SELECT 'privilege', CASE c.relkind WHEN 'S' THEN 'sequence ' WHEN 'v' THEN 'view ' ELSE 'table ' END
                      || c.oid::regclass::text,
         (SELECT string_agg(a::text, ' ' ORDER BY a::text)
            FROM unnest(coalesce(c.relacl, acldefault((CASE c.relkind WHEN 'S' THEN 's' ELSE 'r' END)::"char",
                                                      c.relowner))) a)
    FROM pg_class c
   WHERE c.relnamespace = 'comply'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm', 'S')
  UNION ALL
  SELECT 'privilege', 'function ' || p.oid::regprocedure::text,
         (SELECT string_agg(a::text, ' ' ORDER BY a::text)
            FROM unnest(coalesce(p.proacl, acldefault('f', p.proowner))) a)
    FROM pg_proc p WHERE p.pronamespace = 'comply'::regnamespace AND p.prokind IN ('f', 'p')
  UNION ALL
  -- The extension's event triggers (the drift watch, the drop guard): enabled or not,
  -- the commands they fire for (one recreated to watch fewer is a difference), and their
  -- owner (who may disable or rename one: QA 16, a role given the drift watch while a
  -- superuser kept it after losing superuser).
  SELECT 'event_trigger', e.evtname,
         concat_ws(' ', e.evtevent, CASE e.evtenabled WHEN 'D' THEN 'disabled' WHEN 'O' THEN 'enabled'
                                                      WHEN 'R' THEN 'replica only' ELSE 'always' END,
                   e.evtfoid::regproc::text,
                   'tags: ' || coalesce((SELECT string_agg(t, ',' ORDER BY t) FROM unnest(e.evttags) t), 'all'),
                   'owner: ' || e.evtowner::regrole::text)
    FROM pg_event_trigger e
   WHERE EXISTS (SELECT 1 FROM pg_depend d
                  WHERE d.classid = 'pg_event_trigger'::regclass AND d.objid = e.oid
                    AND d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e')
  UNION ALL
  -- Triggers on the extension's own tables (the ledger's append-only guards, ...).
  SELECT 'trigger', t.tgname || ' on ' || t.tgrelid::regclass::text,
         CASE t.tgenabled WHEN 'D' THEN 'disabled' WHEN 'O' THEN 'enabled'
                          WHEN 'R' THEN 'replica only' ELSE 'always' END
    FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
   WHERE c.relnamespace = 'comply'::regnamespace AND NOT t.tgisinternal
  UNION ALL
  -- The secret files' settings, which pg_settings does not list (they are hidden), as
  -- this session has them (the worker's: the configuration's), hashed.
  SELECT 'setting', n.name,
         'sha256:' || encode(sha256(convert_to(coalesce(current_setting(n.name, true), ''), 'UTF8')), 'hex')
    FROM unnest(ARRAY['comply.hmac_key_file', 'comply.ledger_signing_key_file',
                      'comply.ai_api_key_file', 'comply.alert_webhook_url']) n(name)
   WHERE NOT EXISTS (SELECT 1 FROM pg_settings s WHERE s.name = n.name)
  UNION ALL
  -- The pseudonymization key (its identifier, not the key), and the ledger's signing
  -- key (its public key).
  SELECT 'key', 'pseudonymization key (comply.hmac_key_file)', comply._pseudonym_key_state()
  UNION ALL
  SELECT 'key', 'ledger signing key (comply.ledger_signing_key_file)', comply._ledger_key_state()
  UNION ALL
  -- The registered JSON Schemas, the rules CHECK constraints and policies validate
  -- with: one replaced (loosened to true), added or deleted, by comply.register_schema or
  -- by a write to comply.schemas, is a difference, as a disabled trigger is.
  SELECT 'schema', s.name, 'sha256:' || encode(sha256(convert_to(s.schema::text, 'UTF8')), 'hex')
    FROM comply.schemas s
$$;
COMMENT ON FUNCTION comply._current_state() IS
  'The fingerprints comply.drift() compares with comply.baseline';
REVOKE ALL ON FUNCTION comply._current_state() FROM PUBLIC;

CREATE FUNCTION comply.snapshot_baseline() RETURNS bigint
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp SET quote_all_identifiers = off AS $$
DECLARE
  n bigint;
BEGIN
  -- Said plainly, rather than by the first statement that writes (a standby too).
  IF current_setting('transaction_read_only')::boolean THEN
    RAISE EXCEPTION 'cannot execute comply.snapshot_baseline() in a read-only transaction' USING ERRCODE = 'read_only_sql_transaction';
  END IF;
  DELETE FROM comply.baseline;
  DELETE FROM comply.drift_reported;
  INSERT INTO comply.baseline (kind, object, fingerprint)
  SELECT s.kind, s.object, s.fingerprint FROM comply._current_state() s;
  GET DIAGNOSTICS n = ROW_COUNT;
  PERFORM comply._audit_as_caller('baseline', 'comply.baseline', jsonb_build_object('items', n),
                                  jsonb_build_object('by', session_user::text));
  RETURN n;
END $$;
COMMENT ON FUNCTION comply.snapshot_baseline() IS
  'Records the current settings, pg_hba rules, role memberships and function definitions as the expected state';

CREATE FUNCTION comply.drift()
  RETURNS TABLE(kind text, object text, expected text, actual text)
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp SET quote_all_identifiers = off AS $$
  SELECT coalesce(b.kind, c.kind), coalesce(b.object, c.object), b.fingerprint, c.fingerprint
    FROM comply.baseline b
    FULL JOIN comply._current_state() c ON c.kind = b.kind AND c.object = b.object
   WHERE EXISTS (SELECT 1 FROM comply.baseline)
     AND b.fingerprint IS DISTINCT FROM c.fingerprint
   ORDER BY 1, 2
$$;
COMMENT ON FUNCTION comply.drift() IS
  'Differences between the baseline and now: a changed, added (expected NULL) or removed (actual NULL) item';

-- Run by the job worker: records each new difference once, as drift.
CREATE FUNCTION comply._drift_check() RETURNS int
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp SET quote_all_identifiers = off AS $$
DECLARE
  d record;
  n int := 0;
  current_drift jsonb;
BEGIN
  SELECT coalesce(jsonb_agg(to_jsonb(x)), '[]') INTO current_drift FROM comply.drift() x;
  -- A difference gone (put back as the baseline has it) is forgotten: if it comes back,
  -- it is recorded and alerted again.
  DELETE FROM comply.drift_reported r
   WHERE NOT EXISTS (SELECT 1 FROM jsonb_array_elements(current_drift) e
                      WHERE e ->> 'kind' = r.kind AND e ->> 'object' = r.object);
  FOR d IN SELECT e ->> 'kind' AS kind, e ->> 'object' AS object, e ->> 'expected' AS expected,
                  e ->> 'actual' AS actual
             FROM jsonb_array_elements(current_drift) e
            WHERE NOT EXISTS (SELECT 1 FROM comply.drift_reported r
                               WHERE r.kind = e ->> 'kind' AND r.object = e ->> 'object'
                                 AND r.actual IS NOT DISTINCT FROM e ->> 'actual') LOOP
    -- A role's entry names it by its OID too: two roles whose names redact alike (two
    -- e-mail addresses, "role [EMAIL_ADDRESS]") are told apart (QA 16).
    PERFORM comply._drift(d.kind || ' ' || d.object,
                          format('%s %s differs from the baseline', d.kind, d.object),
                          jsonb_build_object('kind', 'baseline', 'item', d.kind, 'object', d.object,
                                             'expected', d.expected, 'actual', d.actual)
                          || CASE WHEN d.kind = 'role' THEN
                               jsonb_strip_nulls(jsonb_build_object('role_oid',
                                 (SELECT r.oid::bigint FROM pg_roles r WHERE r.rolname = d.object)))
                             ELSE '{}' END);
    INSERT INTO comply.drift_reported (kind, object, actual) VALUES (d.kind, d.object, d.actual)
      ON CONFLICT ON CONSTRAINT drift_reported_pkey DO UPDATE SET actual = EXCLUDED.actual, reported_at = now();
    n := n + 1;
  END LOOP;
  RETURN n;
END $$;
COMMENT ON FUNCTION comply._drift_check() IS
  'Records each new difference from the baseline once while it lasts, as a ledger entry and an alert (the worker runs it); a difference put back is forgotten, and recorded again if it comes back';

REVOKE ALL ON FUNCTION comply.snapshot_baseline(), comply.drift(), comply._drift_check() FROM PUBLIC;

-- Whether a baseline was taken, and when: for comply.check_server(), which runs as its
-- caller (the baseline itself is not for ordinary roles to read).
CREATE FUNCTION comply._baseline_state(OUT items bigint, OUT taken_at timestamptz)
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  SELECT count(*), max(b.taken_at) FROM comply.baseline b
$$;
COMMENT ON FUNCTION comply._baseline_state() IS
  'How many items comply.baseline holds and when it was taken (for comply.check_server)';

