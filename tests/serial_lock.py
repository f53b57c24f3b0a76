"""A ``serial`` test has the machine to itself in a parallel (pytest-xdist) run.

While a test runs, its worker holds a lock file shared; a ``serial`` test (timing bounds,
benchmarks) holds it exclusively, so no other worker runs a test meanwhile. A second lock,
the turnstile, is passed on the way in: a serial test waiting for the machine holds it, so
the other workers cannot keep the machine busy by taking turns with the shared lock.
Without xdist (or without ``fcntl``) nothing is locked: the tests already run one at a time.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

try:  # POSIX only; elsewhere serial tests only lose their exclusivity.
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

#: The key under which the controller hands the lock folder to each worker.
LOCK_DIR_KEY = "bikefinder_serial_lock_dir"


def make_lock_dir() -> str:
    """A fresh folder for one run's two lock files (made by the xdist controller)."""
    return tempfile.mkdtemp(prefix="bikefinder-serial-")


def remove_lock_dir(lock_dir: str) -> None:
    shutil.rmtree(lock_dir, ignore_errors=True)


@contextmanager
def machine_share(lock_dir: str | None, *, serial: bool) -> Iterator[None]:
    """Hold the machine shared (or, for a ``serial`` test, alone) for the ``with`` body."""
    if lock_dir is None or fcntl is None:
        yield
        return
    folder = Path(lock_dir)
    with open(folder / "turnstile", "a+b") as turnstile, open(folder / "machine", "a+b") as machine:
        fcntl.flock(turnstile, fcntl.LOCK_EX)
        try:
            fcntl.flock(machine, fcntl.LOCK_EX if serial else fcntl.LOCK_SH)
        finally:
            fcntl.flock(turnstile, fcntl.LOCK_UN)
        try:
            yield
        finally:
            fcntl.flock(machine, fcntl.LOCK_UN)
