"""Time reading and writing PO text: Puente's codec on a large generated catalog.

Usage (from the repository root, after ``make setup``)::

    .venv/bin/python benchmarks/codec.py [--entries 20000] [--reps 5]

The catalog looks like an article's, many times over: a header with a translator's
fields, entries with block notes, placeholders notes, a reference, a machine draft
(fuzzy, with its drafting notes) or a reviewed translation, some with U+2028 and C
escapes, obsolete entries at the end. Prints the median CPU time of each step and the
throughput, with ``msgcat --no-wrap`` on the same file for comparison.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

from pipeline.po import Catalog, Entry, Origin, decode, format_catalog, parse


def make_catalog(entries: int) -> Catalog:
    items = []
    for index in range(entries):
        source = f"Agents seized {{1}}{index:,} kg{{/1}} of cocaine near Manzanillo, said\u2028 the navy."
        draft = index % 3 != 0
        items.append(
            Entry(
                msgid=source,
                msgstr=f'Los agentes decomisaron {{1}}{index:,} kg{{/1}} de cocaína\t"{index}".',
                msgctxt="paragraph" if index % 5 else "list item",
                fuzzy=draft,
                notes=("paragraph", "{1}…{/1} = bold", "glossary: Manzanillo = Manzanillo"),
                references=(f"sources/article-{index // 100}.md:{index % 100 + 1}",),
                origin=Origin("engine", "apertium", "0.8.1-2") if draft else None,
                unknown=("Manzanillo",) if draft else (),
                obsolete=index % 50 == 49,
            )
        )
    items.sort(key=lambda entry: entry.obsolete)
    return Catalog(
        header_comment="Border report\nTranslation of sources/report.md.\nAna <ana@example.org>, 2026.",
        fields={
            "Project-Id-Version": "report",
            "POT-Creation-Date": "2026-01-16 10:00+0000",
            "PO-Revision-Date": "2026-01-17 09:30+0000",
            "Last-Translator": "Ana Translator <ana@example.org>",
            "Language-Team": "Spanish <es@example.org>",
            "Language": "es_MX",
            "MIME-Version": "1.0",
            "Content-Type": "text/plain; charset=UTF-8",
            "Content-Transfer-Encoding": "8bit",
            "Plural-Forms": "nplurals=2; plural=(n != 1);",
            "X-Generator": "Poedit 3.4.2",
        },
        entries=items,
    )


def median_cpu(step: Callable[[], object], reps: int) -> float:
    """The median CPU time (user + system, of this process and its children) of ``step``:
    steadier than wall time on a shared machine."""
    times = []
    for _ in range(reps):
        before = _cpu()
        step()
        times.append(_cpu() - before)
    return statistics.median(times)


def _cpu() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--entries", type=int, default=20000)
    parser.add_argument("--reps", type=int, default=5)
    args = parser.parse_args()
    catalog = make_catalog(args.entries)
    text = format_catalog(catalog)
    raw = text.encode()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "big.po"
        path.write_bytes(raw)
        rows = [
            ("read (decode + parse)", median_cpu(lambda: parse(decode(raw, "big.po"), "big.po"), args.reps)),
            ("write (format_catalog)", median_cpu(lambda: format_catalog(catalog), args.reps)),
            (
                "msgcat --no-wrap (read + write)",
                median_cpu(
                    lambda: subprocess.run(["msgcat", "--no-wrap", str(path)], capture_output=True), args.reps
                ),
            ),
        ]
    megabytes = len(raw) / 1e6
    print(f"{args.entries} entries, {megabytes:.1f} MB, median CPU time of {args.reps}")
    print("| step | CPU seconds | MB/s |")
    print("|---|---|---|")
    for name, seconds in rows:
        print(f"| {name} | {seconds:.3f} | {megabytes / seconds:.1f} |")


if __name__ == "__main__":
    main()
