// Server posture helpers: the state of the secret files named by comply.* settings,
// for comply.check_server(). (The checks themselves are SQL: src/sql/80_posture.sql.)
#include <string>

#include "core/error.h"
#include "core/secret_file.h"
#include "pg/guard.h"

extern "C" {
#include "postgres.h"

#include "fmgr.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"

PG_FUNCTION_INFO_V1(comply_secret_file_problem);
}

using namespace comply;
using namespace comply::pg;

// comply._secret_file_problem(path text) RETURNS text: NULL when the file is a usable
// secret (exists, regular, permissions as strict as ssl_key_file's), else why not. The
// content is read and dropped; it is never returned.
extern "C" Datum comply_secret_file_problem(PG_FUNCTION_ARGS) {
  if (!superuser())
    ereport(ERROR, (errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
                    errmsg("only superusers may inspect secret files")));
  char* path = text_to_cstring(PG_GETARG_TEXT_PP(0));
  char problem[512] = "";
  Guarded([&] {
    try {
      std::string secret = ReadSecretFile(path);
      std::fill(secret.begin(), secret.end(), '\0');
      if (secret.empty()) snprintf(problem, sizeof(problem), "the file is empty");
    } catch (const Error& e) {
      snprintf(problem, sizeof(problem), "%s", e.what());
    }
  });
  if (problem[0] == '\0') PG_RETURN_NULL();
  PG_RETURN_TEXT_P(cstring_to_text(problem));
}
