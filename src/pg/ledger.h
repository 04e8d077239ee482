// The audit ledger's sealing step, shared by comply.seal() and the background worker.
#pragma once

extern "C" {
#include "postgres.h"
}

namespace comply::pg {

// Seals up to comply.seal_batch committed unsealed entries with id >= min_id into one
// new block, in the current transaction (SPI). Returns the block number (0 when nothing
// was pending) and sets *entries_sealed. Calls PostgreSQL through PgCall; may throw.
int64 SealOnce(int64* entries_sealed, int64 min_id = 0);

}  // namespace comply::pg
