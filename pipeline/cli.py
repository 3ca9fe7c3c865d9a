"""The ``puente`` command: a thin layer over the library.

Only this module prints and exits. Library errors (:class:`PipelineError`) and
I/O failures become one line ``path:line: message`` (or ``path: reason``) on stderr
and exit code 2; commands that find problems in translations exit 1; success is 0.
``--root``, ``--quiet`` and ``--verbose`` work before the command (``puente --root X
status``) and after it.
"""

from __future__ import annotations

import errno
import logging
import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import click

from pipeline import __version__
from pipeline.errors import PipelineError
from pipeline.model import Issue
from pipeline.mt.base import ENGINES

F = TypeVar("F", bound=Callable[..., Any])


@dataclass
class Options:
    """The options given before the command."""

    root: Path
    quiet: bool
    verbose: int


def root_option(function: F) -> F:
    return click.option(
        "--root",
        type=click.Path(file_okay=False, path_type=Path),
        default=None,
        help="Project folder (holds sources/, locales/, glossary/) [default: the current folder].",
    )(function)


def quiet_option(function: F) -> F:
    return click.option("-q", "--quiet", is_flag=True, default=None, help="Print nothing but errors.")(
        function
    )


def plural(count: int, word: str, words: str | None = None) -> str:
    """``1 page``, ``2 pages``."""
    return f"{count} {word if count == 1 else (words or word + 's')}"


def format_issue(issue: Issue) -> str:
    """``path:line: code: message [severity]``: the location first, for editors and tools."""
    return f"{issue} [{issue.severity}]"


def fail(message: str) -> NoReturn:
    click.echo(message, err=True)
    sys.exit(2)


def error_line(exc: PipelineError | OSError) -> str:
    """The one line an expected error is reported as (the file, and what went wrong)."""
    if isinstance(exc, PipelineError):
        return str(exc)
    where = exc.filename if exc.filename is not None else "puente"
    return f"{where}: {exc.strerror or exc}"


@contextmanager
def reported_errors() -> Iterator[None]:
    """Turn expected errors into one line on stderr and exit code 2."""
    try:
        yield
    except PipelineError as exc:
        fail(error_line(exc))
    except OSError as exc:
        if exc.errno == errno.EPIPE:
            raise
        fail(error_line(exc))
    except KeyboardInterrupt:
        click.echo("interrupted: every file written is complete (old or new)", err=True)
        sys.exit(130)


def _output_file(path: Path) -> Path:
    """A file the user asked for: its folder must exist (a mistyped path is not made)."""
    folder = path.parent
    if not folder.is_dir():
        fail(f"{path}: the folder {folder} does not exist")
    return path


def _project(root: Path | None, output: Path | None = None) -> Any:
    from pipeline.project import open_project

    options = _options()
    return open_project(root if root is not None else options.root, output)


def _options() -> Options:
    context = click.get_current_context()
    options = context.find_object(Options)
    return options if options is not None else Options(Path("."), False, 0)


def _quiet(quiet: bool | None) -> bool:
    return bool(quiet) or _options().quiet


class Command(click.Group):
    """The ``puente`` group: a usage error (a wrong option or value) is one line, and a
    closed output pipe (``puente status | head -1``) one line too, never a traceback."""

    def main(self, *args: Any, **kwargs: Any) -> Any:
        kwargs["standalone_mode"] = False
        try:
            return super().main(*args, **kwargs)
        except click.UsageError as exc:
            command = exc.ctx.command_path if exc.ctx is not None else "puente"
            click.echo(f"{command}: {exc.format_message()} (see {command} --help)", err=True)
            sys.exit(2)
        except click.ClickException as exc:
            exc.show()
            sys.exit(exc.exit_code)
        except click.exceptions.Abort:
            click.echo("Aborted!", err=True)
            sys.exit(1)

    def invoke(self, ctx: click.Context) -> Any:
        # here, before click's own handler turns a closed pipe into a silent exit 1
        try:
            return super().invoke(ctx)
        except OSError as exc:
            if exc.errno != errno.EPIPE:
                raise
            _quiet_stdout()
            click.echo("puente: output closed before the end (broken pipe)", err=True)
            sys.exit(2)


@click.group(name="puente", cls=Command, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="puente")
@root_option
@click.option("-q", "--quiet", is_flag=True, help="Print nothing but errors.")
@click.option("-v", "--verbose", count=True, help="Explain what is done and why (-vv: more).")
@click.pass_context
def main(context: click.Context, root: Path | None, quiet: bool, verbose: int) -> None:
    """Puente: publish news articles in English and Spanish.

    Sources in sources/ (Markdown with YAML front matter, or HTML) are split
    into translation units, drafted through the glossary and machine
    translation, reviewed by translators in PO files under locales/, and built
    into HTML pages in both languages with a manifest for the CMS.
    """
    from pipeline.parallel import tune_gc

    context.obj = Options(root if root is not None else Path("."), quiet, verbose)
    _logging(verbose)
    tune_gc()


def _logging(verbose: int) -> None:
    logger = logging.getLogger("puente")
    for handler in list(logger.handlers):
        logger.removeHandler(handler)
    if verbose:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("puente: %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.DEBUG if verbose > 1 else logging.INFO)
        logger.propagate = False
    else:
        logger.setLevel(logging.WARNING)


@contextmanager
def progress_bar(quiet: bool) -> Iterator[Callable[[str, int, int], None] | None]:
    """A tqdm progress bar per phase on a terminal; nothing when quiet or not on a terminal."""
    if quiet or not sys.stderr.isatty():
        yield None
        return
    from tqdm import tqdm

    tqdm.monitor_interval = 0  # no monitor thread: worker processes are forked
    bars: dict[str, Any] = {}

    def advance(phase: str, done: int, total: int) -> None:
        bar = bars.get(phase)
        if bar is None:
            for other in bars.values():
                other.close()
            bar = bars[phase] = tqdm(desc=phase, total=total, leave=False, unit="")
        bar.total = total
        bar.n = done
        bar.refresh()

    try:
        yield advance
    finally:
        for bar in bars.values():
            bar.close()


engine_option = click.option(
    "--engine",
    type=click.Choice(ENGINES),
    help="Machine-translation engine [default: from puente.toml, else apertium].",
)
jobs_option = click.option(
    "--jobs", type=click.IntRange(1, 64), default=2, show_default=True, help="Worker processes."
)


def build_options(command: F) -> F:
    """The options of ``build`` that ``watch`` shares, in the order --help lists them."""
    for option in reversed(
        [
            root_option,
            click.option(
                "--out",
                type=click.Path(file_okay=False, path_type=Path),
                help="Output folder [default: build/].",
            ),
            engine_option,
            click.option(
                "--no-mt", is_flag=True, help="Do not call a machine-translation engine (memory only)."
            ),
            jobs_option,
            click.option(
                "--reviewed-only", is_flag=True, help="Write only target pages whose units are all reviewed."
            ),
            click.option("--review", is_flag=True, help="Also write the review report in <out>/review/."),
            quiet_option,
        ]
    ):
        command = option(command)
    return command


@main.command()
@build_options
@click.option("--strict", is_flag=True, help="Exit 1 when a published page carries an error finding.")
def build(
    root: Path | None,
    out: Path | None,
    engine: str | None,
    no_mt: bool,
    jobs: int,
    reviewed_only: bool,
    strict: bool,
    review: bool,
    quiet: bool | None,
) -> None:
    """Build the pages of every article in both languages, and build/manifest.json.

    Runs the whole flow: parse sources, update templates and catalogs, draft
    missing units from the translation memory and the engine, check, and
    write build/<lang>/<slug>.html for every article plus a manifest for the
    CMS. Unchanged articles are not processed again; every file is written
    atomically. Exit code 2 on bad input (nothing is written); with --strict,
    1 when a page that was written carries an error finding (puente check
    lists them).
    """
    from pipeline.build import BuildOptions, build_project

    quiet = _quiet(quiet)
    with reported_errors():
        project = _project(root, out)
        options = BuildOptions("build", engine, no_mt, jobs, reviewed_only, review)
        with progress_bar(quiet) as progress:
            report = build_project(project, options, progress=progress)
    _print_build(report, project, quiet, review)
    if strict and report.published_errors:
        sys.exit(1)


@main.command()
@build_options
def watch(
    root: Path | None,
    out: Path | None,
    engine: str | None,
    no_mt: bool,
    jobs: int,
    reviewed_only: bool,
    review: bool,
    quiet: bool | None,
) -> None:
    """Build, then build again each time an input changes, until Ctrl-C.

    An input is a source, a catalog, a glossary file, puente.toml or the page
    template: a rebuild follows 50 ms after the last save, in this process (no
    start-up cost), and prints what `puente build` prints. A build that rebuilt
    nothing prints nothing. Each build is the one `puente build` makes: bad input
    is reported with its file and line and nothing is written; the next change
    starts another build. The project is locked only while a build runs (a build
    that finds it locked by another command waits for it).
    """
    from pipeline.build import BuildOptions, BuildReport, build_project
    from pipeline.errors import ProjectLocked
    from pipeline.watch import FOLLOW_UP, LeftByBuild, between_builds, changes, preload

    quiet = _quiet(quiet)
    options = BuildOptions("build", engine, no_mt, jobs, reviewed_only, review)
    with reported_errors():
        project = _project(root, out)
    building = False
    left = LeftByBuild()  # the catalogs the last build wrote: their events are its own

    def attempt() -> BuildReport | None:
        nonlocal project
        waiting = False
        while True:
            try:
                project = _project(root, out)  # (puente.toml may have changed)
                with progress_bar(quiet) as progress:
                    return build_project(project, options, progress=progress)
            except ProjectLocked as exc:  # another command's turn: this build comes after it
                if not waiting:
                    click.echo(f"{exc} (waiting)", err=True)
                    waiting = True
                time.sleep(0.5)
            except (PipelineError, OSError) as exc:  # reported, and the next save starts another
                if isinstance(exc, OSError) and exc.errno == errno.EPIPE:
                    raise
                click.echo(error_line(exc), err=True)
                return None

    def once(first: bool) -> bool:
        """A build; whether it changed something (then one more may be due)."""
        nonlocal building
        building = True
        report = attempt()
        building = False
        between_builds()
        left.remember(project, report.catalogs_written if report is not None else [])
        if report is None:
            return False
        changed = bool(report.rebuilt or report.manifest_written)
        if not first and not changed:
            return False  # (the catalogs the last build wrote, a file saved unchanged)
        if not first and not quiet:
            names = report.processed
            more = f" and {len(names) - 3} more" if len(names) > 3 else ""
            rebuilt = f"rebuilt {', '.join(names[:3])}{more}" if names else "site files made again"
            click.echo(f"{time.strftime('%H:%M:%S')} {rebuilt}")
        _print_build(report, project, quiet, review)
        return report.rebuilt >= FOLLOW_UP

    def start() -> None:  # once the events are watched: what changes meanwhile is built next
        if once(first=True):
            once(first=False)
        preload(project)
        if not quiet:
            click.echo("watching for changes (Ctrl-C to stop)", err=True)

    try:
        for paths in changes(lambda: project, ready=start):
            if not left.changed(paths):
                continue  # only the catalogs the last build wrote, as it left them
            # a build of many articles is checked again at once: the events of a save made
            # while it wrote thousands of files may have been lost (the kernel's queue is full)
            for _again in range(3):
                if not once(first=False):
                    break
    except KeyboardInterrupt:
        # Ctrl-C is how watch ends: exit 0, even in the middle of a build (left as a killed
        # build leaves it: every file complete, old or new, the rest done by the next build)
        during = " (a build was interrupted)" if building else ""
        click.echo(f"stopped{during}: every file written is complete (old or new)", err=True)
    except (OSError, RuntimeError) as exc:  # the events cannot be watched (a system limit)
        fail(f"puente watch: cannot watch {project.root} for changes: {exc}")


def _print_build(report: Any, project: Any, quiet: bool, review: bool) -> None:
    """What ``build`` (and ``watch``, after each build) prints of a build's report."""
    for issue in report.errors + report.notices:
        click.echo(format_issue(issue), err=True)
    for failure in report.failures:
        click.echo(str(failure), err=True)
    if not quiet:
        units = report.units
        held = f", {plural(len(report.not_written), 'page')} held back" if report.not_written else ""
        click.echo(
            f"{plural(report.articles, 'article')} ({report.rebuilt} rebuilt): "
            f"{plural(len(report.pages_written), 'page')} written, "
            f"{len(report.pages_unchanged)} unchanged{held}"
        )
        findings = len(report.errors) + report.warnings
        click.echo(
            f"translated units: {units['reviewed']} reviewed, {units['machine']} machine, "
            f"{units['untranslated']} missing; {plural(len(report.errors), 'error')}, "
            f"{plural(report.warnings, 'warning')}" + (" (puente check lists them)" if findings else "")
        )
        _stale_notice(report.stale_drafts)
        for path in report.not_written:
            click.echo(f"not written: {path}")
        for path in report.retried:
            click.echo(f"saved during the build, merged again: {path}")
        for path in report.postponed:
            click.echo(f"saved again and again during the build, left for the next one: {path}")
        if review:
            click.echo(
                f"review: {plural(len(report.review_written), 'page')} written, "
                f"{len(report.review_unchanged)} unchanged: {project.output_dir / 'review' / 'index.html'}"
            )


@main.command()
@root_option
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder of the report [default: review/ in the output folder, build/review/].",
)
@jobs_option
@quiet_option
def review(root: Path | None, out: Path | None, jobs: int, quiet: bool | None) -> None:
    """Write the review report: static HTML pages for editors and translators.

    index.html lists every article and target language with its units and words
    reviewed, machine-made, changed and untranslated, and its findings, what needs
    attention first; <slug>.<lang>.html shows an article unit by unit, source beside
    translation, with each unit's state, the PO entry's path:line, the findings of
    puente check, glossary terms and the words the engine did not know. Reads the
    sources and catalogs as they are (no lock, nothing else written); opens from
    file:// with no network.
    """
    from pipeline.review import review_project

    quiet = _quiet(quiet)
    with reported_errors():
        project = _project(root)
        report = review_project(project, out, jobs)
    if not quiet:
        click.echo(
            f"{plural(report.articles, 'article')}: {plural(len(report.written), 'page')} written, "
            f"{len(report.unchanged)} unchanged; {plural(report.errors, 'error')}, "
            f"{plural(report.warnings, 'warning')}: {report.folder / 'index.html'}"
        )


@main.command()
@root_option
@engine_option
@jobs_option
@click.option(
    "--refresh",
    is_flag=True,
    help="Draft again the machine drafts made before the glossary, the draft rules or the engine changed.",
)
@click.option("--article", metavar="SLUG", help="With --refresh: only the article with this slug.")
@quiet_option
def translate(
    root: Path | None, engine: str | None, jobs: int, refresh: bool, article: str | None, quiet: bool | None
) -> None:
    """Update the catalogs and fill their untranslated entries with drafts (memory
    first, then the engine).

    Every draft is marked fuzzy with a note naming its origin. Translations a
    person wrote are never replaced. With --refresh, machine drafts made with
    another glossary, other draft rules or another engine (or version) are
    drafted again; reviewed entries, and drafts a person has edited, are left
    as they are.
    """
    from pipeline.build import BuildOptions, build_project

    if article is not None and not refresh:
        fail("puente translate: --article needs --refresh (see puente translate --help)")
    quiet = _quiet(quiet)
    with reported_errors():
        project = _project(root)
        options = BuildOptions("translate", engine, False, jobs, refresh=refresh, article=article)
        with progress_bar(quiet) as progress:
            report = build_project(project, options, progress=progress)
    for failure in report.failures:
        click.echo(str(failure), err=True)
    if not quiet:
        drafts = report.drafts
        refreshed = f"{plural(drafts.refreshed, 'draft')} refreshed; " if refresh else ""
        click.echo(
            f"{refreshed}memory: {drafts.memory_exact} exact, {drafts.memory_adapted} adapted, "
            f"{drafts.memory_drafts} stored drafts, "
            f"{plural(drafts.suggestions, 'suggestion')}; "
            f"engine: {plural(drafts.engine_units, 'unit')} in {plural(drafts.engine_calls, 'call')}; "
            f"{plural(drafts.fresh_drafts, 'fresh draft')} of changed units; {len(report.failures)} failed; "
            f"{plural(len(report.catalogs_written), 'catalog')} written"
        )
        _stale_notice(report.stale_drafts)


def _stale_notice(count: int) -> None:
    if count:
        drafts = plural(count, "machine draft")
        verb = "predates" if count == 1 else "predate"
        click.echo(f"{drafts} {verb} the current glossary/engine; run `puente translate --refresh`")


@main.command()
@root_option
@jobs_option
@quiet_option
def extract(root: Path | None, jobs: int, quiet: bool | None) -> None:
    """Write the templates and update the catalogs of every article.

    Writes locales/templates/<slug>.pot and updates
    locales/<lang>/LC_MESSAGES/<slug>.po (the target language: es for English
    articles, en for Spanish ones) with msgmerge's rules: translations are
    kept, changed units become fuzzy with the previous text, removed ones
    become obsolete. Files are rewritten only when their content changed.
    """
    from pipeline.build import BuildOptions, build_project

    quiet = _quiet(quiet)
    with reported_errors():
        report = build_project(_project(root), BuildOptions("extract", jobs=jobs))
    if not quiet:
        stats = report.merge
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
def status(root: Path | None, as_json: bool) -> None:
    """Report, per article and language, what is reviewed, drafted, changed or missing.

    Columns count units (and words): reviewed (translated, not fuzzy),
    machine (fuzzy drafts), changed (fuzzy: the source changed after a person
    translated it), untranslated, and obsolete entries kept for reference.
    """
    import json

    from pipeline.catalog import STATUS_KEYS
    from pipeline.status import project_status

    with reported_errors():
        statuses = project_status(_project(root))
    if as_json:
        payload = [
            {"path": s.path, "slug": s.slug, "lang": s.lang, "units": s.units, "words": s.words}
            for s in statuses
        ]
        click.echo(json.dumps(payload, ensure_ascii=False, indent=2))
        return
    headers = ["article", "lang", *STATUS_KEYS]
    rows = [[s.slug, s.lang, *(f"{s.units[k]} ({s.words[k]} w)" for k in STATUS_KEYS)] for s in statuses]
    totals = [
        "total",
        "",
        *(
            f"{sum(s.units[k] for s in statuses)} ({sum(s.words[k] for s in statuses)} w)"
            for k in STATUS_KEYS
        ),
    ]
    table = [headers, *rows, totals]
    widths = [max(len(row[i]) for row in table) for i in range(len(headers))]
    for row in table:
        click.echo("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())


@main.command()
@root_option
@click.option("--json", "as_json", is_flag=True, help="Print the findings as JSON.")
@click.option("--list", "list_checks", is_flag=True, help="List the checks and their default severities.")
def check(root: Path | None, as_json: bool, list_checks: bool) -> None:
    """Check every translation: placeholders, glossary, numbers, negation, form.

    Prints one line per finding, `path:line: code: message [severity]`, and a
    summary. Exit code 1 when an error-severity finding exists. Silence one
    finding with the PO flag `puente-ignore-<code>`, or a whole check in
    puente.toml: [checks] <code> = "off".
    """
    from pipeline.findings import CHECKS
    from pipeline.status import check_findings

    if list_checks:
        for code, (severity, description) in CHECKS.items():
            click.echo(f"{code:13} {severity:8} {description}")
        return
    with reported_errors():
        findings = check_findings(_project(root))
        # printed as they are read (a file that changed was read above): large pieces
        # that end with a line, one write each
        for piece in findings.json() if as_json else findings.text():
            # a piece without an escape character has no terminal style for click to strip
            # (searching 80 MB of findings for one costs a tenth of the command)
            click.echo(piece, nl=False, color=True if "\x1b" not in piece else None)
    counts = findings.counts
    if as_json:
        click.echo("")
    else:
        click.echo(
            f"{plural(counts['error'], 'error')}, {plural(counts['warning'], 'warning')}, "
            f"{plural(counts['info'], 'note')}"
        )
    if counts["error"]:
        sys.exit(1)


def _warn(warnings: Any) -> None:
    """Print each warning (``path:line: warning: ...``) on stderr."""
    for warning in warnings:
        click.echo(str(warning), err=True)


@main.group()
def glossary() -> None:
    """List, add, import and export glossary terms (glossary/*.tbx).

    The termbase is TBX (ISO 30042); it is exchanged with other tools as TBX 3
    or TBX 2 and edited in a spreadsheet as CSV.
    """


@glossary.command("list")
@root_option
@click.option("--lang", type=click.Choice(["en", "es"]), default="en", show_default=True, help="Source side.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def glossary_list(root: Path | None, lang: str, as_json: bool) -> None:
    """Print every term with its approved translation.

    Concepts Puente cannot use (without an English or a Spanish term) are
    reported as warnings on stderr.
    """
    import json
    from dataclasses import asdict

    from pipeline.errors import Notice
    from pipeline.termbase import load_glossary

    warnings: list[Notice] = []
    with reported_errors():
        terms = load_glossary(_project(root), warnings).terms
    _warn(warnings)
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
@click.option(
    "--pos", default="noun", show_default=True, help="Part of speech: noun, verb, adjective, adverb or other."
)
@click.option("--gender", type=click.Choice(["m", "f", ""]), default="", help="Spanish gender.")
@click.option("--note", default="", help="A note for translators.")
@click.option("--dnt", is_flag=True, help="Do not translate: keep the term as written.")
@click.option("--case-sensitive", is_flag=True, help="Match the exact case only.")
@click.option("--variant-en", multiple=True, help="Another English form (repeatable).")
@click.option("--variant-es", multiple=True, help="Another Spanish form (repeatable).")
@click.option("--subject", default="", help="Subject field, to tell homographs apart.")
def glossary_add(
    root: Path | None,
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
    """Add a term (or replace the entry with the same English term).

    A replaced entry keeps its id and whatever the termbase holds for it that
    Puente does not model (definitions, history, other languages...).
    """
    from pipeline.termbase import add_term, cli_term

    with reported_errors():
        term = cli_term(
            en=en, es=es, pos=pos, gender=gender, note=note, dnt=dnt, case_sensitive=case_sensitive,
            en_variants=variant_en, es_variants=variant_es, subject=subject,
        )  # fmt: skip
        project = _project(root)
        with project.lock("glossary add"):
            report = add_term(project, term)
    _warn(report.warnings)
    click.echo(f"{'added' if report.added else 'updated'}: {term.en} = {term.es}")


@glossary.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@root_option
@click.option(
    "--lang",
    "lang_map",
    multiple=True,
    metavar="CODE=LANG",
    help="Read the file's language CODE as LANG (en or es), e.g. --lang xx=es for csv2tbx's output.",
)
@click.option(
    "--encoding", help="The CSV file's encoding [default: UTF-8, or what its byte order mark says]."
)
def glossary_import(file: Path, root: Path | None, lang_map: tuple[str, ...], encoding: str | None) -> None:
    """Merge the terms of FILE into glossary/puente.tbx.

    FILE is CSV (comma- or semicolon-separated, as `glossary export` writes it
    or a spreadsheet saves it) or TBX: version 3 (<tbx>) or version 2
    (<martif>, as Translate Toolkit, Weblate and many termbase tools write
    it). Entries with the same id and a term in common, or the same English
    term, replace the old ones; concepts without an English or a Spanish term
    are skipped with a warning.
    """
    from pipeline.termbase import import_file, parse_language_map

    with reported_errors():
        languages = parse_language_map(lang_map)
        project = _project(root)
        with project.lock("glossary import"):
            report = import_file(project, file, languages=languages, encoding=encoding)
    _warn(report.warnings)
    click.echo(
        f"{plural(report.added, 'term')} added, {report.replaced} updated, {report.total} in the termbase"
    )


@glossary.command("export")
@root_option
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="A .csv or .tbx file [default: CSV on stdout].",
)
@click.option(
    "--tbx-version",
    type=click.Choice(["2", "3"]),
    help="Write TBX: 3 (Puente's own format, the default for .tbx) or 2 (martif, for Translate "
    "Toolkit, Weblate and older tools).",
)
def glossary_export(root: Path | None, output: Path | None, tbx_version: str | None) -> None:
    """Write the termbase as CSV (to edit in a spreadsheet, then import) or TBX."""
    from pipeline.files import write_atomic
    from pipeline.termbase import export_file

    with reported_errors():
        data = export_file(_project(root), output, int(tbx_version) if tbx_version else None)
        if output is not None:
            write_atomic(_output_file(output), data)
    if output is None:
        click.echo(data if isinstance(data, str) else data.decode("utf-8"), nl=False)


@main.group()
def memory() -> None:
    """Exchange the translation memory (.puente/memory.sqlite) as TMX 1.4."""


@memory.command("export")
@click.argument("tmx_file", type=click.Path(dir_okay=False, path_type=Path))
@root_option
def memory_export(tmx_file: Path, root: Path | None) -> None:
    """Write every reviewed translation of the memory to a TMX file."""
    from pipeline.files import write_atomic
    from pipeline.memory import TranslationMemory
    from pipeline.tmx import write_tmx

    with reported_errors():
        project = _project(root)
        _output_file(tmx_file)
        with TranslationMemory(project.memory_path, readonly=True) as tm:
            pairs = tm.pairs()
        write_atomic(tmx_file, write_tmx(pairs))
    click.echo(f"{plural(len(pairs), 'translation unit')} written to {tmx_file}")


@memory.command("import")
@click.argument("tmx_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@root_option
def memory_import(tmx_file: Path, root: Path | None) -> None:
    """Add the translation units of a TMX file to the memory (as reviewed translations).

    It reads TMX as other tools write it (with a DOCTYPE naming the DTD, in UTF-16,
    with srclang="*all*"). Units in languages other than the project's are left
    out; a unit without its source language is skipped with a warning.
    """
    from pipeline.errors import Notice
    from pipeline.files import read_limited
    from pipeline.memory import TranslationMemory
    from pipeline.tmx import TmxError, read_tmx

    warnings: list[Notice] = []
    with reported_errors():
        project = _project(root)
        raw = read_limited(tmx_file, str(tmx_file), TmxError, 256 * 1024 * 1024)
        pairs = read_tmx(raw, str(tmx_file), warnings)
        added = 0
        with project.lock("memory import"), TranslationMemory(project.memory_path) as tm:
            for source_lang, target_lang in sorted({(p[0], p[1]) for p in pairs}):
                batch = [
                    (s, t, tmx_file.name) for sl, tl, s, t in pairs if (sl, tl) == (source_lang, target_lang)
                ]
                added += tm.harvest(source_lang, target_lang, batch)
    _warn(warnings)
    click.echo(f"{plural(len(pairs), 'translation unit')} read, {added} new")


@main.group()
def xliff() -> None:
    """Exchange catalogs with CAT tools and translation vendors as XLIFF 1.2 or 2.1.

    Export one file per article, have it translated or reviewed, import it back:
    targets marked final (or signed-off, or reviewed in 2.x) become reviewed
    translations, other targets fuzzy ones. See docs/xliff.md.
    """


@xliff.command("export")
@root_option
@click.option("--lang", required=True, help="Target language of the catalogs to export (es or en).")
@click.option(
    "--xliff-version",
    type=click.Choice(["1.2", "2.1"]),
    default="1.2",
    show_default=True,
    help="XLIFF version to write.",
)
@click.option(
    "--out",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for the <slug>.<lang>.xlf files (made if needed).",
)
@click.option("--skip-reviewed", is_flag=True, help="Leave out units already reviewed.")
@quiet_option
def xliff_export(
    root: Path | None, lang: str, xliff_version: str, out: Path, skip_reviewed: bool, quiet: bool | None
) -> None:
    """Write out/<slug>.<lang>.xlf for every catalog in LANG.

    Run puente build first: the files carry the catalogs' source text as it is.
    """
    from pipeline.xliff import export_project

    with reported_errors():
        report = export_project(
            _project(root), lang, "2.1" if xliff_version == "2.1" else "1.2", out, skip_reviewed=skip_reviewed
        )
    if not _quiet(quiet):
        units = report.units
        files = len(report.written) + len(report.unchanged)
        click.echo(
            f"{plural(files, 'file')} in {out} "
            f"({len(report.written)} written, {len(report.unchanged)} unchanged): "
            f"{units['untranslated']} untranslated, {units['machine']} machine, {units['changed']} changed, "
            f"{units['reviewed']} reviewed units"
        )


@xliff.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@root_option
@click.option("--dry-run", is_flag=True, help="Check the files and count what would change; write nothing.")
@quiet_option
def xliff_import(files: tuple[Path, ...], root: Path | None, dry_run: bool, quiet: bool | None) -> None:
    """Merge the targets of XLIFF FILES into their catalogs, all or nothing.

    A file whose source text no longer matches the article, whose languages or
    catalog are not this project's, or whose targets break the placeholders is
    refused (every problem is listed, exit code 2) and no catalog changes.
    """
    from pipeline.xliff import XliffRefused, import_files

    with reported_errors():
        try:
            report = import_files(_project(root), files, dry_run=dry_run)
        except XliffRefused as exc:
            fail(f"{exc}\nnothing imported: {plural(len(exc.problems), 'problem')}, no catalog changed")
    if _quiet(quiet):
        return
    units = report.units
    verb = "would be" if dry_run else "were"
    click.echo(
        f"{plural(report.files, 'file')}: {plural(units['reviewed'], 'unit')} reviewed, {units['review']} to "
        f"review (fuzzy), {units['unchanged']} unchanged, {units['untranslated']} not translated (left as "
        f"they {verb}); {plural(report.comments, 'note')} added to translator comments"
    )
    if dry_run:
        click.echo("dry run: no catalog written")
        return
    click.echo(
        f"catalogs: {len(report.written)} written, {len(report.unchanged)} unchanged"
        + (" (run puente build to update the pages)" if report.written else "")
    )
    for rel in report.kept:
        click.echo(f"not written, saved by another program meanwhile (import again): {rel}", err=True)
    if report.kept:
        sys.exit(1)


def entry() -> None:
    """The console script (and ``python -m pipeline``)."""
    main.main(prog_name="puente")


def _quiet_stdout() -> None:
    # Python flushes stdout again at exit: point it at nothing, so that flush cannot fail too
    with open(os.devnull, "w") as null:
        os.dup2(null.fileno(), sys.stdout.fileno())
