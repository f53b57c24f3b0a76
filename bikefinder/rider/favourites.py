"""Favourite stations in a small versioned JSON file that no crash, race or bad file destroys.

The file (``favourites_path()`` unless told otherwise) looks like::

    {"version": 1, "favourites": [{"gbfs_url": ..., "system_id": ..., "system_name": ...,
                                   "station_id": ..., "name": ..., "added_at": ...,
                                   "watch": {"kind": "bikes", "at_least": 2}}]}

``watch`` (see :mod:`bikefinder.rider.watches`) is optional: files without it load
unchanged, and a favourite without a watch is written without the key.

A favourite is identified by ``(gbfs_url, station_id)``, so stations of several systems
live side by side. What the store promises:

- Writes are atomic (temp file in the same directory, fsync, ``os.replace``): a failed
  write (disk full, permissions, a directory in the way) leaves the old file intact.
- Every change re-reads the file under an exclusive lock (``flock`` on a sibling
  ``.lock`` file) and applies just that change, so two running instances never lose
  each other's changes.
- A file that cannot be understood (empty, truncated, not JSON, unknown schema,
  unreadable) is moved aside to ``favourites.json.corrupt-<time>`` with a notice, never
  overwritten; valid entries of a partly bad file are kept.
- A file from a newer bikefinder (higher schema version) is never overwritten.
- A change that could not be saved stays in memory and is retried with the next one.

Problems never raise: they become one-line :attr:`FavouritesStore.notices`.
"""

from __future__ import annotations

import errno
import json
import os
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import msgspec

from bikefinder.common.files import resolve_links, sweep_stale_temps, write_atomic
from bikefinder.common.paths import favourites_path
from bikefinder.common.phrases import Phrase, phrase, plural_phrase
from bikefinder.feeds.demo import DEMO_GBFS_URL, DEMO_LIVE_GBFS_URL
from bikefinder.rider.watches import Watch

if TYPE_CHECKING:
    from bikefinder.feeds.models import Station
    from bikefinder.feeds.snapshot import Snapshot

try:  # POSIX only; elsewhere the store works without inter-process locking.
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

SCHEMA_VERSION = 1
#: A favourites file is a few kB; anything this big is not ours. The same limit holds
#: for what the store writes (see :func:`fits`): it never writes a file it would refuse.
MAX_FILE_BYTES = 16 * 1024 * 1024
#: Files up to this size are indented for people to read and diff; larger ones are
#: compact (and rendered by json's fast C encoder, which indenting turns off).
PRETTY_MAX_BYTES = 256 * 1024
#: How long to wait for another instance to finish its write (each takes milliseconds).
LOCK_TIMEOUT_S = 5.0
_LOCK_POLL_S = 0.005
_FIELDS = ("gbfs_url", "system_id", "system_name", "station_id", "name", "added_at")
_REQUIRED = ("gbfs_url", "station_id")

Key = tuple[str, str]


class Favourite(msgspec.Struct, frozen=True):
    """One favourite station, with enough context to name it without loading its system."""

    gbfs_url: str
    system_id: str
    system_name: str
    station_id: str
    name: str
    added_at: str  # ISO-8601
    #: Notify when this station reaches a count (``None``: no watch).
    watch: Watch | None = None

    @property
    def key(self) -> Key:
        """The identity of a favourite: which system, which station."""
        return (self.gbfs_url, self.station_id)

    def to_record(self) -> dict[str, Any]:
        record: dict[str, Any] = {
            "gbfs_url": self.gbfs_url,
            "system_id": self.system_id,
            "system_name": self.system_name,
            "station_id": self.station_id,
            "name": self.name,
            "added_at": self.added_at,
        }
        if self.watch is not None:
            record["watch"] = self.watch.to_record()
        return record

    @classmethod
    def from_record(cls, record: Any) -> Favourite | None:
        """A favourite from its JSON object, or ``None`` if the object is not a valid one.

        ``gbfs_url`` and ``station_id`` must be non-empty strings; the other fields must be
        strings when present (missing ones become ``""``); unknown keys are ignored. An
        invalid ``watch`` is dropped (see :func:`has_bad_watch`), the favourite kept.
        """
        if not isinstance(record, dict):
            return None
        values = {name: record.get(name, "") for name in _FIELDS}
        if not all(isinstance(value, str) for value in values.values()):
            return None
        if not all(values[name].strip() for name in _REQUIRED):
            return None
        return cls(**values, watch=Watch.from_record(record.get("watch")))


def has_bad_watch(record: Any) -> bool:
    """Whether a favourite's JSON object has a ``watch`` that is not a valid one."""
    watch = record.get("watch") if isinstance(record, dict) else None
    return watch is not None and Watch.from_record(watch) is None


class _Change(msgspec.Struct, frozen=True):
    """One add (``favourite`` set) or remove (``favourite`` is ``None``) of ``key``; with
    ``set_watch``, the watch of ``key`` becomes ``favourite.watch`` (adding the favourite
    if it is missing and the watch is not ``None``)."""

    key: Key
    favourite: Favourite | None
    set_watch: bool = False


class _Parsed(msgspec.Struct):
    """What a favourites file's bytes turned out to hold."""

    favourites: list[Favourite] = msgspec.field(default_factory=list)
    skipped: int = 0
    bad_watches: int = 0  # favourites kept, their invalid watch dropped
    problem: Phrase | None = None  # why the whole file is unusable
    newer_version: int | None = None


class _DiskState(msgspec.Struct):
    """The file as read for one load or change."""

    favourites: list[Favourite]
    writable: bool = True  # False: the file must not be replaced (see the notices)
    complete: bool = True  # False: the file's entries are not (all) known
    salvaged: bool = False  # a partly bad file was moved aside: write the good entries back


def fits(raw: bytes) -> bool:
    """Whether a favourites file of these bytes is small enough to be read back."""
    return len(raw) <= MAX_FILE_BYTES


def parse_favourites(raw: bytes) -> _Parsed:
    """Decode a favourites file, saying precisely what is wrong with a bad one."""
    if not fits(raw):
        return _Parsed(
            problem=phrase("larger than {megabytes} MB", megabytes=MAX_FILE_BYTES // 2**20)
        )
    if not raw.strip():
        return _Parsed(problem=phrase("empty"))
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return _Parsed(problem=phrase("not UTF-8 text"))
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        truncated = exc.pos >= len(text.rstrip()) or exc.msg.startswith("Unterminated")
        where = {"detail": exc.msg, "position": exc.pos}
        if truncated:
            return _Parsed(
                problem=phrase("truncated JSON ({detail} at character {position})", **where)
            )
        return _Parsed(problem=phrase("not valid JSON ({detail} at character {position})", **where))
    except RecursionError:
        return _Parsed(problem=phrase("not valid JSON (nested too deeply)"))
    if not isinstance(document, dict):
        return _Parsed(problem=phrase("not a JSON object"))
    version = document.get("version")
    if version is None:
        return _Parsed(problem=phrase("no schema version"))
    if not isinstance(version, int) or isinstance(version, bool):
        return _Parsed(
            problem=phrase(
                "schema version {version} is not a whole number", version=repr(str(version)[:20])
            )
        )
    records = document.get("favourites")
    if version > SCHEMA_VERSION:
        # Best effort: show what a newer bikefinder stored, but never rewrite it.
        parsed = _parse_records(records if isinstance(records, list) else [])
        return _Parsed(favourites=parsed.favourites, newer_version=version)
    if version != SCHEMA_VERSION:
        return _Parsed(problem=phrase("unknown schema version {version}", version=version))
    if not isinstance(records, list):
        return _Parsed(problem=phrase("'favourites' is not a list"))
    return _parse_records(records)


def _parse_records(records: list[Any]) -> _Parsed:
    by_key: dict[Key, Favourite] = {}
    skipped = bad_watches = 0
    for record in records:
        favourite = Favourite.from_record(record)
        if favourite is None:
            skipped += 1
        else:
            bad_watches += has_bad_watch(record)
            by_key.setdefault(favourite.key, favourite)
    return _Parsed(favourites=list(by_key.values()), skipped=skipped, bad_watches=bad_watches)


def render_favourites(favourites: Iterable[Favourite]) -> bytes:
    """The file's bytes for ``favourites`` (UTF-8, schema version included): indented
    while small (up to ``PRETTY_MAX_BYTES``), compact beyond, so that the file does not
    grow by a third on its first rewrite."""
    document = {
        "version": SCHEMA_VERSION,
        "favourites": [favourite.to_record() for favourite in favourites],
    }
    compact = (json.dumps(document, ensure_ascii=False) + "\n").encode("utf-8")
    if len(compact) > PRETTY_MAX_BYTES // 2:  # indenting adds about half again
        return compact
    pretty = (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    return pretty if len(pretty) <= PRETTY_MAX_BYTES else compact


def _read_bytes(path: Path) -> bytes:
    """At most ``MAX_FILE_BYTES + 1`` bytes of ``path``: enough to tell a file that is too
    big without reading all of it."""
    from bikefinder.common.files import read_head

    return read_head(path, MAX_FILE_BYTES + 1)  # a FIFO or a device is refused, not read


def _cause(exc: OSError) -> str:
    if isinstance(exc, TimeoutError) and not exc.errno:
        return str(exc)
    return (exc.strerror or str(exc) or type(exc).__name__).lower().rstrip(".")


def _changes(changes: Sequence[object]) -> Phrase:
    """ "1 change", "3 changes"."""
    return plural_phrase("{count} change", "{count} changes", len(changes))


class FavouritesStore:
    """The favourites file plus an in-memory copy that the UI reads without any I/O."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path if path is not None else favourites_path()
        #: Human one-liners about anything that went wrong (newest last); see take_notices().
        self.notices: list[Phrase] = []
        self._favourites: list[Favourite] = []
        self._by_key: dict[Key, Favourite] = {}  # the same favourites, for O(1) look-ups
        # The file as this store last read or wrote it: unchanged bytes are not parsed again.
        self._disk_bytes: bytes | None = None
        self._disk_favourites: list[Favourite] = []
        self._unsaved: list[_Change] = []  # changes not yet on disk, oldest first
        self._loaded = False

    # -- reading the in-memory copy ------------------------------------------------

    def load(self) -> list[Favourite]:
        """Read the file (moving a bad one aside); never raises. Unsaved changes stay applied."""
        self._sync([])
        return self.all()

    def all(self) -> list[Favourite]:
        self._ensure_loaded()
        return list(self._favourites)

    def for_system(self, gbfs_url: str) -> list[Favourite]:
        return [favourite for favourite in self.all() if favourite.gbfs_url == gbfs_url]

    def is_favourite(self, gbfs_url: str, station_id: str) -> bool:
        return self.get(gbfs_url, station_id) is not None

    def get(self, gbfs_url: str, station_id: str) -> Favourite | None:
        """The favourite ``(gbfs_url, station_id)`` (with its watch), if there is one."""
        self._ensure_loaded()
        return self._by_key.get((gbfs_url, station_id))

    def take_notices(self) -> list[Phrase]:
        """The notices so far, clearing them (so the UI shows each one once)."""
        notices, self.notices = self.notices, []
        return notices

    # -- changes -------------------------------------------------------------------

    def toggle(self, favourite: Favourite) -> bool:
        """Add ``favourite``, or remove it if it is one already; True if it is one now."""
        if self.is_favourite(*favourite.key):
            self.remove(*favourite.key)
        else:
            self.add(favourite)
        return self.is_favourite(*favourite.key)

    def add(self, favourite: Favourite) -> None:
        """Add and save ``favourite`` (a station already there keeps its original entry)."""
        self._sync([_Change(favourite.key, favourite)])

    def remove(self, gbfs_url: str, station_id: str) -> None:
        """Remove and save the favourite ``(gbfs_url, station_id)``, if there is one."""
        self._sync([_Change((gbfs_url, station_id), None)])

    def set_watch(self, favourite: Favourite, watch: Watch | None) -> None:
        """Give ``favourite`` this watch and save; a station that is no favourite yet
        becomes one (unless ``watch`` is ``None``: removing a watch keeps the favourite)."""
        self._sync(
            [
                _Change(
                    favourite.key, msgspec.structs.replace(favourite, watch=watch), set_watch=True
                )
            ]
        )

    # -- the file ------------------------------------------------------------------

    def _ensure_loaded(self) -> None:
        if not self._loaded:
            self._sync([])

    def _notice(self, message: Phrase) -> None:
        if message not in self.notices:
            self.notices.append(message)

    def _sync(self, new_changes: list[_Change]) -> None:
        """Re-read the file under the lock, apply the unsaved and new changes, write if needed.

        The changes are applied to what is on disk *now* (not to the copy read earlier),
        which is what keeps concurrent instances from undoing each other's changes.
        """
        changes = self._unsaved + new_changes
        if not self._loaded:  # start-up: temporary files of writes killed mid-way
            target = resolve_links(self.path)
            sweep_stale_temps(target.parent, target.name)
        # Apply to the in-memory copy first, so nothing is lost whatever happens below.
        result = _apply(self._favourites, new_changes)
        self._set_favourites(result)
        try:
            if changes:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            with self._locked():
                disk = self._read()
                base = disk.favourites
                if not disk.complete:  # don't let a bad file make us forget what we knew
                    base = _apply(base, [_Change(f.key, f) for f in self._favourites])
                if disk.salvaged:  # write the good entries back (and retry that if need be)
                    changes = [_Change(f.key, f) for f in disk.favourites] + changes
                result = _apply(base, changes)
                data = render_favourites(result) if changes and disk.writable else b""
                if changes and not fits(data):
                    self._notice(
                        phrase(
                            "favourites are not saved to {path}: the file would be larger "
                            "than {megabytes} MB; {changes} kept in memory only",
                            path=self.path,
                            megabytes=MAX_FILE_BYTES // 2**20,
                            changes=_changes(changes),
                        )
                    )
                elif changes and disk.writable:
                    write_atomic(self.path, data)
                    self._remember_disk(data, result)
                    changes = []
                elif changes:
                    self._notice(
                        phrase(
                            "favourites are not saved to {path}: {changes} kept in memory only",
                            path=self.path,
                            changes=_changes(changes),
                        )
                    )
        except OSError as exc:
            if changes:
                self._notice(
                    phrase(
                        "could not save favourites to {path} ({cause}); {changes} kept in "
                        "memory, retried on the next change",
                        path=self.path,
                        cause=_cause(exc),
                        changes=_changes(changes),
                    )
                )
            else:
                self._notice(
                    phrase(
                        "could not read favourites from {path} ({cause})",
                        path=self.path,
                        cause=_cause(exc),
                    )
                )
        self._unsaved = changes
        self._set_favourites(result)
        self._loaded = True

    def _set_favourites(self, favourites: list[Favourite]) -> None:
        self._favourites = favourites
        self._by_key = {favourite.key: favourite for favourite in favourites}

    @contextmanager
    def _locked(self) -> Iterator[None]:
        """Hold an exclusive lock on the sibling ``.lock`` file for one read-change-write.

        Where no lock can be had (no fcntl, no directory yet, a read-only directory, a file
        system without flock) this degrades to no lock; only a lock held by another
        instance for longer than ``LOCK_TIMEOUT_S`` raises (``TimeoutError``).
        """
        lock_path = self.path.with_name(self.path.name + ".lock")
        if fcntl is None:  # pragma: no cover - Windows
            yield
            return
        try:
            fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError:
            yield
            return
        try:
            deadline = time.monotonic() + LOCK_TIMEOUT_S
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        raise TimeoutError(
                            f"another bikefinder held {lock_path.name} for {LOCK_TIMEOUT_S:.0f} s"
                        ) from None
                    time.sleep(_LOCK_POLL_S)
                except OSError:
                    break  # e.g. ENOLCK on some network file systems: carry on unlocked
            yield
        finally:
            os.close(fd)  # releases the lock

    def _read(self) -> _DiskState:
        """The file's favourites; a bad file is moved aside (with a notice), never dropped."""
        try:
            raw = _read_bytes(self.path)
        except FileNotFoundError:
            return _DiskState([])
        except (IsADirectoryError, NotADirectoryError) as exc:
            self._notice(
                phrase(
                    "cannot use favourites file {path} ({cause}): something is in the way; "
                    "favourites are kept in memory only",
                    path=self.path,
                    cause=_cause(exc),
                )
            )
            return _DiskState([], writable=False, complete=False)
        except OSError as exc:
            return self._set_aside(phrase("unreadable ({cause})", cause=_cause(exc)), _Parsed())
        if raw == self._disk_bytes:  # as this store left it: skip the parse (10k entries)
            return _DiskState(list(self._disk_favourites))
        parsed = parse_favourites(raw)
        if parsed.newer_version is not None:
            self._notice(
                phrase(
                    "favourites file {path} is from a newer bikefinder (schema version "
                    "{version}); it is left untouched and changes are kept in memory",
                    path=self.path,
                    version=parsed.newer_version,
                )
            )
            return _DiskState(parsed.favourites, writable=False, complete=False)
        if parsed.problem is not None:
            return self._set_aside(parsed.problem, parsed)
        if parsed.skipped or parsed.bad_watches:
            return self._set_aside("", parsed)
        self._remember_disk(raw, parsed.favourites)
        return _DiskState(parsed.favourites)

    def _remember_disk(self, raw: bytes, favourites: list[Favourite]) -> None:
        self._disk_bytes = raw
        self._disk_favourites = list(favourites)

    def _set_aside(self, problem: str, parsed: _Parsed) -> _DiskState:
        """Move the bad file aside (under the lock) so that it can be replaced safely."""
        try:
            aside = self._move_aside()
        except OSError as exc:
            self._notice(
                phrase(
                    "favourites file {path} is {problem} and could not be moved aside "
                    "({cause}); it is left untouched and changes are kept in memory",
                    path=self.path,
                    problem=problem or phrase("partly invalid"),
                    cause=_cause(exc),
                )
            )
            return _DiskState(parsed.favourites, writable=False, complete=False)
        if problem:
            self._notice(
                phrase(
                    "favourites file {path} was {problem}; moved aside to {aside}",
                    path=self.path,
                    problem=problem,
                    aside=aside,
                )
            )
            return _DiskState([], complete=False)
        skipped = plural_phrase("{count} invalid entry", "{count} invalid entries", parsed.skipped)
        values = {"path": self.path, "skipped": skipped, "kept": len(parsed.favourites),
                  "aside": aside}  # fmt: skip
        if parsed.bad_watches:
            watches = plural_phrase(
                "{count} invalid watch", "{count} invalid watches", parsed.bad_watches
            )
            self._notice(
                phrase(
                    "favourites file {path}: skipped {skipped} and kept {kept} (without "
                    "{watches}); the original is saved as {aside}",
                    watches=watches,
                    **values,
                )
            )
        else:
            self._notice(
                phrase(
                    "favourites file {path}: skipped {skipped} and kept {kept}; the original "
                    "is saved as {aside}",
                    **values,
                )
            )
        return _DiskState(parsed.favourites, complete=False, salvaged=True)

    def _move_aside(self) -> Path:
        """Rename the bad file (a symbolic link's target, not the link) to a free
        ``<name>.corrupt-<time>`` beside it."""
        real = resolve_links(self.path)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        for attempt in range(1000):
            suffix = "" if attempt == 0 else f"-{attempt}"
            aside = real.with_name(f"{real.name}.corrupt-{stamp}{suffix}")
            if not aside.exists():
                os.rename(real, aside)
                return aside
        raise OSError(errno.EEXIST, "too many moved-aside copies")


def _apply(favourites: list[Favourite], changes: Iterable[_Change]) -> list[Favourite]:
    """``favourites`` with ``changes`` applied in order (an add of a present key is a no-op)."""
    by_key: dict[Key, Favourite] = {}
    for favourite in favourites:
        by_key.setdefault(favourite.key, favourite)
    for change in changes:
        if change.set_watch and change.favourite is not None:
            present = by_key.get(change.key)
            watch = change.favourite.watch
            if present is not None:
                by_key[change.key] = msgspec.structs.replace(present, watch=watch)
            elif watch is not None:
                by_key[change.key] = change.favourite
        elif change.favourite is None:
            by_key.pop(change.key, None)
        else:
            by_key.setdefault(change.key, change.favourite)
    return list(by_key.values())


def favourites_url(gbfs_url: str) -> str:
    """The system a favourite of ``gbfs_url`` belongs to: the demo's favourites are the
    live Vélib' system's (the demo is a snapshot of it)."""
    return DEMO_LIVE_GBFS_URL if gbfs_url == DEMO_GBFS_URL else gbfs_url


def new_favourite(snapshot: Snapshot, station: Station, now: datetime) -> Favourite:
    """``station`` of ``snapshot``'s system as a new favourite, added ``now`` (stored to
    the second, UTC written with ``Z``); one made in the demo is the live system's."""
    return Favourite(
        gbfs_url=favourites_url(snapshot.gbfs_url),
        system_id=snapshot.system.system_id,
        system_name=snapshot.system.name,
        station_id=station.station_id,
        name=station.info.name,
        added_at=now.isoformat(timespec="seconds").replace("+00:00", "Z"),
    )
