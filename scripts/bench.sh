#!/usr/bin/env bash
# Runs the benchmarks (not tests): the core detector, the builtin classifier and the
# JSON Schema validator under Google Benchmark, then the SQL-level benchmarks on
# throwaway clusters.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
sudo=()
if [ "$(id -u)" -ne 0 ]; then sudo=(sudo); fi

cmake -S . -B build/bench -DCMAKE_BUILD_TYPE=Release -DCOMPLY_TESTS=OFF -DCOMPLY_BENCH=ON >/dev/null
cmake --build build/bench --target detector_bench
build/bench/detector_bench --benchmark_filter="${DETECTOR_BENCH_FILTER:-BM_Detect$|BM_DetectPerRecord|BM_DetectNoPii|BM_DetectRedactLabel}"
cmake --build build/bench --target classifier_bench
build/bench/classifier_bench --benchmark_filter="${CLASSIFIER_BENCH_FILTER:-Featurize|Predict$|TrainShipped|Train100k/|Deserialize}"
cmake --build build/bench --target schema_bench
build/bench/schema_bench ${SCHEMA_BENCH_FILTER:+--benchmark_filter="$SCHEMA_BENCH_FILTER"}

make -j2 >/dev/null
"${sudo[@]}" make install >/dev/null
bench/redact_bench.sh
bench/validate_bench.sh
bench/ledger_bench.sh
bench/protect_bench.sh
bench/read_audit_bench.sh
bench/ai_bench.sh
