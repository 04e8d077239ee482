// OpenPGP packet and armor parsing, and the base64/hex/deflate helpers, behind
// comply::posture::Classify. Suites are named Ciphertext* so `ctest -R Ciphertext`
// runs them with the classification tests.
#include "core/posture/openpgp.h"

#include <gtest/gtest.h>

#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "core/posture/codec.h"
#include "core/rng.h"
#include "test_util.h"

namespace comply::posture::openpgp {
namespace {

using namespace std::string_literals;

const std::string kData = COMPLY_SOURCE_DIR "/test/unit/data/ciphertext/";

std::string ReadFixture(const std::string& name) { return test::ReadFileBytes(kData + name); }
using test::RandomBytes;

// New-format length octets (RFC 9580 4.2.1.1-3).
std::string NewLength(size_t n) {
  if (n < 192) return std::string(1, static_cast<char>(n));
  if (n < 8384) {
    size_t v = n - 192;
    return {static_cast<char>((v >> 8) + 192), static_cast<char>(v & 0xFF)};
  }
  return "\xFF"s + static_cast<char>(n >> 24) + static_cast<char>((n >> 16) & 0xFF) +
         static_cast<char>((n >> 8) & 0xFF) + static_cast<char>(n & 0xFF);
}

// A packet with a new-format header.
std::string Packet(int tag, const std::string& body) {
  return std::string(1, static_cast<char>(0xC0 | tag)) + NewLength(body.size()) + body;
}

// A packet with an old-format header; length_type 0, 1, 2 (1, 2, 4 octets) or 3
// (indeterminate).
std::string OldPacket(int tag, const std::string& body, int length_type) {
  std::string out(1, static_cast<char>(0x80 | (tag << 2) | length_type));
  size_t n = body.size();
  if (length_type == 0) out += static_cast<char>(n);
  if (length_type == 1) out += {static_cast<char>(n >> 8), static_cast<char>(n & 0xFF)};
  if (length_type == 2) {
    out += {static_cast<char>(n >> 24), static_cast<char>((n >> 16) & 0xFF),
            static_cast<char>((n >> 8) & 0xFF), static_cast<char>(n & 0xFF)};
  }
  return out + body;
}

// SKESK v4 body: cipher, S2K type 3 with the given hash, optional encrypted session key.
std::string Skesk4(int cipher = 7, int hash = 2, size_t session_key = 0, int s2k = 3) {
  std::string body = {4, static_cast<char>(cipher), static_cast<char>(s2k),
                      static_cast<char>(hash)};
  if (s2k == 1 || s2k == 3) body += RandomBytes(8, 1);
  if (s2k == 3) body += '\x60';
  return body + RandomBytes(session_key, 2);
}

std::string Seipd1(size_t ciphertext, uint64_t seed = 3) {
  return "\x01"s + RandomBytes(ciphertext, seed);
}

// The message pgcrypto's pgp_sym_encrypt writes for a short text.
std::string SymMessage(size_t ciphertext = 60) {
  return Packet(3, Skesk4()) + Packet(18, Seipd1(ciphertext));
}

// An MPI of the given bit count with a random value of exactly that many bits.
std::string Mpi(size_t bits, uint64_t seed) {
  std::string v = RandomBytes((bits + 7) / 8, seed);
  size_t top = bits - 8 * (v.size() - 1);
  v[0] =
      static_cast<char>((static_cast<unsigned char>(v[0]) & ((1u << top) - 1)) | (1u << (top - 1)));
  return std::string{static_cast<char>(bits >> 8), static_cast<char>(bits & 0xFF)} + v;
}

std::string Pkesk3Rsa(size_t bits = 2048) {
  return "\x03"s + RandomBytes(8, 4) + "\x01" + Mpi(bits, 5);
}

// ------------------------------------------------------------------------------------
// Codec helpers

TEST(CiphertextCodec, Base64) {
  EXPECT_EQ(DecodeBase64("dGVzdA==", Base64Alphabet::kStandard), "test");
  EXPECT_EQ(DecodeBase64("dGVzdA", Base64Alphabet::kStandard), "test");
  EXPECT_EQ(DecodeBase64("", Base64Alphabet::kStandard), "");
  EXPECT_EQ(DecodeBase64("+/+/", Base64Alphabet::kStandard), "\xFB\xFF\xBF"s);
  EXPECT_EQ(DecodeBase64("-_-_", Base64Alphabet::kUrl), "\xFB\xFF\xBF"s);
  EXPECT_FALSE(DecodeBase64("-_-_", Base64Alphabet::kStandard));
  EXPECT_FALSE(DecodeBase64("dGVzdA=", Base64Alphabet::kStandard));   // bad padding
  EXPECT_FALSE(DecodeBase64("dGVzd", Base64Alphabet::kStandard));     // 1 symbol left
  EXPECT_FALSE(DecodeBase64("dG=zdA==", Base64Alphabet::kStandard));  // '=' inside
  EXPECT_FALSE(DecodeBase64("dGVz dA==", Base64Alphabet::kStandard));
  EXPECT_EQ(DecodeBase64("dGVzd", Base64Alphabet::kStandard, /*allow_cut=*/true), "tes");
}

TEST(CiphertextCodec, Hex) {
  EXPECT_EQ(DecodeHex("00ff7Fa0"), "\x00\xFF\x7F\xA0"s);
  EXPECT_FALSE(DecodeHex("abc"));
  EXPECT_FALSE(DecodeHex("zz"));
}

TEST(CiphertextCodec, Inflate) {
  // The zlib and gzip fixtures inflate back to the text they were made from.
  std::string text = ReadFixture("text_records.txt");
  std::string zlib = ReadFixture("text.zlib");
  EXPECT_EQ(InflatePrefix(zlib.substr(2), 1 << 20), text);
  std::string gzip = ReadFixture("text.gz");  // gzip -n: a 10-byte header, no name
  EXPECT_EQ(InflatePrefix(gzip.substr(10), 1 << 20), text);
  EXPECT_EQ(InflatePrefix(zlib.substr(2), 100), text.substr(0, 100));
  // gpg compresses a short message with fixed Huffman codes: the compressed packet of
  // pgp_stored.gpg (header a3 01) holds a literal packet with the message.
  std::optional<std::string> stored = InflatePrefix(ReadFixture("pgp_stored.gpg").substr(2), 1000);
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->substr(0, 11),
            "\xAC\x50"
            "b\x07msg.txt"s);
  EXPECT_NE(stored->find("Patient: Jane Doe"), std::string::npos);
  // A cut stream gives what it holds.
  std::optional<std::string> cut = InflatePrefix(zlib.substr(2, 500), 1 << 20);
  ASSERT_TRUE(cut);
  EXPECT_GT(cut->size(), 500u);
  EXPECT_EQ(*cut, text.substr(0, cut->size()));
  // A final stored block of 5 bytes: header bits 001, LEN 0005, NLEN fffa.
  EXPECT_EQ(InflatePrefix("\x01\x05\x00\xFA\xFFhello"s, 100), "hello");
  EXPECT_FALSE(InflatePrefix("\x01\x05\x00\xFA\xFEhello"s, 100));
  EXPECT_FALSE(InflatePrefix("\x07"s, 100));  // block type 3 is reserved
  EXPECT_EQ(InflatePrefix("", 100), "");
  // Random bytes are almost never a deflate stream for long.
  int inflated = 0;
  for (uint64_t seed = 0; seed < 10000; ++seed) {
    std::optional<std::string> out = InflatePrefix(RandomBytes(256, seed), 1024);
    inflated += out && out->size() >= 64;
  }
  EXPECT_LT(inflated, 10) << inflated;
}

// ------------------------------------------------------------------------------------
// Binary messages

TEST(CiphertextOpenPgp, GpgFixtures) {
  struct Case {
    const char* file;
    std::vector<std::string> packets;
    const char* cipher;
    const char* public_key;
  };
  const Case cases[] = {
      {"pgp_sym_aes128_pgcrypto.gpg", {"skesk", "seipd"}, "aes128", ""},
      {"pgp_sym_aes256.gpg", {"skesk", "seipd"}, "aes256", ""},
      {"pgp_sym_cast5_nomdc.gpg", {"skesk", "sed"}, "cast5", ""},
      {"pgp_sym_stream.gpg", {"skesk", "seipd"}, "aes256", ""},
      {"pgp_pub_rsa.gpg", {"pkesk", "seipd"}, "", "rsa"},
      {"pgp_pub_ecdh.gpg", {"pkesk", "seipd"}, "", "ecdh"},
      {"pgp_pub_and_sym.gpg", {"pkesk", "pkesk", "skesk", "seipd"}, "aes256", "rsa"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.file);
    std::string bytes = ReadFixture(c.file);
    Message m = ParseBinary(bytes, bytes.size());
    EXPECT_EQ(m.kind, MessageKind::kEncrypted) << m.failure;
    EXPECT_EQ(m.packets, c.packets);
    EXPECT_EQ(m.cipher, c.cipher);
    EXPECT_EQ(m.public_key_algorithm, c.public_key);
    EXPECT_FALSE(m.truncated);
    EXPECT_FALSE(m.continues);
    EXPECT_EQ(m.payload_end, bytes.size());
    EXPECT_LT(m.payload_begin, m.payload_end);
  }
  for (const char* file : {"pgp_signed.gpg", "pgp_stored.gpg"}) {
    std::string bytes = ReadFixture(file);
    Message m = ParseBinary(bytes, bytes.size());
    EXPECT_EQ(m.kind, MessageKind::kUnencrypted) << file << ": " << m.failure;
    EXPECT_EQ(m.packets, std::vector<std::string>{"compressed"}) << file;
  }
}

TEST(CiphertextOpenPgp, PgcryptoShapes) {
  // pgp_sym_encrypt: new-format tag 3 and tag 18, for each cipher and S2K mode it offers.
  for (int cipher : {2, 3, 4, 7, 8, 9}) {
    for (int s2k : {0, 1, 3}) {
      std::string msg = Packet(3, Skesk4(cipher, 2, 0, s2k)) + Packet(18, Seipd1(80));
      Message m = ParseBinary(msg, msg.size());
      EXPECT_EQ(m.kind, MessageKind::kEncrypted) << cipher << "/" << s2k << ": " << m.failure;
    }
  }
  // sess-key=1: the session key is encrypted into the SKESK (algorithm octet + key).
  for (size_t key : {16, 24, 32}) {
    std::string msg = Packet(3, Skesk4(9, 8, key + 1)) + Packet(18, Seipd1(80));
    EXPECT_EQ(ParseBinary(msg, msg.size()).kind, MessageKind::kEncrypted) << key;
  }
  // disable-mdc=1: tag 9.
  std::string sed = Packet(3, Skesk4()) + Packet(9, RandomBytes(50, 6));
  EXPECT_EQ(ParseBinary(sed, sed.size()).packets, (std::vector<std::string>{"skesk", "sed"}));
  // pgp_pub_encrypt: PKESK v3 with RSA or Elgamal, then tag 18.
  std::string rsa = Packet(1, Pkesk3Rsa()) + Packet(18, Seipd1(80));
  Message m = ParseBinary(rsa, rsa.size());
  EXPECT_EQ(m.kind, MessageKind::kEncrypted) << m.failure;
  EXPECT_EQ(m.public_key_algorithm, "rsa");
  std::string elgamal =
      Packet(1, "\x03"s + RandomBytes(8, 7) + "\x10" + Mpi(2047, 8) + Mpi(2048, 9)) +
      Packet(18, Seipd1(80));
  m = ParseBinary(elgamal, elgamal.size());
  EXPECT_EQ(m.kind, MessageKind::kEncrypted) << m.failure;
  EXPECT_EQ(m.public_key_algorithm, "elgamal");
  // Long data: pgcrypto streams 16 KiB partial chunks (0xEE), ending with a definite one.
  std::string body = Seipd1(3 * 16384 + 100);
  std::string stream = Packet(3, Skesk4()) + "\xD2\xEE"s + body.substr(0, 16384) + "\xEE" +
                       body.substr(16384, 16384) + "\xEE" + body.substr(32768, 16384) +
                       NewLength(body.size() - 49152) + body.substr(49152);
  m = ParseBinary(stream, stream.size());
  EXPECT_EQ(m.kind, MessageKind::kEncrypted) << m.failure;
  EXPECT_EQ(m.payload_end, stream.size());
}

TEST(CiphertextOpenPgp, NewerPacketVersions) {
  // RFC 9580: SKESK v6 (AES-256, OCB, Argon2) and SEIPD v2.
  std::string argon2 = "\x04"s + RandomBytes(16, 10) + "\x01\x04\x15";
  std::string skesk6 = "\x06"s + static_cast<char>(3 + argon2.size() + 15) + "\x09\x02" +
                       static_cast<char>(argon2.size()) + argon2 + RandomBytes(15, 11) +
                       RandomBytes(32 + 16, 12);
  std::string seipd2 = "\x02\x09\x02\x0A"s + RandomBytes(32, 13) + RandomBytes(100, 14);
  std::string msg = Packet(3, skesk6) + Packet(18, seipd2);
  Message m = ParseBinary(msg, msg.size());
  EXPECT_EQ(m.kind, MessageKind::kEncrypted) << m.failure;
  EXPECT_EQ(m.s2k, "argon2");
  EXPECT_EQ(m.aead, "ocb");
  EXPECT_EQ(m.payload_begin, msg.size() - 100);
  // LibrePGP: SKESK v5 and the OCB Encrypted Data packet (tag 20), as GnuPG 2.3+ writes.
  std::string skesk5 = "\x05\x09\x02\x03\x08"s + RandomBytes(8, 15) + "\xFF" + RandomBytes(15, 16) +
                       RandomBytes(48, 17);
  std::string aead = "\x01\x09\x02\x10"s + RandomBytes(15, 18) + RandomBytes(90, 19);
  msg = Packet(3, skesk5) + Packet(20, aead);
  m = ParseBinary(msg, msg.size());
  EXPECT_EQ(m.kind, MessageKind::kEncrypted) << m.failure;
  EXPECT_EQ(m.packets, (std::vector<std::string>{"skesk", "aead"}));
  // PKESK v6 with X25519 naming a v6 key's fingerprint.
  std::string pkesk6 = "\x06\x21\x06"s + RandomBytes(32, 20) + "\x19" + RandomBytes(32, 21) +
                       "\x28" + RandomBytes(40, 22);
  msg = Packet(1, pkesk6) + Packet(18, seipd2);
  m = ParseBinary(msg, msg.size());
  EXPECT_EQ(m.kind, MessageKind::kEncrypted) << m.failure;
  EXPECT_EQ(m.public_key_algorithm, "x25519");
  // Marker packet first, padding packet last.
  msg = Packet(10, "PGP") + SymMessage() + Packet(21, RandomBytes(20, 23));
  m = ParseBinary(msg, msg.size());
  EXPECT_EQ(m.kind, MessageKind::kEncrypted) << m.failure;
  EXPECT_EQ(m.packets, (std::vector<std::string>{"marker", "skesk", "seipd", "padding"}));
}

TEST(CiphertextOpenPgp, UnencryptedMessages) {
  std::string literal = "b\x07msg.txt\x65\x00\x00\x00hello, world"s;
  std::string text_literal = "t\x00\x65\x00\x00\x00"s + "Dear Jane,\r\n";
  std::string one_pass = "\x03\x00\x08\x16"s + RandomBytes(8, 30) + "\x01";
  std::string signature = "\x04\x00\x16\x08\x00\x06"s + RandomBytes(6, 31) + "\x00\x00" +
                          "\xAB\xCD" + RandomBytes(64, 32);
  struct Case {
    const char* what;
    std::string bytes;
    bool recognised;
  };
  const Case cases[] = {
      {"literal (gpg --store without compression)", OldPacket(11, literal, 0), true},
      {"text literal, new format", Packet(11, text_literal), true},
      {"literal then garbage", Packet(11, literal) + "\x01\x02"s, false},
      {"literal then another literal", Packet(11, literal) + Packet(11, literal), false},
      {"literal with a control character in its name",
       Packet(11, "b\x03a\x01b" + RandomBytes(4, 1)), false},
      {"text literal holding binary", Packet(11, "t\x00\x00\x00\x00\x00"s + RandomBytes(40, 2)),
       false},
      {"literal format 'x'", Packet(11, "x\x00\x00\x00\x00\x00"s + "abc"), false},
      {"uncompressed compressed packet", OldPacket(8, "\x00"s + Packet(11, literal), 3), true},
      {"compressed packet over random bytes (deflate)",
       OldPacket(8, "\x01"s + RandomBytes(80, 3), 3), false},
      {"compressed packet over random bytes (zlib)",
       OldPacket(8, "\x02\x78\x9c"s + RandomBytes(80, 4), 3), false},
      {"one-pass signature, literal, signature",
       Packet(4, one_pass) + Packet(11, literal) + Packet(2, signature), true},
      {"signature then literal", Packet(2, signature) + Packet(11, literal), true},
      {"one-pass signature of the wrong length", Packet(4, one_pass + "x") + Packet(11, literal),
       false},
      {"signature then a user ID", Packet(2, signature) + Packet(13, "x"), false},
      {"literal longer than the value", Packet(11, literal).substr(0, 16), false},
  };
  for (const Case& c : cases) {
    Message m = ParseBinary(c.bytes, c.bytes.size());
    EXPECT_EQ(m.kind, c.recognised ? MessageKind::kUnencrypted : MessageKind::kNone)
        << c.what << ": " << m.failure;
  }
}

TEST(CiphertextOpenPgp, OldFormatLengths) {
  for (int type : {0, 1, 2}) {
    std::string msg = OldPacket(3, Skesk4(), type) + Packet(18, Seipd1(70));
    EXPECT_EQ(ParseBinary(msg, msg.size()).kind, MessageKind::kEncrypted) << type;
  }
  // Indeterminate length: the SED packet runs to the end of the value.
  std::string msg = OldPacket(3, Skesk4(), 0) + OldPacket(9, RandomBytes(70, 24), 3);
  EXPECT_EQ(ParseBinary(msg, msg.size()).kind, MessageKind::kEncrypted);
  // ... but a session-key packet may not.
  msg = OldPacket(3, Skesk4(), 3);
  EXPECT_EQ(ParseBinary(msg, msg.size()).kind, MessageKind::kNone);
}

TEST(CiphertextOpenPgp, RejectsMalformedPackets) {
  struct Case {
    const char* what;
    std::string bytes;
  };
  std::string seipd = Packet(18, Seipd1(60));
  std::string skesk = Skesk4();
  auto with = [&](size_t at, char value) {
    std::string s = skesk;
    s[at] = value;
    return Packet(3, s) + seipd;
  };
  const Case cases[] = {
      {"SKESK version 7", with(0, 7)},
      {"SKESK cipher 0 (plaintext)", with(1, 0)},
      {"SKESK cipher 5 (unassigned)", with(1, 5)},
      {"S2K type 2 (unassigned)", with(2, 2)},
      {"S2K hash 4 (unassigned)", with(3, 4)},
      {"session key of 16 octets", Packet(3, Skesk4(7, 2, 16)) + seipd},
      {"SKESK with a partial length", "\xC3\xE9"s + skesk + std::string(512, 'x') + seipd},
      {"no data packet", Packet(3, skesk)},
      {"SEIPD version 3", Packet(3, skesk) + Packet(18, "\x03"s + RandomBytes(60, 25))},
      {"SEIPD v1 too short for MDC", Packet(3, skesk) + Packet(18, Seipd1(20))},
      {"first partial chunk under 512", Packet(3, skesk) + "\xD2\xE8"s + Seipd1(255) + "\x01x"},
      {"literal data after SKESK", Packet(3, skesk) + Packet(11, "b\x00\x00\x00\x00\x00x"s)},
      {"MPI longer than stated",
       Packet(1, "\x03"s + RandomBytes(8, 26) + "\x01\x00\x08\xFF\x01"s) + seipd},
      {"MPI bits beyond the count",
       Packet(1, "\x03"s + RandomBytes(8, 26) + "\x01\x00\x07\xFF"s) + seipd},
      {"PKESK algorithm 17 (DSA)",
       Packet(1, "\x03"s + RandomBytes(8, 27) + "\x11" + Mpi(256, 1)) + seipd},
      {"marker with other content", Packet(10, "XYZ") + SymMessage()},
      {"lone SEIPD longer than the value", Packet(18, Seipd1(60)).substr(0, 40)},
      {"lone SEIPD (no session key)", Packet(18, Seipd1(60))},
      {"lone SED (no session key)", Packet(9, RandomBytes(60, 28))},
      {"user ID packet", Packet(13, "Jane <jane@example.invalid>")},
      {"not a packet (bit 7 clear)", "\x3C\x0D"s + skesk + seipd},
      {"tag 0", "\xC0\x05hello"s},
  };
  for (const Case& c : cases) {
    Message m = ParseBinary(c.bytes, c.bytes.size());
    EXPECT_EQ(m.kind, MessageKind::kNone) << c.what;
    EXPECT_NE(std::string(m.failure), "") << c.what;
  }
}

// Bytes after the encrypted data packet are not part of the message: reported as trailing
// (clear text appended to the ciphertext was not recognised as OpenPGP, and the whole
// judged by its statistics as random bytes).
TEST(CiphertextOpenPgp, TrailingBytes) {
  const std::string skesk = Skesk4(9, 3, 0);
  const std::string seipd = Packet(18, Seipd1(60));
  const std::string message = Packet(3, skesk) + seipd;
  for (const std::string& rest : {seipd, "\x00\x01"s, "Patient John Smith SSN 536-22-8714"s}) {
    const std::string bytes = message + rest;
    Message m = ParseBinary(bytes, bytes.size());
    EXPECT_EQ(m.kind, MessageKind::kEncrypted) << m.failure;
    EXPECT_TRUE(m.trailing);
    EXPECT_EQ(m.trailing_begin, message.size());
  }
  Message m = ParseBinary(message, message.size());
  EXPECT_FALSE(m.trailing);
}

TEST(CiphertextOpenPgp, TruncatedAndPrefix) {
  std::string full = ReadFixture("pgp_sym_aes256.gpg");
  // Cut inside the encrypted data: still an encrypted message, marked truncated.
  std::string cut = full.substr(0, 60);
  Message m = ParseBinary(cut, cut.size());
  EXPECT_EQ(m.kind, MessageKind::kEncrypted) << m.failure;
  EXPECT_TRUE(m.truncated);
  // Cut inside the session-key packet, or right after it: nothing to recognise.
  for (size_t n : {5, 14, 15, 16}) {
    EXPECT_EQ(ParseBinary(full.substr(0, n), n).kind, MessageKind::kNone) << n;
  }
  // A prefix of a longer value: the data continues past it, which is not truncation.
  std::string stream = ReadFixture("pgp_sym_stream.gpg");
  m = ParseBinary(std::string_view(stream).substr(0, 4096), stream.size());
  EXPECT_EQ(m.kind, MessageKind::kEncrypted) << m.failure;
  EXPECT_TRUE(m.continues);
  EXPECT_FALSE(m.truncated);
  EXPECT_EQ(m.payload_end, 4096u);
  // A prefix past the first partial chunk header (8 KiB chunks).
  m = ParseBinary(std::string_view(stream).substr(0, 10000), stream.size());
  EXPECT_EQ(m.kind, MessageKind::kEncrypted) << m.failure;
  EXPECT_TRUE(m.continues);
  // Unknown total length (armor cut before its END line).
  m = ParseBinary(std::string_view(stream).substr(0, 10000), kUnknownLength);
  EXPECT_EQ(m.kind, MessageKind::kEncrypted) << m.failure;
  EXPECT_TRUE(m.continues);
}

TEST(CiphertextOpenPgp, RandomBytesWithPlausibleTagsAreNotMessages) {
  // First octets of the packets pgcrypto and gpg write, then random bytes.
  const unsigned char firsts[] = {0x84, 0x85, 0x8C, 0x8D, 0xC1, 0xC3, 0xC9, 0xD2, 0xD4,
                                  0xA3, 0xA8, 0xAC, 0xAF, 0xC8, 0xCB, 0x90, 0x88, 0x89};
  int recognised = 0;
  for (unsigned char first : firsts) {
    for (uint64_t seed = 0; seed < 5000; ++seed) {
      std::string bytes = RandomBytes(16 + seed % 500, seed * 131 + first);
      bytes[0] = static_cast<char>(first);
      Message m = ParseBinary(bytes, bytes.size());
      if (m.kind != MessageKind::kNone) {
        ++recognised;
        ADD_FAILURE() << "first octet " << int(first) << " seed " << seed << " taken for "
                      << (m.packets.empty() ? "?" : m.packets.front());
      }
    }
  }
  EXPECT_EQ(recognised, 0);
}

// ------------------------------------------------------------------------------------
// Armor

TEST(CiphertextArmor, Crc24) {
  EXPECT_EQ(Crc24(""), 0xB704CEu);      // pgcrypto: armor('') ends in =twTO
  EXPECT_EQ(Crc24("test"), 0xF86ED0u);  // armor('test') ends in =+G7Q
}

TEST(CiphertextArmor, PgcryptoArmor) {
  // Outputs of pgcrypto's armor() and inputs of its dearmor() regression test.
  Armor a =
      DecodeArmor("-----BEGIN PGP MESSAGE-----\n\ndGVzdA==\n=+G7Q\n-----END PGP MESSAGE-----\n");
  EXPECT_TRUE(a.found);
  EXPECT_EQ(a.label, "PGP MESSAGE");
  EXPECT_TRUE(a.well_formed);
  EXPECT_TRUE(a.complete);
  EXPECT_TRUE(a.checksum_present);
  EXPECT_TRUE(a.checksum_ok);
  EXPECT_EQ(a.data, "test");

  a = DecodeArmor("-----BEGIN PGP MESSAGE-----\n\n=twTO\n-----END PGP MESSAGE-----\n");
  EXPECT_TRUE(a.checksum_ok);
  EXPECT_EQ(a.data, "");

  a = DecodeArmor(
      "\n-----BEGIN PGP MESSAGE-----\nComment: Some junk\n\nem9va2E=\n\n  =D5cR\n\n"
      "-----END PGP MESSAGE-----");
  EXPECT_TRUE(a.well_formed);
  EXPECT_TRUE(a.checksum_ok);
  EXPECT_EQ(a.data, "zooka");

  a = DecodeArmor("-----BEGIN PGP MESSAGE-----\n\nem9va2E=\n=ZZZZ\n-----END PGP MESSAGE-----\n");
  EXPECT_TRUE(a.checksum_present);
  EXPECT_FALSE(a.checksum_ok);
}

TEST(CiphertextArmor, GpgArmorAndVariants) {
  std::string asc = ReadFixture("pgp_sym_aes256.asc");
  Armor a = DecodeArmor(asc);
  EXPECT_TRUE(a.well_formed && a.complete && a.checksum_ok);
  EXPECT_NE(a.data.size(), 0u);
  EXPECT_EQ(ParseBinary(a.data, a.data.size()).kind, MessageKind::kEncrypted);

  // CRLF line ends, indentation and leading blank lines.
  std::string crlf;
  for (char c : asc) {
    if (c == '\n') crlf += '\r';
    crlf += c;
  }
  Armor b = DecodeArmor("\r\n  " + crlf);
  EXPECT_TRUE(b.well_formed && b.checksum_ok);
  EXPECT_EQ(b.data, a.data);

  // Cut before the END line: decoded as far as it goes.
  Armor cut = DecodeArmor(asc.substr(0, asc.size() / 2));
  EXPECT_TRUE(cut.found);
  EXPECT_FALSE(cut.complete);
  EXPECT_TRUE(cut.well_formed);
  EXPECT_EQ(cut.data, a.data.substr(0, cut.data.size()));

  // Wrong END label, bad characters, body after the checksum line.
  std::string wrong_end = asc;
  wrong_end.replace(wrong_end.find("END PGP MESSAGE"), 15, "END PGP SIGNATURE");
  EXPECT_FALSE(DecodeArmor(wrong_end).well_formed);
  std::string bad_char = asc;
  bad_char[bad_char.find("\n\n") + 5] = '*';
  EXPECT_FALSE(DecodeArmor(bad_char).well_formed);
  EXPECT_FALSE(DecodeArmor("-----BEGIN PGP MESSAGE-----\n\n=twTO\nAAAA\n"
                           "-----END PGP MESSAGE-----\n")
                   .well_formed);

  // Not armor.
  EXPECT_FALSE(DecodeArmor("hello").found);
  EXPECT_FALSE(DecodeArmor("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----").found);
  EXPECT_FALSE(DecodeArmor("text first\n-----BEGIN PGP MESSAGE-----\n").found);
}

}  // namespace
}  // namespace comply::posture::openpgp
