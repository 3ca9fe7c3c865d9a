"""The ``puente`` command: a thin layer over the library.

Only this module prints and exits. Library errors (:class:`PipelineError`)
become one line ``path:line: message`` on stderr and exit code 2; commands that
find problems in translations exit 1; success is 0.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import click

from pipeline import __version__
from pipeline.errors import PipelineError

F = TypeVar("F", bound=Callable[..., Any])

root_option = click.option(
    "--root",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    show_default=True,
    help="Project folder (holds sources/, locales/, glossary/).",
)


@contextmanager
def reported_errors() -> Iterator[None]:
    """Turn expected library errors into one line on stderr and exit code 2."""
    try:
        yield
    except PipelineError as exc:
        click.echo(str(exc), err=True)
        sys.exit(2)
    except KeyboardInterrupt:
        click.echo("interrupted: every file written is complete (old or new)", err=True)
        sys.exit(130)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="puente")
def main() -> None:
    """Puente: publish news articles in English and Spanish.

    Sources in sources/ (Markdown with YAML front matter, or HTML) are split
    into translation units, drafted through the glossary and machine
    translation, reviewed by translators in PO files under locales/, and built
    into HTML pages in both languages with a manifest for the CMS.
    """


@main.command()
@root_option
@click.option(
    "--out", type=click.Path(file_okay=False, path_type=Path), help="Output folder [default: build/]."
)
@click.option("--quiet", is_flag=True, help="Print nothing but errors.")
def build(root: Path, out: Path | None, quiet: bool) -> None:
    """Build the pages of every article and build/manifest.json.

    Writes build/<lang>/<slug>.html for every article in sources/ and a
    manifest for the CMS. Files whose content did not change are not
    rewritten; every file is written atomically.
    """
    from pipeline.build import build_project
    from pipeline.config import load_config

    with reported_errors():
        config = load_config(root)
        report = build_project(config, output=out)
    if not quiet:
        click.echo(
            f"{report.articles} articles: {len(report.pages_written)} pages written, "
            f"{len(report.pages_unchanged)} unchanged"
        )


@main.command()
@root_option
@click.option("--quiet", is_flag=True, help="Print nothing but errors.")
def extract(root: Path, quiet: bool) -> None:
    """Write the templates and update the catalogs of every article.

    Writes locales/templates/<slug>.pot and updates
    locales/<lang>/LC_MESSAGES/<slug>.po (the target language: es for English
    articles, en for Spanish ones) with msgmerge's rules: translations are
    kept, changed units become fuzzy with the previous text, removed ones
    become obsolete. Files are rewritten only when their content changed.
    """
    from pipeline.catalog import extract_project
    from pipeline.config import load_config

    with reported_errors():
        report = extract_project(load_config(root))
    if not quiet:
        stats = report.stats
        click.echo(
            f"templates: {len(report.templates_written)} written, "
            f"{len(report.templates_unchanged)} unchanged; "
            f"catalogs: {len(report.catalogs_written)} written, {len(report.catalogs_unchanged)} unchanged"
        )
        click.echo(
            f"entries: {stats.kept} kept, {stats.fuzzy} fuzzy (changed source), {stats.new} new, "
            f"{stats.obsolete} made obsolete"
        )


@main.command()
@root_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def status(root: Path, as_json: bool) -> None:
    """Report, per article and language, what is reviewed, drafted, changed or missing.

    Columns count units (and words): reviewed (translated, not fuzzy),
    machine (fuzzy drafts), changed (fuzzy: the source changed after a person
    translated it), untranslated, and obsolete entries kept for reference.
    """
    import json

    from pipeline.catalog import STATES, project_status
    from pipeline.config import load_config

    with reported_errors():
        statuses = project_status(load_config(root))
    if as_json:
        payload = [
            {"path": s.path, "slug": s.slug, "lang": s.lang, "units": s.units, "words": s.words}
            for s in statuses
        ]
        click.echo(json.dumps(payload, ensure_ascii=False, indent=2))
        return
    headers = ["article", "lang", *STATES]
    rows = [[s.slug, s.lang, *(f"{s.units[k]} ({s.words[k]} w)" for k in STATES)] for s in statuses]
    totals = [
        "total",
        "",
        *(f"{sum(s.units[k] for s in statuses)} ({sum(s.words[k] for s in statuses)} w)" for k in STATES),
    ]
    table = [headers, *rows, totals]
    widths = [max(len(row[i]) for row in table) for i in range(len(headers))]
    for row in table:
        click.echo("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
