"""Splitting blocks into translation units, sentence by sentence.

SRX-style rules: a sentence may end after ``.``, ``!``, ``?`` or ``…`` (and any
closing quotes, brackets or placeholders that follow), before whitespace and
the opening of a new sentence (an opening quote, ``¿``, ``¡``, a bracket or a
placeholder, then a capital letter or a digit). Per-language exception lists
in ``pipeline/data/segmentation-<lang>.txt`` then keep abbreviations, initials
and numbered references together: after a title such as "Dr." or "Sra." a
sentence never ends; after an abbreviation that can end a sentence ("U.S.",
"p. m.", "EE. UU.") it ends only when the next word is a frequent sentence
starter ("The", "El"...); "No. 5" and "ene. 16" never split.

Segmentation is lossless: a :class:`~pipeline.model.Segment` keeps the
whitespace between units as separators, so units plus separators rebuild the
block exactly. A paired placeholder ``{n}…{/n}`` never straddles two units.

Each unit's ``msgctxt`` is the block kind in words ("paragraph", "table
cell"...) and, for the n-th repeat of the same (kind, text) in a document,
"paragraph (n)". It depends only on the unit itself and on identical units
before it, never on positions, so inserting, deleting or moving other blocks
leaves it unchanged. Attribute text is one unit per attribute, never split,
with its own context: "image description" (``alt``), "image title", "link
title", "abbreviation" (an ``abbr`` title: what it stands for), "embed title",
"tooltip" (``title`` of any other element) and "label" (``aria-label``); its
first translator note says which element it belongs to.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from functools import cache, lru_cache
from importlib import resources

from pipeline.model import Block, BlockKind, Document, Placeholder, Segment, Unit
from pipeline.placeholders import format_tag, renumber, tokens
from pipeline.records import replace

KIND_WORDS: dict[BlockKind, str] = {
    "title": "title",
    "description": "description",
    "heading": "heading",
    "paragraph": "paragraph",
    "list_item": "list item",
    "table_header": "table header",
    "table_cell": "table cell",
    "blockquote": "quotation",
    "caption": "caption",
    "alt": "image description",
    "featured_image": "featured image description",
    "tag": "tag",
    "category": "category",
    "image_title": "image title",
    "link_title": "link title",
    "abbreviation": "abbreviation",
    "embed_title": "embed title",
    "tooltip": "tooltip",
    "label": "label",
}
ATTRIBUTE_NOTES: dict[BlockKind, str] = {
    "alt": "image description (alt text, read instead of the image) of {owner}",
    "image_title": "image title (shown on hover) of {owner}",
    "link_title": "link title (shown on hover) of {owner}",
    "abbreviation": "abbreviation: what {owner} stands for (shown on hover)",
    "embed_title": "embed title (read by screen readers) of {owner}",
    "tooltip": "tooltip (title, shown on hover) of {owner}",
    "label": "label (aria-label, read by screen readers) of {owner}",
}
"""The first translator note of an attribute unit: what the text is, and of which element."""
TAG_WORDS = {
    "strong": "bold",
    "b": "bold",
    "em": "emphasis",
    "i": "italic",
    "u": "underline",
    "s": "strikethrough",
    "span": "span",
    "time": "date",
    "sub": "subscript",
    "sup": "superscript",
    "q": "quotation",
    "mark": "highlight",
    "cite": "citation",
    "small": "small print",
    "br": "line break",
    "wbr": "optional line break",
    "img": "image",
    "iframe": "embedded player",
    "picture": "picture",
    "source": "media source",
    "track": "subtitles",
    "video": "video",
    "audio": "audio",
}

_CANDIDATE = re.compile(
    r"""
    (?P<end>[.!?…]+)                                  # terminal punctuation
    (?P<close>(?:[”’"»)\]]|\{/\d+\}|\{\d+/\})*)       # closing quotes, brackets, placeholders
    (?P<space>\s+)
    (?=(?P<open>(?:[“‘"«(\[¿¡—–-]|\{\d+\}|\{\d+/\})*)(?P<first>\w))
    """,
    re.VERBOSE,
)
_OPENERS = '“‘"«([¿¡'


@dataclasses.dataclass(frozen=True)
class Rules:
    """One language's exception lists (see the module docstring)."""

    never: frozenset[str]
    ambiguous: frozenset[str]
    before_number: frozenset[str]
    starters: frozenset[str]


@cache
def rules(lang: str) -> Rules:
    """The segmentation rules of ``lang`` (en or es), read once from the package data."""
    text = resources.files("pipeline").joinpath(f"data/segmentation-{lang}.txt").read_text("utf-8")
    sections: dict[str, set[str]] = {
        "never": set(),
        "ambiguous": set(),
        "before-number": set(),
        "starters": set(),
    }
    current: set[str] | None = None
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("["):
            current = sections[line.strip("[]")]
            continue
        if current is not None:
            current.add(line.rstrip("."))
    return Rules(
        frozenset(sections["never"]),
        frozenset(sections["ambiguous"]),
        frozenset(sections["before-number"]),
        frozenset(sections["starters"]),
    )


@lru_cache(maxsize=1 << 12)
def segment_text(text: str, lang: str, mode: str = "sentence") -> Segment:
    """Split ``text`` into sentences (or keep it whole with ``mode="block"``).

    >>> segment_text("Dr. Ruiz spoke. The U.S. team left at 5 p.m. The end.", "en").texts
    ('Dr. Ruiz spoke.', 'The U.S. team left at 5 p.m.', 'The end.')
    >>> segment_text("¿Qué cambia? La Sra. López habló con EE. UU. ayer.", "es").texts
    ('¿Qué cambia?', 'La Sra. López habló con EE. UU. ayer.')
    """
    stripped = text.strip()
    if not stripped:
        return Segment(texts=(), separators=(text,))
    lead = text[: len(text) - len(text.lstrip())]
    trail = text[len(text.rstrip()) :]
    if mode == "block":
        return Segment(texts=(stripped,), separators=(lead, trail))
    language = rules(lang if lang in ("en", "es") else "en")
    open_pairs = _open_pair_spans(stripped)
    texts: list[str] = []
    separators = [lead]
    start = 0
    for match in _CANDIDATE.finditer(stripped):
        space_start, space_end = match.start("space"), match.end("space")
        if _inside_pair(space_start, open_pairs) or not _is_break(stripped, match, language):
            continue
        texts.append(stripped[start:space_start])
        separators.append(stripped[space_start:space_end])
        start = space_end
    texts.append(stripped[start:])
    separators.append(trail)
    return Segment(texts=tuple(texts), separators=tuple(separators))


def _open_pair_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of every paired placeholder's content, to forbid breaks inside."""
    if "{" not in text:
        return []
    spans: list[tuple[int, int]] = []
    opened: dict[int, int] = {}
    for tag in tokens(text):
        if tag.form == "open":
            opened[tag.id] = tag.end
        elif tag.form == "close" and tag.id in opened:
            spans.append((opened.pop(tag.id), tag.start))
    return spans


def _inside_pair(position: int, spans: list[tuple[int, int]]) -> bool:
    return any(start <= position < end for start, end in spans)


def _is_break(text: str, match: re.Match[str], language: Rules) -> bool:
    end = match.group("end")
    first = match.group("first")
    opener = match.group("open")
    starts_upper = first.isupper() or first.isdigit() or bool(opener.strip("—–-"))
    if not starts_upper:
        return False
    if "!" in end or "?" in end or "…" in end or len(end) > 1:
        return True
    words = _words_before(text, match.start("end"))
    if words is None:
        return True
    previous, last = words
    last = last.lstrip(_OPENERS)
    pair = f"{previous} {last}" if previous else last
    if match.group("close"):
        # "...results.” The" — a closing quote after the period ends the sentence
        return True
    if last in language.never or (len(last) == 1 and last.isalpha() and last.isupper()):
        return False
    if last.isdigit() and not previous:
        # "1. Enhanced Bilateral Task Forces": a numbered heading or list label
        return False
    next_word = _next_word(text, match.end("space") + len(opener))
    if last in language.before_number and next_word[:1].isdigit():
        return False
    if last in language.ambiguous or pair in language.ambiguous:
        return next_word in language.starters
    if "." in last and re.fullmatch(r"(?:\w\.)+\w", last):
        # an unlisted dotted abbreviation such as "N.Y": same rule as the listed ones
        return next_word in language.starters
    return True


def _words_before(text: str, end: int) -> tuple[str | None, str] | None:
    """The word before ``end`` (which must touch it) and the one before that, if any."""
    if end == 0 or text[end - 1].isspace():
        return None
    words = text[:end].rsplit(maxsplit=2)
    return (words[-2] if len(words) > 1 else None), words[-1]


def _next_word(text: str, position: int) -> str:
    match = re.compile(r"\w+").match(text, position)
    return match.group(0) if match else ""


def segment_block(block: Block, lang: str, mode: str = "sentence") -> Segment:
    """The segmentation of one block's text (titles, image descriptions, tags, categories
    and attribute text are never split)."""
    whole = block.kind in ("title", "featured_image", "tag", "category") or block.attribute is not None
    return segment_text(block.text, lang, "block" if whole else mode)


def document_units(document: Document, mode: str = "sentence") -> list[Unit]:
    """Every translation unit of ``document``, in document order."""
    units: list[Unit] = []
    seen: dict[tuple[str, str], int] = {}
    lang = document.meta.lang
    for block_index, block in enumerate(document.blocks()):
        segment = segment_block(block, lang, mode)
        for index, text in enumerate(segment.texts):
            local_text, local_placeholders, mapping = _localise(text, block.placeholders)
            kind_words = KIND_WORDS[block.kind]
            count = seen.get((kind_words, local_text), 0) + 1
            seen[(kind_words, local_text)] = count
            msgctxt = kind_words if count == 1 else f"{kind_words} ({count})"
            units.append(
                Unit(
                    text=local_text,
                    msgctxt=msgctxt,
                    kind=block.kind,
                    location=block.location,
                    block_index=block_index,
                    index=index,
                    placeholders=local_placeholders,
                    placeholder_map=mapping,
                    notes=_notes(block, local_placeholders),
                )
            )
    return units


def _localise(
    text: str, placeholders: Sequence[Placeholder]
) -> tuple[str, tuple[Placeholder, ...], tuple[int, ...]]:
    """Renumber a unit's placeholders from 1 in order of first appearance."""
    if "{" not in text:
        return text, (), ()
    order: list[int] = []
    for tag in tokens(text):
        if tag.id not in order:
            order.append(tag.id)
    mapping = {block_id: local for local, block_id in enumerate(order, start=1)}
    by_id = {placeholder.id: placeholder for placeholder in placeholders}
    local = tuple(replace(by_id[block_id], id=mapping[block_id]) for block_id in order if block_id in by_id)
    return renumber(text, mapping), local, tuple(order)


def _notes(block: Block, placeholders: Sequence[Placeholder]) -> tuple[str, ...]:
    kind = KIND_WORDS[block.kind]
    if block.attribute is not None:
        template = ATTRIBUTE_NOTES.get(block.kind, f"{kind} ({block.attribute}) of {{owner}}")
        notes = [template.format(owner=block.owner or f"a <{block.tag}> element")]
    else:
        notes = [f"{kind} (level {block.level})" if block.kind == "heading" else kind]
    notes.extend(describe_placeholder(placeholder) for placeholder in placeholders)
    return tuple(notes)


def describe_placeholder(placeholder: Placeholder) -> str:
    """What a placeholder stands for, for a translator.

    >>> describe_placeholder(Placeholder(1, "paired", "a", (("href", "https://x.org"),)))
    '{1}…{/1} = link to https://x.org'
    >>> describe_placeholder(Placeholder(2, "protected", "span", text="Juntos contra el Narco"))
    '{2/} = not translated: Juntos contra el Narco'
    """
    number = placeholder.id
    if placeholder.kind == "paired":
        form = f"{format_tag('open', number)}…{format_tag('close', number)}"
        if placeholder.tag == "a":
            what = f"link to {placeholder.attr('href') or '(no address)'}"
        elif placeholder.tag == "abbr" and placeholder.attr("title"):
            what = f"abbreviation: {placeholder.attr('title')}"
        else:
            what = TAG_WORDS.get(placeholder.tag, placeholder.tag)
        return f"{form} = {what}"
    form = format_tag("self", number)
    if placeholder.kind == "protected" and placeholder.tag in ("video", "audio"):
        return f"{form} = {TAG_WORDS[placeholder.tag]}"
    if placeholder.kind == "protected":
        return f"{form} = not translated: {placeholder.text}"
    what = TAG_WORDS.get(placeholder.tag, placeholder.tag)
    if placeholder.tag == "img" and placeholder.text:
        what = f"image: {placeholder.text}"
    return f"{form} = {what}"


def join_units(segment: Segment, unit_texts: Sequence[str], units: Sequence[Unit]) -> str:
    """Block-level text from translated unit texts: local placeholder numbers are mapped
    back to the block's, and the units are joined with the block's own separators."""
    restored = [
        renumber(text, dict(enumerate(unit.placeholder_map, start=1)))
        if unit.placeholder_map and "{" in text
        else text  # nothing to renumber
        for text, unit in zip(unit_texts, units, strict=True)
    ]
    return segment.join(restored)
