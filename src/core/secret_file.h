// Secrets (HMAC key, signing key, API key) are read from files named by superuser-only
// settings; a file is refused unless its permissions are as strict as PostgreSQL
// demands of ssl_key_file.
#pragma once
#include "core/no_postgres.h"

#include <string>

namespace comply {

// Returns the whole content of the secret file at path, untrimmed, after checking that
// it is a regular file not readable by group or others (or owned by root and not
// readable by others). Errors (F0000) name the path and never the content.
std::string ReadSecretFile(const std::string& path);

}  // namespace comply
