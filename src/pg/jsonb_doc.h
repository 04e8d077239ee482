// Converts jsonb values into the core's JSON document model, walking the jsonb
// container directly (no text round-trip).
#pragma once

#include "core/json.h"

extern "C" {
#include "postgres.h"

#include "utils/jsonb.h"
}

namespace comply::pg {

// The document held by jb. Calls PostgreSQL through PgCall; may throw. depth (if not
// nullptr) receives the deepest nesting seen. A container nested deeper than max_depth
// is not built: the conversion stops there and returns null, with *depth max_depth + 1
// (depth must then be set), so that a caller that refuses such a document never has one
// (whose compiling, and destruction, recurse once per level) in its hands.
json::Value JsonbToValue(Jsonb* jb, size_t* depth = nullptr,
                         size_t max_depth = static_cast<size_t>(-1));

}  // namespace comply::pg
