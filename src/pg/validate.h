// JSON Schema validation entry points (comply.validate, comply.register_schema, ...).
#pragma once

namespace comply::pg {

// Registers the cache invalidation callback for comply.schemas.
void ValidateInit();

}  // namespace comply::pg
