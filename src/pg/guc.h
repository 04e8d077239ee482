// Settings of pg_comply (comply.*), defined by GucInit.
#pragma once

#include <string>
#include <vector>

extern "C" {
#include "postgres.h"
}

namespace comply::pg {

// Largest input, in bytes, that detection and redaction accept.
extern int max_input_bytes;
// Path of the file holding the HMAC key for pseudonyms (superuser-only).
extern char* hmac_key_file;

// Path of the PEM file with the Ed25519 key that signs ledger blocks (superuser-only).
extern char* ledger_signing_key_file;
// Public keys (hex, comma or blank separated) of earlier signing keys still trusted.
extern char* ledger_trusted_keys;
// Whether DROP EXTENSION pg_comply may delete a ledger holding entries.
extern bool allow_ledger_drop;
// Raw 32-byte keys of a comply.ledger_trusted_keys value; false if one is malformed.
bool ParseTrustedKeys(const std::string& text, std::vector<std::string>* keys);
// Longest wait, in milliseconds, before committed audit entries are sealed.
extern int seal_interval;
// Most entries sealed into one block.
extern int seal_batch;
// Seconds a sealed block keeps its entries before comply.archive_ledger() may remove them.
extern int ledger_retention;
// Whether the background workers seal (when loaded through shared_preload_libraries).
extern bool ledger_worker;

// AI classification.
extern char* ai_provider;          // 'builtin' or 'openai': used when classify names no model
extern char* ai_model;             // default model (builtin model name or provider model)
extern char* ai_endpoint;          // OpenAI-compatible base URL (superuser sets it)
extern char* ai_api_key_file;      // file with the provider's API key (superuser-only)
extern int ai_timeout;             // ms per HTTP request
extern int ai_concurrency;         // HTTP requests in flight in the worker
extern int ai_max_attempts;        // attempts before a job is dead-lettered
extern int ai_retry_base;          // ms, first backoff step
extern int ai_retry_max;           // ms, longest backoff
extern int ai_breaker_threshold;   // consecutive failures that open the circuit
extern int ai_breaker_cooldown;    // ms the circuit stays open at first
extern bool ai_worker;             // whether the background worker works the job queue

// Review queue.
extern double review_threshold;    // confidence below which a person decides
extern int review_claim_timeout;   // seconds a claim lasts
extern bool review_four_eyes;       // a case is decided by someone other than who opened it
extern int review_sla;             // seconds a case may wait before it is escalated

// Alerts.
extern char* alert_webhook_url;    // where the worker posts alerts ({"text": ...})
extern int ai_retention;           // seconds: the job worker purges older AI history (0: never)
extern int drift_interval;         // seconds between the worker's baseline comparisons

// Defines the settings; called once from _PG_init.
void GucInit();

}  // namespace comply::pg
