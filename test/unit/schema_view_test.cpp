// The validator's results do not depend on the document's representation: the whole
// JSON-Schema-Test-Suite, evaluated through ValueView and through a view laid out as
// jsonb is (members ordered by key length then bytes, found by binary search; numbers
// read back from their text), gives the same validity and the same errors. The glue's
// JsonbView is checked against the previous, copying implementation by the pg_regress
// suites (sql/06_validate*.sql).
#include <gtest/gtest.h>

#include <dirent.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <limits>
#include <map>
#include <set>
#include <memory>
#include <sstream>
#include <string>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "core/error.h"
#include "core/json.h"
#include "core/rng.h"
#include "core/schema/evaluate.h"
#include "core/schema/validator.h"
#include "core/schema/view.h"
#include "test_util.h"
#include "../../bench/intake_schema.h"

namespace comply::schema {
namespace {

using json::Value;

const std::string kSuite = COMPLY_SOURCE_DIR "/../shared/testdata/json-schema-test-suite";

// Compares keys as jsonb orders them: by length, then bytes.
bool JsonbKeyLess(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return a.size() < b.size();
  return a < b;
}

// The jsonb order of every object of a document, computed on first use.
class JsonbOrders {
 public:
  const std::vector<size_t>& Of(const Value& object) {
    auto it = orders_.find(&object);
    if (it != orders_.end()) return it->second;
    const Value::Object& members = object.as_object();
    std::vector<size_t> order(members.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::sort(order.begin(), order.end(),
              [&](size_t a, size_t b) { return JsonbKeyLess(members[a].first, members[b].first); });
    return orders_.emplace(&object, std::move(order)).first->second;
  }

 private:
  std::unordered_map<const Value*, std::vector<size_t>> orders_;
};

// A view of a json::Value laid out as jsonb is.
class JsonbLikeView {
 public:

  JsonbLikeView(const Value& v, JsonbOrders* orders) : v_(&v), orders_(orders) {}

  json::Type type() const { return v_->type(); }
  bool boolean() const { return v_->as_bool(); }
  double number() const { return std::strtod(v_->number_text().c_str(), nullptr); }
  std::string number_text() const { return v_->number_text(); }
  bool integral() const { return comply::schema::internal::IntegralText(number_text(), number()); }
  std::string_view string() const { return v_->as_string(); }
  size_t size() const { return v_->is_array() ? v_->as_array().size() : v_->as_object().size(); }

  class Items {
   public:
    Items(const Value& a, JsonbOrders* orders) : a_(&a), orders_(orders) {}
    bool done() const { return i_ >= a_->as_array().size(); }
    void next() { ++i_; }
    size_t index() const { return i_; }
    JsonbLikeView value() const { return {a_->as_array()[i_], orders_}; }

   private:
    const Value* a_;
    JsonbOrders* orders_;
    size_t i_ = 0;
  };

  class Members {
   public:
    Members(const Value& o, JsonbOrders* orders)
        : o_(&o), order_(&orders->Of(o)), orders_(orders) {}
    bool done() const { return i_ >= order_->size(); }
    void next() { ++i_; }
    size_t index() const { return i_; }
    std::string_view key() const { return o_->as_object()[(*order_)[i_]].first; }
    JsonbLikeView value() const { return {o_->as_object()[(*order_)[i_]].second, orders_}; }

   private:
    const Value* o_;
    const std::vector<size_t>* order_;
    JsonbOrders* orders_;
    size_t i_ = 0;
  };

  Items items() const { return Items(*v_, orders_); }
  Members members() const { return Members(*v_, orders_); }

  bool Find(std::string_view key, JsonbLikeView* out) const {
    const Value::Object& members = v_->as_object();
    const std::vector<size_t>& order = orders_->Of(*v_);
    std::string k(key);
    auto it = std::lower_bound(order.begin(), order.end(), k, [&](size_t i, const std::string& x) {
      return JsonbKeyLess(members[i].first, x);
    });
    if (it == order.end() || members[*it].first != k) return false;
    if (out) *out = JsonbLikeView(members[*it].second, orders_);
    return true;
  }

 private:
  const Value* v_;
  JsonbOrders* orders_;
};

// Expects the fast program's answer, where there is one, to be the node evaluator's
// (IsValid would hide a wrong "invalid" by asking the node evaluator again).
template <typename V>
void ExpectFastAgrees(const CompiledSchema& compiled, const V& view,
                      const ValidateOptions& options) {
  const auto& impl = static_cast<const internal::CompiledImpl&>(compiled);
  if (!impl.fast_) return;
  bool by_nodes;
  try {
    by_nodes = internal::IsValidByNodes(impl, view, options);
  } catch (const Error&) {
    // A limit: the fast program must not claim validity.
    EXPECT_FALSE(internal::FastIsValid(*impl.fast_, impl.root_, view, options));
    return;
  }
  EXPECT_EQ(internal::FastIsValid(*impl.fast_, impl.root_, view, options), by_nodes);
}

using ErrorKey = std::tuple<std::string, std::string, std::string, std::string>;

// The errors as sortable tuples.
std::vector<ErrorKey> Keys(const std::vector<ValidationError>& errors) {
  std::vector<ErrorKey> out;
  for (const ValidationError& e : errors)
    out.emplace_back(e.instance_path, e.schema_path, e.keyword, e.message);
  return out;
}

using test::JsonFiles;
using test::ReadFile;

// Serves the suite's remotes/ folder as http://localhost:1234/.
const Value* Remote(std::string_view uri) {
  static std::map<std::string, std::unique_ptr<Value>> cache;
  static const std::string kPrefix = "http://localhost:1234/";
  if (uri.substr(0, kPrefix.size()) != kPrefix) return nullptr;
  std::string rel(uri.substr(kPrefix.size()));
  auto it = cache.find(rel);
  if (it != cache.end()) return it->second.get();
  std::string text;
  std::unique_ptr<Value> doc;
  if (rel.find("..") == std::string::npos && ReadFile(kSuite + "/remotes/" + rel, &text))
    doc = std::make_unique<Value>(json::Parse(text));
  const Value* raw = doc.get();
  cache[rel] = std::move(doc);
  return raw;
}

TEST(SchemaView, SuiteGivesSameResultsThroughBothViews) {
  struct Dir {
    std::string path;
    Dialect dialect;
    bool format_assert;
  };
  const Dir dirs[] = {{"draft2020-12", Dialect::kDraft202012, false},
                      {"draft2020-12/optional/format", Dialect::kDraft202012, true},
                      {"draft7", Dialect::kDraft7, false},
                      {"draft7/optional/format", Dialect::kDraft7, true}};
  size_t compared = 0, with_errors = 0, reordered = 0, with_fast = 0;
  for (const Dir& dir : dirs) {
    for (const std::string& file : JsonFiles(kSuite + "/tests/" + dir.path)) {
      std::string text;
      ASSERT_TRUE(ReadFile(kSuite + "/tests/" + dir.path + "/" + file, &text));
      Value cases = json::Parse(text);
      for (const Value& tc : cases.as_array()) {
        std::shared_ptr<const CompiledSchema> compiled;
        try {
          compiled = CompiledSchema::Compile(*tc.Find("schema"), Remote, dir.dialect);
        } catch (const Error&) {
          continue;  // the suite runner reports these
        }
        for (const Value& t : tc.Find("tests")->as_array()) {
          const Value& data = *t.Find("data");
          SCOPED_TRACE(dir.path + "/" + file + " | " + tc.Find("description")->as_string() + " | " +
                       t.Find("description")->as_string());
          ValidateOptions options;
          options.format_assert = dir.format_assert;
          JsonbOrders orders;
          JsonbLikeView jsonb_like(data, &orders);
          ValueView value(data);
          bool valid = IsValid(*compiled, value, options);
          ExpectFastAgrees(*compiled, value, options);
          ExpectFastAgrees(*compiled, jsonb_like, options);
          if (static_cast<const internal::CompiledImpl&>(*compiled).fast_) ++with_fast;
          EXPECT_EQ(valid, IsValid(*compiled, jsonb_like, options));
          EXPECT_EQ(valid, compiled->IsValid(data, options));
          std::vector<ValidationError> a = Validate(*compiled, value, options);
          std::vector<ValidationError> b = Validate(*compiled, jsonb_like, options);
          EXPECT_EQ(a.empty(), valid);
          // The same errors; in another order only where members are ordered otherwise.
          std::vector<ErrorKey> ka = Keys(a), kb = Keys(b);
          if (ka != kb) ++reordered;
          std::sort(ka.begin(), ka.end());
          std::sort(kb.begin(), kb.end());
          EXPECT_EQ(ka, kb);
          EXPECT_EQ(Keys(compiled->Validate(data, options)), Keys(a));
          ++compared;
          with_errors += !a.empty();
        }
      }
    }
  }
  EXPECT_GT(compared, 3000u);
  EXPECT_GT(with_errors, 1000u);
  EXPECT_GT(with_fast, compared * 9 / 10);
  std::printf(
      "compared %zu suite tests (%zu with errors, %zu listed in another order, %zu with a fast "
      "program)\n",
      compared, with_errors, reordered, with_fast);
}

TEST(SchemaView, ErrorsFollowTheViewsMemberOrder) {
  auto compiled = CompiledSchema::Compile(json::Parse(
      R"({"properties": {"bb": {"type": "string"}, "a": {"type": "string"}},
          "additionalProperties": false})"));
  Value doc = json::Parse(R"({"zzz": 1, "bb": 2, "a": 3})");
  JsonbOrders orders;
  ValidateOptions options;
  std::vector<ValidationError> by_value = Validate(*compiled, ValueView(doc), options);
  std::vector<ValidationError> by_jsonb = Validate(*compiled, JsonbLikeView(doc, &orders), options);
  ASSERT_EQ(by_value.size(), 3u);
  ASSERT_EQ(by_jsonb.size(), 3u);
  EXPECT_EQ(by_value[0].instance_path, "/zzz");  // document order
  EXPECT_EQ(by_value[2].instance_path, "/a");
  EXPECT_EQ(by_jsonb[0].instance_path, "/a");  // jsonb order: shorter keys first
  EXPECT_EQ(by_jsonb[1].instance_path, "/bb");
  EXPECT_EQ(by_jsonb[2].instance_path, "/zzz");
  EXPECT_EQ(by_jsonb[2].keyword, "additionalProperties");
}

TEST(SchemaView, NumbersCompareAcrossViews) {
  // enum and const compare the instance (any view) with the schema's json::Value.
  auto compiled = CompiledSchema::Compile(
      json::Parse(R"({"enum": [1, 0.1, {"a": [1.0, "x"]}, 9007199254740993]})"));
  JsonbOrders orders;
  ValidateOptions options;
  for (const char* text : {"1.0", "1e0", "0.10", "1e-1", R"({"a": [1, "x"]})", "9007199254740992",
                           "2", "0.1000001", R"({"a": [1, "y"]})"}) {
    Value doc = json::Parse(text);
    SCOPED_TRACE(text);
    EXPECT_EQ(IsValid(*compiled, ValueView(doc), options),
              IsValid(*compiled, JsonbLikeView(doc, &orders), options));
  }
  Value one = json::Parse("1e0");
  EXPECT_TRUE(IsValid(*compiled, JsonbLikeView(one, &orders), options));
  Value two = json::Parse("2");
  EXPECT_FALSE(IsValid(*compiled, JsonbLikeView(two, &orders), options));
}


// Random JSON text: values of every type, objects whose keys come from a small pool (so
// that they meet the schemas' properties), nested up to depth.
std::string RandomJson(SplitMix64& rng, int depth) {
  static const char* const kScalars[] = {
      "null", "true", "false", "0", "1", "2", "3", "5", "6", "9", "10", "12", "-1", "2.5", "3.0",
      "1e3", "\"\"", "\"x\"", "\"xx\"", "\"b\"", "\"a\"", "\"ab\"", "\"\u00e9\"", "\"06082\"",
      "\"1962-02-07\"", "\"mary.jackson3@hotmail.com\"", "\"web\"", "\"fax\""};
  static const char* const kKeys[] = {"a",   "b",    "c",    "bb",      "cc",    "ca",    "x",
                                      "zip", "city", "name", "user_id", "email", "source", "tags"};
  int kind = depth <= 0 ? 0 : rng.Range(0, 5);
  if (kind <= 3) return rng.Pick(kScalars);
  std::string s;
  int n = rng.Range(0, 5);
  if (kind == 4) {
    s = "[";
    for (int i = 0; i < n; ++i) s += (i ? ", " : "") + RandomJson(rng, depth - 1);
    return s + "]";
  }
  s = "{";
  for (int i = 0; i < n; ++i)
    s += std::string(i ? ", " : "") + "\"" + rng.Pick(kKeys) + "\": " + RandomJson(rng, depth - 1);
  return s + "}";
}

// An intake document (bench/intake_schema.sql) in which every property may be missing,
// mistyped or out of range, in random key order.
std::string RandomIntake(SplitMix64& rng) {
  static const char* const kUserId[] = {"1018", "1", "0", "12.5", "3.0", "\"7\"", "1e3", "-4"};
  static const char* const kEmail[] = {"\"mary.jackson3@hotmail.com\"", "\"o'brien@x-y.co.uk\"",
                                       "\"no-at-sign.org\"", "\"a@b.c\"", "5", "null"};
  static const char* const kName[] = {"\"Mary Jackson\"", "\"\"", "\"\u00e9\"", "null", "7"};
  static const char* const kDob[] = {"\"1962-02-07\"", "\"05/03/1984\"", "\"1962-2-07\""};
  static const char* const kTags[] = {"[]", "[\"vip\", \"beta\"]", "[\"vip\", 7]", "\"vip\"",
                                      "[\"a\",\"b\",\"c\",\"d\",\"e\",\"f\",\"g\",\"h\",\"i\",\"j\",\"k\"]"};
  static const char* const kZip[] = {"\"06082\"", "\"6082\"", "6082"};
  static const char* const kSource[] = {"\"web\"", "\"partner\"", "\"fax\"", "null"};
  // The first choice (valid) most of the time.
  auto pick = [&rng](const auto& choices) -> std::string {
    return rng.Chance(0.85) ? choices[0] : rng.Pick(choices);
  };
  std::vector<std::string> members;
  auto maybe = [&](double p, const std::string& member) {
    if (rng.Chance(p)) members.push_back(member);
  };
  maybe(0.98, std::string("\"user_id\": ") + pick(kUserId));
  maybe(0.98, std::string("\"email\": ") + pick(kEmail));
  maybe(0.98, std::string("\"consent\": ") + (rng.Chance(0.97) ? "true" : "\"yes\""));
  maybe(0.7, std::string("\"name\": ") + pick(kName));
  maybe(0.7, std::string("\"dob\": ") + pick(kDob));
  maybe(0.7, std::string("\"tags\": ") + pick(kTags));
  maybe(0.7, std::string("\"source\": ") + pick(kSource));
  if (rng.Chance(0.7)) {
    std::vector<std::string> address;
    if (rng.Chance(0.95)) address.push_back("\"street\": \"12 Oak Avenue\"");
    if (rng.Chance(0.95)) address.push_back("\"city\": \"Austin\"");
    if (rng.Chance(0.95)) address.push_back(std::string("\"zip\": ") + pick(kZip));
    if (rng.Chance(0.02)) address.push_back("\"country\": \"US\"");
    rng.Shuffle(address);
    std::string a = "{";
    for (size_t i = 0; i < address.size(); ++i) a += (i ? ", " : "") + address[i];
    members.push_back("\"address\": " + a + "}");
  }
  maybe(0.02, "\"ssn\": \"123-45-6789\"");
  rng.Shuffle(members);
  std::string s = "{";
  for (size_t i = 0; i < members.size(); ++i) s += (i ? ", " : "") + members[i];
  return s + "}";
}

// A random array of short strings and small integers, often with the shape the array
// schema below wants.
std::string RandomArray(SplitMix64& rng) {
  static const char* const kItems[] = {"\"b\"", "\"x\"", "\"xy\"", "\"xyz\"", "\"\"",
                                       "\"a\"", "1",     "null",    "{}",      "[]"};
  std::string s = "[";
  int n = rng.Range(0, 6);
  for (int i = 0; i < n; ++i) {
    std::string item = i == 0 && rng.Chance(0.8) ? "7" : rng.Pick(kItems);
    s += (i ? ", " : "") + item;
  }
  return s + "]";
}

TEST(SchemaView, FastProgramAgreesWithTheNodeEvaluator) {
  // The schema of the SQL benchmarks (bench/intake_schema.sql).
  const std::string kIntake = comply::bench::IntakeSchemaJson();
  const char* const kOthers[] = {
      R"({"type": ["object", "array", "null"], "minProperties": 1, "maxProperties": 4,
          "properties": {"a": {"anyOf": [{"type": "integer", "multipleOf": 3},
                                         {"type": "string", "pattern": "^x+$"}]},
                         "b": {"oneOf": [{"minimum": 2}, {"maximum": 5}]},
                         "c": {"not": {"type": "array"}}, "bb": {"const": "b"}},
          "patternProperties": {"^c": {"type": "string"}, "a$": {"maxLength": 1}},
          "additionalProperties": {"type": ["integer", "boolean"]},
          "required": ["a"], "dependentRequired": {"a": ["b"]},
          "dependentSchemas": {"b": {"required": ["c"]}}, "propertyNames": {"maxLength": 2},
          "if": {"required": ["c"]}, "then": {"properties": {"c": {"const": "x"}}},
          "else": {"required": ["bb"]}, "maxItems": 3, "items": {"$ref": "#"}})",
      R"({"type": "array", "prefixItems": [{"type": "integer"}, {"enum": ["a", 1, null]}],
          "items": {"type": ["string", "object"], "minLength": 1, "maxLength": 2},
          "contains": {"const": "b"}, "minContains": 1, "maxContains": 2, "uniqueItems": true,
          "minItems": 1, "maxItems": 5})",
      R"({"$defs": {"node": {"type": "object", "required": ["b"],
                             "properties": {"a": {"$ref": "#/$defs/node"},
                                            "b": {"type": "integer", "exclusiveMinimum": 0,
                                                  "exclusiveMaximum": 10}},
                             "additionalProperties": false}},
          "anyOf": [{"$ref": "#/$defs/node"}, {"type": "array", "items": {"$ref": "#"}}]})",
      // Every mode of its own (compiled.h, FastNode::Mode) on the keys of RandomJson.
      R"({"type": "object",
          "properties": {"a": {"type": "string", "minLength": 1, "maxLength": 2},
                         "b": {"type": "string", "pattern": "^[0-9]{2}$"},
                         "c": {"enum": ["x", "ab", "\u00e9"]},
                         "x": {"type": "array", "maxItems": 2,
                               "items": {"type": "integer", "minimum": 2}},
                         "bb": {"type": "object", "required": ["a"],
                                "properties": {"a": {"type": "number", "maximum": 5}}},
                         "cc": {"type": ["string", "null"]},
                         "ca": {"type": "string", "pattern": "^x+$"},
                         "zip": {"type": "string", "pattern": "^.$"}}})",
      R"({"$schema": "http://json-schema.org/draft-07/schema#", "type": "object",
          "dependencies": {"a": ["b"], "b": {"properties": {"a": {"type": "integer"}}}},
          "properties": {"x": {"items": [{"type": "string"}], "additionalItems": false},
                         "c": {"contains": {"type": "null"}}},
          "required": ["x"]})"};
  SplitMix64 rng(20261128);
  ValidateOptions options;
  auto check = [&](const CompiledSchema& compiled, const std::string& text, size_t* valid) {
    SCOPED_TRACE(text);
    Value doc = json::Parse(text);
    JsonbOrders orders;
    ExpectFastAgrees(compiled, ValueView(doc), options);
    ExpectFastAgrees(compiled, JsonbLikeView(doc, &orders), options);
    *valid += IsValid(compiled, ValueView(doc), options);
  };
  auto intake = CompiledSchema::Compile(json::Parse(kIntake));
  ASSERT_TRUE(static_cast<const internal::CompiledImpl&>(*intake).fast_);
  // The intake schema's nodes have the modes of their own (all but one, below).
  {
    using Mode = internal::FastNode::Mode;
    std::set<Mode> modes;
    for (const internal::FastNode& n :
         static_cast<const internal::CompiledImpl&>(*intake).fast_->nodes)
      modes.insert(n.mode);
    for (Mode m :
         {Mode::kObject, Mode::kArray, Mode::kEnumStrings, Mode::kLeafTypes, Mode::kLeafString,
          Mode::kLeafStringFixed, Mode::kLeafStringDfa, Mode::kLeafNumber})
      EXPECT_EQ(modes.count(m), 1u) << static_cast<int>(m);
  }
  size_t valid = 0;
  const size_t kDocs = 20000;
  for (size_t i = 0; i < kDocs; ++i) check(*intake, RandomIntake(rng), &valid);
  EXPECT_GT(valid, kDocs / 20);
  EXPECT_LT(valid, kDocs * 19 / 20);
  for (const char* text : kOthers) {
    auto compiled = CompiledSchema::Compile(json::Parse(text));
    ASSERT_TRUE(static_cast<const internal::CompiledImpl&>(*compiled).fast_) << text;
    valid = 0;
    const bool arrays = std::string(text).find("prefixItems") != std::string::npos;
    for (size_t i = 0; i < kDocs; ++i)
      check(*compiled, arrays ? RandomArray(rng) : RandomJson(rng, 3), &valid);
    EXPECT_GT(valid, kDocs / 200) << text;
    EXPECT_LT(valid, kDocs * 19 / 20) << text;
  }
}

// Property names that look alike: prefixes of each other, one length with different
// bytes (up to 8 bytes the codes are exact, beyond they are hashes), non-ASCII, empty,
// and long.
TEST(SchemaView, FastPropertyLookupAgreesOnLookalikeKeys) {
  const std::vector<std::string> names = {"",
                                          "a",
                                          "b",
                                          "ab",
                                          "ba",
                                          "abc",
                                          "key1",
                                          "key2",
                                          "abcdefgh",
                                          "abcdefgi",
                                          "abcdefghi",
                                          "abcdefghj",
                                          "\u00e9",
                                          "\u00fc1",
                                          "\u65e5\u672c",
                                          "nest",
                                          "nested",
                                          std::string(31, 'k'),
                                          std::string(32, 'k')};
  // Keys of the documents that are no property: same lengths, other bytes; one byte
  // more or less; a decomposed accent; longer than any name.
  const std::vector<std::string> strangers = {"c",
                                              "aa",
                                              "abd",
                                              "key3",
                                              "key",
                                              "abcdefgg",
                                              "abcdefghk",
                                              "bcdefghi",
                                              "e\u0301",
                                              "\u00e8",
                                              "\u65e5",
                                              "nesu",
                                              std::string(30, 'k'),
                                              std::string(33, 'k'),
                                              "abcdefghijklmnop"};
  // Four schemas: the names; the same with a 40-byte name; with a 300-byte name (too
  // long for the hash: binary search then); and with patternProperties beside them.
  auto schema_text = [&](const std::string& extra_name, const std::string& extra) {
    std::string props;
    for (size_t i = 0; i < names.size(); ++i) {
      const std::string sub = names[i].rfind("nest", 0) == 0
                                  ? R"({"$ref": "#"})"
                                  : R"({"type": "integer", "minimum": )" + std::to_string(i) + "}";
      props += (i ? ", " : "") + ("\"" + names[i] + "\": " + sub);
    }
    if (!extra_name.empty()) props += ", \"" + extra_name + R"(": {"type": "boolean"})";
    return R"({"type": "object", "required": ["a"], "additionalProperties": false, )" + extra +
           R"("properties": {)" + props + "}}";
  };
  const std::string long_name(40, 'q');
  const std::string longer_name(300, 'q');
  const std::vector<std::string> cases = {
      schema_text("", ""), schema_text(long_name, ""), schema_text(longer_name, ""),
      schema_text("", R"("patternProperties": {"^k+$": {"type": "integer"}}, )")};
  std::vector<std::string> keys = names;
  keys.insert(keys.end(), strangers.begin(), strangers.end());
  keys.push_back(long_name);
  keys.push_back(longer_name);
  SplitMix64 rng(11);
  ValidateOptions options;
  // An object of distinct keys (mostly properties, "a" often), integers mostly within
  // the minimum, nested objects under "nest" and "nested", sometimes empty.
  std::function<std::string(int)> random_object = [&](int depth) {
    std::vector<std::string> chosen;
    if (rng.Chance(0.8)) chosen.push_back("a");
    for (int n = rng.Range(0, 5); n > 0; --n) {
      const std::string& k =
          rng.Chance(0.75) ? names[rng.Next() % names.size()] : keys[rng.Next() % keys.size()];
      if (std::find(chosen.begin(), chosen.end(), k) == chosen.end()) chosen.push_back(k);
    }
    rng.Shuffle(chosen);
    std::string s = "{";
    for (size_t i = 0; i < chosen.size(); ++i) {
      std::string value;
      if (chosen[i].rfind("nest", 0) == 0)
        value = depth > 0 && rng.Chance(0.9) ? random_object(depth - 1) : "{}";
      else if (chosen[i] == long_name || chosen[i] == longer_name)
        value = rng.Chance(0.8) ? "true" : "1";
      else
        value = std::to_string(rng.Range(0, 60));
      s += (i ? ", " : "") + ("\"" + chosen[i] + "\": " + value);
    }
    return s + "}";
  };
  for (const std::string& schema : cases) {
    SCOPED_TRACE(schema);
    auto compiled = CompiledSchema::Compile(json::Parse(schema));
    ASSERT_TRUE(static_cast<const internal::CompiledImpl&>(*compiled).fast_);
    size_t valid = 0;
    const size_t kDocs = 20000;
    for (size_t i = 0; i < kDocs; ++i) {
      const std::string text = i == 0 ? "{}" : i == 1 ? R"({"a": 1})" : random_object(4);
      SCOPED_TRACE(text);
      Value doc = json::Parse(text);
      JsonbOrders orders;
      ExpectFastAgrees(*compiled, ValueView(doc), options);
      ExpectFastAgrees(*compiled, JsonbLikeView(doc, &orders), options);
      valid += IsValid(*compiled, ValueView(doc), options);
    }
    EXPECT_GT(valid, kDocs / 20);
    EXPECT_LT(valid, kDocs * 19 / 20);
  }
}

// Objects and arrays with modes of their own (kObject, kArray) nested around the depth
// limit: the fast program counts depth as the node evaluator does, so it never claims
// validity where the node evaluator reaches the limit. Arrays nest in the schema itself;
// objects through a chain of $defs (two levels of depth each: the reference, then the
// object), since JSON text nests at most 512 deep.
TEST(SchemaView, FastNestedNodesAgreeAtTheDepthLimit) {
  ValidateOptions options;
  const std::string leaf_schema = R"({"type": "string", "minLength": 1})";
  size_t valid = 0, limits = 0;  // by the node evaluator, over all cases
  auto check = [&](const std::string& schema, bool arrays, int levels) {
    auto compiled = CompiledSchema::Compile(json::Parse(schema));
    const auto& impl = static_cast<const internal::CompiledImpl&>(*compiled);
    ASSERT_TRUE(impl.fast_);
    for (int doc_levels : {levels - 1, levels, levels + 1}) {
      for (const char* leaf : {"\"x\"", "\"\"", "1"}) {
        std::string text = leaf;
        for (int i = 0; i < doc_levels; ++i)
          text = arrays ? "[" + text + "]" : R"({"n": )" + text + "}";
        SCOPED_TRACE(std::to_string(levels) + " " + std::to_string(doc_levels) + " " + leaf);
        Value doc = json::Parse(text);
        JsonbOrders orders;
        ExpectFastAgrees(*compiled, ValueView(doc), options);
        ExpectFastAgrees(*compiled, JsonbLikeView(doc, &orders), options);
        try {
          valid += internal::IsValidByNodes(impl, ValueView(doc), options);
        } catch (const Error&) {
          ++limits;
        }
      }
    }
  };
  for (int levels = kMaxDepth - 3; levels <= kMaxDepth + 1; ++levels) {
    std::string schema = leaf_schema;
    for (int i = 0; i < levels; ++i)
      schema = R"({"type": "array", "maxItems": 2, "items": )" + schema + "}";
    check(schema, true, levels);
  }
  for (int levels = kMaxDepth / 2 - 3; levels <= kMaxDepth / 2 + 1; ++levels) {
    std::string defs;
    for (int i = 0; i < levels; ++i)
      defs += "\"d" + std::to_string(i) +
              R"(": {"type": "object", "properties": {"n": {"$ref": "#/$defs/d)" +
              std::to_string(i + 1) + "\"}}}, ";
    defs += "\"d" + std::to_string(levels) + "\": " + leaf_schema;
    check(R"({"$ref": "#/$defs/d0", "$defs": {)" + defs + "}}", false, levels);
  }
  // Both sides of the limit were reached.
  EXPECT_GT(valid, 0u);
  EXPECT_GT(limits, 0u);
}

TEST(SchemaView, IsIntegerAsFloorSaysIt) {
  const double kInf = std::numeric_limits<double>::infinity();
  std::vector<double> values = {0.0,
                                -0.0,
                                1.0,
                                -1.0,
                                0.5,
                                -0.5,
                                1.5,
                                -2.5,
                                1e-300,
                                1e15,
                                1e16,
                                1e300,
                                -1e300,
                                kInf,
                                -kInf,
                                std::numeric_limits<double>::quiet_NaN(),
                                9007199254740993.0,
                                std::numeric_limits<double>::max(),
                                std::numeric_limits<double>::min()};
  // Around 2^52 (from where every double is an integer) and 2^63 (int64's limit).
  for (double edge : {4503599627370496.0, 9223372036854775808.0}) {
    for (double d = edge; d > edge / 2; d = std::nextafter(d, 0.0)) {
      values.push_back(d);
      values.push_back(-d);
      if (values.size() > 200) break;
    }
    values.push_back(std::nextafter(edge, kInf));
    values.push_back(-std::nextafter(edge, kInf));
  }
  SplitMix64 rng(3);
  for (int i = 0; i < 100000; ++i) {
    const double d = static_cast<double>(static_cast<int64_t>(rng.Next() >> rng.Range(0, 63))) /
                     static_cast<double>(1u << rng.Range(0, 4));
    values.push_back(rng.Chance(0.5) ? d : -d);
  }
  // (Infinity stands for a decimal beyond the doubles' range, which is an integer.)
  for (double d : values)
    EXPECT_EQ(internal::IsInteger(d), std::isinf(d) || (std::isfinite(d) && d == std::floor(d))) << d;
}

TEST(SchemaView, KeyCodesOrderKeysAsTheirBytes) {
  // Every pair of keys of one length up to 8 over a few bytes (high bytes included).
  const std::string alphabet = "a_z\x7f\x80\xff";
  SplitMix64 rng(7);
  size_t compared = 0;
  for (size_t len = 0; len <= 8; ++len) {
    for (int k = 0; k < 4000; ++k) {
      std::string a, b;
      for (size_t i = 0; i < len; ++i) {
        a += alphabet[rng.Next() % alphabet.size()];
        // Often the same byte, so that keys differ late or not at all.
        b += rng.Chance(0.7) ? a.back() : alphabet[rng.Next() % alphabet.size()];
      }
      uint64_t ca = internal::KeyCode(a.data(), len), cb = internal::KeyCode(b.data(), len);
      int bytes = internal::CompareBytes(a.data(), b.data(), len);
      int codes = ca < cb ? -1 : ca > cb ? 1 : 0;
      ASSERT_EQ(codes, bytes) << "keys of length " << len;
      ++compared;
    }
  }
  EXPECT_EQ(compared, 36000u);
}

}  // namespace
}  // namespace comply::schema
