"""Puente's catalog model: typed PO entries and catalogs, no I/O.

A PO entry carries, besides gettext's fields, what Puente knows about its
text: where a draft came from (:class:`Origin`), the fresh draft of a changed
source, the words the engine did not know and a translation-memory
suggestion. In the file these travel as extracted comments (``#. draft:
apertium 0.8.1-2``...); :mod:`pipeline.po.notes` is the one place that writes
and reads them, and :mod:`pipeline.po.codec` the one place that reads and
writes PO text.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal

from pipeline.records import replace

EntryState = Literal["reviewed", "machine", "changed", "untranslated"]
"""What a person has done with an entry (see :attr:`Entry.state`)."""

STATES: tuple[EntryState, ...] = ("reviewed", "machine", "changed", "untranslated")

OriginKind = Literal["engine", "memory"]


@dataclass(frozen=True, slots=True)
class Origin:
    """Where the text of a draft came from: an engine (``name`` and ``version``, ``detail``
    such as "from memory" when a stored draft was reused) or the translation memory
    (``detail`` says which match).

    An engine's draft also records ``key``, what shaped it besides the engine (the
    glossary's version, the draft rules' and the locales: :func:`pipeline.rules.draft_key`),
    and ``fingerprint``, a short hash of the text as Puente wrote it (empty until the entry
    is written): a text that no longer matches it was edited by a person.
    """

    kind: OriginKind
    name: str = ""
    version: str = ""
    detail: str = ""
    key: str = ""
    fingerprint: str = ""


def fingerprint(text: str) -> str:
    """A short hash of a draft's text: Puente writes it beside the draft (``#. draft key:``),
    so that a later edit of the text shows.

    >>> fingerprint("La DEA dijo.")
    '5ed4b2cb'
    """
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:8]


@dataclass(frozen=True, slots=True)
class Suggestion:
    """A reviewed translation of a similar sentence, offered to the translator (never
    published as it is): ``score`` in percent, the memory's ``source`` and ``translation``."""

    score: int
    source: str
    translation: str


@dataclass(frozen=True, slots=True)
class Entry:
    """One PO entry.

    ``notes`` are the extracted comments (``#.``) that describe the unit (what kind of
    block, what each placeholder stands for, glossary terms); Puente's drafting notes are
    the typed fields ``origin``, ``fresh_draft``, ``unknown`` and ``suggestion``.
    ``failure`` says why no sound machine draft could be made (the source text stands in).
    ``comments`` are the translator's own comments (``#``), ``references`` the ``#:``
    locations, ``flags`` every flag but ``fuzzy``. ``line`` is where the entry starts in
    the file it was read from (0 for a new entry).
    """

    msgid: str
    msgstr: str = ""
    msgctxt: str | None = None
    msgid_plural: str | None = None
    msgstr_plural: tuple[str, ...] = ()
    fuzzy: bool = False
    flags: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    comments: tuple[str, ...] = ()
    references: tuple[str, ...] = ()
    previous_msgctxt: str | None = None
    previous_msgid: str | None = None
    previous_msgid_plural: str | None = None
    obsolete: bool = False
    line: int = 0
    origin: Origin | None = None
    fresh_draft: str | None = None
    unknown: tuple[str, ...] = ()
    suggestion: Suggestion | None = None
    failure: str | None = None

    @property
    def key(self) -> tuple[str | None, str]:
        """What identifies the entry in its catalog: (msgctxt, msgid)."""
        return (self.msgctxt, self.msgid)

    @property
    def translated(self) -> bool:
        return bool(self.msgstr) or any(self.msgstr_plural)

    @property
    def state(self) -> EntryState:
        """reviewed: translated and not fuzzy; machine: a fuzzy draft whose text came from
        an engine or the memory for this very source; changed: fuzzy text of a person (a
        translation of an older or another source, whatever tool marked it), or a draft
        of an older source (``#|``); untranslated: no text."""
        if not self.translated:
            return "untranslated"
        if not self.fuzzy:
            return "reviewed"
        if self.origin is not None and self.previous_msgid is None:
            return "machine"
        return "changed"

    @property
    def edited(self) -> bool:
        """A draft whose text a person changed since Puente wrote it (its fingerprint no
        longer matches): theirs now, even while it stays fuzzy."""
        mark = self.origin.fingerprint if self.origin is not None else ""
        return bool(mark) and mark != fingerprint(self.msgstr)

    @property
    def machine_made(self) -> bool:
        """A fuzzy text that an engine or the memory made (for this or an older source)."""
        return self.fuzzy and self.origin is not None

    def replace(self, **changes: object) -> Entry:
        return replace(self, **changes)


HeaderFields = dict[str, str]


@dataclass(slots=True)
class Catalog:
    """A PO or POT file: the header comment (without ``# ``), its fields in file order, and
    the entries (active ones in order, then obsolete ones)."""

    header_comment: str = ""
    fields: HeaderFields = field(default_factory=dict)
    entries: list[Entry] = field(default_factory=list)
    header_flags: tuple[str, ...] = ()

    def __iter__(self) -> Iterator[Entry]:
        return iter(self.entries)

    def __len__(self) -> int:
        return len(self.entries)

    @property
    def active(self) -> list[Entry]:
        return [entry for entry in self.entries if not entry.obsolete]

    @property
    def obsolete(self) -> list[Entry]:
        return [entry for entry in self.entries if entry.obsolete]

    @property
    def language(self) -> str:
        """The ``Language`` header's language part ("es" for ``es_MX``)."""
        return self.fields.get("Language", "").replace("-", "_").split("_")[0]

    def by_key(self) -> dict[tuple[str | None, str], Entry]:
        """Active entries by (msgctxt, msgid)."""
        return {entry.key: entry for entry in self.entries if not entry.obsolete}
