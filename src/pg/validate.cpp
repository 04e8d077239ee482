// SQL functions of JSON Schema validation: comply.validate (by schema and by name),
// comply.validation_errors, comply.assert_valid, comply.register_schema, and the cache
// of compiled schemas.
#include <algorithm>
#include <cstring>
#include <map>
#include <memory>
#include <new>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/json.h"
#include "core/pii/redactor.h"
#include "core/schema/evaluate.h"
#include "core/schema/internal.h"
#include "core/schema/validator.h"
#include "pg/guard.h"
#include "pg/jsonb_doc.h"
#include "pg/jsonb_view.h"
#include "pg/ledger.h"
#include "pg/pii.h"
#include "pg/spi.h"
#include "pg/validate.h"

#if defined(__GLIBC__)
#include <malloc.h>
#endif

extern "C" {
#include "postgres.h"

#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "storage/proc.h"
#include "tcop/utility.h"
#include "utils/builtins.h"
#include "utils/inval.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/tuplestore.h"

PG_FUNCTION_INFO_V1(comply_validate);
PG_FUNCTION_INFO_V1(comply_validate_named);
PG_FUNCTION_INFO_V1(comply_validate_named_options);
PG_FUNCTION_INFO_V1(comply_validation_errors);
PG_FUNCTION_INFO_V1(comply_validation_errors_named);
PG_FUNCTION_INFO_V1(comply_assert_valid);
PG_FUNCTION_INFO_V1(comply_register_schema);
PG_FUNCTION_INFO_V1(comply_schema_ref_targets);
}

namespace comply::pg {
namespace {

// Compiled schemas kept per backend. Anonymous schemas are keyed by their jsonb bytes;
// named ones by name. Both are dropped when comply.schemas changes, since a schema may
// $ref another registered one.
constexpr size_t kMaxCachedSchemas = 256;
// And at most this many bytes of anonymous schemas' jsonb, which any role may pass: a
// compiled schema takes tens of times its jsonb (an enum of 500,000 values, 1.75 MB,
// about 100 MB), and eight of them held 845 MB until the session ended.
constexpr size_t kMaxCachedSchemaBytes = size_t{4} << 20;
// And, in each of the two caches, at most this many bytes of compiled schemas (as the
// heap grew while compiling them): the named cache had no bound but its 256 entries,
// and a session that validated by 12 names of 100,000-value enums held 240 MB.
constexpr size_t kMaxCachedCompiledBytes = size_t{64} << 20;
// Schemas of fewer bytes are not measured: reading the heap's use (mallinfo2) walks its
// free lists, tens of microseconds, which made compiling 20,000 small schemas 3 to 8
// times slower. Their compiled size is taken as this many times theirs (about what an
// enum of strings takes), plus what their patterns take as the compiler counts them
// (CompiledSchema::PatternBytes): a pattern of 40 bytes may take 130 kB, and 32 schemas
// of 62 kB of patterns, taken as 1 MB each, held 2.5 GB.
constexpr size_t kMeasuredSchemaBytes = size_t{64} << 10;
constexpr size_t kCompiledBytesPerSchemaByte = 16;
// Errors shown in assert_valid's detail.
constexpr size_t kAssertDetailErrors = 5;

// What to do about a schema nested deeper than json::kMaxDepth levels (the HINT of its
// 54000; the DETAIL says what the limit is).
constexpr const char* kFlatterSchemaHint =
    "Nest the schema less deeply: a subschema kept in \"$defs\" and referred to with "
    "\"$ref\" adds no levels where it is used.";

// A compiled schema in the cache, with the bytes its compilation kept.
struct CachedSchema {
  std::shared_ptr<const schema::CompiledSchema> compiled;
  size_t bytes = 0;
};

struct SchemaCache {
  std::unordered_map<std::string, CachedSchema> by_content;
  size_t by_content_bytes = 0;     // the keys' bytes
  size_t by_content_compiled = 0;  // the compiled schemas' bytes
  std::unordered_map<std::string, CachedSchema> by_name;
  size_t by_name_compiled = 0;
  std::map<std::string, json::Value, std::less<>> registered_by_id;  // $id -> document
  bool registered_loaded = false;
  // What was read may be older than a change received while reading it (see
  // ConfigSnapshot): emptied at the next compilation.
  bool outdated = false;
  Oid schemas_relid = InvalidOid;
};
SchemaCache* cache = nullptr;
// Bumped whenever compiled schemas are dropped from the cache, so that call sites drop
// the pointers they remember (CallMemo) too.
uint64 schema_generation = 1;

SchemaCache& Cache() {
  if (!cache) cache = new SchemaCache();
  return *cache;
}

// Drops everything compiled when comply.schemas (or every relation) is invalidated.
void InvalidateSchemas(Datum, Oid relid) {
  if (cache && (relid == InvalidOid || relid == cache->schemas_relid ||
                cache->schemas_relid == InvalidOid)) {
    cache->by_content.clear();
    cache->by_content_bytes = 0;
    cache->by_content_compiled = 0;
    cache->by_name.clear();
    cache->by_name_compiled = 0;
    cache->registered_by_id.clear();
    cache->registered_loaded = false;
    // Looked up again at the next compilation: the table itself may be what went (the
    // extension dropped and created again in this session: a new comply.schemas, whose
    // changes must not be taken for another relation's).
    cache->schemas_relid = InvalidOid;
    ++schema_generation;
  }
}

// Plain-C result of a comply.schemas query: texts in the caller's memory context.
struct SchemaRows {
  int n;
  char** id;
  char** doc;
};

// Reads registered schemas ($id and text) through SPI; name NULL reads every schema
// that has an $id, otherwise the one named (plain C, may ereport).
SchemaRows* ReadSchemaRows(const char* name) {
  MemoryContext caller = CurrentMemoryContext;
  SchemaRows* rows = static_cast<SchemaRows*>(palloc0(sizeof(SchemaRows)));
  const int pin = PinSearchPath();
  if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "SPI_connect failed");
  PushConfigSnapshot();
  int rc;
  if (name) {
    Oid types[1] = {TEXTOID};
    Datum values[1] = {CStringGetTextDatum(name)};
    rc = SPI_execute_with_args(
        "SELECT schema->>'$id', schema::text FROM comply.schemas WHERE name = $1", 1, types,
        values, nullptr, true, 1);
  } else {
    rc = SPI_execute("SELECT schema->>'$id', schema::text FROM comply.schemas WHERE schema ? '$id'",
                     true, 0);
  }
  if (rc != SPI_OK_SELECT) elog(ERROR, "could not read comply.schemas: %s", SPI_result_code_string(rc));
  rows->n = static_cast<int>(SPI_processed);
  rows->id = static_cast<char**>(MemoryContextAllocZero(caller, sizeof(char*) * (rows->n + 1)));
  rows->doc = static_cast<char**>(MemoryContextAllocZero(caller, sizeof(char*) * (rows->n + 1)));
  for (int i = 0; i < rows->n; ++i) {
    char* id = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1);
    char* doc = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 2);
    rows->id[i] = id ? MemoryContextStrdup(caller, id) : nullptr;
    rows->doc[i] = doc ? MemoryContextStrdup(caller, doc) : nullptr;
  }
  PopConfigSnapshot();
  SPI_finish();
  UnpinSearchPath(pin);
  return rows;
}

// Loads the registered schemas that have an $id, for $ref between them.
void LoadRegistered(SchemaCache& c) {
  if (c.registered_loaded) return;
  const uint64 generation = schema_generation;
  SchemaRows* rows = PgCall([] { return ReadSchemaRows(nullptr); });
  // Kept for the compilation under way (its resolver holds pointers into them), and
  // dropped before the next one if they may be older than what was received.
  if (schema_generation != generation) c.outdated = true;
  c.registered_by_id.clear();
  for (int i = 0; i < rows->n; ++i) {
    std::string id = rows->id[i];
    while (!id.empty() && id.back() == '#') id.pop_back();  // "$id": "x#" names x
    // One that cannot be read back (stored before register_schema refused schemas
    // nested too deep, or behind its back) is left out: a $ref to it does not resolve,
    // and the $refs to the others still do.
    try {
      json::Value doc = json::Parse(rows->doc[i], &InterruptCheck());
      // Without "$schema" it was registered, checked and compiled as draft 2020-12 (the
      // default), and is read so where another schema refers to it: a draft-07 schema's
      // $ref would otherwise read it as draft-07 and skip its 2020-12 keywords
      // (unevaluatedProperties, dependentRequired, prefixItems, $dynamicRef).
      if (doc.is_object() && !doc.Find("$schema"))
        doc.as_object().emplace_back("$schema", json::Value::String(schema::kUri202012));
      c.registered_by_id[id] = std::move(doc);
    } catch (const Error&) {
      c.registered_by_id.erase(id);
    }
  }
  c.registered_loaded = true;
}

// Resolves $ref targets: the bundled metaschemas, then registered schemas by $id, read
// on the first reference that needs them (most schemas have none: no query then, where
// there was one planned in each session's first compilation).
schema::Resolver MakeResolver(SchemaCache& c) {
  // Known before anything is cached, so that only comply.schemas' invalidations drop it.
  if (!OidIsValid(c.schemas_relid))
    c.schemas_relid = PgCall([] {
      return get_relname_relid("schemas", get_namespace_oid("comply", false));
    });
  return [&c](std::string_view uri) -> const json::Value* {
    if (const json::Value* meta = schema::Metaschema(uri)) return meta;
    LoadRegistered(c);
    auto it = c.registered_by_id.find(uri);
    return it != c.registered_by_id.end() ? &it->second : nullptr;
  };
}

// The resolver of an anonymous schema (comply.validate(doc, '{...}'::jsonb)): the
// bundled metaschemas only. Those functions are IMMUTABLE (expression indexes, constant
// folding, CHECK constraints rely on it), so what they answer may not depend on what
// comply.schemas holds: a $ref to a registered schema is refused, with a way out.
schema::Resolver AnonymousResolver(SchemaCache& c) {
  schema::Resolver registered = MakeResolver(c);
  return [registered](std::string_view uri) -> const json::Value* {
    if (const json::Value* meta = schema::Metaschema(uri)) return meta;
    if (registered(uri))
      throw Error(sqlstate::kFeatureNotSupported,
                  "a schema passed as jsonb cannot $ref a registered schema",
                  "comply.validate(doc, schema jsonb) is immutable: its answer may not change "
                  "when a registered schema is replaced.",
                  "Register this schema too, and validate by its name.");
    return nullptr;
  };
}

// Empties the cache if what it holds may be out of date (SchemaCache::outdated), as an
// invalidation would. Before a lookup, never during a compilation.
void DropIfOutdated(SchemaCache& c) {
  if (c.outdated) {
    InvalidateSchemas((Datum)0, InvalidOid);
    c.outdated = false;
  }
}

// Bytes of the backend's heap in use (glibc's count), or 0 where it cannot be read.
size_t HeapBytesInUse() {
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
  const struct mallinfo2 m = mallinfo2();
  return m.uordblks + m.hblkhd;
#else
  return 0;
#endif
}

// Runs compile (returning a compiled schema) and tells the bytes the heap kept from it,
// at least schema_bytes (the schema's own size) and what its patterns take; estimated
// from schema_bytes and its patterns for a small schema, or where the heap's use cannot
// be read. compile should read the schema's document too: the compiled schema keeps
// that tree.
template <typename Compile>
CachedSchema CompileMeasured(size_t schema_bytes, Compile&& compile) {
  const size_t before = schema_bytes < kMeasuredSchemaBytes ? 0 : HeapBytesInUse();
  CachedSchema out;
  out.compiled = compile();
  const size_t after = before == 0 ? 0 : HeapBytesInUse();
  const size_t patterns = out.compiled->PatternBytes();
  out.bytes = after == 0 ? schema_bytes * kCompiledBytesPerSchemaByte + patterns
                         : std::max({after > before ? after - before : size_t{0}, schema_bytes,
                                     patterns});
  return out;
}

// The document held by jb, a schema or (options) the options given in a call; 54000 if it nests
// deeper than json::kMaxDepth levels, as register_schema refuses a schema: the compiler
// recurses once per level of a schema, which a jsonb nested tens of thousands of levels
// deep (as a session with a large max_stack_depth can make one) would overflow the stack.
json::Value JsonbOfDepth(Jsonb* jb, bool options) {
  const std::string levels = std::to_string(json::kMaxDepth) + " levels of nesting.";
  if (options)
    return JsonbWithinDepth(jb, "options nest",
                            "The options of a validation are read to at most " + levels,
                            "The options are one flat object, such as {\"format\": \"assert\"}.");
  return JsonbWithinDepth(jb, "schema nests", "A schema is compiled to at most " + levels,
                          kFlatterSchemaHint);
}

// The compiled form of an anonymous schema, compiled once per backend.
std::shared_ptr<const schema::CompiledSchema> CompiledFor(Jsonb* schema_jb) {
  SchemaCache& c = Cache();
  DropIfOutdated(c);
  std::string key(reinterpret_cast<const char*>(schema_jb), VARSIZE(schema_jb));
  auto it = c.by_content.find(key);
  if (it != c.by_content.end()) return it->second.compiled;
  CachedSchema entry = CompileMeasured(key.size(), [&] {
    json::Value doc = JsonbOfDepth(schema_jb, false);
    return schema::CompiledSchema::Compile(doc, AnonymousResolver(c), &InterruptCheck());
  });
  if (c.by_content.size() >= kMaxCachedSchemas ||
      (!c.by_content.empty() && (c.by_content_bytes + key.size() > kMaxCachedSchemaBytes ||
                                 c.by_content_compiled + entry.bytes > kMaxCachedCompiledBytes))) {
    c.by_content.clear();
    c.by_content_bytes = 0;
    c.by_content_compiled = 0;
    ++schema_generation;
  }
  c.by_content_bytes += key.size();
  c.by_content_compiled += entry.bytes;
  auto compiled = entry.compiled;
  c.by_content.emplace(std::move(key), std::move(entry));
  return compiled;
}

// 22023 for a schema name that is not a name (comply.schemas' CHECK). The value is not
// shown: it may be a document passed in the wrong argument; a schema written in the call
// but not cast to jsonb resolves to the by-name function, which the hint says.
void CheckSchemaName(const std::string& name) {
  if (IsPlainName(name)) return;
  size_t i = name.find_first_not_of(" \t\r\n");
  bool json_like = i != std::string::npos && (name[i] == '{' || name[i] == '[');
  throw Error(sqlstate::kInvalidParameterValue, "invalid schema name",
              "The value given (" + std::to_string(name.size()) +
                  " bytes) is not shown. A schema name starts with a letter or underscore and "
                  "has at most 128 letters, digits, underscores, dots, colons or hyphens.",
              json_like ? "To validate against a schema written in the call, cast it to jsonb: "
                          "comply.validate(doc, '{...}'::jsonb)."
                        : "");
}

// The compiled form of a registered schema; 42704 if the name is not registered.
std::shared_ptr<const schema::CompiledSchema> CompiledNamed(const std::string& name) {
  SchemaCache& c = Cache();
  DropIfOutdated(c);
  auto it = c.by_name.find(name);
  if (it != c.by_name.end()) return it->second.compiled;
  CheckSchemaName(name);
  const uint64 generation = schema_generation;
  SchemaRows* rows = PgCall([&] { return ReadSchemaRows(name.c_str()); });
  if (rows->n == 0)
    throw Error(sqlstate::kUndefinedObject, "schema " + ShownName(name) + " is not registered", {},
                "Register it with comply.register_schema(name, schema). In a restore, restore "
                "comply's configuration before the tables whose CHECK constraints name it "
                "(README, \"Dump and restore with such a CHECK\").");
  CachedSchema entry = CompileMeasured(std::strlen(rows->doc[0]), [&] {
    json::Value doc = json::Parse(rows->doc[0], &InterruptCheck());
    return schema::CompiledSchema::Compile(doc, MakeResolver(c), &InterruptCheck());
  });
  // A change received while reading may not be in what was read: not kept.
  if (schema_generation != generation) return entry.compiled;
  if (c.by_name.size() >= kMaxCachedSchemas ||
      (!c.by_name.empty() && c.by_name_compiled + entry.bytes > kMaxCachedCompiledBytes)) {
    c.by_name.clear();
    c.by_name_compiled = 0;
    ++schema_generation;
  }
  c.by_name_compiled += entry.bytes;
  auto compiled = entry.compiled;
  c.by_name.emplace(name, std::move(entry));
  return compiled;
}

// Validation options from an options jsonb (NULL: defaults). Known key: "format"
// ("assert" or "annotate").
schema::ValidateOptions OptionsFrom(const json::Value* options) {
  schema::ValidateOptions o;
  o.cancel = &InterruptCheck();
  if (!options || options->is_null()) return o;
  if (!options->is_object())
    throw Error(sqlstate::kInvalidParameterValue, "validation options must be a JSON object");
  for (const auto& [key, value] : options->as_object()) {
    if (key == "format") {
      if (!value.is_string() || (value.as_string() != "assert" && value.as_string() != "annotate"))
        throw Error(sqlstate::kInvalidParameterValue,
                    "validation option \"format\" must be \"assert\" or \"annotate\"");
      o.format_assert = value.as_string() == "assert";
    } else {
      throw Error(sqlstate::kInvalidParameterValue, "unknown validation option " + ShownName(key),
                  {}, "The only option is \"format\": \"assert\" (or \"annotate\", the default).");
    }
  }
  return o;
}

// What a call site (its FmgrInfo's fn_extra) remembers between calls: the compiled
// schema and options for the last schema and options arguments it saw (their bytes), so
// that a CHECK constraint looks nothing up per row; valid while schema_generation is
// unchanged. The memo owns its share of the schema: one compiled while a change arrived
// is not kept in the cache, and a schema the cache drops may still be running (a memo
// that pointed into the cache ran a freed program: a crash with new sessions under
// load). Its destructor runs when the call site's memory goes (a reset callback).
struct CallMemo {
  uint64 generation = 0;
  bool constant = false;  // the schema and options arguments are constants of the call site
  std::shared_ptr<const schema::CompiledSchema> compiled;
  schema::ValidateOptions options;
  uint32 key_len = 0;      // bytes of the schema argument (a name, or a jsonb)
  uint32 options_len = 0;  // bytes of the options argument (0: none)
  uint32 capacity = 0;
  char* bytes = nullptr;  // in fn_mcxt: the key's bytes, then the options'
};

// Tells whether memo m holds the schema key and options opts (opts_len 0: none).
bool Remembers(const CallMemo* m, const char* key, uint32 key_len, const char* opts,
               uint32 opts_len) {
  return m && m->generation == schema_generation && m->key_len == key_len &&
         m->options_len == opts_len && std::memcmp(m->bytes, key, key_len) == 0 &&
         (opts_len == 0 || std::memcmp(m->bytes + key_len, opts, opts_len) == 0);
}

// Tells whether memo m holds the schema of a call site whose schema and options are
// constants (a CHECK constraint's, a query's literal): nothing to compare then.
bool RemembersConstant(const CallMemo* m) {
  return m && m->constant && m->generation == schema_generation;
}

// Makes flinfo's memo hold compiled and options for the key and opts bytes.
// nargs is the call's number of arguments: all but the instance must be constants for
// the memo to hold without comparing them.
// generation is the schema_generation the schema was read under: one bumped since (a
// change arrived while it was read) leaves the memo to be filled again at the next call.
const CallMemo& Remember(FmgrInfo* flinfo, int nargs, const char* key, uint32 key_len,
                         const char* opts, uint32 opts_len,
                         std::shared_ptr<const schema::CompiledSchema> compiled,
                         const schema::ValidateOptions& options, uint64 generation) {
  auto* m = static_cast<CallMemo*>(flinfo->fn_extra);
  const uint32 need = key_len + opts_len;
  if (!m) {
    void* raw = PgCall([&] {
      void* memory = MemoryContextAlloc(flinfo->fn_mcxt, sizeof(CallMemo) + sizeof(MemoryContextCallback));
      auto* callback = reinterpret_cast<MemoryContextCallback*>(static_cast<char*>(memory) + sizeof(CallMemo));
      callback->func = [](void* arg) { static_cast<CallMemo*>(arg)->~CallMemo(); };
      callback->arg = memory;
      MemoryContextRegisterResetCallback(flinfo->fn_mcxt, callback);
      return memory;
    });
    m = new (raw) CallMemo();
    flinfo->fn_extra = m;
  }
  m->generation = 0;  // matches nothing until filled in, should an allocation fail
  if (m->capacity < need || !m->bytes) {
    char* old = m->bytes;
    m->bytes = nullptr;
    m->capacity = 0;
    m->bytes = PgCall([&] {
      if (old) pfree(old);
      return static_cast<char*>(MemoryContextAlloc(flinfo->fn_mcxt, need ? need : 1));
    });
    m->capacity = need;
  }
  std::memcpy(m->bytes, key, key_len);
  if (opts_len) std::memcpy(m->bytes + key_len, opts, opts_len);
  m->key_len = key_len;
  m->options_len = opts_len;
  m->compiled = std::move(compiled);
  m->options = options;
  // Constants keep their values for as long as the FmgrInfo lives. External parameters
  // (get_fn_expr_arg_stable's other case) do not: PL/pgSQL keeps a simple expression's
  // state for the whole transaction while its variables change, so a memo taken as
  // constant there validated every later call against the first call's schema.
  m->constant = PgCall([&] {
    const Node* expr = flinfo->fn_expr;
    if (expr == nullptr || !IsA(expr, FuncExpr)) return false;
    const List* args = reinterpret_cast<const FuncExpr*>(expr)->args;
    for (int arg = 1; arg < nargs; ++arg) {
      if (arg >= list_length(args)) return false;
      const Node* a = static_cast<const Node*>(list_nth(args, arg));
      while (a && IsA(a, RelabelType)) a = reinterpret_cast<const Node*>(reinterpret_cast<const RelabelType*>(a)->arg);
      if (a == nullptr || !IsA(a, Const)) return false;
    }
    return true;
  });
  m->generation = generation;
  return *m;
}

// The compiled schema and options of a call with a named schema and options (nullptr:
// none).
const CallMemo& NamedCall(FunctionCallInfo fcinfo, const text* name, Jsonb* options = nullptr) {
  const char* key = VARDATA_ANY(name);
  const uint32 len = VARSIZE_ANY_EXHDR(name);
  const char* opts = reinterpret_cast<const char*>(options);
  const uint32 opts_len = options ? VARSIZE(options) : 0;
  const auto* m = static_cast<const CallMemo*>(fcinfo->flinfo->fn_extra);
  if (RemembersConstant(m) || Remembers(m, key, len, opts, opts_len)) return *m;
  const uint64 generation = schema_generation;
  auto compiled = CompiledNamed(std::string(key, len));
  json::Value opts_doc = options ? JsonbOfDepth(options, true) : json::Value();
  return Remember(fcinfo->flinfo, PG_NARGS(), key, len, opts, opts_len, std::move(compiled),
                  OptionsFrom(&opts_doc), generation);
}

// The compiled schema and options of a call with an anonymous schema and options
// (nullptr: none).
const CallMemo& AnonymousCall(FunctionCallInfo fcinfo, Jsonb* schema_jb, Jsonb* options) {
  const char* key = reinterpret_cast<const char*>(schema_jb);
  const uint32 len = VARSIZE(schema_jb);
  const char* opts = reinterpret_cast<const char*>(options);
  const uint32 opts_len = options ? VARSIZE(options) : 0;
  const auto* m = static_cast<const CallMemo*>(fcinfo->flinfo->fn_extra);
  if (RemembersConstant(m) || Remembers(m, key, len, opts, opts_len)) return *m;
  const uint64 generation = schema_generation;
  auto compiled = CompiledFor(schema_jb);
  json::Value opts_doc = options ? JsonbOfDepth(options, true) : json::Value();
  return Remember(fcinfo->flinfo, PG_NARGS(), key, len, opts, opts_len, std::move(compiled),
                  OptionsFrom(&opts_doc), generation);
}

// The jsonb argument n, detoasted only when it has to be, as pg_detoast_datum would
// (PG_GETARG_JSONB_P calls it for every row).
inline Jsonb* JsonbArg(FunctionCallInfo fcinfo, int n) {
  auto* datum = reinterpret_cast<struct varlena*>(PG_GETARG_POINTER(n));
  return reinterpret_cast<Jsonb*>(VARATT_IS_EXTENDED(datum) ? pg_detoast_datum(datum) : datum);
}

// The errors of instance: none, without collecting any, when it is valid.
std::vector<schema::ValidationError> ErrorsOf(const CallMemo& call, const Jsonb* instance,
                                              size_t max_errors) {
  JsonbView doc = JsonbView::Root(instance);
  if (schema::IsValid(*call.compiled, doc, call.options)) return {};
  schema::ValidateOptions options = call.options;
  options.max_errors = max_errors;
  return schema::Validate(*call.compiled, doc, options);
}

// Fills the materialized result of a validation_errors call.
void EmitErrors(ReturnSetInfo* rsinfo, const std::vector<schema::ValidationError>& errors) {
  for (const schema::ValidationError& e : errors) {
    PgCall([&] {
      Datum values[4] = {CStringGetTextDatum(e.instance_path.c_str()),
                         CStringGetTextDatum(e.schema_path.c_str()),
                         CStringGetTextDatum(e.keyword.c_str()),
                         CStringGetTextDatum(e.message.c_str())};
      bool nulls[4] = {false, false, false, false};
      tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
    });
  }
}

}  // namespace

// Registers the invalidation callback for comply.schemas.
void ValidateInit() { CacheRegisterRelcacheCallback(InvalidateSchemas, (Datum)0); }

void CheckValidationOptions(const json::Value& options) { (void)OptionsFrom(&options); }

}  // namespace comply::pg

using namespace comply;
using namespace comply::pg;

namespace {

// The transaction in which a validation function's error left it (ValidationErrorSeen).
LocalTransactionId validation_error_lxid = InvalidLocalTransactionId;

// f(), the body of a validation function's Guarded: an error that leaves it (its own, a
// PostgreSQL error under it) marks the transaction first, so that the server log and the
// client get the error without the data its context quotes (ValidationErrorSeen). Costs
// nothing when no error leaves.
template <typename F>
auto MarkingErrors(F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (...) {
    if (MyProc != nullptr) validation_error_lxid = MyProc->lxid;
    throw;
  }
}

}  // namespace

bool comply::pg::ValidationErrorSeen() {
  return MyProc != nullptr && validation_error_lxid != InvalidLocalTransactionId &&
         validation_error_lxid == MyProc->lxid;
}

// comply.validate(instance jsonb, schema jsonb [, options jsonb]) RETURNS boolean
extern "C" Datum comply_validate(PG_FUNCTION_ARGS) {
  if (PG_ARGISNULL(0) || PG_ARGISNULL(1)) PG_RETURN_NULL();
  Jsonb* instance = PG_GETARG_JSONB_P(0);
  Jsonb* schema_jb = PG_GETARG_JSONB_P(1);
  Jsonb* options = (PG_NARGS() > 2 && !PG_ARGISNULL(2)) ? PG_GETARG_JSONB_P(2) : nullptr;
  return Guarded([&] {
    return MarkingErrors([&] {
      const CallMemo& call = AnonymousCall(fcinfo, schema_jb, options);
      return BoolGetDatum(schema::IsValid(*call.compiled, JsonbView::Root(instance), call.options));
    });
  });
}

// comply.validate(instance jsonb, schema_name text) RETURNS boolean
extern "C" Datum comply_validate_named(PG_FUNCTION_ARGS) {
  Jsonb* instance = JsonbArg(fcinfo, 0);
  // A call site with a constant name (a CHECK constraint's) remembers its schema: the
  // name need not be read.
  const auto* memo = static_cast<const CallMemo*>(fcinfo->flinfo->fn_extra);
  text* name = RemembersConstant(memo) ? nullptr : PG_GETARG_TEXT_PP(1);
  return Guarded([&] {
    return MarkingErrors([&] {
      const CallMemo& call = name ? NamedCall(fcinfo, name) : *memo;
      return BoolGetDatum(schema::IsValid(*call.compiled, JsonbView::Root(instance), call.options));
    });
  });
}

// comply.validate(instance jsonb, schema_name text, options jsonb) RETURNS boolean
// (not STRICT: NULL options are the defaults)
extern "C" Datum comply_validate_named_options(PG_FUNCTION_ARGS) {
  if (PG_ARGISNULL(0) || PG_ARGISNULL(1)) PG_RETURN_NULL();
  Jsonb* instance = JsonbArg(fcinfo, 0);
  const auto* memo = static_cast<const CallMemo*>(fcinfo->flinfo->fn_extra);
  text* name = RemembersConstant(memo) ? nullptr : PG_GETARG_TEXT_PP(1);
  Jsonb* options = (name && !PG_ARGISNULL(2)) ? PG_GETARG_JSONB_P(2) : nullptr;
  return Guarded([&] {
    return MarkingErrors([&] {
      const CallMemo& call = name ? NamedCall(fcinfo, name, options) : *memo;
      return BoolGetDatum(schema::IsValid(*call.compiled, JsonbView::Root(instance), call.options));
    });
  });
}

namespace {
// The documents the $refs of schema reach (absolute URIs, fragments aside), each resolved
// against the base its nearest $id gives, as the compiler resolves it: "b.json" under
// "https://ex.com/schemas/a.json" is "https://ex.com/schemas/b.json". A "$ref" key
// anywhere counts, even in an enum's data, and one beside an $id is resolved against
// both bases (draft-07 ignores an $id beside a $ref, 2020-12 does not): a dependency too
// many refuses a deletion, one too few would break a table's writes.
void RefTargets(const json::Value& v, const std::string& base, std::vector<std::string>* out) {
  if (v.is_array()) {
    for (const json::Value& e : v.as_array()) RefTargets(e, base, out);
    return;
  }
  if (!v.is_object()) return;
  std::string here = base;
  const json::Value* id = v.Find("$id");
  if (id && id->is_string() && !id->as_string().empty() && id->as_string()[0] != '#') {
    std::string s = id->as_string();
    while (!s.empty() && s.back() == '#') s.pop_back();
    here = schema::internal::ResolveUri(base, s);
  }
  const json::Value* ref = v.Find("$ref");
  if (ref && ref->is_string()) {
    for (const std::string* b : {static_cast<const std::string*>(&here), &base}) {
      std::string target = schema::internal::ResolveUri(*b, ref->as_string());
      const size_t hash = target.find('#');
      if (hash != std::string::npos) target.resize(hash);
      if (!target.empty()) out->push_back(std::move(target));
    }
  }
  for (const auto& [key, member] : v.as_object()) RefTargets(member, here, out);
}
}  // namespace

// comply._schema_ref_targets(schema jsonb) RETURNS SETOF text
extern "C" Datum comply_schema_ref_targets(PG_FUNCTION_ARGS) {
  InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);
  Jsonb* schema_jb = PG_GETARG_JSONB_P(0);
  ReturnSetInfo* rsinfo = reinterpret_cast<ReturnSetInfo*>(fcinfo->resultinfo);
  return Guarded([&] {
    json::Value doc = JsonbToValue(schema_jb);
    std::vector<std::string> targets;
    RefTargets(doc, "", &targets);
    std::sort(targets.begin(), targets.end());
    targets.erase(std::unique(targets.begin(), targets.end()), targets.end());
    for (const std::string& t : targets)
      PgCall([&] {
        Datum value = CStringGetTextDatum(t.c_str());
        bool isnull = false;
        tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, &value, &isnull);
      });
    return (Datum)0;
  });
}

// comply.validation_errors(instance jsonb, schema jsonb [, options jsonb])
//   RETURNS TABLE(instance_path text, schema_path text, keyword text, message text)
extern "C" Datum comply_validation_errors(PG_FUNCTION_ARGS) {
  InitMaterializedSRF(fcinfo, 0);
  // No rows would say the instance is valid: a NULL schema is refused.
  if (PG_ARGISNULL(1))
    ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED), errmsg("the schema must not be NULL"),
                    errhint("No rows from comply.validation_errors mean the instance is valid.")));
  if (PG_ARGISNULL(0)) PG_RETURN_NULL();
  Jsonb* instance = PG_GETARG_JSONB_P(0);
  Jsonb* schema_jb = PG_GETARG_JSONB_P(1);
  Jsonb* options = (PG_NARGS() > 2 && !PG_ARGISNULL(2)) ? PG_GETARG_JSONB_P(2) : nullptr;
  ReturnSetInfo* rsinfo = reinterpret_cast<ReturnSetInfo*>(fcinfo->resultinfo);
  return Guarded([&] {
    return MarkingErrors([&] {
      const CallMemo& call = AnonymousCall(fcinfo, schema_jb, options);
      EmitErrors(rsinfo, ErrorsOf(call, instance, call.options.max_errors));
      return (Datum)0;
    });
  });
}

// comply.validation_errors(instance jsonb, schema_name text [, options jsonb])
//   RETURNS TABLE(...)
extern "C" Datum comply_validation_errors_named(PG_FUNCTION_ARGS) {
  InitMaterializedSRF(fcinfo, 0);
  if (PG_ARGISNULL(1))
    ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED), errmsg("the schema name must not be NULL"),
                    errhint("No rows from comply.validation_errors mean the instance is valid.")));
  if (PG_ARGISNULL(0)) PG_RETURN_NULL();
  Jsonb* instance = PG_GETARG_JSONB_P(0);
  text* name = PG_GETARG_TEXT_PP(1);
  Jsonb* options = (PG_NARGS() > 2 && !PG_ARGISNULL(2)) ? PG_GETARG_JSONB_P(2) : nullptr;
  ReturnSetInfo* rsinfo = reinterpret_cast<ReturnSetInfo*>(fcinfo->resultinfo);
  return Guarded([&] {
    return MarkingErrors([&] {
      const CallMemo& call = NamedCall(fcinfo, name, options);
      EmitErrors(rsinfo, ErrorsOf(call, instance, call.options.max_errors));
      return (Datum)0;
    });
  });
}

// Whether key is written as a program names a member: ASCII letters, digits, '_', '-',
// '.' and '$', beginning with no capital ("order_total", "maxItems", "home", "x-id"),
// not as a name, an address or prose is ("Kowalczyk", "12 Baker Street", "Müller").
bool IdentifierLike(std::string_view key) {
  if (key.empty() || (key[0] >= 'A' && key[0] <= 'Z')) return false;
  for (char c : key)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
          c == '-' || c == '.' || c == '$'))
      return false;
  return true;
}

// For each token of an error's instance path, whether the schema names it: the keys the
// evaluation went into through "properties" (the schema's own text), read from the
// error's schema path, which is the evaluation's (through $ref). The other keywords
// that go into a member or an item (additionalProperties, patternProperties and its
// pattern, unevaluatedProperties, propertyNames, items, prefixItems and its index,
// additionalItems, unevaluatedItems, contains) name none; the applicators that stay on
// the value skip their index or name (allOf/1, dependentSchemas/a). A path this does not
// follow leaves the tokens after it unnamed: shown less, never more.
std::vector<bool> KeysTheSchemaNames(const std::string& schema_path) {
  std::vector<std::string> segments;
  for (size_t start = 0; start < schema_path.size() && schema_path[start] == '/';) {
    size_t end = schema_path.find('/', start + 1);
    if (end == std::string::npos) end = schema_path.size();
    std::string seg;
    for (size_t i = start + 1; i < end; ++i) {
      if (schema_path[i] == '~' && i + 1 < end && (schema_path[i + 1] == '0' || schema_path[i + 1] == '1')) {
        seg += schema_path[i + 1] == '0' ? '~' : '/';
        ++i;
      } else {
        seg += schema_path[i];
      }
    }
    segments.push_back(std::move(seg));
    start = end;
  }
  auto all_digits = [](const std::string& t) {
    return !t.empty() && std::all_of(t.begin(), t.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  std::vector<bool> named;
  for (size_t i = 0; i < segments.size(); ++i) {
    const std::string& seg = segments[i];
    if (seg == "properties" && i + 1 < segments.size()) {
      named.push_back(true);
      ++i;
    } else if (seg == "patternProperties" || seg == "prefixItems") {
      named.push_back(false);
      ++i;
    } else if (seg == "additionalProperties" || seg == "unevaluatedProperties" ||
               seg == "propertyNames" || seg == "additionalItems" || seg == "unevaluatedItems" ||
               seg == "contains") {
      named.push_back(false);
    } else if (seg == "items") {
      named.push_back(false);
      if (i + 1 < segments.size() && all_digits(segments[i + 1])) ++i;  // draft-07's array form
    } else if (seg == "allOf" || seg == "anyOf" || seg == "oneOf" || seg == "dependentSchemas" ||
               seg == "dependencies" || seg == "$defs" || seg == "definitions") {
      ++i;
    }
  }
  return named;
}

// A JSON Pointer into instance with each key redacted: the escapes (~1 for '/', ~0 for
// '~') would otherwise glue a key's characters to their neighbours, and the detector
// would not know "cards~14111 1111 1111 1111" for a card number. Each key is redacted
// with the keys above it as context, as the values of a redacted document are (a bare
// SSN keying a map under "ssn": /ssn/[US_SSN]), and six digits or more that the detector
// leaves, a whole key or glued into one, read [DIGITS] ("ssn_536-22-8714" is
// "ssn_[DIGITS]": pii::MaskDigitRuns). An array's index is shown as it is: the
// pointer is followed through instance to tell an index from a key of digits.
//
// A key the schema does not name (one reached through additionalProperties,
// patternProperties, unevaluatedProperties or propertyNames: the document's own) is
// shown only when it is written as an identifier is (IdentifierLike); otherwise, what
// the detector leaves of it may be a name or an address it does not know ("Kowalczyk",
// "12 Baker Street"), or digits of another script: "[KEY]". named[k] tells whether the
// schema names the pointer's k-th token (KeysTheSchemaNames); past its end, it does not.
std::string RedactedPointer(const std::string& pointer, const Jsonb* instance,
                            const std::vector<bool>& named) {
  size_t token = 0;
  std::string out;
  std::string context;  // the keys above the token (what a value's name is in JsonbRedactor)
  bool resolved = true;  // at is the value the pointer reached so far
  JsonbView at = JsonbView::Root(instance);
  size_t start = 0;
  while (start < pointer.size()) {
    if (pointer[start] != '/') return RedactTextDefault(pointer);  // not a pointer
    size_t end = pointer.find('/', start + 1);
    if (end == std::string::npos) end = pointer.size();
    std::string key;
    for (size_t i = start + 1; i < end; ++i) {
      if (pointer[i] == '~' && i + 1 < end && (pointer[i + 1] == '0' || pointer[i + 1] == '1')) {
        key += pointer[i + 1] == '0' ? '~' : '/';
        ++i;
      } else {
        key += pointer[i];
      }
    }
    bool index = false;
    if (resolved && at.type() == json::Type::kArray) {
      // An array's item: its index is no data, and the item's context is its array's.
      size_t n = 0;
      bool digits = !key.empty() && key.size() <= 9;
      for (char c : key) {
        if (c < '0' || c > '9') digits = false;
        else n = n * 10 + static_cast<size_t>(c - '0');
      }
      resolved = digits && n < at.size();
      if (resolved) {
        index = true;
        auto item = at.items();
        for (size_t i = 0; i < n; ++i) item.next();
        at = item.value();
      }
    } else if (resolved && at.type() == json::Type::kObject) {
      JsonbView child = at;
      resolved = at.Find(key, &child);
      if (resolved) at = child;
    } else {
      resolved = false;
    }
    std::string shown = key;
    if (!index) {
      shown = pii::MaskDigitRuns(RedactTextDefault(key, context));
      // A name the detector does not read as one, written as keys are rather than as
      // prose writes names ("maria garcia", "MARIA GARCIA", "MariaGarcia"): a word of
      // it that is a listed first name makes the key a person's (QA 13).
      if (shown == key && CurrentDetector().HoldsFirstName(key)) shown = "[PERSON]";
      const bool schema_names_it = token < named.size() && named[token];
      if (shown == key && !schema_names_it && !IdentifierLike(key)) shown = "[KEY]";
      if (context.empty() || context.size() + key.size() > 255) {
        context = key;
      } else {
        context += ' ';
        context += key;
      }
    }
    out += '/';
    for (char c : shown) {
      if (c == '~') out += "~0";
      else if (c == '/') out += "~1";
      else out += c;
    }
    start = end;
    ++token;
  }
  return out;
}

// comply.assert_valid(instance jsonb, schema_name text) RETURNS jsonb: the instance, or
// check_violation with the first errors' paths in the detail.
// The three-argument form is not STRICT: NULL options are the defaults.
extern "C" Datum comply_assert_valid(PG_FUNCTION_ARGS) {
  if (PG_NARGS() > 2 && (PG_ARGISNULL(0) || PG_ARGISNULL(1))) PG_RETURN_NULL();
  Jsonb* instance = PG_GETARG_JSONB_P(0);
  text* name = PG_GETARG_TEXT_PP(1);
  Jsonb* options = (PG_NARGS() > 2 && !PG_ARGISNULL(2)) ? PG_GETARG_JSONB_P(2) : nullptr;
  Guarded([&] {
    return MarkingErrors([&] {
      const CallMemo& call = NamedCall(fcinfo, name, options);
      std::vector<schema::ValidationError> errors = ErrorsOf(call, instance, kAssertDetailErrors);
      if (errors.empty()) return;
      // The detail reaches the server log and, for a protected table, the ledger: a key of
      // the document that is personal data (an object keyed by e-mail) is redacted in it,
      // and a long key or a deep path is cut (ShownPointer), so that one key of 100,000
      // characters does not fill the detail and push out the rule and the other errors.
      std::string detail;
      for (const schema::ValidationError& e : errors)
        detail +=
            (detail.empty() ? "" : "\n") + std::string("at \"") +
            (e.instance_path.empty() ? std::string()
                                     : ShownPointer(RedactedPointer(e.instance_path, instance,
                                                                    KeysTheSchemaNames(e.schema_path)))) +
            "\": " + e.message;
      throw Error(sqlstate::kCheckViolation,
                  "document does not match schema \"" +
                      std::string(VARDATA_ANY(name), VARSIZE_ANY_EXHDR(name)) + "\"",
                  detail);
    });
  });
  PG_RETURN_JSONB_P(instance);
}

// comply.register_schema(name text, schema jsonb) RETURNS void: checks the schema
// against its metaschema, compiles it, and stores it in comply.schemas.
extern "C" Datum comply_register_schema(PG_FUNCTION_ARGS) {
  if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
    ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
                    errmsg("the schema's name and the schema must not be NULL")));
  PreventCommandIfReadOnly("comply.register_schema()");  // said plainly (a standby too)
  char* name = text_to_cstring(PG_GETARG_TEXT_PP(0));
  Jsonb* schema_jb = PG_GETARG_JSONB_P(1);
  Datum schema_datum = PG_GETARG_DATUM(1);
  Guarded([&] {
    CheckSchemaName(name);
    // Schema names are shown in messages, the server log and the data-flow diagram, and
    // comply.schemas is readable by every role: one in which the detector finds personal
    // data (a document's value passed as the name) is refused, as a policy's text is.
    if (!ShowsAsName(name))
      throw Error(sqlstate::kInvalidParameterValue,
                  "schema name holds personal data (" + std::to_string(std::strlen(name)) +
                      " bytes, not shown)",
                  "Schema names are shown in messages, the server log and comply.data_flow(), "
                  "and comply.schemas is readable by every role.",
                  "Name the schema after what it describes.");
    // A registered schema is read back from its text, by a parser that stops at
    // json::kMaxDepth levels: one nested deeper could be stored but never used, and
    // would break the $refs of every other schema to registered ones.
    json::Value doc =
        JsonbWithinDepth(schema_jb, "schema " + ShownName(name) + " nests",
                         "A registered schema is read back from its text, to at most " +
                             std::to_string(json::kMaxDepth) + " levels of nesting.",
                         kFlatterSchemaHint);
    auto compiled = schema::CompileChecked(doc, MakeResolver(Cache()), &InterruptCheck());
    const char* dialect =
        compiled->dialect() == schema::Dialect::kDraft7 ? "draft-07" : "draft 2020-12";
    // A $ref names a registered schema by its $id: two names with one $id would make
    // which one a $ref reaches depend on the order rows are read.
    const json::Value* id_value = doc.is_object() ? doc.Find("$id") : nullptr;
    if (id_value && id_value->is_string()) {
      std::string id = id_value->as_string();
      while (!id.empty() && id.back() == '#') id.pop_back();
      if (schema::Metaschema(id))
        throw Error(sqlstate::kDuplicateObject, "schema $id " + ShownText(id) + " is a metaschema's",
                    {}, "Give the schema an $id of its own.");
      // A $ref is resolved (dot segments removed) before it is looked up: an $id not in
      // that form could never be reached, and would slip past the check below
      // ("https://ex.org/./s" beside "https://ex.org/s"). Nor may it differ from its
      // RFC 3986 normal form, which names the same resource ("HTTPS://Ex.org/s",
      // "https://ex.org:443/s", "https://ex.org/%7Es" beside "https://ex.org/~s").
      const std::string normal =
          schema::internal::NormalizeUri(schema::internal::ResolveUri("", id));
      if (normal != id)
        throw Error(sqlstate::kInvalidParameterValue,
                    "schema $id " + ShownText(id) + " is not in normal form", {},
                    "Write it as a $ref resolves it: " + ShownText(normal) + ".");
      const char* other = PgCall([&]() -> const char* {
        MemoryContext caller = CurrentMemoryContext;
        const int pin = PinSearchPath();
        if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "SPI_connect failed");
        Oid types[2] = {TEXTOID, TEXTOID};
        Datum values[2] = {CStringGetTextDatum(name), CStringGetTextDatum(id.c_str())};
        int rc = SPI_execute_with_args(
            "SELECT name FROM comply.schemas WHERE name <> $1 AND rtrim(schema->>'$id', '#') = $2 "
            "ORDER BY name LIMIT 1",
            2, types, values, nullptr, true, 1);
        const char* found = nullptr;
        if (rc == SPI_OK_SELECT && SPI_processed == 1)
          found = MemoryContextStrdup(caller, SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1));
        SPI_finish();
        UnpinSearchPath(pin);
        return found;
      });
      if (other)
        throw Error(sqlstate::kDuplicateObject,
                    "schema $id " + ShownText(id) + " is already registered as \"" + other + "\"", {},
                    "Give this schema another $id, or register it under the name \"" +
                        std::string(other) + "\" to replace that one.");
    }
    // The SHA-256 of the schema as stored (its text) and of the one it replaces, for the
    // ledger entry; empty: nothing changed, or no schema had the name.
    // (palloc'd in the caller's context: no C++ object is built under PgCall.)
    const char* sha256_c = nullptr;
    const char* previous_c = nullptr;
    const bool changed = PgCall([&]() -> bool {
      MemoryContext caller = CurrentMemoryContext;
      const int pin = PinSearchPath();
      if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "SPI_connect failed");
      Oid types[3] = {TEXTOID, JSONBOID, TEXTOID};
      Datum values[3] = {CStringGetTextDatum(name), schema_datum, CStringGetTextDatum(dialect)};
      // The same schema registered again (a deployment script run at every release)
      // changes nothing: no new row version, and every session keeps what it compiled
      // (an update would make each of them drop its whole cache and compile again), and
      // no ledger entry. Compared as text, so that 1.0 written where 1 was is stored. FOR
      // UPDATE: a role that may not write comply.schemas is refused as before, and a
      // registration under way in another transaction is waited for.
      int rc = SPI_execute_with_args(
          "SELECT schema::text = $2::text AND dialect = $3, "
          "encode(sha256(convert_to(schema::text, 'UTF8')), 'hex'), "
          "encode(sha256(convert_to($2::text, 'UTF8')), 'hex') "
          "FROM comply.schemas WHERE name = $1 FOR UPDATE",
          3, types, values, nullptr, false, 1);
      if (rc != SPI_OK_SELECT) elog(ERROR, "could not read comply.schemas: %s", SPI_result_code_string(rc));
      if (SPI_processed == 1) {
        bool isnull = true;
        const bool same = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
        if (same) {
          SPI_finish();
          UnpinSearchPath(pin);
          return false;
        }
        previous_c = MemoryContextStrdup(caller, SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2));
        sha256_c = MemoryContextStrdup(caller, SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 3));
      } else {
        rc = SPI_execute_with_args("SELECT encode(sha256(convert_to($2::text, 'UTF8')), 'hex')", 3,
                                   types, values, nullptr, true, 1);
        if (rc != SPI_OK_SELECT || SPI_processed != 1) elog(ERROR, "could not hash the schema");
        sha256_c = MemoryContextStrdup(caller, SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1));
      }
      rc = SPI_execute_with_args(
          "INSERT INTO comply.schemas AS s (name, schema, dialect) VALUES ($1, $2, $3) "
          "ON CONFLICT (name) DO UPDATE SET schema = EXCLUDED.schema, "
          "dialect = EXCLUDED.dialect, updated_at = now()",
          3, types, values, nullptr, false, 0);
      if (rc != SPI_OK_INSERT) elog(ERROR, "could not store schema: %s", SPI_result_code_string(rc));
      SPI_finish();
      UnpinSearchPath(pin);
      return true;
    });
    // A change of the rules a CHECK or a policy enforces is evidence, as protecting a
    // table is: who registered or replaced which schema, and the hashes of the old and
    // new text (the texts are in comply.schemas, and in no ledger entry).
    if (changed) {
      const std::string sha256 = sha256_c, previous = previous_c ? previous_c : "";
      std::string details = "{\"name\": ";
      json::AppendQuoted(details, name);
      details += ", \"dialect\": \"" + std::string(dialect) + "\", \"sha256\": \"" + sha256 + "\"";
      if (!previous.empty()) details += ", \"previous_sha256\": \"" + previous + "\"";
      details += "}";
      AppendOwnAudit(previous.empty() ? "schema.registered" : "schema.replaced",
                     std::string("comply.schemas/") + name, details);
    }
  });
  PG_RETURN_VOID();
}
