# Sourced by the SQL benchmarks: starts a throwaway cluster for benchmark NAME and a
# fresh database in it, with or without the extension (COMPLY_BENCH_SQL_ONLY=1), and
# destroys the cluster on exit unless COMPLY_BENCH_KEEP=1.
# After bench_cluster_up NAME: PG* variables point at the database, the array psql
# runs psql, and comply_flag is 1 when pg_comply is loaded.
#
# The cluster is a throwaway one (scripts/pgcluster.sh): fsync, synchronous_commit and
# full_page_writes off, so that the numbers are the CPU's. BENCH_DURABLE=1 runs it with
# PostgreSQL's defaults for them (on), as a production server runs: each commit then
# waits for its WAL to reach the disk, and the first change of a page after a checkpoint
# writes the whole page to the WAL.

# Starts the cluster and database of benchmark NAME and prints the machine's header.
bench_cluster_up() {
  local name=$1 title=$2
  local repo
  repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
  bench_name=$name
  bench_cluster="$repo/scripts/pgcluster.sh"
  export COMPLY_CLUSTER_DIR="$repo/build/bench-cluster-$name"
  comply_flag=1
  bench_conf=$(mktemp)
  chmod 644 "$bench_conf"
  [ -n "${COMPLY_PG_CONF:-}" ] && cat "$COMPLY_PG_CONF" >>"$bench_conf"
  if [ "${BENCH_DURABLE:-0}" = 1 ]; then
    export COMPLY_CLUSTER_DIR="$COMPLY_CLUSTER_DIR-durable"
    printf '%s\n' "fsync = on" "synchronous_commit = on" "full_page_writes = on" >>"$bench_conf"
  fi
  export COMPLY_PG_CONF="$bench_conf"
  if [ "${COMPLY_BENCH_SQL_ONLY:-0}" = 1 ]; then
    # pgcluster.sh preloads pg_comply; without the extension, override that.
    comply_flag=0
    export COMPLY_CLUSTER_DIR="$COMPLY_CLUSTER_DIR-sqlonly"
    mkdir -p "$COMPLY_CLUSTER_DIR"
    echo "shared_preload_libraries = ''" >>"$bench_conf"
  else
    local sharedir
    sharedir=$(pg_config --sharedir)
    if [ ! -f "$sharedir/extension/pg_comply.control" ]; then
      echo "${name}_bench: pg_comply is not installed in $sharedir/extension;" \
        "run 'make install' first (or COMPLY_BENCH_SQL_ONLY=1)" >&2
      exit 1
    fi
  fi
  trap bench_cluster_down EXIT

  # A cluster left running by an earlier run (COMPLY_BENCH_KEEP=1) has its workers
  # connected to the old database: start from a new one.
  if [ -f "$COMPLY_CLUSTER_DIR/data/PG_VERSION" ]; then
    echo "${name}_bench: destroying the cluster an earlier run left in $COMPLY_CLUSTER_DIR" >&2
    "$bench_cluster" destroy
  fi
  "$bench_cluster" start
  eval "$("$bench_cluster" env)"
  export PGOPTIONS="${PGOPTIONS:-} -c client_min_messages=warning"
  psql=(psql -X -q -v ON_ERROR_STOP=1)
  "${psql[@]}" -d postgres -c "DROP DATABASE IF EXISTS comply_bench WITH (FORCE)" -c "CREATE DATABASE comply_bench"
  export PGDATABASE=comply_bench
  if [ "$comply_flag" = 1 ]; then "${psql[@]}" -c "CREATE EXTENSION pg_comply"; fi

  echo "== pg_comply $title benchmark"
  echo "server:  $("${psql[@]}" -Atc 'SHOW server_version')"
  echo "cpu:     $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1) ($(nproc) cores; queries run on one)"
  echo "durable: fsync $("${psql[@]}" -Atc 'SHOW fsync'), synchronous_commit $("${psql[@]}" -Atc 'SHOW synchronous_commit'), full_page_writes $("${psql[@]}" -Atc 'SHOW full_page_writes') (BENCH_DURABLE=${BENCH_DURABLE:-0})"
}

# Destroys the benchmark's cluster (or says where it was left running).
bench_cluster_down() {
  if [ "${COMPLY_BENCH_KEEP:-0}" = 1 ]; then
    echo "${bench_name}_bench: cluster left running in $COMPLY_CLUSTER_DIR" >&2
  else
    "$bench_cluster" destroy || true
  fi
  [ -n "${bench_conf:-}" ] && rm -f "$bench_conf"
  return 0
}

# The callgrind counts (bench/*_instructions.sh): instructions of statements run in a
# single-user backend, which do not depend on the machine's load.
# After ir_cluster_up NAME: valgrind and the installed extension are checked, the
# throwaway cluster build/bench-cluster-NAME-ir (or $COMPLY_BENCH_IR_DIR) runs (PG* variables
# point at it), ir_out is a scratch directory, and both are removed on exit unless
# COMPLY_BENCH_KEEP=1.
ir_cluster_up() {
  local name=$1 repo
  repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
  ir_name=$name
  command -v valgrind > /dev/null || { echo "${name}_instructions: valgrind is needed" >&2; exit 1; }
  if [ ! -f "$(pg_config --sharedir)/extension/pg_comply.control" ]; then
    echo "${name}_instructions: pg_comply is not installed; run 'make install' first" >&2
    exit 1
  fi
  export COMPLY_CLUSTER_DIR="${COMPLY_BENCH_IR_DIR:-$repo/build/bench-cluster-$name-ir}"
  ir_cluster="$repo/scripts/pgcluster.sh"
  ir_out=$(mktemp -d)
  chmod 777 "$ir_out"
  trap ir_cluster_down EXIT
  "$ir_cluster" destroy > /dev/null 2>&1 || true
  "$ir_cluster" start > /dev/null
  eval "$("$ir_cluster" env)"
  ir_as_pg=()
  if [ "$(id -u)" -eq 0 ]; then ir_as_pg=(runuser -u "${COMPLY_PG_USER:-postgres}" --); fi
}

ir_cluster_down() {
  if [ "${COMPLY_BENCH_KEEP:-0}" = 1 ]; then
    echo "${ir_name}_instructions: kept $ir_out and $COMPLY_CLUSTER_DIR" >&2
  else
    "$ir_cluster" destroy > /dev/null 2>&1 || true
    rm -rf "$ir_out"
  fi
}

# ir_count NAME SQL_FILE DATA_DIR [postgres option...]: runs the statements of SQL_FILE in
# a single-user backend of DATA_DIR's database comply_bench under callgrind (its files
# $ir_out/NAME.cg and NAME.log) and prints its instructions; fails (a count of a run
# that did not do its work would mislead) when the backend or valgrind fails, or the
# log has an ERROR, FATAL or PANIC. IR_CALLGRIND_OPTS: more callgrind options (e.g.
# --cache-sim=yes: the summary then has the cache model's counts after the instructions).
ir_count() {
  local name=$1 sql=$2 data=$3 rc=0
  shift 3
  chmod 644 "$sql"
  # shellcheck disable=SC2086 # options, split on spaces
  "${ir_as_pg[@]}" valgrind --tool=callgrind ${IR_CALLGRIND_OPTS:-} --callgrind-out-file="$ir_out/$name.cg" \
    "$(pg_config --bindir)/postgres" --single -D "$data" "$@" comply_bench \
    < "$sql" > "$ir_out/$name.log" 2>&1 || rc=$?
  if [ "$rc" -ne 0 ] || grep -Eq "(ERROR|FATAL|PANIC):" "$ir_out/$name.log" || [ ! -s "$ir_out/$name.cg" ]; then
    echo "${ir_name}_instructions: run $name failed (exit $rc):" >&2
    grep -E "ERROR|FATAL|PANIC|valgrind:" "$ir_out/$name.log" | head -n 5 >&2
    exit 1
  fi
  sed -n 's/^summary: //p' "$ir_out/$name.cg"
}
