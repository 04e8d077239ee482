#!/usr/bin/env bash
# Installs the Debian packages pg_comply needs to build, test, fuzz and benchmark.
# Idempotent; uses sudo when not run as root. Used by the README, CI and docker/.
set -euo pipefail

PG_MAJOR=${PG_MAJOR:-15}
packages=(
  build-essential cmake pkg-config clang libclang-rt-dev
  "postgresql-${PG_MAJOR}" "postgresql-server-dev-${PG_MAJOR}" "postgresql-${PG_MAJOR}-pgtap"
  libtap-parser-sourcehandler-pgtap-perl
  libre2-dev libssl-dev libcurl4-openssl-dev libphonenumber-dev libprotobuf-dev libicu-dev
  libgtest-dev libbenchmark-dev
  python3 ca-certificates openssl locales
)

sudo=()
if [ "$(id -u)" -ne 0 ]; then sudo=(sudo); fi

# A German locale for the tests of translated server messages (sql/19_log_messages.sql),
# made before any test cluster starts.
german_locale() {
  locale -a 2>/dev/null | grep -qi '^de_DE\.utf-\?8$' && return 0
  command -v localedef >/dev/null || return 0
  echo "setup: making the de_DE.UTF-8 locale"
  "${sudo[@]}" localedef -i de_DE -f UTF-8 de_DE.UTF-8 ||
    echo "setup: could not make de_DE.UTF-8 (sql/19_log_messages.sql needs it)" >&2
}

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#packages[@]} packages already installed"
  german_locale
  exit 0
fi
echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -q
"${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
german_locale
