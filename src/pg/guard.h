// The C++/PostgreSQL boundary (DESIGN.md). Two helpers, used by every entry point:
//   Guarded(fcinfo-less body)  C++ -> PostgreSQL: runs a body that may throw; any
//                              exception becomes ereport(ERROR) after the body's C++
//                              objects are destroyed.
//   PgCall(fn)                 PostgreSQL -> C++: runs PostgreSQL code that may
//                              ereport(ERROR) while C++ objects are alive; the error is
//                              copied, flushed and rethrown as comply::pg::PgError.
#pragma once

#include <string>
#include <type_traits>
#include <utility>

#include "core/cancel.h"
#include "core/error.h"

extern "C" {
#include "postgres.h"

#include "fmgr.h"
#include "miscadmin.h"
#include "utils/elog.h"
#include "utils/memutils.h"
}

namespace comply::pg {

// A PostgreSQL error caught by PgCall, carried through C++ code as an exception.
class PgError : public std::exception {
 public:
  PgError(int sqlerrcode, std::string message, std::string detail, std::string hint)
      : sqlerrcode_(sqlerrcode),
        message_(std::move(message)),
        detail_(std::move(detail)),
        hint_(std::move(hint)) {}
  const char* what() const noexcept override { return message_.c_str(); }
  int sqlerrcode() const noexcept { return sqlerrcode_; }
  const std::string& detail() const noexcept { return detail_; }
  const std::string& hint() const noexcept { return hint_; }
  void set_detail(std::string detail) { detail_ = std::move(detail); }
  void set_hint(std::string hint) { hint_ = std::move(hint); }
  // The objects the error names (PostgreSQL's SCHEMA NAME, TABLE NAME, COLUMN NAME,
  // DATATYPE NAME, CONSTRAINT NAME fields), raised again with it; empty when not given.
  struct Objects {
    std::string schema, table, column, datatype, constraint;
  };
  const Objects& objects() const noexcept { return objects_; }
  void set_objects(Objects objects) { objects_ = std::move(objects); }
  // Raised again with no context, as a RowError is (a PostgreSQL error met while
  // writing a row: a domain's check, say).
  void HideContext() noexcept { hide_context_ = true; }
  bool hide_context() const noexcept { return hide_context_; }

 private:
  int sqlerrcode_;
  std::string message_, detail_, hint_;
  Objects objects_;
  bool hide_context_ = false;
};

// An error about a row being written, whose error context would quote the row's values
// (a COPY line, the statement): raised with no context and the statement kept out of
// the server log.
class RowError : public comply::Error {
 public:
  using comply::Error::Error;
};

// Plain-C record of a caught exception: fixed buffers, so nothing with a destructor
// is alive when the error is raised.
struct CaughtError {
  enum Kind { kNone, kError, kCancel } kind = kNone;
  bool hide_context = false;  // a RowError
  int sqlerrcode = 0;
  char message[1024];
  char detail[1024];
  char hint[512];
  // PgError::Objects (identifiers: NAMEDATALEN bytes at most).
  char schema[NAMEDATALEN], table[NAMEDATALEN], column[NAMEDATALEN], datatype[NAMEDATALEN],
      constraint[NAMEDATALEN];
};

// Fills out from the exception currently being handled (call only inside catch).
void CaptureCurrentException(CaughtError* out) noexcept;

// Raises the PostgreSQL error described by err (never returns when err.kind != kNone).
void RaiseCaught(const CaughtError& err);

// Runs body (returning Datum, or void) and converts any C++ exception into an
// ereport(ERROR) raised after the body's stack frame is gone. (Inlined: each body is a
// lambda of its own, so each instantiation has one caller.)
template <typename Body>
inline __attribute__((always_inline)) Datum Guarded(Body&& body) {
  CaughtError err;
  Datum result = (Datum)0;
  try {
    if constexpr (std::is_void_v<decltype(body())>) {
      body();
    } else {
      result = body();
    }
  } catch (...) {
    CaptureCurrentException(&err);
  }
  if (err.kind != CaughtError::kNone) RaiseCaught(err);
  return result;
}

// Throws a PgError made from edata (a copy taken in PG_CATCH), freeing edata.
[[noreturn]] void ThrowCopiedError(ErrorData* edata);

// Runs fn, which calls PostgreSQL and may ereport(ERROR); such an error is copied,
// flushed and rethrown as PgError once PG_TRY has ended. fn must not create C++ objects
// with destructors (it is plain PostgreSQL code) and must not throw.
template <typename Fn>
auto PgCall(Fn&& fn) -> decltype(fn()) {
  using R = decltype(fn());
  MemoryContext oldcxt = CurrentMemoryContext;
  ErrorData* volatile edata = nullptr;
  if constexpr (std::is_void_v<R>) {
    PG_TRY();
    { fn(); }
    PG_CATCH();
    {
      MemoryContextSwitchTo(oldcxt);
      edata = CopyErrorData();
      FlushErrorState();
    }
    PG_END_TRY();
    if (edata) ThrowCopiedError(edata);
  } else {
    static_assert(std::is_trivially_copyable_v<R>, "PgCall returns plain values");
    R volatile_result{};
    R* volatile slot = &volatile_result;
    PG_TRY();
    { *slot = fn(); }
    PG_CATCH();
    {
      MemoryContextSwitchTo(oldcxt);
      edata = CopyErrorData();
      FlushErrorState();
    }
    PG_END_TRY();
    if (edata) ThrowCopiedError(edata);
    return *slot;
  }
}

// Cancellation callback for core loops: throws comply::Cancelled when a query cancel
// or termination is pending, so the guard can unwind and then service the interrupt.
const CancelCheck& InterruptCheck();

}  // namespace comply::pg
