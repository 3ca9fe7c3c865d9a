"""The termbase as CSV, for editing in a spreadsheet.

Reading takes what spreadsheets write: UTF-8 with or without a byte order mark,
UTF-16 and UTF-32 with one (or another encoding when asked), comma-, semicolon- or
tab-separated (the separator is the one the header line uses), column names in any
case, empty rows and empty unnamed columns. Writing is UTF-8, comma-separated.

A cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return would be
run as a formula by a spreadsheet (CSV injection): it is written with an apostrophe in
front (``'=SUM(A1)``), as spreadsheets themselves mark text, and reading takes exactly
that apostrophe away again, so an export read back is the same termbase. A cell that
starts with an apostrophe followed by one of those characters, or by another apostrophe,
gets one more on writing, so what a person typed is never mistaken for the mark.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterable

from pipeline.errors import GlossaryError
from pipeline.glossary import Term
from pipeline.tbx import PART_OF_SPEECH, check_conflicts, make_id, ncname, term_problem, text_problem

CSV_COLUMNS = [
    "id", "en", "es", "en_variants", "es_variants", "pos", "gender", "note", "dnt", "case_sensitive",
    "en_expansion", "es_expansion", "subject", "context",
]  # fmt: skip
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
"""What makes a spreadsheet read a cell as a formula."""
_YES = ("yes", "y", "true", "1", "sí", "si", "verdadero")
_NO = ("", "no", "n", "false", "0", "falso")
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def escape_cell(value: str) -> str:
    """``value`` made safe for a spreadsheet (see the module's docstring).

    >>> escape_cell("=1+1"), escape_cell("'=x"), escape_cell("'s-Hertogenbosch")
    ("'=1+1", "''=x", "'s-Hertogenbosch")
    """
    if value.startswith(FORMULA_START) or (value[:1] == "'" and value[1:2] in (*FORMULA_START, "'")):
        return "'" + value
    return value


def unescape_cell(value: str) -> str:
    """The value :func:`escape_cell` was given: ``unescape_cell(escape_cell(v)) == v``."""
    if value[:1] == "'" and len(value) > 1 and value[1] in (*FORMULA_START, "'"):
        return value[1:]
    return value


def join_variants(forms: Iterable[str]) -> str:
    """Variants in one cell, separated by ``|`` (a ``|`` or ``\\`` in a form is escaped with ``\\``)."""
    return "|".join(form.replace("\\", "\\\\").replace("|", "\\|") for form in forms)


def split_variants(cell: str) -> tuple[str, ...]:
    """The variants of a cell (the reverse of :func:`join_variants`; a lone ``\\`` stays as it is)."""
    parts: list[str] = []
    current: list[str] = []
    index = 0
    while index < len(cell):
        char = cell[index]
        if char == "\\" and cell[index + 1 : index + 2] in ("\\", "|"):
            current.append(cell[index + 1])
            index += 2
            continue
        if char == "|":
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
        index += 1
    parts.append("".join(current))
    return tuple(part.strip() for part in parts if part.strip())


def decode_csv(raw: bytes, name: str, encoding: str | None = None) -> str:
    """The text of a CSV file: ``encoding`` when given, else what its byte order mark says,
    else UTF-8; :class:`GlossaryError` naming the line of the first undecodable byte."""
    if encoding is None:
        for bom, codec in _BOMS:
            if raw.startswith(bom):
                raw, encoding = raw[len(bom) :], codec
                break
    advice = "save it as UTF-8 (“CSV UTF-8” in a spreadsheet) or give its encoding with --encoding"
    try:
        return raw.decode(encoding or "utf-8").removeprefix("\ufeff")
    except LookupError:
        raise GlossaryError(name, None, f"unknown encoding {encoding!r}") from None
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].decode(encoding or "utf-8", errors="replace").count("\n") + 1
        raise GlossaryError(
            name, line, f"not valid {encoding or 'UTF-8'} (byte 0x{raw[exc.start]:02x}); {advice}"
        ) from None


def _delimiter(text: str) -> str:
    """The separator the header line uses (column names hold none of them)."""
    header = text.split("\n", 1)[0]
    counts = {delimiter: header.count(delimiter) for delimiter in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def read_csv(data: str | bytes, name: str, encoding: str | None = None) -> list[Term]:
    """Terms from the editors' CSV (columns: :data:`CSV_COLUMNS`, ``en`` and ``es`` required)."""
    text = decode_csv(data, name, encoding) if isinstance(data, bytes) else data.removeprefix("\ufeff")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    expected = ",".join(CSV_COLUMNS)
    try:
        header = [column.strip().lower() for column in next(reader)]
    except StopIteration:
        raise GlossaryError(name, 1, f"empty file; expected the columns {expected}") from None
    except csv.Error as exc:
        raise GlossaryError(name, 1, f"malformed CSV: {exc}") from None
    missing = [column for column in ("en", "es") if column not in header]
    if missing:
        raise GlossaryError(name, 1, f"missing column(s) {', '.join(missing)}; expected {expected}")
    unknown = [column for column in header if column and column not in CSV_COLUMNS]
    if unknown:
        raise GlossaryError(name, 1, f"unknown column(s) {', '.join(unknown)}; expected {expected}")
    doubled = sorted({column for column in header if column and header.count(column) > 1})
    if doubled:
        raise GlossaryError(name, 1, f"column(s) {', '.join(doubled)} given twice")
    terms: list[Term] = []
    ids: dict[str, int] = {}
    line = reader.line_num + 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise GlossaryError(name, line, f"malformed CSV: {exc}") from None
        row_line, line = line, reader.line_num + 1
        if not any(cell.strip() for cell in cells):
            continue  # spreadsheets leave empty rows
        if len(cells) > len(header) and any(cell.strip() for cell in cells[len(header) :]):
            raise GlossaryError(
                name, row_line, f"{len(cells)} cells, but the header names {len(header)} columns"
            )
        row: dict[str, str] = {}
        for column, cell in zip(header, cells, strict=False):
            value = unescape_cell(cell).replace("\r\n", "\n").strip()
            if not column:
                if value:
                    raise GlossaryError(name, row_line, "a value in a column without a name in the header")
                continue
            problem = text_problem(value)
            if problem:
                raise GlossaryError(name, row_line, f"{column}: {problem}")
            row[column] = value
        term = _row_term(row, name, row_line)
        if term.id in ids:
            raise GlossaryError(name, row_line, f"id {term.id!r} is already used on line {ids[term.id]}")
        ids[term.id] = row_line
        terms.append(term)
    check_conflicts(terms, name)
    return terms


def _row_term(row: dict[str, str], name: str, line: int) -> Term:
    en, es = row.get("en", ""), row.get("es", "")
    if not en or not es:
        raise GlossaryError(name, line, "every row needs both an en and an es term")
    forms = {
        "en": (en, *split_variants(row.get("en_variants", ""))),
        "es": (es, *split_variants(row.get("es_variants", ""))),
    }
    for lang, values in forms.items():
        for form in values:
            problem = term_problem(form)
            if problem:
                raise GlossaryError(name, line, f"{lang} term {form!r}: {problem}")
    flags = {}
    for column in ("dnt", "case_sensitive"):
        value = row.get(column, "").lower()
        if value not in (*_YES, *_NO):
            raise GlossaryError(name, line, f"{column} must be yes or no, not {value!r}")
        flags[column] = value in _YES
    gender = {"masculine": "m", "feminine": "f"}.get(
        row.get("gender", "").lower(), row.get("gender", "").lower()
    )
    if gender not in ("", "m", "f"):
        raise GlossaryError(name, line, f"gender must be m, f or empty, not {row.get('gender')!r}")
    pos = row.get("pos", "").lower() or "noun"
    if pos not in PART_OF_SPEECH:
        raise GlossaryError(
            name, line, f"pos must be one of {', '.join(PART_OF_SPEECH)} (TBX-Basic's), not {pos!r}"
        )
    return Term(
        id=ncname(row["id"]) if row.get("id") else make_id(en),
        en=en,
        es=es,
        en_variants=forms["en"][1:],
        es_variants=forms["es"][1:],
        pos=pos,
        gender=gender,
        note=row.get("note", ""),
        dnt=flags["dnt"],
        case_sensitive=flags["case_sensitive"],
        en_expansion=row.get("en_expansion", ""),
        es_expansion=row.get("es_expansion", ""),
        subject=row.get("subject", ""),
        context=row.get("context", ""),
        line=line,
        file=name,
    )


def write_csv(terms: Iterable[Term]) -> str:
    """The terms as CSV (:data:`CSV_COLUMNS`), every cell safe to open in a spreadsheet."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for term in terms:
        row = {
            "id": term.id,
            "en": term.en,
            "es": term.es,
            "en_variants": join_variants(term.en_variants),
            "es_variants": join_variants(term.es_variants),
            "pos": term.pos,
            "gender": term.gender,
            "note": term.note,
            "dnt": "yes" if term.dnt else "no",
            "case_sensitive": "yes" if term.case_sensitive else "no",
            "en_expansion": term.en_expansion,
            "es_expansion": term.es_expansion,
            "subject": term.subject,
            "context": term.context,
        }
        writer.writerow([escape_cell(row[column]) for column in CSV_COLUMNS])
    return out.getvalue()
