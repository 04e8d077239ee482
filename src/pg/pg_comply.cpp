// Module entry: PG_MODULE_MAGIC and _PG_init, which initialises each subsystem.
#include "pg/guc.h"
#include "pg/pii.h"
#include "pg/validate.h"
#include "pg/worker.h"

extern "C" {
#include "postgres.h"

#include "fmgr.h"
#include "utils/guc.h"

PG_MODULE_MAGIC;

void _PG_init(void);
}

// Defines settings and registers caches; safe both in shared_preload_libraries and
// when loaded on first use.
void _PG_init(void) {
  comply::pg::GucInit();
  comply::pg::PiiInit();
  comply::pg::ValidateInit();
  comply::pg::WorkerInit();
  MarkGUCPrefixReserved("comply");
}
