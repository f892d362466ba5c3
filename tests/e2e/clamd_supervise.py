#!/usr/bin/env python3
"""End-to-end: `cvdguard supervise` around Debian's real clamd (docs/faults.md).

clamd listens on a Unix socket in a temporary directory, never on a network
port; `clamdscan --ping` is the readiness probe. The scenarios of issue 7:

  1. a good set (ClamAV's genuine test-1.cvd): clamd starts, no fault;
  2. a .cud that libclamav refuses, activated with the lint off: clamd fails
     to start, fault 12 is raised, the set is rolled back, clamd restarts and
     fault 12 clears;
  3. the same again with another bad .cud: integrity_gap names both files,
     and a later `activate` refuses them by digest;
  4. a service wrapper that crashes after starting: fault 10 is raised and,
     with shortened timings, escalates (intervention_required 10).

Exit 0 on success, 77 when clamd/clamdscan are missing (ctest SKIP), 1 on a
failed check (with the supervisor log printed).
"""
import argparse
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

from e2e_util import kill_naming, skip, write_clamd_conf


class Failure(Exception):
    pass


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


class Supervisor:
    """One `cvdguard supervise` process and its JSON Lines stdout."""

    def __init__(self, argv, out_path):
        self.out_path = out_path
        self.out = open(out_path, "w")
        self.proc = subprocess.Popen(argv, stdout=self.out, stderr=subprocess.STDOUT)

    def lines(self):
        result = []
        with open(self.out_path) as f:
            for raw in f:
                raw = raw.strip()
                if not raw.startswith("{"):
                    continue
                try:
                    result.append(json.loads(raw))
                except json.JSONDecodeError:
                    pass  # a line being written
        return result

    def wait_for(self, pred, what, timeout, start=0):
        """Waits for a line (index >= start) matching pred; returns its index."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for i, line in enumerate(self.lines()):
                if i >= start and pred(line):
                    return i
            if self.proc.poll() is not None:
                raise Failure(f"supervisor exited ({self.proc.returncode}) waiting for {what}")
            time.sleep(0.1)
        raise Failure(f"timed out after {timeout} s waiting for {what}")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.out.close()
        return self.proc.returncode

    def dump(self):
        with open(self.out_path) as f:
            return f.read()


def decision(name, **fields):
    def pred(line):
        return line.get("decision") == name and all(line.get(k) == v for k, v in fields.items())
    return pred


def supervisor_note(name):
    return lambda line: line.get("supervisor") == name


def event(name):
    return lambda line: line.get("event") == name


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", required=True)
    ap.add_argument("--realdata", required=True)
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = ap.parse_args()

    clamd = shutil.which("clamd") or ("/usr/sbin/clamd" if os.path.exists("/usr/sbin/clamd") else None)
    clamdscan = shutil.which("clamdscan")
    clamscan = shutil.which("clamscan")
    if not (clamd and clamdscan and clamscan):
        return skip("clamd, clamdscan or clamscan not installed "
                    "(packages clamav-daemon, clamdscan, clamav)")

    tmp = tempfile.mkdtemp(prefix="cvdguard-e2e-")
    # A Unix socket path must fit in sun_path (108 bytes); mkdtemp under /tmp does.
    d = {k: os.path.join(tmp, k) for k in ("live", "q", "act", "sup", "sup10", "run", "in")}
    for p in d.values():
        os.makedirs(p)
    sock = os.path.join(d["run"], "clamd.sock")
    conf = os.path.join(tmp, "clamd.conf")
    write_clamd_conf(conf, sock, d["live"], d["run"])
    probe = f"{clamdscan} --config-file={conf} --ping 1 >/dev/null 2>&1"
    cli = args.cli
    sup = None
    try:
        # --- 1. a good set: genuine test-1.cvd, activated the normal way.
        shutil.copy(os.path.join(args.realdata, "test-1.cvd"), os.path.join(d["in"], "test.cvd"))
        act_base = [cli, "activate", "--db-dir", d["live"], "--quarantine-dir", d["q"],
                    "--state-dir", d["act"], "--supervisor-state", d["sup"]]
        r = run(act_base + [os.path.join(d["in"], "test.cvd")])
        if r.returncode != 0:
            raise Failure(f"activating test-1.cvd failed ({r.returncode}): {r.stdout}{r.stderr}")
        cfg = os.path.join(tmp, "faults.json")
        with open(cfg, "w") as f:
            json.dump({"backoff_initial_s": 0.2, "backoff_max_s": 1}, f)
        sup = Supervisor([cli, "supervise", "--db-dir", d["live"], "--quarantine-dir", d["q"],
                          "--state-dir", d["sup"], "--activation-state-dir", d["act"],
                          "--ready-probe", probe, "--startup-window", "60",
                          "--probe-interval", "0.2", "--tick-interval", "0.2",
                          "--stop-timeout", "15", "--config", cfg, "--restart-on-activation",
                          # The defect must be one the check misses: no lint here either.
                          "--no-lint", "--", "/bin/sh", "-c",
                          f"exec {clamd} -c {conf} 2>>{d['run']}/clamd.stderr"],
                         os.path.join(tmp, "supervise.out"))
        i = sup.wait_for(event("service_started"), "clamd to start with test-1.cvd", 90)
        if any(l.get("decision") == "fault_raised" for l in sup.lines()[:i + 1]):
            raise Failure("a fault was raised although the good set loaded")
        print("1. good set: clamd started, no fault")

        # --- 2 and 3. a set clamd cannot load, twice in a row.
        keep = os.path.join(tmp, "keep")
        os.makedirs(keep)
        bad = []
        for n, sig in ((1, "Bad.Sig-1:0:*:zz11"), (2, "Bad.Sig-2:0:*:41424344{")):
            member = os.path.join(keep, "bad.ndb")
            with open(member, "w") as f:
                f.write(sig + "\n")
            cud = os.path.join(keep, f"bad-{n}.cud")
            r = run([cli, "build", "--allow-invalid", "--kind", "cud", "--name", "bad", "--version", str(n), member,
                     "-o", cud])
            if r.returncode != 0:
                raise Failure(f"build failed: {r.stdout}{r.stderr}")
            # The oracle: libclamav refuses it, and the check without lint passes it.
            r = run([clamscan, "--no-summary", "-d", cud, os.devnull])
            if r.returncode != 2:
                raise Failure(f"clamscan -d accepted bad-{n}.cud ({r.returncode}): {r.stdout}{r.stderr}")
            if run([cli, "verify", "--no-lint", cud]).returncode != 0:
                raise Failure(f"bad-{n}.cud should pass the check with the lint off")
            bad.append(sha256(cud))
            shutil.copy(cud, os.path.join(d["in"], "bad.cud"))
            mark = len(sup.lines())
            r = run(act_base + ["--no-lint", os.path.join(d["in"], "bad.cud")])
            if r.returncode != 0:
                raise Failure(f"activating bad-{n}.cud failed ({r.returncode}): {r.stdout}{r.stderr}")
            steps = [
                (event("definitions_activated"), "definitions_activated from the inbox"),
                (supervisor_note("restarting_for_activation"), "the restart for the new set"),
                (event("service_start_failed"), "clamd to fail to start"),
                (decision("fault_raised", fault=12), "fault 12"),
                (decision("prune"), "prune"),
                (decision("rollback"), "rollback"),
                (supervisor_note("rolled_back"), "the rollback to be carried out"),
                (event("service_started"), "clamd to start again"),
                (decision("fault_cleared", fault=12), "fault 12 to clear"),
            ]
            at = mark
            for pred, what in steps:
                at = sup.wait_for(pred, f"round {n}: {what}", 90, start=at) + 1
            if os.path.exists(os.path.join(d["live"], "bad.cud")):
                raise Failure("bad.cud is still live after the rollback")
            if sha256(os.path.join(d["live"], "test.cvd")) != sha256(
                    os.path.join(args.realdata, "test-1.cvd")):
                raise Failure("test.cvd changed")
            records = [json.load(open(os.path.join(d["q"], x)))
                       for x in os.listdir(d["q"]) if x.endswith(".json")]
            # Round 1: rollback takes the new file out. Round 2: the prune
            # before it already did, because integrity_gap refused its digest.
            reason = "rolled_back" if n == 1 else "pruned"
            if not any(r.get("sha256") == bad[-1] and r.get("reason") == reason
                       for r in records):
                raise Failure(f"no {reason} quarantine record for bad-{n}.cud: {records}")
            round_lines = sup.lines()[mark:at]
            gaps = [l for l in round_lines if l.get("decision") == "integrity_gap"]
            if n == 1 and gaps:
                raise Failure(f"integrity_gap after one failed activation: {gaps}")
            if n == 2:
                if len(gaps) != 1 or sorted(gaps[0]["sha256"]) != sorted(bad):
                    raise Failure(f"integrity_gap should name {bad}: {gaps}")
            if any(l.get("decision") == "intervention_required" for l in round_lines):
                raise Failure("intervention_required although a new set was activated")
            print(f"2.{n} bad set {n}: fault 12 raised, "
                  + ("rolled back" if n == 1 else "integrity_gap names both files, pruned by digest")
                  + ", clamd restarted, fault 12 cleared")

        # The check learned: the same bytes are now refused at activation.
        shutil.copy(os.path.join(keep, "bad-1.cud"), os.path.join(d["in"], "bad.cud"))
        r = run(act_base + ["--no-lint", "--json", os.path.join(d["in"], "bad.cud")])
        if r.returncode != 1 or "ACTIVATION_REFUSED_DIGEST" not in r.stdout:
            raise Failure(f"a refused digest was activated ({r.returncode}): {r.stdout}{r.stderr}")
        if os.path.exists(os.path.join(d["live"], "bad.cud")):
            raise Failure("the refused bad.cud went live")
        print("3. a later activate refuses the digests integrity_gap named")
        rc = sup.stop()
        if rc != 0:
            raise Failure(f"supervisor exited {rc} on SIGTERM")
        sup = None
        kill_naming(conf)

        # --- 4. a service that crashes after it started: fault 10, escalation.
        wrapper = os.path.join(tmp, "crashy.sh")
        with open(wrapper, "w") as f:
            f.write(f"""#!/bin/sh
# clamd starts and answers, then the service dies abnormally.
{clamd} -c {conf} 2>>{d['run']}/clamd.stderr &
pid=$!
trap 'kill $pid; wait $pid; exit 0' TERM INT
i=0
until {probe}; do i=$((i+1)); [ $i -gt 300 ] && break; sleep 0.1; done
sleep 1
kill -KILL $pid; wait $pid
kill -ABRT $$
""")
        os.chmod(wrapper, 0o755)
        cfg10 = os.path.join(tmp, "faults10.json")
        with open(cfg10, "w") as f:
            json.dump({"crash_threshold": 3, "crash_window_s": 120, "backoff_initial_s": 0.2,
                       "backoff_max_s": 0.5, "fault10_escalate_s": 4}, f)
        sup = Supervisor([cli, "supervise", "--db-dir", d["live"], "--quarantine-dir", d["q"],
                          "--state-dir", d["sup10"], "--activation-state-dir", d["act"],
                          "--ready-probe", probe, "--startup-window", "60",
                          "--probe-interval", "0.2", "--tick-interval", "0.2",
                          "--stop-timeout", "15", "--config", cfg10, "--", wrapper],
                         os.path.join(tmp, "supervise10.out"))
        at = sup.wait_for(decision("fault_raised", fault=10), "fault 10", 120)
        crashes = [l for l in sup.lines()[:at] if l.get("event") == "service_crashed"]
        if len(crashes) != 3 or any("signal" not in c.get("status", "") for c in crashes):
            raise Failure(f"fault 10 should follow 3 abnormal exits: {crashes}")
        sup.wait_for(decision("intervention_required", fault=10), "fault 10 to escalate", 60,
                     start=at)
        if any(l.get("decision") in ("prune", "rollback") for l in sup.lines()):
            raise Failure("a crash loop must not prune or roll back")
        rc = sup.stop()
        sup = None
        if rc != 0:
            raise Failure(f"supervisor exited {rc} on SIGTERM")
        print("4. crashing service: fault 10 raised after 3 crashes, then intervention_required")
        return 0
    except Failure as e:
        print(f"FAIL: {e}")
        if sup is not None:
            print("--- supervisor output ---")
            print(sup.dump())
        clamd_log = os.path.join(d["run"], "clamd.log")
        if os.path.exists(clamd_log):
            print("--- clamd.log (tail) ---")
            print("".join(open(clamd_log, errors="replace").readlines()[-30:]))
        return 1
    finally:
        if sup is not None:
            sup.stop()
        kill_naming(conf)
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
