#include "core/pii/redactor.h"

#include <gtest/gtest.h>
#include <openssl/hmac.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "core/json.h"
#include "core/nfc.h"
#include "core/pii/detector.h"
#include "test_util.h"

namespace comply::pii {
namespace {

using test::AllText;
using test::SqlstateOf;
using test::TempFile;

constexpr char kKey[] = "0123456789abcdef-test-key";

OperatorConfig Ops(std::string_view config_json) {
  return ParseOperators(json::Parse(config_json));
}

// Replacement for original found as entity, under the operators in config_json.
std::string Apply(std::string_view config_json, std::string_view entity,
                  std::string_view original, std::string_view key = kKey) {
  OperatorConfig config = Ops(config_json);
  return ApplyOperator(config.For(entity), entity, original, key);
}

// Everything an Error carries that may reach the user.
// The error ParseOperators throws for config_json; checks its SQLSTATE (22023), that it
// names where (a key path such as "US_SSN.keep_lst") and that it does not contain secret,
// a value from the JSON.
::testing::AssertionResult OperatorError(std::string_view config_json, std::string_view where,
                                         std::string_view secret = {}) {
  try {
    ParseOperators(json::Parse(config_json));
  } catch (const Error& e) {
    std::string text = AllText(e);
    if (std::string_view(e.sqlstate()) != sqlstate::kInvalidParameterValue)
      return ::testing::AssertionFailure() << "sqlstate " << e.sqlstate() << " for " << config_json;
    if (text.find(where) == std::string::npos)
      return ::testing::AssertionFailure() << "'" << where << "' not named in: " << text;
    if (!secret.empty() && text.find(secret) != std::string::npos)
      return ::testing::AssertionFailure() << "value '" << secret << "' leaked in: " << text;
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure() << "no error for " << config_json;
}

// The sqlstate of the comply::Error fn throws ("" if none); its text goes to *text.
bool IsPseudonym(std::string_view s) {
  if (s.size() != 35 || s.substr(0, 3) != "ps_") return false;
  for (char c : s.substr(3))
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

// ---------------------------------------------------------------------------------------
// ParseOperators

TEST(OperatorParseTest, NullAndEmptyGiveLabelDefault) {
  for (const char* text : {"null", "{}"}) {
    OperatorConfig c = Ops(text);
    EXPECT_TRUE(c.per_entity.empty()) << text;
    EXPECT_EQ(c.default_op.kind, OpKind::kLabel) << text;
    EXPECT_TRUE(c.default_op.label.empty()) << text;
    EXPECT_FALSE(c.NeedsKey()) << text;
  }
}

TEST(OperatorParseTest, PerEntityAndDefault) {
  OperatorConfig c = Ops(R"({"US_SSN": {"op": "mask", "keep_last": 2, "mask_char": "#"},
                             "email_address": {"op": "hash"},
                             "PERSON": {"op": "label", "label": "<name>"},
                             "CRYPTO": {"op": "remove"},
                             "default": {"op": "keep"}})");
  ASSERT_EQ(c.per_entity.size(), 4u);
  EXPECT_EQ(c.For("US_SSN").kind, OpKind::kMask);
  EXPECT_EQ(c.For("US_SSN").keep_last, 2);
  EXPECT_EQ(c.For("US_SSN").mask_char, "#");
  EXPECT_EQ(c.For("EMAIL_ADDRESS").kind, OpKind::kHash);  // keys are upper-cased
  EXPECT_EQ(c.per_entity.count("email_address"), 0u);
  EXPECT_EQ(c.For("PERSON").label, "<name>");
  EXPECT_EQ(c.For("CRYPTO").kind, OpKind::kRemove);
  EXPECT_EQ(c.For("IBAN_CODE").kind, OpKind::kKeep);  // the default
  EXPECT_TRUE(c.NeedsKey());
  EXPECT_EQ(Ops(R"({"DEFAULT": {"op": "remove"}})").default_op.kind, OpKind::kRemove);
}

// "redact_keys" with a boolean is the option (any case); with an object it is still an
// entity's operator; anything else is refused.
TEST(OperatorParseTest, RedactKeysOption) {
  EXPECT_FALSE(Ops("{}").redact_keys);
  OperatorConfig c = Ops(R"({"redact_keys": true, "US_SSN": {"op": "mask"}})");
  EXPECT_TRUE(c.redact_keys);
  EXPECT_EQ(c.per_entity.size(), 1u);  // not an entity
  EXPECT_TRUE(Ops(R"({"REDACT_KEYS": true})").redact_keys);
  EXPECT_FALSE(Ops(R"({"redact_keys": false})").redact_keys);
  OperatorConfig entity = Ops(R"({"redact_keys": {"op": "remove"}})");
  EXPECT_FALSE(entity.redact_keys);
  EXPECT_EQ(entity.For("REDACT_KEYS").kind, OpKind::kRemove);
  for (const char* bad : {R"({"redact_keys": "true"})", R"({"redact_keys": 1})",
                          R"({"redact_keys": null})", R"({"Redact_Keys": [true]})"})
    EXPECT_TRUE(OperatorError(bad, "eys\": expected true or false")) << bad;  // the key as given
}

// Keys take labels: the entity's own label text, or "[ENTITY]"; keep stays keep.
TEST(OperatorParseTest, KeyOperatorsAreLabels) {
  OperatorConfig c = KeyOperators(Ops(R"({"US_SSN": {"op": "mask"}, "EMAIL_ADDRESS": {"op": "hash"},
                                          "PERSON": {"op": "label", "label": "<name>"},
                                          "IBAN_CODE": {"op": "keep"}, "CRYPTO": {"op": "remove"},
                                          "default": {"op": "mask"}, "redact_keys": true})"));
  EXPECT_FALSE(c.NeedsKey());
  EXPECT_EQ(ApplyOperator(c.For("US_SSN"), "US_SSN", "536-22-8714", {}), "[US_SSN]");
  EXPECT_EQ(ApplyOperator(c.For("EMAIL_ADDRESS"), "EMAIL_ADDRESS", "a@b.org", {}), "[EMAIL_ADDRESS]");
  EXPECT_EQ(ApplyOperator(c.For("PERSON"), "PERSON", "Ada", {}), "<name>");
  EXPECT_EQ(ApplyOperator(c.For("IBAN_CODE"), "IBAN_CODE", "GB82", {}), "GB82");
  EXPECT_EQ(ApplyOperator(c.For("CRYPTO"), "CRYPTO", "1BoatSLRHt", {}), "[CRYPTO]");
  EXPECT_EQ(ApplyOperator(c.For("PHONE_NUMBER"), "PHONE_NUMBER", "555", {}), "[PHONE_NUMBER]");
  EXPECT_EQ(KeyOperators(Ops(R"({"default": {"op": "keep"}})")).default_op.kind, OpKind::kKeep);
}

TEST(OperatorParseTest, MaskDefaultsAndLimits) {
  Operator m = Ops(R"({"X": {"op": "mask"}})").For("X");
  EXPECT_EQ(m.keep_last, 4);
  EXPECT_EQ(m.mask_char, "*");
  EXPECT_EQ(Ops(R"({"X": {"op": "mask", "keep_last": 0}})").For("X").keep_last, 0);
  EXPECT_EQ(Ops(R"({"X": {"op": "mask", "keep_last": 1000}})").For("X").keep_last, 1000);
  EXPECT_EQ(Ops(R"({"X": {"op": "mask", "keep_last": 3.0}})").For("X").keep_last, 3);
  EXPECT_EQ(Ops(R"({"X": {"op": "mask", "mask_char": "█"}})").For("X").mask_char, "█");
  EXPECT_EQ(Ops(R"({"X": {"op": "mask", "mask_char": "😀"}})").For("X").mask_char, "😀");
  EXPECT_EQ(Ops(R"({"X": {"op": "mask", "mask_char": "\u00e9"}})").For("X").mask_char, "é");
}

TEST(OperatorParseTest, NeedsKeyOnlyWithHash) {
  EXPECT_FALSE(Ops(R"({"X": {"op": "mask"}, "default": {"op": "label"}})").NeedsKey());
  EXPECT_TRUE(Ops(R"({"X": {"op": "hash"}})").NeedsKey());
  EXPECT_TRUE(Ops(R"({"default": {"op": "hash"}})").NeedsKey());
}

TEST(OperatorParseTest, ErrorsNameTheKeyNeverTheValue) {
  EXPECT_TRUE(OperatorError(R"({"US_SSN": {"op": "mask", "keep_lst": 4}})", "US_SSN.keep_lst"));
  EXPECT_TRUE(OperatorError(R"({"US_SSN": {"op": "mask", "keep_last": 123456789}})",
                            "US_SSN.keep_last", "123456789"));
  EXPECT_TRUE(OperatorError(R"({"US_SSN": {"op": "mask", "keep_last": -7}})",
                            "US_SSN.keep_last", "-7"));
  EXPECT_TRUE(OperatorError(R"({"US_SSN": {"op": "mask", "keep_last": 2.5}})",
                            "US_SSN.keep_last", "2.5"));
  EXPECT_TRUE(OperatorError(R"({"US_SSN": {"op": "mask", "keep_last": "4"}})",
                            "US_SSN.keep_last"));
  EXPECT_TRUE(OperatorError(R"({"US_SSN": {"op": "mask", "mask_char": "secretXY"}})",
                            "US_SSN.mask_char", "secretXY"));
  EXPECT_TRUE(OperatorError(R"({"US_SSN": {"op": "mask", "mask_char": ""}})",
                            "US_SSN.mask_char"));
  EXPECT_TRUE(OperatorError(R"({"US_SSN": {"op": "mask", "mask_char": "e\u0301"}})",
                            "US_SSN.mask_char"));  // two code points
  EXPECT_TRUE(OperatorError(R"({"US_SSN": {"op": "mask", "mask_char": 42}})",
                            "US_SSN.mask_char"));
  // Invisible, bidi, control, combining, space and digit characters are no mask (QA 14:
  // a zero-width mask shrank the value each time the policy ran on it again).
  for (const char* c : {"\\u200b", "\\u202e", "\\u00ad", "\\u0007", "\\u0301", " ",
                        "\\u3000", "1", "\\u0663", "\\uff11", "\\ue000",
                        // Blank-looking letters (QA 17).
                        "\\u3164", "\\u115f", "\\u1160", "\\uffa0", "\\u2800"}) {
    const std::string ops = std::string(R"({"X": {"op": "mask", "mask_char": ")") + c + "\"}}";
    EXPECT_TRUE(OperatorError(ops, "X.mask_char")) << c;
  }
  EXPECT_TRUE(OperatorError(R"({"PERSON": {"op": "label", "label": 98765}})", "PERSON.label",
                            "98765"));
  // Said as it is: a number is not a string (it was "expected a string without NUL
  // characters", as if a NUL were the fault).
  EXPECT_TRUE(OperatorError(R"({"PERSON": {"op": "label", "label": 98765}})",
                            "expected a string, got number", "98765"));
  EXPECT_TRUE(OperatorError(R"({"PERSON": {"op": "mask", "label": "hush-value"}})",
                            "PERSON.label", "hush-value"));  // not an option of mask
  EXPECT_TRUE(OperatorError(R"({"PERSON": {"op": "label", "keep_last": 4}})",
                            "PERSON.keep_last"));
  EXPECT_TRUE(OperatorError(R"({"PERSON": {"op": "hash", "mask_char": "#"}})",
                            "PERSON.mask_char"));
  EXPECT_TRUE(OperatorError(R"({"US_SSN": {"op": "shred-it-secret"}})", "US_SSN.op",
                            "shred-it-secret"));
  EXPECT_TRUE(OperatorError(R"({"US_SSN": {"op": 17}})", "US_SSN.op"));
  EXPECT_TRUE(OperatorError(R"({"US_SSN": {"keep_last": 4}})", "US_SSN"));  // no op
  EXPECT_TRUE(OperatorError(R"({"US_SSN": "value-not-object"})", "US_SSN", "value-not-object"));
  EXPECT_TRUE(OperatorError(R"({"US_SSN": ["arr-secret"]})", "US_SSN", "arr-secret"));
  EXPECT_TRUE(OperatorError(R"({"default": {"op": "nope-secret"}})", "default.op",
                            "nope-secret"));
  EXPECT_TRUE(OperatorError(R"({"": {"op": "label"}})", "key \"\""));
  // One operator an entity: names ignore case (the lower-case spelling won, whatever the
  // order, QA 17).
  EXPECT_TRUE(OperatorError(R"({"US_SSN": {"op": "label"}, "us_ssn": {"op": "keep"}})",
                            "a second operator for the same entity"));
  EXPECT_TRUE(OperatorError(R"({"default": {"op": "label"}, "Default": {"op": "keep"}})",
                            "a second default operator"));
  EXPECT_EQ(Ops(R"({"Default": {"op": "keep"}})").default_op.kind, OpKind::kKeep);
  EXPECT_TRUE(OperatorError(R"(["top-secret"])", "top level", "top-secret"));
  EXPECT_TRUE(OperatorError(R"("top-secret")", "top level", "top-secret"));
  EXPECT_TRUE(OperatorError("42", "top level"));
}

// ---------------------------------------------------------------------------------------
// Operators

TEST(OperatorApplyTest, LabelDefaultAndCustom) {
  EXPECT_EQ(Apply("{}", "US_SSN", "536-22-8714"), "[US_SSN]");
  EXPECT_EQ(Apply(R"({"US_SSN": {"op": "label"}})", "US_SSN", "536-22-8714"), "[US_SSN]");
  EXPECT_EQ(Apply(R"({"US_SSN": {"op": "label", "label": "<SSN>"}})", "US_SSN", "536-22-8714"),
            "<SSN>");
  EXPECT_EQ(Apply(R"({"US_SSN": {"op": "label", "label": ""}})", "US_SSN", "x"), "[US_SSN]");
  EXPECT_EQ(Apply(R"({"default": {"op": "label", "label": "██"}})", "PERSON", "Ann"), "██");
}

TEST(OperatorApplyTest, MaskKeepsLastCharacters) {
  const char* m = R"({"US_SSN": {"op": "mask"}})";
  EXPECT_EQ(Apply(m, "US_SSN", "536-22-8714"), "*******8714");
  EXPECT_EQ(Apply(R"({"US_SSN": {"op": "mask", "keep_last": 0}})", "US_SSN", "536-22-8714"),
            "***********");
  EXPECT_EQ(Apply(R"({"US_SSN": {"op": "mask", "keep_last": 1}})", "US_SSN", "536-22-8714"),
            "**********4");
  // Never more than half the characters are kept: a keep_last at or over the length
  // does not show the value whole.
  EXPECT_EQ(Apply(R"({"US_SSN": {"op": "mask", "keep_last": 11}})", "US_SSN", "536-22-8714"),
            "******-8714");
  EXPECT_EQ(Apply(R"({"US_SSN": {"op": "mask", "keep_last": 1000}})", "US_SSN", "536"), "**6");
  EXPECT_EQ(Apply(R"({"X": {"op": "mask", "keep_last": 4}})", "X", "1234"), "**34");
  EXPECT_EQ(Apply(R"({"X": {"op": "mask", "keep_last": 4}})", "X", "7"), "*");
  // Masking a masked value changes nothing.
  EXPECT_EQ(Apply(R"({"X": {"op": "mask", "keep_last": 4}})", "X", "**34"), "**34");
  EXPECT_EQ(Apply(m, "US_SSN", ""), "");
}

TEST(OperatorApplyTest, MaskCountsUtf8Characters) {
  // A 3-byte mask character, once per masked character.
  std::string masked =
      Apply(R"({"X": {"op": "mask", "mask_char": "█"}})", "X", "536-22-8714");
  EXPECT_EQ(masked, "███████8714");
  EXPECT_EQ(Utf8Length(masked), 11u);
  EXPECT_EQ(Apply(R"({"X": {"op": "mask", "keep_last": 2, "mask_char": "😀"}})", "X", "abcd"),
            "😀😀cd");
  // Multi-byte characters in the original count once, masked or kept.
  EXPECT_EQ(Apply(R"({"X": {"op": "mask", "keep_last": 5}})", "X", "José Álvarez"),
            "*******varez");
  EXPECT_EQ(Apply(R"({"X": {"op": "mask", "keep_last": 8}})", "X", "José Álvarez"),
            "******lvarez");  // at most half of the 12 characters
  EXPECT_EQ(Apply(R"({"X": {"op": "mask", "keep_last": 2}})", "X", "日本語テキスト"),
            "*****スト");
  EXPECT_EQ(Apply(R"({"X": {"op": "mask", "keep_last": 1, "mask_char": "é"}})", "X", "😀😀😀"),
            "éé😀");
}

// Invisible characters (a zero-width space, joiners, bidi marks, a soft hyphen, a byte
// order mark) are neither shown nor counted: keep_last keeps as many characters a reader
// sees, and they cannot stretch a short value so that half of it is all of it.
TEST(OperatorApplyTest, MaskDropsInvisibleCharacters) {
  const char* m = R"({"X": {"op": "mask", "keep_last": 4}})";
  EXPECT_EQ(Apply(m, "X", "4111 1111 1111 11\u200b11"), "***************1111");
  EXPECT_EQ(Apply(m, "X", "4111 1111 1111 1111"), "***************1111");  // the same
  EXPECT_EQ(Apply(m, "X", "\u200e536-22-8714\u200f"), "*******8714");
  EXPECT_EQ(Apply(m, "X", "5\u00ad3\u200c6-22-8\u200d7\u20601\ufeff4"), "*******8714");
  EXPECT_EQ(Apply(m, "X", "\u202a\u2066536\u2069\u202c"), "**6");
  // Never more than half of what is seen: two digits and four invisible characters are
  // two characters, of which one is kept.
  EXPECT_EQ(Apply(m, "X", "12\u200b\u200b\u200b\u200b"), "*2");
  EXPECT_EQ(Apply(m, "X", "\u200b\u200b\u200b\u200b1234"), "**34");
  EXPECT_EQ(Apply(R"({"X": {"op": "mask", "keep_last": 1000}})", "X", "1\u200b2\u200b3\u200b4"),
            "**34");
  EXPECT_EQ(Apply(R"({"X": {"op": "mask", "keep_last": 0}})", "X", "53\u200b6"), "***");
  // Nothing visible: nothing written.
  EXPECT_EQ(Apply(m, "X", "\u200b"), "");
  EXPECT_EQ(Apply(m, "X", "\u200e\u200f\ufeff"), "");
  EXPECT_EQ(Apply(m, "X", ""), "");
  // Visible characters that the detector reads as ASCII are characters: a no-break
  // space, fullwidth and Arabic-Indic digits, kept as written.
  EXPECT_EQ(Apply(m, "X", "4111\u00a01111"), "*****1111");
  EXPECT_EQ(Apply(m, "X", "\uff15\uff13\uff16\u200b\uff18\uff17\uff11\uff14"),
            "****\uff17\uff11\uff14");  // (seven characters: three kept)
  EXPECT_EQ(Apply(m, "X", "\u0665\u0663\u0666\u200b\u0661\u0664"), "***\u0661\u0664");
  // A mask character of several bytes, once per visible character.
  EXPECT_EQ(Apply(R"({"X": {"op": "mask", "keep_last": 2, "mask_char": "\u2022"}})", "X",
                  "ab\u200bcd\u200b"),
            "\u2022\u2022cd");
  // A letter and the combining marks after it are one character, as the letter they
  // compose to is: keep_last 4 shows four of them.
  EXPECT_EQ(Apply(m, "X", "ABCDEFGHe\u0301"), "*****FGHe\u0301");
  EXPECT_EQ(Apply(m, "X", "ABCDEFGH\u00e9"), "*****FGH\u00e9");
  EXPECT_EQ(Apply(m, "X", "Nguye\u0302\u0303n Van"), "****** Van");  // ten characters
  // Marks with no letter before them: one character (the first and those after it).
  EXPECT_EQ(Apply(m, "X", "\u0301\u0301abcd"), "***cd");
  // Masking a masked value changes nothing.
  const std::string masked = Apply(m, "X", "4111 1111 1111 11\u200b11");
  EXPECT_EQ(Apply(m, "X", masked), masked);
}

// Ill-formed UTF-8 counts a character a byte (a stray continuation byte, a lead byte
// whose sequence is cut short or broken), masked or kept as it is; nothing past the end
// of the value is read.
TEST(OperatorApplyTest, MaskOfIllFormedUtf8) {
  const char* m = R"({"X": {"op": "mask", "keep_last": 4}})";
  EXPECT_EQ(Apply(m, "X", std::string("\x80\xff\xc3", 3) + "abc\xe2\x82"), "****bc\xe2\x82");
  EXPECT_EQ(Apply(m, "X", std::string("\x80\x80\x80\x80", 4)), "**\x80\x80");
  EXPECT_EQ(Apply(m, "X", std::string("\xe2\x41\x42\x43", 4)), "**BC");
  EXPECT_EQ(Apply(m, "X", std::string("1234\xe2\x80", 6)), "***4\xe2\x80");
  // Every cut of a value of invisible and other characters, in a buffer of exactly its
  // length: ApplyOperator and ReplacementBytes agree.
  const std::string value = "1\u200b\u00e9\ufeff\U0001f600\u200e2\u00ad";
  const OperatorConfig c = Ops(m);
  for (size_t n = 0; n <= value.size(); ++n) {
    std::unique_ptr<char[]> exact(new char[n]);
    std::memcpy(exact.get(), value.data(), n);
    const std::string_view cut(exact.get(), n);
    EXPECT_EQ(ReplacementBytes(c.For("X"), "X", cut),
              ApplyOperator(c.For("X"), "X", cut, {}).size())
        << n;
  }
}

// A long value: its invisible characters dropped, the last four visible ones kept.
TEST(OperatorApplyTest, MaskOfALongValue) {
  std::string value;
  for (int i = 0; i < 300000; ++i) {
    value += static_cast<char>('0' + i % 10);
    if (i % 3 == 0) value += "\u200b";
  }
  const std::string masked = Apply(R"({"X": {"op": "mask", "keep_last": 4}})", "X", value);
  EXPECT_EQ(masked, std::string(300000 - 4, '*') + "6789");
}

TEST(OperatorApplyTest, HashIsKeyedPseudonym) {
  const char* h = R"({"default": {"op": "hash"}})";
  std::string p = Apply(h, "EMAIL_ADDRESS", "john.doe@example.com");
  EXPECT_TRUE(IsPseudonym(p)) << p;
  EXPECT_EQ(p, Pseudonym(kKey, "john.doe@example.com"));
  EXPECT_EQ(Apply(h, "US_SSN", "john.doe@example.com"), p);  // entity does not matter
}

TEST(OperatorApplyTest, HashWithoutKeyThrows55000) {
  std::string text;
  EXPECT_EQ(SqlstateOf([] { Apply(R"({"X": {"op": "hash"}})", "X", "536-22-8714", ""); }, &text),
            "55000");
  EXPECT_EQ(text.find("536-22-8714"), std::string::npos) << text;
}

TEST(OperatorApplyTest, RemoveAndKeep) {
  EXPECT_EQ(Apply(R"({"X": {"op": "remove"}})", "X", "536-22-8714"), "");
  EXPECT_EQ(Apply(R"({"X": {"op": "keep"}})", "X", "536-22-8714"), "536-22-8714");
  EXPECT_EQ(Apply(R"({"X": {"op": "keep"}})", "X", "é😀"), "é😀");
}

// ---------------------------------------------------------------------------------------
// Pseudonym

TEST(PseudonymTest, KnownAnswer) {
  // HMAC-SHA-256("key", "The quick brown fox jumps over the lazy dog") =
  // f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8 (RFC 4231 style vector).
  EXPECT_EQ(Pseudonym("key", "The quick brown fox jumps over the lazy dog"),
            "ps_f7bc83f430538424b13298e6aa6fb143");
}

// The HMAC's context is prepared once for a key and kept: another key, one that only
// begins like it, and the first again each get their own HMAC (the vector above and
// RFC 4231's test case 2, "Jefe").
TEST(PseudonymTest, KeysTakenInTurnEachGetTheirOwnHmac) {
  const std::string fox = "The quick brown fox jumps over the lazy dog";
  const std::string jefe = "what do ya want for nothing?";
  for (int round = 0; round < 2; ++round) {
    EXPECT_EQ(Pseudonym("key", fox), "ps_f7bc83f430538424b13298e6aa6fb143");
    EXPECT_EQ(Pseudonym("Jefe", jefe), "ps_5bdcc146bf60754e6a042426089575c7");
    EXPECT_NE(Pseudonym("keyX", fox), Pseudonym("key", fox));
    EXPECT_NE(Pseudonym("ke", fox), Pseudonym("key", fox));
    EXPECT_EQ(Pseudonym("key", fox), "ps_f7bc83f430538424b13298e6aa6fb143");
  }
}

TEST(PseudonymTest, KeyIdTellsKeysApartAndIsNoValuesPseudonym) {
  const std::string id = KeyId(kKey);
  ASSERT_EQ(id.size(), 20u) << id;
  EXPECT_EQ(id.rfind("kid_", 0), 0u) << id;
  EXPECT_EQ(id.find_first_not_of("0123456789abcdef", 4), std::string::npos) << id;
  EXPECT_EQ(KeyId(kKey), id);
  EXPECT_NE(KeyId(std::string(kKey) + "x"), id);
  // The message begins with a NUL byte: the text without it gives another MAC.
  EXPECT_NE(Pseudonym(kKey, "pg_comply pseudonymization key id").substr(3, 16), id.substr(4));
}

TEST(PseudonymTest, DeterministicAndDistinct) {
  std::string a = Pseudonym(kKey, "536-22-8714");
  EXPECT_TRUE(IsPseudonym(a)) << a;
  EXPECT_EQ(Pseudonym(kKey, "536-22-8714"), a);
  EXPECT_NE(Pseudonym(kKey, "536-22-8715"), a);                       // value
  EXPECT_NE(Pseudonym("another-key-0123456789", "536-22-8714"), a);   // key
  EXPECT_NE(Pseudonym(std::string(kKey) + "x", "536-22-8714"), a);
  EXPECT_TRUE(IsPseudonym(Pseudonym(kKey, "")));
  EXPECT_TRUE(IsPseudonym(Pseudonym(kKey, std::string(100000, 'x'))));
  // Embedded NULs are part of the value.
  EXPECT_NE(Pseudonym(kKey, std::string("a\0b", 3)), Pseudonym(kKey, "a"));
}

// The pseudonyms of values stored before: a value with nothing the detector folds (every
// ASCII one, one in precomposed letters or ideographs, ill-formed bytes) must keep its
// pseudonym, or pseudonymized columns stop joining and comply.forget finds nothing. The
// tokens were computed by the code of before the canonical form (and with openssl dgst
// -hmac for the first two).
TEST(PseudonymTest, ValuesWithNothingToFoldKeepTheirPseudonyms) {
  EXPECT_EQ(Pseudonym(kKey, "536-22-8714"), "ps_2322a982e42b9a1af421cfbda41c9de1");
  EXPECT_EQ(Pseudonym(kKey, "john@example.com"), "ps_f51dd3e61d71d0ee6555a96d6f1cd6f7");
  EXPECT_EQ(Pseudonym(kKey, "john.doe@example.com"), "ps_bec7a65d48280b68de16ca0b1dcf62d0");
  EXPECT_EQ(Pseudonym(kKey, "4111 1111 1111 1111"), "ps_85400aaf7bd73a44b9edef39870b40ec");
  EXPECT_EQ(Pseudonym(kKey, "+1 (212) 555-0100"), "ps_4e99bda4576a788fae01c25d22417825");
  EXPECT_EQ(Pseudonym(kKey, ""), "ps_4e838db83ed9d61d67486e03584555d1");
  EXPECT_EQ(Pseudonym(kKey, "Jos\u00e9 \u00c1lvarez"), "ps_0900c0c4c27e4a9dc2111c1dfabcc449");
  EXPECT_EQ(Pseudonym(kKey, "\u5c71\u7530\u592a\u90ce"), "ps_b4e3ab6461c725d4f38052f2e82ef075");
  EXPECT_EQ(Pseudonym(kKey, std::string("\x80\xff\xc3", 3) + "abc\xe2\x82"),
            "ps_0d2f22c2ff7cf23476e4a1938e3a02d8");
  std::string longer;
  for (int i = 0; i < 100000; ++i) longer += "0123456789 -@.abcXYZ"[i % 20];
  EXPECT_EQ(Pseudonym(kKey, longer), "ps_1c3ad40be590d39956ae4ee14a0cb328");
  EXPECT_EQ(KeyId(kKey), "kid_f461be0a9147cc72");
}

// Every ASCII value is hashed as it is: its pseudonym is the HMAC of its bytes, computed
// here with OpenSSL alone, for random values of every ASCII byte (NUL and controls too)
// and of every length up to past a few SSE2 blocks.
TEST(PseudonymTest, AsciiValuesAreHashedAsTheyAre) {
  auto reference = [](std::string_view value) {
    unsigned char mac[32];
    unsigned int len = 0;
    HMAC(EVP_sha256(), kKey, static_cast<int>(sizeof(kKey) - 1),
         reinterpret_cast<const unsigned char*>(value.data()), value.size(), mac, &len);
    static const char hex[] = "0123456789abcdef";
    std::string out = "ps_";
    for (int i = 0; i < 16; ++i) {
      out.push_back(hex[mac[i] >> 4]);
      out.push_back(hex[mac[i] & 15]);
    }
    return out;
  };
  std::mt19937 rng(20240611);
  for (int round = 0; round < 2000; ++round) {
    std::string value(rng() % 70, ' ');
    for (char& c : value) c = static_cast<char>(rng() % 0x80);
    ASSERT_EQ(Pseudonym(kKey, value), reference(value)) << "round " << round;
  }
}

// The forms of one value that a reader takes for it, copied, typed with another input
// method or planted to split one person into several, share its pseudonym: the fixed
// token of "536-22-8714" above.
TEST(PseudonymTest, FormsOfOneValueShareItsPseudonym) {
  const std::string ssn = "ps_2322a982e42b9a1af421cfbda41c9de1";  // of "536-22-8714"
  ASSERT_EQ(Pseudonym(kKey, "536-22-8714"), ssn);
  for (const std::string variant : {
           std::string("536-22\u200b-8714"),                    // a zero-width space inside
           std::string("\u200e536-22-8714\u200f"),              // bidi marks around
           std::string("\u2066536-22-8714\u2069"),              // a bidi isolate around
           std::string("\ufeff536-2\u00ad2-87\u200d14\u2060"),  // BOM, soft hyphen, joiners
           std::string("\uff15\uff13\uff16-\uff12\uff12-\uff18\uff17\uff11\uff14"),  // fullwidth
           std::string("\uff15\uff13\uff16\uff0d\uff12\uff12\uff0d\uff18\uff17\uff11\uff14"),
           std::string("\u0665\u0663\u0666-\u0662\u0662-\u0668\u0667\u0661\u0664"),  // Arabic-Indic
           std::string("\u06f5\u06f3\u06f6-22-8714"),         // Persian, mixed
           std::string("536\u201122\u20138714"),              // non-breaking hyphen, en dash
           std::string("536\u221222\u20148714"),              // minus sign, em dash between digits
           std::string("536\u200b\u201422\u2014\u200d8714"),  // invisible beside em dashes
           std::string("5\u03013\u03016-22-8714"),            // combining marks after digits
       }) {
    EXPECT_EQ(Pseudonym(kKey, variant), ssn) << variant;
  }
  // Unicode spaces are spaces, as written: the SSN with no-break spaces is the SSN with
  // spaces, not with hyphens.
  const std::string spaced = Pseudonym(kKey, "536 22 8714");
  EXPECT_EQ(Pseudonym(kKey, "536\u00a022\u202f8714"), spaced);
  EXPECT_EQ(Pseudonym(kKey, "536\u300022\u20098714"), spaced);
  EXPECT_NE(spaced, ssn);
  const std::string mail = "ps_f51dd3e61d71d0ee6555a96d6f1cd6f7";  // of "john@example.com"
  EXPECT_EQ(Pseudonym(kKey,
                      "\uff4a\uff4f\uff48\uff4e\uff20\uff45\uff58\uff41\uff4d\uff50"
                      "\uff4c\uff45\uff0e\uff43\uff4f\uff4d"),
            mail);
  EXPECT_EQ(Pseudonym(kKey, "john\u200b@example\u3002com"), mail);
  EXPECT_EQ(Pseudonym(kKey, "john\ufe6bexample\uff61com"), mail);
  // An accent written decomposed is the precomposed letter.
  EXPECT_EQ(Pseudonym(kKey, "Jose\u0301 A\u0301lvarez"), "ps_0900c0c4c27e4a9dc2111c1dfabcc449");
  // Invisible characters alone are the empty value.
  EXPECT_EQ(Pseudonym(kKey, "\u200b\u200e\ufeff"), Pseudonym(kKey, ""));
}

// Beyond the fold, Unicode's composition (NFC): letters of any script written with
// combining marks, Hangul written as jamo, and the singletons NFC maps, share the
// pseudonym of their composed form; different letters stay different.
TEST(PseudonymTest, ComposedAndDecomposedFormsShareOne) {
  EXPECT_EQ(Pseudonym(kKey, "Nguye\u0302\u0303n"), Pseudonym(kKey, "Nguy\u1ec5n"));
  // Đặng: its marks in either order (NFC puts the dot below first).
  EXPECT_EQ(Pseudonym(kKey, "\u0110a\u0323\u0306ng"), Pseudonym(kKey, "\u0110\u1eb7ng"));
  EXPECT_EQ(Pseudonym(kKey, "\u0110a\u0306\u0323ng"), Pseudonym(kKey, "\u0110\u1eb7ng"));
  EXPECT_EQ(Pseudonym(kKey, "\u0410\u043d\u0434\u0440\u0435\u0438\u0306"),
            Pseudonym(kKey, "\u0410\u043d\u0434\u0440\u0435\u0439"));  // Андрей
  EXPECT_EQ(Pseudonym(kKey, "\u1100\u1161\u11a8"), Pseudonym(kKey, "\uac01"));  // 각
  EXPECT_EQ(Pseudonym(kKey, "\u212b"), Pseudonym(kKey, "\u00c5"));  // the angstrom sign
  EXPECT_NE(Pseudonym(kKey, "Nguy\u1ec5n"), Pseudonym(kKey, "Nguyen"));
  EXPECT_NE(Pseudonym(kKey, "\u0410\u043d\u0434\u0440\u0435\u0439"),
            Pseudonym(kKey, "\u0410\u043d\u0434\u0440\u0435\u0438"));
}

// Long values: composed a segment at a time as they were whole; polled for a cancel while
// folding and normalizing (QA 17: 66 MB of combining marks ran 2.9 s past a 200 ms
// statement_timeout); thousands of combining marks in a row are no text, hashed folded.
TEST(PseudonymTest, LongValuesAndCancel) {
  std::string decomposed, composed;
  for (int i = 0; i < 100000; ++i) {
    decomposed += "Nguye\u0302\u0303n ";
    composed += "Nguy\u1ec5n ";
  }
  EXPECT_EQ(Pseudonym(kKey, decomposed), Pseudonym(kKey, composed));
  std::string nfc;
  ASSERT_TRUE(ToNfc(decomposed, &nfc));
  EXPECT_EQ(nfc, composed);
  const std::string marks = "a" + [] {
    std::string m;
    for (int i = 0; i < 100000; ++i) m += "\u0301";
    return m;
  }();
  EXPECT_FALSE(ToNfc(marks, &nfc));
  EXPECT_EQ(Pseudonym(kKey, marks).size(), kPseudonymLength);
  int polls = 0;
  const CancelCheck cancel = [&] {
    if (++polls > 3) throw Cancelled();
  };
  EXPECT_THROW(Pseudonym(kKey, decomposed, cancel), Cancelled);
  polls = 0;
  const std::string jamo = [] {
    std::string j;
    for (int i = 0; i < 100000; ++i) j += "\u1100\u1161";
    return j;
  }();
  EXPECT_THROW(Pseudonym(kKey, jamo, cancel), Cancelled);  // nothing to fold: NFC polls
}

// The fold is the detector's, and nothing more: no rule of an entity (an SSN's hyphens,
// an e-mail's case), no case folding of fullwidth letters, an em dash between words and
// an ideographic full stop ending a sentence as written.
TEST(PseudonymTest, NoEntitySpecificNormalisation) {
  EXPECT_NE(Pseudonym(kKey, "536228714"), Pseudonym(kKey, "536-22-8714"));
  EXPECT_NE(Pseudonym(kKey, "John@Example.com"), Pseudonym(kKey, "john@example.com"));
  EXPECT_EQ(Pseudonym(kKey, "\uff2a\uff4f\uff48\uff4e"), Pseudonym(kKey, "John"));
  EXPECT_NE(Pseudonym(kKey, "\uff2a\uff4f\uff48\uff4e"), Pseudonym(kKey, "john"));
  EXPECT_NE(Pseudonym(kKey, "us\u2014ann"), Pseudonym(kKey, "us-ann"));
  EXPECT_NE(Pseudonym(kKey, "\u6771\u4eac\u3002"), Pseudonym(kKey, "\u6771\u4eac."));
  EXPECT_EQ(Pseudonym(kKey, " 536-22-8714 "), Pseudonym(kKey, " 536-22-8714 "));
  EXPECT_NE(Pseudonym(kKey, " 536-22-8714 "), Pseudonym(kKey, "536-22-8714"));
}

// Ill-formed UTF-8 is hashed byte for byte (only whole sequences fold), as before when
// it holds nothing to fold; a value that ends inside a sequence reads nothing past it.
TEST(PseudonymTest, IllFormedUtf8IsHashedAsItIs) {
  const std::string bad = std::string("\x80\xff\xc3", 3) + "abc\xe2\x82";
  EXPECT_EQ(Pseudonym(kKey, bad), "ps_0d2f22c2ff7cf23476e4a1938e3a02d8");  // as before
  // A zero-width space among ill-formed bytes is left out; the bytes stay.
  EXPECT_EQ(Pseudonym(kKey, std::string("\x80\u200b\xff", 5)),
            Pseudonym(kKey, std::string("\x80\xff", 2)));
  // Cut short or overlong: not the character it would be.
  EXPECT_NE(Pseudonym(kKey, std::string("536\xe2\x80", 5)), Pseudonym(kKey, "536"));
  EXPECT_NE(Pseudonym(kKey, std::string("\xe0\x99\xa0", 3)), Pseudonym(kKey, "0"));
  // Every cut of a value of foldable characters, in a buffer of exactly its length.
  const std::string value = "\uff15\u200b\u0665\u00a0\U0001d7d3e\u0301\ufeff";
  for (size_t n = 0; n <= value.size(); ++n) {
    std::unique_ptr<char[]> exact(new char[n]);
    std::memcpy(exact.get(), value.data(), n);
    EXPECT_TRUE(IsPseudonym(Pseudonym(kKey, std::string_view(exact.get(), n)))) << n;
  }
}

// A long value: folded whole, its pseudonym that of its ASCII form.
TEST(PseudonymTest, LongValueFoldedWhole) {
  std::string ascii, wide;
  for (int i = 0; i < 200000; ++i) {
    const char d = static_cast<char>('0' + i % 10);
    ascii += d;
    wide += "\xef\xbc";
    wide += static_cast<char>(0x90 + i % 10);  // U+FF10 + d: fullwidth d
    if (i % 1000 == 999) wide += "\u200b";
  }
  EXPECT_EQ(Pseudonym(kKey, wide), Pseudonym(kKey, ascii));
}

// A value found in a text and replaced by the hash operator gets the pseudonym the value
// alone gets, as comply.pseudonymize and a pseudonymizing column give it: redacted texts
// and pseudonymized columns join whatever the form the value was written in.
TEST(PseudonymTest, HashOperatorInTextMatchesTheWholeValue) {
  Detector detector;
  const OperatorConfig hash = Ops(R"({"default": {"op": "hash"}})");
  const std::string ssn = Pseudonym(kKey, "536-22-8714");
  for (const std::string value : {
           std::string("536-22-8714"),
           std::string("536-22\u200b-8714"),
           std::string("\uff15\uff13\uff16-\uff12\uff12-\uff18\uff17\uff11\uff14"),
           std::string("\u0665\u0663\u0666-\u0662\u0662-\u0668\u0667\u0661\u0664"),
           std::string("536\u201422\u20148714"),
       }) {
    const std::string text = "SSN " + value + " on file";
    const std::vector<Finding> found = detector.Detect(text, DetectOptions{});
    ASSERT_EQ(found.size(), 1u) << value;
    EXPECT_EQ(Redact(text, found, hash, kKey), "SSN " + ssn + " on file") << value;
    EXPECT_EQ(Pseudonym(kKey, value), ssn) << value;
  }
  // Invisible characters around a value are outside its finding, and stay in the text;
  // the value with them pseudonymized whole gets the same pseudonym.
  const std::string marked = "\u200e536-22-8714\u200f";
  const std::string in_text = "SSN " + marked + " on file";
  const std::vector<Finding> found_marked = detector.Detect(in_text, DetectOptions{});
  ASSERT_EQ(found_marked.size(), 1u);
  EXPECT_EQ(Redact(in_text, found_marked, hash, kKey), "SSN \u200e" + ssn + "\u200f on file");
  EXPECT_EQ(Pseudonym(kKey, marked), ssn);
  const std::string text = "mail \uff4a\uff4f\uff48\uff4e\uff20example\u3002com today";
  const std::vector<Finding> found = detector.Detect(text, DetectOptions{});
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(Redact(text, found, hash, kKey),
            "mail ps_f51dd3e61d71d0ee6555a96d6f1cd6f7 today");  // of "john@example.com"
}

// ---------------------------------------------------------------------------------------
// Redact

Finding F(const char* entity, size_t begin, size_t end) { return {entity, begin, end, 1.0}; }

TEST(RedactTest, SeveralFindingsWithPerEntityOperators) {
  std::string text = "SSN 536-22-8714, mail john.doe@example.com, card 4111 1111 1111 1111.";
  std::vector<Finding> findings = {F("US_SSN", 4, 15), F("EMAIL_ADDRESS", 22, 42),
                                   F("CREDIT_CARD", 49, 68)};
  ASSERT_EQ(text.substr(22, 20), "john.doe@example.com");
  ASSERT_EQ(text.substr(49, 19), "4111 1111 1111 1111");
  OperatorConfig c = Ops(R"({"US_SSN": {"op": "mask"}, "EMAIL_ADDRESS": {"op": "hash"},
                           "CREDIT_CARD": {"op": "remove"}})");
  EXPECT_EQ(Redact(text, findings, c, kKey),
            "SSN *******8714, mail " + Pseudonym(kKey, "john.doe@example.com") + ", card .");
  EXPECT_EQ(Redact(text, findings, Ops("{}"), ""),
            "SSN [US_SSN], mail [EMAIL_ADDRESS], card [CREDIT_CARD].");
}

TEST(RedactTest, EdgesAdjacentAndNoFindings) {
  EXPECT_EQ(Redact("abcdef", {}, Ops("{}"), ""), "abcdef");
  EXPECT_EQ(Redact("", {}, Ops("{}"), ""), "");
  EXPECT_EQ(Redact("abcdef", {F("A", 0, 3), F("B", 3, 6)}, Ops("{}"), ""), "[A][B]");
  EXPECT_EQ(Redact("abcdef", {F("A", 0, 6)}, Ops(R"({"A": {"op": "remove"}})"), ""), "");
  EXPECT_EQ(Redact("é😀 xyz ü", {F("A", 7, 10)}, Ops("{}"), ""), "é😀 [A] ü");
}

TEST(RedactTest, HashWithoutKeyThrowsOnlyWhenUsed) {
  OperatorConfig c = Ops(R"({"EMAIL_ADDRESS": {"op": "hash"}})");
  EXPECT_EQ(Redact("abc", {F("US_SSN", 0, 3)}, c, ""), "[US_SSN]");
  EXPECT_EQ(SqlstateOf([&] { Redact("abc", {F("EMAIL_ADDRESS", 0, 3)}, c, ""); }), "55000");
}

// Labels are at most 1 KiB; a redacted text longer than a PostgreSQL text holds (1 GB)
// is refused (54000) rather than built, and the loop polls for a cancel as it writes.
TEST(RedactTest, BoundsLabelsAndOutput) {
  auto labelled = [](const std::string& label) {
    return std::string(R"({"default": {"op": "label", "label": ")") + label + R"("}})";
  };
  const std::string too_long = labelled(std::string(1025, 'X'));
  EXPECT_EQ(SqlstateOf([&] { Ops(too_long); }), "22023");
  const std::string label(1024, 'X');
  OperatorConfig c = Ops(labelled(label));
  const size_t n = kMaxRedactedBytes / label.size() + 1;
  const std::string text(n, 'a');
  std::vector<Finding> findings;
  findings.reserve(n);
  for (size_t i = 0; i < n; ++i) findings.push_back(F("A", i, i + 1));
  EXPECT_EQ(SqlstateOf([&] { Redact(text, findings, c, ""); }), "54000");
  // Cancel: the callback runs once a MiB or so has been written.
  findings.resize(4096);
  int polls = 0;
  EXPECT_EQ(Redact(text.substr(0, 4096), findings, c, "", [&] { ++polls; }).size(), 4096 * label.size());
  EXPECT_GE(polls, 3);
}

// ReplacementBytes tells the bytes ApplyOperator writes, for every operator.
TEST(RedactTest, ReplacementBytesIsWhatTheOperatorWrites) {
  const char* configs[] = {
      "{}",
      R"({"default": {"op": "label", "label": "<redacted value>"}})",
      R"({"default": {"op": "remove"}})",
      R"({"default": {"op": "keep"}})",
      R"({"default": {"op": "hash"}})",
      R"({"default": {"op": "mask"}})",
      R"({"default": {"op": "mask", "keep_last": 0, "mask_char": "•"}})",
      R"({"default": {"op": "mask", "keep_last": 7, "mask_char": "😀"}})",
  };
  const std::string originals[] = {"", "a", "536-22-8714", "é😀 xyz ü", "jean@example.fr",
                                   std::string("\x80\xff\xc3", 3) + "abc\xe2\x82"};
  for (const char* config : configs) {
    OperatorConfig c = Ops(config);
    for (const std::string& original : originals)
      EXPECT_EQ(ReplacementBytes(c.For("US_SSN"), "US_SSN", original),
                ApplyOperator(c.For("US_SSN"), "US_SSN", original, kKey).size())
          << config << " on " << original.size() << " bytes";
  }
}

// ReplacementBytes, which Redact allocates by, is the size of what AppendOperator writes,
// over random values made of ASCII, invisible characters, visible characters of two to
// four bytes and ill-formed bytes, under masks of every kind and the other operators;
// and Redact writes exactly the bytes it counted.
TEST(RedactTest, ReplacementBytesAgreesOverRandomValues) {
  const std::string pieces[] = {"a",
                                "7",
                                " ",
                                "-",
                                "\u200b",
                                "\u200c",
                                "\u200d",
                                "\u200e",
                                "\u200f",
                                "\u202a",
                                "\u202e",
                                "\u2060",
                                "\u2066",
                                "\u2069",
                                "\u00ad",
                                "\ufeff",
                                "\u180e",
                                "\u00a0",
                                "\u00e9",
                                "\u0301",
                                "\uff15",
                                "\u0665",
                                "\u3000",
                                "\u2014",
                                "\U0001f600",
                                "\U0001d7d3",
                                std::string("\x80", 1),
                                std::string("\xff", 1),
                                std::string("\xe2", 1),
                                std::string("\xe2\x80", 2),
                                std::string("\xc2", 1),
                                std::string("\xef\xbb", 2),
                                std::string("\xe0\x99\xa0", 3),
                                std::string("\0", 1)};
  const char* configs[] = {
      R"({"default": {"op": "mask"}})",
      R"({"default": {"op": "mask", "keep_last": 0}})",
      R"({"default": {"op": "mask", "keep_last": 1, "mask_char": "\u2022"}})",
      R"({"default": {"op": "mask", "keep_last": 7, "mask_char": "\ud83d\ude00"}})",
      R"({"default": {"op": "mask", "keep_last": 1000, "mask_char": "#"}})",
      R"({"default": {"op": "hash"}})",
      R"({"default": {"op": "keep"}})",
      R"({"default": {"op": "label", "label": "<x>"}})",
  };
  std::mt19937 rng(7);
  for (const char* config : configs) {
    const OperatorConfig c = Ops(config);
    for (int round = 0; round < 3000; ++round) {
      std::string value;
      for (size_t k = rng() % 24; k > 0; --k) value += pieces[rng() % std::size(pieces)];
      ASSERT_EQ(ReplacementBytes(c.For("X"), "X", value),
                ApplyOperator(c.For("X"), "X", value, kKey).size())
          << config << ", round " << round;
      // In a text, between two findings of one character each.
      const std::string text = "<" + value + ">";
      const std::vector<Finding> findings = {F("A", 0, 1), F("X", 1, 1 + value.size())};
      const std::string redacted = Redact(text, findings, c, kKey);
      ASSERT_EQ(redacted, ApplyOperator(c.For("A"), "A", "<", kKey) +
                              ApplyOperator(c.For("X"), "X", value, kKey) + ">")
          << config << ", round " << round;
      ASSERT_EQ(redacted.size(), ReplacementBytes(c.For("A"), "A", "<") +
                                     ReplacementBytes(c.For("X"), "X", value) + 1);
    }
  }
}

// The length of a redacted text is counted before it is written: one too long is
// refused before any replacement is made (it was built first, past 1 GB, then refused:
// a hash without a key, met first, then threw instead).
TEST(RedactTest, TooLongIsRefusedBeforeAnythingIsWritten) {
  OperatorConfig c = Ops(std::string(R"({"EMAIL_ADDRESS": {"op": "hash"}, "default": {"op": "label", "label": ")") +
                         std::string(1024, 'X') + R"("}})");
  const size_t n = kMaxRedactedBytes / 1024 + 2;
  const std::string text(n, 'a');
  std::vector<Finding> findings;
  findings.reserve(n);
  findings.push_back(F("EMAIL_ADDRESS", 0, 1));
  for (size_t i = 1; i < n; ++i) findings.push_back(F("A", i, i + 1));
  int polls = 0;
  EXPECT_EQ(SqlstateOf([&] { Redact(text, findings, c, "", [&] { ++polls; }); }), "54000");
  EXPECT_GE(polls, 10);  // the count polls for a cancel too
  // Within the limit, the hash without a key is what is refused.
  findings.resize(2);
  EXPECT_EQ(SqlstateOf([&] { Redact(text.substr(0, 2), findings, c, ""); }), "55000");
}

TEST(RedactTest, RejectsOverlappingUnsortedOrOutOfRangeFindings) {
  OperatorConfig c = Ops("{}");
  EXPECT_EQ(SqlstateOf([&] { Redact("abcdef", {F("A", 0, 4), F("B", 3, 6)}, c, ""); }), "XX000");
  EXPECT_EQ(SqlstateOf([&] { Redact("abcdef", {F("A", 3, 4), F("B", 0, 2)}, c, ""); }), "XX000");
  EXPECT_EQ(SqlstateOf([&] { Redact("abcdef", {F("A", 3, 7)}, c, ""); }), "XX000");
}

TEST(RedactTest, DetectedFindingsEndToEnd) {
  Detector detector;
  std::string text = "Né le 1984-03-05 (DOB), SSN 536-22-8714 — écrire à jean@example.fr";
  std::vector<Finding> found = detector.Detect(text, DetectOptions{});
  OperatorConfig c = Ops(R"({"US_SSN": {"op": "mask", "mask_char": "•"},
                           "default": {"op": "label"}})");
  EXPECT_EQ(Redact(text, found, c, ""),
            "Né le [DATE_TIME] (DOB), SSN •••••••8714 — écrire à [EMAIL_ADDRESS]");
}

// Values written fullwidth or with a word processor's em dash are replaced whole, the
// characters as given; a mask keeps the last characters as written.
TEST(RedactTest, FullwidthAndEmDashFindingsEndToEnd) {
  Detector detector;
  const std::string text =
      "\u30e1\u30fc\u30eb\uff1a\uff4a\uff4f\uff48\uff4e\uff20\uff45\uff58\uff41\uff4d\uff50\uff4c"
      "\uff45\uff0e\uff43\uff4f\uff4d\u3001"
      "\uff33\uff33\uff2e "
      "\uff15\uff13\uff16\uff0d\uff12\uff12\uff0d\uff18\uff17\uff11\uff14\u3001SSN "
      "536\u201422\u20148714\u3002"
      "\u4fa1\u683c\uff11\uff0c\uff12\uff13\uff14\u5186";
  std::vector<Finding> found = detector.Detect(text, DetectOptions{});
  EXPECT_EQ(Redact(text, found, Ops(R"({"default": {"op": "label"}})"), ""),
            "\u30e1\u30fc\u30eb\uff1a[EMAIL_ADDRESS]\u3001\uff33\uff33\uff2e [US_SSN]\u3001SSN "
            "[US_SSN]\u3002"
            "\u4fa1\u683c\uff11\uff0c\uff12\uff13\uff14\u5186");
  EXPECT_EQ(
      Redact(text, found,
             Ops(R"({"US_SSN": {"op": "mask", "keep_last": 4}, "default": {"op": "label"}})"), ""),
      "\u30e1\u30fc\u30eb\uff1a[EMAIL_ADDRESS]\u3001\uff33\uff33\uff2e "
      "*******\uff18\uff17\uff11\uff14\u3001"
      "SSN *******8714\u3002\u4fa1\u683c\uff11\uff0c\uff12\uff13\uff14\u5186");
}

TEST(RedactTest, Utf8Length) {
  EXPECT_EQ(Utf8Length(""), 0u);
  EXPECT_EQ(Utf8Length("abc"), 3u);
  EXPECT_EQ(Utf8Length("é"), 1u);
  EXPECT_EQ(Utf8Length("😀"), 1u);
  EXPECT_EQ(Utf8Length("日本語"), 3u);
  EXPECT_EQ(Utf8Length("e\xCC\x81"), 2u);  // e + combining acute: two code points
  EXPECT_EQ(Utf8Length("é😀 536-22-8714"), 14u);
  EXPECT_EQ(Utf8Length(std::string("a\0b", 3)), 3u);
}

// ---------------------------------------------------------------------------------------
// LoadKeyFile

constexpr char kSecret[] = "S3CR3T-KEY-MATERIAL-0123456789";
constexpr char kSetting[] = "comply.hmac_key_file";

// Loads path expecting an F0000 error that names the setting, not the path (the
// settings are hidden from the ordinary roles who may meet the error) and not the key
// content.
::testing::AssertionResult Refused(const std::string& path, std::string_view reason) {
  std::string text;
  std::string state = SqlstateOf([&] { LoadKeyFile(path, kSetting); }, &text);
  if (state != "F0000") return ::testing::AssertionFailure() << "sqlstate '" << state << "'";
  if (text.find(std::string("the key file of ") + kSetting) == std::string::npos)
    return ::testing::AssertionFailure() << "setting not named in: " << text;
  if (text.find(path) != std::string::npos)
    return ::testing::AssertionFailure() << "path named in: " << text;
  if (text.find(reason) == std::string::npos)
    return ::testing::AssertionFailure() << "'" << reason << "' not in: " << text;
  if (text.find("S3CR3T") != std::string::npos || text.find("0123456789") != std::string::npos)
    return ::testing::AssertionFailure() << "key content leaked in: " << text;
  return ::testing::AssertionSuccess();
}

TEST(KeyFileTest, OwnerOnlyFileLoadsTrimmed) {
  TempFile f(std::string(kSecret) + "\n", 0600);
  EXPECT_EQ(LoadKeyFile(f.path(), kSetting), kSecret);
  TempFile crlf(std::string(kSecret) + " \t\r\n\n", 0400);
  EXPECT_EQ(LoadKeyFile(crlf.path(), kSetting), kSecret);
  TempFile inner(std::string("  a key with spaces inside  \n"), 0600);  // leading kept
  EXPECT_EQ(LoadKeyFile(inner.path(), kSetting), "  a key with spaces inside");
  TempFile exact16("0123456789abcdef", 0600);
  EXPECT_EQ(LoadKeyFile(exact16.path(), kSetting), "0123456789abcdef");
}

TEST(KeyFileTest, GroupOrWorldAccessRefused) {
  for (mode_t mode : {0644, 0604, 0660, 0666, 0620, 0602}) {
    TempFile f(kSecret, mode);
    EXPECT_TRUE(Refused(f.path(), "group or world access")) << std::oct << mode;
  }
  // Group read only is allowed for a root-owned file (as PostgreSQL's ssl_key_file).
  TempFile g(kSecret, 0640);
  if (geteuid() == 0) {
    EXPECT_EQ(LoadKeyFile(g.path(), kSetting), kSecret);
  } else {
    EXPECT_TRUE(Refused(g.path(), "group or world access"));
  }
}

// A file of another user (neither the server's nor root's) is refused as such, whatever
// its mode: "group or world access" sent a DBA looking at the wrong thing.
TEST(KeyFileTest, AnotherOwnerRefused) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root to give the file away";
  TempFile f(kSecret, 0600);
  ASSERT_EQ(chown(f.path().c_str(), 65534, 65534), 0);
  EXPECT_TRUE(Refused(f.path(), "owned by another user"));
}

TEST(KeyFileTest, ShortKeyRefused) {
  TempFile f("0123456789abcde", 0600);  // 15 bytes
  EXPECT_TRUE(Refused(f.path(), "fewer than 16 bytes"));
  TempFile nl("0123456789abcde\n", 0600);  // 16 bytes before trimming
  EXPECT_TRUE(Refused(nl.path(), "fewer than 16 bytes"));
  TempFile ws("0123456789     \n\n", 0600);
  EXPECT_TRUE(Refused(ws.path(), "fewer than 16 bytes"));
  TempFile empty("", 0600);
  EXPECT_TRUE(Refused(empty.path(), "fewer than 16 bytes"));
}

TEST(KeyFileTest, MissingFileAndDirectoryRefused) {
  char dir[] = "/tmp/pg_comply_key_dir_XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  chmod(dir, 0700);
  EXPECT_TRUE(Refused(std::string(dir) + "/missing.key", "could not access"));
  EXPECT_TRUE(Refused(dir, "not a regular file"));
  rmdir(dir);
}

}  // namespace
}  // namespace comply::pii

// What the detector leaves of a short name the ledger keeps: six digits or more in a
// run, separators between them, read [DIGITS]; fewer are shown.
TEST(MaskDigitRunsTest, LongRunsGlued) {
  EXPECT_EQ(comply::pii::MaskDigitRuns("ssn_536-22-8714"), "ssn_[DIGITS]");
  EXPECT_EQ(comply::pii::MaskDigitRuns("4111-1111-1111-1111_card"), "[DIGITS]_card");
  EXPECT_EQ(comply::pii::MaskDigitRuns("x536228714"), "x[DIGITS]");
  EXPECT_EQ(comply::pii::MaskDigitRuns("4111111111111111x"), "[DIGITS]x");
  EXPECT_EQ(comply::pii::MaskDigitRuns("call 415 555 2671 now"), "call [DIGITS] now");
  EXPECT_EQ(comply::pii::MaskDigitRuns("1985/03/14"), "[DIGITS]");
  EXPECT_EQ(comply::pii::MaskDigitRuns("123456"), "[DIGITS]");
  // Short runs, a separator doubled or at an end, and no digits at all stay.
  EXPECT_EQ(comply::pii::MaskDigitRuns("12345"), "12345");
  EXPECT_EQ(comply::pii::MaskDigitRuns("app-1.2.3"), "app-1.2.3");
  EXPECT_EQ(comply::pii::MaskDigitRuns("123--456"), "123--456");
  EXPECT_EQ(comply::pii::MaskDigitRuns("v12345."), "v12345.");
  EXPECT_EQ(comply::pii::MaskDigitRuns("[US_SSN]"), "[US_SSN]");
  EXPECT_EQ(comply::pii::MaskDigitRuns(""), "");
  EXPECT_EQ(comply::pii::MaskDigitRuns("12 345 6"), "[DIGITS]");
}
