"""Merging new units into a catalog, with GNU msgmerge's semantics, in process.

For each entry of the new template, in order:

1. an entry with the same msgctxt and msgid keeps its translation, flags and
   comments;
2. else an entry with the same msgid (another msgctxt: the sentence moved to
   another kind of block, or a repeat was renumbered) keeps its translation
   too. msgmerge would mark it fuzzy; Puente does not, because the translated
   text is exactly the same and a translator's work must never be demoted;
3. else the most similar translated entry (rapidfuzz's normalised InDel
   ratio, the measure closest to msgmerge's ``fstrcmp``, at the threshold or
   more, 60 % by default) lends its translation, marked fuzzy with the previous
   msgid and msgctxt (``#|``);
4. else the unit is new and untranslated.

Translated entries that served no entry become obsolete ``#~`` entries (plural
entries a translator added included), and obsolete entries are kept (and revived
when their unit comes back), as msgmerge does. Notes and references come from the
template; the translator's comments, flags and Puente's drafting notes stay with
their translation. Format flags (``c-format``, ``python-format``...) that other
tools add are dropped: Puente's units are never format strings, and a flag would
make ``msgfmt --check`` test the translation as one.
"""

from __future__ import annotations

from collections.abc import Sequence

from rapidfuzz import fuzz, process

from pipeline.model import MergeStats as MergeStats
from pipeline.po.model import Entry

DEFAULT_THRESHOLD = 60


def own_flags(flags: Sequence[str]) -> tuple[str, ...]:
    """``flags`` without the format flags other tools add.

    >>> own_flags(["python-format", "puente-ignore-numbers", "no-c-format"])
    ('puente-ignore-numbers',)
    """
    return tuple(flag for flag in flags if not flag.endswith("-format"))


def _carry(old: Entry, new: Entry) -> Entry:
    """``new`` (a template entry) with the translation and the translator's data of ``old``."""
    return new.replace(
        msgstr=old.msgstr,
        msgid_plural=old.msgid_plural if old.msgid == new.msgid else None,
        msgstr_plural=old.msgstr_plural if old.msgid == new.msgid else (),
        fuzzy=old.fuzzy,
        flags=own_flags(old.flags),
        comments=old.comments,
        previous_msgctxt=old.previous_msgctxt if old.fuzzy else None,
        previous_msgid=old.previous_msgid if old.fuzzy else None,
        previous_msgid_plural=old.previous_msgid_plural if old.fuzzy else None,
        # drafting notes describe a draft: a translation a person settled (not fuzzy) is
        # theirs even where their tool kept the "draft:" comment
        origin=old.origin if old.fuzzy else None,
        fresh_draft=old.fresh_draft,
        unknown=old.unknown if old.fuzzy else (),
        suggestion=old.suggestion,
        failure=old.failure,
    )


def merge_entries(
    old_entries: Sequence[Entry], template: Sequence[Entry], *, threshold: int = DEFAULT_THRESHOLD
) -> tuple[list[Entry], MergeStats]:
    """The entries of the updated catalog: one per template entry, then the obsolete ones."""
    stats = MergeStats()
    active = [entry for entry in old_entries if not entry.obsolete]
    obsolete = [entry for entry in old_entries if entry.obsolete]
    by_key = {entry.key: index for index, entry in enumerate([*obsolete, *active])}
    pool = [*obsolete, *active]
    by_msgid: dict[str, list[int]] = {}
    for index in [*range(len(obsolete), len(pool)), *range(len(obsolete))]:  # active ones first
        by_msgid.setdefault(pool[index].msgid, []).append(index)
    used: set[int] = set()
    result: list[Entry | None] = []
    pending: list[int] = []
    for position, new in enumerate(template):
        match = by_key.get(new.key)
        if match is None or match in used:
            match = next(
                (i for i in by_msgid.get(new.msgid, []) if i not in used and pool[i].translated), None
            )
        if match is not None:
            used.add(match)
            result.append(_carry(pool[match], new).replace(obsolete=False))
            stats.kept += 1
        else:
            result.append(None)
            pending.append(position)
    first_active = len(obsolete)
    candidates = [i for i in range(first_active, len(pool)) if i not in used and pool[i].translated]
    choices = [pool[i].msgid for i in candidates]
    for position in pending:
        new = template[position]
        best = (
            process.extractOne(new.msgid, choices, scorer=fuzz.ratio, score_cutoff=threshold)
            if choices
            else None
        )
        if best is None:
            result[position] = new
            stats.new += 1
            continue
        index = candidates[best[2]]
        used.add(index)  # it may lend its translation to another similar unit too, as in msgmerge
        source = pool[index]
        entry = _carry(source, new).replace(
            fuzzy=True,
            previous_msgid=source.previous_msgid or source.msgid,
            previous_msgctxt=source.previous_msgctxt if source.previous_msgid else source.msgctxt,
            fresh_draft=None,
            suggestion=None,
            failure=None,
        )
        result[position] = entry
        stats.fuzzy += 1
    merged = [entry for entry in result if entry is not None]
    for index, entry in enumerate(pool):
        if index in used or not entry.translated:
            continue
        if not entry.obsolete:
            stats.obsolete += 1
        merged.append(
            entry.replace(obsolete=True, references=(), notes=(), fresh_draft=None, suggestion=None)
        )
    return merged, stats
