// Fixed-shape patterns (^[0-9]{5}$ ...) and the simple patterns of the DFA subset are
// checked without RE2: they must give RE2's answer on every string, and anything else
// must stay with RE2.
#include <gtest/gtest.h>

#include <re2/re2.h>

#include <cstdint>
#include <memory>
#include <utility>
#include <string>
#include <vector>

#include "core/rng.h"
#include "core/schema/internal.h"
#include "core/schema/pattern.h"
#include "core/schema/pattern_dfa.h"

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
      EXPECT_EQ(pattern.MatchesRuns(s), expected) << "runs, string \"" << s << "\"";
      matched += expected;
    }
    EXPECT_GE(matched, examples.size());
  }
}

TEST(PatternTest, FixedLengthsAnswerAsRe2Does) {
  // Fixed lengths 1 to 16, each position one range (checked by MatchesFixed), each with
  // a string it matches.
  const std::vector<std::pair<std::string, std::string>> fixed = {
      {"^[0-9]{5}$", "06082"},
      {"^\\d{4}-\\d{2}-\\d{2}$", "1962-02-07"},
      {"^a$", "a"},
      {"^[a-c][0-2]$", "b1"},
      {"^x{3}$", "xxx"},
      {"^[0-9]{4}$", "2024"},
      {"^[A-Z]{2}[0-9]{5}$", "AB12345"},
      {"^[0-9]{8}$", "12345678"},
      {"^[0-9]{3}-[0-9]{2}-[0-9]{4}$", "123-45-6789"},
      {"^[ -~]{15}$", "hello world 123"},
      {"^[!-/]{6}[a-z]{10}$", "!#$%&(abcdefghij"},
      {"^\\.{4}$", "...."}};
  // Not: a variable run, a class of two ranges, longer than 16, unanchored, \w.
  for (const char* p :
       {"^[0-9]{4,5}$", "^[A-Za-z]{3}$", "^[0-9]{17}$", "[0-9]{5}", "^[0-9]{5}", "^\\w{3}$"}) {
    SCOPED_TRACE(p);
    EXPECT_FALSE(Pattern(TranslatePattern(p)).uses_fixed());
  }
  // Bytes at and around the ranges' edges, high bytes, a newline, NUL.
  std::string alphabet("09/:-aAzZ@[`{bc21x.!~ \x7f\x80\xff\xc3\xa9\n");
  alphabet.push_back('\0');
  SplitMix64 rng(5);
  for (const auto& [p, example] : fixed) {
    SCOPED_TRACE(p);
    Pattern pattern(TranslatePattern(p));
    ASSERT_TRUE(pattern.uses_fixed());
    std::unique_ptr<RE2> re2 = Re2For(p);
    ASSERT_TRUE(RE2::PartialMatch(example, *re2));
    size_t matched = 0;
    // Strings of every length up to 18: random, or (at the example's length) the
    // example with up to three bytes replaced.
    for (size_t len = 0; len <= 18; ++len) {
      for (int k = 0; k < 3000; ++k) {
        std::string s;
        if (len == example.size() && k % 2 == 0) {
          s = example;
          for (int r = rng.Range(0, 3); r > 0; --r)
            s[rng.Next() % len] = alphabet[rng.Next() % alphabet.size()];
        } else {
          for (size_t i = 0; i < len; ++i) s += alphabet[rng.Next() % alphabet.size()];
        }
        const bool expected = RE2::PartialMatch(s, *re2);
        ASSERT_EQ(pattern.Matches(s), expected) << "string of " << len << " bytes";
        ASSERT_EQ(pattern.MatchesFixed(s), expected) << "string of " << len << " bytes";
        matched += expected;
      }
    }
    EXPECT_GT(matched, 100u);
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


TEST(PatternTest, DfaSubsetIsRecognised) {
  for (const char* p :
       {"^[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(\\.[A-Za-z0-9-]+)*\\.[A-Za-z]{2,}$", "[0-9]{3}",
        "^(ab){2}$", "a|b", "^(a|b)$", "^(?:a|bc)+$", "^\\w+-\\d*$", "^a*?$", "x", "^[0-9]+-[0-9]+$",
        "(a|)", "^[\\d.]{1,3}(\\.[\\d]{1,3}){3}$", "^[a-]{0,2}b?$", "^$"}) {
    SCOPED_TRACE(p);
    Pattern pattern(TranslatePattern(p));
    EXPECT_TRUE(pattern.fixed_shape() || pattern.uses_dfa());
  }
  for (const char* p :
       {"^.{3}$", "^[^@]+@x$", "^\\s$", "^a|b$", "^a|b", "a|b$", "(?i)abc", "^é+$", "\\bword", "a^b", "a$b",
        "^\\u0041+$", "^[[:alpha:]]+$", "^(?P<n>a)+$", "^\\pL+$", "^\\D+$", "^a{2}{3}$", "[]",
        "^[a-c-e]+$", "^[]a]+$"}) {
    SCOPED_TRACE(p);
    Pattern pattern(TranslatePattern(p));
    EXPECT_FALSE(pattern.uses_dfa());
    EXPECT_FALSE(ByteDfa::Build(TranslatePattern(p)));
  }
}

// A random pattern of the DFA subset over a small alphabet.
class PatternGenerator {
 public:
  explicit PatternGenerator(uint64_t seed) : rng_(seed) {}

  std::string Next() {
    std::string p;
    bool start = rng_.Chance(0.5), end = rng_.Chance(0.5);
    if (start) p += '^';
    p += Alt(0, !(start || end));
    if (end) p += '$';
    return p;
  }

 private:
  std::string Alt(int depth, bool top_alt_ok) {
    std::string s = Cat(depth);
    if (top_alt_ok || depth > 0)
      while (rng_.Chance(0.2)) s += "|" + Cat(depth);
    return s;
  }
  std::string Cat(int depth) {
    std::string s;
    int n = rng_.Range(0, 4);
    for (int i = 0; i < n; ++i) s += Repeat(depth);
    return s;
  }
  std::string Repeat(int depth) {
    std::string s = Atom(depth);
    switch (rng_.Range(0, 9)) {
      case 0: s += "?"; break;
      case 1: s += "*"; break;
      case 2: s += "+"; break;
      case 3: s += "{" + std::to_string(rng_.Range(0, 3)) + "}"; break;
      case 4: s += "{" + std::to_string(rng_.Range(0, 2)) + ",}"; break;
      case 5: {
        int lo = rng_.Range(0, 2);
        s += "{" + std::to_string(lo) + "," + std::to_string(lo + rng_.Range(0, 3)) + "}";
        break;
      }
      default: return s;
    }
    if (rng_.Chance(0.2)) s += "?";
    return s;
  }
  std::string Atom(int depth) {
    static const char* const kAtoms[] = {"a", "b", "c", "-", "@", "0", "1", "\\.", "\\-",
                                         "\\d", "\\w", "[a-c]", "[.@-]", "[0-9]", "[\\d.]",
                                         "[ab1]", "[a-]", "[\\w@]", " ", "_"};
    if (depth < 3 && rng_.Chance(0.25))
      return (rng_.Chance(0.5) ? "(" : "(?:") + Alt(depth + 1, true) + ")";
    return rng_.Pick(kAtoms);
  }

  SplitMix64 rng_;
};

TEST(PatternTest, DfaAnswersAsRe2DoesOnGeneratedPatterns) {
  PatternGenerator patterns(1234);
  SplitMix64 rng(99);
  const std::vector<std::string> alphabet = {"a", "b", "c", "-", "@", "0", "1", ".",
                                             "_", "A", " ", "\n", "\xc3\xa9", "\xff", "d", "9"};
  size_t built = 0, checked = 0, matched = 0;
  for (int k = 0; k < 1500; ++k) {
    std::string p = patterns.Next();
    SCOPED_TRACE(p);
    RE2::Options options;
    options.set_log_errors(false);
    RE2 re2(p, options);
    if (!re2.ok()) continue;
    std::unique_ptr<ByteDfa> dfa = ByteDfa::Build(p);
    if (!dfa) continue;
    ++built;
    for (int t = 0; t < 300; ++t) {
      std::string s;
      // Some longer than the DFA's blocks of 64 bytes.
      int len = rng.Chance(0.1) ? rng.Range(60, 140) : rng.Range(0, 9);
      for (int i = 0; i < len; ++i) s += alphabet[rng.Next() % alphabet.size()];
      bool expected = RE2::PartialMatch(s, re2);
      ASSERT_EQ(dfa->Matches(s), expected) << "string \"" << s << "\"";
      ++checked;
      matched += expected;
    }
  }
  EXPECT_GT(built, 1000u);
  // Enough of both answers to mean something.
  EXPECT_GT(matched, checked / 5);
  EXPECT_LT(matched, checked * 4 / 5);
}

TEST(PatternTest, EmailPatternAnswersAsRe2Does) {
  const std::string ecma = "^[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(\\.[A-Za-z0-9-]+)*\\.[A-Za-z]{2,}$";
  Pattern pattern(TranslatePattern(ecma));
  ASSERT_TRUE(pattern.uses_dfa());
  std::unique_ptr<RE2> re2 = Re2For(ecma);
  const std::vector<std::string> examples = {"mary.jackson3@hotmail.com", "sofia.o'brien12@gmail.com",
                                             "a@b.co", "x+y%z@mail.co.uk", "_-@a-b.c-d.org"};
  const std::vector<std::string> alphabet = {"a", "Z", "0", ".", "@", "-", "'", "%", "+", "_",
                                             " ", "\n", "\xc3\xa9", "\x80", "!", "~"};
  size_t matched = 0, total = 0;
  for (const std::string& e : examples) {
    std::vector<std::string> strings = {e, e + e, e + "\n", "\n" + e, e.substr(0, e.size() - 1)};
    for (size_t i = 0; i <= e.size(); ++i) {
      if (i < e.size()) strings.push_back(e.substr(0, i) + e.substr(i + 1));
      for (const std::string& a : alphabet) {
        if (i < e.size()) strings.push_back(e.substr(0, i) + a + e.substr(i + 1));
        strings.push_back(e.substr(0, i) + a + e.substr(i));
      }
    }
    for (const std::string& s : strings) {
      bool expected = RE2::PartialMatch(s, *re2);
      EXPECT_EQ(pattern.Matches(s), expected) << "string \"" << s << "\"";
      matched += expected;
      ++total;
    }
  }
  EXPECT_GT(matched, total / 4);
  EXPECT_LT(matched, total);
}

}  // namespace
}  // namespace comply::schema::internal
