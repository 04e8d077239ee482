// The fast evaluator: tells whether an instance (a view, view.h) is valid against the
// fast program of a compiled schema (compiled.h, FastNode). It keeps no paths, no
// errors and no annotations, dispatches once on the instance's type and then tests
// only the flags of that type, and walks an object's members once, finding each one's
// property with one probe of a perfect hash of the property names (computed when the
// program is built); required properties among them are bits of that walk. Common
// nodes (FastNode::Mode: leaves of one kind, objects or arrays of their own keywords
// alone, enums of strings) skip the general dispatch: FastChild's one switch on the
// mode leads to their checks.
//
// It visits the same subschemas as the node evaluator (evaluate.h) and counts the same
// steps and depth, so when it answers "valid" the node evaluator would too, without
// reaching a limit. It answers "not known to be valid" for an invalid instance and when
// a limit is reached; IsValid then runs the node evaluator, which has the last word
// (and the errors of the limits).
#pragma once
#include "core/no_postgres.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "core/cancel.h"
#include "core/json.h"
#include "core/schema/compiled.h"
#include "core/schema/instance.h"
#include "core/schema/internal.h"
#include "core/schema/validator.h"
#include "core/schema/view.h"

// The fast evaluator's functions are private to the library that holds them: calls
// between them go straight to them, not through a shared object's PLT.
#pragma GCC visibility push(hidden)

namespace comply::schema::internal {

// The state of one fast evaluation.
struct FastRun {
  const FastNode* nodes;
  const FastProp* props;
  const FastSlot* slots;
  const ValidateOptions& options;
  size_t steps = 0;
  int depth = 0;
};

// The name of a property.
inline std::string_view NameOf(const FastProp& p) { return {p.name, p.length}; }

// The property named key among props[0, n) (sorted by KeyLess), found as FindSub finds
// it.
inline const FastProp* FindFastProp(const FastProp* props, size_t n, std::string_view key) {
  size_t lo = 0, hi = n;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    int cmp = CompareKeys(NameOf(props[mid]), key);
    if (cmp == 0) return &props[mid];
    if (cmp < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  return nullptr;
}

// The checks of rare keywords are out of line, so that the common ones (types, lengths,
// patterns, bounds, properties, items, string enums, references) stay together on few
// cache lines; the hot functions are marked so. (Between the rows of an INSERT, the
// evaluation runs with its code and data mostly out of the first-level caches: it costs
// about twice what it costs in a SELECT. The effect of these attributes alone was
// within the benchmark's noise.)
#define COMPLY_FAST_HOT __attribute__((hot))
#define COMPLY_FAST_COLD __attribute__((cold, noinline))
#define COMPLY_FAST_UNLIKELY(x) __builtin_expect(!!(x), 0)
// Small checks that the compiler left out of line once the leaves had modes of their
// own (a call each, per member).
#define COMPLY_FAST_INLINE inline __attribute__((always_inline))

// The keywords checked out of line.
constexpr uint32_t kFRareNumber = kFExclusiveMinimum | kFExclusiveMaximum | kFMultipleOf;
constexpr uint32_t kFRareArray = kFContains | kFUniqueItems;
constexpr uint32_t kFRareObject = kFMinProperties | kFMaxProperties | kFRequiredOther |
                                  kFDependentRequired | kFDependentSchemas | kFPropertyNames;
constexpr uint32_t kFRareAny = kFEnumAny | kFConst | kFAnyOf | kFOneOf | kFNot | kFIf;

template <typename V>
bool FastEval(FastRun& r, int id, const V& v);

template <typename V>
bool FastLeaf(FastRun& r, const FastNode& n, const V& v);

COMPLY_FAST_INLINE bool FastSteps(FastRun& r, const FastNode& n);

template <typename V>
COMPLY_FAST_INLINE bool FastNumber(const FastNode& n, const V& v);

// minLength and maxLength of a kLeafString* node (max_length UINT32_MAX and min_length
// 0 when absent), as FastString checks them.
COMPLY_FAST_INLINE bool FastStringLengths(const FastNode& n, std::string_view s) {
  const size_t size = s.size();
  // At most as many code points as bytes.
  if (size > n.max_length && CodePoints(s) > n.max_length) return false;
  if (n.min_length != 0) {
    if (size < n.min_length) return false;
    // At least one code point if the first byte does not continue a character.
    const bool one = (static_cast<unsigned char>(s[0]) & 0xC0) != 0x80;
    if (!(n.min_length == 1 && one) && CodePoints(s) < n.min_length) return false;
  }
  return true;
}

// Whether the n bytes at a and b are the same.
COMPLY_FAST_INLINE bool SameBytes(const char* a, const char* b, size_t n) {
  for (size_t i = 0; i < n; ++i)
    if (a[i] != b[i]) return false;
  return true;
}

template <typename V>
bool FastObject(FastRun& r, const FastNode& n, const V& v);
template <typename V>
bool FastArray(FastRun& r, const FastNode& n, const V& v);

// The checks of a kObject or kArray node whose steps the caller has counted (its walk
// one level deeper).
template <typename V>
COMPLY_FAST_INLINE bool FastObjectNode(FastRun& r, const FastNode& n, const V& v) {
  if (v.type() != json::Type::kObject) return false;
  ++r.depth;
  const bool ok = FastObject(r, n, v);
  --r.depth;
  return ok;
}
template <typename V>
COMPLY_FAST_INLINE bool FastArrayNode(FastRun& r, const FastNode& n, const V& v) {
  if (v.type() != json::Type::kArray) return false;
  ++r.depth;
  const bool ok = FastArray(r, n, v);
  --r.depth;
  return ok;
}

// An enum of strings large enough to be indexed (IndexEnum's kHashedEnum values or
// more), looked up as InEnum looks it up; out of line, so that the small enums' check
// inlined in FastChildMode does not make every node's call pay for InEnum's registers.
template <typename V>
COMPLY_FAST_COLD bool FastEnumIndexed(FastRun& r, const FastNode& n, const V& v) {
  const Keyword& kw = *n.more->enum_values;
  Work w{r.steps, r.options.cancel};
  return InEnum(v, kw.values, kw.value_index, w) == Found::kYes;
}

// Tells whether v is one of the strings of an enum of strings only (compared as Equal
// compares them, without its dispatch; by their hashes when there are many), counting
// the steps as InEnum counts them when it is.
template <typename V>
COMPLY_FAST_INLINE bool FastEnumStrings(FastRun& r, const FastNode& n, const V& v) {
  if (v.type() != json::Type::kString) return false;
  const std::vector<std::string_view>& strings = n.more->enum_strings;
  // (The keyword, out of the program's hot bytes, is read only for an enum large enough
  // to be indexed, which enum_strings' size tells.)
  if (COMPLY_FAST_UNLIKELY(strings.size() >= kHashedEnum)) return FastEnumIndexed(r, n, v);
  const std::string_view s = v.string();
  for (size_t i = 0; i < strings.size(); ++i) {
    // (Compared here rather than by memcmp: a call to libc's code, out of the cache
    // between the rows of an INSERT, costs more than the few bytes of an enum value.)
    if (strings[i].size() == s.size() && SameBytes(strings[i].data(), s.data(), s.size())) {
      // A step per value compared, as Work::Charge counts them (at most kHashedEnum - 1).
      const size_t before = r.steps;
      r.steps += i + 1;
      if (COMPLY_FAST_UNLIKELY(((before ^ r.steps) >> 12) != 0) && r.options.cancel)
        PollCancel(*r.options.cancel);
      return r.steps <= kMaxSteps;
    }
  }
  return false;
}

// A node that is an enum of strings only, whose steps the caller has counted, out of
// line: inlined in FastChildMode, its loop and step count took one more register, saved
// and restored at every call of FastChildMode (two instructions each, about 4% of the
// validator's in the bulk benchmark's documents, where a tenth of the calls are enums).
template <typename V>
__attribute__((noinline)) bool FastEnumStringsNode(FastRun& r, const FastNode& n, const V& v) {
  return FastEnumStrings(r, n, v);
}

// Evaluates node id, whose mode is mode, on v: one dispatch on the mode; boolean
// schemas, leaves (nodes that check numbers and strings only: most properties) and the
// other nodes with a mode of their own inline, the rest through FastEval. (Given the
// mode, as a hash slot holds it, the jump need not wait for the node's cache line.)
// Written for few code bytes: between the rows of an INSERT this function is out of the
// first-level instruction cache, and each of its cache lines that a member's checks
// touch costs more than a branch (and evicts a line of PostgreSQL's insert). So the
// steps are counted once for the modes that count them, and the string modes share
// their type and length checks.
template <typename V>
inline bool FastChildMode(FastRun& r, int id, FastNode::Mode mode, const V& v) {
  using Mode = FastNode::Mode;
  const FastNode& n = r.nodes[id];
  static_assert(Mode::kTrue < Mode::kChecks && Mode::kFalse < Mode::kChecks &&
                    Mode::kLeaf < Mode::kChecks,
                "the modes that count no steps here come first");
  if (mode <= Mode::kChecks) {
    if (mode == Mode::kLeaf) return FastLeaf(r, n, v);  // counts its steps
    if (mode == Mode::kChecks) return FastEval(r, id, v);  // counts its steps
    return mode == Mode::kTrue;
  }
  if (!FastSteps(r, n)) return false;
  switch (mode) {
    case Mode::kLeafTypes:
      return (n.types >> static_cast<unsigned>(v.type())) & 1;
    case Mode::kLeafString:
    case Mode::kLeafStringFixed:
    case Mode::kLeafStringDfa:
    case Mode::kLeafStringPattern: {
      if (v.type() != json::Type::kString) return false;
      const std::string_view s = v.string();
      if (!FastStringLengths(n, s)) return false;
      if (mode == Mode::kLeafString) return true;
      if (mode == Mode::kLeafStringFixed) return n.pattern->MatchesFixed(s);
      if (mode == Mode::kLeafStringDfa) return n.pattern->dfa()->Matches(s);
      return n.pattern->Matches(s);
    }
    case Mode::kLeafNumber:
      return v.type() == json::Type::kNumber && FastNumber(n, v);
    case Mode::kObject:
      return FastObjectNode(r, n, v);
    case Mode::kArray:
      return FastArrayNode(r, n, v);
    case Mode::kEnumStrings:
      return FastEnumStringsNode(r, n, v);
    default:
      return false;
  }
}

// Evaluates node id on v (FastChildMode with the node's mode).
template <typename V>
inline bool FastChild(FastRun& r, int id, const V& v) {
  return FastChildMode(r, id, r.nodes[id].mode, v);
}

// A number whose double equals one of its bounds: the bounds by the decimals.
template <typename V>
COMPLY_FAST_COLD bool FastBoundsExact(const FastNode& n, const V& v, double d) {
  const uint32_t f = n.flags;
  const FastMore& m = *n.more;
  if ((f & kFMinimum) && d == n.minimum && CompareToBound(v, m.bounds[0]->str) < 0) return false;
  if ((f & kFMaximum) && d == n.maximum && CompareToBound(v, m.bounds[2]->str) > 0) return false;
  if ((f & kFExclusiveMinimum) && d == m.exclusive_minimum &&
      CompareToBound(v, m.bounds[1]->str) <= 0)
    return false;
  if ((f & kFExclusiveMaximum) && d == m.exclusive_maximum &&
      CompareToBound(v, m.bounds[3]->str) >= 0)
    return false;
  return true;
}

// exclusiveMinimum, exclusiveMaximum, multipleOf.
template <typename V>
COMPLY_FAST_COLD bool FastNumberRare(const FastNode& n, const V& v, double d) {
  const uint32_t f = n.flags;
  const FastMore& m = *n.more;
  if ((f & kFExclusiveMinimum) && !(d >= m.exclusive_minimum)) return false;
  if ((f & kFExclusiveMaximum) && !(d <= m.exclusive_maximum)) return false;
  if (((f & kFExclusiveMinimum) && d == m.exclusive_minimum) ||
      ((f & kFExclusiveMaximum) && d == m.exclusive_maximum)) {
    if (!FastBoundsExact(n, v, d)) return false;
  }
  if ((f & kFMultipleOf) && !IsMultipleOf(v, m.multiple_of->dec, m.multiple_of->num))
    return false;
  return true;
}

// The checks of a number.
template <typename V>
COMPLY_FAST_INLINE bool FastNumber(const FastNode& n, const V& v) {
  const uint32_t f = n.flags;
  const bool number_ok = n.types & (1u << static_cast<unsigned>(json::Type::kNumber));
  // Nothing to read when any number will do.
  if (number_ok && !(f & (kFMinimum | kFMaximum | kFRareNumber))) return true;
  const double d = v.number();
  if (!number_ok && !(n.integer && IsIntegral(v, d))) return false;
  if ((f & kFMinimum) && !(d >= n.minimum)) return false;
  if ((f & kFMaximum) && !(d <= n.maximum)) return false;
  // On a bound's double: the decimals decide (1e400 is above a maximum of 1e309).
  if (COMPLY_FAST_UNLIKELY(((f & kFMinimum) && d == n.minimum) ||
                           ((f & kFMaximum) && d == n.maximum)) &&
      !FastBoundsExact(n, v, d))
    return false;
  if (COMPLY_FAST_UNLIKELY(f & kFRareNumber) && !FastNumberRare(n, v, d)) return false;
  return true;
}

// format, when asserted.
COMPLY_FAST_COLD inline bool FastFormat(const FastNode& n, std::string_view s,
                                        const ValidateOptions& options) {
  return !options.format_assert || CheckFormat(n.more->format->str, s);
}

// The checks of a string.
inline bool FastString(const FastNode& n, std::string_view s, const ValidateOptions& options) {
  const uint32_t f = n.flags;
  // A string has at most as many code points as bytes.
  if ((f & kFMaxLength) && s.size() > n.max_length && CodePoints(s) > n.max_length)
    return false;
  if ((f & kFMinLength) && (s.size() < n.min_length || CodePoints(s) < n.min_length))
    return false;
  if ((f & kFPattern) && !n.pattern->Matches(s)) return false;
  if (COMPLY_FAST_UNLIKELY(f & kFFormat) && !FastFormat(n, s, options)) return false;
  return true;
}

// contains, uniqueItems.
template <typename V>
COMPLY_FAST_COLD bool FastArrayRare(FastRun& r, const FastNode& n, const V& v) {
  const uint32_t f = n.flags;
  if (f & kFContains) {
    const Keyword& kw = *n.more->contains;
    size_t matches = 0;
    for (auto it = v.items(); !it.done(); it.next()) {
      if (FastChild(r, kw.a.node, it.value())) {
        ++matches;
        if (matches >= kw.count && kw.count2 == std::numeric_limits<size_t>::max()) break;
      }
    }
    if (matches < kw.count || matches > kw.count2) return false;
  }
  if (f & kFUniqueItems) {
    Work w{r.steps, r.options.cancel};  // counted as EvalKeyword counts it
    if (ItemsUnique(v, w) != Found::kYes) return false;
  }
  return true;
}

// The checks of an array.
template <typename V>
COMPLY_FAST_HOT bool FastArray(FastRun& r, const FastNode& n, const V& v) {
  const uint32_t f = n.flags;
  const FastMore& m = *n.more;
  const size_t size = v.size();
  if ((f & kFMinItems) && size < m.min_items) return false;
  if ((f & kFMaxItems) && size > m.max_items) return false;
  if (f & kFItems) {
    // One walk for prefixItems and the rest: one copy of its code (code bytes cost
    // more than instructions here: see FastChildMode).
    const size_t prefix = std::min(size, m.items_prefix.size());
    const size_t end = m.items_rest >= 0 ? size : prefix;
    for (auto it = v.items(); !it.done() && it.index() < end; it.next()) {
      const size_t i = it.index();
      if (!FastChild(r, i < prefix ? m.items_prefix[i] : m.items_rest, it.value())) return false;
    }
  }
  if (COMPLY_FAST_UNLIKELY(f & kFRareArray) && !FastArrayRare(r, n, v)) return false;
  return true;
}

// The subschemas of patternProperties whose patterns key matches, on value; matched
// tells whether there was one.
template <typename V>
COMPLY_FAST_COLD bool FastPatternProperties(FastRun& r, const FastNode& n, std::string_view key,
                                            const V& value, bool* matched) {
  for (const Sub& ps : n.more->members->subs2) {
    if (!ps.re->Matches(key)) continue;
    *matched = true;
    if (!FastChild(r, ps.node, value)) return false;
  }
  return true;
}

// minProperties, maxProperties, required names that are not properties, dependent*,
// propertyNames.
template <typename V>
COMPLY_FAST_COLD bool FastObjectRare(FastRun& r, const FastNode& n, const V& v) {
  const uint32_t f = n.flags;
  const FastMore& more = *n.more;
  if (f & (kFMinProperties | kFMaxProperties)) {
    const size_t size = v.size();
    if ((f & kFMinProperties) && size < more.min_properties) return false;
    if ((f & kFMaxProperties) && size > more.max_properties) return false;
  }
  if (f & kFRequiredOther)
    for (std::string_view name : more.required_other)
      if (!v.Find(name, nullptr)) return false;
  if (f & kFDependentRequired) {
    for (const auto& [prop, needed] : more.dependent_required->deps) {
      if (!v.Find(prop, nullptr)) continue;
      for (const std::string& name : needed)
        if (!v.Find(name, nullptr)) return false;
    }
  }
  if (f & kFDependentSchemas)
    for (const Sub& s : more.dependent_schemas->subs)
      if (v.Find(s.name, nullptr) && !FastChild(r, s.node, v)) return false;
  if (f & kFPropertyNames) {
    for (auto m = v.members(); !m.done(); m.next()) {
      const json::Value name = json::Value::String(std::string(m.key()));
      if (!FastChild(r, more.property_names->a.node, ValueView(name))) return false;
    }
  }
  return true;
}

// The checks of an object: one walk over its members for properties,
// patternProperties, additionalProperties and the required properties among them.
template <typename V>
COMPLY_FAST_HOT bool FastObject(FastRun& r, const FastNode& n, const V& v) {
  const uint32_t f = n.flags;
  if (f & kFMembers) {
    const FastMore& more = *n.more;
    uint64_t found = 0;
    const FastProp* const begin = r.props + n.props_begin;
    for (auto m = v.members(); !m.done(); m.next()) {
      const std::string_view key = m.key();
      int index = -1;
      int node = -1;
      int mode = -1;  // the node's, when the slot tells it
      const size_t len = key.size();
      if (more.hash_shift != 0) {
        // One probe of the perfect hash, then a comparison of codes (exact up to 8
        // bytes) and, for longer keys, of the bytes.
        const uint64_t code = AnyKeyCode(key.data(), len);
        const FastSlot& slot =
            r.slots[more.slots_begin + KeySlot(code, len, more.hash_mul, more.hash_shift)];
        if (slot.code == code && slot.length == len && slot.index >= 0 &&
            (len <= 8 || CompareBytes(begin[slot.index].name, key.data(), len) == 0)) {
          index = slot.index;
          node = slot.node;
          mode = slot.mode;
        }
      } else if (const FastProp* hit = FindFastProp(begin, n.props_count, key)) {
        index = static_cast<int>(hit - begin);
        node = hit->node;
      }
      bool matched = false;
      // The value read once (one copy of its decoding in the code), and the node to
      // check it against: the property's, else additionalProperties' (unless
      // patternProperties has a say), in one call below.
      const V value = m.value();
      if (index >= 0) {
        if (index < 64) found |= uint64_t{1} << index;
        matched = true;
      }
      if (COMPLY_FAST_UNLIKELY(n.pattern_props)) {
        if (index >= 0 &&
            !(mode >= 0 ? FastChildMode(r, node, static_cast<FastNode::Mode>(mode), value)
                        : FastChild(r, node, value)))
          return false;
        if (!FastPatternProperties(r, n, key, value, &matched)) return false;
        if (!matched && n.additional >= 0 && !FastChild(r, n.additional, value)) return false;
        continue;
      }
      if (index < 0) {
        if (n.additional < 0) continue;
        node = n.additional;
        mode = -1;
      }
      if (mode < 0) mode = static_cast<int>(r.nodes[node].mode);
      if (!FastChildMode(r, node, static_cast<FastNode::Mode>(mode), value)) return false;
    }
    if ((found & more.required_mask) != more.required_mask) return false;
  }
  if (COMPLY_FAST_UNLIKELY(f & kFRareObject) && !FastObjectRare(r, n, v)) return false;
  return true;
}

// enum with a value that is not a string, const, anyOf, oneOf, not, if.
template <typename V>
COMPLY_FAST_COLD bool FastInPlaceRare(FastRun& r, const FastNode& n, const V& v) {
  const uint32_t f = n.flags;
  const FastMore& m = *n.more;
  // Counted as EvalKeyword counts them.
  if (f & kFEnumAny) {
    const Keyword& kw = *m.enum_values;
    Work w{r.steps, r.options.cancel};
    if (InEnum(v, kw.values, kw.value_index, w) != Found::kYes) return false;
  }
  if (f & kFConst) {
    const Keyword& kw = *m.const_value;
    Work w{r.steps, r.options.cancel};
    if (InEnum(v, kw.values, kw.value_index, w) != Found::kYes) return false;
  }
  if (f & kFAnyOf) {
    bool any = false;
    for (const Sub& s : m.any_of->subs) {
      if (FastChild(r, s.node, v)) {
        any = true;
        break;
      }
    }
    if (!any) return false;
  }
  if (f & kFOneOf) {
    size_t matches = 0;
    for (const Sub& s : m.one_of->subs) {
      if (FastChild(r, s.node, v)) ++matches;
      if (matches > 1) break;
    }
    if (matches != 1) return false;
  }
  if ((f & kFNot) && FastChild(r, m.not_schema->a.node, v)) return false;
  if (f & kFIf) {
    const Keyword& kw = *m.if_then_else;
    const Sub& next = FastChild(r, kw.a.node, v) ? kw.b : kw.c;
    if (next.node >= 0 && !FastChild(r, next.node, v)) return false;
  }
  return true;
}

// The checks of any type: an enum of strings, allOf and references inline, the rest out
// of line.
template <typename V>
inline bool FastInPlace(FastRun& r, const FastNode& n, const V& v) {
  const uint32_t f = n.flags;
  if ((f & kFEnum) && !(f & kFEnumAny) && !FastEnumStrings(r, n, v)) return false;
  if (f & kFAll)
    for (int id : n.more->all)
      if (!FastChild(r, id, v)) return false;
  if (COMPLY_FAST_UNLIKELY(f & kFRareAny) && !FastInPlaceRare(r, n, v)) return false;
  return true;
}

// Counts the steps of node n as EvalNode does, polling for cancellation when it would;
// false if the limit is reached.
COMPLY_FAST_INLINE bool FastSteps(FastRun& r, const FastNode& n) {
  if (COMPLY_FAST_UNLIKELY(r.depth >= kMaxDepth)) return false;
  const size_t before = r.steps;
  r.steps += n.steps;
  if (COMPLY_FAST_UNLIKELY(r.steps > kMaxSteps)) return false;
  // EvalNode polls whenever its count reaches a multiple of 4096.
  if (COMPLY_FAST_UNLIKELY(((before ^ r.steps) >> 12) != 0) && r.options.cancel)
    PollCancel(*r.options.cancel);
  return true;
}

// Evaluates a leaf on v (no subschemas, so no depth to count beyond its check).
template <typename V>
inline bool FastLeaf(FastRun& r, const FastNode& n, const V& v) {
  if (!FastSteps(r, n)) return false;
  const json::Type type = v.type();
  if (type == json::Type::kString)
    return (n.types & (1u << static_cast<unsigned>(json::Type::kString))) &&
           (!(n.flags & kFStringChecks) || FastString(n, v.string(), r.options));
  if (type == json::Type::kNumber) return FastNumber(n, v);
  return (n.types & (1u << static_cast<unsigned>(type))) != 0;
}

// Evaluates the (non-boolean) node id on v, counting its steps and depth as EvalNode
// does; false also when a limit is reached.
template <typename V>
COMPLY_FAST_HOT bool FastEval(FastRun& r, int id, const V& v) {
  const FastNode& n = r.nodes[id];
  if (!FastSteps(r, n)) return false;
  ++r.depth;
  bool ok;
  const json::Type type = v.type();
  switch (type) {
    case json::Type::kNumber:
      ok = FastNumber(n, v);
      break;
    case json::Type::kString:
      ok = (n.types & (1u << static_cast<unsigned>(json::Type::kString))) &&
           (!(n.flags & kFStringChecks) || FastString(n, v.string(), r.options));
      break;
    case json::Type::kArray:
      ok = (n.types & (1u << static_cast<unsigned>(json::Type::kArray))) &&
           (!(n.flags & kFArrayChecks) || FastArray(r, n, v));
      break;
    case json::Type::kObject:
      ok = (n.types & (1u << static_cast<unsigned>(json::Type::kObject))) &&
           (!(n.flags & kFObjectChecks) || FastObject(r, n, v));
      break;
    default:
      ok = (n.types & (1u << static_cast<unsigned>(type))) != 0;
      break;
  }
  if (ok && (n.flags & kFAnyChecks)) ok = FastInPlace(r, n, v);
  --r.depth;
  return ok;
}

// True if instance is valid against program; false if it is not, or if a limit was
// reached (the node evaluator then decides).
template <typename V>
bool FastIsValid(const FastProgram& program, int root, const V& instance,
                 const ValidateOptions& options) {
  FastRun r{program.nodes.data(), program.props.data(), program.slots.data(), options};
  return FastChild(r, root, instance);
}

}  // namespace comply::schema::internal

#pragma GCC visibility pop
