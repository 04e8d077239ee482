// Structural recognition of OpenPGP messages (RFC 4880, RFC 9580 and LibrePGP's v5
// packets), far enough to tell an encrypted message (what pgcrypto's pgp_sym_encrypt and
// pgp_pub_encrypt write) from an unencrypted one and from bytes that merely start with a
// plausible packet tag. Nothing is decrypted or decompressed; packet bodies are read
// only for their version, algorithm and length fields, and nothing read is kept except
// algorithm names.
#pragma once
#include "core/no_postgres.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace comply::posture::openpgp {

// Total length to pass when the length of the whole message is not known (a prefix
// decoded from cut armor): packets running past the bytes given are then neither
// confirmed nor called truncated.
inline constexpr size_t kUnknownLength = SIZE_MAX;

// Largest session-key packet accepted (RSA-16384 and some slack); a bigger one is taken
// for garbage rather than read.
inline constexpr size_t kMaxSessionKeyPacket = 4096;

enum class MessageKind {
  kNone,         // not an OpenPGP message this parser recognises
  kEncrypted,    // [marker] session-key packets, then one encrypted data packet
  kUnencrypted,  // starts with literal data, compressed data or a signature
};

// What ParseBinary found. Names are lower-case constants ("skesk", "aes256").
struct Message {
  MessageKind kind = MessageKind::kNone;
  // Why the bytes are not a message (a fixed phrase), when kind is kNone.
  const char* failure = "";
  // Packet names in order: marker, pkesk, skesk, sed, seipd, aead, padding, compressed,
  // literal, one-pass-signature, signature.
  std::vector<std::string> packets;
  // Symmetric cipher named in the message (SKESK, SEIPD v2 or AEAD packet), if any.
  std::string cipher;
  // Public-key algorithm of the first PKESK ("rsa", "elgamal", "ecdh", ...), if any.
  std::string public_key_algorithm;
  // String-to-key specifier of the first SKESK ("iterated-salted", ...), if any.
  std::string s2k;
  // AEAD mode ("eax", "ocb", "gcm") of v5/v6 packets, if any.
  std::string aead;
  // The message declares more bytes than the value has (cut short).
  bool truncated = false;
  // The encrypted data continues past the bytes given (which were a prefix of a longer
  // value); its end was not checked.
  bool continues = false;
  // Byte range of the encrypted payload within the bytes given (after the data packet's
  // own version and algorithm fields; partial-length octets are not skipped).
  size_t payload_begin = 0;
  size_t payload_end = 0;
  // Bytes that are not packets of the message follow it (from trailing_begin on): data
  // stored beside the ciphertext, outside it (an encrypted message only).
  bool trailing = false;
  size_t trailing_begin = 0;
};

// Parses bytes, the first bytes of a value of total_length bytes (total_length ==
// bytes.size() when the whole value is given; kUnknownLength if unknown), as a binary
// OpenPGP message. Every packet's header, version, algorithm identifiers and length
// must be valid and consistent with the value's length; an encrypted message ends with
// its encrypted data packet (padding packets aside): bytes after it are reported as
// trailing. Never throws.
Message ParseBinary(std::string_view bytes, size_t total_length);

// ASCII armor (RFC 4880 section 6, RFC 9580 section 6.2).
struct Armor {
  // The text starts (after whitespace) with a "-----BEGIN PGP ...-----" line.
  bool found = false;
  // What follows "BEGIN ": "PGP MESSAGE", "PGP PUBLIC KEY BLOCK", ...
  std::string label;
  // The body is well-formed base64 (whitespace aside) and the END line, if present,
  // has the same label.
  bool well_formed = false;
  // An "-----END ...-----" line was found; without one the text was cut.
  bool complete = false;
  // A "=XXXX" CRC-24 line was present, and whether it matched the decoded data.
  bool checksum_present = false;
  bool checksum_ok = false;
  // Non-whitespace text follows the END line.
  bool trailing_text = false;
  // The decoded body (without the checksum).
  std::string data;
};

// Decodes text as one ASCII-armored block: BEGIN line, optional "Key: value" header
// lines, a blank line (optional here, as in pgcrypto's dearmor), base64 lines, an
// optional checksum line and the END line. Lines may end in CRLF and be indented.
// Never throws.
Armor DecodeArmor(std::string_view text);

// CRC-24 of RFC 4880 section 6.1 (the armor checksum).
uint32_t Crc24(std::string_view data);

// Name of a symmetric cipher id ("aes128"), or nullptr if not a cipher for encryption.
const char* CipherName(int id);

}  // namespace comply::posture::openpgp
