#!/usr/bin/env bash
# Sets everything up (packages, build, install) and runs the demo on a throwaway
# cluster: detection and redaction on realistic records, validation, the ledger, and AI
# classification with the builtin model and human review, with the built-in recognizers
# only (no network, no keys beyond a throwaway HMAC key made here).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
sudo=()
if [ "$(id -u)" -ne 0 ]; then sudo=(sudo); fi

scripts/setup.sh
echo "demo: building and installing pg_comply"
make -j2 >/dev/null
"${sudo[@]}" make install >/dev/null

export COMPLY_CLUSTER_DIR="$repo/build/demo-cluster"
scripts/pgcluster.sh destroy
scripts/pgcluster.sh start
trap 'scripts/pgcluster.sh destroy' EXIT
eval "$(scripts/pgcluster.sh env)"
scripts/pgcluster.sh key demo_hmac.key

psql -X -q -d postgres -c 'CREATE DATABASE comply_demo'
psql -X -q -d comply_demo -f demo/demo.sql
echo
echo "demo: done (the throwaway cluster is removed)"
