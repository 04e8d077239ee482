// Drift that event triggers cannot see: ALTER SYSTEM, caught by a utility hook.
#pragma once

namespace comply::pg {

// Installs the utility hook (effective in every backend when pg_comply is in
// shared_preload_libraries).
void DriftInit();

}  // namespace comply::pg
