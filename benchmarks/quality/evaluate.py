"""Draft quality of Puente against raw Apertium, on the project's own dev set.

Usage (from the repository root, after ``make setup`` and ``pip install -e '.[bench]'``)::

    .venv/bin/python benchmarks/quality/evaluate.py [--timing 1000] [--reps 3] [--json PATH]

The dev set is ``en-es.jsonl`` and ``es-en.jsonl`` beside this script: news
articles of the project's beat, one translation unit a line (``id``, ``kind``
title/heading/paragraph, ``source``, ``reference``), each reference a human
translation that uses the glossary's approved terms.

In one run, per direction, the dev set is drafted

* by raw Apertium: one ``apertium -u eng-spa`` (or ``spa-eng``) call over every unit;
* by Puente's drafting path without the rules of :mod:`pipeline.rules` (glossary
  masking, the Apertium engine, unmasking: what Puente drafted before the rules);
* by Puente's drafting path with every rule, and with every rule but one (ablation),

and each draft is scored with sacrebleu's chrF (character 6-grams, beta 2) against
the references, and with term accuracy: the share of glossary term occurrences in
the source whose approved target form appears in the draft.

``--timing N`` also times drafting on N generated articles
(``benchmarks/make_corpus.py``): raw Apertium, Puente without rules, Puente with
every rule, and each rule's own cost (the time of ``prepare`` and ``finish`` with
that rule alone against with none).
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(REPO))

import sacrebleu  # noqa: E402

from pipeline import rules as rules_module  # noqa: E402
from pipeline.config import Config  # noqa: E402
from pipeline.glossary import Glossary, _pattern, find_terms  # noqa: E402
from pipeline.mt.apertium import PAIRS, ApertiumEngine  # noqa: E402
from pipeline.project import open_project  # noqa: E402
from pipeline.termbase import load_glossary  # noqa: E402
from pipeline.translate import engine_drafts  # noqa: E402

DIRECTIONS = (("en", "es"), ("es", "en"))


@dataclass(frozen=True)
class Unit:
    id: str
    kind: str
    source: str
    reference: str


def load_dev_set(source: str, target: str) -> list[Unit]:
    """The dev set of one direction; raises ValueError naming the file and line of a bad row."""
    path = HERE / f"{source}-{target}.jsonl"
    units = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            units.append(Unit(row["id"], row["kind"], row["source"], row["reference"]))
        except (ValueError, KeyError) as exc:
            raise ValueError(f"{path}:{number}: {exc}") from None
    return units


def raw_apertium(texts: Sequence[str], source: str, target: str) -> list[str]:
    """One ``apertium -u`` call over every text (blank lines keep them apart)."""
    mode = PAIRS[(source, target)]
    payload = "\n\n".join(" ".join(text.split()) for text in texts) + "\n"
    result = subprocess.run(
        ["apertium", "-u", "-f", "txt", mode], input=payload.encode(), capture_output=True, check=True
    )
    drafts = [part.strip() for part in re.split(r"\n[ \t]*\n", result.stdout.decode().strip("\n"))]
    if len(drafts) != len(texts):
        raise RuntimeError(f"apertium returned {len(drafts)} units for {len(texts)}")
    return drafts


def puente_drafts(
    engine: ApertiumEngine,
    glossary: Glossary,
    texts: Sequence[str],
    kinds: Sequence[str],
    source: str,
    target: str,
    config: Config,
    rules: Collection[str] | None,
) -> tuple[list[str], int]:
    """Puente's drafting path, :func:`pipeline.translate.engine_drafts` (prepare, mask, one
    engine batch of the distinct texts, verify and unmask, finish), and how many distinct
    units fell back to their source text; ``rules`` None applies every rule, an empty
    collection none (Puente before the rules)."""
    pairs = list(zip(texts, kinds, strict=True))
    heading = {text for text, kind in pairs if kind in rules_module.HEADING_KINDS}
    by_text = {text: ("heading" if text in heading else kind) for text, kind in pairs}
    drafts, _, _ = engine_drafts(
        engine, glossary, texts, source, target, kinds=by_text, locale=config.locale(target), rule_names=rules
    )
    fallbacks = sum(1 for text in dict.fromkeys(texts) if drafts[text].failure is not None)
    return [drafts[text].text or "" for text in texts], fallbacks


def term_accuracy(
    glossary: Glossary, sources: Sequence[str], drafts: Sequence[str], source: str, target: str
) -> tuple[int, int, list[str]]:
    """(right, total, misses): per unit and approved target form, the occurrences found in
    the draft, up to the number of source occurrences that call for it."""
    right = total = 0
    misses: list[str] = []
    for text, draft in zip(sources, drafts, strict=True):
        wanted: dict[tuple[str, bool], int] = {}
        for hit in find_terms(glossary, text, source):
            form = hit.text if hit.term.dnt else hit.term.target(target, hit.form_index)
            key = (form, hit.term.strict_case)
            wanted[key] = wanted.get(key, 0) + 1
        for (form, strict), count in wanted.items():
            found = len(_pattern(form, strict).findall(draft))
            right += min(found, count)
            total += count
            if found < count:
                misses.append(f"{form!r} in: {draft}")
    return right, total, misses


def chrf(drafts: Sequence[str], references: Sequence[str], whitespace: bool = False) -> float:
    """Corpus chrF (sacrebleu's defaults: character 6-grams, beta 2, spaces ignored); with
    ``whitespace`` spaces count, so that words glued together ("prisióndeseguridad") cost."""
    metric = sacrebleu.metrics.CHRF(whitespace=whitespace)
    return float(metric.corpus_score(list(drafts), [list(references)]).score)


def quality(config: Config, glossary: Glossary, engine: ApertiumEngine, verbose: bool) -> dict[str, object]:
    results: dict[str, object] = {}
    configurations: list[tuple[str, Collection[str] | None]] = [
        ("Puente, no rules", ()),
        ("Puente, every rule", None),
        *((f"without {rule}", [r for r in rules_module.RULES if r != rule]) for rule in rules_module.RULES),
    ]
    for source, target in DIRECTIONS:
        units = load_dev_set(source, target)
        texts = [u.source for u in units]
        kinds = [u.kind for u in units]
        references = [u.reference for u in units]
        rows: dict[str, dict[str, object]] = {}
        _, ref_total, ref_misses = term_accuracy(glossary, texts, references, source, target)
        if ref_misses:
            raise SystemExit("references without the approved term:\n" + "\n".join(ref_misses))
        raw = raw_apertium(texts, source, target)
        drafts: dict[str, list[str]] = {"raw Apertium": raw}
        fallbacks: dict[str, int] = {}
        for name, rules in configurations:
            drafts[name], fallbacks[name] = puente_drafts(
                engine, glossary, texts, kinds, source, target, config, rules
            )
        for name, output in drafts.items():
            right, total, misses = term_accuracy(glossary, texts, output, source, target)
            rows[name] = {
                "chrF": round(chrf(output, references), 2),
                "chrF, spaces counted": round(chrf(output, references, whitespace=True), 2),
                "terms": [right, total],
            }
            if name in fallbacks:  # units given their source text: a draft that failed verification
                rows[name]["fallbacks"] = fallbacks[name]
            if verbose and name == "Puente, every rule":
                for miss in misses:
                    print(f"  term missed ({source}-{target}): {miss}", file=sys.stderr)
        results[f"{source}-{target}"] = {
            "units": len(units),
            "source words": sum(len(t.split()) for t in texts),
            "glossary term occurrences": ref_total,
            "scores": rows,
        }
        if verbose:
            for unit, draft, plain in zip(units, drafts["Puente, every rule"], raw, strict=True):
                print(f"{unit.id}\n  raw: {plain}\n  pue: {draft}\n  ref: {unit.reference}", file=sys.stderr)
    return results


def timing(config: Config, glossary: Glossary, articles: int, reps: int) -> dict[str, object]:
    """Drafting time on ``articles`` generated articles: raw Apertium, Puente with and
    without rules, and each rule's own CPU time."""
    from pipeline.segment import document_units
    from pipeline.sources import load_document

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "corpus"
        subprocess.run(
            [sys.executable, str(REPO / "benchmarks" / "make_corpus.py"), "--n", str(articles),
             "--out", str(out), "--format", "md", "--quiet"],
            check=True,
        )  # fmt: skip
        units = [
            (unit.text, rules_module.kind_of(unit.msgctxt))
            for path in sorted(out.glob("*.md"))
            for unit in document_units(load_document(path, Path(tmp)))
        ]
    texts = [text for text, _ in units]
    kinds = [kind for _, kind in units]
    words = sum(len(text.split()) for text in texts)
    engine = ApertiumEngine(jobs=2, locales=config.locales)
    timings: dict[str, list[float]] = {
        "raw Apertium (one call)": [],
        "Puente, no rules": [],
        "Puente, every rule": [],
    }
    for _ in range(reps):
        start = time.perf_counter()
        raw_apertium(texts, "en", "es")
        timings["raw Apertium (one call)"].append(time.perf_counter() - start)
        print(f"raw Apertium: {timings['raw Apertium (one call)'][-1]:.1f} s", file=sys.stderr)
        for name, rules in (("Puente, no rules", ()), ("Puente, every rule", None)):
            start = time.perf_counter()
            puente_drafts(engine, glossary, texts, kinds, "en", "es", config, rules)
            timings[name].append(time.perf_counter() - start)
            print(f"{name}: {timings[name][-1]:.1f} s", file=sys.stderr)
    # each rule alone, prepare + finish over every distinct unit, as the drafting path runs
    # them (the engine's part does not change)
    locale = config.locale("es")
    units = list(dict.fromkeys(units))
    per_rule: dict[str, list[float]] = {}
    for rule in ("none", "every rule", *rules_module.RULES):
        chosen = [] if rule == "none" else rules_module.RULES if rule == "every rule" else [rule]
        per_rule[rule] = []
        for _ in range(reps):
            rules_module.close_analysers()  # each measurement pays for its own analyser's start
            rules_module._ANALYSERS.clear()
            start = time.perf_counter()
            for text, kind in units:
                p = rules_module.prepare(
                    text, "en", "es", kind, locale=locale, glossary=glossary, rules=chosen
                )
                rules_module.finish(p.text, p, glossary=glossary)
            per_rule[rule].append(time.perf_counter() - start)
        print(f"prepare + finish, {rule}: {statistics.median(per_rule[rule]):.2f} s", file=sys.stderr)
    medians = {name: statistics.median(values) for name, values in timings.items()}
    base = statistics.median(per_rule.pop("none"))
    drafting = medians["Puente, no rules"]
    return {
        "articles": articles,
        "units": len(texts),
        "distinct units": len(set(texts)),
        "words": words,
        "runs": {name: [round(v, 2) for v in values] for name, values in timings.items()},
        "median s": {name: round(value, 2) for name, value in medians.items()},
        "rule cost s": {rule: round(statistics.median(v) - base, 3) for rule, v in per_rule.items()},
        "rule cost % of drafting": {
            rule: round(100 * (statistics.median(v) - base) / drafting, 1) for rule, v in per_rule.items()
        },
    }


def markdown(results: dict[str, object]) -> str:
    lines = []
    for direction in ("en-es", "es-en"):
        data = results[direction]
        assert isinstance(data, dict)
        scores = data["scores"]
        raw = scores["raw Apertium"]["chrF"]
        every = scores["Puente, every rule"]
        lines.append(
            f"\n{direction}: {data['units']} units, {data['glossary term occurrences']} glossary terms\n"
        )
        lines.append(
            "| drafts | chrF | vs raw | rule's gain | chrF, spaces counted | rule's gain | term accuracy "
            "| fallbacks |"
        )
        lines.append("|---|---:|---:|---:|---:|---:|---:|---:|")
        for name, row in scores.items():
            right, total = row["terms"]
            spaced = row["chrF, spaces counted"]
            spaced_gain = every["chrF, spaces counted"] - spaced
            gains = (
                f"{every['chrF'] - row['chrF']:+.2f} | {spaced:.2f} | {spaced_gain:+.2f}"
                if name.startswith("without")
                else f" | {spaced:.2f} | "
            )
            lines.append(
                f"| {name} | {row['chrF']:.2f} | {row['chrF'] - raw:+.2f} | {gains} | "
                f"{right}/{total} ({100 * right / total:.0f} %) | {row.get('fallbacks', '')} |"
            )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--timing", type=int, default=0, help="also time drafting on N generated articles")
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--json", type=Path, default=REPO / "benchmarks" / "results" / "quality.json")
    parser.add_argument("--verbose", action="store_true", help="print every draft to stderr")
    parser.add_argument("--skip-quality", action="store_true", help="time drafting only")
    args = parser.parse_args()
    project = open_project(REPO)
    config = project.config
    glossary = load_glossary(project)
    engine = ApertiumEngine(jobs=2, locales=config.locales)
    results: dict[str, object] = {}
    if args.json.exists():
        results = json.loads(args.json.read_text(encoding="utf-8"))
    if not args.skip_quality:
        results.update(quality(config, glossary, engine, args.verbose))
        print(markdown(results))
    if args.timing:
        results["timing"] = timing(config, glossary, args.timing, args.reps)
        print(json.dumps(results["timing"], indent=2))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
