#!/usr/bin/env bash
# Throwaway PostgreSQL cluster for tests, the demo and benchmarks.
#   scripts/pgcluster.sh start     init (if needed) and start on a free port
#   scripts/pgcluster.sh env       print export lines: eval "$(scripts/pgcluster.sh env)"
#   scripts/pgcluster.sh stop      stop it (no error if not running)
#   scripts/pgcluster.sh destroy   stop and remove it
#   scripts/pgcluster.sh log       path of the server log
#   scripts/pgcluster.sh key NAME [SECRET]
#                                  write a key file NAME in the data directory, readable
#                                  by the server's user only (random SECRET by default)
# The cluster lives in $COMPLY_CLUSTER_DIR (default build/cluster). PostgreSQL refuses
# to run as root, so when called as root the server runs as $COMPLY_PG_USER (postgres).
# Extra server settings can be given in $COMPLY_PG_CONF (a file appended to the config),
# extra initdb options in $COMPLY_INITDB_OPTS (such as --data-checksums).
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
dir=${COMPLY_CLUSTER_DIR:-$repo/build/cluster}
bindir=${PG_BINDIR:-$(pg_config --bindir)}
data="$dir/data"
sock="$dir/sock"
log="$dir/server.log"

as_pg=()
if [ "$(id -u)" -eq 0 ]; then as_pg=(runuser -u "${COMPLY_PG_USER:-postgres}" --); fi

# Picks a free TCP port on 127.0.0.1.
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

running() { [ -f "$data/postmaster.pid" ] && "${as_pg[@]}" "$bindir/pg_ctl" -D "$data" status >/dev/null 2>&1; }

cmd_start() {
  mkdir -p "$dir"
  if [ "$(id -u)" -eq 0 ]; then
    chown "${COMPLY_PG_USER:-postgres}" "$dir"
    # The server user must be able to reach the directory.
    p="$dir"; while [ "$p" != / ]; do p=$(dirname "$p"); chmod o+x "$p" 2>/dev/null || true; done
  fi
  if [ ! -f "$data/PG_VERSION" ]; then
    # shellcheck disable=SC2086  # COMPLY_INITDB_OPTS is a list of options
    "${as_pg[@]}" "$bindir/initdb" -D "$data" -U postgres --auth=trust -E UTF8 \
      --locale=C.UTF-8 ${COMPLY_INITDB_OPTS:-} >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log"; exit 1; }
    "${as_pg[@]}" mkdir -p "$sock"
    port=$(free_port)
    "${as_pg[@]}" tee -a "$data/postgresql.conf" >/dev/null <<CONF
# pg_comply throwaway cluster
port = $port
listen_addresses = '127.0.0.1'
unix_socket_directories = '$sock'
shared_preload_libraries = 'pg_comply'
max_connections = 40
fsync = off
synchronous_commit = off
full_page_writes = off
log_line_prefix = '%m [%p] %q%a '
log_min_messages = warning
CONF
    if [ -n "${COMPLY_PG_CONF:-}" ]; then
      "${as_pg[@]}" tee -a "$data/postgresql.conf" >/dev/null <"$COMPLY_PG_CONF"
    fi
  fi
  if running; then return 0; fi
  "${as_pg[@]}" "$bindir/pg_ctl" -D "$data" -l "$log" -w -t 60 start >/dev/null ||
    { tail -n 30 "$log"; exit 1; }
}

cmd_env() {
  port=$(sed -n 's/^port = \([0-9]*\)$/\1/p' "$data/postgresql.conf" | tail -n 1)
  echo "export PGHOST='$sock' PGPORT='$port' PGUSER=postgres PGDATABASE=postgres"
}

cmd_stop() {
  if running; then "${as_pg[@]}" "$bindir/pg_ctl" -D "$data" -m fast -w stop >/dev/null; fi
}

cmd_key() {
  local name=${1:?usage: pgcluster.sh key NAME [SECRET]} secret=${2:-}
  local key="$data/$name"
  [ -n "$secret" ] || secret=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
  (umask 077 && printf '%s\n' "$secret" >"$key")
  [ "$(id -u)" -ne 0 ] || chown "${COMPLY_PG_USER:-postgres}" "$key"
}

case "${1:-}" in
  start) cmd_start ;;
  env) cmd_env ;;
  stop) cmd_stop ;;
  destroy) cmd_stop; rm -rf "$dir" ;;
  log) echo "$log" ;;
  key) shift; cmd_key "$@" ;;
  *) echo "usage: $0 start|env|stop|destroy|log|key" >&2; exit 2 ;;
esac
