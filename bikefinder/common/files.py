"""Atomic file writes, shared by the favourites store, the feed cache and the catalog.

A write goes to a temporary ``.<name>.<random>.tmp`` beside its target, then is renamed
over it. Such a temporary file never outlives its write when it can be helped: any
error removes it, and so does ``SIGTERM``/``SIGHUP`` arriving during a write on the main
thread (the signal then does what it would have done). What cannot be helped
(``SIGKILL``, power loss) is swept up later: temporary files older than
``STALE_TEMP_AGE_S`` are removed by the next write of the same file, and by
:func:`sweep_stale_temps` at start-up.
"""

from __future__ import annotations

import errno
import os
import stat
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from types import FrameType
from typing import Any

#: A temporary file this old belongs to no write in progress (each takes milliseconds).
STALE_TEMP_AGE_S = 60.0
#: Signals whose default action ends the process without running ``finally`` blocks
#: (their names: :mod:`signal` is imported by the first write, not by every reader).
_CLEANUP_SIGNAL_NAMES = ("SIGTERM", "SIGHUP")
#: Temporary files of the writes in progress, in any thread.
_live_temps: set[str] = set()


def temp_pattern(name: str) -> str:
    """The glob matching the temporary files of a write to a file called ``name``."""
    return f".{name}.*.tmp"


def write_atomic(path: Path, data: bytes, *, durable: bool = True) -> None:
    """Replace ``path`` with ``data`` so readers see the old file or the new, never half.

    Writes a temporary file in the same directory, then renames it over ``path``. When
    ``path`` is a symbolic link (dotfiles repositories link ``favourites.json``), the
    write goes through it: the link stays, its target is replaced, atomically in the
    target's directory. With ``durable`` (files the user would miss, like favourites)
    the data and the rename are fsynced; caches skip that. On any error (or a
    ``SIGTERM`` during the write) the temporary file is removed and the target is left
    as it was.
    """
    target = resolve_links(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    sweep_stale_temps(target.parent, target.name)
    with _removed_on_signal() as live:
        temp_name, fd = _create_temp(target, live)
        try:
            try:
                write_fully(fd, data)
                if durable:
                    os.fsync(fd)
            finally:
                os.close(fd)
            os.replace(temp_name, target)
        except BaseException:
            with suppress(OSError):
                os.unlink(temp_name)
            raise
        finally:
            live.discard(temp_name)
    if durable:
        _fsync_directory(target.parent)


def resolve_links(path: Path) -> Path:
    """Where a write to ``path`` must land: the final target of a symbolic link (even a
    dangling one: the target is created), else ``path`` itself."""
    if not path.is_symlink():
        return path
    return Path(os.path.realpath(path))


def sweep_stale_temps(
    directory: Path, name: str | None = None, *, older_than_s: float = STALE_TEMP_AGE_S
) -> int:
    """Remove the writer's temporary files in ``directory`` (those of ``name``, or of any
    file) left over by a killed process; only ones older than ``older_than_s``, so a
    write in progress in another instance is never disturbed. Returns how many went."""
    pattern = temp_pattern(name) if name is not None else temp_pattern("*")
    cutoff = time.time() - older_than_s
    removed = 0
    try:
        candidates = list(directory.glob(pattern))
    except OSError:
        return 0
    for candidate in candidates:
        with suppress(OSError):
            if candidate.lstat().st_mtime < cutoff and not candidate.is_dir():
                candidate.unlink()
                removed += 1
    return removed


def _create_temp(target: Path, live: set[str]) -> tuple[str, int]:
    """A new temporary file beside ``target``, registered in ``live`` *before* it exists
    (so a signal at any moment finds it)."""
    for _ in range(100):
        temp_name = str(target.with_name(f".{target.name}.{os.urandom(4).hex()}.tmp"))
        live.add(temp_name)
        try:
            return temp_name, os.open(temp_name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            live.discard(temp_name)
        except BaseException:
            live.discard(temp_name)
            raise
    raise FileExistsError(f"no free temporary name beside {target.name}")


@contextmanager
def _removed_on_signal() -> Iterator[set[str]]:
    """While a write runs, make ``SIGTERM``/``SIGHUP`` with their default action (ending
    the process) remove the temporary files of the writes in progress first, then end the
    process by the same signal. A handler the program installed is left to do its work.

    Python runs signal handlers on the main thread only, so handlers are swapped only
    there; writes on other threads rely on the main thread's handler, if any, and on
    :func:`sweep_stale_temps`.
    """
    if threading.current_thread() is not threading.main_thread():
        yield _live_temps
        return
    import signal

    previous: dict[int, Any] = {}
    try:
        for signum in (
            getattr(signal, name) for name in _CLEANUP_SIGNAL_NAMES if hasattr(signal, name)
        ):
            handler = signal.getsignal(signum)
            if handler is not signal.SIG_DFL:
                continue
            previous[signum] = handler
            signal.signal(signum, _remove_temps_then_die)
    except (ValueError, OSError):  # not allowed here (e.g. an embedded interpreter)
        pass
    try:
        yield _live_temps
    finally:
        for signum, handler in previous.items():
            with suppress(ValueError, OSError):
                signal.signal(signum, handler)


def _remove_temps_then_die(signum: int, frame: FrameType | None) -> None:
    """Remove the writes' temporary files, then end the process by ``signum`` as its
    default action would have (exit status ``-signum``)."""
    import signal

    for temp_name in list(_live_temps):
        with suppress(OSError):
            os.unlink(temp_name)
    _live_temps.clear()
    signal.signal(signum, signal.SIG_DFL)
    os.kill(os.getpid(), signum)


class NotRegularFile(OSError):
    """A path that is a FIFO, a device, a socket or a directory, not a file to read."""


class FileTooLarge(OSError):
    """A file larger than its reader accepts."""


def read_head(path: Path, limit: int) -> bytes:
    """At most ``limit`` bytes of the regular file ``path``.

    Anything else is refused with :class:`NotRegularFile` before a byte is read: a FIFO
    would block every run, ``/dev/zero`` never ends. The file is opened without
    blocking, so even a FIFO with no writer is refused at once.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    fd = os.open(path, flags)
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(path))
        if not stat.S_ISREG(mode):
            raise NotRegularFile(errno.EINVAL, "not a regular file", str(path))
        chunks: list[bytes] = []
        remaining = limit
        while remaining > 0:
            chunk = os.read(fd, min(remaining, 2**20))
            if not chunk:
                break
            chunks.append(chunk)
            remaining -= len(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def read_regular(path: Path, max_bytes: int) -> bytes:
    """The whole regular file ``path``; :class:`FileTooLarge` beyond ``max_bytes`` and
    :class:`NotRegularFile` for anything but a file (see :func:`read_head`)."""
    data = read_head(path, max_bytes + 1)
    if len(data) > max_bytes:
        shown = f"{max_bytes / 2**20:g} MB" if max_bytes >= 2**20 else f"{max_bytes:,} bytes"
        raise FileTooLarge(errno.EFBIG, f"larger than {shown}", str(path))
    return data


def read_json(path: Path, max_bytes: int) -> Any:
    """The JSON document in the regular file ``path``. Raises :class:`OSError` (as
    :func:`read_regular`) or :class:`ValueError` for a body that is not JSON, not UTF-8
    or nested too deeply to decode."""
    import json

    raw = read_regular(path, max_bytes)
    try:
        return json.loads(raw)
    except RecursionError:
        raise ValueError("not valid JSON (nested too deeply)") from None


def write_fully(fd: int, data: bytes) -> None:
    """Write all of ``data`` to ``fd``, however many partial writes the OS makes of it."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _fsync_directory(directory: Path) -> None:
    """Make the rename itself durable (best effort: not every platform allows it)."""
    with suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
