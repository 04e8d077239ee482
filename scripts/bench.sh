#!/usr/bin/env bash
# Runs the benchmarks (not tests): the core detector under Google Benchmark, then the
# SQL-level redaction benchmark against a regexp_replace chain on a throwaway cluster.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
sudo=()
if [ "$(id -u)" -ne 0 ]; then sudo=(sudo); fi

cmake -S . -B build/bench -DCMAKE_BUILD_TYPE=Release -DCOMPLY_TESTS=OFF -DCOMPLY_BENCH=ON >/dev/null
cmake --build build/bench --target detector_bench
build/bench/detector_bench --benchmark_filter="${DETECTOR_BENCH_FILTER:-BM_Detect$|BM_DetectPerRecord|BM_DetectNoPii|BM_DetectRedactLabel}"

make -j2 >/dev/null
"${sudo[@]}" make install >/dev/null
bench/redact_bench.sh
bench/validate_bench.sh
bench/ledger_bench.sh
