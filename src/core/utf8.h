// UTF-8 decoding shared by the core library's text scanners.
#pragma once
#include "core/no_postgres.h"

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace comply {

// The code point of the UTF-8 sequence of two to four bytes at text[i], with *len its
// length; 0 when there is none there (an ASCII byte, a stray or truncated sequence, an
// overlong form, a surrogate, a code point past U+10FFFF: what PostgreSQL refuses, so
// that no scanner reads "\xE0\x99\xA0", U+0660 written in three bytes, as a digit).
inline uint32_t MultiByteAt(std::string_view text, size_t i, size_t* len) {
  const size_t n = text.size() - i;
  const auto b = [&](size_t k) { return static_cast<unsigned char>(text[i + k]); };
  const auto cont = [&](size_t k) { return k < n && (b(k) & 0xC0) == 0x80; };
  const unsigned b0 = b(0);
  if (b0 >= 0xC2 && b0 <= 0xDF && cont(1)) {
    *len = 2;
    return (b0 & 0x1Fu) << 6 | (b(1) & 0x3Fu);
  }
  if (b0 >= 0xE0 && b0 <= 0xEF && cont(1) && cont(2) && (b0 != 0xE0 || b(1) >= 0xA0) &&
      (b0 != 0xED || b(1) <= 0x9F)) {
    *len = 3;
    return (b0 & 0x0Fu) << 12 | (b(1) & 0x3Fu) << 6 | (b(2) & 0x3Fu);
  }
  if (b0 >= 0xF0 && b0 <= 0xF4 && cont(1) && cont(2) && cont(3) && (b0 != 0xF0 || b(1) >= 0x90) &&
      (b0 != 0xF4 || b(1) <= 0x8F)) {
    *len = 4;
    return (b0 & 0x07u) << 18 | (b(1) & 0x3Fu) << 12 | (b(2) & 0x3Fu) << 6 | (b(3) & 0x3Fu);
  }
  return 0;
}

}  // namespace comply
