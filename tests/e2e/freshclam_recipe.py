#!/usr/bin/env python3
"""End-to-end: Debian's real freshclam -> `cvdguard activate` -> Debian's real clamd.

The operator recipe this test runs (the transcript it prints shows each step):

  * freshclam updates into a STAGING directory, never into clamd's live one;
  * the hook docs/recipes/clamav-activate.sh (freshclam's OnUpdateExecute in
    the recipe; run by this test after each freshclam) copies each staged
    file to a candidate directory and hands it to `cvdguard activate`, which
    validates it and moves it atomically into LIVE (the copy matters:
    activate moves its candidate, and freshclam needs its own copy in
    staging to patch it with .cdiff files next time);
  * when the live set changed, the hook tells clamd (which reads LIVE only)
    to RELOAD.

Everything stays on this machine: freshclam talks to an HTTP mirror served
from a thread of this process on 127.0.0.1 (ephemeral port), DNS version
checks are off (`--no-dns`; `DNSDatabaseInfo no` is NOT enough: freshclam
1.4 then sends a DNS TXT query for the name "no"), proxies are removed from
its environment, and clamd listens on a Unix socket only.

Data: ClamAV's genuine `test` database (realdata/test-1..4.cvd and
test-2..4.cdiff, signed with ClamAV's official keys), so the real freshclam
accepts it.

  round 1  mirror offers test.cvd v1: freshclam downloads it, activate makes it
           live, clamd starts on it (the EICAR test file scans OK: v1 has no
           signature for it);
  round 2  mirror offers v4 plus test-2/3/4.cdiff: freshclam patches its v1 to a
           test.cld v4, activate replaces the live test.cvd by it, clamd RELOADs
           and now reports EICAR (test.hdb in v4);
           then freshclam again: If-Modified-Since -> 304, nothing new, and
           activating the same file again is "already live";
  round 3  the staged test.cld truncated at half is refused: exit 1, moved to
           the quarantine with a JSON record, LIVE unchanged, clamd still serves v4.

Usage: freshclam_recipe.py --cli build/cvdguard --realdata ../shared/realdata [--keep]
Exit 0 pass, 77 freshclam/clamd/clamdscan not installed (ctest SKIP), 1 a check failed.
"""
import argparse
import email.utils
import hashlib
import http.server
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

from e2e_util import pids_naming, skip, write_clamd_conf

T0 = time.monotonic()
TMP = None  # the temporary directory, shown as $T in the transcript


class Failure(Exception):
    pass


def say(msg=""):
    print(msg, flush=True)


def short(s):
    s = str(s)
    return s.replace(TMP, "$T") if TMP else s


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def listing(d):
    """{name: sha256} of the regular files in d (the lock file excluded)."""
    out = {}
    for n in sorted(os.listdir(d)):
        p = os.path.join(d, n)
        if os.path.isfile(p) and not n.endswith(".lock"):
            out[n] = sha256(p)
    return out


def cvd_stime(path):
    """The build time (Unix seconds, header field 9) of a .cvd/.cld header."""
    with open(path, "rb") as f:
        head = f.read(512).decode("latin-1")
    fields = head.rstrip(" \0").split(":")
    try:
        return int(fields[8])
    except (IndexError, ValueError):
        return None


# ---------------------------------------------------------------- the mirror

class MirrorHandler(http.server.BaseHTTPRequestHandler):
    """A static mirror: GET/HEAD, single byte ranges (206/416),
    If-Modified-Since (304), Last-Modified from the file's mtime, 404 otherwise."""
    server_version = "cvdguard-e2e-mirror/1"
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):  # the server keeps its own log
        pass

    def do_GET(self):
        self._serve(send_body=True)

    def do_HEAD(self):
        self._serve(send_body=False)

    def _record(self, status, nbytes):
        with self.server.log_lock:
            self.server.log.append({
                "method": self.command, "path": self.path, "status": status,
                "range": self.headers.get("Range"),
                "ims": self.headers.get("If-Modified-Since"),
                "bytes": nbytes})

    def _reply(self, status, headers, body, send_body):
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Connection", "close")
        self.end_headers()
        if send_body and body:
            self.wfile.write(body)
        self.close_connection = True
        self._record(status, len(body) if send_body and body else 0)

    def _serve(self, send_body):
        name = self.path.split("?", 1)[0]
        if not re.fullmatch(r"/[A-Za-z0-9][A-Za-z0-9._-]*", name):
            return self._reply(404, [("Content-Type", "text/plain"), ("Content-Length", "10")],
                               b"not found\n", send_body)
        path = os.path.join(self.server.root, name[1:])
        if not os.path.isfile(path):
            return self._reply(404, [("Content-Type", "text/plain"), ("Content-Length", "10")],
                               b"not found\n", send_body)
        with open(path, "rb") as f:
            data = f.read()
        mtime = int(os.stat(path).st_mtime)
        common = [("Last-Modified", email.utils.formatdate(mtime, usegmt=True)),
                  ("Accept-Ranges", "bytes")]
        ims = self.headers.get("If-Modified-Since")
        if ims:
            try:
                t = email.utils.parsedate_to_datetime(ims).timestamp()
            except (TypeError, ValueError, IndexError, OverflowError):
                t = None
            if t is not None and mtime <= t:
                return self._reply(304, common, b"", send_body)
        size = len(data)
        rng = self.headers.get("Range")
        m = re.fullmatch(r"\s*bytes=(\d*)-(\d*)\s*", rng or "")
        if m and (m.group(1) or m.group(2)):
            if m.group(1):
                first = int(m.group(1))
                last = int(m.group(2)) if m.group(2) else size - 1
            else:  # suffix range: the last N bytes
                first, last = max(0, size - int(m.group(2))), size - 1
            last = min(last, size - 1)
            if first >= size or first > last:
                return self._reply(416, common + [("Content-Range", f"bytes */{size}"),
                                                  ("Content-Length", "0")], b"", send_body)
            part = data[first:last + 1]
            return self._reply(206, common + [
                ("Content-Type", "application/octet-stream"),
                ("Content-Range", f"bytes {first}-{last}/{size}"),
                ("Content-Length", str(len(part)))], part, send_body)
        return self._reply(200, common + [("Content-Type", "application/octet-stream"),
                                          ("Content-Length", str(size))], data, send_body)


class Mirror:
    def __init__(self, root):
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), MirrorHandler)
        self.httpd.daemon_threads = True
        self.httpd.root = root
        self.httpd.log = []
        self.httpd.log_lock = threading.Lock()
        self.port = self.httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.httpd.serve_forever,
                                       kwargs={"poll_interval": 0.1}, daemon=True)
        self.thread.start()

    def mark(self):
        with self.httpd.log_lock:
            return len(self.httpd.log)

    def since(self, mark):
        with self.httpd.log_lock:
            return list(self.httpd.log[mark:])

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)


def show_requests(reqs):
    if not reqs:
        say("    mirror: (no requests)")
    for r in reqs:
        extra = []
        if r["range"]:
            extra.append(f"Range: {r['range']}")
        if r["ims"]:
            extra.append(f"If-Modified-Since: {r['ims']}")
        say(f"    mirror: {r['method']} {r['path']} -> {r['status']} ({r['bytes']} bytes)"
            + (f"  [{'; '.join(extra)}]" if extra else ""))


def publish(realdata, mirror_dir, files):
    """Copies realdata files into the mirror under the names freshclam asks for,
    with Last-Modified = the database's build time (as ClamAV's CDN does)."""
    for src, dst in files:
        p = os.path.join(mirror_dir, dst)
        shutil.copyfile(os.path.join(realdata, src), p)
        os.chmod(p, 0o644)
        ver = re.match(r"test-(\d+)\.", src)
        stime = cvd_stime(os.path.join(realdata, f"test-{ver.group(1)}.cvd")) if ver else None
        if stime:
            os.utime(p, (stime, stime))
    say("    mirror offers: " + ", ".join(sorted(os.listdir(mirror_dir))))


# ---------------------------------------------------------------- processes

def run(cmd, timeout, env=None, out_file=None):
    """Runs cmd in its own session; kills the whole group on timeout."""
    t = time.monotonic()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                         errors="replace", env=env, start_new_session=True)
    try:
        out, _ = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        out, _ = p.communicate()
        raise Failure(f"timed out after {timeout} s: {short(' '.join(cmd))}\n{out}")
    if out_file:
        with open(out_file, "w") as f:
            f.write(out)
    return p.returncode, out, time.monotonic() - t


def show_cmd(cmd, rc, out, secs, keep=None, limit=40):
    say(f"  $ {short(' '.join(cmd))}")
    say(f"    exit {rc} ({secs:.1f} s)")
    lines = out.splitlines()
    if keep is not None:
        lines = [l for l in lines if keep(l)]
    for l in lines[:limit]:
        say(f"    | {short(l)}")
    if len(lines) > limit:
        say(f"    | ... ({len(lines) - limit} more lines)")


FRESHCLAM_KEEP = re.compile(
    r"ERROR|WARNING|Querying|No local copy|Local copy of|database version obtained|"
    r"available for (download|update)|Retrieving|is up.to.date|up-to-date|Testing database|"
    r"Database test passed|updated \(version|cdiff|Properly loaded")


def freshclam_keep(line):
    if line.startswith(("* ", "> ", "< ", "downloadFile:", "download_complete_callback")):
        return False
    return bool(FRESHCLAM_KEEP.search(line))


def clean_env():
    """freshclam's environment: no proxy may send it anywhere but 127.0.0.1."""
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    env["no_proxy"] = env["NO_PROXY"] = "*"
    return env


def clamd_command(sock, command, timeout=10):
    """One z-command over clamd's Unix socket; returns the reply without the NUL."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    try:
        s.connect(sock)
        s.sendall(b"z" + command.encode() + b"\0")
        buf = b""
        while not buf.endswith(b"\0"):
            chunk = s.recv(4096)
            if not chunk:
                break
            buf += chunk
    finally:
        s.close()
    return buf.rstrip(b"\0").decode(errors="replace")


def stop_process(proc, what, grace=10):
    if proc is None or proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=grace)
        say(f"  stopped {what} (pid {proc.pid}) with SIGTERM, exit {proc.returncode}")
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        say(f"  {what} (pid {proc.pid}) ignored SIGTERM for {grace} s: SIGKILL")


def tail(path, n=40):
    if not os.path.exists(path):
        return f"({short(path)} does not exist)"
    with open(path, errors="replace") as f:
        return "".join(f.readlines()[-n:])


# ---------------------------------------------------------------- the test

def eicar_bytes():
    # The standard anti-virus test file, assembled here so that this script
    # itself does not contain it in one piece.
    a = "X5O!P%@AP[4\\PZX54(P^)7CC)7}$"
    b = "EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
    return (a + b).encode()


def main():
    global TMP
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cli", required=True, help="the cvdguard binary")
    ap.add_argument("--realdata", required=True, help="the shared realdata directory")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = ap.parse_args()
    cli = os.path.abspath(args.cli)
    hook = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "docs", "recipes",
                        "clamav-activate.sh")
    realdata = os.path.abspath(args.realdata)

    def which(name, *extra):
        for c in (shutil.which(name),) + extra:
            if c and os.access(c, os.X_OK):
                return c
        return None
    freshclam = which("freshclam", "/usr/bin/freshclam")
    clamd = which("clamd", "/usr/sbin/clamd")
    clamdscan = which("clamdscan", "/usr/bin/clamdscan")
    if not (freshclam and clamd and clamdscan):
        return skip("freshclam, clamd or clamdscan not installed "
                    "(packages clamav-freshclam, clamav-daemon, clamdscan)")
    for f in ["test-1.cvd", "test-4.cvd", "test-2.cdiff", "test-3.cdiff", "test-4.cdiff"]:
        if not os.path.isfile(os.path.join(realdata, f)):
            say(f"FAIL: {f} missing in {realdata}")
            return 1
    if not os.access(cli, os.X_OK):
        say(f"FAIL: {cli} is not executable")
        return 1

    # /tmp keeps the socket path short (sun_path is 108 bytes).
    TMP = tempfile.mkdtemp(prefix="cvdg-fc-", dir="/tmp" if os.access("/tmp", os.W_OK) else None)
    d = {k: os.path.join(TMP, k) for k in ("mirror", "staging", "cand", "live", "q", "state", "run")}
    for p in d.values():
        os.makedirs(p)
    sock = os.path.join(d["run"], "clamd.sock")
    clamd_log = os.path.join(d["run"], "clamd.log")
    fc_conf = os.path.join(TMP, "freshclam.conf")
    clamd_conf = os.path.join(TMP, "clamd.conf")
    eicar = os.path.join(d["run"], "eicar.com")
    mirror = None
    clamd_proc = None
    clamd_out = None
    fc_outs = []
    failed = True
    try:
        if len(sock.encode()) >= 108:
            raise Failure(f"socket path too long for sun_path: {sock}")
        say(f"freshclam recipe, temporary directory $T = {TMP}")
        v = run([freshclam, "--version"], 10)[1].strip()
        say(f"  {v} ({freshclam}); {run([clamd, '--version'], 10)[1].strip()} ({clamd})")

        mirror = Mirror(d["mirror"])
        say(f"  mirror: {mirror.url} (a thread of this process) serving $T/mirror")

        # freshclam.conf: update the "test" database only, into STAGING, from
        # the local mirror, with scripted (.cdiff) updates and a test load.
        fc_lines = [
            f"DatabaseDirectory {d['staging']}",
            f"UpdateLogFile {d['run']}/freshclam.log",
            # Not DNSDatabaseInfo: freshclam 1.4 resolves whatever name it holds
            # (even "no"); --no-dns on the command line turns the lookup off.
            f"DatabaseMirror {mirror.url}",
            "ExcludeDatabase daily",
            "ExcludeDatabase main",
            "ExcludeDatabase bytecode",
            "ExtraDatabase test",
            "ScriptedUpdates yes",
            # freshclam's own libclamav test load before it replaces a staged file:
            # a second, independent check in front of cvdguard's.
            "TestDatabases yes",
            "MaxAttempts 1",
            "ConnectTimeout 5",
            "ReceiveTimeout 30",
        ]
        if os.geteuid() == 0:
            fc_lines.append("DatabaseOwner root")  # else it drops to "clamav", who cannot write $T
        with open(fc_conf, "w") as f:
            f.write("\n".join(fc_lines) + "\n")
        cl_lines = write_clamd_conf(clamd_conf, sock, d["live"], d["run"])  # log: clamd_log
        say("  $T/freshclam.conf:")
        for l in fc_lines:
            say(f"    {short(l)}")
        say("  $T/clamd.conf:")
        for l in cl_lines:
            say(f"    {short(l)}")
        with open(eicar, "wb") as f:
            f.write(eicar_bytes())
        env = clean_env()
        fc_cmd = [freshclam, f"--config-file={fc_conf}", "--no-warnings", "--no-dns",
                  "--stdout", "--verbose"]

        def freshclam_round(n):
            mark = mirror.mark()
            out_file = os.path.join(d["run"], f"freshclam-{n}.out")
            fc_outs.append(out_file)
            rc, out, secs = run(fc_cmd, 60, env=env, out_file=out_file)
            show_cmd(fc_cmd, rc, out, secs, keep=freshclam_keep)
            reqs = mirror.since(mark)
            show_requests(reqs)
            if rc != 0:
                raise Failure(f"freshclam exited {rc} (full output: {short(out_file)})")
            if re.search(r"^Querying ", out, re.M):
                raise Failure("freshclam made a DNS query although --no-dns was given")
            for url in re.findall(r"^(?:Retrieving|Trying to retrieve .*? from|downloadFile: "
                                  r"Download source:)\s+(\S+)", out, re.M):
                if not url.startswith(mirror.url + "/"):
                    raise Failure(f"freshclam named a server other than the mirror: {url}")
            stray = [r["path"] for r in reqs if not r["path"].startswith("/test")]
            if stray:
                raise Failure(f"freshclam asked for other databases: {stray}")
            return out, reqs

        def run_hook(expect_rc, reload_cmd):
            """Runs docs/recipes/clamav-activate.sh, freshclam's OnUpdateExecute hook."""
            env_hook = dict(env, STAGING=d["staging"], CANDIDATES=d["cand"], LIVE=d["live"],
                            QUARANTINE=d["q"], STATE_DIR=d["state"], CVDGUARD=cli,
                            RELOAD=reload_cmd)
            cmd = ["sh", hook]
            rc, out, secs = run(cmd, 60, env=env_hook)
            show_cmd(["STAGING=$T/staging", "CANDIDATES=$T/cand", "LIVE=$T/live", "...",
                      f"RELOAD='{reload_cmd}'", "sh", "docs/recipes/clamav-activate.sh"],
                     rc, out, secs)
            lines = [l for l in out.splitlines() if l.startswith("{")]
            if not lines:
                raise Failure(f"the hook printed no activate JSON (exit {rc})")
            if rc != expect_rc:
                raise Failure(f"the hook exited {rc}, expected {expect_rc}")
            return json.loads(lines[-1])

        def scan_eicar():
            return clamd_command(sock, f"SCAN {eicar}")

        def ping():
            rc, out, _ = run([clamdscan, f"--config-file={clamd_conf}", "--ping", "1"], 15)
            return rc, out.strip()

        # ============================================================ round 1
        say("\n== round 1: mirror offers test.cvd version 1")
        publish(realdata, d["mirror"], [("test-1.cvd", "test.cvd")])
        out, reqs = freshclam_round(1)
        staged = os.path.join(d["staging"], "test.cvd")
        if not os.path.isfile(staged) or sha256(staged) != sha256(os.path.join(realdata, "test-1.cvd")):
            raise Failure("staging/test.cvd is not test-1.cvd after round 1")
        if not any(r["path"] == "/test.cvd" and r["status"] == 200 for r in reqs):
            raise Failure("freshclam did not download test.cvd")
        if listing(d["live"]):
            raise Failure("freshclam wrote into live/")
        say("  check: staging/test.cvd == realdata/test-1.cvd; live/ still empty")
        # clamd is not running yet (it refuses an empty directory): no reload.
        res = run_hook(0, "true")
        f0 = res["files"][0]
        if f0["outcome"] != "activated" or f0["version"] != 1 or not res["live_changed"]:
            raise Failure(f"test.cvd v1 was not activated: {f0}")
        live1 = listing(d["live"])
        if live1 != {"test.cvd": sha256(staged)} or os.listdir(d["cand"]):
            raise Failure(f"live/ after round 1 is {live1}, cand/ {os.listdir(d['cand'])}")
        if not os.path.isfile(staged):
            raise Failure("the hook took freshclam's own copy out of staging")
        say(f"  check: live/ = {{test.cvd v1}}, cand/ empty, staging/ keeps test.cvd")

        say("  starting clamd")
        clamd_out = open(os.path.join(d["run"], "clamd.stdout"), "w")
        clamd_proc = subprocess.Popen([clamd, "-c", clamd_conf], stdout=clamd_out,
                                      stderr=subprocess.STDOUT, start_new_session=True)
        say(f"  $ {clamd} -c $T/clamd.conf   (pid {clamd_proc.pid})")
        t = time.monotonic()
        while True:
            if clamd_proc.poll() is not None:
                raise Failure(f"clamd exited {clamd_proc.returncode} during start-up")
            rc, pong = ping()
            if rc == 0 and pong == "PONG":
                break
            if time.monotonic() - t > 30:
                raise Failure("clamd did not answer --ping within 30 s")
            time.sleep(0.2)
        say(f"  $ clamdscan --config-file=$T/clamd.conf --ping 1  -> {pong} "
            f"after {time.monotonic() - t:.1f} s")
        log = open(clamd_log, errors="replace").read()
        m = re.search(r"Reading databases from (.*)\n(?:.*\n)*?Loaded (\d+) signatures", log)
        if not m or m.group(1).strip() != d["live"]:
            raise Failure("clamd.log does not show the databases loaded from live/")
        say(f"    clamd.log | Reading databases from {short(m.group(1))}")
        say(f"    clamd.log | Loaded {m.group(2)} signatures.")
        say("    (clamd refuses to start on a directory without a database, so test.cvd was "
            "loaded; v1's only signature needs flevel <= 38, hence 0 usable signatures)")
        ver = clamd_command(sock, "VERSION")
        say(f"  clamd> VERSION -> {ver}   (names the daily version only; there is no daily here)")
        r1 = scan_eicar()
        say(f"  clamd> SCAN $T/run/eicar.com -> {short(r1)}")
        if not r1.endswith(": OK"):
            raise Failure(f"with test v1 the EICAR file should scan OK: {r1}")

        # ============================================================ round 2
        say("\n== round 2: mirror offers test.cvd version 4 and test-2/3/4.cdiff")
        publish(realdata, d["mirror"], [("test-4.cvd", "test.cvd"), ("test-4.cvd.sign", "test-4.cvd.sign")]
                + [(f"test-{n}.cdiff", f"test-{n}.cdiff") for n in (2, 3, 4)])
        out, reqs = freshclam_round(2)
        cdiffs = [r["path"] for r in reqs if r["path"].endswith(".cdiff") and r["status"] == 200]
        whole = [r for r in reqs if r["path"] == "/test.cvd" and r["status"] == 200 and not r["range"]]
        say(f"  fetched: cdiffs {cdiffs}; whole test.cvd downloads: {len(whole)}")
        staged_cld = os.path.join(d["staging"], "test.cld")
        if cdiffs != ["/test-2.cdiff", "/test-3.cdiff", "/test-4.cdiff"] or whole:
            raise Failure("freshclam did not update by patching with test-2..4.cdiff")
        if not os.path.isfile(staged_cld) or os.path.exists(staged):
            raise Failure(f"staging/ should hold test.cld only: {os.listdir(d['staging'])}")
        cmd = [cli, "verify", staged_cld]
        rc, vout, secs = run(cmd, 60)
        show_cmd(cmd, rc, vout, secs)
        if rc != 0 or "version 4" not in vout:
            raise Failure("the staged test.cld is not a valid version 4")
        log_mark = os.path.getsize(clamd_log)
        res = run_hook(0, f"{clamdscan} --config-file={clamd_conf} --reload")
        f0 = res["files"][0]
        if f0["outcome"] != "activated" or f0["version"] != 4 or f0.get("live_version") != 1:
            raise Failure(f"test.cld v4 was not activated over v1: {f0}")
        live2 = listing(d["live"])
        if live2 != {"test.cld": sha256(staged_cld)}:
            raise Failure(f"live/ should hold test.cld only, holds {sorted(live2)}")
        cmd = [cli, "status", "--db-dir", d["live"], "--state-dir", d["state"]]
        rc, sout, secs = run(cmd, 60)
        show_cmd(cmd, rc, sout, secs)
        if rc != 0:
            raise Failure(f"status exited {rc}")
        rc, sjson, _ = run(cmd + ["--json"], 60)
        lkg = json.loads(sjson)["last_known_good"]["files"]
        if [(x["name"], x["version"]) for x in lkg] != [("test.cvd", 1)]:
            raise Failure(f"last-known-good should hold test.cvd v1: {lkg}")
        say("  check: live/ = {test.cld v4} (the .cld replaced the .cvd); "
            "last-known-good = {test.cvd v1}")

        # The hook sent RELOAD because the live set changed.
        t = time.monotonic()
        reloaded = None
        while time.monotonic() - t < 30:
            with open(clamd_log, errors="replace") as f:
                f.seek(log_mark)
                new = f.read()
            m = re.search(r"Database correctly reloaded \((\d+) signatures\)", new)
            if m and "Activating the newly loaded database" in new:
                reloaded = m
                break
            if re.search(r"ERROR", new) or clamd_proc.poll() is not None:
                raise Failure("clamd failed to reload:\n" + new)
            time.sleep(0.1)
        if not reloaded:
            raise Failure("no 'Database correctly reloaded' in clamd.log within 30 s")
        for l in new.splitlines():
            if re.search(r"Reading databases|reloaded|Activating|Loaded", l):
                say(f"    clamd.log | {short(l)}")
        if int(reloaded.group(1)) == 0:
            raise Failure("clamd reloaded 0 signatures from test v4")
        r2 = scan_eicar()
        say(f"  clamd> VERSION -> {clamd_command(sock, 'VERSION')}")
        say(f"  clamd> SCAN $T/run/eicar.com -> {short(r2)}")
        if not r2.endswith("Eicar-Test-Signature FOUND"):
            raise Failure(f"after the reload v4's test.hdb should report EICAR: {r2}")
        say("  check: clamd serves test v4 (its Eicar-Test-Signature, absent from v1, matches)")

        say("\n== round 2b: nothing new on the mirror")
        before = listing(d["staging"])
        out, reqs = freshclam_round(3)
        if [r["status"] for r in reqs] != [304]:
            raise Failure(f"expected one conditional request answered 304: {reqs}")
        if listing(d["staging"]) != before:
            raise Failure("staging changed although the mirror had nothing new")
        say("  check: one If-Modified-Since request, 304, staging unchanged")
        # OnUpdateExecute would not even run now; the hook run anyway is a no-op.
        log_mark = os.path.getsize(clamd_log)
        res = run_hook(0, f"{clamdscan} --config-file={clamd_conf} --reload")
        f0 = res["files"][0]
        if f0["outcome"] != "already_live" or res["live_changed"] or listing(d["live"]) != live2:
            raise Failure(f"re-activating the live file should be a no-op: {res}")
        time.sleep(0.5)
        if "Reading databases" in open(clamd_log, errors="replace").read()[log_mark:]:
            raise Failure("the hook reloaded clamd although nothing changed")
        say("  check: already_live, exit 0, live/ unchanged, no reload")

        # ============================================================ round 3
        say("\n== round 3: a corrupted staged file (staging/test.cld truncated at half)")
        bad = os.path.join(d["cand"], "test.cld")
        with open(staged_cld, "rb") as f:
            data = f.read()
        with open(staged_cld, "wb") as f:
            f.write(data[:len(data) // 2])
        bad_sha = sha256(staged_cld)
        say(f"  wrote $T/staging/test.cld: {len(data) // 2} of {len(data)} bytes, "
            f"sha256 {bad_sha[:16]}…")
        q_before = set(os.listdir(d["q"]))
        res = run_hook(1, f"{clamdscan} --config-file={clamd_conf} --reload")
        f0 = res["files"][0]
        if f0["outcome"] != "quarantined" or res["live_changed"]:
            raise Failure(f"the truncated test.cld should be quarantined: {f0}")
        if os.path.exists(bad):
            raise Failure("the refused candidate was left in cand/")
        new_q = sorted(set(os.listdir(d["q"])) - q_before)
        recs = [n for n in new_q if n.endswith(".json")]
        if len(recs) != 1:
            raise Failure(f"expected one new quarantine record, found {new_q}")
        with open(os.path.join(d["q"], recs[0])) as f:
            rec = json.load(f)
        moved = os.path.join(d["q"], rec.get("file", ""))
        if rec.get("sha256") != bad_sha or rec.get("reason") != "invalid" \
                or not os.path.isfile(moved) or sha256(moved) != bad_sha:
            raise Failure(f"quarantine record/file do not match the candidate: {rec}")
        say(f"  quarantine: {', '.join(new_q)}")
        say(f"    record: reason={rec['reason']} failed_check={rec['failed_check']['name']} "
            f"({rec['failed_check']['detail']})")
        if listing(d["live"]) != live2:
            raise Failure("live/ changed although the candidate was refused")
        rc, pong = ping()
        r3 = scan_eicar()
        say(f"  $ clamdscan --config-file=$T/clamd.conf --ping 1  -> {pong}")
        say(f"  clamd> SCAN $T/run/eicar.com -> {short(r3)}")
        if rc != 0 or pong != "PONG" or not r3.endswith("Eicar-Test-Signature FOUND"):
            raise Failure("clamd no longer serves v4 after the refused activation")
        say("  check: exit 1, candidate in q/ with its JSON record, live/ unchanged, "
            "clamd still answers with v4")
        cmd = [cli, "status", "--db-dir", d["live"], "--state-dir", d["state"],
               "--quarantine-dir", d["q"]]
        rc, sout, secs = run(cmd, 60)
        show_cmd(cmd, rc, sout, secs)
        if rc != 0:
            raise Failure(f"status exited {rc}")
        failed = False
        return 0
    except Failure as e:
        say(f"\nFAIL: {e}")
        for p in fc_outs[-1:]:
            say(f"--- {short(p)} (tail) ---")
            say(short(tail(p, 60)))
        say(f"--- $T/run/freshclam.log (tail) ---\n{short(tail(os.path.join(d['run'], 'freshclam.log'), 30))}")
        say(f"--- $T/run/clamd.log (tail) ---\n{short(tail(clamd_log, 30))}")
        say(f"--- $T/run/clamd.stdout (tail) ---\n{short(tail(os.path.join(d['run'], 'clamd.stdout'), 10))}")
        if mirror:
            say("--- all mirror requests ---")
            show_requests(mirror.since(0))
        return 1
    finally:
        say("\n== clean-up")
        stop_process(clamd_proc, "clamd")
        if clamd_out:
            clamd_out.close()
        if mirror:
            mirror.stop()
            say("  stopped the mirror")
        for conf in (clamd_conf, fc_conf):
            for pid in pids_naming(conf):
                try:
                    os.kill(pid, signal.SIGKILL)
                    say(f"  killed leftover pid {pid} naming {short(conf)}")
                except OSError:
                    pass
        if args.keep:
            say(f"  kept {TMP}")
        else:
            shutil.rmtree(TMP, ignore_errors=True)
        say(f"runtime {time.monotonic() - T0:.1f} s")
        if not failed:
            say("freshclam recipe: PASS")


if __name__ == "__main__":
    sys.exit(main())
