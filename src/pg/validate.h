// JSON Schema validation entry points (comply.validate, comply.register_schema, ...).
#pragma once

#include "core/json.h"

namespace comply::pg {

// Registers the cache invalidation callback for comply.schemas.
void ValidateInit();

// Checks validation options as comply.validate's options argument takes them (an object;
// "format": "assert" or "annotate"); throws Error 22023 otherwise.
void CheckValidationOptions(const json::Value& options);

}  // namespace comply::pg
