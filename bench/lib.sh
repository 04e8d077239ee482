# Sourced by the SQL benchmarks: starts a throwaway cluster for benchmark NAME and a
# fresh database in it, with or without the extension (COMPLY_BENCH_SQL_ONLY=1), and
# destroys the cluster on exit unless COMPLY_BENCH_KEEP=1.
# After bench_cluster_up NAME: PG* variables point at the database, the array psql
# runs psql, and comply_flag is 1 when pg_comply is loaded.

# Starts the cluster and database of benchmark NAME and prints the machine's header.
bench_cluster_up() {
  local name=$1 title=$2
  local repo
  repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
  bench_name=$name
  bench_cluster="$repo/scripts/pgcluster.sh"
  export COMPLY_CLUSTER_DIR="$repo/build/bench-cluster-$name"
  comply_flag=1
  if [ "${COMPLY_BENCH_SQL_ONLY:-0}" = 1 ]; then
    # pgcluster.sh preloads pg_comply; without the extension, override that.
    comply_flag=0
    export COMPLY_CLUSTER_DIR="$COMPLY_CLUSTER_DIR-sqlonly"
    mkdir -p "$COMPLY_CLUSTER_DIR"
    bench_conf=$(mktemp)
    echo "shared_preload_libraries = ''" >"$bench_conf"
    chmod 644 "$bench_conf"
    export COMPLY_PG_CONF="$bench_conf"
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
