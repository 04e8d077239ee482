#include "core/ledger/ledger.h"

#include <gtest/gtest.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <unistd.h>

#include "core/error.h"

namespace comply::ledger {
namespace {

std::string Bytes(std::string_view hex) {
  auto b = FromHex(hex);
  EXPECT_TRUE(b.has_value()) << hex;
  return b.value_or("");
}

Hash HashFromHex(std::string_view hex) {
  std::string b = Bytes(hex);
  Hash h{};
  EXPECT_EQ(b.size(), h.size());
  std::copy(b.begin(), b.begin() + std::min(b.size(), h.size()), h.begin());
  return h;
}

std::string Str(const Hash& h) { return std::string(h.begin(), h.end()); }

// ---------------------------------------------------------------- SHA-256

TEST(LedgerSha256, Fips180Vectors) {
  EXPECT_EQ(ToHex(Sha256("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(ToHex(Sha256("")),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(ToHex(Sha256("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(ToHex(Sha256(std::string(1000000, 'a'))),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(LedgerSha256, BinaryInput) {
  // Embedded NUL bytes are hashed, not treated as terminators.
  EXPECT_NE(Sha256(std::string("a\0b", 3)), Sha256("a"));
  EXPECT_EQ(Sha256(std::string("a\0b", 3)), Sha256(std::string("a\0b", 3)));
}

// ---------------------------------------------------------------- hex

TEST(LedgerSha256, StreamEqualsOneShot) {
  {
    Sha256Stream s;
    s.Update("a");
    s.Update("");
    s.Update("bc");
    EXPECT_EQ(ToHex(s.Final()), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  }
  std::string data;
  for (int i = 0; i < 100000; ++i) data += static_cast<char>(i * 7 + 3);
  Sha256Stream s;
  for (size_t at = 0; at < data.size(); at += 997) s.Update(std::string_view(data).substr(at, 997));
  EXPECT_EQ(s.Final(), Sha256(data));
  Sha256Stream empty;
  EXPECT_EQ(empty.Final(), Sha256(""));
}

TEST(LedgerHex, RoundTrip) {
  EXPECT_EQ(ToHex(std::string_view("")), "");
  EXPECT_EQ(ToHex(std::string("\x00\x01\xab\xff", 4)), "0001abff");
  EXPECT_EQ(FromHex("0001abff"), std::string("\x00\x01\xab\xff", 4));
  EXPECT_EQ(FromHex("0001ABFF"), std::string("\x00\x01\xab\xff", 4));
  EXPECT_EQ(FromHex(""), std::string());
  std::string all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
  EXPECT_EQ(FromHex(ToHex(all)), all);
  Hash h = Sha256("x");
  EXPECT_EQ(ToHex(h).size(), 64u);
  EXPECT_EQ(FromHex(ToHex(h)), Str(h));
}

TEST(LedgerHex, RejectsMalformed) {
  EXPECT_FALSE(FromHex("0"));
  EXPECT_FALSE(FromHex("abc"));
  EXPECT_FALSE(FromHex("0g"));
  EXPECT_FALSE(FromHex("zz"));
  EXPECT_FALSE(FromHex(" 00"));
  EXPECT_FALSE(FromHex("0x00"));
  EXPECT_FALSE(FromHex(std::string("0\0", 2)));
}

// ---------------------------------------------------------------- entries

Entry SampleEntry() {
  Entry e;
  e.id = 42;
  e.logged_at_us = 1700000000000000;
  e.session_user = "alice";
  e.current_user = "alice";
  e.application_name = "psql";
  e.client_addr = "10.0.0.1/32";
  e.xid = "745";
  e.action = "read";
  e.object = "patients";
  e.details = "{\"n\": 1}";
  return e;
}

TEST(LedgerEntry, GoldenEncoding) {
  Entry e;
  e.id = 1;
  e.logged_at_us = 0x0102030405060708;
  e.session_user = "al";
  e.application_name = "";
  e.action = "r";
  const std::string expected = Bytes(
      "01"                  // version
      "0000000000000001"    // id
      "0102030405060708"    // logged_at_us
      "01" "00000002" "616c"  // session_user "al"
      "00"                  // current_user absent
      "01" "00000000"       // application_name ""
      "00"                  // client_addr absent
      "00"                  // xid absent
      "01" "00000001" "72"  // action "r"
      "00"                  // object absent
      "00");                // details absent
  EXPECT_EQ(ToHex(EncodeEntry(e)), ToHex(expected));
  // The leaf hash is domain-separated with a 0x00 prefix.
  EXPECT_EQ(EntryHash(e), Sha256(std::string(1, '\0') + expected));
}

TEST(LedgerEntry, AllAbsentAndNegativeNumbers) {
  Entry e;
  e.id = -1;
  e.logged_at_us = INT64_MIN;
  EXPECT_EQ(ToHex(EncodeEntry(e)),
            "01"
            "ffffffffffffffff"
            "8000000000000000"
            "0000000000000000");
}

TEST(LedgerEntry, LongFieldLength) {
  Entry e;
  e.details = std::string(0x012345, 'x');
  std::string enc = EncodeEntry(e);
  // 1 + 8 + 8 + 7 absent presence bytes = 24; details at the end.
  ASSERT_EQ(enc.size(), 24u + 1 + 4 + 0x012345);
  EXPECT_EQ(ToHex(enc.substr(24, 5)), "0100012345");
}

TEST(LedgerEntry, AbsentDiffersFromEmpty) {
  std::vector<std::optional<std::string> Entry::*> fields = {
      &Entry::session_user, &Entry::current_user, &Entry::application_name,
      &Entry::client_addr,  &Entry::xid,          &Entry::action,
      &Entry::object,       &Entry::details};
  for (auto field : fields) {
    Entry absent;
    Entry empty;
    empty.*field = std::string();
    EXPECT_NE(EncodeEntry(absent), EncodeEntry(empty));
    EXPECT_NE(EntryHash(absent), EntryHash(empty));
  }
}

TEST(LedgerEntry, FieldBoundariesAreUnambiguous) {
  // Moving bytes from one field to the next changes the encoding.
  Entry a;
  a.session_user = "ab";
  a.current_user = "c";
  Entry b;
  b.session_user = "a";
  b.current_user = "bc";
  EXPECT_NE(EntryHash(a), EntryHash(b));
}

TEST(LedgerEntry, EveryFieldChangesTheHash) {
  const Entry base = SampleEntry();
  const Hash h = EntryHash(base);
  EXPECT_EQ(EntryHash(SampleEntry()), h);  // deterministic

  std::vector<std::function<void(Entry&)>> mutations = {
      [](Entry& e) { e.id += 1; },
      [](Entry& e) { e.logged_at_us += 1; },
      [](Entry& e) { e.session_user = "alicf"; },
      [](Entry& e) { e.session_user.reset(); },
      [](Entry& e) { e.current_user = "bob"; },
      [](Entry& e) { e.current_user.reset(); },
      [](Entry& e) { e.application_name = "psql "; },
      [](Entry& e) { e.application_name.reset(); },
      [](Entry& e) { e.client_addr = "10.0.0.2/32"; },
      [](Entry& e) { e.client_addr.reset(); },
      [](Entry& e) { e.xid = "746"; },
      [](Entry& e) { e.xid.reset(); },
      [](Entry& e) { e.action = "write"; },
      [](Entry& e) { e.action.reset(); },
      [](Entry& e) { e.object = "patient"; },
      [](Entry& e) { e.object.reset(); },
      [](Entry& e) { e.details = "{\"n\": 2}"; },
      [](Entry& e) { e.details.reset(); },
  };
  std::vector<Hash> seen = {h};
  for (size_t i = 0; i < mutations.size(); ++i) {
    Entry e = base;
    mutations[i](e);
    Hash m = EntryHash(e);
    for (const Hash& s : seen) EXPECT_NE(m, s) << "mutation " << i;
    seen.push_back(m);
  }
}

// ---------------------------------------------------------------- Merkle trees

// The RFC 6962 reference implementation's test leaves; their leaf hashes are
// SHA-256(0x00 || data).
std::vector<Hash> RfcLeaves() {
  const std::vector<std::string> data = {
      "",
      "00",
      "10",
      "2021",
      "3031",
      "40414243",
      "5051525354555657",
      "606162636465666768696a6b6c6d6e6f",
  };
  std::vector<Hash> leaves;
  for (const auto& d : data) leaves.push_back(Sha256(std::string(1, '\0') + Bytes(d)));
  return leaves;
}

TEST(LedgerMerkle, Rfc6962RootVectors) {
  const std::vector<std::string> roots = {
      "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
      "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
      "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
      "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
      "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
      "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
      "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
      "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
  };
  const std::vector<Hash> all = RfcLeaves();
  for (size_t n = 1; n <= all.size(); ++n) {
    std::vector<Hash> leaves(all.begin(), all.begin() + n);
    EXPECT_EQ(ToHex(MerkleRoot(leaves)), roots[n - 1]) << "tree size " << n;
  }
}

TEST(LedgerMerkle, EmptyTree) {
  EXPECT_EQ(ToHex(MerkleRoot({})),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(LedgerMerkle, Rfc6962PathVectors) {
  struct Vector {
    size_t index;
    size_t size;
    std::vector<std::string> path;
  };
  const std::vector<Vector> vectors = {
      {0, 1, {}},
      {0,
       8,
       {"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"}},
      {5,
       8,
       {"bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}},
      {2, 3, {"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"}},
      {1,
       5,
       {"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"}},
  };
  const std::vector<Hash> all = RfcLeaves();
  for (const auto& v : vectors) {
    std::vector<Hash> leaves(all.begin(), all.begin() + v.size);
    std::vector<Hash> proof = InclusionProof(leaves, v.index);
    std::vector<std::string> got;
    for (const Hash& h : proof) got.push_back(ToHex(h));
    EXPECT_EQ(got, v.path) << "leaf " << v.index << " of " << v.size;
    std::vector<Hash> expected;
    for (const auto& s : v.path) expected.push_back(HashFromHex(s));
    EXPECT_TRUE(VerifyInclusion(leaves[v.index], v.index, v.size, expected,
                                MerkleRoot(leaves)));
  }
}

std::vector<Hash> MakeLeaves(size_t n) {
  std::vector<Hash> leaves;
  for (size_t i = 0; i < n; ++i) leaves.push_back(Sha256("leaf " + std::to_string(i)));
  return leaves;
}

// Expected audit path length for leaf m of a tree of n leaves (RFC 9162 PATH).
size_t PathLength(size_t m, size_t n) {
  if (n <= 1) return 0;
  size_t k = 1;
  while (k * 2 < n) k *= 2;
  return 1 + (m < k ? PathLength(m, k) : PathLength(m - k, n - k));
}

void CheckTree(size_t n) {
  SCOPED_TRACE("tree size " + std::to_string(n));
  const std::vector<Hash> leaves = MakeLeaves(n);
  const Hash root = MerkleRoot(leaves);
  Hash wrong_root = root;
  wrong_root[0] ^= 1;
  for (size_t i = 0; i < n; ++i) {
    SCOPED_TRACE("leaf " + std::to_string(i));
    const std::vector<Hash> proof = InclusionProof(leaves, i);
    EXPECT_EQ(proof.size(), PathLength(i, n));
    EXPECT_TRUE(VerifyInclusion(leaves[i], i, n, proof, root));
    // Wrong leaf.
    Hash bad_leaf = leaves[i];
    bad_leaf[31] ^= 0x80;
    EXPECT_FALSE(VerifyInclusion(bad_leaf, i, n, proof, root));
    if (n > 1) {
      EXPECT_FALSE(VerifyInclusion(leaves[(i + 1) % n], i, n, proof, root));
    }
    // Wrong root.
    EXPECT_FALSE(VerifyInclusion(leaves[i], i, n, proof, wrong_root));
    // Wrong index (every other index, including out-of-range ones).
    for (size_t j = 0; j < n + 2; ++j) {
      if (j == i) continue;
      EXPECT_FALSE(VerifyInclusion(leaves[i], j, n, proof, root)) << "index " << j;
    }
    // Wrong tree size. The RFC 9162 algorithm binds the size only through the path's
    // shape (the size is bound by the signed tree head): a size whose audit path for
    // this index has a different length must fail.
    for (size_t other = i + 1; other < n + 40; ++other) {
      if (other == n || PathLength(i, other) == proof.size()) continue;
      EXPECT_FALSE(VerifyInclusion(leaves[i], i, other, proof, root)) << "size " << other;
    }
    // Truncated, extended and tampered proofs.
    if (!proof.empty()) {
      std::vector<Hash> truncated(proof.begin(), proof.end() - 1);
      EXPECT_FALSE(VerifyInclusion(leaves[i], i, n, truncated, root));
      std::vector<Hash> first_dropped(proof.begin() + 1, proof.end());
      EXPECT_FALSE(VerifyInclusion(leaves[i], i, n, first_dropped, root));
      for (size_t p = 0; p < proof.size(); ++p) {
        std::vector<Hash> tampered = proof;
        tampered[p][5] ^= 0x10;
        EXPECT_FALSE(VerifyInclusion(leaves[i], i, n, tampered, root)) << "element " << p;
      }
    }
    std::vector<Hash> extended = proof;
    extended.push_back(leaves[0]);
    EXPECT_FALSE(VerifyInclusion(leaves[i], i, n, extended, root));
  }
}

TEST(LedgerMerkle, AllLeavesOfSmallTrees) {
  for (size_t n = 1; n <= 20; ++n) CheckTree(n);
}

TEST(LedgerMerkle, AllLeavesOfLargerTrees) {
  for (size_t n : {31u, 32u, 33u, 63u, 64u, 65u, 100u, 127u, 128u, 129u, 257u}) CheckTree(n);
}

TEST(LedgerMerkle, RootMatchesRecursiveDefinition) {
  // MTH(D[n]) = SHA-256(0x01 || MTH(D[0:k]) || MTH(D[k:n])), written out independently.
  std::function<Hash(const std::vector<Hash>&, size_t, size_t)> mth =
      [&](const std::vector<Hash>& d, size_t b, size_t e) -> Hash {
    if (e - b == 1) return d[b];
    size_t k = 1;
    while (k * 2 < e - b) k *= 2;
    return Sha256(std::string(1, '\x01') + Str(mth(d, b, b + k)) + Str(mth(d, b + k, e)));
  };
  for (size_t n = 1; n <= 40; ++n) {
    const auto leaves = MakeLeaves(n);
    EXPECT_EQ(MerkleRoot(leaves), mth(leaves, 0, n)) << n;
  }
}

TEST(LedgerMerkle, RootSensitiveToOrderAndCount) {
  auto leaves = MakeLeaves(5);
  const Hash root = MerkleRoot(leaves);
  auto swapped = leaves;
  std::swap(swapped[1], swapped[2]);
  EXPECT_NE(MerkleRoot(swapped), root);
  auto more = leaves;
  more.push_back(leaves.back());
  EXPECT_NE(MerkleRoot(more), root);
  // A single-leaf tree's root is the leaf hash itself.
  EXPECT_EQ(MerkleRoot({leaves[0]}), leaves[0]);
}

TEST(LedgerMerkle, ProofIndexOutOfRangeThrows) {
  const auto leaves = MakeLeaves(3);
  EXPECT_THROW(InclusionProof(leaves, 3), Error);
  EXPECT_THROW(InclusionProof({}, 0), Error);
  EXPECT_FALSE(VerifyInclusion(leaves[0], 0, 0, {}, Sha256("")));
}

// ---------------------------------------------------------------- blocks

BlockHeader SampleHeader() {
  BlockHeader b;
  b.block_no = 7;
  b.prev_hash = Sha256("prev");
  b.merkle_root = Sha256("root");
  b.entry_count = 3;
  b.sealed_at_us = 1700000000123456;
  b.node_id = "7301234567890123456";
  return b;
}

TEST(LedgerBlock, LayoutAsDocumented) {
  const BlockHeader b = SampleHeader();
  const std::string expected = Bytes("02"
                                     "01"
                                     "0000000000000007") +
                               Str(b.prev_hash) + Str(b.merkle_root) +
                               Bytes("0000000000000003"
                                     "00060a2418202240"  // 1700000000123456
                                     "00000013") +
                               "7301234567890123456";
  EXPECT_EQ(BlockHash(b), Sha256(expected));
}

TEST(LedgerBlock, DeterministicAndSensitiveToEveryField) {
  const Hash h = BlockHash(SampleHeader());
  EXPECT_EQ(BlockHash(SampleHeader()), h);
  std::vector<std::function<void(BlockHeader&)>> mutations = {
      [](BlockHeader& b) { b.block_no += 1; },
      [](BlockHeader& b) { b.prev_hash[0] ^= 1; },
      [](BlockHeader& b) { b.prev_hash = Hash{}; },
      [](BlockHeader& b) { b.merkle_root[31] ^= 1; },
      [](BlockHeader& b) { b.entry_count += 1; },
      [](BlockHeader& b) { b.sealed_at_us += 1; },
      [](BlockHeader& b) { b.node_id = "7301234567890123457"; },
      [](BlockHeader& b) { b.node_id.clear(); },
  };
  std::vector<Hash> seen = {h};
  for (size_t i = 0; i < mutations.size(); ++i) {
    BlockHeader b = SampleHeader();
    mutations[i](b);
    Hash m = BlockHash(b);
    for (const Hash& s : seen) EXPECT_NE(m, s) << "mutation " << i;
    seen.push_back(m);
  }
}

TEST(LedgerBlock, DomainSeparatedFromNodes) {
  // A block hash is never a Merkle node over the same bytes.
  BlockHeader b;
  EXPECT_NE(BlockHash(b), Sha256(""));
  EXPECT_NE(BlockHash(b), MerkleRoot({b.prev_hash, b.merkle_root}));
}

// ---------------------------------------------------------------- Ed25519

struct Rfc8032Vector {
  const char* secret;
  const char* public_key;
  const char* message;
  const char* signature;
};

const Rfc8032Vector kRfc8032[] = {
    {"9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
     "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
     "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bac"
     "c61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"},
    {"4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
     "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
     "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e"
     "458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"},
    {"c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
     "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025", "af82",
     "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290"
     "ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a"},
};

TEST(LedgerEd25519, Rfc8032Vectors) {
  for (const auto& v : kRfc8032) {
    SCOPED_TRACE(v.public_key);
    Signer s = Signer::FromSeed(Bytes(v.secret));
    EXPECT_EQ(ToHex(s.PublicKey()), v.public_key);
    const std::string msg = Bytes(v.message);
    const std::string sig = s.SignMessage(msg);
    EXPECT_EQ(ToHex(sig), v.signature);
    EXPECT_TRUE(VerifyMessageSignature(Bytes(v.public_key), msg, Bytes(v.signature)));
    // Tampered message, signature or key.
    EXPECT_FALSE(VerifyMessageSignature(Bytes(v.public_key), msg + "x", sig));
    std::string bad_sig = sig;
    bad_sig[10] ^= 1;
    EXPECT_FALSE(VerifyMessageSignature(Bytes(v.public_key), msg, bad_sig));
    std::string bad_key = Bytes(v.public_key);
    bad_key[0] ^= 1;
    EXPECT_FALSE(VerifyMessageSignature(bad_key, msg, sig));
  }
}

TEST(LedgerEd25519, SignsHashes) {
  Signer s = Signer::FromSeed(Bytes(kRfc8032[0].secret));
  const Hash h = BlockHash(SampleHeader());
  const std::string sig = s.Sign(h);
  ASSERT_EQ(sig.size(), 64u);
  EXPECT_EQ(sig, s.SignMessage(Str(h)));  // Ed25519 is deterministic
  EXPECT_TRUE(VerifySignature(s.PublicKey(), h, sig));
  Hash other = h;
  other[0] ^= 1;
  EXPECT_FALSE(VerifySignature(s.PublicKey(), other, sig));
  Signer t = Signer::FromSeed(Bytes(kRfc8032[1].secret));
  EXPECT_FALSE(VerifySignature(t.PublicKey(), h, sig));
}

TEST(LedgerEd25519, MalformedInputsDoNotVerify) {
  Signer s = Signer::FromSeed(Bytes(kRfc8032[0].secret));
  const Hash h = Sha256("x");
  const std::string sig = s.Sign(h);
  EXPECT_FALSE(VerifySignature("", h, sig));
  EXPECT_FALSE(VerifySignature(s.PublicKey().substr(0, 31), h, sig));
  EXPECT_FALSE(VerifySignature(s.PublicKey() + "x", h, sig));
  EXPECT_FALSE(VerifySignature(s.PublicKey(), h, ""));
  EXPECT_FALSE(VerifySignature(s.PublicKey(), h, sig.substr(0, 63)));
  EXPECT_FALSE(VerifySignature(s.PublicKey(), h, sig + "x"));
  EXPECT_FALSE(VerifySignature(s.PublicKey(), h, std::string(64, '\0')));
  EXPECT_FALSE(VerifySignature(std::string(32, '\0'), h, sig));
}

TEST(LedgerEd25519, FromSeedRejectsWrongSize) {
  EXPECT_THROW(Signer::FromSeed(""), Error);
  EXPECT_THROW(Signer::FromSeed(std::string(31, 'a')), Error);
  EXPECT_THROW(Signer::FromSeed(std::string(33, 'a')), Error);
}

TEST(LedgerEd25519, CopiesAndMovesSign) {
  Signer a = Signer::FromSeed(Bytes(kRfc8032[0].secret));
  Signer b = a;
  Signer c = std::move(a);
  const Hash h = Sha256("m");
  EXPECT_EQ(b.Sign(h), c.Sign(h));
  EXPECT_TRUE(VerifySignature(b.PublicKey(), h, c.Sign(h)));
}

// PEM of a freshly generated key of the given type ("ED25519", "RSA", "EC"), PKCS#8,
// optionally encrypted with a passphrase.
std::string GeneratePem(const char* type, const char* passphrase = nullptr) {
  EVP_PKEY* key = nullptr;
  if (std::string(type) == "RSA") {
    key = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{2048});
  } else if (std::string(type) == "EC") {
    key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
  } else {
    key = EVP_PKEY_Q_keygen(nullptr, nullptr, type);
  }
  EXPECT_NE(key, nullptr) << type;
  if (!key) return {};
  BIO* bio = BIO_new(BIO_s_mem());
  int ok;
  if (passphrase) {
    ok = PEM_write_bio_PKCS8PrivateKey(bio, key, EVP_aes_256_cbc(), passphrase,
                                       static_cast<int>(strlen(passphrase)), nullptr, nullptr);
  } else {
    ok = PEM_write_bio_PKCS8PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr);
  }
  EXPECT_EQ(ok, 1);
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  std::string pem(data, static_cast<size_t>(len));
  BIO_free(bio);
  EVP_PKEY_free(key);
  return pem;
}

void ExpectNotEd25519(const std::string& pem, const std::string& path) {
  try {
    Signer::FromPem(pem, path);
    ADD_FAILURE() << "accepted a key that is not Ed25519";
  } catch (const Error& e) {
    EXPECT_STREQ(e.sqlstate(), sqlstate::kConfigFileError);
    EXPECT_EQ(std::string(e.what()), path + " does not hold an Ed25519 private key");
    // No key material in any part of the error.
    if (pem.size() > 40) {
      const std::string body = pem.substr(pem.find('\n') + 1, 20);
      EXPECT_EQ(std::string(e.what()).find(body), std::string::npos);
      EXPECT_EQ(e.detail().find(body), std::string::npos);
      EXPECT_EQ(e.hint().find(body), std::string::npos);
    }
  }
}

TEST(LedgerEd25519, FromPemGeneratedKey) {
  const std::string pem = GeneratePem("ED25519");
  ASSERT_NE(pem.find("BEGIN PRIVATE KEY"), std::string::npos);
  Signer s = Signer::FromPem(pem, "/etc/key.pem");
  EXPECT_EQ(s.PublicKey().size(), 32u);
  const Hash h = Sha256("block");
  EXPECT_TRUE(VerifySignature(s.PublicKey(), h, s.Sign(h)));
}

TEST(LedgerEd25519, FromPemMatchesRawSeed) {
  // A PKCS#8 PEM of the RFC 8032 TEST 1 key gives the same public key and signatures.
  const std::string seed = Bytes(kRfc8032[0].secret);
  EVP_PKEY* key = EVP_PKEY_new_raw_private_key(
      EVP_PKEY_ED25519, nullptr, reinterpret_cast<const unsigned char*>(seed.data()),
      seed.size());
  ASSERT_NE(key, nullptr);
  BIO* bio = BIO_new(BIO_s_mem());
  ASSERT_EQ(PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr), 1);
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  const std::string pem(data, static_cast<size_t>(len));
  BIO_free(bio);
  EVP_PKEY_free(key);
  Signer s = Signer::FromPem(pem, "k.pem");
  EXPECT_EQ(ToHex(s.PublicKey()), kRfc8032[0].public_key);
  EXPECT_EQ(ToHex(s.SignMessage("")), kRfc8032[0].signature);
}

TEST(LedgerEd25519, FromPemOpensslCli) {
  // The key format the documentation tells users to create.
  char dir_template[] = "/tmp/ledger_test_XXXXXX";
  const char* dir = mkdtemp(dir_template);
  ASSERT_NE(dir, nullptr);
  const std::string path = std::string(dir) + "/key.pem";
  const std::string cmd =
      "openssl genpkey -algorithm ed25519 -out '" + path + "' 2>/dev/null";
  if (std::system(cmd.c_str()) != 0) {
    std::remove(path.c_str());
    rmdir(dir);
    GTEST_SKIP() << "openssl command-line tool not available";
  }
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  std::remove(path.c_str());
  rmdir(dir);
  Signer s = Signer::FromPem(ss.str(), path);
  const Hash h = Sha256("cli");
  EXPECT_TRUE(VerifySignature(s.PublicKey(), h, s.Sign(h)));
}

TEST(LedgerEd25519, FromPemRefusesOtherKeys) {
  ExpectNotEd25519(GeneratePem("RSA"), "/keys/rsa.pem");
  ExpectNotEd25519(GeneratePem("EC"), "/keys/ec.pem");
  ExpectNotEd25519(GeneratePem("X25519"), "/keys/x25519.pem");
  ExpectNotEd25519(GeneratePem("ED448"), "/keys/ed448.pem");
}

TEST(LedgerEd25519, FromPemRefusesGarbage) {
  ExpectNotEd25519("", "empty.pem");
  ExpectNotEd25519("not a key at all", "garbage.pem");
  ExpectNotEd25519("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", "t.pem");
  // A truncated Ed25519 PEM.
  const std::string pem = GeneratePem("ED25519");
  ExpectNotEd25519(pem.substr(0, pem.size() / 2), "half.pem");
  // A public key is not a private key.
  ExpectNotEd25519(
      "-----BEGIN PUBLIC KEY-----\n"
      "MCowBQYDK2VwAyEA11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=\n"
      "-----END PUBLIC KEY-----\n",
      "pub.pem");
}

TEST(LedgerEd25519, FromPemRefusesEncryptedKeyWithoutPrompting) {
  ExpectNotEd25519(GeneratePem("ED25519", "secret passphrase"), "encrypted.pem");
}

}  // namespace
}  // namespace comply::ledger

// The names comply.audit() reserves are compared as a reader takes them: look-alikes of
// "drift" and of the "ledger." prefix must read as those.
TEST(ActionSkeleton, LookAlikesReadAsTheNameTheyShow) {
  using comply::ledger::ActionSkeleton;
  EXPECT_EQ(ActionSkeleton("drift"), "drift");
  EXPECT_EQ(ActionSkeleton(" Drift\n"), "drift");
  EXPECT_EQ(ActionSkeleton("REVIEW.Decide"), "review.decide");
  // Zero-width space, word joiner, soft hyphen, no-break and ideographic spaces, a bidi
  // control, a variation selector, a tag character, the combining grapheme joiner.
  EXPECT_EQ(ActionSkeleton("\u200Bdri\u2060ft\u00AD"), "drift");
  EXPECT_EQ(ActionSkeleton("\u00A0drift\u3000"), "drift");
  EXPECT_EQ(ActionSkeleton("\u202Edrift\uFE0F\U000E0041"), "drift");
  EXPECT_EQ(ActionSkeleton("review.decide\u034F"), "review.decide");
  // A combining mark on a letter.
  EXPECT_EQ(ActionSkeleton("dri\u0301ft"), "drift");
  // Fullwidth forms, Cyrillic and Greek look-alikes, a dot look-alike.
  EXPECT_EQ(ActionSkeleton("\uFF44\uFF52\uFF49\uFF46\uFF54"), "drift");
  EXPECT_EQ(ActionSkeleton("dr\u0456ft"), "drift");                  // Cyrillic i
  EXPECT_EQ(ActionSkeleton("\u0440r\u043Etect"), "protect");         // Cyrillic p, o
  EXPECT_EQ(ActionSkeleton("\u0391I.decision"), "ai.decision");      // Greek Alpha
  EXPECT_EQ(ActionSkeleton("ledger\u2024archived"), "ledger.archived");
  EXPECT_EQ(ActionSkeleton("\uFF4Cedger.anything"), "ledger.anything");
  // Compatibility forms (QA 16): roman numerals, mathematical letters, a Braille blank,
  // small capitals, Latin alpha, Armenian oh, a capital I with a dot above.
  EXPECT_EQ(ActionSkeleton("prote\u217Dt"), "protect");
  EXPECT_EQ(ActionSkeleton("\u217Cedger.archived"), "ledger.archived");
  EXPECT_EQ(ActionSkeleton("\U0001D68D\U0001D69B\U0001D692\U0001D68F\U0001D69D"), "drift");
  EXPECT_EQ(ActionSkeleton("\U0001D5BD\U0001D5CB\U0001D5C2\U0001D5BF\U0001D5CD"), "drift");
  EXPECT_EQ(ActionSkeleton("unprotect\u2800"), "unprotect");
  EXPECT_EQ(ActionSkeleton("\u1D18\u0280\u1D0F\u1D1B\u1D07\u1D04\u1D1B"), "protect");
  EXPECT_EQ(ActionSkeleton("b\u0251seline"), "baseline");
  EXPECT_EQ(ActionSkeleton("f\u0585rget"), "forget");
  EXPECT_EQ(ActionSkeleton("DR\u0130FT"), "drift");
  // Other names keep what makes them other: letters of other scripts, bytes that are
  // not UTF-8 (an accent is dropped with the other marks: a letter and its mark read as
  // the letter).
  EXPECT_EQ(ActionSkeleton("facture.pay\u00E9e"), "facture.payee");
  // (A Cyrillic word: its look-alike letter read as Latin, the others kept.)
  EXPECT_EQ(ActionSkeleton("\u0434\u0440\u0438\u0444\u0442"), "\u0434p\u0438\u0444\u0442");
  EXPECT_EQ(ActionSkeleton(std::string("dr\xFFift", 6)), std::string("dr\xFFift", 6));
  EXPECT_EQ(ActionSkeleton("refund.approved"), "refund.approved");
  EXPECT_EQ(ActionSkeleton(""), "");
}
