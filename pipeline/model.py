"""The plain data that flows between Puente's steps.

Frozen dataclasses, no I/O. A source file becomes a :class:`Document`: its
metadata plus a tree of structural :class:`Element` nodes, :class:`Verbatim`
fragments that are never translated, and :class:`Block` leaves whose inline
content is text with numbered placeholders (see :mod:`pipeline.placeholders`).
Segmentation turns blocks into :class:`Unit` values, the things a translator
sees as PO entries.

The text of some attributes is translated as well: ``alt``, ``title`` and
``aria-label`` of a block, of a structural element or of an inline element
(:data:`ATTRIBUTE_KINDS`). :meth:`Document.blocks` gives each one as a block of
its own (``attribute`` set to the attribute's name), right after the block or
element that holds it, and :func:`with_texts` puts translated texts back into
the attributes.
"""

from __future__ import annotations

import functools
import html as htmlmod
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Literal

from pipeline.placeholders import PLACEHOLDER_RE, format_tag, split
from pipeline.records import replace

Attrs = tuple[tuple[str, str], ...]
"""HTML attributes in source order, as (name, value) pairs."""

BlockKind = Literal[
    "title",
    "description",
    "heading",
    "paragraph",
    "list_item",
    "table_header",
    "table_cell",
    "blockquote",
    "caption",
    "alt",
    "featured_image",
    "tag",
    "category",
    "image_title",
    "link_title",
    "abbreviation",
    "embed_title",
    "tooltip",
    "label",
]
"""What a block is, as a translator would say it (also used in PO comments).

``featured_image`` (the description of the article's featured image), ``tag`` and
``category`` come from the metadata, as ``title`` and ``description`` do; ``alt``
and the last six are the kinds of attribute text (see :data:`ATTRIBUTE_KINDS`)."""

METADATA_KINDS: frozenset[BlockKind] = frozenset(
    {"title", "description", "featured_image", "tag", "category"}
)
"""The kinds of the synthetic blocks :meth:`Document.blocks` makes from the metadata."""

PlaceholderKind = Literal["paired", "standalone", "protected"]
"""``paired`` wraps translatable text (``{1}…{/1}``: a link, emphasis);
``standalone`` stands alone (``{2/}``: a line break, an image);
``protected`` stands for a whole element whose content must not be translated
(``{3/}``: ``translate="no"``, ``class="notranslate"``, inline code)."""

Format = Literal["md", "html"]


@dataclass(frozen=True)
class Location:
    """Where something comes from: a path relative to the project root and a 1-based line."""

    path: str
    line: int

    def __str__(self) -> str:
        return f"{self.path}:{self.line}"


@dataclass(frozen=True)
class Placeholder:
    """One inline element of a block, referred to from the text by its number.

    ``html`` is the element's exact serialisation for ``protected`` placeholders
    (rendered back byte for byte); ``text`` is its plain text content (for word
    counts, glossary checks and translator comments). ``lang`` is the language
    of a ``translate="no"`` element's content (its own ``lang``, else the
    article's): a page in another language marks it with ``lang``.
    """

    id: int
    kind: PlaceholderKind
    tag: str
    attrs: Attrs = ()
    html: str = ""
    text: str = ""
    lang: str = ""

    def attr(self, name: str) -> str | None:
        for key, value in self.attrs:
            if key == name:
                return value
        return None


@dataclass(frozen=True)
class Block:
    """A leaf element whose inline content is translatable.

    ``text`` holds the inline content with placeholders, numbered from 1 in
    order of appearance; ``placeholders`` defines them. When ``attribute`` is
    set (the blocks :meth:`Document.blocks` makes of ``alt``, ``title`` and
    ``aria-label``) the text is that attribute's of the element ``tag``, and
    ``owner`` says which element it is, for a translator ("the image map.png").
    ``children`` are structural nodes that follow the text inside the same
    element (a nested list inside a list item).
    """

    tag: str
    kind: BlockKind
    text: str
    location: Location
    attrs: Attrs = ()
    placeholders: tuple[Placeholder, ...] = ()
    level: int = 0
    attribute: str | None = None
    children: tuple[Node, ...] = ()
    owner: str = ""


@dataclass(frozen=True)
class Element:
    """A structural element with no text of its own (list, table, row, section)."""

    tag: str
    attrs: Attrs = ()
    children: tuple[Node, ...] = ()
    location: Location | None = None


@dataclass(frozen=True)
class Verbatim:
    """An HTML fragment that is never translated (``translate="no"`` blocks,
    code blocks, rules, video); ``html`` is rendered back as it is. ``lang`` is
    the language of a ``translate="no"`` block's content ("" for language-neutral
    fragments): a page in another language marks it with ``lang``."""

    html: str
    location: Location | None = None
    lang: str = ""


Node = Element | Block | Verbatim


@dataclass(frozen=True)
class Meta:
    """Article metadata. ``date`` and ``updated`` (the last change of the article) are
    ISO 8601 (``2026-01-16`` or with a time). ``image`` is the featured image as the
    source gives it (a path relative to the source file, or a URL) and ``image_alt`` its
    description; ``id`` an explicit translation-group id. ``extra`` holds the source
    lines of keys, as ``("<key>_line", "12")`` pairs."""

    slug: str
    lang: str
    title: str
    title_line: int = 1
    date: str | None = None
    author: str | None = None
    description: str | None = None
    description_line: int = 1
    toc: bool = False
    extra: tuple[tuple[str, str], ...] = ()
    tags: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    image: str | None = None
    image_alt: str | None = None
    updated: str | None = None
    id: str | None = None

    def line(self, key: str) -> int:
        """The source line that sets ``key`` (1 when unknown)."""
        for name, value in self.extra:
            if name == f"{key}_line":
                return int(value)
        return 1


@dataclass(frozen=True)
class Document:
    """One article: where it came from, its metadata and its body. ``warnings``
    are what parsing it reported (markup the sanitiser removed, control
    characters), each at its source line."""

    source: str
    format: Format
    meta: Meta
    body: tuple[Node, ...]
    sha256: str = ""
    warnings: tuple[Issue, ...] = ()

    def blocks(self) -> Iterator[Block]:
        """Every translatable block in reading order, the metadata first.

        The title, description, featured image description, tags and categories are
        synthetic blocks (kinds ``title``, ``description``, ``featured_image``, ``tag``,
        ``category``) located at their metadata line; so are the blocks of translatable
        attributes (see :func:`iter_blocks`).
        """
        return iter(self._blocks)

    @functools.cached_property
    def _blocks(self) -> tuple[Block, ...]:
        # made once: parsing, segmentation and reassembly each go through an article's blocks
        return tuple(self._make_blocks())

    def _make_blocks(self) -> Iterator[Block]:
        yield Block(
            tag="title",
            kind="title",
            text=self.meta.title,
            location=Location(self.source, self.meta.title_line),
        )
        if self.meta.description:
            yield Block(
                tag="meta",
                kind="description",
                text=self.meta.description,
                location=Location(self.source, self.meta.description_line),
            )
        yield from self.metadata_blocks()
        yield from iter_blocks(self.body)

    def __getstate__(self) -> dict[str, object]:
        # a document travelling between processes leaves its blocks behind (made again there)
        state = dict(self.__dict__)
        state.pop("_blocks", None)
        return state

    def metadata_blocks(self) -> Iterator[Block]:
        """The featured image description, the tags and the categories, as blocks."""
        meta = self.meta
        if meta.image is not None and meta.image_alt:
            where = Location(self.source, meta.line("image"))
            yield Block(tag="meta", kind="featured_image", text=meta.image_alt, location=where)
        lists: tuple[tuple[BlockKind, tuple[str, ...], str], ...] = (
            ("tag", meta.tags, "tags"),
            ("category", meta.categories, "categories"),
        )
        for kind, values, key in lists:
            where = Location(self.source, meta.line(key))
            for value in values:
                yield Block(tag="meta", kind=kind, text=value, location=where)


def iter_blocks(nodes: tuple[Node, ...]) -> Iterator[Block]:
    """Every block under ``nodes``, depth first, in document order; after each block or
    element, the blocks of its translatable attributes (its own, then those of its inline
    elements, in placeholder order)."""
    for node in nodes:
        if isinstance(node, Block):
            yield node
            if _has_attribute_text(node):
                yield from attribute_blocks(node)
            if node.children:
                yield from iter_blocks(node.children)
        elif isinstance(node, Element):
            if _has_attribute_text(node):
                yield from attribute_blocks(node)
            if node.children:
                yield from iter_blocks(node.children)


def _has_attribute_text(node: Block | Element) -> bool:
    """Whether ``node`` or one of its inline elements has an attribute whose text may be
    translated (most have none: :func:`attribute_blocks` is skipped for them)."""
    if any(name in _TRANSLATED_NAMES for name, _ in node.attrs):
        return True
    return isinstance(node, Block) and any(
        placeholder.kind != "protected" and any(name in _TRANSLATED_NAMES for name, _ in placeholder.attrs)
        for placeholder in node.placeholders
    )


# --- translatable attributes ----------------------------------------------------------

ATTRIBUTE_KINDS: dict[tuple[str, str], BlockKind] = {
    ("img", "alt"): "alt",
    ("img", "title"): "image_title",
    ("a", "title"): "link_title",
    ("abbr", "title"): "abbreviation",
    ("iframe", "title"): "embed_title",
    ("*", "title"): "tooltip",
    ("*", "aria-label"): "label",
}
"""Which attribute text is translated, on which element ("*": any), as what kind of unit."""

_TRANSLATED_NAMES = frozenset(name for _, name in ATTRIBUTE_KINDS)
_SPACES = re.compile(r"[ \t\n\r\f]+")


def attribute_kind(tag: str, name: str) -> BlockKind | None:
    """The block kind of attribute ``name`` of a ``tag`` element (None: not translated).

    >>> attribute_kind("img", "alt"), attribute_kind("span", "title"), attribute_kind("img", "src")
    ('alt', 'tooltip', None)
    """
    if name not in _TRANSLATED_NAMES:
        return None
    return ATTRIBUTE_KINDS.get((tag, name)) or ATTRIBUTE_KINDS.get(("*", name))


def attribute_text(value: str) -> tuple[str, tuple[Placeholder, ...]]:
    """An attribute value as unit text: whitespace collapsed, and text that looks like a
    placeholder turned into a protected one (as in body text).

    >>> text, placeholders = attribute_text("  Step {1}  of 3 ")
    >>> text, [(p.kind, p.text) for p in placeholders]
    ('Step {1/} of 3', [('protected', '{1}')])
    """
    collapsed = _SPACES.sub(" ", value).strip(" \t\n\r\f")
    if "{" not in collapsed:
        return collapsed, ()
    placeholders: list[Placeholder] = []

    def protect(match: re.Match[str]) -> str:
        literal = match.group(0)
        placeholders.append(
            Placeholder(
                len(placeholders) + 1, "protected", "", (), htmlmod.escape(literal, quote=False), literal
            )
        )
        return format_tag("self", len(placeholders))

    return PLACEHOLDER_RE.sub(protect, collapsed), tuple(placeholders)


def attribute_value(text: str, placeholders: Sequence[Placeholder]) -> str:
    """The attribute value of a (translated) attribute unit text: protected placeholders
    back to the text they stand for."""
    if "{" not in text:
        return text
    defined = {placeholder.id: placeholder.text for placeholder in placeholders}
    return "".join(part if isinstance(part, str) else defined.get(part.id, "") for part in split(text))


def _owner_words(tag: str, attrs: Attrs, content: str) -> str:
    values = dict(attrs)
    if tag == "img":
        return f"the image {_short(values.get('src') or '(no address)')}"
    if tag == "a":
        return f"the link to {_short(values.get('href') or '(no address)')}"
    if tag == "abbr":
        return content or "(an abbreviation)"
    if tag == "iframe":
        return f"the embedded {_short(values.get('src') or '(no address)')}"
    return f"the <{tag}> “{_short(content)}”" if content else f"a <{tag}> element"


def _short(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _attribute_owners(node: Block | Element) -> Iterator[tuple[str, Attrs, Callable[[], str]]]:
    """(tag, attributes, content text) of ``node`` and of its inline elements, in order (the
    content is computed only for an element with translatable attributes)."""
    if isinstance(node, Element):
        yield node.tag, node.attrs, str
        return
    text = node.text
    yield node.tag, node.attrs, lambda: _plain(text)
    for placeholder in node.placeholders:
        if placeholder.kind != "protected" and placeholder.attrs:
            yield placeholder.tag, placeholder.attrs, functools.partial(_content_of, text, placeholder.id)


def _plain(text: str) -> str:
    return "".join(part for part in split(text) if isinstance(part, str)).strip()


def _content_of(text: str, number: int) -> str:
    """The plain text between ``{n}`` and ``{/n}`` in ``text``."""
    start, end = text.find(format_tag("open", number)), text.find(format_tag("close", number))
    return _plain(text[start + len(format_tag("open", number)) : end]) if 0 <= start < end else ""


def attribute_blocks(node: Block | Element) -> Iterator[Block]:
    """The blocks of the translatable attributes of ``node`` and of its inline elements
    (see :func:`iter_blocks`); an empty attribute (``alt=""``) is no unit."""
    location = node.location or Location("", 0)
    for tag, attrs, content in _attribute_owners(node):
        for name, value in attrs:
            kind = attribute_kind(tag, name)
            if kind is None:
                continue
            text, placeholders = attribute_text(value)
            if text:
                yield Block(
                    tag=tag,
                    kind=kind,
                    text=text,
                    location=location,
                    placeholders=placeholders,
                    attribute=name,
                    owner=_owner_words(tag, attrs, content()),
                )


def _replace_attrs(tag: str, attrs: Attrs, texts: Iterator[str]) -> Attrs:
    """``attrs`` with each translatable, non-empty value taken from ``texts`` (in
    :func:`attribute_blocks` order)."""
    out = []
    for name, value in attrs:
        if attribute_kind(tag, name) is not None:
            text, placeholders = attribute_text(value)
            if text:
                value = attribute_value(next(texts), placeholders)
        out.append((name, value))
    return tuple(out)


def with_texts(document: Document, texts: Sequence[str], lang: str) -> Document:
    """``document`` with the text of its n-th block (in :meth:`Document.blocks` order)
    replaced by ``texts[n]`` (translated attribute texts go back into their attributes),
    and its language set to ``lang``."""
    queue = iter(texts)
    meta = document.meta
    title = next(queue)
    description = next(queue) if meta.description else None
    image_alt = next(queue) if meta.image is not None and meta.image_alt else meta.image_alt
    tags = tuple(next(queue) for _ in meta.tags)
    categories = tuple(next(queue) for _ in meta.categories)

    body = _with_texts(document.body, queue)
    new_meta = replace(
        meta,
        lang=lang,
        title=title,
        description=description,
        image_alt=image_alt,
        tags=_unique(tags),
        categories=_unique(categories),
    )
    return replace(document, meta=new_meta, body=body)


def _with_texts(nodes: tuple[Node, ...], queue: Iterator[str]) -> tuple[Node, ...]:
    out: list[Node] = []
    for node in nodes:
        if isinstance(node, Block):
            text = next(queue)
            attrs = _replace_attrs(node.tag, node.attrs, queue)
            placeholders = tuple(
                p if p.kind == "protected" else replace(p, attrs=_replace_attrs(p.tag, p.attrs, queue))
                for p in node.placeholders
            )
            children = _with_texts(node.children, queue) if node.children else ()
            out.append(replace(node, text=text, attrs=attrs, placeholders=placeholders, children=children))
        elif isinstance(node, Element):
            attrs = _replace_attrs(node.tag, node.attrs, queue)
            out.append(replace(node, attrs=attrs, children=_with_texts(node.children, queue)))
        else:
            out.append(node)
    return tuple(out)


def _unique(values: Sequence[str]) -> tuple[str, ...]:
    """``values`` without repeats (two tags can have the same translation)."""
    return tuple(dict.fromkeys(value for value in values if value))


@dataclass(frozen=True)
class Unit:
    """One translation unit (usually a sentence) of a block: one PO entry.

    ``text`` is the source text with placeholders renumbered from 1 within the
    unit, so that the same sentence gets the same msgid wherever it appears;
    ``placeholders`` holds the definitions under the unit's own numbers.
    ``placeholder_map[i]`` is the block-level number of the unit's placeholder
    ``i + 1``. ``notes`` are the extracted comments a translator sees (block
    kind, what each placeholder stands for, glossary terms found).
    ``msgctxt`` is stable under insertion, deletion and moves of other blocks.
    ``block_index`` and ``index`` place the unit in the document for reassembly:
    the ``block_index``-th block of :meth:`Document.blocks` and the unit's
    position within it.
    """

    text: str
    msgctxt: str
    kind: BlockKind
    location: Location
    block_index: int
    index: int
    placeholders: tuple[Placeholder, ...] = ()
    placeholder_map: tuple[int, ...] = ()
    notes: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class Segment:
    """A block split for translation: ``separators`` has one more item than
    ``texts``; ``separators[0] + texts[0] + separators[1] + ... + separators[-1]``
    rebuilds the block text exactly."""

    texts: tuple[str, ...]
    separators: tuple[str, ...]

    def join(self, texts: tuple[str, ...] | list[str] | None = None) -> str:
        parts = list(self.texts if texts is None else texts)
        out = [self.separators[0]]
        for text, sep in zip(parts, self.separators[1:], strict=True):
            out.append(text)
            out.append(sep)
        return "".join(out)


Severity = Literal["error", "warning", "info"]


@dataclass(frozen=True)
class Issue:
    """A problem found in a translation (not fatal): reported, never raised."""

    location: Location
    severity: Severity
    code: str
    message: str

    def __str__(self) -> str:
        return f"{self.location}: {self.code}: {self.message}"


# --- what a run counts (po.merge and translate fill them, the summary adds them up) ---


@dataclass
class MergeStats:
    """How many entries each rule produced."""

    kept: int = 0
    fuzzy: int = 0
    new: int = 0
    obsolete: int = 0

    def add(self, other: MergeStats) -> None:
        self.kept += other.kept
        self.fuzzy += other.fuzzy
        self.new += other.new
        self.obsolete += other.obsolete


@dataclass
class DraftStats:
    """What drafting filled, and from where."""

    memory_exact: int = 0
    memory_adapted: int = 0  # similar sentences' reviewed translations adapted (pipeline.adapt)
    memory_drafts: int = 0
    refreshed: int = 0  # machine drafts drafted again (``translate --refresh``)
    suggestions: int = 0
    engine_units: int = 0
    engine_calls: int = 0
    fresh_drafts: int = 0
    restored: int = 0

    def add(self, other: DraftStats) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))
