#!/usr/bin/env bash
# Runs every libFuzzer target for FUZZ_SECONDS (default 30) on a copy of its
# seed corpus, two at a time. Exits non-zero on any crash, leak or timeout
# and prints the reproducer.
#   fuzz/run_all.sh BUILD_DIR
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:?usage: run_all.sh BUILD_DIR}
seconds=${FUZZ_SECONDS:-30}
jobs=${FUZZ_JOBS:-$(nproc)}
artifacts="$root/fuzz-artifacts"
mkdir -p "$artifacts"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

run_one() {
  local bin=$1 name
  name=$(basename "$bin")
  local corpus="$work/$name"
  mkdir -p "$corpus"
  [ -d "$root/corpus/$name" ] && cp -r "$root/corpus/$name/." "$corpus/"
  local dict=()
  [ -f "$root/fuzz/$name.dict" ] && dict=(-dict="$root/fuzz/$name.dict")
  local log="$work/$name.log"
  "$bin" "$corpus" "${dict[@]}" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -max_len=65536 -print_final_stats=1 -artifact_prefix="$artifacts/$name-" >"$log" 2>&1
  local rc=$?
  local stats
  stats=$(grep -E "^#[0-9]+.*DONE|stat::number_of_executed_units|stat::average_exec_per_sec|cov:" "$log" | tail -3 | tr '\n' ' ')
  if [ $rc -ne 0 ]; then
    echo "FAIL $name (exit $rc)"
    tail -60 "$log"
    for f in "$artifacts/$name-"*; do
      [ -f "$f" ] || continue
      echo "reproducer: $f (reproduce: $bin $f)"
      od -A d -t x1 "$f" | head -20
    done
    return 1
  fi
  echo "ok   $name: $stats"
}

export -f run_one
export root work artifacts seconds
status=0
mapfile -t bins < <(find "$build/fuzz" -maxdepth 1 -type f -name '*_fuzzer' -perm -u+x | sort)
if [ ${#bins[@]} -eq 0 ]; then
  echo "no fuzz targets found under $build/fuzz" >&2
  exit 1
fi
printf '%s\n' "${bins[@]}" | xargs -P "$jobs" -I{} bash -c 'run_one "$@"' _ {} || status=1
exit $status
