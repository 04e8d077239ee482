-- The audit ledger: appends, append-only guards, sealing, verification, digests,
-- proofs, exports, signatures, and tampering found by verify_ledger. (The background
-- workers are off in this cluster; test/ledger_worker.sh tests them.)
SET client_min_messages = warning;
-- A ledger of its own: the suites before this one registered schemas, each a ledger
-- entry, and the entries' ids below count from 1.
SET comply.allow_ledger_drop = on;
SET client_min_messages = error;
DROP EXTENSION IF EXISTS pg_comply CASCADE;
SET client_min_messages = warning;
RESET comply.allow_ledger_drop;
CREATE EXTENSION pg_comply;
CREATE EXTENSION IF NOT EXISTS dblink;
RESET client_min_messages;

-- Appends: details are redacted before they are stored (strings and numbers alike: a card
-- number stored as a JSON number too), and so is the object (a key that is personal data
-- could never be dropped from the ledger again).
SELECT comply.audit('read', 'patients', '{"reason": "billing", "note": "called 415-555-2671 about SSN 536-22-8714", "card": 4111111111111111, "visits": 3}');
SELECT comply.audit('export', 'claims/maria.garcia@example.org');
SELECT comply.audit('login', NULL, NULL);
SELECT id, session_user_name = session_user AS session_ok, current_user_name, action, object, details
  FROM comply.audit_log ORDER BY id;
\set VERBOSITY terse
SELECT comply.audit(NULL, 'x');
-- An action is a name entries are searched by, kept for years: not blank, not a document.
SELECT comply.audit('', 'x');
SELECT comply.audit(E' \t ', 'x');
-- Nor what a reader does not see: a zero-width, a no-break or an ideographic space, a
-- lone combining mark (QA 16).
SELECT comply.audit(E'\u200B', 'x');
SELECT comply.audit(E'\u00A0\u3000', 'x');
SELECT comply.audit(E'\u0301', 'x');
SELECT comply.audit(repeat('a', 201), 'x');
BEGIN READ ONLY;
SELECT comply.audit('read-only', 'x');
ROLLBACK;
\set VERBOSITY default

-- The acting role is recorded, and an ordinary role can append but not write the table.
SELECT current_user AS original_user \gset
CREATE ROLE comply_ledger_user LOGIN;
CREATE SCHEMA evil AUTHORIZATION comply_ledger_user;
\c - comply_ledger_user
-- The caller's search_path cannot slip its own functions into what runs with the
-- ledger owner's rights.
CREATE FUNCTION evil.clock_timestamp() RETURNS timestamptz LANGUAGE plpgsql
  AS $$ BEGIN RAISE EXCEPTION 'hijacked'; END $$;
SET search_path = evil, pg_catalog;
SELECT comply.audit('update', 'orders', '{"order": 7}') AS id;
RESET search_path;
INSERT INTO comply.audit_log (logged_at, session_user_name, current_user_name, xid, action, details)
  VALUES (now(), 'x', 'x', pg_current_xact_id(), 'forged', '{}');
SELECT count(*) FROM comply.audit_log;
\c - :original_user
SELECT id, current_user_name, action FROM comply.audit_log WHERE id = 4;

-- The ledger's tables refuse UPDATE, DELETE and TRUNCATE, from their owner too.
UPDATE comply.audit_log SET action = 'nothing' WHERE id = 1;
DELETE FROM comply.audit_log WHERE id = 1;
TRUNCATE comply.audit_log;
TRUNCATE comply.ledger_blocks CASCADE;

-- A row-change trigger any table can use: the primary key and the names of the columns
-- a change touched, never their values (the ledger cannot be changed, and a name in a
-- name column is no PII by its form).
CREATE TABLE patients (id int PRIMARY KEY, name text, phone text, ward int);
CREATE TRIGGER audit AFTER INSERT OR UPDATE OR DELETE ON patients
  FOR EACH ROW EXECUTE FUNCTION comply.audit_trigger();
INSERT INTO patients VALUES (1, 'Patient Maria Garcia', '(415) 555-2671', 3);
UPDATE patients SET ward = 4 WHERE id = 1;
DELETE FROM patients WHERE id = 1;
SELECT id, action, object, details FROM comply.audit_log WHERE id > 4 ORDER BY id;

-- Sealing: committed unsealed entries go into a new block, each exactly once.
SELECT * FROM comply.seal();
SELECT * FROM comply.seal();
SELECT comply.audit('read', 'wards');
SELECT * FROM comply.seal();
SELECT block_no, entry_count, length(block_hash) AS hash_bytes, signature IS NULL AS unsigned,
       block_no = 1 AND prev_hash = '\x0000000000000000000000000000000000000000000000000000000000000000'::bytea
         OR block_no > 1 AS chained
  FROM comply.ledger_blocks ORDER BY block_no;
SELECT count(*) AS sealed, count(DISTINCT entry_id) AS distinct_entries FROM comply.ledger_entries;
SELECT * FROM comply.verify_ledger();

-- Batches: comply.seal_batch entries per block at most.
SET comply.seal_batch = 4;
SELECT count(comply.audit('bulk', 'item ' || g)) AS appended FROM generate_series(1, 10) g;
SELECT * FROM comply.seal();
RESET comply.seal_batch;
SELECT * FROM comply.verify_ledger();

-- Late commit: an entry whose transaction commits after later entries were sealed is
-- sealed afterwards, in a later block; the chain stays valid.
SELECT dblink_connect('late', format('dbname=%s port=%s host=%s', current_database(),
       current_setting('port'), split_part(current_setting('unix_socket_directories'), ',', 1)));
SELECT dblink_exec('late', 'BEGIN');
SELECT * FROM dblink('late', $$SELECT comply.audit('late', 'slow transaction')$$) AS t(id bigint);
SELECT comply.audit('early', 'fast transaction');
SELECT * FROM comply.seal();
SELECT e.id, s.block_no FROM comply.audit_log e LEFT JOIN comply.ledger_entries s ON s.entry_id = e.id
 WHERE e.action IN ('late', 'early') ORDER BY e.id;
SELECT dblink_exec('late', 'COMMIT');
SELECT * FROM comply.seal();
SELECT e.id, s.block_no FROM comply.audit_log e LEFT JOIN comply.ledger_entries s ON s.entry_id = e.id
 WHERE e.action IN ('late', 'early') ORDER BY e.id;
SELECT * FROM comply.verify_ledger();

-- A long unrelated transaction does not hold back sealing.
CREATE TABLE bulk_load (x int);
SELECT dblink_exec('late', 'BEGIN');
SELECT dblink_exec('late', 'INSERT INTO bulk_load VALUES (1)');
SELECT comply.audit('during', 'long transaction') AS during_id \gset
SELECT block_no > 0 AS sealed_now FROM comply.seal();
SELECT count(*) AS unsealed FROM comply.audit_log a
 WHERE NOT EXISTS (SELECT 1 FROM comply.ledger_entries s WHERE s.entry_id = a.id);
SELECT dblink_exec('late', 'ROLLBACK');
SELECT dblink_disconnect('late');

-- Digests kept outside the database, proofs, exports.
SELECT comply.ledger_digest() AS digest \gset
SELECT (:'digest'::jsonb) ?& ARRAY['block_no', 'block_hash', 'entry_count', 'sealed_at', 'node_id'] AS digest_fields,
       (:'digest'::jsonb ->> 'entry_count')::int = (SELECT count(*) FROM comply.ledger_entries) AS counts_all;
SELECT comply.verify_digest(:'digest');
SELECT comply.audit('after', 'digest');
SELECT count(*) > 0 AS sealed FROM comply.seal();
SELECT comply.verify_digest(:'digest') AS still_extends;
SELECT comply.verify_digest(jsonb_set(:'digest', '{block_hash}', to_jsonb(repeat('0', 64)))) AS forged_digest,
       comply.verify_digest(jsonb_set(:'digest', '{block_hash}', to_jsonb(upper(:'digest'::jsonb ->> 'block_hash'))))
         AS upper_case_hex;
-- Every member is checked: a forged count, time, node or signature, or a member that
-- ledger_digest() never writes, does not verify (QA 16); the time is read as a time, in
-- any time zone.
SELECT comply.verify_digest(:'digest'::jsonb || '{"entry_count": 1}') AS forged_count,
       comply.verify_digest(:'digest'::jsonb || '{"sealed_at": "1999-01-01"}') AS forged_time,
       comply.verify_digest(:'digest'::jsonb || '{"node_id": "bogus"}') AS forged_node,
       comply.verify_digest(:'digest'::jsonb || '{"signature": "zz", "signer_key": "00"}') AS forged_signature,
       comply.verify_digest(:'digest'::jsonb || '{"extra": 1}') AS extra_member,
       comply.verify_digest(:'digest'::jsonb - 'sealed_at' - 'entry_count') AS fewer_members;
SET TimeZone = 'Pacific/Kiritimati';
SELECT comply.verify_digest(:'digest') AS other_time_zone;
RESET TimeZone;
-- A malformed digest is an error, not a digest that fails to verify (read as tampering).
\set VERBOSITY terse
SELECT comply.verify_digest('{}');
SELECT comply.verify_digest('{"block_no": "abc", "block_hash": "00"}');
SELECT comply.verify_digest(jsonb_set(:'digest', '{block_hash}', '"zz"'));
SELECT comply.verify_digest(jsonb_set(:'digest', '{block_no}', '0'));
\set VERBOSITY default
SELECT comply.ledger_proof(3) AS proof \gset
SELECT (:'proof'::jsonb) ?& ARRAY['entry_id', 'leaf_index', 'tree_size', 'entry_hash', 'path', 'entry', 'block'] AS proof_fields,
       jsonb_array_length(:'proof'::jsonb -> 'path') <= ceil(log(2, greatest(((:'proof'::jsonb) ->> 'tree_size')::int, 2))) AS path_is_logarithmic;
SELECT comply.verify_proof(:'proof');
SELECT comply.verify_proof(jsonb_set(:'proof', '{entry,action}', '"write"')) AS altered_entry;
SELECT comply.verify_proof(jsonb_set(:'proof', '{leaf_index}', '0')) AS wrong_leaf;
-- The signature and signer key a proof shows are the stored block's: a made-up one is
-- false (the proof looked signed); a proof without them proves the rest all the same.
SELECT comply.verify_proof(jsonb_set(:'proof', '{block,signature}', to_jsonb(repeat('0', 128)))) AS made_up_signature,
       comply.verify_proof(jsonb_set(:'proof', '{block,signer_key}', to_jsonb(repeat('1', 64)))) AS made_up_signer,
       comply.verify_proof(jsonb_set(:'proof', '{block,signature}', '"zz"')) AS not_hex,
       comply.verify_proof(:'proof'::jsonb #- '{block,signature}' #- '{block,signer_key}') AS without_them;
-- What a proof says it proves is bound to its hashes: another entry id, block or place
-- claimed is false; a leaf index that is not an integer is an error.
SELECT comply.verify_proof(jsonb_set(:'proof', '{entry_id}', '1')) AS other_entry_claimed,
       comply.verify_proof(jsonb_set(:'proof', '{entry,block_no}', '99')) AS other_block_claimed,
       comply.verify_proof(jsonb_set(:'proof', '{entry,leaf_index}', '4')) AS other_place_claimed;
-- A member the hashes do not cover is a claim the proof does not prove.
SELECT comply.verify_proof(jsonb_set(:'proof', '{entry,approved_by}', '"ceo"')) AS claim_in_entry,
       comply.verify_proof(jsonb_set(:'proof', '{note}', '"approved by the CEO"')) AS claim_beside,
       comply.verify_proof(jsonb_set(:'proof', '{block,approved}', 'true')) AS claim_in_block;
\set VERBOSITY terse
SELECT comply.verify_proof(jsonb_set(:'proof', '{leaf_index}', to_jsonb(((:'proof'::jsonb ->> 'leaf_index')::int + 0.7))));
-- An integer is written as one (7, not 7.0).
SELECT comply.verify_proof(jsonb_set(:'proof', '{entry_id}', ((:'proof'::jsonb ->> 'entry_id') || '.0')::jsonb));
\set VERBOSITY default
-- A proof nested deeper than 512 levels is refused (54000) before it is read.
SELECT comply.verify_proof(jsonb_set(:'proof', '{path}', (repeat('[', 600) || repeat(']', 600))::jsonb));
-- A made-up entry in a made-up block, consistent with itself (its Merkle root and block
-- hash computed with the published encoding, as anyone can): not this ledger's block,
-- so not verified.
CREATE FUNCTION pg_temp.field(s text) RETURNS bytea LANGUAGE sql AS $$
  SELECT CASE WHEN s IS NULL THEN '\x00'::bytea
              ELSE '\x01'::bytea || int4send(octet_length(s)) || convert_to(s, 'UTF8') END $$;
WITH p AS (SELECT :'proof'::jsonb AS p),
     e AS (SELECT p -> 'entry' || '{"action": "review.decide", "details": "{\"status\": \"approved\"}"}' AS e,
                  p -> 'block' AS b FROM p),
     leaf AS (SELECT e, b, sha256('\x00'::bytea || '\x01'::bytea || int8send((e ->> 'id')::bigint)
                                  || int8send((e ->> 'logged_at_us')::bigint)
                                  || pg_temp.field(e ->> 'session_user') || pg_temp.field(e ->> 'current_user')
                                  || pg_temp.field(e ->> 'application_name') || pg_temp.field(e ->> 'client_addr')
                                  || pg_temp.field(e ->> 'xid') || pg_temp.field(e ->> 'action')
                                  || pg_temp.field(e ->> 'object') || pg_temp.field(e ->> 'details')) AS h FROM e),
     forged AS (
       SELECT jsonb_build_object(
                'entry', e, 'entry_id', e -> 'id', 'entry_hash', encode(h, 'hex'), 'leaf_index', 0,
                'tree_size', 1, 'path', '[]'::jsonb,
                'block', b || jsonb_build_object(
                  'merkle_root', encode(h, 'hex'), 'entry_count', 1,
                  'block_hash', encode(sha256('\x0201'::bytea || int8send((b ->> 'block_no')::bigint)
                                              || decode(b ->> 'prev_hash', 'hex') || h || int8send(1)
                                              || int8send((b ->> 'sealed_at_us')::bigint)
                                              || int4send(octet_length(b ->> 'node_id'))
                                              || convert_to(b ->> 'node_id', 'UTF8')), 'hex'))) AS f
         FROM leaf)
SELECT comply.verify_proof(f) AS forged_proof,
       comply.verify_proof(f #- '{block,block_hash}' || jsonb_build_object('block', (f -> 'block') || jsonb_build_object('block_hash', :'proof'::jsonb #>> '{block,block_hash}'))) AS forged_with_real_hash,
       f #>> '{block,block_hash}' <> :'proof'::jsonb #>> '{block,block_hash}' AS differs_from_the_real_block
  FROM forged;
-- Nor a proof in a block numbered below 1, where the chain has no place (the blocks'
-- table refuses one; verify_ledger reports one there anyway, below).
\set VERBOSITY terse
SELECT comply.verify_proof(jsonb_set(:'proof', '{block,block_no}', '0'));
\set VERBOSITY default
-- Reading the ledger's entries is a privilege: not PUBLIC's (its entries name users,
-- client addresses, tables and keys), but role comply_auditor's.
CREATE ROLE ledger_outsider;
CREATE ROLE ledger_reader IN ROLE comply_auditor;
\set VERBOSITY terse
SET ROLE ledger_outsider;
SELECT count(*) FROM comply.export_ledger();
SELECT comply.ledger_proof(3);
SELECT count(*) FROM comply.audit_log;
SELECT comply.verify_proof(:'proof') AS outsider_verifies;
RESET ROLE;
SET ROLE ledger_reader;
SELECT count(*) > 0 AS exported FROM comply.export_ledger();
SELECT comply.verify_proof(comply.ledger_proof(3)) AS auditor_proof;
SELECT count(*) > 0 AS entries_read FROM comply.audit_log;
RESET ROLE;
DROP ROLE ledger_outsider, ledger_reader;
SELECT comply.ledger_proof(999999);
\set VERBOSITY default
SELECT count(*) FILTER (WHERE l::jsonb ->> 'type' = 'entry') AS entries,
       count(*) FILTER (WHERE l::jsonb ->> 'type' = 'block') AS blocks
  FROM comply.export_ledger() l;
SELECT count(*) AS lines FROM comply.export_ledger(2, 3);
SELECT count(*) AS empty_ranges FROM (SELECT comply.export_ledger(0, 0) UNION ALL SELECT comply.export_ledger(3, 2) UNION ALL SELECT comply.export_ledger(-5, -1)) e;
SELECT count(*) = (SELECT count(*) FROM comply.export_ledger()) AS from_zero_is_from_one FROM comply.export_ledger(0);

-- Signatures: with a key set, new blocks are signed and verified.
SELECT comply.ledger_public_key() IS NULL AS no_key_yet;
SELECT current_setting('data_directory') || '/comply_test_ledger.pem' AS ledger_key \gset
SET comply.ledger_signing_key_file = :'ledger_key';
SELECT length(comply.ledger_public_key()) AS public_key_hex_digits;
SELECT comply.audit('signed', 'entry');
SELECT count(*) > 0 AS sealed FROM comply.seal();
SELECT block_no, length(signature) AS signature_bytes FROM comply.ledger_blocks WHERE signature IS NOT NULL;
-- Blocks sealed before the key was set are reported as unsigned.
SELECT block_no, problem FROM comply.verify_ledger() ORDER BY block_no LIMIT 2;
SELECT count(*) AS problems_in_signed_range FROM comply.verify_ledger((SELECT max(block_no) FROM comply.ledger_blocks));
-- A range reversed is refused: no rows would say "intact" of nothing verified.
SELECT * FROM comply.verify_ledger(10, 2);
-- So is a to_block that is no block number (0 verified the whole ledger; QA 16).
SELECT * FROM comply.verify_ledger(NULL, 0);
SELECT * FROM comply.verify_ledger(NULL, -3);

-- Tampering, with the guards bypassed by a superuser: each names the entry or block.
BEGIN;
ALTER TABLE comply.audit_log DISABLE TRIGGER append_only; ALTER TABLE comply.ledger_blocks DISABLE TRIGGER append_only;
UPDATE comply.audit_log SET object = 'someone else' WHERE id = 2;
SELECT * FROM comply.verify_ledger(1, 3);
ROLLBACK;
BEGIN;
ALTER TABLE comply.audit_log DISABLE TRIGGER append_only; ALTER TABLE comply.ledger_blocks DISABLE TRIGGER append_only;
DELETE FROM comply.audit_log WHERE id = 5;
SELECT * FROM comply.verify_ledger(1, 3);
ROLLBACK;
BEGIN;
ALTER TABLE comply.audit_log DISABLE TRIGGER append_only; ALTER TABLE comply.ledger_blocks DISABLE TRIGGER append_only;
UPDATE comply.audit_log a SET details = b.details FROM comply.audit_log b
 WHERE (a.id, b.id) IN ((5, 6), (6, 5));
SELECT * FROM comply.verify_ledger(1, 3);
ROLLBACK;
BEGIN;
ALTER TABLE comply.audit_log DISABLE TRIGGER append_only; ALTER TABLE comply.ledger_blocks DISABLE TRIGGER append_only;
INSERT INTO comply.audit_log (id, logged_at, session_user_name, current_user_name, xid, action, details)
  OVERRIDING SYSTEM VALUE VALUES (1000, now(), 'x', 'x', '3'::xid8, 'forged', '{}');
INSERT INTO comply.ledger_entries VALUES (1000, 1, 99, sha256('x'));
SELECT * FROM comply.verify_ledger(1, 3);
ROLLBACK;
-- A leaf's record deleted: that leaf is missing (its entry no longer sealed); the next
-- leaf is not taken for one inserted.
BEGIN;
ALTER TABLE comply.ledger_entries DISABLE TRIGGER append_only;
DELETE FROM comply.ledger_entries WHERE block_no = 1 AND leaf_index = 1;
SELECT block_no, problem, detail FROM comply.verify_ledger(1, 1) WHERE block_no = 1;
ROLLBACK;
-- The last leaves' records deleted: those leaves are named too.
BEGIN;
ALTER TABLE comply.ledger_entries DISABLE TRIGGER append_only;
DELETE FROM comply.ledger_entries WHERE block_no = 1 AND leaf_index >= 5;
SELECT block_no, problem, detail FROM comply.verify_ledger(1, 1) WHERE block_no = 1 AND problem = 'entry missing' AND entry_id IS NULL;
ROLLBACK;
-- A record of a block that does not exist (ledger_entries has no foreign key), between
-- blocks and after the last one.
BEGIN;
INSERT INTO comply.ledger_entries VALUES (1001, 0, 0, sha256('x')), (1002, 1000000, 0, sha256('y'));
SELECT block_no, entry_id, problem, detail FROM comply.verify_ledger();
ROLLBACK;
BEGIN;
ALTER TABLE comply.audit_log DISABLE TRIGGER append_only; ALTER TABLE comply.ledger_blocks DISABLE TRIGGER append_only;
UPDATE comply.ledger_blocks SET entry_count = entry_count WHERE block_no = 2;
UPDATE comply.ledger_blocks SET sealed_at_us = sealed_at_us + 1 WHERE block_no = 2;
SELECT * FROM comply.verify_ledger(1, 3);
ROLLBACK;
BEGIN;
ALTER TABLE comply.audit_log DISABLE TRIGGER append_only; ALTER TABLE comply.ledger_blocks DISABLE TRIGGER append_only;
UPDATE comply.ledger_blocks SET prev_hash = sha256('forged') WHERE block_no = 3;
SELECT * FROM comply.verify_ledger(1, 3);
ROLLBACK;
BEGIN;
ALTER TABLE comply.audit_log DISABLE TRIGGER append_only; ALTER TABLE comply.ledger_blocks DISABLE TRIGGER append_only;
UPDATE comply.ledger_blocks SET signature = set_byte(signature, 0, get_byte(signature, 0) # 1)
 WHERE block_no = (SELECT max(block_no) FROM comply.ledger_blocks);
SELECT problem, detail FROM comply.verify_ledger((SELECT max(block_no) FROM comply.ledger_blocks));
ROLLBACK;
-- The first blocks deleted with their entries: the chain no longer starts at block 1 nor
-- after an archive. (Each tamper below was not reported before.)
BEGIN;
ALTER TABLE comply.audit_log DISABLE TRIGGER append_only; ALTER TABLE comply.ledger_blocks DISABLE TRIGGER append_only;
ALTER TABLE comply.ledger_entries DISABLE TRIGGER append_only;
DELETE FROM comply.audit_log WHERE id IN (SELECT entry_id FROM comply.ledger_entries WHERE block_no <= 2);
DELETE FROM comply.ledger_entries WHERE block_no <= 2;
DELETE FROM comply.ledger_blocks WHERE block_no <= 2;
SELECT block_no, problem, detail FROM comply.verify_ledger() WHERE problem = 'chain broken';
SELECT block_no, problem, detail FROM comply.verify_ledger(3, 3) WHERE problem = 'chain broken';
ROLLBACK;
-- A block numbered below 1 is refused, and reported if the refusal is taken away (past
-- the event trigger that refuses dropping it).
\set VERBOSITY terse
INSERT INTO comply.ledger_blocks
  SELECT 0, sealed_at, sealed_at_us, entry_count, merkle_root, prev_hash, block_hash, node_id,
         snapshot_xmin, signature, signer_key, encoding_version FROM comply.ledger_blocks WHERE block_no = 1;
ALTER TABLE comply.ledger_blocks DROP CONSTRAINT ledger_blocks_block_no_check;
\set VERBOSITY default
BEGIN;
ALTER EVENT TRIGGER comply_drift_ddl DISABLE;
ALTER TABLE comply.ledger_blocks DROP CONSTRAINT ledger_blocks_block_no_check;
INSERT INTO comply.ledger_blocks
  SELECT 0, sealed_at, sealed_at_us, entry_count, merkle_root, prev_hash, block_hash, node_id,
         snapshot_xmin, signature, signer_key, encoding_version FROM comply.ledger_blocks WHERE block_no = 1;
SELECT block_no, problem, detail FROM comply.verify_ledger() WHERE detail LIKE '%below 1%';
ROLLBACK;
-- A time set to infinity (which no append writes) is an entry altered, not an error that
-- hides every other problem: verification, the export and the sealer read it as int8's end.
BEGIN;
ALTER TABLE comply.audit_log DISABLE TRIGGER append_only;
UPDATE comply.audit_log SET logged_at = 'infinity' WHERE id = 2;
UPDATE comply.audit_log SET logged_at = '-infinity' WHERE id = 3;
UPDATE comply.audit_log SET logged_at = '294270-01-01 00:00:00+00' WHERE id = 4;  -- past int8's microseconds
SELECT block_no, entry_id, problem FROM comply.verify_ledger(1, 3);
SELECT count(*) > 0 AS exported FROM comply.export_ledger(1, 3);
ROLLBACK;
-- An entry sealed at such a time still has a proof that verifies (its 19 digits read exactly).
BEGIN;
ALTER TABLE comply.audit_log DISABLE TRIGGER append_only;
INSERT INTO comply.audit_log (logged_at, session_user_name, current_user_name, xid, action, details)
  VALUES ('infinity', 'x', 'x', pg_current_xact_id(), 'far future', '{}');
SELECT count(*) > 0 AS sealed FROM comply.seal();
SELECT comply.verify_proof(comply.ledger_proof(max(id))) AS far_future_proof_verifies,
       comply.ledger_proof(max(id)) #>> '{entry,logged_at_us}' AS logged_at_us
  FROM comply.audit_log WHERE action = 'far future';
ROLLBACK;
-- sealed_at, which the retention check and people read, must say the time the hash covers.
BEGIN;
ALTER TABLE comply.ledger_blocks DISABLE TRIGGER append_only;
UPDATE comply.ledger_blocks SET sealed_at = '2001-01-01' WHERE block_no = 2;
SELECT block_no, problem, detail FROM comply.verify_ledger(1, 3) WHERE problem = 'block altered';
ROLLBACK;
-- So is the encoding version, which the hash does not cover either (QA 16).
BEGIN;
ALTER TABLE comply.ledger_blocks DISABLE TRIGGER append_only;
UPDATE comply.ledger_blocks SET encoding_version = 99 WHERE block_no = 2;
SELECT block_no, problem, detail FROM comply.verify_ledger(1, 3) WHERE problem = 'block altered';
ROLLBACK;
-- Sealing is not for everyone: it locks the blocks until the caller's transaction ends.
SELECT has_function_privilege('public', 'comply.seal()', 'EXECUTE') AS public_may_seal;
-- An entry inserted behind the ledger's back, whose transaction ended before the latest
-- seal, is reported as not sealed.
BEGIN;
ALTER TABLE comply.audit_log DISABLE TRIGGER append_only; ALTER TABLE comply.ledger_blocks DISABLE TRIGGER append_only;
INSERT INTO comply.audit_log (logged_at, session_user_name, current_user_name, xid, action, details)
  VALUES (now(), 'x', 'x', '3'::xid8, 'hidden', '{}');
SELECT block_no, problem FROM comply.verify_ledger() WHERE problem = 'entry not sealed';
ROLLBACK;
-- An append builds its row itself (no query is planned or run): the values the INSERT
-- of comply.audit_log would store.
BEGIN;
SET LOCAL application_name = 'ledger-test';
SELECT comply.audit('fields', 'check', '{"k": 1}') AS fields_id \gset
SELECT session_user_name = session_user AS session_ok, current_user_name = current_user AS current_ok,
       application_name, client_addr IS NOT DISTINCT FROM inet_client_addr() AS addr_ok,
       xid = pg_current_xact_id() AS xid_ok, logged_at >= now() AS time_ok, action, object, details
  FROM comply.audit_log WHERE id = :fields_id;
-- An identifier glued to a word, which the detector does not see, loses its digits.
SET LOCAL application_name = 'ssn_536-22-8714 worker-7';
SELECT comply.audit('fields', 'check') AS fields_id \gset
SELECT application_name FROM comply.audit_log WHERE id = :fields_id;
SET LOCAL application_name = '';
SELECT comply.audit('fields', NULL) AS fields_id \gset
SELECT application_name IS NULL AS empty_name_is_null, object IS NULL AS no_object, details
  FROM comply.audit_log WHERE id = :fields_id;
ROLLBACK;
-- With an insert trigger on comply.audit_log (an AFTER trigger that forwards entries,
-- say; a BEFORE one is refused, sql/13_drift.sql) the append runs the INSERT instead, so
-- the trigger fires.
BEGIN;
CREATE FUNCTION public.see_append() RETURNS trigger LANGUAGE plpgsql
  AS $$ BEGIN RAISE NOTICE 'insert trigger saw %', NEW.action; RETURN NULL; END $$;
CREATE TRIGGER see_append AFTER INSERT ON comply.audit_log
  FOR EACH ROW EXECUTE FUNCTION public.see_append();
SELECT comply.audit('through-trigger', 'x') > :fields_id AS appended;
ROLLBACK;
SELECT count(*) AS problems_after_rollbacks FROM comply.verify_ledger()
 WHERE problem <> 'bad signature';

-- Key rotation: a block names the key that signed it. Once the key file is replaced,
-- the blocks of the old key verify only while that key is listed in
-- comply.ledger_trusted_keys; a block claiming a key nobody trusts does not verify.
SELECT comply.ledger_public_key() AS old_key, max(block_no) AS last_old_block
  FROM comply.ledger_blocks \gset
SELECT count(*) AS signed_blocks, bool_and(encode(signer_key, 'hex') = :'old_key') AS name_their_key
  FROM comply.ledger_blocks WHERE signature IS NOT NULL;
SELECT current_setting('data_directory') || '/comply_test_ledger2.pem' AS ledger_key2 \gset
SET comply.ledger_signing_key_file = :'ledger_key2';
SELECT comply.ledger_public_key() <> :'old_key' AS new_key;
SELECT comply.audit('signed', 'by the new key');
SELECT count(*) > 0 AS sealed FROM comply.seal();
SELECT block_no = :last_old_block AS old_block, problem,
       detail LIKE 'signed by key ' || left(:'old_key', 16) || '..., which is neither%' AS names_the_key
  FROM comply.verify_ledger(:last_old_block);
SET comply.ledger_trusted_keys = :'old_key';
SELECT count(*) AS problems_with_old_key_trusted FROM comply.verify_ledger(:last_old_block);
SELECT ledger_digest ->> 'signer_key' = comply.ledger_public_key() AS digest_names_key
  FROM comply.ledger_digest();
SELECT count(*) FILTER (WHERE l::jsonb ->> 'signer_key' = :'old_key') AS old_key_blocks_exported
  FROM comply.export_ledger(:last_old_block) l;
BEGIN;
ALTER TABLE comply.audit_log DISABLE TRIGGER append_only; ALTER TABLE comply.ledger_blocks DISABLE TRIGGER append_only;
UPDATE comply.ledger_blocks SET signer_key = decode(repeat('ab', 32), 'hex')
 WHERE block_no = :last_old_block;
SELECT problem, detail FROM comply.verify_ledger(:last_old_block);
ROLLBACK;
\set VERBOSITY terse
SET comply.ledger_trusted_keys = 'not-a-key';
\set VERBOSITY default
RESET comply.ledger_trusted_keys;
RESET comply.ledger_signing_key_file;

DROP TABLE patients, bulk_load;
DROP SCHEMA evil CASCADE;
DROP ROLE comply_ledger_user;

-- Dropping the extension would delete the ledger: refused while it holds entries
-- (before any dependency is looked at), whether the extension or its schema is named;
-- other drops are not concerned.
\set VERBOSITY terse
DROP EXTENSION pg_comply;
DROP EXTENSION IF EXISTS no_such_extension, pg_comply;
DROP SCHEMA comply CASCADE;
-- Nor may a ledger table be taken out of the extension (it could then be dropped on its
-- own, and DROP TABLE ... CASCADE of it dropped the extension too), or dropped by name.
ALTER EXTENSION pg_comply DROP TABLE comply.ledger_entries;
ALTER EXTENSION pg_comply DROP FUNCTION comply.seal();
DROP TABLE comply.audit_log CASCADE;
DROP TABLE IF EXISTS no_such_table, comply.ledger_blocks;
\set VERBOSITY default
DROP EXTENSION pg_comply CASCADE;
CREATE SCHEMA scratch_schema;
DROP SCHEMA scratch_schema CASCADE;
CREATE TABLE scratch_table (id int);
DROP TABLE scratch_table;
SELECT count(*) AS ledger_members FROM pg_depend
 WHERE refobjid = (SELECT oid FROM pg_extension WHERE extname = 'pg_comply') AND deptype = 'e'
   AND objid IN ('comply.audit_log'::regclass, 'comply.ledger_blocks'::regclass, 'comply.ledger_entries'::regclass);
SELECT count(*) > 0 AS ledger_kept FROM comply.audit_log;
DROP TABLE comply.ledger_archives;  -- the archives' record too

-- Retention and archiving, in a database of its own (it removes entries). Blocks keep
-- their entries for comply.ledger_retention (seven years by default); then
-- comply.archive_ledger removes the entries of the blocks up to one, after an export
-- kept elsewhere, whose SHA-256 it records. The blocks stay, so the chain verifies.
CREATE DATABASE comply_archive;
\c comply_archive
SET client_min_messages = warning;
CREATE EXTENSION pg_comply;
RESET client_min_messages;
SELECT count(*) AS appended FROM (SELECT comply.audit('test.archive', 'obj/' || g, jsonb_build_object('n', g))
                                    FROM generate_series(1, 5) g) x;
SELECT block_no, entry_count FROM comply.seal();
SELECT count(*) AS appended FROM (SELECT comply.audit('test.archive', 'obj/' || g, '{}')
                                    FROM generate_series(6, 8) g) x;
SELECT block_no, entry_count FROM comply.seal();
SELECT comply.audit('test.archive', 'later', '{}') > 0 AS appended;
SELECT block_no, entry_count FROM comply.seal();
\set VERBOSITY terse
SELECT * FROM comply.archive_ledger(1);
\set VERBOSITY default
ALTER SYSTEM SET comply.ledger_retention = 0;
SELECT pg_reload_conf();
SELECT pg_sleep(0.5);
-- The export, as psql -At writes it (each line and a newline), hashes to what is recorded.
SELECT encode(sha256(convert_to(string_agg(line || E'\n', '' ORDER BY n), 'UTF8')), 'hex') AS export_sha256
  FROM comply.export_ledger(1, 1) WITH ORDINALITY AS e(line, n) \gset
SELECT from_block, through_block, entry_count, export_sha256 = :'export_sha256' AS matches_the_export
  FROM comply.archive_ledger(1);
SELECT through_block, from_block, entry_count, archived_by = session_user AS by_caller,
       export_sha256 = :'export_sha256' AS sha256 FROM comply.ledger_archives;
SELECT object, details ->> 'through_block' AS through_block, details ->> 'export_sha256' = :'export_sha256' AS sha256
  FROM comply.audit_log WHERE action = 'ledger.archived';
SELECT count(*) AS entries_left, min(object) AS first_left FROM comply.audit_log WHERE action = 'test.archive';
SELECT * FROM comply.verify_ledger();
SELECT comply.verify_digest(comply.ledger_digest()) AS digest_verifies;
SELECT count(*) AS lines_exported FROM comply.export_ledger();  -- blocks 2 and 3 with their entries
\set VERBOSITY terse
SELECT * FROM comply.archive_ledger(1);
SELECT * FROM comply.archive_ledger(0);
SELECT * FROM comply.archive_ledger(99);
SELECT * FROM comply.archive_ledger(NULL);
SELECT comply.export_ledger(1, 2);
-- So does a range that ends among them: run again after the archive, the export step of
-- the procedure would write an empty file and succeed.
SELECT comply.export_ledger(NULL, 1);
SELECT comply.ledger_proof(2);
SELECT comply.audit('ledger.archived', 'forged', '{"through_block": 2}');
-- Nor a change of node (which verify_ledger accepts once recorded), in any case.
SELECT comply.audit('Ledger.Node_Adopted', 'ledger', '{"previous_node": "1", "node": "2"}');
-- The guards still hold for everyone else.
DELETE FROM comply.audit_log WHERE object = 'obj/6';
DELETE FROM comply.ledger_entries;
DELETE FROM comply.ledger_archives;
TRUNCATE comply.ledger_archives;
\set VERBOSITY default
-- A range that does not verify is not archived: its evidence would go with it.
ALTER TABLE comply.audit_log DISABLE TRIGGER append_only;
UPDATE comply.audit_log SET details = '{"n": 99}' WHERE object = 'obj/6';
\set VERBOSITY terse
SELECT * FROM comply.archive_ledger(2);
\set VERBOSITY default
UPDATE comply.audit_log SET details = '{}' WHERE object = 'obj/6';
ALTER TABLE comply.audit_log ENABLE ALWAYS TRIGGER append_only;
SELECT count(*) AS problems FROM comply.verify_ledger();
-- An archive written behind archive_ledger's back (a superuser's INSERT) is reported,
-- and so are the entries it claims removed.
BEGIN;
INSERT INTO comply.ledger_archives VALUES (2, 2, 3, 'forged', now(), 'mallory', 1);
SELECT block_no, problem, detail FROM comply.verify_ledger() ORDER BY block_no, entry_id, problem;
ROLLBACK;
-- Blocks sealed before a signing key was set are unsigned, which verify_ledger reports
-- while a key is set. The first signed block after them vouches for them (its signature
-- covers the chain of hashes back to them): once there is one, they can be archived.
SET comply.ledger_signing_key_file = :'ledger_key';
SELECT block_no, detail FROM comply.verify_ledger() ORDER BY block_no;
\set VERBOSITY terse
SELECT from_block, through_block FROM comply.archive_ledger(2);
\set VERBOSITY default
SELECT block_no FROM comply.seal();
SELECT block_no, signature IS NOT NULL AS signed FROM comply.ledger_blocks ORDER BY block_no DESC LIMIT 1;
-- (The next archive starts after the last: export_ledger(NULL, N) gives its export.)
SELECT encode(sha256(convert_to(string_agg(line || E'\n', '' ORDER BY n), 'UTF8')), 'hex') AS export2_sha256
  FROM comply.export_ledger(NULL, 2) WITH ORDINALITY AS e(line, n) \gset
SELECT from_block, through_block, entry_count, export_sha256 = :'export2_sha256' AS matches_the_export
  FROM comply.archive_ledger(2);
SELECT block_no, detail FROM comply.verify_ledger() ORDER BY block_no;
RESET comply.ledger_signing_key_file;
SELECT count(*) AS problems_without_a_key FROM comply.verify_ledger();
ALTER SYSTEM RESET comply.ledger_retention;
SELECT pg_reload_conf();
\c contrib_regression
DROP DATABASE comply_archive;
-- What a caller passes is redacted wherever personal data could hide in it: the action
-- as well as the object, and the keys of the details as well as their values (an
-- e-mail keying a map), since the ledger can never drop an entry again.
SELECT comply.audit('refund for maria.garcia@example.org', 'claims',
                    '{"maria.garcia@example.org": {"536-22-8714": "called 415-555-2671"}, "reason": "billing"}') AS keyed \gset
SELECT action, object, details FROM comply.audit_log WHERE id = :keyed;
-- Keys redacted alike stay distinct members, numbered in the order jsonb keeps the keys
-- in (shorter first): one key, jsonb kept the last value only, and two of three outcomes
-- were lost from the ledger. A key that already reads "[EMAIL_ADDRESS]#2" is kept, and
-- not taken; a key is redacted with the keys above it as context (a bare SSN under "ssn").
SELECT comply.audit('bulk.update', 'crm',
                    '{"recipients": {"maria.garcia@example.org": "sent", "maria@example.org": "bounced",
                      "k.mensah@example.org": "failed", "[EMAIL_ADDRESS]#2": "literal"},
                      "ssn": {"536228714": "checked"}}') AS collide \gset
SELECT jsonb_pretty(details) AS details FROM comply.audit_log WHERE id = :collide;
-- comply.audit_trigger() fires AFTER ... FOR EACH ROW only: as a BEFORE trigger it would
-- skip the row it records, per statement it would record a change with no row.
CREATE TABLE misfired (id int PRIMARY KEY, note text);
CREATE TRIGGER too_early BEFORE INSERT ON misfired FOR EACH ROW EXECUTE FUNCTION comply.audit_trigger();
INSERT INTO misfired VALUES (1, 'SSN 612-38-4471');
DROP TRIGGER too_early ON misfired;
CREATE TRIGGER per_statement AFTER INSERT ON misfired FOR EACH STATEMENT EXECUTE FUNCTION comply.audit_trigger();
INSERT INTO misfired VALUES (1, 'SSN 612-38-4471');
SELECT count(*) AS rows_kept FROM misfired;
DROP TABLE misfired;
-- comply.seal() needs to see blocks other sessions commit while it runs.
BEGIN ISOLATION LEVEL REPEATABLE READ;
SELECT * FROM comply.seal();
ROLLBACK;
-- A client address's netmask is part of the entry: an entry made over TCP, its address
-- given another mask, is altered.
SELECT * FROM dblink(format('dbname=%s port=%s host=%s', current_database(), current_setting('port'),
                            split_part(current_setting('listen_addresses'), ',', 1)),
                     $$SELECT comply.audit('over tcp', 'netmask')$$) AS t(tcp_entry bigint) \gset
SELECT client_addr IS NOT NULL AS has_client_addr FROM comply.audit_log WHERE id = :tcp_entry;
SELECT count(*) > 0 AS sealed FROM comply.seal();
BEGIN;
ALTER TABLE comply.audit_log DISABLE TRIGGER append_only;
UPDATE comply.audit_log SET client_addr = set_masklen(client_addr, 8) WHERE id = :tcp_entry;
SELECT entry_id = :tcp_entry AS the_entry, problem FROM comply.verify_ledger() WHERE problem = 'entry altered';
ROLLBACK;
-- A row's numbers are redacted by content in its entry: a card number in a bigint column
-- is its label there, the other numbers stay numbers.
CREATE TABLE card_payments (id int PRIMARY KEY, card_number bigint, amount numeric);
CREATE TRIGGER audit AFTER INSERT OR UPDATE OR DELETE ON card_payments
  FOR EACH ROW EXECUTE FUNCTION comply.audit_trigger('values');
INSERT INTO card_payments VALUES (1, 4111111111111111, 12.50);
SELECT details FROM comply.audit_log WHERE object = 'public.card_payments' ORDER BY id;
DROP TABLE card_payments;
-- With the argument 'values', old and new values are kept, redacted by content.
CREATE TABLE patients_v (id int PRIMARY KEY, name text, phone text, ward int);
CREATE TRIGGER audit AFTER INSERT OR UPDATE OR DELETE ON patients_v
  FOR EACH ROW EXECUTE FUNCTION comply.audit_trigger('values');
INSERT INTO patients_v VALUES (1, 'Patient Maria Garcia', '(415) 555-2671', 3);
UPDATE patients_v SET ward = 4 WHERE id = 1;
DELETE FROM patients_v WHERE id = 1;
SELECT action, details FROM comply.audit_log WHERE object = 'public.patients_v' ORDER BY id;
-- Any other argument is refused (a misspelt 'values' would drop the values silently).
CREATE TRIGGER audit2 AFTER INSERT ON patients_v FOR EACH ROW EXECUTE FUNCTION comply.audit_trigger('value');
INSERT INTO patients_v VALUES (2, 'x', 'y', 1);
DROP TABLE patients_v;
