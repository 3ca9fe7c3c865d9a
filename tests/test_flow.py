"""One flow, all or nothing: a failure anywhere writes nothing anywhere, and each input is read once."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from pipeline.cache import RACY_NS
from tests.conftest import REPO, run_cli
from tests.faults.helpers import fake_engine, puente, written_state
from tests.helpers import po_file

SEED = "cartel-crackdown-results"


@pytest.mark.parametrize("no_mt", [False, True])
def test_a_broken_page_template_stops_the_build_before_anything_is_written(
    project: Path, no_mt: bool
) -> None:
    (project / "templates").mkdir()
    (project / "templates" / "page.html").write_text("<!DOCTYPE html><html><head></head><body></body></html>")
    result = run_cli("build", "--root", project, *(["--no-mt"] if no_mt else []))
    assert result.exit_code == 2
    assert (
        result.stderr
        == "templates/page.html:1: the page template has no <article> element: add an empty one\n"
    )
    assert written_state(project) == {}


def test_a_broken_catalog_stops_the_build_with_mt_before_anything_is_written(project: Path) -> None:
    assert run_cli("build", "--root", project, "--quiet").exit_code == 0
    source = project / "sources" / f"{SEED}.md"
    source.write_text(source.read_text("utf-8").replace("Sparse", "Scarce"), "utf-8")
    other = project / "sources" / "juntos-contra-el-narco-balance.html"
    other.write_text(other.read_text("utf-8").replace("</article>", "<p>Un párrafo nuevo.</p></article>"))
    po = po_file(project, SEED, "es")
    po.write_text(po.read_text("utf-8").replace('msgstr "', 'msgstr "roto\n', 1), "utf-8")
    before = written_state(project)
    result = run_cli("build", "--root", project)
    assert result.exit_code == 2
    assert result.stderr.startswith(f"locales/es/LC_MESSAGES/{SEED}.po:") and result.stderr.count("\n") == 1
    assert written_state(project) == before  # not even the other article's catalog or drafts


@pytest.mark.parametrize(
    ("script", "message"),
    [
        (
            "echo 'cannot load the mode' >&2; exit 1\n",
            "apertium: apertium eng-spa failed: cannot load the mode",
        ),
        ("cat > /dev/null; echo 'una sola frase'\n", "returned 1 units for"),
    ],
    ids=["fails", "miscounts"],
)
def test_an_engine_failure_stops_the_build_before_anything_is_written(
    project: Path, tmp_path: Path, script: str, message: str
) -> None:
    env = fake_engine(tmp_path / "bin", script)
    result = puente(project, "build", env=env)
    assert result.returncode == 2, result.stderr
    assert message in result.stderr and result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert written_state(project) == {}


def test_a_one_article_rebuild_reads_each_input_once(project: Path, tmp_path: Path) -> None:
    assert run_cli("build", "--root", project, "--quiet").exit_code == 0
    # A file written in the same clock tick as the cache that records it is hashed once
    # more on the next run (a "racy" signature, as version control has it); a no-op
    # build after that tick has passed replaces those signatures with trusted ones.
    time.sleep(RACY_NS / 1e9 * 2)
    assert run_cli("build", "--root", project, "--quiet").exit_code == 0
    source = project / "sources" / f"{SEED}.md"
    source.write_text(source.read_text("utf-8").replace("Sparse", "Scarce"), "utf-8")
    log = tmp_path / "opened.json"
    traced = textwrap.dedent(
        f"""
        import json, os, sys
        opened = []
        def hook(event, args):
            if event == "open" and isinstance(args[0], (str, bytes, os.PathLike)):
                path, mode, flags = args
                writing = (mode and any(c in mode for c in "wax+")) or (flags or 0) & (os.O_WRONLY | os.O_RDWR)
                if not writing:
                    opened.append(os.path.realpath(os.fsdecode(path)))
        sys.addaudithook(hook)
        from pipeline.cli import entry
        try:
            entry()
        finally:
            with open({str(log)!r}, "w") as out:
                json.dump(opened, out)
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", traced, "build", "--root", str(project)],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        check=False,
    )
    assert result.returncode == 0, result.stderr
    opened = json.loads(log.read_text())
    real = os.path.realpath

    def reads(path: Path) -> int:
        return opened.count(real(path))

    assert reads(project / "glossary" / "puente.tbx") == 1
    assert reads(source) == 1
    assert reads(po_file(project, SEED, "es")) == 1
    # the other article is not read at all
    assert reads(project / "sources" / "juntos-contra-el-narco-balance.html") == 0
    assert reads(po_file(project, "juntos-contra-el-narco-balance", "en")) == 0


def test_extract_and_translate_are_the_same_flow_stopped_earlier(project: Path) -> None:
    assert run_cli("extract", "--root", project, "--quiet").exit_code == 0
    assert not (project / "build").exists() and not (project / ".puente" / "memory.sqlite").exists()
    extracted = po_file(project, SEED, "es").read_text("utf-8")
    assert "#, fuzzy" not in extracted  # no drafts yet
    assert run_cli("translate", "--root", project, "--quiet").exit_code == 0
    assert not (project / "build").exists()
    assert "#. draft: apertium " in po_file(project, SEED, "es").read_text("utf-8")
    result = run_cli("build", "--root", project)
    assert result.exit_code == 0
    assert "131 machine" in result.stdout  # the drafts of translate, with no engine call


def test_verbose_explains_the_decisions(project: Path) -> None:
    run_cli("build", "--root", project, "--quiet")
    source = project / "sources" / f"{SEED}.md"
    source.write_text(source.read_text("utf-8").replace("Sparse", "Scarce"), "utf-8")
    result = puente(project, "-v", "build")
    assert result.returncode == 0, result.stderr
    lines = result.stderr.splitlines()
    assert f"puente: {SEED}: changed (sources/{SEED}.md)" in lines
    assert "puente: juntos-contra-el-narco-balance: unchanged" in lines
    assert any(line.startswith("puente: engine apertium ") and "1 text en→es" in line for line in lines)
    quiet = puente(project, "build")
    assert "puente:" not in quiet.stderr  # the library prints nothing by itself


def test_the_engine_is_not_needed_when_the_memory_has_every_draft(project: Path, tmp_path: Path) -> None:
    assert run_cli("build", "--root", project, "--quiet").exit_code == 0
    shutil.rmtree(project / "locales")
    shutil.rmtree(project / "build")
    env = fake_engine(tmp_path / "bin", "echo 'must not run' >&2; exit 1\n")
    result = puente(project, "build", env=env)
    assert result.returncode == 0, result.stderr
    assert "131 machine" in result.stdout
