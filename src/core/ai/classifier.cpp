#include "core/ai/classifier.h"

#include "core/rng.h"

#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <limits>
#include <numeric>

#include "core/error.h"

#include <unicode/uchar.h>
#include <unicode/utf8.h>
#include "core/hash.h"
#include "core/sha256.h"

namespace comply::ai {
namespace {

// ------------------------------------------------------------------------------ hashing
// The hash is part of the stored model format (feature scheme 1): changing anything
// here, in the tokenizer or in the feature names changes what a stored model means, and
// needs a new kFeatureScheme.

constexpr uint64_t kFnvOffset = 14695981039346656037ULL;
constexpr uint64_t kFnvPrime = 1099511628211ULL;

// One step of 64-bit FNV-1a.
inline uint64_t FnvByte(uint64_t h, unsigned char c) { return (h ^ c) * kFnvPrime; }

inline uint64_t FnvBytes(uint64_t h, std::string_view s) {
  for (char c : s) h = FnvByte(h, static_cast<unsigned char>(c));
  return h;
}

// Feeds the 8 bytes of v, least significant first.
inline uint64_t FnvU64(uint64_t h, uint64_t v) {
  for (int i = 0; i < 8; ++i) h = FnvByte(h, static_cast<unsigned char>(v >> (8 * i)));
  return h;
}

// murmur3's finaliser (core/hash.h): FNV-1a's low bits are weak, and buckets come from them.
using comply::Fmix64;

// First byte hashed for each feature family, so equal strings of two families differ.
constexpr unsigned char kTagWord = 'w';
constexpr unsigned char kTagBigram = 'b';
constexpr unsigned char kTagChar = 'c';
constexpr unsigned char kTagPii = 'p';

// Character n-grams are taken from words of at most this many bytes; longer tokens
// (hashes, encoded blobs, URLs) add only their word feature.
constexpr size_t kMaxCharGramWord = 40;
constexpr int kMinCharGram = 3;
constexpr int kMaxCharGram = 4;
// A placeholder's entity name is at most this long ("[" + name + "]").
constexpr size_t kMaxPlaceholderName = 64;
// Featurize polls cancel after this much text and this many tokens.
constexpr size_t kPollBytes = 64 * 1024;
constexpr size_t kPollTokens = 16 * 1024;

using Rng = SplitMix64;

// --------------------------------------------------------------------------- tokenizer

bool IsUpperOrDigitOrUnderscore(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

}  // namespace

size_t WordCharLength(std::string_view text, size_t i) {
  const unsigned char c = static_cast<unsigned char>(text[i]);
  if (c < 0x80) return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ? 1 : 0;
  int32_t at = static_cast<int32_t>(i);
  UChar32 cp;
  const int32_t n = static_cast<int32_t>(std::min<size_t>(text.size(), i + 4));
  U8_NEXT(text.data(), at, n, cp);
  if (cp < 0) return 1;  // not UTF-8 (a SQL_ASCII database): a byte of a word, as it was
  const bool word = u_isalnum(cp) || (U_GET_GC_MASK(cp) & U_GC_M_MASK) != 0;
  return word ? static_cast<size_t>(at) - i : 0;
}

bool HasWord(std::string_view text) {
  for (size_t i = 0; i < text.size();) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
      ++i;
      continue;
    }
    if (WordCharLength(text, i) > 0) return true;
    // Past the character that is not a word's (its length: a lead byte and continuations).
    ++i;
    while (i < text.size() && (static_cast<unsigned char>(text[i]) & 0xC0) == 0x80) ++i;
  }
  return false;
}

namespace {

// Length of the placeholder "[NAME]" at text[i] (text[i] == '['), or 0 if none.
size_t PlaceholderLength(std::string_view text, size_t i) {
  size_t j = i + 1;
  if (j >= text.size() || text[j] < 'A' || text[j] > 'Z') return 0;
  const size_t limit = std::min(text.size(), i + 1 + kMaxPlaceholderName);
  while (j < limit && IsUpperOrDigitOrUnderscore(static_cast<unsigned char>(text[j]))) ++j;
  if (j >= text.size() || text[j] != ']') return 0;
  return j + 1 - i;
}

struct Token {
  uint32_t begin;  // into Scratch::norm
  uint32_t end;
  bool placeholder;
  uint64_t hash;  // FNV-1a state of kTagWord + bytes (before Fmix64)
};

// Counts 64-bit feature keys in first-seen order: entries in a dense array, found
// through an open-addressing index that is "cleared" by bumping a stamp, so a document
// costs nothing per empty slot and the index stays small enough for the L1 cache.
class Counter {
 public:
  struct Entry {
    uint64_t key;
    uint32_t count;
  };
  void Reset() {
    entries_.clear();
    if (++stamp_ == 0) {  // wrapped: really clear once every 2^32 resets
      for (Slot& s : slots_) s.stamp = 0;
      stamp_ = 1;
    }
  }
  void Add(uint64_t key) {
    if (entries_.size() * 4 >= slots_.size()) Grow();  // load <= 1/4: short probes
    size_t i = key & mask_;
    for (;; i = (i + 1) & mask_) {
      const Slot s = slots_[i];
      if (s.stamp != stamp_) break;
      Entry& e = entries_[s.entry];
      if (e.key == key) {
        ++e.count;
        return;
      }
    }
    slots_[i] = Slot{stamp_, static_cast<uint32_t>(entries_.size())};
    entries_.push_back(Entry{key, 1});
  }
  const std::vector<Entry>& entries() const { return entries_; }

 private:
  struct Slot {
    uint32_t stamp = 0;
    uint32_t entry = 0;
  };
  // Doubles the index (at least 1024 slots) and re-indexes the entries.
  void Grow() {
    slots_.assign(std::max<size_t>(1024, slots_.size() * 2), Slot{});
    mask_ = slots_.size() - 1;
    stamp_ = 1;
    for (size_t n = 0; n < entries_.size(); ++n) {
      size_t i = entries_[n].key & mask_;
      while (slots_[i].stamp == stamp_) i = (i + 1) & mask_;
      slots_[i] = Slot{stamp_, static_cast<uint32_t>(n)};
    }
  }

  std::vector<Entry> entries_;
  std::vector<Slot> slots_;
  uint32_t stamp_ = 1;
  size_t mask_ = 0;
};

// Buffers reused from one document to the next (no allocation per feature).
struct Scratch {
  std::string norm;  // lower-cased, digit-folded words and placeholders
  std::vector<Token> tokens;
  Counter counters[3];  // one per family: words, character n-grams, PII
  std::vector<std::pair<std::string_view, int>> entities;
  std::string name;
};

Scratch& ThreadScratch() {
  thread_local Scratch scratch;
  return scratch;
}

// Splits text into word and placeholder tokens. Words are lower-cased (ASCII) with every
// digit folded to '0': numbers here are amounts and identifiers whose exact value says
// nothing about a document's class, and their shape keeps what they do say.
void Tokenize(std::string_view text, Scratch& s, const CancelCheck& cancel) {
  // Offsets are 32-bit; PostgreSQL caps a text at 1 GiB anyway.
  if (text.size() > std::numeric_limits<uint32_t>::max())
    throw Error(sqlstate::kProgramLimitExceeded, "text too long to classify");
  s.tokens.clear();
  s.norm.resize(text.size());  // tokens never grow: norm is at most as long as text
  char* const norm = s.norm.data();
  const size_t n = text.size();
  uint32_t out = 0;
  size_t next_poll = kPollBytes;
  size_t i = 0;
  while (i < n) {
    if (i >= next_poll) {
      PollCancel(cancel);
      next_poll = i + kPollBytes;
    }
    const unsigned char c = static_cast<unsigned char>(text[i]);
    const size_t first = WordCharLength(text, i);
    if (first == 0) {
      if (size_t len = c == '[' ? PlaceholderLength(text, i) : 0) {
        std::memcpy(norm + out, text.data() + i, len);
        uint64_t h = FnvBytes(FnvByte(kFnvOffset, kTagWord), text.substr(i, len));
        s.tokens.push_back(Token{out, static_cast<uint32_t>(out + len), true, h});
        out += static_cast<uint32_t>(len);
        i += len;
      } else {
        // Past the character (a blank, punctuation, a symbol; non-ASCII ones whole).
        ++i;
        while (i < n && c >= 0x80 && (static_cast<unsigned char>(text[i]) & 0xC0) == 0x80) ++i;
      }
      continue;
    }
    const uint32_t begin = out;
    uint64_t h = FnvByte(kFnvOffset, kTagWord);
    for (size_t len = first; len > 0; len = i < n ? WordCharLength(text, i) : 0) {
      if (len == 1) {
        char b = text[i];
        if (b >= 'A' && b <= 'Z')
          b = static_cast<char>(b - 'A' + 'a');
        else if (b >= '1' && b <= '9')
          b = '0';
        norm[out++] = b;
        h = FnvByte(h, static_cast<unsigned char>(b));
        ++i;
        continue;
      }
      for (size_t k = 0; k < len; ++k, ++i) {  // a non-ASCII letter, digit or mark, as it is
        norm[out++] = text[i];
        h = FnvByte(h, static_cast<unsigned char>(text[i]));
      }
    }
    s.tokens.push_back(Token{begin, out, false, h});
  }
  s.norm.resize(out);
}

// 1 + ln(tf) for small tf (most features occur once or twice; log is slow).
const std::array<double, 32> kTfWeights = [] {
  std::array<double, 32> t{};
  for (uint32_t i = 1; i < t.size(); ++i) t[i] = 1.0 + std::log(static_cast<double>(i));
  return t;
}();

inline double TfWeight(uint32_t tf) {
  return tf < kTfWeights.size() ? kTfWeights[tf] : 1.0 + std::log(static_cast<double>(tf));
}

// Feature families, each normalised on its own.
enum Family { kWords = 0, kChars = 1, kPii = 2, kFamilies = 3 };

// Factor that scales the family's 1 + ln(tf) weights to L2 norm `norm`.
double FamilyScale(const Counter& counter, double norm) {
  double sum = 0;
  for (const auto& e : counter.entries()) {
    const double w = TfWeight(e.count);
    sum += w * w;
  }
  return sum > 0 ? norm / std::sqrt(sum) : 0;
}

// One feature from its key (the 64-bit hash: low bits bucket, top bit sign), tf and its
// family's scale. The one place values are computed: cached training features go
// through it too, so they are bit-identical to Featurize's.
inline Feature MakeFeature(uint64_t key, uint32_t tf, double scale, uint32_t mask) {
  // The sign is set without a branch: hash bits are coin flips, so a branch on them
  // mispredicts half the time.
  const float w = static_cast<float>(TfWeight(tf) * scale);
  uint32_t bits;
  std::memcpy(&bits, &w, sizeof bits);
  bits ^= static_cast<uint32_t>(key >> 63) << 31;
  Feature f;
  f.index = static_cast<uint32_t>(key & mask);
  std::memcpy(&f.value, &bits, sizeof bits);
  return f;
}

// Appends the counted features of one family.
void EmitCounted(const Counter& counter, uint32_t mask, double scale, std::vector<Feature>& out) {
  const auto& entries = counter.entries();
  const size_t base = out.size();
  out.resize(base + entries.size());  // written in place: no store-forwarding stalls
  Feature* o = out.data() + base;
  for (const auto& e : entries) *o++ = MakeFeature(e.key, e.count, scale, mask);
}

// Count bucket of one entity's placeholders.
const char* EntityBucket(int n) { return n == 1 ? "1" : n <= 3 ? "2-3" : "4+"; }

// Bucket of the total number of placeholders.
const char* TotalBucket(int n) {
  return n == 0 ? "0" : n == 1 ? "1" : n <= 3 ? "2-3" : n <= 7 ? "4-7" : "8+";
}

// Calls emit(name) for each PII feature of the tokens in s.
template <typename Emit>
void ForEachPiiFeature(Scratch& s, Emit emit) {
  s.entities.clear();
  int total = 0;
  for (const Token& t : s.tokens) {
    if (!t.placeholder) continue;
    ++total;
    // The name without the brackets; documents name few entity types, so a linear search.
    std::string_view name = std::string_view(s.norm).substr(t.begin + 1, t.end - t.begin - 2);
    auto it = std::find_if(s.entities.begin(), s.entities.end(),
                           [&](const auto& e) { return e.first == name; });
    if (it == s.entities.end())
      s.entities.emplace_back(name, 1);
    else
      ++it->second;
  }
  for (const auto& [name, n] : s.entities) {
    s.name.assign("pii:").append(name);
    emit(s.name);
    s.name.append(":").append(EntityBucket(n));
    emit(s.name);
  }
  s.name.assign("pii_total:").append(TotalBucket(total));
  emit(s.name);
}

// Counts the features of text by family into s.counters.
void CountFeatures(std::string_view text, Scratch& s, const CancelCheck& cancel) {
  Tokenize(text, s, cancel);

  // Words and bigrams (placeholders are words here too: "ssn [US_SSN]" is a good bigram).
  Counter& words = s.counters[kWords];
  words.Reset();
  for (size_t i = 0; i < s.tokens.size(); ++i) {
    if (i % kPollTokens == kPollTokens - 1) PollCancel(cancel);
    words.Add(Fmix64(s.tokens[i].hash));
    if (i > 0)
      words.Add(Fmix64(
          FnvU64(FnvU64(FnvByte(kFnvOffset, kTagBigram), s.tokens[i - 1].hash), s.tokens[i].hash)));
  }

  // Character n-grams of "<word>", over code points (a UTF-8 character is never split).
  Counter& chars = s.counters[kChars];
  chars.Reset();
  const uint64_t char_seed = FnvByte(kFnvOffset, kTagChar);
  for (size_t i = 0; i < s.tokens.size(); ++i) {
    if (i % kPollTokens == kPollTokens - 1) PollCancel(cancel);
    const Token& t = s.tokens[i];
    const size_t len = t.end - t.begin;
    if (t.placeholder || len > kMaxCharGramWord) continue;
    unsigned char padded[kMaxCharGramWord + 2];
    padded[0] = '<';
    std::memcpy(padded + 1, s.norm.data() + t.begin, len);
    padded[len + 1] = '>';
    const size_t plen = len + 2;
    bool ascii = true;
    for (size_t b = 1; b <= len; ++b) ascii &= padded[b] < 0x80;
    if (ascii) {  // the common case: a code point is a byte
      for (size_t start = 0; start + kMinCharGram <= plen; ++start) {
        uint64_t h = FnvByte(FnvByte(FnvByte(char_seed, padded[start]), padded[start + 1]),
                             padded[start + 2]);
        chars.Add(Fmix64(h));
        for (size_t e = start + kMinCharGram; e < plen && e < start + kMaxCharGram; ++e) {
          h = FnvByte(h, padded[e]);
          chars.Add(Fmix64(h));
        }
      }
      continue;
    }
    uint8_t cps[kMaxCharGramWord + 3];  // code point starts, then the end
    size_t ncp = 0;
    for (size_t b = 0; b < plen; ++b)
      if ((padded[b] & 0xC0) != 0x80) cps[ncp++] = static_cast<uint8_t>(b);
    cps[ncp] = static_cast<uint8_t>(plen);
    for (size_t start = 0; start + kMinCharGram <= ncp; ++start) {
      uint64_t h = char_seed;
      for (size_t n = 1; n <= kMaxCharGram && start + n <= ncp; ++n) {
        for (size_t b = cps[start + n - 1]; b < cps[start + n]; ++b) h = FnvByte(h, padded[b]);
        if (n >= kMinCharGram) chars.Add(Fmix64(h));
      }
    }
  }

  // PII features, each of weight 1 before normalisation.
  Counter& pii = s.counters[kPii];
  pii.Reset();
  ForEachPiiFeature(s, [&](std::string_view name) {
    pii.Add(Fmix64(FnvBytes(FnvByte(kFnvOffset, kTagPii), name)));
  });
}

// Scales of the counted families: each family is normalised on its own and the
// non-empty families share the unit norm, so the hundreds of character n-grams do not
// drown the few dozen words or the PII features. (The PII family is never empty: it
// always has its total bucket.)
std::array<double, kFamilies> FamilyScales(const Scratch& s) {
  int nonempty = 0;
  for (const Counter& c : s.counters) nonempty += !c.entries().empty();
  const double norm = 1.0 / std::sqrt(static_cast<double>(nonempty));
  std::array<double, kFamilies> scales{};
  for (int f = 0; f < kFamilies; ++f) scales[f] = FamilyScale(s.counters[f], norm);
  return scales;
}

// Featurize with explicit scratch buffers.
void FeaturizeInto(std::string_view text, int hash_bits, std::vector<Feature>& out, Scratch& s,
                   const CancelCheck& cancel) {
  CountFeatures(text, s, cancel);
  const std::array<double, kFamilies> scales = FamilyScales(s);
  const uint32_t mask = (uint32_t{1} << hash_bits) - 1;
  out.clear();
  for (int f = 0; f < kFamilies; ++f) EmitCounted(s.counters[f], mask, scales[f], out);
}

// ------------------------------------------------------------------------------ checks

// Length of the well-formed UTF-8 sequence at s[i], or 0 (no overlongs, surrogates or
// code points over U+10FFFF).
size_t Utf8SequenceLength(std::string_view s, size_t i) {
  auto byte = [&](size_t k) -> unsigned {
    return i + k < s.size() ? static_cast<unsigned char>(s[i + k]) : 0x100u;
  };
  auto in = [](unsigned b, unsigned lo, unsigned hi) { return b >= lo && b <= hi; };
  const unsigned b0 = byte(0);
  if (b0 < 0x80) return 1;
  if (in(b0, 0xC2, 0xDF)) return in(byte(1), 0x80, 0xBF) ? 2 : 0;
  if (in(b0, 0xE0, 0xEF)) {
    const unsigned lo = b0 == 0xE0 ? 0xA0 : 0x80, hi = b0 == 0xED ? 0x9F : 0xBF;
    return in(byte(1), lo, hi) && in(byte(2), 0x80, 0xBF) ? 3 : 0;
  }
  if (in(b0, 0xF0, 0xF4)) {
    const unsigned lo = b0 == 0xF0 ? 0x90 : 0x80, hi = b0 == 0xF4 ? 0x8F : 0xBF;
    return in(byte(1), lo, hi) && in(byte(2), 0x80, 0xBF) && in(byte(3), 0x80, 0xBF) ? 4 : 0;
  }
  return 0;
}

bool IsUtf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    const size_t n = Utf8SequenceLength(s, i);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

}  // namespace

bool LabelIsVisible(std::string_view label) {
  for (int32_t i = 0, n = static_cast<int32_t>(label.size()); i < n;) {
    UChar32 c;
    U8_NEXT(reinterpret_cast<const uint8_t*>(label.data()), i, n, c);
    if (c < 0) return true;  // not UTF-8: another check's to refuse
    const int8_t type = u_charType(c);
    if (type != U_SPACE_SEPARATOR && type != U_LINE_SEPARATOR && type != U_PARAGRAPH_SEPARATOR &&
        type != U_CONTROL_CHAR && type != U_FORMAT_CHAR && !u_isUWhiteSpace(c))
      return true;
  }
  return false;
}

namespace {

// Why a label cannot be used, or nullptr. Labels are names, not personal data, but a
// bad one may be a document pasted by mistake, so messages never quote it.
const char* LabelProblem(std::string_view label) {
  if (label.empty()) return "is empty";
  if (label.size() > kMaxLabelBytes) return "is longer than 200 bytes";
  if (label.find('\0') != std::string_view::npos) return "contains a NUL byte";
  if (!IsUtf8(label)) return "is not valid UTF-8";
  return nullptr;
}

// Longest option key quoted in a message.
constexpr size_t kMaxQuotedKey = 64;

[[noreturn]] void BadOption(std::string_view key, std::string_view why) {
  // (Quoted only when it has the form of a name: a key that does not may be data.)
  std::string msg = "invalid training options: key " + ShownName(key, kMaxQuotedKey);
  throw Error(sqlstate::kInvalidParameterValue, msg + ": " + std::string(why), {},
              "Training options look like {\"epochs\": 5, \"learning_rate\": 2, \"l2\": 1e-6, "
              "\"hash_bits\": 18, \"test_fraction\": 0.2, \"calibration_fraction\": 0.1, "
              "\"seed\": 42, \"refit\": true}.");
}

constexpr double kMaxLearningRate = 10;
constexpr double kMaxL2 = 0.01;
constexpr double kMinFraction = 0.01;
constexpr double kMaxFraction = 0.5;
constexpr double kMaxHeldOut = 0.8;  // test + calibration
constexpr uint64_t kMaxSeed = (uint64_t{1} << 53) - 1;

// Checks every option's range (ParseTrainOptions and Train share it).
void CheckOptions(const TrainOptions& o) {
  if (o.epochs < 1 || o.epochs > kMaxEpochs)
    BadOption("epochs", "expected an integer from 1 to 1000");
  if (!(o.learning_rate > 0 && o.learning_rate <= kMaxLearningRate))
    BadOption("learning_rate", "expected a number greater than 0 and at most 10");
  if (!(o.l2 >= 0 && o.l2 <= kMaxL2)) BadOption("l2", "expected a number from 0 to 0.01");
  if (o.hash_bits < kMinHashBits || o.hash_bits > kMaxHashBits)
    BadOption("hash_bits", "expected an integer from 10 to 24");
  if (!(o.test_fraction >= kMinFraction && o.test_fraction <= kMaxFraction))
    BadOption("test_fraction", "expected a number from 0.01 to 0.5");
  if (!(o.calibration_fraction >= kMinFraction && o.calibration_fraction <= kMaxFraction))
    BadOption("calibration_fraction", "expected a number from 0.01 to 0.5");
  if (o.test_fraction + o.calibration_fraction > kMaxHeldOut)
    BadOption("calibration_fraction", "test_fraction + calibration_fraction must be at most 0.8");
  if (o.seed > kMaxSeed) BadOption("seed", "expected an integer from 0 to 2^53-1");
}

// The value of key as an integer in [lo, hi], or a BadOption.
int64_t IntegerOption(std::string_view key, const json::Value& v, double lo, double hi,
                      std::string_view why) {
  // Range first: converting an out-of-range double to an integer is undefined.
  if (!v.is_number() || !(v.as_number() >= lo && v.as_number() <= hi) ||
      v.as_number() != std::floor(v.as_number()))
    BadOption(key, why);
  return static_cast<int64_t>(v.as_number());
}

double NumberOption(std::string_view key, const json::Value& v) {
  if (!v.is_number() || !std::isfinite(v.as_number())) BadOption(key, "expected a number");
  return v.as_number();
}

// ------------------------------------------------------------------------- probability

// Softmax of z / temperature over the label indices in `subset` into p (indexed like z).
void Softmax(const std::vector<double>& z, double temperature, const std::vector<uint32_t>& subset,
             std::vector<double>& p) {
  double max = -std::numeric_limits<double>::infinity();
  for (uint32_t k : subset) max = std::max(max, z[k]);
  double sum = 0;
  for (uint32_t k : subset) sum += (p[k] = std::exp((z[k] - max) / temperature));
  for (uint32_t k : subset) p[k] /= sum;
}

// Expected calibration error over 10 equal-width bins of top-label confidence.
double Ece(const std::vector<double>& confidence, const std::vector<bool>& correct) {
  constexpr int kBins = 10;
  std::array<double, kBins> conf{}, hits{}, count{};
  for (size_t i = 0; i < confidence.size(); ++i) {
    const int b = std::min(kBins - 1, static_cast<int>(confidence[i] * kBins));
    conf[b] += confidence[i];
    hits[b] += correct[i] ? 1 : 0;
    count[b] += 1;
  }
  double ece = 0;
  for (int b = 0; b < kBins; ++b)
    if (count[b] > 0) ece += std::fabs(hits[b] - conf[b]) / static_cast<double>(confidence.size());
  return ece;
}

// Rounds to 6 decimals for the report (more digits are noise at these sample sizes).
double Round6(double x) { return std::round(x * 1e6) / 1e6; }

void AppendNumber(std::string& out, double x) { out += json::Value::Number(Round6(x)).Dump(); }

// --------------------------------------------------------------------------- blob format

constexpr char kMagic[8] = {'C', 'M', 'P', 'L', 'Y', 'C', 'L', 'S'};
constexpr uint32_t kFormatVersion = 1;
// Version of the features (tokenizer, hash, families, weighting); see the top of the file.
constexpr uint32_t kFeatureScheme = 1;
constexpr size_t kChecksumBytes = 32;
// Temperatures Train can produce (the calibration search range).
constexpr double kMinTemperature = 0.02;
constexpr double kMaxTemperature = 50;

void PutU8(std::string& out, uint8_t v) { out.push_back(static_cast<char>(v)); }
void PutU16(std::string& out, uint16_t v) {
  for (int i = 0; i < 2; ++i) out.push_back(static_cast<char>(v >> (8 * i)));
}
void PutU32(std::string& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>(v >> (8 * i)));
}
void PutU64(std::string& out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>(v >> (8 * i)));
}
void PutF32(std::string& out, float f) {
  uint32_t v;
  std::memcpy(&v, &f, sizeof v);
  PutU32(out, v);
}

std::array<unsigned char, kChecksumBytes> Sha256(std::string_view data) {
  std::array<unsigned char, kChecksumBytes> h{};
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), h.data(), &len, Sha256Md(), nullptr) != 1 ||
      len != h.size())
    throw Error(sqlstate::kInternalError, "EVP_Digest(SHA-256) failed");
  return h;
}

[[noreturn]] void BadBlob(const std::string& why) {
  throw Error(sqlstate::kInvalidTextRepresentation, "invalid model data: " + why);
}

// Bounds-checked little-endian reader over a blob.
class Reader {
 public:
  explicit Reader(std::string_view data) : data_(data) {}
  std::string_view Take(size_t n) {
    if (n > data_.size() - pos_) BadBlob("truncated");
    std::string_view out = data_.substr(pos_, n);
    pos_ += n;
    return out;
  }
  uint64_t Uint(int bytes) {
    std::string_view b = Take(static_cast<size_t>(bytes));
    uint64_t v = 0;
    for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(b[i]);
    return v;
  }
  float F32() {
    const uint32_t v = static_cast<uint32_t>(Uint(4));
    float f;
    std::memcpy(&f, &v, sizeof f);
    return f;
  }
  size_t remaining() const { return data_.size() - pos_; }

 private:
  std::string_view data_;
  size_t pos_ = 0;
};

// Adds sum over features of value * row(index) to z[0..K): the weights are bucket-major,
// so a feature's K weights are adjacent. Accumulators stay in registers for small K
// (the common case: a handful of labels); every K sums in the same order, so the result
// does not depend on which version ran.
template <size_t K>
void DotRowsFixed(const Feature* x, size_t n, const float* weights, double* z) {
  double acc[K];
  for (size_t k = 0; k < K; ++k) acc[k] = z[k];
  for (size_t i = 0; i < n; ++i) {
    if (i + 16 < n) __builtin_prefetch(weights + static_cast<size_t>(x[i + 16].index) * K);
    const float* w = weights + static_cast<size_t>(x[i].index) * K;
    for (size_t k = 0; k < K; ++k) acc[k] += static_cast<double>(x[i].value * w[k]);
  }
  for (size_t k = 0; k < K; ++k) z[k] = acc[k];
}

void DotRows(const std::vector<Feature>& x, const float* weights, size_t k_count, double* z) {
  switch (k_count) {
    case 2:
      return DotRowsFixed<2>(x.data(), x.size(), weights, z);
    case 3:
      return DotRowsFixed<3>(x.data(), x.size(), weights, z);
    case 4:
      return DotRowsFixed<4>(x.data(), x.size(), weights, z);
    case 5:
      return DotRowsFixed<5>(x.data(), x.size(), weights, z);
    case 6:
      return DotRowsFixed<6>(x.data(), x.size(), weights, z);
    case 7:
      return DotRowsFixed<7>(x.data(), x.size(), weights, z);
    case 8:
      return DotRowsFixed<8>(x.data(), x.size(), weights, z);
    default:
      for (const Feature& f : x) {
        const float* w = weights + static_cast<size_t>(f.index) * k_count;
        for (size_t k = 0; k < k_count; ++k) z[k] += static_cast<double>(f.value * w[k]);
      }
  }
}

// Adds step[k] * value to each feature's row (SGD's update; see DotRows for the layout).
template <size_t K>
void AddToRowsFixed(const Feature* x, size_t n, const float* step, float* weights) {
  float st[K];
  for (size_t k = 0; k < K; ++k) st[k] = step[k];
  for (size_t i = 0; i < n; ++i) {
    float* w = weights + static_cast<size_t>(x[i].index) * K;
    for (size_t k = 0; k < K; ++k) w[k] += st[k] * x[i].value;
  }
}

// With many labels most steps are zero (labels the model already rules out), so only
// the non-zero ones, listed in active, are applied.
void AddToRows(const std::vector<Feature>& x, const std::vector<float>& step,
               const std::vector<uint32_t>& active, float* weights) {
  const size_t k_count = step.size();
  switch (k_count) {
    case 2:
      return AddToRowsFixed<2>(x.data(), x.size(), step.data(), weights);
    case 3:
      return AddToRowsFixed<3>(x.data(), x.size(), step.data(), weights);
    case 4:
      return AddToRowsFixed<4>(x.data(), x.size(), step.data(), weights);
    case 5:
      return AddToRowsFixed<5>(x.data(), x.size(), step.data(), weights);
    case 6:
      return AddToRowsFixed<6>(x.data(), x.size(), step.data(), weights);
    case 7:
      return AddToRowsFixed<7>(x.data(), x.size(), step.data(), weights);
    case 8:
      return AddToRowsFixed<8>(x.data(), x.size(), step.data(), weights);
    default:
      for (const Feature& f : x) {
        float* w = weights + static_cast<size_t>(f.index) * k_count;
        for (uint32_t k : active) w[k] += step[k] * f.value;
      }
  }
}

}  // namespace

// ------------------------------------------------------------------------------ public

void Featurize(std::string_view text, int hash_bits, std::vector<Feature>& out,
               const CancelCheck& cancel) {
  if (hash_bits < kMinHashBits || hash_bits > kMaxHashBits)
    throw Error(sqlstate::kInvalidParameterValue, "hash_bits must be from 10 to 24");
  FeaturizeInto(text, hash_bits, out, ThreadScratch(), cancel);
}

std::vector<std::string> PiiFeatureNames(std::string_view redacted_text) {
  Scratch& s = ThreadScratch();
  Tokenize(redacted_text, s, {});
  std::vector<std::string> names;
  ForEachPiiFeature(s, [&](std::string_view name) { names.emplace_back(name); });
  return names;
}

TrainOptions ParseTrainOptions(const json::Value& options) {
  TrainOptions o;
  if (options.is_null()) return o;
  if (!options.is_object())
    throw Error(sqlstate::kInvalidParameterValue,
                "invalid training options: expected a JSON object, got " +
                    std::string(json::TypeName(options.type())));
  for (const auto& [key, v] : options.as_object()) {
    if (key == "epochs") {
      o.epochs = static_cast<int>(
          IntegerOption(key, v, 1, kMaxEpochs, "expected an integer from 1 to 1000"));
    } else if (key == "learning_rate") {
      o.learning_rate = NumberOption(key, v);
    } else if (key == "l2") {
      o.l2 = NumberOption(key, v);
    } else if (key == "hash_bits") {
      o.hash_bits = static_cast<int>(
          IntegerOption(key, v, kMinHashBits, kMaxHashBits, "expected an integer from 10 to 24"));
    } else if (key == "test_fraction") {
      o.test_fraction = NumberOption(key, v);
    } else if (key == "calibration_fraction") {
      o.calibration_fraction = NumberOption(key, v);
    } else if (key == "seed") {
      o.seed = static_cast<uint64_t>(IntegerOption(key, v, 0, static_cast<double>(kMaxSeed),
                                                   "expected an integer from 0 to 2^53-1"));
    } else if (key == "refit") {
      if (!v.is_bool()) BadOption(key, "expected true or false");
      o.refit = v.as_bool();
    } else {
      BadOption(key,
                "unknown option (expected epochs, learning_rate, l2, hash_bits, "
                "test_fraction, calibration_fraction, seed or refit)");
    }
  }
  CheckOptions(o);
  return o;
}

std::string ReportJson(const TrainReport& r) {
  std::string out = "{\"examples\":" + std::to_string(r.examples) +
                    ",\"train\":" + std::to_string(r.train) +
                    ",\"calibration\":" + std::to_string(r.calibration) +
                    ",\"test\":" + std::to_string(r.test) + ",\"labels\":[";
  for (size_t i = 0; i < r.labels.size(); ++i) {
    if (i) out += ',';
    json::AppendQuoted(out, r.labels[i]);
  }
  out += "],\"accuracy\":";
  AppendNumber(out, r.accuracy);
  out += ",\"macro_f1\":";
  AppendNumber(out, r.macro_f1);
  out += ",\"baseline_accuracy\":";
  AppendNumber(out, r.baseline_accuracy);
  out += ",\"ece_before\":";
  AppendNumber(out, r.ece_before);
  out += ",\"ece_after\":";
  AppendNumber(out, r.ece_after);
  out += ",\"temperature\":";
  AppendNumber(out, r.temperature);
  out += ",\"per_label\":{";
  for (size_t i = 0; i < r.per_label.size(); ++i) {
    const LabelMetrics& m = r.per_label[i];
    if (i) out += ',';
    json::AppendQuoted(out, m.label);
    out += ":{\"precision\":";
    AppendNumber(out, m.precision);
    out += ",\"recall\":";
    AppendNumber(out, m.recall);
    out += ",\"f1\":";
    AppendNumber(out, m.f1);
    out += ",\"support\":" + std::to_string(m.support) + "}";
  }
  out += "},\"hash_bits\":" + std::to_string(r.hash_bits) +
         ",\"epochs\":" + std::to_string(r.epochs) + ",\"refit\":" + (r.refit ? "true" : "false") +
         "}";
  return out;
}

void Model::Logits(const std::vector<Feature>& features, std::vector<double>& scores) const {
  const size_t k_count = labels_.size();
  scores.assign(bias_.begin(), bias_.end());
  DotRows(features, weights_.data(), k_count, scores.data());
}

Prediction Model::Predict(std::string_view redacted_text,
                          const std::vector<std::string>* allowed_labels,
                          const CancelCheck& cancel) const {
  thread_local std::vector<Feature> features;
  thread_local std::vector<double> z, p;
  thread_local std::vector<uint32_t> subset;
  subset.clear();
  if (allowed_labels) {
    if (allowed_labels->empty())
      throw Error(sqlstate::kInvalidParameterValue, "the list of allowed labels is empty");
    for (const std::string& name : *allowed_labels) {
      auto it = std::lower_bound(labels_.begin(), labels_.end(), name);
      if (it == labels_.end() || *it != name) {
        // (Quoted only when it has the form of a name: one that does not may be data.)
        throw Error(sqlstate::kInvalidParameterValue,
                    "label " + ShownName(name, kMaxLabelBytes) + " is not known to the model");
      }
      subset.push_back(static_cast<uint32_t>(it - labels_.begin()));
    }
    std::sort(subset.begin(), subset.end());
    subset.erase(std::unique(subset.begin(), subset.end()), subset.end());
  } else {
    subset.resize(labels_.size());
    std::iota(subset.begin(), subset.end(), 0u);
  }

  Scratch& scratch = ThreadScratch();
  FeaturizeInto(redacted_text, hash_bits_, features, scratch, cancel);
  // A text with no token (empty, blanks, punctuation) has only the constant PII bucket
  // and gets the training prior, which may well be above the review threshold: no
  // decision may rest on that alone.
  const bool no_evidence = scratch.tokens.empty();
  Logits(features, z);
  p.assign(labels_.size(), 0.0);
  Softmax(z, temperature_, subset, p);
  // Most probable first; equal probabilities in label order (subset is sorted).
  std::stable_sort(subset.begin(), subset.end(),
                   [&](uint32_t a, uint32_t b) { return p[a] > p[b]; });

  Prediction out;
  out.label = labels_[subset[0]];
  out.confidence = no_evidence && subset.size() > 1 ? 0.0 : p[subset[0]];
  out.probabilities.reserve(subset.size());
  for (uint32_t k : subset) out.probabilities.emplace_back(labels_[k], p[k]);
  return out;
}

std::string Model::Serialize() const {
  std::string out;
  const size_t k_count = labels_.size();
  out.reserve(64 + k_count * (kMaxLabelBytes + 6) + weights_.size() * 4 + kChecksumBytes);
  out.append(kMagic, sizeof kMagic);
  PutU32(out, kFormatVersion);
  PutU32(out, kFeatureScheme);
  PutU8(out, static_cast<uint8_t>(hash_bits_));
  PutU8(out, 0);  // reserved
  PutU8(out, 0);
  PutU8(out, 0);
  uint64_t t;
  std::memcpy(&t, &temperature_, sizeof t);
  PutU64(out, t);
  PutU32(out, static_cast<uint32_t>(k_count));
  for (const std::string& label : labels_) {
    PutU16(out, static_cast<uint16_t>(label.size()));
    out += label;
  }
  for (float b : bias_) PutF32(out, b);
  for (float w : weights_) PutF32(out, w);
  const auto sum = Sha256(out);
  out.append(reinterpret_cast<const char*>(sum.data()), sum.size());
  return out;
}

Model Model::Deserialize(std::string_view blob) {
  if (blob.size() < sizeof kMagic + 4 || std::memcmp(blob.data(), kMagic, sizeof kMagic) != 0)
    BadBlob("not a pg_comply classifier model");
  Reader r(blob);
  r.Take(sizeof kMagic);
  const uint64_t version = r.Uint(4);
  if (version != kFormatVersion)
    BadBlob("unsupported format version " + std::to_string(version) + " (this build reads " +
            std::to_string(kFormatVersion) + ")");
  if (blob.size() < kChecksumBytes + 8 + 4) BadBlob("truncated");
  const std::string_view body = blob.substr(0, blob.size() - kChecksumBytes);
  const auto sum = Sha256(body);
  if (std::memcmp(sum.data(), blob.data() + body.size(), kChecksumBytes) != 0)
    BadBlob("checksum mismatch (truncated or corrupted)");

  // The checksum catches accidents, not forgeries: every field is still checked.
  Reader in(body);
  in.Take(sizeof kMagic + 4);
  const uint64_t scheme = in.Uint(4);
  if (scheme != kFeatureScheme) BadBlob("unsupported feature scheme " + std::to_string(scheme));
  Model m;
  const uint64_t bits = in.Uint(1);
  if (bits < kMinHashBits || bits > kMaxHashBits) BadBlob("hash_bits out of range");
  m.hash_bits_ = static_cast<int>(bits);
  if (in.Uint(1) != 0 || in.Uint(1) != 0 || in.Uint(1) != 0) BadBlob("reserved bytes are not zero");
  const uint64_t t = in.Uint(8);
  std::memcpy(&m.temperature_, &t, sizeof t);
  if (!(m.temperature_ >= kMinTemperature && m.temperature_ <= kMaxTemperature))
    BadBlob("temperature out of range");
  const uint64_t k_count = in.Uint(4);
  if (k_count < 2 || k_count > kMaxLabels) BadBlob("label count out of range");
  if (k_count << bits > kMaxWeights) BadBlob("too many weights");
  m.labels_.reserve(k_count);
  for (uint64_t k = 0; k < k_count; ++k) {
    const size_t len = static_cast<size_t>(in.Uint(2));
    std::string_view label = in.Take(len);
    if (LabelProblem(label)) BadBlob("invalid label");
    if (k > 0 && !(m.labels_.back() < label)) BadBlob("labels not sorted and unique");
    m.labels_.emplace_back(label);
  }
  const size_t n_weights = static_cast<size_t>(k_count << bits);
  if (in.remaining() != (k_count + n_weights) * 4) BadBlob("wrong size for the weights");
  m.bias_.resize(k_count);
  for (float& b : m.bias_) b = in.F32();
  m.weights_.resize(n_weights);
  for (float& w : m.weights_) w = in.F32();
  for (float b : m.bias_)
    if (!std::isfinite(b)) BadBlob("non-finite weight");
  for (float w : m.weights_)
    if (!std::isfinite(w)) BadBlob("non-finite weight");
  return m;
}

// ----------------------------------------------------------------------------- training

namespace {

// Features of the training examples, computed once and replayed every epoch while they
// fit in a memory budget; an example past the budget is featurized again each time it is
// used. Replayed features are bit-identical to fresh ones (both come from MakeFeature),
// so the budget changes the speed of training, never the model.
class FeatureCache {
 public:
  FeatureCache(size_t examples, size_t budget_bytes, int hash_bits)
      : docs_(examples),
        budget_(budget_bytes / sizeof(uint32_t)),
        mask_((uint32_t{1} << hash_bits) - 1) {}

  // The features of examples[row] (whose text is text) into out; keep says whether the
  // row will be used again (worth caching).
  void Get(size_t row, std::string_view text, bool keep, std::vector<Feature>& out, Scratch& s,
           const CancelCheck& cancel) {
    Doc& d = docs_[row];
    out.clear();
    if (d.state == kCached) {
      out.resize(size_t{d.count[0]} + d.count[1] + d.count[2]);
      Feature* o = out.data();
      const uint32_t* p = chunks_[d.chunk].data() + d.offset;
      for (int f = 0; f < kFamilies; ++f)
        for (uint32_t i = 0; i < d.count[f]; ++i, ++p)
          *o++ = MakeFeature(uint64_t{*p >> 31} << 63 | (*p & kIndexBits), ((*p >> 24) & 0x7f) + 1,
                             d.scale[f], mask_);
      return;
    }
    CountFeatures(text, s, cancel);
    const std::array<double, kFamilies> scales = FamilyScales(s);
    for (int f = 0; f < kFamilies; ++f) EmitCounted(s.counters[f], mask_, scales[f], out);
    if (keep && d.state == kUnseen) d.state = Store(d, s, scales) ? kCached : kUncached;
  }

 private:
  // Packed feature: bucket in bits 0-23, tf - 1 in bits 24-30 (tf <= 128), sign in bit 31.
  static constexpr uint32_t kIndexBits = (uint32_t{1} << 24) - 1;
  static constexpr uint32_t kMaxTf = 128;
  static constexpr size_t kChunk = size_t{1} << 20;  // entries (4 MiB)
  enum State : uint8_t { kUnseen, kCached, kUncached };
  struct Doc {
    double scale[kFamilies] = {};
    uint32_t count[kFamilies] = {};
    uint32_t chunk = 0;
    uint32_t offset = 0;
    State state = kUnseen;
  };

  // Packs the counted features into the cache if they fit; false if not.
  bool Store(Doc& d, const Scratch& s, const std::array<double, kFamilies>& scales) {
    size_t total = 0;
    for (const Counter& c : s.counters) {
      total += c.entries().size();
      for (const auto& e : c.entries())
        if (e.count > kMaxTf) return false;
    }
    if (total > kChunk) return false;
    if (chunks_.empty() || chunks_.back().size() + total > kChunk) {
      if ((chunks_.size() + 1) * kChunk > budget_) return false;
      chunks_.emplace_back();
      chunks_.back().reserve(kChunk);
    }
    std::vector<uint32_t>& chunk = chunks_.back();
    d.chunk = static_cast<uint32_t>(chunks_.size() - 1);
    d.offset = static_cast<uint32_t>(chunk.size());
    for (int f = 0; f < kFamilies; ++f) {
      d.scale[f] = scales[f];
      d.count[f] = static_cast<uint32_t>(s.counters[f].entries().size());
      for (const auto& e : s.counters[f].entries())
        chunk.push_back(static_cast<uint32_t>(e.key >> 63) << 31 | (e.count - 1) << 24 |
                        (static_cast<uint32_t>(e.key) & mask_));
    }
    return true;
  }

  std::vector<Doc> docs_;
  std::vector<std::vector<uint32_t>> chunks_;
  size_t budget_;  // entries
  uint32_t mask_;
};

}  // namespace

// Fits weights with SGD and evaluates; a friend of Model.
class Trainer {
 public:
  Trainer(const std::vector<Example>& examples, const std::vector<uint32_t>& label_of,
          const TrainOptions& options, const CancelCheck& cancel, Model& model)
      : examples_(examples),
        label_of_(label_of),
        o_(options),
        cancel_(cancel),
        m_(model),
        cache_(examples.size(), options.feature_cache_bytes, options.hash_bits) {}

  // Trains the model's weights from zero on the examples at `rows`, in an order
  // shuffled by seed each epoch. Plain SGD on the softmax cross-entropy with the L2
  // penalty applied exactly through a scale factor (w = scale * v), so a step costs
  // only the document's features; the step decays linearly to 0 over the run.
  void Fit(std::vector<size_t> rows, uint64_t seed) {
    const size_t k_count = m_.labels_.size();
    m_.bias_.assign(k_count, 0.0f);
    m_.weights_.assign(k_count << o_.hash_bits, 0.0f);
    double scale = 1;
    Rng rng(seed);
    std::vector<Feature> x;
    std::vector<double> z(k_count), p(k_count);
    std::vector<float> step(k_count);  // -lr * gradient / scale, per label
    std::vector<uint32_t> active;      // labels whose step is not 0
    const double total_steps = static_cast<double>(o_.epochs) * static_cast<double>(rows.size());
    double t = 0;
    size_t since_poll = 0;
    for (int epoch = 0; epoch < o_.epochs; ++epoch) {
      rng.Shuffle(rows);
      for (size_t row : rows) {
        if (++since_poll >= kPollExamples) {
          PollCancel(cancel_);
          since_poll = 0;
        }
        cache_.Get(row, examples_[row].text, /*keep=*/true, x, scratch_, cancel_);
        const double lr = o_.learning_rate * (1.0 - t / total_steps);
        t += 1;
        // Logits with the true weights scale * v.
        for (size_t k = 0; k < k_count; ++k) z[k] = 0;
        DotRows(x, m_.weights_.data(), k_count, z.data());
        for (size_t k = 0; k < k_count; ++k) z[k] = z[k] * scale + m_.bias_[k];
        SoftmaxAll(z, p);
        // Weight decay first (w <- (1 - lr * l2) w), then the gradient step.
        scale *= 1.0 - lr * o_.l2;
        if (scale < 1e-6) {
          for (float& w : m_.weights_) w = static_cast<float>(w * scale);
          scale = 1;
        }
        const uint32_t y = label_of_[row];
        active.clear();
        for (size_t k = 0; k < k_count; ++k) {
          const double g = p[k] - (k == y ? 1.0 : 0.0);
          // Labels the model already rules out for this document are skipped: with
          // hundreds of labels most of them are, and their steps would round to nothing.
          step[k] = 0;
          if (std::fabs(g) < 1e-7) continue;
          m_.bias_[k] -= static_cast<float>(lr * g);
          step[k] = static_cast<float>(-lr * g / scale);
          active.push_back(static_cast<uint32_t>(k));
        }
        AddToRows(x, step, active, m_.weights_.data());
      }
    }
    for (float& w : m_.weights_) w = static_cast<float>(w * scale);
  }

  // Logits of the examples at rows with the current weights, row-major (rows x K); keep
  // says whether the rows will be used again.
  std::vector<float> LogitsOf(const std::vector<size_t>& rows, bool keep) {
    const size_t k_count = m_.labels_.size();
    std::vector<float> out;
    out.reserve(rows.size() * k_count);
    std::vector<Feature> x;
    std::vector<double> z;
    size_t since_poll = 0;
    for (size_t row : rows) {
      if (++since_poll >= kPollExamples) {
        PollCancel(cancel_);
        since_poll = 0;
      }
      cache_.Get(row, examples_[row].text, keep, x, scratch_, cancel_);
      m_.Logits(x, z);
      for (double v : z) out.push_back(static_cast<float>(v));
    }
    return out;
  }

  // Fits the temperature on held-out logits: minimises their negative log-likelihood
  // plus 0.5 * ln(T)^2, a weak log-normal prior worth about one example, which keeps a
  // tiny calibration split that happens to be all correct from driving T to the bound
  // (confidence 1.0 everywhere). A grid over ln T, then golden-section search around the
  // best grid point.
  double FitTemperature(const std::vector<size_t>& rows, const std::vector<float>& logits) {
    const size_t k_count = m_.labels_.size();
    auto objective = [&](double u) {
      const double inv_t = std::exp(-u);
      double nll = 0.5 * u * u;
      for (size_t i = 0; i < rows.size(); ++i) {
        const float* z = &logits[i * k_count];
        double max = -std::numeric_limits<double>::infinity();
        for (size_t k = 0; k < k_count; ++k) max = std::max(max, z[k] * inv_t);
        double sum = 0;
        for (size_t k = 0; k < k_count; ++k) sum += std::exp(z[k] * inv_t - max);
        nll += max + std::log(sum) - z[label_of_[rows[i]]] * inv_t;
      }
      PollCancel(cancel_);
      return nll;
    };
    const double lo = std::log(kMinTemperature), hi = std::log(kMaxTemperature);
    constexpr int kGrid = 48;
    const double h = (hi - lo) / kGrid;
    double best_u = 0, best = objective(0);
    for (int i = 0; i <= kGrid; ++i) {
      const double u = lo + h * i;
      const double v = objective(u);
      if (v < best) best = v, best_u = u;
    }
    double a = std::max(lo, best_u - h), b = std::min(hi, best_u + h);
    const double phi = (std::sqrt(5.0) - 1) / 2;
    double c = b - phi * (b - a), d = a + phi * (b - a);
    double fc = objective(c), fd = objective(d);
    for (int i = 0; i < 40; ++i) {
      if (fc < fd) {
        b = d, d = c, fd = fc;
        c = b - phi * (b - a), fc = objective(c);
      } else {
        a = c, c = d, fc = fd;
        d = a + phi * (b - a), fd = objective(d);
      }
    }
    const double u = (a + b) / 2;
    if (objective(u) < best) best_u = u;
    return std::clamp(std::exp(best_u), kMinTemperature, kMaxTemperature);
  }

  // Fills the metrics of the report from the test rows' logits.
  void Evaluate(const std::vector<size_t>& train_rows, const std::vector<size_t>& rows,
                const std::vector<float>& logits, TrainReport& r) {
    const size_t k_count = m_.labels_.size();
    std::vector<int64_t> tp(k_count), fp(k_count), fn(k_count), train_count(k_count);
    std::vector<double> conf_before, conf_after;
    std::vector<bool> correct;
    std::vector<double> z(k_count), p(k_count);
    int64_t hits = 0;
    for (size_t i = 0; i < rows.size(); ++i) {
      for (size_t k = 0; k < k_count; ++k) z[k] = logits[i * k_count + k];
      const size_t top = static_cast<size_t>(std::max_element(z.begin(), z.end()) - z.begin());
      const uint32_t y = label_of_[rows[i]];
      SoftmaxAll(z, p);
      conf_before.push_back(p[top]);
      for (double& v : z) v /= m_.temperature_;
      SoftmaxAll(z, p);
      conf_after.push_back(p[top]);
      correct.push_back(top == y);
      if (top == y) {
        ++hits;
        ++tp[y];
      } else {
        ++fp[top];
        ++fn[y];
      }
    }
    for (size_t row : train_rows) ++train_count[label_of_[row]];
    const size_t majority = static_cast<size_t>(
        std::max_element(train_count.begin(), train_count.end()) - train_count.begin());
    const double n = static_cast<double>(rows.size());
    r.accuracy = hits / n;
    r.baseline_accuracy = static_cast<double>(tp[majority] + fn[majority]) / n;
    r.ece_before = Ece(conf_before, correct);
    r.ece_after = Ece(conf_after, correct);
    double f1_sum = 0;
    int f1_labels = 0;
    r.per_label.clear();
    for (size_t k = 0; k < k_count; ++k) {
      LabelMetrics lm;
      lm.label = m_.labels_[k];
      lm.support = tp[k] + fn[k];
      if (tp[k] + fp[k] > 0) lm.precision = static_cast<double>(tp[k]) / (tp[k] + fp[k]);
      if (lm.support > 0) lm.recall = static_cast<double>(tp[k]) / lm.support;
      if (lm.precision + lm.recall > 0)
        lm.f1 = 2 * lm.precision * lm.recall / (lm.precision + lm.recall);
      if (lm.support > 0 || tp[k] + fp[k] > 0) f1_sum += lm.f1, ++f1_labels;
      r.per_label.push_back(std::move(lm));
    }
    r.macro_f1 = f1_labels ? f1_sum / f1_labels : 0;
  }

 private:
  static constexpr size_t kPollExamples = 1024;

  static void SoftmaxAll(const std::vector<double>& z, std::vector<double>& p) {
    const double max = *std::max_element(z.begin(), z.end());
    double sum = 0;
    for (size_t k = 0; k < z.size(); ++k) sum += (p[k] = std::exp(z[k] - max));
    for (double& v : p) v /= sum;
  }

  const std::vector<Example>& examples_;
  const std::vector<uint32_t>& label_of_;
  const TrainOptions& o_;
  const CancelCheck& cancel_;
  Model& m_;
  Scratch scratch_;
  FeatureCache cache_;
};

Model Train(const std::vector<Example>& examples, const TrainOptions& options,
            const CancelCheck& cancel, TrainReport* report) {
  CheckOptions(options);
  if (examples.size() < kMinExamples)
    throw Error(sqlstate::kInvalidParameterValue, "at least " + std::to_string(kMinExamples) +
                                                      " training examples are needed, got " +
                                                      std::to_string(examples.size()));
  if (examples.size() > std::numeric_limits<uint32_t>::max())
    throw Error(sqlstate::kProgramLimitExceeded, "too many training examples");

  Model m;
  m.hash_bits_ = options.hash_bits;
  for (size_t i = 0; i < examples.size(); ++i) {
    if (const char* why = LabelProblem(examples[i].label))
      throw Error(IsUtf8(examples[i].label) ? sqlstate::kInvalidParameterValue
                                            : sqlstate::kCharacterNotInRepertoire,
                  "the label of example " + std::to_string(i + 1) + " " + why);
    if (!LabelIsVisible(examples[i].label))
      throw Error(sqlstate::kInvalidParameterValue,
                  "the label of example " + std::to_string(i + 1) +
                      " is blank (white space or invisible characters only)");
    if (i % 4096 == 4095) PollCancel(cancel);
  }
  {
    std::vector<std::string_view> names;
    names.reserve(examples.size());
    for (const Example& e : examples) names.push_back(e.label);
    std::sort(names.begin(), names.end());
    names.erase(std::unique(names.begin(), names.end()), names.end());
    if (names.size() < 2)
      throw Error(sqlstate::kInvalidParameterValue,
                  "training needs at least 2 distinct labels, got " + std::to_string(names.size()));
    if (names.size() > kMaxLabels)
      throw Error(sqlstate::kProgramLimitExceeded,
                  "training supports at most " + std::to_string(kMaxLabels) +
                      " distinct labels, got " + std::to_string(names.size()));
    if (static_cast<uint64_t>(names.size()) << options.hash_bits > kMaxWeights)
      throw Error(sqlstate::kProgramLimitExceeded,
                  "a model of " + std::to_string(names.size()) + " labels with hash_bits " +
                      std::to_string(options.hash_bits) + " would exceed 2^26 weights",
                  {}, "Lower hash_bits.");
    m.labels_.assign(names.begin(), names.end());
  }
  std::vector<uint32_t> label_of(examples.size());
  for (size_t i = 0; i < examples.size(); ++i)
    label_of[i] = static_cast<uint32_t>(
        std::lower_bound(m.labels_.begin(), m.labels_.end(), examples[i].label) -
        m.labels_.begin());

  // Deterministic split: test, then calibration, then train, from one seeded shuffle.
  const size_t n = examples.size();
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), size_t{0});
  Rng(Fmix64(options.seed)).Shuffle(order);
  auto part = [n](double fraction) {
    return std::max<size_t>(1,
                            static_cast<size_t>(std::llround(fraction * static_cast<double>(n))));
  };
  const size_t n_test = part(options.test_fraction);
  const size_t n_cal = part(options.calibration_fraction);
  if (n_test + n_cal >= n)  // cannot happen with n >= 10 and at most 0.8 held out
    throw Error(sqlstate::kInvalidParameterValue, "too few examples for the held-out fractions");
  std::vector<size_t> test(order.begin(), order.begin() + n_test);
  std::vector<size_t> cal(order.begin() + n_test, order.begin() + n_test + n_cal);
  std::vector<size_t> train(order.begin() + n_test + n_cal, order.end());

  Trainer trainer(examples, label_of, options, cancel, m);
  trainer.Fit(train, Fmix64(options.seed + 1));
  m.temperature_ = trainer.FitTemperature(cal, trainer.LogitsOf(cal, /*keep=*/false));
  TrainReport r;
  r.examples = static_cast<int64_t>(n);
  r.train = static_cast<int64_t>(train.size());
  r.calibration = static_cast<int64_t>(n_cal);
  r.test = static_cast<int64_t>(n_test);
  r.labels = m.labels_;
  r.temperature = m.temperature_;
  r.hash_bits = options.hash_bits;
  r.epochs = options.epochs;
  r.refit = options.refit;
  trainer.Evaluate(train, test, trainer.LogitsOf(test, /*keep=*/options.refit), r);
  if (options.refit) {
    std::vector<size_t> all = train;
    all.insert(all.end(), test.begin(), test.end());
    trainer.Fit(std::move(all), Fmix64(options.seed + 2));
  }
  if (report) *report = std::move(r);
  return m;
}

}  // namespace comply::ai
