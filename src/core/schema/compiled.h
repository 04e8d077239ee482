// The compiled form of a JSON Schema: a graph of nodes, each a flat list of keyword
// checks, with every reference resolved. Built by validator.cpp, read by the evaluator
// (evaluate.h); not an API of its own.
#pragma once
#include "core/no_postgres.h"

#include <cstdint>
#include <deque>
#include <limits>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/json.h"
#include "core/schema/pattern.h"
#include "core/schema/validator.h"

namespace comply::schema::internal {

// Keyword kinds. Those up to kRequired are plain assertions on the instance itself and
// are evaluated inline; the rest (rarer assertions, then the applicators) out of line.
enum class Kw : uint8_t {
  kType,
  kMaximum,
  kExclusiveMaximum,
  kMinimum,
  kExclusiveMinimum,
  kMaxLength,
  kMinLength,
  kPattern,
  kEnum,
  kConst,
  kMaxItems,
  kMinItems,
  kMaxProperties,
  kMinProperties,
  kRequired,  // the last inline one
  kMultipleOf,
  kFormat,
  kUniqueItems,
  kDependentRequired,
  kItems,
  kContains,
  kProps,
  kPropertyNames,
  kDependentSchemas,
  kAllOf,
  kAnyOf,
  kOneOf,
  kNot,
  kIf,
  kRef,
  kDynamicRef,
  kUnevaluatedItems,
  kUnevaluatedProperties,
};

// Keyword::types bit for "integer"; the others are 1 << json::Type.
constexpr unsigned kIntegerBit = 1u << 8;

// A subschema reference with the schema-path segment that leads to it.
struct Sub {
  std::string path;  // "/properties/name", "/allOf/0", ...
  int node = -1;
  std::string name;  // property name (properties, dependencies)
  const Pattern* re = nullptr;
};

// A decimal number m * 10^e, for exact multipleOf.
struct Decimal {
  bool ok = false;
  bool negative = false;
  uint64_t mantissa = 0;
  int64_t exponent = 0;
};

struct Keyword {
  Kw kind;
  std::string name;  // keyword as written, for ValidationError::keyword
  std::string path;  // "/minimum"
  std::string message;
  unsigned types = 0;
  double num = 0;
  size_t count = 0;
  size_t count2 = std::numeric_limits<size_t>::max();
  Decimal dec;
  std::vector<json::Value> values;
  const Pattern* re = nullptr;
  std::string str;
  std::vector<Sub> subs;   // properties (by name) / prefix items / allOf ... / dependent schemas
  std::vector<Sub> subs2;  // patternProperties
  Sub a, b, c;             // single subschemas (items rest, additional*, if/then/else, $ref)
  std::vector<std::string> names;
  std::vector<std::pair<std::string, std::vector<std::string>>> deps;
};

struct Node {
  bool is_bool = false;
  bool bool_value = true;
  bool has_unevaluated = false;
  int resource = 0;
  std::vector<Keyword> kws;
};

struct Resource {
  std::string uri;
  std::vector<std::pair<std::string, int>> dynamic_anchors;  // name -> node
};

class CompiledImpl final : public CompiledSchema {
 public:
  Dialect dialect() const override { return dialect_; }
  bool IsValid(const json::Value& instance, const ValidateOptions& options) const override;
  std::vector<ValidationError> Validate(const json::Value& instance,
                                        const ValidateOptions& options) const override;

  Dialect dialect_ = Dialect::kDraft202012;
  int root_ = 0;
  std::deque<json::Value> documents_;  // keeps every schema document the nodes came from
  std::vector<Node> nodes_;
  std::vector<Resource> resources_;
  std::map<std::string, std::unique_ptr<Pattern>> regexes_;
};

// Parses a JSON number's text into an exact decimal (fails beyond 19 digits).
Decimal ParseDecimal(std::string_view text);

// Throw the errors of the evaluation limits (kMaxSteps, kMaxDepth), out of line.
[[noreturn]] void ThrowStepLimit();
[[noreturn]] void ThrowDepthLimit();

// Compares two byte strings of the same length (short ones, as property names are,
// faster than a call to memcmp).
inline int CompareBytes(const char* a, const char* b, size_t n) {
  for (size_t i = 0; i < n; ++i)
    if (a[i] != b[i])
      return static_cast<unsigned char>(a[i]) < static_cast<unsigned char>(b[i]) ? -1 : 1;
  return 0;
}

// The order of properties' subschemas: by length, then bytes (as jsonb orders keys), so
// that most comparisons of a lookup are of lengths alone.
inline int CompareKeys(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return a.size() < b.size() ? -1 : 1;
  return CompareBytes(a.data(), b.data(), a.size());
}
inline bool KeyLess(std::string_view a, std::string_view b) { return CompareKeys(a, b) < 0; }

// The subschema for key among subs (sorted by KeyLess), or nullptr.
inline const Sub* FindSub(const std::vector<Sub>& subs, std::string_view key) {
  size_t lo = 0, hi = subs.size();
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    int cmp = CompareKeys(subs[mid].name, key);
    if (cmp == 0) return &subs[mid];
    if (cmp < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  return nullptr;
}

// Appends "/" and the RFC 6901 escaping of token to out.
inline void AppendToken(std::string& out, std::string_view token) {
  out += '/';
  for (char c : token) {
    if (c == '~')
      out += "~0";
    else if (c == '/')
      out += "~1";
    else
      out += c;
  }
}

}  // namespace comply::schema::internal
