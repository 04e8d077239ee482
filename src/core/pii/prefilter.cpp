// The built-in regexes' necessary conditions, checked in one pass (see prefilter.h).
//
// Every condition below is argued from its regex in recognizers.cpp: RE2's \d is [0-9]
// and its \b an ASCII word boundary ([0-9A-Za-z_] on one side only), so a match that
// starts or ends at \b next to digits starts or ends a whole run of them. A run below is
// a maximal run of digits, a word a maximal run of [0-9A-Za-z_]; two runs (or words) are
// joined by c when exactly the one byte c separates them.
#include "core/pii/prefilter.h"
#include "core/pii/month_starts.h"

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstring>


namespace comply::pii {
namespace {

// Forced inline: a check shared by the scan's short path and OtherWord, which the
// compiler might otherwise call.
#define COMPLY_PREFILTER_INLINE inline __attribute__((always_inline))

enum : uint8_t {
  kDigitClass = 1,
  kUpperClass = 2,
  kLowerClass = 4,
  kHexClass = 8,
  kWordClass = 16,     // \b's word bytes: [0-9A-Za-z_]
  kLocalClass = 32,    // the e-mail pattern's local part: [A-Za-z0-9._%+'-] and non-ASCII
  kDomainClass = 64,   // its domain: [A-Za-z0-9.-] and non-ASCII
  kSwitchClass = 128,  // the bytes that Mark reads: '@', ':', '+', 0xC4, 0xC5, 0xE2
};

constexpr std::array<uint8_t, 256> MakeClasses() {
  std::array<uint8_t, 256> t{};
  for (int c = '0'; c <= '9'; ++c) t[c] = kDigitClass | kHexClass | kWordClass | kLocalClass;
  for (int c = 'A'; c <= 'Z'; ++c) t[c] = kUpperClass | kWordClass | kLocalClass;
  for (int c = 'a'; c <= 'z'; ++c) t[c] = kLowerClass | kWordClass | kLocalClass;
  for (int c = 'A'; c <= 'F'; ++c) t[c] |= kHexClass;
  for (int c = 'a'; c <= 'f'; ++c) t[c] |= kHexClass;
  t['_'] = kWordClass;
  for (char c : {'.', '_', '%', '+', '\'', '-'}) t[static_cast<unsigned char>(c)] |= kLocalClass;
  for (int c = 0; c < 256; ++c)
    if ((t[c] & (kDigitClass | kUpperClass | kLowerClass)) || c == '.' || c == '-') t[c] |= kDomainClass;
  for (int c = 0x80; c < 256; ++c) t[c] |= kLocalClass | kDomainClass;
  for (int c : {int{'@'}, int{':'}, int{'+'}, 0xC4, 0xC5, 0xE2}) t[c] |= kSwitchClass;
  return t;
}
constexpr std::array<uint8_t, 256> kClasses = MakeClasses();

// What Run's loop reads of a byte: one OR over a word's bytes tells Word() all it asks
// (a digit in it, only digits, only hex digits), where an AND and an OR over kClasses
// took one more instruction a byte.
enum : uint8_t {
  kScanWord = 1,      // kWordClass
  kScanDigit = 2,     // a digit
  kScanNotDigit = 4,  // a word byte not a digit
  kScanNotHex = 8,    // a word byte not a hex digit
  kScanSwitch = 16,   // kSwitchClass
};

constexpr std::array<uint8_t, 256> MakeScanClasses() {
  std::array<uint8_t, 256> t{};
  for (int c = 0; c < 256; ++c) {
    const uint8_t k = kClasses[c];
    if (k & kWordClass) {
      t[c] |= kScanWord;
      t[c] |= (k & kDigitClass) ? kScanDigit : kScanNotDigit;
      if (!(k & kHexClass)) t[c] |= kScanNotHex;
    }
    if (k & kSwitchClass) t[c] |= kScanSwitch;
  }
  return t;
}
constexpr std::array<uint8_t, 256> kScanClasses = MakeScanClasses();

// A set of ASCII bytes, one bit each, made at compile time from a literal: a test is a
// shift, where strchr over the literal was a call.
struct ByteSet {
  uint64_t lo = 0, hi = 0;  // bytes 0-63, 64-127
  constexpr explicit ByteSet(const char* s) {
    for (; *s != 0; ++s) {
      const auto c = static_cast<unsigned char>(*s);
      (c < 64 ? lo : hi) |= uint64_t{1} << (c & 63);
    }
  }
  constexpr bool Has(unsigned char c) const {
    return c < 64 ? lo >> c & 1 : c < 128 && (hi >> (c & 63) & 1);
  }
};
constexpr ByteSet kBlanks(" \t\n\r\f\v"), kMarks(":,."), kSpaceDash(" -"), kGroupSeps(" .-"),
    kAfterAreaCode(") .-"), kDateSeps("/-."), kJoins(" .-/"), kFinnishSigns("+-ABCDEFUVWXY"),
    kAB("AB");

// The words that may begin a cue of the case-insensitive name patterns (a multi-word
// cue such as "signed by" by its first word), lower-case.
constexpr const char* kCueWords[] = {
    "patient", "full", "signed", "approved", "referred", "account", "pt", "name", "dear",
    "attn", "attention", "insured", "employee", "customer", "client", "member", "guardian",
    "physician", "nurse", "applicant", "beneficiary", "cardholder", "contact", "witness",
    "reviewer", "spouse", "mother", "father", "son", "daughter"};
constexpr const char* kClosingWords[] = {"sincerely", "best",   "kind",         "regards", "thank",
                                         "thanks",    "cheers", "respectfully", "signed"};
// Case-sensitive, as in the pattern.
const char* const kHonorifics[] = {"Mr",  "Mrs", "Ms",   "Miss", "Mx",   "Dr",  "Prof", "Rev",
                                   "Sr",  "Sra", "Srta", "Herr", "Frau", "Mme", "Mlle",
    // In capitals, as forms write them ("MR. JOHN SMITH"); not "MS" (multiple sclerosis).
    "MR", "MRS", "MISS", "DR", "PROF", "HERR", "FRAU",
    // Dutch and Italian abbreviations (see HONORIFIC).
    "Dhr", "Mevr", "Dott", "Avv", "dhr", "mevr",
    // The first word of "Sig.ra", "Sig.na", "Sig.ri" (CueEnd takes the rest).
    "Sig"};
// (The first three bytes of the month names: internal::kMonthStarts3, month_starts.h.)
constexpr auto& kMonths = internal::kMonthStarts3;
// The month names of ASCII letters only, in full and abbreviated, as MONTH, MONTH_EUROPE,
// MONTH_EUROPE_ABBR and MONTH_EUROPE_DOTTED spell them, small ("sep", "sept" and
// "september" for [Ss]ep(?:t(?:ember)?)?); the regex allows each with its first letter
// in either case and the others small, or in capitals ("mars" and "mei" not capitalised:
// a word that is more is no miss).
constexpr const char* kMonthNames[] = {
    "january",  "february",   "march",     "april",    "may",       "june",      "july",
    "august",   "september",  "october",   "november", "december",  "jan",       "feb",
    "mar",      "apr",        "jun",       "jul",      "aug",       "sep",       "sept",
    "oct",      "nov",        "dec",       "januar",   "februar",   "maerz",     "mai",
    "juni",     "juli",       "oktober",   "dezember", "janvier",   "avril",     "juin",
    "juillet",  "septembre",  "octobre",   "novembre", "fevrier",   "aout",      "decembre",
    "enero",    "febrero",    "marzo",     "abril",    "mayo",      "junio",     "julio",
    "agosto",   "septiembre", "setiembre", "octubre",  "noviembre", "diciembre", "gennaio",
    "febbraio", "aprile",     "maggio",    "giugno",   "luglio",    "settembre", "ottobre",
    "dicembre", "januari",    "februari",  "maart",    "augustus",  "mars",      "mei",
    "fevr",     "mrz",        "janv",      "juil",     "ene",       "mrt",       "avr",
    "abr",      "giu",        "okt",       "ott",      "dez",       "dic",       "gen",
    "mag",      "lug",        "ago",       "set",      "fev"};
constexpr size_t kLongestWord = 12;  // "respectfully"
constexpr size_t kLongestMonth = 10;  // "septiembre"

// The shortest and longest word of a list.
template <size_t N>
constexpr size_t WordLength(const char* const (&words)[N], bool longest) {
  size_t out = longest ? 0 : ~size_t{0};
  for (const char* w : words) {
    size_t len = 0;
    while (w[len] != 0) ++len;
    out = longest ? std::max(out, len) : std::min(out, len);
  }
  return out;
}
static_assert(WordLength(kMonthNames, true) == kLongestMonth, "kLongestMonth");
static_assert(WordLength(kCueWords, true) <= kLongestWord &&
                  WordLength(kClosingWords, true) <= kLongestWord &&
                  WordLength(kCueWords, false) >= 2 && WordLength(kClosingWords, false) >= 2,
              "Words::by_pair holds a bit for each cue length");

// A few short words (at most 16 bytes) packed into two words each, found with one
// multiply and a probe or two. Not WordSet (word_set.h), whose FNV hash goes byte by
// byte: with it this pass made PII-free prose 14% slower (detector_bench BM_DetectNoPii
// 2.48 -> 2.83 ms a MiB), every word of which is looked up.
// (2^kBits slots, more than twice the longest list.)
template <int kBits = 6>
class PackedWordsOf {
 public:
  template <typename List>
  explicit PackedWordsOf(const List& words) {
    for (const char* w : words) {
      const Key k = Pack(reinterpret_cast<const unsigned char*>(w), std::strlen(w), false);
      size_t i = Slot(k);
      while (slots_[i].len != 0) i = (i + 1) % kSlots;
      slots_[i] = k;
    }
  }

  // True if the len bytes at w (lower-cased first if lower) are one of the words.
  bool Contains(const unsigned char* w, size_t len, bool lower) const {
    return len != 0 && len <= 16 && Contains(Pack(w, len, lower));
  }

  // The same with the bytes packed already (to look one word up in two lists).
  struct Key {
    uint64_t lo = 0, hi = 0;
    size_t len = 0;
  };
  bool Contains(const Key& k) const {
    for (size_t i = Slot(k);; i = (i + 1) % kSlots) {
      const Key& s = slots_[i];
      if (s.len == 0) return false;
      if (s.lo == k.lo && s.hi == k.hi && s.len == k.len) return true;
    }
  }
  // At most 16 bytes.
  static Key Pack(const unsigned char* w, size_t len, bool lower) {
    Key k;
    k.len = len;
    for (size_t i = 0; i < len; ++i) {
      uint64_t c = w[i];
      if (lower && c >= 'A' && c <= 'Z') c |= 0x20;
      (i < 8 ? k.lo : k.hi) |= c << (8 * (i & 7));
    }
    return k;
  }

 private:
  static constexpr size_t kSlots = size_t{1} << kBits;
  static size_t Slot(const Key& k) {
    return static_cast<size_t>(((k.lo ^ (k.hi * 31) ^ k.len) * 0x9E3779B97F4A7C15ull) >>
                               (64 - kBits));
  }
  Key slots_[kSlots];
};
using PackedWords = PackedWordsOf<>;

// What a word may be by its first two bytes and its length (Words::by_pair): a cue or
// closing word of n bytes (bit n, 2 to kLongestWord: kMayBeCue), a month name of n
// bytes (bit kMonthBit + n, 3 to kLongestMonth: kMayBeMonth), or
enum : uint32_t {
  kMayBeHonorific = 1u << 14,                  // an honorific
  kMayBeWww = 1u << 15,                        // "www"
  kMayBeCue = (1u << (kLongestWord + 1)) - 4,  // bits 2 to kLongestWord
  kMonthBit = 13,
  kMayBeMonth = ((1u << (kMonthBit + kLongestMonth + 1)) - 1) & ~((1u << (kMonthBit + 3)) - 1),
};
static_assert(kMonthBit + 3 > 15 && kMonthBit + kLongestMonth < 32, "the bits of by_pair");
// by_length[min(len, 16)]: the bits a word of len bytes may have (an honorific is two to
// four bytes).
constexpr std::array<uint32_t, 17> MakeByLength() {
  std::array<uint32_t, 17> t{};
  for (size_t len = 0; len <= 16; ++len) {
    if (len >= 2 && len <= kLongestWord) t[len] |= 1u << len;
    if (len >= 3 && len <= kLongestMonth) t[len] |= 1u << (kMonthBit + len);
    if (len >= 2 && len <= 4) t[len] |= kMayBeHonorific;
    if (len == 3) t[len] |= kMayBeWww;
  }
  return t;
}
constexpr std::array<uint32_t, 17> kByLength = MakeByLength();

struct Words {
  PackedWords cues{kCueWords}, closings{kClosingWords}, honorifics{kHonorifics};
  PackedWordsOf<8> month_names{kMonthNames};  // 89 names
  // by_pair[a & 31][b & 31]: the kMayBe bits (and cue lengths) of the list words whose
  // first two bytes are a and b, in either case (a letter's low five bits are its
  // place in the alphabet; a digit's are those of a letter, which only lets more words
  // through). Every list word begins with two letters, so with kByLength two loads
  // reject most words of prose (and every word of one letter, whose second byte is
  // taken as 0) before the checks that decide, each exact on its own.
  alignas(64) uint32_t by_pair[32][32] = {};  // a row two cache lines
  // The months' first three bytes, as 24-bit keys in an open-addressed table (a word of
  // three letters or more is looked up: one multiply and a probe or two, not a loop).
  static constexpr size_t kMonthSlots = 128;
  uint32_t months[kMonthSlots] = {};

  Words() {
    auto pair = [this](const char* w) -> uint32_t& { return by_pair[w[0] & 31][w[1] & 31]; };
    auto index = [&](const char* w) { pair(w) |= 1u << std::strlen(w); };
    for (const char* w : kCueWords) index(w);
    for (const char* w : kClosingWords) index(w);
    for (const char* h : kHonorifics) pair(h) |= kMayBeHonorific;
    pair("www") |= kMayBeWww;
    for (const char* m : kMonthNames) pair(m) |= 1u << (kMonthBit + std::strlen(m));
    for (const char* m : kMonths) {
      const uint32_t key = MonthKey(m[0], m[1], m[2]);
      size_t s = MonthSlot(key);
      while (months[s] != 0) s = (s + 1) % kMonthSlots;
      months[s] = key;
    }
  }
  static uint32_t MonthKey(char a, char b, char c) {
    return uint32_t(uint8_t(a)) << 16 | uint32_t(uint8_t(b)) << 8 | uint8_t(c);
  }
  static size_t MonthSlot(uint32_t key) { return (key * 0x9E3779B1u) >> 25; }
  bool IsMonth(char a, char b, char c) const {
    const uint32_t key = MonthKey(a, b, c);
    for (size_t s = MonthSlot(key);; s = (s + 1) % kMonthSlots) {
      if (months[s] == key) return true;
      if (months[s] == 0) return false;
    }
  }
};

const Words& GetWords() {
  static const Words words;
  return words;
}

class Scanner {
 public:
  // The hints go into *out (the caller's, returned in place: a copy of them from a member
  // of the scanner was some sixty instructions a text, much of a short value's pass).
  Scanner(std::string_view text, Hints* out)
      : w_(GetWords()),
        t_(reinterpret_cast<const unsigned char*>(text.data())),
        n_(text.size()),
        hints_(*out) {}

  void Run() {
    // Where the text's last word begins (n_ if the text ends with a byte of no word): a
    // word that begins before it ends at a byte of no word before it, so its loop below
    // need not check for the text's end.
    size_t last_word = n_;
    while (last_word > 0 && (kScanClasses[t_[last_word - 1]] & kScanWord)) --last_word;
    size_t i = 0;
    while (i < n_) {
      unsigned char c = t_[i];
      uint8_t k = kScanClasses[c];
      if (k & kScanWord) {
        uint8_t acc = k;
        size_t j = i + 1;
        if (i < last_word) {
          for (;; ++j) {
            k = kScanClasses[t_[j]];
            if (!(k & kScanWord)) break;
            acc |= k;
          }
        } else {
          for (; j < n_; ++j) {
            k = kScanClasses[t_[j]];
            if (!(k & kScanWord)) break;
            acc |= k;
          }
        }
        Word(i, j, acc);
        if (j == n_) break;
        // The byte that ends the word (its k read already) is handled below, without a
        // second turn of this loop.
        i = j;
        c = t_[i];
      }
      if (!(k & kScanSwitch)) {  // blanks and most punctuation: nothing to do
        ++i;
        continue;
      }
      Mark(i, c);
      ++i;
    }
    // DATE with a month name: MONTH or MONTH_EUROPE and \d{4} in either order; a match
    // starts at most 8 bytes before its month ("12th ", "12 de ", "12er DE ": the day's
    // "." or "er" and a "de" together, which 6 missed) and ends at most 24 bytes after the
    // month's start ("septiembre, de 1990").
    if (month_lo_ != kNone && run4_) Set(Hint::kDate, Back(month_lo_, 8), Fwd(month_hi_, 24));
    // The case-insensitive cues may be written with a letter that folds to ASCII.
    if (fold_) {
      hints_.ncue_starts = Hints::kManyCueStarts;
      Set(Hint::kNameCue, 0, n_);
      Set(Hint::kClosing, 0, n_);
    }
  }

 private:
  static constexpr size_t kNone = ~size_t{0};
  struct Span {
    size_t s = kNone, e = kNone;
    size_t len() const { return e - s; }
  };

  static bool Digit(unsigned char c) { return kClasses[c] & kDigitClass; }
  static bool Upper(unsigned char c) { return kClasses[c] & kUpperClass; }
  static bool Lower(unsigned char c) { return kClasses[c] & kLowerClass; }
  static bool Hex(unsigned char c) { return kClasses[c] & kHexClass; }
  static bool Alpha(unsigned char c) { return kClasses[c] & (kUpperClass | kLowerClass); }
  static bool Alnum(unsigned char c) { return kClasses[c] & (kDigitClass | kUpperClass | kLowerClass); }
  static char ToLower(unsigned char c) { return static_cast<char>(Upper(c) ? c | 0x20 : c); }
  static bool In(unsigned char c, ByteSet set) { return set.Has(c); }

  // Hint h, for a match within [lo, hi).
  void Set(Hint h, size_t lo, size_t hi) {
    const int k = static_cast<int>(h);
    if (!hints_.Has(k)) {
      hints_.mask |= HintBit(h);
      hints_.lo[k] = lo;
      hints_.hi[k] = hi;
    } else {
      hints_.lo[k] = std::min(hints_.lo[k], lo);
      hints_.hi[k] = std::max(hints_.hi[k], hi);
    }
  }
  size_t Back(size_t pos, size_t d) const { return pos > d ? pos - d : 0; }
  size_t Fwd(size_t pos, size_t d) const { return std::min(n_, pos + d); }

  // The separator byte joining two runs, 0 if they are not joined by exactly one byte.
  unsigned char Joined(const Span& a, const Span& b) const {
    return a.e != kNone && b.s == a.e + 1 ? t_[a.e] : 0;
  }

  // A byte of kSwitchClass (outside words) at i: '@', ':', '+' or the first byte of a
  // letter that folds to ASCII. Not inlined, as OtherWord and PairWord: Run's loop then
  // keeps its few variables in registers.
  __attribute__((noinline)) void Mark(size_t i, unsigned char c) {
    switch (c) {
      case '@':  // EMAIL: [local]+@[A-Za-z0-9 or non-ASCII]..., around its '@'
        if (i > 0 && (kClasses[t_[i - 1]] & kLocalClass) && i + 1 < n_ &&
            (Alnum(t_[i + 1]) || t_[i + 1] >= 0x80)) {
          size_t lo = i - 1, hi = i + 1;
          while (lo > 0 && (kClasses[t_[lo - 1]] & kLocalClass)) --lo;
          while (hi < n_ && (kClasses[t_[hi]] & kDomainClass)) ++hi;
          Set(Hint::kEmail, lo, hi);
        }
        break;
      case ':':
        // URL: (?:https?|ftp)://, from its scheme on
        if (i + 2 < n_ && t_[i + 1] == '/' && t_[i + 2] == '/') Set(Hint::kUrl, Back(i, 5), n_);
        // IPv6: two colons with at most four hex digits, and nothing else, between. A
        // match has at most 4 hex digits before its first colon, and 7 groups and a
        // dotted quad (47 bytes) from it.
        if (colon_ != kNone) {
          const size_t gap = i - colon_ - 1;
          if (gap == 0 || (gap <= 4 && hex_.s == colon_ + 1 && hex_.e == i))
            Set(Hint::kIpv6, Back(colon_, 4), Fwd(colon_, 48));
        }
        colon_ = i;
        break;
      case '+':  // PHONE, international form: \+\d..., at most 36 bytes
        if (i + 1 < n_ && Digit(t_[i + 1])) Set(Hint::kPhone, i, Fwd(i, 37));
        break;
      case 0xC4:  // U+0130, U+0131
        if (i + 1 < n_ && (t_[i + 1] == 0xB0 || t_[i + 1] == 0xB1)) fold_ = true;
        break;
      case 0xC5:  // U+017F LATIN SMALL LETTER LONG S, which (?i) matches as 's'
        if (i + 1 < n_ && t_[i + 1] == 0xBF) fold_ = true;
        break;
      case 0xE2:  // U+212A KELVIN SIGN, which (?i) matches as 'k'
        if (i + 2 < n_ && t_[i + 1] == 0x84 && t_[i + 2] == 0xAA) fold_ = true;
        break;
      default:
        break;
    }
  }

  // A word: a maximal run of [0-9A-Za-z_] in [i, j); acc: the OR of its bytes'
  // kScanClasses. Most words are letters only, read here; the others by OtherWord.
  void Word(size_t i, size_t j, uint8_t acc) {
    const unsigned char c0 = t_[i];
    if ((acc & kScanDigit) || !Alpha(c0)) {
      OtherWord(i, j, acc);
      return;
    }
    LetterWord(i, j);
    // No CRYPTO form and no digit run: each holds a digit.
    if (!(acc & kScanNotHex)) HexWord({i, j});
  }

  // The checks of a word [i, j) that begins with a letter, whatever else it holds: the
  // cue, closing, honorific, month and www checks for the few words whose first two
  // bytes and length let them through, the fiscal code (whose digits may all be written
  // as letters: see ItalianFiscalCode) and the months with a non-ASCII letter.
  COMPLY_PREFILTER_INLINE void LetterWord(size_t i, size_t j) {
    const size_t len = j - i;
    const unsigned char c0 = t_[i];
    const Words& w = w_;
    const uint32_t maybe =
        w.by_pair[c0 & 31][(len > 1 ? t_[i + 1] : 0) & 31] & kByLength[std::min<size_t>(len, 16)];
    if (maybe != 0) PairWord(i, j, maybe);
    if (len == 16) ItalianFiscalCode(i, j);
    if (len < 3) NonAsciiMonth(i, j);
  }

  // The words of Word that hold a digit or begin with '_'.
  __attribute__((noinline)) void OtherWord(size_t i, size_t j, uint8_t acc) {
    const size_t len = j - i;
    const unsigned char c0 = t_[i];
    if (Alpha(c0)) {
      LetterWord(i, j);
      // CRYPTO: (?i:bc1|tb1) then at least six more.
      if (len >= 9 && t_[i + 2] == '1') {
        const char a = ToLower(c0), b = ToLower(t_[i + 1]);
        if ((a == 'b' && b == 'c') || (a == 't' && b == 'b')) Set(Hint::kCrypto, i, j);
      }
    } else if (Digit(c0)) {
      // CRYPTO: \b[13]...{25,34}\b, \b0x[0-9A-Fa-f]{40}\b: the whole word.
      if ((c0 == '1' || c0 == '3') && len >= 26) Set(Hint::kCrypto, i, j);
      if (c0 == '0' && len >= 42 && t_[i + 1] == 'x') Set(Hint::kCrypto, i, j);
    }
    if (acc & kScanDigit) {
      // \b\d{7,19}\b: a word of 7 to 19 digits.
      if (!(acc & kScanNotDigit) && len >= 7 && len <= 19) Set(Hint::kDigitRun, i, j);
      // \b[A-Z]\d{3,12}\b, \b[A-Z]{2}\d{5,7}\b, \b\d{3}[A-Z]{2}\d{4}\b: whole words.
      if (len >= 4 && len <= 13 && LettersThenDigits(i, j)) Set(Hint::kLetterDigits, i, j);
    }
    // MAC addresses and IPv6 read hex digits only in words made of them: each of their
    // groups lies between separators or \b.
    if (!(acc & kScanNotHex)) HexWord({i, j});
    // The runs of digits inside the word (glued letters matter: IBANs, licenses).
    if (acc & kScanDigit) {
      for (size_t d = i; d < j;) {
        if (!Digit(t_[d])) {
          ++d;
          continue;
        }
        size_t e = d + 1;
        while (e < j && Digit(t_[e])) ++e;
        DigitRun({d, e});
        d = e;
      }
    }
  }

  // IT_FISCAL_CODE: \b[A-Z]{6}...[A-Z]\b or \b[a-z]{6}...[a-z]\b, 16 word bytes: the
  // whole word [i, j) of 16 bytes that begins with a letter, six letters first.
  void ItalianFiscalCode(size_t i, size_t j) {
    if (Alpha(t_[i + 1]) && Alpha(t_[i + 2]) && Alpha(t_[i + 3]) && Alpha(t_[i + 4]) &&
        Alpha(t_[i + 5]))
      Set(Hint::kItalianFiscalCode, i, j);
  }

  // MONTH_EUROPE's names with a non-ASCII letter among their first three bytes
  // (M\u00e4rz, f\u00e9vrier, d\u00e9cembre, ao\u00fbt): a word [i, j) of one or two
  // letters (the first of them at i) followed by a byte above 0x7F.
  void NonAsciiMonth(size_t i, size_t j) {
    if (i + 3 <= n_ && t_[j] >= 0x80 &&
        w_.IsMonth(ToLower(t_[i]), ToLower(t_[i + 1]), ToLower(t_[i + 2])))
      Month(i);
  }

  // A word [i, j) that begins with a letter and may be a list word (maybe: its
  // by_pair bits that its length allows).
  __attribute__((noinline)) void PairWord(size_t i, size_t j, uint32_t maybe) {
    const Words& w = w_;
    const size_t len = j - i;
    const unsigned char c0 = t_[i];
    // A cue's match is the cue, perhaps a second word ("signed by"), a punctuation
    // mark and blanks.
    if ((maybe & kMayBeHonorific) && len <= 4 &&
        // (In small letters, only "dhr" and "mevr" are honorifics: prose's "here", "mean"
        // and "does" are not looked up.)
        (Upper(c0) || (c0 == 'd' && len == 3) || (c0 == 'm' && len == 4 && t_[i + 1] == 'e')) &&
        w.honorifics.Contains(t_ + i, len, false))
      Set(Hint::kHonorific, i, CueEnd(j));
    // MONTH, MONTH_EUROPE and their abbreviations: a name of ASCII letters is the whole
    // word (each form wants \b or a blank before it and "\.?,? " after it), one of
    // kMonthNames in a case the regex allows. Not "e-mail ", "Maria, ", "Marketing ",
    // which begin like one.
    // Its first three letters first (kMonths), which most words that get here fail.
    if ((maybe & kMayBeMonth) && len >= 3 && len <= kLongestMonth && FollowedAsMonth(j) &&
        w.IsMonth(ToLower(c0), ToLower(t_[i + 1]), ToLower(t_[i + 2])) && MonthCase(i, j) &&
        w.month_names.Contains(t_ + i, len, true))
      Month(i);
    if ((maybe & kMayBeWww) && len == 3 && c0 == 'w' && t_[i + 1] == 'w' && t_[i + 2] == 'w' &&
        j < n_ && t_[j] == '.')
      Set(Hint::kUrl, i, n_);  // \bwww\.
    if (maybe & kMayBeCue) {
      const PackedWords::Key key = PackedWords::Pack(t_ + i, len, true);
      if (w.cues.Contains(key)) {
        Set(Hint::kNameCue, i, CueEnd(j));
        uint8_t& n = hints_.ncue_starts;
        if (n < Hints::kMaxCueStarts && i <= UINT32_MAX)
          hints_.cue_starts[n++] = static_cast<uint32_t>(i);
        else
          n = Hints::kManyCueStarts;
      }
      if (w.closings.Contains(key)) Set(Hint::kClosing, i, CueEnd(j));
    }
  }

  // Whether the word [i, j) is written as the regex writes a month: its first letter in
  // either case and the others small, or all in capitals.
  bool MonthCase(size_t i, size_t j) const {
    bool rest_lower = true, all_upper = Upper(t_[i]);
    for (size_t k = i + 1; k < j; ++k) {
      rest_lower = rest_lower && Lower(t_[k]);
      all_upper = all_upper && Upper(t_[k]);
    }
    return rest_lower || all_upper;
  }

  // Whether what the forms with a month name want after it, "\.?,? ", stands at j.
  bool FollowedAsMonth(size_t j) const {
    if (j < n_ && t_[j] == '.') ++j;
    if (j < n_ && t_[j] == ',') ++j;
    return j < n_ && t_[j] == ' ';
  }

  // A month name begins at i.
  void Month(size_t i) {
    if (month_lo_ == kNone) month_lo_ = i;
    month_hi_ = i;
  }

  // Where the match of a cue word ending at j can end at the latest: after a mark of
  // [:,.], blanks ([ \t] for most, \s for the closings), a second word (the "by" of
  // "signed by", the "you" of "thank you"), a mark and blanks again.
  size_t CueEnd(size_t j) const {
    auto mark = [&](size_t k) { return k < n_ && In(t_[k], kMarks) ? k + 1 : k; };
    auto blanks = [&](size_t k) {
      while (k < n_ && In(t_[k], kBlanks)) ++k;
      return k;
    };
    size_t k = blanks(mark(j));
    while (k < n_ && (kClasses[t_[k]] & kWordClass)) ++k;
    return blanks(mark(k));
  }

  // True if the word [i, j) is one of the shapes of kLetterDigits.
  bool LettersThenDigits(size_t i, size_t j) const {
    const size_t len = j - i;
    auto digits = [&](size_t from, size_t to) {
      for (size_t k = from; k < to; ++k)
        if (!Digit(t_[k])) return false;
      return true;
    };
    if (Upper(t_[i])) {
      if (Upper(t_[i + 1])) return len >= 7 && len <= 9 && digits(i + 2, j);
      return len <= 13 && digits(i + 1, j);
    }
    return len == 9 && digits(i, i + 3) && Upper(t_[i + 3]) && Upper(t_[i + 4]) &&
           digits(i + 5, j);
  }

  // A word of hex digits only.
  void HexWord(Span r) {
    const unsigned char sep = Joined(hex_, r);
    const size_t len = r.len(), prev = hex_.e == kNone ? 0 : hex_.len();
    // MAC: six pairs joined by ':' or '-', or three quads joined by '.'.
    pairs_ = len == 2 ? (prev == 2 && (sep == ':' || sep == '-') ? pairs_ + 1 : 1) : 0;
    quads_ = len == 4 ? (prev == 4 && sep == '.' ? quads_ + 1 : 1) : 0;
    // A match is the six pairs (or three quads) ending here.
    if (pairs_ >= 6) Set(Hint::kMac, Back(r.s, 15), r.e);
    if (quads_ >= 3) Set(Hint::kMac, Back(r.s, 10), r.e);
    hex_ = r;
  }

  void DigitRun(Span r) {
    runs_[3] = runs_[2];
    runs_[2] = runs_[1];
    runs_[1] = runs_[0];
    runs_[0] = r;
    const Span &r0 = runs_[0], &r1 = runs_[1], &r2 = runs_[2], &r3 = runs_[3];
    const size_t n0 = r0.len();
    const size_t n1 = r1.s == kNone ? 0 : r1.len();
    const size_t n2 = r2.s == kNone ? 0 : r2.len();
    const unsigned char j10 = Joined(r1, r0), j21 = Joined(r2, r1), j32 = Joined(r3, r2);
    if (n0 >= 4) run4_ = true;
    // DATE_TIME, a two-digit year with an English month's name: the year's run of 2
    // begins at most 18 bytes after the month's start ("September. 14th, '85"), which
    // is the last month before it (only the day and marks come between them), and the
    // day is the run before, either after the month or right before it, where the
    // match begins: joined to it by a blank, or by two letters (an ordinal's) and one
    // ("14th ").
    auto day_before_month = [&] {
      const size_t m = month_hi_;
      return r1.e < m && t_[m - 1] == ' ' &&
             (r1.e + 1 == m || (r1.e + 3 == m && Alpha(t_[r1.e]) && Alpha(t_[r1.e + 1])));
    };
    if (n0 == 2 && month_lo_ != kNone && r0.s <= month_hi_ + 18 && r1.s != kNone &&
        (r1.s > month_hi_ || day_before_month()))
      Set(Hint::kOtherDate, Back(month_hi_, 5), r0.e);
    // IBAN: \b[A-Za-z]{2}\d{2}
    // (at most 4 + 7 * 5 + 4 bytes).
    if (n0 >= 2 && r0.s >= 2 && Alpha(t_[r0.s - 1]) && Alpha(t_[r0.s - 2]))
      Set(Hint::kIban, r0.s - 2, Fwd(r0.s - 2, 43));
    // PHONE, trunk-0 form: \b0\d{2,4}[ \-]?\d{3,4}[ \-]?\d{3,4}\b, nine digits or more
    // in at most three runs joined by ' ' or '-', the first starting with 0 (and the
    // match with it, at most 15 bytes).
    if (t_[r0.s] == '0' && n0 >= 9) Set(Hint::kPhone, r0.s, Fwd(r0.s, 15));
    // PHONE, exit-code form: \b(?:00|011)[ .\-]?[1-9], then the international form after
    // its '+': a run that begins a word with 00 or 011 and goes on with a digit other
    // than 0, itself or after one separator ("14:30:00" and "00 00" do not), and at most
    // 40 bytes from it.
    if (t_[r0.s] == '0' && n0 >= 2 && (r0.s == 0 || !(kClasses[t_[r0.s - 1]] & kWordClass))) {
      const size_t code = t_[r0.s + 1] == '0' ? 2 : n0 >= 3 && t_[r0.s + 1] == '1' && t_[r0.s + 2] == '1' ? 3 : 0;
      const size_t next = n0 > code ? r0.s + code
                          : r0.e + 1 < n_ && In(t_[r0.e], kGroupSeps) ? r0.e + 1 : n_;
      if (code != 0 && next < n_ && Digit(t_[next]) && t_[next] != '0')
        Set(Hint::kPhone, r0.s, Fwd(r0.s, 40));
    }
    // PHONE, French form: \b0\d(?:[ .\-]\d{2}){4}\b, five pairs of digits joined by
    // one of ' ', '.', '-', the first starting with 0 (anywhere in a longer chain).
    pairs2_ = n0 == 2 ? (n1 == 2 && In(j10, kGroupSeps) ? pairs2_ + 1 : 1) : 0;
    if (pairs2_ > 0) pair_starts_[pairs2_ % 5] = r0.s;
    if (pairs2_ >= 5 && t_[pair_starts_[(pairs2_ - 4) % 5]] == '0')
      Set(Hint::kPhone, pair_starts_[(pairs2_ - 4) % 5], r0.e);
    // PHONE, Australian form: (?:\(0\d\)|\b0\d)[ \-]?\d{4}[ \-]?\d{4}\b: a run right after
    // a bracketed "(0d)" and its separator, and the 9 bytes from it (an unbracketed
    // "0d" is the trunk-0 form's runs); and the bracketed area code of two to four
    // digits, \(0\d{2,4}\)[ \-]?\d{3,4}[ \-]?\d{3,4}\b, the same from a "(0ddd)".
    if (n1 >= 2 && n1 <= 5 && t_[r1.s] == '0' && r1.s > 0 && t_[r1.s - 1] == '(' && r1.e < n_ &&
        t_[r1.e] == ')' && r0.s - r1.e <= 2)
      Set(Hint::kPhone, r1.s - 1, Fwd(r0.s, 9));
    // PHONE, grouped form (phone_grouped, a hint of its own: the other phone forms'
    // ranges are not searched for it): (?:\(0\d{1,4}\)|\b0\d{1,4})(?: - | / |-| )
    // \d{2,8}(?:[ \-]\d{1,4}){0,3}\b: a run of 2 to 5 beginning with 0, perhaps a ')',
    // then this run of 2 or more after ' ', '-', " - " or " / "; the match starts at
    // most 1 byte before the first run and ends at most 8 + 3 * 5 bytes after this one's
    // start.
    if (n1 >= 2 && n1 <= 5 && n0 >= 2 && t_[r1.s] == '0') {
      const size_t k = t_[r1.e] == ')' ? r1.e + 1 : r1.e;
      const size_t gap = r0.s - k;
      const bool joined =
          (gap == 1 && (t_[k] == ' ' || t_[k] == '-')) ||
          (gap == 3 && t_[k] == ' ' && (t_[k + 1] == '-' || t_[k + 1] == '/') && t_[k + 2] == ' ');
      if (joined) Set(Hint::kPhoneGrouped, Back(r1.s, 1), Fwd(r0.s, 23));
    }
    // Spanish ids: \b(?:[XYZ][ \-]?\d{7}|\d{8}|...)[ \-]?[A-Z]\b. The digits are a whole
    // run (after \b, X, Y, Z or a separator; before a separator or a letter) of 8, or
    // of 7 for an NIE, followed by a capital or by ' ' or '-' and a capital; the match
    // starts at most 2 bytes before the run and ends at most 2 after it.
    const bool letter_after =
        r0.e < n_ &&
        (Upper(t_[r0.e]) || (In(t_[r0.e], kSpaceDash) && r0.e + 1 < n_ && Upper(t_[r0.e + 1])));
    if ((n0 == 8 || n0 == 7) && letter_after) Set(Hint::kSpanishId, Back(r0.s, 2), Fwd(r0.e, 2));
    // Finnish id: \b\d{6}[+\-A-FU-Y]\d{3}[0-9A-FHJ-NPR-Y]\b, a whole run of 6 (after \b,
    // before the sign), the sign, a digit; 11 bytes from the run.
    if (n0 == 6 && r0.e + 1 < n_ && In(t_[r0.e], kFinnishSigns) && Digit(t_[r0.e + 1]))
      Set(Hint::kFinnishId, r0.s, Fwd(r0.s, 11));
    // UK_NINO: \b[A-Z]{2}(?: ?\d{2}){3} ?[A-D]\b: its first digits are a run right
    // after two capitals that begin a word (\b), or after those and a space; the match
    // starts at most 3 bytes before the run and is at most 13 long. Its six digits are
    // pairs, each after an optional space, so that run is 2, 4 or 6 long and, short of
    // 6, followed by ' ' and a digit (the next pair): two capitals and a number are
    // common in text ("HR 90.", "BP 155/81", an IBAN's "DE16" or "ES8279..."). In small
    // letters, \b[a-z]{2}(?: ?\d{2}){3} ?[a-d]\b, the same after two small letters.
    auto word_start = [&](size_t k) { return k == 0 || !(kClasses[t_[k - 1]] & kWordClass); };
    auto two_before = [&](bool (*letter)(unsigned char)) {
      return (r0.s >= 2 && letter(t_[r0.s - 1]) && letter(t_[r0.s - 2]) && word_start(r0.s - 2)) ||
             (r0.s >= 3 && t_[r0.s - 1] == ' ' && letter(t_[r0.s - 2]) && letter(t_[r0.s - 3]) &&
              word_start(r0.s - 3));
    };
    const bool pairs_go_on = n0 == 6 || ((n0 == 2 || n0 == 4) && r0.e + 1 < n_ && t_[r0.e] == ' ' &&
                                         Digit(t_[r0.e + 1]));
    if (pairs_go_on && (two_before(Upper) || two_before(Lower)))
      Set(Hint::kNino, Back(r0.s, 3), Fwd(r0.s, 10));
    // FR_NIR, kFrNirForms: each form ends with a run of 2 (the key) or of 8 (Corsica's
    // unspaced form).
    //  - grouped: the key joined by ' ' to two runs of 3 joined by ' ' (the 1 2 2 2 or
    //    1 2 2 2A before them are at most 11 bytes);
    //  - key apart: the key joined by ' ' to a run of 13, or to a run of 6 after 'A' or
    //    'B' right after a run of 6 (Corsica);
    //  - Corsica unspaced: a run of 8 after 'A' or 'B' right after a run of 6.
    auto corsican = [&](const Span& before, const Span& after) {
      return before.s != kNone && before.len() == 6 && after.s == before.e + 1 &&
             In(t_[before.e], kAB);
    };
    if (n0 == 8 && corsican(r1, r0)) Set(Hint::kFrNirForms, r1.s, r0.e);
    // The forms below join this run to the one before by one of ' ', '.', '-', '/'
    // (those above do not need it): most runs are not.
    // DATE_TIME: \d{1,2}-MON-(?:\d{4}|\d{2}): a run after '-', three letters, '-' and a digit
    if (r0.s >= 6 && t_[r0.s - 1] == '-' && Alpha(t_[r0.s - 2]) && Alpha(t_[r0.s - 3]) &&
        Alpha(t_[r0.s - 4]) && t_[r0.s - 5] == '-' && Digit(t_[r0.s - 6]))
      Set(Hint::kOtherDate, Back(r0.s - 5, 2), r0.e);
    if (!In(j10, kJoins)) return;
    // PHONE, German slash form: \b0\d{2,4}/\d{2,8}(?:[ \-]\d{1,5}){0,3}\b, a run of 3 to 5
    // beginning with 0 joined by '/' to this one, and at most 26 bytes from this one.
    if (j10 == '/' && t_[r1.s] == '0' && n1 >= 3 && n1 <= 5 && n0 >= 2)
      Set(Hint::kPhone, r1.s, Fwd(r0.s, 26));
    // PHONE, North American form: (?:\b1[ .\-]?)?(?:\(\d{3}\)[ .\-]?|\b\d{3}[ .\-])\d{3}[ .\-]\d{4}\b,
    // so a run of three after ')' or a separator, joined to a run of four (the match
    // starts at most 8 bytes before the three: "1-(415) ").
    if (In(j10, kGroupSeps) && n1 == 3 && n0 == 4 && r1.s > 0 && In(t_[r1.s - 1], kAfterAreaCode))
      Set(Hint::kPhone, Back(r1.s, 8), r0.e);
    // PHONE, trunk-0 form (see above), in two or three runs.
    if (In(j10, kSpaceDash) && t_[r1.s] == '0' && n1 + n0 >= 9)
      Set(Hint::kPhone, r1.s, Fwd(r1.s, 15));
    if (In(j10, kSpaceDash) && In(j21, kSpaceDash) && t_[r2.s] == '0' && n2 + n1 + n0 >= 9)
      Set(Hint::kPhone, r2.s, Fwd(r2.s, 15));
    // SSN/ITIN: \d{3}-\d{2}-\d{4} (or with ' ' or '.', the same twice)
    if (j21 != 0 && j21 == j10 && In(j10, kGroupSeps) && n2 >= 3 && n1 == 2 && n0 >= 4)
      Set(Hint::kNineGrouped, r2.s, r0.e);
    // Cards: \b\d{4}(?:[ .\-]\d{4}){3}(?:[ .\-]\d{3})?\b, \b\d{4}[ .\-]\d{6}[ .\-]\d{4,5}\b,
    // \b\d{4}[ .\-]\d{4}[ .\-](?:\d{4}[ .\-]\d|\d{5})\b
    if (In(j21, kGroupSeps) && In(j10, kGroupSeps) && n2 == 4) {
      if (n1 == 4 && (n0 == 4 || n0 == 1) && In(j32, kGroupSeps) && r3.len() == 4)
        Set(Hint::kCardGrouped, r3.s, Fwd(r0.e, 4));  // and perhaps [ .\-]\d{3}
      if (n1 == 6 && (n0 == 4 || n0 == 5)) Set(Hint::kCardGrouped, r2.s, r0.e);
      if (n1 == 4 && n0 == 5) Set(Hint::kCardGrouped, r2.s, r0.e);
    }
    // IPv4: (?:\d{1,3}\.){3}\d{1,3}
    if (j32 == '.' && j21 == '.' && j10 == '.' && n2 <= 3 && n1 <= 3) Set(Hint::kIpv4, r3.s, r0.e);
    // DATE: \d{4}-\d{2}-\d{2} (and a time of at most 25 bytes), \d{4}/\d{1,2}/\d{1,2},
    // \d{1,2}[/\-.]\d{1,2}[/\-.]\d{4}
    if (j21 == '-' && j10 == '-' && n2 >= 4 && n1 == 2 && n0 >= 2)
      Set(Hint::kDate, r2.s, Fwd(r0.e, 26));
    if ((j21 == '/' && j10 == '/' && n2 >= 4 && n1 <= 2) ||
        (In(j21, kDateSeps) && In(j10, kDateSeps) && n2 <= 2 && n1 <= 2 && n0 >= 4))
      Set(Hint::kDate, r2.s, r0.e);
    // DATE_TIME's other forms: \d{4}-(?:\d-\d{1,2}|\d{2}-\d), \d{4}\.\d{1,2}\.\d{1,2},
    // \d{1,2}([/.-])\d{1,2}\1\d{2} (a two-digit year)
    if ((j21 == '-' && j10 == '-' && n2 >= 4 && (n1 == 1 || (n1 == 2 && n0 == 1))) ||
        (j21 == '.' && j10 == '.' && n2 >= 4 && n1 <= 2) ||
        (In(j21, kDateSeps) && j10 == j21 && n2 <= 2 && n1 <= 2 && n0 == 2))
      Set(Hint::kOtherDate, r2.s, r0.e);
    // ABA routing, formatted: \b[0-36-8]\d{3}-\d{4}-\d\b
    if (j21 == '-' && j10 == '-' && n2 == 4 && n1 == 4 && n0 == 1)
      Set(Hint::kAbaFormatted, r2.s, r0.e);
    // The NIF grouped by dots, \d{2}\.\d{3}\.\d{3} and the letter: whole runs of 2, 3
    // and 3 joined by '.', the last followed as above.
    if (n0 == 3 && n1 == 3 && n2 == 2 && j10 == '.' && j21 == '.' && letter_after)
      Set(Hint::kSpanishId, r2.s, Fwd(r0.e, 2));
    // FR_NIR grouped and key apart (see above).
    if (n0 == 2 && j10 == ' ') {
      if (n1 == 3 && j21 == ' ' && n2 == 3) Set(Hint::kFrNirForms, Back(r2.s, 11), r0.e);
      if (n1 == 13) Set(Hint::kFrNirForms, r1.s, r0.e);
      if (n1 == 6 && corsican(r2, r1)) Set(Hint::kFrNirForms, r2.s, r0.e);
    }
    // NL_BSN dotted: \b\d{4}\.\d{2}\.\d{3}\b, \b\d{3}\.\d{3}\.\d{3}\b, three whole runs
    // joined by '.'.
    if (n0 == 3 && j10 == '.' && j21 == '.' && ((n2 == 4 && n1 == 2) || (n2 == 3 && n1 == 3)))
      Set(Hint::kBsnDotted, r2.s, r0.e);
    // DE_TAX_ID grouped: \b[1-9]\d \d{3} \d{3} \d{3}\b, four whole runs of 2, 3, 3, 3
    // joined by ' '.
    if (n0 == 3 && n1 == 3 && n2 == 3 && j10 == ' ' && j21 == ' ' && j32 == ' ' && r3.len() == 2)
      Set(Hint::kDeTaxIdGrouped, r3.s, r0.e);
  }

  const Words& w_;  // GetWords(), once per text: its guard cost a call per word
  const unsigned char* t_;
  size_t n_;
  Hints& hints_;
  Span runs_[4];       // the last digit runs, newest first
  Span hex_;           // the last word of hex digits
  int pairs_ = 0;      // hex words of two joined by ':' or '-' up to the last one
  int quads_ = 0;      // hex words of four joined by '.' up to the last one
  int pairs2_ = 0;     // digit runs of two joined by ' ', '.' or '-' up to the last one
  size_t pair_starts_[5] = {};  // where the last five of them start (by pairs2_ % 5)
  size_t colon_ = kNone;
  size_t month_lo_ = kNone, month_hi_ = 0;  // the first and last month's start
  bool run4_ = false, fold_ = false;
};

}  // namespace

Hints BuiltinHints(std::string_view text) {
  Hints hints;
  Scanner(text, &hints).Run();
  return hints;
}

int HintOfPattern(std::string_view name) {
  static const struct {
    const char* name;
    Hint hint;
  } kTable[] = {
      {"email", Hint::kEmail},
      {"url", Hint::kUrl},
      {"phone", Hint::kPhone},
      {"nhs_grouped", Hint::kPhone},
      {"phone_grouped", Hint::kPhoneGrouped},
      {"ssn_formatted", Hint::kNineGrouped},
      {"itin_formatted", Hint::kNineGrouped},
      {"ssn_plain", Hint::kDigitRun},
      {"phone_plain", Hint::kDigitRun},
      {"itin_plain", Hint::kDigitRun},
      {"card_plain", Hint::kDigitRun},
      {"bank_account", Hint::kDigitRun},
      {"aba_plain", Hint::kDigitRun},
      {"passport_digits", Hint::kDigitRun},
      {"driver_license_digits", Hint::kDigitRun},
      {"npi", Hint::kDigitRun},
      {"nhs_plain", Hint::kDigitRun},
      {"pl_pesel", Hint::kDigitRun},
      {"de_tax_id", Hint::kDigitRun},
      {"fr_nir_plain", Hint::kDigitRun},
      {"nl_bsn", Hint::kDigitRun},
      {"es_nif", Hint::kSpanishId},
      {"es_nie", Hint::kSpanishId},
      {"it_fiscal_code", Hint::kItalianFiscalCode},
      {"it_fiscal_code_lower", Hint::kItalianFiscalCode},
      {"fi_personal_identity_code", Hint::kFinnishId},
      {"uk_nino", Hint::kNino},
      {"uk_nino_lower", Hint::kNino},
      {"fr_nir_forms", Hint::kFrNirForms},
      {"de_tax_id_grouped", Hint::kDeTaxIdGrouped},
      {"nl_bsn_dotted", Hint::kBsnDotted},
      {"card_grouped", Hint::kCardGrouped},
      {"iban", Hint::kIban},
      {"ipv4", Hint::kIpv4},
      {"ipv6", Hint::kIpv6},
      {"mac", Hint::kMac},
      {"date", Hint::kDate},
      {"date_other", Hint::kOtherDate},
      {"date_short_year", Hint::kOtherDate},
      {"date_compact", Hint::kDigitRun},
      {"aba_formatted", Hint::kAbaFormatted},
      {"passport_next_gen", Hint::kLetterDigits},
      {"driver_license_alnum", Hint::kLetterDigits},
      {"crypto", Hint::kCrypto},
      {"person_honorific", Hint::kHonorific},
      {"person_cue", Hint::kNameCue},
      {"person_closing", Hint::kClosing},
  };
  for (const auto& e : kTable)
    if (name == e.name) return static_cast<int>(e.hint);
  return -1;
}

}  // namespace comply::pii
