"""Every kind of finding Puente reports, with its default severity: one registry for the
checks (:mod:`pipeline.checks`), the reassembly (:mod:`pipeline.assemble`), drafting and
the configuration that re-grades them (``[checks]`` in ``puente.toml``)."""

from __future__ import annotations

from pipeline.model import Severity

CHECKS: dict[str, tuple[Severity, str]] = {
    "placeholders": ("error", "placeholders missing, extra, repeated or unbalanced"),
    "glossary": ("error", "an approved glossary term missing, or a do-not-translate term changed"),
    "numbers": ("error", "a number of the source missing or changed (compared by value, any locale)"),
    "residue": ("error", "debris of a glossary token or placeholder: {901/}, {903, 903/}, /}, ⟦, ⟧..."),
    "fallback": ("error", "the draft broke glossary terms or protected values: the source text stands in"),
    "control": ("error", "a control character or a bidirectional override in the text"),
    "negation": ("warning", "a negation dropped or added (machine translation drops negations)"),
    "untranslated": ("warning", "no translation yet"),
    "unchanged": ("warning", "the translation is a copy of the source"),
    "length": ("warning", "the translation is far shorter or longer than the source"),
    "punctuation": ("warning", "the final punctuation differs, or Spanish ¿ ¡ are missing"),
    "quotes": ("warning", "unbalanced quotation marks"),
    "whitespace": ("warning", "leading or trailing spaces differ, or double spaces"),
    "stale": ("warning", "the source changed after a person translated it, and no fresh draft exists yet"),
    "catalog": ("error", "the entry would make msgfmt --check fail (header, plural forms, newlines)"),
    "unknown": ("info", "words the engine did not know, left untranslated in a machine draft"),
}
"""Finding code → (default severity, what it means)."""

SEVERITIES = ("error", "warning", "info", "off")
