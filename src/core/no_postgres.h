// Included first by every core header. In the core library's own build
// (COMPLY_CORE_BUILD), PostgreSQL headers are poisoned on the include path
// (cmake/poison/) and this check catches any that were pulled in before a core header.
#pragma once
#if defined(COMPLY_CORE_BUILD) && (defined(PG_VERSION_NUM) || defined(POSTGRES_H))
#error "src/core must not include PostgreSQL headers (see DESIGN.md, Layers)"
#endif
