"""Time drafting (``translate``) on the generated corpus, against another checkout.

Usage (from the repository root, after ``make setup``)::

    git archive main | (mkdir -p /tmp/puente-base && tar -x -C /tmp/puente-base)
    .venv/bin/python benchmarks/drafting.py [--n 1000] [--full-reps 3] [--reps 5] \
        [--baseline /tmp/puente-base]

The corpus is ``make_corpus.py --n N --seed 1`` (HTML). Its catalogs are extracted
once; every run then drafts every unit of a fresh copy of that project with an empty
translation memory (``translate_project`` in a process of its own: glossary masking,
Apertium with 2 jobs, restoring and verifying the terms, the memory, the catalogs),
for this checkout and, with ``--baseline``, the checkout in that folder (run with the
same virtualenv), alternately, so that both see the same machine.

``--full-reps`` runs call Apertium and record its answers (0 reuses the answers an
earlier run recorded); ``--reps`` more runs replay them, which leaves Puente's own work
and takes Apertium's time (the same for both when they send the same units) and its
noise out of the comparison; their CPU time is reported too, as a busy machine distorts
it less than wall time. Reported: the times of each kind, their ratios, the engine
calls and units, and, of the drafts, how many differ between the two and how many hold
token-like residue (``pipeline.glossary.residue``). Results go to
``results/drafting-N.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

import polib

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))

from pipeline.glossary import residue  # noqa: E402


def prepare(work: Path, n: int) -> Path:
    """The extracted corpus project (made once per N)."""
    corpus = work / f"corpus{n}"
    if not corpus.is_dir() or len(list(corpus.glob("*.html"))) != n:
        shutil.rmtree(corpus, ignore_errors=True)
        subprocess.run(
            [sys.executable, str(HERE / "make_corpus.py"), "--n", str(n), "--out", str(corpus), "--seed", "1",
             "--format", "html"],
            check=True, stdout=subprocess.DEVNULL,
        )  # fmt: skip
    project = work / f"extracted{n}"
    shutil.rmtree(project, ignore_errors=True)
    (project / "sources").mkdir(parents=True)
    for path in corpus.glob("*.html"):
        os.link(path, project / "sources" / path.name)
    shutil.copytree(REPO / "glossary", project / "glossary")
    puente(REPO, "extract", "--quiet", "--root", str(project))
    return project


def puente(checkout: Path, *args: str) -> subprocess.CompletedProcess[str]:
    # run from the checkout: "python -m" and "-c" put the working folder first on the path
    env = {**os.environ, "PYTHONPATH": str(checkout)}
    command = [sys.executable, "-m", "pipeline", *args]
    return subprocess.run(command, env=env, cwd=checkout, check=True, capture_output=True, text=True)


REPLAY = """
import json, sys, time
from pathlib import Path
from pipeline.config import load_config
from pipeline.mt import BatchResult
from pipeline.mt.apertium import ApertiumEngine
from pipeline.translate import translate_project

class Replay:
    # Apertium's answers, recorded once, then replayed: what is left is Puente's own work
    name = "apertium"

    def __init__(self, path):
        self.path, self.engine = Path(path), ApertiumEngine()
        self.version = self.engine.version
        self.answers = json.loads(self.path.read_text()) if self.path.exists() else {}

    def translate(self, texts, source, target):
        missing = [t for t in texts if f"{source}>{target}:{t}" not in self.answers]
        if missing:
            result = self.engine.translate(missing, source, target)
            for text, draft, unknown in zip(missing, result.translations, result.unknown):
                self.answers[f"{source}>{target}:{text}"] = [draft, list(unknown)]
            self.path.write_text(json.dumps(self.answers))
        found = [self.answers[f"{source}>{target}:{t}"] for t in texts]
        return BatchResult([a[0] for a in found], [tuple(a[1]) for a in found])

root, answers = Path(sys.argv[1]), sys.argv[2]
started, cpu = time.perf_counter(), time.process_time()
import pipeline
assert Path(pipeline.__file__).resolve().parent.parent == Path.cwd().resolve(), pipeline.__file__
report = translate_project(load_config(root), engine=Replay(answers))
print(time.perf_counter() - started, time.process_time() - cpu, report.engine_calls, report.engine_units)
"""


def replayed(checkout: Path, project: Path, root: Path, answers: Path) -> tuple[float, float, str]:
    """Seconds ``translate_project`` takes, with the engine's answers replayed from ``answers``
    (or, when that file does not exist yet, asked of Apertium and recorded there), and the
    engine calls and units it reported; also its CPU seconds (which a busy machine distorts less)."""
    shutil.rmtree(root, ignore_errors=True)
    shutil.copytree(project, root)
    env = {**os.environ, "PYTHONPATH": str(checkout)}
    command = [sys.executable, "-c", REPLAY, str(root), str(answers)]
    result = subprocess.run(command, env=env, cwd=checkout, check=True, capture_output=True, text=True)
    seconds, cpu, calls, units = result.stdout.split()
    return float(seconds), float(cpu), f"{units} units in {calls} engine calls"


def drafts(root: Path) -> dict[tuple[str, str, str], str]:
    found = {}
    for path in sorted((root / "locales").rglob("*.po")):
        for entry in polib.pofile(str(path), wrapwidth=0):
            if entry.msgid:
                found[(path.name, entry.msgctxt or "", entry.msgid)] = entry.msgstr
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--full-reps", type=int, default=3, help="runs calling Apertium, each")
    parser.add_argument("--reps", type=int, default=5, help="runs replaying its answers, each")
    parser.add_argument("--baseline", type=Path, help="another checkout of Puente to compare with")
    parser.add_argument("--work", type=Path, default=Path("/tmp/puente-drafting"))
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    project = prepare(args.work, args.n)
    checkouts = {"this": REPO}
    if args.baseline is not None:
        checkouts["baseline"] = args.baseline.resolve()
    times: dict[str, list[float]] = {name: [] for name in checkouts}
    summary: dict[str, str] = {}
    for _ in range(args.full_reps):  # Apertium answers, recorded anew each time
        for name, checkout in checkouts.items():
            answers = args.work / f"answers-{name}.json"
            answers.unlink(missing_ok=True)
            elapsed, _, summary[name] = replayed(checkout, project, args.work / name, answers)
            times[name].append(elapsed)
            print(f"{name}: {elapsed:.2f} s ({summary[name]})", flush=True)
    overhead: dict[str, list[float]] = {name: [] for name in checkouts}
    cpu: dict[str, list[float]] = {name: [] for name in checkouts}
    for _ in range(args.reps):  # Puente's own work: Apertium's answers replayed
        for name, checkout in checkouts.items():
            elapsed, used, summary[name] = replayed(
                checkout, project, args.work / name, args.work / f"answers-{name}.json"
            )
            overhead[name].append(elapsed)
            cpu[name].append(used)
            print(f"{name}, engine replayed: {elapsed:.2f} s ({used:.2f} s CPU)", flush=True)
    results: dict[str, object] = {"n": args.n, "full_reps": args.full_reps, "reps": args.reps}
    outputs = {name: drafts(args.work / name) for name in checkouts}
    for name in checkouts:
        with_residue = sum(1 for (_, _, msgid), text in outputs[name].items() if residue(msgid, text))
        results[name] = {
            "runs_s": [round(t, 3) for t in times[name]],
            "median_s": round(statistics.median(times[name]), 3) if times[name] else None,
            "summary": summary[name],
            "replayed_runs_s": [round(t, 3) for t in overhead[name]],
            "replayed_median_s": round(statistics.median(overhead[name]), 3),
            "replayed_cpu_s": [round(t, 3) for t in cpu[name]],
            "replayed_cpu_median_s": round(statistics.median(cpu[name]), 3),
            "drafts": len(outputs[name]),
            "drafts_with_residue": with_residue,
        }
        print(f"{name}: full runs {times[name]}; {summary[name]}; "
              f"{with_residue} of {len(outputs[name])} drafts with token-like residue")  # fmt: skip
    if "baseline" in checkouts:
        if times["this"]:
            ratio = statistics.median(times["this"]) / statistics.median(times["baseline"])
            results["ratio_this_to_baseline"] = round(ratio, 3)
            print(f"this / baseline, full runs: {ratio:.3f}")
        differ = sum(1 for key, text in outputs["this"].items() if outputs["baseline"].get(key) != text)
        own = statistics.median(overhead["this"]) / statistics.median(overhead["baseline"])
        results["replayed_ratio_this_to_baseline"] = round(own, 3)
        print(f"this / baseline, engine replayed: {own:.3f}")
        used = statistics.median(cpu["this"]) / statistics.median(cpu["baseline"])
        results["replayed_cpu_ratio_this_to_baseline"] = round(used, 3)
        print(f"this / baseline, engine replayed, CPU: {used:.3f}")
        results["drafts_differing"] = differ
        print(f"{differ} drafts differ")
    out = HERE / "results" / f"drafting-{args.n}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=1) + "\n")


if __name__ == "__main__":
    main()
