"""Make the review report's screenshots in docs/images/ with headless Chromium.

Usage (from the repository root, after ``make setup``)::

    .venv/bin/python scripts/screenshots.py [--keep DIR]

A copy of the repository's articles and glossary goes through a translator's week in a
temporary folder: a build drafts every unit with Apertium, the translator reviews a few
units of the English article in its Spanish catalog (one with a wrong number), the
editor changes a reviewed sentence and adds a new one, and ``puente build --no-mt
--review`` writes the report. Chromium then photographs the index, the article's page
(with its "only units with findings" filter ticked), and the same page as a phone
shows it.
"""

from __future__ import annotations

import argparse
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


def shoot(browser: str, url: str, out: Path, size: str, scale: str, profile: Path) -> None:
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--keep", type=Path, help="Make the project in this folder and keep it.")
    args = parser.parse_args()
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        sys.exit("chromium is not installed: scripts/system-deps.sh installs it (as root)")
    with tempfile.TemporaryDirectory() as temporary:
        root = args.keep or Path(temporary) / "newsroom"
        folder = make_project(root)
        page = folder / f"{SLUG}.es.html"
        # the page as a reviewer sees it after ticking "only units with findings"
        tree = html.fromstring(page.read_bytes())
        tree.xpath("//input[@name='findings']")[0].set("checked", "")
        filtered = folder / f"{SLUG}.es.findings.html"
        filtered.write_bytes(html.tostring(tree, doctype="<!DOCTYPE html>", encoding="utf-8"))
        IMAGES.mkdir(parents=True, exist_ok=True)
        profile = Path(temporary) / "profile"
        shoot(
            browser, (folder / "index.html").as_uri(), IMAGES / "review-index.png", "1280,620", "1", profile
        )
        shoot(browser, filtered.as_uri(), IMAGES / "review-article.png", "1280,1500", "1", profile)
        shoot(browser, filtered.as_uri(), IMAGES / "review-phone.png", "390,1150", "2", profile)


if __name__ == "__main__":
    main()
