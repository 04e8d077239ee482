// ALTER SYSTEM is invisible to event triggers; this utility hook records it as drift
// (a ledger entry and an alert, through comply._drift) in a database where pg_comply is
// installed. TRUNCATE is seen here too: that of a partition of a protected table, which
// has no TRUNCATE trigger of its own, goes to the ledger (protect.h). And writes of a
// session with session_replication_role = replica, where the triggers of protected
// tables do not fire: DML through the executor hook, COPY FROM and TRUNCATE through the
// utility hook (protect.h records them); ALTER TABLE rewrites of a policy column past the
// triggers (ALTER COLUMN TYPE ... USING, ADD COLUMN ... DEFAULT), policy_bypassed too; and
// ALTER SYSTEM refused in a read-only transaction, where its entry could not be written. And reads of protected tables whose policy audits them:
// SELECT through the executor's end hook (the rows are counted by then), COPY TO
// through the utility hook. Plain PostgreSQL code: no C++ object is alive here.
#include "pg/drift.h"

#include "pg/protect.h"
#include "pg/spi.h"
#include "pg/worker.h"

extern "C" {
#include "postgres.h"

#include "access/parallel.h"
#include "access/transam.h"
#include "access/xact.h"
#include "access/xlog.h"
#include "commands/trigger.h"
#include "executor/executor.h"
#include "parser/parsetree.h"
#include "catalog/heap.h"
#include "catalog/namespace.h"
#include "nodes/makefuncs.h"
#include "catalog/pg_class.h"
#include "utils/acl.h"
#include "utils/syscache.h"
#include "commands/extension.h"
#include "commands/event_trigger.h"
#include "catalog/pg_event_trigger.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "nodes/parsenodes.h"
#include "nodes/plannodes.h"
#include "nodes/bitmapset.h"
#include "catalog/pg_type.h"
#include "tcop/deparse_utility.h"
#include "utils/array.h"
#include "tcop/utility.h"
#include "utils/builtins.h"
#include "catalog/pg_inherits.h"
#include "utils/lsyscache.h"
}

namespace comply::pg {
namespace {

ProcessUtility_hook_type prev_utility = nullptr;
ExecutorStart_hook_type prev_executor_start = nullptr;
ExecutorEnd_hook_type prev_executor_end = nullptr;
// Set while the writes or reads of a statement are being recorded: the records' own
// queries (the ledger, the policies) come through the executor hooks too.
bool recording_replica_writes = false;
// See ResolvePartitionNames: set while an ALTER TABLE runs.
struct PartitionName {
  char* relname;
  Oid relid;
};
List* partition_names = NIL;
bool recording_reads = false;

// Prepares the audit of statement key's reads of relids[0, n) (see protect.h), unless
// recording already; RecordReads records them when it ends.
void PrepareReads(const void* key, const Oid* relids, int n, const char* operation) {
  if (n == 0 || recording_reads || !IsTransactionState() || RecoveryInProgress())
    return;
  recording_reads = true;
  PG_TRY();
  {
    PrepareReadAudit(key, relids, n, operation);
  }
  PG_FINALLY();
  {
    recording_reads = false;
  }
  PG_END_TRY();
}

// The user relations a statement reads with SELECT privilege (a view's too; not the
// partitions a partitioned table expands to, which need no privilege of their own; not
// the table an INSERT, UPDATE, DELETE or MERGE writes, whose rows its policy audits),
// in relids (sized for the range table); returns how many. INSERT ... SELECT reads its
// source as a SELECT does.
// Adds to *out the result relations (range table indexes) of plan, a ModifyTable, whose
// rows it returns as they were stored: UPDATE, DELETE or MERGE ... RETURNING, and
// INSERT ... ON CONFLICT DO UPDATE ... RETURNING (a conflicting row comes back with the
// columns the writer did not send). Their target is read too, and the rows reach the
// client, or another table, even if the transaction then rolls back. (A plain
// INSERT ... RETURNING returns what was just written.) The statement's own ModifyTable,
// or a data-modifying WITH's (WITH d AS (DELETE ... RETURNING *) SELECT * FROM d).
void AddReturnedTargets(const Plan* plan, Bitmapset** out) {
  if (plan == nullptr || !IsA(plan, ModifyTable)) return;
  const ModifyTable* mt = reinterpret_cast<const ModifyTable*>(plan);
  if (mt->returningLists == NIL) return;
  if (!(mt->operation == CMD_UPDATE || mt->operation == CMD_DELETE || mt->operation == CMD_MERGE ||
        (mt->operation == CMD_INSERT && mt->onConflictAction == ONCONFLICT_UPDATE)))
    return;
  ListCell* lc;
  foreach (lc, mt->resultRelations) *out = bms_add_member(*out, lfirst_int(lc));
  if (mt->rootRelation > 0) *out = bms_add_member(*out, static_cast<int>(mt->rootRelation));
}

int ReadRelations(QueryDesc* query, Oid* relids) {
  Bitmapset* returned = nullptr;
  AddReturnedTargets(query->plannedstmt->planTree, &returned);
  ListCell* lc;
  foreach (lc, query->plannedstmt->subplans) AddReturnedTargets(static_cast<const Plan*>(lfirst(lc)), &returned);
  int k = 0;
  int index = 0;
  foreach (lc, query->plannedstmt->rtable) {
    ++index;
    RangeTblEntry* rte = lfirst_node(RangeTblEntry, lc);
    if (rte->rtekind == RTE_RELATION && (rte->requiredPerms & ACL_SELECT) &&
        rte->relid >= FirstNormalObjectId &&
        (rte->relkind == RELKIND_RELATION || rte->relkind == RELKIND_PARTITIONED_TABLE) &&
        (!list_member_int(query->plannedstmt->resultRelations, index) || bms_is_member(index, returned)))
      relids[k++] = rte->relid;
  }
  bms_free(returned);
  return k;
}

// A parallel worker's share of its leader's statement (ParallelQueryMain's, which sends
// its rows to the leader through a tuple queue; nothing else in a worker does): the
// leader records that statement. A statement a worker runs of its own (the query of a
// PARALLEL SAFE function it calls) is recorded like any other, through the job worker.
bool IsLeadersStatement(QueryDesc* query) {
  return IsParallelWorker() && query->dest && query->dest->mydest == DestTupleQueue;
}

bool IsRead(QueryDesc* query, int eflags) {
  return query->operation != CMD_UTILITY && query->operation != CMD_NOTHING &&
         !recording_reads && !(eflags & EXEC_FLAG_EXPLAIN_ONLY) && !IsLeadersStatement(query);
}

// The statement that read, for its ledger entry (a SELECT, or the write whose source it
// was).
const char* ReadOperation(CmdType op) {
  switch (op) {
    case CMD_INSERT: return "INSERT";
    case CMD_UPDATE: return "UPDATE";
    case CMD_DELETE: return "DELETE";
    case CMD_MERGE: return "MERGE";
    default: return "SELECT";
  }
}

// Records writes to relids[0, n) of a session in replica mode (see protect.h).
void RecordReplicaWrites(const Oid* relids, int n, const char* operation) {
  if (n == 0 || recording_replica_writes || RecoveryInProgress()) return;
  if (!OidIsValid(get_extension_oid("pg_comply", true))) return;
  recording_replica_writes = true;
  PG_TRY();
  {
    RecordReplicaRoleWrites(relids, n, operation);
  }
  PG_FINALLY();
  {
    recording_replica_writes = false;
  }
  PG_END_TRY();
}

const char* OperationName(CmdType op) {
  switch (op) {
    case CMD_INSERT: return "INSERT";
    case CMD_UPDATE: return "UPDATE";
    case CMD_DELETE: return "DELETE";
    case CMD_MERGE: return "MERGE";
    default: return "a data-modifying WITH";  // a SELECT whose CTEs write
  }
}

// A statement that has run: its reads of audited tables, prepared at its start, are
// recorded with the rows it returned (or wrote).
void DriftExecutorEnd(QueryDesc* query) {
  if (query->estate) RecordReads(query, query->estate->es_processed);
  if (prev_executor_end)
    prev_executor_end(query);
  else
    standard_ExecutorEnd(query);
}

void DriftExecutorStart(QueryDesc* query, int eflags) {
  // Only a statement that writes (its result relations), in replica mode, and not for
  // EXPLAIN without ANALYZE.
  if (SessionReplicationRole == SESSION_REPLICATION_ROLE_REPLICA &&
      query->plannedstmt->resultRelations != NIL && !(eflags & EXEC_FLAG_EXPLAIN_ONLY)) {
    List* rtable = query->plannedstmt->rtable;
    int n = list_length(query->plannedstmt->resultRelations);
    Oid* relids = static_cast<Oid*>(palloc(sizeof(Oid) * n));
    int k = 0;
    ListCell* lc;
    foreach (lc, query->plannedstmt->resultRelations) {
      Oid relid = rt_fetch(lfirst_int(lc), rtable)->relid;
      if (OidIsValid(relid)) relids[k++] = relid;
    }
    RecordReplicaWrites(relids, k, OperationName(query->operation));
    pfree(relids);
  }
  // A SELECT about to run: whether the tables it reads audit reads is looked up now,
  // while its snapshot is active.
  if (IsRead(query, eflags)) {
    Oid* relids = static_cast<Oid*>(palloc(sizeof(Oid) * (list_length(query->plannedstmt->rtable) + 1)));
    int k = ReadRelations(query, relids);
    PrepareReads(query, relids, k, ReadOperation(query->operation));
    pfree(relids);
  }
  if (prev_executor_start)
    prev_executor_start(query, eflags);
  else
    standard_ExecutorStart(query, eflags);
}

// Runs a SELECT of pg_comply's with text arguments args[0, n) in a connection of its own;
// raises "could not <what>" if it fails; search_path pinned (it runs in the session of
// whoever ran the command). As the extension's owner, like the event triggers' functions:
// what it calls is not granted to anyone, and the command may be a non-superuser's (DROP
// OWNED of its own objects, ALTER SYSTEM granted with GRANT ALTER SYSTEM); the entries it
// writes name the session's own role all the same (comply._audit_as_caller). An error
// aborts the (sub)transaction, which restores the user. Plain C.
void RunSelect(const char* sql, int n, const char* const* args, const char* what) {
  const int pin = PinSearchPath();
  const Oid ledger = get_relname_relid("audit_log", get_namespace_oid("comply", false));
  if (!OidIsValid(ledger)) elog(ERROR, "comply.audit_log does not exist");
  HeapTuple tup = SearchSysCache1(RELOID, ObjectIdGetDatum(ledger));
  if (!HeapTupleIsValid(tup)) elog(ERROR, "cache lookup failed for relation %u", ledger);
  const Oid owner = ((Form_pg_class)GETSTRUCT(tup))->relowner;
  ReleaseSysCache(tup);
  Oid saved_user;
  int saved_context;
  GetUserIdAndSecContext(&saved_user, &saved_context);
  SetUserIdAndSecContext(owner, saved_context | SECURITY_LOCAL_USERID_CHANGE);
  if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "SPI_connect failed");
  Oid types[3] = {TEXTOID, TEXTOID, TEXTOID};
  Datum values[3];
  Assert(n <= 3);
  for (int i = 0; i < n; ++i) values[i] = CStringGetTextDatum(args[i]);
  const int rc = SPI_execute_with_args(sql, n, types, values, nullptr, false, 1);
  if (rc != SPI_OK_SELECT) elog(ERROR, "could not %s: %s", what, SPI_result_code_string(rc));
  SPI_finish();
  SetUserIdAndSecContext(saved_user, saved_context);
  UnpinSearchPath(pin);
}

void RecordAlterSystem(AlterSystemStmt* stmt) {
  // A standby cannot write; the ledger of its primary is the record.
  if (RecoveryInProgress()) return;
  if (!OidIsValid(get_extension_oid("pg_comply", true))) return;
  const char* name = stmt->setstmt->name ? stmt->setstmt->name : "all settings";
  const char* action = stmt->setstmt->kind == VAR_SET_VALUE ? "set" : "reset";
  const char* args[2] = {name, action};
  // The value is not recorded: a superuser-only setting's value is not for the ledger.
  RunSelect("SELECT comply._drift('setting ' || $1, format('%s was %s with ALTER SYSTEM', $1, $2), "
            "jsonb_build_object('kind', 'setting', 'setting', $1, 'action', $2))",
            2, args, "record ALTER SYSTEM");
}

// ALTER EVENT TRIGGER of one of pg_comply's (the drift watch, the drop guards) to other
// than ENABLE ALWAYS: event triggers do not see it, and while one is off, what it
// refuses or records goes through unseen (the baseline would notice only if it is still
// off at the next comparison). Recorded as drift at once. Plain C.
void RecordAlterEventTrigger(AlterEventTrigStmt* stmt) {
  if (RecoveryInProgress() || stmt->tgenabled == TRIGGER_FIRES_ALWAYS) return;
  const Oid ext = get_extension_oid("pg_comply", true);
  if (!OidIsValid(ext)) return;
  const Oid evt = get_event_trigger_oid(stmt->trigname, true);
  if (!OidIsValid(evt) || getExtensionOfObject(EventTriggerRelationId, evt) != ext) return;
  const char* state = stmt->tgenabled == TRIGGER_DISABLED         ? "disabled"
                      : stmt->tgenabled == TRIGGER_FIRES_ON_REPLICA ? "replica"
                                                                    : "origin";
  const char* said = stmt->tgenabled == TRIGGER_DISABLED           ? "disabled"
                     : stmt->tgenabled == TRIGGER_FIRES_ON_REPLICA ? "enabled for replicas only"
                                                                   : "no longer enabled in replica mode";
  const char* args[3] = {stmt->trigname, state, said};
  RunSelect("SELECT comply._drift('event trigger ' || $1, format('event trigger %s of pg_comply is %s', $1, $3), "
            "jsonb_build_object('kind', 'guard_weakened', 'event_trigger', $1, 'state', $2))",
            3, args, "record ALTER EVENT TRIGGER");
}

// ALTER EVENT TRIGGER ... RENAME TO or OWNER TO of one of pg_comply's: its owner may
// disable or rename it (a role given the drift watch by a superuser keeps it when it is
// no longer one), and one renamed is not the one the baseline and the code name. Event
// triggers do not see either command. Recorded as drift at once (QA 16). Plain C.
void RecordEventTriggerChanged(const char* name, const char* what) {
  if (RecoveryInProgress()) return;
  const Oid ext = get_extension_oid("pg_comply", true);
  if (!OidIsValid(ext)) return;
  const Oid evt = get_event_trigger_oid(name, true);
  if (!OidIsValid(evt) || getExtensionOfObject(EventTriggerRelationId, evt) != ext) return;
  const char* args[2] = {name, what};
  RunSelect("SELECT comply._drift('event trigger ' || $1, format('event trigger %s of pg_comply was %s', $1, $2), "
            "jsonb_build_object('kind', 'guard_weakened', 'event_trigger', $1, 'state', $2))",
            2, args, "record ALTER EVENT TRIGGER");
}

// ALTER EXTENSION pg_comply DROP EVENT TRIGGER (refused while the ledger holds entries,
// unless comply.allow_ledger_drop is on): the event trigger can then be dropped or
// replaced by one that watches less, unseen by event triggers, which do not fire for
// event triggers. Recorded as drift at once. Plain C.
void RecordExtensionMemberDropped(AlterExtensionContentsStmt* stmt) {
  if (RecoveryInProgress() || stmt->action >= 0 || strcmp(stmt->extname, "pg_comply") != 0 ||
      stmt->objtype != OBJECT_EVENT_TRIGGER || !stmt->object || !IsA(stmt->object, String))
    return;
  if (!OidIsValid(get_extension_oid("pg_comply", true))) return;
  const char* args[1] = {strVal(stmt->object)};
  RunSelect("SELECT comply._drift('event trigger ' || $1, format('event trigger %s was removed from extension pg_comply', $1), "
            "jsonb_build_object('kind', 'guard_weakened', 'event_trigger', $1, 'state', 'removed from the extension'))",
            1, args, "record ALTER EXTENSION ... DROP EVENT TRIGGER");
}

// REASSIGN OWNED and DROP OWNED change protected tables' owners and grants, and event
// triggers do not see them (DROP OWNED only what it drops): the privileges compared
// with those last seen, as after a GRANT. Plain C.
void RecordPrivilegesChanged(const char* command) {
  if (RecoveryInProgress() || !OidIsValid(get_extension_oid("pg_comply", true))) return;
  RunSelect("SELECT comply._drift_privileges($1)", 1, &command, "compare privileges");
}

// The relations a TRUNCATE named, to the ledger when they are partitions of protected
// tables.
void RecordTruncate(TruncateStmt* stmt) {
  if (!OidIsValid(get_extension_oid("pg_comply", true))) return;
  List* named = NIL;
  ListCell* lc;
  foreach (lc, stmt->relations) {
    Oid relid = RangeVarGetRelid(lfirst_node(RangeVar, lc), NoLock, true);
    if (OidIsValid(relid)) named = lappend_oid(named, relid);
  }
  // With CASCADE, the tables that reference them by foreign key were emptied too, as
  // TRUNCATE found them (a partition of a protected table among them has no TRUNCATE
  // trigger of its own either).
  if (stmt->behavior == DROP_CASCADE) {
    for (;;) {
      List* more = heap_truncate_find_FKs(named);
      if (more == NIL) break;
      named = list_concat(named, more);
    }
  }
  const int n = list_length(named);
  Oid* relids = static_cast<Oid*>(palloc(sizeof(Oid) * (n + 1)));
  for (int i = 0; i < n; ++i) relids[i] = list_nth_oid(named, i);
  RecordTruncatedPartitions(relids, n);
  // In replica mode no trigger fired: the protected tables emptied are policy_bypassed
  // drift, as other writes are (their TRUNCATE entry was the trigger's to write), the
  // partitions and inheritance children a TRUNCATE without ONLY took along among them
  // (a protected partition of an unprotected parent).
  if (SessionReplicationRole == SESSION_REPLICATION_ROLE_REPLICA) {
    List* emptied = NIL;
    foreach (lc, named) {
      const Oid relid = lfirst_oid(lc);
      emptied = list_append_unique_oid(emptied, relid);
    }
    foreach (lc, stmt->relations) {
      RangeVar* rv = lfirst_node(RangeVar, lc);
      if (!rv->inh) continue;
      const Oid relid = RangeVarGetRelid(rv, NoLock, true);
      if (OidIsValid(relid))
        emptied = list_concat_unique_oid(emptied, find_all_inheritors(relid, NoLock, nullptr));
    }
    const int m = list_length(emptied);
    Oid* all = static_cast<Oid*>(palloc(sizeof(Oid) * (m + 1)));
    for (int i = 0; i < m; ++i) all[i] = list_nth_oid(emptied, i);
    RecordReplicaWrites(all, m, "TRUNCATE");
    pfree(all);
  }
  pfree(relids);
}

// Columns an ALTER TABLE has rewritten without the row triggers: ALTER COLUMN ... TYPE
// ... USING (any expression of the row), ADD COLUMN ... DEFAULT (a column of the policy
// dropped earlier comes back with its default in every row). A type change without
// USING converts each value by its cast, and SET DEFAULT is for rows written later:
// both leave the policy's values as they were.
void RecordColumnRewrites(AlterTableStmt* stmt) {
  if (stmt->objtype != OBJECT_TABLE || RecoveryInProgress() ||
      !OidIsValid(get_extension_oid("pg_comply", true)))
    return;
  const Oid relid = RangeVarGetRelid(stmt->relation, NoLock, true);
  if (!OidIsValid(relid)) return;
  ListCell* lc;
  foreach (lc, stmt->cmds) {
    AlterTableCmd* at = lfirst_node(AlterTableCmd, lc);
    if (!at->def || !IsA(at->def, ColumnDef)) continue;
    const ColumnDef* def = reinterpret_cast<const ColumnDef*>(at->def);
    const bool recurse = stmt->relation->inh;
    if (at->subtype == AT_AlterColumnType && def->raw_default && at->name) {
      RecordColumnRewrite(relid, at->name, "ALTER COLUMN TYPE ... USING", recurse);
    } else if (at->subtype == AT_AddColumn && def->colname) {
      bool has_default = def->raw_default || def->cooked_default;
      ListCell* cc;
      foreach (cc, def->constraints) {
        const Constraint* con = lfirst_node(Constraint, cc);
        if (con->contype == CONSTR_DEFAULT) has_default = true;
      }
      // Or its type's: a domain with a default fills the rows as well.
      if (!has_default) {
        const AttrNumber attnum = get_attnum(relid, def->colname);
        if (attnum != InvalidAttrNumber && get_typdefault(get_atttype(relid, attnum)) != nullptr)
          has_default = true;
      }
      if (has_default) RecordColumnRewrite(relid, def->colname, "ADD COLUMN ... DEFAULT", recurse);
    }
  }
}

// The partitions an ALTER TABLE ... ATTACH or DETACH PARTITION names without a schema,
// as the session's search_path resolves them before the command runs: the event
// trigger's helpers (comply._attached_partitions, comply._detached_partitions) run with
// a search_path of their own.
List* ResolvePartitionNames(AlterTableStmt* stmt) {
  List* out = NIL;
  ListCell* lc;
  foreach (lc, stmt->cmds) {
    AlterTableCmd* at = lfirst_node(AlterTableCmd, lc);
    if ((at->subtype != AT_AttachPartition && at->subtype != AT_DetachPartition &&
         at->subtype != AT_DetachPartitionFinalize) ||
        !at->def || !IsA(at->def, PartitionCmd))
      continue;
    const PartitionCmd* part = reinterpret_cast<const PartitionCmd*>(at->def);
    if (!part->name || part->name->schemaname) continue;
    const Oid relid = RangeVarGetRelid(part->name, NoLock, true);
    if (!OidIsValid(relid)) continue;
    PartitionName* pn = static_cast<PartitionName*>(palloc(sizeof(PartitionName)));
    pn->relname = pstrdup(part->name->relname);
    pn->relid = relid;
    out = lappend(out, pn);
  }
  return out;
}

// The partitions of protected tables before a statement that may drop some (see
// protect.h): a DROP of any kind (DROP TABLE names them; DROP SCHEMA, DROP SERVER, DROP
// TYPE, DROP FUNCTION ... CASCADE take them along) or DROP OWNED.
List* PartitionsBeforeDrop(Node* stmt) {
  if (!IsA(stmt, DropStmt) && !IsA(stmt, DropOwnedStmt)) return NIL;
  if (IsA(stmt, DropStmt)) {
    // Drops that never take a table along (DROP INDEX CONCURRENTLY commits on its way).
    const ObjectType type = reinterpret_cast<DropStmt*>(stmt)->removeType;
    if (reinterpret_cast<DropStmt*>(stmt)->concurrent || type == OBJECT_INDEX || type == OBJECT_TRIGGER ||
        type == OBJECT_POLICY || type == OBJECT_RULE || type == OBJECT_VIEW || type == OBJECT_MATVIEW)
      return NIL;
  }
  // (Not while an extension's script runs: pg_comply's own may not have its tables yet.)
  if (creating_extension || RecoveryInProgress() || !OidIsValid(get_extension_oid("pg_comply", true)))
    return NIL;
  return PartitionsOfProtectedTables();
}

void DriftUtility(PlannedStmt* pstmt, const char* query, bool read_only_tree,
                  ProcessUtilityContext context, ParamListInfo params, QueryEnvironment* env,
                  DestReceiver* dest, QueryCompletion* qc) {
  // COPY t TO reads the table without the executor (COPY (SELECT ...) TO is a SELECT).
  Oid copy_to = InvalidOid;
  if (IsA(pstmt->utilityStmt, CopyStmt)) {
    CopyStmt* copy = reinterpret_cast<CopyStmt*>(pstmt->utilityStmt);
    if (!copy->is_from && copy->relation && !copy->query) {
      copy_to = RangeVarGetRelid(copy->relation, NoLock, true);
      if (copy_to < FirstNormalObjectId) copy_to = InvalidOid;
      if (OidIsValid(copy_to)) PrepareReads(pstmt->utilityStmt, &copy_to, 1, "COPY");
    }
  }
  if (IsA(pstmt->utilityStmt, CopyStmt)) {
    const CopyStmt* copy = reinterpret_cast<CopyStmt*>(pstmt->utilityStmt);
    if (copy->is_from && copy->relation) NoteCopyInto(copy->relation);
  }
  if (IsA(pstmt->utilityStmt, CopyStmt) && SessionReplicationRole == SESSION_REPLICATION_ROLE_REPLICA) {
    CopyStmt* copy = reinterpret_cast<CopyStmt*>(pstmt->utilityStmt);
    if (copy->is_from && copy->relation) {
      Oid relid = RangeVarGetRelid(copy->relation, NoLock, true);
      if (OidIsValid(relid)) RecordReplicaWrites(&relid, 1, "COPY");
    }
  }
  // ALTER SYSTEM counts as read-only for PostgreSQL (it writes a file, not the database),
  // so it would run in a read-only transaction and its ledger entry fail after it took
  // effect: refused before it is applied. (A standby records nothing: its primary's
  // ledger is the record.)
  if (IsA(pstmt->utilityStmt, AlterSystemStmt) && XactReadOnly && !RecoveryInProgress() &&
      OidIsValid(get_extension_oid("pg_comply", true)))
    ereport(ERROR, (errcode(ERRCODE_READ_ONLY_SQL_TRANSACTION),
                    errmsg("ALTER SYSTEM cannot run in a read-only transaction while pg_comply records it"),
                    errdetail("Each ALTER SYSTEM is a ledger entry (drift), which a read-only transaction cannot write."),
                    errhint("Run it in a read-write transaction.")));
  // A unique (or exclusion) index on one of pg_comply's own tables refuses some of its
  // own writes. Refused before it is built: CREATE INDEX CONCURRENTLY commits before the
  // drift event trigger could refuse it, which left an index enforcing uniqueness.
  if (IsA(pstmt->utilityStmt, IndexStmt) && !creating_extension && !IsBinaryUpgrade) {
    const IndexStmt* index = reinterpret_cast<IndexStmt*>(pstmt->utilityStmt);
    const Oid extension = get_extension_oid("pg_comply", true);
    if ((index->unique || index->excludeOpNames != NIL) && index->relation && OidIsValid(extension)) {
      const Oid relid = RangeVarGetRelid(index->relation, NoLock, true);
      if (OidIsValid(relid) && getExtensionOfObject(RelationRelationId, relid) == extension)
        ereport(ERROR, (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
                        errmsg("unique indexes cannot be added to pg_comply's tables"),
                        errdetail("The index would refuse some of pg_comply's own writes."),
                        errhint("An index that is not unique can be added.")));
    }
  }
  LetGoOfDatabaseFor(pstmt->utilityStmt);
  List* partitions = PartitionsBeforeDrop(pstmt->utilityStmt);
  List* outer_partition_names = partition_names;
  if (IsA(pstmt->utilityStmt, AlterTableStmt))
    partition_names = ResolvePartitionNames(reinterpret_cast<AlterTableStmt*>(pstmt->utilityStmt));
  PG_TRY();
  {
    if (prev_utility)
      prev_utility(pstmt, query, read_only_tree, context, params, env, dest, qc);
    else
      standard_ProcessUtility(pstmt, query, read_only_tree, context, params, env, dest, qc);
  }
  PG_FINALLY();
  {
    partition_names = outer_partition_names;
  }
  PG_END_TRY();
  if (OidIsValid(copy_to)) RecordReads(pstmt->utilityStmt, qc ? qc->nprocessed : 0);
  if (partitions != NIL && OidIsValid(get_extension_oid("pg_comply", true)))
    RecordDroppedPartitions(partitions, GetCommandTagName(CreateCommandTag(pstmt->utilityStmt)));
  if (IsA(pstmt->utilityStmt, AlterSystemStmt))
    RecordAlterSystem(reinterpret_cast<AlterSystemStmt*>(pstmt->utilityStmt));
  else if (IsA(pstmt->utilityStmt, TruncateStmt))
    RecordTruncate(reinterpret_cast<TruncateStmt*>(pstmt->utilityStmt));
  else if (IsA(pstmt->utilityStmt, AlterTableStmt))
    RecordColumnRewrites(reinterpret_cast<AlterTableStmt*>(pstmt->utilityStmt));
  else if (IsA(pstmt->utilityStmt, AlterEventTrigStmt))
    RecordAlterEventTrigger(reinterpret_cast<AlterEventTrigStmt*>(pstmt->utilityStmt));
  else if (IsA(pstmt->utilityStmt, RenameStmt) &&
           reinterpret_cast<RenameStmt*>(pstmt->utilityStmt)->renameType == OBJECT_EVENT_TRIGGER) {
    const RenameStmt* r = reinterpret_cast<RenameStmt*>(pstmt->utilityStmt);
    // (The old name is the statement's object.)
    const char* old_name = r->object && IsA(r->object, String) ? strVal(r->object) : "?";
    RecordEventTriggerChanged(r->newname, psprintf("renamed from %s", old_name));
  } else if (IsA(pstmt->utilityStmt, AlterOwnerStmt) &&
             reinterpret_cast<AlterOwnerStmt*>(pstmt->utilityStmt)->objectType == OBJECT_EVENT_TRIGGER) {
    const AlterOwnerStmt* o = reinterpret_cast<AlterOwnerStmt*>(pstmt->utilityStmt);
    if (o->object && IsA(o->object, String)) {
      const Oid owner = get_rolespec_oid(o->newowner, true);
      RecordEventTriggerChanged(strVal(o->object),
                                psprintf("given to role %s%s", OidIsValid(owner) ? GetUserNameFromId(owner, false) : "?",
                                         OidIsValid(owner) && !superuser_arg(owner) ? ", which is not a superuser" : ""));
    }
  }
  else if (IsA(pstmt->utilityStmt, AlterExtensionContentsStmt))
    RecordExtensionMemberDropped(reinterpret_cast<AlterExtensionContentsStmt*>(pstmt->utilityStmt));
  else if (IsA(pstmt->utilityStmt, ReassignOwnedStmt) || IsA(pstmt->utilityStmt, DropOwnedStmt))
    RecordPrivilegesChanged(IsA(pstmt->utilityStmt, ReassignOwnedStmt) ? "REASSIGN OWNED" : "DROP OWNED");
}

}  // namespace

// The first non-null that describe gives for the subtype of one of the subcommands of an
// ALTER TABLE that an event trigger reports (null for any other command).
template <typename Describe>
const char* FirstSubcommand(const CollectedCommand* cmd, Describe describe) {
  if (cmd->type != SCT_AlterTable) return nullptr;
  ListCell* lc;
  foreach (lc, cmd->d.alterTable.subcmds) {
    const CollectedATSubcmd* sub = static_cast<const CollectedATSubcmd*>(lfirst(lc));
    if (!sub->parsetree || !IsA(sub->parsetree, AlterTableCmd)) continue;
    if (const char* what = describe(reinterpret_cast<const AlterTableCmd*>(sub->parsetree)->subtype))
      return what;
  }
  return nullptr;
}

// What an ALTER TABLE subcommand changes of one of pg_comply's own tables that its code
// relies on (comply._own_table_change), or null.
const char* OwnTableChange(AlterTableType t) {
  switch (t) {
    case AT_AddColumn:
    case AT_AddColumnRecurse:
      return "a column added";
    case AT_ColumnDefault:
    case AT_CookedColumnDefault:
    case AT_DropExpression:
      return "a column's default changed";
    case AT_DropNotNull:
    case AT_SetNotNull:
      return "a column's NOT NULL changed";
    case AT_AddIdentity:
    case AT_SetIdentity:
    case AT_DropIdentity:
      return "a column's identity changed";
    case AT_AddIndex:
    case AT_AddIndexConstraint:
    case AT_AddConstraint:
    case AT_AddConstraintRecurse:
      return "a constraint added";
    case AT_DropConstraint:
    case AT_DropConstraintRecurse:
      return "a constraint dropped";
    case AT_AlterConstraint:
      return "a constraint altered";
    case AT_ChangeOwner:
      return "a new owner";
    case AT_EnableRowSecurity:
    case AT_DisableRowSecurity:
    case AT_ForceRowSecurity:
    case AT_NoForceRowSecurity:
      return "row security changed";
    case AT_AddInherit:
    case AT_DropInherit:
    case AT_AddOf:
    case AT_DropOf:
    case AT_AttachPartition:
    case AT_DetachPartition:
    case AT_DetachPartitionFinalize:
      return "an inheritance or partition changed";
    case AT_GenericOptions:
    case AT_AlterColumnGenericOptions:
      return "foreign options";
    default:
      return nullptr;
  }
}

void DriftInit() {
  prev_utility = ProcessUtility_hook;
  ProcessUtility_hook = DriftUtility;
  prev_executor_start = ExecutorStart_hook;
  ExecutorStart_hook = DriftExecutorStart;
  prev_executor_end = ExecutorEnd_hook;
  ExecutorEnd_hook = DriftExecutorEnd;
}

}  // namespace comply::pg

// comply._adds_inheritance(cmd pg_ddl_command) RETURNS boolean: whether a command that
// an event trigger reports makes a table an inheritance child (CREATE [FOREIGN] TABLE ...
// INHERITS, ALTER [FOREIGN] TABLE ... INHERIT), not a partition. The drift event trigger refuses
// an unprotected child of a protected table: its rows would not pass the parent's
// triggers. (Any other ALTER TABLE of such a child, a restore's say, is not refused.)
extern "C" {
PG_FUNCTION_INFO_V1(comply_adds_inheritance);
Datum comply_adds_inheritance(PG_FUNCTION_ARGS) {
  const CollectedCommand* cmd = reinterpret_cast<const CollectedCommand*>(PG_GETARG_POINTER(0));
  if (cmd->type == SCT_Simple && cmd->parsetree &&
      (IsA(cmd->parsetree, CreateStmt) || IsA(cmd->parsetree, CreateForeignTableStmt))) {
    // (A CreateForeignTableStmt begins with its CreateStmt.)
    const CreateStmt* create = IsA(cmd->parsetree, CreateStmt)
                                   ? reinterpret_cast<const CreateStmt*>(cmd->parsetree)
                                   : &reinterpret_cast<const CreateForeignTableStmt*>(cmd->parsetree)->base;
    PG_RETURN_BOOL(create->inhRelations != NIL && create->partbound == nullptr);
  }
  if (cmd->type == SCT_AlterTable) {
    ListCell* lc;
    foreach (lc, cmd->d.alterTable.subcmds) {
      const CollectedATSubcmd* sub = static_cast<const CollectedATSubcmd*>(lfirst(lc));
      if (sub->parsetree && IsA(sub->parsetree, AlterTableCmd) &&
          reinterpret_cast<const AlterTableCmd*>(sub->parsetree)->subtype == AT_AddInherit)
        PG_RETURN_BOOL(true);
    }
  }
  PG_RETURN_BOOL(false);
}

// comply._changed_here(x xid) RETURNS boolean: whether x is this transaction's or one of
// its subtransactions' (a catalog row whose xmin it is was written here: the pg_class
// row of a table whose privileges a GRANT in this transaction changed).
PG_FUNCTION_INFO_V1(comply_changed_here);
Datum comply_changed_here(PG_FUNCTION_ARGS) {
  const TransactionId xid = PG_GETARG_TRANSACTIONID(0);
  PG_RETURN_BOOL(TransactionIdIsNormal(xid) && TransactionIdIsCurrentTransactionId(xid));
}

// Tables whose protect triggers this session created with CREATE TRIGGER statements of
// its own, as a restore does (pg_dump's post-data creates them before the foreign keys,
// row security and its policies that follow): comply._note_restored_triggers records
// them, comply._restored_here asks. Not comply.protect's, which creates them through SPI.
constexpr int kRestoredMax = 4096;
Oid restored_tables[kRestoredMax];
int n_restored = 0;
int next_restored = 0;  // the slot the next table takes once all are used

// comply._note_restored_triggers(tbl regclass, cmd pg_ddl_command) RETURNS void: cmd
// is the CREATE TRIGGER (a plain one, as pg_dump writes: CREATE OR REPLACE of a trigger
// in place would let its session's later DDL pass unrecorded, where a trigger created
// anew had to be dropped first, which is drift).
PG_FUNCTION_INFO_V1(comply_note_restored_triggers);
Datum comply_note_restored_triggers(PG_FUNCTION_ARGS) {
  const Oid relid = PG_GETARG_OID(0);
  const CollectedCommand* cmd = reinterpret_cast<const CollectedCommand*>(PG_GETARG_POINTER(1));
  if (comply::pg::ProtectRunning()) PG_RETURN_VOID();
  if (cmd->type != SCT_Simple || !cmd->parsetree || !IsA(cmd->parsetree, CreateTrigStmt) ||
      reinterpret_cast<const CreateTrigStmt*>(cmd->parsetree)->replace)
    PG_RETURN_VOID();
  for (int i = 0; i < n_restored; ++i)
    if (restored_tables[i] == relid) PG_RETURN_VOID();
  // (Past the bound, the oldest give way.)
  restored_tables[next_restored] = relid;
  next_restored = (next_restored + 1) % kRestoredMax;
  if (n_restored < kRestoredMax) ++n_restored;
  PG_RETURN_VOID();
}

// comply._restored_here(tbl regclass) RETURNS boolean
PG_FUNCTION_INFO_V1(comply_restored_here);
Datum comply_restored_here(PG_FUNCTION_ARGS) {
  const Oid relid = PG_GETARG_OID(0);
  for (int i = 0; i < n_restored; ++i)
    if (restored_tables[i] == relid) PG_RETURN_BOOL(true);
  PG_RETURN_BOOL(false);
}

// comply._only_tightens(cmd pg_ddl_command) RETURNS boolean: whether an ALTER TABLE only
// adds foreign keys or CHECK constraints, or enables or forces row security: what a
// restore runs after a table's triggers, and nothing that weakens a policy.
PG_FUNCTION_INFO_V1(comply_only_tightens);
Datum comply_only_tightens(PG_FUNCTION_ARGS) {
  const CollectedCommand* cmd = reinterpret_cast<const CollectedCommand*>(PG_GETARG_POINTER(0));
  if (cmd->type != SCT_AlterTable || cmd->d.alterTable.subcmds == NIL) PG_RETURN_BOOL(false);
  ListCell* lc;
  foreach (lc, cmd->d.alterTable.subcmds) {
    const CollectedATSubcmd* sub = static_cast<const CollectedATSubcmd*>(lfirst(lc));
    if (!sub->parsetree || !IsA(sub->parsetree, AlterTableCmd)) PG_RETURN_BOOL(false);
    const AlterTableCmd* at = reinterpret_cast<const AlterTableCmd*>(sub->parsetree);
    switch (at->subtype) {
      case AT_EnableRowSecurity:
      case AT_ForceRowSecurity:
        break;
      case AT_AddConstraint:
#if PG_VERSION_NUM < 160000
      case AT_AddConstraintRecurse:
#endif
      {
        if (!at->def || !IsA(at->def, Constraint)) PG_RETURN_BOOL(false);
        const ConstrType t = reinterpret_cast<const Constraint*>(at->def)->contype;
        if (t != CONSTR_FOREIGN && t != CONSTR_CHECK) PG_RETURN_BOOL(false);
        break;
      }
      default:
        PG_RETURN_BOOL(false);
    }
  }
  PG_RETURN_BOOL(true);
}

// comply._reshapes(cmd pg_ddl_command) RETURNS text: how a command that an event trigger
// reports changes the names or columns a relation's users rely on: 'relation' (ALTER
// TABLE ... RENAME TO or SET SCHEMA), 'column renamed', 'column dropped', 'column
// retyped'; null for anything else (constraints, triggers, defaults, new columns).
PG_FUNCTION_INFO_V1(comply_reshapes);
Datum comply_reshapes(PG_FUNCTION_ARGS) {
  const CollectedCommand* cmd = reinterpret_cast<const CollectedCommand*>(PG_GETARG_POINTER(0));
  const char* what = comply::pg::FirstSubcommand(cmd, [](AlterTableType t) -> const char* {
    if (t == AT_DropColumn) return "column dropped";
#if PG_VERSION_NUM < 160000
    if (t == AT_DropColumnRecurse) return "column dropped";  // (what ALTER TABLE makes of it)
#endif
    if (t == AT_AlterColumnType) return "column retyped";
    return nullptr;
  });
  if (cmd->type == SCT_Simple && cmd->parsetree) {
    if (IsA(cmd->parsetree, AlterObjectSchemaStmt)) {
      what = "relation";
    } else if (IsA(cmd->parsetree, RenameStmt)) {
      switch (reinterpret_cast<const RenameStmt*>(cmd->parsetree)->renameType) {
        case OBJECT_TABLE:
        case OBJECT_FOREIGN_TABLE:
        case OBJECT_VIEW:
        case OBJECT_MATVIEW:
        case OBJECT_SEQUENCE:
        case OBJECT_INDEX:
          what = "relation";
          break;
        case OBJECT_COLUMN:
          what = "column renamed";
          break;
        case OBJECT_TABCONSTRAINT:
          what = "constraint renamed";
          break;
        default:
          break;
      }
    }
  }
  if (!what) PG_RETURN_NULL();
  PG_RETURN_TEXT_P(cstring_to_text(what));
}

// comply._own_table_change(cmd pg_ddl_command) RETURNS text: what an ALTER TABLE of one
// of pg_comply's own tables changes that its code relies on, or null when it only tunes
// storage, statistics, clustering, the tablespace, the replica identity, triggers' or
// rules' firing (reported as drift elsewhere), or is handled by its own refusal (names,
// columns dropped or retyped, UNLOGGED). A constraint, a default, NOT NULL, an identity,
// a new column, row security, inheritance, a partition or a new owner changes which of
// pg_comply's own writes succeed (a CHECK on the ledger made the job worker retry an
// append for ever; its primary key dropped, an entry stored twice was never sealed) or
// who may read and change them.
PG_FUNCTION_INFO_V1(comply_own_table_change);
Datum comply_own_table_change(PG_FUNCTION_ARGS) {
  const char* what = comply::pg::FirstSubcommand(
      reinterpret_cast<const CollectedCommand*>(PG_GETARG_POINTER(0)), comply::pg::OwnTableChange);
  if (!what) PG_RETURN_NULL();
  PG_RETURN_TEXT_P(cstring_to_text(what));
}

// The tables an ALTER TABLE that an event trigger reports attached (ATTACH PARTITION)
// or detached (DETACH PARTITION, also CONCURRENTLY and FINALIZE) as partitions.
Datum PartitionsOf(FunctionCallInfo fcinfo, bool attached) {
  const CollectedCommand* cmd = reinterpret_cast<const CollectedCommand*>(PG_GETARG_POINTER(0));
  List* oids = NIL;
  if (cmd->type == SCT_AlterTable) {
    ListCell* lc;
    foreach (lc, cmd->d.alterTable.subcmds) {
      const CollectedATSubcmd* sub = static_cast<const CollectedATSubcmd*>(lfirst(lc));
      if (!sub->parsetree || !IsA(sub->parsetree, AlterTableCmd)) continue;
      const AlterTableCmd* at = reinterpret_cast<const AlterTableCmd*>(sub->parsetree);
      const bool wanted = attached ? at->subtype == AT_AttachPartition
                                   : (at->subtype == AT_DetachPartition ||
                                      at->subtype == AT_DetachPartitionFinalize);
      if (!wanted || !at->def || !IsA(at->def, PartitionCmd)) continue;
      const PartitionCmd* part = reinterpret_cast<const PartitionCmd*>(at->def);
      // (The subcommand's address is not set: the partition is named. An unqualified
      // name was resolved by the utility hook, with the session's search_path, since
      // this function runs with its own.)
      Oid relid = InvalidOid;
      if (part->name && !part->name->schemaname) {
        ListCell* lc2;
        foreach (lc2, comply::pg::partition_names) {
          const auto* pn = static_cast<const comply::pg::PartitionName*>(lfirst(lc2));
          if (strcmp(pn->relname, part->name->relname) == 0) relid = pn->relid;
        }
      } else if (part->name) {
        relid = RangeVarGetRelid(part->name, NoLock, true);
      }
      if (OidIsValid(relid)) oids = lappend_oid(oids, relid);
    }
  }
  const int n = list_length(oids);
  Datum* elems = static_cast<Datum*>(palloc(sizeof(Datum) * (n > 0 ? n : 1)));
  for (int i = 0; i < n; ++i) elems[i] = ObjectIdGetDatum(list_nth_oid(oids, i));
  PG_RETURN_ARRAYTYPE_P(construct_array(elems, n, OIDOID, sizeof(Oid), true, TYPALIGN_INT));
}

// comply._attached_partitions(cmd pg_ddl_command) RETURNS oid[]: the tables an ALTER
// TABLE ... ATTACH PARTITION that an event trigger reports attached (empty for any
// other command). Their rows were stored before, past the protected table's triggers.
PG_FUNCTION_INFO_V1(comply_attached_partitions);
Datum comply_attached_partitions(PG_FUNCTION_ARGS) { return PartitionsOf(fcinfo, true); }

// comply._detached_partitions(cmd pg_ddl_command) RETURNS oid[]: the tables an ALTER
// TABLE ... DETACH PARTITION detached (empty for any other command). Their rows left
// the protected table, and its policy.
PG_FUNCTION_INFO_V1(comply_detached_partitions);
Datum comply_detached_partitions(PG_FUNCTION_ARGS) { return PartitionsOf(fcinfo, false); }
}
