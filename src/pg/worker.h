// The sealing background workers (one per database with pg_comply installed).
#pragma once

#include <cstdint>

namespace comply::pg {

// Registers the launcher and the shared state; only when loaded through
// shared_preload_libraries (otherwise comply.seal() seals on demand).
void WorkerInit();

// Records that this transaction appended audit entry id: when it commits, this
// database's sealer learns the lowest id it appended, so that its next search starts
// there (and it is woken if idle, or the launcher if there is no sealer yet).
void NoteAppend(int64_t id);

// Records that this transaction queued a classification job: when it commits, this
// database's job worker is woken (or the launcher, to start one).
void NoteJobQueued();

}  // namespace comply::pg
