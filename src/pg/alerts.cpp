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

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/builtins.h"
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
    bool delivered = false;
    std::string error;
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
      "WITH claimed AS (UPDATE comply.alerts a SET next_attempt_at = now() + make_interval(secs => $2) "
      "WHERE a.id IN (SELECT id FROM comply.alerts WHERE delivered_at IS NULL "
      "AND next_attempt_at <= now() ORDER BY next_attempt_at, id LIMIT $1 FOR UPDATE SKIP LOCKED) "
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
  if (impl_->alerts.empty()) return;
  std::vector<ai::HttpRequest> requests;
  for (const Impl::Alert& a : impl_->alerts) {
    ai::HttpRequest r;
    r.url = impl_->url;
    r.headers = {"Content-Type: application/json"};
    std::string body = "{\"text\":";
    json::AppendQuoted(body, a.text);
    body += ",\"alert_id\":" + std::to_string(a.id) + "}";
    r.body = body;
    r.timeout_ms = kPostTimeoutMs;
    r.connect_timeout_ms = kPostTimeoutMs;
    requests.push_back(std::move(r));
  }
  // Alerts go one after another, in the order they were raised.
  ai::RunHttp(requests, 1, [&](size_t i, ai::HttpResponse&& resp) {
    Impl::Alert& a = impl_->alerts[i];
    ai::Verdict v = ai::Judge(resp);
    a.delivered = v.d == ai::Disposition::kSuccess;
    if (!a.delivered) a.error = v.reason;
  }, cancel);
}

int AlertRound::Finish() {
  if (impl_->alerts.empty()) return 0;
  AsExtensionOwner owner("alerts");
  SpiScope spi;
  static std::mt19937_64 rng(std::random_device{}());
  int delivered = 0;
  for (const Impl::Alert& a : impl_->alerts) {
    if (a.delivered) {
      Oid types[1] = {INT8OID};
      Datum v[1] = {Int64GetDatum(a.id)};
      SpiExec("UPDATE comply.alerts SET delivered_at = clock_timestamp(), attempts = attempts + 1, "
              "last_error = NULL WHERE id = $1",
              1, types, v, nullptr, false, SPI_OK_UPDATE);
      ++delivered;
    } else {
      double delay = ai::BackoffSeconds(a.attempts + 1, kRetryBaseSeconds, kRetryMaxSeconds,
                                        std::nullopt, rng());
      Oid types[3] = {INT8OID, TEXTOID, FLOAT8OID};
      Datum v[3] = {Int64GetDatum(a.id), Text(a.error.empty() ? "not delivered" : a.error),
                    Float8GetDatum(delay)};
      SpiExec("UPDATE comply.alerts SET attempts = attempts + 1, last_error = $2, "
              "next_attempt_at = now() + make_interval(secs => $3) WHERE id = $1",
              3, types, v, nullptr, false, SPI_OK_UPDATE);
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
  SpiExec("SELECT extract(epoch FROM min(next_attempt_at) - clock_timestamp())::float8 "
          "FROM comply.alerts WHERE delivered_at IS NULL",
          0, nullptr, nullptr, nullptr, true, SPI_OK_SELECT);
  std::optional<double> s = SpiFloat(0, 1);
  if (!s) return -1;
  return std::max(0.0, *s);
}

}  // namespace comply::pg
