#!/usr/bin/env python3
"""Screenshots of Puente's pages in headless Chromium (Debian's ``chromium``), for docs/.

    python scripts/screenshots.py            # builds the repository's articles first

Writes ``docs/images/page-<lang>-<width>.png``: both languages of the seed article at a
laptop width (1280 px) and a phone width (390 px). The build runs in a temporary copy of
the project with ``--no-mt`` and the repository's catalogs, so nothing is written here
but the pictures.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
IMAGES = REPO / "docs" / "images"
SLUG = "cartel-crackdown-results"
SIZES = {"laptop": (1280, 900), "phone": (390, 844)}


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    sys.exit("screenshots need Chromium: apt-get install chromium (scripts/system-deps.sh)")


def build(folder: Path) -> Path:
    for name in ("sources", "glossary", "locales"):
        shutil.copytree(REPO / name, folder / name)
    command = [sys.executable, "-m", "pipeline", "build", "--root", str(folder), "--no-mt", "--quiet"]
    subprocess.run(command, check=True, cwd=REPO)
    return folder / "build"


def shoot(browser: str, page: Path, out: Path, size: tuple[int, int]) -> None:
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run(
            [browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
             f"--user-data-dir={profile}", "--force-device-scale-factor=1",
             f"--window-size={size[0]},{size[1]}", f"--screenshot={out}", page.as_uri()],
            check=True, capture_output=True, timeout=120,
        )  # fmt: skip


def main() -> None:
    browser = chromium()
    IMAGES.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        output = build(Path(tmp) / "project")
        for lang in ("en", "es"):
            for name, size in SIZES.items():
                out = IMAGES / f"page-{lang}-{name}.png"
                shoot(browser, output / lang / f"{SLUG}.html", out, size)
                print(out.relative_to(REPO))


if __name__ == "__main__":
    main()
