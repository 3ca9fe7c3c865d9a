"""Time Puente against its peers on the same generated corpus, in the same run.

Usage (from the repository root, after ``make setup``)::

    PEERS_BIN=/path/to/venv-with-translate-toolkit/bin \\
        .venv/bin/python benchmarks/run.py [--n 1000] [--reps 3] [--work /tmp/puente-bench]
    .venv/bin/python benchmarks/run.py --only review     # the review report alone (no peers)

The corpus and the peers' timing code live beside this script: ``make_corpus.py``
writes N articles (HTML and Markdown, 40 % of sentences repeated), ``peers.py``
times Translate Toolkit (html2po, pretranslate, po2html, pot2po), GNU msgmerge and
raw Apertium with
``/usr/bin/time -v`` (peak RSS) and reports medians. This script adds Puente's
commands to the same run, with the same timing code, and prints a Markdown
table with the ratios that docs/benchmarks.md reports.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import polib

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

import peers  # noqa: E402


def puente(args: str) -> str:
    return f"{REPO / '.venv' / 'bin' / 'puente'} {args}"


def fresh_project(work: Path, name: str, sources: Path) -> Path:
    root = work / name
    shutil.rmtree(root, ignore_errors=True)
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--work", type=Path, default=Path("/tmp/puente-bench"))
    parser.add_argument(
        "--only",
        choices=["all", "review"],
        default="all",
        help="review: only the review report against the build",
    )
    args = parser.parse_args()
    n, work = args.n, args.work
    work.mkdir(parents=True, exist_ok=True)
    bench = peers.Bench(str(work), args.reps)
    info = peers.setup(bench, [n])
    words = info[n]["words"]
    html = work / f"html{n}"
    if args.only == "review":
        review(bench, work, html, n, words)
        finish(bench, n, f"results-review-{n}.json", review_ratios)
        return

    # extraction: html2po vs puente extract
    peers.task_a(bench, [n], info)
    bench.measure(
        "Puente",
        "extract: HTML -> POT + PO per article",
        n,
        words,
        puente(f"extract --quiet --root {work}/px"),
        prep=lambda: fresh_project(work, "px", html),
    )

    # update after editing 5 % of paragraphs: msgmerge / pot2po vs puente extract
    peers.task_b(bench, [n], info)
    peers.task_e(bench, [n], info)
    edited = work / "edit" / f"html{n}"

    def prep_update() -> None:
        root = fresh_project(work, "pu", html)
        subprocess.run(puente(f"extract --quiet --root {root}").split(), check=True)
        fill_catalogs(root)
        shutil.rmtree(root / "sources")
        shutil.copytree(edited, root / "sources")

    bench.measure(
        "Puente",
        "update filled PO after 5 % edits (extract)",
        n,
        words,
        puente(f"extract --quiet --root {work}/pu"),
        prep=prep_update,
    )

    # build: html2po + po2html vs puente build --no-mt, then the no-op rebuild
    bench.measure(
        "Puente",
        "build --no-mt: HTML -> POT, PO, pages in 2 languages, manifest",
        n,
        words,
        puente(f"build --quiet --no-mt --root {work}/pb"),
        prep=lambda: fresh_project(work, "pb", html),
    )
    bench.measure(
        "Puente",
        "build --no-mt again, nothing changed (no-op)",
        n,
        words,
        puente(f"build --quiet --no-mt --root {work}/pb"),
    )

    # drafting: one raw Apertium call over the same text vs puente translate
    bodies = [peers.body_of(peers.read(f)) for f in sorted(glob.glob(str(html / "*.html")))]
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

    def prep_translate() -> None:
        root = fresh_project(work, "pt", html)
        subprocess.run(puente(f"extract --quiet --root {root}").split(), check=True)

    bench.measure(
        "Puente",
        "translate: draft every unit (memory + Apertium, 2 jobs)",
        n,
        words,
        puente(f"translate --quiet --root {work}/pt"),
        prep=prep_translate,
        tree=True,
    )
    review(bench, work, html, n, words)
    finish(bench, n, f"results-{n}.json", lambda rows: ratios(rows) + "\n" + review_ratios(rows))


def review(bench: peers.Bench, work: Path, html: Path, n: int, words: int) -> None:
    """The review report: in a full build, alone on a built project (first and again), and
    in a build that has nothing to do; the plain build of the same run is the yardstick."""
    bench.measure(
        "Puente",
        "build --no-mt (the yardstick of the review rows)",
        n,
        words,
        puente(f"build --quiet --no-mt --root {work}/pr"),
        prep=lambda: fresh_project(work, "pr", html),
    )
    bench.measure(
        "Puente",
        "build --no-mt --review: the same, and the review report",
        n,
        words,
        puente(f"build --quiet --no-mt --review --root {work}/pr"),
        prep=lambda: fresh_project(work, "pr", html),
    )
    bench.measure(
        "Puente",
        "build --no-mt --review again, nothing changed (no-op)",
        n,
        words,
        puente(f"build --quiet --no-mt --review --root {work}/pr"),
    )
    bench.measure(
        "Puente",
        "review: the report of a built project, none yet",
        n,
        words,
        puente(f"review --quiet --root {work}/pr"),
        prep=lambda: shutil.rmtree(work / "pr" / "build" / "review", ignore_errors=True),
    )
    bench.measure(
        "Puente",
        "review again, nothing changed",
        n,
        words,
        puente(f"review --quiet --root {work}/pr"),
    )


def finish(bench: peers.Bench, n: int, name: str, summary) -> None:
    bench.save()
    rows = bench.rows
    print(peers.table(rows))
    results = HERE / "results"
    results.mkdir(exist_ok=True)
    (results / name).write_text(json.dumps({"rows": rows, "checks": bench.checks}, indent=1))
    print(summary(rows))


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


def ratios(rows: list[dict]) -> str:
    def wall(tool_prefix: str, task_prefix: str) -> float:
        for row in rows:
            if row["tool"].startswith(tool_prefix) and row["task"].startswith(task_prefix):
                return float(row["wall_s"])
        return float("nan")

    html2po = wall("translate-toolkit html2po", "extract")
    po2html = wall("translate-toolkit po2html", "reassemble")
    msgmerge = wall("GNU gettext msgmerge", "update")
    build = wall("Puente", "build --no-mt:")
    lines = [
        f"extract: html2po / puente = {html2po / wall('Puente', 'extract'):.1f}x",
        f"update: msgmerge per file / puente = {msgmerge / wall('Puente', 'update'):.1f}x",
        f"build: (html2po + po2html) / puente build --no-mt = {(html2po + po2html) / build:.1f}x",
        f"no-op rebuild / full build = {wall('Puente', 'build --no-mt again') / build:.3f}",
        "translate / raw apertium = "
        f"{wall('Puente', 'translate') / wall('Apertium eng-spa (raw)', 'one call'):.2f}",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
