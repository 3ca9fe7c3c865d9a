"""The benchmark harness times what it says it times.

The edits of ``benchmarks/scale.py`` are the edits it describes (one digit of one
paragraph, one msgstr), a reset deletes nothing before a timed run and loses no
source, the executables take turns, the peak memory is the largest process of the
tree, and a whole session at a tiny size yields every operation and a report.
No timing is asserted: speed is reported by the benchmarks, not tested.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import polib
import pytest

from tests.conftest import BENCHMARKS

sys.path.insert(0, str(BENCHMARKS))

import executables
import peers
import run
import scale

PUENTE = Path(sys.executable).parent / "puente"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A work folder and its 6-article corpus, generated once for the module."""
    work = tmp_path_factory.mktemp("scale")
    folder, _ = scale.corpus(work, 6)
    return work, folder


@pytest.fixture
def fresh(corpus: tuple[Path, Path], tmp_path: Path) -> Iterator[scale.Project]:
    """A project of the corpus: hard-linked sources and the repository's glossary."""
    _, folder = corpus
    project = scale.Project(tmp_path / "project", folder, peers.Trash(str(tmp_path / ".trash")))
    project.create()
    yield project


def puente(project: scale.Project, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(PUENTE), "--root", str(project.root), *args], capture_output=True, text=True, check=False
    )


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_the_corpus_is_make_corpus_output_and_is_made_once(corpus: tuple[Path, Path], tmp_path: Path) -> None:
    work, folder = corpus
    by_hand = tmp_path / "by-hand"
    generator = [sys.executable, str(BENCHMARKS / "make_corpus.py")]
    subprocess.run(
        [*generator, "--n", "6", "--out", str(by_hand), "--seed", "1", "--format", "md"], check=True
    )
    assert snapshot(folder) == snapshot(by_hand)
    inodes = {p.name: p.stat().st_ino for p in folder.iterdir()}
    again, words = scale.corpus(work, 6)
    assert again == folder and {p.name: p.stat().st_ino for p in folder.iterdir()} == inodes
    assert words > 6 * 700  # articles of 740-850 words


def test_a_source_edit_changes_one_digit_of_one_paragraph_and_the_reset_restores_it(
    fresh: scale.Project,
) -> None:
    before = snapshot(fresh.root / "sources")
    corpus_before = snapshot(fresh.corpus)
    note = scale.edit_source(fresh)
    after = snapshot(fresh.root / "sources")
    changed = [name for name in before if before[name] != after[name]]
    assert changed == [Path(note["file"]).name]
    old, new = before[changed[0]].decode(), after[changed[0]].decode()
    assert len(old) == len(new) and len(old.encode()) == len(new.encode())
    differing = [k for k, (a, b) in enumerate(zip(old, new, strict=True)) if a != b]
    assert len(differing) == 1 and old[differing[0]].isdigit() and new[differing[0]].isdigit()
    line = new.split("\n")[note["line"] - 1]
    assert note["to"] in line and not line.startswith(("#", "-", "|", "<", "By "))
    assert snapshot(fresh.corpus) == corpus_before  # the corpus is never edited through a hard link
    fresh.reset()
    assert snapshot(fresh.root / "sources") == before
    for path in fresh.sources:
        assert path.stat().st_ino == (fresh.corpus / path.name).stat().st_ino


def test_a_po_edit_fills_exactly_one_msgstr_and_reaches_the_page(fresh: scale.Project) -> None:
    assert puente(fresh, "--quiet", "build", "--no-mt").returncode == 0
    locales = fresh.root / "locales"
    before = snapshot(locales)
    note = scale.edit_po(fresh)
    after = snapshot(locales)
    path = fresh.root / note["file"]
    name = str(path.relative_to(locales))
    assert [k for k in before if before[k] != after[k]] == [name]
    old, new = polib.pofile(before[name].decode()), polib.pofile(after[name].decode())
    assert [e.msgid for e in old] == [e.msgid for e in new] and not any(e.msgstr for e in old)
    filled = [e for e in new if e.msgstr]
    assert len(filled) == 1 and filled[0].msgstr == filled[0].msgid + scale.MARK
    assert len(filled[0].msgid.split()) >= 12 and "fuzzy" not in filled[0].flags
    # nothing else in the file moved: the one line that differs is the msgstr
    old_lines, new_lines = before[name].decode().split("\n"), after[name].decode().split("\n")
    assert len(old_lines) == len(new_lines)
    assert [b for a, b in zip(old_lines, new_lines, strict=True) if a != b] == [
        f'msgstr "{filled[0].msgid}{scale.MARK}"'
    ]
    pages = fresh.pages(path.stem)
    assert len(pages) >= 2  # the English and the Spanish page
    assert puente(fresh, "--quiet", "build", "--no-mt").returncode == 0
    assert scale.verify("edit-po", fresh, path.stem, pages)
    # the translation breaks no error-severity check: `puente check` exits 0
    assert puente(fresh, "check").returncode == 0


def test_a_source_edit_reaches_the_pages_and_a_no_op_is_not_taken_for_an_edit(fresh: scale.Project) -> None:
    assert puente(fresh, "--quiet", "build", "--no-mt").returncode == 0
    note = scale.edit_source(fresh)
    stem = Path(note["file"]).stem
    pages = fresh.pages(stem)
    assert not scale.verify("edit-source", fresh, stem, pages)  # nothing rebuilt yet
    assert puente(fresh, "--quiet", "build", "--no-mt").returncode == 0
    assert scale.verify("edit-source", fresh, stem, pages)


def test_a_reset_moves_the_outputs_aside_and_deletes_nothing_until_the_trash_is_emptied(
    fresh: scale.Project,
) -> None:
    assert puente(fresh, "--quiet", "build", "--no-mt").returncode == 0
    outputs = {p.name: snapshot(p) for p in fresh.root.iterdir() if p.name not in scale.INPUTS}
    assert {"locales", "build", ".puente"} <= set(outputs)
    fresh.reset()
    assert sorted(p.name for p in fresh.root.iterdir()) == ["glossary", "sources"]
    trash = Path(fresh.trash.folder)
    moved = {p.name.split("-", 2)[2]: snapshot(p) for p in trash.iterdir()}
    assert moved == outputs
    fresh.trash.empty()
    assert not trash.exists()


def test_run_measured_reports_the_largest_process_of_the_tree(tmp_path: Path) -> None:
    # a small parent whose forked worker touches 150 MB, the way build workers do
    script = (
        "import multiprocessing as m\n"
        "def work():\n"
        "    b = bytearray(150 * 1024 * 1024)\n"
        "    b[::4096] = b'x' * len(b[::4096])\n"
        "if __name__ == '__main__':\n"
        "    p = m.get_context('fork').Process(target=work); p.start(); p.join()\n"
    )
    (tmp_path / "worker.py").write_text(script)
    got = peers.run_measured(f"{sys.executable} worker.py", str(tmp_path), str(tmp_path / "log"))
    assert got["rc"] == 0
    assert got["maxrss_kb"] >= 150 * 1024
    assert got["user_s"] + got["sys_s"] > 0 and got["wall_s"] > 0


def test_alternating_measurements_take_turns(tmp_path: Path) -> None:
    bench = peers.Bench(str(tmp_path), 3)
    entries = [(name, f"echo {name} >> order", None) for name in ("a", "b")]
    rows = bench.measure_alternating(entries, "turns", 1, 1)
    assert (tmp_path / "order").read_text().split() == ["a", "b", "b", "a", "a", "b"]
    assert [r["tool"] for r in rows] == ["a", "b"] and all(len(r["runs"]) == 3 and r["ok"] for r in rows)


def test_executables_are_checked_before_anything_is_timed(tmp_path: Path) -> None:
    (exe,) = executables.parse([str(PUENTE)])
    assert exe.label == "puente" and exe.path == PUENTE
    both = executables.parse([f"before={PUENTE}", f"after={PUENTE}"])
    assert [e.label for e in both] == ["before", "after"]
    for bad in ([f"x={PUENTE}", f"x={PUENTE}"], [f"x={tmp_path / 'missing'}"], [f"a b={PUENTE}"]):
        with pytest.raises(Exception, match="--puente"):
            executables.parse(bad)
    spaced = tmp_path / "with space"
    command = executables.Executable("x", PUENTE).command(spaced, "status")
    assert f"'{spaced}'" in command


def test_goals_are_judged_at_their_size_or_declared_not_measured() -> None:
    def row(n: int, op: str, wall: float, rss: float = 100.0) -> dict[str, object]:
        return {"label": "x", "n": n, "op": op, "wall_s": wall, "rss_mb": rss, "ok": True}

    rows = [
        row(1000, "noop", 0.4),
        row(5000, "noop", 0.45),
        row(1000, "edit-po", 0.5),
        row(5000, "edit-po", 1.5),
    ]
    verdicts = {g["goal"]: g["verdict"] for g in scale.goals(rows, "x")}
    assert verdicts["no-op rebuild ≤ 0.5 s at 10,000"] == "not measured at 10,000"
    assert verdicts["one PO edited ≤ 1 s at 10,000"] == "not met (already at 5,000)"
    assert verdicts["no-op rebuild: within 20 % at 1,000 and at 10,000"] == "not measured at 10,000"
    assert verdicts["one PO edited: within 20 % at 1,000 and at 10,000"] == "not met (already at 5,000)"
    assert verdicts["`status` ≤ 2 s at 10,000"] == "not measured"
    rows += [row(10000, "noop", 0.47), row(10000, "build", 80.0, rss=783.0)]
    verdicts = {g["goal"]: g["verdict"] for g in scale.goals(rows, "x")}
    assert verdicts["no-op rebuild ≤ 0.5 s at 10,000"] == "met"
    assert verdicts["no-op rebuild: within 20 % at 1,000 and at 10,000"] == "met"
    assert verdicts["full `build --no-mt` at 10,000 under 300 MB (largest process)"] == "not met"


def test_peer_ratios_name_each_goal() -> None:
    def row(tool: str, task: str, wall: float) -> dict[str, object]:
        return {"tool": tool, "task": task, "wall_s": wall}

    rows = [
        row("translate-toolkit html2po", "extract HTML -> POT (dir mode)", 3.0),
        row("translate-toolkit po2html", "reassemble PO + HTML -> HTML", 4.0),
        row("GNU gettext msgmerge 0.21", "update filled PO to new POT (per file)", 10.0),
        row("Apertium eng-spa (raw)", "one call, all articles, plain text (-u)", 20.0),
        row("Puente (a)", "extract: HTML -> POT + PO per article", 1.0),
        row("Puente (a)", "update filled PO after 5 % edits (extract)", 2.0),
        row("Puente (a)", "build --no-mt: HTML -> POT, PO, pages in 2 languages, manifest", 3.5),
        row("Puente (a)", "build --no-mt again, nothing changed (no-op)", 0.5),
        row("Puente (a)", "translate: draft every unit (memory + Apertium, 2 jobs)", 10.0),
        row("Puente (a)", "build with Apertium: first build of a new project", 25.0),
        row("Puente (b)", "build --no-mt: HTML -> POT, PO, pages in 2 languages, manifest", 1.0),
    ]
    table = run.ratios(rows, "Puente (a)")
    assert "| build: (html2po + po2html) / `build --no-mt` | 2.00× | ≥ 2.5× | **not met** |" in table
    assert "| extraction: html2po / `extract` | 3.00× | ≥ 2× | met |" in table
    assert "| first `build` with Apertium / one raw Apertium call | 1.25 | ≤ 1 | **not met** |" in table
    assert "| catalog update: msgmerge per file / `extract` | 5.00× | > 1× | met |" in table
    assert "CPU" not in table  # these rows have no CPU times


def test_peer_ratios_by_cpu_time_and_rows_left_out() -> None:
    def row(tool: str, task: str, wall: float, cpu: float) -> dict[str, object]:
        return {"tool": tool, "task": task, "wall_s": wall, "cpu_s": cpu}

    rows = [
        row("translate-toolkit html2po", "extract HTML -> POT (dir mode)", 3.0, 2.8),
        row("translate-toolkit po2html", "reassemble PO + HTML -> HTML", 4.0, 3.9),
        row("Puente", "extract: HTML -> POT + PO per article", 1.0, 1.4),
        row("Puente", "build --no-mt: HTML -> POT, PO, pages in 2 languages, manifest", 3.5, 6.7),
    ]
    table = run.ratios(rows, "Puente")
    assert "| build, CPU: (html2po + po2html) / `build --no-mt` | 1.00× | | |" in table
    assert "| extraction, CPU: html2po / `extract` | 2.00× | | |" in table
    # --skip apertium: no Apertium rows, said so instead of a ratio of nothing
    assert "| first `build` with Apertium / one raw Apertium call | not measured | ≤ 1 | |" in table


@pytest.mark.slow
def test_a_session_times_every_operation_for_every_executable_in_turns(tmp_path: Path) -> None:
    out = tmp_path / "results.json"
    args = ["--sizes", "4", "--reps", "2", "--work", str(tmp_path / "work"), "--out", str(out)]
    scale.main([*args, "--puente", f"a={PUENTE}", "--puente", f"b={PUENTE}"])
    data = json.loads(out.read_text())
    runs = data["runs"]
    assert len(runs) == 2 * 2 * len(scale.OPS) and all(r["ok"] for r in runs)
    assert [r["label"] for r in runs if r["op"] == "build"] == ["a", "b", "b", "a"]
    assert all(r["verified"] for r in runs if r["op"].startswith("edit"))
    assert all(r["maxrss_kb"] > 0 for r in runs)
    assert {(m["label"], m["op"]) for m in data["medians"]} == {(x, op) for x in "ab" for op in scale.OPS}
    assert data["load"]["before"] and data["load"]["after"]
    assert not (tmp_path / "work" / ".trash").exists()
    report = scale.report(data)
    for title in scale.TITLES.values():
        assert f"| {title} | 4 |" in report
    assert "| goal | a | b |" in report and "b / a" in report


def test_a_results_file_never_overwrites_an_earlier_one(tmp_path: Path) -> None:
    import peers

    first = Path(peers.unused_path(tmp_path, "results-1000-2026-11-30"))
    assert first.name == "results-1000-2026-11-30.json"
    first.write_text("{}")
    second = Path(peers.unused_path(tmp_path, "results-1000-2026-11-30"))
    assert second.name == "results-1000-2026-11-30-2.json"
    second.write_text("{}")
    assert (
        Path(peers.unused_path(tmp_path, "results-1000-2026-11-30")).name == "results-1000-2026-11-30-3.json"
    )
