// The human review queue (comply.review_*), and its periodic maintenance, shared with
// the background worker.
#pragma once

#include <cstdint>

namespace comply::pg {

struct MaintainResult {
  int64_t released = 0;   // expired claims returned to the queue
  int64_t escalated = 0;  // cases escalated for waiting longer than comply.review_sla
};

// Returns expired claims to the queue and escalates overdue cases (each a ledger entry,
// escalations also announced by NOTIFY comply_review), in the current transaction.
// Calls PostgreSQL through PgCall; may throw.
MaintainResult ReviewMaintain();

}  // namespace comply::pg
