// SPI helpers shared by the glue (see spi.h).
#include "pg/spi.h"

#include "pg/guard.h"

extern "C" {
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "access/xact.h"
#include "miscadmin.h"
#include "storage/proc.h"
#include "storage/procarray.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"
}

#include <exception>

namespace comply::pg {

namespace {

// Sets search_path for the current GUC nest level, restored when it ends.
void SetPinnedSearchPath() {
  (void)set_config_option("search_path", "pg_catalog, pg_temp", PGC_USERSET, PGC_S_SESSION,
                          GUC_ACTION_SAVE, true, 0, false);
}

}  // namespace

int PinSearchPath() {
  const int level = NewGUCNestLevel();
  SetPinnedSearchPath();
  return level;
}

void UnpinSearchPath(int nest_level) { AtEOXact_GUC(false, nest_level); }

SearchPathPin::SearchPathPin() {
  nest_level_ = NewGUCNestLevel();
  try {
    PgCall(SetPinnedSearchPath);
  } catch (...) {
    AtEOXact_GUC(false, nest_level_);
    throw;
  }
}

void PushConfigSnapshot() {
  if (IsInParallelMode()) {
    // GetLatestSnapshot refuses here, so that every participant of a parallel query
    // reads its data under one snapshot; the settings are not the query's data, and a
    // worker reading them under the query's would use an older version than its leader.
    static SnapshotData parallel_snapshot = {SNAPSHOT_MVCC};
    PushActiveSnapshot(GetSnapshotData(&parallel_snapshot));
    return;
  }
  PushActiveSnapshot(GetLatestSnapshot());
}

void PopConfigSnapshot() { PopActiveSnapshot(); }

ConfigSnapshot::ConfigSnapshot() : uncaught_(std::uncaught_exceptions()) {
  PgCall([] { PushConfigSnapshot(); });
}

ConfigSnapshot::~ConfigSnapshot() {
  // Not while unwinding from an error: the snapshots SPI pushed may still be above it,
  // and the (sub)transaction's abort pops them all.
  if (std::uncaught_exceptions() == uncaught_) PopActiveSnapshot();
}


SearchPathPin::~SearchPathPin() { AtEOXact_GUC(false, nest_level_); }

AsExtensionOwner::AsExtensionOwner(const char* relname, bool restricted) {
  // (search_path is pinned already, by pin_; the destructor does not run for a
  // constructor that throws, but pin_'s does.)
  Oid owner = PgCall([relname] {
    Oid relid = get_relname_relid(relname, get_namespace_oid("comply", false));
    if (!OidIsValid(relid)) elog(ERROR, "comply.%s does not exist", relname);
    HeapTuple tup = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
    if (!HeapTupleIsValid(tup)) elog(ERROR, "cache lookup failed for relation %u", relid);
    Oid owner = ((Form_pg_class)GETSTRUCT(tup))->relowner;
    ReleaseSysCache(tup);
    return owner;
  });
  GetUserIdAndSecContext(&saved_user_, &saved_context_);
  int context = saved_context_ | SECURITY_LOCAL_USERID_CHANGE;
  if (restricted) context |= SECURITY_RESTRICTED_OPERATION;
  SetUserIdAndSecContext(owner, context);
}

AsExtensionOwner::~AsExtensionOwner() { SetUserIdAndSecContext(saved_user_, saved_context_); }

SpiScope::SpiScope() {
  PgCall([] {
    if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "SPI_connect failed");
  });
}

SpiScope::~SpiScope() {
  // SPI_finish only fails when not connected; an error path may already have unwound
  // SPI (the transaction's abort cleans it up), so its result is ignored.
  SPI_finish();
}

uint64 SpiExec(const char* sql, int nargs, Oid* types, Datum* values, const char* nulls,
               bool read_only, int expected) {
  return PgCall([&] {
    int rc = SPI_execute_with_args(sql, nargs, types, values, nulls, read_only, 0);
    if (rc != expected) elog(ERROR, "internal query failed: %s", SPI_result_code_string(rc));
    return SPI_processed;
  });
}

namespace {

// The binary value of col of row, or nullopt for NULL.
std::optional<Datum> Bin(uint64 row, int col) {
  bool isnull = false;
  Datum d = PgCall([&] {
    return SPI_getbinval(SPI_tuptable->vals[row], SPI_tuptable->tupdesc, col, &isnull);
  });
  if (isnull) return std::nullopt;
  return d;
}

Oid TypeOf(int col) { return SPI_gettypeid(SPI_tuptable->tupdesc, col); }

}  // namespace

std::optional<std::string> SpiText(uint64 row, int col) {
  if (TypeOf(col) == TEXTOID) {
    std::optional<Datum> d = Bin(row, col);
    if (!d) return std::nullopt;
    text* t = PgCall([&] { return DatumGetTextPP(*d); });
    std::string out(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t));
    if (reinterpret_cast<Pointer>(t) != DatumGetPointer(*d)) pfree(t);  // a detoasted copy
    return out;
  }
  char* v = PgCall([&] { return SPI_getvalue(SPI_tuptable->vals[row], SPI_tuptable->tupdesc, col); });
  if (!v) return std::nullopt;
  std::string out(v);
  pfree(v);
  return out;
}

std::optional<int64> SpiInt(uint64 row, int col) {
  std::optional<Datum> d = Bin(row, col);
  if (!d) return std::nullopt;
  switch (TypeOf(col)) {
    case INT2OID: return DatumGetInt16(*d);
    case INT4OID: return DatumGetInt32(*d);
    case INT8OID: return DatumGetInt64(*d);
    default: throw Error(sqlstate::kInternalError, "internal query returned an unexpected type");
  }
}

std::optional<double> SpiFloat(uint64 row, int col) {
  std::optional<Datum> d = Bin(row, col);
  if (!d) return std::nullopt;
  switch (TypeOf(col)) {
    case FLOAT4OID: return DatumGetFloat4(*d);
    case FLOAT8OID: return DatumGetFloat8(*d);
    default: throw Error(sqlstate::kInternalError, "internal query returned an unexpected type");
  }
}

std::optional<bool> SpiBool(uint64 row, int col) {
  std::optional<Datum> d = Bin(row, col);
  if (!d) return std::nullopt;
  return DatumGetBool(*d);
}

std::optional<std::string> SpiBytes(uint64 row, int col) {
  std::optional<Datum> d = Bin(row, col);
  if (!d) return std::nullopt;
  bytea* b = PgCall([&] { return DatumGetByteaPP(*d); });
  std::string out(VARDATA_ANY(b), VARSIZE_ANY_EXHDR(b));
  if (reinterpret_cast<Pointer>(b) != DatumGetPointer(*d)) pfree(b);
  return out;
}

SubxactMark BeginSubxact() {
  SubxactMark mark{CurrentMemoryContext, CurrentResourceOwner};
  PgCall([&] {
    BeginInternalSubTransaction(nullptr);
    MemoryContextSwitchTo(mark.context);
  });
  return mark;
}

void EndSubxact(const SubxactMark& mark, bool commit) {
  PgCall([&] {
    if (commit)
      ReleaseCurrentSubTransaction();
    else
      RollbackAndReleaseCurrentSubTransaction();
    MemoryContextSwitchTo(mark.context);
    CurrentResourceOwner = mark.owner;
  });
}

SubxactFailure DescribeCurrentFailure() noexcept {
  CaughtError err;
  CaptureCurrentException(&err);
  SubxactFailure f;
  f.sqlerrcode = err.kind == CaughtError::kCancel ? ERRCODE_QUERY_CANCELED : err.sqlerrcode;
  try {
    f.message = err.message;
  } catch (...) {
  }
  return f;
}

}  // namespace comply::pg
