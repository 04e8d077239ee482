// A small byte-level DFA for the simple regular expressions schemas use (e-mail
// addresses, identifiers, codes), so that they are checked without RE2's per-call
// overhead. Only a subset of RE2 syntax is compiled: ASCII literals and escaped
// punctuation, classes of ASCII characters and ranges (not negated), \d and \w,
// groups ((...) and (?:...)), alternation, the quantifiers ?, *, + and {n}, {n,},
// {n,m} (greedy or lazy), "^" as the pattern's first character and "$" as its last.
// Anything else (".", negated classes, non-ASCII characters, other escapes, flags,
// assertions) is left to RE2: Build returns nullptr.
//
// Within the subset every accepted string is made of ASCII bytes, so the answer does
// not depend on how RE2 decodes UTF-8, and whether a pattern matches somewhere in a
// string does not depend on greediness: the DFA gives RE2's answer
// (test/unit/pattern_test.cpp compares them on generated patterns and strings).
#pragma once
#include "core/no_postgres.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>
#include <utility>
#include <vector>

namespace comply::schema::internal {

// Tells whether c stands for itself outside a class in RE2 syntax.
inline bool IsPlain(char c) {
  if (c < 0x20 || c > 0x7e) return false;
  switch (c) {
    case '\\':
    case '.':
    case '^':
    case '$':
    case '|':
    case '?':
    case '*':
    case '+':
    case '(':
    case ')':
    case '[':
    case ']':
    case '{':
    case '}':
      return false;
    default:
      return true;
  }
}

// Tells whether "\c" is the character c itself in RE2 syntax (escaped punctuation).
inline bool IsEscapedLiteral(char c) {
  return c > 0x20 && c < 0x7f && !(c >= '0' && c <= '9') && !(c >= 'a' && c <= 'z') &&
         !(c >= 'A' && c <= 'Z') && c != '_';
}

class ByteDfa {
 public:
  // Compiles a pattern in RE2 syntax, or returns nullptr if it is outside the subset
  // or its automaton would be too large.
  static std::unique_ptr<ByteDfa> Build(std::string_view re2_pattern);

  // Tells whether s matches anywhere (anchors as written). Two bytes a step through a
  // table of pairs of byte classes, so that the chain of dependent lookups is half as
  // long, and no branch on the bytes: the dead state and, unanchored at the end, the
  // accepting states keep themselves, so the state after the last byte answers (the
  // dead state is looked for every 64 bytes, to stop early on long strings).
  __attribute__((visibility("hidden"))) bool Matches(std::string_view s) const {
    const auto* p = reinterpret_cast<const unsigned char*>(s.data());
    size_t n = s.size();
    const uint16_t* const next = next_.data();
    size_t state = start_;  // as wide as a pointer: no zero extension in the chain
    while (n >= 2) {
      const size_t block = n < kBlock ? n / 2 : kBlock / 2;
      for (size_t k = 0; k < block; ++k, p += 2) {
        size_t pair = (size_t{class_of_[p[0]]} << bits_) + class_of_[p[1]];
        // The pair's entry, summed apart from the state (left to itself, the compiler
        // adds the state to one class, then the other): one add and one load in the
        // chain from one state to the next.
        __asm__("" : "+r"(pair));
        state = next[state + pair];
      }
      n -= 2 * block;
      if (state == kDead) return false;
    }
    if (n) state = next[state + (size_t{class_of_[p[0]]} << bits_) + pad_];
    return accepting_[state >> shift_];
  }

  // Number of states, the dead state included, for tests.
  size_t states() const { return accepting_.size(); }

  // Bytes of memory the DFA holds (its tables: up to 128 kB).
  size_t MemoryBytes() const {
    return sizeof(ByteDfa) + next_.capacity() * sizeof(uint16_t) + accepting_.capacity();
  }

 private:
  // States are numbered by their offset in next_ (index << shift_); 0 is the dead one.
  static constexpr uint32_t kDead = 0;
  static constexpr size_t kBlock = 64;

  uint32_t start_ = 0;
  uint32_t bits_ = 0;   // log2 of the classes, the pad class included, rounded up
  uint32_t shift_ = 0;  // 2 * bits_: log2 of the entries a state
  uint32_t pad_ = 0;    // the class of "no byte", which keeps every state
  uint8_t class_of_[256] = {};
  std::vector<uint16_t> next_;  // [state + (class of first byte << bits_) + class of second]
  std::vector<char> accepting_;  // [state >> shift_]
};

}  // namespace comply::schema::internal
