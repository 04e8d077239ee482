// A set of short byte strings for the detector's hot lookups (first names, name
// stopwords): open addressing over FNV-1a hashes, the words in one buffer, and a lookup
// that hashes the candidate in place, optionally lower-casing its first byte, so that a
// capitalised word of the text is looked up without a copy or an allocation.
#pragma once
#include "core/no_postgres.h"

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace comply::pii {

class WordSet {
 public:
  WordSet() = default;
  explicit WordSet(const std::vector<std::string_view>& words) { Assign(words); }

  // Replaces the contents with words (duplicates are kept once).
  void Assign(const std::vector<std::string_view>& words) {
    size_t capacity = 16;
    while (capacity < words.size() * 2) capacity <<= 1;
    slots_.assign(capacity, Slot{});
    text_.clear();
    size_ = 0;
    for (std::string_view w : words) {
      if (w.size() > UINT16_MAX || Contains(w)) continue;
      uint64_t h = Hash(w, false);
      size_t i = h & (slots_.size() - 1);
      while (slots_[i].len != 0 || slots_[i].used) i = (i + 1) & (slots_.size() - 1);
      slots_[i] = {h, static_cast<uint32_t>(text_.size()), static_cast<uint16_t>(w.size()), true};
      text_.append(w);
      ++size_;
    }
  }

  bool empty() const { return size_ == 0; }
  size_t size() const { return size_; }

  // True if word is in the set; with lower_first, as if its first byte were lower-cased
  // (ASCII 'A'-'Z' only).
  bool Contains(std::string_view word, bool lower_first = false) const {
    if (slots_.empty()) return false;
    uint64_t h = Hash(word, lower_first);
    for (size_t i = h & (slots_.size() - 1);; i = (i + 1) & (slots_.size() - 1)) {
      const Slot& s = slots_[i];
      if (!s.used) return false;
      if (s.hash != h || s.len != word.size()) continue;
      const char* t = text_.data() + s.offset;
      size_t k = 0;
      if (lower_first && !word.empty()) {
        if (t[0] != Lower(word[0])) continue;
        k = 1;
      }
      if (word.compare(k, std::string_view::npos, t + k, s.len - k) == 0) return true;
    }
  }

 private:
  struct Slot {
    uint64_t hash = 0;
    uint32_t offset = 0;
    uint16_t len = 0;
    bool used = false;
  };

  static char Lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c | 0x20) : c; }

  // The first byte (lower-cased with lower_first), then the others eight at a time, the
  // last one to seven in one or two loads that may overlap (a byte at a time, this was
  // most of a lookup), and a final mix: the slot is the hash's low bits.
  static uint64_t Hash(std::string_view w, bool lower_first) {
    constexpr uint64_t kPrime = 1099511628211ull;
    const size_t n = w.size();
    uint64_t h = 1469598103934665603ull ^ n;
    if (n == 0) return h;
    h = (h ^ static_cast<unsigned char>(lower_first ? Lower(w[0]) : w[0])) * kPrime;
    const char* p = w.data() + 1;
    size_t rest = n - 1;
    for (; rest >= 8; p += 8, rest -= 8) h = (h ^ Load<uint64_t>(p)) * kPrime;
    if (rest >= 4) {
      h = (h ^ (Load<uint32_t>(p) | uint64_t{Load<uint32_t>(p + rest - 4)} << 32)) * kPrime;
    } else if (rest > 0) {
      const uint64_t a = static_cast<unsigned char>(p[0]),
                     b = static_cast<unsigned char>(p[rest / 2]),
                     c = static_cast<unsigned char>(p[rest - 1]);
      h = (h ^ (a | b << 8 | c << 16)) * kPrime;
    }
    h ^= h >> 32;
    h *= 0xD6E8FEB86659FD93ull;
    return h ^ h >> 32;
  }
  template <typename T>
  static T Load(const char* p) {
    T v;
    std::memcpy(&v, p, sizeof v);
    return v;
  }
  std::vector<Slot> slots_;
  std::string text_;
  size_t size_ = 0;
};

}  // namespace comply::pii
