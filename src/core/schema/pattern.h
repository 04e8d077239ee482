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
  // Whether the pattern has the fixed shape (checked by its runs, unless it has a DFA).
  bool fixed_shape() const { return fixed_shape_; }
  // Whether the pattern runs on its own DFA.
  bool uses_dfa() const { return dfa_ != nullptr; }

  // Matches s against the runs of a fixed-shape pattern (what Matches does when the
  // pattern has no DFA; public for tests).
  bool MatchesRuns(std::string_view s) const;

  // Adds the memory Matches reads (for the fast program's WarmUp).
  void AddWarmRanges(std::vector<std::pair<const void*, size_t>>* out) const {
    out->emplace_back(this, sizeof(bool) + sizeof(int) + sizeof(size_t) + sizeof(runs_) +
                                sizeof(dfa_));
    if (dfa_)
      dfa_->AddWarmRanges(out);
    else if (fixed_shape_)
      out->emplace_back(runs_.data(), runs_.size() * sizeof(Run));
  }

  // Tells whether s matches anywhere (JSON Schema patterns are not anchored implicitly).
  bool Matches(std::string_view s) const {
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

  // Reads the pattern as runs; false if it is not of the fixed shape.
  bool ParseRuns(std::string_view p);

  // What Matches reads first, ahead of RE2's large object.
  bool fixed_shape_ = false;
  int variable_ = -1;        // the run with min != max, if any
  size_t fixed_length_ = 0;  // sum of the runs' min
  std::vector<Run> runs_;
  std::unique_ptr<ByteDfa> dfa_;
  RE2 re_;
};

}  // namespace comply::schema::internal
