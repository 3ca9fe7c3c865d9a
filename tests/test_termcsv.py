"""The termbase as CSV: what spreadsheets write is read, what Puente writes is safe to open in one."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.errors import GlossaryError
from pipeline.glossary import Term
from pipeline.project import open_project
from pipeline.termbase import load_glossary
from pipeline.termcsv import (
    FORMULA_START,
    escape_cell,
    join_variants,
    read_csv,
    split_variants,
    unescape_cell,
    write_csv,
)
from tests.conftest import run_cli

HEADER = "id,en,es,en_variants,es_variants,pos,gender,note,dnt,case_sensitive,en_expansion,es_expansion,subject,context"
ROWS = [
    "sinaloa-cartel,Sinaloa Cartel,Cártel de Sinaloa,,,noun,m,,no,no,,,cartel,",
    "sspc,SSPC,SSPC,,,noun,f,Secretaría de Seguridad,yes,yes,,,agency,",
]


def _terms(csv_text: str) -> list[tuple[str, str, str, bool]]:
    return [(t.id, t.en, t.es, t.dnt) for t in read_csv(csv_text, "x.csv")]


EXPECTED = [("sinaloa-cartel", "Sinaloa Cartel", "Cártel de Sinaloa", False), ("sspc", "SSPC", "SSPC", True)]


def test_a_byte_order_mark_is_not_part_of_the_first_column(empty_project: Path, tmp_path: Path) -> None:
    """Excel's "CSV UTF-8" starts with a byte order mark (it was refused: unknown column(s) \\ufeffid)."""
    path = tmp_path / "excel.csv"
    path.write_bytes(b"\xef\xbb\xbf" + "\r\n".join([HEADER, *ROWS, ""]).encode("utf-8"))
    result = run_cli("glossary", "import", path, "--root", empty_project)
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout == "2 terms added, 0 updated, 2 in the termbase\n"
    terms = load_glossary(open_project(empty_project)).terms
    assert [(t.id, t.en, t.es, t.dnt) for t in terms] == EXPECTED


def test_semicolons_as_spreadsheets_write_them_in_spanish_locales(
    empty_project: Path, tmp_path: Path
) -> None:
    text = "\r\n".join([HEADER.replace(",", ";"), *(row.replace(",", ";") for row in ROWS), ""])
    text = text.replace("Secretaría de Seguridad", '"Secretaría de Seguridad; Protección Ciudadana"')
    path = tmp_path / "semicolons.csv"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    assert run_cli("glossary", "import", path, "--root", empty_project).exit_code == 0
    terms = load_glossary(open_project(empty_project)).terms
    assert [(t.id, t.en, t.es, t.dnt) for t in terms] == EXPECTED
    assert terms[1].note == "Secretaría de Seguridad; Protección Ciudadana"


def test_a_legacy_spreadsheet_encoding_is_read_when_named(empty_project: Path, tmp_path: Path) -> None:
    path = tmp_path / "ansi.csv"
    path.write_bytes("\r\n".join(["en;es;gender", "Sinaloa Cartel;Cártel de Sinaloa;m", ""]).encode("cp1252"))
    refused = run_cli("glossary", "import", path, "--root", empty_project)
    assert refused.exit_code == 2 and refused.stderr.startswith(f"{path}:2: not valid UTF-8 (byte 0xe1)")
    result = run_cli("glossary", "import", path, "--encoding", "cp1252", "--root", empty_project)
    assert result.exit_code == 0
    assert [t.es for t in load_glossary(open_project(empty_project)).terms] == ["Cártel de Sinaloa"]
    unknown = run_cli("glossary", "import", path, "--encoding", "klingon", "--root", empty_project)
    assert (unknown.exit_code, unknown.stderr) == (2, f"{path}: unknown encoding 'klingon'\n")


@pytest.mark.parametrize("encoding", ["utf-16", "utf-32"])
def test_unicode_text_with_tabs(encoding: str) -> None:
    """Spreadsheets' "Unicode text": UTF-16 with a byte order mark, tab-separated."""
    text = "\r\n".join([HEADER.replace(",", "\t"), *(row.replace(",", "\t") for row in ROWS), ""])
    terms = read_csv(text.encode(encoding), "x.csv")
    assert [(t.id, t.en, t.es, t.dnt) for t in terms] == EXPECTED


def test_what_spreadsheets_add_around_the_data_is_ignored() -> None:
    text = "EN;ES;Gender;;\r\n;;;;\r\nSinaloa Cartel;Cártel de Sinaloa;m;;\r\n;;;;\r\n"
    (term,) = read_csv(text, "x.csv")
    assert (term.en, term.es, term.gender, term.id) == (
        "Sinaloa Cartel",
        "Cártel de Sinaloa",
        "m",
        "sinaloa-cartel",
    )
    with pytest.raises(GlossaryError, match=r"x\.csv:2: a value in a column without a name in the header"):
        read_csv("en;es;\r\na;b;c\r\n", "x.csv")


def test_a_row_is_reported_at_its_first_line() -> None:
    text = 'en,es,note\n"SSPC","SSPC","a note\non two lines"\n"FGR",,x\n'
    with pytest.raises(GlossaryError, match=r"x\.csv:4: every row needs both an en and an es term"):
        read_csv(text, "x.csv")


DANGEROUS = [
    Term("t1", '=HYPERLINK("http://evil","x")', "+34 600", note="-1 point", subject="@admin"),
    Term("t2", "'s-Hertogenbosch", "'=already quoted", en_variants=("=a|b", "c\\d"), context="\tindented"),
]


def test_cells_a_spreadsheet_would_run_are_neutralised_and_read_back(
    empty_project: Path, tmp_path: Path
) -> None:
    text = write_csv(DANGEROUS)
    for row in csv.reader(io.StringIO(text)):
        for cell in row:
            assert not cell.startswith(FORMULA_START), cell
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows[0]["en"] == '\'=HYPERLINK("http://evil","x")' and rows[0]["subject"] == "'@admin"
    assert rows[1]["en"] == "'s-Hertogenbosch"  # an apostrophe a person typed stays as it is
    assert rows[1]["es"] == "''=already quoted"
    assert [(t.en, t.es, t.en_variants, t.note, t.subject) for t in read_csv(text, "x.csv")] == [
        (t.en, t.es, t.en_variants, t.note, t.subject) for t in DANGEROUS
    ]


cells = st.text(st.sampled_from(["=", "+", "-", "@", "'", "\t", "\r", "a", " ", "|", "\\", "é"]), max_size=8)


@settings(max_examples=500)
@given(cells)
def test_escaping_a_cell_is_undone_exactly(value: str) -> None:
    escaped = escape_cell(value)
    assert not escaped.startswith(FORMULA_START)
    assert unescape_cell(escaped) == value


@settings(max_examples=300)
@given(st.lists(cells.filter(lambda v: v.strip()).map(str.strip), max_size=4))
def test_variants_join_and_split_back(forms: list[str]) -> None:
    assert split_variants(join_variants(forms)) == tuple(forms)
