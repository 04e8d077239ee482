// JSON Schema validation entry points (comply.validate, comply.register_schema, ...).
#pragma once

#include "core/json.h"

namespace comply::pg {

// Registers the cache invalidation callback for comply.schemas.
void ValidateInit();

// Checks validation options as comply.validate's options argument takes them (an object;
// "format": "assert" or "annotate"); throws Error 22023 otherwise.
void CheckValidationOptions(const json::Value& options);

// Whether an error left a validation function (comply.validate, validation_errors,
// assert_valid) in the current transaction: its report is then kept from quoting the
// data a COPY line or a PL/pgSQL statement holds (guc.cpp's emit_log_hook), as after a
// protected table's write.
bool ValidationErrorSeen();

}  // namespace comply::pg
