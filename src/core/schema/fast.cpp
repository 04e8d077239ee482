// Builds the fast program of a compiled schema (compiled.h, FastNode): each node's
// keywords become flags and operands, read by the fast evaluator (fast.h).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
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

// Reads a length bound into 32 bits; false if it does not fit (no fast program then).
bool Length(size_t count, uint32_t* out) {
  if (count > std::numeric_limits<uint32_t>::max()) return false;
  *out = static_cast<uint32_t>(count);
  return true;
}

// Multipliers tried for a perfect hash of a node's properties.
constexpr uint64_t kHashMultipliers[] = {
    0x9E3779B97F4A7C15ull, 0xC2B2AE3D27D4EB4Full, 0x165667B19E3779F9ull, 0xD6E8FEB86659FD93ull,
    0xFF51AFD7ED558CCDull, 0xC4CEB9FE1A85EC53ull, 0x94D049BB133111EBull, 0xBF58476D1CE4E5B9ull};
constexpr uint32_t kMaxHashBits = 12;

// Finds a perfect hash for the count properties from props[begin] (a table of two to
// sixteen times their number of slots), or leaves m->hash_shift 0 (binary search).
void HashProperties(FastProgram& program, uint32_t begin, uint32_t count, FastMore* m) {
  if (count == 0 || count > static_cast<uint32_t>(std::numeric_limits<int16_t>::max())) return;
  for (uint32_t i = 0; i < count; ++i)
    if (program.props[begin + i].length > std::numeric_limits<uint8_t>::max()) return;
  uint32_t bits = 1;
  while ((1u << bits) < 2 * count) ++bits;
  for (uint32_t b = bits; b <= std::min(bits + 3, kMaxHashBits); ++b) {
    for (uint64_t mul : kHashMultipliers) {
      std::vector<FastSlot> table(size_t{1} << b);
      bool perfect = true;
      for (uint32_t i = 0; i < count && perfect; ++i) {
        const FastProp& p = program.props[begin + i];
        FastSlot& slot = table[KeySlot(p.code, p.length, mul, 64 - b)];
        if (slot.index >= 0) perfect = false;
        slot.code = p.code;
        slot.length = static_cast<uint8_t>(p.length);
        slot.index = static_cast<int16_t>(i);
        slot.node = p.node;
      }
      if (!perfect) continue;
      m->hash_mul = mul;
      m->hash_shift = 64 - b;
      m->slots_begin = static_cast<uint32_t>(program.slots.size());
      program.slots.insert(program.slots.end(), table.begin(), table.end());
      return;
    }
  }
}

// The mode of a leaf: one of the common leaves' own (compiled.h), or kLeaf.
FastNode::Mode LeafMode(FastNode& f) {
  using Mode = FastNode::Mode;
  constexpr uint8_t kString = 1u << static_cast<unsigned>(json::Type::kString);
  constexpr uint8_t kNumber = 1u << static_cast<unsigned>(json::Type::kNumber);
  if (f.flags == 0 && !f.integer) return Mode::kLeafTypes;
  if (f.types == kString && !f.integer &&
      (f.flags & ~(kFMinLength | kFMaxLength | kFPattern)) == 0) {
    if (!(f.flags & kFMaxLength)) f.max_length = std::numeric_limits<uint32_t>::max();
    if (!(f.flags & kFMinLength)) f.min_length = 0;
    if (!(f.flags & kFPattern)) return Mode::kLeafString;
    if (f.pattern->uses_fixed()) return Mode::kLeafStringFixed;
    if (f.pattern->uses_dfa()) return Mode::kLeafStringDfa;
    return Mode::kLeafStringPattern;
  }
  const bool numbers_only = (f.types == kNumber) || (f.types == 0 && f.integer);
  if (numbers_only && (f.flags & ~(kFMinimum | kFMaximum)) == 0) return Mode::kLeafNumber;
  return Mode::kLeaf;
}

// The mode of a node with subschemas or an enum: one of the common ones' own
// (compiled.h), or kChecks.
FastNode::Mode ChecksMode(const FastNode& f) {
  using Mode = FastNode::Mode;
  constexpr uint8_t kObjectBit = 1u << static_cast<unsigned>(json::Type::kObject);
  constexpr uint8_t kArrayBit = 1u << static_cast<unsigned>(json::Type::kArray);
  if (f.flags == kFEnum && f.types == 0x3F && !f.integer) return Mode::kEnumStrings;
  if (f.integer || (f.flags & kFAnyChecks)) return Mode::kChecks;
  if (f.types == kObjectBit && (f.flags & ~kFObjectChecks) == 0) return Mode::kObject;
  if (f.types == kArrayBit && (f.flags & ~kFArrayChecks) == 0) return Mode::kArray;
  return Mode::kChecks;
}

// Digests the keywords of a (non-boolean) node into a fast node, its properties into
// program.props; false if a keyword cannot be digested.
bool Digest(const Node& node, FastProgram& program, FastNode* out) {
  FastNode& f = *out;
  program.more.emplace_back();
  FastMore& m = program.more.back();
  f.more = &m;
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
        m.bounds[2] = &kw;
        break;
      case Kw::kExclusiveMaximum:
        f.flags |= kFExclusiveMaximum;
        m.exclusive_maximum = kw.num;
        m.bounds[3] = &kw;
        break;
      case Kw::kMinimum:
        f.flags |= kFMinimum;
        f.minimum = kw.num;
        m.bounds[0] = &kw;
        break;
      case Kw::kExclusiveMinimum:
        f.flags |= kFExclusiveMinimum;
        m.exclusive_minimum = kw.num;
        m.bounds[1] = &kw;
        break;
      case Kw::kMaxLength:
        f.flags |= kFMaxLength;
        if (!Length(kw.count, &f.max_length)) return false;
        break;
      case Kw::kMinLength:
        f.flags |= kFMinLength;
        if (!Length(kw.count, &f.min_length)) return false;
        break;
      case Kw::kPattern:
        f.flags |= kFPattern;
        f.pattern = kw.re;
        break;
      case Kw::kEnum: {
        f.flags |= kFEnum;
        m.enum_values = &kw;
        bool strings = true;
        for (const json::Value& e : kw.values) strings = strings && e.is_string();
        if (strings) {
          // The strings side by side, in memory of the program's own.
          for (const json::Value& e : kw.values) m.enum_chars += e.as_string();
          size_t at = 0;
          for (const json::Value& e : kw.values) {
            m.enum_strings.emplace_back(m.enum_chars.data() + at, e.as_string().size());
            at += e.as_string().size();
          }
        } else {
          f.flags |= kFEnumAny;
        }
        break;
      }
      case Kw::kConst:
        f.flags |= kFConst;
        m.const_value = &kw;
        break;
      case Kw::kMaxItems:
        f.flags |= kFMaxItems;
        m.max_items = kw.count;
        break;
      case Kw::kMinItems:
        f.flags |= kFMinItems;
        m.min_items = kw.count;
        break;
      case Kw::kMaxProperties:
        f.flags |= kFMaxProperties;
        m.max_properties = kw.count;
        break;
      case Kw::kMinProperties:
        f.flags |= kFMinProperties;
        m.min_properties = kw.count;
        break;
      case Kw::kRequired:
        required = &kw;
        break;
      case Kw::kMultipleOf:
        f.flags |= kFMultipleOf;
        m.multiple_of = &kw;
        break;
      case Kw::kFormat:
        f.flags |= kFFormat;
        m.format = &kw;
        break;
      case Kw::kUniqueItems:
        f.flags |= kFUniqueItems;
        break;
      case Kw::kDependentRequired:
        f.flags |= kFDependentRequired;
        m.dependent_required = &kw;
        break;
      case Kw::kItems:
        f.flags |= kFItems;
        for (const Sub& sub : kw.subs) m.items_prefix.push_back(sub.node);
        m.items_rest = kw.a.node;
        break;
      case Kw::kContains:
        f.flags |= kFContains;
        m.contains = &kw;
        break;
      case Kw::kProps: {
        f.flags |= kFMembers;
        m.members = &kw;
        f.pattern_props = !kw.subs2.empty();
        f.additional = kw.a.node;
        if (program.props.size() + kw.subs.size() > std::numeric_limits<uint32_t>::max())
          return false;
        f.props_begin = static_cast<uint32_t>(program.props.size());
        f.props_count = static_cast<uint32_t>(kw.subs.size());
        for (size_t i = 0; i < kw.subs.size(); ++i) {
          const std::string& name = kw.subs[i].name;
          // Two subschemas for one name: the fast walk would see only one of them.
          if (i > 0 && kw.subs[i - 1].name == name) return false;
          if (name.size() > std::numeric_limits<uint32_t>::max()) return false;
          FastProp prop;
          prop.name = name.data();
          prop.length = static_cast<uint32_t>(name.size());
          prop.node = kw.subs[i].node;
          prop.code = AnyKeyCode(name.data(), name.size());
          program.props.push_back(prop);
        }
        HashProperties(program, f.props_begin, f.props_count, &m);
        break;
      }
      case Kw::kPropertyNames:
        f.flags |= kFPropertyNames;
        m.property_names = &kw;
        break;
      case Kw::kDependentSchemas:
        f.flags |= kFDependentSchemas;
        m.dependent_schemas = &kw;
        break;
      case Kw::kAllOf:
        f.flags |= kFAll;
        for (const Sub& s : kw.subs) m.all.push_back(s.node);
        break;
      case Kw::kRef:
      case Kw::kDynamicRef:
        f.flags |= kFAll;
        m.all.push_back(kw.a.node);
        break;
      case Kw::kAnyOf:
        f.flags |= kFAnyOf;
        m.any_of = &kw;
        break;
      case Kw::kOneOf:
        f.flags |= kFOneOf;
        m.one_of = &kw;
        break;
      case Kw::kNot:
        f.flags |= kFNot;
        m.not_schema = &kw;
        break;
      case Kw::kIf:
        f.flags |= kFIf;
        m.if_then_else = &kw;
        break;
      default:
        return false;
    }
  }
  if (!(f.flags & (kFArrayChecks | kFObjectChecks | kFAnyChecks)) && !required)
    f.mode = LeafMode(f);
  else
    f.mode = ChecksMode(f);
  if (required) {
    // Names among the properties are found by the walk over the members (a bit each,
    // for the first 64 properties); the others by lookups.
    const Keyword* props = m.members;
    for (const std::string& name : required->names) {
      size_t index = 0;
      bool found = false;
      if (props) {
        auto it = std::lower_bound(
            props->subs.begin(), props->subs.end(), name,
            [](const Sub& p, const std::string& n) { return KeyLess(p.name, n); });
        index = static_cast<size_t>(it - props->subs.begin());
        found = it != props->subs.end() && it->name == name;
      }
      if (found && index < 64) {
        m.required_mask |= uint64_t{1} << index;
      } else {
        f.flags |= kFRequiredOther;
        m.required_other.push_back(name);
      }
    }
  }
  return true;
}

}  // namespace

std::unique_ptr<FastProgram> BuildFastProgram(const CompiledImpl& schema, const CancelCheck* cancel) {
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
  size_t digested = 0;
  while (!stack.empty()) {
    if (cancel && ++digested % 1024 == 0) PollCancel(*cancel);
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
    if (!Digest(node, *program, &f)) return nullptr;
  }
  // The modes of the slots' nodes (known once every node is digested).
  for (FastSlot& slot : program->slots)
    if (slot.index >= 0) slot.mode = static_cast<uint8_t>(program->nodes[slot.node].mode);
  return program;
}

}  // namespace comply::schema::internal
