#include "core/posture/openpgp.h"

#include <cstring>
#include <optional>

#include "core/posture/codec.h"

namespace comply::posture::openpgp {
namespace {

// Packet tags (RFC 9580 section 5; 20 is LibrePGP's OCB Encrypted Data).
enum Tag : int {
  kPkesk = 1,
  kSignature = 2,
  kSkesk = 3,
  kOnePassSignature = 4,
  kCompressed = 8,
  kSed = 9,
  kMarker = 10,
  kLiteral = 11,
  kSeipd = 18,
  kAead = 20,
  kPadding = 21,
};

struct CipherInfo {
  int id;
  const char* name;
};

constexpr CipherInfo kCiphers[] = {
    {1, "idea"},         {2, "3des"},         {3, "cast5"},        {4, "blowfish"},
    {7, "aes128"},       {8, "aes192"},       {9, "aes256"},       {10, "twofish"},
    {11, "camellia128"}, {12, "camellia192"}, {13, "camellia256"},
};

const CipherInfo* FindCipher(int id) {
  for (const CipherInfo& c : kCiphers) {
    if (c.id == id) return &c;
  }
  return nullptr;
}

// Hash algorithms usable in an S2K specifier or a signature.
bool KnownHash(int id) {
  switch (id) {
    case 1:
    case 2:
    case 3:
    case 8:
    case 9:
    case 10:
    case 11:
    case 12:
    case 14:
      return true;
    default:
      return false;
  }
}

// Public-key algorithms that can sign (for one-pass signature and signature packets).
bool SigningAlgorithm(int id) {
  switch (id) {
    case 1:
    case 3:
    case 17:
    case 19:
    case 22:
    case 27:
    case 28:
      return true;
    default:
      return false;
  }
}

const char* AeadName(int id) {
  switch (id) {
    case 1:
      return "eax";
    case 2:
      return "ocb";
    case 3:
      return "gcm";
    default:
      return nullptr;
  }
}

size_t AeadNonceSize(int id) {
  switch (id) {
    case 1:
      return 16;
    case 2:
      return 15;
    case 3:
      return 12;
    default:
      return 0;
  }
}

// Size of the AEAD authentication tag (all three modes).
constexpr size_t kAeadTagSize = 16;

uint8_t At(std::string_view b, size_t i) { return static_cast<uint8_t>(b[i]); }

enum class LengthKind { kDefinite, kPartial, kIndeterminate };
enum class Read { kOk, kBad, kShort };

struct Header {
  int tag = 0;
  size_t size = 0;  // octets of the header itself
  LengthKind kind = LengthKind::kDefinite;
  uint64_t length = 0;  // body length, or the first chunk's for kPartial
};

// Reads a new-format length (RFC 9580 section 4.2.1) at b[pos].
Read ReadNewLength(std::string_view b, size_t pos, uint64_t* length, LengthKind* kind,
                   size_t* used) {
  if (pos >= b.size()) return Read::kShort;
  uint8_t o = At(b, pos);
  if (o < 192) {
    *length = o;
    *kind = LengthKind::kDefinite;
    *used = 1;
  } else if (o < 224) {
    if (pos + 1 >= b.size()) return Read::kShort;
    *length = ((uint64_t(o) - 192) << 8) + At(b, pos + 1) + 192;
    *kind = LengthKind::kDefinite;
    *used = 2;
  } else if (o < 255) {
    *length = uint64_t(1) << (o & 0x1F);
    *kind = LengthKind::kPartial;
    *used = 1;
  } else {
    if (pos + 4 >= b.size()) return Read::kShort;
    *length = uint64_t(At(b, pos + 1)) << 24 | uint64_t(At(b, pos + 2)) << 16 |
              uint64_t(At(b, pos + 3)) << 8 | uint64_t(At(b, pos + 4));
    *kind = LengthKind::kDefinite;
    *used = 5;
  }
  return Read::kOk;
}

// Reads an old- or new-format packet header at b[pos].
Read ReadHeader(std::string_view b, size_t pos, Header* h) {
  if (pos >= b.size()) return Read::kShort;
  uint8_t ctb = At(b, pos);
  if ((ctb & 0x80) == 0) return Read::kBad;
  if (ctb & 0x40) {
    h->tag = ctb & 0x3F;
    size_t used = 0;
    Read r = ReadNewLength(b, pos + 1, &h->length, &h->kind, &used);
    if (r != Read::kOk) return r;
    h->size = 1 + used;
  } else {
    h->tag = (ctb >> 2) & 0x0F;
    int type = ctb & 3;
    if (type == 3) {
      h->kind = LengthKind::kIndeterminate;
      h->length = 0;
      h->size = 1;
    } else {
      size_t n = size_t(1) << type;
      if (pos + n >= b.size()) return Read::kShort;
      uint64_t len = 0;
      for (size_t i = 0; i < n; ++i) len = (len << 8) | At(b, pos + 1 + i);
      h->kind = LengthKind::kDefinite;
      h->length = len;
      h->size = 1 + n;
    }
  }
  if (h->tag == 0) return Read::kBad;
  if (h->kind == LengthKind::kPartial) {
    // Only data packets stream, and the first chunk is at least 512 octets.
    bool streams = h->tag == kCompressed || h->tag == kSed || h->tag == kLiteral ||
                   h->tag == kSeipd || h->tag == kAead;
    if (!streams || h->length < 512) return Read::kBad;
  }
  return Read::kOk;
}

enum class Extent {
  kEnds,       // the body ends at *end, within the bytes given
  kContinues,  // the body runs past the bytes given but not past the value
  kTruncated,  // the body runs past the end of the value
  kBad,        // a partial-length chunk header is malformed
};

// Finds the end of the body of the packet with header h, whose body starts at begin.
// b holds the first bytes of a value of total bytes (total >= b.size()).
Extent FollowBody(std::string_view b, size_t total, const Header& h, size_t begin, size_t* end) {
  const bool cut = total > b.size();
  auto place = [&](uint64_t e) {
    if (e > total) return Extent::kTruncated;
    if (e > b.size()) return Extent::kContinues;
    *end = static_cast<size_t>(e);
    return Extent::kEnds;
  };
  switch (h.kind) {
    case LengthKind::kDefinite:
      return place(uint64_t(begin) + h.length);
    case LengthKind::kIndeterminate:
      if (cut) return Extent::kContinues;
      *end = b.size();
      return Extent::kEnds;
    case LengthKind::kPartial:
      break;
  }
  uint64_t pos = uint64_t(begin) + h.length;
  while (true) {
    // Another length header must follow a partial chunk.
    if (pos >= total) return Extent::kTruncated;
    if (pos >= b.size()) return Extent::kContinues;
    uint64_t len = 0;
    LengthKind kind;
    size_t used = 0;
    Read r = ReadNewLength(b, static_cast<size_t>(pos), &len, &kind, &used);
    if (r == Read::kShort) return cut ? Extent::kContinues : Extent::kTruncated;
    pos += used + len;
    if (kind == LengthKind::kDefinite) return place(pos);
  }
}

// Checks a string-to-key specifier at body[*pos] and advances past it.
bool ReadS2k(std::string_view body, size_t* pos, Message* m) {
  if (*pos >= body.size()) return false;
  int type = At(body, *pos);
  size_t size = 0;
  const char* name = nullptr;
  switch (type) {
    case 0:
      size = 2;
      name = "simple";
      break;
    case 1:
      size = 10;
      name = "salted";
      break;
    case 3:
      size = 11;
      name = "iterated-salted";
      break;
    case 4:
      size = 20;
      name = "argon2";
      break;
    default:
      return false;
  }
  if (*pos + size > body.size()) return false;
  if (type == 4) {
    // Argon2: 16-octet salt, passes t >= 1, parallelism p >= 1, memory exponent m with
    // 2^m >= 8p KiB and m <= 31.
    int t = At(body, *pos + 17), p = At(body, *pos + 18), mem = At(body, *pos + 19);
    if (t == 0 || p == 0 || mem > 31 || (uint64_t(1) << mem) < 8 * uint64_t(p)) return false;
  } else if (!KnownHash(At(body, *pos + 1))) {
    return false;
  }
  if (m->s2k.empty()) m->s2k = name;
  *pos += size;
  return true;
}

// Length of an encrypted session key plus AEAD tag, for the key sizes in use.
bool AeadKeyBlobSize(size_t n) {
  return n == 16 + kAeadTagSize || n == 24 + kAeadTagSize || n == 32 + kAeadTagSize;
}

void NoteCipher(Message* m, const CipherInfo* c) {
  if (m->cipher.empty()) m->cipher = c->name;
}

// Symmetric-Key Encrypted Session Key packet, versions 4, 5 (LibrePGP) and 6.
bool ValidSkesk(std::string_view body, Message* m) {
  if (body.size() < 2) return false;
  int version = At(body, 0);
  if (version == 4) {
    const CipherInfo* c = FindCipher(At(body, 1));
    size_t pos = 2;
    if (c == nullptr || !ReadS2k(body, &pos, m)) return false;
    // Optional encrypted session key: algorithm octet plus a 128-, 192- or 256-bit key.
    size_t rest = body.size() - pos;
    if (rest != 0 && rest != 17 && rest != 25 && rest != 33) return false;
    NoteCipher(m, c);
    return true;
  }
  if (version == 5 || version == 6) {
    size_t pos = 1;
    size_t declared = 0;
    if (version == 6) {
      declared = At(body, pos++);
    }
    if (pos + 2 > body.size()) return false;
    const CipherInfo* c = FindCipher(At(body, pos));
    int aead = At(body, pos + 1);
    pos += 2;
    if (c == nullptr || AeadName(aead) == nullptr) return false;
    size_t s2k_begin = pos;
    if (version == 6) {
      if (pos >= body.size()) return false;
      size_t s2k_size = At(body, pos++);
      s2k_begin = pos;
      if (!ReadS2k(body, &pos, m) || pos - s2k_begin != s2k_size) return false;
      if (declared != 3 + s2k_size + AeadNonceSize(aead)) return false;
    } else if (!ReadS2k(body, &pos, m)) {
      return false;
    }
    pos += AeadNonceSize(aead);
    if (pos > body.size() || !AeadKeyBlobSize(body.size() - pos)) return false;
    NoteCipher(m, c);
    if (m->aead.empty()) m->aead = AeadName(aead);
    return true;
  }
  return false;
}

// Multiprecision integer at body[*pos]: bit count, then that many bits, no more.
bool ReadMpi(std::string_view body, size_t* pos) {
  if (*pos + 2 > body.size()) return false;
  size_t bits = size_t(At(body, *pos)) << 8 | At(body, *pos + 1);
  if (bits == 0) return false;
  size_t bytes = (bits + 7) / 8;
  if (*pos + 2 + bytes > body.size()) return false;
  size_t top_bits = bits - 8 * (bytes - 1);
  if (top_bits < 8 && (At(body, *pos + 2) >> top_bits) != 0) return false;
  *pos += 2 + bytes;
  return true;
}

// Reads a one-octet size and that many octets (an ECDH or X25519 wrapped key).
bool ReadSized(std::string_view body, size_t* pos) {
  if (*pos >= body.size()) return false;
  size_t n = At(body, *pos);
  if (n == 0 || *pos + 1 + n > body.size()) return false;
  *pos += 1 + n;
  return true;
}

// Public-Key Encrypted Session Key packet, versions 3 and 6.
bool ValidPkesk(std::string_view body, Message* m) {
  if (body.empty()) return false;
  int version = At(body, 0);
  size_t pos = 0;
  if (version == 3) {
    pos = 1 + 8;  // key ID
  } else if (version == 6) {
    if (body.size() < 2) return false;
    size_t n = At(body, 1);
    pos = 2;
    if (n == 21 || n == 33) {
      if (pos >= body.size() || At(body, pos) != (n == 21 ? 4 : 6)) return false;
    } else if (n != 0) {
      return false;
    }
    pos += n;
  } else {
    return false;
  }
  if (pos >= body.size()) return false;
  int algorithm = At(body, pos++);
  const char* name = nullptr;
  bool ok = false;
  switch (algorithm) {
    case 1:
    case 2:
      name = "rsa";
      ok = ReadMpi(body, &pos);
      break;
    case 16:
    case 20:
      name = "elgamal";
      ok = ReadMpi(body, &pos) && ReadMpi(body, &pos);
      break;
    case 18:
      name = "ecdh";
      ok = ReadMpi(body, &pos) && ReadSized(body, &pos);
      break;
    case 25:
    case 26: {
      name = algorithm == 25 ? "x25519" : "x448";
      size_t point = algorithm == 25 ? 32 : 56;
      pos += point;
      ok = pos <= body.size() && ReadSized(body, &pos);
      break;
    }
    default:
      return false;
  }
  if (!ok || pos != body.size()) return false;
  if (m->public_key_algorithm.empty()) m->public_key_algorithm = name;
  return true;
}

// Checks the fields at the start of an encrypted data packet's body (available: the
// octets of the body present in the bytes given; declared: its full length if definite,
// else 0) and returns how many octets precede the ciphertext; nullopt if invalid.
std::optional<size_t> DataPacketFields(int tag, std::string_view available, uint64_t declared,
                                       Message* m) {
  auto need = [&](size_t n) { return available.size() >= n; };
  auto too_short = [&](uint64_t min_body) { return declared != 0 && declared < min_body; };
  switch (tag) {
    case kSed:
      // Random prefix of one block plus two check octets, then at least a packet header.
      if (too_short(8 + 2 + 2)) return std::nullopt;
      m->packets.push_back("sed");
      return 0;
    case kSeipd: {
      if (!need(1)) return std::nullopt;
      int version = At(available, 0);
      if (version == 1) {
        // Version, prefix (block + 2), a packet header, and the MDC packet (2 + 20).
        if (too_short(1 + 8 + 2 + 2 + 22)) return std::nullopt;
        m->packets.push_back("seipd");
        return 1;
      }
      if (version == 2) {
        if (!need(4 + 32)) return std::nullopt;
        const CipherInfo* c = FindCipher(At(available, 1));
        int aead = At(available, 2);
        if (c == nullptr || AeadName(aead) == nullptr || At(available, 3) > 16) {
          return std::nullopt;
        }
        if (too_short(4 + 32 + kAeadTagSize)) return std::nullopt;
        m->packets.push_back("seipd");
        NoteCipher(m, c);
        if (m->aead.empty()) m->aead = AeadName(aead);
        return 4 + 32;
      }
      return std::nullopt;
    }
    case kAead: {
      if (!need(4)) return std::nullopt;
      const CipherInfo* c = FindCipher(At(available, 1));
      int aead = At(available, 2);
      if (At(available, 0) != 1 || c == nullptr || AeadName(aead) == nullptr ||
          At(available, 3) > 56) {
        return std::nullopt;
      }
      size_t fields = 4 + AeadNonceSize(aead);
      if (!need(fields) || too_short(fields + kAeadTagSize)) return std::nullopt;
      m->packets.push_back("aead");
      NoteCipher(m, c);
      if (m->aead.empty()) m->aead = AeadName(aead);
      return fields;
    }
    default:
      return std::nullopt;
  }
}

// True if the octets are UTF-8 text without control characters other than whitespace
// (a literal packet's file name, the start of a text-mode literal). cut: s may end
// inside a character.
bool TextLike(std::string_view s, bool cut) {
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7F) return false;
    int len = Utf8SequenceLength(s, i);
    if (len < 0 && cut) return true;
    if (len <= 0) return false;
    i += static_cast<size_t>(len);
  }
  return true;
}

// Signature types of RFC 9580 section 5.2.1.
bool KnownSignatureType(int type) {
  switch (type) {
    case 0x00:
    case 0x01:
    case 0x02:
    case 0x10:
    case 0x11:
    case 0x12:
    case 0x13:
    case 0x18:
    case 0x19:
    case 0x1F:
    case 0x20:
    case 0x28:
    case 0x30:
    case 0x40:
    case 0x50:
      return true;
    default:
      return false;
  }
}

// Octets inflated from a compressed packet to check the packet inside: enough for a
// literal packet's header with the longest file name, and the start of its text.
constexpr size_t kInflatedCheck = 400;

bool ValidUnencryptedFirst(int tag, std::string_view available, uint64_t declared, bool definite,
                           int depth);

// Checks that a compressed packet's body (algorithm octet, then data) holds, once
// decompressed, a packet that can start a message.
bool ValidCompressedBody(std::string_view available, int depth) {
  if (available.size() < 2 || depth > 2) return false;
  std::string_view data = available.substr(1);
  std::optional<std::string> inflated;
  switch (At(available, 0)) {
    case 0:  // uncompressed
      break;
    case 1:  // raw deflate
      inflated = InflatePrefix(data, kInflatedCheck);
      if (!inflated) return false;
      data = *inflated;
      break;
    case 2: {  // zlib
      if (data.size() < 3) return false;
      uint8_t cmf = At(data, 0), flg = At(data, 1);
      if ((cmf & 0x0F) != 8 || (cmf >> 4) > 7 || (cmf * 256 + flg) % 31 != 0 || (flg & 0x20)) {
        return false;
      }
      inflated = InflatePrefix(data.substr(2), kInflatedCheck);
      if (!inflated) return false;
      data = *inflated;
      break;
    }
    case 3:  // bzip2: stream header and the first block's (or the end's) magic
      return data.size() >= 10 && data.substr(0, 3) == "BZh" && At(data, 3) >= '1' &&
             At(data, 3) <= '9' &&
             (data.substr(4, 6) == "\x31\x41\x59\x26\x53\x59" ||
              data.substr(4, 6) == "\x17\x72\x45\x38\x50\x90");
    default:
      return false;
  }
  Header h;
  if (ReadHeader(data, 0, &h) != Read::kOk) return false;
  std::string_view inner = data.substr(h.size);
  if (h.kind != LengthKind::kIndeterminate && inner.size() > h.length) {
    inner = inner.substr(0, static_cast<size_t>(h.length));
  }
  return ValidUnencryptedFirst(h.tag, inner, h.length, h.kind == LengthKind::kDefinite, depth + 1);
}

// Checks the first packet of an unencrypted message: literal data, compressed data,
// one-pass signature or signature. available: the body octets present (perhaps fewer
// than declared); depth: compressed packets entered.
bool ValidUnencryptedFirst(int tag, std::string_view available, uint64_t declared, bool definite,
                           int depth) {
  switch (tag) {
    case kLiteral: {
      if (available.size() < 2) return false;
      char format = static_cast<char>(At(available, 0));
      if (format == 0 || std::strchr("btul1m", format) == nullptr) return false;
      size_t name_size = At(available, 1);
      if (definite && declared < 2 + name_size + 4) return false;
      if (available.size() < 2 + name_size + 4) return false;
      if (!TextLike(available.substr(2, name_size), false)) return false;
      if (format == 't' || format == 'u') {
        return TextLike(available.substr(2 + name_size + 4, 64), true);
      }
      return true;
    }
    case kCompressed:
      return ValidCompressedBody(available, depth);
    case kOnePassSignature:
      // Version 3: 13 octets (version, type, hash, key algorithm, key ID, nested flag).
      return definite && declared == 13 && available.size() == 13 && At(available, 0) == 3 &&
             KnownSignatureType(At(available, 1)) && KnownHash(At(available, 2)) &&
             SigningAlgorithm(At(available, 3)) && At(available, 12) <= 1;
    case kSignature: {
      if (available.size() < 17) return false;
      int version = At(available, 0);
      if (version == 3) {
        // Version, 5 (hashed length), type, time, key ID, key algorithm, hash.
        return At(available, 1) == 5 && KnownSignatureType(At(available, 2)) &&
               SigningAlgorithm(At(available, 15)) && KnownHash(At(available, 16));
      }
      if (version == 4 || version == 5 || version == 6) {
        size_t hashed = size_t(At(available, 4)) << 8 | At(available, 5);
        if (version == 6) hashed = hashed << 16 | size_t(At(available, 6)) << 8 | At(available, 7);
        return KnownSignatureType(At(available, 1)) && SigningAlgorithm(At(available, 2)) &&
               KnownHash(At(available, 3)) && (!definite || hashed + 6 <= declared);
      }
      return false;
    }
    default:
      return false;
  }
}

// A result saying the bytes are not a recognised message, and why.
Message Fail(const char* why) {
  Message out;
  out.failure = why;
  return out;
}

}  // namespace

const char* CipherName(int id) {
  const CipherInfo* c = FindCipher(id);
  return c ? c->name : nullptr;
}

Message ParseBinary(std::string_view b, size_t total) {
  Message m;
  if (b.empty()) return Fail("empty");
  if (total < b.size()) total = b.size();

  size_t pos = 0;
  Header h;
  // Leading marker packets ("PGP"), which old implementations ignore.
  while (true) {
    Read r = ReadHeader(b, pos, &h);
    if (r != Read::kOk) return Fail("not an OpenPGP packet header");
    if (h.tag != kMarker) break;
    if (h.kind != LengthKind::kDefinite || h.length != 3 || pos + h.size + 3 > b.size() ||
        b.substr(pos + h.size, 3) != "PGP") {
      return Fail("malformed marker packet");
    }
    m.packets.push_back("marker");
    pos += h.size + 3;
    if (pos == total) return Fail("only marker packets");
  }

  if (h.tag == kLiteral || h.tag == kCompressed || h.tag == kOnePassSignature ||
      h.tag == kSignature) {
    size_t begin = pos + h.size;
    std::string_view available = b.substr(begin);
    if (h.kind != LengthKind::kIndeterminate && available.size() > h.length) {
      available = available.substr(0, h.length);
    }
    bool definite = h.kind == LengthKind::kDefinite;
    if (!ValidUnencryptedFirst(h.tag, available, h.length, definite, 0)) {
      return Fail("malformed first packet");
    }
    size_t end = 0;
    Extent e = FollowBody(b, total, h, begin, &end);
    if (e == Extent::kBad) return Fail("malformed partial body length");
    if (e == Extent::kTruncated) return Fail("first packet longer than the value");
    if (e == Extent::kEnds && end < total) {
      // A literal or compressed packet is the whole message; a signature or one-pass
      // signature is followed by the signed message.
      if (h.tag == kLiteral || h.tag == kCompressed) {
        return Fail("data after a literal or compressed packet");
      }
      Header next;
      Read r = ReadHeader(b, end, &next);
      if (r == Read::kBad) return Fail("garbage after the first packet");
      if (r == Read::kOk && next.tag != kLiteral && next.tag != kCompressed &&
          next.tag != kSignature && next.tag != kOnePassSignature) {
        return Fail("unexpected packet after the first packet");
      }
    }
    static const char* const kNames[] = {
        nullptr, nullptr,  "signature", nullptr,      "one-pass-signature",
        nullptr, nullptr,  nullptr,     "compressed", nullptr,
        nullptr, "literal"};
    m.packets.push_back(kNames[h.tag]);
    m.kind = MessageKind::kUnencrypted;
    m.continues = e == Extent::kContinues;
    return m;
  }

  // Encrypted message: session-key packets, then the encrypted data packet.
  int session_keys = 0;
  while (h.tag == kPkesk || h.tag == kSkesk) {
    if (h.kind != LengthKind::kDefinite) return Fail("session-key packet without length");
    size_t begin = pos + h.size;
    if (uint64_t(begin) + h.length > total) return Fail("cut inside a session-key packet");
    if (h.length > kMaxSessionKeyPacket || begin + h.length > b.size()) {
      return Fail("session-key packet too long");
    }
    std::string_view body = b.substr(begin, static_cast<size_t>(h.length));
    bool ok = h.tag == kPkesk ? ValidPkesk(body, &m) : ValidSkesk(body, &m);
    if (!ok) return Fail("malformed session-key packet");
    m.packets.push_back(h.tag == kPkesk ? "pkesk" : "skesk");
    ++session_keys;
    pos = begin + static_cast<size_t>(h.length);
    if (pos == total) return Fail("session keys without encrypted data");
    if (pos >= b.size()) return Fail("session keys fill the examined bytes");
    Read r = ReadHeader(b, pos, &h);
    if (r == Read::kBad) return Fail("not an OpenPGP packet header after a session key");
    if (r == Read::kShort) return Fail("cut inside a packet header");
  }

  if (h.tag != kSed && h.tag != kSeipd && h.tag != kAead) {
    return Fail(session_keys ? "no encrypted data after the session keys"
                             : "first packet is not part of a message");
  }
  // RFC 4880 allows encrypted data without a session-key packet (IDEA keyed by the MD5
  // of a passphrase), but nothing writes it any more; accepting it would take any random
  // bytes whose first two octets happen to match their length for a message.
  if (session_keys == 0) return Fail("encrypted data without a session-key packet");
  size_t begin = pos + h.size;
  if (begin > b.size()) return Fail("cut inside a packet header");
  std::string_view available = b.substr(begin);
  if (h.kind != LengthKind::kIndeterminate && available.size() > h.length) {
    available = available.substr(0, static_cast<size_t>(h.length));
  }
  uint64_t declared = h.kind == LengthKind::kDefinite ? h.length : 0;
  std::optional<size_t> fields = DataPacketFields(h.tag, available, declared, &m);
  if (!fields) return Fail("malformed encrypted data packet");
  size_t end = 0;
  Extent e = FollowBody(b, total, h, begin, &end);
  if (e == Extent::kBad) return Fail("malformed partial body length");
  m.payload_begin = begin + *fields;
  m.payload_end = e == Extent::kEnds ? end : b.size();
  if (m.payload_begin > m.payload_end) m.payload_begin = m.payload_end;
  m.truncated = e == Extent::kTruncated;
  m.continues = e == Extent::kContinues;
  if (e == Extent::kEnds) {
    // Nothing but padding packets may follow the encrypted data.
    pos = end;
    while (pos < total) {
      if (pos >= b.size()) {
        m.continues = true;
        break;
      }
      Read r = ReadHeader(b, pos, &h);
      uint64_t next = uint64_t(pos) + h.size + h.length;
      if (r != Read::kOk || h.tag != kPadding || h.kind != LengthKind::kDefinite || next > total) {
        // Not a packet of the message: data beside it (clear text appended to the
        // ciphertext was taken for random bytes, the message not recognised).
        m.trailing = true;
        m.trailing_begin = pos;
        break;
      }
      m.packets.push_back("padding");
      pos = static_cast<size_t>(next);
    }
  }
  m.kind = MessageKind::kEncrypted;
  m.failure = "";
  return m;
}

uint32_t Crc24(std::string_view data) {
  uint32_t crc = 0xB704CE;
  for (unsigned char c : data) {
    crc ^= uint32_t(c) << 16;
    for (int i = 0; i < 8; ++i) {
      crc <<= 1;
      if (crc & 0x1000000) crc ^= 0x1864CFB;
    }
  }
  return crc & 0xFFFFFF;
}

namespace {

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

// Splits text into lines at '\n'; the line returned excludes the newline.
class Lines {
 public:
  explicit Lines(std::string_view text) : text_(text) {}
  bool Next(std::string_view* line) {
    if (pos_ >= text_.size()) return false;
    size_t nl = text_.find('\n', pos_);
    if (nl == std::string_view::npos) nl = text_.size();
    *line = text_.substr(pos_, nl - pos_);
    pos_ = nl + 1;
    return true;
  }
  std::string_view Rest() const {
    return pos_ >= text_.size() ? std::string_view() : text_.substr(pos_);
  }

 private:
  std::string_view text_;
  size_t pos_ = 0;
};

constexpr std::string_view kDashes = "-----";

}  // namespace

Armor DecodeArmor(std::string_view text) {
  Armor a;
  size_t start = 0;
  while (start < text.size() && IsSpace(text[start])) ++start;
  Lines lines(text.substr(start));
  std::string_view line;
  if (!lines.Next(&line)) return a;
  line = Trim(line);
  constexpr std::string_view kBegin = "-----BEGIN ";
  if (line.substr(0, kBegin.size()) != kBegin || line.size() < kBegin.size() + 5 ||
      line.substr(line.size() - 5) != kDashes) {
    return a;
  }
  std::string_view label = line.substr(kBegin.size(), line.size() - kBegin.size() - 5);
  if (label.substr(0, 4) != "PGP ") return a;
  a.found = true;
  a.label = std::string(label);

  // Header lines ("Key: value") up to a blank line; a line that is neither starts the
  // body at once (pgcrypto's dearmor is as lenient).
  std::string symbols;
  bool have_line = false;
  while (lines.Next(&line)) {
    std::string_view t = Trim(line);
    if (t.empty()) break;
    if (t.find(": ") != std::string_view::npos && t.substr(0, 5) != kDashes) continue;
    have_line = true;
    line = t;
    break;
  }

  bool ok = true;
  uint32_t checksum = 0;
  while (have_line || lines.Next(&line)) {
    have_line = false;
    std::string_view t = Trim(line);
    if (t.empty()) continue;
    if (t.substr(0, 5) == kDashes) {
      constexpr std::string_view kEnd = "-----END ";
      a.complete = true;
      if (t.substr(0, kEnd.size()) != kEnd || t.size() < kEnd.size() + 5 ||
          t.substr(kEnd.size(), t.size() - kEnd.size() - 5) != label ||
          t.substr(t.size() - 5) != kDashes) {
        ok = false;
      }
      a.trailing_text = !Trim(lines.Rest()).empty();
      break;
    }
    if (t[0] == '=') {
      std::optional<std::string> crc =
          t.size() == 5 ? DecodeBase64(t.substr(1), Base64Alphabet::kStandard) : std::nullopt;
      if (!crc || crc->size() != 3 || a.checksum_present) {
        ok = false;
        continue;
      }
      a.checksum_present = true;
      checksum = uint32_t(static_cast<unsigned char>((*crc)[0])) << 16 |
                 uint32_t(static_cast<unsigned char>((*crc)[1])) << 8 |
                 uint32_t(static_cast<unsigned char>((*crc)[2]));
      continue;
    }
    if (a.checksum_present) ok = false;  // body after the checksum line
    for (char c : t) {
      if (IsSpace(c)) continue;
      if (c != '=' && Base64Value(static_cast<unsigned char>(c), Base64Alphabet::kStandard) < 0) {
        ok = false;
        break;
      }
      symbols.push_back(c);
    }
  }
  std::optional<std::string> data =
      DecodeBase64(symbols, Base64Alphabet::kStandard, /*allow_cut=*/!a.complete);
  if (!data) {
    ok = false;
  } else {
    a.data = std::move(*data);
  }
  a.well_formed = ok;
  a.checksum_ok = a.checksum_present && ok && Crc24(a.data) == checksum;
  return a;
}

}  // namespace comply::posture::openpgp
