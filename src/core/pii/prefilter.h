// Which built-in regexes may match a text, from one pass of our own over its bytes.
//
// The detector searches a regex only where it may match. For the built-in recognizers
// that question used to be answered by an RE2::Set of all their regexes; but a set's
// DFA is large, and between two rows of a trigger its states leave the CPU's caches, so
// its pass cost six times its warm time (7 us a 350-byte record against 1). This pass
// checks, for each built-in regex, a condition that every match of it implies (a run of
// seven digits, two uppercase letters before two digits, a cue word, ...): it touches
// the text, one 256-byte table and, for a word that begins with a letter, one 64-byte
// row of a table by its first two bytes and length (Words::by_pair, which lets through
// only the words that may be a cue, closing, honorific or month: the few that pass are
// looked up in small word tables).
//
// The conditions are necessary, not sufficient: a hint set for a regex that then does
// not match costs one search, a hint missing for a regex that matches would lose a
// finding. test/unit/prefilter_test.cpp checks the second never happens, regex by regex
// over generated texts, and the detector's fuzz target checks Detect against the full
// scan.
#pragma once
#include "core/no_postgres.h"

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace comply::pii {

// One bit per built-in regex (several recognizers share one: the plain digit run is
// read by thirteen of them).
enum class Hint : uint8_t {
  kEmail,
  kUrl,
  kPhone,         // the three phone forms (PHONE_NUMBER, grouped NHS numbers)
  kNineGrouped,   // 3-2-4 digits (SSN, ITIN)
  kDigitRun,      // 7 to 19 digits
  kCardGrouped,
  kIban,
  kIpv4,
  kIpv6,
  kMac,
  kDate,
  kAbaFormatted,
  kLetterDigits,  // passports, driver licenses
  kCrypto,
  kHonorific,     // PERSON after Mr, Dr, ...
  kNameCue,       // PERSON after "patient", "dear", ...
  kClosing,       // PERSON after "sincerely", "regards", ...
  kSpanishId,     // ES_NIF, ES_NIE
  kItalianFiscalCode,
  kFinnishId,
  kNino,          // UK_NINO
  kFrNirForms,    // FR_NIR grouped, key apart, Corsican
  kDeTaxIdGrouped,
  kBsnDotted,     // NL_BSN 4-2-3 and 3-3-3 with dots
  kOtherDate,     // DATE_TIME's other forms: 1985-3-14, 1985.03.14, 14-Mar-1985, 3/14/85
  kPhoneGrouped,  // phone_grouped: 030 123 45 67, 06 - 1234 5678, (04101) 54321
  kCount
};

using HintMask = uint32_t;
static_assert(static_cast<int>(Hint::kCount) <= 32, "HintMask holds every hint");

constexpr HintMask HintBit(Hint h) { return HintMask{1} << static_cast<int>(h); }

// The hints of the built-in regexes that may match in a text, and where: every match
// of hint h's regex lies within [lo[h], hi[h]) (offsets into the text), when h is in
// mask. The ranges come from the same conditions (a 3-2-4 match is its three runs of
// digits, an e-mail match lies around its '@' ...), so a regex is searched only where
// it may match, not over the whole text.
struct Hints {
  static constexpr int kCount = static_cast<int>(Hint::kCount);
  HintMask mask = 0;
  size_t lo[kCount];
  size_t hi[kCount];

  // Where the name cues' words begin (kNameCue), in order: every match of the cue regex
  // begins at one of them (its cue is a whole word, the first of it a list word), so a
  // search need only try them, anchored. Known when ncue_starts <= kMaxCueStarts; else
  // (more of them, or a letter in the text that (?i) folds to ASCII, which makes a cue
  // this pass does not read as one) kManyCueStarts, and the range alone tells.
  static constexpr uint8_t kMaxCueStarts = 8, kManyCueStarts = 255;
  uint8_t ncue_starts = 0;
  uint32_t cue_starts[kMaxCueStarts];

  bool Has(int h) const { return mask >> h & 1; }
  // Every hint, each over the whole of a text of size bytes.
  static Hints All(size_t size) {
    Hints all;
    all.ncue_starts = kManyCueStarts;
    all.mask = (HintMask{1} << kCount) - 1;
    for (int h = 0; h < kCount; ++h) {
      all.lo[h] = 0;
      all.hi[h] = size;
    }
    return all;
  }
};

Hints BuiltinHints(std::string_view text);

// The hint of a built-in recognizer, by its PatternDef::name; -1 if it has none (its
// regex is then searched in every text).
int HintOfPattern(std::string_view pattern_name);

}  // namespace comply::pii
