#!/usr/bin/env python3
"""Screenshots of Puente's pages in headless Chromium (Debian's ``chromium``), for docs/.

    python scripts/screenshots.py            # builds the repository's articles first

Writes ``docs/images/page-<lang>-<width>.png``: both languages of the seed article at a
laptop width (1280 px) and a phone width (390 px). The build runs in a temporary copy of
the project with ``--no-mt`` and the repository's catalogs, so nothing is written here
but the pictures.

Then the review report (``docs/images/review-*.png``): a copy of the repository's
articles and glossary goes through a translator's week in a temporary folder: a build
drafts every unit with Apertium, the translator reviews a few units of the English
article in its Spanish catalog (one with a wrong number), the editor changes a reviewed
sentence and adds a new one, and ``puente build --no-mt --review`` writes the report.
Chromium photographs the index, the article's page (with its "only units with findings"
filter ticked), and the same page as a phone shows it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import polib
from lxml import html

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


PUENTE = [sys.executable, "-m", "pipeline"]
SLUG = "cartel-crackdown-results"
REVIEWS = {
    "Key Facts at a Glance": "Datos clave de un vistazo",
    "Metric": "Indicador",
    "Trend": "Tendencia",
    "Latest Detail": "Último dato",
    "Homicide rate": "Tasa de homicidios",
    "Why This Matters Over Time": "Por qué importa a largo plazo",
    "{1}Arrests:{/1} Over 12,300 high\u2011ranking cartel members and affiliates detained across 17 joint "
    "operations.": "{1}Detenciones:{/1} Más de 12.300 mandos y afiliados de los cárteles detenidos en 17 "
    "operativos conjuntos.",
    # a slip the check catches: 15.000 for 1,500
    "Mexican authorities seized more than 1,500 pounds from clandestine labs this week": (
        "Las autoridades mexicanas decomisaron más de 15.000 libras en laboratorios clandestinos esta semana"
    ),
}
NEW_SENTENCE = "Officials promised a full audit of the operations by March."


def puente(root: Path, *args: str) -> None:
    subprocess.run([*PUENTE, *args, "--quiet", "--root", str(root)], check=True, cwd=REPO)


def make_project(root: Path) -> Path:
    """The project of the screenshots, its report written; returns the report's folder."""
    shutil.copytree(REPO / "sources", root / "sources")
    shutil.copytree(REPO / "glossary", root / "glossary")
    puente(root, "build")
    po = root / "locales" / "es" / "LC_MESSAGES" / f"{SLUG}.po"
    catalog = polib.pofile(str(po), wrapwidth=0)
    for entry in catalog:
        if entry.msgid in REVIEWS:
            entry.msgstr, entry.flags = REVIEWS[entry.msgid], []
    catalog.save()
    puente(root, "build")
    source = root / "sources" / f"{SLUG}.md"
    text = source.read_text("utf-8").replace("Over 12,300", "Over 13,100")
    text = text.replace("\n## Key Facts at a Glance", f"\n{NEW_SENTENCE}\n\n## Key Facts at a Glance", 1)
    source.write_text(text, "utf-8")
    puente(root, "build")  # a fresh draft for the changed sentence
    text = source.read_text("utf-8").replace(
        NEW_SENTENCE, NEW_SENTENCE + " Nobody has said who will lead it."
    )
    source.write_text(text, "utf-8")
    puente(root, "build", "--no-mt", "--review")  # the new sentence stays untranslated
    return root / "build" / "review"


def shoot_review(browser: str, url: str, out: Path, size: str, scale: str, profile: Path) -> None:
    subprocess.run(
        [
            browser,
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--no-first-run",
            "--hide-scrollbars",
            f"--user-data-dir={profile}",
            f"--window-size={size}",
            f"--force-device-scale-factor={scale}",
            f"--screenshot={out}",
            url,
        ],
        check=True,
        capture_output=True,
        timeout=120,
        env={**os.environ, "HOME": str(profile)},
    )
    print(f"{out.relative_to(REPO)}")


def review_shots(browser: str) -> None:
    with tempfile.TemporaryDirectory() as temporary:
        folder = make_project(Path(temporary) / "newsroom")
        page = folder / f"{SLUG}.es.html"
        # the page as a reviewer sees it after ticking "only units with findings"
        tree = html.fromstring(page.read_bytes())
        tree.xpath("//input[@name='findings']")[0].set("checked", "")
        filtered = folder / f"{SLUG}.es.findings.html"
        filtered.write_bytes(html.tostring(tree, doctype="<!DOCTYPE html>", encoding="utf-8"))
        IMAGES.mkdir(parents=True, exist_ok=True)
        profile = Path(temporary) / "profile"
        index = (folder / "index.html").as_uri()
        shoot_review(browser, index, IMAGES / "review-index.png", "1280,620", "1", profile)
        shoot_review(browser, filtered.as_uri(), IMAGES / "review-article.png", "1280,1500", "1", profile)
        shoot_review(browser, filtered.as_uri(), IMAGES / "review-phone.png", "390,1150", "2", profile)


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
    review_shots(browser)


if __name__ == "__main__":
    main()
