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

#include "core/cancel.h"
#include "core/hash.h"
#include "core/json.h"
#include "core/schema/compiled.h"
#include "core/schema/decimal.h"
#include "core/schema/view.h"

namespace comply::schema::internal {

// Tells whether the number v, whose double is d, is an integer: by its double, then by
// its decimals (4503599627370496.5 and 1.0000000000000001 read as integral doubles).
template <typename V>
inline __attribute__((always_inline)) bool IsIntegral(const V& v, double d) {
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

// The work of comparing and hashing instance values (enum, const, uniqueItems), counted
// against the steps of the evaluation that does it: one step per value visited, so that
// a keyword whose cost grows with its operand or with the instance (a 100,000-value enum,
// uniqueItems on 40,000 items) is bounded by kMaxSteps like any other work, and polls
// for cancellation as the evaluators do, whenever the count crosses a multiple of 4096.
// The functions below only count; their callers stop once over() tells the limit is
// passed (each call's own work is bounded by the size of the values it reads).
struct Work {
  size_t& steps;
  const CancelCheck* cancel;

  // Counts n steps, polling for cancellation when the count crosses a multiple of 4096.
  void Charge(size_t n = 1) {
    const size_t before = steps;
    steps += n;
    if (((before ^ steps) >> 12) != 0 && cancel) PollCancel(*cancel);
  }
  // Tells whether the evaluation has passed kMaxSteps.
  bool over() const { return steps > kMaxSteps; }
};

// Compares two JSON numbers, of the same double, exactly by their decimals, which may
// differ beyond a double's 17 digits or its range (1e309 and 1e310 both read as
// infinity).
template <typename A, typename B>
bool SameNumber(const A& a, const B& b) {
  if (a.number() != b.number()) return false;
  const NormalDecimal p = Normalize(a.number_text()), q = Normalize(b.number_text());
  if (!p.ok || !q.ok) return true;
  return CompareNormal(p, q) == 0;
}

// Compares two JSON values, possibly of different representations, for equality
// (numbers by value: 1 == 1.0), charging w a step per pair of values compared. It walks
// the two values with a stack of its own, not by recursion: an instance may be nested
// as deep as PostgreSQL's max_stack_depth let it be parsed, possibly by a session with
// a larger one (tens of thousands of levels), deeper than this function's frames would
// fit in the stack left.
template <typename A, typename B>
bool Equal(const A& a, const B& b, Work& w) {
  struct ArrayPair {
    typename A::Items x;
    typename B::Items y;
  };
  // An object's members are those of b's, each looked up in a: a is the instance's view,
  // which finds a key by binary search where it is jsonb, and b a schema's value (const,
  // enum), whose json::Value finds one by a linear search (each member of a 5,000-member
  // const looked up in it made 2,000 items take minutes).
  struct ObjectPair {
    typename B::Members y;
    A other;
  };
  std::vector<ArrayPair> arrays;
  std::vector<ObjectPair> objects;
  std::vector<char> open;  // the containers being compared, innermost last: 1 for objects
  A x = a;
  B y = b;
  for (;;) {
    w.Charge();
    const json::Type t = x.type();
    if (t != y.type()) return false;
    switch (t) {
      case json::Type::kNull:
        break;
      case json::Type::kBool:
        if (x.boolean() != y.boolean()) return false;
        break;
      case json::Type::kNumber:
        if (!SameNumber(x, y)) return false;
        break;
      case json::Type::kString:
        if (x.string() != y.string()) return false;
        break;
      case json::Type::kArray:
        if (x.size() != y.size()) return false;
        if (x.size() != 0) {
          arrays.push_back({x.items(), y.items()});
          open.push_back(0);
        }
        break;
      case json::Type::kObject:
        if (x.size() != y.size()) return false;
        if (x.size() != 0) {
          objects.push_back({y.members(), x});
          open.push_back(1);
        }
        break;
    }
    // The next pair: the next item or member of the innermost container not done.
    for (;;) {
      if (open.empty()) return true;
      if (open.back() == 0) {
        ArrayPair& p = arrays.back();
        if (p.x.done()) {
          arrays.pop_back();
          open.pop_back();
          continue;
        }
        x = p.x.value();
        y = p.y.value();
        p.x.next();
        p.y.next();
      } else {
        ObjectPair& p = objects.back();
        if (p.y.done()) {
          objects.pop_back();
          open.pop_back();
          continue;
        }
        if (!p.other.Find(p.y.key(), &x)) return false;
        y = p.y.value();
        p.y.next();
      }
      break;
    }
  }
}

// A hash of a JSON string.
inline uint64_t HashString(std::string_view s) {
  return Fmix64(std::hash<std::string_view>()(s) ^ 0x510e527fade682d1ULL);
}

// A hash of a JSON number consistent with SameNumber: by its value's decimals (1, 1.0
// and 10e-1 alike, -0 as 0), not its double, so that numbers of one double but
// different decimals (20-digit integers) hash apart; by its double when its text is not
// a JSON number (which SameNumber then compares by its double).
template <typename V>
uint64_t HashNumber(const V& v) {
  const NormalDecimal n = Normalize(v.number_text());
  if (!n.ok) {
    double d = v.number();
    if (d == 0) d = 0;  // -0 == 0
    uint64_t bits;
    static_assert(sizeof bits == sizeof d);
    std::memcpy(&bits, &d, sizeof bits);
    return Fmix64(bits ^ 0xa54ff53a5f1d36f1ULL);
  }
  uint64_t h = std::hash<std::string_view>()(n.digits);
  h ^= static_cast<uint64_t>(n.exponent) * 0x9e3779b97f4a7c15ULL;
  return Fmix64(h ^ (n.negative ? 0x2545f4914f6cdd1dULL : 0xa54ff53a5f1d36f1ULL));
}

// A hash of a JSON value consistent with Equal: equal values hash alike (numbers by
// value, -0 as 0; an object's members in any order). Charges w a step per value, and
// walks v with a stack of its own, as Equal does.
template <typename V>
uint64_t HashValue(const V& v, Work& w) {
  struct ArrayHash {
    typename V::Items it;
    uint64_t h;
  };
  struct ObjectHash {
    typename V::Members it;
    uint64_t h;
    uint64_t key;  // of the member being hashed
  };
  std::vector<ArrayHash> arrays;
  std::vector<ObjectHash> objects;
  std::vector<char> open;  // the containers being hashed, innermost last: 1 for objects
  V x = v;
  for (;;) {
    w.Charge();
    uint64_t h;
    bool done = true;  // x's hash is h
    switch (x.type()) {
      case json::Type::kNull:
        h = 0x6a09e667f3bcc908ULL;
        break;
      case json::Type::kBool:
        h = x.boolean() ? 0xbb67ae8584caa73bULL : 0x3c6ef372fe94f82bULL;
        break;
      case json::Type::kNumber:
        h = HashNumber(x);
        break;
      case json::Type::kString:
        h = HashString(x.string());
        break;
      case json::Type::kArray:
        arrays.push_back({x.items(), 0x9b05688c2b3e6c1fULL});
        open.push_back(0);
        done = false;
        break;
      case json::Type::kObject:
        // A sum: the members' order does not count.
        objects.push_back({x.members(), 0x1f83d9abfb41bd6bULL, 0});
        open.push_back(1);
        done = false;
        break;
      default:
        h = 0;
        break;
    }
    // Adds finished hashes into their containers until one has a value left to hash.
    for (;;) {
      if (done) {
        if (open.empty()) return h;
        if (open.back() == 0)
          arrays.back().h = Fmix64(arrays.back().h ^ h);
        else
          objects.back().h += Fmix64(objects.back().key * 31 + h);
        done = false;
      }
      if (open.back() == 0) {
        ArrayHash& a = arrays.back();
        if (a.it.done()) {
          h = a.h;
          arrays.pop_back();
          open.pop_back();
          done = true;
          continue;
        }
        x = a.it.value();
        a.it.next();
      } else {
        ObjectHash& o = objects.back();
        if (o.it.done()) {
          h = o.h;
          objects.pop_back();
          open.pop_back();
          done = true;
          continue;
        }
        o.key = std::hash<std::string_view>()(o.it.key());
        x = o.it.value();
        o.it.next();
      }
      break;
    }
  }
}

// The answer of a membership or uniqueness test that counts its work: kStop when the
// evaluation passed kMaxSteps before it could tell.
enum class Found : uint8_t { kNo, kYes, kStop };

// Tells whether the items of the array v are unique (uniqueItems). Pairwise for a
// short array; for a longer one, only the items whose hashes are equal are compared, so
// that a long array costs n log n, not n squared (80,000 items took a minute). kYes:
// unique, kNo: not; every comparison and hash is charged to w.
template <typename V>
Found ItemsUnique(const V& v, Work& w) {
  constexpr size_t kPairwise = 16;
  const size_t n = v.size();
  if (n < 2) return Found::kYes;
  if (n <= kPairwise) {
    for (auto i = v.items(); !i.done(); i.next()) {
      auto j = i;
      for (j.next(); !j.done(); j.next()) {
        const bool same = Equal(i.value(), j.value(), w);
        if (w.over()) return Found::kStop;
        if (same) return Found::kNo;
      }
    }
    return Found::kYes;
  }
  std::vector<decltype(v.items().value())> items;
  std::vector<std::pair<uint64_t, uint32_t>> hashes;
  items.reserve(n);
  hashes.reserve(n);
  for (auto it = v.items(); !it.done(); it.next()) {
    hashes.emplace_back(HashValue(it.value(), w), static_cast<uint32_t>(items.size()));
    if (w.over()) return Found::kStop;
    items.push_back(it.value());
  }
  std::sort(hashes.begin(), hashes.end());
  for (size_t a = 0; a < hashes.size();) {
    size_t b = a + 1;
    while (b < hashes.size() && hashes[b].first == hashes[a].first) ++b;
    for (size_t x = a; x < b; ++x) {
      for (size_t y = x + 1; y < b; ++y) {
        const bool same = Equal(items[hashes[x].second], items[hashes[y].second], w);
        if (w.over()) return Found::kStop;
        if (same) return Found::kNo;
      }
    }
    a = b;
  }
  return Found::kYes;
}

// The smallest enum that is looked up by the hashes of its values (EnumIndex) rather
// than compared with each of them.
inline constexpr size_t kHashedEnum = 16;

// The hashes of an enum's values (HashValue), sorted, each with its value's index.
using EnumIndex = decltype(Keyword::value_index);

// The index of values, or nothing if there are fewer than kHashedEnum of them; cancel,
// if given, is polled every 4,096 values (an enum of millions takes seconds).
inline EnumIndex IndexEnum(const std::vector<json::Value>& values, const CancelCheck* cancel = nullptr) {
  EnumIndex index;
  if (values.size() < kHashedEnum) return index;
  size_t steps = 0;  // not an evaluation's: the values are the schema's
  Work w{steps, nullptr};
  index.reserve(values.size());
  for (size_t i = 0; i < values.size(); ++i) {
    if (cancel && (i & 4095) == 4095) PollCancel(*cancel);
    index.emplace_back(HashValue(ValueView(values[i]), w), static_cast<uint32_t>(i));
  }
  std::sort(index.begin(), index.end());
  return index;
}

// Tells whether v equals one of values (enum; const is an enum of one value), whose
// index is index (IndexEnum): by its hash, then compared with the values of that hash
// only; with each value in turn for a small enum.
template <typename V>
Found InEnum(const V& v, const std::vector<json::Value>& values, const EnumIndex& index,
             Work& w) {
  if (index.empty()) {
    for (const json::Value& e : values) {
      const bool same = Equal(v, ValueView(e), w);
      if (w.over()) return Found::kStop;
      if (same) return Found::kYes;
    }
    return Found::kNo;
  }
  const uint64_t h = HashValue(v, w);
  if (w.over()) return Found::kStop;
  auto it = std::lower_bound(index.begin(), index.end(), std::make_pair(h, uint32_t{0}));
  for (; it != index.end() && it->first == h; ++it) {
    const bool same = Equal(v, ValueView(values[it->second]), w);
    if (w.over()) return Found::kStop;
    if (same) return Found::kYes;
  }
  return Found::kNo;
}

}  // namespace comply::schema::internal
