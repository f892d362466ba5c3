#!/usr/bin/env python3
"""Extracts the tested rows of SIGNATURES.md section 15(c).

Prints one JSON object per row: {"id", "ext", "content" (str with real
newlines), "expect": "refuse"|"load", "note"}. Rows whose line is shown
truncated (with an ellipsis), container rows ([.cud]) and rows needing
special engine options are left out; the reason goes to stderr with -v.
"""
import json
import re
import sys

SPEC = "/work/shared/SIGNATURES.md"


def rows(path=SPEC, verbose=False):
    text = open(path, encoding="utf-8").read()
    start = text.index("### (c) Tested lines")
    out = []
    for line in text[start:].splitlines():
        if not line.startswith("| ") or line.startswith("| Case") or line.startswith("|---"):
            continue
        # Split on unescaped pipes.
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]]
        if len(cells) != 5:
            continue  # the line-length table: built in code instead
        case, ext, body, result = cells[0], cells[1].replace("`", ""), cells[2], cells[3]
        why = None
        if "…" in body:
            why = "truncated in the spec"
        elif body.startswith("`[.cud]"):
            why = "container row"
        elif ext.split()[1:] in (["--detect-pua=yes"], ["--bytecode-unsigned"]):
            ext = ext.split()[0]  # the linter checks what these options make the engine parse
        elif " " in ext.strip("`"):
            why = "needs engine options or several files: " + ext
        elif case in ("B01",):
            why = "unsigned bytecode is skipped unparsed unless --bytecode-unsigned"
        if why:
            if verbose:
                print(f"skip {case}: {why}", file=sys.stderr)
            continue
        m = re.fullmatch(r"`(.*)`", body)
        if not m:
            continue
        content = m.group(1).replace("\\|", "|").replace("\\r", "\r").replace("⏎", "\n")
        expect = "refuse" if result.startswith("REFUSED") else "load"
        out.append({"id": case, "ext": ext.lstrip("."), "content": content + "\n" if content else "",
                    "expect": expect, "note": result})
    return out


if __name__ == "__main__":
    for r in rows(verbose="-v" in sys.argv):
        print(json.dumps(r, ensure_ascii=False))
