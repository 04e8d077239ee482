// SQL functions of PII detection and redaction: comply.detect, comply.redact (text and
// jsonb), comply.pseudonymize, and the recognizer table's pattern check and cache
// invalidation.
#include "pg/pii.h"

#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "core/json.h"
#include "pg/guard.h"
#include "pg/spi.h"
#include "pg/guc.h"
#include "pg/jsonb_doc.h"
#include "pg/jsonb_write.h"

extern "C" {
#include "postgres.h"

#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "storage/bufmgr.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/inval.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/tuplestore.h"
#include "nodes/makefuncs.h"
#include "nodes/value.h"
#include "parser/parse_func.h"
#include "utils/acl.h"

PG_FUNCTION_INFO_V1(comply_detect);
PG_FUNCTION_INFO_V1(comply_redact_text);
PG_FUNCTION_INFO_V1(comply_redact_jsonb);
PG_FUNCTION_INFO_V1(comply_pseudonymize);
PG_FUNCTION_INFO_V1(comply_pseudonym_key_id);
PG_FUNCTION_INFO_V1(comply_check_pattern);
PG_FUNCTION_INFO_V1(comply_builtin_entities);
PG_FUNCTION_INFO_V1(comply_shown_name);
PG_FUNCTION_INFO_V1(comply_jsonb_strings);
}

namespace comply::pg {
namespace {

// The detector built in the postmaster when pg_comply is in shared_preload_libraries
// (PiiInit): a session uses it instead of compiling its own (about 30 ms, and as much
// again for the first texts), extended with its custom recognizers if there are any.
// Backends are forked with the postmaster's memory, so its automata and tables are
// shared by all of them, page by page, until one writes to a page (RE2 adds a state it
// had not met). Never freed.
const pii::Detector* preloaded_detector = nullptr;

// Per-backend cache of the compiled detector; rebuilt when comply.recognizers changes.
struct DetectorCache {
  const pii::Detector* detector = nullptr;  // preloaded_detector, or owned
  std::unique_ptr<pii::Detector> owned;     // compiled here (custom recognizers)
  std::set<std::string> entities;  // built-in and custom entity names
  bool stale = true;
  uint64 invalidations = 0;  // received, so that one during a rebuild is not lost
  Oid recognizers_relid = InvalidOid;
  uint64 generation = 0;  // detectors built (CurrentDetectorGeneration)
};
DetectorCache* detector_cache = nullptr;

struct KeyCache {
  std::string path;
  struct stat st {};
  std::string key;
  std::string id;  // pii::KeyId(key)
};
KeyCache* key_cache = nullptr;

// Marks the detector stale when comply.recognizers (or every relation) is invalidated.
void InvalidateRecognizers(Datum, Oid relid) {
  if (detector_cache &&
      (relid == InvalidOid || relid == detector_cache->recognizers_relid ||
       detector_cache->recognizers_relid == InvalidOid)) {
    detector_cache->stale = true;
    ++detector_cache->invalidations;
  }
}

// Plain-C copy of the enabled rows of comply.recognizers, made inside one PgCall.
struct RecognizerRows {
  int n;
  char** entity;
  char** pattern;
  char** score;
  char** context;  // words separated by \x1f, or NULL
  Oid relid;
};

// Copies an SPI value into context cxt (NULL stays NULL).
char* CopyValue(MemoryContext cxt, HeapTuple tup, TupleDesc desc, int col) {
  char* v = SPI_getvalue(tup, desc, col);
  return v ? MemoryContextStrdup(cxt, v) : nullptr;
}

// Reads comply.recognizers through SPI into the caller's memory; may ereport. Runs as
// the extension's owner (CurrentDetector), not as the caller.
RecognizerRows* ReadRecognizerRows() {
  MemoryContext caller = CurrentMemoryContext;
  RecognizerRows* rows = static_cast<RecognizerRows*>(palloc0(sizeof(RecognizerRows)));
  rows->relid = get_relname_relid("recognizers", get_namespace_oid("comply", false));
  // A table that has never held a row has no block: nothing to read, and no query to
  // plan on a session's first redaction (most databases have no custom recognizer).
  if (OidIsValid(rows->relid)) {
    Relation rel = table_open(rows->relid, AccessShareLock);
    const BlockNumber blocks = RelationGetNumberOfBlocks(rel);
    table_close(rel, AccessShareLock);
    if (blocks == 0) {
      char*** cols[] = {&rows->entity, &rows->pattern, &rows->score, &rows->context};
      for (char*** col : cols) *col = static_cast<char**>(palloc0(sizeof(char*)));
      return rows;
    }
  }
  const int pin = PinSearchPath();
  if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "SPI_connect failed");
  PushConfigSnapshot();
  int rc = SPI_execute(
      "SELECT entity, pattern, score::text, array_to_string(context, chr(31)) "
      "FROM comply.recognizers WHERE enabled ORDER BY id",
      true, 0);
  if (rc != SPI_OK_SELECT)
    elog(ERROR, "could not read comply.recognizers: %s", SPI_result_code_string(rc));
  int n = static_cast<int>(SPI_processed);
  rows->n = n;
  char*** cols[] = {&rows->entity, &rows->pattern, &rows->score, &rows->context};
  for (int c = 0; c < 4; ++c) {
    *cols[c] = static_cast<char**>(MemoryContextAllocZero(caller, sizeof(char*) * (n + 1)));
    for (int i = 0; i < n; ++i)
      (*cols[c])[i] = CopyValue(caller, SPI_tuptable->vals[i], SPI_tuptable->tupdesc, c + 1);
  }
  PopConfigSnapshot();
  SPI_finish();
  UnpinSearchPath(pin);
  return rows;
}

// Splits s on the unit separator.
std::vector<std::string> SplitWords(const char* s) {
  std::vector<std::string> out;
  if (!s) return out;
  std::string cur;
  for (const char* p = s;; ++p) {
    if (*p == '\x1f' || *p == '\0') {
      if (!cur.empty()) out.push_back(cur);
      cur.clear();
      if (*p == '\0') break;
    } else {
      cur.push_back(*p);
    }
  }
  return out;
}

// The first-name list installed with the extension, under the share directory.
constexpr const char* kFirstNamesFile = "/extension/pg_comply/first_names.txt";

// Path of the first-name list installed with the extension.
std::string FirstNamesPath() {
  char share[MAXPGPATH];
  PgCall([&] { get_share_path(my_exec_path, share); });
  return std::string(share) + kFirstNamesFile;
}

// Input as a view over a detoasted text datum.
std::string_view TextView(const text* t) { return {VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t)}; }

// Refuses inputs over comply.max_input_bytes (plain C: no C++ objects alive).
void CheckInputSize(size_t bytes) {
  if (bytes > static_cast<size_t>(max_input_bytes))
    ereport(ERROR, (errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
                    errmsg("input of %zu bytes exceeds comply.max_input_bytes (%d bytes)", bytes,
                           max_input_bytes),
                    errhint("Raise comply.max_input_bytes, or split the input.")));
}

// Reads a min_score argument (default 0.5 when absent) and checks its range.
double MinScoreArg(FunctionCallInfo fcinfo, int argno) {
  if (PG_NARGS() <= argno) return 0.5;
  if (PG_ARGISNULL(argno))
    ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED), errmsg("min_score must not be null")));
  double s = PG_GETARG_FLOAT8(argno);
  if (!(s >= 0.0 && s <= 1.0))
    ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                    errmsg("min_score must be between 0 and 1")));
  return s;
}

// A jsonb operators argument, or NULL when absent (plain C).
Jsonb* OperatorsArg(FunctionCallInfo fcinfo, int argno) {
  if (PG_NARGS() <= argno || PG_ARGISNULL(argno)) return nullptr;
  return PG_GETARG_JSONB_P(argno);
}

// Elements of a text[] argument as palloc'd C strings (NULL elements refused).
char** TextArrayArg(FunctionCallInfo fcinfo, int argno, int* count, const char* what) {
  *count = -1;
  if (PG_NARGS() <= argno || PG_ARGISNULL(argno)) return nullptr;
  ArrayType* arr = PG_GETARG_ARRAYTYPE_P(argno);
  Datum* elems;
  bool* nulls;
  int n;
  deconstruct_array(arr, TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulls, &n);
  char** out = static_cast<char**>(palloc(sizeof(char*) * (n + 1)));
  for (int i = 0; i < n; ++i) {
    if (nulls[i])
      ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED), errmsg("%s must not contain nulls", what)));
    out[i] = TextDatumGetCString(elems[i]);
  }
  *count = n;
  return out;
}

}  // namespace

// Refuses operators for an entity no recognizer produces: a misspelt "CREDIT_CRAD"
// would otherwise leave cards to the default operator without a word.
void CheckOperatorEntities(const pii::OperatorConfig& ops, const std::set<std::string>& keys) {
  if (ops.per_entity.empty()) return;
  CurrentDetector();  // loads the entity list
  for (const auto& [entity, op] : ops.per_entity) {
    std::string lower;
    pii::FoldCaseInto(entity, &lower);
    if (!detector_cache->entities.count(entity) && !keys.count(lower))
      throw Error(sqlstate::kInvalidParameterValue,
                  "invalid redaction operators: unknown entity " + ShownName(entity), {},
                  "SELECT comply.entities() lists the entities that can be detected; "
                  "\"default\" applies to all others.");
  }
}

namespace {

// Reads an operators document into a config (defaults when it is null), walking the
// jsonb like every other jsonb argument.
pii::OperatorConfig OperatorsFrom(Jsonb* operators, const std::set<std::string>& keys = {}) {
  if (!operators) return {};
  pii::OperatorConfig ops = pii::ParseOperators(JsonbArgument(operators, "operators"));
  CheckOperatorEntities(ops, keys);
  return ops;
}

// Upper-cases letters, of any script (pii::UpperCase).
std::string Upper(std::string_view s) { return pii::UpperCase(s); }

// Lower-cases the letters of s into *out (its buffer reused): a key of a jsonb
// document compared with the policy's keys in any case ("PRÉNOM" is "prénom").
void LowerInto(std::string_view s, std::string* out) { pii::FoldCaseInto(s, out); }

// Lower-cases letters.
std::string Lower(std::string_view s) {
  std::string out;
  LowerInto(s, &out);
  return out;
}

// Builds detection options, refusing entity names no recognizer produces.
pii::DetectOptions MakeOptions(double min_score, char** entities, int n_entities) {
  pii::DetectOptions opts;
  opts.min_score = min_score;
  if (entities) {
    CurrentDetector();  // loads the entity list
    for (int i = 0; i < n_entities; ++i) {
      std::string e = Upper(entities[i]);
      if (!detector_cache->entities.count(e))
        throw Error(sqlstate::kInvalidParameterValue, "unknown entity " + ShownName(e), {},
                    "SELECT comply.entities() lists the entities that can be detected.");
      opts.entities.push_back(e);
    }
    if (opts.entities.empty()) opts.entities.push_back("\x01none");  // empty array: nothing
  }
  return opts;
}

// Copies a C++ string into a new text datum.
Datum TextResult(const std::string& s) {
  return PgCall([&] { return PointerGetDatum(cstring_to_text_with_len(s.data(), s.size())); });
}

// Redacts one string with the detector and operators.
std::string RedactString(std::string_view in, const pii::DetectOptions& opts,
                         const pii::OperatorConfig& ops, std::string_view key) {
  std::vector<pii::Finding> findings = CurrentDetector().Detect(in, opts, InterruptCheck());
  return pii::Redact(in, findings, ops, key, InterruptCheck());
}

// Walks a jsonb document and writes its redacted copy directly in jsonb's binary form,
// container by container, as PostgreSQL's convertToJsonb would write the same values
// (jsonb_util.c: keys then values, each container int-aligned, numbers int-aligned, the
// padding counted in the length of what follows it, every JB_OFFSET_STRIDE'th entry an
// offset): no tree of JsonbValues, no iterator, no PostgreSQL call but for numbers' text.
// Keys are copied as they are (their entries and bytes at once) unless some key of the
// object is redacted, when the members are sorted again in jsonb's order (shorter keys
// first). sql/04_redact_jsonb.sql compares the copies with what PostgreSQL makes of their
// text, byte for byte.
class JsonbRedactor {
 public:
  // The redacted keys given in one object, and for each redacted form the next number.
  struct GivenKeys {
    std::set<std::string> names;
    std::map<std::string, uint64> next;
  };

  // With redact_keys, or operators that say "redact_keys": true, the object keys are
  // redacted by content too (a key may be personal data, an e-mail keying a map): always
  // in documents pg_comply keeps in the ledger or shows reviewers; in comply.redact's
  // and a protected column's when their operators ask. Keys take labels
  // (pii::KeyOperators), whatever the values' operators.
  JsonbRedactor(const pii::DetectOptions& opts, const pii::OperatorConfig& ops,
                std::string_view key, const std::set<std::string>& keys, bool redact_keys = false)
      : opts_(opts), ops_(ops), key_(key), keys_(keys),
        redact_keys_(redact_keys || ops.redact_keys), named_(opts) {
    if (redact_keys_) key_ops_ = pii::KeyOperators(ops);
    for (const std::string& k : keys_) keys_lengths_ |= LengthBit(k.size());
  }

  // Returns the redacted copy of root (a detoasted document's). name (a column's) is
  // the context of the values not under a key (the document a scalar, an array's items
  // at the root).
  Jsonb* Run(const JsonbContainer* root, std::string_view name = {}) {
    string_bytes_ = 0;
    out_.Clear();
    WriteContainer(root, name);
    return PgCall([&] { return out_.ToJsonb(); });
  }

 private:
  // One child of a container as stored: its entry, and where its data start and end
  // from the start of the container's data, base (a number's or a container's padding
  // included: it is aligned from base, which is int-aligned).
  struct Child {
    JEntry entry;
    const char* base;
    uint32 start;
    uint32 end;
  };

  // What becomes of a value: copied as it is, replaced by a string, or (a container)
  // walked.
  enum class Fate { kKeep, kReplace, kWalk };

  // Bit n of a length mask: a length of n bytes (n < 63), or of 63 or more (bit 63).
  static uint64 LengthBit(size_t n) { return uint64{1} << std::min<size_t>(n, 63); }

  // Whether key k may be one of keys_ once case-folded: a key of ASCII bytes keeps its
  // length, so one of a length no listed key has is none of them, without folding it
  // (the fold cost more than the rest of a member's walk); others are folded.
  bool MayBeListed(std::string_view k) const {
    unsigned char high = 0;
    for (char c : k) high |= static_cast<unsigned char>(c);
    return (high & 0x80) != 0 || (keys_lengths_ & LengthBit(k.size())) != 0;
  }

  // Whether the value of key k is replaced whole: k is one of keys_, case-folded.
  bool Listed(std::string_view k) {
    if (keys_.empty() || !MayBeListed(k)) return false;
    LowerInto(k, &lower_key_);
    return keys_.count(lower_key_) > 0;
  }

  // The data of container c's children start after its header and entries.
  static const char* DataOf(const JsonbContainer* c, uint32 entries) {
    return reinterpret_cast<const char*>(&c->children[entries]);
  }

  // Where child i's data end, given where they start (jsonb_util.c's getJsonbOffset,
  // read in order).
  static uint32 EndOf(JEntry e, uint32 start) {
    return JBE_HAS_OFF(e) ? JBE_OFFLENFLD(e) : start + JBE_OFFLENFLD(e);
  }

  // Writes the redacted copy of container c; returns its entry in its parent. name is
  // the key c is stored under (its items' context; its members have their own).
  JEntry WriteContainer(const JsonbContainer* c, std::string_view name) {
    InterruptCheck()();
    if (stack_is_too_deep())  // (does not raise: check_stack_depth would)
      throw Error(sqlstate::kStatementTooComplex, "stack depth limit exceeded", {},
                  "The document is nested too deeply to be redacted within max_stack_depth: "
                  "raise it (after ensuring the platform's stack depth limit is adequate), or "
                  "nest the document less deeply.");
    const uint32 n = JsonContainerSize(c);
    if (!JsonContainerIsObject(c)) {
      // (A raw scalar stays one.)
      JsonbContainerWriter array(&out_, n, false, c->header & (JB_FARRAY | JB_FSCALAR));
      const char* data = DataOf(c, n);
      uint32 start = 0;
      for (uint32 i = 0; i < n; ++i) {
        const JEntry e = c->children[i];
        const uint32 end = EndOf(e, start);
        array.Entry(WriteValue({e, data, start, end}, false, {}, name));
        start = end;
      }
      return array.End();
    }
    JsonbContainerWriter object(&out_, n, true);
    const char* data = DataOf(c, 2 * n);
    // The keys' end (where the values' data start).
    uint32 keys_end = 0;
    for (uint32 i = 0; i < n; ++i) keys_end = EndOf(c->children[i], keys_end);
    // Keys redacted by content, if any: the index of each member's new key in renamed.
    std::vector<std::string> renamed;
    std::vector<int> renamed_of;
    if (redact_keys_) {
      GivenKeys given;
      uint32 start = 0;
      for (uint32 i = 0; i < n; ++i) {
        const uint32 end = EndOf(c->children[i], start);
        const std::string_view k(data + start, end - start);
        start = end;
        // A key's context is the keys above it, as a value's is: a bare SSN keying a
        // map under "ssn".
        named_.context = name;
        const std::string r = RedactString(k, named_, key_ops_, {});
        if (r == k) continue;
        if (renamed_of.empty()) renamed_of.assign(n, -1);
        renamed_of[i] = static_cast<int>(renamed.size());
        renamed.push_back(DistinctKey(c, r, &given));
      }
    }
    // Scratch for a member's name after the object's (WriteMember): name and a space.
    std::string named;
    if (!name.empty() && name.size() <= 255) {
      named.assign(name);
      named += ' ';
    }
    if (renamed.empty()) {
      // The keys as they are: their entries and bytes.
      object.Copied(c->children, n, keys_end);
      out_.Append(data, keys_end);
      uint32 key_start = 0, start = keys_end;
      for (uint32 i = 0; i < n; ++i) {
        const uint32 key_end = EndOf(c->children[i], key_start);
        const JEntry e = c->children[n + i];
        const uint32 end = EndOf(e, start);
        WriteMember(&object, {e, data, start, end},
                    std::string_view(data + key_start, key_end - key_start), name, &named);
        key_start = key_end;
        start = end;
      }
    } else {
      // Some keys redacted: the members in the order of their new keys (DistinctKey
      // gave keys unlike the object's own and each other), as pushJsonbValue's end of an
      // object would sort them.
      struct Member {
        std::string_view key;       // as written
        std::string_view original;  // the document's (the value's context)
        Child value;
      };
      std::vector<Member> members(n);
      uint32 key_start = 0, start = keys_end;
      for (uint32 i = 0; i < n; ++i) {
        const uint32 key_end = EndOf(c->children[i], key_start);
        const JEntry e = c->children[n + i];
        const uint32 end = EndOf(e, start);
        members[i].original = std::string_view(data + key_start, key_end - key_start);
        members[i].key = renamed_of[i] < 0 ? members[i].original : std::string_view(renamed[renamed_of[i]]);
        members[i].value = {e, data, start, end};
        key_start = key_end;
        start = end;
      }
      std::sort(members.begin(), members.end(), [](const Member& a, const Member& b) {
        return a.key.size() != b.key.size() ? a.key.size() < b.key.size() : a.key < b.key;
      });
      for (uint32 i = 0; i < n; ++i) object.Entry(out_.String(members[i].key));
      for (uint32 i = 0; i < n; ++i) WriteMember(&object, members[i].value, members[i].original, name, &named);
    }
    return object.End();
  }

  // Writes the value of the next member of object, under key member; name is the
  // object's (*named: the object's scratch string for the value's, holding name and a
  // space).
  void WriteMember(JsonbContainerWriter* object, const Child& value, std::string_view member,
                   std::string_view name, std::string* named) {
    const bool whole = Listed(member);
    if (whole) current_key_ = Upper(member);
    // A value's name is its key after the names of the members it is in ({"pesel":
    // {"old": ..., "new": ...}}, an audit entry's change).
    std::string_view value_name = member;
    if (!name.empty() && name.size() + member.size() <= 255) {
      named->resize(name.size() + 1);
      named->append(member);
      value_name = *named;
    }
    object->Entry(WriteValue(value, whole, current_key_, value_name));
  }

  // Writes one value (replaced whole when whole, under entity), returns its entry.
  JEntry WriteValue(const Child& child, bool whole, const std::string& entity, std::string_view name) {
    const uint32 type = child.entry & JENTRY_TYPEMASK;
    // A number's or a container's data start int-aligned (fillJsonbValue).
    const uint32 start = type == JENTRY_ISNUMERIC || type == JENTRY_ISCONTAINER ? INTALIGN(child.start)
                                                                                : child.start;
    const char* const data = child.base + start;
    const uint32 len = child.end - start;
    JsonbValue v;
    switch (type) {
      case JENTRY_ISSTRING:
        v.type = jbvString;
        v.val.string.val = const_cast<char*>(data);
        v.val.string.len = static_cast<int>(len);
        break;
      case JENTRY_ISNUMERIC:
        v.type = jbvNumeric;
        v.val.numeric = reinterpret_cast<Numeric>(const_cast<char*>(data));
        break;
      case JENTRY_ISBOOL_FALSE:
      case JENTRY_ISBOOL_TRUE:
        v.type = jbvBool;
        v.val.boolean = type == JENTRY_ISBOOL_TRUE;
        break;
      case JENTRY_ISNULL:
        v.type = jbvNull;
        break;
      default:
        v.type = jbvBinary;
        v.val.binary.data = reinterpret_cast<JsonbContainer*>(const_cast<char*>(data));
        v.val.binary.len = static_cast<int>(len);
        break;
    }
    std::string replacement;
    switch (Decide(&v, whole, entity, name, &replacement)) {
      case Fate::kWalk:
        return WriteContainer(v.val.binary.data, name);
      case Fate::kReplace:
        CountString(replacement.size());
        return out_.String(replacement);
      case Fate::kKeep:
        break;
    }
    if (type == JENTRY_ISSTRING) {
      CountString(len);
      return out_.String(std::string_view(data, len));
    }
    if (type == JENTRY_ISNUMERIC || type == JENTRY_ISCONTAINER) {
      // Its bytes (a container's offsets are its own), int-aligned here.
      const uint32 padded = out_.Pad();
      out_.Append(data, len);
      return type | (padded + len);
    }
    return type;  // true, false, null: no data
  }

  // The key that redacted key r of object c becomes: r, or r#2, r#3 ... for the second
  // and later keys of c redacted alike (three e-mails keying a map are three members,
  // "[EMAIL_ADDRESS]", "[EMAIL_ADDRESS]#2", "[EMAIL_ADDRESS]#3", numbered in the order
  // jsonb keeps the keys in; one key, as jsonb keeps only the last of equal keys, lost
  // the others' values). Never one of c's own keys ("[EMAIL_ADDRESS]#2" written as such,
  // kept as it is) nor one given already (in *given, with the next number to try for r:
  // each key is one lookup or a few, however many share its label).
  std::string DistinctKey(const JsonbContainer* c, const std::string& r, GivenKeys* given) {
    uint64& next = given->next[r];  // 0: r itself not tried yet
    for (;;) {
      std::string candidate = next == 0 ? r : r + "#" + std::to_string(next);
      next = next == 0 ? 2 : next + 1;
      if (given->names.count(candidate)) continue;
      const bool own = PgCall([&] {
        JsonbValue found;
        return getKeyJsonValueFromContainer(const_cast<JsonbContainer*>(c), candidate.data(),
                                            static_cast<int>(candidate.size()), &found) != nullptr;
      });
      if (own) continue;
      given->names.insert(candidate);
      return candidate;
    }
  }

  // What becomes of one value: replaced whole (under a listed key), walked, redacted by
  // content (strings, numbers: *replacement) or kept.
  Fate Decide(JsonbValue* v, bool whole, const std::string& entity, std::string_view name,
              std::string* replacement) {
    // "keep" for a listed key keeps its value as it is: a number stays a number, and an
    // object or array is walked like any other (a card number inside is still redacted;
    // kept whole as text, it was stored in clear).
    if (whole && ops_.For(entity).kind == pii::OpKind::kKeep)
      return v->type == jbvBinary ? Fate::kWalk : Fate::kKeep;
    if (whole && v->type != jbvNull) {
      std::string original;
      if (v->type == jbvString) {
        original.assign(v->val.string.val, v->val.string.len);
      } else {
        char* s = PgCall([&] {
          if (v->type == jbvBinary)
            return JsonbToCString(nullptr, v->val.binary.data, v->val.binary.len);
          JsonbValue scalar = *v;
          Jsonb* jb = JsonbValueToJsonb(&scalar);
          return JsonbToCString(nullptr, &jb->root, VARSIZE(jb));
        });
        original = s;
      }
      const pii::Operator& op = ops_.For(entity);
      // A pseudonym stays one: hashed again it would no longer join (an UPDATE of
      // another member, comply.protect_existing).
      if (op.kind == pii::OpKind::kHash && v->type == jbvString && pii::IsPseudonym(original))
        return Fate::kKeep;
      if (op.kind == pii::OpKind::kMask && v->type == jbvBinary && op.keep_last > 0) {
        // The end of an object's or array's text is the end of what it holds (the last
        // characters of an e-mail inside it): a container is masked whole.
        pii::Operator whole_mask = op;
        whole_mask.keep_last = 0;
        *replacement = pii::ApplyOperator(whole_mask, entity, original, key_);
        return Fate::kReplace;
      }
      *replacement = pii::ApplyOperator(op, entity, original, key_);
      return Fate::kReplace;
    }
    if (v->type == jbvBinary) return Fate::kWalk;
    // The value's name is context for the detector ("nif": "73516284G").
    named_.context = name;
    if (v->type == jbvString) {
      std::string_view in(v->val.string.val, v->val.string.len);
      // Nothing found (most strings), or nothing changed: the document's own bytes.
      // (With no finding pii::Redact returns the text as it is: a jsonb's string, under
      // 256 MB, is never too long for it.)
      std::vector<pii::Finding> found = CurrentDetector().Detect(in, named_, InterruptCheck());
      if (found.empty()) return Fate::kKeep;
      *replacement = pii::Redact(in, found, ops_, key_, InterruptCheck());
      return *replacement == in ? Fate::kKeep : Fate::kReplace;
    }
    if (v->type == jbvNumeric) {
      // A number is personal data when its digits are (a card number stored as a JSON
      // number, a bigint column's value in an audit entry): read as its text, and
      // replaced by the redacted string only when the detector finds something in it.
      const char* digits = PgCall([&] {
        return DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(v->val.numeric)));
      });
      // A number is one value: what is found in it stands for all of it (the card
      // number in 4111111111111111.0 or 4111111111111111e0 is not followed by a ".0"
      // that a label would keep), under the entity scored highest.
      const std::string_view in(digits);
      std::vector<pii::Finding> found = CurrentDetector().Detect(in, named_, InterruptCheck());
      if (!found.empty()) {
        pii::Finding whole_number = *std::max_element(found.begin(), found.end(),
            [](const pii::Finding& a, const pii::Finding& b) { return a.score < b.score; });
        whole_number.begin = 0;
        whole_number.end = in.size();
        *replacement = pii::Redact(in, {whole_number}, ops_, key_, InterruptCheck());
        return Fate::kReplace;
      }
    }
    return Fate::kKeep;
  }

  // Counts the bytes of a string written. More than a jsonb holds (JENTRY_OFFLENMASK,
  // 256 MB, every string's bytes inside the root's) is refused then, not once the whole
  // copy was written.
  void CountString(size_t size) {
    string_bytes_ += size;
    if (string_bytes_ > JENTRY_OFFLENMASK) out_.TooLarge();
  }

  const pii::DetectOptions& opts_;
  const pii::OperatorConfig& ops_;
  std::string_view key_;
  const std::set<std::string>& keys_;  // lower-case; outlives the redactor
  const bool redact_keys_;
  pii::OperatorConfig key_ops_;  // with redact_keys_: the operators of keys (labels, keep)
  pii::DetectOptions named_;  // opts_ with the name of the value being redacted
  std::string current_key_;  // upper-case, of the last key whose value is replaced whole
  std::string lower_key_;    // scratch
  uint64 keys_lengths_ = 0;  // LengthBit of each of keys_' lengths
  size_t string_bytes_ = 0;  // of the strings written in this document (CountString)
  // The copy being written.
  JsonbBytes out_{"the redacted jsonb",
                  "Its labels are longer than what they replace: use shorter labels, or redact "
                  "smaller documents."};
};

// Builds and warms the preloaded detector (plain C++: reports failure in why).
bool BuildPreloadedDetector(const char* names_path, char* why, size_t why_size) noexcept {
  try {
    std::vector<std::string> names;
    try {
      names = pii::LoadNameList(names_path);
    } catch (const Error&) {
      // Without the list PERSON relies on cue words alone, as in a session.
    }
    auto detector = std::make_unique<pii::Detector>(std::vector<pii::CustomRecognizer>{},
                                                    std::move(names));
    detector->WarmUp();
    preloaded_detector = detector.release();
    return true;
  } catch (const std::exception& e) {
    strlcpy(why, e.what(), why_size);
  } catch (...) {
    strlcpy(why, "unknown error", why_size);
  }
  return false;
}

// In the postmaster: builds preloaded_detector. A failure only costs each session the
// build it did before.
void PreloadDetector() {
  char share[MAXPGPATH];
  char names_path[MAXPGPATH];
  char why[256];
  get_share_path(my_exec_path, share);
  snprintf(names_path, sizeof(names_path), "%s%s", share, kFirstNamesFile);
  if (!BuildPreloadedDetector(names_path, why, sizeof(why)))
    ereport(WARNING, (errmsg("pg_comply: could not build the PII detector at server start: %s", why),
                      errdetail("Each session compiles its own on first use.")));
}

// ShownName's check (error.h): whether a caller's name holds personal data, by the
// session's detector if it has one (custom recognizers included), else the one built at
// server start, else one of the built-in recognizers built here once. Never calls
// PostgreSQL (messages are built in any context); when in doubt, the name is not shown.
// With dates_allowed, a date alone is not personal data (an openai model's name carries
// its release date: "gpt-4o-2024-08-06"). With builtin_only, the built-in recognizers
// alone (the detector built at server start, else the one built here), whatever the
// session has loaded: the same answer in every process (a setting's check hook).
bool HoldsPersonalDataOf(std::string_view s, bool dates_allowed, bool builtin_only = false) noexcept {
  try {
    const pii::Detector* d = !builtin_only && detector_cache && detector_cache->detector
                                 ? detector_cache->detector
                                 : preloaded_detector;
    if (!d) {
      static const pii::Detector* builtin = nullptr;
      if (!builtin) builtin = new pii::Detector(std::vector<pii::CustomRecognizer>{}, std::vector<std::string>{});
      d = builtin;
    }
    // Below the default threshold too: an identifier that needs a context word to be
    // reported in a text (a UK NI number, a Polish PESEL, a Spanish NIF alone) is as
    // personal in a name an error message would show.
    pii::DetectOptions options;
    options.min_score = 0.3;
    // A URL is personal data for what it holds (a user, a query's e-mail, an SSN in its
    // path), not for being one ("https://example.org/schemas/intake", a schema's $id):
    // its text is looked at again, its punctuation made blanks, and its own URL findings
    // left out.
    // (urls: where a URL's text, so blanked, goes; null: URLs count for nothing.)
    auto finds = [&](std::string_view text, std::vector<std::string>* urls) {
      for (const pii::Finding& f : d->Detect(text, options)) {
        if (dates_allowed && f.entity == "DATE_TIME") continue;
        if (f.entity != "URL") return true;
        if (urls == nullptr) continue;
        std::string inner(text.substr(f.begin, f.end - f.begin));
        for (char& c : inner)
          if (c == ':' || c == '/' || c == '?' || c == '#' || c == '&' || c == '=') c = ' ';
        urls->push_back(std::move(inner));
      }
      return false;
    };
    auto found = [&](std::string_view text) {
      std::vector<std::string> urls;
      if (finds(text, &urls)) return true;
      for (const std::string& u : urls)
        if (finds(u, nullptr)) return true;
      return false;
    };
    if (found(s)) return true;
    // A name's parts are glued by '_' or by a letter next to a digit, where the
    // patterns see no word boundary ("card_4111111111111111", "SSN536-22-8714"): looked
    // at again with those split, and with '_' alone split (identifiers mixing letters
    // and digits, "cf_BNCLRA91E52H501U", "hetu_150387-472S", fall apart otherwise).
    auto alpha_at = [&](size_t i) { return (s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z'); };
    std::string split, underscores;
    for (size_t i = 0; i < s.size(); ++i) {
      const char c = s[i];
      if (i > 0) {
        const bool digit = c >= '0' && c <= '9', prev_digit = s[i - 1] >= '0' && s[i - 1] <= '9';
        const bool alpha = alpha_at(i), prev_alpha = alpha_at(i - 1);
        if ((digit && prev_alpha) || (alpha && prev_digit)) split += ' ';
      }
      split += c == '_' ? ' ' : c;
      underscores += c == '_' ? ' ' : c;
    }
    if (underscores != s && found(underscores)) return true;
    return split != s && split != underscores && found(split);
  } catch (...) {
    return true;
  }
}

bool HoldsPersonalData(std::string_view s) noexcept { return HoldsPersonalDataOf(s, false); }

}  // namespace

bool HoldsPersonalDataBesidesDates(std::string_view s) noexcept { return HoldsPersonalDataOf(s, true); }

bool BuiltinFindsPersonalDataBesidesDates(std::string_view s) noexcept {
  return HoldsPersonalDataOf(s, true, true);
}

void PiiInit() {
  ShownNameCheck() = HoldsPersonalData;
  CacheRegisterRelcacheCallback(InvalidateRecognizers, (Datum)0);
#ifndef EXEC_BACKEND
  // (With EXEC_BACKEND, backends are not forked from the postmaster: each would run it.)
  if (process_shared_preload_libraries_in_progress && !preloaded_detector) PreloadDetector();
#endif
}

const pii::Detector& CurrentDetector() {
  if (!detector_cache) detector_cache = new DetectorCache();
  DetectorCache& c = *detector_cache;
  if (c.detector && !c.stale) return *c.detector;
  const uint64 invalidations = c.invalidations;
  RecognizerRows* rows;
  {
    // As the extension's owner: a custom recognizer may be a deny-list of people's names,
    // which PUBLIC may not read; every role's detector uses it all the same. Restored
    // at the scope's end, an error's included (AsExtensionOwner's destructor).
    AsExtensionOwner owner("recognizers");
    rows = PgCall([] { return ReadRecognizerRows(); });
  }
  std::vector<pii::CustomRecognizer> custom;
  for (int i = 0; i < rows->n; ++i) {
    pii::CustomRecognizer r;
    r.entity = rows->entity[i];
    r.pattern = rows->pattern[i];
    r.score = std::stod(rows->score[i]);
    r.context = SplitWords(rows->context[i]);
    custom.push_back(std::move(r));
  }
  c.detector = nullptr;
  c.owned.reset();
  if (custom.empty() && preloaded_detector) {
    c.detector = preloaded_detector;
    // Each of these lines hides its context and statement: whatever runs at the first
    // detection would be quoted (a COPY's input line, a statement's literals).
    PgCall([] {
      ereport(DEBUG1, (errmsg("pg_comply: using the PII detector built at server start"),
                       errhidecontext(true), errhidestmt(true)));
    });
  } else if (preloaded_detector) {
    // Only the custom recognizers are compiled here.
    c.owned = std::make_unique<pii::Detector>(*preloaded_detector, custom);
    c.detector = c.owned.get();
    const int n = static_cast<int>(custom.size());
    PgCall([n] {
      ereport(DEBUG1, (errmsg_plural("pg_comply: using the PII detector built at server start, "
                                     "with %d custom recognizer compiled for this session",
                                     "pg_comply: using the PII detector built at server start, "
                                     "with %d custom recognizers compiled for this session",
                                     n, n),
                       errhidecontext(true), errhidestmt(true)));
    });
  } else {
    std::vector<std::string> names;
    try {
      names = pii::LoadNameList(FirstNamesPath());
    } catch (const Error&) {
      // Without the list PERSON relies on cue words alone.
    }
    c.owned = std::make_unique<pii::Detector>(custom, std::move(names));
    c.detector = c.owned.get();
    const int n = static_cast<int>(custom.size());
    PgCall([n] {
      ereport(DEBUG1, (errmsg_plural("pg_comply: compiled a PII detector for this session (%d custom recognizer)",
                                     "pg_comply: compiled a PII detector for this session (%d custom recognizers)",
                                     n, n),
                       errhidecontext(true), errhidestmt(true)));
    });
  }
  c.entities.clear();
  for (const std::string& e : pii::BuiltinEntities()) c.entities.insert(e);
  for (const pii::CustomRecognizer& r : custom) c.entities.insert(r.entity);
  c.recognizers_relid = rows->relid;
  ++c.generation;
  // A change received while reading may not be in what was read: rebuilt at next use.
  c.stale = c.invalidations != invalidations;
  return *c.detector;
}

uint64 CurrentDetectorGeneration() {
  (void)CurrentDetector();
  return detector_cache->generation;
}

Jsonb* RedactJsonbDefault(Jsonb* doc) {
  static const pii::OperatorConfig kDefaultOperators;
  static const std::set<std::string> kNoKeys;
  if (VARSIZE(doc) > static_cast<size_t>(max_input_bytes))
    throw Error(sqlstate::kProgramLimitExceeded, "input exceeds comply.max_input_bytes");
  pii::DetectOptions opts;  // JsonbRedactor keeps a reference
  JsonbRedactor redactor(opts, kDefaultOperators, std::string_view(), kNoKeys, /*redact_keys=*/true);
  return redactor.Run(&doc->root);
}

Jsonb* RedactJsonbWith(Jsonb* doc, const pii::OperatorConfig& ops, const std::set<std::string>& keys,
                       std::string_view name) {
  if (VARSIZE(doc) > static_cast<size_t>(max_input_bytes))
    throw Error(sqlstate::kProgramLimitExceeded, "input exceeds comply.max_input_bytes");
  std::string_view key = ops.NeedsKey() ? std::string_view(HmacKey()) : std::string_view();
  pii::DetectOptions opts;  // JsonbRedactor keeps a reference
  JsonbRedactor redactor(opts, ops, key, keys);
  return redactor.Run(&doc->root, name);
}

std::string RedactTextDefault(std::string_view text, std::string_view name) {
  if (text.size() > static_cast<size_t>(max_input_bytes))
    throw Error(sqlstate::kProgramLimitExceeded, "input exceeds comply.max_input_bytes");
  pii::DetectOptions opts;
  opts.context = name;
  return RedactString(text, opts, pii::OperatorConfig(), {});
}

std::string RedactTextWith(std::string_view text, const pii::OperatorConfig& ops, std::string_view name) {
  if (text.size() > static_cast<size_t>(max_input_bytes))
    throw Error(sqlstate::kProgramLimitExceeded, "input exceeds comply.max_input_bytes");
  std::string_view key = ops.NeedsKey() ? std::string_view(HmacKey()) : std::string_view();
  pii::DetectOptions opts;
  opts.context = name;
  return RedactString(text, opts, ops, key);
}

// The hash operator computes keyed pseudonyms, as comply.pseudonymize does: a caller who
// may not run that function may not hash either. (An oracle for pseudonyms lets a reader
// of pseudonymized data reverse a small space of values, SSNs say, by trying them all.)
void CheckMayPseudonymize() {
  PgCall([] {
    Oid argtypes[1] = {TEXTOID};
    const Oid fn = LookupFuncName(list_make2(makeString(pstrdup("comply")), makeString(pstrdup("pseudonymize"))),
                                  1, argtypes, true);
    if (OidIsValid(fn) && pg_proc_aclcheck(fn, GetUserId(), ACL_EXECUTE) != ACLCHECK_OK)
      ereport(ERROR, (errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
                      errmsg("computing pseudonyms (the hash operator, a policy that pseudonymizes) needs the privilege to run comply.pseudonymize(text)"),
                      errdetail("Hashing computes keyed pseudonyms; whoever may compute them can "
                                "reverse pseudonyms of values that are few enough to try."),
                      errhint("GRANT EXECUTE ON FUNCTION comply.pseudonymize(text) to the roles "
                              "that must compute pseudonyms.")));
  });
}

const std::string& HmacKey() {
  if (!key_cache) key_cache = new KeyCache();
  std::string path = hmac_key_file ? hmac_key_file : "";
  if (path.empty())
    throw Error(sqlstate::kObjectNotInPrerequisiteState, "no HMAC key is configured",
                {}, "Set comply.hmac_key_file to a file holding the secret key.");
  struct stat st;
  bool same = path == key_cache->path && stat(path.c_str(), &st) == 0 &&
              st.st_ino == key_cache->st.st_ino && st.st_size == key_cache->st.st_size &&
              st.st_mtim.tv_sec == key_cache->st.st_mtim.tv_sec &&
              st.st_mtim.tv_nsec == key_cache->st.st_mtim.tv_nsec &&
              // (a chmod or chown changes only the ctime: read again, and checked again)
              st.st_ctim.tv_sec == key_cache->st.st_ctim.tv_sec &&
              st.st_ctim.tv_nsec == key_cache->st.st_ctim.tv_nsec;
  if (!same) {
    key_cache->key = pii::LoadKeyFile(path, "comply.hmac_key_file");
    key_cache->id = pii::KeyId(key_cache->key);
    key_cache->path = path;
    stat(path.c_str(), &key_cache->st);
  }
  return key_cache->key;
}

const std::string& HmacKeyId() {
  (void)HmacKey();
  return key_cache->id;
}

}  // namespace comply::pg

using namespace comply;
using namespace comply::pg;

// comply.detect(input text, min_score float8, entities text[], context text)
//   RETURNS TABLE(entity text, start_pos int, length int, score float8)
extern "C" Datum comply_detect(PG_FUNCTION_ARGS) {
  InitMaterializedSRF(fcinfo, 0);
  if (PG_ARGISNULL(0)) PG_RETURN_NULL();
  text* input = PG_GETARG_TEXT_PP(0);
  CheckInputSize(VARSIZE_ANY_EXHDR(input));
  double min_score = MinScoreArg(fcinfo, 1);
  int n_entities;
  char** entities = TextArrayArg(fcinfo, 2, &n_entities, "entities");
  // The name the text is stored under (a column's): its words are context words.
  text* context = PG_NARGS() > 3 && !PG_ARGISNULL(3) ? PG_GETARG_TEXT_PP(3) : nullptr;
  ReturnSetInfo* rsinfo = reinterpret_cast<ReturnSetInfo*>(fcinfo->resultinfo);
  return Guarded([&] {
    std::string_view in = TextView(input);
    pii::DetectOptions opts = MakeOptions(min_score, entities, n_entities);
    if (context) opts.context = TextView(context);
    std::vector<pii::Finding> findings = CurrentDetector().Detect(in, opts, InterruptCheck());
    size_t pos = 0;
    int64 chars = 0;
    for (const pii::Finding& f : findings) {
      chars += pii::Utf8Length(in.substr(pos, f.begin - pos));
      int64 start = chars + 1;
      int64 len = pii::Utf8Length(in.substr(f.begin, f.end - f.begin));
      chars += len;
      pos = f.end;
      PgCall([&] {
        Datum values[4];
        bool nulls[4] = {false, false, false, false};
        values[0] = PointerGetDatum(cstring_to_text_with_len(f.entity.data(), f.entity.size()));
        values[1] = Int32GetDatum(static_cast<int32>(start));
        values[2] = Int32GetDatum(static_cast<int32>(len));
        values[3] = Float8GetDatum(f.score);
        tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
      });
    }
    return (Datum)0;
  });
}


// comply.redact(input text, operators jsonb, min_score float8) RETURNS text
extern "C" Datum comply_redact_text(PG_FUNCTION_ARGS) {
  if (PG_ARGISNULL(0)) PG_RETURN_NULL();
  text* input = PG_GETARG_TEXT_PP(0);
  CheckInputSize(VARSIZE_ANY_EXHDR(input));
  Jsonb* operators = OperatorsArg(fcinfo, 1);
  double min_score = MinScoreArg(fcinfo, 2);
  return Guarded([&] {
    pii::OperatorConfig ops = OperatorsFrom(operators);
    // A text has no keys: said rather than ignored (as a protected text column's policy).
    if (ops.redact_keys)
      throw Error(sqlstate::kInvalidParameterValue,
                  "invalid redaction operators: \"redact_keys\" redacts the keys of jsonb documents; "
                  "the input is text");
    if (ops.NeedsKey()) pg::CheckMayPseudonymize();
    std::string_view key = ops.NeedsKey() ? std::string_view(HmacKey()) : std::string_view();
    pii::DetectOptions opts = MakeOptions(min_score, nullptr, 0);
    return TextResult(RedactString(TextView(input), opts, ops, key));
  });
}

// comply.redact(doc jsonb, operators jsonb, keys text[], min_score float8) RETURNS jsonb
extern "C" Datum comply_redact_jsonb(PG_FUNCTION_ARGS) {
  if (PG_ARGISNULL(0)) PG_RETURN_NULL();
  Jsonb* doc = PG_GETARG_JSONB_P(0);
  CheckInputSize(VARSIZE(doc));
  Jsonb* operators = OperatorsArg(fcinfo, 1);
  int n_keys;
  char** keys = TextArrayArg(fcinfo, 2, &n_keys, "keys");
  double min_score = MinScoreArg(fcinfo, 3);
  return Guarded([&] {
    std::set<std::string> key_set;
    for (int i = 0; keys && i < n_keys; ++i) key_set.insert(Lower(keys[i]));
    pii::OperatorConfig ops = OperatorsFrom(operators, key_set);  // a key's name may be given too
    if (ops.NeedsKey()) pg::CheckMayPseudonymize();
    std::string_view key = ops.NeedsKey() ? std::string_view(HmacKey()) : std::string_view();
    pii::DetectOptions opts = MakeOptions(min_score, nullptr, 0);
    JsonbRedactor redactor(opts, ops, key, key_set);
    return PointerGetDatum(redactor.Run(&doc->root));
  });
}

// comply.pseudonymize(value text) RETURNS text
extern "C" Datum comply_pseudonymize(PG_FUNCTION_ARGS) {
  text* input = PG_GETARG_TEXT_PP(0);
  CheckInputSize(VARSIZE_ANY_EXHDR(input));
  return Guarded(
      [&] { return TextResult(pii::Pseudonym(HmacKey(), TextView(input), InterruptCheck())); });
}

// comply.pseudonym_key_id() RETURNS text: the identifier of the key of
// comply.hmac_key_file (pii::KeyId), or NULL when none is set.
extern "C" Datum comply_pseudonym_key_id(PG_FUNCTION_ARGS) {
  if (!hmac_key_file || !*hmac_key_file) PG_RETURN_NULL();
  return Guarded([&] { return TextResult(HmacKeyId()); });
}

// comply._check_pattern(pattern text) RETURNS boolean: true, or an error with RE2's
// message (used by a CHECK constraint of comply.recognizers).
extern "C" Datum comply_check_pattern(PG_FUNCTION_ARGS) {
  text* pattern = PG_GETARG_TEXT_PP(0);
  return Guarded([&] {
    pii::CheckPattern(TextView(pattern));
    return BoolGetDatum(true);
  });
}

// comply.entities() RETURNS SETOF text: built-in entities and those of custom recognizers.
extern "C" Datum comply_builtin_entities(PG_FUNCTION_ARGS) {
  InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);
  ReturnSetInfo* rsinfo = reinterpret_cast<ReturnSetInfo*>(fcinfo->resultinfo);
  return Guarded([&] {
    CurrentDetector();
    for (const std::string& e : detector_cache->entities) {
      PgCall([&] {
        Datum value = PointerGetDatum(cstring_to_text_with_len(e.data(), e.size()));
        bool isnull = false;
        tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, &value, &isnull);
      });
    }
    return (Datum)0;
  });
}

// comply._shown_name(s text) RETURNS text: ShownName, for the messages of SQL functions
// (quoted when it has the form of a name and holds nothing the detector finds).
extern "C" Datum comply_shown_name(PG_FUNCTION_ARGS) {
  text* t = PG_GETARG_TEXT_PP(0);
  const std::string_view s(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t));
  return Guarded([&]() -> Datum {
    const std::string shown = ShownName(s);
    return PgCall([&] { return PointerGetDatum(cstring_to_text_with_len(shown.data(), shown.size())); });
  });
}

// comply._jsonb_strings(doc jsonb, max_strings int) RETURNS SETOF text: the string values
// of doc (not its keys), in document order, at most max_strings of them; discovery's
// sample of a document. One pass of the iterator: jsonb_path_query(doc, 'strict $.**'),
// which discovery used, took time quadratic in an array's length (68 s for 1,000,000
// strings). Plain C: no C++ object, so the interrupt checks may raise.
extern "C" Datum comply_jsonb_strings(PG_FUNCTION_ARGS) {
  Jsonb* jb = PG_GETARG_JSONB_P(0);
  const int32 max_strings = PG_GETARG_INT32(1);
  InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);
  ReturnSetInfo* rsinfo = reinterpret_cast<ReturnSetInfo*>(fcinfo->resultinfo);
  JsonbIterator* it = JsonbIteratorInit(&jb->root);
  JsonbValue v;
  JsonbIteratorToken token;
  int32 n = 0;
  while (n < max_strings && (token = JsonbIteratorNext(&it, &v, false)) != WJB_DONE) {
    CHECK_FOR_INTERRUPTS();
    if ((token != WJB_VALUE && token != WJB_ELEM) || v.type != jbvString) continue;
    Datum value = PointerGetDatum(cstring_to_text_with_len(v.val.string.val, v.val.string.len));
    bool isnull = false;
    tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, &value, &isnull);
    ++n;
  }
  return (Datum)0;
}
