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

int max_input_bytes = 64 * 1024 * 1024;
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
}

}  // namespace comply::pg
