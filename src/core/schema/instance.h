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
#include "core/schema/decimal.h"

namespace comply::schema::internal {

// Tells whether the number v, whose double is d, is an integer: by its double, then by
// its decimals (4503599627370496.5 and 1.0000000000000001 read as integral doubles).
template <typename V>
inline bool IsIntegral(const V& v, double d) {
  return IsInteger(d) && v.integral();
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
  // By doubles (a divisor of more than 19 significant digits): inexact. A quotient of 0
  // from a number that is not 0 is no multiple: it underflowed (1e-300 / 1e300), or the
  // divisor is beyond the doubles' range (0.5 / inf), and a multiple of a divisor larger
  // than the number is 0 itself.
  const double x = v.number();
  const double q = x / div_num;
  if (!std::isfinite(q)) return false;
  if (q == 0) return x == 0;
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
