#!/usr/bin/env python3
"""Benchmark harness: peer tools for an EN->ES article translation workflow.

Usage:
    python3 peers.py [--work DIR] [--sizes 100,1000] [--reps 3]
                     [--only a,b,c,d,e,f] [--product 'LABEL=CMD' ...]

Generates a corpus with make_corpus.py (seed 1), then times whole commands,
each --reps times (median reported), with time.perf_counter() around
`/usr/bin/time -v bash -c CMD`:

  (a) translate-toolkit html2po, folder -> one POT per article
  (b) pretranslate (POT + filled PO -> PO) and po2html reassembly
  (c) po4a xhtml module on the 100-article subset: per-file po4a-updatepo /
      po4a-translate, and the unified `po4a` program with one config
  (d) Apertium `apertium -u -f html eng-spa`: one call over all articles,
      the largest corpus in batches, plain-text mode, and one call per
      paragraph on a 10-article subset
  (e) msgmerge (GNU gettext) and pot2po (translate-toolkit) of every filled
      PO against a POT re-extracted after editing 5 % of the paragraphs
  (f) extra: po4a text/markdown (with YAML front matter) on the .md files

Memory: "peak RSS" is GNU time's "Maximum resident set size" (the largest
single process of the command tree).  For Apertium (a pipeline of ~10
concurrent processes) the summed PSS (proportional set size, so shared
library and dictionary pages are not counted twice) of the command's process
tree is also sampled from /proc/PID/smaps_rollup every 0.5 s ("tree PSS").

A future product can be timed on the same corpora with --product, e.g.
    --product 'extract=python3 -m myproduct extract {html} -o {out}'
Placeholders: {html} {md} {pot} {po} {out} {n} {work}.  It is run for every
size, after the peers, with the same timing code; {out} is emptied first.

Resets: an output folder is renamed into WORK/.trash before a timed run
(never deleted there: deleting N files slows the next N file creations on
some machines) and the trash is emptied at the end of the run.

Results: WORK/results.json, copied to results/peers_results.json beside this
script (or --results-dir), plus RESULTS.table.md there (the table for
RESULTS.md).
"""

import argparse
import collections
import difflib
import glob
import json
import os
import platform
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from html.parser import HTMLParser

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import fill_po  # noqa: E402
import make_corpus as mc  # noqa: E402

PEERS = os.environ.get("PEERS_BIN", os.path.expanduser("~/.cache/peers/bin"))
APERTIUM = "apertium -u -f html eng-spa"

# --------------------------------------------------------------------------
# timing
# --------------------------------------------------------------------------
PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024


def tree_rss_kb(root):
    """Summed PSS (KB) of all descendants of pid root."""
    children = collections.defaultdict(list)
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as f:
                st = f.read()
        except OSError:
            continue
        try:
            ppid = int(st.rsplit(")", 1)[1].split()[1])
        except (IndexError, ValueError):
            continue
        children[ppid].append(int(d))
    total, stack = 0, list(children.get(root, []))
    while stack:
        pid = stack.pop()
        stack.extend(children.get(pid, []))
        try:  # proportional set size: shared pages split between sharers
            with open("/proc/%d/smaps_rollup" % pid) as f:
                for line in f:
                    if line.startswith("Pss:"):
                        total += int(line.split()[1])
                        break
        except (OSError, IndexError, ValueError):
            pass
    return total


def run_measured(cmd, cwd, log, sample_tree=False):
    """Run CMD under `/usr/bin/time -v` and return what was measured.

    A dict: wall_s (time.perf_counter() around the command), maxrss_kb (GNU
    time's "Maximum resident set size": the largest single process of the
    command tree, main process or worker), user_s and sys_s (CPU seconds of
    the whole tree, less sensitive to a loaded machine than the wall time),
    tree_kb (summed PSS of the tree, sampled every 0.5 s, when sample_tree),
    rc, and load1 (the 1-minute load average just before the run).
    """
    tfile = log + ".time"
    peak = [0]
    stop = threading.Event()
    load1 = os.getloadavg()[0]
    with open(log, "ab") as lf:
        lf.write((f"\n$ {cmd}\n").encode())
        lf.flush()
        t0 = time.perf_counter()
        p = subprocess.Popen(
            ["/usr/bin/time", "-v", "-o", tfile, "bash", "-c", cmd], cwd=cwd, stdout=lf, stderr=lf
        )
        th = None
        if sample_tree:

            def sampler():
                while not stop.is_set():
                    peak[0] = max(peak[0], tree_rss_kb(p.pid))
                    stop.wait(0.5)

            th = threading.Thread(target=sampler, daemon=True)
            th.start()
        rc = p.wait()
        wall = time.perf_counter() - t0
        stop.set()
        if th:
            th.join()
    got = {
        "wall_s": wall,
        "maxrss_kb": 0,
        "tree_kb": peak[0],
        "user_s": 0.0,
        "sys_s": 0.0,
        "rc": rc,
        "load1": load1,
    }
    with open(tfile) as f:
        for line in f:
            key, _, value = line.strip().rpartition(":")
            if key == "Maximum resident set size (kbytes)":
                got["maxrss_kb"] = int(value)
            elif key == "User time (seconds)":
                got["user_s"] = float(value)
            elif key == "System time (seconds)":
                got["sys_s"] = float(value)
    return got


def run_timed(cmd, cwd, log, sample_tree=False):
    """(wall s, peak RSS KB of the largest process, tree PSS KB, exit code) of CMD."""
    got = run_measured(cmd, cwd, log, sample_tree)
    return got["wall_s"], got["maxrss_kb"], got["tree_kb"], got["rc"]


class Trash:
    """Old outputs are renamed into a trash folder before a timed run and deleted later.

    Deleting N files makes the next N file creations several times slower on
    some machines (ext4 mounted with `discard`, a busy disk), so a reset by
    `rm -rf` just before a timed run penalises whichever command runs next.
    A rename costs one metadata operation whatever the folder holds; empty()
    deletes everything moved aside, and is called outside timed regions (at
    the end of a run).
    """

    def __init__(self, folder):
        self.folder = folder
        self.count = 0

    def aside(self, *paths):
        """Move each existing path (file or folder) into the trash folder."""
        for path in paths:
            if not os.path.lexists(path):
                continue
            os.makedirs(self.folder, exist_ok=True)
            self.count += 1
            target = os.path.join(
                self.folder, "%06d-%d-%s" % (self.count, os.getpid(), os.path.basename(path))
            )
            os.rename(path, target)

    def empty(self):
        """Delete everything moved aside; returns the seconds it took."""
        t0 = time.perf_counter()
        rm(self.folder)
        return time.perf_counter() - t0


class Bench:
    def __init__(self, work, reps):
        self.work = work
        self.reps = reps
        self.rows = []
        self.checks = {}
        self.notes = []
        self.log = os.path.join(work, "commands.log")
        self.trash = Trash(os.path.join(work, ".trash"))

    def measure(self, tool, task, n, words, cmd, prep=None, tree=False, reps=None, units=None, note=""):
        runs = []
        for _ in range(reps or self.reps):
            if prep:
                prep()
            got = run_measured(cmd, self.work, self.log, tree)
            runs.append(got)
            if got["rc"] != 0:
                break
        return self.add_row(tool, task, n, words, cmd, runs, tree, units, note)

    def measure_alternating(self, entries, task, n, words, tree=False, reps=None, note=""):
        """Time several commands of one task in turns: repetition k runs every entry
        once, starting with entry k (mod their number), so that the machine's slow
        and fast moments fall on each of them alike. entries: [(tool, cmd, prep)].
        One row per entry, in the order given."""
        runs = [[] for _ in entries]
        failed = [False for _ in entries]
        for k in range(reps or self.reps):
            for j in range(len(entries)):
                i = (j + k) % len(entries)
                _, cmd, prep = entries[i]
                if failed[i]:
                    continue
                if prep:
                    prep()
                got = run_measured(cmd, self.work, self.log, tree)
                got["rep"] = k
                runs[i].append(got)
                failed[i] = got["rc"] != 0
        return [
            self.add_row(tool, task, n, words, cmd, runs[i], tree, None, note)
            for i, (tool, cmd, _) in enumerate(entries)
        ]

    def add_row(self, tool, task, n, words, cmd, runs, tree=False, units=None, note=""):
        ok = all(r["rc"] == 0 for r in runs)
        wall = statistics.median(r["wall_s"] for r in runs)
        row = {
            "tool": tool,
            "task": task,
            "n": n,
            "words": words,
            "cmd": cmd,
            "runs": runs,
            "ok": ok,
            "wall_s": wall,
            "rss_mb": statistics.median(r["maxrss_kb"] for r in runs) / 1024.0,
            "cpu_s": statistics.median(r["user_s"] + r["sys_s"] for r in runs),
            "tree_mb": (statistics.median(r["tree_kb"] for r in runs) / 1024.0) if tree else None,
            "words_per_s": words / wall if wall else None,
            "articles_per_s": n / wall if (wall and n) else None,
            "units": units,
            "note": note,
        }
        self.rows.append(row)
        print(
            "%-26s %-44s n=%-5s %8.2fs  rss %6.1f MB%s%s"
            % (
                tool,
                task[:44],
                n,
                wall,
                row["rss_mb"],
                ("  treePSS {:6.1f} MB".format(row["tree_mb"])) if tree else "",
                "" if ok else "  FAILED rc={}".format(runs[-1]["rc"]),
            ),
            flush=True,
        )
        self.save()
        return row

    def save(self):
        with open(os.path.join(self.work, "results.json"), "w") as f:
            json.dump(
                {"rows": self.rows, "checks": self.checks, "notes": self.notes, "machine": machine_info()},
                f,
                indent=1,
                ensure_ascii=False,
            )


def sh(cmd, cwd=None, check=True):
    p = subprocess.run(["bash", "-c", cmd], cwd=cwd, capture_output=True, text=True)
    if check and p.returncode != 0:
        raise RuntimeError(f"{cmd} failed: {p.stderr[-2000:]}")
    return p


def first_line(cmd):
    try:
        out = subprocess.run(["bash", "-c", cmd], capture_output=True, text=True, timeout=30)
        return (out.stdout + out.stderr).strip().splitlines()[0]
    except Exception as e:
        return f"n/a ({e})"


_MACHINE = None


def unused_path(folder, stem, suffix=".json"):
    """FOLDER/STEM.json, else STEM-2.json, STEM-3.json ...: a results file never
    overwrites an earlier one (two runs on the same day)."""
    path, k = os.path.join(folder, stem + suffix), 1
    while os.path.exists(path):
        k += 1
        path = os.path.join(folder, f"{stem}-{k}{suffix}")
    return path


def machine_info():
    global _MACHINE
    if _MACHINE is None:
        cpu = ""
        try:
            with open("/proc/cpuinfo") as f:
                for line in f:
                    if line.startswith("model name"):
                        cpu = line.split(":", 1)[1].strip()
                        break
        except OSError:
            pass
        _MACHINE = {
            "nproc": sh("nproc").stdout.strip(),
            "free_h": sh("free -h").stdout,
            "cpu": cpu,
            "uname": platform.platform(),
            "python": sys.version.split()[0],
            "translate_toolkit": first_line(f"{PEERS}/html2po --version"),
            "po4a": first_line("po4a --version"),
            "gettext": first_line("msgmerge --version"),
            "apertium": sh("dpkg-query -W -f='${Version}' apertium", check=False).stdout,
            "apertium_eng_spa": sh("dpkg-query -W -f='${Version}' apertium-eng-spa", check=False).stdout,
            "transfuse": sh("dpkg-query -W -f='${Version}' transfuse", check=False).stdout,
        }
    return _MACHINE


# --------------------------------------------------------------------------
# corpus helpers
# --------------------------------------------------------------------------
def body_of(doc):
    return doc.split("<body>", 1)[1].rsplit("</body>", 1)[0]


def words_of_html(doc):
    return mc.count_words(mc.html_text(body_of(doc) if "<body>" in doc else doc))


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def write(path, text):
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def rm(*paths):
    for p in paths:
        if os.path.isdir(p):
            shutil.rmtree(p)
        elif os.path.exists(p):
            os.remove(p)


def combined_doc(bodies):
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        "<title>corpus</title>\n</head>\n<body>\n" + "\n".join(bodies) + "\n</body>\n</html>\n"
    )


TEXT_SPLIT = re.compile(r"(<[^>]+>)")


def edit_paragraph(p, kind, r):
    """Small editorial change inside a <p>...</p> line, text only."""
    parts = TEXT_SPLIT.split(p)
    texts = [i for i in range(len(parts)) if i % 2 == 0 and parts[i].strip()]
    if kind == 0:  # change one number
        for i in texts:
            m = re.search(r"\d[\d,]*", parts[i])
            if m:
                old = m.group(0)
                digits = old.replace(",", "")
                new = f"{int(digits) + r.randint(1, 9):,}" if "," in old else str(int(digits) + 1)
                parts[i] = parts[i][: m.start()] + new + parts[i][m.end() :]
                return "".join(parts)
        kind = 1
    if kind == 1:  # append a sentence
        i = texts[-1]
        parts[i] = parts[i].rstrip() + " Officials declined to comment further."
        return "".join(parts)
    for i in texts:  # kind 2: replace a word
        for a, b in ((" said", " stated"), (" the ", " that "), (" and ", " as well as ")):
            if a in parts[i]:
                parts[i] = parts[i].replace(a, b, 1)
                return "".join(parts)
    return edit_paragraph(p, 1, r)


# --------------------------------------------------------------------------
# quality checks
# --------------------------------------------------------------------------
class Skel(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags = []

    def handle_starttag(self, tag, attrs):
        self.tags.append("<{}{}>".format(tag, "".join(f' {k}="{v}"' for k, v in sorted(attrs))))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag):
        self.tags.append(f"</{tag}>")

    def handle_decl(self, decl):
        self.tags.append(f"<!{decl}>")


def skeleton(doc):
    p = Skel()
    p.feed(doc)
    p.close()
    return p.tags


def skel_diff(src, out):
    a, b = skeleton(src), skeleton(out)
    diffs = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op != "equal":
            diffs.append((op, a[i1:i2], b[j1:j2]))
    return diffs


DATELINE_RE = re.compile(r'<p[^>]*translate="no"[^>]*>(.*?)</p>', re.S)


def dateline(doc):
    m = DATELINE_RE.search(doc)
    return re.sub(r"\s+", " ", m.group(1)).strip() if m else None


def compare_outputs(pairs, limit_examples=6):
    """pairs: [(src_doc, out_doc)] -> summary of tag-structure differences."""
    files_diff = 0
    kinds = collections.Counter()
    examples = []
    dl_changed = 0
    tag_counts = collections.Counter()
    for src, out in pairs:
        d = skel_diff(src, out)
        if d:
            files_diff += 1
        for op, a, b in d:
            key = "{} {} -> {}".format(op, " ".join(a)[:80], " ".join(b)[:80])
            kinds[key] += 1
            if len(examples) < limit_examples and key not in examples:
                examples.append(key)
        if dateline(src) != dateline(out):
            dl_changed += 1
        for t in ("a", "strong", "em", "time"):
            rx = re.compile(rf"<{t}[\s>]")
            tag_counts[f"src <{t}>"] += len(rx.findall(src))
            tag_counts[f"out <{t}>"] += len(rx.findall(out))
    return {
        "files": len(pairs),
        "files_with_tag_structure_diff": files_diff,
        "translate_no_element_changed": dl_changed,
        "most_common_diffs": kinds.most_common(8),
        "tag_counts": dict(tag_counts),
    }


def po_stats(paths):
    c = collections.Counter()
    for p in paths:
        c["obsolete"] += sum(1 for l in read(p).splitlines() if l.startswith("#~ msgid "))
        for e in fill_po.parse(p):
            if e["msgid"] == "":
                continue
            fuzzy = any(l.startswith("#,") and "fuzzy" in l for l in e["comments"])
            if fuzzy:
                c["fuzzy"] += 1
            elif e.get("msgstr"):
                c["translated"] += 1
            else:
                c["untranslated"] += 1
            if "msgctxt" in e:
                c["with_msgctxt"] += 1
    return dict(c)


def po_msgids(paths):
    out = []
    for p in paths:
        out.extend(e["msgid"] for e in fill_po.parse(p) if e["msgid"])
    return out


# --------------------------------------------------------------------------
# tasks
# --------------------------------------------------------------------------
def setup(B, sizes):
    w = B.work
    nmax = max(sizes)
    corpus = os.path.join(w, "corpus")
    if not (os.path.isdir(corpus) and len(glob.glob(corpus + "/*.html")) == nmax):
        B.trash.aside(corpus)
        sh("python3 %s/make_corpus.py --n %d --out %s --seed 1 --format both" % (HERE, nmax, corpus))
    htmls = sorted(glob.glob(corpus + "/*.html"))
    info = {}
    for n in sizes:
        for kind in ("html", "md"):
            d = os.path.join(w, "%s%d" % (kind, n))
            B.trash.aside(d)
            os.makedirs(d)
            for f in htmls[:n]:
                src = f if kind == "html" else f[:-5] + ".md"
                os.link(src, os.path.join(d, os.path.basename(src)))
        docs = [read(f) for f in htmls[:n]]
        info[n] = {"words": sum(words_of_html(d) for d in docs), "bytes": sum(len(d.encode()) for d in docs)}
    B.checks["corpus"] = {str(k): v for k, v in info.items()}
    return info


def task_a(B, sizes, info):
    for n in sizes:
        pot = "pot%d" % n
        B.measure(
            "translate-toolkit html2po",
            "extract HTML -> POT (dir mode)",
            n,
            info[n]["words"],
            "%s/html2po -P --progress=none -i html%d -o %s" % (PEERS, n, pot),
            prep=lambda pot=pot: B.trash.aside(os.path.join(B.work, pot)),
            units=None,
        )
        pots = sorted(glob.glob(os.path.join(B.work, pot, "*.pot")))
        ids = po_msgids(pots)
        B.rows[-1]["units"] = len(ids)
        B.rows[-1]["note"] = "%d POT files" % len(pots)
        if n == min(sizes):
            dl = sum(
                1
                for i in ids
                if i.startswith(("Washington \u2014", "Mexico City \u2014")) or " \u2014 Source: " in i
            )
            B.checks["html2po_pot"] = {
                "units": len(ids),
                "pot_files": len(pots),
                "translate_no_dateline_extracted": dl,
                "lang_attr_extracted_as_msgid_en": sum(1 for i in ids if i == "en"),
                "units_with_<a": sum(1 for i in ids if "<a " in i),
                "src_<a_count": sum(
                    read(f).count("<a ") for f in glob.glob(os.path.join(B.work, "html%d" % n, "*.html"))
                ),
                "units_with_<a_total": sum(i.count("<a ") for i in ids),
                "byline_units_with_<time": sum(1 for i in ids if "<time " in i),
                "po_stats": po_stats(pots),
            }


def task_b(B, sizes, info):
    for n in sizes:
        w = B.work
        B.trash.aside(os.path.join(w, "po%d" % n))
        with open(os.devnull, "w") as dn:
            subprocess.run(
                [
                    sys.executable,
                    os.path.join(HERE, "fill_po.py"),
                    os.path.join(w, "pot%d" % n),
                    os.path.join(w, "po%d" % n),
                ],
                check=True,
                stderr=dn,
            )
        B.measure(
            "translate-toolkit pretranslate",
            "POT + filled PO (template) -> PO",
            n,
            info[n]["words"],
            "%s/pretranslate --progress=none -i pot%d -t po%d -o pre%d" % (PEERS, n, n, n),
            prep=lambda n=n: B.trash.aside(os.path.join(w, "pre%d" % n)),
        )
        pre = sorted(glob.glob(os.path.join(w, "pre%d" % n, "*.po")))
        B.rows[-1]["note"] = f"result: {po_stats(pre)}"
        B.measure(
            "translate-toolkit po2html",
            "reassemble PO + HTML -> HTML",
            n,
            info[n]["words"],
            "%s/po2html --progress=none -i po%d -t html%d -o out%d" % (PEERS, n, n, n),
            prep=lambda n=n: B.trash.aside(os.path.join(w, "out%d" % n)),
        )
        srcs = sorted(glob.glob(os.path.join(w, "html%d" % n, "*.html")))
        pairs = [(read(s), read(os.path.join(w, "out%d" % n, os.path.basename(s)))) for s in srcs]
        B.checks["po2html_out_%d" % n] = compare_outputs(pairs)


PO4A_CFG = "po4a100.cfg"


def task_c(B, sizes, info):
    n = 100 if 100 in sizes else min(sizes)
    w = B.work
    words = info[n]["words"]
    # po4a-gettextize as named in the brief: record what it says
    f0 = sorted(glob.glob(os.path.join(w, "html%d" % n, "*.html")))[0]
    p = sh(
        "po4a-gettextize -f xhtml -M UTF-8 -m {} -p {}".format(
            f0, os.path.join(tempfile.gettempdir(), "_gettextize_test.pot")
        ),
        check=False,
    )
    B.checks["po4a_gettextize"] = {"rc": p.returncode, "output": (p.stdout + p.stderr).strip()[:600]}
    loop = "for f in html%d/*.html; do b=${f##*/}; b=${b%%.html}; %s || exit 1; done"
    B.measure(
        "po4a 0.69 (per file)",
        "po4a-updatepo -f xhtml: HTML -> POT",
        n,
        words,
        "mkdir -p p4pot && " + loop % (n, 'po4a-updatepo -f xhtml -M UTF-8 -m "$f" -p "p4pot/$b.pot"'),
        prep=lambda: B.trash.aside(os.path.join(w, "p4pot")),
    )
    B.trash.aside(os.path.join(w, "p4po"))
    subprocess.run(
        [sys.executable, os.path.join(HERE, "fill_po.py"), os.path.join(w, "p4pot"), os.path.join(w, "p4po")],
        check=True,
        stderr=subprocess.DEVNULL,
    )
    B.rows[-1]["units"] = len(po_msgids(sorted(glob.glob(os.path.join(w, "p4pot", "*.pot")))))
    B.measure(
        "po4a 0.69 (per file)",
        "po4a-translate -f xhtml: PO + HTML -> HTML",
        n,
        words,
        "mkdir -p p4out && "
        + loop
        % (n, 'po4a-translate -f xhtml -M UTF-8 -L UTF-8 -k 0 -m "$f" -p "p4po/$b.po" -l "p4out/$b.html"'),
        prep=lambda: B.trash.aside(os.path.join(w, "p4out")),
    )
    srcs = sorted(glob.glob(os.path.join(w, "html%d" % n, "*.html")))
    pairs = [(read(s), read(os.path.join(w, "p4out", os.path.basename(s)))) for s in srcs]
    B.checks["po4a_translate_out"] = compare_outputs(pairs)
    # unified po4a: one process for all documents
    lines = [
        "[po4a_langs] es",
        "[po4a_paths] p4u/pot/$master.pot $lang:p4u/po/$master.$lang.po",
        '[options] opt:"-M UTF-8 -L UTF-8 -k 0"',
    ]
    for s in srcs:
        b = os.path.basename(s)[:-5]
        lines.append("[type: xhtml] html%d/%s.html $lang:p4u/out/%s.html pot=%s" % (n, b, b, b))
    write(os.path.join(w, PO4A_CFG), "\n".join(lines) + "\n")

    def prep_u():
        B.trash.aside(os.path.join(w, "p4u"))
        for d in ("pot", "po", "out"):
            os.makedirs(os.path.join(w, "p4u", d))

    B.measure(
        "po4a 0.69 (one config)",
        "po4a --no-translations: HTML -> POT+PO",
        n,
        words,
        f"po4a --no-translations {PO4A_CFG}",
        prep=prep_u,
    )
    tmp = os.path.join(w, "p4u", "po_filled")
    subprocess.run(
        [sys.executable, os.path.join(HERE, "fill_po.py"), os.path.join(w, "p4u", "po"), tmp],
        check=True,
        stderr=subprocess.DEVNULL,
    )
    B.trash.aside(os.path.join(w, "p4u", "po"))
    os.rename(tmp, os.path.join(w, "p4u", "po"))

    def prep_t():
        B.trash.aside(os.path.join(w, "p4u", "out"))
        os.makedirs(os.path.join(w, "p4u", "out"))

    B.measure(
        "po4a 0.69 (one config)",
        "po4a --no-update: PO + HTML -> HTML",
        n,
        words,
        f"po4a --no-update {PO4A_CFG}",
        prep=prep_t,
    )
    got = len(glob.glob(os.path.join(w, "p4u", "out", "*.html")))
    B.rows[-1]["note"] = "%d HTML files written" % got


def task_d(B, sizes, info):
    w = B.work
    for n in sizes:
        bodies = [body_of(read(f)) for f in sorted(glob.glob(os.path.join(w, "html%d" % n, "*.html")))]
        doc = combined_doc(bodies)
        write(os.path.join(w, "apall%d.html" % n), doc)
        words = words_of_html(doc)
        if n == min(sizes):
            # the literal reading of "concatenate the article HTML": N full documents in one stream
            B.trash.aside(os.path.join(w, "ap_raw%d.html" % n))
            p = sh("cat html%d/*.html | %s > ap_raw%d.html" % (n, APERTIUM, n), cwd=w, check=False)
            out = read(os.path.join(w, "ap_raw%d.html" % n))
            B.checks["apertium_raw_concatenation"] = {
                "n": n,
                "rc": p.returncode,
                "stderr": p.stderr.strip()[:400],
                "articles_in": n,
                "articles_out": out.count("<article>"),
                "bytes_out": len(out.encode()),
            }
        B.measure(
            "Apertium 3.8.3 eng-spa",
            "one call, all articles (-f html)",
            n,
            words,
            "%s < apall%d.html > ap%d.html" % (APERTIUM, n, n),
            tree=True,
        )
        out = read(os.path.join(w, "ap%d.html" % n))
        outs = out.split("<article>")[1:]

        def art(x):
            return "<article>" + x.split("</article>", 1)[0] + "</article>"

        pairs = list(
            zip([art(b.split("<article>", 1)[1]) for b in bodies], [art(o) for o in outs], strict=False)
        )
        chk = compare_outputs(pairs)
        chk["articles_out"] = len(outs)
        B.checks["apertium_html_out_%d" % n] = chk
        # plain-text mode on the same text, to show the HTML-format overhead
        txt = "\n\n".join(mc.html_text(b) for b in bodies)
        write(os.path.join(w, "aptxt%d.txt" % n), txt)
        B.measure(
            "Apertium 3.8.3 eng-spa",
            "one call, all articles, plain text",
            n,
            mc.count_words(txt),
            "apertium -u eng-spa < aptxt%d.txt > aptxt%d.es.txt" % (n, n),
            tree=True,
        )
    # the largest corpus again, in batches of the smallest size (one call per
    # batch): shows that Apertium's HTML path (transfuse) is superlinear
    if len(sizes) > 1:
        n, k = max(sizes), min(sizes)
        files = sorted(glob.glob(os.path.join(w, "html%d" % n, "*.html")))
        bdir = os.path.join(w, "batch")
        B.trash.aside(bdir)
        os.makedirs(bdir)
        for b in range(0, n, k):
            write(
                os.path.join(bdir, "b%04d.html" % (b // k)),
                combined_doc([body_of(read(f)) for f in files[b : b + k]]),
            )
        words = sum(words_of_html(read(f)) for f in sorted(glob.glob(bdir + "/b*.html")))
        B.measure(
            "Apertium 3.8.3 eng-spa",
            "%d calls x %d articles (-f html)" % (n // k, k),
            n,
            words,
            f'mkdir -p batch_out && for f in batch/b*.html; do {APERTIUM} < "$f" > "batch_out/${{f##*/}}" || exit 1; done',
            prep=lambda: B.trash.aside(os.path.join(w, "batch_out")),
            tree=True,
        )
    # per paragraph on a 10-article subset
    sub = sorted(glob.glob(os.path.join(w, "html%d" % min(sizes), "*.html")))[:10]
    pdir = os.path.join(w, "para10")
    B.trash.aside(pdir)
    os.makedirs(pdir)
    paras = []
    for f in sub:
        for k, line in enumerate(l for l in read(f).splitlines() if l.startswith("<p")):
            paras.append(line)
            write(os.path.join(pdir, "%s_%02d.html" % (os.path.basename(f)[:4], k)), line + "\n")
    pw = sum(words_of_html(p) for p in paras)
    write(os.path.join(w, "para10_all.html"), combined_doc(paras))
    B.measure(
        "Apertium 3.8.3 eng-spa",
        "one call PER PARAGRAPH (%d <p>)" % len(paras),
        10,
        pw,
        f'mkdir -p ap_para10 && for f in para10/*.html; do {APERTIUM} < "$f" > "ap_para10/${{f##*/}}" || exit 1; done',
        prep=lambda: B.trash.aside(os.path.join(w, "ap_para10")),
        tree=True,
        units=len(paras),
    )
    B.measure(
        "Apertium 3.8.3 eng-spa",
        "same %d paragraphs in ONE call" % len(paras),
        10,
        pw,
        f"{APERTIUM} < para10_all.html > ap_para10_all.html",
        tree=True,
        units=len(paras),
    )


def task_e(B, sizes, info, pot2po=True):
    """msgmerge per file, then (unless pot2po is false) translate-toolkit's pot2po."""
    w = B.work
    for n in sizes:
        # edited copy, under edit/html{n} so html2po writes the same #: paths
        # and msgctxt (they embed the input path) as for the original corpus
        ed = os.path.join(w, "edit", "html%d" % n)
        B.trash.aside(ed)
        os.makedirs(ed)
        r = random.Random("edit-%d" % n)
        srcs = sorted(glob.glob(os.path.join(w, "html%d" % n, "*.html")))
        plist = []
        docs = {}
        for f in srcs:
            lines = read(f).split("\n")
            docs[f] = lines
            plist.extend((f, i) for i, l in enumerate(lines) if l.startswith("<p>"))
        chosen = r.sample(plist, max(1, round(0.05 * len(plist))))
        for k, (f, i) in enumerate(chosen):
            docs[f][i] = edit_paragraph(docs[f][i], k % 3, r)
        for f in srcs:
            write(os.path.join(ed, os.path.basename(f)), "\n".join(docs[f]))
        B.trash.aside(os.path.join(w, "pot%d_edit" % n))
        sh(
            "%s/html2po -P --progress=none -i html%d -o ../pot%d_edit" % (PEERS, n, n),
            cwd=os.path.join(w, "edit"),
        )
        note_e = "%d of %d <p> edited" % (len(chosen), len(plist))
        loop = (
            "mkdir -p mm%d && for f in po%d/*.po; do b=${f##*/}; "
            'msgmerge -q --previous -o "mm%d/$b" "$f" "pot%d_edit/${b%%.po}.pot" || exit 1; done'
        ) % (n, n, n, n)
        B.measure(
            "GNU gettext msgmerge 0.21",
            "update filled PO to new POT (per file)",
            n,
            info[n]["words"],
            loop,
            prep=lambda n=n: B.trash.aside(os.path.join(w, "mm%d" % n)),
            note=note_e,
        )
        st = po_stats(sorted(glob.glob(os.path.join(w, "mm%d" % n, "*.po"))))
        B.rows[-1]["note"] = note_e + f"; result {st}"
        B.checks["msgmerge_%d" % n] = {
            "edited_paragraphs": len(chosen),
            "paragraphs": len(plist),
            "result": st,
        }
        if not pot2po:
            continue
        B.measure(
            "translate-toolkit pot2po",
            "update filled PO to new POT (dir mode)",
            n,
            info[n]["words"],
            "%s/pot2po --progress=none -i pot%d_edit -t po%d -o p2p%d" % (PEERS, n, n, n),
            prep=lambda n=n: B.trash.aside(os.path.join(w, "p2p%d" % n)),
            note=note_e,
        )
        st2 = po_stats(sorted(glob.glob(os.path.join(w, "p2p%d" % n, "*.po"))))
        B.rows[-1]["note"] = note_e + f"; result {st2}"
        B.checks["pot2po_%d" % n] = {"edited_paragraphs": len(chosen), "result": st2}


def task_f(B, sizes, info):
    """Extra: Markdown + YAML front matter with po4a's text module."""
    n = 100 if 100 in sizes else min(sizes)
    w = B.work
    words = info[n]["words"]
    loop = (
        "mkdir -p p4md && for f in md%d/*.md; do b=${f##*/}; b=${b%%.md}; "
        'po4a-updatepo -f text -o markdown -o yfm_keys=title,author -M UTF-8 -m "$f" -p "p4md/$b.pot" || exit 1; done'
    ) % n
    B.measure(
        "po4a 0.69 (per file)",
        "po4a-updatepo -f text -o markdown: MD -> POT",
        n,
        words,
        loop,
        prep=lambda: B.trash.aside(os.path.join(w, "p4md")),
    )
    p = sh(f"{PEERS}/md2po --version", check=False)
    B.checks["md2po"] = {"rc": p.returncode, "output": (p.stdout + p.stderr).strip()[-300:]}


def task_product(B, sizes, info, specs):
    w = B.work
    for spec in specs:
        label, _, tmpl = spec.partition("=")
        for n in sizes:
            out = "product_%s_%d" % (re.sub(r"\W+", "_", label), n)
            cmd = tmpl.format(
                html="html%d" % n, md="md%d" % n, pot="pot%d" % n, po="po%d" % n, out=out, n=n, work=w
            )
            B.measure(
                "product",
                label,
                n,
                info[n]["words"],
                cmd,
                prep=lambda out=out: (B.trash.aside(os.path.join(w, out)), os.makedirs(os.path.join(w, out))),
            )


# --------------------------------------------------------------------------
# report
# --------------------------------------------------------------------------
def table(rows):
    L = [
        "| tool | task | N art. | words | wall s (median of runs) | peak RSS MB (largest proc) | tree PSS MB (sum, sampled) | words/s | articles/s |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        L.append(
            "| %s | %s%s | %d | %d | %.2f (%s) | %.1f | %s | %s | %s |"
            % (
                r["tool"],
                r["task"],
                "" if r["ok"] else " **FAILED**",
                r["n"],
                r["words"],
                r["wall_s"],
                "/".join("{:.2f}".format(x["wall_s"]) for x in r["runs"]),
                r["rss_mb"],
                "{:.1f}".format(r["tree_mb"]) if r["tree_mb"] is not None else "",
                "{:,.0f}".format(r["words_per_s"]) if r["words_per_s"] else "",
                "{:.1f}".format(r["articles_per_s"]) if r["articles_per_s"] else "",
            )
        )
    return "\n".join(L) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--work", default=os.path.join(tempfile.gettempdir(), "bench_run"))
    ap.add_argument("--sizes", default="100,1000")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--only", default="a,b,c,d,e,f")
    ap.add_argument(
        "--results-dir",
        default=os.path.join(HERE, "results"),
        help="where results.json and the table are copied (default: results/ beside this script)",
    )
    ap.add_argument(
        "--table-from",
        metavar="RESULTS_JSON",
        help="only print the Markdown table of an earlier results.json",
    )
    ap.add_argument(
        "--product",
        action="append",
        default=[],
        help="LABEL=CMD with {html} {md} {pot} {po} {out} {n} {work}",
    )
    a = ap.parse_args()
    if a.table_from:
        with open(a.table_from) as f:
            print(table(json.load(f)["rows"]), end="")
        return
    sizes = [int(x) for x in a.sizes.split(",")]
    os.makedirs(a.work, exist_ok=True)
    B = Bench(a.work, a.reps)
    rm(B.log)
    B.trash.empty()  # left by an interrupted run; before anything is timed
    t0 = time.perf_counter()
    info = setup(B, sizes)
    print("corpus:", info, flush=True)
    only = set(a.only.split(","))
    for key, fn in (("a", task_a), ("b", task_b), ("c", task_c), ("d", task_d), ("e", task_e), ("f", task_f)):
        if key in only:
            fn(B, sizes, info)
    if a.product:
        task_product(B, sizes, info, a.product)
    B.checks["total_bench_s"] = time.perf_counter() - t0
    B.checks["trash_emptied_s"] = B.trash.empty()  # after every timed run
    B.save()
    os.makedirs(a.results_dir, exist_ok=True)
    shutil.copy(os.path.join(a.work, "results.json"), os.path.join(a.results_dir, "peers_results.json"))
    write(os.path.join(a.results_dir, "RESULTS.table.md"), table(B.rows))
    print(table(B.rows))
    print("total {:.0f} s".format(B.checks["total_bench_s"]))


if __name__ == "__main__":
    main()
