// Validity of a national phone number for one region, as libphonenumber's
// IsValidNumberForRegion answers it, but with libphonenumber's own metadata compiled by
// RE2 rather than matched by its regex engine. The Debian build of libphonenumber
// matches its patterns with ICU's backtracking engine, through a cache of compiled
// patterns behind a lock: checking a number that is valid in none of the trunk-zero
// regions (an invalid 0... candidate tries all five) cost about 19 us with the caches
// cold, most of it in ICU. Here a region's general pattern (one DFA) rejects most of
// those at once, and the type patterns run only for numbers it accepts.
//
// The logic is libphonenumber's GetNumberTypeHelper (8.12): a number is valid when it
// matches the region's general description and the description of one type (premium
// rate, toll free, shared cost, VoIP, personal, pager, UAN, voicemail, fixed line,
// mobile); it matches a description when its length is one of the description's
// possible lengths (when it lists any) and the description's pattern matches it whole.
// test/unit/phone_national_test.cpp compares the two over generated numbers.
#pragma once
#include "core/no_postgres.h"

#include <optional>
#include <string_view>

namespace comply::pii {

// True if national (the national significant number: digits, no trunk prefix) is a
// valid number of region, one of kPhoneRegions (recognizers.h); false for other regions.
bool NationalNumberValid(std::string_view region, std::string_view national);

// libphonenumber's IsValidNumber for +code followed by national (no leading zero), for
// the calling codes of kPhoneRegions other than +1 (+44, +49, +33, +61, +91): the
// region is chosen as GetRegionCodeForNumber chooses it (the code's only region, or
// the first of its regions whose leading digits begin the number or, for one without
// leading digits, that knows the number's type), then checked as above. nullopt for
// another code, or a national number with a leading zero.
std::optional<bool> InternationalNumberValid(int code, std::string_view national);

// The region InternationalNumberValid checks +code national against: the region
// GetRegionCodeForNumber gives, "ZZ" when none; nullptr where it returns nullopt.
const char* InternationalNumberRegion(int code, std::string_view national);

}  // namespace comply::pii
