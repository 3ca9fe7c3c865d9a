"""Time an editor's everyday operations as the project grows: 1,000, 5,000 and 10,000 articles.

Usage (from the repository root, after ``make setup``)::

    .venv/bin/python benchmarks/scale.py [--sizes 1000,5000,10000] [--reps 3]
        [--ops build,noop,edit-source,edit-po,status,check]
        [--puente [LABEL=]PATH ...] [--work /tmp/puente-scale] [--out FILE]

For each size, the corpus is generated once (``make_corpus.py --n N --format md
--seed 1``, kept in WORK between sessions) and every ``--puente`` executable gets a
project of its own: the sources hard-linked from the corpus, a copy of the
repository's ``glossary/``. Each repetition then runs, per executable:

  build        full ``build --no-mt`` of the project without outputs
  noop         ``build --no-mt`` again, nothing changed
  status       ``puente status`` (its table to /dev/null)
  check        ``puente check`` (its findings to /dev/null; exit code 1 is a finding, not a failure)
  edit-source  ``build --no-mt`` after one digit of one paragraph of one source changed
               (same size; saved the way editors save: a new file renamed over the old)
  edit-po      ``build --no-mt`` after a translator filled one msgstr of one catalog

After the no-op, the *floor* of a check by signature is measured in this process (no
start-up, no Puente code): listing the sources and catalogs and ``stat`` of each, the least
any tool deciding "unchanged" the way version control does must do (median of 5). The
report sets it beside the growth of the no-op and of the edits between the sizes.

in that order, so that each operation starts from the state it is about: the no-op,
status and check right after a build, each edit applied to a built project. The
executables take turns repetition by repetition (repetition k starts with the k-th),
so that "before" and "after" see the same machine. Operations left out of --ops
are not timed, but a build still precedes the others.

Timing is peers.py's: wall time around ``/usr/bin/time -v``, whose maximum resident
set size is that of the largest single process (main process or worker), plus
the CPU time of the whole tree and the load average before each run. Between
repetitions the outputs (``locales/``, ``build/``, ``.puente/`` and whatever else
the build made) are renamed into WORK/.trash, never deleted just before a timed
run: deleting N files makes the next N file creations several times slower on
some machines. The trash is emptied at the end of the session.

Results: every run and the medians go to ``benchmarks/results/scale-<date>.json``
(written after each measurement, so an interrupted session keeps what it
measured); a Markdown report with the size x operation table, ratios between
labels and the goals is printed at the end (``--report FILE`` prints it again
from a results file).
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

import executables  # noqa: E402
import peers  # noqa: E402
from executables import Executable  # noqa: E402

SEED = 1
OPS = ("build", "noop", "status", "check", "edit-source", "edit-po")
TITLES = {
    "build": "full `build --no-mt`",
    "noop": "no-op rebuild",
    "edit-source": "rebuild after editing one source",
    "edit-po": "rebuild after a translator edits one PO",
    "status": "`puente status`",
    "check": "`puente check`",
}
# the row order
TABLE_ORDER = ("build", "noop", "edit-source", "edit-po", "status", "check")
BUILD = "--quiet build --no-mt"
COMMANDS = {
    "build": BUILD,
    "noop": BUILD,
    "edit-source": BUILD,
    "edit-po": BUILD,
    "status": "status > /dev/null",
    "check": "check > /dev/null",
}
# `puente check` exits 1 when it finds an error-severity finding: that is its answer
SUCCESS = {"check": (0, 1)}
# what the project's own files are; everything else in a project is output
INPUTS = ("sources", "glossary")
MARK = " (traducido)"


# --------------------------------------------------------------------------
# corpus and projects
# --------------------------------------------------------------------------
def corpus(work: Path, n: int) -> tuple[Path, int]:
    """The Markdown corpus of n articles (seed 1) and its word count, generated once.

    Kept in WORK with a stamp naming the generator's hash, so a changed
    make_corpus.py makes a new corpus; generated under a temporary name first, so
    an interrupted generation is never taken for a corpus.
    """
    folder = work / f"corpus-md-{n}"
    stamp = work / f"corpus-md-{n}.json"
    generator = HERE / "make_corpus.py"
    key = {"n": n, "seed": SEED, "generator": hashlib.sha256(generator.read_bytes()).hexdigest()}
    if folder.is_dir() and stamp.is_file():
        saved = json.loads(stamp.read_text())
        if {k: saved.get(k) for k in key} == key:
            return folder, int(saved["words"])
    trash = peers.Trash(str(work / ".trash"))
    trash.aside(str(folder), str(stamp))
    partial = work / f"corpus-md-{n}.partial"
    trash.aside(str(partial))
    command = [sys.executable, str(generator), "--n", str(n), "--out", str(partial)]
    done = subprocess.run(
        [*command, "--seed", str(SEED), "--format", "md"], capture_output=True, text=True, check=True
    )
    words = int(re.search(r"words=(\d+)", done.stderr).group(1))  # type: ignore[union-attr]
    partial.rename(folder)
    stamp.write_text(json.dumps({**key, "words": words}))
    return folder, words


@dataclass
class Project:
    """One executable's project at one size: sources hard-linked from the corpus."""

    root: Path
    corpus: Path
    trash: peers.Trash
    edited: Path | None = None  # a source replaced by an edit, restored at the next reset
    sources: list[Path] = field(default_factory=list)

    def create(self) -> None:
        """Sources and glossary; an older project of the same name is moved aside."""
        self.trash.aside(str(self.root))
        (self.root / "sources").mkdir(parents=True)
        for path in sorted(self.corpus.glob("*.md")):
            os.link(path, self.root / "sources" / path.name)
        shutil.copytree(REPO / "glossary", self.root / "glossary")
        self.sources = sorted((self.root / "sources").glob("*.md"))

    def reset(self) -> None:
        """Back to sources and glossary only: outputs renamed into the trash (nothing deleted)."""
        for entry in sorted(self.root.iterdir()):
            if entry.name not in INPUTS:
                self.trash.aside(str(entry))
        if self.edited is not None:
            spare = self.root / ".restore"
            os.link(self.corpus / self.edited.name, spare)
            os.replace(spare, self.edited)
            self.edited = None

    def pages(self, stem: str) -> dict[str, str]:
        """Hashes of the pages named after an article (whatever the output folder)."""
        found = {}
        for path in self.root.rglob(f"{stem}.html"):
            if path.parts[len(self.root.parts)] not in INPUTS:
                found[str(path.relative_to(self.root))] = hashlib.sha256(path.read_bytes()).hexdigest()
        return found


def atomic_write(path: Path, text: str, spare: Path) -> None:
    """Write the way editors save: a new file, renamed over the old one."""
    spare.write_text(text, "utf-8")
    os.replace(spare, path)


def edit_source(project: Project) -> dict[str, Any]:
    """Change the last digit of the first number in one paragraph of the middle article:
    a same-size edit, as when a figure is corrected.

    Paragraphs are the Markdown lines after the first section heading that are
    not headings, list items, table rows or HTML; a digit inside a link target is
    left alone.
    """
    count = len(project.sources)
    for k in range(count):
        path = project.sources[(count // 2 + k) % count]
        lines = path.read_text("utf-8").split("\n")
        body = next((i for i, line in enumerate(lines) if line.startswith("## ")), len(lines))
        for index in range(body, len(lines)):
            line = lines[index]
            if not line.strip() or line.lstrip().startswith(("#", "-", "|", "<", ">", "*")):
                continue
            visible = re.sub(r"\]\([^)]*\)", lambda m: " " * len(m.group()), line)
            number_at = re.search(r"\d(?:[\d,]*\d)?", visible)
            if number_at is None:
                continue
            at = number_at.end() - 1  # the last digit: 2023 becomes 2024, 9,885 becomes 9,886
            new = str((int(line[at]) + 1) % 10)
            lines[index] = line[:at] + new + line[at + 1 :]
            atomic_write(path, "\n".join(lines), project.root / ".edit")
            project.edited = path
            left = len(re.search(r"[\w,.$]*$", line[:at]).group())  # type: ignore[union-attr]
            right = len(re.match(r"[\w,.]*", line[at + 1 :]).group())  # type: ignore[union-attr]
            return {
                "file": f"sources/{path.name}",
                "line": index + 1,
                "from": line[at - left : at + 1 + right],
                "to": lines[index][at - left : at + 1 + right],
            }
    raise RuntimeError(f"{project.root}: no paragraph with a digit to edit")


def catalog_of(project: Project, stem: str) -> Path:
    """The article's catalog, wherever the version under test keeps it."""
    found = sorted(p for p in (project.root / "locales").rglob(f"{stem}.po") if "templates" not in p.parts)
    if not found:
        raise RuntimeError(f"{project.root}: no catalog for {stem}")
    return found[0]


def edit_po(project: Project) -> dict[str, Any]:
    """A translator fills one msgstr of the middle article's catalog.

    The entry is the first untranslated paragraph of a dozen words or more
    without glossary notes (so the translation, the source text followed by a
    Spanish word, breaks no error-severity check); the rest of the file is left
    byte for byte.
    """
    count = len(project.sources)
    for k in range(count):
        stem = project.sources[(count // 2 + k) % count].stem
        path = catalog_of(project, stem)
        text = path.read_text("utf-8")
        blocks = text.split("\n\n")
        for index, block in enumerate(blocks):
            lines = block.split("\n")
            if (
                'msgctxt "paragraph"' not in lines
                or lines[-1] != 'msgstr ""'
                or any(line.startswith(("#. glossary", "#,", "#~")) for line in lines)
            ):
                continue
            start = next(i for i, line in enumerate(lines) if line.startswith("msgid "))
            msgid = lines[start:-1]
            if msgid == ['msgid ""'] or msgid[-1].endswith('\\n"') or "".join(msgid).count(" ") < 12:
                continue  # a paragraph of text, not a byline
            msgstr = ["msgstr" + msgid[0][len("msgid") :], *msgid[1:]]
            msgstr[-1] = msgstr[-1][:-1] + MARK + '"'
            blocks[index] = "\n".join(lines[:-1] + msgstr)
            atomic_write(path, "\n\n".join(blocks), project.root / ".edit")
            return {"file": str(path.relative_to(project.root)), "entry": index, "msgid": msgid[0][:80]}
    raise RuntimeError(f"{project.root}: no untranslated paragraph to fill")


# --------------------------------------------------------------------------
# the session
# --------------------------------------------------------------------------
class Session:
    """Runs, medians and the results file of one session."""

    def __init__(self, args: argparse.Namespace, exes: list[Executable], out: Path) -> None:
        self.work: Path = args.work
        self.exes = exes
        self.out = out
        self.log = str(self.work / "scale-commands.log")
        self.trash = peers.Trash(str(self.work / ".trash"))
        self.data: dict[str, Any] = {
            "date": datetime.datetime.now().isoformat(timespec="seconds"),
            "command": [Path(sys.executable).name, *sys.argv],
            "sizes": args.sizes,
            "reps": args.reps,
            "ops": args.ops,
            "puente": [executables.describe(e) for e in exes],
            "machine": machine(),
            "load": {"before": uptime()},
            "corpus": {},
            "edits": {},
            "runs": [],
            "medians": [],
        }

    def save(self) -> None:
        self.data["medians"] = medians(self.data["runs"])
        self.out.parent.mkdir(parents=True, exist_ok=True)
        self.out.write_text(json.dumps(self.data, indent=1, ensure_ascii=False) + "\n")

    def warm_up(self) -> None:
        """One small untimed build per executable: compiled bytecode in place, and a
        broken executable found before the long session starts."""
        folder, _ = corpus(self.work, 3)
        for exe in self.exes:
            project = Project(self.work / f"warm-{exe.label}", folder, self.trash)
            project.create()
            done = subprocess.run(
                exe.command(project.root, BUILD), shell=True, capture_output=True, text=True
            )
            if done.returncode != 0:
                raise SystemExit(f"{exe.label}: {exe.path} cannot build a 3-article project:\n{done.stderr}")

    def size(self, n: int, reps: int, ops: list[str]) -> None:
        folder, words = corpus(self.work, n)
        self.data["corpus"][str(n)] = {
            "articles": n,
            "words": words,
            "command": f"make_corpus.py --n {n} --format md --seed {SEED}",
        }
        projects = {}
        for exe in self.exes:
            projects[exe.label] = Project(self.work / f"n{n}-{exe.label}", folder, self.trash)
            projects[exe.label].create()
        print(f"\n{n:,} articles ({words:,} words): {len(ops)} operations x {reps} repetitions", flush=True)
        for rep in range(reps):
            for j in range(len(self.exes)):
                exe = self.exes[(j + rep) % len(self.exes)]
                self.chain(exe, projects[exe.label], n, rep, ops)
                self.save()

    def chain(self, exe: Executable, project: Project, n: int, rep: int, ops: list[str]) -> None:
        """One repetition of every operation for one executable, each from the right state."""
        project.reset()
        for op in OPS:
            if op not in ops and op != "build":
                continue
            note: dict[str, Any] = {}
            before: dict[str, str] = {}
            if op == "edit-source":
                note = edit_source(project)
                before = project.pages(Path(note["file"]).stem)
            elif op == "edit-po":
                note = edit_po(project)
                before = project.pages(Path(note["file"]).stem)
            command = exe.command(project.root, COMMANDS[op])
            if op not in ops:  # the build the other operations need, untimed
                done = subprocess.run(command, shell=True, cwd=self.work, capture_output=True, text=True)
                if done.returncode != 0:
                    print(f"  {exe.label}: the build failed ({done.stderr.strip()[-300:]})", flush=True)
                    return
                continue
            got = peers.run_measured(command, str(self.work), self.log, sample_tree=op == "build")
            ok = got["rc"] in SUCCESS.get(op, (0,))
            record = {"label": exe.label, "n": n, "op": op, "rep": rep, **got, "ok": ok}
            if note:
                record["edit"] = note
                record["verified"] = verify(op, project, Path(note["file"]).stem, before)
                self.data["edits"].setdefault(str(n), {})[op] = {k: v for k, v in note.items()}
            self.data["runs"].append(record)
            print(
                f"  {exe.label:>10} rep {rep + 1}  {op:<12} {got['wall_s']:8.2f} s  "
                f"cpu {got['user_s'] + got['sys_s']:7.2f} s  rss {got['maxrss_kb'] / 1024:7.1f} MB  "
                f"load {got['load1']:5.1f}"
                + ("" if ok else f"  FAILED (exit {got['rc']}, see {self.log})")
                + (
                    ""
                    if record.get("verified", True)
                    else "  NOT VERIFIED: the pages did not change as expected"
                ),
                flush=True,
            )
            if not ok and op == "build":
                return
            if op == "noop":
                floor = stat_floor(project.root)
                floor.update(label=exe.label, rep=rep)
                self.data.setdefault("floor", {}).setdefault(str(n), []).append(floor)

    def finish(self) -> None:
        self.data["load"]["after"] = uptime()
        print("\nemptying the trash (outside every timed run) ...", flush=True)
        self.data["trash_emptied_s"] = self.trash.empty()
        self.save()


def stat_floor(root: Path, repeat: int = 5) -> dict[str, Any]:
    """The least a check by signature does on the project at ``root``: list the sources
    and every catalog folder and ``stat`` each file, in this process; median of ``repeat``."""
    folders = [root / "sources", *sorted((root / "locales").glob("*/LC_MESSAGES"))]
    times, files = [], 0
    for _ in range(repeat):
        start = time.perf_counter()
        files = 0
        for folder in folders:
            prefix = f"{folder}{os.sep}"
            for name in os.listdir(folder):
                os.stat(prefix + name)
                files += 1
        times.append(time.perf_counter() - start)
    return {"files": files, "seconds": statistics.median(times)}


def verify(op: str, project: Project, stem: str, before: dict[str, str]) -> bool:
    """The edit reached the pages: a page of the article changed and, for a
    translator's edit, the translation is on one of them."""
    after = project.pages(stem)
    changed = [path for path, digest in after.items() if before.get(path) != digest]
    if not changed:
        return False
    if op == "edit-po":
        return any(MARK in (project.root / path).read_text("utf-8") for path in changed)
    return True


def medians(runs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Median wall time, CPU time and peak memory per executable, size and operation."""
    groups: dict[tuple[str, int, str], list[dict[str, Any]]] = {}
    for run in runs:
        groups.setdefault((run["label"], run["n"], run["op"]), []).append(run)
    rows = []
    for (label, n, op), group in groups.items():
        rows.append(
            {
                "label": label,
                "n": n,
                "op": op,
                "runs": len(group),
                "ok": all(r["ok"] for r in group),
                "wall_s": statistics.median(r["wall_s"] for r in group),
                "walls": [round(r["wall_s"], 3) for r in group],
                "cpu_s": statistics.median(r["user_s"] + r["sys_s"] for r in group),
                "rss_mb": statistics.median(r["maxrss_kb"] for r in group) / 1024,
                "tree_mb": statistics.median(r["tree_kb"] for r in group) / 1024 if op == "build" else None,
                "load1": statistics.median(r["load1"] for r in group),
            }
        )
    return rows


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip()


def machine() -> dict[str, Any]:
    """The machine, without the peers' versions (they are not run here)."""
    info = {
        k: v for k, v in peers.machine_info().items() if k in ("nproc", "free_h", "cpu", "uname", "python")
    }
    info["mounts"] = subprocess.run(
        ["findmnt", "-no", "SOURCE,FSTYPE,OPTIONS", "--target", str(HERE)], capture_output=True, text=True
    ).stdout.strip()
    return info


# --------------------------------------------------------------------------
# the report
# --------------------------------------------------------------------------
# (operation, measure, limit, at size, text); measure "wall_s" or "rss_mb"
LIMITS = [
    ("noop", "wall_s", 0.5, 10000, "no-op rebuild ≤ 0.5 s at 10,000"),
    ("edit-source", "wall_s", 1.0, 10000, "one source edited ≤ 1 s at 10,000"),
    ("edit-po", "wall_s", 1.0, 10000, "one PO edited ≤ 1 s at 10,000"),
    ("status", "wall_s", 2.0, 10000, "`status` ≤ 2 s at 10,000"),
    ("check", "wall_s", 2.0, 10000, "`check` ≤ 2 s at 10,000"),
    ("build", "rss_mb", 300.0, 10000, "full `build --no-mt` at 10,000 under 300 MB (largest process)"),
]
FLAT = [("noop", "no-op rebuild"), ("edit-source", "one source edited"), ("edit-po", "one PO edited")]
FLAT_SIZES, FLAT_LIMIT = (1000, 10000), 1.2


def goals(rows: list[dict[str, Any]], label: str) -> list[dict[str, str]]:
    """Each goal of the issue for one executable: the figure and met / not met / not measured.

    When the goal's size was not measured, the largest smaller size measured
    decides a "not met" (the figures grow with the project) and leaves a figure
    within the limit "not measured".
    """
    table = {(r["n"], r["op"]): r for r in rows if r["label"] == label}
    sizes = sorted({n for n, _ in table})
    out = []
    for op, measure, limit, at, text in LIMITS:
        unit = "s" if measure == "wall_s" else "MB"
        measured = [n for n in sizes if (n, op) in table and n <= at]
        if not measured:
            out.append({"goal": text, "figure": "", "verdict": "not measured"})
            continue
        n = measured[-1]
        value = table[n, op][measure]
        figure = f"{value:.2f} {unit}" if unit == "s" else f"{value:.0f} {unit}"
        if n == at:
            verdict = "met" if value <= limit else "not met"
        else:
            figure += f" at {n:,}"
            verdict = f"not met (already at {n:,})" if value > limit else f"not measured at {at:,}"
        out.append({"goal": text, "figure": figure, "verdict": verdict})
    small, large = FLAT_SIZES
    for op, name in FLAT:
        text = f"{name}: within 20 % at {small:,} and at {large:,}"
        if (small, op) not in table:
            out.append({"goal": text, "figure": "", "verdict": "not measured"})
            continue
        bigger = [n for n in sizes if small < n <= large and (n, op) in table]
        if not bigger:
            out.append({"goal": text, "figure": "", "verdict": "not measured"})
            continue
        n = bigger[-1]
        ratio = table[n, op]["wall_s"] / table[small, op]["wall_s"]
        figure = f"{n:,} / {small:,}: {ratio:.2f}"
        if n == large:
            verdict = "met" if ratio <= FLAT_LIMIT else "not met"
        else:
            verdict = f"not met (already at {n:,})" if ratio > FLAT_LIMIT else f"not measured at {large:,}"
        out.append({"goal": text, "figure": figure, "verdict": verdict})
    return out


def report(data: dict[str, Any]) -> str:
    """The Markdown report of a session: the issue's table per executable, every run,
    ratios between executables and the goals."""
    rows = data["medians"]
    labels = _labels(data)
    sizes = sorted({r["n"] for r in rows})
    table = {(r["label"], r["n"], r["op"]): r for r in rows}
    ops = [op for op in TABLE_ORDER if any(r["op"] == op for r in rows)]
    lines = []
    for label in labels:
        lines += [
            f"**{label}**: median wall time of {data['reps']} runs "
            "(full build: and peak RSS of the largest process)",
            "",
            "| operation | " + " | ".join(f"{n:,} articles" for n in sizes) + " |",
            "|---|" + "---:|" * len(sizes),
        ]
        for op in ops:
            cells = []
            for n in sizes:
                row = table.get((label, n, op))
                if row is None:
                    cells.append("")
                    continue
                cell = f"{row['wall_s']:.2f} s" + (f", {row['rss_mb']:.0f} MB" if op == "build" else "")
                cells.append(cell if row["ok"] else cell + " **failed**")
            lines.append(f"| {TITLES[op]} | " + " | ".join(cells) + " |")
        lines.append("")
    lines += [
        "Every run: wall time in seconds, median (runs in order); CPU time of the process tree "
        "(user + system, median); peak RSS of the largest process (median); load average (1 min) "
        "before the runs, median.",
        "",
        "| operation | articles | executable | wall s, median (runs) | CPU s | peak RSS MB | load |",
        "|---|---:|---|---:|---:|---:|---:|",
    ]
    for n in sizes:
        for op in ops:
            for label in labels:
                row = table.get((label, n, op))
                if row is None:
                    continue
                runs = "/".join(f"{w:.2f}" for w in row["walls"])
                lines.append(
                    f"| {TITLES[op]} | {n:,} | {label} | {row['wall_s']:.2f} ({runs}) | {row['cpu_s']:.2f} | "
                    f"{row['rss_mb']:.0f} | {row['load1']:.1f} |"
                )
    if len(labels) > 1:
        first = labels[0]
        lines += [
            "",
            f"Ratios of the medians to {first}'s (below 1: faster / smaller):",
            "",
            "| operation | articles | " + " | ".join(f"{label} / {first}" for label in labels[1:]) + " |",
            "|---|---:|" + "---:|" * (len(labels) - 1),
        ]
        for n in sizes:
            for op in ops:
                base = table.get((first, n, op))
                if base is None:
                    continue
                cells = []
                for label in labels[1:]:
                    row = table.get((label, n, op))
                    if row is None:
                        cells.append("")
                        continue
                    cell = f"{row['wall_s'] / base['wall_s']:.2f}"
                    if op == "build":
                        cell += f" (RSS {row['rss_mb'] / base['rss_mb']:.2f})"
                    cells.append(cell)
                lines.append(f"| {TITLES[op]} | {n:,} | " + " | ".join(cells) + " |")
    lines += ["", "Goals:", "", "| goal | " + " | ".join(labels) + " |", "|---|" + "---|" * len(labels)]
    verdicts = {label: goals(rows, label) for label in labels}
    for k, goal in enumerate(verdicts[labels[0]]):
        cells = []
        for label in labels:
            got = verdicts[label][k]
            verdict = got["verdict"] if got["verdict"] in ("met", "") else f"**{got['verdict']}**"
            cells.append(f"{got['figure']}: {verdict}" if got["figure"] else verdict)
        lines.append(f"| {goal['goal']} | " + " | ".join(cells) + " |")
    lines += floor_lines(data)
    load = data.get("load", {})
    lines += ["", f"Load before: `{load.get('before', '')}`", f"Load after: `{load.get('after', '')}`"]
    return "\n".join(lines) + "\n"


def floor_lines(data: dict[str, Any]) -> list[str]:
    """The floor of a check by signature at each size, beside how much each executable's
    no-op and edits grew from the smallest size (their growth can be no less)."""
    floors = {int(n): runs for n, runs in data.get("floor", {}).items() if runs}
    if not floors:
        return []
    sizes = sorted(floors)
    lines = [
        "",
        "The floor of a check by signature (listing the sources and catalogs and `stat` of each, "
        "in one process, median of 5 per repetition, then median of the repetitions), and what "
        f"each operation grew by from {sizes[0]:,} articles (median wall time):",
        "",
        "| articles | files | floor |"
        + "".join(f" {label}: {TITLES[op]} |" for label in _labels(data) for op, _ in FLAT),
        "|---:|---:|---:|" + "---:|" * (len(_labels(data)) * len(FLAT)),
    ]
    table = {(r["label"], r["n"], r["op"]): r for r in data["medians"]}
    for n in sizes:
        seconds = statistics.median(run["seconds"] for run in floors[n])
        files = floors[n][-1]["files"]
        cells = []
        for label in _labels(data):
            for op, _ in FLAT:
                row, base = table.get((label, n, op)), table.get((label, sizes[0], op))
                cells.append(f"+{row['wall_s'] - base['wall_s']:.2f} s" if row and base else "")
        lines.append(f"| {n:,} | {files:,} | {seconds * 1000:.0f} ms | " + " | ".join(cells) + " |")
    return lines


def _labels(data: dict[str, Any]) -> list[str]:
    return [p["label"] for p in data["puente"]]


# --------------------------------------------------------------------------
# command line
# --------------------------------------------------------------------------
def positive_list(text: str) -> list[int]:
    try:
        values = [int(part.replace("_", "")) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: sizes are numbers separated by commas") from None
    if not values or any(v < 1 for v in values):
        raise argparse.ArgumentTypeError(f"{text!r}: sizes are positive numbers separated by commas")
    return sorted(set(values))


def op_list(text: str) -> list[str]:
    values = [part.strip() for part in text.split(",") if part.strip()]
    unknown = [v for v in values if v not in OPS]
    if unknown or not values:
        raise argparse.ArgumentTypeError(f"{text!r}: operations are among {', '.join(OPS)}")
    return [op for op in OPS if op in values]


def results_path(out: Path | None) -> Path:
    """--out, else benchmarks/results/scale-<date>.json, -2, -3 ... when taken."""
    if out is not None:
        return out
    stamp = datetime.date.today().isoformat()
    return Path(peers.unused_path(HERE / "results", f"scale-{stamp}"))


def main(argv: list[str] | None = None) -> None:
    # an installed Puente runs from compiled modules: timing with compilation turned off
    # (a setting some shells export) would measure the compiler at every start
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument(
        "--sizes", type=positive_list, default=[1000, 5000, 10000], help="default 1000,5000,10000"
    )
    parser.add_argument("--reps", type=int, default=3, help="repetitions per executable (default 3)")
    parser.add_argument("--ops", type=op_list, default=list(OPS), help=f"among {','.join(OPS)} (default all)")
    parser.add_argument(
        "--puente",
        action="append",
        metavar="[LABEL=]PATH",
        help="a puente executable (repeatable: LABEL=PATH, timed in turns); default this checkout's",
    )
    parser.add_argument("--work", type=Path, default=Path("/tmp/puente-scale"), help="corpora and projects")
    parser.add_argument(
        "--out", type=Path, help="results file (default benchmarks/results/scale-<date>.json)"
    )
    parser.add_argument(
        "--report", type=Path, metavar="RESULTS", help="only print the report of a results file"
    )
    args = parser.parse_args(argv)
    if args.report is not None:
        print(report(json.loads(args.report.read_text())), end="")
        return
    if args.reps < 1:
        parser.error("--reps: at least 1")
    try:
        exes = executables.parse(args.puente)
    except argparse.ArgumentTypeError as exc:
        parser.error(str(exc))
    args.work = args.work.resolve()
    args.work.mkdir(parents=True, exist_ok=True)
    out = results_path(args.out)
    peers.Trash(str(args.work / ".trash")).empty()  # left by an interrupted session; nothing is timed yet
    session = Session(args, exes, out)
    started = time.perf_counter()
    print(f"load: {session.data['load']['before']}", flush=True)
    session.warm_up()
    for n in args.sizes:
        session.size(n, args.reps, args.ops)
    session.finish()
    session.data["session_s"] = round(time.perf_counter() - started, 1)
    session.save()
    print()
    print(report(session.data), end="")
    print(f"\nresults: {out}")


if __name__ == "__main__":
    main()
