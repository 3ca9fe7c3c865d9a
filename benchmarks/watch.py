"""Time one edit built by ``puente watch`` against the same edit built by ``puente build``.

Usage (from the repository root, after ``make setup``)::

    .venv/bin/python benchmarks/watch.py PROJECT [--reps 5] [--edits 3] [--out FILE]

PROJECT is a project folder (``benchmarks/scale.py`` makes them, one per size, under its
WORK folder); it is built first if it has no build cache. Each repetition runs two blocks
in turn (the first block alternates between repetitions):

  cli    ``--edits`` times: one digit of one paragraph of one source changed (saved the
         way editors save: a new file renamed over the old), then ``puente build --no-mt``;
         the time from the save to the end of the process
  watch  ``puente watch --no-mt`` started (its first build, a no-op, not timed), then
         ``--edits`` times the same kind of edit; the time from the save to the summary
         line of the build it started (the build is committed when the line is printed)

Between two edits the project is left still for a second, so that the build the catalog
writes of the previous one start (a no-op) is over. Medians and every time go to
``benchmarks/results/watch-<articles>-<date>.json`` (never over an earlier file).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import queue
import re
import signal
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import peers  # noqa: E402

PYTHON = Path(sys.executable)


def edit(project: Path, serial: int) -> str:
    """Change the last digit of the first number of a paragraph of one source (the same
    size); a different source each time, taken from the middle of the listing."""
    sources = sorted((project / "sources").glob("*.md"))
    for k in range(len(sources)):
        path = sources[(len(sources) // 2 + serial + k) % len(sources)]
        lines = path.read_text("utf-8").split("\n")
        for index, line in enumerate(lines):
            if not line.strip() or line.lstrip().startswith(("#", "-", "|", "<", ">", "*", "---")):
                continue
            if ":" in line.split(" ", 1)[0]:  # front matter
                continue
            found = re.search(r"\d", line)
            if found is None:
                continue
            at = found.start()
            lines[index] = line[:at] + str((int(line[at]) + 1) % 10) + line[at + 1 :]
            spare = project / ".edit"
            spare.write_text("\n".join(lines), "utf-8")
            os.replace(spare, path)
            return f"sources/{path.name}"
    raise RuntimeError(f"{project}: no paragraph with a digit to edit")


def cli_block(project: Path, edits: int, serial: int) -> list[float]:
    times = []
    for k in range(edits):
        time.sleep(1.0)
        start = time.perf_counter()
        edit(project, serial + k)
        subprocess.run(
            [str(PYTHON), "-m", "pipeline", "--root", str(project), "build", "--no-mt"],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        times.append(time.perf_counter() - start)
    return times


def watch_block(project: Path, edits: int, serial: int) -> list[float]:
    process = subprocess.Popen(
        [str(PYTHON), "-m", "pipeline", "--root", str(project), "watch", "--no-mt"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: queue.Queue[tuple[float, str]] = queue.Queue()

    def read() -> None:
        assert process.stdout is not None
        with process.stdout:
            for line in process.stdout:
                lines.put((time.perf_counter(), line))

    threading.Thread(target=read, daemon=True).start()

    def until(pattern: str) -> float:
        while True:
            try:
                when, line = lines.get(timeout=300)
            except queue.Empty:
                raise RuntimeError(f"puente watch printed no {pattern!r} in 300 s") from None
            if re.search(pattern, line):
                return when

    times = []
    try:
        until(r"^watching for changes")
        for k in range(edits):
            time.sleep(1.0)
            while not lines.empty():
                lines.get()
            start = time.perf_counter()
            edit(project, serial + k)
            until(r"^\d+ articles? \(1 rebuilt\)")  # then the summary's last line
            times.append(until(r"^translated units:") - start)
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=60)
    return times


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("project", type=Path)
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--edits", type=int, default=3)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    project = args.project.resolve()
    if not (project / ".puente" / "build-cache.sqlite").exists():
        subprocess.run(
            [str(PYTHON), "-m", "pipeline", "--root", str(project), "build", "--no-mt"], check=True
        )
    articles = len(list((project / "sources").glob("*.md")))
    runs: dict[str, list[float]] = {"cli": [], "watch": []}
    loads: list[float] = []
    serial = 0
    for rep in range(args.reps):
        order = ["cli", "watch"] if rep % 2 == 0 else ["watch", "cli"]
        for kind in order:
            loads.append(os.getloadavg()[0])
            block = cli_block if kind == "cli" else watch_block
            runs[kind] += block(project, args.edits, serial)
            serial += args.edits
            print(
                f"rep {rep + 1} {kind}: {', '.join(f'{t:.2f}' for t in runs[kind][-args.edits :])} s",
                flush=True,
            )
    medians = {kind: statistics.median(times) for kind, times in runs.items()}
    data: dict[str, Any] = {
        "date": datetime.date.today().isoformat(),
        "project": str(project),
        "articles": articles,
        "reps": args.reps,
        "edits": args.edits,
        "machine": peers.machine_info(),
        "loads": loads,
        "runs": runs,
        "medians": medians,
        "ratio": medians["watch"] / medians["cli"],
    }
    results = HERE / "results"
    results.mkdir(exist_ok=True)
    out = args.out or Path(peers.unused_path(str(results), f"watch-{articles}-{data['date']}"))
    out.write_text(json.dumps(data, indent=2) + "\n", "utf-8")
    print(
        f"{articles} articles, one source edited, median of {len(runs['cli'])}: "
        f"build {medians['cli']:.2f} s, watch {medians['watch']:.2f} s "
        f"(ratio {data['ratio']:.2f}); {out}"
    )


if __name__ == "__main__":
    main()
