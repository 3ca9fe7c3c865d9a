"""Drafting PO entries from the translation memory and a machine-translation engine.

Only entries no person has touched are filled: untranslated entries, and
fuzzy entries whose text came from a machine or the memory (their notes say
``draft:`` or ``memory:``). Every draft is marked ``#, fuzzy`` with a note
naming its origin. A reviewed entry is never changed; a *changed* entry (a
person's translation of an older source, fuzzy with ``#|``) keeps it, and gets
a fresh draft of the current source in a ``fresh draft:`` note, which the build
publishes instead of the stale translation.

Order of preference for each unit: a reviewed translation of the same
sentence (memory), a stored machine draft for the same engine, version and
glossary, a fuzzy match of a reviewed translation (at or above the
threshold), and last the engine: every pending unit of the whole project,
per language pair, goes to :func:`pipeline.drafting.draft_batch` in one batch
(one engine call, and one more for the units whose draft broke a glossary term).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import polib

from pipeline.catalog import entry_state, read_catalog, relative, write_catalog
from pipeline.config import Config
from pipeline.drafting import FALLBACK_NOTE, draft_batch
from pipeline.glossary import Glossary, find_terms, load_glossary, residue
from pipeline.memory import Draft, TranslationMemory
from pipeline.merge import PRESERVED_NOTE_PREFIXES
from pipeline.mt import Engine, get_engine

Progress = Callable[[int], None]


@dataclass
class Failure:
    path: str
    line: int
    msgid: str
    reason: str

    def __str__(self) -> str:
        short = self.msgid if len(self.msgid) <= 50 else self.msgid[:49] + "…"
        return f"{self.path}:{self.line}: {short!r}: {self.reason}"


@dataclass
class TranslateReport:
    """What a drafting run filled, and from where."""

    memory_exact: int = 0
    memory_drafts: int = 0
    memory_fuzzy: int = 0
    engine_units: int = 0
    engine_calls: int = 0
    fresh_drafts: int = 0
    catalogs_written: list[str] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)


@dataclass
class _Pending:
    path: Path
    entry: polib.POEntry
    fresh: bool


def catalog_paths(config: Config) -> list[Path]:
    """Every target-language catalog of the project."""
    return [
        path
        for lang in config.languages
        for path in sorted((config.locales_dir / lang / "LC_MESSAGES").glob("*.po"))
    ]


def memory_path(config: Config) -> Path:
    return config.state_dir / "memory.sqlite"


def machine_origin(entry: polib.POEntry) -> bool:
    """True when a fuzzy entry's text came from a machine or the memory, not a person."""
    return any(line.startswith(("draft:", "memory:")) for line in (entry.comment or "").split("\n"))


def set_note(entry: polib.POEntry, prefix: str, text: str | None) -> None:
    """Replace the note starting with ``prefix`` (or remove it when ``text`` is None)."""
    lines = [line for line in (entry.comment or "").split("\n") if line and not line.startswith(prefix)]
    if text is not None:
        lines.append(f"{prefix} {text}")
    entry.comment = "\n".join(lines)


def clear_origin_notes(entry: polib.POEntry) -> None:
    for prefix in PRESERVED_NOTE_PREFIXES:
        set_note(entry, prefix, None)


def translate_project(
    config: Config,
    engine_name: str | None = None,
    *,
    jobs: int = 2,
    engine: Engine | None = None,
    only: set[Path] | None = None,
    progress: Progress | None = None,
) -> TranslateReport:
    """Fill the project's catalogs (or the ``only`` ones) with drafts; write only the catalogs
    that changed. ``progress`` is called with the number of units drafted by the engine."""
    paths = [path for path in catalog_paths(config) if only is None or path in only]
    catalogs = {path: read_catalog(path, config.root) for path in paths}
    report = TranslateReport()
    if not catalogs:
        return report
    glossary = load_glossary(config)
    with TranslationMemory(memory_path(config)) as memory:
        harvest(config, memory, catalogs)
        planned: list[tuple[str, str, _Pending]] = []
        for path, catalog in catalogs.items():
            target = catalog.metadata.get("Language", "")
            source = catalog.metadata.get("X-Source-Language") or _other(config, target)
            planned.extend((source, target, item) for entry in catalog if (item := _plan(entry, path)))
        if planned:
            engine = engine or get_engine(engine_name or config.engine, jobs=jobs)
            pending: dict[tuple[str, str], list[_Pending]] = {}
            lookups: dict[tuple[str, str], _Lookup] = {}
            for source, target, item in planned:
                lookup = lookups.setdefault(
                    (source, target),
                    _Lookup(memory, engine, glossary.version, source, target, config.fuzzy_threshold),
                )
                if not _from_memory(item, lookup, report):
                    pending.setdefault((source, target), []).append(item)
            for (source, target), items in pending.items():
                _from_engine(items, engine, memory, glossary, source, target, config, report)
                if progress is not None:
                    progress(len(items))
    for path, catalog in catalogs.items():
        expand_first_mentions(catalog, glossary, config)
        if write_catalog(catalog, path):
            report.catalogs_written.append(relative(config, path))
    return report


BODY_CONTEXTS = ("paragraph", "list item", "quotation", "table cell", "caption")
"""Where a first mention is expanded: body text, not titles, descriptions or headings."""


def expand_first_mentions(catalog: polib.POFile, glossary: Glossary, config: Config) -> None:
    """Newsroom style: the first mention of a term in an article's body gets its expansion
    ("la Secretaría de Seguridad y Protección Ciudadana (SSPC)"), in machine drafts only:
    a person's translation is theirs. Drafts in the memory stay unexpanded, so a repeated
    sentence is not expanded twice."""
    target = catalog.metadata.get("Language", "")
    source = catalog.metadata.get("X-Source-Language") or _other(config, target)
    seen: set[str] = set()
    for entry in catalog:
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
            if entry_state(entry) != "machine" or long_form in entry.msgstr:
                continue  # a person's translation, or the name is spelled out already
            # not in parentheses ("Fiscalía General de la República (FGR)" explains itself)
            # nor inside an element of its own ({1}SSPC{/1}: an abbreviation already explains it)
            pattern = re.compile(r"(?<![\w}(])" + re.escape(short) + r"(?![\w{)])")
            match = pattern.search(entry.msgstr)
            if match is not None:
                entry.msgstr = entry.msgstr[: match.start()] + expansion + entry.msgstr[match.end() :]


def _other(config: Config, lang: str) -> str:
    return next(other for other in config.languages if other != lang)


def harvest(config: Config, memory: TranslationMemory, catalogs: dict[Path, polib.POFile]) -> None:
    """Store every reviewed translation of the project in the memory."""
    for path, catalog in catalogs.items():
        target = catalog.metadata.get("Language", "")
        source = catalog.metadata.get("X-Source-Language") or _other(config, target)
        pairs = [
            (entry.msgid, entry.msgstr, relative(config, path))
            for entry in catalog
            if not entry.obsolete and entry_state(entry) == "reviewed"
        ]
        memory.harvest(source, target, pairs)


def _plan(entry: polib.POEntry, path: Path) -> _Pending | None:
    if entry.obsolete or not entry.msgid:
        return None
    state = entry_state(entry)
    if state == "reviewed":
        clear_origin_notes(entry)  # a person approved the text: it is no longer a draft
        return None
    if state == "untranslated":
        return _Pending(path, entry, fresh=False)
    if state in ("machine", "changed") and machine_origin(entry):
        if entry.previous_msgid:  # a machine draft of an older source: draft the current one
            return _Pending(path, entry, fresh=False)
        if residue(entry.msgid, entry.msgstr):  # debris an older version let through: draft again
            return _Pending(path, entry, fresh=False)
        return None
    if state == "changed":
        return _Pending(path, entry, fresh=True)
    return None


def _fill(item: _Pending, text: str, origin_prefix: str, origin: str, unknown: Sequence[str] = ()) -> None:
    entry = item.entry
    if item.fresh:
        set_note(entry, "fresh draft:", text)
        return
    entry.msgstr = text
    entry.previous_msgid = None
    entry.previous_msgctxt = None
    if "fuzzy" not in entry.flags:
        entry.flags.append("fuzzy")
    clear_origin_notes(entry)
    set_note(entry, origin_prefix, origin)
    if unknown:
        set_note(entry, "unknown to apertium:", ", ".join(unknown))


@dataclass(frozen=True)
class _Lookup:
    memory: TranslationMemory
    engine: Engine
    glossary_version: str
    source: str
    target: str
    threshold: int


def _from_memory(item: _Pending, lookup: _Lookup, report: TranslateReport) -> bool:
    msgid = item.entry.msgid
    memory = lookup.memory
    if not item.fresh:
        exact = memory.reviewed(lookup.source, lookup.target, msgid)
        if exact is not None:
            _fill(item, exact, "memory:", "exact match of a reviewed translation")
            report.memory_exact += 1
            return True
    engine = lookup.engine
    draft = memory.draft(
        engine.name, engine.version, lookup.source, lookup.target, lookup.glossary_version, msgid
    )
    if draft is not None:
        _fill(
            item, draft.translation, "draft:", f"{engine.name} {engine.version} (from memory)", draft.unknown
        )
        if item.fresh:
            report.fresh_drafts += 1
        else:
            report.memory_drafts += 1
        return True
    if not item.fresh:
        match = memory.fuzzy(lookup.source, lookup.target, msgid, lookup.threshold)
        if match is not None:
            _fill(item, match.translation, "memory:", f"{match.score:.0f}% match of: {match.source}")
            report.memory_fuzzy += 1
            return True
    return False


def _from_engine(
    items: list[_Pending],
    engine: Engine,
    memory: TranslationMemory,
    glossary: Glossary,
    source: str,
    target: str,
    config: Config,
    report: TranslateReport,
) -> None:
    batch = draft_batch(engine, glossary, [item.entry.msgid for item in items], source, target)
    report.engine_calls += batch.calls
    report.engine_units += batch.units
    label = f"{engine.name} {engine.version}"
    stored: list[tuple[str, Draft]] = []
    for item, outcome in zip(items, batch.outcomes, strict=True):
        if outcome.text is None:
            report.failures.append(
                Failure(relative(config, item.path), item.entry.linenum, item.entry.msgid, str(outcome.error))
            )
            continue
        _fill(item, outcome.text, "draft:", label, outcome.unknown)
        if outcome.fallback or FALLBACK_NOTE in (item.entry.comment or ""):
            set_note(item.entry, FALLBACK_NOTE, outcome.failure(engine.name) if outcome.fallback else None)
        if item.fresh:
            report.fresh_drafts += 1
        if not outcome.fallback:  # a failed draft is never remembered: the next engine may do better
            stored.append((item.entry.msgid, Draft(outcome.text, outcome.unknown)))
    memory.store_drafts(engine.name, engine.version, source, target, glossary.version, stored)
