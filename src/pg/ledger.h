// The audit ledger's sealing step, shared by comply.seal() and the background worker.
#pragma once

#include <string>

extern "C" {
#include "postgres.h"
#include "utils/jsonb.h"
}

namespace comply::pg {

// Registers the ledger's cache invalidation (from _PG_init).
void LedgerInit();

// Seals up to comply.seal_batch committed unsealed entries with id >= min_id (0: all)
// into one new block, in the current transaction (SPI). Returns the block number (0 when
// no entry was sealed) and sets *entries_sealed. Sets *next_id (if given) to the id to
// search from next when the search stopped at comply.seal_batch candidates, else to 0.
// xmin_bound (a full transaction id, 0 for none): the block records no later
// snapshot_xmin, for a search from min_id whose range may leave out transactions that
// ended after the caller read what it searches from (the sealer's rounds).
// Calls PostgreSQL through PgCall; may throw.
int64 SealOnce(int64* entries_sealed, int64 min_id = 0, int64* next_id = nullptr,
               uint64 xmin_bound = 0);

// The oldest transaction id still running (the next one when none is), with its epoch,
// as a full transaction id: every transaction below it has ended.
uint64 OldestRunningFullXid();

// Appends one entry to comply.audit_log as the ledger owner (search_path pinned), with
// acting_user as current_user_name, and tells the sealer at commit. action and object
// are text datums (object may be 0: NULL); details (may be null: '{}') must already be
// redacted: comply.audit redacts what callers pass, the protect trigger builds its own
// details from redacted parts. Returns the entry id. Calls PostgreSQL through PgCall.
// origin (if given) names who did what the entry records, when the entry is written in
// another session (a rejected row's or an audited read's, written by the job worker): its
// session user, application name and client address (empty strings: NULL) go into the
// entry instead of the writing session's.
struct AuditOrigin {
  std::string session_user;
  std::string application_name;
  std::string client_addr;
  // application_name is redacted already (RedactedApplicationName, in the session that
  // spooled the record): stored as it is, since a second pass of the detector over a
  // redacted text can change it (a number next to a label read as another entity).
  bool application_name_redacted = false;
};
int64 AppendAudit(const char* acting_user, Datum action, Datum object, Jsonb* details,
                  const AuditOrigin* origin = nullptr);

// This session's application_name as a ledger entry stores it (redacted; empty for none),
// for an AuditOrigin handed to the job worker: the record waits in shared memory and in
// a file of pg_stat_tmp, which then never hold the client's text in clear (the record
// says so: AuditOrigin::application_name_redacted). May throw.
std::string RedactedApplicationName();

// Appends an entry as comply.audit() does (action, object and details, JSON text, redacted
// of PII first; the current role acts), for pg_comply's own entries written from C++
// (the review queue's, the classifier's): comply.audit() refuses their action names to
// its callers. clear_details (a JSON object's text, or empty) is added to the details as
// it is: what pg_comply itself knows is no personal data (an endpoint's host, which the
// detector would take for an IP address; a role's name). Calls PostgreSQL through PgCall;
// may throw.
int64 AppendOwnAudit(const std::string& action, const std::string& object,
                     const std::string& details, const std::string& clear_details = {});

// inet_client_addr() as text, palloc'd; nullptr on a Unix socket (or in a worker).
// Plain C.
char* ClientAddrText();

// GetUserNameFromId(roleid, false): the role's name, palloc'd, from a per-backend memo of
// the last two roles asked (a ledger entry names the session's role and the acting one)
// that pg_authid's invalidations clear, as they do the catalog cache it is read from.
// Plain C (raises an error for a role that does not exist).
char* RoleName(Oid roleid);

}  // namespace comply::pg
