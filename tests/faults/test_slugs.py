"""Robustness 5: a new slug, or a renamed source file, keeps the article's translations."""

from __future__ import annotations

from pathlib import Path

import polib

from tests.conftest import run_cli
from tests.helpers import po_file

SEED = "cartel-crackdown-results"


def review_some(root: Path, slug: str) -> dict[str, str]:
    po = po_file(root, slug, "es")
    catalog = polib.pofile(str(po), wrapwidth=0)
    reviewed = {}
    for entry in catalog[:5]:
        entry.msgstr = "REVISADO " + entry.msgid
        entry.flags = []
        reviewed[entry.msgid] = entry.msgstr
    catalog.save()
    return reviewed


def states(root: Path, slug: str) -> dict[str, tuple[str, bool]]:
    return {
        e.msgid: (e.msgstr, "fuzzy" in e.flags)
        for e in polib.pofile(str(po_file(root, slug, "es")))
        if not e.obsolete
    }


def outputs(root: Path, slug: str) -> list[Path]:
    return [
        po_file(root, slug, "es"),
        root / "locales" / "templates" / f"{slug}.pot",
        root / "build" / "en" / f"{slug}.html",
        root / "build" / "es" / f"{slug}.html",
    ]


def test_a_new_slug_in_the_front_matter_carries_the_catalog_over(project: Path) -> None:
    assert run_cli("build", "--root", project, "--no-mt", "--quiet").exit_code == 0
    reviewed = review_some(project, SEED)
    before = states(project, SEED)
    source = project / "sources" / f"{SEED}.md"
    source.write_text(source.read_text("utf-8").replace(f"slug: {SEED}", "slug: crackdown-results"), "utf-8")
    result = run_cli("build", "--root", project, "--no-mt")
    assert result.exit_code == 0, result.stderr
    after = states(project, "crackdown-results")
    assert after == before  # every translation, every state
    assert all(after[msgid] == (text, False) for msgid, text in reviewed.items())
    assert not any(path.exists() for path in outputs(project, SEED))  # the old files are gone
    assert all(path.exists() for path in outputs(project, "crackdown-results"))
    status = run_cli("status", "--root", project, "--json").stdout
    assert SEED not in status


def test_a_renamed_source_file_carries_the_catalog_over(project: Path) -> None:
    # no slug in the front matter: the file's name is the slug
    old = project / "sources" / "border-summit.md"
    old.write_text("---\ntitle: Border summit\nlang: en\n---\n\nOfficials met in Tijuana.\n", "utf-8")
    assert run_cli("build", "--root", project, "--no-mt", "--quiet").exit_code == 0
    catalog = polib.pofile(str(po_file(project, "border-summit", "es")), wrapwidth=0)
    for entry in catalog:
        entry.msgstr, entry.flags = "REVISADO " + entry.msgid, []
    catalog.save()
    before = {e.msgid: (e.msgstr, e.flags) for e in catalog}
    old.rename(project / "sources" / "summit-at-the-border.md")
    assert run_cli("build", "--root", project, "--no-mt", "--quiet").exit_code == 0
    moved = polib.pofile(str(po_file(project, "summit-at-the-border", "es")))
    assert {e.msgid: (e.msgstr, e.flags) for e in moved} == before
    assert not any(path.exists() for path in outputs(project, "border-summit"))
    assert all(path.exists() for path in outputs(project, "summit-at-the-border"))


def test_a_deleted_source_takes_its_pages_but_keeps_its_catalog(project: Path) -> None:
    assert run_cli("build", "--root", project, "--no-mt", "--quiet").exit_code == 0
    (project / "sources" / "juntos-contra-el-narco-balance.html").unlink()
    assert run_cli("build", "--root", project, "--no-mt", "--quiet").exit_code == 0
    assert not (project / "build" / "en" / "juntos-contra-el-narco-balance.html").exists()
    assert not (project / "build" / "es" / "juntos-contra-el-narco-balance.html").exists()
    assert (project / "locales" / "en" / "LC_MESSAGES" / "juntos-contra-el-narco-balance.po").exists()
