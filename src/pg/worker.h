// The sealing background workers (one per database with pg_comply installed).
#pragma once

namespace comply::pg {

// Registers the launcher and the shared state; only when loaded through
// shared_preload_libraries (otherwise comply.seal() seals on demand).
void WorkerInit();

// Wakes this database's sealer if it is idle (or the launcher if it has none yet).
void WakeSealer();

}  // namespace comply::pg
