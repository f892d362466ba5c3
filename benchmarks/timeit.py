#!/usr/bin/env python3
"""Alternating timer for benchmarks/compare.sh.

    timeit.py RUNS NAME=COMMAND...

Runs every COMMAND once per round, in the order given, for RUNS rounds, and
prints one line per run: "NAME WALL_SECONDS MAX_RSS_KB". Each COMMAND is
split like a shell word list (no shell is started, so none is timed) and
runs with stdout and stderr on /dev/null, under GNU time for its peak RSS
(%M, written to a file). The wall time is taken around that with a
monotonic clock, so it is exact to well under a millisecond (/usr/bin/time's
own %e counts in 10 ms steps, 6 % of a 0.16 s run); it includes the exec of
GNU time itself, about a millisecond and the same for every command. The
RSS cannot come from this process's wait4: a child spawned from Python
reports Python's peak (Linux keeps the peak across exec). A NAME ending in
"!" must exit 0 (the "!" is dropped from the name); others may fail.
"""
import os
import shlex
import sys
import tempfile
import time


def main():
    runs = int(sys.argv[1])
    cmds = []
    for spec in sys.argv[2:]:
        name, command = spec.split("=", 1)
        must_pass = name.endswith("!")
        cmds.append((name.rstrip("!"), shlex.split(command), must_pass))
    devnull = os.open(os.devnull, os.O_WRONLY)
    actions = [(os.POSIX_SPAWN_DUP2, devnull, 1), (os.POSIX_SPAWN_DUP2, devnull, 2)]
    with tempfile.NamedTemporaryFile(mode="r") as rss_file:
        gnu_time = ["/usr/bin/time", "-f", "%M", "-o", rss_file.name]
        for _ in range(runs):
            for name, argv, must_pass in cmds:
                start = time.perf_counter()
                pid = os.posix_spawn(gnu_time[0], gnu_time + argv, os.environ, file_actions=actions)
                _, status, _ = os.wait4(pid, 0)
                wall = time.perf_counter() - start
                if must_pass and os.waitstatus_to_exitcode(status) != 0:
                    sys.exit(f"timeit: {name} failed: {shlex.join(argv)}")
                rss_file.seek(0)
                rss_kb = rss_file.read().split()[-1]
                print(f"{name} {wall:.4f} {rss_kb}", flush=True)


if __name__ == "__main__":
    main()
