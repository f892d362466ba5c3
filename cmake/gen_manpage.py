#!/usr/bin/env python3
"""Generates the cvdguard(1) man page from the built CLI itself.

The page is assembled from `cvdguard --help`, `cvdguard SUB --help` for every
sub-command the help lists (recursively), `cvdguard codes --markdown` (the
finding codes) and the Markdown of docs/exit-codes.md and docs/json-schema.md.
Nothing is written by hand here, so the page cannot drift from --help.

Python 3 standard library only.
"""
import argparse
import datetime
import os
import re
import subprocess
import sys

SECTION_RE = re.compile(r"^([A-Za-z][A-Za-z ]*):\s*$")
ENTRY_RE = re.compile(r"^  (\S.*?)(?:\s{2,}(\S.*))?$")


def run(cli, args):
    proc = subprocess.run([cli] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True, check=False, env=dict(os.environ, NO_COLOR="1"))
    if proc.returncode != 0:
        sys.exit("gen_manpage: `%s %s` failed (exit %d): %s" %
                 (cli, " ".join(args), proc.returncode, proc.stderr.strip()))
    return proc.stdout


class Help:
    """One parsed CLI11 help text."""

    def __init__(self, text):
        self.description = []
        self.usage = ""
        self.sections = {}  # "options" -> [(spec, description)]
        self.footer = []
        current = None
        for line in text.splitlines():
            if not line.strip():
                continue
            if line.startswith("Usage:"):
                self.usage = line[len("Usage:"):].strip()
                continue
            m = SECTION_RE.match(line)
            if m and not line.startswith(" "):
                current = m.group(1).strip().lower()
                self.sections.setdefault(current, [])
                continue
            if current is None:
                self.description.append(line.strip())
                continue
            m = ENTRY_RE.match(line)
            if m and line.startswith("  ") and not line.startswith("   "):
                self.sections[current].append([m.group(1).strip(), m.group(2) or ""])
            elif line.startswith("   ") and self.sections[current]:
                entry = self.sections[current][-1]
                entry[1] = (entry[1] + " " + line.strip()).strip()
            else:
                # Text after the lists (a CLI11 footer): keep it as prose.
                self.footer.append(line.strip())

    def subcommands(self):
        return [spec.split()[0] for spec, _ in self.sections.get("subcommands", [])]


def esc(text):
    """Escapes plain text for roff (no font changes)."""
    text = text.replace("\\", "\\e").replace("-", "\\-")
    return text


def inline(text):
    """Markdown inline markup -> roff: `code`, **bold**, *italic*."""
    out = []
    pos = 0
    for m in re.finditer(r"`([^`]+)`|\*\*([^*]+)\*\*|(?<![\w*])\*([^*\s][^*]*)\*", text):
        out.append(esc(text[pos:m.start()]))
        if m.group(1) is not None:
            out.append("\\fB" + esc(m.group(1)) + "\\fR")
        elif m.group(2) is not None:
            out.append("\\fB" + esc(m.group(2)) + "\\fR")
        else:
            out.append("\\fI" + esc(m.group(3)) + "\\fR")
        pos = m.end()
    out.append(esc(text[pos:]))
    return "".join(out)


def line_safe(text):
    """A roff text line must not start with '.' or '\''."""
    return "\\&" + text if text[:1] in (".", "'") else text


def table_cells(line):
    return [c.strip() for c in line.strip().strip("|").split("|")]


def markdown_to_roff(md, skip_title=True):
    """Converts the Markdown our docs use (headings, paragraphs, lists, pipe
    tables, fenced code) to roff body text."""
    out = []
    lines = md.splitlines()
    i = 0
    para = []

    def flush():
        if para:
            out.append(".PP")
            out.append(line_safe(inline(" ".join(para))))
            para.clear()

    while i < len(lines):
        line = lines[i]
        stripped = line.strip()
        if stripped.startswith("```"):
            flush()
            out.append(".PP")
            out.append(".RS 2")
            out.append(".nf")
            i += 1
            while i < len(lines) and not lines[i].strip().startswith("```"):
                out.append(line_safe(esc(lines[i])))
                i += 1
            out.append(".fi")
            out.append(".RE")
        elif stripped.startswith("#"):
            flush()
            level = len(stripped) - len(stripped.lstrip("#"))
            title = stripped.lstrip("#").strip()
            if level == 1 and skip_title:
                pass
            else:
                out.append(".SS " + inline(title))
        elif stripped.startswith("|"):
            flush()
            rows = []
            while i < len(lines) and lines[i].strip().startswith("|"):
                rows.append(table_cells(lines[i]))
                i += 1
            i -= 1
            body = [r for r in rows[1:] if not all(re.fullmatch(r":?-+:?", c) for c in r)]
            for cells in body:
                if len(cells) >= 4:
                    tag = "\\fB%s\\fR %s" % (esc(cells[0]), inline(cells[1]))
                    if cells[2]:
                        tag += " (" + inline(cells[2]) + ")"
                    text = "; ".join(inline(c) for c in cells[3:])
                else:
                    tag = inline(cells[0]) if cells[0].startswith("`") else "\\fB%s\\fR" % esc(cells[0])
                    text = "; ".join(inline(c) for c in cells[1:])
                out.append(".TP")
                out.append(line_safe(tag))
                out.append(line_safe(text))
        elif re.match(r"^\s*[-*] ", line):
            flush()
            item = [re.sub(r"^\s*[-*] ", "", line).strip()]
            while (i + 1 < len(lines) and lines[i + 1].strip() and
                   not re.match(r"^\s*[-*] ", lines[i + 1]) and lines[i + 1].startswith(" ")):
                i += 1
                item.append(lines[i].strip())
            out.append(".IP \\(bu 2")
            out.append(line_safe(inline(" ".join(item))))
        elif not stripped:
            flush()
        else:
            para.append(stripped)
        i += 1
    flush()
    return out


def options_block(entries):
    out = []
    for spec, desc in entries:
        out.append(".TP")
        out.append(line_safe("\\fB" + esc(spec) + "\\fR"))
        out.append(line_safe(esc(desc) if desc else ""))
    return out


def command_section(cli, path, out, usages):
    """Adds `cvdguard PATH --help` and recurses into its sub-commands."""
    helptext = Help(run(cli, path + ["--help"]))
    out.append(".SS " + esc("cvdguard " + " ".join(path)))
    usages.append(helptext.usage)
    if helptext.description:
        out.append(line_safe(esc(" ".join(helptext.description))))
    out.append(".PP")
    out.append("Usage: " + line_safe("\\fB" + esc(helptext.usage) + "\\fR"))
    for name in ("positionals", "options"):
        entries = [e for e in helptext.sections.get(name, [])
                   if not e[0].startswith("-h,--help")]
        if entries:
            out.append(".PP")
            out.append(name.capitalize() + ":")
            out.append(".RS 4")
            out.extend(options_block(entries))
            out.append(".RE")
    subs = helptext.sections.get("subcommands", [])
    if subs:
        out.append(".PP")
        out.append("Sub-commands:")
        out.append(".RS 4")
        out.extend(options_block(subs))
        out.append(".RE")
    if helptext.footer:
        out.append(".PP")
        out.append(line_safe(esc(" ".join(helptext.footer))))
    for sub in helptext.subcommands():
        command_section(cli, path + [sub], out, usages)


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--cli", required=True)
    ap.add_argument("--version", required=True)
    ap.add_argument("--exit-codes", required=True)
    ap.add_argument("--json-schema", required=True)
    ap.add_argument("--output", required=True)
    a = ap.parse_args()

    top = Help(run(a.cli, ["--help"]))
    subs = top.subcommands()
    if not subs:
        sys.exit("gen_manpage: `cvdguard --help` lists no sub-commands")
    if "codes" not in subs:
        sys.exit("gen_manpage: the CLI has no `codes` sub-command: cannot list finding codes")
    codes_md = run(a.cli, ["codes", "--markdown"])
    with open(a.exit_codes, encoding="utf-8") as f:
        exit_md = f.read()
    with open(a.json_schema, encoding="utf-8") as f:
        json_md = f.read()

    # SOURCE_DATE_EPOCH keeps the page reproducible.
    epoch = int(os.environ.get("SOURCE_DATE_EPOCH", "0")) or None
    date = (datetime.datetime.fromtimestamp(epoch, datetime.timezone.utc) if epoch
            else datetime.datetime.now(datetime.timezone.utc)).strftime("%Y-%m-%d")

    summary = " ".join(top.description) or "cvdguard"
    short = summary.split(":", 1)[1].strip() if ":" in summary else summary

    commands = []
    usages = []
    for sub in subs:
        command_section(a.cli, [sub], commands, usages)

    out = []
    out.append('.\\" Generated by cmake/gen_manpage.py from `cvdguard --help`; do not edit.')
    out.append('.TH CVDGUARD 1 "%s" "cvdguard %s" "User Commands"' % (date, esc(a.version)))
    out.append(".SH NAME")
    out.append("cvdguard \\- " + esc(short))
    out.append(".SH SYNOPSIS")
    out.append(".nf")
    out.append("\\fBcvdguard\\fR [\\fB\\-\\-help\\fR] [\\fB\\-\\-version\\fR]")
    for usage in usages:
        out.append(line_safe("\\fB" + esc(usage) + "\\fR"))
    out.append(".fi")
    out.append(".SH DESCRIPTION")
    out.append(line_safe(esc(summary)))
    out.append(".PP")
    out.append("Every sub-command prints its own help with \\fB\\-\\-help\\fR; this page is "
               "generated from that help, so the two always agree.")
    out.append(".SH OPTIONS")
    out.extend(options_block(top.sections.get("options", [])))
    out.append(".SH COMMANDS")
    out.extend(commands)
    out.append(".SH EXIT STATUS")
    out.extend(markdown_to_roff(exit_md))
    out.append(".SH ENVIRONMENT")
    out.append(".TP")
    out.append("\\fBNO_COLOR\\fR")
    out.append("When set, output is never coloured. Colour is used only on a terminal.")
    out.append(".SH FINDING CODES")
    out.extend(markdown_to_roff(codes_md))
    out.append(".SH JSON OUTPUT")
    out.extend(markdown_to_roff(json_md))
    out.append(".SH SEE ALSO")
    out.append("\\fBclamscan\\fR(1), \\fBfreshclam\\fR(1), \\fBsigtool\\fR(1), \\fBclamd\\fR(8)")
    out.append(".PP")
    out.append("The C API: \\fI/usr/include/cvdguard/cvdguard.h\\fR and docs/c\\-api.md.")

    tmp = a.output + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write("\n".join(out) + "\n")
    os.replace(tmp, a.output)


if __name__ == "__main__":
    main()
