// The fast evaluator: tells whether an instance (a view, view.h) is valid against the
// fast program of a compiled schema (compiled.h, FastNode). It keeps no paths, no
// errors and no annotations, dispatches once on the instance's type and then tests
// only the flags of that type, and walks an object's members once, finding their
// properties by a merge when the view gives keys in jsonb order (V::kSortedKeys) and by
// binary search otherwise; required properties among them are bits of that walk.
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
#include <type_traits>
#include <vector>

#include "core/cancel.h"
#include "core/json.h"
#include "core/schema/compiled.h"
#include "core/schema/instance.h"
#include "core/schema/internal.h"
#include "core/schema/validator.h"
#include "core/schema/view.h"

namespace comply::schema::internal {

// Whether a view's object members come in jsonb's order, with unique keys.
template <typename V, typename = void>
struct SortedKeys : std::false_type {};
template <typename V>
struct SortedKeys<V, std::void_t<decltype(V::kSortedKeys)>>
    : std::integral_constant<bool, V::kSortedKeys> {};

// The state of one fast evaluation.
struct FastRun {
  const FastNode* nodes;
  const ValidateOptions& options;
  size_t steps = 0;
  int depth = 0;
};

// The property named key among props (sorted by KeyLess), found as FindSub finds it.
inline const FastProp* FindFastProp(const std::vector<FastProp>& props, std::string_view key) {
  size_t lo = 0, hi = props.size();
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    int cmp = CompareKeys(props[mid].name, key);
    if (cmp == 0) return &props[mid];
    if (cmp < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  return nullptr;
}

template <typename V>
bool FastEval(FastRun& r, int id, const V& v);

// Evaluates node id on v: boolean schemas inline, the others through FastEval.
template <typename V>
inline bool FastChild(FastRun& r, int id, const V& v) {
  const FastNode& n = r.nodes[id];
  if (n.mode == FastNode::Mode::kChecks) return FastEval(r, id, v);
  return n.mode == FastNode::Mode::kTrue;
}

// The checks of a number.
template <typename V>
inline bool FastNumber(const FastNode& n, const V& v) {
  const double d = v.number();
  if (!(n.types & (1u << static_cast<unsigned>(json::Type::kNumber))) &&
      !(n.integer && IsInteger(d)))
    return false;
  const uint32_t f = n.flags;
  if (!(f & kFNumberChecks)) return true;
  if ((f & kFMinimum) && !(d >= n.minimum)) return false;
  if ((f & kFExclusiveMinimum) && !(d > n.exclusive_minimum)) return false;
  if ((f & kFMaximum) && !(d <= n.maximum)) return false;
  if ((f & kFExclusiveMaximum) && !(d < n.exclusive_maximum)) return false;
  if ((f & kFMultipleOf) && !IsMultipleOf(v, n.multiple_of->dec, n.multiple_of->num))
    return false;
  return true;
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
  if ((f & kFFormat) && options.format_assert && !CheckFormat(n.format->str, s)) return false;
  return true;
}

// The checks of an array.
template <typename V>
bool FastArray(FastRun& r, const FastNode& n, const V& v) {
  const uint32_t f = n.flags;
  const size_t size = v.size();
  if ((f & kFMinItems) && size < n.min_items) return false;
  if ((f & kFMaxItems) && size > n.max_items) return false;
  if (f & kFItems) {
    const Keyword& kw = *n.items;
    const size_t prefix = std::min(size, kw.subs.size());
    auto it = v.items();
    for (; !it.done() && it.index() < prefix; it.next())
      if (!FastChild(r, kw.subs[it.index()].node, it.value())) return false;
    if (kw.a.node >= 0 && size > prefix)
      for (; !it.done(); it.next())
        if (!FastChild(r, kw.a.node, it.value())) return false;
  }
  if (f & kFContains) {
    const Keyword& kw = *n.contains;
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
    for (auto i = v.items(); !i.done(); i.next()) {
      auto j = i;
      for (j.next(); !j.done(); j.next())
        if (Equal(i.value(), j.value())) return false;
    }
  }
  return true;
}

// The checks of an object.
template <typename V>
bool FastObject(FastRun& r, const FastNode& n, const V& v) {
  const uint32_t f = n.flags;
  if (f & (kFMinProperties | kFMaxProperties)) {
    const size_t size = v.size();
    if ((f & kFMinProperties) && size < n.min_properties) return false;
    if ((f & kFMaxProperties) && size > n.max_properties) return false;
  }
  if (f & kFMembers) {
    uint64_t found = 0;
    const FastProp* p = n.props.data();
    const FastProp* const end = p + n.props.size();
    for (auto m = v.members(); !m.done(); m.next()) {
      const std::string_view key = m.key();
      const FastProp* hit = nullptr;
      if constexpr (SortedKeys<V>::value) {
        // Both in KeyLess order: advance through the properties, comparing lengths, then
        // the codes of short keys (one pair of loads instead of a loop over the bytes).
        const size_t len = key.size();
        const uint64_t code = len <= 8 ? KeyCode(key.data(), len) : 0;
        while (p != end) {
          const size_t plen = p->name.size();
          if (plen < len) {
            ++p;
            continue;
          }
          if (plen > len) break;
          int cmp = len <= 8 ? (p->code < code ? -1 : p->code > code)
                             : CompareBytes(p->name.data(), key.data(), len);
          if (cmp < 0) {
            ++p;
            continue;
          }
          if (cmp == 0) hit = p++;
          break;
        }
      } else {
        hit = FindFastProp(n.props, key);
      }
      bool matched = false;
      if (hit) {
        found |= hit->bit;
        matched = true;
        if (!FastChild(r, hit->node, m.value())) return false;
      }
      if (n.pattern_props) {
        for (const Sub& ps : n.members->subs2) {
          if (!ps.re->Matches(key)) continue;
          matched = true;
          if (!FastChild(r, ps.node, m.value())) return false;
        }
      }
      if (!matched && n.additional >= 0 && !FastChild(r, n.additional, m.value())) return false;
    }
    if ((found & n.required_mask) != n.required_mask) return false;
  }
  if (f & kFRequiredOther)
    for (std::string_view name : n.required_other)
      if (!v.Find(name, nullptr)) return false;
  if (f & kFDependentRequired) {
    for (const auto& [prop, needed] : n.dependent_required->deps) {
      if (!v.Find(prop, nullptr)) continue;
      for (const std::string& name : needed)
        if (!v.Find(name, nullptr)) return false;
    }
  }
  if (f & kFDependentSchemas)
    for (const Sub& s : n.dependent_schemas->subs)
      if (v.Find(s.name, nullptr) && !FastChild(r, s.node, v)) return false;
  if (f & kFPropertyNames) {
    for (auto m = v.members(); !m.done(); m.next()) {
      const json::Value name = json::Value::String(std::string(m.key()));
      if (!FastChild(r, n.property_names->a.node, ValueView(name))) return false;
    }
  }
  return true;
}

// The checks of any type: enum, const and the in-place applicators.
template <typename V>
bool FastInPlace(FastRun& r, const FastNode& n, const V& v) {
  const uint32_t f = n.flags;
  if (f & kFEnum) {
    bool any = false;
    for (const json::Value& e : n.enum_values->values) {
      if (Equal(v, ValueView(e))) {
        any = true;
        break;
      }
    }
    if (!any) return false;
  }
  if ((f & kFConst) && !Equal(v, ValueView(n.const_value->values[0]))) return false;
  if (f & kFAll)
    for (int id : n.all)
      if (!FastChild(r, id, v)) return false;
  if (f & kFAnyOf) {
    bool any = false;
    for (const Sub& s : n.any_of->subs) {
      if (FastChild(r, s.node, v)) {
        any = true;
        break;
      }
    }
    if (!any) return false;
  }
  if (f & kFOneOf) {
    size_t matches = 0;
    for (const Sub& s : n.one_of->subs) {
      if (FastChild(r, s.node, v)) ++matches;
      if (matches > 1) break;
    }
    if (matches != 1) return false;
  }
  if ((f & kFNot) && FastChild(r, n.not_schema->a.node, v)) return false;
  if (f & kFIf) {
    const Keyword& kw = *n.if_then_else;
    const Sub& next = FastChild(r, kw.a.node, v) ? kw.b : kw.c;
    if (next.node >= 0 && !FastChild(r, next.node, v)) return false;
  }
  return true;
}

// Evaluates the (non-boolean) node id on v, counting its steps and depth as EvalNode
// does; false also when a limit is reached.
template <typename V>
bool FastEval(FastRun& r, int id, const V& v) {
  const FastNode& n = r.nodes[id];
  if (r.depth >= kMaxDepth) return false;
  const size_t before = r.steps;
  r.steps += n.steps;
  if (r.steps > kMaxSteps) return false;
  // EvalNode polls whenever its count reaches a multiple of 4096.
  if (((before ^ r.steps) >> 12) != 0 && r.options.cancel) PollCancel(*r.options.cancel);
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
  FastRun r{program.nodes.data(), options};
  return FastChild(r, root, instance);
}

}  // namespace comply::schema::internal
