"""Time the termbase and memory exchange on large generated files, beside Translate Toolkit's readers.

Usage (from the repository root, after ``make setup``)::

    .venv/bin/python benchmarks/interchange.py [--concepts 20000] [--units 100000] [--reps 3]

It writes a TBX 3 termbase of N concepts (the project's termbase, repeated with new ids and
terms), its TBX 2 and CSV exports, and a TMX of M units, then reports the median wall and CPU time
of reading each (Puente's readers with every safety check, and Translate Toolkit's ``tbx``
and ``tmx`` readers on the same files) and of writing them. Nothing here is asserted: the
numbers are for docs/benchmarks.md and for comparing two versions of the code.
"""

from __future__ import annotations

import argparse
import dataclasses
import io
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))

from pipeline.glossary import Term  # noqa: E402
from pipeline.tbx import read_tbx, write_tbx  # noqa: E402
from pipeline.tmx import read_tmx, write_tmx  # noqa: E402


def median_time(function: Callable[[], object], reps: int) -> tuple[float, float]:
    """Median wall time and median CPU time of this process (the second is steadier on a
    busy machine)."""
    walls, cpus = [], []
    for _ in range(reps):
        start, start_cpu = time.perf_counter(), time.process_time()
        function()
        walls.append(time.perf_counter() - start)
        cpus.append(time.process_time() - start_cpu)
    return statistics.median(walls), statistics.median(cpus)


def terms(count: int) -> list[Term]:
    seed = read_tbx((REPO / "glossary" / "puente.tbx").read_bytes(), "puente.tbx")
    out = []
    for index in range(count):
        term = seed[index % len(seed)]
        suffix = f" {index}" if index >= len(seed) else ""
        out.append(
            dataclasses.replace(
                term,
                id=f"{term.id}-{index}",
                en=term.en + suffix,
                es=term.es + suffix,
                en_variants=tuple(v + suffix for v in term.en_variants),
                es_variants=tuple(v + suffix for v in term.es_variants),
            )
        )
    return out


def pairs(count: int) -> list[tuple[str, str, str, str]]:
    return [
        (
            "en",
            "es",
            f"The {{1}}SSPC{{/1}} reported {i} arrests in Sonora.",
            f"La {{1}}SSPC{{/1}} informó {i} detenciones.",
        )
        if i % 3
        else ("es", "en", f"Se decomisaron {i} kilos.", f"{i} kilos were seized.")
        for i in range(count)
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--concepts", type=int, default=20_000)
    parser.add_argument("--units", type=int, default=100_000)
    parser.add_argument("--reps", type=int, default=3)
    args = parser.parse_args()

    from translate.storage.tbx import tbxfile
    from translate.storage.tmx import tmxfile

    from pipeline.termcsv import read_csv, write_csv

    values = terms(args.concepts)
    tbx3 = write_tbx(values)
    tbx2 = write_tbx(values, version=2)
    csv_text = write_csv(values)
    tmx = write_tmx(pairs(args.units))
    rows = [
        ("write TBX 3", lambda: write_tbx(values)),
        ("write TBX 2", lambda: write_tbx(values, version=2)),
        ("write CSV", lambda: write_csv(values)),
        ("read TBX 3 (Puente)", lambda: read_tbx(tbx3, "x.tbx")),
        ("read TBX 2 (Puente)", lambda: read_tbx(tbx2, "x.tbx")),
        ("read TBX 2 (Translate Toolkit)", lambda: tbxfile(io.BytesIO(tbx2)).units),
        ("read CSV (Puente)", lambda: read_csv(csv_text, "x.csv")),
        ("write TMX", lambda: write_tmx(pairs(args.units))),
        ("read TMX (Puente)", lambda: read_tmx(tmx, "x.tmx")),
        ("read TMX (Translate Toolkit)", lambda: tmxfile(io.BytesIO(tmx)).units),
    ]
    print(
        f"{args.concepts} concepts ({len(tbx3) / 1e6:.1f} MB of TBX 3), {args.units} TMX units "
        f"({len(tmx) / 1e6:.1f} MB); median of {args.reps}"
    )
    print("| operation | wall (s) | CPU (s) |\n|---|---|---|")
    for name, function in rows:
        wall, cpu = median_time(function, args.reps)
        print(f"| {name} | {wall:.2f} | {cpu:.2f} |")


if __name__ == "__main__":
    main()
