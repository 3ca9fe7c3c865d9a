"""``puente status`` and ``puente check``: what the catalogs hold, and what is wrong in them."""

from __future__ import annotations

from pathlib import Path

from pipeline.catalog import CatalogStatus, catalog_status
from pipeline.checks import check_catalog
from pipeline.errors import SourceError
from pipeline.files import read_limited
from pipeline.glossary import Glossary
from pipeline.model import Issue
from pipeline.po import Catalog, read_catalog
from pipeline.project import Project
from pipeline.sources import load_document
from pipeline.termbase import load_glossary


def _catalogs(project: Project) -> list[tuple[Path, str, Catalog]]:
    return [
        (path, project.relative(path), read_catalog(path, project.relative(path)))
        for path in project.catalog_paths()
    ]


def project_status(project: Project) -> list[CatalogStatus]:
    """The status of every catalog under ``locales/<lang>/LC_MESSAGES/``."""
    return [
        catalog_status(catalog, rel, path.stem, path.parent.parent.name)
        for path, rel, catalog in _catalogs(project)
    ]


def source_language(project: Project, catalog: Catalog, target: str) -> str:
    """The language a catalog translates from (its ``X-Source-Language`` header, else the
    project's other language)."""
    declared = catalog.fields.get("X-Source-Language", "")
    if declared in project.config.languages and declared != target:
        return declared
    return next(lang for lang in project.config.languages if lang != target)


def source_findings(project: Project) -> list[Issue]:
    """What parsing each source removed (see :mod:`pipeline.sanitize`), by file and line."""
    from pipeline.build import SOURCE_LIMIT

    issues: list[Issue] = []
    for path in project.source_paths():
        rel = project.relative(path)
        if not project.inside(path):
            raise SourceError(rel, None, "links outside the project: copy the article into sources/")
        raw = read_limited(path, rel, SourceError, SOURCE_LIMIT)
        document = load_document(path, project.root, raw, allow_embeds=project.config.allow_embeds)
        issues.extend(document.warnings)
    return issues


def check_project(project: Project, glossary: Glossary | None = None) -> list[Issue]:
    """Findings for every catalog of the project, and what parsing the sources removed,
    sorted by file and line."""
    glossary = glossary if glossary is not None else load_glossary(project)
    issues: list[Issue] = source_findings(project)
    for path, rel, catalog in _catalogs(project):
        target = path.parent.parent.name
        source = source_language(project, catalog, target)
        issues.extend(check_catalog(catalog, rel, source, target, glossary, project.config.check_severities))
    return sorted(issues, key=lambda issue: (issue.location.path, issue.location.line))
