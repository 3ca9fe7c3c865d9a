"""Merging new units into a catalog, with GNU msgmerge's semantics, in process.

For each unit of the new template, in order:

1. an entry with the same msgctxt and msgid keeps its translation, flags and
   comments;
2. else an entry with the same msgid (another msgctxt: the sentence moved to
   another kind of block, or a repeat was renumbered) keeps its translation
   too. msgmerge would mark it fuzzy; Puente does not, because the translated
   text is exactly the same and a translator's work must never be demoted;
3. else the most similar translated entry (rapidfuzz's normalised InDel
   ratio, the measure closest to msgmerge's ``fstrcmp``, at 60 % or more)
   lends its translation, marked ``#, fuzzy`` with the previous msgid and
   msgctxt in ``#|``;
4. else the unit is new and untranslated.

Translated entries that served no unit become obsolete ``#~`` entries, and
obsolete entries are kept (and revived when their unit comes back), as
msgmerge does. Extracted comments come from the new units, except those a
later step wrote (``PRESERVED_NOTE_PREFIXES``), which stay with their entry.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import polib
from rapidfuzz import fuzz, process

PRESERVED_NOTE_PREFIXES = ("draft:", "fresh draft:", "unknown to apertium:", "memory:", "draft failed:")


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


def _preserved_notes(entry: polib.POEntry) -> list[str]:
    """Notes of the drafting step, kept while the entry is a draft: once a person has
    reviewed it (no fuzzy flag) the text is theirs and the notes no longer describe it."""
    if entry.msgstr and "fuzzy" not in entry.flags:
        return []
    return [line for line in (entry.comment or "").split("\n") if line.startswith(PRESERVED_NOTE_PREFIXES)]


def _carry(old: polib.POEntry, new: polib.POEntry) -> polib.POEntry:
    """``new`` (a template entry) with the translation and translator's data of ``old``."""
    notes = [line for line in (new.comment or "").split("\n") if line]
    notes += [line for line in _preserved_notes(old) if line not in notes]
    return polib.POEntry(
        msgctxt=new.msgctxt,
        msgid=new.msgid,
        msgstr=old.msgstr,
        comment="\n".join(notes),
        tcomment=old.tcomment,
        occurrences=new.occurrences,
        flags=[flag for flag in old.flags if flag != "fuzzy"],
        previous_msgctxt=None,
        previous_msgid=None,
    )


def merge_units(
    old_entries: Sequence[polib.POEntry], template: Sequence[polib.POEntry], *, threshold: int = 60
) -> tuple[list[polib.POEntry], MergeStats]:
    """The entries of the updated catalog: one per template entry, then the obsolete ones."""
    stats = MergeStats()
    active = [entry for entry in old_entries if not entry.obsolete]
    obsolete = [entry for entry in old_entries if entry.obsolete]
    by_key = {(entry.msgctxt, entry.msgid): entry for entry in [*obsolete, *active]}
    by_msgid: dict[str, list[polib.POEntry]] = {}
    for entry in [*active, *obsolete]:
        by_msgid.setdefault(entry.msgid, []).append(entry)
    used: set[int] = set()
    result: list[polib.POEntry | None] = []
    pending: list[int] = []
    for position, new in enumerate(template):
        match = by_key.get((new.msgctxt, new.msgid))
        if match is None or id(match) in used:
            match = next((e for e in by_msgid.get(new.msgid, []) if id(e) not in used and e.msgstr), None)
        if match is not None:
            used.add(id(match))
            entry = _carry(match, new)
            if "fuzzy" in match.flags:
                entry.flags.append("fuzzy")
                entry.previous_msgid = match.previous_msgid
                entry.previous_msgctxt = match.previous_msgctxt
            result.append(entry)
            stats.kept += 1
        else:
            result.append(None)
            pending.append(position)
    candidates = [entry for entry in active if id(entry) not in used and entry.msgstr]
    choices = [entry.msgid for entry in candidates]
    for position in pending:
        new = template[position]
        best = (
            process.extractOne(new.msgid, choices, scorer=fuzz.ratio, score_cutoff=threshold)
            if choices
            else None
        )
        if best is None:
            result[position] = _carry(polib.POEntry(msgstr=""), new)
            stats.new += 1
            continue
        source = candidates[best[2]]
        used.add(id(source))
        entry = _carry(source, new)
        entry.flags.append("fuzzy")
        entry.previous_msgid = source.previous_msgid or source.msgid
        entry.previous_msgctxt = source.previous_msgctxt if source.previous_msgid else source.msgctxt
        result[position] = entry
        stats.fuzzy += 1
    merged = [entry for entry in result if entry is not None]
    for entry in [*active, *obsolete]:
        if id(entry) in used or not entry.msgstr:
            continue
        if entry.obsolete:
            merged.append(entry)
            continue
        retired = _carry(
            entry, polib.POEntry(msgctxt=entry.msgctxt, msgid=entry.msgid, comment=entry.comment)
        )
        retired.flags = list(entry.flags)
        retired.previous_msgid = entry.previous_msgid
        retired.previous_msgctxt = entry.previous_msgctxt
        retired.obsolete = True
        merged.append(retired)
        stats.obsolete += 1
    return merged, stats
