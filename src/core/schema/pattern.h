// The regular expressions of "pattern" and "patternProperties": RE2, with a fast path for
// fixed-shape patterns such as "^[0-9]{5}$" or "^\\d{4}-\\d{2}-\\d{2}$" (zip codes,
// dates, identifiers), for which RE2's per-call overhead is most of the cost: an anchored
// sequence of ASCII characters and classes, each repeated a fixed number of times, except
// at most one repeated a variable number of times. Such a pattern matches exactly the
// strings whose bytes fall, in order, into its runs, so it is checked byte by byte with
// the same answers as RE2 (test/unit/pattern_test.cpp compares them). Other simple
// patterns (ASCII classes, groups, alternation, repetition: pattern_dfa.h) run on a small
// DFA of their own; the rest on RE2. A fixed-shape pattern of a fixed length up to 16
// whose every position is one range of ASCII bytes ("^[0-9]{5}$", "^[0-9]{4}-[0-9]{2}-
// [0-9]{2}$") is checked first of all, with no loop and no table: its bytes as two
// words, compared with the ranges eight bytes at a time (MatchesFixed).
#pragma once
#include "core/no_postgres.h"

#include <re2/re2.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/schema/pattern_dfa.h"

namespace comply::schema::internal {

class Pattern {
 public:
  // Compiles a pattern written in RE2 syntax (TranslatePattern's output).
  explicit Pattern(const std::string& re2_pattern);

  // Whether RE2 accepted the pattern, and why not.
  bool ok() const { return re_.ok(); }
  const std::string& error() const { return re_.error(); }
  const std::string& error_arg() const { return re_.error_arg(); }
  // Whether the pattern has the fixed shape (checked by its runs, unless it has a DFA).
  bool fixed_shape() const { return fixed_shape_; }
  // Whether the pattern runs on its own DFA.
  bool uses_dfa() const { return dfa_ != nullptr; }
  // The DFA, if uses_dfa() (Matches calls it when the pattern does not uses_fixed()).
  const ByteDfa* dfa() const { return dfa_.get(); }
  // Whether the pattern is checked by MatchesFixed.
  bool uses_fixed() const { return fixed_.length != 0; }

  // Bytes of memory the compiled pattern holds: its own, its runs', its DFA's (up to
  // 128 kB) and an estimate of RE2's (its program: measured at 8 to 30 bytes an
  // instruction, about 1 kB for the smallest pattern; a bounded repetition such as
  // x{1,1000} is that many copies). What RE2's lazy DFA caches while matching is not
  // counted (RE2 bounds it by its max_mem, 8 MB).
  size_t MemoryBytes() const {
    constexpr size_t kRe2Base = 2048, kRe2PerInstruction = 16;
    const int program = re_.ok() ? re_.ProgramSize() : 0;
    return sizeof(Pattern) + runs_.capacity() * sizeof(Run) + (dfa_ ? dfa_->MemoryBytes() : 0) +
           kRe2Base + kRe2PerInstruction * static_cast<size_t>(program > 0 ? program : 0);
  }

  // Matches s against the runs of a fixed-shape pattern (what Matches does when the
  // pattern has no DFA; public for tests).
  bool MatchesRuns(std::string_view s) const;

  // Checks s against the ranges of a pattern that uses_fixed() (what Matches does then;
  // public for tests). The length first; then, with H the high bit of each byte, a
  // byte b of a word is in [lo, hi] (both below 0x80) when b < 0x80, (b | H) - lo keeps
  // H (b >= lo) and (hi | H) - b keeps H (b <= hi); no byte borrows from the next.
  __attribute__((always_inline)) bool MatchesFixed(std::string_view s) const {
    constexpr uint64_t kHigh = 0x8080808080808080ull;
    if (s.size() != fixed_.length) return false;
    uint64_t w[2];
    FixedWords(s.data(), s.size(), w);
    uint64_t bad = 0;
    for (int k = 0; k < 2; ++k)
      bad |= w[k] | ~((w[k] | kHigh) - fixed_.lo[k]) | ~((fixed_.hi[k] | kHigh) - w[k]);
    return (bad & kHigh) == 0;
  }

  // The bytes of a string of length n (1 to 16) as MatchesFixed compares them: little-
  // endian words of bytes [0, 8) and [n - 8, n) from 8 bytes on; of [0, 4) and
  // [n - 4, n) from 4 bytes on; of bytes 0, n / 2 and n - 1 below; zeros elsewhere.
  // Never reads past the string.
  __attribute__((always_inline)) static void FixedWords(const char* p, size_t n, uint64_t w[2]) {
    if (n >= 8) {
      std::memcpy(&w[0], p, 8);
      std::memcpy(&w[1], p + n - 8, 8);
    } else if (n >= 4) {
      uint32_t a, b;
      std::memcpy(&a, p, 4);
      std::memcpy(&b, p + n - 4, 4);
      w[0] = uint64_t{a} | uint64_t{b} << 32;
      w[1] = 0;
    } else {
      auto byte = [p](size_t i) -> uint64_t { return static_cast<unsigned char>(p[i]); };
      w[0] = byte(0) | byte(n >> 1) << 8 | byte(n - 1) << 16;
      w[1] = 0;
    }
  }

  // Tells whether s matches anywhere (JSON Schema patterns are not anchored implicitly).
  // (Hidden, as the fast evaluator is, fast.h: called directly, not through a PLT.)
  __attribute__((visibility("hidden"))) bool Matches(std::string_view s) const {
    if (fixed_.length != 0) return MatchesFixed(s);
    if (dfa_) return dfa_->Matches(s);
    if (fixed_shape_) return MatchesRuns(s);
    re2::StringPiece text(s.data(), s.size());
    return re_.Match(text, 0, text.size(), RE2::UNANCHORED, nullptr, 0);
  }

 private:
  // A set of ASCII bytes repeated min to max times.
  struct Run {
    uint64_t bits[2] = {0, 0};
    size_t min = 1;
    size_t max = 1;
    bool Has(unsigned char c) const { return c < 128 && ((bits[c >> 6] >> (c & 63)) & 1); }
    void Add(unsigned char c) { bits[c >> 6] |= uint64_t{1} << (c & 63); }
  };

  // The ranges of a pattern that uses_fixed(): byte k of word j of FixedWords must lie
  // in [byte k of lo[j], byte k of hi[j]].
  struct Fixed {
    uint32_t length = 0;  // 0: not such a pattern
    uint64_t lo[2] = {0, 0};
    uint64_t hi[2] = {0, 0};
  };

  // Reads the pattern as runs; false if it is not of the fixed shape.
  bool ParseRuns(std::string_view p);
  // Fills fixed_ from the runs, if the pattern has a fixed length up to 16 and every
  // run is one range of bytes.
  void BuildFixed();

  // What Matches reads first, ahead of RE2's large object.
  Fixed fixed_;
  bool fixed_shape_ = false;
  int variable_ = -1;        // the run with min != max, if any
  size_t fixed_length_ = 0;  // sum of the runs' min
  std::vector<Run> runs_;
  std::unique_ptr<ByteDfa> dfa_;
  RE2 re_;
};

}  // namespace comply::schema::internal
