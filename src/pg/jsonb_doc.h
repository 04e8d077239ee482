// Converts jsonb values into the core's JSON document model, walking the jsonb
// container directly (no text round-trip).
#pragma once

#include "core/json.h"

extern "C" {
#include "postgres.h"

#include "utils/jsonb.h"
}

namespace comply::pg {

// The document held by jb. Calls PostgreSQL through PgCall; may throw.
json::Value JsonbToValue(Jsonb* jb, size_t* depth = nullptr);  // depth: deepest nesting seen

}  // namespace comply::pg
