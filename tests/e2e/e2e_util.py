"""Shared by the end-to-end scripts in this directory."""
import os
import signal


def skip(reason):
    """Exit status for a missing prerequisite: 77 (ctest SKIP), or 1 under
    CVDGUARD_NO_SKIP=1, which .ci/run sets so a CI machine that lacks a
    package fails loudly instead of passing without the test."""
    if os.environ.get("CVDGUARD_NO_SKIP") == "1":
        print(f"FAIL: {reason} (CVDGUARD_NO_SKIP=1: .ci/deps should have installed it)")
        return 1
    print(f"SKIP: {reason}")
    return 77


def pids_naming(path):
    """Pids of processes whose command line names `path` (the test's own config
    or socket paths, so nothing else on the machine matches)."""
    found = []
    needle = path.encode()
    for pid in os.listdir("/proc"):
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                cmd = f.read().split(b"\0")
        except OSError:
            continue
        if any(needle in c for c in cmd):
            found.append(int(pid))
    return found


def kill_naming(path):
    """SIGKILLs every process pids_naming(path) finds; returns their pids."""
    pids = pids_naming(path)
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    return pids


def write_clamd_conf(path, sock, db, run):
    """A clamd.conf for tests: a Unix socket only (never TCP), the database
    directory `db`, log and temporary files in `run`. Returns its lines."""
    lines = [
        "Foreground yes",
        f"LocalSocket {sock}",
        f"DatabaseDirectory {db}",
        f"LogFile {run}/clamd.log",
        f"TemporaryDirectory {run}",
        # Reloads happen only when a test (or the supervisor) asks.
        "SelfCheck 0",
    ]
    if os.geteuid() == 0:
        lines.append("User root")  # do not drop to the clamav user: the dirs are ours
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    return lines


def finish(name, failures):
    """Prints the failures (or PASS) and returns the exit code."""
    for f in failures:
        print(f"FAIL: {f}")
    if not failures:
        print(f"{name}: PASS")
    return 1 if failures else 0
