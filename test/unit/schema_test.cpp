// Focused tests of the JSON Schema validator: messages, paths, limits, compile errors.
#include <gtest/gtest.h>

#include <random>
#include <string>

#include "core/error.h"
#include "core/json.h"
#include "core/schema/instance.h"
#include "core/schema/internal.h"
#include "core/schema/validator.h"

namespace comply::schema {
namespace {

std::shared_ptr<const CompiledSchema> Make(const std::string& schema) {
  return CompiledSchema::Compile(json::Parse(schema));
}

std::vector<ValidationError> Errors(const std::string& schema, const std::string& instance,
                                    bool format_assert = false) {
  ValidateOptions opts;
  opts.format_assert = format_assert;
  return Make(schema)->Validate(json::Parse(instance), opts);
}

// Returns the SQLSTATE of the comply::Error that f throws, or "" if none.
template <typename F>
std::string StateOf(F f) {
  try {
    f();
  } catch (const Error& e) {
    return e.sqlstate();
  }
  return "";
}

TEST(SchemaTest, TypeMessageDescribesRuleNotValue) {
  auto errors = Errors(R"({"properties": {"age": {"type": "integer"}}})",
                       R"({"age": "secret-value"})");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].instance_path, "/age");
  EXPECT_EQ(errors[0].schema_path, "/properties/age/type");
  EXPECT_EQ(errors[0].keyword, "type");
  EXPECT_EQ(errors[0].message, "expected type integer, got string");
  EXPECT_EQ(errors[0].message.find("secret"), std::string::npos);
}

TEST(SchemaTest, RequiredNamesProperty) {
  auto errors = Errors(R"({"required": ["user_id"]})", "{}");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].message, "missing required property \"user_id\"");
  EXPECT_EQ(errors[0].schema_path, "/required");
}

TEST(SchemaTest, MessagesNeverQuoteInstanceValues) {
  const std::string secret = "\"john.doe@example.com-very-long-secret\"";
  for (const char* schema :
       {R"({"maxLength": 5})", R"({"enum": ["a"]})", R"({"const": "a"})",
        R"({"pattern": "^[0-9]+$"})", R"({"format": "date"})", R"({"not": {}})",
        R"({"anyOf": [{"type": "number"}]})", R"({"oneOf": [{"type": "number"}]})"}) {
    for (const auto& e : Errors(schema, secret, true)) {
      EXPECT_EQ(e.message.find("john"), std::string::npos) << schema << ": " << e.message;
    }
  }
  auto errors = Errors(R"({"maxLength": 64})", "\"" + std::string(65, 'x') + "\"");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].message, "string longer than 64 characters");
}

TEST(SchemaTest, PathsEscapePointerCharacters) {
  auto errors = Errors(R"({"properties": {"a/b~c": {"type": "string"}}})", R"({"a/b~c": 1})");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].instance_path, "/a~1b~0c");
  EXPECT_EQ(errors[0].schema_path, "/properties/a~1b~0c/type");
}

TEST(SchemaTest, SchemaPathFollowsRef) {
  auto errors = Errors(R"({"$defs": {"n": {"minimum": 3}}, "items": {"$ref": "#/$defs/n"}})",
                       "[5, 1]");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].instance_path, "/1");
  EXPECT_EQ(errors[0].schema_path, "/items/$ref/minimum");
}

TEST(SchemaTest, ErrorsFollowInstanceOrderAndRespectMaxErrors) {
  auto schema = Make(R"({"additionalProperties": {"type": "string"}})");
  auto errors = schema->Validate(json::Parse(R"({"b": 1, "a": 2, "c": 3})"), {});
  ASSERT_EQ(errors.size(), 3u);
  EXPECT_EQ(errors[0].instance_path, "/b");
  EXPECT_EQ(errors[1].instance_path, "/a");
  ValidateOptions one;
  one.max_errors = 1;
  EXPECT_EQ(schema->Validate(json::Parse(R"({"b": 1, "a": 2})"), one).size(), 1u);
  EXPECT_FALSE(schema->IsValid(json::Parse(R"({"b": 1})"), {}));
}

TEST(SchemaTest, MultipleOfIsExactForDecimals) {
  auto schema = Make(R"({"multipleOf": 0.01})");
  EXPECT_TRUE(schema->IsValid(json::Parse("19.99"), {}));
  EXPECT_TRUE(schema->IsValid(json::Parse("0.07"), {}));
  EXPECT_FALSE(schema->IsValid(json::Parse("0.075"), {}));
  EXPECT_TRUE(Make(R"({"multipleOf": 0.1})")->IsValid(json::Parse("0.3"), {}));
  // Whatever the number of the instance's digits (a double above 2^53 is always whole).
  EXPECT_FALSE(Make(R"({"multipleOf": 3})")->IsValid(json::Parse("10000000000000000000"), {}));
  EXPECT_FALSE(Make(R"({"multipleOf": 3})")->IsValid(json::Parse("7e19"), {}));
  EXPECT_FALSE(Make(R"({"multipleOf": 7})")->IsValid(json::Parse("1e20"), {}));
  EXPECT_TRUE(Make(R"({"multipleOf": 7})")->IsValid(json::Parse("7e20"), {}));
  EXPECT_FALSE(Make(R"({"multipleOf": 3})")->IsValid(json::Parse("18446744073709551616"), {}));
  EXPECT_TRUE(Make(R"({"multipleOf": 3})")->IsValid(json::Parse("18446744073709551618"), {}));
  EXPECT_TRUE(Make(R"({"multipleOf": 0.0001})")->IsValid(json::Parse("1e308"), {}));
  EXPECT_TRUE(Make(R"({"multipleOf": 0.5})")->IsValid(json::Parse("1e308"), {}));
  EXPECT_TRUE(Make(R"({"multipleOf": 1e400})")->IsValid(json::Parse("2e400"), {}));
  EXPECT_TRUE(Make(R"({"multipleOf": 2})")->IsValid(json::Parse("1.50e1"), {}) == false);
  EXPECT_TRUE(Make(R"({"multipleOf": 0.25})")->IsValid(json::Parse("-1.750"), {}));
}

// Numbers beyond the doubles' range (read as infinity) are integers, compare exactly for
// const and enum, and schemas with such keyword values are accepted as the metaschema
// accepts them.
TEST(SchemaTest, NumbersBeyondDoublesRange) {
  EXPECT_TRUE(Make(R"({"type": "integer"})")->IsValid(json::Parse("1e309"), {}));
  EXPECT_TRUE(Make(R"({"type": "integer"})")->IsValid(json::Parse("-2.5e400"), {}));
  EXPECT_FALSE(Make(R"({"const": 1e309})")->IsValid(json::Parse("1e310"), {}));
  EXPECT_TRUE(Make(R"({"const": 1e309})")->IsValid(json::Parse("10e308"), {}));
  EXPECT_FALSE(Make(R"({"enum": [1e309, -1e309]})")->IsValid(json::Parse("2e309"), {}));
  EXPECT_TRUE(Make(R"({"enum": [1e309, -1e309]})")->IsValid(json::Parse("-1.0e309"), {}));
  EXPECT_FALSE(Make(R"({"uniqueItems": true})")->IsValid(json::Parse("[1e400, 10e399]"), {}));
  EXPECT_TRUE(Make(R"({"uniqueItems": true})")->IsValid(json::Parse("[1e400, 1e401]"), {}));
  auto tiny = Make(R"({"multipleOf": 1e-400})");
  EXPECT_TRUE(tiny->IsValid(json::Parse("3e-399"), {}));
  EXPECT_FALSE(tiny->IsValid(json::Parse("3e-401"), {}));
  EXPECT_TRUE(Make(R"({"maxItems": 1e400})")->IsValid(json::Parse("[1, 2]"), {}));
  // Bounds beyond the range compare the decimals (both read as infinity).
  EXPECT_FALSE(Make(R"({"maximum": 1e400})")->IsValid(json::Parse("2e400"), {}));
  EXPECT_TRUE(Make(R"({"maximum": 1e400})")->IsValid(json::Parse("10e399"), {}));
  EXPECT_FALSE(Make(R"({"exclusiveMaximum": 1e400})")->IsValid(json::Parse("1e400"), {}));
  EXPECT_TRUE(Make(R"({"exclusiveMaximum": 1e400})")->IsValid(json::Parse("9.9e399"), {}));
  EXPECT_FALSE(Make(R"({"minimum": -1e400})")->IsValid(json::Parse("-2e400"), {}));
  EXPECT_FALSE(Make(R"({"exclusiveMinimum": -1e400})")->IsValid(json::Parse("-1e400"), {}));
  EXPECT_TRUE(Make(R"({"exclusiveMinimum": -1e400})")->IsValid(json::Parse("-0.5e400"), {}));
  EXPECT_EQ(StateOf([] { Make(R"({"multipleOf": 0})"); }), "22023");
  EXPECT_EQ(StateOf([] { Make(R"({"multipleOf": -1e-400})"); }), "22023");
}

// multipleOf with a divisor beyond the doubles' range, written with an exponent or out in
// full (as jsonb writes 1e309: a 1 and 309 zeros), or a quotient that underflows: no
// number but 0 is a multiple of a divisor larger than itself. The fast program (IsValid)
// and the node evaluator (Validate) agree.
TEST(SchemaTest, MultipleOfBeyondDoublesRangeOrUnderflow) {
  const std::string e309 = "1" + std::string(309, '0');
  const std::string e400 = "1" + std::string(400, '0');
  const std::string tiny = "0." + std::string(299, '0') + "1";  // 1e-300
  struct Case {
    std::string divisor, instance;
    bool valid;
  };
  const Case cases[] = {
      {"1e309", "0.5", false},          {e309, "0.5", false},
      {e400, "0.5", false},             {"1e300", "1e-300", false},
      {"1" + std::string(300, '0'), tiny, false},
      {e309, "0", true},                {e309, "2" + std::string(309, '0'), true},
      {e309, "3e309", true},            {e309, "1" + std::string(308, '0'), false},
      {e400, "1e400", true},            {"1e308", "0.5", false},
      {"100", "300", true},             {"100", "350", false},
      {"1" + std::string(18, '0'), "5" + std::string(18, '0'), true},
      // More than 19 significant digits: the doubles decide; a quotient of 0 is none.
      {"1.2345678901234567890123e309", "0.5", false},
      {"1.2345678901234567890123e300", "1e-300", false},
      {"1.2345678901234567890123e300", "0", true},
  };
  for (const Case& c : cases) {
    auto schema = Make(R"({"multipleOf": )" + c.divisor + "}");
    auto doc = json::Parse(c.instance);
    EXPECT_EQ(schema->IsValid(doc, {}), c.valid) << c.divisor << " " << c.instance;
    EXPECT_EQ(schema->Validate(doc, {}).empty(), c.valid) << c.divisor << " " << c.instance;
  }
}

// Bounds, const and enum compare the decimals when their doubles are equal: beyond a
// double's 17 digits as beyond its range; the fast program (IsValid) and the node
// evaluator (Validate) agree.
TEST(SchemaTest, BoundsAndEqualityAreExact) {
  struct Case {
    const char* schema;
    const char* instance;
    bool valid;
  };
  const Case cases[] = {
      {R"({"maximum": 0.3})", "0.30000000000000000001", false},
      {R"({"maximum": 0.3})", "0.29999999999999999999", true},
      {R"({"maximum": 0.3})", "0.300", true},
      {R"({"exclusiveMaximum": 9007199254740993})", "9007199254740992", true},
      {R"({"exclusiveMaximum": 9007199254740993})", "9007199254740993.0", false},
      {R"({"minimum": 9007199254740993})", "9007199254740992", false},
      {R"({"minimum": 9007199254740993})", "9.007199254740993e15", true},
      {R"({"exclusiveMinimum": -0.1})", "-0.10000000000000000001", false},
      {R"({"exclusiveMinimum": -0.1})", "-0.09999999999999999999", true},
      {R"({"minimum": 0, "maximum": 0})", "-0.0", true},
      {R"({"type": "object", "properties": {"n": {"minimum": 1, "maximum": 2}}})",
       R"({"n": 2.00000000000000000001})", false},
      {R"({"type": "object", "properties": {"n": {"minimum": 1, "maximum": 2}}})",
       R"({"n": 0.99999999999999999999})", false},
      {R"({"type": "object", "properties": {"n": {"minimum": 1, "maximum": 2}}})",
       R"({"n": 2.0})", true},
      {R"({"const": 9007199254740993})", "9007199254740992", false},
      {R"({"const": 9007199254740993})", "9007199254740993.000", true},
      {R"({"enum": [0.1, 2]})", "0.10000000000000000001", false},
      {R"({"uniqueItems": true})", "[0.1, 0.10000000000000000001]", true},
      {R"({"uniqueItems": true})", "[0.1, 0.1000]", false},
      {R"({"type": "integer"})", "1.0000000000000001", false},
      {R"({"type": "integer"})", "4503599627370496.5", false},
      {R"({"type": "integer"})", "1.000", true},
      {R"({"type": "integer"})", "1.5e1", true},
      {R"({"type": "integer"})", "1.55e1", false},
      {R"({"type": "integer"})", "15e-1", false},
      {R"({"type": "integer"})", "150e-1", true},
      {R"({"type": "integer"})", "1e400", true},
      {R"({"type": "object", "properties": {"n": {"type": "integer", "minimum": 1}}})",
       R"({"n": 2.0000000000000001})", false},
  };
  for (const Case& k : cases) {
    auto schema = Make(k.schema);
    const json::Value instance = json::Parse(k.instance);
    EXPECT_EQ(schema->IsValid(instance, {}), k.valid) << k.schema << " " << k.instance;
    EXPECT_EQ(schema->Validate(instance, {}).empty(), k.valid) << k.schema << " " << k.instance;
  }
}

TEST(SchemaTest, LengthCountsCodePoints) {
  auto schema = Make(R"({"maxLength": 2})");
  EXPECT_TRUE(schema->IsValid(json::Parse("\"\u00e9\u00e9\""), {}));
  EXPECT_FALSE(schema->IsValid(json::Parse("\"abc\""), {}));
}

TEST(SchemaTest, UniqueItemsUsesJsonEquality) {
  EXPECT_FALSE(Make(R"({"uniqueItems": true})")->IsValid(json::Parse("[1, 1.0]"), {}));
}

// Long arrays (past the few compared pairwise) are checked through hashes: equal items
// must be found wherever they are and whatever their form (1 and 1.0, -0 and 0, an
// object's members in another order), and only equal ones. Both evaluators (IsValid's
// fast program, Validate's nodes) are compared with a pairwise reference.
TEST(SchemaTest, UniqueItemsOnLongArraysMatchesPairwise) {
  auto schema = Make(R"({"uniqueItems": true})");
  auto check = [&](const std::string& items, bool unique) {
    json::Value doc = json::Parse("[" + items + "]");
    EXPECT_EQ(schema->IsValid(doc, {}), unique) << items;
    EXPECT_EQ(schema->Validate(doc, {}).empty(), unique) << items;
  };
  std::string many;
  for (int i = 0; i < 200; ++i) many += (i ? "," : "") + std::to_string(i);
  check(many, true);
  check(many + ",199.0", false);
  check("0," + many.substr(2) + ",-0", false);  // -0 == 0
  check(many + ",\"199\"", true);             // a string is not a number
  check(many + ",{\"a\": 1, \"b\": [1, 2]},{\"b\": [1, 2.0], \"a\": 1}", false);
  check(many + ",{\"a\": 1, \"b\": [1, 2]},{\"b\": [2, 1], \"a\": 1}", true);
  check(many + ",[1, [2, 3]],[1, [2, 3.0]]", false);
  check(many + ",[1, [2, 3]],[[2, 3], 1]", true);
  check(many + ",null,true,false,\"\",[],{}", true);
  check(many + ",null,true,false,\"\",[],{},{}", false);
  // Random short strings and numbers, many of them repeated: the verdict is that of
  // the pairwise comparison.
  std::mt19937 rng(7);
  for (int round = 0; round < 50; ++round) {
    std::vector<std::string> items;
    const int n = 17 + static_cast<int>(rng() % 200);
    for (int i = 0; i < n; ++i) {
      const int k = static_cast<int>(rng() % 4000);
      items.push_back(k % 2 ? std::to_string(k) : "\"s" + std::to_string(k) + "\"");
    }
    bool unique = true;
    for (size_t i = 0; i < items.size() && unique; ++i)
      for (size_t j = i + 1; j < items.size(); ++j)
        if (items[i] == items[j]) unique = false;
    std::string joined;
    for (const auto& it : items) joined += (joined.empty() ? "" : ",") + it;
    check(joined, unique);
  }
}

TEST(SchemaTest, UnsupportedPatternIsRefusedAtCompileTime) {
  EXPECT_EQ(StateOf([] { Make(R"J({"pattern": "(a)\\1"})J"); }), "2201B");
  EXPECT_EQ(StateOf([] { Make(R"J({"pattern": "a(?=b)"})J"); }), "2201B");
  EXPECT_EQ(StateOf([] { Make(R"J({"patternProperties": {"(?<=x)y": {}}})J"); }), "2201B");
}

TEST(SchemaTest, UnresolvableRefIsAnError) {
  EXPECT_EQ(StateOf([] { Make(R"({"$ref": "#/$defs/missing"})"); }), "42704");
  EXPECT_EQ(StateOf([] { Make(R"({"$ref": "http://example.com/x.json"})"); }), "42704");
  // Even when the subschema holding it is never reached.
  EXPECT_EQ(StateOf([] { Make(R"({"$defs": {"x": {"$ref": "#nope"}}})"); }), "42704");
  // Array indexes in a pointer are "0" or digits without a leading zero (RFC 6901).
  EXPECT_TRUE(Make(R"({"prefixItems": [true, {"type": "string"}], "items": {"$ref": "#/prefixItems/1"}})")
                  ->IsValid(json::Parse(R"([1, "a", "b"])"), {}));
  for (const char* bad : {"#/prefixItems/01", "#/prefixItems/+1", "#/prefixItems/-0", "#/prefixItems/1x"}) {
    const std::string schema = std::string(R"({"prefixItems": [true, true], "items": {"$ref": ")") + bad + R"("}})";
    EXPECT_EQ(StateOf([&] { Make(schema); }), "42704") << bad;
  }
}

TEST(SchemaTest, UnsupportedSchemaDialect) {
  EXPECT_EQ(StateOf([] { Make(R"({"$schema": "http://json-schema.org/draft-04/schema#"})"); }),
            "0A000");
  EXPECT_EQ(Make(R"({"$schema": "http://json-schema.org/draft-07/schema#"})")->dialect(),
            Dialect::kDraft7);
  EXPECT_EQ(Make("{}")->dialect(), Dialect::kDraft202012);
}

// A schema applying itself to the value it checks, through in-place applicators alone,
// would loop for ever: refused as it compiles (22023), naming the keyword closing the loop.
TEST(SchemaTest, InPlaceLoopsAreRefusedWhenCompiled) {
  const std::pair<const char*, const char*> loops[] = {
      {R"({"$ref": "#"})", "/$ref"},
      {R"({"$defs": {"a": {"$ref": "#/$defs/b"}, "b": {"$ref": "#/$defs/a"}},
          "$ref": "#/$defs/a"})", "/$defs/b/$ref"},
      {R"({"allOf": [{"type": "object"}, {"$ref": "#"}]})", "/allOf/1/$ref"},
      {R"({"anyOf": [{"type": "string"}, {"not": {"$ref": "#"}}]})", "/anyOf/1/not/$ref"},
      {R"({"if": {"type": "string"}, "then": {"$ref": "#"}})", "/then/$ref"},
      {R"({"dependentSchemas": {"a": {"$ref": "#"}}})", "/dependentSchemas/a/$ref"},
      {R"({"$dynamicAnchor": "n", "oneOf": [{"$dynamicRef": "#n"}]})",
       "/oneOf/0/$dynamicRef"},
      // In a definition nothing uses: reported as an unresolvable $ref there would be.
      {R"({"$defs": {"unused": {"allOf": [{"$ref": "#/$defs/unused"}]}}})",
       "/$defs/unused/allOf/0/$ref"},
      {R"({"$schema": "http://json-schema.org/draft-07/schema#",
          "definitions": {"a": {"$ref": "#/definitions/a"}}})", "/definitions/a/$ref"}};
  for (const auto& [text, place] : loops) {
    try {
      Make(text);
      ADD_FAILURE() << "compiled: " << text;
    } catch (const Error& e) {
      EXPECT_STREQ(e.sqlstate(), "22023") << text;
      EXPECT_EQ(std::string(e.what()),
                std::string("invalid schema at ") + place +
                    ": the schema applies itself to the same value without going into it, "
                    "so validation would never end")
          << text;
    }
  }
  try {
    Make(R"({"$defs": {"a": {"$ref": "#/$defs/b"}, "b": {"allOf": [{"$ref": "#/$defs/a"}]}},
            "$ref": "#/$defs/a"})");
    ADD_FAILURE() << "compiled";
  } catch (const Error& e) {
    EXPECT_EQ(e.detail(), "The loop: /$defs/a/$ref -> /$defs/b/allOf/0 -> /$defs/b/allOf/0/$ref -> "
                          "/$defs/a.");
  }
  // Through another document: its places are named with its URI.
  json::Value remote = json::Parse(R"({"$defs": {"back": {"$ref": "urn:example:root"}}})");
  Resolver resolver = [&](std::string_view uri) -> const json::Value* {
    return uri == "urn:example:other" ? &remote : nullptr;
  };
  try {
    CompiledSchema::Compile(json::Parse(R"({"$id": "urn:example:root",
                                            "$ref": "urn:example:other#/$defs/back"})"),
                            resolver);
    ADD_FAILURE() << "compiled";
  } catch (const Error& e) {
    EXPECT_STREQ(e.sqlstate(), "22023");
    EXPECT_EQ(e.detail(), "The loop: /$ref -> /$defs/back/$ref of \"urn:example:other\" -> "
                          "(root).");
  }
  // Recursion that goes into the instance, and the same subschema reached twice in
  // place (not a loop), compile.
  EXPECT_NE(Make(R"({"properties": {"next": {"$ref": "#"}}, "items": {"$ref": "#"},
                     "additionalProperties": {"anyOf": [{"$ref": "#"}]}})"), nullptr);
  EXPECT_NE(Make(R"({"$defs": {"x": {"type": "integer"}, "y": {"$ref": "#/$defs/x"}},
                     "allOf": [{"$ref": "#/$defs/x"}, {"$ref": "#/$defs/y"}],
                     "anyOf": [{"$ref": "#/$defs/y"}], "not": {"not": {"$ref": "#/$defs/y"}}})"),
            nullptr);
}

// What is not a loop but exponential still stops at the evaluator's step bound (54000).
TEST(SchemaTest, ExponentialSchemaHitsStepLimit) {
  std::string defs;
  for (int i = 0; i < 40; ++i)
    defs += "\"d" + std::to_string(i) + "\": {\"anyOf\": [{\"$ref\": \"#/$defs/d" +
            std::to_string(i + 1) + "\"}, {\"$ref\": \"#/$defs/d" + std::to_string(i + 1) +
            "\"}]},";
  auto schema = Make("{\"$defs\": {" + defs + R"("d40": false}, "$ref": "#/$defs/d0"})");
  EXPECT_EQ(StateOf([&] { schema->IsValid(json::Parse("1"), {}); }), "54000");
  EXPECT_EQ(StateOf([&] { schema->Validate(json::Parse("1"), {}); }), "54000");
}

TEST(SchemaTest, RecursiveSchemaValidatesTree) {
  auto schema = Make(R"({"type": "object", "properties": {"kids": {"type": "array",
                         "items": {"$ref": "#"}}}, "required": ["name"]})");
  EXPECT_TRUE(schema->IsValid(json::Parse(R"({"name": 1, "kids": [{"name": 2}]})"), {}));
  auto errors = schema->Validate(json::Parse(R"({"name": 1, "kids": [{"kids": []}]})"), {});
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].instance_path, "/kids/0");
  EXPECT_EQ(errors[0].schema_path, "/properties/kids/items/$ref/required");
}

// Syntax RE2 accepts and ECMA 262 does not is refused (2201B): inline flags for the rest
// of the pattern, Python's named groups, RE2's own escapes (QA 13). ECMA's scoped
// modifiers and the same characters inside a class or escaped are patterns.
TEST(SchemaTest, PatternsOfRe2OnlySyntaxAreRefused) {
  auto quote = [](std::string_view p) {
    std::string out;
    json::AppendQuoted(out, p);
    return out;
  };
  for (const char* p : {"(?i)abc", "a(?s).b", "(?i-s)x", "(?P<n>a)", "a\\z", "\\Aa", "\\Qa.b\\E",
                        "\\C", "[a-z]\\a"}) {
    const std::string schema = std::string(R"({"pattern": )") + quote(p) + "}";
    EXPECT_EQ(StateOf([&] { Make(schema); }), "2201B") << p;
    const std::string props = std::string(R"({"patternProperties": {)") + quote(p) + ": {}}}";
    EXPECT_EQ(StateOf([&] { Make(props); }), "2201B") << p;
  }
  for (const char* p : {"(?i:abc)", "[(?i)]", "\\(?i\\)", "(?:a)", "(?<n>a)b"}) {
    const std::string schema = std::string(R"({"pattern": )") + quote(p) + "}";
    EXPECT_EQ(StateOf([&] { Make(schema); }), "") << p;
  }
}

// ECMA-262 patterns: "." matches no line terminator (\n, \r, U+2028, U+2029), and a
// surrogate pair written as two \u escapes is the one character it encodes.
TEST(SchemaTest, PatternDotAndSurrogatePairsAreEcma) {
  auto dot = Make(R"({"pattern": "^a.c$"})");
  EXPECT_TRUE(dot->IsValid(json::Parse(R"("abc")"), {}));
  EXPECT_TRUE(dot->IsValid(json::Parse(R"("a\u00e9c")"), {}));
  for (const char* terminator : {R"("a\nc")", R"("a\rc")", R"("a\u2028c")", R"("a\u2029c")"})
    EXPECT_FALSE(dot->IsValid(json::Parse(terminator), {})) << terminator;
  auto escaped_dot = Make(R"({"pattern": "^a\\.[.]c$"})");
  EXPECT_TRUE(escaped_dot->IsValid(json::Parse(R"("a..c")"), {}));
  EXPECT_FALSE(escaped_dot->IsValid(json::Parse(R"("axxc")"), {}));
  auto emoji = Make(R"({"pattern": "^\\uD83D\\uDE00$"})");
  EXPECT_TRUE(emoji->IsValid(json::Parse(R"("\uD83D\uDE00")"), {}));  // U+1F600
  EXPECT_FALSE(emoji->IsValid(json::Parse(R"("\uD83D\uDE01")"), {}));
}

// \s and \S are ECMA's (Unicode spaces) in a class too; \u{...} names a code point.
TEST(SchemaTest, PatternSpaceClassesAndBracedEscapesAreEcma) {
  auto not_space = Make(R"({"pattern": "^[\\S]$"})");
  auto space_or_x = Make(R"({"pattern": "^[\\sx]$"})");
  auto neither = Make(R"({"pattern": "^[^\\S]$"})");
  for (const char* space : {R"(" ")", R"("\u00a0")", R"("\u000b")", R"("\u1680")", R"("\u2005")",
                            R"("\u202f")", R"("\u205f")", R"("\u3000")", R"("\ufeff")", R"("\u2028")"}) {
    const json::Value v = json::Parse(space);
    EXPECT_FALSE(not_space->IsValid(v, {})) << space;
    EXPECT_FALSE(not_space->Validate(v, {}).empty()) << space;
    EXPECT_TRUE(space_or_x->IsValid(v, {})) << space;
    EXPECT_TRUE(neither->IsValid(v, {})) << space;
  }
  for (const char* other : {R"("a")", R"("\u00e9")", R"("\u200b")", R"("\u3001")", R"("\uD83D\uDE00")"}) {
    const json::Value v = json::Parse(other);
    EXPECT_TRUE(not_space->IsValid(v, {})) << other;
    EXPECT_FALSE(neither->IsValid(v, {})) << other;
  }
  auto braced = Make(R"({"pattern": "^\\u{1F600}\\u{e9}$"})");
  EXPECT_TRUE(braced->IsValid(json::Parse(R"("\uD83D\uDE00\u00e9")"), {}));
  EXPECT_FALSE(braced->IsValid(json::Parse(R"("\uD83D\uDE01\u00e9")"), {}));
}

TEST(SchemaTest, CancelIsPolled) {
  auto schema = Make(R"({"items": {"type": "number"}})");
  json::Value::Array items(20000, json::Value::Number(1));
  CancelCheck cancel = [] { throw Cancelled(); };
  ValidateOptions opts;
  opts.cancel = &cancel;
  EXPECT_THROW(schema->IsValid(json::Value::MakeArray(items), opts), Cancelled);
}

// Compiling a schema of many subschemas polls for cancellation too, and references into
// a large "$defs" resolve without reading its members one by one for each (that made
// 100,000 of them take 20 s, uncancellable).
TEST(SchemaTest, CompilingManyReferencesIsLinearAndPollsCancel) {
  constexpr int kDefs = 50000;
  std::string text = R"({"anyOf": [)";
  for (int i = 0; i < kDefs; ++i) text += (i ? "," : "") + std::string(R"({"$ref": "#/$defs/d)") + std::to_string(i) + "\"}";
  text += R"(], "$defs": {)";
  for (int i = 0; i < kDefs; ++i)
    text += (i ? "," : "") + std::string("\"d") + std::to_string(i) + R"(": {"type": "integer", "minimum": )" +
            std::to_string(i) + "}";
  text += "}}";
  const json::Value schema = json::Parse(text);
  int polls = 0;
  CancelCheck count = [&] { ++polls; };
  auto compiled = CompiledSchema::Compile(schema, {}, &count);
  EXPECT_TRUE(compiled->IsValid(json::Parse("7"), {}));
  EXPECT_FALSE(compiled->IsValid(json::Parse("-1"), {}));
  EXPECT_GT(polls, 50);
  CancelCheck cancel = [] { throw Cancelled(); };
  EXPECT_THROW(CompiledSchema::Compile(schema, {}, &cancel), Cancelled);
  EXPECT_THROW(CompileChecked(schema, {}, &cancel), Cancelled);
}

// A large schema of leaves polls all along: its parse, the compilation of each leaf (the
// leaves reached no NodeFor, and 400,000 of them compiled for seconds unpolled: QA 13's
// 25 MB schema cancelled 3 s late) and the digest of its fast program.
TEST(SchemaTest, ParsingAndCompilingLeavesPollCancel) {
  constexpr int kProps = 100000;
  std::string text = R"({"properties": {)";
  for (int i = 0; i < kProps; ++i)
    text += (i ? "," : "") + std::string("\"p") + std::to_string(i) + R"(": {"type": "string", "maxLength": )" +
            std::to_string(i) + "}";
  text += "}}";
  int parse_polls = 0;
  CancelCheck count_parse = [&] { ++parse_polls; };
  const json::Value schema = json::Parse(text, &count_parse);
  EXPECT_GT(parse_polls, 50);  // about 300,000 values, a poll every 4,096
  CancelCheck cancel = [] { throw Cancelled(); };
  EXPECT_THROW(json::Parse(text, &cancel), Cancelled);
  int polls = 0;
  CancelCheck count = [&] { ++polls; };
  auto compiled = CompiledSchema::Compile(schema, {}, &count);
  EXPECT_FALSE(compiled->IsValid(json::Parse(R"({"p3": "abcd"})"), {}));
  // Scan, NodeFor, CompileNode and the search for in-place loops a step each per
  // subschema (a poll every 1,024 steps), and the fast program's digest a poll every
  // 1,024 nodes: 585 (under 500 without the leaves' steps, about 195 without those and
  // the digest's).
  EXPECT_GT(polls, 500);
}

// A schema of patterns tells what they take compiled, far more than their text (the
// cache of compiled schemas took 62 kB of them for 1 MB where they held 78 MB), and one
// whose patterns would take more than kMaxPatternBytes is refused as they compile, not
// after gigabytes (20,000 of them took 1 GB).
std::string PatternPropertiesSchema(int from, int n) {
  std::string text = R"({"patternProperties": {)";
  for (int i = from; i < from + n; ++i)
    text += (i > from ? "," : "") + std::string(R"("^(a|b)*x{1,50})") + std::to_string(i) +
            R"(_[a-z]{1,30}$": true)";
  return text + "}}";
}

TEST(SchemaTest, PatternBytesCountWhatPatternsTake) {
  EXPECT_EQ(Make(R"({"type": "string"})")->PatternBytes(), 0u);
  const size_t small = Make(R"({"pattern": "^[a-z]+$"})")->PatternBytes();
  EXPECT_GT(small, 1000u);
  EXPECT_LT(small, 16000u);
  // The same pattern twice is compiled once.
  EXPECT_EQ(Make(R"({"pattern": "^[a-z]+$", "properties": {"a": {"pattern": "^[a-z]+$"}}})")
                ->PatternBytes(),
            small);
  // 50 patterns of about 50 bytes each (2.6 kB of text): over 1 MB compiled.
  const std::string text = PatternPropertiesSchema(0, 50);
  EXPECT_LT(text.size(), 3000u);
  EXPECT_GT(Make(text)->PatternBytes(), size_t{1} << 20);
  // RE2 alone (outside the DFA's subset): its program counts.
  EXPECT_GT(Make(R"({"pattern": "^.{1,1000}$"})")->PatternBytes(), 100000u);
}

TEST(SchemaTest, PatternsBeyondTheBudgetAreRefusedAsTheyCompile) {
  // About 1,000 such patterns make kMaxPatternBytes: 3,000 would take three times it.
  const json::Value schema = json::Parse(PatternPropertiesSchema(0, 3000));
  try {
    CompiledSchema::Compile(schema);
    ADD_FAILURE() << "compiled";
  } catch (const Error& e) {
    EXPECT_STREQ(e.sqlstate(), "54000");
    EXPECT_EQ(std::string(e.what()), "the schema's patterns would take more than 64 MB compiled");
    EXPECT_NE(e.detail().find("/patternProperties, after "), std::string::npos) << e.detail();
  }
  // Half the budget compiles.
  auto half = Make(PatternPropertiesSchema(0, 300));
  EXPECT_LT(half->PatternBytes(), kMaxPatternBytes);
  EXPECT_GT(half->PatternBytes(), kMaxPatternBytes / 8);
}

// A view (view.h) of an array of `items` items, each an array nested depth - 1 levels deep
// around the number 1, without a document: nested deeper than a json::Value can be
// (whose destructor recurses), as deep as a jsonb a session with a large max_stack_depth
// parsed.
class DeepView {
 public:
  explicit DeepView(size_t depth, size_t items = 1) : depth_(depth), items_(items) {}
  json::Type type() const { return depth_ ? json::Type::kArray : json::Type::kNumber; }
  bool boolean() const { return false; }
  double number() const { return 1; }
  std::string number_text() const { return "1"; }
  bool integral() const { return true; }
  std::string_view string() const { return {}; }
  size_t size() const { return items_; }
  class Items {
   public:
    Items(size_t depth, size_t items) : depth_(depth), items_(items) {}
    bool done() const { return i_ == items_; }
    void next() { ++i_; }
    size_t index() const { return i_; }
    std::string_view key() const { return {}; }
    DeepView value() const { return DeepView(depth_ - 1); }

   private:
    size_t depth_, items_, i_ = 0;
  };
  using Members = Items;  // no objects
  Items items() const { return Items(depth_, items_); }
  Members members() const { return Items(depth_, items_); }
  bool Find(std::string_view, DeepView*) const { return false; }

 private:
  size_t depth_, items_;
};

// uniqueItems compares and hashes items nested a million levels deep without recursing
// once per level (that overflowed the stack at 40,000 levels, a SIGSEGV of the backend),
// and counts a step per level.
TEST(SchemaTest, UniqueItemsOfDeeplyNestedItemsDoesNotRecurse) {
  using internal::Found;
  constexpr size_t kDeep = 1000000;
  size_t steps = 0;
  internal::Work w{steps, nullptr};
  EXPECT_TRUE(internal::Equal(DeepView(kDeep), DeepView(kDeep), w));
  EXPECT_GE(steps, kDeep);
  EXPECT_FALSE(internal::Equal(DeepView(kDeep), DeepView(kDeep + 1), w));
  EXPECT_EQ(internal::HashValue(DeepView(kDeep), w), internal::HashValue(DeepView(kDeep), w));
  EXPECT_NE(internal::HashValue(DeepView(kDeep), w), internal::HashValue(DeepView(kDeep - 1), w));
  steps = 0;
  EXPECT_EQ(internal::ItemsUnique(DeepView(kDeep + 1, 2), w), Found::kNo);  // pairwise
  steps = 0;
  EXPECT_EQ(internal::ItemsUnique(DeepView(kDeep / 10 + 1, 20), w), Found::kNo);  // hashed
  // Past kMaxSteps it stops, for the evaluator to raise its 54000.
  steps = kMaxSteps - 10;
  EXPECT_EQ(internal::ItemsUnique(DeepView(kDeep + 1, 2), w), Found::kStop);
}

// Validating doc against schema polls for cancellation more than min_polls times, in
// both evaluators (doc valid), and a cancel stops both.
template <typename S>
void ExpectPollsAndCancels(const S& schema, const json::Value& doc, int min_polls) {
  int polls = 0;
  CancelCheck count = [&] { ++polls; };
  ValidateOptions opts;
  opts.cancel = &count;
  EXPECT_TRUE(schema->IsValid(doc, opts));
  EXPECT_GT(polls, min_polls);
  polls = 0;
  EXPECT_TRUE(schema->Validate(doc, opts).empty());
  EXPECT_GT(polls, min_polls);
  CancelCheck cancel = [] { throw Cancelled(); };
  opts.cancel = &cancel;
  EXPECT_THROW(schema->IsValid(doc, opts), Cancelled);
  EXPECT_THROW(schema->Validate(doc, opts), Cancelled);
}

// uniqueItems on numbers of one double but different decimals (20-digit integers) hashes
// them by their decimals, rather than comparing every pair of one bucket (40,000 of them
// took minutes and could not be cancelled), and its work is counted and polls for
// cancellation, in both evaluators.
TEST(SchemaTest, UniqueItemsOfNumbersOfOneDoubleIsHashedAndPollsCancel) {
  auto schema = Make(R"({"uniqueItems": true})");
  json::Value::Array items;
  for (int i = 1; i <= 20000; ++i) {
    std::string digits = std::to_string(i);
    std::string text = "1" + std::string(19 - digits.size(), '0') + digits;  // 20 digits
    items.push_back(json::Value::Number(std::strtod(text.c_str(), nullptr), text));
  }
  const json::Value unique = json::Value::MakeArray(items);
  ExpectPollsAndCancels(schema, unique, 2);
  // The same value as the first item, written otherwise.
  items.push_back(json::Value::Number(1e19, "1.0000000000000000001e19"));
  const json::Value repeated = json::Value::MakeArray(items);
  EXPECT_FALSE(schema->IsValid(repeated, {}));
  EXPECT_EQ(schema->Validate(repeated, {}).size(), 1u);
}

// const and enum count a step per value they compare: 10,000 items compared with a const
// object of 100 members is a million steps (it was about 20,000, so a large enum or const
// could not be cancelled for a long time, and escaped kMaxSteps).
TEST(SchemaTest, ConstAndEnumCountTheirWork) {
  std::string object = "{";
  for (int i = 0; i < 100; ++i) object += (i ? ",\"k" : "\"k") + std::to_string(i) + "\":" + std::to_string(i);
  object += "}";
  std::string instance = "[";
  for (int i = 0; i < 10000; ++i) instance += (i ? "," : "") + object;
  instance += "]";
  const json::Value doc = json::Parse(instance);
  std::string small_enum = "[1, 2, " + object + "]", large_enum = "[" + object;
  for (int i = 0; i < 40; ++i) large_enum += "," + std::to_string(i);
  large_enum += "]";
  for (const std::string& schema_text :
       {R"({"items": {"const": )" + object + "}}", R"({"items": {"enum": )" + small_enum + "}}",
        R"({"items": {"enum": )" + large_enum + "}}"}) {
    ExpectPollsAndCancels(Make(schema_text), doc, 200);
  }
}

// An enum of many values is looked up by their hashes, with enum's equality all the same
// (numbers by value, exactly; objects in any order), in both evaluators.
TEST(SchemaTest, LargeEnumIsHashedWithEnumEquality) {
  std::string values;
  for (int i = 0; i < 30; ++i) values += std::to_string(i) + ",";
  values += R"(1e400, "s", null, true, [1, [2]], {"a": 1, "b": [1]}, 0.10000000000000000001,
               12345678901234567890, -2.5)";
  auto schema = Make(R"({"enum": [)" + values + "]}");
  std::string strings;
  for (int i = 0; i < 100; ++i) strings += (i ? ",\"s" : "\"s") + std::to_string(i) + "\"";
  auto string_schema = Make(R"({"enum": [)" + strings + "]}");
  const std::vector<std::pair<const char*, bool>> cases = {
      {"1.0", true}, {"10e-1", true}, {"-0", true}, {"0.0", true}, {"29", true}, {"30", false},
      {"1e400", true}, {"10e399", true}, {"1e401", false}, {"\"s\"", true}, {"\"t\"", false},
      {"null", true}, {"false", false}, {"true", true}, {"[1, [2.0]]", true}, {"[1, [2], 3]", false},
      {"[[2], 1]", false}, {R"({"b": [1.0], "a": 1})", true}, {R"({"a": 1})", false}, {"0.1", false},
      {"0.10000000000000000001", true}, {"12345678901234567890", true},
      {"12345678901234567891", false}, {"-2.50", true}, {"2.5", false}, {"{}", false}};
  for (const auto& [text, valid] : cases) {
    const json::Value v = json::Parse(text);
    EXPECT_EQ(schema->IsValid(v, {}), valid) << text;
    EXPECT_EQ(schema->Validate(v, {}).empty(), valid) << text;
    EXPECT_FALSE(string_schema->IsValid(v, {})) << text;
  }
  for (const char* text : {"\"s0\"", "\"s57\"", "\"s99\""}) {
    EXPECT_TRUE(string_schema->IsValid(json::Parse(text), {})) << text;
    EXPECT_TRUE(string_schema->Validate(json::Parse(text), {}).empty()) << text;
  }
  for (const char* text : {"\"s100\"", "\"s\"", "5"}) {
    EXPECT_FALSE(string_schema->IsValid(json::Parse(text), {})) << text;
    EXPECT_FALSE(string_schema->Validate(json::Parse(text), {}).empty()) << text;
  }
}

TEST(SchemaTest, FormatIsAnnotationUnlessAsserted) {
  auto schema = Make(R"({"format": "date"})");
  ValidateOptions assert_opts;
  assert_opts.format_assert = true;
  EXPECT_TRUE(schema->IsValid(json::Parse("\"2024-02-30\""), {}));
  EXPECT_FALSE(schema->IsValid(json::Parse("\"2024-02-30\""), assert_opts));
  EXPECT_TRUE(schema->IsValid(json::Parse("\"2024-02-29\""), assert_opts));
  for (const char* ok : {R"({"format": "email"})", R"({"format": "ipv4"})"}) {
    EXPECT_FALSE(Make(ok)->IsValid(json::Parse("\"not valid\""), assert_opts)) << ok;
  }
  EXPECT_TRUE(Make(R"({"format": "uuid"})")
                  ->IsValid(json::Parse("\"123e4567-e89b-12d3-a456-426614174000\""), assert_opts));
}

// hostname, idn-hostname and the domains of e-mail addresses follow IDNA2008 (through
// ICU): A-labels must decode to valid U-labels, U-labels must hold only what IDNA2008
// allows, unmapped, and the ideographic full stops separate labels.
TEST(SchemaTest, HostnamesFollowIdna2008) {
  ValidateOptions assert_opts;
  assert_opts.format_assert = true;
  auto check = [&](const char* format, const std::string& host) {
    return Make(std::string(R"({"format": ")") + format + "\"}")
        ->IsValid(json::Value::String(host), assert_opts);
  };
  for (const char* ok : {"example.com", "EXAMPLE.com", "xn--mnchen-3ya.de", "a-b.c1"})
    EXPECT_TRUE(check("hostname", ok)) << ok;
  for (const char* bad : {"xn--7a.com",         // decodes to U+00A1, punctuation
                          "xn--mnchen-3ya-.de",  // a trailing hyphen
                          "xn--a.com",           // not Punycode of anything valid
                          "ab--c.com", "-a.com", "a..b", ""})
    EXPECT_FALSE(check("hostname", bad)) << bad;
  for (const char* ok : {"m\u00fcnchen.de", "xn--mnchen-3ya.de", "\u4f8b\u3048.\u30c6\u30b9\u30c8",
                         "a\u3002b", "stra\u00dfe.de",
                         "EXAMPLE.m\u00fcnchen.de"}) {  // capitals in a label of ASCII only
    const std::string host = json::Parse(std::string("\"") + ok + "\"").as_string();
    EXPECT_TRUE(check("idn-hostname", host)) << ok;
  }
  for (const char* bad : {"M\u00dcNCHEN.de",  // a capital U-label: IDNA would map it
                          "B\u00fccher.example",  // an ASCII capital in a U-label (QA 13)
                          "m\u00fcncheN.de",
                          "\u00a1hola.com",    // punctuation
                          "\u3031a.com",       // an exception that is DISALLOWED
                          "a\u00b7b.com",      // middle dot not between two l
                          "\u0301a.com",       // starts with a combining mark
                          "a\u3002\u3002b"}) {
    const std::string host = json::Parse(std::string("\"") + bad + "\"").as_string();
    EXPECT_FALSE(check("idn-hostname", host)) << bad;
  }
  EXPECT_TRUE(check("email", "jo@xn--mnchen-3ya.de"));
  EXPECT_FALSE(check("email", "jo@xn--7a.com"));
  // A local part of at most 64 octets (RFC 5321).
  EXPECT_TRUE(check("email", std::string(64, 'a') + "@example.com"));
  EXPECT_FALSE(check("email", std::string(65, 'a') + "@example.com"));
  EXPECT_TRUE(check("idn-email", json::Parse("\"jo@m\u00fcnchen.de\"").as_string()));
}

// "format": "regex" asks whether a string is an ECMA 262 regular expression, not whether
// RE2 can run it: lookaround and backreferences to existing groups are valid syntax.
// (The pattern keyword still refuses them: RE2 runs patterns.)
TEST(SchemaTest, RegexFormatIsEcmaSyntax) {
  ValidateOptions assert_opts;
  assert_opts.format_assert = true;
  auto regex = Make(R"({"format": "regex"})");
  auto ok = [&](const char* re) { return regex->IsValid(json::Value::String(re), assert_opts); };
  for (const char* good : {"(?=a)b", "(?!a)b", "(?<=a+)b", "(?<!a)b", "(a)\\1", "(a)(b)\\2",
                           "(?<n>a)\\k<n>", "[(?<=]x", "[(?=]x", "(?<name>x)"})
    EXPECT_TRUE(ok(good)) << good;
  for (const char* bad : {"(?<=a", "(?=a", "\\k<nope>", "(a)\\2", "(?P<n>a)", "\\a", "(?i)a"})
    EXPECT_FALSE(ok(bad)) << bad;
  EXPECT_EQ(StateOf([] { Make(R"({"pattern": "(?<=a)b"})"); }), "2201B");
}

TEST(SchemaTest, UnevaluatedPropertiesSeesThroughRef) {
  auto schema = Make(R"({"$defs": {"base": {"properties": {"a": true}}},
                         "$ref": "#/$defs/base", "unevaluatedProperties": false})");
  EXPECT_TRUE(schema->IsValid(json::Parse(R"({"a": 1})"), {}));
  auto errors = schema->Validate(json::Parse(R"({"a": 1, "b": 2})"), {});
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].instance_path, "/b");
  EXPECT_EQ(errors[0].message, "unevaluated property not allowed");
}

TEST(SchemaTest, Draft7RefOverridesSiblings) {
  auto schema = Make(R"({"$schema": "http://json-schema.org/draft-07/schema#",
                         "definitions": {"s": {"type": "string"}},
                         "$ref": "#/definitions/s", "maxLength": 1})");
  EXPECT_TRUE(schema->IsValid(json::Parse("\"long string\""), {}));
}

TEST(SchemaTest, MetaschemasAreBundled) {
  EXPECT_NE(Metaschema("https://json-schema.org/draft/2020-12/schema"), nullptr);
  EXPECT_NE(Metaschema("https://json-schema.org/draft/2020-12/meta/validation"), nullptr);
  EXPECT_NE(Metaschema("http://json-schema.org/draft-07/schema#"), nullptr);
  EXPECT_EQ(Metaschema("http://example.com/"), nullptr);
}

// draft-07's array form of items (a tuple) in a draft 2020-12 schema is no schema: refused
// by the compiler itself (the jsonb forms do not check the metaschema), as {"items": 1} is;
// it was ignored, and every array passed (QA 13). draft-07 still reads it as a tuple.
TEST(SchemaTest, ItemsArrayFormRefusedIn202012) {
  for (const char* s : {R"({"items": [{"type": "string"}]})",
                        R"({"items": [{"type": "string"}], "additionalItems": false})",
                        R"({"properties": {"a": {"items": [{"type": "string"}]}}})",
                        R"({"$schema": "https://json-schema.org/draft/2020-12/schema", "items": [true]})"}) {
    try {
      CompiledSchema::Compile(json::Parse(s));
      ADD_FAILURE() << "compiled: " << s;
    } catch (const Error& e) {
      EXPECT_STREQ(e.sqlstate(), "22023") << s;
      EXPECT_NE(std::string(e.what()).find("/items"), std::string::npos) << e.what();
    }
  }
  const auto d7 = CompiledSchema::Compile(
      json::Parse(R"({"$schema": "http://json-schema.org/draft-07/schema#", "items": [{"type": "string"}]})"));
  EXPECT_FALSE(d7->IsValid(json::Parse("[1]"), {}));
  EXPECT_TRUE(d7->IsValid(json::Parse(R"(["a", 1])"), {}));
}

// RFC 3986's syntax-based normal form of an $id (register_schema refuses any other
// spelling of a URI: two would name one resource).
TEST(SchemaTest, NormalizeUri) {
  using internal::NormalizeUri;
  EXPECT_EQ(NormalizeUri("HTTPS://QA.Example/Case"), "https://qa.example/Case");
  EXPECT_EQ(NormalizeUri("https://qa.example/%7Euser"), "https://qa.example/~user");
  EXPECT_EQ(NormalizeUri("https://qa.example/a%2fb%3A"), "https://qa.example/a%2Fb%3A");
  EXPECT_EQ(NormalizeUri("https://qa.example:443/P"), "https://qa.example/P");
  EXPECT_EQ(NormalizeUri("http://qa.example:80/P"), "http://qa.example/P");
  EXPECT_EQ(NormalizeUri("http://qa.example:443/P"), "http://qa.example:443/P");
  EXPECT_EQ(NormalizeUri("https://qa.example:/P"), "https://qa.example/P");
  EXPECT_EQ(NormalizeUri("https://User@QA.example:8443/p?Q=%41#F%7e"),
            "https://User@qa.example:8443/p?Q=A#F~");
  EXPECT_EQ(NormalizeUri("https://[2001:DB8::1]:443/x"), "https://[2001:db8::1]/x");
  EXPECT_EQ(NormalizeUri("URN:example:Thing"), "urn:example:Thing");
  EXPECT_EQ(NormalizeUri("https://example.org/intake"), "https://example.org/intake");
  EXPECT_EQ(NormalizeUri("100%"), "100%");
}

// Every unresolvable reference names its keyword and its place in the schema (QA 13: a
// $dynamicRef's said "$ref", a JSON Pointer's and an anchor's gave no place).
TEST(SchemaTest, UnresolvableReferencesNameKeywordAndPlace) {
  auto message = [](const char* s) {
    try {
      CompiledSchema::Compile(json::Parse(s));
    } catch (const Error& e) {
      EXPECT_STREQ(e.sqlstate(), "42704") << s;
      return std::string(e.what());
    }
    return std::string("compiled");
  };
  EXPECT_EQ(message(R"({"properties": {"a": {"$ref": "#/$defs/nope"}}})"),
            "unresolvable $ref \"#/$defs/nope\" at /properties/a: no such place in its document");
  EXPECT_EQ(message(R"({"$ref": "#nope"})"), "unresolvable $ref \"#nope\" at (root): no such anchor");
  EXPECT_EQ(message(R"({"items": {"$dynamicRef": "#nope"}})"),
            "unresolvable $dynamicRef \"#nope\" at /items: no such anchor");
}

TEST(SchemaTest, CompileCheckedNamesSchemaPath) {
  try {
    CompileChecked(json::Parse(R"({"properties": {"age": {"minimum": "3"}}})"));
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.sqlstate(), "22023");
    EXPECT_EQ(std::string(e.what()),
              "invalid schema at /properties/age/minimum: expected type number, got string");
  }
  EXPECT_EQ(StateOf([] { CompileChecked(json::Parse(R"({"type": "strin"})")); }), "22023");
  // A count with a fraction beyond a double's precision is not an integer.
  EXPECT_EQ(StateOf([] { CompileChecked(json::Parse(R"({"maxLength": 2.0000000000000001})")); }),
            "22023");
  EXPECT_EQ(StateOf([] { CompiledSchema::Compile(json::Parse(R"({"maxLength": 2.0000000000000001})")); }),
            "22023");
  EXPECT_EQ(StateOf([] {
              CompileChecked(json::Parse(R"({"$schema": "http://json-schema.org/draft-07/schema#",
                                            "items": [{"minItems": -1}]})"));
            }),
            "22023");
  EXPECT_NE(CompileChecked(json::Parse(R"({"type": "object", "required": ["a"]})")), nullptr);
}

// The official draft-07 metaschema requires enum to be a non-empty array of unique
// values; the 2020-12 validation vocabulary metaschema dropped both constraints.
TEST(SchemaTest, Draft7MetaschemaRefusesEmptyOrRepeatedEnum) {
  const std::string draft7 = R"("$schema": "http://json-schema.org/draft-07/schema#")";
  EXPECT_EQ(StateOf([&] { CompileChecked(json::Parse("{" + draft7 + R"(, "enum": []})")); }),
            "22023");
  EXPECT_EQ(StateOf([&] { CompileChecked(json::Parse("{" + draft7 + R"(, "enum": [1, 1]})")); }),
            "22023");
  EXPECT_EQ(StateOf([&] {
              CompileChecked(
                  json::Parse("{" + draft7 + R"(, "properties": {"a": {"enum": ["x", "x"]}}})"));
            }),
            "22023");
  EXPECT_NE(CompileChecked(json::Parse("{" + draft7 + R"(, "enum": [1, "1", null]})")), nullptr);
  EXPECT_NE(CompileChecked(json::Parse(R"({"enum": []})")), nullptr);
  EXPECT_NE(CompileChecked(json::Parse(R"({"enum": [1, 1]})")), nullptr);
}

TEST(SchemaTest, ResolverSuppliesDocuments) {
  json::Value remote = json::Parse(R"({"$defs": {"id": {"type": "integer"}}})");
  Resolver resolver = [&](std::string_view uri) -> const json::Value* {
    return uri == "urn:example:common" ? &remote : nullptr;
  };
  auto schema = CompiledSchema::Compile(
      json::Parse(R"({"$ref": "urn:example:common#/$defs/id"})"), resolver);
  EXPECT_TRUE(schema->IsValid(json::Parse("7"), {}));
  EXPECT_FALSE(schema->IsValid(json::Parse("\"7\""), {}));
}

}  // namespace
}  // namespace comply::schema

namespace comply {
namespace {

// A caller's text quoted in a message: as written, escaped where it must be, cut after
// kShownTextChars characters on a character boundary, with its length.
TEST(ShownTextTest, QuotesCutsAndEscapes) {
  EXPECT_EQ(ShownText("user_id"), "\"user_id\"");
  EXPECT_EQ(ShownText(""), "\"\"");
  // A backslash is escaped as the other escapes are, so each reads one way: the four
  // characters \xff are not shown as the byte 0xff is.
  EXPECT_EQ(ShownText("\\p{L}+\\d"), "\"\\\\p{L}+\\\\d\"");
  EXPECT_EQ(ShownText("\\xff"), "\"\\\\xff\"");
  EXPECT_EQ(ShownText("\xff"), "\"\\xff\"");
  EXPECT_NE(ShownText("\\xff"), ShownText("\xff"));
  EXPECT_NE(ShownText("\\n"), ShownText("\n"));
  EXPECT_EQ(ShownText("a\\", false), "a\\\\");
  EXPECT_EQ(ShownText("a\"b\n\t\x01"), "\"a\\\"b\\n\\t\\u0001\"");
  EXPECT_EQ(ShownText("a\xff" "b"), "\"a\\xffb\"");  // not UTF-8
  EXPECT_EQ(ShownText("(abc", false), "(abc");
  const std::string exact(kShownTextChars, 'x');
  EXPECT_EQ(ShownText(exact), "\"" + exact + "\"");
  EXPECT_EQ(ShownText(exact + "y"), "\"" + exact + "...\" (65 bytes)");
  // Cut on a character boundary: 64 two-byte characters kept whole.
  std::string accents;
  for (int i = 0; i < 100; ++i) accents += "\xc3\xa9";
  std::string kept;
  for (size_t i = 0; i < kShownTextChars; ++i) kept += "\xc3\xa9";
  EXPECT_EQ(ShownText(accents), "\"" + kept + "...\" (200 bytes)");
  EXPECT_EQ(ShownText(std::string(1 << 20, 'r'), false),
            std::string(kShownTextChars, 'r') + "... (1048576 bytes)");
}

// RE2's complaint: what is wrong, and its argument only when it is the pattern's as written.
TEST(ShownTextTest, RegexProblem) {
  EXPECT_EQ(RegexProblem("missing ): (unclosed", "(unclosed", "(unclosed", false),
            "missing ): (unclosed");
  EXPECT_EQ(RegexProblem("missing ): (unclosed", "(unclosed", "(unclosed", true), "missing )");
  EXPECT_EQ(RegexProblem("invalid perl operator: (?<", "(?<", "(?<=a)b", true),
            "invalid perl operator: (?<");
  // Of the translated pattern, cut short by RE2: left out.
  EXPECT_EQ(RegexProblem("invalid escape sequence: \\x{110000", "\\x{110000", "\\u{110000}", true),
            "invalid escape sequence");
  const std::string long_pattern = "(" + std::string(100000, 'a');
  EXPECT_EQ(RegexProblem("missing ): " + long_pattern, long_pattern, long_pattern, false),
            "missing ): (" + std::string(kShownTextChars - 1, 'a') + "... (100001 bytes)");
  EXPECT_EQ(RegexProblem("pattern too large - compile failed", "", "x", false),
            "pattern too large - compile failed");
}

// The schema's text in compile errors and validation messages is capped.
TEST(ShownTextTest, SchemaMessagesAreCapped) {
  auto message_of = [](const std::string& schema) {
    try {
      schema::CompiledSchema::Compile(json::Parse(schema));
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  const std::string big(100000, 'q');
  EXPECT_EQ(message_of("{\"type\": \"" + big + "\"}"),
            "invalid schema at /type: unknown type \"" + std::string(kShownTextChars, 'q') +
                "...\" (100000 bytes)");
  EXPECT_LT(message_of("{\"$ref\": \"urn:" + big + "\"}").size(), 200u);
  EXPECT_LT(message_of("{\"pattern\": \"(" + big + "\"}").size(), 200u);
  auto errors = schema::CompiledSchema::Compile(json::Parse("{\"required\": [\"" + big + "\"]}"))
                    ->Validate(json::Parse("{}"), schema::ValidateOptions());
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_LT(errors[0].message.size(), 200u);
}

// A JSON Pointer in a message: each token as ShownText shows it, and a long path cut in
// its middle, its end (where the problem is) kept.
TEST(ShownTextTest, ShownPointer) {
  EXPECT_EQ(ShownPointer(""), "(root)");
  EXPECT_EQ(ShownPointer("/"), "/");
  EXPECT_EQ(ShownPointer("/properties/a~1b/type"), "/properties/a~1b/type");
  EXPECT_EQ(ShownPointer("/properties/a\"b\n/type"), "/properties/a\\\"b\\n/type");
  const std::string big(100000, 'q');
  EXPECT_EQ(ShownPointer("/properties/" + big + "/type"),
            "/properties/" + std::string(kShownTextChars, 'q') + "... (100000 bytes)/type");
  // 40 levels of /properties/p: the first ones and the last ones, within the bound.
  std::string deep;
  for (int i = 0; i < 40; ++i) deep += "/properties/p" + std::to_string(i);
  deep += "/type";
  const std::string shown = ShownPointer(deep);
  EXPECT_LE(shown.size(), kShownPointerBytes);
  EXPECT_EQ(shown.rfind("/properties/p0/", 0), 0u) << shown;
  EXPECT_NE(shown.find("/... ("), std::string::npos) << shown;
  EXPECT_EQ(shown.substr(shown.size() - 20), "/properties/p39/type") << shown;
  // A path just within the bound is shown whole.
  std::string within;
  for (size_t i = 0; i < kShownPointerBytes / 64; ++i) within += "/" + std::string(63, 'w');
  ASSERT_EQ(within.size(), kShownPointerBytes);
  EXPECT_EQ(ShownPointer(within), within);
  // Many long tokens: still bounded, the last token whole as ShownText shows it.
  std::string wide;
  for (int i = 0; i < 1000; ++i) wide += "/" + big.substr(0, 100 + i);
  const std::string wide_shown = ShownPointer(wide);
  EXPECT_LT(wide_shown.size(), 2 * kShownPointerBytes);
  EXPECT_NE(wide_shown.find("(1099 bytes)"), std::string::npos) << wide_shown;
}

// The pointers in a schema's compile errors are capped, and the message's end (what is
// wrong) is kept: by the compiler, by the metaschema check, and in a $ref's.
TEST(ShownTextTest, SchemaPointersAreCapped) {
  auto message_of = [](const std::string& schema, bool checked) {
    try {
      if (checked)
        schema::CompileChecked(json::Parse(schema));
      else
        schema::CompiledSchema::Compile(json::Parse(schema));
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  const std::string big(100000, 'q');
  const std::string cut = std::string(kShownTextChars, 'q') + "... (100000 bytes)";
  EXPECT_EQ(message_of("{\"properties\": {\"" + big + "\": {\"type\": 5}}}", false),
            "invalid schema at /properties/" + cut + "/type: expected a type name");
  const std::string checked =
      message_of("{\"properties\": {\"" + big + "\": {\"type\": 5}}}", true);
  EXPECT_EQ(checked.rfind("invalid schema at /properties/" + cut + "/type: ", 0), 0u) << checked;
  EXPECT_LT(checked.size(), 300u);
  EXPECT_EQ(message_of("{\"$defs\": {\"" + big + "\": {\"$ref\": \"urn:nowhere\"}}}", false),
            "unresolvable $ref \"urn:nowhere\" at /$defs/" + cut);
  EXPECT_EQ(message_of("{\"$defs\": {\"" + big + "\": {\"pattern\": \"(\"}}}", false)
                .rfind("pattern \"(\" at /$defs/" + cut + "/pattern is not supported: ", 0),
            0u);
  // Nested deep: the pointer is cut in its middle, its end kept.
  std::string deep, close;
  for (int i = 0; i < 200; ++i) {
    deep += "{\"not\": ";
    close += "}";
  }
  const std::string deep_message = message_of(deep + "{\"minimum\": \"x\"}" + close, false);
  EXPECT_LT(deep_message.size(), kShownPointerBytes + 60) << deep_message;
  EXPECT_NE(deep_message.find("/not/not/minimum: expected type number"), std::string::npos)
      << deep_message;
}

}  // namespace
}  // namespace comply
