// The validator's results do not depend on the document's representation: the whole
// JSON-Schema-Test-Suite, evaluated through ValueView and through a view laid out as
// jsonb is (members ordered by key length then bytes, found by binary search; numbers
// read back from their text), gives the same validity and the same errors. The glue's
// JsonbView is checked against the previous, copying implementation by the pg_regress
// suites (sql/06_validate*.sql).
#include <gtest/gtest.h>

#include <dirent.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "core/error.h"
#include "core/json.h"
#include "core/schema/evaluate.h"
#include "core/schema/validator.h"
#include "core/schema/view.h"

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

using ErrorKey = std::tuple<std::string, std::string, std::string, std::string>;

// The errors as sortable tuples.
std::vector<ErrorKey> Keys(const std::vector<ValidationError>& errors) {
  std::vector<ErrorKey> out;
  for (const ValidationError& e : errors)
    out.emplace_back(e.instance_path, e.schema_path, e.keyword, e.message);
  return out;
}

// Reads a whole file, or returns false.
bool ReadFile(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::stringstream ss;
  ss << in.rdbuf();
  *out = ss.str();
  return true;
}

// Lists *.json files of a directory, sorted.
std::vector<std::string> JsonFiles(const std::string& dir) {
  std::vector<std::string> out;
  if (DIR* d = opendir(dir.c_str())) {
    while (dirent* e = readdir(d)) {
      std::string name = e->d_name;
      if (name.size() > 5 && name.substr(name.size() - 5) == ".json") out.push_back(name);
    }
    closedir(d);
  }
  std::sort(out.begin(), out.end());
  return out;
}

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
  size_t compared = 0, with_errors = 0, reordered = 0;
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
  std::printf("compared %zu suite tests (%zu with errors, %zu listed in another order)\n", compared,
              with_errors, reordered);
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

}  // namespace
}  // namespace comply::schema
