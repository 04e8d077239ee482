// Protected tables (comply.protect, comply.unprotect, the comply._protect_row trigger).
#pragma once

#include <string>
#include <vector>

extern "C" {
#include "postgres.h"
#include "nodes/pg_list.h"
#include "nodes/primnodes.h"
}

namespace comply::pg {

// Registers the cache invalidation callback for comply.policies.
void ProtectInit();

// Whether a protected table's row trigger has run in this transaction. An error raised
// then (a cancel or statement_timeout while the trigger ran, a unique violation of the
// transformed row, any error of a COPY into the table) keeps its statement, and the
// row a COPY context quotes, out of the server log: guc.cpp's emit_log_hook.
bool ProtectedWriteSeen();

// Once a statement has written to a protected table, pg_stat_activity (and the server
// log's line about a backend that crashed) shows a placeholder instead of its text,
// which holds the values the client sent. Once a statement; no error.
void HideActivity();

// Before a COPY FROM into relation: when the table (or the partitioned table) has a
// protect trigger, an error of the COPY from its first line on (an input value the
// column's type refuses, quoted in the message and the context) is hidden as
// ProtectedWriteSeen's. Takes the COPY's lock on the table. May ereport.
void NoteCopyInto(const RangeVar* relation);

// Whether comply.protect is running in this backend (the protect triggers it creates are
// its own, not a restore's: drift.cpp's comply._note_restored_triggers).
bool ProtectRunning();

// Records in the ledger the TRUNCATE of those of relids[0, n) that are partitions of a
// protected table (called by the utility hook after a TRUNCATE naming them; the
// protected table's own TRUNCATE is recorded by its trigger). May ereport.
void RecordTruncatedPartitions(const Oid* relids, int n);
// A DROP of a partition of a protected table takes its rows with it, past the table's
// triggers, whether the statement names it (DROP TABLE) or takes it with something else
// (DROP SCHEMA ... CASCADE, DROP OWNED, DROP SERVER ... CASCADE, ...). Before a DROP
// statement: every partition (at any depth) of every protected partitioned table, as a
// List of DroppedPartition (palloc'd; NIL for none). Once the statement is done,
// RecordDroppedPartitions records each of them that is gone while its parent is not (a
// partition dropped with its parent is the parent's drop) as drift
// (`partition_dropped`, command the statement's tag), and cancels the queued jobs and
// withdraws the open review cases of the rows gone (once per protected table). Both
// may ereport.
struct DroppedPartition {
  Oid root;         // the protected table
  Oid relid;        // the partition
  Oid parent;       // its parent (the root or a partition)
  char* partition;  // the partition's qualified name
};
List* PartitionsOfProtectedTables();
void RecordDroppedPartitions(List* noted, const char* command);

// A statement of a session with session_replication_role = replica writes relids[0, n)
// (operation: INSERT, UPDATE, DELETE, MERGE or COPY): no trigger of a protected table
// fires there, so each of them that is protected (or a partition of one) is recorded
// as drift (a ledger entry and an alert), once a transaction, with a WARNING to the
// session. May ereport.
void RecordReplicaRoleWrites(const Oid* relids, int n, const char* operation);

// An ALTER TABLE of relid has just rewritten column's stored values without the row
// triggers (command: ALTER COLUMN TYPE ... USING, ADD COLUMN ... DEFAULT): when the
// column is in the policy of relid, of the protected table relid is a partition of, or
// (recurse: not ALTER TABLE ONLY) of a protected partition or inheritance child under
// relid, the rewrite is recorded as policy_bypassed drift (a ledger entry and an alert),
// with a WARNING to the session. May ereport.
void RecordColumnRewrite(Oid relid, const char* column, const char* command, bool recurse);

// Reads of protected tables whose policy has "audit_reads", in two steps:
// PrepareReadAudit before statement `key` runs (a QueryDesc, a COPY) reads relids[0, n)
// (operation: SELECT, COPY for COPY ... TO, or the INSERT, UPDATE, DELETE or MERGE that
// reads them as its source): it looks up, once per relation and session, whether each
// relation's policy audits reads (it may run queries, and ereport), and keeps what the
// entries will say. RecordReads once the statement has ended, `rows` rows returned or
// written: each audited table read gets a ledger entry, handed to the job worker (it
// outlives a rollback and needs no writable transaction); it runs no query and never
// throws. A statement whose (sub)transaction aborts before its end is recorded then,
// its rows unknown ("failed": it may have sent rows before its error).
void PrepareReadAudit(const void* key, const Oid* relids, int n, const char* operation);
void RecordReads(const void* key, uint64 rows);

// Among the classification jobs ids (queued or running), cancels those whose subject
// names a row of a protected table that the table no longer holds (a partition dropped,
// detached or truncated, a row deleted while the table's triggers did not fire), with
// reason as their last_error, and returns their ids. Jobs of other subjects, and of
// tables whose key cannot be looked up (no primary key, or a key column of a type whose
// text may read back differently), are left. Not a read of the tables to audit. Throws
// (call it inside Guarded).
std::vector<int64> CancelJobsOfGoneRows(const std::vector<int64>& ids, const std::string& reason);
}  // namespace comply::pg
