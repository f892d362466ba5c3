#!/usr/bin/env bash
# Times, in one session and alternating runs on the same generated file:
# cvdguard verify (default backend, which is ISA-L when built with it; the
# zlib backend via --inflate zlib; and without the lint), sigtool --info, a
# clamscan -d load of the .cud twin, and plain gzip -dc / igzip -dc of the
# payload. Prints medians, ratios to cvdguard, peak RSS (max resident set,
# ru_maxrss) and the targets of docs/performance.md. benchmarks/timeit.py
# times each run to well under a millisecond (no shell, no 10 ms steps).
#   benchmarks/compare.sh [--smoke] [--size MB] [--runs N] [--no-clamscan]
#                         [--batch] [BUILD_DIR]
# --batch adds the batch-mode figures: 200 small files and 8 large ones,
# --jobs 1 against --jobs 2.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
size=160
runs=5
smoke=0
clamscan=1
batch=0
build="$root/build"
while [ $# -gt 0 ]; do
  case $1 in
    --smoke) smoke=1; size=2; runs=1 ;;
    --size) size=$2; shift ;;
    --runs) runs=$2; shift ;;
    --no-clamscan) clamscan=0 ;;
    --batch) batch=1 ;;
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

# Commands as word lists (timeit.py starts them without a shell, output to
# /dev/null); a name ending in "!" must exit 0.
q() { printf '%q ' "$@"; }
declare -A cmds
cmds[cvdguard!]=$(q "$cli" verify "${keys[@]}" "$work/daily.cvd")
cmds[cvdguard_nolint!]=$(q "$cli" verify --no-lint "${keys[@]}" "$work/daily.cvd")
cmds[cvdguard_zlib!]=$(q "$cli" verify --inflate zlib "${keys[@]}" "$work/daily.cvd")
cmds[cvdguard_zlib_nolint!]=$(q "$cli" verify --inflate zlib --no-lint "${keys[@]}" "$work/daily.cvd")
cmds[gzip_dc!]=$(q gzip -dc "$work/payload.gz")
command -v igzip >/dev/null && cmds[igzip_dc!]=$(q igzip -dc "$work/payload.gz")
command -v sigtool >/dev/null && cmds[sigtool_info]=$(q sigtool --info "$work/daily.cvd")
command -v clamscan >/dev/null && cmds[clamscan_load]=$(q clamscan --no-summary -d "$work/daily.cud" "$work/empty")
if [ "$smoke" = 1 ] || [ "$clamscan" = 0 ]; then unset 'cmds[clamscan_load]'; fi

specs=()
for n in $(printf '%s\n' "${!cmds[@]}" | sort); do specs+=("$n=${cmds[$n]}"); done
names=($(printf '%s\n' "${!cmds[@]}" | tr -d '!' | sort))
python3 "$root/benchmarks/timeit.py" "$runs" "${specs[@]}" > "$work/times"
declare -A times rss
while read -r n t k; do
  times[$n]="${times[$n]:-} $t"
  rss[$n]="${rss[$n]:-} $k"
done < "$work/times"
median() { printf '%s\n' $1 | sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
base=$(median "${times[cvdguard]}")
printf '%-22s %10s %12s %14s\n' tool median_s ratio_to_cvd peak_rss_MB
for n in "${names[@]}"; do
  m=$(median "${times[$n]}")
  r=$(median "${rss[$n]}")
  ratio=$(awk -v a="$m" -v b="$base" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }')
  printf '%-22s %10.3f %12s %14.1f\n' "$n" "$m" "$ratio" "$(awk -v k="$r" 'BEGIN{print k/1024}')"
done
ratio() { awk -v a="$(median "${times[$1]}")" -v b="$(median "${times[$2]}")" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
echo "targets (docs/performance.md):"
[ -n "${times[igzip_dc]:-}" ] && echo "  cvdguard / igzip -dc          = $(ratio cvdguard igzip_dc)   (<= 1.5)"
[ -n "${times[sigtool_info]:-}" ] && echo "  cvdguard / sigtool --info     = $(ratio cvdguard sigtool_info)   (<= 3)"
echo "  cvdguard zlib / gzip -dc      = $(ratio cvdguard_zlib gzip_dc)   (<= 1.2; gzip -dc is zlib's inflate)"
echo "  lint share: cvdguard / no-lint = $(ratio cvdguard cvdguard_nolint)   (<= 1.25)"
[ -n "${times[clamscan_load]:-}" ] && echo "  clamscan -d / cvdguard        = $(ratio clamscan_load cvdguard)   (>= 8)"
echo "  peak RSS of cvdguard          = $(awk -v k="$(median "${rss[cvdguard]}")" 'BEGIN{printf "%.1f", k/1024}') MB   (<= 32)"

if [ "$batch" = 1 ]; then
  # 200 small files (a 0.5 MB database) and 8 large ones (copies of the main
  # file): throughput of --jobs 2 against --jobs 1, median of the runs.
  python3 "$root/benchmarks/gen_db.py" 0.5 "$work/small-members" small
  "$cli" build --kind cvd --name small --version 1 --builder bench --gzip-level 6 \
    --cvd-key "$work/cvd.key" --info-key "$work/info.key" -o "$work/small.cvd" "$work"/small-members/*
  mkdir -p "$work/b-small" "$work/b-large"
  for i in $(seq 1 200); do cp "$work/small.cvd" "$work/b-small/small$i-1.cvd"; done
  for i in $(seq 1 8); do cp "$work/daily.cvd" "$work/b-large/daily$i-27000.cvd"; done
  for set in small large; do
    declare -A bt=()
    for ((i = 0; i < runs; i++)); do
      for j in 1 2; do
        t=$(python3 "$root/benchmarks/timeit.py" 1 "jobs$j!=$(q "$cli" verify -q --jobs "$j" "${keys[@]}" \
              --at 2026-11-24T00:00:00Z "$work/b-$set")" | awk '{print $2}')
        bt[$j]="${bt[$j]:-} $t"
      done
    done
    m1=$(median "${bt[1]}"); m2=$(median "${bt[2]}")
    echo "batch $set: --jobs 1 ${m1} s, --jobs 2 ${m2} s, speed-up $(awk -v a="$m1" -v b="$m2" 'BEGIN{printf "%.2f", a/b}')   (>= 1.7)"
  done
fi
# The verify must have said "valid" (a benchmark of a failing check proves nothing).
"$cli" verify -q "${keys[@]}" "$work/daily.cvd"
