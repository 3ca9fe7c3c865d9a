"""``puente build``: from sources (and catalogs) to pages and a manifest.

The orchestration only: each step is a function of its own module. The build
holds a lock so that two builds on one root cannot interleave, reads and
validates every input before it writes anything, and writes every file
atomically, so an interrupted build leaves each file either old or new.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from pipeline import __version__
from pipeline.config import Config
from pipeline.errors import BuildError
from pipeline.files import write_atomic
from pipeline.manifest import ArticleEntry, PageEntry, build_manifest
from pipeline.model import Document
from pipeline.placeholders import count_words
from pipeline.render import render_page
from pipeline.sources import load_sources

Progress = Callable[[str], None]


@dataclass
class BuildReport:
    """What a build did, for the summary line and for tests."""

    articles: int = 0
    pages_written: list[str] = field(default_factory=list)
    pages_unchanged: list[str] = field(default_factory=list)
    manifest_written: bool = False


@contextmanager
def build_lock(config: Config) -> Iterator[None]:
    """Hold ``.puente/build.lock`` for the duration of a build, or fail at once."""
    config.state_dir.mkdir(parents=True, exist_ok=True)
    path = config.state_dir / "build.lock"
    handle = open(path, "a+")  # noqa: SIM115 - held open for the lock's lifetime
    try:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            raise BuildError(
                ".puente/build.lock",
                None,
                f"another build is running on this project (pid {holder}); wait for it to finish",
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        yield
    finally:
        handle.close()


def page_path(lang: str, slug: str) -> str:
    """A page's path relative to the output folder (and to the manifest)."""
    return f"{lang}/{slug}.html"


def build_project(
    config: Config, *, output: Path | None = None, progress: Progress | None = None
) -> BuildReport:
    """Render every article of the project into ``output`` (default: ``config.output_dir``)."""
    out = output if output is not None else config.output_dir
    report = BuildReport()
    with build_lock(config):
        documents = load_sources(config)
        template = _template(config)
        entries: list[ArticleEntry] = []
        for document in documents:
            entries.append(_build_article(config, document, out, template, report))
            if progress is not None:
                progress(document.meta.slug)
        report.articles = len(documents)
        manifest = build_manifest(entries, generator_version=__version__, previous=out / "manifest.json")
        report.manifest_written = write_atomic(out / "manifest.json", manifest)
    return report


def _template(config: Config) -> Path | None:
    path = config.root / "templates" / "page.html"
    return path if path.is_file() else None


def _build_article(
    config: Config, document: Document, out: Path, template: Path | None, report: BuildReport
) -> ArticleEntry:
    meta = document.meta
    relative = page_path(meta.lang, meta.slug)
    alternates = {meta.lang: f"../{relative}"}
    page = render_page(document, alternates=alternates, locale=config.locale(meta.lang), template=template)
    target = out / relative
    (report.pages_written if write_atomic(target, page) else report.pages_unchanged).append(relative)
    words = sum(count_words(block.text) for block in document.blocks())
    units = sum(1 for _ in document.blocks())
    source_page = PageEntry(
        lang=meta.lang,
        path=relative,
        title=meta.title,
        page=page,
        state="source",
        units={"reviewed": units, "machine": 0, "untranslated": 0},
        words={"reviewed": words, "machine": 0, "untranslated": 0},
        alternates={meta.lang: relative},
    )
    return ArticleEntry(
        slug=meta.slug,
        source=document.source,
        source_lang=meta.lang,
        date=meta.date,
        author=meta.author,
        pages=(source_page,),
    )
