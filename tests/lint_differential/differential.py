#!/usr/bin/env python3
"""Differential test: cvdguard's line linter versus libclamav 1.4.6.

Takes real signature lines (read straight out of ../shared/realdata/*.cvd,
never copied) plus generated ones, makes single-line mutations, packs each
case into an unsigned .cud (COPYING, .info without DSIG, one member) and asks
both clamscan -d CASE.cud (the oracle: exit 0/1 = the database loads,
2 = refused) and cvdguard_lint_probe (container-member rules). Prints the
agreement matrix and the disagreements.

    python3 tests/lint_differential/differential.py \
        --probe build-lint/tests/lint_differential/cvdguard_lint_probe --sample 300

--logic N adds N generated .ldb lines whose logical expressions (nested up
to hundreds of levels, mutated half the time) test the expression parser.

--focus N adds N generated lines aimed at the readings where mutations of
real lines rarely land: {...} gap tokens, POSIX bracket expressions (.wdb,
.cdb), PCRE classes and escapes (.ldb), nested hex alternations and
byte-compare reference ids.

Exit status: 0 when there is no "cvdguard loads, libclamav refuses" case and
at most --max-false-refusal percent of "cvdguard refuses, libclamav loads".
"""
import argparse
import concurrent.futures
import glob
import gzip
import hashlib
import io
import json
import os
import random
import subprocess
import sys
import tarfile
import tempfile
import time

REALDATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "shared", "realdata")

# Formats exercised, with the extra clamscan options that make libclamav parse
# them (the linter always checks what freshclam's test load would parse).
FORMATS = {
    "hdb": [], "hsb": [], "mdb": [], "msb": [], "fp": [], "sfp": [],
    "hdu": ["--detect-pua=yes"], "mdu": ["--detect-pua=yes"],
    "ndb": [], "ndu": ["--detect-pua=yes"],
    "ldb": [], "ldu": ["--detect-pua=yes"],
    "cdb": [], "cfg": [], "ign2": [], "ign": [], "ftm": [], "idb": [], "crb": [],
    "pdb": [], "gdb": [], "wdb": [], "cbc": ["--bytecode-unsigned"],
}

MD5 = "44d88612fea8a8f36de82e1278abb02f"
SHA256 = "275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f"
IDB_HASH = ("100620a0b05b0307055060b0350a0b0480307051060b8407008402058308058000008104098109096d"
            "020b6b0a046306031800001f040035080000000000")
CRB = ("Test.Sig.CRB;1;a5f872f51516a7b95493a152eb79b61d8999188c;e8fe30ff40549bb36227b3b6fa978bc3b7c93a1b;"
       "CA5767E912FAC3300561;010001;1;0;0;;comment")

GENERATED = {
    "hdb": [f"{MD5}:68:Eicar.MD5", f"{SHA256}:68:Eicar.SHA256", f"{MD5}:*:Any.Size:73",
            f"{MD5}:68:Test.A:51:255", "3395856ce81f2b7382dee72602f798b642f14140:68:T.Sha1"],
    "mdb": [f"68:{MD5}:Sect.MD5", f"*:{SHA256}:SectAny:73", f"45056:{MD5}:T:60:255"],
    "ndb": ["Eicar.Frag:0:*:58354f2150254041505b345c505a58353428505e2937434329377d2443434329377d",
            "PE.Ep:1:EP+0,16:e8????????5dc3", "Elf.Sect:6:S2+10:aabbccdd",
            "Html.Alt:3:*:3c736372697074(20|09)6c616e67", "Gap:0:*:aabb{200}ccdd{-10}eeff*0011:51:255",
            "T.A:0:*:aa[1-5]bbccdd", "T.A:2:*:aabb(cc|dddd)eeff", "T.A:0:*:!(aa|bb)ccdd",
            "T.A:2:*:aabb(B)ccdd(L)", "T.A:0:EOF-10:aabbcc??ddeeff", "T.A:1:SL+4:aabbccdd",
            "T.A:0:*:aabb{5}cc", "T.A:7:*:41424344(45|46)4748", "T.A:2:*:aabb(cc|d?|ee)ff"],
    "ldb": ["Sig1;Target:0;(0&1&2&3)&(4|1);6b6f74656b;616c61;7a6f6c77;7374656e;deadbeef",
            "Sig4;Engine:51-255,Target:1;((0|1)&(2|3))&4;EP+123:33c06834f04100f2aef7d14951684cf04100e8110a00;"
            "S2+78:22??232c2d252229{-15}6e6573(63|64)61706528;S3+50:68efa311c3b9963cb1ee8e586d32aeb9043e;"
            "f9c58dcf43987e4f519d629b103375;SL+550:6300680065005c0046006900",
            "Find.ClamAV;Engine:81-255,Target:0;0&1;aabbccdd;0/clam(av)?/i",
            "Bcomp;Engine:81-255,Target:0;0&1;aabbccdd;0(>>4#hb2#=0)",
            "Nocase;Engine:81-255,Target:0;0&1;41414141::i;68656c6c6f::wa",
            "T;Engine:51-255,Target:0,FileSize:1-100;(0|1)>2,1;aabbccdd;aabbccee",
            "T;Engine:51-255,Target:0;0&1;aabbccdd;${6-7}12$",
            "T;Engine:150-255,Target:0;0;fuzzy_img#af2ad01ed42993c7",
            "T;Engine:81-255,Target:1,Container:CL_TYPE_ZIP,EntryPoint:1-2;0;EP+0:aabbccdd"],
    "cdb": ["Test.Zip.Exe:CL_TYPE_ZIP:*:.*\\.exe:*:*:*:*:*:*", "T:*:10-20:.*:100:*:1:1-3:*:*",
            "T:CL_TYPE_RAR:*:.*:*:*:*:*:*:*:100", "T:CL_TYPE_ZIP:*:(abc|def)\\.txt:*:*:0:*:*:*:51:255"],
    "cfg": ["PE:0x1:200:255", "PCRE:0x7", "DOCUMENT:0xffffffff:200", "BYTECODE:0x1:1:255"],
    "ign2": ["Eicar-Test-Signature", f"Eicar-Test-Signature:{MD5}", "daily.ndb:123:Eicar-Test-Signature"],
    "ftm": ["0:0:4d5a:PE:CL_TYPE_ANY:CL_TYPE_MSEXE", "1:*:4d5a??????50450000:PE2:CL_TYPE_ANY:CL_TYPE_MSEXE",
            "1:0:7f454c46:ELF:CL_TYPE_ANY:CL_TYPE_ELF:73", "4:0:504b0304:Part:CL_TYPE_ANY:CL_TYPE_ZIP:51:255"],
    "idb": [f"Test.Sig.IDB_16x16x32:TEST_ICON_GROUP_1:TEST_ICON_GROUP_2:{IDB_HASH}"],
    "crb": [CRB, CRB.replace("e8fe30ff40549bb36227b3b6fa978bc3b7c93a1b", "") + ";51;255"],
    "pdb": ["H:amazon.com", "R:.+\\.amazon\\.(com|co\\.uk)([/?].*)?", "S:P:4d8bef53",
            f"S:F:{SHA256}", "H:amazon.com:17-", "R:.*abc", "R:ab[c]", "R:(ab|cd)"],
    "wdb": ["X:.+\\.amazon\\.com([/?].*)?:.+\\.amazon\\.com([/?].*)?", "M:mail.ebay.at:dm.ebay.de",
            "S:W:abcd", "Y:.+\\.example\\.com([/?].*)?"],
}
ALIASES = {"hsb": "hdb", "fp": "hdb", "sfp": "hdb", "hdu": "hdb", "msb": "mdb", "mdu": "mdb",
           "ndu": "ndb", "ldu": "ldb", "ign": "ign2", "gdb": "pdb"}

# Tokens inserted or substituted by the mutator, per family.
TOKENS = {
    "common": [":", ";", ",", "-", "*", "#", " ", "0", "1", "9", "216", "217", "999", "", "a", "z", "\t"],
    "hdb": [MD5, SHA256, "*", "0", "4294967295", "-1", "+68", "73", "abc"],
    "ndb": ["??", "a?", "?a", "*", "{5}", "{127}", "{128}", "{1-5}", "{-5}", "{5-}", "{}", "(", ")", "|",
            "!(", "(aa|bb)", "(aabb|ccdd)", "(B)", "(L)", "(W)", "[1-5]", "[", "]", "EP+", "EP-", "S1+",
            "SE1", "SL+", "EOF-", "VI", "$1$", "$40$", ",16", "0", "1", "2", "6", "15", "gg", "00"],
    "ldb": [";", "&", "|", "(", ")", ">1", "=0", "<2,1", "Engine:51-255,", "Engine:81-255", "Target:0",
            "Target:1", "Target:15", "FileSize:1-2", "EntryPoint:1-2", "Container:CL_TYPE_ZIP",
            "Container:CL_TYPE_FOO", "IconGroup1:x", "Intermediates:CL_TYPE_ZIP", "/", "0/abc/i",
            "0(>>4#hb2#=0)", "#", "${1-2}3$", "fuzzy_img#af2ad01ed42993c7", "::i", "::w", "::f", "::a",
            "::z", "aabbccdd", "??", "{5}", "*", "EP+0:", "0:"],
    "cdb": ["CL_TYPE_ZIP", "CL_TYPE_FOO", "(", ")", "[", ".*", "10-20", "a-b", "2", "*"],
    "cfg": ["PE:", "0x", "0X", "zz", "pe:", "::", "300"],
    "ign2": [MD5, ":", "1234"],
    "ftm": ["CL_TYPE_ANY", "CL_TYPE_FOO", "4d5a", "??", "*", "EP+0", "2", "1", "0", "4"],
    "idb": ["0", "f", "10", "11", "zz"],
    "crb": [";", "0", "1", "2", "zz", "abcd", "a5f872f51516a7b95493a152eb79b61d8999188c"],
    "pdb": ["H:", "R:", "S:", "X:", "M:", ".*", "?", "(", ")", "[", "]", ":17-", ":17", ":999-", "\\",
            "P:", "F:", "W:", "zz"],
    "cbc": ["`", "a", "p", "|", ":", "z", "0"],
}


def real_lines():
    """Lines of every linted member of the real CVDs (read in place)."""
    out = []
    for path in sorted(glob.glob(os.path.join(REALDATA, "*.cvd"))):
        with open(path, "rb") as f:
            data = f.read()[512:]
        try:
            raw = gzip.decompress(data)
        except OSError:
            raw = data
        with tarfile.open(fileobj=io.BytesIO(raw)) as tar:
            for m in tar.getmembers():
                ext = m.name.rsplit(".", 1)[-1].lower()
                if ext not in FORMATS or not m.isfile():
                    continue
                text = tar.extractfile(m).read().decode("latin-1")
                if ext == "cbc":
                    # Only the header line is mutated; the body stays, since a
                    # header alone is not a loadable bytecode.
                    head, _, body = text.partition("\n")
                    out.append((ext, head, body))
                    continue
                for line in text.split("\n"):
                    if line and not line.startswith("#") and len(line) < 4000:
                        out.append((ext, line, ""))
    return out


def mutate(rng, ext, line):
    fam = ALIASES.get(ext, ext)
    toks = TOKENS.get(fam, []) + TOKENS["common"]
    if fam == "wdb":
        toks = TOKENS["pdb"] + TOKENS["common"]
    kind = rng.randrange(9)
    n = len(line)
    pos = rng.randrange(n + 1)
    if kind == 0 and n:
        return line[:pos] + line[pos + 1:]                      # delete a character
    if kind == 1:
        return line[:pos] + rng.choice(toks) + line[pos:]       # insert a token
    if kind == 2 and n:
        j = min(n, pos + rng.randrange(1, 6))
        return line[:pos] + rng.choice(toks) + line[j:]         # replace a span
    if kind == 3 and n > 1:
        p = min(pos, n - 2)
        return line[:p] + line[p + 1] + line[p] + line[p + 2:]  # swap neighbours
    if kind == 4:
        return line[:pos]                                       # truncate
    sep = ";" if fam in ("ldb", "crb") else ":"
    fields = line.split(sep)
    i = rng.randrange(len(fields))
    if kind == 5 and len(fields) > 1:
        del fields[i]                                           # drop a field
    elif kind == 6:
        fields.insert(i, fields[rng.randrange(len(fields))])    # duplicate a field
    elif kind == 7:
        fields[i] = rng.choice(toks)                            # replace a field
    else:
        f = fields[i]                                           # mutate inside a field
        p = rng.randrange(len(f) + 1)
        fields[i] = f[:p] + rng.choice(toks) + f[p:]
    return sep.join(fields)


def make_cases(sample, seed):
    rng = random.Random(seed)
    real = real_lines()
    bank = {}
    for ext in FORMATS:
        bank[ext] = [(g, "") for g in GENERATED.get(ALIASES.get(ext, ext), [])]
    for ext, line, body in real:
        bank.setdefault(ext, []).append((line, body))
    exts = [e for e in FORMATS if bank.get(e)]
    cases, seen = [], set()
    attempts = 0
    while len(cases) < sample and attempts < sample * 20:
        attempts += 1
        ext = rng.choice(exts)
        line, body = rng.choice(bank[ext])
        if rng.random() >= 0.05:
            line = mutate(rng, ext, line)
            if rng.random() < 0.2:
                line = mutate(rng, ext, line)
        if "\n" in line or "\0" in line or (ext, line) in seen:
            continue
        seen.add((ext, line))
        cases.append((ext, line, body))
    return cases


def logic_expr(rng, depth=0):
    """A random .ldb logical expression over subsignatures 0-3: operator
    chains, groups with and without modifiers, and at times one of the deep
    shapes (hundreds of levels, to either side) whose cost used to be
    quadratic."""
    if depth == 0 and rng.random() < 0.3:
        d = rng.randrange(50, 400)
        shape = rng.randrange(4)
        e = "3"
        for i in range(d):
            n = str(rng.randrange(4))
            if shape == 0:
                e = "(" + e + ")"
            elif shape == 1:
                e = "(" + e + rng.choice("&|") + n + ")"
            elif shape == 2:
                e = n + rng.choice("&|") + "(" + e + ")"
            else:
                e = "((" + e + ")|" + n + ")" + rng.choice([">1", "=0", "<2,1", ""])
        return e
    kind = rng.randrange(8)
    if depth > 6 or kind < 2:
        return str(rng.randrange(4))
    left, right = logic_expr(rng, depth + 1), logic_expr(rng, depth + 1)
    op = rng.choice("&|")
    if kind < 4:
        return left + op + right
    if kind < 6:
        return "(" + left + ")"
    return "(" + left + op + right + ")" + rng.choice([">1", "=0", "<2,1", ">1,2", ""])


def logic_cases(count, seed):
    """.ldb lines whose logic is generated (and half the time mutated by one
    character), with subsignatures 0-3."""
    rng = random.Random(seed + 1)
    cases = []
    for _ in range(count):
        e = logic_expr(rng)
        if "3" not in e:
            e = "(" + e + ")|3"
        if rng.random() < 0.5:
            p = rng.randrange(len(e))
            e = e[:p] + rng.choice("()&|0>=,") + e[p + 1:]
        cases.append(("ldb", "Logic.Test;Target:0;" + e + ";aabbccdd;aabbccee;aabbccff;aabbcc00", ""))
    return cases


def focus_cases(count, seed):
    """Random shapes for the parsers the engine reads its own way (see the
    module docstring): one family per case, in turn."""
    rng = random.Random(seed + 2)

    def chars(alphabet, lo, hi):
        return "".join(rng.choice(alphabet) for _ in range(rng.randrange(lo, hi)))

    def nested(depth=1):
        out = ""
        for _ in range(rng.randrange(1, 4)):
            if depth < 3 and rng.random() < 0.3:
                out += "(" + "|".join(nested(depth + 1) for _ in range(rng.randrange(2, 4))) + ")"
            else:
                out += chars("abcd?", 0, 4)
        return out

    families = [
        lambda: ("ndb", "T.A:0:*:aabb{" + chars("0123456789-+ x", 0, 6) + "}ccdd"
                 + ("{" + chars("0123456789-", 0, 5) + "}eeff" if rng.random() < 0.3 else "")),
        lambda: ("wdb", "X:.+\\.amazon\\.com([" + chars("az09-]^[.:=\\/%!Z", 1, 7)
                 + "].*)?:.+\\.amazon\\.com([/?].*)?"),
        lambda: ("cdb", "Sig.A:CL_TYPE_ZIP:*:ab[" + chars("az09-]^[.:=\\/%!Z", 1, 7)
                 + "]cd:*:*:*:*:*:*"),
        lambda: ("ldb", "T;Engine:81-255,Target:0;0&1;aabbccdd;0/a["
                 + chars("az09-]^[.:=\\/%!dwxnqzEQpL{}", 1, 7) + "]b/"),
        lambda: ("ldb", "T;Engine:81-255,Target:0;0&1;aabbccdd;0/a"
                 + chars("ab\\\\qzgkEQpLN{}[]()|*+?.^$-:<>'", 1, 8) + "b/"),
        lambda: ("ndb", "T.A:0:*:aabb(" + "|".join(nested() for _ in range(rng.randrange(2, 4)))
                 + ")eeff"),
        lambda: ("ldb", "T;Engine:81-255,Target:0;0&1;aabbccdd;"
                 + chars("0123456789-+ ", 0, 5) + "(>>4#hb2#=0)"),
        lambda: ("pdb", "R:" + chars("ab|()[].", 1, 9)),
    ]
    return [(*families[i % len(families)](), "") for i in range(count)]


def pack_cud(db, member, data):
    """An unsigned .cud holding COPYING, <db>.info (no DSIG) and one member,
    in the layout cvdguard's builder writes: what the engine loads from an
    update, with the container's line and last-line rules."""
    info = "ClamAV-VDB:24 Nov 2026 00-00 +0000:1:1:81:X:X:cvdguard:1795478400\n"
    info += f"{member}:{len(data)}:{hashlib.sha256(data).hexdigest()}\n"
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as tf:
        for name, content in (("COPYING", b"cvdguard differential test\n"),
                              (f"{db}.info", info.encode()), (member, data)):
            ti = tarfile.TarInfo(name)
            ti.size, ti.mode, ti.mtime = len(content), 0o644, 0
            tf.addfile(ti, io.BytesIO(content))
    payload = gzip.compress(buf.getvalue(), compresslevel=1, mtime=0)
    header = (f"ClamAV-VDB:24 Nov 2026 00-00 +0000:1:1:81:{hashlib.md5(payload).hexdigest()}"
              ":X:cvdguard:1795478400").encode()
    return header.ljust(512, b" ") + payload


def oracle(ext, line, body, workdir, idx):
    path = os.path.join(workdir, f"case{idx}.cud")
    with open(path, "wb") as f:
        f.write(pack_cud(f"case{idx}", f"case{idx}.{ext}", (line + "\n" + body).encode("latin-1")))
    cmd = ["clamscan", "--no-summary", *FORMATS[ext], "-d", path, "/etc/hostname"]
    try:
        p = subprocess.run(cmd, capture_output=True, timeout=60)
        rc = p.returncode
        err = p.stderr.decode("latin-1").strip().splitlines()
    except subprocess.TimeoutExpired:
        rc, err = -1, ["timeout"]
    os.unlink(path)
    if rc in (0, 1):
        return "load", ""
    if rc == 2:
        return "refuse", " / ".join(err[-3:])
    return "error", " / ".join(err[-3:])


def lint(probe, cases):
    inp = "".join(f"case.{ext}\t{(line + chr(10) + body).encode('latin-1').hex()}\n" for ext, line, body in cases)
    p = subprocess.run([probe, "--batch", "--flevel", "216"], input=inp, capture_output=True,
                       text=True, check=True)
    out = []
    for row in p.stdout.splitlines():
        _, verdict, codes = row.split("\t")
        out.append((verdict, codes))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--probe", required=True, help="path to cvdguard_lint_probe")
    ap.add_argument("--sample", type=int, default=300, help="number of cases (default 300)")
    ap.add_argument("--logic", type=int, default=0, help="extra generated logical-expression cases")
    ap.add_argument("--focus", type=int, default=0, help="extra generated cases for the engine's own readings")
    ap.add_argument("--seed", type=int, default=20261124, help="random seed (deterministic)")
    ap.add_argument("--jobs", type=int, default=2, help="parallel clamscan processes")
    ap.add_argument("--max-false-refusal", type=float, default=1.0, help="percent allowed")
    ap.add_argument("--show", type=int, default=40, help="disagreements to print")
    ap.add_argument("--json", help="write every case with both verdicts to this file")
    args = ap.parse_args()

    t0 = time.time()
    cases = (make_cases(args.sample, args.seed) + logic_cases(args.logic, args.seed)
             + focus_cases(args.focus, args.seed))
    ours = lint(args.probe, cases)
    with tempfile.TemporaryDirectory(prefix="lintdiff") as wd:
        with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as ex:
            engine = list(ex.map(lambda a: oracle(*a[1], wd, a[0]), enumerate(cases)))

    matrix = {}
    disagreements = []
    records = []
    for (ext, line, _), (ov, codes), (ev, err) in zip(cases, ours, engine):
        matrix[(ov, ev)] = matrix.get((ov, ev), 0) + 1
        records.append({"ext": ext, "line": line, "ours": ov, "codes": codes, "engine": ev, "engine_error": err})
        if ev != "error" and ov != ev:
            disagreements.append((ov, ev, ext, line, codes, err))

    total = len(cases)
    false_load = matrix.get(("load", "refuse"), 0)
    false_refuse = matrix.get(("refuse", "load"), 0)
    engine_load = sum(v for (o, e), v in matrix.items() if e == "load")
    print(f"cases: {total}  (seed {args.seed}, {time.time() - t0:.1f}s)")
    print("                      libclamav loads   libclamav refuses   oracle error")
    for o in ("load", "refuse"):
        print(f"  cvdguard {o:8s}   {matrix.get((o, 'load'), 0):15d}   {matrix.get((o, 'refuse'), 0):17d}"
              f"   {matrix.get((o, 'error'), 0):12d}")
    unl = sum(v for (o, e), v in matrix.items() if o not in ("load", "refuse"))
    if unl:
        print(f"  not linted: {unl}")
    pct = 100.0 * false_refuse / max(total, 1)
    print(f"cvdguard loads / libclamav refuses: {false_load}  (goal 0)")
    print(f"cvdguard refuses / libclamav loads: {false_refuse} = {pct:.2f}% of cases"
          f" ({100.0 * false_refuse / max(engine_load, 1):.2f}% of engine-loaded)  (goal <= {args.max_false_refusal}%)")
    for ov, ev, ext, line, codes, err in disagreements[: args.show]:
        print(f"  [{ext}] ours={ov} engine={ev} codes={codes or '-'}\n      line: {line[:200]!r}"
              + (f"\n      engine: {err[:200]}" if err else ""))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(records, f, indent=1)
    ok = false_load == 0 and pct <= args.max_false_refusal
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
