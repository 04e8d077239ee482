// The prefilter (src/core/pii/prefilter.h) must never miss a built-in regex's match:
// for every built-in regex and every generated text, if RE2 finds the regex anywhere
// in the text, the regex's hint is set. The texts are built to sit on the edges of the
// patterns (each shape with a group one digit longer or shorter, its separators
// swapped, letters or digits glued to either side), plus token soups and the folding
// letters that (?i) matches as ASCII. And the detector with the prefilter must find
// exactly what the full scan (every regex searched) finds. And the scan gives the hints
// the older, slower one gave (prefilter_reference.h), text by text.
#include "core/pii/prefilter.h"

#include <gtest/gtest.h>
#include <re2/re2.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "core/pii/detector.h"
#include "core/pii/matchers.h"
#include "core/pii/recognizers.h"
#include "core/rng.h"
#include "prefilter_reference.h"

namespace comply::pii {
namespace {

using Rng = SplitMix64;

// Shapes: D a digit, H a hex digit, U an uppercase letter, L a lowercase letter, B a
// base58 character; anything else stands for itself.
const char* const kShapes[] = {
    "DDD-DD-DDDD", "DDD DD DDDD", "DDD.DD.DDDD", "DDDDDDDDD", "DDDDDDDDDDDDDDDD",
    "(DDD) DDD-DDDD", "(DDD)DDD-DDDD", "DDD.DDD.DDDD", "1-DDD-DDD-DDDD", "+D DDD DDD DDDD",
    "+DD DD DDDD DDDD", "+DDD (D) DDDD-DDDD", "0DD DDDD DDDD", "0DDDD DDDDDD", "0DDDDDDDDDD",
    "0DD-DDDD-DDDD", "0D DD DD DD DD", "0D.DD.DD.DD.DD", "0D-DD-DD-DD-DD", "(0D) DDDD DDDD",
    "(0D)DDDD-DDDD", "0D DDDD DDDD", "0DDDDD DDDDD", "+DD (0)DD DDDD DDDD",
    "00 DD DD DDDD DDDD", "00DD DDDD DDDDDD", "011 D DDD DDD DDDD", "011-DD (D) DDDD-DDDD",
    "(0DD) DDDD DDDD", "(0DDDD) DDDDDD", "(0DDD)DDD-DDDD", "0DD/DDDDDDD", "0DDDD/DDDDDD",
    "0DD/DDD DD DD", "0DDD/DDDDD-DD", "0DDD/DDD DD DD",
    // phone_grouped
    "0DD DDD DD DD", "(0DD) DDD DD DD", "0DD - DDD DD DD", "0D - DDDD DDDD", "0D-DDD DDD DD",
    "0DD / DDDDDDD", "(0DDDD) DDDDD", "0DDDD DDDDD", "0DDD DDDDD-DD", "0DD DDDDD-D", "00 0D DDDD", "011 DD", "DDDD DDDD DDDD DDDD", "DDDD-DDDD-DDDD-DDDD", "DDDD DDDDDD DDDDD",
    "DDDD-DDDD-D", "UUDD DDDD DDDD DDDD DDDD DD", "UUDDDDDDDDDDDDDDDDDDDD", "UUDD UUUU DDDD DDDD DD",
    "D.D.D.D", "DDD.DDD.DDD.DDD", "DD.DDD.D.DD", "HH:HH:HH:HH:HH:HH", "HH-HH-HH-HH-HH-HH",
    "HHHH.HHHH.HHHH", "HHHH::HHHH:HHHH", "::D", "H:H:H", "HHHH:HHHH:HHHH:HHHH:HHHH:HHHH:HHHH:HHHH",
    "::ffff:DDD.DDD.D.D", "DDDD-DD-DD", "DDDD-DD-DDTDD:DD:DDZ", "DDDD/DD/DD", "DDDD/D/D",
    "DD/DD/DDDD", "D-D-DDDD", "DD.DD.DDDD", "DDDD-D-DD", "DDDD-DD-D", "DDDD.DD.DD", "DDDD.D.D",
    "D/DD/DD", "DD.DD.DD", "D-D-DD", "DD-Mar-DDDD", "D-jan-DD", "DD-SEP-DD", "UDDDDDDD", "UDDDDDDDDDDDD", "UUDDDDDD", "DDDUUDDDD",
    "1BBBBBBBBBBBBBBBBBBBBBBBBBBBBB", "3BBBBBBBBBBBBBBBBBBBBBBBBBB",
    "bc1LLLLLLLLLLLLLLLLLLLLLLLLLL", "TB1LLLLLLLL", "0xHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHH",
    "LLLL.LLL@LLLL.com", "L@L.io", "L'LL@LL-LL.LL.uk", "LL+LL@LLLLL.org", "https://LLLL.com/LL",
    "http://L.L", "ftp://LLL", "www.LLLL.LLL", "www.L-L.LL/LL", "DD June DDDD",
    "Dst March, DDDD", "DDth Sept DDDD", "March DD, DDDD", "Dnd jan. DDDD", "SEP DDth, DDDD",
    "DD Mar DD", "DDth MAR 'DD", "Dth March, 'DD", "September. DDth, 'DD", "November DD, DD", "Mar DD, DD", "SEPT. DDth 'DD", "nov D DD", "June DD 'DD",
    // European national identifiers (literal letters stand for themselves, except the
    // shape letters D, H, U, L, B).
    "DDDDDDDDU", "DDDDDDDD-U", "DDDDDDDD U", "XDDDDDDDU", "Y-DDDDDDD-U", "Z DDDDDDD U",
    "X0DDDDDDDU", "X-0DDDDDDD-U", "X 0DDDDDDD U",
    "UUUUUUDDEDDADDDU", "UUUUUUDDUDDUDDDU", "UUUUUUDDTDDZDDRU", "UUUUUUSMASRAPRSU",
    "DDDDDD-DDDU", "DDDDDD+DDDD", "DDDDDDADDDU", "DDDDDDYDDDD", "UUDDDDDDA", "UU DD DD DD C", "UUDDDD DD A", "UU DD DDDD C", "UUDD DD DDC",
    "UU DDDDDD A", "D DD DD DD DDD DDD DD", "D DD DD 2A DDD DDD DD", "DDDDDDDDDDDDD DD",
    "DDDDD2ADDDDDDDD", "DDDDD2ADDDDDD DD", "DD DDD DDD DDD", "DD.DDD.DDD-U", "DD.DDD.DDD U",
    "DD.DDD.DDDU", "DDDD.DD.DDD", "DDD.DDD.DDD",
    // In small letters (literal here: only capitals are shape letters).
    "LLLLLLDDeDDaDDDL", "LLLLLLDDtDDzDDDL", "LLLLLLDDhDDlDDDL", "LLLLLLsmasraprsL",
    "LLDDDDDDa", "LL DD DD DD c", "LL DDDDDD b", "LLDDDD DD d", "LL DDDD DD a",
    // Day-first month names of Europe (no D, H, U, L or B in them: those are shapes).
    "DD. M\u00e4rz DDDD", "D. Maerz DDDD", "DD janvier DDDD", "Der mai DDDD",
    "DD de mayo de DDDD", "D de septiembre, DDDD", "DD maggio DDDD", "D mei DDDD",
    "DD d\u00e9cembre DDDD", "D ao\u00fbt DDDD", "DD f\u00e9vrier DDDD", "D. April DDDD",
    "DD giugno DDDD", "D maart DDDD", "DD. Oktober DDDD", "DD de julio del DDDD",
    "D septiembre, del DDDD",
    // In capitals (no D, H, U, L or B in them either; the others are in kWords).
    "DD. M\u00c4RZ DDDD", "D. MAERZ DDDD", "DD F\u00c9VRIER DDDD", "DD MAGGIO DDDD",
    "D MARS DDDD", "D MEI DDDD", "DD JANVIER DDDD", "DD MAYO, DDDD", "DER MAI DDDD",
    "DD AO\u00dbT DDDD", "DDER MAI DDDD",
    // Abbreviated, with a dot or without.
    "DD janv. DDDD", "D. M\u00e4r DDDD", "DD mrt DDDD", "DD ago. DDDD", "D f\u00e9vr. DDDD",
    "DD d\u00e9c. DDDD", "DD giu DDDD", "D set. DDDD", "DD ott. DDDD", "D JANV. DDDD",
    "D MRT DDDD", "D. Okt. DDDD", "DD de ene. de DDDD", "D gen DDDD", "DD. M\u00c4R. DDDD",
    // French without accents, German "Mrz" (AOUT and DECEMBRE hold shape letters: kWords).
    "DD fevrier DDDD", "D aout DDDD", "DD decembre DDDD", "DD FEVRIER DDDD", "D fevr. DDDD",
    "D fev. DDDD", "D FEV. DDDD", "D. Mrz DDDD", "D. Mrz. DDDD", "D. MRZ DDDD",
};

const char* const kWords[] = {
    "Mr", "Mrs", "Ms", "Miss", "Mx", "Dr", "Prof", "Rev", "Sr", "Sra", "Srta", "Herr", "Frau",
    "Mme", "Mlle", "Dhr", "Mevr", "Dott", "Avv", "dhr", "mevr", "Sig.ra", "Dott.ssa", "Sig.", "patient name", "full name", "signed by", "approved by", "referred by",
    "account holder", "patient", "pt", "name", "signed", "dear", "attn", "attention",
    "insured", "employee", "customer", "client", "member", "guardian", "physician", "nurse",
    "applicant", "beneficiary", "cardholder", "contact", "witness", "reviewer", "spouse",
    "mother", "father", "son", "daughter", "sincerely", "best regards", "kind regards",
    "regards", "best", "thank you", "thanks", "cheers", "respectfully", "January", "jan",
    "Feb", "march", "Mar", "APR", "May", "may", "June", "jul", "July", "Aug", "Sept",
    "september", "OCT", "Nov", "dec", "December", "st", "nd", "th", "www", "http", "ftp",
    "com", "the", "and", "of", "called", "Maria", "Lopez", "x", "e", "fe", "ab", "cafe",
    "M\u00e4rz", "Dezember", "d\u00e9cembre", "ao\u00fbt", "mai", "mei", "de", "del", "er", "mars", "Mars", "Mei",
    "set", "ago", "Luglio", "Januari", "Mayo", "M\u00c4RZ", "F\u00c9VRIER", "D\u00c9CEMBRE",
    "AO\u00dbT", "MAGGIO", "MAYO", "JULIO", "DE", "DEL", "ER", "MARS", "MEI", "DEZEMBER",
    "DICIEMBRE", "JUILLET", "janv", "f\u00e9vr", "f\u00e9v", "juil", "mrt", "M\u00e4r", "gen",
    "mag", "lug", "dic", "ene", "abr", "avr", "giu", "ott", "okt", "dez", "D\u00c9C", "MRT",
    "fevrier", "aout", "decembre", "AOUT", "DECEMBRE", "Fevrier", "fevr", "fev", "Mrz", "MRZ",
    // (?i) matches U+017F and U+212A as 's' and 'k'.
    "\u017Fon", "cu\u017Ftomer", "\u017Fincerely", "\u212Aind regards", "\u212AIND",
};

// Bytes around and between shapes and words, and letters (?i) folds to ASCII.
const char* const kGlue[] = {
    " ",  "  ", "\t", "\n", "-", ".", "/", ":", ",", ";", "(", ")", "+", "@", "_", "'", "%",
    "#",  "a",  "Z",  "7",  "0", "1", "x", "é", "ſ", "\u212A", "\u0130", "\u0131", "—", "::",
    ". ", ": ", ", "};

char Fill(Rng& rng, char shape) {
  static const char kHex[] = "0123456789abcdefABCDEF";
  static const char kBase58[] = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
  switch (shape) {
    case 'D': return static_cast<char>('0' + rng.Range(0, 9));
    case 'H': return kHex[rng.Range(0, 21)];
    case 'U': return static_cast<char>('A' + rng.Range(0, 25));
    case 'L': return static_cast<char>('a' + rng.Range(0, 25));
    case 'B': return kBase58[rng.Range(0, 57)];
    default: return shape;
  }
}

// A shape filled in, sometimes bent: a character doubled or dropped, a separator
// replaced, the case of a letter changed.
std::string Shape(Rng& rng) {
  const std::string shape = rng.Pick(kShapes);
  const bool bend = rng.Chance(0.5);
  static const char kSeps[] = " -./:()";
  std::string out;
  for (char c : shape) {
    if (bend && rng.Chance(0.08)) continue;  // dropped
    char f = Fill(rng, c);
    if (bend && std::string_view(kSeps).find(c) != std::string_view::npos && rng.Chance(0.15))
      f = kSeps[rng.Range(0, 6)];
    if (bend && rng.Chance(0.05) && std::isalpha(static_cast<unsigned char>(f)))
      f = static_cast<char>(f ^ 0x20);
    out += f;
    if (bend && rng.Chance(0.08)) out += Fill(rng, c);  // doubled
  }
  return out;
}

std::string Word(Rng& rng) {
  std::string w = rng.Pick(kWords);
  if (rng.Chance(0.3))
    for (char& c : w) c = static_cast<char>(rng.Chance(0.5) ? std::toupper(c) : std::tolower(c));
  return w;
}

std::string Text(Rng& rng) {
  std::string t;
  const int parts = rng.Range(1, 8);
  for (int i = 0; i < parts; ++i) {
    const int kind = rng.Range(0, 9);
    if (kind < 4) t += Shape(rng);
    else if (kind < 7) t += Word(rng);
    else t += rng.Pick(kGlue);
    if (rng.Chance(0.6)) t += rng.Pick(kGlue);
  }
  return t;
}

struct Regex {
  std::string source;
  int hint;
  std::unique_ptr<RE2> re;
};

std::vector<Regex> BuiltinRegexes() {
  std::vector<Regex> out;
  std::set<std::string> seen;
  RE2::Options o;
  o.set_encoding(RE2::Options::EncodingUTF8);
  o.set_log_errors(false);
  for (const PatternDef& d : BuiltinPatterns()) {
    if (!seen.insert(d.pattern).second) continue;
    out.push_back({d.pattern, HintOfPattern(d.name), std::make_unique<RE2>(d.pattern, o)});
  }
  return out;
}

TEST(PrefilterTest, EveryBuiltinPatternHasOneHintPerRegex) {
  std::map<std::string, int> hint_of_source;
  for (const PatternDef& d : BuiltinPatterns()) {
    const int hint = HintOfPattern(d.name);
    ASSERT_GE(hint, 0) << d.name;
    ASSERT_LT(hint, static_cast<int>(Hint::kCount)) << d.name;
    auto [it, fresh] = hint_of_source.emplace(d.pattern, hint);
    EXPECT_EQ(it->second, hint) << d.name << " shares its regex with another hint";
  }
  EXPECT_EQ(HintOfPattern("no such pattern"), -1);
}

// The property the detector relies on, over 200,000 generated texts: every match a
// search may meet (from the text's start, then from just after each match's start, as
// the detector resumes) has its regex's hint, and lies within the hint's range.
TEST(PrefilterTest, NoMatchWithoutItsHintOrOutsideItsRange) {
  std::vector<Regex> regexes = BuiltinRegexes();
  Rng rng(20261129);
  std::vector<int> matched(regexes.size(), 0);
  size_t cue_starts_checked = 0;
  for (int n = 0; n < 200000; ++n) {
    const std::string text = Text(rng);
    const Hints hints = BuiltinHints(text);
    for (size_t r = 0; r < regexes.size(); ++r) {
      const int h = regexes[r].hint;
      re2::StringPiece whole(text), m;
      size_t pos = 0;
      while (pos < text.size() &&
             regexes[r].re->Match(whole, pos, text.size(), RE2::UNANCHORED, &m, 1)) {
        const size_t begin = m.data() - text.data(), end = begin + m.size();
        ++matched[r];
        ASSERT_TRUE(hints.Has(h)) << "hint " << h << " missing for a match of "
                                  << regexes[r].source << " in \"" << text << "\"";
        ASSERT_LE(hints.lo[h], begin) << regexes[r].source << " in \"" << text << "\"";
        ASSERT_GE(hints.hi[h], end) << regexes[r].source << " in \"" << text << "\"";
        // A name cue's match begins where the pass saw a cue's word, when it tells.
        if (h == static_cast<int>(Hint::kNameCue) && hints.ncue_starts <= Hints::kMaxCueStarts) {
          ASSERT_NE(std::find(hints.cue_starts, hints.cue_starts + hints.ncue_starts, begin),
                    hints.cue_starts + hints.ncue_starts)
              << "no cue start at " << begin << " in \"" << text << "\"";
          ++cue_starts_checked;
        }
        pos = begin + 1;
        while (pos < text.size() && (static_cast<unsigned char>(text[pos]) & 0xC0) == 0x80) ++pos;
      }
    }
  }
  // The generator reaches every regex many times (else the test would prove little).
  for (size_t r = 0; r < regexes.size(); ++r)
    EXPECT_GT(matched[r], 200) << regexes[r].source;
  EXPECT_GT(cue_starts_checked, 1000u);
}

// Selectivity: the hints are not a constant; prose holds none, each shape its own.
TEST(PrefilterTest, HintsAreSelective) {
  EXPECT_EQ(BuiltinHints("the quick brown fox jumps over the lazy dog, again and again").mask, 0u);
  EXPECT_EQ(BuiltinHints("Follow-up in two weeks. No change in the plan; see the chart.").mask, 0u);
  EXPECT_EQ(BuiltinHints("ssn 536-22-8714").mask, HintBit(Hint::kNineGrouped));
  EXPECT_EQ(BuiltinHints("write to jo@example.com").mask, HintBit(Hint::kEmail));
  EXPECT_EQ(BuiltinHints("call (415) 555-2671").mask, HintBit(Hint::kPhone));
  EXPECT_EQ(BuiltinHints("Dear John").mask, HintBit(Hint::kNameCue));
  EXPECT_EQ(BuiltinHints("Mr. Smith").mask, HintBit(Hint::kHonorific));
  EXPECT_EQ(BuiltinHints("Kind regards, Ann").mask, HintBit(Hint::kClosing));
  EXPECT_EQ(BuiltinHints("host 10.0.0.1").mask, HintBit(Hint::kIpv4));
  EXPECT_EQ(BuiltinHints("at 14:30").mask, 0u);
  EXPECT_EQ(BuiltinHints("at 14:30:00").mask, HintBit(Hint::kIpv6));
  EXPECT_EQ(BuiltinHints("seen March 3, 2024").mask, HintBit(Hint::kDate));
  EXPECT_EQ(BuiltinHints("seen in March").mask, 0u);
  // A month is a whole word that is a month name, where one may stand: followed by
  // "\.?,? " (and a year somewhere).
  EXPECT_EQ(BuiltinHints("Maria 2024").mask, 0u);
  EXPECT_EQ(BuiltinHints("Mar 2024").mask, HintBit(Hint::kDate));
  EXPECT_EQ(BuiltinHints("Mar., 2024").mask, HintBit(Hint::kDate));
  EXPECT_EQ(BuiltinHints("(Maria) 2024").mask, 0u);
  EXPECT_EQ(BuiltinHints("Maria: 2024").mask, 0u);
  EXPECT_EQ(BuiltinHints("Mar,. 2024").mask, 0u);
  EXPECT_EQ(BuiltinHints("maria.lee@x.org 2024").mask, HintBit(Hint::kEmail));
  // (A run of 7 digits is a kDigitRun as well; the two capitals before "91" could begin
  // an IBAN, and a run of 6 before 'A' and a digit a Finnish id.)
  EXPECT_EQ(BuiltinHints("DNI 73516284G").mask, HintBit(Hint::kSpanishId));
  EXPECT_EQ(BuiltinHints("NIE X-3851726-P").mask, HintBit(Hint::kSpanishId) | HintBit(Hint::kDigitRun));
  EXPECT_TRUE(BuiltinHints("NIE X-03851726-P").mask & HintBit(Hint::kSpanishId));
  EXPECT_TRUE(BuiltinHints("NIE X03851726P").mask & HintBit(Hint::kSpanishId));
  EXPECT_EQ(BuiltinHints("CF BNCLRA91E52H501U").mask,
            HintBit(Hint::kItalianFiscalCode) | HintBit(Hint::kIban));
  EXPECT_EQ(BuiltinHints("hetu 150387-472S").mask, HintBit(Hint::kFinnishId));
  EXPECT_EQ(BuiltinHints("NI AB 12 34 56 C").mask, HintBit(Hint::kNino));
  // (Its "004 015 69" has the shape of a number dialled with the exit code 00, and of a
  // grouped national one.)
  EXPECT_EQ(BuiltinHints("NIR 1 82 02 2A 004 015 69").mask,
            HintBit(Hint::kFrNirForms) | HintBit(Hint::kPhone) | HintBit(Hint::kPhoneGrouped));
  EXPECT_EQ(BuiltinHints("NIR 182022A00401569").mask,
            HintBit(Hint::kFrNirForms) | HintBit(Hint::kFinnishId));
  EXPECT_EQ(BuiltinHints("BSN 174638516").mask, HintBit(Hint::kDigitRun));
  EXPECT_EQ(BuiltinHints("IdNr 47 815 293 646").mask, HintBit(Hint::kDeTaxIdGrouped));
  EXPECT_EQ(BuiltinHints("SSN 536-22-8714").mask, HintBit(Hint::kNineGrouped));
  EXPECT_EQ(BuiltinHints("the WORLDWIDEWEBSITES of the 1990s").mask, 0u);  // 17 capitals
  // (?i) matches the long s and the Kelvin sign as 's' and 'k': cues stay possible.
  EXPECT_EQ(BuiltinHints("ſpouse Ann").mask, HintBit(Hint::kNameCue) | HintBit(Hint::kClosing));
}

// Every list word gets past the gate of the word pass (a table by its first two bytes
// and its length), in lower case, capitalized and in capitals where its pattern allows
// them; words that share a list word's first two letters but not its length do not.
TEST(PrefilterTest, ListWordsPassTheirGateInEveryCase) {
  auto cased = [](std::string w) {
    std::string capitalized = w, upper = w;
    capitalized[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(w[0])));
    for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return std::vector<std::string>{w, capitalized, upper};
  };
  const char* const cues[] = {
      "patient", "full", "signed", "approved", "referred", "account", "pt", "name", "dear",
      "attn", "attention", "insured", "employee", "customer", "client", "member", "guardian",
      "physician", "nurse", "applicant", "beneficiary", "cardholder", "contact", "witness",
      "reviewer", "spouse", "mother", "father", "son", "daughter"};
  for (const char* w : cues)
    for (const std::string& v : cased(w))
      EXPECT_TRUE(BuiltinHints(v + ": Ann").mask & HintBit(Hint::kNameCue)) << v;
  const char* const closings[] = {"sincerely", "best", "kind", "regards", "thank",
                                  "thanks", "cheers", "respectfully", "signed"};
  for (const char* w : closings)
    for (const std::string& v : cased(w))
      EXPECT_TRUE(BuiltinHints(v + ", Ann").mask & HintBit(Hint::kClosing)) << v;
  for (const char* h : {"Mr", "Mrs", "Ms", "Miss", "Mx", "Dr", "Prof", "Rev", "Sr", "Sra",
                        "Srta", "Herr", "Frau", "Mme", "Mlle", "Dhr", "Mevr", "Dott", "Avv",
                        "dhr", "mevr", "Sig.ra", "Sig.na", "Sig.ri", "Dott.ssa", "Avv.to"})
    EXPECT_TRUE(BuiltinHints(std::string(h) + ". Smith").mask & HintBit(Hint::kHonorific)) << h;
  for (const char* m :
       {"jan", "feb", "mar",   "apr", "may", "jun", "jul", "aug",  "sep",   "oct",  "nov",    "dec",
        "mai", "okt", "dez",   "avr", "ene", "abr", "ago", "set",  "dic",   "gen",  "mag",    "giu",
        "lug", "ott", "maart", "mei", "mrt", "mrz", "fev", "aout", "maerz", "juin", "juillet"})
    for (const std::string& v : cased(m))
      EXPECT_TRUE(BuiltinHints("3 " + v + " 2024").mask & HintBit(Hint::kDate)) << v;
  EXPECT_EQ(BuiltinHints("see www.example.org").mask, HintBit(Hint::kUrl));
  // Words that only begin like a list word ("thank", "attn", "father", "cardholder",
  // "Frau") are none.
  EXPECT_EQ(BuiltinHints("the these there attempts failed cannot from Fr www").mask, 0u);
}

// The ranges are narrow where the shape fixes them: an SSN's three runs, an e-mail's
// bytes around its '@'.
TEST(PrefilterTest, RangesCoverTheShapeOnly) {
  const std::string text = "Seen today, SSN 536-22-8714; mail jo.ann@example.com please.";
  const Hints hints = BuiltinHints(text);
  const int ssn = static_cast<int>(Hint::kNineGrouped), mail = static_cast<int>(Hint::kEmail);
  ASSERT_TRUE(hints.Has(ssn));
  ASSERT_TRUE(hints.Has(mail));
  EXPECT_EQ(text.substr(hints.lo[ssn], hints.hi[ssn] - hints.lo[ssn]), "536-22-8714");
  EXPECT_EQ(text.substr(hints.lo[mail], hints.hi[mail] - hints.lo[mail]), "jo.ann@example.com");
}

// A token of the soup SameHintsAsTheReference reads: letter words of every length
// around 8 and 16 (hex letters only, or not), digit runs, letters and digits glued
// (with '_'), e-mails, list words, shapes, non-ASCII letters, bytes of every value.
std::string SoupToken(Rng& rng) {
  static const char kLetters[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
  static const char kHexLetters[] = "abcdefABCDEF";
  static const char kAlnum[] = "abcXYZ0123456789_fF";
  std::string t;
  const int len = rng.Chance(0.5) ? rng.Range(1, 10) : rng.Range(1, 26);
  switch (rng.Range(0, 11)) {
    case 0:
    case 1:
      for (int i = 0; i < len; ++i) t += kLetters[rng.Range(0, 51)];
      break;
    case 2:
      for (int i = 0; i < len; ++i) t += kHexLetters[rng.Range(0, 11)];
      break;
    case 3:
      for (int i = 0; i < len; ++i) t += static_cast<char>('0' + rng.Range(0, 9));
      break;
    case 4:
      for (int i = 0; i < len; ++i) t += kAlnum[rng.Range(0, 18)];
      break;
    case 5:
      t = Word(rng);
      break;
    case 6:
      t = Shape(rng);
      break;
    case 7:
      t = Word(rng) + "." + Word(rng) + "@" + Word(rng) + ".com";
      break;
    case 8: {
      static const char* const kNonAscii[] = {"\u00e4", "\u00e9", "\u00c4", "\u00fb", "\u017F",
                                              "\u212A", "\u0130", "\u0131", "\u2014", "\u00df"};
      t = rng.Pick(kNonAscii);
      break;
    }
    case 9:
      t += static_cast<char>(rng.Range(0, 255));
      break;
    default:
      t = rng.Pick(kGlue);
      break;
  }
  return t;
}

// The scan gives what the older scan gave (prefilter_reference.h): the same mask and,
// for each hint set, the same range (the date's within the old one, the other dates'
// around it), over 300,000 generated texts and every prefix of a few of them (a word
// cut by the text's end).
TEST(PrefilterTest, SameHintsAsTheReference) {
  Rng rng(20261202);
  auto same = [](std::string_view text) {
    const Hints a = BuiltinHints(text), b = reference::BuiltinHints(text);
    // The date hint may be narrower or unset: a month is now a whole word that is a
    // name (MonthWordsOfTheDateRegexSetTheDateHint), not one that begins like one.
    const int date = static_cast<int>(Hint::kDate);
    // The other dates' hint may be set or wider: a month's name with a two-digit year
    // ("14 Mar 85") is newer than the reference.
    const int other = static_cast<int>(Hint::kOtherDate);
    const HintMask free_bits = HintBit(Hint::kDate) | HintBit(Hint::kOtherDate);
    if ((a.mask & ~free_bits) != (b.mask & ~free_bits)) return false;
    if (a.Has(date) && !(b.Has(date) && a.lo[date] >= b.lo[date] && a.hi[date] <= b.hi[date]))
      return false;
    if (b.Has(other) && !(a.Has(other) && a.lo[other] <= b.lo[other] && a.hi[other] >= b.hi[other]))
      return false;
    for (int h = 0; h < Hints::kCount; ++h)
      if (h != date && h != other && a.Has(h) && (a.lo[h] != b.lo[h] || a.hi[h] != b.hi[h]))
        return false;
    return true;
  };
  size_t hints = 0;
  for (int n = 0; n < 300000; ++n) {
    std::string text;
    if (n % 3 == 0) {
      text = Text(rng);
    } else {
      const int parts = rng.Range(1, 12);
      for (int i = 0; i < parts; ++i) {
        text += SoupToken(rng);
        if (rng.Chance(0.5)) text += rng.Pick(kGlue);
      }
    }
    ASSERT_TRUE(same(text)) << text;
    if (n % 100 == 0)
      for (size_t k = 0; k < text.size(); ++k)
        ASSERT_TRUE(same(std::string_view(text).substr(0, k))) << text;
    hints += static_cast<size_t>(__builtin_popcount(BuiltinHints(text).mask));
  }
  EXPECT_GT(hints, 300000u);
}

// The strings a piece of regex matches, for the few constructs of the date regex's
// month names: literals (bytes), \x, [..] of literal bytes, (?:a|b) and ? after an atom.
// At pos; stops at an unmatched ')' or '|' (left at pos) or the end.
std::set<std::string> Expand(std::string_view re, size_t& pos);

std::set<std::string> ExpandAtom(std::string_view re, size_t& pos) {
  std::set<std::string> out;
  if (re.compare(pos, 3, "(?:") == 0) {
    pos += 3;
    while (true) {
      for (const std::string& s : Expand(re, pos)) out.insert(s);
      if (re[pos++] == ')') break;  // else '|'
    }
  } else if (re[pos] == '[') {
    for (++pos; re[pos] != ']'; ++pos) out.insert(std::string(1, re[pos]));
    ++pos;
  } else if (re[pos] == '\\') {
    out.insert(std::string(1, re[pos + 1]));
    pos += 2;
  } else {
    out.insert(std::string(1, re[pos++]));
  }
  return out;
}

std::set<std::string> Expand(std::string_view re, size_t& pos) {
  std::set<std::string> out = {""};
  while (pos < re.size() && re[pos] != ')' && re[pos] != '|') {
    std::set<std::string> atom = ExpandAtom(re, pos);
    if (pos < re.size() && re[pos] == '?') {
      atom.insert("");
      ++pos;
    }
    std::set<std::string> next;
    for (const std::string& a : out)
      for (const std::string& b : atom) next.insert(a + b);
    out.swap(next);
  }
  return out;
}

// Every month name the date regex accepts, in each case it accepts, sets the date hint
// in each of the regex's forms (the names come from the regex itself: its group of
// MONTH and the one of MONTH_EUROPE and its abbreviations, expanded); and the words that
// only begin like a month no longer do.
TEST(PrefilterTest, MonthWordsOfTheDateRegexSetTheDateHint) {
  std::string date_re;
  for (const PatternDef& d : BuiltinPatterns())
    if (std::string_view(d.name) == "date") date_re = d.pattern;
  ASSERT_FALSE(date_re.empty());
  std::set<std::string> english, europe;
  size_t pos = date_re.find("\\b(?:[Jj]an");
  ASSERT_NE(pos, std::string::npos);
  pos += 2;
  english = ExpandAtom(date_re, pos);
  pos = date_re.find("(?:(?:[Jj]anuar");
  ASSERT_NE(pos, std::string::npos);
  europe = ExpandAtom(date_re, pos);  // with the '.' of an abbreviation (or not)
  EXPECT_GT(english.size(), 60u);
  EXPECT_GT(europe.size(), 350u);
  RE2::Options o;
  o.set_encoding(RE2::Options::EncodingUTF8);
  const RE2 re(date_re, o);
  const int date = static_cast<int>(Hint::kDate);
  size_t checked = 0;
  auto check = [&](const std::string& text, const std::string& month) {
    re2::StringPiece m;
    ASSERT_TRUE(re.Match(text, 0, text.size(), RE2::UNANCHORED, &m, 1)) << text;
    ASSERT_NE(m.find(month), re2::StringPiece::npos) << text;  // a month form
    const Hints hints = BuiltinHints(text);
    ASSERT_TRUE(hints.Has(date)) << text;
    const size_t b = static_cast<size_t>(m.data() - text.data());
    EXPECT_LE(hints.lo[date], b) << text;
    EXPECT_GE(hints.hi[date], b + m.size()) << text;
    // The numeric dates' matcher leaves the match to RE2: a month may begin there.
    ASSERT_GE(month.size(), 3u);
    EXPECT_TRUE(MayBeginMonthName(reinterpret_cast<const unsigned char*>(month.data()))) << month;
    size_t nb = 0, ne = 0;
    EXPECT_EQ(SearchNumericDate(text, 0, text.size(), false, &nb, &ne), -1) << text;
    ++checked;
  };
  for (const std::string& n : english) {
    for (const char* f : {"on %. 12, 2020 x", "% 3rd, 1999", "(12th %., 2020)", "1 % 2020"}) {
      std::string text = f;
      text.replace(text.find('%'), 1, n);
      check(text, n);
    }
  }
  for (const std::string& n : europe) {
    for (const char* f : {"le 12 % 2020", "12. %, 2020", "1 de % de 2020", "3er %, del 2020"}) {
      std::string text = f;
      text.replace(text.find('%'), 1, n);
      check(text, n);
    }
  }
  EXPECT_GT(checked, 1500u);
  for (const char* t : {"e-mail 2020", "Maria, 2020", "Marketing 2020", "mayor. 2020",
                        "Mayor 12 2020", "JANuary 2020", "Augustin, 2020", "dece 2020"})
    EXPECT_FALSE(BuiltinHints(t).Has(date)) << t;
}

// The detector with the prefilter finds what it finds with every regex searched.
TEST(PrefilterTest, DetectorFindsWhatTheFullScanFinds) {
  const Detector detector({}, {"maria", "john", "ann"});
  DetectOptions quick, full;
  quick.min_score = full.min_score = 0;
  full.full_scan = true;
  Rng rng(424242);
  size_t findings = 0;
  for (int n = 0; n < 33000; ++n) {
    const std::string text = Text(rng);
    const std::vector<Finding> a = detector.Detect(text, quick);
    const std::vector<Finding> b = detector.Detect(text, full);
    findings += b.size();
    ASSERT_EQ(a.size(), b.size()) << text;
    for (size_t i = 0; i < a.size(); ++i) {
      EXPECT_EQ(a[i].entity, b[i].entity) << text;
      EXPECT_EQ(a[i].begin, b[i].begin) << text;
      EXPECT_EQ(a[i].end, b[i].end) << text;
      EXPECT_EQ(a[i].score, b[i].score) << text;
    }
  }
  EXPECT_GT(findings, 10000u);
}

}  // namespace
}  // namespace comply::pii
