// Definitions of the comply.* settings.
#include "pg/guc.h"

extern "C" {
#include "utils/guc.h"
}

namespace comply::pg {

// Bounds of comply.max_input_bytes: below 1 kB nothing useful fits; 1 GB is the largest
// value PostgreSQL can store.
constexpr int kMinInputBytes = 1024;
constexpr int kMaxInputBytes = 1024 * 1024 * 1024 - 1;

// Bounds of comply.seal_interval (ms) and comply.seal_batch (entries).
constexpr int kMinSealIntervalMs = 10;
constexpr int kMaxSealIntervalMs = 3600 * 1000;
constexpr int kMinSealBatch = 1;
constexpr int kMaxSealBatch = 1000000;

int max_input_bytes = 64 * 1024 * 1024;
char* ledger_signing_key_file = nullptr;
int seal_interval = 1000;
int seal_batch = 10000;
bool ledger_worker = true;
char* hmac_key_file = nullptr;

void GucInit() {
  DefineCustomIntVariable(
      "comply.max_input_bytes", "Largest input, in bytes, that PII detection and redaction accept.",
      "Larger inputs are refused with program_limit_exceeded.", &max_input_bytes,
      max_input_bytes, kMinInputBytes, kMaxInputBytes, PGC_SUSET, GUC_UNIT_BYTE, nullptr, nullptr,
      nullptr);
  DefineCustomStringVariable(
      "comply.hmac_key_file", "File holding the secret key for deterministic pseudonyms.",
      "Must be readable only by the server's user (or root with mode 0640).", &hmac_key_file, "",
      PGC_SUSET, GUC_SUPERUSER_ONLY | GUC_NO_SHOW_ALL, nullptr, nullptr, nullptr);
  DefineCustomStringVariable(
      "comply.ledger_signing_key_file", "PEM file with the Ed25519 key that signs ledger blocks.",
      "Must be readable only by the server's user (or root with mode 0640).",
      &ledger_signing_key_file, "", PGC_SUSET, GUC_SUPERUSER_ONLY | GUC_NO_SHOW_ALL, nullptr,
      nullptr, nullptr);
  DefineCustomIntVariable("comply.seal_interval",
                          "Longest wait before committed audit entries are sealed.", nullptr,
                          &seal_interval, seal_interval, kMinSealIntervalMs, kMaxSealIntervalMs,
                          PGC_SIGHUP, GUC_UNIT_MS, nullptr, nullptr, nullptr);
  DefineCustomIntVariable("comply.seal_batch", "Most audit entries sealed into one block.", nullptr,
                          &seal_batch, seal_batch, kMinSealBatch, kMaxSealBatch, PGC_SUSET, 0,
                          nullptr, nullptr, nullptr);
  DefineCustomBoolVariable("comply.ledger_worker",
                           "Seal audit entries in background workers (needs shared_preload_libraries).",
                           nullptr, &ledger_worker, ledger_worker, PGC_SIGHUP, 0, nullptr, nullptr,
                           nullptr);
}

}  // namespace comply::pg
