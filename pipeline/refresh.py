"""Which machine drafts predate the current glossary, draft rules or engine.

Every engine draft Puente writes records what made it: the engine and its version in
``#. draft: apertium 0.8.1-2``, and the draft key (:func:`pipeline.rules.draft_key`: the
glossary's version, the draft rules' and the project's locales) with a fingerprint of
the text in ``#. draft key: …; text …`` (:mod:`pipeline.po.notes`). A draft *predates*
the current setup when any of these differ, or when it records no key (Puente wrote it
before it kept keys). A glossary term added later never reaches such a draft on its own:
the build leaves machine drafts as they are, because a translator may be reading them,
and says how many predate the current setup; ``puente translate --refresh`` drafts them
again (:func:`refreshable` lists them for :func:`pipeline.translate.plan_drafts`).

Never refreshed: reviewed entries (a person's translation), drafts a person edited (the
text no longer matches its fingerprint, even if it is still fuzzy), changed entries (a
person's translation of an older source), and the memory's exact matches of a reviewed
translation (a person's, not the engine's).
"""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.po import Catalog, Entry


@dataclass(frozen=True)
class Drafter:
    """What makes an engine draft now: the engine, its version and the draft key."""

    engine: str
    version: str
    key: str


def predates(entry: Entry, current: Drafter) -> bool:
    """True for an unedited machine draft of an engine that ``current`` did not make."""
    origin = entry.origin
    if entry.state != "machine" or origin is None or origin.kind != "engine" or entry.edited:
        return False
    return (origin.name, origin.version, origin.key) != (current.engine, current.version, current.key)


def refreshable(catalog: Catalog, current: Drafter) -> list[int]:
    """The positions in ``catalog`` of the drafts that predate ``current``."""
    return [
        index
        for index, entry in enumerate(catalog.entries)
        if not entry.obsolete and not entry.msgid_plural and predates(entry, current)
    ]
