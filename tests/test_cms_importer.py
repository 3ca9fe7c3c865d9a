"""The worked importer of docs/cms.md runs against a real build into real SQLite."""

from __future__ import annotations

import re
import runpy
import sqlite3
from pathlib import Path

from tests.conftest import REPO, run_cli
from tests.test_cms import make_project

IMPORTER = REPO / "docs" / "examples" / "import_sqlite.py"


def test_the_documented_importer_loads_every_page_with_its_translation_group(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p")
    assert run_cli("build", "--root", root, "--quiet").exit_code == 0
    database = tmp_path / "cms.sqlite"
    importer = runpy.run_path(str(IMPORTER))
    for _ in range(2):  # importing again updates in place
        importer["import_build"](root / "build", database)
    with sqlite3.connect(database) as db:
        assert db.execute("SELECT count(*) FROM articles").fetchone() == (3,)
        groups = db.execute("SELECT article_id, count(*) FROM posts GROUP BY article_id").fetchall()
        assert sorted(count for _, count in groups) == [2, 2, 2]  # both languages of each article
        content, state = db.execute(
            "SELECT content, state FROM posts JOIN articles ON id = article_id WHERE slug = 'port-security' AND lang = 'es'"
        ).fetchone()
        assert state == "machine" and "<h1" not in content
        assert re.findall(r'src="media:([0-9a-f]{64})"', content)  # images re-pointed at the library
        assert db.execute("SELECT count(*) FROM media").fetchone() == (2,)
        tags = db.execute(
            "SELECT lang, name FROM terms WHERE taxonomy = 'tags' ORDER BY lang, name"
        ).fetchall()
        assert [name for lang, name in tags if lang == "en"] == ["Ports", "Security"]
        assert len([name for lang, name in tags if lang == "es"]) == 2


def test_the_docs_show_the_importer_that_the_tests_run() -> None:
    docs = (REPO / "docs" / "cms.md").read_text("utf-8")
    assert "docs/examples/import_sqlite.py" in docs
    assert IMPORTER.read_text("utf-8").split('"""', 2)[2].strip()[:200] in docs
