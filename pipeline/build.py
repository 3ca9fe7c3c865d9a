"""``puente build``: from sources and catalogs to pages in both languages and a manifest.

The orchestration only; each step is a function of its own module:
parse (:mod:`~pipeline.sources`), update catalogs (:mod:`~pipeline.catalog`),
draft (:mod:`~pipeline.translate`), reassemble (:mod:`~pipeline.assemble`),
render (:mod:`~pipeline.render`) and describe (:mod:`~pipeline.manifest`).

Safe: a lock keeps two builds on one root from interleaving; every input of
an article is read and validated before anything of it is written; every file
is written atomically, so an interrupted build leaves each file old or new.

Incremental: ``.puente/build-cache.json`` records, per source file, a key made
of the source's and catalog's bytes, the glossary, the page template, the
settings and Puente's version. An article whose key is unchanged and whose
pages are in place is not parsed, translated or rendered again.
"""

from __future__ import annotations

import fcntl
import functools
import hashlib
import json
import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import babel
import polib

from pipeline import __version__
from pipeline.assemble import COUNT_KEYS, assemble
from pipeline.catalog import (
    Extracted,
    discard_extracted,
    extract_article,
    extract_project,
    po_path,
    read_catalog,
    relative,
    write_extracted,
)
from pipeline.checks import check_catalog
from pipeline.config import Config
from pipeline.errors import BuildError
from pipeline.files import Staged, commit, discard, stage, sweep, write_atomic
from pipeline.glossary import project_glossary
from pipeline.manifest import ArticleEntry, PageEntry, build_manifest
from pipeline.model import Document, Issue, Unit
from pipeline.parallel import fork_safe_fd, parallel_map, release_fd
from pipeline.placeholders import count_words
from pipeline.render import heading_ids, render_page
from pipeline.segment import document_units
from pipeline.sources import check_unique_slugs, load_document, source_paths
from pipeline.translate import TranslateReport, translate_project

Progress = Callable[[int], None]
CACHE_NAME = "build-cache.json"


@dataclass(frozen=True)
class BuildOptions:
    output: Path | None = None
    engine: str | None = None
    no_mt: bool = False
    jobs: int = 2
    reviewed_only: bool = False


@dataclass
class BuildReport:
    """What a build did, for the summary and for tests."""

    articles: int = 0
    rebuilt: int = 0
    pages_written: list[str] = field(default_factory=list)
    pages_unchanged: list[str] = field(default_factory=list)
    not_written: list[str] = field(default_factory=list)
    units: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNT_KEYS, 0))
    issues: list[Issue] = field(default_factory=list)
    translate: TranslateReport | None = None
    manifest_written: bool = False


@contextmanager
def build_lock(config: Config, command: str = "build", out: Path | None = None) -> Iterator[None]:
    """Hold ``.puente/build.lock`` while ``command`` (build, extract, translate: whatever
    rewrites catalogs and pages) runs, or fail at once naming the run that holds it.

    Code that calls :func:`pipeline.catalog.extract_project` or
    :func:`pipeline.translate.translate_project` itself should hold it too. Once taken,
    the temporary files a killed run left in the project's folders (with ``out`` as the
    output folder) are removed.
    """
    config.state_dir.mkdir(parents=True, exist_ok=True)
    path = config.state_dir / "build.lock"
    with open(path, "a+") as handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            pid, _, holder = handle.read().strip().partition(" ")
            raise BuildError(
                ".puente/build.lock",
                None,
                f"another {holder or 'puente command'} is running on this project "
                f"(pid {pid or 'unknown'}); wait for it to finish",
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()} {command}")
        handle.flush()
        fork_safe_fd(handle.fileno())  # workers must not hold it after a killed build
        sweep(_working_folders(config, out or config.output_dir))  # a killed run's leftovers
        try:
            yield
        finally:
            release_fd(handle.fileno())


def _working_folders(config: Config, out: Path) -> list[Path]:
    """The folders Puente writes files into (where a killed run can leave a temporary one)."""
    folders = [config.state_dir, config.glossary_dir, config.locales_dir / "templates", out]
    for lang in config.languages:
        folders += [config.locales_dir / lang / "LC_MESSAGES", out / lang]
    return folders


def page_path(lang: str, slug: str) -> str:
    """A page's path relative to the output folder (and to the manifest)."""
    return f"{lang}/{slug}.html"


def _sha(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except FileNotFoundError:
        return ""


def _template(config: Config) -> Path | None:
    path = config.root / "templates" / "page.html"
    return path if path.is_file() else None


def _settings_key(config: Config, options: BuildOptions, glossary_version: str) -> str:
    template = _template(config)
    parts = [
        __version__,
        f"babel {babel.__version__}",  # locale data shapes dates on pages
        glossary_version,
        _sha(template) if template else "built-in",
        repr(sorted(config.locales.items())),
        config.segmentation,
        config.changed_units,
        options.engine or config.engine,
        str(options.no_mt),
        str(options.reviewed_only),
    ]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def build_project(config: Config, options: BuildOptions, progress: Progress | None = None) -> BuildReport:
    """Build every article of the project; see the module docstring."""
    out = options.output or config.output_dir
    report = BuildReport()
    with build_lock(config, out=out):
        glossary = project_glossary(config, reload=True)
        settings = _settings_key(config, options, glossary.version)
        cache_path = config.state_dir / CACHE_NAME
        cache = _load_cache(cache_path, settings)
        sources = source_paths(config)
        clean: dict[str, dict[str, Any]] = {}
        dirty: list[Path] = []
        for path in sources:
            rel = relative(config, path)
            cached = cache.get(rel)
            if cached and _still_valid(cached, path, config, out):
                clean[rel] = cached
            else:
                dirty.append(path)
        template = _template(config)
        prepared: list[_Prepared] = []
        extracted: list[Extracted] = []
        if dirty and options.no_mt:
            # one pass per article: parse, merge its catalog, reassemble and render, staging
            # the files; nothing is committed before every article is done (a bad source or
            # catalog stops the build here with no file changed)
            process = functools.partial(_process_source, config, options, template, out)
            results = parallel_map(process, dirty, options.jobs, progress, discard=_discard_result)
            extracted = [article for article, _ in results]
            prepared = [article for _, article in results]
        elif dirty:
            # reads and merges every catalog before writing any: a broken one stops the build here
            catalogs = extract_project(config, dirty, jobs=options.jobs, owners=_owners(clean))
            report.translate = translate_project(
                config,
                options.engine,
                jobs=options.jobs,
                only=set(catalogs.catalog_paths),
                progress=progress,
            )
            prepare = functools.partial(_prepare_source, config, options, template, out)
            prepared = parallel_map(prepare, dirty, options.jobs, progress, discard=_discard_prepared)
        pages: list[Staged] = []
        fresh: dict[str, dict[str, Any]] = {}
        try:
            if extracted:
                check_unique_slugs(sorted(done.claim for done in extracted), _owners(clean))
                write_extracted(config, extracted)
            for article in prepared:
                fresh[article.entry["source"]] = _account_article(article, report, pages)
            for item in pages:
                rel_page = item.path.relative_to(out).as_posix()
                (report.pages_written if item.changed else report.pages_unchanged).append(rel_page)
            commit(pages, durable=False)
        except BaseException:
            _discard_staged(extracted, prepared)
            raise
        for held in report.not_written:
            # a page held back must not stay online in an older version
            (out / held).unlink(missing_ok=True)
        report.articles = len(sources)
        report.rebuilt = len(dirty)
        entries = {**clean, **fresh}
        for cached in clean.values():
            report.pages_unchanged.extend(cached["pages"])
            for key in COUNT_KEYS:
                report.units[key] += cached["target_units"].get(key, 0)
        ordered = sorted(entries, key=lambda rel: entries[rel]["slug"])
        articles = [_article_entry(entries[rel]) for rel in ordered]
        manifest = build_manifest(articles, generator_version=__version__, previous=out / "manifest.json")
        report.manifest_written = write_atomic(out / "manifest.json", manifest)
        _save_cache(cache_path, settings, entries, config)
    return report


def _owners(clean: dict[str, dict[str, Any]]) -> dict[str, str]:
    """Slug → source of the articles not rebuilt this time."""
    return {cached["slug"]: rel for rel, cached in clean.items()}


def _still_valid(cached: dict[str, Any], path: Path, config: Config, out: Path) -> bool:
    if cached.get("source_sha") != _sha(path):
        return False
    if cached.get("catalog_sha") != _sha(config.root / cached["catalog"]):
        return False
    return all(_sha(out / page) == sha for page, sha in cached["page_sha"].items())


def _load_cache(path: Path, settings: str) -> dict[str, dict[str, Any]]:
    try:
        data = json.loads(path.read_text("utf-8"))
    except (FileNotFoundError, ValueError, UnicodeDecodeError):
        return {}
    if not isinstance(data, dict) or data.get("settings") != settings:
        return {}
    articles = data.get("articles")
    return articles if isinstance(articles, dict) else {}


def _save_cache(path: Path, settings: str, entries: dict[str, dict[str, Any]], config: Config) -> None:
    for entry in entries.values():
        entry["catalog_sha"] = _sha(config.root / entry["catalog"])
    payload = {"settings": settings, "articles": entries}
    # compact: the C encoder (an indented dump takes the slow path, a tenth of a second per 1,000 articles)
    write_atomic(path, json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True) + "\n")


@dataclass
class _Prepared:
    """One article's pages (staged) and facts, computed in a worker."""

    entry: dict[str, Any]
    pages: tuple[Staged, ...]
    issues: list[Issue]
    units: dict[str, int]
    held: str | None


def _discard_staged(extracted: Sequence[Extracted], prepared: Sequence[_Prepared]) -> None:
    """Remove every file the articles staged, catalogs and pages, in one :func:`discard`
    (so that the folders made for them go too)."""
    discard(
        [
            *(item for done in extracted for item in done.files),
            *(item for article in prepared for item in article.pages),
        ]
    )


def _discard_prepared(prepared: Sequence[_Prepared]) -> None:
    _discard_staged([], prepared)


def _discard_result(results: Sequence[tuple[Extracted, _Prepared]]) -> None:
    _discard_staged([done for done, _ in results], [article for _, article in results])


def _account_article(prepared: _Prepared, report: BuildReport, pages: list[Staged]) -> dict[str, Any]:
    """Count one article into ``report``, queue its staged pages into ``pages``, and
    return its cache entry."""
    report.issues.extend(prepared.issues)
    for key in COUNT_KEYS:
        report.units[key] += prepared.units[key]
    if prepared.held is not None:
        report.not_written.append(prepared.held)
    pages.extend(prepared.pages)
    return prepared.entry


def _process_source(
    config: Config, options: BuildOptions, template: Path | None, out: Path, path: Path
) -> tuple[Extracted, _Prepared]:
    """Everything of one article without machine translation, in one worker."""
    document = load_document(path, config.root)
    extracted, catalog, units = extract_article(config, document)
    try:
        return extracted, _prepare_article(config, options, template, out, document, catalog, units)
    except BaseException:
        discard_extracted([extracted])
        raise


def _prepare_source(
    config: Config, options: BuildOptions, template: Path | None, out: Path, path: Path
) -> _Prepared:
    """One article's pages from its source and its catalog as written."""
    document = load_document(path, config.root)
    meta = document.meta
    catalog = read_catalog(po_path(config, meta.slug, config.target_language(meta.lang)), config.root)
    return _prepare_article(config, options, template, out, document, catalog)


def _prepare_article(
    config: Config,
    options: BuildOptions,
    template: Path | None,
    out: Path,
    document: Document,
    catalog: polib.POFile,
    units: list[Unit] | None = None,
) -> _Prepared:
    meta = document.meta
    source_lang, target_lang = meta.lang, config.target_language(meta.lang)
    paths = {source_lang: page_path(source_lang, meta.slug), target_lang: page_path(target_lang, meta.slug)}
    alternates = {lang: f"../{path}" for lang, path in paths.items()}
    ids = heading_ids(document)
    if units is None:
        units = document_units(document, config.segmentation)
    entries = {(e.msgctxt, e.msgid): e for e in catalog if not e.obsolete}
    catalog_rel = relative(config, po_path(config, meta.slug, target_lang))
    translated, page_report = assemble(
        document,
        units,
        entries,
        target_lang,
        catalog_path=catalog_rel,
        changed_units=config.changed_units,
        segmentation=config.segmentation,
    )
    issues = page_report.issues + check_catalog(catalog, catalog_rel, config, project_glossary(config))
    held = page_report.held or (options.reviewed_only and page_report.state != "reviewed")
    if held:  # and not linked to either
        alternates = {source_lang: alternates[source_lang]}
    pages: dict[str, bytes] = {
        source_lang: render_page(
            document, alternates=alternates, locale=config.locale(source_lang), template=template, ids=ids
        )
    }
    if not held:
        pages[target_lang] = render_page(
            translated,
            alternates=alternates,
            locale=config.locale(target_lang),
            state=page_report.state,
            template=template,
            ids=ids,
        )
    source_words = sum(count_words(unit.text) for unit in units)
    entry = {
        "slug": meta.slug,
        "source": document.source,
        "source_lang": source_lang,
        "date": meta.date,
        "author": meta.author,
        "catalog": catalog_rel,
        "source_sha": document.sha256,
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
    }
    return _Prepared(
        entry=entry,
        pages=tuple(stage((out / paths[lang], page) for lang, page in pages.items())),
        issues=issues,
        units=page_report.units,
        held=paths[target_lang] if held else None,
    )


def _article_entry(entry: dict[str, Any]) -> ArticleEntry:
    pages = []
    written = set(entry["page_sha"])
    for lang, path in entry["paths"].items():
        if path not in written:
            continue
        pages.append(
            PageEntry(
                lang=lang,
                path=path,
                title=entry["titles"][lang],
                sha256=entry["page_sha"][path],
                state=entry["states"][lang],
                units=entry["counts"][lang]["units"],
                words=entry["counts"][lang]["words"],
                alternates={other: p for other, p in entry["paths"].items() if p in written},
            )
        )
    return ArticleEntry(
        slug=entry["slug"],
        source=entry["source"],
        source_lang=entry["source_lang"],
        date=entry["date"],
        author=entry["author"],
        pages=tuple(pages),
        held=tuple(entry["held"]),
    )
