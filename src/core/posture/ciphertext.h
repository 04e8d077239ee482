// Tells whether a column value is ciphertext, for comply.is_encrypted and
// comply.check_encryption. In order:
//   1. OpenPGP messages are recognised by their packet structure (pgcrypto's
//      pgp_sym_encrypt and pgp_pub_encrypt output, binary or ASCII-armored);
//   2. formats that look random without being encrypted (gzip, zlib, zip, bzip2, xz,
//      zstd, lz4, 7z, PNG, JPEG, GIF, WebP, PDF, ...) are recognised by their signatures;
//   3. text is recognised as text or JSON, unless it is one token of hex or base64 (as
//      encode(..., 'hex'/'base64') writes), which is decoded and judged as bytes, or a
//      JWE/JWS compact token, or one of comply's own pseudonyms;
//   4. anything else is judged by byte statistics: Shannon entropy and a chi-square test
//      against uniform bytes. Random-looking bytes are ciphertext ("block-cipher" when the
//      length is a whole number of 8- or 16-byte blocks, as pgcrypto's encrypt() writes);
//      high-entropy bytes that fail the uniformity test are undetermined (compressed data
//      of an unknown format looks like that); low-entropy bytes are not ciphertext.
// Short values are judged cautiously: under kMinStatisticalLength binary bytes are
// "too-short"; under kShortLength random-looking bytes count as ciphertext only when they
// are whole cipher blocks, and 16 bytes shaped like a UUID stay undetermined. Statistics
// cannot tell ciphertext from other random bytes (a hash, a key, a random token); the
// evidence of short values says so.
// The evidence never contains the value's bytes: only format names, lengths, statistics
// and fixed reasons. Classify never throws on any input (std::bad_alloc aside).
#pragma once
#include "core/no_postgres.h"

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace comply::posture {

enum class Verdict { kEncrypted, kNotEncrypted, kUndetermined };

// "encrypted", "not_encrypted" or "undetermined".
const char* VerdictName(Verdict v);

// Bytes of a value that Classify reads; past this it knows only the length. 64 KiB are
// plenty for statistics and are judged in tens of microseconds.
inline constexpr size_t kMaxExamined = 64 * 1024;
// Binary values shorter than this are not judged by statistics ("too-short").
inline constexpr size_t kMinStatisticalLength = 16;
// Below this, random-looking bytes are called ciphertext only if their length is a
// multiple of 8 (a block cipher's output); otherwise they are undetermined.
inline constexpr size_t kShortLength = 64;
// Hex or base64 text shorter than this many bytes once decoded is read as plain text.
inline constexpr size_t kMinEncodedBytes = 16;

// What the judgement rests on. Never contains bytes of the value.
struct Evidence {
  enum class Kind {
    kEmpty,       // nothing to judge
    kStructure,   // a format recognised by parsing (OpenPGP, JWE, a pseudonym)
    kSignature,   // a known non-ciphertext format's magic number and header
    kText,        // printable text or JSON
    kStatistics,  // byte statistics alone
    kTooShort,    // too few bytes for statistics
  };
  Kind kind = Kind::kEmpty;
  // Format name: "openpgp-binary", "openpgp-armored", "openpgp-unencrypted",
  // "block-cipher", "random-looking", "high-entropy", "binary", "text", "json", "png",
  // "gzip", "too-short", "empty", ...; for decoded text, prefixed by the encoding
  // ("base64:block-cipher", "hex:text", "armor:text").
  std::string format;
  // Text encoding removed before judging: "", "hex", "base64", "armor".
  std::string encoding;
  size_t length = 0;    // bytes in the value
  size_t examined = 0;  // bytes of the value read (at most kMaxExamined)
  // Bytes judged after removing the encoding (== examined when there is none).
  size_t judged = 0;
  // Shannon entropy (bits per byte, 0..8) of the judged bytes. For n bytes it cannot
  // exceed log2(n): 16 random bytes score at most 4.
  double entropy_bits_per_byte = 0;
  // Pearson's chi-square of the judged bytes' histogram against uniform (255 degrees
  // of freedom), and its z-score (chi_square - 255) / sd; random bytes give |z| of a
  // few units.
  double chi_square = 0;
  double chi_square_z = 0;
  // For "block-cipher": 16 or 8, the cipher block size that the (decoded) length is a
  // whole multiple of. Otherwise 0.
  size_t block_size = 0;
  // OpenPGP only: packet names in order, algorithm names, truncation.
  std::vector<std::string> packets;
  std::string cipher;
  std::string public_key_algorithm;
  std::string s2k;
  std::string aead;
  bool truncated = false;
  // Fixed phrases explaining the verdict, most important first.
  std::vector<std::string> reasons;
};

struct Classification {
  Verdict verdict = Verdict::kUndetermined;
  Evidence evidence;
};

// Judges a whole value.
Classification Classify(std::string_view value);

// Judges a value of total_length bytes of which prefix holds the first bytes (at least
// min(total_length, kMaxExamined) of them for the full judgement), so the caller can
// fetch only a slice of a large value. A prefix longer than kMaxExamined is cut to it;
// a total_length smaller than the prefix is taken as the prefix's length.
Classification Classify(std::string_view prefix, size_t total_length);

// The classification as one JSON object: {"verdict", "format", "kind", "encoding",
// "length", "examined", "judged", "entropy", "chi_square", "chi_square_z",
// "block_size", "packets", "cipher", ..., "reasons"}; empty members are left out.
std::string EvidenceJson(const Classification& c);

// Name of an evidence kind: "empty", "structure", "signature", "text", "statistics",
// "too-short".
const char* KindName(Evidence::Kind kind);

// Judgement of a column from a sample of its values, for comply.check_encryption: the
// glue classifies each sampled value and adds it here, then reads the verdict, the share
// and the evidence.
class ColumnTally {
 public:
  // Counts one classified (non-NULL) value.
  void Add(const Classification& c);
  // Values judged (the sample is of non-NULL values: NULLs are not counted at all).
  size_t sample_size() const { return encrypted_ + not_encrypted_ + undetermined_; }
  // Share of the judged values that are ciphertext (0 when nothing was judged).
  double encrypted_share() const;
  // "encrypted": some values are ciphertext, none is not, and at most half are
  // undetermined; "not_encrypted": none is ciphertext and at least half are not;
  // "partially_encrypted": ciphertext and plain values side by side (the finding that
  // matters: rows written before encryption, or by a path that skips it);
  // "undetermined": mostly undetermined; "no_data": nothing judged.
  const char* verdict() const;
  // {"sample_size", "encrypted", "not_encrypted", "undetermined",
  //  "formats": {format: count, ...}, "mean_entropy", "bytes_examined"}.
  std::string EvidenceJson() const;

 private:
  size_t encrypted_ = 0;
  size_t not_encrypted_ = 0;
  size_t undetermined_ = 0;
  size_t bytes_examined_ = 0;
  double entropy_sum_ = 0;
  std::vector<std::pair<std::string, size_t>> formats_;  // in order of first appearance
};

}  // namespace comply::posture
