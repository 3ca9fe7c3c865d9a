"""The Puente executables a benchmark compares: ``--puente [LABEL=]PATH``, given once or more.

Each executable is a ``puente`` command of its own checkout and virtualenv (``make setup``
there), so that two versions of the code, e.g. ``before=/work/old/.venv/bin/puente`` and
``after=.venv/bin/puente``, are timed alternately in one session on the same corpus.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT = REPO / ".venv" / "bin" / "puente"
LABEL = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$")


@dataclass(frozen=True)
class Executable:
    """One labelled ``puente`` command."""

    label: str
    path: Path

    def command(self, root: Path, args: str) -> str:
        """The shell command running ``puente --root ROOT ARGS``."""
        return f"{quote(self.path)} --root {quote(root)} {args}"


def quote(path: Path | str) -> str:
    """A path for ``bash -c``: single-quoted when it holds anything but safe characters."""
    text = str(path)
    if re.fullmatch(r"[A-Za-z0-9_./=+-]+", text):
        return text
    return "'" + text.replace("'", "'\\''") + "'"


def parse(values: list[str] | None) -> list[Executable]:
    """``[LABEL=]PATH`` values into executables; none given means the repository's own.

    Raises argparse.ArgumentTypeError on a repeated label, a bad label or a path that
    is not an executable file, so that a typo fails before anything is timed.
    """
    if not values:
        values = [f"puente={DEFAULT}"]
    found: list[Executable] = []
    for value in values:
        label, sep, path = value.partition("=")
        if not sep:  # a bare path: named after its checkout's folder
            path, label = value, ""
        exe = Path(path).expanduser()
        if not exe.is_absolute():
            exe = Path.cwd() / exe
        if not label:
            label = checkout_of(exe).name if len(values) > 1 else "puente"
        if not LABEL.match(label):
            raise argparse.ArgumentTypeError(
                f"--puente {value}: a label is letters, digits, . _ - (32 at most), not {label!r}"
            )
        if any(e.label == label for e in found):
            raise argparse.ArgumentTypeError(f"--puente {value}: the label {label!r} is given twice")
        if not (exe.is_file() and os.access(exe, os.X_OK)):
            raise argparse.ArgumentTypeError(f"--puente {value}: {exe} is not an executable file")
        found.append(Executable(label, exe))
    return found


def checkout_of(exe: Path) -> Path:
    """The folder holding ``.venv/bin/puente`` (its checkout), or the executable's folder."""
    parts = exe.parts
    if len(parts) >= 4 and parts[-2] == "bin" and parts[-3].startswith("."):
        return Path(*parts[:-3])
    return exe.parent


def describe(exe: Executable) -> dict[str, object]:
    """What was timed: path, ``puente --version``, and the checkout's commit and state."""
    info: dict[str, object] = {"label": exe.label, "path": str(exe.path)}
    version = subprocess.run([str(exe.path), "--version"], capture_output=True, text=True, check=False)
    info["version"] = (version.stdout or version.stderr).strip()
    checkout = checkout_of(exe.path)
    commit = subprocess.run(
        ["git", "-C", str(checkout), "rev-parse", "HEAD"], capture_output=True, text=True, check=False
    )
    if commit.returncode == 0:
        info["checkout"] = str(checkout)
        info["commit"] = commit.stdout.strip()
        changes = subprocess.run(
            ["git", "-C", str(checkout), "status", "--porcelain", "--untracked-files=no", "--", "pipeline"],
            capture_output=True,
            text=True,
            check=False,
        )
        info["pipeline_modified"] = bool(changes.stdout.strip())
    return info
