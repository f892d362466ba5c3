#!/usr/bin/env bash
# Builds the .deb with cpack, shows its control file, checks that it depends
# on a package for every library its binaries need, unpacks it (dpkg-deb -x,
# no root, nothing installed on this machine) and runs the packaged CLI and a
# C program against the packaged library on real files.
# Usage: check_deb.sh BUILD_DIR REALDATA_DIR CPACK CC
set -euo pipefail
build=$1 realdata=$2 cpack=$3 cc=$4
work=$(mktemp -d "${TMPDIR:-/tmp}/cvdguard-deb.XXXXXX")
trap 'rm -rf "$work"' EXIT
fail() { echo "package.deb: FAIL: $*" >&2; exit 1; }

"$cpack" --config "$build/CPackConfig.cmake" -G DEB -B "$work/out" >"$work/cpack.log" ||
  { cat "$work/cpack.log"; fail "cpack"; }
deb=$(find "$work/out" -maxdepth 1 -name 'cvdguard_*.deb')
[[ -n $deb ]] || fail "no .deb produced"
dpkg-deb -I "$deb"
control=$(dpkg-deb -f "$deb")
depends=$(dpkg-deb -f "$deb" Depends)
# Every NEEDED library of the packaged binaries maps to a declared dependency.
declare -A pkg_of=([libcrypto.so.3]=libssl3 [libz.so.1]=zlib1g [libarchive.so.13]=libarchive13
  [libstdc++.so.6]=libstdc++6 [libgcc_s.so.1]=libgcc-s1 [libc.so.6]=libc6 [libm.so.6]=libc6
  [ld-linux-x86-64.so.2]=libc6 [libclamav.so.12]=libclamav12 [libisal.so.2]=libisal2)
dpkg-deb -x "$deb" "$work/root"
for bin in "$work/root/usr/bin/cvdguard" "$work/root"/usr/lib/*/libcvdguard.so.*.*.* \
           "$work/root"/usr/lib/libcvdguard.so.*.*.*; do
  [[ -f $bin ]] || continue
  while read -r lib; do
    p=${pkg_of[$lib]:-}
    [[ -n $p ]] || fail "$bin needs $lib, which maps to no known package"
    [[ $depends == *"$p"* ]] || fail "$bin needs $lib but Depends lacks $p"
  done < <(readelf -d "$bin" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
done
grep -q '^Package: cvdguard$' <<<"$control" || fail "package name"

libdir=$(dirname "$(find "$work/root/usr/lib" -name 'libcvdguard.so.*.*.*' | head -1)")
export LD_LIBRARY_PATH=$libdir
"$work/root/usr/bin/cvdguard" --version
"$work/root/usr/bin/cvdguard" verify "$realdata/test-1.cvd" "$realdata/bytecode-19.cvd" ||
  fail "packaged CLI rejected a real file"
cat >"$work/t.c" <<'C'
#include <stdio.h>
#include <cvdguard/cvdguard.h>
int main(int argc, char **argv) {
  cvdguard_report *r = NULL;
  int valid;
  if (argc != 2 || cvdguard_verify_path(argv[1], NULL, &r) != CVDGUARD_OK) return 3;
  valid = cvdguard_report_valid(r);
  printf("%s: %s (libcvdguard %s)\n", argv[1], cvdguard_report_verdict_name(r), cvdguard_version());
  cvdguard_report_free(r);
  return valid ? 0 : 1;
}
C
"$cc" -std=c99 -I"$work/root/usr/include" "$work/t.c" -L"$libdir" -lcvdguard -o "$work/t"
"$work/t" "$realdata/test-2.cvd" || fail "C program on the packaged library"
MANWIDTH=80 man -l "$work/root/usr/share/man/man1/cvdguard.1" 2>/dev/null | col -b | sed -n 1,4p
echo "package.deb: ok ($(basename "$deb"), $(stat -c %s "$deb") bytes)"
