"""The placeholder syntax of unit text: ``{1}…{/1}``, ``{2/}``.

Numbered braces read well in Poedit and a text editor, parse unambiguously and
pass through Apertium unchanged in both directions. A paired inline element
(link, emphasis) opens with ``{n}`` and closes with ``{/n}``; an element with no
translatable content (a line break, an image, a ``translate="no"`` span) is
``{n/}``. Source text that happens to look like a placeholder is turned into a
protected placeholder by the parser, so the syntax needs no escape.

>>> [t.form for t in tokens("See {1}the {2/} report{/1}.")]
['open', 'self', 'close']
>>> renumber("{2}a{/2} {5/}", {2: 1, 5: 2})
'{1}a{/1} {2/}'
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Literal, NamedTuple

PLACEHOLDER_RE = re.compile(r"\{(/?)(\d{1,4})(/?)\}")
"""Matches one placeholder; group 1 is ``/`` for a close, group 3 for a self-closing one."""

Form = Literal["open", "close", "self"]


class Tag(NamedTuple):
    """One placeholder occurrence in a text (a named tuple: texts are split into tags by
    the hundred thousand, and a tuple is made in a fraction of a dataclass's time)."""

    form: Form
    id: int
    start: int
    end: int

    def __str__(self) -> str:
        return format_tag(self.form, self.id)


def format_tag(form: Form, number: int) -> str:
    """The written form of a placeholder.

    >>> format_tag("open", 3), format_tag("close", 3), format_tag("self", 4)
    ('{3}', '{/3}', '{4/}')
    """
    if form == "open":
        return f"{{{number}}}"
    if form == "close":
        return f"{{/{number}}}"
    return f"{{{number}/}}"


def tokens(text: str) -> list[Tag]:
    """Every placeholder in ``text``, in order. ``{/1/}`` is not a placeholder."""
    found: list[Tag] = []
    if "{" not in text:
        return found
    for match in PLACEHOLDER_RE.finditer(text):
        closing, number, selfclosing = match.groups()
        if closing:
            if selfclosing:
                continue
            form: Form = "close"
        else:
            form = "self" if selfclosing else "open"
        start, end = match.span()
        found.append(Tag(form, int(number), start, end))
    return found


def split(text: str) -> list[str | Tag]:
    """``text`` as alternating plain strings and tags (empty strings omitted)."""
    parts: list[str | Tag] = []
    pos = 0
    for tag in tokens(text):
        if tag.start > pos:
            parts.append(text[pos : tag.start])
        parts.append(tag)
        pos = tag.end
    if pos < len(text):
        parts.append(text[pos:])
    return parts


def strip(text: str) -> str:
    """``text`` without its placeholders.

    >>> strip("See {1}the report{/1}{2/}.")
    'See the report.'
    """
    if "{" not in text:
        return text
    return "".join(part for part in split(text) if isinstance(part, str))


def renumber(text: str, mapping: Mapping[int, int]) -> str:
    """Replace placeholder numbers through ``mapping``; unmapped numbers stay."""

    def replace(match: re.Match[str]) -> str:
        closing, number, selfclosing = match.groups()
        if closing and selfclosing:
            return match.group(0)
        new = mapping.get(int(number), int(number))
        return "{" + closing + str(new) + selfclosing + "}"

    return PLACEHOLDER_RE.sub(replace, text)


def problems(text: str, expected: Iterable[tuple[int, bool]]) -> list[str]:
    """What is wrong with the placeholders of a translation.

    ``expected`` gives each placeholder of the source as ``(number, paired)``.
    Returns human-readable problems: missing, extra, repeated, unbalanced or
    wrongly nested placeholders. An empty list means the translation may be
    reassembled.

    >>> problems("{1}a{/1}", [(1, True)])
    []
    >>> problems("{1}a", [(1, True), (2, False)])
    ['{1} is never closed', 'missing {2/}']
    """
    wanted = dict(expected)
    found: list[str] = []
    seen: dict[int, int] = {}
    stack: list[int] = []
    for tag in tokens(text):
        paired = wanted.get(tag.id)
        if paired is None or (paired and tag.form == "self") or (not paired and tag.form != "self"):
            found.append(f"unexpected {tag}")
            continue
        if tag.form in ("open", "self"):
            seen[tag.id] = seen.get(tag.id, 0) + 1
            if seen[tag.id] == 2:
                found.append(f"{tag} appears more than once")
            if tag.form == "open":
                stack.append(tag.id)
        else:
            if tag.id not in stack:
                found.append(f"{tag} closes nothing open")
            elif stack[-1] != tag.id:
                found.append(f"{tag} closes before {format_tag('close', stack[-1])}")
                stack.remove(tag.id)
            else:
                stack.pop()
    for number in stack:
        found.append(f"{format_tag('open', number)} is never closed")
    for number, paired in wanted.items():
        if number not in seen:
            found.append(f"missing {format_tag('open' if paired else 'self', number)}")
    return found


WORD_RE = re.compile(r"[^\W_]+(?:[-\u2011'\u2019.,][^\W_]+)*")


@lru_cache(maxsize=1 << 12)
def count_words(text: str) -> int:
    """Words of ``text`` not counting placeholders: runs of letters and digits,
    allowing inner ``- ' . ,`` (so "1,500" and "cartel-related" are one word).

    >>> count_words("Over {1}1,500{/1} pounds of cartel-related meth{2/}.")
    6
    """
    return len(WORD_RE.findall(strip(text)))
