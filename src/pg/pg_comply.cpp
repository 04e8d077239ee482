// Module entry: PG_MODULE_MAGIC and _PG_init, which initialises each subsystem.
#include "pg/classify.h"
#include "pg/drift.h"
#include "pg/guc.h"
#include "pg/ledger.h"
#include "pg/pii.h"
#include "pg/protect.h"
#include "pg/validate.h"
#include "pg/worker.h"

#include <ios>

extern "C" {
#include "postgres.h"

#include "fmgr.h"
#include "utils/guc.h"

#include "commands/trigger.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"

PG_MODULE_MAGIC;

void _PG_init(void);
PG_FUNCTION_INFO_V1(comply_table_changed);
}

namespace {

// Keeps the standard streams from being flushed when a backend exits. libprotobuf and
// libphonenumber construct std::ios_base::Init objects; the last one destroyed flushes
// std::cout and the others, and those calls are the first through libstdc++'s lazily bound
// PLT: each backend's exit looked their symbols up in every loaded library (about 30 page
// faults a connection, a page fault costing 40-100 us on the development machine). One
// Init never destroyed keeps the count above the last: the flush never runs. Nothing is
// lost: std::cout is synchronised with stdio (nothing here unsets that) and so holds no
// buffer of its own, and exit() flushes stdio.
void KeepStandardStreams() {
  static const std::ios_base::Init* const kept = new std::ios_base::Init;
  (void)kept;
}

}  // namespace

// Defines settings and registers caches; safe both in shared_preload_libraries and
// when loaded on first use.
void _PG_init(void) {
  KeepStandardStreams();
  comply::pg::GucInit();
  comply::pg::PiiInit();
  comply::pg::ValidateInit();
  comply::pg::ClassifyInit();
  comply::pg::ProtectInit();
  comply::pg::LedgerInit();
  comply::pg::DriftInit();
  comply::pg::WorkerInit();
  MarkGUCPrefixReserved("comply");
}

// Statement trigger on the configuration tables whose contents backends cache
// (comply.recognizers, comply.schemas): a relcache invalidation of the table reaches
// every backend, whose callback drops what it compiled from it.
// Anything else is refused (39P01): called directly, it has nothing to invalidate; as
// a row trigger its NULL would skip the row (BEFORE), silently.
extern "C" Datum comply_table_changed(PG_FUNCTION_ARGS) {
  TriggerData* td = CALLED_AS_TRIGGER(fcinfo) ? reinterpret_cast<TriggerData*>(fcinfo->context) : nullptr;
  if (td == nullptr || !TRIGGER_FIRED_AFTER(td->tg_event) || TRIGGER_FIRED_FOR_ROW(td->tg_event)) {
    const Oid fn = fcinfo->flinfo->fn_oid;
    ereport(ERROR, (errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
                    errmsg("%s.%s() must be called as an AFTER ... FOR EACH STATEMENT trigger",
                           get_namespace_name(get_func_namespace(fn)), get_func_name(fn)),
                    errdetail("It is the trigger of a table of pg_comply whose contents every session caches.")));
  }
  CacheInvalidateRelcache(td->tg_relation);
  return PointerGetDatum(nullptr);
}
