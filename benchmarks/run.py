"""Time Puente against its peers on the same generated corpus, in the same run.

Usage (from the repository root, after ``make setup``)::

    python3 -m venv /tmp/peers && /tmp/peers/bin/pip install translate-toolkit
    PEERS_BIN=/tmp/peers/bin .venv/bin/python benchmarks/run.py [--n 1000] [--reps 3] \\
        [--work /tmp/puente-bench] [--puente [LABEL=]PATH ...]
    .venv/bin/python benchmarks/run.py --only review     # the review report alone (no peers)
    PEERS_BIN=/tmp/peers/bin .venv/bin/python benchmarks/run.py --skip pot2po --skip apertium --skip review

The corpus and the peers' timing code live beside this script: ``make_corpus.py``
writes N articles (HTML and Markdown, 40 % of sentences repeated), ``peers.py``
times Translate Toolkit (html2po, pretranslate, po2html, pot2po), GNU msgmerge and
raw Apertium with ``/usr/bin/time -v`` (peak RSS of the largest process, CPU time)
and reports medians. This script adds Puente's commands to the same run, with the
same timing code, and prints a Markdown table with the ratios that
docs/benchmarks.md reports.

``--skip`` leaves out the slow rows that no goal of the extraction or the build needs
(while iterating; docs/benchmarks.md reports a run with every row): ``pot2po`` (three
minutes a run), ``apertium`` (the raw Apertium call, ``translate`` and the build with
Apertium) and ``review`` (the review report's rows).

``--puente`` (default: this checkout's ``.venv/bin/puente``) may be given several
times with labels, ``--puente before=/old/.venv/bin/puente --puente after=.venv/bin/puente``:
each of Puente's rows is then measured for every label, the labels taking turns
repetition by repetition, each in projects of its own.

Old outputs are renamed into WORK/.trash before a timed run, never deleted there
(deleting N files slows the next N file creations on some machines); the trash
is emptied at the end.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import polib

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

import executables  # noqa: E402
import peers  # noqa: E402
from executables import Executable  # noqa: E402


def fresh_project(bench: peers.Bench, work: Path, name: str, sources: Path) -> Path:
    """A project of hard-linked sources and a copy of the glossary; the old one moved aside."""
    root = work / name
    bench.trash.aside(str(root))
    (root / "sources").mkdir(parents=True)
    for path in sources.glob("*.html"):
        os.link(path, root / "sources" / path.name)
    shutil.copytree(REPO / "glossary", root / "glossary")
    return root


def fill_catalogs(root: Path) -> None:
    """Give every entry a reviewed "translation" (the harness fills the peers' PO files the same way)."""
    for path in (root / "locales").rglob("*.po"):
        catalog = polib.pofile(str(path), wrapwidth=0)
        for entry in catalog:
            entry.msgstr = entry.msgid[::-1]
            entry.flags = []
        catalog.save()


def tool_name(exe: Executable, labelled: bool) -> str:
    return f"Puente ({exe.label})" if labelled else "Puente"


def main() -> None:
    # an installed Puente runs from compiled modules: timing with compilation turned off
    # (a setting some shells export) would measure the compiler at every start
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--work", type=Path, default=Path("/tmp/puente-bench"))
    parser.add_argument(
        "--only",
        choices=["all", "review"],
        default="all",
        help="review: only the review report against the build",
    )
    parser.add_argument(
        "--skip",
        action="append",
        choices=["pot2po", "apertium", "review"],
        default=[],
        help="leave out these slow rows (repeatable)",
    )
    parser.add_argument(
        "--puente",
        action="append",
        metavar="[LABEL=]PATH",
        help="a puente executable to time (repeatable, labelled); default: this checkout's",
    )
    args = parser.parse_args()
    try:
        exes = executables.parse(args.puente)
    except argparse.ArgumentTypeError as exc:
        parser.error(str(exc))
    labelled = len(exes) > 1
    n, work = args.n, args.work.resolve()
    work.mkdir(parents=True, exist_ok=True)
    bench = peers.Bench(str(work), args.reps)
    bench.trash.empty()  # left by an interrupted run; before anything is timed
    load_before = uptime()
    bench.checks["puente"] = [executables.describe(e) for e in exes]
    info = peers.setup(bench, [n])
    words = info[n]["words"]
    html = work / f"html{n}"
    if args.only == "review":
        review(bench, exes, work, html, n, words)
        finish(bench, n, exes, labelled, "results-review")
        return

    def alternate(
        task: str,
        project: str,
        command: str,
        prep: Callable[[Executable, Path], object] | None = None,
        tree: bool = False,
    ) -> None:
        """Puente's command for every label, in turns, each label in a project of its own."""
        entries = []
        for exe in exes:
            root = work / f"{project}-{exe.label}"

            def run_prep(exe: Executable = exe, root: Path = root) -> None:
                if prep is not None:
                    prep(exe, root)

            entries.append((tool_name(exe, labelled), exe.command(root, command), run_prep))
        bench.measure_alternating(entries, task, n, words, tree=tree)

    def fresh(exe: Executable, root: Path) -> None:
        fresh_project(bench, work, root.name, html)

    # extraction: html2po vs puente extract
    peers.task_a(bench, [n], info)
    alternate("extract: HTML -> POT + PO per article", "px", "--quiet extract", fresh)

    # update after editing 5 % of paragraphs: msgmerge / pot2po vs puente extract
    peers.task_b(bench, [n], info)
    peers.task_e(bench, [n], info, pot2po="pot2po" not in args.skip)
    edited = work / "edit" / f"html{n}"

    def prep_update(exe: Executable, root: Path) -> None:
        fresh_project(bench, work, root.name, html)
        subprocess.run(exe.command(root, "--quiet extract"), shell=True, check=True)
        fill_catalogs(root)
        bench.trash.aside(str(root / "sources"))
        shutil.copytree(edited, root / "sources")

    alternate("update filled PO after 5 % edits (extract)", "pu", "--quiet extract", prep_update)

    # build: html2po + po2html vs puente build --no-mt, then the no-op rebuild of the same project
    alternate(
        "build --no-mt: HTML -> POT, PO, pages in 2 languages, manifest", "pb", "--quiet build --no-mt", fresh
    )
    alternate("build --no-mt again, nothing changed (no-op)", "pb", "--quiet build --no-mt")

    if "apertium" not in args.skip:
        drafting(bench, exes, work, html, n, alternate, fresh)
    if "review" not in args.skip:
        review(bench, exes, work, html, n, words)
    bench.checks["skipped"] = args.skip
    bench.checks["load"] = {"before": load_before, "after": uptime()}
    bench.checks["trash_emptied_s"] = bench.trash.empty()  # after every timed run
    finish(bench, n, exes, labelled)


def drafting(
    bench: peers.Bench,
    exes: list[Executable],
    work: Path,
    html: Path,
    n: int,
    alternate: Callable[..., None],
    fresh: Callable[[Executable, Path], None],
) -> None:
    """One raw Apertium call over the whole text, Puente's translate and its first build
    with Apertium."""
    bodies = [peers.body_of(peers.read(str(f))) for f in sorted(html.glob("*.html"))]
    text = "\n\n".join(peers.mc.html_text(b) for b in bodies)
    (work / f"aptxt{n}.txt").write_text(text, "utf-8")
    bench.measure(
        "Apertium eng-spa (raw)",
        "one call, all articles, plain text (-u)",
        n,
        peers.mc.count_words(text),
        f"apertium -u eng-spa < aptxt{n}.txt > aptxt{n}.es.txt",
        tree=True,
    )

    def prep_translate(exe: Executable, root: Path) -> None:
        fresh_project(bench, work, root.name, html)
        subprocess.run(exe.command(root, "--quiet extract"), shell=True, check=True)

    alternate(
        "translate: draft every unit (memory + Apertium, 2 jobs)",
        "pt",
        "--quiet translate",
        prep_translate,
        tree=True,
    )
    alternate("build with Apertium: first build of a new project", "pa", "--quiet build", fresh, tree=True)


def review(bench: peers.Bench, exes: list[Executable], work: Path, html: Path, n: int, words: int) -> None:
    """The review report: in a full build, alone on a built project (first and again), and
    in a build that has nothing to do; the plain build of the same run is the yardstick."""
    bench.measure(
        "Puente",
        "build --no-mt (the yardstick of the review rows)",
        n,
        words,
        exes[0].command(work / "pr", "build --quiet --no-mt"),
        prep=lambda: fresh_project(bench, work, "pr", html),
    )
    bench.measure(
        "Puente",
        "build --no-mt --review: the same, and the review report",
        n,
        words,
        exes[0].command(work / "pr", "build --quiet --no-mt --review"),
        prep=lambda: fresh_project(bench, work, "pr", html),
    )
    bench.measure(
        "Puente",
        "build --no-mt --review again, nothing changed (no-op)",
        n,
        words,
        exes[0].command(work / "pr", "build --quiet --no-mt --review"),
    )
    bench.measure(
        "Puente",
        "review: the report of a built project, none yet",
        n,
        words,
        exes[0].command(work / "pr", "review --quiet"),
        prep=lambda: shutil.rmtree(work / "pr" / "build" / "review", ignore_errors=True),
    )
    bench.measure(
        "Puente",
        "review again, nothing changed",
        n,
        words,
        exes[0].command(work / "pr", "review --quiet"),
    )


def finish(bench: peers.Bench, n: int, exes: list[Executable], labelled: bool, name: str = "results") -> None:
    bench.save()
    rows = bench.rows
    print(peers.table(rows))
    results = HERE / "results"
    results.mkdir(exist_ok=True)
    stamp = datetime.date.today().isoformat()
    out = Path(peers.unused_path(results, f"{name}-{n}-{stamp}"))
    payload = {
        "command": sys.argv,
        "rows": rows,
        "checks": bench.checks,
        "machine": peers.machine_info(),
    }
    out.write_text(json.dumps(payload, indent=1, ensure_ascii=False))
    print(f"results: {out.relative_to(REPO)}")
    for exe in exes:
        print(f"\n{exe.label}:" if labelled else "")
        print(ratios(rows, tool_name(exe, labelled)))
    if any(row["task"].startswith("build --no-mt (the yardstick") for row in rows):
        print(review_ratios(rows))


def review_ratios(rows: list[dict]) -> str:
    def wall(task_prefix: str) -> float:
        for row in rows:
            if row["tool"] == "Puente" and row["task"].startswith(task_prefix):
                return float(row["wall_s"])
        return float("nan")

    build = wall("build --no-mt (the yardstick")
    lines = [
        f"review report inside a full build: (build --review - build) / build = "
        f"{(wall('build --no-mt --review:') - build) / build:.2f}",
        f"puente review, no report yet / build = {wall('review: the report') / build:.2f}",
        f"puente review again, nothing changed / build = {wall('review again') / build:.3f}",
        f"build --review no-op / build = {wall('build --no-mt --review again') / build:.3f}",
    ]
    return "\n".join(lines)


def uptime() -> str:
    """The ``uptime`` line: how loaded the machine was."""
    return subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip()


def ratios(rows: list[dict], puente: str) -> str:
    """The goals of docs/benchmarks.md for one Puente tool name, as a Markdown table."""

    def wall(tool: str, task_prefix: str, key: str = "wall_s") -> float:
        """The median of a row: Puente's by its exact name, a peer's by the start of its name."""
        for row in rows:
            named = row["tool"] == tool if tool.startswith("Puente") else row["tool"].startswith(tool)
            if named and row["task"].startswith(task_prefix):
                return float(row.get(key, "nan"))
        return float("nan")

    def cpu(tool: str, task_prefix: str) -> float:
        return wall(tool, task_prefix, "cpu_s")

    html2po = wall("translate-toolkit html2po", "extract")
    po2html = wall("translate-toolkit po2html", "reassemble")
    msgmerge = wall("GNU gettext msgmerge", "update")
    apertium = wall("Apertium eng-spa (raw)", "one call")
    build = wall(puente, "build --no-mt:")
    # (comparison, ratio, unit, goal, the goal's test; None: reported, no goal)
    goals: list[tuple[str, float, str, str, Callable[[float], bool] | None]] = [
        (
            "build: (html2po + po2html) / `build --no-mt`",
            (html2po + po2html) / build,
            "×",
            "≥ 2.5×",
            lambda v: v >= 2.5,
        ),
        ("extraction: html2po / `extract`", html2po / wall(puente, "extract"), "×", "≥ 2×", lambda v: v >= 2),
        (
            "first `build` with Apertium / one raw Apertium call",
            wall(puente, "build with") / apertium,
            "",
            "≤ 1",
            lambda v: v <= 1,
        ),
        (
            "catalog update: msgmerge per file / `extract`",
            msgmerge / wall(puente, "update"),
            "×",
            "> 1×",
            lambda v: v > 1,
        ),
        ("no-op rebuild / full build", wall(puente, "build --no-mt again") / build, "", "—", None),
        ("`translate` / one raw Apertium call", wall(puente, "translate") / apertium, "", "—", None),
    ]
    lines = ["| comparison | ratio | goal | |", "|---|---:|---|---|"]
    for name, value, unit, goal, test in goals:
        if value != value:  # a row left out (--skip)
            lines.append(f"| {name} | not measured | {goal} | |")
            continue
        verdict = "" if test is None else ("met" if test(value) else "**not met**")
        lines.append(f"| {name} | {value:.2f}{unit} | {goal} | {verdict} |")
    # the same goals by CPU time (user + system of the whole process tree): steadier than
    # the wall time on a shared machine, though a run on two cores is not charged for waiting
    html2po_cpu = cpu("translate-toolkit html2po", "extract")
    by_cpu = [
        (
            "build, CPU: (html2po + po2html) / `build --no-mt`",
            (html2po_cpu + cpu("translate-toolkit po2html", "reassemble")) / cpu(puente, "build --no-mt:"),
        ),
        ("extraction, CPU: html2po / `extract`", html2po_cpu / cpu(puente, "extract")),
    ]
    for name, value in by_cpu:
        if value == value:  # rows without CPU times (older results) leave it out
            lines.append(f"| {name} | {value:.2f}× | | |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
