"""Time ``puente xliff export`` and ``import`` against Translate Toolkit's po2xliff / xliff2po.

Usage (from the repository root, after ``make setup``)::

    PEERS_BIN=/path/to/venv-with-translate-toolkit/bin \\
        .venv/bin/python benchmarks/xliff.py [--n 1000] [--reps 3] [--work /tmp/puente-bench]

The corpus is the one ``run.py`` uses (``make_corpus.py``, seed 1, HTML). The project
is built with ``--no-mt`` and every entry given a fake draft (``fill_po.fake``: the
words reversed, placeholders kept), fuzzy, as a vendor receives it. Then, with the
same timing code as the other benchmarks (``peers.Bench``):

* Puente exports every catalog as XLIFF 1.2, then as 2.1; Translate Toolkit's
  ``po2xliff`` converts the same catalogs (dir mode);
* the vendor's answer is every 1.2 target marked final; Puente imports all the files
  (every unit checked against its article, every catalog rewritten), and
  ``xliff2po`` converts them back to PO (no checks, no merge: a lower bound).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import fill_po  # noqa: E402
import peers  # noqa: E402
import polib  # noqa: E402
from run import fresh_project, puente  # noqa: E402


def draft_catalogs(root: Path) -> None:
    """A fake fuzzy draft in every entry (the drafts a vendor is sent)."""
    for path in (root / "locales").rglob("*.po"):
        catalog = polib.pofile(str(path), wrapwidth=0)
        for entry in catalog:
            entry.msgstr = fill_po.fake(entry.msgid, "reverse")
            entry.flags = ["fuzzy"]
        catalog.save()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--work", type=Path, default=Path("/tmp/puente-bench"))
    args = parser.parse_args()
    n, work = args.n, args.work
    work.mkdir(parents=True, exist_ok=True)
    bench = peers.Bench(str(work), args.reps)
    info = peers.setup(bench, [n])
    words = info[n]["words"]
    root = fresh_project(work, "xl", work / f"html{n}")
    subprocess.run(puente(f"build --quiet --no-mt --root {root}").split(), check=True)
    draft_catalogs(root)
    pristine = work / "xl-locales"
    shutil.rmtree(pristine, ignore_errors=True)
    shutil.copytree(root / "locales", pristine)
    catalogs = root / "locales" / "es" / "LC_MESSAGES"

    for version in ("1.2", "2.1"):
        out = work / f"xl-out-{version}"
        bench.measure(
            "Puente",
            f"xliff export: every catalog -> XLIFF {version}",
            n,
            words,
            puente(f"xliff export --quiet --root {root} --lang es --xliff-version {version} --out {out}"),
            prep=lambda out=out: shutil.rmtree(out, ignore_errors=True),
        )
    tt_out = work / "xl-tt-xliff"
    bench.measure(
        "translate-toolkit po2xliff",
        "every catalog -> XLIFF 1.2 (dir mode)",
        n,
        words,
        f"{peers.PEERS}/po2xliff --progress=none -i {catalogs} -o {tt_out}",
        prep=lambda: shutil.rmtree(tt_out, ignore_errors=True),
    )

    answered = work / "xl-answered"
    shutil.rmtree(answered, ignore_errors=True)
    answered.mkdir()
    for path in sorted((work / "xl-out-1.2").glob("*.xlf")):
        text = path.read_text("utf-8").replace('state="needs-review-translation"', 'state="final"')
        (answered / path.name).write_text(text, "utf-8")

    def restore() -> None:
        shutil.rmtree(root / "locales")
        shutil.copytree(pristine, root / "locales")

    bench.measure(
        "Puente",
        "xliff import: every file checked, all catalogs rewritten",
        n,
        words,
        puente(f"xliff import --quiet --root {root} {answered}/*.xlf"),
        prep=restore,
    )
    tt_po = work / "xl-tt-po"
    bench.measure(
        "translate-toolkit xliff2po",
        "every XLIFF 1.2 file -> PO (dir mode, no checks)",
        n,
        words,
        f"{peers.PEERS}/xliff2po --progress=none -i {answered} -o {tt_po}",
        prep=lambda: shutil.rmtree(tt_po, ignore_errors=True),
    )
    restore()
    bench.save()
    print(peers.table(bench.rows))
    results = HERE / "results"
    results.mkdir(exist_ok=True)
    (results / f"xliff-{n}.json").write_text(json.dumps({"rows": bench.rows}, indent=1))


if __name__ == "__main__":
    main()
