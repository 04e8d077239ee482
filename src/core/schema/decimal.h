// Decimal numbers as JSON writes them, read exactly: whether one is an integer, its
// normal form, and comparisons of two, for the evaluators (instance.h) and the views
// (view.h), which read numbers both as doubles and by their decimals.
#pragma once
#include "core/no_postgres.h"

#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>

namespace comply::schema::internal {

// Tells whether a double has no fractional part (1.0 counts as an integer). Below 2^52
// in magnitude by a round trip through int64 (two conversions, where floor without
// SSE4.1 is a dozen dependent instructions); from 2^52 on every finite double is an
// integer, and so is infinity (a decimal beyond the doubles' range, 1e309). The decimal
// a double was read from may still have a fraction the double rounded away: the views'
// integral() tells (IntegralText).
inline bool IsInteger(double d) {
  constexpr double kTwoTo52 = 4503599627370496.0;
  if (std::fabs(d) < kTwoTo52) return d == static_cast<double>(static_cast<int64_t>(d));
  return !std::isnan(d);
}

// A decimal number's value in a normal form: sign, significant digits (no leading or
// trailing zero; empty for zero) and the power of ten of the last of them. ok is false
// when text is not a JSON number.
struct NormalDecimal {
  bool ok = false;
  bool negative = false;
  std::string digits;
  int64_t exponent = 0;
};

inline NormalDecimal Normalize(std::string_view text) {
  NormalDecimal n;
  size_t i = 0;
  if (i < text.size() && (text[i] == '-' || text[i] == '+')) n.negative = text[i++] == '-';
  int64_t exp = 0, pending_zeros = 0;
  bool frac = false;
  for (; i < text.size() && text[i] != 'e' && text[i] != 'E'; ++i) {
    const char c = text[i];
    if (c == '.') {
      frac = true;
      continue;
    }
    if (c < '0' || c > '9') return n;
    if (frac) --exp;
    if (c == '0') {
      if (!n.digits.empty()) ++pending_zeros;
      continue;
    }
    n.digits.append(static_cast<size_t>(pending_zeros), '0');
    pending_zeros = 0;
    n.digits += c;
  }
  int64_t e = 0;
  if (i < text.size()) {
    ++i;
    bool neg = false;
    if (i < text.size() && (text[i] == '+' || text[i] == '-')) neg = text[i++] == '-';
    if (i >= text.size()) return n;
    for (; i < text.size(); ++i) {
      if (text[i] < '0' || text[i] > '9') return n;
      if (e < 1000000) e = e * 10 + (text[i] - '0');
    }
    if (neg) e = -e;
  }
  n.ok = true;
  if (n.digits.empty()) {
    n.negative = false;  // -0 is 0
    return n;
  }
  n.exponent = exp + e + pending_zeros;
  return n;
}

// The sign of a - b, exactly.
inline int CompareNormal(const NormalDecimal& a, const NormalDecimal& b) {
  const int sa = a.digits.empty() ? 0 : (a.negative ? -1 : 1);
  const int sb = b.digits.empty() ? 0 : (b.negative ? -1 : 1);
  if (sa != sb || sa == 0) return sa < sb ? -1 : (sa > sb ? 1 : 0);
  // Same sign, neither zero: the magnitudes, by the place of the first digit, then by
  // the digits (neither ends in a zero, so a prefix is the smaller).
  const int64_t la = a.exponent + static_cast<int64_t>(a.digits.size());
  const int64_t lb = b.exponent + static_cast<int64_t>(b.digits.size());
  int mag = la < lb ? -1 : (la > lb ? 1 : 0);
  if (mag == 0) {
    const int c = a.digits.compare(b.digits);
    mag = c < 0 ? -1 : (c > 0 ? 1 : 0);
  }
  return sa * mag;
}

// Tells whether the JSON number text has no fractional part, exactly (a decimal can
// have one that its double, d, rounds away: 1.0000000000000001); d decides when text is
// not a JSON number.
inline bool IntegralText(std::string_view text, double d) {
  const NormalDecimal n = Normalize(text);
  if (!n.ok) return IsInteger(d);
  return n.digits.empty() || n.exponent >= 0;
}

}  // namespace comply::schema::internal
