// Settings of pg_comply (comply.*), defined by GucInit.
#pragma once

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
// Longest wait, in milliseconds, before committed audit entries are sealed.
extern int seal_interval;
// Most entries sealed into one block.
extern int seal_batch;
// Whether the background workers seal (when loaded through shared_preload_libraries).
extern bool ledger_worker;

// Defines the settings; called once from _PG_init.
void GucInit();

}  // namespace comply::pg
