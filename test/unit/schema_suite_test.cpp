// Runs the official JSON-Schema-Test-Suite (draft 2020-12 and draft-07) against the
// validator. Known failures are listed, with reasons, in schema_known_failures.txt; the
// test fails on any unlisted failure and on any listed test that now passes.
#include <gtest/gtest.h>

#include <dirent.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/json.h"
#include "core/schema/validator.h"
#include "test_util.h"

namespace comply::schema {
namespace {

const std::string kSuite = COMPLY_SOURCE_DIR "/../shared/testdata/json-schema-test-suite";
const std::string kKnownFailures = COMPLY_SOURCE_DIR "/test/unit/schema_known_failures.txt";

using test::JsonFiles;
using test::ReadFile;

std::string Trim(std::string s) {
  size_t b = s.find_first_not_of(" \t\r\n");
  size_t e = s.find_last_not_of(" \t\r\n");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

// Serves the suite's remotes/ folder as http://localhost:1234/.
class Remotes {
 public:
  const json::Value* Get(std::string_view uri) {
    static const std::string kPrefix = "http://localhost:1234/";
    if (uri.substr(0, kPrefix.size()) != kPrefix) return nullptr;
    std::string rel(uri.substr(kPrefix.size()));
    auto it = cache_.find(rel);
    if (it != cache_.end()) return it->second.get();
    std::string text;
    std::unique_ptr<json::Value> doc;
    if (rel.find("..") == std::string::npos && ReadFile(kSuite + "/remotes/" + rel, &text))
      doc = std::make_unique<json::Value>(json::Parse(text));
    const json::Value* raw = doc.get();
    cache_[rel] = std::move(doc);
    return raw;
  }

 private:
  std::map<std::string, std::unique_ptr<json::Value>> cache_;
};

struct Category {
  std::string label;
  std::string dir;       // relative to tests/
  std::string key_dir;   // prefix for the known-failures key
  Dialect dialect;
  bool format_assert;
  bool required;
};

TEST(SchemaSuite, Conformance) {
  std::map<std::string, std::string> known;  // key -> reason
  {
    std::ifstream in(kKnownFailures);
    std::string line;
    while (std::getline(in, line)) {
      if (Trim(line).empty() || Trim(line)[0] == '#') continue;
      std::vector<std::string> parts;
      size_t pos = 0;
      for (int i = 0; i < 3; ++i) {
        size_t bar = line.find(" | ", pos);
        if (bar == std::string::npos) break;
        parts.push_back(Trim(line.substr(pos, bar - pos)));
        pos = bar + 3;
      }
      parts.push_back(Trim(line.substr(pos)));
      ASSERT_EQ(parts.size(), 4u) << "malformed known-failures line: " << line;
      ASSERT_FALSE(parts[3].empty()) << "known failure without a reason: " << line;
      known[parts[0] + " | " + parts[1] + " | " + parts[2]] = parts[3];
    }
  }
  const std::vector<Category> categories = {
      {"draft2020-12 required", "draft2020-12", "draft2020-12", Dialect::kDraft202012, false,
       true},
      {"draft2020-12 optional/format", "draft2020-12/optional/format",
       "draft2020-12/optional/format", Dialect::kDraft202012, true, false},
      {"draft7 required", "draft7", "draft7", Dialect::kDraft7, false, true},
      {"draft7 optional/format", "draft7/optional/format", "draft7/optional/format",
       Dialect::kDraft7, true, false},
  };
  Remotes remotes;
  Resolver resolver = [&remotes](std::string_view uri) { return remotes.Get(uri); };
  std::vector<std::string> unexpected, fixed;
  std::set<std::string> seen;
  const bool dump = std::getenv("COMPLY_SCHEMA_SUITE_DUMP") != nullptr;
  for (const Category& cat : categories) {
    size_t total = 0, passed = 0;
    for (const std::string& file : JsonFiles(kSuite + "/tests/" + cat.dir)) {
      std::string text;
      ASSERT_TRUE(ReadFile(kSuite + "/tests/" + cat.dir + "/" + file, &text));
      json::Value cases = json::Parse(text);
      for (const json::Value& tc : cases.as_array()) {
        const std::string& case_desc = tc.Find("description")->as_string();
        std::shared_ptr<const CompiledSchema> schema;
        std::string compile_error;
        try {
          schema = CompiledSchema::Compile(*tc.Find("schema"), resolver, cat.dialect);
        } catch (const Error& e) {
          compile_error = e.what();
        }
        // Every suite schema is a valid schema: the bundled metaschemas must agree.
        if (schema && cat.dialect == Dialect::kDraft202012) {
          try {
            CompileChecked(*tc.Find("schema"), resolver);
          } catch (const Error& e) {
            if (std::string(e.sqlstate()) == "22023")
              ADD_FAILURE() << "metaschema rejects " << cat.dir << "/" << file << " | "
                            << case_desc << ": " << e.what();
          }
        }
        for (const json::Value& t : tc.Find("tests")->as_array()) {
          const std::string& desc = t.Find("description")->as_string();
          bool expected = t.Find("valid")->as_bool();
          bool ok = false;
          std::string why;
          if (schema) {
            ValidateOptions opts;
            opts.format_assert = cat.format_assert;
            try {
              bool valid = schema->IsValid(*t.Find("data"), opts);
              bool valid2 = schema->Validate(*t.Find("data"), opts).empty();
              ok = valid == expected && valid2 == expected;
              if (!ok) why = valid != valid2 ? "IsValid and Validate disagree" : "wrong result";
            } catch (const Error& e) {
              why = std::string("error: ") + e.what();
            }
          } else {
            why = "compile error: " + compile_error;
          }
          ++total;
          std::string key = cat.key_dir + "/" + file + " | " + case_desc + " | " + desc;
          seen.insert(key);
          bool listed = known.count(key) > 0;
          if (ok) {
            ++passed;
            if (listed) fixed.push_back(key);
          } else if (!listed) {
            unexpected.push_back(key + " | " + why);
            if (dump) std::printf("%s | %s\n", key.c_str(), why.c_str());
          }
        }
      }
    }
    double rate = total ? 100.0 * passed / total : 0;
    std::printf("%s: %zu/%zu passed (%.1f%%)\n", cat.label.c_str(), passed, total, rate);
    if (cat.required) EXPECT_GE(rate, 98.0) << cat.label << " pass rate below 98%";
  }
  for (const auto& [key, reason] : known)
    if (!seen.count(key)) ADD_FAILURE() << "known failure names no test: " << key;
  for (const std::string& k : unexpected) ADD_FAILURE() << "unexpected failure: " << k;
  for (const std::string& k : fixed)
    ADD_FAILURE() << "listed as known failure but passes (remove it): " << k;
}

}  // namespace
}  // namespace comply::schema
