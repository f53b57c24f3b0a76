"""The atomic writer and real-world file layouts.

- 5: a ``SIGTERM`` during a write leaves no ``.<name>.*.tmp`` behind (real processes,
  killed mid-write); what ``SIGKILL`` leaves is swept at start-up once it is stale.
- 15: a symlinked ``favourites.json`` (dotfiles repositories) stays a link; writes go
  through it to its target, atomically in the target's directory.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bikefinder.common import files as files_module
from bikefinder.common.files import sweep_stale_temps, temp_pattern, write_atomic
from bikefinder.rider.favourites import Favourite, FavouritesStore


def favourite(station_id: str = "1", name: str = "Alpha") -> Favourite:
    return Favourite(
        gbfs_url="http://127.0.0.1/gbfs.json",
        system_id="sys",
        system_name="System",
        station_id=station_id,
        name=name,
        added_at="2026-01-01T00:00:00Z",
    )


def temps(directory: Path) -> list[Path]:
    return sorted(directory.glob(".*.tmp"))


# -- 15: symbolic links ------------------------------------------------------------


@pytest.fixture
def linked(tmp_path: Path) -> tuple[Path, Path]:
    """``data/favourites.json`` -> ``../dotfiles/bikefinder/favourites.json`` (relative)."""
    target = tmp_path / "dotfiles" / "bikefinder" / "favourites.json"
    target.parent.mkdir(parents=True)
    FavouritesStore(target).add(favourite("0", "Before"))
    link = tmp_path / "data" / "favourites.json"
    link.parent.mkdir()
    link.symlink_to(os.path.relpath(target, link.parent))
    return link, target


def test_a_symlinked_favourites_file_is_written_through_the_link(linked) -> None:
    link, target = linked
    store = FavouritesStore(link)
    assert [f.name for f in store.load()] == ["Before"]
    store.add(favourite("1", "Alpha"))
    assert link.is_symlink(), "the link was replaced by a regular file"
    assert [f["name"] for f in json.loads(target.read_bytes())["favourites"]] == [
        "Before",
        "Alpha",
    ]
    assert temps(link.parent) == [] and temps(target.parent) == []
    assert [f.name for f in FavouritesStore(link).load()] == ["Before", "Alpha"]


def test_a_chain_of_links_and_a_dangling_link(tmp_path: Path) -> None:
    target = tmp_path / "real" / "favourites.json"  # does not exist yet
    middle = tmp_path / "middle.json"
    middle.symlink_to(target)
    link = tmp_path / "data" / "favourites.json"
    link.parent.mkdir()
    link.symlink_to(middle)
    FavouritesStore(link).add(favourite())
    assert link.is_symlink() and middle.is_symlink()
    assert json.loads(target.read_bytes())["favourites"][0]["station_id"] == "1"


def test_a_bad_linked_file_is_moved_aside_beside_its_target(linked) -> None:
    link, target = linked
    target.write_bytes(b"{not json")
    store = FavouritesStore(link)
    store.add(favourite("1", "Alpha"))
    assert link.is_symlink()
    asides = list(target.parent.glob("favourites.json.corrupt-*"))
    assert len(asides) == 1 and asides[0].read_bytes() == b"{not json"
    assert [f.name for f in FavouritesStore(link).load()] == ["Alpha"]


def test_write_atomic_through_a_link_used_by_the_cache(tmp_path: Path) -> None:
    target = tmp_path / "elsewhere" / "feed.json"
    target.parent.mkdir()
    target.write_bytes(b"old")
    link = tmp_path / "feed.json"
    link.symlink_to(target)
    write_atomic(link, b"new", durable=False)
    assert link.is_symlink() and target.read_bytes() == b"new"


# -- 5: temporary files and signals ------------------------------------------------

_WRITER = """
import sys
from pathlib import Path
from bikefinder.common.files import write_atomic
path = Path(sys.argv[1])
data = b"x" * int(sys.argv[2])
write_atomic(path, b"first", durable=False)
print("ready", flush=True)
while True:
    write_atomic(path, data, durable=False)
"""


def _start_writer(path: Path, size: int) -> subprocess.Popen[str]:
    process = subprocess.Popen(
        [sys.executable, "-c", _WRITER, str(path), str(size)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).parent.parent,
    )
    assert process.stdout is not None
    assert process.stdout.readline() == "ready\n"
    return process


def test_sigterm_during_writes_leaves_no_temporary_file(tmp_path: Path) -> None:
    """15 real processes, each killed by SIGTERM at a random moment of its write loop
    (writes of 8 MB: most of the time is spent inside a write)."""
    path = tmp_path / "favourites.json"
    rng = random.Random(13)
    left = 0
    for _ in range(15):
        process = _start_writer(path, 8_000_000)
        time.sleep(rng.uniform(0.02, 0.3))
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == -signal.SIGTERM  # still ended by the signal
        left += len(temps(tmp_path))
        assert path.read_bytes() in (b"first", b"x" * 8_000_000)  # old or new, never half
    assert left == 0, f"{left} temporary files left by 15 SIGTERMs"


def test_sigkill_leftovers_are_swept_at_start_up_once_stale(tmp_path: Path) -> None:
    path = tmp_path / "favourites.json"
    process = _start_writer(path, 8_000_000)
    deadline = time.monotonic() + 20
    while not temps(tmp_path) and time.monotonic() < deadline:
        time.sleep(0.001)
    process.kill()
    process.wait(timeout=30)
    leftovers = temps(tmp_path)
    assert leftovers, "SIGKILL landed between writes; nothing to sweep"
    young = tmp_path / ".favourites.json.inflight.tmp"  # another instance's live write
    young.write_bytes(b"")
    other = tmp_path / ".other.json.abcd1234.tmp"
    other.write_bytes(b"")
    old = time.time() - 120
    for stale in [*leftovers, other]:
        os.utime(stale, (old, old))
    path.write_bytes(b'{"version": 1, "favourites": []}')
    FavouritesStore(path).load()
    assert temps(tmp_path) == sorted([young, other])  # only this file's stale temps go
    assert sweep_stale_temps(tmp_path) == 1  # the cache's sweep: any name, stale only
    assert temps(tmp_path) == [young]


def test_a_write_sweeps_its_own_stale_temporary_files(tmp_path: Path) -> None:
    path = tmp_path / "station_status.json"
    stale = tmp_path / ".station_status.json.deadbeef.tmp"
    stale.write_bytes(b"half")
    os.utime(stale, (time.time() - 120, time.time() - 120))
    write_atomic(path, b"{}", durable=False)
    assert temps(tmp_path) == []
    assert path.match("station_status.json") and stale.match(temp_pattern(path.name))


def test_a_program_handler_for_sigterm_is_kept_and_the_write_completes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[int] = []
    real_write = files_module.write_fully

    def write_then_signal(fd: int, data: bytes) -> None:
        real_write(fd, data[:10])
        os.kill(os.getpid(), signal.SIGTERM)
        real_write(fd, data[10:])

    monkeypatch.setattr(files_module, "write_fully", write_then_signal)
    previous = signal.signal(signal.SIGTERM, lambda signum, frame: seen.append(signum))
    try:
        mine = signal.getsignal(signal.SIGTERM)
        write_atomic(tmp_path / "f.json", b"0123456789abcdef")
        assert signal.getsignal(signal.SIGTERM) is mine
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert seen == [signal.SIGTERM]
    assert (tmp_path / "f.json").read_bytes() == b"0123456789abcdef"
    assert temps(tmp_path) == []


def test_default_handlers_are_restored_after_a_write(tmp_path: Path) -> None:
    before = signal.getsignal(signal.SIGTERM)
    write_atomic(tmp_path / "f.json", b"{}")
    assert signal.getsignal(signal.SIGTERM) == before
