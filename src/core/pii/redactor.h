// Redaction operators applied to findings: label, mask, hash (keyed pseudonym), remove,
// keep; configured per entity with a default.
#pragma once
#include "core/no_postgres.h"

#include "core/cancel.h"

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/json.h"
#include "core/pii/detector.h"

namespace comply::pii {

// Case mappings of UTF-8 text, code point by code point (ICU's simple mappings, not
// only ASCII): UpperCase for labels and entity names ('é' 'É'); FoldCaseInto, case
// folding, for comparing names and jsonb keys in any case ('Σ', 'σ' and 'ς' alike).
std::string UpperCase(std::string_view s);
void FoldCaseInto(std::string_view s, std::string* out);


enum class OpKind { kLabel, kMask, kHash, kRemove, kKeep };

struct Operator {
  OpKind kind = OpKind::kLabel;
  int keep_last = 4;            // mask: visible characters kept at the end (at most half)
  std::string mask_char = "*";  // mask: one UTF-8 character
  std::string label;            // label: replacement text; empty means "[ENTITY]"
};

// Upper bound for keep_last.
inline constexpr int kMaxKeepLast = 1000;

struct OperatorConfig {
  // Keys upper-case; looked up by a finding's entity, a string_view, without a copy.
  std::map<std::string, Operator, std::less<>> per_entity;
  Operator default_op;
  // "redact_keys": true: the object keys of a jsonb document are redacted by content
  // too, with KeyOperators(*this) (comply.redact of jsonb, a protected jsonb column).
  bool redact_keys = false;

  const Operator& For(std::string_view entity) const;
  bool NeedsKey() const;  // true if any operator is kHash
};

// Parses operators JSON such as
//   {"US_SSN": {"op": "mask", "keep_last": 4}, "default": {"op": "label"},
//    "redact_keys": true}
// "redact_keys" (any case) with a boolean is that option; with an object it is still the
// operator of an entity (or jsonb key) of that name, as before the option existed.
// Throws comply::Error (22023) naming the offending key, never a value.
OperatorConfig ParseOperators(const json::Value& config);

// The operators that redact a jsonb object's keys, from those of its values: a key must
// stay a distinct, non-empty string that names its member, so every operator but keep
// becomes a label (the entity's own label text if its operator is a label with one,
// else "[ENTITY]"): no mask (two keys masked alike, and the kept characters of an
// e-mail are the domain), no remove (an empty key), no hash (keys are no join columns,
// and a label needs no key). An entity kept in values is kept in keys.
OperatorConfig KeyOperators(const OperatorConfig& ops);

// text with each run of six digits or more, joined by single separators (' ', '-', '.',
// '/'), replaced by "[DIGITS]": for a short name the ledger keeps for good (a document's
// key in an error path, an application_name) after the detector passed over it. What it
// leaves is an identifier the detector could not see for what glues it to a word
// ("ssn_536-22-8714", "card4111111111111111", "x536228714") or one it finds only with a
// context word (a phone number's digits, an account's).
std::string MaskDigitRuns(std::string_view text);

// The length of every pseudonym.
inline constexpr size_t kPseudonymLength = 35;

// Deterministic pseudonym of value under key: "ps_" + 32 hex chars of HMAC-SHA-256
// (kPseudonymLength characters) of value as the detector reads it (FoldForMatching:
// fullwidth forms as ASCII, other scripts' digits as ASCII digits, Unicode spaces and
// hyphens as ' ' and '-', zero-width and bidi characters left out), so that forms a
// reader takes for one value share a pseudonym; a value with nothing to fold (every
// ASCII one) is hashed as it is. Nothing specific to an entity: "536-22-8714" and
// "536 22 8714", or two cases of an e-mail address, stay apart, and a value found in a
// text (the hash operator) gets the pseudonym the value alone gets. Then in NFC (ToNfc:
// a value with thousands of combining marks in a row, no text, is hashed as folded).
// cancel is polled while folding and normalizing a long value.
std::string Pseudonym(std::string_view key, std::string_view value, const CancelCheck& cancel = {});

// A value pseudonymized already ("ps_" and 32 hexadecimal digits, Pseudonym's form),
// which pseudonymizing again would change: copied from another pseudonymized column, it
// keeps joining; met again on an UPDATE or by comply.protect_existing, it stays as it is.
inline bool IsPseudonym(std::string_view v) {
  if (v.size() != kPseudonymLength || v.substr(0, 3) != "ps_") return false;
  for (char c : v.substr(3))
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

// The identifier of a pseudonymization key: "kid_" + 16 hex chars of HMAC-SHA-256 of a
// message that starts with a NUL byte, which no text value holds, so that it is no
// value's pseudonym. Tells two keys apart without revealing either.
std::string KeyId(std::string_view key);

// Replacement text for one finding's original text under op. A mask leaves out the
// invisible characters (InvisibleLength) and counts the others, a byte of ill-formed
// UTF-8 as one.
std::string ApplyOperator(const Operator& op, std::string_view entity,
                          std::string_view original, std::string_view key);

// Bytes of ApplyOperator(op, entity, original, any key), without building it.
size_t ReplacementBytes(const Operator& op, std::string_view entity, std::string_view original);

// Longest label an operator may give, in bytes.
constexpr size_t kMaxLabelBytes = 1024;
// Longest redacted text, in bytes: what one PostgreSQL text value holds (1 GB less its
// header).
constexpr size_t kMaxRedactedBytes = 0x3FFFFFFF - 4;

// Returns text with each finding replaced according to config. Findings must be sorted
// and non-overlapping (as Detector::Detect returns them). key is the HMAC key (may be
// empty when no operator hashes). Throws 54000 rather than build a text longer than
// kMaxRedactedBytes (labels longer than what they replace, many times over); polls
// cancel as it goes.
std::string Redact(std::string_view text, const std::vector<Finding>& findings,
                   const OperatorConfig& config, std::string_view key,
                   const CancelCheck& cancel = {});

// Reads a secret key file, refusing it unless it is a regular file not readable by
// group or others (or owned by root and not readable by others), like PostgreSQL's
// ssl_key_file. Trailing whitespace is trimmed; at least 16 bytes. Errors name the file
// as the key file of setting (the superuser-only setting that names it), never its path
// or content.
std::string LoadKeyFile(const std::string& path, const std::string& setting);

// Number of UTF-8 characters in s (bytes that are not continuation bytes).
size_t Utf8Length(std::string_view s);

}  // namespace comply::pii
