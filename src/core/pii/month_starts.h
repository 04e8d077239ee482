// The first three bytes of every month name of the date regexes (MONTH, MONTH_EUROPE,
// MONTH_EUROPE_ABBR and MONTH_EUROPE_DOTTED in recognizers.cpp), their ASCII letters
// lower-case; a name whose first three bytes hold a non-ASCII letter by those bytes, in
// either case ("m\xC3\xA4" for M\u00e4rz, "m\xC3\x84" for M\u00c4RZ). "mrt" and "mrz" begin
// no name in full; "fev" and "aou" are the French names typed without accents. Shared by
// the prefilter (which words may be months) and the date matcher (kMonthStarts);
// test/unit/prefilter_test.cpp checks every name the regexes spell against it.
#pragma once

namespace comply::pii::internal {

inline constexpr const char* kMonthStarts3[] = {
    "jan",       "feb",       "mar",       "apr",       "may",       "jun",    "jul",
    "aug",       "sep",       "oct",       "nov",       "dec",       "mae",    "mai",
    "okt",       "dez",       "avr",       "jui",       "ene",       "abr",    "ago",
    "set",       "dic",       "gen",       "mag",       "giu",       "lug",    "ott",
    "maa",       "mei",       "m\xC3\xA4", "f\xC3\xA9", "d\xC3\xA9", "ao\xC3", "m\xC3\x84",
    "f\xC3\x89", "d\xC3\x89", "mrt",       "mrz",       "fev",       "aou"};

}  // namespace comply::pii::internal
