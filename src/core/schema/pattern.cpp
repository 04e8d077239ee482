// Patterns: RE2, and the byte-by-byte check of fixed-shape ones (pattern.h).
#include "core/schema/pattern.h"

#include <limits>

namespace comply::schema::internal {
namespace {

// The repetition bound beyond which the fast path is not worth its checks (RE2's own
// limit is 1000).
constexpr size_t kMaxCount = 1000;

// RE2's options for schema patterns: errors are reported by the compiler, not logged.
RE2::Options PatternOptions() {
  RE2::Options options;
  options.set_log_errors(false);
  return options;
}

// Reads a decimal count at p[i], advancing i; false if none or too big.
bool ReadCount(std::string_view p, size_t& i, size_t* out) {
  size_t start = i, n = 0;
  while (i < p.size() && p[i] >= '0' && p[i] <= '9') {
    n = n * 10 + (p[i] - '0');
    if (n > kMaxCount) return false;
    ++i;
  }
  *out = n;
  return i > start;
}

}  // namespace

Pattern::Pattern(const std::string& re2_pattern) : re_(re2_pattern, PatternOptions()) {
  if (re_.ok()) fixed_shape_ = ParseRuns(re2_pattern);
  if (!fixed_shape_) runs_.clear();
  // The DFA also for fixed shapes, where it is built: its loop has no branch on the
  // bytes, which matters more than the runs' early test of the length once the caches
  // and branch predictors have been taken over by an INSERT's other work.
  if (re_.ok()) dfa_ = ByteDfa::Build(re2_pattern);
  if (fixed_shape_) BuildFixed();
}

void Pattern::BuildFixed() {
  constexpr size_t kMaxFixed = 16;
  if (variable_ >= 0 || fixed_length_ == 0 || fixed_length_ > kMaxFixed) return;
  // Each position's range.
  unsigned char lo[kMaxFixed], hi[kMaxFixed];
  size_t pos = 0;
  for (const Run& run : runs_) {
    int first = -1, last = -1;
    for (int b = 0; b < 128; ++b) {
      if (!run.Has(static_cast<unsigned char>(b))) continue;
      if (first < 0) first = b;
      last = b;
    }
    if (first < 0) return;
    for (int b = first; b <= last; ++b)
      if (!run.Has(static_cast<unsigned char>(b))) return;  // not one range
    for (size_t k = 0; k < run.min; ++k, ++pos) {
      lo[pos] = static_cast<unsigned char>(first);
      hi[pos] = static_cast<unsigned char>(last);
    }
  }
  // Where FixedWords puts each position: byte k of word j holds position at[j][k], or
  // none (-1: a zero byte, which [0, 0x7f] allows).
  const size_t n = fixed_length_;
  int at[2][8];
  for (auto& word : at)
    for (int& k : word) k = -1;
  if (n >= 8) {
    for (int k = 0; k < 8; ++k) {
      at[0][k] = k;
      at[1][k] = static_cast<int>(n - 8) + k;
    }
  } else if (n >= 4) {
    for (int k = 0; k < 4; ++k) {
      at[0][k] = k;
      at[0][4 + k] = static_cast<int>(n - 4) + k;
    }
  } else {
    at[0][0] = 0;
    at[0][1] = static_cast<int>(n >> 1);
    at[0][2] = static_cast<int>(n - 1);
  }
  Fixed f;
  f.length = static_cast<uint32_t>(n);
  for (int j = 0; j < 2; ++j) {
    for (int k = 0; k < 8; ++k) {
      const uint64_t l = at[j][k] < 0 ? 0 : lo[at[j][k]];
      const uint64_t h = at[j][k] < 0 ? 0x7f : hi[at[j][k]];
      f.lo[j] |= l << (8 * k);
      f.hi[j] |= h << (8 * k);
    }
  }
  fixed_ = f;
}

bool Pattern::ParseRuns(std::string_view p) {
  // "^" ... "$", the "$" not escaped.
  if (p.size() < 2 || p.front() != '^' || p.back() != '$') return false;
  size_t end = p.size() - 1;
  size_t slashes = 0;
  for (size_t k = end; k > 0 && p[k - 1] == '\\'; --k) ++slashes;
  if (slashes % 2) return false;
  size_t i = 1;
  while (i < end) {
    Run run;
    char c = p[i];
    if (c == '[') {
      ++i;
      if (i >= end || p[i] == '^' || p[i] == ']') return false;
      bool any = false;
      while (i < end && p[i] != ']') {
        char lo = p[i];
        if (lo == '\\') {
          if (i + 1 >= end || !IsEscapedLiteral(p[i + 1])) return false;
          lo = p[i + 1];
          i += 2;
        } else {
          if (lo < 0x20 || lo > 0x7e || lo == '[') return false;
          ++i;
        }
        char hi = lo;
        if (i + 1 < end && p[i] == '-' && p[i + 1] != ']') {
          hi = p[i + 1];
          if (hi == '\\' || hi == '[' || hi < 0x20 || hi > 0x7e || hi < lo) return false;
          i += 2;
        }
        for (int b = static_cast<unsigned char>(lo); b <= static_cast<unsigned char>(hi); ++b)
          run.Add(static_cast<unsigned char>(b));
        any = true;
      }
      if (i >= end || !any) return false;
      ++i;  // ']'
    } else if (c == '\\') {
      if (i + 1 >= end || !IsEscapedLiteral(p[i + 1])) return false;
      run.Add(static_cast<unsigned char>(p[i + 1]));
      i += 2;
    } else if (IsPlain(c)) {
      run.Add(static_cast<unsigned char>(c));
      ++i;
    } else {
      return false;
    }
    // An optional quantifier, greedy only.
    if (i < end) {
      char q = p[i];
      if (q == '?' || q == '*' || q == '+') {
        run.min = q == '+' ? 1 : 0;
        run.max = q == '?' ? 1 : std::numeric_limits<size_t>::max();
        ++i;
      } else if (q == '{') {
        ++i;
        if (!ReadCount(p, i, &run.min)) return false;
        run.max = run.min;
        if (i < end && p[i] == ',') {
          ++i;
          run.max = std::numeric_limits<size_t>::max();
          if (i < end && p[i] != '}' && !ReadCount(p, i, &run.max)) return false;
        }
        if (i >= end || p[i] != '}' || run.max < run.min) return false;
        ++i;
      }
      if (i < end && (p[i] == '?' || p[i] == '*' || p[i] == '+' || p[i] == '{')) return false;
    }
    if (run.min != run.max) {
      if (variable_ >= 0) return false;
      variable_ = static_cast<int>(runs_.size());
    }
    fixed_length_ += run.min;
    if (fixed_length_ > kMaxCount) return false;
    runs_.push_back(run);
  }
  return !runs_.empty();
}

// The length of s fixes how often the variable run repeats; then each byte must fall
// into its run. A byte of a multibyte UTF-8 character falls into no ASCII run, as the
// character does not match an ASCII class in RE2.
__attribute__((hot)) bool Pattern::MatchesRuns(std::string_view s) const {
  const size_t n = s.size();
  size_t extra = 0;
  if (variable_ < 0) {
    if (n != fixed_length_) return false;
  } else {
    if (n < fixed_length_) return false;
    extra = n - fixed_length_;
    const Run& v = runs_[variable_];
    if (extra > v.max - v.min) return false;
  }
  size_t pos = 0;
  for (size_t r = 0; r < runs_.size(); ++r) {
    const Run& run = runs_[r];
    size_t count = run.min + (static_cast<int>(r) == variable_ ? extra : 0);
    for (size_t k = 0; k < count; ++k, ++pos)
      if (!run.Has(static_cast<unsigned char>(s[pos]))) return false;
  }
  return true;
}

}  // namespace comply::schema::internal
