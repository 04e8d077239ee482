// Posture: is a value ciphertext (comply.is_encrypted, comply.check_encryption), and
// the state of the secret files named by comply.* settings, for comply.check_server()
// (whose checks are SQL: src/sql/80_posture.sql).
#include <algorithm>
#include <string>

#include "core/error.h"
#include "core/json.h"
#include "core/posture/ciphertext.h"
#include "core/secret_file.h"
#include "pg/guard.h"
#include "pg/spi.h"
#include "pg/worker.h"

extern "C" {
#include "postgres.h"

#include "access/detoast.h"
#include "access/htup_details.h"
#include "catalog/pg_class.h"
#include "catalog/pg_inherits.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"
#include "utils/tuplestore.h"

PG_FUNCTION_INFO_V1(comply_secret_file_problem);
PG_FUNCTION_INFO_V1(comply_worker_status);
PG_FUNCTION_INFO_V1(comply_is_encrypted);
PG_FUNCTION_INFO_V1(comply_check_encryption);
}

using namespace comply;
using namespace comply::pg;

// comply._secret_file_problem(path text) RETURNS text: NULL when the file is a usable
// secret (exists, regular, permissions as strict as ssl_key_file's), else why not. The
// content is read and dropped; it is never returned.
extern "C" Datum comply_secret_file_problem(PG_FUNCTION_ARGS) {
  if (!superuser())
    ereport(ERROR, (errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
                    errmsg("only superusers may inspect secret files")));
  char* path = text_to_cstring(PG_GETARG_TEXT_PP(0));
  char problem[512] = "";
  Guarded([&] {
    try {
      std::string secret = ReadSecretFile(path);
      std::fill(secret.begin(), secret.end(), '\0');
      if (secret.empty()) snprintf(problem, sizeof(problem), "the file is empty");
    } catch (const Error& e) {
      snprintf(problem, sizeof(problem), "%s", e.what());
    }
  });
  if (problem[0] == '\0') PG_RETURN_NULL();
  PG_RETURN_TEXT_P(cstring_to_text(problem));
}

// comply._worker_status() RETURNS jsonb: the hand-over of records that must outlive
// their transaction (rejected rows, audited reads) to this database's job worker, and
// whether its workers run (GetDeferredStatus: shared memory, and the names of the files
// of records on disk; no error raised).
extern "C" Datum comply_worker_status(PG_FUNCTION_ARGS) {
  const DeferredStatus st = GetDeferredStatus();
  char buf[256];
  snprintf(buf, sizeof(buf),
           "{\"preloaded\": %s, \"records_lost\": %llu, \"records_waiting\": %d, "
           "\"records_on_disk\": %d, \"sealer\": %s, \"job_worker\": %s}",
           st.shared ? "true" : "false", static_cast<unsigned long long>(st.lost), st.waiting, st.on_disk,
           st.sealer ? "true" : "false", st.job_worker ? "true" : "false");
  PG_RETURN_DATUM(DirectFunctionCall1(jsonb_in, CStringGetDatum(buf)));
}

// comply.is_encrypted(value bytea) / (value text) RETURNS boolean
extern "C" Datum comply_is_encrypted(PG_FUNCTION_ARGS) {
  // Only the first kMaxExamined bytes are fetched from a large TOASTed value.
  Datum d = PG_GETARG_DATUM(0);
  int32 total = toast_raw_datum_size(d) - VARHDRSZ;
  struct varlena* v = pg_detoast_datum_slice(reinterpret_cast<struct varlena*>(DatumGetPointer(d)), 0,
                                             static_cast<int32>(posture::kMaxExamined));
  bool encrypted = false;
  Guarded([&] {
    posture::Classification c = posture::Classify(
        std::string_view(VARDATA_ANY(v), VARSIZE_ANY_EXHDR(v)), static_cast<size_t>(total));
    encrypted = c.verdict == posture::Verdict::kEncrypted;
  });
  PG_RETURN_BOOL(encrypted);
}

// comply.check_encryption(tbl regclass, col name, sample_rows int)
//   RETURNS TABLE(verdict text, encrypted_share float8, sample_size int, evidence jsonb)
extern "C" Datum comply_check_encryption(PG_FUNCTION_ARGS) {
  // Not STRICT: a report of no row could pass for "nothing wrong".
  if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(2))
    ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
                    errmsg("the table, the column and sample_rows must not be NULL")));
  InitMaterializedSRF(fcinfo, 0);
  ReturnSetInfo* rsinfo = reinterpret_cast<ReturnSetInfo*>(fcinfo->resultinfo);
  Oid relid = PG_GETARG_OID(0);
  char* col = NameStr(*PG_GETARG_NAME(1));
  int sample_rows = PG_GETARG_INT32(2);
  if (sample_rows < 1 || sample_rows > 1000000)
    ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                    errmsg("sample_rows must be between 1 and 1000000")));
  if (!SearchSysCacheExists1(RELOID, ObjectIdGetDatum(relid)))
    ereport(ERROR, (errcode(ERRCODE_UNDEFINED_TABLE),
                    errmsg("relation with OID %u does not exist", relid)));
  AttrNumber attnum = get_attnum(relid, col);
  // A column name that is not one may be data passed in the wrong argument: its length
  // only (ShownName's rule; nothing of C++ is alive across the ereport).
  if (attnum <= 0 && comply::ShowsAsName(col))
    ereport(ERROR, (errcode(ERRCODE_UNDEFINED_COLUMN),
                    errmsg("column \"%s\" of relation %s does not exist", col, get_rel_name(relid))));
  if (attnum <= 0)
    ereport(ERROR, (errcode(ERRCODE_UNDEFINED_COLUMN),
                    errmsg("column (a value of %zu bytes that is not a name; not shown) of relation "
                           "%s does not exist", strlen(col), get_rel_name(relid))));
  Oid type = getBaseType(get_atttype(relid, attnum));  // a domain as its base type
  if (type != BYTEAOID && type != TEXTOID && type != VARCHAROID && type != BPCHAROID)
    ereport(ERROR, (errcode(ERRCODE_DATATYPE_MISMATCH),
                    errmsg("column \"%s\" is neither bytea nor text", col)));
  // The caller reads the column with their own rights; large tables are sampled by
  // block, never read whole.
  char* table = quote_qualified_identifier(get_namespace_name(get_rel_namespace(relid)),
                                           get_rel_name(relid));
  const char* qcol = quote_identifier(col);
  // The table's pages and rows, a partitioned table's (which has none of its own) or an
  // inheritance parent's summed over the tables under it, where TABLESAMPLE reads too.
  double reltuples = 0;
  int64 relpages = 0;
  {
    List* tables = find_all_inheritors(relid, NoLock, nullptr);
    ListCell* lc;
    foreach (lc, tables) {
      HeapTuple tup = SearchSysCache1(RELOID, ObjectIdGetDatum(lfirst_oid(lc)));
      if (!HeapTupleIsValid(tup)) continue;
      const Form_pg_class form = (Form_pg_class)GETSTRUCT(tup);
      if (form->relpages > 0) relpages += form->relpages;
      if (form->reltuples > 0) reltuples += form->reltuples;
      ReleaseSysCache(tup);
    }
    list_free(tables);
  }
  // text is read as its UTF-8 bytes (char(n) without its padding, as its value and its
  // length alike: a whole number of cipher blocks in hex is one with the blanks too).
  const std::string bytes = type == BYTEAOID ? std::string(qcol) + "::bytea"
                                             : "convert_to(" + std::string(qcol) + "::text, 'UTF8')";
  // Tables of up to kSmallPages pages (or few rows) are read whole in random order;
  // larger ones by block, the share of pages chosen to hold about three times the rows
  // asked for and at least kMinPages pages, and taken again, four times larger, while a
  // sample comes back empty (a share of a page is often no page at all: a column full
  // of data then looked empty, and its control passed).
  constexpr int32 kSmallPages = 128, kMinPages = 16;
  const bool by_block = relpages > kSmallPages && reltuples > 10.0 * sample_rows;
  double pct = 100.0;
  if (by_block) {
    const double rows_per_page = std::max(1.0, reltuples / static_cast<double>(relpages));
    const double pages = std::max<double>(kMinPages, 3.0 * sample_rows / rows_per_page);
    pct = std::min(100.0, 100.0 * pages / static_cast<double>(relpages));
  }
  const std::string table_name(table);
  Guarded([&] {
    posture::ColumnTally tally;
    int attempts = 0;
    {
      SpiScope spi;
      SearchPathPin pin;  // its query names pg_catalog's functions and the column, qualified
      for (;;) {
        ++attempts;
        char share[32];
        snprintf(share, sizeof share, "%.6f", pct);  // (pg_snprintf: raises nothing)
        const std::string from =
            pct < 100.0 ? table_name + " TABLESAMPLE SYSTEM (" + share + ")" : table_name;
        const std::string sql = "SELECT substr(" + bytes + ", 1, " +
                                std::to_string(static_cast<int>(posture::kMaxExamined)) +
                                "), octet_length(" + bytes + ") FROM " + from + " WHERE " + qcol +
                                " IS NOT NULL" + (by_block ? "" : " ORDER BY random()") +
                                " LIMIT " + std::to_string(sample_rows);
        uint64 rows = SpiExec(sql.c_str(), 0, nullptr, nullptr, nullptr, true, SPI_OK_SELECT);
        if (rows == 0 && pct < 100.0) {
          pct = std::min(100.0, pct * 4);
          continue;
        }
        for (uint64 i = 0; i < rows; ++i) {
          std::optional<std::string> prefix = SpiBytes(i, 1);
          if (!prefix) continue;  // (the query asks for non-NULL values)
          int64 total = SpiInt(i, 2).value_or(0);
          tally.Add(posture::Classify(*prefix, static_cast<size_t>(total)));
          PollCancel(InterruptCheck());
        }
        break;
      }
    }
    std::string evidence = tally.EvidenceJson();
    evidence.pop_back();  // add how the sample was taken
    evidence += std::string(",\"sampled\":") + (by_block ? "\"by block\"" : "\"rows at random\"");
    if (by_block) evidence += ",\"attempts\":" + std::to_string(attempts);
    evidence += "}";
    PgCall([&] {
      Datum values[4] = {CStringGetTextDatum(tally.verdict()), Float8GetDatum(tally.encrypted_share()),
                         Int32GetDatum(static_cast<int32>(tally.sample_size())),
                         DirectFunctionCall1(jsonb_in, CStringGetDatum(evidence.c_str()))};
      bool nulls[4] = {false, false, false, false};
      tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
    });
  });
  return (Datum)0;
}
