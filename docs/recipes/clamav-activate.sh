#!/bin/sh
# clamav-activate: freshclam's OnUpdateExecute hook (docs/recipes.md,
# "freshclam"). Copies what freshclam left in its staging directory to a
# candidate directory, lets `cvdguard activate` move the valid files into
# clamd's live directory (the invalid ones go to quarantine with a record),
# and reloads clamd when the live set changed.
#
# Copy, never activate out of staging: activate moves the files it takes,
# and freshclam needs its own copy to apply the next .cdiff patches.
#
# The paths are Debian's; each can be overridden from the environment.
# Exit: cvdguard activate's (0 all activated or already live, 1 something
# refused or quarantined, 3 I/O error: LIVE untouched).
set -u
S=${STAGING:-/var/lib/clamav-staging}
C=${CANDIDATES:-/var/lib/clamav-candidates}
LIVE=${LIVE:-/var/lib/clamav}
Q=${QUARANTINE:-/var/lib/cvdguard/quarantine}
STATE=${STATE_DIR:-$LIVE/.cvdguard}
CVDGUARD=${CVDGUARD:-cvdguard}
RELOAD=${RELOAD:-clamdscan --reload}

mkdir -p "$C" || exit 3
rm -f "$C"/*
for f in "$S"/*.cvd "$S"/*.cld "$S"/*.cud "$S"/*.sign; do
  [ -e "$f" ] && { cp -p "$f" "$C"/ || exit 3; }
done
set --
for f in "$C"/*.cvd "$C"/*.cld "$C"/*.cud; do
  [ -e "$f" ] && set -- "$@" "$f"
done
[ $# -gt 0 ] || exit 0

out=$("$CVDGUARD" activate --json --db-dir "$LIVE" --quarantine-dir "$Q" --state-dir "$STATE" "$@")
rc=$?
echo "$out"
case $out in
  *'"live_changed":true'*) $RELOAD ;;
esac
exit $rc
