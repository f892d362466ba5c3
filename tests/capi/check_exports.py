#!/usr/bin/env python3
"""Checks the dynamic symbol table of libcvdguard.so: every C function that
cvdguard.h declares is exported, every exported C symbol is declared there,
and the only C++ symbols exported are the public API's (namespace cvdguard,
not an internal or anonymous namespace, nor a pimpl's nested Impl). Also
checks the soname."""
import argparse
import re
import subprocess
import sys


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--library", required=True)
    ap.add_argument("--header", required=True)
    ap.add_argument("--soname", required=True)
    a = ap.parse_args()
    errors = []

    with open(a.header, encoding="utf-8") as f:
        header = f.read()
    declared = set(re.findall(r"CVDGUARD_EXPORT[^;(]*?\b(cvdguard_\w+)\s*\(", header, re.S))
    if len(declared) < 50:
        errors.append("only %d functions found in %s" % (len(declared), a.header))

    nm = subprocess.run(["nm", "-D", "--defined-only", a.library], check=True,
                        stdout=subprocess.PIPE, text=True).stdout
    # "ADDR TYPE NAME[@@VERSION]"; type A is the version node itself.
    symbols = [line.split()[-1].split("@")[0] for line in nm.splitlines()
               if line.strip() and line.split()[-2] != "A"]
    exported_c = {s for s in symbols if s.startswith("cvdguard_")}
    missing = sorted(declared - exported_c)
    if missing:
        errors.append("declared in cvdguard.h but not exported: " + ", ".join(missing))
    undeclared = sorted(exported_c - declared)
    if undeclared:
        errors.append("exported but not in cvdguard.h: " + ", ".join(undeclared))

    cxx = [s for s in symbols if s.startswith("_Z")]
    demangled = subprocess.run(["c++filt"], input="\n".join(cxx), check=True,
                               stdout=subprocess.PIPE, text=True).stdout.splitlines()
    bad = []
    for mangled, name in zip(cxx, demangled):
        # Public API: cvdguard:: (and its typeinfo/vtables), nothing internal.
        core = re.sub(r"^(typeinfo name for|typeinfo for|vtable for|VTT for) ", "", name)
        if not core.startswith("cvdguard::"):
            bad.append(name)
        elif re.search(r"cvdguard::(internal|cli|detail|\(anonymous namespace\))", core):
            bad.append(name)
        elif re.search(r"::Impl\b", core):
            # A pimpl's Impl is private even when nested in an exported
            # class, whose default visibility it would otherwise inherit.
            bad.append(name)
    other = [s for s in symbols if not s.startswith(("_Z", "cvdguard_"))
             and s not in ("_init", "_fini", "_edata", "_end", "__bss_start")]
    if bad:
        errors.append("%d non-public C++ symbols exported, e.g.:\n  %s" %
                      (len(bad), "\n  ".join(bad[:15])))
    if other:
        errors.append("unexpected symbols exported: " + ", ".join(other[:15]))

    dyn = subprocess.run(["readelf", "-d", a.library], check=True, stdout=subprocess.PIPE,
                         text=True).stdout
    m = re.search(r"\(SONAME\)\s+Library soname: \[([^\]]+)\]", dyn)
    if not m or m.group(1) != a.soname:
        errors.append("soname is %s, expected %s" % (m.group(1) if m else "missing", a.soname))

    if errors:
        print("check_exports: FAILED\n" + "\n".join(errors))
        return 1
    print("check_exports: ok: %d C functions, %d C++ symbols (all public), soname %s" %
          (len(exported_c), len(cxx), a.soname))
    return 0


if __name__ == "__main__":
    sys.exit(main())
