// SQL functions of the audit ledger: comply.audit (append), comply.seal (the sealer's
// code path, shared with the background worker), comply.verify_ledger,
// comply.ledger_proof / verify_proof, comply.export_ledger, comply.ledger_public_key.
#include "pg/ledger.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cmath>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "core/json.h"
#include "core/ledger/ledger.h"
#include "core/pii/redactor.h"
#include "pg/guard.h"
#include "pg/guc.h"
#include "pg/jsonb_doc.h"
#include "pg/jsonb_view.h"
#include "pg/pii.h"
#include "pg/spi.h"
#include "pg/worker.h"

extern "C" {
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/stratnum.h"
#include "catalog/pg_extension.h"
#include "utils/acl.h"
#include "utils/fmgroids.h"
#include "utils/syscache.h"
#include "access/relation.h"
#include "access/table.h"
#include "access/tableam.h"
#include "catalog/objectaddress.h"
#include "access/xact.h"
#include "access/xlog.h"
#include "access/xlog_internal.h"
#include "catalog/dependency.h"
#include "catalog/pg_class.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "commands/event_trigger.h"
#include "commands/extension.h"
#include "commands/sequence.h"
#include "executor/executor.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "nodes/parsenodes.h"
#include "tcop/utility.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/numeric.h"
#include "utils/inval.h"
#include "utils/guc.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"
#include "utils/xid8.h"
#include "utils/snapmgr.h"
#include "utils/relcache.h"
#include "access/transam.h"
#include "storage/procarray.h"
#include "access/skey.h"
#include "catalog/pg_am.h"
#include "common/int.h"

PG_FUNCTION_INFO_V1(comply_audit);
PG_FUNCTION_INFO_V1(comply_audit_as_caller);
PG_FUNCTION_INFO_V1(comply_audit_own);
PG_FUNCTION_INFO_V1(comply_invoker_role);
PG_FUNCTION_INFO_V1(comply_audit_deferred);
PG_FUNCTION_INFO_V1(comply_seal);
PG_FUNCTION_INFO_V1(comply_adopt_node);
PG_FUNCTION_INFO_V1(comply_verify_ledger);
PG_FUNCTION_INFO_V1(comply_ledger_proof);
PG_FUNCTION_INFO_V1(comply_verify_proof);
PG_FUNCTION_INFO_V1(comply_export_ledger);
PG_FUNCTION_INFO_V1(comply_ledger_public_key);
PG_FUNCTION_INFO_V1(comply_guard_ledger_drop);
PG_FUNCTION_INFO_V1(comply_archive_ledger);
PG_FUNCTION_INFO_V1(comply_archiving_through);
PG_FUNCTION_INFO_V1(comply_flush_wal);
}

namespace comply::pg {
namespace {

using ledger::Hash;

// The ledger tables belong to the extension's owner; PUBLIC has no privilege on them.
using AsLedgerOwner = AsExtensionOwner;

// Frees the current SPI result's tuple table at scope exit: verify_ledger reads
// millions of rows in one SPI connection, where results otherwise live until SPI_finish.
class ResultScope {
 public:
  ResultScope() = default;
  ~ResultScope() {
    if (SPI_tuptable) SPI_freetuptable(SPI_tuptable);
  }
  ResultScope(const ResultScope&) = delete;
  ResultScope& operator=(const ResultScope&) = delete;
};

// Runs a query with parameters through SPI; returns SPI_processed.
uint64 Exec(const char* sql, int nargs, Oid* types, Datum* values, const char* nulls,
            bool read_only, int expected) {
  return PgCall([&] {
    int rc = SPI_execute_with_args(sql, nargs, types, values, nulls, read_only, 0);
    if (rc != expected) elog(ERROR, "ledger query failed: %s", SPI_result_code_string(rc));
    return SPI_processed;
  });
}

// Text of column col of row (nullopt for NULL).
std::optional<std::string> Text(uint64 row, int col) {
  if (SPI_gettypeid(SPI_tuptable->tupdesc, col) == TEXTOID) {
    // Read text in place: no output function, no copy left behind.
    bool isnull = false;
    Datum d = PgCall([&] {
      return SPI_getbinval(SPI_tuptable->vals[row], SPI_tuptable->tupdesc, col, &isnull);
    });
    if (isnull) return std::nullopt;
    text* t = PgCall([&] { return DatumGetTextPP(d); });
    std::string out(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t));
    if (reinterpret_cast<Pointer>(t) != DatumGetPointer(d)) pfree(t);  // a detoasted copy
    return out;
  }
  char* v = PgCall([&] { return SPI_getvalue(SPI_tuptable->vals[row], SPI_tuptable->tupdesc, col); });
  if (!v) return std::nullopt;
  std::string out(v);
  pfree(v);  // SPI_getvalue allocates in SPI's procedure context, kept until SPI_finish
  return out;
}

// int8 value of column col of row (0 for NULL).
int64 Int(uint64 row, int col) {
  bool isnull = false;
  Datum d = PgCall([&] {
    return SPI_getbinval(SPI_tuptable->vals[row], SPI_tuptable->tupdesc, col, &isnull);
  });
  if (isnull) return 0;
  // The ledger's queries return int8 or int4 for every column read here.
  return SPI_gettypeid(SPI_tuptable->tupdesc, col) == INT4OID ? DatumGetInt32(d) : DatumGetInt64(d);
}

// Bytes of a bytea column (empty for NULL).
std::string Bytes(uint64 row, int col) {
  bool isnull = false;
  Datum d = PgCall([&] {
    return SPI_getbinval(SPI_tuptable->vals[row], SPI_tuptable->tupdesc, col, &isnull);
  });
  if (isnull) return {};
  bytea* b = PgCall([&] { return DatumGetByteaPP(d); });
  std::string out(VARDATA_ANY(b), VARSIZE_ANY_EXHDR(b));
  if (reinterpret_cast<Pointer>(b) != DatumGetPointer(d)) pfree(b);  // a detoasted copy
  return out;
}

Hash ToHash(const std::string& bytes) {
  Hash h{};
  if (bytes.size() == h.size()) std::copy(bytes.begin(), bytes.end(), h.begin());
  return h;
}

std::string HashBytes(const Hash& h) { return std::string(h.begin(), h.end()); }

// Canonical columns of an audit entry, in the order ReadEntry expects (from alias a).
constexpr const char* kEntryColumns =
    // (Times past int8's microseconds, +-infinity and the last millennia of timestamptz
    // alike, which no append writes, as the ends of int8: an entry set to one is sealed,
    // exported and found altered, rather than stopping the sealer for good.)
    "a.id, least(greatest(extract(epoch FROM a.logged_at) * 1000000, -9223372036854775808), "
    "9223372036854775807)::int8, a.session_user_name, "
    "a.current_user_name, a.application_name, a.client_addr::text, a.xid::text, a.action, "
    "a.object, a.details::text";

// Reads the entry whose canonical columns start at column first of row.
ledger::Entry ReadEntry(uint64 row, int first) {
  ledger::Entry e;
  e.id = Int(row, first);
  e.logged_at_us = Int(row, first + 1);
  e.session_user = Text(row, first + 2);
  e.current_user = Text(row, first + 3);
  e.application_name = Text(row, first + 4);
  e.client_addr = Text(row, first + 5);
  e.xid = Text(row, first + 6);
  e.action = Text(row, first + 7);
  e.object = Text(row, first + 8);
  e.details = Text(row, first + 9);
  return e;
}

// The sealer's columns of a candidate entry (from alias a), as stored: ReadRawEntry
// converts them in C as kEntryColumns' expressions do in SQL (a projection of those
// expressions cost more than hashing the entry, and ran for every row the search sorted,
// not only those it returned). The casts pin the types ReadRawEntry reads (no-ops on the
// table as the extension makes it). comply.verify_ledger() reads kEntryColumns, so it
// checks what the sealer hashed against the SQL conversions.
constexpr int kRawEntryColumnCount = 10;
constexpr const char* kRawEntryColumns =
    "a.id::int8, a.logged_at::timestamptz, a.session_user_name::text, a.current_user_name::text, "
    "a.application_name::text, a.client_addr::inet, a.xid::xid8, a.action::text, a.object::text, "
    "a.details::jsonb";

// An entry's column as read by ReadRawEntry: a text's bytes (ptr, len) where they are,
// with to_free (if not null) the palloc'd copy or conversion to free once copied.
struct RawText {
  bool isnull = true;
  const char* ptr = nullptr;
  size_t len = 0;
  void* to_free = nullptr;
};

// The bytes of text datum d (detoasted if it must be: then to_free). Plain C.
void RawTextOf(Datum d, bool isnull, RawText* out) {
  out->isnull = isnull;
  if (isnull) return;
  struct varlena* v = reinterpret_cast<struct varlena*>(DatumGetPointer(d));
  if (VARATT_IS_EXTERNAL(v) || VARATT_IS_COMPRESSED(v)) {
    v = pg_detoast_datum_packed(v);
    out->to_free = v;
  }
  out->ptr = VARDATA_ANY(v);
  out->len = VARSIZE_ANY_EXHDR(v);
}

// A C string (palloc'd, then to_free) as a RawText. Plain C.
void RawCString(char* s, RawText* out) {
  out->isnull = false;
  out->ptr = s;
  out->len = strlen(s);
  out->to_free = s;
}

std::optional<std::string> TakeText(RawText& t) {
  if (t.isnull) return std::nullopt;
  std::string out(t.ptr, t.len);
  if (t.to_free) {
    pfree(t.to_free);
    t.to_free = nullptr;
  }
  return out;
}

// Appends s as escape_json (utils/adt/json.c) writes a JSON string: quoted, with \b \f
// \n \r \t \" \\ and the other control characters as \u00XX (lower-case hex).
void AppendJsonString(std::string_view s, std::string& out) {
  size_t i = 0;
  while (i < s.size()) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < ' ' || c == '"' || c == '\\') break;
    ++i;
  }
  if (i == s.size()) {  // nothing to escape (keys, most values): one copy
    const size_t at = out.size();
    out.resize(at + s.size() + 2);
    char* p = &out[at];
    p[0] = '"';
    std::memcpy(p + 1, s.data(), s.size());
    p[s.size() + 1] = '"';
    return;
  }
  out += '"';
  size_t run = 0;  // start of the bytes not yet copied
  for (; i < s.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= ' ' && c != '"' && c != '\\') continue;
    out.append(s.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      default: {
        static const char kHex[] = "0123456789abcdef";
        const char esc[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xF]};
        out.append(esc, sizeof esc);
      }
    }
  }
  out.append(s.data() + run, s.size() - run);
  out += '"';
}

// The deepest nesting AppendJsonbText renders (it recurses); deeper documents are left
// to JsonbToCString.
constexpr int kMaxRenderedDepth = 100;

// Appends v as JsonbToCString (jsonb_out, jsonb::text) writes it: members in jsonb's
// order, ", " between items and ": " after keys, strings as escape_json writes them,
// numbers as numeric_out does (JsonbView::number_text). Reads the document in place, no
// PostgreSQL call. Returns false (out then partial) past kMaxRenderedDepth.
bool AppendJsonbText(const JsonbView& v, std::string& out, int depth = 0) {
  switch (v.type()) {
    case json::Type::kNull:
      out += "null";
      return true;
    case json::Type::kBool:
      out += v.boolean() ? "true" : "false";
      return true;
    case json::Type::kNumber:
      out += v.number_text();
      return true;
    case json::Type::kString:
      AppendJsonString(v.string(), out);
      return true;
    case json::Type::kArray:
      if (depth >= kMaxRenderedDepth) return false;
      out += '[';
      for (JsonbView::Items it = v.items(); !it.done(); it.next()) {
        if (it.index() > 0) out += ", ";
        if (!AppendJsonbText(it.value(), out, depth + 1)) return false;
      }
      out += ']';
      return true;
    case json::Type::kObject:
      if (depth >= kMaxRenderedDepth) return false;
      out += '{';
      for (JsonbView::Members m = v.members(); !m.done(); m.next()) {
        if (m.index() > 0) out += ", ";
        AppendJsonString(m.key(), out);
        out += ": ";
        if (!AppendJsonbText(m.value(), out, depth + 1)) return false;
      }
      out += '}';
      return true;
  }
  return false;
}

// An entry's stored columns, taken from a row for RawEntryFinish: what can be read in
// place, and the palloc'd conversions.
struct RawEntry {
  int64 id = 0;
  int64 logged_at_us = 0;
  RawText t[kRawEntryColumnCount];  // by column: 2..8 used
  Jsonb* jb = nullptr;              // the details, detoasted
  bool jb_copied = false;
};

// Takes the entry whose columns (kRawEntryColumns' types and order) are v[0..9] and
// n[0..9] (null flags) into *r, converting as kEntryColumns' SQL does: logged_at as
// microseconds since the Unix epoch (times past int8, and +-infinity, as the ends of
// int8), client_addr as inet's text cast (text(inet): with its mask length), xid as its
// output function writes it. Plain C.
void RawEntryExtract(const Datum* v, const bool* n, RawEntry* r) {
  r->id = n[0] ? 0 : DatumGetInt64(v[0]);
  if (!n[1]) {
    const TimestampTz ts = DatumGetTimestampTz(v[1]);
    // extract(epoch ...) * 1000000, clamped to int8 (kEntryColumns).
    constexpr int64 kUnixOffsetUs = (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * USECS_PER_DAY;
    if (TIMESTAMP_IS_NOBEGIN(ts)) {
      r->logged_at_us = PG_INT64_MIN;
    } else if (TIMESTAMP_IS_NOEND(ts)) {
      r->logged_at_us = PG_INT64_MAX;
    } else if (pg_add_s64_overflow(ts, kUnixOffsetUs, &r->logged_at_us) ||
               r->logged_at_us == PG_INT64_MAX) {
      // From int8's last microsecond on, extract(epoch) divides as numeric, rounding the
      // seconds to 4 decimals (a time 42 µs past it reads ...775800): computed here as
      // the SQL does, never reached by an append (the year 294247).
      Datum secs = DirectFunctionCall2(extract_timestamptz, CStringGetTextDatum("epoch"), v[1]);
      Datum us = DirectFunctionCall2(numeric_mul, secs, NumericGetDatum(int64_to_numeric(1000000)));
      Datum top = NumericGetDatum(int64_to_numeric(PG_INT64_MAX));
      r->logged_at_us = DatumGetInt32(DirectFunctionCall2(numeric_cmp, us, top)) >= 0
                            ? PG_INT64_MAX
                            : DatumGetInt64(DirectFunctionCall1(numeric_int8, us));
    }
  }
  RawTextOf(v[2], n[2], &r->t[2]);
  RawTextOf(v[3], n[3], &r->t[3]);
  RawTextOf(v[4], n[4], &r->t[4]);
  if (!n[5]) RawCString(TextDatumGetCString(DirectFunctionCall1(network_show, v[5])), &r->t[5]);
  if (!n[6]) {
    char buf[32];
    snprintf(buf, sizeof(buf), UINT64_FORMAT, U64FromFullTransactionId(DatumGetFullTransactionId(v[6])));
    RawCString(pstrdup(buf), &r->t[6]);
  }
  RawTextOf(v[7], n[7], &r->t[7]);
  RawTextOf(v[8], n[8], &r->t[8]);
  if (!n[9]) {
    r->jb = DatumGetJsonbP(v[9]);
    r->jb_copied = reinterpret_cast<Pointer>(r->jb) != DatumGetPointer(v[9]);  // detoasted
  }
}

// The entry r holds, its texts copied (and r's conversions freed); details as jsonb_out
// writes them (AppendJsonbText, or JsonbToCString for deep documents). r's texts read in
// place must still be there (the row's buffer pinned).
ledger::Entry RawEntryFinish(RawEntry& r) {
  ledger::Entry e;
  e.id = r.id;
  e.logged_at_us = r.logged_at_us;
  e.session_user = TakeText(r.t[2]);
  e.current_user = TakeText(r.t[3]);
  e.application_name = TakeText(r.t[4]);
  e.client_addr = TakeText(r.t[5]);
  e.xid = TakeText(r.t[6]);
  e.action = TakeText(r.t[7]);
  e.object = TakeText(r.t[8]);
  if (Jsonb* jb = r.jb) {
    std::string text;
    text.reserve(2 * VARSIZE(jb));
    if (AppendJsonbText(JsonbView::Root(jb), text)) {
      e.details = std::move(text);
    } else {
      RawText deep;
      PgCall([&] { RawCString(JsonbToCString(nullptr, &jb->root, VARSIZE(jb)), &deep); });
      e.details = TakeText(deep);
    }
    if (r.jb_copied) pfree(jb);
    r.jb = nullptr;
  }
  return e;
}

// Reads the entry whose kRawEntryColumns start at column first of the SPI result's row.
ledger::Entry ReadRawEntry(uint64 row, int first) {
  constexpr int kMaxColumns = 16;
  RawEntry r;
  PgCall([&] {
    Datum values[kMaxColumns];
    bool nulls[kMaxColumns];
    TupleDesc desc = SPI_tuptable->tupdesc;
    if (desc->natts > kMaxColumns || first + kRawEntryColumnCount - 1 > desc->natts)
      elog(ERROR, "unexpected columns in the ledger's entry query");
    heap_deform_tuple(SPI_tuptable->vals[row], desc, values, nulls);
    RawEntryExtract(values + (first - 1), nulls + (first - 1), &r);
  });
  return RawEntryFinish(r);
}

// The node identity bound into every block: the cluster (its system identifier) and
// the database (its OID), so that the ledgers of two databases of one cluster are told
// apart, and a database copied from another (CREATE DATABASE ... TEMPLATE) continues the
// copied chain only through comply.adopt_node(). A promoted physical standby has both
// the same; pg_upgrade keeps the OID (PostgreSQL 15) but not the identifier.
std::string NodeId() {
  return std::to_string(GetSystemIdentifier()) + "/" + std::to_string(MyDatabaseId);
}

// Microseconds since the Unix epoch now.
int64 NowUnixMicros() {
  TimestampTz now = GetCurrentTimestamp();
  return now + (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * USECS_PER_DAY;
}

// The signer of comply.ledger_signing_key_file, or null when none is set.
std::unique_ptr<ledger::Signer> LoadSigner() {
  std::string path = ledger_signing_key_file ? ledger_signing_key_file : "";
  if (path.empty()) return nullptr;
  // Permission-checked like ssl_key_file; errors name the setting, not the path.
  std::string pem = pii::LoadKeyFile(path, "comply.ledger_signing_key_file");
  return std::make_unique<ledger::Signer>(
      ledger::Signer::FromPem(pem, "the key file of comply.ledger_signing_key_file"));
}

// bytea datum of bytes (palloc'd; plain C).
Datum ByteaDatum(const std::string& bytes) {
  bytea* b = static_cast<bytea*>(palloc(VARHDRSZ + bytes.size()));
  SET_VARSIZE(b, VARHDRSZ + bytes.size());
  memcpy(VARDATA(b), bytes.data(), bytes.size());
  return PointerGetDatum(b);
}

// Whether an insert into rel can skip the executor's statement machinery: a plain table
// (not partitioned, not a partition, no rule, no row-level security) with no insert
// trigger of any kind.
bool InsertsPlainly(Relation rel) {
  const TriggerDesc* trig = rel->trigdesc;
  return rel->rd_rel->relkind == RELKIND_RELATION && rel->rd_rules == nullptr &&
         !rel->rd_rel->relispartition && !rel->rd_rel->relrowsecurity &&
         !(trig && (trig->trig_insert_before_row || trig->trig_insert_after_row ||
                    trig->trig_insert_instead_row || trig->trig_insert_before_statement ||
                    trig->trig_insert_after_statement || trig->trig_insert_new_table));
}

// The OID of the extension's table comply.name: cached (a layout's, valid) or looked up.
// Plain C (raises an error if the table is gone).
Oid LedgerTableOid(Oid cached, const char* name) {
  if (OidIsValid(cached)) return cached;
  Oid relid = get_relname_relid(name, get_namespace_oid("comply", false));
  if (!OidIsValid(relid)) elog(ERROR, "comply.%s does not exist", name);
  return relid;
}

// An executor state and result relation for inserting into rel (open with
// RowExclusiveLock) as pg_comply's own write, with its indexes open (ExecOpenIndices);
// *plain_indexes says whether every index is on plain columns without a predicate (the
// direct inserts insert only then). Close with CloseInsertTarget. Plain C.
ResultRelInfo* OpenInsertTarget(Relation rel, EState** estate_out, bool* plain_indexes) {
  EState* estate = CreateExecutorState();
  RangeTblEntry* rte = makeNode(RangeTblEntry);
  rte->rtekind = RTE_RELATION;
  rte->relid = RelationGetRelid(rel);
  rte->relkind = rel->rd_rel->relkind;
  rte->rellockmode = RowExclusiveLock;
  ExecInitRangeTable(estate, list_make1(rte));
  estate->es_output_cid = GetCurrentCommandId(true);
  ResultRelInfo* rri = makeNode(ResultRelInfo);
  InitResultRelInfo(rri, rel, 1, nullptr, 0);
  ExecOpenIndices(rri, false);
  *plain_indexes = true;
  for (int i = 0; i < rri->ri_NumIndices; ++i) {
    const IndexInfo* ii = rri->ri_IndexRelationInfo[i];
    if (ii->ii_Expressions != NIL || ii->ii_Predicate != NIL) *plain_indexes = false;
  }
  *estate_out = estate;
  return rri;
}

void CloseInsertTarget(ResultRelInfo* rri, EState* estate) {
  ExecCloseIndices(rri);
  ExecResetTupleTable(estate->es_tupleTable, false);
  FreeExecutorState(estate);
}

// Whether rel (open) inserts plainly (InsertsPlainly) and its live columns are exactly
// the n named names[c] with types[c], none generated; if so, attnum[c] gets column c's
// number. (n live columns each matching a distinct name: every name is there.)
bool HasColumnsAsMade(Relation rel, int n, const char* const* names, const Oid* types, int* attnum) {
  if (!InsertsPlainly(rel)) return false;
  TupleDesc desc = RelationGetDescr(rel);
  int live = 0;
  for (int i = 0; i < desc->natts; ++i) {
    Form_pg_attribute att = TupleDescAttr(desc, i);
    if (att->attisdropped) continue;
    ++live;
    int c = 0;
    while (c < n && strcmp(NameStr(att->attname), names[c]) != 0) ++c;
    if (c == n || att->atttypid != types[c] || att->attgenerated) return false;
    attnum[c] = i + 1;
  }
  return live == n;
}

// The columns of comply.ledger_entries as the extension's script creates them.
constexpr int kSealedColumns = 4;
constexpr const char* kSealedNames[kSealedColumns] = {"entry_id", "block_no", "leaf_index",
                                                      "entry_hash"};
constexpr Oid kSealedTypes[kSealedColumns] = {INT8OID, INT8OID, INT4OID, BYTEAOID};

// What RecordSealedDirect learns of comply.ledger_entries, kept per backend until a
// relcache invalidation of the table (any ALTER, a trigger, rule or policy added, the
// table dropped) or of every relation: its OID, whether it is as the extension made it
// (its four columns, inserted plainly: InsertsPlainly) and where each column is.
struct SealedLayout {
  bool known = false;  // the rest is valid
  Oid relid = InvalidOid;
  bool plain = false;
  int attnum[kSealedColumns] = {};
};
SealedLayout sealed_layout;

void InvalidateSealedLayout(Datum, Oid relid) {
  if (relid == InvalidOid || relid == sealed_layout.relid) sealed_layout.known = false;
}

// Learns rel's layout (rel is comply.ledger_entries, open).
void LearnSealedLayout(Relation rel) {
  SealedLayout l;
  l.relid = RelationGetRelid(rel);
  l.plain = HasColumnsAsMade(rel, kSealedColumns, kSealedNames, kSealedTypes, l.attnum);
  l.known = true;
  sealed_layout = l;
}

// Records the n sealed entries of block block_no (entry ids[i] at leaf i, its hash
// leaves[i]) in comply.ledger_entries the way the INSERT of the SPI path in SealOnce
// would, without planning or running a query: rows built here, stored a thousand at a
// time with table_multi_insert (as COPY does: one WAL record a page, not a row), each
// checked against the table's constraints (ExecConstraints) and entered in every index
// with ExecInsertIndexTuples, which checks uniqueness (a leaf recorded twice raises
// unique_violation, as the INSERT does). Only when comply.ledger_entries is as the
// extension made it (SealedLayout) and has no index on an expression or with a
// predicate; returns false otherwise, having inserted nothing (the caller then runs the
// INSERT). No privilege is checked: like the INSERT run as the ledger's owner, this is
// pg_comply's own write. The rows are visible to the transaction's later commands (a
// CommandCounterIncrement here). Plain C (raises PostgreSQL errors).
bool RecordSealedDirect(int64 block_no, uint64 n, const int64* ids, const Hash* leaves) {
  const Oid relid = LedgerTableOid(sealed_layout.known ? sealed_layout.relid : InvalidOid, "ledger_entries");
  Relation rel = table_open(relid, RowExclusiveLock);
  // Learned after the lock, so that an invalidation it brought in counts.
  if (!sealed_layout.known || sealed_layout.relid != relid) LearnSealedLayout(rel);
  const SealedLayout& layout = sealed_layout;
  if (!layout.plain) {
    table_close(rel, RowExclusiveLock);
    return false;
  }
  int attnum[kSealedColumns];
  memcpy(attnum, layout.attnum, sizeof(attnum));
  EState* estate = nullptr;
  bool plain = true;
  ResultRelInfo* rri = OpenInsertTarget(rel, &estate, &plain);
  const CommandId cid = estate->es_output_cid;
  if (plain && n > 0) {
    TupleDesc desc = RelationGetDescr(rel);
    constexpr uint64 kBatch = 1000;
    const int nslots = static_cast<int>(std::min<uint64>(n, kBatch));
    TupleTableSlot** slots = static_cast<TupleTableSlot**>(palloc(sizeof(TupleTableSlot*) * nslots));
    for (int j = 0; j < nslots; ++j)
      slots[j] = ExecInitExtraTupleSlot(estate, desc, table_slot_callbacks(rel));
    // The batch's hashes and tuples, freed once it is stored.
    MemoryContext batch_cxt =
        AllocSetContextCreate(CurrentMemoryContext, "ledger entries batch", ALLOCSET_DEFAULT_SIZES);
    for (uint64 start = 0; start < n; start += kBatch) {
      CHECK_FOR_INTERRUPTS();
      const int m = static_cast<int>(std::min<uint64>(n - start, kBatch));
      MemoryContext old = MemoryContextSwitchTo(batch_cxt);
      for (int j = 0; j < m; ++j) {
        const uint64 i = start + j;
        TupleTableSlot* slot = slots[j];
        ExecClearTuple(slot);
        for (int k = 0; k < desc->natts; ++k) slot->tts_isnull[k] = true;
        bytea* h = static_cast<bytea*>(palloc(VARHDRSZ + leaves[i].size()));
        SET_VARSIZE(h, VARHDRSZ + leaves[i].size());
        memcpy(VARDATA(h), leaves[i].data(), leaves[i].size());
        const Datum v[kSealedColumns] = {Int64GetDatum(ids[i]), Int64GetDatum(block_no),
                                         Int32GetDatum(static_cast<int32>(i)), PointerGetDatum(h)};
        for (int c = 0; c < kSealedColumns; ++c) {
          slot->tts_values[attnum[c] - 1] = v[c];
          slot->tts_isnull[attnum[c] - 1] = false;
        }
        ExecStoreVirtualTuple(slot);
        if (desc->constr) ExecConstraints(rri, slot, estate);
      }
      table_multi_insert(rel, slots, m, cid, 0, nullptr);
      for (int j = 0; j < m; ++j) {
        List* recheck = ExecInsertIndexTuples(rri, slots[j], estate, false, false, nullptr, NIL);
        list_free(recheck);
        ResetPerTupleExprContext(estate);
      }
      MemoryContextSwitchTo(old);
      for (int j = 0; j < m; ++j) ExecClearTuple(slots[j]);
      MemoryContextReset(batch_cxt);
    }
    MemoryContextDelete(batch_cxt);
    pfree(slots);
  }
  CloseInsertTarget(rri, estate);
  if (!plain) {
    table_close(rel, RowExclusiveLock);
    return false;
  }
  table_close(rel, NoLock);  // the lock is kept to the end of the transaction
  // The next round's queries (comply.seal() seals several blocks in one transaction)
  // see the rows.
  CommandCounterIncrement();
  return true;
}

bool ReadCandidatesDirect(int64 min_id, int limit, std::vector<ledger::Entry>* entries,
                          std::string* xmin);

}  // namespace

int64 SealOnce(int64* entries_sealed, int64 min_id, int64* next_id, uint64 xmin_bound) {
  *entries_sealed = 0;
  if (next_id) *next_id = 0;
  AsLedgerOwner owner;
  SpiScope spi;
  // One sealer at a time; writers of audit_log are not blocked.
  Exec("LOCK TABLE comply.ledger_blocks IN EXCLUSIVE MODE", 0, nullptr, nullptr, nullptr, false,
       SPI_OK_UTILITY);
  // read_only = false: each query takes a fresh snapshot that sees the blocks this
  // transaction has sealed already (comply.seal() seals several in one transaction).
  Exec("SELECT block_no, block_hash FROM comply.ledger_blocks ORDER BY block_no DESC LIMIT 1", 0,
       nullptr, nullptr, nullptr, false, SPI_OK_SELECT);
  int64 prev_no = 0;
  Hash prev_hash{};
  if (SPI_processed > 0) {
    prev_no = Int(0, 1);
    prev_hash = ToHash(Bytes(0, 2));
  }
  // Candidate entries and the snapshot's xmin, from one statement (one snapshot):
  // everything committed before that snapshot is sealed by this round.
  // The full search (min_id 0: at start, once a minute, comply.seal()) leaves the
  // anti-join against the sealed entries to the planner. A search from min_id (the
  // lowest id that transactions committed since the last search appended) reads the ids
  // from there in order, and drops the few already sealed (appended by transactions that
  // committed earlier) with one range scan of the sealed ids: it costs what was appended
  // since. (With the anti-join in the query, the planner hashed the whole ledger every
  // round when the statistics were stale, or probed the sealed entries row by row.)
  // The search from min_id reads audit_log's primary key itself (ReadCandidatesDirect)
  // when the table is as the extension made it.
  const bool full = min_id <= 0;
  std::string xmin;
  std::vector<ledger::Entry> entries;
  // Reads up to limit candidates with id >= from (every unsealed one, from min_id 0),
  // appending them to *out; their snapshot's xmin in *at (left as it is when none).
  auto fetch = [&](int64 from, int limit, std::vector<ledger::Entry>* out, std::string* at) {
    if (!full && ReadCandidatesDirect(from, limit, out, at)) return;
    Oid types[2] = {INT4OID, INT8OID};
    Datum values[2] = {Int32GetDatum(limit), Int64GetDatum(from)};
    std::string sql = std::string("SELECT pg_snapshot_xmin(pg_current_snapshot())::text, ") +
                      kRawEntryColumns + " FROM comply.audit_log a WHERE a.id >= $2" +
                      (full ? " AND NOT EXISTS (SELECT 1 FROM comply.ledger_entries s "
                              "WHERE s.entry_id = a.id)"
                            : "") +
                      " ORDER BY a.id LIMIT $1";
    uint64 rows = Exec(sql.c_str(), 2, types, values, nullptr, false, SPI_OK_SELECT);
    if (rows == 0) return;
    *at = *Text(0, 1);
    out->reserve(out->size() + rows);
    for (uint64 i = 0; i < rows; ++i) out->push_back(ReadRawEntry(i, 2));
  };
  // A search from min_id drops the candidates sealed already (appended by transactions
  // that committed before the last search) and reads on until the block holds
  // comply.seal_batch entries or the candidates run out: a block of fewer entries then
  // says that nothing visible was left, as verify_ledger() reads it (a block of 8,760
  // of 10,000 fetched, the rest sealed already, made it report the entries the next
  // block of the same round sealed as "entry not sealed").
  bool hit_limit = false;
  int64 last_fetched = 0;
  int64 from = full ? 0 : min_id;
  for (;;) {
    const int limit = seal_batch - static_cast<int>(entries.size());
    std::vector<ledger::Entry> got;
    std::string at;
    fetch(from, limit, &got, &at);
    if (got.empty()) break;
    // The earliest snapshot's xmin: what each later read sees, it saw ended or not.
    if (xmin.empty() || std::strtoull(at.c_str(), nullptr, 10) < std::strtoull(xmin.c_str(), nullptr, 10))
      xmin = at;
    hit_limit = got.size() >= static_cast<size_t>(limit);
    last_fetched = got.back().id;
    if (!full) {
      // The sealed ids among the candidates (got is in id order).
      Oid rtypes[2] = {INT8OID, INT8OID};
      Datum rvalues[2] = {Int64GetDatum(got.front().id), Int64GetDatum(got.back().id)};
      uint64 m = Exec("SELECT entry_id FROM comply.ledger_entries WHERE entry_id BETWEEN $1 AND $2",
                      2, rtypes, rvalues, nullptr, false, SPI_OK_SELECT);
      if (m > 0) {
        std::vector<int64> sealed;
        for (uint64 i = 0; i < m; ++i) sealed.push_back(Int(i, 1));
        std::sort(sealed.begin(), sealed.end());
        got.erase(std::remove_if(got.begin(), got.end(),
                                 [&](const ledger::Entry& e) {
                                   return std::binary_search(sealed.begin(), sealed.end(), e.id);
                                 }),
                  got.end());
      }
    }
    entries.insert(entries.end(), std::make_move_iterator(got.begin()), std::make_move_iterator(got.end()));
    if (full || !hit_limit || entries.size() >= static_cast<size_t>(seal_batch)) break;
    from = last_fetched + 1;  // (each read checks for interrupts: ReadCandidatesDirect, SPI)
  }
  if (xmin_bound != 0 && !xmin.empty() && std::strtoull(xmin.c_str(), nullptr, 10) > xmin_bound)
    xmin = std::to_string(xmin_bound);
  if (next_id && hit_limit) *next_id = last_fetched + 1;
  uint64 n = entries.size();
  if (n == 0) return 0;
  // The next number is past every block that sealed entries name too: with the newest
  // ledger_blocks row deleted (by hand, as a superuser can) and its entries kept, the
  // number after the last row was taken, and every round failed on the unique key of
  // ledger_entries, so that nothing was sealed again. The gap, and the chain that skips
  // it, are what verify_ledger() reports.
  Exec("SELECT max(block_no) FROM comply.ledger_entries", 0, nullptr, nullptr, nullptr, false,
       SPI_OK_SELECT);
  const int64 named = Int(0, 1);
  std::vector<int64> ids;
  std::vector<Hash> leaves;
  for (const ledger::Entry& e : entries) {
    ids.push_back(e.id);
    leaves.push_back(ledger::EntryHash(e));
  }
  ledger::BlockHeader header;
  header.block_no = std::max(prev_no, named) + 1;
  header.prev_hash = prev_hash;
  header.merkle_root = ledger::MerkleRoot(leaves);
  header.entry_count = static_cast<int64>(n);
  header.sealed_at_us = NowUnixMicros();
  header.node_id = NodeId();
  Hash block_hash = ledger::BlockHash(header);
  std::unique_ptr<ledger::Signer> signer = LoadSigner();
  std::string signature = signer ? signer->Sign(block_hash) : std::string();
  std::string signer_key = signer ? signer->PublicKey() : std::string();

  PgCall([&] {
    Oid btypes[11] = {INT8OID, INT8OID, INT4OID, BYTEAOID, BYTEAOID, BYTEAOID, TEXTOID, TEXTOID,
                      BYTEAOID, INT2OID, BYTEAOID};
    Datum bvalues[11] = {Int64GetDatum(header.block_no), Int64GetDatum(header.sealed_at_us),
                         Int32GetDatum(static_cast<int32>(n)),
                         ByteaDatum(HashBytes(header.merkle_root)), ByteaDatum(HashBytes(prev_hash)),
                         ByteaDatum(HashBytes(block_hash)), CStringGetTextDatum(header.node_id.c_str()),
                         CStringGetTextDatum(xmin.c_str()), ByteaDatum(signature),
                         Int16GetDatum(ledger::kEncodingVersion), ByteaDatum(signer_key)};
    char bnulls[11] = {' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', signature.empty() ? 'n' : ' ', ' ',
                       signature.empty() ? 'n' : ' '};
    int rc = SPI_execute_with_args(
        "INSERT INTO comply.ledger_blocks (block_no, sealed_at, sealed_at_us, entry_count, "
        "merkle_root, prev_hash, block_hash, node_id, snapshot_xmin, signature, encoding_version, "
        "signer_key) "
        "VALUES ($1, to_timestamp($2::float8 / 1000000), $2, $3, $4, $5, $6, $7, $8::xid8, $9, $10, $11)",
        11, btypes, bvalues, bnulls, false, 0);
    if (rc != SPI_OK_INSERT) elog(ERROR, "could not insert block: %s", SPI_result_code_string(rc));
    if (RecordSealedDirect(header.block_no, n, ids.data(), leaves.data())) return;
    Datum* id_d = static_cast<Datum*>(palloc(sizeof(Datum) * n));
    Datum* hash_d = static_cast<Datum*>(palloc(sizeof(Datum) * n));
    for (uint64 i = 0; i < n; ++i) {
      id_d[i] = Int64GetDatum(ids[i]);
      hash_d[i] = ByteaDatum(HashBytes(leaves[i]));
    }
    Oid etypes[3] = {INT8OID, INT8ARRAYOID, BYTEAARRAYOID};
    Datum evalues[3] = {
        Int64GetDatum(header.block_no),
        PointerGetDatum(construct_array(id_d, static_cast<int>(n), INT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE)),
        PointerGetDatum(construct_array(hash_d, static_cast<int>(n), BYTEAOID, -1, false, TYPALIGN_INT))};
    rc = SPI_execute_with_args(
        "INSERT INTO comply.ledger_entries (entry_id, block_no, leaf_index, entry_hash) "
        "SELECT e.id, $1, (e.ord - 1)::int, e.h FROM unnest($2, $3) WITH ORDINALITY AS e(id, h, ord)",
        3, etypes, evalues, nullptr, false, 0);
    if (rc != SPI_OK_INSERT) elog(ERROR, "could not record sealed entries: %s", SPI_result_code_string(rc));
  });
  *entries_sealed = static_cast<int64>(n);
  return header.block_no;
}

}  // namespace comply::pg

using namespace comply;
using namespace comply::pg;

namespace comply::pg {

namespace {

// The columns of comply.audit_log as the extension's script creates them.
constexpr int kAuditColumns = 10;
constexpr const char* kAuditNames[kAuditColumns] = {
    "id",     "logged_at", "session_user_name", "current_user_name", "application_name",
    "client_addr", "xid", "action", "object", "details"};
constexpr Oid kAuditTypes[kAuditColumns] = {INT8OID, TIMESTAMPTZOID, TEXTOID, TEXTOID, TEXTOID,
                                            INETOID, XID8OID, TEXTOID, TEXTOID, JSONBOID};

// What AppendAuditDirect learns of comply.audit_log, kept per backend until a relcache
// invalidation of the table (any ALTER, a trigger or rule added, the table dropped) or
// of every relation: its OID, whether it is as the extension made it (below) and where
// each of its columns is, and its identity sequence (a pg_depend scan). The sequence
// belongs to the extension, so it cannot be dropped or replaced without the extension.
struct AuditLayout {
  bool known = false;  // the rest is valid
  Oid relid = InvalidOid;
  bool plain = false;
  int attnum[kAuditColumns] = {};
  Oid seqid = InvalidOid;
};
AuditLayout audit_layout;

void InvalidateAuditLayout(Datum, Oid relid) {
  if (relid == InvalidOid || relid == audit_layout.relid) audit_layout.known = false;
}

// Learns rel's layout (rel is comply.audit_log, open).
void LearnAuditLayout(Relation rel) {
  AuditLayout l;
  l.relid = RelationGetRelid(rel);
  l.plain = HasColumnsAsMade(rel, kAuditColumns, kAuditNames, kAuditTypes, l.attnum);
  if (l.plain) l.seqid = getIdentitySequence(l.relid, static_cast<AttrNumber>(l.attnum[0]), false);
  l.known = true;
  audit_layout = l;
}

// Reads, in id order, up to limit entries of comply.audit_log with id >= min_id that a
// snapshot taken now sees (READ COMMITTED: the current command's, as the SPI query's
// would be), through the table's primary key, without a query: no planning, no sort
// (with stale statistics the planner sorted a bitmap scan of every row from min_id), no
// row copied into a result. Each entry is converted as ReadRawEntry does (RawEntryExtract,
// RawEntryFinish) while its buffer is pinned. *xmin gets the snapshot's xmin as
// pg_snapshot_xmin(pg_current_snapshot())::text writes it (widen_snapshot_xid: relative
// to the next full transaction id's epoch). Only when audit_log is as the extension made
// it (AuditLayout) and its primary key is a btree on id alone; returns false otherwise,
// having read nothing (the caller then runs the query).
bool ReadCandidatesDirect(int64 min_id, int limit, std::vector<ledger::Entry>* entries,
                          std::string* xmin) {
  struct Scan {
    Relation rel = nullptr;
    Relation idx = nullptr;
    Snapshot snap = nullptr;
    IndexScanDesc scan = nullptr;
    TupleTableSlot* slot = nullptr;
    int attnum[kAuditColumns] = {};
    uint64 xmin = 0;
  };
  Scan sc;
  const bool ok = PgCall([&]() -> bool {
    const Oid relid = LedgerTableOid(audit_layout.known ? audit_layout.relid : InvalidOid, "audit_log");
    Relation rel = table_open(relid, AccessShareLock);
    // Learned after the lock, so that an invalidation it brought in counts.
    if (!audit_layout.known || audit_layout.relid != relid) LearnAuditLayout(rel);
    const AuditLayout& layout = audit_layout;
    const Oid pk = layout.plain ? RelationGetPrimaryKeyIndex(rel) : InvalidOid;
    Relation idx = OidIsValid(pk) ? index_open(pk, AccessShareLock) : nullptr;
    if (idx == nullptr || idx->rd_rel->relam != BTREE_AM_OID || idx->rd_index->indnatts != 1 ||
        idx->rd_index->indkey.values[0] != layout.attnum[0]) {
      if (idx) index_close(idx, AccessShareLock);
      table_close(rel, AccessShareLock);
      return false;
    }
    memcpy(sc.attnum, layout.attnum, sizeof(sc.attnum));
    // What this transaction wrote so far is seen, as by the SPI query (which advances
    // the command counter first).
    CommandCounterIncrement();
    Snapshot snap = RegisterSnapshot(GetTransactionSnapshot());
    const FullTransactionId next = ReadNextFullTransactionId();
    const TransactionId x = snap->xmin;
    if (!TransactionIdIsNormal(x)) {
      sc.xmin = x;
    } else {
      uint32 epoch = EpochFromFullTransactionId(next);
      if (x > XidFromFullTransactionId(next)) --epoch;
      sc.xmin = U64FromFullTransactionId(FullTransactionIdFromEpochAndXid(epoch, x));
    }
    ScanKeyData key;
    ScanKeyInit(&key, 1, BTGreaterEqualStrategyNumber, F_INT8GE, Int64GetDatum(min_id));
    IndexScanDesc scan = index_beginscan(rel, idx, snap, 1, 0);
    index_rescan(scan, &key, 1, nullptr, 0);
    sc.rel = rel;
    sc.idx = idx;
    sc.snap = snap;
    sc.scan = scan;
    sc.slot = table_slot_create(rel, nullptr);
    return true;
  });
  if (!ok) return false;
  *xmin = std::to_string(sc.xmin);
  // A round of the sealer reads thousands of entries: grown one by one, the vector moved
  // them a dozen times (about 4% of the sealer's time under load).
  entries->reserve(entries->size() + static_cast<size_t>(std::clamp(limit, 0, 4096)));
  for (int count = 0; count < limit; ++count) {
    RawEntry r;
    const bool got = PgCall([&]() -> bool {
      CHECK_FOR_INTERRUPTS();
      if (!index_getnext_slot(sc.scan, ForwardScanDirection, sc.slot)) return false;
      slot_getallattrs(sc.slot);
      Datum v[kAuditColumns];
      bool n[kAuditColumns];
      for (int c = 0; c < kAuditColumns; ++c) {
        v[c] = sc.slot->tts_values[sc.attnum[c] - 1];
        n[c] = sc.slot->tts_isnull[sc.attnum[c] - 1];
      }
      RawEntryExtract(v, n, &r);
      return true;
    });
    if (!got) break;
    entries->push_back(RawEntryFinish(r));
  }
  PgCall([&] {
    ExecDropSingleTupleTableSlot(sc.slot);
    index_endscan(sc.scan);
    UnregisterSnapshot(sc.snap);
    index_close(sc.idx, NoLock);
    table_close(sc.rel, NoLock);  // the locks are kept to the end of the transaction
  });
  return true;
}

// inet_client_addr(), which returns NULL on a Unix socket.
Datum ClientAddr(bool* isnull) {
  LOCAL_FCINFO(fcinfo, 0);
  InitFunctionCallInfoData(*fcinfo, nullptr, 0, InvalidOid, nullptr, nullptr);
  Datum d = inet_client_addr(fcinfo);
  *isnull = fcinfo->isnull;
  return d;
}

}  // namespace

char* ClientAddrText() {
  bool isnull = true;
  Datum addr = ClientAddr(&isnull);
  return isnull ? nullptr : DatumGetCString(DirectFunctionCall1(inet_out, addr));
}

namespace {

// RoleName's memo: two roles and their names (InvalidOid: none), the next to replace.
struct RoleNameMemo {
  Oid roleid[2] = {InvalidOid, InvalidOid};
  NameData name[2];
  int next = 0;
};
RoleNameMemo role_names;

// A role renamed or dropped (or the whole cache reset): the memo is forgotten.
void InvalidateRoleNames(Datum, int, uint32) { role_names.roleid[0] = role_names.roleid[1] = InvalidOid; }

}  // namespace

char* RoleName(Oid roleid) {
  RoleNameMemo& m = role_names;
  for (int i = 0; i < 2; ++i)
    if (OidIsValid(roleid) && m.roleid[i] == roleid) return pstrdup(NameStr(m.name[i]));
  char* name = GetUserNameFromId(roleid, false);
  const int slot = m.next;
  m.next = 1 - slot;
  namestrcpy(&m.name[slot], name);
  m.roleid[slot] = roleid;
  return name;
}

namespace {

// Appends one entry the way the INSERT of the SPI path below would, without planning or
// running a query: the row is built here and stored with ExecSimpleRelationInsert (the
// routine logical replication applies rows with: constraints, heap, indexes). Only when
// comply.audit_log is as the extension made it: its ten columns, no insert trigger, no
// rule, no row-level security, no index on an expression or with a predicate. Returns 0
// otherwise (the caller then runs the INSERT). No privilege is checked: like the INSERT
// run as the ledger's owner, this is pg_comply's own write.
int64 AppendAuditDirect(const char* acting_user, Datum action, Datum object, Jsonb* details,
                        const AuditOrigin* origin, const std::string& app) {
  return PgCall([&]() -> int64 {
    const Oid relid = LedgerTableOid(audit_layout.known ? audit_layout.relid : InvalidOid, "audit_log");
    Relation rel = table_open(relid, RowExclusiveLock);
    // Learned after the lock, so that an invalidation it brought in counts.
    if (!audit_layout.known || audit_layout.relid != relid) LearnAuditLayout(rel);
    const AuditLayout& layout = audit_layout;
    TupleDesc desc = RelationGetDescr(rel);
    bool plain = layout.plain;
    const int* attnum = layout.attnum;
    if (!plain) {
      table_close(rel, RowExclusiveLock);
      return 0;
    }
    EState* estate = nullptr;
    ResultRelInfo* rri = OpenInsertTarget(rel, &estate, &plain);
    int64 id = 0;
    if (plain) {
      id = nextval_internal(layout.seqid, false);
      TupleTableSlot* slot = ExecInitExtraTupleSlot(estate, desc, &TTSOpsVirtual);
      ExecClearTuple(slot);
      for (int i = 0; i < desc->natts; ++i) slot->tts_isnull[i] = true;
      auto set = [&](int c, Datum v) {
        slot->tts_values[attnum[c] - 1] = v;
        slot->tts_isnull[attnum[c] - 1] = false;
      };
      set(0, Int64GetDatum(id));
      set(1, TimestampTzGetDatum(GetCurrentTimestamp()));
      set(2, CStringGetTextDatum(origin ? origin->session_user.c_str() : RoleName(GetSessionUserId())));
      set(3, CStringGetTextDatum(acting_user));
      if (!app.empty()) set(4, CStringGetTextDatum(app.c_str()));
      if (origin) {
        if (!origin->client_addr.empty())
          set(5, DirectFunctionCall1(inet_in, CStringGetDatum(origin->client_addr.c_str())));
      } else {
        bool no_addr = true;
        Datum addr = ClientAddr(&no_addr);
        if (!no_addr) set(5, addr);
      }
      set(6, FullTransactionIdGetDatum(GetTopFullTransactionId()));
      set(7, action);
      if (object != (Datum)0) set(8, object);
      set(9, details ? JsonbPGetDatum(details)
                     : DirectFunctionCall1(jsonb_in, CStringGetDatum("{}")));
      ExecStoreVirtualTuple(slot);
      ExecSimpleRelationInsert(rri, estate, slot);
    }
    CloseInsertTarget(rri, estate);
    table_close(rel, NoLock);  // the lock is kept to the end of the transaction
    return id;
  });
}

}  // namespace

void LedgerInit() {
  CacheRegisterRelcacheCallback(InvalidateAuditLayout, (Datum)0);
  CacheRegisterRelcacheCallback(InvalidateSealedLayout, (Datum)0);
  CacheRegisterSyscacheCallback(AUTHOID, InvalidateRoleNames, (Datum)0);
}

// The last application_name LedgerApplicationName redacted, and what it became: a
// session keeps its name for every entry it writes (pgbench's, an application's), and the
// detector's pass costs about a thousand instructions an entry. Reused only for the same
// text, redacted by the same detector (CurrentDetectorGeneration: custom recognizers
// changed since, it is redacted again); so a SET application_name, a RESET, or a deferred
// record's origin naming another is compared, not trusted.
struct AppNameMemo {
  bool valid = false;
  uint64 generation = 0;
  std::string raw, redacted;
};
static AppNameMemo app_name_memo;

// The application_name an entry stores: the client's text (any role may set it, and a
// database owner for every session), which the ledger could never drop again, so
// redacted like an entry's action, and six digits or more in a run masked. Empty for none.
static std::string LedgerApplicationName(const AuditOrigin* origin) {
  if (origin && origin->application_name_redacted) return origin->application_name;
  const char* raw = origin ? origin->application_name.c_str() : application_name;
  if (raw == nullptr || raw[0] == '\0') return {};
  const std::string_view text(raw);
  const uint64 generation = CurrentDetectorGeneration();
  AppNameMemo& m = app_name_memo;
  // (A text longer than comply.max_input_bytes, lowered since, is refused again below.)
  if (m.valid && m.generation == generation && m.raw == text &&
      text.size() <= static_cast<size_t>(max_input_bytes))
    return m.redacted;
  // (An identifier glued to a word, "ssn_536-22-8714", passes the detector: its digits go.)
  std::string redacted = pii::MaskDigitRuns(RedactTextDefault(text));
  m.valid = false;  // (until both are assigned: an allocation may throw)
  m.raw.assign(text);
  m.redacted = redacted;
  m.generation = generation;
  m.valid = true;
  return redacted;
}

std::string RedactedApplicationName() { return LedgerApplicationName(nullptr); }

int64 AppendAudit(const char* acting_user, Datum action, Datum object, Jsonb* details,
                  const AuditOrigin* origin) {
  const std::string app = LedgerApplicationName(origin);
  int64 id = AppendAuditDirect(acting_user, action, object, details, origin, app);
  if (id != 0) {
    NoteAppend(id);
    return id;
  }
  AsLedgerOwner owner;
  SpiScope spi;
  if (origin) {
    // Rare (comply.audit_log altered, a trigger on it): no plan kept.
    PgCall([&] {
      Oid types[7] = {TEXTOID, TEXTOID, TEXTOID, JSONBOID, TEXTOID, TEXTOID, TEXTOID};
      Datum values[7] = {CStringGetTextDatum(acting_user), action, object,
                         details ? JsonbPGetDatum(details) : (Datum)0,
                         CStringGetTextDatum(origin->session_user.c_str()),
                         CStringGetTextDatum(app.c_str()),
                         CStringGetTextDatum(origin->client_addr.c_str())};
      char nulls[7] = {' ', ' ', object ? ' ' : 'n', details ? ' ' : 'n', ' ', ' ', ' '};
      int rc = SPI_execute_with_args(
          "INSERT INTO comply.audit_log (logged_at, session_user_name, current_user_name, "
          "application_name, client_addr, xid, action, object, details) "
          "VALUES (clock_timestamp(), $5, $1, nullif($6, ''), nullif($7, '')::inet, "
          "pg_current_xact_id(), $2, $3, coalesce($4, '{}'::jsonb)) RETURNING id",
          7, types, values, nulls, false, 1);
      if (rc != SPI_OK_INSERT_RETURNING) elog(ERROR, "could not append audit entry");
      bool isnull;
      id = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
    });
    NoteAppend(id);
    return id;
  }
  PgCall([&] {
    // Prepared once per backend: parsing and planning cost more than the insert. The
    // plan keeps the search_path it was prepared under (pinned by AsLedgerOwner).
    static SPIPlanPtr plan = nullptr;
    if (plan == nullptr) {
      Oid types[5] = {TEXTOID, TEXTOID, TEXTOID, JSONBOID, TEXTOID};
      SPIPlanPtr p = SPI_prepare(
          "INSERT INTO comply.audit_log (logged_at, session_user_name, current_user_name, "
          "application_name, client_addr, xid, action, object, details) "
          "VALUES (clock_timestamp(), session_user, $1, "
          "nullif($5, ''), inet_client_addr(), "
          "pg_current_xact_id(), $2, $3, coalesce($4, '{}'::jsonb)) RETURNING id",
          5, types);
      if (p == nullptr) elog(ERROR, "could not prepare the audit insert");
      if (SPI_keepplan(p) != 0) elog(ERROR, "could not keep the audit insert plan");
      plan = p;
    }
    Datum values[5] = {CStringGetTextDatum(acting_user), action, object,
                       details ? JsonbPGetDatum(details) : (Datum)0, CStringGetTextDatum(app.c_str())};
    char nulls[5] = {' ', ' ', object ? ' ' : 'n', details ? ' ' : 'n', ' '};
    int rc = SPI_execute_plan(plan, values, nulls, false, 1);
    if (rc != SPI_OK_INSERT_RETURNING) elog(ERROR, "could not append audit entry");
    bool isnull;
    id = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
  });
  NoteAppend(id);
  return id;
}

}  // namespace comply::pg

namespace {

// The action names pg_comply writes itself, each with what writes it, refused to
// comply.audit() (which any role may call) so that an entry under one of them is
// pg_comply's evidence, never a role's: their writers append through AppendAudit,
// AppendOwnAudit or the internal SQL functions (comply._audit_as_caller, _audit_own,
// _audit_deferred), none granted to PUBLIC. Left open, as any role writes them through
// pg_comply's own code: INSERT, UPDATE, DELETE and TRUNCATE (comply.audit_trigger(),
// which users attach to their tables, writes them as the writing role), SELECT and COPY
// (a protected table's audited reads write them through the job worker, but like the
// other statements' names they are what an application logging its own reads would
// call its entries), discover
// (comply.discover() runs as its caller) and controls.run (comply.run_controls() runs as
// its caller, any role granted it). "ledger." is reserved as a prefix (comply_audit).
struct ReservedAction {
  const char* name;
  const char* writer;
};
constexpr ReservedAction kReservedActions[] = {
    {"protect", "comply.protect()"},
    {"unprotect", "comply.unprotect()"},
    {"protect.rejected", "A protected table's policy (through the job worker)"},
    {"drift", "Drift detection"},
    {"baseline", "comply.snapshot_baseline()"},
    {"forget", "comply.forget() and comply.forget_dropped()"},
    {"ai.purged", "comply.purge_ai_history()"},
    {"alert.dismissed", "comply.dismiss_alert()"},
    {"ai.decision", "The AI job worker"},
    {"ai.review_needed", "The AI job worker"},
    {"ai.dead_letter", "The AI job worker"},
    {"ai.discarded", "The AI job worker"},
    {"ai.clear_text_sent", "comply.classify()"},
    {"model.train", "comply.train_classifier()"},
    {"review.claim", "comply.review_next()"},
    {"review.decide", "comply.review_decide()"},
    {"review.release", "comply.review_release()"},
    {"review.enqueue", "comply.review_enqueue()"},
    {"review.claim_expired", "comply.review_maintain() (and the job worker)"},
    {"review.escalate", "comply.review_maintain() (and the job worker)"},
    {"review.withdrawn", "A protected table's triggers (a row gone) and drift detection"},
    {"schema.registered", "comply.register_schema()"},
    {"schema.replaced", "comply.register_schema()"},
};

// Finds the reserved action (kReservedActions) that name reads as (ActionSkeleton: letter
// case, white space, invisible characters, fullwidth forms and Latin look-alikes aside:
// an auditor would read " Drift" or "dr\u0456ft" as "drift"); nullptr if none.
// (kReservedActions' names are in lower case, as a skeleton is.)
const ReservedAction* FindReservedAction(const std::string& skeleton) {
  for (const ReservedAction& r : kReservedActions)
    if (skeleton == r.name) return &r;
  return nullptr;
}

// Appends an entry whose action, object and details come from a caller: action and
// object are redacted of PII as texts, details as a document; clear (may be null) is
// added to the details as it is (pg_comply's own names of who acted and of roles'
// privileges, which the detector would take for e-mail addresses or names).
// origin_session (if not null) and origin_app, origin_addr (empty: NULL) name the
// session the entry is about (AuditOrigin). May throw.
int64 AppendRedacted(Datum action, Datum object, Jsonb* details, Jsonb* clear,
                     const char* acting_user, const char* origin_session = nullptr,
                     const char* origin_app = "", const char* origin_addr = "",
                     bool origin_app_redacted = false) {
  std::optional<AuditOrigin> origin;
  if (origin_session) origin = AuditOrigin{origin_session, origin_app, origin_addr, origin_app_redacted};
  Jsonb* redacted = details ? RedactJsonbDefault(details) : nullptr;
  if (clear)
    redacted = PgCall([&] {
      Jsonb* base = redacted ? redacted
                             : DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum("{}")));
      return DatumGetJsonbP(
          DirectFunctionCall2(jsonb_concat, JsonbPGetDatum(base), JsonbPGetDatum(clear)));
    });
  // The object names what the entry is about ("public.orders/42"); a caller may put a
  // key there that is personal data (an e-mail as the key), and the ledger can never
  // drop it again: redacted like the details.
  // So is the action, which names what happened ("refund.approved"), but is the
  // caller's text all the same.
  for (Datum* d : {&object, &action}) {
    if (!*d) continue;
    text* t = PgCall([&] { return DatumGetTextPP(*d); });
    std::string_view raw(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t));
    std::string r = RedactTextDefault(raw);
    if (r != raw)
      *d = PgCall([&] { return PointerGetDatum(cstring_to_text_with_len(r.data(), r.size())); });
  }
  return AppendAudit(acting_user, action, object, redacted, origin ? &*origin : nullptr);
}

// AppendRedacted for the SQL entry points below: any C++ exception becomes an ERROR.
int64 AuditFromCaller(Datum action, Datum object, Jsonb* details, Jsonb* clear,
                      const char* acting_user, const char* origin_session = nullptr,
                      const char* origin_app = "", const char* origin_addr = "",
                      bool origin_app_redacted = false) {
  int64 id = 0;
  Guarded([&] {
    id = AppendRedacted(action, object, details, clear, acting_user, origin_session, origin_app,
                        origin_addr, origin_app_redacted);
  });
  return id;
}

// A member of a deferred record's object (plain C).
JsonbValue* DeferredMember(JsonbContainer* c, const char* key) {
  JsonbValue k;
  k.type = jbvString;
  k.val.string.val = const_cast<char*>(key);
  k.val.string.len = static_cast<int>(strlen(key));
  return findJsonbValueFromContainer(c, JB_FOBJECT, &k);
}

// A string member's text, palloc'd; nullptr if v is not a string.
char* DeferredText(JsonbValue* v) {
  return v && v->type == jbvString ? pnstrdup(v->val.string.val, v->val.string.len) : nullptr;
}

}  // namespace

namespace comply::pg {

// Appends one of pg_comply's own entries from C++ (ledger.h), as comply.audit() would.
int64 AppendOwnAudit(const std::string& action, const std::string& object,
                     const std::string& details, const std::string& clear_details) {
  char* acting_user = PgCall([] { return GetUserNameFromId(GetUserId(), false); });
  Datum a = PgCall(
      [&] { return PointerGetDatum(cstring_to_text_with_len(action.data(), action.size())); });
  Datum o = PgCall(
      [&] { return PointerGetDatum(cstring_to_text_with_len(object.data(), object.size())); });
  Jsonb* d = PgCall([&] {
    return DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(details.c_str())));
  });
  Jsonb* clear = clear_details.empty() ? nullptr : PgCall([&] {
    return DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(clear_details.c_str())));
  });
  return AppendRedacted(a, o, d, clear, acting_user);
}

}  // namespace comply::pg

namespace {

// comply.audit() and comply._audit_own(): (action text, object text, details jsonb), the
// current role acting; with reserved, pg_comply's own action names refused.
Datum AuditCall(FunctionCallInfo fcinfo, bool refuse_reserved) {
  if (PG_ARGISNULL(0))
    ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED), errmsg("audit action must not be null")));
  // Said plainly, rather than by the identity sequence's nextval() (a standby too).
  PreventCommandIfReadOnly("comply.audit()");
  Datum action = PG_GETARG_DATUM(0);
  // An action is a name to search entries by, kept for the retention period: not blank
  // (an entry no WHERE action = ... finds) and not a document (any role may call this).
  {
    constexpr size_t kMaxActionBytes = 200;
    text* t = DatumGetTextPP(action);
    const char* p = VARDATA_ANY(t);
    const size_t n = VARSIZE_ANY_EXHDR(t);
    bool blank = true;
    for (size_t i = 0; i < n && blank; ++i)
      blank = p[i] == ' ' || p[i] == '\t' || p[i] == '\n' || p[i] == '\r' || p[i] == '\f' || p[i] == '\v';
    if (blank)
      ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("audit action must not be empty")));
    if (n > kMaxActionBytes)
      ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                      errmsg("audit action is longer than %zu bytes (%zu bytes, not shown)", kMaxActionBytes, n),
                      errhint("An action names what happened (\"login\", \"export.approved\"); "
                              "put what it concerns in the object and the details.")));    // Nor made only of what a reader does not see (a zero-width space, a no-break or an
    // ideographic space, a lone combining mark: QA 16), which the skeleton leaves out.
    bool invisible_only = false;
    Guarded([&] { invisible_only = ledger::ActionSkeleton(std::string_view(p, n)).empty(); });
    if (invisible_only)
      ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                      errmsg("audit action must not be empty"),
                      errdetail("It is made of white space, invisible characters or combining marks only.")));
  }
  // The ledger's own entries, which comply.verify_ledger() trusts, are written by
  // pg_comply alone: the one that vouches for an archive (comply.archive_ledger()) and
  // the one that records a change of node (comply.adopt_node()); "ledger." is reserved
  // in any case. So are the other names pg_comply writes itself (kReservedActions): an
  // entry a role wrote under one would read as pg_comply's evidence.
  if (refuse_reserved) {
    text* t = DatumGetTextPP(action);
    // (C++ objects gone before an ereport: what the skeleton says is copied out first.)
    bool ledger_prefix = false;
    const ReservedAction* reserved = nullptr;
    Guarded([&] {
      const std::string skeleton =
          ledger::ActionSkeleton(std::string_view(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t)));
      ledger_prefix = skeleton.rfind("ledger.", 0) == 0;
      reserved = FindReservedAction(skeleton);
    });
    if (ledger_prefix)
      ereport(ERROR, (errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
                      errmsg("audit actions beginning with \"ledger.\" are reserved for pg_comply's own entries"),
                      errhint("comply.archive_ledger() and comply.adopt_node() write them.")));
    // (The message names the reserved name, not the caller's text.)
    if (reserved)
      ereport(ERROR,
              (errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
               errmsg("audit action \"%s\" is reserved for pg_comply's own entries", reserved->name),
               errhint("%s writes it; an application's own entries take another name.",
                       reserved->writer)));
  }
  Datum object = PG_ARGISNULL(1) ? (Datum)0 : PG_GETARG_DATUM(1);
  Jsonb* details = PG_ARGISNULL(2) ? nullptr : PG_GETARG_JSONB_P(2);
  char* acting_user = GetUserNameFromId(GetUserId(), false);
  PG_RETURN_INT64(AuditFromCaller(action, object, details, nullptr, acting_user));
}

}  // namespace

// comply.audit(action text, object text, details jsonb) RETURNS bigint
extern "C" Datum comply_audit(PG_FUNCTION_ARGS) { return AuditCall(fcinfo, true); }

// comply._audit_own(action text, object text, details jsonb) RETURNS bigint: comply.audit
// without its refusal of pg_comply's own action names, for pg_comply's SQL that writes
// them as the role it runs as (comply._review_maintain, run as the extension's owner).
// Not granted to anyone.
extern "C" Datum comply_audit_own(PG_FUNCTION_ARGS) { return AuditCall(fcinfo, false); }

// comply._audit_as_caller(action text, object text, details jsonb, clear jsonb) RETURNS
// bigint: comply.audit for pg_comply's SECURITY DEFINER functions (forget, dismiss_alert,
// the drift records, ...), which run as the extension's owner: the entry names as its
// acting role the role of the session that called them (its SET ROLE role: a security
// definer function does not change it), not the owner; clear's members are added to the
// details unredacted. Not granted to anyone.
extern "C" Datum comply_audit_as_caller(PG_FUNCTION_ARGS) {
  if (PG_ARGISNULL(0))
    ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED), errmsg("audit action must not be null")));
  PreventCommandIfReadOnly("comply.audit()");
  Datum action = PG_GETARG_DATUM(0);
  Datum object = PG_ARGISNULL(1) ? (Datum)0 : PG_GETARG_DATUM(1);
  Jsonb* details = PG_ARGISNULL(2) ? nullptr : PG_GETARG_JSONB_P(2);
  Jsonb* clear = PG_ARGISNULL(3) ? nullptr : PG_GETARG_JSONB_P(3);
  if (clear && !JB_ROOT_IS_OBJECT(clear))
    ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("clear must be a JSON object")));
  char* acting_user = GetUserNameFromId(GetOuterUserId(), false);
  PG_RETURN_INT64(AuditFromCaller(action, object, details, clear, acting_user));
}

// comply._invoker_role() RETURNS oid: the role of the session that called (its SET ROLE
// role), which a security definer function does not change: whose privileges pg_comply's
// SECURITY DEFINER functions check before acting for it (comply.forget). Not granted to
// anyone.
extern "C" Datum comply_invoker_role(PG_FUNCTION_ARGS) { PG_RETURN_OID(GetOuterUserId()); }

// comply._audit_deferred(record jsonb) RETURNS bigint: appends a record another session
// handed to the job worker (a rejected row, an audited read: {"action", "object",
// "details", "origin": {"session_user", "current_user", "application_name",
// "client_addr"}}), naming that session, not the worker, as who acted. Not granted to
// anyone.
extern "C" Datum comply_audit_deferred(PG_FUNCTION_ARGS) {
  if (PG_ARGISNULL(0))
    ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED), errmsg("the record must not be null")));
  Jsonb* record = PG_GETARG_JSONB_P(0);
  if (!JB_ROOT_IS_OBJECT(record))
    ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("the record must be a JSON object")));
  JsonbValue* action_v = DeferredMember(&record->root, "action");
  JsonbValue* object_v = DeferredMember(&record->root, "object");
  JsonbValue* details_v = DeferredMember(&record->root, "details");
  JsonbValue* origin_v = DeferredMember(&record->root, "origin");
  if (!action_v || action_v->type != jbvString)
    ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("the record has no action")));
  Datum action = PointerGetDatum(cstring_to_text_with_len(action_v->val.string.val, action_v->val.string.len));
  Datum object = object_v && object_v->type == jbvString
                     ? PointerGetDatum(cstring_to_text_with_len(object_v->val.string.val, object_v->val.string.len))
                     : (Datum)0;
  Jsonb* details = details_v ? JsonbValueToJsonb(details_v) : nullptr;
  char* session = nullptr;
  char* acting = nullptr;
  char* app = nullptr;
  char* addr = nullptr;
  bool app_redacted = false;
  if (origin_v && origin_v->type == jbvBinary && JsonContainerIsObject(origin_v->val.binary.data)) {
    JsonbContainer* o = origin_v->val.binary.data;
    session = DeferredText(DeferredMember(o, "session_user"));
    acting = DeferredText(DeferredMember(o, "current_user"));
    app = DeferredText(DeferredMember(o, "application_name"));
    addr = DeferredText(DeferredMember(o, "client_addr"));
    // (Records spooled before the name was redacted in the session have no such member.)
    const JsonbValue* flag = DeferredMember(o, "application_name_redacted");
    app_redacted = flag && flag->type == jbvBool && flag->val.boolean;
  }
  if (!session || !acting || !*session || !*acting) {  // (none: the writing session's)
    session = nullptr;
    acting = GetUserNameFromId(GetUserId(), false);
  }
  PG_RETURN_INT64(AuditFromCaller(action, object, details, nullptr, acting, session,
                                  app ? app : "", addr ? addr : "", app_redacted));
}

uint64 comply::pg::OldestRunningFullXid() {
  const TransactionId oldest = GetOldestActiveTransactionId();
  // (Read after it, so that it is no older than the next id: a larger 32-bit value is
  // of the epoch before.)
  const FullTransactionId next = ReadNextFullTransactionId();
  uint64 epoch = EpochFromFullTransactionId(next);
  if (oldest > XidFromFullTransactionId(next) && epoch > 0) --epoch;
  return (epoch << 32) | oldest;
}

// comply.seal() RETURNS TABLE(block_no bigint, entry_count int)
extern "C" Datum comply_seal(PG_FUNCTION_ARGS) {
  PreventCommandIfReadOnly("comply.seal()");  // said plainly (a standby too)
  // One snapshot for the whole transaction would not see the blocks a concurrent seal
  // commits meanwhile: its block would take their numbers (a unique violation) or seal
  // their entries again.
  if (IsolationUsesXactSnapshot())
    ereport(ERROR, (errcode(ERRCODE_ACTIVE_SQL_TRANSACTION),
                    errmsg("comply.seal() cannot run in a REPEATABLE READ or SERIALIZABLE transaction"),
                    errhint("Call it in a READ COMMITTED transaction, or let the sealer worker seal.")));
  InitMaterializedSRF(fcinfo, 0);
  ReturnSetInfo* rsinfo = reinterpret_cast<ReturnSetInfo*>(fcinfo->resultinfo);
  // Its blocks after the first search from where the one before stopped: a transaction
  // that ended in between may be below that (the bound keeps verify_ledger() from taking
  // it for one these blocks should hold).
  const uint64 xmin_bound = OldestRunningFullXid();
  return Guarded([&] {
    int64 from = 0;  // the first search is a full one
    for (;;) {
      int64 count = 0;
      int64 next_id = 0;
      int64 block = SealOnce(&count, from, &next_id, xmin_bound);
      if (block != 0) PgCall([&] {
        Datum values[2] = {Int64GetDatum(block), Int32GetDatum(static_cast<int32>(count))};
        bool nulls[2] = {false, false};
        tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
      });
      if (next_id == 0) break;
      from = next_id;
    }
    return (Datum)0;
  });
}

// comply.adopt_node() RETURNS bigint: records in the ledger that this server (node, its
// system identifier) now seals the blocks of the ledger whose latest blocks another
// sealed (a pg_upgrade, which gives the new cluster another identifier).
extern "C" Datum comply_adopt_node(PG_FUNCTION_ARGS) {
  PreventCommandIfReadOnly("comply.adopt_node()");  // said plainly (a standby too)
  int64 id = 0;
  Guarded([&] {
    const std::string node = NodeId();
    std::string previous;
    int64 existing = 0;
    {
      AsLedgerOwner owner;
      SpiScope spi;
      Oid types[2] = {TEXTOID, TEXTOID};
      Datum v[2];
      PgCall([&] { v[0] = CStringGetTextDatum(node.c_str()); });
      if (Exec("SELECT node_id FROM comply.ledger_blocks WHERE node_id <> $1 "
               "ORDER BY block_no DESC LIMIT 1",
               1, types, v, nullptr, true, SPI_OK_SELECT) == 0)
        throw Error(sqlstate::kObjectNotInPrerequisiteState,
                    "no block of the ledger was sealed by another node: there is none to take over from",
                    "This server (node " + node + ") sealed every block there is, or none is sealed yet.");
      previous = Text(0, 1).value_or("");
      PgCall([&] { v[0] = CStringGetTextDatum(previous.c_str()); v[1] = CStringGetTextDatum(node.c_str()); });
      if (Exec("SELECT id FROM comply.audit_log WHERE action = 'ledger.node_adopted' "
               "AND details ->> 'previous_node' = $1 AND details ->> 'node' = $2 ORDER BY id LIMIT 1",
               2, types, v, nullptr, true, SPI_OK_SELECT) > 0)
        existing = Int(0, 1);
    }
    if (existing != 0) {
      id = existing;
      PgCall([&] {
        ereport(NOTICE, (errmsg("the change of node from %s to %s is recorded already, by ledger entry %lld",
                                previous.c_str(), node.c_str(), static_cast<long long>(id))));
      });
      return;
    }
    const std::string details = "{\"previous_node\": \"" + previous + "\", \"node\": \"" + node + "\"}";
    Jsonb* doc = PgCall([&] {
      return DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(details.c_str())));
    });
    char* user = PgCall([] { return GetUserNameFromId(GetUserId(), false); });
    Datum action = PgCall([] { return CStringGetTextDatum("ledger.node_adopted"); });
    Datum object = PgCall([] { return CStringGetTextDatum("ledger"); });
    id = AppendAudit(user, action, object, doc);
  });
  PG_RETURN_INT64(id);
}

namespace comply::pg {
namespace {

// A block row as read back for verification, proofs and exports.
struct BlockRow {
  int64 block_no = 0;
  int64 sealed_at_us = 0;
  int64 entry_count = 0;
  Hash merkle_root{};
  Hash prev_hash{};
  Hash block_hash{};
  std::string node_id;
  std::string signature;
  std::string signer_key;  // raw public key; empty when unsigned (or not recorded)
  std::string snapshot_xmin;
  // sealed_at (a timestamptz for people and for the retention check) says the time the
  // hash covers (sealed_at_us): the column is not hashed itself.
  bool sealed_at_agrees = true;
  int64 encoding_version = ledger::kEncodingVersion;  // not hashed either
};

// Reads blocks from..to (inclusive; 0 means open) in order.
std::vector<BlockRow> ReadBlocks(int64 from, int64 to) {
  ResultScope scope;
  Oid types[2] = {INT8OID, INT8OID};
  Datum values[2] = {Int64GetDatum(from), Int64GetDatum(to)};
  uint64 n = Exec(
      "SELECT block_no, sealed_at_us, entry_count, merkle_root, prev_hash, block_hash, node_id, "
      "signature, snapshot_xmin::text, signer_key, "
      "sealed_at IS NOT DISTINCT FROM to_timestamp(sealed_at_us::float8 / 1000000), encoding_version "
      "FROM comply.ledger_blocks WHERE block_no >= $1 AND ($2 = 0 OR block_no <= $2) ORDER BY block_no",
      2, types, values, nullptr, true, SPI_OK_SELECT);
  std::vector<BlockRow> rows;
  for (uint64 i = 0; i < n; ++i) {
    BlockRow b;
    b.block_no = Int(i, 1);
    b.sealed_at_us = Int(i, 2);
    b.entry_count = Int(i, 3);
    b.merkle_root = ToHash(Bytes(i, 4));
    b.prev_hash = ToHash(Bytes(i, 5));
    b.block_hash = ToHash(Bytes(i, 6));
    b.node_id = Text(i, 7).value_or("");
    b.signature = Bytes(i, 8);
    b.snapshot_xmin = Text(i, 9).value_or("0");
    b.signer_key = Bytes(i, 10);
    b.sealed_at_agrees = Text(i, 11).value_or("f") == "t";
    b.encoding_version = Int(i, 12);
    rows.push_back(std::move(b));
  }
  return rows;
}

// The header a block row commits to.
ledger::BlockHeader HeaderOf(const BlockRow& b) {
  ledger::BlockHeader h;
  h.block_no = b.block_no;
  h.prev_hash = b.prev_hash;
  h.merkle_root = b.merkle_root;
  h.entry_count = b.entry_count;
  h.sealed_at_us = b.sealed_at_us;
  h.node_id = b.node_id;
  return h;
}

// One sealed entry of a block, with its audit row (absent if the row is gone).
struct SealedEntry {
  int64 block_no = 0;
  int64 entry_id = 0;
  int64 leaf_index = 0;
  Hash sealed_hash{};
  std::optional<ledger::Entry> entry;
};

// Streams the sealed entries of blocks from..to (0: open) in block and leaf order,
// joined with their audit rows, through an SPI cursor: one pass over both tables
// however many blocks, and a bounded number of rows in memory.
class SealedCursor {
 public:
  SealedCursor(int64 from, int64 to) {
    std::string sql = std::string("SELECT s.block_no, s.entry_id, s.leaf_index, s.entry_hash, a.id IS NULL, ") +
                      kEntryColumns +
                      " FROM comply.ledger_entries s LEFT JOIN comply.audit_log a ON a.id = s.entry_id"
                      " WHERE s.block_no >= $1 AND ($2 = 0 OR s.block_no <= $2)"
                      " ORDER BY s.block_no, s.leaf_index";
    portal_ = PgCall([&] {
      Oid types[2] = {INT8OID, INT8OID};
      Datum values[2] = {Int64GetDatum(from), Int64GetDatum(to)};
      Portal p = SPI_cursor_open_with_args(nullptr, sql.c_str(), 2, types, values, nullptr, true, 0);
      if (!p) elog(ERROR, "could not open a cursor over the sealed entries");
      return p;
    });
  }
  ~SealedCursor() { SPI_cursor_close(portal_); }
  SealedCursor(const SealedCursor&) = delete;
  SealedCursor& operator=(const SealedCursor&) = delete;

  // The next sealed entry, or nullopt at the end.
  std::optional<SealedEntry> Next() {
    if (pos_ == rows_.size()) {
      rows_.clear();
      pos_ = 0;
      if (done_) return std::nullopt;
      PgCall([&] { SPI_cursor_fetch(portal_, true, kFetchRows); });
      ResultScope scope;
      uint64 n = SPI_processed;
      if (n < kFetchRows) done_ = true;
      for (uint64 i = 0; i < n; ++i) {
        SealedEntry s;
        s.block_no = Int(i, 1);
        s.entry_id = Int(i, 2);
        s.leaf_index = Int(i, 3);
        s.sealed_hash = ToHash(Bytes(i, 4));
        if (Text(i, 5).value_or("t") == "f") s.entry = ReadEntry(i, 6);
        rows_.push_back(std::move(s));
      }
      if (rows_.empty()) return std::nullopt;
    }
    return std::move(rows_[pos_++]);
  }

  // The next entry if it belongs to a block before block_no: a record whose block does
  // not exist, since the blocks are walked in order (it stays queued otherwise).
  std::optional<SealedEntry> NextBefore(int64 block_no) {
    if (!peeked_) peeked_ = Next();
    if (!peeked_ || peeked_->block_no >= block_no) return std::nullopt;
    std::optional<SealedEntry> out = std::move(peeked_);
    peeked_.reset();
    return out;
  }

  // The next entry if it belongs to block_no (it stays queued otherwise).
  std::optional<SealedEntry> NextOf(int64 block_no) {
    if (!peeked_) peeked_ = Next();
    if (!peeked_ || peeked_->block_no != block_no) return std::nullopt;
    std::optional<SealedEntry> out = std::move(peeked_);
    peeked_.reset();
    return out;
  }

 private:
  static constexpr long kFetchRows = 10000;
  Portal portal_;
  std::vector<SealedEntry> rows_;
  size_t pos_ = 0;
  bool done_ = false;
  std::optional<SealedEntry> peeked_;
};

// Reads the sealed entries of one block in leaf order.
std::vector<SealedEntry> ReadSealed(int64 block_no) {
  SealedCursor cursor(block_no, block_no);
  std::vector<SealedEntry> out;
  while (std::optional<SealedEntry> s = cursor.Next()) out.push_back(std::move(*s));
  return out;
}

// The last block whose entries comply.archive_ledger() removed (0: none). Archives
// cover blocks 1 to it without a gap (comply.verify_ledger() checks that).
// read_only: in the statement's snapshot, as the reads it goes with (verify_ledger's and
// export_ledger's: a fresh one saw an archive that committed meanwhile, while their
// blocks and entries did not, and verify reported every entry of those blocks as
// inserted); else in a new one (archive_ledger, after taking its lock).
int64 ArchivedThrough(bool read_only) {
  Exec("SELECT coalesce(max(through_block), 0) FROM comply.ledger_archives", 0, nullptr, nullptr,
       nullptr, read_only, SPI_OK_SELECT);
  ResultScope scope;
  return Int(0, 1);
}

// While comply.archive_ledger() removes entries: the last block it archives, which the
// ledger's append-only guard lets it delete the entries of (0 at any other time).
int64 archiving_through = 0;

struct Problem {
  int64 block_no;  // 0: none
  int64 entry_id;  // 0: none
  std::string problem;
  std::string detail;
};

// Reports the sealed-entry records before block_no that no block seals (ledger_entries
// has no foreign key: a record of a block that does not exist was inserted behind the
// sealer's back).
void ReportOrphans(SealedCursor* cursor, int64 block_no, std::vector<Problem>* problems) {
  while (std::optional<SealedEntry> s = cursor->NextBefore(block_no))
    problems->push_back({s->block_no, s->entry_id, "entry inserted into sealed block",
                         "recorded for block " + std::to_string(s->block_no) +
                             ", which does not exist"});
}

// Checks the archives: they cover blocks 1 to the last archived one without a gap or
// overlap, each as many entries as its blocks sealed, and each matches its
// 'ledger.archived' ledger entry (which a later archive may have removed in turn; the
// last archive's entry is in a block it did not archive, so it must be there).
void CheckArchives(std::vector<Problem>* problems) {
  uint64 n = Exec(
      "SELECT a.from_block, a.through_block, a.entry_count, a.audit_entry_id, "
      "(SELECT coalesce(sum(b.entry_count), 0) FROM comply.ledger_blocks b "
      "  WHERE b.block_no BETWEEN a.from_block AND a.through_block), "
      "(SELECT count(*) FROM comply.ledger_blocks b WHERE b.block_no BETWEEN a.from_block AND a.through_block), "
      "l.id IS NOT NULL, l.action = 'ledger.archived' "
      "  AND l.details ->> 'from_block' = a.from_block::text "
      "  AND l.details ->> 'through_block' = a.through_block::text "
      "  AND l.details ->> 'export_sha256' = a.export_sha256 "
      "  AND l.details ->> 'entry_count' = a.entry_count::text "
      "FROM comply.ledger_archives a LEFT JOIN comply.audit_log l ON l.id = a.audit_entry_id "
      "ORDER BY a.through_block",
      0, nullptr, nullptr, nullptr, true, SPI_OK_SELECT);
  ResultScope scope;
  int64 expected_from = 1;
  for (uint64 i = 0; i < n; ++i) {
    const int64 from = Int(i, 1), through = Int(i, 2), entries = Int(i, 3), entry_id = Int(i, 4);
    const int64 sealed = Int(i, 5), blocks = Int(i, 6);
    const bool has_entry = Text(i, 7).value_or("f") == "t";
    const bool entry_matches = Text(i, 8).value_or("f") == "t";
    const std::string range = "blocks " + std::to_string(from) + " to " + std::to_string(through);
    if (from != expected_from)
      problems->push_back({through, 0, "archive altered",
                           "the archive of " + range + " does not start where the one before ended (block " +
                               std::to_string(expected_from) + ")"});
    if (blocks != through - from + 1 || entries != sealed)
      problems->push_back({through, 0, "archive altered",
                           "the archive of " + range + " counts " + std::to_string(entries) +
                               " entries; its blocks sealed " + std::to_string(sealed)});
    if (has_entry && !entry_matches)
      problems->push_back({through, entry_id, "archive altered",
                           "the archive of " + range + " does not match its ledger.archived entry"});
    if (!has_entry && i + 1 == n)
      problems->push_back({through, entry_id, "archive altered",
                           "the ledger.archived entry of the archive of " + range + " is missing"});
    expected_from = through + 1;
  }
}

// Checks blocks from..to and their entries, appending problems.
void VerifyRange(int64 from, int64 to, std::vector<Problem>* problems) {
  // The keys a block may be signed with: the current signing key's and the earlier
  // ones listed in comply.ledger_trusted_keys (a key rotation keeps old blocks
  // verifiable). None: signatures are not checked.
  std::unique_ptr<ledger::Signer> signer = LoadSigner();
  std::string public_key = signer ? signer->PublicKey() : std::string();
  std::vector<std::string> trusted;
  (void)ParseTrustedKeys(ledger_trusted_keys ? ledger_trusted_keys : "", &trusted);
  if (!public_key.empty()) trusted.push_back(public_key);
  auto is_trusted = [&](const std::string& key) {
    return std::find(trusted.begin(), trusted.end(), key) != trusted.end();
  };
  std::vector<BlockRow> blocks = ReadBlocks(from > 1 ? from - 1 : 1, to);
  const int64 archived = ArchivedThrough(true);
  const BlockRow* prev = nullptr;
  // The changes of node recorded by comply.adopt_node() and sealed: (block, from, to).
  struct Adoption {
    int64 block_no;
    std::string from, to;
  };
  std::vector<Adoption> adoptions;
  {
    const uint64 n = Exec(
        "SELECT s.block_no, a.details ->> 'previous_node', a.details ->> 'node' "
        "FROM comply.audit_log a JOIN comply.ledger_entries s ON s.entry_id = a.id "
        "WHERE a.action = 'ledger.node_adopted' ORDER BY s.block_no",
        0, nullptr, nullptr, nullptr, true, SPI_OK_SELECT);
    ResultScope scope;
    for (uint64 i = 0; i < n; ++i)
      adoptions.push_back({Int(i, 1), Text(i, 2).value_or(""), Text(i, 3).value_or("")});
  }
  // From the start, also the records of blocks below 1, which no block seals, and such
  // blocks themselves (the table refuses them; a forged one would stand behind a proof).
  if (from <= 1) {
    const uint64 n = Exec("SELECT block_no FROM comply.ledger_blocks WHERE block_no < 1 ORDER BY block_no",
                          0, nullptr, nullptr, nullptr, true, SPI_OK_SELECT);
    ResultScope scope;
    for (uint64 i = 0; i < n; ++i)
      problems->push_back({Int(i, 1), 0, "chain broken",
                           "block " + std::to_string(Int(i, 1)) +
                               " is numbered below 1: the chain starts at block 1"});
  }
  SealedCursor cursor(from <= 1 ? PG_INT64_MIN : from, to);
  int64 sealed_present = 0;  // sealed entries whose audit row is there
  for (const BlockRow& b : blocks) {
    PollCancel(InterruptCheck());
    if (b.block_no < from) {  // the anchor before the range: its hash links the chain
      prev = &b;
      continue;
    }
    if (prev == nullptr && b.block_no == 1 && b.prev_hash != Hash{})
      problems->push_back({b.block_no, 0, "chain broken", "the first block does not start the chain"});
    // The first block there is, past block 1: the blocks before it were deleted
    // (archiving removes entries, never blocks).
    if (prev == nullptr && b.block_no > 1)
      problems->push_back({b.block_no, 0, "chain broken",
                           (b.block_no == 2 ? std::string("block 1 is missing")
                                            : "blocks 1 to " + std::to_string(b.block_no - 1) +
                                                  " are missing") +
                               (archived > 0 ? " (blocks up to " + std::to_string(archived) +
                                                   " are archived: their entries were removed, "
                                                   "the blocks stay)"
                                             : std::string())});
    if (prev && (b.block_no != prev->block_no + 1 || b.prev_hash != prev->block_hash))
      problems->push_back({b.block_no, 0, "chain broken",
                           b.block_no != prev->block_no + 1
                               ? "block " + std::to_string(prev->block_no + 1) + " is missing"
                               : "previous-block hash does not match block " +
                                     std::to_string(prev->block_no)});
    // Another node seals from here on: a cluster that took over the database's data
    // (pg_upgrade gives it another system identifier) records that it did, with
    // comply.adopt_node(), in an entry sealed from this block on; a copy of the ledger
    // sealed elsewhere without one is a fork.
    // (A change within the archived blocks was checked when they were archived, which
    // needs the range to verify; their entries, the adoption among them, are gone since.)
    if (prev && b.node_id != prev->node_id && b.block_no > archived &&
        std::none_of(adoptions.begin(), adoptions.end(), [&](const Adoption& a) {
          return a.from == prev->node_id && a.to == b.node_id && a.block_no >= b.block_no;
        }))
      problems->push_back({b.block_no, 0, "chain broken",
                           "block sealed by another node (" + b.node_id + ", after " + prev->node_id +
                               ") and no ledger.node_adopted entry records the change"});
    if (ledger::BlockHash(HeaderOf(b)) != b.block_hash)
      problems->push_back({b.block_no, 0, "block altered", "block hash does not match its header"});
    if (!b.sealed_at_agrees)
      problems->push_back({b.block_no, 0, "block altered", "sealed_at differs from the sealing time its hash covers"});
    // (Not covered by the hash: a block of an encoding this build does not write would be
    // read wrong, so it is reported, not trusted. QA 16.)
    if (b.encoding_version != ledger::kEncodingVersion)
      problems->push_back({b.block_no, 0, "block altered",
                           "encoding version " + std::to_string(b.encoding_version) +
                               ", which this pg_comply does not read (it writes " +
                               std::to_string(ledger::kEncodingVersion) + ")"});
    if (!trusted.empty()) {
      // A block names its signer's key; one that does not (none recorded) is checked
      // against the current key.
      const std::string& key = b.signer_key.empty() ? public_key : b.signer_key;
      if (b.signature.empty())
        problems->push_back({b.block_no, 0, "bad signature", "block is not signed"});
      else if (key.empty())
        problems->push_back({b.block_no, 0, "bad signature",
                             "the block does not name its key and no signing key is set"});
      else if (!is_trusted(key))
        problems->push_back({b.block_no, 0, "bad signature",
                             "signed by key " + ledger::ToHex(key).substr(0, 16) +
                                 "..., which is neither comply.ledger_public_key() nor in "
                                 "comply.ledger_trusted_keys"});
      else if (!ledger::VerifySignature(key, b.block_hash, b.signature))
        problems->push_back({b.block_no, 0, "bad signature",
                             key == public_key
                                 ? "signature does not verify with comply.ledger_public_key()"
                                 : "signature does not verify with its trusted key " +
                                       ledger::ToHex(key).substr(0, 16) + "..."});
    }
    ReportOrphans(&cursor, b.block_no, problems);
    std::vector<SealedEntry> sealed;
    while (std::optional<SealedEntry> s = cursor.NextOf(b.block_no)) sealed.push_back(std::move(*s));
    if (b.block_no <= archived) {
      // Archived: its entries were removed; its header, link and signature still count.
      for (const SealedEntry& s : sealed)
        problems->push_back({b.block_no, s.entry_id, "entry inserted into sealed block",
                             "block " + std::to_string(b.block_no) +
                                 " is archived: its entries were removed"});
      prev = &b;
      continue;
    }
    std::vector<Hash> leaves;
    bool entry_problem = false;
    int64 next_leaf = 0;  // the leaf expected next (leaves come in order)
    for (size_t i = 0; i < sealed.size(); ++i) {
      const SealedEntry& s = sealed[i];
      leaves.push_back(s.sealed_hash);
      if (s.entry) ++sealed_present;
      if (s.leaf_index < next_leaf || s.leaf_index >= b.entry_count) {
        // A leaf the block does not have, or one recorded twice.
        problems->push_back({b.block_no, s.entry_id, "entry inserted into sealed block",
                             "leaf " + std::to_string(s.leaf_index) + " out of sequence"});
        entry_problem = true;
      } else if (s.leaf_index > next_leaf) {
        // Leaves before this one are not recorded: those are what is missing, not this
        // entry inserted (the entries they sealed are reported "entry not sealed").
        problems->push_back({b.block_no, 0, "entry missing",
                             s.leaf_index - next_leaf == 1
                                 ? "leaf " + std::to_string(next_leaf) + " is not recorded in comply.ledger_entries"
                                 : "leaves " + std::to_string(next_leaf) + " to " +
                                       std::to_string(s.leaf_index - 1) +
                                       " are not recorded in comply.ledger_entries"});
        entry_problem = true;
      }
      if (s.leaf_index >= next_leaf && s.leaf_index < b.entry_count) next_leaf = s.leaf_index + 1;
      if (!s.entry) {
        problems->push_back({b.block_no, s.entry_id, "entry missing",
                             "sealed entry is no longer in comply.audit_log"});
        entry_problem = true;
      } else if (ledger::EntryHash(*s.entry) != s.sealed_hash) {
        problems->push_back({b.block_no, s.entry_id, "entry altered",
                             "entry does not match the hash sealed in its block"});
        entry_problem = true;
      }
    }
    if (static_cast<int64>(sealed.size()) != b.entry_count) {
      // The last leaves gone too are named, as those before a recorded one are above
      // (QA 16: the count alone named none).
      std::string last_missing;
      if (next_leaf < b.entry_count)
        last_missing = next_leaf + 1 == b.entry_count
                           ? ": leaf " + std::to_string(next_leaf) + " is not recorded"
                           : ": leaves " + std::to_string(next_leaf) + " to " +
                                 std::to_string(b.entry_count - 1) + " are not recorded";
      problems->push_back({b.block_no, 0,
                           static_cast<int64>(sealed.size()) > b.entry_count
                               ? "entry inserted into sealed block"
                               : "entry missing",
                           "block seals " + std::to_string(b.entry_count) + " entries, " +
                               std::to_string(sealed.size()) + " recorded" + last_missing});
      entry_problem = true;
    }
    if (!entry_problem && ledger::MerkleRoot(leaves) != b.merkle_root)
      problems->push_back({b.block_no, 0, "block altered",
                           "Merkle root does not match the sealed entry hashes"});
    prev = &b;
  }
  ReportOrphans(&cursor, PG_INT64_MAX, problems);
  if (from <= 1 && to == 0) CheckArchives(problems);
  // Entries that every seal since their transaction ended should have included. After
  // a full pass every sealed entry was matched to its row, so when the table holds no
  // more rows than that, none is unsealed and the anti-join (a second pass over the
  // ledger) is skipped.
  bool all_matched = false;
  if (to == 0 && from <= 1 && !blocks.empty()) {
    Exec("SELECT count(*) FROM comply.audit_log", 0, nullptr, nullptr, nullptr, true, SPI_OK_SELECT);
    ResultScope scope;
    all_matched = Int(0, 1) == sealed_present;
  }
  if (to == 0 && !blocks.empty() && !all_matched) {
    Oid batch_type[1] = {INT4OID};
    Datum batch_value[1] = {Int32GetDatum(seal_batch)};
    uint64 n = Exec(
        // (A seal takes at most comply.seal_batch entries, in id order, and leaves the
        // rest of a backlog to the next block: after a full block, only ids below the
        // highest it sealed should have been in it.)
        "WITH latest AS (SELECT b.block_no, b.snapshot_xmin, b.entry_count >= $1 AS full_batch, "
        "  (SELECT max(s.entry_id) FROM comply.ledger_entries s WHERE s.block_no = b.block_no) AS max_id "
        "  FROM comply.ledger_blocks b ORDER BY b.block_no DESC LIMIT 1) "
        "SELECT a.id FROM comply.audit_log a, latest l WHERE NOT EXISTS (SELECT 1 FROM "
        "comply.ledger_entries s WHERE s.entry_id = a.id) AND a.xid < l.snapshot_xmin "
        "AND (NOT l.full_batch OR a.id < l.max_id) ORDER BY a.id",
        1, batch_type, batch_value, nullptr, true, SPI_OK_SELECT);
    for (uint64 i = 0; i < n; ++i)
      problems->push_back({0, Int(i, 1), "entry not sealed",
                           "its transaction ended before the latest seal, which did not include it"});
  }
}

// Appends "key": value pairs to a JSON object under construction. Characters outside
// ASCII are \u escapes: an export read by a client in another encoding (psql under a
// Latin-1 locale) is the same bytes, and verifies; converted, it did not, and a
// character the client's encoding lacks failed the export.
void AddString(std::string& out, const char* key, const std::optional<std::string>& v) {
  if (out.back() != '{') out += ',';
  json::AppendQuoted(out, key);
  out += ':';
  if (v) json::AppendQuoted(out, *v, /*ascii_only=*/true);
  else out += "null";
}

void AddInt(std::string& out, const char* key, int64 v) {
  if (out.back() != '{') out += ',';
  json::AppendQuoted(out, key);
  out += ':' + std::to_string(v);
}

// The export line of one sealed entry.
std::string EntryLine(const ledger::Entry& e, int64 block_no, int64 leaf_index) {
  std::string out = "{";
  AddString(out, "type", std::string("entry"));
  AddInt(out, "id", e.id);
  AddInt(out, "logged_at_us", e.logged_at_us);
  AddString(out, "session_user", e.session_user);
  AddString(out, "current_user", e.current_user);
  AddString(out, "application_name", e.application_name);
  AddString(out, "client_addr", e.client_addr);
  AddString(out, "xid", e.xid);
  AddString(out, "action", e.action);
  AddString(out, "object", e.object);
  AddString(out, "details", e.details);
  AddInt(out, "block_no", block_no);
  AddInt(out, "leaf_index", leaf_index);
  return out + "}";
}

// The export line (or digest) of one block.
std::string BlockLine(const BlockRow& b) {
  std::string out = "{";
  AddString(out, "type", std::string("block"));
  AddInt(out, "block_no", b.block_no);
  AddString(out, "prev_hash", ledger::ToHex(b.prev_hash));
  AddString(out, "merkle_root", ledger::ToHex(b.merkle_root));
  AddInt(out, "entry_count", b.entry_count);
  AddInt(out, "sealed_at_us", b.sealed_at_us);
  AddString(out, "node_id", b.node_id);
  AddString(out, "block_hash", ledger::ToHex(b.block_hash));
  AddString(out, "signature",
            b.signature.empty() ? std::nullopt : std::optional<std::string>(ledger::ToHex(b.signature)));
  AddString(out, "signer_key",
            b.signer_key.empty() ? std::nullopt : std::optional<std::string>(ledger::ToHex(b.signer_key)));
  return out + "}";
}

// The export lines of blocks from..to (0: open), each block's entries then the block,
// handed to emit: comply.export_ledger's output, and what comply.archive_ledger hashes.
// Returns the number of entry lines.
template <typename Emit>
int64 ExportRange(int64 from, int64 to, Emit emit) {
  std::vector<BlockRow> blocks = ReadBlocks(from, to);
  int64 entries = 0;
  SealedCursor cursor(from, to);
  for (const BlockRow& b : blocks) {
    PollCancel(InterruptCheck());
    while (std::optional<SealedEntry> s = cursor.NextOf(b.block_no))
      if (s->entry) {
        emit(EntryLine(*s->entry, b.block_no, s->leaf_index));
        ++entries;
      }
    emit(BlockLine(b));
  }
  return entries;
}

// jsonb datum of JSON text (plain C, may ereport).
Datum JsonbFromText(const std::string& text) {
  return DirectFunctionCall1(jsonb_in, CStringGetDatum(text.c_str()));
}

// Reads a 32-byte hash from hex under key of a JSON object; throws on anything else.
Hash HashField(const json::Value& obj, const char* key) {
  const json::Value* v = obj.Find(key);
  std::optional<std::string> bytes = v && v->is_string() ? ledger::FromHex(v->as_string()) : std::nullopt;
  if (!bytes || bytes->size() != 32)
    throw Error(sqlstate::kInvalidParameterValue, std::string("proof field \"") + key + "\" must be 64 hex digits");
  return ToHash(*bytes);
}

int64 IntField(const json::Value& obj, const char* key) {
  const json::Value* v = obj.Find(key);
  // An integer literal is read exactly: a time at int8's ends (docs/ledger.md) has 19
  // digits, more than a double holds.
  if (v && v->is_number()) {
    const std::string& t = v->number_text();
    if (!t.empty() && t.size() <= 20 && t.find_first_not_of("-0123456789") == std::string::npos) {
      errno = 0;
      char* end = nullptr;
      const long long x = std::strtoll(t.c_str(), &end, 10);
      if (errno == 0 && end && *end == '\0' && end != t.c_str()) return static_cast<int64>(x);
    }
  }
  // Written as an integer is written (7, not 7.0 or 7e0): 1.7 read as 1 made a proof with
  // a made-up leaf index verify, and the export writes integers as digits.
  throw Error(sqlstate::kInvalidParameterValue, std::string("proof field \"") + key + "\" must be an integer");
}

}  // namespace
}  // namespace comply::pg

// comply.verify_ledger(from_block bigint, to_block bigint)
//   RETURNS TABLE(block_no bigint, entry_id bigint, problem text, detail text)
extern "C" Datum comply_verify_ledger(PG_FUNCTION_ARGS) {
  InitMaterializedSRF(fcinfo, 0);
  int64 from = PG_ARGISNULL(0) ? 1 : PG_GETARG_INT64(0);
  int64 to = PG_ARGISNULL(1) ? 0 : PG_GETARG_INT64(1);
  ReturnSetInfo* rsinfo = reinterpret_cast<ReturnSetInfo*>(fcinfo->resultinfo);
  return Guarded([&] {
    // No rows means intact: a range that verifies nothing must say so. (A to_block of 0
    // verified the whole ledger, 0 being the "no limit" of a NULL; QA 16.)
    if (!PG_ARGISNULL(1) && to < 1)
      throw Error(sqlstate::kInvalidParameterValue,
                  "to_block " + std::to_string(to) + " is no block number: blocks are numbered from 1", "",
                  "Pass NULL to verify up to the latest block.");
    if (!PG_ARGISNULL(0) && !PG_ARGISNULL(1) && to < from)
      throw Error(sqlstate::kInvalidParameterValue,
                  "to_block " + std::to_string(to) + " is before from_block " + std::to_string(from),
                  "", "comply.verify_ledger(from_block, to_block) verifies the blocks from_block to to_block.");
    std::vector<Problem> problems;
    {
      AsLedgerOwner owner;
      SpiScope spi;
      VerifyRange(std::max<int64>(from, 1), to, &problems);
    }
    for (const Problem& p : problems) {
      PgCall([&] {
        Datum values[4] = {Int64GetDatum(p.block_no), Int64GetDatum(p.entry_id),
                           CStringGetTextDatum(p.problem.c_str()), CStringGetTextDatum(p.detail.c_str())};
        bool nulls[4] = {p.block_no == 0, p.entry_id == 0, false, false};
        tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
      });
    }
    return (Datum)0;
  });
}

// comply.ledger_proof(entry_id bigint) RETURNS jsonb
// WAL flushed up to what has been inserted so far: a block read before (by a digest or
// a proof) is then on disk, whatever synchronous_commit the transaction that sealed it
// ran with (comply.seal() runs with the caller's). Otherwise a crash could lose a block
// already handed out; its number would be sealed again with another hash, and the digest
// kept outside would fail as a tail cut off the ledger does. A standby has nothing to
// flush. Plain C.
static void FlushInsertedWal() {
  if (RecoveryInProgress()) return;
  XLogRecPtr upto = GetXLogInsertRecPtr();
  // Right after a page's header nothing is on that page yet (the insert position of
  // a record that ended at the page's start is past the header): flushing there would
  // ask for bytes never written ("xlog flush request ... is not satisfied").
  const uint32 in_page = static_cast<uint32>(upto % XLOG_BLCKSZ);
  if (in_page == SizeOfXLogShortPHD ||
      (in_page == SizeOfXLogLongPHD && XLogSegmentOffset(upto, wal_segment_size) == SizeOfXLogLongPHD))
    upto -= in_page;
  XLogFlush(upto);
}

// comply._flush_wal(): FlushInsertedWal, for comply.ledger_digest().
extern "C" Datum comply_flush_wal(PG_FUNCTION_ARGS) {
  FlushInsertedWal();
  PG_RETURN_VOID();
}

extern "C" Datum comply_ledger_proof(PG_FUNCTION_ARGS) {
  int64 entry_id = PG_GETARG_INT64(0);
  return Guarded([&]() -> Datum {
    std::string out;
    {
      AsLedgerOwner owner;
      SpiScope spi;
      Oid types[1] = {INT8OID};
      Datum values[1] = {Int64GetDatum(entry_id)};
      if (Exec("SELECT block_no FROM comply.ledger_entries WHERE entry_id = $1", 1, types, values,
               nullptr, true, SPI_OK_SELECT) == 0) {
        if (Exec("SELECT 1 FROM comply.audit_log WHERE id = $1", 1, types, values, nullptr, true,
                 SPI_OK_SELECT) == 0)
          throw Error(sqlstate::kUndefinedObject,
                      "audit entry " + std::to_string(entry_id) + " is not in the ledger",
                      "It does not exist, or comply.archive_ledger() removed it with its block's "
                      "other entries (its proof is in the export taken before).");
        throw Error(sqlstate::kObjectNotInPrerequisiteState,
                    "audit entry " + std::to_string(entry_id) + " is not sealed", {},
                    "Entries are sealed by the background worker, or now by comply.seal().");
      }
      int64 block_no = Int(0, 1);
      std::vector<BlockRow> blocks = ReadBlocks(block_no, block_no);
      std::vector<SealedEntry> sealed = ReadSealed(block_no);
      std::vector<ledger::Hash> leaves;
      size_t index = 0;
      const SealedEntry* mine = nullptr;
      for (size_t i = 0; i < sealed.size(); ++i) {
        leaves.push_back(sealed[i].sealed_hash);
        if (sealed[i].entry_id == entry_id) {
          index = i;
          mine = &sealed[i];
        }
      }
      if (!mine || !mine->entry || blocks.empty())
        throw Error(sqlstate::kObjectNotInPrerequisiteState, "audit entry's block is damaged", {},
                    "Run comply.verify_ledger().");
      out = "{";
      AddInt(out, "entry_id", entry_id);
      AddInt(out, "leaf_index", static_cast<int64>(index));
      AddInt(out, "tree_size", static_cast<int64>(leaves.size()));
      AddString(out, "entry_hash", ledger::ToHex(mine->sealed_hash));
      out += ",\"path\":[";
      bool first = true;
      for (const ledger::Hash& h : ledger::InclusionProof(leaves, index)) {
        if (!first) out += ',';
        json::AppendQuoted(out, ledger::ToHex(h));
        first = false;
      }
      out += "],\"entry\":" + EntryLine(*mine->entry, block_no, static_cast<int64>(index));
      out += ",\"block\":" + BlockLine(blocks.front()) + "}";
    }
    // The proof's block on disk before it is handed out (see FlushInsertedWal).
    PgCall(FlushInsertedWal);
    return PgCall([&] { return JsonbFromText(out); });
  });
}

// comply.verify_proof(proof jsonb) RETURNS boolean: the entry hashes to the leaf, the
// path leads to the Merkle root, and the header hashes to the block hash.
extern "C" Datum comply_verify_proof(PG_FUNCTION_ARGS) {
  Jsonb* proof_jb = PG_GETARG_JSONB_P(0);
  return Guarded([&] {
    json::Value proof = JsonbArgument(proof_jb, "proof");
    if (!proof.is_object()) throw Error(sqlstate::kInvalidParameterValue, "proof must be a JSON object");
    const json::Value* block = proof.Find("block");
    const json::Value* entry = proof.Find("entry");
    const json::Value* path = proof.Find("path");
    if (!block || !block->is_object() || !entry || !entry->is_object() || !path || !path->is_array())
      throw Error(sqlstate::kInvalidParameterValue, "proof needs \"block\", \"entry\" and \"path\"");
    // A member the proof's hashes do not cover (an "approved_by" added to the entry, a
    // note beside it) is a claim the proof does not prove: not verified.
    static constexpr std::array<std::string_view, 7> kProofMembers = {
        "entry_id", "leaf_index", "tree_size", "entry_hash", "path", "entry", "block"};
    for (const auto& [key, value] : proof.as_object())
      if (!ledger::IsMember(key, kProofMembers)) return BoolGetDatum(false);
    for (const auto& [key, value] : entry->as_object())
      if (!ledger::IsMember(key, ledger::kEntryMembers)) return BoolGetDatum(false);
    for (const auto& [key, value] : block->as_object())
      if (!ledger::IsMember(key, ledger::kBlockMembers)) return BoolGetDatum(false);
    auto text = [&](const char* key) -> std::optional<std::string> {
      const json::Value* v = entry->Find(key);
      if (!v || v->is_null()) return std::nullopt;
      return v->is_string() ? v->as_string() : v->Dump();
    };
    ledger::Entry e;
    e.id = IntField(*entry, "id");
    e.logged_at_us = IntField(*entry, "logged_at_us");
    e.session_user = text("session_user");
    e.current_user = text("current_user");
    e.application_name = text("application_name");
    e.client_addr = text("client_addr");
    e.xid = text("xid");
    e.action = text("action");
    e.object = text("object");
    e.details = text("details");
    std::vector<ledger::Hash> steps;
    for (const json::Value& h : path->as_array()) {
      std::optional<std::string> bytes = h.is_string() ? ledger::FromHex(h.as_string()) : std::nullopt;
      if (!bytes || bytes->size() != 32)
        throw Error(sqlstate::kInvalidParameterValue, "proof path entries must be 64 hex digits");
      steps.push_back(ToHash(*bytes));
    }
    ledger::BlockHeader header;
    header.block_no = IntField(*block, "block_no");
    if (header.block_no < 1)
      throw Error(sqlstate::kInvalidParameterValue, "a proof's block_no is at least 1");
    header.prev_hash = HashField(*block, "prev_hash");
    header.merkle_root = HashField(*block, "merkle_root");
    header.entry_count = IntField(*block, "entry_count");
    header.sealed_at_us = IntField(*block, "sealed_at_us");
    const json::Value* node = block->Find("node_id");
    header.node_id = node && node->is_string() ? node->as_string() : "";
    ledger::Hash leaf = ledger::EntryHash(e);
    // What the proof says it proves (the entry's id, its block and place) must be what
    // its hashes prove, or it proves something else than it claims.
    const int64 leaf_index = IntField(proof, "leaf_index");
    if (IntField(proof, "entry_id") != e.id || IntField(*entry, "block_no") != header.block_no ||
        IntField(*entry, "leaf_index") != leaf_index || leaf_index < 0)
      return BoolGetDatum(false);
    bool ok = leaf == HashField(proof, "entry_hash") &&
              ledger::VerifyInclusion(leaf, static_cast<size_t>(leaf_index),
                                      static_cast<size_t>(IntField(proof, "tree_size")), steps,
                                      header.merkle_root) &&
              header.entry_count == IntField(proof, "tree_size") &&
              ledger::BlockHash(header) == HashField(*block, "block_hash");
    if (!ok) return BoolGetDatum(false);
    // Consistent with itself is not enough (anyone can make up an entry, a path and a
    // header that agree): the block must be this ledger's block of that number, as
    // stored. (Whether the stored blocks themselves are intact is verify_ledger's and
    // verify_digest's question.)
    // The signature and signer key the proof shows (ledger_proof writes both, a JSON null
    // for an unsigned block) must be the stored block's too: a proof handed to a third
    // party with a made-up signature would otherwise look signed.
    // What the proof shows under key: absent (*present false: not compared), null, or hex
    // text (*hex); false for anything else, which no stored block holds.
    auto shown = [&](const char* key, bool* present, std::optional<std::string>* hex) {
      const json::Value* v = block->Find(key);
      *present = v != nullptr;
      if (!v || v->is_null()) return true;
      if (!v->is_string() || !ledger::FromHex(v->as_string())) return false;
      *hex = v->as_string();
      return true;
    };
    bool has_signature = false, has_signer = false;
    std::optional<std::string> signature, signer;
    if (!shown("signature", &has_signature, &signature) || !shown("signer_key", &has_signer, &signer))
      return BoolGetDatum(false);
    AsLedgerOwner owner;
    SpiScope spi;
    Oid types[6] = {INT8OID, TEXTOID, BOOLOID, TEXTOID, BOOLOID, TEXTOID};
    Datum v[6] = {Int64GetDatum(header.block_no),
                  PgCall([&] { return CStringGetTextDatum(block->Find("block_hash")->as_string().c_str()); }),
                  BoolGetDatum(has_signature),
                  signature ? PgCall([&] { return CStringGetTextDatum(signature->c_str()); }) : (Datum)0,
                  BoolGetDatum(has_signer),
                  signer ? PgCall([&] { return CStringGetTextDatum(signer->c_str()); }) : (Datum)0};
    const char nulls[6] = {' ', ' ', ' ', signature ? ' ' : 'n', ' ', signer ? ' ' : 'n'};
    return BoolGetDatum(Exec("SELECT 1 FROM comply.ledger_blocks WHERE block_no = $1 "
                             "AND block_hash = decode($2, 'hex') "
                             "AND (NOT $3 OR signature IS NOT DISTINCT FROM decode($4, 'hex')) "
                             "AND (NOT $5 OR signer_key IS NOT DISTINCT FROM decode($6, 'hex'))",
                             6, types, v, nulls, true, SPI_OK_SELECT) == 1);
  });
}

// comply.export_ledger(from_block bigint, to_block bigint) RETURNS SETOF text
extern "C" Datum comply_export_ledger(PG_FUNCTION_ARGS) {
  InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);
  int64 from = PG_ARGISNULL(0) ? 1 : PG_GETARG_INT64(0);
  int64 to = PG_ARGISNULL(1) ? 0 : PG_GETARG_INT64(1);
  ReturnSetInfo* rsinfo = reinterpret_cast<ReturnSetInfo*>(fcinfo->resultinfo);
  const bool from_given = !PG_ARGISNULL(0);
  return Guarded([&] {
    AsLedgerOwner owner;
    SpiScope spi;
    // Archived blocks have no entries left to export: their export was taken before.
    const int64 archived = ArchivedThrough(true);
    // A range that holds no block (through_block before from_block, or before block 1)
    // exports nothing, archived or not.
    if (!PG_ARGISNULL(1) && to < std::max<int64>(from, 1)) return (Datum)0;
    // (Also a range that ends among them: export_ledger(NULL, N) run again after
    // archive_ledger(N) wrote an empty file and succeeded.)
    if (archived > 0 && ((from_given && from <= archived) || (!PG_ARGISNULL(1) && to <= archived)))
      throw Error(sqlstate::kObjectNotInPrerequisiteState,
                  "blocks 1 to " + std::to_string(archived) + " are archived",
                  "Their entries were removed by comply.archive_ledger(), after an export kept "
                  "elsewhere (comply.ledger_archives has its SHA-256).",
                  "Export from block " + std::to_string(archived + 1) + ".");
    ExportRange(std::max<int64>(from, archived + 1), to, [&](const std::string& line) {
      PgCall([&] {
        Datum value = CStringGetTextDatum(line.c_str());
        bool isnull = false;
        tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, &value, &isnull);
      });
    });
    return (Datum)0;
  });
}

// comply.ledger_public_key() RETURNS text: hex of the signing key's public half.
extern "C" Datum comply_ledger_public_key(PG_FUNCTION_ARGS) {
  bool has_key = false;
  Datum result = Guarded([&]() -> Datum {
    std::unique_ptr<ledger::Signer> signer = LoadSigner();
    if (!signer) return (Datum)0;
    has_key = true;
    std::string hex = ledger::ToHex(signer->PublicKey());
    return PgCall([&] { return CStringGetTextDatum(hex.c_str()); });
  });
  if (!has_key) PG_RETURN_NULL();
  return result;
}

// comply._guard_ledger_drop(): ddl_command_start event trigger on DROP EXTENSION and
// DROP SCHEMA. Dropping pg_comply (by name, or its schema with CASCADE) would delete the
// whole ledger, which nothing else may change or remove: refused while it holds
// entries, unless comply.allow_ledger_drop is on in the dropping session (a superuser
// setting), and then announced with a WARNING that reaches the server log. Plain C: no
// C++ object is alive here.
extern "C" Datum comply_guard_ledger_drop(PG_FUNCTION_ARGS) {
  if (!CALLED_AS_EVENT_TRIGGER(fcinfo)) elog(ERROR, "not fired by an event trigger");
  EventTriggerData* trig = reinterpret_cast<EventTriggerData*>(fcinfo->context);
  if (trig->parsetree == nullptr) PG_RETURN_VOID();
  Oid ext = get_extension_oid("pg_comply", true);
  if (!OidIsValid(ext)) PG_RETURN_VOID();
  // This function lives in the extension's schema, with the ledger's tables.
  const Oid ext_nsp = get_func_namespace(fcinfo->flinfo->fn_oid);
  bool drops = false;
  bool unbinds = false;  // ALTER EXTENSION pg_comply DROP ...: the object would be droppable
  if (IsA(trig->parsetree, AlterExtensionContentsStmt)) {
    // Taking a table out of the extension makes it droppable on its own (and a DROP ...
    // CASCADE of the ledger then takes the extension with it), past this guard.
    // Only its own objects (those in its schema): a table a user added may go again.
    AlterExtensionContentsStmt* alter = reinterpret_cast<AlterExtensionContentsStmt*>(trig->parsetree);
    if (alter->action >= 0 || strcmp(alter->extname, "pg_comply") != 0) PG_RETURN_VOID();
    Relation rel = nullptr;
    ObjectAddress addr = get_object_address(alter->objtype, alter->object, &rel, AccessShareLock, true);
    if (rel) relation_close(rel, NoLock);
    // (Its event triggers too, which belong to no schema: one taken out could be dropped
    // or replaced by one that watches less.)
    unbinds = OidIsValid(addr.objectId) &&
              (get_object_namespace(&addr) == ext_nsp || addr.classId == EventTriggerRelationId);
    if (!unbinds) PG_RETURN_VOID();
  } else if (IsA(trig->parsetree, DropOwnedStmt)) {
    // DROP OWNED BY the role that owns the extension (or its ledger) drops them with
    // everything else it owns.
    DropOwnedStmt* owned = reinterpret_cast<DropOwnedStmt*>(trig->parsetree);
    Oid ext_owner = InvalidOid;
    HeapTuple tup = SearchSysCache1(RELOID, ObjectIdGetDatum(get_relname_relid("audit_log", ext_nsp)));
    const Oid ledger_owner = HeapTupleIsValid(tup) ? ((Form_pg_class)GETSTRUCT(tup))->relowner : InvalidOid;
    if (HeapTupleIsValid(tup)) ReleaseSysCache(tup);
    {
      Relation extrel = table_open(ExtensionRelationId, AccessShareLock);
      ScanKeyData key;
      ScanKeyInit(&key, Anum_pg_extension_oid, BTEqualStrategyNumber, F_OIDEQ, ObjectIdGetDatum(ext));
      SysScanDesc scan = systable_beginscan(extrel, ExtensionOidIndexId, true, nullptr, 1, &key);
      HeapTuple et = systable_getnext(scan);
      if (HeapTupleIsValid(et)) ext_owner = ((Form_pg_extension)GETSTRUCT(et))->extowner;
      systable_endscan(scan);
      table_close(extrel, AccessShareLock);
    }
    ListCell* lc;
    foreach (lc, owned->roles) {
      const Oid role = get_rolespec_oid(lfirst_node(RoleSpec, lc), true);
      if (OidIsValid(role) && (role == ext_owner || role == ledger_owner)) drops = true;
    }
    if (!drops) PG_RETURN_VOID();
  } else if (!IsA(trig->parsetree, DropStmt)) {
    PG_RETURN_VOID();
  }
  const bool drop_owned = IsA(trig->parsetree, DropOwnedStmt);
  DropStmt* stmt = unbinds || drop_owned ? nullptr : reinterpret_cast<DropStmt*>(trig->parsetree);
  if (unbinds || drop_owned) {
    drops = true;
  } else if (stmt->removeType == OBJECT_TABLE) {
    // The ledger's tables themselves, should one no longer belong to the extension.
    const Oid ledger[4] = {get_relname_relid("audit_log", ext_nsp), get_relname_relid("ledger_blocks", ext_nsp),
                           get_relname_relid("ledger_entries", ext_nsp),
                           get_relname_relid("ledger_archives", ext_nsp)};
    ListCell* lc;
    foreach (lc, stmt->objects) {
      RangeVar* rv = makeRangeVarFromNameList(castNode(List, lfirst(lc)));
      const Oid relid = RangeVarGetRelid(rv, NoLock, true);
      for (Oid l : ledger)
        if (OidIsValid(relid) && relid == l) drops = true;
    }
  } else if (stmt->removeType == OBJECT_EXTENSION) {
    ListCell* lc;
    foreach (lc, stmt->objects)
      if (strcmp(strVal(lfirst(lc)), "pg_comply") == 0) drops = true;
  } else if (stmt->removeType == OBJECT_SCHEMA && stmt->behavior == DROP_CASCADE) {
    char* ext_schema = get_namespace_name(ext_nsp);
    ListCell* lc;
    foreach (lc, stmt->objects)
      if (ext_schema && strcmp(strVal(lfirst(lc)), ext_schema) == 0) drops = true;
  }
  if (!drops) PG_RETURN_VOID();
  int64 entries = 0;
  int64 blocks = 0;
  const int pin = comply::pg::PinSearchPath();
  if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "SPI_connect failed");
  if (SPI_execute("SELECT (SELECT count(*) FROM comply.audit_log), "
                  "(SELECT count(*) FROM comply.ledger_blocks)",
                  true, 1) == SPI_OK_SELECT &&
      SPI_processed == 1) {
    bool isnull;
    entries = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
    blocks = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull));
  }
  SPI_finish();
  comply::pg::UnpinSearchPath(pin);
  if (entries == 0) PG_RETURN_VOID();
  if (!comply::pg::allow_ledger_drop)
    ereport(ERROR,
            (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
             unbinds ? errmsg("objects cannot be taken out of pg_comply while its ledger holds audit entries")
             : drop_owned ? errmsg("DROP OWNED BY the owner of pg_comply would drop its ledger, which holds audit entries")
             : stmt->removeType == OBJECT_TABLE
                 ? errmsg("the ledger's tables cannot be dropped while they hold audit entries")
                 : errmsg("pg_comply cannot be dropped while its ledger holds audit entries"),
             errdetail("Dropping it would delete comply.audit_log (%lld entries) and its %lld sealed "
                       "blocks, which are kept as evidence.",
                       static_cast<long long>(entries), static_cast<long long>(blocks)),
             errhint("Keep the ledger first (comply.export_ledger() to write-once storage, or a "
                     "physical backup); then SET comply.allow_ledger_drop = on in this session.")));
  ereport(WARNING,
          (unbinds ? errmsg("an object is taken out of pg_comply, whose ledger holds audit entries: %lld, "
                            "sealed blocks: %lld",
                            static_cast<long long>(entries), static_cast<long long>(blocks))
                   : errmsg("dropping pg_comply deletes its ledger (audit entries: %lld, sealed blocks: %lld)",
                  static_cast<long long>(entries), static_cast<long long>(blocks)),
           errdetail("comply.allow_ledger_drop is on for role %s.",
                     GetUserNameFromId(GetUserId(), false))));
  PG_RETURN_VOID();
}

// comply._archiving_through() RETURNS bigint: see archiving_through.
extern "C" Datum comply_archiving_through(PG_FUNCTION_ARGS) {
  if (comply::pg::archiving_through == 0) PG_RETURN_NULL();
  PG_RETURN_INT64(comply::pg::archiving_through);
}

// comply.archive_ledger(through_block bigint)
//   RETURNS TABLE(from_block bigint, through_block bigint, entry_count bigint, export_sha256 text)
// Removes the entries of the blocks after the last archive up to through_block, once
// that block is older than comply.ledger_retention and the range verifies. The blocks
// stay (the chain, signatures and digests still verify); the SHA-256 of the range's
// export, taken beforehand and kept elsewhere, is recorded in comply.ledger_archives and
// in a 'ledger.archived' ledger entry.
extern "C" Datum comply_archive_ledger(PG_FUNCTION_ARGS) {
  using namespace comply::pg;
  if (PG_ARGISNULL(0))
    ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED), errmsg("through_block must not be null")));
  PreventCommandIfReadOnly("comply.archive_ledger()");
  const int64 through = PG_GETARG_INT64(0);
  char* caller = GetUserNameFromId(GetUserId(), false);
  InitMaterializedSRF(fcinfo, 0);
  ReturnSetInfo* rsinfo = reinterpret_cast<ReturnSetInfo*>(fcinfo->resultinfo);
  return Guarded([&] {
    int64 from = 0;
    int64 entries = 0;
    std::string digest;
    {
      AsLedgerOwner owner;
      SpiScope spi;
      // No block is sealed meanwhile (the sealer takes the same lock).
      Exec("LOCK TABLE comply.ledger_blocks IN EXCLUSIVE MODE", 0, nullptr, nullptr, nullptr, false,
           SPI_OK_UTILITY);
      from = ArchivedThrough(false) + 1;
      Exec("SELECT coalesce(max(block_no), 0) FROM comply.ledger_blocks", 0, nullptr, nullptr, nullptr,
           false, SPI_OK_SELECT);
      int64 latest;
      {
        ResultScope scope;
        latest = Int(0, 1);
      }
      if (through < 1)
        throw Error(sqlstate::kInvalidParameterValue, "through_block must be a block number (1 or more)");
      if (through < from)
        throw Error(sqlstate::kInvalidParameterValue,
                    "block " + std::to_string(through) + " is archived already",
                    "Blocks 1 to " + std::to_string(from - 1) + " are archived.");
      if (through > latest)
        throw Error(sqlstate::kInvalidParameterValue, "block " + std::to_string(through) + " is not sealed",
                    latest == 0 ? std::string("No block is sealed yet.")
                                : "The latest block is " + std::to_string(latest) + ".");
      {
        Oid types[2] = {INT8OID, INT4OID};
        Datum values[2] = {Int64GetDatum(through), Int32GetDatum(ledger_retention)};
        // (By the sealing time the block's hash covers, not the sealed_at column.)
        Exec("SELECT to_timestamp(sealed_at_us::float8 / 1000000) <= now() - make_interval(secs => $2), "
             "to_char(now() - make_interval(secs => $2), 'YYYY-MM-DD HH24:MI:SS TZ') "
             "FROM comply.ledger_blocks WHERE block_no = $1",
             2, types, values, nullptr, false, SPI_OK_SELECT);
        ResultScope scope;
        if (Text(0, 1).value_or("f") != "t")
          throw Error(sqlstate::kObjectNotInPrerequisiteState,
                      "block " + std::to_string(through) + " is younger than comply.ledger_retention",
                      "Blocks sealed after " + Text(0, 2).value_or("?") + " keep their entries (" +
                          std::to_string(ledger_retention / 86400) + " days).",
                      "Archive an older block, or shorten comply.ledger_retention in the server's "
                      "configuration (ALTER SYSTEM is recorded as drift).");
      }
      // What is removed must be intact: archiving a range that does not verify would
      // remove the evidence of what was done to it.
      std::vector<Problem> problems;
      VerifyRange(from, through, &problems);
      // Blocks sealed before a signing key was set are unsigned, which verify_ledger
      // reports while a key is set. They are vouched for by the first signed block
      // after them, whose signature covers the chain of hashes back to them: with that
      // block's range intact, they are not in the way.
      auto unsigned_only = [](const std::vector<Problem>& ps, int64 below) {
        for (const Problem& p : ps)
          if (!(p.problem == "bad signature" && p.detail == "block is not signed" && p.block_no < below))
            return false;
        return true;
      };
      if (!problems.empty() && unsigned_only(problems, through + 1)) {
        Oid types[1] = {INT8OID};
        Datum values[1] = {Int64GetDatum(through)};
        Exec("SELECT coalesce(min(block_no), 0) FROM comply.ledger_blocks "
             "WHERE block_no > $1 AND signature IS NOT NULL",
             1, types, values, nullptr, false, SPI_OK_SELECT);
        int64 signed_after;
        {
          ResultScope scope;
          signed_after = Int(0, 1);
        }
        std::vector<Problem> after;
        if (signed_after > 0) VerifyRange(through + 1, signed_after, &after);
        if (signed_after > 0 && unsigned_only(after, signed_after)) problems.clear();
      }
      if (!problems.empty()) {
        const Problem& p = problems.front();
        throw Error(sqlstate::kDataCorrupted,
                    "blocks " + std::to_string(from) + " to " + std::to_string(through) +
                        " do not verify: archiving them would remove the evidence",
                    std::to_string(problems.size()) + " problems; the first: block " +
                        std::to_string(p.block_no) + ", " + p.problem + " (" + p.detail + ").",
                    "Run comply.verify_ledger(" + std::to_string(from) + ", " + std::to_string(through) +
                        ").");
      }
      // The SHA-256 of the range's export, as comply.export_ledger(from, through) gives it
      // and psql -At writes it (each line and a newline).
      ledger::Sha256Stream sha;
      entries = ExportRange(from, through, [&](const std::string& line) {
        sha.Update(line);
        sha.Update("\n");
      });
      digest = ledger::ToHex(sha.Final());
      // The ledger entry, then the archive naming it, then the removal.
      const std::string details = "{\"from_block\":" + std::to_string(from) +
                                  ",\"through_block\":" + std::to_string(through) +
                                  ",\"entry_count\":" + std::to_string(entries) +
                                  ",\"export_sha256\":\"" + digest + "\"}";
      const std::string object = "comply.ledger_archives/" + std::to_string(through);
      Jsonb* doc = PgCall([&] {
        return DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(details.c_str())));
      });
      const int64 entry_id = AppendAudit(
          caller, PgCall([] { return CStringGetTextDatum("ledger.archived"); }),
          PgCall([&] { return CStringGetTextDatum(object.c_str()); }), doc);
      {
        Oid types[6] = {INT8OID, INT8OID, INT8OID, TEXTOID, TEXTOID, INT8OID};
        Datum values[6] = {Int64GetDatum(through), Int64GetDatum(from), Int64GetDatum(entries),
                           PgCall([&] { return CStringGetTextDatum(digest.c_str()); }),
                           PgCall([&] { return CStringGetTextDatum(caller); }), Int64GetDatum(entry_id)};
        Exec("INSERT INTO comply.ledger_archives (through_block, from_block, entry_count, export_sha256, "
             "archived_at, archived_by, audit_entry_id) VALUES ($1, $2, $3, $4, now(), $5, $6)",
             6, types, values, nullptr, false, SPI_OK_INSERT);
      }
      struct Archiving {
        explicit Archiving(int64 t) { archiving_through = t; }
        ~Archiving() { archiving_through = 0; }
      } archiving(through);
      Oid types[2] = {INT8OID, INT8OID};
      Datum values[2] = {Int64GetDatum(from), Int64GetDatum(through)};
      const uint64 removed =
          Exec("DELETE FROM comply.audit_log a USING comply.ledger_entries s "
               "WHERE s.entry_id = a.id AND s.block_no BETWEEN $1 AND $2",
               2, types, values, nullptr, false, SPI_OK_DELETE);
      Exec("DELETE FROM comply.ledger_entries WHERE block_no BETWEEN $1 AND $2", 2, types, values,
           nullptr, false, SPI_OK_DELETE);
      if (static_cast<int64>(removed) != entries)
        throw Error(sqlstate::kInternalError, "archiving removed " + std::to_string(removed) +
                                                  " entries, not the " + std::to_string(entries) +
                                                  " exported");
    }
    PgCall([&] {
      Datum values[4] = {Int64GetDatum(from), Int64GetDatum(through), Int64GetDatum(entries),
                         CStringGetTextDatum(digest.c_str())};
      bool nulls[4] = {false, false, false, false};
      tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
    });
    return (Datum)0;
  });
}
