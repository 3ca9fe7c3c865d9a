"""Rendering a :class:`~pipeline.model.Document` as an HTML5 page, with lxml.

The same function renders a source document in its own language and a
translated document (the source's tree with translated block texts and
``meta.lang`` set to the target language). Text is always text: lxml escapes
it, so nothing in a translation can become markup. Inline elements come from
the placeholder definitions, which come from the source.

The page template is an HTML5 file with an empty ``<article>`` element: the
renderer fills ``<html lang>``, the head (title, metadata, hreflang
alternates) and the article. The built-in template is
``pipeline/templates/page.html``; a project overrides it with
``templates/page.html`` under its root. A run parses and checks the template once
(:func:`load_template`) and renders every page from a copy of it.

Heading ids are slugs of each page's own headings (:func:`heading_ids`): the
Spanish page's anchors are Spanish words. The caller maps the source's ids to the
translation's (``anchors``), so an in-page link of the source (``href="#key-facts"``)
reaches the same heading in the translation, and the table of contents follows.

One rendering gives the page and the *body fragment* (:class:`Rendered`): the article
without its title ``<h1>``, byline or table of contents, what a CMS stores in its content
field. The page adds, around the article, what a reader needs: the language switch (in
the template's ``data-puente="languages"`` element), a notice on a machine-translated
page (just before the ``<article>``), the featured image, a canonical link and absolute
alternates when the site has an address.

Text that stays in another language than the page's (a ``translate="no"``
element on the page in the other language) gets a ``lang`` attribute, unless
it has one (WCAG 3.1.2, language of parts). Attribute values (``alt``,
``title``, ``aria-label``) come from the document as they are: a translated
document carries translated ones.
"""

from __future__ import annotations

import copy
import datetime as dt
import re
import threading
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import cast

from babel.dates import format_date
from lxml import etree
from lxml import html as lxml_html

from pipeline.errors import BuildError
from pipeline.files import read_limited
from pipeline.model import Block, Document, Element, Node, Placeholder, Verbatim, iter_blocks
from pipeline.placeholders import Tag, split
from pipeline.site import ORIGINAL_LINK, OWN_NAMES, SWITCH_LABEL
from pipeline.text import CONTROL, describe

_VOID_END_TAGS = re.compile(rb"</(?:source|track|wbr|embed|keygen|param|area)>")
EMPTY_TAGS = frozenset({"br", "col", "hr", "img", "source", "track", "wbr", "iframe"})
"""Elements rendered without content (void elements, and embeds, whose content is never shown)."""
TOC_TITLES = {"en": "Contents", "es": "Contenido"}
"""The only words Puente itself adds to a page: the heading of a generated table of contents."""


def default_template() -> str:
    """The built-in page template."""
    return resources.files("pipeline").joinpath("templates/page.html").read_text("utf-8")


class PageTemplate:
    """A parsed page template, checked once per run; :meth:`copy` gives a fresh tree."""

    def __init__(self, source: str, name: str) -> None:
        self.name = name
        try:
            root = etree.fromstring(source, _parser())
            if root is None:
                raise etree.ParserError("Document is empty")
        except (etree.ParserError, ValueError) as exc:
            raise BuildError(name, 1, f"cannot parse the page template: {exc}") from None
        self.root: etree._Element = root
        if self.root.find("head") is None:
            raise BuildError(name, 1, "the page template has no <head>: add one")
        if self.root.find(".//article") is None:
            raise BuildError(name, 1, "the page template has no <article> element: add an empty one")

    def copy(self) -> etree._Element:
        return copy.deepcopy(self.root)


TEMPLATE_LIMIT = 4 * 1024 * 1024


def load_template(path: Path | None, name: str = "templates/page.html") -> PageTemplate:
    """The project's page template (``path``), or the built-in one."""
    if path is None:
        return PageTemplate(default_template(), "pipeline/templates/page.html")
    raw = read_limited(path, name, BuildError, TEMPLATE_LIMIT)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise BuildError(name, line, "the page template is not UTF-8") from None
    control = CONTROL.search(text)
    if control is not None:  # it would reach every page
        line = text.count("\n", 0, control.start()) + 1
        raise BuildError(
            name, line, f"control character {describe(control.group())} in the page template: remove it"
        )
    return PageTemplate(text, name)


def heading_ids(document: Document) -> list[str]:
    """An id for each heading block of ``document``, in order: the source's own ``id``
    attribute, or a slug of the heading text, made unique.

    >>> from pipeline.model import Location, Meta
    >>> loc = Location("sources/x.md", 1)
    >>> doc = Document("sources/x.md", "md", Meta("x", "en", "T"), (
    ...     Block("h2", "heading", "Key {1}Facts{/1}", loc, level=2),
    ...     Block("h2", "heading", "Key Facts", loc, level=2)))
    >>> heading_ids(doc)
    ['key-facts', 'key-facts-2']
    """
    ids: list[str] = []
    seen: set[str] = set()
    for block in iter_blocks(document.body):
        if block.kind != "heading":
            continue
        explicit = dict(block.attrs).get("id")
        base = explicit or _slugify(split_text(block.text)) or "section"
        candidate, n = base, 2
        while candidate in seen:
            candidate, n = f"{base}-{n}", n + 1
        seen.add(candidate)
        ids.append(candidate)
    return ids


def split_text(text: str) -> str:
    return "".join(part for part in split(text) if isinstance(part, str))


def _slugify(text: str) -> str:
    spaced = re.sub(r"[\W_]+", " ", text)
    ascii_text = unicodedata.normalize("NFKD", spaced).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:80]


def format_page_date(value: str, locale: str) -> str:
    """The date part of an ISO date or datetime, written for ``locale``.

    Babel's ``format_date`` ignores time zones, so the calendar date is taken
    as the source gives it, never shifted to another zone.

    >>> format_page_date("2026-01-16T21:19:00Z", "es_MX")
    '16 de enero de 2026'
    >>> format_page_date("2026-01-16", "en_US")
    'January 16, 2026'
    """
    day = dt.date.fromisoformat(value[:10])
    return str(format_date(day, format="long", locale=locale))


@dataclass(frozen=True)
class Notice:
    """The visible notice of a machine-translated page: its text, and the original's
    language and address (linked from it)."""

    text: str
    original_lang: str
    original_href: str


@dataclass(frozen=True)
class PageLinks:
    """What a page links to beyond its article (every href as the page should carry it).

    ``canonical`` and ``x_default`` only when the site has an absolute address;
    ``switch`` maps the other languages to their pages (the language switch);
    ``images`` maps an image ``src`` of the source to the one the page uses;
    ``anchors`` maps the source's heading ids to this page's (for ``href="#..."``)."""

    canonical: str | None = None
    x_default: str | None = None
    switch: Mapping[str, str] = field(default_factory=dict)
    notice: Notice | None = None
    featured: tuple[str, str] | None = None
    images: Mapping[str, str] = field(default_factory=dict)
    anchors: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Rendered:
    """One page and its body fragment (UTF-8 bytes); ``images`` are the ``(src, alt)`` of
    every image of the fragment, in order; ``excerpt`` is the description, or the first
    paragraph's text."""

    page: bytes
    body: bytes
    images: tuple[tuple[str, str], ...]
    excerpt: str


EXCERPT_LIMIT = 300
"""The longest excerpt made from a first paragraph, in characters (cut at a word)."""


def render_page(
    document: Document,
    *,
    alternates: Mapping[str, str],
    locale: str,
    state: str | None = None,
    template: PageTemplate | None = None,
    ids: Sequence[str] | None = None,
    generator: str = "Puente",
) -> bytes:
    """The complete HTML5 page of ``document`` (UTF-8 bytes): :func:`render_article`
    with a language switch to the other ``alternates`` and nothing else around it."""
    switch = {lang: href for lang, href in alternates.items() if lang != document.meta.lang}
    return render_article(
        document,
        alternates=alternates,
        locale=locale,
        state=state,
        template=template,
        ids=ids,
        generator=generator,
        links=PageLinks(switch=switch),
    ).page


def render_article(
    document: Document,
    *,
    alternates: Mapping[str, str],
    locale: str,
    state: str | None = None,
    template: PageTemplate | None = None,
    ids: Sequence[str] | None = None,
    generator: str = "Puente",
    links: PageLinks | None = None,
) -> Rendered:
    """The page of ``document`` and its body fragment.

    ``alternates`` maps each language to the href of its page (including this page's
    own language); ``state`` is the translation state of a target page (reviewed,
    machine, mixed); ``ids`` are the heading ids (default: :func:`heading_ids` of
    ``document``); ``links`` what the page links to besides (see :class:`PageLinks`).
    """
    links = links or PageLinks()
    root = (template or _default()).copy()
    slots = cast("list[etree._Element]", _SWITCH_SLOTS(root))  # found in the template alone
    meta = document.meta
    root.set("lang", meta.lang)
    head = root.find("head")
    article = root.find(".//article")
    assert head is not None and article is not None  # checked by PageTemplate
    _fill_head(head, document, alternates, state, generator, links)
    heading_list = list(ids) if ids is not None else heading_ids(document)
    article.text = "\n"
    for child in list(article):
        article.remove(child)
    _render_nodes(article, document.body, iter(heading_list), meta.lang)
    _rewrite_links(article, links)
    body, images, first_paragraph = _fragment(article)
    _dress_article(article, document, locale, links)
    _fill_switch([slot for slot in slots if _within(slot, root)], meta.lang, links.switch)
    if links.notice is not None:
        _add_notice(article, meta.lang, links.notice)
    for container in (root.find("body"), article.getparent()):
        for child in container if container is not None else ():
            child.tail = child.tail or "\n"  # one element a line, as the template had them
    page: bytes = etree.tostring(root, encoding="utf-8", method="html", doctype="<!DOCTYPE html>")
    excerpt = meta.description or _shorten(first_paragraph, EXCERPT_LIMIT)
    return Rendered(_void_end_tags_out(page) + b"\n", _void_end_tags_out(body), images, excerpt)


def _void_end_tags_out(html: bytes) -> bytes:
    """libxml2 writes end tags for the void elements it does not know (``</source>``);
    HTML5 has none. Its serialiser escapes ``<`` in text and attributes, so these are only
    ever end tags."""
    return _VOID_END_TAGS.sub(b"", html)


_DEFAULT: list[PageTemplate] = []


def _default() -> PageTemplate:
    if not _DEFAULT:
        _DEFAULT.append(load_template(None))
    return _DEFAULT[0]


_LOCAL = threading.local()


def _parser() -> etree.HTMLParser:
    """The parser of templates and of fragments kept as they are, one per thread (a parser
    is not thread-safe, and making one costs as much as a small parse). Plain elements:
    lxml.html's element classes cost a Python call per element made in the page."""
    parser: etree.HTMLParser | None = getattr(_LOCAL, "parser", None)
    if parser is None:
        parser = etree.HTMLParser(remove_comments=False, no_network=True, remove_blank_text=True)
        _LOCAL.parser = parser
    return parser


_FRAGMENTS: dict[str, list[str | etree._Element]] = {}
_FRAGMENTS_LIMIT = 4096


def _fragments(html: str) -> list[str | etree._Element]:
    """``html`` (a fragment kept as it is) as text and fresh elements to insert: each
    article's page in both languages carries the same fragments, parsed once."""
    parsed = _FRAGMENTS.get(html)
    if parsed is None:
        if len(_FRAGMENTS) >= _FRAGMENTS_LIMIT:
            _FRAGMENTS.clear()
        parsed = cast("list[str | etree._Element]", lxml_html.fragments_fromstring(html, parser=_parser()))
        _FRAGMENTS[html] = parsed
    return [item if isinstance(item, str) else copy.deepcopy(item) for item in parsed]


def _sub(parent: etree._Element, tag: str, text: str | None = None, **attrs: str) -> etree._Element:
    element = etree.SubElement(parent, tag)
    for key, value in attrs.items():
        element.set(key.rstrip("_").replace("_", "-"), value)
    if text is not None:
        element.text = text
    return element


def _fill_head(
    head: etree._Element,
    document: Document,
    alternates: Mapping[str, str],
    state: str | None,
    generator: str,
    links: PageLinks,
) -> None:
    meta = document.meta
    if head.find("meta[@charset]") is None:
        charset = etree.Element("meta", charset="utf-8")
        head.insert(0, charset)
    _sub(head, "title", meta.title)
    if meta.description:
        _sub(head, "meta", name="description", content=meta.description)
    if meta.author:
        _sub(head, "meta", name="author", content=meta.author)
    if meta.date:
        _sub(head, "meta", name="date", content=meta.date)
    if meta.tags:
        _sub(head, "meta", name="keywords", content=", ".join(meta.tags))
    if state is not None:
        _sub(head, "meta", name="translation-state", content=state)
    _sub(head, "meta", name="generator", content=generator)
    if links.canonical is not None:
        _sub(head, "link", rel="canonical", href=links.canonical)
    for lang in sorted(alternates):
        _sub(head, "link", rel="alternate", hreflang=lang, href=alternates[lang])
    if links.x_default is not None:
        _sub(head, "link", rel="alternate", hreflang="x-default", href=links.x_default)
    for child in head:
        child.tail = "\n"
    head.text = "\n"


def _rewrite_links(article: etree._Element, links: PageLinks) -> None:
    """Images to their published address, in-page links to this page's heading ids."""
    if links.images:
        for image in article.iter("img"):
            src = image.get("src")
            if src is not None and src in links.images:
                image.set("src", links.images[src])
    if links.anchors:
        for anchor in article.iter("a"):
            href = anchor.get("href") or ""
            if href.startswith("#") and href[1:] in links.anchors:
                anchor.set("href", "#" + links.anchors[href[1:]])


def _fragment(article: etree._Element) -> tuple[bytes, tuple[tuple[str, str], ...], str]:
    """The body fragment of a rendered article (without its title ``<h1>``), the
    ``(src, alt)`` of its images and the text of its first paragraph."""
    title = article.find("h1")
    children = [child for child in article if child is not title]
    parts = [str(etree.tostring(child, encoding="unicode", method="html")) for child in children]
    text = "".join(parts).strip("\n")
    body = (text + "\n").encode("utf-8") if text else b""
    images = tuple(
        (image.get("src") or "", image.get("alt") or "")
        for child in children
        for image in child.iter("img")
        if image.get("src")
    )
    paragraph = next((p for child in children for p in child.iter("p")), None)
    first = " ".join("".join(str(t) for t in paragraph.itertext()).split()) if paragraph is not None else ""
    return body, images, first


def _shorten(text: str, limit: int) -> str:
    """``text`` cut at the last word that fits in ``limit`` characters, with an ellipsis.

    >>> _shorten("Customs agents inspected the containers", 30)
    'Customs agents inspected the…'
    """
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:—–-") + "…"


def _dress_article(article: etree._Element, document: Document, locale: str, links: PageLinks) -> None:
    """Byline, featured image and table of contents, after the title ``<h1>``."""
    first_h1 = article.find("h1")
    position = list(article).index(first_h1) + 1 if first_h1 is not None else 0
    byline = _byline(document, locale)
    if byline is not None:
        article.insert(position, byline)
        position += 1
    if links.featured is not None:
        figure = etree.Element("figure", {"class": "featured-image"})
        figure.tail = "\n"
        src, alt = links.featured
        etree.SubElement(figure, "img", {"src": src, "alt": alt})
        article.insert(position, figure)
        position += 1
    if document.meta.toc:
        article.insert(position, _toc(article, document.meta.lang))


_SWITCH_SLOTS = etree.XPath('.//*[@data-puente="languages"]')


def _within(element: etree._Element, root: etree._Element) -> bool:
    """Whether ``element`` is ``root`` or still inside it."""
    return element is root or any(ancestor is root for ancestor in element.iterancestors())


def _fill_switch(slots: Sequence[etree._Element], lang: str, switch: Mapping[str, str]) -> None:
    """The template's language switch (``data-puente="languages"``, the ``slots`` of the
    page): a link to each other language's page, or no switch at all when there is none.
    The slots are found in the template before the article is rendered into it (nothing
    rendered carries the attribute: no source keeps a ``data-`` attribute)."""
    for slot in slots:
        del slot.attrib["data-puente"]
        if not switch:
            _remove(slot)
            continue
        slot.set("aria-label", SWITCH_LABEL.get(lang, SWITCH_LABEL["en"]))
        for other in sorted(switch):
            link = _sub(
                slot, "a", OWN_NAMES.get(other, other), href=switch[other], hreflang=other, lang=other
            )
            link.set("rel", "alternate")


def _remove(element: etree._Element) -> None:
    parent = element.getparent()
    if parent is None:
        return
    previous = element.getprevious()
    if element.tail:
        if previous is not None:
            previous.tail = (previous.tail or "") + element.tail
        else:
            parent.text = (parent.text or "") + element.tail
    parent.remove(element)
    if len(parent) == 0 and not (parent.text or "").strip() and parent.tag in ("header", "nav"):
        _remove(parent)  # the template's header held only the switch


def _add_notice(article: etree._Element, lang: str, notice: Notice) -> None:
    """The notice of a machine-translated page, just before its ``<article>``."""
    aside = etree.Element("aside", {"class": "translation-notice", "role": "note"})
    aside.text = "\n"
    aside.tail = "\n"
    paragraph = _sub(aside, "p", notice.text + " ")
    paragraph.tail = "\n"
    link_text = ORIGINAL_LINK.get(lang, ORIGINAL_LINK["en"])
    link = _sub(paragraph, "a", link_text, href=notice.original_href, hreflang=notice.original_lang)
    link.tail = "."
    article.addprevious(aside)


def _byline(document: Document, locale: str) -> etree._Element | None:
    meta = document.meta
    if not meta.author and not meta.date:
        return None
    byline = etree.Element("p", {"class": "byline"})
    byline.tail = "\n"
    if meta.author:
        _sub(byline, "span", meta.author, class_="author")
    if meta.date:
        if meta.author:
            byline[-1].tail = " · "
        _sub(byline, "time", format_page_date(meta.date, locale), datetime=meta.date)
    return byline


def _toc(article: etree._Element, lang: str) -> etree._Element:
    nav = etree.Element("nav", {"class": "toc"})
    nav.text = nav.tail = "\n"
    _sub(nav, "h2", TOC_TITLES.get(lang, TOC_TITLES["en"])).tail = "\n"
    ol = _sub(nav, "ol")
    ol.text = ol.tail = "\n"
    for heading in article.iter("h2", "h3"):
        if heading.get("id") is None:
            continue
        item = _sub(ol, "li", **{"class": f"toc-{heading.tag}"})
        item.tail = "\n"
        _sub(item, "a", "".join(str(t) for t in heading.itertext()), href="#" + (heading.get("id") or ""))
    return nav


def _render_nodes(parent: etree._Element, nodes: Sequence[Node], ids: Iterator[str], page_lang: str) -> None:
    for node in nodes:
        if isinstance(node, Verbatim):
            for fragment in _fragments(node.html):
                if isinstance(fragment, str):
                    _append_text(parent, fragment)
                else:
                    _mark_lang(fragment, node.lang, page_lang)
                    fragment.tail = "\n"
                    parent.append(fragment)
        elif isinstance(node, Element):
            element = etree.SubElement(parent, node.tag, dict(node.attrs))
            element.tail = "\n"
            if node.tag not in EMPTY_TAGS:
                element.text = "\n"
                _render_nodes(element, node.children, ids, page_lang)
        else:
            _render_block(parent, node, ids, page_lang)


def _mark_lang(element: etree._Element, lang: str, page_lang: str) -> None:
    """Say the language of ``element``'s content when it is not the page's (and the
    element does not say it already)."""
    if lang and page_lang and lang != page_lang and element.get("lang") is None:
        element.set("lang", lang)


def _render_block(parent: etree._Element, block: Block, ids: Iterator[str], page_lang: str) -> None:
    element = etree.SubElement(parent, block.tag, dict(block.attrs))
    element.tail = "\n"
    if block.attribute is not None:
        element.set(block.attribute, block.text)
    else:
        fill_inline(element, block.text, block.placeholders, page_lang)
    if block.kind == "heading" and element.get("id") is None:
        element.set("id", next(ids))
    if block.children:
        _append_text(element, "\n")
        _render_nodes(element, block.children, ids, page_lang)


def _append_text(element: etree._Element, text: str) -> None:
    if len(element):
        last = element[-1]
        last.tail = (last.tail or "") + text
    else:
        element.text = (element.text or "") + text


def fill_inline(
    element: etree._Element, text: str, placeholders: Sequence[Placeholder], page_lang: str = ""
) -> None:
    """Append ``text`` (with placeholders) to ``element`` as text and inline elements;
    a protected element whose content is in another language than ``page_lang`` says so
    with ``lang``.

    Raises ValueError when a placeholder is unknown or unbalanced: callers
    validate translations with :func:`pipeline.placeholders.problems` first.
    """
    defined = {placeholder.id: placeholder for placeholder in placeholders}
    stack: list[tuple[int, etree._Element]] = [(0, element)]
    for part in split(text):
        current = stack[-1][1]
        if not isinstance(part, Tag):
            _append_text(current, part)
            continue
        placeholder = defined.get(part.id)
        if placeholder is None:
            raise ValueError(f"unknown placeholder {part}")
        if part.form == "open" and placeholder.kind == "paired":
            child = etree.SubElement(current, placeholder.tag, dict(placeholder.attrs))
            stack.append((part.id, child))
        elif part.form == "close" and placeholder.kind == "paired":
            if stack[-1][0] != part.id:
                raise ValueError(f"unbalanced placeholder {part}")
            stack.pop()
        elif part.form == "self" and placeholder.kind == "standalone":
            etree.SubElement(current, placeholder.tag, dict(placeholder.attrs))
        elif part.form == "self" and placeholder.kind == "protected":
            for fragment in _fragments(placeholder.html):
                if isinstance(fragment, str):
                    _append_text(current, fragment)
                else:
                    _mark_lang(fragment, placeholder.lang, page_lang)
                    fragment.tail = None
                    current.append(fragment)
        else:
            raise ValueError(f"placeholder {part} used in the wrong form")
    if len(stack) != 1:
        raise ValueError(f"placeholder {{{stack[-1][0]}}} is never closed")
