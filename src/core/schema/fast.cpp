// Builds the fast program of a compiled schema (compiled.h, FastNode): each node's
// keywords become flags and operands, read by the fast evaluator (fast.h).
#include <algorithm>
#include <cstdint>
#include <memory>
#include <vector>

#include "core/schema/compiled.h"

namespace comply::schema::internal {
namespace {

// Tells whether the node evaluator alone can run a keyword: unevaluated* need the
// annotations of the node's other keywords, a dynamic $dynamicRef the dynamic scope.
bool NeedsNodeEvaluator(const Keyword& kw) {
  return kw.kind == Kw::kUnevaluatedItems || kw.kind == Kw::kUnevaluatedProperties ||
         (kw.kind == Kw::kDynamicRef && !kw.str.empty());
}

// Digests the keywords of a (non-boolean) node into a fast node; false if a keyword
// cannot be digested.
bool Digest(const Node& node, FastNode* out) {
  FastNode& f = *out;
  f.mode = FastNode::Mode::kChecks;
  f.steps = static_cast<uint32_t>(node.kws.size());
  const Keyword* required = nullptr;
  for (const Keyword& kw : node.kws) {
    switch (kw.kind) {
      case Kw::kType:
        f.types = static_cast<uint8_t>(kw.types & 0x3F);
        f.integer = (kw.types & kIntegerBit) != 0;
        break;
      case Kw::kMaximum:
        f.flags |= kFMaximum;
        f.maximum = kw.num;
        break;
      case Kw::kExclusiveMaximum:
        f.flags |= kFExclusiveMaximum;
        f.exclusive_maximum = kw.num;
        break;
      case Kw::kMinimum:
        f.flags |= kFMinimum;
        f.minimum = kw.num;
        break;
      case Kw::kExclusiveMinimum:
        f.flags |= kFExclusiveMinimum;
        f.exclusive_minimum = kw.num;
        break;
      case Kw::kMaxLength:
        f.flags |= kFMaxLength;
        f.max_length = kw.count;
        break;
      case Kw::kMinLength:
        f.flags |= kFMinLength;
        f.min_length = kw.count;
        break;
      case Kw::kPattern:
        f.flags |= kFPattern;
        f.pattern = kw.re;
        break;
      case Kw::kEnum:
        f.flags |= kFEnum;
        f.enum_values = &kw;
        break;
      case Kw::kConst:
        f.flags |= kFConst;
        f.const_value = &kw;
        break;
      case Kw::kMaxItems:
        f.flags |= kFMaxItems;
        f.max_items = kw.count;
        break;
      case Kw::kMinItems:
        f.flags |= kFMinItems;
        f.min_items = kw.count;
        break;
      case Kw::kMaxProperties:
        f.flags |= kFMaxProperties;
        f.max_properties = kw.count;
        break;
      case Kw::kMinProperties:
        f.flags |= kFMinProperties;
        f.min_properties = kw.count;
        break;
      case Kw::kRequired:
        required = &kw;
        break;
      case Kw::kMultipleOf:
        f.flags |= kFMultipleOf;
        f.multiple_of = &kw;
        break;
      case Kw::kFormat:
        f.flags |= kFFormat;
        f.format = &kw;
        break;
      case Kw::kUniqueItems:
        f.flags |= kFUniqueItems;
        break;
      case Kw::kDependentRequired:
        f.flags |= kFDependentRequired;
        f.dependent_required = &kw;
        break;
      case Kw::kItems:
        f.flags |= kFItems;
        f.items = &kw;
        break;
      case Kw::kContains:
        f.flags |= kFContains;
        f.contains = &kw;
        break;
      case Kw::kProps: {
        f.flags |= kFMembers;
        f.members = &kw;
        f.pattern_props = !kw.subs2.empty();
        f.additional = kw.a.node;
        for (size_t i = 0; i < kw.subs.size(); ++i) {
          // Two subschemas for one name: the fast walk would see only one of them.
          if (i > 0 && kw.subs[i - 1].name == kw.subs[i].name) return false;
          const std::string& name = kw.subs[i].name;
          FastProp prop;
          prop.name = name;
          prop.code = name.size() <= 8 ? KeyCode(name.data(), name.size()) : 0;
          prop.node = kw.subs[i].node;
          f.props.push_back(prop);
        }
        break;
      }
      case Kw::kPropertyNames:
        f.flags |= kFPropertyNames;
        f.property_names = &kw;
        break;
      case Kw::kDependentSchemas:
        f.flags |= kFDependentSchemas;
        f.dependent_schemas = &kw;
        break;
      case Kw::kAllOf:
        f.flags |= kFAll;
        for (const Sub& s : kw.subs) f.all.push_back(s.node);
        break;
      case Kw::kRef:
      case Kw::kDynamicRef:
        f.flags |= kFAll;
        f.all.push_back(kw.a.node);
        break;
      case Kw::kAnyOf:
        f.flags |= kFAnyOf;
        f.any_of = &kw;
        break;
      case Kw::kOneOf:
        f.flags |= kFOneOf;
        f.one_of = &kw;
        break;
      case Kw::kNot:
        f.flags |= kFNot;
        f.not_schema = &kw;
        break;
      case Kw::kIf:
        f.flags |= kFIf;
        f.if_then_else = &kw;
        break;
      default:
        return false;
    }
  }
  if (required) {
    // Names among the properties are found by the walk over the members (a bit each,
    // for the first 64 properties); the others by lookups.
    for (const std::string& name : required->names) {
      auto it = std::lower_bound(
          f.props.begin(), f.props.end(), name,
          [](const FastProp& p, const std::string& n) { return KeyLess(p.name, n); });
      size_t index = static_cast<size_t>(it - f.props.begin());
      if (it != f.props.end() && it->name == name && index < 64) {
        it->bit = uint64_t{1} << index;
        f.required_mask |= it->bit;
      } else {
        f.flags |= kFRequiredOther;
        f.required_other.push_back(name);
      }
    }
  }
  return true;
}

}  // namespace

std::unique_ptr<FastProgram> BuildFastProgram(const CompiledImpl& schema) {
  const std::vector<Node>& nodes = schema.nodes_;
  auto program = std::make_unique<FastProgram>();
  program->nodes.resize(nodes.size());
  std::vector<char> seen(nodes.size(), 0);
  std::vector<int> stack = {schema.root_};
  seen[schema.root_] = 1;
  auto reach = [&](int id) {
    if (id >= 0 && !seen[id]) {
      seen[id] = 1;
      stack.push_back(id);
    }
  };
  while (!stack.empty()) {
    int id = stack.back();
    stack.pop_back();
    const Node& node = nodes[id];
    FastNode& f = program->nodes[id];
    if (node.is_bool) {
      f.mode = node.bool_value ? FastNode::Mode::kTrue : FastNode::Mode::kFalse;
      continue;
    }
    if (node.has_unevaluated) return nullptr;
    for (const Keyword& kw : node.kws) {
      if (NeedsNodeEvaluator(kw)) return nullptr;
      for (const Sub& s : kw.subs) reach(s.node);
      for (const Sub& s : kw.subs2) reach(s.node);
      reach(kw.a.node);
      reach(kw.b.node);
      reach(kw.c.node);
    }
    if (!Digest(node, &f)) return nullptr;
  }
  return program;
}

}  // namespace comply::schema::internal
