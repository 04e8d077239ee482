// The two boundary helpers' out-of-line parts: turning exceptions into PostgreSQL
// errors and PostgreSQL errors into exceptions.
#include "pg/guard.h"

#include <cstdio>
#include <cstring>
#include <new>

namespace comply::pg {
namespace {

// Copies s into a fixed buffer, truncating at a character boundary (the database is
// UTF-8: a message cut inside a character was an invalid string, refused by a client
// converting it to another encoding with 22021 in place of the error it reported).
void CopyText(char* dst, size_t size, const char* s) {
  if (s == nullptr) s = "";
  const size_t len = strlen(s);
  size_t n = len < size ? len : size - 1;
  if (n < len) {
    while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;  // s[n] begins a character
  }
  memcpy(dst, s, n);
  dst[n] = '\0';
}

}  // namespace

void CaptureCurrentException(CaughtError* out) noexcept {
  out->kind = CaughtError::kError;
  out->sqlerrcode = ERRCODE_INTERNAL_ERROR;
  out->message[0] = out->detail[0] = out->hint[0] = '\0';
  out->schema[0] = out->table[0] = out->column[0] = out->datatype[0] = out->constraint[0] = '\0';
  out->hide_context = false;
  try {
    throw;
  } catch (const RowError& e) {
    const char* s = e.sqlstate();
    out->sqlerrcode = MAKE_SQLSTATE(s[0], s[1], s[2], s[3], s[4]);
    out->hide_context = true;
    CopyText(out->message, sizeof out->message, e.what());
    CopyText(out->detail, sizeof out->detail, e.detail().c_str());
    CopyText(out->hint, sizeof out->hint, e.hint().c_str());
  } catch (const PgError& e) {
    out->sqlerrcode = e.sqlerrcode();
    out->hide_context = e.hide_context();
    CopyText(out->message, sizeof out->message, e.what());
    CopyText(out->detail, sizeof out->detail, e.detail().c_str());
    CopyText(out->hint, sizeof out->hint, e.hint().c_str());
    const PgError::Objects& o = e.objects();
    CopyText(out->schema, sizeof out->schema, o.schema.c_str());
    CopyText(out->table, sizeof out->table, o.table.c_str());
    CopyText(out->column, sizeof out->column, o.column.c_str());
    CopyText(out->datatype, sizeof out->datatype, o.datatype.c_str());
    CopyText(out->constraint, sizeof out->constraint, o.constraint.c_str());
  } catch (const comply::Error& e) {
    const char* s = e.sqlstate();
    out->sqlerrcode = MAKE_SQLSTATE(s[0], s[1], s[2], s[3], s[4]);
    CopyText(out->message, sizeof out->message, e.what());
    CopyText(out->detail, sizeof out->detail, e.detail().c_str());
    CopyText(out->hint, sizeof out->hint, e.hint().c_str());
  } catch (const comply::Cancelled&) {
    out->kind = CaughtError::kCancel;
  } catch (const std::bad_alloc&) {
    out->sqlerrcode = ERRCODE_OUT_OF_MEMORY;
    CopyText(out->message, sizeof out->message, "out of memory");
  } catch (const std::exception& e) {
    // Library exceptions may quote their input; say only what kind of failure it was.
    CopyText(out->message, sizeof out->message, "internal error in pg_comply");
    snprintf(out->detail, sizeof out->detail, "C++ exception of type %s", typeid(e).name());
  } catch (...) {
    CopyText(out->message, sizeof out->message, "internal error in pg_comply");
  }
}

void RaiseCaught(const CaughtError& err) {
  if (err.kind == CaughtError::kCancel) {
    CHECK_FOR_INTERRUPTS();
    // The interrupt was held off or already serviced: still stop this call.
    ereport(ERROR, (errcode(ERRCODE_QUERY_CANCELED),
                    errmsg("canceling statement due to user request")));
  }
  if (err.hide_context) {
    // The context callbacks (COPY's quotes the input line) are left out of this error;
    // whoever catches it (PG_CATCH, the top-level handler) restores or resets the stack.
    error_context_stack = nullptr;
    ereport(ERROR, (errcode(err.sqlerrcode), errmsg_internal("%s", err.message),
                    err.detail[0] ? errdetail_internal("%s", err.detail) : 0,
                    err.hint[0] ? errhint("%s", err.hint) : 0,
                    err.schema[0] ? err_generic_string(PG_DIAG_SCHEMA_NAME, err.schema) : 0,
                    err.table[0] ? err_generic_string(PG_DIAG_TABLE_NAME, err.table) : 0,
                    err.column[0] ? err_generic_string(PG_DIAG_COLUMN_NAME, err.column) : 0,
                    err.datatype[0] ? err_generic_string(PG_DIAG_DATATYPE_NAME, err.datatype) : 0,
                    err.constraint[0] ? err_generic_string(PG_DIAG_CONSTRAINT_NAME, err.constraint) : 0,
                    errhidestmt(true)));
  }
  ereport(ERROR, (errcode(err.sqlerrcode), errmsg_internal("%s", err.message),
                  err.detail[0] ? errdetail_internal("%s", err.detail) : 0,
                  err.hint[0] ? errhint("%s", err.hint) : 0,
                  err.schema[0] ? err_generic_string(PG_DIAG_SCHEMA_NAME, err.schema) : 0,
                  err.table[0] ? err_generic_string(PG_DIAG_TABLE_NAME, err.table) : 0,
                  err.column[0] ? err_generic_string(PG_DIAG_COLUMN_NAME, err.column) : 0,
                  err.datatype[0] ? err_generic_string(PG_DIAG_DATATYPE_NAME, err.datatype) : 0,
                  err.constraint[0] ? err_generic_string(PG_DIAG_CONSTRAINT_NAME, err.constraint) : 0));
}

void ThrowCopiedError(ErrorData* edata) {
  PgError e(edata->sqlerrcode, edata->message ? edata->message : "",
            edata->detail ? edata->detail : "", edata->hint ? edata->hint : "");
  auto name = [](const char* s) { return std::string(s ? s : ""); };
  e.set_objects({name(edata->schema_name), name(edata->table_name), name(edata->column_name),
                 name(edata->datatype_name), name(edata->constraint_name)});
  FreeErrorData(edata);
  throw e;
}

const CancelCheck& InterruptCheck() {
  static const CancelCheck check = [] {
    if (QueryCancelPending || ProcDiePending) throw comply::Cancelled();
  };
  return check;
}

}  // namespace comply::pg
