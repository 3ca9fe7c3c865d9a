"""Load Puente's build/manifest.json into SQLite, as a CMS import would.

    python docs/examples/import_sqlite.py build/ cms.sqlite

One row per translation group (``articles``), one per page (``posts``: the body
fragment in ``content``, the excerpt, the URL, the state), the translated terms
(``terms``) and the media library (``media``: each image once, by content hash).
Running it again updates the rows in place: the group id and the language are the key.
"""

from __future__ import annotations

import json
import sqlite3
import sys
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS articles (id TEXT PRIMARY KEY, slug TEXT, source_lang TEXT,
    date TEXT, updated TEXT, author TEXT);
CREATE TABLE IF NOT EXISTS posts (article_id TEXT REFERENCES articles(id), lang TEXT,
    title TEXT, url TEXT, excerpt TEXT, content TEXT, state TEXT, featured_media TEXT,
    PRIMARY KEY (article_id, lang));
CREATE TABLE IF NOT EXISTS terms (article_id TEXT, lang TEXT, taxonomy TEXT, name TEXT,
    PRIMARY KEY (article_id, lang, taxonomy, name));
CREATE TABLE IF NOT EXISTS media (sha256 TEXT PRIMARY KEY, path TEXT, media_type TEXT, data BLOB);
"""


def import_build(build: Path, database: Path) -> None:
    """Import the manifest of the output folder ``build`` into ``database``."""
    manifest = json.loads((build / "manifest.json").read_text("utf-8"))
    if manifest.get("schema_version") != 2:
        raise SystemExit("this importer reads manifest schema version 2")
    with sqlite3.connect(database) as db:
        db.executescript(SCHEMA)
        for article in manifest["articles"]:
            db.execute(
                "INSERT OR REPLACE INTO articles VALUES (?, ?, ?, ?, ?, ?)",
                (
                    article["id"],
                    article["slug"],
                    article["source_lang"],
                    article["date"],
                    article["updated"],
                    article["author"],
                ),
            )
            for lang, page in article["languages"].items():
                content = (build / page["body"]).read_text("utf-8")
                for image in page["images"]:
                    # upload to the media library, then point the content at it
                    db.execute(
                        "INSERT OR IGNORE INTO media VALUES (?, ?, ?, ?)",
                        (
                            image["sha256"],
                            image["path"],
                            image["media_type"],
                            (build / image["path"]).read_bytes(),
                        ),
                    )
                    content = content.replace(f'src="{image["src"]}"', f'src="media:{image["sha256"]}"')
                featured = page["image"]["sha256"] if page["image"] else None
                db.execute(
                    "INSERT OR REPLACE INTO posts VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        article["id"],
                        lang,
                        page["title"],
                        page["url"],
                        page["excerpt"],
                        content,
                        page["state"],
                        featured,
                    ),
                )
                db.execute("DELETE FROM terms WHERE article_id = ? AND lang = ?", (article["id"], lang))
                for taxonomy in ("tags", "categories"):
                    db.executemany(
                        "INSERT OR IGNORE INTO terms VALUES (?, ?, ?, ?)",
                        [(article["id"], lang, taxonomy, name) for name in page[taxonomy]],
                    )


if __name__ == "__main__":
    import_build(Path(sys.argv[1]), Path(sys.argv[2]))
