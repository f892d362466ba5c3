#!/usr/bin/env python3
"""Runs docs/recipes/mirror-gate.sh for real (docs/recipes.md, private mirrors).

A mirror directory laid out like cvdupdate's (ClamAV's genuine test-N.cvd,
test-N.cdiff and their .sign files from ../shared/realdata, copied into a
temporary directory) goes through the gate with the FIPS policy:

  1. all valid: published, WEBROOT/current points at the release;
  2. a .cvd whose .sign is missing: refused with SIGN_REQUIRED_BY_POLICY,
     the previous release stays served;
  3. a corrupted .cdiff: refused, named in the output;
  4. without the FIPS policy, the .cvd without a .sign passes (legacy dsig).

Exit 0 on success, 1 on a failed check.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

from e2e_util import finish


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", required=True)
    ap.add_argument("--realdata", required=True)
    ap.add_argument("--script", required=True)
    args = ap.parse_args()
    certs = os.path.join(args.realdata, "certs", "clamav-test-ca.crt")
    # The TEST root is valid 2025-03-26 .. 2027-03-26: pin the time.
    fips = ["--sign-policy", "fips", "--certs", certs, "--at", "2026-01-01T00:00:00Z"]
    tmp = tempfile.mkdtemp(prefix="cvdguard-mirror-")
    env = dict(os.environ, CVDGUARD=args.cli)
    failures = []

    def gate(label, src, web, flags, want):
        cmd = ["sh", args.script, src, web] + flags
        r = subprocess.run(cmd, capture_output=True, text=True, env=env)
        print(f"$ mirror-gate.sh {os.path.basename(src)} webroot {' '.join(flags)}")
        for line in (r.stdout + r.stderr).splitlines():
            print(f"    {line}")
        print(f"    exit {r.returncode}")
        if r.returncode != want:
            failures.append(f"{label}: exit {r.returncode}, expected {want}")
        return r

    def current(web):
        link = os.path.join(web, "current")
        return os.readlink(link) if os.path.islink(link) else None

    try:
        src = os.path.join(tmp, "database")
        web = os.path.join(tmp, "www")
        os.makedirs(src)
        for name in sorted(os.listdir(args.realdata)):
            if name.startswith("test-") and name.endswith((".cvd", ".cdiff", ".sign")):
                shutil.copy(os.path.join(args.realdata, name), src)

        print("1. every file valid, FIPS policy")
        gate("all valid", src, web, fips, 0)
        first = current(web)
        if first is None:
            failures.append("nothing published")
        else:
            served = sorted(os.listdir(os.path.join(web, first)))
            if served != sorted(os.listdir(src)):
                failures.append(f"published set differs: {served}")
        with open(os.path.join(web, ".releases", "last-report.jsonl")) as f:
            reports = [json.loads(line) for line in f if line.strip()]
        if len(reports) != 7 or any(r.get("verdict") != "valid" for r in reports):
            failures.append(f"report should hold 7 valid files: {[r.get('verdict') for r in reports]}")

        print("2. a .cvd without its .sign, FIPS policy")
        os.remove(os.path.join(src, "test-4.cvd.sign"))
        r = gate("missing .sign", src, web, fips, 1)
        if "SIGN_REQUIRED_BY_POLICY" not in r.stderr or "test-4.cvd" not in r.stderr:
            failures.append("the missing .sign is not named")
        if current(web) != first:
            failures.append("a refused check changed what is served")

        print("3. the same without the FIPS policy: the legacy dsig is enough")
        gate("legacy", src, web, ["--certs", certs, "--at", "2026-01-01T00:00:00Z"], 0)
        second = current(web)
        if second == first:
            failures.append("a passing check did not publish")

        print("4. a corrupted .cdiff")
        path = os.path.join(src, "test-3.cdiff")
        with open(path, "r+b") as f:
            f.seek(100)
            byte = f.read(1)
            f.seek(100)
            f.write(bytes([byte[0] ^ 0xFF]))
        r = gate("corrupt cdiff", src, web, ["--certs", certs, "--at", "2026-01-01T00:00:00Z"], 1)
        if "test-3.cdiff" not in r.stderr:
            failures.append("the corrupted .cdiff is not named")
        if current(web) != second:
            failures.append("a refused check changed what is served")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    return finish("mirror recipe", failures)


if __name__ == "__main__":
    sys.exit(main())
