"""TMX exchange: round trip with placeholders, structure, real peers (Translate Toolkit), hostile input."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from lxml import etree

from pipeline.errors import Notice
from pipeline.memory import TranslationMemory
from pipeline.project import open_project
from pipeline.tmx import TmxError, read_tmx, write_tmx
from tests.conftest import run_cli
from tests.helpers import loopback_server

BAD = Path(__file__).parent / "bad" / "tmx"
TOOLS = Path(sys.executable).parent  # Translate Toolkit's commands, installed with the test extra
PAIRS = [
    (
        "en",
        "es",
        "{1}Arrests:{/1} Over 12,300 detained{2/}.",
        "{1}Detenciones:{/1} Más de 12.300 detenidos{2/}.",
    ),
    ("es", "en", "La {1}SSPC{/1} anunció <algo> & más.", "The {1}SSPC{/1} announced <something> & more."),
]
PO = """msgid ""
msgstr ""
"Content-Type: text/plain; charset=UTF-8\\n"
"Language: es\\n"

#: sources/a.md:3
msgid "The {1}SSPC{/1} announced <results> & more."
msgstr "La {1}SSPC{/1} anunció <resultados> & más."

msgid "Line one\\nline two"
msgstr "Línea uno\\nlínea dos"

#, fuzzy
msgid "A draft"
msgstr "Un borrador"
"""
PO_PAIRS = [
    ("en", "es", "The {1}SSPC{/1} announced <results> & more.", "La {1}SSPC{/1} anunció <resultados> & más."),
    ("en", "es", "Line one\nline two", "Línea uno\nlínea dos"),
]


def test_round_trip_keeps_text_and_placeholders() -> None:
    assert read_tmx(write_tmx(PAIRS), "x.tmx") == PAIRS


def test_structure_is_tmx_1_4() -> None:
    root = etree.fromstring(write_tmx(PAIRS))
    assert root.tag == "tmx" and root.get("version") == "1.4"
    header = root.find("header")
    assert header is not None
    assert {
        k: header.get(k) for k in ("creationtool", "datatype", "segtype", "adminlang", "srclang", "o-tmf")
    } == {
        "creationtool": "Puente",
        "datatype": "plaintext",
        "segtype": "sentence",
        "adminlang": "en",
        "srclang": "*all*",  # both directions: any language of a unit may be its source
        "o-tmf": "Puente",
    }
    assert [tu.get("srclang") for tu in root.iter("tu")] == ["en", "es"]
    first = root.find("body/tu")
    assert first is not None
    langs = [tuv.get("{http://www.w3.org/XML/1998/namespace}lang") for tuv in first.findall("tuv")]
    assert langs == ["en", "es"]
    seg = first.find("tuv/seg")
    assert seg is not None
    assert [(c.tag, c.text) for c in seg] == [("bpt", "{1}"), ("ept", "{/1}"), ("ph", "{2/}")]


@pytest.mark.parametrize(("pairs", "srclang"), [(PAIRS[:1], "en"), (PAIRS[1:], "es"), ([], "*all*")])
def test_header_names_the_one_source_language(pairs: list[tuple[str, str, str, str]], srclang: str) -> None:
    header = etree.fromstring(write_tmx(pairs)).find("header")
    assert header is not None and header.get("srclang") == srclang


def test_srclang_all_is_read() -> None:
    tmx = b"""<?xml version="1.0"?>
<tmx version="1.4"><header srclang="*all*" adminlang="en" datatype="plaintext" segtype="sentence"
 o-tmf="x" creationtool="x" creationtoolversion="1"/><body>
<tu><tuv xml:lang="EN-us"><seg>Sonora</seg></tuv><tuv xml:lang="es-MX"><seg>Sonora (estado)</seg></tuv>
<tuv xml:lang="fr"><seg>Sonora (\xc3\xa9tat)</seg></tuv></tu>
<tu srclang="es"><tuv xml:lang="es"><seg>frontera</seg></tuv><tuv xml:lang="en"><seg>border</seg></tuv></tu>
</body></tmx>"""
    assert read_tmx(tmx, "x.tmx") == [
        ("en", "es", "Sonora", "Sonora (estado)"),
        ("es", "en", "Sonora (estado)", "Sonora"),
        ("es", "en", "frontera", "border"),
    ]


def test_a_unit_without_its_source_language_is_skipped_with_a_warning(project: Path, tmp_path: Path) -> None:
    tmx = tmp_path / "x.tmx"
    tmx.write_text(
        '<tmx version="1.4"><header srclang="de"/><body>\n'
        '<tu><tuv xml:lang="en"><seg>a</seg></tuv><tuv xml:lang="es"><seg>b</seg></tuv></tu>\n'
        '<tu srclang="en"><tuv xml:lang="en"><seg>c</seg></tuv><tuv xml:lang="es"><seg>d</seg></tuv></tu>\n'
        "</body></tmx>"
    )
    warnings: list[Notice] = []
    assert read_tmx(tmx.read_bytes(), "x.tmx", warnings) == [("en", "es", "c", "d")]
    result = run_cli("memory", "import", tmx, "--root", project)
    assert result.exit_code == 0 and result.stdout == "1 translation unit read, 1 new\n"
    assert result.stderr == f"{tmx}:2: warning: a <tu> without its source language 'de'; skipped\n"


SUBSET = (
    "a DOCTYPE with an internal subset (entity declarations) is not allowed in TMX; only a DOCTYPE naming "
    "an external DTD is accepted (it is never loaded)"
)
BAD_TMX = {
    "utf16-internal-subset.tmx": f"2: {SUBSET}",
    "utf32-internal-subset.tmx": f"2: {SUBSET}",
    "utf16-undeclared-entity.tmx": "6: entity reference &e; is not allowed in TMX",
    "corrupt.tmx": "1: malformed XML: Start tag expected, '<' not found, line 1, column 1",
    "truncated.tmx": "3: malformed XML: Specification mandates value for attribute creat, line 3, column 92",
    "not-tmx.tmx": "2: not a TMX file: the root element must be <tmx>",
    "tuv-without-seg.tmx": "5: a <tuv> without <seg>",
}


@pytest.mark.parametrize("name", sorted(BAD_TMX))
def test_bad_tmx_is_one_line_and_exit_2(project: Path, name: str) -> None:
    result = run_cli("memory", "import", BAD / name, "--root", project)
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == f"{BAD / name}:{BAD_TMX[name]}\n"
    assert not open_project(project).memory_path.exists()


def test_every_bad_tmx_file_has_a_case() -> None:
    assert sorted(p.name for p in BAD.iterdir()) == sorted(BAD_TMX)


def test_hostile_tmx_in_the_library() -> None:
    with pytest.raises(TmxError, match=r"x\.tmx:2: a DOCTYPE with an internal subset"):
        read_tmx(
            b'<?xml version="1.0"?>\n<!DOCTYPE tmx [<!ENTITY e SYSTEM "file:///etc/passwd">]><tmx/>', "x.tmx"
        )
    with pytest.raises(TmxError, match=r"x\.tmx:1: malformed XML"):
        read_tmx(b"<tmx><body>", "x.tmx")


def test_memory_commands_round_trip(project: Path, tmp_path: Path) -> None:
    tmx = tmp_path / "in.tmx"
    tmx.write_bytes(write_tmx(PAIRS))
    result = run_cli("memory", "import", tmx, "--root", project)
    assert result.exit_code == 0 and result.stdout == "2 translation units read, 2 new\n"
    out = tmp_path / "out.tmx"
    assert run_cli("memory", "export", out, "--root", project).exit_code == 0
    assert sorted(read_tmx(out.read_bytes(), "out.tmx")) == sorted(PAIRS)


def _po2tmx(tmp_path: Path) -> Path:
    po = tmp_path / "es.po"
    po.write_text(PO, "utf-8")
    tmx = tmp_path / "po2tmx.tmx"
    subprocess.run([TOOLS / "po2tmx", "-l", "es", po, tmx], check=True, capture_output=True)
    assert b'<!DOCTYPE tmx SYSTEM "tmx14.dtd">' in tmx.read_bytes()  # what was refused
    return tmx


def test_po2tmx_output_imports_and_our_export_reads_in_translate_toolkit(
    project: Path, tmp_path: Path
) -> None:
    from translate.storage.tmx import tmxfile

    tmx = _po2tmx(tmp_path)
    result = run_cli("memory", "import", tmx, "--root", project)
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout == "2 translation units read, 2 new\n"  # the fuzzy entry is not in the TMX
    with TranslationMemory(open_project(project).memory_path) as tm:
        assert tm.pairs() == PO_PAIRS
    out = tmp_path / "out.tmx"
    assert run_cli("memory", "export", out, "--root", project).exit_code == 0
    with out.open("rb") as handle:
        store = tmxfile(handle, "en", "es")
    assert [(unit.source, unit.target) for unit in store.units] == [(p[2], p[3]) for p in PO_PAIRS]


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-32"])
def test_tmx_in_other_encodings_with_an_external_doctype_imports(
    project: Path, tmp_path: Path, encoding: str
) -> None:
    text = _po2tmx(tmp_path).read_text("utf-8").replace('encoding="UTF-8"', f'encoding="{encoding.upper()}"')
    tmx = tmp_path / f"{encoding}.tmx"
    bom = b"\xfe\xff" if encoding == "utf-16-be" else b""
    tmx.write_bytes(bom + text.encode(encoding))
    assert read_tmx(tmx.read_bytes(), "x.tmx") == PO_PAIRS


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16", "utf-32"])
def test_an_external_dtd_is_never_fetched(tmp_path: Path, encoding: str) -> None:
    def answer(handler):  # type: ignore[no-untyped-def]
        handler.send_response(200)
        handler.end_headers()
        handler.wfile.write(b'<!ENTITY e "FETCHED">')

    with loopback_server(answer) as (url, hits):
        text = (
            f'<?xml version="1.0" encoding="{encoding.upper()}"?>\n<!DOCTYPE tmx SYSTEM "{url}/tmx14.dtd">\n'
            '<tmx version="1.4"><header srclang="en"/><body><tu><tuv xml:lang="en"><seg>a</seg></tuv>'
            '<tuv xml:lang="es"><seg>b</seg></tuv></tu></body></tmx>'
        )
        assert read_tmx(text.encode(encoding), "x.tmx") == [("en", "es", "a", "b")]
        with pytest.raises(TmxError, match=r"x\.tmx:3: entity reference &e; is not allowed in TMX"):
            read_tmx(text.replace("<seg>a", "<seg>&e;a").encode(encoding), "x.tmx")
        assert hits == []


def test_memory_import_takes_the_project_lock(project: Path, tmp_path: Path) -> None:
    tmx = tmp_path / "in.tmx"
    tmx.write_bytes(write_tmx(PAIRS))
    with open_project(project).lock("build"):
        result = run_cli("memory", "import", tmx, "--root", project)
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.startswith(".puente/build.lock: another build is running on this project (pid ")
    with TranslationMemory(open_project(project).memory_path) as tm:
        assert tm.pairs() == []
