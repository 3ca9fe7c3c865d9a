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
    fuzzy_threshold = 75              # translation-memory suggestions and adaptations, percent
    merge_threshold = 60              # catalog updates: a changed sentence keeps its
                                      # old translation (fuzzy) at this similarity or more
    timeout = 3600                    # seconds the engine may take in one run, in all

    [build]
    output = "build"
    changed_units = "fresh-draft"     # or "previous", or "hold"

    [checks]
    length = "off"                    # a finding code: "error", "warning", "info" or "off"

    [site]                            # addresses, feeds, the machine-translation notice
    base_url = "https://news.example.org/"   # see pipeline.site

    [sources]
    allow_embeds = ["www.youtube-nocookie.com"]   # hosts whose <iframe> embeds are kept

The file is validated against a schema (msgspec); every error names its line:
``puente.toml:4: fuzzy_threshold: must be a whole number from 50 to 100``.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

import msgspec

from pipeline.errors import ConfigError
from pipeline.files import read_limited
from pipeline.findings import CHECKS, SEVERITIES
from pipeline.site import MESSAGES as SITE_MESSAGES
from pipeline.site import SECTIONS as SITE_SECTIONS
from pipeline.site import VALUE_MESSAGES as SITE_VALUE_MESSAGES
from pipeline.site import SettingError, Site, SiteSchema, site_settings
from pipeline.text import CONTROL, describe

CONFIG_NAME = "puente.toml"
SUPPORTED_LANGUAGES = ("en", "es")
DEFAULT_LOCALES = {"en": "en_US", "es": "es_MX"}
ChangedUnits = Literal["fresh-draft", "previous", "hold"]
SegmentationMode = Literal["sentence", "block"]
Severity = Literal["error", "warning", "info", "off"]


CONFIG_LIMIT = 1024 * 1024
"""The largest ``puente.toml`` read (a real one is a few hundred bytes)."""


class _Segmentation(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    mode: SegmentationMode = "sentence"


class _Translate(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    engine: Annotated[str, msgspec.Meta(min_length=1)] = "apertium"
    fuzzy_threshold: Annotated[int, msgspec.Meta(ge=50, le=100)] = 75
    merge_threshold: Annotated[int, msgspec.Meta(ge=50, le=100)] = 60
    timeout: Annotated[float, msgspec.Meta(gt=0, le=604800)] = 3600.0


class _Build(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    output: Annotated[str, msgspec.Meta(min_length=1)] = "build"
    changed_units: ChangedUnits = "fresh-draft"


class _Sources(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    allow_embeds: list[str] = msgspec.field(default_factory=list)


class _Schema(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    languages: list[str] = msgspec.field(default_factory=lambda: list(SUPPORTED_LANGUAGES))
    locales: dict[str, str] = msgspec.field(default_factory=dict)
    segmentation: _Segmentation = msgspec.field(default_factory=_Segmentation)
    translate: _Translate = msgspec.field(default_factory=_Translate)
    build: _Build = msgspec.field(default_factory=_Build)
    checks: dict[str, Severity] = msgspec.field(default_factory=dict)
    site: SiteSchema = msgspec.field(default_factory=SiteSchema)
    sources: _Sources = msgspec.field(default_factory=_Sources)


_SECTIONS: dict[str | None, type[msgspec.Struct]] = {
    "segmentation": _Segmentation,
    "translate": _Translate,
    "build": _Build,
    **SITE_SECTIONS,
    "sources": _Sources,
}
_MESSAGES = {
    "languages": 'must be ["en", "es"]',
    "segmentation.mode": 'must be "sentence" or "block"',
    "translate.engine": "must be an engine name",
    "translate.fuzzy_threshold": "must be a whole number from 50 to 100",
    "translate.merge_threshold": "must be a whole number from 50 to 100",
    "translate.timeout": "must be a number of seconds, more than 0 and at most 604800 (a week)",
    "build.output": "must be a folder inside the project",
    "build.changed_units": 'must be "fresh-draft", "previous" or "hold"',
    **SITE_MESSAGES,
    "sources.allow_embeds": 'must be a list of host names, e.g. ["www.youtube-nocookie.com"]',
}
_HOST = re.compile(
    r"(?=.{1,253}\Z)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+"
)
"""A lowercase DNS host name with at least one dot (no scheme, port, path or wildcard)."""
_VALUE_MESSAGES = {
    "checks": f"must be one of {', '.join(SEVERITIES)}",
    "locales": "must be a Babel locale name",
    **SITE_VALUE_MESSAGES,
}
_TYPES = {"object": "a table", "str": "text", "int": "a whole number", "float": "a number",
          "bool": "true or false", "array": "a list"}  # fmt: skip


@dataclass(frozen=True)
class Config:
    """The validated settings of one project (its layout is :class:`pipeline.project.Project`)."""

    languages: tuple[str, ...] = SUPPORTED_LANGUAGES
    locales: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_LOCALES))
    segmentation: SegmentationMode = "sentence"
    engine: str = "apertium"
    fuzzy_threshold: int = 75
    merge_threshold: int = 60
    engine_timeout: float = 3600.0
    output: str = "build"
    changed_units: ChangedUnits = "fresh-draft"
    check_severities: dict[str, str] = field(default_factory=dict)
    site: Site = field(default_factory=Site)
    allow_embeds: tuple[str, ...] = ()

    def target_language(self, source_lang: str) -> str:
        """The language an article written in ``source_lang`` is translated into."""
        others = [lang for lang in self.languages if lang != source_lang]
        return others[0]

    def locale(self, lang: str) -> str:
        return self.locales.get(lang, DEFAULT_LOCALES.get(lang, lang))


def load_config(root: Path) -> Config:
    """Read ``root/puente.toml`` if it exists; raise :class:`ConfigError` naming the line."""
    path = root / CONFIG_NAME
    if not path.exists() and not path.is_symlink():
        return Config()
    # a regular file of sensible size: not a device, a pipe (waited on forever) or a folder
    raw = read_limited(path, CONFIG_NAME, ConfigError, CONFIG_LIMIT)
    try:
        text = raw.decode("utf-8")
        data = tomllib.loads(text)
    except UnicodeDecodeError as exc:
        raise ConfigError(CONFIG_NAME, raw[: exc.start].count(b"\n") + 1, "not UTF-8") from None
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"\(at line (\d+)", str(exc))
        message = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc))
        raise ConfigError(CONFIG_NAME, int(match.group(1)) if match else 1, message) from None
    _refuse_controls(data, [], text)
    try:
        schema = msgspec.convert(data, type=_Schema)
    except msgspec.ValidationError as exc:
        raise _schema_error(str(exc), data, text) from None
    return _settings(schema, text)


def _refuse_controls(value: object, path: list[str], text: str) -> None:
    """A control character in any text setting (a site name, a notice, a folder) is refused
    at its line: it would reach pages, feeds and file names."""
    if isinstance(value, dict):
        for key, item in value.items():
            _refuse_controls(item, [*path, str(key)], text)
    elif isinstance(value, list):
        for item in value:
            _refuse_controls(item, path, text)
    elif isinstance(value, str) and (found := CONTROL.search(value)) is not None:
        raise _fail(text, path, f"control character {describe(found.group())} is not allowed: remove it")


def _schema_error(message: str, data: dict[str, Any], text: str) -> ConfigError:
    """msgspec's message (``Expected `int`, got `str` - at `$.translate.engine```) as
    ``puente.toml:line: key: what is wrong``."""
    what, _, where = message.partition(" - at `$")
    path = [part for part in where.rstrip("`").replace("[...]", ".*").split(".") if part]
    path = [re.sub(r"\[\d+\]\Z", "", part) for part in path]  # a list's item: the list's key
    unknown = re.match(r"Object contains unknown field `(.*)`", what)
    if unknown is not None:
        section = ".".join(path) if ".".join(path) in _SECTIONS else path[0] if path else None
        fields = _SECTIONS.get(section, _Schema).__struct_fields__
        key = unknown.group(1)
        table = f" in [{section}]" if section else ""
        return _fail(text, [*path, key], f"unknown setting{table} (known: {', '.join(sorted(fields))})")
    if path and path[-1] == "*":  # a value in a table of free keys ([checks], [locales], [site.urls])
        section = ".".join(path[:-1])
        values: Any = data
        for part in path[:-1]:
            values = values.get(part, {}) if isinstance(values, dict) else {}
        bad = next((key for key, value in values.items() if not _ok(section, value)), section)
        return _fail(text, [*path[:-1], bad], _VALUE_MESSAGES[section])
    special = _MESSAGES.get(".".join(path))
    if special is not None:
        return _fail(text, path, special)
    expected = re.match(r"Expected `(\w+)`", what)
    kind = _TYPES.get(expected.group(1), expected.group(1)) if expected else None
    return _fail(text, path, f"must be {kind}" if kind else what)


def _ok(section: str, value: object) -> bool:
    return value in SEVERITIES if section == "checks" else isinstance(value, str)


def _line_of(text: str, path: list[str]) -> int:
    """The line that sets ``path`` (``["translate", "engine"]``): TOML parsers keep no
    positions, so the table header is found first, then the key after it."""
    start = 0
    if len(path) > 1:
        header = None
        for depth in range(len(path) - 1, 0, -1):  # [site.urls] before [site]
            table = r"\s*\.\s*".join(rf"\"?{re.escape(part)}\"?" for part in path[:depth])
            header = re.compile(rf"^\s*\[\s*{table}\s*\]", re.MULTILINE).search(text)
            if header is not None:
                break
        if header is not None:
            start = header.end()
        else:  # a dotted key (translate.engine = ...) or an inline table
            dotted = re.compile(rf"^\s*\"?{re.escape(path[0])}\"?\s*[.=]", re.MULTILINE).search(text)
            if dotted is not None:
                return text.count("\n", 0, dotted.start()) + 1
    key = path[-1] if path else ""
    pattern = re.compile(rf"^\s*\[?\s*\"?{re.escape(key)}\"?\s*[=\]]", re.MULTILINE)
    match = pattern.search(text, start) or pattern.search(text)
    return text.count("\n", 0, match.start()) + 1 if match else 1


def _fail(text: str, path: list[str], message: str) -> ConfigError:
    return ConfigError(CONFIG_NAME, _line_of(text, path), f"{path[-1] if path else 'puente.toml'}: {message}")


def _settings(schema: _Schema, text: str) -> Config:
    if sorted(schema.languages) != sorted(SUPPORTED_LANGUAGES):
        raise _fail(text, ["languages"], _MESSAGES["languages"])
    locales = dict(DEFAULT_LOCALES)
    for lang, locale in schema.locales.items():
        if lang not in SUPPORTED_LANGUAGES:
            raise _fail(text, ["locales", lang], f"unknown language {lang!r} (known: en, es)")
        if not _is_babel_locale(locale, lang):
            raise _fail(text, ["locales", lang], f"{locale!r} is not a Babel locale of language {lang!r}")
        locales[lang] = locale
    output = schema.build.output
    if Path(output).is_absolute() or ".." in Path(output).parts or output.strip(" ./") == "":
        raise _fail(text, ["build", "output"], _MESSAGES["build.output"])
    for code in schema.checks:
        if code not in CHECKS:
            raise _fail(text, ["checks", code], f"unknown check (known: {', '.join(sorted(CHECKS))})")
    try:
        site = site_settings(schema.site, SUPPORTED_LANGUAGES)
    except SettingError as exc:
        raise _fail(text, exc.path, exc.message) from None
    if not all(_HOST.fullmatch(host) for host in schema.sources.allow_embeds):
        raise _fail(text, ["sources", "allow_embeds"], _MESSAGES["sources.allow_embeds"])
    return Config(
        languages=tuple(schema.languages),
        locales=locales,
        segmentation=schema.segmentation.mode,
        engine=schema.translate.engine,
        fuzzy_threshold=schema.translate.fuzzy_threshold,
        merge_threshold=schema.translate.merge_threshold,
        engine_timeout=schema.translate.timeout,
        output=output,
        changed_units=schema.build.changed_units,
        check_severities=dict(schema.checks),
        site=site,
        allow_embeds=tuple(schema.sources.allow_embeds),
    )


def _is_babel_locale(locale: str, lang: str) -> bool:
    from babel import Locale, UnknownLocaleError

    try:
        parsed = Locale.parse(locale)
    except (ValueError, TypeError, UnknownLocaleError):
        return False
    return parsed.language == lang
