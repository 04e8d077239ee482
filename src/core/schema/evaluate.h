// Evaluates a compiled schema (compiled.h) against an instance seen through a view
// (view.h). It is a template over the view type, so that every document representation
// is read in place and without virtual calls: the core instantiates it for json::Value,
// the glue for jsonb.
#pragma once
#include "core/no_postgres.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.h"
#include "core/json.h"
#include "core/schema/compiled.h"
#include "core/schema/fast.h"
#include "core/schema/instance.h"
#include "core/schema/internal.h"
#include "core/schema/validator.h"
#include "core/schema/view.h"

// Inlines the evaluator's per-keyword and per-child steps into their loops, which the
// compiler does not do on its own for functions of their size (GCC, Clang): about 15%
// of the evaluation time (bench/schema_bench.cpp).
#define COMPLY_SCHEMA_INLINE __attribute__((always_inline)) inline

namespace comply::schema {
namespace internal {

// Which instance members/items were evaluated by (successful) subschemas so far.
struct Annotations {
  bool all_props = false;
  bool all_items = false;
  std::vector<char> props;
  std::vector<char> items;

  // Marks member i of an n-member object as evaluated.
  void MarkProp(size_t i, size_t n) {
    if (props.size() < n) props.resize(n);
    props[i] = 1;
  }
  // Marks item i of an n-item array as evaluated.
  void MarkItem(size_t i, size_t n) {
    if (items.size() < n) items.resize(n);
    items[i] = 1;
  }
  // Tells whether member i was evaluated.
  bool PropDone(size_t i) const { return all_props || (i < props.size() && props[i]); }
  // Tells whether item i was evaluated.
  bool ItemDone(size_t i) const { return all_items || (i < items.size() && items[i]); }
  // Adds the evaluations recorded in o.
  void Merge(const Annotations& o) {
    all_props |= o.all_props;
    all_items |= o.all_items;
    if (props.size() < o.props.size()) props.resize(o.props.size());
    for (size_t i = 0; i < o.props.size(); ++i) props[i] |= o.props[i];
    if (items.size() < o.items.size()) items.resize(o.items.size());
    for (size_t i = 0; i < o.items.size(); ++i) items[i] |= o.items[i];
  }
};

// The state of one evaluation.
struct Context {
  Context(const CompiledImpl& s, const ValidateOptions& o, std::vector<ValidationError>* e)
      : schema(s), options(o), errors(e) {}

  const CompiledImpl& schema;
  const ValidateOptions& options;
  std::vector<ValidationError>* errors;  // nullptr: only validity is wanted
  std::string instance_path;
  std::string schema_path;
  size_t steps = 0;
  int depth = 0;
  int scope_len = 0;
  int scope[kMaxDepth + 2];  // resources of the dynamic scope; [0, scope_len) is set

  // Tells whether another error would still be recorded.
  bool Collecting() const { return errors && errors->size() < options.max_errors; }
};

// Records an error at the current paths (validator.cpp).
void Record(Context& c, const Keyword& kw, std::string_view message);
// Records the error of a required property that is missing.
void RecordMissing(Context& c, const Keyword& kw, std::string_view name);

// Records an error at the current paths if errors are being collected.
inline void Report(Context& c, const Keyword& kw, std::string_view message) {
  if (c.Collecting()) Record(c, kw, message);
}

// Counts one keyword evaluation against the limits and polls for cancellation.
inline void Step(Context& c) {
  if (++c.steps > kMaxSteps) ThrowStepLimit();
  if ((c.steps & 4095) == 0 && c.options.cancel) PollCancel(*c.options.cancel);
}

template <typename V>
bool EvalNode(Context& c, int id, const V& v, Annotations* ann);

// Evaluates a subschema of keyword kw on a child instance (member or item).
template <typename V>
COMPLY_SCHEMA_INLINE bool EvalChild(Context& c, const Keyword& kw, const Sub& sub, const V& v,
                                    std::string_view member, size_t index, bool is_member,
                                    const char* false_message, Annotations* ann) {
  size_t ip = c.instance_path.size();
  size_t sp = c.schema_path.size();
  bool track = c.errors != nullptr;
  if (track) {
    if (is_member)
      AppendToken(c.instance_path, member);
    else if (index != static_cast<size_t>(-1)) {
      c.instance_path += '/';
      c.instance_path += std::to_string(index);
    }
  }
  bool ok;
  if (track) c.schema_path += sub.path;
  const Node& n = c.schema.nodes_[sub.node];
  if (n.is_bool && !n.bool_value && false_message) {
    Report(c, kw, false_message);
    ok = false;
  } else {
    ok = EvalNode(c, sub.node, v, ann);
  }
  if (track) {
    c.instance_path.resize(ip);
    c.schema_path.resize(sp);
  }
  return ok;
}

// Evaluates a subschema in place (same instance), with errors optionally silenced.
template <typename V>
bool EvalInPlace(Context& c, const Sub& sub, const V& v, Annotations* ann, bool quiet) {
  auto* saved = c.errors;
  if (quiet) c.errors = nullptr;
  size_t sp = c.schema_path.size();
  if (c.errors) c.schema_path += sub.path;
  bool ok = EvalNode(c, sub.node, v, ann);
  c.schema_path.resize(sp);
  c.errors = saved;
  return ok;
}

// Evaluates a keyword of kind up to Kw::kRequired (plain assertions) against v.
template <typename V>
COMPLY_SCHEMA_INLINE bool EvalAssertion(Context& c, const Keyword& kw, const V& v) {
  using json::Type;
  const Type type = v.type();
  switch (kw.kind) {
    case Kw::kType: {
      unsigned bit = 1u << static_cast<unsigned>(type);
      if (kw.types & bit) return true;
      if (type == Type::kNumber && (kw.types & kIntegerBit) && IsIntegral(v, v.number())) return true;
      if (c.Collecting()) Record(c, kw, kw.message + json::TypeName(type));
      return false;
    }
    // The bounds: by the doubles, and by the decimals when the doubles are equal.
    case Kw::kMaximum: {
      if (type != Type::kNumber) return true;
      const double d = v.number();
      if (d < kw.num || (d == kw.num && CompareToBound(v, kw.str) <= 0)) return true;
      break;
    }
    case Kw::kExclusiveMaximum: {
      if (type != Type::kNumber) return true;
      const double d = v.number();
      if (d < kw.num || (d == kw.num && CompareToBound(v, kw.str) < 0)) return true;
      break;
    }
    case Kw::kMinimum: {
      if (type != Type::kNumber) return true;
      const double d = v.number();
      if (d > kw.num || (d == kw.num && CompareToBound(v, kw.str) >= 0)) return true;
      break;
    }
    case Kw::kExclusiveMinimum: {
      if (type != Type::kNumber) return true;
      const double d = v.number();
      if (d > kw.num || (d == kw.num && CompareToBound(v, kw.str) > 0)) return true;
      break;
    }
    case Kw::kMaxLength:
      if (type != Type::kString || v.string().size() <= kw.count ||
          CodePoints(v.string()) <= kw.count)
        return true;
      break;
    case Kw::kMinLength:
      if (type != Type::kString || CodePoints(v.string()) >= kw.count) return true;
      break;
    case Kw::kPattern:
      if (type != Type::kString || kw.re->Matches(v.string())) return true;
      break;
    case Kw::kEnum:
    case Kw::kConst: {  // const: an enum of one value
      Work w{c.steps, c.options.cancel};
      const Found found = InEnum(v, kw.values, kw.value_index, w);
      if (found == Found::kStop) ThrowStepLimit();
      if (found == Found::kYes) return true;
      break;
    }
    case Kw::kMaxItems:
      if (type != Type::kArray || v.size() <= kw.count) return true;
      break;
    case Kw::kMinItems:
      if (type != Type::kArray || v.size() >= kw.count) return true;
      break;
    case Kw::kMaxProperties:
      if (type != Type::kObject || v.size() <= kw.count) return true;
      break;
    case Kw::kMinProperties:
      if (type != Type::kObject || v.size() >= kw.count) return true;
      break;
    case Kw::kRequired: {
      if (type != Type::kObject) return true;
      bool ok = true;
      for (const std::string& name : kw.names) {
        if (!Has(v, name)) {
          ok = false;
          if (!c.Collecting()) return false;
          RecordMissing(c, kw, name);
        }
      }
      return ok;
    }
    default:
      return true;
  }
  Report(c, kw, kw.message);
  return false;
}

// Evaluates a keyword of a kind after Kw::kRequired (rarer assertions and the
// applicators) against v.
template <typename V>
bool EvalKeyword(Context& c, const Keyword& kw, const V& v, Annotations* ann) {
  using json::Type;
  const Type type = v.type();
  switch (kw.kind) {
    case Kw::kMultipleOf:
      if (type != Type::kNumber || IsMultipleOf(v, kw.dec, kw.num)) return true;
      Report(c, kw, kw.message);
      return false;
    case Kw::kFormat:
      if (!c.options.format_assert || type != Type::kString || CheckFormat(kw.str, v.string()))
        return true;
      Report(c, kw, kw.message);
      return false;
    case Kw::kUniqueItems: {
      if (type != Type::kArray) return true;
      Work w{c.steps, c.options.cancel};
      const Found unique = ItemsUnique(v, w);
      if (unique == Found::kStop) ThrowStepLimit();
      if (unique == Found::kYes) return true;
      Report(c, kw, kw.message);
      return false;
    }
    case Kw::kItems: {
      if (type != Type::kArray) return true;
      bool ok = true;
      size_t n = v.size();
      size_t prefix = std::min(n, kw.subs.size());
      auto it = v.items();
      for (; !it.done() && it.index() < prefix; it.next()) {
        size_t i = it.index();
        if (!EvalChild(c, kw, kw.subs[i], it.value(), {}, i, false, nullptr, nullptr)) {
          ok = false;
          if (!c.Collecting()) return false;
        }
        if (ann) ann->MarkItem(i, n);
      }
      if (kw.a.node >= 0 && n > prefix) {
        for (; !it.done(); it.next()) {
          if (!EvalChild(c, kw, kw.a, it.value(), {}, it.index(), false,
                         "additional item not allowed", nullptr)) {
            ok = false;
            if (!c.Collecting()) return false;
          }
        }
        if (ann) ann->all_items = true;
      }
      return ok;
    }
    case Kw::kContains: {
      if (type != Type::kArray) return true;
      size_t n = v.size();
      size_t matches = 0;
      auto* saved = c.errors;
      c.errors = nullptr;
      for (auto it = v.items(); !it.done(); it.next()) {
        if (EvalChild(c, kw, kw.a, it.value(), {}, it.index(), false, nullptr, nullptr)) {
          ++matches;
          if (ann) ann->MarkItem(it.index(), n);
          // Without annotations or an upper bound, enough matches settle it.
          else if (matches >= kw.count && kw.count2 == std::numeric_limits<size_t>::max())
            break;
        }
      }
      c.errors = saved;
      if (matches < kw.count) {
        Report(c, kw, kw.message);
        return false;
      }
      if (matches > kw.count2) {
        if (c.Collecting())
          Report(c, kw,
                 "array contains more than " + std::to_string(kw.count2) + " matching items");
        return false;
      }
      return true;
    }
    case Kw::kProps: {
      if (type != Type::kObject) return true;
      bool ok = true;
      size_t n = v.size();
      for (auto m = v.members(); !m.done(); m.next()) {
        const std::string_view key = m.key();
        const V val = m.value();
        bool matched = false;
        if (const Sub* sub = FindSub(kw.subs, key)) {
          matched = true;
          if (!EvalChild(c, kw, *sub, val, key, 0, true, nullptr, nullptr)) {
            ok = false;
            if (!c.Collecting()) return false;
          }
        }
        for (const Sub& p : kw.subs2) {
          if (!p.re->Matches(key)) continue;
          matched = true;
          if (!EvalChild(c, kw, p, val, key, 0, true, nullptr, nullptr)) {
            ok = false;
            if (!c.Collecting()) return false;
          }
        }
        if (!matched && kw.a.node >= 0) {
          matched = true;
          if (!EvalChild(c, kw, kw.a, val, key, 0, true, "additional property not allowed",
                         nullptr)) {
            ok = false;
            if (!c.Collecting()) return false;
          }
        }
        if (matched && ann) ann->MarkProp(m.index(), n);
      }
      return ok;
    }
    case Kw::kPropertyNames: {
      if (type != Type::kObject) return true;
      bool ok = true;
      auto* saved = c.errors;
      for (auto m = v.members(); !m.done(); m.next()) {
        const std::string_view key = m.key();
        const json::Value name = json::Value::String(std::string(key));
        c.errors = nullptr;
        bool good = EvalChild(c, kw, kw.a, ValueView(name), key, 0, true, nullptr, nullptr);
        c.errors = saved;
        if (!good) {
          ok = false;
          if (!c.Collecting()) return false;
          size_t ip = c.instance_path.size();
          AppendToken(c.instance_path, key);
          Report(c, kw, kw.message);
          c.instance_path.resize(ip);
        }
      }
      return ok;
    }
    case Kw::kDependentRequired: {
      if (type != Type::kObject) return true;
      bool ok = true;
      for (const auto& [prop, needed] : kw.deps) {
        if (!Has(v, prop)) continue;
        for (const std::string& name : needed) {
          if (Has(v, name)) continue;
          ok = false;
          if (!c.Collecting()) return false;
          std::string msg = "property ";
          json::AppendQuoted(msg, prop);
          msg += " requires property ";
          json::AppendQuoted(msg, name);
          Report(c, kw, msg);
        }
      }
      return ok;
    }
    case Kw::kDependentSchemas: {
      if (type != Type::kObject) return true;
      bool ok = true;
      for (const Sub& s : kw.subs) {
        if (!Has(v, s.name)) continue;
        if (!EvalInPlace(c, s, v, ann, false)) {
          ok = false;
          if (!c.Collecting()) return false;
        }
      }
      return ok;
    }
    case Kw::kAllOf: {
      bool ok = true;
      for (const Sub& s : kw.subs) {
        if (!EvalInPlace(c, s, v, ann, false)) {
          ok = false;
          if (!c.Collecting()) return false;
        }
      }
      return ok;
    }
    case Kw::kAnyOf: {
      bool ok = false;
      for (const Sub& s : kw.subs) {
        if (ann) {
          Annotations child;
          if (EvalInPlace(c, s, v, &child, true)) {
            ok = true;
            ann->Merge(child);
          }
        } else if (EvalInPlace(c, s, v, nullptr, true)) {
          return true;
        }
      }
      if (!ok) Report(c, kw, kw.message);
      return ok;
    }
    case Kw::kOneOf: {
      size_t matches = 0;
      Annotations kept;
      for (const Sub& s : kw.subs) {
        if (ann) {
          Annotations child;
          if (EvalInPlace(c, s, v, &child, true)) {
            ++matches;
            kept = std::move(child);
          }
        } else if (EvalInPlace(c, s, v, nullptr, true)) {
          ++matches;
        }
        if (matches > 1) break;
      }
      if (matches == 1) {
        if (ann) ann->Merge(kept);
        return true;
      }
      Report(
          c, kw,
          matches == 0 ? std::string_view(kw.message) : "value matches more than one oneOf schema");
      return false;
    }
    case Kw::kNot:
      if (!EvalInPlace(c, kw.a, v, nullptr, true)) return true;
      Report(c, kw, kw.message);
      return false;
    case Kw::kIf: {
      bool cond;
      if (ann) {
        Annotations child;
        cond = EvalInPlace(c, kw.a, v, &child, true);
        if (cond) ann->Merge(child);
      } else {
        cond = EvalInPlace(c, kw.a, v, nullptr, true);
      }
      const Sub& next = cond ? kw.b : kw.c;
      if (next.node < 0) return true;
      return EvalInPlace(c, next, v, ann, false);
    }
    case Kw::kRef:
      return EvalInPlace(c, kw.a, v, ann, false);
    case Kw::kDynamicRef: {
      if (kw.str.empty()) return EvalInPlace(c, kw.a, v, ann, false);
      Sub target = kw.a;
      // The outermost resource in the dynamic scope that declares the anchor wins.
      for (int i = 0; i < c.scope_len; ++i) {
        const Resource& r = c.schema.resources_[c.scope[i]];
        bool found = false;
        for (const auto& [name, node] : r.dynamic_anchors) {
          if (name == kw.str) {
            target.node = node;
            found = true;
            break;
          }
        }
        if (found) break;
      }
      return EvalInPlace(c, target, v, ann, false);
    }
    case Kw::kUnevaluatedItems: {
      if (type != Type::kArray) return true;
      bool ok = true;
      for (auto it = v.items(); !it.done(); it.next()) {
        if (ann->ItemDone(it.index())) continue;
        if (!EvalChild(c, kw, kw.a, it.value(), {}, it.index(), false,
                       "unevaluated item not allowed", nullptr)) {
          ok = false;
          if (!c.Collecting()) return false;
        }
      }
      ann->all_items = true;
      return ok;
    }
    case Kw::kUnevaluatedProperties: {
      if (type != Type::kObject) return true;
      bool ok = true;
      for (auto m = v.members(); !m.done(); m.next()) {
        if (ann->PropDone(m.index())) continue;
        if (!EvalChild(c, kw, kw.a, m.value(), m.key(), 0, true, "unevaluated property not allowed",
                       nullptr)) {
          ok = false;
          if (!c.Collecting()) return false;
        }
      }
      ann->all_props = true;
      return ok;
    }
    default:
      return EvalAssertion(c, kw, v);
  }
  return true;
}

// Evaluates the keywords of node n in order (unevaluated* come last), recording
// evaluated members/items in ann if given.
template <typename V>
bool EvalKeywords(Context& c, const Node& n, const V& v, Annotations* ann) {
  bool valid = true;
  for (const Keyword& kw : n.kws) {
    Step(c);
    bool ok;
    if (c.errors) {
      size_t sp = c.schema_path.size();
      c.schema_path += kw.path;
      ok = kw.kind <= Kw::kRequired ? EvalAssertion(c, kw, v) : EvalKeyword(c, kw, v, ann);
      c.schema_path.resize(sp);
    } else {
      ok = kw.kind <= Kw::kRequired ? EvalAssertion(c, kw, v) : EvalKeyword(c, kw, v, ann);
    }
    if (!ok) {
      valid = false;
      if (!c.Collecting()) break;
    }
  }
  return valid;
}

// Evaluates node id against v, recording evaluated members/items in ann if given.
template <typename V>
bool EvalNode(Context& c, int id, const V& v, Annotations* ann) {
  const Node& n = c.schema.nodes_[id];
  if (n.is_bool) {
    if (n.bool_value) return true;
    if (c.Collecting())
      c.errors->push_back({c.instance_path, c.schema_path, "false", "no value is allowed here"});
    return false;
  }
  if (c.depth >= kMaxDepth) ThrowDepthLimit();
  ++c.depth;
  bool pushed = false;
  if (c.scope_len == 0 || c.scope[c.scope_len - 1] != n.resource) {
    c.scope[c.scope_len++] = n.resource;
    pushed = true;
  }
  bool valid;
  if (n.has_unevaluated) {
    // unevaluated* see what this node's own keywords evaluated.
    Annotations local;
    valid = EvalKeywords(c, n, v, &local);
    if (valid && ann) ann->Merge(local);
  } else {
    valid = EvalKeywords(c, n, v, ann);
  }
  if (pushed) --c.scope_len;
  --c.depth;
  return valid;
}

}  // namespace internal

namespace internal {

// IsValid by the node evaluator alone.
template <typename V>
bool IsValidByNodes(const CompiledImpl& schema, const V& instance,
                    const ValidateOptions& options) {
  Context c(schema, options, nullptr);
  return EvalNode(c, schema.root_, instance, nullptr);
}

}  // namespace internal

// True if instance (a view, see view.h) is valid against schema. Throws comply::Error
// 54000 when a limit is exceeded and whatever options.cancel throws. The fast program
// (fast.h) answers for valid instances; the node evaluator for the others.
// (Inlined: between the rows of an INSERT its code is out of the first-level cache, and
// each function of the call chain costs a cache line or two of its own.)
template <typename V>
__attribute__((always_inline)) inline bool IsValid(const CompiledSchema& schema, const V& instance,
                                                   const ValidateOptions& options) {
  const auto& impl = static_cast<const internal::CompiledImpl&>(schema);
  if (impl.fast_ && internal::FastIsValid(*impl.fast_, impl.root_, instance, options))
    return true;
  return internal::IsValidByNodes(impl, instance, options);
}

// The errors of instance (a view) against schema, at most options.max_errors of them.
template <typename V>
std::vector<ValidationError> Validate(const CompiledSchema& schema, const V& instance,
                                      const ValidateOptions& options) {
  std::vector<ValidationError> errors;
  internal::Context c(static_cast<const internal::CompiledImpl&>(schema), options,
                      options.max_errors == 0 ? nullptr : &errors);
  internal::EvalNode(c, c.schema.root_, instance, nullptr);
  return errors;
}

}  // namespace comply::schema
