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

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

namespace comply::schema::internal {

class ByteDfa {
 public:
  // Compiles a pattern in RE2 syntax, or returns nullptr if it is outside the subset
  // or its automaton would be too large.
  static std::unique_ptr<ByteDfa> Build(std::string_view re2_pattern);

  // Tells whether s matches anywhere (anchors as written). Most states of such patterns
  // loop on a class of bytes ([A-Za-z0-9._%+'-]+): the inner loop runs through such a
  // run with no dependency from one byte to the next, instead of one table lookup
  // waiting for the previous one.
  bool Matches(std::string_view s) const {
    const auto* p = reinterpret_cast<const unsigned char*>(s.data());
    const auto* const end = p + s.size();
    const uint16_t* const next = next_.data();
    uint32_t state = start_;
    if (!anchored_end_ && accepting_[state >> 8]) return true;
    for (;;) {
      while (p != end && next[state + *p] == state) ++p;
      if (p == end) break;
      state = next[state + *p++];
      if (state == kDead) return false;
      if (!anchored_end_ && accepting_[state >> 8]) return true;
    }
    return accepting_[state >> 8];
  }

  // Number of states, the dead state included, for tests.
  size_t states() const { return accepting_.size(); }

 private:
  // States are numbered by their offset in next_ (index * 256); 0 is the dead state.
  static constexpr uint32_t kDead = 0;
  static constexpr size_t kMaxStates = 255;  // offsets fit in 16 bits

  uint32_t start_ = 0;
  bool anchored_end_ = false;
  std::vector<uint16_t> next_;  // [state + byte]: the next state
  std::vector<char> accepting_;  // [state >> 8]
};

}  // namespace comply::schema::internal
