// SQL functions of AI classification: comply.train_classifier, comply.classify,
// comply.classify_async, comply.run_jobs; and the job rounds of the background worker.
// Text always leaves the database redacted (labels such as [US_SSN]), unless a
// synchronous call asks for clear text explicitly, which is recorded.
#include "pg/classify.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <map>
#include <set>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "core/ai/classifier.h"
#include "core/ai/http.h"
#include "core/ai/openai.h"
#include "core/json.h"
#include "pg/guard.h"
#include "pg/guc.h"
#include "pg/jsonb_doc.h"
#include "pg/ledger.h"
#include "pg/pii.h"
#include "pg/protect.h"
#include "core/ledger/ledger.h"
#include "pg/spi.h"
#include "pg/worker.h"

extern "C" {
#include "postgres.h"

#include "access/htup_details.h"
#include "access/xact.h"
#include "access/xlog.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "storage/shmem.h"
#include "storage/spin.h"
#include "tcop/utility.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/inval.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/tuplestore.h"

PG_FUNCTION_INFO_V1(comply_train_classifier);
PG_FUNCTION_INFO_V1(comply_classify);
PG_FUNCTION_INFO_V1(comply_classify_async);
PG_FUNCTION_INFO_V1(comply_run_jobs);
}

namespace comply::pg {

static_assert(kMaxLabelBytes == ai::kMaxLabelBytes, "a label is as long as a builtin model's");

std::string LabelProblem(std::string_view label) {
  // By the default redaction, as train_classifier's check of the labels it stores: a
  // label an openai job, a review case or a builtin model accepts is the same.
  if (label.size() > kMaxLabelBytes)
    return "is longer than " + std::to_string(kMaxLabelBytes) + " bytes (" +
           std::to_string(label.size()) + " bytes, not shown)";
  if (!label.empty() && !ai::LabelIsVisible(label))
    return "is blank (white space or invisible characters only)";
  if (RedactTextDefault(label) != label)
    return "holds personal data (" + std::to_string(label.size()) + " bytes, not shown)";
  return {};
}

bool IsOpenAiModelName(std::string_view model) {
  return HasOpenAiModelNameForm(model) && !HoldsPersonalDataBesidesDates(model);
}

bool HasOpenAiModelNameForm(std::string_view model) {
  if (model.empty() || model.size() > kMaxOpenAiModelName) return false;
  auto word = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  };
  // (Not a digit first: a date or a number alone is no model's name.)
  if (!word(model[0]) || (model[0] >= '0' && model[0] <= '9')) return false;
  for (char c : model)
    if (!word(c) && c != '.' && c != ':' && c != '-' && c != '/') return false;
  return true;
}

namespace {

// The connect timeout of every provider request, at most (and the total, comply.ai_timeout,
// bounds it too).
constexpr int kConnectTimeoutSeconds = 10;

// ---------------------------------------------------------------------------------
// Builtin models, loaded from comply.models once per backend.

struct CachedModel {
  std::shared_ptr<const ai::Model> model;
  std::string checksum;  // ModelChecksum of its blob
};
struct ModelCache {
  std::map<std::string, CachedModel> models;
  size_t bytes = 0;  // the serialized size of the models held
  uint64 invalidations = 0;  // received, so that one during a read is not lost
  Oid models_relid = InvalidOid;
};
// At most this many models, of this many serialized bytes in all, are kept per backend
// (the job worker lives long and may meet every model of the database): beyond, the
// cache starts again empty.
constexpr size_t kMaxCachedModels = 32;
constexpr size_t kMaxCachedModelBytes = size_t{64} << 20;
ModelCache* model_cache = nullptr;

void InvalidateModels(Datum, Oid relid) {
  if (model_cache && (relid == InvalidOid || relid == model_cache->models_relid ||
                      model_cache->models_relid == InvalidOid)) {
    model_cache->models.clear();
    model_cache->bytes = 0;
    ++model_cache->invalidations;
  }
}

// Which version of a builtin model decided: the SHA-256 that ends its blob (in hex), as
// its model.train ledger entry records it and comply.models holds it (the last 32 bytes
// of the model column).
std::string ModelChecksum(std::string_view blob) {
  return blob.size() >= 32 ? ledger::ToHex(blob.substr(blob.size() - 32)) : std::string();
}

// The builtin model called name (and, in checksum, ModelChecksum of it); throws 42704
// if there is none, naming comply.ai_model when the name is that setting's (by_setting).
std::shared_ptr<const ai::Model> LoadModel(const std::string& name, std::string* checksum = nullptr,
                                           bool by_setting = false) {
  if (!model_cache) model_cache = new ModelCache();
  auto it = model_cache->models.find(name);
  if (it != model_cache->models.end()) {
    if (checksum) *checksum = it->second.checksum;
    return it->second.model;
  }
  std::optional<std::string> blob;
  const uint64 invalidations = model_cache->invalidations;
  {
    AsExtensionOwner owner("models");
    SpiScope spi;
    ConfigSnapshot snapshot;
    Oid types[1] = {TEXTOID};
    Datum values[1] = {PgCall([&] { return CStringGetTextDatum(name.c_str()); })};
    if (SpiExec("SELECT model FROM comply.models WHERE name = $1", 1, types, values, nullptr, true,
                SPI_OK_SELECT) > 0)
      blob = SpiBytes(0, 1);
    model_cache->models_relid = PgCall(
        [] { return get_relname_relid("models", get_namespace_oid("comply", false)); });
  }
  if (!blob && by_setting)
    throw Error(sqlstate::kUndefinedObject,
                "builtin model " + ShownName(name, 63) + " named by comply.ai_model does not exist",
                "comply.ai_provider is \"builtin\": comply.ai_model is read as the name of a "
                "model of comply.models.",
                "Train it with comply.train_classifier(), or set comply.ai_provider to "
                "\"openai\" for a provider's model.");
  if (!blob)
    throw Error(sqlstate::kUndefinedObject, "builtin model " + ShownName(name, 63) + " does not exist", {},
                "Train one with comply.train_classifier().");
  auto model = std::make_shared<const ai::Model>(ai::Model::Deserialize(*blob));
  if (checksum) *checksum = ModelChecksum(*blob);
  // A change received while reading may not be in what was read: not kept.
  if (model_cache->invalidations != invalidations) return model;
  if (model_cache->models.size() >= kMaxCachedModels ||
      model_cache->bytes + blob->size() > kMaxCachedModelBytes) {
    model_cache->models.clear();
    model_cache->bytes = 0;
  }
  model_cache->models[name] = {model, ModelChecksum(*blob)};
  model_cache->bytes += blob->size();
  return model;
}

// ---------------------------------------------------------------------------------
// Arguments.

struct ModelSpec {
  std::string provider;  // "builtin" or "openai"
  std::string model;
  bool by_setting = false;  // named by comply.ai_provider and comply.ai_model
};

// The provider and model named by model (builtin name, "builtin:<name>" or
// "openai:<model>"), or by comply.ai_provider / comply.ai_model when it is null.
ModelSpec ResolveModel(const std::optional<std::string>& model) {
  ModelSpec spec;
  if (model) {
    if (model->rfind("openai:", 0) == 0) {
      spec = {"openai", model->substr(7)};
    } else if (model->rfind("builtin:", 0) == 0) {
      spec = {"builtin", model->substr(8)};
    } else {
      spec = {"builtin", *model};
    }
  } else {
    spec = {ai_provider ? ai_provider : "builtin", ai_model ? ai_model : "", true};
  }
  if (spec.model.empty() && model)
    throw Error(sqlstate::kInvalidParameterValue,
                model->empty() ? std::string("the model argument is empty")
                               : "the model argument " + ShownName(*model) + " names no model after its provider",
                {}, "Pass a builtin model's name or 'openai:<model>', or NULL for comply.ai_model.");
  if (spec.model.empty())
    throw Error(sqlstate::kInvalidParameterValue, "no model given",
                "Neither the model argument nor comply.ai_model names a model.",
                "Pass a builtin model's name or 'openai:<model>', or set comply.ai_model.");
  // Sent to the endpoint as it is (the text is redacted, the model name is not) and
  // stored with the job, the interaction and the decision: a name, not data passed in
  // the wrong argument. (A builtin model's name is one of comply.models, checked when
  // it was trained.)
  if (spec.provider == "openai" && !IsOpenAiModelName(spec.model))
    throw Error(sqlstate::kInvalidParameterValue,
                "openai model " + ShownName(spec.model, kMaxOpenAiModelName) +
                    " is not a valid model name",
                model ? "" : "The model is comply.ai_model's.", kOpenAiModelNameHint);
  return spec;
}

std::optional<std::string> OptText(FunctionCallInfo fcinfo, int argno) {
  if (PG_NARGS() <= argno || PG_ARGISNULL(argno)) return std::nullopt;
  text* t = PgCall([&] { return PG_GETARG_TEXT_PP(argno); });  // may detoast
  return std::string(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t));
}

// The labels argument: null, or a non-empty array of distinct non-empty labels.
std::optional<std::vector<std::string>> LabelsArg(FunctionCallInfo fcinfo, int argno) {
  if (PG_NARGS() <= argno || PG_ARGISNULL(argno)) return std::nullopt;
  Datum* elems = nullptr;
  bool* nulls = nullptr;
  int n = 0;
  int ndim = 0;
  PgCall([&] {
    ArrayType* arr = PG_GETARG_ARRAYTYPE_P(argno);
    ndim = ARR_NDIM(arr);
    deconstruct_array(arr, TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulls, &n);
  });
  // (ARRAY[['hr', 'legal'], ['pci', 'phi']] was read flat; review_enqueue refuses it.)
  if (ndim > 1) throw Error(sqlstate::kInvalidParameterValue, "labels must be a one-dimensional array");
  std::vector<std::string> labels;
  for (int i = 0; i < n; ++i) {
    if (nulls[i])
      throw Error(sqlstate::kInvalidParameterValue, "labels must not contain nulls");
    text* t = PgCall([&] { return DatumGetTextPP(elems[i]); });
    labels.emplace_back(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t));
    if (labels.back().empty()) throw Error(sqlstate::kInvalidParameterValue, "labels must not be empty strings");
    // Sent to a provider and stored with the job, the decision and the review case.
    if (std::string problem = LabelProblem(labels.back()); !problem.empty())
      throw Error(sqlstate::kInvalidParameterValue, "label " + std::to_string(i + 1) + " " + problem,
                  "Labels are sent to the AI provider and stored with the jobs, decisions and "
                  "review cases that reviewers read.",
                  "The text to classify is the first argument, its labels the second: are they swapped?");
    // (A label given twice counts once: ARRAY['hr', 'hr'] would be one label, decided
    // with confidence 1.)
    if (std::find(labels.begin(), labels.end() - 1, labels.back()) != labels.end() - 1)
      throw Error(sqlstate::kInvalidParameterValue, "labels must be distinct");
  }
  if (labels.empty()) throw Error(sqlstate::kInvalidParameterValue, "labels must not be an empty array");
  return labels;
}

Datum TextArrayDatum(const std::vector<std::string>& labels) {
  return PgCall([&] {
    Datum* elems = static_cast<Datum*>(palloc(sizeof(Datum) * labels.size()));
    for (size_t i = 0; i < labels.size(); ++i) elems[i] = CStringGetTextDatum(labels[i].c_str());
    return PointerGetDatum(construct_array(elems, static_cast<int>(labels.size()), TEXTOID, -1,
                                           false, TYPALIGN_INT));
  });
}

Datum TextDatum(const std::string& s) {
  return PgCall([&] { return PointerGetDatum(cstring_to_text_with_len(s.data(), s.size())); });
}

// Host part of an endpoint URL, for the record (never a key or a path).
std::string HostOf(const std::string& url) {
  size_t start = url.find("://");
  start = start == std::string::npos ? 0 : start + 3;
  size_t end = url.find_first_of("/?#", start);
  std::string host = url.substr(start, end == std::string::npos ? std::string::npos : end - start);
  size_t at = host.rfind('@');
  return at == std::string::npos ? host : host.substr(at + 1);
}

double MillisSince(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

// Members of the small JSON objects kept in the record and the ledger.
void AddField(std::string& out, const char* key, const std::string& value) {
  out += out.size() > 1 ? "," : "";
  json::AppendQuoted(out, key);
  out += ':';
  json::AppendQuoted(out, value);
}
void AddRaw(std::string& out, const char* key, const std::string& raw) {
  out += out.size() > 1 ? "," : "";
  json::AppendQuoted(out, key);
  out += ':';
  out += raw;
}
std::string Num(double d) {
  if (!std::isfinite(d)) return "null";
  // The shortest of 15 or 17 significant digits that reads back as d: a confidence and
  // the threshold it was routed by must not round to the same text.
  char buf[32];
  snprintf(buf, sizeof(buf), "%.15g", d);
  if (std::strtod(buf, nullptr) != d) snprintf(buf, sizeof(buf), "%.17g", d);
  return buf;
}

// ---------------------------------------------------------------------------------
// The record of every call: comply.ai_interactions.

struct Interaction {
  std::string provider, model, endpoint_host, requested_by, prompt;
  std::optional<std::string> response, label, error;
  std::optional<double> confidence;
  std::string outcome = "ok";
  std::optional<int64> http_status, prompt_tokens, completion_tokens, job_id;
  double latency_ms = 0;
  bool clear_text = false;
  // An openai answer's rationale, not yet redacted: RecordInteraction makes the
  // response {"label", "confidence", "rationale" (redacted)} from it.
  std::optional<std::string> rationale;
};

// Inserts the interaction (as the extension's owner); returns its id. Needs SPI.
// The longest rationale kept, in bytes (and at most half of comply.max_input_bytes,
// which redaction refuses beyond): a model's rationale is a sentence or two, and a
// longer one made its redaction fail, and with it the job worker's whole round, again
// and again.
constexpr size_t kMaxRationaleBytes = 4096;

// rationale (redacted already) cut to at most max bytes and marked so with its length
// before (original_size), never inside a run of characters that could belong to a value
// (letters, digits, any non-ASCII character and @._%+-'), such as a label. The run cut
// is dropped whole, and so is the label it belongs to, its '[' with it ("... [EMAIL_ADD"
// ended in a lone '['), and the blanks before the mark.
std::string CutRationale(const std::string& rationale, size_t max, size_t original_size) {
  if (rationale.size() <= max) return rationale;
  auto in_value = [](unsigned char c) {
    return c >= 0x80 || (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') ||
           c == '@' || c == '.' || c == '_' || c == '%' || c == '+' || c == '-' || c == '\'';
  };
  size_t cut = max;
  if (in_value(static_cast<unsigned char>(rationale[cut])))
    while (cut > 0 && in_value(static_cast<unsigned char>(rationale[cut - 1]))) --cut;
  // Inside a label ("[US_SSN]", "[EMAIL_ADDRESS]#2", a policy's own): from its '['.
  const size_t open = rationale.rfind('[', cut == 0 ? 0 : cut - 1);
  if (open != std::string::npos && cut > open && cut - open <= 64 &&
      rationale.find(']', open) >= cut)
    cut = open;
  while (cut > 0 && (rationale[cut - 1] == ' ' || rationale[cut - 1] == '\n' || rationale[cut - 1] == '\t'))
    --cut;
  return rationale.substr(0, cut) + " [rationale cut: " + std::to_string(original_size) + " bytes]";
}

int64 RecordInteraction(const Interaction& in) {
  Interaction r = in;
  if (r.rationale && r.label && r.confidence) {
    std::string response = "{";
    AddField(response, "label", *r.label);
    AddRaw(response, "confidence", Num(*r.confidence));
    const size_t max_rationale =
        std::min(kMaxRationaleBytes, static_cast<size_t>(max_input_bytes) / 2);
    // Redacted, then cut: cut first, a value split by the cut escaped detection (a card
    // number written in groups kept 12 digits in clear, "4111 1111 1111 | 1111"). What
    // redaction takes is bounded by comply.max_input_bytes, at least twice max_rationale:
    // a value split there lies past the part kept (cut at a character's boundary).
    const std::string& full = *r.rationale;
    size_t bound = std::min(full.size(), static_cast<size_t>(max_input_bytes));
    while (bound > 0 && bound < full.size() && (static_cast<unsigned char>(full[bound]) & 0xC0) == 0x80)
      --bound;
    AddField(response, "rationale",
             CutRationale(RedactTextDefault(std::string_view(full).substr(0, bound)), max_rationale,
                          full.size()));
    response += "}";
    r.response = response;
  }
  constexpr int n = 16;
  Oid types[n] = {TEXTOID, TEXTOID, TEXTOID, INT8OID,   TEXTOID, TEXTOID, TEXTOID, TEXTOID,
                  FLOAT8OID, TEXTOID, INT4OID, TEXTOID, FLOAT8OID, INT4OID, INT4OID, BOOLOID};
  Datum v[n];
  char nulls[n];
  for (int i = 0; i < n; ++i) nulls[i] = ' ';
  auto text_or_null = [&](int i, const std::optional<std::string>& s) {
    if (s) v[i] = TextDatum(*s); else { v[i] = 0; nulls[i] = 'n'; }
  };
  auto int_or_null = [&](int i, const std::optional<int64>& x, bool four) {
    if (x) v[i] = four ? Int32GetDatum(static_cast<int32>(*x)) : Int64GetDatum(*x);
    else { v[i] = 0; nulls[i] = 'n'; }
  };
  v[0] = TextDatum(r.provider);
  v[1] = TextDatum(r.model);
  text_or_null(2, r.endpoint_host.empty() ? std::nullopt : std::optional<std::string>(r.endpoint_host));
  int_or_null(3, r.job_id, false);
  v[4] = TextDatum(r.requested_by);
  v[5] = TextDatum(r.prompt);
  text_or_null(6, r.response);
  text_or_null(7, r.label);
  if (r.confidence) v[8] = Float8GetDatum(*r.confidence); else { v[8] = 0; nulls[8] = 'n'; }
  v[9] = TextDatum(r.outcome);
  int_or_null(10, r.http_status, true);
  text_or_null(11, r.error);
  v[12] = Float8GetDatum(r.latency_ms);
  int_or_null(13, r.prompt_tokens, true);
  int_or_null(14, r.completion_tokens, true);
  v[15] = BoolGetDatum(r.clear_text);
  SpiExec("INSERT INTO comply.ai_interactions (provider, model, endpoint_host, job_id, requested_by, "
          "prompt, response, label, confidence, outcome, http_status, error, latency_ms, "
          "prompt_tokens, completion_tokens, clear_text) "
          "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) "
          "RETURNING id",
          n, types, v, nulls, false, SPI_OK_INSERT_RETURNING);
  return SpiInt(0, 1).value_or(0);
}

// The interaction as a JSON object for DeferRecord (the prompt is shortened to fit).
std::string InteractionJson(const Interaction& r) {
  auto opt_text = [](std::string& out, const char* key, const std::optional<std::string>& v) {
    if (v) AddField(out, key, *v);
  };
  auto opt_int = [](std::string& out, const char* key, const std::optional<int64>& v) {
    if (v) AddRaw(out, key, std::to_string(*v));
  };
  std::string prompt = r.prompt;
  constexpr size_t kPromptBudget = kDeferredRecordBytes / 2;
  if (prompt.size() > kPromptBudget) {
    size_t cut = kPromptBudget;
    while (cut > 0 && (static_cast<unsigned char>(prompt[cut]) & 0xC0) == 0x80) --cut;
    prompt = prompt.substr(0, cut) + " [truncated]";
  }
  std::string out = "{";
  char at[32];
  snprintf(at, sizeof(at), "%.6f",
           std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count());
  AddRaw(out, "at_epoch", at);
  AddField(out, "provider", r.provider);
  AddField(out, "model", r.model);
  if (!r.endpoint_host.empty()) AddField(out, "endpoint_host", r.endpoint_host);
  opt_int(out, "job_id", r.job_id);
  AddField(out, "requested_by", r.requested_by);
  AddField(out, "prompt", prompt);
  opt_text(out, "response", r.response);
  opt_text(out, "label", r.label);
  if (r.confidence) AddRaw(out, "confidence", Num(*r.confidence));
  AddField(out, "outcome", r.outcome);
  opt_int(out, "http_status", r.http_status);
  opt_text(out, "error", r.error);
  AddRaw(out, "latency_ms", Num(r.latency_ms));
  opt_int(out, "prompt_tokens", r.prompt_tokens);
  opt_int(out, "completion_tokens", r.completion_tokens);
  AddRaw(out, "clear_text", r.clear_text ? "true" : "false");
  out += "}";
  return out;
}

// Appends a ledger entry as whoever runs it (not through comply.audit(), which refuses
// the classifier's action names to its callers).
void Audit(const std::string& action, const std::string& object, const std::string& details) {
  (void)AppendOwnAudit(action, object, details);
}

// The ledger's record that text went to a provider in clear (docs/ai.md): the interaction,
// the model, and, as they are (the ledger redacts the rest), the endpoint's host (an IP
// address to the detector, but the evidence of where the text went: the interaction
// itself is purged after comply.ai_retention) and the role that asked for the call.
void AuditClearTextSent(int64 interaction_id, const std::string& model, const std::string& host,
                        const std::string& requested_by, const std::string& outcome) {
  std::string details = "{";
  AddRaw(details, "interaction_id", std::to_string(interaction_id));
  AddField(details, "model", model);
  AddField(details, "outcome", outcome);
  details += "}";
  std::string clear = "{";
  AddField(clear, "endpoint_host", host);
  AddField(clear, "requested_by", requested_by);
  clear += "}";
  (void)AppendOwnAudit("ai.clear_text_sent",
                       "comply.ai_interactions/" + std::to_string(interaction_id), details, clear);
}

// The records of provider calls that comply.classify() wrote in the open transaction, by
// subtransaction: the provider has the text whatever becomes of the transaction, so the
// records of those that roll back (the transaction, or the statement in a savepoint, fails
// after the call) are handed to the job worker, which writes them (and the clear-text
// entry of a clear-text call) in a transaction of its own, as a failed call's is.
struct SentRecord {
  SubTransactionId subid;
  std::string json;
};
std::vector<SentRecord>* sent_records = nullptr;

// Hands over the records of subtransaction subid (all: InvalidSubTransactionId).
// Runs in PostgreSQL's callbacks: nothing may escape.
void HandOverSent(SubTransactionId subid) noexcept {
  try {
    auto keep = sent_records->begin();
    for (auto it = sent_records->begin(); it != sent_records->end(); ++it) {
      if (subid == InvalidSubTransactionId || it->subid == subid) {
        (void)DeferRecord("interaction", it->json);
      } else {
        if (keep != it) *keep = std::move(*it);
        ++keep;
      }
    }
    sent_records->erase(keep, sent_records->end());
  } catch (...) {
    sent_records->clear();
  }
}

void SentRecordsAtXact(XactEvent event, void*) {
  if (sent_records == nullptr || sent_records->empty()) return;
  if (event == XACT_EVENT_ABORT || event == XACT_EVENT_PARALLEL_ABORT)
    HandOverSent(InvalidSubTransactionId);
  else if (event == XACT_EVENT_COMMIT || event == XACT_EVENT_PARALLEL_COMMIT ||
           event == XACT_EVENT_PREPARE)
    sent_records->clear();
}

void SentRecordsAtSubXact(SubXactEvent event, SubTransactionId my_subid,
                          SubTransactionId parent_subid, void*) {
  if (sent_records == nullptr || sent_records->empty()) return;
  if (event == SUBXACT_EVENT_ABORT_SUB) {
    HandOverSent(my_subid);
  } else if (event == SUBXACT_EVENT_COMMIT_SUB) {
    for (SentRecord& r : *sent_records)
      if (r.subid == my_subid) r.subid = parent_subid;
  }
}

// Keeps the record of a call written in this transaction, for SentRecordsAtXact.
void KeepSentRecord(std::string json) {
  if (sent_records == nullptr) {
    sent_records = new std::vector<SentRecord>();
    PgCall([] {
      RegisterXactCallback(SentRecordsAtXact, nullptr);
      RegisterSubXactCallback(SentRecordsAtSubXact, nullptr);
    });
  }
  const SubTransactionId subid = PgCall([] { return GetCurrentSubTransactionId(); });
  sent_records->push_back({subid, std::move(json)});
}

// ---------------------------------------------------------------------------------
// Providers.

// A classification result, or why there is none.
struct Answer {
  bool ok = false;
  std::string label;
  double confidence = 0;
  ai::Disposition disposition = ai::Disposition::kPermanent;  // when !ok
  std::optional<double> retry_after;
  std::string error;  // when !ok: a short reason without content
};

// Classifies redacted text with a builtin model.
Answer ClassifyBuiltin(const ai::Model& model, const std::string& checksum, const std::string& text,
                       const std::optional<std::vector<std::string>>& labels, Interaction* rec) {
  auto t0 = std::chrono::steady_clock::now();
  ai::Prediction p = model.Predict(text, labels ? &*labels : nullptr);
  rec->latency_ms = MillisSince(t0);
  std::string response = "{";
  AddField(response, "label", p.label);
  AddRaw(response, "confidence", Num(p.confidence));
  std::string probs = "{";
  for (const auto& [label, prob] : p.probabilities) AddRaw(probs, label.c_str(), Num(prob));
  probs += "}";
  AddRaw(response, "probabilities", probs);
  AddField(response, "model_checksum", checksum);
  response += "}";
  rec->response = response;
  rec->label = p.label;
  rec->confidence = p.confidence;
  Answer a;
  a.ok = true;
  a.label = p.label;
  a.confidence = p.confidence;
  return a;
}

// The provider's settings, read when a call is made.
struct ProviderConfig {
  std::string url;
  std::string host;
  std::string api_key;
  long timeout_ms;
};

ProviderConfig CurrentProvider() {
  if (!ai_endpoint || !*ai_endpoint)
    throw Error(sqlstate::kObjectNotInPrerequisiteState, "comply.ai_endpoint is not set", {},
                "A superuser sets it to the provider's base URL, such as https://api.openai.com/v1.");
  ProviderConfig c;
  c.url = ai::ChatCompletionsUrl(ai_endpoint);
  c.host = HostOf(c.url);
  if (ai_api_key_file && *ai_api_key_file) c.api_key = ai::ReadApiKeyFile(ai_api_key_file);
  c.timeout_ms = ai_timeout;
  return c;
}

ai::HttpRequest MakeRequest(const ProviderConfig& c, const std::string& model,
                            const std::vector<std::string>& labels, const std::string& text) {
  ai::HttpRequest req;
  req.url = c.url;
  req.headers = ai::RequestHeaders(c.api_key);
  req.body = ai::BuildChatBody({model, labels, text});
  req.timeout_ms = c.timeout_ms;
  req.connect_timeout_ms = std::min<long>(c.timeout_ms, kConnectTimeoutSeconds * 1000L);
  return req;
}

// Turns the provider's HTTP response into an answer, filling the record.
Answer JudgeResponse(ai::HttpResponse& resp, const std::vector<std::string>& labels,
                     Interaction* rec) {
  Answer a;
  rec->latency_ms = resp.elapsed_ms;
  if (resp.outcome == ai::HttpResponse::Outcome::kResponse) rec->http_status = resp.status;
  ai::Verdict v = ai::Judge(resp);
  if (v.d != ai::Disposition::kSuccess) {
    a.disposition = v.d;
    a.retry_after = v.retry_after_seconds;
    a.error = v.reason;
    rec->error = v.reason;
    switch (resp.outcome) {
      case ai::HttpResponse::Outcome::kResponse: rec->outcome = "http_error"; break;
      case ai::HttpResponse::Outcome::kTimeout: rec->outcome = "timeout"; break;
      default: rec->outcome = "transport_error"; break;
    }
    return a;
  }
  try {
    ai::ChatAnswer ans = ai::ParseChatResponse(resp.body, labels);
    a.ok = true;
    a.label = ans.label;
    a.confidence = ans.confidence;
    rec->label = ans.label;
    rec->confidence = ans.confidence;
    if (ans.prompt_tokens) rec->prompt_tokens = *ans.prompt_tokens;
    if (ans.completion_tokens) rec->completion_tokens = *ans.completion_tokens;
    // The answer is kept with its rationale redacted (a model may repeat what it was
    // sent); RecordInteraction redacts it, inside a transaction (the worker calls this
    // with none open, where the detector could not be loaded).
    rec->rationale = ans.rationale;
  } catch (const Error& e) {
    // Not the JSON asked for, or a label outside the set: an error, never a guess.
    a.disposition = ai::Disposition::kRetry;
    a.error = e.what();
    rec->outcome = "invalid_answer";
    rec->error = e.what();
  }
  return a;
}

// ---------------------------------------------------------------------------------
// Jobs.

struct Job {
  int64 id = 0;
  std::string input;  // redacted
  std::optional<std::vector<std::string>> labels;
  std::string provider, model, queue, created_by;
  std::string model_checksum;  // a builtin model's, once loaded (ModelChecksum)
  std::optional<std::string> subject;  // jsonb text
  int attempts = 0;
  // Filled by Call (openai) or Finish (builtin).
  bool called = false;
  bool deferred = false;  // not attempted (circuit open): back to the queue as it was
  double defer_seconds = 0;
  Answer answer;
  Interaction rec;
  bool rec_handed_over = false;  // rec given to DeferRecord (not to be recorded again)
};

// The circuit breaker of each provider endpoint, shared by every process of the server
// (the job workers, comply.run_jobs() in any session: a cron job's new connection used to
// start with a closed breaker of its own and send a whole batch to a provider the worker
// had found down) when pg_comply is preloaded; without shared memory, each process's own.
// An endpoint is known by a hash of its URL; with more endpoints than slots, the one used
// least recently gives its slot up.
constexpr int kBreakerSlots = 8;
struct BreakerSlot {
  uint64 url_hash;   // 0: free
  uint64 last_used;  // BreakerShared::clock when last used
  ai::CircuitBreaker::Data data;
  int failures;  // consecutive failed calls, for comply.ai_provider_status
};
struct BreakerShared {
  slock_t mutex;
  uint64 clock;
  BreakerSlot slots[kBreakerSlots];
};
BreakerShared* shared_breakers = nullptr;
BreakerShared local_breakers;  // without shared memory (its mutex unused)

double NowSeconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// The slot of url_hash, taken if need be (the caller holds the mutex).
BreakerSlot& BreakerSlotOf(BreakerShared& b, uint64 url_hash) {
  BreakerSlot* pick = nullptr;
  for (BreakerSlot& s : b.slots) {
    if (s.url_hash == url_hash) {
      pick = &s;
      break;
    }
    if (!pick || (pick->url_hash != 0 && (s.url_hash == 0 || s.last_used < pick->last_used))) pick = &s;
  }
  if (pick->url_hash != url_hash) {
    pick->url_hash = url_hash;
    pick->data = ai::CircuitBreaker::Data();
    pick->failures = 0;
  }
  pick->last_used = ++b.clock;
  return *pick;
}

// Runs f(breaker, failures) on url's breaker, under the shared breakers' lock: f only
// asks and records (no error can be raised, nothing waits), and what it changes is kept
// for every process. The settings apply as they are now (comply.ai_breaker_threshold,
// comply.ai_breaker_cooldown, at most ten times that after failed probes); a probe whose
// outcome is not recorded within comply.ai_timeout and 5 s (its process stopped) no
// longer holds the others back.
template <class F>
auto WithBreaker(const std::string& url, F&& f) {
  uint64 h = static_cast<uint64>(hash_bytes_extended(reinterpret_cast<const unsigned char*>(url.data()),
                                                     static_cast<int>(url.size()), 0));
  if (h == 0) h = 1;
  ai::CircuitBreaker breaker(ai_breaker_threshold, ai_breaker_cooldown / 1000.0,
                             ai_breaker_cooldown * 10 / 1000.0, ai_timeout / 1000.0 + 5);
  BreakerShared& b = shared_breakers ? *shared_breakers : local_breakers;
  if (shared_breakers) SpinLockAcquire(&b.mutex);
  BreakerSlot& slot = BreakerSlotOf(b, h);
  breaker.Load(slot.data);
  auto result = f(breaker, slot.failures);
  slot.data = breaker.data();
  if (shared_breakers) SpinLockRelease(&b.mutex);
  return result;
}

const char* StateName(ai::CircuitBreaker::State s) {
  switch (s) {
    case ai::CircuitBreaker::State::kClosed: return "closed";
    case ai::CircuitBreaker::State::kOpen: return "open";
    default: return "half-open";
  }
}

}  // namespace

struct JobRound::Impl {
  std::vector<Job> jobs;
  std::optional<ProviderConfig> provider;
  std::string provider_error;  // configuration problem, applied to every openai job
  std::string breaker_error;
  std::string breaker_url;  // the endpoint whose breaker this round asked
};

JobRound::JobRound() : impl_(std::make_unique<Impl>()) {}
JobRound::~JobRound() = default;

int JobRound::Claim(int max) {
  {
    AsExtensionOwner owner("ai_jobs");
    SpiScope spi;
    // Jobs left running by a worker that is gone (crash, restart) go back to the queue;
    // the attempt they used is given back, since no answer was recorded for it.
    // (Not waiting for a job a transaction holds: the next round looks again.)
    SpiExec("UPDATE comply.ai_jobs SET status = 'queued', attempts = greatest(attempts - 1, 0), "
            "worker_pid = NULL, locked_until = NULL "
            "WHERE id IN (SELECT id FROM comply.ai_jobs WHERE status = 'running' AND (locked_until < now() "
            "OR NOT EXISTS (SELECT 1 FROM pg_catalog.pg_stat_activity a WHERE a.pid = worker_pid)) "
            "FOR UPDATE SKIP LOCKED)",
            0, nullptr, nullptr, nullptr, false, SPI_OK_UPDATE);
    Oid types[2] = {INT4OID, INT4OID};
    // A claim lasts longer than the round can: its requests run ai_concurrency at a time,
    // each within the connect and total timeouts, and nothing is committed before all
    // are answered. (It lasted two timeouts: a batch of 32 at a concurrency of 1 and a
    // slow provider outlived it, and a comply.run_jobs() call then took the live
    // worker's jobs back, sent them again and discarded its answers.)
    const int waves = (max + std::max(1, ai_concurrency) - 1) / std::max(1, ai_concurrency);
    const int lease = static_cast<int>(std::min<int64>(
        int64{waves} * (ai_timeout / 1000 + kConnectTimeoutSeconds + 1) + 60, 86400));
    Datum values[2] = {Int32GetDatum(max), Int32GetDatum(lease)};
    uint64 n = SpiExec(
        "WITH c AS (SELECT id FROM comply.ai_jobs WHERE status = 'queued' AND next_attempt_at <= now() "
        "ORDER BY next_attempt_at, id LIMIT $1 FOR UPDATE SKIP LOCKED) "
        "UPDATE comply.ai_jobs j SET status = 'running', attempts = j.attempts + 1, "
        "worker_pid = pg_backend_pid(), locked_until = now() + make_interval(secs => $2) "
        "FROM c WHERE j.id = c.id "
        "RETURNING j.id, j.input, array_to_json(j.labels)::text, j.provider, j.model, j.queue, j.subject::text, "
        "j.attempts, j.created_by",
        2, types, values, nullptr, false, SPI_OK_UPDATE_RETURNING);
    impl_->jobs.clear();
    for (uint64 i = 0; i < n; ++i) {
      Job j;
      j.id = SpiInt(i, 1).value_or(0);
      j.input = SpiText(i, 2).value_or("");
      if (std::optional<std::string> arr = SpiText(i, 3)) {
        json::Value v = json::Parse(*arr);
        j.labels.emplace();
        for (const json::Value& l : v.as_array()) j.labels->push_back(l.as_string());
      }
      j.provider = SpiText(i, 4).value_or("");
      j.model = SpiText(i, 5).value_or("");
      j.queue = SpiText(i, 6).value_or("default");
      j.subject = SpiText(i, 7);
      j.attempts = static_cast<int>(SpiInt(i, 8).value_or(1));
      j.created_by = SpiText(i, 9).value_or("");
      impl_->jobs.push_back(std::move(j));
    }
  }
  // (Counted as claimed: they left the queue.)
  const int claimed = static_cast<int>(impl_->jobs.size());
  DropJobsOfGoneRows();
  return claimed;
}

std::vector<int64_t> JobRound::CancelJobsOfGoneRows(const std::string& reason) {
  std::vector<int64> ids;
  for (const Job& j : impl_->jobs)
    if (j.subject) ids.push_back(j.id);
  return pg::CancelJobsOfGoneRows(ids, reason);
}

void JobRound::DropJobsOfGoneRows() {
  // A row whose partition was dropped, detached or truncated, or that was deleted while
  // its table's triggers did not fire, left its jobs queued: nothing of it is sent.
  const std::vector<int64> gone =
      CancelJobsOfGoneRows("the row was no longer in its table when the job was due");
  if (gone.empty()) return;
  impl_->jobs.erase(std::remove_if(impl_->jobs.begin(), impl_->jobs.end(),
                                   [&](const Job& j) {
                                     return std::find(gone.begin(), gone.end(), j.id) != gone.end();
                                   }),
                    impl_->jobs.end());
}

void JobRound::Call(const CancelCheck& cancel) {
  std::vector<Job*> http_jobs;
  for (Job& j : impl_->jobs)
    if (j.provider == "openai") http_jobs.push_back(&j);
  if (http_jobs.empty()) return;
  try {
    impl_->provider = CurrentProvider();
  } catch (const Error& e) {
    impl_->provider_error = e.what();
    return;
  }
  const std::string url = impl_->provider->url;
  impl_->breaker_url = url;
  std::vector<ai::HttpRequest> requests;
  std::vector<Job*> sent;
  for (Job* j : http_jobs) {
    if (!j->labels) {
      j->answer.error = "an openai job needs labels";
      j->rec.outcome = "error";
      continue;
    }
    j->rec.provider = "openai";
    j->rec.model = j->model;
    j->rec.endpoint_host = impl_->provider->host;
    j->rec.prompt = j->input;
    requests.push_back(MakeRequest(*impl_->provider, j->model, *j->labels, j->input));
    sent.push_back(j);
  }
  // The breaker is asked before each request starts: a closed circuit lets every one
  // through, an open one none (not even the rest of this batch once it opens), a
  // half-open one a single probe. Jobs not sent go back to the queue unchanged.
  std::vector<bool> started(sent.size(), false);
  std::vector<bool> probe(sent.size(), false);  // let through by an open or half-open breaker
  auto may_start = [&](size_t i) {
    const double now = NowSeconds();
    struct Verdict { bool allowed, probe; double defer; };
    Verdict v = WithBreaker(url, [&](ai::CircuitBreaker& breaker, int&) {
      const bool closed = breaker.state() == ai::CircuitBreaker::State::kClosed;
      if (breaker.Allow(now)) return Verdict{true, !closed, 0};
      return Verdict{false, false,
                     breaker.state() == ai::CircuitBreaker::State::kOpen
                         ? std::max(0.1, breaker.open_until() - now)
                         : 0.5};  // half-open: waiting for the probe's outcome
    });
    if (v.allowed) {
      started[i] = true;
      probe[i] = v.probe;
      return true;
    }
    sent[i]->deferred = true;
    sent[i]->defer_seconds = v.defer;
    return false;
  };
  const auto t0 = std::chrono::steady_clock::now();
  try {
    ai::RunHttp(requests, ai_concurrency, [&](size_t i, ai::HttpResponse&& resp) {
      Job* j = sent[i];
      j->called = true;
      j->answer = JudgeResponse(resp, *j->labels, &j->rec);
      const bool failed = !j->answer.ok && j->rec.outcome != "invalid_answer";
      const double now = NowSeconds();
      WithBreaker(url, [&](ai::CircuitBreaker& breaker, int& failures) {
        if (failed) {
          breaker.RecordFailure(now);
          failures++;
        } else {
          breaker.RecordSuccess();  // an invalid answer too: the provider is up, if wrong
          failures = 0;
        }
        return 0;
      });
      if (failed) impl_->breaker_error = j->answer.error;
    }, cancel, may_start);
  } catch (const Cancelled&) {
    // The worker is stopped (a shutdown, pg_terminate_backend) or the call cancelled
    // while requests are out: their jobs go back to the queue when this process is gone,
    // but the provider has their text. Each is recorded as an interaction, through the
    // hand-over (this transaction, if any, will not commit); the answers already in,
    // whose round will not be recorded, too.
    for (size_t i = 0; i < sent.size(); ++i)
      if (started[i] && probe[i] && !sent[i]->called)  // another process may probe at once
        WithBreaker(url, [](ai::CircuitBreaker& breaker, int&) {
          breaker.AbandonProbe();
          return 0;
        });
    for (size_t i = 0; i < sent.size(); ++i) {
      Job* j = sent[i];
      if (!started[i]) continue;
      if (!j->called) {
        j->rec.outcome = "cancelled";
        j->rec.error = "cancelled while the request was out (the worker stopped, or its call cancelled)";
        j->rec.latency_ms = MillisSince(t0);
      }
      j->rec.job_id = j->id;
      j->rec.requested_by = j->created_by;
      if (!DeferRecord("interaction", InteractionJson(j->rec)))
        PgCall([] {
          ereport(LOG, (errmsg("pg_comply: the record of an AI call cut short could not be kept"),
                        errhidecontext(true), errhidestmt(true)));
        });
    }
    throw;
  }
}

// A job cancelled (still_there) or forgotten while it was classified: no decision, no
// review case, and the job left as it is. What was sent to a provider is still recorded
// as an interaction, masked like any other, since it was disclosed; but not for a job
// forgotten (comply.forget has removed everything derived from its row). The ledger
// records that the answer was discarded.
void DiscardAnswer(Job& j, bool still_there, bool held = false) {
  std::string details = "{";
  AddRaw(details, "job_id", std::to_string(j.id));
  AddField(details, "provider", j.provider);
  AddField(details, "model", j.model);
  // (Not called: the circuit breaker held it back, or the builtin model had not run yet.)
  AddField(details, "reason",
           held ? std::string("another transaction held the job when it was to be recorded "
                              "(it goes back to the queue unless that transaction ends it)")
                : std::string(still_there ? "the job was cancelled " : "the job was forgotten ") +
                      (j.called ? "while it was classified" : "before it was classified"));
  if (still_there && j.called && !j.rec_handed_over) {
    j.rec.job_id = j.id;
    j.rec.requested_by = j.created_by;
    if (held) {
      // Handed over, written once the job is free, unless its holder removes it
      // (comply.forget): WriteDeferredRecords.
      j.rec_handed_over = DeferRecord("interaction", InteractionJson(j.rec));
      if (!j.rec_handed_over)
        PgCall([] {
          ereport(LOG, (errmsg("pg_comply: the record of an AI call whose job was held could not be kept"),
                        errhidecontext(true), errhidestmt(true)));
        });
    } else {
      AddRaw(details, "interaction_id", std::to_string(RecordInteraction(j.rec)));
    }
  }
  details += "}";
  Audit("ai.discarded", "comply.ai_jobs/" + std::to_string(j.id), details);
}

// Locks job j and reads it as it stands now; returns whether it is still running (its
// answer to be recorded). While it was being classified, a DELETE or a change of its
// row may have cancelled it, comply.forget removed it, or a rename of its table changed
// its subject: the answer is then discarded (DiscardAnswer). Not waited for when a
// transaction holds it (a write of its row that cancels it, a comply.forget, left open):
// the worker would wait as long, with every other job, alert and hand-over record behind
// it; left running, it goes back to the queue when its claim expires (Claim), unless
// that transaction ends it, and is classified again.
bool LockRunningJob(Job& j) {
  std::optional<std::string> status;
  bool held = false;
  Oid types[1] = {INT8OID};
  Datum v[1] = {Int64GetDatum(j.id)};
  if (SpiExec("SELECT status, subject::text FROM comply.ai_jobs WHERE id = $1 FOR UPDATE SKIP LOCKED", 1,
              types, v, nullptr, false, SPI_OK_SELECT) > 0) {
    status = SpiText(0, 1);
    j.subject = SpiText(0, 2);
  } else {
    held = SpiExec("SELECT 1 FROM comply.ai_jobs WHERE id = $1", 1, types, v, nullptr, true,
                   SPI_OK_SELECT) > 0;
  }
  if (held) {
    DiscardAnswer(j, true, true);
    return false;
  }
  if (status != std::optional<std::string>("running")) {
    DiscardAnswer(j, status.has_value());
    return false;
  }
  return true;
}

// A failed attempt of job j (its interaction recorded as interaction_id, 0 for none):
// queued again after a delay, or dead-lettered (permanent, or out of attempts) with an
// entry in the ledger and an alert. Returns 1 when the job is finished (dead).
int RecordFailedAttempt(Job& j, bool permanent, int64 interaction_id) {
  const std::string object = "comply.ai_jobs/" + std::to_string(j.id);
  if (permanent || j.attempts >= ai_max_attempts) {
    Oid types[3] = {INT8OID, TEXTOID, INT8OID};
    Datum v[3] = {Int64GetDatum(j.id), TextDatum(j.answer.error), Int64GetDatum(interaction_id)};
    char nulls[3] = {' ', ' ', interaction_id ? ' ' : 'n'};
    SpiExec("UPDATE comply.ai_jobs SET status = 'dead', last_error = $2, interaction_id = $3, "
            "worker_pid = NULL, locked_until = NULL, finished_at = now() WHERE id = $1",
            3, types, v, nulls, false, SPI_OK_UPDATE);
    // The model's name goes into the alert's text, posted to the webhook: shown when
    // it is a name (a job queued before names were checked may hold anything).
    const std::string model = IsOpenAiModelName(j.model)
                                  ? j.model
                                  : "(a model name of " + std::to_string(j.model.size()) +
                                        " bytes, not shown)";
    std::string details = "{";
    AddRaw(details, "job_id", std::to_string(j.id));
    AddField(details, "provider", j.provider);
    AddField(details, "model", model);
    AddRaw(details, "attempts", std::to_string(j.attempts));
    AddField(details, "error", j.answer.error);
    if (interaction_id) AddRaw(details, "interaction_id", std::to_string(interaction_id));
    details += "}";
    Audit("ai.dead_letter", object, details);
    {
      // Someone must hear of it: an alert (texts made here, no content).
      std::string message = "classification job " + std::to_string(j.id) + " (" + j.provider +
                            " " + model + ") was dead-lettered after " +
                            std::to_string(j.attempts) + " attempts: " + j.answer.error;
      Oid types[3] = {TEXTOID, TEXTOID, TEXTOID};
      Datum v[3] = {TextDatum(object), TextDatum(message), TextDatum(details)};
      SpiExec("SELECT comply._raise_alert('dead_letter', $1, $2, $3::jsonb)", 3, types, v, nullptr,
              false, SPI_OK_SELECT);
    }
    return 1;
  } else {
    static std::mt19937_64 rng(std::random_device{}());
    double delay = ai::BackoffSeconds(j.attempts, ai_retry_base / 1000.0, ai_retry_max / 1000.0,
                                      j.answer.retry_after, rng());
    Oid types[4] = {INT8OID, TEXTOID, FLOAT8OID, INT8OID};
    Datum v[4] = {Int64GetDatum(j.id), TextDatum(j.answer.error), Float8GetDatum(delay),
                  Int64GetDatum(interaction_id)};
    char nulls[4] = {' ', ' ', ' ', interaction_id ? ' ' : 'n'};
    SpiExec("UPDATE comply.ai_jobs SET status = 'queued', last_error = $2, interaction_id = $4, "
            "worker_pid = NULL, locked_until = NULL, "
            "next_attempt_at = now() + make_interval(secs => $3) WHERE id = $1",
            4, types, v, nulls, false, SPI_OK_UPDATE);
    return 0;
  }
}

// Records the outcome of job j (provider_error: the round's configuration problem, for
// openai jobs not sent); returns 1 when the job is finished. Needs SPI, as the owner.
int FinishJob(Job& j, const std::string& provider_error) {
  if (!LockRunningJob(j)) return 0;
  if (j.deferred) {
    Oid types[2] = {INT8OID, FLOAT8OID};
    Datum values[2] = {Int64GetDatum(j.id), Float8GetDatum(j.defer_seconds)};
    SpiExec("UPDATE comply.ai_jobs SET status = 'queued', attempts = attempts - 1, "
            "worker_pid = NULL, locked_until = NULL, "
            "next_attempt_at = now() + make_interval(secs => $2) WHERE id = $1",
            2, types, values, nullptr, false, SPI_OK_UPDATE);
    return 0;
  }
  bool permanent = false;
  if (j.provider == "builtin") {
    j.rec.provider = "builtin";
    j.rec.model = j.model;
    j.rec.prompt = j.input;
    try {
      std::shared_ptr<const ai::Model> model = LoadModel(j.model, &j.model_checksum);
      j.answer = ClassifyBuiltin(*model, j.model_checksum, j.input, j.labels, &j.rec);
    } catch (const Error& e) {
      j.answer.error = e.what();
      j.rec.outcome = "error";
      j.rec.error = e.what();
      permanent = true;
    }
  } else if (!j.called) {
    // Not sent: the provider is not configured, or the job cannot be sent.
    j.rec.provider = "openai";
    j.rec.model = j.model;
    j.rec.prompt = j.input;
    j.rec.outcome = "error";
    j.answer.error = !provider_error.empty() ? provider_error : j.answer.error;
    j.rec.error = j.answer.error;
    j.answer.disposition = provider_error.empty() ? ai::Disposition::kPermanent
                                                         : ai::Disposition::kRetry;
  } else {
    permanent = j.answer.disposition == ai::Disposition::kPermanent;
  }
  if (!j.answer.ok && j.answer.disposition == ai::Disposition::kPermanent) permanent = true;
  j.rec.job_id = j.id;
  j.rec.requested_by = j.created_by;
  int64 interaction_id = RecordInteraction(j.rec);
  std::string object = "comply.ai_jobs/" + std::to_string(j.id);
  if (j.answer.ok) {
    bool automatic = j.answer.confidence >= review_threshold;
    int64 case_id = 0;
    std::string details = "{";
    AddRaw(details, "job_id", std::to_string(j.id));
    AddField(details, "provider", j.provider);
    AddField(details, "model", j.model);
    if (!j.model_checksum.empty()) AddField(details, "model_checksum", j.model_checksum);
    AddField(details, "label", j.answer.label);
    AddRaw(details, "confidence", Num(j.answer.confidence));
    AddRaw(details, "threshold", Num(review_threshold));
    AddRaw(details, "interaction_id", std::to_string(interaction_id));
    if (j.subject) AddRaw(details, "subject", *j.subject);
    // Reviewers read decisions and cases: their subject is stored redacted, its keys
    // as well as its values (as in the ledger), like every value they see; the job
    // keeps it whole (ai_jobs, owner only).
    const Datum subject =
        j.subject ? PgCall([&] {
          return PointerGetDatum(DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(j.subject->c_str()))));
        })
                  : (Datum)0;
    const Datum redacted_subject = subject ? PointerGetDatum(RedactJsonbDefault(DatumGetJsonbP(subject))) : (Datum)0;
    if (automatic) {
      Oid types[8] = {INT8OID, JSONBOID, TEXTOID, FLOAT8OID, TEXTOID, TEXTOID, INT8OID, FLOAT8OID};
      Datum v[8] = {Int64GetDatum(j.id), redacted_subject,
                    TextDatum(j.answer.label), Float8GetDatum(j.answer.confidence),
                    TextDatum(j.provider), TextDatum(j.model), Int64GetDatum(interaction_id),
                    Float8GetDatum(review_threshold)};
      char nulls[8] = {' ', j.subject ? ' ' : 'n', ' ', ' ', ' ', ' ', ' ', ' '};
      SpiExec("INSERT INTO comply.model_decisions (job_id, subject, label, confidence, provider, "
              "model, interaction_id, threshold) "
              "VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
              8, types, v, nulls, false, SPI_OK_INSERT);
      AddField(details, "routed", "auto");
      details += "}";
      Audit("ai.decision", object, details);
    } else {
      std::vector<std::string> labels = j.labels ? *j.labels : std::vector<std::string>();
      if (!j.labels && j.provider == "builtin") {
        try {
          labels = LoadModel(j.model)->labels();
        } catch (const Error&) {
        }
      }
      Oid types[11] = {TEXTOID, JSONBOID, TEXTOID, TEXTARRAYOID, TEXTOID, FLOAT8OID,
                       TEXTOID, TEXTOID, INT8OID, INT8OID, TEXTOID};
      Datum v[11] = {TextDatum(j.queue), redacted_subject,
                     TextDatum(j.input), labels.empty() ? (Datum)0 : TextArrayDatum(labels),
                     TextDatum(j.answer.label), Float8GetDatum(j.answer.confidence),
                     TextDatum(j.provider), TextDatum(j.model), Int64GetDatum(j.id),
                     Int64GetDatum(interaction_id), TextDatum(j.created_by)};
      char nulls[11] = {' ', j.subject ? ' ' : 'n', ' ', labels.empty() ? 'n' : ' ',
                        ' ', ' ', ' ', ' ', ' ', ' ', ' '};
      // The job's author by OID too (comply.review_four_eyes compares roles).
      SpiExec("INSERT INTO comply.review_cases (queue, source, subject, payload, labels, model_label, "
              "confidence, provider, model, job_id, interaction_id, created_by, created_by_role, "
              "created_by_invoker_role) "
              "VALUES ($1, 'model', $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, "
              "(SELECT j.created_by_role FROM comply.ai_jobs j WHERE j.id = $9), "
              "(SELECT j.created_by_invoker_role FROM comply.ai_jobs j WHERE j.id = $9)) RETURNING id",
              11, types, v, nulls, false, SPI_OK_INSERT_RETURNING);
      case_id = SpiInt(0, 1).value_or(0);
      AddField(details, "routed", "review");
      AddRaw(details, "case_id", std::to_string(case_id));
      details += "}";
      Audit("ai.review_needed", object, details);
    }
    Oid types[6] = {INT8OID, TEXTOID, FLOAT8OID, INT8OID, TEXTOID, INT8OID};
    Datum v[6] = {Int64GetDatum(j.id), TextDatum(j.answer.label),
                  Float8GetDatum(j.answer.confidence), Int64GetDatum(interaction_id),
                  TextDatum(automatic ? "auto" : "review"), Int64GetDatum(case_id)};
    char nulls[6] = {' ', ' ', ' ', ' ', ' ', case_id ? ' ' : 'n'};
    SpiExec("UPDATE comply.ai_jobs SET status = 'done', label = $2, confidence = $3, "
            "interaction_id = $4, routed_to = $5, case_id = $6, last_error = NULL, "
            "worker_pid = NULL, locked_until = NULL, finished_at = now() WHERE id = $1",
            6, types, v, nulls, false, SPI_OK_UPDATE);
    return 1;
  }
  // A failed attempt: retry later, or dead-letter.
  return RecordFailedAttempt(j, permanent, interaction_id);
}


// Job j's outcome could not be recorded (failure: the error that rolled FinishJob back):
// a failed attempt, whatever the provider answered, with what was sent recorded as an
// interaction. Queued again when a retry may not meet the error (a serialization
// failure or deadlock, a lock not available, resources short), dead-lettered otherwise.
// The error's message is kept redacted (a PostgreSQL error may quote a value). Returns
// 1 when the job is finished.
int RecordUnfinished(Job& j, const SubxactFailure& failure) {
  if (!LockRunningJob(j)) return 0;
  const char* code = unpack_sql_state(failure.sqlerrcode);
  const bool transient = strncmp(code, "40", 2) == 0 || strncmp(code, "53", 2) == 0 ||
                         strcmp(code, "55P03") == 0;
  size_t cut = std::min<size_t>(failure.message.size(), 300);
  while (cut > 0 && cut < failure.message.size() &&
         (static_cast<unsigned char>(failure.message[cut]) & 0xC0) == 0x80)
    --cut;
  j.answer = Answer();
  j.answer.error = "its outcome could not be recorded: " +
                   RedactTextDefault(std::string_view(failure.message).substr(0, cut)) +
                   " (SQLSTATE " + code + ")";
  int64 interaction_id = 0;
  if (!j.rec.provider.empty() && !j.rec_handed_over) {
    j.rec.job_id = j.id;
    j.rec.requested_by = j.created_by;
    interaction_id = RecordInteraction(j.rec);
  }
  return RecordFailedAttempt(j, !transient, interaction_id);
}

int JobRound::Finish() {
  if (impl_->jobs.empty()) return 0;
  // A row gone while its job was classified (its partition dropped, say): the job is
  // cancelled, and its answer discarded below like that of any cancelled job.
  (void)CancelJobsOfGoneRows("the row was no longer in its table when its answer came");
  AsExtensionOwner owner("ai_jobs");
  SpiScope spi;
  int finished = 0;
  // The round in one subtransaction; if a job's outcome cannot be recorded (its subject
  // can no longer be redacted once comply.max_input_bytes was lowered, say: it failed the
  // round, every job claimed with it, and every later round that claimed it again, and
  // was never dead-lettered), the round is recorded again, each job in a subtransaction
  // of its own. (Not one each at once: past 64 subtransactions with an XID, every other
  // session's snapshot looks this transaction's up in pg_subtrans until it ends.)
  // Recording again is recording anew: FinishJob reads the job again and recomputes its
  // outcome; a record handed over (rec_handed_over) is not handed over twice.
  SubxactFailure round_failure;
  if (InSubtransaction(
          [&] {
            for (Job& j : impl_->jobs) {
              PollCancel(InterruptCheck());
              finished += FinishJob(j, impl_->provider_error);
            }
          },
          &round_failure)) {
    RecordBreakerState();
    impl_->jobs.clear();
    return finished;
  }
  finished = 0;
  for (Job& j : impl_->jobs) {
    PollCancel(InterruptCheck());
    SubxactFailure failure;
    if (InSubtransaction([&] { finished += FinishJob(j, impl_->provider_error); }, &failure)) continue;
    SubxactFailure again;
    if (InSubtransaction([&] { finished += RecordUnfinished(j, failure); }, &again)) continue;
    // Not even that: the job stays claimed until its claim expires. What was sent is
    // still recorded, through the hand-over.
    if (j.called && !j.rec_handed_over) {
      j.rec.job_id = j.id;
      j.rec.requested_by = j.created_by;
      j.rec_handed_over = DeferRecord("interaction", InteractionJson(j.rec));
    }
    const int64 id = j.id;
    const int code = again.sqlerrcode;
    PgCall([&] {
      ereport(WARNING, (errcode(code),
                        errmsg("pg_comply: the outcome of classification job %lld could not be recorded",
                               static_cast<long long>(id)),
                        errdetail("It stays claimed until its claim expires."),
                        errhidecontext(true), errhidestmt(true)));
    });
  }
  RecordBreakerState();
  impl_->jobs.clear();
  return finished;
}

void JobRound::RecordBreakerState() {
  // The circuit breaker's state, for people to see.
  if (!impl_->breaker_url.empty() && impl_->provider) {
    struct Seen { ai::CircuitBreaker::State state; int failures; double open_until; };
    const Seen seen = WithBreaker(impl_->breaker_url, [](ai::CircuitBreaker& b, int& failures) {
      return Seen{b.state(), failures, b.open_until()};
    });
    static std::string last_state;  // this process's last row
    std::string state = StateName(seen.state);
    if (state != last_state || state != "closed") {
      double until = seen.state == ai::CircuitBreaker::State::kClosed ? 0 : seen.open_until - NowSeconds();
      Oid types[5] = {TEXTOID, TEXTOID, INT4OID, FLOAT8OID, TEXTOID};
      Datum v[5] = {TextDatum("openai " + impl_->provider->host), TextDatum(state),
                    Int32GetDatum(seen.failures), Float8GetDatum(until),
                    TextDatum(impl_->breaker_error)};
      char nulls[5] = {' ', ' ', ' ', ' ', impl_->breaker_error.empty() ? 'n' : ' '};
      SpiExec("INSERT INTO comply.ai_provider_status AS s (provider, state, consecutive_failures, "
              "open_until, last_error, updated_at) VALUES ($1, $2, $3, "
              "CASE WHEN $2 = 'closed' THEN NULL ELSE now() + make_interval(secs => $4) END, $5, now()) "
              "ON CONFLICT (provider) DO UPDATE SET state = EXCLUDED.state, "
              "consecutive_failures = EXCLUDED.consecutive_failures, open_until = EXCLUDED.open_until, "
              "last_error = coalesce(EXCLUDED.last_error, s.last_error), updated_at = now()",
              5, types, v, nulls, false, SPI_OK_INSERT);
      last_state = state;
    }
  }
}

int WriteDeferredRecords() {
  AsExtensionOwner owner("ai_interactions");
  SpiScope spi;
  // Ledger entries (rows a policy rejected, reads of audited tables) come in bursts:
  // their statement is planned once for the round, not once an entry.
  SPIPlanPtr audit_plan = nullptr;
  return DrainDeferred([&](const char* kind, const std::string& json) {
    Oid types[1] = {TEXTOID};
    if (strcmp(kind, "audit") == 0) {
      Datum values[1] = {TextDatum(json)};
      PgCall([&] {
        if (!audit_plan) {
          // (Written as who acted in the session that handed the record over.)
          audit_plan = SPI_prepare("SELECT comply._audit_deferred($1::jsonb)", 1, types);
          if (!audit_plan) elog(ERROR, "could not plan: %s", SPI_result_code_string(SPI_result));
        }
        int rc = SPI_execute_plan(audit_plan, values, nullptr, false, 0);
        if (rc != SPI_OK_SELECT) elog(ERROR, "internal query failed: %s", SPI_result_code_string(rc));
      });
      return true;
    }
    if (strcmp(kind, "interaction") != 0) return true;
    Datum values[1] = {TextDatum(json)};
    // The interaction of a job (a stopped worker's request, an answer its job's holder
    // kept from being recorded) is written only while the job exists: one comply.forget
    // or comply.purge_ai_history removed (or holds, locked, about to remove) must not
    // come back through the hand-over. A job held is looked at again next time.
    SpiExec("SELECT (j ->> 'job_id')::bigint IS NULL, "
            "EXISTS (SELECT 1 FROM comply.ai_jobs WHERE id = (j ->> 'job_id')::bigint FOR KEY SHARE SKIP LOCKED), "
            "EXISTS (SELECT 1 FROM comply.ai_jobs WHERE id = (j ->> 'job_id')::bigint) "
            "FROM (SELECT $1::jsonb AS j) s",
            1, types, values, nullptr, false, SPI_OK_SELECT);
    const bool no_job = SpiBool(0, 1).value_or(true);
    const bool job_free = SpiBool(0, 2).value_or(false);
    const bool job_exists = SpiBool(0, 3).value_or(false);
    if (!no_job && !job_free) return !job_exists;  // held: later; gone: dropped
    SpiExec("INSERT INTO comply.ai_interactions (at, provider, model, endpoint_host, job_id, "
            "requested_by, prompt, response, label, confidence, outcome, http_status, error, "
            "latency_ms, prompt_tokens, completion_tokens, clear_text) "
            "SELECT to_timestamp((j ->> 'at_epoch')::float8), j ->> 'provider', j ->> 'model', "
            "j ->> 'endpoint_host', (j ->> 'job_id')::bigint, j ->> 'requested_by', j ->> 'prompt', "
            "j ->> 'response', j ->> 'label', (j ->> 'confidence')::float8, j ->> 'outcome', "
            "(j ->> 'http_status')::int, j ->> 'error', (j ->> 'latency_ms')::float8, "
            "(j ->> 'prompt_tokens')::int, (j ->> 'completion_tokens')::int, "
            "(j ->> 'clear_text')::boolean FROM (SELECT $1::jsonb AS j) s "
            "RETURNING id, clear_text, model, endpoint_host, requested_by, outcome",
            1, types, values, nullptr, false, SPI_OK_INSERT_RETURNING);
    // A clear-text call that failed, or whose caller's transaction rolled back, has sent
    // the text all the same: its ledger entry is written with its record.
    if (SpiBool(0, 2).value_or(false))
      AuditClearTextSent(SpiInt(0, 1).value_or(0), SpiText(0, 3).value_or(""),
                         SpiText(0, 4).value_or(""), SpiText(0, 5).value_or(""),
                         SpiText(0, 6).value_or(""));
    return true;
  });
}

double JobRound::NextDueSeconds() {
  AsExtensionOwner owner("ai_jobs");
  SpiScope spi;
  SpiExec("SELECT extract(epoch FROM min(next_attempt_at) - clock_timestamp())::float8 "
          "FROM comply.ai_jobs WHERE status = 'queued'",
          0, nullptr, nullptr, nullptr, true, SPI_OK_SELECT);
  std::optional<double> s = SpiFloat(0, 1);
  if (!s) return -1;
  return std::max(0.0, *s);
}

void ClassifyInit() { CacheRegisterRelcacheCallback(InvalidateModels, (Datum)0); }

size_t BreakerShmemSize() { return sizeof(BreakerShared); }

void BreakerShmemInit() {
  bool found;
  auto* b = static_cast<BreakerShared*>(ShmemInitStruct("pg_comply breakers", sizeof(BreakerShared), &found));
  if (!found) {
    b = new (b) BreakerShared();
    SpinLockInit(&b->mutex);
  }
  shared_breakers = b;
}

}  // namespace comply::pg

using namespace comply;
using namespace comply::pg;

// comply.train_classifier(name text, training_query text, options jsonb) RETURNS jsonb
extern "C" Datum comply_train_classifier(PG_FUNCTION_ARGS) {
  if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
    ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
                    errmsg("name and training_query must not be null")));
  PreventCommandIfReadOnly("comply.train_classifier()");  // said plainly (a standby too)
  Datum result = Guarded([&] {
    std::string name = *OptText(fcinfo, 0);
    // The table's CHECK says the same; refusing first spares the training and an error
    // whose detail would print the whole row.
    bool name_ok = !name.empty() && name.size() <= 63 && !isdigit((unsigned char)name[0]) &&
                   name[0] != '.' && name[0] != '-';
    for (char ch : name)
      if (!isalnum((unsigned char)ch) && ch != '_' && ch != '.' && ch != '-') name_ok = false;
    if (!name_ok)
      throw Error(sqlstate::kInvalidParameterValue, "invalid model name " + ShownName(name, 63),
                  "A model name starts with a letter or underscore and has at most 63 letters, "
                  "digits, underscores, dots or hyphens.");
    std::string query = *OptText(fcinfo, 1);
    std::string options_text = "{}";
    json::Value options_doc = json::Value::MakeObject();
    if (!PG_ARGISNULL(2)) {
      Jsonb* options_jb = PgCall([&] { return PG_GETARG_JSONB_P(2); });
      options_doc = JsonbArgument(options_jb, "options");  // (first: 54000 if too deep)
      options_text = PgCall([&] {
        return static_cast<const char*>(JsonbToCString(nullptr, &options_jb->root, 0));
      });
    }
    ai::TrainOptions options = ai::ParseTrainOptions(options_doc);
    // The training rows, read as the caller (the query is theirs) through a cursor.
    std::vector<ai::Example> examples;
    int64 skipped = 0;
    {
      SpiScope spi;
      Portal portal = PgCall([&] {
        Portal p = SPI_cursor_open_with_args("comply_training", query.c_str(), 0, nullptr, nullptr,
                                             nullptr, true, 0);
        if (p->tupDesc == nullptr || p->tupDesc->natts < 2)
          ereport(ERROR, (errcode(ERRCODE_DATATYPE_MISMATCH),
                          errmsg("training_query must return two columns: text and label")));
        return p;
      });
      for (;;) {
        uint64 n = PgCall([&] {
          SPI_cursor_fetch(portal, true, 5000);
          return SPI_processed;
        });
        if (n == 0) break;
        // A char(n) label is read without the padding its type ignores ('billing   ' is
        // 'billing'), as the labels classify is given.
        const bool padded = PgCall([] {
          return getBaseType(SPI_gettypeid(SPI_tuptable->tupdesc, 2)) == BPCHAROID;
        });
        for (uint64 i = 0; i < n; ++i) {
          std::optional<std::string> doc = SpiText(i, 1);
          std::optional<std::string> label = SpiText(i, 2);
          if (!doc || !label) {
            ++skipped;
            continue;
          }
          if (padded) label->erase(label->find_last_not_of(' ') + 1);
          // The model learns from redacted text, the only kind it will ever be shown.
          examples.push_back({*label, RedactTextDefault(*doc)});
        }
        PgCall([] { SPI_freetuptable(SPI_tuptable); });
        PollCancel(InterruptCheck());
      }
      PgCall([&] { SPI_cursor_close(portal); });
    }
    // Labels are stored as given, readable by every role (comply.models): one that holds
    // personal data is most likely a text (the query's columns swapped), and is refused.
    {
      std::set<std::string_view> labels;
      for (const ai::Example& e : examples) labels.insert(e.label);
      for (std::string_view l : labels)
        if (RedactTextDefault(std::string(l)) != l)
          throw Error(sqlstate::kInvalidParameterValue,
                      "a label of the training rows holds personal data (" +
                          std::to_string(l.size()) + " bytes, not shown)",
                      "Labels are stored in comply.models, which every role can read.",
                      "training_query returns the text first, then its label: are they swapped?");
    }
    ai::TrainReport report;
    ai::Model model = ai::Train(examples, options, InterruptCheck(), &report);
    std::string metrics = ai::ReportJson(report);
    if (skipped > 0) {
      metrics.pop_back();
      metrics += ",\"skipped_null_rows\":" + std::to_string(skipped) + "}";
    }
    std::string blob = model.Serialize();
    // Who trained it: the acting role (as in the ledger), not the session's login.
    const std::string trainer = PgCall([] { return static_cast<const char*>(GetUserNameFromId(GetUserId(), false)); });
    {
      AsExtensionOwner owner("models");
      SpiScope spi;
      Oid types[7] = {TEXTOID, TEXTARRAYOID, BYTEAOID, TEXTOID, TEXTOID, INT8OID, TEXTOID};
      Datum v[7] = {TextDatum(name), TextArrayDatum(model.labels()),
                    PgCall([&] {
                      bytea* b = static_cast<bytea*>(palloc(VARHDRSZ + blob.size()));
                      SET_VARSIZE(b, VARHDRSZ + blob.size());
                      memcpy(VARDATA(b), blob.data(), blob.size());
                      return PointerGetDatum(b);
                    }),
                    TextDatum(metrics), TextDatum(options_text),
                    Int64GetDatum(static_cast<int64>(examples.size())), TextDatum(trainer)};
      SpiExec("INSERT INTO comply.models AS m (name, labels, model, metrics, options, training_rows, "
              "trained_by, trained_at) VALUES ($1, $2, $3, $4::jsonb, $5::jsonb, $6, $7, now()) "
              "ON CONFLICT (name) DO UPDATE SET labels = EXCLUDED.labels, model = EXCLUDED.model, "
              "metrics = EXCLUDED.metrics, options = EXCLUDED.options, "
              "training_rows = EXCLUDED.training_rows, trained_by = EXCLUDED.trained_by, "
              "trained_at = EXCLUDED.trained_at",
              7, types, v, nullptr, false, SPI_OK_INSERT);
    }
    // A model replaced under a protected table's policy must still answer with every
    // label the policy names: the jobs of its rows would otherwise all be dead-lettered.
    // Checked once the model's row is written (and locked: a comply.protect naming it
    // holds it FOR SHARE, and the upsert waited for it), under the latest snapshot, so
    // that a policy committed meanwhile is seen.
    {
      AsExtensionOwner owner("policies");
      SpiScope spi;
      ConfigSnapshot snapshot;
      Oid types[2] = {TEXTOID, TEXTARRAYOID};
      Datum v[2] = {TextDatum(name), TextArrayDatum(model.labels())};
      if (SpiExec("SELECT p.table_name::text, c.key FROM comply.policies p, "
                  "jsonb_each(p.policy->'columns') c, "
                  "jsonb_array_elements_text(CASE jsonb_typeof(c.value->'classify'->'labels') "
                  "WHEN 'array' THEN c.value->'classify'->'labels' ELSE '[]' END) l "
                  "WHERE c.value->'classify'->>'model' IN ($1, 'builtin:' || $1) "
                  "AND NOT l = ANY ($2) ORDER BY 1, 2 LIMIT 1",
                  2, types, v, nullptr, true, SPI_OK_SELECT) > 0)
        throw Error(sqlstate::kObjectNotInPrerequisiteState,
                    "the training rows leave out a label that the policy of protected table " +
                        SpiText(0, 1).value_or("") + " classifies column \"" +
                        SpiText(0, 2).value_or("") + "\" into",
                    "The model answers only with the labels it was trained on: every job of that "
                    "column would be dead-lettered.",
                    "Train with examples of every label the policy names, or change the policy "
                    "first (comply.protect).");
    }
    {
      SpiScope spi;
      SearchPathPin pin;  // its queries name only pg_catalog's objects and comply's
      std::string details = metrics;
      details.pop_back();
      details += ",\"model_checksum\":\"" + ModelChecksum(blob) + "\"}";
      Audit("model.train", "comply.models/" + name, details);
    }
    return PgCall([&] { return DirectFunctionCall1(jsonb_in, CStringGetDatum(metrics.c_str())); });
  });
  return result;
}

// comply.classify(input text, labels text[], model text, options jsonb)
//   RETURNS TABLE(label text, confidence float8, provider text, model text, interaction_id bigint)
extern "C" Datum comply_classify(PG_FUNCTION_ARGS) {
  InitMaterializedSRF(fcinfo, 0);
  if (PG_ARGISNULL(0)) return (Datum)0;
  ReturnSetInfo* rsinfo = reinterpret_cast<ReturnSetInfo*>(fcinfo->resultinfo);
  char* caller = GetUserNameFromId(GetUserId(), false);
  Guarded([&] {
    text* input_t = PgCall([&] { return PG_GETARG_TEXT_PP(0); });
    if (VARSIZE_ANY_EXHDR(input_t) > static_cast<size_t>(max_input_bytes))
      throw Error(sqlstate::kProgramLimitExceeded, "input exceeds comply.max_input_bytes");
    std::string input(VARDATA_ANY(input_t), VARSIZE_ANY_EXHDR(input_t));
    std::optional<std::vector<std::string>> labels = LabelsArg(fcinfo, 1);
    ModelSpec spec = ResolveModel(OptText(fcinfo, 2));
    bool clear_text = false;
    if (PG_NARGS() > 3 && !PG_ARGISNULL(3)) {
      json::Value o = JsonbArgument(PgCall([&] { return PG_GETARG_JSONB_P(3); }), "options");
      if (!o.is_object()) throw Error(sqlstate::kInvalidParameterValue, "options must be a JSON object");
      for (const auto& [key, value] : o.as_object()) {
        if (key == "clear_text" && value.is_bool()) {
          clear_text = value.as_bool();
        } else {
          throw Error(sqlstate::kInvalidParameterValue, "unknown or invalid option " + ShownName(key),
                      "The only option is \"clear_text\" (boolean).");
        }
      }
    }
    if (clear_text && spec.provider != "openai")
      throw Error(sqlstate::kInvalidParameterValue, "clear_text applies only to the openai provider");
    std::string redacted = RedactTextDefault(input);
    Interaction rec;
    rec.provider = spec.provider;
    rec.model = spec.model;
    rec.requested_by = caller;
    rec.prompt = redacted;  // what is kept is always the redacted text
    rec.clear_text = clear_text;
    Answer a;
    if (spec.provider == "builtin") {
      std::string checksum;
      std::shared_ptr<const ai::Model> model = LoadModel(spec.model, &checksum, spec.by_setting);
      a = ClassifyBuiltin(*model, checksum, redacted, labels, &rec);
    } else {
      if (!labels)
        throw Error(sqlstate::kInvalidParameterValue, "the openai provider needs labels",
                    "Pass the allowed labels as the second argument.");
      if (!HasWord(input))
        throw Error(sqlstate::kInvalidParameterValue, "nothing to classify: the text has no word",
                    {}, "A provider would only guess; the builtin model answers with confidence 0.");
      ProviderConfig config = CurrentProvider();
      rec.endpoint_host = config.host;
      std::vector<ai::HttpRequest> req{
          MakeRequest(config, spec.model, *labels, clear_text ? input : redacted)};
      ai::HttpResponse resp;
      auto t0 = std::chrono::steady_clock::now();
      try {
        ai::RunHttp(req, 1, [&](size_t, ai::HttpResponse&& r) { resp = std::move(r); },
                    InterruptCheck());
      } catch (const Cancelled&) {
        // Cancelled, or statement_timeout: the transaction rolls back, so the record of
        // the call is handed to the job worker to keep.
        rec.outcome = "cancelled";
        rec.error = "cancelled";
        rec.latency_ms = MillisSince(t0);
        (void)DeferRecord("interaction", InteractionJson(rec));
        throw;
      }
      a = JudgeResponse(resp, *labels, &rec);
      if (!a.ok) {
        // The error rolls back this transaction; the record survives through the worker.
        if (!DeferRecord("interaction", InteractionJson(rec)))
          PgCall([] {
            // No context nor statement: they would quote the caller's values.
            ereport(LOG, (errmsg("pg_comply: the record of a failed AI call could not be kept"),
                          errhint("Load pg_comply through shared_preload_libraries."),
                          errhidecontext(true), errhidestmt(true)));
          });
        throw Error(rec.outcome == "invalid_answer" ? sqlstate::kInvalidTextRepresentation
                                                    : "58000",  // system_error
                    "AI provider call failed: " + a.error);
      }
    }
    int64 interaction_id = 0;
    if (!PgCall([] { return RecoveryInProgress(); })) {
      // A standby cannot write; there the builtin model still answers.
      AsExtensionOwner owner("ai_interactions");
      SpiScope spi;
      interaction_id = RecordInteraction(rec);
      if (clear_text)
        AuditClearTextSent(interaction_id, spec.model, rec.endpoint_host, rec.requested_by,
                           rec.outcome);
      if (spec.provider != "builtin") KeepSentRecord(InteractionJson(rec));
    }
    PgCall([&] {  // plain PostgreSQL code: the Datums are made inside the guard
      Datum values[5] = {CStringGetTextDatum(a.label.c_str()), Float8GetDatum(a.confidence),
                         CStringGetTextDatum(spec.provider.c_str()),
                         CStringGetTextDatum(spec.model.c_str()), Int64GetDatum(interaction_id)};
      bool nulls[5] = {false, false, false, false, interaction_id == 0};
      tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
    });
  });
  return (Datum)0;
}

// comply.classify_async(input text, labels text[], model text, subject jsonb, queue text)
//   RETURNS bigint
extern "C" Datum comply_classify_async(PG_FUNCTION_ARGS) {
  if (PG_ARGISNULL(0))
    ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED), errmsg("input must not be null")));
  PreventCommandIfReadOnly("comply.classify_async()");
  const Oid caller_role = GetUserId();
  const Oid invoker_role = GetOuterUserId();  // who called, through SECURITY DEFINER too
  char* caller = GetUserNameFromId(caller_role, false);
  Datum subject = PG_ARGISNULL(3) ? (Datum)0 : PG_GETARG_DATUM(3);
  int64 id = 0;
  Guarded([&] {
    text* input_t = PgCall([&] { return PG_GETARG_TEXT_PP(0); });
    std::string redacted = RedactTextDefault({VARDATA_ANY(input_t), VARSIZE_ANY_EXHDR(input_t)});
    std::optional<std::vector<std::string>> labels = LabelsArg(fcinfo, 1);
    ModelSpec spec = ResolveModel(OptText(fcinfo, 2));
    std::string queue = OptText(fcinfo, 4).value_or("default");
    if (spec.provider != "builtin" && !HasWord(redacted))
      throw Error(sqlstate::kInvalidParameterValue, "nothing to classify: the text has no word",
                  {}, "A provider would only guess; the builtin model answers with confidence 0.");
    // The builtin model answers such a text with confidence 0, for a person to decide;
    // with no subject either, its review case would show him nothing to decide on.
    // (A subject of JSON null, an empty object, array or string names nothing either.)
    const bool no_subject = PG_ARGISNULL(3) || PgCall([&] {
      Jsonb* jb = DatumGetJsonbP(subject);
      if (JB_ROOT_IS_SCALAR(jb)) {
        JsonbValue v;
        return JsonbExtractScalar(&jb->root, &v) &&
               (v.type == jbvNull || (v.type == jbvString && v.val.string.len == 0));
      }
      return JB_ROOT_COUNT(jb) == 0;
    });
    if (!HasWord(redacted) && no_subject)
      throw Error(sqlstate::kInvalidParameterValue,
                  "nothing to classify: the text has no word, and no subject names where it came from",
                  {}, "Pass a subject (the row the text belongs to), or leave the text out of the queue.");
    if (queue.empty())  // its review cases would go to a queue nobody looks for
      throw Error(sqlstate::kInvalidParameterValue, "queue must not be empty", {},
                  "Leave it NULL for the default queue.");
    // A queue's name goes into alerts and notifications (an overdue case names it):
    // a name, not free text.
    if (!ShowsAsName(queue, kMaxQueueName))
      throw Error(sqlstate::kInvalidParameterValue,
                  "queue " + ShownName(queue, kMaxQueueName) + " is not a valid queue name", {},
                  kQueueNameHint);
    // The subject is redacted for the review case, the decision and the ledger entry the
    // job's answer makes: one that cannot be (nested deeper than the stack allows, larger
    // than comply.max_input_bytes) would fail, with the job, every round of the worker
    // that claimed it, and every job claimed with it. Refused now.
    if (subject) {
      Jsonb* jb = PgCall([&] { return DatumGetJsonbP(subject); });
      (void)RedactJsonbDefault(jb);
    }
    if (spec.provider == "builtin") {
      // Refuse now what the worker could only dead-letter.
      std::shared_ptr<const ai::Model> model = LoadModel(spec.model, nullptr, spec.by_setting);
      if (labels) (void)model->Predict("", &*labels);
    } else if (!labels) {
      throw Error(sqlstate::kInvalidParameterValue, "the openai provider needs labels",
                  "Pass the allowed labels as the second argument.");
    }
    const bool is_superuser = PgCall([] { return superuser(); });
    AsExtensionOwner owner("ai_jobs");
    SpiScope spi;
    // A subject naming a protected table is its policy's to queue: a job of anyone else's
    // about one of its rows would end as a decision or review case indistinguishable from
    // the policy's own (with one label, a decision of confidence 1).
    if (subject && !is_superuser) {
      Oid t[1] = {JSONBOID};
      Datum v[1] = {subject};
      // (By the table the name resolves to, too: "CLINIC.ERASE" and "\"clinic\".\"erase\""
      // name it as well.)
      if (SpiExec("SELECT known_as FROM comply.policies WHERE jsonb_typeof($1) = 'object' "
                  "AND (known_as = $1 ->> 'table' OR table_name = comply._regclass_or_null($1 ->> 'table'))",
                  1, t, v, nullptr, true, SPI_OK_SELECT) > 0)
        throw Error(sqlstate::kInsufficientPrivilege,
                    "the subject names protected table " + SpiText(0, 1).value_or("") +
                        ", whose classification jobs its policy queues",
                    {}, "Name the subject otherwise, or ask a superuser to queue the job.");
    }
    Oid types[9] = {TEXTOID, TEXTOID, JSONBOID, TEXTOID, TEXTARRAYOID, TEXTOID, TEXTOID, OIDOID, OIDOID};
    Datum v[9] = {TextDatum(caller), TextDatum(queue), subject, TextDatum(redacted),
                  labels ? TextArrayDatum(*labels) : (Datum)0, TextDatum(spec.provider),
                  TextDatum(spec.model), ObjectIdGetDatum(caller_role), ObjectIdGetDatum(invoker_role)};
    char nulls[9] = {' ', ' ', subject ? ' ' : 'n', ' ', labels ? ' ' : 'n', ' ', ' ', ' ',
                     invoker_role != caller_role ? ' ' : 'n'};
    SpiExec("INSERT INTO comply.ai_jobs (created_by, queue, subject, input, labels, provider, model, "
            "created_by_role, created_by_invoker_role) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
            9, types, v, nulls, false, SPI_OK_INSERT_RETURNING);
    id = SpiInt(0, 1).value_or(0);
  });
  NoteJobQueued();
  PG_RETURN_INT64(id);
}

// comply.run_jobs(max_jobs int) RETURNS int
extern "C" Datum comply_run_jobs(PG_FUNCTION_ARGS) {
  int max_jobs = PG_GETARG_INT32(0);
  if (max_jobs < 1)
    ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("max_jobs must be positive")));
  PreventCommandIfReadOnly("comply.run_jobs()");
  int done = 0;
  Guarded([&] {
    (void)WriteDeferredRecords();
    JobRound round;
    round.Claim(max_jobs);
    round.Call(InterruptCheck());
    done = round.Finish();
  });
  PG_RETURN_INT32(done);
}
