#include "core/ledger/ledger.h"

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <memory>
#include <string>
#include <utility>

#include "core/error.h"
#include "core/sha256.h"
#include "core/utf8.h"

#include <unicode/bytestream.h>
#include <unicode/normalizer2.h>
#include <unicode/utf8.h>

namespace comply::ledger {

namespace {

// OpenSSL handles with their matching free functions.
struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX* p) const { EVP_MD_CTX_free(p); }
};
struct BioFree {
  void operator()(BIO* p) const { BIO_free(p); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;
using BioPtr = std::unique_ptr<BIO, BioFree>;

constexpr size_t kKeySize = 32;
constexpr size_t kSignatureSize = 64;

[[noreturn]] void Internal(const char* what) {
  ERR_clear_error();
  throw Error(sqlstate::kInternalError, std::string("OpenSSL failure: ") + what);
}

void AppendU8(std::string& out, uint8_t v) { out.push_back(static_cast<char>(v)); }

void AppendBe64(std::string& out, int64_t v) {
  const uint64_t u = static_cast<uint64_t>(v);
  for (int shift = 56; shift >= 0; shift -= 8) {
    out.push_back(static_cast<char>((u >> shift) & 0xff));
  }
}

void AppendBe32(std::string& out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) {
    out.push_back(static_cast<char>((v >> shift) & 0xff));
  }
}

void AppendField(std::string& out, const std::optional<std::string>& f) {
  if (!f) {
    AppendU8(out, 0);
    return;
  }
  if (f->size() > 0xffffffffu) {
    throw Error(sqlstate::kProgramLimitExceeded, "ledger entry field is too long to encode");
  }
  AppendU8(out, 1);
  AppendBe32(out, static_cast<uint32_t>(f->size()));
  out.append(*f);
}

void AppendHash(std::string& out, const Hash& h) {
  out.append(reinterpret_cast<const char*>(h.data()), h.size());
}

// SHA-256(0x01 || l || r).
Hash NodeHash(const Hash& l, const Hash& r) {
  std::string buf;
  buf.reserve(1 + 2 * sizeof(Hash));
  AppendU8(buf, 0x01);
  AppendHash(buf, l);
  AppendHash(buf, r);
  return Sha256(buf);
}

// Largest power of two strictly smaller than n (n >= 2).
size_t SplitPoint(size_t n) {
  size_t k = 1;
  while (k << 1 < n) k <<= 1;
  return k;
}

// MTH over leaves[begin, end), end > begin.
Hash SubtreeRoot(const std::vector<Hash>& leaves, size_t begin, size_t end) {
  const size_t n = end - begin;
  if (n == 1) return leaves[begin];
  const size_t k = SplitPoint(n);
  return NodeHash(SubtreeRoot(leaves, begin, begin + k), SubtreeRoot(leaves, begin + k, end));
}

// PATH(m, D[begin:end]) appended bottom to top (RFC 9162 section 2.1.3.1).
void SubtreeProof(const std::vector<Hash>& leaves, size_t m, size_t begin, size_t end,
                  std::vector<Hash>& out) {
  const size_t n = end - begin;
  if (n <= 1) return;
  const size_t k = SplitPoint(n);
  if (m < k) {
    SubtreeProof(leaves, m, begin, begin + k, out);
    out.push_back(SubtreeRoot(leaves, begin + k, end));
  } else {
    SubtreeProof(leaves, m - k, begin + k, end, out);
    out.push_back(SubtreeRoot(leaves, begin, begin + k));
  }
}

PkeyPtr PrivateKeyFromSeed(const std::string& seed) {
  PkeyPtr key(EVP_PKEY_new_raw_private_key(
      EVP_PKEY_ED25519, nullptr, reinterpret_cast<const unsigned char*>(seed.data()),
      seed.size()));
  if (!key) Internal("EVP_PKEY_new_raw_private_key");
  return key;
}

std::string RawPublicKey(EVP_PKEY* key) {
  std::string out(kKeySize, '\0');
  size_t len = out.size();
  if (EVP_PKEY_get_raw_public_key(key, reinterpret_cast<unsigned char*>(out.data()), &len) !=
          1 ||
      len != kKeySize) {
    Internal("EVP_PKEY_get_raw_public_key");
  }
  return out;
}

// Refuses to prompt for a passphrase: encrypted keys are not supported.
int NoPassphrase(char*, int, int, void*) { return -1; }

}  // namespace

std::string EncodeEntry(const Entry& e) {
  std::string out;
  size_t size = 1 + 8 + 8 + 8 * 5;
  for (const auto* f : {&e.session_user, &e.current_user, &e.application_name,
                        &e.client_addr, &e.xid, &e.action, &e.object, &e.details}) {
    if (*f) size += (*f)->size();
  }
  out.reserve(size);
  AppendU8(out, kEncodingVersion);
  AppendBe64(out, e.id);
  AppendBe64(out, e.logged_at_us);
  AppendField(out, e.session_user);
  AppendField(out, e.current_user);
  AppendField(out, e.application_name);
  AppendField(out, e.client_addr);
  AppendField(out, e.xid);
  AppendField(out, e.action);
  AppendField(out, e.object);
  AppendField(out, e.details);
  return out;
}

Hash Sha256(std::string_view data) {
  Hash h{};
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), h.data(), &len, Sha256Md(), nullptr) != 1 ||
      len != h.size()) {
    Internal("EVP_Digest(SHA-256)");
  }
  return h;
}

Sha256Stream::Sha256Stream() : ctx_(EVP_MD_CTX_new()) {
  if (!ctx_ || EVP_DigestInit_ex(static_cast<EVP_MD_CTX*>(ctx_), Sha256Md(), nullptr) != 1) {
    EVP_MD_CTX_free(static_cast<EVP_MD_CTX*>(ctx_));
    ctx_ = nullptr;
    Internal("EVP_DigestInit_ex(SHA-256)");
  }
}

Sha256Stream::~Sha256Stream() { EVP_MD_CTX_free(static_cast<EVP_MD_CTX*>(ctx_)); }

void Sha256Stream::Update(std::string_view data) {
  if (EVP_DigestUpdate(static_cast<EVP_MD_CTX*>(ctx_), data.data(), data.size()) != 1)
    Internal("EVP_DigestUpdate(SHA-256)");
}

Hash Sha256Stream::Final() {
  Hash h{};
  unsigned int len = 0;
  if (EVP_DigestFinal_ex(static_cast<EVP_MD_CTX*>(ctx_), h.data(), &len) != 1 || len != h.size())
    Internal("EVP_DigestFinal_ex(SHA-256)");
  return h;
}

Hash EntryHash(const Entry& e) {
  std::string buf;
  buf.push_back('\0');
  buf += EncodeEntry(e);
  return Sha256(buf);
}

Hash MerkleRoot(const std::vector<Hash>& leaves) {
  if (leaves.empty()) return Sha256({});
  return SubtreeRoot(leaves, 0, leaves.size());
}

std::vector<Hash> InclusionProof(const std::vector<Hash>& leaves, size_t index) {
  if (index >= leaves.size()) {
    throw Error(sqlstate::kInvalidParameterValue,
                "leaf index " + std::to_string(index) + " is out of range for a tree of " +
                    std::to_string(leaves.size()) + " leaves");
  }
  std::vector<Hash> out;
  SubtreeProof(leaves, index, 0, leaves.size(), out);
  return out;
}

bool VerifyInclusion(const Hash& leaf, size_t index, size_t tree_size,
                     const std::vector<Hash>& proof, const Hash& root) {
  // RFC 9162 section 2.1.3.2, step by step.
  if (index >= tree_size) return false;
  size_t fn = index;
  size_t sn = tree_size - 1;
  Hash r = leaf;
  for (const Hash& p : proof) {
    if (sn == 0) return false;
    if ((fn & 1) != 0 || fn == sn) {
      r = NodeHash(p, r);
      if ((fn & 1) == 0) {
        while ((fn & 1) == 0 && fn != 0) {
          fn >>= 1;
          sn >>= 1;
        }
      }
    } else {
      r = NodeHash(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return sn == 0 && r == root;
}

Hash BlockHash(const BlockHeader& b) {
  std::string buf;
  buf.reserve(2 + 8 + 32 + 32 + 8 + 8 + 4 + b.node_id.size());
  AppendU8(buf, 0x02);
  AppendU8(buf, kEncodingVersion);
  AppendBe64(buf, b.block_no);
  AppendHash(buf, b.prev_hash);
  AppendHash(buf, b.merkle_root);
  AppendBe64(buf, b.entry_count);
  AppendBe64(buf, b.sealed_at_us);
  if (b.node_id.size() > 0xffffffffu) {
    throw Error(sqlstate::kProgramLimitExceeded, "node id is too long to encode");
  }
  AppendBe32(buf, static_cast<uint32_t>(b.node_id.size()));
  buf += b.node_id;
  return Sha256(buf);
}

std::string ToHex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 0x0f]);
  }
  return out;
}

std::string ToHex(const Hash& h) {
  return ToHex(std::string_view(reinterpret_cast<const char*>(h.data()), h.size()));
}

std::optional<std::string> FromHex(std::string_view hex) {
  if (hex.size() % 2 != 0) return std::nullopt;
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  out.reserve(hex.size() / 2);
  for (size_t i = 0; i < hex.size(); i += 2) {
    const int hi = nibble(hex[i]);
    const int lo = nibble(hex[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<char>((hi << 4) | lo));
  }
  return out;
}

Signer::~Signer() {
  if (!seed_.empty()) OPENSSL_cleanse(seed_.data(), seed_.size());
}

Signer Signer::FromPem(std::string_view pem, const std::string& file_for_errors) {
  const std::string not_ed25519 = file_for_errors + " does not hold an Ed25519 private key";
  if (pem.size() > static_cast<size_t>(INT32_MAX)) {
    throw Error(sqlstate::kConfigFileError, not_ed25519);
  }
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) Internal("BIO_new_mem_buf");
  PkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, NoPassphrase, nullptr));
  ERR_clear_error();
  if (!key || EVP_PKEY_get_id(key.get()) != EVP_PKEY_ED25519) {
    throw Error(sqlstate::kConfigFileError, not_ed25519,
                {}, "Generate one with: openssl genpkey -algorithm ed25519 -out <file>");
  }
  Signer s;
  s.seed_.assign(kKeySize, '\0');
  size_t len = s.seed_.size();
  if (EVP_PKEY_get_raw_private_key(key.get(), reinterpret_cast<unsigned char*>(s.seed_.data()),
                                   &len) != 1 ||
      len != kKeySize) {
    Internal("EVP_PKEY_get_raw_private_key");
  }
  s.public_key_ = RawPublicKey(key.get());
  return s;
}

Signer Signer::FromSeed(std::string_view seed) {
  if (seed.size() != kKeySize) {
    throw Error(sqlstate::kInvalidParameterValue, "an Ed25519 private key must be 32 bytes");
  }
  Signer s;
  s.seed_.assign(seed.data(), seed.size());
  PkeyPtr key = PrivateKeyFromSeed(s.seed_);
  s.public_key_ = RawPublicKey(key.get());
  return s;
}

std::string Signer::PublicKey() const { return public_key_; }

std::string Signer::SignMessage(std::string_view message) const {
  PkeyPtr key = PrivateKeyFromSeed(seed_);
  MdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx) Internal("EVP_MD_CTX_new");
  if (EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key.get()) != 1) {
    Internal("EVP_DigestSignInit");
  }
  std::string sig(kSignatureSize, '\0');
  size_t len = sig.size();
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len,
                     reinterpret_cast<const unsigned char*>(message.data()),
                     message.size()) != 1 ||
      len != kSignatureSize) {
    Internal("EVP_DigestSign");
  }
  return sig;
}

std::string Signer::Sign(const Hash& h) const {
  return SignMessage(std::string_view(reinterpret_cast<const char*>(h.data()), h.size()));
}

bool VerifyMessageSignature(std::string_view public_key, std::string_view message,
                            std::string_view signature) {
  if (public_key.size() != kKeySize || signature.size() != kSignatureSize) return false;
  PkeyPtr key(EVP_PKEY_new_raw_public_key(
      EVP_PKEY_ED25519, nullptr, reinterpret_cast<const unsigned char*>(public_key.data()),
      public_key.size()));
  if (!key) {
    ERR_clear_error();
    return false;
  }
  MdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx) Internal("EVP_MD_CTX_new");
  if (EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, key.get()) != 1) {
    ERR_clear_error();
    return false;
  }
  const int rc = EVP_DigestVerify(
      ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
      reinterpret_cast<const unsigned char*>(message.data()), message.size());
  ERR_clear_error();
  return rc == 1;
}

bool VerifySignature(std::string_view public_key, const Hash& h, std::string_view signature) {
  return VerifyMessageSignature(
      public_key, std::string_view(reinterpret_cast<const char*>(h.data()), h.size()),
      signature);
}

namespace {

// Characters that show nothing (or only space) in a name: white space, controls, format
// characters, variation selectors, tags, combining marks.
bool Invisible(int32_t cp) {
  if (cp <= 0x20 || (cp >= 0x7F && cp <= 0xA0) || cp == 0xAD) return true;
  if ((cp >= 0x300 && cp <= 0x36F) || (cp >= 0x483 && cp <= 0x489)) return true;
  if (cp == 0x61C || cp == 0x115F || cp == 0x1160 || cp == 0x1680 || cp == 0x17B4 || cp == 0x17B5)
    return true;
  if (cp >= 0x180B && cp <= 0x180F) return true;
  if ((cp >= 0x1AB0 && cp <= 0x1AFF) || (cp >= 0x1DC0 && cp <= 0x1DFF)) return true;
  if ((cp >= 0x2000 && cp <= 0x200F) || (cp >= 0x2028 && cp <= 0x202F) || (cp >= 0x205F && cp <= 0x206F))
    return true;
  if ((cp >= 0x20D0 && cp <= 0x20FF) || cp == 0x3000 || cp == 0x3164) return true;
  if ((cp >= 0xFE00 && cp <= 0xFE0F) || (cp >= 0xFE20 && cp <= 0xFE2F) || cp == 0xFEFF || cp == 0xFFA0)
    return true;
  if (cp >= 0xFFF9 && cp <= 0xFFFB) return true;
  if (cp == 0x2800) return true;  // BRAILLE PATTERN BLANK, shown as a space
  if ((cp >= 0x1D173 && cp <= 0x1D17A) || (cp >= 0xE0000 && cp <= 0xE0FFF)) return true;
  return false;
}

// The ASCII character a look-alike reads as (lower case), or 0.
char LookAlike(int32_t cp) {
  if (cp >= 0xFF01 && cp <= 0xFF5E) return static_cast<char>(cp - 0xFEE0);  // fullwidth
  switch (cp) {
    case 0x2024: case 0xFE52: case 0x3002: case 0xFF61: return '.';
    case 0xFE4D: case 0xFE4E: case 0xFE4F: return '_';
    case 0x2010: case 0x2011: case 0x2012: case 0x2013: case 0x2212: case 0xFE63: return '-';
    // Cyrillic
    case 0x0430: case 0x0410: return 'a';
    case 0x0412: return 'b';
    case 0x0441: case 0x0421: return 'c';
    case 0x0501: return 'd';
    case 0x0435: case 0x0415: return 'e';
    case 0x04BB: case 0x041D: return 'h';
    case 0x0456: case 0x0406: case 0x04CF: return 'i';
    case 0x0458: case 0x0408: return 'j';
    case 0x041A: return 'k';
    case 0x041C: return 'm';
    case 0x043E: case 0x041E: return 'o';
    case 0x0440: case 0x0420: return 'p';
    case 0x051B: return 'q';
    case 0x0455: case 0x0405: return 's';
    case 0x0422: return 't';
    case 0x051D: return 'w';
    case 0x0445: case 0x0425: return 'x';
    case 0x0443: case 0x0423: return 'y';
    // Greek
    case 0x03B1: case 0x0391: return 'a';
    case 0x0392: return 'b';
    case 0x03B5: case 0x0395: return 'e';
    case 0x0397: return 'h';
    case 0x03B9: case 0x0399: return 'i';
    case 0x03BA: case 0x039A: return 'k';
    case 0x039C: return 'm';
    case 0x03BD: case 0x039D: return 'n';
    case 0x03BF: case 0x039F: return 'o';
    case 0x03C1: case 0x03A1: return 'p';
    case 0x03C4: case 0x03A4: return 't';
    case 0x03C5: return 'u';
    case 0x03C7: case 0x03A7: return 'x';
    case 0x03A5: return 'y';
    case 0x0396: return 'z';
    // Latin letters that read as ASCII ones
    case 0x0131: case 0x0269: return 'i';
    case 0x017F: return 's';
    case 0x0261: return 'g';
    case 0x212A: return 'k';
    case 0x0251: return 'a';  // LATIN SMALL LETTER ALPHA
    case 0x0585: return 'o';  // ARMENIAN SMALL LETTER OH
    // Small capitals (no compatibility mapping of their own): "ᴘʀᴏᴛᴇᴄᴛ"
    case 0x1D00: return 'a';
    case 0x0299: return 'b';
    case 0x1D04: return 'c';
    case 0x1D05: return 'd';
    case 0x1D07: return 'e';
    case 0xA730: return 'f';
    case 0x0262: return 'g';
    case 0x029C: return 'h';
    case 0x026A: return 'i';
    case 0x1D0A: return 'j';
    case 0x1D0B: return 'k';
    case 0x029F: return 'l';
    case 0x1D0D: return 'm';
    case 0x0274: return 'n';
    case 0x1D0F: return 'o';
    case 0x1D18: return 'p';
    case 0x0280: return 'r';
    case 0xA731: return 's';
    case 0x1D1B: return 't';
    case 0x1D1C: return 'u';
    case 0x1D20: return 'v';
    case 0x1D21: return 'w';
    case 0x028F: return 'y';
    case 0x1D22: return 'z';
    default: return 0;
  }
}

}  // namespace

namespace {
bool WellFormed(std::string_view s) {
  for (int32_t i = 0, n = static_cast<int32_t>(s.size()); i < n;) {
    UChar32 c;
    U8_NEXT(reinterpret_cast<const uint8_t*>(s.data()), i, n, c);
    if (c < 0) return false;
  }
  return true;
}
}  // namespace

std::string ActionSkeleton(std::string_view raw) {
  // Compatibility forms first (NFKD): roman numerals ("ⅽ", "ⅼ"), mathematical letters
  // ("𝚍𝚛𝚒𝚏𝚝"), ligatures and the like read as the letters they are drawn as (QA 16), and a
  // letter with an accent as the letter and its mark, which is dropped below ("İ", "é";
  // composed, NFKC, "dri\u0301ft" would become "dríft").
  std::string normalized;
  {
    UErrorCode status = U_ZERO_ERROR;
    const icu::Normalizer2* nfkd = icu::Normalizer2::getNFKDInstance(status);
    if (U_SUCCESS(status) && WellFormed(raw)) {
      icu::StringByteSink<std::string> sink(&normalized);
      nfkd->normalizeUTF8(0, icu::StringPiece(raw.data(), static_cast<int32_t>(raw.size())), sink,
                          nullptr, status);
    }
    if (U_FAILURE(status) || !WellFormed(raw)) normalized.assign(raw.data(), raw.size());
  }
  const std::string_view action = normalized;
  std::string out;
  out.reserve(action.size());
  for (size_t i = 0; i < action.size();) {
    const unsigned char c = static_cast<unsigned char>(action[i]);
    size_t len = 1;
    const int32_t cp = c < 0x80 ? c : static_cast<int32_t>(MultiByteAt(action, i, &len));
    if (cp == 0 && c != 0) {
      out += action[i];  // not UTF-8: kept
    } else if (Invisible(cp)) {
      // dropped
    } else if (const char a = cp < 0x80 ? static_cast<char>(cp) : LookAlike(cp)) {
      out += (a >= 'A' && a <= 'Z') ? static_cast<char>(a | 0x20) : a;
    } else {
      out.append(action.substr(i, len));
    }
    i += len;
  }
  return out;
}

}  // namespace comply::ledger
