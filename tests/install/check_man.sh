#!/usr/bin/env bash
# Checks the generated cvdguard(1): it renders without groff warnings and it
# carries every sub-command, every option, every finding code, the exit codes
# and the JSON schema of the CLI it was generated from.
# Usage: check_man.sh MANPAGE CLI
set -euo pipefail
page=$1 cli=$2
fail() { echo "check_man: $*" >&2; exit 1; }
[[ -s $page ]] || fail "$page is missing or empty"

warnings=$(groff -man -Tutf8 -ww -z "$page" 2>&1 || true)
[[ -z $warnings ]] || fail "groff warnings: $warnings"
if command -v man >/dev/null; then
  text=$(MANWIDTH=200 MAN_KEEP_FORMATTING= man -l "$page" 2>/dev/null | col -b)
else
  text=$(groff -man -Tutf8 -P-cbou "$page")
fi
[[ -n $text ]] || fail "renders to nothing"
for heading in NAME SYNOPSIS DESCRIPTION OPTIONS COMMANDS "EXIT STATUS" "FINDING CODES" "JSON OUTPUT"; do
  grep -q "^$heading\$" <<<"$text" || fail "no section $heading"
done

# Every sub-command (one level of nesting) and every long option of each.
subs() { "$cli" "$@" --help | awk '/^Subcommands:|^SUBCOMMANDS:/{s=1;next} /^[^ ]/{s=0} s&&/^  [^ ]/{print $1}'; }
n=0
for sub in $(subs); do
  grep -q "cvdguard $sub" <<<"$text" || fail "sub-command $sub is missing"
  for nested in $(subs "$sub"); do
    grep -q "cvdguard $sub $nested" <<<"$text" || fail "sub-command $sub $nested is missing"
  done
  for opt in $("$cli" "$sub" --help | grep -oE -- '(^|[ ,])--[a-z0-9][a-z0-9-]*' | tr -d ' ,' | sort -u); do
    grep -qF -- "$opt" <<<"$text" || fail "option $opt of $sub is missing"
    n=$((n + 1))
  done
done
((n > 10)) || fail "only $n options found: the help format was not understood"

# Every finding code, by number and name.
codes=0
while IFS=$'\t' read -r num name _; do
  grep -qE "^ +$num $name " <<<"$text" || fail "finding code $num $name is missing"
  codes=$((codes + 1))
done < <("$cli" codes)
((codes > 50)) || fail "only $codes finding codes"

# Exit codes 0-3 and the JSON schema's fields.
for c in 0 1 2 3; do grep -qE "^ +$c +[a-z]" <<<"$text" || fail "exit code $c is missing"; done
for field in verdict verified_by tar_offset inflated_size; do
  grep -q "\"$field\"" <<<"$text" || fail "JSON field $field is missing"
done
echo "check_man: ok ($n options, $codes finding codes)"
