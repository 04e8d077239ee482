#!/usr/bin/env bash
# Builds the core and the libFuzzer targets (test/fuzz/*_fuzz.cpp) with clang, ASan and
# UBSan, then runs each target for FUZZ_SECONDS (default 60). The corpus of target
# <name>_fuzz lives in build-fuzz/corpus/<name>, seeded from test/fuzz/corpus/<name>/,
# so coverage accumulates across runs. Exits non-zero if the build fails or any target
# crashes, leaks, times out or runs out of memory; reproducers go to
# build-fuzz/artifacts/<name>/ and each target's log to build-fuzz/logs/<name>.log.
#
# Environment: FUZZ_SECONDS (per target), FUZZ_TARGETS (space-separated names such as
# "json redact"; default all), BUILD_DIR (default build-fuzz).
set -euo pipefail

cd "$(dirname "$0")/.."
seconds="${FUZZ_SECONDS:-60}"
build_dir="${BUILD_DIR:-build-fuzz}"

# The command-line tools are not built: they are not fuzz targets, and the sanitizer
# flags of the library would need them linked with the sanitizers too.
CC=clang CXX=clang++ cmake -S . -B "$build_dir" -DCOMPLY_FUZZ=ON -DCOMPLY_TESTS=OFF -DCOMPLY_TOOLS=OFF
cmake --build "$build_dir" -j"$(nproc)"

shopt -s nullglob
binaries=("$build_dir"/*_fuzz)
if [[ ${#binaries[@]} -eq 0 ]]; then
  echo "fuzz.sh: no *_fuzz binaries in $build_dir" >&2
  exit 1
fi

failed=()
ran=0
for bin in "${binaries[@]}"; do
  name="$(basename "$bin" _fuzz)"
  if [[ -n "${FUZZ_TARGETS:-}" && " $FUZZ_TARGETS " != *" $name "* ]]; then
    continue
  fi
  corpus="$build_dir/corpus/$name"
  artifacts="$build_dir/artifacts/$name"
  log="$build_dir/logs/$name.log"
  mkdir -p "$corpus" "$artifacts" "$(dirname "$log")"
  if [[ -d "test/fuzz/corpus/$name" ]]; then
    cp -R "test/fuzz/corpus/$name/." "$corpus/"
  fi

  echo "== $name: fuzzing for ${seconds}s (log: $log)"
  status=0
  # -timeout catches hangs; the log is kept whole but only its end is printed, since
  # libFuzzer reports every new coverage unit.
  "$bin" -max_total_time="$seconds" -timeout=25 -rss_limit_mb=4096 \
    -artifact_prefix="$artifacts/" -print_final_stats=1 "$corpus" >"$log" 2>&1 ||
    status=$?
  ran=$((ran + 1))
  if [[ $status -ne 0 ]]; then
    echo "== $name: FAILED (exit $status); reproducer(s) in $artifacts/:" >&2
    ls -1 "$artifacts" >&2 || true
    tail -n 60 "$log" >&2
    failed+=("$name")
  else
    grep -E '^(Done|stat::number_of_executed_units|stat::new_units_added)' "$log" || true
  fi
done

if [[ $ran -eq 0 ]]; then
  echo "fuzz.sh: no target matched FUZZ_TARGETS='${FUZZ_TARGETS:-}'" >&2
  exit 1
fi
if [[ ${#failed[@]} -gt 0 ]]; then
  echo "fuzz.sh: crashes in: ${failed[*]}" >&2
  exit 1
fi
echo "fuzz.sh: $ran target(s) ran ${seconds}s each without a crash"
