#!/usr/bin/env python3
"""Writes the members of a generated daily-like database: mostly .hsb hash
signatures, plus .hdb, .ndb body signatures and .ldb logical signatures, all in
forms that libclamav loads. Deterministic for a given size and seed.

    gen_db.py SIZE_MB OUTDIR [NAME]
"""
import os
import random
import sys


def main():
    size_mb = float(sys.argv[1])
    out = sys.argv[2]
    name = sys.argv[3] if len(sys.argv) > 3 else "daily"
    os.makedirs(out, exist_ok=True)
    rng = random.Random(20261124)
    target = int(size_mb * 1024 * 1024)
    shares = {"hsb": 0.80, "hdb": 0.06, "ndb": 0.09, "ldb": 0.05}
    for ext, share in shares.items():
        want = int(target * share)
        written = 0
        n = 0
        with open(os.path.join(out, f"{name}.{ext}"), "w") as f:
            lines = []
            while written < want:
                n += 1
                if ext == "hsb":
                    h = rng.getrandbits(256).to_bytes(32, "big").hex()
                    line = f"{h}:{rng.randint(100, 10**7)}:Bench.Hsb-{n}-0:73\n"
                elif ext == "hdb":
                    h = rng.getrandbits(128).to_bytes(16, "big").hex()
                    line = f"{h}:{rng.randint(100, 10**6)}:Bench.Hdb-{n}-0\n"
                elif ext == "ndb":
                    body = rng.getrandbits(8 * 24).to_bytes(24, "big").hex()
                    line = f"Bench.Ndb-{n}-0:0:*:{body}\n"
                else:
                    a = rng.getrandbits(8 * 12).to_bytes(12, "big").hex()
                    b = rng.getrandbits(8 * 12).to_bytes(12, "big").hex()
                    line = f"Bench.Ldb-{n}-0;Engine:51-255,Target:1;0&1;{a};{b}\n"
                lines.append(line)
                written += len(line)
                if len(lines) >= 10000:
                    f.write("".join(lines))
                    lines = []
            f.write("".join(lines))


if __name__ == "__main__":
    main()
