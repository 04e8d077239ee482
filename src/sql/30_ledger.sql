-- The tamper-evident audit ledger: append-only entries, sealed into hash-chained,
-- optionally signed blocks.

CREATE TABLE comply.audit_log (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  logged_at timestamptz NOT NULL,
  session_user_name text NOT NULL,
  current_user_name text NOT NULL,
  application_name text,
  client_addr inet,
  xid xid8 NOT NULL,
  action text NOT NULL,
  object text,
  details jsonb NOT NULL
);
COMMENT ON TABLE comply.audit_log IS
  'Audit entries, appended by comply.audit() and comply.audit_trigger(); sealed into comply.ledger_blocks';

CREATE TABLE comply.ledger_blocks (
  block_no bigint PRIMARY KEY CHECK (block_no >= 1),  -- block 1 starts the chain
  sealed_at timestamptz NOT NULL,
  sealed_at_us bigint NOT NULL,
  entry_count int NOT NULL,
  merkle_root bytea NOT NULL,
  prev_hash bytea NOT NULL,
  block_hash bytea NOT NULL,
  node_id text NOT NULL,
  snapshot_xmin xid8 NOT NULL,
  signature bytea,
  -- The raw Ed25519 public key of the key that signed the block (NULL when unsigned),
  -- so that blocks signed before a key rotation still verify: comply.verify_ledger
  -- accepts the current key and those listed in comply.ledger_trusted_keys.
  signer_key bytea,
  encoding_version smallint NOT NULL
);
COMMENT ON TABLE comply.ledger_blocks IS
  'Sealed blocks: Merkle root of their entries, chained to the previous block, signed when a key is set';

-- The explicit record of what is sealed: one row per sealed entry. block_no names a row
-- of comply.ledger_blocks, inserted by the same transaction; there is no foreign key:
-- its check, a query per sealed entry, was the largest part of sealing, and
-- comply.verify_ledger() reports a record whose block does not exist.
CREATE TABLE comply.ledger_entries (
  entry_id bigint PRIMARY KEY,
  block_no bigint NOT NULL,
  leaf_index int NOT NULL,
  entry_hash bytea NOT NULL,
  UNIQUE (block_no, leaf_index)
);
COMMENT ON TABLE comply.ledger_entries IS
  'Which block seals each entry, at which leaf, with the entry hash sealed';

-- Archives: blocks whose entries comply.archive_ledger() removed once they were older
-- than comply.ledger_retention (after an export kept elsewhere). The blocks stay, so the
-- chain, the signatures and digests taken earlier still verify; each archive is also a
-- ledger entry ('ledger.archived'), which comply.verify_ledger() checks against it.
CREATE TABLE comply.ledger_archives (
  through_block bigint PRIMARY KEY,
  from_block bigint NOT NULL,
  entry_count bigint NOT NULL,
  -- SHA-256 of comply.export_ledger(from_block, through_block), each line followed by a
  -- newline (what psql -At writes): the export kept elsewhere hashes to it
  export_sha256 text NOT NULL,
  archived_at timestamptz NOT NULL,
  archived_by text NOT NULL,
  audit_entry_id bigint NOT NULL
);
COMMENT ON TABLE comply.ledger_archives IS
  'Ranges of blocks whose entries comply.archive_ledger() removed (the blocks stay), with the SHA-256 of their export';

-- Nobody writes these tables directly; comply.audit() and the sealer do, as their owner.
REVOKE ALL ON comply.audit_log, comply.ledger_blocks, comply.ledger_entries, comply.ledger_archives
  FROM PUBLIC;

-- Auditors read the ledger: its entries name users, client addresses, tables and keys,
-- so reading it is a privilege (role comply_auditor), not PUBLIC's. Roles are
-- cluster-wide: a second database reuses the role.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'comply_auditor') THEN
    CREATE ROLE comply_auditor NOLOGIN;
  END IF;
END
$$;
GRANT SELECT ON comply.audit_log, comply.ledger_blocks, comply.ledger_entries, comply.ledger_archives
  TO comply_auditor;

-- The last block comply.archive_ledger() is removing the entries of, while it does (NULL
-- at any other time): only that function sets it.
CREATE FUNCTION comply._archiving_through() RETURNS bigint
  AS 'MODULE_PATHNAME', 'comply_archiving_through'
  LANGUAGE C VOLATILE;
COMMENT ON FUNCTION comply._archiving_through() IS
  'The last block comply.archive_ledger() is removing entries of, while it runs; NULL otherwise';

CREATE FUNCTION comply._ledger_guard() RETURNS trigger
  LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp SET quote_all_identifiers = off AS $$
BEGIN
  -- comply.archive_ledger() removes the entries of archived blocks, and only those.
  IF TG_OP = 'DELETE' AND TG_LEVEL = 'ROW' AND TG_TABLE_SCHEMA = 'comply' THEN
    IF TG_TABLE_NAME = 'ledger_entries' THEN
      IF OLD.block_no <= comply._archiving_through() THEN
        RETURN OLD;
      END IF;
    ELSIF TG_TABLE_NAME = 'audit_log' THEN
      IF EXISTS (SELECT 1 FROM comply.ledger_entries s
                  WHERE s.entry_id = OLD.id AND s.block_no <= comply._archiving_through()) THEN
        RETURN OLD;
      END IF;
    END IF;
  END IF;
  RAISE EXCEPTION 'comply.% is append-only: % is not allowed', TG_TABLE_NAME, TG_OP
    USING ERRCODE = 'insufficient_privilege',
          HINT = 'Audit entries and sealed blocks can never be changed or removed; comply.archive_ledger() removes the entries of blocks older than comply.ledger_retention.';
END $$;
COMMENT ON FUNCTION comply._ledger_guard() IS
  'Trigger function: refuses UPDATE, DELETE and TRUNCATE on the ledger tables, for everyone (but comply.archive_ledger() on archived blocks)';

CREATE TRIGGER append_only BEFORE UPDATE OR DELETE ON comply.audit_log
  FOR EACH ROW EXECUTE FUNCTION comply._ledger_guard();
CREATE TRIGGER append_only_truncate BEFORE TRUNCATE ON comply.audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION comply._ledger_guard();
CREATE TRIGGER append_only BEFORE UPDATE OR DELETE ON comply.ledger_blocks
  FOR EACH ROW EXECUTE FUNCTION comply._ledger_guard();
CREATE TRIGGER append_only_truncate BEFORE TRUNCATE ON comply.ledger_blocks
  FOR EACH STATEMENT EXECUTE FUNCTION comply._ledger_guard();
CREATE TRIGGER append_only BEFORE UPDATE OR DELETE ON comply.ledger_entries
  FOR EACH ROW EXECUTE FUNCTION comply._ledger_guard();
CREATE TRIGGER append_only_truncate BEFORE TRUNCATE ON comply.ledger_entries
  FOR EACH STATEMENT EXECUTE FUNCTION comply._ledger_guard();
CREATE TRIGGER append_only BEFORE UPDATE OR DELETE ON comply.ledger_archives
  FOR EACH ROW EXECUTE FUNCTION comply._ledger_guard();
CREATE TRIGGER append_only_truncate BEFORE TRUNCATE ON comply.ledger_archives
  FOR EACH STATEMENT EXECUTE FUNCTION comply._ledger_guard();
-- The guards fire in every session, also with session_replication_role = replica (which
-- skips ordinary triggers and rules, and which a superuser may set for any session): as
-- ordinary triggers they let such a session change or delete entries not yet sealed.
-- The same holds for every trigger and event trigger of the extension.
ALTER TABLE comply.audit_log ENABLE ALWAYS TRIGGER append_only;
ALTER TABLE comply.audit_log ENABLE ALWAYS TRIGGER append_only_truncate;
ALTER TABLE comply.ledger_blocks ENABLE ALWAYS TRIGGER append_only;
ALTER TABLE comply.ledger_blocks ENABLE ALWAYS TRIGGER append_only_truncate;
ALTER TABLE comply.ledger_entries ENABLE ALWAYS TRIGGER append_only;
ALTER TABLE comply.ledger_entries ENABLE ALWAYS TRIGGER append_only_truncate;
ALTER TABLE comply.ledger_archives ENABLE ALWAYS TRIGGER append_only;
ALTER TABLE comply.ledger_archives ENABLE ALWAYS TRIGGER append_only_truncate;

CREATE FUNCTION comply.audit(action text, object text, details jsonb DEFAULT '{}')
  RETURNS bigint
  AS 'MODULE_PATHNAME', 'comply_audit'
  LANGUAGE C VOLATILE;
COMMENT ON FUNCTION comply.audit(text, text, jsonb) IS
  'Appends an audit entry (details redacted of PII first) and returns its id';

-- The same for pg_comply's own SECURITY DEFINER functions, which run as the extension's
-- owner: the entry names the calling session's role (its SET ROLE role) as the acting
-- role, and clear's members join the details unredacted (who acted, roles' privileges).
CREATE FUNCTION comply._audit_as_caller(action text, object text, details jsonb, clear jsonb DEFAULT NULL)
  RETURNS bigint
  AS 'MODULE_PATHNAME', 'comply_audit_as_caller'
  LANGUAGE C VOLATILE;
COMMENT ON FUNCTION comply._audit_as_caller(text, text, jsonb, jsonb) IS
  'comply.audit for pg_comply''s security definer functions: the calling session''s role acts; clear joins the details unredacted';
REVOKE ALL ON FUNCTION comply._audit_as_caller(text, text, jsonb, jsonb) FROM PUBLIC;

-- The calling session's role (its SET ROLE role), for pg_comply's SECURITY DEFINER
-- functions that check the caller's privileges before acting for it (comply.forget).
CREATE FUNCTION comply._invoker_role() RETURNS oid
  AS 'MODULE_PATHNAME', 'comply_invoker_role'
  LANGUAGE C STABLE;
COMMENT ON FUNCTION comply._invoker_role() IS
  'The calling session''s role (SET ROLE''s), which a security definer function does not change';
REVOKE ALL ON FUNCTION comply._invoker_role() FROM PUBLIC;

-- comply.audit without its refusal of the action names pg_comply writes itself, for
-- pg_comply's SQL that writes them as the role it runs as (the review queue's upkeep).
CREATE FUNCTION comply._audit_own(action text, object text, details jsonb DEFAULT '{}')
  RETURNS bigint
  AS 'MODULE_PATHNAME', 'comply_audit_own'
  LANGUAGE C VOLATILE;
COMMENT ON FUNCTION comply._audit_own(text, text, jsonb) IS
  'comply.audit for pg_comply''s own entries: may use the action names comply.audit refuses (not granted to anyone)';
REVOKE ALL ON FUNCTION comply._audit_own(text, text, jsonb) FROM PUBLIC;

-- A record another session handed to the job worker (a rejected row, an audited read),
-- appended naming that session's user, role, application and client.
CREATE FUNCTION comply._audit_deferred(record jsonb) RETURNS bigint
  AS 'MODULE_PATHNAME', 'comply_audit_deferred'
  LANGUAGE C VOLATILE;
COMMENT ON FUNCTION comply._audit_deferred(jsonb) IS
  'Appends a record handed to the job worker, naming the session that handed it over as who acted';
REVOKE ALL ON FUNCTION comply._audit_deferred(jsonb) FROM PUBLIC;

-- By default an entry names the columns a change touched, never their values: the
-- ledger cannot be changed (comply.forget cannot reach it), and the detector finds
-- personal data by its form, so a name in a name column, a phone number stored as a
-- number or an address would be sealed in clear. With the argument 'values'
-- (EXECUTE FUNCTION comply.audit_trigger('values')) the old and new values are kept,
-- redacted by content, for tables whose values the audit must show.
CREATE FUNCTION comply.audit_trigger() RETURNS trigger
  LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp SET quote_all_identifiers = off AS $$
DECLARE
  old_row jsonb := CASE WHEN TG_OP IN ('UPDATE', 'DELETE') THEN to_jsonb(OLD) END;
  new_row jsonb := CASE WHEN TG_OP IN ('INSERT', 'UPDATE') THEN to_jsonb(NEW) END;
  pk_cols text[];
  pk jsonb;
  changed jsonb;
BEGIN
  -- BEFORE, it would return NULL and so skip the row it records; per statement, it
  -- would record a change with no row.
  IF TG_WHEN <> 'AFTER' OR TG_LEVEL <> 'ROW' THEN
    RAISE EXCEPTION 'comply.audit_trigger() must be fired AFTER ... FOR EACH ROW, not % ... FOR EACH %',
                    TG_WHEN, TG_LEVEL
      USING ERRCODE = 'trigger_protocol_violated',
            HINT = format('Create trigger %I as AFTER INSERT OR UPDATE OR DELETE ... FOR EACH ROW.', TG_NAME);
  END IF;
  IF TG_NARGS > 1 OR (TG_NARGS = 1 AND TG_ARGV[0] IS DISTINCT FROM 'values') THEN
    RAISE EXCEPTION 'comply.audit_trigger() takes no argument, or ''values'' (trigger %)', quote_ident(TG_NAME)
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Without an argument an entry names the changed columns; with ''values'' it keeps their values, redacted by content.';
  END IF;
  SELECT array_agg(a.attname ORDER BY k.ord) INTO pk_cols
    FROM pg_catalog.pg_index i
    CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
    JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
   WHERE i.indrelid = TG_RELID AND i.indisprimary;
  SELECT jsonb_object_agg(c, coalesce(new_row, old_row) -> c) INTO pk
    FROM unnest(pk_cols) AS c;
  IF TG_NARGS = 0 THEN
    -- The columns the change touched, in the table's order (all of them for an INSERT
    -- or a DELETE), as a protected table's entries name them.
    SELECT coalesce(jsonb_agg(a.attname ORDER BY a.attnum), '[]') INTO changed
      FROM pg_catalog.pg_attribute a
     WHERE a.attrelid = TG_RELID AND a.attnum > 0 AND NOT a.attisdropped
       AND (TG_OP <> 'UPDATE' OR old_row -> a.attname::text IS DISTINCT FROM new_row -> a.attname::text);
    PERFORM comply.audit(TG_OP, quote_ident(TG_TABLE_SCHEMA) || '.' || quote_ident(TG_TABLE_NAME),
                         jsonb_build_object('operation', TG_OP, 'primary_key', coalesce(pk, '{}'),
                                            'columns', changed));
    RETURN NULL;
  END IF;
  IF TG_OP = 'UPDATE' THEN
    SELECT jsonb_object_agg(key, jsonb_build_object('old', old_row -> key, 'new', value)) INTO changed
      FROM jsonb_each(new_row) WHERE old_row -> key IS DISTINCT FROM value;
  ELSIF TG_OP = 'INSERT' THEN
    SELECT jsonb_object_agg(key, jsonb_build_object('new', value)) INTO changed FROM jsonb_each(new_row);
  ELSE
    SELECT jsonb_object_agg(key, jsonb_build_object('old', value)) INTO changed FROM jsonb_each(old_row);
  END IF;
  PERFORM comply.audit(TG_OP, quote_ident(TG_TABLE_SCHEMA) || '.' || quote_ident(TG_TABLE_NAME),
                       jsonb_build_object('operation', TG_OP, 'primary_key', coalesce(pk, '{}'),
                                          'changed', coalesce(changed, '{}')));
  RETURN NULL;
END $$;
COMMENT ON FUNCTION comply.audit_trigger() IS
  'AFTER row trigger: records operation, table, primary key and the changed columns'' names (with the argument ''values'', their old and new values, redacted by content)';

CREATE FUNCTION comply.seal() RETURNS TABLE(block_no bigint, entry_count int)
  AS 'MODULE_PATHNAME', 'comply_seal'
  LANGUAGE C VOLATILE;
COMMENT ON FUNCTION comply.seal() IS
  'Seals the committed unsealed entries now (the background worker''s code path); returns the blocks made';
-- Not for everyone: sealing locks comply.ledger_blocks until the caller's transaction
-- ends, so any role could hold up the sealer (and archive_ledger) from an open
-- transaction.
REVOKE ALL ON FUNCTION comply.seal() FROM PUBLIC;

CREATE FUNCTION comply.adopt_node() RETURNS bigint
  AS 'MODULE_PATHNAME', 'comply_adopt_node'
  LANGUAGE C VOLATILE;
COMMENT ON FUNCTION comply.adopt_node() IS
  'Records in the ledger that this server now seals the blocks another node sealed before (after pg_upgrade, which changes the system identifier); returns the entry id';
-- Not for everyone: it tells verify_ledger that a change of node is legitimate.
REVOKE ALL ON FUNCTION comply.adopt_node() FROM PUBLIC;

CREATE FUNCTION comply.verify_ledger(from_block bigint DEFAULT NULL, to_block bigint DEFAULT NULL)
  RETURNS TABLE(block_no bigint, entry_id bigint, problem text, detail text)
  AS 'MODULE_PATHNAME', 'comply_verify_ledger'
  LANGUAGE C STABLE;
COMMENT ON FUNCTION comply.verify_ledger(bigint, bigint) IS
  'Recomputes entries, Merkle roots, chain links and signatures; no rows means the ledger is intact';

CREATE FUNCTION comply._flush_wal() RETURNS void
  AS 'MODULE_PATHNAME', 'comply_flush_wal'
  LANGUAGE C VOLATILE;
COMMENT ON FUNCTION comply._flush_wal() IS
  'Internal: flushes the WAL inserted so far, so that a block read before it is on disk';
REVOKE ALL ON FUNCTION comply._flush_wal() FROM PUBLIC;

-- The latest block, flushed to disk before it is handed out (a digest of a block that a
-- crash then lost would not verify, as if the ledger's tail had been cut off).
CREATE FUNCTION comply.ledger_digest() RETURNS jsonb
  LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp SET quote_all_identifiers = off AS $$
DECLARE
  digest jsonb;
BEGIN
  SELECT jsonb_build_object(
           'block_no', b.block_no,
           'block_hash', encode(b.block_hash, 'hex'),
           'entry_count', (SELECT sum(x.entry_count) FROM comply.ledger_blocks x
                            WHERE x.block_no <= b.block_no),
           'sealed_at', b.sealed_at,
           'node_id', b.node_id,
           'signature', encode(b.signature, 'hex'),
           'signer_key', encode(b.signer_key, 'hex'))
    INTO digest
    FROM comply.ledger_blocks b ORDER BY b.block_no DESC LIMIT 1;
  PERFORM comply._flush_wal();
  RETURN digest;
END $$;
COMMENT ON FUNCTION comply.ledger_digest() IS
  'The latest block''s number, hash, entry count, time and signature, to keep outside the database';

CREATE FUNCTION comply.verify_digest(digest jsonb) RETURNS boolean
  LANGUAGE plpgsql STABLE STRICT SECURITY DEFINER SET search_path = pg_catalog, pg_temp SET quote_all_identifiers = off AS $$
DECLARE
  claimed_at timestamptz;
BEGIN
  -- A malformed digest is an error, not a digest that fails to verify (which would
  -- read as tampering).
  IF jsonb_typeof(digest -> 'block_no') IS DISTINCT FROM 'number'
     OR (digest ->> 'block_no') !~ '^[1-9][0-9]{0,17}$'  -- blocks are numbered from 1
     OR jsonb_typeof(digest -> 'block_hash') IS DISTINCT FROM 'string'
     OR (digest ->> 'block_hash') !~ '^[0-9A-Fa-f]{64}$' THEN
    RAISE EXCEPTION 'a digest has a block number "block_no" and a hex "block_hash"'
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Pass what comply.ledger_digest() returned.';
  END IF;
  -- Every member the digest shows is checked against the block (QA 16: a digest with a
  -- forged entry count, time, node or signature verified), and one that ledger_digest()
  -- never writes makes it no digest of this ledger, as verify_proof answers for a proof.
  IF EXISTS (SELECT 1 FROM jsonb_object_keys(digest) k
              WHERE k NOT IN ('block_no', 'block_hash', 'entry_count', 'sealed_at', 'node_id',
                              'signature', 'signer_key')) THEN
    RETURN false;
  END IF;
  -- (The time as a time: the digest wrote it in its session's time zone.)
  IF digest ? 'sealed_at' THEN
    BEGIN
      claimed_at := (digest ->> 'sealed_at')::timestamptz;
    EXCEPTION WHEN data_exception THEN
      RETURN false;
    END;
  END IF;
  RETURN EXISTS (SELECT 1 FROM comply.ledger_blocks b
                  WHERE b.block_no = (digest ->> 'block_no')::bigint
                    AND encode(b.block_hash, 'hex') = lower((digest ->> 'block_hash') COLLATE "C")
                    AND (NOT digest ? 'entry_count'
                         OR digest -> 'entry_count' = to_jsonb((SELECT sum(x.entry_count) FROM comply.ledger_blocks x
                                                                WHERE x.block_no <= b.block_no)))
                    AND (NOT digest ? 'sealed_at' OR claimed_at IS NOT DISTINCT FROM b.sealed_at)
                    AND (NOT digest ? 'node_id' OR digest -> 'node_id' = to_jsonb(b.node_id))
                    AND (NOT digest ? 'signature'
                         OR digest -> 'signature' = coalesce(to_jsonb(encode(b.signature, 'hex')), 'null'))
                    AND (NOT digest ? 'signer_key'
                         OR digest -> 'signer_key' = coalesce(to_jsonb(encode(b.signer_key, 'hex')), 'null')))
     AND NOT EXISTS (SELECT 1 FROM comply.verify_ledger((digest ->> 'block_no')::bigint) v
                      WHERE v.problem IN ('chain broken', 'block altered', 'bad signature'));
END $$;
COMMENT ON FUNCTION comply.verify_digest(jsonb) IS
  'True if today''s ledger still holds the digest''s block unchanged and extends it by an intact chain';

CREATE FUNCTION comply.ledger_proof(entry_id bigint) RETURNS jsonb
  AS 'MODULE_PATHNAME', 'comply_ledger_proof'
  LANGUAGE C STABLE STRICT;
COMMENT ON FUNCTION comply.ledger_proof(bigint) IS
  'Inclusion proof of a sealed entry: its hash, Merkle path to the block root, and the block header';

CREATE FUNCTION comply.verify_proof(proof jsonb) RETURNS boolean
  AS 'MODULE_PATHNAME', 'comply_verify_proof'
  LANGUAGE C STABLE STRICT;
COMMENT ON FUNCTION comply.verify_proof(jsonb) IS
  'Checks an inclusion proof in O(log n): the path leads to the Merkle root, the header to the block hash, and that block is this ledger''s';

CREATE FUNCTION comply.export_ledger(from_block bigint DEFAULT NULL, to_block bigint DEFAULT NULL)
  RETURNS SETOF text
  AS 'MODULE_PATHNAME', 'comply_export_ledger'
  LANGUAGE C STABLE;
COMMENT ON FUNCTION comply.export_ledger(bigint, bigint) IS
  'JSON lines of sealed entries and blocks, for write-once storage and pg_comply_verify';
-- Both read entries (which PUBLIC may not): for auditors and the ledger's owner.
REVOKE ALL ON FUNCTION comply.export_ledger(bigint, bigint), comply.ledger_proof(bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION comply.export_ledger(bigint, bigint), comply.ledger_proof(bigint) TO comply_auditor;

CREATE FUNCTION comply.archive_ledger(through_block bigint)
  RETURNS TABLE(from_block bigint, through_block bigint, entry_count bigint, export_sha256 text)
  AS 'MODULE_PATHNAME', 'comply_archive_ledger'
  LANGUAGE C VOLATILE;
COMMENT ON FUNCTION comply.archive_ledger(bigint) IS
  'Removes the entries of the blocks up to through_block once they are older than comply.ledger_retention and verify; the blocks stay; returns the SHA-256 of their export';
-- Not for everyone: removing audit entries is for the ledger's owner (a superuser), who
-- exports them first.
REVOKE ALL ON FUNCTION comply.archive_ledger(bigint) FROM PUBLIC;

CREATE FUNCTION comply.ledger_public_key() RETURNS text
  AS 'MODULE_PATHNAME', 'comply_ledger_public_key'
  LANGUAGE C STABLE;
COMMENT ON FUNCTION comply.ledger_public_key() IS
  'Hex Ed25519 public key of comply.ledger_signing_key_file (NULL when none is set)';

-- DROP EXTENSION pg_comply (or DROP SCHEMA comply CASCADE) would delete the ledger with
-- the extension: refused while it holds entries, unless comply.allow_ledger_drop is on;
-- so are ALTER EXTENSION pg_comply DROP (which makes a member droppable on its own) and
-- DROP TABLE of the ledger's tables, and DROP OWNED BY the role that owns them.
CREATE FUNCTION comply._guard_ledger_drop() RETURNS event_trigger
  AS 'MODULE_PATHNAME', 'comply_guard_ledger_drop'
  LANGUAGE C;
COMMENT ON FUNCTION comply._guard_ledger_drop() IS
  'Event trigger: refuses to drop pg_comply while its ledger holds entries (see comply.allow_ledger_drop)';
REVOKE ALL ON FUNCTION comply._guard_ledger_drop() FROM PUBLIC;
CREATE EVENT TRIGGER comply_guard_ledger_drop ON ddl_command_start
  WHEN TAG IN ('DROP EXTENSION', 'DROP SCHEMA', 'DROP TABLE', 'ALTER EXTENSION', 'DROP OWNED')
  EXECUTE FUNCTION comply._guard_ledger_drop();
ALTER EVENT TRIGGER comply_guard_ledger_drop ENABLE ALWAYS;
