#!/usr/bin/env bash
# Long local fuzzing run of one target, merging new coverage back into its
# seed corpus (minimised with -merge=1).
#   fuzz/run.sh TARGET SECONDS [BUILD_DIR]      e.g. fuzz/run.sh container_fuzzer 1800
# BUILD_DIR defaults to build-fuzz, configured with
#   CC=clang CXX=clang++ cmake -S . -B build-fuzz -DCVDGUARD_BUILD_FUZZERS=ON -DCVDGUARD_BUILD_TESTS=OFF
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
target=${1:?usage: run.sh TARGET SECONDS [BUILD_DIR]}
seconds=${2:?usage: run.sh TARGET SECONDS [BUILD_DIR]}
build=${3:-$root/build-fuzz}
bin="$build/fuzz/$target"
[ -x "$bin" ] || { echo "no $bin; build with -DCVDGUARD_BUILD_FUZZERS=ON first" >&2; exit 2; }
seeds="$root/corpus/$target"
mkdir -p "$seeds" "$root/fuzz-artifacts"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
dict=()
[ -f "$root/fuzz/$target.dict" ] && dict=(-dict="$root/fuzz/$target.dict")
cp -r "$seeds/." "$work/" 2>/dev/null || true
"$bin" "$work" "${dict[@]}" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
  -max_len=65536 -print_final_stats=1 -artifact_prefix="$root/fuzz-artifacts/$target-"
# Merge back only the inputs that add coverage (existing seeds are kept).
before=$(ls "$seeds" | wc -l)
"$bin" -merge=1 -max_len=65536 "$seeds" "$work" >/dev/null 2>&1
echo "corpus/$target: $before -> $(ls "$seeds" | wc -l) inputs"
