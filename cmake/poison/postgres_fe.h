// Stands first on the core library's include path: the core must build without
// PostgreSQL (DESIGN.md, Layers), so including postgres_fe.h from src/core fails here.
#error "src/core must not include PostgreSQL headers (postgres_fe.h)"
