// The hand matchers (src/core/pii/matchers.h) against RE2 on their regexes, read from
// the built-in pattern table: for every generated text, range and anchoring, the matcher
// finds what RE2::Match finds (or both nothing). The regex is the definition: an edit of
// it that its matcher does not follow fails here.
#include "core/pii/matchers.h"

#include <gtest/gtest.h>
#include <re2/re2.h>

#include <cstdio>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "core/pii/recognizers.h"
#include "core/rng.h"

namespace comply::pii {
namespace {

using Rng = SplitMix64;

struct Subject {
  std::string name;
  MatcherFn matcher;
  std::unique_ptr<RE2> re;
};

// The built-in patterns that have a hand matcher, each with its regex compiled as the
// detector compiles it.
std::vector<Subject> Subjects() {
  std::vector<Subject> out;
  for (const PatternDef& d : BuiltinPatterns()) {
    MatcherFn m = HandMatcher(d.name);
    if (!m) continue;
    RE2::Options o;
    o.set_encoding(RE2::Options::EncodingUTF8);
    o.set_log_errors(false);
    auto re = std::make_unique<RE2>(d.pattern, o);
    EXPECT_TRUE(re->ok()) << d.name;
    out.push_back({d.name, m, std::move(re)});
  }
  return out;
}

// Pieces that texts are made of: single bytes of the classes the regexes read, the
// words of the cue regexes (in any case, a letter perhaps replaced by its non-ASCII
// fold: long s, Kelvin sign), shapes of the numbers, and multi-byte UTF-8.
const char* const kPieces[] = {
    "0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "0", "12", "345", "6789", "1234",
    " ", " ", " ", "  ", "-", ".", ":", ",", "\t", "\n", "\r", "\f", "\v", "_", "/", "(", ")",
    "+", "@", "#", "'", "A", "B", "Z", "Q", "a", "z", "x", "GB", "DE", "NL", "ES", "WEST",
    "ABCD", "X9Y8", "AB", "\xC5\xBF", "\xE2\x84\xAA", "\xC3\xA9", "\xC3\x89", "\xEF\xBC\x91",
    "\xEF\xBC\x8D", "\xE2\x80\x93", "\xC2\xA0", "\xE4\xB8\xAD", "\xF0\x9F\x98\x80", "\xC5",
    "\xBF", "\xE2\x84", "\x80", "\xFF",
    "patient name", "full name", "signed by", "approved by", "referred by", "account holder",
    "patient", "pt", "name", "signed", "dear", "attn", "attention", "insured", "employee",
    "customer", "client", "member", "guardian", "physician", "nurse", "applicant",
    "beneficiary", "cardholder", "contact", "witness", "reviewer", "spouse", "mother",
    "father", "son", "daughter", "sincerely", "best regards", "kind regards", "regards",
    "best", "thank you", "thanks", "cheers", "respectfully", "Mr", "Mrs", "Ms", "Miss",
    "Mx", "Dr", "Prof", "Rev", "Sr", "Sra", "Srta", "Herr", "Frau", "Mme", "Mlle", "Mrs.",
    "Dhr", "Mevr", "Dott", "Avv", "Fr", "Hr", "Sig", "Dottore", "dhr", "Sig.ra", "Dott.ssa",
    "patients", "names", "nam", "pati", "@", "@", "john.doe", "x_y%z+w'v", "-a", "a-",
    "example", ".com", ".co", ".", "..", "mail.example.org", "\xE0\x80\x80", "\xF4\x90\x80\x80",
    "\xED\xA0\x80", "\xC0\x80", "\xF5\x80\x80\x80", "\xC3", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    "ABCDEFGHIJKLMNOPQRSTUVWXYZ", "a@b.co", "john.doe@example.com", "x@mail.example.org",
    "j_o+1@ex-ample.co.uk", "\xC3\xA9@\xC3\xA9t\xC3\xA9.fr", "@example.com", "@a-b.c-d.ef",
    "@x.y", "@1.de", "@a..de", "@a.b.", "@-a.de", "::", "db8", "ffff", "fe80", "10:30",
};

// A word of kPieces with its letters' case changed at random, and now and then an s or
// k written as its non-ASCII fold.
std::string Mangle(Rng& rng, std::string w) {
  std::string out;
  const int mode = rng.Range(0, 5);  // 0, 3, 4, 5: as written
  for (char c : w) {
    const bool letter = (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
    if (letter && (c | 0x20) == 's' && rng.Range(0, 9) == 0) {
      out += "\xC5\xBF";
    } else if (letter && (c | 0x20) == 'k' && rng.Range(0, 5) == 0) {
      out += "\xE2\x84\xAA";
    } else if (letter && mode == 1) {
      out += static_cast<char>(c & ~0x20);
    } else if (letter && mode == 2 && rng.Range(0, 1)) {
      out += static_cast<char>(c ^ 0x20);
    } else {
      out += c;
    }
  }
  return out;
}

// The shapes of the numbers' regexes (D a digit, U a capital, L a small letter, A a
// capital or a digit),
// each character perhaps dropped, doubled or swapped for another separator, so that the
// texts sit on the regexes' edges.
const char* const kShapes[] = {
    "DDDD DDDD DDDD DDDD", "DDDD-DDDD-DDDD-DDDD DDD", "DDDD DDDDDD DDDDD", "DDDD-DDDDDD-DDDD",
    "DDDD DDDD DDDD D", "DDDD DDDD DDDDD", "DDD-DD-DDDD", "DDD DD DDDD", "DDD.DD.DDDD",
    "DDD.DDD.DDD.DDD", "D.DD.D.DDD", "UUDD DDDD DDDD DDDD DDDD DD", "UUDDUUUUDDDDDDDDDDDDDD",
    "UUDD AAAA AAAA A", "UUDD AAAA AAAA AAAA AAA", "UUDDAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    "+DD (D) DDDD-DDDD", "+DD (DDDD)DDD", "(DDD) DDD-DDDD", "(DDD)DDD.DDDD", "1-DDD-DDD-DDDD",
    "1DDD DDD DDDD", "+D DDD DDD DDDD", "+DDDDDDDDDDDD", "+DDD.DD.DD-DDDD DD", "0DD DDDD DDDD",
    "0DDDDDDDDDD", "0DDDD-DDD DDDD", "0D DD DD DD DD", "0D.DD.DD.DD.DD", "(0D) DDDD DDDD",
    "(0D)DDDDDDDD", "0D DDDDDDDD", "0DDDDD DDDDD", "+DD (0)DD DDDD DDDD",
    "00 DD DD DDDD DDDD", "00DD DDDD DDDDDD", "011 D DDD DDD DDDD", "011-DD (D) DDDD-DDDD",
    "(0DD) DDDD DDDD", "(0DDDD) DDDDDD", "(0DDD)DDD-DDDD", "0DD/DDDDDDD", "0DDDD/DDDDDD",
    "0DD/DDD DD DD", "0DDD/DDDDD-DD", "0DDD/DDD DD DD", "00 0D DDDD", "011 DD",
    // phone_grouped
    "0DD DDD DD DD", "(0DDDD) DDDDD", "0D - DDDD DDDD", "0DD / DDDDDDD", "0DDD DDDDD-DD",
    "UU DD DD DD A", "UUDDDDDDD",
    "DDDDDDDDD", "DDDDDDDDDDDDDDDDDDD", "DDDD.DD.DDD", "DDD.DDD.DDD", "UDDDDDDDD", "UUDDDDDD",
    "DDDUUDDDD", "UU DD DD DD U", "UUDDDDDDU", "UU DD DD DD C", "UUDDDDDDB",
    "LL DD DD DD c", "LLDDDDDDa", "LL DDDDDD d", "DDDDDD-DDDU", "DDDDDDUDDDD", "DDDDDD+DDDD",
};

std::string NumberShape(Rng& rng) {
  static const char kSeps[] = {' ', '-', '.'};
  const std::string shape = kShapes[rng.Range(0, static_cast<int>(std::size(kShapes)) - 1)];
  const bool mutate = rng.Range(0, 1) == 0;
  std::string out;
  for (char c : shape) {
    int copies = 1;
    if (mutate && rng.Range(0, 19) == 0) copies = rng.Range(0, 2);
    for (int i = 0; i < copies; ++i) {
      if (c == 'D') {
        out += static_cast<char>('0' + rng.Range(0, 9));
      } else if (c == 'U') {
        out += static_cast<char>('A' + rng.Range(0, 25));
      } else if (c == 'L') {
        out += static_cast<char>('a' + rng.Range(0, 25));
      } else if (c == 'A') {
        out += rng.Range(0, 1) ? static_cast<char>('A' + rng.Range(0, 25))
                               : static_cast<char>('0' + rng.Range(0, 9));
      } else {
        out += mutate && rng.Range(0, 9) == 0 ? kSeps[rng.Range(0, 2)] : c;
      }
    }
  }
  return out;
}

std::string Generate(Rng& rng) {
  std::string s;
  const int n = rng.Range(1, 14);
  for (int i = 0; i < n; ++i) {
    const int kind = rng.Range(0, 9);
    if (kind < 3) {
      s += NumberShape(rng);
    } else if (kind == 3 && rng.Range(0, 1) == 0) {
      // Any byte at all, so that a regex edited to take one no piece holds (a ';' among
      // a cue's separators, a '!' in an e-mail's local part) fails here too.
      s += static_cast<char>(rng.Range(0, 255));
    } else {
      s += Mangle(rng, kPieces[rng.Range(0, static_cast<int>(std::size(kPieces)) - 1)]);
      if (rng.Range(0, 2) == 0) s += rng.Range(0, 3) ? " " : ". ";
    }
  }
  return s;
}

// "" if the matcher and RE2 agree on text over [from, to), else what differs.
std::string Compare(const Subject& s, const std::string& text, size_t from, size_t to,
                    bool anchored) {
  re2::StringPiece whole(text.data(), text.size());
  re2::StringPiece m;
  const bool want =
      s.re->Match(whole, from, to, anchored ? RE2::ANCHOR_START : RE2::UNANCHORED, &m, 1);
  size_t b = 0, e = 0;
  const bool got = s.matcher(text, from, to, anchored, &b, &e);
  const size_t wb = want ? static_cast<size_t>(m.data() - text.data()) : 0;
  const size_t we = want ? wb + m.size() : 0;
  if (want == got && (!want || (wb == b && we == e))) return "";
  return s.name + " on \"" + text + "\" [" + std::to_string(from) + ", " + std::to_string(to) +
         (anchored ? ") anchored" : ")") + ": RE2 " +
         (want ? "[" + std::to_string(wb) + ", " + std::to_string(we) + ")" : "none") +
         ", matcher " + (got ? "[" + std::to_string(b) + ", " + std::to_string(e) + ")" : "none");
}

TEST(HandMatchers, CoverTheMostSearchedRegexes) {
  for (const char* name : {"person_cue", "person_closing", "person_honorific", "ssn_formatted",
                           "itin_formatted", "ipv4", "ipv6", "card_grouped", "iban", "phone",
                           "nhs_grouped", "phone_grouped", "ssn_plain", "nl_bsn", "passport_next_gen",
                           "nl_bsn_dotted", "uk_nino", "uk_nino_lower",
                           "fi_personal_identity_code"})
    EXPECT_NE(HandMatcher(name), nullptr) << name;
  EXPECT_NE(HandMatcher("email"), nullptr);
  EXPECT_EQ(HandMatcher("date"), nullptr);
  EXPECT_NE(PartialHandMatcher("date"), nullptr);
  EXPECT_EQ(PartialHandMatcher("email"), nullptr);
  EXPECT_EQ(HandMatcher("no such pattern"), nullptr);
}

TEST(HandMatchers, AgreeWithRe2OnEdgeCases) {
  const char* const kTexts[] = {
      "Mrs. Smith", "Mr.Smith", "Mrs Smith", "Mr\tX", "Mrss X", "xMr. X", "_Mr. X",
      "Srta. X", "Sra  X", "Mlle. X", "patient name: X", "patient names: X",
      "Patient:\tX", "PATIENT NAME,  X", "\xC5\xBFigned by X", "x\xC5\xBFigned X",
      "kind regards,\nX", "\xE2\x84\xAAind regards.\r\nX", "Best  X", "best,X",
      "sons X", "son: X", "attention X", "attn: X", "4111 1111 1111 1111", "4111.1111.1111.1111", "3782.822463.10005",
      "4111.1111-1111.1111", "4111..1111.1111.1111",
      "4111-1111-1111-1111-123", "4111 1111 1111 1111 1234", "3782 822463 10005",
      "3782 822463 1000", "6011 1111 1111 1 ", "6011 1111 11111", "6011 1111 111111",
      "123-45-6789", "123 45 6789", "123.45.6789", "123-45 6789", "0123-45-6789",
      "1.2.3.4", "192.168.010.255", "1234.1.1.1", "1.1.1.1234", "1.1.1.1.1", "a1.1.1.1",
      "GB82 WEST 1234 5698 7654 32", "DE89370400440532013000", "DE89 3704 0044 0532 0130 00",
      "GB82WEST12345698765432XY", "NL91 ABNA 0417 1643 00", "XX12 ABCD", "XX12 ABCD EFGH",
      "XX12 ABCD EFGH I", "XX12 ABCD EFGH IJK L", "XX12ABCDEFGHIJKLMNOPQRSTUVWXYZ12345678",
      "+44 (0)20 7946 0958", "+1 (415) 555-2671", "+14155552671", "+1 415 555 2671 x",
      "+123456", "+1234567", "(415) 555-2671", "(415)555-2671", "1-415-555-2671",
      "1 (415) 555-2671", "415.555.2671", "a415-555-2671", "020 7946 0958", "02079460958",
      "0207946095", "01 42 68 53 00", "01.42.68.53.00", "(02) 9374 4000", "(02)93744000",
      "02 9374 4000", "098765 43210", "00 44 20 7946 0958", "0044 20 7946 0958",
      "011 44 20 7946 0958", "0114 496 0000", "001-415-555-2671", "00 1", "011", "00 44",
      "(020) 7946 0958", "(0161) 496 0000", "(01632)960000", "(02012) 345 678", "(020)",
      "030/1234567", "0221/123456789", "030/12", "0301/1234567x", "03012/1234567",
      "030/123 45 67", "0221/12345-67", "0171/123 45 67 8", "030/12 345678 9", "030/1 23",
      "030/123 456789", "00 0 12 3456 789", "0044 20 7946 0958", "0012345678905", "0987654 3210", "+33 1 42 68 53 00 00 00",
      "1234567", "123456", "1234567890123456789", "12345678901234567890", "x1234567",
      "1746.38.516", "174.638.516", "174.638.5167", "X12345678", "AB1234567", "AB12345678",
      "123AB4567", "AB 12 34 56 C", "AB123456C", "ab 12 34 56 c", "AB 12 34 56 E",
      "150387-472S", "150387A472S", "150387+472G", "150387-4721", "150387-472SX",
      "john.doe@example.com", "a@b.co", "a@b.c", "a@b.co-uk.x", "a@b.com2", "a@b.com_x",
      "a@b.com\xC3\xA9", "\xC3\xA9l\xC3\xA8ve@\xC3\xA9" "cole.fr", "x@-a.com", "x@a-.com",
      "x@a..com", "@a.com", "a@@b.com", "a@b@c.com", "a b@c.de", "\xE0\x80\x80@a.de",
      "\xC0\x80@a.de", "\xF4\x90\x80\x80@a.de", "\xF5\x80\x80\x80@a.de", "\xE2\xC3\xA9@a.de",
      "x@aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.de",
      "x@aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.de",
      "x@a.abcdefghijklmnopqrstuvwx", "x@a.abcdefghijklmnopqrstuvwxy", "x@a.b.c.d.e.f.gh.i",
      "o'brien+hr@mail.example.org.", "x@1.2.3.45", "x@a.b1.cd",
      // A '+' before digits that cannot end at a word boundary: every split fails (the
      // phone matcher remembers the failed states).
      "+1234567890123456789_", "+12 (3456) 7890-1234-5678-9012_", "+123.4567.8901.2345.6789a",
      // IPv6: groups up to seven, runs of hex digits too long, the IPv4 tail whole or not.
      "2001:db8::1", "::1", "::", ":", "fe80::1%eth0", "::ffff:192.168.1.1", "10:30:00",
      "2024-03-14T10:30:00Z", "1:2:3:4:5:6:7:8:9", "12345:1:2", "1:23456:7", "1:2:34567",
      "a:b:c.1.2.3", "::1.2.3.4444", "::1.2.3", "::1.2", "1::2.3.4.5.6", "ABCD:EF01::G",
      "x::1.22.333.4444", "::.1.2.3", "1:2:3:4:5:6:7:8.1.2.3.4",
  };
  const std::vector<Subject> subjects = Subjects();
  for (const char* t : kTexts) {
    const std::string text = t;
    for (const Subject& s : subjects)
      for (size_t from = 0; from <= text.size(); ++from)
        for (size_t to : {text.size(), from + (text.size() - from) / 2})
          for (bool anchored : {false, true}) {
            const std::string diff = Compare(s, text, from, to, anchored);
            EXPECT_EQ(diff, "");
          }
  }
}

// Every byte, and a few multi-byte characters, in each place of texts the regexes match
// where a separator, a word's neighbour or a character of an e-mail stands ('?' in the
// templates): a regex edited to take one more character there (';' among a cue's
// separators, '!' in an e-mail's local part) fails here even if no generated piece
// holds it.
TEST(HandMatchers, AgreeWithRe2OnEveryByteInPlace) {
  const char* const kTemplates[] = {
      "patient name? X", "?patient: X", "patient?X", "kind regards? X", "best?\nX", "Mr? Smith",
      "?Mrs. X", "Dr.?X", "john?doe@example.com", "?a@b.co", "a@b?example.com", "a@ex?mple.com",
      "a@b.co?", "x@a.b?", "+44?20 7946 0958", "+1 (415)?555-2671", "+1 415 555?2671?",
      "(415)?555-2671", "1?415-555-2671", "020?7946 0958", "01 42?68 53 00", "4111?1111 1111 1111",
      "4111 1111 1111 1111?", "123?45-6789", "1.2?3.4", "?192.168.1.1", "GB82?WEST 1234 5698 7654 32",
      "GB82 WEST 1234 5698 7654 32?", "AB 12 34?56 C", "150387?472S", "1746?38.516", "?123456789",
  };
  std::vector<std::string> fills;
  for (int b = 0; b < 256; ++b) fills.push_back(std::string(1, static_cast<char>(b)));
  for (const char* m : {"\xC2\xA0", "\xC3\xA9", "\xE2\x80\x93", "\xEF\xBC\x9A", "\xC5\xBF", ""})
    fills.push_back(m);
  const std::vector<Subject> subjects = Subjects();
  size_t failures = 0;
  for (const char* t : kTemplates) {
    const std::string tmpl = t;
    for (const std::string& fill : fills) {
      std::string text;
      for (char c : tmpl) {
        if (c == '?') text += fill;
        else text += c;
      }
      for (const Subject& s : subjects)
        for (size_t from = 0; from <= text.size() && failures < 10; ++from)
          for (bool anchored : {false, true}) {
            if (!anchored && from > 0) continue;
            const std::string diff = Compare(s, text, from, text.size(), anchored);
            if (!diff.empty()) {
              ++failures;
              ADD_FAILURE() << diff;
            }
          }
    }
  }
}

// Texts for the date regex: its numeric forms, each character perhaps dropped, doubled
// or swapped for another, digit runs of every length, month names and their
// abbreviations, the suffixes and words around them, letters, non-ASCII bytes.
std::string GenerateDateText(Rng& rng) {
  static const char* const kDateShapes[] = {
      "DDDD-DD-DD",
      "DDDD-DD-DDTDD:DD",
      "DDDD-DD-DD DD:DD:DD",
      "DDDD-DD-DDTDD:DD:DD.DDDZ",
      "DDDD-DD-DDTDD:DD:DD.DDDDDDDDDDD",
      "DDDD-DD-DDTDD:DD:DD+DD:DD",
      "DDDD-DD-DDTDD:DD-DDDD",
      "DDDD-DD-DD DD:DDZ",
      "DDDD-DD-DDTDD:DD:DD.D+DDDD",
      "DDDD/DD/DD",
      "DDDD/D/D",
      "DDDD/DD/D",
      "DD/DD/DDDD",
      "D/D/DDDD",
      "DD-D-DDDD",
      "D.DD.DDDD",
      "DD.DD.DDDDD",
      "DDDDD-DD-DD",
  };
  static const char* const kMonths[] = {
      "Jan",           "January",   "jan",       "JANUARY",   "Sept",     "sep",
      "SEPT",          "September", "Mar",       "MAR",       "March",    "May",
      "june",          "July",      "M\u00e4rz", "M\u00c4RZ", "janv",     "f\u00e9vr",
      "d\u00e9cembre", "M\u00e4r",  "f\u00e9v",  "D\u00c9C",  "d\u00e9c", "mei",
      "mars",          "Mars",      "gen",       "fev",       "Mrz",      "SEPTIEMBRE",
      "setiembre",     "enero",     "agosto",    "ottobre",   "maart",    "mai",
  };
  static const char* const kWords[] = {
      "st",  "nd",   "rd",       "th",           "er",       "ER",    "de ", "del ",
      "DE ", "DEL ", "on ",      "DOB ",         "born ",    "seen ", "x",   "Q",
      "ab",  "_",    "\xC3\xA9", "\xE2\x80\x93", "\xC2\xA0", "\xC3",
  };
  static const char* const kMonthShapes[] = {
      "D M YYYY",         "DD M. YYYY", "M D, YYYY",         "M. DDth, YYYY",
      "DDst M, YYYY",     "DD. M YYYY", "Der de M del YYYY", "DD DE M DEL YYYY",
      "DD de M, de YYYY", "M DD YYYY",  "DD M.,YYYY",
  };
  static const char kOthers[] = "/-.: TZ+,_x";
  std::string s;
  const int n = rng.Range(1, 10);
  for (int i = 0; i < n; ++i) {
    const int kind = rng.Range(0, 11);
    if (kind >= 10) {
      // A date with a month name (a word of kWords), perhaps a character dropped.
      const std::string shape =
          kMonthShapes[rng.Range(0, static_cast<int>(std::size(kMonthShapes)) - 1)];
      const bool mutate = rng.Range(0, 2) == 0;
      for (char c : shape) {
        if (mutate && rng.Range(0, 14) == 0) continue;
        if (c == 'D' || c == 'Y')
          s += static_cast<char>('0' + rng.Range(0, 9));
        else if (c == 'M')
          s += kMonths[rng.Range(0, static_cast<int>(std::size(kMonths)) - 1)];
        else
          s += c;
      }
    } else if (kind < 4) {
      const std::string shape =
          kDateShapes[rng.Range(0, static_cast<int>(std::size(kDateShapes)) - 1)];
      const bool mutate = rng.Range(0, 1) == 0;
      for (char c : shape) {
        int copies = 1;
        if (mutate && rng.Range(0, 14) == 0) copies = rng.Range(0, 2);
        for (int k = 0; k < copies; ++k) {
          if (c == 'D')
            s += static_cast<char>('0' + rng.Range(0, 9));
          else if (mutate && rng.Range(0, 9) == 0)
            s += kOthers[rng.Range(0, 10)];
          else
            s += c;
        }
      }
    } else if (kind == 4) {
      const int digits = rng.Range(1, 12);
      for (int k = 0; k < digits; ++k) s += static_cast<char>('0' + rng.Range(0, 9));
    } else if (kind == 5) {
      s += kOthers[rng.Range(0, 10)];
    } else if (kind == 6 && rng.Range(0, 1) == 0) {
      s += static_cast<char>(rng.Range(0, 255));
    } else if (kind < 8) {
      s += kWords[rng.Range(0, static_cast<int>(std::size(kWords)) - 1)];
    } else {
      s += kMonths[rng.Range(0, static_cast<int>(std::size(kMonths)) - 1)];
    }
    const int gap = rng.Range(0, 5);
    if (gap == 0)
      s += " ";
    else if (gap == 1)
      s += ", ";
    else if (gap == 2)
      s += ". ";
  }
  return s;
}

// The date regex compiled as the detector compiles it.
std::unique_ptr<RE2> DateRegex() {
  RE2::Options o;
  o.set_encoding(RE2::Options::EncodingUTF8);
  o.set_log_errors(false);
  for (const PatternDef& d : BuiltinPatterns())
    if (std::string(d.name) == "date") return std::make_unique<RE2>(d.pattern, o);
  return nullptr;
}

// "" if SearchNumericDate leaves the search to RE2 (-1) or finds what RE2 finds, else
// what differs; counts its answers.
std::string CompareNumericDate(const RE2& re, const std::string& text, size_t from, size_t to,
                               bool anchored, size_t counts[4]) {
  size_t b = 0, e = 0;
  const int r = SearchNumericDate(text, from, to, anchored, &b, &e);
  ++counts[r + 1];
  re2::StringPiece m;
  const bool want = re.Match(re2::StringPiece(text.data(), text.size()), from, to,
                             anchored ? RE2::ANCHOR_START : RE2::UNANCHORED, &m, 1);
  const size_t wb = want ? static_cast<size_t>(m.data() - text.data()) : 0;
  const size_t we = want ? wb + m.size() : 0;
  // A match of a form with a month name (its bytes hold a letter and another after it).
  for (size_t i = wb; want && i + 1 < we; ++i)
    if ((text[i] | 0x20) >= 'a' && (text[i] | 0x20) <= 'z' &&
        (((text[i + 1] | 0x20) >= 'a' && (text[i + 1] | 0x20) <= 'z') || (text[i + 1] & 0x80))) {
      ++counts[3];
      break;
    }
  if (r < 0) return "";
  if (want == (r == 1) && (!want || (wb == b && we == e))) return "";
  return "date on \"" + text + "\" [" + std::to_string(from) + ", " + std::to_string(to) +
         (anchored ? ") anchored" : ")") + ": RE2 " +
         (want ? "[" + std::to_string(wb) + ", " + std::to_string(we) + ")" : "none") +
         ", SearchNumericDate " +
         (r == 1 ? "[" + std::to_string(b) + ", " + std::to_string(e) + ")" : "none");
}

// Where SearchNumericDate decides (without RE2), it finds what RE2 finds, on generated
// texts, every byte in the places of the numeric forms, and the forms whose month
// stands furthest from their start, from every start; and it decides often.
TEST(HandMatchers, NumericDateAgreesWithRe2) {
  const std::unique_ptr<RE2> re = DateRegex();
  ASSERT_TRUE(re && re->ok());
  Rng rng(0x646174652d726532ULL);
  size_t cases = 0, failures = 0;
  size_t counts[4] = {0, 0, 0, 0};  // left to RE2, no match, a match; RE2's month matches
  for (int i = 0; i < 150000 && failures < 10; ++i) {
    const std::string text = GenerateDateText(rng);
    for (int k = 0; k < 3; ++k) {
      size_t from = 0, to = text.size();
      if (k > 0) {
        from = static_cast<size_t>(rng.Range(0, static_cast<int>(text.size())));
        to = k == 1 ? text.size()
                    : static_cast<size_t>(
                          rng.Range(static_cast<int>(from), static_cast<int>(text.size())));
      }
      const bool anchored = rng.Range(0, 3) == 0;
      ++cases;
      const std::string diff = CompareNumericDate(*re, text, from, to, anchored, counts);
      if (!diff.empty()) {
        ++failures;
        ADD_FAILURE() << diff;
      }
    }
  }
  EXPECT_GE(cases, 450000u);
  EXPECT_GE(counts[0], cases / 20);
  EXPECT_GE(counts[1], cases / 10);
  EXPECT_GE(counts[2], cases / 20);
  EXPECT_GE(counts[3], cases / 40);
  std::printf(
      "date: %zu cases: %zu left to RE2, %zu without a match, %zu with one; RE2 found "
      "%zu with a month name\n",
      cases, counts[0], counts[1], counts[2], counts[3]);
  const char* const kTemplates[] = {
      "?2024-03-14",
      "2024-03-14?",
      "2024?03-14",
      "2024-03-14?10:30",
      "2024-03-14T10?30",
      "2024-03-14T10:30?00",
      "2024-03-14T10:30:00?123Z",
      "2024-03-14T10:30:00.123?",
      "2024-03-14T10:30:00?01:00",
      "2024-03-14T10:30:00+01?00",
      "2024-03-14T10:30+0100?",
      "2024-03-14T10:30:00.123456789?",
      "2024/3?14",
      "2024/03/1?",
      "12?03?2024",
      "1.3.2024?",
      "?3/14/2024",
      "March? 3, 2024",
      "3?March 2024",
      "Mar.?3rd 2024",
      "12.?M\xC3\xA4rz 1984",
      "12 de? enero del 1990",
      "x?1.2.1984",
      "12?d\xC3\xA9"
      "c 1985 1/2/1985",
  };
  std::vector<std::string> fills;
  for (int b = 0; b < 256; ++b) fills.push_back(std::string(1, static_cast<char>(b)));
  for (const char* m : {"\xC2\xA0", "\xC3\xA9", "\xE2\x80\x93", "\xEF\xBC\x91", ""})
    fills.push_back(m);
  for (const char* t : kTemplates) {
    for (const std::string& fill : fills) {
      std::string text;
      for (const char* c = t; *c != 0; ++c) {
        if (*c == '?')
          text += fill;
        else
          text += *c;
      }
      for (size_t from = 0; from <= text.size() && failures < 20; ++from)
        for (bool anchored : {false, true}) {
          if (!anchored && from > 0) continue;
          const std::string diff =
              CompareNumericDate(*re, text, from, text.size(), anchored, counts);
          if (!diff.empty()) {
            ++failures;
            ADD_FAILURE() << diff;
          }
        }
    }
  }
  for (const char* t : {"12er de enero 1990 2024-01-02", "1ER DE ENERO DEL 1990-01-02",
                        "12. de M\xC3\xA4r 1984 1.2.1984", "12th March, 2020/3/4",
                        "x 12. d\xC3\xA9"
                        "c 1985 01/02/1985",
                        "Sept. 12th, 1990-01-02T10:00Z", "12 F\xC3\x89V. 1985-02-03",
                        "31 de diciembre, del 1999 12/31/1999", "3 M\xC3\xA4r 1984 1.2.1984",
                        "12. f\xC3\xA9v 1985-02-03"}) {
    const std::string text = t;
    for (size_t from = 0; from <= text.size(); ++from)
      for (bool anchored : {false, true})
        EXPECT_EQ(CompareNumericDate(*re, text, from, text.size(), anchored, counts), "");
  }
}

// Hundreds of thousands of generated texts, ranges and anchorings (a fixed seed).
TEST(HandMatchers, AgreeWithRe2OnGeneratedTexts) {
  const std::vector<Subject> subjects = Subjects();
  Rng rng(0x6d617463686572ULL);
  size_t cases = 0, failures = 0;
  std::vector<size_t> matched(subjects.size());
  for (int i = 0; i < 60000 && failures < 10; ++i) {
    const std::string text = Generate(rng);
    for (size_t j = 0; j < subjects.size(); ++j) {
      const Subject& s = subjects[j];
      for (int k = 0; k < 2; ++k) {
        size_t from = 0, to = text.size();
        if (k == 1) {
          from = static_cast<size_t>(rng.Range(0, static_cast<int>(text.size())));
          to = static_cast<size_t>(rng.Range(static_cast<int>(from), static_cast<int>(text.size())));
        }
        const bool anchored = rng.Range(0, 3) == 0;
        const std::string diff = Compare(s, text, from, to, anchored);
        ++cases;
        if (!diff.empty()) {
          ++failures;
          ADD_FAILURE() << diff;
        }
        size_t b, e;
        matched[j] += s.matcher(text, from, to, anchored, &b, &e);
      }
    }
  }
  EXPECT_GE(cases, 500000u);
  // The texts reach each regex's matches, not only their absence.
  for (size_t j = 0; j < subjects.size(); ++j)
    EXPECT_GE(matched[j], cases / subjects.size() / 200) << subjects[j].name;
}

// Over long texts (generated ones joined, up to 4 KiB), where Search reads sixteen bytes
// at a time and tries a match only where its start filter lets one begin: from random
// places, each search and the next from just after its match's start (as the detector
// searches on), the matcher finds what RE2 finds. A filter that held back a place where
// a match begins fails here.
TEST(HandMatchers, AgreeWithRe2OnLongTexts) {
  const std::vector<Subject> subjects = Subjects();
  Rng rng(0x6c6f6e6774657874ULL);
  size_t cases = 0, failures = 0;
  std::vector<size_t> matched(subjects.size());
  for (int i = 0; i < 1000 && failures < 10; ++i) {
    std::string text;
    const size_t size = static_cast<size_t>(rng.Range(17, 4096));
    while (text.size() < size) {
      text += Generate(rng);
      if (rng.Range(0, 1)) text += " ";
    }
    const re2::StringPiece whole(text.data(), text.size());
    for (size_t j = 0; j < subjects.size() && failures < 10; ++j) {
      const Subject& s = subjects[j];
      size_t from =
          i % 4 == 0 ? 0 : static_cast<size_t>(rng.Range(0, static_cast<int>(text.size())));
      // To the end, or a range that ends inside the text (a hint's).
      const size_t to = i % 3 == 0 ? static_cast<size_t>(rng.Range(static_cast<int>(from),
                                                                   static_cast<int>(text.size())))
                                   : text.size();
      for (int step = 0; step < 300 && from < to; ++step) {
        const std::string diff = Compare(s, text, from, to, false);
        ++cases;
        if (!diff.empty()) {
          ++failures;
          ADD_FAILURE() << diff;
          break;
        }
        re2::StringPiece m;
        if (!s.re->Match(whole, from, to, RE2::UNANCHORED, &m, 1)) break;
        ++matched[j];
        from = static_cast<size_t>(m.data() - text.data()) + 1;
      }
    }
  }
  EXPECT_GE(cases, 50000u);
  for (size_t j = 0; j < subjects.size(); ++j) EXPECT_GE(matched[j], 100u) << subjects[j].name;
}

// ---- MatchName: the name regexes, matched anchored ----

// "" if MatchName leaves the match to RE2 (-1) or finds what RE2 finds, else what
// differs; counts its answers (left to RE2, no match, a match).
std::string CompareName(NameForm form, const RE2& re, const std::string& text, size_t from,
                        size_t to, size_t counts[3]) {
  size_t e = 0;
  const int r = MatchName(form, text, from, to, &e);
  ++counts[r + 1];
  if (r < 0) return "";
  re2::StringPiece m;
  const bool want =
      re.Match(re2::StringPiece(text.data(), text.size()), from, to, RE2::ANCHOR_START, &m, 1);
  const size_t we = want ? from + m.size() : 0;
  if (want == (r == 1) && (!want || we == e)) return "";
  return "name form " + std::to_string(static_cast<int>(form)) + " on \"" + text + "\" [" +
         std::to_string(from) + ", " + std::to_string(to) + "): RE2 " +
         (want ? "to " + std::to_string(we) : "none") + ", MatchName " +
         (r == 1 ? "to " + std::to_string(e) : "none");
}

// Names and what stands around them: capitalised words, initials, particles in both
// cases (and words that begin like one), apostrophes ASCII and typographic, hyphens,
// blanks, letters and marks beyond ASCII, and bytes the regexes never read.
const char* const kNamePieces[] = {
    "John", "Smith", "Mc", "Donald", "McDonald", "O'Brien", "O\xE2\x80\x99", "Brien", "D'angelo",
    "Dell'Acqua", "'A", "\xCC\x83", "e\xCC\x82",  // a capital after an apostrophe; marks
    "A.M.", "J.P.", "A.M", "A.\xC3\x89.",  // initials written together
    "d\xE2\x80\x99", "Smith-Jones", "-", "-j", "-J", "-Jo", "J.", "F.", ".", "'", "'s",
    "\xE2\x80\x99", "\xE2\x80\x98", "\xE2\x80", " ", " ", " ", "  ", "\t", "\n", ",", ":", "van",
    "von", "der", "den", "de", "del", "della", "dell", "delta", "di", "da", "du", "dos", "das",
    "la", "le", "Van", "Von", "Der", "Den", "De", "Del", "Della", "Di", "Da", "Du", "Dos", "Das",
    "La", "Le", "bin", "ibn", "al", "St", "St.", "Ste", "VAN", "a", "b", "x", "A", "B", "Z", "AB",
    "Ab", "aB", "abc", "Abc", "ABC", "ab", "\xC3\x89", "\xC3\xA9", "\xC3\x9F", "\xC3", "\xD0\x96",
    "\xD0\xB6", "\xE4\xB8\xAD", "\xC2\xA0", "\xFF", "\x80", "0", "7", "_", "@", "Dr", "Mrs.",
    "Customer", "Garcia", "Lopez", "Maria", "Ana", "Silva", "Santos",
};

// One to nine pieces of kNamePieces.
std::string GenerateName(Rng& rng) {
  std::string text;
  const int n = rng.Range(1, 9);
  for (int i = 0; i < n; ++i)
    text += kNamePieces[rng.Range(0, static_cast<int>(std::size(kNamePieces)) - 1)];
  return text;
}

// Where MatchName decides (without RE2), it matches what RE2 matches, for each name
// regex (the tails of the patterns that have one, and SurnamePattern()), on generated
// texts from every start, cut at every end; and it decides often.
TEST(HandMatchers, MatchNameAgreesWithRe2) {
  RE2::Options o;
  o.set_encoding(RE2::Options::EncodingUTF8);
  o.set_log_errors(false);
  std::vector<std::pair<NameForm, std::unique_ptr<RE2>>> forms;
  for (const PatternDef& d : BuiltinPatterns()) {
    EXPECT_EQ(NameTailForm(d.name) != NameForm::kNone, d.tail != nullptr) << d.name;
    if (d.tail) forms.emplace_back(NameTailForm(d.name), std::make_unique<RE2>(d.tail, o));
  }
  forms.emplace_back(NameForm::kSurname, std::make_unique<RE2>(SurnamePattern(), o));
  ASSERT_EQ(forms.size(), 4u);
  for (const auto& f : forms) ASSERT_TRUE(f.second->ok());
  Rng rng(0x6e616d652d726532ULL);
  size_t cases = 0, failures = 0;
  size_t counts[3] = {0, 0, 0};
  for (int i = 0; i < 40000 && failures < 10; ++i) {
    const std::string text = GenerateName(rng);
    for (const auto& [form, re] : forms) {
      for (size_t from = 0; from <= text.size(); ++from) {
        // The whole text, and a cut at random.
        for (size_t to :
             {text.size(), static_cast<size_t>(
                               rng.Range(static_cast<int>(from), static_cast<int>(text.size())))}) {
          ++cases;
          const std::string diff = CompareName(form, *re, text, from, to, counts);
          if (!diff.empty()) {
            ++failures;
            ADD_FAILURE() << diff;
          }
        }
      }
    }
  }
  EXPECT_GE(cases, 1000000u);
  EXPECT_GE(counts[0], cases / 50);
  EXPECT_GE(counts[1], cases / 4);
  EXPECT_GE(counts[2], cases / 20);
  std::printf("names: %zu cases: %zu left to RE2, %zu without a match, %zu with one\n", cases,
              counts[0], counts[1], counts[2]);
  for (const char* t : {"O'Brien",
                        "O\xE2\x80\x99"
                        "Brien",
                        "D'angelo's",
                        "McDonald-smith",
                        "Smith-J",
                        "Smith-Jo",
                        "de la Cruz",
                        "van der Berg Jr",
                        "St. John",
                        "St John",
                        "St.John",
                        "della Rosa",
                        "Della",
                        "de la",
                        "Maria de la",
                        "J. F. Kennedy",
                        "Ana  da\tSilva  Santos Lopez Garcia Diaz",
                        "Le Pen",
                        "La",
                        "al Rashid",
                        "bin Laden",
                        "Van Dyke",
                        "Jos\xC3\xA9 Garcia",
                        "Garcia Jos\xC3\xA9",
                        "O'\xC3\x89",
                        "Smith\xE2\x80\x99s",
                        "Smith\xE2\x80\x99"
                        "Jones"}) {
    const std::string text = t;
    for (const auto& [form, re] : forms)
      for (size_t from = 0; from <= text.size(); ++from)
        for (size_t to = from; to <= text.size(); ++to)
          EXPECT_EQ(CompareName(form, *re, text, from, to, counts), "");
  }
}

}  // namespace
}  // namespace comply::pii
