#!/bin/sh
# mirror-gate.sh SRC WEBROOT [cvdguard verify flags...]
#
# Gate for a private mirror (docs/recipes.md, "cvdupdate and private
# mirrors"). Validates every definition file an updater such as cvdupdate
# left in SRC (.cvd, .cld, .cud, .cdiff, each with its .sign). Only when all
# are valid does it publish them: a copy in WEBROOT/.releases/<stamp>, then
# the WEBROOT/current symlink is switched in one rename, so clients never see
# a half-updated mirror. Point the web server at WEBROOT/current.
#
# For FIPS clients (ClamAV 1.5 with .sign required) pass
#   --sign-policy fips --certs /path/to/clamav-ca.crt
# and every .cvd or .cdiff without a valid .sign fails the gate.
#
# Exit: 0 published; 1 an invalid file, nothing published (the previous
# release stays served); 2 usage; 3 I/O error. The JSON report of the last
# check is WEBROOT/.releases/last-report.jsonl (one object per file).
set -u
if [ $# -lt 2 ]; then
  echo "usage: mirror-gate.sh SRC WEBROOT [cvdguard verify flags...]" >&2
  exit 2
fi
src=$1 web=$2
shift 2
cvdguard=${CVDGUARD:-cvdguard}
mkdir -p "$web/.releases" || exit 3
report=$web/.releases/last-report.jsonl

"$cvdguard" verify --json --no-progress "$@" "$src" >"$report.tmp"
rc=$?
mv -f "$report.tmp" "$report" || exit 3
if [ "$rc" -ne 0 ]; then
  echo "mirror-gate: NOT publishing $src: cvdguard verify exit $rc; report: $report" >&2
  # The same check again, for people: only the invalid files and why.
  "$cvdguard" verify --quiet --no-progress "$@" "$src" >&2
  [ "$rc" -eq 1 ] && exit 1
  exit 3
fi

stamp=$(date -u +%Y%m%dT%H%M%SZ)-$$
release=$web/.releases/$stamp
mkdir "$release" || exit 3
found=0
for f in "$src"/*; do
  case $f in
    *.cvd | *.cld | *.cud | *.cdiff | *.sign) cp -p "$f" "$release/" || exit 3; found=1 ;;
  esac
done
if [ "$found" -eq 0 ]; then
  echo "mirror-gate: no definition files in $src; nothing published" >&2
  rmdir "$release"
  exit 1
fi
ln -s ".releases/$stamp" "$web/current.new" && mv -Tf "$web/current.new" "$web/current" || exit 3
echo "mirror-gate: published $src as $release"
