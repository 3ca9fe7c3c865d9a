#!/usr/bin/env python3
"""Fill every msgstr of PO/POT files with a fake "translation".

Usage: fill_po.py [--mode reverse|upper] IN_DIR OUT_DIR [--ext .po]

Bench preparation only (not timed).  Stdlib only: a small PO reader/writer
that understands what html2po / po4a write (msgctxt, msgid, msgstr, multi-line
strings, comments; no plurals).  The fake translation reverses the characters
of each text run but keeps inline tags (<a href="...">, <strong>, ...) and
entities (&amp;) intact, so po2html / po4a-translate get well-formed markup and
the reassembled output visibly differs from the source.  Entries whose text
has no letters (numbers, dates) are copied unchanged.
"""

import argparse
import os
import re
import sys

TOKEN = re.compile(r"(<[^>]+>|&[#\w]+;|%[sd]|\{[^}]*\})")


def fake(text, mode):
    parts = TOKEN.split(text)
    out = []
    for k, p in enumerate(parts):
        if k % 2 == 1:
            out.append(p)  # tag / entity / placeholder: keep
        elif mode == "upper":
            out.append(p.upper())
        else:
            # reverse word order and letters inside a run, keep outer spaces
            lead = p[: len(p) - len(p.lstrip())]
            trail = p[len(p.rstrip()) :]
            core = p.strip()
            out.append(lead + core[::-1] + trail if core else p)
    return "".join(out)


def unquote(s):
    s = s.strip()
    assert s[0] == '"' and s[-1] == '"', s
    s = s[1:-1]
    return (
        s.replace("\\\\", "\x00")
        .replace('\\"', '"')
        .replace("\\n", "\n")
        .replace("\\t", "\t")
        .replace("\x00", "\\")
    )


def quote(s):
    s = s.replace("\\", "\\\\").replace('"', '\\"').replace("\t", "\\t")
    if "\n" in s[:-1]:
        lines = s.split("\n")
        chunks = [l + "\\n" for l in lines[:-1]] + ([lines[-1]] if lines[-1] else [])
        return '""\n' + "\n".join(f'"{c}"' for c in chunks)
    return '"{}"'.format(s.replace("\n", "\\n"))


def parse(path):
    """Yield entries as dicts: comments (list of raw lines), msgctxt, msgid, msgstr."""
    entries, cur, field = [], None, None

    def flush():
        if cur is not None and "msgid" in cur:
            entries.append(cur)

    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line.strip():
                continue
            if line.startswith("#"):
                if cur is None or "msgid" in cur:
                    flush()
                    cur = {"comments": []}
                cur["comments"].append(line)
                field = None
                continue
            m = re.match(r'(msgctxt|msgid|msgstr)\s+(".*")$', line)
            if m:
                if (
                    (
                        m.group(1) in ("msgctxt",)
                        or (m.group(1) == "msgid" and cur is not None and "msgid" in cur)
                    )
                    and cur is not None
                    and "msgid" in cur
                ):
                    flush()
                    cur = {"comments": []}
                if cur is None:
                    cur = {"comments": []}
                field = m.group(1)
                cur[field] = unquote(m.group(2))
                continue
            if line.startswith('"') and field:
                cur[field] += unquote(line)
                continue
            raise ValueError(f"{path}: cannot parse line {line!r}")
    flush()
    return entries


def write(entries, path):
    with open(path, "w", encoding="utf-8") as f:
        for e in entries:
            for c in e["comments"]:
                f.write(c + "\n")
            if "msgctxt" in e:
                f.write("msgctxt {}\n".format(quote(e["msgctxt"])))
            f.write("msgid {}\n".format(quote(e["msgid"])))
            f.write("msgstr {}\n\n".format(quote(e["msgstr"])))


def fill_file(src, dst, mode):
    entries = parse(src)
    for e in entries:
        if e["msgid"] == "":
            # header: drop the fuzzy flag, set a language
            e["comments"] = [c for c in e["comments"] if c != "#, fuzzy"]
            hdr = e["msgstr"]
            if "Language:" in hdr:
                hdr = re.sub(r"Language: [^\n]*\n", "Language: es\n", hdr)
            else:
                hdr += "Language: es\n"
            e["msgstr"] = hdr
            continue
        if re.search(r"[^\W\d_]", e["msgid"]):
            e["msgstr"] = fake(e["msgid"], mode)
        else:
            e["msgstr"] = e["msgid"]
        e["comments"] = [c for c in e["comments"] if not c.startswith("#, fuzzy")]
    write(entries, dst)
    return len(entries) - 1


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("indir")
    ap.add_argument("outdir")
    ap.add_argument("--mode", choices=["reverse", "upper"], default="reverse")
    ap.add_argument("--ext", default=".po")
    a = ap.parse_args()
    os.makedirs(a.outdir, exist_ok=True)
    n = files = 0
    for name in sorted(os.listdir(a.indir)):
        if not name.endswith((".po", ".pot")):
            continue
        base = name.rsplit(".", 1)[0]
        n += fill_file(os.path.join(a.indir, name), os.path.join(a.outdir, base + a.ext), a.mode)
        files += 1
    print("filled %d entries in %d files" % (n, files), file=sys.stderr)


if __name__ == "__main__":
    main()
