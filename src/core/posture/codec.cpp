#include "core/posture/codec.h"

#include <cstdint>
#include <utility>

namespace comply::posture {

namespace {

// Symbol values per alphabet, -1 for bytes that are not symbols.
struct Base64Tables {
  int8_t standard[256];
  int8_t url[256];
  Base64Tables() {
    for (int c = 0; c < 256; ++c) standard[c] = url[c] = -1;
    const char* common = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    for (int i = 0; i < 62; ++i) {
      standard[static_cast<unsigned char>(common[i])] = static_cast<int8_t>(i);
      url[static_cast<unsigned char>(common[i])] = static_cast<int8_t>(i);
    }
    standard[static_cast<unsigned char>('+')] = 62;
    standard[static_cast<unsigned char>('/')] = 63;
    url[static_cast<unsigned char>('-')] = 62;
    url[static_cast<unsigned char>('_')] = 63;
  }
};

const int8_t* Base64Table(Base64Alphabet alphabet) {
  static const Base64Tables tables;
  return alphabet == Base64Alphabet::kStandard ? tables.standard : tables.url;
}

}  // namespace

int Base64Value(unsigned char c, Base64Alphabet alphabet) { return Base64Table(alphabet)[c]; }

std::optional<std::string> DecodeBase64(std::string_view symbols, Base64Alphabet alphabet,
                                        bool allow_cut) {
  size_t padding = 0;
  while (padding < 2 && padding < symbols.size() && symbols[symbols.size() - 1 - padding] == '=') {
    ++padding;
  }
  std::string_view body = symbols.substr(0, symbols.size() - padding);
  if (padding > 0 && symbols.size() % 4 != 0) return std::nullopt;
  size_t rest = body.size() % 4;
  if (rest == 1 || (padding > 0 && rest + padding != 4)) {
    if (!allow_cut || padding > 0) return std::nullopt;
    body = body.substr(0, body.size() - rest);
  }
  const int8_t* table = Base64Table(alphabet);
  const size_t groups = body.size() / 4;
  std::string out(groups * 3, '\0');
  const unsigned char* p = reinterpret_cast<const unsigned char*>(body.data());
  size_t i = 0;
  for (size_t g = 0; g < groups; ++g, i += 4) {
    int a = table[p[i]], b = table[p[i + 1]], c = table[p[i + 2]], d = table[p[i + 3]];
    if ((a | b | c | d) < 0) return std::nullopt;
    uint32_t v = uint32_t(a) << 18 | uint32_t(b) << 12 | uint32_t(c) << 6 | uint32_t(d);
    out[3 * g] = static_cast<char>(v >> 16);
    out[3 * g + 1] = static_cast<char>((v >> 8) & 0xFF);
    out[3 * g + 2] = static_cast<char>(v & 0xFF);
  }
  uint32_t acc = 0;
  int bits = 0;
  for (; i < body.size(); ++i) {
    int v = table[p[i]];
    if (v < 0) return std::nullopt;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  // The unused low bits of a final partial group must be zero in canonical base64;
  // they are not checked, as decoders (PostgreSQL's among them) accept either.
  return out;
}

std::optional<std::string> DecodeHex(std::string_view digits) {
  if (digits.size() % 2 != 0) return std::nullopt;
  auto nibble = [](unsigned char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  out.reserve(digits.size() / 2);
  for (size_t i = 0; i < digits.size(); i += 2) {
    int hi = nibble(static_cast<unsigned char>(digits[i]));
    int lo = nibble(static_cast<unsigned char>(digits[i + 1]));
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<char>(hi * 16 + lo));
  }
  return out;
}

namespace {

constexpr int kMaxBits = 15;        // longest deflate code
constexpr int kMaxLengths = 286;    // literal/length codes in a dynamic block
constexpr int kFixedLengths = 288;  // the fixed code also assigns 286 and 287 (invalid)
constexpr int kMaxDistances = 30;

// A canonical Huffman code as counts per length and symbols in code order (the
// representation of zlib's puff.c, written here from RFC 1951).
struct Huffman {
  uint16_t count[kMaxBits + 1] = {};
  uint16_t symbol[kFixedLengths] = {};
};

// Builds h from code lengths; returns 0 if the code is complete, > 0 if incomplete,
// < 0 if over-subscribed.
int Build(Huffman* h, const uint8_t* length, int n) {
  for (int len = 0; len <= kMaxBits; ++len) h->count[len] = 0;
  for (int s = 0; s < n; ++s) ++h->count[length[s]];
  if (h->count[0] == n) return 0;  // no codes: complete, but decoding with it fails
  int left = 1;
  for (int len = 1; len <= kMaxBits; ++len) {
    left <<= 1;
    left -= h->count[len];
    if (left < 0) return left;
  }
  uint16_t offs[kMaxBits + 1];
  offs[1] = 0;
  for (int len = 1; len < kMaxBits; ++len) offs[len + 1] = offs[len] + h->count[len];
  for (int s = 0; s < n; ++s) {
    if (length[s] != 0) h->symbol[offs[length[s]]++] = static_cast<uint16_t>(s);
  }
  return left;
}

class Inflater {
 public:
  Inflater(std::string_view in, size_t max_out) : in_(in), max_out_(max_out) {}

  std::optional<std::string> Run() {
    while (true) {
      uint32_t last, type;
      if (!Bits(1, &last) || !Bits(2, &type)) return out_;
      Status s;
      if (type == 0) {
        s = Stored();
      } else if (type == 1) {
        s = Fixed();
      } else if (type == 2) {
        s = Dynamic();
      } else {
        return std::nullopt;
      }
      if (s == Status::kError) return std::nullopt;
      if (s == Status::kStop || last) return out_;
    }
  }

 private:
  // kStop: output full or input exhausted (stop without error).
  enum class Status { kBlockEnd, kStop, kError };

  bool Bits(int n, uint32_t* value) {
    uint32_t v = 0;
    for (int i = 0; i < n; ++i) {
      size_t byte = bit_ >> 3;
      if (byte >= in_.size()) return false;
      v |= ((static_cast<uint32_t>(static_cast<unsigned char>(in_[byte])) >> (bit_ & 7)) & 1u) << i;
      ++bit_;
    }
    *value = v;
    return true;
  }

  Status Stored() {
    size_t byte = (bit_ + 7) >> 3;
    if (byte + 4 > in_.size()) return Status::kStop;
    auto u16 = [&](size_t i) {
      return static_cast<uint32_t>(static_cast<unsigned char>(in_[i])) |
             static_cast<uint32_t>(static_cast<unsigned char>(in_[i + 1])) << 8;
    };
    uint32_t len = u16(byte);
    if ((len ^ u16(byte + 2)) != 0xFFFF) return Status::kError;
    byte += 4;
    for (uint32_t i = 0; i < len; ++i) {
      if (byte >= in_.size() || out_.size() >= max_out_) return Status::kStop;
      out_.push_back(in_[byte++]);
    }
    bit_ = byte << 3;
    return Status::kBlockEnd;
  }

  // Decodes one symbol; -1 past the input's end, -2 for a code that is not in h.
  int Decode(const Huffman& h) {
    int code = 0, first = 0, index = 0;
    for (int len = 1; len <= kMaxBits; ++len) {
      uint32_t bit;
      if (!Bits(1, &bit)) return -1;
      code |= static_cast<int>(bit);
      int count = h.count[len];
      if (code - count < first) return h.symbol[index + (code - first)];
      index += count;
      first += count;
      first <<= 1;
      code <<= 1;
    }
    return -2;
  }

  Status Codes(const Huffman& lencode, const Huffman& distcode) {
    static const uint16_t kLengthBase[29] = {3,  4,  5,  6,   7,   8,   9,   10,  11, 13,
                                             15, 17, 19, 23,  27,  31,  35,  43,  51, 59,
                                             67, 83, 99, 115, 131, 163, 195, 227, 258};
    static const uint8_t kLengthExtra[29] = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2,
                                             2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0};
    static const uint16_t kDistBase[30] = {
        1,   2,   3,   4,   5,   7,    9,    13,   17,   25,   33,   49,   65,    97,    129,
        193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577};
    static const uint8_t kDistExtra[30] = {0, 0, 0, 0, 1, 1, 2, 2,  3,  3,  4,  4,  5,  5,  6,
                                           6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13};
    while (true) {
      if (out_.size() >= max_out_) return Status::kStop;
      int symbol = Decode(lencode);
      if (symbol == -1) return Status::kStop;
      if (symbol < 0) return Status::kError;
      if (symbol < 256) {
        out_.push_back(static_cast<char>(symbol));
        continue;
      }
      if (symbol == 256) return Status::kBlockEnd;
      symbol -= 257;
      if (symbol >= 29) return Status::kError;
      uint32_t extra;
      if (!Bits(kLengthExtra[symbol], &extra)) return Status::kStop;
      size_t len = kLengthBase[symbol] + extra;
      int dsym = Decode(distcode);
      if (dsym == -1) return Status::kStop;
      if (dsym < 0 || dsym >= 30) return Status::kError;
      if (!Bits(kDistExtra[dsym], &extra)) return Status::kStop;
      size_t dist = kDistBase[dsym] + extra;
      if (dist > out_.size()) return Status::kError;  // before the start of the output
      for (size_t i = 0; i < len && out_.size() < max_out_; ++i) {
        out_.push_back(out_[out_.size() - dist]);
      }
    }
  }

  Status Fixed() {
    static const std::pair<Huffman, Huffman> codes = [] {
      uint8_t lengths[kFixedLengths];
      int s = 0;
      for (; s < 144; ++s) lengths[s] = 8;
      for (; s < 256; ++s) lengths[s] = 9;
      for (; s < 280; ++s) lengths[s] = 7;
      for (; s < kFixedLengths; ++s) lengths[s] = 8;
      std::pair<Huffman, Huffman> c;
      Build(&c.first, lengths, kFixedLengths);
      for (s = 0; s < kMaxDistances; ++s) lengths[s] = 5;
      Build(&c.second, lengths, kMaxDistances);
      return c;
    }();
    return Codes(codes.first, codes.second);
  }

  Status Dynamic() {
    uint32_t hlit, hdist, hclen;
    if (!Bits(5, &hlit) || !Bits(5, &hdist) || !Bits(4, &hclen)) return Status::kStop;
    int nlen = static_cast<int>(hlit) + 257, ndist = static_cast<int>(hdist) + 1;
    if (nlen > kMaxLengths || ndist > kMaxDistances) return Status::kError;
    static const uint8_t kOrder[19] = {16, 17, 18, 0, 8,  7, 9,  6, 10, 5,
                                       11, 4,  12, 3, 13, 2, 14, 1, 15};
    uint8_t lengths[kMaxLengths + kMaxDistances] = {};
    for (uint32_t i = 0; i < hclen + 4; ++i) {
      uint32_t len;
      if (!Bits(3, &len)) return Status::kStop;
      lengths[kOrder[i]] = static_cast<uint8_t>(len);
    }
    Huffman lencode, distcode;
    if (Build(&lencode, lengths, 19) != 0) return Status::kError;
    int index = 0;
    while (index < nlen + ndist) {
      int symbol = Decode(lencode);
      if (symbol == -1) return Status::kStop;
      if (symbol < 0) return Status::kError;
      if (symbol < 16) {
        lengths[index++] = static_cast<uint8_t>(symbol);
        continue;
      }
      uint8_t value = 0;
      uint32_t repeat;
      if (symbol == 16) {
        if (index == 0) return Status::kError;
        value = lengths[index - 1];
        if (!Bits(2, &repeat)) return Status::kStop;
        repeat += 3;
      } else if (symbol == 17) {
        if (!Bits(3, &repeat)) return Status::kStop;
        repeat += 3;
      } else {
        if (!Bits(7, &repeat)) return Status::kStop;
        repeat += 11;
      }
      if (index + static_cast<int>(repeat) > nlen + ndist) return Status::kError;
      while (repeat--) lengths[index++] = value;
    }
    if (lengths[256] == 0) return Status::kError;  // no end-of-block code
    int left = Build(&lencode, lengths, nlen);
    if (left < 0 || (left > 0 && nlen - lencode.count[0] != 1)) return Status::kError;
    left = Build(&distcode, lengths + nlen, ndist);
    if (left < 0 || (left > 0 && ndist - distcode.count[0] != 1)) return Status::kError;
    return Codes(lencode, distcode);
  }

  std::string_view in_;
  size_t max_out_;
  size_t bit_ = 0;
  std::string out_;
};

}  // namespace

int Utf8SequenceLength(std::string_view s, size_t i) {
  auto at = [&](size_t k) -> int {
    return i + k < s.size() ? static_cast<unsigned char>(s[i + k]) : -1;
  };
  auto cont = [](int b) { return b >= 0 && (b & 0xC0) == 0x80; };
  int b0 = at(0);
  if (b0 < 0x80) return 1;
  if (b0 < 0xC2) return 0;
  int need = b0 < 0xE0 ? 2 : b0 < 0xF0 ? 3 : b0 < 0xF5 ? 4 : 0;
  if (need == 0) return 0;
  for (int k = 1; k < need; ++k) {
    int b = at(k);
    if (b < 0) return -1;
    if (!cont(b)) return 0;
    if (k == 1) {
      if (b0 == 0xE0 && b < 0xA0) return 0;   // overlong
      if (b0 == 0xED && b >= 0xA0) return 0;  // surrogate
      if (b0 == 0xF0 && b < 0x90) return 0;   // overlong
      if (b0 == 0xF4 && b >= 0x90) return 0;  // past U+10FFFF
    }
  }
  return need;
}

std::optional<std::string> InflatePrefix(std::string_view deflate, size_t max_out) {
  return Inflater(deflate, max_out).Run();
}

}  // namespace comply::posture
