"""A translator at work, as a process of its own: saves catalogs at random moments until
told to stop (``python -m tests.faults.translator FOLDER SEED ROUND STOP LOG``).

Each save reads a catalog, fills its first empty msgstr with a marker and writes it back
the way translators' tools do: a new file renamed over the old one (Poedit, most
editors), or the same file truncated and rewritten (a few editors, some sync tools). Each
marker is logged, with its catalog, once its save is complete.
"""

from __future__ import annotations

import os
import random
import re
import sys
import time
from pathlib import Path

EMPTY = re.compile(r'^msgstr ""\n\n', re.MULTILINE)


def save(path: Path, marker: str, in_place: bool) -> bool:
    """Fill one empty msgstr of ``path`` with ``marker``; False when none is left."""
    text = path.read_text("utf-8")
    match = EMPTY.search(text)
    if match is None:
        return False
    text = text[: match.start()] + f'msgstr "{marker}"\n\n' + text[match.end() :]
    if in_place:
        with open(path, "r+", encoding="utf-8") as handle:
            handle.truncate(0)
            handle.write(text)
    else:
        tmp = path.with_name(f"{path.name}.saving")
        tmp.write_text(text, "utf-8")
        os.replace(tmp, path)
    return True


def main(folder: Path, seed: int, round_: int, stop: Path, log: Path) -> None:
    chance = random.Random(seed)
    catalogs = sorted(folder.glob("*.po"))
    count = 0
    with open(log, "a", encoding="utf-8") as record:
        while not stop.exists():
            time.sleep(chance.uniform(0.0, 0.15))
            path = chance.choice(catalogs)
            marker = f"R{round_}-S{count}"
            if save(path, marker, in_place=chance.random() < 0.5):
                record.write(f"{path.name}\t{marker}\n")
                record.flush()
                count += 1


if __name__ == "__main__":
    main(Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), Path(sys.argv[4]), Path(sys.argv[5]))
