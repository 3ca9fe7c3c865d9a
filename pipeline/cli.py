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
from pipeline.model import Issue

F = TypeVar("F", bound=Callable[..., Any])

root_option = click.option(
    "--root",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    show_default=True,
    help="Project folder (holds sources/, locales/, glossary/).",
)


def format_issue(issue: Issue) -> str:
    """``path:line: code: message [severity]``: the location first, for editors and tools."""
    return f"{issue} [{issue.severity}]"


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
    from pipeline.parallel import tune_gc

    tune_gc()


@contextmanager
def progress_bar(quiet: bool, description: str) -> Iterator[Callable[[int], None] | None]:
    """A tqdm progress bar on a terminal; nothing when quiet or not on a terminal."""
    if quiet or not sys.stderr.isatty():
        yield None
        return
    from tqdm import tqdm

    tqdm.monitor_interval = 0  # no monitor thread: worker processes are forked
    with tqdm(desc=description, unit=" units", leave=False) as bar:

        def advance(count: int) -> None:
            bar.update(count)

        yield advance


@main.command()
@root_option
@click.option(
    "--out", type=click.Path(file_okay=False, path_type=Path), help="Output folder [default: build/]."
)
@click.option("--engine", help="Machine-translation engine [default: from puente.toml, else apertium].")
@click.option("--no-mt", is_flag=True, help="Do not call a machine-translation engine (memory only).")
@click.option(
    "--jobs", type=click.IntRange(1, 64), default=2, show_default=True, help="Parallel engine jobs."
)
@click.option("--reviewed-only", is_flag=True, help="Write only target pages whose units are all reviewed.")
@click.option("--quiet", is_flag=True, help="No progress bar and no summary.")
def build(
    root: Path, out: Path | None, engine: str | None, no_mt: bool, jobs: int, reviewed_only: bool, quiet: bool
) -> None:
    """Build the pages of every article in both languages, and build/manifest.json.

    Runs the whole flow: parse sources, update templates and catalogs, draft
    missing units from the translation memory and the engine, check, and
    write build/<lang>/<slug>.html for every article plus a manifest for the
    CMS. Unchanged articles are not processed again; every file is written
    atomically. Exit code 2 on bad input (nothing is written).
    """
    from pipeline.build import BuildOptions, build_project
    from pipeline.config import load_config

    with reported_errors():
        config = load_config(root)
        options = BuildOptions(output=out, engine=engine, no_mt=no_mt, jobs=jobs, reviewed_only=reviewed_only)
        with progress_bar(quiet, "build") as progress:
            report = build_project(config, options, progress=progress)
    if quiet:
        return
    errors = [issue for issue in report.issues if issue.severity == "error"]
    for issue in errors:
        click.echo(format_issue(issue), err=True)
    if report.translate is not None:
        for failure in report.translate.failures:
            click.echo(f"{failure}", err=True)
    units = report.units
    click.echo(
        f"{report.articles} articles ({report.rebuilt} rebuilt): {len(report.pages_written)} pages written, "
        f"{len(report.pages_unchanged)} unchanged"
        + (f", {len(report.not_written)} held back" if report.not_written else "")
    )
    click.echo(
        f"translated units: {units['reviewed']} reviewed, {units['machine']} machine, "
        f"{units['untranslated']} missing; {len(errors)} errors, {len(report.issues) - len(errors)} warnings"
        + (" (puente check lists them)" if len(report.issues) > len(errors) else "")
    )
    for path in report.not_written:
        click.echo(f"not written: {path}")


@main.command()
@root_option
@click.option("--engine", help="Machine-translation engine [default: from puente.toml, else apertium].")
@click.option(
    "--jobs", type=click.IntRange(1, 64), default=2, show_default=True, help="Parallel engine jobs."
)
@click.option("--quiet", is_flag=True, help="No progress bar and no summary.")
def translate(root: Path, engine: str | None, jobs: int, quiet: bool) -> None:
    """Fill untranslated PO entries with drafts (memory first, then the engine).

    Every draft is marked fuzzy with a note naming its origin. Translations a
    person wrote are never replaced. Run `puente extract` first.
    """
    from pipeline.build import build_lock
    from pipeline.config import load_config
    from pipeline.translate import translate_project

    with reported_errors():
        config = load_config(root)
        with build_lock(config, "translate"), progress_bar(quiet, "translate") as progress:
            report = translate_project(config, engine, jobs=jobs, progress=progress)
    for failure in report.failures:
        click.echo(str(failure), err=True)
    if not quiet:
        click.echo(
            f"memory: {report.memory_exact} exact, {report.memory_fuzzy} fuzzy, "
            f"{report.memory_drafts} stored drafts; "
            f"engine: {report.engine_units} units in {report.engine_calls} calls; "
            f"{report.fresh_drafts} fresh drafts of changed units; {len(report.failures)} failed; "
            f"{len(report.catalogs_written)} catalogs written"
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
    from pipeline.build import build_lock
    from pipeline.catalog import extract_project
    from pipeline.config import load_config

    with reported_errors():
        config = load_config(root)
        with build_lock(config, "extract"):
            report = extract_project(config)
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


@main.group()
def glossary() -> None:
    """List, add, import and export glossary terms (glossary/*.tbx).

    The termbase is TBX (ISO 30042); editors can round-trip it through CSV.
    """


@glossary.command("list")
@root_option
@click.option("--lang", type=click.Choice(["en", "es"]), default="en", show_default=True, help="Source side.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def glossary_list(root: Path, lang: str, as_json: bool) -> None:
    """Print every term with its approved translation."""
    import json
    from dataclasses import asdict

    from pipeline.config import load_config
    from pipeline.glossary import load_glossary

    with reported_errors():
        terms = load_glossary(load_config(root)).terms
    if as_json:
        click.echo(json.dumps([asdict(term) for term in terms], ensure_ascii=False, indent=2))
        return
    other = "es" if lang == "en" else "en"
    for term in sorted(terms, key=lambda t: t.forms(lang)[0].casefold()):
        flag = "  (do not translate)" if term.dnt else ""
        click.echo(f"{term.forms(lang)[0]} = {term.target(other)}{flag}")


@glossary.command("add")
@root_option
@click.option("--en", "en", required=True, help="English term.")
@click.option("--es", "es", required=True, help="Spanish term.")
@click.option("--pos", default="noun", show_default=True, help="Part of speech.")
@click.option("--gender", type=click.Choice(["m", "f", ""]), default="", help="Spanish gender.")
@click.option("--note", default="", help="A note for translators.")
@click.option("--dnt", is_flag=True, help="Do not translate: keep the term as written.")
@click.option("--case-sensitive", is_flag=True, help="Match the exact case only.")
@click.option("--variant-en", multiple=True, help="Another English form (repeatable).")
@click.option("--variant-es", multiple=True, help="Another Spanish form (repeatable).")
@click.option("--subject", default="", help="Subject field, to tell homographs apart.")
def glossary_add(
    root: Path,
    en: str,
    es: str,
    pos: str,
    gender: str,
    note: str,
    dnt: bool,
    case_sensitive: bool,
    variant_en: tuple[str, ...],
    variant_es: tuple[str, ...],
    subject: str,
) -> None:
    """Add a term (or replace the entry with the same English term)."""
    import re

    from pipeline.config import load_config
    from pipeline.glossary import Term, load_glossary, merge_terms, save_terms

    term = Term(
        id=re.sub(r"[^a-z0-9]+", "-", en.lower()).strip("-") or "term",
        en=en,
        es=es,
        en_variants=variant_en,
        es_variants=variant_es,
        pos=pos,
        gender=gender,
        note=note,
        dnt=dnt,
        case_sensitive=case_sensitive,
        subject=subject,
    )
    with reported_errors():
        config = load_config(root)
        terms, added, _ = merge_terms(load_glossary(config).terms, [term])
        save_terms(config, terms)
    click.echo(f"{'added' if added else 'updated'}: {en} = {es}")


@glossary.command("import")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@root_option
def glossary_import(csv_file: Path, root: Path) -> None:
    """Merge the terms of a CSV file into the termbase."""
    from pipeline.config import load_config
    from pipeline.glossary import load_glossary, merge_terms, save_terms
    from pipeline.tbx import read_csv

    with reported_errors():
        config = load_config(root)
        incoming = read_csv(csv_file.read_text("utf-8"), str(csv_file))
        terms, added, replaced = merge_terms(load_glossary(config).terms, incoming)
        save_terms(config, terms)
    click.echo(f"{added} terms added, {replaced} updated, {len(terms)} in the termbase")


@glossary.command("export")
@root_option
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="CSV file [default: stdout]."
)
def glossary_export(root: Path, output: Path | None) -> None:
    """Write the termbase as CSV (for editing in a spreadsheet, then import)."""
    from pipeline.config import load_config
    from pipeline.glossary import load_glossary
    from pipeline.tbx import write_csv

    with reported_errors():
        text = write_csv(load_glossary(load_config(root)).terms)
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, "utf-8")


@main.command()
@root_option
@click.option("--json", "as_json", is_flag=True, help="Print the findings as JSON.")
@click.option("--list", "list_checks", is_flag=True, help="List the checks and their default severities.")
def check(root: Path, as_json: bool, list_checks: bool) -> None:
    """Check every translation: placeholders, glossary, numbers, negation, form.

    Prints one line per finding, `path:line: code: message [severity]`, and a
    summary. Exit code 1 when an error-severity finding exists. Silence one
    finding with the PO flag `puente-ignore-<code>`, or a whole check in
    puente.toml: [checks] <code> = "off".
    """
    import json

    from pipeline.checks import CHECKS, check_project
    from pipeline.config import load_config

    if list_checks:
        for code, (severity, description) in CHECKS.items():
            click.echo(f"{code:13} {severity:8} {description}")
        return
    with reported_errors():
        issues = check_project(load_config(root))
    if as_json:
        payload = [
            {
                "path": i.location.path,
                "line": i.location.line,
                "severity": i.severity,
                "code": i.code,
                "message": i.message,
            }
            for i in issues
        ]
        click.echo(json.dumps(payload, ensure_ascii=False, indent=2))
    else:
        for issue in issues:
            click.echo(format_issue(issue))
        counts = {
            severity: sum(1 for i in issues if i.severity == severity)
            for severity in ("error", "warning", "info")
        }
        click.echo(f"{counts['error']} errors, {counts['warning']} warnings, {counts['info']} notes")
    if any(issue.severity == "error" for issue in issues):
        sys.exit(1)


@main.group()
def memory() -> None:
    """Exchange the translation memory (.puente/memory.sqlite) as TMX 1.4."""


@memory.command("export")
@click.argument("tmx_file", type=click.Path(dir_okay=False, path_type=Path))
@root_option
def memory_export(tmx_file: Path, root: Path) -> None:
    """Write every reviewed translation of the memory to a TMX file."""
    from pipeline.config import load_config
    from pipeline.memory import TranslationMemory
    from pipeline.tmx import write_tmx
    from pipeline.translate import memory_path

    with reported_errors(), TranslationMemory(memory_path(load_config(root))) as tm:
        pairs = tm.pairs()
        tmx_file.write_bytes(write_tmx(pairs))
    click.echo(f"{len(pairs)} translation units written to {tmx_file}")


@memory.command("import")
@click.argument("tmx_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@root_option
def memory_import(tmx_file: Path, root: Path) -> None:
    """Add the translation units of a TMX file to the memory (as reviewed translations)."""
    from pipeline.config import load_config
    from pipeline.memory import TranslationMemory
    from pipeline.tmx import read_tmx
    from pipeline.translate import memory_path

    with reported_errors():
        pairs = read_tmx(tmx_file.read_bytes(), str(tmx_file))
        added = 0
        with TranslationMemory(memory_path(load_config(root))) as tm:
            for source_lang, target_lang in {(p[0], p[1]) for p in pairs}:
                batch = [
                    (s, t, tmx_file.name) for sl, tl, s, t in pairs if (sl, tl) == (source_lang, target_lang)
                ]
                added += tm.harvest(source_lang, target_lang, batch)
    click.echo(f"{len(pairs)} translation units read, {added} new")
