// The hand matchers (matchers.h). Each mirrors its regex in recognizers.cpp step by step:
// RE2's \d is [0-9], its \b an ASCII word boundary ([0-9A-Za-z_] on one side only, read
// from the whole text), and its (?i:) folds ASCII letters as Unicode does, so that 's'
// also matches U+017F (long s) and 'k' U+212A (Kelvin sign), the only code points beyond
// ASCII that fold to an ASCII letter. Leftmost-first: the first alternative (and the
// longest greedy repetition) that leads to a match wins, as RE2 and Perl choose.
#include "core/pii/matchers.h"
#include "core/pii/month_starts.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <iterator>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace comply::pii {
namespace {

constexpr size_t kNone = static_cast<size_t>(-1);

// A function that the byte-by-byte search of short texts calls and the faster search of
// long ranges too (a Here function that a start filter serves, see Search; EmailDomain):
// inlined into the first, as it was when that was its only caller. Left to GCC,
// PhoneHere was called instead, and BM_DetectShortStrings took 0.5% more instructions.
#define COMPLY_INLINED inline __attribute__((always_inline))

constexpr std::array<bool, 256> MakeWordBytes() {
  std::array<bool, 256> t{};
  for (int c = '0'; c <= '9'; ++c) t[c] = true;
  for (int c = 'A'; c <= 'Z'; ++c) t[c] = true;
  for (int c = 'a'; c <= 'z'; ++c) t[c] = true;
  t['_'] = true;
  return t;
}
constexpr std::array<bool, 256> kWordByte = MakeWordBytes();

inline unsigned char At(std::string_view t, size_t q) { return static_cast<unsigned char>(t[q]); }
inline bool IsDigit(unsigned char c) { return c >= '0' && c <= '9'; }
inline bool IsUpper(unsigned char c) { return c >= 'A' && c <= 'Z'; }
inline bool IsLetter(unsigned char c) { return (c | 0x20) >= 'a' && (c | 0x20) <= 'z'; }

// \b at q: a word byte on exactly one side of it, in the whole text.
inline bool Boundary(std::string_view t, size_t q) {
  const bool before = q > 0 && kWordByte[At(t, q - 1)];
  const bool after = q < t.size() && kWordByte[At(t, q)];
  return before != after;
}

// n digits at t[q], all before to.
inline bool Digits(std::string_view t, size_t q, size_t n, size_t to) {
  if (q + n > to) return false;
  for (size_t i = 0; i < n; ++i)
    if (!IsDigit(At(t, q + i))) return false;
  return true;
}

// The number of digits at t[q] (before to), at most max.
inline size_t DigitRun(std::string_view t, size_t q, size_t max, size_t to) {
  size_t n = 0;
  while (n < max && q + n < to && IsDigit(At(t, q + n))) ++n;
  return n;
}

// [ .\-] at t[q], before to (a card's groups).
inline bool CardSeparator(std::string_view t, size_t q, size_t to) {
  return q < to && (t[q] == ' ' || t[q] == '-' || t[q] == '.');
}

// [A-Za-z0-9]{n} at t[q], before to.
inline bool LettersOrDigits(std::string_view t, size_t q, size_t n, size_t to) {
  if (q + n > to) return false;
  for (size_t i = 0; i < n; ++i) {
    const unsigned char c = At(t, q + i);
    if (!IsLetter(c) && !IsDigit(c)) return false;
  }
  return true;
}

#if defined(__SSE2__)
// ---- Starts: where a match may begin, sixteen places at a time ----
//
// A search over a large text's hint range (a window of 64 KiB, when its matches are
// spread over it) tried Here at every byte: 10 to 25 instructions a byte for each regex.
// A start filter reads a block of 16 bytes (and the kStartLook after it) and returns the
// places of the block where a match may begin, bit i for p + i, from conditions that
// every match of the regex holds (a digit that begins a word, then three more ...); Search
// calls Here at those only. A filter may let through a place where Here finds nothing,
// never hold back one where it finds a match: test/unit/matchers_test.cpp compares the
// searches with RE2 over long texts.

// The bytes a filter may read past its block.
constexpr size_t kStartLook = 4;

inline uint32_t Bits(__m128i m) { return static_cast<uint32_t>(_mm_movemask_epi8(m)); }

// The 16 bytes at b.
inline __m128i Load(const unsigned char* b) {
  return _mm_loadu_si128(reinterpret_cast<const __m128i*>(b));
}

// Which bytes of v lie in [lo, hi]: unsigned ranges as signed compares,
// (c - lo) - 128 <= (hi - lo) - 128.
inline uint32_t InRange(__m128i v, unsigned char lo, unsigned char hi) {
  const __m128i d = _mm_sub_epi8(v, _mm_set1_epi8(static_cast<char>(lo - 128)));
  return ~Bits(_mm_cmpgt_epi8(d, _mm_set1_epi8(static_cast<char>(hi - lo - 128)))) & 0xFFFF;
}
inline uint32_t Equal(__m128i v, char c) { return Bits(_mm_cmpeq_epi8(v, _mm_set1_epi8(c))); }
inline uint32_t DigitBits(const unsigned char* b) { return InRange(Load(b), '0', '9'); }
inline uint32_t UpperBits(const unsigned char* b) { return InRange(Load(b), 'A', 'Z'); }
inline uint32_t LetterBits(const unsigned char* b) {
  return InRange(_mm_or_si128(Load(b), _mm_set1_epi8(0x20)), 'a', 'z');
}

// Which bytes of v are word bytes ([0-9A-Za-z_], kWordByte).
inline uint32_t WordBits(__m128i v) {
  return InRange(v, '0', '9') | InRange(_mm_or_si128(v, _mm_set1_epi8(0x20)), 'a', 'z') |
         Equal(v, '_');
}

// A block of 16 bytes of a text, where a filter looks for starts.
struct Block {
  const unsigned char* text;
  size_t p;  // the block is text[p, p + 16)

  const unsigned char* At(size_t i) const { return text + p + i; }
  // Which of its places begin a word (a word byte that no word byte precedes, in the
  // whole text: where \b holds before a word byte). Asked only where the rest of a
  // filter's condition holds: most blocks of prose hold no digit.
  uint32_t WordStarts() const {
    const uint32_t word = WordBits(Load(At(0)));
    return word & ~((word << 1) | (p > 0 && kWordByte[text[p - 1]] ? 1u : 0u));
  }
};

// A filter: the places of a block where a match may begin, bit i for p + i.
using StartFilter = uint32_t (*)(const Block& k);

// n digits that begin a word ("\b\d{n}"): the numbers' regexes that begin so.
template <int n>
uint32_t DigitsStart(const Block& k) {
  static_assert(n >= 1 && n <= static_cast<int>(kStartLook) + 1, "within the filter's reach");
  uint32_t m = DigitBits(k.At(0));
  for (int i = 1; i < n; ++i) m &= DigitBits(k.At(i));
  return m != 0 ? m & k.WordStarts() : 0;
}

// CardGroupedHere: four digits that begin a word, then ' ', '-' or '.'.
uint32_t CardStart(const Block& k) {
  const __m128i s = Load(k.At(4));
  const uint32_t m = DigitBits(k.At(0)) & DigitBits(k.At(1)) & DigitBits(k.At(2)) &
                     DigitBits(k.At(3)) & (Equal(s, ' ') | Equal(s, '-') | Equal(s, '.'));
  return m != 0 ? m & k.WordStarts() : 0;
}

// IbanHere: two letters that begin a word, then two digits.
uint32_t IbanStart(const Block& k) {
  const uint32_t m =
      LetterBits(k.At(0)) & LetterBits(k.At(1)) & DigitBits(k.At(2)) & DigitBits(k.At(3));
  return m != 0 ? m & k.WordStarts() : 0;
}

// LetterDigitsHere: a capital or a digit that begins a word, then another (every form
// has one of them second).
uint32_t LetterDigitsStart(const Block& k) {
  const __m128i v0 = Load(k.At(0)), v1 = Load(k.At(1));
  const uint32_t m = (InRange(v0, 'A', 'Z') | InRange(v0, '0', '9')) &
                     (InRange(v1, 'A', 'Z') | InRange(v1, '0', '9'));
  return m != 0 ? m & k.WordStarts() : 0;
}

// NinoHere: two letters of [kA-kZ] that begin a word, then a digit or a space.
template <char kA, char kZ>
uint32_t NinoStart(const Block& k) {
  const __m128i v2 = Load(k.At(2));
  const uint32_t m = InRange(Load(k.At(0)), kA, kZ) & InRange(Load(k.At(1)), kA, kZ) &
                     (InRange(v2, '0', '9') | Equal(v2, ' '));
  return m != 0 ? m & k.WordStarts() : 0;
}

// PhoneHere: a digit that begins a word (each form with a digit first has \b before
// it), or '+' or '(' before a digit.
uint32_t PhoneStart(const Block& k) {
  const __m128i v = Load(k.At(0));
  const uint32_t d = InRange(v, '0', '9');
  const uint32_t m = (Equal(v, '+') | Equal(v, '(')) & DigitBits(k.At(1));
  return d != 0 ? m | (d & k.WordStarts()) : m;
}

// Here, called for the places a filter lets through (not inlined: Search's byte-by-byte
// loop, which short texts run, keeps the code it had).
template <size_t (*Here)(std::string_view, size_t, size_t)>
__attribute__((noinline)) size_t HereCalled(std::string_view t, size_t p, size_t to) {
  return Here(t, p, to);
}
#else
struct Block;
using StartFilter = uint32_t (*)(const Block& k);
#endif

// The search of RE2::Match over [from, to): the first start (only from, anchored) at
// which Here (the end of the match that begins there, or kNone) finds a match. With a
// start filter, unanchored, Here is tried only where the filter lets a match begin.
template <size_t (*Here)(std::string_view, size_t, size_t), StartFilter Starts = nullptr>
bool Search(std::string_view t, size_t from, size_t to, bool anchored, size_t* begin, size_t* end) {
  size_t p = from;
#if defined(__SSE2__)
  if constexpr (Starts != nullptr) {
    if (!anchored) {
      const auto* data = reinterpret_cast<const unsigned char*>(t.data());
      for (; p + 16 + kStartLook <= to; p += 16) {
        for (uint32_t cand = Starts(Block{data, p}); cand != 0; cand &= cand - 1) {
          const size_t q = p + static_cast<size_t>(__builtin_ctz(cand));
          const size_t e = HereCalled<Here>(t, q, to);
          if (e != kNone) {
            *begin = q;
            *end = e;
            return true;
          }
        }
      }
    }
  }
#endif
  for (; p < to; ++p) {
    const size_t e = Here(t, p, to);
    if (e != kNone) {
      *begin = p;
      *end = e;
      return true;
    }
    if (anchored) break;
  }
  return false;
}

// ---- Cue words: "(?i:\b(?:w1|w2|...))[:,]?[ \t]+" and the like ----

// A regex made of a word boundary, an alternation of literal words (case folded or not),
// one optional byte of a set, and a run of spaces.
struct CueRegex {
  const char* const* words;  // in the regex's order; lower case when folded
  size_t count;
  bool fold;             // (?i:)
  const char* optional;  // the bytes of the optional class after the word
  bool white;            // \s+ ([\t\n\f\r ]) rather than [ \t]+
  // By a byte, the words that may begin with it (bit i: words[i]).
  std::array<uint64_t, 256> first;
  // By a byte, the words whose second character may begin with it (every word has two).
  std::array<uint64_t, 256> second;
};

// The word w at t[q] (before to), folded as (?i:) folds it when fold: its end, or kNone.
inline size_t Literal(std::string_view t, size_t q, size_t to, const char* w, bool fold) {
  for (; *w != 0; ++w) {
    if (q >= to) return kNone;
    const unsigned char b = At(t, q);
    const unsigned char c = static_cast<unsigned char>(*w);
    if (b == c || (fold && c >= 'a' && c <= 'z' && b == c - 32)) {
      ++q;
      continue;
    }
    if (fold && c == 's' && b == 0xC5 && q + 1 < to && At(t, q + 1) == 0xBF) {  // U+017F
      q += 2;
      continue;
    }
    if (fold && c == 'k' && b == 0xE2 && q + 2 < to && At(t, q + 1) == 0x84 &&
        At(t, q + 2) == 0xAA) {  // U+212A
      q += 3;
      continue;
    }
    return kNone;
  }
  return q;
}

template <const CueRegex& R>
size_t CueHere(std::string_view t, size_t p, size_t to) {
  const unsigned char c = At(t, p);
  uint64_t words = R.first[c];
  // The second byte narrows them down, unless the first character is a fold of more
  // than one byte (U+017F, U+212A).
  if (c < 0x80) words &= p + 1 < to ? R.second[At(t, p + 1)] : 0;
  if (words == 0 || !Boundary(t, p)) return kNone;
  for (; words != 0; words &= words - 1) {  // in the regex's order
    size_t q = Literal(t, p, to, R.words[__builtin_ctzll(words)], R.fold);
    if (q == kNone) continue;
    // The optional byte, greedy: if taken, the run of spaces must follow it; if not,
    // the run must begin where it stands, which is not a space.
    if (q < to) {
      for (const char* o = R.optional; *o != 0; ++o)
        if (t[q] == *o) {
          ++q;
          break;
        }
    }
    size_t r = q;
    while (r < to && (t[r] == ' ' || t[r] == '\t' ||
                      (R.white && (t[r] == '\n' || t[r] == '\f' || t[r] == '\r'))))
      ++r;
    if (r > q) return r;
  }
  return kNone;
}

#if defined(__SSE2__)
// The lowest (or the highest) ASCII byte that begins a word of a cue regex (its first).
constexpr unsigned char FirstByteBound(const std::array<uint64_t, 256>& first, bool lowest) {
  int bound = lowest ? 0x7F : 0;
  for (int c = 0; c < 0x80; ++c)
    if (first[c] != 0) bound = lowest ? std::min(bound, c) : std::max(bound, c);
  return static_cast<unsigned char>(bound);
}

// Whether a byte above 0x7F begins a word of a cue regex (the first byte of a fold).
constexpr bool FirstByteAboveAscii(const std::array<uint64_t, 256>& first) {
  for (int c = 0x80; c < 0x100; ++c)
    if (first[c] != 0) return true;
  return false;
}
#endif

// The search of a cue regex: as Search, but over a word of ASCII letters and digits at
// once, since no match begins inside one (its first byte is a word byte with a word byte
// before it, where \b does not hold).
template <const CueRegex& R>
bool SearchCue(std::string_view t, size_t from, size_t to, bool anchored, size_t* begin,
               size_t* end) {
  size_t p = from;
#if defined(__SSE2__)
  // Sixteen bytes at a time: the starts of words (a word byte after a byte that is not
  // one) between the lowest and the highest ASCII byte that begins a word of the regex,
  // and the bytes above 0x7F if a fold of more than one byte begins one, are the only
  // places a match may begin; each is tried in order. (The honorifics begin with a
  // capital from 'D' to 'S': most words of a large text are not tried.)
  constexpr unsigned char kLowFirst = FirstByteBound(R.first, true);
  constexpr unsigned char kTopFirst = FirstByteBound(R.first, false);
  constexpr bool kHighFirst = FirstByteAboveAscii(R.first);
  if (!anchored) {
    const auto* data = reinterpret_cast<const unsigned char*>(t.data());
    uint32_t carry = p > 0 && kWordByte[data[p - 1]] ? 1 : 0;
    const __m128i k0 = _mm_set1_epi8(static_cast<char>('0' - 128));
    const __m128i k9 = _mm_set1_epi8(static_cast<char>(9 - 128));
    const __m128i ka = _mm_set1_epi8(static_cast<char>('a' - 128));
    const __m128i kz = _mm_set1_epi8(static_cast<char>(25 - 128));
    const __m128i k20 = _mm_set1_epi8(0x20);
    const __m128i kunder = _mm_set1_epi8('_');
    while (p + 16 <= to) {
      const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(data + p));
      // Unsigned ranges as signed compares: (c - lo) - 128 <= (hi - lo) - 128.
      const __m128i digit = _mm_cmpgt_epi8(_mm_sub_epi8(v, k0), k9);
      const __m128i alpha = _mm_cmpgt_epi8(_mm_sub_epi8(_mm_or_si128(v, k20), ka), kz);
      const uint32_t not_digit = static_cast<uint32_t>(_mm_movemask_epi8(digit));
      const uint32_t not_alpha = static_cast<uint32_t>(_mm_movemask_epi8(alpha));
      const uint32_t under = static_cast<uint32_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(v, kunder)));
      const uint32_t word = (~not_digit | ~not_alpha | under) & 0xFFFF;
      const uint32_t high = kHighFirst ? static_cast<uint32_t>(_mm_movemask_epi8(v)) : 0;
      uint32_t cand = (word & ~((word << 1) | carry) & InRange(v, kLowFirst, kTopFirst)) | high;
      carry = word >> 15;
      for (; cand != 0; cand &= cand - 1) {
        const size_t q = p + static_cast<size_t>(__builtin_ctz(cand));
        const unsigned char c = data[q];
        // CueHere's own first test, on two bytes (q + 1 < p + 16 <= to, or the next block's).
        if ((c < 0x80 ? R.first[c] & R.second[data[q + 1 < to ? q + 1 : q]] : R.first[c]) == 0)
          continue;
        const size_t e = CueHere<R>(t, q, to);
        if (e != kNone) {
          *begin = q;
          *end = e;
          return true;
        }
      }
      p += 16;
    }
  }
#endif
  while (p < to) {
    const unsigned char c = At(t, p);
    if (R.first[c] != 0) {
      const size_t e = CueHere<R>(t, p, to);
      if (e != kNone) {
        *begin = p;
        *end = e;
        return true;
      }
    }
    if (anchored) break;
    ++p;
    if (kWordByte[c])
      while (p < to && kWordByte[At(t, p)]) ++p;
  }
  return false;
}

constexpr std::array<uint64_t, 256> FirstBytes(const char* const* words, size_t count, bool fold,
                                               int at = 0) {
  std::array<uint64_t, 256> t{};
  for (size_t i = 0; i < count; ++i) {
    const auto c = static_cast<unsigned char>(words[i][at]);
    const uint64_t bit = uint64_t{1} << i;
    t[c] |= bit;
    if (fold && c >= 'a' && c <= 'z') t[c - 32] |= bit;
    if (fold && c == 's') t[0xC5] |= bit;
    if (fold && c == 'k') t[0xE2] |= bit;
  }
  return t;
}

// recognizers.cpp's NAME_CUES, CLOSINGS and HONORIFIC, in their order.
constexpr const char* kNameCues[] = {
    "patient name", "full name", "signed by", "approved by", "referred by", "account holder",
    "patient", "pt", "name", "signed", "dear", "attn", "attention", "insured", "employee",
    "customer", "client", "member", "guardian", "physician", "nurse", "applicant",
    "beneficiary", "cardholder", "contact", "witness", "reviewer", "spouse", "mother",
    "father", "son", "daughter"};
constexpr const char* kClosings[] = {"sincerely", "best regards", "kind regards", "regards",
                                     "best", "thank you", "thanks", "cheers", "respectfully",
                                     "signed"};
constexpr const char* kHonorifics[] = {"Mr",  "Mrs",  "Ms",   "Miss", "Mx",  "Dr",  "Prof", "Rev",
                                       "Sr",  "Sra",  "Srta", "Herr", "Frau", "Mme", "Mlle",
    // In capitals, as forms write them ("MR. JOHN SMITH"); not "MS" (multiple sclerosis).
    "MR", "MRS", "MISS", "DR", "PROF", "HERR", "FRAU",
    // Dutch and Italian abbreviations (see HONORIFIC).
    "Dhr", "Mevr", "Dott", "Avv", "dhr", "mevr", "Sig.ra", "Sig.na", "Sig.ri", "Dott.ssa",
    "Avv.to"};

static_assert(std::size(kNameCues) <= 64 && std::size(kClosings) <= 64 && std::size(kHonorifics) <= 64,
              "a word's bit in CueRegex::first");
#define COMPLY_CUE_REGEX(name, words, fold, optional, white)                                   \
  constexpr CueRegex name = {words, sizeof(words) / sizeof(words[0]), fold, optional, white, \
                             FirstBytes(words, sizeof(words) / sizeof(words[0]), fold),       \
                             FirstBytes(words, sizeof(words) / sizeof(words[0]), fold, 1)}
// "(?i:\b" NAME_CUES ")[:,]?[ \t]+"
COMPLY_CUE_REGEX(kCueRegex, kNameCues, true, ":,", false);
// "(?i:\b" CLOSINGS ")[,.]?\s+"
COMPLY_CUE_REGEX(kClosingRegex, kClosings, true, ",.", true);
// "\b" HONORIFIC "\.?[ \t]+"
COMPLY_CUE_REGEX(kHonorificRegex, kHonorifics, false, ".", false);
#undef COMPLY_CUE_REGEX

// ---- Numbers ----

// "\b\d{3}-\d{2}-\d{4}\b|\b\d{3} \d{2} \d{4}\b|\b\d{3}\.\d{2}\.\d{4}\b": the three
// alternatives differ by their separator, so at most one can match at a start.
COMPLY_INLINED size_t NineGroupedHere(std::string_view t, size_t p, size_t to) {
  if (!IsDigit(At(t, p)) || !Boundary(t, p) || p + 11 > to) return kNone;
  const char sep = t[p + 3];
  if ((sep != '-' && sep != ' ' && sep != '.') || t[p + 6] != sep) return kNone;
  if (!Digits(t, p, 3, to) || !Digits(t, p + 4, 2, to) || !Digits(t, p + 7, 4, to))
    return kNone;
  return Boundary(t, p + 11) ? p + 11 : kNone;
}

// "\b(?:\d{1,3}\.){3}\d{1,3}\b": a group's digits are followed by a dot (or, the last,
// by \b), which a shorter take of them would leave a digit: only the greedy take of each
// can match.
COMPLY_INLINED size_t Ipv4Here(std::string_view t, size_t p, size_t to) {
  if (!IsDigit(At(t, p)) || !Boundary(t, p)) return kNone;
  size_t q = p;
  for (int i = 0; i < 3; ++i) {
    const size_t n = DigitRun(t, q, 3, to);
    if (n == 0) return kNone;
    q += n;
    if (q >= to || t[q] != '.') return kNone;
    ++q;
  }
  const size_t n = DigitRun(t, q, 3, to);
  if (n == 0) return kNone;
  q += n;
  return Boundary(t, q) ? q : kNone;
}

// "[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}(?:(?:\.\d{1,3}){3})?" (no \b): each run of
// hex digits is followed by ':' (or ends the groups), which a shorter take of it would
// leave a hex digit: only the greedy take of each can go on, and once two groups are
// taken whatever follows is optional, so the first match at p is the greedy one: its
// groups up to seven, then the IPv4 tail if all of it is there. A run of hex digits
// longer than four at p leaves no ':' after the first four: no match at p.
size_t Ipv6Here(std::string_view t, size_t p, size_t to) {
  auto hex = [&](size_t q) {  // the end of [0-9A-Fa-f]{0,4} at q
    for (size_t n = 0; n < 4 && q < to; ++n, ++q) {
      const unsigned char c = At(t, q);
      if (!IsDigit(c) && !((c | 0x20) >= 'a' && (c | 0x20) <= 'f')) break;
    }
    return q;
  };
  size_t q = hex(p);
  int groups = 0;
  while (groups < 7 && q < to && t[q] == ':') {
    q = hex(q + 1);
    ++groups;
  }
  if (groups < 2) return kNone;
  // (?:\.\d{1,3}){3}: a group's digits are followed by a dot but the last's.
  size_t r = q;
  for (int i = 0; i < 3; ++i) {
    if (r >= to || t[r] != '.') return q;
    const size_t n = DigitRun(t, r + 1, 3, to);
    if (n == 0) return q;
    r += 1 + n;
  }
  return r;
}

// "\b\d{4}(?:[ .\-]\d{4}){3}(?:[ .\-]\d{3})?\b|\b\d{4}[ .\-]\d{6}[ .\-]\d{4,5}\b"
// "|\b\d{4}[ .\-]\d{4}[ .\-](?:\d{4}[ .\-]\d|\d{5})\b"
COMPLY_INLINED size_t CardGroupedHere(std::string_view t, size_t p, size_t to) {
  if (!IsDigit(At(t, p)) || !Boundary(t, p) || !Digits(t, p, 4, to)) return kNone;
  const size_t q = p + 4;
  if (!CardSeparator(t, q, to)) return kNone;  // every alternative goes on with one
  // 4-4-4-4, then 3 more digits if they end at \b.
  if (Digits(t, q + 1, 4, to) && CardSeparator(t, q + 5, to) && Digits(t, q + 6, 4, to) &&
      CardSeparator(t, q + 10, to) && Digits(t, q + 11, 4, to)) {
    const size_t r = q + 15;
    if (CardSeparator(t, r, to) && Digits(t, r + 1, 3, to) && Boundary(t, r + 4)) return r + 4;
    if (Boundary(t, r)) return r;
  }
  // 4-6-5 or 4-6-4.
  if (Digits(t, q + 1, 6, to) && CardSeparator(t, q + 7, to)) {
    const size_t r = q + 8;
    if (Digits(t, r, 5, to) && Boundary(t, r + 5)) return r + 5;
    if (Digits(t, r, 4, to) && Boundary(t, r + 4)) return r + 4;
  }
  // 4-4-4-1 or 4-4-5.
  if (Digits(t, q + 1, 4, to) && CardSeparator(t, q + 5, to)) {
    const size_t r = q + 6;
    if (Digits(t, r, 4, to) && CardSeparator(t, r + 4, to) && Digits(t, r + 5, 1, to) &&
        Boundary(t, r + 6))
      return r + 6;
    if (Digits(t, r, 5, to) && Boundary(t, r + 5)) return r + 5;
  }
  return kNone;
}

// "\b[A-Za-z]{2}\d{2}(?:[ \-]?[A-Za-z0-9]{4}){2,7}(?:[ \-]?[A-Za-z0-9]{1,3})?\b". Each
// group's "[ \-]?" takes the space or hyphen when there is one (without it, the group
// would have to begin with it), so the groups' ends are fixed; the repetition gives them
// back from the last.
COMPLY_INLINED size_t IbanHere(std::string_view t, size_t p, size_t to) {
  if (!IsLetter(At(t, p)) || !Boundary(t, p) || p + 4 > to || !IsLetter(At(t, p + 1)) ||
      !IsDigit(At(t, p + 2)) || !IsDigit(At(t, p + 3)))
    return kNone;
  size_t ends[8];
  ends[0] = p + 4;
  int k = 0;
  while (k < 7) {
    size_t q = ends[k];
    if (q < to && (t[q] == ' ' || t[q] == '-')) ++q;
    if (!LettersOrDigits(t, q, 4, to)) break;
    ends[++k] = q + 4;
  }
  for (; k >= 2; --k) {
    const size_t q = ends[k];
    const size_t base = q < to && (t[q] == ' ' || t[q] == '-') ? q + 1 : q;
    for (size_t n = 3; n >= 1; --n)
      if (LettersOrDigits(t, base, n, to) && Boundary(t, base + n)) return base + n;
    if (Boundary(t, q)) return q;
  }
  return kNone;
}

// ---- Other numbers and letters ----

// "\b\d{7,19}\b": a shorter take of the run leaves a digit after it, where \b fails.
COMPLY_INLINED size_t DigitRunHere(std::string_view t, size_t p, size_t to) {
  if (!IsDigit(At(t, p)) || !Boundary(t, p)) return kNone;
  const size_t n = DigitRun(t, p, 19, to);
  return n >= 7 && Boundary(t, p + n) ? p + n : kNone;
}

// "\b\d{4}\.\d{2}\.\d{3}\b|\b\d{3}\.\d{3}\.\d{3}\b"
COMPLY_INLINED size_t BsnDottedHere(std::string_view t, size_t p, size_t to) {
  if (!IsDigit(At(t, p)) || !Boundary(t, p)) return kNone;
  if (Digits(t, p, 4, to) && p + 4 < to && t[p + 4] == '.' && Digits(t, p + 5, 2, to) &&
      p + 7 < to && t[p + 7] == '.' && Digits(t, p + 8, 3, to) && Boundary(t, p + 11))
    return p + 11;
  if (Digits(t, p, 3, to) && p + 3 < to && t[p + 3] == '.' && Digits(t, p + 4, 3, to) &&
      p + 7 < to && t[p + 7] == '.' && Digits(t, p + 8, 3, to) && Boundary(t, p + 11))
    return p + 11;
  return kNone;
}

// "\b[A-Z]\d{3,12}\b|\b[A-Z]{2}\d{5,7}\b|\b\d{3}[A-Z]{2}\d{4}\b"
COMPLY_INLINED size_t LetterDigitsHere(std::string_view t, size_t p, size_t to) {
  const unsigned char c = At(t, p);
  if (!(IsUpper(c) || IsDigit(c)) || !Boundary(t, p)) return kNone;
  if (IsUpper(c)) {
    size_t n = DigitRun(t, p + 1, 12, to);
    if (n >= 3 && Boundary(t, p + 1 + n)) return p + 1 + n;
    if (p + 1 < to && IsUpper(At(t, p + 1))) {
      n = DigitRun(t, p + 2, 7, to);
      if (n >= 5 && Boundary(t, p + 2 + n)) return p + 2 + n;
    }
    return kNone;
  }
  if (Digits(t, p, 3, to) && p + 5 <= to && IsUpper(At(t, p + 3)) && IsUpper(At(t, p + 4)) &&
      Digits(t, p + 5, 4, to) && Boundary(t, p + 9))
    return p + 9;
  return kNone;
}

// "\b[A-Z]{2}(?: ?\d{2}){3} ?[A-D]\b", or its small letters ("[a-z]", "[a-d]"): each
// " ?" stands before a digit or the letter, so it is taken when it is there.
template <char kA, char kD, char kZ>
COMPLY_INLINED size_t NinoHere(std::string_view t, size_t p, size_t to) {
  auto letter = [&](size_t q, char last) { return q < to && t[q] >= kA && t[q] <= last; };
  if (!letter(p, kZ) || !letter(p + 1, kZ) || !Boundary(t, p)) return kNone;
  size_t q = p + 2;
  for (int i = 0; i < 3; ++i) {
    if (q < to && t[q] == ' ') ++q;
    if (!Digits(t, q, 2, to)) return kNone;
    q += 2;
  }
  if (q < to && t[q] == ' ') ++q;
  if (!letter(q, kD)) return kNone;
  return Boundary(t, q + 1) ? q + 1 : kNone;
}

// "\b\d{6}[+\-A-FU-Y]\d{3}[0-9A-FHJ-NPR-Y]\b"
COMPLY_INLINED size_t FinnishIdHere(std::string_view t, size_t p, size_t to) {
  if (!IsDigit(At(t, p)) || !Boundary(t, p) || p + 11 > to || !Digits(t, p, 6, to))
    return kNone;
  const char sign = t[p + 6];
  if (!(sign == '+' || sign == '-' || (sign >= 'A' && sign <= 'F') || (sign >= 'U' && sign <= 'Y')))
    return kNone;
  if (!Digits(t, p + 7, 3, to)) return kNone;
  const char check = t[p + 10];
  if (!((check >= '0' && check <= '9') || (check >= 'A' && check <= 'F') || check == 'H' ||
        (check >= 'J' && check <= 'N') || check == 'P' || (check >= 'R' && check <= 'Y')))
    return kNone;
  return Boundary(t, p + 11) ? p + 11 : kNone;
}

// ---- E-mail addresses ----
//
// "(?:[A-Za-z0-9._%+'\-]|[^\x00-\x7F])+@" LABEL "(?:\." LABEL ")*\.[A-Za-z]{2,24}\b", a
// LABEL being "[A-Za-z0-9\x{80}-\x{10FFFF}](?:[A-Za-z0-9\-\x{80}-\x{10FFFF}]{0,61}"
// "[A-Za-z0-9\x{80}-\x{10FFFF}])?". RE2 compiles the class of every code point above
// 0x7F to byte sequences it checks loosely: a lead byte C2 to DF and one continuation
// byte, E0 to EF and two, F0 to F4 and three (overlong forms, surrogates and values up
// to F4 BF BF BF pass; C0, C1 and F5 to FF do not).

// The length of the character at t[q] as that class reads it, or 0 if it is none (an
// ASCII byte, a stray continuation byte, a bad lead, a sequence cut by to).
inline size_t MultiByteChar(std::string_view t, size_t q, size_t to) {
  const unsigned char c = At(t, q);
  const size_t n = c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3 : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
  if (n == 0 || q + n > to) return 0;
  for (size_t i = 1; i < n; ++i)
    if ((At(t, q + i) & 0xC0) != 0x80) return 0;
  return n;
}

inline bool IsAsciiAlnum(unsigned char c) {
  return IsDigit(c) || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
}

// A LABEL at t[q] that a '.' follows: the end of its run of [A-Za-z0-9\-] and other
// characters (the '.' can only stand after the run), which must neither begin nor end
// with '-' and hold 1 to 63 characters; kNone if it is no such label.
size_t EmailLabel(std::string_view t, size_t q, size_t to) {
  size_t r = q, chars = 0;
  bool last_hyphen = false;
  while (r < to) {
    const unsigned char c = At(t, r);
    if (c < 0x80) {
      if (!IsAsciiAlnum(c) && c != '-') break;
      if (chars == 0 && c == '-') return kNone;
      last_hyphen = c == '-';
      ++r;
    } else {
      const size_t n = MultiByteChar(t, r, to);
      if (n == 0) break;
      last_hyphen = false;
      r += n;
    }
    ++chars;
  }
  if (chars == 0 || chars > 63 || last_hyphen || r >= to || t[r] != '.') return kNone;
  return r;
}

// "[A-Za-z]{2,24}\b" at q: its end, or kNone. A longer run of letters leaves a letter
// after any take of it, where \b fails.
inline size_t TopLevelDomain(std::string_view t, size_t q, size_t to) {
  size_t n = 0;
  while (n < 24 && q + n < to && ((At(t, q + n) | 0x20) >= 'a' && (At(t, q + n) | 0x20) <= 'z'))
    ++n;
  return n >= 2 && Boundary(t, q + n) ? q + n : kNone;
}

// The domain after an '@' at d: its match's end, or kNone. The first label, then as
// many labels as follow (each a whole run ending at a '.'), then the top-level domain:
// the repetition is greedy, so of the segments after a '.' the last that reads as a
// top-level domain ends the match.
COMPLY_INLINED size_t EmailDomain(std::string_view t, size_t d, size_t to) {
  size_t r = EmailLabel(t, d, to);
  if (r == kNone) return kNone;
  size_t best = kNone;
  for (;;) {
    const size_t q = r + 1;
    const size_t e = TopLevelDomain(t, q, to);
    if (e != kNone) best = e;
    r = EmailLabel(t, q, to);
    if (r == kNone) return best;
  }
}

// [A-Za-z0-9._%+'\-]: the ASCII characters of the local part.
inline bool IsLocalAscii(unsigned char c) {
  return IsAsciiAlnum(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '\'' || c == '-';
}

// Where the run of local-part characters that ends at the '@' at a begins, as
// SearchEmail's walk from lo (where a run begins; no '@' in [lo, a)) finds it. Read back
// from a while the bytes are ASCII: no character of more bytes holds one, so the walk
// stops at each and reads it as here. A byte above 0x7F, whose reading depends on where
// its character begins, has the run walked from lo.
size_t LocalRunStart(std::string_view t, size_t lo, size_t a, size_t to) {
  size_t x = a;
  for (; x > lo; --x) {
    const unsigned char c = At(t, x - 1);
    if (c >= 0x80) break;
    if (!IsLocalAscii(c)) return x;
  }
  if (x == lo) return lo;
  size_t run = lo;
  for (size_t q = lo; q < a;) {
    const unsigned char c = At(t, q);
    size_t n = 1;
    if (c < 0x80 ? !IsLocalAscii(c) : (n = MultiByteChar(t, q, to)) == 0) {
      n = 1;
      run = q + 1;
    }
    q += n;
  }
  return run;
}

// The longest range SearchEmail walks byte by byte unanchored: over a longer one it goes
// from '@' to '@' (memchr's call and the run read twice cost more in a short value's).
constexpr size_t kEmailWalk = 64;

// SearchEmail over a long range, unanchored: from '@' to '@' (memchr), each run read back
// from its '@', where the walk read every byte of a large text's range. Apart, so that
// the walk's code stays as it was.
__attribute__((noinline)) bool SearchEmailLong(std::string_view t, size_t from, size_t to,
                                               size_t* begin, size_t* end) {
  for (size_t q = from; q < to;) {
    const void* at = std::memchr(t.data() + q, '@', to - q);
    if (at == nullptr) return false;
    const size_t a = static_cast<size_t>(static_cast<const char*>(at) - t.data());
    const size_t run = LocalRunStart(t, q, a, to);
    if (a > run) {
      const size_t e = EmailDomain(t, a + 1, to);
      if (e != kNone) {
        *begin = run;
        *end = e;
        return true;
      }
    }
    q = a + 1;
  }
  return false;
}

// The search of the e-mail regex: its local part is a run of [A-Za-z0-9._%+'\-] and
// other characters that ends at an '@' (which it cannot hold), so the leftmost match
// begins where the run before the first '@' with a domain after it begins.
bool SearchEmail(std::string_view t, size_t from, size_t to, bool anchored, size_t* begin,
                 size_t* end) {
  if (!anchored && to - from > kEmailWalk) return SearchEmailLong(t, from, to, begin, end);
  size_t run = from;  // where the current run of local-part characters began
  size_t q = from;
  while (q < to) {
    const unsigned char c = At(t, q);
    if (c == '@') {
      if (q > run) {
        const size_t e = EmailDomain(t, q + 1, to);
        if (e != kNone) {
          *begin = run;
          *end = e;
          return true;
        }
      }
      if (anchored) return false;
      run = ++q;
      continue;
    }
    size_t n = 1;
    const bool local = c < 0x80 ? IsLocalAscii(c) : (n = MultiByteChar(t, q, to)) != 0;
    if (!local) {
      if (anchored) return false;
      n = 1;
      run = q + 1;
    }
    q += n;
  }
  return false;
}

// ---- Phone numbers (kPhoneForms) ----
//
// Nine alternatives, tried in order at each start. In each, an optional separator stands
// before a digit or a '(' that must follow it, so it is taken when it is there (not
// taken, the next item would have to begin with it): only the digit counts are
// backtracked, the greedy ones longest first.

// [ .\-] (or [ \-] when !dot) at t[q], before to: the position after the optional one.
inline size_t OptSep(std::string_view t, size_t q, size_t to, bool dot) {
  return q < to && (t[q] == ' ' || t[q] == '-' || (dot && t[q] == '.')) ? q + 1 : q;
}
inline bool Sep(std::string_view t, size_t q, size_t to, bool dot) {
  return q < to && (t[q] == ' ' || t[q] == '-' || (dot && t[q] == '.'));
}

// The (position, groups done) states of one '+' start's PhoneGroups calls known to
// fail. What PhoneGroups finds from a state depends on nothing else, so a failed state
// is not explored again: without this, a '+' before a long run of digits that cannot end
// at a word boundary ("+1234567890123456789_") tried some 1,450 ways to split it, every
// one failing (about 36 times RE2's time on such text). A match spans at most 36 bytes
// from its '+' (40 from an exit code, "011 "), so offsets from it fit one 64-bit mask
// for each count of groups.
struct PhoneMemo {
  size_t base;  // the '+', or the exit code's first digit
  uint64_t failed[5] = {};
};

// (?:[ .\-]?\d{2,4}){k_min..4 more, of which k done}\b
size_t PhoneGroups(std::string_view t, size_t q, size_t to, int done, PhoneMemo& memo) {
  const size_t off = q - memo.base;
  const uint64_t bit = off < 64 ? uint64_t{1} << off : 0;
  if (memo.failed[done] & bit) return kNone;
  if (done < 4) {
    const size_t d = OptSep(t, q, to, true);
    const size_t run = DigitRun(t, d, 4, to);
    for (size_t n = run; n >= 2; --n) {
      const size_t r = PhoneGroups(t, d + n, to, done + 1, memo);
      if (r != kNone) return r;
    }
  }
  if (done >= 1 && Boundary(t, q)) return q;
  memo.failed[done] |= bit;
  return kNone;
}

// "\d{1,3}[ .\-]?(?:\(\d{1,4}\)[ .\-]?)?\d{1,4}(?:[ .\-]?\d{2,4}){1,4}\b" at q0, the
// international form after its '+' or its exit code, which begins at p (after an exit
// code, "[1-9]\d{0,2}": no country code begins with 0).
size_t PhoneCountryAndNumber(std::string_view t, size_t p, size_t q0, size_t to, bool nonzero_first) {
  if (nonzero_first && q0 < to && t[q0] == '0') return kNone;
  PhoneMemo memo{p};
  for (size_t a = DigitRun(t, q0, 3, to); a >= 1; --a) {
    const size_t q1 = OptSep(t, q0 + a, to, true);
    // The bracketed group, greedy (each of its digit counts), then without it.
    size_t starts[5];
    int nstarts = 0;
    if (q1 < to && t[q1] == '(') {
      for (size_t b = DigitRun(t, q1 + 1, 4, to); b >= 1; --b)
        if (q1 + 1 + b < to && t[q1 + 1 + b] == ')') starts[nstarts++] = OptSep(t, q1 + 2 + b, to, true);
    }
    starts[nstarts++] = q1;
    for (int i = 0; i < nstarts; ++i) {
      const size_t q2 = starts[i];
      for (size_t c = DigitRun(t, q2, 4, to); c >= 1; --c) {
        const size_t r = PhoneGroups(t, q2 + c, to, 0, memo);
        if (r != kNone) return r;
      }
    }
  }
  return kNone;
}

// "\+\d{1,3}[ .\-]?(?:\(\d{1,4}\)[ .\-]?)?\d{1,4}(?:[ .\-]?\d{2,4}){1,4}\b"
size_t PhoneInternational(std::string_view t, size_t p, size_t to) {
  if (t[p] != '+') return kNone;
  return PhoneCountryAndNumber(t, p, p + 1, to, false);
}

// "\b(?:00|011)[ .\-]?[1-9]\d{0,2}" and the rest of PhoneCountryAndNumber (p a '0' at
// \b). The two codes cannot both begin at p.
size_t PhoneExitCode(std::string_view t, size_t p, size_t to) {
  size_t q = kNone;
  if (Digits(t, p + 1, 1, to) && t[p + 1] == '0') q = p + 2;
  else if (Digits(t, p + 1, 2, to) && t[p + 1] == '1' && t[p + 2] == '1') q = p + 3;
  if (q == kNone) return kNone;
  return PhoneCountryAndNumber(t, p, OptSep(t, q, to, true), to, true);
}

// "\d{3}[ .\-]\d{4}\b" at q: its end or kNone.
inline size_t NanpTail(std::string_view t, size_t q, size_t to) {
  if (!Digits(t, q, 3, to) || !Sep(t, q + 3, to, true) || !Digits(t, q + 4, 4, to)) return kNone;
  return Boundary(t, q + 8) ? q + 8 : kNone;
}

// "(?:\(\d{3}\)[ .\-]?|\b\d{3}[ .\-])\d{3}[ .\-]\d{4}\b" at q.
inline size_t NanpCore(std::string_view t, size_t q, size_t to) {
  if (q < to && t[q] == '(' && Digits(t, q + 1, 3, to) && q + 4 < to && t[q + 4] == ')') {
    const size_t r = NanpTail(t, OptSep(t, q + 5, to, true), to);
    if (r != kNone) return r;
  }
  if (Boundary(t, q) && Digits(t, q, 3, to) && Sep(t, q + 3, to, true))
    return NanpTail(t, q + 4, to);
  return kNone;
}

// "(?:\b1[ .\-]?)?" then NanpCore.
size_t PhoneNanp(std::string_view t, size_t p, size_t to) {
  if (t[p] == '1' && Boundary(t, p)) {
    const size_t r = NanpCore(t, OptSep(t, p + 1, to, true), to);
    if (r != kNone) return r;
  }
  return NanpCore(t, p, to);
}

// "[ \-]?\d{3,4}[ \-]?\d{3,4}\b" at q.
inline size_t TrunkTail(std::string_view t, size_t q, size_t to) {
  const size_t q1 = OptSep(t, q, to, false);
  for (size_t b = DigitRun(t, q1, 4, to); b >= 3; --b) {
    const size_t q2 = OptSep(t, q1 + b, to, false);
    for (size_t c = DigitRun(t, q2, 4, to); c >= 3; --c)
      if (Boundary(t, q2 + c)) return q2 + c;
  }
  return kNone;
}

// "\b0\d{2,4}[ \-]?\d{3,4}[ \-]?\d{3,4}\b"
size_t PhoneTrunk(std::string_view t, size_t p, size_t to) {
  for (size_t a = DigitRun(t, p + 1, 4, to); a >= 2; --a) {
    const size_t r = TrunkTail(t, p + 1 + a, to);
    if (r != kNone) return r;
  }
  return kNone;
}

// "\(0\d{2,4}\)[ \-]?\d{3,4}[ \-]?\d{3,4}\b" (p a '(').
size_t PhoneBracketedArea(std::string_view t, size_t p, size_t to) {
  if (!Digits(t, p + 1, 1, to) || t[p + 1] != '0') return kNone;
  const size_t a = DigitRun(t, p + 2, 4, to);  // a longer run has no ')' after its fourth
  if (a < 2 || p + 2 + a >= to || t[p + 2 + a] != ')') return kNone;
  return TrunkTail(t, p + 3 + a, to);
}

// "(?:[ \-]\d{1,most}){0,left}\b" at q: the greedy groups, given back from the last.
size_t SlashGroups(std::string_view t, size_t q, size_t to, int left, size_t most = 5) {
  if (left > 0 && q < to && (t[q] == ' ' || t[q] == '-')) {
    for (size_t n = DigitRun(t, q + 1, most, to); n >= 1; --n) {
      const size_t r = SlashGroups(t, q + 1 + n, to, left - 1, most);
      if (r != kNone) return r;
    }
  }
  return Boundary(t, q) ? q : kNone;
}

// phone_grouped's "(?:\(0\d{1,4}\)|\b0\d{1,4})(?: - | / |-| )\d{2,8}(?:[ \-]\d{1,4}){0,3}\b"
// (recognizers.cpp). The area code's digits are followed by ')' or a separator, so only
// their greedy take (at most 4 after the 0) can go on; of the separators, only the one
// that is followed by a digit can; the number's first group and the others are given
// back from the greedy take as RE2 does.
size_t PhoneGroupedHere(std::string_view t, size_t p, size_t to) {
  size_t q;
  if (At(t, p) == '(') {
    if (p + 1 >= to || t[p + 1] != '0') return kNone;
    const size_t a = DigitRun(t, p + 2, 4, to);
    if (a < 1 || p + 2 + a >= to || t[p + 2 + a] != ')') return kNone;
    q = p + 3 + a;
  } else {
    if (At(t, p) != '0' || !Boundary(t, p)) return kNone;
    const size_t a = DigitRun(t, p + 1, 4, to);
    if (a < 1) return kNone;
    q = p + 1 + a;
  }
  // (?: - | / |-| )
  if (q + 2 < to && t[q] == ' ' && (t[q + 1] == '-' || t[q + 1] == '/') && t[q + 2] == ' ') {
    q += 3;
  } else if (q < to && (t[q] == '-' || t[q] == ' ')) {
    q += 1;
  } else {
    return kNone;
  }
  for (size_t c = DigitRun(t, q, 8, to); c >= 2; --c) {
    const size_t r = SlashGroups(t, q + c, to, 3, 4);
    if (r != kNone) return r;
  }
  return kNone;
}

// "\b0\d{2,4}/\d{2,8}(?:[ \-]\d{1,5}){0,3}\b" (p a '0' at \b).
size_t PhoneSlash(std::string_view t, size_t p, size_t to) {
  const size_t a = DigitRun(t, p + 1, 4, to);
  if (a < 2 || p + 1 + a >= to || t[p + 1 + a] != '/') return kNone;
  const size_t q = p + 2 + a;
  for (size_t c = DigitRun(t, q, 8, to); c >= 2; --c) {
    const size_t r = SlashGroups(t, q + c, to, 3);
    if (r != kNone) return r;
  }
  return kNone;
}

// "\b0\d(?:[ .\-]\d{2}){4}\b"
size_t PhonePairs(std::string_view t, size_t p, size_t to) {
  if (!Digits(t, p + 1, 1, to)) return kNone;
  size_t q = p + 2;
  for (int i = 0; i < 4; ++i, q += 3)
    if (!Sep(t, q, to, true) || !Digits(t, q + 1, 2, to)) return kNone;
  return Boundary(t, q) ? q : kNone;
}

// "[ \-]?\d{4}[ \-]?\d{4}\b" at q.
inline size_t FourFour(std::string_view t, size_t q, size_t to) {
  q = OptSep(t, q, to, false);
  if (!Digits(t, q, 4, to)) return kNone;
  q = OptSep(t, q + 4, to, false);
  if (!Digits(t, q, 4, to)) return kNone;
  return Boundary(t, q + 4) ? q + 4 : kNone;
}

// "(?:\(0\d\)|\b0\d)[ \-]?\d{4}[ \-]?\d{4}\b"
size_t PhoneAreaFours(std::string_view t, size_t p, size_t to) {
  if (t[p] == '(') {
    if (p + 3 < to && t[p + 1] == '0' && IsDigit(At(t, p + 2)) && t[p + 3] == ')')
      return FourFour(t, p + 4, to);
    return kNone;
  }
  if (t[p] != '0' || !Boundary(t, p) || !Digits(t, p + 1, 1, to)) return kNone;
  return FourFour(t, p + 2, to);
}

// "\b0\d{5}[ \-]\d{5}\b"
size_t PhoneFiveFive(std::string_view t, size_t p, size_t to) {
  if (!Digits(t, p + 1, 5, to) || !Sep(t, p + 6, to, false) || !Digits(t, p + 7, 5, to))
    return kNone;
  return Boundary(t, p + 12) ? p + 12 : kNone;
}

COMPLY_INLINED size_t PhoneHere(std::string_view t, size_t p, size_t to) {
  const unsigned char c = At(t, p);
  if (c == '+') return PhoneInternational(t, p, to);
  if (c != '(' && !IsDigit(c)) return kNone;
  const bool zero = c == '0' && Boundary(t, p);
  size_t r;
  if (zero && (r = PhoneExitCode(t, p, to)) != kNone) return r;
  if ((r = PhoneNanp(t, p, to)) != kNone) return r;
  if (zero && (r = PhoneTrunk(t, p, to)) != kNone) return r;
  if (zero && (r = PhonePairs(t, p, to)) != kNone) return r;
  if ((zero || c == '(') && (r = PhoneAreaFours(t, p, to)) != kNone) return r;
  if (zero && (r = PhoneFiveFive(t, p, to)) != kNone) return r;
  if (c == '(' && (r = PhoneBracketedArea(t, p, to)) != kNone) return r;
  if (zero) return PhoneSlash(t, p, to);
  return kNone;
}

// ---- Dates ----

// "(?:Z|[+\-]\d{2}:?\d{2})?\b" at q: the end of its first way that ends at a word
// boundary, or kNone.
size_t DateZoneEnd(std::string_view t, size_t q, size_t to) {
  if (q < to && t[q] == 'Z' && Boundary(t, q + 1)) return q + 1;
  if (q < to && (t[q] == '+' || t[q] == '-') && Digits(t, q + 1, 2, to)) {
    if (q + 3 < to && t[q + 3] == ':' && Digits(t, q + 4, 2, to) && Boundary(t, q + 6))
      return q + 6;
    if (Digits(t, q + 3, 2, to) && Boundary(t, q + 5)) return q + 5;
  }
  return Boundary(t, q) ? q : kNone;
}

// The numeric forms of the date regex, in its order, at p:
// "\b\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+\-]\d{2}:?\d{2})?)?\b"
// "|\b\d{4}/\d{1,2}/\d{1,2}\b|\b\d{1,2}[/\-.]\d{1,2}[/\-.]\d{4}\b"
size_t NumericDateHere(std::string_view t, size_t p, size_t to) {
  if (!IsDigit(At(t, p)) || !Boundary(t, p)) return kNone;
  if (Digits(t, p, 4, to)) {
    if (p + 4 < to && t[p + 4] == '-' && Digits(t, p + 5, 2, to) && p + 7 < to && t[p + 7] == '-' &&
        Digits(t, p + 8, 2, to)) {
      const size_t day = p + 10;  // the end of the day's digits
      if (day < to && (t[day] == 'T' || t[day] == ' ') && Digits(t, day + 1, 2, to) &&
          day + 3 < to && t[day + 3] == ':' && Digits(t, day + 4, 2, to)) {
        const size_t minutes = day + 6;  // the end of the minutes' digits
        if (minutes < to && t[minutes] == ':' && Digits(t, minutes + 1, 2, to)) {
          const size_t seconds = minutes + 3;  // the end of the seconds' digits
          if (seconds < to && t[seconds] == '.') {
            for (size_t k = DigitRun(t, seconds + 1, 9, to); k >= 1; --k) {
              const size_t e = DateZoneEnd(t, seconds + 1 + k, to);
              if (e != kNone) return e;
            }
          }
          const size_t e = DateZoneEnd(t, seconds, to);
          if (e != kNone) return e;
        }
        const size_t e = DateZoneEnd(t, minutes, to);
        if (e != kNone) return e;
      }
      if (Boundary(t, day)) return day;
    }
    if (p + 4 < to && t[p + 4] == '/') {
      for (size_t m = 2; m >= 1; --m) {
        if (!Digits(t, p + 5, m, to) || p + 5 + m >= to || t[p + 5 + m] != '/') continue;
        const size_t q = p + 6 + m;
        for (size_t d = 2; d >= 1; --d)
          if (Digits(t, q, d, to) && Boundary(t, q + d)) return q + d;
      }
    }
  }
  auto sep = [&](size_t q) { return q < to && (t[q] == '/' || t[q] == '-' || t[q] == '.'); };
  for (size_t a = 2; a >= 1; --a) {
    if (!Digits(t, p, a, to) || !sep(p + a)) continue;
    for (size_t b = 2; b >= 1; --b) {
      const size_t q = p + a + 1;
      if (Digits(t, q, b, to) && sep(q + b) && Digits(t, q + b + 1, 4, to) &&
          Boundary(t, q + b + 5))
        return q + b + 5;
    }
  }
  return kNone;
}

// The classes of a byte in the first three of a month name: an ASCII letter (either
// case) its place in the alphabet, 0 to 25; 0xC3 (the lead byte of "\u00e4", "\u00e9",
// "\u00fb" and their capitals) 26; a continuation byte 27; none else (-1).
constexpr int MonthByteClass(unsigned char c) {
  return ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') ? (c | 0x20) - 'a'
         : c == 0xC3                              ? 26
         : (c >= 0x80 && c <= 0xBF)               ? 27
                                                  : -1;
}

// The first three bytes of every month name of the date regexes (month_starts.h), by
// class: kMonthStarts.bits[a][b] has bit c when a name begins with bytes of classes a, b,
// c. test/unit/prefilter_test.cpp checks every name the regex spells against it.
struct MonthStarts {
  uint32_t bits[28][28] = {};
  constexpr MonthStarts() {
    for (const char* w : internal::kMonthStarts3)
      bits[MonthByteClass(static_cast<unsigned char>(w[0]))]
          [MonthByteClass(static_cast<unsigned char>(w[1]))] |=
          uint32_t{1} << MonthByteClass(static_cast<unsigned char>(w[2]));
  }
};
constexpr MonthStarts kMonthStarts;

}  // namespace

bool MayBeginMonthName(const unsigned char* p) {
  const int a = MonthByteClass(p[0]), b = MonthByteClass(p[1]), c = MonthByteClass(p[2]);
  return a >= 0 && b >= 0 && c >= 0 && (kMonthStarts.bits[a][b] >> c & 1);
}

namespace {

// Whether the month of a form with a month name may begin at q, within [.., to). With
// names: every form has \b or a space before its month (so no byte of \w), and every
// month name has three bytes or more, the first three as MayBeginMonthName knows them
// (after a date, the rest of its hint's range, words of prose, is then decided here
// instead of by RE2). Without: at any ASCII letter followed by an ASCII letter or a byte
// above 0x7F, as every month name begins.
inline bool MayBeginMonth(std::string_view t, size_t q, size_t to, bool names) {
  if (!names) {
    const unsigned char a = At(t, q) | 0x20, b = At(t, q + 1);
    return a >= 'a' && a <= 'z' && (((b | 0x20) >= 'a' && (b | 0x20) <= 'z') || b >= 0x80);
  }
  if (q + 3 > to || (q > 0 && kWordByte[At(t, q - 1)])) return false;
  return MayBeginMonthName(reinterpret_cast<const unsigned char*>(t.data()) + q);
}

// The longest range SearchNumericDate reads with the month names (MayBeginMonth): over a
// longer one (a large text's window), where RE2's automaton reads the bytes for less than
// its loop, it gives up at the first pair of letters. And how far it reads them: past
// that without a match, it leaves the rest to RE2 (a record's dates are within it).
constexpr size_t kMonthNamesRange = 1024;
constexpr size_t kMonthNamesScan = 64;

}  // namespace

int SearchNumericDate(std::string_view t, size_t from, size_t to, bool anchored, size_t* begin,
                      size_t* end) {
  // A form with a month name has its month at most 8 bytes after its start ("12er de ",
  // "12th "), so it may come first where a month may begin before the first numeric
  // match's start + 8, unless that match starts at from (at the same start the numeric
  // forms come first): the search gives up at the first such place.
  const bool names = to - from <= kMonthNamesRange;
  const size_t last = anchored ? std::min(to, from + 1)
                      : names  ? std::min(to, from + kMonthNamesScan)
                               : to;
  for (size_t p = from; p < last; ++p) {
    // Every form begins a word (a digit after \b, or its month): nothing begins elsewhere.
    if (!kWordByte[At(t, p)] || (p > 0 && kWordByte[At(t, p - 1)])) continue;
    if (p + 1 < to && MayBeginMonth(t, p, to, names)) return -1;
    const size_t e = NumericDateHere(t, p, to);
    if (e == kNone) continue;
    if (p > from)
      for (size_t q = p + 1; q < p + 8 && q + 1 < to; ++q)
        if (MayBeginMonth(t, q, to, names)) return -1;
    *begin = p;
    *end = e;
    return 1;
  }
  if (anchored)
    for (size_t q = from + 1; q < from + 9 && q + 1 < to; ++q)
      if (MayBeginMonth(t, q, to, names)) return -1;
  return last < to && !anchored ? -1 : 0;
}

namespace {

// ---- Names: NAME_WORD, NAME_PARTICLE, NAME_SEQ (recognizers.cpp) ----
//
// NAME_WORD is, in ASCII (where no combining mark follows a letter), \p{Lu}['’]\p{Lu}\p{Ll}+
// | \p{Lu}\p{Ll}+(?:\p{Lu}\p{Ll}+)?(?:['’]\p{Lu}?\p{Ll}+)?(?:-\p{Lu}?\p{Ll}+)?
// | (?:\p{Lu}\.){1,3} :
// its alternatives differ by their second character,
// and what follows a word in every name regex may be nothing, so a word's match is its
// first alternative's, each repetition as long as it goes. A particle is a literal that
// [ \t]+ must follow: of the literals, at most one is followed by a blank at a place (a
// longer one goes on with a letter where a shorter one wants the blank), so a particle
// at q is the run of letters from q when a blank (or ". " for "St.") ends it. What reads
// a byte above 0x7F where a letter class stands gives up (kUnsure): \p{Lu} and \p{Ll}
// hold letters of every script. A byte above 0x7F compared with an ASCII literal or with
// [ \t] fails as it does in RE2.

// The byte at q, or 0 at to and past it (no byte of a name is 0, as RE2 sees nothing
// there).
inline unsigned char NameByte(std::string_view t, size_t q, size_t to) {
  return q < to ? At(t, q) : 0;
}

constexpr size_t kUnsure = static_cast<size_t>(-2);

inline bool IsLowerAscii(unsigned char c) { return c >= 'a' && c <= 'z'; }

// ['’] at q: the end of the apostrophe, or kNone.
inline size_t Apostrophe(std::string_view t, size_t q, size_t to) {
  const unsigned char c = NameByte(t, q, to);
  if (c == '\'') return q + 1;
  if (c == 0xE2 && NameByte(t, q + 1, to) == 0x80 && NameByte(t, q + 2, to) == 0x99) return q + 3;
  return kNone;
}

// The end of the longest run of \p{Ll} at q (q itself if none), or kUnsure when a byte
// above 0x7F may go on with it (not '’', which is no letter).
inline size_t LowerRun(std::string_view t, size_t q, size_t to) {
  while (IsLowerAscii(NameByte(t, q, to))) ++q;
  return NameByte(t, q, to) >= 0x80 && Apostrophe(t, q, to) == kNone ? kUnsure : q;
}

// NAME_WORD at q: its end, kNone, or kUnsure.
size_t NameWordAt(std::string_view t, size_t q, size_t to) {
  const unsigned char c0 = NameByte(t, q, to);
  if (c0 >= 0x80) return kUnsure;
  if (!IsUpper(c0)) return kNone;
  // \p{Lu}['’]\p{Lu}\p{Ll}+ ("O'Brien")
  size_t a = Apostrophe(t, q + 1, to);
  if (a != kNone) {
    const unsigned char c = NameByte(t, a, to);
    if (c >= 0x80) return kUnsure;
    if (!IsUpper(c)) return kNone;
    const unsigned char l = NameByte(t, a + 1, to);
    if (l >= 0x80) return kUnsure;
    return IsLowerAscii(l) ? LowerRun(t, a + 2, to) : kNone;
  }
  const unsigned char c1 = NameByte(t, q + 1, to);
  if (c1 >= 0x80) return kUnsure;  // \p{Ll}, or the apostrophe's first byte
  if (c1 == '.') {                 // (?:\p{Lu}\.){1,3}, greedy ("J.", "A.M.")
    size_t e = q + 2;
    for (int n = 1; n < 3; ++n, e += 2) {
      const unsigned char u = NameByte(t, e, to);
      if (u >= 0x80) return kUnsure;  // a capital beyond ASCII may go on
      if (!IsUpper(u) || NameByte(t, e + 1, to) != '.') break;
    }
    return e;
  }
  if (!IsLowerAscii(c1)) return kNone;
  size_t e = LowerRun(t, q + 2, to);
  if (e == kUnsure) return kUnsure;
  // (?:\p{Lu}\p{Ll}+)? ("McDonald")
  unsigned char c = NameByte(t, e, to);  // ASCII or '’' (LowerRun)
  if (IsUpper(c)) {
    const unsigned char l = NameByte(t, e + 1, to);
    if (l >= 0x80) return kUnsure;
    if (IsLowerAscii(l)) {
      e = LowerRun(t, e + 2, to);
      if (e == kUnsure) return kUnsure;
    }
  }
  // (?:['’]\p{Lu}?\p{Ll}+)? ("D'angelo", "Dell'Acqua")
  a = Apostrophe(t, e, to);
  if (a != kNone) {
    unsigned char l = NameByte(t, a, to);
    if (l >= 0x80) return kUnsure;
    if (IsUpper(l)) {
      ++a;  // \p{Lu}? takes it; given back, \p{Ll}+ would fail on it
      l = NameByte(t, a, to);
      if (l >= 0x80) return kUnsure;
    }
    if (IsLowerAscii(l)) {
      e = LowerRun(t, a + 1, to);
      if (e == kUnsure) return kUnsure;
    }
  }
  // (?:-\p{Lu}?\p{Ll}+)? ("Smith-Jones", "Garcia-lopez")
  if (NameByte(t, e, to) == '-') {
    c = NameByte(t, e + 1, to);
    if (c >= 0x80) return kUnsure;
    size_t l = e + 1;
    if (IsUpper(c)) {
      ++l;  // \p{Lu}? takes it; given back, \p{Ll}+ would fail on it
      c = NameByte(t, l, to);
      if (c >= 0x80) return kUnsure;
    }
    if (IsLowerAscii(c)) e = LowerRun(t, l + 1, to);
  }
  return e;
}

// The end of the run of [ \t] at q (q if none).
inline size_t NameBlanks(std::string_view t, size_t q, size_t to) {
  for (unsigned char c = NameByte(t, q, to); c == ' ' || c == '\t'; c = NameByte(t, q, to)) ++q;
  return q;
}

// The bytes of a word of at most 5 (a particle's longest), one a byte from the lowest.
constexpr uint64_t PackParticle(const char* w) {
  uint64_t k = 0;
  for (int i = 0; w[i] != 0; ++i) k |= uint64_t{static_cast<unsigned char>(w[i])} << (8 * i);
  return k;
}

// NAME_PARTICLE[ \t]+ at q: its end, or kNone.
size_t ParticleAt(std::string_view t, size_t q, size_t to) {
  // Their first letters, bit c - 'A': most words of a name begin with another.
  constexpr uint64_t kFirst = uint64_t{1} << ('v' - 'A') | uint64_t{1} << ('d' - 'A') |
                              uint64_t{1} << ('l' - 'A') | uint64_t{1} << ('b' - 'A') |
                              uint64_t{1} << ('i' - 'A') | uint64_t{1} << ('a' - 'A') |
                              uint64_t{1} << ('V' - 'A') | uint64_t{1} << ('D' - 'A') |
                              uint64_t{1} << ('L' - 'A') | uint64_t{1} << ('S' - 'A');
  const unsigned char c0 = NameByte(t, q, to);
  if (c0 < 'A' || c0 > 'z' || !(kFirst >> (c0 - 'A') & 1)) return kNone;
  uint64_t key = 0;
  size_t e = q;
  for (unsigned char c = NameByte(t, e, to); (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
       c = NameByte(t, e, to)) {
    if (e - q == 5) return kNone;  // longer than any particle
    key |= uint64_t{c} << (8 * (e - q));
    ++e;
  }
  if (key == PackParticle("St") && NameByte(t, e, to) == '.') ++e;  // St\.?
  const unsigned char b = NameByte(t, e, to);
  if (b != ' ' && b != '\t') return kNone;
  switch (key) {
    case PackParticle("van"):
    case PackParticle("von"):
    case PackParticle("der"):
    case PackParticle("den"):
    case PackParticle("de"):
    case PackParticle("del"):
    case PackParticle("della"):
    case PackParticle("di"):
    case PackParticle("da"):
    case PackParticle("du"):
    case PackParticle("dos"):
    case PackParticle("das"):
    case PackParticle("la"):
    case PackParticle("le"):
    case PackParticle("Van"):
    case PackParticle("Von"):
    case PackParticle("Der"):
    case PackParticle("Den"):
    case PackParticle("De"):
    case PackParticle("Del"):
    case PackParticle("Della"):
    case PackParticle("Di"):
    case PackParticle("Da"):
    case PackParticle("Du"):
    case PackParticle("Dos"):
    case PackParticle("Das"):
    case PackParticle("La"):
    case PackParticle("Le"):
    case PackParticle("bin"):
    case PackParticle("ibn"):
    case PackParticle("al"):
    case PackParticle("St"):
      return NameBlanks(t, e + 1, to);
    default:
      return kNone;
  }
}

// (?:NAME_PARTICLE[ \t]+){0,2} NAME_WORD at q (NAME_WORD alone without particles): its
// end, kNone or kUnsure. Two particles are tried first, then one, then none.
size_t NameAt(std::string_view t, size_t q, size_t to, bool particles) {
  if (particles) {
    const size_t p1 = ParticleAt(t, q, to);
    if (p1 != kNone) {
      const size_t p2 = ParticleAt(t, p1, to);
      if (p2 != kNone) {
        const size_t e = NameWordAt(t, p2, to);
        if (e != kNone) return e;
      }
      const size_t e = NameWordAt(t, p1, to);
      if (e != kNone) return e;
    }
  }
  return NameWordAt(t, q, to);
}

}  // namespace

NameForm NameTailForm(std::string_view name) {
  if (name == "person_cue" || name == "person_honorific") return NameForm::kAfterCue;
  if (name == "person_closing") return NameForm::kSequence;
  return NameForm::kNone;
}

int MatchName(NameForm form, std::string_view t, size_t from, size_t to, size_t* end) {
  // The first word, perhaps after particles.
  size_t e = NameAt(t, from, to, form != NameForm::kSequence);
  // After a cue, a name in capitals (CAPS_SEQ, the tail's other way) is RE2's to match.
  if (e == kNone && form == NameForm::kAfterCue && from + 1 < to && At(t, from) >= 'A' &&
      At(t, from) <= 'Z' && At(t, from + 1) >= 'A' && At(t, from + 1) <= 'Z')
    return -1;
  if (e == kNone) return 0;
  if (e == kUnsure) return -1;
  // NAME_SEQ's (?:[ \t]+(?:NAME_PARTICLE[ \t]+){0,2}NAME_WORD){0,3}.
  if (form != NameForm::kSurname) {
    for (int more = 0; more < 3; ++more) {
      const size_t q = NameBlanks(t, e, to);
      if (q == e) break;
      const size_t next = NameAt(t, q, to, true);
      if (next == kUnsure) return -1;
      if (next == kNone) break;
      e = next;
    }
  }
  *end = e;
  return 1;
}

// A start filter where SSE2 builds them, else none (Search then tries every byte).
#if defined(__SSE2__)
#define COMPLY_STARTS(filter) filter
#else
#define COMPLY_STARTS(filter) nullptr
#endif

MatcherFn HandMatcher(std::string_view name) {
  if (name == "person_cue") return &SearchCue<kCueRegex>;
  if (name == "person_closing") return &SearchCue<kClosingRegex>;
  if (name == "person_honorific") return &SearchCue<kHonorificRegex>;
  if (name == "ssn_formatted" || name == "itin_formatted")
    return &Search<&NineGroupedHere, COMPLY_STARTS(&DigitsStart<3>)>;
  if (name == "ipv4") return &Search<&Ipv4Here, COMPLY_STARTS(&DigitsStart<1>)>;
  if (name == "ipv6") return &Search<&Ipv6Here>;
  if (name == "card_grouped") return &Search<&CardGroupedHere, COMPLY_STARTS(&CardStart)>;
  if (name == "iban") return &Search<&IbanHere, COMPLY_STARTS(&IbanStart)>;
  if (name == "email") return &SearchEmail;
  if (name == "phone" || name == "nhs_grouped")
    return &Search<&PhoneHere, COMPLY_STARTS(&PhoneStart)>;
  if (name == "phone_grouped") return &Search<&PhoneGroupedHere, COMPLY_STARTS(&PhoneStart)>;
  // The recognizers that read kDigitRun, kLetterDigits and kNinoLower (recognizers.cpp).
  for (const char* n : {"ssn_plain", "phone_plain", "date_compact", "itin_plain", "card_plain", "bank_account", "aba_plain",
                        "passport_digits", "driver_license_digits", "npi", "nhs_plain",
                        "pl_pesel", "de_tax_id", "fr_nir_plain", "nl_bsn"})
    if (name == n) return &Search<&DigitRunHere, COMPLY_STARTS(&DigitsStart<5>)>;
  if (name == "passport_next_gen" || name == "driver_license_alnum")
    return &Search<&LetterDigitsHere, COMPLY_STARTS(&LetterDigitsStart)>;
  if (name == "nl_bsn_dotted") return &Search<&BsnDottedHere, COMPLY_STARTS(&DigitsStart<3>)>;
  if (name == "uk_nino")
    return &Search<&NinoHere<'A', 'D', 'Z'>, COMPLY_STARTS((&NinoStart<'A', 'Z'>))>;
  if (name == "uk_nino_lower")
    return &Search<&NinoHere<'a', 'd', 'z'>, COMPLY_STARTS((&NinoStart<'a', 'z'>))>;
  if (name == "fi_personal_identity_code")
    return &Search<&FinnishIdHere, COMPLY_STARTS(&DigitsStart<5>)>;
  return nullptr;
}
#undef COMPLY_STARTS

PartialMatcherFn PartialHandMatcher(std::string_view name) {
  if (name == "date") return &SearchNumericDate;
  return nullptr;
}

}  // namespace comply::pii
