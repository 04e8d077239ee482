-- The sealer's own reading and writing (SealOnce): the candidate entries read as stored
-- and converted in C as comply.verify_ledger()'s SQL does (so verify_ledger finds any
-- difference: an entry sealed from another text than its SQL one reads as altered), and
-- the sealed entries recorded directly in comply.ledger_entries, or through an INSERT
-- when the table is no longer as the extension made it. A database of its own: its
-- block numbers and ledger do not depend on the other suites.
CREATE DATABASE comply_sealer;
\c comply_sealer
SET client_min_messages = warning;
CREATE EXTENSION pg_comply;
RESET client_min_messages;

-- Entries whose columns take every path of the conversion: client addresses (a host,
-- IPv6, a network: text(inet) keeps the mask length), NULLs, details with escapes,
-- control characters, non-ASCII text, numbers as numeric_out writes them, empty and
-- nested containers, scalar documents, a document nested deeper than the sealer renders
-- itself (left to JsonbToCString), and times at and past the end of int8's microseconds.
INSERT INTO comply.audit_log (logged_at, session_user_name, current_user_name, application_name,
                              client_addr, xid, action, object, details)
SELECT t, 'alice', 'bob', app, addr::inet, pg_current_xact_id(), 'test.' || n, obj, d::jsonb
  FROM (VALUES
    (1, now(), 'app', '10.1.2.3', 'obj', '{"a": 1}'),
    (2, now(), NULL, '::1', NULL, '{}'),
    (3, now(), '', '192.168.0.0/24', '', '[]'),
    (4, now(), 'tab	and "quotes"', NULL, 'o\\b', '{"s": "tab\there \"q\" back\\slash \u0001\u001f ctl é 😀", "k\n": "v"}'),
    (5, now(), 'x', '2001:db8::/32', 'x', '{"n": [1.50, -0, 1e30, 0.000001, 12345678901234567890, -3.14159e-10, 100]}'),
    (6, now(), 'x', NULL, 'x', '{"b": [true, false, null], "e": {}, "a": [], "nested": {"k": [{"x": 1, "yy": [[]]}]}}'),
    (7, now(), 'x', NULL, 'x', '"just a string"'),
    (8, now(), 'x', NULL, 'x', '42'),
    (9, now(), 'x', NULL, 'x', 'null'),
    (10, now(), 'x', NULL, 'x', repeat('[', 150) || '"deep"' || repeat(']', 150)),
    (11, now(), 'x', NULL, 'x', repeat('{"k": ', 120) || '1' || repeat('}', 120)),
    (12, '294276-12-31 23:59:59+00'::timestamptz, 'x', NULL, 'x', '{"far": "future"}'),
    (13, '4713-01-01 00:00:00+00 BC'::timestamptz, 'x', NULL, 'x', '{"far": "past"}'),
    -- int8's last microsecond since 1970 and the next: extract(epoch) is numeric division
    -- from there, seconds rounded to 4 decimals (.775807 to .775849 read ...775800).
    (14, '294247-01-10 04:00:54.775806+00'::timestamptz, 'x', NULL, 'x', '{}'),
    (15, '294247-01-10 04:00:54.775807+00'::timestamptz, 'x', NULL, 'x', '{}'),
    (16, '294247-01-10 04:00:54.775849+00'::timestamptz, 'x', NULL, 'x', '{}'),
    (17, '294247-01-10 04:00:54.775850+00'::timestamptz, 'x', NULL, 'x', '{}')
  ) AS v(n, t, app, addr, obj, d);
SELECT * FROM comply.seal();
SELECT block_no, entry_id, problem FROM comply.verify_ledger();
SELECT count(*) AS sealed, min(leaf_index) AS first_leaf, max(leaf_index) AS last_leaf
  FROM comply.ledger_entries;
-- The same entries again, sealed one a block: the first round of comply.seal() is a full
-- search (the query), the next ones search from the last id sealed (audit_log's primary
-- key read directly).
INSERT INTO comply.audit_log (logged_at, session_user_name, current_user_name, application_name,
                              client_addr, xid, action, object, details)
SELECT logged_at, session_user_name, current_user_name, application_name, client_addr, xid,
       action || '.again', object, details
  FROM comply.audit_log WHERE action LIKE 'test.%' ORDER BY id;
SET comply.seal_batch = 1;
SELECT count(*) AS blocks, sum(entry_count) AS entries FROM comply.seal();
RESET comply.seal_batch;
SELECT block_no, entry_id, problem FROM comply.verify_ledger();

-- A table altered by a superuser (here an insert trigger) is written through the
-- INSERT, which fires it; once the trigger is gone, directly again. Either way the same
-- entries and hashes.
CREATE TABLE public.sealed_seen (entry_id bigint, block_no bigint, leaf_index int);
CREATE FUNCTION public.note_sealed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO public.sealed_seen VALUES (NEW.entry_id, NEW.block_no, NEW.leaf_index);
  RETURN NEW;
END $$;
CREATE TRIGGER note_sealed AFTER INSERT ON comply.ledger_entries
  FOR EACH ROW EXECUTE FUNCTION public.note_sealed();
SELECT comply.audit('with.trigger', 'obj ' || g, '{}') > 0 AS appended FROM generate_series(1, 3) g;
SELECT * FROM comply.seal();
SELECT s.block_no, s.leaf_index, a.action, a.object
  FROM public.sealed_seen s JOIN comply.audit_log a ON a.id = s.entry_id ORDER BY s.leaf_index;
DROP TRIGGER note_sealed ON comply.ledger_entries;
SELECT comply.audit('without.trigger', 'obj', '{}') > 0 AS appended;
SELECT * FROM comply.seal();
SELECT count(*) AS seen_by_trigger FROM public.sealed_seen;
-- An index on an expression or with a predicate (a superuser may add indexes that are
-- not unique) is left to the INSERT; an index added is filled either way (read here
-- through the index alone).
CREATE INDEX ledger_entries_expr ON comply.ledger_entries ((leaf_index * 2)) WHERE block_no > 0;
CREATE INDEX ledger_entries_hash ON comply.ledger_entries (entry_hash);
SELECT comply.audit('indexed.' || g, 'obj', '{}') > 0 AS appended FROM generate_series(1, 2) g;
SELECT * FROM comply.seal();
DROP INDEX comply.ledger_entries_expr;
SELECT comply.audit('indexed.' || g, 'obj', '{}') > 0 AS appended FROM generate_series(3, 4) g;
SELECT * FROM comply.seal();
SET enable_seqscan = off;
SET enable_bitmapscan = off;
EXPLAIN (COSTS OFF) SELECT count(*) FROM comply.ledger_entries WHERE entry_hash > '\x00';
SELECT count(*) AS by_hash_index FROM comply.ledger_entries WHERE entry_hash > '\x00';
RESET enable_seqscan;
RESET enable_bitmapscan;
SELECT count(*) AS by_table FROM comply.ledger_entries;
DROP INDEX comply.ledger_entries_hash;
SELECT block_no, entry_id, problem FROM comply.verify_ledger();
SELECT b.block_no, b.entry_count, count(e.entry_id) AS recorded
  FROM comply.ledger_blocks b LEFT JOIN comply.ledger_entries e USING (block_no)
 GROUP BY b.block_no, b.entry_count ORDER BY b.block_no;

-- Several blocks in one call (comply.seal_batch): each round sees the entries the
-- earlier rounds recorded in the same transaction, none sealed twice.
SET comply.seal_batch = 2;
SELECT comply.audit('batch.' || g, 'obj', '{}') > 0 AS appended FROM generate_series(1, 5) g;
SELECT * FROM comply.seal();
RESET comply.seal_batch;
SELECT count(*) AS entries, count(DISTINCT entry_id) AS distinct_entries FROM comply.ledger_entries;
SELECT count(*) AS unsealed FROM comply.audit_log a
 WHERE NOT EXISTS (SELECT 1 FROM comply.ledger_entries s WHERE s.entry_id = a.id);
SELECT block_no, entry_id, problem FROM comply.verify_ledger();

-- Sealing goes on whatever a superuser did to the sealed blocks (last, as it leaves a gap
-- in the chain for good). The newest block deleted, its entries kept: the next block is
-- numbered past the entries' block (numbered after the last block left, every round
-- failed on ledger_entries' unique key and nothing was sealed again); verify_ledger
-- reports the block missing, and the new entries are sealed.
SELECT max(block_no) AS cut_block FROM comply.ledger_blocks \gset
ALTER TABLE comply.ledger_blocks DISABLE TRIGGER append_only;
DELETE FROM comply.ledger_blocks WHERE block_no = :cut_block;
ALTER TABLE comply.ledger_blocks ENABLE ALWAYS TRIGGER append_only;
SELECT comply.audit('after.cut', 'obj', '{}') > 0 AS appended;
SELECT count(*) AS blocks, sum(entry_count) AS entries FROM comply.seal();
SELECT max(block_no) - :cut_block AS next_block_after_the_cut FROM comply.ledger_blocks;
SELECT count(*) AS unsealed FROM comply.audit_log a
 WHERE NOT EXISTS (SELECT 1 FROM comply.ledger_entries s WHERE s.entry_id = a.id);
SELECT block_no - :cut_block AS block_after_cut, problem FROM comply.verify_ledger()
 ORDER BY block_no, entry_id LIMIT 3;

\c contrib_regression
DROP DATABASE comply_sealer;
