// The regular expressions of "pattern" and "patternProperties": RE2, with a fast path for
// fixed-shape patterns such as "^[0-9]{5}$" or "^\\d{4}-\\d{2}-\\d{2}$" (zip codes,
// dates, identifiers), for which RE2's per-call overhead is most of the cost: an anchored
// sequence of ASCII characters and classes, each repeated a fixed number of times, except
// at most one repeated a variable number of times. Such a pattern matches exactly the
// strings whose bytes fall, in order, into its runs, so it is checked byte by byte with
// the same answers as RE2 (test/unit/pattern_test.cpp compares them). Other simple
// patterns (ASCII classes, groups, alternation, repetition: pattern_dfa.h) run on a small
// DFA of their own; the rest on RE2.
#pragma once
#include "core/no_postgres.h"

#include <re2/re2.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
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
  // Whether the fast path is used.
  bool fixed_shape() const { return fixed_shape_; }
  // Whether the pattern runs on its own DFA.
  bool uses_dfa() const { return dfa_ != nullptr; }

  // Tells whether s matches anywhere (JSON Schema patterns are not anchored implicitly).
  bool Matches(std::string_view s) const {
    if (fixed_shape_) return MatchesRuns(s);
    if (dfa_) return dfa_->Matches(s);
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

  // Reads the pattern as runs; false if it is not of the fixed shape.
  bool ParseRuns(std::string_view p);
  // Matches s against the runs.
  bool MatchesRuns(std::string_view s) const;

  RE2 re_;
  bool fixed_shape_ = false;
  std::unique_ptr<ByteDfa> dfa_;
  std::vector<Run> runs_;
  size_t fixed_length_ = 0;  // sum of the runs' min
  int variable_ = -1;        // the run with min != max, if any
};

}  // namespace comply::schema::internal
