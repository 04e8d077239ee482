// Compiles JSON Schema documents (draft 2020-12, draft-07) into a graph of nodes, each
// a flat list of keyword checks, and evaluates instances against it. References are
// resolved at compile time, so evaluation never looks at the schema's JSON again.
#include "core/schema/validator.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <deque>
#include <limits>
#include <map>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/error.h"
#include "core/schema/compiled.h"
#include "core/schema/evaluate.h"
#include "core/schema/internal.h"
#include "core/schema/view.h"

namespace comply::schema {
namespace internal {

// Parses a JSON number's text into an exact decimal (fails beyond 19 significant
// digits). Trailing zeros are not significant: jsonb writes 1e309 out in full, as a 1 and
// 309 zeros, which must still be read (it was not, and multipleOf fell back to doubles,
// where 0.5 / 1e309 is 0.5 / inf = 0, a whole quotient).
Decimal ParseDecimal(std::string_view text) {
  Decimal d;
  size_t i = 0;
  if (i < text.size() && text[i] == '-') {
    d.negative = true;
    ++i;
  }
  uint64_t m = 0;
  int digits = 0;
  int64_t exp = 0;
  int64_t zeros = 0;  // zeros after m's last digit, not yet in m
  bool frac = false;
  for (; i < text.size(); ++i) {
    char c = text[i];
    if (c == '.') {
      frac = true;
      continue;
    }
    if (c == 'e' || c == 'E') break;
    if (c < '0' || c > '9') return d;
    if (frac) --exp;
    if (c == '0') {
      if (m != 0) ++zeros;
      continue;
    }
    if (digits + zeros >= 19) return d;
    for (; zeros > 0; --zeros, ++digits) m *= 10;
    m = m * 10 + (c - '0');
    ++digits;
  }
  exp += zeros;  // m times 10^zeros is the digits read
  if (i < text.size()) {
    ++i;
    bool neg = false;
    if (i < text.size() && (text[i] == '+' || text[i] == '-')) neg = text[i++] == '-';
    int64_t e = 0;
    for (; i < text.size(); ++i) {
      if (text[i] < '0' || text[i] > '9') return d;
      if (e < 100000) e = e * 10 + (text[i] - '0');
    }
    exp += neg ? -e : e;
  }
  while (m != 0 && m % 10 == 0) {
    m /= 10;
    ++exp;
  }
  d.ok = true;
  d.mantissa = m;
  d.exponent = exp;
  return d;
}

// Appends an error at the current paths.
void Record(Context& c, const Keyword& kw, std::string_view message) {
  c.errors->push_back({c.instance_path, c.schema_path, kw.name, std::string(message)});
}

// Appends the error of a missing required property.
void RecordMissing(Context& c, const Keyword& kw, std::string_view name) {
  Record(c, kw, "missing required property " + ShownText(name));
}

// Throws 54000 for an evaluation that took more than kMaxSteps steps.
void ThrowStepLimit() {
  throw Error(sqlstate::kProgramLimitExceeded,
              "schema evaluation exceeded " + std::to_string(kMaxSteps) + " steps");
}

// Throws 54000 for an evaluation nested more than kMaxDepth schemas deep.
void ThrowDepthLimit() {
  throw Error(sqlstate::kProgramLimitExceeded,
              "schema evaluation nested more than " + std::to_string(kMaxDepth) + " schemas deep", "",
              "The document is nested too deep for a recursive schema: each level of the document "
              "may take several nested schemas (a subschema and the $ref in it), so the "
              "document's own limit is lower, 128 levels for {\"items\": {\"$ref\": \"#\"}}.");
}

// Evaluates without collecting errors, stopping at the first failure.
bool CompiledImpl::IsValid(const json::Value& instance, const ValidateOptions& options) const {
  return schema::IsValid(*this, ValueView(instance), options);
}

// Evaluates, collecting up to options.max_errors errors.
std::vector<ValidationError> CompiledImpl::Validate(const json::Value& instance,
                                                    const ValidateOptions& options) const {
  return schema::Validate(*this, ValueView(instance), options);
}

}  // namespace internal

namespace {

using json::Type;
using json::Value;
using namespace internal;

// Returns the escaped pointer segment "/token".
std::string Token(std::string_view token) {
  std::string s;
  AppendToken(s, token);
  return s;
}

// Renders a number from the schema for a message, as written.
std::string FormatNumber(const Value& v) { return v.number_text(); }

// ---------------------------------------------------------------------------------
// Compilation

struct Location {
  int resource = 0;
  Dialect dialect = Dialect::kDraft202012;
  std::string pointer;  // where the subschema sits, for messages
  int doc = 0;          // the document it sits in (0: the schema compiled)
};

// Parses a $schema value into a dialect; nullopt-like false if unknown.
bool DialectOf(std::string_view uri, Dialect* out) {
  if (!uri.empty() && uri.back() == '#') uri.remove_suffix(1);
  if (uri == kUri202012) {
    *out = Dialect::kDraft202012;
    return true;
  }
  if (uri == kUriDraft7) {
    *out = Dialect::kDraft7;
    return true;
  }
  return false;
}

// Decodes %XX escapes (URI fragments hold percent-encoded JSON Pointers).
std::string PercentDecode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out += static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

// Returns uri without its fragment.
std::string StripFragment(std::string_view uri) {
  size_t h = uri.find('#');
  return std::string(h == std::string_view::npos ? uri : uri.substr(0, h));
}

class Compiler {
 public:
  // Keeps the output and the resolver for the duration of one compilation.
  Compiler(CompiledImpl& out, const Resolver& resolver, const CancelCheck* cancel)
      : out_(out), resolver_(resolver), cancel_(cancel) {}

  // Compiles schema as the root document.
  void Run(const Value& schema, Dialect d) {
    if (schema.is_object()) {
      if (const Value* s = schema.Find("$schema"); s && s->is_string()) d = SchemaDialect(*s);
    }
    out_.dialect_ = d;
    out_.documents_.push_back(schema);
    const Value& root = out_.documents_.back();
    int res = AddResource("");
    resource_roots_[res] = &root;
    Scan(root, "", d, res, "");
    out_.root_ = NodeFor(&root);
    Drain();
    CheckInPlaceCycles();
  }

 private:
  struct Pending {
    const Value* value;
    int node;
  };

  // Maps a $schema value to a dialect, throwing 0A000 for anything else.
  Dialect SchemaDialect(const Value& s) {
    Dialect d;
    if (DialectOf(s.as_string(), &d)) return d;
    // A custom metaschema whose own dialect is known stands for that dialect.
    if (resolver_) {
      if (const Value* meta = resolver_(StripFragment(s.as_string())); meta && meta->is_object()) {
        if (const Value* ms = meta->Find("$schema"); ms && ms->is_string() &&
                                                      DialectOf(ms->as_string(), &d)) {
          // A metaschema that leaves out the validation vocabulary turns it off.
          if (const Value* vocab = meta->Find("$vocabulary"); vocab && vocab->is_object())
            skip_validation_ =
                !vocab->Find("https://json-schema.org/draft/2020-12/vocab/validation");
          return d;
        }
      }
    }
    throw Error(sqlstate::kFeatureNotSupported,
                "unsupported $schema " + ShownText(s.as_string()), "",
                "Use \"" + std::string(kUri202012) + "\" or \"" + kUriDraft7 + "#\".");
  }

  // Registers a schema resource by absolute URI (once) and returns its index.
  int AddResource(const std::string& uri) {
    auto it = resource_index_.find(uri);
    if (it != resource_index_.end()) return it->second;
    int id = static_cast<int>(out_.resources_.size());
    out_.resources_.push_back({uri, {}});
    resource_index_[uri] = id;
    resource_roots_.push_back(nullptr);
    dynamic_values_.emplace_back();
    return id;
  }

  // Throws 22023 for a malformed keyword at pointer.
  [[noreturn]] void Invalid(const std::string& pointer, const std::string& what) {
    throw Error(sqlstate::kInvalidParameterValue,
                "invalid schema at " + ShownPointer(pointer) + ": " + what);
  }

  // Walks the subschemas of v, recording base URIs, resources and anchors.
  void Scan(const Value& v, const std::string& base_in, Dialect d, int resource,
            const std::string& ptr) {
    Step();
    if (!v.is_object()) {
      locations_.emplace(&v, Location{resource, d, ptr, scan_doc_});
      return;
    }
    if (locations_.count(&v)) return;
    std::string base = base_in;
    if (const Value* s = v.Find("$schema"); s && s->is_string() && !ptr.empty()) {
      Dialect nd;
      if (DialectOf(s->as_string(), &nd)) d = nd;
    }
    const Value* id = v.Find("$id");
    if (id && id->is_string() && !(d == Dialect::kDraft7 && v.Find("$ref"))) {
      const std::string& text = id->as_string();
      if (d == Dialect::kDraft7 && !text.empty() && text[0] == '#') {
        anchors_[StripFragment(base) + text] = &v;
      } else {
        std::string full = internal::ResolveUri(base, text);
        size_t h = full.find('#');
        std::string frag = h == std::string::npos ? "" : full.substr(h + 1);
        base = StripFragment(full);
        resource = AddResource(base);
        if (!resource_roots_[resource]) resource_roots_[resource] = &v;
        if (!frag.empty() && d == Dialect::kDraft7) anchors_[base + "#" + frag] = &v;
      }
    }
    if (ptr.empty() && !resource_roots_[resource]) resource_roots_[resource] = &v;
    if (d == Dialect::kDraft202012) {
      if (const Value* a = v.Find("$anchor"); a && a->is_string())
        anchors_[base + "#" + a->as_string()] = &v;
      if (const Value* a = v.Find("$dynamicAnchor"); a && a->is_string()) {
        anchors_[base + "#" + a->as_string()] = &v;
        dynamic_values_[resource].emplace_back(a->as_string(), &v);
      }
    }
    locations_.emplace(&v, Location{resource, d, ptr, scan_doc_});
    scanned_.push_back(&v);
    static const char* const kSingle[] = {
        "additionalItems", "additionalProperties", "contains", "propertyNames", "not", "if",
        "then", "else", "items", "unevaluatedItems", "unevaluatedProperties", "contentSchema"};
    static const char* const kMaps[] = {"properties", "patternProperties", "$defs",
                                        "definitions", "dependentSchemas", "dependencies"};
    static const char* const kArrays[] = {"allOf", "anyOf", "oneOf", "prefixItems", "items"};
    for (const char* k : kSingle)
      if (const Value* s = v.Find(k); s && (s->is_object() || s->is_bool()))
        Scan(*s, base, d, resource, ptr + Token(k));
    for (const char* k : kMaps)
      if (const Value* m = v.Find(k); m && m->is_object())
        for (const auto& [name, s] : m->as_object())
          if (s.is_object() || s.is_bool())
            Scan(s, base, d, resource, ptr + Token(k) + Token(name));
    for (const char* k : kArrays)
      if (const Value* a = v.Find(k); a && a->is_array())
        for (size_t i = 0; i < a->as_array().size(); ++i)
          Scan(a->as_array()[i], base, d, resource, ptr + Token(k) + "/" + std::to_string(i));
  }

  // Returns the resource for an absolute URI, loading it through the resolver.
  int LoadResource(const std::string& uri, Dialect referrer) {
    auto it = resource_index_.find(uri);
    if (it != resource_index_.end() && resource_roots_[it->second]) return it->second;
    const Value* doc = Metaschema(uri);
    if (!doc && resolver_) doc = resolver_(uri);
    if (!doc) return -1;
    out_.documents_.push_back(*doc);
    const Value& root = out_.documents_.back();
    Dialect d = referrer;
    if (root.is_object())
      if (const Value* s = root.Find("$schema"); s && s->is_string()) d = SchemaDialect(*s);
    int res = AddResource(uri);
    resource_roots_[res] = &root;
    const int outer = scan_doc_;
    scan_doc_ = static_cast<int>(doc_uris_.size());
    doc_uris_.push_back(uri);
    Scan(root, uri, d, res, "");
    scan_doc_ = outer;
    return res;
  }

  // Resolves a reference (already made absolute) to a compiled node; keyword ("$ref",
  // "$dynamicRef") and ptr (the schema's place) name it in the errors.
  int ResolveRef(const std::string& full, const std::string& ptr, Dialect d,
                 const char* keyword = "$ref") {
    std::string uri = StripFragment(full);
    size_t h = full.find('#');
    std::string frag = h == std::string::npos ? "" : PercentDecode(full.substr(h + 1));
    const std::string unresolvable = std::string("unresolvable ") + keyword + " " + ShownText(full);
    int res = LoadResource(uri, d);
    if (res < 0 || !resource_roots_[res])
      throw Error(sqlstate::kUndefinedObject, unresolvable + " at " + ShownPointer(ptr));
    const Value* target = resource_roots_[res];
    if (frag.empty()) return NodeFor(target);
    if (frag[0] != '/') {
      auto it = anchors_.find(uri + "#" + frag);
      if (it == anchors_.end())
        throw Error(sqlstate::kUndefinedObject,
                    unresolvable + " at " + ShownPointer(ptr) + ": no such anchor");
      return NodeFor(it->second);
    }
    const Location& base_loc = locations_.at(target);
    std::string walked = base_loc.pointer;
    size_t pos = 1;
    while (true) {
      size_t slash = frag.find('/', pos);
      std::string tok = frag.substr(pos, slash == std::string::npos ? std::string::npos
                                                                      : slash - pos);
      std::string unescaped;
      for (size_t i = 0; i < tok.size(); ++i) {
        if (tok[i] == '~' && i + 1 < tok.size()) {
          unescaped += tok[i + 1] == '1' ? '/' : '~';
          ++i;
        } else {
          unescaped += tok[i];
        }
      }
      const Value* next = nullptr;
      if (target->is_object()) {
        next = FindMember(target, unescaped);
      } else if (target->is_array()) {
        // An array index is "0" or digits without a leading zero (RFC 6901 section 4):
        // not "01", "+1" or " 1", which strtoul would take.
        const bool index = !unescaped.empty() && unescaped.size() <= 9 &&
                           std::all_of(unescaped.begin(), unescaped.end(), [](char ch) { return ch >= '0' && ch <= '9'; }) &&
                           (unescaped == "0" || unescaped[0] != '0');
        if (index) {
          const unsigned long idx = std::strtoul(unescaped.c_str(), nullptr, 10);
          if (idx < target->as_array().size()) next = &target->as_array()[idx];
        }
      }
      if (!next)
        throw Error(sqlstate::kUndefinedObject,
                    unresolvable + " at " + ShownPointer(ptr) + ": no such place in its document");
      walked += Token(unescaped);
      target = next;
      if (slash == std::string::npos) break;
      pos = slash + 1;
    }
    if (!locations_.count(target)) {
      // A subschema in a place no keyword marks as one (e.g. under "examples").
      const int outer = scan_doc_;
      scan_doc_ = base_loc.doc;
      Scan(*target, out_.resources_[base_loc.resource].uri, base_loc.dialect,
           base_loc.resource, walked);
      scan_doc_ = outer;
    }
    return NodeFor(target);
  }

  // Returns the node for a scanned subschema, queueing it for compilation.
  // Polls for cancellation every kPollEvery steps of the compilation.
  void Step() {
    constexpr size_t kPollEvery = 1024;
    if (cancel_ && ++steps_ % kPollEvery == 0) PollCancel(*cancel_);
  }

  int NodeFor(const Value* v) {
    Step();
    auto it = node_of_.find(v);
    if (it != node_of_.end()) return it->second;
    int id = static_cast<int>(out_.nodes_.size());
    out_.nodes_.emplace_back();
    node_of_[v] = id;
    pending_.push_back({v, id});
    return id;
  }

  // Compiles queued nodes, every scanned subschema (so that a bad $ref in an unused
  // definition is still reported) and every resource's dynamic anchors until nothing
  // is left.
  void Drain() {
    size_t dyn_done = 0;
    size_t scanned_done = 0;
    while (true) {
      while (!pending_.empty()) {
        Pending p = pending_.back();
        pending_.pop_back();
        CompileNode(p.value, p.node);
      }
      if (scanned_done < scanned_.size()) {
        for (; scanned_done < scanned_.size(); ++scanned_done) NodeFor(scanned_[scanned_done]);
        continue;
      }
      if (dyn_done == dynamic_values_.size()) break;
      for (; dyn_done < dynamic_values_.size(); ++dyn_done) {
        for (const auto& [name, value] : dynamic_values_[dyn_done]) {
          int node = NodeFor(value);
          out_.resources_[dyn_done].dynamic_anchors.emplace_back(name, node);
        }
      }
    }
  }

  // Returns the compiled (and cached) RE2 for an ECMA pattern, or throws 2201B.
  const Pattern* Regex(const std::string& pattern, const std::string& ptr) {
    auto it = out_.regexes_.find(pattern);
    if (it != out_.regexes_.end()) return it->second.get();
    if (const char* re2_only = internal::Re2OnlySyntax(pattern))
      throw Error(sqlstate::kInvalidRegularExpression,
                  "pattern " + ShownText(pattern) + " at " + ShownPointer(ptr) +
                      " is not an ECMA 262 regular expression: " + re2_only + " is RE2's syntax",
                  "", "JSON Schema patterns are ECMA 262's: such a pattern would mean something else "
                      "(or nothing) to other validators.");
    auto re = std::make_unique<Pattern>(internal::TranslatePattern(pattern));
    if (!re->ok())
      throw Error(
          sqlstate::kInvalidRegularExpression,
          "pattern " + ShownText(pattern) + " at " + ShownPointer(ptr) +
              " is not supported: " + RegexProblem(re->error(), re->error_arg(), pattern, true),
          "", "Patterns run on RE2: backreferences and lookaround are not available.");
    // Counted as they compile, so that a schema of many costly patterns is refused at
    // the budget (one pattern past it at most), not after gigabytes.
    out_.pattern_bytes_ += re->MemoryBytes();
    if (out_.pattern_bytes_ > kMaxPatternBytes)
      throw Error(sqlstate::kProgramLimitExceeded,
                  "the schema's patterns would take more than " +
                      std::to_string(kMaxPatternBytes >> 20) + " MB compiled",
                  "Refused at " + ShownPointer(ptr) + ", after " +
                      std::to_string(out_.regexes_.size() + 1) + " distinct patterns.",
                  "Use fewer patterns, or simpler ones: a bounded repetition such as "
                  "x{1,50} compiles to many states.");
    const Pattern* raw = re.get();
    out_.regexes_.emplace(pattern, std::move(re));
    return raw;
  }

  // Reads a non-negative integer keyword value.
  size_t Count(const Value& v, const std::string& ptr, const char* kw) {
    if (!v.is_number() || !IntegralText(v.number_text(), v.as_number()) || v.as_number() < 0)
      Invalid(ptr + "/" + kw, "expected a non-negative integer");
    double d = v.as_number();
    return d >= 1.8e19 ? std::numeric_limits<size_t>::max() : static_cast<size_t>(d);
  }

  // Reads a numeric keyword value.
  double Num(const Value& v, const std::string& ptr, const char* kw) {
    if (!v.is_number()) Invalid(ptr + "/" + kw, "expected type number");
    return v.as_number();
  }

  // Returns the compiled subschema v reached through the schema-path segment path.
  Sub SubFor(const Value& v, std::string path, const std::string& ptr, std::string name = {}) {
    if (!v.is_object() && !v.is_bool()) Invalid(ptr + path, "expected a schema (object or boolean)");
    if (!locations_.count(&v)) {
      const Location& loc = locations_.at(current_);
      Scan(v, out_.resources_[loc.resource].uri, loc.dialect, loc.resource, ptr + path);
    }
    Sub s;
    s.path = std::move(path);
    s.node = NodeFor(&v);
    s.name = std::move(name);
    return s;
  }

  // Compiles an array of subschemas; full_path keeps the keyword in each Sub's path
  // (for keywords whose Keyword::path is empty).
  std::vector<Sub> SubArray(const Value& v, const char* kw, const std::string& ptr,
                            bool full_path) {
    if (!v.is_array()) Invalid(ptr + "/" + kw, "expected an array of schemas");
    std::vector<Sub> out;
    for (size_t i = 0; i < v.as_array().size(); ++i) {
      std::string index = "/" + std::to_string(i);
      if (full_path) out.push_back(SubFor(v.as_array()[i], Token(kw) + index, ptr));
      else out.push_back(SubFor(v.as_array()[i], index, ptr + Token(kw)));
    }
    return out;
  }

  // Reads an array of strings (required, dependencies).
  std::vector<std::string> StringArray(const Value& v, const std::string& ptr) {
    if (!v.is_array()) Invalid(ptr, "expected an array of strings");
    std::vector<std::string> out;
    for (const Value& s : v.as_array()) {
      if (!s.is_string()) Invalid(ptr, "expected an array of strings");
      out.push_back(s.as_string());
    }
    return out;
  }

  // Creates a keyword check of kind for the keyword name.
  static Keyword Make(Kw kind, const char* name) {
    Keyword k;
    k.kind = kind;
    k.name = name;
    k.path = Token(name);
    return k;
  }

  // Compiles one schema object into node id.
  void CompileNode(const Value* value, int id) {
    Step();  // (a leaf calls NodeFor for nothing: 400,000 of them went unpolled for seconds)
    const Value& v = *value;
    const Location loc = locations_.at(value);
    const std::string& ptr = loc.pointer;
    current_ = value;
    Node node;
    node.resource = loc.resource;
    if (v.is_bool()) {
      node.is_bool = true;
      node.bool_value = v.as_bool();
      out_.nodes_[id] = std::move(node);
      return;
    }
    if (!v.is_object()) Invalid(ptr, "expected a schema (object or boolean)");
    const Dialect d = loc.dialect;
    const bool d7 = d == Dialect::kDraft7;
    const std::string base = out_.resources_[loc.resource].uri;
    auto& kws = node.kws;

    if (const Value* r = v.Find("$ref")) {
      if (!r->is_string()) Invalid(ptr + "/$ref", "expected type string");
      // In draft-07 $ref resolves against the enclosing base: a sibling $id is ignored.
      Keyword k = Make(Kw::kRef, "$ref");
      k.a.node = ResolveRef(internal::ResolveUri(base, r->as_string()), ptr, d);
      kws.push_back(std::move(k));
      if (d7) {
        out_.nodes_[id] = std::move(node);
        return;
      }
    }
    if (const Value* r = v.Find("$dynamicRef"); r && !d7) {
      if (!r->is_string()) Invalid(ptr + "/$dynamicRef", "expected type string");
      Keyword k = Make(Kw::kDynamicRef, "$dynamicRef");
      std::string full = internal::ResolveUri(base, r->as_string());
      k.a.node = ResolveRef(full, ptr, d, "$dynamicRef");
      size_t h = full.find('#');
      if (h != std::string::npos && h + 1 < full.size() && full[h + 1] != '/') {
        // Dynamic only if the initially resolved schema declares the anchor itself.
        std::string name = full.substr(h + 1);
        auto it = anchors_.find(full);
        if (it != anchors_.end() && it->second->is_object()) {
          const Value* da = it->second->Find("$dynamicAnchor");
          if (da && da->is_string() && da->as_string() == name) k.str = name;
        }
      }
      kws.push_back(std::move(k));
    }
    if (const Value* t = v.Find("type")) {
      Keyword k = Make(Kw::kType, "type");
      std::vector<const Value*> list;
      if (t->is_array()) {
        for (const Value& e : t->as_array()) list.push_back(&e);
      } else {
        list.push_back(t);
      }
      std::string names;
      for (const Value* e : list) {
        if (!e->is_string()) Invalid(ptr + "/type", "expected a type name");
        const std::string& s = e->as_string();
        if (s == "null") k.types |= 1u << static_cast<unsigned>(Type::kNull);
        else if (s == "boolean") k.types |= 1u << static_cast<unsigned>(Type::kBool);
        else if (s == "number") k.types |= 1u << static_cast<unsigned>(Type::kNumber);
        else if (s == "string") k.types |= 1u << static_cast<unsigned>(Type::kString);
        else if (s == "array") k.types |= 1u << static_cast<unsigned>(Type::kArray);
        else if (s == "object") k.types |= 1u << static_cast<unsigned>(Type::kObject);
        else if (s == "integer") k.types |= kIntegerBit;
        else Invalid(ptr + "/type", "unknown type " + ShownText(s));
        if (!names.empty()) names += " or ";
        names += s;
      }
      k.message = "expected type " + names + ", got ";
      kws.push_back(std::move(k));
    }
    if (const Value* e = v.Find("const")) {
      Keyword k = Make(Kw::kConst, "const");
      k.values.push_back(*e);
      k.message = "value does not equal the constant";
      kws.push_back(std::move(k));
    }
    if (const Value* e = v.Find("enum")) {
      if (!e->is_array()) Invalid(ptr + "/enum", "expected type array");
      Keyword k = Make(Kw::kEnum, "enum");
      k.values = e->as_array();
      if (cancel_) PollCancel(*cancel_);  // (the copy of an enum of millions takes a while)
      k.value_index = IndexEnum(k.values, cancel_);
      k.message = "value not in enum";
      kws.push_back(std::move(k));
    }
    if (const Value* m = v.Find("multipleOf")) {
      Keyword k = Make(Kw::kMultipleOf, "multipleOf");
      k.num = Num(*m, ptr, "multipleOf");
      k.dec = ParseDecimal(m->number_text());
      // (By its decimal when it has one: 1e-400 is greater than 0, although no double is.)
      if (k.dec.ok ? (k.dec.mantissa == 0 || k.dec.negative) : !(k.num > 0))
        Invalid(ptr + "/multipleOf", "must be greater than 0");
      k.message = "number is not a multiple of " + FormatNumber(*m);
      kws.push_back(std::move(k));
    }
    struct Bound {
      const char* name;
      Kw kind;
      const char* text;
    };
    static const Bound kBounds[] = {
        {"maximum", Kw::kMaximum, "number greater than maximum "},
        {"exclusiveMaximum", Kw::kExclusiveMaximum, "number not less than exclusive maximum "},
        {"minimum", Kw::kMinimum, "number less than minimum "},
        {"exclusiveMinimum", Kw::kExclusiveMinimum, "number not greater than exclusive minimum "},
    };
    for (const Bound& b : kBounds) {
      if (const Value* m = v.Find(b.name)) {
        Keyword k = Make(b.kind, b.name);
        k.num = Num(*m, ptr, b.name);
        k.str = m->number_text();  // compared exactly when the doubles are equal
        k.message = b.text + FormatNumber(*m);
        kws.push_back(std::move(k));
      }
    }
    if (const Value* m = v.Find("maxLength")) {
      Keyword k = Make(Kw::kMaxLength, "maxLength");
      k.count = Count(*m, ptr, "maxLength");
      k.message = "string longer than " + std::to_string(k.count) + " characters";
      kws.push_back(std::move(k));
    }
    if (const Value* m = v.Find("minLength")) {
      Keyword k = Make(Kw::kMinLength, "minLength");
      k.count = Count(*m, ptr, "minLength");
      k.message = "string shorter than " + std::to_string(k.count) + " characters";
      kws.push_back(std::move(k));
    }
    if (const Value* p = v.Find("pattern")) {
      if (!p->is_string()) Invalid(ptr + "/pattern", "expected type string");
      Keyword k = Make(Kw::kPattern, "pattern");
      k.re = Regex(p->as_string(), ptr + "/pattern");
      k.message = "does not match pattern " + ShownText(p->as_string());
      kws.push_back(std::move(k));
    }
    if (const Value* f = v.Find("format")) {
      if (!f->is_string()) Invalid(ptr + "/format", "expected type string");
      Keyword k = Make(Kw::kFormat, "format");
      k.str = f->as_string();
      k.message = "string is not a valid " + k.str;
      kws.push_back(std::move(k));
    }
    CompileArrayKeywords(v, ptr, d7, kws);
    CompileObjectKeywords(v, ptr, d7, kws);
    static const std::pair<const char*, Kw> kCombinators[] = {
        {"allOf", Kw::kAllOf}, {"anyOf", Kw::kAnyOf}, {"oneOf", Kw::kOneOf}};
    for (const auto& [name, kind] : kCombinators) {
      if (const Value* a = v.Find(name)) {
        Keyword k = Make(kind, name);
        k.subs = SubArray(*a, name, ptr, false);
        if (k.subs.empty()) Invalid(ptr + "/" + name, "expected a non-empty array");
        k.message = kind == Kw::kAnyOf ? "value does not match any anyOf schema"
                                       : "value matches none of the oneOf schemas";
        kws.push_back(std::move(k));
      }
    }
    if (const Value* n = v.Find("not")) {
      Keyword k = Make(Kw::kNot, "not");
      k.a = SubFor(*n, "/not", ptr);
      k.a.path.clear();
      k.message = "value matches a schema it must not match";
      kws.push_back(std::move(k));
    }
    if (const Value* i = v.Find("if")) {
      Keyword k = Make(Kw::kIf, "if");
      k.path.clear();
      k.a = SubFor(*i, "/if", ptr);
      if (const Value* t = v.Find("then")) k.b = SubFor(*t, "/then", ptr);
      if (const Value* e = v.Find("else")) k.c = SubFor(*e, "/else", ptr);
      kws.push_back(std::move(k));
    }
    if (!d7) {
      if (const Value* u = v.Find("unevaluatedItems")) {
        Keyword k = Make(Kw::kUnevaluatedItems, "unevaluatedItems");
        k.a = SubFor(*u, "", ptr + "/unevaluatedItems");
        kws.push_back(std::move(k));
        node.has_unevaluated = true;
      }
      if (const Value* u = v.Find("unevaluatedProperties")) {
        Keyword k = Make(Kw::kUnevaluatedProperties, "unevaluatedProperties");
        k.a = SubFor(*u, "", ptr + "/unevaluatedProperties");
        kws.push_back(std::move(k));
        node.has_unevaluated = true;
      }
    }
    if (skip_validation_) {
      static const Kw kValidation[] = {
          Kw::kType, Kw::kEnum, Kw::kConst, Kw::kMultipleOf, Kw::kMaximum,
          Kw::kExclusiveMaximum, Kw::kMinimum, Kw::kExclusiveMinimum, Kw::kMaxLength,
          Kw::kMinLength, Kw::kPattern, Kw::kMaxItems, Kw::kMinItems, Kw::kUniqueItems,
          Kw::kRequired, Kw::kMaxProperties, Kw::kMinProperties, Kw::kDependentRequired};
      kws.erase(std::remove_if(kws.begin(), kws.end(),
                               [](const Keyword& k) {
                                 return std::find(std::begin(kValidation),
                                                  std::end(kValidation),
                                                  k.kind) != std::end(kValidation);
                               }),
                kws.end());
    }
    out_.nodes_[id] = std::move(node);
  }

  // Compiles items/prefixItems/additionalItems/contains and the array size checks.
  void CompileArrayKeywords(const Value& v, const std::string& ptr, bool d7,
                            std::vector<Keyword>& kws) {
    const Value* items = v.Find("items");
    if (d7) {
      if (items) {
        Keyword k = Make(Kw::kItems, "items");
        k.path.clear();
        if (items->is_array()) {
          k.subs = SubArray(*items, "items", ptr, true);
          if (const Value* add = v.Find("additionalItems")) {
            k.a = SubFor(*add, "/additionalItems", ptr);
            k.name = "additionalItems";
          }
        } else {
          k.a = SubFor(*items, "/items", ptr);
        }
        kws.push_back(std::move(k));
      }
    } else {
      const Value* prefix = v.Find("prefixItems");
      // (draft-07's array form of items, a tuple, is prefixItems here: refused as any
      // other value that is no schema, not ignored, which would let every array pass.)
      if (prefix || items) {
        Keyword k = Make(Kw::kItems, "items");
        k.path.clear();
        if (prefix) k.subs = SubArray(*prefix, "prefixItems", ptr, true);
        if (items) k.a = SubFor(*items, "/items", ptr);
        kws.push_back(std::move(k));
      }
    }
    if (const Value* m = v.Find("maxItems")) {
      Keyword k = Make(Kw::kMaxItems, "maxItems");
      k.count = Count(*m, ptr, "maxItems");
      k.message = "array has more than " + std::to_string(k.count) + " items";
      kws.push_back(std::move(k));
    }
    if (const Value* m = v.Find("minItems")) {
      Keyword k = Make(Kw::kMinItems, "minItems");
      k.count = Count(*m, ptr, "minItems");
      k.message = "array has fewer than " + std::to_string(k.count) + " items";
      kws.push_back(std::move(k));
    }
    if (const Value* u = v.Find("uniqueItems"); u && u->is_bool() && u->as_bool()) {
      Keyword k = Make(Kw::kUniqueItems, "uniqueItems");
      k.message = "array items are not unique";
      kws.push_back(std::move(k));
    }
    if (const Value* c = v.Find("contains")) {
      Keyword k = Make(Kw::kContains, "contains");
      k.a = SubFor(*c, "", ptr + "/contains");
      k.count = 1;
      if (!d7) {
        if (const Value* m = v.Find("minContains")) k.count = Count(*m, ptr, "minContains");
        if (const Value* m = v.Find("maxContains")) k.count2 = Count(*m, ptr, "maxContains");
      }
      k.message = k.count == 1 ? std::string("array does not contain a matching item")
                               : "array contains fewer than " + std::to_string(k.count) +
                                     " matching items";
      kws.push_back(std::move(k));
    }
  }

  // Compiles the object keywords (required, properties family, dependencies, ...).
  void CompileObjectKeywords(const Value& v, const std::string& ptr, bool d7,
                             std::vector<Keyword>& kws) {
    if (const Value* r = v.Find("required")) {
      Keyword k = Make(Kw::kRequired, "required");
      k.names = StringArray(*r, ptr + "/required");
      if (!k.names.empty()) kws.push_back(std::move(k));
    }
    const Value* props = v.Find("properties");
    const Value* pats = v.Find("patternProperties");
    const Value* add = v.Find("additionalProperties");
    if (props || pats || add) {
      Keyword k = Make(Kw::kProps, "properties");
      k.path.clear();
      if (props) {
        if (!props->is_object()) Invalid(ptr + "/properties", "expected type object");
        for (const auto& [name, s] : props->as_object())
          k.subs.push_back(SubFor(s, "/properties" + Token(name), ptr, name));
        std::sort(k.subs.begin(), k.subs.end(),
                  [](const Sub& a, const Sub& b) { return KeyLess(a.name, b.name); });
      }
      if (pats) {
        if (!pats->is_object()) Invalid(ptr + "/patternProperties", "expected type object");
        for (const auto& [pattern, s] : pats->as_object()) {
          Sub sub = SubFor(s, "/patternProperties" + Token(pattern), ptr, pattern);
          sub.re = Regex(pattern, ptr + "/patternProperties");
          k.subs2.push_back(std::move(sub));
        }
      }
      if (add) {
        k.a = SubFor(*add, "/additionalProperties", ptr);
        k.name = "additionalProperties";
      }
      kws.push_back(std::move(k));
    }
    if (const Value* pn = v.Find("propertyNames")) {
      Keyword k = Make(Kw::kPropertyNames, "propertyNames");
      k.a = SubFor(*pn, "", ptr + "/propertyNames");
      k.message = "property name does not match the propertyNames schema";
      kws.push_back(std::move(k));
    }
    if (const Value* m = v.Find("maxProperties")) {
      Keyword k = Make(Kw::kMaxProperties, "maxProperties");
      k.count = Count(*m, ptr, "maxProperties");
      k.message = "object has more than " + std::to_string(k.count) + " properties";
      kws.push_back(std::move(k));
    }
    if (const Value* m = v.Find("minProperties")) {
      Keyword k = Make(Kw::kMinProperties, "minProperties");
      k.count = Count(*m, ptr, "minProperties");
      k.message = "object has fewer than " + std::to_string(k.count) + " properties";
      kws.push_back(std::move(k));
    }
    const char* req_name = d7 ? "dependencies" : "dependentRequired";
    const char* sch_name = d7 ? "dependencies" : "dependentSchemas";
    Keyword req = Make(Kw::kDependentRequired, req_name);
    Keyword sch = Make(Kw::kDependentSchemas, sch_name);
    sch.path.clear();
    if (const Value* dr = v.Find(req_name)) {
      if (!dr->is_object()) Invalid(ptr + "/" + req_name, "expected type object");
      for (const auto& [name, s] : dr->as_object()) {
        if (s.is_array())
          req.deps.emplace_back(name, StringArray(s, ptr + Token(req_name) + Token(name)));
        else if (!d7)
          Invalid(ptr + Token(req_name) + Token(name), "expected an array of strings");
      }
    }
    if (const Value* ds = v.Find(sch_name)) {
      if (!ds->is_object()) Invalid(ptr + "/" + sch_name, "expected type object");
      for (const auto& [name, s] : ds->as_object())
        if (!s.is_array()) sch.subs.push_back(SubFor(s, Token(sch_name) + Token(name), ptr, name));
    }
    if (!req.deps.empty()) kws.push_back(std::move(req));
    if (!sch.subs.empty()) kws.push_back(std::move(sch));
  }

  CompiledImpl& out_;
  const Resolver& resolver_;
  bool skip_validation_ = false;
  const Value* current_ = nullptr;
  std::map<std::string, int> resource_index_;
  std::vector<const Value*> resource_roots_;
  std::vector<std::vector<std::pair<std::string, const Value*>>> dynamic_values_;
  std::map<std::string, const Value*> anchors_;
  const CancelCheck* cancel_;
  size_t steps_ = 0;
  std::unordered_map<const Value*, Location> locations_;
  std::unordered_map<const Value*, int> node_of_;
  // Members of the large objects $refs point into (a "$defs" of thousands), by name:
  // Value::Find reads the members in turn, which made many such references quadratic.
  std::unordered_map<const Value*, std::unordered_map<std::string_view, const Value*>> members_;

  // The member key of object obj, as Value::Find finds it.
  const Value* FindMember(const Value* obj, const std::string& key) {
    constexpr size_t kIndexFrom = 32;
    const auto& members = obj->as_object();
    if (members.size() < kIndexFrom) return obj->Find(key);
    auto& index = members_[obj];
    if (index.empty())
      for (const auto& [k, v] : members) index.emplace(k, &v);  // the first of duplicates, as Find
    auto it = index.find(key);
    return it == index.end() ? nullptr : it->second;
  }
  std::vector<Pending> pending_;
  std::vector<const Value*> scanned_;  // object subschemas in scan order
  int scan_doc_ = 0;                         // the document Scan is in (Location::doc)
  std::vector<std::string> doc_uris_{""};  // by Location::doc: the URI each was loaded by

  // The place of node id's keyword (path, such as "/$ref") for a message: its JSON
  // Pointer, and the document's URI when it is not the schema compiled.
  std::string NodePlace(const std::vector<const Value*>& value_of, int id,
                        const std::string& path) {
    const Location& loc = locations_.at(value_of[id]);
    std::string place = ShownPointer(loc.pointer + path);
    if (loc.doc != 0) place += " of " + ShownText(doc_uris_[loc.doc]);
    return place;
  }

  // Refuses a schema in which a subschema applies itself to the value it checks: a chain
  // of in-place applicators ($ref, a $dynamicRef's initial target, allOf, anyOf, oneOf,
  // not, if/then/else, dependentSchemas) leading back to where it started without going
  // down into the instance ({"$ref": "#"}, two $defs referring to each other). Validation
  // reaching such a chain would never end (JSON Schema leaves it undefined; the
  // evaluator's step bound made every such validation fail 54000): the schema is refused
  // when compiled, naming the keyword that closes the loop and the places it passes.
  void CheckInPlaceCycles() {
    const size_t n = out_.nodes_.size();
    std::vector<const Value*> value_of(n, nullptr);
    for (const auto& [value, id] : node_of_) value_of[id] = value;
    // The in-place edges of each node: (target node, keyword path).
    auto edges = [&](int id, std::vector<std::pair<int, std::string>>& out) {
      out.clear();
      for (const Keyword& k : out_.nodes_[id].kws) {
        switch (k.kind) {
          case Kw::kRef:
          case Kw::kDynamicRef:
            out.emplace_back(k.a.node, "/" + k.name);
            break;
          case Kw::kAllOf:
          case Kw::kAnyOf:
          case Kw::kOneOf:
            for (const Sub& sub : k.subs) out.emplace_back(sub.node, k.path + sub.path);
            break;
          case Kw::kNot:
            out.emplace_back(k.a.node, "/not");
            break;
          case Kw::kIf:
            for (const Sub* sub : {&k.a, &k.b, &k.c})
              if (sub->node >= 0) out.emplace_back(sub->node, sub->path);
            break;
          case Kw::kDependentSchemas:
            for (const Sub& sub : k.subs) out.emplace_back(sub.node, sub.path);
            break;
          default:
            break;
        }
      }
    };
    // Iterative depth-first search (schemas nest deeper than the C++ stack allows).
    enum : uint8_t { kNew, kOnPath, kDone };
    std::vector<uint8_t> state(n, kNew);
    struct Frame {
      int node;
      std::vector<std::pair<int, std::string>> out;
      size_t next = 0;
    };
    for (size_t start = 0; start < n; ++start) {
      if (state[start] != kNew || !value_of[start]) continue;
      std::vector<Frame> path;
      path.push_back({static_cast<int>(start), {}, 0});
      edges(static_cast<int>(start), path.back().out);
      state[start] = kOnPath;
      while (!path.empty()) {
        Step();
        Frame& f = path.back();
        if (f.next == f.out.size()) {
          state[f.node] = kDone;
          path.pop_back();
          continue;
        }
        const auto [to, kw] = f.out[f.next++];
        if (to < 0 || !value_of[to] || state[to] == kDone) continue;
        if (state[to] == kOnPath) {
          std::string loop;
          size_t i = 0;
          while (path[i].node != to) ++i;
          for (; i < path.size(); ++i) {
            const Frame& g = path[i];
            loop += NodePlace(value_of, g.node, g.out[g.next - 1].second) + " -> ";
          }
          loop += NodePlace(value_of, to, "");
          throw Error(sqlstate::kInvalidParameterValue,
                      "invalid schema at " + NodePlace(value_of, f.node, kw) +
                          ": the schema applies itself to the same value without going into "
                          "it, so validation would never end",
                      "The loop: " + loop + ".",
                      "A schema that recurses must descend into the instance (through "
                      "properties, items and the like) before it refers back.");
        }
        Frame next{to, {}, 0};
        edges(to, next.out);
        state[to] = kOnPath;
        path.push_back(std::move(next));
      }
    }
  }
};

// Compiles the metaschema of a dialect once per process.
std::shared_ptr<const CompiledSchema> CompiledMetaschema(Dialect d) {
  static std::once_flag once;
  static std::shared_ptr<const CompiledSchema> metas[2];
  std::call_once(once, [] {
    metas[0] = CompiledSchema::Compile(*Metaschema(kUri202012));
    metas[1] = CompiledSchema::Compile(*Metaschema(kUriDraft7));
  });
  return metas[d == Dialect::kDraft7 ? 1 : 0];
}

}  // namespace

// Compiles with draft 2020-12 as the default dialect.
std::shared_ptr<const CompiledSchema> CompiledSchema::Compile(const Value& schema,
                                                             const Resolver& resolver,
                                                             const CancelCheck* cancel) {
  return Compile(schema, resolver, Dialect::kDraft202012, cancel);
}

// Compiles schema and everything it references into a CompiledImpl.
std::shared_ptr<const CompiledSchema> CompiledSchema::Compile(const Value& schema,
                                                             const Resolver& resolver,
                                                             Dialect default_dialect,
                                                             const CancelCheck* cancel) {
  auto impl = std::make_shared<CompiledImpl>();
  Compiler compiler(*impl, resolver, cancel);
  compiler.Run(schema, default_dialect);
  impl->fast_ = BuildFastProgram(*impl, cancel);
  return impl;
}

// Validates schema against the bundled metaschema, then compiles it.
std::shared_ptr<const CompiledSchema> CompileChecked(const Value& schema,
                                                     const Resolver& resolver,
                                                     const CancelCheck* cancel) {
  Dialect d = Dialect::kDraft202012;
  bool known = true;
  if (schema.is_object())
    if (const Value* s = schema.Find("$schema"); s && s->is_string())
      known = DialectOf(s->as_string(), &d);
  if (known) {
    ValidateOptions opts;
    opts.max_errors = 1;
    opts.cancel = cancel;
    auto errors = CompiledMetaschema(d)->Validate(schema, opts);
    if (!errors.empty()) {
      const ValidationError& e = errors.front();
      // The metaschema's first error can be vague ("value does not match any anyOf
      // schema" for an unknown type): what the compiler makes of the schema, when it
      // refuses it too, goes in the detail ("unknown type \"objet\"").
      std::string detail;
      try {
        CompiledSchema::Compile(schema, resolver, cancel);
      } catch (const Error& c) {
        if (std::string_view(c.sqlstate()) == sqlstate::kQueryCanceled) throw;
        detail = std::string("The schema compiler: ") + c.what() + ".";
      }
      throw Error(sqlstate::kInvalidParameterValue,
                  "invalid schema at " + ShownPointer(e.instance_path) + ": " + e.message, detail);
    }
  }
  return CompiledSchema::Compile(schema, resolver, cancel);
}

}  // namespace comply::schema
