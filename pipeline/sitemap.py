"""``build/sitemap.xml``: every published page with its language alternates.

The sitemaps.org protocol (0.9) with the ``xhtml:link`` alternates search engines
document for multilingual sites: each page's ``<url>`` lists every language version of
the article, itself included, and ``x-default`` (the original). Written only when the
site has a ``base_url`` (the protocol wants absolute URLs), from the build cache's facts,
so an unchanged article costs nothing; ``lastmod`` is the article's ``updated`` date.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from lxml import etree

from pipeline.site import instant

SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
XHTML_NS = "http://www.w3.org/1999/xhtml"
URL_LIMIT = 50_000
"""The most URLs one sitemap may list (the protocol's limit)."""


def build_sitemap(facts: Sequence[dict[str, Any]]) -> bytes:
    """The sitemap of the articles whose facts are ``facts`` (UTF-8 XML)."""
    namespaces: dict[str | None, str] = {None: SITEMAP_NS, "xhtml": XHTML_NS}
    root = etree.Element(f"{{{SITEMAP_NS}}}urlset", nsmap=namespaces)  # type: ignore[arg-type]
    root.text = "\n"
    count = 0
    for entry in facts:
        site = entry.get("site", {})
        written = set(entry["page_sha"])
        urls = {
            lang: site["languages"][lang]["url"]
            for lang, path in sorted(entry["paths"].items())
            if path in written and lang in site.get("languages", {})
        }
        updated = site.get("updated")
        for lang in urls:
            count += 1
            if count > URL_LIMIT:
                break
            url = etree.SubElement(root, f"{{{SITEMAP_NS}}}url")
            url.text = "\n  "
            url.tail = "\n"
            etree.SubElement(url, f"{{{SITEMAP_NS}}}loc").text = urls[lang]
            if updated:
                etree.SubElement(url, f"{{{SITEMAP_NS}}}lastmod").text = instant(updated)
            if len(urls) > 1:
                alternates = [*urls.items(), ("x-default", urls.get(entry["source_lang"]))]
                for hreflang, href in alternates:
                    if href is not None:
                        link = etree.SubElement(url, f"{{{XHTML_NS}}}link")
                        link.set("rel", "alternate")
                        link.set("hreflang", hreflang)
                        link.set("href", href)
            for child in url:
                child.tail = "\n  "
            url[-1].tail = "\n"
    text: bytes = etree.tostring(root, encoding="UTF-8", xml_declaration=True)
    return text + b"\n"


def sitemap_entry(facts: dict[str, Any]) -> tuple[str, int]:
    """One article's ``<url>`` elements as they sit in the sitemap, and how many there
    are (the build cache keeps them, so a sitemap is assembled without the facts)."""
    text = build_sitemap([facts]).decode("utf-8")
    start = text.index(">", text.index("<urlset")) + 2  # after the start tag and its newline
    end = text.rindex("</urlset>")
    return text[start:end], text.count("<url>", start, end)


def sitemap_frame() -> tuple[bytes, bytes]:
    """What comes before the articles' ``<url>`` elements in a sitemap, and after them."""
    empty = build_sitemap([])
    cut = empty.rindex(b"</urlset>")
    return empty[:cut], empty[cut:]


def add_elements(sitemap: bytearray, elements: bytes | memoryview, urls: int, count: int) -> int:
    """Add an article's :func:`sitemap_entry` elements (UTF-8), ``urls`` of them, to a
    sitemap being made that lists ``count`` already: at most :data:`URL_LIMIT` in all.
    The count now."""
    if count >= URL_LIMIT:
        return count
    if count + urls > URL_LIMIT:  # the first ones only
        pieces = bytes(elements).split(b"</url>\n")
        sitemap += b"".join(piece + b"</url>\n" for piece in pieces[: URL_LIMIT - count])
        return URL_LIMIT
    sitemap += elements
    return count + urls
