"""Drafting: filling a catalog's entries from the translation memory and an engine.

These are steps of the one flow (:mod:`pipeline.build`), on catalogs in memory:

1. :func:`restore_origins`: a fuzzy entry whose drafting notes a tool dropped
   (msgmerge, ``pybabel update``) gets them back from the memory when its text is a
   draft Puente made for this very source; any other fuzzy text is a person's (or a
   draft of another text): its entry is *changed*, never published as current.
2. :func:`plan_drafts`: the entries no person has settled get a draft from the memory
   (a reviewed translation of the same sentence, or the stored draft of the same engine,
   version and draft key), or are listed as pending for the engine. A reviewed
   translation of a *similar* sentence that differs only in numbers, names and glossary
   terms is adapted (:mod:`pipeline.adapt`) and used instead of the engine's draft, after
   the run's exact matches; any other is only offered, as a suggestion in a comment: its
   numbers, names and dates are another article's facts.
3. the engine drafts every pending text of the run in one batch per language pair
   (:func:`engine_drafts`, in the main process), and :func:`apply_drafts` fills them in.
4. :func:`expand_first_mentions`: newsroom style for drafts.

Every draft is fuzzy and names its origin. A reviewed entry is never changed; a
*changed* entry (a person's translation of an older source) keeps it, and gets a
fresh draft of the current source beside it, which the page shows instead of the
stale translation.
"""

from __future__ import annotations

import dataclasses
import logging
import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from rapidfuzz import fuzz, process

from pipeline.drafting import draft_batch
from pipeline.glossary import Glossary, find_terms, residue
from pipeline.memory import ADAPTED, CANDIDATES, Draft, Match, TranslationMemory
from pipeline.model import DraftStats as DraftStats
from pipeline.mt import Engine
from pipeline.po import Catalog, Entry, Origin, Suggestion

if TYPE_CHECKING:
    from pipeline.adapt import Adapted

log = logging.getLogger("puente")

EXACT = "exact match of a reviewed translation"
FROM_MEMORY = "from memory"


@dataclass(frozen=True)
class Pending:
    """An entry that needs an engine draft: its position in the catalog, its text, and
    whether the draft is a fresh draft beside a person's stale translation."""

    index: int
    msgid: str
    fresh: bool
    refresh: bool = False  # a draft made again (``translate --refresh``): a failure keeps the old one
    adapted: Adapted | None = None  # a similar sentence's reviewed translation, adapted: no engine draft


@dataclass(frozen=True)
class EngineDraft:
    """What the engine gave for one text: the draft (None when it failed), the words it
    did not know, and why it failed; ``reviewed`` marks instead a person's reviewed
    translation of the same text, found in this run."""

    text: str | None
    unknown: tuple[str, ...] = ()
    error: str | None = None
    reviewed: bool = False
    suggestion: Suggestion | None = None
    failure: str | None = None  # no sound draft: ``text`` is the source, and this says why
    origin: Origin | None = None  # not the engine's: a reviewed translation adapted (pipeline.adapt)


@dataclass
class MemoryLookup:
    """The memory as drafting sees it: the engine whose stored drafts count, the glossary
    version they were made with, the fuzzy threshold, and the reviewed pairs harvested in
    this run but not stored yet (another article's review counts at once)."""

    memory: TranslationMemory
    engine: str
    engine_version: str
    glossary_version: str
    threshold: int
    fresh_reviewed: dict[tuple[str, str, str], str] = field(default_factory=dict)
    glossary: Glossary | None = None  # with it, similar sentences' translations are adapted
    locale: str = ""  # the target language's locale, for the numbers of an adapted translation

    def reviewed(self, source: str, target: str, msgid: str) -> str | None:
        recent = self.fresh_reviewed.get((source, target, msgid))
        return recent if recent is not None else self.memory.reviewed(source, target, msgid)

    def stored_draft(self, source: str, target: str, msgid: str) -> Draft | None:
        return self.memory.draft(
            self.engine, self.engine_version, source, target, self.glossary_version, msgid
        )

    def adapted(self, msgid: str, matches: Sequence[Match], source: str, target: str) -> Adapted | None:
        """The first of the memory's ``matches`` whose reviewed translation adapts to ``msgid``
        (see :mod:`pipeline.adapt`)."""
        if self.glossary is None:
            return None
        from pipeline.adapt import Candidate, adapt_best  # (the rules it uses: only when there are matches)

        candidates = [Candidate(m.source, m.translation, m.score) for m in matches]
        return adapt_best(msgid, candidates, source, target, self.glossary, self.locale)


def restore_origins(catalog: Catalog, memory: TranslationMemory, source: str, target: str) -> int:
    """Give back their origin to fuzzy entries whose notes were dropped (see the module
    docstring); a text the memory knows as a draft of another source gets that source as
    its previous msgid (``#|``). Returns how many entries changed."""
    restored = 0
    for index, entry in enumerate(catalog.entries):
        if entry.obsolete or not entry.fuzzy or entry.origin is not None or not entry.msgstr:
            continue
        known = memory.provenance(source, target, entry.msgid, entry.msgstr)
        if known is None:
            continue
        if known.kind == "engine":
            origin = Origin("engine", known.engine, known.version, key=known.key)
            catalog.entries[index] = entry.replace(
                origin=origin,
                unknown=entry.unknown or known.unknown,
                previous_msgid=None,
                previous_msgctxt=None,
            )
        elif known.kind == "reviewed":
            catalog.entries[index] = entry.replace(origin=Origin("memory", detail=EXACT))
        elif known.kind == "other-draft" and entry.previous_msgid is None:
            origin = Origin("engine", known.engine, known.version)
            catalog.entries[index] = entry.replace(origin=origin, previous_msgid=known.source)
        elif known.kind == "other-reviewed" and entry.previous_msgid is None:
            catalog.entries[index] = entry.replace(previous_msgid=known.source)
        else:
            continue
        restored += 1
    return restored


def harvest_pairs(catalog: Catalog) -> list[tuple[str, str]]:
    """Every reviewed (source, translation) pair of ``catalog``, for the memory."""
    return [
        (entry.msgid, entry.msgstr)
        for entry in catalog.entries
        if not entry.obsolete and entry.msgid and entry.msgstr and entry.state == "reviewed"
    ]


def plan_drafts(
    catalog: Catalog,
    lookup: MemoryLookup,
    source: str,
    target: str,
    stats: DraftStats,
    redraft: Collection[int] = (),
) -> list[Pending]:
    """Fill what the memory can, in place; return the entries left for the engine.
    ``redraft``: positions of machine drafts to draft again (:mod:`pipeline.refresh`)."""
    pending: list[Pending] = []
    for index, entry in enumerate(catalog.entries):
        item = _needs_draft(index, entry)
        if item is None and index in redraft:
            item = Pending(index, entry.msgid, fresh=False, refresh=True)
            stats.refreshed += 1
        if item is None:
            if entry.state == "reviewed" and (entry.origin or entry.unknown or entry.suggestion):
                catalog.entries[index] = entry.replace(origin=None, unknown=(), suggestion=None)
            continue
        exact = lookup.reviewed(source, target, entry.msgid)
        if exact is not None:
            catalog.entries[index] = _filled(entry, item, exact, Origin("memory", detail=EXACT))
            stats.memory_exact += 1
            log.debug("memory: exact match for %r", _short(entry.msgid))
            continue
        stored = lookup.stored_draft(source, target, entry.msgid)
        if stored is not None:
            log.debug("memory: stored draft for %r", _short(entry.msgid))
            key = lookup.glossary_version  # the draft key (pipeline.rules.draft_key)
            origin = Origin("engine", lookup.engine, lookup.engine_version, FROM_MEMORY, key)
            catalog.entries[index] = _filled(entry, item, stored.translation, origin, stored.unknown)
            stats.fresh_drafts += item.fresh
            stats.memory_drafts += not item.fresh
            continue
        matches = lookup.memory.fuzzy_matches(source, target, entry.msgid, lookup.threshold, CANDIDATES)
        # filled after the run's batch: another article's review of this very sentence, made in
        # this run, comes first
        adapted = lookup.adapted(entry.msgid, matches, source, target)
        if adapted is not None:
            log.debug("memory: %s, adapted for %r", adapted.detail, _short(entry.msgid))
            pending.append(dataclasses.replace(item, adapted=adapted))
            continue
        if not item.fresh and entry.suggestion is None and matches:
            match = matches[0]
            if match.source != entry.msgid:
                suggestion = Suggestion(round(match.score), match.source, match.translation)
                catalog.entries[index] = entry = entry.replace(suggestion=suggestion)
                stats.suggestions += 1
                log.debug("memory: %d%% match suggested for %r", suggestion.score, _short(entry.msgid))
        log.debug("memory: nothing for %r: the engine drafts it", _short(entry.msgid))
        pending.append(item)
    return pending


def _short(text: str) -> str:
    return text if len(text) <= 60 else text[:59] + "…"


def _needs_draft(index: int, entry: Entry) -> Pending | None:
    """Whether ``entry`` needs a draft, and of which kind (None: a person settled it)."""
    if entry.obsolete or not entry.msgid or entry.msgid_plural:
        return None
    state = entry.state
    if state == "untranslated":
        return Pending(index, entry.msgid, fresh=False)
    if state == "reviewed":
        return None
    origin = entry.origin
    if origin is not None:
        if entry.previous_msgid is not None:  # a draft of an older source: draft the current one
            return Pending(index, entry.msgid, fresh=False)
        if residue(entry.msgid, entry.msgstr):  # debris an older version let through: draft again
            return Pending(index, entry.msgid, fresh=False)
        if origin.kind == "memory" and origin.detail != EXACT and not origin.detail.startswith(ADAPTED):
            # a similar sentence's translation, published by an older version: not a draft
            return Pending(index, entry.msgid, fresh=False)
        return None
    if entry.fresh_draft is None:  # a person's text of another source: a fresh draft beside it
        return Pending(index, entry.msgid, fresh=True)
    return None


def _filled(entry: Entry, item: Pending, text: str, origin: Origin, unknown: Sequence[str] = ()) -> Entry:
    if item.fresh:
        return entry.replace(fresh_draft=text)
    suggestion = entry.suggestion
    old = entry.origin
    if suggestion is None and old is not None and old.kind == "memory" and old.detail != EXACT:
        suggestion = _old_suggestion(entry)  # an older fuzzy memory fill, kept as a suggestion
    return entry.replace(
        msgstr=text,
        fuzzy=True,
        previous_msgid=None,
        previous_msgctxt=None,
        origin=origin,
        unknown=tuple(unknown),
        fresh_draft=None,
        suggestion=suggestion,
    )


_OLD_MATCH = re.compile(r"(\d{1,3})(?:\.\d+)?% match of: (.*)\Z")


def _old_suggestion(entry: Entry) -> Suggestion | None:
    match = _OLD_MATCH.match(entry.origin.detail if entry.origin else "")
    return Suggestion(int(match[1]), match[2], entry.msgstr) if match else None


def run_suggestions(
    texts: Sequence[str], reviewed: Mapping[str, str], threshold: int
) -> dict[str, Suggestion]:
    """For each of ``texts``, the most similar source of ``reviewed`` (source → reviewed
    translation, harvested in this run and not in the memory yet), at ``threshold`` % or more."""
    sources = list(reviewed)
    found: dict[str, Suggestion] = {}
    if not sources:
        return found
    for text in texts:
        best = process.extractOne(text, sources, scorer=fuzz.ratio, score_cutoff=threshold)
        if best is not None and best[0] != text:
            found[text] = Suggestion(round(best[1]), best[0], reviewed[best[0]])
    return found


def engine_drafts(
    engine: Engine,
    glossary: Glossary,
    texts: Sequence[str],
    source: str,
    target: str,
    deadline: float | None = None,
    *,
    kinds: Mapping[str, str] | None = None,
    locale: str | None = None,
    rule_names: Collection[str] | None = None,
) -> tuple[dict[str, EngineDraft], int, int]:
    """Draft every distinct text of ``texts`` with ``engine``; return the drafts, the engine
    calls and the units sent.

    Each text goes through the draft rules of :mod:`pipeline.rules` (``prepare`` before the
    engine, ``finish`` after it; ``kinds``: each text's block kind, "heading", "paragraph"...;
    ``locale``: the target language's Babel locale; ``rule_names``: the rules to apply,
    every one by default) and :func:`pipeline.drafting.draft_batch` (glossary terms masked,
    every draft verified, re-drafted or replaced by its source text when a term broke). A
    text no way drafts soundly gets its *original* text, never the rules' prepared one.
    """
    from pipeline import rules  # (loaded by the runs that draft, not by every build)

    unique = list(dict.fromkeys(texts))
    kinds = kinds or {}
    prepared = [
        rules.prepare(text, source, target, kinds.get(text, "paragraph"), locale=locale, glossary=glossary,
                      rules=rule_names)
        for text in unique
    ]  # fmt: skip
    carry: dict[str, dict[str, str]] = {}  # the rules' protected values travel as the terms' tokens do
    for ready in prepared:
        if ready.values:
            carry.setdefault(ready.text, ready.carried)
    batch = draft_batch(
        engine, glossary, [p.text for p in prepared], source, target, deadline=deadline, carry=carry
    )
    drafts: dict[str, EngineDraft] = {}
    for text, ready, outcome in zip(unique, prepared, batch.outcomes, strict=True):
        if outcome.text is None:
            drafts[text] = EngineDraft(None, (), outcome.error or "failed")
        elif outcome.fallback:
            drafts[text] = EngineDraft(text, tuple(outcome.unknown), failure=outcome.failure(engine.name))
        else:
            draft = rules.finish(outcome.text, ready, glossary=glossary)
            drafts[text] = EngineDraft(draft, tuple(outcome.unknown))
    return drafts, batch.calls, batch.units


def apply_drafts(
    catalog: Catalog,
    pending: Iterable[Pending],
    drafts: Mapping[str, EngineDraft],
    origin: Origin,
    stats: DraftStats,
) -> list[tuple[Entry, str]]:
    """Fill the pending entries with the engine's drafts, in place; return the entries
    whose draft failed, with the reason."""
    failures = []
    for item in pending:
        draft = drafts.get(item.msgid)
        entry = catalog.entries[item.index]
        if draft is not None and draft.suggestion is not None and entry.suggestion is None:
            catalog.entries[item.index] = entry = entry.replace(suggestion=draft.suggestion)
            stats.suggestions += 1
        if draft is None or draft.text is None:
            failures.append((entry, draft.error if draft is not None and draft.error else "failed"))
            continue
        if item.refresh and draft.failure is not None:
            failures.append((entry, draft.failure))  # the draft it has is sound: it stays
            continue
        filled = _filled(entry, item, draft.text, draft.origin or origin, draft.unknown)
        if not item.fresh and (draft.failure is not None or filled.failure is not None):
            filled = filled.replace(failure=draft.failure)
        catalog.entries[item.index] = filled
        stats.fresh_drafts += item.fresh
        stats.memory_adapted += draft.origin is not None and not item.fresh
    return failures


BODY_CONTEXTS = ("paragraph", "list item", "quotation", "table cell", "caption")
"""Where a first mention is expanded: body text, not titles, descriptions or headings."""


def expand_first_mentions(catalog: Catalog, glossary: Glossary, source: str, target: str) -> None:
    """Newsroom style: the first mention of a term in an article's body gets its expansion
    ("la Secretaría de Seguridad y Protección Ciudadana (SSPC)"), in machine drafts only:
    a person's translation is theirs. Drafts in the memory stay unexpanded, so a repeated
    sentence is not expanded twice."""
    seen: set[str] = set()
    for index, entry in enumerate(catalog.entries):
        if entry.obsolete or not (entry.msgctxt or "").startswith(BODY_CONTEXTS):
            continue
        for hit in find_terms(glossary, entry.msgid, source):
            term = hit.term
            expansion = term.en_expansion if target == "en" else term.es_expansion
            if not expansion or term.id in seen:
                continue
            seen.add(term.id)
            short = term.target(target, hit.form_index) if not term.dnt else hit.text
            long_form = expansion.replace(f"({short})", "").strip()
            if entry.state != "machine" or entry.edited or long_form in entry.msgstr:
                continue  # a person's translation (or edit), or the name is spelled out already
            # not in parentheses ("Fiscalía General de la República (FGR)" explains itself)
            # nor inside an element of its own ({1}SSPC{/1}: an abbreviation already explains it)
            pattern = re.compile(r"(?<![\w}(])" + re.escape(short) + r"(?![\w{)])")
            match = pattern.search(entry.msgstr)
            if match is not None:
                text = entry.msgstr[: match.start()] + expansion + entry.msgstr[match.end() :]
                # Puente's own change: the draft's fingerprint is taken again when it is written
                origin = dataclasses.replace(entry.origin, fingerprint="") if entry.origin else None
                catalog.entries[index] = entry = entry.replace(msgstr=text, origin=origin)
