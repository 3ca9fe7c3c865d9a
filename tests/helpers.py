"""Helpers shared by tests: real Apertium, real msgfmt, a loopback HTTP server."""

from __future__ import annotations

import subprocess
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

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


def pot_file(root: Path, slug: str) -> Path:
    return root / "locales" / "templates" / f"{slug}.pot"


def extract(root: Path) -> BuildReport:
    """``puente extract`` through the library."""
    return build_project(open_project(root), BuildOptions("extract"))


def translate(root: Path, engine: Engine | None = None, name: str | None = None) -> BuildReport:
    """``puente translate`` through the library (``engine``: an engine object to use)."""
    return build_project(open_project(root), BuildOptions("translate", name), engine=engine)
