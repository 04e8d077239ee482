// Delivery of the alert outbox (comply.alerts) to comply.alert_webhook_url, by the job
// worker. Alerts are raised in SQL by comply._raise_alert (src/sql/85_alerts.sql).
#pragma once

#include <memory>

#include "core/cancel.h"

namespace comply::pg {

// One delivery round, in three steps like a JobRound: Claim (in a transaction) takes
// up to 20 due undelivered alerts; Post (no transaction open) sends them in order as
// {"text": ..., "alert_id": n} until one fails; Finish (in a transaction) marks those a
// 2xx acknowledged as delivered, schedules the failed one again with backoff (honouring
// Retry-After) and the untried ones for the same delay, their attempts not counted.
// Nothing happens while comply.alert_webhook_url is empty. Methods may throw.
class AlertRound {
 public:
  AlertRound();
  ~AlertRound();
  AlertRound(const AlertRound&) = delete;
  AlertRound& operator=(const AlertRound&) = delete;

  int Claim();
  void Post(const CancelCheck& cancel);
  int Finish();  // returns the number delivered
  // Seconds until the next undelivered alert is due (-1: none, or no webhook).
  static double NextDueSeconds();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace comply::pg
