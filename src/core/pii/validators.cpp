#include "core/pii/validators.h"

#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/sha256.h"

namespace comply::pii {
namespace {

// Locale-free character classes: <cctype> depends on the locale and is UB for
// negative chars, and matched text may contain any UTF-8 byte.
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsUpper(char c) { return c >= 'A' && c <= 'Z'; }
bool IsLower(char c) { return c >= 'a' && c <= 'z'; }
bool IsAlpha(char c) { return IsUpper(c) || IsLower(c); }
bool IsHex(char c) {
  return IsDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
char ToLower(char c) { return IsUpper(c) ? static_cast<char>(c - 'A' + 'a') : c; }
int DigitAt(std::string_view s, size_t i) { return s[i] - '0'; }

// Checks that every byte of s is an ASCII digit (true for empty s).
bool AllDigits(std::string_view s) {
  for (char c : s) {
    if (!IsDigit(c)) return false;
  }
  return true;
}

// Returns the value of the n ASCII digits of s starting at pos.
int Number(std::string_view s, size_t pos, size_t n) {
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) v = v * 10 + DigitAt(s, i);
  return v;
}

// Most digits SplitDigits reads: more than any of its callers accepts (a card's 19).
constexpr size_t kMaxSplitDigits = 32;

// Returns the digits of s, written to buf, when s is digit groups joined by one
// separator taken from seps and used throughout (or no separator at all). A non-empty
// groups list fixes the group lengths a separated form must have. Returns nullopt for
// any other shape, and for more than kMaxSplitDigits digits. (On the stack, not in a
// std::string: this runs for every candidate, and a card's digits were a heap
// allocation.)
std::optional<std::string_view> SplitDigits(std::string_view s, std::string_view seps,
                                            char (&buf)[kMaxSplitDigits],
                                            std::initializer_list<size_t> groups = {}) {
  size_t n = 0;
  size_t group = 0;  // digits of the group being read
  char sep = 0;
  for (char c : s) {
    if (IsDigit(c)) {
      if (n == kMaxSplitDigits) return std::nullopt;
      buf[n++] = c;
      ++group;
      continue;
    }
    bool in_seps = false;  // (seps.find(c), without a memchr call)
    for (char x : seps) in_seps |= x == c;
    if (!in_seps || (sep != 0 && c != sep)) return std::nullopt;
    if (group == 0) return std::nullopt;  // leading or doubled separator
    sep = c;
    group = 0;
  }
  if (group == 0) return std::nullopt;  // empty input or trailing separator
  if (sep != 0 && groups.size() != 0) {
    // s is now groups of digits joined by sep: their lengths must be groups, in order
    // (counted again here rather than kept in a vector, a heap allocation a candidate).
    auto want = groups.begin();
    size_t length = 0;
    for (char c : s) {
      if (c != sep) {
        ++length;
        continue;
      }
      if (want == groups.end() || *want != length) return std::nullopt;
      ++want;
      length = 0;
    }
    if (want == groups.end() || *want != length || ++want != groups.end()) return std::nullopt;
  }
  return std::string_view(buf, n);
}

// Checks the 3-2-4 SSN/ITIN shape and returns its 9 digits, written to buf.
std::optional<std::string_view> SsnDigits(std::string_view s, char (&buf)[kMaxSplitDigits]) {
  auto digits = SplitDigits(s, "- .", buf, {3, 2, 4});
  if (!digits || digits->size() != 9) return std::nullopt;
  return digits;
}

// --- Credit cards ---------------------------------------------------------------

struct CardRule {
  int prefix_lo;  // inclusive range over the first prefix_digits digits
  int prefix_hi;
  size_t prefix_digits;
  size_t min_len;
  size_t max_len;
};

constexpr CardRule kCardRules[] = {
    {4, 4, 1, 13, 13},       {4, 4, 1, 16, 16},       {4, 4, 1, 19, 19},    // Visa
    {51, 55, 2, 16, 16},     {2221, 2720, 4, 16, 16},                       // Mastercard
    {34, 34, 2, 15, 15},     {37, 37, 2, 15, 15},                           // Amex
    {6011, 6011, 4, 16, 19}, {644, 649, 3, 16, 19},   {65, 65, 2, 16, 19},  // Discover
    {3528, 3589, 4, 16, 19},                                                // JCB
    {300, 305, 3, 14, 19},   {36, 36, 2, 14, 19},     {38, 39, 2, 14, 19},  // Diners
    {62, 62, 2, 16, 19},                                                    // UnionPay
    {50, 50, 2, 13, 19},     {56, 69, 2, 13, 19},                           // Maestro
};

// --- IBAN -------------------------------------------------------------------------

struct IbanCountry {
  char code[3];
  size_t length;
};

// SWIFT IBAN registry; French overseas territories and British crown dependencies
// use FR and GB IBANs, so they need no rows of their own.
constexpr IbanCountry kIbanCountries[] = {
    {"AD", 24}, {"AE", 23}, {"AL", 28}, {"AT", 20}, {"AZ", 28}, {"BA", 20}, {"BE", 16},
    {"BG", 22}, {"BH", 22}, {"BI", 27}, {"BR", 29}, {"BY", 28}, {"CH", 21}, {"CR", 22},
    {"CY", 28}, {"CZ", 24}, {"DE", 22}, {"DJ", 27}, {"DK", 18}, {"DO", 28}, {"EE", 20},
    {"EG", 29}, {"ES", 24}, {"FI", 18}, {"FK", 18}, {"FO", 18}, {"FR", 27}, {"GB", 22},
    {"GE", 22}, {"GI", 23}, {"GL", 18}, {"GR", 27}, {"GT", 28}, {"HN", 28}, {"HR", 21},
    {"HU", 28}, {"IE", 22}, {"IL", 23}, {"IQ", 23}, {"IS", 26}, {"IT", 27}, {"JO", 30},
    {"KW", 30}, {"KZ", 20}, {"LB", 28}, {"LC", 32}, {"LI", 21}, {"LT", 20}, {"LU", 20},
    {"LV", 21}, {"LY", 25}, {"MC", 27}, {"MD", 24}, {"ME", 22}, {"MK", 19}, {"MN", 20},
    {"MR", 27}, {"MT", 31}, {"MU", 30}, {"NI", 28}, {"NL", 18}, {"NO", 15}, {"OM", 23},
    {"PK", 24}, {"PL", 28}, {"PS", 29}, {"PT", 25}, {"QA", 29}, {"RO", 24}, {"RS", 22},
    {"RU", 33}, {"SA", 24}, {"SC", 31}, {"SD", 18}, {"SE", 24}, {"SI", 19}, {"SK", 24},
    {"SM", 27}, {"SO", 23}, {"ST", 25}, {"SV", 28}, {"TL", 23}, {"TN", 24}, {"TR", 26},
    {"UA", 29}, {"VA", 22}, {"VG", 24}, {"XK", 20}, {"YE", 30},
};
constexpr size_t kIbanMaxLength = 34;

// The registry's lengths by country code, at (first - 'A') * 26 + (second - 'A'): built
// from kIbanCountries at compile time, so that a lookup (every IBAN candidate, twice)
// is one load rather than a comparison with each of 89 codes.
struct IbanLengthTable {
  uint8_t length[26 * 26];
};
constexpr IbanLengthTable MakeIbanLengthTable() {
  IbanLengthTable table{};
  for (const auto& entry : kIbanCountries)
    table.length[(entry.code[0] - 'A') * 26 + (entry.code[1] - 'A')] =
        static_cast<uint8_t>(entry.length);
  return table;
}
constexpr IbanLengthTable kIbanLengths = MakeIbanLengthTable();

// Returns the registered IBAN length for a two-letter country code, 0 if unknown.
size_t IbanLength(std::string_view country) {
  if (country.size() != 2 || !IsUpper(country[0]) || !IsUpper(country[1])) return 0;
  return kIbanLengths.length[(country[0] - 'A') * 26 + (country[1] - 'A')];
}

// --- IP addresses -----------------------------------------------------------------

// Checks a strict dotted quad: four decimal octets, no leading zeros, each <= 255.
bool IsIpv4(std::string_view s) {
  int parts = 0;
  size_t pos = 0;
  while (true) {
    size_t end = s.find('.', pos);
    std::string_view part =
        s.substr(pos, end == std::string_view::npos ? end : end - pos);
    if (part.empty() || part.size() > 3 || !AllDigits(part)) return false;
    if (part.size() > 1 && part[0] == '0') return false;  // octal-looking, ambiguous
    if (Number(part, 0, part.size()) > 255) return false;
    ++parts;
    if (end == std::string_view::npos) break;
    pos = end + 1;
  }
  return parts == 4;
}

// Counts the 16-bit groups in a colon-separated run of IPv6 hex groups; the last one
// may be an embedded IPv4 address (two groups) when ipv4_tail is set. -1 if malformed.
int Ipv6Groups(std::string_view s, bool ipv4_tail) {
  if (s.empty()) return 0;
  int groups = 0;
  size_t pos = 0;
  while (true) {
    size_t end = s.find(':', pos);
    bool last = end == std::string_view::npos;
    std::string_view part = s.substr(pos, last ? end : end - pos);
    if (last && ipv4_tail && part.find('.') != std::string_view::npos) {
      if (!IsIpv4(part)) return -1;
      groups += 2;
    } else {
      if (part.empty() || part.size() > 4) return -1;
      for (char c : part) {
        if (!IsHex(c)) return -1;
      }
      ++groups;
    }
    if (last) return groups;
    pos = end + 1;
  }
}

// Checks the RFC 4291 text forms of an IPv6 address.
bool IsIpv6(std::string_view s) {
  if (s.size() < 2 || s.size() > 45) return false;  // 45: longest form with IPv4 tail
  size_t gap = s.find("::");
  if (gap == std::string_view::npos) return Ipv6Groups(s, true) == 8;
  // Searching from gap + 1 also catches ":::".
  if (s.find("::", gap + 1) != std::string_view::npos) return false;
  std::string_view head = s.substr(0, gap);
  std::string_view tail = s.substr(gap + 2);
  int head_groups = Ipv6Groups(head, false);
  int tail_groups = Ipv6Groups(tail, true);
  return head_groups >= 0 && tail_groups >= 0 && head_groups + tail_groups <= 7;
}

// --- Crypto -----------------------------------------------------------------------

constexpr uint64_t kKeccakRoundConstants[24] = {
    0x0000000000000001, 0x0000000000008082, 0x800000000000808A, 0x8000000080008000,
    0x000000000000808B, 0x0000000080000001, 0x8000000080008081, 0x8000000000008009,
    0x000000000000008A, 0x0000000000000088, 0x0000000080008009, 0x000000008000000A,
    0x000000008000808B, 0x800000000000008B, 0x8000000000008089, 0x8000000000008003,
    0x8000000000008002, 0x8000000000000080, 0x000000000000800A, 0x800000008000000A,
    0x8000000080008081, 0x8000000000008080, 0x0000000080000001, 0x8000000080008008,
};

// Rotation offsets of the rho step, lane (x, y) at index x + 5 * y.
constexpr int kKeccakRotations[25] = {
    0,  1,  62, 28, 27,  //
    36, 44, 6,  55, 20,  //
    3,  10, 43, 25, 39,  //
    41, 45, 15, 21, 8,   //
    18, 2,  61, 56, 14,
};

// Rotates x left by n bits (n == 0 allowed without an undefined shift by 64).
uint64_t Rotl(uint64_t x, int n) { return (x << n) | (x >> ((64 - n) & 63)); }

// Applies the Keccak-f[1600] permutation.
void KeccakF(uint64_t a[25]) {
  for (uint64_t round_constant : kKeccakRoundConstants) {
    uint64_t c[5];
    for (int x = 0; x < 5; ++x) {
      c[x] = a[x] ^ a[x + 5] ^ a[x + 10] ^ a[x + 15] ^ a[x + 20];
    }
    for (int x = 0; x < 5; ++x) {
      uint64_t d = c[(x + 4) % 5] ^ Rotl(c[(x + 1) % 5], 1);
      for (int y = 0; y < 25; y += 5) a[x + y] ^= d;
    }
    uint64_t b[25];
    for (int x = 0; x < 5; ++x) {
      for (int y = 0; y < 5; ++y) {
        b[y + 5 * ((2 * x + 3 * y) % 5)] =
            Rotl(a[x + 5 * y], kKeccakRotations[x + 5 * y]);
      }
    }
    for (int y = 0; y < 25; y += 5) {
      for (int x = 0; x < 5; ++x) {
        a[x + y] = b[x + y] ^ (~b[(x + 1) % 5 + y] & b[(x + 2) % 5 + y]);
      }
    }
    a[0] ^= round_constant;
  }
}

// Checks an Ethereum "0x" + 40 hex address against its EIP-55 mixed-case checksum.
Validity ValidateEthereum(std::string_view s) {
  if (s.size() != 42) return Validity::kInvalid;
  std::string_view hex = s.substr(2);
  bool has_lower = false;
  bool has_upper = false;
  std::string lower;
  for (char c : hex) {
    if (!IsHex(c)) return Validity::kInvalid;
    has_lower |= IsLower(c);
    has_upper |= IsUpper(c);
    lower.push_back(ToLower(c));
  }
  // Single-case addresses carry no checksum, so nothing can be verified.
  if (!has_lower || !has_upper) return Validity::kUnknown;
  std::string hash = Keccak256(lower);
  for (size_t i = 0; i < hex.size(); ++i) {
    if (!IsAlpha(hex[i])) continue;
    auto byte = static_cast<unsigned char>(hash[i / 2]);
    int nibble = i % 2 == 0 ? byte >> 4 : byte & 0x0f;
    if (IsUpper(hex[i]) != (nibble >= 8)) return Validity::kInvalid;
  }
  return Validity::kValid;
}

constexpr std::string_view kBech32Charset = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
constexpr uint32_t kBech32Const = 1;
constexpr uint32_t kBech32mConst = 0x2bc830a3;

// Computes the BIP-173 checksum polynomial over 5-bit values.
uint32_t Bech32Polymod(const std::vector<uint8_t>& values) {
  constexpr uint32_t kGen[5] = {0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd,
                                0x2a1462b3};
  uint32_t chk = 1;
  for (uint8_t v : values) {
    uint32_t top = chk >> 25;
    chk = ((chk & 0x1ffffff) << 5) ^ v;
    for (int i = 0; i < 5; ++i) {
      if ((top >> i) & 1) chk ^= kGen[i];
    }
  }
  return chk;
}

// Checks a bech32 (witness v0) or bech32m (v1-16) segwit address, hrp bc or tb.
Validity ValidateSegwit(std::string_view s) {
  // 14 characters: hrp, "1", version, a 2-byte program and the checksum.
  if (s.size() < 14 || s.size() > 90) return Validity::kInvalid;
  bool has_lower = false;
  bool has_upper = false;
  std::string lower;
  for (char c : s) {
    has_lower |= IsLower(c);
    has_upper |= IsUpper(c);
    lower.push_back(ToLower(c));
  }
  if (has_lower && has_upper) return Validity::kInvalid;
  size_t sep = lower.rfind('1');
  std::string_view hrp = std::string_view(lower).substr(0, sep);
  if (hrp != "bc" && hrp != "tb") return Validity::kInvalid;

  std::vector<uint8_t> values;
  for (char c : hrp) values.push_back(static_cast<uint8_t>(c >> 5));
  values.push_back(0);
  for (char c : hrp) values.push_back(static_cast<uint8_t>(c & 31));
  size_t data_start = values.size();
  for (size_t i = sep + 1; i < lower.size(); ++i) {
    size_t v = kBech32Charset.find(lower[i]);
    if (v == std::string_view::npos) return Validity::kInvalid;
    values.push_back(static_cast<uint8_t>(v));
  }
  uint32_t residue = Bech32Polymod(values);
  if (residue != kBech32Const && residue != kBech32mConst) return Validity::kInvalid;

  // data_start + 1 + 6: at least the witness version and the checksum.
  if (values.size() < data_start + 7) return Validity::kInvalid;
  uint8_t version = values[data_start];
  if (version > 16) return Validity::kInvalid;
  if ((version == 0) != (residue == kBech32Const)) return Validity::kInvalid;

  // Regroup the 5-bit program into bytes; leftover bits must be < 5 and all zero.
  size_t program_len = 0;
  uint32_t acc = 0;
  int bits = 0;
  for (size_t i = data_start + 1; i < values.size() - 6; ++i) {
    acc = ((acc << 5) | values[i]) & 0xfff;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      ++program_len;
    }
  }
  if (bits >= 5 || (acc & ((1u << bits) - 1)) != 0) return Validity::kInvalid;
  if (program_len < 2 || program_len > 40) return Validity::kInvalid;
  if (version == 0 && program_len != 20 && program_len != 32) return Validity::kInvalid;
  return Validity::kValid;
}

constexpr std::string_view kBase58Alphabet =
    "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

// Checks a base58check P2PKH (version 0x00) or P2SH (0x05) Bitcoin address.
Validity ValidateBase58Check(std::string_view s) {
  // A 25-byte payload is at most 34 base58 digits, plus one '1' for the zero version.
  if (s.size() < 26 || s.size() > 35) return Validity::kInvalid;
  size_t zeros = 0;
  while (zeros < s.size() && s[zeros] == '1') ++zeros;
  std::vector<uint8_t> number;  // big-endian, no leading zero bytes
  for (size_t i = zeros; i < s.size(); ++i) {
    size_t digit = kBase58Alphabet.find(s[i]);
    if (digit == std::string_view::npos) return Validity::kInvalid;
    uint32_t carry = static_cast<uint32_t>(digit);
    for (auto it = number.rbegin(); it != number.rend(); ++it) {
      carry += 58u * *it;
      *it = static_cast<uint8_t>(carry & 0xff);
      carry >>= 8;
    }
    for (; carry != 0; carry >>= 8) number.insert(number.begin(), carry & 0xff);
  }
  std::vector<uint8_t> bytes(zeros, 0);
  bytes.insert(bytes.end(), number.begin(), number.end());
  if (bytes.size() != 25 || (bytes[0] != 0x00 && bytes[0] != 0x05)) {
    return Validity::kInvalid;
  }
  unsigned char first[EVP_MAX_MD_SIZE];
  unsigned char second[EVP_MAX_MD_SIZE];
  if (EVP_Digest(bytes.data(), 21, first, nullptr, Sha256Md(), nullptr) != 1 ||
      EVP_Digest(first, 32, second, nullptr, Sha256Md(), nullptr) != 1) {
    return Validity::kUnknown;  // libcrypto failure says nothing about the address
  }
  for (int i = 0; i < 4; ++i) {
    if (second[i] != bytes[21 + i]) return Validity::kInvalid;
  }
  return Validity::kValid;
}

// --- Dates ------------------------------------------------------------------------

constexpr int kMinYear = 1900;
constexpr int kMaxYear = 2100;

// Applies the Gregorian leap-year rule.
bool IsLeapYear(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

// Checks that year-month-day exists in the Gregorian calendar, whatever the year.
bool CalendarDateExists(int year, int month, int day) {
  static constexpr int kDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month < 1 || month > 12 || day < 1) return false;
  int days = kDays[month - 1] + (month == 2 && IsLeapYear(year) ? 1 : 0);
  return day <= days;
}

// Checks that year-month-day exists and the year is in the accepted range.
bool DateExists(int year, int month, int day) {
  return year >= kMinYear && year <= kMaxYear && CalendarDateExists(year, month, day);
}

// A forward-only reader over the candidate text.
class Cursor {
 public:
  explicit Cursor(std::string_view s) : s_(s) {}
  bool AtEnd() const { return pos_ == s_.size(); }
  char Peek() const { return AtEnd() ? '\0' : s_[pos_]; }
  char PeekAt(size_t k) const { return pos_ + k < s_.size() ? s_[pos_ + k] : '\0'; }
  size_t Pos() const { return pos_; }

  // Consumes c if it is next.
  bool Eat(char c) {
    if (Peek() != c) return false;
    ++pos_;
    return true;
  }
  // Consumes min..max digits (greedy) and returns their value, or -1.
  int Digits(size_t min, size_t max) {
    size_t n = 0;
    while (n < max && pos_ + n < s_.size() && IsDigit(s_[pos_ + n])) ++n;
    if (n < min) return -1;
    int v = Number(s_, pos_, n);
    pos_ += n;
    return v;
  }
  // Consumes a run of ASCII letters.
  std::string_view Letters() {
    size_t start = pos_;
    while (pos_ < s_.size() && IsAlpha(s_[pos_])) ++pos_;
    return s_.substr(start, pos_ - start);
  }
  // Consumes a word of ASCII letters and non-ASCII bytes (März, février, août).
  std::string_view Word() {
    size_t start = pos_;
    while (pos_ < s_.size() && (IsAlpha(s_[pos_]) || static_cast<unsigned char>(s_[pos_]) >= 0x80))
      ++pos_;
    return s_.substr(start, pos_ - start);
  }
  // Consumes word if it is next.
  bool EatWord(std::string_view word) {
    if (s_.substr(pos_, word.size()) != word) return false;
    pos_ += word.size();
    return true;
  }

 private:
  std::string_view s_;
  size_t pos_ = 0;
};

// Returns 1-12 for an English month name or its abbreviation, 0 otherwise.
int MonthFromName(std::string_view word, bool* abbreviated) {
  static constexpr std::string_view kNames[12] = {
      "january", "february", "march",     "april",   "may",      "june",
      "july",    "august",   "september", "october", "november", "december"};
  std::string lower;
  for (char c : word) lower.push_back(ToLower(c));
  for (int m = 0; m < 12; ++m) {
    *abbreviated = false;
    if (lower == kNames[m]) return m + 1;
    *abbreviated = true;
    if (lower == kNames[m].substr(0, 3)) return m + 1;
    if (m == 8 && lower == "sept") return m + 1;
  }
  return 0;
}

// Lower-cases the ASCII capitals of word and the capitals of Latin-1 (U+00C0 to U+00DE
// but U+00D7: "\u00c4" to "\u00e4", "\u00c9" to "\u00e9"); other bytes as written.
std::string LowerLatin1(std::string_view word) {
  std::string lower(word);
  for (size_t i = 0; i < lower.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(lower[i]);
    if (c >= 'A' && c <= 'Z') {
      lower[i] = static_cast<char>(c | 0x20);
    } else if (c == 0xC3 && i + 1 < lower.size()) {
      const unsigned char d = static_cast<unsigned char>(lower[i + 1]);
      if (d >= 0x80 && d <= 0x9E && d != 0x97) lower[i + 1] = static_cast<char>(d | 0x20);
      ++i;
    }
  }
  return lower;
}

// The abbreviations of the month names of German, French, Spanish, Italian and Dutch
// as dates write them, lower-case, with the month and whether the dot after them is
// required: those that are English words ("set", "ago", "gen", "mag", "lug": "we set 5
// goals", "5 ago 2024") or abbreviations ("fev": FEV, a lung function measure) are
// months only with their dot. The French ones also without their accents ("fevr", "fev");
// the German "Mrz", the short form of M\u00e4rz.
struct MonthAbbreviation {
  std::string_view name;
  int month;
  bool dot_required = false;
};
constexpr MonthAbbreviation kEuropeanAbbreviations[] = {
    {"jan", 1},       {"janv", 1},      {"ene", 1},      {"gen", 1, true}, {"feb", 2},
    {"f\u00e9vr", 2}, {"f\u00e9v", 2},  {"m\u00e4r", 3}, {"mar", 3},       {"mrt", 3},
    {"apr", 4},       {"avr", 4},       {"abr", 4},      {"may", 5},       {"mag", 5, true},
    {"jun", 6},       {"giu", 6},       {"jul", 7},      {"juil", 7},      {"lug", 7, true},
    {"aug", 8},       {"ago", 8, true}, {"sep", 9},      {"sept", 9},      {"set", 9, true},
    {"oct", 10},      {"okt", 10},      {"ott", 10},     {"nov", 11},      {"dec", 12},
    {"d\u00e9c", 12}, {"dez", 12},      {"dic", 12},     {"fevr", 2},      {"fev", 2, true},
    {"mrz", 3},
};

// Returns 1-12 for a German, French, Spanish, Italian or Dutch month name written in
// full or abbreviated (kEuropeanAbbreviations), in any case (the detector's regex finds
// it lower-case, capitalised or in capitals: "M\u00e4rz", "M\u00c4RZ", "janv"), 0
// otherwise. *abbreviation is the abbreviation's entry, or null for a name in full.
int EuropeanMonthFromName(std::string_view word, const MonthAbbreviation** abbreviation) {
  static constexpr struct {
    std::string_view name;
    int month;
  } kNames[] = {
      // German
      {"januar", 1}, {"februar", 2}, {"m\u00e4rz", 3}, {"maerz", 3}, {"mai", 5}, {"juni", 6},
      {"juli", 7}, {"oktober", 10}, {"dezember", 12},
      // French
      {"janvier", 1}, {"f\u00e9vrier", 2}, {"mars", 3}, {"avril", 4}, {"juin", 6},
      {"juillet", 7}, {"ao\u00fbt", 8}, {"septembre", 9}, {"octobre", 10}, {"novembre", 11},
      {"d\u00e9cembre", 12},
      // French without its accents, as typed on a keyboard without them
      {"fevrier", 2}, {"aout", 8}, {"decembre", 12},
      // Spanish
      {"enero", 1}, {"febrero", 2}, {"marzo", 3}, {"abril", 4}, {"mayo", 5}, {"junio", 6},
      {"julio", 7}, {"agosto", 8}, {"septiembre", 9}, {"setiembre", 9}, {"octubre", 10},
      {"noviembre", 11}, {"diciembre", 12},
      // Italian
      {"gennaio", 1}, {"febbraio", 2}, {"aprile", 4}, {"maggio", 5}, {"giugno", 6},
      {"luglio", 7}, {"settembre", 9}, {"ottobre", 10}, {"dicembre", 12},
      // Dutch (april, juni, juli, september, oktober, november and december are above or
      // English)
      {"januari", 1}, {"februari", 2}, {"maart", 3}, {"mei", 5}, {"augustus", 8},
  };
  *abbreviation = nullptr;
  if (word.empty() || word.size() > 12) return 0;
  // French and Dutch write "mars" and "mei" in lower case (in capitals too, on forms and
  // headings); capitalised they are the planet, a chocolate bar, a name ("the 10 Mars
  // 2020 instruments").
  if (word == "Mars" || word == "Mei") return 0;
  const std::string lower = LowerLatin1(word);
  for (const auto& entry : kNames)
    if (lower == entry.name) return entry.month;
  for (const MonthAbbreviation& entry : kEuropeanAbbreviations) {
    if (lower == entry.name) {
      *abbreviation = &entry;
      return entry.month;
    }
  }
  bool abbreviated = false;
  const int english = MonthFromName(lower, &abbreviated);
  return abbreviated ? 0 : english;
}

// Parses a month name, with a "." allowed after an abbreviation.
int ParseMonthName(Cursor& in) {
  bool abbreviated = false;
  int month = MonthFromName(in.Letters(), &abbreviated);
  if (month != 0 && abbreviated) in.Eat('.');
  return month;
}

// Consumes the optional English ordinal suffix after a day ("5th"); false if other
// letters follow.
bool EatOrdinalSuffix(Cursor& in) {
  std::string_view suffix = in.Letters();
  return suffix.empty() || suffix == "st" || suffix == "nd" || suffix == "rd" ||
         suffix == "th";
}

// Parses the rest of a day-first date of Europe after its day: "3. März 1984", "1er mai
// 1990", "5 de mayo de 1990", "12 janvier 1985", "5 maggio 1990", "5 mei 1990", and with
// the month abbreviated: "12 janv. 1985", "3. Mär 1984", "5 mrt. 1990", "5 ago. 1990".
bool EuropeanDateValid(Cursor& in, int day) {
  if (!in.Eat('.') && !in.EatWord("er")) in.EatWord("ER");
  if (!in.Eat(' ')) return false;
  if (!in.EatWord("de ")) in.EatWord("DE ");
  const MonthAbbreviation* abbreviation = nullptr;
  int month = EuropeanMonthFromName(in.Word(), &abbreviation);
  if (month == 0) return false;
  if (abbreviation && !in.Eat('.') && abbreviation->dot_required) return false;
  in.Eat(',');
  if (!in.Eat(' ')) return false;
  // "5 de mayo del 2010", "5 DE MAYO DE 1990"
  if (!in.EatWord("del ") && !in.EatWord("de ") && !in.EatWord("DEL ")) in.EatWord("DE ");
  int year = in.Digits(4, 4);
  return year >= 0 && in.AtEnd() && DateExists(year, month, day);
}

// Parses an optional time part ("T10:20", " 10:20:30.5Z", " 9:05 pm") to the end.
bool TimeValid(Cursor& in) {
  if (in.AtEnd()) return true;
  bool iso = in.Eat('T');
  if (!iso && !in.Eat(' ')) return false;
  int hour = in.Digits(iso ? 2 : 1, 2);
  if (hour < 0 || !in.Eat(':')) return false;
  int minute = in.Digits(2, 2);
  int second = 0;
  if (in.Eat(':')) {
    second = in.Digits(2, 2);
    if (in.Eat('.') && in.Digits(1, 9) < 0) return false;
  }
  if (minute < 0 || minute > 59 || second < 0 || second > 59) return false;

  if (in.Eat('Z')) return in.AtEnd() && hour <= 23;
  if (in.Eat('+') || in.Eat('-')) {
    int zone_hour = in.Digits(2, 2);
    in.Eat(':');
    int zone_minute = in.Digits(2, 2);
    return in.AtEnd() && hour <= 23 && zone_hour >= 0 && zone_hour <= 14 &&
           zone_minute >= 0 && zone_minute <= 59;
  }
  bool spaced = in.Eat(' ');
  std::string_view meridiem = in.Letters();
  if (!spaced && meridiem.empty()) return in.AtEnd() && hour <= 23;
  bool twelve_hour =
      meridiem == "AM" || meridiem == "PM" || meridiem == "am" || meridiem == "pm";
  return in.AtEnd() && twelve_hour && hour >= 1 && hour <= 12;
}

// Parses the numeric date forms and the "5 March 1984" form.
bool NumericDateValid(Cursor& in) {
  int first = in.Digits(1, 4);
  size_t first_len = in.Pos();  // the cursor started at 0
  if (first < 0 || first_len == 3) return false;
  char sep = in.Peek();
  if (first_len == 4) {  // YYYY-MM-DD or YYYY/MM/DD
    if (sep != '-' && sep != '/') return false;
    in.Eat(sep);
    int month = in.Digits(1, 2);
    if (month < 0 || !in.Eat(sep)) return false;
    int day = in.Digits(1, 2);
    return day >= 0 && DateExists(first, month, day) && TimeValid(in);
  }
  const bool dot_space = sep == '.' && in.PeekAt(1) == ' ';  // 3. März 1984
  if (sep == ' ' || IsAlpha(sep) || dot_space) {  // 5 March 1984, 5th (of) March 1984
    // A day-first date of Europe ("3. März 1984", "5 de mayo de 1990") is read on a
    // copy of the cursor; otherwise the English forms.
    if (first_len <= 2) {
      Cursor european = in;
      if (EuropeanDateValid(european, first)) return true;
    }
    if (dot_space || !EatOrdinalSuffix(in) || !in.Eat(' ')) return false;
    // "14th of March 1985"
    if ((in.PeekAt(0) | 0x20) == 'o' && (in.PeekAt(1) | 0x20) == 'f' && in.PeekAt(2) == ' ') {
      in.Eat(in.PeekAt(0));
      in.Eat(in.PeekAt(0));
      in.Eat(' ');
    }
    int month = ParseMonthName(in);
    if (month == 0) return false;
    in.Eat(',');
    if (!in.Eat(' ')) return false;
    int year = in.Digits(4, 4);
    return year >= 0 && DateExists(year, month, first) && TimeValid(in);
  }
  if (sep != '/' && sep != '-' && sep != '.') return false;
  in.Eat(sep);
  int second = in.Digits(1, 2);
  if (second < 0 || !in.Eat(sep)) return false;
  int year = in.Digits(4, 4);
  if (year < 0) return false;
  // Slashes and dashes are written month-first in the US and day-first elsewhere, so
  // either reading will do; dots are only day-first.
  bool exists =
      DateExists(year, second, first) || (sep != '.' && DateExists(year, first, second));
  return exists && TimeValid(in);
}

// Parses "March 5, 1984", "Mar 5 1984", "Mar. 5th, 1984".
bool MonthFirstDateValid(Cursor& in) {
  int month = ParseMonthName(in);
  if (month == 0 || !in.Eat(' ')) return false;
  int day = in.Digits(1, 2);
  if (day < 0 || !EatOrdinalSuffix(in)) return false;
  in.Eat(',');
  if (!in.Eat(' ')) return false;
  int year = in.Digits(4, 4);
  return year >= 0 && DateExists(year, month, day) && TimeValid(in);
}

// Parses a two-digit year's date with an English month's name, day first or month
// first: "14 Mar 85", "14th March, '85", "Mar 14, 85", "March 14th '85" (either century).
bool NamedShortYearDateValid(Cursor& in) {
  int day, month;
  if (IsDigit(in.Peek())) {
    day = in.Digits(1, 2);
    if (day < 0 || !EatOrdinalSuffix(in) || !in.Eat(' ')) return false;
    month = ParseMonthName(in);
  } else {
    month = ParseMonthName(in);
    if (month == 0 || !in.Eat(' ')) return false;
    day = in.Digits(1, 2);
    if (day < 0 || !EatOrdinalSuffix(in)) return false;
  }
  if (month == 0) return false;
  in.Eat(',');
  if (!in.Eat(' ')) return false;
  in.Eat('\'');
  const int year = in.Digits(2, 2);
  return year >= 0 && in.AtEnd() &&
         (DateExists(1900 + year, month, day) || DateExists(2000 + year, month, day));
}

}  // namespace

std::string DigitsOnly(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (IsDigit(c)) out.push_back(c);
  }
  return out;
}

bool LuhnValid(std::string_view digits) {
  if (digits.empty()) return false;
  int sum = 0;
  bool twice = false;
  for (auto it = digits.rbegin(); it != digits.rend(); ++it) {
    if (!IsDigit(*it)) return false;
    int d = *it - '0';
    if (twice) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
    twice = !twice;
  }
  return sum % 10 == 0;
}

Validity ValidateCreditCard(std::string_view s) {
  char buf[kMaxSplitDigits];
  auto digits = SplitDigits(s, " -.", buf);
  if (!digits || digits->size() < 13 || digits->size() > 19) return Validity::kInvalid;
  bool known_issuer = false;
  for (const CardRule& rule : kCardRules) {
    int prefix = Number(*digits, 0, rule.prefix_digits);
    if (prefix >= rule.prefix_lo && prefix <= rule.prefix_hi &&
        digits->size() >= rule.min_len && digits->size() <= rule.max_len) {
      known_issuer = true;
      break;
    }
  }
  return known_issuer && LuhnValid(*digits) ? Validity::kValid : Validity::kInvalid;
}

Validity ValidateUsSsn(std::string_view s) {
  char buf[kMaxSplitDigits];
  auto digits = SsnDigits(s, buf);
  if (!digits) return Validity::kInvalid;
  int area = Number(*digits, 0, 3);
  int group = Number(*digits, 3, 2);
  int serial = Number(*digits, 5, 4);
  if (area == 0 || area == 666 || area >= 900 || group == 0 || serial == 0) {
    return Validity::kInvalid;
  }
  if (digits->find_first_not_of((*digits)[0]) == std::string::npos) {
    return Validity::kInvalid;
  }
  // Numbers printed on sample cards and in advertising; 987-65-432x is caught by the
  // area rule above.
  for (std::string_view example : {"078051120", "219099999", "123456789"}) {
    if (*digits == example) return Validity::kInvalid;
  }
  return Validity::kValid;
}

Validity ValidateUsItin(std::string_view s) {
  char buf[kMaxSplitDigits];
  auto digits = SsnDigits(s, buf);
  if (!digits || (*digits)[0] != '9') return Validity::kInvalid;
  int group = Number(*digits, 3, 2);
  bool group_ok = (group >= 50 && group <= 65) || (group >= 70 && group <= 88) ||
                  (group >= 90 && group <= 92) || (group >= 94 && group <= 99);
  return group_ok ? Validity::kValid : Validity::kInvalid;
}

Validity ValidateIban(std::string_view s) {
  constexpr size_t kMaxWritten = 2 * kIbanMaxLength;
  if (s.size() >= kMaxWritten) return Validity::kInvalid;
  // The characters without their separators, on the stack (this runs for every
  // candidate): one space or hyphen at most between two of them, grouped in fours as
  // ISO 13616 prints them or as a bank's form does.
  char iban[kMaxWritten];
  size_t n = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == ' ' || c == '-') {
      if (n == 0 || i + 1 == s.size() || s[i - 1] == ' ' || s[i - 1] == '-') return Validity::kInvalid;
      continue;
    }
    // Lower case as people type it: checked as the capital it stands for.
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    if (!IsDigit(c) && !IsUpper(c)) return Validity::kInvalid;
    iban[n++] = c;
  }
  if (n < 5 || !IsUpper(iban[0]) || !IsUpper(iban[1]) || !IsDigit(iban[2]) ||
      !IsDigit(iban[3])) {
    return Validity::kInvalid;
  }
  const std::string_view code(iban, n);
  if (IbanLength(code.substr(0, 2)) != n) return Validity::kInvalid;
  // 00, 01 and 99 can satisfy mod-97 but ISO 13616 never issues them.
  int check = Number(code, 2, 2);
  if (check < 2 || check > 98) return Validity::kInvalid;
  // ISO 7064 mod 97-10 over the code moved four characters left, letters as 10 to 35:
  // digits are appended to a 64-bit number, reduced only when it grows past 2^50 (a
  // division every dozen digits rather than one a character).
  uint64_t remainder = 0;
  for (size_t k = 0; k < n; ++k) {
    const char c = iban[(k + 4) % n];
    remainder = IsDigit(c) ? remainder * 10 + static_cast<uint64_t>(c - '0')
                           : remainder * 100 + static_cast<uint64_t>(c - 'A' + 10);
    if (remainder >= (uint64_t{1} << 50)) remainder %= 97;
  }
  return remainder % 97 == 1 ? Validity::kValid : Validity::kInvalid;
}

Validity ValidateIpAddress(std::string_view s) {
  bool ok = s.find(':') != std::string_view::npos ? IsIpv6(s) : IsIpv4(s);
  return ok ? Validity::kValid : Validity::kInvalid;
}

Validity ValidateAbaRouting(std::string_view s) {
  char buf[kMaxSplitDigits];
  auto digits = SplitDigits(s, "-", buf, {4, 4, 1});
  if (!digits || digits->size() != 9) return Validity::kInvalid;
  // A checksum of zero makes 000000000 pass, but it is a placeholder, not a bank.
  if (*digits == "000000000") return Validity::kInvalid;
  int prefix = Number(*digits, 0, 2);
  bool prefix_ok = prefix <= 12 || (prefix >= 21 && prefix <= 32) ||
                   (prefix >= 61 && prefix <= 72) || prefix == 80;
  if (!prefix_ok) return Validity::kInvalid;
  int sum = 0;
  for (size_t i = 0; i < 9; i += 3) {
    sum +=
        3 * DigitAt(*digits, i) + 7 * DigitAt(*digits, i + 1) + DigitAt(*digits, i + 2);
  }
  return sum % 10 == 0 ? Validity::kValid : Validity::kInvalid;
}

Validity ValidateUsNpi(std::string_view s) {
  if (s.size() != 10 || !AllDigits(s) || (s[0] != '1' && s[0] != '2')) {
    return Validity::kInvalid;
  }
  // 80840 is the ISO 7812 card-issuer prefix for US health; it is part of the Luhn sum.
  std::string card = "80840";
  card.append(s);
  return LuhnValid(card) ? Validity::kValid : Validity::kInvalid;
}

Validity ValidateUkNhs(std::string_view s) {
  char buf[kMaxSplitDigits];
  auto digits = SplitDigits(s, " -", buf, {3, 3, 4});
  if (!digits || digits->size() != 10) return Validity::kInvalid;
  // One repeated digit passes mod 11 but is a placeholder, never an issued number.
  if (digits->find_first_not_of((*digits)[0]) == std::string::npos) return Validity::kInvalid;
  int sum = 0;
  for (size_t i = 0; i < 9; ++i) sum += DigitAt(*digits, i) * static_cast<int>(10 - i);
  int check = 11 - sum % 11;
  if (check == 11) check = 0;
  if (check == 10) return Validity::kInvalid;
  return check == DigitAt(*digits, 9) ? Validity::kValid : Validity::kInvalid;
}

Validity ValidateCrypto(std::string_view s) {
  if (s.size() >= 2 && s[0] == '0' && s[1] == 'x') return ValidateEthereum(s);
  if (s.size() >= 3 && s[2] == '1') {
    char a = ToLower(s[0]);
    char b = ToLower(s[1]);
    if ((a == 'b' && b == 'c') || (a == 't' && b == 'b')) return ValidateSegwit(s);
  }
  if (!s.empty() && (s[0] == '1' || s[0] == '3')) return ValidateBase58Check(s);
  return Validity::kInvalid;
}

Validity ValidateMacAddress(std::string_view s) {
  size_t group;
  char sep;
  if (s.size() == 17 && (s[2] == ':' || s[2] == '-')) {
    group = 2;
    sep = s[2];
  } else if (s.size() == 14) {
    group = 4;
    sep = '.';
  } else {
    return Validity::kInvalid;
  }
  for (size_t i = 0; i < s.size(); ++i) {
    bool sep_position = i % (group + 1) == group;
    if (sep_position ? s[i] != sep : !IsHex(s[i])) return Validity::kInvalid;
  }
  return Validity::kValid;
}

Validity ValidateDate(std::string_view s) {
  // The longest accepted form ("September 30th, 2000T10:20:30.123456789+14:00") is
  // well under this; the bound keeps garbage cheap.
  if (s.size() > 64) return Validity::kInvalid;
  Cursor in(s);
  bool ok = IsDigit(in.Peek()) ? NumericDateValid(in) : MonthFirstDateValid(in);
  return ok ? Validity::kValid : Validity::kInvalid;
}

Validity ValidateOtherDate(std::string_view s) {
  // The named forms are the only ones with a blank ("14th September, '85": 19 bytes).
  if (s.find(' ') != std::string_view::npos) {
    Cursor in(s);
    return s.size() <= 24 && NamedShortYearDateValid(in) ? Validity::kValid
                                                           : Validity::kInvalid;
  }
  if (s.size() > 16) return Validity::kInvalid;
  Cursor in(s);
  const int first = in.Digits(1, 4);
  const size_t first_len = in.Pos();
  const char sep = in.Peek();
  if (first < 0 || first_len == 3 || (sep != '-' && sep != '.' && sep != '/')) return Validity::kInvalid;
  in.Eat(sep);
  if (first_len == 4) {  // 1985-3-14, 1985.03.14
    const int month = in.Digits(1, 2);
    if (month < 0 || !in.Eat(sep)) return Validity::kInvalid;
    const int day = in.Digits(1, 2);
    return day >= 0 && in.AtEnd() && DateExists(first, month, day) ? Validity::kValid
                                                                    : Validity::kInvalid;
  }
  // 14-Mar-1985, 14-MAR-85, 3/14/85, 14.03.85
  int second;
  bool named = false;
  if (IsAlpha(in.Peek())) {
    bool abbreviated = false;
    second = sep == '-' ? MonthFromName(in.Letters(), &abbreviated) : 0;
    if (second == 0) return Validity::kInvalid;
    named = true;
  } else {
    second = in.Digits(1, 2);
  }
  if (second < 0 || !in.Eat(sep)) return Validity::kInvalid;
  const size_t year_at = in.Pos();
  const int year = in.Digits(2, 4);
  const size_t year_len = in.Pos() - year_at;
  if (year < 0 || year_len == 3 || !in.AtEnd()) return Validity::kInvalid;
  // A two-digit year is of either century (the 29th of February tells them apart).
  auto exists = [&](int month, int day) {
    if (year_len == 4) return DateExists(year, month, day);
    return DateExists(1900 + year, month, day) || DateExists(2000 + year, month, day);
  };
  // Slashes and dashes are written month-first in the US and day-first elsewhere; dots
  // and a month's name day-first only.
  const bool ok = exists(second, first) || (!named && sep != '.' && exists(first, second));
  return ok ? Validity::kValid : Validity::kInvalid;
}

Validity ValidateCompactDate(std::string_view s) {
  if (s.size() != 8) return Validity::kInvalid;
  for (char c : s)
    if (!IsDigit(c)) return Validity::kInvalid;
  const int year = Number(s, 0, 4), month = Number(s, 4, 2), day = Number(s, 6, 2);
  return DateExists(year, month, day) && year < 2100 ? Validity::kValid : Validity::kInvalid;
}

std::string Keccak256(std::string_view data) {
  constexpr size_t kRate = 136;  // bytes: 1600 - 2 * 256 bits of capacity
  uint64_t state[25] = {};
  auto absorb = [&state](const unsigned char* block) {
    for (size_t i = 0; i < kRate; ++i) {
      state[i / 8] ^= static_cast<uint64_t>(block[i]) << (8 * (i % 8));
    }
    KeccakF(state);
  };
  const auto* bytes = reinterpret_cast<const unsigned char*>(data.data());
  size_t full = data.size() / kRate * kRate;
  for (size_t off = 0; off < full; off += kRate) absorb(bytes + off);
  // Original Keccak padding (0x01 ... 0x80); SHA-3 would use 0x06.
  std::array<unsigned char, kRate> last{};
  for (size_t i = full; i < data.size(); ++i) last[i - full] = bytes[i];
  last[data.size() - full] ^= 0x01;
  last[kRate - 1] ^= 0x80;
  absorb(last.data());
  std::string out(32, '\0');
  for (size_t i = 0; i < 32; ++i) {
    out[i] = static_cast<char>((state[i / 8] >> (8 * (i % 8))) & 0xff);
  }
  return out;
}

size_t IbanCountryLength(std::string_view country) {
  if (country.size() != 2) return 0;
  const char upper[2] = {static_cast<char>(country[0] & ~0x20), static_cast<char>(country[1] & ~0x20)};
  return IbanLength(std::string_view(upper, 2));
}

// --- European national identifiers ------------------------------------------------

namespace {

// The control letters of the Spanish DNI/NIF and NIE, indexed by the number mod 23.
constexpr std::string_view kSpanishLetters = "TRWAGMYFPDXBNJZSQVHLCKE";

// True if s, without the one separator allowed at each of the given positions (a
// space or a hyphen, or nothing), is the characters kept in *out.
bool DropSeparatorsAt(std::string_view s, std::string* out,
                      std::initializer_list<size_t> positions) {
  // positions: offsets in the compact form before which a separator may stand.
  out->clear();
  auto allowed = [&](size_t at) {
    return std::find(positions.begin(), positions.end(), at) != positions.end();
  };
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == ' ' || c == '-') {
      if (out->empty() || !allowed(out->size()) || i + 1 == s.size() || s[i + 1] == ' ' ||
          s[i + 1] == '-')
        return false;
      continue;
    }
    out->push_back(c);
  }
  return true;
}

// One digit repeated over the whole of digits (a placeholder such as 000000000).
bool OneDigitRepeated(std::string_view digits) {
  return !digits.empty() && digits.find_first_not_of(digits[0]) == std::string_view::npos;
}

// Validates the Spanish control letter of an 8-digit number (the NIE's X, Y, Z already
// replaced by 0, 1, 2).
Validity SpanishControl(std::string_view digits, char letter) {
  if (digits.size() != 8 || !AllDigits(digits)) return Validity::kInvalid;
  const int number = Number(digits, 0, 8);
  return kSpanishLetters[number % 23] == letter ? Validity::kValid : Validity::kInvalid;
}

// The Italian fiscal code's omocodia letters, which stand for the digits 0-9.
constexpr std::string_view kOmocodia = "LMNPQRSTUV";
// Values of the characters in odd positions (1st, 3rd, ...) for the check letter: a
// digit counts as the letter of the same index (0 as A, 1 as B, ...).
constexpr int kFiscalOdd[26] = {1,  0,  5, 7, 9, 13, 15, 17, 19, 21, 2,  4,  18,
                                20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23};

// The Finnish check characters, indexed by DDMMYYZZZ mod 31.
constexpr std::string_view kFinnishCheck = "0123456789ABCDEFHJKLMNPRSTUVWXY";

}  // namespace

Validity ValidateEsNif(std::string_view s) {
  // Grouped by thousands with dots, as the DNI card and many forms print it:
  // "12.345.678-Z", "12.345.678 Z", "12.345.678Z".
  std::string undotted;
  if (s.size() >= 11 && s[2] == '.' && s[6] == '.') {
    undotted = std::string(s.substr(0, 2)) + std::string(s.substr(3, 3)) + std::string(s.substr(7));
    s = undotted;
  }
  std::string compact;
  if (s.size() > 10 || !DropSeparatorsAt(s, &compact, {8}) || compact.size() != 9 ||
      !IsUpper(compact[8]))
    return Validity::kInvalid;
  const std::string_view digits = std::string_view(compact).substr(0, 8);
  if (OneDigitRepeated(digits)) return Validity::kInvalid;
  return SpanishControl(digits, compact[8]);
}

Validity ValidateEsNie(std::string_view s) {
  std::string compact;
  // Before July 2008 (Orden INT/2058/2008) an NIE was X and 8 digits, the first a 0
  // while fewer than ten million were given ("X-01234567-L"); the 0 dropped, it is the
  // number of today's form, with the same control letter.
  if (s.size() >= 10 && s.size() <= 12 && DropSeparatorsAt(s, &compact, {1, 9}) &&
      compact.size() == 10 && compact[0] == 'X' && compact[1] == '0')
    compact.erase(1, 1);
  else if (s.size() > 11 || !DropSeparatorsAt(s, &compact, {1, 8}) || compact.size() != 9)
    return Validity::kInvalid;
  if (!IsUpper(compact[8])) return Validity::kInvalid;
  const size_t prefix = std::string_view("XYZ").find(compact[0]);
  if (prefix == std::string_view::npos) return Validity::kInvalid;
  compact[0] = static_cast<char>('0' + prefix);
  return SpanishControl(std::string_view(compact).substr(0, 8), compact[8]);
}

// s with its ASCII letters in capitals, if they are all small (a form's field or a
// database that stores it lower-cased: "rssmra85t10a562s"); otherwise s as it is (a
// mixed case is refused by the callers' checks of capitals).
std::string UpperIfAllLower(std::string_view s) {
  std::string upper(s);
  for (char c : s)
    if (IsUpper(c)) return upper;
  for (char& c : upper)
    if (IsLower(c)) c = static_cast<char>(c - 'a' + 'A');
  return upper;
}

Validity ValidateItFiscalCode(std::string_view written) {
  const std::string upper = UpperIfAllLower(written);
  const std::string_view s = upper;
  if (s.size() != 16) return Validity::kInvalid;
  for (char c : s)
    if (!IsUpper(c) && !IsDigit(c)) return Validity::kInvalid;
  for (size_t i : {0, 1, 2, 3, 4, 5, 8, 11, 15})
    if (!IsUpper(s[i])) return Validity::kInvalid;
  // The digit positions, right to left as omocodia replaces them: once one holds a
  // digit, every one left of it does too.
  static constexpr size_t kDigitPositions[] = {14, 13, 12, 10, 9, 7, 6};
  char digits[16];
  bool digit_seen = false;
  for (size_t i : kDigitPositions) {
    const char c = s[i];
    if (IsDigit(c)) {
      digit_seen = true;
      digits[i] = c;
    } else {
      const size_t v = kOmocodia.find(c);
      if (v == std::string_view::npos || digit_seen) return Validity::kInvalid;
      digits[i] = static_cast<char>('0' + v);
    }
  }
  static constexpr std::string_view kMonths = "ABCDEHLMPRST";
  const size_t month = kMonths.find(s[8]);
  if (month == std::string_view::npos) return Validity::kInvalid;
  const int year = (digits[6] - '0') * 10 + (digits[7] - '0');
  int day = (digits[9] - '0') * 10 + (digits[10] - '0');
  if (day > 40) day -= 40;  // women
  // The century is not written: 29 February is allowed in every year divisible by 4
  // (2000 was a leap year, 1900 was not, so "00" may be either).
  if (!CalendarDateExists(year % 4 == 0 ? 2000 : 2001, static_cast<int>(month) + 1, day))
    return Validity::kInvalid;
  // The place: a municipality's code (A001-M999) or a foreign country's (Z...).
  if (s[11] > 'M' && s[11] != 'Z') return Validity::kInvalid;
  int sum = 0;
  for (size_t i = 0; i < 15; ++i) {
    const char c = s[i];
    const int v = IsDigit(c) ? c - '0' : c - 'A';
    sum += i % 2 == 0 ? kFiscalOdd[v] : v;
  }
  return s[15] == 'A' + sum % 26 ? Validity::kValid : Validity::kInvalid;
}

Validity ValidatePlPesel(std::string_view s) {
  if (s.size() != 11 || !AllDigits(s)) return Validity::kInvalid;
  static constexpr int kWeights[10] = {1, 3, 7, 9, 1, 3, 7, 9, 1, 3};
  int sum = 0;
  for (size_t i = 0; i < 10; ++i) sum += kWeights[i] * DigitAt(s, i);
  if ((10 - sum % 10) % 10 != DigitAt(s, 10)) return Validity::kInvalid;
  // The month carries the century: 81-92 the 1800s, 01-12 the 1900s, 21-32 the 2000s,
  // 41-52 the 2100s, 61-72 the 2200s.
  int month = Number(s, 2, 2);
  static constexpr int kCenturies[5] = {1900, 2000, 2100, 2200, 1800};
  const int century = kCenturies[month / 20];
  month %= 20;
  return CalendarDateExists(century + Number(s, 0, 2), month, Number(s, 4, 2)) ? Validity::kValid
                                                                               : Validity::kInvalid;
}

Validity ValidateFiPersonalIdentityCode(std::string_view s) {
  if (s.size() != 11 || !AllDigits(s.substr(0, 6)) || !AllDigits(s.substr(7, 3)))
    return Validity::kInvalid;
  int century;
  const char sign = s[6];
  if (sign == '+')
    century = 1800;
  else if (sign == '-' || (sign >= 'U' && sign <= 'Y'))
    century = 1900;
  else if (sign >= 'A' && sign <= 'F')
    century = 2000;
  else
    return Validity::kInvalid;
  if (!CalendarDateExists(century + Number(s, 4, 2), Number(s, 2, 2), Number(s, 0, 2)))
    return Validity::kInvalid;
  const int individual = Number(s, 7, 3);
  if (individual < 2) return Validity::kInvalid;  // 000 and 001 are not given
  const int number = Number(s, 0, 6) * 1000 + individual;
  return s[10] == kFinnishCheck[number % 31] ? Validity::kValid : Validity::kInvalid;
}

Validity ValidateUkNino(std::string_view written) {
  const std::string upper = UpperIfAllLower(written);
  const std::string_view s = upper;
  std::string compact;
  if (s.size() == 13) {  // AB 12 34 56 C: one space between each pair
    for (size_t i = 0; i < 13; ++i) {
      if (i % 3 == 2) {
        if (s[i] != ' ') return Validity::kInvalid;
      } else {
        compact.push_back(s[i]);
      }
    }
  } else if (s.size() >= 9 && s.size() <= 11) {
    // AB123456C, and with a space after the letters, before the suffix or both (AB
    // 123456 C): the six digits together.
    size_t i = 0;
    compact.append(s.substr(0, 2));
    i = 2;
    if (s[i] == ' ') ++i;
    if (s.size() - i < 7) return Validity::kInvalid;
    compact.append(s.substr(i, 6));
    i += 6;
    if (i < s.size() && s[i] == ' ') ++i;
    if (s.size() - i != 1) return Validity::kInvalid;
    compact.push_back(s[i]);
  } else {
    return Validity::kInvalid;
  }
  if (compact.size() != 9 || !IsUpper(compact[0]) || !IsUpper(compact[1]) ||
      !AllDigits(std::string_view(compact).substr(2, 6)) || compact[8] < 'A' || compact[8] > 'D')
    return Validity::kInvalid;
  static constexpr std::string_view kNeverFirst = "DFIQUV", kNeverSecond = "DFIOQUV";
  if (kNeverFirst.find(compact[0]) != std::string_view::npos ||
      kNeverSecond.find(compact[1]) != std::string_view::npos)
    return Validity::kInvalid;
  const std::string_view prefix = std::string_view(compact).substr(0, 2);
  for (std::string_view never : {"BG", "GB", "NK", "KN", "TN", "NT", "ZZ"})
    if (prefix == never) return Validity::kInvalid;
  return Validity::kUnknown;
}

Validity ValidateDeTaxId(std::string_view s) {
  std::string grouped;
  if (s.size() == 14) {  // 12 345 678 901
    if (s[2] != ' ' || s[6] != ' ' || s[10] != ' ') return Validity::kInvalid;
    grouped = std::string(s.substr(0, 2)) + std::string(s.substr(3, 3)) +
              std::string(s.substr(7, 3)) + std::string(s.substr(11));
    s = grouped;
  }
  if (s.size() != 11 || !AllDigits(s) || s[0] == '0') return Validity::kInvalid;
  int count[10] = {};
  for (size_t i = 0; i < 10; ++i) ++count[DigitAt(s, i)];
  int repeated = 0;
  for (int c : count) {
    if (c > 3) return Validity::kInvalid;
    if (c > 1) ++repeated;
  }
  if (repeated != 1) return Validity::kInvalid;
  // ISO 7064 MOD 11,10.
  int product = 10;
  for (size_t i = 0; i < 10; ++i) {
    int sum = (DigitAt(s, i) + product) % 10;
    if (sum == 0) sum = 10;
    product = sum * 2 % 11;
  }
  const int check = (11 - product) % 10;
  return check == DigitAt(s, 10) ? Validity::kValid : Validity::kInvalid;
}

Validity ValidateFrNir(std::string_view s) {
  std::string compact;
  if (s.size() == 21) {  // 1 84 12 76 451 089 46
    static constexpr size_t kSpaces[] = {1, 4, 7, 10, 14, 18};
    size_t next = 0;
    for (size_t i = 0; i < s.size(); ++i) {
      if (next < 6 && i == kSpaces[next]) {
        if (s[i] != ' ') return Validity::kInvalid;
        ++next;
      } else {
        compact.push_back(s[i]);
      }
    }
  } else if (s.size() == 16) {  // 1841276451089 46
    if (s[13] != ' ') return Validity::kInvalid;
    compact = std::string(s.substr(0, 13)) + std::string(s.substr(14));
  } else if (s.size() == 15) {
    compact = std::string(s);
  } else {
    return Validity::kInvalid;
  }
  if (compact.size() != 15) return Validity::kInvalid;
  // Corsica's departments 2A and 2B count as 19 and 18 in the key.
  if (compact[5] == '2' && (compact[6] == 'A' || compact[6] == 'B'))
    compact.replace(5, 2, compact[6] == 'A' ? "19" : "18");
  else if (compact[5] == '0' && compact[6] == '0')
    return Validity::kInvalid;
  // 1 or 2 the sex; 3 or 4 a foreigner's number while being registered, 7 or 8 a
  // temporary number (NIA): the same fields and key.
  if (!AllDigits(compact) || std::string_view("123478").find(compact[0]) == std::string_view::npos)
    return Validity::kInvalid;
  const int month = Number(compact, 3, 2);
  if (!((month >= 1 && month <= 12) || month == 20 || (month >= 30 && month <= 42) || month >= 50))
    return Validity::kInvalid;
  if (Number(compact, 7, 3) == 0 || Number(compact, 10, 3) == 0) return Validity::kInvalid;
  uint64_t number = 0;
  for (size_t i = 0; i < 13; ++i) number = number * 10 + static_cast<uint64_t>(DigitAt(compact, i));
  const int key = Number(compact, 13, 2);
  return key == 97 - static_cast<int>(number % 97) ? Validity::kValid : Validity::kInvalid;
}

Validity ValidateNlBsn(std::string_view s) {
  // Dotted: 4-2-3 as passports, identity cards and driving licences print it
  // ("1234.56.782"), or 3-3-3 by thousands ("123.456.782").
  std::string undotted;
  if (s.size() == 11) {
    const bool printed = s[4] == '.' && s[7] == '.', thousands = s[3] == '.' && s[7] == '.';
    if (!printed && !thousands) return Validity::kInvalid;
    for (char c : s)
      if (c != '.') undotted.push_back(c);
    s = undotted;
  }
  if (s.size() != 9 || !AllDigits(s) || OneDigitRepeated(s)) return Validity::kInvalid;
  int sum = -DigitAt(s, 8);
  for (size_t i = 0; i < 8; ++i) sum += static_cast<int>(9 - i) * DigitAt(s, i);
  return sum % 11 == 0 ? Validity::kValid : Validity::kInvalid;
}

}  // namespace comply::pii
