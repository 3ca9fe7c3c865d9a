"""The plain data of an XLIFF file as Puente reads it, and its errors.

An XLIFF document (1.2 or 2.x) becomes one :class:`XliffFile` per ``<file>``
element: the catalog it belongs to (``original``), its languages and its
:class:`XliffUnit` values, whose source and target are already in Puente's
placeholder syntax (``{1}…{/1}``, ``{2/}``). What cannot be read in one unit
(an inline code Puente did not write, an id that is not a number) is kept in
:attr:`XliffUnit.problems`, so that an import can report every problem of every
file at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from pipeline.errors import PipelineError

Version = Literal["1.2", "2.1"]
"""The XLIFF versions Puente writes (it reads 1.2, 1.1 and every 2.x)."""

VERSIONS: tuple[Version, ...] = ("1.2", "2.1")

XLIFF12 = "urn:oasis:names:tc:xliff:document:1.2"
XLIFF11 = "urn:oasis:names:tc:xliff:document:1.1"
XLIFF2 = "urn:oasis:names:tc:xliff:document:2.0"
"""XLIFF 2.1 keeps the namespace of 2.0."""

XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"


class XliffError(PipelineError):
    """An XLIFF file cannot be read, written or imported."""


class XliffRefused(XliffError):
    """An import found problems: nothing was written. ``problems`` has every one of them
    (``str()`` is one ``path:line: message`` line per problem)."""

    def __init__(self, problems: Sequence[PipelineError]) -> None:
        first = problems[0]
        super().__init__(first.path, first.line, first.message)
        self.problems = list(problems)
        self.args = ("\n".join(str(problem) for problem in self.problems),)

    def __reduce__(self) -> tuple[type[XliffError], tuple[str, int | None, str]]:
        return XliffError, (self.path, self.line, str(self))


@dataclass(frozen=True)
class Note:
    """A ``<note>`` of a unit: its text and who wrote it (1.2 ``from``, 2.x ``category``;
    empty when the note does not say)."""

    text: str
    author: str = ""


@dataclass(frozen=True)
class XliffUnit:
    """One ``<trans-unit>`` (1.2) or ``<unit>`` (2.x).

    ``target`` is None when the unit has no target element; ``state`` is the raw state
    value (1.2: of ``<target>``; 2.x: of the least advanced ``<segment>``), ``approved``
    the 1.2 ``approved="yes"`` flag. ``line`` is where the unit starts in its file.
    """

    id: str
    line: int
    source: str
    target: str | None = None
    state: str | None = None
    approved: bool = False
    name: str | None = None
    notes: tuple[Note, ...] = ()
    problems: tuple[str, ...] = ()


@dataclass(frozen=True)
class XliffFile:
    """One ``<file>`` of an XLIFF document read from ``path`` (as the user named it)."""

    path: str
    line: int
    version: str
    original: str
    source_lang: str
    target_lang: str
    units: tuple[XliffUnit, ...]

    @property
    def family(self) -> Literal["1", "2"]:
        """``1`` for XLIFF 1.x files, ``2`` for 2.x (their states differ)."""
        return "1" if self.version.startswith("1") else "2"
