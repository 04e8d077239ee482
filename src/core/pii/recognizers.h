// The built-in recognizers: for each entity, its RE2 patterns with base scores, the
// validator that confirms or drops a candidate, and the context words that raise it.
#pragma once
#include "core/no_postgres.h"

#include <string>
#include <string_view>
#include <vector>

#include "core/pii/validators.h"

namespace comply::pii {

// Adjusts a candidate span inside text (for example trims trailing punctuation from a
// URL); returns false to drop it. begin/end are byte offsets, updated in place.
using RefineFn = bool (*)(std::string_view text, size_t* begin, size_t* end);
using ValidateFn = Validity (*)(std::string_view candidate);

struct PatternDef {
  const char* entity;
  const char* name;     // for docs and tests
  const char* pattern;  // RE2; with a capturing group, group 1 is the span
  double base_score;    // score when the validator says kUnknown (or there is none)
  double valid_score;   // score when the validator says kValid
  ValidateFn validate;  // may be null
  RefineFn refine;      // may be null
  std::vector<std::string> context;  // lower-case words
  // When set, the pattern finds a cue ("Dear ") and the span is the anchored match of
  // this regex right after it (the name); no match there rejects the candidate. It is
  // one of the name regexes (NAME_SEQ, NAME_SEQ_AFTER_CUE): see MayBeginName.
  const char* tail = nullptr;
};

// Score of a PERSON found as a listed first name followed by a capitalised surname.
inline constexpr double kFirstNameScore = 0.6;

// The built-in pattern table, in a fixed order.
const std::vector<PatternDef>& BuiltinPatterns();

// Whether a candidate of a pattern with this refine, once rejected (by the refine, its
// validator or its score), means that no other candidate starting before its '@' can be
// kept: an e-mail address's local part is found by walking back from the '@', so every
// such start gives the same address. The search then resumes after the '@' (a long run
// before an '@' was otherwise searched again from each of its characters).
bool ResumesAfterAt(RefineFn refine);

// PHONE_NUMBER validation through libphonenumber: a number written with '+' is parsed
// as international, others against each region of kPhoneRegions; valid if any parse
// gives a valid number for that region.
Validity ValidatePhone(std::string_view candidate);
// The same for North American forms ((415) 555-2671): US and Canada only.
Validity ValidatePhoneNanp(std::string_view candidate);
// The same for national forms with a trunk 0 (020 7946 0958): kTrunkZeroRegions.
Validity ValidatePhoneNational(std::string_view candidate);
// The grouped national forms of phone_grouped ("030 123 45 67", "06 - 1234 5678"): kUnknown
// (likely: the recognizer's score needs a phone word) when ValidatePhoneNational holds
// and the groups are not a date's, kInvalid otherwise.
Validity ValidatePhoneGrouped(std::string_view candidate);
// Dispatches on the written form: '+' international, leading 0 national, else NANP.
Validity ValidatePhoneAnyForm(std::string_view candidate);

// Regions tried for numbers written without a country code.
inline constexpr const char* kPhoneRegions[] = {"US", "CA", "GB", "DE", "FR", "AU", "IN"};
inline constexpr const char* kTrunkZeroRegions[] = {"GB", "DE", "FR", "AU", "IN"};

// True if word (as written) is a capitalised word that is not a name although it often
// follows a name cue ("Dear Customer", "Patient Portal").
bool IsNameStopword(std::string_view word);
// Words that open a sentence before a comma ("Okay, John"): never a surname written
// before a first name.
bool IsSentenceOpener(std::string_view word);

// The surname after a listed first name ("John McDonald", "Linda van der Berg",
// "Sean O'Brien"), matched anchored: the name patterns' word, after at most two
// particles.
const char* SurnamePattern();

// False when no match of a name regex (a PatternDef's tail, SurnamePattern()) can begin
// with byte c: a name's word begins with a capital (\p{Lu}: A to Z, or a character of
// more than one byte) and a particle with one of a, b, d, i, l, v or a capital. The
// detector asks it before searching one (most words after a cue are not names).
bool MayBeginName(unsigned char c);

}  // namespace comply::pii
