"""Writing files so that a reader never sees half of one.

Every file Puente writes goes through :func:`write_atomic` or, for a run's many
files, :func:`write_many`: the bytes go to a temporary file in the same folder,
are flushed to disk when they replace earlier work, and the temporary file is
renamed over the target. An
interrupted build leaves each file either old or new (a kill may leave a hidden
``.name.*.tmp`` file behind, never a half-written file under a final name).
Files whose content would not change are not touched, so their timestamps and
git status stay calm.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Sequence
from pathlib import Path

from pipeline.errors import PipelineError


def decode_utf8(raw: bytes, path: str, error: type[PipelineError], advice: str) -> str:
    """``raw`` as text, or ``error`` naming the line of the first byte that is not UTF-8."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise error(path, line, f"not valid UTF-8 (byte 0x{raw[exc.start]:02x}); {advice}") from None


def relative_to(path: Path, root: Path) -> str:
    """``path`` relative to ``root``, with forward slashes (as given when outside it)."""
    with contextlib.suppress(ValueError):  # a path made from the root: no file system call
        return path.relative_to(root).as_posix()
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def write_atomic(path: Path, data: bytes | str) -> bool:
    """Write ``data`` to ``path`` atomically; return False (and write nothing)
    when the file already holds exactly ``data``."""
    return write_many([(path, data)])[0]


def write_many(files: Sequence[tuple[Path, bytes | str]], *, durable: bool = True) -> list[bool]:
    """Write each ``(path, data)`` atomically, as :func:`write_atomic` does; return, per file,
    whether it was written.

    All the temporary files are written first, then renamed over their targets. Before
    the renames, one ``sync`` puts the new contents on disk when ``durable`` and a file
    that holds earlier work is being replaced (a translator's catalog must not be lost to
    a power cut between the rename and the write-back); new files and ``durable=False``
    files (pages, which a build makes again) skip it. A sync per file would cost a journal
    commit each: most of the time of a run that writes thousands of small files.
    """
    written: list[bool] = []
    pending: list[tuple[str, Path, int | None]] = []
    listings: dict[Path, set[str]] = {}
    try:
        for path, data in files:
            payload = data.encode("utf-8") if isinstance(data, str) else data
            folder = path.parent
            if folder not in listings:  # one directory read instead of a failed open per new file
                folder.mkdir(parents=True, exist_ok=True)
                listings[folder] = {entry.name for entry in os.scandir(folder)}
            old: bytes | None = None
            mode: int | None = None
            if path.name in listings[folder]:
                with contextlib.suppress(FileNotFoundError):
                    old = path.read_bytes()
                    mode = path.stat().st_mode & 0o777
            written.append(old != payload)
            if old == payload:
                continue
            tmp = str(folder / f".{path.name}.{os.getpid()}-{len(pending)}.tmp")
            # created with the usual 0o666 less the umask (a replaced file keeps its mode below)
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC | os.O_NOFOLLOW, 0o666)
            pending.append((tmp, path, mode))
            with os.fdopen(fd, "wb") as handle:
                handle.write(payload)
        if durable and any(mode is not None for _, _, mode in pending):
            _flush([tmp for tmp, _, _ in pending])
        for tmp, path, mode in pending:
            if mode is not None:
                os.chmod(tmp, mode)
            os.replace(tmp, path)
    except BaseException:
        for tmp, _, _ in pending:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
        raise
    return written


def _flush(paths: list[str]) -> None:
    """Put the contents of ``paths`` on disk: one file by itself, many with one ``sync``."""
    if len(paths) > 1:
        os.sync()
        return
    fd = os.open(paths[0], os.O_RDONLY | os.O_CLOEXEC)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
