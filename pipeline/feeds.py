"""``build/<lang>/feed.xml``: an Atom feed (RFC 4287) of each language's pages, newest first.

One entry per published page in the language (originals and translations alike), with
its title, address, dates, author, excerpt as ``summary``, the body fragment as
``content``, and its tags and categories. Entry ids are ``urn:uuid:`` names derived from
the translation group and the language, so they never change when addresses do. Without a
``base_url``, links are relative to the feed (it lies beside the pages). Dates come from the
sources (``updated``, else ``date``); an article with neither takes the manifest's
``generated`` time. At most ``feed_limit`` entries (``[site]``; 0: every page).
"""

from __future__ import annotations

import heapq
import os
import uuid
from collections.abc import Sequence
from operator import itemgetter
from pathlib import Path
from typing import Any

from lxml import etree

from pipeline.site import GROUP_NAMESPACE, LANGUAGE_NAMES, Site, instant

ATOM_NS = "http://www.w3.org/2005/Atom"
BODY_LIMIT = 4 * 1024 * 1024
"""The largest body fragment put in a feed (larger ones get their summary only)."""


def _el(parent: etree._Element, tag: str, text: str | None = None, **attrs: str) -> etree._Element:
    element = etree.SubElement(parent, f"{{{ATOM_NS}}}{tag}", attrs)
    if text is not None:
        element.text = text
    return element


def feed_entries(facts: Sequence[dict[str, Any]], lang: str, generated: str) -> list[dict[str, Any]]:
    """The pages in ``lang``, newest first: ``(facts, page facts, updated, published)``."""
    entries = []
    for entry in facts:
        path = entry["paths"].get(lang)
        site = entry.get("site", {})
        page = site.get("languages", {}).get(lang)
        if path is None or path not in entry["page_sha"] or page is None:
            continue
        updated = instant(site["updated"], date_time=True) if site.get("updated") else generated
        published = instant(entry["date"], date_time=True) if entry.get("date") else None
        entries.append({"facts": entry, "page": page, "updated": updated, "published": published})
    entries.sort(key=lambda item: item["facts"]["slug"])
    entries.sort(key=lambda item: _sortable(item["updated"]), reverse=True)
    return entries


def feed_keys(facts: dict[str, Any]) -> dict[str, str]:
    """Language → the ``updated`` time ("" for the feed's own time) of each page of the
    article that goes into that language's feed (the build cache keeps them, so a feed's
    entries are chosen without every article's facts)."""
    site = facts.get("site", {})
    keys = {}
    for lang, path in facts["paths"].items():
        if path in facts["page_sha"] and lang in site.get("languages", {}):
            keys[lang] = _sortable(instant(site["updated"], date_time=True)) if site.get("updated") else ""
    return keys


def newest(
    keys: Sequence[tuple[str, str, dict[str, str]]], lang: str, generated: str, limit: int
) -> list[str]:
    """The ids of the ``limit`` newest pages in ``lang`` (0: every page) among ``keys``:
    ``(id, slug, feed_keys)`` per article, in the order :func:`build_feed` lists them."""
    now = _sortable(generated)
    pages = [(ident, slug, found[lang] or now) for ident, slug, found in keys if lang in found]
    pages.sort(key=itemgetter(1))
    if limit:  # (the same as sorting them all and taking the first: nlargest is stable)
        return [ident for ident, _, _ in heapq.nlargest(limit, pages, key=itemgetter(2))]
    pages.sort(key=itemgetter(2), reverse=True)
    return [ident for ident, _, _ in pages]


def _sortable(value: str) -> str:
    """An RFC 3339 time as UTC text that sorts in time order."""
    import datetime as dt

    moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    return moment.astimezone(dt.UTC).isoformat()


def build_feed(
    facts: Sequence[dict[str, Any]], lang: str, site: Site, *, generated: str, output: Path, version: str
) -> bytes:
    """The Atom feed of ``lang`` (UTF-8 XML); ``output`` is the folder the body fragments
    are read from, ``generated`` the manifest's time."""
    entries = feed_entries(facts, lang, generated)
    if site.feed_limit:
        entries = entries[: site.feed_limit]
    namespaces: dict[str | None, str] = {None: ATOM_NS}
    root = etree.Element(f"{{{ATOM_NS}}}feed", nsmap=namespaces)  # type: ignore[arg-type]
    root.set("{http://www.w3.org/XML/1998/namespace}lang", lang)
    name = LANGUAGE_NAMES.get(lang, {}).get(lang, lang)
    _el(root, "title", f"{site.name} ({name})")
    _el(root, "id", uuid.uuid5(GROUP_NAMESPACE, f"feed:{site.base_url or ''}:{lang}").urn)
    _el(root, "updated", max((item["updated"] for item in entries), key=_sortable, default=generated))
    if site.base_url is not None:
        _el(root, "link", rel="self", type="application/atom+xml", href=f"{site.base_url}{lang}/feed.xml")
        _el(root, "link", rel="alternate", type="text/html", href=site.base_url)
    author = _el(root, "author")
    _el(author, "name", site.name)
    _el(root, "generator", "Puente", version=version)
    for item in entries:
        entry_facts, page = item["facts"], item["page"]
        entry = _el(root, "entry")
        _el(entry, "title", entry_facts["titles"][lang])
        group = entry_facts.get("site", {}).get("id", entry_facts["slug"])
        _el(entry, "id", uuid.uuid5(GROUP_NAMESPACE, f"entry:{group}:{lang}").urn)
        href = page["url"] if site.base_url is not None else Path(page["url"]).name
        _el(entry, "link", rel="alternate", type="text/html", hreflang=lang, href=href)
        _el(entry, "updated", item["updated"])
        if item["published"]:
            _el(entry, "published", item["published"])
        if entry_facts.get("author"):
            _el(_el(entry, "author"), "name", entry_facts["author"])
        for term in [*page.get("categories", []), *page.get("tags", [])]:
            _el(entry, "category", term=term)
        if page.get("excerpt"):
            _el(entry, "summary", page["excerpt"])
        body = _read(output / page["body"])
        if body:
            _el(entry, "content", body, type="html")
    etree.indent(root, space="  ")
    text: bytes = etree.tostring(root, encoding="UTF-8", xml_declaration=True)
    return text + b"\n"


def _read(path: Path) -> str | None:
    """A body fragment's text (None when it cannot be read: the entry keeps its summary)."""
    try:
        with open(path, "rb") as handle:
            # the file's size and one byte more, never a buffer of the limit's size
            size = min(os.fstat(handle.fileno()).st_size, BODY_LIMIT)
            data = handle.read(size + 1)
            if len(data) > size:
                data += handle.read(BODY_LIMIT + 1 - len(data))
    except OSError:
        return None
    if len(data) > BODY_LIMIT:
        return None
    return data.decode("utf-8", "replace")
