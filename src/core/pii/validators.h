// Checksum and structure validators for PII candidates. Each takes the matched text
// exactly as it appears (separators included) and says whether it is a well-formed
// instance of its kind. kInvalid drops the candidate; kValid raises its score.
#pragma once
#include "core/no_postgres.h"

#include <string>
#include <string_view>

namespace comply::pii {

enum class Validity { kUnknown, kValid, kInvalid };

// Digits of s, other characters dropped.
std::string DigitsOnly(std::string_view s);

// Luhn mod-10 over a string of ASCII digits (false if empty or non-digit present).
bool LuhnValid(std::string_view digits);

// CREDIT_CARD: 13-19 digits, consistent separators (space or dash, or none), a known
// issuer prefix whose length rules fit (Visa, Mastercard 51-55 and 2221-2720, Amex 34/37,
// Discover 6011/644-649/65, JCB 3528-3589, Diners 300-305/36/38-39, UnionPay 62,
// Maestro 50/56-69), and Luhn.
Validity ValidateCreditCard(std::string_view s);

// US_SSN: 9 digits, with consistent separators (-, space, .) or none; area not 000,
// 666 or 900-999; group not 00; serial not 0000; not all one digit; not the published
// example numbers (078-05-1120, 219-09-9999, 123-45-6789, 987-65-432x).
Validity ValidateUsSsn(std::string_view s);

// US_ITIN: 9 digits starting with 9, group (digits 4-5) in 50-65, 70-88, 90-92 or 94-99.
Validity ValidateUsItin(std::string_view s);

// IBAN_CODE: country code with its registered length (all SEPA and IBAN registry
// countries), check digits 02-98, mod-97 == 1. Spaces between groups of 4 allowed.
// Upper-case letters only: IBANs are printed upper case, and refusing lower case keeps
// ordinary words out.
Validity ValidateIban(std::string_view s);

// Registered IBAN length for a two-letter country code, 0 if the country has none.
size_t IbanCountryLength(std::string_view country);

// IP_ADDRESS: parses IPv4 dotted quad (no leading zeros, each octet <= 255) or IPv6
// (RFC 4291 text forms, including :: compression and a trailing embedded IPv4 such as
// ::ffff:192.0.2.1); an optional %zone is refused.
Validity ValidateIpAddress(std::string_view s);

// ABA_ROUTING_NUMBER: 9 digits (optionally dddd-dddd-d), first two digits in 00-12,
// 21-32, 61-72 or 80, checksum 3-7-1 weighted mod 10; 000000000 is refused.
Validity ValidateAbaRouting(std::string_view s);

// US_NPI: 10 digits starting with 1 or 2, Luhn over "80840" + the first 9 digits
// equals the check digit.
Validity ValidateUsNpi(std::string_view s);

// UK_NHS: 10 digits (optionally 3-3-4 with spaces or dashes), mod-11 check digit
// (a remainder giving 10 is invalid).
Validity ValidateUkNhs(std::string_view s);

// CRYPTO: Bitcoin base58check P2PKH/P2SH (version 0x00 or 0x05, 25 bytes, double
// SHA-256 checksum), bech32/bech32m segwit (bc1... or testnet tb1..., checksum and
// witness program length), or Ethereum 0x + 40 hex (all-lower or all-upper: kUnknown;
// mixed case: kValid if the EIP-55 checksum holds, otherwise kInvalid).
Validity ValidateCrypto(std::string_view s);

// MAC_ADDRESS: six hex pairs with one consistent separator (: or -) or three groups of
// four hex digits separated by dots (Cisco form).
Validity ValidateMacAddress(std::string_view s);

// DATE_TIME: the calendar date inside s exists (month 1-12, day within the month,
// leap years) and its year is 1900-2100. Recognised forms: YYYY-MM-DD, YYYY/MM/DD,
// MM/DD/YYYY or DD/MM/YYYY and MM-DD-YYYY or DD-MM-YYYY (valid if either reading is),
// DD.MM.YYYY (month and day may have one digit), "March 5, 1984", "5 March 1984",
// "Mar 5 1984" (names in any case, "Mar.", ordinals such as "5th", "5 March, 1984"),
// with an optional time part ("T10:20:30", " 10:20", " 9:05 pm", fractions, Z or
// +hh:mm) whose fields must be in range. Anything else is kInvalid.
Validity ValidateDate(std::string_view s);

// Keccak-256 (the pre-standard padding Ethereum uses) of data, 32 bytes.
std::string Keccak256(std::string_view data);

}  // namespace comply::pii
