"""Helpers shared by tests: real Apertium, real msgfmt, a loopback HTTP server."""

from __future__ import annotations

import functools
import os
import re
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import html5lib

from pipeline.build import BuildOptions, BuildReport, build_project
from pipeline.mt import Engine
from pipeline.project import open_project


def apertium(text: str, pair: str) -> str:
    """Real Apertium, with unknown-word marks (no -u)."""
    return subprocess.run(
        ["apertium", pair], input=text, capture_output=True, text=True, check=True
    ).stdout.strip()


def msgfmt_check(path: Path) -> str:
    """msgfmt --check's complaints about ``path`` ('' when it passes)."""
    result = subprocess.run(
        ["msgfmt", "--check", "-o", "/dev/null", str(path)], capture_output=True, text=True
    )
    return "" if result.returncode == 0 else result.stderr


Handler = Callable[[BaseHTTPRequestHandler], None]


@contextmanager
def loopback_server(handle: Handler) -> Iterator[tuple[str, list[str]]]:
    """An HTTP server on 127.0.0.1 (a free port) calling ``handle`` for every request.

    Yields its base URL and the list of request paths it received.
    """
    hits: list[str] = []

    class RequestHandler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hits.append(self.path)
            handle(self)

        do_POST = do_GET

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), RequestHandler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", hits
    finally:
        server.shutdown()
        server.server_close()


def dead_pid() -> int:
    """The pid of a process that has ended (and been reaped)."""
    child = subprocess.Popen(["true"])
    child.wait()
    return child.pid


def po_file(root: Path, slug: str, lang: str) -> Path:
    """Where the catalog of ``slug`` in ``lang`` lives."""
    return root / "locales" / lang / "LC_MESSAGES" / f"{slug}.po"


def edit_keeping_times(path: Path, old: str, new: str) -> None:
    """Replace ``old`` by ``new`` (same length) in place and put the old times back, as a
    tool that keeps the modification time does (the change time still moves)."""
    assert len(old.encode()) == len(new.encode())
    info = path.stat()
    data = path.read_bytes()
    assert old.encode() in data
    with open(path, "r+b") as handle:  # in place: the same inode
        handle.write(data.replace(old.encode(), new.encode(), 1))
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns))


def pot_file(root: Path, slug: str) -> Path:
    return root / "locales" / "templates" / f"{slug}.pot"


def extract(root: Path) -> BuildReport:
    """``puente extract`` through the library."""
    return build_project(open_project(root), BuildOptions("extract"))


def translate(root: Path, engine: Engine | None = None, name: str | None = None) -> BuildReport:
    """``puente translate`` through the library (``engine``: an engine object to use)."""
    return build_project(open_project(root), BuildOptions("translate", name), engine=engine)


SCHEMAS = Path(__file__).parent / "schemas"
TBX_NS = "urn:iso:std:iso:30042:ed-2"
PUENTE_CATEGORIES = {
    "x-doNotTranslate": "conceptEntry",
    "x-caseSensitive": "conceptEntry",
    "x-firstMention": "langSec",
}
"""The data categories TBX-Puente adds to TBX-Basic, and the level each belongs to."""


def _xpath1(schematron: str) -> str:
    """TBX-Basic's Schematron asks for XSLT 2 (queryBinding="xslt2"); libxslt, under lxml, runs
    XSLT 1. Its XPath 2 is small and has exact XPath 1 equivalents: the ``./local-name()``
    step is ``local-name()`` of the same node, and ``matches(@target,'https?://.+')`` (an
    unanchored regular expression) is a ``contains`` test. Every replacement must apply."""
    replacements = [
        ('queryBinding="xslt2"', 'queryBinding="xslt"', 1),
        (
            "matches(@target,'https?://.+')",
            "((contains(@target,'http://') and string-length(substring-after(@target,'http://')) > 0)"
            " or (contains(@target,'https://') and string-length(substring-after(@target,'https://')) > 0))",
            1,
        ),
        ("./local-name()", "local-name()", 16),
    ]
    for old, new, count in replacements:
        assert schematron.count(old) == count, (old, schematron.count(old))
        schematron = schematron.replace(old, new)
    assert "matches(" not in schematron and "./" not in schematron
    return schematron


@functools.cache
def _schemas() -> tuple[Any, Any]:
    from lxml import etree, isoschematron

    rng = etree.RelaxNG(etree.parse(str(SCHEMAS / "TBXcoreStructV03.rng")))
    text = (SCHEMAS / "TBX-Basic_DCA.sch").read_text("utf-8-sig")
    schematron = isoschematron.Schematron(etree.fromstring(_xpath1(text).encode()), store_report=True)
    return rng, schematron


def tbx_basic_problems(raw: bytes) -> list[str]:
    """What makes ``raw`` invalid TBX-Basic (TBX core RNG, then the dialect's Schematron)."""
    from lxml import etree

    rng, schematron = _schemas()
    document = etree.fromstring(raw)
    problems = []
    if not rng.validate(document):
        problems += [f"RNG line {e.line}: {e.message}" for e in rng.error_log]
    if not schematron.validate(document):
        svrl = "{http://purl.oclc.org/dsdl/svrl}"
        for failed in schematron.validation_report.iter(f"{svrl}failed-assert"):
            where = re.sub(
                r"\*\[local-name\(\)='(\w+)' and namespace-uri\(\)='[^']*'\]", r"\1", failed.get("location")
            )
            problems.append(f"{where}: {' '.join(failed.findtext(f'{svrl}text').split())}")
    return problems


def tbx_puente_problems(raw: bytes) -> list[str]:
    """What makes ``raw`` invalid TBX-Puente: its root must name the dialect; Puente's three
    data categories may appear only at their level, with their values; and without them,
    named TBX-Basic, the file must be valid TBX-Basic."""
    from lxml import etree

    document = etree.fromstring(raw)
    problems = []
    if (document.get("type"), document.get("style")) != ("TBX-Puente", "dca"):
        problems.append(f"root: type={document.get('type')!r} style={document.get('style')!r}")
    for element in list(document.iter(f"{{{TBX_NS}}}descrip")):
        level = PUENTE_CATEGORIES.get(element.get("type") or "")
        if level is None:
            continue
        parent = element.getparent()
        where = f"line {element.sourceline}: {element.get('type')}"
        if parent is None or etree.QName(parent).localname != level:
            problems.append(f"{where} belongs to {level}, not {etree.QName(parent).localname}")
        if level == "conceptEntry" and element.text != "true":
            problems.append(f"{where} must be 'true', not {element.text!r}")
        if level == "langSec" and not (element.text or "").strip():
            problems.append(f"{where} is empty")
        if parent is not None:
            parent.remove(element)
    document.set("type", "TBX-Basic")
    return problems + tbx_basic_problems(etree.tostring(document))


# --- pages must be inert ---------------------------------------------------------------

_URL_ATTRIBUTES = {
    "href", "src", "srcset", "poster", "cite", "action", "formaction", "data", "background", "lowsrc",
    "dynsrc", "longdesc", "usemap", "ping", "codebase", "archive", "manifest", "icon", "xlink:href",
    "{http://www.w3.org/1999/xlink}href", "imagesrcset",
}  # fmt: skip
_FORBIDDEN_ELEMENTS = {
    "script", "object", "embed", "applet", "frame", "frameset", "base", "form", "input", "button",
    "textarea", "select", "template", "noscript", "portal", "fencedframe", "svg", "math", "canvas",
}  # fmt: skip
_BAD_SCHEMES = ("javascript:", "vbscript:", "data:")
_BAD_STYLE = re.compile(r"url\s*\(|expression\s*\(|@import|behavior|binding|javascript", re.IGNORECASE)


def _scheme_of(url: str) -> str:
    """An address as a browser reads its scheme: edges and tabs/newlines removed, lowercased."""
    cleaned = re.sub(r"[\t\n\r]", "", url).strip("".join(chr(c) for c in range(0x21)))
    return cleaned.lower()


def page_problems(page: bytes | str, allowed_hosts: tuple[str, ...] = ()) -> list[str]:
    """Everything active in a page, read as a browser reads it (html5lib): event handlers,
    script, style that loads, javascript:/vbscript:/data: addresses, frames and plugins (an
    ``<iframe>`` only from ``allowed_hosts``, over https, sandboxed), ``<base>``,
    ``<meta http-equiv>``, forms, SVG and MathML."""
    root = html5lib.parse(page, treebuilder="etree", namespaceHTMLElements=False)
    problems: list[str] = []
    for element in root.iter():
        tag = element.tag if isinstance(element.tag, str) else "(comment)"
        if tag.startswith("{"):
            problems.append(f"foreign element {tag}")
            continue
        if tag in _FORBIDDEN_ELEMENTS:
            problems.append(f"<{tag}>")
        if tag == "meta" and element.get("http-equiv") is not None:
            problems.append("<meta http-equiv>")
        if tag == "link" and (element.get("rel") != "alternate" or "//" in (element.get("href") or "")):
            problems.append(f"<link {dict(element.attrib)}>")
        if tag == "style" and _BAD_STYLE.search(element.text or ""):
            problems.append("a style sheet that loads or runs something")
        if tag == "iframe":
            src = element.get("src") or ""
            host = re.match(r"https://([^/?#\\@]+)/", src)
            if host is None or host.group(1) not in allowed_hosts or not element.get("sandbox"):
                problems.append(f"<iframe src={src!r} sandbox={element.get('sandbox')!r}>")
            if "allow-top-navigation" in (element.get("sandbox") or ""):
                problems.append("an iframe that may navigate the page")
        for name, value in element.attrib.items():
            lowered = name.lower()
            if lowered.startswith("on"):
                problems.append(f"event handler {name} on <{tag}>")
            if lowered in ("srcdoc", "formaction", "action", "http-equiv"):
                problems.append(f"{name} on <{tag}>")
            if lowered in _URL_ATTRIBUTES or lowered.endswith("href"):
                urls = (
                    [part.strip().split()[0] for part in value.split(",") if part.strip()]
                    if lowered == "srcset"
                    else [value]
                )
                for url in urls:
                    if _scheme_of(url).startswith(_BAD_SCHEMES):
                        problems.append(f"{name}={value!r} on <{tag}>")
            if lowered == "style" and _BAD_STYLE.search(value):
                problems.append(f"style={value!r} on <{tag}>")
    return problems


def run_into_closed_pipe(*args: str) -> subprocess.CompletedProcess[str]:
    """``python -m pipeline ARGS`` with its output going to a pipe nobody reads (like
    ``puente ... | head -0``)."""
    from tests.conftest import REPO

    reader, writer = os.pipe()
    os.close(reader)
    try:
        return subprocess.run(
            [sys.executable, "-m", "pipeline", *args],
            stdout=writer,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONPATH": str(REPO)},
            check=False,
        )
    finally:
        os.close(writer)
