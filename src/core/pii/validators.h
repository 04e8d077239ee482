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
// day-first dates of Europe with month names in full or abbreviated ("12 janv. 1985",
// "5 mrt 1990"; "gen", "mag", "lug", "ago" and "set", English words, only with their
// dot), in any case (but "Mars" and "Mei" capitalised: the planet, a name), the French
// ones also without their accents ("12 fevrier 1985", "15 aout 1990", "12 fevr. 1985";
// "fev" only with its dot), German "Mrz" and "Maerz" for M\u00e4rz:
// German "3. März 1984", French "12 janvier 1985" and "1er mai 1990", Spanish "5 de
// mayo de 1990", Italian "5 maggio 1990", Dutch "5 mei 1990" (no time part after those),
// with an optional time part ("T10:20:30", " 10:20", " 9:05 pm", fractions, Z or
// +hh:mm) whose fields must be in range. Anything else is kInvalid.
Validity ValidateDate(std::string_view s);
// The date forms of the "date_other" and "date_short_year" recognizers: a year first
// with its month and day unpadded or dotted ("1985-3-14", "1985.03.14"), a day first
// with an English month's abbreviation ("14-Mar-1985", "14-MAR-85"), and a two-digit
// year ("3/14/85", "14.03.85", "14 Mar 85", "Mar 14, '85"; either century).
Validity ValidateOtherDate(std::string_view s);
// Eight digits that are a date, year first, 1900 to 2099 ("19850314").
Validity ValidateCompactDate(std::string_view s);

// National identifiers of European countries. Each takes the candidate as matched
// (separators included), its letters in capitals (the codice fiscale and the NINO also
// all in small letters, read as in capitals), and says kValid when its check
// character and structure hold, kInvalid otherwise (UK_NINO, which has no check
// character, says kUnknown for a well-formed number).

// ES_NIF: Spanish DNI/NIF, 8 digits (or grouped 2-3-3 by dots, "12.345.678") and a
// control letter, optionally after one space or hyphen; the letter is
// "TRWAGMYFPDXBNJZSQVHLCKE"[number mod 23]. One digit repeated eight times is a
// placeholder (00000000T), refused.
Validity ValidateEsNif(std::string_view s);

// ES_NIE: Spanish foreigner's number, X, Y or Z, 7 digits and a control letter (a
// space or hyphen allowed after the X/Y/Z and before the letter); the letter is that
// of the NIF whose number is the 7 digits after 0, 1 or 2 for X, Y or Z. Also the form
// of before July 2008, X and 8 digits the first of which is 0 ("X-01234567-L", the same
// number and letter as "X-1234567-L").
Validity ValidateEsNie(std::string_view s);

// IT_FISCAL_CODE: Italian codice fiscale, 16 characters: 6 letters (surname, name), 2
// year digits, a month letter of ABCDEHLMPRST, 2 day digits (01-31, or 41-71 for
// women; the day must exist in that month, 29 February in years divisible by 4), the
// letter of the place of birth (A-M for Italian municipalities, Z for a foreign
// country) and 3 digits, and a check letter from the odd/even position tables mod 26.
// Omocodia (duplicate codes, digits replaced from the right by LMNPQRSTUV for 0-9) is
// read back: a replaced position must have every digit position right of it replaced.
Validity ValidateItFiscalCode(std::string_view s);

// PL_PESEL: 11 digits YYMMDDZZZZQ, the month carrying the century (+80 for the 1800s,
// +0 the 1900s, +20 the 2000s, +40 the 2100s, +60 the 2200s), the date must exist, and
// the check digit is (10 - sum of the first ten times 1,3,7,9,1,3,7,9,1,3 mod 10) mod 10.
// One number in ten passes the sum: the recognizer needs a context word.
Validity ValidatePlPesel(std::string_view s);

// FI_PERSONAL_IDENTITY_CODE: Finnish henkilötunnus DDMMYYCZZZQ: the century sign C
// ('+' for the 1800s; '-' or U-Y for the 1900s; A-F for the 2000s, the 2023 additions
// included), the date must exist, the individual number ZZZ is 002-999, and Q is
// "0123456789ABCDEFHJKLMNPRSTUVWXY"[DDMMYYZZZ mod 31].
Validity ValidateFiPersonalIdentityCode(std::string_view s);

// UK_NINO: National Insurance number, two prefix letters (the first not D, F, I, Q, U
// or V; the second not those or O; not BG, GB, NK, KN, TN, NT or ZZ), 6 digits and a
// suffix A-D, written without spaces or with one between the pairs (AB 12 34 56 C).
// There is no check character: kUnknown when well formed.
Validity ValidateUkNino(std::string_view s);

// DE_TAX_ID: German Steuerliche Identifikationsnummer, 11 digits (or grouped 2-3-3-3
// with spaces, as the tax office prints it), the first not 0; in the first ten exactly
// one digit occurs twice or three times and every other at most once; the last is the
// ISO 7064 MOD 11,10 check digit of the first ten.
Validity ValidateDeTaxId(std::string_view s);

// FR_NIR: French social security number (NIR, numéro INSEE), 13 characters and a
// 2-digit key: sex 1 or 2 (3 or 4 for a foreigner being registered, 7 or 8 for a
// temporary number, NIA, when built and keyed the same way: the health insurance's NNP,
// 7 or 8 then 1 or 2, a fund and an order number, is not), year, month (01-12, or 20,
// 30-42 and 50-99, which INSEE gives when the month is unknown), department (01-99, or
// 2A and 2B for Corsica), commune and order number (3 digits each, not 000), key = 97 - (the 13 as a number mod
// 97) with 2A read as 19 and 2B as 18. Written without spaces, with the key alone
// after one ("1841276451089 46"), or grouped 1 2 2 2 3 3 2 ("1 84 12 76 451 089 46").
Validity ValidateFrNir(std::string_view s);

// NL_BSN: Dutch burgerservicenummer, 9 digits passing the "11-proof": 9*d1 + 8*d2 + ...
// + 2*d8 - d9 is a multiple of 11 (one digit repeated nine times, 000000000 included,
// is refused), or dotted 4-2-3 as the passport prints it ("1234.56.782") or 3-3-3
// ("123.456.782"). One number in eleven passes: the recognizer needs a context word.
Validity ValidateNlBsn(std::string_view s);

// Keccak-256 (the pre-standard padding Ethereum uses) of data, 32 bytes.
std::string Keccak256(std::string_view data);

}  // namespace comply::pii
