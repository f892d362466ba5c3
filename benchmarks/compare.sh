#!/usr/bin/env bash
# Times, in one session and alternating runs on the same generated file:
# cvdguard verify, sigtool --info, a clamscan -d load of the .cud twin, and
# plain gzip -dc / igzip -dc of the payload. Prints medians, ratios to
# cvdguard, and peak RSS (max resident set, /usr/bin/time -f %M).
#   benchmarks/compare.sh [--smoke] [--size MB] [--runs N] [BUILD_DIR]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
size=160
runs=5
smoke=0
build="$root/build"
while [ $# -gt 0 ]; do
  case $1 in
    --smoke) smoke=1; size=2; runs=1 ;;
    --size) size=$2; shift ;;
    --runs) runs=$2; shift ;;
    *) build=$1 ;;
  esac
  shift
done
case $build in /*) ;; *) build="$root/$build" ;; esac
cli="$build/cvdguard"
[ -x "$cli" ] || { echo "no $cli: build first" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

python3 "$root/benchmarks/gen_db.py" "$size" "$work/members" daily
"$cli" keygen --bits 1024 "$work/cvd" && "$cli" keygen --bits 2048 "$work/info"
members=("$work"/members/*)
"$cli" build --kind cvd --name daily --version 27000 --builder bench --gzip-level 6 \
  --cvd-key "$work/cvd.key" --info-key "$work/info.key" -o "$work/daily.cvd" "${members[@]}"
"$cli" build --kind cud --name daily --version 27000 --builder bench --gzip-level 6 \
  -o "$work/daily.cud" "${members[@]}"
tail -c +513 "$work/daily.cvd" > "$work/payload.gz"
: > "$work/empty"
keys=(--no-official-keys --key "cvd:$work/cvd.pub" --key "info:$work/info.pub")
echo "file: $(stat -c %s "$work/daily.cvd") bytes compressed, $(gzip -dc "$work/payload.gz" | wc -c) bytes of tar"

declare -A cmds
cmds[cvdguard]="\"$cli\" verify ${keys[*]} \"$work/daily.cvd\""
cmds[cvdguard_nolint]="\"$cli\" verify --no-lint ${keys[*]} \"$work/daily.cvd\""
cmds[gzip_dc]="gzip -dc \"$work/payload.gz\" >/dev/null"
command -v igzip >/dev/null && cmds[igzip_dc]="igzip -dc \"$work/payload.gz\" >/dev/null"
command -v sigtool >/dev/null && cmds[sigtool_info]="sigtool --info \"$work/daily.cvd\" >/dev/null 2>&1; true"
command -v clamscan >/dev/null && cmds[clamscan_load]="clamscan --no-summary -d \"$work/daily.cud\" \"$work/empty\" >/dev/null 2>&1; true"
if [ "$smoke" = 1 ]; then unset 'cmds[clamscan_load]'; fi

names=($(printf '%s\n' "${!cmds[@]}" | sort))
declare -A times rss
for ((i = 0; i < runs; i++)); do
  for n in "${names[@]}"; do
    out=$( { /usr/bin/time -f "%e %M" bash -c "${cmds[$n]}" ; } 2>&1 | tail -1)
    times[$n]="${times[$n]:-} ${out% *}"
    rss[$n]="${rss[$n]:-} ${out#* }"
  done
done
median() { printf '%s\n' $1 | sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
base=$(median "${times[cvdguard]}")
printf '%-16s %10s %12s %14s\n' tool median_s ratio_to_cvd peak_rss_MB
for n in "${names[@]}"; do
  m=$(median "${times[$n]}")
  r=$(median "${rss[$n]}")
  ratio=$(awk -v a="$m" -v b="$base" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }')
  printf '%-16s %10s %12s %14.1f\n' "$n" "$m" "$ratio" "$(awk -v k="$r" 'BEGIN{print k/1024}')"
done
# The verify must have said "valid" (a benchmark of a failing check proves nothing).
"$cli" verify -q "${keys[@]}" "$work/daily.cvd"
