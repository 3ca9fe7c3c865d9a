"""Writing files so that a reader never sees half of one.

Every file Puente writes goes through :func:`write_atomic`: the bytes go to a
temporary file in the same folder, are flushed to disk, and the temporary file
is renamed over the target. An interrupted build leaves each file either old
or new. Files whose content would not change are not touched, so their
timestamps and git status stay calm.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from pipeline.errors import PipelineError


def decode_utf8(raw: bytes, path: str, error: type[PipelineError], advice: str) -> str:
    """``raw`` as text, or ``error`` naming the line of the first byte that is not UTF-8."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise error(path, line, f"not valid UTF-8 (byte 0x{raw[exc.start]:02x}); {advice}") from None


def write_atomic(path: Path, data: bytes | str) -> bool:
    """Write ``data`` to ``path`` atomically; return False (and write nothing)
    when the file already holds exactly ``data``."""
    payload = data.encode("utf-8") if isinstance(data, str) else data
    try:
        if path.read_bytes() == payload:
            return False
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        if path.exists():
            os.chmod(tmp, path.stat().st_mode & 0o777)
        else:
            os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    return True
