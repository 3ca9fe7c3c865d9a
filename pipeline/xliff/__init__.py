"""XLIFF 1.2 and 2.1: catalogs out to CAT tools and translation vendors, and back.

* :mod:`pipeline.xliff.write`: a catalog as an XLIFF document (one per article);
* :mod:`pipeline.xliff.read`: an XLIFF document as plain data (safe parsing);
* :mod:`pipeline.xliff.inline`: placeholders ⇄ inline codes;
* :mod:`pipeline.xliff.states`: entry states ⇄ XLIFF states;
* :mod:`pipeline.xliff.exchange`: ``puente xliff export`` and ``import`` on a project.
"""

from __future__ import annotations

from pipeline.xliff.exchange import ExportReport, ImportReport, export_project, import_files, merge_unit
from pipeline.xliff.model import VERSIONS, Note, Version, XliffError, XliffFile, XliffRefused, XliffUnit
from pipeline.xliff.read import read_xliff
from pipeline.xliff.write import unit_id, write_xliff

__all__ = [
    "VERSIONS",
    "ExportReport",
    "ImportReport",
    "Note",
    "Version",
    "XliffError",
    "XliffFile",
    "XliffRefused",
    "XliffUnit",
    "export_project",
    "import_files",
    "merge_unit",
    "read_xliff",
    "unit_id",
    "write_xliff",
]
