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

import contextlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import textwrap
import time
from collections import Counter
from pathlib import Path

import click
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from pipeline.answers import check_key, save_answers, source_key
from pipeline.cache import RACY_NS, FileIdentity
from pipeline.cli import format_issue, plural
from pipeline.model import Issue, Location
from pipeline.project import open_project
from pipeline.status import check_findings, check_project, project_status
from tests.conftest import REPO, run_cli
from tests.helpers import edit_keeping_times, po_file, run_into_closed_pipe

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
    db.execute("UPDATE entries SET facts = '{not json' WHERE source LIKE ?", (f"%{OTHER}%",))
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


def printed(issues: list[Issue]) -> tuple[int, str, str]:
    """What ``puente check`` prints of ``issues`` (its exit code, its text, its ``--json``),
    as the user guide says: one line per finding sorted by file and line, and a summary."""
    issues = sorted(issues, key=lambda issue: (issue.location.path, issue.location.line))
    counts = Counter(issue.severity for issue in issues)
    summary = (
        f"{plural(counts['error'], 'error')}, {plural(counts['warning'], 'warning')}, "
        f"{plural(counts['info'], 'note')}"
    )
    text = "".join(f"{format_issue(issue)}\n" for issue in issues) + summary + "\n"
    text = click.unstyle(text)  # (not a terminal: click.echo strips styles, as it always did)
    payload = [
        {
            "path": issue.location.path,
            "line": issue.location.line,
            "severity": issue.severity,
            "code": issue.code,
            "message": issue.message,
        }
        for issue in issues
    ]
    return (1 if counts["error"] else 0), text, json.dumps(payload, ensure_ascii=False, indent=2) + "\n"


def check_output(root: Path, first: str = "text") -> tuple[int, str, str]:
    """``puente check`` and ``puente check --json`` (``first`` runs first: the one that
    finds the files changed since the answers were kept)."""
    runs = {}
    for kind in (first, "json" if first == "text" else "text"):
        run = run_cli("check", "--root", root, *(["--json"] if kind == "json" else []))
        assert run.exit_code in (0, 1) and not run.stderr, run.stderr
        runs[kind] = run
    assert runs["text"].exit_code == runs["json"].exit_code
    return runs["text"].exit_code, runs["text"].stdout, runs["json"].stdout


def same_answers(root: Path, command_first: bool = True) -> None:
    """``status`` and ``check`` answer from what is known as they would reading every file:
    the library's lists, and what ``puente check`` prints (``command_first``: the command
    is the first to see what changed, else the library is)."""
    project = open_project(root)
    fresh_status = project_status(project, cached=False)
    fresh_check = check_project(project, cached=False)
    expected = printed(fresh_check)
    assert project_status(project) == fresh_status
    if command_first:
        assert check_output(root) == expected
    assert check_project(project) == fresh_check
    # and a second time, now from what the first calls remembered
    project = open_project(root)
    assert project_status(project) == fresh_status
    assert check_project(project) == fresh_check
    assert check_output(root, first="json") == expected


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


def files_opened(root: Path, tmp_path: Path, *args: str) -> tuple[int, list[str]]:
    """Run ``puente ARGS --root ROOT`` in a new process: its exit code and every file it opened."""
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
    result = subprocess.run(
        [sys.executable, "-c", traced, *args, "--root", str(root)],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        check=False,
    )
    assert result.returncode in (0, 1), result.stderr
    opened: list[str] = json.loads(log.read_text())
    return result.returncode, opened


def test_status_and_check_after_a_build_read_no_catalog_or_source(project: Path, tmp_path: Path) -> None:
    build(project)
    # a catalog written in the same clock tick as the build recorded it is hashed once
    # more (its signature is "racy"); after that, nothing is read
    time.sleep(RACY_NS / 1e9 * 2)
    assert run_cli("status", "--root", project).exit_code == 0
    for command in (["status"], ["check"], ["check", "--json"]):
        _, opened = files_opened(project, tmp_path, *command)
        assert not [path for path in opened if path.endswith((".po", ".md", ".html"))], (command, opened)


EDITS = st.lists(
    st.sampled_from(
        [
            "fill",
            "wrong",
            "ignore",
            "touch",
            "same-size",
            "orphan",
            "delete-orphan",
            "glossary",
            "settings",
            "unsafe-source",
            "build",
        ]
    ),
    min_size=1,
    max_size=5,
)
SETTINGS = [
    "",
    '[checks]\nlength = "error"\npunctuation = "info"\n',
    '[checks]\nuntranslated = "off"\n',
    '[checks]\nuntranslated = "info"\nwhitespace = "error"\n',
]


def edit(root: Path, edit: str, step: int) -> None:
    """One change a user or a tool makes to the project."""
    catalog = po_file(root, SEED, "es")
    if edit == "fill":
        text = catalog.read_text("utf-8")
        catalog.write_text(text.replace('msgstr ""\n\n', f'msgstr "Texto {step} 7"\n\n', 1), "utf-8")
    elif edit == "wrong":  # several findings on one line, in the order the checks run
        text = catalog.read_text("utf-8")
        catalog.write_text(text.replace('msgstr ""\n\n', 'msgstr "  «No» 7 sin  punto,,"\n\n', 1), "utf-8")
    elif edit == "ignore":
        text = catalog.read_text("utf-8")
        flag = "#, puente-ignore-untranslated\n"
        if flag not in text:
            catalog.write_text(text.replace('\nmsgctxt "heading"', f'\n{flag}msgctxt "heading"', 1), "utf-8")
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
    elif edit == "settings":
        (root / "puente.toml").write_text(SETTINGS[step % len(SETTINGS)], "utf-8")
    elif edit == "unsafe-source":  # what parsing the source removes is a finding too
        source = root / "sources" / f"{OTHER}.html"
        text = source.read_text("utf-8")
        added = f'<p onclick="steal()">Párrafo {step} con <script>x()</script> código.</p>\n'
        source.write_text(text.replace("</article>", added + "</article>", 1), "utf-8")
    else:
        build(root)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edits=EDITS, command_first=st.booleans())
def test_any_sequence_of_edits_gives_the_answers_of_a_full_reading(
    project: Path, edits: list[str], command_first: bool
) -> None:
    root = project.parent / f"copy-{abs(hash(tuple(edits)))}"
    shutil.rmtree(root, ignore_errors=True)
    shutil.copytree(project, root)
    if not po_file(root, SEED, "es").exists():
        assert run_cli("extract", "--root", root).exit_code == 0
    for step, change in enumerate(edits):
        edit(root, change, step)
        same_answers(root, command_first)
    shutil.rmtree(root)


# --- the totals a build reports, updated by what changed -----------------------------

TOTALS_CHANGES = st.lists(
    st.sampled_from(
        ["fill", "residue", "unfill", "unsafe-source", "new", "slug", "remove-new", "touch", "twin"]
    ),
    min_size=1,
    max_size=6,
)


def change_articles(root: Path, change: str, step: int) -> None:
    """One change to a project's articles or catalogs, of those the totals follow."""
    catalog = po_file(root, SEED, "es")
    extra = root / "sources" / "extra.md"
    if change in ("fill", "residue") and catalog.exists():
        text = catalog.read_text("utf-8")
        value = f"Texto {step} 7" if change == "fill" else f"Texto {step} {{{{x}}}}"  # (residue: an error)
        catalog.write_text(text.replace('msgstr ""\n\n', f'msgstr "{value}"\n\n', 1), "utf-8")
    elif change == "unfill" and catalog.exists():
        text = catalog.read_text("utf-8")
        at = text.find('msgstr "Texto ')
        if at >= 0:
            catalog.write_text(text[:at] + 'msgstr ""' + text[text.index("\n", at) :], "utf-8")
    elif change == "unsafe-source":  # a notice, shown on every build until fixed
        source = root / "sources" / f"{OTHER}.html"
        text = source.read_text("utf-8")
        added = f'<p onclick="steal()">Párrafo {step} con <script>x()</script> código.</p>\n'
        source.write_text(text.replace("</article>", added + "</article>", 1), "utf-8")
    elif change == "new" and not extra.exists():
        text = (root / "sources" / f"{SEED}.md").read_text("utf-8")
        extra.write_text(text.replace(f"slug: {SEED}", f"slug: extra-{step}", 1), "utf-8")
    elif change == "slug" and extra.exists():
        text = extra.read_text("utf-8")
        start = text.index("slug: ")
        extra.write_text(text[:start] + f"slug: moved-{step}" + text[text.index("\n", start) :], "utf-8")
    elif change == "remove-new":
        extra.unlink(missing_ok=True)
    elif change == "touch":
        os.utime(root / "sources" / f"{SEED}.md")
    elif change == "twin" and extra.exists():  # its notices come before or after the others' by slug
        with extra.open("a", encoding="utf-8") as handle:
            handle.write(f'\n<p onclick="steal()">Step {step}.</p>\n\n<script>x()</script>\n')


def kept_and_counted_totals(root: Path) -> tuple[dict[str, object], dict[str, object]]:
    """The totals the last build kept, and those counted again from every article's row."""
    from pipeline.build import _totals_of
    from pipeline.cache import SUMMARY_COLUMNS, Summary, listing

    db = sqlite3.connect(root / ".puente" / "build-cache.sqlite")
    try:
        (kept,) = db.execute("SELECT value FROM meta WHERE key = 'totals'").fetchone()
        rows = [
            Summary(*row) for row in db.execute(f"SELECT source, {', '.join(SUMMARY_COLUMNS)} FROM articles")
        ]
    finally:
        db.close()
    rows.sort()
    live = sorted(f"sources/{path.name}" for path in (root / "sources").iterdir())
    counted = _totals_of(rows, listing(live))

    def comparable(totals: dict[str, object]) -> dict[str, object]:
        pages = str(totals["pages"])
        return {**totals, "pages": sorted(pages.split("\n")) if pages else []}

    return comparable(json.loads(kept)), comparable(counted)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(changes=TOTALS_CHANGES)
@example(changes=["unsafe-source", "unsafe-source", "new", "twin", "slug", "remove-new"])
@example(changes=["residue", "new", "residue", "slug", "unfill", "touch"])
def test_totals_updated_by_the_articles_a_build_changed_are_those_of_counting_every_article(
    project: Path, changes: list[str]
) -> None:
    root = project.parent / f"totals-{abs(hash(tuple(changes)))}"
    shutil.rmtree(root, ignore_errors=True)
    shutil.copytree(project, root)
    build(root)
    for step, change in enumerate(changes):
        change_articles(root, change, step)
        build(root)
        kept, counted = kept_and_counted_totals(root)
        assert kept == counted, (changes[: step + 1], kept, counted)
    # and as printed: a build from the kept totals, and one that counts every article
    noop = build(root)
    db = sqlite3.connect(root / ".puente" / "build-cache.sqlite")
    db.execute("DELETE FROM meta WHERE key = 'totals'")
    db.commit()
    db.close()
    assert summary(noop) == summary(build(root))
    shutil.rmtree(root)


# --- what `puente check` prints -------------------------------------------------------


def test_check_prints_from_the_answers_what_reading_every_file_prints(project: Path) -> None:
    build(project)
    same_answers(project)
    # each change a translator or an editor makes between two checks, without a build:
    # several findings on one line, an error (the exit code), a silenced finding, a check
    # turned off or re-graded, a termbase change, markup a source loses
    for step, change in enumerate(["wrong", "settings", "settings", "settings", "ignore", "unsafe-source"]):
        edit(project, change, step)
        same_answers(project)
    tbx = project / "glossary" / "puente.tbx"
    tbx.write_text(tbx.read_text("utf-8").replace("Ciudad de México", "Cd. de México"), "utf-8")
    same_answers(project)
    build(project)
    same_answers(project)
    # the states above did print errors, warnings and notes (what the comparison covers)
    code, text, _ = check_output(project)
    assert code == 1 and "[error]" in text and "[info]" in text and "unsafe-markup" in text


def test_a_check_setting_turned_off_drops_its_findings_from_the_answers(project: Path) -> None:
    build(project)
    code, text, _ = check_output(project)
    assert "untranslated" in text
    (project / "puente.toml").write_text('[checks]\nuntranslated = "off"\n', "utf-8")
    code, text, listed = check_output(project)
    assert "untranslated" not in text and "untranslated" not in listed
    assert text.endswith("0 errors, 0 warnings, 0 notes\n") and code == 0
    (project / "puente.toml").write_text('[checks]\nuntranslated = "error"\n', "utf-8")
    code, text, _ = check_output(project)
    assert code == 1 and ": untranslated: no translation yet [error]\n" in text
    assert (code, text) == printed(check_project(open_project(project), cached=False))[:2]


DAMAGE = ["'garbage'", "-1", "X'00ff'", "'[[1, 2]]'", "''", "NULL"]


def test_damaged_answers_are_read_again_never_printed(project: Path) -> None:
    build(project)
    for step, change in enumerate(["wrong", "unsafe-source", "settings"]):
        edit(project, change, step + 1)
    expected = printed(check_project(open_project(project), cached=False))
    assert check_output(project) == expected
    path = project / ".puente" / "build-cache.sqlite"
    with sqlite3.connect(path) as db:
        tables = [
            name
            for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            if "answers" in name
        ]
        columns = {table: [row[1] for row in db.execute(f"PRAGMA table_info({table})")] for table in tables}
    db.close()
    assert len(tables) == 2
    for table in tables:
        for column in columns[table]:
            for value in DAMAGE:
                db = sqlite3.connect(path)
                try:  # the row of one file, whose findings are printed first
                    db.execute("PRAGMA ignore_check_constraints = ON")
                    # (NOT NULL refuses some: that damage cannot happen)
                    with contextlib.suppress(sqlite3.IntegrityError), db:
                        db.execute(
                            f"UPDATE {table} SET {column} = {value}"
                            f" WHERE path = (SELECT min(path) FROM {table} WHERE path LIKE '%juntos%')"
                        )
                finally:
                    db.close()
                assert check_output(project) == expected, (table, column, value)
    # a database that is not one, and one without the answers
    path.write_bytes(b"not a database" * 100)
    assert check_output(project) == expected
    build(project)  # (which makes the database again)
    expected = printed(check_project(open_project(project), cached=False))
    with sqlite3.connect(path) as db:
        for table in tables:
            db.execute(f"DROP TABLE {table}")
    db.close()
    assert check_output(project) == expected
    assert check_output(project) == expected


def test_answers_kept_in_an_older_layout_are_not_read(project: Path) -> None:
    """A database written by a Puente whose answers had another layout (the first one:
    findings as JSON rows, nothing printed ahead) is computed again, not misread."""
    build(project)
    expected = printed(check_project(open_project(project), cached=False))
    project_ = open_project(project)
    path = project / ".puente" / "build-cache.sqlite"
    key = check_key(project_)
    with sqlite3.connect(path) as db:
        db.executescript(
            """
            CREATE TABLE IF NOT EXISTS catalog_answers (path TEXT PRIMARY KEY, identity TEXT NOT NULL,
                status TEXT NOT NULL, check_key TEXT NOT NULL, findings TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS source_answers (path TEXT PRIMARY KEY, identity TEXT NOT NULL,
                key TEXT NOT NULL, findings TEXT NOT NULL);
            DELETE FROM catalog_answers;
            DELETE FROM source_answers;
            """
        )
        for catalog in project_.catalog_paths():
            rel = project_.relative(catalog)
            identity = FileIdentity.of(catalog.read_bytes(), catalog.stat())
            db.execute(
                "INSERT INTO catalog_answers VALUES (?, ?, ?, ?, ?)",
                (
                    rel,
                    json.dumps(identity.to_json()),
                    json.dumps({"units": {}, "words": {}}),
                    key,
                    json.dumps([[1, "error", "numbers", "a finding of another layout"]]),
                ),
            )
    db.close()
    assert check_output(project) == expected
    assert check_output(project) == expected


def test_a_closed_pipe_keeps_what_check_computed(project: Path, tmp_path: Path) -> None:
    """`puente check | head -1`: one line on stderr, and the answers of the files it read
    are kept all the same (the next check reads nothing)."""
    build(project)
    edit(project, "wrong", 1)
    time.sleep(RACY_NS / 1e9 * 2)
    result = run_into_closed_pipe("check", "--root", str(project))
    assert result.returncode == 2
    assert result.stderr == "puente: output closed before the end (broken pipe)\n"
    code, opened = files_opened(project, tmp_path, "check")
    assert code in (0, 1)
    assert not [path for path in opened if path.endswith((".po", ".md", ".html"))], opened
    assert check_output(project) == printed(check_project(open_project(project), cached=False))


SEVERITIES = st.sampled_from(["error", "warning", "info"])
# any text but lone surrogates (not UTF-8) and a carriage return (the test runner folds
# "\r\n"), and terminal styles (which click strips when the output is not a terminal)
MESSAGES = st.one_of(
    st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\r"), max_size=12),
    st.sampled_from(["\x1b[31mred\x1b[0m", "a \x1b[1;4mb", "\x1b[", "\x1b"]),
)
FINDINGS = st.lists(
    st.tuples(st.integers(0, 9), SEVERITIES, st.sampled_from(["numbers", "glossary", "x-y"]), MESSAGES),
    max_size=6,
)


@pytest.fixture
def built(project: Path) -> Path:
    build(project)
    time.sleep(RACY_NS / 1e9 * 2)  # signatures the answers can be kept with
    return project


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    catalog_findings=st.lists(FINDINGS, min_size=2, max_size=2),
    source_findings=st.lists(FINDINGS, min_size=2, max_size=2),
    where=st.lists(st.sampled_from(["own", "other", "catalog", "a.md", "zz"]), min_size=12, max_size=12),
)
def test_check_prints_whatever_findings_the_answers_hold(
    built: Path,
    catalog_findings: list[list[tuple[int, str, str, str]]],
    source_findings: list[list[tuple[int, str, str, str]]],
    where: list[str],
) -> None:
    """Whatever the answers hold for unchanged files (same lines, messages with newlines or
    brackets, a source's finding located in another file), ``check`` prints them as a full
    reading would: sorted by file and line, the order of equal ones kept."""
    project = open_project(built)
    catalogs = {path: project.relative(path) for path in project.catalog_paths()}
    sources = {path: project.relative(path) for path in project.source_paths()}
    statuses = {status.path: status for status in project_status(project, cached=False)}
    places = iter(where)
    issues: list[Issue] = []
    stored_sources = {}
    for (path, rel), rows in zip(sources.items(), source_findings, strict=True):
        located = []
        for line, severity, code, message in rows:
            place = next(places)
            other = next(other for other in sources.values() if other != rel)
            spot = {"own": rel, "other": other, "catalog": next(iter(catalogs.values()))}.get(place, place)
            located.append([spot, line, severity, code, message])
            issues.append(Issue(Location(spot, line), severity, code, message))  # type: ignore[arg-type]
        identity = FileIdentity.of(path.read_bytes(), path.stat())
        stored_sources[rel] = (identity, source_key(project), located)
    stored_catalogs = {}
    for (path, rel), rows in zip(catalogs.items(), catalog_findings, strict=True):
        identity = FileIdentity.of(path.read_bytes(), path.stat())
        status = statuses[rel]
        counts = {"units": status.units, "words": status.words}
        stored_catalogs[rel] = (identity, counts, check_key(project), [list(row) for row in rows])
        issues += [Issue(Location(rel, line), s, c, m) for line, s, c, m in rows]  # type: ignore[arg-type]
    save_answers(project.cache_path, stored_catalogs, stored_sources)
    assert check_output(built) == printed(issues)
    assert check_project(project) == sorted(issues, key=lambda i: (i.location.path, i.location.line))


def test_answers_rewritten_or_lost_between_the_two_passes_are_not_printed(project: Path) -> None:
    """``check`` decides what is unchanged, then prints: answers another run rewrote in
    between (those of another state of the files), or a database gone meanwhile, are not
    printed; the files are read again."""
    build(project)
    edit(project, "wrong", 1)
    edit(project, "unsafe-source", 2)
    path = project / ".puente" / "build-cache.sqlite"
    for change in ("rewritten", "lost"):
        expected = printed(check_project(open_project(project), cached=False))
        assert check_output(project) == expected
        findings = check_findings(open_project(project))
        if change == "rewritten":
            with sqlite3.connect(path) as db:
                for (table,) in db.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE '%answers%'"
                ):
                    db.execute(f"UPDATE {table} SET identity = ?", (json.dumps(["f" * 64, None]),))
            db.close()
        else:
            path.unlink()
        text = "".join(findings.text())
        counts = findings.counts
        summary = (
            f"{plural(counts['error'], 'error')}, {plural(counts['warning'], 'warning')}, "
            f"{plural(counts['info'], 'note')}\n"
        )
        assert ((1 if counts["error"] else 0), text + summary) == expected[:2], change
        build(project)  # (answers again)


def test_a_build_can_commit_while_check_waits_on_its_reader(tmp_path: Path) -> None:
    """``puente check | less``: while the pager waits, check holds no lock on the build
    cache (a build meanwhile would fail to commit), and prints all the same."""
    root = tmp_path / "long"
    (root / "sources").mkdir(parents=True)
    for k in range(3):  # output of some megabytes: printed in several writes
        paragraphs = "\n\n".join(
            f"Paragraph {i} of article {k} says that {i} people came." for i in range(7000)
        )
        text = f"---\ntitle: Long article {k}\nslug: long-{k}\nlang: en\ndate: 2026-01-0{k + 1}\n---\n\n"
        (root / "sources" / f"long-{k}.md").write_text(text + paragraphs + "\n", "utf-8")
    build(root)
    expected = printed(check_project(open_project(root), cached=False))[1]
    time.sleep(RACY_NS / 1e9 * 2)
    assert run_cli("check", "--root", root).stdout == expected  # (nothing to record after this)
    check = subprocess.Popen(
        [sys.executable, "-m", "pipeline", "check", "--root", str(root)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        bufsize=0,  # (nothing read ahead of what communicate() reads)
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert check.stdout is not None
    first = check.stdout.readline()  # it prints, and then waits on the full pipe
    time.sleep(1.0)
    assert check.poll() is None
    db = sqlite3.connect(root / ".puente" / "build-cache.sqlite", timeout=1.0, isolation_level=None)
    try:
        db.execute("BEGIN IMMEDIATE")
        db.execute("CREATE TABLE probe (x)")
        db.execute("COMMIT")  # "database is locked" if a reader held its lock
    finally:
        db.close()
    rest, errors = check.communicate(timeout=60)
    assert check.returncode == 0, errors
    assert (first + rest).decode("utf-8") == expected


def test_a_no_op_after_a_build_reads_no_site_file(project: Path, tmp_path: Path) -> None:
    """The site files are recorded with a signature the next run can trust (a file written
    moments before it was recorded would otherwise be hashed by every no-op after it)."""
    build(project)
    code, opened = files_opened(project, tmp_path, "build", "--no-mt")
    assert code == 0
    written = [path for path in opened if path.endswith(("manifest.json", "feed.xml", "sitemap.xml"))]
    assert not written, written
