"""Memory adaptation on the dev set: a reviewed sentence, and the same sentence with one
number changed.

Usage (from the repository root, after ``make setup`` and ``pip install -e '.[bench]'``)::

    .venv/bin/python benchmarks/quality/adaptation.py [--json PATH]

For every unit of the dev set (both directions) whose source has a number, a variant is
made by changing the last digit of its last number (3 → 6, 2024 → 2027, 12,480 → 12,483:
the separators stay). The translation memory holds the unit's reference as a reviewed
translation of the original. What a translator should get for the variant is the
reference with that number changed the same way, when the reference writes the number
once with the same digits (other units are left out of the comparison: no reference).

Each variant is drafted as Puente drafts it: adapted from the memory's match when
:mod:`pipeline.adapt` can, else by the engine (Puente's full drafting path), and also by
the engine alone. Reported: how many variants are adapted, how many adapted drafts are
exactly the expected translation, and the corpus chrF of both against it.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(HERE))

from evaluate import DIRECTIONS, chrf, load_dev_set  # noqa: E402
from rapidfuzz import fuzz  # noqa: E402

from pipeline.adapt import Candidate, adapt  # noqa: E402
from pipeline.mt.apertium import ApertiumEngine  # noqa: E402
from pipeline.project import open_project  # noqa: E402
from pipeline.termbase import load_glossary  # noqa: E402
from pipeline.translate import engine_drafts  # noqa: E402

_NUMBER = re.compile(r"(?<![\w.,{])(?:\d{1,3}(?:[.,]\d{3})+(?:[.,]\d+)?|\d+(?:[.,]\d+)?)(?![\w}]|[.,]\d)")


def _bump(written: str) -> str:
    """The number with its last digit changed (+3, modulo 10)."""
    return written[:-1] + str((int(written[-1]) + 3) % 10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--json", type=Path, default=REPO / "benchmarks" / "results" / "adaptation.json")
    args = parser.parse_args()
    project = open_project(REPO)
    config = project.config
    glossary = load_glossary(project)
    engine = ApertiumEngine(jobs=2, locales=config.locales)
    results: dict[str, object] = {}
    for source, target in DIRECTIONS:
        locale = config.locale(target)
        rows = []
        for unit in load_dev_set(source, target):
            found = list(_NUMBER.finditer(unit.source))
            if not found:
                continue
            last = found[-1]
            variant = unit.source[: last.start()] + _bump(last.group(0)) + unit.source[last.end() :]
            in_reference = [m for m in _NUMBER.finditer(unit.reference) if m.group(0) == last.group(0)]
            expected = None
            if len(in_reference) == 1:
                m = in_reference[0]
                expected = unit.reference[: m.start()] + _bump(m.group(0)) + unit.reference[m.end() :]
            score = fuzz.ratio(unit.source, variant)
            candidate = Candidate(unit.source, unit.reference, score)
            adapted = adapt(variant, candidate, source, target, glossary, locale) if score >= 75 else None
            rows.append((variant, expected, adapted.text if adapted else None, score))
        variants = [variant for variant, *_ in rows]
        drafts, _, _ = engine_drafts(engine, glossary, variants, source, target, locale=locale)
        engine_only = [drafts[variant].text or "" for variant in variants]
        puente = [
            adapted if adapted is not None else drafted
            for (_, _, adapted, _), drafted in zip(rows, engine_only, strict=True)
        ]
        judged = [index for index, (_, expected, _, _) in enumerate(rows) if expected is not None]
        references = [rows[index][1] or "" for index in judged]
        adapted_count = sum(1 for *_, adapted, _ in rows if adapted is not None)
        exact = sum(1 for _, expected, adapted, _ in rows if adapted is not None and adapted == expected)
        wrong = [rows[i][:3] for i in judged if rows[i][2] is not None and rows[i][2] != rows[i][1]]
        unjudged = [rows[i][:3] for i in range(len(rows)) if rows[i][1] is None and rows[i][2] is not None]
        results[f"{source}-{target}"] = {
            "units with a number": len(rows),
            "with an expected translation": len(judged),
            "adapted": adapted_count,
            "adapted, exactly as expected": exact,
            "adapted, judged, otherwise": len(wrong),
            "chrF, engine draft": round(chrf([engine_only[i] for i in judged], references), 2),
            "chrF, Puente (adapted, else engine)": round(chrf([puente[i] for i in judged], references), 2),
        }
        for variant, expected, adapted in wrong:
            print(f"  {variant}\n    expected: {expected}\n    adapted:  {adapted}", file=sys.stderr)
        for variant, _, adapted in unjudged:  # no reference to compare with: for a person to read
            print(f"  {variant}\n    adapted (no expected translation): {adapted}", file=sys.stderr)
    print(json.dumps(results, indent=2, ensure_ascii=False))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
