"""``[site]`` in puente.toml: base URL, URL patterns per language, feeds, the notice."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from pipeline.config import load_config
from pipeline.errors import ConfigError
from pipeline.site import group_id
from tests.conftest import run_cli


def test_without_a_site_table_addresses_stay_relative(tmp_path: Path) -> None:
    site = load_config(tmp_path).site
    assert site.base_url is None and not site.absolute
    assert site.page_url("en", "a") is None and site.asset_url("assets/x.png") is None
    assert site.notice is True and site.feed_limit == 50


def test_site_settings_are_read(tmp_path: Path) -> None:
    (tmp_path / "puente.toml").write_text(
        '[site]\nbase_url = "https://news.example.org/edition"\nname = "  Puente   News "\nfeed_limit = 0\n'
        '[site.urls]\nes = "https://noticias.example.mx/{lang}/{slug}/"\nen = "stories/{slug}"\n'
        '[site.notice]\nshow = false\nen = "Machine-made from the {language} text."\n'
    )
    site = load_config(tmp_path).site
    assert site.base_url == "https://news.example.org/edition/"
    assert site.name == "Puente News" and site.feed_limit == 0 and site.notice is False
    assert site.page_url("es", "a-b") == "https://noticias.example.mx/es/a-b/"
    assert site.page_url("en", "a-b") == "https://news.example.org/edition/stories/a-b"
    assert site.asset_url("assets/x.1.png") == "https://news.example.org/edition/assets/x.1.png"
    assert site.notice_text("en", "es") == "Machine-made from the Spanish text."
    assert site.notice_text("es", "en").startswith(
        "Este artículo se tradujo automáticamente del original en inglés"
    )


BAD = {
    '[site]\nbase_url = "news.example.org"\n': "puente.toml:2: base_url: must be an http or https address, such as https://news.example.org/",
    '[site]\nbase_url = "javascript:alert(1)"\n': "puente.toml:2: base_url: must be an http or https address, such as https://news.example.org/",
    '[site]\nbase_url = "https://x.org/?a=1"\n': "puente.toml:2: base_url: must be an http or https address, such as https://news.example.org/",
    "[site]\nbase_url = 3\n": "puente.toml:2: base_url: must be an http or https address, such as https://news.example.org/",
    "[site]\nfeed_limit = -1\n": "puente.toml:2: feed_limit: must be a whole number from 0 (every page) to 100000",
    '[site]\ncolour = "red"\n': "puente.toml:2: colour: unknown setting in [site] (known: base_url, feed_limit, name, notice, urls)",
    '[site.urls]\nes = "https://x.org/{slug}"\n': "puente.toml:2: es: a URL pattern needs base_url in [site]",
    '[site]\nbase_url = "https://x.org"\n\n[site.urls]\nes = "https://x.org/nota"\n': "puente.toml:5: es: must contain {slug}",
    '[site]\nbase_url = "https://x.org"\n[site.urls]\nfr = "{slug}"\n': "puente.toml:4: fr: unknown language 'fr' (known: en, es)",
    '[site]\nbase_url = "https://x.org"\n[site.urls]\nes = "{year}/{slug}"\n': "puente.toml:4: es: unknown placeholder {year} (known: {slug}, {lang})",
    '[site]\nbase_url = "https://x.org"\n[site.urls]\nes = 4\n': "puente.toml:4: es: must be a URL pattern with {slug}, such as https://example.org/{lang}/{slug}/",
    '[site]\nbase_url = "https://x.org"\n[site.urls]\nes = "ftp://x.org/{slug}"\n': "puente.toml:4: es: must be a URL pattern with {slug}, such as https://example.org/{lang}/{slug}/",
    '[site]\nbase_url = "https://x.org:port/"\n': "puente.toml:2: base_url: must be an http or https address, such as https://news.example.org/",
    '[site.notice]\nshow = "yes"\n': "puente.toml:2: show: must be true or false",
    "[site.notice]\nloud = true\n": "puente.toml:2: loud: unknown setting in [site.notice] (known: en, es, show)",
    '[site.notice]\nes = "Traducido del {idioma}"\n': "puente.toml:2: es: the only placeholder is {language}",
    '[site.notice]\nes = ""\n': "puente.toml:2: es: must be text of 1 to 500 characters",
}


@pytest.mark.parametrize("text", sorted(BAD))
def test_bad_site_settings_are_one_clear_line(tmp_path: Path, text: str) -> None:
    (tmp_path / "sources").mkdir()
    (tmp_path / "puente.toml").write_text(text)
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path)
    assert str(caught.value) == BAD[text]
    result = run_cli("build", "--root", tmp_path)
    assert result.exit_code == 2 and result.stderr == BAD[text] + "\n"


def test_translation_group_ids_are_stable_and_distinct() -> None:
    first = group_id("port-security", None)
    assert first == group_id("port-security", None)
    assert str(uuid.UUID(first)) == first and first != group_id("port-safety", None)
    assert group_id("port-security", "nota-42") == "nota-42"
