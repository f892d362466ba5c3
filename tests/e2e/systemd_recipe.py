#!/usr/bin/env python3
"""Runs docs/recipes/clamd-supervised.service for real, as systemd would.

There is no systemd in the test container, so the test plays its part: it
reads ExecStartPre= and ExecStart= from the unit, maps Debian's paths into a
temporary directory (LIVE, state, clamd.conf with a Unix socket), runs
ExecStartPre and requires success, starts ExecStart as the main process,
and stops it the way KillMode=mixed does (SIGTERM to the main process only),
within TimeoutStopSec. With `systemd-analyze` installed it also verifies the
unit file.

The live directory holds ClamAV's genuine test-1.cvd and an HTML error page
saved as daily.cvd (what a broken mirror leaves behind). clamd alone refuses
to start on it; after ExecStartPre's prune it starts, under the supervisor.

Exit 0 on success, 77 when clamd/clamdscan are missing, 1 on a failed check.
"""
import argparse
import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time

from e2e_util import finish, kill_naming, skip, write_clamd_conf


def unit_values(path, key):
    values = []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line.startswith(key + "="):
                values.append(line[len(key) + 1:])
    return values


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", required=True)
    ap.add_argument("--realdata", required=True)
    ap.add_argument("--unit", required=True)
    args = ap.parse_args()
    clamd = shutil.which("clamd") or ("/usr/sbin/clamd" if os.path.exists("/usr/sbin/clamd") else None)
    clamdscan = shutil.which("clamdscan")
    if not (clamd and clamdscan):
        return skip("clamd or clamdscan not installed (packages clamav-daemon, clamdscan)")

    failures = []
    tmp = tempfile.mkdtemp(prefix="cvdguard-unit-")
    live = os.path.join(tmp, "clamav")
    state = os.path.join(tmp, "cvdguard")
    run = os.path.join(tmp, "run")
    for d in (live, state, run):
        os.makedirs(d)
    conf = os.path.join(tmp, "clamd.conf")
    write_clamd_conf(conf, f"{run}/clamd.sock", live, run)
    shutil.copy(os.path.join(args.realdata, "test-1.cvd"), os.path.join(live, "test.cvd"))
    with open(os.path.join(live, "daily.cvd"), "w") as f:
        f.write("<!DOCTYPE html><html><body>503 Service Unavailable</body></html>\n")

    mapping = [
        ("/usr/bin/cvdguard", os.path.abspath(args.cli)),
        ("/var/lib/clamav", live),
        ("/var/lib/cvdguard", state),
        ("/usr/sbin/clamd --foreground", f"{clamd} -c {conf} --foreground"),
        ("clamdscan --ping", f"{clamdscan} --config-file={conf} --ping"),
    ]

    def localize(cmdline):
        for a, b in mapping:
            cmdline = cmdline.replace(a, b)
        return shlex.split(cmdline)

    main_proc = None
    out_path = os.path.join(tmp, "supervise.out")
    try:
        analyze = shutil.which("systemd-analyze")
        if analyze:
            # On the localized copy, so that the commands it names exist here.
            with open(args.unit) as f:
                text = f.read()
            for a, b in mapping:
                text = text.replace(a, b)
            local_unit = os.path.join(tmp, os.path.basename(args.unit))
            with open(local_unit, "w") as f:
                f.write(text)
            r = subprocess.run([analyze, "verify", "--man=no", local_unit], capture_output=True,
                               text=True)
            print(f"$ systemd-analyze verify --man=no {os.path.basename(args.unit)}: "
                  f"exit {r.returncode}")
            if r.returncode != 0:
                failures.append(f"systemd-analyze verify: {r.stdout}{r.stderr}")
        else:
            print("(systemd-analyze not installed: unit syntax not checked)")

        # The oracle: clamd alone cannot start on this directory.
        r = subprocess.run([clamd, "-c", conf, "--foreground"], capture_output=True, text=True,
                           timeout=120)
        print(f"$ clamd --foreground (no prune): exit {r.returncode}")
        if r.returncode == 0:
            failures.append("clamd started on the HTML daily.cvd: the test proves nothing")

        pre = unit_values(args.unit, "ExecStartPre")
        start = unit_values(args.unit, "ExecStart")
        if len(pre) != 1 or len(start) != 1:
            raise RuntimeError(f"expected one ExecStartPre and one ExecStart: {pre} {start}")
        print("$ ExecStartPre")
        r = subprocess.run(localize(pre[0]), capture_output=True, text=True, timeout=120)
        for line in (r.stdout + r.stderr).splitlines():
            print(f"    {line}")
        print(f"    exit {r.returncode}")
        if r.returncode != 0:
            failures.append(f"ExecStartPre failed ({r.returncode})")
        if os.path.exists(os.path.join(live, "daily.cvd")):
            failures.append("ExecStartPre left the HTML daily.cvd in LIVE")
        quarantined = [n for n in os.listdir(os.path.join(state, "quarantine")) if n.endswith(".json")]
        if len(quarantined) != 1:
            failures.append(f"expected one quarantine record: {quarantined}")

        print("$ ExecStart (main process)")
        out = open(out_path, "w")
        main_proc = subprocess.Popen(localize(start[0]), stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 120
        started = False
        while time.monotonic() < deadline and main_proc.poll() is None:
            with open(out_path) as f:
                if any('"event":"service_started"' in line for line in f):
                    started = True
                    break
            time.sleep(0.2)
        if not started:
            failures.append("clamd did not become ready under the supervisor")
        # KillMode=mixed: SIGTERM to the main process only; TimeoutStopSec=30.
        main_proc.send_signal(signal.SIGTERM)
        try:
            rc = main_proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            main_proc.kill()
            rc = main_proc.wait()
            failures.append("the supervisor did not stop within TimeoutStopSec")
        main_proc = None
        out.close()
        with open(out_path) as f:
            lines = [json.loads(l) for l in f if l.startswith("{")]
        for line in lines:
            print(f"    {json.dumps(line)}")
        print(f"    exit {rc}")
        if rc != 0:
            failures.append(f"the supervisor exited {rc} on SIGTERM")
        if any(l.get("decision") == "fault_raised" for l in lines):
            failures.append("a fault was raised")
        if not any(l.get("supervisor") == "stopped" for l in lines):
            failures.append("no 'stopped' line: clamd was not stopped by the supervisor")
    except Exception as e:  # a broken unit file is a test failure, not a crash
        failures.append(f"{type(e).__name__}: {e}")
    finally:
        if main_proc is not None and main_proc.poll() is None:
            main_proc.kill()
            main_proc.wait()
        # Nothing of ours may survive the stop.
        for pid in kill_naming(conf):
            failures.append(f"process {pid} survived the stop")
        shutil.rmtree(tmp, ignore_errors=True)
    return finish("systemd recipe", failures)


if __name__ == "__main__":
    sys.exit(main())
