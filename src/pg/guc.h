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

// Defines the settings; called once from _PG_init.
void GucInit();

}  // namespace comply::pg
