// A small deterministic random generator (splitmix64) for seeded shuffles, training
// splits and generated benchmark data: fully specified, so the same seed gives the same
// sequence on every platform (std:: distributions are not portable).
#pragma once
#include "core/no_postgres.h"

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace comply {

class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  // Uniform in [lo, hi] (the modulo bias, under (hi - lo) / 2^64, does not matter here).
  int Range(int lo, int hi) { return lo + static_cast<int>(Next() % uint64_t(hi - lo + 1)); }
  // True with probability p (to 1/1000).
  bool Chance(double p) { return static_cast<double>(Next() % 1000) < p * 1000; }
  template <typename T, size_t N>
  const T& Pick(const T (&items)[N]) {
    return items[Next() % N];
  }
  // Fisher-Yates shuffle.
  template <typename T>
  void Shuffle(std::vector<T>& v) {
    for (size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[Next() % i]);
  }

 private:
  uint64_t state_;
};

}  // namespace comply
