"""A rebuild costs what changed, and never misses a change.

The build cache decides "unchanged" from each file's ``stat`` signature, and hashes
the content when the signature differs (or was racy); ``status`` and ``check``
answer from what they or the last build computed of files that did not change.
These tests make the changes that could fool such a cache (a touch without change,
a same-size edit in the same clock tick with the old times put back, a rename, a
deletion, a tool that keeps the modification time) and check that every one is
seen, and that the cached answers are those of reading everything again.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.cache import RACY_NS
from pipeline.project import open_project
from pipeline.status import check_project, project_status
from tests.conftest import REPO, run_cli
from tests.helpers import po_file

SEED = "cartel-crackdown-results"
OTHER = "juntos-contra-el-narco-balance"


def build(root: Path) -> str:
    result = run_cli("build", "--root", root, "--no-mt")
    assert result.exit_code == 0, result.stderr
    return result.stdout + result.stderr


def rebuilt(output: str) -> int:
    """The "(N rebuilt)" of a build's summary."""
    line = next(line for line in output.splitlines() if "rebuilt)" in line)
    return int(line.split("(")[1].split(" rebuilt")[0])


def edit_keeping_times(path: Path, old: str, new: str) -> None:
    """Replace ``old`` by ``new`` (same length) in place and put the old times back, as a
    tool that keeps the modification time does (the change time still moves)."""
    assert len(old.encode()) == len(new.encode())
    info = path.stat()
    data = path.read_bytes()
    assert old.encode() in data
    with open(path, "r+b") as handle:  # in place: the same inode
        handle.write(data.replace(old.encode(), new.encode(), 1))
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns))


def page_text(root: Path, lang: str, slug: str) -> str:
    return (root / "build" / lang / f"{slug}.html").read_text("utf-8")


def test_a_touch_without_change_rebuilds_nothing(project: Path) -> None:
    build(project)
    for path in [*(project / "sources").iterdir(), po_file(project, SEED, "es")]:
        os.utime(path)
    assert rebuilt(build(project)) == 0
    assert rebuilt(build(project)) == 0  # the new signatures were kept: nothing hashed again


def test_a_same_size_edit_with_the_old_times_put_back_is_seen(project: Path) -> None:
    build(project)
    source = project / "sources" / f"{SEED}.md"
    edit_keeping_times(source, "Sparse", "Scarce")
    assert rebuilt(build(project)) == 1
    assert "Scarce" in page_text(project, "en", SEED)


def test_a_catalog_edited_by_a_tool_that_keeps_the_modification_time_is_seen(project: Path) -> None:
    build(project)
    catalog = po_file(project, SEED, "es")
    text = catalog.read_text("utf-8")
    at = text.index("#. ")
    line = text[at : text.index("\n", at)]
    edit_keeping_times(catalog, line, line[:-1] + ("x" if line[-1] != "x" else "y"))
    assert rebuilt(build(project)) == 1


def test_a_renamed_source_moves_its_pages_and_a_deleted_one_takes_them(project: Path) -> None:
    build(project)
    source = project / "sources" / f"{SEED}.md"
    renamed = project / "sources" / "renamed-seed.md"
    source.rename(renamed)
    build(project)
    assert (project / "build" / "en" / f"{SEED}.html").exists()  # the slug is the front matter's
    manifest = json.loads((project / "build" / "manifest.json").read_text("utf-8"))
    assert {article["source"] for article in manifest["articles"]} == {
        "sources/renamed-seed.md",
        f"sources/{OTHER}.html",
    }
    renamed.unlink()
    build(project)
    assert not (project / "build" / "en" / f"{SEED}.html").exists()
    manifest = json.loads((project / "build" / "manifest.json").read_text("utf-8"))
    assert [article["slug"] for article in manifest["articles"]] == [OTHER]


def test_an_output_page_removed_or_changed_by_hand_is_made_again(project: Path) -> None:
    build(project)
    page = project / "build" / "es" / f"{SEED}.html"
    good = page.read_bytes()
    page.unlink()
    assert rebuilt(build(project)) == 1
    assert page.read_bytes() == good
    manifest = project / "build" / "manifest.json"
    kept = manifest.read_bytes()
    manifest.write_text("{}", "utf-8")
    assert rebuilt(build(project)) == 0
    assert manifest.read_bytes() == kept  # the site files are checked too


def test_an_output_page_replaced_by_another_file_is_made_again(project: Path) -> None:
    build(project)
    page = project / "build" / "en" / f"{SEED}.html"
    good = page.read_bytes()
    other = page.with_name("other.tmp")
    other.write_bytes(good.replace(b"</body>", b"<script>alert(1)</script></body>"))
    os.replace(other, page)  # as an editor saves: a new file renamed over the page
    assert rebuilt(build(project)) == 1
    assert page.read_bytes() == good
    (page.parent / "unrelated.txt").write_text("a file of someone else's", "utf-8")
    assert rebuilt(build(project)) == 0  # a new file beside the pages: every page looked at, none changed
    assert rebuilt(build(project)) == 0


def test_a_folder_of_pages_removed_whole_is_made_again(project: Path) -> None:
    build(project)
    pages = {path: path.read_bytes() for path in (project / "build" / "es").glob("*.html")}
    shutil.rmtree(project / "build" / "es")
    assert rebuilt(build(project)) == 2
    assert {path: path.read_bytes() for path in (project / "build" / "es").glob("*.html")} == pages


def test_a_cache_of_an_older_layout_is_replaced_not_misread(project: Path) -> None:
    import sqlite3

    cache = project / ".puente" / "build-cache.sqlite"
    cache.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(cache)
    db.executescript(
        "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
        "CREATE TABLE articles (source TEXT PRIMARY KEY, state TEXT NOT NULL, facts TEXT NOT NULL,"
        " manifest TEXT NOT NULL, sitemap TEXT NOT NULL, urls INTEGER NOT NULL);"
        "INSERT INTO meta VALUES ('version', '3');"
        f"INSERT INTO articles VALUES ('sources/{SEED}.md', '{{}}', '{{}}', '', '', 0);"
    )
    db.close()
    assert rebuilt(build(project)) == 2
    assert rebuilt(build(project)) == 0


def test_a_damaged_row_of_the_cache_costs_a_full_build_and_nothing_else(project: Path) -> None:
    import sqlite3

    build(project)
    time.sleep(RACY_NS / 1e9)
    build(project)  # every signature trusted now (the first build's files were too new)
    pages = {path: path.read_bytes() for path in (project / "build").rglob("*.html")}
    db = sqlite3.connect(project / ".puente" / "build-cache.sqlite")
    db.execute("UPDATE articles SET facts = '{not json' WHERE source LIKE ?", (f"%{OTHER}%",))
    db.commit()
    db.close()
    assert rebuilt(build(project)) == 0  # nothing asks for that row: it is not read
    source = project / "sources" / f"{SEED}.md"
    source.write_text(source.read_text("utf-8").replace("Sparse", "Scarce"), "utf-8")
    output = build(project)
    assert rebuilt(output) == 2  # the row was needed for the feeds: everything again
    assert "Scarce" in page_text(project, "en", SEED)
    kept = {path: data for path, data in pages.items() if OTHER in path.name}
    assert {path: path.read_bytes() for path in kept} == kept
    assert rebuilt(build(project)) == 0


def summary(output: str) -> list[str]:
    """The lines of a build's summary that count the project's pages, units and findings."""
    return [
        line for line in output.splitlines() if "rebuilt)" in line or "error" in line or "warning" in line
    ]


def test_a_build_that_processes_nothing_reports_the_counts_of_the_whole_project(project: Path) -> None:
    import sqlite3

    build(project)
    catalog = po_file(project, SEED, "es")
    text = catalog.read_text("utf-8")
    catalog.write_text(text.replace('msgstr ""\n\n', 'msgstr "Texto 7 {{x}}"\n\n', 1), "utf-8")
    first = build(project)
    noop = build(project)  # from the totals the last build kept
    assert rebuilt(noop) == 0
    db = sqlite3.connect(project / ".puente" / "build-cache.sqlite")
    db.execute("DELETE FROM meta WHERE key = 'totals'")
    db.commit()
    db.close()
    counted = build(project)  # article by article
    assert summary(noop) == summary(counted)
    assert summary(noop)[1:] == summary(first)[1:]


def test_a_no_op_rebuild_leaves_the_manifest_time_alone(project: Path) -> None:
    build(project)
    manifest = project / "build" / "manifest.json"
    before = manifest.read_bytes(), manifest.stat().st_mtime_ns
    os.utime(project / "sources" / f"{SEED}.md")  # rebuilt, but nothing changes
    build(project)
    assert (manifest.read_bytes(), manifest.stat().st_mtime_ns) == before


def test_the_staging_file_lives_only_as_long_as_a_build(project: Path) -> None:
    staging = project / ".puente" / "staging.sqlite"
    build(project)
    manifest = json.loads((project / "build" / "manifest.json").read_text("utf-8"))
    assert sorted(article["slug"] for article in manifest["articles"]) == sorted([SEED, OTHER])
    assert not staging.exists()
    shutil.copy(project / "sources" / f"{SEED}.md", project / "sources" / "copy.md")  # the same slug
    staging.write_bytes(b"left by a killed run")
    result = run_cli("build", "--root", project, "--no-mt")
    assert result.exit_code == 2 and "duplicate slug" in result.stderr  # found once the copy was processed
    assert not staging.exists()  # replaced at the start, removed at the end, whatever the outcome
    (project / "sources" / "copy.md").unlink()
    assert rebuilt(build(project)) == 0


def test_a_damaged_cache_costs_a_full_build_and_nothing_else(project: Path) -> None:
    build(project)
    pages = {path: path.read_bytes() for path in (project / "build").rglob("*.html")}
    (project / ".puente" / "build-cache.sqlite").write_bytes(b"not a database" * 100)
    assert rebuilt(build(project)) == 2
    assert {path: path.read_bytes() for path in (project / "build").rglob("*.html")} == pages
    assert rebuilt(build(project)) == 0


# --- status and check from what is known ---------------------------------------------


def answers(root: Path) -> tuple[object, object, object, object]:
    project = open_project(root)
    return (
        project_status(project),
        project_status(project, cached=False),
        check_project(project),
        check_project(project, cached=False),
    )


def same_answers(root: Path) -> None:
    cached_status, fresh_status, cached_check, fresh_check = answers(root)
    assert cached_status == fresh_status
    assert cached_check == fresh_check
    # and a second time, now from what the first call remembered
    project = open_project(root)
    assert project_status(project) == fresh_status
    assert check_project(project) == fresh_check


def test_status_and_check_from_the_cache_are_those_of_reading_everything(project: Path) -> None:
    same_answers(project)  # before any build: nothing known
    build(project)
    same_answers(project)
    catalog = po_file(project, SEED, "es")
    text = catalog.read_text("utf-8")
    # a translator fills an entry (a number that disagrees with the source: a finding)
    filled = text.replace('msgstr ""\n\n', 'msgstr "12 000 000 de pesos"\n\n', 1)
    assert filled != text
    catalog.write_text(filled, "utf-8")
    same_answers(project)
    # an orphan catalog, a glossary change and a source edit, all without a build
    shutil.copy(catalog, catalog.with_name("orphan.po"))
    tbx = project / "glossary" / "puente.tbx"
    tbx.write_text(
        tbx.read_text("utf-8").replace("Juntos contra el Narco", "Juntos contra el Crimen"), "utf-8"
    )
    source = project / "sources" / f"{SEED}.md"
    edit_keeping_times(source, "Sparse", "Scarce")
    same_answers(project)


def test_status_and_check_after_a_build_read_no_catalog_or_source(project: Path, tmp_path: Path) -> None:
    build(project)
    # a catalog written in the same clock tick as the build recorded it is hashed once
    # more (its signature is "racy"); after that, nothing is read
    time.sleep(RACY_NS / 1e9 * 2)
    assert run_cli("status", "--root", project).exit_code == 0
    log = tmp_path / "opened.json"
    traced = textwrap.dedent(
        f"""
        import json, os, sys
        opened = []
        def hook(event, args):
            if event == "open" and isinstance(args[0], (str, bytes, os.PathLike)):
                opened.append(os.fsdecode(args[0]))
        sys.addaudithook(hook)
        from pipeline.cli import entry
        try:
            entry()
        finally:
            with open({str(log)!r}, "w") as out:
                json.dump(opened, out)
        """
    )
    for command in ("status", "check"):
        result = subprocess.run(
            [sys.executable, "-c", traced, command, "--root", str(project)],
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONPATH": str(REPO)},
            check=False,
        )
        assert result.returncode in (0, 1), result.stderr
        opened = json.loads(log.read_text())
        assert not [path for path in opened if path.endswith((".po", ".md", ".html"))], (command, opened)


EDITS = st.lists(
    st.sampled_from(["fill", "touch", "same-size", "orphan", "delete-orphan", "glossary", "build"]),
    min_size=1,
    max_size=5,
)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edits=EDITS)
def test_any_sequence_of_edits_gives_the_answers_of_a_full_reading(project: Path, edits: list[str]) -> None:
    root = project.parent / f"copy-{abs(hash(tuple(edits)))}"
    shutil.rmtree(root, ignore_errors=True)
    shutil.copytree(project, root)
    catalog = po_file(root, SEED, "es")
    if not catalog.exists():
        assert run_cli("extract", "--root", root).exit_code == 0
    for step, edit in enumerate(edits):
        if edit == "fill":
            text = catalog.read_text("utf-8")
            catalog.write_text(text.replace('msgstr ""\n\n', f'msgstr "Texto {step} 7"\n\n', 1), "utf-8")
        elif edit == "touch":
            os.utime(catalog)
        elif edit == "same-size":
            text = catalog.read_text("utf-8")
            at = text.index("#. ")
            line = text[at : text.index("\n", at)]
            edit_keeping_times(catalog, line, line[:-1] + ("x" if line[-1] != "x" else "y"))
        elif edit == "orphan":
            shutil.copy(catalog, catalog.with_name("orphan.po"))
        elif edit == "delete-orphan":
            catalog.with_name("orphan.po").unlink(missing_ok=True)
        elif edit == "glossary":
            tbx = root / "glossary" / "puente.tbx"
            tbx.write_text(tbx.read_text("utf-8").replace("</martif>", "</martif>\n", 1), "utf-8")
        else:
            build(root)
        same_answers(root)
    shutil.rmtree(root)
