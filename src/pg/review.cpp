// SQL functions of the human review queue: comply.review_next, review_decide,
// review_release, review_enqueue, review_maintain. Each captures the calling role, runs
// the queue's SQL body (comply._review_*) as the extension's owner, so that reviewers
// need no privilege on comply.review_cases, and then records the action in the ledger
// as the caller.
#include "pg/review.h"

#include <string>

#include "pg/classify.h"
#include "pg/guard.h"
#include "pg/guc.h"
#include "pg/ledger.h"
#include "pg/pii.h"
#include "pg/spi.h"

extern "C" {
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "tcop/utility.h"
#include "utils/array.h"
#include "utils/builtins.h"

PG_FUNCTION_INFO_V1(comply_review_next);
PG_FUNCTION_INFO_V1(comply_review_decide);
PG_FUNCTION_INFO_V1(comply_review_release);
PG_FUNCTION_INFO_V1(comply_review_enqueue);
PG_FUNCTION_INFO_V1(comply_review_maintain);
}

namespace comply::pg {
namespace {

// What the ledger keeps of a case after an action: no payload, no subject values
// beyond what the case's creator put there (details are redacted by comply.audit).
constexpr const char* kCaseDetails =
    "jsonb_strip_nulls(jsonb_build_object('case_id', r.id, 'queue', r.queue, 'status', r.status, "
    "'decision', r.decision, 'final_label', r.final_label, 'model_label', r.model_label, "
    "'confidence', r.confidence, 'job_id', r.job_id, 'interaction_id', r.interaction_id, "
    "'note', r.note, 'subject', r.subject))::text";

// The result of one queue operation: the case row (formed in the caller's memory
// context) and the ledger details of the action.
struct CaseResult {
  HeapTuple tuple = nullptr;  // null when there was no case
  int64 id = 0;
  std::string details;
};

// Runs `SELECT r.*, <details> FROM comply._review_<fn>(caller, args...) r` as the
// extension's owner; forms the row with the declared result type of fcinfo.
CaseResult RunAsOwner(FunctionCallInfo fcinfo, const std::string& call, int nargs, Oid* types,
                      Datum* values, const char* nulls) {
  TupleDesc result_desc = nullptr;
  PgCall([&] {
    if (get_call_result_type(fcinfo, nullptr, &result_desc) != TYPEFUNC_COMPOSITE)
      elog(ERROR, "review function must return a composite type");
    BlessTupleDesc(result_desc);
  });
  MemoryContext caller_cxt = CurrentMemoryContext;
  CaseResult out;
  AsExtensionOwner owner("review_cases", false);
  SpiScope spi;
  std::string sql = "SELECT r.*, " + std::string(kCaseDetails) + " FROM " + call + " r";
  SpiExec(sql.c_str(), nargs, types, values, nulls, false, SPI_OK_SELECT);
  std::optional<int64> id = SpiInt(0, 1);
  if (!id) return out;  // the function returned NULL: no case
  out.id = *id;
  out.details = SpiText(0, result_desc->natts + 1).value_or("{}");
  PgCall([&] {
    int n = result_desc->natts;
    Datum* vals = static_cast<Datum*>(palloc(sizeof(Datum) * n));
    bool* isnull = static_cast<bool*>(palloc(sizeof(bool) * n));
    for (int i = 0; i < n; ++i)
      vals[i] = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, i + 1, &isnull[i]);
    MemoryContext old = MemoryContextSwitchTo(caller_cxt);
    out.tuple = heap_form_tuple(result_desc, vals, isnull);
    MemoryContextSwitchTo(old);
  });
  return out;
}

// Appends the ledger entry of a queue action, as the calling role (not through
// comply.audit(), which refuses the queue's action names to its callers).
void AuditAsCaller(const char* action, int64 case_id, const std::string& details) {
  (void)AppendOwnAudit(action, "comply.review_cases/" + std::to_string(case_id), details);
}

// The calling role's name (palloc'd).
char* CallerName() { return GetUserNameFromId(GetUserId(), false); }

Datum CaseDatum(FunctionCallInfo fcinfo, const CaseResult& r) {
  if (r.tuple == nullptr) {
    fcinfo->isnull = true;
    return (Datum)0;
  }
  return HeapTupleGetDatum(r.tuple);
}

}  // namespace

MaintainResult ReviewMaintain() {
  MaintainResult result;
  AsExtensionOwner owner("review_cases", false);
  SpiScope spi;
  Oid types[1] = {INTERVALOID};
  Datum values[1];
  std::string sla = std::to_string(review_sla) + " seconds";
  PgCall([&] {
    values[0] = DirectFunctionCall3(interval_in, CStringGetDatum(sla.c_str()),
                                    ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1));
  });
  SpiExec("SELECT released, escalated FROM comply._review_maintain($1)", 1, types, values, nullptr,
          false, SPI_OK_SELECT);
  result.released = SpiInt(0, 1).value_or(0);
  result.escalated = SpiInt(0, 2).value_or(0);
  return result;
}

}  // namespace comply::pg

using namespace comply;
using namespace comply::pg;

// comply.review_next(queue text) RETURNS comply.review_cases
extern "C" Datum comply_review_next(PG_FUNCTION_ARGS) {
  PreventCommandIfReadOnly("comply.review_next()");  // said plainly (a standby too)
  char* caller = CallerName();
  text* queue = PG_ARGISNULL(0) ? cstring_to_text("default") : PG_GETARG_TEXT_PP(0);
  Datum interval = DirectFunctionCall3(
      interval_in, CStringGetDatum(psprintf("%d seconds", review_claim_timeout)),
      ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1));
  Datum caller_d = CStringGetTextDatum(caller);
  CaseResult r;
  Guarded([&] {
    Oid types[3] = {TEXTOID, TEXTOID, INTERVALOID};
    Datum values[3] = {caller_d, PointerGetDatum(queue), interval};
    r = RunAsOwner(fcinfo, "comply._review_next($1, $2, $3)", 3, types, values, nullptr);
    if (r.tuple) AuditAsCaller("review.claim", r.id, r.details);
  });
  return CaseDatum(fcinfo, r);
}

// comply.review_decide(case_id bigint, decision text, note text) RETURNS comply.review_cases
extern "C" Datum comply_review_decide(PG_FUNCTION_ARGS) {
  if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
    ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
                    errmsg("case_id and decision must not be null")));
  PreventCommandIfReadOnly("comply.review_decide()");
  char* caller = CallerName();
  int64 case_id = PG_GETARG_INT64(0);
  text* decision = PG_GETARG_TEXT_PP(1);
  text* note = PG_ARGISNULL(2) ? nullptr : PG_GETARG_TEXT_PP(2);
  Datum caller_d = CStringGetTextDatum(caller);
  CaseResult r;
  Guarded([&] {
    // A reviewer's note is free text that other reviewers read: stored redacted, like
    // the payload.
    Datum note_d = (Datum)0;
    if (note) {
      std::string n = RedactTextDefault({VARDATA_ANY(note), VARSIZE_ANY_EXHDR(note)});
      note_d = PgCall([&] { return PointerGetDatum(cstring_to_text_with_len(n.data(), n.size())); });
    }
    Oid types[4] = {TEXTOID, INT8OID, TEXTOID, TEXTOID};
    Datum values[4] = {caller_d, Int64GetDatum(case_id), PointerGetDatum(decision), note_d};
    char nulls[4] = {' ', ' ', ' ', note ? ' ' : 'n'};
    r = RunAsOwner(fcinfo, "comply._review_decide($1, $2, $3, $4)", 4, types, values, nulls);
    if (r.tuple) AuditAsCaller("review.decide", r.id, r.details);
  });
  return CaseDatum(fcinfo, r);
}

// comply.review_release(case_id bigint) RETURNS comply.review_cases
extern "C" Datum comply_review_release(PG_FUNCTION_ARGS) {
  if (PG_ARGISNULL(0))  // as review_decide's: no case to release is a mistake, not "no case"
    ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED), errmsg("case_id must not be null")));
  PreventCommandIfReadOnly("comply.review_release()");
  char* caller = CallerName();
  int64 case_id = PG_GETARG_INT64(0);
  Datum caller_d = CStringGetTextDatum(caller);
  CaseResult r;
  Guarded([&] {
    Oid types[2] = {TEXTOID, INT8OID};
    Datum values[2] = {caller_d, Int64GetDatum(case_id)};
    r = RunAsOwner(fcinfo, "comply._review_release($1, $2)", 2, types, values, nullptr);
    if (r.tuple) AuditAsCaller("review.release", r.id, r.details);
  });
  return CaseDatum(fcinfo, r);
}

// comply.review_enqueue(subject jsonb, payload text, labels text[], model_label text,
//                       confidence float8, queue text) RETURNS bigint
extern "C" Datum comply_review_enqueue(PG_FUNCTION_ARGS) {
  PreventCommandIfReadOnly("comply.review_enqueue()");
  char* caller = CallerName();
  // The invoking role when the call runs as another (a SECURITY DEFINER function's
  // caller): four eyes counts it as the case's opener too.
  const Oid caller_role = GetUserId();
  const Oid invoker_role = GetOuterUserId();
  Datum subject = PG_ARGISNULL(0) ? (Datum)0 : PG_GETARG_DATUM(0);
  text* payload = PG_ARGISNULL(1) ? nullptr : PG_GETARG_TEXT_PP(1);
  Datum labels = PG_ARGISNULL(2) ? (Datum)0 : PG_GETARG_DATUM(2);
  Datum model_label = PG_ARGISNULL(3) ? (Datum)0 : PG_GETARG_DATUM(3);
  Datum confidence = PG_ARGISNULL(4) ? (Datum)0 : PG_GETARG_DATUM(4);
  Datum queue = PG_ARGISNULL(5) ? (Datum)0 : PG_GETARG_DATUM(5);
  Datum caller_d = CStringGetTextDatum(caller);
  int64 id = 0;
  Guarded([&] {
    // Labels and the model's label are stored as given, for reviewers to read and decide
    // with (a decision is one of them, or approve, reject, escalate: nothing else is
    // stored as a decision or a final label): as classify_async's, a label holding
    // personal data is refused (most likely a text passed in the wrong argument), and
    // so is one longer than a label is.
    if (labels) {
      Datum* elems = nullptr;
      bool* elem_nulls = nullptr;
      int n = 0;
      PgCall([&] {
        deconstruct_array(DatumGetArrayTypeP(labels), TEXTOID, -1, false, TYPALIGN_INT, &elems,
                          &elem_nulls, &n);
      });
      for (int i = 0; i < n; ++i) {
        if (elem_nulls[i]) continue;  // refused by _review_enqueue
        text* t = PgCall([&] { return DatumGetTextPP(elems[i]); });
        if (std::string problem = LabelProblem({VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t)}); !problem.empty())
          throw Error(sqlstate::kInvalidParameterValue, "label " + std::to_string(i + 1) + " " + problem,
                      "Labels are stored with the review case, which reviewers read.",
                      "The payload is the second argument, the labels the third: are they swapped?");
      }
    }
    if (model_label) {
      text* t = PgCall([&] { return DatumGetTextPP(model_label); });
      if (std::string problem = LabelProblem({VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t)}); !problem.empty())
        throw Error(sqlstate::kInvalidParameterValue, "model_label " + problem,
                    "The model's label is stored with the review case, which reviewers read.");
    }
    // The payload is stored redacted, like every payload of the queue, and so is the
    // subject: reviewers read both (the caller keeps its own link through the case id).
    if (subject) {
      Jsonb* jb = PgCall([&] { return DatumGetJsonbP(subject); });
      subject = PointerGetDatum(RedactJsonbDefault(jb));
    }
    Datum redacted = (Datum)0;
    if (payload) {
      std::string r = RedactTextDefault({VARDATA_ANY(payload), VARSIZE_ANY_EXHDR(payload)});
      redacted = PgCall([&] { return PointerGetDatum(cstring_to_text_with_len(r.data(), r.size())); });
    }
    std::string details;
    {
      AsExtensionOwner owner("review_cases", false);
      SpiScope spi;
      Oid types[8] = {TEXTOID, JSONBOID, TEXTOID, TEXTARRAYOID, TEXTOID, FLOAT8OID, TEXTOID, OIDOID};
      Datum values[8] = {caller_d, subject, redacted, labels, model_label,
                         confidence, queue, ObjectIdGetDatum(invoker_role)};
      char nulls[8] = {' ',
                       PG_ARGISNULL(0) ? 'n' : ' ',
                       payload ? ' ' : 'n',
                       PG_ARGISNULL(2) ? 'n' : ' ',
                       PG_ARGISNULL(3) ? 'n' : ' ',
                       PG_ARGISNULL(4) ? 'n' : ' ',
                       PG_ARGISNULL(5) ? 'n' : ' ',
                       invoker_role != caller_role ? ' ' : 'n'};
      SpiExec("SELECT comply._review_enqueue($1, $2, $3, $4, $5, $6, $7, $8)", 8, types, values,
              nulls, false, SPI_OK_SELECT);
      id = SpiInt(0, 1).value_or(0);
      Oid id_type[1] = {INT8OID};
      Datum id_value[1] = {Int64GetDatum(id)};
      std::string sql = "SELECT " + std::string(kCaseDetails) + " FROM comply.review_cases r WHERE r.id = $1";
      SpiExec(sql.c_str(), 1, id_type, id_value, nullptr, false, SPI_OK_SELECT);
      details = SpiText(0, 1).value_or("{}");
    }
    AuditAsCaller("review.enqueue", id, details);
  });
  PG_RETURN_INT64(id);
}

// comply.review_maintain(OUT released int, OUT escalated int)
extern "C" Datum comply_review_maintain(PG_FUNCTION_ARGS) {
  PreventCommandIfReadOnly("comply.review_maintain()");
  TupleDesc desc;
  if (get_call_result_type(fcinfo, nullptr, &desc) != TYPEFUNC_COMPOSITE)
    elog(ERROR, "review_maintain must return a composite type");
  desc = BlessTupleDesc(desc);
  MaintainResult m;
  Guarded([&] { m = ReviewMaintain(); });
  Datum values[2] = {Int32GetDatum(static_cast<int32>(m.released)),
                     Int32GetDatum(static_cast<int32>(m.escalated))};
  bool nulls[2] = {false, false};
  PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(desc, values, nulls)));
}
