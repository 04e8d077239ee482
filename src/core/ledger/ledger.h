// The audit ledger's cryptography: canonical entry encoding, SHA-256 entry hashes,
// Merkle trees with inclusion proofs (RFC 6962 / RFC 9162 shape), chained block hashes
// and Ed25519 signatures (OpenSSL).
#pragma once
#include "core/no_postgres.h"

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace comply::ledger {

using Hash = std::array<uint8_t, 32>;

// One audit entry as the ledger hashes it. Every field is text exactly as the database
// renders it canonically (see src/pg/ledger.cpp); absent values are std::nullopt, which
// encodes differently from an empty string.
struct Entry {
  int64_t id = 0;
  int64_t logged_at_us = 0;  // microseconds since the Unix epoch, UTC
  std::optional<std::string> session_user;
  std::optional<std::string> current_user;
  std::optional<std::string> application_name;
  std::optional<std::string> client_addr;
  std::optional<std::string> xid;
  std::optional<std::string> action;
  std::optional<std::string> object;
  std::optional<std::string> details;  // jsonb's text output
};

// Version byte of the canonical encoding; bumped if the encoding ever changes.
inline constexpr uint8_t kEncodingVersion = 1;

// Canonical encoding: version byte, id and time as 8-byte big-endian, then each
// optional field as a presence byte (0 absent, 1 present) followed, when present, by a
// 4-byte big-endian length and the bytes.
std::string EncodeEntry(const Entry& e);

// SHA-256 of data.
Hash Sha256(std::string_view data);

// SHA-256 of data given in parts (an export too large to hold at once).
class Sha256Stream {
 public:
  Sha256Stream();
  ~Sha256Stream();
  Sha256Stream(const Sha256Stream&) = delete;
  Sha256Stream& operator=(const Sha256Stream&) = delete;
  void Update(std::string_view data);
  Hash Final();  // once

 private:
  void* ctx_;  // EVP_MD_CTX
};

// Leaf hash of an entry: SHA-256(0x00 || EncodeEntry(e)) (domain-separated from nodes).
Hash EntryHash(const Entry& e);

// Merkle root over leaf hashes (RFC 9162 section 2.1.1: node = SHA-256(0x01 || l || r),
// split at the largest power of two smaller than n). The root of zero leaves is
// SHA-256 of the empty string.
Hash MerkleRoot(const std::vector<Hash>& leaves);

// Audit path for leaves[index] (RFC 9162 section 2.1.3), bottom to top.
std::vector<Hash> InclusionProof(const std::vector<Hash>& leaves, size_t index);

// Checks an audit path in O(log n) (RFC 9162 section 2.1.3.2).
bool VerifyInclusion(const Hash& leaf, size_t index, size_t tree_size,
                     const std::vector<Hash>& proof, const Hash& root);

// What a block commits to.
struct BlockHeader {
  int64_t block_no = 0;
  Hash prev_hash{};  // all zeros for the first block
  Hash merkle_root{};
  int64_t entry_count = 0;
  int64_t sealed_at_us = 0;
  std::string node_id;  // the PostgreSQL system_identifier, binding the chain to a node
};

// Block hash: SHA-256(0x02 || version || block_no || prev_hash || merkle_root ||
// entry_count || sealed_at_us || len(node_id) || node_id), integers big-endian.
Hash BlockHash(const BlockHeader& b);

// Lower-case hex of bytes, and back (nullopt if not even-length hex).
std::string ToHex(std::string_view bytes);
std::string ToHex(const Hash& h);
std::optional<std::string> FromHex(std::string_view hex);

// Ed25519 signing with a private key read from a PEM file (PKCS#8, as written by
// `openssl genpkey -algorithm ed25519`).
class Signer {
 public:
  // Throws comply::Error (F0000), naming the file as file_for_errors says ("the key file
  // of <setting>"), if the file is not an Ed25519 key; the key file's permissions are
  // checked by the caller.
  static Signer FromPem(std::string_view pem, const std::string& file_for_errors);
  // A signer from a raw 32-byte Ed25519 private key (the RFC 8032 "secret key"), for
  // test vectors and tools; throws comply::Error (22023) if seed is not 32 bytes. The
  // message never contains key material.
  static Signer FromSeed(std::string_view seed);
  std::string PublicKey() const;        // 32 raw bytes
  std::string Sign(const Hash& h) const;  // 64 raw bytes
  // Ed25519 signature over arbitrary bytes (Sign(h) is SignMessage of h's 32 bytes).
  std::string SignMessage(std::string_view message) const;

  Signer(const Signer&) = default;
  Signer& operator=(const Signer&) = default;
  Signer(Signer&&) = default;
  Signer& operator=(Signer&&) = default;
  ~Signer();  // wipes the private key from memory

 private:
  Signer() = default;
  std::string seed_;  // 32 raw bytes
  std::string public_key_;
};

// Verifies an Ed25519 signature over h with a 32-byte raw public key.
bool VerifySignature(std::string_view public_key, const Hash& h, std::string_view signature);

// Verifies an Ed25519 signature over arbitrary bytes; false on any malformed input.
bool VerifyMessageSignature(std::string_view public_key, std::string_view message,
                            std::string_view signature);

// An audit action's name as a reader would take it, for comparing a caller's action with
// the names pg_comply reserves: ASCII letters in lower case; white space, control and
// format characters (zero-width spaces, joiners, bidi controls, variation selectors, tag
// characters) and combining marks dropped; the fullwidth forms of ASCII read as ASCII;
// dot look-alikes as '.'; the Cyrillic and Greek letters that look like Latin ones as
// those. Other characters are kept (UTF-8 as given), and so are bytes that are not UTF-8.
// Not a general confusables skeleton: enough that a name which displays as a reserved
// one is caught.
std::string ActionSkeleton(std::string_view action);

// The members of an export line's (or a proof's) entry and block, as written: a verifier
// takes an object with any other member (a claim the hashes do not cover, "approved_by")
// for something that was never sealed.
inline constexpr std::array<std::string_view, 14> kEntryMembers = {
    "type", "id", "logged_at_us", "session_user", "current_user", "application_name",
    "client_addr", "xid", "action", "object", "details", "block_no", "leaf_index", "entry_hash"};
inline constexpr std::array<std::string_view, 10> kBlockMembers = {
    "type", "block_no", "prev_hash", "merkle_root", "entry_count", "sealed_at_us", "node_id",
    "block_hash", "signature", "signer_key"};
template <size_t N>
inline bool IsMember(std::string_view key, const std::array<std::string_view, N>& members) {
  for (std::string_view m : members)
    if (m == key) return true;
  return false;
}

}  // namespace comply::ledger
