#!/usr/bin/env bash
# Every built binary and library searches for shared libraries only in fixed
# places: no RPATH/RUNPATH entry may be empty or relative, since the dynamic
# loader reads those against the *current directory*, where a planted
# libcrypto.so.3 would then be loaded into a cvdguard run from there (CMake's
# build-tree padding for a longer install RPATH is exactly such a list of
# empty entries). Absolute and $ORIGIN-relative entries are fine.
# Usage: check_runpath.sh FILE...
set -euo pipefail
status=0
for f in "$@"; do
  dyn=$(readelf -d "$f")
  bad=
  while IFS= read -r path; do
    # The ':' appended keeps a trailing empty entry as a field.
    IFS=: read -r -a parts <<<"$path:"
    for p in "${parts[@]}"; do
      [[ -z $p || ( $p != /* && $p != '$ORIGIN'* ) ]] && bad="[$path]"
    done
  done < <(sed -n 's/.*(R\(UN\)\{0,1\}PATH).*\[\(.*\)\]$/\2/p' <<<"$dyn")
  if [[ -n $bad ]]; then
    echo "FAIL: $f: RPATH/RUNPATH $bad has an empty or relative entry, read against the current directory" >&2
    status=1
  else
    echo "ok: $f"
  fi
done
exit $status
