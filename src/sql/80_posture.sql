-- Server posture: settings and access rules that decide whether personal data is
-- protected in transit, at rest and in the server log.

CREATE FUNCTION comply._secret_file_problem(path text) RETURNS text
  AS 'MODULE_PATHNAME', 'comply_secret_file_problem'
  LANGUAGE C VOLATILE STRICT;
COMMENT ON FUNCTION comply._secret_file_problem(text) IS
  'NULL when path is a usable secret file (permissions as strict as ssl_key_file), else why not; superusers only';
REVOKE ALL ON FUNCTION comply._secret_file_problem(text) FROM PUBLIC;

-- The hand-over of records that must outlive their transaction (rejected rows, audited
-- reads) to this database's job worker, and whether its workers run: shared memory,
-- nothing secret.
CREATE FUNCTION comply._worker_status() RETURNS jsonb
  AS 'MODULE_PATHNAME', 'comply_worker_status'
  LANGUAGE C VOLATILE;
COMMENT ON FUNCTION comply._worker_status() IS
  'Whether pg_comply is preloaded, this database''s sealer and job worker run, its records waiting for the job worker, and the records lost since the server started';

-- The scheme of a URL, lower-cased (NULL if none).
CREATE FUNCTION comply._url_scheme(url text) RETURNS text
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
  SELECT lower(m[1] COLLATE "C") FROM regexp_match(url, E'^\\s*([A-Za-z][A-Za-z0-9+.-]*)://') m $$;
COMMENT ON FUNCTION comply._url_scheme(text) IS 'Scheme of a URL, lower-cased (NULL if none)';
-- How a URL pg_comply sends data to stands for TLS: pass (none set, or https), warn (plain
-- http to this machine), fail (plain http elsewhere, or not a URL). The host is the
-- URL's own, after any user part ("http://localhost@example.com" goes to example.com).
CREATE FUNCTION comply._url_tls_status(url text) RETURNS text
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
  SELECT CASE WHEN url = '' OR comply._url_scheme(url) = 'https' THEN 'pass'
              WHEN comply._url_scheme(url) = 'http'
                   AND comply._endpoint_host(url) IN ('127.0.0.1', 'localhost', '[::1]') THEN 'warn'
              ELSE 'fail' END $$;
COMMENT ON FUNCTION comply._url_tls_status(text) IS
  'pass (unset or https), warn (plain http to this machine) or fail (plain http elsewhere): the TLS posture of a URL pg_comply sends data to';

-- A setting's number as PostgreSQL reads it (0.0e0 is 0); NULL for what is not one.
CREATE FUNCTION comply._setting_number(value text) RETURNS float8
  LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  RETURN btrim(value)::float8;
EXCEPTION WHEN invalid_text_representation OR numeric_value_out_of_range THEN
  RETURN NULL;
END $$;
COMMENT ON FUNCTION comply._setting_number(text) IS
  'A setting''s value read as a number, as PostgreSQL reads it (NULL if it is not one)';

-- Whether a duration setting's value (log_min_duration_statement and the like, units
-- allowed) is off: below 0 once rounded as PostgreSQL rounds it, so -1 and -1ms are, and
-- -0 and -0.4 (read as 0: every statement) are not.
CREATE FUNCTION comply._setting_off(value text) RETURNS boolean
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
  SELECT coalesce(round(comply._setting_number(substring(value FROM E'^\\s*([-+]?[0-9]*\\.?[0-9]+(?:[eE][-+]?[0-9]+)?)'))) < 0,
                  false) $$;
COMMENT ON FUNCTION comply._setting_off(text) IS
  'Whether a duration setting''s value is off (below 0 once rounded, as PostgreSQL reads it)';

-- A boolean setting's value as PostgreSQL reads it: on, 1, or any prefix of true or yes.
CREATE FUNCTION comply._setting_true(value text) RETURNS boolean
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
  SELECT lower(btrim(value) COLLATE "C") IN ('on', '1', 't', 'tr', 'tru', 'true', 'y', 'ye', 'yes') $$;
COMMENT ON FUNCTION comply._setting_true(text) IS
  'Whether a boolean setting''s value reads as true, as PostgreSQL reads it (on, 1, a prefix of true or yes)';

-- The settings given on the server's command line (postgres -c name=value, --name=value,
-- -d N for log_min_messages; pg_ctl -o), from postmaster.opts in the data directory:
-- they outrank the configuration files, and pg_settings shows them only to a session
-- that does not override them. Needs pg_read_file (superuser or pg_read_server_files);
-- no rows when the file is missing. Each argument is double-quoted there, as the
-- postmaster writes it.
CREATE FUNCTION comply._command_line_settings()
  RETURNS TABLE(name text, value text, ord int)
  LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp SET standard_conforming_strings = on AS $$
DECLARE
  args text[];
  a text;
  i int := 1;  -- (the program before them is not quoted)
BEGIN
  SELECT array_agg(replace(m[1], '\"', '"') ORDER BY n) INTO args
    FROM regexp_matches(coalesce(pg_read_file('postmaster.opts', 0, 65536, true), ''), '"((?:[^"\\]|\\.)*)"', 'g')
         WITH ORDINALITY AS t(m, n);
  WHILE i <= coalesce(array_length(args, 1), 0) LOOP
    a := args[i];
    ord := i;
    IF a IN ('-c', '-d') AND i < array_length(args, 1) THEN
      i := i + 1;
      a := a || args[i];
    END IF;
    IF a ~ '^-c.+=' OR a ~ '^--.+=' THEN
      a := substr(a, 3);
      name := lower(replace(split_part(a, '=', 1), '-', '_'));
      value := substr(a, strpos(a, '=') + 1);
      RETURN NEXT;
    ELSIF a ~ '^-d\s*[0-9]{1,9}$' AND substring(a FROM '[0-9]+')::int > 0 THEN
      name := 'log_min_messages';
      value := 'debug' || least(substring(a FROM '[0-9]+')::int, 5);
      RETURN NEXT;
    END IF;
    i := i + 1;
  END LOOP;
END $$;
COMMENT ON FUNCTION comply._command_line_settings() IS
  'The settings given on the server''s command line, read from postmaster.opts (superuser or pg_read_server_files)';
REVOKE ALL ON FUNCTION comply._command_line_settings() FROM PUBLIC;

-- (standard_conforming_strings on: its patterns are written with backslashes, which a
-- session with it off would read as escapes, '\s' as 's'.)
CREATE FUNCTION comply.check_server()
  RETURNS TABLE(check_name text, status text, evidence jsonb)
  LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp SET quote_all_identifiers = off
  SET standard_conforming_strings = on AS $$
DECLARE
  is_super boolean := (SELECT rolsuper FROM pg_roles WHERE rolname = current_user);
  n bigint;
  rules jsonb;
  s text;
  problem text;
  w jsonb;
  cautions jsonb;
  given jsonb;
  files_unread boolean;
  -- The logging settings a role, a database or a session can set for itself.
  overridable constant text[] := ARRAY['log_statement', 'log_min_duration_statement', 'log_min_duration_sample',
                                       'log_statement_sample_rate', 'log_transaction_sample_rate',
                                       'log_min_error_statement', 'log_min_messages', 'log_error_verbosity',
                                       'debug_print_parse', 'debug_print_plan', 'debug_print_rewritten',
                                       'log_parameter_max_length_on_error'];
  explain_on boolean;  -- auto_explain's duration set, here or for some sessions
  protected boolean := EXISTS (SELECT 1 FROM comply.policies);
BEGIN
  -- Encryption in transit.
  check_name := 'ssl';
  status := CASE WHEN current_setting('ssl') = 'on' THEN 'pass' ELSE 'fail' END;
  evidence := jsonb_build_object('ssl', current_setting('ssl'));
  RETURN NEXT;

  check_name := 'ssl_min_protocol_version';
  BEGIN
    s := current_setting('ssl_min_protocol_version');
    status := CASE WHEN s IN ('TLSv1.2', 'TLSv1.3') THEN 'pass' ELSE 'fail' END;
    evidence := jsonb_build_object('ssl_min_protocol_version', s, 'required', 'TLSv1.2 or later');
  EXCEPTION WHEN insufficient_privilege THEN
    status := 'unknown';
    evidence := jsonb_build_object('reason', 'needs superuser or pg_read_all_settings');
  END;
  RETURN NEXT;

  check_name := 'connections_without_ssl';
  SELECT count(*) INTO n
    FROM pg_stat_activity a JOIN pg_stat_ssl l USING (pid)
   WHERE a.client_addr IS NOT NULL AND NOT l.ssl;
  -- Counts only: client addresses are personal data. A caller who sees only its own
  -- sessions cannot tell.
  IF is_super OR pg_has_role('pg_read_all_stats', 'member') THEN
    status := CASE WHEN n = 0 THEN 'pass' ELSE 'fail' END;
    evidence := jsonb_build_object('tcp_connections_without_ssl', n, 'visible', true);
  ELSE
    status := 'unknown';
    evidence := jsonb_build_object('visible', false,
                                   'reason', 'other sessions are visible to superusers and pg_read_all_stats only');
  END IF;
  -- And those pg_hba.conf lets in: a TCP rule (host, hostnossl) that does not reject
  -- takes a client that asks for no TLS (sslmode=disable), whether one is connected now
  -- or not. Lines and methods only (addresses and role names stay out). A file that did
  -- not load (pg_hba_methods) tells nothing of the rules in force.
  BEGIN
    SELECT coalesce(jsonb_agg(jsonb_build_object('line', line_number, 'type', type, 'method', auth_method)
                              ORDER BY line_number), '[]')
      INTO rules
      FROM pg_hba_file_rules
     WHERE type IN ('host', 'hostnossl') AND auth_method <> 'reject';
    IF NOT EXISTS (SELECT 1 FROM pg_hba_file_rules WHERE error IS NOT NULL AND type IS NULL) THEN
      evidence := evidence || jsonb_build_object('rules_without_ssl', rules);
      IF jsonb_array_length(rules) > 0 THEN
        status := 'fail';
      END IF;
    END IF;
  EXCEPTION WHEN insufficient_privilege THEN
    NULL;
  END;
  RETURN NEXT;

  -- Authentication.
  check_name := 'password_encryption';
  s := current_setting('password_encryption');
  status := CASE WHEN s = 'scram-sha-256' THEN 'pass' ELSE 'fail' END;
  evidence := jsonb_build_object('password_encryption', s);
  RETURN NEXT;

  check_name := 'pg_hba_methods';
  BEGIN
    SELECT coalesce(jsonb_agg(jsonb_build_object('line', line_number, 'type', type,
                                                 'database', database, 'user_name', user_name,
                                                 'method', auth_method) ORDER BY line_number),
                    '[]')
      INTO rules
      FROM pg_hba_file_rules
     WHERE auth_method IN ('trust', 'password', 'md5');
    -- A file with an error is not loaded: the server keeps the rules it read before,
    -- which this view does not show. Such a line has no rule (its type is NULL); a line
    -- with a note only ("hostssl record cannot match because SSL is disabled") is loaded
    -- with the others, a rule the view shows.
    SELECT count(*) INTO n FROM pg_hba_file_rules WHERE error IS NOT NULL AND type IS NULL;
    status := CASE WHEN jsonb_array_length(rules) > 0 THEN 'fail'
                   WHEN n > 0 THEN 'unknown'
                   ELSE 'pass' END;
    evidence := jsonb_build_object('weak_rules', rules, 'weak_methods', '["trust", "password", "md5"]'::jsonb);
    IF n > 0 THEN
      evidence := evidence || jsonb_build_object(
        'lines_with_errors', n,
        'reason', 'pg_hba.conf has errors, so it was not loaded: the rules in force are the ones read before, which cannot be seen');
    END IF;
  EXCEPTION WHEN insufficient_privilege THEN
    status := 'unknown';
    evidence := jsonb_build_object('reason', 'pg_hba_file_rules is readable by superusers only');
  END;
  RETURN NEXT;

  check_name := 'superusers';
  SELECT count(*) INTO n FROM pg_roles WHERE rolsuper;
  status := CASE WHEN n <= 1 THEN 'pass' ELSE 'warn' END;
  evidence := jsonb_build_object('superuser_roles', n);
  RETURN NEXT;

  -- Encryption and integrity at rest.
  check_name := 'data_checksums';
  status := CASE WHEN current_setting('data_checksums') = 'on' THEN 'pass' ELSE 'fail' END;
  evidence := jsonb_build_object('data_checksums', current_setting('data_checksums'));
  RETURN NEXT;

  -- The server log: settings that write statements (and the personal data in them).
  check_name := 'statement_logging';
  rules := '[]';
  cautions := '[]';
  IF current_setting('log_statement') IN ('all', 'mod') THEN
    rules := rules || jsonb_build_object('log_statement', current_setting('log_statement'));
  END IF;
  -- Settings with units are read in their base unit from pg_settings: current_setting
  -- says '250ms', which is no integer.
  IF (SELECT setting::int FROM pg_settings WHERE name = 'log_min_duration_statement') >= 0 THEN
    rules := rules || jsonb_build_object('log_min_duration_statement', current_setting('log_min_duration_statement'));
  END IF;
  IF (SELECT setting::int FROM pg_settings WHERE name = 'log_min_duration_sample') >= 0
     AND current_setting('log_statement_sample_rate')::float8 > 0 THEN
    rules := rules || jsonb_build_object('log_min_duration_sample', current_setting('log_min_duration_sample'));
  END IF;
  -- A sampled transaction has every one of its statements logged, whatever their duration.
  IF current_setting('log_transaction_sample_rate')::float8 > 0 THEN
    rules := rules || jsonb_build_object('log_transaction_sample_rate', current_setting('log_transaction_sample_rate'));
  END IF;
  -- auto_explain logs the statements it explains, literals and all (and the plans, whose
  -- filters quote them). Its setting is read as the configuration gives it even in a
  -- session that has not loaded it (a role may load it for its own sessions only).
  explain_on := NOT comply._setting_off(coalesce(nullif(btrim(current_setting('auto_explain.log_min_duration', true)), ''), '-1'));
  IF explain_on THEN
    rules := rules || jsonb_build_object('auto_explain.log_min_duration',
                                         current_setting('auto_explain.log_min_duration', true));
  END IF;
  -- Any level but panic adds the statement to the messages it lets through: an error's,
  -- a FATAL's (a session terminated mid-statement), a LOG's (a lock wait, a temporary
  -- file).
  IF current_setting('log_min_error_statement') <> 'panic' THEN
    rules := rules || jsonb_build_object('log_min_error_statement', current_setting('log_min_error_statement'));
  END IF;
  -- DEBUG2 and below log each statement as it is parsed, bound and executed.
  IF current_setting('log_min_messages') IN ('debug5', 'debug4', 'debug3', 'debug2') THEN
    rules := rules || jsonb_build_object('log_min_messages', current_setting('log_min_messages'));
  END IF;
  IF (SELECT setting::int FROM pg_settings WHERE name = 'log_parameter_max_length') <> 0
     AND current_setting('log_statement') <> 'none' THEN
    rules := rules || jsonb_build_object('log_parameter_max_length', current_setting('log_parameter_max_length'));
  END IF;
  -- An error of an extended-protocol statement lists its bind parameters, the values, in
  -- its CONTEXT ("unnamed portal with parameters: $1 = '...'"), to the log and the client.
  IF (SELECT setting::int FROM pg_settings WHERE name = 'log_parameter_max_length_on_error') <> 0 THEN
    rules := rules || jsonb_build_object('log_parameter_max_length_on_error',
                                         current_setting('log_parameter_max_length_on_error'));
  END IF;
  IF current_setting('debug_print_parse') = 'on' OR current_setting('debug_print_plan') = 'on'
     OR current_setting('debug_print_rewritten') = 'on' THEN
    rules := rules || jsonb_build_object('debug_print', 'on');
  END IF;
  -- log_statement = ddl logs CREATE TABLE ... AS SELECT and SELECT INTO with their
  -- literals, and a DEFAULT or USING expression; pg_stat_statements keeps utility
  -- statements (DO, CALL, COPY, EXPLAIN) unnormalized, for pg_read_all_stats to read.
  IF current_setting('log_statement') = 'ddl' THEN
    cautions := cautions || jsonb_build_object('log_statement', 'ddl');
  END IF;
  IF current_setting('pg_stat_statements.track_utility', true) = 'on' THEN
    cautions := cautions || jsonb_build_object('pg_stat_statements.track_utility', 'on');
  END IF;
  -- A role granted SET on a logging setting (GRANT SET ON PARAMETER) can log its own
  -- statements. Which role is not shown.
  SELECT rules || coalesce(jsonb_agg(DISTINCT jsonb_build_object('set_granted_on_parameter', p.parname::text)), '[]')
    INTO rules
    FROM pg_parameter_acl p, aclexplode(p.paracl) a
   WHERE a.privilege_type IN ('SET', 'ALTER SYSTEM')
     AND p.parname IN ('log_statement', 'log_min_duration_statement', 'log_min_duration_sample',
                       'log_statement_sample_rate', 'log_transaction_sample_rate', 'log_min_error_statement',
                       'log_min_messages', 'log_parameter_max_length', 'log_parameter_max_length_on_error',
                       'debug_print_parse', 'debug_print_plan', 'debug_print_rewritten',
                       'auto_explain.log_min_duration', 'session_preload_libraries');
  -- The same settings given to a role or a database (ALTER ROLE ... SET, ALTER DATABASE
  -- ... SET) apply to their sessions only, and current_setting does not see them; and
  -- where this session's own value comes from such a setting (a monitoring role that
  -- logs nothing, say), the configuration files' value, which every other session has,
  -- is read too. Which role or database is not shown (a role may be named after a person).
  given := '[]';
  BEGIN
    SELECT coalesce(jsonb_agg(jsonb_build_object(
             'name', lower(split_part(c, '=', 1) COLLATE "C"), 'value', substr(c, strpos(c, '=') + 1),
             'set_for', CASE WHEN d.setrole <> 0 AND d.setdatabase <> 0 THEN 'a role in a database'
                             WHEN d.setrole <> 0 THEN 'a role' ELSE 'a database' END)), '[]')
      INTO given
      FROM pg_db_role_setting d, unnest(d.setconfig) c;
  EXCEPTION WHEN insufficient_privilege THEN
    NULL;
  END;
  -- (Read by a superuser only: for another caller whose own session overrides one of
  -- these, the check cannot tell what other sessions have, and says unknown.)
  files_unread := false;
  BEGIN
    SELECT given || coalesce(jsonb_agg(jsonb_build_object(
             'name', g.name,
             'value', coalesce((SELECT o.value FROM comply._command_line_settings() o
                                 WHERE o.name = g.name ORDER BY o.ord DESC LIMIT 1),
                               (SELECT f.setting FROM pg_file_settings f
                                 WHERE f.name = g.name AND f.applied ORDER BY f.seqno DESC LIMIT 1),
                               g.boot_val, '-1'),
             'set_for', 'the server')), '[]')
      INTO given
      FROM pg_settings g
     WHERE g.source IN ('user', 'database', 'database user', 'session', 'client') AND g.name = ANY (overridable);
  EXCEPTION WHEN insufficient_privilege THEN
    files_unread := EXISTS (SELECT 1 FROM pg_settings g
                             WHERE g.source IN ('user', 'database', 'database user', 'session', 'client')
                               AND g.name = ANY (overridable));
  END;
  explain_on := explain_on OR EXISTS (SELECT 1 FROM jsonb_to_recordset(given) x(name text, value text)
                                       WHERE x.name = 'auto_explain.log_min_duration'
                                         AND NOT comply._setting_off(x.value));
  -- Values as PostgreSQL reads them: a duration below 0 is off (-1, -1ms), a rate is a
  -- number (0.0e0 is 0), a boolean any prefix of true, yes or on, 1; 'debug' is debug2.
  SELECT rules || coalesce(jsonb_agg(DISTINCT jsonb_build_object(g.name, g.value, 'set_for', g.set_for)), '[]')
    INTO rules
    FROM jsonb_to_recordset(given) g(name text, value text, set_for text)
   WHERE CASE g.name
           WHEN 'log_statement' THEN lower(btrim(g.value) COLLATE "C") IN ('all', 'mod')
           WHEN 'log_min_duration_statement' THEN NOT comply._setting_off(g.value)
           WHEN 'log_min_duration_sample' THEN NOT comply._setting_off(g.value)
           -- (a sample rate matters where statements are sampled by duration)
           WHEN 'log_statement_sample_rate' THEN comply._setting_number(g.value) <> 0
             AND ((SELECT setting::int FROM pg_settings WHERE name = 'log_min_duration_sample') >= 0
                  OR EXISTS (SELECT 1 FROM jsonb_to_recordset(given) x(name text, value text)
                              WHERE x.name = 'log_min_duration_sample' AND NOT comply._setting_off(x.value)))
           WHEN 'log_transaction_sample_rate' THEN comply._setting_number(g.value) <> 0
           WHEN 'auto_explain.log_min_duration' THEN NOT comply._setting_off(g.value)
           WHEN 'log_min_error_statement' THEN lower(btrim(g.value) COLLATE "C") <> 'panic'
           WHEN 'log_min_messages' THEN lower(btrim(g.value) COLLATE "C") IN ('debug5', 'debug4', 'debug3', 'debug2', 'debug')
           -- (0 is off; -1 is every byte, a length, units allowed, that many)
           WHEN 'log_parameter_max_length_on_error' THEN
             coalesce(round(comply._setting_number(substring(g.value FROM E'^\\s*([-+]?[0-9]*\\.?[0-9]+)'))), 0) <> 0
           WHEN 'debug_print_parse' THEN comply._setting_true(g.value)
           WHEN 'debug_print_plan' THEN comply._setting_true(g.value)
           WHEN 'debug_print_rewritten' THEN comply._setting_true(g.value)
           -- auto_explain loaded for some sessions only, with a duration set for them or
           -- in the configuration
           WHEN 'session_preload_libraries' THEN g.value ~* 'auto_explain' AND explain_on
           WHEN 'local_preload_libraries' THEN g.value ~* 'auto_explain' AND explain_on
           ELSE false END;
  SELECT cautions || coalesce(jsonb_agg(DISTINCT jsonb_build_object('log_statement', 'ddl', 'set_for', g.set_for)), '[]')
    INTO cautions
    FROM jsonb_to_recordset(given) g(name text, value text, set_for text)
   WHERE g.name = 'log_statement' AND lower(btrim(g.value) COLLATE "C") = 'ddl';
  status := CASE WHEN jsonb_array_length(rules) > 0 THEN 'fail'
                 WHEN files_unread THEN 'unknown'
                 WHEN jsonb_array_length(cautions) > 0 THEN 'warn' ELSE 'pass' END;
  evidence := jsonb_build_object('settings_that_log_statements', rules,
                                 'settings_that_may_log_statements', cautions)
              || CASE WHEN files_unread AND jsonb_array_length(rules) = 0
                      THEN jsonb_build_object('reason', 'this session''s own logging settings come from a role or database setting, and the configuration files that other sessions follow are readable by superusers only')
                      ELSE '{}' END;
  RETURN NEXT;

  -- The server log again: PostgreSQL's own errors carry row values in their DETAIL
  -- ("Key (email)=(...) already exists", "Failing row contains (...)"), which the log
  -- keeps unless errors are not logged at all or log_error_verbosity is terse; csvlog
  -- and jsonlog write the DETAIL whatever the verbosity. Read for this session, for the
  -- roles and databases that set them, and for the server where this session overrides
  -- them, as above.
  check_name := 'error_details_logging';
  s := current_setting('log_destination');
  rules := '[]';
  SELECT coalesce(jsonb_agg(DISTINCT jsonb_build_object('log_min_messages', g.value, 'set_for', g.set_for)), '[]')
    INTO w
    FROM jsonb_to_recordset(given) g(name text, value text, set_for text)
   WHERE g.name = 'log_min_messages' AND lower(btrim(g.value) COLLATE "C") NOT IN ('log', 'fatal', 'panic');
  IF current_setting('log_min_messages') NOT IN ('log', 'fatal', 'panic') OR jsonb_array_length(w) > 0 THEN
    IF current_setting('log_error_verbosity') <> 'terse' THEN
      rules := rules || jsonb_build_object('log_error_verbosity', current_setting('log_error_verbosity'));
    END IF;
    SELECT rules || coalesce(jsonb_agg(DISTINCT jsonb_build_object('log_error_verbosity', g.value, 'set_for', g.set_for)), '[]')
      INTO rules
      FROM jsonb_to_recordset(given) g(name text, value text, set_for text)
     WHERE g.name = 'log_error_verbosity' AND lower(btrim(g.value) COLLATE "C") <> 'terse';
    IF s ~* '(csvlog|jsonlog)' THEN
      rules := rules || jsonb_build_object('log_destination', s);
    END IF;
  END IF;
  -- Terse as it may be, an error's message itself can quote a value: the input a type
  -- refused ('invalid input syntax for type integer: "..."', 'value "..." is out of
  -- range'), a stored one a cast failed on. Only errors left out of the log keep those
  -- out: a warning otherwise.
  status := CASE WHEN jsonb_array_length(rules) > 0 THEN 'fail'
                 WHEN current_setting('log_min_messages') NOT IN ('log', 'fatal', 'panic')
                      OR jsonb_array_length(w) > 0 THEN 'warn'
                 WHEN files_unread THEN 'unknown'
                 ELSE 'pass' END;
  evidence := jsonb_build_object('settings_that_log_error_details', rules,
                                 'log_min_messages', current_setting('log_min_messages'),
                                 'errors_logged_for', w,
                                 'required', 'log_error_verbosity = terse with stderr or syslog only, or log_min_messages above error',
                                 'remaining', CASE status
                                   WHEN 'fail' THEN 'errors reach the server log with their DETAIL and CONTEXT, which quote the rows and values they refused: log_error_verbosity terse with stderr or syslog only, or log_min_messages above error, keeps those out'
                                   WHEN 'warn' THEN 'errors are logged, and the message of an error may quote the value it refused (invalid input syntax, a value out of range); only log_min_messages above error keeps them out of the log' END);
  RETURN NEXT;

  -- application_name is any client's text (a role sets it for itself, a database owner
  -- for every session of the database), which the ledger stores redacted; the server
  -- log writes it as given: on every line with %a in log_line_prefix, in every csvlog
  -- and jsonlog record, and in each "connection authorized" line with log_connections.
  -- A warning: what an application puts there is up to it.
  check_name := 'application_name_logging';
  rules := '[]';
  -- (%% is a literal percent sign: "%%a" writes "%a", not the name.)
  IF regexp_replace(current_setting('log_line_prefix'), '%%', '', 'g') ~ '%-?[0-9]*a' THEN
    rules := rules || jsonb_build_object('log_line_prefix', current_setting('log_line_prefix'));
  END IF;
  IF current_setting('log_destination') ~* '(csvlog|jsonlog)' THEN
    rules := rules || jsonb_build_object('log_destination', current_setting('log_destination'));
  END IF;
  IF current_setting('log_connections') = 'on' THEN
    rules := rules || jsonb_build_object('log_connections', 'on');
  END IF;
  status := CASE WHEN jsonb_array_length(rules) > 0 THEN 'warn' ELSE 'pass' END;
  evidence := jsonb_build_object('settings_that_log_application_name', rules,
                                 'remaining', CASE WHEN status = 'warn' THEN 'application_name is set by each client as it likes and written to the server log as given (pg_comply''s ledger stores it redacted): keep personal data out of it, or these settings off' END);
  RETURN NEXT;

  -- Protected tables must not be open to PUBLIC.
  -- The background workers this database relies on: the sealer (or entries stay
  -- unsealed), and the job worker, through which rejected rows and audited reads reach
  -- the ledger (their own transactions roll back or cannot write), alerts are delivered
  -- and classification jobs run. Without pg_comply preloaded those records are lost,
  -- each a LOG line and counted here; without a job worker they wait, in shared memory
  -- and then on disk, for comply.run_jobs(). A sealing left to comply.seal() (ledger_worker off) is a warning.
  check_name := 'workers';
  w := comply._worker_status();
  rules := '[]';
  IF NOT (w ->> 'preloaded')::boolean THEN
    rules := rules || to_jsonb('pg_comply is not in shared_preload_libraries: no sealer and no job worker run'::text);
  ELSIF pg_is_in_recovery() THEN
    -- A standby writes nothing: no worker runs there, and none is needed (its primary's
    -- seal the ledger and write the records it receives). No problem to report.
    NULL;
  ELSIF (SELECT datistemplate OR NOT datallowconn FROM pg_database WHERE datname = current_database()) THEN
    -- (A worker connected there would make every CREATE DATABASE from it fail.)
    rules := rules || to_jsonb('this database is a template or does not allow connections: no worker runs in it (comply.seal() seals, comply.run_jobs() writes its records)'::text);
  ELSE
    IF current_setting('comply.ai_worker') = 'off' THEN
      rules := rules || to_jsonb('comply.ai_worker is off: rejected rows and audited reads wait (in shared memory, then on disk) for comply.run_jobs() to reach the ledger'::text);
    ELSIF NOT (w ->> 'job_worker')::boolean THEN
      rules := rules || to_jsonb('no job worker runs for this database (see the server log; max_worker_processes?)'::text);
    END IF;
    IF current_setting('comply.ledger_worker') = 'on' AND NOT (w ->> 'sealer')::boolean THEN
      rules := rules || to_jsonb('no sealer runs for this database (see the server log; max_worker_processes?)'::text);
    END IF;
    IF (w ->> 'records_lost')::bigint > 0 THEN
      rules := rules || to_jsonb(format('%s records (rejected rows, audited reads, provider calls) could not be handed to a job worker since the server started (all databases)',
                                        w ->> 'records_lost'));
    END IF;
  END IF;
  status := CASE WHEN jsonb_array_length(rules) > 0 AND (protected OR (w ->> 'records_lost')::bigint > 0) THEN 'fail'
                 WHEN jsonb_array_length(rules) > 0 THEN 'warn'
                 WHEN current_setting('comply.ledger_worker', true) = 'off' THEN 'warn'
                 ELSE 'pass' END;
  evidence := jsonb_build_object('problems', rules, 'ledger_worker', current_setting('comply.ledger_worker', true),
                                 'ai_worker', current_setting('comply.ai_worker', true)) || w;
  IF pg_is_in_recovery() AND (w ->> 'preloaded')::boolean THEN
    evidence := evidence || jsonb_build_object('standby', 'this server is a standby: no worker runs here, its primary''s seal the ledger and write its records');
  END IF;
  RETURN NEXT;

  -- A logical replication subscription writes its tables through its apply worker, in
  -- replica mode and below the executor: ordinary (ENABLE) triggers do not fire there,
  -- nor do the executor hooks that record other replica-mode writes. So a protected
  -- table a subscription writes stores what arrives, unvalidated, untransformed and
  -- unaudited, unless its protect triggers are enabled ALWAYS.
  check_name := 'replication_into_protected_tables';
  SELECT coalesce(jsonb_agg(DISTINCT jsonb_build_object('table', sr.srrelid::regclass::text,
                                                        'subscription', sub.subname::text)), '[]')
    INTO rules
    FROM pg_subscription_rel sr
    JOIN pg_subscription sub ON sub.oid = sr.srsubid
   WHERE EXISTS (SELECT 1 FROM comply.policies c
                  WHERE c.table_name = sr.srrelid
                     OR c.table_name IN (SELECT pg_partition_ancestors(sr.srrelid)))
     AND comply._replicated_past_policy(sr.srrelid);
  status := CASE WHEN jsonb_array_length(rules) = 0 THEN 'pass' ELSE 'fail' END;
  evidence := jsonb_build_object('tables_written_past_their_policy', rules,
                                 'required', 'ALTER TABLE ... ENABLE ALWAYS TRIGGER comply_protect_before, comply_protect_after and comply_protect_truncate on protected tables a subscription writes, and on their partitions (or protect the publisher''s table and unprotect the subscriber''s)');
  RETURN NEXT;

  -- pg_comply's own tables replicated: a FOR ALL TABLES publication includes them, and a
  -- subscriber with pg_comply then receives another database's ledger, policies and
  -- queues into its own (the ids collide with its own appends, its apply worker stops at
  -- the first one, its sealer seals the other database's entries into its own chain; a
  -- policy row names a table whose triggers it does not have). Each database's ledger
  -- is its own: publish the tables a subscriber needs by name or by schema.
  check_name := 'replication_of_pg_comply_tables';
  SELECT coalesce(jsonb_agg(DISTINCT p.pubname::text), '[]') INTO rules
    FROM pg_publication_tables p WHERE p.schemaname = 'comply';
  SELECT coalesce(jsonb_agg(DISTINCT sub.subname::text), '[]') INTO w
    FROM pg_subscription_rel sr JOIN pg_subscription sub ON sub.oid = sr.srsubid
   WHERE comply._is_own_table(sr.srrelid);
  status := CASE WHEN jsonb_array_length(rules) + jsonb_array_length(w) = 0 THEN 'pass' ELSE 'fail' END;
  evidence := jsonb_build_object('publications_of_pg_comply_tables', rules,
                                 'subscriptions_into_pg_comply_tables', w,
                                 'required', 'publish the tables a subscriber needs by name or by schema (FOR TABLE, FOR TABLES IN SCHEMA), not FOR ALL TABLES: pg_comply''s ledger, policies and queues are each database''s own');
  RETURN NEXT;

  -- Drift from the expected state is found only against a baseline: without one (never
  -- taken, or not carried over by a dump and restore: it describes its server), the
  -- worker and comply.drift() compare nothing.
  check_name := 'drift_baseline';
  SELECT b.items, b.taken_at INTO n, w FROM (SELECT items, to_jsonb(taken_at) AS taken_at FROM comply._baseline_state()) b;
  status := CASE WHEN n > 0 THEN 'pass' ELSE 'warn' END;
  evidence := jsonb_strip_nulls(jsonb_build_object('items', n, 'taken_at', w,
                'required', CASE WHEN n = 0 THEN 'SELECT comply.snapshot_baseline() once the server is as it should be' END));
  RETURN NEXT;

  check_name := 'public_privileges_on_protected_tables';
  SELECT coalesce(jsonb_agg(jsonb_build_object('table', p.table_name::text, 'privileges', pr.privs)
                            ORDER BY p.table_name::text), '[]')
    INTO rules
    FROM comply.policies p
    CROSS JOIN LATERAL (
      SELECT array_agg(x.priv ORDER BY x.priv) AS privs
        FROM unnest(ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE']) AS x(priv)
       -- on the table or on any of its columns (GRANT SELECT (col) TO PUBLIC), or on any
       -- of its partitions (whose rows can be read directly)
       WHERE EXISTS (SELECT 1
                       FROM (SELECT p.table_name::oid AS rel
                             UNION SELECT r.relid FROM comply._partition_tree(p.table_name) r) t
                      WHERE CASE WHEN x.priv IN ('SELECT', 'INSERT', 'UPDATE')
                                 THEN has_any_column_privilege('public', t.rel, x.priv)
                                 ELSE has_table_privilege('public', t.rel, x.priv) END)) pr
   WHERE pr.privs IS NOT NULL;
  status := CASE WHEN jsonb_array_length(rules) = 0 THEN 'pass' ELSE 'fail' END;
  evidence := jsonb_build_object('tables_open_to_public', rules);
  RETURN NEXT;

  -- The extension's own secrets: configured, and files as strict as ssl_key_file.
  FOR check_name, s IN VALUES ('hmac_key_file', 'comply.hmac_key_file'),
                              ('ledger_signing_key_file', 'comply.ledger_signing_key_file'),
                              ('ai_api_key_file', 'comply.ai_api_key_file') LOOP
    IF NOT is_super THEN
      status := 'unknown';
      evidence := jsonb_build_object('setting', s, 'reason', 'visible to superusers only');
    ELSIF coalesce(current_setting(s, true), '') = '' THEN
      status := CASE WHEN s = 'comply.ai_api_key_file' AND coalesce(current_setting('comply.ai_endpoint', true), '') = ''
                     THEN 'pass' ELSE 'warn' END;
      evidence := jsonb_build_object('setting', s, 'configured', false);
    ELSE
      problem := comply._secret_file_problem(current_setting(s));
      status := CASE WHEN problem IS NULL THEN 'pass' ELSE 'fail' END;
      evidence := jsonb_strip_nulls(jsonb_build_object('setting', s, 'configured', true, 'problem', problem));
    END IF;
    check_name := 'secret:' || check_name;
    RETURN NEXT;
  END LOOP;

  check_name := 'ai_endpoint_tls';
  s := coalesce(current_setting('comply.ai_endpoint', true), '');
  status := comply._url_tls_status(s);
  evidence := jsonb_build_object('scheme', comply._url_scheme(s), 'host', comply._endpoint_host(s));
  RETURN NEXT;

  -- The alert webhook: its URL's path is often its secret (an incoming-webhook token),
  -- which plain http sends in clear. Only scheme and host are shown.
  check_name := 'alert_webhook_tls';
  IF NOT is_super THEN
    status := 'unknown';
    evidence := jsonb_build_object('setting', 'comply.alert_webhook_url', 'reason', 'visible to superusers only');
  ELSE
    s := coalesce(current_setting('comply.alert_webhook_url', true), '');
    status := comply._url_tls_status(s);
    evidence := jsonb_build_object('configured', s <> '', 'scheme', comply._url_scheme(s),
                                   'host', comply._endpoint_host(s));
  END IF;
  RETURN NEXT;

  -- Alerts reach someone: none waiting behind a webhook that keeps failing (three
  -- attempts, or a quarter of an hour: the backoff is at most five minutes but for a
  -- receiver's Retry-After), and a webhook to post them to. The evidence counts them and
  -- names the errors (an HTTP status, a connection error), never what the alerts say.
  check_name := 'alert_delivery';
  IF NOT has_table_privilege('comply.alerts', 'SELECT') THEN
    status := 'unknown';
    evidence := jsonb_build_object('reason', 'comply.alerts is not readable by this role');
  ELSE
    given := CASE WHEN is_super OR pg_has_role('pg_read_all_settings', 'USAGE')
                  THEN to_jsonb(coalesce(current_setting('comply.alert_webhook_url', true), '') <> '') END;
    SELECT jsonb_build_object(
             'undelivered', count(*),
             'failing', count(*) FILTER (WHERE a.attempts >= 3 OR (a.raised_at < now() - interval '15 minutes'
                                                                   AND coalesce(given = 'true', a.attempts > 0))),
             'oldest_raised_at', min(a.raised_at),
             'most_attempts', coalesce(max(a.attempts), 0),
             'last_errors', coalesce((SELECT jsonb_agg(DISTINCT b.last_error) FROM comply.alerts b
                                       WHERE b.delivered_at IS NULL AND b.dismissed_at IS NULL
                                         AND b.last_error IS NOT NULL), '[]'))
      INTO w
      FROM comply.alerts a WHERE a.delivered_at IS NULL AND a.dismissed_at IS NULL;
    status := CASE WHEN (w ->> 'failing')::bigint > 0 THEN 'fail'
                   WHEN given = 'false' AND (w ->> 'undelivered')::bigint > 0 THEN 'warn'
                   -- Never tried for a quarter of an hour, and whether a webhook is set is
                   -- not for this role to see: no webhook, or no job worker.
                   WHEN given IS NULL AND EXISTS (SELECT 1 FROM comply.alerts a
                                                   WHERE a.delivered_at IS NULL AND a.dismissed_at IS NULL
                                                     AND a.attempts = 0 AND a.raised_at < now() - interval '15 minutes')
                     THEN 'unknown'
                   ELSE 'pass' END;
    evidence := w || jsonb_build_object('webhook_configured', given,
                                        'remaining', CASE status
                                          WHEN 'fail' THEN 'alerts are not reaching the webhook: mend the receiver or comply.alert_webhook_url; comply.dismiss_alert ends the delivery of one it refuses for good'
                                          WHEN 'warn' THEN 'comply.alert_webhook_url is empty: alerts reached only the sessions listening on comply_alerts when they were raised' END);
  END IF;
  RETURN NEXT;
END $$;
COMMENT ON FUNCTION comply.check_server() IS
  'Server posture: SSL, TLS version, clients without SSL, password encryption, weak pg_hba rules, superusers, data checksums, statement logging, error details in the log, pg_comply''s workers, replication into protected tables, replication of pg_comply''s own tables, drift baseline taken, PUBLIC on protected tables, secret files, AI endpoint and alert webhook TLS, alerts delivered';

-- Column encryption: is a value ciphertext? By structure (pgcrypto's OpenPGP messages,
-- armored or binary), then known formats that only look random (compressed data,
-- images), then text, then byte statistics.
CREATE FUNCTION comply.is_encrypted(value bytea) RETURNS boolean
  AS 'MODULE_PATHNAME', 'comply_is_encrypted'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION comply.is_encrypted(bytea) IS
  'True if the value is ciphertext (OpenPGP message, block-cipher output, random-looking bytes); compressed data, images, text and JSON are not';

CREATE FUNCTION comply.is_encrypted(value text) RETURNS boolean
  AS 'MODULE_PATHNAME', 'comply_is_encrypted'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION comply.is_encrypted(text) IS
  'True if the text is ciphertext: an armored OpenPGP message, or hex or base64 of ciphertext';

CREATE FUNCTION comply.check_encryption(tbl regclass, col name, sample_rows int DEFAULT 1000)
  RETURNS TABLE(verdict text, encrypted_share float8, sample_size int, evidence jsonb)
  AS 'MODULE_PATHNAME', 'comply_check_encryption'
  LANGUAGE C VOLATILE;
COMMENT ON FUNCTION comply.check_encryption(regclass, name, int) IS
  'Samples a bytea or text column and judges it: encrypted, not_encrypted, partially_encrypted, undetermined or no_data, with the share of ciphertext and evidence (formats, entropy; never values)';
