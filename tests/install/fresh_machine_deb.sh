#!/usr/bin/env bash
# The .deb on a fresh Debian 12: builds the package with cpack, makes a
# minimal Debian 12 root with debootstrap (nothing of cvdguard's libraries
# installed in it), installs the .deb there with apt-get, which must pull
# every dependency from Debian by itself, then runs the installed CLI on a
# genuine ClamAV file and renders `man cvdguard`.
#
# Needs root and Debian's package mirror (as the setup commands do). Takes a
# few minutes, most of it downloading, so it is not part of ctest; run it by
# hand:  bash tests/install/fresh_machine_deb.sh build ../shared/realdata
# Usage: fresh_machine_deb.sh BUILD_DIR REALDATA_DIR [WORK_DIR]
set -euo pipefail
build=$(realpath "$1") realdata=$(realpath "$2")
work=${3:-$(mktemp -d /var/tmp/cvdguard-fresh.XXXXXX)}
mkdir -p "$work"
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
root=$work/root
step() { echo; echo "== $*"; }
cleanup() {
  for m in proc dev/pts dev; do umount -l "$root/$m" 2>/dev/null || true; done
}
trap cleanup EXIT

command -v debootstrap >/dev/null || {
  step "apt-get install debootstrap"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap
}

step "cpack -G DEB"
cpack --config "$build/CPackConfig.cmake" -G DEB -B "$work/out" >"$work/cpack.log"
deb=$(find "$work/out" -maxdepth 1 -name 'cvdguard_*.deb')
ls -l "$deb"
dpkg-deb -f "$deb" Package Version Depends

if [[ ! -x $root/usr/bin/apt-get ]]; then
  step "debootstrap --variant=minbase bookworm (a fresh machine)"
  debootstrap --variant=minbase bookworm "$root" "$mirror" >"$work/debootstrap.log" 2>&1 ||
    { tail -20 "$work/debootstrap.log"; exit 1; }
fi
echo "deb $mirror bookworm main" >"$root/etc/apt/sources.list"
echo "deb http://deb.debian.org/debian-security bookworm-security main" >>"$root/etc/apt/sources.list"
mount -t proc proc "$root/proc"
mount --bind /dev "$root/dev"
mount --bind /dev/pts "$root/dev/pts"
in_root() { chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
  DEBIAN_FRONTEND=noninteractive "$@"; }

step "what the fresh machine lacks"
for p in libarchive13 libssl3 libisal2 libclamav12 man-db; do
  if in_root dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    echo "  $p: installed"
  else
    echo "  $p: not installed"
  fi
done

cp "$deb" "$root/tmp/"
cp "$realdata/test-1.cvd" "$root/tmp/test-1.cvd"
printf '<html><body>404</body></html>\n' >"$root/tmp/daily.cvd"

step "apt-get install ./$(basename "$deb") (with man-db, to read the page)"
in_root apt-get update -qq
in_root apt-get install -y -qq --no-install-recommends "/tmp/$(basename "$deb")" man-db \
  >"$work/apt.log" 2>&1 || { tail -30 "$work/apt.log"; exit 1; }
grep -E "^(Setting up|Unpacking) " "$work/apt.log" | sed 's/^/  /'

step "cvdguard --version"
in_root cvdguard --version
step "cvdguard verify /tmp/test-1.cvd (genuine, official signature)"
in_root cvdguard verify /tmp/test-1.cvd
step "cvdguard verify /tmp/daily.cvd (an HTML error page): exit 1 expected"
rc=0
in_root cvdguard verify /tmp/daily.cvd || rc=$?
[[ $rc -eq 1 ]] || { echo "FAIL: exit $rc"; exit 1; }
step "the shared library"
in_root sh -c 'ls -l /usr/lib/*/libcvdguard.so.* /usr/lib/libcvdguard.so.* 2>/dev/null; ldconfig -p | grep cvdguard'
step "man cvdguard (first 40 lines)"
in_root sh -c 'MANWIDTH=80 man cvdguard 2>/dev/null | head -40'
step "apt-get remove cvdguard"
in_root apt-get remove -y -qq cvdguard >/dev/null
in_root sh -c '! command -v cvdguard' && echo "  removed"
echo
echo "fresh-machine .deb: PASS ($root kept for inspection; remove with rm -rf $work)"
