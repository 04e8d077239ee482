// Checks for the "format" keyword when it is asserted (ValidateOptions::format_assert).
// Hand-written parsers follow the RFC grammars the JSON Schema spec points to.
#include <re2/re2.h>
#include <unicode/uidna.h>
#include <unicode/uchar.h>
#include <unicode/utf8.h>
#include <unicode/ustring.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "core/nfc.h"
#include "core/schema/internal.h"

namespace comply::schema::internal {
namespace {

// Character classes of the RFC grammars (ASCII only).
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsHex(char c) {
  return IsDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// Reads exactly n digits at s[pos] into *out.
bool Digits(std::string_view s, size_t pos, size_t n, int* out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = 0; i < n; ++i) {
    if (!IsDigit(s[pos + i])) return false;
    v = v * 10 + (s[pos + i] - '0');
  }
  *out = v;
  return true;
}

// Checks an RFC 3339 full-date.
bool IsDate(std::string_view s) {
  int y, m, d;
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
  if (!Digits(s, 0, 4, &y) || !Digits(s, 5, 2, &m) || !Digits(s, 8, 2, &d)) return false;
  if (m < 1 || m > 12 || d < 1) return false;
  static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  int max = kDays[m - 1];
  if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)) max = 29;
  return d <= max;
}

// Checks an RFC 3339 full-time (offset required; leap seconds only at 23:59:60 UTC).
bool IsTime(std::string_view s) {
  int h, m, sec;
  if (s.size() < 9 || s[2] != ':' || s[5] != ':') return false;
  if (!Digits(s, 0, 2, &h) || !Digits(s, 3, 2, &m) || !Digits(s, 6, 2, &sec)) return false;
  size_t pos = 8;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    size_t start = pos;
    while (pos < s.size() && IsDigit(s[pos])) ++pos;
    if (pos == start) return false;
  }
  if (pos >= s.size()) return false;
  int offset = 0;
  if (s[pos] == 'Z' || s[pos] == 'z') {
    if (pos + 1 != s.size()) return false;
  } else if (s[pos] == '+' || s[pos] == '-') {
    int oh, om;
    if (s.size() != pos + 6 || s[pos + 3] != ':') return false;
    if (!Digits(s, pos + 1, 2, &oh) || !Digits(s, pos + 4, 2, &om)) return false;
    if (oh > 23 || om > 59) return false;
    offset = (oh * 60 + om) * (s[pos] == '+' ? 1 : -1);
  } else {
    return false;
  }
  if (h > 23 || m > 59 || sec > 60) return false;
  if (sec == 60) {
    int utc = ((h * 60 + m - offset) % 1440 + 1440) % 1440;
    if (utc != 23 * 60 + 59) return false;
  }
  return true;
}

// Checks an RFC 3339 date-time.
bool IsDateTime(std::string_view s) {
  if (s.size() < 11 || (s[10] != 'T' && s[10] != 't')) return false;
  return IsDate(s.substr(0, 10)) && IsTime(s.substr(11));
}

// Checks an RFC 3339 appendix A duration.
bool IsDuration(std::string_view s) {
  static const RE2 re(
      "P(?:[0-9]+W|(?:[0-9]+Y(?:[0-9]+M(?:[0-9]+D)?)?|[0-9]+M(?:[0-9]+D)?|[0-9]+D)"
      "(?:T(?:[0-9]+H(?:[0-9]+M(?:[0-9]+S)?)?|[0-9]+M(?:[0-9]+S)?|[0-9]+S))?"
      "|T(?:[0-9]+H(?:[0-9]+M(?:[0-9]+S)?)?|[0-9]+M(?:[0-9]+S)?|[0-9]+S))");
  return RE2::FullMatch(re2::StringPiece(s.data(), s.size()), re);
}

// Checks a dotted-quad IPv4 address without leading zeros.
bool IsIpv4(std::string_view s) {
  int parts = 0;
  size_t pos = 0;
  while (true) {
    size_t start = pos;
    int v = 0;
    while (pos < s.size() && IsDigit(s[pos]) && pos - start < 4) v = v * 10 + (s[pos++] - '0');
    size_t n = pos - start;
    if (n == 0 || n > 3 || v > 255 || (n > 1 && s[start] == '0')) return false;
    ++parts;
    if (pos == s.size()) break;
    if (s[pos] != '.' || parts == 4) return false;
    ++pos;
  }
  return parts == 4;
}

// Checks an RFC 4291 IPv6 address (no zone identifier).
bool IsIpv6(std::string_view s) {
  if (s.empty()) return false;
  int groups = 0;
  bool compressed = false;
  size_t pos = 0;
  if (s.size() >= 2 && s[0] == ':' && s[1] == ':') {
    compressed = true;
    pos = 2;
    if (pos == s.size()) return true;
  } else if (s[0] == ':') {
    return false;
  }
  while (pos < s.size()) {
    size_t start = pos;
    while (pos < s.size() && IsHex(s[pos])) ++pos;
    if (pos < s.size() && s[pos] == '.') {
      // Embedded IPv4 must end the address.
      if (!IsIpv4(s.substr(start))) return false;
      groups += 2;
      pos = s.size();
      break;
    }
    size_t n = pos - start;
    if (n == 0 || n > 4) return false;
    ++groups;
    if (pos == s.size()) break;
    if (s[pos] != ':') return false;
    ++pos;
    if (pos < s.size() && s[pos] == ':') {
      if (compressed) return false;
      compressed = true;
      ++pos;
      if (pos == s.size()) break;
    } else if (pos == s.size()) {
      return false;
    }
  }
  return compressed ? groups < 8 : groups == 8;
}

// Checks one ASCII hostname label (RFC 1123).
bool IsLabel(std::string_view l) {
  if (l.empty() || l.size() > 63) return false;
  for (char c : l)
    if (!IsAlpha(c) && !IsDigit(c) && c != '-') return false;
  if (l.front() == '-' || l.back() == '-') return false;
  // "--" in positions 3-4 is reserved for A-labels ("xn--").
  if (l.size() >= 4 && l[2] == '-' && l[3] == '-') {
    if (!((l[0] == 'x' || l[0] == 'X') && (l[1] == 'n' || l[1] == 'N'))) return false;
    if (l.size() == 4) return false;
  }
  return true;
}

// ICU's IDNA processing (UTS #46, nontransitional) with the checks IDNA2008 makes: STD3
// characters, the bidi rule, and the contextual rules of joiners (CONTEXTJ) and of
// the other code points that have them (CONTEXTO: middle dot, Greek keraia, Hebrew
// geresh, katakana middle dot, Arabic-Indic digits). Null if ICU cannot open it.
const UIDNA* Idna() {
  static const UIDNA* const idna = [] {
    UErrorCode err = U_ZERO_ERROR;
    UIDNA* u = uidna_openUTS46(UIDNA_USE_STD3_RULES | UIDNA_CHECK_BIDI | UIDNA_CHECK_CONTEXTJ |
                                   UIDNA_CHECK_CONTEXTO | UIDNA_NONTRANSITIONAL_TO_ASCII |
                                   UIDNA_NONTRANSITIONAL_TO_UNICODE,
                               &err);
    return U_SUCCESS(err) ? u : nullptr;
  }();
  return idna;
}

// Tells whether a non-ASCII code point may stand in a U-label by RFC 5892's derivation:
// a letter or digit of the LetterDigits categories (Ll, Lo, Lm, Mn, Mc, Nd) or one of
// the exceptions that are PVALID, and not one of those that are DISALLOWED; the
// contextual ones (joiners, middle dot, keraia, geresh, katakana middle dot) are left to
// ICU's CONTEXTJ and CONTEXTO checks. ICU's UTS #46 tables alone accept more (symbols and
// punctuation that UTS #46 keeps valid, its "NV8" code points such as U+00A1).
bool IsIdna2008CodePoint(UChar32 c) {
  switch (c) {
    case 0x0640: case 0x07FA: case 0x302E: case 0x302F: case 0x3031: case 0x3032:
    case 0x3033: case 0x3034: case 0x3035: case 0x303B:
      return false;  // exceptions: DISALLOWED
    case 0x00DF: case 0x03C2: case 0x06FD: case 0x06FE: case 0x0F0B: case 0x3007:
      return true;  // exceptions: PVALID
    case 0x200C: case 0x200D: case 0x00B7: case 0x0375: case 0x05F3: case 0x05F4:
    case 0x30FB:
      return true;  // CONTEXTJ and CONTEXTO
    default:
      break;
  }
  switch (u_charType(c)) {
    case U_LOWERCASE_LETTER: case U_OTHER_LETTER: case U_MODIFIER_LETTER:
    case U_NON_SPACING_MARK: case U_COMBINING_SPACING_MARK: case U_DECIMAL_DIGIT_NUMBER:
      return true;
    default:
      return false;
  }
}

// Checks the IDNA2008 rules of a host name whose labels passed the syntax checks: every
// A-label ("xn--") is valid Punycode of a valid U-label, and every U-label is left as it
// is by IDNA's mapping once in NFC (IDNA2008 maps nothing: a capital, ASCII's too, or a
// compatibility character in a U-label is not allowed, RFC 5890 section 2.3.2.1; the
// test suite takes a domain label not in NFC as valid, idn-email.json's "user@cafe"
// U+0301 ".com"). The ASCII letters of a label of ASCII only are compared without case.
bool IsIdnaName(std::string_view name) {
  const UIDNA* idna = Idna();
  if (idna == nullptr) return true;  // no ICU data: the syntax checks alone
  std::string nfc;
  if (!ToNfc(name, &nfc)) return false;  // not convertible: not UTF-8
  const std::string_view s = nfc;
  std::string out(s.size() * 4 + 16, '\0');
  UIDNAInfo info = UIDNA_INFO_INITIALIZER;
  UErrorCode err = U_ZERO_ERROR;
  const int32_t n = uidna_nameToUnicodeUTF8(idna, s.data(), static_cast<int32_t>(s.size()),
                                            out.data(), static_cast<int32_t>(out.size()),
                                            &info, &err);
  if (U_FAILURE(err) || info.errors != 0) return false;
  out.resize(static_cast<size_t>(n));
  for (int32_t i = 0; i < n;) {
    UChar32 c;
    U8_NEXT(out.data(), i, n, c);
    if (c < 0) return false;
    if (c >= 0x80 && !IsIdna2008CodePoint(c)) return false;
  }
  // The A-label form of each label fits in 63 octets, the name in 253.
  std::string ascii(s.size() * 4 + 64, '\0');
  UIDNAInfo ascii_info = UIDNA_INFO_INITIALIZER;
  uidna_nameToASCII_UTF8(idna, s.data(), static_cast<int32_t>(s.size()), ascii.data(),
                         static_cast<int32_t>(ascii.size()), &ascii_info, &err);
  if (U_FAILURE(err) || ascii_info.errors != 0) return false;
  // Each U-label must come back unchanged (A-labels come back decoded).
  size_t in_pos = 0, out_pos = 0;
  while (true) {
    const size_t in_dot = s.find('.', in_pos), out_dot = out.find('.', out_pos);
    const std::string_view in_label =
        s.substr(in_pos, in_dot == std::string_view::npos ? s.npos : in_dot - in_pos);
    const std::string_view out_label = std::string_view(out).substr(
        out_pos, out_dot == std::string::npos ? std::string::npos : out_dot - out_pos);
    const bool a_label = in_label.size() >= 4 && (in_label[0] | 0x20) == 'x' &&
                         (in_label[1] | 0x20) == 'n' && in_label[2] == '-' && in_label[3] == '-';
    if (!a_label) {
      if (in_label.size() != out_label.size()) return false;
      bool u_label = false;
      for (char c : in_label) u_label = u_label || static_cast<unsigned char>(c) >= 0x80;
      for (size_t i = 0; i < in_label.size(); ++i) {
        char a = in_label[i], b = out_label[i];
        if (!u_label && a >= 'A' && a <= 'Z') a = static_cast<char>(a | 0x20);
        if (a != b) return false;
      }
    }
    if ((in_dot == std::string_view::npos) != (out_dot == std::string::npos)) return false;
    if (in_dot == std::string_view::npos) return true;
    in_pos = in_dot + 1;
    out_pos = out_dot + 1;
  }
}

// Checks an RFC 1123 hostname; its A-labels ("xn--") by the IDNA2008 rules.
bool IsHostname(std::string_view s) {
  if (s.empty() || s.size() > 253) return false;
  size_t pos = 0;
  bool a_labels = false;
  while (true) {
    size_t dot = s.find('.', pos);
    std::string_view label = s.substr(pos, dot == std::string_view::npos ? s.npos : dot - pos);
    if (!IsLabel(label)) return false;
    a_labels = a_labels || (label.size() > 4 && label[2] == '-');  // IsLabel: only "xn--"
    if (dot == std::string_view::npos) break;
    pos = dot + 1;
  }
  return !a_labels || IsIdnaName(s);
}

// Checks a hostname that may contain non-ASCII (U-label) characters, by the IDNA2008
// rules. The ideographic, fullwidth and halfwidth ideographic full stops separate
// labels as '.' does (RFC 3490, section 3.1).
bool IsIdnHostname(std::string_view name) {
  std::string dotted;
  for (size_t i = 0; i < name.size(); ++i) {
    const std::string_view rest = name.substr(i, 3);
    if (rest == "\xE3\x80\x82" || rest == "\xEF\xBC\x8E" || rest == "\xEF\xBD\xA1") {
      dotted += '.';
      i += 2;
    } else {
      dotted += name[i];
    }
  }
  const std::string_view s = dotted;
  if (s.empty() || s.size() > 253) return false;
  size_t pos = 0;
  bool idna = false;
  while (true) {
    size_t dot = s.find('.', pos);
    std::string_view label = s.substr(pos, dot == std::string_view::npos ? s.npos : dot - pos);
    bool ascii = true;
    for (char c : label) ascii = ascii && static_cast<unsigned char>(c) < 0x80;
    if (ascii) {
      if (!IsLabel(label)) return false;
      idna = idna || (label.size() > 4 && label[2] == '-');
    } else if (label.empty() || label.front() == '-' || label.back() == '-') {
      return false;
    } else {
      idna = true;
    }
    if (dot == std::string_view::npos) break;
    pos = dot + 1;
  }
  return !idna || IsIdnaName(s);
}

// Checks an RFC 5321 mailbox; idn allows non-ASCII characters.
bool IsEmail(std::string_view s, bool idn) {
  size_t at = s.rfind('@');
  if (at == std::string_view::npos || at == 0 || at + 1 == s.size()) return false;
  std::string_view local = s.substr(0, at), domain = s.substr(at + 1);
  // RFC 5321 4.5.3.1.1: a local part of at most 64 octets.
  if (local.size() > 64) return false;
  if (local.size() >= 2 && local.front() == '"' && local.back() == '"') {
    for (size_t i = 1; i + 1 < local.size(); ++i) {
      unsigned char c = local[i];
      if (c == '\\') {
        ++i;
        continue;
      }
      if (c == '"' || c < 0x20) return false;
    }
  } else {
    if (local.front() == '.' || local.back() == '.') return false;
    static const char kSpecials[] = "!#$%&'*+-/=?^_`{|}~.";
    char prev = 0;
    for (char ch : local) {
      unsigned char c = ch;
      if (ch == '.' && prev == '.') return false;
      prev = ch;
      if (IsAlpha(ch) || IsDigit(ch) || std::strchr(kSpecials, ch)) continue;
      if (idn && c >= 0x80) continue;
      return false;
    }
  }
  if (domain.size() >= 2 && domain.front() == '[' && domain.back() == ']') {
    std::string_view lit = domain.substr(1, domain.size() - 2);
    if (lit.substr(0, 5) == "IPv6:") return IsIpv6(lit.substr(5));
    return IsIpv4(lit);
  }
  // A bare dotted quad is an address literal missing its brackets.
  bool numeric = true;
  for (char c : domain) numeric = numeric && (IsDigit(c) || c == '.');
  if (numeric) return false;
  return idn ? IsIdnHostname(domain) : IsHostname(domain);
}

// Checks an RFC 4122 UUID in its hyphenated form.
bool IsUuid(std::string_view s) {
  if (s.size() != 36) return false;
  for (size_t i = 0; i < 36; ++i) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (s[i] != '-') return false;
    } else if (!IsHex(s[i])) {
      return false;
    }
  }
  return true;
}

// Checks an RFC 6901 JSON Pointer.
bool IsJsonPointer(std::string_view s) {
  if (s.empty()) return true;
  if (s[0] != '/') return false;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '~' && (i + 1 >= s.size() || (s[i + 1] != '0' && s[i + 1] != '1'))) return false;
  }
  return true;
}

// Checks a relative JSON Pointer (draft-handrews-relative-json-pointer).
bool IsRelativeJsonPointer(std::string_view s) {
  size_t n = 0;
  while (n < s.size() && IsDigit(s[n])) ++n;
  if (n == 0 || (n > 1 && s[0] == '0')) return false;
  std::string_view rest = s.substr(n);
  if (!rest.empty() && (rest[0] == '+' || rest[0] == '-')) {
    size_t m = 1;
    while (m < rest.size() && IsDigit(rest[m])) ++m;
    if (m == 1 || (m > 2 && rest[1] == '0')) return false;
    rest = rest.substr(m);
  }
  return rest == "#" || IsJsonPointer(rest);
}

// Checks URI / IRI syntax (RFC 3986 / 3987). absolute requires a scheme.
bool IsUri(std::string_view s, bool absolute, bool iri) {
  auto ok_char = [&](unsigned char c, const char* extra) {
    if (IsAlpha(c) || IsDigit(c) || std::strchr("-._~!$&'()*+,;=", c)) return true;
    if (c && std::strchr(extra, c)) return true;
    return iri && c >= 0x80;
  };
  // Validates a run of characters allowing percent-encodings.
  auto check_run = [&](std::string_view run, const char* extra) {
    for (size_t i = 0; i < run.size(); ++i) {
      if (run[i] == '%') {
        if (i + 2 >= run.size() || !IsHex(run[i + 1]) || !IsHex(run[i + 2])) return false;
        i += 2;
        continue;
      }
      if (!ok_char(run[i], extra)) return false;
    }
    return true;
  };
  size_t pos = 0;
  size_t colon = s.find(':');
  size_t first_delim = s.find_first_of("/?#");
  if (colon != std::string_view::npos && colon < first_delim && colon > 0) {
    if (!IsAlpha(s[0])) {
      if (absolute) return false;
    } else {
      for (size_t i = 1; i < colon; ++i)
        if (!IsAlpha(s[i]) && !IsDigit(s[i]) && !std::strchr("+-.", s[i])) return false;
      pos = colon + 1;
    }
  } else if (absolute) {
    return false;
  }
  if (pos == 0 && colon != std::string_view::npos && colon < first_delim) {
    // A relative reference's first segment may not contain ':'.
    return false;
  }
  std::string_view rest = s.substr(pos);
  size_t hash = rest.find('#');
  std::string_view fragment;
  if (hash != std::string_view::npos) {
    fragment = rest.substr(hash + 1);
    rest = rest.substr(0, hash);
    if (!check_run(fragment, ":@/?")) return false;
  }
  size_t q = rest.find('?');
  if (q != std::string_view::npos) {
    if (!check_run(rest.substr(q + 1), ":@/?")) return false;
    rest = rest.substr(0, q);
  }
  if (rest.substr(0, 2) == "//") {
    rest = rest.substr(2);
    size_t slash = rest.find('/');
    std::string_view authority = rest.substr(0, slash);
    rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash);
    size_t atpos = authority.rfind('@');
    if (atpos != std::string_view::npos) {
      if (!check_run(authority.substr(0, atpos), ":")) return false;
      authority = authority.substr(atpos + 1);
    }
    std::string_view host = authority;
    if (!host.empty() && host[0] == '[') {
      size_t close = host.find(']');
      if (close == std::string_view::npos) return false;
      std::string_view lit = host.substr(1, close - 1);
      if (!IsIpv6(lit) && !(lit.size() > 1 && (lit[0] == 'v' || lit[0] == 'V'))) return false;
      host = host.substr(close + 1);
      if (!host.empty()) {
        if (host[0] != ':') return false;
        for (char c : host.substr(1))
          if (!IsDigit(c)) return false;
      }
    } else {
      size_t pc = host.rfind(':');
      if (pc != std::string_view::npos) {
        for (char c : host.substr(pc + 1))
          if (!IsDigit(c)) return false;
        host = host.substr(0, pc);
      }
      if (!check_run(host, "")) return false;
    }
  }
  return check_run(rest, ":@/");
}

// Checks RFC 6570 URI template syntax (level 4): literals and {op varspec,...}.
bool IsUriTemplate(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = s[i];
    if (c == '{') {
      size_t close = s.find('}', i);
      if (close == std::string_view::npos) return false;
      std::string_view expr = s.substr(i + 1, close - i - 1);
      if (!expr.empty() && std::strchr("+#./;?&=,!@|", expr[0])) {
        if (std::strchr("=,!@|", expr[0])) return false;  // reserved operators
        expr.remove_prefix(1);
      }
      // variable-list = varspec *( "," varspec )
      size_t pos = 0;
      while (true) {
        size_t comma = expr.find(',', pos);
        std::string_view spec =
            expr.substr(pos, comma == std::string_view::npos ? expr.npos : comma - pos);
        std::string_view name = spec, modifier;
        size_t m = spec.find_first_of(":*");
        if (m != std::string_view::npos) {
          name = spec.substr(0, m);
          modifier = spec.substr(m);
        }
        if (name.empty() || name.front() == '.' || name.back() == '.' ||
            name.find("..") != std::string_view::npos)
          return false;
        for (size_t k = 0; k < name.size(); ++k) {
          char ch = name[k];
          if (ch == '%') {
            if (k + 2 >= name.size() || !IsHex(name[k + 1]) || !IsHex(name[k + 2])) return false;
            k += 2;
          } else if (!IsAlpha(ch) && !IsDigit(ch) && ch != '_' && ch != '.') {
            return false;
          }
        }
        if (modifier == "*") {
        } else if (!modifier.empty()) {
          std::string_view len = modifier.substr(1);
          if (modifier[0] != ':' || len.empty() || len.size() > 4 || len[0] == '0') return false;
          for (char ch : len)
            if (!IsDigit(ch)) return false;
        }
        if (comma == std::string_view::npos) break;
        pos = comma + 1;
      }
      i = close + 1;
      continue;
    }
    if (c == '}' || c <= 0x20 || c == 0x7F || std::strchr("\"<>\\^`|", c)) return false;
    if (c == '%') {
      if (i + 2 >= s.size() || !IsHex(s[i + 1]) || !IsHex(s[i + 2])) return false;
      i += 3;
      continue;
    }
    ++i;
  }
  return true;
}

// Checks that s is a regular expression this validator can run.
// Capturing groups of an ECMA 262 pattern: "(" outside classes, not escaped, not "(?"
// unless a named group "(?<name>"; their names into *names.
size_t CaptureGroups(std::string_view s, std::vector<std::string_view>* names) {
  size_t groups = 0;
  bool in_class = false;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '\\') {
      ++i;
    } else if (in_class) {
      in_class = c != ']';
    } else if (c == '[') {
      in_class = true;
    } else if (c == '(') {
      if (i + 1 < s.size() && s[i + 1] != '?') {
        ++groups;
      } else if (s.substr(i, 3) == "(?<" && i + 3 < s.size() && s[i + 3] != '=' &&
                 s[i + 3] != '!') {
        ++groups;
        const size_t close = s.find('>', i + 3);
        if (close != std::string_view::npos) names->push_back(s.substr(i + 3, close - i - 3));
      }
    }
  }
  return groups;
}

// For the syntax check of "format": "regex" only (never to run): p with the ECMA 262
// constructs RE2 has no engine for made into empty or plain groups of the same shape:
// lookahead and lookbehind assertions become "(?:", and a backreference to a group that
// exists ("\\1", "\\k<name>") becomes "(?:)". A backreference to no group is left, and
// refused.
std::string WithoutEcmaOnlyConstructs(std::string_view p) {
  std::vector<std::string_view> names;
  const size_t groups = CaptureGroups(p, &names);
  std::string out;
  out.reserve(p.size());
  bool in_class = false;
  for (size_t i = 0; i < p.size(); ++i) {
    const char c = p[i];
    if (in_class) {
      out += c;
      if (c == '\\' && i + 1 < p.size()) out += p[++i];
      else if (c == ']') in_class = false;
      continue;
    }
    if (c == '[') {
      in_class = true;
      out += c;
      continue;
    }
    if (c == '(' && (p.substr(i, 4) == "(?<=" || p.substr(i, 4) == "(?<!")) {
      out += "(?:";
      i += 3;
      continue;
    }
    if (c == '(' && (p.substr(i, 3) == "(?=" || p.substr(i, 3) == "(?!")) {
      out += "(?:";
      i += 2;
      continue;
    }
    if (c == '\\' && i + 1 < p.size()) {
      const char n = p[i + 1];
      if (n >= '1' && n <= '9') {
        size_t j = i + 1, number = 0;
        while (j < p.size() && IsDigit(p[j]) && number <= groups) number = number * 10 + (p[j++] - '0');
        if (number <= groups) {
          out += "(?:)";
          i = j - 1;
          continue;
        }
      } else if (n == 'k' && i + 2 < p.size() && p[i + 2] == '<') {
        const size_t close = p.find('>', i + 3);
        if (close != std::string_view::npos &&
            std::find(names.begin(), names.end(), p.substr(i + 3, close - i - 3)) != names.end()) {
          out += "(?:)";
          i = close;
          continue;
        }
      }
      out += c;
      out += n;
      ++i;
      continue;
    }
    out += c;
  }
  return out;
}

bool IsRegex(std::string_view s) {
  if (Re2OnlySyntax(s) != nullptr) return false;
  RE2::Options opts;
  opts.set_log_errors(false);
  RE2 re(TranslatePattern(WithoutEcmaOnlyConstructs(s)), opts);
  return re.ok();
}

}  // namespace

const char* Re2OnlySyntax(std::string_view s) {
  bool in_class = false;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '\\' && i + 1 < s.size()) {
      switch (s[++i]) {
        case 'a': return "the escape \\a";
        case 'z': return "the escape \\z";
        case 'A': return "the escape \\A";
        case 'Q': return "the escape \\Q";
        case 'E': return "the escape \\E";
        case 'C': return "the escape \\C";
        default: break;
      }
      continue;
    }
    if (in_class) {
      if (c == ']') in_class = false;
      continue;
    }
    if (c == '[') {
      in_class = true;
      continue;
    }
    if (c != '(' || i + 2 >= s.size() || s[i + 1] != '?') continue;
    if (s[i + 2] == 'P') return "Python's named group (?P";
    // "(?i)": flags for the rest of the pattern (ECMA has only "(?i:...)", since 2025).
    size_t j = i + 2;
    while (j < s.size() && ((s[j] >= 'a' && s[j] <= 'z') || (s[j] >= 'A' && s[j] <= 'Z') || s[j] == '-')) ++j;
    if (j > i + 2 && j < s.size() && s[j] == ')') return "inline flags such as (?i)";
  }
  return nullptr;
}

// Dispatches to the checker of a format name.
bool CheckFormat(std::string_view format, std::string_view s) {
  if (format == "date") return IsDate(s);
  if (format == "time") return IsTime(s);
  if (format == "date-time") return IsDateTime(s);
  if (format == "duration") return IsDuration(s);
  if (format == "email") return IsEmail(s, false);
  if (format == "idn-email") return IsEmail(s, true);
  if (format == "hostname") return IsHostname(s);
  if (format == "idn-hostname") return IsIdnHostname(s);
  if (format == "ipv4") return IsIpv4(s);
  if (format == "ipv6") return IsIpv6(s);
  if (format == "uri") return IsUri(s, true, false);
  if (format == "uri-reference") return IsUri(s, false, false);
  if (format == "iri") return IsUri(s, true, true);
  if (format == "iri-reference") return IsUri(s, false, true);
  if (format == "uri-template") return IsUriTemplate(s);
  if (format == "uuid") return IsUuid(s);
  if (format == "regex") return IsRegex(s);
  if (format == "json-pointer") return IsJsonPointer(s);
  if (format == "relative-json-pointer") return IsRelativeJsonPointer(s);
  return true;
}

// Copies p, respelling ECMA-only escapes for RE2.
std::string TranslatePattern(std::string_view p) {
  std::string out;
  out.reserve(p.size() + 8);
  bool in_class = false;
  for (size_t i = 0; i < p.size(); ++i) {
    char c = p[i];
    if (c == '\\' && i + 1 < p.size()) {
      char n = p[i + 1];
      if (n == 'u' && i + 5 < p.size() && IsHex(p[i + 2]) && IsHex(p[i + 3]) && IsHex(p[i + 4]) && IsHex(p[i + 5])) {
        // A surrogate pair written as two escapes is one character (U+10000 and up),
        // which is how it stands in the UTF-8 strings validated.
        const unsigned hi = static_cast<unsigned>(std::stoul(std::string(p.substr(i + 2, 4)), nullptr, 16));
        if (hi >= 0xD800 && hi <= 0xDBFF && i + 11 < p.size() && p[i + 6] == '\\' && p[i + 7] == 'u' &&
            IsHex(p[i + 8]) && IsHex(p[i + 9]) && IsHex(p[i + 10]) && IsHex(p[i + 11])) {
          const unsigned lo = static_cast<unsigned>(std::stoul(std::string(p.substr(i + 8, 4)), nullptr, 16));
          if (lo >= 0xDC00 && lo <= 0xDFFF) {
            char buf[16];
            std::snprintf(buf, sizeof buf, "\\x{%X}", 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00));
            out += buf;
            i += 11;
            continue;
          }
        }
        out += "\\x{";
        out.append(p.substr(i + 2, 4));
        out += '}';
        i += 5;
        continue;
      }
      // \u{...}: a code point by its hex digits (ECMA's Unicode mode).
      if (n == 'u' && i + 2 < p.size() && p[i + 2] == '{') {
        const size_t close = p.find('}', i + 3);
        if (close != std::string_view::npos && close > i + 3 && close - (i + 3) <= 6 &&
            std::all_of(p.begin() + i + 3, p.begin() + close, IsHex)) {
          out += "\\x{";
          out.append(p.substr(i + 3, close - i - 3));
          out += '}';
          i = close;
          continue;
        }
      }
      if (n == 'c' && i + 2 < p.size() && IsAlpha(p[i + 2])) {
        char buf[16];
        std::snprintf(buf, sizeof buf, "\\x{%02X}", p[i + 2] % 32);
        out += buf;
        i += 2;
        continue;
      }
      if ((n == 'p' || n == 'P') && i + 2 < p.size() && p[i + 2] == '{') {
        size_t close = p.find('}', i + 3);
        if (close != std::string_view::npos) {
          std::string name(p.substr(i + 3, close - i - 3));
          size_t eq = name.find('=');
          if (eq != std::string::npos) name = name.substr(eq + 1);  // Script=Greek
          static const char* const kNames[][2] = {
              {"Letter", "L"}, {"Lowercase_Letter", "Ll"}, {"Uppercase_Letter", "Lu"},
              {"Titlecase_Letter", "Lt"}, {"Modifier_Letter", "Lm"}, {"Other_Letter", "Lo"},
              {"Mark", "M"}, {"Number", "N"}, {"Decimal_Number", "Nd"}, {"digit", "Nd"},
              {"Letter_Number", "Nl"}, {"Other_Number", "No"}, {"Punctuation", "P"},
              {"punct", "P"}, {"Symbol", "S"}, {"Separator", "Z"}, {"Space_Separator", "Zs"},
              {"Other", "C"}, {"Control", "Cc"}, {"cntrl", "Cc"}, {"Format", "Cf"}};
          for (const auto& e : kNames)
            if (name == e[0]) name = e[1];
          out += '\\';
          out += n;
          out += '{';
          out += name;
          out += '}';
          i = close;
          continue;
        }
      }
      if (n == 'd') {
        out += in_class ? "0-9" : "[0-9]";
        ++i;
        continue;
      }
      if (n == 'D' && !in_class) {
        out += "[^0-9]";
        ++i;
        continue;
      }
      // ECMA \s includes Unicode spaces; RE2's is ASCII only.
      if (n == 's' || n == 'S') {
        const char* set = "\\t\\n\\x{0B}\\f\\r \\x{A0}\\x{1680}\\x{2000}-\\x{200A}\\x{2028}"
                          "\\x{2029}\\x{202F}\\x{205F}\\x{3000}\\x{FEFF}";
        if (in_class) {
          // In a class, \S is written out as the ranges between those spaces (RE2's
          // would be ASCII's, and a class cannot hold a negated one).
          out += n == 's' ? set
                          : "\\x{0}-\\x{8}\\x{E}-\\x{1F}\\x{21}-\\x{9F}\\x{A1}-\\x{167F}"
                            "\\x{1681}-\\x{1FFF}\\x{200B}-\\x{2027}\\x{202A}-\\x{202E}"
                            "\\x{2030}-\\x{205E}\\x{2060}-\\x{2FFF}\\x{3001}-\\x{FEFE}"
                            "\\x{FF00}-\\x{10FFFF}";
          ++i;
          continue;
        } else {
          out += n == 's' ? "[" : "[^";
          out += set;
          out += ']';
          ++i;
          continue;
        }
      }
      out += c;
      out += n;
      ++i;
      continue;
    }
    if (c == '[' && !in_class && p.substr(i, 2) == "[]") {
      out += "[^\\x{0}-\\x{10FFFF}]";  // ECMA: matches nothing
      ++i;
      continue;
    }
    if (c == '[' && !in_class && p.substr(i, 3) == "[^]") {
      out += "[\\x{0}-\\x{10FFFF}]";  // ECMA: matches anything
      i += 2;
      continue;
    }
    if (c == '(' && !in_class && p.substr(i, 3) == "(?<" && i + 3 < p.size() &&
        p[i + 3] != '=' && p[i + 3] != '!') {
      out += "(?P<";  // RE2 spells named groups the Python way
      i += 2;
      continue;
    }
    // ECMA's "." matches no line terminator (\n, \r, U+2028, U+2029); RE2's only not \n.
    if (c == '.' && !in_class) {
      out += "[^\\n\\r\\x{2028}\\x{2029}]";
      continue;
    }
    if (c == '[' && !in_class) in_class = true;
    else if (c == ']' && in_class) in_class = false;
    out += c;
  }
  return out;
}

}  // namespace comply::schema::internal
