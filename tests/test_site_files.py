"""The site files (manifest, sitemap) after a change are those of assembling every article
again, though a run splices only the parts of the articles it built into the files as the
last run wrote them; files or a layout that are not as that run left them are assembled
again from the cache, never spliced."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
from pathlib import Path

import pytest

from pipeline.cache import BuildCache
from tests.conftest import run_cli

BASE = "https://news.example.org/"


def article(number: int, slug: str, words: str = "") -> str:
    return (
        f"---\ntitle: Article {number} {words}\nslug: {slug}\nlang: {'en' if number % 2 else 'es'}\n"
        f"date: 2026-01-{number + 1:02d}\n---\n\n"
        f"Paragraph one of article {number} {words}.\n\nParagraph two says {number} people came.\n"
    )


@pytest.fixture
def site(tmp_path: Path) -> Path:
    root = tmp_path / "site"
    (root / "sources").mkdir(parents=True)
    for number in range(6):
        (root / "sources" / f"a{number}.md").write_text(article(number, f"story-{number}"), "utf-8")
    (root / "puente.toml").write_text(f'[site]\nbase_url = "{BASE}"\nname = "News"\n', "utf-8")
    build(root)
    return root


def build(root: Path) -> None:
    result = run_cli("build", "--root", root, "--no-mt")
    assert result.exit_code == 0, result.stderr


SITE_FILES = ("manifest.json", "sitemap.xml")


def site_bytes(root: Path) -> dict[str, bytes]:
    return {name: (root / "build" / name).read_bytes() for name in SITE_FILES}


def assembled_again(root: Path, tmp_path: Path) -> dict[str, bytes]:
    """The site files of a copy of ``root`` whose site files and layout were removed: every
    part read from the cache, none spliced (the generated time kept, nothing changed)."""
    copy = tmp_path / "again"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(root, copy, symlinks=True)
    with sqlite3.connect(copy / ".puente" / "build-cache.sqlite") as db:
        db.execute("DELETE FROM site_layout")
    db.close()
    for name in SITE_FILES:
        (copy / "build" / name).unlink()
    build(copy)
    return site_bytes(copy)


def edit(root: Path, name: str, old: str, new: str) -> None:
    path = root / "sources" / name
    text = path.read_text("utf-8")
    assert old in text
    path.write_text(text.replace(old, new), "utf-8")


def same_length_change(path: Path, old: bytes, new: bytes) -> None:
    assert len(old) == len(new)
    data = path.read_bytes()
    assert old in data
    path.write_bytes(data.replace(old, new, 1))


STEPS = {
    "an article edited": lambda root: edit(root, "a2.md", "Paragraph one", "Paragraph uno"),
    "two edited, one title longer": lambda root: (
        edit(root, "a0.md", "came.", "came today."),
        edit(root, "a5.md", "title: Article 5", "title: Article 5 with a much longer title"),
    ),
    "a slug that moves it first": lambda root: edit(root, "a4.md", "slug: story-4", "slug: aaa-first"),
    "a slug that moves it last": lambda root: edit(root, "a1.md", "slug: story-1", "slug: zzz-last"),
    "an article added in the middle": lambda root: (root / "sources" / "new.md").write_text(
        article(7, "story-2b"), "utf-8"
    ),
    "an article removed": lambda root: (root / "sources" / "a3.md").unlink(),
    "the manifest edited by hand (same length) and an article edited": lambda root: (
        same_length_change(root / "build" / "manifest.json", b"Article 0", b"Articxe 0"),
        edit(root, "a2.md", "uno", "dos"),
    ),
    "the sitemap edited by hand and an article edited": lambda root: (
        same_length_change(root / "build" / "sitemap.xml", b"story-5", b"story-X"),
        edit(root, "a0.md", "today", "tonight"),
    ),
    "the site files touched (same bytes, new times) and an article edited": lambda root: (
        [touch_later(root / "build" / name) for name in SITE_FILES],
        edit(root, "a2.md", "dos", "dos y medio"),
    ),
    "a damaged layout and an article edited": lambda root: (
        damage_layout(root),
        edit(root, "a2.md", "dos y medio", "tres"),
    ),
    "the manifest removed and an article edited": lambda root: (
        (root / "build" / "manifest.json").unlink(),
        edit(root, "a2.md", "tres", "cuatro"),
    ),
    "every article removed but one": lambda root: [
        path.unlink() for path in (root / "sources").glob("*.md") if path.name != "a0.md"
    ],
    "articles back": lambda root: [
        (root / "sources" / f"b{number}.md").write_text(article(number, f"back-{number}"), "utf-8")
        for number in range(3)
    ],
}


def touch_later(path: Path) -> None:
    """Give ``path`` a modification time a second later, its bytes unchanged."""
    info = path.stat()
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns + 1_000_000_000))


def test_a_touched_site_file_is_made_again_the_same_and_known_again(site: Path) -> None:
    before = site_bytes(site)
    for name in SITE_FILES:
        touch_later(site / "build" / name)
    build(site)  # not known by its signature any more: made again from the cache
    assert site_bytes(site) == before
    again = {name: (site / "build" / name).stat().st_mtime_ns for name in SITE_FILES}
    build(site)
    assert {name: (site / "build" / name).stat().st_mtime_ns for name in SITE_FILES} == again


def damage_layout(root: Path) -> None:
    """Lengths that still add up to the file's size, but cut it in the wrong places."""
    with sqlite3.connect(root / ".puente" / "build-cache.sqlite") as db:
        (manifest,) = db.execute("SELECT manifest FROM site_layout").fetchone()
        lengths = list(memoryview(manifest).cast("q"))
        lengths[0], lengths[-1] = lengths[0] + 3, lengths[-1] - 3
        packed = b"".join(length.to_bytes(8, "little", signed=True) for length in lengths)
        db.execute("UPDATE site_layout SET manifest = ?", (packed,))
    db.close()


def test_site_files_after_each_change_are_those_assembled_from_every_article(
    site: Path, tmp_path: Path
) -> None:
    for name, step in STEPS.items():
        step(site)
        build(site)
        spliced = site_bytes(site)
        assert spliced == assembled_again(site, tmp_path), name
        data = json.loads(spliced["manifest.json"])
        slugs = [entry["slug"] for entry in data["articles"]]
        assert slugs == sorted(slugs), name
        assert len(slugs) == len(list((site / "sources").glob("*.md"))), name


def test_a_one_article_change_reads_only_that_articles_site_parts(
    site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[str] = []
    fragments = BuildCache.fragments

    def spy(self: BuildCache, sources: list[str]) -> dict[str, tuple[str, str, int]]:
        asked.extend(sources)
        return fragments(self, sources)

    monkeypatch.setattr(BuildCache, "fragments", spy)
    edit(site, "a2.md", "Paragraph one", "Paragraph uno")
    build(site)
    assert asked == ["sources/a2.md"]
    asked.clear()
    (site / "build" / "manifest.json").write_bytes(b"{}")  # not as written: every part again
    edit(site, "a2.md", "uno", "dos")
    build(site)
    assert sorted(asked) == [f"sources/a{number}.md" for number in range(6)]


def test_the_sitemap_lists_at_most_the_protocols_limit_before_and_after_an_edit(
    site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pipeline.publish
    import pipeline.sitemap

    monkeypatch.setattr(pipeline.sitemap, "URL_LIMIT", 5)
    monkeypatch.setattr(pipeline.publish, "URL_LIMIT", 5)
    (site / "build" / "sitemap.xml").unlink()
    build(site)  # 6 articles, 12 pages: the first 5 in the manifest's order
    first = (site / "build" / "sitemap.xml").read_bytes()
    assert first.count(b"<url>") == 5
    edit(site, "a0.md", "Paragraph one", "Paragraph uno")
    build(site)
    assert site_bytes(site) == assembled_again(site, tmp_path)
    assert (site / "build" / "sitemap.xml").read_bytes().count(b"<url>") == 5
