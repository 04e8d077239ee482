// The background workers: a launcher (no database) that starts, per database, a sealer
// (sealing the ledger every comply.seal_interval, or sooner when an append wakes it) and
// a job worker (classification jobs and the review queue's upkeep, woken when a job is
// queued). Modelled on pg_cron's loop.
#include "pg/worker.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

#include "pg/alerts.h"
#include "pg/classify.h"
#include "pg/guard.h"
#include "pg/guc.h"
#include "pg/ledger.h"
#include "pg/review.h"
#include "pg/spi.h"

extern "C" {
#include "postgres.h"

#include "access/heapam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "access/xlog.h"
#include "utils/timestamp.h"
#include "catalog/pg_database.h"
#include "commands/dbcommands.h"
#include "commands/defrem.h"
#include "nodes/parsenodes.h"
#include "utils/acl.h"
#include "commands/extension.h"
#include "common/file_perm.h"
#include "port/pg_crc32c.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "access/transam.h"
#include "storage/procarray.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "storage/lwlock.h"
#include "storage/proc.h"
#include "storage/shmem.h"
#include "storage/spin.h"
#include "tcop/tcopprot.h"
#include "utils/guc.h"
#include "utils/inval.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"

PGDLLEXPORT void comply_launcher_main(Datum arg);
PGDLLEXPORT void comply_sealer_main(Datum arg);
PGDLLEXPORT void comply_jobs_main(Datum arg);
}

namespace comply::pg {
namespace {

// A sealer that heard of no committed append still searches for unsealed entries this
// often, for entries written behind comply.audit's back.
constexpr int kFullCheckMs = 60000;
// Databases with workers at once, at most; more wait for a place (and are logged).
constexpr int kMaxSealers = 64;
// Databases remembered as without pg_comply (so that they take no place), at most.
constexpr int kMaxAbsent = 1024;
// Databases the launcher considers in one round, at most.
constexpr int kMaxScanned = 8192;
// How often, at most, the launcher logs that databases wait for workers.
constexpr int kWaitingLogMs = 300000;
// Kinds of per-database worker.
enum WorkerKind : int { kSealer = 0, kJobs = 1 };
constexpr int kKinds = 2;
// The job worker looks after the review queue (expired claims, SLA) this often, and
// claims at most this many jobs per round.
constexpr int kMaintainMs = 5000;
constexpr int kPurgeMs = 3600 * 1000;  // comply.ai_retention's purge, hourly
// How long a database found without pg_comply is left alone.
constexpr int kAbsentRetryMs = 300000;
// How often the launcher looks for databases that need a sealer; and how soon again when
// one that asked for a sealer found no worker slot free.
constexpr int kLauncherNaptimeMs = 10000;
constexpr int kLauncherRetryMs = 1000;

struct SealerSlot {
  Oid dbid;
  int kind;           // WorkerKind
  pid_t pid;
  Latch* latch;
  bool idle;          // sealed nothing last round: a commit should wake it at once
  uint64 commits;     // transactions that appended and committed, ever
  int64 min_id;       // lowest id appended by those commits since the last search
  bool pending_lost;  // a committing transaction found no PendingCommit slot: search all
};

// min_id when no appending transaction committed since the last search.
constexpr int64 kNoId = PG_INT64_MAX;

// A database found without pg_comply: not tried again before `until`, unless an
// append there asks for a sealer.
struct AbsentDb {
  Oid dbid;
  TimestampTz until;
};

// Records handed to a database's job worker, to be written in a transaction of its own
// (they must outlive the caller's rollback): a fixed pool of slots (about 1 MB of shared
// memory). One database may hold half of them: as many as the whole pool had before the
// cap, which audited reads need (bench/read_audit_bench.sh: with 32, a quarter fewer).
constexpr int kDeferredSlots = 128;
// How long DeferRecord waits, at most, for a slot the job worker frees, polling every
// kDeferPollMs (and woken by nothing else: the worker does not know who waits).
constexpr int kDeferWaitMs = 5000;
constexpr int kDeferPollMs = 2;
// Slots one database may hold at once, so that a database whose job worker does not
// run (comply.ai_worker off, its records drained by comply.run_jobs() when someone calls
// it, or no worker slot left) or falls behind cannot take all the slots of the others.
constexpr int kDeferredPerDatabase = kDeferredSlots / 2;
struct DeferredSlot {
  // kDone: written to the ledger and committed, but its file could be neither emptied
  // nor removed (SpoolMarkDone): kept out of use until the launcher (SweepSpool) or the
  // postmaster at shutdown (ReportUndelivered) empties it, since a restart meanwhile
  // would write its record again.
  enum State : int { kFree = 0, kWriting, kReady, kTaken, kDone } state;
  Oid dbid;
  // When its record was handed over (SpillStaleSlots); not reset by a drain that took it
  // and gave it back (a rollback, a failed write): a database whose drains keep failing
  // must not keep its slots for that.
  TimestampTz ready_at;
  bool spooled;        // also in its file (SpoolWriteSlot)
  uint32 spool_bytes;  // the bytes it takes there
  uint32 len;
  char kind[32];
  char data[kDeferredRecordBytes];
};

// A prepared transaction that appended. COMMIT PREPARED runs no callback of ours (it
// may run in another session, or after a restart), so the database's sealer watches
// the transaction and, once it has committed, searches from its entries. Beyond
// kPreparedAppends at once, the periodic full search finds the rest.
constexpr int kPreparedAppends = 64;
struct PreparedAppend {
  Oid dbid;  // InvalidOid: free
  TransactionId xid;
  int64 min_id;  // the lowest id it appended
};

// A transaction that appended, between its pre-commit and its commit callback: visible
// as committed to the snapshots taken in between (PostgreSQL calls the commit callbacks
// after the transaction left the proc array), though its lowest id is not reported yet.
// The sealer searches from the lowest of these too, without taking them, so that every
// transaction its search's snapshot sees committed has its entries searched (the block's
// snapshot_xmin then tells verify_ledger() which entries it must hold). A backend holds
// one at most; beyond kPendingCommits at once, the sealer searches everything.
constexpr int kPendingCommits = 128;
struct PendingCommit {
  Oid dbid;  // InvalidOid: free
  int64 min_id;
};

struct WorkerShared {
  slock_t mutex;
  // Records DeferRecord could not hand over since the server started (each also a LOG
  // line where it failed), for comply.check_server(): audit entries lost.
  uint64 deferred_lost;
  // Names the files of the records in the slots (SpoolFile): a new value each time
  // shared memory is initialized, so that files of an earlier one are known to belong to
  // no slot. next_seq numbers the other files; disk_only counts the records written to a
  // file without a slot, so that drains know to look for them (SpoolOrphans), and
  // disk_waiting the records on disk that no slot of this generation holds, for the bound
  // kMaxDiskOnly: those written without a slot or moved out of one (SpillStaleSlots), and
  // those earlier generations left, counted when shared memory is initialized
  // (CountSpoolAtStartup: they used to start from 0 at each restart, and restarts without
  // drains piled up any number).
  uint64 generation;
  uint64 next_seq;
  uint64 disk_only;
  uint64 disk_waiting;
  Latch* launcher_latch;
  Oid requested_db;  // a database whose appends found no sealer
  SealerSlot slots[kMaxSealers * kKinds];
  AbsentDb absent[kMaxAbsent];
  DeferredSlot deferred[kDeferredSlots];
  PreparedAppend prepared[kPreparedAppends];
  PendingCommit pending[kPendingCommits];
};

WorkerShared* shared = nullptr;
shmem_request_hook_type prev_shmem_request = nullptr;
shmem_startup_hook_type prev_shmem_startup = nullptr;

// Asks for the shared state (shmem_request_hook).
void RequestShared() {
  if (prev_shmem_request) prev_shmem_request();
  RequestAddinShmemSpace(sizeof(WorkerShared));
  RequestAddinShmemSpace(BreakerShmemSize());
}

// Deferred records on disk ------------------------------------------------------------
//
// Shared memory does not outlive the server, nor a crash of any of its processes (the
// postmaster then initializes it anew). So each record DeferRecord puts in slot i is also
// written, before it returns, to the file of slot i in this generation of shared memory,
// as a live record; once the transaction that wrote it to the ledger has committed, its
// bytes are overwritten with zeros (DrainedAtXactEnd: the record, redacted as it is, is
// not left on disk after it is in the ledger, nor after comply.forget or
// comply.ai_retention removed it there). Zeros rather than a truncation: freeing and
// allocating the file's block for each record made audited reads four times slower on the
// development machine (its file system discards freed blocks); a file that cannot be
// zeroed is removed instead, and a slot whose file can be neither is kept out of use
// until it can (kDone). A file of another generation holding a live record belongs to
// no slot: the next drain in its database writes it straight from the file
// (SpoolOrphans). So does a record written to a file of its own with no slot at all
// (every slot taken and no job worker to free one in time), which would otherwise be
// lost; and so does a record the launcher moved out of its slot after it waited there
// kSpillAfterMs unclaimed (SpillStaleSlots: a database whose records nobody drains must
// not hold its share of the slots for ever). At most kMaxDiskOnly records on disk that no
// slot holds at once, those of earlier generations included. The records of a database
// that no longer exists are removed by the launcher (SweepSpool).
//
// One file a slot, created once a generation and rewritten in place: creating a file
// costs far more than writing one (about 350 against 15 µs on the development machine),
// and audited reads hand over tens of thousands of records a second. The directory is in
// pg_stat_tmp, whose contents base backups and pg_rewind leave out: a standby made from a
// backup does not write again what its primary writes. The files are not fsync'ed: the
// records survive a crash or an immediate shutdown of PostgreSQL, not one of the
// operating system before the kernel wrote them out; and a crash in the instant between
// a drain's commit and the emptying or removal of its files writes that record twice.
constexpr char kSpoolDir[] = "pg_stat_tmp/pg_comply";  // relative to the data directory
// Records on disk without a slot, cluster-wide, at most (8 kB each at most): written
// without one, moved out of one, or left by an earlier generation of shared memory.
constexpr uint64 kMaxDiskOnly = 10000;
// A record that waited this long in its slot, unclaimed by any drain, is moved by the
// launcher to a file of its own (SpillStaleSlots, in its round every kLauncherNaptimeMs:
// so after 60 to 70 seconds). A database whose job worker runs drains its slots within
// milliseconds; one whose records nobody drains (no job worker there, comply.run_jobs()
// not called, pg_comply dropped) then holds its slots for a minute, not for ever.
constexpr int kSpillAfterMs = 60000;

// A record on disk: a header line, then the record's bytes.
//   "PGCOMPLY-DEFERRED 1 L <database> <crc32c of the bytes, hex> <length> <kind>\n"
constexpr char kSpoolMagic[] = "PGCOMPLY-DEFERRED 1 ";
constexpr size_t kStateOffset = sizeof(kSpoolMagic) - 1;

// A file's path, built without allocating (some are built while a slot is held):
//   <generation, 16 hex digits>-s<slot>.<ext>              a slot's file
//   <generation>-d<sequence>-<database>.<ext>              a record without a slot
//   <generation>-t<sequence>-<database>.<ext>              a record being taken back
// with ext rec, or tmp while a record without a slot is written.
struct SpoolPath {
  char s[128];
  const char* c_str() const { return s; }
};
SpoolPath SpoolFile(uint64 gen, char what, uint64 n, Oid dbid = InvalidOid, const char* ext = "rec") {
  SpoolPath p;
  if (what == 's')
    snprintf(p.s, sizeof(p.s), "%s/%016llx-s%llu.%s", kSpoolDir, static_cast<unsigned long long>(gen),
             static_cast<unsigned long long>(n), ext);
  else
    snprintf(p.s, sizeof(p.s), "%s/%016llx-%c%llu-%u.%s", kSpoolDir, static_cast<unsigned long long>(gen), what,
             static_cast<unsigned long long>(n), dbid, ext);
  return p;
}

struct SpoolName {
  uint64 gen;
  char what;  // 's', 'd' or 't'
  Oid dbid;   // InvalidOid for a slot's file (it says inside)
  bool tmp;
};

// Reads a directory entry's name as SpoolFile writes it; false for anything else.
bool ParseSpoolName(const char* name, SpoolName* out) {
  char* end = nullptr;
  errno = 0;
  unsigned long long gen = strtoull(name, &end, 16);
  if (end != name + 16 || *end != '-' || errno) return false;
  const char what = end[1];
  if (what != 's' && what != 'd' && what != 't') return false;
  const char* p = end + 2;
  (void)strtoull(p, &end, 10);
  if (end == p || errno) return false;
  unsigned long db = 0;
  if (what != 's') {
    if (*end != '-') return false;
    p = end + 1;
    db = strtoul(p, &end, 10);
    if (end == p || errno) return false;
  }
  if (strcmp(end, ".rec") != 0 && strcmp(end, ".tmp") != 0) return false;
  *out = {gen, what, static_cast<Oid>(db), strcmp(end, ".tmp") == 0};
  return true;
}

std::string EncodeRecord(Oid dbid, const char* kind, const std::string& json) {
  pg_crc32c crc;
  INIT_CRC32C(crc);
  COMP_CRC32C(crc, json.data(), json.size());
  FIN_CRC32C(crc);
  char head[128];
  snprintf(head, sizeof(head), "%sL %u %08x %zu %s\n", kSpoolMagic, dbid, crc, json.size(), kind);
  return head + json;
}

bool WriteAt(int fd, const std::string& bytes, off_t at) {
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = pwrite(fd, bytes.data() + done, bytes.size() - done, at + static_cast<off_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

int OpenSpoolFile(const char* path, int flags) {
  int fd = open(path, flags | PG_BINARY, pg_file_create_mode);
  if (fd < 0 && errno == ENOENT && (flags & O_CREAT)) {
    (void)mkdir("pg_stat_tmp", pg_dir_create_mode);
    (void)mkdir(kSpoolDir, pg_dir_create_mode);
    fd = open(path, flags | PG_BINARY, pg_file_create_mode);
  }
  return fd;
}

// Zeros: a slot's file once its record is written and committed (SpoolMarkDone).
const char kZeros[kDeferredRecordBytes + 256] = {};

// Writes a live record into slot's file of generation gen, in place (over zeros, or
// nothing). Plain C++ and POSIX calls only (DeferRecord runs in any state of a
// transaction). Returns the bytes written, 0 on failure, the record then made empty if it
// can be (a live record left there would be written again after a restart).
uint32 SpoolWriteSlot(uint64 gen, int slot, Oid dbid, const char* kind, const std::string& json) noexcept {
  const SpoolPath path = SpoolFile(gen, 's', static_cast<uint64>(slot));
  int fd = -1;
  try {
    const std::string bytes = EncodeRecord(dbid, kind, json);
    fd = OpenSpoolFile(path.c_str(), O_WRONLY | O_CREAT);
    if (fd < 0) return 0;
    const bool ok = WriteAt(fd, bytes, 0);
    if (!ok) (void)!pwrite(fd, kZeros, 1, 0);
    // A close() failing after the whole record was written (a delayed write error of the
    // system) leaves the record in the file: it is taken as written, so that the drain
    // empties the file (SpoolMarkDone) once the record is in the ledger. Taken as not
    // written, the file was never emptied and a restart wrote the record a second time.
    (void)close(fd);
    return ok ? static_cast<uint32>(bytes.size()) : 0;
  } catch (...) {
    if (fd >= 0) {
      (void)!pwrite(fd, kZeros, 1, 0);
      (void)close(fd);
    }
    return 0;
  }
}

// Writes a live record to a file of its own (a temporary file renamed into place, so
// that a drain never reads half of it); false on failure.
bool SpoolWriteDisk(uint64 gen, uint64 seq, Oid dbid, const char* kind, const std::string& json) noexcept {
  const SpoolPath tmp = SpoolFile(gen, 'd', seq, dbid, "tmp");
  try {
    const std::string bytes = EncodeRecord(dbid, kind, json);
    int fd = OpenSpoolFile(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC);
    if (fd < 0) return false;
    bool ok = WriteAt(fd, bytes, 0);
    if (close(fd) != 0) ok = false;
    if (ok && rename(tmp.c_str(), SpoolFile(gen, 'd', seq, dbid).c_str()) != 0) ok = false;
    if (!ok) {
      const int err = errno;  // the write's or the rename's, for the caller's %m
      (void)unlink(tmp.c_str());
      errno = err;
    }
    return ok;
  } catch (...) {
    (void)unlink(tmp.c_str());
    return false;
  }
}

// How SpoolMarkDone emptied a slot's file.
enum class MarkDone { kZeroed, kRemoved, kFailed };

// Empties slot's file: its record is in the ledger, committed. Its bytes are overwritten
// with zeros; when that fails (no file descriptor left, an error of the system), the file
// is removed instead (the slot's next record creates it again). kFailed, errno set, when
// neither could be done: the record is still live there, and a restart would write it
// to the ledger a second time.
MarkDone SpoolMarkDone(uint64 gen, int slot, uint32 bytes) noexcept {
  const SpoolPath path = SpoolFile(gen, 's', static_cast<uint64>(slot));
  int fd = open(path.c_str(), O_WRONLY | PG_BINARY, 0);
  if (fd < 0 && errno == ENOENT) return MarkDone::kZeroed;  // nothing to empty
  if (fd >= 0) {
    const size_t n = std::min<size_t>(bytes, sizeof(kZeros));
    bool ok = pwrite(fd, kZeros, n, 0) == static_cast<ssize_t>(n);
    if (close(fd) != 0) ok = false;
    if (ok) return MarkDone::kZeroed;
  }
  const int failed = errno;
  if (unlink(path.c_str()) == 0 || errno == ENOENT) {
    errno = failed;
    return MarkDone::kRemoved;
  }
  return MarkDone::kFailed;
}

struct SpoolRecord {
  bool live = false;
  Oid dbid = InvalidOid;
  std::string kind;
  std::string json;
};

enum class SpoolRead { kRecord, kEmpty, kDamaged, kUnreadable };

// Reads a record SpoolWrite* wrote: kEmpty for a file of zeros or nothing (written and
// committed, or never),
// kDamaged when the record is not whole (its length or checksum does not match: the
// system crashed while it was written), kUnreadable when the file could not be read (gone,
// or an error of the system: left as it is).
SpoolRead ReadSpoolFile(const char* path, SpoolRecord* out) {
  FILE* f = fopen(path, "rb");
  if (!f) return SpoolRead::kUnreadable;
  std::string all;
  bool failed = false;
  try {
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof(buf), f)) > 0 && all.size() <= kDeferredRecordBytes + 256) all.append(buf, n);
    failed = ferror(f) != 0;
  } catch (...) {
    failed = true;
  }
  fclose(f);
  if (failed) return SpoolRead::kUnreadable;
  if (all.empty() || all[0] == '\0') return SpoolRead::kEmpty;
  const size_t nl = all.find('\n');
  if (all.compare(0, kStateOffset, kSpoolMagic) != 0 || nl == std::string::npos || nl > 200)
    return SpoolRead::kDamaged;
  const std::string head = all.substr(0, nl);
  char state = 0, kind[64] = {0};
  unsigned int dbid = 0, crc = 0;
  size_t len = 0;
  if (sscanf(head.c_str() + kStateOffset, "%c %u %8x %zu %63s", &state, &dbid, &crc, &len, kind) != 5)
    return SpoolRead::kDamaged;
  // (Bytes after the record are those of a longer one before it, zeros.)
  if ((state != 'L' && state != 'D') || nl + 1 + len > all.size() || len > kDeferredRecordBytes ||
      strlen(kind) >= sizeof(DeferredSlot::kind))
    return SpoolRead::kDamaged;
  out->json = all.substr(nl + 1, len);
  pg_crc32c check;
  INIT_CRC32C(check);
  COMP_CRC32C(check, out->json.data(), out->json.size());
  FIN_CRC32C(check);
  if (check != crc) return SpoolRead::kDamaged;
  out->live = state == 'L';
  out->dbid = dbid;
  out->kind = kind;
  return SpoolRead::kRecord;
}

// Whether a file, of a name ParseSpoolName read, counts toward kMaxDiskOnly: a record
// without a slot, written (-d) or being taken back (-t), whole or not; a slot's file of an
// earlier generation unless it is known to hold no live record (emptied, or never
// written: such a file is removed by the next drain, and counts for nothing). Temporary
// files hold no record yet. (A slot's file of this generation belongs to its slot.)
bool CountsTowardBound(const SpoolName& n, SpoolRead r, const SpoolRecord& rec) {
  if (n.tmp) return false;
  if (n.what != 's') return true;
  return !(r == SpoolRead::kEmpty || (r == SpoolRead::kRecord && !rec.live));
}

// The records on disk when a generation of shared memory begins, which no slot of it
// holds: they count toward kMaxDiskOnly until a drain writes them (or finds them
// damaged or empty) and removes them, or the launcher removes those of a dropped
// database. Run by the postmaster in StartupShared, before any process of the new
// generation: the files of earlier ones no longer change but by being removed. Plain C++
// and POSIX calls, nothing that raises an error (the postmaster must not); a failure to
// read the directory counts nothing, as before.
uint64 CountSpoolAtStartup() noexcept {
  DIR* dir = opendir(kSpoolDir);
  if (!dir) return 0;
  uint64 n = 0;
  try {
    while (struct dirent* de = readdir(dir)) {
      SpoolName name;
      if (!ParseSpoolName(de->d_name, &name)) continue;
      SpoolRecord rec;
      SpoolRead r = SpoolRead::kUnreadable;
      if (name.what == 's' && !name.tmp) {
        char path[MAXPGPATH];
        snprintf(path, sizeof(path), "%s/%s", kSpoolDir, de->d_name);
        r = ReadSpoolFile(path, &rec);
      }
      if (CountsTowardBound(name, r, rec)) ++n;
    }
  } catch (...) {
    // (Out of memory reading a slot's file: the count so far.)
  }
  closedir(dir);
  return n;
}

// When the postmaster lets go of shared memory (at shutdown, or to reinitialize it after
// a process crashed), deferred records still in it are not written yet: says how many
// are kept on disk (written when their database's job worker or comply.run_jobs() next
// drains) and how many are lost (their file could not be written), in the server log,
// since nothing else will.
// Records already written whose files could not be emptied (kDone) are emptied now, or
// logged as what they are: records a restart writes a second time.
void ReportUndelivered(int, Datum) {
  if (!shared) return;
  int kept = 0, lost = 0, twice = 0;
  for (DeferredSlot& d : shared->deferred) {
    if (d.state == DeferredSlot::kDone) {
      if (SpoolMarkDone(shared->generation, static_cast<int>(&d - shared->deferred), d.spool_bytes) ==
          MarkDone::kFailed)
        ++twice;
      d.state = DeferredSlot::kFree;
    } else if (d.state != DeferredSlot::kFree) {
      ++(d.spooled ? kept : lost);
    }
  }
  if (twice > 0)
    ereport(WARNING, (errcode_for_file_access(),
                      errmsg_plural("pg_comply: %d deferred record already written to the ledger is still "
                                    "live in its file in %s: %m",
                                    "pg_comply: %d deferred records already written to the ledger are still "
                                    "live in their files in %s: %m",
                                    twice, twice, kSpoolDir),
                      errdetail("After the restart they are written to the ledger a second time.")));
  if (kept > 0)
    ereport(LOG, (errmsg_plural("pg_comply: %d deferred record (a rejected row, a read or a failed call's "
                                "interaction) was not yet written to the ledger when shared memory was "
                                "released; it is kept in %s until its database's job worker writes it",
                                "pg_comply: %d deferred records (rejected rows, reads or failed calls' "
                                "interactions) were not yet written to the ledger when shared memory was "
                                "released; they are kept in %s until their database's job worker writes them",
                                kept, kept, kSpoolDir)));
  if (lost > 0)
    ereport(LOG, (errmsg_plural("pg_comply: %d deferred record (a rejected row, a read or a failed call's "
                                "interaction) was not written to the ledger before shared memory was released",
                                "pg_comply: %d deferred records (rejected rows, reads or failed calls' "
                                "interactions) were not written to the ledger before shared memory was released",
                                lost, lost)));
}

// Creates or attaches the shared state (shmem_startup_hook).
void StartupShared() {
  if (prev_shmem_startup) prev_shmem_startup();
  bool found;
  LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
  shared = static_cast<WorkerShared*>(ShmemInitStruct("pg_comply workers", sizeof(WorkerShared), &found));
  if (!found) {
    memset(shared, 0, sizeof(WorkerShared));
    SpinLockInit(&shared->mutex);
    // (Never 0, and unlike the last one's, as far as the clock and chance go.)
    uint64 g = 0;
    if (!pg_strong_random(&g, sizeof(g))) g = static_cast<uint64>(GetCurrentTimestamp());
    shared->generation = g == 0 ? 1 : g;
    // (Only the postmaster, or a single-user backend, initializes it.)
    shared->disk_waiting = CountSpoolAtStartup();
  }
  BreakerShmemInit();
  LWLockRelease(AddinShmemInitLock);
  // (In the postmaster, at each (re)initialization: releasing shared memory clears the
  // callbacks registered before.)
  if (!IsUnderPostmaster) on_shmem_exit(ReportUndelivered, 0);
}

// The slot of dbid's worker of kind, or null; a free slot for dbid InvalidOid (caller
// holds the mutex).
SealerSlot* FindSlot(Oid dbid, int kind = kSealer) {
  for (SealerSlot& s : shared->slots)
    if (s.dbid == dbid && (dbid == InvalidOid || s.kind == kind)) return &s;
  return nullptr;
}

// Frees this process's slot when it exits.
void ReleaseSlot(int, Datum) {
  SpinLockAcquire(&shared->mutex);
  for (SealerSlot& s : shared->slots)
    if (s.pid == MyProcPid) memset(&s, 0, sizeof(SealerSlot));
  SpinLockRelease(&shared->mutex);
}

// Start of a per-database worker of kind: signal handlers, its slot in shared memory
// (exits at once if another worker of that kind runs there, or no slot is free; the
// slot is released at exit), the database connection, and no parallel query (each round
// runs a few short queries: parallel workers would only add processes).
SealerSlot* AttachDatabaseWorker(Oid dbid, int kind) {
  pqsignal(SIGHUP, SignalHandlerForConfigReload);
  pqsignal(SIGTERM, die);
  BackgroundWorkerUnblockSignals();
  SpinLockAcquire(&shared->mutex);
  bool taken = FindSlot(dbid, kind) != nullptr;
  SealerSlot* slot = taken ? nullptr : FindSlot(InvalidOid);
  if (slot) *slot = {dbid, kind, MyProcPid, MyLatch, false, 0, kNoId};
  SpinLockRelease(&shared->mutex);
  if (!slot) proc_exit(0);
  before_shmem_exit(ReleaseSlot, ObjectIdGetDatum(dbid));
  BackgroundWorkerInitializeConnectionByOid(dbid, InvalidOid, 0);
  SetConfigOption("max_parallel_workers_per_gather", "0", PGC_SUSET, PGC_S_OVERRIDE);
  // Nor JIT: a round's queries are short, and compiling them costs more than running them.
  SetConfigOption("jit", "off", PGC_SUSET, PGC_S_OVERRIDE);
  // The database's settings are for its sessions, not for the ledger: a database made
  // read-only (ALTER DATABASE ... SET default_transaction_read_only = on, for a
  // maintenance window or a reporting copy) is still read, and its reads and rejected
  // writes must still be recorded and sealed; a statement or lock timeout meant for
  // applications must not cut a sealing round of a large backlog; nor may a stricter
  // isolation level make rounds fail.
  SetConfigOption("default_transaction_read_only", "off", PGC_SUSET, PGC_S_OVERRIDE);
  SetConfigOption("statement_timeout", "0", PGC_SUSET, PGC_S_OVERRIDE);
  SetConfigOption("lock_timeout", "0", PGC_SUSET, PGC_S_OVERRIDE);
  SetConfigOption("idle_in_transaction_session_timeout", "0", PGC_SUSET, PGC_S_OVERRIDE);
  SetConfigOption("default_transaction_isolation", "read committed", PGC_SUSET, PGC_S_OVERRIDE);
  // Nor memory limits meant for applications' queries: a temp_file_limit below what a
  // sealing round of comply.seal_batch entries spills (with a tiny work_mem) failed the
  // sealer at every start, its backlog never sealed. The workers' queries are pg_comply's
  // own, bounded by the batch: they get the default work_mem at least, and no file limit.
  if (work_mem < 4096) SetConfigOption("work_mem", "4MB", PGC_SUSET, PGC_S_OVERRIDE);
  SetConfigOption("temp_file_limit", "-1", PGC_SUSET, PGC_S_OVERRIDE);
  // Nor a search_path its owner set (ALTER DATABASE ... SET search_path = theirs,
  // pg_catalog): the workers run as a superuser, and an operator or function of the
  // owner's found first would run with that superuser's rights. (AsExtensionOwner and
  // SearchPathPin pin it around queries in any session; this covers the whole worker.)
  SetConfigOption("search_path", "pg_catalog, pg_temp", PGC_SUSET, PGC_S_OVERRIDE);
  // A sealed block is on disk before anyone sees it, whatever synchronous_commit the
  // server or the database has: a digest of a block that a crash then lost (its number
  // sealed again, with another hash) would no longer verify, which is what a tail cut
  // off the ledger looks like. One flush per sealing round. (The job worker flushes the
  // commits that write deferred records itself: DrainedAtXactEnd.)
  if (kind == kSealer) SetConfigOption("synchronous_commit", "on", PGC_SUSET, PGC_S_OVERRIDE);
  return slot;
}

// Workers the launcher registered, until they run: a worker takes its slot in shared
// memory only once started, and a second wake-up of the launcher before that must not
// register it again (the duplicate would exit at once, after taking a background worker
// slot that the other databases' workers may need).
struct Registered {
  Oid dbid;
  int kind;
  BackgroundWorkerHandle* handle;
};
Registered registered[kMaxSealers * kKinds];

// True when the worker of kind registered for dbid is still ours to wait for: not
// started yet, or started and perhaps not yet in its slot. A stopped one is forgotten.
bool StillStarting(Oid dbid, int kind) {
  for (Registered& r : registered) {
    if (r.handle == nullptr || r.dbid != dbid || r.kind != kind) continue;
    pid_t pid;
    BgwHandleStatus status = GetBackgroundWorkerPid(r.handle, &pid);
    if (status == BGWH_NOT_YET_STARTED || status == BGWH_STARTED) return true;
    pfree(r.handle);
    r.handle = nullptr;
  }
  return false;
}

// Starts dbid's worker of kind unless one runs or is starting (launcher only); dbname
// names it in the server log. False if no background worker slot was free.
bool StartSealer(Oid dbid, int kind, const char* dbname) {
  SpinLockAcquire(&shared->mutex);
  bool running = FindSlot(dbid, kind) != nullptr;
  SpinLockRelease(&shared->mutex);
  if (running || StillStarting(dbid, kind)) return true;
  const bool jobs = kind == kJobs;
  BackgroundWorker w;
  memset(&w, 0, sizeof(w));
  w.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
  w.bgw_start_time = BgWorkerStart_RecoveryFinished;
  w.bgw_restart_time = BGW_NEVER_RESTART;  // the launcher starts it again
  snprintf(w.bgw_library_name, BGW_MAXLEN, "pg_comply");
  snprintf(w.bgw_function_name, BGW_MAXLEN, jobs ? "comply_jobs_main" : "comply_sealer_main");
  snprintf(w.bgw_name, BGW_MAXLEN, "pg_comply %s for database \"%s\"", jobs ? "job worker" : "sealer",
           dbname);
  snprintf(w.bgw_type, BGW_MAXLEN, jobs ? "pg_comply job worker" : "pg_comply sealer");
  w.bgw_main_arg = ObjectIdGetDatum(dbid);
  w.bgw_notify_pid = 0;
  BackgroundWorkerHandle* handle = nullptr;
  MemoryContext old = MemoryContextSwitchTo(TopMemoryContext);  // the handle is kept
  bool ok = RegisterDynamicBackgroundWorker(&w, &handle);
  MemoryContextSwitchTo(old);
  if (!ok) {
    // At most every kWaitingLogMs: the launcher tries again each round (each second for
    // a database that asked), and every try logged three lines.
    static TimestampTz logged_at = 0;
    const TimestampTz now = GetCurrentTimestamp();
    if (TimestampDifferenceExceeds(logged_at, now, kWaitingLogMs)) {
      logged_at = now;
      ereport(LOG, (errmsg("pg_comply: no background worker slot for the %s of database \"%s\"",
                           jobs ? "job worker" : "sealer", dbname),
                    errhint("Raise max_worker_processes.")));
    }
    return false;
  }
  for (Registered& r : registered)
    if (r.handle == nullptr) {
      r = {dbid, kind, handle};
      return true;
    }
  pfree(handle);  // more registrations pending than databases: not tracked
  return true;
}

// The databases of one round of the launcher (static: in no memory context, and too
// large for its stack).
Oid scan_ids[kMaxScanned];
NameData scan_names[kMaxScanned];
// Where the next round begins among the databases waiting for a place, so that each
// gets its turn when more wait than there are places.
int scan_rotation = 0;
TimestampTz waiting_logged_at = 0;
// Rounds a database that asked for a sealer and got no worker slot is tried again at
// once (a second apart), and how many so far.
constexpr int kRequestRetries = 30;
int request_retries = 0;

// Starts the workers of every database that accepts connections and is not known to
// lack pg_comply (launcher only); a worker whose database lacks the extension exits at
// once, and the database is left alone for a while (NoteAbsent). At most kMaxSealers
// databases have workers at once, and one keeps its workers while pg_comply is there:
// places left free go first to a database whose append found no sealer, then in turn to
// the others, and those left waiting are logged. (The first 64 rows of pg_database, with
// pg_comply or not, used to take every place.)
void StartSealers() {
  SetCurrentStatementStartTimestamp();
  StartTransactionCommand();
  Relation rel = table_open(DatabaseRelationId, AccessShareLock);
  TableScanDesc scan = table_beginscan_catalog(rel, 0, nullptr);
  HeapTuple tup;
  int n = 0, beyond = 0;
  while ((tup = heap_getnext(scan, ForwardScanDirection)) != nullptr) {
    Form_pg_database db = (Form_pg_database)GETSTRUCT(tup);
    if (!db->datallowconn || db->datistemplate) continue;
    if (n == kMaxScanned) {
      ++beyond;
      continue;
    }
    scan_names[n] = db->datname;
    scan_ids[n++] = db->oid;
  }
  table_endscan(scan);
  table_close(rel, AccessShareLock);
  CommitTransactionCommand();
  const int want = (ledger_worker ? 1 : 0) + (ai_worker ? 1 : 0);
  if (want == 0) return;
  TimestampTz now = GetCurrentTimestamp();
  int free_slots = 0;
  bool running[kMaxScanned];  // has a worker of a kind it wants: keeps its place
  SpinLockAcquire(&shared->mutex);
  Oid requested = shared->requested_db;
  shared->requested_db = InvalidOid;
  for (const SealerSlot& slot : shared->slots) free_slots += slot.dbid == InvalidOid;
  for (int i = 0; i < n; ++i) {
    running[i] = (ledger_worker && FindSlot(scan_ids[i], kSealer)) ||
                 (ai_worker && FindSlot(scan_ids[i], kJobs));
    if (scan_ids[i] == requested || running[i]) continue;
    for (const AbsentDb& a : shared->absent)
      if (a.dbid == scan_ids[i] && a.until > now) scan_ids[i] = InvalidOid;
  }
  SpinLockRelease(&shared->mutex);
  // Registered workers not yet in their slots will take places too.
  for (const Registered& r : registered) free_slots -= r.handle != nullptr;
  // Databases with workers keep them (a missing kind is started again, in its place);
  // then the one that asked; then the others from where the last round stopped.
  int waiting = 0;  // databases left without a worker they want
  auto start = [&](int i) {
    bool ok = true;
    if (ledger_worker) ok &= StartSealer(scan_ids[i], kSealer, NameStr(scan_names[i]));
    if (ai_worker) ok &= StartSealer(scan_ids[i], kJobs, NameStr(scan_names[i]));
    // The database that asked asks again (first in the next round, a second later) if
    // it got no worker slot: the workers of databases without pg_comply, which exit at
    // once, may have taken them all for a moment. For kRequestRetries rounds, not for
    // ever: the slots may be held for good (by idle workers of other databases).
    if (scan_ids[i] == requested) {
      if (ok) {
        request_retries = 0;
      } else if (++request_retries <= kRequestRetries) {
        SpinLockAcquire(&shared->mutex);
        if (!OidIsValid(shared->requested_db)) shared->requested_db = requested;
        SpinLockRelease(&shared->mutex);
      }
    }
    if (!ok) ++waiting;
    scan_ids[i] = InvalidOid;
  };
  for (int i = 0; i < n; ++i)
    if (OidIsValid(scan_ids[i]) && running[i]) start(i);
  for (int i = 0; i < n; ++i)
    if (OidIsValid(scan_ids[i]) && scan_ids[i] == requested && free_slots >= want) {
      free_slots -= want;
      start(i);
    }
  const int first = n > 0 ? scan_rotation % n : 0;
  for (int k = 0; k < n; ++k) {
    const int i = (first + k) % n;
    if (!OidIsValid(scan_ids[i])) continue;
    if (free_slots < want) {
      ++waiting;
      continue;
    }
    free_slots -= want;
    start(i);
    scan_rotation = i + 1;
  }
  if ((waiting > 0 || beyond > 0) &&
      TimestampDifferenceExceeds(waiting_logged_at, now, kWaitingLogMs)) {
    waiting_logged_at = now;
    ereport(LOG, (errmsg("pg_comply: %d databases wait for a sealer and a job worker: at most %d "
                         "databases have them at once",
                         waiting + beyond, kMaxSealers),
                  errdetail("A database keeps its workers while pg_comply is installed there; "
                            "places left free go first to one whose audit entries wait for a "
                            "sealer, then in turn to the others. Databases found without "
                            "pg_comply take no place once tried.")));
  }
}

// Remembers whether dbid lacks pg_comply, so that the launcher does not start a sealer
// there every naptime (but restarts at once one that failed where it is installed).
// dbid's entry of shared->absent, else a free or expired one, or null (caller holds the
// mutex).
AbsentDb* AbsentSlot(Oid dbid, TimestampTz now) {
  AbsentDb* slot = nullptr;
  for (AbsentDb& a : shared->absent) {
    if (a.dbid == dbid) {
      slot = &a;
      break;
    }
    if (slot == nullptr && (a.dbid == InvalidOid || a.until < now)) slot = &a;
  }
  return slot;
}

void NoteAbsent(Oid dbid, bool absent) {
  TimestampTz now = GetCurrentTimestamp();
  TimestampTz until = TimestampTzPlusMilliseconds(now, kAbsentRetryMs);
  SpinLockAcquire(&shared->mutex);
  AbsentDb* slot = AbsentSlot(dbid, now);
  if (absent && slot) *slot = {dbid, until};
  if (!absent && slot && slot->dbid == dbid) *slot = {InvalidOid, 0};
  SpinLockRelease(&shared->mutex);
}

// How long the launcher leaves a database alone after LetGoOfDatabaseFor: its command
// waits up to 5 s for sessions to leave.
constexpr int kLetGoMs = 30000;

}  // namespace

void LetGoOfDatabaseFor(Node* stmt) {
  if (!shared || stmt == nullptr) return;
  const char* name = nullptr;
  if (IsA(stmt, DropdbStmt)) {
    name = reinterpret_cast<DropdbStmt*>(stmt)->dbname;
  } else if (IsA(stmt, RenameStmt) && reinterpret_cast<RenameStmt*>(stmt)->renameType == OBJECT_DATABASE) {
    name = reinterpret_cast<RenameStmt*>(stmt)->subname;
  } else if (IsA(stmt, CreatedbStmt) || IsA(stmt, AlterDatabaseStmt)) {
    const bool create = IsA(stmt, CreatedbStmt);
    List* options = create ? reinterpret_cast<CreatedbStmt*>(stmt)->options
                           : reinterpret_cast<AlterDatabaseStmt*>(stmt)->options;
    ListCell* lc;
    foreach (lc, options) {
      DefElem* d = static_cast<DefElem*>(lfirst(lc));
      if (create && strcmp(d->defname, "template") == 0 && d->arg) name = defGetString(d);
      if (!create && strcmp(d->defname, "tablespace") == 0)
        name = reinterpret_cast<AlterDatabaseStmt*>(stmt)->dbname;
    }
  }
  if (name == nullptr) return;
  const Oid dbid = get_database_oid(name, true);
  // (Not for anyone who may merely type the command: the workers would stop for
  // nothing, and sealing with them.)
  if (!OidIsValid(dbid) || dbid == MyDatabaseId ||
      !(superuser() || pg_database_ownercheck(dbid, GetUserId())))
    return;
  pid_t pids[kKinds];
  int n = 0;
  const TimestampTz now = GetCurrentTimestamp();
  SpinLockAcquire(&shared->mutex);
  for (const SealerSlot& s : shared->slots)
    if (s.dbid == dbid && s.pid != 0 && n < kKinds) pids[n++] = s.pid;
  if (AbsentDb* slot = AbsentSlot(dbid, now)) *slot = {dbid, TimestampTzPlusMilliseconds(now, kLetGoMs)};
  SpinLockRelease(&shared->mutex);
  for (int i = 0; i < n; ++i) (void)kill(pids[i], SIGTERM);
}

namespace {

// Seals entries with id >= min_id until none is left, one transaction per block;
// returns the entries sealed (-1 when pg_comply is not installed).
// An error ends the worker (ERROR in a background worker exits it; the launcher
// starts a new one), which is safe: each block is all or nothing.
int64 SealRound(int64 min_id, uint64 xmin_bound) {
  int64 total = 0;
  for (;;) {
    SetCurrentStatementStartTimestamp();
    StartTransactionCommand();
    PushActiveSnapshot(GetTransactionSnapshot());
    pgstat_report_activity(STATE_RUNNING, "sealing");
    int64 count = 0;
    int64 next_id = 0;
    bool installed = OidIsValid(get_extension_oid("pg_comply", true));
    if (installed) {
      Guarded([&] { SealOnce(&count, min_id, &next_id, xmin_bound); });
    }
    PopActiveSnapshot();
    CommitTransactionCommand();
    pgstat_report_activity(STATE_IDLE, nullptr);
    // A background worker's table statistics reach the cumulative statistics only when
    // it reports them: without this, autovacuum never saw the sealer's inserts into
    // the ledger tables (never analyzed them, never set their visibility map).
    pgstat_report_stat(false);
    if (!installed) return -1;
    total += count;
    if (next_id == 0) return total;  // the search did not stop at comply.seal_batch
    min_id = next_id;
    CHECK_FOR_INTERRUPTS();
  }
}

}  // namespace

void WorkerInit() {
  if (!process_shared_preload_libraries_in_progress) return;
  prev_shmem_request = shmem_request_hook;
  shmem_request_hook = RequestShared;
  prev_shmem_startup = shmem_startup_hook;
  shmem_startup_hook = StartupShared;
  if (IsBinaryUpgrade) return;
  BackgroundWorker w;
  memset(&w, 0, sizeof(w));
  w.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
  w.bgw_start_time = BgWorkerStart_RecoveryFinished;
  w.bgw_restart_time = 5;
  snprintf(w.bgw_library_name, BGW_MAXLEN, "pg_comply");
  snprintf(w.bgw_function_name, BGW_MAXLEN, "comply_launcher_main");
  snprintf(w.bgw_name, BGW_MAXLEN, "pg_comply launcher");
  snprintf(w.bgw_type, BGW_MAXLEN, "pg_comply launcher");
  RegisterBackgroundWorker(&w);
}

namespace {

// What this transaction did that a worker must hear of at commit.
bool appended_in_xact = false;  // appended audit entries (the sealer)
int64 xact_min_id = kNoId;      // the lowest id it appended
bool queued_in_xact = false;    // queued classification jobs (the job worker)
bool callback_registered = false;
int pending_slot = -1;          // this backend's PendingCommit, from pre-commit to the end

// Deferred records this backend wrote in its open transaction (DrainDeferred): their
// slots stay taken until it ends, freed if it commits, handed back to be written again
// if it (or the subtransaction that wrote them) rolls back, and at exit.
struct Drained {
  int slot;
  SubTransactionId subid;
};
Drained drained[kDeferredSlots];
int n_drained = 0;
bool drain_callbacks_registered = false;

// Records on disk that belong to no slot, written in the open transaction straight from
// their files (SpoolOrphans): each file renamed to <generation>-t<seq>-<database>.rec,
// this backend's while the transaction lasts; removed once it has committed, put back as
// a record without a slot (a new -d name) if it or the subtransaction that wrote it rolls
// back, and at exit. At most kDirectPerDrain in one transaction. Each counts in
// shared->disk_waiting until it is removed.
constexpr int kDirectPerDrain = 1024;
struct Direct {
  uint64 seq;              // of its t name, in this generation
  SubTransactionId subid;
};
Direct direct[kDirectPerDrain];
int n_direct = 0;

// Records on disk removed that counted toward kMaxDiskOnly (shared->disk_waiting).
void Uncount(uint64 n) {
  SpinLockAcquire(&shared->mutex);
  shared->disk_waiting -= std::min(shared->disk_waiting, n);
  SpinLockRelease(&shared->mutex);
}

// Puts a record taken from its file back on disk as a record without a slot, for a later
// drain (one that cannot be renamed stays as it is, until the next generation). It still
// counts in shared->disk_waiting, as it did while taken.
void HandBackDirect(const Direct& t) {
  SpinLockAcquire(&shared->mutex);
  const uint64 gen = shared->generation;
  const uint64 seq = ++shared->next_seq;
  SpinLockRelease(&shared->mutex);
  if (rename(SpoolFile(gen, 't', t.seq, MyDatabaseId).c_str(), SpoolFile(gen, 'd', seq, MyDatabaseId).c_str()) != 0)
    return;
  SpinLockAcquire(&shared->mutex);
  ++shared->disk_only;  // drains look again
  SpinLockRelease(&shared->mutex);
}

// Sets the drained slots of subtransactions from subid on (all of them for
// InvalidSubTransactionId) to state, forgetting them, and wakes the job worker when
// they go back to it; hands back the records taken from their files with them.
void SettleDrained(DeferredSlot::State state, SubTransactionId from = InvalidSubTransactionId) {
  if ((n_drained == 0 && n_direct == 0) || !shared) return;
  Latch* worker = nullptr;
  int kept = 0;
  SpinLockAcquire(&shared->mutex);
  for (int i = 0; i < n_drained; ++i) {
    if (from != InvalidSubTransactionId && drained[i].subid < from) {
      drained[kept++] = drained[i];
      continue;
    }
    shared->deferred[drained[i].slot].state = state;
  }
  if (state == DeferredSlot::kReady && (kept < n_drained || n_direct > 0)) {
    SealerSlot* w = FindSlot(MyDatabaseId, kJobs);
    if (w && w->pid != MyProcPid) worker = w->latch;
  }
  SpinLockRelease(&shared->mutex);
  n_drained = kept;
  kept = 0;
  for (int i = 0; i < n_direct; ++i) {
    if (from != InvalidSubTransactionId && direct[i].subid < from)
      direct[kept++] = direct[i];
    else
      HandBackDirect(direct[i]);
  }
  n_direct = kept;
  if (worker) SetLatch(worker);
}

// A transaction that wrote deferred records ends: their slots are free once it has
// committed, durably: the slot held the only other copy, so with synchronous_commit off
// (the server's, the database's or the session's) the commit record is flushed first.
// Then their files are emptied, and those of the records taken from disk removed; a
// slot whose file can be neither emptied nor removed is kept out of use (kDone) and
// logged, for a restart would write its record again. A rollback hands them back. A
// transaction that wrote some cannot be prepared (as one that used a temporary table):
// its outcome would be decided elsewhere, after this process let go of them, and a
// COMMIT PREPARED wrote each of them a second time.
void DrainedAtXactEnd(XactEvent event, void*) {
  if (n_drained == 0 && n_direct == 0) return;
  if (event == XACT_EVENT_PRE_PREPARE)
    // (A plain ereport: no C++ object alive here. The abort that follows hands them back.)
    ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                    errmsg("cannot PREPARE a transaction that wrote pg_comply's deferred records"),
                    errdetail("comply.run_jobs() wrote rejected rows, audited reads or AI calls' "
                              "interactions handed over for the ledger in this transaction."),
                    errhint("Call comply.run_jobs() in a transaction of its own.")));
  if (event == XACT_EVENT_COMMIT || event == XACT_EVENT_PARALLEL_COMMIT) {
    if (!XLogRecPtrIsInvalid(XactLastCommitEnd)) XLogFlush(XactLastCommitEnd);
    if (!shared) return;
    // (The slots are still ours: taken.)
    const uint64 gen = shared->generation;
    int removed = 0, failed = 0, removed_errno = 0, failed_errno = 0;
    bool kept[kDeferredSlots];
    for (int i = 0; i < n_drained; ++i) {
      const DeferredSlot& d = shared->deferred[drained[i].slot];
      const MarkDone m = d.spooled ? SpoolMarkDone(gen, drained[i].slot, d.spool_bytes) : MarkDone::kZeroed;
      if (m == MarkDone::kRemoved) {
        ++removed;
        removed_errno = errno;
      } else if (m == MarkDone::kFailed) {
        ++failed;
        failed_errno = errno;
      }
      kept[i] = m == MarkDone::kFailed;
    }
    int counted = 0;
    for (int i = 0; i < n_direct; ++i) {
      // Removed; or, failing that, emptied (its first byte zeroed: an empty record).
      const SpoolPath path = SpoolFile(gen, 't', direct[i].seq, MyDatabaseId);
      if (unlink(path.c_str()) != 0 && errno != ENOENT) {
        const int err = errno;
        const int fd = open(path.c_str(), O_WRONLY | PG_BINARY, 0);
        const bool emptied = fd >= 0 && pwrite(fd, kZeros, 1, 0) == 1;
        if (fd >= 0) (void)close(fd);
        if (!emptied) {
          ++failed;
          failed_errno = err;
        }
      }
      ++counted;
    }
    SpinLockAcquire(&shared->mutex);
    for (int i = 0; i < n_drained; ++i)
      shared->deferred[drained[i].slot].state = kept[i] ? DeferredSlot::kDone : DeferredSlot::kFree;
    shared->disk_waiting -= std::min(shared->disk_waiting, static_cast<uint64>(counted));
    SpinLockRelease(&shared->mutex);
    n_drained = n_direct = 0;
    // (Plain ereports, no C++ object alive: a LOG line returns.)
    if (removed > 0) {
      errno = removed_errno;
      ereport(LOG, (errcode_for_file_access(),
                    errmsg("pg_comply: could not empty the files of %d deferred records written to the "
                           "ledger, removed them instead: %m",
                           removed),
                    errhidestmt(true), errhidecontext(true)));
    }
    if (failed > 0) {
      errno = failed_errno;
      ereport(WARNING, (errcode_for_file_access(),
                        errmsg("pg_comply: could neither empty nor remove the files of %d deferred records "
                               "written to the ledger: %m",
                               failed),
                        errdetail("A restart before they are emptied writes them to the ledger a second "
                                  "time. The launcher tries again every 10 seconds to empty those of the "
                                  "hand-over's slots, and the postmaster at shutdown."),
                        errhidestmt(true), errhidecontext(true)));
    }
  } else if (event == XACT_EVENT_ABORT || event == XACT_EVENT_PARALLEL_ABORT || event == XACT_EVENT_PREPARE) {
    SettleDrained(DeferredSlot::kReady);
  }
}

void DrainedAtSubXactEnd(SubXactEvent event, SubTransactionId sub, SubTransactionId parent, void*) {
  if (n_drained == 0 && n_direct == 0) return;
  if (event == SUBXACT_EVENT_ABORT_SUB) {
    SettleDrained(DeferredSlot::kReady, sub);
  } else if (event == SUBXACT_EVENT_COMMIT_SUB) {
    for (int i = 0; i < n_drained; ++i)
      if (drained[i].subid == sub) drained[i].subid = parent;
    for (int i = 0; i < n_direct; ++i)
      if (direct[i].subid == sub) direct[i].subid = parent;
  }
}

void DrainedAtExit(int, Datum) { SettleDrained(DeferredSlot::kReady); }

// At the end of a transaction that appended or queued: at commit, tells this
// database's sealer the lowest id appended (waking it if idle) and wakes its job
// worker, or the launcher when one is missing. Aborted transactions leave nothing to
// do; a prepared one that appended is registered (PreparedAppend) for the sealer to
// watch, since it commits elsewhere (its queued jobs are found by the job worker's
// periodic search).
void AtXactEnd(XactEvent event, void*) {
  if (!appended_in_xact && !queued_in_xact) return;
  if (event == XACT_EVENT_PRE_COMMIT || event == XACT_EVENT_PARALLEL_PRE_COMMIT) {
    if (appended_in_xact && shared && pending_slot < 0) {
      SpinLockAcquire(&shared->mutex);
      for (int i = 0; i < kPendingCommits; ++i)
        if (!OidIsValid(shared->pending[i].dbid)) {
          shared->pending[i] = {MyDatabaseId, xact_min_id};
          pending_slot = i;
          break;
        }
      if (pending_slot < 0) {
        SealerSlot* s = FindSlot(MyDatabaseId, kSealer);
        if (s != nullptr) s->pending_lost = true;
      }
      SpinLockRelease(&shared->mutex);
    }
    return;
  }
  const bool commit = event == XACT_EVENT_COMMIT || event == XACT_EVENT_PARALLEL_COMMIT;
  if (!commit && event != XACT_EVENT_ABORT && event != XACT_EVENT_PARALLEL_ABORT &&
      event != XACT_EVENT_PREPARE)
    return;
  const bool appended = appended_in_xact, queued = queued_in_xact;
  appended_in_xact = queued_in_xact = false;
  // The pending report ends with the transaction: at commit under the same lock that
  // reports its lowest id (the sealer sees one or the other, never neither).
  const int pending = pending_slot;
  pending_slot = -1;
  if (pending >= 0 && shared && !(commit && appended)) {
    SpinLockAcquire(&shared->mutex);
    shared->pending[pending].dbid = InvalidOid;
    SpinLockRelease(&shared->mutex);
  }
  if (event == XACT_EVENT_PREPARE && appended && shared) {
    const TransactionId xid = GetTopTransactionIdIfAny();
    if (!TransactionIdIsValid(xid)) return;
    SpinLockAcquire(&shared->mutex);
    for (PreparedAppend& p : shared->prepared)
      if (!OidIsValid(p.dbid)) {
        p = {MyDatabaseId, xid, xact_min_id};
        break;
      }
    SpinLockRelease(&shared->mutex);
    return;
  }
  if (!commit || !shared) return;
  Latch* sealer = nullptr;
  Latch* jobs = nullptr;
  SpinLockAcquire(&shared->mutex);
  if (pending >= 0) shared->pending[pending].dbid = InvalidOid;
  if (appended) {
    SealerSlot* s = FindSlot(MyDatabaseId, kSealer);
    if (s == nullptr) {
      sealer = shared->launcher_latch;  // no sealer yet: ask for one
      shared->requested_db = MyDatabaseId;
    } else {
      s->commits++;
      s->min_id = std::min(s->min_id, xact_min_id);
      if (s->idle) {
        s->idle = false;
        sealer = s->latch;
      }
    }
  }
  if (queued) {
    SealerSlot* s = FindSlot(MyDatabaseId, kJobs);
    if (s == nullptr) {
      jobs = shared->launcher_latch;
      shared->requested_db = MyDatabaseId;
    } else {
      jobs = s->latch;
    }
  }
  SpinLockRelease(&shared->mutex);
  if (sealer && ledger_worker) SetLatch(sealer);
  if (jobs && ai_worker) SetLatch(jobs);
}

void RegisterCallbackOnce() {
  if (callback_registered) return;
  RegisterXactCallback(AtXactEnd, nullptr);
  callback_registered = true;
}

}  // namespace

namespace {

// A free slot of this database's share, taken (kWriting, ours to fill), or null when
// none is free or the database holds its share (caller holds the mutex). *held_out: the
// slots the database holds (before this one).
DeferredSlot* TakeSlotLocked(int* held_out) {
  int held = 0;
  DeferredSlot* free_slot = nullptr;
  for (DeferredSlot& d : shared->deferred) {
    if (d.state == DeferredSlot::kFree) {
      if (!free_slot) free_slot = &d;
    } else if (d.dbid == MyDatabaseId) {
      ++held;
    }
  }
  *held_out = held;
  if (!free_slot || held >= kDeferredPerDatabase) return nullptr;
  free_slot->state = DeferredSlot::kWriting;
  free_slot->dbid = MyDatabaseId;
  return free_slot;
}

}  // namespace

bool DeferRecord(const char* kind, const std::string& json) {
  if (!shared) return false;
  auto lost = [] {
    SpinLockAcquire(&shared->mutex);
    ++shared->deferred_lost;
    SpinLockRelease(&shared->mutex);
    return false;
  };
  if (json.size() > kDeferredRecordBytes || strlen(kind) >= sizeof(DeferredSlot::kind)) return lost();
  DeferredSlot* slot = nullptr;
  Latch* latch = nullptr;
  // All slots taken (a burst of rejected rows), or this database's share of them: while
  // its job worker runs, wake it and wait for it to free one, so that the burst slows
  // down to the pace of the ledger rather than piling up on disk. Interrupts are left
  // pending for the caller (a cancel takes effect at most kDeferWaitMs later).
  int waited_ms = 0;
  uint64 gen = 0, seq = 0;
  for (;;) {
    Latch* worker = nullptr;
    SpinLockAcquire(&shared->mutex);
    SealerSlot* w = FindSlot(MyDatabaseId, kJobs);
    if (w) worker = w->latch;
    int held = 0;
    slot = TakeSlotLocked(&held);
    gen = shared->generation;
    // Without a wait: no worker to free a slot, this process is the worker, or it holds
    // drained slots itself (comply.run_jobs()), or is being cancelled or stopped (a
    // stopped worker hands over each request it had out); or the database holds no slot
    // (all taken by others' records: its worker can free none, and waiting made each of
    // its rejected rows take 5 s while databases nobody drains held every slot).
    const bool no_wait = !worker || worker == MyLatch || waited_ms >= kDeferWaitMs || n_drained > 0 ||
                         held == 0 || QueryCancelPending || ProcDiePending;
    bool on_disk = false;
    if (!slot && no_wait && shared->disk_waiting < kMaxDiskOnly) {
      seq = ++shared->next_seq;
      ++shared->disk_waiting;
      on_disk = true;
    }
    SpinLockRelease(&shared->mutex);
    if (slot) break;
    if (no_wait) {
      // No slot: the record waits on disk alone, for a drain to take it (SpoolOrphans),
      // unless kMaxDiskOnly wait there already.
      if (!on_disk) return lost();
      const bool written = SpoolWriteDisk(gen, seq, MyDatabaseId, kind, json);
      SpinLockAcquire(&shared->mutex);
      if (written) ++shared->disk_only;
      else shared->disk_waiting -= std::min<uint64>(shared->disk_waiting, 1);
      SpinLockRelease(&shared->mutex);
      if (!written) return lost();
      if (worker && worker != MyLatch) SetLatch(worker);
      return true;
    }
    SetLatch(worker);
    try {
      PgCall([] {
        (void)WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, kDeferPollMs,
                        PG_WAIT_EXTENSION);
        ResetLatch(MyLatch);
      });
    } catch (...) {
      return lost();
    }
    waited_ms += kDeferPollMs;
  }
  // The copies happen outside the spinlock: the slot is ours while it is kWriting. The
  // file first: a drain may remove it as soon as the slot is ready.
  slot->spool_bytes = SpoolWriteSlot(gen, static_cast<int>(slot - shared->deferred), MyDatabaseId, kind, json);
  slot->spooled = slot->spool_bytes > 0;
  slot->len = static_cast<uint32>(json.size());
  strlcpy(slot->kind, kind, sizeof(slot->kind));
  memcpy(slot->data, json.data(), json.size());
  const TimestampTz now = GetCurrentTimestamp();
  SpinLockAcquire(&shared->mutex);
  slot->ready_at = now;
  slot->state = DeferredSlot::kReady;
  SealerSlot* w = FindSlot(MyDatabaseId, kJobs);
  if (w) latch = w->latch;
  SpinLockRelease(&shared->mutex);
  if (latch) SetLatch(latch);
  return true;
}

namespace {

// Whether this process has written the records on disk of its database that belong
// to no slot (SpoolOrphans), and the count of records written to disk alone it had seen
// then (shared->disk_only): a drain looks again when either says so.
bool spool_checked = false;
uint64 spool_disk_seen = 0;

struct OrphanCount {
  int taken = 0;  // written
  int left = 0;   // still on disk (with take: 1 when this drain stopped before the end)
};

// The records on disk of this database that belong to no slot: files of an earlier
// generation of shared memory (the server restarted, or crashed, before they were
// written) and files written with no slot. With write, each is claimed by renaming it
// (Direct: a drain elsewhere at the same time then finds it gone) and written by write
// in the caller's transaction, at most kDirectPerDrain in one transaction (left is then
// 1: look again next time); a record write leaves for later, or whose write throws, is
// put back at once. (They used to be copied into this database's free slots, at most 64
// a drain: a burst of thousands, with comply.run_jobs() as the only drain, took as many
// calls.) A file whose record is not whole (the system crashed while it was written) is
// logged and removed, and so are emptied files and stale temporary files of earlier
// generations. Without write, counts them (reading only the slots' files of earlier
// generations: the others name their database). Plain C++ and POSIX calls; logs and
// writes through PgCall.
OrphanCount SpoolOrphans(const std::function<bool(const char*, const std::string&)>* write) {
  const bool take = write != nullptr;
  OrphanCount count;
  std::vector<std::string> names;
  if (DIR* dir = opendir(kSpoolDir)) {
    while (struct dirent* de = readdir(dir)) names.emplace_back(de->d_name);
    closedir(dir);
  }
  SpinLockAcquire(&shared->mutex);
  const uint64 gen = shared->generation;
  SpinLockRelease(&shared->mutex);
  int damaged = 0;
  for (const std::string& name : names) {
    if (take) PollCancel(InterruptCheck());
    SpoolName n;
    if (!ParseSpoolName(name.c_str(), &n)) continue;
    const bool current = n.gen == gen;
    if (n.what != 's' && n.dbid != MyDatabaseId) continue;
    const std::string from = std::string(kSpoolDir) + "/" + name;
    if (n.tmp) {
      if (!current && take) (void)unlink(from.c_str());  // its writer died
      continue;
    }
    if (current && n.what != 'd') continue;  // a slot's, or being written by a drain
    if (!take && n.what != 's') {
      ++count.left;
      continue;
    }
    SpoolRecord rec;
    const SpoolRead r = ReadSpoolFile(from.c_str(), &rec);
    if (r == SpoolRead::kUnreadable) continue;
    if (r != SpoolRead::kRecord || !rec.live) {
      // Not whole (only files of earlier generations can be: the others are renamed
      // into place whole), or emptied: written and committed.
      if (take && (!current || r == SpoolRead::kDamaged)) {
        if (unlink(from.c_str()) == 0 && CountsTowardBound(n, r, rec)) Uncount(1);
        if (r == SpoolRead::kDamaged) ++damaged;
      }
      continue;
    }
    if (rec.dbid != MyDatabaseId) continue;
    if (!take) {
      ++count.left;
      continue;
    }
    if (n_direct == kDirectPerDrain) {
      count.left = 1;  // the next drain goes on
      break;
    }
    SpinLockAcquire(&shared->mutex);
    const uint64 seq = ++shared->next_seq;
    SpinLockRelease(&shared->mutex);
    const Direct t = {seq, GetCurrentSubTransactionId()};
    if (rename(from.c_str(), SpoolFile(gen, 't', seq, MyDatabaseId).c_str()) != 0) continue;  // another drain's
    // Ours until this transaction ends (DrainedAtXactEnd), counted before it is written:
    // a FATAL during the write (pg_terminate_backend) exits without an exception, and
    // the exit (DrainedAtExit) or the abort hands back what is listed here.
    direct[n_direct++] = t;
    bool written = false;
    try {
      written = (*write)(rec.kind.c_str(), rec.json);
    } catch (...) {
      HandBackDirect(direct[--n_direct]);
      throw;
    }
    if (!written) {
      HandBackDirect(direct[--n_direct]);
      continue;
    }
    ++count.taken;
  }
  if (damaged > 0)
    PgCall([&] {
      ereport(LOG, (errmsg_plural("pg_comply: %d deferred record kept on disk was not whole and is lost",
                                  "pg_comply: %d deferred records kept on disk were not whole and are lost",
                                  damaged, damaged),
                    errhidestmt(true), errhidecontext(true)));
    });
  if (count.taken > 0)
    PgCall([&] {
      ereport(DEBUG1, (errmsg("pg_comply: %d deferred records kept on disk written",
                              count.taken),
                       errhidestmt(true), errhidecontext(true)));
    });
  return count;
}

// Databases the launcher's sweep of the deferred records can tell exist, at most (with
// more, it removes nothing).
constexpr int kMaxSweptDatabases = 65536;
Oid sweep_ids[kMaxSweptDatabases];

// Moves slot i's record, which the caller holds (kWriting), to a file of its own of
// generation gen, sequence seq: by renaming the slot's file when it holds the record
// (spooled), so that the record is in one file or the other at every instant (a crash
// in between loses nothing and writes nothing twice); else (its file could not be
// written, or is gone) by writing the copy in shared memory to a new file, the slot's
// file holding no live record. Plain C++ and POSIX calls only, nothing that throws: the
// caller must give the slot back, whatever happens. False when the record is still
// where it was, in the slot (and its file).
bool MoveSlotToDisk(uint64 gen, int i, uint64 seq) noexcept {
  const DeferredSlot& d = shared->deferred[i];
  if (d.spooled) {
    const SpoolPath from = SpoolFile(gen, 's', static_cast<uint64>(i));
    if (rename(from.c_str(), SpoolFile(gen, 'd', seq, d.dbid).c_str()) == 0) return true;
    if (errno != ENOENT) return false;  // still live in the slot's file: not written elsewhere
  }
  try {
    return SpoolWriteDisk(gen, seq, d.dbid, d.kind, std::string(d.data, d.len));
  } catch (...) {
    return false;
  }
}

// Moves the records that waited kSpillAfterMs in their slots, unclaimed, to files of
// their own, freeing the slots (launcher only, in each SweepSpool). A database whose
// records nobody drains (no job worker there, comply.run_jobs() not called, pg_comply
// dropped) held up to kDeferredPerDatabase slots for ever: two such held them all, and
// every other database's records then each took a file of its own, created and written
// in the rejecting statement (creating a file costs about 350 µs, rewriting a slot's 15).
// Once moved, a record waits as a record without a slot does (SpoolOrphans writes it,
// and it counts toward kMaxDiskOnly: while that bound is reached, records stay in their
// slots).
// A slot is claimed as drains claim one, under the spinlock (kReady to kWriting): a drain
// then passes it by, and a record a drain holds (kTaken) is not touched. Its file is
// renamed or written with the spinlock released, and the slot freed under it again; a
// failure gives the record back to its slot, tried again in the next round. The
// launcher cannot exit in between (no interrupt is processed there); a crash of it
// reinitializes shared memory, the record then in the slot's file or in its own.
void SpillStaleSlots() {
  const TimestampTz stale_before =
      TimestampTzPlusMilliseconds(GetCurrentTimestamp(), -kSpillAfterMs);
  int moved = 0, failed = 0, failed_errno = 0;
  for (int i = 0; i < kDeferredSlots; ++i) {
    DeferredSlot& d = shared->deferred[i];
    uint64 gen = 0, seq = 0;
    SpinLockAcquire(&shared->mutex);
    const bool stale = d.state == DeferredSlot::kReady && d.ready_at <= stale_before &&
                       shared->disk_waiting < kMaxDiskOnly;
    if (stale) {
      d.state = DeferredSlot::kWriting;  // ours meanwhile
      ++shared->disk_waiting;
      gen = shared->generation;
      seq = ++shared->next_seq;
    }
    SpinLockRelease(&shared->mutex);
    if (!stale) continue;
    const bool ok = MoveSlotToDisk(gen, i, seq);
    if (!ok) {
      ++failed;
      failed_errno = errno;
    }
    Latch* worker = nullptr;
    SpinLockAcquire(&shared->mutex);
    if (ok) {
      d.state = DeferredSlot::kFree;
      d.spooled = false;  // (its file is gone: the slot's next record creates it again)
      ++shared->disk_only;  // drains look for it
      if (SealerSlot* w = FindSlot(d.dbid, kJobs)) worker = w->latch;
    } else {
      d.state = DeferredSlot::kReady;
      shared->disk_waiting -= std::min<uint64>(shared->disk_waiting, 1);
    }
    SpinLockRelease(&shared->mutex);
    if (worker) SetLatch(worker);
    moved += ok;
  }
  // Logged at most every kWaitingLogMs (a database whose records nobody drains has some
  // moved in every round), with the counts since the last line. Counts only, nothing of
  // what the records say.
  static TimestampTz logged_at = 0;
  static int moved_since = 0, failed_since = 0;
  moved_since += moved;
  failed_since += failed;
  const TimestampTz now = GetCurrentTimestamp();
  if ((moved_since == 0 && failed_since == 0) ||
      !TimestampDifferenceExceeds(logged_at, now, kWaitingLogMs))
    return;
  logged_at = now;
  moved = moved_since;
  failed = failed_since;
  moved_since = failed_since = 0;
  PgCall([&] {
    if (moved > 0)
      ereport(LOG, (errmsg_plural("pg_comply: %d deferred record waited over a minute in shared memory, "
                                  "unwritten; moved to a file of its own in %s",
                                  "pg_comply: %d deferred records waited over a minute in shared memory, "
                                  "unwritten; moved to files of their own in %s",
                                  moved, moved, kSpoolDir),
                    errhint("Records of rejected rows, audited reads and failed calls are written by "
                            "their database's job worker (comply.ai_worker) or comply.run_jobs(); "
                            "comply.check_server() reports those waiting.")));
    errno = failed_errno;
    if (failed > 0)
      ereport(LOG, (errcode_for_file_access(),
                    errmsg_plural("pg_comply: could not move %d deferred record out of its slot: %m",
                                  "pg_comply: could not move %d deferred records out of their slots: %m",
                                  failed, failed),
                    errdetail("They wait in their slots, tried again every 10 seconds.")));
  });
}

// Looks after the deferred records on disk and in the slots on behalf of no database
// (launcher only, every kLauncherNaptimeMs): empties the files of slots written whose
// files could not be emptied (kDone), and removes the records of databases that no
// longer exist, which nothing could ever write (they stayed in the slots, in the files
// and in the bound of records without a slot for ever), with a LOG line giving their
// count and the database's OID. The files are listed, and the slots read, before the
// catalog is: a database created since cannot be taken for a dropped one. Records of a
// database that exists but lacks pg_comply (DROP EXTENSION) are kept: the first drain
// once it is installed again writes them. Records that waited too long in their slots
// are moved to files of their own first (SpillStaleSlots).
void SweepSpool() {
  // The slots written whose files could not be emptied.
  for (int i = 0; i < kDeferredSlots; ++i) {
    DeferredSlot& d = shared->deferred[i];
    SpinLockAcquire(&shared->mutex);
    const bool done = d.state == DeferredSlot::kDone;
    if (done) d.state = DeferredSlot::kWriting;  // ours meanwhile
    const uint64 gen = shared->generation;
    SpinLockRelease(&shared->mutex);
    if (!done) continue;
    const bool emptied = SpoolMarkDone(gen, i, d.spool_bytes) != MarkDone::kFailed;
    SpinLockAcquire(&shared->mutex);
    d.state = emptied ? DeferredSlot::kFree : DeferredSlot::kDone;
    SpinLockRelease(&shared->mutex);
  }
  // Records that waited too long in their slots, to files of their own.
  SpillStaleSlots();
  // What names a database: files by name (by content for slots' files of earlier
  // generations), and the slots holding a record.
  struct Named {
    std::string path;  // empty for a slot
    Oid dbid;
    int slot;
    bool counted;  // a record on disk that no slot holds (shared->disk_waiting)
    bool tmp;      // being written, or its writer died: no record yet
  };
  // The slots' states read under the spinlock into plain arrays (nothing that can
  // allocate or throw may run while it is held), then listed.
  bool ready[kDeferredSlots];
  Oid ready_db[kDeferredSlots];
  SpinLockAcquire(&shared->mutex);
  const uint64 gen = shared->generation;
  for (int i = 0; i < kDeferredSlots; ++i) {
    ready[i] = shared->deferred[i].state == DeferredSlot::kReady;
    ready_db[i] = shared->deferred[i].dbid;
  }
  SpinLockRelease(&shared->mutex);
  std::vector<Named> named;
  for (int i = 0; i < kDeferredSlots; ++i)
    if (ready[i]) named.push_back({"", ready_db[i], i, false, false});
  std::vector<std::string> names;
  if (DIR* dir = opendir(kSpoolDir)) {
    while (struct dirent* de = readdir(dir)) names.emplace_back(de->d_name);
    closedir(dir);
  }
  for (const std::string& name : names) {
    SpoolName n;
    if (!ParseSpoolName(name.c_str(), &n)) continue;
    std::string path = std::string(kSpoolDir) + "/" + name;
    if (n.what != 's') {
      named.push_back({path, n.dbid, -1, !n.tmp, n.tmp});
      continue;
    }
    if (n.gen == gen || n.tmp) continue;  // a slot's (above)
    SpoolRecord rec;
    if (ReadSpoolFile(path.c_str(), &rec) == SpoolRead::kRecord && rec.live)
      named.push_back({path, rec.dbid, -1, true, false});
  }
  if (named.empty()) return;
  // The databases that exist (a catalog snapshot taken now).
  const int n_ids = PgCall([] {
    SetCurrentStatementStartTimestamp();
    StartTransactionCommand();
    Relation rel = table_open(DatabaseRelationId, AccessShareLock);
    TableScanDesc scan = table_beginscan_catalog(rel, 0, nullptr);
    HeapTuple tup;
    int n = 0;
    while ((tup = heap_getnext(scan, ForwardScanDirection)) != nullptr) {
      if (n == kMaxSweptDatabases) {
        n = -1;
        break;
      }
      sweep_ids[n++] = ((Form_pg_database)GETSTRUCT(tup))->oid;
    }
    table_endscan(scan);
    table_close(rel, AccessShareLock);
    CommitTransactionCommand();
    return n;
  });
  if (n_ids < 0) return;
  std::sort(sweep_ids, sweep_ids + n_ids);
  std::vector<std::pair<Oid, int>> removed;  // per database
  for (const Named& x : named) {
    if (!OidIsValid(x.dbid) || std::binary_search(sweep_ids, sweep_ids + n_ids, x.dbid)) continue;
    bool gone = false;
    if (x.slot >= 0) {
      // (No process can be in a dropped database: the slot is left as it was, ready.)
      DeferredSlot& d = shared->deferred[x.slot];
      SpinLockAcquire(&shared->mutex);
      const bool still = d.state == DeferredSlot::kReady && d.dbid == x.dbid;
      if (still) d.state = DeferredSlot::kWriting;
      SpinLockRelease(&shared->mutex);
      if (!still) continue;
      if (d.spooled) (void)SpoolMarkDone(gen, x.slot, d.spool_bytes);
      SpinLockAcquire(&shared->mutex);
      d.state = DeferredSlot::kFree;
      SpinLockRelease(&shared->mutex);
      gone = true;
    } else if (unlink(x.path.c_str()) == 0) {
      gone = !x.tmp;
      if (x.counted) Uncount(1);
    }
    if (!gone) continue;
    auto it = std::find_if(removed.begin(), removed.end(), [&](const auto& r) { return r.first == x.dbid; });
    if (it == removed.end())
      removed.emplace_back(x.dbid, 1);
    else
      ++it->second;
  }
  for (const std::pair<Oid, int>& r : removed) {
    const Oid dbid = r.first;
    const int count = r.second;
    PgCall([&] {
      ereport(LOG, (errmsg_plural("pg_comply: %d deferred record of database %u removed: the database no "
                                  "longer exists",
                                  "pg_comply: %d deferred records of database %u removed: the database no "
                                  "longer exists",
                                  count, count, dbid)));
    });
  }
}

}  // namespace

DeferredStatus GetDeferredStatus() {
  DeferredStatus st;
  if (!shared) return st;
  st.shared = true;
  SpinLockAcquire(&shared->mutex);
  st.lost = shared->deferred_lost;
  for (const DeferredSlot& d : shared->deferred)
    if (d.state != DeferredSlot::kFree && d.state != DeferredSlot::kDone && d.dbid == MyDatabaseId) ++st.waiting;
  st.sealer = FindSlot(MyDatabaseId, kSealer) != nullptr;
  st.job_worker = FindSlot(MyDatabaseId, kJobs) != nullptr;
  SpinLockRelease(&shared->mutex);
  try {
    st.on_disk = SpoolOrphans(nullptr).left;
  } catch (...) {
    st.on_disk = -1;
  }
  return st;
}

int DrainDeferred(const std::function<bool(const char*, const std::string&)>& write) {
  if (!shared) return 0;
  if (!drain_callbacks_registered) {
    PgCall([] {
      RegisterXactCallback(DrainedAtXactEnd, nullptr);
      RegisterSubXactCallback(DrainedAtSubXactEnd, nullptr);
      before_shmem_exit(DrainedAtExit, 0);
    });
    drain_callbacks_registered = true;
  }
  SpinLockAcquire(&shared->mutex);
  const uint64 disk_only = shared->disk_only;
  SpinLockRelease(&shared->mutex);
  int n = 0;
  if (!spool_checked || disk_only != spool_disk_seen) {
    const OrphanCount c = SpoolOrphans(&write);
    n += c.taken;
    spool_disk_seen = disk_only;
    spool_checked = c.left == 0;
    // More than one transaction takes: the job worker goes round again at once.
    if (c.left > 0 && c.taken > 0) {
      SpinLockAcquire(&shared->mutex);
      SealerSlot* w = FindSlot(MyDatabaseId, kJobs);
      const bool me = w && w->pid == MyProcPid;
      SpinLockRelease(&shared->mutex);
      if (me) SetLatch(MyLatch);
    }
  }
  for (DeferredSlot& d : shared->deferred) {
    SpinLockAcquire(&shared->mutex);
    bool mine = d.state == DeferredSlot::kReady && d.dbid == MyDatabaseId;
    if (mine) d.state = DeferredSlot::kTaken;
    SpinLockRelease(&shared->mutex);
    if (!mine) continue;
    // Taken until this transaction ends (DrainedAtXactEnd), listed before it is written:
    // a FATAL during the write exits without an exception, and the exit (DrainedAtExit)
    // or the abort gives back what is listed here.
    drained[n_drained++] = {static_cast<int>(&d - shared->deferred), GetCurrentSubTransactionId()};
    // A failure to write puts the record back for the next round; so does a record the
    // writer leaves for later.
    auto give_back = [&] {
      --n_drained;
      SpinLockAcquire(&shared->mutex);
      d.state = DeferredSlot::kReady;
      SpinLockRelease(&shared->mutex);
    };
    bool written = false;
    try {
      std::string kind(d.kind);
      std::string data(d.data, d.len);
      written = write(kind.c_str(), data);
    } catch (...) {
      give_back();
      throw;
    }
    if (!written) {
      give_back();
      continue;
    }
    ++n;
  }
  return n;
}

void NoteJobQueued() {
  RegisterCallbackOnce();
  queued_in_xact = true;
}

void NoteAppend(int64_t id) {
  RegisterCallbackOnce();
  if (!appended_in_xact) xact_min_id = kNoId;
  appended_in_xact = true;
  xact_min_id = std::min<int64>(xact_min_id, id);
}

}  // namespace comply::pg

using namespace comply::pg;

// Launcher: starts sealers, then looks again every kLauncherNaptimeMs or when woken.
void comply_launcher_main(Datum) {
  pqsignal(SIGHUP, SignalHandlerForConfigReload);
  pqsignal(SIGTERM, die);
  BackgroundWorkerUnblockSignals();
  BackgroundWorkerInitializeConnection(nullptr, nullptr, 0);
  SpinLockAcquire(&shared->mutex);
  shared->launcher_latch = MyLatch;
  SpinLockRelease(&shared->mutex);
  TimestampTz swept_at = 0;
  for (;;) {
    CHECK_FOR_INTERRUPTS();
    if (ConfigReloadPending) {
      ConfigReloadPending = false;
      ProcessConfigFile(PGC_SIGHUP);
    }
    if (ledger_worker || ai_worker) StartSealers();
    // The deferred records on disk of no database, and slots' files left to empty.
    const TimestampTz now = GetCurrentTimestamp();
    if (TimestampDifferenceExceeds(swept_at, now, kLauncherNaptimeMs)) {
      swept_at = now;
      Guarded([] { SweepSpool(); });
    }
    // A database still asking (no worker slot was free) is tried again soon.
    SpinLockAcquire(&shared->mutex);
    const bool asking = OidIsValid(shared->requested_db);
    SpinLockRelease(&shared->mutex);
    (void)WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
                    asking ? kLauncherRetryMs : kLauncherNaptimeMs, PG_WAIT_EXTENSION);
    ResetLatch(MyLatch);
  }
}

namespace {
void RegisterPreparedAtStart(Oid dbid);
}  // namespace

// Sealer of one database: seals every comply.seal_interval, or at once when an append
// finds it idle; exits when the extension is not installed or sealing is turned off.
void comply_sealer_main(Datum arg) {
  Oid dbid = DatumGetObjectId(arg);
  SealerSlot* slot = AttachDatabaseWorker(dbid, kSealer);
  RegisterPreparedAtStart(dbid);
  MemoryContext loop_context =
      AllocSetContextCreate(TopMemoryContext, "pg_comply sealer", ALLOCSET_DEFAULT_SIZES);
  uint64 seen_commits = 0;
  bool more_pending = true;  // search at start
  TimestampTz last_search = 0;
  for (;;) {
    CHECK_FOR_INTERRUPTS();
    AcceptInvalidationMessages();
    if (ConfigReloadPending) {
      ConfigReloadPending = false;
      ProcessConfigFile(PGC_SIGHUP);
    }
    if (!ledger_worker) proc_exit(0);
    // Search for unsealed entries only when an appending transaction committed since
    // the last search (or the last search sealed a full batch), and once a minute.
    TimestampTz now = GetCurrentTimestamp();
    bool full = more_pending || TimestampDifferenceExceeds(last_search, now, kFullCheckMs);
    // Take the reports of committed appends before the search's snapshot: whatever
    // commits later reports into the next round. And first the oldest transaction still
    // running: every one below it has ended, its pre-commit report (PendingCommit) or its
    // commit's made before this read, so the search covers it; the blocks of an
    // incremental search record no later xmin than this (a transaction that ends after
    // the read may be in the search's snapshot and not in its range: the next round's).
    const uint64 xmin_bound = OldestRunningFullXid();
    SpinLockAcquire(&shared->mutex);
    uint64 commits = slot->commits;
    int64 min_id = slot->min_id;
    slot->min_id = kNoId;
    for (const PendingCommit& p : shared->pending)
      if (p.dbid == dbid) min_id = std::min(min_id, p.min_id);
    if (slot->pending_lost) {
      slot->pending_lost = false;
      full = true;
    }
    PreparedAppend prepared[kPreparedAppends];
    int n_prepared = 0;
    for (const PreparedAppend& p : shared->prepared)
      if (p.dbid == dbid) prepared[n_prepared++] = p;
    SpinLockRelease(&shared->mutex);
    // Prepared transactions of this database that appended and have ended since: one
    // that committed counts as a commit reported now (the search's snapshot, taken
    // after this, sees its entries); one rolled back is forgotten.
    bool prepared_committed = false;
    for (int i = 0; i < n_prepared; ++i) {
      if (TransactionIdIsInProgress(prepared[i].xid)) continue;  // still prepared
      // Registered long ago (while no sealer ran here), its status may be gone from the
      // commit log: then search everything rather than ask (which would be an error).
      LWLockAcquire(XactTruncationLock, LW_SHARED);
      const bool too_old = TransactionIdPrecedes(prepared[i].xid, ShmemVariableCache->oldestClogXid);
      const bool committed = too_old || TransactionIdDidCommit(prepared[i].xid);
      LWLockRelease(XactTruncationLock);
      if (committed) {
        min_id = std::min(min_id, too_old ? int64{0} : prepared[i].min_id);
        prepared_committed = true;
      }
      SpinLockAcquire(&shared->mutex);
      for (PreparedAppend& p : shared->prepared)
        if (p.dbid == dbid && p.xid == prepared[i].xid) p.dbid = InvalidOid;
      SpinLockRelease(&shared->mutex);
    }
    if (commits == seen_commits && !full && !prepared_committed) {
      SpinLockAcquire(&shared->mutex);
      slot->idle = slot->commits == seen_commits;
      SpinLockRelease(&shared->mutex);
      (void)WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, seal_interval,
                      PG_WAIT_EXTENSION);
      ResetLatch(MyLatch);
      continue;
    }
    seen_commits = commits;
    if (full) last_search = now;
    MemoryContext old = MemoryContextSwitchTo(loop_context);
    int64 sealed = SealRound(full ? 0 : min_id, xmin_bound);
    MemoryContextSwitchTo(old);
    MemoryContextReset(loop_context);
    if (sealed < 0) {  // pg_comply is not installed here
      NoteAbsent(dbid, true);
      proc_exit(0);
    }
    NoteAbsent(dbid, false);
    more_pending = false;
    SpinLockAcquire(&shared->mutex);
    slot->idle = sealed == 0 && slot->commits == seen_commits;
    SpinLockRelease(&shared->mutex);
    (void)WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, seal_interval,
                    PG_WAIT_EXTENSION);
    ResetLatch(MyLatch);
  }
}

namespace {

// Runs fn in a transaction of its own, with a snapshot; returns false when pg_comply is
// not installed in this database. An error ends the worker (the launcher starts a new
// one); a job it had claimed goes back to the queue when the next worker starts.
template <typename Fn>
bool InTransaction(const char* activity, Fn&& fn) {
  SetCurrentStatementStartTimestamp();
  StartTransactionCommand();
  PushActiveSnapshot(GetTransactionSnapshot());
  pgstat_report_activity(STATE_RUNNING, activity);
  bool installed = OidIsValid(get_extension_oid("pg_comply", true));
  if (installed) Guarded(fn);
  PopActiveSnapshot();
  CommitTransactionCommand();
  pgstat_report_activity(STATE_IDLE, nullptr);
  pgstat_report_stat(false);  // see SealRound
  return installed;
}

// The registry of prepared transactions that appended (PreparedAppend) is in shared
// memory, empty after a restart, while transactions prepared before it are still
// prepared: those of this database are registered, their appends unknown (searched
// from the first entry once they commit), so that their entries are sealed as soon as
// they commit rather than by the next full search a minute later (verify_ledger would
// report them unsealed meanwhile). Transactions that did not append cost one search.
void RegisterPreparedAtStart(Oid dbid) {
  std::vector<TransactionId> xids;
  (void)InTransaction("pg_comply: prepared transactions", [&] {
    SpiScope spi;
    const uint64 n = SpiExec("SELECT transaction::text::bigint FROM pg_catalog.pg_prepared_xacts "
                             "WHERE database = current_database()",
                             0, nullptr, nullptr, nullptr, true, SPI_OK_SELECT);
    for (uint64 i = 0; i < n; ++i) xids.push_back(static_cast<TransactionId>(SpiInt(i, 1).value_or(0)));
  });
  SpinLockAcquire(&shared->mutex);
  for (const TransactionId xid : xids) {
    bool known = false;
    for (const PreparedAppend& p : shared->prepared) known = known || (p.dbid == dbid && p.xid == xid);
    if (known || !TransactionIdIsValid(xid)) continue;
    for (PreparedAppend& p : shared->prepared)
      if (!OidIsValid(p.dbid)) {
        p = {dbid, xid, 0};
        break;
      }
  }
  SpinLockRelease(&shared->mutex);
}

}  // namespace

// Job worker of one database: works the classification queue (claim in one
// transaction, call the provider with no transaction open, record in another), posts
// alerts to the webhook, keeps the review queue (expired claims, overdue cases) every
// kMaintainMs, and compares the server with the baseline every comply.drift_interval.
void comply_jobs_main(Datum arg) {
  Oid dbid = DatumGetObjectId(arg);
  (void)AttachDatabaseWorker(dbid, kJobs);  // woken through its slot's latch
  MemoryContext loop_context =
      AllocSetContextCreate(TopMemoryContext, "pg_comply job worker", ALLOCSET_DEFAULT_SIZES);
  TimestampTz last_maintain = 0;
  TimestampTz last_drift_check = GetCurrentTimestamp();
  TimestampTz last_purge = 0;  // at start, then hourly and after each reload
  for (;;) {
    CHECK_FOR_INTERRUPTS();
    AcceptInvalidationMessages();
    if (ConfigReloadPending) {
      ConfigReloadPending = false;
      ProcessConfigFile(PGC_SIGHUP);
      last_purge = 0;  // comply.ai_retention may have changed
    }
    if (!ai_worker) proc_exit(0);
    if (RecoveryInProgress()) {  // a standby: nothing to do until promoted
      (void)WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, kMaintainMs,
                      PG_WAIT_EXTENSION);
      ResetLatch(MyLatch);
      continue;
    }
    MemoryContext old = MemoryContextSwitchTo(loop_context);
    // Claim a batch: enough to keep comply.ai_concurrency requests busy.
    int batch = std::max(ai_concurrency * 4, 32);
    int claimed = 0;
    JobRound* round = new JobRound();
    bool installed = InTransaction("claiming classification jobs",
                                   [&] { claimed = round->Claim(batch); });
    if (!installed) {
      delete round;
      NoteAbsent(dbid, true);
      proc_exit(0);
    }
    NoteAbsent(dbid, false);
    if (claimed > 0) {
      pgstat_report_activity(STATE_RUNNING, "calling the AI provider");
      Guarded([&] { round->Call(InterruptCheck()); });
      (void)InTransaction("recording classification results", [&] { (void)round->Finish(); });
    }
    delete round;
    // Alerts to the webhook, also with no transaction open while posting; the records
    // waiting in shared memory (rejected rows, audited reads) are written first, so that
    // a slow webhook keeps neither them waiting nor their slots full.
    AlertRound* alerts = new AlertRound();
    int to_post = 0;
    (void)InTransaction("claiming alerts", [&] {
      (void)WriteDeferredRecords();
      to_post = alerts->Claim();
    });
    if (to_post > 0) {
      pgstat_report_activity(STATE_RUNNING, "posting alerts");
      Guarded([&] { alerts->Post(InterruptCheck()); });
      (void)InTransaction("recording alert delivery", [&] { (void)alerts->Finish(); });
    }
    delete alerts;
    TimestampTz now = GetCurrentTimestamp();
    double next_due = -1;
    bool maintain = TimestampDifferenceExceeds(last_maintain, now, kMaintainMs);
    bool drift_check = TimestampDifferenceExceeds(last_drift_check, now, drift_interval * 1000);
    if (drift_check) {
      // Settings, pg_hba rules, roles and function definitions against the baseline.
      (void)InTransaction("comparing with the baseline", [&] {
        SpiScope spi;
        SpiExec("SELECT comply._drift_check()", 0, nullptr, nullptr, nullptr, false, SPI_OK_SELECT);
      });
      last_drift_check = now;
    }
    if (ai_retention > 0 && TimestampDifferenceExceeds(last_purge, now, kPurgeMs)) {
      // Storage limitation: finished jobs, their interactions, decisions and closed cases.
      (void)InTransaction("purging classification history", [&] {
        SpiScope spi;
        Oid types[1] = {INT4OID};
        Datum values[1] = {Int32GetDatum(ai_retention)};
        SpiExec("SELECT count(*) FROM comply.purge_ai_history($1 * interval '1 second')", 1, types,
                values, nullptr, false, SPI_OK_SELECT);
      });
      last_purge = now;
    }
    (void)InTransaction("review queue upkeep", [&] {
      (void)WriteDeferredRecords();
      if (maintain) (void)ReviewMaintain();
      next_due = JobRound::NextDueSeconds();
      double alert_due = AlertRound::NextDueSeconds();
      if (alert_due >= 0 && (next_due < 0 || alert_due < next_due)) next_due = alert_due;
    });
    if (maintain) last_maintain = now;
    MemoryContextSwitchTo(old);
    MemoryContextReset(loop_context);
    if (claimed >= batch) continue;  // more may be due at once
    long wait_ms = kMaintainMs;
    if (next_due >= 0) wait_ms = std::min<long>(wait_ms, static_cast<long>(next_due * 1000) + 1);
    wait_ms = std::max<long>(wait_ms, 1);
    (void)WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, wait_ms,
                    PG_WAIT_EXTENSION);
    ResetLatch(MyLatch);
  }
}
