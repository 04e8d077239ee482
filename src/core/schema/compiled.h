// The compiled form of a JSON Schema: a graph of nodes, each a flat list of keyword
// checks, with every reference resolved. Built by validator.cpp, read by the evaluator
// (evaluate.h); not an API of its own.
#pragma once
#include "core/no_postgres.h"

#include <cstdint>
#include <cstring>
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
  // enum: the hashes of values (HashValue, instance.h), sorted, each with its value's
  // index; empty for an enum of fewer than kHashedEnum values (IndexEnum).
  std::vector<std::pair<uint64_t, uint32_t>> value_index;
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

// The fast program: the same schema as the nodes, each node's keywords digested into
// flags and operands, so that telling whether a document is valid is a walk with one
// test per keyword that applies and none for those that do not (fast.h). Built for
// every schema without unevaluated* or a dynamic $dynamicRef (whose annotations and
// dynamic scope only the node evaluator keeps); its nodes are indexed as nodes_.
enum FastFlag : uint32_t {
  // on numbers
  kFMinimum = 1u << 0,
  kFExclusiveMinimum = 1u << 1,
  kFMaximum = 1u << 2,
  kFExclusiveMaximum = 1u << 3,
  kFMultipleOf = 1u << 4,
  // on strings
  kFMinLength = 1u << 5,
  kFMaxLength = 1u << 6,
  kFPattern = 1u << 7,
  kFFormat = 1u << 8,
  // on arrays
  kFMinItems = 1u << 9,
  kFMaxItems = 1u << 10,
  kFItems = 1u << 11,
  kFContains = 1u << 12,
  kFUniqueItems = 1u << 13,
  // on objects
  kFMinProperties = 1u << 14,
  kFMaxProperties = 1u << 15,
  kFMembers = 1u << 16,  // properties, patternProperties, additionalProperties
  kFRequiredOther = 1u << 17,  // required names not found by the walk of kFMembers
  kFDependentRequired = 1u << 18,
  kFDependentSchemas = 1u << 19,
  kFPropertyNames = 1u << 20,
  // on any value
  kFEnum = 1u << 21,
  kFConst = 1u << 22,
  kFAll = 1u << 23,  // allOf, $ref, a static $dynamicRef
  kFAnyOf = 1u << 24,
  kFOneOf = 1u << 25,
  kFNot = 1u << 26,
  kFIf = 1u << 27,
  kFEnumAny = 1u << 28,  // an enum with a value that is not a string
};
constexpr uint32_t kFNumberChecks = 0x1Fu;
constexpr uint32_t kFStringChecks = 0x1E0u;
constexpr uint32_t kFArrayChecks = 0x3E00u;
constexpr uint32_t kFObjectChecks = 0x1FC000u;
constexpr uint32_t kFAnyChecks = 0x1FE00000u;

// A slot of a properties' hash table: what a member's key is compared with, and where
// its subschema is, in the slot itself (one dependent load fewer than an index).
struct FastSlot {
  uint64_t code = 0;  // AnyKeyCode of the property's name
  int32_t node = -1;
  int16_t index = -1;  // in the node's properties; -1: an empty slot
  uint8_t length = 0;  // of the name (only names of up to 255 bytes are hashed)
  uint8_t mode = 0;    // the node's FastNode::Mode: its dispatch need not wait for the node
};

// A properties entry of a fast node, in KeyLess order.
struct FastProp {
  const char* name;
  uint32_t length;
  int32_t node;
  uint64_t code;  // AnyKeyCode(name)
};

// The operands that do not fit in a fast node's cache line; those of objects, arrays and
// string enums first.
struct FastMore {
  uint64_t required_mask = 0;  // bits of props indexes (the first 64 properties only)
  // A perfect hash of the properties' (code, length): slot (code + length) * hash_mul >>
  // hash_shift of FastProgram::slots, from slots_begin, holds the property or nothing.
  // hash_shift 0: none was found (or names are too long), binary search then.
  uint64_t hash_mul = 0;
  uint32_t slots_begin = 0;
  uint32_t hash_shift = 0;
  int32_t items_rest = -1;  // items (prefixItems' rest)
  std::vector<int> items_prefix;  // prefixItems (draft 7: items as an array)
  size_t min_items = 0, max_items = 0;
  std::vector<std::string_view> enum_strings;  // an enum of strings only, in enum_chars
  std::string enum_chars;
  std::vector<int> all;
  const Keyword* enum_values = nullptr;
  double exclusive_minimum = 0, exclusive_maximum = 0;
  // The bounds' keywords, whose decimals decide when an instance's double equals one.
  const Keyword* bounds[4] = {};  // minimum, exclusiveMinimum, maximum, exclusiveMaximum
  size_t min_properties = 0, max_properties = 0;
  // The keywords whose operands are read where they are.
  const Keyword* multiple_of = nullptr;
  const Keyword* format = nullptr;
  const Keyword* contains = nullptr;
  const Keyword* members = nullptr;  // kProps
  const Keyword* dependent_required = nullptr;
  const Keyword* dependent_schemas = nullptr;
  const Keyword* property_names = nullptr;
  const Keyword* const_value = nullptr;
  const Keyword* any_of = nullptr;
  const Keyword* one_of = nullptr;
  const Keyword* not_schema = nullptr;
  const Keyword* if_then_else = nullptr;
  std::vector<std::string_view> required_other;
};

// One cache line: what every evaluation reads, and the operands of strings and
// numbers and of the walk over an object's members; the rest in *more.
struct alignas(64) FastNode {
  // kTrue, kFalse: boolean schemas; kLeaf: checks of numbers and strings only (no
  // subschemas, no enum); kChecks: the others. The common leaves have a mode of their
  // own, so that the one dispatch on the mode (a jump table) leads straight to their
  // checks, with no branch on flags or on how a pattern runs:
  //   kLeafTypes         "type" alone (not "integer")
  //   kLeafString        strings only, minLength/maxLength
  //   kLeafStringFixed   the same and a pattern that Pattern::MatchesFixed checks
  //   kLeafStringDfa     the same and a pattern on a DFA
  //   kLeafStringPattern the same and any other pattern
  //   kLeafNumber        numbers (or integers) only, minimum/maximum
  // and so have the common nodes with subschemas, straight to their walk:
  //   kObject            objects only, keywords of objects alone
  //   kArray             arrays only, keywords of arrays alone
  //   kEnumStrings       an enum of strings and nothing else (not even "type")
  enum class Mode : uint8_t {
    kTrue,
    kFalse,
    kLeaf,
    kChecks,
    kLeafTypes,
    kLeafString,
    kLeafStringFixed,
    kLeafStringDfa,
    kLeafStringPattern,
    kLeafNumber,
    kObject,
    kArray,
    kEnumStrings
  };
  Mode mode = Mode::kTrue;
  uint8_t types = 0x3F;     // 1 << json::Type accepted by "type" (all without one)
  bool integer = false;     // "type" accepts integral numbers although not "number"
  bool pattern_props = false;
  uint32_t flags = 0;   // FastFlag
  uint32_t steps = 0;   // keywords, counted as the node evaluator counts them
  int32_t additional = -1;  // additionalProperties' node
  // kLeafString*: max_length is UINT32_MAX without maxLength.
  uint32_t min_length = 0, max_length = 0;
  uint32_t props_begin = 0, props_count = 0;  // in FastProgram::props
  double minimum = 0, maximum = 0;
  const Pattern* pattern = nullptr;
  const FastMore* more = nullptr;
};
static_assert(sizeof(FastNode) == 64, "a fast node is one cache line");

// A key of more than 8 bytes as a number, for hashing only (its first and last 8 bytes).
inline uint64_t LongKeyCode(const char* p, size_t n);

// A key of up to 8 bytes as a number that orders keys of one length as their bytes do
// (big-endian words of the first and last 4 bytes, overlapping for 4 to 7 bytes; the
// first, middle and last byte below 4), read without going past the key's end.
inline uint64_t KeyCode(const char* p, size_t n) {
  auto byte = [p](size_t i) -> uint64_t { return static_cast<unsigned char>(p[i]); };
  auto word = [p](size_t i) -> uint64_t {
    uint32_t w;
    std::memcpy(&w, p + i, sizeof w);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    w = __builtin_bswap32(w);
#endif
    return w;
  };
  if (n >= 4) return word(0) << 32 | word(n - 4);
  if (n == 0) return 0;
  return byte(0) << 16 | byte(n >> 1) << 8 | byte(n - 1);
}

inline uint64_t LongKeyCode(const char* p, size_t n) {
  return KeyCode(p, 8) ^ (KeyCode(p + n - 8, 8) * 0x9E3779B97F4A7C15ull);
}

// The code of a key: KeyCode up to 8 bytes (exact), LongKeyCode beyond (a hash).
inline uint64_t AnyKeyCode(const char* p, size_t n) {
  return n <= 8 ? KeyCode(p, n) : LongKeyCode(p, n);
}

// The slot of a key's code in a properties' hash table.
inline uint32_t KeySlot(uint64_t code, size_t n, uint64_t mul, uint32_t shift) {
  return static_cast<uint32_t>(((code + n) * mul) >> shift);
}

struct FastProgram {
  std::vector<FastNode> nodes;  // indexed as CompiledImpl::nodes_
  std::vector<FastProp> props;
  std::vector<FastSlot> slots;  // the properties' hash tables
  std::deque<FastMore> more;   // stable addresses
};

// The fast program of a compiled schema, or nullptr if it has no fast program (fast.cpp);
// polls cancel (if set) as it digests the nodes.
std::unique_ptr<FastProgram> BuildFastProgram(const class CompiledImpl& schema,
                                              const CancelCheck* cancel = nullptr);

struct Resource {
  std::string uri;
  std::vector<std::pair<std::string, int>> dynamic_anchors;  // name -> node
};

class CompiledImpl final : public CompiledSchema {
 public:
  Dialect dialect() const override { return dialect_; }
  size_t PatternBytes() const override { return pattern_bytes_; }
  bool IsValid(const json::Value& instance, const ValidateOptions& options) const override;
  std::vector<ValidationError> Validate(const json::Value& instance,
                                        const ValidateOptions& options) const override;

  Dialect dialect_ = Dialect::kDraft202012;
  int root_ = 0;
  std::deque<json::Value> documents_;  // keeps every schema document the nodes came from
  std::vector<Node> nodes_;
  std::vector<Resource> resources_;
  std::map<std::string, std::unique_ptr<Pattern>> regexes_;
  size_t pattern_bytes_ = 0;  // the sum of regexes_' MemoryBytes
  std::unique_ptr<FastProgram> fast_;  // nullptr: the node evaluator only
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
