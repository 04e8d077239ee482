// Small decoders shared by the posture checks: base64 and hex as they appear in text
// columns, and a bounded inflate of a deflate stream's first bytes (so that a zlib or
// OpenPGP compressed-data header is believed only when what follows really inflates).
#pragma once
#include "core/no_postgres.h"

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace comply::posture {

// Base64 alphabets: RFC 4648 section 4 (+/) or section 5 (-_, "base64url").
enum class Base64Alphabet { kStandard, kUrl };

// Decodes base64 symbols (no whitespace; '=' padding only at the end, at most two).
// Padded input must be a multiple of 4 symbols; unpadded input may end with 2 or 3
// symbols of a last group. With allow_cut, a trailing incomplete group (a text cut in
// the middle) is dropped instead of refused. nullopt if malformed.
std::optional<std::string> DecodeBase64(std::string_view symbols, Base64Alphabet alphabet,
                                        bool allow_cut = false);

// Decodes an even number of hex digits (either case). nullopt if malformed.
std::optional<std::string> DecodeHex(std::string_view digits);

// Value of a base64 symbol in the alphabet, -1 if not one.
int Base64Value(unsigned char c, Base64Alphabet alphabet);

// Length of the well-formed UTF-8 sequence at s[i] (Unicode table 3-7): 1..4; 0 if
// the bytes there are not one; -1 if s ends inside what would be a well-formed one.
int Utf8SequenceLength(std::string_view s, size_t i);

// Inflates the start of a raw deflate stream (RFC 1951) into at most max_out bytes.
// Returns the bytes produced when decoding stops without error: max_out reached, the
// final block ended, or the input ran out (a cut stream); nullopt on anything a deflate
// decoder refuses (reserved block type, stored length mismatch, incomplete or
// over-subscribed Huffman codes, an invalid symbol, a distance reaching before the
// start). Random bytes fail within a few dozen symbols. Work is bounded by max_out and
// the input size.
std::optional<std::string> InflatePrefix(std::string_view deflate, size_t max_out);

}  // namespace comply::posture
