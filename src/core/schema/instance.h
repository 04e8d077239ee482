// Reading instances (views, view.h) as both evaluators do: integers, multipleOf, code
// points, membership and equality across representations.
#pragma once
#include "core/no_postgres.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <functional>
#include <string_view>
#include <utility>
#include <vector>

#include "core/hash.h"
#include "core/json.h"
#include "core/schema/compiled.h"

namespace comply::schema::internal {

// Tells whether a number has no fractional part (1.0 counts as an integer). Below 2^52
// in magnitude by a round trip through int64 (two conversions, where floor without
// SSE4.1 is a dozen dependent instructions); from 2^52 on every finite double is an
// integer, and so is a decimal beyond the doubles' range (1e309, read as infinity: a
// fraction there would take over 300 significant digits).
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

// The sign of the number v minus the number written bound (JSON number syntax), for
// when their doubles are equal (read as the same double, or both beyond the doubles'
// range): exactly, by their decimals. Reading a decimal as a double rounds it to the
// nearest, which never reverses an order, so doubles that differ already tell.
template <typename V>
__attribute__((cold, noinline)) int CompareToBound(const V& v, const std::string& bound) {
  const NormalDecimal a = Normalize(v.number_text()), b = Normalize(bound);
  if (!a.ok || !b.ok) return 0;
  return CompareNormal(a, b);
}

// True if the decimal number text (JSON number syntax) is an integer multiple of div
// (whose mantissa is not 0), exactly, whatever the number of its digits: the remainder
// of its significant digits, then of each power of ten its exponent adds, modulo div's
// mantissa. False in *decided when text is not such a number.
inline bool DecimalIsMultipleOf(std::string_view text, const Decimal& div, bool* decided) {
  const NormalDecimal n = Normalize(text);
  *decided = n.ok;
  if (!n.ok) return false;
  if (n.digits.empty()) return true;  // zero
  // Neither the digits nor div's mantissa end in a zero: a negative k never divides.
  const int64_t k = n.exponent - div.exponent;
  if (k < 0) return false;
  const unsigned __int128 m = div.mantissa;
  unsigned __int128 r = 0;
  for (char c : n.digits) r = (r * 10 + static_cast<unsigned>(c - '0')) % m;
  for (int64_t i = 0; i < k && r != 0; ++i) r = (r * 10) % m;
  return r == 0;
}

// True if the number v is an integer multiple of divisor; exact for any number when the
// divisor has at most 19 significant digits.
template <typename V>
bool IsMultipleOf(const V& v, const Decimal& div, double div_num) {
  if (div.ok && div.mantissa != 0) {
    bool decided = false;
    const auto& text = v.number_text();
    const bool multiple = DecimalIsMultipleOf(text, div, &decided);
    if (decided) return multiple;
  }
  double q = v.number() / div_num;
  if (!std::isfinite(q)) return false;
  return q == std::floor(q);
}

// Counts Unicode code points in UTF-8 text.
inline size_t CodePoints(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

// Tells whether the object v has a member named key.
template <typename V>
bool Has(const V& v, std::string_view key) {
  return v.Find(key, nullptr);
}

// Compares two JSON values, possibly of different representations, for equality
// (numbers by value: 1 == 1.0).
template <typename A, typename B>
bool Equal(const A& a, const B& b) {
  json::Type t = a.type();
  if (t != b.type()) return false;
  switch (t) {
    case json::Type::kNull:
      return true;
    case json::Type::kBool:
      return a.boolean() == b.boolean();
    case json::Type::kNumber: {
      const double x = a.number(), y = b.number();
      if (x != y) return false;
      // The same double: exactly by the decimals, which may differ beyond a double's 17
      // digits or its range (1e309 and 1e310 both read as infinity).
      const NormalDecimal p = Normalize(a.number_text()), q = Normalize(b.number_text());
      if (!p.ok || !q.ok) return true;
      return CompareNormal(p, q) == 0;
    }
    case json::Type::kString:
      return a.string() == b.string();
    case json::Type::kArray: {
      if (a.size() != b.size()) return false;
      auto y = b.items();
      for (auto x = a.items(); !x.done(); x.next(), y.next())
        if (!Equal(x.value(), y.value())) return false;
      return true;
    }
    case json::Type::kObject: {
      if (a.size() != b.size()) return false;
      for (auto x = a.members(); !x.done(); x.next()) {
        B o = b;
        if (!b.Find(x.key(), &o) || !Equal(x.value(), o)) return false;
      }
      return true;
    }
  }
  return false;
}

// A hash of a JSON value consistent with Equal: equal values hash alike (numbers by
// value, -0 as 0; an object's members in any order).
template <typename V>
uint64_t HashValue(const V& v) {
  switch (v.type()) {
    case json::Type::kNull:
      return 0x6a09e667f3bcc908ULL;
    case json::Type::kBool:
      return v.boolean() ? 0xbb67ae8584caa73bULL : 0x3c6ef372fe94f82bULL;
    case json::Type::kNumber: {
      double d = v.number();
      if (d == 0) d = 0;  // -0 == 0
      uint64_t bits;
      static_assert(sizeof bits == sizeof d);
      std::memcpy(&bits, &d, sizeof bits);
      return Fmix64(bits ^ 0xa54ff53a5f1d36f1ULL);
    }
    case json::Type::kString:
      return Fmix64(std::hash<std::string_view>()(v.string()) ^ 0x510e527fade682d1ULL);
    case json::Type::kArray: {
      uint64_t h = 0x9b05688c2b3e6c1fULL;
      for (auto x = v.items(); !x.done(); x.next()) h = Fmix64(h ^ HashValue(x.value()));
      return h;
    }
    case json::Type::kObject: {
      uint64_t h = 0x1f83d9abfb41bd6bULL;  // a sum: the members' order does not count
      for (auto x = v.members(); !x.done(); x.next())
        h += Fmix64(std::hash<std::string_view>()(x.key()) * 31 + HashValue(x.value()));
      return h;
    }
  }
  return 0;
}

// Tells whether the items of the array v are unique (uniqueItems). Pairwise for a
// short array; for a longer one, only the items whose hashes are equal are compared, so
// that a long array costs n log n, not n squared (80,000 items took a minute).
template <typename V>
bool ItemsUnique(const V& v) {
  constexpr size_t kPairwise = 16;
  const size_t n = v.size();
  if (n < 2) return true;
  if (n <= kPairwise) {
    for (auto i = v.items(); !i.done(); i.next()) {
      auto j = i;
      for (j.next(); !j.done(); j.next())
        if (Equal(i.value(), j.value())) return false;
    }
    return true;
  }
  std::vector<decltype(v.items().value())> items;
  std::vector<std::pair<uint64_t, uint32_t>> hashes;
  items.reserve(n);
  hashes.reserve(n);
  for (auto it = v.items(); !it.done(); it.next()) {
    hashes.emplace_back(HashValue(it.value()), static_cast<uint32_t>(items.size()));
    items.push_back(it.value());
  }
  std::sort(hashes.begin(), hashes.end());
  for (size_t a = 0; a < hashes.size();) {
    size_t b = a + 1;
    while (b < hashes.size() && hashes[b].first == hashes[a].first) ++b;
    for (size_t x = a; x < b; ++x)
      for (size_t y = x + 1; y < b; ++y)
        if (Equal(items[hashes[x].second], items[hashes[y].second])) return false;
    a = b;
  }
  return true;
}

}  // namespace comply::schema::internal
