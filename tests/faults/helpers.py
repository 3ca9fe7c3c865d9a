"""What the fault tests share: a fake engine on PATH, the real command in a subprocess,
and a snapshot of everything a run may write."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

from tests.conftest import REPO


def written_state(root: Path) -> dict[str, bytes]:
    """Every file a run may write (catalogs, pages, manifest, memory, cache), with its bytes."""
    found = {}
    for folder in ("locales", "build"):
        for path in sorted((root / folder).rglob("*")):
            if path.is_file():
                found[str(path.relative_to(root))] = path.read_bytes()
    for name in ("memory.sqlite", "memory.sqlite-wal", "build-cache.sqlite", "build-cache.sqlite-journal"):
        path = root / ".puente" / name
        if path.exists():
            found[f".puente/{name}"] = path.read_bytes()
    return found


def fake_engine(folder: Path, script: str) -> dict[str, str]:
    """An environment whose PATH starts with a folder holding a fake ``apertium``."""
    folder.mkdir(parents=True, exist_ok=True)
    engine = folder / "apertium"
    engine.write_text("#!/bin/sh\n" + textwrap.dedent(script))
    engine.chmod(engine.stat().st_mode | stat.S_IXUSR)
    return {**os.environ, "PATH": f"{folder}:{os.environ['PATH']}"}


def puente(root: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """``puente ARGS --root ROOT`` as a user runs it, in a process of its own."""
    environment = {**os.environ, **(env or {}), "PYTHONPATH": str(REPO)}
    return subprocess.run(
        [sys.executable, "-m", "pipeline", *args, "--root", str(root)],
        capture_output=True,
        text=True,
        env=environment,
        check=False,
    )
