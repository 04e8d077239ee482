// Helpers shared by the fuzz targets (header only: CMake builds each *_fuzz.cpp alone).
#pragma once

#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace comply::fuzz {

// Reports a broken invariant and aborts, so libFuzzer saves the input as a crash.
[[noreturn]] inline void Die(const char* what) {
  std::fprintf(stderr, "fuzz invariant violated: %s\n", what);
  std::abort();
}

// Length of the well-formed UTF-8 sequence at s[i] (Unicode table 3-7), 0 if none.
// Written independently of the core's validator so the two check each other.
inline size_t Utf8SequenceLength(std::string_view s, size_t i) {
  auto at = [&](size_t k) -> unsigned {
    return i + k < s.size() ? static_cast<unsigned char>(s[i + k]) : 0x100u;
  };
  auto cont = [](unsigned b) { return (b & 0xC0u) == 0x80u; };
  unsigned b0 = at(0);
  if (b0 < 0x80) return 1;
  if (b0 < 0xC2) return 0;
  if (b0 < 0xE0) return cont(at(1)) ? 2 : 0;
  if (b0 < 0xF0) {
    unsigned b1 = at(1);
    if (!cont(b1) || !cont(at(2))) return 0;
    if (b0 == 0xE0 && b1 < 0xA0) return 0;   // overlong
    if (b0 == 0xED && b1 >= 0xA0) return 0;  // surrogate
    return 3;
  }
  if (b0 < 0xF5) {
    unsigned b1 = at(1);
    if (!cont(b1) || !cont(at(2)) || !cont(at(3))) return 0;
    if (b0 == 0xF0 && b1 < 0x90) return 0;   // overlong
    if (b0 == 0xF4 && b1 >= 0x90) return 0;  // past U+10FFFF
    return 4;
  }
  return 0;
}

// True if s is entirely well-formed UTF-8.
inline bool IsValidUtf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    size_t len = Utf8SequenceLength(s, i);
    if (len == 0) return false;
    i += len;
  }
  return true;
}

// True if byte offset pos in s is not inside a multi-byte character.
inline bool IsCharBoundary(std::string_view s, size_t pos) {
  return pos >= s.size() || (static_cast<unsigned char>(s[pos]) & 0xC0u) != 0x80u;
}

}  // namespace comply::fuzz
