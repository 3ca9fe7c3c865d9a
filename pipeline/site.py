"""Site settings (``[site]`` in ``puente.toml``) and the addresses of pages and assets.

::

    [site]
    base_url = "https://news.example.org/"   # absolute URLs: canonical, alternates,
                                             # x-default, sitemap, feeds, manifest
    name = "Puente News"                     # the feeds' title and author
    feed_limit = 50                          # newest entries per feed (0: every page)

    [site.urls]                              # optional: one URL pattern per language
    es = "https://noticias.example.mx/{slug}/"   # {slug} and {lang}; absolute, or
                                                 # relative to base_url

    [site.notice]                            # the notice on machine-translated pages
    show = true                              # false: no notice
    en = "Translated by machine from the {language} original."   # {language}: its name

Without ``base_url`` every address stays relative to the page or the manifest (as the
files lie in ``build/``), and there is no sitemap (the sitemap protocol needs absolute
URLs). With it, a page's address is ``base_url`` + ``<lang>/<slug>.html`` unless its
language has a pattern, and assets are served from ``base_url`` + ``assets/``.

This module holds no I/O: :mod:`pipeline.config` reads the file and calls
:func:`site_settings` on the ``[site]`` table.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from dataclasses import dataclass, field
from typing import Annotated
from urllib.parse import urljoin, urlsplit

import msgspec

LANGUAGE_NAMES = {"en": {"en": "English", "es": "Spanish"}, "es": {"en": "inglés", "es": "español"}}
"""Each language's name, in each language (``LANGUAGE_NAMES[page][other]``)."""
OWN_NAMES = {"en": "English", "es": "Español"}
"""Each language's name in itself, as the language switch shows it."""
NOTICE = {
    "en": "This article was translated automatically from the {language} original "
    "and has not been fully reviewed by a translator.",
    "es": "Este artículo se tradujo automáticamente del original en {language} "
    "y un traductor aún no lo ha revisado por completo.",
}
"""The default text of the notice on machine-translated and mixed pages."""
ORIGINAL_LINK = {"en": "Read the original", "es": "Leer el original"}
SWITCH_LABEL = {"en": "Language", "es": "Idioma"}

GROUP_NAMESPACE = uuid.UUID("6f1d2a53-5b0e-4c43-9f4e-2d7f1c0a9b61")
"""The namespace of Puente's name-based UUIDs (translation groups, feed entries)."""

_PLACEHOLDERS = re.compile(r"\{([^{}]*)\}")


class _Notice(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    show: bool = True
    en: Annotated[str, msgspec.Meta(min_length=1, max_length=500)] | None = None
    es: Annotated[str, msgspec.Meta(min_length=1, max_length=500)] | None = None


class SiteSchema(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """The ``[site]`` table as ``puente.toml`` spells it."""

    base_url: str | None = None
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=200)] = "Puente"
    feed_limit: Annotated[int, msgspec.Meta(ge=0, le=100_000)] = 50
    urls: dict[str, str] = msgspec.field(default_factory=dict)
    notice: _Notice = msgspec.field(default_factory=_Notice)


SECTIONS: dict[str | None, type[msgspec.Struct]] = {"site": SiteSchema, "site.notice": _Notice}
MESSAGES = {
    "site.base_url": "must be an http or https address, such as https://news.example.org/",
    "site.name": "must be text of 1 to 200 characters",
    "site.feed_limit": "must be a whole number from 0 (every page) to 100000",
    "site.notice.show": "must be true or false",
    "site.notice.en": "must be text of 1 to 500 characters",
    "site.notice.es": "must be text of 1 to 500 characters",
}
VALUE_MESSAGES = {
    "site.urls": "must be a URL pattern with {slug}, such as https://example.org/{lang}/{slug}/"
}


class SettingError(Exception):
    """A bad value in ``[site]``: the key's path and what is wrong with it."""

    def __init__(self, path: list[str], message: str) -> None:
        super().__init__(message)
        self.path = path
        self.message = message


@dataclass(frozen=True)
class Site:
    """The validated site settings (see the module docstring)."""

    base_url: str | None = None
    name: str = "Puente"
    feed_limit: int = 50
    urls: dict[str, str] = field(default_factory=dict)
    notice: bool = True
    notice_texts: dict[str, str] = field(default_factory=lambda: dict(NOTICE))

    @property
    def absolute(self) -> bool:
        """Whether addresses are absolute (a ``base_url`` is set)."""
        return self.base_url is not None

    def page_url(self, lang: str, slug: str) -> str | None:
        """The absolute URL of the page of ``slug`` in ``lang`` (None without ``base_url``).

        >>> site = Site("https://news.example.org/", urls={"es": "https://noticias.example.mx/{slug}/"})
        >>> site.page_url("en", "port-security"), site.page_url("es", "port-security")
        ('https://news.example.org/en/port-security.html', 'https://noticias.example.mx/port-security/')
        """
        if self.base_url is None:
            return None
        pattern = self.urls.get(lang)
        if pattern is None:
            return f"{self.base_url}{lang}/{slug}.html"
        return urljoin(self.base_url, pattern.replace("{lang}", lang).replace("{slug}", slug))

    def asset_url(self, path: str) -> str | None:
        """The absolute URL of ``path`` (relative to the output folder), None without ``base_url``."""
        return None if self.base_url is None else f"{self.base_url}{path}"

    def notice_text(self, page_lang: str, source_lang: str) -> str:
        """The notice of a machine-translated page in ``page_lang`` from ``source_lang``."""
        text = self.notice_texts.get(page_lang) or NOTICE.get(page_lang) or NOTICE["en"]
        names = LANGUAGE_NAMES.get(page_lang, LANGUAGE_NAMES["en"])
        return text.replace("{language}", names.get(source_lang, source_lang))


def group_id(slug: str, explicit: str | None) -> str:
    """The translation-group id of an article: its explicit ``id``, else a UUID derived
    from its slug (the same on every build and wherever the source file lies).

    >>> group_id("cartel-crackdown-results", None)
    'f7dfbb33-bc02-544d-a812-d52d41942609'
    >>> group_id("cartel-crackdown-results", "nota-42")
    'nota-42'
    """
    if explicit:
        return explicit
    return str(uuid.uuid5(GROUP_NAMESPACE, f"article:{slug}"))


def site_settings(schema: SiteSchema, languages: tuple[str, ...]) -> Site:
    """Check the ``[site]`` table; raise :class:`SettingError` naming the bad key."""
    base = None
    if schema.base_url is not None:
        base = _base_url(schema.base_url)
    urls: dict[str, str] = {}
    for lang, pattern in schema.urls.items():
        where = ["site", "urls", lang]
        if lang not in languages:
            raise SettingError(where, f"unknown language {lang!r} (known: {', '.join(languages)})")
        if base is None:
            raise SettingError(where, "a URL pattern needs base_url in [site]")
        names = set(_PLACEHOLDERS.findall(pattern))
        if "slug" not in names:
            raise SettingError(where, "must contain {slug}")
        if names - {"slug", "lang"}:
            unknown = ", ".join("{" + name + "}" for name in sorted(names - {"slug", "lang"}))
            raise SettingError(where, f"unknown placeholder {unknown} (known: {{slug}}, {{lang}})")
        sample = urljoin(base, pattern.replace("{lang}", lang).replace("{slug}", "a-slug"))
        parts = urlsplit(sample)
        if parts.scheme not in ("http", "https") or not parts.netloc or re.search(r"\s", sample):
            raise SettingError(where, VALUE_MESSAGES["site.urls"])
        urls[lang] = pattern
    texts = dict(NOTICE)
    for lang in ("en", "es"):
        value = getattr(schema.notice, lang)
        if value is not None:
            names = set(_PLACEHOLDERS.findall(value)) - {"language"}
            if names:
                raise SettingError(["site", "notice", lang], "the only placeholder is {language}")
            texts[lang] = " ".join(value.split())
    return Site(
        base_url=base,
        name=" ".join(schema.name.split()),
        feed_limit=schema.feed_limit,
        urls=urls,
        notice=schema.notice.show,
        notice_texts=texts,
    )


def _base_url(value: str) -> str:
    """``value`` checked as a site's address, ending with one ``/``."""
    parts = urlsplit(value.strip())
    try:
        parts.port  # noqa: B018 (raises on a port that is not a number)
    except ValueError:
        raise SettingError(["site", "base_url"], MESSAGES["site.base_url"]) from None
    if (
        parts.scheme not in ("http", "https")
        or not parts.hostname
        or parts.query
        or parts.fragment
        or parts.username
        or re.search(r"\s", value.strip())
    ):
        raise SettingError(["site", "base_url"], MESSAGES["site.base_url"])
    return value.strip().rstrip("/") + "/"


def instant(value: str, *, date_time: bool = False) -> str:
    """An ISO 8601 date or date-time from a source, as RFC 3339 (what JSON Schema, the
    sitemap protocol and Atom read): a time without a zone is UTC, as YAML defines it;
    ``date_time`` turns a date into its midnight UTC.

    >>> instant("2026-01-16"), instant("2026-01-16", date_time=True)
    ('2026-01-16', '2026-01-16T00:00:00Z')
    >>> instant("2026-01-16T10:30:00"), instant("2026-01-16T10:30:00-06:00")
    ('2026-01-16T10:30:00Z', '2026-01-16T10:30:00-06:00')
    """
    if len(value) == 10:
        return f"{value}T00:00:00Z" if date_time else value
    parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    text = parsed.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text
