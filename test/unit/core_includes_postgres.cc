// Must NOT compile (ctest core_refuses_postgres_h expects failure): a core source
// that includes a PostgreSQL header is refused by the poisoned include path.
#include "core/error.h"
#include "postgres.h"
