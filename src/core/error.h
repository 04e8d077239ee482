// Exceptions thrown by the core. Each carries a five-character SQLSTATE so the glue can
// raise the matching PostgreSQL error without a mapping table. Messages never contain
// the data being processed (it may be personal data).
#pragma once
#include "core/no_postgres.h"

#include <stdexcept>
#include <string>
#include <string_view>

namespace comply {

// SQLSTATEs used by the core, as in PostgreSQL's errcodes.txt.
namespace sqlstate {
inline constexpr const char* kInvalidParameterValue = "22023";
inline constexpr const char* kProgramLimitExceeded = "54000";
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

// Thrown by a cancellation callback; the glue turns it into the pending interrupt.
class Cancelled : public std::exception {
 public:
  const char* what() const noexcept override { return "operation cancelled"; }
};

}  // namespace comply
