"""``build/manifest.json``: what a CMS needs to import the pages.

The names are a contract with CMS importers; the JSON Schema shipped beside
this module (``manifest.schema.json``) pins them and is validated in the tests.
Every page path is relative to the manifest. ``generated`` changes only when
something else in the manifest changed, so a no-op rebuild leaves it as it was.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from pipeline.clock import now

SCHEMA_NAME = "manifest.schema.json"
COUNT_KEYS = ("reviewed", "machine", "untranslated")


@dataclass(frozen=True)
class PageEntry:
    """One page of an article in one language."""

    lang: str
    path: str
    title: str
    sha256: str
    state: str
    units: dict[str, int]
    words: dict[str, int]
    alternates: dict[str, str]


@dataclass(frozen=True)
class ArticleEntry:
    """One article and its pages."""

    slug: str
    source: str
    source_lang: str
    date: str | None
    author: str | None
    pages: tuple[PageEntry, ...]
    held: tuple[str, ...] = ()


def schema() -> dict[str, Any]:
    """The manifest's JSON Schema."""
    loaded: dict[str, Any] = json.loads(resources.files("pipeline").joinpath(SCHEMA_NAME).read_text("utf-8"))
    return loaded


def _article_json(article: ArticleEntry) -> dict[str, Any]:
    languages: dict[str, Any] = {}
    for page in sorted(article.pages, key=lambda p: p.lang):
        languages[page.lang] = {
            "path": page.path,
            "title": page.title,
            "sha256": page.sha256,
            "state": page.state,
            "units": {key: page.units.get(key, 0) for key in COUNT_KEYS},
            "words": {key: page.words.get(key, 0) for key in COUNT_KEYS},
            "alternates": dict(sorted(page.alternates.items())),
        }
    return {
        "slug": article.slug,
        "source": article.source,
        "source_lang": article.source_lang,
        "date": article.date,
        "author": article.author,
        "languages": languages,
        "held": list(article.held),
    }


def build_manifest(
    articles: list[ArticleEntry], *, generator_version: str, previous: Path | None = None
) -> bytes:
    """The manifest as UTF-8 JSON; ``previous`` (the existing file) keeps ``generated``
    stable when nothing else changed."""
    body: dict[str, Any] = {
        "generator": {"name": "Puente", "version": generator_version},
        "articles": [_article_json(article) for article in articles],
    }
    generated = now().replace(microsecond=0).isoformat().replace("+00:00", "Z")
    if previous is not None and previous.is_file():
        try:
            old = json.loads(previous.read_text("utf-8"))
        except (ValueError, UnicodeDecodeError):
            old = None
        if isinstance(old, dict) and "generated" in old:
            stale = dict(old)
            old_generated = stale.pop("generated")
            if stale == body:
                generated = old_generated
    document = {"generated": generated, **body}
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
