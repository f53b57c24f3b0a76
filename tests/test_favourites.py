"""The favourites store: round trips, and every way a file or a disk can fail (issues 3, 6)."""

from __future__ import annotations

import errno
import fcntl
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bikefinder.common import files as files_module
from bikefinder.rider import favourites as favourites_module
from bikefinder.rider.favourites import (
    Favourite,
    FavouritesStore,
    parse_favourites,
    render_favourites,
)
from bikefinder.rider.watches import Watch, WatchKind

PARIS = "http://127.0.0.1:1/velib/gbfs.json"
OSLO = "http://127.0.0.1:1/oslo/gbfs.json"


def fav(station_id: str, gbfs_url: str = PARIS, name: str | None = None) -> Favourite:
    system = "velib" if gbfs_url == PARIS else "oslo"
    return Favourite(
        gbfs_url=gbfs_url,
        system_id=system,
        system_name=system.title(),
        station_id=station_id,
        name=name or f"Station {station_id}",
        added_at="2025-10-18T09:00:00Z",
    )


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "favourites.json"


def saved(path: Path) -> list[Favourite]:
    """What a fresh instance reads from ``path`` (asserting it reads cleanly)."""
    store = FavouritesStore(path)
    found = store.load()
    assert store.notices == []
    return found


def aside_copies(path: Path) -> list[Path]:
    return sorted(path.parent.glob(path.name + ".corrupt-*"))


def leftovers(path: Path) -> list[Path]:
    """Temp files an interrupted write could leave behind."""
    return sorted(path.parent.glob(".*.tmp"))


# -- normal use --------------------------------------------------------------------


def test_add_remove_round_trip_and_file_format(path: Path) -> None:
    store = FavouritesStore(path)
    assert store.load() == []
    store.add(fav("1"))
    store.add(fav("2"))
    store.add(fav("1", OSLO))
    assert saved(path) == [fav("1"), fav("2"), fav("1", OSLO)]
    document = json.loads(path.read_text("utf-8"))
    assert document["version"] == 1
    assert document["favourites"][0] == {
        "gbfs_url": PARIS,
        "system_id": "velib",
        "system_name": "Velib",
        "station_id": "1",
        "name": "Station 1",
        "added_at": "2025-10-18T09:00:00Z",
    }
    store.remove(PARIS, "1")
    assert saved(path) == [fav("2"), fav("1", OSLO)]
    assert store.notices == [] and leftovers(path) == []


def test_toggle_says_whether_it_is_now_a_favourite_and_persists(path: Path) -> None:
    store = FavouritesStore(path)
    assert store.toggle(fav("7")) is True
    assert store.is_favourite(PARIS, "7") and saved(path) == [fav("7")]
    assert store.toggle(fav("7")) is False
    assert not store.is_favourite(PARIS, "7") and saved(path) == []


def test_same_station_id_in_two_systems_are_two_favourites(path: Path) -> None:
    store = FavouritesStore(path)
    store.add(fav("42"))
    store.add(fav("42", OSLO))
    assert store.for_system(PARIS) == [fav("42")]
    assert store.for_system(OSLO) == [fav("42", OSLO)]
    store.remove(OSLO, "42")
    assert saved(path) == [fav("42")]


def test_adding_a_favourite_twice_keeps_the_first_entry(path: Path) -> None:
    store = FavouritesStore(path)
    store.add(fav("1", name="Old name"))
    store.add(fav("1", name="New name"))
    assert saved(path) == [fav("1", name="Old name")]


def test_literal_names_survive_a_round_trip(path: Path) -> None:
    odd = fav("x", name='[bold red]X[/] \x1b]8;;http://evil\x07é"\\ 🚲')
    FavouritesStore(path).add(odd)
    assert saved(path) == [odd]


def test_record_validation() -> None:
    good = fav("1").to_record()
    assert Favourite.from_record(good) == fav("1")
    assert Favourite.from_record({**good, "future_field": [1]}) == fav("1")
    assert Favourite.from_record({"gbfs_url": PARIS, "station_id": "9"}) == Favourite(
        PARIS, "", "", "9", "", ""
    )
    for bad in (
        None,
        [good],
        "x",
        {**good, "station_id": ""},
        {**good, "station_id": 12},
        {**good, "gbfs_url": "   "},
        {**good, "name": None},
        {key: value for key, value in good.items() if key != "gbfs_url"},
    ):
        assert Favourite.from_record(bad) is None, bad


def test_take_notices_clears_them(path: Path) -> None:
    path.parent.mkdir()
    path.write_bytes(b"garbage")
    store = FavouritesStore(path)
    store.load()
    assert len(store.take_notices()) == 1
    assert store.notices == []


# -- bad files: moved aside, never silently dropped ---------------------------------

VALID = render_favourites([fav("1"), fav("2")])
BAD_FILES = {
    "empty": b"",
    "blank": b" \n\t\n",
    "truncated": VALID[: len(VALID) // 2],
    "not json": b"favourites: 1, 2, 3\n",
    "html": b"<html><body>oops</body></html>",
    "not utf-8": b'{"version": 1, "favourites": [\xff\xfe]}',
    "a list": b"[]",
    "no version": b'{"favourites": []}',
    "string version": b'{"version": "1", "favourites": []}',
    "version zero": b'{"version": 0, "favourites": []}',
    "bool version": b'{"version": true, "favourites": []}',
    "favourites not a list": b'{"version": 1, "favourites": {"a": 1}}',
    "nul bytes": b"\x00" * 64,
    "deeply nested": b"[" * 100_000 + b"]" * 100_000,
}


@pytest.mark.parametrize("content", BAD_FILES.values(), ids=BAD_FILES.keys())
def test_bad_file_is_moved_aside_with_a_notice(path: Path, content: bytes) -> None:
    path.parent.mkdir()
    path.write_bytes(content)
    store = FavouritesStore(path)
    assert store.load() == []
    [aside] = aside_copies(path)
    assert aside.read_bytes() == content  # every byte kept for the user to recover
    assert not path.exists()
    [notice] = store.notices
    assert str(path) in notice and "moved aside" in notice and str(aside) in notice
    store.add(fav("3"))  # and the store works on, with a fresh file
    assert saved(path) == [fav("3")]
    assert aside.read_bytes() == content


def test_notice_says_what_is_wrong(path: Path) -> None:
    path.parent.mkdir()
    path.write_bytes(VALID[:-20])
    store = FavouritesStore(path)
    store.load()
    assert "truncated JSON" in store.notices[0]


def test_oversized_file_is_moved_aside(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(favourites_module, "MAX_FILE_BYTES", 100)
    path.parent.mkdir()
    path.write_bytes(VALID)
    store = FavouritesStore(path)
    assert store.load() == []
    assert "larger than" in store.notices[0]
    assert aside_copies(path)[0].read_bytes() == VALID


def test_bad_entries_are_skipped_and_counted_good_ones_kept(path: Path) -> None:
    records = [
        fav("1").to_record(),
        {"station_id": "no-url"},
        fav("2", OSLO).to_record(),
        42,
        {**fav("3").to_record(), "name": ["not", "a", "string"]},
    ]
    content = json.dumps({"version": 1, "favourites": records}).encode()
    path.parent.mkdir()
    path.write_bytes(content)
    store = FavouritesStore(path)
    assert store.load() == [fav("1"), fav("2", OSLO)]
    [notice] = store.notices
    assert "skipped 3 invalid entries and kept 2" in notice
    [aside] = aside_copies(path)
    assert aside.read_bytes() == content and str(aside) in notice
    assert saved(path) == [fav("1"), fav("2", OSLO)]  # the good ones written back, cleanly


def test_two_bad_files_in_the_same_second_get_distinct_copies(path: Path) -> None:
    path.parent.mkdir()
    for content in (b"first", b"second"):
        path.write_bytes(content)
        FavouritesStore(path).load()
    assert sorted(p.read_bytes() for p in aside_copies(path)) == [b"first", b"second"]


def test_file_corrupted_during_a_session_loses_nothing_known(path: Path) -> None:
    store = FavouritesStore(path)
    store.add(fav("1"))
    store.add(fav("2"))
    path.write_bytes(b"{ broken")
    store.add(fav("3"))
    assert saved(path) == [fav("1"), fav("2"), fav("3")]
    assert aside_copies(path)[0].read_bytes() == b"{ broken"


def test_newer_schema_version_is_never_overwritten(path: Path) -> None:
    content = json.dumps(
        {"version": 2, "favourites": [fav("1").to_record()], "groups": {"work": ["1"]}}
    ).encode()
    path.parent.mkdir()
    path.write_bytes(content)
    store = FavouritesStore(path)
    assert store.load() == [fav("1")]  # shown as far as it can be understood
    assert any("newer bikefinder (schema version 2)" in notice for notice in store.notices)
    assert store.toggle(fav("2")) is True  # works on in memory...
    store.remove(PARIS, "1")
    assert store.all() == [fav("2")]
    assert "2 changes kept in memory only" in store.notices[-1]
    assert path.read_bytes() == content  # ...but the file is untouched
    assert aside_copies(path) == [] and leftovers(path) == []


# -- unreadable files, things in the way, full disks --------------------------------


def _deny(*args: object, **kwargs: object) -> bytes:
    raise PermissionError(errno.EACCES, "Permission denied")


def deny_reading(monkeypatch: pytest.MonkeyPatch, path: Path) -> None:
    """Make opening ``path`` fail as an unreadable file does (``chmod 0`` is no fault for
    root, who runs these tests in CI containers); every other file opens as usual."""
    real_open = Path.open

    def open_unless_denied(self: Path, *args: object, **kwargs: object) -> object:
        if self == path:
            _deny()
        return real_open(self, *args, **kwargs)  # type: ignore[arg-type]

    real_os_open = os.open

    def os_open_unless_denied(name: object, *args: object, **kwargs: object) -> int:
        if Path(str(name)) == path:
            _deny()
        return real_os_open(name, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Path, "open", open_unless_denied)
    monkeypatch.setattr(os, "open", os_open_unless_denied)  # the reader opens without blocking


def test_unreadable_file_is_moved_aside(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path.parent.mkdir()
    path.write_bytes(VALID)
    deny_reading(monkeypatch, path)
    store = FavouritesStore(path)
    assert store.load() == []
    assert "unreadable (permission denied)" in store.notices[0]
    assert aside_copies(path)[0].read_bytes() == VALID


def test_unreadable_file_that_cannot_be_moved_is_left_alone(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path.parent.mkdir()
    path.write_bytes(VALID)
    deny_reading(monkeypatch, path)
    monkeypatch.setattr(favourites_module.os, "rename", _deny)  # and it cannot be moved
    store = FavouritesStore(path)
    store.load()
    store.add(fav("9"))
    assert store.all() == [fav("9")]
    monkeypatch.undo()
    assert path.read_bytes() == VALID  # never replaced by a file without its entries
    assert any("could not be moved aside" in notice for notice in store.notices)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_really_unreadable_file(path: Path) -> None:
    path.parent.mkdir()
    path.write_bytes(VALID)
    path.chmod(0)
    store = FavouritesStore(path)
    assert store.load() == []
    assert "permission denied" in store.notices[0]
    aside = aside_copies(path)[0]
    aside.chmod(0o600)
    assert aside.read_bytes() == VALID


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes whatever the mode")
def test_really_read_only_directory(path: Path) -> None:
    path.parent.mkdir()
    path.write_bytes(VALID)
    path.parent.chmod(0o500)
    try:
        store = FavouritesStore(path)
        store.add(fav("3"))
        assert store.all() == [fav("1"), fav("2"), fav("3")]
        assert "permission denied" in store.notices[0]
    finally:
        path.parent.chmod(0o700)
    assert path.read_bytes() == VALID


def test_permission_denied_on_replace_keeps_file_and_memory(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path.parent.mkdir()
    path.write_bytes(VALID)
    monkeypatch.setattr(favourites_module.os, "replace", _deny)
    store = FavouritesStore(path)
    store.add(fav("3"))
    monkeypatch.undo()
    assert store.all() == [fav("1"), fav("2"), fav("3")]
    assert "could not save favourites" in store.notices[0]
    assert "permission denied" in store.notices[0]
    assert path.read_bytes() == VALID and leftovers(path) == []


def test_directory_in_place_of_the_file(path: Path) -> None:
    (path / "something").mkdir(parents=True)
    store = FavouritesStore(path)
    assert store.load() == []
    assert "in the way" in store.notices[0]
    store.add(fav("1"))
    assert store.all() == [fav("1")]
    assert "1 change kept in memory only" in store.notices[-1]
    assert path.is_dir() and (path / "something").is_dir()


def test_file_in_place_of_the_data_directory(tmp_path: Path) -> None:
    (tmp_path / "data").write_bytes(b"not a directory")
    store = FavouritesStore(tmp_path / "data" / "favourites.json")
    assert store.load() == []
    assert "(not a directory): something is in the way" in store.notices[0]
    assert store.toggle(fav("1")) is True
    assert store.all() == [fav("1")]
    assert "could not save favourites" in store.notices[-1]
    assert (tmp_path / "data").read_bytes() == b"not a directory"


def test_disk_full_leaves_the_file_intact_and_retries(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = FavouritesStore(path)
    store.add(fav("1"))
    before = path.read_bytes()
    real_write = files_module.write_fully

    def write_half_then_fill_up(fd: int, data: bytes) -> None:
        real_write(fd, data[: len(data) // 2])
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(files_module, "write_fully", write_half_then_fill_up)
    store.add(fav("2"))
    assert path.read_bytes() == before  # never truncated
    assert leftovers(path) == []  # the half-written temp file is gone
    assert store.all() == [fav("1"), fav("2")]
    (notice,) = store.take_notices()
    assert "no space left on device" in notice and "1 change kept in memory" in notice

    monkeypatch.undo()  # space again: the next change saves the earlier one too
    store.add(fav("3"))
    assert saved(path) == [fav("1"), fav("2"), fav("3")]
    assert store.notices == []  # nothing left unsaved


def test_unsaved_removal_is_retried_too(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = FavouritesStore(path)
    store.add(fav("1"))
    store.add(fav("2"))
    monkeypatch.setattr(favourites_module.os, "replace", _deny)
    store.remove(PARIS, "1")
    monkeypatch.undo()
    store.load()  # a reload keeps the unsaved removal applied, and saves it
    assert store.all() == [fav("2")]
    assert saved(path) == [fav("2")]


# -- several instances --------------------------------------------------------------


def test_two_instances_do_not_undo_each_other(path: Path) -> None:
    first, second = FavouritesStore(path), FavouritesStore(path)
    first.load(), second.load()
    first.add(fav("1"))
    second.add(fav("2"))  # second never saw "1": it must not drop it
    first.add(fav("3"))
    assert saved(path) == [fav("1"), fav("2"), fav("3")]
    second.remove(PARIS, "1")
    first.add(fav("4"))  # first still has "1" in memory: it must not bring it back
    assert saved(path) == [fav("2"), fav("3"), fav("4")]
    assert first.all() == saved(path)  # and each change refreshes the in-memory copy


def test_lock_held_by_another_instance(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(favourites_module, "LOCK_TIMEOUT_S", 0.2)
    store = FavouritesStore(path)
    store.add(fav("1"))
    before = path.read_bytes()
    with open(path.with_name(path.name + ".lock"), "a+b") as lock:
        fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
        started = time.monotonic()
        store.add(fav("2"))
        assert time.monotonic() - started < 2
    assert path.read_bytes() == before
    assert store.all() == [fav("1"), fav("2")]
    assert "held favourites.json.lock" in store.notices[0]
    store.add(fav("3"))  # lock released: everything is saved
    assert saved(path) == [fav("1"), fav("2"), fav("3")]


def test_works_without_fcntl(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(favourites_module, "fcntl", None)
    store = FavouritesStore(path)
    store.add(fav("1"))
    assert saved(path) == [fav("1")] and store.notices == []


WORKER = """
import sys, time
from pathlib import Path
from bikefinder.rider.favourites import Favourite, FavouritesStore
path, worker, count, start_at = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
url = "http://127.0.0.1:1/gbfs.json"
store = FavouritesStore(path)
store.load()
while time.time() < start_at:
    time.sleep(0.001)
for index in range(count):
    store.add(Favourite(url, "s", "S", f"{worker}-{index}", "n", "t"))
    if index % 5 == 4:  # a remove and re-add now and then, of the process's previous station
        store.remove(url, f"{worker}-{index - 1}")
        store.add(Favourite(url, "s", "S", f"{worker}-{index - 1}", "n", "t"))
if store.notices:  # every change left unsaved is said in a notice
    sys.exit(f"worker {worker}: {store.notices}")
"""


def test_concurrent_processes_lose_nothing(path: Path) -> None:
    processes, per_process = 8, 25
    path.parent.mkdir()
    start_at = time.time() + 1.5  # every process imported and waiting before the first write
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, str(path), str(n), str(per_process), str(start_at)],
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(processes)
    ]
    for worker in workers:
        _, stderr = worker.communicate(timeout=120)
        assert worker.returncode == 0, stderr
    station_ids = {favourite.station_id for favourite in saved(path)}
    expected = {f"{n}-{i}" for n in range(processes) for i in range(per_process)}
    assert station_ids == expected
    assert leftovers(path) == [] and aside_copies(path) == []


def test_parse_favourites_reports_newer_version_separately() -> None:
    parsed = parse_favourites(b'{"version": 99, "favourites": "who knows"}')
    assert parsed.newer_version == 99 and parsed.problem is None and parsed.favourites == []


# -- watches: optional, additive, same file rules ---------------------------

BIKES_2 = Watch(WatchKind.BIKES, 2)


def test_old_files_without_watches_load_unchanged_and_stay_watch_free(path: Path) -> None:
    path.parent.mkdir(parents=True)
    old = {"version": 1, "favourites": [fav("1").to_record(), fav("2").to_record()]}
    path.write_text(json.dumps(old))
    assert saved(path) == [fav("1"), fav("2")]
    assert all(f.watch is None for f in saved(path))
    FavouritesStore(path).add(fav("3"))
    records = json.loads(path.read_text("utf-8"))["favourites"]
    assert [sorted(record) for record in records] == [sorted(old["favourites"][0])] * 3
    assert "watch" not in records[0]


def test_set_watch_makes_a_favourite_and_round_trips(path: Path) -> None:
    store = FavouritesStore(path)
    store.set_watch(fav("1"), BIKES_2)
    assert store.get(PARIS, "1") == Favourite(**{**vars_of(fav("1")), "watch": BIKES_2})
    assert store.get(PARIS, "2") is None
    record = json.loads(path.read_text("utf-8"))["favourites"][0]
    assert record["watch"] == {"kind": "bikes", "at_least": 2}
    assert saved(path)[0].watch == BIKES_2
    assert json.loads(path.read_text("utf-8"))["version"] == 1  # additive: same schema


def vars_of(favourite: Favourite) -> dict[str, object]:
    return {name: getattr(favourite, name) for name in Favourite.__slots__}


def test_set_watch_on_a_favourite_keeps_its_entry_and_none_removes_only_the_watch(
    path: Path,
) -> None:
    store = FavouritesStore(path)
    store.add(fav("1", name="Original name"))
    store.set_watch(fav("1", name="Renamed since"), Watch(WatchKind.DOCKS, 4))
    (entry,) = saved(path)
    assert entry.name == "Original name" and entry.watch == Watch(WatchKind.DOCKS, 4)
    store.set_watch(fav("1"), None)
    (entry,) = saved(path)
    assert entry.name == "Original name" and entry.watch is None
    store.set_watch(fav("9"), None)  # removing a watch never adds a favourite
    assert [f.station_id for f in saved(path)] == ["1"]


def test_removing_a_favourite_removes_its_watch(path: Path) -> None:
    store = FavouritesStore(path)
    store.set_watch(fav("1"), BIKES_2)
    assert store.toggle(fav("1")) is False
    assert saved(path) == []
    store.add(fav("1"))
    assert saved(path)[0].watch is None


def test_two_instances_keep_each_others_watches(path: Path) -> None:
    first, second = FavouritesStore(path), FavouritesStore(path)
    first.load()
    second.load()
    first.set_watch(fav("1"), BIKES_2)
    second.set_watch(fav("2"), Watch(WatchKind.EBIKES, 1))
    second.add(fav("3"))
    assert {f.station_id: f.watch for f in saved(path)} == {
        "1": BIKES_2,
        "2": Watch(WatchKind.EBIKES, 1),
        "3": None,
    }


def test_invalid_watch_keeps_the_favourite_and_saves_the_original_aside(path: Path) -> None:
    path.parent.mkdir(parents=True)
    bad = {**fav("1").to_record(), "watch": {"kind": "cars", "at_least": -1}}
    good = {**fav("2").to_record(), "watch": {"kind": "docks", "at_least": 3}}
    original = json.dumps({"version": 1, "favourites": [bad, good]})
    path.write_text(original)
    store = FavouritesStore(path)
    assert [(f.station_id, f.watch) for f in store.load()] == [
        ("1", None),
        ("2", Watch(WatchKind.DOCKS, 3)),
    ]
    (notice,) = store.take_notices()
    assert "without 1 invalid watch" in notice and "saved as" in notice
    (aside,) = aside_copies(path)
    assert aside.read_text() == original  # nothing lost: the original is kept
    assert [(f.station_id, f.watch) for f in saved(path)] == [
        ("1", None),
        ("2", Watch(WatchKind.DOCKS, 3)),
    ]
