// Protected tables (comply.protect, comply.unprotect, the comply._protect_row trigger).
#pragma once

extern "C" {
#include "postgres.h"
}

namespace comply::pg {

// Registers the cache invalidation callback for comply.policies.
void ProtectInit();

// Records in the ledger the TRUNCATE of those of relids[0, n) that are partitions of a
// protected table (called by the utility hook after a TRUNCATE naming them; the
// protected table's own TRUNCATE is recorded by its trigger). May ereport.
void RecordTruncatedPartitions(const Oid* relids, int n);

}  // namespace comply::pg
