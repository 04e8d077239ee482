// Exceptions thrown by the core. Each carries a five-character SQLSTATE so the glue can
// raise the matching PostgreSQL error without a mapping table. Messages never contain
// the data being processed (it may be personal data).
#pragma once
#include "core/no_postgres.h"

#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace comply {

// SQLSTATEs used by the core, as in PostgreSQL's errcodes.txt.
namespace sqlstate {
inline constexpr const char* kInvalidParameterValue = "22023";
inline constexpr const char* kProgramLimitExceeded = "54000";
inline constexpr const char* kStatementTooComplex = "54001";
inline constexpr const char* kInvalidRegularExpression = "2201B";
inline constexpr const char* kInvalidTextRepresentation = "22P02";
inline constexpr const char* kCharacterNotInRepertoire = "22021";
inline constexpr const char* kConfigFileError = "F0000";
inline constexpr const char* kObjectNotInPrerequisiteState = "55000";
inline constexpr const char* kInsufficientPrivilege = "42501";
inline constexpr const char* kInternalError = "XX000";
inline constexpr const char* kDataCorrupted = "XX001";
inline constexpr const char* kQueryCanceled = "57014";
inline constexpr const char* kUndefinedObject = "42704";
inline constexpr const char* kDuplicateObject = "42710";
inline constexpr const char* kFeatureNotSupported = "0A000";
inline constexpr const char* kCheckViolation = "23514";
}  // namespace sqlstate

// An error meant for the user: SQLSTATE, message, optional detail and hint.
class Error : public std::runtime_error {
 public:
  Error(const char* sqlstate, std::string message, std::string detail = {},
        std::string hint = {})
      : std::runtime_error(std::move(message)),
        sqlstate_(sqlstate),
        detail_(std::move(detail)),
        hint_(std::move(hint)) {}
  const char* sqlstate() const noexcept { return sqlstate_; }
  const std::string& detail() const noexcept { return detail_; }
  const std::string& hint() const noexcept { return hint_; }

 private:
  const char* sqlstate_;
  std::string detail_;
  std::string hint_;
};

// True when s looks like a name: a letter or underscore, then letters, digits, '_', '.',
// ':' or '-', at most max_len bytes in all (the form of schema, model, entity and option
// names).
inline bool IsPlainName(std::string_view s, size_t max_len = 128) {
  if (s.empty() || s.size() > max_len) return false;
  auto alpha = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; };
  if (!alpha(s[0])) return false;
  for (char c : s)
    if (!alpha(c) && !(c >= '0' && c <= '9') && c != '.' && c != ':' && c != '-') return false;
  return true;
}

// Whether a text holds personal data: set once by the glue to its PII detector (the
// built-in recognizers). nullptr: the form alone decides what messages show.
using PersonalDataCheck = bool (*)(std::string_view) noexcept;
inline PersonalDataCheck& ShownNameCheck() {
  static PersonalDataCheck check = nullptr;
  return check;
}

// Whether a message may show a caller's name as it is: it has the form of a name and
// holds nothing the detector finds (an IBAN, a card number, "ssn:536-22-8714" have the
// form of a name).
inline bool ShowsAsName(std::string_view s, size_t max_len = 128) {
  return IsPlainName(s, max_len) && !(ShownNameCheck() && ShownNameCheck()(s));
}

// A name given by the caller as a message shows it: quoted when it shows as a name;
// otherwise only its length, since a value that is not a name may be data passed in the
// wrong argument (a document, a note), and messages never contain data.
inline std::string ShownName(std::string_view s, size_t max_len = 128) {
  if (ShowsAsName(s, max_len)) return "\"" + std::string(s) + "\"";
  return "(a value of " + std::to_string(s.size()) + " bytes that is not a name; not shown)";
}

// How many characters of a caller's text a message quotes (ShownText).
inline constexpr size_t kShownTextChars = 64;

// A text of the caller's that is not data but may be of any length, shown in a message (a
// schema's $ref, $id, type or pattern, a property name, a recognizer's pattern): escaped
// as a JSON string is (\\ for a backslash, \", \n, \t, \r, \u00XX for the other control
// characters), and bytes that are not UTF-8 shown as \xXX, so that every escape reads one
// way (a text of the four characters \xff is shown \\xff; the byte 0xff alone, \xff); cut after
// kShownTextChars characters, on a character boundary, with "..." and its length in bytes
// after it, so that a megabyte $ref does not end up in the message and the server log.
// quoted: between double quotes (the form every such message uses), else bare (RE2's
// part of a pattern, which messages have always shown bare).
// A text in which the detector finds personal data (an e-mail as a schema's type, an SSN
// in a pattern's lookbehind: a deny-list written into a schema) shows its length only.
inline std::string ShownText(std::string_view s, bool quoted = true) {
  static constexpr char kHex[] = "0123456789abcdef";
  if (ShownNameCheck() && ShownNameCheck()(s))
    return "(a text of " + std::to_string(s.size()) + " bytes that holds personal data; not shown)";
  std::string out;
  if (quoted) out += '"';
  size_t i = 0, chars = 0;
  for (; i < s.size() && chars < kShownTextChars; ++chars) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    // The length of the well-formed UTF-8 character at i (0: not one).
    size_t len = c < 0x80 ? 1 : (c >= 0xc2 && c <= 0xdf) ? 2 : (c >= 0xe0 && c <= 0xef) ? 3
               : (c >= 0xf0 && c <= 0xf4) ? 4 : 0;
    if (len == 0 || i + len > s.size()) {
      len = 0;
    } else {
      for (size_t k = 1; k < len; ++k)
        if ((static_cast<unsigned char>(s[i + k]) & 0xc0) != 0x80) len = 0;
      // No overlongs, surrogates or code points past U+10FFFF.
      const unsigned char c1 = len > 1 ? static_cast<unsigned char>(s[i + 1]) : 0;
      if ((c == 0xe0 && c1 < 0xa0) || (c == 0xed && c1 >= 0xa0) || (c == 0xf0 && c1 < 0x90) ||
          (c == 0xf4 && c1 >= 0x90))
        len = 0;
    }
    if (len == 0) {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
      ++i;
      continue;
    }
    if (c == '"') out += "\\\"";
    else if (c == '\\') out += "\\\\";
    else if (c == '\n') out += "\\n";
    else if (c == '\t') out += "\\t";
    else if (c == '\r') out += "\\r";
    else if (c < 0x20 || c == 0x7f) {
      out += "\\u00";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    } else {
      out.append(s.data() + i, len);
    }
    i += len;
  }
  if (i < s.size()) out += "...";
  if (quoted) out += '"';
  if (i < s.size()) out += " (" + std::to_string(s.size()) + " bytes)";
  return out;
}

// How many bytes of a JSON Pointer a message shows in full (ShownPointer).
inline constexpr size_t kShownPointerBytes = 256;

// A JSON Pointer shown in a message (where in a schema a problem is; where in a document,
// its keys redacted, in assert_valid's detail): "(root)" for "", otherwise each reference
// token as ShownText shows a text (bare: escaped, cut after kShownTextChars characters
// with "..." and its length in bytes), and, when that is still longer than
// kShownPointerBytes (a path many levels deep), its first tokens and as many of its last
// as fit, the ones between left out as "/... (N tokens)". The end of a pointer is where
// the problem is: it is always shown, and the message's text after it is not pushed out
// by a property name of 100,000 characters.
inline std::string ShownPointer(std::string_view pointer) {
  if (pointer.empty()) return "(root)";
  std::vector<std::string> tokens;  // each with its leading '/' (none for a first "token"
                                    // before any '/', in a text that is not a pointer)
  size_t start = 0;
  if (pointer[0] != '/') {
    const size_t slash = pointer.find('/');
    tokens.push_back(ShownText(pointer.substr(0, slash), false));
    start = slash;
  }
  size_t total = tokens.empty() ? 0 : tokens[0].size();
  while (start < pointer.size()) {
    size_t end = pointer.find('/', start + 1);
    if (end == std::string_view::npos) end = pointer.size();
    tokens.push_back("/" + ShownText(pointer.substr(start + 1, end - start - 1), false));
    total += tokens.back().size();
    start = end;
  }
  std::string out;
  if (total <= kShownPointerBytes) {
    for (const std::string& t : tokens) out += t;
    return out;
  }
  // The last tokens, in three quarters of the bytes (at least the last token), then the
  // first ones in what is left.
  constexpr size_t kMarkerBytes = 24;  // "/... (N tokens)"
  size_t tail = tokens.size() - 1, tail_bytes = tokens.back().size();
  while (tail > 1 && tail_bytes + tokens[tail - 1].size() <= kShownPointerBytes * 3 / 4) {
    --tail;
    tail_bytes += tokens[tail].size();
  }
  size_t head = 0, head_bytes = 0;
  while (head < tail &&
         head_bytes + tokens[head].size() + tail_bytes + kMarkerBytes <= kShownPointerBytes) {
    head_bytes += tokens[head].size();
    ++head;
  }
  for (size_t k = 0; k < head; ++k) out += tokens[k];
  if (head < tail) {
    const size_t left_out = tail - head;
    out += "/... (" + std::to_string(left_out) + (left_out == 1 ? " token)" : " tokens)");
  }
  for (size_t k = tail; k < tokens.size(); ++k) out += tokens[k];
  return out;
}

// RE2's complaint about a pattern for a message: what is wrong ("missing )"), then the
// part of the pattern RE2 names, shown (ShownText, bare) only when it is a part of the
// pattern as written (RE2 names a part of the pattern it compiled, which a translation,
// as of a schema's ECMA pattern, may have changed: "\u{110000}" is compiled as
// "\x{110000}") and, when the message quotes the whole pattern already (pattern_shown),
// not all of it. error and arg are RE2's error() and error_arg(). With hide_arg (a
// custom recognizer's pattern, which may be a list of people's names), the part is never
// shown, only its length.
inline std::string RegexProblem(std::string_view error, std::string_view arg,
                                std::string_view as_written, bool pattern_shown,
                                bool hide_arg = false) {
  const bool with_arg = !arg.empty() && error.size() >= arg.size() + 2 &&
                        error.substr(error.size() - arg.size() - 2, 2) == ": " &&
                        error.substr(error.size() - arg.size()) == arg;
  if (!with_arg) {
    if (hide_arg && !arg.empty())
      return "a pattern RE2 cannot compile (" + std::to_string(as_written.size()) +
             " bytes, not shown)";
    return ShownText(error, false);  // (not "what: arg": shown capped)
  }
  std::string out(error.substr(0, error.size() - arg.size() - 2));
  if (hide_arg) return out + " (in a part of " + std::to_string(arg.size()) + " bytes, not shown)";
  if (as_written.find(arg) != std::string_view::npos && !(pattern_shown && arg == as_written))
    out += ": " + ShownText(arg, false);
  return out;
}

// Thrown by a cancellation callback; the glue turns it into the pending interrupt.
class Cancelled : public std::exception {
 public:
  const char* what() const noexcept override { return "operation cancelled"; }
};

}  // namespace comply
