// The sealing background workers (one per database with pg_comply installed).
#pragma once

namespace comply::pg {

// Registers the launcher and the shared state; only when loaded through
// shared_preload_libraries (otherwise comply.seal() seals on demand).
void WorkerInit();

// Records that this transaction appended audit entries: when it commits, this
// database's sealer learns of it (and is woken if idle, or the launcher if there is
// no sealer yet).
void NoteAppend();

}  // namespace comply::pg
