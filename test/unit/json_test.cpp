#include "core/json.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <string_view>

#include "core/error.h"

namespace comply::json {
namespace {

using namespace std::string_literals;

// Returns the message of the error Parse throws for text, failing the test if none.
std::string ParseError(std::string_view text) {
  try {
    Parse(text);
  } catch (const Error& e) {
    EXPECT_STREQ(e.sqlstate(), sqlstate::kInvalidTextRepresentation);
    return e.what();
  }
  ADD_FAILURE() << "no error for input of " << text.size() << " bytes";
  return {};
}

// Checks that Parse rejects text at byte offset with the given reason.
void ExpectError(std::string_view text, size_t offset, const std::string& reason) {
  SCOPED_TRACE(std::string(text));
  EXPECT_EQ(ParseError(text), "invalid JSON at byte " + std::to_string(offset) + ": " + reason);
}

// Parses and re-serialises text.
std::string Canonical(std::string_view text) { return Parse(text).Dump(); }

TEST(JsonParse, Literals) {
  EXPECT_TRUE(Parse("null").is_null());
  Value t = Parse("true");
  ASSERT_TRUE(t.is_bool());
  EXPECT_TRUE(t.as_bool());
  Value f = Parse("false");
  ASSERT_TRUE(f.is_bool());
  EXPECT_FALSE(f.as_bool());
}

TEST(JsonParse, WhitespaceAroundAndInside) {
  Value v = Parse(" \t\r\n{ \"a\" :\n[ 1 ,\t2 ] , \"b\" : { } }\r\n ");
  ASSERT_TRUE(v.is_object());
  EXPECT_EQ(v.Dump(), R"({"a":[1,2],"b":{}})");
}

TEST(JsonParse, Numbers) {
  struct Case {
    const char* text;
    double value;
  };
  const Case cases[] = {
      {"0", 0},
      {"-0", -0.0},
      {"1", 1},
      {"-17", -17},
      {"1.5", 1.5},
      {"0.25", 0.25},
      {"1e3", 1000},
      {"1E3", 1000},
      {"1e+3", 1000},
      {"2.5e-3", 0.0025},
      {"-1.25E-2", -0.0125},
      {"10.0", 10},
      {"123456789", 123456789},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.text);
    Value v = Parse(c.text);
    ASSERT_TRUE(v.is_number());
    EXPECT_EQ(v.as_number(), c.value);
    EXPECT_EQ(v.number_text(), c.text);
    EXPECT_EQ(v.Dump(), c.text);
  }
  EXPECT_TRUE(std::signbit(Parse("-0").as_number()));
}

TEST(JsonParse, NumberKeepsExactDigits) {
  Value v = Parse("12345678901234567890123.000");
  EXPECT_EQ(v.number_text(), "12345678901234567890123.000");
  EXPECT_DOUBLE_EQ(v.as_number(), 1.2345678901234568e22);
  EXPECT_EQ(Parse("0.1").as_number(), 0.1);
  EXPECT_EQ(Parse("[0.30000000000000004]").Dump(), "[0.30000000000000004]");
}

TEST(JsonParse, NumbersOutOfDoubleRange) {
  EXPECT_EQ(Parse("1e999").as_number(), HUGE_VAL);
  EXPECT_EQ(Parse("-1e999").as_number(), -HUGE_VAL);
  EXPECT_EQ(Parse("123456e400").as_number(), HUGE_VAL);
  EXPECT_EQ(Parse("0.000001e-400").as_number(), 0.0);
  EXPECT_EQ(Parse("1e-999").as_number(), 0.0);
  Value neg = Parse("-1e-999");
  EXPECT_EQ(neg.as_number(), 0.0);
  EXPECT_TRUE(std::signbit(neg.as_number()));
  EXPECT_EQ(Parse("1e99999999999999999999").as_number(), HUGE_VAL);
  EXPECT_EQ(Parse("1e-99999999999999999999").as_number(), 0.0);
  EXPECT_EQ(Parse("1e999").Dump(), "1e999");
  EXPECT_EQ(Parse("5e-324").as_number(), 4.9406564584124654e-324);  // subnormal
}

TEST(JsonParse, Strings) {
  EXPECT_EQ(Parse(R"("")").as_string(), "");
  EXPECT_EQ(Parse(R"("hello world")").as_string(), "hello world");
  EXPECT_EQ(Parse(R"("\"\\\/\b\f\n\r\t")").as_string(), "\"\\/\b\f\n\r\t");
  EXPECT_EQ(Parse(R"("a\u0041b")").as_string(), "aAb");
  EXPECT_EQ(Parse(R"("\u00e9\u00E9")").as_string(), "\xC3\xA9\xC3\xA9");
  EXPECT_EQ(Parse(R"("\u20ac")").as_string(), "\xE2\x82\xAC");
  EXPECT_EQ(Parse(R"("\u07ff\u0800\uffff")").as_string(), "\xDF\xBF\xE0\xA0\x80\xEF\xBF\xBF");
  EXPECT_EQ(Parse(R"("\u0000")").as_string(), "\0"s);
}

TEST(JsonParse, SurrogatePairsBecomeUtf8) {
  EXPECT_EQ(Parse(R"("\ud83d\ude00")").as_string(), "\xF0\x9F\x98\x80");  // U+1F600
  EXPECT_EQ(Parse(R"("\uD800\uDC00")").as_string(), "\xF0\x90\x80\x80");  // U+10000
  EXPECT_EQ(Parse(R"("\udbff\udfff")").as_string(), "\xF4\x8F\xBF\xBF");  // U+10FFFF
}

TEST(JsonParse, RawUtf8InStrings) {
  const std::string text = "\"h\xC3\xA9llo \xE2\x82\xAC \xF0\x9F\x98\x80 \xF4\x8F\xBF\xBF\"";
  EXPECT_EQ(Parse(text).as_string(), text.substr(1, text.size() - 2));
  // DEL and U+0080..U+009F are not JSON control characters.
  EXPECT_EQ(Parse("\"\x7F\xC2\x80\"").as_string(), "\x7F\xC2\x80");
}

TEST(JsonParse, ArraysAndObjects) {
  Value v = Parse(R"({"ops": [{"op": "mask", "keep_last": 4}, {"op": "hash"}], "n": null})");
  ASSERT_TRUE(v.is_object());
  ASSERT_EQ(v.as_object().size(), 2u);
  const Value* ops = v.Find("ops");
  ASSERT_NE(ops, nullptr);
  ASSERT_TRUE(ops->is_array());
  ASSERT_EQ(ops->as_array().size(), 2u);
  const Value* keep = ops->as_array()[0].Find("keep_last");
  ASSERT_NE(keep, nullptr);
  EXPECT_EQ(keep->as_number(), 4);
  EXPECT_TRUE(v.Find("n")->is_null());
  EXPECT_EQ(v.Find("missing"), nullptr);
  EXPECT_EQ(ops->Find("op"), nullptr);  // not an object
  EXPECT_TRUE(Parse("[]").as_array().empty());
  EXPECT_TRUE(Parse("{}").as_object().empty());
  EXPECT_EQ(Parse("[[],[[]],{}]").Dump(), "[[],[[]],{}]");
}

TEST(JsonParse, ObjectKeysMayBeAnyString) {
  Value v = Parse(R"({"": 1, "a b": 2, "\u00e9": 3, "\n": 4})");
  EXPECT_EQ(v.Find("")->as_number(), 1);
  EXPECT_EQ(v.Find("a b")->as_number(), 2);
  EXPECT_EQ(v.Find("\xC3\xA9")->as_number(), 3);
  EXPECT_EQ(v.Find("\n")->as_number(), 4);
}

TEST(JsonParse, DuplicateKeysLastValueFirstPosition) {
  Value v = Parse(R"({"a": 1, "b": 2, "a": 3})");
  const auto& members = v.as_object();
  ASSERT_EQ(members.size(), 2u);
  EXPECT_EQ(members[0].first, "a");
  EXPECT_EQ(members[0].second.as_number(), 3);
  EXPECT_EQ(members[1].first, "b");
  EXPECT_EQ(v.Dump(), R"({"a":3,"b":2})");
  // Escaped and raw spellings of one key are the same key.
  EXPECT_EQ(Canonical(R"({"A": 1, "\u0041": 2})"), R"({"A":2})");
}

TEST(JsonParse, DuplicateKeysInLargeObject) {
  // Past the size where the parser switches to a hash index.
  std::string text = "{";
  for (int i = 0; i < 100; ++i) text += "\"k" + std::to_string(i) + "\":" + std::to_string(i) + ",";
  text += "\"k3\":\"x\",\"k99\":true,\"new\":null}";
  Value v = Parse(text);
  const auto& members = v.as_object();
  ASSERT_EQ(members.size(), 101u);
  EXPECT_EQ(members[3].first, "k3");
  EXPECT_EQ(members[3].second.as_string(), "x");
  EXPECT_EQ(members[99].first, "k99");
  EXPECT_TRUE(members[99].second.as_bool());
  EXPECT_EQ(members[100].first, "new");
}

TEST(JsonParse, ManyKeysStayFast) {
  std::string text = "{";
  for (int i = 0; i < 50000; ++i) {
    if (i) text += ',';
    text += "\"key" + std::to_string(i) + "\":" + std::to_string(i);
  }
  text += '}';
  Value v = Parse(text);
  EXPECT_EQ(v.as_object().size(), 50000u);
  EXPECT_EQ(v.as_object()[49999].second.as_number(), 49999);
}

TEST(JsonParse, DepthLimit) {
  auto nested = [](int depth) { return std::string(depth, '[') + std::string(depth, ']'); };
  EXPECT_NO_THROW(Parse(nested(kMaxDepth)));
  ExpectError(nested(kMaxDepth + 1), kMaxDepth,
              "nesting deeper than " + std::to_string(kMaxDepth) + " levels");

  std::string objects;
  for (int i = 0; i < kMaxDepth; ++i) objects += "{\"a\":";
  objects += "1" + std::string(kMaxDepth, '}');
  EXPECT_NO_THROW(Parse(objects));
  EXPECT_THROW(Parse("[" + objects + "]"), Error);

  // Far deeper than the limit must fail cleanly, not exhaust the stack.
  EXPECT_THROW(Parse(std::string(1000000, '[')), Error);
  EXPECT_THROW(Parse(std::string(1000000, '{')), Error);
  std::string mixed;
  for (int i = 0; i < 200000; ++i) mixed += "[{\"k\":";
  EXPECT_THROW(Parse(mixed), Error);
}

TEST(JsonParse, LargeString) {
  std::string body(1 << 20, 'x');
  Value v = Parse("\"" + body + "\"");
  EXPECT_EQ(v.as_string(), body);
}

TEST(JsonErrors, EmptyAndTruncated) {
  ExpectError("", 0, "unexpected end of input");
  ExpectError("   ", 3, "unexpected end of input");
  ExpectError("[", 1, "unexpected end of input");
  ExpectError("[1", 2, "unexpected end of input");
  ExpectError("[1,", 3, "unexpected end of input");
  ExpectError("{", 1, "unexpected end of input");
  ExpectError("{\"a\"", 4, "unexpected end of input");
  ExpectError("{\"a\":", 5, "unexpected end of input");
  ExpectError("{\"a\":1", 6, "unexpected end of input");
  ExpectError("\"abc", 0, "unterminated string");
  ExpectError("[\"ab\\", 5, "unexpected end of input");
}

TEST(JsonErrors, Structure) {
  ExpectError("{\"a\" 1}", 5, "expected ':'");
  ExpectError("{\"a\":1 \"b\":2}", 7, "expected ',' or '}'");
  ExpectError("[1 2]", 3, "expected ',' or ']'");
  ExpectError("[1:2]", 2, "expected ',' or ']'");
  ExpectError("{1:2}", 1, "expected string key");
  ExpectError("{a:1}", 1, "expected string key");
  ExpectError("{'a':1}", 1, "expected string key");
  ExpectError("{\"a\":1,,\"b\":2}", 7, "expected string key");
  ExpectError("[1,,2]", 3, "expected value");
  ExpectError("[,]", 1, "expected value");
  ExpectError("]", 0, "expected value");
  ExpectError("'a'", 0, "expected value");
}

TEST(JsonErrors, TrailingCommas) {
  ExpectError("[1,]", 3, "trailing comma");
  ExpectError("[1, ]", 4, "trailing comma");
  ExpectError("{\"a\":1,}", 7, "trailing comma");
  ExpectError("{\"a\":1 , \n}", 10, "trailing comma");
}

TEST(JsonErrors, Comments) {
  ExpectError("// note\n1", 0, "comments are not allowed");
  ExpectError("[1,/*x*/2]", 3, "comments are not allowed");
  ExpectError("{\"a\":/*x*/1}", 5, "comments are not allowed");
  ExpectError("1 // note", 2, "unexpected characters after the value");
  ExpectError("# note\n1", 0, "expected value");
}

TEST(JsonErrors, TrailingGarbage) {
  ExpectError("1 2", 2, "unexpected characters after the value");
  ExpectError("{}x", 2, "unexpected characters after the value");
  ExpectError("[] []", 3, "unexpected characters after the value");
  ExpectError("truex", 4, "unexpected characters after the value");
  ExpectError("\"a\"\"b\"", 3, "unexpected characters after the value");
  ExpectError("1\0"s, 1, "unexpected characters after the value");
  ExpectError("1\x0B", 1, "unexpected characters after the value");  // vertical tab
}

TEST(JsonErrors, Numbers) {
  ExpectError("01", 0, "leading zeros are not allowed");
  ExpectError("-01", 1, "leading zeros are not allowed");
  ExpectError("[00]", 1, "leading zeros are not allowed");
  ExpectError("1.", 2, "expected digit after '.'");
  ExpectError("1.e5", 2, "expected digit after '.'");
  ExpectError("1e", 2, "expected digit in exponent");
  ExpectError("1e+", 3, "expected digit in exponent");
  ExpectError("1E-x", 3, "expected digit in exponent");
  ExpectError("-", 1, "expected digit");
  ExpectError("-a", 1, "expected digit");
  ExpectError("--1", 1, "expected digit");
  ExpectError("-Infinity", 1, "expected digit");
  ExpectError(".5", 0, "expected value");
  ExpectError("+1", 0, "expected value");
  ExpectError("NaN", 0, "expected value");
  ExpectError("Infinity", 0, "expected value");
  ExpectError("0x10", 1, "unexpected characters after the value");
  ExpectError("1.5.2", 3, "unexpected characters after the value");
}

TEST(JsonErrors, Literals) {
  ExpectError("tru", 0, "invalid literal");
  ExpectError("nul", 0, "invalid literal");
  ExpectError("fals", 0, "invalid literal");
  ExpectError("[trUe]", 1, "invalid literal");
  ExpectError("True", 0, "expected value");
  ExpectError("NULL", 0, "expected value");
}

TEST(JsonErrors, StringControlCharacters) {
  ExpectError("\"a\nb\"", 2, "unescaped control character in string");
  ExpectError("\"\t\"", 1, "unescaped control character in string");
  ExpectError("\"\x1F\"", 1, "unescaped control character in string");
  ExpectError("\"a\0b\""s, 2, "unescaped control character in string");
}

TEST(JsonErrors, Escapes) {
  ExpectError(R"("\x41")", 1, "invalid escape sequence");
  ExpectError(R"("\a")", 1, "invalid escape sequence");
  ExpectError(R"("\')", 1, "invalid escape sequence");
  ExpectError(R"("\U0041")", 1, "invalid escape sequence");
  ExpectError(R"("ab\u12")", 3, "invalid \\u escape");
  ExpectError(R"("\u12G4")", 1, "invalid \\u escape");
  ExpectError(R"("\u")", 1, "invalid \\u escape");
  ExpectError(R"("\u 123")", 1, "invalid \\u escape");
}

TEST(JsonErrors, LoneSurrogates) {
  ExpectError(R"("\ud800")", 1, "unpaired surrogate in \\u escape");
  ExpectError(R"("\udc00")", 1, "unpaired surrogate in \\u escape");
  ExpectError(R"("\uDFFF\uD800")", 1, "unpaired surrogate in \\u escape");
  ExpectError(R"("x\ud83d\u0041")", 2, "unpaired surrogate in \\u escape");
  ExpectError(R"("\ud83d\ud83d")", 1, "unpaired surrogate in \\u escape");
  ExpectError(R"("\ud83dx")", 1, "unpaired surrogate in \\u escape");
  ExpectError(R"("\ud83d\n")", 1, "unpaired surrogate in \\u escape");
  ExpectError(R"("\ud83d\u12")", 7, "invalid \\u escape");
  ExpectError("\"\\ud83d", 1, "unpaired surrogate in \\u escape");
}

TEST(JsonErrors, InvalidUtf8InStrings) {
  const char* kBad[] = {
      "\"\xFF\"",              // never valid
      "\"\x80\"",              // lone continuation byte
      "\"\xC0\xAF\"",          // overlong '/'
      "\"\xC1\xBF\"",          // overlong
      "\"\xE0\x80\xAF\"",      // overlong 3-byte
      "\"\xF0\x80\x80\xAF\"",  // overlong 4-byte
      "\"\xED\xA0\x80\"",      // UTF-16 surrogate D800 encoded
      "\"\xED\xBF\xBF\"",      // surrogate DFFF encoded
      "\"\xF4\x90\x80\x80\"",  // U+110000
      "\"\xF5\x80\x80\x80\"",  // lead byte past U+10FFFF
      "\"\xE2\x82\"",          // truncated 3-byte
      "\"\xC3\"",              // truncated 2-byte before the quote
      "\"\xF0\x9F\x98\"",      // truncated 4-byte
  };
  for (const char* bad : kBad) ExpectError(bad, 1, "invalid UTF-8 in string");
  ExpectError("\"ok\xC3", 3, "invalid UTF-8 in string");  // truncated at end of input
  ExpectError("{\"k\xFF\":1}", 3, "invalid UTF-8 in string");
}

TEST(JsonErrors, InvalidBytesOutsideStrings) {
  ExpectError("\xEF\xBB\xBF{}", 0, "expected value");  // byte order mark
  ExpectError(
      "\xC2\xA0"
      "1",
      0, "expected value");  // no-break space
  ExpectError("[1,\xFF]", 3, "expected value");
}

TEST(JsonErrors, MessageNeverQuotesInput) {
  const std::string secret = "123-45-6789";
  const std::string inputs[] = {
      "{\"ssn\": \"" + secret + "\" x}",
      "{\"" + secret + "\" 1}",
      "[\"" + secret + "\",]",
      "\"" + secret + "\n\"",
      "\"" + secret + "\\q\"",
      "\"" + secret,
      secret,
      "[" + secret + "]",
  };
  for (const std::string& input : inputs) {
    std::string message = ParseError(input);
    EXPECT_EQ(message.find(secret), std::string::npos) << message;
    EXPECT_EQ(message.find("6789"), std::string::npos) << message;
    EXPECT_EQ(message.rfind("invalid JSON at byte ", 0), 0u) << message;
  }
}

TEST(JsonDump, Compact) {
  EXPECT_EQ(Canonical(" { \"a\" : [ 1 , 2.50 , true , false , null ] , \"b\" : \"x\" } "),
            R"({"a":[1,2.50,true,false,null],"b":"x"})");
  EXPECT_EQ(Value().Dump(), "null");
  EXPECT_EQ(Value::Bool(true).Dump(), "true");
}

TEST(JsonDump, StringEscapes) {
  EXPECT_EQ(Value::String("a\"b\\c/d").Dump(), R"("a\"b\\c/d")");
  EXPECT_EQ(Value::String("\b\f\n\r\t").Dump(), R"("\b\f\n\r\t")");
  EXPECT_EQ(Value::String("\x01\x1F"s + '\0').Dump(), R"("\u0001\u001f\u0000")");
  EXPECT_EQ(Value::String("\x7F").Dump(), "\"\x7F\"");
  EXPECT_EQ(Value::String("\xC3\xA9\xF0\x9F\x98\x80").Dump(), "\"\xC3\xA9\xF0\x9F\x98\x80\"");
  // Escapes the input used are normalised; non-ASCII is written raw.
  EXPECT_EQ(Canonical(R"("\/\u0041\u00e9\ud83d\ude00\u001F")"),
            "\"/A\xC3\xA9\xF0\x9F\x98\x80\\u001f\"");
}

TEST(JsonDump, InvalidUtf8BecomesReplacementCharacter) {
  EXPECT_EQ(Value::String("a\xFF"
                          "b")
                .Dump(),
            "\"a\xEF\xBF\xBD"
            "b\"");
  EXPECT_EQ(Value::String("\xE2\x82").Dump(), "\"\xEF\xBF\xBD\xEF\xBF\xBD\"");
  EXPECT_EQ(Value::String("\xED\xA0\x80").Dump(), "\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\"");
  std::string out = "x";
  AppendQuoted(out, "\xC0\xAF");
  EXPECT_EQ(out, "x\"\xEF\xBF\xBD\xEF\xBF\xBD\"");
  EXPECT_NO_THROW(Parse(out.substr(1)));
}

// ParseUniqueKeys refuses a repeated key, at any depth and past the hash index's
// threshold; Parse keeps the last value.
TEST(JsonTest, ParseUniqueKeys) {
  EXPECT_EQ(Parse(R"({"a":1,"a":2})").Find("a")->as_number(), 2);
  EXPECT_THROW(ParseUniqueKeys(R"({"a":1,"a":2})"), Error);
  EXPECT_THROW(ParseUniqueKeys(R"({"x":{"b":1,"b":1}})"), Error);
  std::string many = "{";
  for (int i = 0; i < 40; ++i) many += "\"k" + std::to_string(i) + "\":" + std::to_string(i) + ",";
  EXPECT_NO_THROW(ParseUniqueKeys(many + "\"z\":0}"));
  EXPECT_THROW(ParseUniqueKeys(many + "\"k3\":0}"), Error);
}

// With ascii_only every character outside ASCII is a \u escape (a surrogate pair beyond
// U+FFFF) that parses back to the same text; invalid bytes are U+FFFD as before.
TEST(JsonTest, AppendQuotedAsciiOnly) {
  const std::string text = "Gr\xC3\xB6\xC3\x9F" "e \xF0\x9F\x98\x80 \xE6\x97\xA5 \"q\"";
  std::string out;
  AppendQuoted(out, text, /*ascii_only=*/true);
  EXPECT_EQ(out, "\"Gr\\u00f6\\u00dfe \\ud83d\\ude00 \\u65e5 \\\"q\\\"\"");
  for (unsigned char c : out) EXPECT_LT(c, 0x80);
  EXPECT_EQ(Parse(out).as_string(), text);
  out.clear();
  AppendQuoted(out, "a\xFF", /*ascii_only=*/true);
  EXPECT_EQ(out, "\"a\\ufffd\"");
}

TEST(JsonDump, NumbersFromDoubles) {
  EXPECT_EQ(Value::Number(1.5).Dump(), "1.5");
  EXPECT_EQ(Value::Number(-3).Dump(), "-3");
  EXPECT_EQ(Value::Number(0.1).Dump(), "0.1");
  EXPECT_EQ(Value::Number(1e21).Dump(), "1e+21");
  EXPECT_EQ(Value::Number(HUGE_VAL).Dump(), "1e999");
  EXPECT_EQ(Value::Number(-HUGE_VAL).Dump(), "-1e999");
  EXPECT_EQ(Value::Number(std::nan("")).Dump(), "null");
  EXPECT_EQ(Value::Number(2, "2.0").Dump(), "2.0");
  EXPECT_EQ(Value::Number(2, "two").Dump(), "2");
  EXPECT_EQ(Value::Number(2, "02").Dump(), "2");
  EXPECT_EQ(Value::Number(2, "2 ").Dump(), "2");
  for (double d : {0.1, 1.0 / 3, 6.02214076e23, -2.2250738585072014e-308, 5e-324}) {
    EXPECT_EQ(Parse(Value::Number(d).Dump()).as_number(), d);
  }
}

TEST(JsonDump, BuiltValues) {
  Value::Object members;
  members.emplace_back("op", Value::String("mask"));
  members.emplace_back("keep_last", Value::Number(4));
  members.emplace_back("list", Value::MakeArray({Value(), Value::Bool(false)}));
  Value v = Value::MakeObject(std::move(members));
  EXPECT_EQ(v.Dump(), R"({"op":"mask","keep_last":4,"list":[null,false]})");
  EXPECT_EQ(v.Find("op")->as_string(), "mask");
  EXPECT_EQ(Value::MakeArray().Dump(), "[]");
  EXPECT_EQ(Value::MakeObject().Dump(), "{}");
}

TEST(JsonDump, RoundTrip) {
  const char* docs[] = {
      "null",
      "true",
      "-0.0e-0",
      R"("")",
      R"("\u0000\u007f\u0080\uffff")",
      R"({"US_SSN": {"op": "mask", "keep_last": 4, "mask_char": "#"}, "default": {"op": "label"}})",
      R"([1, -1, 1.0, 1e10, 1E-10, 123456789012345678901234567890])",
      R"({"nested": [[[{"a": [{}, [], "x"]}]]], "s": "tab\there \"quoted\" back\\slash"})",
      "[\"\xE6\x97\xA5\xE6\x9C\xAC\", \"\\ud834\\udd1e\"]",
  };
  for (const char* doc : docs) {
    SCOPED_TRACE(doc);
    std::string once = Canonical(doc);
    EXPECT_EQ(Canonical(once), once);
    // Dump has no insignificant whitespace outside strings.
    Value v = Parse(once);
    EXPECT_EQ(v.Dump(), once);
  }
}

TEST(JsonTypes, TypeNames) {
  EXPECT_STREQ(TypeName(Type::kNull), "null");
  EXPECT_STREQ(TypeName(Type::kBool), "boolean");
  EXPECT_STREQ(TypeName(Type::kNumber), "number");
  EXPECT_STREQ(TypeName(Type::kString), "string");
  EXPECT_STREQ(TypeName(Type::kArray), "array");
  EXPECT_STREQ(TypeName(Type::kObject), "object");
  EXPECT_EQ(Parse("{}").type(), Type::kObject);
  EXPECT_EQ(Parse("[]").type(), Type::kArray);
  EXPECT_EQ(Parse("\"\"").type(), Type::kString);
  EXPECT_EQ(Parse("1").type(), Type::kNumber);
  EXPECT_EQ(Parse("false").type(), Type::kBool);
  EXPECT_EQ(Parse("null").type(), Type::kNull);
}

}  // namespace
}  // namespace comply::json
