// Small hashing helpers shared by the core library.
#pragma once
#include "core/no_postgres.h"

#include <cstdint>

namespace comply {

// murmur3's 64-bit finaliser: spreads every input bit over the whole word (FNV-1a's
// low bits, say, are weak, and buckets are taken from them).
inline uint64_t Fmix64(uint64_t k) {
  k ^= k >> 33;
  k *= 0xff51afd7ed558ccdULL;
  k ^= k >> 33;
  k *= 0xc4ceb9fe1a85ec53ULL;
  k ^= k >> 33;
  return k;
}

}  // namespace comply
