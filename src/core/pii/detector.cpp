// The detection engine: per window of input, a pass of our own over its bytes tells which
// built-in regexes may occur (prefilter.h) and an RE2::Set pass which custom ones do;
// only those are searched for spans, validated, scored with context and resolved.
#include "core/pii/detector.h"

#include <re2/re2.h>
#include <re2/set.h>
#include <unicode/uchar.h>
#include <unicode/utf8.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <algorithm>
#include <array>
#include <limits>
#include <map>
#include <cctype>
#include <cmath>
#include <cstring>
#include <fstream>
#include <iterator>
#include <set>
#include <unordered_map>

#include "core/error.h"
#include "core/pii/matchers.h"
#include "core/pii/prefilter.h"
#include "core/pii/recognizers.h"
#include "core/pii/word_set.h"
#include "core/utf8.h"

namespace comply::pii {
namespace {

// Input is scanned in windows so that cancellation is polled and a pattern that
// straddles a window edge is still found: each window is searched kWindowMargin bytes
// past its end, and only matches that start inside it are kept.
constexpr size_t kWindowBytes = 64 * 1024;
constexpr size_t kWindowMargin = 2048;
// Memory budget for the combined set's DFA; over it, every pattern is searched.
constexpr int64_t kSetMaxMem = 64 << 20;
// Groups whose search state lives on the stack (more than the built-in ones).
constexpr size_t kStackGroups = 64;
// Longest span a tail regex (a name after its cue) may cover.
constexpr size_t kMaxTailBytes = 256;
// Shorter matches tried from the start of a rejected one (Scan).
constexpr int kShorterTries = 3;
// Bytes around a candidate searched for context words.
constexpr size_t kContextMaxBytes = 96;

// One recognizer: what a match of its regex means.
struct Pattern {
  std::string entity;
  double base_score;
  double valid_score;
  ValidateFn validate;
  RefineFn refine;
  std::vector<std::string> context;
  // Set by Impl::Add: context ordered by length (a length of 63 or more counts as 63), the
  // start of each length's words in it (by_length[n] to by_length[n + 1]), and for each
  // length the FirstBit of its words' first bytes, so that a word near a candidate is
  // compared only with the context words of its length, and only when one of them begins
  // as it does (HasContext runs for every candidate); the two scores with the context
  // boost; and whether entity is PERSON.
  std::vector<std::string> context_by_length;
  uint32_t by_length[65] = {};
  uint32_t first_bytes[64] = {};
  double boosted_base = 0, boosted_valid = 0;
  bool person = false;
  bool after_cue = false;  // a name after a cue or a title (NameForm::kAfterCue)
};

// The length bucket of Pattern::context_by_length for a word of n bytes.
inline size_t LengthBucket(size_t n) { return std::min<size_t>(n, 63); }

// The bit of Pattern::first_bytes for a word w of n bytes: its first byte's low five bits
// (the byte lower-cased, as HasContext compares it), or bit 0 for an empty word.
inline uint32_t FirstBit(const char* w, size_t n) {
  return n == 0 ? 1u : uint32_t{1} << (static_cast<unsigned char>(w[0]) & 31);
}

// A score raised by the context boost: sums such as 0.3 + 0.35 are rounded so that a
// threshold equal to them holds.
double Boosted(double score) {
  return std::min(std::round((score + kContextBoost) * 1e6) / 1e6, 1.0);
}

// One compiled regex and the recognizers that read its matches (several recognizers
// share the regex of a plain digit run, so it is searched once, not once each).
struct Group {
  std::unique_ptr<RE2> re;
  std::unique_ptr<RE2> tail;    // see PatternDef::tail; may be null
  int ngroups;                  // 0, or 1 when group 1 is the span
  std::vector<size_t> members;  // indexes into Impl::patterns
  int hint;                     // a built-in regex's Hint; -1: searched when the set says
  // A built-in regex's hand matcher (matchers.h), searched in place of re; null: re.
  MatcherFn matcher = nullptr;
  // One for its common forms (matchers.h), searched before re, which searches when it
  // cannot tell; may be null.
  PartialMatcherFn partial = nullptr;
  // tail's form for MatchName (matchers.h), which matches it where it can tell (names of
  // ASCII letters) instead of tail; kNone: tail only.
  NameForm tail_form = NameForm::kNone;
};

// Returns RE2 options shared by every pattern (UTF-8, no logging of bad patterns).
RE2::Options PatternOptions() {
  RE2::Options o;
  o.set_encoding(RE2::Options::EncodingUTF8);
  o.set_log_errors(false);
  o.set_max_mem(64 << 20);
  return o;
}

// Offset of the UTF-8 character after the one starting at i.
size_t NextCharStart(std::string_view text, size_t i) {
  ++i;
  while (i < text.size() && (static_cast<unsigned char>(text[i]) & 0xC0) == 0x80) ++i;
  return i;
}

// ASCII classification without the C locale's table lookups (this is the hot path).
bool IsAsciiAlpha(unsigned char c) { return (c | 0x20) >= 'a' && (c | 0x20) <= 'z'; }
bool IsAsciiAlnum(unsigned char c) { return IsAsciiAlpha(c) || (c >= '0' && c <= '9'); }
char AsciiToLower(unsigned char c) { return static_cast<char>(c >= 'A' && c <= 'Z' ? c | 0x20 : c); }

// The bytes of a word for context words (IsWordByte), by byte: HasContext reads every
// byte around each candidate.
constexpr std::array<bool, 256> kWordBytes = [] {
  std::array<bool, 256> t{};
  for (int c = 0; c < 256; ++c)
    t[c] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '#' ||
           c == '\'' || c >= 0x80;
  return t;
}();

bool IsWordByte(unsigned char c) { return kWordBytes[c]; }

// Lower-cases ASCII letters of s.
std::string AsciiLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = AsciiToLower(static_cast<unsigned char>(c));
  return out;
}

// True if one of the words of name (a column's or a key's name: split at every byte
// that is not an ASCII letter or digit, between a lower-case and an upper-case letter,
// before the last capital of a run of them followed by a lower-case letter ("SSNNumber"),
// and between letters and digits), or a run of them written together, is in context
// ("social_security_number", "socialSecurityNumber" as "socialsecuritynumber"). "id"
// alone never counts ("order_id"); in a run it does ("steuer_id" as "steuerid").
bool NameHasContext(std::string_view name, const std::vector<std::string>& context) {
  if (name.empty() || context.empty()) return false;
  auto kind = [](unsigned char c) {
    return (c >= 'a' && c <= 'z') ? 1 : (c >= 'A' && c <= 'Z') ? 2 : (c >= '0' && c <= '9') ? 3 : 0;
  };
  // The words' spans (the first kMaxWords: a name is a handful).
  constexpr size_t kMaxWords = 8;
  size_t word_begin[kMaxWords], word_end[kMaxWords], words = 0;
  size_t i = 0;
  while (i < name.size() && words < kMaxWords) {
    while (i < name.size() && kind(static_cast<unsigned char>(name[i])) == 0) ++i;
    size_t j = i;
    while (j < name.size()) {
      const int k = kind(static_cast<unsigned char>(name[j]));
      if (k == 0) break;
      if (j > i) {
        const int prev = kind(static_cast<unsigned char>(name[j - 1]));
        if ((prev == 1 && k == 2) || (prev == 3) != (k == 3)) break;  // camelCase, digits
        // An acronym before a capitalised word: "SSNNumber" as "SSN", "Number".
        if (prev == 2 && k == 2 && j + 1 < name.size() &&
            kind(static_cast<unsigned char>(name[j + 1])) == 1)
          break;
      }
      ++j;
    }
    if (j > i) {
      word_begin[words] = i;
      word_end[words++] = j;
    }
    i = j;
  }
  // Whether words [first, last] written together, lower case, are c.
  auto run_is = [&](size_t first, size_t last, const std::string& c) {
    size_t n = 0;
    for (size_t w = first; w <= last; ++w)
      for (size_t b = word_begin[w]; b < word_end[w]; ++b, ++n)
        if (n >= c.size() || AsciiToLower(static_cast<unsigned char>(name[b])) != c[n]) return false;
    return n == c.size();
  };
  for (size_t first = 0; first < words; ++first) {
    for (size_t last = first; last < words; ++last) {
      if (last == first && word_end[first] - word_begin[first] == 2 && (name[word_begin[first]] | 0x20) == 'i' &&
          (name[word_begin[first] + 1] | 0x20) == 'd')
        continue;
      for (const std::string& c : context)
        if (run_is(first, last, c)) return true;
    }
  }
  return false;
}

// The words that name an identifier itself, which a column or a key named for it holds
// ("customer_nif", "pesel"): not the broader context words of a text ("account",
// "security", "tax", "id"), which are common in names of other things.
const std::vector<std::string>& NameWords(std::string_view entity) {
  // Never destroyed (nor kNone): see kDateContext in recognizers.cpp.
  using Names = std::vector<std::pair<std::string_view, std::vector<std::string>>>;
  static const Names& kNames = *new Names{
      {"US_SSN", {"ssn", "ssns", "ssnumber", "socialsecurity", "socialsecuritynumber", "socialsecurityno"}},
      {"US_ITIN", {"itin", "taxpayeridentificationnumber"}},
      {"PHONE_NUMBER", {"phone", "phones", "telephone", "tel", "mobile", "cell", "cellphone", "fax",
                        "phonenumber", "mobilenumber", "telephonenumber", "msisdn"}},
      {"DATE_TIME", {"dob", "birthdate", "dateofbirth", "birthday", "bday", "born", "geburtsdatum",
                     "geboortedatum", "datedenaissance", "naissance", "fechadenacimiento",
                     "nacimiento", "datadinascita"}},
      {"UK_NHS", {"nhs", "nhsnumber", "nhsno"}},
      {"US_NPI", {"npi"}},
      {"ES_NIF", {"nif", "dni"}},
      {"ES_NIE", {"nie"}},
      {"PL_PESEL", {"pesel"}},
      {"FI_PERSONAL_IDENTITY_CODE", {"hetu", "henkilotunnus"}},
      {"UK_NINO", {"nino", "nationalinsurance", "nationalinsurancenumber", "nationalinsuranceno"}},
      {"DE_TAX_ID", {"steuerid", "idnr", "steueridentifikationsnummer", "identifikationsnummer"}},
      {"FR_NIR", {"nir", "insee"}},
      {"NL_BSN", {"bsn", "burgerservicenummer", "sofinummer"}},
  };
  static const std::vector<std::string>& kNone = *new std::vector<std::string>;
  for (const auto& [e, words] : kNames)
    if (e == entity) return words;
  return kNone;
}

// Whether a name (DetectOptions::context) counts for the candidate [begin, end) of a
// pattern of entity: when the candidate is the whole text (blanks aside: a value stored
// alone under the name), the name is not too long to be one, and one of its words names
// the identifier (NameWords).
bool NameCounts(std::string_view name, std::string_view text, size_t begin, size_t end,
                std::string_view entity) {
  if (name.empty() || name.size() > 256) return false;
  auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  for (size_t i = 0; i < begin; ++i)
    if (!blank(text[i])) return false;
  for (size_t i = end; i < text.size(); ++i)
    if (!blank(text[i])) return false;
  return NameHasContext(name, NameWords(entity));
}

// The names of a person's name, or a part of it, as a column or a key is named for it
// ("first_name", "lastName", "patient_name", "Nachname"): not "name" alone (a product's,
// a company's), nor "username" (a login).
const std::vector<std::string>& PersonNameWords() {
  static const std::vector<std::string>& kWords = *new std::vector<std::string>{
      "firstname", "lastname", "surname", "surnames", "givenname", "givennames", "familyname",
      "middlename", "maidenname", "fullname", "forename", "forenames", "patientname",
      "customername", "clientname", "personname", "contactname", "employeename", "membername",
      "holdername", "cardholder", "cardholdername", "accountholder", "accountholdername",
      "spousename", "guardianname", "mothersname", "fathersname", "mothername", "fathername",
      "nachname", "vorname", "vornamen", "familienname", "geburtsname", "apellido", "apellidos",
      "prenom", "nomdefamille", "voornaam", "achternaam", "cognome"};
  return kWords;
}

// Whether name may be one of PersonNameWords' (a word or a run of them): it holds "name",
// "naam", "nom", "holder" or "apellido", in any case.
bool MayNamePersonName(std::string_view name) {
  auto at = [&](size_t i, std::string_view w) {
    if (i + w.size() > name.size()) return false;
    for (size_t k = 0; k < w.size(); ++k)
      if ((name[i + k] | 0x20) != w[k]) return false;
    return true;
  };
  for (size_t i = 0; i + 3 <= name.size(); ++i) {
    const char c = static_cast<char>(name[i] | 0x20);
    if ((c == 'n' && (at(i, "name") || at(i, "naam") || at(i, "nom"))) ||
        (c == 'h' && at(i, "holder")) || (c == 'a' && at(i, "apellido")))
      return true;
  }
  return false;
}

bool IsNameLikeStopword(std::string_view w);  // (below, with TrimNameSpan)

// Whether the whole of text (blanks around aside) reads as a person's name, in any case:
// one to six words of letters (combining marks after them), joined by blanks, a word
// holding '-', an apostrophe or a trailing '.' (an initial) or ',' ("Garcia, Maria")
// inside or after its letters; at most 128 bytes, not every word a name stopword ("N/A",
// "Unknown", "None": no name), none of several words one that is no name ("see the
// form"; "An" of "Nguyen Van An" is), no digit, no bracket (a label put there before).
bool WholeTextIsName(std::string_view text, size_t* begin, size_t* end) {
  size_t b = 0, e = text.size();
  auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  while (b < e && blank(text[b])) ++b;
  while (e > b && blank(text[e - 1])) --e;
  if (e == b || e - b > 128) return false;
  int words = 0;
  bool any_name_word = false, function_word = false;
  size_t i = b;
  while (i < e) {
    const size_t w = i;
    size_t letters = 0;
    bool ended = false;  // after a '.' or ','
    while (i < e && !blank(text[i])) {
      const unsigned char c = static_cast<unsigned char>(text[i]);
      if (ended) return false;
      if (c < 0x80) {
        if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') {
          ++letters;
        } else if ((c == '-' || c == '\'') && letters > 0 && i + 1 < e && !blank(text[i + 1])) {
        } else if ((c == '.' || c == ',') && letters > 0) {
          ended = true;
        } else {
          return false;
        }
        ++i;
        continue;
      }
      int32_t at = static_cast<int32_t>(i);
      UChar32 cp = 0;
      U8_NEXT(reinterpret_cast<const uint8_t*>(text.data()), at, static_cast<int32_t>(e), cp);
      if (cp < 0) return false;
      const int32_t mask = U_GET_GC_MASK(cp);
      if (mask & U_GC_L_MASK) {
        ++letters;
      } else if ((mask & U_GC_M_MASK) && letters > 0) {
      } else if (cp == 0x2019 && letters > 0) {  // ’
      } else {
        return false;
      }
      i = static_cast<size_t>(at);
    }
    if (letters == 0 || ++words > 6) return false;
    std::string_view word = text.substr(w, i - w);
    while (!word.empty() && (word.back() == '.' || word.back() == ',')) word.remove_suffix(1);
    char buffer[129];  // (a word is at most 128 bytes)
    std::memcpy(buffer, word.data(), word.size());
    if (buffer[0] >= 'a' && buffer[0] <= 'z') buffer[0] = static_cast<char>(buffer[0] - 32);
    const std::string_view capitalised(buffer, word.size());
    const bool stop = IsNameStopword(capitalised);
    any_name_word = any_name_word || !stop;
    function_word = function_word || (stop && !IsNameLikeStopword(capitalised));
    while (i < e && blank(text[i])) ++i;
  }
  // A phrase ("see the attached form", "Not Applicable") is no name.
  if (!any_name_word || (words > 1 && function_word)) return false;
  *begin = b;
  *end = e;
  return true;
}

// True if one of the words near [begin, end) is in context.
// The length of the punctuation mark that begins (at_end: ends) w, or 0: '#', ':', and
// the non-ASCII marks a word processor or a form puts around a label: Latin-1's
// (\u00ab, \u00bb, \u00bf ...), the general punctuation block's (curly quotes, "...",
// dashes), arrows, CJK brackets.
size_t PunctuationAt(std::string_view w, bool at_end) {
  if (w.empty()) return 0;
  const unsigned char c = static_cast<unsigned char>(at_end ? w.back() : w.front());
  if (c == '#' || c == ':') return 1;
  if (w.size() >= 2) {
    const unsigned char b0 = static_cast<unsigned char>(at_end ? w[w.size() - 2] : w[0]);
    const unsigned char b1 = static_cast<unsigned char>(at_end ? w[w.size() - 1] : w[1]);
    if (b0 == 0xC2 && b1 >= 0xA1 && b1 <= 0xBF) return 2;
  }
  if (w.size() >= 3) {
    const unsigned char b0 = static_cast<unsigned char>(at_end ? w[w.size() - 3] : w[0]);
    const unsigned char b1 = static_cast<unsigned char>(at_end ? w[w.size() - 2] : w[1]);
    const unsigned char b2 = static_cast<unsigned char>(at_end ? w[w.size() - 1] : w[2]);
    const bool general = b0 == 0xE2 && (b1 == 0x80 || (b1 == 0x81 && b2 <= 0xAF));  // U+2000..U+206F
    const bool arrows = b0 == 0xE2 && (b1 == 0x86 || b1 == 0x87) && (b1 == 0x87 || b2 >= 0x90);
    const bool cjk = b0 == 0xE3 && b1 == 0x80;                                        // U+3000..U+303F
    if (general || arrows || cjk) return 3;
  }
  return 0;
}

bool HasContext(std::string_view text, size_t begin, size_t end, const Pattern& p) {
  if (p.context.empty()) return false;
  // Compares in place (no copies): this runs for every candidate.
  auto matches_as_is = [&](std::string_view w) {
    while (!w.empty() && (w.back() == ':' || w.back() == '\'')) w.remove_suffix(1);
    if (w.size() > 2 && (w.substr(w.size() - 2) == "'s" || w.substr(w.size() - 2) == "'S"))
      w.remove_suffix(2);
    const size_t n = LengthBucket(w.size());
    const char first = w.empty() ? 0 : AsciiToLower(static_cast<unsigned char>(w[0]));
    if (!(p.first_bytes[n] & FirstBit(&first, w.size()))) return false;  // none begins so
    for (size_t k = p.by_length[n]; k < p.by_length[n + 1]; ++k) {
      const std::string& c = p.context_by_length[k];
      if (c.size() != w.size()) continue;
      size_t i = 0;
      while (i < w.size() && AsciiToLower(static_cast<unsigned char>(w[i])) == c[i]) ++i;
      if (i == w.size()) return true;
    }
    return false;
  };
  // A label glued to its punctuation ("SSN#", "\u201cSSN\u201d", "SSN\u2026"): also
  // without it, when the word as written is none ("ss#" is one).
  auto matches = [&](std::string_view w) {
    if (matches_as_is(w)) return true;
    const size_t size = w.size();
    for (size_t n; (n = PunctuationAt(w, true)) > 0 && n < w.size();) w.remove_suffix(n);
    for (size_t n; (n = PunctuationAt(w, false)) > 0 && n < w.size();) w.remove_prefix(n);
    return w.size() != size && matches_as_is(w);
  };
  // Words before the candidate.
  size_t pos = begin;
  size_t limit = begin > kContextMaxBytes ? begin - kContextMaxBytes : 0;
  for (int n = 0; n < kContextWordsBefore && pos > limit; ++n) {
    while (pos > limit && !IsWordByte(text[pos - 1])) --pos;
    size_t wend = pos;
    while (pos > limit && IsWordByte(text[pos - 1])) --pos;
    if (wend > pos && matches(text.substr(pos, wend - pos))) return true;
  }
  // A context word written with dots or hyphens ("D.O.B.", "e-mail", "S.S.N."), just
  // before the candidate: compared without them.
  {
    size_t p = begin;
    while (p > limit && !IsWordByte(text[p - 1]) && text[p - 1] != '.') --p;
    const size_t wend = p;
    bool dotted = false;
    while (p > limit && (IsWordByte(text[p - 1]) || text[p - 1] == '.' || text[p - 1] == '-')) {
      dotted = dotted || !IsWordByte(text[p - 1]);
      --p;
    }
    if (dotted && wend - p <= 24) {  // (otherwise the words above were these)
      char word[24];
      size_t n = 0;
      for (size_t i = p; i < wend; ++i)
        if (text[i] != '.' && text[i] != '-') word[n++] = text[i];
      if (n > 0 && matches(std::string_view(word, n))) return true;
    }
  }
  // Words after it.
  pos = end;
  limit = std::min(text.size(), end + kContextMaxBytes);
  for (int n = 0; n < kContextWordsAfter && pos < limit; ++n) {
    while (pos < limit && !IsWordByte(text[pos])) ++pos;
    size_t wbegin = pos;
    while (pos < limit && IsWordByte(text[pos])) ++pos;
    if (pos > wbegin && matches(text.substr(wbegin, pos - wbegin))) return true;
  }
  return false;
}

// The bytes MayHoldBuiltin looks for, by byte: one load for each byte of a short value,
// where it compared the byte with seven ranges and values.
constexpr std::array<bool, 256> kMayHoldBytes = [] {
  std::array<bool, 256> t{};
  for (int c = 0; c < 256; ++c)
    t[c] = (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || c >= 0x80 || c == '@' || c == ':' ||
           c == '.' || c == '-';
  return t;
}();

// True if a built-in recognizer may find something in text. Each one's match holds a
// digit (numbers, dates, IBANs, crypto addresses), '@' (e-mail), ':' or '.' (URLs, IPv6,
// MAC addresses), '-' (MAC addresses of letters a-f), or a capital letter, ASCII or not
// (names: after a cue, an honorific or a listed first name, a name starts with one), or
// is a word of 16 small letters (a codice fiscale in small letters whose digits are all
// written as omocodia letters, "rssmrasptlamvcfs"): a text with none of these, nor any
// byte above 0x7F, holds nothing to find (a tag, an enum value, a word of a jsonb
// document). Tested against the full scan.
bool MayHoldBuiltin(std::string_view text) {
  size_t small_letters = 0;
  for (char ch : text) {
    const unsigned char c = static_cast<unsigned char>(ch);
    if (kMayHoldBytes[c]) return true;
    small_letters = c >= 'a' && c <= 'z' ? small_letters + 1 : 0;
    if (small_letters == 16) return true;
  }
  return false;
}

// Whether a hint's range (BuiltinHints) begins where its condition found the start of a
// match's first token (a run of digits, a cue word, an e-mail's local part), not some
// bytes before it: the range's first match then mostly begins there, and an anchored
// search finds it in one pass. The findings never depend on this list (a range whose
// start is no match's is searched on from its next character), only the number of
// searches: a hint missing here is searched unanchored, one listed wrongly costs one
// anchored search that fails at its range's start.
bool StartsAtHint(int h) {
  switch (static_cast<Hint>(h)) {
    case Hint::kEmail:
    case Hint::kNineGrouped:
    case Hint::kDigitRun:
    case Hint::kCardGrouped:
    case Hint::kIban:
    case Hint::kIpv4:
    case Hint::kAbaFormatted:
    case Hint::kLetterDigits:
    case Hint::kCrypto:
    case Hint::kHonorific:
    case Hint::kNameCue:
    case Hint::kClosing:
    case Hint::kItalianFiscalCode:
    case Hint::kBsnDotted:
    case Hint::kDeTaxIdGrouped:
      return true;
    default:  // a range from some bytes before its token: phone numbers, dates, NINO...
      return false;
  }
}

// Drops name-cue stopwords from both ends of a PERSON span; false if nothing is left.
// Candidates room is made for at the first one: a text's few candidates otherwise grew
// their vector one reallocation at a time (1, 2, 4, 8 ...).
constexpr size_t kFirstCandidates = 16;

// Appends f to the candidates out.
void AddCandidate(std::vector<Finding>* out, const Finding& f) {
  if (out->capacity() == 0) out->reserve(kFirstCandidates);
  out->push_back(f);
}

// span.find_first_of(" \t") and span.find_last_of(" \t"), without a memchr call for each
// byte of span (TrimNameSpan runs for every name candidate).
size_t FirstBlank(std::string_view span) {
  for (size_t i = 0; i < span.size(); ++i)
    if (span[i] == ' ' || span[i] == '\t') return i;
  return std::string_view::npos;
}
size_t LastBlank(std::string_view span) {
  for (size_t i = span.size(); i > 0; --i)
    if (span[i - 1] == ' ' || span[i - 1] == '\t') return i - 1;
  return std::string_view::npos;
}

// Stopwords that are also names ("An", "On", "Na": Vietnamese, Korean and Chinese
// names), kept in a name after a cue: first before another word of the name, last where
// no word follows ("Name: Nguyen Van An", "Dear Le An,", "Mr. An Nguyen" lost them).
bool IsNameLikeStopword(std::string_view w) {
  return w.size() == 2 && ((w[0] == 'A' && (w[1] == 'n' || w[1] == 'N')) ||
                           (w[0] == 'O' && (w[1] == 'n' || w[1] == 'N')) ||
                           (w[0] == 'N' && (w[1] == 'a' || w[1] == 'A')));
}

// Whether no word follows text[at...] on its line: the end of the text, a line or a
// clause, no word the last one could be the article or preposition of.
bool NoWordAfter(std::string_view text, size_t at) {
  while (at < text.size() && (text[at] == ' ' || text[at] == '\t')) ++at;
  if (at == text.size()) return true;
  const auto c = static_cast<unsigned char>(text[at]);
  return !(c >= 0x80 || (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z'));
}

bool TrimNameSpan(std::string_view text, size_t* begin, size_t* end, bool after_cue) {
  bool lead_trimmed = false;  // (not after a first word dropped: "Dear Sir On Call")
  for (;;) {
    std::string_view span = text.substr(*begin, *end - *begin);
    size_t sp = FirstBlank(span);
    std::string_view first = span.substr(0, sp);
    const bool name_like = after_cue && !lead_trimmed && sp != std::string_view::npos;
    if ((IsNameStopword(first) && !(name_like && IsNameLikeStopword(first))) ||
        (first.size() == 2 && first[1] == '.' && sp == std::string_view::npos)) {
      lead_trimmed = true;
      if (sp == std::string_view::npos) return false;
      *begin += sp;
      while (*begin < *end && (text[*begin] == ' ' || text[*begin] == '\t')) ++*begin;
      continue;
    }
    size_t lsp = LastBlank(span);
    if (lsp == std::string_view::npos) return !IsNameStopword(span);
    std::string_view last = span.substr(lsp + 1);
    if (IsNameStopword(last) && !(after_cue && IsNameLikeStopword(last) && NoWordAfter(text, *end))) {
      *end = *begin + lsp;
      while (*end > *begin && (text[*end - 1] == ' ' || text[*end - 1] == '\t')) --*end;
      continue;
    }
    return true;
  }
}

// Where a group is searched: over [from, to) of the text, for matches that end by
// last_end (a built-in regex's hint range holds every match of it, so a search from
// last_end on can only fail: no built-in regex matches the empty text or a single
// character, see detector_test's BuiltinRegexesMatchNeitherNothingNorOneCharacter). When
// start_known, a match that begins at from, if there is one, is the first: it is
// matched anchored there (RE2 then runs one automaton forward instead of one forward
// to find its end and one backward to find its start).
struct SearchRange {
  size_t from;
  size_t to;
  size_t last_end;
  bool start_known;
  // When not null, every match begins at one of these offsets (from base, ascending;
  // Hints::cue_starts): the search from a place is the anchored match at each of them
  // from it on, the first that matches, instead of a pass over the bytes between.
  const uint32_t* starts = nullptr;
  size_t nstarts = 0;
  size_t base = 0;
};

// Where a name after a title or a cue begins: past the academic and professional titles
// that may stand between them, each abbreviated with its dot ("Frau Dr. med. Meier",
// "Herr Prof. Dr. Schmidt", "Dhr. ir. Jansen", "Mevr. drs. J. de Vries", "Dott. Ing.
// Rossi"), at most four, each followed by blanks. q if none.
size_t SkipAcademicTitles(std::string_view text, size_t q, size_t limit) {
  static constexpr std::string_view kTitles[] = {
      "Dr",  "dr",    "DR",   "Prof", "prof", "PROF", "med",  "dent", "phil", "jur", "habil",
      "vet", "rer",   "nat",  "Ing",  "ing",  "ir",   "drs",  "mr",   "Arch", "Rag", "Geom",
      "Dott", "Avv", "Mag",  "Dipl"};
  for (int n = 0; n < 4; ++n) {
    size_t e = q;
    while (e < limit && e - q <= 5 && IsAsciiAlpha(static_cast<unsigned char>(text[e]))) ++e;
    // (The dot first: most names have none after their first word.)
    if (e >= limit || text[e] != '.' || e - q < 2) break;
    const std::string_view word = text.substr(q, e - q);
    if (std::find(std::begin(kTitles), std::end(kTitles), word) == std::end(kTitles)) break;
    ++e;
    if (word == "Dipl") {  // "Dipl.-Ing.", "Dipl.-Kfm."
      if (e >= limit || text[e] != '-') break;
      size_t f = e + 1;
      while (f < limit && f - e <= 5 && IsAsciiAlpha(static_cast<unsigned char>(text[f]))) ++f;
      if (f == e + 1 || f >= limit || text[f] != '.') break;
      e = f + 1;
    }
    size_t b = e;
    while (b < limit && (text[b] == ' ' || text[b] == '\t')) ++b;
    if (b == e) break;
    q = b;
  }
  return q;
}

}  // namespace

struct Detector::Impl {
  std::vector<Pattern> patterns;
  std::vector<Group> groups;  // the built-in ones first, then the custom ones
  std::unordered_map<std::string, size_t> group_of_source;
  std::vector<bool> all_patterns, all_groups;  // masks for "every entity"
  size_t builtin_groups = 0;                   // groups [0, builtin_groups) have a hint
  // By hint, the built-in groups searched when it is set (bit g: group g); set by Finish.
  uint64_t hint_groups[Hints::kCount] = {};
  std::unique_ptr<RE2::Set> set;               // the custom regexes; null if none
  std::vector<size_t> set_groups;              // the group of each of the set's regexes
  WordSet first_names;  // lower-case
  std::unique_ptr<RE2> surname;  // a capitalised surname, matched anchored
  std::set<std::string> entities;
  bool custom = false;  // custom recognizers are loaded (MayHoldBuiltin does not hold)

  // Adds a recognizer, compiling its regex unless an earlier one has the same source.
  // A built-in one (hint >= 0) is searched when the prefilter's hint says so, a custom
  // one when the set finds its regex. Every built-in recognizer is added before any
  // custom one.
  void Add(Pattern p, const std::string& source, const char* tail = nullptr, int hint = -1,
           MatcherFn matcher = nullptr, PartialMatcherFn partial = nullptr,
           NameForm tail_form = NameForm::kNone) {
    p.context_by_length = p.context;
    std::stable_sort(p.context_by_length.begin(), p.context_by_length.end(),
                     [](const std::string& a, const std::string& b) {
                       return LengthBucket(a.size()) < LengthBucket(b.size());
                     });
    for (const std::string& w : p.context_by_length) {
      const size_t n = LengthBucket(w.size());
      p.first_bytes[n] |= FirstBit(w.data(), w.size());
      ++p.by_length[n + 1];
    }
    for (size_t n = 0; n < 64; ++n) p.by_length[n + 1] += p.by_length[n];
    p.boosted_base = Boosted(p.base_score);
    p.boosted_valid = Boosted(p.valid_score);
    p.person = p.entity == "PERSON";
    p.after_cue = tail_form == NameForm::kAfterCue;
    auto [it, fresh] = group_of_source.emplace(source, groups.size());
    if (fresh) {
      auto re = std::make_unique<RE2>(source, PatternOptions());
      if (!re->ok())
        throw Error(sqlstate::kInvalidRegularExpression,
                    "invalid regular expression: " +
                        RegexProblem(re->error(), re->error_arg(), source, false, true));
      if (hint < 0) {
        if (!set) {
          RE2::Options set_options = PatternOptions();
          set_options.set_max_mem(kSetMaxMem);
          set = std::make_unique<RE2::Set>(set_options, RE2::UNANCHORED);
        }
        if (set->Add(source, nullptr) < 0)
          throw Error(sqlstate::kInvalidRegularExpression, "invalid regular expression in the pattern set");
        set_groups.push_back(groups.size());
      } else {
        builtin_groups = groups.size() + 1;
      }
      int ngroups = std::min(re->NumberOfCapturingGroups(), 1);
      if ((matcher || partial) && ngroups != 0)  // a hand matcher gives the whole match only
        throw Error(sqlstate::kInternalError, "hand matcher for a regex with a capturing group");
      auto tail_re = tail ? std::make_unique<RE2>(tail, PatternOptions()) : nullptr;
      groups.push_back(
          {std::move(re), std::move(tail_re), ngroups, {}, hint, matcher, partial, tail_form});
    }
    groups[it->second].members.push_back(patterns.size());
    entities.insert(p.entity);
    patterns.push_back(std::move(p));
  }

  // Scores one match of group g for recognizer i; false if the recognizer rejects it.
  bool Accept(size_t i, std::string_view text, size_t begin, size_t end,
              const DetectOptions& options, std::vector<Finding>* out) const;

  // Finds PERSON names that start with a listed first name in [from, keep_before).
  // Done in code rather than with a pattern: a pattern for "two capitalised words"
  // matches at every sentence start, and the list lookup is what decides.
  void ScanFirstNames(std::string_view text, size_t from, size_t keep_before,
                      const DetectOptions& options, std::vector<Finding>* out) const;

  // Adds the candidates of this detector's own patterns (and first names) in text.
  void Collect(std::string_view text, const DetectOptions& options, const CancelCheck& cancel,
               std::vector<Finding>* candidates) const;

  // Searches group g over range (context from the whole text), adding the wanted
  // recognizers' candidates that start before keep_before.
  void Scan(size_t g, std::string_view text, const SearchRange& range, size_t keep_before,
            size_t* resume, const std::vector<bool>& wanted, const DetectOptions& options,
            std::vector<Finding>* out) const;
};

void CheckPattern(std::string_view pattern) {
  // RE2 parses a pattern into a tree of about 35 bytes a byte of it, outside PostgreSQL's
  // memory and without a cancel: a 30 MB pattern took 1 GB and 6.5 s, and the CHECK of
  // comply.recognizers runs this for any role that may insert there (QA 17).
  if (pattern.size() > kMaxPatternBytes)
    throw Error(sqlstate::kProgramLimitExceeded,
                "pattern is too long: " + std::to_string(pattern.size()) + " bytes, at most " +
                    std::to_string(kMaxPatternBytes),
                "", "Split it into several recognizers of the same entity.");
  // \C matches one byte, which can be half a character: a finding ending there would be
  // redacted into invalid UTF-8 (stored, and then refused by a restore).
  for (size_t i = 0; i + 1 < pattern.size(); ++i) {
    if (pattern[i] != '\\') continue;
    if (pattern[i + 1] == 'C')
      throw Error(sqlstate::kInvalidRegularExpression,
                  "invalid regular expression: \\C matches a single byte, which can be part of a character",
                  "", "Use . to match one character.");
    ++i;  // (the escaped character, a backslash included)
  }
  RE2 re(pattern, PatternOptions());
  if (!re.ok())
    throw Error(sqlstate::kInvalidRegularExpression,
                "invalid regular expression: " + RegexProblem(re.error(), re.error_arg(), pattern, false, true));
}

std::vector<std::string> BuiltinEntities() {
  std::set<std::string> names;
  for (const PatternDef& d : BuiltinPatterns()) names.insert(d.entity);
  return {names.begin(), names.end()};
}

bool IsBuiltinEntity(std::string_view name) {
  for (const PatternDef& d : BuiltinPatterns())
    if (name == d.entity) return true;
  return false;
}

Detector::Detector(const std::vector<CustomRecognizer>& custom,
                   std::vector<std::string> first_names)
    : impl_(std::make_unique<Impl>()) {
  if (!custom.empty()) {
    // The built-in recognizers in a detector of their own, the custom ones here: Detect
    // runs them over different texts (the folded one, and the text as given too).
    owned_base_ = std::make_unique<Detector>(std::vector<CustomRecognizer>{}, std::move(first_names));
    base_ = owned_base_.get();
    AddCustom(custom);
    Finish({});
    impl_->entities.insert(base_->impl_->entities.begin(), base_->impl_->entities.end());
    return;
  }
  for (const PatternDef& d : BuiltinPatterns()) {
    const int hint = HintOfPattern(d.name);
    if (hint < 0) throw Error(sqlstate::kInternalError, std::string("built-in pattern without a hint: ") + d.name);
    impl_->Add({d.entity, d.base_score, d.valid_score, d.validate, d.refine, d.context}, d.pattern,
               d.tail, hint, HandMatcher(d.name), PartialHandMatcher(d.name),
               d.tail ? NameTailForm(d.name) : NameForm::kNone);
  }
  AddCustom(custom);
  Finish(std::move(first_names));
}

Detector::Detector(const Detector& builtin, const std::vector<CustomRecognizer>& custom)
    : impl_(std::make_unique<Impl>()), base_(&builtin) {
  AddCustom(custom);
  Finish({});
  impl_->entities.insert(builtin.impl_->entities.begin(), builtin.impl_->entities.end());
}

void Detector::AddCustom(const std::vector<CustomRecognizer>& custom) {
  impl_->custom = !custom.empty();
  for (const CustomRecognizer& c : custom) {
    CheckPattern(c.pattern);
    if (c.score < 0 || c.score > 1)
      throw Error(sqlstate::kInvalidParameterValue, "recognizer score must be between 0 and 1");
    std::vector<std::string> context;
    for (const std::string& w : c.context) context.push_back(AsciiLower(w));
    impl_->Add({c.entity, c.score, c.score, nullptr, nullptr, std::move(context)}, c.pattern);
  }
}

void Detector::Finish(std::vector<std::string> first_names) {
  if (impl_->builtin_groups > kStackGroups)
    throw Error(sqlstate::kInternalError, "too many built-in regexes");
  for (size_t g = 0; g < impl_->builtin_groups; ++g)
    impl_->hint_groups[impl_->groups[g].hint] |= uint64_t{1} << g;
  if (impl_->set && !impl_->set->Compile())
    throw Error(sqlstate::kProgramLimitExceeded, "pattern set too large to compile");
  impl_->first_names.Assign(std::vector<std::string_view>(first_names.begin(), first_names.end()));
  impl_->surname = std::make_unique<RE2>(SurnamePattern(), PatternOptions());
  if (!impl_->first_names.empty()) impl_->entities.insert("PERSON");
  impl_->all_patterns.assign(impl_->patterns.size(), true);
  impl_->all_groups.assign(impl_->groups.size(), true);
}

namespace {

// A Latin letter with a diacritic, U+00C0 to U+017F, or Romanian's s and t with a comma
// below, U+0218 to U+021B (two bytes of UTF-8 from b0, b1), as the ASCII letters a name
// list writes it with ("é" e, "ñ" n, "ß" ss, "Ł" l, "Ø" o, "Ș" s), lower-case; *upper
// says whether it was a capital. nullptr for other characters (×, ÷, other letters of
// Latin Extended-B and of other scripts).
const char* FoldLatin(unsigned char b0, unsigned char b1, bool* upper) {
  if (b0 == 0xC8 && b1 >= 0x98 && b1 <= 0x9B) {  // U+0218 Ș, U+0219 ș, U+021A Ț, U+021B ț
    *upper = b1 % 2 == 0;
    return b1 < 0x9A ? "s" : "t";
  }
  if (b0 < 0xC3 || b0 > 0xC5 || (b1 & 0xC0) != 0x80) return nullptr;
  const unsigned cp = ((b0 & 0x1Fu) << 6) | (b1 & 0x3Fu);
  if (cp < 0xC0) return nullptr;
  if (cp < 0x100) {
    static const char* const kLatin1[64] = {
        "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i", "i",
        "d", "n", "o", "o", "o", "o", "o", nullptr, "o", "u", "u", "u", "u", "y", "th", "ss",
        "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i", "i",
        "d", "n", "o", "o", "o", "o", "o", nullptr, "o", "u", "u", "u", "u", "y", "th", "y"};
    *upper = cp < 0xDF;
    return kLatin1[cp - 0xC0];
  }
  // Latin Extended-A: capitals and small letters in pairs, the capital first, except
  // from U+0139 to U+0148 and U+0179 to U+017E (the small letter first by one).
  struct Range {
    unsigned last;
    const char* base;
  };
  static const Range kExtA[] = {{0x105, "a"}, {0x10D, "c"}, {0x111, "d"}, {0x11B, "e"},
                                {0x123, "g"}, {0x127, "h"}, {0x131, "i"}, {0x133, "ij"},
                                {0x135, "j"}, {0x138, "k"}, {0x142, "l"}, {0x14B, "n"},
                                {0x151, "o"}, {0x153, "oe"}, {0x159, "r"}, {0x161, "s"},
                                {0x167, "t"}, {0x173, "u"}, {0x175, "w"}, {0x178, "y"},
                                {0x17E, "z"}, {0x17F, "s"}};
  if ((cp >= 0x139 && cp <= 0x148) || (cp >= 0x179 && cp <= 0x17E))
    *upper = cp % 2 == 1;
  else
    *upper = cp % 2 == 0 && cp != 0x138 && cp != 0x17F;
  if (cp == 0x149) *upper = false;  // ŉ
  if (cp == 0x178) *upper = true;   // Ÿ
  for (const Range& r : kExtA)
    if (cp <= r.last) return r.base;
  return nullptr;
}

}  // namespace

void Detector::Impl::ScanFirstNames(std::string_view text, size_t from, size_t keep_before,
                                    const DetectOptions& options,
                                    std::vector<Finding>* out) const {
  if (first_names.empty() || kFirstNameScore < options.min_score) return;
  auto is_letter = [&](size_t i) {
    unsigned char c = text[i];
    return IsAsciiAlpha(c) || c >= 0x80;
  };
  auto is_lower = [&](size_t i) { return text[i] >= 'a' && text[i] <= 'z'; };
  auto skip_blanks = [&](size_t i) {
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
    return i;
  };
  // The end of the surname (particles, then a capitalised word) starting at at, or 0.
  auto surname_at = [&](size_t at) -> size_t {
    size_t limit = std::min(text.size(), at + 128);
    if (at >= text.size() || !MayBeginName(static_cast<unsigned char>(text[at]))) return 0;
    // The hand matcher where it can tell (a surname of ASCII letters), else RE2.
    size_t end;
    const int found = MatchName(NameForm::kSurname, text, at, limit, &end);
    if (found == 0) return 0;
    if (found < 0) {
      re2::StringPiece m;
      if (!surname->Match(re2::StringPiece(text.data(), text.size()), at, limit, RE2::ANCHOR_START,
                          &m, 1))
        return 0;
      end = at + m.size();
    }
    bool glued = end < text.size() && is_letter(end);
    return glued || IsNameStopword(text.substr(at, end - at)) ? 0 : end;
  };
  // Where the last name found here ends: a surname written first is never looked for
  // inside it ("John Smith, Mary Jones" is two names, not "Smith, Mary").
  size_t last_end = 0;
  size_t i = from;
  std::string folded;  // a name written with diacritics, as the list writes it
  // Whether a capitalised word of small letters, ASCII or Latin with diacritics ("José",
  // "Søren", "Łukasz"), begins at at and is a given name of the list; *end is where the
  // word ends (or where to go on looking: past at).
  auto first_name_at = [&](size_t at, size_t* end) -> bool {
    *end = at + 1;
    bool upper = false;
    const char* first_folded = nullptr;
    if (text[at] >= 'A' && text[at] <= 'Z') {
      upper = true;
    } else if (static_cast<unsigned char>(text[at]) >= 0xC3 && at + 1 < text.size()) {
      first_folded = FoldLatin(text[at], text[at + 1], &upper);
      upper = upper && first_folded;
    }
    if (!upper || (at > 0 && is_letter(at - 1))) return false;
    bool plain = !first_folded;
    size_t j = at + (first_folded ? 2 : 1);
    for (;;) {
      if (j < text.size() && is_lower(j)) {
        ++j;
        continue;
      }
      bool small = false;
      if (j + 1 < text.size() && static_cast<unsigned char>(text[j]) >= 0xC3 &&
          FoldLatin(text[j], text[j + 1], &small) && !small) {
        plain = false;
        j += 2;
        continue;
      }
      break;
    }
    *end = j;
    if (j - at < 2 || (j < text.size() && is_letter(j))) return false;
    std::string_view word = text.substr(at, j - at);
    if (!plain) {
      folded.clear();
      for (size_t b = at; b < j;) {
        bool cap = false;
        const char* f = static_cast<unsigned char>(text[b]) >= 0x80 ? FoldLatin(text[b], text[b + 1], &cap) : nullptr;
        if (f) {
          folded += f;
          b += 2;
        } else {
          folded += static_cast<char>(text[b] | 0x20);
          ++b;
        }
      }
      word = folded;
    }
    return first_names.Contains(word, /*lower_first=*/plain);
  };
  while (i < keep_before) {
#if defined(__SSE2__)
    // Most bytes are neither an ASCII capital nor the lead byte of a Latin letter with a
    // diacritic (0xC3 and up), the only ones a name can start at: 16 such at a time are
    // passed over (as the test below would, one by one). Bit k of may_begin(at): the
    // byte at + k is one.
    auto may_begin = [&](size_t at) {
      const __m128i v =
          _mm_xor_si128(_mm_loadu_si128(reinterpret_cast<const __m128i*>(text.data() + at)),
                        _mm_set1_epi8(static_cast<char>(0x80)));  // signed c - 128
      const __m128i capital = _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8('A' - 1 - 128)),
                                            _mm_cmplt_epi8(v, _mm_set1_epi8('Z' + 1 - 128)));
      const __m128i lead = _mm_cmpgt_epi8(v, _mm_set1_epi8(static_cast<char>(0xC3 - 1 - 128)));
      return static_cast<unsigned>(_mm_movemask_epi8(_mm_or_si128(capital, lead)));
    };
    if (i + 16 <= keep_before) {
      const unsigned may = may_begin(i);
      if (may == 0) {
        i += 16;
        continue;
      }
      i += static_cast<size_t>(__builtin_ctz(may));
    } else if (keep_before >= 16) {
      // The last bytes: the 16 that end at keep_before, without those before i.
      const size_t at = keep_before - 16;
      const unsigned may = may_begin(at) >> (i - at);
      if (may == 0) break;
      i += static_cast<size_t>(__builtin_ctz(may));
    }
#endif
    size_t j = i;
    if (!first_name_at(i, &j)) {
      i = j;
      continue;
    }
    // A hyphenated given name ("Hans-Peter", "Marie-Claire"): its parts that are given
    // names too are one name with it.
    for (size_t part_end = 0; j + 1 < text.size() && text[j] == '-' && first_name_at(j + 1, &part_end);)
      j = part_end;
    // The surname first, as records and lists write names: "Garcia, Maria".
    size_t begin = i;
    size_t comma = i;
    while (comma > 0 && (text[comma - 1] == ' ' || text[comma - 1] == '\t')) --comma;
    if (comma < i && comma > 1 && text[comma - 1] == ',') {
      size_t w = comma - 1;
      while (w > 0 && (is_letter(w - 1) || text[w - 1] == '\'' || text[w - 1] == '-')) --w;
      if (w + 1 < comma - 1 && w >= last_end && (w == 0 || text[w - 1] < '0' || text[w - 1] > '9') &&
          surname_at(w) == comma - 1 && !IsSentenceOpener(text.substr(w, comma - 1 - w)))
        begin = w;
    }
    size_t k = skip_blanks(j);
    if (k == j) {
      if (begin < i) {
        AddCandidate(out, {"PERSON", begin, j, kFirstNameScore});
        last_end = j;
      }
      i = j;
      continue;
    }
    // An optional middle initial: "John F. Kennedy".
    if (k + 2 < text.size() && text[k] >= 'A' && text[k] <= 'Z' && text[k + 1] == '.') {
      size_t after = skip_blanks(k + 2);
      if (after > k + 2) k = after;
    }
    // A second given name before the surname ("Maria Jose Garcia Lopez", "John Paul Jones
    // Smith"): a listed given name that a surname follows is one of the given names (taken
    // as the surname, the second surname after it was left in clear).
    {
      size_t given2_end = 0;
      if (k < text.size() && first_name_at(k, &given2_end)) {
        const size_t k3 = skip_blanks(given2_end);
        if (k3 > given2_end && surname_at(k3) != 0) k = k3;
      }
    }
    size_t end = surname_at(k);
    if (end != 0) {
      // A second surname, as Spanish and Portuguese names have ("Maria Garcia Lopez",
      // "Ana da Silva Santos"): left beside the label, it names the person as well.
      // Unless that word is a given name that a surname follows: the next name begins
      // there ("Ana Lopez Jose Perez", "Maria Garcia Maria Garcia" are two names, and
      // taken as one with three words the last was left in clear).
      size_t k2 = skip_blanks(end);
      if (k2 > end) {
        size_t end2 = surname_at(k2);
        size_t given_end = 0;
        const bool next_name = end2 != 0 && first_name_at(k2, &given_end) && given_end == end2 &&
                               skip_blanks(end2) > end2 && surname_at(skip_blanks(end2)) != 0;
        if (end2 != 0 && !next_name) end = end2;
      }
    }
    if (end != 0 || begin < i) {
      if (end == 0) end = j;
      AddCandidate(out, {"PERSON", begin, end, kFirstNameScore});
      last_end = end;
      i = end;
      continue;
    }
    i = j;
  }
}

Detector::~Detector() = default;

bool Detector::Impl::Accept(size_t i, std::string_view text, size_t begin, size_t end,
                            const DetectOptions& options, std::vector<Finding>* out) const {
  const Pattern& p = patterns[i];
  if (p.refine && !p.refine(text, &begin, &end)) return false;
  double score = p.base_score;
  double boosted = p.boosted_base;  // Boosted(score)
  if (p.validate) {
    Validity v = p.validate(text.substr(begin, end - begin));
    if (v == Validity::kInvalid) return false;
    if (v == Validity::kValid) {
      score = p.valid_score;
      boosted = p.boosted_valid;
    }
  }
  if (p.person && !TrimNameSpan(text, &begin, &end, p.after_cue)) return false;
  // A name in capitals is two words at least, after its stopwords went too ("THE
  // PATIENT WAS SEEN" is no "SEEN").
  if (p.person && FirstBlank(text.substr(begin, end - begin)) == std::string_view::npos) {
    bool lower = false;
    for (size_t i = begin; i < end && !lower; ++i) lower = text[i] >= 'a' && text[i] <= 'z';
    if (!lower && end - begin > 2) return false;
  }
  // (A score the cap leaves where it is, 1.0 for a valid e-mail, card or IBAN, needs no
  // look at the words around: most candidates.)
  if (boosted > score && boosted >= options.min_score &&
      (HasContext(text, begin, end, p) || NameCounts(options.context, text, begin, end, p.entity)))
    score = boosted;
  if (score < options.min_score) return false;
  AddCandidate(out, {p.entity, begin, end, score});
  return true;
}

void Detector::Impl::Scan(size_t g, std::string_view text, const SearchRange& range,
                          size_t keep_before, size_t* resume, const std::vector<bool>& wanted,
                          const DetectOptions& options, std::vector<Finding>* out) const {
  const Group& grp = groups[g];
  const size_t to = range.to;
  // Every recognizer wanted (no entity filter: Collect's all-true mask), so that the
  // mask's bits are not read for each member of each match.
  const bool every = &wanted == &all_patterns;
  re2::StringPiece whole(text.data(), text.size());
  re2::StringPiece match[2];
  // RE2's search of the group's regex over [from, upto), or its hand matcher's.
  auto search = [&](size_t from, size_t upto, RE2::Anchor anchor) {
    if (grp.matcher) {
      size_t b, e;
      if (!grp.matcher(text, from, upto, anchor == RE2::ANCHOR_START, &b, &e)) return false;
      match[0] = re2::StringPiece(text.data() + b, e - b);
      return true;
    }
    if (grp.partial) {
      size_t b, e;
      const int found = grp.partial(text, from, upto, anchor == RE2::ANCHOR_START, &b, &e);
      if (found == 0) return false;
      if (found == 1) {
        match[0] = re2::StringPiece(text.data() + b, e - b);
        return true;
      }
    }
    return grp.re->Match(whole, from, upto, anchor, match, 1 + grp.ngroups);
  };
  // The leftmost match from a place on: RE2's search, or with the starts of the matches
  // known, the first of them from there where the regex matches anchored (the same
  // match: leftmost-first at that start).
  size_t next_start = 0;
  auto search_from = [&](size_t from) {
    if (!range.starts) return search(from, to, RE2::UNANCHORED);
    for (; next_start < range.nstarts; ++next_start) {
      const size_t s = range.base + range.starts[next_start];
      if (s < from) continue;
      if (s >= to) return false;
      if (search(s, to, RE2::ANCHOR_START)) return true;
    }
    return false;
  };
  size_t pos = std::max(range.from, *resume);
  // The range's first search, when a match that begins at its start would be the first
  // one: matched anchored there, and searched on from the next character if none does.
  bool anchored = range.start_known && pos == range.from;
  while (pos < to && pos < keep_before && pos < range.last_end) {
    if (anchored) {
      anchored = false;
      if (!search(pos, to, RE2::ANCHOR_START)) {
        pos = NextCharStart(text, pos);
        continue;
      }
    } else if (!search_from(pos)) {
      break;
    }
    size_t mbegin = match[0].data() - text.data();
    size_t mend = mbegin + match[0].size();
    if (mbegin >= keep_before) break;
    // A match cut by the end of the search range may be longer: match it again from
    // its start against the rest of the text.
    if (mend == to && to < text.size()) {
      if (!search(mbegin, text.size(), RE2::ANCHOR_START))
        break;
      mend = mbegin + match[0].size();
    }
    // A rejected match may hide a good one that starts inside it ("Yesterday Sarah
    // Connor"), so the search resumes just after its start; an accepted one is skipped.
    pos = NextCharStart(text, mbegin);
    size_t begin = mbegin, end = mend;
    if (grp.ngroups == 1) {
      begin = match[1].data() ? match[1].data() - text.data() : 0;
      end = match[1].data() ? begin + match[1].size() : 0;
    } else if (grp.tail) {
      size_t limit = std::min(text.size(), mend + kMaxTailBytes);
      const size_t from =
          grp.tail_form == NameForm::kAfterCue ? SkipAcademicTitles(text, mend, limit) : mend;
      begin = end = from;
      if (from < text.size() && MayBeginName(static_cast<unsigned char>(text[from]))) {
        size_t name_end;
        const int found = grp.tail_form == NameForm::kNone
                              ? -1
                              : MatchName(grp.tail_form, text, from, limit, &name_end);
        re2::StringPiece name;
        if (found == 1)
          end = name_end;
        else if (found < 0 && grp.tail->Match(whole, from, limit, RE2::ANCHOR_START, &name, 1))
          end = from + name.size();
      }
      mend = end;
    }
    bool accepted = false;
    // Where no later candidate can be kept, by every member rejecting this one (an
    // e-mail candidate: every start before its '@' gives the same address, so a long
    // run before it was otherwise searched again from each of its characters).
    size_t skip = SIZE_MAX;
    // Where the accepted findings end: a name after a cue is trimmed of the stopwords
    // that end it (TrimNameSpan: "Prof. John Dr. Maria" gives "John", not "John Dr"), and
    // the search resumes there, so that the cue it ran into is read as one ("Dr. Maria"
    // was skipped, left in clear until a second redaction found it).
    size_t accepted_end = 0;
    if (end > begin) {
      for (size_t i : grp.members) {
        if (!every && !wanted[i]) continue;
        size_t member_skip = 0;
        if (Accept(i, text, begin, end, options, out)) {
          accepted = true;
          accepted_end = std::max(accepted_end, out->back().end);
        } else if (ResumesAfterAt(patterns[i].refine)) {
          const size_t at = text.find('@', mbegin);
          if (at != std::string_view::npos && at < mend) member_skip = at + 1;
        }
        skip = std::min(skip, member_skip);
      }
    }
    // A rejected match may also hide a valid shorter one from the same start: a phone
    // number whose last group runs on into an identity code ("+31 20 123 4567 1310 52"
    // is no number; "+31 20 123 4567" is), which the search, resuming inside it, never
    // tries from the '+' again. The regex is matched again from its start, ending before
    // the rejected match's end, a few times at most.
    if (!accepted && grp.ngroups == 0 && !grp.tail && end > begin) {
      size_t cut = mend;
      for (int tries = 0; tries < kShorterTries && cut > mbegin + 1; ++tries) {
        if (!search(mbegin, cut - 1, RE2::ANCHOR_START)) break;
        const size_t shorter = mbegin + match[0].size();
        if (shorter <= mbegin || shorter >= cut) break;
        for (size_t i : grp.members)
          if ((every || wanted[i]) && Accept(i, text, mbegin, shorter, options, out))
            accepted = true;
        if (accepted) {
          mend = shorter;
          break;
        }
        cut = shorter;
      }
    }
    if (accepted) pos = std::max(pos, grp.tail ? accepted_end : mend);
    else if (skip != SIZE_MAX && skip > pos) pos = std::min(skip, to);
    *resume = pos;
  }
}

// Up to this many candidates, overlaps are resolved in a sorted vector.
constexpr size_t kFewCandidates = 256;

namespace {

// The letters of Latin-1 and Latin Extended-A (U+00C0 to U+017F) that Unicode
// decomposes into an ASCII letter and one combining mark of U+0300 to U+0328 (NFD:
// "e" U+0301 for "\u00e9", "a" U+0308 for "\u00e4"), and Romanian's s and t with a comma
// below (U+0218 to U+021B, "s" U+0326; their cedilla forms U+015E, U+015F, U+0162 and
// U+0163 are of Latin Extended-A): key (mark - U+0300) << 8 | letter, sorted, and the
// letter it composes to (NFC). Generated from Python's unicodedata. No other letter of
// Latin Extended-B or beyond is composed: a mark after one stays as written.
struct Composition {
  uint16_t key;
  uint16_t composed;
};
constexpr Composition kCompositions[] = {
    {0x0041, 0x0C0}, {0x0045, 0x0C8}, {0x0049, 0x0CC}, {0x004F, 0x0D2}, {0x0055, 0x0D9},
    {0x0061, 0x0E0}, {0x0065, 0x0E8}, {0x0069, 0x0EC}, {0x006F, 0x0F2}, {0x0075, 0x0F9},
    {0x0141, 0x0C1}, {0x0143, 0x106}, {0x0145, 0x0C9}, {0x0149, 0x0CD}, {0x014C, 0x139},
    {0x014E, 0x143}, {0x014F, 0x0D3}, {0x0152, 0x154}, {0x0153, 0x15A}, {0x0155, 0x0DA},
    {0x0159, 0x0DD}, {0x015A, 0x179}, {0x0161, 0x0E1}, {0x0163, 0x107}, {0x0165, 0x0E9},
    {0x0169, 0x0ED}, {0x016C, 0x13A}, {0x016E, 0x144}, {0x016F, 0x0F3}, {0x0172, 0x155},
    {0x0173, 0x15B}, {0x0175, 0x0FA}, {0x0179, 0x0FD}, {0x017A, 0x17A}, {0x0241, 0x0C2},
    {0x0243, 0x108}, {0x0245, 0x0CA}, {0x0247, 0x11C}, {0x0248, 0x124}, {0x0249, 0x0CE},
    {0x024A, 0x134}, {0x024F, 0x0D4}, {0x0253, 0x15C}, {0x0255, 0x0DB}, {0x0257, 0x174},
    {0x0259, 0x176}, {0x0261, 0x0E2}, {0x0263, 0x109}, {0x0265, 0x0EA}, {0x0267, 0x11D},
    {0x0268, 0x125}, {0x0269, 0x0EE}, {0x026A, 0x135}, {0x026F, 0x0F4}, {0x0273, 0x15D},
    {0x0275, 0x0FB}, {0x0277, 0x175}, {0x0279, 0x177}, {0x0341, 0x0C3}, {0x0349, 0x128},
    {0x034E, 0x0D1}, {0x034F, 0x0D5}, {0x0355, 0x168}, {0x0361, 0x0E3}, {0x0369, 0x129},
    {0x036E, 0x0F1}, {0x036F, 0x0F5}, {0x0375, 0x169}, {0x0441, 0x100}, {0x0445, 0x112},
    {0x0449, 0x12A}, {0x044F, 0x14C}, {0x0455, 0x16A}, {0x0461, 0x101}, {0x0465, 0x113},
    {0x0469, 0x12B}, {0x046F, 0x14D}, {0x0475, 0x16B}, {0x0641, 0x102}, {0x0645, 0x114},
    {0x0647, 0x11E}, {0x0649, 0x12C}, {0x064F, 0x14E}, {0x0655, 0x16C}, {0x0661, 0x103},
    {0x0665, 0x115}, {0x0667, 0x11F}, {0x0669, 0x12D}, {0x066F, 0x14F}, {0x0675, 0x16D},
    {0x0743, 0x10A}, {0x0745, 0x116}, {0x0747, 0x120}, {0x0749, 0x130}, {0x075A, 0x17B},
    {0x0763, 0x10B}, {0x0765, 0x117}, {0x0767, 0x121}, {0x077A, 0x17C}, {0x0841, 0x0C4},
    {0x0845, 0x0CB}, {0x0849, 0x0CF}, {0x084F, 0x0D6}, {0x0855, 0x0DC}, {0x0859, 0x178},
    {0x0861, 0x0E4}, {0x0865, 0x0EB}, {0x0869, 0x0EF}, {0x086F, 0x0F6}, {0x0875, 0x0FC},
    {0x0879, 0x0FF}, {0x0A41, 0x0C5}, {0x0A55, 0x16E}, {0x0A61, 0x0E5}, {0x0A75, 0x16F},
    {0x0B4F, 0x150}, {0x0B55, 0x170}, {0x0B6F, 0x151}, {0x0B75, 0x171}, {0x0C43, 0x10C},
    {0x0C44, 0x10E}, {0x0C45, 0x11A}, {0x0C4C, 0x13D}, {0x0C4E, 0x147}, {0x0C52, 0x158},
    {0x0C53, 0x160}, {0x0C54, 0x164}, {0x0C5A, 0x17D}, {0x0C63, 0x10D}, {0x0C64, 0x10F},
    {0x0C65, 0x11B}, {0x0C6C, 0x13E}, {0x0C6E, 0x148}, {0x0C72, 0x159}, {0x0C73, 0x161},
    {0x0C74, 0x165}, {0x0C7A, 0x17E}, {0x2653, 0x218}, {0x2654, 0x21A}, {0x2673, 0x219},
    {0x2674, 0x21B}, {0x2743, 0x0C7}, {0x2747, 0x122}, {0x274B, 0x136}, {0x274C, 0x13B},
    {0x274E, 0x145}, {0x2752, 0x156}, {0x2753, 0x15E}, {0x2754, 0x162}, {0x2763, 0x0E7},
    {0x2767, 0x123}, {0x276B, 0x137}, {0x276C, 0x13C}, {0x276E, 0x146}, {0x2772, 0x157},
    {0x2773, 0x15F}, {0x2774, 0x163}, {0x2841, 0x104}, {0x2845, 0x118}, {0x2849, 0x12E},
    {0x2855, 0x172}, {0x2861, 0x105}, {0x2865, 0x119}, {0x2869, 0x12F}, {0x2875, 0x173},
};

// The code point that the ASCII letter base and the combining mark written b1 b2 (UTF-8
// of U+0300 to U+033F: 0xCC, then b2) compose to, 0 if none of kCompositions.
unsigned Composed(unsigned char base, unsigned char b1, unsigned char b2) {
  if (b1 != 0xCC || b2 < 0x80 || b2 > 0xA8 || !IsAsciiAlpha(base)) return 0;
  const uint16_t key = static_cast<uint16_t>((b2 - 0x80u) << 8 | base);
  const Composition* end = std::end(kCompositions);
  const Composition* it =
      std::lower_bound(std::begin(kCompositions), end, key,
                       [](const Composition& c, uint16_t k) { return c.key < k; });
  return it != end && it->key == key ? it->composed : 0;
}

// The first code point of each run of ten decimal digits (general category Nd) of
// Unicode 15.0 but ASCII's, sorted: every run is its script's 0 to 9, in order (the
// mathematical digits of U+1D7CE to U+1D7FF are five runs). Generated with ICU 72.
constexpr uint32_t kDigitZeros[] = {
    0x0660,  0x06F0,  0x07C0,  0x0966,  0x09E6,  0x0A66,  0x0AE6,  0x0B66,  0x0BE6,  0x0C66,
    0x0CE6,  0x0D66,  0x0DE6,  0x0E50,  0x0ED0,  0x0F20,  0x1040,  0x1090,  0x17E0,  0x1810,
    0x1946,  0x19D0,  0x1A80,  0x1A90,  0x1B50,  0x1BB0,  0x1C40,  0x1C50,  0xA620,  0xA8D0,
    0xA900,  0xA9D0,  0xA9F0,  0xAA50,  0xABF0,  0xFF10,  0x104A0, 0x10D30, 0x11066, 0x110F0,
    0x11136, 0x111D0, 0x112F0, 0x11450, 0x114D0, 0x11650, 0x116C0, 0x11730, 0x118E0, 0x11950,
    0x11C50, 0x11D50, 0x11DA0, 0x11F50, 0x16A60, 0x16AC0, 0x16B50, 0x1D7CE, 0x1D7D8, 0x1D7E2,
    0x1D7EC, 0x1D7F6, 0x1E140, 0x1E2F0, 0x1E4F0, 0x1E950, 0x1FBF0,
};


// For each sixteen code points of the Basic Multilingual Plane, whether one of them is a
// digit of kDigitZeros (bit cp >> 4): most letters of a script with digits of its own
// (Arabic, Devanagari) are told apart from its digits without a search.
struct DigitChunks {
  uint64_t bits[0x10000 / 16 / 64];
};
constexpr DigitChunks MakeDigitChunks() {
  DigitChunks chunks{};
  for (uint32_t zero : kDigitZeros)
    for (uint32_t d = zero; d < zero + 10 && d < 0x10000; ++d)
      chunks.bits[d >> 10] |= uint64_t{1} << (d >> 4 & 63);
  return chunks;
}
constexpr DigitChunks kDigitChunks = MakeDigitChunks();

// The value of a decimal digit that is not ASCII (kDigitZeros), or -1.
int DigitValue(uint32_t cp) {
  if (cp < kDigitZeros[0]) return -1;
  if (cp < 0x10000 && (kDigitChunks.bits[cp >> 10] >> (cp >> 4 & 63) & 1) == 0) return -1;
  const uint32_t* zero = std::upper_bound(std::begin(kDigitZeros), std::end(kDigitZeros), cp) - 1;
  return cp - *zero < 10 ? static_cast<int>(cp - *zero) : -1;
}

// True if b is an ASCII byte that the detector reads as part of a number, an address or
// a separator: a digit, a space or a punctuation mark (not a letter, not a control).
bool IsAsciiNonLetter(unsigned char b) { return b >= 0x20 && b < 0x7F && !IsAsciiAlpha(b); }

// The length of the combining mark at text[i] (U+0300 to U+036F, U+1AB0 to U+1AFF,
// U+1DC0 to U+1DFF, U+20D0 to U+20FF, U+FE00 to U+FE0F (variation selectors, as in a
// keycap digit: '5' U+FE0F U+20E3) and U+FE20 to U+FE2F: the blocks of combining marks
// that a Latin text may carry), or 0 if there is none.
size_t MarkLength(std::string_view text, size_t i) {
  const unsigned char c = static_cast<unsigned char>(text[i]);
  if (c != 0xCC && c != 0xCD && c != 0xE1 && c != 0xE2 && c != 0xEF) return 0;
  size_t len = 0;
  const uint32_t cp = MultiByteAt(text, i, &len);
  const bool mark = (cp >= 0x300 && cp <= 0x36F) || (cp >= 0x1AB0 && cp <= 0x1AFF) ||
                    (cp >= 0x1DC0 && cp <= 0x1DFF) || (cp >= 0x20D0 && cp <= 0x20FF) ||
                    (cp >= 0xFE00 && cp <= 0xFE0F) || (cp >= 0xFE20 && cp <= 0xFE2F);
  return mark ? len : 0;
}

// True if c is the first byte of the UTF-8 of a digit of kDigitZeros but the fullwidth
// ones (which FoldedChar reads with the other fullwidth forms).
constexpr bool IsDigitLead(unsigned c) {
  return c == 0xD9 || c == 0xDB || c == 0xDF || c == 0xE0 || c == 0xE1 || c == 0xEA || c == 0xF0;
}

// '0' plus the value of the digit of kDigitZeros at text[i], with *len its length, or -1.
int DigitAt(std::string_view text, size_t i, size_t* len) {
  size_t n = 0;
  const int d = DigitValue(MultiByteAt(text, i, &n));
  if (d < 0) return -1;
  *len = n;
  return '0' + d;
}

// The ASCII character that a fullwidth form (U+FF01 to U+FF5E, the UTF-8 lead bytes
// 0xEF 0xBC or 0xEF 0xBD then b2) reads as, as Unicode's compatibility mapping (NFKC)
// reads it: the code point less 0xFEE0, '!' to '~'. -1 for the rest of those two rows
// (U+FF00, U+FF5F to U+FF7F: the white parentheses, halfwidth CJK punctuation and kana).
int FullwidthAscii(unsigned b1, unsigned b2) {
  if (b2 < 0x80 || b2 > 0xBF) return -1;
  const unsigned cp = 0xFF00 + ((b1 - 0xBC) << 6) + (b2 - 0x80);
  return cp >= 0xFF01 && cp <= 0xFF5E ? static_cast<int>(cp - 0xFEE0) : -1;
}

// The ASCII letter or digit the character at text[i] reads as (ASCII itself, a fullwidth
// letter or digit, a decimal digit of another script), or -1.
int AlnumAt(std::string_view text, size_t i) {
  if (i >= text.size()) return -1;
  const unsigned char c = static_cast<unsigned char>(text[i]);
  if (c < 0x80) return IsAsciiAlnum(c) ? c : -1;
  size_t len = 0;
  const uint32_t cp = MultiByteAt(text, i, &len);
  if (cp >= 0xFF01 && cp <= 0xFF5E)
    return IsAsciiAlnum(cp - 0xFEE0) ? static_cast<int>(cp - 0xFEE0) : -1;
  const int d = DigitValue(cp);
  return d < 0 ? -1 : '0' + d;
}

// Like AlnumAt, for the character that ends just before text[end] (end > 0).
int AlnumBefore(std::string_view text, size_t end) {
  size_t i = end - 1;
  while (i > 0 && end - i < 4 && (static_cast<unsigned char>(text[i]) & 0xC0) == 0x80) --i;
  size_t len = 0;
  if (static_cast<unsigned char>(text[i]) >= 0x80 &&
      (MultiByteAt(text, i, &len) == 0 || i + len != end))
    return -1;
  return AlnumAt(text, i);
}

// True if a is a digit ('0' to '9'; AlnumAt's -1 is not).
bool IsDigitChar(int a) { return a >= '0' && a <= '9'; }

// AlnumBefore and AlnumAt for a character read by its context (an em dash, an
// ideographic full stop) at text[i], of length len: the characters either side of it
// past the invisible ones (InvisibleLength), which the fold leaves out ("5\u200b\u20142"
// has an em dash between two digits, as "5\u20142" has). -1 for none.
int AlnumBeforeVisible(std::string_view text, size_t i) {
  // The length of the invisible character that ends at end (two bytes or three), or 0.
  const auto invisible_before = [&](size_t end) -> size_t {
    if (end >= 3 && InvisibleLength(text, end - 3) == 3) return 3;
    if (end >= 2 && InvisibleLength(text, end - 2) == 2) return 2;
    return 0;
  };
  while (const size_t n = invisible_before(i)) i -= n;
  return i > 0 ? AlnumBefore(text, i) : -1;
}
int AlnumAfterVisible(std::string_view text, size_t i, size_t len) {
  i += len;
  while (i < text.size()) {
    const size_t n = InvisibleLength(text, i);
    if (n == 0) break;
    i += n;
  }
  return AlnumAt(text, i);
}

// What a UTF-8 sequence at text[i] folds to for detection: its ASCII counterpart (a
// space, '-', '.', '@', a digit, or any ASCII character written fullwidth), '\0' for an
// invisible character (InvisibleLength: skipped), or -1 when it is not one of those
// (kept as it is). *len is the sequence's length.
int FoldedChar(std::string_view text, size_t i, size_t* len) {
  if (const size_t invisible = InvisibleLength(text, i)) {
    *len = invisible;
    return '\0';
  }
  const auto at = [&](size_t k) { return i + k < text.size() ? static_cast<unsigned char>(text[i + k]) : 0u; };
  const unsigned b0 = at(0), b1 = at(1), b2 = at(2);
  if (b0 == 0xC2 && b1 == 0xA0) {  // U+00A0 no-break space
    *len = 2;
    return ' ';
  }
  if (b0 == 0xE2 && b1 == 0x80) {
    *len = 3;
    if (b2 >= 0x80 && b2 <= 0x8A) return ' ';    // U+2000..U+200A spaces
    if (b2 >= 0x90 && b2 <= 0x93) return '-';    // U+2010..U+2013 hyphens, figure and en dash
    // U+2014 em dash and U+2015 horizontal bar (a "quotation dash" that fonts draw as
    // an em dash), between two digits only (word processors write "123--45" so): in
    // prose they join words ("us\u2014john@example.com"), which as '-' would be read
    // into an address, a host name or a hyphenated name.
    if (b2 == 0x94 || b2 == 0x95) {
      const bool between_digits =
          IsDigitChar(AlnumBeforeVisible(text, i)) && IsDigitChar(AlnumAfterVisible(text, i, 3));
      return between_digits ? '-' : -1;
    }
    if (b2 == 0xAF) return ' ';                  // U+202F narrow no-break space
    return -1;
  }
  if (b0 == 0xE2 && b1 == 0x88 && b2 == 0x92) {  // U+2212 minus sign
    *len = 3;
    return '-';
  }
  if (b0 == 0xE3 && b1 == 0x80 && b2 == 0x80) {  // U+3000 ideographic space
    *len = 3;
    return ' ';
  }
  // U+3002 ideographic full stop and U+FF61 its halfwidth form, between two letters or
  // digits read as ASCII ones (AlnumAt: fullwidth ones too): a domain's dot, as browsers
  // read it ("example\u3002com"). Elsewhere (ending a sentence of Chinese or Japanese)
  // they stay as written.
  if ((b0 == 0xE3 && b1 == 0x80 && b2 == 0x82) || (b0 == 0xEF && b1 == 0xBD && b2 == 0xA1)) {
    *len = 3;
    return AlnumBeforeVisible(text, i) >= 0 && AlnumAfterVisible(text, i, 3) >= 0 ? '.' : -1;
  }
  // The fullwidth forms of ASCII (U+FF01..U+FF5E): digits, letters, '-', '.', '@', the
  // rest of its punctuation, each as the ASCII character, as NFKC reads them.
  if (b0 == 0xEF && (b1 == 0xBC || b1 == 0xBD)) {
    *len = 3;
    return FullwidthAscii(b1, b2);
  }
  // U+FE6B small commercial at, U+FE63 small hyphen-minus; U+FE58 small em dash
  // between two digits, as the em dash.
  if (b0 == 0xEF && b1 == 0xB9 && (b2 == 0xAB || b2 == 0xA3)) {
    *len = 3;
    return b2 == 0xAB ? '@' : '-';
  }
  if (b0 == 0xEF && b1 == 0xB9 && b2 == 0x98) {
    *len = 3;
    const bool between_digits =
        IsDigitChar(AlnumBeforeVisible(text, i)) && IsDigitChar(AlnumAfterVisible(text, i, 3));
    return between_digits ? '-' : -1;
  }
  // A decimal digit of another script (Arabic-Indic, Devanagari, Thai...): its ASCII digit.
  if (IsDigitLead(b0)) return DigitAt(text, i, len);
  return -1;
}

// Offset of the first non-ASCII separator or digit of text (FoldedChar), of the first
// ASCII letter followed by a combining mark it composes with (Composed), or of the first
// combining mark after an ASCII digit, space or punctuation mark (FoldSeparators skips
// it), or npos: one pass, sixteen ASCII bytes at a time (most text has none at all).
// Over [from, to) (what it reads around an offset may lie outside).
size_t FirstFoldable(std::string_view text, size_t from, size_t to) {
  const size_t n = text.size();
  const char* p = text.data();
  size_t i = from;
  while (i < to) {
#if defined(__SSE2__)
    if (i + 16 <= to) {
      const int high = _mm_movemask_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i)));
      if (high == 0) {
        i += 16;
        continue;
      }
      i += static_cast<size_t>(__builtin_ctz(static_cast<unsigned>(high)));  // its first non-ASCII byte
    }
#endif
    const unsigned char c = static_cast<unsigned char>(p[i]);
    if (c < 0x80) {  // (the last bytes, fewer than 16, one at a time: every test below wants more)
      ++i;
      continue;
    }
    size_t len = 0;
    if ((c == 0xC2 || c == 0xE1 || c == 0xE2 || c == 0xE3 || c == 0xEF) && FoldedChar(text, i, &len) >= 0)
      return i;
    if (IsDigitLead(c) && DigitAt(text, i, &len) >= 0) return i;
    if (c >= 0xCC && i > 0) {
      // A combining mark after the ASCII letter it composes with: from the letter on.
      if (c == 0xCC && i + 1 < n && Composed(p[i - 1], c, p[i + 1]) != 0) return i - 1;
      // One after a digit, a space or a punctuation mark.
      if (IsAsciiNonLetter(static_cast<unsigned char>(p[i - 1])) && MarkLength(text, i) > 0) return i;
    }
    ++i;
  }
  return std::string_view::npos;
}

// The same over the whole text, cancel polled every kFoldPollBytes.
constexpr size_t kFoldPollBytes = 64 * 1024;
size_t FirstFoldable(std::string_view text, const CancelCheck& cancel) {
  if (!cancel || text.size() <= kFoldPollBytes) return FirstFoldable(text, 0, text.size());
  for (size_t from = 0; from < text.size(); from += kFoldPollBytes) {
    const size_t found = FirstFoldable(text, from, std::min(text.size(), from + kFoldPollBytes));
    if (found != std::string_view::npos) return found;
    PollCancel(cancel);
  }
  return std::string_view::npos;
}

// Folds text's non-ASCII separators and digits (FoldedChar), composes its ASCII letters
// with the combining marks after them (Composed), and skips the combining marks after a
// digit, a space or a punctuation mark, ASCII or folded to one ("5\u0301": a mark
// between digits keeps no number from being read). The first of these is at offset
// first. The result goes into *folded, with *where holding, for each byte of *folded and
// one past its end, its offset in text, and *after, for each byte of *folded, the offset
// in text just past the character it comes from (and past the marks skipped right after
// it: a finding that ends with the character takes its marks along). where and after
// are both null when no offsets are wanted (FoldForMatching).
//
// This fold is also the canonical form of pseudonyms (FoldForMatching, Pseudonym): what
// it changes changes the pseudonyms of values holding such characters, which then no
// longer join with those stored before. cancel is polled every kFoldPollBytes.
void FoldSeparators(std::string_view text, size_t first, std::string* folded,
                    std::vector<uint32_t>* where, std::vector<uint32_t>* after,
                    const CancelCheck& cancel) {
  folded->reserve(text.size());
  folded->assign(text.data(), first);
  if (where) {
    where->reserve(text.size() + 1);
    after->reserve(text.size());
    where->resize(first);
    after->resize(first);
    for (size_t i = 0; i < first; ++i) {
      (*where)[i] = static_cast<uint32_t>(i);
      (*after)[i] = static_cast<uint32_t>(i + 1);
    }
  }
  // Appends byte b of *folded, from the characters of text[from, to).
  const auto put = [&](char b, size_t from, size_t to) {
    folded->push_back(b);
    if (where) {
      where->push_back(static_cast<uint32_t>(from));
      after->push_back(static_cast<uint32_t>(to));
    }
  };
  // Whether the last character put into *folded is one after which a combining mark is
  // skipped, and where in text the characters it took (itself, its marks) end.
  bool skip_marks = first > 0 && IsAsciiNonLetter(static_cast<unsigned char>(text[first - 1]));
  size_t taken_end = first;
  size_t next_poll = first + kFoldPollBytes;
  for (size_t i = first; i < text.size();) {
    if (i >= next_poll) {
      PollCancel(cancel);
      next_poll = i + kFoldPollBytes;
    }
    // An ASCII letter and a combining mark (NFD) as the one letter they compose to (NFC):
    // two bytes of UTF-8, each from the letter to past the mark.
    if (i + 2 < text.size()) {
      if (const unsigned cp = Composed(text[i], text[i + 1], text[i + 2])) {
        for (char b : {static_cast<char>(0xC0 | cp >> 6), static_cast<char>(0x80 | (cp & 0x3F))})
          put(b, i, i + 3);
        i += 3;
        skip_marks = false;
        continue;
      }
    }
    const unsigned char c = static_cast<unsigned char>(text[i]);
    size_t len = 1;
    if (skip_marks && c >= 0xCC) {
      if (const size_t m = MarkLength(text, i)) {
        if (taken_end == i) {
          if (after) after->back() = static_cast<uint32_t>(i + m);
          taken_end = i + m;
        }
        i += m;
        continue;
      }
    }
    // Only the lead bytes FoldedChar reads (FirstFoldable's test): not a CJK ideograph's
    // (0xE4 to 0xE9), which a text in Chinese or Japanese is mostly made of.
    const bool may_fold = c == 0xC2 || c == 0xE2 || c == 0xE3 || c == 0xEF || IsDigitLead(c);
    const int f = may_fold ? FoldedChar(text, i, &len) : -1;
    if (f < 0) {
      len = 1;
      put(text[i], i, i + 1);
      skip_marks = IsAsciiNonLetter(c);
      taken_end = i + 1;
    } else if (f > 0) {
      // A fullwidth letter and a combining mark: the letter they compose to, as with an
      // ASCII letter (NFKC composes them so).
      if (IsAsciiAlpha(static_cast<unsigned char>(f)) && i + len + 1 < text.size()) {
        if (const unsigned cp =
                Composed(static_cast<unsigned char>(f), text[i + len], text[i + len + 1])) {
          for (char b : {static_cast<char>(0xC0 | cp >> 6), static_cast<char>(0x80 | (cp & 0x3F))})
            put(b, i, i + len + 2);
          i += len + 2;
          skip_marks = false;
          taken_end = i;
          continue;
        }
      }
      put(static_cast<char>(f), i, i + len);
      // A mark after a letter (fullwidth) is an accent and stays, as after an ASCII one.
      skip_marks = IsAsciiNonLetter(static_cast<unsigned char>(f));
      taken_end = i + len;
    }
    i += len;
  }
  if (where) where->push_back(static_cast<uint32_t>(text.size()));
}

}  // namespace

bool FoldForMatching(std::string_view text, std::string* folded, const CancelCheck& cancel) {
  const size_t first = FirstFoldable(text, cancel);
  if (first == std::string_view::npos) return false;
  FoldSeparators(text, first, folded, nullptr, nullptr, cancel);
  return true;
}

size_t InvisibleLength(std::string_view text, size_t i) {
  const auto at = [&](size_t k) {
    return i + k < text.size() ? static_cast<unsigned char>(text[i + k]) : 0u;
  };
  const unsigned b0 = at(0), b1 = at(1), b2 = at(2);
  switch (b0) {
    case 0xC2:  // U+00AD soft hyphen (invisible unless a line breaks there)
      return b1 == 0xAD ? 2 : 0;
    case 0xE1:  // U+180E Mongolian vowel separator
      return b1 == 0xA0 && b2 == 0x8E ? 3 : 0;
    case 0xE2:
      // U+200B zero-width space, U+200C non-joiner, U+200D joiner; U+200E, U+200F
      // left-to-right and right-to-left marks, U+202A..U+202E bidi embeddings and
      // overrides: what editors of Hebrew and Arabic text put around numbers and
      // addresses.
      if (b1 == 0x80) return (b2 >= 0x8B && b2 <= 0x8F) || (b2 >= 0xAA && b2 <= 0xAE) ? 3 : 0;
      // U+2060 word joiner, U+2061..U+2064 invisible operators (function application,
      // times, separator, plus), U+2066..U+2069 bidi isolates.
      if (b1 == 0x81) return (b2 >= 0xA0 && b2 <= 0xA4) || (b2 >= 0xA6 && b2 <= 0xA9) ? 3 : 0;
      return 0;
    case 0xEF:  // U+FEFF zero-width no-break space (a byte order mark)
      return b1 == 0xBB && b2 == 0xBF ? 3 : 0;
    default:
      return 0;
  }
}

namespace {

// A value stored alone under a name that names a person's name (PersonNameWords), which
// reads as one (WholeTextIsName), is a PERSON, in any case and without a given name the
// list knows: records keep names a part a column ("first_name": "Maria", "last_name":
// "Garcia"), each left in clear (QA 17).
constexpr double kNamedPersonScore = 0.85;
void AddNamedPerson(std::string_view text, const DetectOptions& options, std::vector<Finding>* out) {
  if (options.context.empty() || options.context.size() > 256 || text.size() > 256) return;
  if (!options.entities.empty() &&
      std::find(options.entities.begin(), options.entities.end(), "PERSON") == options.entities.end())
    return;
  if (kNamedPersonScore < options.min_score) return;
  size_t b, e;
  // (Every one of PersonNameWords holds one of these: most names are passed over here,
  // before the text is read; the words of those left are compared last.)
  if (!MayNamePersonName(options.context) || !WholeTextIsName(text, &b, &e) ||
      !NameHasContext(options.context, PersonNameWords()))
    return;
  out->push_back(Finding{"PERSON", b, e, kNamedPersonScore});
}

}  // namespace

std::vector<Finding> Detector::Detect(std::string_view text, const DetectOptions& options,
                                      const CancelCheck& cancel) const {
  std::vector<Finding> candidates;  // no allocation for a text with none (most values)
  const size_t first = FirstFoldable(text, cancel);
  if (first == std::string_view::npos || text.size() >= std::numeric_limits<uint32_t>::max()) {
    CollectAll(text, options, cancel, &candidates);
    AddNamedPerson(text, options, &candidates);
    return Resolve(std::move(candidates));
  }
  std::string folded;
  std::vector<uint32_t> where, after;
  FoldSeparators(text, first, &folded, &where, &after, cancel);
  CollectAll(folded, options, cancel, &candidates);
  // A finding ends after its last character as given: not after characters skipped
  // (a zero-width space) between it and the next one.
  for (Finding& f : candidates) {
    f.begin = where[f.begin];
    f.end = f.end > 0 ? after[f.end - 1] : where[0];
  }
  // Custom recognizers also run over the text as given: a pattern may spell a no-break
  // space or a fullwidth digit itself. (The same span found twice is kept once.)
  for (const Detector* d = this; d; d = d->base_)
    if (d->impl_->custom) d->impl_->Collect(text, options, cancel, &candidates);
  AddNamedPerson(text, options, &candidates);
  return Resolve(std::move(candidates));
}

std::vector<Finding> Detector::Resolve(std::vector<Finding> candidates) {
  if (candidates.size() <= 1) return candidates;
  // Overlaps: the better score wins, then the longer span, then the earlier one.
  std::sort(candidates.begin(), candidates.end(), [](const Finding& a, const Finding& b) {
    if (a.score != b.score) return a.score > b.score;
    if (a.end - a.begin != b.end - b.begin) return a.end - a.begin > b.end - b.begin;
    if (a.begin != b.begin) return a.begin < b.begin;
    return a.entity < b.entity;
  });
  // The kept findings are moved to the front of candidates, in the order they are kept
  // (no vector of their own: one allocation fewer a text).
  size_t kept = 0;
  // Names that lost to an overlapping finding: a name found from a cue ("patient Garcia")
  // and the same name found from the first-name list ("Garcia, Maria") are one name, and
  // the part of it only the loser covered would be left in clear.
  std::vector<Finding> lost_names;
  // URLs that lost to a finding inside them (an address or a date in the query, a
  // password's "user:pass@host"): the rest of the URL would be left in clear, and a
  // second redaction would find "https://host/?email=[EMAIL_ADDRESS]" a URL.
  std::vector<Finding> lost_urls;
  auto lost = [&](const Finding& f) {
    if (f.entity == "PERSON") lost_names.push_back(f);
    else if (f.entity == "URL") lost_urls.push_back(f);
  };
  if (candidates.size() <= kFewCandidates) {
    // The accepted spans, sorted by begin (a handful: an array on the stack beats a tree's
    // nodes, and a vector's allocation).
    struct Span {
      size_t begin, end;
    };
    Span taken[kFewCandidates];
    size_t ntaken = 0;
    for (size_t c = 0; c < candidates.size(); ++c) {
      const Finding f = candidates[c];
      Span* next = std::lower_bound(taken, taken + ntaken, f.begin,
                                    [](const Span& s, size_t begin) { return s.begin < begin; });
      if ((next != taken + ntaken && next->begin < f.end) ||
          (next != taken && std::prev(next)->end > f.begin)) {
        lost(f);
        continue;
      }
      std::move_backward(next, taken + ntaken, taken + ntaken + 1);
      *next = {f.begin, f.end};
      ++ntaken;
      candidates[kept++] = f;
    }
  } else {
    // A large text's many findings come in order of score, not of position: inserting
    // each into the middle of a vector made resolving them quadratic (a 40 MB text took
    // minutes). A tree keeps it O(n log n).
    std::map<size_t, size_t> taken;  // begin -> end of the accepted spans
    for (size_t c = 0; c < candidates.size(); ++c) {
      const Finding f = candidates[c];
      auto next = taken.lower_bound(f.begin);
      if ((next != taken.end() && next->first < f.end) ||
          (next != taken.begin() && std::prev(next)->second > f.begin)) {
        lost(f);
        continue;
      }
      taken.emplace_hint(next, f.begin, f.end);
      candidates[kept++] = f;
    }
  }
  candidates.resize(kept);
  std::sort(candidates.begin(), candidates.end(),
            [](const Finding& a, const Finding& b) { return a.begin < b.begin; });
  // A lost name that overlaps kept names and nothing else widens them into one finding
  // over all their spans (the best score of them): a name found from a cue that two
  // shorter names split between them ("Attn: Lopez Smith Herr John Jones", where "Smith
  // Herr" came from the first-name list and "John Jones" after the honorific) would
  // otherwise leave its first word in clear.
  for (const Finding& f : lost_names) {
    auto first = std::lower_bound(candidates.begin(), candidates.end(), f.begin,
                                  [](const Finding& k, size_t begin) { return k.end <= begin; });
    auto last = first;
    bool names_only = true;
    double score = 0;
    while (last != candidates.end() && last->begin < f.end) {
      names_only &= last->entity == "PERSON";
      score = std::max(score, last->score);
      ++last;
    }
    if (first == last || !names_only) continue;
    first->begin = std::min(first->begin, f.begin);
    first->end = std::max(std::prev(last)->end, f.end);
    first->score = score;
    candidates.erase(first + 1, last);
  }
  // A lost URL takes the findings it overlaps into one URL finding over them all (the
  // best score of them): the whole URL is redacted, as when it wins.
  for (const Finding& f : lost_urls) {
    auto first = std::lower_bound(candidates.begin(), candidates.end(), f.begin,
                                  [](const Finding& k, size_t begin) { return k.end <= begin; });
    auto last = first;
    double score = f.score;
    while (last != candidates.end() && last->begin < f.end) score = std::max(score, (last++)->score);
    if (first == last) continue;
    Finding merged = f;
    merged.begin = std::min(f.begin, first->begin);
    merged.end = std::max(f.end, std::prev(last)->end);
    merged.score = score;
    *first = merged;
    candidates.erase(first + 1, last);
  }
  return candidates;
}

void Detector::CollectAll(std::string_view text, const DetectOptions& options,
                          const CancelCheck& cancel, std::vector<Finding>* out) const {
  if (base_) base_->CollectAll(text, options, cancel, out);
  impl_->Collect(text, options, cancel, out);
}

void Detector::Impl::Collect(std::string_view text, const DetectOptions& options,
                             const CancelCheck& cancel, std::vector<Finding>* out) const {
  const Impl& im = *this;
  if (groups.empty() && first_names.empty()) return;
  if (!im.custom && !options.full_scan && !MayHoldBuiltin(text)) return;
  // Without an entity filter (the common case) the precomputed all-true masks serve.
  std::vector<bool> wanted_filtered, group_filtered;
  const std::vector<bool>* wanted = &im.all_patterns;
  const std::vector<bool>* group_wanted = &im.all_groups;
  if (!options.entities.empty()) {
    wanted_filtered.assign(im.patterns.size(), false);
    group_filtered.assign(im.groups.size(), false);
    for (size_t g = 0; g < im.groups.size(); ++g) {
      for (size_t i : im.groups[g].members) {
        wanted_filtered[i] = std::find(options.entities.begin(), options.entities.end(),
                                       im.patterns[i].entity) != options.entities.end();
        if (wanted_filtered[i]) group_filtered[g] = true;
      }
    }
    wanted = &wanted_filtered;
    group_wanted = &group_filtered;
  }
  bool want_person = options.entities.empty() ||
                     std::find(options.entities.begin(), options.entities.end(), "PERSON") !=
                         options.entities.end();
  std::vector<Finding>& candidates = *out;
  // Where each group's search resumes, from 0; on the stack for up to kStackGroups groups
  // (the built-in ones), where an entry is set only when its group is first searched
  // (bit g of started: most texts need few of the groups).
  size_t resume_stack[kStackGroups];
  uint64_t started = 0;
  std::vector<size_t> resume_heap;
  if (im.groups.size() > kStackGroups) resume_heap.assign(im.groups.size(), 0);
  for (size_t start = 0; start < text.size(); start += kWindowBytes) {
    PollCancel(cancel);
    size_t keep_before = std::min(text.size(), start + kWindowBytes);
    size_t to = std::min(text.size(), keep_before + kWindowMargin);
    // At a character's start: a match cut inside a character ends before it, not at the
    // window's end, and was not matched again against the rest of the text (a URL kept
    // its tail in clear, QA 17).
    while (to < text.size() && (static_cast<unsigned char>(text[to]) & 0xC0) == 0x80) ++to;
    const std::string_view window = text.substr(start, to - start);
    auto scan = [&](size_t g, const SearchRange& range) {
      if (!(*group_wanted)[g]) return;
      size_t* resume;
      if (resume_heap.empty()) {
        if (!(started >> g & 1)) {
          resume_stack[g] = 0;
          started |= uint64_t{1} << g;
        }
        resume = &resume_stack[g];
      } else {
        resume = &resume_heap[g];
      }
      im.Scan(g, text, range, keep_before, resume, *wanted, options, &candidates);
    };
    // Each built-in regex hinted at is searched over the range where it may match, in
    // the order of the groups: only the groups of the hints set are visited.
    if (im.builtin_groups > 0) {
      const Hints hints = options.full_scan ? Hints::All(window.size()) : BuiltinHints(window);
      uint64_t hinted = 0;
      for (HintMask m = hints.mask; m != 0; m &= m - 1) hinted |= im.hint_groups[__builtin_ctz(m)];
      for (; hinted != 0; hinted &= hinted - 1) {
        const size_t g = static_cast<size_t>(__builtin_ctzll(hinted));
        const int h = im.groups[g].hint;
        // One byte past the last end, so that no match ends at the range's end (which
        // would have it matched again against the rest of the text).
        SearchRange range{start + hints.lo[h], std::min(to, start + hints.hi[h] + 1),
                          start + hints.hi[h], !options.full_scan && StartsAtHint(h)};
        if (h == static_cast<int>(Hint::kNameCue) && hints.ncue_starts <= Hints::kMaxCueStarts) {
          range.starts = hints.cue_starts;
          range.nstarts = hints.ncue_starts;
          range.base = start;
        }
        scan(g, range);
      }
    }
    if (im.set) {
      // Its capacity kept from call to call; never destroyed (the postmaster's warm-up
      // fills it: see kDateContext in recognizers.cpp).
      thread_local std::vector<int>& found = *new std::vector<int>;
      found.clear();
      RE2::Set::ErrorInfo info{};
      if (!im.set->Match(re2::StringPiece(window.data(), window.size()), &found, &info) &&
          info.kind != RE2::Set::kNoError) {
        // The set's DFA ran out of memory: search every custom pattern instead.
        found.clear();
        for (size_t k = 0; k < im.set_groups.size(); ++k) found.push_back(static_cast<int>(k));
      }
      std::sort(found.begin(), found.end());
      for (int k : found) scan(im.set_groups[k], {start, to, to, false});
    }
    if (want_person) im.ScanFirstNames(text, start, keep_before, options, &candidates);
  }
}

std::vector<std::string_view> Detector::WarmUp() const {
  // Invented values in the shapes the recognizers look for, within ordinary prose.
  static constexpr const char* kSample[] = {
      "Patient name: Maria Lopez, DOB 1984-03-12. Seen on 03/14/2024 for a follow-up. "
      "Dear Mr. Thompson, thank you for your call on March 3, 2024; we reached you at "
      "(415) 555-2671 and +44 20 7946 0958.",
      "Employee: James O'Brien, SSN 536-22-8714, ITIN 912-70-1234; e-mail "
      "james.obrien@example.com, backup j_obrien+hr@mail.example.org. Signed by Dr. Sarah "
      "Connor. Best regards, Emily Clarke",
      "Card 4111 1111 1111 1111 and 4012888888881881 (visa), IBAN GB82 WEST 1234 5698 7654 "
      "32 and DE89370400440532013000; routing 021000021, account 123456789012.",
      "Client IP 192.168.10.25, fe80::1ff:fe23:4567:890a, MAC 00:1A:2B:3C:4D:5E; see "
      "https://portal.example.com/cases?id=42 or www.example.org/help. Driver "
      "license D1234567, NPI 1234567893, NHS 943 476 5919, 020 7946 0958.",
      // The first wallet is a Base58 address cut short: matched, and rejected by its
      // length before its checksum, a SHA-256 whose first use has OpenSSL build its table
      // of digests here, in the postmaster, which every backend's exit then frees,
      // writing to pages it shares with the postmaster (20 page faults a connection; a
      // session builds the table, about 0.2 ms, on its own first digest, if it has one).
      "Her passport X12345678 was renewed in May. Wallet 1BoatSLRHtKNngkdXEeobR76b5 and "
      "0x52908400098527886E0F7030069857D2E4169EE7; "
      "5th June, 2023 at 2023-06-05T14:30:00Z.",
      // Numbers of every region the phone validation tries, national and international,
      // so that libphonenumber compiles their patterns here (one an invalid number,
      // which tries every region).
      "Call 030 901820 or +49 30 901820, Paris 01 42 68 53 00 or +33 1 42 68 53 00, Sydney "
      "02 9374 4000 or +61 2 9374 4000, Delhi 011 2301 2345 or +91 11 2301 2345, Toronto "
      "+1 416 555 0199, London 020 7946 0958, not a number 0999 999 9999.",
      // National identifiers of Europe (invented numbers with valid check characters),
      // each beside its context word.
      "DNI 73516284G, NIE X3851726P, codice fiscale BNCLRA91E52H501U, PESEL 87120347853, "
      "hetu 150387-472S, NI number AB 12 34 56 C, Steuer-ID 47815293646, NIR 1 87 06 75 "
      "123 045 14 and 187067512304514, BSN 174638516.",
      // Their other written forms, each a regex of its own, and dates of Europe.
      "DNI 73.516.284-G, BSN 1746.38.516, cf bnclra91e52h501u, NI ab 12 34 56 c, geboren am "
      "3. M\u00e4rz 1984, n\u00e9 le 12 janv. 1985, NIA 7 90 05 75 112 003 20.",
      "the quick brown fox jumps over the lazy dog; nothing here, no numbers, no names.",
  };
  DetectOptions all;
  all.min_score = 0;
  std::set<std::string_view> found;
  for (const char* text : kSample)
    for (const Finding& f : Detect(text, all)) found.insert(f.entity);
  return {found.begin(), found.end()};
}

bool Detector::HoldsFirstName(std::string_view s) const {
  const Detector& d = base_ ? *base_ : *this;
  if (d.impl_->first_names.empty()) return false;
  auto letter = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); };
  std::string word;
  size_t i = 0;
  while (i < s.size()) {
    if (!letter(s[i])) {
      ++i;
      continue;
    }
    size_t j = i + 1;
    // A word ends at a non-letter, or where a small letter meets a capital ("MariaGarcia").
    while (j < s.size() && letter(s[j]) && !(s[j - 1] >= 'a' && s[j - 1] <= 'z' && s[j] >= 'A' && s[j] <= 'Z'))
      ++j;
    if (j - i >= 3 && j - i <= 24) {
      word.assign(s.substr(i, j - i));
      for (char& c : word) c = static_cast<char>(c | 0x20);
      // ("max" is a listed name and a word of many keys: maxItems, max_length.)
      if (word != "max" && d.impl_->first_names.Contains(word)) return true;
    }
    i = j;
  }
  return false;
}

std::vector<std::string> LoadNameList(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw Error(sqlstate::kConfigFileError, "could not read name list \"" + path + "\"");
  std::vector<std::string> names;
  std::string line;
  while (std::getline(in, line)) {
    while (!line.empty() && std::isspace(static_cast<unsigned char>(line.back()))) line.pop_back();
    if (line.empty() || line[0] == '#') continue;
    names.push_back(AsciiLower(line));
  }
  return names;
}

}  // namespace comply::pii
