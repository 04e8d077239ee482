// Helpers for glue code that runs SQL through SPI with C++ objects alive: running as
// the extension's owner, SPI connection scope, and typed reads of result columns.
// Every helper calls PostgreSQL through PgCall, so errors arrive as exceptions.
#pragma once

#include <exception>
#include <optional>
#include <string>

#include "core/cancel.h"
#include "pg/guard.h"

extern "C" {
#include "postgres.h"

#include "executor/spi.h"
#include "utils/resowner.h"
}

namespace comply::pg {

// Pins search_path to pg_catalog, pg_temp for the scope, like a SECURITY DEFINER
// function's SET clause: pg_comply's own queries then resolve their functions, operators
// and catalogs there, never to a caller's (or another role's, in a schema on the
// caller's path) objects of the same name, nor to a temporary table named like a
// catalog. Restored on scope exit (and by PostgreSQL on abort). Queries that must see
// the caller's names (a query the caller wrote) run outside one.
class SearchPathPin {
 public:
  SearchPathPin();
  ~SearchPathPin();
  SearchPathPin(const SearchPathPin&) = delete;
  SearchPathPin& operator=(const SearchPathPin&) = delete;

 private:
  int nest_level_;
};

// The same for plain C code (inside PgCall): returns the nest level to pass to
// UnpinSearchPath. May ereport.
int PinSearchPath();
void UnpinSearchPath(int nest_level);

// Runs the enclosed code as the owner of table comply.<relname> (the extension's
// owner), with search_path pinned to pg_catalog, pg_temp like a SECURITY DEFINER
// function's SET clause, so that PUBLIC needs no privilege on the extension's tables.
// restricted adds SECURITY_RESTRICTED_OPERATION (no temp tables, no SET ROLE, ...).
// Restored on scope exit (and by PostgreSQL on abort).
class AsExtensionOwner {
 public:
  explicit AsExtensionOwner(const char* relname = "audit_log", bool restricted = true);
  ~AsExtensionOwner();
  AsExtensionOwner(const AsExtensionOwner&) = delete;
  AsExtensionOwner& operator=(const AsExtensionOwner&) = delete;

 private:
  SearchPathPin pin_;  // first: pinned before the switch, restored after it
  Oid saved_user_;
  int saved_context_;
};

// SPI_connect/SPI_finish around a scope.
class SpiScope {
 public:
  SpiScope();
  ~SpiScope();
  SpiScope(const SpiScope&) = delete;
  SpiScope& operator=(const SpiScope&) = delete;
};

// pg_comply's settings tables (custom recognizers, registered schemas, policies,
// builtin models) are read into per-backend caches that outlive the transaction and are
// emptied when the table changes (a relcache invalidation). Read under the statement's
// or the transaction's snapshot, a cache refilled after another session's change had
// been received would hold what that older snapshot saw (the version before the change,
// in a REPEATABLE READ transaction begun earlier or a statement begun before the commit),
// and keep it in later transactions. So they are read under the latest snapshot, which
// sees every committed change whose invalidation this backend has received (an
// invalidation is sent after its transaction is visible) and this transaction's own; in
// a parallel query too, leader and workers alike (which otherwise read under the
// query's snapshot, older than what the leader may have cached).
//
// Plain C (inside PgCall): pushes the snapshot as the active one. PopConfigSnapshot
// undoes it on the way out without error (an error path leaves it to the transaction's
// abort).
void PushConfigSnapshot();
void PopConfigSnapshot();

// The same around a C++ scope (SPI queries with read_only = true use it).
class ConfigSnapshot {
 public:
  ConfigSnapshot();
  ~ConfigSnapshot();
  ConfigSnapshot(const ConfigSnapshot&) = delete;
  ConfigSnapshot& operator=(const ConfigSnapshot&) = delete;

 private:
  int uncaught_;
};

// Runs sql with parameters (nulls as SPI wants them, may be null); throws unless SPI
// returns `expected`; returns SPI_processed.
uint64 SpiExec(const char* sql, int nargs, Oid* types, Datum* values, const char* nulls,
               bool read_only, int expected);

// Column col (1-based) of row of the current SPI result.
std::optional<std::string> SpiText(uint64 row, int col);
std::optional<int64> SpiInt(uint64 row, int col);     // int2/int4/int8
std::optional<double> SpiFloat(uint64 row, int col);  // float4/float8/numeric
std::optional<bool> SpiBool(uint64 row, int col);
std::optional<std::string> SpiBytes(uint64 row, int col);  // bytea

// The error that rolled a subtransaction back (InSubtransaction): its SQLSTATE and its
// message, which may quote a value (a PostgreSQL error's): not to be shown unredacted.
struct SubxactFailure {
  int sqlerrcode = 0;
  std::string message;
};

// The memory context and resource owner a subtransaction returns to.
struct SubxactMark {
  MemoryContext context;
  ResourceOwner owner;
};
SubxactMark BeginSubxact();  // BeginInternalSubTransaction, staying in the caller's context
void EndSubxact(const SubxactMark& mark, bool commit);  // release, or roll back
// The exception being handled, as a SubxactFailure (call only inside catch).
SubxactFailure DescribeCurrentFailure() noexcept;

// Runs body in a subtransaction of the current transaction (with SPI connected or not),
// as PL/pgSQL runs a block with an EXCEPTION clause: released when body returns; rolled
// back when it throws, the error kept in *failure and false returned. A cancel
// (comply::Cancelled, or 57014 raised inside) is rolled back too, then thrown on. body's
// C++ objects are gone before the rollback; what it allocated in the caller's memory
// context stays.
template <class Body>
bool InSubtransaction(Body&& body, SubxactFailure* failure) {
  const SubxactMark mark = BeginSubxact();
  std::exception_ptr cancel;
  bool failed = false;
  try {
    body();
  } catch (const comply::Cancelled&) {
    cancel = std::current_exception();
  } catch (const PgError& e) {
    if (e.sqlerrcode() == ERRCODE_QUERY_CANCELED) {
      cancel = std::current_exception();
    } else {
      *failure = DescribeCurrentFailure();
      failed = true;
    }
  } catch (...) {
    *failure = DescribeCurrentFailure();
    failed = true;
  }
  if (!failed && !cancel) {
    EndSubxact(mark, true);
    return true;
  }
  EndSubxact(mark, false);
  if (cancel) std::rethrow_exception(cancel);
  return false;
}

}  // namespace comply::pg
