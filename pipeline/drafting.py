"""Drafting unit texts through the glossary and a machine-translation engine.

:func:`draft_batch` is how Puente drafts a batch of unit texts. The glossary terms of
each text are masked (:func:`pipeline.glossary.mask`), the batch goes to the engine in
one call (each distinct masked text once), and each draft gets its approved terms back
and is verified (:func:`pipeline.glossary.restore`): every token back whole exactly
once, nothing token-like left, every approved term present. The units whose draft
fails are drafted again, all of them in one more engine call, two other ways:

1. with the tokens written the other way (bare numbers instead of ``{901/}``, or the
   reverse);
2. with the broken terms left as text for the engine, each then put back by alignment:
   the engine's translation of the term alone (sent in the same call), the approved
   term, or the term as the source writes it, found in the draft as many times as the
   source has the term, is replaced by the approved term.

The first way that verifies wins. A unit no way drafts soundly gets its source text and
is marked ``fallback``: debris never reaches a draft, and the caller reports the unit.

Engines that read the digits of ``{901/}`` as a word and its braces as spacing, moving
one without the other (Apertium), are sent bare-number tokens from the start.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pipeline
from pipeline.glossary import Glossary, Masked, TokenStyle, find_phrase, mask, restore
from pipeline.mt import Engine

HEADING_KINDS = ("title", "heading")


def draft_key(glossary_version: str, locales: Mapping[str, str]) -> str:
    """What shaped an engine draft besides the engine: the glossary, the draft rules
    (:mod:`pipeline.rules`, by their version) and the project's locales. Stored drafts
    are found again only under the same key.

    >>> draft_key("ab12", {"en": "en_US", "es": "es_MX"})
    'ab12+rules1+en_US+es_MX'
    """
    version = pipeline.RULES_VERSION  # read at each call: a test may change it
    return "+".join([glossary_version, f"rules{version}", *(locales[lang] for lang in sorted(locales))])


def kind_of(msgctxt: str | None) -> str:
    """The block kind of a PO entry from its msgctxt ("heading (2)" → "heading").

    >>> kind_of("heading (2)"), kind_of("list item"), kind_of(None)
    ('heading', 'list item', 'paragraph')
    """
    if not msgctxt:
        return "paragraph"
    return re.sub(r"\s*\(\d+\)$", "", msgctxt)


PREFERRED_STYLE: dict[str, TokenStyle] = {"apertium": "digits"}
"""How each engine is sent tokens first (others get ``{901/}``, which online providers keep)."""

FALLBACK_NOTE = "draft failed:"
"""The PO note on a unit whose draft failed verification and got its source text instead."""


@dataclass(frozen=True)
class DraftOutcome:
    """The draft of one text.

    ``text`` is the draft (the source text when ``fallback``; None when the engine itself
    failed, ``error`` saying why); ``unknown`` the words the engine did not know;
    ``problems`` what was wrong with the first draft (empty when it was sound).
    """

    text: str | None
    unknown: tuple[str, ...] = ()
    problems: tuple[str, ...] = ()
    fallback: bool = False
    error: str | None = None

    @property
    def redrafted(self) -> bool:
        """True when the first draft failed and another way gave a sound one."""
        return bool(self.problems) and not self.fallback and self.text is not None

    def failure(self, engine_name: str) -> str:
        """One line for the PO note and the check's message of a fallback."""
        problems = " ".join("; ".join(self.problems).split())  # an engine's line breaks stay out of the note
        return f"{engine_name} broke glossary terms ({problems}); the source text stands in"


@dataclass
class DraftBatch:
    """The outcome of every text, in order, and what the engine was asked."""

    outcomes: list[DraftOutcome] = field(default_factory=list)
    calls: int = 0
    units: int = 0


def draft_batch(
    engine: Engine,
    glossary: Glossary,
    texts: Sequence[str],
    source_lang: str,
    target_lang: str,
    *,
    style: TokenStyle | None = None,
    deadline: float | None = None,
    carry: Mapping[str, Mapping[str, str]] | None = None,
) -> DraftBatch:
    """Draft ``texts`` through ``glossary`` and ``engine``: one engine call for the batch (each
    distinct masked text once), and at most one more for the units whose draft failed.

    ``style`` forces how tokens are written first (default: the engine's preferred way);
    ``deadline`` (a ``time.monotonic()`` value) is the engine's, for both calls; ``carry``
    maps a text to its placeholders that travel as tokens like the terms' (see
    :func:`pipeline.glossary.mask`), each to what it stands for.
    """
    first_style = style or PREFERRED_STYLE.get(engine.name, "braces")
    distinct = list(dict.fromkeys(texts))
    carried = carry or {}
    masked = {
        text: mask(glossary, text, source_lang, target_lang, style=first_style, carry=carried.get(text))
        for text in distinct
    }
    batch = DraftBatch()
    answers = _ask(engine, [m.text for m in masked.values()], source_lang, target_lang, batch, deadline)
    outcomes: dict[str, DraftOutcome] = {}
    failed: dict[str, tuple[Masked, tuple[str, ...], tuple[int, ...]]] = {}
    for text, first in masked.items():
        translation, unknown, error = answers[first.text]
        if translation is None:
            outcomes[text] = DraftOutcome(None, error=error or "failed")
            continue
        restored = restore(first, translation)
        if restored.problems:
            failed[text] = (first, restored.problems, restored.broken)
        else:
            outcomes[text] = DraftOutcome(restored.text, unknown)
    if failed:
        outcomes.update(
            _redraft(engine, glossary, failed, source_lang, target_lang, batch, deadline, carried)
        )
    batch.outcomes = [outcomes[text] for text in texts]
    return batch


_Answer = tuple[str | None, tuple[str, ...], str | None]


def _ask(
    engine: Engine,
    texts: list[str],
    source_lang: str,
    target_lang: str,
    batch: DraftBatch,
    deadline: float | None = None,
) -> dict[str, _Answer]:
    """The engine's answer for each distinct text, in one call (none for no text)."""
    unique = list(dict.fromkeys(texts))
    if not unique:
        return {}
    result = engine.translate(unique, source_lang, target_lang, deadline=deadline)
    batch.calls += 1
    batch.units += len(unique)
    return {
        text: (result.translations[index], tuple(result.unknown[index]), result.errors[index])
        for index, text in enumerate(unique)
    }


@dataclass(frozen=True)
class _Ways:
    """The other ways one failed text is drafted."""

    other: Masked | None  # tokens written the other way
    aligned: Masked  # broken terms left as text
    problems: tuple[str, ...]


def _redraft(
    engine: Engine,
    glossary: Glossary,
    failed: dict[str, tuple[Masked, tuple[str, ...], tuple[int, ...]]],
    source_lang: str,
    target_lang: str,
    batch: DraftBatch,
    deadline: float | None = None,
    carry: Mapping[str, Mapping[str, str]] | None = None,
) -> dict[str, DraftOutcome]:
    ways: dict[str, _Ways] = {}
    carried = carry or {}
    for text, (first, problems, broken) in failed.items():
        if not first.replacements:
            # nothing of the glossary's broke: the unit's own placeholders did; no way around it
            ways[text] = _Ways(None, first, problems)
            continue
        other: TokenStyle = "braces" if first.style == "digits" else "digits"
        # a carried placeholder is never left as text: the engine would split it as it is
        keep = {
            index
            for index, item in enumerate(first.replacements)
            if not item.carried and (not broken or item.number in broken)
        }
        own = carried.get(text)
        ways[text] = _Ways(
            mask(glossary, text, source_lang, target_lang, style=other, carry=own),
            mask(glossary, text, source_lang, target_lang, style=first.style, keep=keep, carry=own),
            problems,
        )
    wanted: list[str] = []
    for way in ways.values():
        if way.other is not None:
            wanted += [way.other.text, way.aligned.text, *(item.term for item in way.aligned.left)]
    answers = _ask(engine, wanted, source_lang, target_lang, batch, deadline)
    outcomes: dict[str, DraftOutcome] = {}
    for text, way in ways.items():
        outcome = None
        if way.other is not None:
            outcome = _try_other(way, answers) or _try_aligned(way, answers)
            error = answers[way.other.text][2]
            if outcome is None and error is not None and answers[way.aligned.text][0] is None:
                # the engine itself failed this time: leave the unit undrafted, to be asked again
                outcome = DraftOutcome(None, problems=way.problems, error=error)
        outcomes[text] = outcome or DraftOutcome(text, problems=way.problems, fallback=True)
    return outcomes


def _try_other(way: _Ways, answers: dict[str, _Answer]) -> DraftOutcome | None:
    assert way.other is not None
    translation, unknown, _ = answers[way.other.text]
    if translation is None:
        return None
    restored = restore(way.other, translation)
    return None if restored.problems else DraftOutcome(restored.text, unknown, way.problems)


def _try_aligned(way: _Ways, answers: dict[str, _Answer]) -> DraftOutcome | None:
    masked = way.aligned
    translation, unknown, _ = answers[masked.text]
    if translation is None:
        return None
    restored = restore(masked, translation)
    if restored.problems:
        return None
    text = restored.text
    groups: dict[str, list[int]] = {}
    for index, item in enumerate(masked.left):
        groups.setdefault(item.term.casefold(), []).append(index)
    # longest terms first, so that a shorter term never takes a piece of a longer one
    for key in sorted(groups, key=len, reverse=True):
        items = [masked.left[index] for index in groups[key]]
        rendering = answers[items[0].term][0]
        for candidate in dict.fromkeys((items[0].target, rendering or "", items[0].term)):
            spans = find_phrase(text, candidate) if candidate else []
            if len(spans) == len(items):
                for (start, end), item in reversed(list(zip(spans, items, strict=True))):
                    text = text[:start] + item.placeholder + text[end:]
                break
        else:
            return None
    back = restore(Masked("", masked.left, masked.target_lang, masked.source, "braces"), text)
    return None if back.problems else DraftOutcome(back.text, unknown, way.problems)
