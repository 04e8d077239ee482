// Self-test functions for the C++/PostgreSQL boundary helpers (comply._boundary_*),
// used by the regression suite to prove that errors cross it in both directions
// without skipping destructors. Not granted to PUBLIC.
#include <stdexcept>
#include <string>

#include "pg/guard.h"

extern "C" {
#include "postgres.h"

#include "fmgr.h"
#include "utils/builtins.h"

PG_FUNCTION_INFO_V1(comply_boundary_raise);
PG_FUNCTION_INFO_V1(comply_boundary_destroyed);
}

namespace {

// Objects of this type count their destructions, so a test can see that a C++ object
// alive when an error happened was destroyed before PostgreSQL unwound.
int64 destroyed = 0;
struct Tracked {
  std::string payload = std::string(64, 'x');  // owns heap memory, like real state
  ~Tracked() { ++destroyed; }
};

}  // namespace

// comply._boundary_raise(kind text) RETURNS text
//   'error'     a comply::Error with SQLSTATE 22023
//   'exception' a std::runtime_error (becomes XX000, message not echoed)
//   'bad_alloc' std::bad_alloc (becomes 53200)
//   'pg'        a PostgreSQL division_by_zero raised inside PgCall, passed through
//   'pg_caught' the same, caught in C++ and reported as text (the session goes on)
//   'none'      returns 'ok'
extern "C" Datum comply_boundary_raise(PG_FUNCTION_ARGS) {
  char* kind = text_to_cstring(PG_GETARG_TEXT_PP(0));
  return comply::pg::Guarded([&]() -> Datum {
    Tracked tracked;
    std::string k = kind;
    if (k == "error")
      throw comply::Error(comply::sqlstate::kInvalidParameterValue, "boundary test error",
                          "raised as a C++ exception", "this is only a test");
    if (k == "exception") throw std::runtime_error("secret 123-45-6789 must not be shown");
    if (k == "bad_alloc") throw std::bad_alloc();
    if (k == "pg" || k == "pg_caught") {
      try {
        comply::pg::PgCall([] {
          ereport(ERROR, (errcode(ERRCODE_DIVISION_BY_ZERO), errmsg("division by zero"),
                          errdetail("raised by ereport inside PgCall")));
        });
      } catch (const comply::pg::PgError& e) {
        if (k == "pg") throw;
        std::string s = "caught " + std::string(unpack_sql_state(e.sqlerrcode())) + ": " + e.what();
        return comply::pg::PgCall([&] { return PointerGetDatum(cstring_to_text(s.c_str())); });
      }
    }
    if (k == "none") return comply::pg::PgCall([] { return PointerGetDatum(cstring_to_text("ok")); });
    throw comply::Error(comply::sqlstate::kInvalidParameterValue, "unknown kind \"" + k + "\"");
  });
}

// comply._boundary_destroyed() RETURNS bigint: destructions counted so far.
extern "C" Datum comply_boundary_destroyed(PG_FUNCTION_ARGS) { PG_RETURN_INT64(destroyed); }
