// Protected tables (comply.protect, comply.unprotect, the comply._protect_row trigger).
#pragma once

namespace comply::pg {

// Registers the cache invalidation callback for comply.policies.
void ProtectInit();

}  // namespace comply::pg
