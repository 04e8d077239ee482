// Stands first on the core library's include path: the core must build without
// PostgreSQL (DESIGN.md, Layers), so including c.h from src/core fails here.
#error "src/core must not include PostgreSQL headers (c.h)"
