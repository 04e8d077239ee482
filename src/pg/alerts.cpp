// Delivery of the alert outbox (comply.alerts) to comply.alert_webhook_url by the job
// worker: due alerts are claimed in one transaction, posted with no transaction open,
// and marked delivered (a 2xx) or scheduled again with backoff in another.
#include "pg/alerts.h"

#include <random>
#include <string>
#include <vector>

#include "core/ai/http.h"
#include "core/ai/openai.h"
#include "core/json.h"
#include "pg/guard.h"
#include "pg/guc.h"
#include "pg/spi.h"

extern "C" {
#include "postgres.h"

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "commands/async.h"
#include "executor/spi.h"
#include "nodes/pg_list.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
}

namespace comply::pg {
namespace {

// Alerts posted per round, and how long a claim lasts (longer than any post).
constexpr int kAlertsPerRound = 20;
constexpr int kClaimSeconds = 120;
constexpr long kPostTimeoutMs = 10000;
constexpr double kRetryBaseSeconds = 1;
constexpr double kRetryMaxSeconds = 300;

Datum Text(const std::string& s) {
  return PgCall([&] { return PointerGetDatum(cstring_to_text_with_len(s.data(), s.size())); });
}

}  // namespace

struct AlertRound::Impl {
  struct Alert {
    int64 id;
    int attempts;
    std::string text;
    bool posted = false;  // tried this round (the round stops at the first failure)
    bool delivered = false;
    std::string error;
    std::optional<double> retry_after;  // the receiver's Retry-After
    // The receiver refused this alert (a 4xx but 408 and 429), rather than being down,
    // overloaded or slow: only then do the others go before it next time.
    bool refused = false;
  };
  std::vector<Alert> alerts;
  std::string url;
};

AlertRound::AlertRound() : impl_(std::make_unique<Impl>()) {}
AlertRound::~AlertRound() = default;

int AlertRound::Claim() {
  impl_->alerts.clear();
  if (!alert_webhook_url || !*alert_webhook_url) return 0;
  impl_->url = alert_webhook_url;
  AsExtensionOwner owner("alerts");
  SpiScope spi;
  Oid types[2] = {INT4OID, INT4OID};
  Datum values[2] = {Int32GetDatum(kAlertsPerRound), Int32GetDatum(kClaimSeconds)};
  uint64 n = SpiExec(
      // (RETURNING comes in no particular order: the alerts are posted oldest first.)
      // A claim lasts kClaimSeconds, or until the process that holds it is gone (a
      // worker stopped, or killed, while posting): such alerts come first, in the
      // order they were raised.
      "WITH claimed AS (UPDATE comply.alerts a SET next_attempt_at = now() + make_interval(secs => $2), "
      "claimed_by = pg_backend_pid() "
      "WHERE a.id IN (SELECT id FROM comply.alerts WHERE delivered_at IS NULL AND dismissed_at IS NULL "
      "AND (next_attempt_at <= now() OR (claimed_by IS NOT NULL AND claimed_by <> pg_backend_pid() "
      "AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_stat_activity s WHERE s.pid = claimed_by))) "
      "ORDER BY claimed_by IS NULL, next_attempt_at, id LIMIT $1 FOR UPDATE SKIP LOCKED) "
      "RETURNING a.id, a.attempts, a.kind, a.subject, a.message) "
      "SELECT * FROM claimed ORDER BY id",
      2, types, values, nullptr, false, SPI_OK_SELECT);
  for (uint64 i = 0; i < n; ++i) {
    Impl::Alert a;
    a.id = SpiInt(i, 1).value_or(0);
    a.attempts = static_cast<int>(SpiInt(i, 2).value_or(0));
    a.text = "[pg_comply] " + SpiText(i, 3).value_or("") + " (" + SpiText(i, 4).value_or("") +
             "): " + SpiText(i, 5).value_or("");
    impl_->alerts.push_back(std::move(a));
  }
  return static_cast<int>(n);
}

void AlertRound::Post(const CancelCheck& cancel) {
  // Alerts go one after another, in the order they were raised, until one fails: a
  // receiver that is down, hangs or refuses would otherwise hold the job worker (and
  // the records it writes for the ledger) for a timeout per alert. The rest wait for
  // the failed one's next attempt.
  for (Impl::Alert& a : impl_->alerts) {
    ai::HttpRequest r;
    r.url = impl_->url;
    r.headers = {"Content-Type: application/json"};
    std::string body = "{\"text\":";
    json::AppendQuoted(body, a.text);
    body += ",\"alert_id\":" + std::to_string(a.id) + "}";
    r.body = body;
    r.timeout_ms = kPostTimeoutMs;
    r.connect_timeout_ms = kPostTimeoutMs;
    std::vector<ai::HttpRequest> one;
    one.push_back(std::move(r));
    a.posted = true;
    ai::RunHttp(one, 1, [&](size_t, ai::HttpResponse&& resp) {
      ai::Verdict v = ai::Judge(resp);
      // A 2xx whose body was too large to read was received all the same.
      a.delivered = v.d == ai::Disposition::kSuccess ||
                    (resp.outcome == ai::HttpResponse::Outcome::kTransportError &&
                     resp.status >= 200 && resp.status < 300);
      if (!a.delivered) {
        a.error = ai::WebhookReason(v);
        a.retry_after = v.retry_after_seconds;
        a.refused = v.d == ai::Disposition::kPermanent &&
                    resp.outcome != ai::HttpResponse::Outcome::kTransportError;
      }
    }, cancel);
    if (!a.delivered) break;
  }
}

int AlertRound::Finish() {
  if (impl_->alerts.empty()) return 0;
  AsExtensionOwner owner("alerts");
  SpiScope spi;
  static std::mt19937_64 rng(std::random_device{}());
  int delivered = 0;
  // The failed alert's delay: those not tried this round wait as long. When the receiver
  // refused that alert, they go first when it ends (the failed one a second after them),
  // so that an alert refused for good never holds back the others; when the receiver is
  // down, slow or overloaded, the failed one goes first again, and the others wait
  // without an attempt counted against them (QA 16: each was tried in turn, and all
  // counted failures for one outage).
  double failed_delay = 0;
  bool receiver_down = false;
  for (const Impl::Alert& a : impl_->alerts)
    if (a.posted && !a.delivered) receiver_down = !a.refused;
  for (const Impl::Alert& a : impl_->alerts) {
    if (!a.posted) {
      Oid types[2] = {INT8OID, FLOAT8OID};
      Datum v[2] = {Int64GetDatum(a.id), Float8GetDatum(failed_delay + (receiver_down ? 2 : 0))};
      SpiExec("UPDATE comply.alerts SET next_attempt_at = now() + make_interval(secs => $2), "
              "claimed_by = NULL WHERE id = $1",
              2, types, v, nullptr, false, SPI_OK_UPDATE);
    } else if (a.delivered) {
      Oid types[1] = {INT8OID};
      Datum v[1] = {Int64GetDatum(a.id)};
      SpiExec("UPDATE comply.alerts SET delivered_at = clock_timestamp(), attempts = attempts + 1, "
              "last_error = NULL, claimed_by = NULL WHERE id = $1",
              1, types, v, nullptr, false, SPI_OK_UPDATE);
      ++delivered;
    } else {
      double delay = ai::BackoffSeconds(a.attempts + 1, kRetryBaseSeconds, kRetryMaxSeconds,
                                        a.retry_after, rng());
      failed_delay = delay;
      Oid types[4] = {INT8OID, TEXTOID, FLOAT8OID, FLOAT8OID};
      Datum v[4] = {Int64GetDatum(a.id), Text(a.error.empty() ? "not delivered" : a.error),
                    Float8GetDatum(delay), Float8GetDatum(a.refused ? 1.0 : 0.0)};
      SpiExec("UPDATE comply.alerts SET attempts = attempts + 1, last_error = $2, "
              "next_attempt_at = now() + make_interval(secs => $3 + $4), claimed_by = NULL WHERE id = $1",
              4, types, v, nullptr, false, SPI_OK_UPDATE);
    }
  }
  impl_->alerts.clear();
  return delivered;
}

}  // namespace comply::pg

namespace comply::pg {

double AlertRound::NextDueSeconds() {
  if (!alert_webhook_url || !*alert_webhook_url) return -1;
  AsExtensionOwner owner("alerts");
  SpiScope spi;
  // (An alert claimed by a process that is gone is due now: Claim.)
  SpiExec("SELECT extract(epoch FROM min(CASE WHEN claimed_by IS NOT NULL AND claimed_by <> pg_backend_pid() "
          "AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_stat_activity s WHERE s.pid = claimed_by) "
          "THEN clock_timestamp() ELSE next_attempt_at END) - clock_timestamp())::float8 "
          "FROM comply.alerts WHERE delivered_at IS NULL AND dismissed_at IS NULL",
          0, nullptr, nullptr, nullptr, true, SPI_OK_SELECT);
  std::optional<double> s = SpiFloat(0, 1);
  if (!s) return -1;
  return std::max(0.0, *s);
}

}  // namespace comply::pg

// comply._notify_at_commit(channel text, payload text): NOTIFY channel, payload when the
// transaction commits, and not at all when it is prepared. A NOTIFY in a transaction
// makes PREPARE TRANSACTION fail, and pg_comply's announcements of alerts and
// escalations are raised from inside users' DDL and control runs (a GRANT on a protected
// table in a two-phase transaction failed at PREPARE); what they announce is in a table
// either way. Plain C: the callbacks run inside PostgreSQL's commit.
namespace {

struct PendingNotify {
  SubTransactionId subid;  // the subtransaction that asked (its parent's once it commits)
  char* channel;
  char* payload;
};
List* pending_notifies = NIL;  // of PendingNotify*, in TopTransactionContext
bool notify_callbacks_registered = false;

void NotifyAtCommitXact(XactEvent event, void*) {
  if (event == XACT_EVENT_PRE_COMMIT) {
    // Before PreCommit_Notify, which queues what this adds.
    List* pending = pending_notifies;
    pending_notifies = NIL;
    ListCell* lc;
    foreach (lc, pending) {
      const PendingNotify* p = static_cast<const PendingNotify*>(lfirst(lc));
      Async_Notify(p->channel, p->payload);
    }
    return;
  }
  // Prepared (no announcement), committed or aborted: the list's memory is gone.
  if (event == XACT_EVENT_PRE_PREPARE || event == XACT_EVENT_PREPARE ||
      event == XACT_EVENT_COMMIT || event == XACT_EVENT_ABORT ||
      event == XACT_EVENT_PARALLEL_COMMIT || event == XACT_EVENT_PARALLEL_ABORT)
    pending_notifies = NIL;
}

// A subtransaction's announcements are the end of the list: those of the ones it began
// were dropped or became its own when they ended. So only that end is read (scanning the
// whole list at every subtransaction's end made a loop of them quadratic).
void NotifyAtCommitSubXact(SubXactEvent event, SubTransactionId my_subid,
                           SubTransactionId parent_subid, void*) {
  if (event != SUBXACT_EVENT_ABORT_SUB && event != SUBXACT_EVENT_COMMIT_SUB) return;
  int n = list_length(pending_notifies);
  while (n > 0 && static_cast<PendingNotify*>(list_nth(pending_notifies, n - 1))->subid == my_subid) {
    if (event == SUBXACT_EVENT_COMMIT_SUB)
      static_cast<PendingNotify*>(list_nth(pending_notifies, n - 1))->subid = parent_subid;
    --n;
  }
  if (event == SUBXACT_EVENT_ABORT_SUB) pending_notifies = list_truncate(pending_notifies, n);
}

}  // namespace

extern "C" {
PG_FUNCTION_INFO_V1(comply_notify_at_commit);
Datum comply_notify_at_commit(PG_FUNCTION_ARGS) {
  if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
    ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED), errmsg("channel and payload must not be NULL")));
  char* channel = text_to_cstring(PG_GETARG_TEXT_PP(0));
  char* payload = text_to_cstring(PG_GETARG_TEXT_PP(1));
  // As Async_Notify checks them, now rather than in the commit.
  if (channel[0] == '\0' || strlen(channel) >= NAMEDATALEN)
    ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("invalid channel name")));
  if (strlen(payload) >= BLCKSZ - NAMEDATALEN - 128)  // async.c's NOTIFY_PAYLOAD_MAX_LENGTH
    ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("payload string too long")));
  if (!notify_callbacks_registered) {
    RegisterXactCallback(NotifyAtCommitXact, nullptr);
    RegisterSubXactCallback(NotifyAtCommitSubXact, nullptr);
    notify_callbacks_registered = true;
  }
  MemoryContext old = MemoryContextSwitchTo(TopTransactionContext);
  PendingNotify* p = static_cast<PendingNotify*>(palloc(sizeof(PendingNotify)));
  p->subid = GetCurrentSubTransactionId();
  p->channel = pstrdup(channel);
  p->payload = pstrdup(payload);
  pending_notifies = lappend(pending_notifies, p);
  MemoryContextSwitchTo(old);
  PG_RETURN_VOID();
}
}
