// Reading instances (views, view.h) as both evaluators do: integers, multipleOf, code
// points, membership and equality across representations.
#pragma once
#include "core/no_postgres.h"

#include <cmath>
#include <cstdint>
#include <string_view>

#include "core/json.h"
#include "core/schema/compiled.h"

namespace comply::schema::internal {

// Tells whether a number has no fractional part (1.0 counts as an integer). Below 2^52
// in magnitude by a round trip through int64 (two conversions, where floor without
// SSE4.1 is a dozen dependent instructions); from 2^52 on every finite double is an
// integer.
inline bool IsInteger(double d) {
  constexpr double kTwoTo52 = 4503599627370496.0;
  if (std::fabs(d) < kTwoTo52) return d == static_cast<double>(static_cast<int64_t>(d));
  return std::isfinite(d);
}

// True if the number v is an integer multiple of divisor; exact for decimals that fit.
template <typename V>
bool IsMultipleOf(const V& v, const Decimal& div, double div_num) {
  const auto& text = v.number_text();
  Decimal d = ParseDecimal(text);
  if (d.ok && div.ok && div.mantissa != 0) {
    if (d.mantissa == 0) return true;
    int64_t e = d.exponent - div.exponent;
    // Mantissas carry no trailing zeros, so a smaller exponent can never divide.
    if (e < 0) return false;
    unsigned __int128 r = d.mantissa % div.mantissa;
    for (int64_t k = 0; k < e && r != 0; ++k) r = (r * 10) % div.mantissa;
    return r == 0;
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
    case json::Type::kNumber:
      return a.number() == b.number();
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

}  // namespace comply::schema::internal
