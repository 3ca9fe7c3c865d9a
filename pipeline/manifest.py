"""``build/manifest.json``: what a CMS needs to import the pages (schema version 2).

The names are a contract with CMS importers; the JSON Schema shipped beside this module
(``manifest.schema.json``) pins them and is validated in the tests, formats included.
Version 2 only adds keys: every key of version 1 keeps its meaning.

Per article: the translation-group ``id`` (the same for both languages, stable across
rebuilds and renames of the source file), ``slug``, ``source``, ``source_lang``,
``date``, ``updated``, ``author``, the source's ``tags`` and ``categories``, the pages by
language and the languages ``held`` back. Per page: ``path`` (the full page), ``body``
(the body fragment for a CMS's content field), ``url``, ``title``, ``excerpt``,
translated ``tags`` and ``categories``, the featured ``image`` and every local image
(``images``), the translation ``state`` and counts, and the ``alternates``.

Every path is relative to the manifest; ``url`` is absolute when the site has a
``base_url``. ``generated`` changes only when something else in the manifest changed,
so a no-op rebuild leaves it as it was; it honours ``SOURCE_DATE_EPOCH``.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any

from pipeline.clock import now as clock_now
from pipeline.site import instant

SCHEMA_NAME = "manifest.schema.json"
SCHEMA_VERSION = 2
COUNT_KEYS = ("reviewed", "machine", "untranslated")


def schema(languages: Sequence[str] | None = None) -> dict[str, Any]:
    """The manifest's JSON Schema (``languages``: restrict the page languages to these)."""
    loaded: dict[str, Any] = json.loads(resources.files("pipeline").joinpath(SCHEMA_NAME).read_text("utf-8"))
    if languages is not None:
        loaded["$defs"]["language"] = {"enum": list(languages)}
    return loaded


def _date(value: str | None) -> str | None:
    return instant(value) if value else None


IMAGE_KEYS = ("path", "src", "url", "alt", "sha256", "media_type", "source")


def _image(image: dict[str, Any] | None) -> dict[str, Any] | None:
    """An image in a fixed key order (the cache keeps its keys sorted)."""
    return None if image is None else {key: image.get(key) for key in IMAGE_KEYS}


def article_json(facts: dict[str, Any]) -> dict[str, Any]:
    """One article of the manifest, from its facts in the build cache."""
    site = facts.get("site", {})
    written = set(facts["page_sha"])
    languages: dict[str, Any] = {}
    for lang in sorted(facts["paths"]):
        path = facts["paths"][lang]
        if path not in written:
            continue
        extra = site.get("languages", {}).get(lang, {})
        languages[lang] = {
            "path": path,
            "body": extra.get("body"),
            "url": extra.get("url", path),
            "title": facts["titles"][lang],
            "excerpt": extra.get("excerpt", ""),
            "sha256": facts["page_sha"][path],
            "state": facts["states"][lang],
            "units": {key: facts["counts"][lang]["units"].get(key, 0) for key in COUNT_KEYS},
            "words": {key: facts["counts"][lang]["words"].get(key, 0) for key in COUNT_KEYS},
            "alternates": {other: p for other, p in sorted(facts["paths"].items()) if p in written},
            "tags": extra.get("tags", []),
            "categories": extra.get("categories", []),
            "image": _image(extra.get("image")),
            "images": [_image(image) for image in extra.get("images", [])],
        }
    return {
        "id": site.get("id", facts["slug"]),
        "slug": facts["slug"],
        "source": facts["source"],
        "source_lang": facts["source_lang"],
        "date": _date(facts["date"]),
        "updated": _date(site.get("updated")),
        "author": facts["author"],
        "categories": site.get("categories", []),
        "tags": site.get("tags", []),
        "languages": languages,
        "held": list(facts["held"]),
    }


def article_entry(facts: dict[str, Any]) -> str:
    """One article of the manifest, serialized as it sits in the file (the build cache
    keeps it, so a manifest is assembled without serializing unchanged articles again)."""
    text = json.dumps(article_json(facts), ensure_ascii=False, indent=2)
    return "\n".join("    " + line for line in text.split("\n"))


_SLOT = "\u0000articles\u0000"


def manifest_head(generator_version: str, languages: Sequence[str], base_url: str | None) -> dict[str, Any]:
    """Everything of the manifest but ``generated`` and the articles."""
    return {
        "schema_version": SCHEMA_VERSION,
        "generator": {"name": "Puente", "version": generator_version},
        "site": {"base_url": base_url, "languages": list(languages)},
    }


def manifest_frame(head: dict[str, Any], generated: str) -> tuple[bytes, bytes]:
    """What comes before the first article's entry of a manifest with articles, and after
    the last one's (the entries are joined by ``",\\n"``)."""
    document = {"generated": generated, **head, "articles": [_SLOT]}
    text = json.dumps(document, ensure_ascii=False, indent=2)
    before, after = text.split(f"[\n    {json.dumps(_SLOT)}\n  ]")
    return (before + "[\n").encode("utf-8"), ("\n  ]" + after + "\n").encode("utf-8")


def assemble_manifest(
    head: dict[str, Any], entries: Sequence[str | bytes | memoryview], generated: str
) -> bytes:
    """The manifest file: ``head`` (see :func:`manifest_head`), ``generated`` and the
    articles' serialized ``entries`` (see :func:`article_entry`; text, or UTF-8 bytes), in
    order."""
    before, after = manifest_frame(head, generated)
    if not entries:
        return before[:-2] + b"[]" + after[4:]
    encoded = [entry.encode("utf-8") if isinstance(entry, str) else entry for entry in entries]
    return b"".join([before, b",\n".join(encoded), after])


def stamp(moment: dt.datetime | None = None) -> str:
    """A ``generated`` time: ``moment``, else now (``SOURCE_DATE_EPOCH`` when set)."""
    moment = moment or clock_now()
    return moment.astimezone(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def build_manifest(
    facts: Sequence[dict[str, Any]],
    *,
    generator_version: str,
    previous: Path | None = None,
    now: dt.datetime | None = None,
    languages: Sequence[str] = ("en", "es"),
    base_url: str | None = None,
) -> tuple[bytes, str]:
    """The manifest of the articles whose facts are ``facts`` (UTF-8 JSON), and its
    ``generated`` time; ``previous`` (the existing file) keeps ``generated`` stable when
    nothing else changed; ``now`` is the time to write otherwise."""
    head = manifest_head(generator_version, languages, base_url)
    entries = [article_entry(entry) for entry in facts]
    generated = stamp(now)
    if previous is not None and previous.is_file():
        try:
            old = json.loads(previous.read_text("utf-8"))
        except (OSError, ValueError, UnicodeDecodeError):
            old = None
        if isinstance(old, dict) and isinstance(old.get("generated"), str):
            body = {**head, "articles": [article_json(entry) for entry in facts]}
            stale = dict(old)
            old_generated = stale.pop("generated")
            if stale == body:
                generated = old_generated
    return assemble_manifest(head, entries, generated), generated
