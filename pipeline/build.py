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

import contextlib
import dataclasses
import hashlib
import logging
import os
import sqlite3
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeGuard

import babel

import pipeline
from pipeline import MASKING_SCHEME, __version__
from pipeline.cache import STAGING_NAME, BuildCache, CacheDamaged, FileIdentity, Read, Staging, Summary, still
from pipeline.cache import listing as listing_of
from pipeline.errors import BuildError, EngineError, PipelineError
from pipeline.files import commit, commit_guarded, discard, stage
from pipeline.manifest import COUNT_KEYS
from pipeline.model import DraftStats, Issue, Location, MergeStats
from pipeline.mt import Engine, engine_version
from pipeline.project import Project, termbase_digest

if TYPE_CHECKING:
    from pipeline.glossary import Glossary
    from pipeline.memory import TranslationMemory
    from pipeline.render import PageTemplate
    from pipeline.steps import Done, Failure

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
class BuildReport:
    """What a run did, for the summary, the exit code and tests."""

    step: Step = "build"
    articles: int = 0
    rebuilt: int = 0
    processed: list[str] = field(default_factory=list)  # the sources of the articles rebuilt
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
    staging: Staging | None = None  # a build's staging file (pipeline.cache.Staging)
    termbase_files: list[tuple[Path, str, bytes]] | None = None  # as read for the settings
    _glossary: Glossary | None = None
    _template: tuple[PageTemplate | None] | None = None

    @property
    def glossary(self) -> Glossary:
        """The project's glossary (parsed the first time a step needs it: a run that
        processes nothing knows its termbase unchanged by the bytes alone)."""
        if self._glossary is None:
            from pipeline.termbase import load_glossary

            self._glossary = load_glossary(self.project, files=self.termbase_files)
        return self._glossary

    @property
    def template(self) -> PageTemplate | None:
        """The page template of a build (None for the other steps), parsed when first needed."""
        if self._template is None:
            template = None
            if self.options.step == "build":
                from pipeline.render import load_template

                path = self.project.page_template
                template = load_template(path, self.project.relative(path) if path is not None else "")
            self._template = (template,)
        return self._template[0]

    def prepare(self) -> None:
        """Parse what the workers share before they are forked (they inherit it), and key
        what ``status`` and ``check`` will be told of the articles processed."""
        from pipeline.answers import check_key, source_key

        _ = self.glossary, self.template
        self.check_key, self.source_key = (
            check_key(self.project, self.glossary.files),
            source_key(self.project),
        )

    def memory(self) -> TranslationMemory:
        """This process's read-only connection to the translation memory."""
        if self._memory is None or self._memory[0] != os.getpid():
            from pipeline.memory import TranslationMemory

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


def open_run(project: Project, options: BuildOptions, engine: Engine | None = None) -> Run:
    """Load what the whole run shares, checking it before anything is read or written
    (``engine``: an engine object to use instead of the one named by the options)."""
    termbase_files = project.termbase_files()  # read once: hashed now, parsed if needed
    termbases = termbase_digest(termbase_files)
    template_key = ""
    if options.step == "build":
        path = project.page_template
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
        f"termbases {termbases} masking {MASKING_SCHEME}",
        f"rules {pipeline.RULES_VERSION}",  # the draft rules shape what the engine's drafts say
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
    run = Run(project, options, engine_name, version, settings, engine)
    run.termbase_files = termbase_files
    return run


def build_project(
    project: Project, options: BuildOptions, progress: Progress | None = None, *, engine: Engine | None = None
) -> BuildReport:
    """Run the flow up to ``options.step`` on every article (see the module docstring);
    ``engine``: an engine object instead of the one the options name (library callers)."""
    with project.lock(options.step):
        try:
            return _build(project, options, progress, engine)
        except CacheDamaged as exc:
            # a row of the cache cannot be read: nothing it says can be trusted, so the run
            # starts again without it (what the first attempt staged is discarded)
            log.info("the build cache is damaged (%s): every article is built again", exc)
            for suffix in ("", "-journal"):
                Path(f"{project.cache_path}{suffix}").unlink(missing_ok=True)
            return _build(project, options, progress, engine)


def _build(
    project: Project, options: BuildOptions, progress: Progress | None, engine: Engine | None
) -> BuildReport:
    report = BuildReport(step=options.step)
    run = open_run(project, options, engine)
    cache = BuildCache.load(project.cache_path, run.settings)
    try:
        names = project.source_names()
        report.articles = len(names)
        read: Read = {}
        prefix = project.relative(project.sources_dir) + "/"
        rels = [prefix + name for name in names]  # one folder: no path arithmetic
        live = run.live = set(rels)
        folder = project.sources_dir
        if options.step == "build":
            if cache.reset:
                log.info("every article is built again: %s", cache.reset)
            dirty = []
            verbose = log.isEnabledFor(logging.INFO)
            slugs = cache.slugs() if verbose else {}  # -v names articles by slug (one query)
            for name, rel in zip(names, rels, strict=True):
                # with --review, an article whose review page the cache does not record is built again
                if cache.fresh(project, rel, read) and not (
                    options.review and not _review_recorded(project, cache.articles[rel])
                ):
                    if verbose:
                        log.info("%s: unchanged", slugs.get(rel, rel))
                else:
                    dirty.append(folder / name)
                    if verbose:
                        log.info("%s: %s", slugs.get(rel, rel), cache.why.get(rel, "changed"))
        else:
            dirty = [folder / name for name in names]
        report.rebuilt = len(dirty)
        report.processed = [f"{prefix}{path.name}" for path in dirty]
        log.info("%d articles, %d to process", len(names), len(dirty))
        run.read = read
        # slug changes: the slug the last build knew for each article to process, and the
        # articles gone since
        for path in dirty:
            rel = project.relative(path)
            known = cache.previous(rel)
            if known is not None:
                run.previous[rel] = known[0]
        gone = [rel for rel in cache.known if rel not in live]
        cache.known.load(gone)
        for rel in gone:
            known = cache.previous(rel)
            if known is not None:
                run.vanished[known[1]] = (rel, known[0])
        try:
            done = _process(run, dirty, cache, report, progress)
        finally:
            run.close()
        if options.article is not None and not any(a.claim.slug == options.article for a in done.values()):
            discard(item for article in done.values() for item in article.files)
            message = f"no article has the slug {options.article!r} (puente status lists them)"
            raise BuildError(project.relative(project.sources_dir), None, message)
        try:
            _commit(run, done, cache, report)
        except BaseException:
            discard(item for article in done.values() for item in article.files)
            raise
    finally:
        cache.close()
        if run.staging is not None:
            run.staging.remove()
    return report


def _review_recorded(project: Project, entry: dict[str, Any]) -> bool:
    from pipeline.review import review_recorded

    return review_recorded(project, entry)


def _process(
    run: Run, dirty: list[Path], cache: BuildCache, report: BuildReport, progress: Progress | None
) -> dict[str, Done]:
    """Every dirty article, processed and staged; articles whose catalogs a translator
    saved meanwhile are processed again, up to :data:`ATTEMPTS` times, then left as they
    are for the next build."""
    done: dict[str, Done] = {}
    todo = dirty
    if not dirty:
        return done
    from pipeline import steps  # the per-article work, imported only when there is some
    from pipeline.sources import check_unique_slugs

    run.prepare()
    if run.options.step == "build":
        run.staging = cache.staging = Staging(run.project.state_dir / STAGING_NAME)
        run.staging.start()
    steps.begin(run)
    try:
        for attempt in range(ATTEMPTS):
            if attempt:
                run.read.clear()  # what the freshness check read is older than the files now
            for article in steps.run_pass(run, todo, report, progress):
                old = done.pop(article.source, None)
                if old is not None:
                    discard(old.files)
                done[article.source] = article
            live = run.live
            claimed = {article.claim.slug for article in done.values()}
            owners = {
                slug: rel for rel, slug in cache.slugs(claimed).items() if rel not in done and rel in live
            }
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
    finally:
        steps.end()
    return done


def _commit(run: Run, done: dict[str, Done], cache: BuildCache, report: BuildReport) -> None:
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
    if run.options.step != "extract" and done:
        from pipeline.memory import TranslationMemory

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
    live = run.live
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
    ordered = sorted(live)
    listing = listing_of(ordered)
    totals = _totals_known(cache, listing, run.options.review)
    if totals is None:
        totals = _totals_now(cache, set(done), listing, report, run.options.review)
        report.notices = _notices(totals)
        cache.meta["totals"] = totals
        cache.changed = True
    else:
        _account_totals(report, totals, run.options.review)
    written_site = False
    if not _site_unchanged(project, cache):
        from pipeline.publish import record_site_files, site_files

        files = site_files(project, cache, ordered, __version__)
        written = commit(stage(files), durable=False)
        written_site = any(written)
        record_site_files(project, cache, files)
        report.manifest_written = bool(written) and written[0]
    if run.options.review:
        from pipeline.review import project_name, review_folder, write_index

        facts_of = {rel: cache.state(rel)["facts"] for rel in live if rel in cache.articles}
        facts_of.update((rel, article.facts) for rel, article in done.items())
        summaries = [facts_of[rel]["review"] for rel in sorted(facts_of) if "review" in facts_of[rel]]
        report.review_index_written = write_index(review_folder(project), summaries, project_name(project))
    if cache.rebuilt or cache.reset:
        from pipeline.publish import tidy_assets

        tidy_assets(project, cache, ordered)
    if done or cache.rebuilt or report.manifest_written or written_site:
        cache.wrote_folders()  # this run changed them: their signatures are taken again at save
    cache.save(project.cache_path)
    _record_answers(run, cache, done, raced)
    report.issues.sort(key=lambda issue: (issue.location.path, issue.location.line))


def _totals_now(
    cache: BuildCache, done: set[str], listing: str, report: BuildReport, review: bool
) -> dict[str, Any]:
    """The totals of every article as this run leaves the cache, the articles it did not
    process accounted in ``report``: the last run's totals updated by the rows of the
    articles this run built or forgot, when they can be; else counted over every row."""
    kept = _totals_kept(cache, review)
    if kept is not None:
        stored = {source for source in done | cache.changed_sources() if source in cache.known}
        old = cache.stored_summaries(stored)
        if old is not None and len(old) == len(stored):
            rest = _totals_changed(kept, old, [], listing)
            _account_totals(report, rest, review)
            return _totals_changed(rest, [], cache.built_summaries(), listing)
    rows = cache.summary_rows()
    _account_totals(report, _totals_of([row for row in rows if row.source not in done], listing), review)
    return _totals_of(rows, listing)


def _site_unchanged(project: Project, cache: BuildCache) -> bool:
    """Whether the site files (manifest, sitemap, feeds) need no writing: no article was
    built or forgotten, the settings are the same, and each file is as the last run wrote
    it (:func:`pipeline.publish.site_files` makes them otherwise)."""
    if cache.reset or cache.rebuilt:
        return False
    recorded = cache.meta.get("site", {})
    files = recorded.get("files") if isinstance(recorded, dict) else None
    if not isinstance(files, dict) or not recorded.get("listing"):
        return False
    out = project.output_dir
    paths = [out / "manifest.json"]
    if project.config.site.base_url is not None:
        paths.append(out / "sitemap.xml")
    paths += [out / lang / "feed.xml" for lang in project.config.languages]
    if set(files) != {project.relative(path) for path in paths}:
        return False
    return all(still(path, FileIdentity.from_json(files[project.relative(path)])) for path in paths)


TOTALS_FORM = 2
"""The form of the totals kept in the cache's meta (others are made again)."""


def _totals_of(rows: Sequence[Summary], listing: str) -> dict[str, Any]:
    """What the summary says of the articles of ``rows`` (``listing``: that of every live
    source, which the totals are kept for, see :func:`~pipeline.cache.listing`), in the form the next run
    reads back (as a whole by :func:`_account_totals`, or updated by :func:`_totals_changed`)."""
    empty: dict[str, Any] = {
        "form": TOTALS_FORM, "pages": "", "review": [], "units": dict.fromkeys(COUNT_KEYS, 0),
        "errors": [], "warnings": 0, "stale_drafts": 0, "unpublished": [], "notices": [],
    }  # fmt: skip
    return _totals_changed(empty, [], rows, listing)


def _totals_changed(
    totals: dict[str, Any], old: Sequence[Summary], new: Sequence[Summary], listing: str
) -> dict[str, Any]:
    """``totals`` without what the rows ``old`` gave them and with what ``new`` give, for
    the live sources of ``listing``: the cost of the articles that changed, not of the project.
    The errors are kept by source, the notices by slug (the order a full count gives)."""
    units = dict(totals["units"])
    for sign, rows in ((-1, old), (1, new)):
        for row in rows:
            units["reviewed"] += sign * row.reviewed
            units["machine"] += sign * row.machine
            units["untranslated"] += sign * row.untranslated
    gone = {row.source for row in old}
    errors = [error for error in totals["errors"] if error[0] not in gone]
    errors += ([row.source, *error] for row in new if row.errors != "[]" for error in row.decoded("errors"))
    notices = [notice for notice in totals["notices"] if notice[1] not in gone]
    notices += (
        [row.slug, row.source, *notice]
        for row in new
        if row.notices != "[]"
        for notice in row.decoded("notices")
    )
    pages = totals["pages"]
    old_pages = [page for row in old if row.pages for page in row.pages.split("\n")]
    if old_pages:
        pages = "\n".join(_without(pages.split("\n"), old_pages))
    added = "\n".join(row.pages for row in new if row.pages)
    pages = f"{pages}\n{added}" if pages and added else pages or added
    return {
        "form": TOTALS_FORM,
        "listing": listing,
        "pages": pages,
        "review": _without(totals["review"], [row.review for row in old if row.review])
        + [row.review for row in new if row.review],
        "units": units,
        "errors": sorted(errors, key=lambda error: error[0]),
        "warnings": totals["warnings"] - sum(row.warnings for row in old) + sum(row.warnings for row in new),
        "stale_drafts": totals["stale_drafts"]
        - sum(row.stale for row in old)
        + sum(row.stale for row in new),
        "unpublished": _without(totals["unpublished"], [row.held for row in old if row.held])
        + [row.held for row in new if row.held],
        "notices": sorted(notices, key=lambda notice: (notice[0], notice[1])),
    }


def _without(items: list[str], removed: list[str]) -> list[str]:
    """``items`` less one occurrence of each of ``removed``."""
    if not removed:
        return items
    if len(removed) <= 64:  # a few: each found by the list itself
        kept = list(items)
        for item in removed:
            with contextlib.suppress(ValueError):
                kept.remove(item)
        return kept
    left = Counter(removed)
    kept = []
    for item in items:
        if left.get(item):
            left[item] -= 1
        else:
            kept.append(item)
    return kept


def _totals_valid(totals: Any) -> TypeGuard[dict[str, Any]]:
    """Whether ``totals`` (read from the cache) have the form this version keeps."""
    return (
        isinstance(totals, dict)
        and totals.get("form") == TOTALS_FORM
        and isinstance(totals.get("listing"), str)
        and isinstance(totals.get("pages"), str)
        and isinstance(totals.get("units"), dict)
        and all(isinstance(totals["units"].get(key), int) for key in COUNT_KEYS)
        and isinstance(totals.get("warnings"), int)
        and isinstance(totals.get("stale_drafts"), int)
        and all(
            isinstance(totals.get(key), list) and all(isinstance(item, str) for item in totals[key])
            for key in ("review", "unpublished")
        )
        and isinstance(totals.get("errors"), list)
        and all(isinstance(error, list) and len(error) == 5 for error in totals["errors"])
        and isinstance(totals.get("notices"), list)
        and all(isinstance(notice, list) and len(notice) == 6 for notice in totals["notices"])
    )


def _notices(totals: dict[str, Any]) -> list[Issue]:
    return [
        Issue(Location(path, line), "warning", code, message)
        for _slug, _source, path, line, code, message in totals["notices"]
    ]


def _totals_known(cache: BuildCache, listing: str, review: bool) -> dict[str, Any] | None:
    """The totals kept by the last run, when this run changed nothing they depend on."""
    totals = cache.meta.get("totals")
    if cache.rebuilt or cache.reset or review or not _totals_valid(totals):
        return None
    if totals.get("listing") != listing:
        return None
    return totals


def _totals_kept(cache: BuildCache, review: bool) -> dict[str, Any] | None:
    """The totals kept by the last run, when they are those of the articles the database
    holds (so that they can be updated by the articles this run changed)."""
    totals = cache.meta.get("totals")
    if cache.reset or review or not _totals_valid(totals):
        return None
    if totals["listing"] != listing_of(sorted(cache.known)):
        return None
    return totals


def _account_totals(report: BuildReport, totals: dict[str, Any], review: bool) -> None:
    if totals["pages"]:
        report.pages_unchanged.extend(totals["pages"].split("\n"))
    if review:
        report.review_unchanged.extend(totals["review"])
    for key in COUNT_KEYS:
        report.units[key] += totals["units"].get(key, 0)
    report.issues.extend(
        Issue(Location(str(path), int(line)), "error", str(code), str(message))
        for _source, path, line, code, message in totals["errors"]
    )
    report.warnings += totals["warnings"]
    report.stale_drafts += totals["stale_drafts"]
    report.unpublished.update(totals["unpublished"])
    report.notices = _notices(totals)


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
        from pipeline.review import review_folder

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
    if not done:
        return
    from pipeline.answers import save_answers

    try:
        staging = run.staging.path if run.staging is not None else None
        save_answers(run.project.cache_path, catalogs, sources, staging=staging)
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
    gone = [rel for rel in cache.known if rel not in live]
    if not gone:
        return
    kept = [rel for rel in live if rel not in done and rel in cache.articles]
    cache.summaries(kept)
    cache.known.load(gone)
    current = {page for article in done.values() for page in article.facts.get("pages", [])}
    current |= {page for rel in kept for page in cache.state(rel)["facts"].get("pages", [])}
    for rel in gone:
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


__all__ = ["BuildOptions", "BuildReport", "EngineError", "PipelineError", "build_project"]
