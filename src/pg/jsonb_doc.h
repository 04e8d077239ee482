// Converts jsonb values into the core's JSON document model, walking the jsonb
// container directly (no text round-trip).
#pragma once

#include "core/json.h"

#include <string>

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

// The document held by jb, the argument named argument of a call: 54000 (naming the
// argument) if it nests deeper than json::kMaxDepth levels. A json::Value's destruction,
// and the code that reads one, recurse once per level: a jsonb nested tens of thousands
// of levels deep (which a session with a large max_stack_depth, or a loop of
// jsonb_build_array, can make) would overflow the stack. For every jsonb argument
// converted whole; a schema has its own message (validate.cpp).
json::Value JsonbArgument(Jsonb* jb, const char* argument);

// The same, with the error's subject ("schema \"x\"", what "nests deeper than ...
// levels"), its detail (facts: the limit and why) and its hint (what to do) given: for
// a schema, whose reasons are its own.
json::Value JsonbWithinDepth(Jsonb* jb, const std::string& subject, const std::string& detail,
                             const std::string& hint);

}  // namespace comply::pg
