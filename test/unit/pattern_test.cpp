// Fixed-shape patterns (^[0-9]{5}$ ...) are checked without RE2: they must give RE2's
// answer on every string, and anything else must stay with RE2.
#include <gtest/gtest.h>

#include <re2/re2.h>

#include <cstdint>
#include <memory>
#include <utility>
#include <string>
#include <vector>

#include "core/schema/internal.h"
#include "core/schema/pattern.h"

namespace comply::schema::internal {
namespace {

// RE2 itself, for an ECMA pattern.
std::unique_ptr<RE2> Re2For(const std::string& ecma) {
  RE2::Options options;
  options.set_log_errors(false);
  return std::make_unique<RE2>(TranslatePattern(ecma), options);
}

TEST(PatternTest, FixedShapesAreRecognised) {
  for (const char* p :
       {"^[0-9]{5}$", "^\\d{4}-\\d{2}-\\d{2}$", "^[A-Z]{2,3}$", "^[a-z0-9_-]+$", "^x?$",
        "^[0-9]{3}-[0-9]{2}-[0-9]{4}$", "^\\+[1-9][0-9]{7,14}$", "^[A-Fa-f0-9]{8}-[A-Fa-f0-9]{4}$",
        "^ab\\.c*$", "^[.$*]{2}$", "^[-a]{1,}$", "^[a-]{0,2}$", "^@{3}$", "^[\\d]$"}) {
    SCOPED_TRACE(p);
    EXPECT_TRUE(Pattern(TranslatePattern(p)).fixed_shape());
  }
  for (const char* p :
       {"[0-9]{5}", "^[0-9]{5}", "[0-9]{5}$",     "^[^0-9]{5}$", "^[0-9]+-[0-9]+$", "^(ab){2}$",
        "^a|b$",    "^.{3}$",    "^\\w{3}$",      "^\\s$",       "^[0-9]{5}?$",     "^a*?$",
        "^é{2}$",   "^[a-é]$",   "^[[:alpha:]]$", "^a{,3}$",     "^a{2}{3}$",       "^\\u0041$",
        "^\\$",     "^$",        "^a\\$"}) {
    SCOPED_TRACE(p);
    EXPECT_FALSE(Pattern(TranslatePattern(p)).fixed_shape());
  }
}

TEST(PatternTest, FixedShapesAnswerAsRe2Does) {
  // Each pattern with strings it matches, which are then mutated in every way below.
  const std::vector<std::pair<std::string, std::vector<std::string>>> patterns = {
      {"^[0-9]{5}$", {"06082", "99999"}},
      {"^\\d{4}-\\d{2}-\\d{2}$", {"1962-02-07", "0000-00-00"}},
      {"^[A-Z]{2,3}$", {"AB", "XYZ"}},
      {"^[a-z0-9_-]+$", {"a", "user_name-9", "---"}},
      {"^x?$", {"", "x"}},
      {"^\\+[1-9][0-9]{2,4}$", {"+100", "+91234"}},
      {"^[A-Fa-f0-9]{2}-[a-f]*$", {"aF-", "00-abcdef"}},
      {"^ab\\.c*$", {"ab.", "ab.ccc"}},
      {"^[.$*]{2}$", {"..", "$*"}},
      {"^[-a]{1,}$", {"-", "a-a-"}},
      {"^[a-]{0,2}$", {"", "a-", "--"}},
      {"^ {2}[ -~]{0,3}$", {"  ", "  ~ !"}}};
  // Bytes around the classes' edges, newlines, a multibyte character.
  const std::vector<std::string> alphabet = {
      "0", "9", "5", "/", ":", "a", "z", "A", "Z",  "F",        "f",    "g", "-", "_",
      ".", "$", "*", "+", "x", "@", " ", "~", "\n", "\xc3\xa9", "\x7f", "c", "b", "1"};
  for (const auto& [p, examples] : patterns) {
    SCOPED_TRACE(p);
    Pattern pattern(TranslatePattern(p));
    ASSERT_TRUE(pattern.fixed_shape());
    std::unique_ptr<RE2> re2 = Re2For(p);
    std::vector<std::string> strings;
    // Every string of up to 3 symbols of the alphabet.
    strings.push_back("");
    for (size_t len = 0, from = 0; len < 3; ++len) {
      size_t to = strings.size();
      for (size_t i = from; i < to; ++i)
        for (const std::string& a : alphabet) strings.push_back(strings[i] + a);
      from = to;
    }
    // The examples, with each symbol replaced, each symbol removed, each symbol of the
    // alphabet inserted anywhere, and a prefix or suffix added.
    for (const std::string& e : examples) {
      strings.push_back(e);
      for (size_t i = 0; i <= e.size(); ++i) {
        if (i < e.size()) strings.push_back(e.substr(0, i) + e.substr(i + 1));
        for (const std::string& a : alphabet) {
          if (i < e.size()) strings.push_back(e.substr(0, i) + a + e.substr(i + 1));
          strings.push_back(e.substr(0, i) + a + e.substr(i));
        }
      }
      strings.push_back(e + e);
      strings.push_back(e + "\n");
      strings.push_back("\n" + e);
    }
    size_t matched = 0;
    for (const std::string& s : strings) {
      bool expected = RE2::PartialMatch(s, *re2);
      EXPECT_EQ(pattern.Matches(s), expected) << "string \"" << s << "\"";
      matched += expected;
    }
    EXPECT_GE(matched, examples.size());
  }
}

TEST(PatternTest, OtherPatternsRunOnRe2) {
  Pattern email(TranslatePattern("^[^@]+@[^@]+\\.[a-z]{2,}$"));
  EXPECT_FALSE(email.fixed_shape());
  EXPECT_TRUE(email.Matches("a@b.org"));
  EXPECT_FALSE(email.Matches("a@b"));
  Pattern unanchored(TranslatePattern("[0-9]{3}"));
  EXPECT_TRUE(unanchored.Matches("ab1234"));
  EXPECT_FALSE(Pattern(TranslatePattern("(a")).ok());
}

}  // namespace
}  // namespace comply::schema::internal
