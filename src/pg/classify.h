// AI classification: comply.train_classifier, comply.classify, comply.classify_async,
// comply.run_jobs, and the job rounds the background worker runs.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/cancel.h"

namespace comply::ai {
// (core/ai/classifier.h, which a file that includes PostgreSQL's headers cannot include.)
bool HasWord(std::string_view text);
}  // namespace comply::ai

namespace comply::pg {

// Registers the cache invalidation callback for comply.models.
void ClassifyInit();

// The circuit breakers of the AI endpoints, shared by the server's processes: the shared
// memory they take (shmem_request_hook), and creating or attaching it (shmem_startup_hook,
// under AddinShmemInitLock). Without them (pg_comply not preloaded), each process has its own.
size_t BreakerShmemSize();
void BreakerShmemInit();

// True when text holds something to classify: a letter or a digit, of any script. An
// empty text, or one of blanks, punctuation or symbols alone (a no-break space, an em
// dash, emoji), is not sent to a provider, and a protected table queues no job for it.
using ai::HasWord;

// A queue's name (classification jobs, review cases) has the form of a name and holds
// nothing the PII detector finds (ShowsAsName): it goes into alerts and notifications,
// which carry no data.
constexpr size_t kMaxQueueName = 63;
constexpr const char* kQueueNameHint =
    "A queue name starts with a letter or underscore, then letters, digits, '_', '.', ':' or "
    "'-', at most 63 bytes.";

// A label (of classify, classify_async, a protect policy's "classify", review_enqueue)
// is stored with jobs, decisions and review cases, which reviewers read, and sent to the
// AI provider: at most as long as a builtin model's (ai::kMaxLabelBytes), and holding
// nothing the PII detector finds (a label that does is most likely a text passed in the
// wrong argument).
constexpr size_t kMaxLabelBytes = 200;
// Why label may not be a label, a message's end naming it by length only
// ("holds personal data (18 bytes, not shown)"); empty when it may.
std::string LabelProblem(std::string_view label);

// An openai model's name is sent to the endpoint and stored with jobs, interactions and
// decisions: it has the form of a model name (a letter or '_', then letters, digits,
// '_', '.', ':', '-' or '/', at most kMaxOpenAiModelName bytes: "gpt-4o-mini",
// "meta-llama/Llama-3.1-8B-Instruct", "ft:gpt-4o-2024-08-06:org::id") and holds nothing
// the PII detector finds but a date (its release date).
constexpr size_t kMaxOpenAiModelName = 128;
bool IsOpenAiModelName(std::string_view model);
// The form alone (no personal data check).
bool HasOpenAiModelNameForm(std::string_view model);
constexpr const char* kOpenAiModelNameHint =
    "An openai model name starts with a letter or underscore, then letters, digits, "
    "'_', '.', ':', '-' or '/', at most 128 bytes.";

// One round of the classification queue, in three steps so that the worker holds no
// transaction while it waits for the provider:
//   Claim   (in a transaction)  recovers abandoned jobs, claims due ones;
//   Call    (no transaction)    sends the openai jobs, concurrently;
//   Finish  (in a transaction)  runs builtin jobs, records interactions, routes results
//                               (automatic decision or review case, both in the ledger),
//                               and schedules retries or dead-letters failures.
// comply.run_jobs() runs all three in its own transaction. Methods call PostgreSQL
// through PgCall and may throw.
class JobRound {
 public:
  JobRound();
  ~JobRound();
  JobRound(const JobRound&) = delete;
  JobRound& operator=(const JobRound&) = delete;

  // Claims up to max due jobs; returns how many. Those whose row is no longer in its
  // protected table are cancelled there and then (CancelJobsOfGoneRows), not sent.
  int Claim(int max);
  // Calls the provider for the claimed openai jobs; cancel is polled while waiting.
  void Call(const CancelCheck& cancel);
  // Records every claimed job's outcome; returns the number of jobs finished.
  int Finish();
  // Seconds until the next queued job is due (-1 when none is queued); in a transaction.
  static double NextDueSeconds();

 private:
  // Cancels the claimed jobs whose row is no longer in its protected table (see
  // CancelJobsOfGoneRows in protect.h); returns their ids.
  std::vector<int64_t> CancelJobsOfGoneRows(const std::string& reason);
  void DropJobsOfGoneRows();
  // Upserts comply.ai_provider_status with the breaker of this round's endpoint. Needs SPI.
  void RecordBreakerState();
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Writes the records handed to the job worker by failed synchronous calls (their own
// transaction rolled back) into comply.ai_interactions, in the current transaction;
// returns how many. Called by the job worker and by comply.run_jobs().
int WriteDeferredRecords();

}  // namespace comply::pg
