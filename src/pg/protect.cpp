// Protected tables: comply.protect / comply.unprotect and comply._protect_row, the C
// trigger function that enforces a table's policy on every row written:
//   BEFORE INSERT OR UPDATE   validate jsonb columns against registered schemas (a row
//                             that fails is rejected with check_violation, and the
//                             attempt is recorded in the ledger by the job worker, since
//                             this transaction rolls back); redact, pseudonymize or mask
//                             text columns;
//   AFTER INSERT/UPDATE/DELETE  audit the change into the ledger; queue classification
//                             of text columns.
// The policy is read once per relation and cached until comply.policies changes.
#include <algorithm>
#include <cctype>
#include <cstring>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/json.h"
#include "core/ledger/ledger.h"
#include "core/pii/redactor.h"
#include "core/posture/ciphertext.h"
#include "pg/classify.h"
#include "pg/guard.h"
#include "pg/guc.h"
#include "pg/jsonb_doc.h"
#include "pg/jsonb_write.h"
#include "pg/ledger.h"
#include "pg/pii.h"
#include "pg/protect.h"
#include "pg/validate.h"
#include "pg/spi.h"
#include "pg/worker.h"

extern "C" {
#include "postgres.h"

#include "access/detoast.h"
#include "access/genam.h"
#include "access/htup_details.h"
#include "access/relation.h"
#include "access/xact.h"
#include "access/xlog.h"
#include "tcop/utility.h"
#include "utils/backend_status.h"
#include "catalog/dependency.h"
#include "catalog/namespace.h"
#include "catalog/partition.h"
#include "catalog/pg_inherits.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "commands/extension.h"
#include "catalog/pg_trigger.h"
#include "commands/trigger.h"
#include "common/shortest_dec.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "parser/parse_func.h"
#include "storage/proc.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/datetime.h"
#include "utils/json.h"
#include "utils/numeric.h"
#include "utils/datum.h"
#include "utils/inval.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/regproc.h"
#include "utils/rel.h"
#include "storage/lmgr.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"

PG_FUNCTION_INFO_V1(comply_protect);
PG_FUNCTION_INFO_V1(comply_unprotect);
PG_FUNCTION_INFO_V1(comply_writing_policies);
PG_FUNCTION_INFO_V1(comply_protect_row);
PG_FUNCTION_INFO_V1(comply_protect_existing);
PG_FUNCTION_INFO_V1(comply_policy_problem);
PG_FUNCTION_INFO_V1(comply_key_text);
PG_FUNCTION_INFO_V1(comply_key_type);
PG_FUNCTION_INFO_V1(comply_cancel_work_of_gone_rows);
}

namespace comply::pg {
namespace {

// What a policy asks for one column.
struct ColumnPolicy {
  std::string name;
  int attnum = 0;      // 1-based
  Oid type = InvalidOid;    // the column's type, or the base type of its domain
  Oid domain = InvalidOid;  // the column's domain, if it has one
  int32 typmod = -1;        // varchar(n), char(n): the length the stored value may have
  mutable void* domain_cache = nullptr;  // domain_check's, in TablePolicy::context
  mutable bool domain_busy = false;      // a check with domain_cache is running
  std::string schema;  // validate against this registered schema (jsonb columns)
  std::string schema_options;  // "validate_options" as JSON text, empty for none
  Datum schema_options_jsonb = 0;  // the same as jsonb, in TablePolicy::context
  enum class Redact { kNone, kContent, kPseudonymize, kMask } redact = Redact::kNone;
  pii::OperatorConfig ops;  // kContent
  std::set<std::string> keys;  // kContent, jsonb: values under these keys (lower-case) replaced whole
  pii::Operator mask;       // kMask
  bool encrypted = false;  // must hold ciphertext (bytea or text)
  bool classify = false;
  std::vector<std::string> labels;
  std::string model;  // builtin name or openai:<model>
  std::string queue = "default";

  // Whether writing the column needs the pseudonymization key.
  bool NeedsKey() const {
    return redact == Redact::kPseudonymize || (redact == Redact::kContent && ops.NeedsKey());
  }
};

struct TablePolicy {
  Oid relid = InvalidOid;
  std::string table;  // schema-qualified, quoted: the protected table
  // The names a ledger entry gives the table, the partition and the relation's columns
  // (by attnum - 1; empty: the column's own name): redacted as comply.audit redacts an
  // object, so that a table or column named after personal data ("john.doe@example.com")
  // reads as its labels in every entry, the row's as the drift watch's. Computed once.
  std::string table_in_ledger;
  std::string partition_in_ledger;
  std::vector<std::string> columns_in_ledger;
  std::vector<std::string> pk_in_ledger;
  // The partition the rows are stored in (schema-qualified, quoted) when relid is a
  // partition of the protected table, whose policy it follows; empty otherwise.
  std::string partition;
  std::vector<ColumnPolicy> columns;
  std::vector<int> pk_attnums;
  std::vector<std::string> pk_names;
  bool audit = true;
  bool audit_reads = false;  // "audit_reads": each statement that reads the table, too
  bool any_before = false;
  bool any_classify = false;
  Oid protected_relid = InvalidOid;  // the table whose policy this is (relid or an ancestor)
  // pii::KeyId of the pseudonymization key comply.protect saw (comply.policies), when a
  // column needs one: pseudonyms made with another key would not match the stored ones.
  std::string key_id;
  // Memory that lives as long as the policy (domain_check's caches), if any.
  mutable MemoryContext context = nullptr;
  // The relation's BEFORE row triggers that fire after comply_protect_before (quoted,
  // comma-separated; "" for none), read from its trigger descriptor at the first write
  // (a trigger created, renamed or dropped invalidates the relation, and the policy).
  mutable std::optional<std::string> later_before;

  TablePolicy() = default;
  TablePolicy(const TablePolicy&) = delete;
  TablePolicy& operator=(const TablePolicy&) = delete;
  // The context goes with the last reference to the policy (a trigger running while
  // the cache is cleared keeps its own), so domain_check's caches never dangle.
  // MemoryContextDelete frees memory and raises no error: nothing here can longjmp.
  ~TablePolicy() {
    if (context) MemoryContextDelete(context);
  }
  FmgrInfo assert_valid;  // comply.assert_valid(jsonb, text), for its per-call-site cache
  FmgrInfo assert_valid_options;  // comply.assert_valid(jsonb, text, jsonb), if a column has options
};

struct PolicyCache {
  std::unordered_map<Oid, std::shared_ptr<TablePolicy>> by_rel;  // null: not protected
  uint64 invalidations = 0;  // received, so that one during a read is not lost
  Oid policies_relid = InvalidOid;
};
PolicyCache* policy_cache = nullptr;

// Whether each relation read is one whose policy audits reads (RecordReads), or not
// (not protected, pg_comply not installed, ...): looked up once per relation.
std::unordered_map<Oid, bool>* read_audit = nullptr;
// Set around pg_comply's own look at a table (protect: does it hold rows?), which is
// not a read of its data to audit.
bool not_a_read = false;
// Set while comply.protect or comply.unprotect writes comply.policies: a change made
// otherwise is drift (comply._policy_edited asks comply._writing_policies()).
bool writing_policies = false;
struct WritingPolicies {
  WritingPolicies() { writing_policies = true; }
  ~WritingPolicies() { writing_policies = false; }
  WritingPolicies(const WritingPolicies&) = delete;
  WritingPolicies& operator=(const WritingPolicies&) = delete;
};

void InvalidatePolicies(Datum, Oid relid) {
  if (policy_cache && (relid == InvalidOid || relid == policy_cache->policies_relid ||
                       policy_cache->policies_relid == InvalidOid ||
                       policy_cache->by_rel.count(relid))) {
    policy_cache->by_rel.clear();
    ++policy_cache->invalidations;
  }
  // Protecting or unprotecting a table changes its triggers, which invalidates it; a
  // policy changed invalidates comply.policies.
  if (read_audit) {
    if (relid == InvalidOid || (policy_cache && relid == policy_cache->policies_relid))
      read_audit->clear();
    else
      read_audit->erase(relid);
  }
}

[[noreturn]] void Invalid(const std::string& message, const std::string& detail = {}) {
  throw Error(sqlstate::kInvalidParameterValue, "invalid policy: " + message, detail,
              "See docs/protect.md for the policy format.");
}

bool IsTextType(Oid t) { return t == TEXTOID || t == VARCHAROID || t == BPCHAROID; }

// The key columns of a table's primary key (none: n = 0), in palloc'd memory.
struct PrimaryKeyColumns {
  int n;
  int* attnums;
  char** names;
};

// Reads relid's primary key from the relation cache (plain C; may ereport). A catalog
// query did this before: planned anew in each session, it cost about 2 ms on a
// session's first row.
PrimaryKeyColumns* ReadPrimaryKey(Oid relid) {
  PrimaryKeyColumns* pk = static_cast<PrimaryKeyColumns*>(palloc0(sizeof(PrimaryKeyColumns)));
  Relation rel = relation_open(relid, AccessShareLock);
  List* indexes = RelationGetIndexList(rel);  // sets rd_pkindex
  list_free(indexes);
  if (OidIsValid(rel->rd_pkindex)) {
    Relation index = index_open(rel->rd_pkindex, AccessShareLock);
    const int n = index->rd_index->indnkeyatts;
    pk->attnums = static_cast<int*>(palloc(sizeof(int) * n));
    pk->names = static_cast<char**>(palloc(sizeof(char*) * n));
    TupleDesc desc = RelationGetDescr(rel);
    for (int i = 0; i < n; ++i) {
      const AttrNumber attnum = index->rd_index->indkey.values[i];
      pk->attnums[i] = attnum;
      pk->names[i] = pstrdup(NameStr(TupleDescAttr(desc, attnum - 1)->attname));
    }
    pk->n = n;
    index_close(index, AccessShareLock);
  }
  relation_close(rel, AccessShareLock);
  return pk;
}

// The schema-qualified name of a relation, quoted where it must be: the same in every
// session (the ledger's objects are compared as text), whatever its
// quote_all_identifiers (a session with it on quoted every name, and its cached policy
// kept doing so after it was reset).
std::string QualifiedName(Oid relid) {
  return PgCall([&] {
    const bool saved = quote_all_identifiers;
    quote_all_identifiers = false;
    const char* name = nullptr;
    PG_TRY();
    {
      const char* rel = get_rel_name(relid);
      const char* nsp = rel ? get_namespace_name(get_rel_namespace(relid)) : nullptr;
      if (!rel || !nsp)
        ereport(ERROR, (errcode(ERRCODE_UNDEFINED_TABLE),
                        errmsg("relation with OID %u does not exist", relid)));
      name = quote_qualified_identifier(nsp, rel);
    }
    PG_FINALLY();
    {
      quote_all_identifiers = saved;
    }
    PG_END_TRY();
    return name;
  });
}

// The most "regulations" a policy names.
constexpr size_t kMaxRegulations = 100;

// The policy's own text, "workflow_step", each of "regulations", the labels of its
// columns' operators ({"op": "label", "label": ...}, which every redacted row holds too)
// and the key names of a jsonb column's "keys",
// is readable by every role (comply.policies, requirements_matrix(), data_flow()):
// refused, like a classify label, when the detector finds personal data in it or when it
// is longer than a label.
// Dates and numbers shaped like IP addresses are not refused: a step may be dated, and
// PCI DSS numbers requirements 10.2.1.1. Checked by protect only (a policy stored before
// is not refused at its writes).
void CheckPolicyText(const json::Value& doc) {
  if (!doc.is_object()) return;
  auto check = [](const std::string& what, const std::string& text) {
    const char* hint =
        "Policies are readable by every role (comply.policies, comply.requirements_matrix(), "
        "comply.data_flow()).";
    if (text.size() > kMaxLabelBytes)
      throw Error(sqlstate::kInvalidParameterValue,
                  what + " is longer than " + std::to_string(kMaxLabelBytes) + " bytes (" +
                      std::to_string(text.size()) + " bytes, not shown)",
                  {}, hint);
    for (const pii::Finding& f : CurrentDetector().Detect(text, pii::DetectOptions()))
      if (f.entity != "DATE_TIME" && f.entity != "IP_ADDRESS")
        throw Error(sqlstate::kInvalidParameterValue,
                    what + " holds personal data (" + std::to_string(text.size()) + " bytes, not shown)",
                    {}, hint);
  };
  for (const auto& [key, value] : doc.as_object()) {
    if (key == "workflow_step" && value.is_string()) {
      check("\"workflow_step\"", value.as_string());
    } else if (key == "regulations" && value.is_array()) {
      size_t i = 0;
      for (const json::Value& r : value.as_array()) {
        ++i;
        if (r.is_string()) check("regulation " + std::to_string(i) + " of \"regulations\"", r.as_string());
      }
    } else if (key == "columns" && value.is_object()) {
      // Every "label" string under a column's rules, however deep (a jsonb column's
      // "keys" hold operators too).
      std::function<void(const std::string&, const json::Value&)> labels =
          [&](const std::string& column, const json::Value& v) {
            if (v.is_array()) {
              for (const json::Value& e : v.as_array()) labels(column, e);
            } else if (v.is_object()) {
              for (const auto& [k, member] : v.as_object()) {
                if (k == "label" && member.is_string()) {
                  check("a label of the rules of column " + column, member.as_string());
                } else if (k == "keys" && member.is_array()) {
                  // A jsonb column's keys whose values are replaced whole: key names,
                  // not values (an e-mail there would be stored in clear in the policy).
                  size_t i = 0;
                  for (const json::Value& key : member.as_array()) {
                    ++i;
                    if (key.is_string())
                      check("key " + std::to_string(i) + " of the \"keys\" of column " + column,
                            key.as_string());
                  }
                } else {
                  labels(column, member);
                }
              }
            }
          };
      for (const auto& [column, rules] : value.as_object())
        labels(ShownName(column), rules);
    }
  }
}

// Builds a policy from its JSON for the relation; checks every name and type. For a
// partition that follows the policy of protected, an ancestor, columns are found in
// the partition by name (its column numbers may differ from the ancestor's).
// The names of relid's attributes by attnum - 1 (a dropped one's: empty).
std::vector<std::string> AttributeNames(Oid relid) {
  std::vector<std::string> out;
  const int n = PgCall([&] {
    Relation rel = relation_open(relid, AccessShareLock);
    const int natts = RelationGetDescr(rel)->natts;
    relation_close(rel, AccessShareLock);
    return natts;
  });
  for (int i = 1; i <= n; ++i) {
    char* name = PgCall([&] { return get_attname(relid, static_cast<AttrNumber>(i), true); });
    out.emplace_back(name ? name : "");
  }
  return out;
}

std::shared_ptr<TablePolicy> BuildPolicy(Oid relid, const json::Value& doc,
                                         Oid protected_relid = InvalidOid) {
  auto p = std::make_shared<TablePolicy>();
  p->relid = relid;
  p->protected_relid = OidIsValid(protected_relid) ? protected_relid : relid;
  if (!doc.is_object()) Invalid("a policy is a JSON object");
  p->table = QualifiedName(relid);
  if (OidIsValid(protected_relid) && protected_relid != relid) {
    p->partition = p->table;
    p->table = QualifiedName(protected_relid);
  }
  p->table_in_ledger = RedactTextDefault(p->table);
  if (!p->partition.empty()) p->partition_in_ledger = RedactTextDefault(p->partition);
  for (const std::string& name : AttributeNames(relid)) {
    std::string shown = RedactTextDefault(name);
    p->columns_in_ledger.push_back(shown == name ? std::string() : std::move(shown));
  }
  for (const auto& [key, value] : doc.as_object()) {
    if (key == "audit") {
      if (!value.is_bool()) Invalid("\"audit\" must be true or false");
      p->audit = value.as_bool();
    } else if (key == "audit_reads") {
      if (!value.is_bool()) Invalid("\"audit_reads\" must be true or false");
      p->audit_reads = value.as_bool();
    } else if (key == "workflow_step") {
      if (!value.is_string()) Invalid("\"workflow_step\" must be a string");
    } else if (key == "regulations") {
      if (!value.is_array()) Invalid("\"regulations\" must be an array of strings");
      // (Each is a row of the requirements matrix, and the policy is in the ledger entry.)
      if (value.as_array().size() > kMaxRegulations)
        Invalid("\"regulations\" has more than " + std::to_string(kMaxRegulations) + " entries");
      for (const json::Value& r : value.as_array())
        if (!r.is_string()) Invalid("\"regulations\" must be an array of strings");
    } else if (key == "columns") {
      if (!value.is_object()) Invalid("\"columns\" must be an object of column policies");
      for (const auto& [col, spec] : value.as_object()) {
        ColumnPolicy c;
        c.name = col;
        const char* colname = c.name.c_str();  // structured bindings cannot be captured
        int attnum = PgCall([&] { return static_cast<int>(get_attnum(relid, colname)); });
        if (attnum <= 0) Invalid("column " + ShownName(col) + " does not exist");
        c.attnum = attnum;
        PgCall([&] {
          Oid collation;
          get_atttypetypmodcoll(relid, static_cast<AttrNumber>(attnum), &c.type, &c.typmod, &collation);
        });
        // A domain over text, varchar or jsonb is one of those, its own constraints
        // checked again on the transformed value (BeforeRow).
        {
          int32 base_typmod = -1;
          const Oid base = PgCall([&] { return getBaseTypeAndTypmod(c.type, &base_typmod); });
          if (base != c.type) {
            c.domain = c.type;
            c.type = base;
            c.typmod = base_typmod;
          }
        }
        if (!spec.is_object()) Invalid("the policy of column \"" + col + "\" must be an object");
        // One transformation a column: which of two would apply would depend on the
        // order of the policy's keys. A column declared encrypted holds ciphertext,
        // which no transformation may touch.
        {
          std::vector<std::string> transforms;
          for (const auto& [what, arg] : spec.as_object())
            if ((what == "redact" && !(arg.is_bool() && !arg.as_bool())) || what == "pseudonymize" ||
                what == "mask" || what == "encrypted")
              transforms.push_back("\"" + what + "\"");
          if (transforms.size() > 1)
            Invalid("column \"" + col + "\" has both " + transforms[0] + " and " + transforms[1],
                    "A column is redacted, pseudonymized or masked (one of them), or declared "
                    "encrypted.");
        }
        for (const auto& [what, arg] : spec.as_object()) {
          if (what == "validate") {
            if (!arg.is_string()) Invalid("\"validate\" names a registered schema");
            if (c.type != JSONBOID) Invalid("column \"" + col + "\" must be jsonb to be validated");
            c.schema = arg.as_string();
          } else if (what == "validate_options") {
            // As comply.validate's options argument: {"format": "assert"}.
            if (!arg.is_object())
              Invalid("\"validate_options\" is an object of validation options, such as {\"format\": \"assert\"}");
            try {
              CheckValidationOptions(arg);
            } catch (const Error& e) {
              Invalid(std::string("\"validate_options\" of column \"") + col + "\": " + e.what());
            }
            c.schema_options = arg.Dump();
          } else if (what == "redact") {
            if (!IsTextType(c.type) && c.type != JSONBOID)
              Invalid("column \"" + col + "\" must be text, varchar or jsonb to be redacted");
            if (arg.is_bool()) {
              if (arg.as_bool()) c.redact = ColumnPolicy::Redact::kContent;
            } else if (arg.is_object()) {
              c.redact = ColumnPolicy::Redact::kContent;
              // Operators as in comply.redact; for jsonb also "keys", as comply.redact's
              // keys argument: values under those keys are replaced whole.
              json::Value ops = json::Value::MakeObject();
              for (const auto& [k, v] : arg.as_object()) {
                if (k != "keys") {
                  ops.as_object().emplace_back(k, v);
                  continue;
                }
                if (c.type != JSONBOID)
                  Invalid("\"keys\" redacts values of jsonb columns; \"" + col + "\" is not jsonb");
                if (!v.is_array()) Invalid("\"keys\" must be an array of key names");
                for (const json::Value& key : v.as_array()) {
                  if (!key.is_string() || key.as_string().empty())
                    Invalid("\"keys\" must be an array of key names");
                  std::string name;
                  pii::FoldCaseInto(key.as_string(), &name);  // any case, any script
                  c.keys.insert(std::move(name));
                }
              }
              c.ops = pii::ParseOperators(ops);
              if (c.ops.redact_keys && c.type != JSONBOID)
                Invalid("\"redact_keys\" redacts the keys of jsonb documents; \"" + col + "\" is not jsonb");
              // A hash operator writes a pseudonym for what it finds, as "pseudonymize" does
              // for the whole value: varchar(n) or char(n) must hold one.
              if (c.ops.NeedsKey() && c.typmod >= 0 && (c.type == VARCHAROID || c.type == BPCHAROID) &&
                  static_cast<size_t>(c.typmod - VARHDRSZ) < pii::kPseudonymLength)
                Invalid("column \"" + col + "\" holds at most " + std::to_string(c.typmod - VARHDRSZ) +
                            " characters; the hash operator writes pseudonyms of " +
                            std::to_string(pii::kPseudonymLength),
                        "Widen the column, or use another operator for it (a label or a mask).");
              // At protect, not at each build of a stored policy: a custom recognizer
              // removed later must not stop the table's writes.
              if (!OidIsValid(protected_relid)) CheckOperatorEntities(c.ops, c.keys);
            } else {
              Invalid("\"redact\" is true or an object of operators (and, for jsonb, \"keys\")");
            }
          } else if (what == "pseudonymize" || what == "mask") {
            if (!IsTextType(c.type)) Invalid("column \"" + col + "\" must be text or varchar to be " +
                                            (what == "mask" ? "masked" : "pseudonymized"));
            if (what == "pseudonymize") {
              if (!(arg.is_bool() && arg.as_bool())) Invalid("\"pseudonymize\" must be true");
              c.redact = ColumnPolicy::Redact::kPseudonymize;
              // varchar(n), char(n): a pseudonym has a fixed length, known now.
              if (c.typmod >= 0 && (c.type == VARCHAROID || c.type == BPCHAROID) &&
                  static_cast<size_t>(c.typmod - VARHDRSZ) < pii::kPseudonymLength)
                Invalid("column \"" + col + "\" holds at most " + std::to_string(c.typmod - VARHDRSZ) +
                            " characters; a pseudonym has " + std::to_string(pii::kPseudonymLength),
                        "Widen the column, or mask it instead (a mask keeps the length).");
            } else {
              json::Value op = json::Value::MakeObject(
                  {{"default", json::Value::MakeObject({{"op", json::Value::String("mask")}})}});
              if (arg.is_object()) {
                auto& o = op.as_object()[0].second.as_object();
                for (const auto& [k, v] : arg.as_object()) o.emplace_back(k, v);
              } else if (!(arg.is_bool() && arg.as_bool())) {
                Invalid("\"mask\" is true or {\"keep_last\": n, \"mask_char\": c}");
              }
              c.mask = pii::ParseOperators(op).default_op;
              c.redact = ColumnPolicy::Redact::kMask;
            }
          } else if (what == "encrypted") {
            if (!IsTextType(c.type) && c.type != BYTEAOID)
              Invalid("column \"" + col + "\" must be bytea, text or varchar to be declared encrypted");
            if (!(arg.is_bool() && arg.as_bool())) Invalid("\"encrypted\" must be true");
            c.encrypted = true;
          } else if (what == "classify") {
            if (!IsTextType(c.type)) Invalid("column \"" + col + "\" must be text or varchar to be classified");
            if (!arg.is_object()) Invalid("\"classify\" is {\"labels\": [...], \"model\": ..., \"queue\": ...}");
            c.classify = true;
            for (const auto& [k, v] : arg.as_object()) {
              if (k == "labels" && v.is_array()) {
                for (const json::Value& l : v.as_array()) {
                  if (!l.is_string() || l.as_string().empty()) Invalid("\"labels\" are non-empty strings");
                  c.labels.push_back(l.as_string());
                }
              } else if (k == "model" && v.is_string() && !v.as_string().empty()) {
                c.model = v.as_string();
              } else if (k == "queue" && v.is_string() && !v.as_string().empty()) {
                if (!ShowsAsName(v.as_string(), kMaxQueueName))
                  Invalid("\"queue\" " + ShownName(v.as_string(), kMaxQueueName) + " is not a valid queue name");
                c.queue = v.as_string();
              } else {
                Invalid("unknown or invalid key " + ShownName(k) + " in \"classify\"");
              }
            }
            if (c.model.empty()) Invalid("\"classify\" needs a \"model\"");
            if (c.model.rfind("openai:", 0) == 0 && c.labels.empty())
              Invalid("\"classify\" with an openai model needs \"labels\"");
          } else {
            Invalid("unknown key " + ShownName(what) + " for column \"" + col + "\"");
          }
        }
        if (!c.schema_options.empty() && c.schema.empty())
          Invalid("\"validate_options\" of column \"" + col + "\" needs \"validate\"");
        if (!c.schema.empty() || c.redact != ColumnPolicy::Redact::kNone || c.encrypted) {
          // A stored generated column is computed after BEFORE triggers, from the other
          // columns: what the trigger did to it would be overwritten, silently.
          if (PgCall([&] { return get_attgenerated(relid, static_cast<AttrNumber>(c.attnum)); }))
            Invalid("column \"" + col + "\" is generated from other columns",
                    "Its value is computed after the policy runs: validate, redact or declare "
                    "encrypted the columns it is computed from (it may still be classified).");
          p->any_before = true;
        }
        if (c.classify) p->any_classify = true;
        p->columns.push_back(std::move(c));
      }
    } else {
      Invalid("unknown key " + ShownName(key),
              "A policy has \"columns\", \"audit\", \"workflow_step\" and \"regulations\".");
    }
  }
  // Primary key columns, for the ledger entries and the classification subjects.
  PrimaryKeyColumns* pk = PgCall([relid] { return ReadPrimaryKey(relid); });
  for (int i = 0; i < pk->n; ++i) {
    p->pk_attnums.push_back(pk->attnums[i]);
    p->pk_names.push_back(pk->names[i]);
    p->pk_in_ledger.push_back(RedactTextDefault(pk->names[i]));
  }
  PgCall([&] {
    Oid argtypes[2] = {JSONBOID, TEXTOID};
    List* name = list_make2(makeString(pstrdup("comply")), makeString(pstrdup("assert_valid")));
    Oid fn = LookupFuncName(name, 2, argtypes, false);
    // In the policy's own memory: the call site's memo (which owns a compiled schema)
    // goes with the policy. In TopMemoryContext it outlived it, and every compiled
    // version of a schema a session had used stayed in memory.
    if (!p->context)
      p->context = AllocSetContextCreate(TopMemoryContext, "pg_comply policy", ALLOCSET_SMALL_SIZES);
    fmgr_info_cxt(fn, &p->assert_valid, p->context);
    bool any_options = false;
    for (ColumnPolicy& c : p->columns) {
      if (c.schema_options.empty()) continue;
      MemoryContext old = MemoryContextSwitchTo(p->context);
      c.schema_options_jsonb = DirectFunctionCall1(jsonb_in, CStringGetDatum(c.schema_options.c_str()));
      MemoryContextSwitchTo(old);
      any_options = true;
    }
    if (any_options) {
      Oid argtypes3[3] = {JSONBOID, TEXTOID, JSONBOID};
      List* name3 = list_make2(makeString(pstrdup("comply")), makeString(pstrdup("assert_valid")));
      fmgr_info_cxt(LookupFuncName(name3, 3, argtypes3, false), &p->assert_valid_options, p->context);
    }
  });
  return p;
}

// The ancestors of a partition, nearest first (none for another relation).
std::vector<Oid> PartitionAncestors(Oid relid) {
  std::vector<Oid> out;
  List* ancestors = PgCall([relid] {
    return get_rel_relispartition(relid) ? get_partition_ancestors(relid) : NIL;
  });
  ListCell* lc;
  foreach (lc, ancestors) out.push_back(lfirst_oid(lc));
  PgCall([ancestors] { list_free(ancestors); });
  return out;
}

// The cached policy of relid, or null when the table is not protected. A partition
// without a policy of its own follows that of its nearest protected ancestor: the
// protect triggers of a partitioned table are cloned onto its partitions (those
// attached or created later too), and fire there with the partition as their relation.
// cached, if given, says whether the answer is kept (no change received while reading).
std::shared_ptr<TablePolicy> PolicyFor(Oid relid, bool* cached = nullptr) {
  if (!policy_cache) policy_cache = new PolicyCache();
  if (cached) *cached = true;
  auto it = policy_cache->by_rel.find(relid);
  if (it != policy_cache->by_rel.end()) return it->second;
  std::optional<std::string> text;
  std::optional<std::string> key_id;
  Oid protected_relid = relid;
  const uint64 invalidations = policy_cache->invalidations;
  {
    AsExtensionOwner owner("policies");
    SpiScope spi;
    ConfigSnapshot snapshot;
    std::vector<Oid> candidates = {relid};
    for (Oid a : PartitionAncestors(relid)) candidates.push_back(a);
    for (Oid candidate : candidates) {
      Oid types[1] = {OIDOID};
      Datum values[1] = {ObjectIdGetDatum(candidate)};
      if (SpiExec("SELECT policy::text, pseudonym_key_id FROM comply.policies "
                  "WHERE table_name = $1::regclass",
                  1, types, values, nullptr, true, SPI_OK_SELECT) > 0) {
        text = SpiText(0, 1);
        key_id = SpiText(0, 2);
        protected_relid = candidate;
        break;
      }
    }
    policy_cache->policies_relid =
        PgCall([] { return get_relname_relid("policies", get_namespace_oid("comply", false)); });
  }
  std::shared_ptr<TablePolicy> p;
  if (text) {
    try {
      p = BuildPolicy(relid, json::Parse(*text), protected_relid);
    } catch (const Error& e) {
      // The policy was valid when stored: the table changed since (a column renamed,
      // dropped or retyped). Writes stop until the policy is fixed, and say why.
      const std::string table = QualifiedName(protected_relid);
      throw Error(sqlstate::kObjectNotInPrerequisiteState,
                  "the policy of protected table " + table + " no longer fits the table", e.what(),
                  "Update the policy with comply.protect(), or change the table back.");
    }
    p->key_id = key_id.value_or("");
  }
  // A change received while reading may not be in what was read: not kept.
  if (policy_cache->invalidations != invalidations) {
    if (cached) *cached = false;
    return p;
  }
  policy_cache->by_rel[relid] = p;
  return p;
}

Datum TextDatumOf(const std::string& s) {
  return PgCall([&] { return PointerGetDatum(cstring_to_text_with_len(s.data(), s.size())); });
}

std::string TextOf(Datum d) {
  text* t = PgCall([&] { return DatumGetTextPP(d); });
  return std::string(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t));
}

// Whether a key column of this type (or a domain over it) is written by KeyText in a
// form that reads back as the same value in any session, whatever its DateStyle,
// TimeZone or IntervalStyle: a job's subject written by one session is then found by
// another (a DELETE, comply.forget, the worker's check that its row is still there).
// If so, the name of the type to read such a key value as, palloc'd: its base type,
// never a domain (a domain's CHECK is its owner's code, and pg_comply's lookups of keys
// run as the extension's owner); nullptr otherwise. typmod is the column's. Plain C (it
// may raise).
//
// char(n) and numeric(p,s) are read with their column's typmod, as the column stores a
// value: char(10) pads 'ab' as the subjects write it, numeric(10,2) writes 1.5 as 1.50.
// (Bare, char was char(1), "character", which cut every key to its first character:
// its jobs were all cancelled as rows gone, and forget found nothing.) Not varchar(n),
// whose cast would cut a longer value to a stored one instead of refusing it.
const char* KeyReadType(Oid type, int32 typmod) {
  int32 base_typmod = typmod;
  const Oid base = getBaseTypeAndTypmod(type, &base_typmod);
  switch (base) {
    case BPCHAROID: case NUMERICOID:
      return format_type_with_typemod(base, base_typmod);
    case INT2OID: case INT4OID: case INT8OID: case OIDOID:
    case TEXTOID: case VARCHAROID: case UUIDOID: case BOOLOID:
    case DATEOID: case TIMESTAMPOID: case TIMESTAMPTZOID: case TIMEOID: case TIMETZOID:
    case INTERVALOID: case FLOAT4OID: case FLOAT8OID: case BYTEAOID:
      return format_type_be(base);
    default:
      return nullptr;
  }
}

// The text of a key value: dates and times in ISO 8601 (a timestamptz in UTC) and
// intervals in ISO 8601 too, whatever the session's DateStyle, TimeZone and
// IntervalStyle; floats and bytea whatever extra_float_digits and bytea_output; other
// types by their output function.
const char* KeyTextOf(Datum d, Oid type) {
  char buf[MAXDATELEN + 1];
  switch (getBaseType(type)) {
    case DATEOID: case TIMESTAMPOID: case TIMEOID: case TIMETZOID:
      return pstrdup(JsonEncodeDateTime(buf, d, getBaseType(type), nullptr));
    case TIMESTAMPTZOID: {
      const int utc = 0;
      return pstrdup(JsonEncodeDateTime(buf, d, TIMESTAMPTZOID, &utc));
    }
    case INTERVALOID: {
      struct pg_itm itm;
      interval2itm(*DatumGetIntervalP(d), &itm);
      EncodeInterval(&itm, INTSTYLE_ISO_8601, buf);
      return pstrdup(buf);
    }
    // Floats in their shortest exact form (the output under extra_float_digits 1, the
    // default), bytea in hex: a session with extra_float_digits 0 wrote 1.2345678 as 1,
    // naming another row, and bytea_output 'escape' another text for the same bytes.
    case FLOAT8OID: {
      char digits[DOUBLE_SHORTEST_DECIMAL_LEN];
      double_to_shortest_decimal_buf(DatumGetFloat8(d), digits);
      return pstrdup(digits);
    }
    case FLOAT4OID: {
      char digits[FLOAT_SHORTEST_DECIMAL_LEN];
      float_to_shortest_decimal_buf(DatumGetFloat4(d), digits);
      return pstrdup(digits);
    }
    case BYTEAOID: {
      static const char kHex[] = "0123456789abcdef";
      const bytea* b = DatumGetByteaPP(d);
      const size_t n = VARSIZE_ANY_EXHDR(b);
      const unsigned char* bytes = reinterpret_cast<const unsigned char*>(VARDATA_ANY(b));
      char* out = static_cast<char*>(palloc(2 * n + 3));
      out[0] = '\\';
      out[1] = 'x';
      for (size_t i = 0; i < n; ++i) {
        out[2 + 2 * i] = kHex[bytes[i] >> 4];
        out[3 + 2 * i] = kHex[bytes[i] & 0xF];
      }
      out[2 * n + 2] = '\0';
      return out;
    }
    default: {
      Oid out;
      bool varlena;
      getTypeOutputInfo(type, &out, &varlena);
      return OidOutputFunctionCall(out, d);
    }
  }
}

std::optional<std::string> KeyText(HeapTuple tup, TupleDesc desc, int attnum) {
  const char* v = PgCall([&]() -> const char* {
    bool isnull = false;
    Datum d = heap_getattr(tup, attnum, desc, &isnull);
    return isnull ? nullptr : KeyTextOf(d, TupleDescAttr(desc, attnum - 1)->atttypid);
  });
  if (!v) return std::nullopt;
  std::string out(v);
  pfree(const_cast<char*>(v));
  return out;
}

// One column of the primary key: its name, its value as text (nullopt: NULL), and
// whether it is written as a JSON number.
struct KeyPart {
  std::string name;
  std::optional<std::string> value;
  bool number = false;
  std::optional<int64> integer;  // the value of a smallint, integer or bigint key
};

// The primary key of tup; with redact, values are redacted as comply.audit would: a
// string by content, a number by the content of its text (a card number or a tax id
// used as a bigint key becomes its label, a string), as jsonb numbers are.
// With in_ledger, the parts are named as a ledger entry names the key's columns
// (TablePolicy::pk_in_ledger); their values are redacted with the real names as context.
std::vector<KeyPart> PrimaryKeyParts(const TablePolicy& p, HeapTuple tup, TupleDesc desc,
                                     bool redact, bool in_ledger = false) {
  std::vector<KeyPart> parts(p.pk_attnums.size());
  for (size_t i = 0; i < p.pk_attnums.size(); ++i) {
    KeyPart& k = parts[i];
    k.name = p.pk_names[i];
    Oid type = TupleDescAttr(desc, p.pk_attnums[i] - 1)->atttypid;
    if (type == INT2OID || type == INT4OID || type == INT8OID) {
      // Integers are written here, without the output function and numeric_in.
      bool isnull = false;
      Datum d = PgCall([&] { return heap_getattr(tup, p.pk_attnums[i], desc, &isnull); });
      if (!isnull) {
        k.integer = type == INT8OID   ? DatumGetInt64(d)
                    : type == INT4OID ? static_cast<int64>(DatumGetInt32(d))
                                      : static_cast<int64>(DatumGetInt16(d));
        k.value = std::to_string(*k.integer);
        k.number = true;
      }
    } else {
      k.value = KeyText(tup, desc, p.pk_attnums[i]);
      // Numbers stay numbers unless their digits are personal data (below). A text key
      // (an e-mail, say) is a string and is redacted.
      k.number = (type == OIDOID || type == NUMERICOID) &&
                 k.value && *k.value != "NaN" && k.value->find("Infinity") == std::string::npos;
    }
    if (k.value && redact) {
      std::string redacted = RedactTextDefault(*k.value, k.name);
      if (redacted != *k.value) {
        k.value = std::move(redacted);
        k.number = false;
        k.integer.reset();
      }
    }
    if (in_ledger && i < p.pk_in_ledger.size()) k.name = p.pk_in_ledger[i];
  }
  return parts;
}

// {"col": value, ...} of a key's parts, as JSON text.
std::string KeyPartsJson(const std::vector<KeyPart>& parts) {
  std::string out = "{";
  for (const KeyPart& k : parts) {
    if (out.size() > 1) out += ',';
    json::AppendQuoted(out, k.name);
    out += ':';
    if (!k.value) out += "null";
    else if (k.number) out += *k.value;
    else json::AppendQuoted(out, *k.value);
  }
  out += '}';
  return out;
}

// {"col": value, ...} of the primary key, as JSON text.
std::string PrimaryKeyJson(const TablePolicy& p, HeapTuple tup, TupleDesc desc,
                           bool redact = false) {
  return KeyPartsJson(PrimaryKeyParts(p, tup, desc, redact));
}

// The details of a row's ledger entry, {"operation": op, "primary_key": {...},
// "columns": [names]}, written in jsonb's binary form directly (jsonb_write.h: no
// JSON text to parse, no tree of JsonbValues to convert). key holds redacted parts; op
// and the names are the table's own identifiers, not data.
Jsonb* RowAuditDetails(const char* op, const std::vector<KeyPart>& key,
                       const std::vector<const char*>& columns, const std::string& partition) {
  // The key's numbers as numerics, first (PostgreSQL's: the only calls but the last).
  std::vector<Numeric> numbers(key.size(), nullptr);
  PgCall([&] {
    for (size_t i = 0; i < key.size(); ++i) {
      const KeyPart& k = key[i];
      if (!k.value || !k.number) continue;
      numbers[i] = k.integer ? int64_to_numeric(*k.integer)
                             : DatumGetNumeric(DirectFunctionCall3(numeric_in, CStringGetDatum(k.value->c_str()),
                                                                   ObjectIdGetDatum(InvalidOid),
                                                                   Int32GetDatum(-1)));
    }
  });
  // The key's members in jsonb's order (shorter names first, then by their bytes).
  std::vector<size_t> order(key.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    const std::string& x = key[a].name;
    const std::string& y = key[b].name;
    return x.size() != y.size() ? x.size() < y.size() : x < y;
  });
  // {"columns": [...], "operation": op, "partition": ..., "primary_key": {...}}: the
  // keys in jsonb's order.
  JsonbBytes out("the row's audit details");
  const bool partitioned = !partition.empty();
  JsonbContainerWriter root(&out, partitioned ? 4 : 3, true);
  root.Entry(out.String("columns"));
  root.Entry(out.String("operation"));
  if (partitioned) root.Entry(out.String("partition"));
  root.Entry(out.String("primary_key"));
  JsonbContainerWriter names(&out, static_cast<uint32>(columns.size()), false);
  for (const char* c : columns) names.Entry(out.String(c));
  root.Entry(names.End());
  root.Entry(out.String(op));
  if (partitioned) root.Entry(out.String(partition));
  JsonbContainerWriter pk(&out, static_cast<uint32>(key.size()), true);
  for (size_t i : order) pk.Entry(out.String(key[i].name));
  for (size_t i : order)
    pk.Entry(!key[i].value ? JENTRY_ISNULL : key[i].number ? out.Numeric(numbers[i]) : out.String(*key[i].value));
  root.Entry(pk.End());
  return PgCall([&] { return out.ToJsonb(); });
}

// Appends a ledger entry as comply.audit does, with details already redacted (built
// from redacted parts).
void Audit(const std::string& action, const std::string& object, Jsonb* details) {
  char* user = PgCall([] { return RoleName(GetUserId()); });
  (void)AppendAudit(user, TextDatumOf(action), TextDatumOf(object), details);
}

// The same with details as JSON text, redacted here, and the object redacted too (a
// table named after personal data reads as its labels, as in the drift watch's entries).
void Audit(const std::string& action, const std::string& object, const std::string& details) {
  Jsonb* doc = PgCall([&] {
    return DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(details.c_str())));
  });
  Audit(action, RedactTextDefault(object), RedactJsonbDefault(doc));
}

// The details of a TRUNCATE's ledger entry: {"operation": "TRUNCATE"} and the
// partition emptied, when it is one of the protected table's.
std::string TruncateDetails(const TablePolicy& p) {
  std::string details = "{\"operation\":\"TRUNCATE\"";
  if (!p.partition.empty()) {
    details += ",\"partition\":";
    json::AppendQuoted(details, p.partition);
  }
  return details + "}";
}

const char* OperationOf(TriggerData* td) {
  if (TRIGGER_FIRED_BY_INSERT(td->tg_event)) return "INSERT";
  if (TRIGGER_FIRED_BY_UPDATE(td->tg_event)) return "UPDATE";
  return "DELETE";
}

// Why d does not match column c's schema (comply.assert_valid's detail: paths, keys
// redacted, no values), or nullopt when it does.
std::optional<std::string> SchemaErrors(const TablePolicy& p, const ColumnPolicy& c, Datum d) {
  try {
    PgCall([&] {
      if (c.schema_options_jsonb)
        (void)FunctionCall3(const_cast<FmgrInfo*>(&p.assert_valid_options), d,
                            CStringGetTextDatum(c.schema.c_str()), c.schema_options_jsonb);
      else
        (void)FunctionCall2(const_cast<FmgrInfo*>(&p.assert_valid), d, CStringGetTextDatum(c.schema.c_str()));
    });
  } catch (const PgError& e) {
    if (e.sqlerrcode() != ERRCODE_CHECK_VIOLATION) throw;
    return e.detail();
  }
  return std::nullopt;
}

// What a stored value of a column declared encrypted looks like (posture::Classify of
// its first bytes).
posture::Classification ClassifyStored(Datum d) {
  bytea* v = PgCall([&] {
    return reinterpret_cast<bytea*>(pg_detoast_datum_slice(
        reinterpret_cast<struct varlena*>(DatumGetPointer(d)), 0,
        static_cast<int32>(posture::kMaxExamined)));
  });
  size_t total = PgCall([&] { return static_cast<size_t>(toast_raw_datum_size(d) - VARHDRSZ); });
  return posture::Classify(std::string_view(VARDATA_ANY(v), VARSIZE_ANY_EXHDR(v)), total);
}

// Who acts in this session, as a ledger entry written here would name them, for a
// record the job worker writes later (comply._audit_deferred): ,"origin":{...}. The
// application_name redacted already, as the entry will hold it.
std::string OriginMember() {
  const char* session = PgCall([] { return static_cast<const char*>(GetUserNameFromId(GetSessionUserId(), false)); });
  const char* acting = PgCall([] { return static_cast<const char*>(GetUserNameFromId(GetUserId(), false)); });
  const char* addr = PgCall([] { return static_cast<const char*>(ClientAddrText()); });
  std::string out = ",\"origin\":{\"session_user\":";
  json::AppendQuoted(out, session);
  out += ",\"current_user\":";
  json::AppendQuoted(out, acting);
  out += ",\"application_name\":";
  json::AppendQuoted(out, RedactedApplicationName());
  out += ",\"application_name_redacted\":true";
  out += ",\"client_addr\":";
  json::AppendQuoted(out, addr ? addr : "");
  out += '}';
  return out;
}

// The protected table whose stored rows comply.protect_existing is rewriting, if any:
// its UPDATE transforms the values it leaves unchanged, and skips the rows it would not
// change.
Oid existing_relid = InvalidOid;

// The stored row comply.protect_existing's UPDATE is at (set by BeforeRow for each row
// it rewrites): the table it is stored in (a partition, for a partitioned table) and its
// ctid, which identify the row it stopped at without showing a value of it.
struct ExistingRow {
  Oid relid = InvalidOid;
  std::string table;  // relid's name, schema-qualified (read before any error)
  std::string nspname, relname;  // the same, unquoted: as an error's fields name tables
  ItemPointerData ctid;
};
ExistingRow existing_row;

// Whether td is comply.protect_existing's UPDATE of a stored row of p's table.
bool RewritingExisting(TriggerData* td, const TablePolicy& p) {
  return TRIGGER_FIRED_BY_UPDATE(td->tg_event) && OidIsValid(existing_relid) &&
         existing_relid == p.protected_relid;
}

// Notes the row td is about as the one comply.protect_existing is rewriting: its ctid
// (that of the stored version, which the statement's rollback leaves in place).
void NoteExistingRow(TriggerData* td, const TablePolicy& p) {
  Relation rel = td->tg_relation;
  if (existing_row.relid != RelationGetRelid(rel)) {
    existing_row.relid = RelationGetRelid(rel);
    existing_row.table = p.partition.empty() ? p.table : p.partition;
    existing_row.relname = RelationGetRelationName(rel);
    const char* nsp = PgCall([&] { return get_namespace_name(RelationGetNamespace(rel)); });
    existing_row.nspname = nsp ? nsp : "";
  }
  existing_row.ctid = td->tg_trigtuple->t_self;
}

// The row existing_row names, for a message: its ctid as text ("(0,3)").
std::string ExistingCtid() {
  return "(" + std::to_string(ItemPointerGetBlockNumberNoCheck(&existing_row.ctid)) + "," +
         std::to_string(ItemPointerGetOffsetNumberNoCheck(&existing_row.ctid)) + ")";
}

// A DETAIL's sentence naming the row comply.protect_existing stopped at, and a HINT that
// finds it: by its table and ctid, never its values.
std::string ExistingRowDetail() {
  return "The row is stored at ctid " + ExistingCtid() + " of table " + existing_row.table +
         "; its values are not shown.";
}
std::string ExistingRowHint() {
  return "SELECT * FROM " + existing_row.table + " WHERE ctid = '" + ExistingCtid() +
         "' reads it (until it is updated again).";
}

// Rejects the row: the attempt goes to the ledger through the job worker (this
// transaction rolls back), then check_violation naming the column and the rule, never
// the value. A row of comply.protect_existing's is named by its ctid (in the ledger entry
// and the DETAIL).
[[noreturn]] void Reject(TriggerData* td, const TablePolicy& p, const ColumnPolicy& c,
                         const char* rule_key, const std::string& rule, const std::string& errors,
                         const std::string& message, const char* state = sqlstate::kCheckViolation) {
  std::string details = "{";
  json::AppendQuoted(details, "operation");
  details += ':';
  json::AppendQuoted(details, OperationOf(td));
  details += ',';
  json::AppendQuoted(details, "column");
  details += ':';
  json::AppendQuoted(details, c.name);
  details += ',';
  json::AppendQuoted(details, rule_key);
  details += ':';
  if (rule.empty()) details += "true"; else json::AppendQuoted(details, rule);
  details += ',';
  json::AppendQuoted(details, "errors");
  details += ':';
  json::AppendQuoted(details, errors);
  if (!p.partition.empty()) {
    details += ',';
    json::AppendQuoted(details, "partition");
    details += ':';
    json::AppendQuoted(details, p.partition);
  }
  const bool existing = RewritingExisting(td, p);
  // An UPDATE's row is named by its primary key as stored (QA 14: an auditor could not
  // tell which record someone tried to change), redacted as a row's entries name it.
  if (TRIGGER_FIRED_BY_UPDATE(td->tg_event) && !existing && !p.pk_attnums.empty()) {
    details += ',';
    json::AppendQuoted(details, "primary_key");
    details += ':' + KeyPartsJson(PrimaryKeyParts(p, td->tg_trigtuple,
                                                  RelationGetDescr(td->tg_relation), true, true));
  }
  if (existing) {
    // The row at fault (the AFTER trigger runs at the end of the statement, when the row
    // the BEFORE trigger saw last is another).
    NoteExistingRow(td, p);
    details += ',';
    json::AppendQuoted(details, "ctid");
    details += ':';
    json::AppendQuoted(details, ExistingCtid());
    details += ",\"by\":\"comply.protect_existing\"";
  }
  details += '}';
  std::string record = "{";
  json::AppendQuoted(record, "action");
  record += ":\"protect.rejected\",";
  json::AppendQuoted(record, "object");
  record += ':';
  json::AppendQuoted(record, p.table);
  record += ",\"details\":" + details + OriginMember() + "}";
  if (!DeferRecord("audit", record))
    PgCall([] {
      ereport(LOG, (errmsg("pg_comply: a rejected row could not be recorded in the ledger"),
                    errdetail("Rejected rows reach the ledger through the job worker: pg_comply "
                              "is not in shared_preload_libraries, comply.ai_worker is off, or "
                              "the worker did not keep up."),
                    errhint("Load pg_comply through shared_preload_libraries, with comply.ai_worker on."),
                    // The context would quote the statement, and so the row's values.
                    errhidecontext(true), errhidestmt(true)));
    });
  if (existing)
    throw RowError(state, "row rejected by the policy of " + p.table + ": " + message,
                   errors.empty() ? ExistingRowDetail() : errors + "\n" + ExistingRowDetail(),
                   ExistingRowHint());
  throw RowError(state, "row rejected by the policy of " + p.table + ": " + message, errors);
}


// Whether a and b, two values of a column of att's type, are the same value: the same
// bytes, or, for a varlena, the same once decompressed or fetched (a large document read
// and written back whole, as an ORM's full-row UPDATE does, arrives uncompressed where
// the stored one is compressed or out of line: it is unchanged all the same).
bool SameValue(Datum a, Datum b, Form_pg_attribute att) {
  return PgCall([&] {
    if (datumIsEqual(a, b, att->attbyval, att->attlen)) return true;
    return att->attlen == -1 &&
           (VARATT_IS_EXTENDED(DatumGetPointer(a)) || VARATT_IS_EXTENDED(DatumGetPointer(b))) &&
           datum_image_eq(a, b, false, -1);
  });
}

// The policy's values of a row a trigger returned (their datum images, by column name),
// with the table, transaction and command they were written in.
// - The row the BEFORE INSERT trigger returned last (key: the relation). In INSERT ... ON
//   CONFLICT DO UPDATE, EXCLUDED is that row: the usual SET c = EXCLUDED.c hands the
//   UPDATE trigger values validated and transformed already, which it must not check
//   again (a redacted document need not match its schema) nor transform again.
// - The row the BEFORE UPDATE trigger of a partition returned last (key: the protected
//   table). An UPDATE that moves a row to another partition deletes it there and inserts
//   it in the new one, whose BEFORE INSERT trigger then sees values the UPDATE already
//   checked and transformed (or left as stored): the same holds. That INSERT comes right
//   after the UPDATE's trigger, into another partition, with the same key: the memo
//   serves one INSERT that follows it (it is dropped at the next INSERT either way), and
//   only one into another partition whose row has the same primary key (or, without
//   one, the same values in every column). Another row written by the same statement
//   (WITH u AS (UPDATE ...) INSERT ...) that merely repeats a value the UPDATE left as
//   stored used to be taken for the moved row, and stored untransformed.
struct RowMemo {
  Oid key = InvalidOid;
  LocalTransactionId lxid = InvalidLocalTransactionId;
  CommandId cid = InvalidCommandId;
  // Non-null values only: the datum image, or for one larger than kMemoImageMax its
  // SHA-256 (a backend should not keep a copy of the largest document it ever wrote).
  std::vector<std::pair<std::string, std::string>> values;
  // update_memo: the partition the UPDATE ran in, and the row's identity: its primary
  // key's columns, or all its columns (name, then 'N' for null or 'V' and the image).
  Oid from_relid = InvalidOid;
  std::vector<std::pair<std::string, std::string>> identity;
};
RowMemo insert_memo;
RowMemo update_memo;

// The columns an UPDATE wrote with a new value that the policy transformed into the very
// value stored before (one e-mail replaced by another: both "[EMAIL_ADDRESS]"; a card by
// another with the same last four digits, masked): the AFTER trigger compares the stored
// values and would see no change, where the row's ledger entry must name the column.
// By relation and the old row's ctid (both triggers see it), a bit per policy column;
// set by the BEFORE trigger of each UPDATE, taken by the AFTER trigger, and dropped when
// another transaction starts (what a row skipped after the BEFORE trigger left).
struct RewrittenColumns {
  LocalTransactionId lxid = InvalidLocalTransactionId;
  std::unordered_map<Oid, std::unordered_map<uint64, uint64>> rows;
};
RewrittenColumns rewritten;

uint64 RowKey(const ItemPointerData& tid) {
  return static_cast<uint64>(ItemPointerGetBlockNumberNoCheck(&tid)) << 16 |
         ItemPointerGetOffsetNumberNoCheck(&tid);
}

// The transaction in which a protected table's row trigger last ran (ProtectedWriteSeen).
LocalTransactionId protected_write_lxid = InvalidLocalTransactionId;

// comply.protect calls under way in this backend (ProtectRunning).
int protect_running = 0;
struct ProtectRunningScope {
  ProtectRunningScope() { ++protect_running; }
  ~ProtectRunningScope() { --protect_running; }
};
constexpr size_t kMemoImageMax = 64 * 1024;

// What RowMemo keeps of a datum image.
void MemoImage(const char* data, size_t size, std::string* out) {
  if (size <= kMemoImageMax) {
    out->assign(data, size);
    if (out->capacity() > 2 * kMemoImageMax) out->shrink_to_fit();
    return;
  }
  const ledger::Hash h = ledger::Sha256(std::string_view(data, size));
  out->assign(reinterpret_cast<const char*>(h.data()), h.size());
  out->shrink_to_fit();
}

bool SameImage(const std::string& kept, const char* data, size_t size) {
  if (size <= kMemoImageMax) return kept.size() == size && memcmp(kept.data(), data, size) == 0;
  const ledger::Hash h = ledger::Sha256(std::string_view(data, size));
  return kept.size() == h.size() && memcmp(kept.data(), h.data(), h.size()) == 0;
}

// Remembers in *m the policy's values of row (of rel), under key.
void Remember(RowMemo* m, Oid key, Relation rel, HeapTuple row, const TablePolicy& p) {
  TupleDesc desc = RelationGetDescr(rel);
  m->key = InvalidOid;  // invalid until complete
  size_t n = 0;
  for (const ColumnPolicy& c : p.columns) {
    if (c.schema.empty() && c.redact == ColumnPolicy::Redact::kNone && !c.encrypted) continue;
    bool isnull = false;
    Datum d = PgCall([&] { return heap_getattr(row, c.attnum, desc, &isnull); });
    if (isnull) continue;
    Form_pg_attribute att = TupleDescAttr(desc, c.attnum - 1);
    if (n == m->values.size()) m->values.emplace_back();
    auto& slot = m->values[n++];
    slot.first = c.name;
    if (att->attbyval) {
      slot.second.assign(reinterpret_cast<const char*>(&d), sizeof(Datum));
    } else {
      size_t size = PgCall([&] { return datumGetSize(d, att->attbyval, att->attlen); });
      MemoImage(static_cast<const char*>(DatumGetPointer(d)), size, &slot.second);
    }
  }
  m->values.resize(n);
  m->lxid = MyProc->lxid;
  m->cid = GetCurrentCommandId(false);
  m->key = key;
}

// The identity of row (of rel) as RowMemo::identity keeps it: the columns named in names,
// or every column when names is empty.
void RowIdentity(Relation rel, HeapTuple row, const std::vector<std::string>& names,
                 std::vector<std::pair<std::string, std::string>>* out) {
  TupleDesc desc = RelationGetDescr(rel);
  out->clear();
  for (int i = 0; i < desc->natts; ++i) {
    Form_pg_attribute att = TupleDescAttr(desc, i);
    if (att->attisdropped) continue;
    std::string name = NameStr(att->attname);
    if (!names.empty() && std::find(names.begin(), names.end(), name) == names.end()) continue;
    bool isnull = false;
    Datum d = PgCall([&] { return heap_getattr(row, att->attnum, desc, &isnull); });
    std::string image = isnull ? "N" : "V";
    if (!isnull) {
      if (att->attbyval) {
        image.append(reinterpret_cast<const char*>(&d), sizeof(Datum));
      } else {
        size_t size = PgCall([&] { return datumGetSize(d, att->attbyval, att->attlen); });
        std::string kept;
        MemoImage(static_cast<const char*>(DatumGetPointer(d)), size, &kept);
        image += kept;
      }
    }
    out->emplace_back(std::move(name), std::move(image));
  }
}

// Remembers the row a BEFORE UPDATE trigger of partition rel returns, for the INSERT of
// a row movement (RowMoved).
void RememberUpdate(Relation rel, HeapTuple row, const TablePolicy& p) {
  Remember(&update_memo, p.protected_relid, rel, row, p);
  update_memo.key = InvalidOid;  // invalid until complete
  RowIdentity(rel, row, p.pk_names, &update_memo.identity);
  update_memo.from_relid = RelationGetRelid(rel);
  update_memo.key = p.protected_relid;
}

// Whether row, inserted into partition rel of p's table, is the row the last UPDATE moved
// there (see RowMemo). The memo is dropped either way.
bool RowMoved(Relation rel, HeapTuple row, const TablePolicy& p) {
  RowMemo& m = update_memo;
  const bool current = m.key == p.protected_relid && m.lxid == MyProc->lxid &&
                       m.cid == GetCurrentCommandId(false) && m.from_relid != RelationGetRelid(rel);
  m.key = InvalidOid;
  if (!current) return false;
  std::vector<std::pair<std::string, std::string>> identity;
  RowIdentity(rel, row, p.pk_names, &identity);
  std::sort(identity.begin(), identity.end());
  std::vector<std::pair<std::string, std::string>> kept = m.identity;
  std::sort(kept.begin(), kept.end());
  return !kept.empty() && identity == kept;
}

// True when value of column c (of rel) is the one m remembered, for key, in the current
// command (key InvalidOid: m was found current already, as RowMoved does).
bool Remembered(const RowMemo& m, Oid key, Relation rel, const ColumnPolicy& c, Datum value) {
  if (OidIsValid(key) && (m.key != key || m.lxid != MyProc->lxid || m.cid != GetCurrentCommandId(false)))
    return false;
  Form_pg_attribute att = TupleDescAttr(RelationGetDescr(rel), c.attnum - 1);
  for (const auto& [name, image] : m.values) {
    if (name != c.name) continue;
    if (att->attbyval) return image.size() == sizeof(Datum) && memcmp(image.data(), &value, sizeof(Datum)) == 0;
    size_t size = PgCall([&] { return datumGetSize(value, att->attbyval, att->attlen); });
    return SameImage(image, static_cast<const char*>(DatumGetPointer(value)), size);
  }
  return false;
}

// What the policy stores for the value d of column c, which it redacts, pseudonymizes or
// masks; nullopt when it stores d as it is (a value transformed already, or with nothing
// to redact). Needs the key for the columns that do (CheckPolicyKey first).
std::optional<Datum> Transform(const ColumnPolicy& c, Datum d) {
  if (c.type == JSONBOID) {
    Jsonb* jb = PgCall([&] { return DatumGetJsonbP(d); });
    Jsonb* out = RedactJsonbWith(jb, c.ops, c.keys, c.name);
    if (VARSIZE(out) == VARSIZE(jb) && memcmp(out, jb, VARSIZE(jb)) == 0) return std::nullopt;
    return PointerGetDatum(out);
  }
  std::string in = TextOf(d);
  // char(n) pads with blanks, which mean nothing (bpchar's comparisons ignore them):
  // the value is what comes before them; the coercion BeforeRow applies pads again.
  if (c.type == BPCHAROID) in.erase(in.find_last_not_of(' ') + 1);
  std::string out;
  switch (c.redact) {
    case ColumnPolicy::Redact::kContent: out = RedactTextWith(in, c.ops, c.name); break;
    case ColumnPolicy::Redact::kPseudonymize:
      out = pii::IsPseudonym(in) ? in : pii::Pseudonym(HmacKey(), in, InterruptCheck());
      break;
    case ColumnPolicy::Redact::kMask: out = pii::ApplyOperator(c.mask, "", in, {}); break;
    default: return std::nullopt;
  }
  if (out == in) return std::nullopt;
  return TextDatumOf(out);
}

// Refuses to pseudonymize with another key than the one comply.protect recorded: the
// new pseudonyms would not join with those stored (a key file replaced, a server set
// up with a key of its own, a restore onto it).
void CheckPolicyKey(const TablePolicy& p) {
  if (p.key_id.empty()) return;  // protected before keys were recorded
  const std::string& now = HmacKeyId();
  if (now == p.key_id) return;
  throw Error(sqlstate::kObjectNotInPrerequisiteState,
              "the pseudonymization key is not the one protected table " + p.table +
                  " was protected with",
              "comply.protect recorded key " + p.key_id + "; comply.hmac_key_file holds key " +
                  now + " (comply.pseudonym_key_id()).",
              "Restore that key file, or call comply.protect() again to adopt this key "
              "(pseudonyms made with the two keys do not match).");
}

// Why relid's policy, which pseudonymizes, cannot write now for want of its key (no key
// file, an unusable one, another key than the one comply.protect recorded), or "".
std::string KeyProblem(Oid relid) {
  std::optional<std::string> recorded;
  {
    AsExtensionOwner owner("policies");
    SpiScope spi;
    Oid types[1] = {OIDOID};
    Datum v[1] = {ObjectIdGetDatum(relid)};
    if (SpiExec("SELECT pseudonym_key_id FROM comply.policies WHERE table_name = $1::regclass", 1,
                types, v, nullptr, true, SPI_OK_SELECT) > 0)
      recorded = SpiText(0, 1);
  }
  std::string now;
  try {
    now = HmacKeyId();
  } catch (const Error& e) {
    return std::string("pseudonymization needs a key: ") + e.what();
  }
  if (recorded && *recorded != now)
    return "the pseudonymization key is not the one the table was protected with "
           "(comply.hmac_key_file changed)";
  return "";
}

// BEFORE INSERT OR UPDATE: validation and redaction; returns the row to store (nullptr:
// none, for a row comply.protect_existing would leave as it is).
HeapTuple BeforeRow(TriggerData* td, const TablePolicy& p) {
  Relation rel = td->tg_relation;
  TupleDesc desc = RelationGetDescr(rel);
  const bool is_update = TRIGGER_FIRED_BY_UPDATE(td->tg_event);
  // comply.protect_existing: the stored values are transformed as if written now; they
  // are not validated again (a schema may have changed since; comply.validate finds
  // the rows that do not match).
  const bool existing = RewritingExisting(td, p);
  if (existing)
    NoteExistingRow(td, p);
  else if (OidIsValid(existing_relid) && existing_relid == p.protected_relid)
    // Another write to the table being rewritten (a user's trigger inserting into it): a
    // constraint error now is about that row, not the one rewritten last.
    existing_row.relid = InvalidOid;
  HeapTuple tup = is_update ? td->tg_newtuple : td->tg_trigtuple;
  // (Its values are compared below, column by column, with the memo's.)
  const bool moved = !is_update && !existing && !p.partition.empty() && RowMoved(rel, tup, p);
  std::vector<int> cols;
  std::vector<Datum> values;
  std::vector<bool> nulls;
  uint64 rewritten_mask = 0;  // RewrittenColumns
  for (size_t ci = 0; ci < p.columns.size(); ++ci) {
    const ColumnPolicy& c = p.columns[ci];
    if (c.schema.empty() && c.redact == ColumnPolicy::Redact::kNone && !c.encrypted) continue;
    bool isnull = false;
    Datum d = PgCall([&] { return heap_getattr(tup, c.attnum, desc, &isnull); });
    if (isnull) continue;
    bool old_null = true;
    Datum old = (Datum)0;
    if (existing) {
      if (c.redact == ColumnPolicy::Redact::kNone) continue;
    } else if (is_update) {
      // A value the UPDATE did not change was checked and transformed when it was
      // written: transforming it again would, say, pseudonymize a pseudonym.
      old = PgCall([&] { return heap_getattr(td->tg_trigtuple, c.attnum, desc, &old_null); });
      Form_pg_attribute att = TupleDescAttr(desc, c.attnum - 1);
      if (!old_null && SameValue(old, d, att)) continue;
      // SET c = EXCLUDED.c of an upsert: checked and transformed by the insert.
      if (Remembered(insert_memo, RelationGetRelid(rel), rel, c, d)) continue;
    } else if (moved && Remembered(update_memo, InvalidOid, rel, c, d)) {
      continue;  // a row an UPDATE moved here from another partition
    }
    if (!c.schema.empty() && !existing) {
      if (std::optional<std::string> errors = SchemaErrors(p, c, d))
        Reject(td, p, c, "schema", c.schema, *errors,
               "column \"" + c.name + "\" does not match schema \"" + c.schema + "\"");
    }
    if (c.encrypted && !existing) {
      // A column declared encrypted refuses a value that is not ciphertext, such as
      // a clear value written by a client that forgot pgp_sym_encrypt(). Sixteen bytes
      // in a time-based UUID's form pass: no clear value has it, and a single cipher
      // block does about once in a thousand (an SSN encrypted alone was refused so).
      posture::Classification k = ClassifyStored(d);
      const std::string_view format(k.evidence.format);
      const bool uuid_like = format.size() >= 9 && format.substr(format.size() - 9) == "uuid-like";
      if (k.verdict != posture::Verdict::kEncrypted && !uuid_like)
        Reject(td, p, c, "encrypted", "", "the value is not ciphertext (" + k.evidence.format + ")",
               "column \"" + c.name + "\" must hold ciphertext");
    }
    if (c.redact == ColumnPolicy::Redact::kNone) continue;
    if (c.NeedsKey()) CheckPolicyKey(p);
    std::optional<Datum> transformed;
    try {
      transformed = Transform(c, d);
    } catch (const Error& e) {
      // A value larger than comply.max_input_bytes cannot be redacted: the row is
      // refused as it was (54000), now naming the column, and recorded like any row the
      // policy refuses (it said only "input exceeds comply.max_input_bytes", and left no
      // trace of the attempt).
      if (std::string_view(e.sqlstate()) != sqlstate::kProgramLimitExceeded) throw;
      Reject(td, p, c, "redact", "",
             "the value is larger than comply.max_input_bytes (" + std::to_string(max_input_bytes) + " bytes)",
             "column \"" + c.name + "\" is too large to redact", sqlstate::kProgramLimitExceeded);
    }
    if (!transformed) continue;
    Datum replaced = *transformed;
    if (c.type != JSONBOID) {
      if (c.typmod >= 0 && (c.type == VARCHAROID || c.type == BPCHAROID)) {
        // The length PostgreSQL checked was that of the value written: a label or a
        // pseudonym may not fit varchar(n) or char(n). Such a row is rejected, not
        // stored longer than its column allows (a dump of it could not be restored).
        try {
          replaced = PgCall([&] {
            return c.type == VARCHAROID
                       ? DirectFunctionCall3(varchar, replaced, Int32GetDatum(c.typmod), BoolGetDatum(false))
                       : DirectFunctionCall3(bpchar, replaced, Int32GetDatum(c.typmod), BoolGetDatum(false));
          });
        } catch (const PgError& e) {
          if (e.sqlerrcode() != ERRCODE_STRING_DATA_RIGHT_TRUNCATION) throw;
          const std::string type = PgCall([&] {
            return static_cast<const char*>(format_type_with_typemod(c.type, c.typmod));
          });
          Reject(td, p, c, "length", type, e.what(),
                 "column \"" + c.name + "\" as transformed does not fit " + type);
        }
      }
    }
    if (OidIsValid(c.domain)) {
      // PostgreSQL checked the domain's constraints on the value written, not on ours:
      // a value that breaks them must not be stored (a dump could not be restored).
      try {
        // The column's cache is in use by a check that is still running when that check
        // writes this table again (a function in the domain's CHECK): the nested check
        // gets a cache of its own, which would otherwise overwrite the running one's value.
        struct Busy {
          bool& flag;
          const bool was;
          explicit Busy(bool& f) : flag(f), was(f) { flag = true; }
          ~Busy() { flag = was; }
        } busy(c.domain_busy);
        PgCall([&] {
          if (!p.context)
            p.context = AllocSetContextCreate(TopMemoryContext, "pg_comply policy",
                                              ALLOCSET_SMALL_SIZES);
          if (busy.was) {
            void* own_cache = nullptr;
            domain_check(replaced, false, c.domain, &own_cache, CurrentMemoryContext);
          } else {
            domain_check(replaced, false, c.domain, &c.domain_cache, p.context);
          }
        });
      } catch (const PgError& e) {
        // A check that fails on the transformed value by raising an error of its own (a
        // cast of a masked value, a function's RAISE EXCEPTION) refuses it as much as one
        // that says false: a rejection too, its message (which may quote the value) left
        // out. Errors that are no verdict on the value (a cancel, a deadlock or
        // serialization failure, a lock timeout, resources, the system) are raised again
        // with their SQLSTATE, so that a client retries as it would, but with a message
        // of pg_comply's: the check's own may quote the value all the same.
        const int code = e.sqlerrcode();
        const bool violated = code == ERRCODE_CHECK_VIOLATION || code == ERRCODE_NOT_NULL_VIOLATION;
        const std::string domain = PgCall([&] { return static_cast<const char*>(format_type_be(c.domain)); });
        const std::string state = PgCall([&] { return static_cast<const char*>(unpack_sql_state(code)); });
        const int category = ERRCODE_TO_CATEGORY(code);
        if (category == ERRCODE_TO_CATEGORY(ERRCODE_QUERY_CANCELED)) throw;  // 57: PostgreSQL's own words
        if (!violated &&
            (category == ERRCODE_CONNECTION_EXCEPTION || category == ERRCODE_INVALID_TRANSACTION_STATE ||
             category == ERRCODE_TRANSACTION_ROLLBACK || category == ERRCODE_INSUFFICIENT_RESOURCES ||
             category == ERRCODE_PROGRAM_LIMIT_EXCEEDED ||
             category == ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE || category == ERRCODE_SYSTEM_ERROR ||
             category == ERRCODE_CONFIG_FILE_ERROR || category == ERRCODE_INTERNAL_ERROR)) {
          PgError again(code,
                        "the check of domain " + domain + " on the transformed value of column \"" +
                            c.name + "\" of " + p.table + " failed (SQLSTATE " + state + ")",
                        "The check's own message is not shown: it may quote the value.", {});
          again.HideContext();
          throw again;
        }
        Reject(td, p, c, "domain", domain,
               violated ? std::string(e.what())
                        : std::string("the check of domain ") + domain +
                              " raised an error on the transformed value (SQLSTATE " + state + ")",
               "column \"" + c.name + "\" as transformed breaks the constraints of domain " + domain);
      }
    }
    if (is_update && !existing && !old_null && ci < 64 &&
        SameValue(old, replaced, TupleDescAttr(desc, c.attnum - 1)))
      rewritten_mask |= uint64{1} << ci;
    cols.push_back(c.attnum);
    values.push_back(replaced);
    nulls.push_back(false);
  }
  // (Nothing to note and nothing noted: no bookkeeping, the common UPDATE.)
  if (is_update && !existing && p.audit && (rewritten_mask != 0 || !rewritten.rows.empty())) {
    const LocalTransactionId lxid = PgCall([] { return MyProc->lxid; });
    if (rewritten.lxid != lxid) {
      rewritten.rows.clear();
      rewritten.lxid = lxid;
    }
    const Oid relid = RelationGetRelid(rel);
    const uint64 key = RowKey(td->tg_trigtuple->t_self);
    if (rewritten_mask != 0) {
      rewritten.rows[relid][key] = rewritten_mask;
    } else if (auto it = rewritten.rows.find(relid); it != rewritten.rows.end()) {
      it->second.erase(key);
    }
  }
  if (cols.empty()) {
    if (!is_update) Remember(&insert_memo, RelationGetRelid(rel), rel, tup, p);
    if (is_update && !p.partition.empty()) RememberUpdate(rel, tup, p);
    return existing ? nullptr : tup;
  }
  HeapTuple out = PgCall([&] {
    bool* isnull = static_cast<bool*>(palloc(sizeof(bool) * nulls.size()));
    for (size_t i = 0; i < nulls.size(); ++i) isnull[i] = nulls[i];
    return heap_modify_tuple_by_cols(tup, desc, static_cast<int>(cols.size()), cols.data(),
                                     values.data(), isnull);
  });
  if (!is_update) Remember(&insert_memo, RelationGetRelid(rel), rel, out, p);
  if (is_update && !p.partition.empty()) RememberUpdate(rel, out, p);
  return out;
}

// The BEFORE row triggers for INSERT or UPDATE of rel that fire after
// comply_protect_before (in the order of their names), quoted and comma-separated; ""
// when there are none.
std::string LaterBeforeTriggers(Relation rel) {
  std::string out;
  const TriggerDesc* desc = rel->trigdesc;
  for (int i = 0; desc && i < desc->numtriggers; ++i) {
    const Trigger& t = desc->triggers[i];
    if (t.tgisinternal || t.tgenabled == TRIGGER_DISABLED) continue;
    if (!TRIGGER_FOR_ROW(t.tgtype) || !TRIGGER_FOR_BEFORE(t.tgtype)) continue;
    if (!TRIGGER_FOR_INSERT(t.tgtype) && !TRIGGER_FOR_UPDATE(t.tgtype)) continue;
    if (strcmp(t.tgname, "comply_protect_before") <= 0) continue;
    if (!out.empty()) out += ", ";
    out += PgCall([&] { return quote_identifier(t.tgname); });
  }
  return out;
}

// BEFORE row triggers fire in the order of their names: one that sorts after
// comply_protect_before runs on the values the policy produced and may change them
// (put a clear value back, say). On a relation with such triggers, each value the
// policy transforms must be stored as the policy leaves it; a row where a later trigger
// changed one is rejected like a row that fails validation. (Whether the policy would
// change the stored value is the test: the AFTER trigger cannot tell which BEFORE row
// it follows.)
void CheckLaterTriggers(TriggerData* td, const TablePolicy& p) {
  if (!p.later_before) p.later_before = LaterBeforeTriggers(td->tg_relation);
  if (p.later_before->empty()) return;
  const bool is_update = TRIGGER_FIRED_BY_UPDATE(td->tg_event);
  TupleDesc desc = RelationGetDescr(td->tg_relation);
  HeapTuple row = is_update ? td->tg_newtuple : td->tg_trigtuple;
  const std::string why = "One of the BEFORE triggers that fire after comply_protect_before (" +
                          *p.later_before + ") changed the value the policy ";
  for (const ColumnPolicy& c : p.columns) {
    if (c.redact == ColumnPolicy::Redact::kNone && c.schema.empty() && !c.encrypted) continue;
    bool isnull = false;
    Datum d = PgCall([&] { return heap_getattr(row, c.attnum, desc, &isnull); });
    if (isnull) continue;
    bool unchanged = false;
    if (is_update) {
      // Unchanged: it was stored through the policy before. Not in comply.protect_existing's
      // rewrite, where the stored value may predate the policy: a later trigger that puts
      // it back undoes the transformation (the row was counted as changed, its value left
      // in clear); only whether it would be transformed is asked then.
      bool old_null = false;
      Datum old = PgCall([&] { return heap_getattr(td->tg_trigtuple, c.attnum, desc, &old_null); });
      Form_pg_attribute att = TupleDescAttr(desc, c.attnum - 1);
      unchanged = !old_null && SameValue(old, d, att);
      if (unchanged && (c.redact == ColumnPolicy::Redact::kNone || !RewritingExisting(td, p))) continue;
    }
    const std::string changed = "column \"" + c.name + "\" was changed after the policy ran";
    // A column validated and not transformed: what is stored must still match (one
    // that is redacted too may not, by design: its labels are no longer the format).
    if (!unchanged && !c.schema.empty() && c.redact == ColumnPolicy::Redact::kNone) {
      if (std::optional<std::string> errors = SchemaErrors(p, c, d))
        Reject(td, p, c, "changed_after_policy", *p.later_before,
               why + "checked against schema \"" + c.schema + "\": " + *errors, changed);
    }
    if (!unchanged && c.encrypted) {
      posture::Classification k = ClassifyStored(d);
      if (k.verdict != posture::Verdict::kEncrypted)
        Reject(td, p, c, "changed_after_policy", *p.later_before,
               why + "checked for ciphertext: the value is not ciphertext (" + k.evidence.format + ")",
               changed);
    }
    if (c.redact == ColumnPolicy::Redact::kNone) continue;
    if (c.NeedsKey()) CheckPolicyKey(p);
    if (!Transform(c, d)) continue;
    Reject(td, p, c, "changed_after_policy", *p.later_before, why + "stored.", changed);
  }
}

// A review.withdrawn ledger entry for each review case withdrawn, with why.
void RecordWithdrawn(const std::vector<int64>& cases, const std::string& reason) {
  for (int64 id : cases) {
    std::string details = "{\"case_id\":" + std::to_string(id) + ",\"reason\":";
    json::AppendQuoted(details, reason);
    Audit("review.withdrawn", "comply.review_cases/" + std::to_string(id), details + "}");
  }
}

// What pg_comply still has to do for a row of p (all its columns, or column c) that is
// gone or whose value changed (with pk null, for every row: the table truncated): its
// classification jobs still queued are cancelled (nothing of it is sent to a model
// any more; a job being classified is cancelled too, and the worker then discards its
// answer), and the review cases still open for its jobs are withdrawn (nobody is asked
// to label it), each a ledger entry. A row's work is left alone in a table without a
// primary key, whose jobs cannot tell one row from another.
void CancelPendingWork(const TablePolicy& p, const std::string* pk, const ColumnPolicy* c,
                       const char* what) {
  const std::string reason = std::string(what) + " before it was classified";
  const std::string review_reason = std::string(what) + " before it was reviewed";
  if (pk && p.pk_attnums.empty()) return;
  std::vector<int64> withdrawn;
  {
    AsExtensionOwner owner("ai_jobs");
    SpiScope spi;
    Oid types[4] = {TEXTOID, TEXTOID, TEXTOID, TEXTOID};
    Datum v[4] = {TextDatumOf(p.table), TextDatumOf(pk ? *pk : std::string()), TextDatumOf(reason),
                  TextDatumOf(c ? c->name : std::string())};
    const char nulls[4] = {' ', pk ? ' ' : 'n', ' ', c ? ' ' : 'n'};
    const char* row = "subject ->> 'table' = $1 AND ($2 IS NULL OR subject -> 'primary_key' = $2::jsonb) "
                      "AND ($4 IS NULL OR subject ->> 'column' = $4)";
    SpiExec((std::string("UPDATE comply.ai_jobs SET status = 'cancelled', last_error = $3, "
                         "finished_at = now() WHERE status IN ('queued', 'running') AND ") + row).c_str(),
            4, types, v, nulls, false, SPI_OK_UPDATE);
    const uint64 n = SpiExec(
        (std::string("UPDATE comply.review_cases r SET status = 'withdrawn', assignee = NULL, assignee_role = NULL, "
                     "claimed_at = NULL, claim_expires_at = NULL, decided_at = clock_timestamp() "
                     "WHERE r.status IN ('pending', 'escalated', 'claimed') AND r.job_id IN "
                     "(SELECT id FROM comply.ai_jobs WHERE ") + row + ") RETURNING r.id").c_str(),
        4, types, v, nulls, false, SPI_OK_UPDATE_RETURNING);
    for (uint64 i = 0; i < n; ++i) withdrawn.push_back(SpiInt(i, 1).value_or(0));
  }
  RecordWithdrawn(withdrawn, review_reason);
}

// AFTER INSERT, UPDATE or DELETE: the ledger entry and classification jobs.
void AfterRow(TriggerData* td, const TablePolicy& p) {
  Relation rel = td->tg_relation;
  TupleDesc desc = RelationGetDescr(rel);
  bool is_update = TRIGGER_FIRED_BY_UPDATE(td->tg_event);
  bool is_delete = TRIGGER_FIRED_BY_DELETE(td->tg_event);
  HeapTuple row = is_update ? td->tg_newtuple : td->tg_trigtuple;
  if (!is_delete) CheckLaterTriggers(td, p);
  if (p.audit) {
    // Which columns changed (names only: values may be personal data even redacted).
    std::vector<const char*> changed;
    uint64 rewritten_mask = 0;
    if (is_update && !rewritten.rows.empty()) {
      if (auto it = rewritten.rows.find(RelationGetRelid(rel)); it != rewritten.rows.end()) {
        if (auto row_it = it->second.find(RowKey(td->tg_trigtuple->t_self)); row_it != it->second.end()) {
          rewritten_mask = row_it->second;
          it->second.erase(row_it);
        }
      }
    }
    for (int i = 0; i < desc->natts; ++i) {
      Form_pg_attribute att = TupleDescAttr(desc, i);
      if (att->attisdropped) continue;
      bool differs = true;
      bool rewrote = false;
      for (size_t ci = 0; rewritten_mask != 0 && ci < p.columns.size() && ci < 64; ++ci)
        rewrote |= (rewritten_mask >> ci & 1) != 0 && p.columns[ci].attnum == i + 1;
      if (is_update && !rewrote) {
        bool n1, n2;
        Datum a = PgCall([&] { return heap_getattr(td->tg_trigtuple, i + 1, desc, &n1); });
        Datum b = PgCall([&] { return heap_getattr(td->tg_newtuple, i + 1, desc, &n2); });
        differs = n1 != n2 || (!n1 && !SameValue(a, b, att));
      }
      if (differs)
        changed.push_back(static_cast<size_t>(i) < p.columns_in_ledger.size() && !p.columns_in_ledger[i].empty()
                              ? p.columns_in_ledger[i].c_str()
                              : NameStr(att->attname));
    }
    Audit(OperationOf(td), p.table_in_ledger,
          RowAuditDetails(OperationOf(td), PrimaryKeyParts(p, row, desc, true, true), changed,
                          p.partition_in_ledger));
  }
  if (!p.any_classify) return;
  if (is_delete) {
    // The row is gone: its classification jobs still queued would send what is left of
    // it to a model for nothing.
    const std::string pk = PrimaryKeyJson(p, row, desc);
    CancelPendingWork(p, &pk, nullptr, "the row was deleted");
    return;
  }
  std::string pk = PrimaryKeyJson(p, row, desc);
  for (const ColumnPolicy& c : p.columns) {
    if (!c.classify) continue;
    bool isnull = false;
    Datum d = PgCall([&] { return heap_getattr(row, c.attnum, desc, &isnull); });
    const std::string value = isnull ? std::string() : TextOf(d);
    if (is_update) {
      bool old_null = false;
      Datum old = PgCall([&] { return heap_getattr(td->tg_trigtuple, c.attnum, desc, &old_null); });
      if (old_null == isnull && (isnull || TextOf(old) == value)) continue;  // unchanged: no new job
      // A job for the value it replaces, still queued, would classify a value that is
      // no longer stored.
      const std::string old_pk = PrimaryKeyJson(p, td->tg_trigtuple, desc);
      CancelPendingWork(p, &old_pk, &c, "the value was changed");
    }
    if (isnull) continue;
    if (!HasWord(value)) continue;  // empty or blank: nothing to classify, as for NULL
    std::string subject = "{\"table\":";
    json::AppendQuoted(subject, p.table);
    subject += ",\"primary_key\":" + pk + ",\"column\":";
    json::AppendQuoted(subject, c.name);
    subject += '}';
    std::string input = RedactTextDefault(value, c.name);
    std::string labels = "[";
    for (const std::string& l : c.labels) {
      if (labels.size() > 1) labels += ',';
      json::AppendQuoted(labels, l);
    }
    labels += ']';
    bool openai = c.model.rfind("openai:", 0) == 0;
    std::string model = openai ? c.model.substr(7)
                               : (c.model.rfind("builtin:", 0) == 0 ? c.model.substr(8) : c.model);
    // The writing role, read before the switch to the extension's owner.
    const Oid writer_role = GetUserId();
    // The invoking role too, when it is another (GetOuterUserId: SET ROLE's, or the
    // login's): a write made through a SECURITY DEFINER function runs as its owner, a
    // cascade as the table's, but whoever made it must not decide its case either
    // (comply.review_four_eyes).
    const Oid invoker_role = GetOuterUserId();
    const Datum writer =
        TextDatumOf(PgCall([=] { return static_cast<const char*>(GetUserNameFromId(writer_role, false)); }));
    AsExtensionOwner owner("ai_jobs");
    SpiScope spi;
    Oid types[9] = {TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, OIDOID, OIDOID};
    Datum v[9] = {writer,
                  TextDatumOf(c.queue), TextDatumOf(subject), TextDatumOf(input),
                  TextDatumOf(labels), TextDatumOf(openai ? "openai" : "builtin"), TextDatumOf(model),
                  ObjectIdGetDatum(writer_role), ObjectIdGetDatum(invoker_role)};
    char nulls[9] = {' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', invoker_role != writer_role ? ' ' : 'n'};
    SpiExec("INSERT INTO comply.ai_jobs (created_by, queue, subject, input, labels, provider, model, "
            "created_by_role, created_by_invoker_role) "
            "SELECT $1, $2, $3::jsonb, $4, CASE WHEN $5 = '[]' THEN NULL "
            "ELSE ARRAY(SELECT jsonb_array_elements_text($5::jsonb)) END, $6, $7, $8, $9",
            9, types, v, nulls, false, SPI_OK_INSERT);
    NoteJobQueued();
  }
}

// DROP TRIGGER statements for the protect triggers that exist on relid (needs SPI).
std::string DropTriggersSql(Oid relid, const std::string& table) {
  SearchPathPin pin;  // (the DROP statements run after, with the caller's path)
  Oid types[1] = {OIDOID};
  Datum values[1] = {ObjectIdGetDatum(relid)};
  uint64 n = SpiExec("SELECT tgname::text FROM pg_catalog.pg_trigger WHERE tgrelid = $1 "
                     "AND tgname IN ('comply_protect_before', 'comply_protect_after', "
                     "'comply_protect_truncate')",
                     1, types, values, nullptr, true, SPI_OK_SELECT);
  std::string sql;
  for (uint64 i = 0; i < n; ++i)
    sql += "DROP TRIGGER " + SpiText(i, 1).value_or("") + " ON " + table + "; ";
  return sql;
}

}  // namespace

// A schema renamed: the cached policies name their tables by qualified name (the ledger
// entries' object), and no relcache invalidation says so.
void InvalidatePoliciesOnSchema(Datum, int, uint32) {
  if (policy_cache) {
    policy_cache->by_rel.clear();
    ++policy_cache->invalidations;
  }
  if (read_audit) read_audit->clear();
}

namespace {

// The tables whose writes in replica mode this transaction has recorded (or found
// unprotected), and the transaction.
std::vector<Oid>* replica_writes_memo = nullptr;
LocalTransactionId replica_writes_lxid = InvalidLocalTransactionId;

// A subtransaction that rolls back takes its drift entries with it: the tables it
// recorded must be recorded again if written later in the transaction. The whole memo
// is dropped (recording again a table recorded before it costs one entry more).
void ForgetReplicaWritesOnAbort(SubXactEvent event, SubTransactionId, SubTransactionId, void*) {
  if (event == SUBXACT_EVENT_ABORT_SUB && replica_writes_memo) replica_writes_memo->clear();
}

}  // namespace

bool ProtectRunning() { return protect_running > 0; }

namespace {
// What pg_stat_activity.query shows, and the postmaster's "Failed process was running"
// line if the backend crashes, in place of a statement that writes to a protected table:
// its text holds the values as the client sent them.
constexpr char kHiddenActivity[] = "<statement hidden by pg_comply: it writes to a protected table>";
}  // namespace

void HideActivity() {
  if (!pgstat_track_activities || MyBEEntry == nullptr ||
      strcmp(MyBEEntry->st_activity_raw, kHiddenActivity) == 0)
    return;
  const uint64 query_id = pgstat_get_my_query_id();
  pgstat_report_activity(STATE_RUNNING, kHiddenActivity);
  pgstat_report_query_id(query_id, true);
}

bool ProtectedWriteSeen() {
  return MyProc != nullptr && protected_write_lxid != InvalidLocalTransactionId &&
         protected_write_lxid == MyProc->lxid;
}

void NoteCopyInto(const RangeVar* relation) {
  if (MyProc == nullptr || RecoveryInProgress() || XactReadOnly) return;
  // The lock COPY FROM takes, taken first (COPY checks the privileges once it holds it).
  const Oid relid = RangeVarGetRelid(relation, RowExclusiveLock, true);
  if (!OidIsValid(relid)) return;
  const Oid comply = get_namespace_oid("comply", true);
  if (!OidIsValid(comply)) return;
  Relation rel = relation_open(relid, NoLock);
  bool found = false;
  for (int i = 0; rel->trigdesc != nullptr && i < rel->trigdesc->numtriggers && !found; ++i) {
    const Trigger& t = rel->trigdesc->triggers[i];
    if (t.tgenabled == TRIGGER_DISABLED || get_func_namespace(t.tgfoid) != comply) continue;
    char* name = get_func_name(t.tgfoid);
    found = name != nullptr && strcmp(name, "_protect_row") == 0;
  }
  relation_close(rel, NoLock);
  if (found) protected_write_lxid = MyProc->lxid;
}

void ProtectInit() {
  CacheRegisterRelcacheCallback(InvalidatePolicies, (Datum)0);
  CacheRegisterSyscacheCallback(NAMESPACEOID, InvalidatePoliciesOnSchema, (Datum)0);
  RegisterSubXactCallback(ForgetReplicaWritesOnAbort, nullptr);
}

// A partition of p's table emptied (TRUNCATE of the partition alone): its rows' jobs
// still queued or running are cancelled and the review cases still open for their
// jobs withdrawn, as for a DELETE. The jobs name the protected table and a primary key,
// not the partition: a job's row is gone when no row of the table has its key, looked
// up by the key's index. Only keys of types whose text form reads back the same in any
// session (integers, numeric, text, uuid, boolean) are looked up; the jobs of other
// tables are left as they are.
namespace {

// The condition, on a job j, that its subject names a row of p's table that the table
// no longer holds (an index lookup of its key); nullopt when p has no primary key or a
// key column of a type whose text may not read back the same in this session.
std::optional<std::string> GoneCondition(const TablePolicy& p) {
  if (p.pk_attnums.empty()) return std::nullopt;
  std::string match;
  for (size_t i = 0; i < p.pk_attnums.size(); ++i) {
    const char* read_as = PgCall([&] {
      Oid type;
      int32 typmod;
      Oid collation;
      get_atttypetypmodcoll(p.relid, static_cast<AttrNumber>(p.pk_attnums[i]), &type, &typmod,
                            &collation);
      return KeyReadType(type, typmod);
    });
    if (!read_as) return std::nullopt;
    const std::string type_name = read_as;
    const char* name = p.pk_names[i].c_str();
    const std::string column = PgCall([&] { return quote_identifier(name); });
    const std::string key = PgCall([&] { return static_cast<const char*>(quote_literal_cstr(name)); });
    match += (match.empty() ? "" : " AND ") + std::string("t.") + column + " = (j.subject -> 'primary_key' ->> " +
             key + ")::" + type_name;
  }
  return "jsonb_typeof(j.subject -> 'primary_key') = 'object' AND NOT EXISTS (SELECT 1 FROM " + p.table +
         " t WHERE " + match + ")";
}

// Runs an SPI statement that looks at protected tables for pg_comply's own purposes:
// not a read to audit.
uint64 SpiExecNotARead(const std::string& sql, int n, Oid* types, Datum* values, int expected) {
  not_a_read = true;
  try {
    const uint64 rows = SpiExec(sql.c_str(), n, types, values, nullptr, false, expected);
    not_a_read = false;
    return rows;
  } catch (...) {
    not_a_read = false;
    throw;
  }
}

// The work of p's rows that are gone (their partition was truncated, dropped or
// detached): what is the row's partition, "truncated", say.
void CancelWorkOfGoneRows(const TablePolicy& p, const std::string& what) {
  if (!p.any_classify) return;
  const std::optional<std::string> gone_row = GoneCondition(p);
  if (!gone_row) return;
  const std::string gone = "j.subject ->> 'table' = $1 AND " + *gone_row;
  std::vector<int64> withdrawn;
  {
    AsExtensionOwner owner("ai_jobs");
    SpiScope spi;
    Oid types[2] = {TEXTOID, TEXTOID};
    Datum v[2] = {TextDatumOf(p.table),
                  TextDatumOf(what + " before it was classified")};
    SpiExecNotARead("UPDATE comply.ai_jobs j SET status = 'cancelled', last_error = $2, finished_at = now() "
                    "WHERE j.status IN ('queued', 'running') AND " + gone,
                    2, types, v, SPI_OK_UPDATE);
    const uint64 n = SpiExecNotARead(
        "UPDATE comply.review_cases r SET status = 'withdrawn', assignee = NULL, assignee_role = NULL, claimed_at = NULL, "
        "claim_expires_at = NULL, decided_at = clock_timestamp() FROM comply.ai_jobs j "
        "WHERE r.job_id = j.id AND r.status IN ('pending', 'escalated', 'claimed') AND " + gone +
        " RETURNING r.id",
        1, types, v, SPI_OK_UPDATE_RETURNING);
    for (uint64 i = 0; i < n; ++i) withdrawn.push_back(SpiInt(i, 1).value_or(0));
  }
  RecordWithdrawn(withdrawn, what + " before it was reviewed");
}

}  // namespace

std::vector<int64> CancelJobsOfGoneRows(const std::vector<int64>& ids, const std::string& reason) {
  std::vector<int64> cancelled;
  if (ids.empty()) return cancelled;
  AsExtensionOwner owner("ai_jobs");
  SpiScope spi;
  // (The elements built before the call into PostgreSQL: no C++ object inside it.)
  std::vector<Datum> elems(ids.size());
  for (size_t i = 0; i < ids.size(); ++i) elems[i] = Int64GetDatum(ids[i]);
  Datum id_array = PgCall([&] {
    return PointerGetDatum(construct_array(elems.data(), static_cast<int>(elems.size()), INT8OID, 8,
                                           FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
  });
  // The protected tables these jobs' subjects name (by the name they use).
  std::vector<Oid> tables;
  {
    Oid types[1] = {INT8ARRAYOID};
    Datum v[1] = {id_array};
    const uint64 n = SpiExec("SELECT DISTINCT p.table_name::oid::int8 FROM comply.ai_jobs j "
                             "JOIN comply.policies p ON p.known_as = j.subject ->> 'table' "
                             "WHERE j.id = ANY ($1) AND j.status IN ('queued', 'running')",
                             1, types, v, nullptr, true, SPI_OK_SELECT);
    for (uint64 i = 0; i < n; ++i) tables.push_back(static_cast<Oid>(SpiInt(i, 1).value_or(0)));
  }
  for (const Oid relid : tables) {
    // The job rows are locked already (claimed, or being answered): waiting now for a
    // lock on the table would deadlock with a DROP, TRUNCATE or ALTER of it, which holds
    // that lock and then cancels the same jobs. A table someone holds so is skipped
    // (its command cancels its jobs itself, or they are looked at next time); so is
    // one dropped meanwhile.
    // The look-up reads a partitioned table's partitions too, each of which a TRUNCATE
    // or DETACH ... CONCURRENTLY may hold alone: each is tried likewise.
    const bool locked = PgCall([relid] {
      if (!ConditionalLockRelationOid(relid, AccessShareLock)) return false;
      if (!SearchSysCacheExists1(RELOID, ObjectIdGetDatum(relid))) {
        UnlockRelationOid(relid, AccessShareLock);
        return false;
      }
      if (get_rel_relkind(relid) != RELKIND_PARTITIONED_TABLE) return true;
      List* tree = find_all_inheritors(relid, NoLock, nullptr);
      ListCell* lc;
      foreach (lc, tree) {
        const Oid part = lfirst_oid(lc);
        if (part == relid) continue;
        // (Locks taken stay until the transaction ends, as the query's would.)
        if (!ConditionalLockRelationOid(part, AccessShareLock)) return false;
        if (!SearchSysCacheExists1(RELOID, ObjectIdGetDatum(part))) return false;
      }
      return true;
    });
    if (!locked) continue;
    std::shared_ptr<TablePolicy> p;
    try {
      p = PolicyFor(relid);
    } catch (const Error&) {  // a policy that no longer fits: its rows cannot be looked up
      continue;
    }
    if (!p) continue;
    const std::optional<std::string> gone = GoneCondition(*p);
    if (!gone) continue;
    Oid types[3] = {INT8ARRAYOID, TEXTOID, TEXTOID};
    Datum v[3] = {id_array, TextDatumOf(p->table), TextDatumOf(reason)};
    const uint64 n = SpiExecNotARead(
        "UPDATE comply.ai_jobs j SET status = 'cancelled', last_error = $3, finished_at = now() "
        "WHERE j.id = ANY ($1) AND j.status IN ('queued', 'running') AND j.subject ->> 'table' = $2 AND " +
            *gone + " RETURNING j.id",
        3, types, v, SPI_OK_UPDATE_RETURNING);
    for (uint64 i = 0; i < n; ++i) cancelled.push_back(SpiInt(i, 1).value_or(0));
  }
  return cancelled;
}

void RecordTruncatedPartitions(const Oid* relids, int n) {
  Guarded([&] {
    for (int i = 0; i < n; ++i) {
      const Oid relid = relids[i];
      // A protected table's own TRUNCATE trigger records it; a partition of one has
      // no such trigger (statement triggers are not cloned).
      if (!PgCall([relid] { return get_rel_relispartition(relid); })) continue;
      std::shared_ptr<TablePolicy> p = PolicyFor(relid);
      if (!p || p->partition.empty()) continue;
      if (p->audit) Audit("TRUNCATE", p->table, TruncateDetails(*p));
      CancelWorkOfGoneRows(*p, "the row's partition was truncated");
    }
  });
}

List* PartitionsOfProtectedTables() {
  List* found = NIL;
  Guarded([&] {
    std::vector<Oid> roots;
    {
      AsExtensionOwner owner("policies");
      SpiScope spi;
      const uint64 n = SpiExec("SELECT p.table_name::oid::int8 FROM comply.policies p "
                               "JOIN pg_catalog.pg_class c ON c.oid = p.table_name WHERE c.relkind = 'p'",
                               0, nullptr, nullptr, nullptr, true, SPI_OK_SELECT);
      for (uint64 i = 0; i < n; ++i) roots.push_back(static_cast<Oid>(SpiInt(i, 1).value_or(0)));
    }
    for (const Oid root : roots) {
      // The partitions under it (not inheritance children: those are refused unless
      // protected themselves), and each one's parent, as they are before the drop.
      List* below = PgCall([root] {
        List* out = NIL;
        List* all = find_all_inheritors(root, NoLock, nullptr);
        ListCell* lc;
        foreach (lc, all) {
          const Oid relid = lfirst_oid(lc);
          if (relid != root && get_rel_relispartition(relid)) out = lappend_oid(out, relid);
        }
        return out;
      });
      for (int i = 0; i < list_length(below); ++i) {
        const Oid relid = list_nth_oid(below, i);
        const std::string name = QualifiedName(relid);
        const char* name_c = name.c_str();
        PgCall([&] {
          DroppedPartition* d = static_cast<DroppedPartition*>(palloc(sizeof(DroppedPartition)));
          d->root = root;
          d->relid = relid;
          d->parent = get_partition_parent(relid, true);
          d->partition = pstrdup(name_c);
          found = lappend(found, d);
        });
      }
    }
  });
  return found;
}

void RecordDroppedPartitions(List* noted, const char* command) {
  Guarded([&] {
    std::vector<Oid> roots_done;
    for (int i = 0; i < list_length(noted); ++i) {
      const DroppedPartition* d = static_cast<const DroppedPartition*>(list_nth(noted, i));
      const bool gone = PgCall([d] {
        return !SearchSysCacheExists1(RELOID, ObjectIdGetDatum(d->relid)) &&
               SearchSysCacheExists1(RELOID, ObjectIdGetDatum(d->parent)) &&
               SearchSysCacheExists1(RELOID, ObjectIdGetDatum(d->root));
      });
      if (!gone) continue;
      std::shared_ptr<TablePolicy> p = PolicyFor(d->root);
      if (!p) continue;
      {
        AsExtensionOwner owner;
        SpiScope spi;
        Oid types[3] = {TEXTOID, TEXTOID, TEXTOID};
        Datum values[3] = {TextDatumOf(p->table), TextDatumOf(d->partition), TextDatumOf(command)};
        SpiExec("SELECT comply._drift($1, format('partition %s of protected table %s was dropped with "
                "its rows (%s)', $2, $1, $3), jsonb_build_object('kind', 'partition_dropped', "
                "'table', $1, 'partition', $2, 'command', $3))",
                3, types, values, nullptr, false, SPI_OK_SELECT);
      }
      if (std::find(roots_done.begin(), roots_done.end(), d->root) != roots_done.end()) continue;
      roots_done.push_back(d->root);
      {
        // The privileges the drift watch remembers for the table named the partition if it
        // had its own grants or owner: they are the table's as it now is (the drop is the
        // drift recorded; the watch reads only tables whose catalog rows changed).
        AsExtensionOwner owner;
        SpiScope spi;
        Oid types[1] = {OIDOID};
        Datum values[1] = {ObjectIdGetDatum(d->root)};
        SpiExec("UPDATE comply.policies SET acl_snapshot = comply._acl_text(table_name) "
                "WHERE table_name = $1::regclass", 1, types, values, nullptr, false, SPI_OK_UPDATE);
      }
      CancelWorkOfGoneRows(*p, "the row's partition was dropped");
    }
  });
}

// Whether the protect triggers that operation fires on relid (and on every partition
// under it) are enabled ALWAYS or REPLICA: then the policy did run in replica mode, as a
// subscriber's DBA is told to set them (docs/protect.md), and nothing was bypassed.
bool PolicyRunsInReplicaMode(Oid relid, const char* operation) {
  const bool truncate = strcmp(operation, "TRUNCATE") == 0;
  AsExtensionOwner owner;
  SpiScope spi;
  Oid types[2] = {OIDOID, BOOLOID};
  Datum values[2] = {ObjectIdGetDatum(relid), BoolGetDatum(truncate)};
  SpiExec("SELECT NOT EXISTS (SELECT 1 FROM (SELECT $1::regclass AS relid UNION SELECT relid FROM pg_catalog.pg_partition_tree($1)) r "
          "JOIN pg_catalog.pg_class c ON c.oid = r.relid AND c.relkind IN ('r', 'f') "
          "CROSS JOIN unnest(CASE WHEN $2 THEN ARRAY['comply_protect_truncate'] "
          "ELSE ARRAY['comply_protect_before', 'comply_protect_after'] END::name[]) t(name) "
          "WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_trigger g WHERE g.tgrelid = r.relid "
          "AND g.tgname = t.name AND g.tgenabled IN ('A', 'R')))",
          2, types, values, nullptr, true, SPI_OK_SELECT);
  return SpiBool(0, 1).value_or(false);
}

void RecordReplicaRoleWrites(const Oid* relids, int n, const char* operation) {
  if (!replica_writes_memo) replica_writes_memo = new std::vector<Oid>();
  std::vector<Oid>* memo = replica_writes_memo;
  if (MyProc->lxid != replica_writes_lxid) {
    memo->clear();
    replica_writes_lxid = MyProc->lxid;
  }
  Guarded([&] {
    for (int i = 0; i < n; ++i) {
      const Oid relid = relids[i];
      if (std::find(memo->begin(), memo->end(), relid) != memo->end()) continue;
      memo->push_back(relid);
      std::string table, partition;
      try {
        std::shared_ptr<TablePolicy> p = PolicyFor(relid);
        if (!p) continue;
        // Once for the protected table, whichever of its partitions the statement names
        // besides (a DELETE of a partitioned table names it and its partitions).
        if (p->protected_relid != relid) {
          if (std::find(memo->begin(), memo->end(), p->protected_relid) != memo->end()) continue;
          memo->push_back(p->protected_relid);
        }
        table = p->table;
        partition = p->partition;
      } catch (const Error&) {  // a policy that no longer fits is still a policy
        table = QualifiedName(relid);
      }
      if (PolicyRunsInReplicaMode(relid, operation)) continue;
      {
        AsExtensionOwner owner;
        SpiScope spi;
        Oid types[4] = {TEXTOID, TEXTOID, TEXTOID, TEXTOID};
        Datum values[4] = {TextDatumOf(table), TextDatumOf(operation), TextDatumOf(partition),
                           TextDatumOf(QualifiedName(relid))};
        SpiExec("SELECT comply._drift($1, format('protected table %s was written (%s) with "
                "session_replication_role = replica: its policy did not run', $1, $2), "
                "jsonb_build_object('kind', 'policy_bypassed', 'table', $1, 'operation', $2, "
                "'setting', 'session_replication_role')"
                " || CASE WHEN $3 <> '' THEN jsonb_build_object('partition', $4) ELSE '{}' END)",
                4, types, values, nullptr, false, SPI_OK_SELECT);
      }
      PgCall([&] {
        ereport(WARNING,
                (errcode(ERRCODE_WARNING),
                 errmsg("the policy of protected table %s does not run while "
                        "session_replication_role is \"replica\"", table.c_str()),
                 errdetail("The write is recorded in the ledger as drift, and raised as an alert."),
                 errhint("Reset session_replication_role, or unprotect the table if its rows must "
                         "be written as they are."),
                 // Logged (log_min_messages is warning): the context would quote the
                 // statement, and so the row's values.
                 errhidecontext(true), errhidestmt(true)));
      });
    }
  });
}

void RecordColumnRewrite(Oid relid, const char* column, const char* command, bool recurse) {
  Guarded([&] {
    std::vector<std::string> tables;
    {
      AsExtensionOwner owner;
      SpiScope spi;
      SearchPathPin pin;
      Oid types[4] = {OIDOID, TEXTOID, TEXTOID, BOOLOID};
      Datum values[4] = {ObjectIdGetDatum(relid), TextDatumOf(column), TextDatumOf(command),
                         BoolGetDatum(recurse)};
      // The protected tables the rewrite reached: the table, the partitions and
      // inheritance children it recursed to (a protected partition under an unprotected
      // parent among them), and the protected table it is a partition of.
      const uint64 n = SpiExec(
          "WITH RECURSIVE below(relid) AS (SELECT $1::oid UNION SELECT i.inhrelid FROM "
          "pg_catalog.pg_inherits i JOIN below b ON i.inhparent = b.relid WHERE $4) "
          "SELECT p.table_name::text, comply._drift(p.table_name::text, format('column %s of "
          "protected table %s was rewritten by %s: its policy did not run on the values stored', "
          "quote_ident($2), p.table_name, $3), jsonb_build_object('kind', 'policy_bypassed', "
          "'table', p.table_name::text, 'operation', $3, 'column', $2) || CASE WHEN "
          "p.table_name <> $1 THEN jsonb_build_object('altered', $1::regclass::text) ELSE "
          "'{}' END) FROM comply.policies p WHERE (p.table_name IN (SELECT b.relid FROM below b) "
          "OR p.table_name IN (SELECT a.relid FROM pg_catalog.pg_partition_ancestors($1) a)) "
          "AND p.policy -> 'columns' ? $2 ORDER BY 1",
          4, types, values, nullptr, false, SPI_OK_SELECT);
      for (uint64 i = 0; i < n; ++i) tables.push_back(SpiText(i, 1).value_or(""));
    }
    for (const std::string& table : tables) {
      PgCall([&] {
        ereport(WARNING,
                (errcode(ERRCODE_WARNING),
                 errmsg("column %s of protected table %s was rewritten by %s without its policy",
                        quote_identifier(column), table.c_str(), command),
                 errdetail("The values stored were not validated, redacted or pseudonymized. The "
                           "rewrite is recorded in the ledger as drift, and raised as an alert."),
                 errhint("Write the column with UPDATE, which its policy sees, or run "
                         "comply.protect_existing() on the table."),
                 // The statement may quote values (a USING expression, a default).
                 errhidecontext(true), errhidestmt(true)));
      });
    }
  });
}

namespace {

// A statement about to read tables whose reads are audited: what its entries will say,
// worked out before it runs (the reader's name needs the catalogs), waiting for its
// row count. Kept until the statement ends, or its (sub)transaction aborts: a statement
// that fails after sending rows has read them too.
struct PendingRead {
  const void* key;  // the statement (its QueryDesc, or its COPY)
  SubTransactionId subid;
  std::string operation;
  std::string origin;  // who reads (OriginMember)
  std::vector<std::pair<std::string, std::string>> tables;  // protected table, partition
};
std::vector<PendingRead>* pending_reads = nullptr;

// Hands the entries of r to the job worker; rows < 0: the statement failed, the rows it
// returned before are not known. Never throws (it also runs in abort callbacks).
void EmitRead(const PendingRead& r, int64 rows) noexcept {
  try {
    const char* action = r.operation == "COPY" ? "COPY" : "SELECT";
    for (const auto& [table, partition] : r.tables) {
      std::string details = "{";
      json::AppendQuoted(details, "operation");
      details += ':';
      json::AppendQuoted(details, action);
      if (r.operation != action) {
        details += ',';
        json::AppendQuoted(details, "statement");
        details += ':';
        json::AppendQuoted(details, r.operation);
      }
      details += ",\"rows\":" + (rows >= 0 ? std::to_string(rows) : std::string("null"));
      if (rows < 0) details += ",\"failed\":true";
      if (!partition.empty()) {
        details += ',';
        json::AppendQuoted(details, "partition");
        details += ':';
        json::AppendQuoted(details, partition);
      }
      details += '}';
      std::string record = "{\"action\":";
      json::AppendQuoted(record, action);
      record += ',';
      json::AppendQuoted(record, "object");
      record += ':';
      json::AppendQuoted(record, table);
      record += ",\"details\":" + details + r.origin + "}";
      if (!DeferRecord("audit", record))
        PgCall([] {  // the strings above are alive: an error here must not jump over them
          ereport(LOG, (errmsg("pg_comply: a read of a protected table could not be recorded in "
                               "the ledger (reads reach it through the job worker: pg_comply is "
                               "not in shared_preload_libraries, comply.ai_worker is off, or the "
                               "worker did not keep up)"),
                        errhidecontext(true), errhidestmt(true)));
        });
    }
  } catch (...) {
  }
}

// Statements of an aborted (sub)transaction that had begun reading: recorded as failed.
// A subtransaction that commits hands its statements to its parent.
void PendingReadsAtSubXact(SubXactEvent event, SubTransactionId mine, SubTransactionId parent,
                           void*) {
  if (!pending_reads) return;
  if (event == SUBXACT_EVENT_COMMIT_SUB) {
    for (PendingRead& r : *pending_reads)
      if (r.subid == mine) r.subid = parent;
  } else if (event == SUBXACT_EVENT_ABORT_SUB) {
    for (const PendingRead& r : *pending_reads)
      if (r.subid == mine) EmitRead(r, -1);
    pending_reads->erase(std::remove_if(pending_reads->begin(), pending_reads->end(),
                                        [mine](const PendingRead& r) { return r.subid == mine; }),
                         pending_reads->end());
  }
}

void PendingReadsAtXact(XactEvent event, void*) {
  if (!pending_reads || pending_reads->empty()) return;
  if (event == XACT_EVENT_ABORT || event == XACT_EVENT_PARALLEL_ABORT ||
      event == XACT_EVENT_COMMIT || event == XACT_EVENT_PARALLEL_COMMIT ||
      event == XACT_EVENT_PREPARE) {
    // Whatever did not end (failed, or a cursor the transaction's end closed without
    // an end of its own): recorded with the rows unknown.
    for (const PendingRead& r : *pending_reads) EmitRead(r, -1);
    pending_reads->clear();
  }
}

}  // namespace

void PrepareReadAudit(const void* key, const Oid* relids, int n, const char* operation) {
  Guarded([&] {
    if (!read_audit) read_audit = new std::unordered_map<Oid, bool>();
    if (!pending_reads) {
      pending_reads = new std::vector<PendingRead>();
      PgCall([] {
        RegisterSubXactCallback(PendingReadsAtSubXact, nullptr);
        RegisterXactCallback(PendingReadsAtXact, nullptr);
      });
    }
    if (not_a_read) return;
    PendingRead pending;
    for (int i = 0; i < n; ++i) {
      const Oid relid = relids[i];
      auto it = read_audit->find(relid);
      if (it != read_audit->end() && !it->second) continue;  // known not to audit reads
      // Known to audit them (its policy may have left the policy cache since), or not
      // looked up yet, which needs pg_comply installed here.
      std::shared_ptr<TablePolicy> p;
      bool cached = true;
      if (it != read_audit->end() ||
          PgCall([] { return OidIsValid(get_extension_oid("pg_comply", true)); })) {
        try {
          p = PolicyFor(relid, &cached);
        } catch (const Error&) {  // a policy that no longer fits: its writes say so
          cached = false;
        }
      }
      if (cached)
        (*read_audit)[relid] = p && p->audit_reads;
      else
        read_audit->erase(relid);
      if (!p || !p->audit_reads) continue;
      bool seen = false;
      for (const auto& t : pending.tables) seen |= t.first == p->table;
      if (!seen) pending.tables.emplace_back(p->table, p->partition);
    }
    if (pending.tables.empty()) return;
    pending.key = key;
    pending.subid = PgCall([] { return GetCurrentSubTransactionId(); });
    pending.operation = operation;
    pending.origin = OriginMember();
    pending_reads->push_back(std::move(pending));
  });
}

void RecordReads(const void* key, uint64 rows) {
  if (!pending_reads) return;
  for (auto it = pending_reads->begin(); it != pending_reads->end(); ++it) {
    if (it->key != key) continue;
    EmitRead(*it, static_cast<int64>(rows));
    pending_reads->erase(it);
    return;
  }
}

}  // namespace comply::pg

using namespace comply;
using namespace comply::pg;

// comply._policy_problem(tbl regclass, policy jsonb) RETURNS text: why the policy no
// longer fits the table (what a write would be refused with), or NULL.
// Locks relid (ACCESS SHARE by default, until the transaction ends) and tells whether it
// still exists: a table named by a regclass argument may be dropped by a transaction
// that commits while this one waits for it, and opening it then failed with XX000 "could
// not open relation". Plain C.
static bool LockIfStillThere(Oid relid, LOCKMODE mode = AccessShareLock) {
  LockRelationOid(relid, mode);  // accepts the invalidations of a drop
  if (SearchSysCacheExists1(RELOID, ObjectIdGetDatum(relid))) return true;
  UnlockRelationOid(relid, mode);
  return false;
}

// The same, raising 42P01 when it is gone (or never was: a regclass argument can hold
// any OID, 0::regclass or a dropped table's).
// mode: the strongest lock the call takes on the table, taken first, so that two calls
// queue for it rather than each holding a weaker one while it waits for the stronger
// (protect and unprotect of one table deadlocked so, 40P01).
static void LockStillThere(Oid relid, LOCKMODE mode = AccessShareLock) {
  if (!SearchSysCacheExists1(RELOID, ObjectIdGetDatum(relid)))
    ereport(ERROR, (errcode(ERRCODE_UNDEFINED_TABLE),
                    errmsg("relation with OID %u does not exist", relid)));
  if (!LockIfStillThere(relid, mode))
    ereport(ERROR, (errcode(ERRCODE_UNDEFINED_TABLE),
                    errmsg("the table was dropped while this command waited for it")));
}

extern "C" Datum comply_policy_problem(PG_FUNCTION_ARGS) {
  Oid relid = PG_GETARG_OID(0);
  Jsonb* policy = PG_GETARG_JSONB_P(1);
  if (!SearchSysCacheExists1(RELOID, ObjectIdGetDatum(relid)) || !LockIfStillThere(relid))
    PG_RETURN_NULL();
  // The answer is made inside Guarded: no C++ object outlives it into PostgreSQL calls.
  Datum result = Guarded([&]() -> Datum {
    std::string problem;
    try {
      // As for a write (relid as its own protected table): what stops writes, no more.
      std::shared_ptr<TablePolicy> p = BuildPolicy(relid, JsonbArgument(policy, "policy"), relid);
      bool needs_key = false;
      for (const ColumnPolicy& c : p->columns) needs_key |= c.NeedsKey();
      if (needs_key) problem = KeyProblem(relid);
    } catch (const Error& e) {
      if (std::strcmp(e.sqlstate(), sqlstate::kInvalidParameterValue) != 0) throw;
      problem = e.what();
      const std::string prefix = "invalid policy: ";
      if (problem.rfind(prefix, 0) == 0) problem.erase(0, prefix.size());
    }
    if (problem.empty()) return (Datum)0;
    return PgCall([&] {
      return PointerGetDatum(cstring_to_text_with_len(problem.data(), static_cast<int>(problem.size())));
    });
  });
  if (result == (Datum)0) PG_RETURN_NULL();
  PG_RETURN_DATUM(result);
}


namespace comply::pg {
namespace {

// Warns, per column, about the constraints and indexes of p's table that judge what the
// policy stores rather than what is written, which would make writes fail: a CHECK
// constraint over a transformed column (a label, a mask or a pseudonym must satisfy it),
// a foreign key or a unique index over a column masked or redacted by content (different
// values are stored alike, and the label is no referenced key). Pseudonyms stay
// distinct, and match across tables pseudonymized with the same key. In SPI; names only.
void WarnAboutStoredValues(const TablePolicy& p, const std::string& table) {
  SearchPathPin pin;  // pg_catalog's quote_ident, whatever the caller's path
  std::string transformed;
  std::string collapsing;
  for (const ColumnPolicy& c : p.columns) {
    if (c.redact != ColumnPolicy::Redact::kNone)
      transformed += (transformed.empty() ? "{" : ",") + std::to_string(c.attnum);
    if (c.redact == ColumnPolicy::Redact::kMask ||
        (c.redact == ColumnPolicy::Redact::kContent && !c.ops.NeedsKey()))
      collapsing += (collapsing.empty() ? "{" : ",") + std::to_string(c.attnum);
  }
  std::string pseudonymized;
  for (const ColumnPolicy& c : p.columns)
    if (c.redact == ColumnPolicy::Redact::kPseudonymize ||
        (c.redact == ColumnPolicy::Redact::kContent && c.ops.NeedsKey()))
      pseudonymized += (pseudonymized.empty() ? "{" : ",") + std::to_string(c.attnum);
  if (!transformed.empty()) transformed += '}';
  if (!collapsing.empty()) collapsing += '}';
  if (!pseudonymized.empty()) pseudonymized += '}';
  struct Check {
    const std::string& attnums;
    const char* sql;  // $1 the table, $2 the columns: rows of (column, what)
    const char* message;  // %s the column, the table, what
    const char* detail;
    const char* hint;
  };
  const Check checks[] = {
      {transformed,
       "SELECT quote_ident(a.attname), string_agg(quote_ident(k.conname), ', ' ORDER BY k.conname) "
       "FROM pg_catalog.pg_constraint k JOIN pg_catalog.pg_attribute a "
       "ON a.attrelid = k.conrelid AND a.attnum = ANY (k.conkey) "
       "WHERE k.conrelid = $1 AND k.contype = 'c' AND a.attnum = ANY ($2::int2[]) "
       "GROUP BY a.attname ORDER BY a.attname",
       "column %s of table %s has CHECK constraints (%s) that judge the values its policy "
       "stores, not those written",
       "Constraints are checked after the BEFORE trigger: a label, a mask or a pseudonym must "
       "satisfy them, or every row is refused.",
       "Make those constraints accept what the policy stores, or drop them."},
      {collapsing,
       "SELECT quote_ident(a.attname), string_agg(quote_ident(k.conname) || ' (' || "
       "k.confrelid::regclass::text || ')', ', ' ORDER BY k.conname) "
       "FROM pg_catalog.pg_constraint k JOIN pg_catalog.pg_attribute a "
       "ON a.attrelid = k.conrelid AND a.attnum = ANY (k.conkey) "
       "WHERE k.conrelid = $1 AND k.contype = 'f' AND a.attnum = ANY ($2::int2[]) "
       "GROUP BY a.attname ORDER BY a.attname",
       "column %s of table %s is in foreign key %s: the values its policy stores must exist in "
       "the referenced table",
       "Masking and redaction store a mask or a label (such as [EMAIL_ADDRESS]) that the "
       "referenced table does not hold: such rows fail with a foreign key violation.",
       "Pseudonymize both columns with the same key (their pseudonyms match), or drop the "
       "constraint."},
      {collapsing,
       // Unique indexes and exclusion constraints of the table and of its partitions (an
       // index of a partition's own; not one a partitioned index made), whose keys are
       // the column or an expression over it (QA 14: lower(email), EXCLUDE (email WITH
       // =), a unique index of one partition all lost rows to upserts unannounced). The
       // column is found by name in each partition (its number may differ there).
       "SELECT quote_ident(ta.attname), string_agg(DISTINCT i.indexrelid::regclass::text, ', ') "
       "FROM pg_catalog.pg_attribute ta "
       "CROSS JOIN (SELECT $1::regclass AS relid UNION SELECT relid FROM pg_catalog.pg_partition_tree($1)) r "
       "JOIN pg_catalog.pg_attribute a ON a.attrelid = r.relid AND a.attname = ta.attname AND NOT a.attisdropped "
       "JOIN pg_catalog.pg_index i ON i.indrelid = r.relid AND (i.indisunique OR i.indisexclusion) "
       "WHERE ta.attrelid = $1 AND ta.attnum = ANY ($2::int2[]) "
       "AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_inherits h WHERE h.inhrelid = i.indexrelid) "
       "AND (a.attnum = ANY ((i.indkey::int2[])[0:i.indnkeyatts - 1]) "  // not INCLUDE's
       "OR (0 = ANY ((i.indkey::int2[])[0:i.indnkeyatts - 1]) AND EXISTS (SELECT 1 FROM pg_catalog.pg_depend d "
       "WHERE d.classid = 'pg_catalog.pg_class'::regclass AND d.objid = i.indexrelid "
       "AND d.refclassid = 'pg_catalog.pg_class'::regclass AND d.refobjid = r.relid "
       "AND d.refobjsubid = a.attnum))) "
       "GROUP BY ta.attname ORDER BY ta.attname",
       "column %s of table %s is in unique index %s: the values its policy stores there may "
       "collide",
       "Masking and redaction store different values alike (a label such as [EMAIL_ADDRESS], "
       "or the same last characters): the second such row fails with a unique violation, and an "
       "upsert on that index (INSERT ... ON CONFLICT) updates or skips another row instead.",
       "Pseudonymize the column instead (distinct values stay distinct), or drop the index."},
      {transformed,
       // (the domain's own constraints and those of the domains it is over)
       "SELECT quote_ident(a.attname), string_agg(DISTINCT pg_catalog.format_type(k.contypid, NULL), ', ') "
       "FROM pg_catalog.pg_attribute a CROSS JOIN LATERAL ("
       "WITH RECURSIVE chain(t) AS (SELECT a.atttypid UNION ALL SELECT ty.typbasetype "
       "FROM pg_catalog.pg_type ty JOIN chain ON ty.oid = chain.t WHERE ty.typtype = 'd') "
       "SELECT t FROM chain) d JOIN pg_catalog.pg_constraint k ON k.contypid = d.t AND k.contype = 'c' "
       "WHERE a.attrelid = $1 AND a.attnum = ANY ($2::int2[]) "
       "GROUP BY a.attname ORDER BY a.attname",
       "column %s of table %s is of domain %s, whose CHECK constraints judge the values its "
       "policy stores, not those written",
       "The domain's constraints are checked again on the transformed value: a label, a mask "
       "or a pseudonym must satisfy them, or the row is rejected.",
       "Make the domain accept what the policy stores, or give the column its base type."},
      {pseudonymized,
       "SELECT quote_ident(a.attname), quote_ident(c.collname) "
       "FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_collation c ON c.oid = a.attcollation "
       "WHERE a.attrelid = $1 AND a.attnum = ANY ($2::int2[]) AND NOT c.collisdeterministic "
       "ORDER BY a.attname",
       "column %s of table %s has the nondeterministic collation %s: values equal under it "
       "get different pseudonyms",
       "A pseudonym is computed from the exact text: a unique constraint or a join that "
       "matched such values (in another case, say) no longer does.",
       "Normalize the values before they are written (lower-case e-mail addresses, say), or "
       "give the column a deterministic collation."},
  };
  for (const Check& check : checks) {
    if (check.attnums.empty()) continue;
    Oid types[2] = {OIDOID, TEXTOID};
    Datum v[2] = {ObjectIdGetDatum(p.relid), TextDatumOf(check.attnums)};
    const uint64 n = SpiExec(check.sql, 2, types, v, nullptr, true, SPI_OK_SELECT);
    for (uint64 i = 0; i < n; ++i) {
      const std::string column = SpiText(i, 1).value_or("");
      const std::string what = SpiText(i, 2).value_or("");
      PgCall([&] {
        ereport(WARNING, (errmsg(check.message, column.c_str(), table.c_str(), what.c_str()),
                          errdetail("%s", check.detail), errhint("%s", check.hint)));
      });
    }
  }
}

}  // namespace
}  // namespace comply::pg

// comply.protect(tbl regclass, policy jsonb) RETURNS void
namespace {

// Runs sql (a SELECT ... FOR KEY SHARE of comply.schemas or comply.models by name $1) as
// the extension's owner, who may lock their rows (the caller may only read them), in an
// SPI frame of its own; returns the rows locked.
uint64 LockedRow(const char* sql, const std::string& name) {
  AsExtensionOwner owner("schemas");
  SpiScope spi;
  Oid types[1] = {TEXTOID};
  Datum v[1] = {TextDatumOf(name)};
  return SpiExec(sql, 1, types, v, nullptr, false, SPI_OK_SELECT);
}

// Whether builtin model m knows label l (its labels, as comply.models holds them, under
// the latest snapshot).
bool ModelKnowsLabel(const std::string& m, const std::string& l) {
  AsExtensionOwner owner("models");
  SpiScope spi;
  ConfigSnapshot snapshot;  // a retraining committed while the row's lock was awaited
  Oid types[2] = {TEXTOID, TEXTOID};
  Datum v[2] = {TextDatumOf(m), TextDatumOf(l)};
  return SpiExec("SELECT 1 FROM comply.models WHERE name = $1 AND $2 = ANY (labels)", 2, types, v,
                 nullptr, true, SPI_OK_SELECT) > 0;
}

}  // namespace

extern "C" Datum comply_protect(PG_FUNCTION_ARGS) {
  if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
    ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED), errmsg("the table and the policy must not be NULL")));
  PreventCommandIfReadOnly("comply.protect()");  // said plainly (a standby too)
  Oid relid = PG_GETARG_OID(0);
  LockStillThere(relid, ShareRowExclusiveLock);  // CREATE TRIGGER's
  Jsonb* policy = PG_GETARG_JSONB_P(1);
  char* policy_text = JsonbToCString(nullptr, &policy->root, VARSIZE(policy));
  char relkind = get_rel_relkind(relid);
  if (relkind != RELKIND_RELATION && relkind != RELKIND_PARTITIONED_TABLE)
    ereport(ERROR, (errcode(ERRCODE_WRONG_OBJECT_TYPE),
                    errmsg("only tables can be protected")));
  // The extension's own tables: their writes are pg_comply's (an audited ledger would
  // record its own appends without end).
  {
    Oid ext = get_extension_oid("pg_comply", true);
    if (OidIsValid(ext) && getExtensionOfObject(RelationRelationId, relid) == ext)
      ereport(ERROR, (errcode(ERRCODE_WRONG_OBJECT_TYPE),
                      errmsg("table %s belongs to pg_comply and cannot be protected",
                             quote_qualified_identifier(get_namespace_name(get_rel_namespace(relid)),
                                                        get_rel_name(relid))),
                      errhint("The extension's tables are guarded by the extension itself.")));
  }
  // A temporary table goes at the session's end without a DROP that anyone sees: its
  // policy would be left behind, naming a table that is gone (or, later, another one
  // given the same OID).
  if (get_rel_persistence(relid) == RELPERSISTENCE_TEMP)
    ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                    errmsg("temporary tables cannot be protected"),
                    errhint("Their rows go with the session: protect the tables the data is kept in.")));
  Guarded([&] {
    ProtectRunningScope running;
    const json::Value doc = JsonbArgument(policy, "policy");
    std::shared_ptr<TablePolicy> p = BuildPolicy(relid, doc);
    CheckPolicyText(doc);
    std::string key_id;  // of the pseudonymization key, when a column needs it
    std::string triggers_before;  // JSON array: BEFORE triggers that fire before the policy's
    // One policy on any path from a partitioned table to its partitions: the triggers
    // of a partitioned table are its partitions' too (PolicyFor), so a partition can
    // neither have nor be given a policy of its own under a protected ancestor.
    {
      AsExtensionOwner owner("policies");
      SpiScope spi;
      for (Oid ancestor : PartitionAncestors(relid)) {
        Oid types[1] = {OIDOID};
        Datum v[1] = {ObjectIdGetDatum(ancestor)};
        if (SpiExec("SELECT 1 FROM comply.policies WHERE table_name = $1::regclass", 1, types, v,
                    nullptr, true, SPI_OK_SELECT) > 0)
          throw Error(sqlstate::kObjectNotInPrerequisiteState,
                      "table " + p->table + " is a partition of protected table " +
                          QualifiedName(ancestor),
                      "Its rows follow the policy of " + QualifiedName(ancestor) + ".",
                      "Change that table's policy, or unprotect it first.");
      }
      Oid types[1] = {OIDOID};
      Datum v[1] = {ObjectIdGetDatum(relid)};
      if (SpiExec("SELECT t.relid::oid::int8 FROM pg_catalog.pg_partition_tree($1::regclass) t "
                  "JOIN comply.policies p ON p.table_name = t.relid "
                  "WHERE t.relid <> $1::regclass ORDER BY t.level LIMIT 1",
                  1, types, v, nullptr, true, SPI_OK_SELECT) > 0) {
        const Oid partition = static_cast<Oid>(SpiInt(0, 1).value_or(0));
        throw Error(sqlstate::kObjectNotInPrerequisiteState,
                    "partition " + QualifiedName(partition) + " of table " + p->table +
                        " has a policy of its own",
                    {}, "Unprotect the partition first; it then follows the policy of " + p->table + ".");
      }
      // A row is routed to its partition by the value written, before the partition's
      // BEFORE trigger transforms it: a transformed column in a partition key would send
      // rows where the stored value does not belong (refused, or placed by the value in
      // clear), and PostgreSQL's error for a row no partition takes quotes the key's
      // value. (The drift event trigger refuses such a key added to the tree later.)
      {
        Oid key_types[2] = {OIDOID, TEXTOID};
        Datum key_values[2] = {ObjectIdGetDatum(relid), TextDatumOf(policy_text)};
        if (SpiExec("SELECT comply._partition_key_problem($1::regclass, $2::jsonb)", 2, key_types,
                    key_values, nullptr, true, SPI_OK_SELECT) > 0) {
          if (std::optional<std::string> problem = SpiText(0, 1))
            throw Error(sqlstate::kFeatureNotSupported, *problem,
                        "Rows are routed to a partition by the value written, before the policy "
                        "redacts, masks or pseudonymizes it.",
                        "Partition by another column, or leave this one out of the policy's "
                        "transformations (validate it only).");
        }
      }
    }
    // The schemas and models named must exist now, not at the first row; each is locked
    // (FOR KEY SHARE) until this transaction ends, so that a concurrent DELETE or rename
    // waits and then meets the policy (schemas_guard, models_guard), and one that came
    // first leaves nothing to lock here.
    {
      SpiScope spi;
      for (const ColumnPolicy& c : p->columns) {
        if (!c.schema.empty()) {
          if (LockedRow("SELECT 1 FROM comply.schemas WHERE name = $1 FOR KEY SHARE", c.schema) == 0)
            throw Error(sqlstate::kUndefinedObject, "schema " + ShownName(c.schema) + " is not registered",
                        {}, "Register it with comply.register_schema().");
        }
        if (c.classify && c.model.rfind("openai:", 0) != 0) {
          std::string m = c.model.rfind("builtin:", 0) == 0 ? c.model.substr(8) : c.model;
          // FOR SHARE, not KEY SHARE: a retraining (an UPDATE of its labels) waits for
          // this transaction, then sees its policy (train_classifier's check).
          if (LockedRow("SELECT 1 FROM comply.models WHERE name = $1 FOR SHARE", m) == 0)
            throw Error(sqlstate::kUndefinedObject, "builtin model " + ShownName(m, 63) + " does not exist",
                        {}, "Train one with comply.train_classifier().");
          // Its jobs would all be dead-lettered: the model answers only with its labels.
          for (const std::string& l : c.labels)
            if (!ModelKnowsLabel(m, l))
              throw Error(sqlstate::kInvalidParameterValue,
                          "label " + ShownName(l, 1024) + " of the \"classify\" of column \"" +
                              c.name + "\" is not known to builtin model " + ShownName(m, 63),
                          {}, "Train the model with examples of it, or leave it out of the policy.");
        } else if (c.classify) {
          // What comply.classify_async refuses (IsOpenAiModelName, LabelProblem): the policy
          // is readable by every role (comply.policies), and its model and labels go to
          // the provider and into every job, decision and review case of the column.
          const std::string m = c.model.substr(7);
          if (!IsOpenAiModelName(m))
            throw Error(sqlstate::kInvalidParameterValue,
                        "openai model " + ShownName(m, kMaxOpenAiModelName) + " of the \"classify\" of column \"" +
                            c.name + "\" is not a valid model name",
                        {}, kOpenAiModelNameHint);
          for (size_t i = 0; i < c.labels.size(); ++i)
            if (std::string problem = LabelProblem(c.labels[i]); !problem.empty())
              throw Error(sqlstate::kInvalidParameterValue,
                          "label " + std::to_string(i + 1) + " of the \"classify\" of column \"" + c.name +
                              "\" " + problem,
                          "Policies are readable by every role (comply.policies); labels are sent to "
                          "the AI provider and stored with the jobs, decisions and review cases.");
        }
        // Refuses now when no key is configured; the key's identifier is recorded.
        // (A policy that pseudonymizes computes pseudonyms for whoever writes: protecting
        // with one is the privilege to compute them, as comply.pseudonymize's.)
        if (c.NeedsKey()) {
          CheckMayPseudonymize();
          key_id = HmacKeyId();
        }
      }
      const std::string& t = p->table;
      // Refused before anything is created. Inheritance children (not partitions) have
      // triggers of their own: a row written into one directly is not the protected
      // table's write. Each must be protected itself (the drift event trigger refuses an
      // unprotected one later on).
      {
        AsExtensionOwner owner("policies");
        Oid types[1] = {OIDOID};
        Datum v[1] = {ObjectIdGetDatum(relid)};
        if (SpiExec("SELECT string_agg(i.inhrelid::regclass::text, ', ' ORDER BY i.inhrelid::regclass::text) "
                    "FROM pg_catalog.pg_inherits i JOIN pg_catalog.pg_class c ON c.oid = i.inhrelid "
                    "WHERE i.inhparent = $1 AND NOT c.relispartition "
                    "AND NOT EXISTS (SELECT 1 FROM comply.policies p WHERE p.table_name = i.inhrelid) "
                    "HAVING count(*) > 0",
                    1, types, v, nullptr, true, SPI_OK_SELECT) > 0)
          throw Error(sqlstate::kObjectNotInPrerequisiteState,
                      "table " + t + " has inheritance children that are not protected: " +
                          SpiText(0, 1).value_or(""),
                      "Rows written into a child directly do not pass through its parent's triggers.",
                      "Protect each child first, or detach it with ALTER TABLE ... NO INHERIT.");
      }
      // Rules rewrite writes before any trigger sees them (DO INSTEAD sends them
      // elsewhere, DO ALSO may copy the values written anywhere).
      {
        SearchPathPin pin;  // pg_catalog's quote_ident, whatever the caller's path
        Oid types[1] = {OIDOID};
        Datum v[1] = {ObjectIdGetDatum(relid)};
        if (SpiExec("SELECT string_agg(quote_ident(rulename), ', ' ORDER BY rulename) "
                    "FROM pg_catalog.pg_rewrite WHERE ev_class = $1 AND ev_type <> '1' "
                    "HAVING count(*) > 0",
                    1, types, v, nullptr, true, SPI_OK_SELECT) > 0)
          throw Error(sqlstate::kFeatureNotSupported,
                      "table " + t + " has rules: " + SpiText(0, 1).value_or(""),
                      "A rule rewrites writes before the policy's triggers see them.",
                      "Drop the rules (a trigger can do what they do), then protect the table.");
      }
      // The triggers, created as the caller (who must own the table), replacing those
      // of an earlier policy; with the caller's search_path, which the caller's event
      // triggers, fired by this DDL, may rely on (the statements name everything).
      // CREATE OR REPLACE: nothing is dropped, so the drift watch sees no dropped trigger.
      std::string sql =
          "CREATE OR REPLACE TRIGGER comply_protect_before BEFORE INSERT OR UPDATE ON " + t +
          " FOR EACH ROW EXECUTE FUNCTION comply._protect_row(); "
          "CREATE OR REPLACE TRIGGER comply_protect_after AFTER INSERT OR UPDATE OR DELETE ON " + t +
          " FOR EACH ROW EXECUTE FUNCTION comply._protect_row(); "
          "CREATE OR REPLACE TRIGGER comply_protect_truncate AFTER TRUNCATE ON " + t +
          " FOR EACH STATEMENT EXECUTE FUNCTION comply._protect_row()";
      PgCall([&] {
        int rc = SPI_execute(sql.c_str(), false, 0);
        if (rc < 0) elog(ERROR, "could not create the protect triggers: %s", SPI_result_code_string(rc));
      });
      // BEFORE row triggers fire in the order of their names: one that sorts after
      // comply_protect_before sees, and may change, the values the policy produced.
      {
        SearchPathPin pin;
        Oid types[1] = {OIDOID};
        Datum v[1] = {ObjectIdGetDatum(relid)};
        if (SpiExec("SELECT string_agg(quote_ident(tgname), ', ' ORDER BY tgname) "
                    "FROM pg_catalog.pg_trigger WHERE tgrelid = $1 AND NOT tgisinternal "
                    "AND tgname > 'comply_protect_before' AND (tgtype & 3) = 3 "  // ROW, BEFORE
                    "HAVING count(*) > 0",
                    1, types, v, nullptr, true, SPI_OK_SELECT) > 0) {
          const std::string later = SpiText(0, 1).value_or("");
          PgCall([&] {
            ereport(NOTICE,
                    (errmsg("BEFORE triggers of table %s fire after its policy: %s", t.c_str(),
                            later.c_str()),
                     errhint("A row whose protected columns they change is rejected: rename them "
                             "to sort before comply_protect_before if they change those columns.")));
          });
        }
      }
      // BEFORE row triggers that fire before comply_protect_before (on the table or on a
      // partition of it) see the values as written, in clear, and may copy them anywhere.
      // Created later, each is drift (trigger_before_policy); those already here are named
      // now, and in the ledger entry, so that protecting over one leaves a trace too.
      {
        SearchPathPin pin;
        Oid types[1] = {OIDOID};
        Datum v[1] = {ObjectIdGetDatum(relid)};
        if (SpiExec("SELECT string_agg(quote_ident(tg.tgname) || CASE WHEN tg.tgrelid <> $1 "
                    "THEN ' (' || tg.tgrelid::regclass::text || ')' ELSE '' END, ', ' "
                    "ORDER BY tg.tgrelid <> $1, tg.tgrelid::regclass::text, tg.tgname), "
                    "jsonb_agg(jsonb_build_object('trigger', tg.tgname::text, 'table', "
                    "tg.tgrelid::regclass::text) ORDER BY tg.tgrelid <> $1, "
                    "tg.tgrelid::regclass::text, tg.tgname)::text "
                    // (pg_partition_tree has no rows for a table that is not partitioned.)
                    "FROM (SELECT $1::pg_catalog.regclass AS relid UNION "
                    "SELECT relid FROM pg_catalog.pg_partition_tree($1)) pt "
                    "JOIN pg_catalog.pg_trigger tg ON tg.tgrelid = pt.relid "
                    "WHERE NOT tg.tgisinternal "
                    "AND tg.tgfoid <> 'comply._protect_row()'::pg_catalog.regprocedure "
                    "AND (tg.tgtype & 3) = 3 AND (tg.tgtype & (4 | 16)) <> 0 "  // ROW, BEFORE; INSERT or UPDATE
                    "AND tg.tgname < 'comply_protect_before' "
                    // (A clone of a trigger of a table in the tree is that trigger.)
                    "AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_trigger pa "
                    "WHERE pa.oid = tg.tgparentid AND (pa.tgrelid = $1 OR pa.tgrelid IN "
                    "(SELECT relid FROM pg_catalog.pg_partition_tree($1)))) "
                    "HAVING count(*) > 0",
                    1, types, v, nullptr, true, SPI_OK_SELECT) > 0) {
          const std::string earlier = SpiText(0, 1).value_or("");
          triggers_before = SpiText(0, 2).value_or("");
          PgCall([&] {
            ereport(NOTICE,
                    (errmsg("BEFORE triggers of table %s are ordered before its policy and see the "
                            "values written in clear when they fire: %s",
                            t.c_str(), earlier.c_str()),
                     errhint("They are named in the protect ledger entry; rename them to sort after "
                             "comply_protect_before if they need not see the values as written.")));
          });
        }
      }
      // The triggers see the writes from now on; rows already stored stay as they are.
      bool transforms = false;
      for (const ColumnPolicy& c : p->columns) transforms |= c.redact != ColumnPolicy::Redact::kNone;
      // (Whether it holds a row: pg_comply's look, not a read to audit.)
      uint64 stored = 0;
      if (transforms) {
        not_a_read = true;
        try {
          stored = SpiExec(("SELECT 1 FROM " + t + " LIMIT 1").c_str(), 0, nullptr, nullptr,
                           nullptr, true, SPI_OK_SELECT);
        } catch (...) {
          not_a_read = false;
          throw;
        }
        not_a_read = false;
      }
      if (stored > 0) {
        std::string literal;
        for (char ch : t) literal += ch == '\'' ? std::string("''") : std::string(1, ch);
        const std::string hint =
            "comply.protect_existing('" + literal + "') applies it to the rows already stored.";
        PgCall([&] {
          ereport(NOTICE, (errmsg("table %s already holds rows: its policy applies to the rows "
                                  "written from now on", t.c_str()),
                           errhint("%s", hint.c_str())));
        });
      }
      // Rows are named by their primary key in the ledger and in classification
      // subjects: without one, an entry says what happened but not to which row.
      if (p->pk_attnums.empty() && (p->audit || p->any_classify)) {
        const char* what = p->any_classify
                               ? "its ledger entries cannot name the row written, nor can its "
                                 "classification results be linked back to the row"
                               : "its ledger entries cannot name the row written";
        PgCall([&] {
          ereport(NOTICE, (errmsg("table %s has no primary key: %s", t.c_str(), what),
                           errhint("Add a primary key; the policy uses it from the next write on.")));
        });
      }
      WarnAboutStoredValues(*p, t);
    }
    {
      AsExtensionOwner owner("policies");
      SpiScope spi;
      Oid types[4] = {OIDOID, TEXTOID, TEXTOID, TEXTOID};
      Datum v[4] = {ObjectIdGetDatum(relid), TextDatumOf(policy_text), TextDatumOf(key_id),
                    TextDatumOf(p->table)};
      const char nulls[4] = {' ', ' ', key_id.empty() ? 'n' : ' ', ' '};
      WritingPolicies writing;
      SpiExec("INSERT INTO comply.policies AS p (table_name, policy, protected_by, protected_at, "
              "acl_snapshot, pseudonym_key_id, known_as) VALUES ($1::regclass, $2::jsonb, "
              "session_user, now(), comply._acl_text($1::regclass), $3, $4) "
              "ON CONFLICT (table_name) DO UPDATE "
              "SET policy = EXCLUDED.policy, protected_by = EXCLUDED.protected_by, "
              "protected_at = EXCLUDED.protected_at, acl_snapshot = EXCLUDED.acl_snapshot, "
              "pseudonym_key_id = EXCLUDED.pseudonym_key_id, known_as = EXCLUDED.known_as",
              4, types, v, nulls, false, SPI_OK_INSERT);
    }
    std::string details = std::string("{\"policy\":") + policy_text;
    if (!key_id.empty()) details += ",\"pseudonym_key_id\":\"" + key_id + "\"";
    if (!triggers_before.empty()) details += ",\"triggers_before_policy\":" + triggers_before;
    Audit("protect", p->table, details + "}");
  });
  PG_RETURN_VOID();
}

// comply.unprotect(tbl regclass) RETURNS void
// comply._cancel_work_of_gone_rows(tbl regclass, what text) RETURNS void: the drift
// event trigger's, after a partition of protected table tbl was detached: the queued
// jobs and open review cases of rows no longer in it (CancelWorkOfGoneRows).
extern "C" Datum comply_cancel_work_of_gone_rows(PG_FUNCTION_ARGS) {
  const Oid relid = PG_GETARG_OID(0);
  text* what = PG_GETARG_TEXT_PP(1);
  const char* what_c = text_to_cstring(what);
  Guarded([&] {
    std::shared_ptr<TablePolicy> p = PolicyFor(relid);
    if (p && p->partition.empty()) CancelWorkOfGoneRows(*p, what_c);
  });
  PG_RETURN_VOID();
}

// comply._key_type(tbl regclass, col name) RETURNS text: the type to read a value of
// key column col of tbl as, for comply.forget and comply._row_exists, which run as the
// extension's owner: the column's base type (never a domain, whose CHECK is its
// owner's code) when it is one whose text reads back the same in any session
// (KeyReadType); NULL otherwise (forget then matches subjects by the key's text, and does
// not read the table to tell whether the row is still stored).
extern "C" Datum comply_key_type(PG_FUNCTION_ARGS) {
  const Oid relid = PG_GETARG_OID(0);
  const char* col = NameStr(*PG_GETARG_NAME(1));
  const AttrNumber attnum = get_attnum(relid, col);
  if (attnum <= 0) PG_RETURN_NULL();
  Oid type;
  int32 typmod;
  Oid collation;
  get_atttypetypmodcoll(relid, attnum, &type, &typmod, &collation);
  const char* read_as = KeyReadType(type, typmod);
  if (!read_as) PG_RETURN_NULL();
  PG_RETURN_TEXT_P(cstring_to_text(read_as));
}

// comply._key_text(value anyelement) RETURNS text: a key value as the subjects of a
// protected table's jobs write it (KeyText), for comply.forget to compare a key given in
// this session's formats with them.
extern "C" Datum comply_key_text(PG_FUNCTION_ARGS) {
  const Oid type = get_fn_expr_argtype(fcinfo->flinfo, 0);
  if (!OidIsValid(type))
    ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("could not determine the type of the value")));
  PG_RETURN_TEXT_P(cstring_to_text(KeyTextOf(PG_GETARG_DATUM(0), type)));
}

// comply._writing_policies(): whether comply.protect or comply.unprotect is writing
// comply.policies (see writing_policies).
extern "C" Datum comply_writing_policies(PG_FUNCTION_ARGS) { PG_RETURN_BOOL(writing_policies); }

extern "C" Datum comply_unprotect(PG_FUNCTION_ARGS) {
  if (PG_ARGISNULL(0))
    ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED), errmsg("the table must not be NULL")));
  PreventCommandIfReadOnly("comply.unprotect()");
  Oid relid = PG_GETARG_OID(0);
  LockStillThere(relid, AccessExclusiveLock);  // DROP TRIGGER's
  Guarded([&] {
    const std::string table = QualifiedName(relid);
    uint64 removed;
    {
      AsExtensionOwner owner("policies");
      SpiScope spi;
      Oid types[1] = {OIDOID};
      Datum v[1] = {ObjectIdGetDatum(relid)};
      // An inheritance child of a protected table stays protected (its rows are the
      // parent's too, and pass none of the parent's triggers).
      if (SpiExec("SELECT i.inhparent::regclass::text FROM pg_catalog.pg_inherits i "
                  "JOIN pg_catalog.pg_class c ON c.oid = i.inhrelid "
                  "JOIN comply.policies p ON p.table_name = i.inhparent "
                  "WHERE i.inhrelid = $1 AND NOT c.relispartition ORDER BY i.inhseqno LIMIT 1",
                  1, types, v, nullptr, true, SPI_OK_SELECT) > 0)
        throw Error(sqlstate::kObjectNotInPrerequisiteState,
                    std::string("table ") + table + " inherits from protected table " +
                        SpiText(0, 1).value_or(""),
                    "Rows written into it directly do not pass through its parent's triggers.",
                    "Detach it with ALTER TABLE ... NO INHERIT first.");
      WritingPolicies writing;
      removed = SpiExec("DELETE FROM comply.policies WHERE table_name = $1::regclass", 1, types, v,
                        nullptr, false, SPI_OK_DELETE);
    }
    if (removed == 0)
      throw Error(sqlstate::kObjectNotInPrerequisiteState,
                  std::string("table ") + table + " is not protected");
    {
      SpiScope spi;
      std::string sql = DropTriggersSql(relid, table);
      if (!sql.empty()) PgCall([&] {
        int rc = SPI_execute(sql.c_str(), false, 0);
        if (rc < 0) elog(ERROR, "could not drop the protect triggers: %s", SPI_result_code_string(rc));
      });
    }
    Audit("unprotect", table, "{}");
  });
  PG_RETURN_VOID();
}

// comply.protect_existing(tbl regclass) RETURNS bigint: applies the policy's redaction,
// pseudonymization and masking to the rows already stored (protect covers the writes
// from then on), as an UPDATE of those columns by the caller; rows it leaves as they are
// are not updated. Returns the rows changed, each a ledger entry when audited.
extern "C" Datum comply_protect_existing(PG_FUNCTION_ARGS) {
  if (PG_ARGISNULL(0))
    ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED), errmsg("the table must not be NULL")));
  PreventCommandIfReadOnly("comply.protect_existing()");
  Oid relid = PG_GETARG_OID(0);
  LockStillThere(relid);
  int64 changed = 0;
  Guarded([&] {
    std::shared_ptr<TablePolicy> p = PolicyFor(relid);
    if (!p)
      throw Error(sqlstate::kObjectNotInPrerequisiteState,
                  "table " + QualifiedName(relid) + " is not protected", {},
                  "Protect it with comply.protect() first.");
    std::string set, names;
    int transformed = 0;
    for (const ColumnPolicy& c : p->columns) {
      if (c.redact == ColumnPolicy::Redact::kNone) continue;
      const char* q = PgCall([&] { return quote_identifier(c.name.c_str()); });
      set += std::string(set.empty() ? "" : ", ") + q + " = " + q;
      names += std::string(names.empty() ? "" : ", ") + "\"" + c.name + "\"";
      ++transformed;
    }
    if (set.empty()) return;  // nothing the policy transforms
    // A partitioned table's partitions follow its policy; a table's inheritance children
    // have policies (and triggers) of their own, or none: rewritten through the parent,
    // their rows were counted as changed and left as they were. ONLY this table, then:
    // each child is rewritten by a call of its own.
    const bool partitioned = PgCall([&] { return get_rel_relkind(relid) == RELKIND_PARTITIONED_TABLE; });
    const std::string sql = std::string(partitioned ? "UPDATE " : "UPDATE ONLY ") + QualifiedName(relid) +
                            " SET " + set;
    struct Existing {  // existing_relid while the UPDATE runs, whatever happens
      explicit Existing(Oid relid) { existing_relid = relid; }
      ~Existing() { existing_relid = InvalidOid; }
    } scope(p->protected_relid);
    SpiScope spi;
    // The constraints checked at the end of the statement, not as each row is written (a
    // deferrable unique or exclusion constraint): the row one of them refuses is not the
    // last one the trigger saw.
    std::set<std::string> deferred;
    PgCall([&] {
      // (pg_partition_tree() is empty for a table that is not partitioned.)
      char query[256];
      snprintf(query, sizeof query,
               "SELECT c.conname FROM pg_catalog.pg_constraint c WHERE c.condeferrable AND "
               "(c.conrelid = %u OR c.conrelid IN (SELECT relid FROM pg_catalog.pg_partition_tree(%u)))",
               relid, relid);
      if (SPI_execute(query, true, 0) != SPI_OK_SELECT) elog(ERROR, "could not read the constraints");
    });
    for (uint64 i = 0; i < SPI_processed; ++i)
      deferred.insert(PgCall([&] { return SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1); }));
    existing_row.relid = InvalidOid;
    try {
      changed = PgCall([&] {
        int rc = SPI_execute(sql.c_str(), false, 0);
        if (rc != SPI_OK_UPDATE) elog(ERROR, "could not update the stored rows: %s", SPI_result_code_string(rc));
        return static_cast<int64>(SPI_processed);
      });
    } catch (PgError& e) {
      // A constraint of the table broken by the transformed values (a CHECK, NOT NULL,
      // a unique key two rows now share): PostgreSQL's detail quotes the row ("Failing
      // row contains (...)") or the key, other columns in clear, and this row was
      // written by pg_comply's statement, not the caller's. The message, SQLSTATE and
      // the names of the table and constraint are kept; the values are not. (The
      // protect trigger's own rejections name no table: their details are its own.)
      if (ERRCODE_TO_CATEGORY(e.sqlerrcode()) == ERRCODE_INTEGRITY_CONSTRAINT_VIOLATION &&
          !(e.objects().table.empty() && e.objects().constraint.empty())) {
        // A constraint checked as the row is written (a CHECK, NOT NULL, a unique key
        // that is not deferrable) refused the row the trigger saw last: named by its ctid.
        // Only an error of the table being rewritten: a constraint of another table (an
        // FK's cascade, a user's trigger writing elsewhere) is no verdict on that row.
        const int code = e.sqlerrcode();
        const bool this_row =
            OidIsValid(existing_row.relid) && e.objects().table == existing_row.relname &&
            e.objects().schema == existing_row.nspname &&
            (code == ERRCODE_CHECK_VIOLATION || code == ERRCODE_NOT_NULL_VIOLATION ||
             ((code == ERRCODE_UNIQUE_VIOLATION || code == ERRCODE_EXCLUSION_VIOLATION) &&
              !e.objects().constraint.empty() && !deferred.count(e.objects().constraint)));
        e.set_detail("The row was rewritten by comply.protect_existing, which wrote the policy's "
                     "transformed values of " + std::string(transformed == 1 ? "column " : "columns ") +
                     names + (this_row ? ". " + ExistingRowDetail() : "; its values are not shown."));
        e.set_hint((this_row ? ExistingRowHint() + " " : std::string()) +
                   "Make the constraint accept the transformed values (labels such as "
                   "[EMAIL_ADDRESS], masks, pseudonyms), or leave the column out of the policy's "
                   "transformations.");
      }
      throw;
    }
  });
  PG_RETURN_INT64(changed);
}

// comply._protect_row(): the trigger of protected tables.
extern "C" Datum comply_protect_row(PG_FUNCTION_ARGS) {
  if (!CALLED_AS_TRIGGER(fcinfo))
    ereport(ERROR, (errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
                    errmsg("comply._protect_row() must be called as a trigger")));
  protected_write_lxid = MyProc->lxid;
  HideActivity();
  TriggerData* td = reinterpret_cast<TriggerData*>(fcinfo->context);
  if (TRIGGER_FIRED_BY_TRUNCATE(td->tg_event) && TRIGGER_FIRED_AFTER(td->tg_event)) {
    // AFTER TRUNCATE, for each statement: every row is gone at once; one ledger entry.
    Oid truncated = RelationGetRelid(td->tg_relation);
    Guarded([&] {
      std::shared_ptr<TablePolicy> p = PolicyFor(truncated);
      if (p && p->audit) Audit("TRUNCATE", p->table, TruncateDetails(*p));
      // Every row is gone: so is the point of the jobs still queued for them (those of
      // the protected table itself; a partition's rows are not told apart by them).
      if (p && p->any_classify && p->partition.empty())
        CancelPendingWork(*p, nullptr, nullptr, "the table was truncated");
    });
    return PointerGetDatum(nullptr);
  }
  if (!TRIGGER_FIRED_FOR_ROW(td->tg_event))
    ereport(ERROR, (errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
                    errmsg("comply._protect_row() must be a row trigger, or AFTER TRUNCATE")));
  bool before = TRIGGER_FIRED_BEFORE(td->tg_event);
  HeapTuple result = TRIGGER_FIRED_BY_UPDATE(td->tg_event) ? td->tg_newtuple : td->tg_trigtuple;
  Oid relid = RelationGetRelid(td->tg_relation);
  Guarded([&] {
    // Any of this trigger's errors is raised with no context (RowError): a COPY's would
    // quote the input line, the row's values and all.
    try {
      std::shared_ptr<TablePolicy> p = PolicyFor(relid);
      if (!p) {
        // Triggers without a policy: a schema-only or single-table dump restored (pg_dump
        // leaves the rows of comply.policies out of both), or the policy deleted behind
        // comply.unprotect's back. Nothing would be validated, redacted or audited, so
        // writes are refused rather than stored in clear; a DELETE (AFTER) writes nothing.
        if (!before) return;
        const std::string table = QualifiedName(relid);
        throw Error(sqlstate::kObjectNotInPrerequisiteState,
                    "table " + table + " has the protect triggers of pg_comply but no policy",
                    "Its policy is not in comply.policies (a schema-only or single-table dump "
                    "leaves it out, or it was deleted): its writes would be neither validated, "
                    "redacted nor audited.",
                    "Protect it again with comply.protect(), or drop its triggers "
                    "comply_protect_before, comply_protect_after and comply_protect_truncate.");
      }
      if (before) {
        if (p->any_before) result = BeforeRow(td, *p);
      } else {
        AfterRow(td, *p);
      }
    } catch (const RowError&) {
      throw;
    } catch (const Error& e) {
      throw RowError(e.sqlstate(), e.what(), e.detail(), e.hint());
    } catch (PgError& e) {
      e.HideContext();
      throw;
    }
  });
  return PointerGetDatum(before ? result : nullptr);
}
