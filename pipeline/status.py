"""``puente status`` and ``puente check``: what the catalogs hold, and what is wrong in them.

Both answer from what they (or the last build) computed of each file that has not
changed since (:mod:`pipeline.answers`), and read only the others: the answers are
those of reading every file again, at the cost of the files that changed.
"""

from __future__ import annotations

from pathlib import Path

from pipeline.answers import Answers, check_key, source_key
from pipeline.cache import FileIdentity
from pipeline.catalog import CatalogStatus, catalog_status
from pipeline.checks import check_catalog
from pipeline.errors import CatalogError, SourceError
from pipeline.files import read_with_stat
from pipeline.glossary import Glossary
from pipeline.model import Issue
from pipeline.po import CATALOG_LIMIT, Catalog, read_catalog
from pipeline.project import Project
from pipeline.sources import load_document
from pipeline.termbase import load_glossary


def _read(path: Path, rel: str) -> tuple[Catalog, FileIdentity]:
    data, info = read_with_stat(path, rel, CatalogError, CATALOG_LIMIT)
    return read_catalog(path, rel, data), FileIdentity.of(data, info)


def project_status(project: Project, *, cached: bool = True) -> list[CatalogStatus]:
    """The status of every catalog under ``locales/<lang>/LC_MESSAGES/`` (``cached``:
    answered from what is known of unchanged catalogs)."""
    answers = Answers.load(project, findings=False) if cached else Answers(project.cache_path)
    statuses = []
    for path in project.catalog_paths():
        rel = project.relative(path)
        known = answers.status(project, path, rel)
        if known is None:
            catalog, identity = _read(path, rel)
            known = catalog_status(catalog, rel, path.stem, path.parent.parent.name)
            answers.remember_catalog(rel, identity, known)
        statuses.append(known)
    if cached:
        answers.save()
    return statuses


def source_language(project: Project, catalog: Catalog, target: str) -> str:
    """The language a catalog translates from (its ``X-Source-Language`` header, else the
    project's other language)."""
    declared = catalog.fields.get("X-Source-Language", "")
    if declared in project.config.languages and declared != target:
        return declared
    return next(lang for lang in project.config.languages if lang != target)


def source_findings(project: Project, answers: Answers | None = None) -> list[Issue]:
    """What parsing each source removed (see :mod:`pipeline.sanitize`), by file and line."""
    from pipeline.build import SOURCE_LIMIT

    key = source_key(project)
    issues: list[Issue] = []
    for path in project.source_paths():
        rel = project.relative(path)
        known = answers.source_findings(project, rel, key) if answers is not None else None
        if known is None:
            if not project.inside(path):  # (a file known unchanged was inside when it was read)
                raise SourceError(rel, None, "links outside the project: copy the article into sources/")
            raw, info = read_with_stat(path, rel, SourceError, SOURCE_LIMIT)
            document = load_document(path, project.root, raw, allow_embeds=project.config.allow_embeds)
            known = list(document.warnings)
            if answers is not None:
                answers.remember_source(rel, FileIdentity.of(raw, info), key, known)
        issues.extend(known)
    return issues


def check_project(project: Project, glossary: Glossary | None = None, *, cached: bool = True) -> list[Issue]:
    """Findings for every catalog of the project, and what parsing the sources removed,
    sorted by file and line (``cached``: answered from what is known of unchanged files)."""
    answers = Answers.load(project) if cached else Answers(project.cache_path)
    key = check_key(project) if cached else ""
    issues: list[Issue] = source_findings(project, answers if cached else None)
    for path in project.catalog_paths():
        rel = project.relative(path)
        known = answers.findings(project, rel, key) if cached else None
        if known is None:
            glossary = glossary if glossary is not None else load_glossary(project)
            catalog, identity = _read(path, rel)
            target = path.parent.parent.name
            source = source_language(project, catalog, target)
            known = check_catalog(catalog, rel, source, target, glossary, project.config.check_severities)
            status = catalog_status(catalog, rel, path.stem, target)
            answers.remember_catalog(rel, identity, status, key, known)
        issues.extend(known)
    if cached:
        answers.save()
    return sorted(issues, key=lambda issue: (issue.location.path, issue.location.line))
