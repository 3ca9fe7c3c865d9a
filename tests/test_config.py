"""puente.toml: optional, validated, errors that name the line."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.config import load_config
from pipeline.errors import ConfigError
from pipeline.project import open_project
from tests.conftest import run_cli


def test_no_file_means_defaults(tmp_path: Path) -> None:
    config = load_config(tmp_path)
    assert (config.languages, config.locale("es"), config.segmentation, config.engine) == (
        ("en", "es"),
        "es_MX",
        "sentence",
        "apertium",
    )
    assert config.target_language("en") == "es" and config.target_language("es") == "en"


def test_settings_are_read(tmp_path: Path) -> None:
    (tmp_path / "puente.toml").write_text(
        '[locales]\nes = "es_ES"\n[segmentation]\nmode = "block"\n[translate]\nfuzzy_threshold = 80\n'
        '[build]\noutput = "public"\nchanged_units = "hold"\n[checks]\nlength = "off"\n'
    )
    config = load_config(tmp_path)
    assert config.locale("es") == "es_ES" and config.segmentation == "block" and config.fuzzy_threshold == 80
    assert open_project(tmp_path).output_dir == tmp_path / "public" and config.changed_units == "hold"
    assert config.check_severities == {"length": "off"}


BAD = {
    'languages = ["en", "fr"]\n': 'puente.toml:1: languages: must be ["en", "es"]',
    '[locales]\nes = "fr_FR"\n': "puente.toml:2: es: 'fr_FR' is not a Babel locale of language 'es'",
    '[segmentation]\nmode = "word"\n': 'puente.toml:2: mode: must be "sentence" or "block"',
    "[translate]\nfuzzy_threshold = 20\n": "puente.toml:2: fuzzy_threshold: must be a whole number from 50 to 100",
    '[build]\noutput = "../elsewhere"\n': "puente.toml:2: output: must be a folder inside the project",
    '[build]\nchanged = "x"\n': "puente.toml:2: changed: unknown setting in [build] (known: changed_units, output)",
    '[checks]\nnumbers = "loud"\n': "puente.toml:2: numbers: must be one of error, warning, info, off",
    "engine = \n": "puente.toml:1: Invalid value",
}


@pytest.mark.parametrize("text", sorted(BAD))
def test_bad_configuration_is_one_clear_line(tmp_path: Path, text: str) -> None:
    (tmp_path / "sources").mkdir()
    (tmp_path / "puente.toml").write_text(text)
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path)
    assert str(caught.value) == BAD[text]
    result = run_cli("build", "--root", tmp_path)
    assert result.exit_code == 2 and result.stderr == BAD[text] + "\n"
