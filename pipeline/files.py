"""Writing files so that a reader never sees half of one.

Every file Puente writes goes through :func:`write_atomic` or, for a run's many
files, :func:`write_many`: the bytes go to a temporary file in the same folder
(:func:`stage`), are flushed to disk when they replace earlier work, and the
temporary file is renamed over the target (:func:`commit`). Worker processes stage
the files of their articles while the others are still being worked on; the main
process commits them all once the whole run is valid, or discards them. An
interrupted build leaves each file either old or new (a kill may leave a hidden
``.name.*.tmp`` file behind, never a half-written file under a final name; the next
run removes it with :func:`sweep`).
Files whose content would not change are not touched, so their timestamps and
git status stay calm.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import itertools
import os
import re
import secrets
import stat
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.errors import PipelineError


def decode_utf8(raw: bytes, path: str, error: type[PipelineError], advice: str) -> str:
    """``raw`` as text, or ``error`` naming the line of the first byte that is not UTF-8."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise error(path, line, f"not valid UTF-8 (byte 0x{raw[exc.start]:02x}); {advice}") from None


def read_limited(path: Path, relative: str, error: type[PipelineError], limit: int) -> bytes:
    """The bytes of the regular file ``path``, at most ``limit`` of them; anything else
    (a folder, a device such as ``/dev/zero``, a pipe, a larger file, an unreadable one)
    is ``error`` naming the file and the reason."""
    return read_with_stat(path, relative, error, limit)[0]


def read_with_stat(
    path: Path, relative: str, error: type[PipelineError], limit: int
) -> tuple[bytes, os.stat_result | None]:
    """:func:`read_limited`, and the file's ``stat`` as it was read (None when the file
    changed while it was being read: its signature cannot stand for these bytes)."""
    try:
        # not blocking: opening a pipe for reading would wait for a writer
        with open(os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC), "rb") as handle:
            before = os.fstat(handle.fileno())
            if stat.S_ISDIR(before.st_mode):
                raise error(relative, None, "is a folder, not a file")
            if not stat.S_ISREG(before.st_mode):
                raise error(relative, None, "not a regular file")
            if before.st_size > limit:  # refused before a byte is read
                raise error(relative, None, f"larger than {limit // (1024 * 1024)} MiB: refusing to read it")
            # as many bytes as the file holds, and one more to see that it grew meanwhile (then
            # the rest up to the limit): a read of the limit itself would first allocate it
            data = handle.read(before.st_size + 1)
            if len(data) > before.st_size:
                data += handle.read(limit + 1 - len(data))
            after = os.fstat(handle.fileno())
    except IsADirectoryError:
        raise error(relative, None, "is a folder, not a file") from None
    except OSError as exc:
        raise error(relative, None, f"cannot read: {exc.strerror or exc}") from None
    if len(data) > limit:
        raise error(relative, None, f"larger than {limit // (1024 * 1024)} MiB: refusing to read it")
    unchanged = (before.st_size, before.st_mtime_ns, before.st_ctime_ns) == (
        after.st_size,
        after.st_mtime_ns,
        after.st_ctime_ns,
    )
    return data, before if unchanged and len(data) == before.st_size else None


def relative_to(path: Path, root: Path) -> str:
    """``path`` relative to ``root``, with forward slashes (as given when outside it)."""
    text, base = os.fspath(path), os.fspath(root)
    if "/.." not in text and not text.startswith(".."):  # the common cases, without building paths
        if base == "." and not text.startswith("/"):
            return text
        if text.startswith(base) and text[len(base) : len(base) + 1] == "/":
            return text[len(base) + 1 :]
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
    whether it was written. On failure no target is changed and no temporary file is left."""
    return commit(stage(files), durable=durable)


@dataclass(frozen=True)
class Staged:
    """A file's new content, written under a hidden temporary name next to it and waiting
    for :func:`commit` (or :func:`discard`). Plain data: workers stage, the main process
    commits once the whole run is known to be valid."""

    target: str  # the file's path (as text: a run holds thousands of these until its commit)
    tmp: str | None  # None: the target holds these bytes already, nothing to do
    mode: int | None  # the mode of the file being replaced; None for a new file
    created: tuple[Path, ...] = ()  # folders made for it, deepest first (removed by discard)
    inode: int = 0  # of the temporary file, which becomes the target's once committed

    @property
    def path(self) -> Path:
        return Path(self.target)

    @property
    def changed(self) -> bool:
        return self.tmp is not None


_SERIAL = itertools.count()
_TOKEN: dict[int, str] = {}


def _temporary_name(path: Path) -> str:
    """A hidden name next to ``path``, unique to this process and this call; the random
    part keeps a file left by a killed run in an earlier container (same pid) out of the way."""
    pid = os.getpid()
    token = _TOKEN.get(pid) or _TOKEN.setdefault(pid, secrets.token_hex(4))
    return str(path.parent / f".{path.name}.{pid}-{token}-{next(_SERIAL)}.tmp")


def stage(files: Iterable[tuple[Path, bytes | bytearray | str]], *, compare: bool = True) -> list[Staged]:
    """Write the content of each changed file to a temporary file in its folder (creating
    folders as needed); the targets are untouched. On failure nothing stays staged.
    ``compare=False``: the caller knows the content differs (the target is not read)."""
    staged: list[Staged] = []
    try:
        for path, data in files:
            payload = data.encode("utf-8") if isinstance(data, str) else data
            staged.append(_stage_one(path, payload, compare))
    except BaseException:
        discard(staged)
        raise
    return staged


def _stage_one(path: Path, payload: bytes | bytearray, compare: bool = True) -> Staged:
    try:
        return _stage_file(path, payload, compare)
    except OSError as exc:  # named after the file being written, not its temporary name
        if exc.errno is None or exc.filename == str(path):
            raise
        raise OSError(exc.errno, exc.strerror, str(path)) from None


def _stage_file(path: Path, payload: bytes | bytearray, compare: bool) -> Staged:
    mode: int | None = None
    try:
        # nothing read but a regular file of the same size, and not blocking: a target that
        # is a pipe or a link to a device (/dev/zero) is replaced, never waited on or read
        info = os.stat(path)
        if stat.S_ISDIR(info.st_mode):
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(path))
        if stat.S_ISREG(info.st_mode):
            mode = info.st_mode & 0o777
            if compare and info.st_size == len(payload):
                with open(os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC), "rb") as old:
                    if stat.S_ISREG(os.fstat(old.fileno()).st_mode) and old.read(len(payload) + 1) == payload:
                        return Staged(str(path), None, None)
    except FileNotFoundError:
        pass
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC | os.O_NOFOLLOW
    created: tuple[Path, ...] = ()
    folders_made = 0
    while True:
        tmp = _temporary_name(path)
        try:  # created with the usual 0o666 less the umask (a replaced file keeps its mode)
            fd = os.open(tmp, flags, 0o666)
            break
        except FileExistsError:  # a name left by an earlier run: take the next one
            continue
        except FileNotFoundError:
            # make the folder; again if a failing worker removed it as empty meanwhile
            if folders_made == 3:
                raise
            created = tuple(dict.fromkeys([*created, *_make_folder(path.parent)]))
            folders_made += 1
    try:
        try:
            view = memoryview(payload)
            while view:  # a plain write loop: no buffered file object for one write
                view = view[os.write(fd, view) :]
            inode = os.fstat(fd).st_ino
        finally:
            os.close(fd)
    except BaseException:
        os.unlink(tmp)
        _remove_empty(created)
        raise
    return Staged(str(path), tmp, mode, created, inode)


def _make_folder(folder: Path) -> tuple[Path, ...]:
    """Make ``folder`` and its missing parents; return those made, deepest first."""
    missing = []
    while not folder.exists():
        missing.append(folder)
        folder = folder.parent
    for made in reversed(missing):
        with contextlib.suppress(FileExistsError):  # another worker made it meanwhile
            made.mkdir()
    return tuple(missing)


def _remove_empty(folders: Iterable[Path]) -> None:
    """Remove ``folders`` that are empty, deepest first (a folder in use stays)."""
    for folder in sorted(set(folders), key=lambda f: len(f.parts), reverse=True):
        with contextlib.suppress(OSError):
            folder.rmdir()


def commit(staged: Sequence[Staged], *, durable: bool = True) -> list[bool]:
    """Rename every staged file over its target; return, per file, whether it changed.

    Before the renames, one ``sync`` puts the new contents on disk when ``durable`` and a
    file that holds earlier work is being replaced (a translator's catalog must not be lost
    to a power cut between the rename and the write-back); new files and ``durable=False``
    files (pages, which a build makes again) skip it. A sync per file would cost a journal
    commit each: most of the time of a run that writes thousands of small files.
    """
    return commit_guarded(staged, durable=durable)[0]


Unchanged = Callable[[Path, Path], bool]
"""``unchanged(target, old)``: whether ``old`` (the file a commit displaced from
``target``) is still what the run read there."""


def commit_guarded(
    staged: Sequence[Staged], *, durable: bool = True, unchanged: Unchanged | None = None
) -> tuple[list[bool], list[Path]]:
    """:func:`commit`, where a file that replaces another is put in place only while the
    other is what the run read (``unchanged``); return also the targets left as they were
    because someone changed them meanwhile (a translator's save: it is never lost).

    Where the file system can swap two names atomically (Linux's ``RENAME_EXCHANGE``),
    the new file is swapped in and the displaced one checked afterwards, and swapped
    back if it changed: no moment is left between the check and the replacement. Else
    the target is checked just before it is replaced.
    """
    pending = [(item.tmp, item) for item in staged if item.tmp is not None]
    kept: list[Path] = []
    done = 0
    try:
        if durable and any(item.mode is not None for _, item in pending):
            _flush([tmp for tmp, _ in pending])
        for tmp, item in pending:
            if item.mode is not None:
                os.chmod(tmp, item.mode)
            if unchanged is not None and item.mode is not None:
                if not _swap_in(tmp, item.path, unchanged):
                    kept.append(item.path)
            elif unchanged is not None:
                if not _create(tmp, item.path):
                    kept.append(item.path)
            else:
                os.replace(tmp, item.path)
            done += 1
    except BaseException:
        discard(item for _, item in pending[done:])
        raise
    lost = set(kept)
    return [item.changed and item.path not in lost for item in staged], kept


def _swap_in(tmp: str, target: Path, unchanged: Unchanged) -> bool:
    """Put ``tmp`` at ``target`` unless ``target`` changed since it was read; return
    whether it was put there (the temporary file is gone either way)."""
    if _exchange(tmp, target):
        if unchanged(target, Path(tmp)):
            os.unlink(tmp)  # the old content, as read: replaced
            return True
        _exchange(tmp, target)  # someone saved meanwhile: theirs goes back in place
        os.unlink(tmp)
        return False
    if not unchanged(target, target):
        os.unlink(tmp)
        return False
    os.replace(tmp, target)
    return True


def _create(tmp: str, target: Path) -> bool:
    """Put ``tmp`` at ``target`` only if nothing is there (a file someone made meanwhile is
    theirs); return whether it was put there."""
    try:
        os.link(tmp, target)
    except FileExistsError:
        os.unlink(tmp)
        return False
    except OSError as exc:
        if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV):
            raise
        if target.exists():  # a file system without hard links: check, then rename
            os.unlink(tmp)
            return False
        os.replace(tmp, target)
        return True
    os.unlink(tmp)
    return True


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100
_LIBC: list[Any] = []


def _exchange(first: str | Path, second: str | Path) -> bool:
    """Swap two names atomically; False where the system cannot (the caller falls back)."""
    if not sys.platform.startswith("linux"):
        return False
    if not _LIBC:
        _LIBC.append(ctypes.CDLL(None, use_errno=True))
    renameat2 = getattr(_LIBC[0], "renameat2", None)
    if renameat2 is None:
        return False
    result = renameat2(_AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second), _RENAME_EXCHANGE)
    if result == 0:
        return True
    error = ctypes.get_errno()
    if error in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
        return False
    raise OSError(error, os.strerror(error), str(second))


def discard(staged: Iterable[Staged]) -> None:
    """Remove the temporary files of ``staged``, then the folders made for them that are
    left empty (the targets are untouched). Give it a whole run's files at once: a folder
    is removed only once every temporary file in it is gone."""
    created: list[Path] = []
    for item in staged:
        if item.tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(item.tmp)
        created.extend(item.created)
    _remove_empty(created)


_LEFTOVER = re.compile(r"\..+\.([0-9]+)-([0-9a-f]{8})-[0-9]+\.tmp")
"""The name :func:`_temporary_name` gives: hidden, with the pid and the random token of
the process that wrote it."""


def sweep(folders: Iterable[Path]) -> list[Path]:
    """Remove the temporary files that dead processes left in ``folders`` (not in their
    subfolders); return them.

    A file whose process still runs belongs to a run in progress and is left alone, as is
    any other name; a file that cannot be removed stays (this is tidying, never a reason
    for a run to fail).
    """
    removed = []
    for folder in folders:
        try:
            names = os.listdir(folder)
        except OSError:  # no such folder yet, or not one
            continue
        for name in names:
            match = _LEFTOVER.fullmatch(name)
            if match is None or _running(int(match[1]), match[2]):
                continue
            path = Path(folder, name)
            try:
                path.unlink()
            except OSError:
                continue
            removed.append(path)
    return removed


def _running(pid: int, token: str) -> bool:
    """Whether the process that named a temporary file with ``pid`` and ``token`` runs."""
    if pid == os.getpid():  # this process, or one that had its pid before
        return _TOKEN.get(pid) == token
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    except (OverflowError, ValueError):  # not a pid this system can have
        return False
    # a zombie still answers signals: a worker of a killed build that nobody reaped yet
    # (in a container, the first process may reap late or never) runs no more
    return _process_state(pid) not in ("Z", "X")


def _process_state(pid: int) -> str | None:
    """The state letter of ``pid`` in ``/proc`` (R, S, Z...), None where it cannot be read."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            stat = handle.read()
    except OSError:
        return None
    # "pid (command) S ...": the command may hold spaces and parentheses
    return stat[stat.rfind(b")") + 2 :][:1].decode("ascii", "replace") or None


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
