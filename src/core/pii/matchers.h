// Hand matchers: for a few built-in regexes that the detector searches most often (name
// cues, honorifics, grouped numbers), C++ that returns exactly what the RE2 search of the
// regex returns, without RE2's fixed cost per call (locks, cache lookups, setup: about a
// thousand instructions, against a hundred or two here).
//
// The regex stays the definition: test/unit/matchers_test.cpp and
// test/fuzz/matchers_fuzz.cpp compare each matcher with RE2 on the same text and range
// (generated and fuzzed texts over digits, separators, letters, case folds, multi-byte
// UTF-8), so an edit of the regex that the matcher does not follow fails them.
#pragma once
#include "core/no_postgres.h"

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace comply::pii {

// What RE2::Match(text, from, to, anchor, &m, 1) finds for the matcher's regex (UTF-8,
// leftmost-first): the leftmost match that begins at or after from (at from only when
// anchored) and ends by to, the text outside [from, to) read only by \b (as RE2 reads its
// context). True and its span in [*begin, *end) if there is one. from <= to <= text.size().
using MatcherFn = bool (*)(std::string_view text, size_t from, size_t to, bool anchored,
                           size_t* begin, size_t* end);

// The hand matcher of a built-in pattern (PatternDef::name), or null when its regex is
// searched with RE2.
MatcherFn HandMatcher(std::string_view pattern_name);

// What RE2::Match (as MatcherFn) finds for a built-in regex as far as a hand matcher of
// its common forms can tell: 1 and the span in [*begin, *end) when the match is one of
// them, 0 when there is no match, -1 when a match of the other forms may come first and
// RE2 must search.
using PartialMatcherFn = int (*)(std::string_view text, size_t from, size_t to, bool anchored,
                                 size_t* begin, size_t* end);

// The partial hand matcher of a built-in pattern, or null: for the date regex, its
// numeric forms (SearchNumericDate).
PartialMatcherFn PartialHandMatcher(std::string_view pattern_name);

// Whether the three bytes at p may begin a month name of the date regex (MONTH,
// MONTH_EUROPE and their abbreviations, in every case the regex allows): every one of
// them begins so (SearchNumericDate leaves the search to RE2 where one may begin).
bool MayBeginMonthName(const unsigned char* p);

// The date regex's numeric forms (PartialMatcherFn): -1 when a letter followed by a
// letter or a byte above 0x7F, where a month name may begin, lies where the month of a
// match that comes first would be.
int SearchNumericDate(std::string_view text, size_t from, size_t to, bool anchored, size_t* begin,
                      size_t* end);

// The name regexes of recognizers.cpp, matched anchored after a cue or a first name:
// NAME_SEQ_AFTER_CUE (the honorifics' and the cues' tail), NAME_SEQ (the closings') and
// SurnamePattern() (the surname after a listed first name).
enum class NameForm : uint8_t { kNone, kAfterCue, kSequence, kSurname };

// The form of a built-in pattern's tail (PatternDef::name, PatternDef::tail), kNone if it
// has none.
NameForm NameTailForm(std::string_view pattern_name);

// What RE2::Match(text, from, to, RE2::ANCHOR_START, &m, 1) finds for the name regex of
// form, as far as ASCII tells: 1 and the match's end in *end, 0 when there is no match,
// -1 when the regex may read a character above ASCII as a letter (\p{Lu}, \p{Ll} hold
// letters of every script), where RE2 must match. form is not kNone.
int MatchName(NameForm form, std::string_view text, size_t from, size_t to, size_t* end);

}  // namespace comply::pii
