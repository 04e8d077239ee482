// JSON Schema validation (draft 2020-12 and draft-07): schemas are compiled once into a
// tree of checks, then instances (json::Value documents) are validated against them.
// Errors carry JSON Pointers into the instance and the schema and a message that
// describes the rule, never the instance's value (it may be personal data).
#pragma once
#include "core/no_postgres.h"

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/cancel.h"
#include "core/json.h"

namespace comply::schema {

enum class Dialect { kDraft202012, kDraft7 };
// The dialects' metaschema URIs, as "$schema" names them (draft-07's also with "#").
inline constexpr const char* kUri202012 = "https://json-schema.org/draft/2020-12/schema";
inline constexpr const char* kUriDraft7 = "http://json-schema.org/draft-07/schema";

struct ValidationError {
  std::string instance_path;  // JSON Pointer into the instance ("" is the root)
  std::string schema_path;    // JSON Pointer into the schema, through $ref as followed
  std::string keyword;        // "type", "required", ...
  std::string message;        // "expected type integer"; never quotes instance values
};

struct ValidateOptions {
  bool format_assert = false;  // check "format" (otherwise an annotation)
  size_t max_errors = 100;     // stop collecting after this many (validity is exact)
  const CancelCheck* cancel = nullptr;
};

// Bounds that keep a validation finite whatever the schema.
inline constexpr int kMaxDepth = 256;              // nested schema evaluations
inline constexpr size_t kMaxSteps = 50'000'000;    // keyword evaluations per validation
// Bound on the memory one schema's compiled patterns take (CompiledSchema::PatternBytes):
// a pattern of 40 bytes may compile to 130 kB (a DFA for x{1,50}), so a schema of 20,000
// of them took 1 GB. Compile refuses a schema beyond it (54000).
inline constexpr size_t kMaxPatternBytes = size_t{64} << 20;

// Resolves an absolute URI (no fragment) to a schema document: registered schemas by
// $id, the test suite's remotes, the bundled metaschemas. Returns nullptr if unknown.
// Never fetches anything from the network.
using Resolver = std::function<const json::Value*(std::string_view uri)>;

class CompiledSchema {
 public:
  // Compiles schema (its $schema selects the dialect; default draft 2020-12). Throws
  // comply::Error: 22023 for an invalid schema (message names the schema path),
  // 2201B for a pattern RE2 cannot run, 42704 for an unresolvable $ref, 0A000 for an
  // unsupported $schema, 54000 for patterns that would take more than kMaxPatternBytes.
  // cancel (if set) is polled as the compilation goes (a schema of many thousands of
  // subschemas takes a while).
  static std::shared_ptr<const CompiledSchema> Compile(const json::Value& schema,
                                                       const Resolver& resolver = {},
                                                       const CancelCheck* cancel = nullptr);
  // As above, but a schema without $schema is read as default_dialect.
  static std::shared_ptr<const CompiledSchema> Compile(const json::Value& schema,
                                                       const Resolver& resolver,
                                                       Dialect default_dialect,
                                                       const CancelCheck* cancel = nullptr);
  virtual ~CompiledSchema() = default;

  virtual Dialect dialect() const = 0;

  // Bytes of memory its compiled patterns hold (Pattern::MemoryBytes, each distinct
  // pattern once): most of what a schema of many patterns takes, far more than its text.
  virtual size_t PatternBytes() const = 0;

  // True if instance is valid. Throws comply::Error 54000 when a limit is exceeded and
  // whatever options.cancel throws.
  virtual bool IsValid(const json::Value& instance, const ValidateOptions& options) const = 0;

  // The errors of instance (empty when valid), at most options.max_errors of them.
  virtual std::vector<ValidationError> Validate(const json::Value& instance,
                                                const ValidateOptions& options) const = 0;
};

// The bundled metaschema for a dialect's $schema URI, or nullptr.
const json::Value* Metaschema(std::string_view uri);

// Checks schema against its dialect's metaschema and compiles it; the error names the
// JSON Pointer of the first problem in the schema.
std::shared_ptr<const CompiledSchema> CompileChecked(const json::Value& schema,
                                                     const Resolver& resolver = {},
                                                     const CancelCheck* cancel = nullptr);

}  // namespace comply::schema
