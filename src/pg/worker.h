// The sealing background workers (one per database with pg_comply installed).
#pragma once

#include <cstdint>
#include <functional>
#include <string>

struct Node;  // PostgreSQL's parse node

namespace comply::pg {

// Registers the launcher and the shared state; only when loaded through
// shared_preload_libraries (otherwise comply.seal() seals on demand).
void WorkerInit();

// Records that this transaction appended audit entry id: when it commits, this
// database's sealer learns the lowest id it appended, so that its next search starts
// there (and it is woken if idle, or the launcher if there is no sealer yet).
void NoteAppend(int64_t id);

// Largest record DeferRecord takes, in bytes.
constexpr size_t kDeferredRecordBytes = 8192;

// Hands a record (JSON text, already redacted) to this database's job worker, which
// writes it in a transaction of its own: for records that must outlive the caller's
// rollback, such as the interaction of a synchronous call that failed. The record is
// also written to disk (pg_stat_tmp/pg_comply) before this returns, so that it outlives
// a restart or a crash of the server too (the first drain after it takes it back).
// When all slots are taken, or this database's share of them, and the job worker runs,
// waits (up to 5 s) for it to free one (not when the caller is being cancelled or
// stopped, or holds drained slots itself); with none free then, or no worker, the record
// waits on disk alone (at most 10,000 such records in the cluster). Returns false, and counts the record lost, when it cannot (no
// shared memory without shared_preload_libraries, record too large, or no slot and its
// file not written). Never throws; safe in any state of the transaction.
bool DeferRecord(const char* kind, const std::string& json);

// What comply.check_server() reports of the hand-over: whether the shared state exists
// (pg_comply preloaded), the records lost since the server started (cluster-wide), this
// database's records waiting for its job worker, and whether its sealer and job worker
// run.
struct DeferredStatus {
  bool shared = false;
  uint64_t lost = 0;
  int waiting = 0;
  int on_disk = 0;  // this database's records on disk that no slot holds (-1: unknown)
  bool sealer = false;
  bool job_worker = false;
};
DeferredStatus GetDeferredStatus();

// Takes this database's deferred records one by one and calls write(kind, json) for
// each (in the caller's transaction), which returns false to leave it for a later drain;
// a record whose write throws goes back to the pool and the exception propagates. The
// records written stay taken until the transaction ends: freed when it commits, back in
// the pool when it or the subtransaction that wrote them rolls back (or it is prepared,
// or the process exits first). Writes first, straight from their files and on the same
// terms, the records on disk that no slot holds (a restart or a crash left them, or no
// slot was free), at most 1,024 a transaction. Returns the number written.
int DrainDeferred(const std::function<bool(const char*, const std::string&)>& write);

// Records that this transaction queued a classification job: when it commits, this
// database's job worker is woken (or the launcher, to start one).
void NoteJobQueued();

// Before a utility statement that needs a database to itself (DROP DATABASE, ALTER
// DATABASE ... RENAME TO or SET TABLESPACE, CREATE DATABASE ... TEMPLATE), run by its
// owner or a superuser: stops pg_comply's workers there, which stay connected, and
// keeps the launcher from starting them again for a while. Plain C (may ereport).
void LetGoOfDatabaseFor(::Node* stmt);

}  // namespace comply::pg
