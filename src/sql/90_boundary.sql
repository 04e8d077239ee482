-- Self-tests of the C++/PostgreSQL boundary (for the regression suite; not for PUBLIC).

CREATE FUNCTION comply._boundary_raise(kind text) RETURNS text
  AS 'MODULE_PATHNAME', 'comply_boundary_raise'
  LANGUAGE C VOLATILE STRICT;
COMMENT ON FUNCTION comply._boundary_raise(text) IS
  'Self-test: raises an error of the given kind across the C++/PostgreSQL boundary';

CREATE FUNCTION comply._boundary_destroyed() RETURNS bigint
  AS 'MODULE_PATHNAME', 'comply_boundary_destroyed'
  LANGUAGE C VOLATILE STRICT;
COMMENT ON FUNCTION comply._boundary_destroyed() IS
  'Self-test: how many C++ test objects this session has destroyed';

REVOKE ALL ON FUNCTION comply._boundary_raise(text), comply._boundary_destroyed() FROM PUBLIC;
