// PII detection and redaction entry points (comply.detect, comply.redact, ...).
#pragma once

#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/pii/detector.h"
#include "core/pii/redactor.h"

extern "C" {
#include "postgres.h"

#include "utils/jsonb.h"
}

namespace comply::pg {

// Registers the cache invalidation callback for comply.recognizers.
void PiiInit();

// The backend's detector (built-in plus custom recognizers), rebuilt after
// comply.recognizers changes. Calls PostgreSQL through PgCall; may throw.
const pii::Detector& CurrentDetector();

// The number of the detector CurrentDetector() returns now (it calls it): a new number
// each time the backend's detector is rebuilt, so that what was computed with an earlier
// one (a redaction kept to be reused) can tell it is stale. Calls PostgreSQL through
// PgCall; may throw.
uint64 CurrentDetectorGeneration();

// doc with every string, object keys included, redacted by content with the default
// operators (labels): for what pg_comply keeps (ledger details, review subjects).
// Calls PostgreSQL through PgCall; may throw.
Jsonb* RedactJsonbDefault(Jsonb* doc);

// doc redacted as comply.redact(doc, operators, keys) does: every string by content with
// ops, and the values under keys (lower-case names, any depth) replaced whole. A key is
// fetched when an operator needs one. Each value's key (an item's, its array's) is
// context for the detector, and name (a column's) for values under no key. Calls
// PostgreSQL through PgCall; may throw.
Jsonb* RedactJsonbWith(Jsonb* doc, const pii::OperatorConfig& ops, const std::set<std::string>& keys,
                       std::string_view name = {});

// Throws 22023 if ops names an entity that no recognizer (built-in or custom) produces
// and that is not one of keys (lower-case jsonb key names, whose values operators may
// name too). Calls PostgreSQL through PgCall; may throw.
void CheckOperatorEntities(const pii::OperatorConfig& ops, const std::set<std::string>& keys = {});

// text redacted by content with the default operators (labels such as [US_SSN]).
// Calls PostgreSQL through PgCall; may throw (also when text exceeds
// comply.max_input_bytes). name (a column's, a key's: what the text is stored under) is
// context for the detector (pii::DetectOptions::context).
std::string RedactTextDefault(std::string_view text, std::string_view name = {});

// text redacted by content with the given operators (a key is fetched when an operator
// hashes). Calls PostgreSQL through PgCall; may throw.
std::string RedactTextWith(std::string_view text, const pii::OperatorConfig& ops,
                           std::string_view name = {});

// Whether the detector (the session's, as ShownName's check) finds personal data in s
// other than a date alone (an openai model's name carries its release date). Never
// calls PostgreSQL; true when in doubt.
bool HoldsPersonalDataBesidesDates(std::string_view s) noexcept;
// The same by the built-in recognizers alone, whatever the session has loaded (custom
// recognizers are the database's): the same answer in every process, for a setting's
// check hook, which must not depend on what a session did before.
bool BuiltinFindsPersonalDataBesidesDates(std::string_view s) noexcept;

// The HMAC key from comply.hmac_key_file, re-read when the file changes; throws if no
// key is configured.
const std::string& HmacKey();

// pii::KeyId of HmacKey(); throws as HmacKey does.
const std::string& HmacKeyId();

// Throws 42501 unless the current role may run comply.pseudonymize(text): computing keyed
// pseudonyms (the hash operator, a policy that pseudonymizes) is that function's privilege.
void CheckMayPseudonymize();

}  // namespace comply::pg
