// Helpers shared by the schema validator's source files (not a public API).
#pragma once
#include "core/no_postgres.h"

#include <string>
#include <string_view>

namespace comply::schema::internal {

// True if s is valid for format; formats this validator does not know are valid.
bool CheckFormat(std::string_view format, std::string_view s);

// Rewrites an ECMA-262 pattern into RE2 syntax where the two differ only in spelling
// (\uXXXX escapes, \d/\w being ASCII, ...). Unsupported constructs are left for RE2 to
// refuse.
std::string TranslatePattern(std::string_view pattern);

// The first construct of pattern that RE2 accepts and ECMA 262 does not (inline flags
// "(?i)", Python's "(?P<name>", the escapes \a, \z, \A, \Q, \E, \C), described for a
// message; nullptr when there is none. Such a pattern would mean one thing here and
// another (or nothing) in every other JSON Schema validator.
const char* Re2OnlySyntax(std::string_view pattern);

// Resolves reference against base (RFC 3986 section 5.2).
std::string ResolveUri(std::string_view base, std::string_view reference);

// The syntax-based normal form of uri (RFC 3986 section 6.2.2), dot segments aside
// (ResolveUri removes them): scheme and host in small letters, percent-encoded
// unreserved characters decoded and the other escapes' hex digits in capitals, the
// default port of http (80) and https (443) and an empty port dropped. Two URIs with
// one normal form are the same resource.
std::string NormalizeUri(std::string_view uri);

}  // namespace comply::schema::internal
