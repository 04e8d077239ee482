# pg_comply: PGXS build of the extension, plus the umbrella targets.
#   make / make install      build and install the extension (core library via CMake)
#   make unit                build and run the GoogleTest suite
#   make installcheck        pg_regress suites against a running server ($PGHOST/$PGPORT)
#   make test                everything, on a throwaway cluster (scripts/test.sh)
#   make demo                the demo workflow on a throwaway cluster
#   make fuzz                libFuzzer targets with ASan/UBSan, a minute each
#   make bench               benchmarks (not tests)

# The control file lives in control/, so EXTENSION is not set; MODULEDIR does its job.
# The version is defined once, in the control file.
EXTVERSION := $(shell sed -n "s/^default_version *= *'\(.*\)'/\1/p" control/pg_comply.control)

MODULE_big = pg_comply
OBJS = $(patsubst %.cpp,%.o,$(sort $(wildcard src/pg/*.cpp)))
MODULEDIR = extension
DATA = control/pg_comply.control $(wildcard control/pg_comply--*--*.sql)
DATA_built = build/pg_comply--$(EXTVERSION).sql
EXTRA_CLEAN = build/pg_comply--$(EXTVERSION).sql

# Regression suites are found by wildcard; they run in a UTF8 database.
REGRESS = $(patsubst sql/%.sql,%,$(sort $(wildcard sql/*.sql)))
REGRESS_OPTS = --encoding=UTF8 --no-locale
# Isolation suites (specs/*.spec): concurrent sessions, run by installcheck too.
ISOLATION = $(patsubst specs/%.spec,%,$(sort $(wildcard specs/*.spec)))
ISOLATION_OPTS = --encoding=UTF8 --no-locale

CORE_BUILD = build/core
CORE_LIB = $(CORE_BUILD)/libcomply_core.a

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
PG_INCLUDE_SERVER := $(shell $(PG_CONFIG) --includedir-server)

# Server headers are system headers: their warnings are not ours.
PG_CPPFLAGS = -isystem $(PG_INCLUDE_SERVER) -Isrc
PG_CXXFLAGS = -std=c++17 -fexceptions -Wall -Wno-unused-parameter -Wno-register
SHLIB_LINK = $(CORE_LIB) $(shell pkg-config --libs re2 icu-uc) -lphonenumber -lprotobuf -lcrypto -lstdc++

include $(PGXS)

# The JIT bitcode of the glue is compiled with the same language level.
BITCODE_CXXFLAGS += -std=c++17 -fexceptions

# Install script: the SQL parts of src/sql/, in name order.
build/pg_comply--$(EXTVERSION).sql: $(sort $(wildcard src/sql/*.sql)) control/pg_comply.control
	@mkdir -p build
	cat $(sort $(wildcard src/sql/*.sql)) > $@

# The core library is built by CMake; asking it every time keeps it incremental.
# Glue objects depend on every header they may include (PGXS tracks none for C++).
$(OBJS): $(wildcard src/pg/*.h src/core/*.h src/core/*/*.h) | $(CORE_LIB)
$(CORE_LIB): FORCE
	@cmake -S . -B $(CORE_BUILD) -DCMAKE_BUILD_TYPE=Release -DCOMPLY_TESTS=OFF >/dev/null
	@cmake --build $(CORE_BUILD) --target comply_core
$(shlib): $(CORE_LIB)
FORCE:

# Data files read at run time live in share/extension/pg_comply/.
install: install-comply-data
install-comply-data: $(CORE_BUILD)/pg_comply_verify
	$(MKDIR_P) '$(DESTDIR)$(datadir)/$(datamoduledir)/pg_comply'
	$(INSTALL_DATA) data/first_names.txt '$(DESTDIR)$(datadir)/$(datamoduledir)/pg_comply/'
	$(MKDIR_P) '$(DESTDIR)$(bindir)'
	$(INSTALL_PROGRAM) $(CORE_BUILD)/pg_comply_verify '$(DESTDIR)$(bindir)/'

# The offline ledger verifier, built from the core by CMake (which knows when its own
# source, tools/pg_comply_verify.cpp, changed: asked every time).
$(CORE_BUILD)/pg_comply_verify: $(CORE_LIB) FORCE
	@cmake --build $(CORE_BUILD) --target pg_comply_verify
uninstall: uninstall-comply-data
uninstall-comply-data:
	rm -rf '$(DESTDIR)$(datadir)/$(datamoduledir)/pg_comply'
	rm -f '$(DESTDIR)$(bindir)/pg_comply_verify'

.PHONY: unit test demo fuzz bench FORCE install-comply-data uninstall-comply-data
unit:
	cmake -S . -B build/unit -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCOMPLY_TESTS=ON >/dev/null
	cmake --build build/unit -j2
	cd build/unit && ctest --output-on-failure
	@echo "JSON Schema Test Suite conformance:"
	@build/unit/unit_tests --gtest_filter=SchemaSuite.Conformance | grep -E 'passed \('

test:
	scripts/test.sh

demo:
	scripts/demo.sh

fuzz:
	scripts/fuzz.sh

bench:
	scripts/bench.sh
