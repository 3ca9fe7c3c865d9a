"""Puente: a bilingual English/Spanish publishing and translation workflow."""

__version__ = "0.1.0"

RULES_VERSION = "1"
"""The draft rules' version (:mod:`pipeline.rules`): changes when the rules change what
they write, so that stored drafts of older rules are not reused."""

MASKING_SCHEME = "2"
"""How glossary terms are masked for the engine (:mod:`pipeline.glossary`): drafts made
under another scheme are not reused."""
