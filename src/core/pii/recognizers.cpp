// The built-in recognizer table and the validators that need more than a checksum.
#include "core/pii/recognizers.h"

#include "core/pii/phone_national.h"
#include "core/pii/word_set.h"

#include <phonenumbers/phonenumberutil.h>

#include <algorithm>
#include <bitset>
#include <cctype>
#include <optional>
#include <set>
#include <unordered_map>

namespace comply::pii {
namespace {

namespace pn = i18n::phonenumbers;

// ASCII letter or digit, without the C locale's table lookup.
bool IsAsciiAlnum(char ch) {
  unsigned char c = static_cast<unsigned char>(ch);
  return ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') || (c >= '0' && c <= '9');
}

// Trims trailing punctuation that ends a sentence rather than the URL, and a closing
// parenthesis that has no opening one inside the URL.
bool RefineUrl(std::string_view text, size_t* begin, size_t* end) {
  while (*end > *begin) {
    char c = text[*end - 1];
    if (c == '.' || c == ',' || c == ';' || c == ':' || c == '!' || c == '?' || c == '\'') {
      --*end;
    } else if (c == ')') {
      std::string_view url = text.substr(*begin, *end - *begin);
      if (std::count(url.begin(), url.end(), '(') >= std::count(url.begin(), url.end(), ')'))
        break;
      --*end;
    } else {
      break;
    }
  }
  return *end - *begin > 10;
}

// Makes an IBAN candidate its country's registered length: cut, so that a following
// word written in capitals is not swallowed into it, or carried on past the regex's
// groups of four, which a bank's paper form does not keep ("GB82 WEST 123456 98765432":
// bank, sort code, account), one space or hyphen at most between two characters. It
// must end where a group does.
bool RefineIban(std::string_view text, size_t* begin, size_t* end) {
  const size_t want = IbanCountryLength(text.substr(*begin, 2));
  if (want == 0) return false;
  auto alnum = [&](size_t i) { return i < text.size() && IsAsciiAlnum(text[i]); };
  auto sep = [&](size_t i) { return i < text.size() && (text[i] == ' ' || text[i] == '-'); };
  size_t count = 0, e = *begin;
  while (count < want) {
    if (alnum(e)) {
      ++count;
      ++e;
    } else if (e > *begin && sep(e) && alnum(e + 1)) {
      ++e;
    } else {
      break;
    }
  }
  if (count != want || alnum(e)) return false;  // too short, or cut inside a group
  *end = e;
  return true;
}

// Requires an IPv6 candidate to stand alone: not glued to letters, digits or colons.
bool RefineIp(std::string_view text, size_t* begin, size_t* end) {
  auto word = [](char c) { return IsAsciiAlnum(c) || c == ':'; };
  if (*begin > 0 && word(text[*begin - 1])) return false;
  if (*end < text.size() && word(text[*end])) return false;
  while (*end > *begin && text[*end - 1] == '.') --*end;
  return *end > *begin;
}

// Refuses a candidate that is only part of a longer run of the same separated groups
// ("1.3.6.1" inside the OID 1.3.6.1.4.1, six pairs of a seven-pair hex run).
bool RefineNotInRun(std::string_view text, size_t* begin, size_t* end) {
  auto alnum = [&](size_t i) { return IsAsciiAlnum(text[i]); };
  auto sep = [](char c) { return c == '.' || c == ':' || c == '-'; };
  if (*begin >= 2 && sep(text[*begin - 1]) && alnum(*begin - 2)) return false;
  if (*end + 1 < text.size() && sep(text[*end]) && alnum(*end + 1)) return false;
  return true;
}

// Refuses an IPv4 candidate that is only part of a longer dotted run (1.3.6.1 inside
// the OID 1.3.6.1.4.1, four parts of a version 1.2.3.4.5) or glued to a word by a
// hyphen (v-1.2.3.4, 1.2.3.4-beta); a port (10.0.0.1:5432), a range (10.0.0.1-10.0.0.9)
// or a prefix (host:10.0.0.1) leaves the address an address. So does one after a word
// that makes it a version ("version 1.2.3.4", "Build: 10.0.19041.1", "firmware
// 4.2.1.7", "ver. 2.0.0.1"): software writes four-part versions as addresses look; or
// a numbered part of a document or a standard ("section 1.2.3.4", "PCI DSS 10.2.1.1",
// "Requirement 8.3.1.1", "Abb. 2.1.1.3", "§ 1.2.3.4"), also as a field's name or a
// product's token ("version": "1.2.3.4", <version>1.2.3.4, version=1.2.3.4,
// AssemblyVersion("1.0.0.0"), a user agent's Chrome/124.0.0.0).
bool RefineIpv4(std::string_view text, size_t* begin, size_t* end) {
  auto letter = [&](size_t i) { return IsAsciiAlnum(text[i]) && !(text[i] >= '0' && text[i] <= '9'); };
  if (*begin >= 2 && text[*begin - 1] == '.' && IsAsciiAlnum(text[*begin - 2])) return false;
  if (*end + 1 < text.size() && text[*end] == '.' && IsAsciiAlnum(text[*end + 1])) return false;
  if (*begin >= 2 && text[*begin - 1] == '-' && letter(*begin - 2)) return false;
  if (*end + 1 < text.size() && text[*end] == '-' && letter(*end + 1)) return false;
  // A product's token in a user agent or a path: letters and '/' right before it.
  if (*begin >= 2 && text[*begin - 1] == '/' && letter(*begin - 2)) return false;
  // The word before it, over blanks and the marks of a field ("version": ", =, >, ("),
  // and a '.' right after the word ("ver.", "Abb.").
  size_t j = *begin;
  auto mark = [](char c) {
    return c == ' ' || c == '\t' || c == ':' || c == '"' || c == '\'' || c == '=' || c == '>' ||
           c == '(';
  };
  while (j > 0 && *begin - j < 8 && mark(text[j - 1])) --j;
  if (j == *begin) return true;
  // "§ 1.2.3.4"
  if (j >= 2 && static_cast<unsigned char>(text[j - 2]) == 0xC2 &&
      static_cast<unsigned char>(text[j - 1]) == 0xA7)
    return false;
  if (j > 0 && text[j - 1] == '.') --j;
  constexpr size_t kLongest = 32;
  size_t w = j;
  while (w > 0 && j - w <= kLongest && letter(w - 1)) --w;
  if (w == j || j - w > kLongest || (w > 0 && IsAsciiAlnum(text[w - 1]))) return true;
  char word[kLongest + 1] = {};
  for (size_t k = w; k < j; ++k) word[k - w] = static_cast<char>(text[k] | 0x20);
  const std::string_view said(word, j - w);
  // A name that ends so: AssemblyVersion, FileVersion, appVersion.
  if (said.size() > 7 && said.substr(said.size() - 7) == "version") return false;
  // (Not "fw", "sec", "table", "step", "item", "control": "FW: 192.168.1.1 blocked",
  // "routing table 10.0.0.1" are network text.) German, Dutch and Italian ones too.
  static constexpr std::string_view kVersionWords[] = {
      "version", "ver", "v", "release", "build", "firmware", "revision", "rev", "section",
      "chapter", "clause", "paragraph", "para", "article", "figure", "fig", "requirement",
      "req", "dss", "abschnitt", "kapitel", "abb", "tab", "ziffer", "versie", "hoofdstuk",
      "versione", "sezione", "capitolo"};
  for (std::string_view v : kVersionWords)
    if (v == said) return false;
  return true;
}

// The code point of the UTF-8 sequence that ends just before text[at] (at > 0), and
// where it begins (*start).
char32_t CodePointBefore(std::string_view text, size_t at, size_t* start) {
  size_t i = at - 1;
  while (i > 0 && at - i < 4 && (static_cast<unsigned char>(text[i]) & 0xC0) == 0x80) --i;
  *start = i;
  const auto* p = reinterpret_cast<const unsigned char*>(text.data()) + i;
  const size_t n = at - i;
  if (n == 1) return p[0];
  if (n == 2) return (char32_t{p[0]} & 0x1F) << 6 | (p[1] & 0x3F);
  if (n == 3) return (char32_t{p[0]} & 0x0F) << 12 | (char32_t{p[1]} & 0x3F) << 6 | (p[2] & 0x3F);
  return (char32_t{p[0]} & 0x07) << 18 | (char32_t{p[1]} & 0x3F) << 12 |
         (char32_t{p[2]} & 0x3F) << 6 | (p[3] & 0x3F);
}

// Whether a non-ASCII code point may stand in an address's local part or domain label:
// letters, marks and digits of any script, not the punctuation, symbols and spaces
// that surround an address in text (quotes, dashes, ellipses, no-break spaces, emoji).
bool AddressCodePoint(char32_t c) {
  if (c < 0xC0) return c == 0xAA || c == 0xB5 || c == 0xBA;  // Latin-1: ª µ º
  if (c == 0xD7 || c == 0xF7) return false;                   // × ÷
  // Arabic comma, semicolon, question mark and full stop; Devanagari dandas.
  if (c == 0x060C || c == 0x061B || c == 0x061F || c == 0x06D4 || c == 0x0964 || c == 0x0965)
    return false;
  if (c >= 0x2000 && c <= 0x2BFF) return false;  // punctuation, symbols, arrows, shapes
  if (c >= 0x2E00 && c <= 0x2E7F) return false;  // supplemental punctuation
  if (c == 0xFEFF) return false;                 // zero width no-break space
  if (c >= 0xFF3B && c <= 0xFF40) return false;  // fullwidth brackets, accents
  if (c >= 0xFF5B && c <= 0xFF65) return false;  // fullwidth braces, halfwidth CJK punctuation
  if (c >= 0x3000 && c <= 0x303F) return false;  // CJK punctuation
  if (c >= 0xFE30 && c <= 0xFE4F) return false;  // CJK compatibility forms
  if (c >= 0xFF00 && c <= 0xFF0F) return false;  // fullwidth punctuation
  if (c >= 0xFF1A && c <= 0xFF20) return false;
  if (c >= 0xFFF0 && c <= 0xFFFF) return false;  // specials
  if (c >= 0x1F000 && c <= 0x1FAFF) return false;  // emoji and pictographs
  return true;
}

// Whether c is a CJK ideograph, kana or Hangul syllable (scripts written without spaces:
// an address written in Latin letters right after them is not part of their word).
bool CjkCodePoint(char32_t c) {
  return (c >= 0x3040 && c <= 0x30FF) || (c >= 0x3400 && c <= 0x9FFF) ||
         (c >= 0xAC00 && c <= 0xD7AF) || (c >= 0xF900 && c <= 0xFAFF) ||
         (c >= 0x20000 && c <= 0x2FFFF);
}

// An e-mail match is its local part back from its '@' (the pattern's match may begin
// earlier, since it reads any non-ASCII character as part of one): over ASCII local
// characters and letters of other scripts (hans.müller@, josé@), so no part of the name
// stays outside it, but not over the punctuation, symbols and spaces around an address
// in text, a doubled dot, nor from Latin letters back into CJK text written without
// spaces (お問い合わせはtaro@ is taro@); then forward to its first letter or digit. Over a
// doubled dot too ("john..doe@" whole: ValidateEmail reads it as likely, not valid),
// which left "john.." of a name in the redacted text; not over three dots or more, an
// ellipsis ("reply...john@", "Tel. 030 1234567...anna@": the number is a finding of its
// own, which an address reaching back into it would lose to).
bool RefineEmail(std::string_view text, size_t* begin, size_t* end) {
  auto ascii_local = [](char c) {
    return IsAsciiAlnum(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '\'' || c == '-';
  };
  const size_t at = text.find('@', *begin);
  if (at == std::string_view::npos || at >= *end) return false;
  size_t b = at;
  bool latin_seen = false;
  while (b > 0) {
    const unsigned char c = static_cast<unsigned char>(text[b - 1]);
    if (c < 0x80) {
      if (!ascii_local(static_cast<char>(c))) break;
      if (c == '.' && b >= 3 && text[b - 2] == '.' && text[b - 3] == '.') break;
      latin_seen = latin_seen || IsAsciiAlnum(static_cast<char>(c));
      --b;
      continue;
    }
    size_t start;
    const char32_t cp = CodePointBefore(text, b, &start);
    if (!AddressCodePoint(cp) || (latin_seen && CjkCodePoint(cp))) break;
    b = start;
  }
  // Then forward to its first letter or digit, ASCII or not.
  while (b < at) {
    const unsigned char c = static_cast<unsigned char>(text[b]);
    if (c < 0x80) {
      if (IsAsciiAlnum(static_cast<char>(c))) break;
      ++b;
      continue;
    }
    size_t len = (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 1;
    size_t start;
    const size_t next = std::min(at, b + len);
    if (AddressCodePoint(CodePointBefore(text, next, &start))) break;
    b = next;
  }
  if (b >= at) return false;
  *begin = b;
  return true;
}

// Refuses a phone number written with a slash ("030/1234567") that is part of a longer
// slashed run, a reference or a date ("030/2024/17", "12/030/2024"); other forms are left
// as they are ("020 7946 0958/9" names two lines).
bool RefinePhoneSlash(std::string_view text, size_t* begin, size_t* end) {
  if (text.substr(*begin, *end - *begin).find('/') == std::string_view::npos) return true;
  auto digit = [&](size_t i) { return text[i] >= '0' && text[i] <= '9'; };
  if (*end + 1 < text.size() && text[*end] == '/' && digit(*end + 1)) return false;
  if (*begin >= 2 && text[*begin - 1] == '/' && digit(*begin - 2)) return false;
  return true;
}

// Refuses a grouped national number (phone_grouped) that is part of a longer run of
// groups: a group of digits right before it ("DE89 3704 0044 0532 0130 00", an IBAN's
// groups beginning with 0; "12 0345 67 89"), or more digits after its last group than
// the regex takes, or decimals ("030 123,45"). Before the validator, which reads the
// national numbering plans and costs the most.
bool RefinePhoneGrouped(std::string_view text, size_t* begin, size_t* end) {
  auto digit = [&](size_t i) { return i < text.size() && text[i] >= '0' && text[i] <= '9'; };
  auto joins = [&](size_t i) {
    return i < text.size() && (text[i] == ' ' || text[i] == '-' || text[i] == '.' || text[i] == '/' ||
                               text[i] == ',');
  };
  if (*begin >= 2 && joins(*begin - 1) && digit(*begin - 2)) return false;
  if (joins(*end) && digit(*end + 1)) return false;
  return true;
}

// Refuses a grouped number that is an amount: a currency or decimals right after it
// ("12 345 678 901,57", "12 345 678 901 EUR", "12 345 678 901 \u20ac") or a currency
// right before it ("\u20ac 12 345 678 901", "EUR 12 345 678 901"), as French, German and
// Polish texts write large amounts with the German tax id's grouping.
bool RefineNotAmount(std::string_view text, size_t* begin, size_t* end) {
  static constexpr std::string_view kCurrencies[] = {
      "\u20ac", "$", "\u00a3", "EUR", "Euros", "euros", "Euro", "euro", "Eur",
      "CHF", "USD", "GBP", "PLN", "z\u0142", "Fr."};
  // Decimals: ",57" or ".00" glued to the last group.
  if (*end + 1 < text.size() && (text[*end] == ',' || text[*end] == '.') &&
      text[*end + 1] >= '0' && text[*end + 1] <= '9')
    return false;
  size_t after = *end;
  if (after < text.size() && text[after] == ' ') ++after;
  size_t before = *begin;
  if (before > 0 && text[before - 1] == ' ') --before;
  for (std::string_view c : kCurrencies) {
    if (text.substr(after, c.size()) == c) {
      // A currency code or name is a word of its own ("EUR", not "EURO-Palette").
      const size_t e = after + c.size();
      if (e >= text.size() || !IsAsciiAlnum(text[e]) || !IsAsciiAlnum(c.back())) return false;
    }
    if (before >= c.size() && text.substr(before - c.size(), c.size()) == c) {
      const size_t b = before - c.size();
      if (b == 0 || !IsAsciiAlnum(text[b - 1]) || !IsAsciiAlnum(c.front())) return false;
    }
  }
  return true;
}

// Refuses a number grouped by dots that is only part of a longer dotted run
// ("1.12.345.678" is not "12.345.678") or an amount ("123.456.782,00 EUR", "\u20ac
// 123.456.782"); a candidate without a dot is left as it is.
bool RefineDottedNumber(std::string_view text, size_t* begin, size_t* end) {
  if (text.substr(*begin, *end - *begin).find('.') == std::string_view::npos) return true;
  auto digit = [&](size_t i) { return text[i] >= '0' && text[i] <= '9'; };
  if (*begin >= 2 && (text[*begin - 1] == '.' || text[*begin - 1] == ',') && digit(*begin - 2))
    return false;
  if (*end + 1 < text.size() && text[*end] == '.' && digit(*end + 1)) return false;
  return RefineNotAmount(text, begin, end);
}

// The NIR read as the detector reports it: valid (0.9) when it begins with 1 or 2;
// a foreigner's number being registered (3, 4) or a temporary one (7, 8) only with a
// context word (kUnknown, 0.3 or 0.65), as one 15-digit serial in about 130 passes the
// key and fields, and IMEIs, 15 digits, mostly begin with 35.
Validity ValidateFrNirAsReported(std::string_view s) {
  const Validity v = ValidateFrNir(s);
  return v == Validity::kValid && s[0] != '1' && s[0] != '2' ? Validity::kUnknown : v;
}

// The Finnish code read as the detector reports it: valid (0.9) unless it is six digits,
// a hyphen and four digits, which is also how references stamped with their date are
// written ("contract 240315-0070": YYMMDD-NNNN reads as a date of the 1900s whenever its
// year is at most 31); one such reference in 31 passes the check character, so that form
// is only likely (kUnknown, 0.45: reported with a context word, and then above a phone
// reading of the same digits, "010190-0100").
Validity ValidateFinnishIdNotReference(std::string_view s) {
  const Validity v = ValidateFiPersonalIdentityCode(s);
  if (v == Validity::kValid && s.size() == 11 && s[6] == '-' && s[10] >= '0' && s[10] <= '9')
    return Validity::kUnknown;
  return v;
}

// kUnknown for a digit string of Min to Max digits (a shape, not a checksum).
template <size_t Min, size_t Max>
Validity DigitsBetween(std::string_view s) {
  return s.size() >= Min && s.size() <= Max ? Validity::kUnknown : Validity::kInvalid;
}

// kUnknown for N digits after one capital letter (a shape, not a checksum).
template <size_t N>
Validity LetterAndDigits(std::string_view s) {
  return s.size() == N + 1 && s[0] >= 'A' && s[0] <= 'Z' ? Validity::kUnknown
                                                         : Validity::kInvalid;
}

// URLs with a scheme are certain (kValid); bare www. hosts only likely (kUnknown).
Validity ValidateUrl(std::string_view s) {
  return s.substr(0, 4) == "www." ? Validity::kUnknown : Validity::kValid;
}

// Validates an e-mail address beyond the pattern. A file name with a resolution suffix
// ("logo@2x.png", "icon@3x.webp", "logo@2x.png.meta") is not one: its "domain" holds an
// extension that is no domain's label, or begins with the suffix. A local part with a
// trailing or doubled dot ("john..doe@", "john.@") breaks RFC 5322 but is still
// someone's address as typed: likely (kUnknown), redacted whole at the default threshold
// rather than in part or not at all, when it is of an address's length (at most 64
// bytes).
Validity ValidateEmail(std::string_view s) {
  size_t at = s.find('@');
  if (at == std::string_view::npos || at == 0) return Validity::kInvalid;
  static constexpr std::string_view kFileExtensions[] = {
      "png", "jpg", "jpeg", "gif", "svg", "webp", "bmp", "ico", "tif", "tiff", "heic", "avif",
      "css", "js", "mjs", "json", "html", "htm", "php", "xml", "yml", "yaml", "txt", "csv",
      "log", "pdf", "doc", "docx", "xls", "xlsx", "gz", "tgz", "tar", "ttf", "woff", "wav",
      "avi", "mkv"};
  // Any label of the domain but its first ("logo@2x.png.meta", "a@b.css.map"), and a
  // resolution suffix right after the '@' ("icon@2x.jxl").
  if (s.size() > at + 3 && s[at + 1] >= '1' && s[at + 1] <= '4' && (s[at + 2] | 0x20) == 'x' &&
      s[at + 3] == '.')
    return Validity::kInvalid;
  for (size_t dot = s.find('.', at); dot != std::string_view::npos; dot = s.find('.', dot + 1)) {
    const size_t next = s.find('.', dot + 1);
    const std::string_view label = s.substr(dot + 1, next == std::string_view::npos ? std::string_view::npos : next - dot - 1);
    for (std::string_view ext : kFileExtensions) {
      if (label.size() != ext.size()) continue;
      bool same = true;
      for (size_t i = 0; i < ext.size() && same; ++i) same = (label[i] | 0x20) == ext[i];
      if (same) return Validity::kInvalid;
    }
  }
  std::string_view local = s.substr(0, at);
  if (local.front() == '.' || local.back() == '.' || local.find("..") != std::string_view::npos)
    return local.size() <= 64 ? Validity::kUnknown : Validity::kInvalid;
  return Validity::kValid;
}

// Names are sequences of capitalised words (Unicode), initials allowed, and the
// particles of surnames between them ("van der Berg", "de la Cruz", "Van Dyke"). A
// letter may carry combining marks (NAME_UPPER, NAME_LOWERS): the detector's fold
// composes those of Latin-1 and Latin Extended-A, and the others stay as written, as in
// a Vietnamese or Cyrillic name typed decomposed (NFD: "Nguye\u0302\u0303n",
// "Андреи\u0306"), which the word must not end at. After an apostrophe the word goes on
// in small letters or with a capital ("Dell'Acqua", "Dell'orto"). Initials may be
// written together ("A.M. Bakker", as Dutch writes them).
// (The marks of the blocks Latin and Cyrillic text is written with, as the detector's
// MarkLength reads them, not every \p{M}: the class of all marks made the name regexes'
// programs twice as large to build, in every backend that builds a detector.)
#define NAME_MARK "\\x{0300}-\\x{036F}\\x{1AB0}-\\x{1AFF}\\x{1DC0}-\\x{1DFF}\\x{FE20}-\\x{FE2F}"
#define NAME_UPPER "\\p{Lu}[" NAME_MARK "]*"
#define NAME_LOWERS "\\p{Ll}[\\p{Ll}" NAME_MARK "]*"
#define NAME_WORD                                                                      \
  "(?:" NAME_UPPER "['\u2019]" NAME_UPPER NAME_LOWERS "|" NAME_UPPER NAME_LOWERS         \
  "(?:" NAME_UPPER NAME_LOWERS ")?(?:['\u2019](?:" NAME_UPPER ")?" NAME_LOWERS ")?(?:-(?:" \
  NAME_UPPER ")?" NAME_LOWERS ")?|(?:\\p{Lu}\\.){1,3})"
#define NAME_PARTICLE                                                                  \
  "(?:van|von|der|den|de|del|della|di|da|du|dos|das|la|le|Van|Von|Der|Den|De|Del|Della|" \
  "Di|Da|Du|Dos|Das|La|Le|bin|ibn|al|St\\.?)"
#define NAME_SEQ NAME_WORD "(?:[ \\t]+(?:" NAME_PARTICLE "[ \\t]+){0,2}" NAME_WORD "){0,3}"
// After a title or a cue the surname may come alone, its particles first ("Mrs. van der
// Berg", "Herr von Goethe", "Patient: de la Cruz").
#define NAME_SEQ_AFTER_CUE "(?:" NAME_PARTICLE "[ \\t]+){0,2}" NAME_SEQ
// Or, after a title or a cue, a name written in capitals as forms and exports write them
// ("Patient: JOHN SMITH", "MR. SEAN O'BRIEN", "JOHN Q. PUBLIC"): two words at least, each
// of two capitals or more; its stopwords are read capitalised (IsNameStopword: "PATIENT
// NAME: JOHN SMITH DOB" is "JOHN SMITH").
#define CAPS_WORD \
  NAME_UPPER "(?:\\p{Lu}[\\p{Lu}" NAME_MARK "]*|['\u2019]\\p{Lu}{2,})(?:-\\p{Lu}{2,})?"
#define CAPS_SEQ CAPS_WORD "(?:[ \\t]+(?:\\p{Lu}\\.[ \\t]+)?" CAPS_WORD "){1,3}"
#define NAME_TAIL_AFTER_CUE "(?:" NAME_SEQ_AFTER_CUE "|" CAPS_SEQ ")"
// (Also in capitals, as forms write them, "MR. JOHN SMITH"; not "MS", multiple sclerosis
// in a clinical note. And the abbreviations of Dutch and Italian letters and forms:
// "Dhr."/"Mevr." for meneer and mevrouw, "Dott.", "Avv." for dottore, avvocato. Not
// "Fr.", "Hr.", "Sig.", "Mw.": Friday or francs, hours, a prescription's instructions
// ("Sig. Take one capsule"), megawatts, far more often than Frau, Herr, signore, mevrouw.
// Dutch spelling writes "dhr." and "mevr." in small letters too; Italian has feminine
// and plural forms, "Sig.ra", "Sig.na", "Sig.ri", "Dott.ssa", "Avv.to", which nothing
// else abbreviates so. Academic titles between the title and the name ("Frau Dr. med.",
// "Dhr. ir.", "Mevr. drs.") are skipped by the detector (SkipAcademicTitles).
// matchers.cpp's and prefilter.cpp's lists follow this one.)
#define HONORIFIC                                                                        \
  "(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof|Rev|Sr|Sra|Srta|Herr|Frau|Mme|Mlle|MR|MRS|MISS|DR|PROF|" \
  "HERR|FRAU|Dhr|Mevr|Dott|Avv|dhr|mevr|Sig\\.ra|Sig\\.na|Sig\\.ri|Dott\\.ssa|Avv\\.to)"
// Longer cues first: the regex ends at the cue, so "signed by" must win over "signed".
#define NAME_CUES                                                                       \
  "(?:patient name|full name|signed by|approved by|referred by|account holder|"         \
  "patient|pt|name|signed|dear|attn|attention|insured|employee|customer|client|"        \
  "member|guardian|physician|nurse|applicant|beneficiary|cardholder|contact|witness|"   \
  "reviewer|spouse|mother|father|son|daughter)"
#define CLOSINGS "(?:sincerely|best regards|kind regards|regards|best|thank you|thanks|cheers|respectfully|signed)"
#define MONTH                                                                         \
  "(?:[Jj]an(?:uary)?|[Ff]eb(?:ruary)?|[Mm]ar(?:ch)?|[Aa]pr(?:il)?|[Mm]ay|[Jj]une?|" \
  "[Jj]uly?|[Aa]ug(?:ust)?|[Ss]ep(?:t(?:ember)?)?|[Oo]ct(?:ober)?|[Nn]ov(?:ember)?|"  \
  "[Dd]ec(?:ember)?|JAN(?:UARY)?|FEB(?:RUARY)?|MAR(?:CH)?|APR(?:IL)?|MAY|JUNE?|JULY?|" \
  "AUG(?:UST)?|SEP(?:T(?:EMBER)?)?|OCT(?:OBER)?|NOV(?:EMBER)?|DEC(?:EMBER)?)"
// Month names of German, French, Spanish, Italian and Dutch in full (the ones English
// spells alike are in MONTH), lower case, capitalised or in capitals ("M\u00c4RZ", as
// forms and headings write them). Several are words ("mai", "mars", "mei"): the regex
// wants a day before and a 4-digit year after them, and "mars" and "mei" not
// capitalised, as French and Dutch never write them (capitalised, they are the planet, a
// chocolate bar, a name: "the 10 Mars 2020 instruments"). The French names with an
// accent also without it, as people type them on a keyboard without one ("12 fevrier
// 1985", "15 aout 1990", "3 decembre 1970"); the German "Maerz" too.
#define MONTH_EUROPE                                                                     \
  "(?:"                                                                                  \
  "[Jj]anuar|JANUAR|[Ff]ebruar|FEBRUAR|[Mm]\u00e4rz|M\u00c4RZ|[Mm]aerz|MAERZ|[Mm]ai|"    \
  "MAI|[Jj]uni|JUNI|[Jj]uli|JULI|[Oo]ktober|OKTOBER|[Dd]ezember|DEZEMBER|[Jj]anvier|"    \
  "JANVIER|[Ff]\u00e9vrier|F\u00c9VRIER|[Aa]vril|AVRIL|[Jj]uin|JUIN|[Jj]uillet|JUILLET|" \
  "[Aa]o\u00fbt|AO\u00dbT|[Ss]eptembre|SEPTEMBRE|[Oo]ctobre|OCTOBRE|[Nn]ovembre|"        \
  "NOVEMBRE|[Dd]\u00e9cembre|D\u00c9CEMBRE|[Ff]evrier|FEVRIER|[Aa]out|AOUT|[Dd]ecembre|" \
  "DECEMBRE|[Ee]nero|ENERO|[Ff]ebrero|FEBRERO|[Mm]arzo|"                                 \
  "MARZO|[Aa]bril|ABRIL|[Mm]ayo|MAYO|[Jj]unio|JUNIO|[Jj]ulio|JULIO|[Aa]gosto|AGOSTO|"    \
  "[Ss]e(?:p)?tiembre|SE(?:P)?TIEMBRE|[Oo]ctubre|OCTUBRE|[Nn]oviembre|NOVIEMBRE|"        \
  "[Dd]iciembre|DICIEMBRE|[Gg]ennaio|GENNAIO|[Ff]ebbraio|FEBBRAIO|[Aa]prile|APRILE|"     \
  "[Mm]aggio|MAGGIO|[Gg]iugno|GIUGNO|[Ll]uglio|LUGLIO|[Ss]ettembre|SETTEMBRE|"           \
  "[Oo]ttobre|OTTOBRE|[Dd]icembre|DICEMBRE|[Jj]anuari|JANUARI|[Ff]ebruari|FEBRUARI|"     \
  "[Mm]aart|MAART|[Aa]ugustus|AUGUSTUS|[Jj]anuary|JANUARY|[Ff]ebruary|FEBRUARY|"         \
  "[Mm]arch|MARCH|[Aa]pril|APRIL|[Mm]ay|MAY|[Jj]une|JUNE|[Jj]uly|JULY|[Aa]ugust|AUGUST|" \
  "[Ss]eptember|SEPTEMBER|[Oo]ctober|OCTOBER|[Nn]ovember|NOVEMBER|[Dd]ecember|DECEMBER|" \
  "mars|MARS|mei|MEI"                                                                    \
  ")"

// Their abbreviations as dates write them ("12 janv. 1985", "3. M\u00e4r 1984", "5 mrt
// 1990"), with or without a dot, in the same three cases, the French ones also without
// their accent ("fevr."), the German "Mrz" (M\u00e4rz) too; those that are English words
// ("gen", "mag", "lug", "ago", "set") or an English abbreviation ("fev", FEV, a lung
// function measure in clinical notes) only with their dot (MONTH_EUROPE_DOTTED).
#define MONTH_EUROPE_ABBR                                                                \
  "(?:"                                                                                  \
  "[Ff]\u00e9vr|F\u00c9VR|[Ff]\u00e9v|F\u00c9V|[Mm]\u00e4r|M\u00c4R|[Dd]\u00e9c|"        \
  "D\u00c9C|[Ff]evr|FEVR|[Mm]rz|MRZ|[Jj]anv|JANV|[Jj]uil|JUIL|[Ss]ept|SEPT|[Jj]an|JAN|"  \
  "[Ee]ne|ENE|[Ff]eb|FEB|"                                                               \
  "[Mm]ar|MAR|[Mm]rt|MRT|[Aa]pr|APR|[Aa]vr|AVR|[Aa]br|ABR|[Mm]ay|MAY|[Jj]un|JUN|[Gg]iu|" \
  "GIU|[Jj]ul|JUL|[Aa]ug|AUG|[Ss]ep|SEP|[Oo]ct|OCT|[Oo]kt|OKT|[Oo]tt|OTT|[Nn]ov|NOV|"    \
  "[Dd]ec|DEC|[Dd]ez|DEZ|[Dd]ic|DIC"                                                     \
  ")"
#define MONTH_EUROPE_DOTTED                                           \
  "(?:"                                                               \
  "[Gg]en|GEN|[Mm]ag|MAG|[Ll]ug|LUG|[Aa]go|AGO|[Ss]et|SET|[Ff]ev|FEV" \
  ")"

// English months' abbreviations as Oracle's DD-MON-YY and forms write them between
// hyphens ("14-Mar-1985", "14-MAR-85"): three ASCII letters, capitalised, small or in
// capitals (the prefilter looks for three letters between hyphens).
#define MONTH_ABBR_HYPHENED                                                         \
  "(?:[Jj]an|[Ff]eb|[Mm]ar|[Aa]pr|[Mm]ay|[Jj]un|[Jj]ul|[Aa]ug|[Ss]ep|[Oo]ct|[Nn]ov|" \
  "[Dd]ec|JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC)"

// The objects of this file are never destroyed (built with new, never deleted): the
// postmaster builds them when it loads the library and warms the detector up, and a
// backend's exit destroying them would write to memory it shares with the postmaster,
// each page touched a copy-on-write fault (see TheRegions in phone_national.cpp).
using Words = std::vector<std::string>;
const Words& kDateContext = *new Words{
    "birth", "born", "dob", "birthday", "date", "birthdate", "d.o.b", "bday",
    // German, French, Spanish, Italian, Dutch
    "geboren", "geburtsdatum", "né", "née", "naissance", "nacido", "nacida", "nacimiento",
    "nascita", "geboortedatum"};
const Words& kSsnContext = *new Words{"social", "security", "ssn", "ssns", "ss#", "ssid"};
const Words& kCardContext =
    *new Words{"credit", "card",   "visa",    "mastercard", "cc",         "amex", "discover",
               "jcb",    "diners", "maestro", "debit",      "cardholder", "pan"};
const Words& kPhoneContext = *new Words{
    "phone", "telephone", "tel", "cell", "cellphone", "mobile", "call", "fax", "contact", "ph",
    // German, Dutch, Italian, Spanish, French
    "telefon", "telefonnummer", "rufnummer", "handy", "handynummer", "mobil", "mobilnummer",
    "fon", "telefax", "durchwahl", "festnetz", "telefoon", "mobiel", "gsm", "telefono",
    "teléfono", "cellulare", "movil", "móvil", "tél", "portable"};
const Words& kBankContext =
    *new Words{"bank", "account", "acct", "checking", "savings", "debit", "deposit", "iban"};
const Words& kDeTaxContext = *new Words{
    "steuer", "steuerid", "steueridentifikationsnummer", "identifikationsnummer", "idnr",
    "steuernummer", "tin", "tax", "german"};
const Words& kFiscalCodeContext =
    *new Words{"codice", "fiscale", "cf", "tessera", "sanitaria", "fiscal", "tax", "code"};
const Words& kNinoContext = *new Words{"nino", "ni", "nin", "nic", "national", "insurance"};
// "persoonsnummer" is the BSN's label on passports and identity cards.
const Words& kBsnContext =
    *new Words{"bsn", "burgerservicenummer", "sofinummer", "sofi", "citizen", "persoonsnummer"};
const Words& kNirContext =
    *new Words{"nir",      "insee",  "sécurité", "securite",   "sociale",        "social",
               "security", "vitale", "nia",      "provisoire", "immatriculation"};

}  // namespace

// Regexes read by several recognizers (each is compiled and searched once).
// A plain run of digits: every number written without separators.
constexpr const char* kDigitRun = "\\b\\d{7,19}\\b";
// Phone numbers in international (+, with a trunk (0) perhaps), North American and
// trunk-0 national forms: area code and groups of 3 or 4 (GB, DE, IN landlines), two
// digits in pairs (FR), a two-digit area code, bracketed or not, and two groups of four
// (AU), five and five digits (IN mobiles).
constexpr const char* kPhoneForms =
    "\\+\\d{1,3}[ .\\-]?(?:\\(\\d{1,4}\\)[ .\\-]?)?\\d{1,4}(?:[ .\\-]?\\d{2,4}){1,4}\\b"
    // The same dialled with an exit code instead of '+' ("00 44 20 7946 0958" from
    // Europe, "011 44 20 7946 0958" from North America; no country code begins with 0):
    // before the national forms, which would take "001-415-555" of "001-415-555-2671".
    "|\\b(?:00|011)[ .\\-]?[1-9]\\d{0,2}[ .\\-]?(?:\\(\\d{1,4}\\)[ .\\-]?)?\\d{1,4}(?:[ .\\-]?\\d{2,4}){1,4}\\b"
    "|(?:\\b1[ .\\-]?)?(?:\\(\\d{3}\\)[ .\\-]?|\\b\\d{3}[ .\\-])\\d{3}[ .\\-]\\d{4}\\b"
    "|\\b0\\d{2,4}[ \\-]?\\d{3,4}[ \\-]?\\d{3,4}\\b"
    "|\\b0\\d(?:[ .\\-]\\d{2}){4}\\b"
    "|(?:\\(0\\d\\)|\\b0\\d)[ \\-]?\\d{4}[ \\-]?\\d{4}\\b"
    "|\\b0\\d{5}[ \\-]\\d{5}\\b"
    // A bracketed area code of two to four digits after the trunk 0 ("(020) 7946 0958",
    // "(0161) 496 0000"), and the German slash, the number after it whole or grouped
    // ("030/1234567", "030/123 45 67", "0221/12345-67").
    "|\\(0\\d{2,4}\\)[ \\-]?\\d{3,4}[ \\-]?\\d{3,4}\\b"
    "|\\b0\\d{2,4}/\\d{2,8}(?:[ \\-]\\d{1,5}){0,3}\\b";
// National numbers with a trunk 0 grouped as German, Dutch and British people write
// them, which kPhoneForms' fixed groups miss: the rest of the number in pairs ("030 123
// 45 67", "06-123 456 78"), a spaced hyphen or slash after the area code ("020 - 123
// 45 67", "06 - 1234 5678", "030 / 1234567"), a direct-dial extension ("0221 12345-67",
// "030 12345-0"), a five-digit area code ("(04101) 54321", "07031 12345").
constexpr const char* kPhoneGrouped =
    "(?:\\(0\\d{1,4}\\)|\\b0\\d{1,4})(?: - | / |-| )\\d{2,8}(?:[ \\-]\\d{1,4}){0,3}\\b";
// Nine digits grouped 3-2-4 with one separator (SSN and ITIN).
constexpr const char* kNineGrouped =
    "\\b\\d{3}-\\d{2}-\\d{4}\\b|\\b\\d{3} \\d{2} \\d{4}\\b|\\b\\d{3}\\.\\d{2}\\.\\d{4}\\b";
// A capital letter and digits (driver licenses, next-generation passports).
constexpr const char* kLetterDigits =
    "\\b[A-Z]\\d{3,12}\\b|\\b[A-Z]{2}\\d{5,7}\\b|\\b\\d{3}[A-Z]{2}\\d{4}\\b";
// Spanish DNI/NIF (8 digits) and NIE (X, Y or Z and 7 digits) with their control
// letter, a space or hyphen allowed before it (and after the NIE's X, Y or Z).
// The DNI/NIF also grouped by thousands with dots ("12.345.678-Z"); the NIE also in its
// form of before July 2008, X and 8 digits, the first a 0 ("X-01234567-L").
constexpr const char* kSpanishId =
    "\\b(?:[XYZ][ \\-]?\\d{7}|X[ \\-]?0\\d{7}|\\d{8}|\\d{2}\\.\\d{3}\\.\\d{3})[ \\-]?[A-Z]\\b";
// The Dutch BSN dotted, 4-2-3 as passports and identity cards print it, or 3-3-3.
constexpr const char* kBsnDotted = "\\b\\d{4}\\.\\d{2}\\.\\d{3}\\b|\\b\\d{3}\\.\\d{3}\\.\\d{3}\\b";
// The Italian codice fiscale: its digit positions may hold the omocodia letters.
constexpr const char* kItalianFiscalCode =
    "\\b[A-Z]{6}[0-9LMNPQRSTUV]{2}[ABCDEHLMPRST][0-9LMNPQRSTUV]{2}[A-Z][0-9LMNPQRSTUV]{3}[A-Z]\\b";
// The same in small letters, as a form's field or a database that lower-cases it keeps
// it ("rssmra85t10a562s"); one case or the other, not both.
constexpr const char* kItalianFiscalCodeLower =
    "\\b[a-z]{6}[0-9lmnpqrstuv]{2}[abcdehlmprst][0-9lmnpqrstuv]{2}[a-z][0-9lmnpqrstuv]{3}[a-z]\\b";
// The Finnish henkilötunnus: date, century sign, individual number, check character.
constexpr const char* kFinnishId = "\\b\\d{6}[+\\-A-FU-Y]\\d{3}[0-9A-FHJ-NPR-Y]\\b";
// The UK National Insurance number, its pairs of digits joined or spaced.
constexpr const char* kNino = "\\b[A-Z]{2}(?: ?\\d{2}){3} ?[A-D]\\b";
// The same in small letters ("ab 12 34 56 c", "ab123456c").
constexpr const char* kNinoLower = "\\b[a-z]{2}(?: ?\\d{2}){3} ?[a-d]\\b";
// The French NIR in the forms that are not one run of digits (that one is kDigitRun's):
// grouped 1 2 2 2 3 3 2, its key alone after a space, and Corsica's departments 2A and
// 2B written without spaces.
constexpr const char* kFrNirForms =
    "\\b[1-478] \\d{2} \\d{2} (?:\\d{2}|2[AB]) \\d{3} \\d{3} \\d{2}\\b"
    "|\\b[1-478]\\d{4}(?:\\d{2}|2[AB])\\d{6} \\d{2}\\b"
    "|\\b[1-478]\\d{4}2[AB]\\d{8}\\b";
// The German tax id as its letters print it, 2-3-3-3 ("12 345 678 901").
constexpr const char* kDeTaxIdGrouped = "\\b[1-9]\\d \\d{3} \\d{3} \\d{3}\\b";

const std::vector<PatternDef>& BuiltinPatterns() {
  static const std::vector<PatternDef>& patterns = *new std::vector<PatternDef>{
      {"EMAIL_ADDRESS", "email",
       "(?:[A-Za-z0-9._%+'\\-]|[^\\x00-\\x7F])+@[A-Za-z0-9\\x{80}-\\x{10FFFF}]"
       "(?:[A-Za-z0-9\\-\\x{80}-\\x{10FFFF}]{0,61}[A-Za-z0-9\\x{80}-\\x{10FFFF}])?"
       "(?:\\.[A-Za-z0-9\\x{80}-\\x{10FFFF}]"
       "(?:[A-Za-z0-9\\-\\x{80}-\\x{10FFFF}]{0,61}[A-Za-z0-9\\x{80}-\\x{10FFFF}])?)*"
       "\\.[A-Za-z]{2,24}\\b",
       0.5, 1.0, ValidateEmail, RefineEmail, {"email", "e-mail", "mail", "contact"}},
      {"URL", "url",
       "\\b(?:https?|ftp)://[^\\s<>\"'\\]\\[{}|\\\\^`]+"
       "|\\bwww\\.[A-Za-z0-9\\-]+(?:\\.[A-Za-z0-9\\-]+)+(?:/[^\\s<>\"']*)?",
       0.5, 0.6, ValidateUrl, RefineUrl, {"url", "website", "link", "site"}},
      {"PHONE_NUMBER", "phone", kPhoneForms, 0.4, 0.75, ValidatePhoneAnyForm, RefinePhoneSlash,
       kPhoneContext},
      // Only likely (0.4: groups of digits after a 0 are also dates, references and
      // figures), above the default threshold with a phone word ("Telefon", "tel.",
      // "mobiel") or in a column named so.
      {"PHONE_NUMBER", "phone_grouped", kPhoneGrouped, 0.4, 0.4, ValidatePhoneGrouped,
       RefinePhoneGrouped, kPhoneContext},
      // A North American number as one run of ten digits (or eleven, 1 first), as US
      // systems store them: only likely (0.3; an order or account number is often a
      // valid one), above the default threshold with a phone word or a column named so.
      {"PHONE_NUMBER", "phone_plain", kDigitRun, 0.05, 0.3, ValidatePhoneNanp, nullptr, kPhoneContext},
      {"US_SSN", "ssn_formatted", kNineGrouped, 0.6, 0.6, ValidateUsSsn, nullptr, kSsnContext},
      {"US_SSN", "ssn_plain", kDigitRun, 0.3, 0.3, ValidateUsSsn, nullptr, kSsnContext},
      {"US_ITIN", "itin_formatted", kNineGrouped, 0.6, 0.65, ValidateUsItin, nullptr,
       {"itin", "taxpayer", "tax", "individual"}},
      {"US_ITIN", "itin_plain", kDigitRun, 0.3, 0.3, ValidateUsItin, nullptr,
       {"itin", "taxpayer", "tax", "individual"}},
      {"CREDIT_CARD", "card_plain", kDigitRun, 0.3, 1.0, ValidateCreditCard, nullptr,
       kCardContext},
      // Groups joined by spaces, hyphens or dots ("4111.1111.1111.1111", as some
      // receipts and European forms print them), one kind throughout (ValidateCreditCard);
      // dotted, not inside a longer dotted run nor an amount (RefineDottedNumber).
      {"CREDIT_CARD", "card_grouped",
       "\\b\\d{4}(?:[ .\\-]\\d{4}){3}(?:[ .\\-]\\d{3})?\\b|\\b\\d{4}[ .\\-]\\d{6}[ .\\-]\\d{4,5}\\b"
       "|\\b\\d{4}[ .\\-]\\d{4}[ .\\-](?:\\d{4}[ .\\-]\\d|\\d{5})\\b", 0.3,
       1.0, ValidateCreditCard, RefineDottedNumber, kCardContext},
      {"IBAN_CODE", "iban", "\\b[A-Za-z]{2}\\d{2}(?:[ \\-]?[A-Za-z0-9]{4}){2,7}(?:[ \\-]?[A-Za-z0-9]{1,3})?\\b", 0.3,
       1.0, ValidateIban, RefineIban, {"iban", "bank", "transfer", "account", "sepa"}},
      {"IP_ADDRESS", "ipv4", "\\b(?:\\d{1,3}\\.){3}\\d{1,3}\\b", 0.4, 0.6, ValidateIpAddress,
       RefineIpv4, {"ip", "ipv4", "address", "host", "client", "server"}},
      {"IP_ADDRESS", "ipv6",
       "[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}(?:(?:\\.\\d{1,3}){3})?", 0.4, 0.8,
       ValidateIpAddress, RefineIp, {"ip", "ipv6", "address", "host", "client", "server"}},
      {"MAC_ADDRESS", "mac",
       "\\b[0-9A-Fa-f]{2}(?:[:\\-][0-9A-Fa-f]{2}){5}\\b|\\b[0-9A-Fa-f]{4}\\.[0-9A-Fa-f]{4}\\."
       "[0-9A-Fa-f]{4}\\b",
       0.4, 0.7, ValidateMacAddress, RefineNotInRun,
       {"mac", "hardware", "device", "ethernet", "wifi"}},
      {"DATE_TIME", "date",
       "\\b\\d{4}-\\d{2}-\\d{2}(?:[T ]\\d{2}:\\d{2}(?::\\d{2}(?:\\.\\d{1,9})?)?"
       "(?:Z|[+\\-]\\d{2}:?\\d{2})?)?\\b"
       "|\\b\\d{4}/\\d{1,2}/\\d{1,2}\\b"
       "|\\b\\d{1,2}[/\\-.]\\d{1,2}[/\\-.]\\d{4}\\b"
       "|\\b" MONTH "\\.? \\d{1,2}(?:st|nd|rd|th)?,? \\d{4}\\b"
       "|\\b\\d{1,2}(?:st|nd|rd|th)?(?: of| Of| OF)? " MONTH "\\.?,? \\d{4}\\b"
       "|\\b\\d{1,2}(?:\\.|er|ER)? (?:de |DE )?"
       "(?:" MONTH_EUROPE "|" MONTH_EUROPE_ABBR "\\.?|" MONTH_EUROPE_DOTTED "\\.)"
       ",? (?:del? |DEL? )?\\d{4}\\b",
       0.6, 0.6, ValidateDate, nullptr, kDateContext},
      // More written forms of a date (a date of birth's, as forms and exports write it):
      // a year first with its month or day unpadded ("1985-3-14"), and a day first with
      // an English month's abbreviation between hyphens, as Oracle prints dates
      // ("14-Mar-1985", "14-MAR-85").
      {"DATE_TIME", "date_other",
       "\\b\\d{4}-(?:\\d-\\d{1,2}|\\d{2}-\\d)\\b"
       "|\\b\\d{1,2}-" MONTH_ABBR_HYPHENED "-(?:\\d{4}|\\d{2})\\b",
       0.6, 0.6, ValidateOtherDate, nullptr, kDateContext},
      // Forms that are as often something else (a version, a ratio, a section number, a
      // count): a year first with dots ("1985.03.14"), a two-digit year ("3/14/85",
      // "14.03.85", "3-14-85"), also after an English month's name or before it ("DOB 14
      // Mar 85", "14th March '85", "Mar 14, 85"). Likely only, above the threshold with a
      // date word near them ("DOB", "born", "date of birth").
      {"DATE_TIME", "date_short_year",
       "\\b\\d{4}\\.\\d{1,2}\\.\\d{1,2}\\b|\\b\\d{1,2}/\\d{1,2}/\\d{2}\\b"
       "|\\b\\d{1,2}\\.\\d{1,2}\\.\\d{2}\\b|\\b\\d{1,2}-\\d{1,2}-\\d{2}\\b"
       "|\\b\\d{1,2}(?:st|nd|rd|th)? " MONTH "\\.?,? '?\\d{2}\\b"
       "|\\b" MONTH "\\.? \\d{1,2}(?:st|nd|rd|th)?,? '?\\d{2}\\b",
       0.3, 0.3, ValidateOtherDate, nullptr, kDateContext},
      // A date of birth as eight digits, year first ("19850314"): with a date word only.
      {"DATE_TIME", "date_compact", kDigitRun, 0.05, 0.25, ValidateCompactDate, nullptr,
       kDateContext},
      {"US_BANK_NUMBER", "bank_account", kDigitRun, 0.2, 0.2, DigitsBetween<8, 17>, nullptr,
       kBankContext},
      {"ABA_ROUTING_NUMBER", "aba_plain", kDigitRun, 0.05, 0.4, ValidateAbaRouting, nullptr,
       {"aba", "routing", "transit", "rtn", "abartn"}},
      {"ABA_ROUTING_NUMBER", "aba_formatted", "\\b[0-36-8]\\d{3}-\\d{4}-\\d\\b", 0.1, 0.6,
       ValidateAbaRouting, nullptr, {"aba", "routing", "transit", "rtn", "abartn"}},
      {"US_PASSPORT", "passport_next_gen", kLetterDigits, 0.2, 0.2, LetterAndDigits<8>, nullptr,
       {"passport", "travel", "document"}},
      {"US_PASSPORT", "passport_digits", kDigitRun, 0.15, 0.15, DigitsBetween<9, 9>, nullptr,
       {"passport", "travel", "document"}},
      {"US_DRIVER_LICENSE", "driver_license_alnum", kLetterDigits, 0.2, 0.2, nullptr, nullptr,
       {"driver", "drivers", "driver's", "license", "licence", "dl", "dln", "permit"}},
      {"US_DRIVER_LICENSE", "driver_license_digits", kDigitRun, 0.15, 0.15, DigitsBetween<7, 9>,
       nullptr, {"driver", "drivers", "driver's", "license", "licence", "dl", "dln"}},
      {"US_NPI", "npi", kDigitRun, 0.1, 0.45, ValidateUsNpi, nullptr,
       {"npi", "provider", "prescriber", "physician", "practitioner"}},
      {"UK_NHS", "nhs_plain", kDigitRun, 0.1, 0.45, ValidateUkNhs, nullptr,
       {"nhs", "health", "patient", "service"}},
      {"UK_NHS", "nhs_grouped", kPhoneForms, 0.1, 0.45, ValidateUkNhs, nullptr,
       {"nhs", "health", "patient", "service"}},
      // National identifiers of Europe. A checksum that one number in ten, eleven or
      // 23 passes (PESEL, BSN, NIF: order and part numbers are often eight digits and a
      // letter) is reported only with a context word; the BSN scores below
      // a plain US SSN's 0.3, so nine bare digits in a US text stay an SSN (or nothing)
      // unless a Dutch word is near. An 11-digit run that is both a PESEL and
      // a German tax id is the tax id (0.7) unless a Polish word raises the PESEL (0.75).
      {"ES_NIF", "es_nif", kSpanishId, 0.3, 0.45, ValidateEsNif, RefineDottedNumber,
       {"dni", "nif", "documento", "identidad", "nacional", "fiscal", "identity", "national",
        "id", "tax"}},
      {"ES_NIE", "es_nie", kSpanishId, 0.3, 0.9, ValidateEsNie, nullptr,
       {"nie", "extranjero", "extranjera", "extranjeros", "identidad", "residencia",
        "foreigner", "identity", "residence", "id"}},
      {"IT_FISCAL_CODE", "it_fiscal_code", kItalianFiscalCode, 0.3, 1.0, ValidateItFiscalCode,
       nullptr, kFiscalCodeContext},
      // In small letters the codice fiscale scores as in capitals: its check letter, month
      // letter, day and place pass none of 100,000 random 16-character tokens of small
      // letters and digits, nor of 100,000 of hex digits.
      {"IT_FISCAL_CODE", "it_fiscal_code_lower", kItalianFiscalCodeLower, 0.3, 1.0,
       ValidateItFiscalCode, nullptr, kFiscalCodeContext},
      {"PL_PESEL", "pl_pesel", kDigitRun, 0.1, 0.4, ValidatePlPesel, nullptr,
       {"pesel", "ewidencyjny", "ewidencyjnego", "identyfikacyjny", "polish", "poland"}},
      {"FI_PERSONAL_IDENTITY_CODE", "fi_personal_identity_code", kFinnishId, 0.45, 0.9,
       ValidateFinnishIdNotReference, nullptr,
       {"henkilötunnus", "hetu", "sotu", "personbeteckning", "identity", "finnish", "personal",
        "id"}},
      {"UK_NINO", "uk_nino", kNino, 0.45, 0.45, ValidateUkNino, nullptr, kNinoContext},
      // The NINO has no check character: 8.5% of random ids of its shape (two letters, six
      // digits, a letter) pass its prefix and suffix rules, in either case. Logins and
      // references are written so in small letters, a NINO seldom: 0.3 (0.65 with a
      // context word), below the capitals' 0.45, so it is not reported alone even at a
      // threshold that reports those.
      {"UK_NINO", "uk_nino_lower", kNinoLower, 0.3, 0.3, ValidateUkNino, nullptr, kNinoContext},
      {"DE_TAX_ID", "de_tax_id", kDigitRun, 0.1, 0.7, ValidateDeTaxId, nullptr, kDeTaxContext},
      // Grouped, it is also how French and German texts write a large amount
      // ("12 345 678 901 EUR"): a context word is needed.
      {"DE_TAX_ID", "de_tax_id_grouped", kDeTaxIdGrouped, 0.1, 0.45, ValidateDeTaxId,
       RefineNotAmount, kDeTaxContext},
      {"FR_NIR", "fr_nir_plain", kDigitRun, 0.3, 0.9, ValidateFrNirAsReported, nullptr,
       kNirContext},
      {"FR_NIR", "fr_nir_forms", kFrNirForms, 0.3, 0.9, ValidateFrNirAsReported, nullptr,
       kNirContext},
      {"NL_BSN", "nl_bsn", kDigitRun, 0.1, 0.25, ValidateNlBsn, nullptr, kBsnContext},
      {"NL_BSN", "nl_bsn_dotted", kBsnDotted, 0.1, 0.25, ValidateNlBsn, RefineDottedNumber,
       kBsnContext},
      {"CRYPTO", "crypto",
       "\\b[13][1-9A-HJ-NP-Za-km-z]{25,34}\\b|\\b(?i:bc1|tb1)[02-9AC-HJ-NP-Zac-hj-np-z]{6,87}\\b"
       "|\\b0x[0-9A-Fa-f]{40}\\b",
       0.6, 1.0, ValidateCrypto, nullptr,
       {"wallet", "btc", "bitcoin", "eth", "ethereum", "ether", "crypto", "address"}},
      // PERSON: the regex finds the cue; the name is the anchored match of NAME_SEQ right
      // after it. The Unicode name classes stay out of the searched regex, whose DFA and
      // submatch passes they would make several times slower.
      {"PERSON", "person_honorific", "\\b" HONORIFIC "\\.?[ \\t]+", 0.85, 0.85, nullptr,
       nullptr, {}, NAME_TAIL_AFTER_CUE},
      {"PERSON", "person_cue", "(?i:\\b" NAME_CUES ")[:,]?[ \\t]+", 0.7, 0.7, nullptr, nullptr,
       {}, NAME_TAIL_AFTER_CUE},
      {"PERSON", "person_closing", "(?i:\\b" CLOSINGS ")[,.]?\\s+", 0.7, 0.7, nullptr, nullptr,
       {}, NAME_SEQ},
  };
  return patterns;
}

namespace {

// Bound on the NANP prefix memo (about 1 MB per backend when full).
constexpr size_t kNanpMemoEntries = 1 << 15;

// Parses s for region (or as international when region is "ZZ"); true if the result
// is a valid number (for that region, when one is given).
bool ValidIn(const std::string& s, const char* region) {
  const pn::PhoneNumberUtil* util = pn::PhoneNumberUtil::GetInstance();
  pn::PhoneNumber number;
  if (util->Parse(s, region, &number) != pn::PhoneNumberUtil::NO_PARSING_ERROR) return false;
  return std::string_view(region) == "ZZ" ? util->IsValidNumber(number)
                                          : util->IsValidNumberForRegion(number, region);
}

// True if national (digits, no trunk prefix) is a valid number of region (one of
// kPhoneRegions): libphonenumber's answer, from its metadata on RE2 (phone_national.h).
bool NationalValidIn(const std::string& national, const char* region) {
  // A leading zero here is not part of any national number of kTrunkZeroRegions or
  // NANP.
  if (national.empty() || national.size() > 17 || national[0] == '0') return false;
  return NationalNumberValid(region, national);
}

// True if code is a country calling code that libphonenumber knows (a region's, or a
// non-geographic entity's such as +800): GetRegionCodeForCountryCode's answer, read
// once into a table rather than searched for (and copied out as a string) per candidate.
bool IsCallingCode(int code) {
  static const std::bitset<1000> known = [] {
    const pn::PhoneNumberUtil* util = pn::PhoneNumberUtil::GetInstance();
    std::bitset<1000> out;
    std::string region;
    for (int c = 1; c < 1000; ++c) {
      util->GetRegionCodeForCountryCode(c, &region);
      out[c] = region != "ZZ";
    }
    return out;
  }();
  return code > 0 && code < 1000 && known[code];
}

}  // namespace

Validity ValidatePhone(std::string_view candidate) {
  // "+44 (0)20 7946 0958": the trunk prefix in brackets after the country code is not
  // part of the international number.
  std::string without_trunk;
  if (!candidate.empty() && candidate[0] == '+') {
    const size_t open = candidate.find("(0)");
    if (open != std::string_view::npos && open <= 5) {
      without_trunk = std::string(candidate.substr(0, open)) + std::string(candidate.substr(open + 3));
      candidate = without_trunk;
    }
  }
  std::string digits = DigitsOnly(candidate);
  // No country calling code begins with 0 ("+01 ..." is not +1).
  if (!digits.empty() && digits[0] == '0' && !candidate.empty() && candidate[0] == '+')
    return Validity::kInvalid;
  if (candidate.empty() || candidate[0] != '+') {
    for (const char* region : kPhoneRegions)
      if (ValidIn(std::string(candidate), region)) return Validity::kValid;
    return Validity::kInvalid;
  }
  // Country calling codes are prefix-free: at most one split of the digits names one.
  const pn::PhoneNumberUtil* util = pn::PhoneNumberUtil::GetInstance();
  int code = 0;
  for (size_t len = 1; len <= 3 && len < digits.size(); ++len) {
    code = code * 10 + (digits[len - 1] - '0');
    if (!IsCallingCode(code)) continue;
    std::string national = digits.substr(len);
    if (national.size() > 17) return Validity::kInvalid;
    // +1 spans some 25 regions: try the two most common first, at a third of the cost.
    // (Ten digits only: ValidatePhoneNanp also takes a leading 1, which after +1 would
    // be one digit too many.)
    if (code == 1 && national.size() == 10 && ValidatePhoneNanp(national) == Validity::kValid)
      return Validity::kValid;
    // The other codes of kPhoneRegions (+44, +49, +33, +61, +91) are read on RE2.
    if (std::optional<bool> valid = InternationalNumberValid(code, national))
      return *valid ? Validity::kValid : Validity::kInvalid;
    pn::PhoneNumber number;
    number.set_country_code(code);
    number.set_national_number(std::stoull(national));
    if (national[0] == '0') {  // Italian-style numbers keep their leading zeros
      number.set_italian_leading_zero(true);
      number.set_number_of_leading_zeros(
          static_cast<int>(national.find_first_not_of('0') == std::string::npos
                               ? national.size()
                               : national.find_first_not_of('0')));
    }
    return util->IsValidNumber(number) ? Validity::kValid : Validity::kInvalid;
  }
  return Validity::kInvalid;
}

Validity ValidatePhoneNanp(std::string_view candidate) {
  std::string digits = DigitsOnly(candidate);
  if (digits.size() == 11 && digits[0] == '1') digits.erase(0, 1);
  // NANP plan: area code and exchange start with 2-9; N11 area codes are services.
  if (digits.size() != 10 || digits[0] < '2' || digits[3] < '2' ||
      (digits[1] == '1' && digits[2] == '1'))
    return Validity::kInvalid;
  // In libphonenumber's US and CA metadata, validity of a ten-digit number depends on
  // its area code and exchange only (checked over random numbers when this was
  // written; test/unit checks it again), so answers are kept per six-digit prefix.
  // Never destroyed, like this file's other objects (see kDateContext).
  thread_local std::unordered_map<uint32_t, bool>& by_prefix =
      *new std::unordered_map<uint32_t, bool>;
  // The first six digits' value (what std::stoul of them gave, without a string and a
  // locale-aware parse for each candidate).
  uint32_t prefix = 0;
  for (size_t i = 0; i < 6; ++i) prefix = prefix * 10 + static_cast<uint32_t>(digits[i] - '0');
  auto it = by_prefix.find(prefix);
  if (it == by_prefix.end()) {
    if (by_prefix.size() >= kNanpMemoEntries) by_prefix.clear();
    bool valid = NationalValidIn(digits, "US") || NationalValidIn(digits, "CA");
    it = by_prefix.emplace(prefix, valid).first;
  }
  return it->second ? Validity::kValid : Validity::kInvalid;
}

Validity ValidatePhoneGrouped(std::string_view candidate) {
  // Seven digits at least, the trunk 0 included, and at most twelve.
  size_t digits = 0, groups = 0, sizes[8] = {};
  for (size_t i = 0; i < candidate.size(); ++i) {
    if (candidate[i] < '0' || candidate[i] > '9') continue;
    if (i == 0 || candidate[i - 1] < '0' || candidate[i - 1] > '9') ++groups;
    ++digits;
    if (groups <= 8) ++sizes[groups - 1];
  }
  if (digits < 7 || digits > 12) return Validity::kInvalid;
  // A date's shape ("05 12 2024", "05-12-1990"): no phone number.
  if (groups == 3 && sizes[0] == 2 && sizes[1] == 2 && sizes[2] == 4) {
    const size_t year = candidate.size() - 4;
    if (candidate.substr(year, 2) == "19" || candidate.substr(year, 2) == "20") return Validity::kInvalid;
  }
  return ValidatePhoneNational(candidate) == Validity::kValid ? Validity::kUnknown
                                                              : Validity::kInvalid;
}

Validity ValidatePhoneAnyForm(std::string_view candidate) {
  if (!candidate.empty() && candidate[0] == '+') return ValidatePhone(candidate);
  // The German slash form ("030/1234567") is also how references and file numbers are
  // written ("Az. 030/2024"): likely only, reported with a phone word ("Tel.", "Telefon"
  // reads as "tel").
  if (const size_t slash = candidate.find('/'); slash != std::string_view::npos) {
    // A year after the slash is a reference's ("Az. 030/2024").
    const std::string_view after = candidate.substr(slash + 1);
    if (after.size() == 4 && (after.substr(0, 2) == "19" || after.substr(0, 2) == "20"))
      return Validity::kInvalid;
    return ValidatePhoneNational(candidate) == Validity::kValid ? Validity::kUnknown
                                                                 : Validity::kInvalid;
  }
  // Dialled with an exit code instead of '+' ("00 44 20 7946 0958", "011 44 ..."): read
  // as after '+' when that is a valid number. No national number begins with 00; 011
  // also begins British ones (0114 is Sheffield's code), read as such below if not.
  if (candidate.size() > 3 && candidate[0] == '0' &&
      (candidate[1] == '0' || (candidate[1] == '1' && candidate[2] == '1'))) {
    size_t k = candidate[1] == '0' ? 2 : 3;
    if (candidate[k] == ' ' || candidate[k] == '.' || candidate[k] == '-') ++k;
    // Eight digits at least after the exit code, country code included (the shortest
    // numbers of any but a few island territories'): shorter runs, "00 94 45" in a table
    // of figures, are not sent to libphonenumber's validation, ten times as slow as the
    // rest of the detector's work on such text.
    size_t digits = 0;
    for (size_t i = k; i < candidate.size(); ++i) digits += candidate[i] >= '0' && candidate[i] <= '9';
    if (digits >= 8 && k < candidate.size() && candidate[k] >= '0' && candidate[k] <= '9' &&
        ValidatePhone("+" + std::string(candidate.substr(k))) == Validity::kValid)
      // One run of digits only likely: order numbers and barcodes (a GTIN-13 of a US
      // company begins with 00) are written so ("0012345678905").
      return candidate.find_first_not_of("0123456789") == std::string_view::npos ? Validity::kUnknown
                                                                                 : Validity::kValid;
  }
  size_t first = candidate.find_first_of("0123456789");
  if (first != std::string_view::npos && candidate[first] == '0') {
    // A national number written as one run of digits is only likely (below the default
    // threshold without a context word): order, account and routing numbers that begin
    // with 0 are often valid numbers of some region, and an SSN or ITIN with its
    // context word must outrank them.
    const Validity v = ValidatePhoneNational(candidate);
    if (v == Validity::kValid && candidate.find_first_not_of("0123456789") == std::string_view::npos)
      return Validity::kUnknown;
    return v;
  }
  return ValidatePhoneNanp(candidate);
}

Validity ValidatePhoneNational(std::string_view candidate) {
  std::string digits = DigitsOnly(candidate);
  if (digits.size() < 2 || digits[0] != '0') return Validity::kInvalid;
  digits.erase(0, 1);  // the trunk prefix of every region in kTrunkZeroRegions
  for (const char* region : kTrunkZeroRegions)
    if (NationalValidIn(digits, region)) return Validity::kValid;
  return Validity::kInvalid;
}

const char* SurnamePattern() {
  return "(?:" NAME_PARTICLE "[ \\t]+){0,2}" NAME_WORD;
}

bool MayBeginName(unsigned char c) {
  // NAME_WORD's \p{Lu}, and NAME_PARTICLE's first letters (its capitals are A to Z).
  return (c >= 'A' && c <= 'Z') || c >= 0x80 || c == 'a' || c == 'b' || c == 'd' || c == 'i' ||
         c == 'l' || c == 'v';
}

bool IsNameStopword(std::string_view word) {
  // A word in ASCII capitals (a name after a cue may be written so) is read capitalised.
  if (word.size() >= 2 && word.size() <= 24) {
    bool caps = true;
    for (char c : word) caps = caps && c >= 'A' && c <= 'Z';
    if (caps) {
      std::string capitalised(word);
      for (size_t i = 1; i < capitalised.size(); ++i) capitalised[i] = static_cast<char>(capitalised[i] | 0x20);
      if (capitalised != word && IsNameStopword(capitalised)) return true;
    }
  }
  static const WordSet& stop = *new WordSet({
      "The", "This", "That", "These", "Those", "There", "Here", "His", "Her", "Their",
      "Our", "Your", "My", "Its", "An", "A", "And", "Or", "But", "If", "On", "In", "At",
      "To", "For", "From", "With", "By", "Of", "As", "Is", "Was", "Are", "Were", "Be",
      "Has", "Had", "Have", "Not", "No", "Yes", "All", "Any", "Sir", "Madam", "Madame",
      "Customer", "Customers", "Client", "Team", "Support", "Service", "Services",
      "Portal", "Account", "Accounts", "Department", "Dept", "Office", "Hospital",
      "Clinic", "Center", "Centre", "Bank", "Card", "Name", "Number", "Patient",
      "Member", "Members", "Employee", "Staff", "User", "Users", "Admin", "Manager",
      "Doctor", "Nurse", "Date", "Birth", "Address", "Phone", "Email", "Record",
      "Records", "Note", "Notes", "Report", "Summary", "Unknown", "Redacted", "None",
      "Information", "Details", "Mr", "Mrs", "Ms", "Dr", "Monday", "Tuesday",
      "Wednesday", "Thursday", "Friday", "Saturday", "Sunday", "January", "February",
      "March", "April", "May", "June", "July", "August", "September", "October",
      "November", "December", "Street", "St", "Avenue", "Ave", "Road", "Rd", "Lane",
      "Drive", "City", "County", "State", "United", "States", "America", "American",
      "Inc", "Ltd", "LLC", "Corp", "Company", "Group", "Insurance", "Health", "Medical",
      "Care", "Please", "Thanks", "Thank", "Regards", "Best", "Sincerely", "Hello", "Hi",
      "Dear", "Re", "Subject", "Attn", "Signed", "Approved", "Visit", "Today",
      "Tomorrow", "Yesterday", "Called", "Reports", "Denies", "Presents", "Admitted",
      // Words a form writes in capitals after a cue or a name: "PATIENT: NOT APPLICABLE",
      // "JOHN SMITH DOB 03/14/85", "NAME: REFUSED".
      "Applicable", "Refused", "Declined", "Deceased", "Pending", "Withheld", "Anonymous",
      "Self", "Same", "Dob", "Ssn", "Mrn", "Id", "Age", "Sex", "Male", "Female", "Tel", "Fax",
      "Mobile", "Room", "Ward", "Bed", "Unit", "Case", "Ref", "Na", "Tbd", "Test",
      // Professions an Italian title is followed by ("Dott. Commercialista", "Avv.
      // Cassazionista"), not a name.
      "Commercialista", "Ingegnere", "Avvocato", "Cassazionista", "Notaio", "Architetto",
      "Geometra", "Ragioniere", "Medico", "Dottore", "Chirurgo"});
  return stop.Contains(word);
}

bool IsSentenceOpener(std::string_view word) {
  // Only where a surname written first is looked for: several are surnames too ("Mary
  // Good", "Robert Fine"), and after a first name they are read as such.
  static const WordSet& openers = *new WordSet({
      "Okay", "Ok", "Well", "So", "Sorry", "Thus", "Also", "However", "Then", "Now", "Oh",
      "Hey", "Yeah", "Sure", "Right", "Great", "Fine", "Again", "Still", "Indeed",
      "Meanwhile", "Therefore", "Besides", "Otherwise", "Instead", "Finally", "First",
      "Second", "Next", "Later", "Unfortunately", "Fortunately", "Actually", "Anyway",
      "Alright", "Listen", "Look", "Cheers", "Welcome", "Congratulations", "Good",
      "Morning", "Afternoon", "Evening", "Night", "Bye", "Goodbye", "Hello", "Hi",
      "Thanks", "Yes", "No", "Please", "Dear"});
  return openers.Contains(word);
}

bool ResumesAfterAt(RefineFn refine) { return refine == &RefineEmail; }

}  // namespace comply::pii
