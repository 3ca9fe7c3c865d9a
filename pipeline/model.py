"""The plain data that flows between Puente's steps.

Frozen dataclasses, no I/O. A source file becomes a :class:`Document`: its
metadata plus a tree of structural :class:`Element` nodes, :class:`Verbatim`
fragments that are never translated, and :class:`Block` leaves whose inline
content is text with numbered placeholders (see :mod:`pipeline.placeholders`).
Segmentation turns blocks into :class:`Unit` values, the things a translator
sees as PO entries.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal

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
]
"""What a block is, as a translator would say it (also used in PO comments).

``featured_image`` (the description of the article's featured image), ``tag`` and
``category`` come from the metadata, as ``title`` and ``description`` do."""

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
    counts, glossary checks and translator comments).
    """

    id: int
    kind: PlaceholderKind
    tag: str
    attrs: Attrs = ()
    html: str = ""
    text: str = ""

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
    set (image alt text) the text goes into that attribute of the element, not
    its content. ``children`` are structural nodes that follow the text inside
    the same element (a nested list inside a list item).
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
    code blocks, rules); ``html`` is rendered back as it is."""

    html: str
    location: Location | None = None


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
    """One article: where it came from, its metadata and its body."""

    source: str
    format: Format
    meta: Meta
    body: tuple[Node, ...]
    sha256: str = ""

    def blocks(self) -> Iterator[Block]:
        """Every translatable block in reading order, the metadata first.

        The title, description, featured image description, tags and categories are
        synthetic blocks (kinds ``title``, ``description``, ``featured_image``, ``tag``,
        ``category``) located at their metadata line.
        """
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
    """Every block under ``nodes``, depth first, in document order."""
    for node in nodes:
        if isinstance(node, Block):
            yield node
            yield from iter_blocks(node.children)
        elif isinstance(node, Element):
            yield from iter_blocks(node.children)


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
