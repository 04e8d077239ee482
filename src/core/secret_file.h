// Secrets (HMAC key, signing key, API key) are read from files named by superuser-only
// settings; a file is refused unless its permissions are as strict as PostgreSQL
// demands of ssl_key_file.
#pragma once
#include "core/no_postgres.h"

#include <string>

namespace comply {

// Returns the whole content of the secret file at path, untrimmed, after checking that
// it is a regular file not readable by group or others (or owned by root and not
// readable by others). Errors (F0000) never show the content; they name the file as
// "the key file of <setting>" when setting is given (the settings are hidden from
// ordinary roles, who may meet these errors: the path is not theirs to see), else by
// its path.
std::string ReadSecretFile(const std::string& path, const std::string& setting = "");

}  // namespace comply
