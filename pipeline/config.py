"""Project configuration: the optional ``puente.toml`` at the project root.

Every setting has a default, so a project needs no configuration file at all::

    languages = ["en", "es"]          # the two languages of the project

    [locales]                         # Babel locale per language, for dates and numbers
    en = "en_US"
    es = "es_MX"

    [segmentation]
    mode = "sentence"                 # or "block": one unit per block

    [translate]
    engine = "apertium"               # see `puente translate --help`
    fuzzy_threshold = 75              # translation-memory fuzzy matches, percent

    [build]
    output = "build"
    changed_units = "fresh-draft"     # or "previous", or "hold"

    [checks]
    length-ratio = "off"              # a check code: "error", "warning", "info" or "off"
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pipeline.errors import ConfigError

CONFIG_NAME = "puente.toml"
SUPPORTED_LANGUAGES = ("en", "es")
DEFAULT_LOCALES = {"en": "en_US", "es": "es_MX"}
SEVERITIES = ("error", "warning", "info", "off")
ChangedUnits = Literal["fresh-draft", "previous", "hold"]
SegmentationMode = Literal["sentence", "block"]


@dataclass(frozen=True)
class Config:
    """The validated settings of one project."""

    root: Path
    languages: tuple[str, ...] = SUPPORTED_LANGUAGES
    locales: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_LOCALES))
    segmentation: SegmentationMode = "sentence"
    engine: str = "apertium"
    fuzzy_threshold: int = 75
    output: str = "build"
    changed_units: ChangedUnits = "fresh-draft"
    check_severities: dict[str, str] = field(default_factory=dict)

    @property
    def sources_dir(self) -> Path:
        return self.root / "sources"

    @property
    def locales_dir(self) -> Path:
        return self.root / "locales"

    @property
    def glossary_dir(self) -> Path:
        return self.root / "glossary"

    @property
    def state_dir(self) -> Path:
        """Puente's own working files (translation memory, caches, lock)."""
        return self.root / ".puente"

    @property
    def output_dir(self) -> Path:
        return self.root / self.output

    def target_language(self, source_lang: str) -> str:
        """The language an article written in ``source_lang`` is translated into."""
        others = [lang for lang in self.languages if lang != source_lang]
        return others[0]

    def locale(self, lang: str) -> str:
        return self.locales.get(lang, DEFAULT_LOCALES.get(lang, lang))


_KNOWN = {
    "languages": None,
    "locales": None,
    "segmentation": {"mode"},
    "translate": {"engine", "fuzzy_threshold"},
    "build": {"output", "changed_units"},
    "checks": None,
}


def load_config(root: Path) -> Config:
    """Read ``root/puente.toml`` if it exists; raise :class:`ConfigError` naming the line."""
    path = root / CONFIG_NAME
    if not path.exists():
        return Config(root=root)
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
        data = tomllib.loads(text)
    except UnicodeDecodeError as exc:
        raise ConfigError(CONFIG_NAME, raw[: exc.start].count(b"\n") + 1, "not UTF-8") from None
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"\(at line (\d+)", str(exc))
        message = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc))
        raise ConfigError(CONFIG_NAME, int(match.group(1)) if match else 1, message) from None
    return _validate(root, data, text)


def _line_of(text: str, key: str) -> int:
    """The first line that sets ``key`` (TOML parsers do not keep positions)."""
    pattern = re.compile(rf"^\s*\[?\s*\"?{re.escape(key)}\"?\s*[=\]]", re.MULTILINE)
    match = pattern.search(text)
    return text.count("\n", 0, match.start()) + 1 if match else 1


def _fail(text: str, key: str, message: str) -> ConfigError:
    return ConfigError(CONFIG_NAME, _line_of(text, key), f"{key}: {message}")


def _validate(root: Path, data: dict[str, Any], text: str) -> Config:
    for key, value in data.items():
        if key not in _KNOWN:
            raise _fail(text, key, f"unknown setting (known: {', '.join(_KNOWN)})")
        allowed = _KNOWN[key]
        if allowed is not None:
            if not isinstance(value, dict):
                raise _fail(text, key, "must be a table")
            for sub in value:
                if sub not in allowed:
                    known = ", ".join(sorted(allowed))
                    raise _fail(text, sub, f"unknown setting in [{key}] (known: {known})")
    settings: dict[str, Any] = {}
    if "languages" in data:
        languages = data["languages"]
        if not isinstance(languages, list) or sorted(languages) != sorted(SUPPORTED_LANGUAGES):
            raise _fail(text, "languages", 'must be ["en", "es"]')
        settings["languages"] = tuple(languages)
    locales = dict(DEFAULT_LOCALES)
    for lang, locale in data.get("locales", {}).items():
        if lang not in SUPPORTED_LANGUAGES:
            raise _fail(text, lang, f"unknown language {lang!r} (known: en, es)")
        if not isinstance(locale, str) or not _is_babel_locale(locale, lang):
            raise _fail(text, lang, f"{locale!r} is not a Babel locale of language {lang!r}")
        locales[lang] = locale
    settings["locales"] = locales
    mode = data.get("segmentation", {}).get("mode", "sentence")
    if mode not in ("sentence", "block"):
        raise _fail(text, "mode", 'must be "sentence" or "block"')
    settings["segmentation"] = mode
    translate = data.get("translate", {})
    engine = translate.get("engine", "apertium")
    if not isinstance(engine, str) or not engine:
        raise _fail(text, "engine", "must be an engine name")
    settings["engine"] = engine
    threshold = translate.get("fuzzy_threshold", 75)
    if not isinstance(threshold, int) or isinstance(threshold, bool) or not 50 <= threshold <= 100:
        raise _fail(text, "fuzzy_threshold", "must be a whole number from 50 to 100")
    settings["fuzzy_threshold"] = threshold
    build = data.get("build", {})
    output = build.get("output", "build")
    if not isinstance(output, str) or not output or Path(output).is_absolute() or ".." in Path(output).parts:
        raise _fail(text, "output", "must be a folder inside the project")
    settings["output"] = output
    changed = build.get("changed_units", "fresh-draft")
    if changed not in ("fresh-draft", "previous", "hold"):
        raise _fail(text, "changed_units", 'must be "fresh-draft", "previous" or "hold"')
    settings["changed_units"] = changed
    severities = data.get("checks", {})
    for code, severity in severities.items():
        if severity not in SEVERITIES:
            raise _fail(text, code, f"must be one of {', '.join(SEVERITIES)}")
    settings["check_severities"] = dict(severities)
    return Config(root=root, **settings)


def _is_babel_locale(locale: str, lang: str) -> bool:
    from babel import Locale, UnknownLocaleError

    try:
        parsed = Locale.parse(locale)
    except (ValueError, UnknownLocaleError):
        return False
    return parsed.language == lang
