"""``puente build``, ``extract`` and ``translate``: one flow, one pass, all or nothing.

::

    load the project once: settings, termbase, page template, build cache
    ├─ per changed article, in workers: read the source and its catalog (once each),
    │  parse, segment, merge, restore drafting notes, fill from the memory
    │  └─ nothing left for the engine: assemble, check, render, stage (same worker)
    ├─ one engine batch per language pair over every text still pending (main process)
    ├─ per article that waited for it, in workers: fill, assemble, check, render, stage
    └─ commit: room tried and memory, then catalogs, templates, pages, then manifest,
       review index, cache; or nothing at all (docs/guarantees.md)

``extract`` stops after the merge and ``translate`` after the drafts (both stage and
commit catalogs only); ``--no-mt`` skips the engine batch. Every step is a function
of its own module: parse (:mod:`~pipeline.sources`), segment, catalogs
(:mod:`~pipeline.catalog`, :mod:`~pipeline.po`), drafts (:mod:`~pipeline.translate`),
reassemble (:mod:`~pipeline.assemble`), check, render and describe
(:mod:`~pipeline.manifest`).

Safe: the project lock keeps two runs from interleaving; nothing is written before
every article of the run is known to be good; every file is written atomically. A
catalog a translator saves while the build runs is never overwritten: the build
compares each catalog with what it read just before replacing it, merges again the
articles whose catalogs changed, and where a save lands in the last instant it puts
the translator's file back (see :func:`pipeline.files.commit`).

Incremental (:mod:`~pipeline.cache`): an article whose source, catalog, pages and
settings are unchanged since the last build is not read at all.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import os
import sqlite3
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import babel

from pipeline import __version__, rules
from pipeline.adapt import Adapted, adapt_each
from pipeline.answers import check_key, save_answers, source_key
from pipeline.assemble import COUNT_KEYS, assemble
from pipeline.cache import SUMMARY_KEYS, BuildCache, FileIdentity, Fragments, Read, dumps, identify, still
from pipeline.catalog import catalog_status, catalog_text, template_for, template_text, update_catalog
from pipeline.checks import check_catalog
from pipeline.errors import BuildError, CatalogError, EngineError, PipelineError, SourceError
from pipeline.files import Staged, commit, commit_guarded, discard, read_limited, read_with_stat, stage
from pipeline.glossary import Glossary, find_terms, glossary_notes
from pipeline.memory import Draft, TranslationMemory
from pipeline.model import Document, Issue, Location, Unit
from pipeline.mt import Engine, engine_version, get_engine
from pipeline.parallel import parallel_map
from pipeline.placeholders import count_words
from pipeline.po import CATALOG_LIMIT, Catalog, Origin, format_numbered, read_catalog
from pipeline.po.merge import MergeStats
from pipeline.project import Project
from pipeline.publish import (
    article_fragments,
    body_path,
    page_path,
    publish_article,
    record_site_files,
    site_files,
    site_notices,
    tidy_assets,
)
from pipeline.records import replace
from pipeline.refresh import Drafter, refreshable
from pipeline.render import PageTemplate, load_template
from pipeline.review import project_name, review_folder, review_recorded, stage_for_build, write_index
from pipeline.segment import document_units
from pipeline.sources import SlugClaim, check_unique_slugs, load_document, slug_claim
from pipeline.termbase import load_glossary
from pipeline.translate import (
    EXACT,
    DraftStats,
    EngineDraft,
    MemoryLookup,
    Pending,
    apply_drafts,
    engine_drafts,
    expand_first_mentions,
    harvest_pairs,
    plan_drafts,
    restore_origins,
    run_suggestions,
)

log = logging.getLogger("puente")

Step = Literal["extract", "translate", "build"]
Progress = Callable[[str, int, int], None]
"""``progress(phase, done, total)``: called as the run advances."""

SOURCE_LIMIT = 16 * 1024 * 1024
"""The largest source file read (a long article is a few hundred kilobytes)."""
ROOM_MIN, ROOM_MAX = 64 * 1024, 1024 * 1024
"""The bounds of the room :func:`_try_room` asks for each file written after the renames."""
ATTEMPTS = 3
"""How many times the articles whose catalogs a translator saved during the build are merged again."""


@dataclass(frozen=True)
class BuildOptions:
    step: Step = "build"
    engine: str | None = None
    no_mt: bool = False
    jobs: int = 2
    reviewed_only: bool = False
    review: bool = False
    refresh: bool = False  # translate: draft again the machine drafts that predate the setup
    article: str | None = None  # translate --refresh: only this article (its slug)


@dataclass
class Failure:
    """A unit the engine could not draft."""

    location: Location
    msgid: str
    reason: str

    def __str__(self) -> str:
        short = self.msgid if len(self.msgid) <= 50 else self.msgid[:49] + "…"
        return f"{self.location}: {short!r}: {self.reason}"


@dataclass
class BuildReport:
    """What a run did, for the summary, the exit code and tests."""

    step: Step = "build"
    articles: int = 0
    rebuilt: int = 0
    pages_written: list[str] = field(default_factory=list)
    pages_unchanged: list[str] = field(default_factory=list)
    not_written: list[str] = field(default_factory=list)
    templates_written: list[str] = field(default_factory=list)
    templates_unchanged: list[str] = field(default_factory=list)
    catalogs_written: list[str] = field(default_factory=list)
    catalogs_unchanged: list[str] = field(default_factory=list)
    units: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNT_KEYS, 0))
    merge: MergeStats = field(default_factory=MergeStats)
    drafts: DraftStats = field(default_factory=DraftStats)
    issues: list[Issue] = field(default_factory=list)
    warnings: int = 0
    failures: list[Failure] = field(default_factory=list)
    retried: list[str] = field(default_factory=list)
    postponed: list[str] = field(default_factory=list)  # catalogs saved again and again during the run
    kept: list[str] = field(default_factory=list)  # old catalogs of a renamed article, saved meanwhile
    manifest_written: bool = False
    review_written: list[str] = field(default_factory=list)
    review_unchanged: list[str] = field(default_factory=list)
    review_index_written: bool = False
    notices: list[Issue] = field(default_factory=list)
    """Warnings about sources to show on every build until fixed (an image not found)."""
    stale_drafts: int = 0
    """Machine drafts that predate the current glossary, rules or engine (:mod:`pipeline.refresh`)."""

    unpublished: set[str] = field(default_factory=set)  # catalogs of pages held back

    @property
    def errors(self) -> list[Issue]:
        """Error findings of the whole project (of unchanged articles too, from the cache)."""
        return [issue for issue in self.issues if issue.severity == "error"]

    @property
    def published_errors(self) -> list[Issue]:
        """Error findings on pages that were written (not held back)."""
        return [issue for issue in self.errors if issue.location.path not in self.unpublished]


# --- the run ------------------------------------------------------------------------


@dataclass
class Run:
    """What every step of one run shares: the project, the options and what was loaded
    once (termbase, page template, engine identity). Worker processes are forked and
    inherit it."""

    project: Project
    options: BuildOptions
    glossary: Glossary
    template: PageTemplate | None
    engine_name: str
    engine_version: str
    settings: str
    engine: Engine | None = None
    check_key: str = ""  # what findings depend on besides the catalogs (pipeline.answers)
    source_key: str = ""
    read: Read = field(default_factory=dict)
    # slug changes: the slug each source had at the last build, and the sources gone since
    # (by content hash), so that an article's catalog follows it to its new slug
    previous: dict[str, str] = field(default_factory=dict)
    vanished: dict[str, tuple[str, str]] = field(default_factory=dict)
    live: set[str] = field(default_factory=set)  # the sources of this run
    _memory: tuple[int, TranslationMemory] | None = None

    def memory(self) -> TranslationMemory:
        """This process's read-only connection to the translation memory."""
        if self._memory is None or self._memory[0] != os.getpid():
            self._memory = (
                os.getpid(),
                TranslationMemory(
                    self.project.memory_path,
                    readonly=True,
                    relative=self.project.relative(self.project.memory_path),
                ),
            )
        return self._memory[1]

    def close(self) -> None:
        if self._memory is not None and self._memory[0] == os.getpid():
            self._memory[1].close()
        self._memory = None


_RUN: Run | None = None
"""The run in progress (read by the functions that run in workers)."""


def _current() -> Run:
    assert _RUN is not None, "no run in progress"
    return _RUN


def open_run(project: Project, options: BuildOptions, engine: Engine | None = None) -> Run:
    """Load what the whole run shares, checking it before anything is read or written
    (``engine``: an engine object to use instead of the one named by the options)."""
    glossary = load_glossary(project)
    template = None
    template_key = ""
    if options.step == "build":
        path = project.page_template
        template = load_template(path, project.relative(path) if path is not None else "")
        template_key = hashlib.sha256(path.read_bytes()).hexdigest() if path is not None else "built-in"
    engine_name = engine.name if engine is not None else options.engine or project.config.engine
    if engine is not None:
        version = engine.version
    else:
        version = engine_version(engine_name) if options.step != "extract" else ""
    config = project.config
    parts = [
        __version__,
        f"babel {babel.__version__}",  # locale data shapes dates and plural headers
        glossary.version,
        f"rules {rules.VERSION}",  # the draft rules shape what the engine's drafts say
        template_key,
        repr(dataclasses.astuple(config)),
        options.step,
        engine_name,
        version,
        str(options.no_mt),
        str(options.reviewed_only),
        project.relative(project.output_dir),
    ]
    settings = hashlib.sha256("\n".join(parts).encode()).hexdigest()
    run = Run(project, options, glossary, template, engine_name, version, settings, engine)
    run.check_key, run.source_key = check_key(project, glossary.files), source_key(project)
    return run


def build_project(
    project: Project, options: BuildOptions, progress: Progress | None = None, *, engine: Engine | None = None
) -> BuildReport:
    """Run the flow up to ``options.step`` on every article (see the module docstring);
    ``engine``: an engine object instead of the one the options name (library callers)."""
    global _RUN
    report = BuildReport(step=options.step)
    with project.lock(options.step):
        run = open_run(project, options, engine)
        cache = BuildCache.load(project.cache_path, run.settings)
        sources = project.source_paths()
        report.articles = len(sources)
        read: Read = {}
        if options.step == "build":
            if cache.reset:
                log.info("every article is built again: %s", cache.reset)
            dirty = []
            for path in sources:
                rel = project.relative(path)
                # with --review, an article whose review page the cache does not record is built again
                if cache.fresh(project, rel, read) and not (
                    options.review and not review_recorded(project, cache.articles[rel])
                ):
                    log.info("%s: unchanged", cache.articles[rel]["facts"].get("slug", rel))
                else:
                    dirty.append(path)
                    slug = cache.articles.get(rel, {}).get("facts", {}).get("slug", rel)
                    log.info("%s: %s", slug, cache.why.get(rel, "changed"))
        else:
            dirty = list(sources)
        report.rebuilt = len(dirty)
        log.info("%d articles, %d to process", len(sources), len(dirty))
        _RUN = run
        run.read = read
        live = run.live = {project.relative(path) for path in sources}
        for rel in cache.known:
            known = cache.previous(rel)
            if known is None:
                continue
            if rel in live:
                run.previous[rel] = known[0]
            else:
                run.vanished[known[1]] = (rel, known[0])
        try:
            done = _process(run, dirty, cache, report, progress)
        finally:
            run.close()
            _RUN = None
        if options.article is not None and not any(a.claim.slug == options.article for a in done.values()):
            discard(item for article in done.values() for item in article.files)
            message = f"no article has the slug {options.article!r} (puente status lists them)"
            raise BuildError(project.relative(project.sources_dir), None, message)
        try:
            _commit(run, sources, done, cache, report)
        except BaseException:
            discard(item for article in done.values() for item in article.files)
            raise
    return report


def _process(
    run: Run, dirty: list[Path], cache: BuildCache, report: BuildReport, progress: Progress | None
) -> dict[str, Done]:
    """Every dirty article, processed and staged; articles whose catalogs a translator
    saved meanwhile are processed again, up to :data:`ATTEMPTS` times, then left as they
    are for the next build."""
    done: dict[str, Done] = {}
    todo = dirty
    try:
        for attempt in range(ATTEMPTS):
            if attempt:
                run.read.clear()  # what the freshness check read is older than the files now
            for article in _pass(run, todo, report, progress):
                old = done.pop(article.source, None)
                if old is not None:
                    discard(old.files)
                done[article.source] = article
            live = run.live
            owners = {slug: rel for rel, slug in cache.slugs().items() if rel not in done and rel in live}
            check_unique_slugs(sorted(article.claim for article in done.values()), owners)
            changed = [article for article in done.values() if article.catalog_moved(run.project)]
            if not changed:
                return done
            names = ", ".join(article.catalog for article in changed)
            if attempt + 1 == ATTEMPTS:
                # still being saved: leave these articles as they are, built next time
                log.info("catalogs still changing, left for the next build: %s", names)
                for article in changed:
                    discard(done.pop(article.source).files)
                    report.postponed.append(article.catalog)
                    cache.stale(article.source)
                return done
            log.info("catalogs saved during the build, merged again: %s", names)
            report.retried.extend(article.catalog for article in changed)
            todo = [run.project.root / article.source for article in changed]
    except BaseException:
        discard(item for article in done.values() for item in article.files)
        raise
    return done


def _pass(run: Run, paths: Sequence[Path], report: BuildReport, progress: Progress | None) -> list[Done]:
    """One pass over ``paths``: the first worker step, the engine batch, the second step."""
    jobs = run.options.jobs

    def tick(phase: str, total: int) -> Callable[[int], None] | None:
        if progress is None:
            return None
        count = [0]

        def advance(step: int) -> None:
            count[0] += step
            progress(phase, count[0], total)

        return advance

    first = parallel_map(_first_step, paths, jobs, tick("articles", len(paths)), discard=_discard_results)
    finished = [item for item in first if isinstance(item, Done)]
    waiting = [item for item in first if isinstance(item, Waiting)]
    if not waiting:
        return finished
    try:
        drafts = _engine_batch(run, waiting, finished, report, progress)
        global _WAITING, _DRAFTS
        _WAITING, _DRAFTS = waiting, drafts
        try:
            second = parallel_map(
                _second_step, range(len(waiting)), jobs, tick("pages", len(waiting)), discard=_discard_results
            )
        finally:
            _WAITING, _DRAFTS = [], {}
    except BaseException:
        discard(item for article in finished for item in article.files)
        raise
    return finished + [item for item in second if isinstance(item, Done)]


def _discard_results(results: Sequence[object]) -> None:
    discard(item for result in results if isinstance(result, Done) for item in result.files)


# --- one article ----------------------------------------------------------------------


@dataclass
class Waiting:
    """An article whose catalog waits for the engine batch (kept in the main process)."""

    source: Path
    source_id: FileIdentity
    document: Document
    units: list[Unit]
    template: Catalog
    pot_text: str | None
    catalog: Catalog
    old_catalog: Catalog | None
    catalog_id: FileIdentity | None
    pending: list[Pending]
    merge: MergeStats
    drafts: DraftStats
    harvested: list[tuple[str, str]]
    moved: list[tuple[Path, FileIdentity | None]] = field(default_factory=list)


@dataclass
class Done:
    """One article, processed: its staged files and what the manifest, the cache and the
    summary need of it."""

    source: str
    claim: SlugClaim
    catalog: str
    files: tuple[Staged, ...]
    pot: str
    pot_written: bool
    catalog_written: bool
    source_id: FileIdentity
    catalog_id: FileIdentity | None
    facts: dict[str, Any]
    issues: list[Issue]
    merge: MergeStats
    drafts: DraftStats
    harvested: list[tuple[str, str, str, str, str]]
    drafted: list[tuple[str, str, str, str, str, str, Draft]]
    failures: list[Failure]
    held: str | None
    pages: dict[str, bool]
    outputs: list[tuple[Path, str | None, int]] = field(default_factory=list)
    written_id: tuple[str, int] | None = None  # the catalog written: its hash and inode
    moved: list[tuple[Path, FileIdentity | None]] = field(default_factory=list)  # old files to remove
    inputs: list[tuple[Path, FileIdentity | None]] = field(default_factory=list)  # its images, as read
    review: dict[str, bool] = field(default_factory=dict)  # its review page: whether it changed
    # what ``puente status`` and ``check`` would find: the catalog's counts, its findings
    # and the source's (see pipeline.answers)
    answers: tuple[dict[str, Any], Any, Any] | None = None
    warnings: int = 0  # findings other than errors (only the errors are kept: see _compact)
    stored: tuple[str, Fragments] | None = None  # the facts as the cache stores them

    def catalog_moved(self, project: Project) -> bool:
        """Whether the catalog on disk is no longer the one this article was built from."""
        return not identify(project.root / self.catalog, self.catalog_id)


def _first_step(path: Path) -> Done | Waiting:
    run = _current()
    project, config = run.project, run.project.config
    rel = project.relative(path)
    if not project.inside(path):
        raise SourceError(rel, None, "links outside the project: copy the article into sources/")
    known = run.read.pop(rel, None)
    raw, info = known if known is not None else read_with_stat(path, rel, SourceError, SOURCE_LIMIT)
    if len(raw) > SOURCE_LIMIT:
        raise SourceError(rel, None, f"larger than {SOURCE_LIMIT // (1024 * 1024)} MiB: refusing to read it")
    source_id = FileIdentity.of(raw, info)
    document = load_document(path, project.root, raw, allow_embeds=config.allow_embeds)
    meta = document.meta
    source_lang, target_lang = meta.lang, config.target_language(meta.lang)
    units = [
        replace(unit, notes=unit.notes + tuple(notes)) if notes else unit
        for unit in document_units(document, config.segmentation)
        for notes in [glossary_notes(find_terms(run.glossary, unit.text, source_lang), target_lang)]
    ]
    template = template_for(document, units)
    pot_path = project.pot_path(meta.slug)
    pot_text = template_text(template, _old_text(pot_path, project))
    po_path = project.po_path(meta.slug, target_lang)
    catalog_rel = project.relative(po_path)
    old, catalog_id = _read_catalog(project, po_path, catalog_rel)
    moved: list[tuple[Path, FileIdentity | None]] = []
    was = _previous_slug(run, rel, source_id)
    if old is None and was is not None and was != meta.slug:
        # the article's slug changed (or its file was renamed): its catalog follows it, with
        # every translation and state; the old files go once the new ones are in place
        old_po = project.po_path(was, target_lang)
        old, old_id = _read_catalog(project, old_po, project.relative(old_po))
        if old is not None:
            log.info("%s: was %s: its catalog follows it", meta.slug, was)
            moved = [(old_po, old_id), (project.pot_path(was), None)]
            moved += [
                (project.output_dir / path(lang, was), None)
                for lang in config.languages
                for path in (page_path, body_path)
            ]
    catalog, merge = update_catalog(
        old, template, document, target_lang, config.locale(target_lang), threshold=config.merge_threshold
    )
    stats = DraftStats()
    harvested: list[tuple[str, str]] = []
    pending: list[Pending] = []
    if run.options.step != "extract":
        memory = run.memory()
        stats.restored = restore_origins(catalog, memory, source_lang, target_lang)
        harvested = harvest_pairs(catalog)
        draft_key = rules.draft_key(run.glossary.version, config.locales)
        lookup = MemoryLookup(
            memory, run.engine_name, run.engine_version, draft_key, config.fuzzy_threshold,
            glossary=run.glossary, locale=config.locale(target_lang),
        )  # fmt: skip
        redraft: list[int] = []
        if run.options.refresh and run.options.article in (None, meta.slug):
            redraft = refreshable(catalog, _drafter(run))
        pending = plan_drafts(catalog, lookup, source_lang, target_lang, stats, redraft)
        log.info(
            "%s: memory %d exact, %d stored drafts, %d suggestions; %d for the engine",
            meta.slug, stats.memory_exact, stats.memory_drafts, stats.suggestions, len(pending),
        )  # fmt: skip
    waiting = Waiting(
        path, source_id, document, units, template, pot_text, catalog, old, catalog_id,
        pending, merge, stats, harvested, moved,
    )  # fmt: skip
    if pending and not run.options.no_mt:
        return waiting
    return _finish(run, waiting, {}, [])


def _previous_slug(run: Run, rel: str, source_id: FileIdentity) -> str | None:
    """The slug this source's article had at the last build: by the file's path, else (a
    renamed file) by its content."""
    was = run.previous.get(rel)
    if was is not None:
        return was
    gone = run.vanished.get(source_id.sha256)
    return gone[1] if gone is not None else None


SAVE_WAIT = 0.25
"""How long a catalog that does not parse is given to settle (a save in progress) before
it is read again."""


def _read_catalog(project: Project, path: Path, rel: str) -> tuple[Catalog | None, FileIdentity | None]:
    """The catalog at ``path`` and its identity as read (None, None: there is none).

    A translator's tool may be rewriting the file in place at this very moment: a file
    that does not parse is read again after a moment when it has changed meanwhile, and
    refused only when it stays broken.
    """
    if not path.exists() and not path.is_symlink():
        return None, None
    if not project.inside(path):
        raise BuildError(rel, None, "links outside the project: a catalog must be a file of the project")
    read = _current().read.pop(rel, None)
    for attempt in range(4):
        raw, info = read if read is not None else read_with_stat(path, rel, CatalogError, CATALOG_LIMIT)
        read = None
        if len(raw) > CATALOG_LIMIT:
            limit = CATALOG_LIMIT // (1024 * 1024)
            raise CatalogError(rel, None, f"larger than {limit} MiB: refusing to read it")
        try:
            return read_catalog(path, rel, raw), FileIdentity.of(raw, info)
        except CatalogError:
            if attempt == 3:
                raise
            time.sleep(SAVE_WAIT * (attempt + 1))
            if info is not None and identify(path, FileIdentity.of(raw, info)):
                if raw.strip():
                    raise  # the same bytes still: broken, not being saved
                if attempt == 2:
                    raise CatalogError(rel, 1, "the file is empty: a save that did not finish?") from None
            log.info("%s: changed while it was read, reading it again", rel)
    raise AssertionError("unreachable")


def _old_text(path: Path, project: Project) -> str | None:
    try:  # a template that is a link to a device, a pipe or a folder is written anew
        return read_limited(path, project.relative(path), CatalogError, CATALOG_LIMIT).decode("utf-8")
    except (PipelineError, UnicodeDecodeError):
        return None


_WAITING: list[Waiting] = []
_DRAFTS: dict[tuple[str, str], dict[str, EngineDraft]] = {}


def _second_step(index: int) -> Done:
    run = _current()
    article = _WAITING[index]
    source_lang = article.document.meta.lang
    target_lang = run.project.config.target_language(source_lang)
    drafts = _DRAFTS.get((source_lang, target_lang), {})
    return _finish(run, article, drafts, [])


def _engine_batch(
    run: Run, waiting: list[Waiting], finished: list[Done], report: BuildReport, progress: Progress | None
) -> dict[tuple[str, str], dict[str, EngineDraft]]:
    """Draft every pending text of the run, one engine batch per language pair; an exact
    reviewed translation harvested in this run (another article's) is used first."""
    config = run.project.config
    reviewed: dict[tuple[str, str, str], str] = {}
    for done in finished:
        for source, target, msgid, msgstr, _ in done.harvested:
            reviewed[(source, target, msgid)] = msgstr
    for article in waiting:
        source = article.document.meta.lang
        for msgid, msgstr in article.harvested:
            reviewed[(source, config.target_language(source), msgid)] = msgstr
    texts: dict[tuple[str, str], list[str]] = {}
    kinds: dict[tuple[str, str], dict[str, str]] = {}  # a heading is drafted as one (pipeline.rules)
    drafts: dict[tuple[str, str], dict[str, EngineDraft]] = {}
    for article in waiting:
        source = article.document.meta.lang
        target = config.target_language(source)
        for item in article.pending:
            if (source, target, item.msgid) in reviewed:
                continue
            if item.adapted is not None:  # the memory's similar sentence, adapted: no engine draft
                drafts.setdefault((source, target), {})[item.msgid] = _adapted(item.adapted)
                continue
            texts.setdefault((source, target), []).append(item.msgid)
            known = kinds.setdefault((source, target), {})
            if known.get(item.msgid, "heading") in rules.HEADING_KINDS:  # a heading only if always one
                known[item.msgid] = rules.kind_of(article.catalog.entries[item.index].msgctxt)
    for (source, target, msgid), translation in reviewed.items():
        drafts.setdefault((source, target), {})[msgid] = EngineDraft(translation, reviewed=True)
    if not texts:
        return drafts
    engine = run.engine or get_engine(run.engine_name, jobs=run.options.jobs, locales=config.locales)
    deadline = time.monotonic() + config.engine_timeout
    for (source, target), items in texts.items():
        unique = list(dict.fromkeys(items))
        count = f"{len(unique)} text{'' if len(unique) == 1 else 's'}"
        log.info("engine %s %s: %s %s→%s", engine.name, engine.version, count, source, target)
        if progress is not None:
            progress("machine translation", 0, len(unique))
        this_run = {msgid: text for (sl, tl, msgid), text in reviewed.items() if (sl, tl) == (source, target)}
        # another article's review of a similar sentence, adapted, instead of the engine's draft
        adapted = adapt_each(
            unique, this_run, config.fuzzy_threshold, source, target, run.glossary, config.locale(target)
        )
        rest = [text for text in unique if text not in adapted]
        made, calls, sent = engine_drafts(
            engine, run.glossary, rest, source, target, deadline,
            kinds=kinds.get((source, target)), locale=config.locale(target),
        )  # fmt: skip
        for text, found in adapted.items():
            made[text] = _adapted(found)
        for text, suggestion in run_suggestions(rest, this_run, config.fuzzy_threshold).items():
            made[text] = dataclasses.replace(made[text], suggestion=suggestion)
        drafts.setdefault((source, target), {}).update(made)
        report.drafts.engine_calls += calls
        report.drafts.engine_units += sent
        if progress is not None:
            progress("machine translation", len(unique), len(unique))
    return drafts


def _adapted(adapted: Adapted) -> EngineDraft:
    return EngineDraft(adapted.text, origin=Origin("memory", detail=adapted.detail))


def _is_review(draft: EngineDraft | None) -> bool:
    return draft is not None and draft.reviewed


def _finish(run: Run, article: Waiting, drafts: dict[str, EngineDraft], extra: list[Issue]) -> Done:
    """Fill the engine's drafts, then check, reassemble, render and stage one article."""
    project, config, options = run.project, run.project.config, run.options
    document, catalog = article.document, article.catalog
    meta = document.meta
    source_lang, target_lang = meta.lang, config.target_language(meta.lang)
    po_path = project.po_path(meta.slug, target_lang)
    catalog_rel = project.relative(po_path)
    failures: list[Failure] = []
    drafted: list[tuple[str, str, str, str, str, str, Draft]] = []
    if any(item.adapted is not None and item.msgid not in drafts for item in article.pending):
        # no engine batch ran for them (--no-mt, or nothing else pending)
        drafts = dict(drafts)
        for item in article.pending:
            if item.adapted is not None:
                drafts.setdefault(item.msgid, _adapted(item.adapted))
    if article.pending and drafts:
        # another article's review of the same sentence, made in this run, comes first
        known = [item for item in article.pending if _is_review(drafts.get(item.msgid))]
        apply_drafts(catalog, known, drafts, Origin("memory", detail=EXACT), article.drafts)
        article.drafts.memory_exact += len(known)
        rest = [item for item in article.pending if not _is_review(drafts.get(item.msgid))]
        key = rules.draft_key(run.glossary.version, config.locales)
        origin = Origin("engine", run.engine_name, run.engine_version, key=key)
        failed = apply_drafts(catalog, rest, drafts, origin, article.drafts)
        failures = [
            Failure(Location(catalog_rel, entry.line or 1), entry.msgid, reason) for entry, reason in failed
        ]
        for item in rest:
            made = drafts.get(item.msgid)
            # a failed draft is never remembered: the next engine (or version) may do better;
            # an adapted translation is no engine's draft
            if made is not None and made.text is not None and made.failure is None and made.origin is None:
                drafted.append(
                    (run.engine_name, run.engine_version, source_lang, target_lang,
                     rules.draft_key(run.glossary.version, config.locales),
                     item.msgid, Draft(made.text, made.unknown))
                )  # fmt: skip
    if options.step != "extract":
        expand_first_mentions(catalog, run.glossary, source_lang, target_lang)
    po_text = catalog_text(catalog, article.old_catalog)
    if po_text is not None:
        po_text = format_numbered(catalog)  # the entries get their lines in the new file
    elif article.old_catalog is not None:
        lines = {entry.key: entry.line for entry in article.old_catalog.active}
        catalog.entries = [entry.replace(line=lines.get(entry.key, entry.line)) for entry in catalog.entries]
    pot_path = project.pot_path(meta.slug)
    files: list[Staged] = []
    try:
        # both compared with the files already: they differ
        files += stage([(pot_path, article.pot_text)] if article.pot_text is not None else [], compare=False)
        files += stage([(po_path, po_text)] if po_text is not None else [], compare=False)
        result = Done(
            source=document.source,
            claim=slug_claim(document),
            catalog=catalog_rel,
            files=(),
            pot=project.relative(pot_path),
            pot_written=article.pot_text is not None,
            catalog_written=po_text is not None,
            source_id=article.source_id,
            catalog_id=article.catalog_id,
            facts={},
            issues=list(extra),
            merge=article.merge,
            drafts=article.drafts,
            harvested=[(source_lang, target_lang, s, t, catalog_rel) for s, t in article.harvested],
            drafted=drafted,
            failures=failures,
            held=None,
            pages={},
            moved=article.moved,
        )
        if options.step == "build":
            files += _pages(run, article, catalog, catalog_rel, result, po_text)
    except BaseException:
        discard(files)
        raise
    result.files = tuple(files)
    if options.step != "extract":  # what the summary offers to refresh
        result.facts["stale_drafts"] = len(refreshable(catalog, _drafter(run)))
    inodes = {item.path: item.inode for item in files}
    pot_digest = _digest(article.pot_text) if article.pot_text is not None else None
    result.outputs.insert(0, (pot_path, pot_digest, inodes.get(pot_path, 0)))
    if po_text is not None:
        result.written_id = (_digest(po_text), inodes.get(po_path, 0))
    _compact(result)
    return result


def _compact(result: Done) -> None:
    """Keep of a processed article what the commit, the cache and the summary need, in its
    most compact form: every article of a run waits in the main process for the single
    commit, so this is what bounds the run's memory. Its errors and the count of its other
    findings; its facts serialized, with its share of the site files, and a summary."""
    result.warnings = sum(1 for issue in result.issues if issue.severity == "warning")  # notes aside
    result.issues = [issue for issue in result.issues if issue.severity == "error"]
    if "paths" in result.facts:  # a build's article (extract and translate make no pages)
        facts = result.facts
        result.stored = (dumps(facts), article_fragments(facts))
        result.facts = {key: facts[key] for key in SUMMARY_KEYS if key in facts}
    if result.answers is not None:
        counts, findings, warnings = result.answers
        result.answers = (counts, dumps(findings), dumps(warnings))


def _drafter(run: Run) -> Drafter:
    """What makes an engine draft in this run (a draft made otherwise predates it)."""
    key = rules.draft_key(run.glossary.version, run.project.config.locales)
    return Drafter(run.engine_name, run.engine_version, key)


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _pages(
    run: Run, article: Waiting, catalog: Catalog, catalog_rel: str, result: Done, po_text: str | None
) -> list[Staged]:
    project, config, options = run.project, run.project.config, run.options
    document, units = article.document, article.units
    meta = document.meta
    source_lang, target_lang = meta.lang, config.target_language(meta.lang)
    out = project.output_dir
    paths = {source_lang: page_path(source_lang, meta.slug), target_lang: page_path(target_lang, meta.slug)}
    translated, page_report = assemble(
        document,
        units,
        catalog.by_key(),
        target_lang,
        catalog_path=catalog_rel,
        changed_units=config.changed_units,
        segmentation=config.segmentation,
    )
    checked = check_catalog(
        catalog, catalog_rel, source_lang, target_lang, run.glossary, config.check_severities
    )
    issues = page_report.issues + checked
    status = catalog_status(catalog, catalog_rel, meta.slug, target_lang)
    result.answers = (
        {"units": status.units, "words": status.words},
        [[i.location.line, i.severity, i.code, i.message] for i in checked],
        [[i.location.path, i.location.line, i.severity, i.code, i.message] for i in document.warnings],
    )
    seen: set[tuple[str, int, str]] = set()
    unique = []
    for issue in issues:  # reassembly and the checks may both see the same problem
        key = (issue.location.path, issue.location.line, issue.code)
        if key not in seen and config.check_severities.get(issue.code) != "off":
            seen.add(key)
            unique.append(issue)
    issues = [
        *document.warnings,  # what parsing the source removed (each its own line and message)
        *(
            replace(issue, severity=config.check_severities.get(issue.code, issue.severity))
            for issue in unique
        ),
    ]
    held = page_report.held or (options.reviewed_only and page_report.state != "reviewed")
    # a held page is not written, and not linked to either
    published = publish_article(
        project, run.template, document, None if held else translated, page_report.state
    )
    pages = published.pages
    source_words = sum(count_words(unit.text) for unit in units)
    result.facts = {
        "slug": meta.slug,
        "source": document.source,
        "source_lang": source_lang,
        "date": meta.date,
        "author": meta.author,
        "catalog": catalog_rel,
        "pages": sorted(paths[lang] for lang in pages),
        "page_sha": {paths[lang]: hashlib.sha256(page).hexdigest() for lang, page in pages.items()},
        "held": [target_lang] if held else [],
        "titles": {source_lang: meta.title, target_lang: translated.meta.title},
        "paths": paths,
        "states": {source_lang: "source", target_lang: page_report.state},
        "counts": {
            source_lang: {
                "units": {"reviewed": len(units), "machine": 0, "untranslated": 0},
                "words": {"reviewed": source_words, "machine": 0, "untranslated": 0},
            },
            target_lang: {"units": page_report.units, "words": page_report.words},
        },
        "target_units": page_report.units,
        "site": published.facts,
    }
    result.issues.extend(issues + published.images.issues)
    result.held = paths[target_lang] if held else None
    if held:
        why = "a changed unit (changed_units = hold)" if page_report.held else "not all units are reviewed"
        log.info("%s: %s held back: %s", meta.slug, paths[target_lang], why)
    staged = stage((out / paths[lang], page) for lang, page in pages.items())
    result.pages = {paths[lang]: item.changed for lang, item in zip(pages, staged, strict=True)}
    result.outputs.extend((out / paths[lang], result.facts["page_sha"][paths[lang]], 0) for lang in pages)
    extra = [(out / body_path(lang, meta.slug), body) for lang, body in published.bodies.items()]
    extra += [(out / path, data) for path, data in published.images.files.items()]
    try:
        staged += stage(extra)
    except BaseException:
        discard(staged)
        raise
    result.outputs.extend((path, hashlib.sha256(data).hexdigest(), 0) for path, data in extra)
    # the images read are inputs: a changed, new or removed image file rebuilds the article
    result.inputs = [(project.root / rel, identity) for rel, identity in published.images.inputs.items()]
    if options.review:  # the article's review page, staged and committed with its pages
        try:
            # the catalog's hash as the commit leaves it: the report's key for puente review
            catalog_sha = _digest(po_text) if po_text is not None else None
            if catalog_sha is None and article.catalog_id is not None:
                catalog_sha = article.catalog_id.sha256
            item, result.facts["review"], path, digest = stage_for_build(
                project,
                run.glossary,
                document,
                units,
                catalog,
                catalog_rel,
                checked,
                target_lang,
                catalog_sha,
            )
        except BaseException:
            discard(staged)
            raise
        staged.append(item)
        result.review = {result.facts["review"]["page"]: item.changed}
        result.outputs.append((path, digest, 0))
    return staged


# --- commit ---------------------------------------------------------------------------


def _commit(
    run: Run, sources: list[Path], done: dict[str, Done], cache: BuildCache, report: BuildReport
) -> None:
    """Write everything the run staged, the memory and the manifest, then the cache."""
    project = run.project
    catalogs = [item for article in done.values() for item in article.files if item.path.suffix == ".po"]
    expected = {project.root / article.catalog: article.catalog_id for article in done.values()}
    others = [item for article in done.values() for item in article.files if item.path.suffix != ".po"]

    def unchanged(target: Path, old: Path) -> bool:
        return still(old, expected.get(target))

    # what needs room or rights comes before the first file is replaced: the memory learns
    # what the run found (true whatever happens next), and the folders of the files written
    # after the renames are tried, so that a full disk or a folder that cannot be written
    # stops the run with nothing replaced
    if run.options.step == "build" and done:
        _try_room(run)
    if run.options.step != "extract":
        with TranslationMemory(project.memory_path, relative=project.relative(project.memory_path)) as memory:
            memory.record(
                [row for article in done.values() for row in article.drafted],
                [pair for article in done.values() for pair in article.harvested],
            )
    _, displaced = commit_guarded(catalogs, unchanged=unchanged)
    commit(others, durable=False)
    raced = {project.relative(path) for path in displaced}
    for article in done.values():
        _account(article, report, raced)
    for held in report.not_written:
        # a page held back must not stay online in an older version
        (project.output_dir / held).unlink(missing_ok=True)
    _remove_moved(project, done.values(), raced, report)
    if run.options.step != "build":
        return
    live = {project.relative(path) for path in sources}
    _remove_vanished(project, cache, live, done)
    cache.forget(set(cache.articles) - live)
    for article in done.values():
        if article.catalog in raced:
            cache.forget({article.source})  # rebuilt next time, from the translator's file
        else:
            outputs = article.outputs
            catalog_id = article.catalog_id
            if article.written_id is not None:
                catalog_id = None
                outputs = [(project.root / article.catalog, *article.written_id), *outputs]
            cache.record(project, article.source, article.source_id, article.catalog, catalog_id,
                         article.facts, article.issues, outputs, inputs=article.inputs,
                         warnings=article.warnings, stored=article.stored)  # fmt: skip
    for rel in live:
        if rel not in done and rel in cache.articles:
            summary = cache.articles[rel]["facts"]
            report.pages_unchanged.extend(summary["pages"])
            if run.options.review and "review" in summary:
                report.review_unchanged.append(summary["review"]["page"])
            for key in COUNT_KEYS:
                report.units[key] += summary["target_units"].get(key, 0)
            report.issues.extend(cache.issues(rel))
            report.warnings += cache.articles[rel].get("warnings", 0)
            report.stale_drafts += summary.get("stale_drafts", 0)
            if summary.get("held"):
                report.unpublished.add(cache.articles[rel]["catalog_path"])
    ordered = sorted(live)
    report.notices = [
        Issue(Location(path, line), "warning", code, message)
        for path, line, code, message in site_notices(cache, ordered)
    ]
    files = site_files(project, cache, ordered, __version__)
    written = commit(stage(files), durable=False)
    record_site_files(project, cache, files)
    report.manifest_written = bool(written) and written[0]
    if run.options.review:
        facts_of = {rel: cache.articles[rel]["facts"] for rel in live if rel in cache.articles}
        facts_of.update((rel, article.facts) for rel, article in done.items())
        summaries = [facts_of[rel]["review"] for rel in sorted(facts_of) if "review" in facts_of[rel]]
        report.review_index_written = write_index(review_folder(project), summaries, project_name(project))
    if cache.rebuilt or cache.reset:
        tidy_assets(project, cache, ordered)
    cache.save(project.cache_path)
    _record_answers(run, cache, done, raced)
    report.issues.sort(key=lambda issue: (issue.location.path, issue.location.line))


def _try_room(run: Run) -> None:
    """Stage a file as large as each file written after the renames (the manifest, the
    sitemap, the feeds, the review index, the build cache), then drop it: an output folder
    that cannot be written, or a disk without room, stops the run before any file is
    replaced (it cannot make the later writes certain: a disk may still fill up meanwhile)."""
    project = run.project
    out = project.output_dir
    paths = [out / "manifest.json", *(out / lang / "feed.xml" for lang in project.config.languages)]
    if project.config.site.base_url is not None:
        paths.append(out / "sitemap.xml")
    if run.options.review:
        paths.append(review_folder(project) / "index.html")
    paths.append(project.cache_path)
    sizes = []
    for path in paths:
        try:
            size = os.stat(path).st_size
        except OSError:
            size = 0
        sizes.append((path, bytes(min(max(size, ROOM_MIN), ROOM_MAX))))
    discard(stage(sizes, compare=False))


def _record_answers(run: Run, cache: BuildCache, done: dict[str, Done], raced: set[str]) -> None:
    """What ``status`` and ``check`` would find in the catalogs and sources this run
    processed, so that they need not read them (best effort: it is a cache)."""
    catalogs: dict[str, tuple[FileIdentity, dict[str, Any], str, list[list[Any]]]] = {}
    sources: dict[str, tuple[FileIdentity, str, list[list[Any]]]] = {}
    for article in done.values():
        entry = cache.articles.get(article.source)
        if article.answers is None or article.catalog in raced or entry is None:
            continue
        counts, findings, warnings = article.answers
        recorded = entry["files"].get(article.catalog, entry.get("catalog"))
        identity = FileIdentity.from_json(recorded) if recorded is not None else None
        if identity is not None:
            catalogs[article.catalog] = (identity, counts, run.check_key, findings)
        sources[article.source] = (article.source_id, run.source_key, warnings)
    try:
        save_answers(run.project.cache_path, catalogs, sources)
    except (sqlite3.Error, OSError) as exc:
        log.info("the answers of status and check were not kept: %s", exc)


def _remove_moved(project: Project, done: Iterable[Done], raced: set[str], report: BuildReport) -> None:
    """The old files of articles whose slug changed, once their new files are in place (an
    old catalog a translator saved meanwhile stays, and is reported)."""
    for article in done:
        if not article.moved or article.catalog in raced:
            continue
        for path, identity in article.moved:
            if identity is not None and not still(path, identity):
                report.kept.append(project.relative(path))
                continue
            path.unlink(missing_ok=True)


def _remove_vanished(project: Project, cache: BuildCache, live: set[str], done: dict[str, Done]) -> None:
    """The pages of articles whose source is gone (their catalogs stay: they are a
    translator's work, and ``puente status`` lists them). A page an article still has
    (a renamed source with the same slug) stays."""
    current = {page for article in done.values() for page in article.facts.get("pages", [])}
    current |= {page for rel in live for page in cache.known.get(rel, {}).get("facts", {}).get("pages", [])}
    for rel in set(cache.known) - live:
        for page in cache.known[rel].get("facts", {}).get("pages", []):
            if page not in current:
                (project.output_dir / page).unlink(missing_ok=True)


def _account(article: Done, report: BuildReport, raced: set[str]) -> None:
    report.merge.add(article.merge)
    report.drafts.add(article.drafts)
    report.failures.extend(article.failures)
    (report.templates_written if article.pot_written else report.templates_unchanged).append(article.pot)
    written = article.catalog_written and article.catalog not in raced
    (report.catalogs_written if written else report.catalogs_unchanged).append(article.catalog)
    if article.catalog in raced:
        report.retried.append(article.catalog)
    for page, changed in article.pages.items():
        (report.pages_written if changed else report.pages_unchanged).append(page)
    if article.held is not None:
        report.not_written.append(article.held)
        report.unpublished.add(article.catalog)
    for page, changed in article.review.items():
        (report.review_written if changed else report.review_unchanged).append(page)
    report.issues.extend(issue for issue in article.issues if issue.severity == "error")
    report.warnings += article.warnings
    for key in COUNT_KEYS:
        report.units[key] += article.facts.get("target_units", {}).get(key, 0)
    report.stale_drafts += article.facts.get("stale_drafts", 0)


__all__ = ["BuildOptions", "BuildReport", "EngineError", "PipelineError", "build_project", "page_path"]
