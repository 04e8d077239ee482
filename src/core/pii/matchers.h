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

}  // namespace comply::pii
