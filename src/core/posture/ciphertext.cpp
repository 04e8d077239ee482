#include "core/posture/ciphertext.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <optional>
#include <utility>

#include "core/error.h"
#include "core/json.h"
#include "core/posture/codec.h"
#include "core/posture/openpgp.h"

namespace comply::posture {
namespace {

constexpr size_t kUnknown = openpgp::kUnknownLength;

// ---------------------------------------------------------------------------------------
// Byte statistics

struct ByteStats {
  size_t n = 0;
  std::array<uint32_t, 256> counts{};
  double entropy = 0;     // bits per byte
  double chi_square = 0;  // against uniform, 255 degrees of freedom
  double z = 0;           // (chi_square - 255) / its standard deviation under uniformity
  size_t printable = 0;   // bytes 0x20..0x7e
};

// c * log2(c) for small counts, so that a 1 KB value needs no logarithm calls.
const std::array<double, 256>& CountLogTable() {
  static const std::array<double, 256> table = [] {
    std::array<double, 256> t{};
    for (size_t c = 1; c < t.size(); ++c) t[c] = double(c) * std::log2(double(c));
    return t;
  }();
  return table;
}

ByteStats Measure(std::string_view b) {
  ByteStats s;
  s.n = b.size();
  // Four interleaved histograms break the store-to-load dependency on repeated bytes.
  std::array<std::array<uint32_t, 256>, 4> h{};
  const unsigned char* p = reinterpret_cast<const unsigned char*>(b.data());
  size_t i = 0;
  for (; i + 4 <= s.n; i += 4) {
    ++h[0][p[i]];
    ++h[1][p[i + 1]];
    ++h[2][p[i + 2]];
    ++h[3][p[i + 3]];
  }
  for (; i < s.n; ++i) ++h[0][p[i]];
  for (size_t c = 0; c < 256; ++c) s.counts[c] = h[0][c] + h[1][c] + h[2][c] + h[3][c];
  if (s.n == 0) return s;

  const std::array<double, 256>& table = CountLogTable();
  double sum_clogc = 0;
  uint64_t sum_sq = 0;
  for (size_t c = 0; c < 256; ++c) {
    uint32_t k = s.counts[c];
    if (k == 0) continue;
    sum_clogc += k < table.size() ? table[k] : double(k) * std::log2(double(k));
    sum_sq += uint64_t(k) * k;
    if (c >= 0x20 && c <= 0x7E) s.printable += k;
  }
  double n = double(s.n);
  s.entropy = std::max(0.0, std::log2(n) - sum_clogc / n);
  // sum (k - n/256)^2 / (n/256) = 256 * sum k^2 / n - n
  s.chi_square = 256.0 * double(sum_sq) / n - n;
  // Under uniformity the statistic has mean 255 and variance 510 (1 - 1/n) exactly.
  double sd = std::sqrt(510.0 * (1.0 - 1.0 / n));
  s.z = sd > 0 ? (s.chi_square - 255.0) / sd : 0;
  return s;
}

// Largest chi-square z-score accepted as uniform for n bytes. The statistic's tail is
// heavy when bytes are few (most counts 0 or 1), so the bound loosens as n shrinks; at
// every n it is above what a million random strings reach in the tests, and far below
// text, structured binary or (past a kilobyte or two) most compressed data.
double UniformZLimit(size_t n) { return 6.0 + 40.0 / std::sqrt(double(n)); }

// z-score of the count of printable ASCII bytes against its binomial expectation.
double PrintableZ(const ByteStats& s) {
  constexpr double p = 95.0 / 256.0;
  double n = double(s.n);
  return (double(s.printable) - n * p) / std::sqrt(n * p * (1 - p));
}

bool LooksUniform(const ByteStats& s, double slack = 0) {
  return s.n > 0 && s.z <= UniformZLimit(s.n) + slack && PrintableZ(s) <= 5.0 + slack;
}

// Entropy as a share of the most n bytes can show (8 bits, or log2 n when n < 256).
double EntropyShare(const ByteStats& s) {
  if (s.n < 2) return 0;
  return s.entropy / std::min(8.0, std::log2(double(s.n)));
}

// Entropy share from which bytes that fail the uniformity test are "high-entropy"
// (undetermined) rather than "binary" (not encrypted).
constexpr double kHighEntropyShare = 0.85;

// ---------------------------------------------------------------------------------------
// Signatures of formats that are not ciphertext

bool StartsWith(std::string_view b, std::string_view prefix) {
  return b.size() >= prefix.size() && std::memcmp(b.data(), prefix.data(), prefix.size()) == 0;
}

uint8_t Byte(std::string_view b, size_t i) { return static_cast<uint8_t>(b[i]); }

uint32_t Le32(std::string_view b, size_t i) {
  return uint32_t(Byte(b, i)) | uint32_t(Byte(b, i + 1)) << 8 | uint32_t(Byte(b, i + 2)) << 16 |
         uint32_t(Byte(b, i + 3)) << 24;
}

using namespace std::string_view_literals;

// Bytes inflated to believe a zlib header: random bytes fail long before.
constexpr size_t kInflateCheck = 1024;

// Format name of a recognised non-ciphertext signature at the start of b (a value of
// total bytes, kUnknown if not known), or nullptr.
const char* MatchSignature(std::string_view b, size_t total) {
  if (b.size() < 2) return nullptr;
  // Compression and archives.
  if (b.size() >= 4 && Byte(b, 0) == 0x1F && Byte(b, 1) == 0x8B && Byte(b, 2) == 8 &&
      (Byte(b, 3) & 0xE0) == 0) {
    return "gzip";
  }
  // zlib with a 32 KiB window (what zlib, Python and Java write by default): header
  // checksum, no preset dictionary, and a deflate stream that could be real.
  if (b.size() >= 3 && Byte(b, 0) == 0x78 && (Byte(b, 0) * 256 + Byte(b, 1)) % 31 == 0 &&
      (Byte(b, 1) & 0x20) == 0 && InflatePrefix(b.substr(2), kInflateCheck)) {
    return "zlib";
  }
  if (StartsWith(b, "PK\x03\x04"sv) || StartsWith(b, "PK\x05\x06"sv) ||
      StartsWith(b, "PK\x07\x08"sv)) {
    return "zip";
  }
  if (b.size() >= 10 && StartsWith(b, "BZh") && Byte(b, 3) >= '1' && Byte(b, 3) <= '9' &&
      (b.substr(4, 6) == "\x31\x41\x59\x26\x53\x59"sv ||
       b.substr(4, 6) == "\x17\x72\x45\x38\x50\x90"sv)) {
    return "bzip2";
  }
  if (StartsWith(b,
                 "\xFD"
                 "7zXZ\x00"sv))
    return "xz";
  if (StartsWith(b, "\x28\xB5\x2F\xFD"sv)) return "zstd";
  if (b.size() >= 4 && (Byte(b, 0) & 0xF0) == 0x50 && b.substr(1, 3) == "\x2A\x4D\x18"sv) {
    return "zstd";  // skippable frame
  }
  if (StartsWith(b, "\x04\x22\x4D\x18"sv)) return "lz4";
  if (StartsWith(b, "7z\xBC\xAF\x27\x1C"sv)) return "7z";
  if (StartsWith(b, "Rar!\x1A\x07"sv)) return "rar";
  if (StartsWith(b, "PGDMP")) return "pg-dump";
  // Images, documents, media.
  if (StartsWith(b, "\x89PNG\r\n\x1A\n"sv)) return "png";
  if (b.size() >= 4 && Byte(b, 0) == 0xFF && Byte(b, 1) == 0xD8 && Byte(b, 2) == 0xFF &&
      Byte(b, 3) >= 0xC0 && Byte(b, 3) != 0xFF) {
    return "jpeg";
  }
  if (StartsWith(b, "GIF87a") || StartsWith(b, "GIF89a")) return "gif";
  if (b.size() >= 12 && StartsWith(b, "RIFF")) {
    std::string_view kind = b.substr(8, 4);
    if (kind == "WEBP") return "webp";
    if (kind == "WAVE") return "wav";
    if (kind == "AVI ") return "avi";
  }
  if (StartsWith(b, "II*\x00"sv) || StartsWith(b, "MM\x00*"sv)) return "tiff";
  if (b.size() >= 6 && StartsWith(b, "BM") && total != kUnknown && Le32(b, 2) == total) {
    return "bmp";
  }
  if (b.size() >= 12 && b.substr(4, 4) == "ftyp") return "iso-media";  // MP4, HEIC, AVIF
  if (StartsWith(b, "%PDF-")) return "pdf";
  if (StartsWith(b, "OggS\x00"sv)) return "ogg";
  if (StartsWith(b, "fLaC")) return "flac";
  if (StartsWith(b, "ID3") && b.size() >= 10 && Byte(b, 3) <= 5) return "mp3";
  if (StartsWith(b,
                 "\x7F"
                 "ELF"sv))
    return "elf";
  if (StartsWith(b, "SQLite format 3\x00"sv)) return "sqlite";
  if (StartsWith(b, "PAR1")) return "parquet";
  // DER (certificates, keys): a SEQUENCE whose long-form length covers the value exactly.
  if (b.size() >= 4 && Byte(b, 0) == 0x30 && total != kUnknown) {
    if (Byte(b, 1) == 0x82 && size_t(Byte(b, 2)) * 256 + Byte(b, 3) + 4 == total && total >= 128) {
      return "der";
    }
    if (Byte(b, 1) == 0x81 && size_t(Byte(b, 2)) + 3 == total && total >= 128) return "der";
  }
  return nullptr;
}

// What a signature's format is, for the evidence's reason.
const char* SignatureCategory(std::string_view format) {
  for (std::string_view f : {"gzip", "zlib", "bzip2", "xz", "zstd", "lz4"}) {
    if (format == f) return "compressed data";
  }
  for (std::string_view f : {"zip", "7z", "rar", "pg-dump"}) {
    if (format == f) return "an archive";
  }
  for (std::string_view f : {"png", "jpeg", "gif", "webp", "tiff", "bmp"}) {
    if (format == f) return "an image";
  }
  for (std::string_view f : {"wav", "avi", "iso-media", "ogg", "flac", "mp3"}) {
    if (format == f) return "audio or video";
  }
  if (format == "pdf") return "a document";
  return "a known file format";
}

// ---------------------------------------------------------------------------------------
// Text

enum class TextKind { kNone, kUtf8, kSingleByte, kUtf16 };

// Decides whether b is text: UTF-8 (or UTF-16 with a byte-order mark, or a single-byte
// encoding such as Latin-1) with almost no control characters. cut: b is a prefix of
// the value, so a character split at its end is allowed.
TextKind ScanText(std::string_view b, const ByteStats& s, bool cut) {
  const size_t n = b.size();
  if (n == 0) return TextKind::kNone;
  if (n >= 4 && n % 2 == 0 && (StartsWith(b, "\xFF\xFE"sv) || StartsWith(b, "\xFE\xFF"sv)) &&
      s.counts[0] * 4 >= n) {
    return TextKind::kUtf16;
  }
  if (s.counts[0] != 0) return TextKind::kNone;
  size_t controls = s.counts[0x7F];
  for (int c = 1; c < 0x20; ++c) {
    if (c != '\t' && c != '\n' && c != '\r' && c != '\f') controls += s.counts[c];
  }
  if (controls * 100 > n) return TextKind::kNone;

  size_t invalid = 0;
  for (size_t i = 0; i < n;) {
    // Runs of ASCII eight bytes at a time (control characters were counted above).
    if (i + 8 <= n) {
      uint64_t word;
      std::memcpy(&word, b.data() + i, 8);
      if ((word & 0x8080808080808080ULL) == 0) {
        i += 8;
        continue;
      }
    }
    int len = Utf8SequenceLength(b, i);
    if (len > 0) {
      i += static_cast<size_t>(len);
      continue;
    }
    if (len < 0 && cut) break;
    ++invalid;
    ++i;
  }
  if (invalid == 0) return TextKind::kUtf8;
  // A single-byte encoding such as Latin-1: mostly ASCII letters, lower case more than
  // upper, words (a space from 16 bytes on), and each byte above 0x7f a lone accented
  // letter or symbol (or two) inside ASCII text. Random bytes pass all of it about once
  // in 100,000 at 16 bytes, and ever more rarely as they grow.
  size_t high = 0, upper = 0, lower = 0;
  for (int c = 0x80; c < 0x100; ++c) high += s.counts[c];
  for (int c = 'A'; c <= 'Z'; ++c) {
    upper += s.counts[c];
    lower += s.counts[c + 32];
  }
  size_t letters = upper + lower;
  size_t plain = s.printable + s.counts['\t'] + s.counts['\n'] + s.counts['\r'];
  if (high * 4 > n || plain * 4 < 3 * n || letters * 10 < 6 * (n - high) || lower < 2 * upper ||
      (n >= 16 && s.counts[' '] + s.counts['\n'] == 0)) {
    return TextKind::kNone;
  }
  auto is_high = [&](size_t i) { return i < n && static_cast<unsigned char>(b[i]) >= 0x80; };
  auto is_letter = [&](size_t i) {
    if (i >= n) return false;
    unsigned char c = static_cast<unsigned char>(b[i]) | 0x20;
    return c >= 'a' && c <= 'z';
  };
  size_t beside_letter = 0;
  for (size_t i = 0; i < n; ++i) {
    if (!is_high(i)) continue;
    // Two in a row happen ("Gr\xfc\xdfe"), three do not.
    if (i >= 2 && is_high(i - 1) && is_high(i - 2)) return TextKind::kNone;
    beside_letter += (i > 0 && is_letter(i - 1)) || is_letter(i + 1);
  }
  if (beside_letter * 2 >= high) return TextKind::kSingleByte;
  return TextKind::kNone;
}

bool IsAsciiSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f'; }

std::string_view TrimSpace(std::string_view s) {
  while (!s.empty() && IsAsciiSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsAsciiSpace(s.back())) s.remove_suffix(1);
  return s;
}

bool IsHexDigit(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// Joins the lines of a token wrapped at a fixed width (every line but the last as long
// as the first, the last no longer) into *token, using *storage if it must copy; false
// if the lines are ragged or hold spaces.
bool Unwrap(std::string_view t, std::string* storage, std::string_view* token) {
  bool lines = false;
  for (char c : t) {
    if (c == ' ' || c == '\t' || c == '\f') return false;
    lines |= c == '\n';
  }
  if (!lines) {
    *token = t;
    return true;
  }
  std::string& out = *storage;
  out.clear();
  out.reserve(t.size());
  size_t width = 0;
  bool last_seen = false;
  size_t pos = 0;
  while (pos <= t.size()) {
    size_t nl = t.find('\n', pos);
    if (nl == std::string_view::npos) nl = t.size();
    std::string_view line = t.substr(pos, nl - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty() || last_seen) return false;
    if (width == 0) {
      width = line.size();
    } else if (line.size() > width) {
      return false;
    } else if (line.size() < width) {
      last_seen = true;
    }
    out.append(line);
    pos = nl + 1;
  }
  *token = out;
  return true;
}

// A pseudonym written by comply's redactor: "ps_" and 32 lower-case hex digits.
bool IsComplyPseudonym(std::string_view t) {
  if (t.size() != 35 || !StartsWith(t, "ps_")) return false;
  for (char c : t.substr(3)) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

// Whether a token written in base64's alphabet looks like random base64 rather than a
// word or identifier: (1) the chi-square (2 degrees of freedom) of its symbol classes
// (upper case, lower case, digits and punctuation) against random base64's 26:26:12 of
// 64; (2) the count of adjacent lower-case pairs, (26/64)^2 of pairs when random and
// most pairs in words ("HelloWorldThisIsAPlainIdentifier"); (3) no run of nine digits or
// more (a phone, account or social security number in an identifier,
// "MariaGarcia536228714SanFrancisco", which (1) and (2) pass: 32 symbols are few).
// Random base64 fails (1) once in 20,000, (2) a few times in a million and (3) about
// twice in a million tokens of 32 symbols.
// counts: the byte histogram of the text holding the token (whitespace aside, the same
// symbols). Also tells which alphabet's punctuation the token uses (+/ or -_).
bool LooksLikeRandomBase64(std::string_view symbols, const std::array<uint32_t, 256>& counts,
                           bool* standard, bool* url) {
  size_t upper = 0, lower = 0, other = 0;
  for (int c = 'A'; c <= 'Z'; ++c) upper += counts[c];
  for (int c = 'a'; c <= 'z'; ++c) lower += counts[c];
  for (int c = '0'; c <= '9'; ++c) other += counts[c];
  size_t plus_slash = counts['+'] + counts['/'], dash_underscore = counts['-'] + counts['_'];
  other += plus_slash + dash_underscore;
  *standard = plus_slash > 0;
  *url = dash_underscore > 0;
  size_t lower_pairs = 0;
  unsigned previous = 0;
  size_t digits = 0;
  for (unsigned char c : symbols) {
    unsigned is_lower = static_cast<unsigned>(c - 'a') < 26u;
    lower_pairs += previous & is_lower;
    previous = is_lower;
    digits = static_cast<unsigned>(c - '0') < 10u ? digits + 1 : 0;
    if (digits >= 9) return false;
  }
  double n = double(upper + lower + other);
  if (n < 4) return false;
  auto term = [&](size_t observed, double p) {
    double e = n * p;
    return (double(observed) - e) * (double(observed) - e) / e;
  };
  double chi = term(upper, 26.0 / 64) + term(lower, 26.0 / 64) + term(other, 12.0 / 64);
  constexpr double kClassLimit = 19.8;  // p = 5e-5 at 2 degrees of freedom
  if (chi > kClassLimit) return false;
  // Overlapping pairs are correlated: each adds q^3 - q^4 of covariance with each
  // neighbour (q = 26/64), so the variance is (n - 1) (p (1 - p) + 2 (q^3 - q^4)).
  constexpr double q = 26.0 / 64, p = q * q;
  double pairs = n - 1;
  double sd = std::sqrt(pairs * (p * (1 - p) + 2 * (q * q * q - p * p)));
  return (double(lower_pairs) - pairs * p) / sd <= 4.5;
}

// ---------------------------------------------------------------------------------------
// Classification

Classification Result(Verdict v, Evidence::Kind kind, std::string format) {
  Classification c;
  c.verdict = v;
  c.evidence.kind = kind;
  c.evidence.format = std::move(format);
  return c;
}

void AddReason(Classification* c, std::string reason) {
  c->evidence.reasons.push_back(std::move(reason));
}

void FillStats(Evidence* e, const ByteStats& s) {
  e->judged = s.n;
  e->entropy_bits_per_byte = s.entropy;
  e->chi_square = s.chi_square;
  e->chi_square_z = s.z;
}

size_t BlockSize(size_t total) {
  if (total == kUnknown || total == 0) return 0;
  if (total % 16 == 0) return 16;
  if (total % 8 == 0) return 8;
  return 0;
}

// Whether 16 bytes are a UUID whose version carries a time (1, 6, 7) with a time between
// 2005 and 2100: an identifier, not a cipher block. A random block has the version and
// variant bits of some UUID once in eight, of a random (version 4) one once in 64, which
// nothing tells from a cipher block; with a plausible time as well, about once in a
// thousand (CiphertextCorpus.SingleBlocksAreCiphertext).
bool TimedUuid(std::string_view b) {
  if (b.size() != 16 || (Byte(b, 8) & 0xC0) != 0x80) return false;
  const int version = Byte(b, 6) >> 4;
  auto be = [&](size_t from, size_t n) {
    uint64_t v = 0;
    for (size_t i = from; i < from + n; ++i) v = v << 8 | Byte(b, i);
    return v;
  };
  constexpr uint64_t kFrom = 1104537600000, kTo = 4102444800000;  // ms: 2005-01-01, 2100-01-01
  if (version == 7) {
    const uint64_t ms = be(0, 6);
    return ms >= kFrom && ms < kTo;
  }
  if (version != 1 && version != 6) return false;
  const uint64_t low12 = (static_cast<uint64_t>(Byte(b, 6) & 0x0F) << 8) | Byte(b, 7);
  // 100-ns intervals since 1582-10-15: version 1 writes the time's low bits first,
  // version 6 its high bits.
  const uint64_t ticks = version == 1 ? (low12 << 48) | (be(4, 2) << 32) | be(0, 4)
                                      : (be(0, 4) << 28) | (be(4, 2) << 12) | low12;
  constexpr uint64_t kGregorianToUnix = 0x01B21DD213814000;  // 100-ns intervals
  if (ticks < kGregorianToUnix) return false;
  const uint64_t ms = (ticks - kGregorianToUnix) / 10000;
  return ms >= kFrom && ms < kTo;
}

// Judges bytes that have no recognised structure by their statistics.
Classification JudgeByStatistics(std::string_view b, size_t total, const ByteStats& s) {
  Classification c;
  const size_t n = b.size();
  if (n < kMinStatisticalLength) {
    c = Result(Verdict::kUndetermined, Evidence::Kind::kTooShort, "too-short");
    AddReason(&c, "fewer than 16 bytes of binary data: too few for statistics");
    return c;
  }
  const size_t block = BlockSize(total);
  if (LooksUniform(s)) {
    // A UUID of a time-based version, its time plausible, in a 16-byte value.
    if (total == 16 && TimedUuid(b)) {
      c = Result(Verdict::kUndetermined, Evidence::Kind::kStatistics, "uuid-like");
      AddReason(&c,
                "16 bytes of a UUID with a time (version 1, 6 or 7) between 2005 and 2100: "
                "an identifier rather than a cipher block");
      return c;
    }
    if (block != 0) {
      c = Result(Verdict::kEncrypted, Evidence::Kind::kStatistics, "block-cipher");
      c.evidence.block_size = block;
      AddReason(&c, block == 16 ? "random-looking bytes, a whole number of 16-byte cipher "
                                  "blocks (AES and other 128-bit block ciphers)"
                                : "random-looking bytes, a whole number of 8-byte cipher "
                                  "blocks (Blowfish, CAST5, 3DES)");
      if (n < kShortLength) {
        AddReason(&c, "short value: a hash or key of this length would look the same");
      }
      if (total == 16 && (Byte(b, 8) & 0xC0) == 0x80 && (Byte(b, 6) >> 4) == 4)
        AddReason(&c, "a random (version 4) UUID would look the same");
      return c;
    }
    if (n < kShortLength) {
      c = Result(Verdict::kUndetermined, Evidence::Kind::kStatistics, "random-looking");
      AddReason(&c, "random-looking but short and not a whole number of cipher blocks");
      return c;
    }
    c = Result(Verdict::kEncrypted, Evidence::Kind::kStatistics, "random-looking");
    AddReason(&c,
              "byte distribution indistinguishable from uniform (chi-square) with "
              "near-maximal entropy, and no known format");
    return c;
  }
  if (EntropyShare(s) >= kHighEntropyShare) {
    c = Result(Verdict::kUndetermined, Evidence::Kind::kStatistics, "high-entropy");
    AddReason(&c,
              "high entropy but not uniform: compressed or encoded data of an unknown "
              "format, or ciphertext with structured parts");
    return c;
  }
  c = Result(Verdict::kNotEncrypted, Evidence::Kind::kStatistics, "binary");
  AddReason(&c, "byte distribution far from uniform: structured binary data");
  return c;
}

// Copies OpenPGP findings into the evidence.
void FillOpenPgp(Evidence* e, const openpgp::Message& m) {
  e->packets = m.packets;
  e->cipher = m.cipher;
  e->public_key_algorithm = m.public_key_algorithm;
  e->s2k = m.s2k;
  e->aead = m.aead;
  e->truncated = m.truncated;
}

// True if b is well-formed UTF-8 holding at least one multi-byte character: text in a
// script other than Latin, which random bytes of 32 or more almost never are (fewer than
// one string in a million).
bool IsMultibyteUtf8(std::string_view b) {
  bool multibyte = false;
  for (size_t i = 0; i < b.size();) {
    const auto c = static_cast<unsigned char>(b[i]);
    size_t len = c < 0x80 ? 1 : (c >= 0xC2 && c <= 0xDF) ? 2 : (c >= 0xE0 && c <= 0xEF) ? 3
                                                        : (c >= 0xF0 && c <= 0xF4) ? 4 : 0;
    if (len == 0 || i + len > b.size()) return false;
    for (size_t k = 1; k < len; ++k)
      if ((static_cast<unsigned char>(b[i + k]) & 0xC0) != 0x80) return false;
    // (Overlong three- and four-byte forms, surrogates and code points past U+10FFFF.)
    const auto c1 = len > 1 ? static_cast<unsigned char>(b[i + 1]) : 0u;
    if ((c == 0xE0 && c1 < 0xA0) || (c == 0xED && c1 >= 0xA0) || (c == 0xF0 && c1 < 0x90) ||
        (c == 0xF4 && c1 >= 0x90))
      return false;
    multibyte = multibyte || len > 1;
    i += len;
  }
  return multibyte;
}

// Whether the payload of an encryption format (what follows its headers) looks like
// ciphertext: from 128 bytes on, the uniformity test; from 32, two coarse tests that
// random bytes fail with a probability below 1e-7: three quarters printable (random
// bytes are 37% so), or fewer distinct bytes than a quarter of the length (random ones
// repeat little), and well-formed UTF-8 with characters beyond ASCII (text in another
// script). Clear text under a made-up header fails one of them, padding the second.
// Shorter payloads are not judged (true).
bool PayloadLooksRandom(std::string_view payload) {
  if (payload.size() >= 128) return LooksUniform(Measure(payload), /*slack=*/4);
  if (payload.size() < 32) return true;
  ByteStats ps = Measure(payload);
  size_t distinct = 0;
  for (uint32_t k : ps.counts) distinct += k > 0;
  return !(ps.printable * 4 >= payload.size() * 3 || distinct * 4 < payload.size() ||
           IsMultibyteUtf8(payload));
}

// Judges a parsed encrypted OpenPGP message; format names the binary or armored form.
Classification JudgeOpenPgp(std::string_view b, const openpgp::Message& m, std::string format) {
  Classification c = Result(Verdict::kEncrypted, Evidence::Kind::kStructure, std::move(format));
  FillOpenPgp(&c.evidence, m);
  AddReason(&c, m.packets.front() == "pkesk" || m.packets.front() == "skesk" ||
                        m.packets.front() == "marker"
                    ? "OpenPGP session-key packets followed by an encrypted data packet"
                    : "an OpenPGP encrypted data packet spanning the whole value");
  // The ciphertext itself must look random; a crafted header over plain bytes does not.
  if (!PayloadLooksRandom(b.substr(m.payload_begin, m.payload_end - m.payload_begin))) {
    c.verdict = Verdict::kUndetermined;
    AddReason(&c, "OpenPGP packets, but the encrypted payload is not random-looking");
  }
  if (m.truncated) {
    AddReason(&c, "the message is cut short: its packets declare more bytes than the value has");
  }
  if (m.continues) AddReason(&c, "the encrypted data continues past the examined bytes");
  if (m.trailing) {
    // Stored beside the ciphertext, not in it: not encrypted when readable.
    const std::string_view rest = b.substr(std::min(m.trailing_begin, b.size()));
    const ByteStats rs = Measure(rest);
    const bool readable = rs.printable * 4 >= rest.size() * 3 || IsMultibyteUtf8(rest);
    c.verdict = readable ? Verdict::kNotEncrypted : Verdict::kUndetermined;
    AddReason(&c, readable ? "readable bytes follow the OpenPGP message, outside its encrypted data"
                           : "bytes follow the OpenPGP message, outside its encrypted data");
  }
  return c;
}

Classification ClassifyBytes(std::string_view b, size_t total, bool decode);

// Judges the bytes decoded from hex or base64 text.
Classification JudgeDecoded(const std::string& decoded, bool cut, const char* encoding) {
  Classification inner = ClassifyBytes(decoded, cut ? kUnknown : decoded.size(), false);
  inner.evidence.format = std::string(encoding) + ":" + inner.evidence.format;
  inner.evidence.encoding = encoding;
  inner.evidence.reasons.insert(inner.evidence.reasons.begin(),
                                std::string(encoding) + " text, decoded and judged as bytes");
  return inner;
}

// Judges text that is one ASCII-armored OpenPGP block.
Classification JudgeArmor(const openpgp::Armor& a) {
  const std::string& label = a.label;
  auto fixed = [&](Verdict v, const char* format, const char* reason) {
    Classification c = Result(v, Evidence::Kind::kStructure, format);
    c.evidence.encoding = "armor";
    FillStats(&c.evidence, Measure(a.data));
    AddReason(&c, reason);
    return c;
  };
  if (label == "PGP PUBLIC KEY BLOCK") {
    return fixed(Verdict::kNotEncrypted, "openpgp-public-key", "an armored OpenPGP public key");
  }
  if (label == "PGP SIGNATURE") {
    return fixed(Verdict::kNotEncrypted, "openpgp-signature", "an armored OpenPGP signature");
  }
  if (label == "PGP SIGNED MESSAGE") {
    return fixed(Verdict::kNotEncrypted, "openpgp-cleartext-signed",
                 "a cleartext-signed OpenPGP message: the text is readable");
  }
  if (label == "PGP PRIVATE KEY BLOCK") {
    return fixed(Verdict::kUndetermined, "openpgp-private-key",
                 "an armored OpenPGP private key; whether its secret parts are "
                 "passphrase-protected is not checked");
  }
  if (label != "PGP MESSAGE" && label.rfind("PGP MESSAGE, PART ", 0) != 0) {
    return fixed(Verdict::kUndetermined, "openpgp-armored-other",
                 "an armored OpenPGP block of an unknown kind");
  }
  if (!a.well_formed) {
    return fixed(Verdict::kUndetermined, "openpgp-armored",
                 "malformed armor: bad base64, checksum line or END line");
  }
  if (a.checksum_present && !a.checksum_ok) {
    return fixed(Verdict::kUndetermined, "openpgp-armored",
                 "armor checksum (CRC-24) does not match the data");
  }
  size_t total = a.complete ? a.data.size() : kUnknown;
  openpgp::Message m = openpgp::ParseBinary(a.data, total);
  Classification c;
  if (m.kind == openpgp::MessageKind::kEncrypted) {
    c = JudgeOpenPgp(a.data, m, "openpgp-armored");
    c.evidence.encoding = "armor";
    FillStats(&c.evidence, Measure(a.data));
  } else {
    c = ClassifyBytes(a.data, total, false);
    c.evidence.format = "armor:" + c.evidence.format;
    c.evidence.encoding = "armor";
    c.evidence.reasons.insert(c.evidence.reasons.begin(),
                              "ASCII-armored \"PGP MESSAGE\" that is not an encrypted "
                              "OpenPGP message; its content judged as bytes");
  }
  if (!a.complete) AddReason(&c, "the armor is cut before its END line");
  if (a.trailing_text) {
    // Stored beside the message, in clear.
    c.verdict = Verdict::kNotEncrypted;
    AddReason(&c, "text follows the armor's END line, outside the message");
  }
  return c;
}

// JWE (5 parts) or JWS (3 parts) in compact serialization: base64url parts joined by
// dots, the first a JSON object header. Returns nullopt if t is not one.
std::optional<Classification> JudgeJose(std::string_view t) {
  size_t dots = 0;
  for (char c : t) {
    if (c == '.') {
      ++dots;
    } else if (Base64Value(static_cast<unsigned char>(c), Base64Alphabet::kUrl) < 0) {
      return std::nullopt;
    }
  }
  if (dots != 2 && dots != 4) return std::nullopt;
  std::string_view header_b64 = t.substr(0, t.find('.'));
  std::optional<std::string> header = DecodeBase64(header_b64, Base64Alphabet::kUrl);
  if (!header || header->empty() || (*header)[0] != '{') return std::nullopt;
  json::Value h;
  try {
    h = json::Parse(*header);
  } catch (const Error&) {
    return std::nullopt;
  }
  const json::Value* alg = h.Find("alg");
  const json::Value* enc = h.Find("enc");
  if (alg == nullptr || !alg->is_string()) return std::nullopt;
  if (dots == 4 && enc != nullptr && enc->is_string()) {
    // header.encrypted_key.iv.ciphertext.tag: the ciphertext must decode and look random
    // (a made-up header over a readable payload does not).
    std::optional<std::string> parts[5];
    size_t from = 0;
    for (int part = 0; part < 5; ++part) {
      const size_t dot = part < 4 ? t.find('.', from) : t.size();
      parts[part] = DecodeBase64(t.substr(from, dot - from), Base64Alphabet::kUrl);
      if (!parts[part]) return std::nullopt;
      from = dot + 1;
    }
    const std::string& key = *parts[1];
    const std::string& iv = *parts[2];
    const std::string& ciphertext = *parts[3];
    const std::string& tag = *parts[4];
    Classification c = Result(Verdict::kEncrypted, Evidence::Kind::kStructure, "jwe");
    AddReason(&c, "a JSON Web Encryption token (compact form): the payload is encrypted");
    if (!PayloadLooksRandom(ciphertext)) {
      c.verdict = Verdict::kUndetermined;
      AddReason(&c, "a JWE header, but the ciphertext part is not random-looking");
    }
    // The other parts are in clear: only what the format puts there. The header's
    // members are JOSE header parameters (RFC 7515, 7516, 7518), not data; the
    // initialization vector (12 or 16 bytes) and the tag (16 to 32) are short; an
    // encrypted key looks random.
    static const std::array<std::string_view, 21> kParameters = {
        "alg", "enc", "zip", "jku", "jwk", "kid", "x5u", "x5c", "x5t", "x5t#S256", "typ",
        "cty", "crit", "epk", "apu", "apv", "iv", "tag", "p2s", "p2c", "b64"};
    // (h is an object: the header begins with '{' and parsed.)
    const bool other_members =
        std::any_of(h.as_object().begin(), h.as_object().end(), [](const auto& member) {
          return std::find(kParameters.begin(), kParameters.end(), member.first) == kParameters.end();
        });
    if (other_members || header->size() > 8192) {
      c.verdict = Verdict::kUndetermined;
      AddReason(&c, "the JWE header holds members that are not JOSE header parameters, "
                    "readable by anyone");
    }
    if (iv.size() > 16 || tag.size() > 32) {
      c.verdict = Verdict::kUndetermined;
      AddReason(&c, "a JWE initialization vector or tag longer than any algorithm's: readable data");
    }
    if (!PayloadLooksRandom(key)) {
      c.verdict = Verdict::kUndetermined;
      AddReason(&c, "the JWE encrypted key part is not random-looking");
    }
    return c;
  }
  if (dots == 2 && enc == nullptr) {
    Classification c = Result(Verdict::kNotEncrypted, Evidence::Kind::kStructure, "jws");
    AddReason(&c, "a JSON Web Signature token: signed, its payload readable (base64url)");
    return c;
  }
  return std::nullopt;
}

// Text up to this size that looks like JSON is parsed to confirm it.
constexpr size_t kJsonParseLimit = 16 * 1024;

// Judges UTF-8 text that may be an encoding of binary data (stats: its byte statistics;
// decode: allowed to decode).
Classification ClassifyText(std::string_view b, const ByteStats& stats, bool cut, bool decode) {
  std::string_view t = TrimSpace(b);
  if (decode) {
    openpgp::Armor armor = openpgp::DecodeArmor(b);
    if (armor.found) return JudgeArmor(armor);
    if (IsComplyPseudonym(t)) {
      Classification c =
          Result(Verdict::kNotEncrypted, Evidence::Kind::kStructure, "comply-pseudonym");
      AddReason(&c, "a comply pseudonym (keyed hash): not reversible, not encrypted");
      return c;
    }
    if (std::optional<Classification> jose = JudgeJose(t)) return *jose;

    std::string storage;
    std::string_view token;
    if (Unwrap(t, &storage, &token) && !token.empty()) {
      std::string_view hex = token;
      if (StartsWith(hex, "\\x") || StartsWith(hex, "0x") || StartsWith(hex, "0X")) {
        hex.remove_prefix(2);
      }
      bool all_hex = !hex.empty();
      bool has_letter = false;
      for (char c : hex) {
        if (!IsHexDigit(c)) {
          all_hex = false;
          break;
        }
        has_letter |= c > '9';
      }
      if (cut && hex.size() % 2 == 1) hex.remove_suffix(1);
      if (all_hex && has_letter && hex.size() >= 2 * kMinEncodedBytes) {
        if (std::optional<std::string> bytes = DecodeHex(hex)) {
          return JudgeDecoded(*bytes, cut, "hex");
        }
      }
      bool standard = false, url = false;
      if (token.size() * 3 / 4 >= kMinEncodedBytes &&
          LooksLikeRandomBase64(token, stats.counts, &standard, &url) && !(standard && url)) {
        Base64Alphabet alphabet = url ? Base64Alphabet::kUrl : Base64Alphabet::kStandard;
        std::optional<std::string> bytes = DecodeBase64(token, alphabet, cut);
        if (bytes && bytes->size() >= kMinEncodedBytes) return JudgeDecoded(*bytes, cut, "base64");
      }
    }
  }
  if (!t.empty() && (t[0] == '{' || t[0] == '[')) {
    // Text is not ciphertext either way; parsing only names it. Large documents are
    // named by their brackets, as parsing them would cost more than the rest.
    const char close = t[0] == '{' ? '}' : ']';
    const char* reason = nullptr;
    if (cut) {
      reason = "text that starts like JSON (the examined part ends before the document)";
    } else if (t.size() > kJsonParseLimit) {
      if (t.back() == close) reason = "text that starts and ends like JSON (too long to parse)";
    } else {
      try {
        json::Parse(t);
        reason = "a JSON document";
      } catch (const Error&) {
        // Not JSON after all: plain text.
      }
    }
    if (reason != nullptr) {
      Classification c = Result(Verdict::kNotEncrypted, Evidence::Kind::kText, "json");
      AddReason(&c, reason);
      return c;
    }
  }
  Classification c = Result(Verdict::kNotEncrypted, Evidence::Kind::kText, "text");
  AddReason(&c, "printable UTF-8 text");
  return c;
}

// Classifies b, the first bytes of a value of total bytes (kUnknown if not known).
// decode: text may be decoded (hex, base64, armor) and judged again, once.
Classification ClassifyBytes(std::string_view b, size_t total, bool decode) {
  const bool cut = total == kUnknown || total > b.size();
  const ByteStats stats = Measure(b);
  auto finish = [&](Classification c) {
    c.evidence.length = total == kUnknown ? b.size() : total;
    c.evidence.examined = b.size();
    if (c.evidence.judged == 0 && c.evidence.encoding.empty()) FillStats(&c.evidence, stats);
    return c;
  };

  if (b.empty()) {
    Classification c = Result(Verdict::kUndetermined, Evidence::Kind::kEmpty, "empty");
    AddReason(&c, "empty value");
    return finish(c);
  }

  if (Byte(b, 0) & 0x80) {
    openpgp::Message m = openpgp::ParseBinary(b, total);
    if (m.kind == openpgp::MessageKind::kEncrypted) {
      return finish(JudgeOpenPgp(b, m, "openpgp-binary"));
    }
    if (m.kind == openpgp::MessageKind::kUnencrypted) {
      Classification c =
          Result(Verdict::kNotEncrypted, Evidence::Kind::kStructure, "openpgp-unencrypted");
      FillOpenPgp(&c.evidence, m);
      AddReason(&c,
                "an OpenPGP message that is not encrypted (literal data, compressed "
                "data or a signature)");
      return finish(c);
    }
  }

  if (const char* format = MatchSignature(b, total)) {
    Classification c = Result(Verdict::kNotEncrypted, Evidence::Kind::kSignature, format);
    AddReason(&c, std::string("the signature and header of ") + format + ", " +
                      SignatureCategory(format) + ": not ciphertext, whatever its entropy");
    return finish(c);
  }

  switch (ScanText(b, stats, cut)) {
    case TextKind::kUtf8:
      return finish(ClassifyText(b, stats, cut, decode));
    case TextKind::kSingleByte: {
      Classification c = Result(Verdict::kNotEncrypted, Evidence::Kind::kText, "text");
      AddReason(&c, "printable text in a single-byte encoding (not UTF-8)");
      return finish(c);
    }
    case TextKind::kUtf16: {
      Classification c = Result(Verdict::kNotEncrypted, Evidence::Kind::kText, "text");
      AddReason(&c, "UTF-16 text with a byte-order mark");
      return finish(c);
    }
    case TextKind::kNone:
      break;
  }
  Classification c = JudgeByStatistics(b, total, stats);
  return finish(c);
}

// Appends d with the given number of decimals (locale-independent).
void AppendNumber(std::string& out, double d, int decimals) {
  if (!std::isfinite(d)) {
    out += "null";
    return;
  }
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::fixed, decimals);
  out.append(buf, r.ptr);
}

void AppendMember(std::string& out, const char* key) {
  if (out.size() > 1) out += ',';
  json::AppendQuoted(out, key);
  out += ':';
}

void AppendStringMember(std::string& out, const char* key, const std::string& value) {
  if (value.empty()) return;
  AppendMember(out, key);
  json::AppendQuoted(out, value);
}

void AppendStringArray(std::string& out, const char* key, const std::vector<std::string>& v) {
  if (v.empty()) return;
  AppendMember(out, key);
  out += '[';
  for (size_t i = 0; i < v.size(); ++i) {
    if (i) out += ',';
    json::AppendQuoted(out, v[i]);
  }
  out += ']';
}

}  // namespace

const char* VerdictName(Verdict v) {
  switch (v) {
    case Verdict::kEncrypted:
      return "encrypted";
    case Verdict::kNotEncrypted:
      return "not_encrypted";
    case Verdict::kUndetermined:
      return "undetermined";
  }
  return "undetermined";
}

const char* KindName(Evidence::Kind kind) {
  switch (kind) {
    case Evidence::Kind::kEmpty:
      return "empty";
    case Evidence::Kind::kStructure:
      return "structure";
    case Evidence::Kind::kSignature:
      return "signature";
    case Evidence::Kind::kText:
      return "text";
    case Evidence::Kind::kStatistics:
      return "statistics";
    case Evidence::Kind::kTooShort:
      return "too-short";
  }
  return "empty";
}

Classification Classify(std::string_view value) { return Classify(value, value.size()); }

Classification Classify(std::string_view prefix, size_t total_length) {
  if (prefix.size() > kMaxExamined) prefix = prefix.substr(0, kMaxExamined);
  if (total_length < prefix.size()) total_length = prefix.size();
  Classification c = ClassifyBytes(prefix, total_length, /*decode=*/true);
  if (total_length > prefix.size()) {
    AddReason(&c, "only the first " + std::to_string(prefix.size()) + " bytes were examined");
  }
  return c;
}

std::string EvidenceJson(const Classification& c) {
  const Evidence& e = c.evidence;
  std::string out = "{";
  AppendStringMember(out, "verdict", VerdictName(c.verdict));
  AppendStringMember(out, "format", e.format);
  AppendStringMember(out, "kind", KindName(e.kind));
  AppendStringMember(out, "encoding", e.encoding);
  AppendMember(out, "length");
  out += std::to_string(e.length);
  AppendMember(out, "examined");
  out += std::to_string(e.examined);
  if (e.judged != e.examined) {
    AppendMember(out, "judged");
    out += std::to_string(e.judged);
  }
  if (e.judged > 0) {
    AppendMember(out, "entropy");
    AppendNumber(out, e.entropy_bits_per_byte, 3);
    AppendMember(out, "chi_square");
    AppendNumber(out, e.chi_square, 1);
    AppendMember(out, "chi_square_z");
    AppendNumber(out, e.chi_square_z, 2);
  }
  if (e.block_size) {
    AppendMember(out, "block_size");
    out += std::to_string(e.block_size);
  }
  AppendStringArray(out, "packets", e.packets);
  AppendStringMember(out, "cipher", e.cipher);
  AppendStringMember(out, "public_key_algorithm", e.public_key_algorithm);
  AppendStringMember(out, "s2k", e.s2k);
  AppendStringMember(out, "aead", e.aead);
  if (e.truncated) {
    AppendMember(out, "truncated");
    out += "true";
  }
  AppendStringArray(out, "reasons", e.reasons);
  out += '}';
  return out;
}

void ColumnTally::Add(const Classification& c) {
  switch (c.verdict) {
    case Verdict::kEncrypted:
      ++encrypted_;
      break;
    case Verdict::kNotEncrypted:
      ++not_encrypted_;
      break;
    case Verdict::kUndetermined:
      ++undetermined_;
      break;
  }
  bytes_examined_ += c.evidence.examined;
  entropy_sum_ += c.evidence.entropy_bits_per_byte;
  for (auto& [format, count] : formats_) {
    if (format == c.evidence.format) {
      ++count;
      return;
    }
  }
  formats_.emplace_back(c.evidence.format, 1);
}

double ColumnTally::encrypted_share() const {
  size_t n = sample_size();
  return n == 0 ? 0.0 : double(encrypted_) / double(n);
}

const char* ColumnTally::verdict() const {
  size_t n = sample_size();
  if (n == 0) return "no_data";
  if (encrypted_ > 0 && not_encrypted_ > 0) return "partially_encrypted";
  if (encrypted_ > 0 && undetermined_ * 2 <= n) return "encrypted";
  if (encrypted_ == 0 && not_encrypted_ * 2 >= n) return "not_encrypted";
  return "undetermined";
}

std::string ColumnTally::EvidenceJson() const {
  std::string out = "{";
  auto count = [&](const char* key, size_t v) {
    AppendMember(out, key);
    out += std::to_string(v);
  };
  count("sample_size", sample_size());
  count("encrypted", encrypted_);
  count("not_encrypted", not_encrypted_);
  count("undetermined", undetermined_);
  AppendMember(out, "formats");
  // Most frequent first (stable: ties keep the order of first appearance).
  std::vector<std::pair<std::string, size_t>> formats = formats_;
  std::stable_sort(formats.begin(), formats.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  out += '{';
  for (size_t i = 0; i < formats.size(); ++i) {
    if (i) out += ',';
    json::AppendQuoted(out, formats[i].first);
    out += ':' + std::to_string(formats[i].second);
  }
  out += '}';
  if (sample_size() > 0) {
    AppendMember(out, "mean_entropy");
    AppendNumber(out, entropy_sum_ / double(sample_size()), 3);
  }
  count("bytes_examined", bytes_examined_);
  out += '}';
  return out;
}

}  // namespace comply::posture
