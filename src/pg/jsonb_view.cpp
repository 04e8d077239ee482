// JsonbView's out-of-line parts: the root of a document, and numbers read from the
// numeric's stored digits, so that reading a number calls no PostgreSQL function
// (numeric_out and numeric_float8 allocate, and so can ereport).
#include "pg/jsonb_view.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>

namespace comply::pg {
namespace {

// The stored form of a numeric, private to numeric.c (struct NumericData and its
// NUMERIC_* macros) but fixed, since it is what is on disk: after the varlena header, a
// uint16 header word, then (long format only) an int16 weight, then base-10000 digits,
// most significant first, with no leading or trailing zero digit.
constexpr uint16 kSignMask = 0xC000;         // NUMERIC_SIGN_MASK
constexpr uint16 kNegative = 0x4000;         // NUMERIC_NEG
constexpr uint16 kShort = 0x8000;            // NUMERIC_SHORT
constexpr uint16 kSpecial = 0xC000;          // NUMERIC_SPECIAL
constexpr uint16 kSpecialMask = 0xF000;      // NUMERIC_EXT_SIGN_MASK
constexpr uint16 kNaN = 0xC000;              // NUMERIC_NAN
constexpr uint16 kPlusInfinity = 0xD000;     // NUMERIC_PINF
constexpr uint16 kShortSign = 0x2000;        // NUMERIC_SHORT_SIGN_MASK
constexpr uint16 kShortDscaleMask = 0x1F80;  // NUMERIC_SHORT_DSCALE_MASK
constexpr int kShortDscaleShift = 7;         // NUMERIC_SHORT_DSCALE_SHIFT
constexpr uint16 kShortWeightSign = 0x0040;  // NUMERIC_SHORT_WEIGHT_SIGN_MASK
constexpr uint16 kShortWeightMask = 0x003F;  // NUMERIC_SHORT_WEIGHT_MASK
constexpr uint16 kDscaleMask = 0x3FFF;       // NUMERIC_DSCALE_MASK
constexpr int kDecDigits = 4;                // DEC_DIGITS (NBASE is 10000)

// A numeric's value: sign * sum(digit(i) * 10000^(weight - i)), shown with dscale
// digits after the decimal point.
struct Digits {
  const char* special = nullptr;  // "NaN", "Infinity", "-Infinity"; otherwise nullptr
  bool negative = false;
  int weight = 0;
  int dscale = 0;
  int ndigits = 0;
  const char* digits = nullptr;  // ndigits int16s, possibly unaligned

  int16 digit(int i) const {
    int16 d;
    std::memcpy(&d, digits + i * sizeof(int16), sizeof d);
    return d;
  }
};

// Reads a stored numeric (numeric.c's NUMERIC_SIGN, NUMERIC_WEIGHT, NUMERIC_DSCALE,
// NUMERIC_DIGITS and NUMERIC_NDIGITS).
Digits Decode(const char* numeric) {
  const char* p = VARDATA_ANY(numeric);
  size_t size = VARSIZE_ANY_EXHDR(numeric);
  uint16 header;
  std::memcpy(&header, p, sizeof header);
  Digits d;
  if ((header & kSignMask) == kSpecial) {
    uint16 kind = header & kSpecialMask;
    d.special = kind == kNaN ? "NaN" : kind == kPlusInfinity ? "Infinity" : "-Infinity";
    return d;
  }
  size_t header_size;
  if ((header & kSignMask) == kShort) {
    d.negative = (header & kShortSign) != 0;
    d.dscale = (header & kShortDscaleMask) >> kShortDscaleShift;
    d.weight = (header & kShortWeightSign ? ~static_cast<int>(kShortWeightMask) : 0) |
               (header & kShortWeightMask);
    header_size = sizeof(uint16);
  } else {
    int16 weight;
    std::memcpy(&weight, p + sizeof(uint16), sizeof weight);
    d.negative = (header & kSignMask) == kNegative;
    d.dscale = header & kDscaleMask;
    d.weight = weight;
    header_size = sizeof(uint16) + sizeof(int16);
  }
  d.ndigits = static_cast<int>((size - header_size) / sizeof(int16));
  d.digits = p + header_size;
  return d;
}

// Writes the four decimal digits of a base-10000 digit, without leading zeros if first
// (numeric.c's get_str_from_var).
void AppendDigit(std::string& out, int dig, bool first) {
  char buf[kDecDigits] = {
      static_cast<char>('0' + dig / 1000), static_cast<char>('0' + dig / 100 % 10),
      static_cast<char>('0' + dig / 10 % 10), static_cast<char>('0' + dig % 10)};
  int from = 0;
  if (first)
    while (from < kDecDigits - 1 && buf[from] == '0') ++from;
  out.append(buf + from, kDecDigits - from);
}

// The text numeric_out gives for d (get_str_from_var).
std::string Text(const Digits& d) {
  if (d.special) return d.special;
  std::string out;
  if (d.negative) out += '-';
  int i;
  if (d.weight < 0) {
    i = d.weight + 1;
    out += '0';
  } else {
    for (i = 0; i <= d.weight; ++i) AppendDigit(out, i < d.ndigits ? d.digit(i) : 0, i == 0);
  }
  if (d.dscale > 0) {
    out += '.';
    size_t end = out.size() + d.dscale;
    for (int k = 0; k < d.dscale; ++i, k += kDecDigits)
      AppendDigit(out, i >= 0 && i < d.ndigits ? d.digit(i) : 0, false);
    out.resize(end);
  }
  return out;
}

// The start of a document that Root asks the CPU to fetch, a cache line at a time.
constexpr size_t kCacheLine = 64;
constexpr size_t kPrefetchBytes = 1024;
constexpr size_t kPrefetchBelow = 512;

}  // namespace

JsonbView JsonbView::Root(const Jsonb* jb) {
  // The evaluator reads JEntries, then keys, then values, each waiting for its cache
  // line; asking for the lines of a small document at once overlaps those misses.
  const char* bytes = reinterpret_cast<const char*>(jb);
  const size_t prefetch = std::min<size_t>(VARSIZE(jb), kPrefetchBytes);
  // (Unrolled: PGXS compiles the glue at -O2, which keeps a loop of a few prefetches.)
#pragma GCC unroll 16
  for (size_t off = 0; off < prefetch; off += kCacheLine) __builtin_prefetch(bytes + off);
  // In a scan of a heap page the next row usually lies just below this one (tuples fill
  // a page from its end): asking for those lines now helps the next call, and costs a
  // few instructions when they are something else.
#pragma GCC unroll 8
  for (size_t off = kCacheLine; off <= kPrefetchBelow; off += kCacheLine)
    __builtin_prefetch(bytes - off);
  const JsonbContainer* root = &jb->root;
  // A scalar document is stored as a one-element "raw scalar" array.
  if (JsonContainerIsScalar(root)) return Child(root->children[0], Base(root, 1), 0);
  return {JsonContainerIsObject(root) ? json::Type::kObject : json::Type::kArray,
          reinterpret_cast<const char*>(root), 0};
}

// The numerics number() does not read inline (long format, more than four base-10000
// digits, a power of ten beyond 10^22, or more than 2^53): strtod of their numeric_out
// text, the double nearest to it.
double JsonbView::NumberSlow() const { return std::strtod(Text(Decode(ptr_)).c_str(), nullptr); }

std::string JsonbView::number_text() const { return Text(Decode(ptr_)); }


}  // namespace comply::pg
