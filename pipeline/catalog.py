"""An article's catalogs: its template and the catalog of its target language.

``locales/templates/<slug>.pot`` holds the article's units; the catalog of its
target language, ``locales/<lang>/LC_MESSAGES/<slug>.po``, holds the
translations. This module builds the template from the units, merges it into
the existing catalog (:mod:`pipeline.po.merge`) and decides whether a file must
be written at all. Nothing here reads or writes files: the flow
(:mod:`pipeline.build`) does, once.

Headers: Puente owns the fields that describe the article and the file
(``Project-Id-Version``, ``Content-Type``, ``X-Source-Language``,
``POT-Creation-Date``, taken from the template as msgmerge does); every other
field a translator's tool wrote (``Last-Translator``, ``X-Poedit-*``,
``Generated-By``...), a regional ``Language`` such as ``es_MX``, a valid
``Plural-Forms`` and the translator credit lines of the header comment are kept.
``Plural-Forms`` is gettext's convention for English and Spanish
(``nplurals=2; plural=(n != 1);``) whatever Babel's locale data says.

Files are rewritten only when their content changed, compared as catalogs (not
bytes): a file another tool re-wrapped is left alone, and the header dates move
only when an entry or another header changed, so git shows translators' work,
not churn. ``SOURCE_DATE_EPOCH`` fixes the dates Puente writes.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass

from babel.messages.plurals import get_plural

from pipeline import __version__
from pipeline.clock import now
from pipeline.model import Document, Unit
from pipeline.placeholders import count_words
from pipeline.po import Catalog, Entry, format_catalog
from pipeline.po.merge import DEFAULT_THRESHOLD, MergeStats, merge_entries
from pipeline.po.msgfmt import plural_forms_problems

DATE_KEYS = ("POT-Creation-Date", "PO-Revision-Date")
GETTEXT_PLURAL_FORMS = {"en": "nplurals=2; plural=(n != 1);", "es": "nplurals=2; plural=(n != 1);"}
"""GNU gettext's conventional Plural-Forms for the project's languages, what msginit, Poedit
and Weblate write. Babel's come from CLDR and change between releases (Babel 2.19 gives
Spanish a third form for millions), which would rewrite every catalog on an upgrade."""

_OWNED = ("Project-Id-Version", "MIME-Version", "Content-Type", "Content-Transfer-Encoding")
_IGNORED_IN_COMPARISON = (*DATE_KEYS, "X-Generator")


def now_stamp() -> str:
    """The current time as PO headers write it (``SOURCE_DATE_EPOCH`` when set, for
    reproducible builds)."""
    return now().strftime("%Y-%m-%d %H:%M+0000")


@functools.cache
def plural_forms(locale: str) -> str:
    """The ``Plural-Forms`` header for ``locale``: gettext's convention for the project's
    languages, Babel's locale data for any other.

    >>> plural_forms("es_MX")
    'nplurals=2; plural=(n != 1);'
    """
    language = locale.replace("-", "_").split("_")[0]
    return GETTEXT_PLURAL_FORMS.get(language) or str(get_plural(locale))


def valid_plural_forms(value: str) -> bool:
    """Whether ``msgfmt --check`` accepts ``value`` as Plural-Forms (one a translator's tool
    wrote is kept).

    >>> valid_plural_forms("nplurals=3; plural=(n==1 ? 0 : n%1000000==0 ? 1 : 2);")
    True
    >>> valid_plural_forms("nplurals=INTEGER; plural=EXPRESSION;")
    False
    >>> valid_plural_forms("nplurals=2; plural=n;")  # n = 2 gives 2
    False
    """
    return not plural_forms_problems(value)


def unit_entry(unit: Unit, source: str) -> Entry:
    """The template entry of one unit."""
    return Entry(
        msgid=unit.text,
        msgctxt=unit.msgctxt,
        notes=unit.notes,
        references=(f"{source}:{unit.location.line}",),
    )


def _header_comment(document: Document) -> list[str]:
    return [document.meta.title, f"Translation of {document.source}."]


def template_for(document: Document, units: Sequence[Unit]) -> Catalog:
    """The template (POT) of ``document``: one entry per unit, full headers."""
    return Catalog(
        header_comment="\n".join(_header_comment(document)),
        fields={
            "Project-Id-Version": document.meta.slug,
            "Report-Msgid-Bugs-To": "",
            "POT-Creation-Date": now_stamp(),
            "PO-Revision-Date": "YEAR-MO-DA HO:MI+ZONE",
            "Last-Translator": "",
            "Language-Team": "",
            "Language": "",
            "MIME-Version": "1.0",
            "Content-Type": "text/plain; charset=UTF-8",
            "Content-Transfer-Encoding": "8bit",
            "X-Generator": f"Puente {__version__}",
            "X-Source-Language": document.meta.lang,
        },
        entries=[unit_entry(unit, document.source) for unit in units],
    )


def update_catalog(
    existing: Catalog | None,
    template: Catalog,
    document: Document,
    lang: str,
    locale: str,
    *,
    threshold: int = DEFAULT_THRESHOLD,
) -> tuple[Catalog, MergeStats]:
    """The catalog of ``document`` in ``lang`` after merging ``template`` into ``existing``
    (``None`` for a new catalog), with its headers (see the module docstring)."""
    fields = dict(template.fields)
    fields["PO-Revision-Date"] = now_stamp()
    fields["Language"] = lang
    fields = _with_plural_forms(fields, plural_forms(locale))
    comment = _header_comment(document)
    if existing is None:
        return (
            Catalog("\n".join(comment), fields, list(template.entries)),
            MergeStats(new=len(template.entries)),
        )
    merged_fields = dict(existing.fields)
    for key in (*_OWNED, "POT-Creation-Date", "X-Source-Language"):
        merged_fields[key] = fields[key]
    merged_fields.setdefault("PO-Revision-Date", fields["PO-Revision-Date"])
    merged_fields.setdefault("X-Generator", fields["X-Generator"])
    if existing.language != lang:
        merged_fields["Language"] = lang
    if "Plural-Forms" not in merged_fields:
        merged_fields = _with_plural_forms(merged_fields, fields["Plural-Forms"])
    elif not valid_plural_forms(merged_fields["Plural-Forms"]):
        merged_fields["Plural-Forms"] = fields["Plural-Forms"]
    entries, stats = merge_entries(existing.entries, template.entries, threshold=threshold)
    catalog = Catalog(
        "\n".join(comment + _credits(existing.header_comment, document)),
        merged_fields,
        entries,
        existing.header_flags,
    )
    return catalog, stats


def _with_plural_forms(fields: dict[str, str], value: str) -> dict[str, str]:
    """``fields`` with ``Plural-Forms: value`` where msginit and Poedit put it: after the
    standard fields, before the ``X-`` ones."""
    keys = list(fields)
    at = keys.index("Content-Transfer-Encoding") + 1 if "Content-Transfer-Encoding" in keys else len(keys)
    items = list(fields.items())
    return dict([*items[:at], ("Plural-Forms", value), *items[at:]])


def _credits(header_comment: str, document: Document) -> list[str]:
    """The lines of an existing header comment that Puente did not write (translator
    credits, a team's notes): everything after Puente's "Translation of" line."""
    lines = header_comment.split("\n") if header_comment else []
    marker = f"Translation of {document.source}."
    if marker in lines:
        return lines[lines.index(marker) + 1 :]
    return [line for line in lines if not line.startswith("Translation of ")][1:] if lines else []


def _comparable(catalog: Catalog) -> tuple[object, ...]:
    # the order of the header fields is not content: a tool that reorders them changes nothing
    fields = tuple(sorted((k, v) for k, v in catalog.fields.items() if k not in _IGNORED_IN_COMPARISON))
    entries = tuple(entry.replace(line=0) for entry in catalog.entries)
    return (catalog.header_comment, fields, catalog.header_flags, entries)


def template_text(template: Catalog, old_text: str | None) -> str | None:
    """The text to write for ``template``, or None when the file holds it already (its
    creation date then stays the old one, in ``template`` too)."""
    if old_text is not None:
        match = re.search(r'^"POT-Creation-Date: (.*)\\n"$', old_text, re.MULTILINE)
        if match:
            template.fields["POT-Creation-Date"] = match.group(1)
            if format_catalog(template) == old_text:
                return None
    template.fields["POT-Creation-Date"] = now_stamp()
    return format_catalog(template)


def catalog_text(catalog: Catalog, old: Catalog | None) -> str | None:
    """The text to write for ``catalog``, or None when ``old`` (the catalog in the file)
    holds the same content already, however it is wrapped; ``PO-Revision-Date`` is now
    when it must be written."""
    if old is not None and _comparable(catalog) == _comparable(old):
        return None
    catalog.fields["PO-Revision-Date"] = now_stamp()
    return format_catalog(catalog)


@dataclass(frozen=True)
class CatalogStatus:
    """Units and words of one catalog, by state."""

    path: str
    slug: str
    lang: str
    units: dict[str, int]
    words: dict[str, int]


STATUS_KEYS = ("reviewed", "machine", "changed", "untranslated", "obsolete")


def catalog_status(catalog: Catalog, path: str, slug: str, lang: str) -> CatalogStatus:
    units = dict.fromkeys(STATUS_KEYS, 0)
    words = dict.fromkeys(STATUS_KEYS, 0)
    for entry in catalog:
        state = "obsolete" if entry.obsolete else entry.state
        units[state] += 1
        words[state] += count_words(entry.msgid)
    return CatalogStatus(path, slug, lang, units, words)
