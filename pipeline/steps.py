"""The steps of a build that run for each article, in worker processes.

:mod:`pipeline.build` plans a run and commits it; this module does the work in
between, for each article that changed: read its source and catalog, parse,
segment, merge, draft (one engine batch for the whole run), assemble, check, render
and stage. It is imported only when a run has articles to process, so that a run that
finds nothing changed starts without it.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.answers import InStaging, pack
from pipeline.assemble import assemble
from pipeline.build import SOURCE_LIMIT, BuildReport, Progress, Run
from pipeline.cache import (
    SUMMARY_KEYS,
    FileIdentity,
    Fragments,
    dumps,
    identify,
)
from pipeline.catalog import catalog_status, catalog_text, template_for, template_text, update_catalog
from pipeline.checks import check_catalog
from pipeline.drafting import HEADING_KINDS, draft_key, kind_of
from pipeline.errors import BuildError, CatalogError, PipelineError, SourceError
from pipeline.files import Staged, discard, read_limited, read_with_stat, stage
from pipeline.glossary import find_terms, glossary_notes
from pipeline.memory import Draft
from pipeline.model import Document, Issue, Location, Unit
from pipeline.mt import get_engine
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
)
from pipeline.records import replace
from pipeline.refresh import Drafter, refreshable
from pipeline.segment import document_units
from pipeline.sources import SlugClaim, load_document, slug_claim
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

if TYPE_CHECKING:
    from pipeline.adapt import Adapted

log = logging.getLogger("puente")


@dataclass
class Failure:
    """A unit the engine could not draft."""

    location: Location
    msgid: str
    reason: str

    def __str__(self) -> str:
        short = self.msgid if len(self.msgid) <= 50 else self.msgid[:49] + "…"
        return f"{self.location}: {short!r}: {self.reason}"


_RUN: Run | None = None
"""The run in progress (read by the functions that run in workers)."""


def begin(run: Run) -> None:
    """Make ``run`` the run in progress (the workers forked from now on inherit it)."""
    global _RUN
    _RUN = run


def end() -> None:
    global _RUN
    _RUN = None


def _current() -> Run:
    assert _RUN is not None, "no run in progress"
    return _RUN


def run_pass(run: Run, paths: Sequence[Path], report: BuildReport, progress: Progress | None) -> list[Done]:
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
    outputs: list[tuple[Path | str, str | None, int]] = field(default_factory=list)
    written_id: tuple[str, int] | None = None  # the catalog written: its hash and inode
    moved: list[tuple[Path, FileIdentity | None]] = field(default_factory=list)  # old files to remove
    inputs: list[tuple[Path, FileIdentity | None]] = field(default_factory=list)  # its images, as read
    review: dict[str, bool] = field(default_factory=dict)  # its review page: whether it changed
    # what ``puente status`` and ``check`` would find: the catalog's counts, its findings
    # and the source's (see pipeline.answers)
    answers: tuple[dict[str, Any], Any, Any] | None = None
    warnings: int = 0  # findings other than errors (only the errors are kept: see _compact)
    stored: tuple[str | None, Fragments] | None = None  # the facts as the cache stores them (None: staged)

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
        key = draft_key(run.glossary.version, config.locales)
        lookup = MemoryLookup(
            memory, run.engine_name, run.engine_version, key, config.fuzzy_threshold,
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
            if known.get(item.msgid, "heading") in HEADING_KINDS:  # a heading only if always one
                known[item.msgid] = kind_of(article.catalog.entries[item.index].msgctxt)
    for (source, target, msgid), translation in reviewed.items():
        drafts.setdefault((source, target), {})[msgid] = EngineDraft(translation, reviewed=True)
    if not texts:
        return drafts
    from pipeline.adapt import adapt_each  # (and the rules: loaded by the runs that draft)

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
        if options.no_mt:  # no engine asked: what nothing drafted stays untranslated, not failed
            rest = [item for item in rest if item.msgid in drafts]
        key = draft_key(run.glossary.version, config.locales)
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
                     draft_key(run.glossary.version, config.locales),
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
    try:
        _compact(result)
    except BaseException:
        discard(result.files)  # staging failed (a full disk): nothing of the article stays
        raise
    return result


def _compact(result: Done) -> None:
    """Keep of a processed article what the commit, the cache and the summary need, in its
    most compact form: every article of a run waits in the main process for the single
    commit, so this is what bounds the run's memory. Its errors and the count of its other
    findings; its facts serialized, with its share of the site files, and a summary."""
    result.outputs = [
        (str(path), digest, inode) for path, digest, inode in result.outputs
    ]  # (text is smaller)
    result.warnings = sum(1 for issue in result.issues if issue.severity == "warning")  # notes aside
    result.issues = [issue for issue in result.issues if issue.severity == "error"]
    if "paths" in result.facts:  # a build's article (extract and translate make no pages)
        facts = result.facts
        fragments = article_fragments(facts)
        staging = _current().staging
        if staging is not None:  # the heavy parts wait in the staging file, not in memory
            staging.put(result.source, dumps(facts), fragments)
            fragments = dataclasses.replace(fragments, manifest="", sitemap="")
            result.stored = (None, fragments)
        else:
            result.stored = (dumps(facts), fragments)
        result.facts = {key: facts[key] for key in SUMMARY_KEYS if key in facts}
    if result.answers is not None:
        counts, findings, warnings = result.answers
        staging = _current().staging
        if staging is not None:  # they too wait in the staging file
            catalog, own = pack(findings, result.catalog), pack(warnings, result.source, located=True)
            staging.put_answers(
                result.source,
                (catalog.rows, catalog.printed, *catalog.counts),
                (own.rows, own.printed, *own.counts),
            )
            result.answers = (counts, InStaging(result.source), InStaging(result.source))
        else:
            result.answers = (counts, dumps(findings), dumps(warnings))


def _drafter(run: Run) -> Drafter:
    """What makes an engine draft in this run (a draft made otherwise predates it)."""
    key = draft_key(run.glossary.version, run.project.config.locales)
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
        from pipeline.review import stage_for_build

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
