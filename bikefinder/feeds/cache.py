"""Per-system cache of fetched feeds in platformdirs' user cache dir.

Each feed is stored as its raw body (``<feed>.json``) plus a small metadata file
(``<feed>.meta.json``: URL, fetch time, ETag, Last-Modified, size and SHA-256 of
the body, and the body file's inode and mtime). Both are written atomically; an entry
whose parts do not agree, or whose metadata is implausible, is corrupt, and corrupt
entries are dropped and refetched, never fatal. A body whose file has the inode and
mtime its metadata was written with is not hashed again on a read; any other is
checked against the digest.

The cache only moves bytes: bodies are decoded by the parser, once per change. A
revalidation (HTTP 304) rewrites the small metadata file and never reads, hashes or
decodes the body again; the metadata read once is kept in memory.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import math
import re
import time
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import msgspec

from bikefinder.common import paths
from bikefinder.common.files import read_regular, sweep_stale_temps, write_atomic

CACHE_FORMAT_VERSION = 1
#: Metadata is a few hundred bytes; a file far larger is not one this module wrote.
MAX_META_BYTES = 64 * 1024
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")
#: A 304 rewrites the metadata file only if the one on disk is older than this.
TOUCH_WRITE_INTERVAL_S = 60.0
#: A fetch time more than this far in the future is corrupt metadata, not clock skew.
_FUTURE_SLACK_S = 86_400.0


class CachedMeta(msgspec.Struct, frozen=True):
    """What is known about a cached body without reading it."""

    url: str
    fetched_at: float  # POSIX seconds
    etag: str | None
    last_modified: str | None
    size: int
    sha256: str
    #: The body file's (inode, mtime in ns) when this metadata was written with it: a
    #: body whose file still has them is the one the digest was taken of, and is not
    #: hashed again on every read (``None``: checked by its digest).
    body_stamp: tuple[int, int] | None = None


class CachedFeed(msgspec.Struct, frozen=True):
    """A feed as it was last fetched successfully: its body and metadata."""

    meta: CachedMeta
    body: bytes

    @property
    def url(self) -> str:
        return self.meta.url

    @property
    def fetched_at(self) -> float:
        return self.meta.fetched_at

    @property
    def etag(self) -> str | None:
        return self.meta.etag

    @property
    def last_modified(self) -> str | None:
        return self.meta.last_modified


class CacheTrust(msgspec.Struct, frozen=True):
    """When a cached feed may stand for the server's answer: at ``now_s`` (POSIX seconds),
    a descriptive feed for its own ttl within 60-3600 s, a live one (availability,
    vehicles) for ``live_ttl_s(its ttl)``, the fleet's refresh period (``None``: the feed
    gives no ttl). ``live_ttl_s`` must not decrease as the ttl grows."""

    now_s: float
    live_ttl_s: Callable[[int | None], float]

    def age_s(self, fetched_at: float) -> float | None:
        """Seconds since ``fetched_at``; ``None`` for a time ahead of the clock (skew)."""
        age = self.now_s - fetched_at
        return age if age >= 0 else None

    def younger(self, fetched_at: float, limit_s: float) -> bool:
        age = self.age_s(fetched_at)
        return age is not None and age < limit_s


#: Up to this many bytes (a URL: the cache folder's name) are hashed by CPython's own
#: SHA-256; a body by hashlib's.
SMALL_HASH_BYTES = 4096


def sha256_hex(data: bytes) -> str:
    """The SHA-256 digest of ``data`` in hex. A body goes to hashlib (OpenSSL: several
    times faster, and other threads run while it hashes: 25 MB took CPython's own ~80
    ms, holding the interpreter lock); a short input to CPython's own, which spares a
    cached answer's start-up hashlib's import (the OpenSSL binding, ~4 ms)."""
    if len(data) > SMALL_HASH_BYTES:
        import hashlib

        return hashlib.sha256(data).hexdigest()
    return _small_sha256()(data).hexdigest()  # type: ignore[no-any-return]


@cache
def _small_sha256() -> Callable[[bytes], Any]:
    """CPython's own SHA-256 (``_sha2`` from 3.12, ``_sha256`` before), else hashlib's."""
    for name in ("_sha2", "_sha256"):
        with contextlib.suppress(ImportError, AttributeError):
            return importlib.import_module(name).sha256  # type: ignore[no-any-return]
    from hashlib import sha256

    return sha256


def system_cache_dir(gbfs_url: str, root: Path | None = None) -> Path:
    """``<cache>/feeds/<host>-<hash of the gbfs.json URL>``: readable and collision-free."""
    digest = sha256_hex(gbfs_url.encode("utf-8"))[:16]
    host = _UNSAFE_NAME.sub("_", urlsplit(gbfs_url).hostname or "system")[:40]
    return (root or paths.cache_dir()) / "feeds" / f"{host}-{digest}"


class FeedCache:
    """The cached feeds of one system. Every method swallows file errors: a cache
    that cannot be read or written only costs speed."""

    def __init__(self, gbfs_url: str, root: Path | None = None) -> None:
        self.gbfs_url = gbfs_url
        self.folder = system_cache_dir(gbfs_url, root)
        self._metas: dict[str, CachedMeta] = {}
        #: Per feed, the fetch time last written to its metadata file.
        self._written_at: dict[str, float] = {}
        with contextlib.suppress(OSError):  # temp files a killed process left behind
            sweep_stale_temps(self.folder)

    def _paths(self, feed: str) -> tuple[Path, Path]:
        name = _UNSAFE_NAME.sub("_", feed)
        return self.folder / f"{name}.json", self.folder / f"{name}.meta.json"

    def meta(self, feed: str) -> CachedMeta | None:
        """The cached feed's metadata (read once, then kept), or ``None``."""
        known = self._metas.get(feed)
        if known is not None:
            return known
        _, meta_path = self._paths(feed)
        try:
            raw = read_regular(meta_path, MAX_META_BYTES)
        except FileNotFoundError:
            return None
        except OSError:
            self.discard(feed)
            return None
        meta = _parse_meta(raw)
        if meta is None:
            self.discard(feed)
            return None
        self._metas[feed] = meta
        return meta

    def get(self, feed: str) -> CachedFeed | None:
        """The cached body with its metadata, or ``None`` if absent or corrupt (a corrupt
        entry is removed). Reads and checks the body: for start-up and offline use."""
        meta = self.meta(feed)
        if meta is None:
            return None
        body_path, _ = self._paths(feed)
        try:
            body = read_regular(body_path, meta.size)
        except OSError:  # gone, not a file, or longer than its metadata says
            self.discard(feed)
            return None
        unchanged = meta.body_stamp is not None and _stamp(body_path) == meta.body_stamp
        if len(body) != meta.size or (not unchanged and sha256_hex(body) != meta.sha256):
            self.discard(feed)
            return None
        return CachedFeed(meta=meta, body=body)

    def put(
        self,
        feed: str,
        url: str,
        body: bytes,
        etag: str | None = None,
        last_modified: str | None = None,
        fetched_at: float | None = None,
    ) -> None:
        """Store a body that parsed (body first, then the metadata that vouches for it)."""
        meta = CachedMeta(
            url=url,
            fetched_at=time.time() if fetched_at is None else fetched_at,
            etag=etag,
            last_modified=last_modified,
            size=len(body),
            sha256=sha256_hex(body),
        )
        body_path, meta_path = self._paths(feed)
        self._metas.pop(feed, None)
        try:
            write_atomic(body_path, body, durable=False)
            meta = msgspec.structs.replace(meta, body_stamp=_stamp(body_path))
            write_atomic(meta_path, _meta_bytes(meta), durable=False)
        except OSError:
            self.discard(feed)  # never leave metadata vouching for another body
            return
        self._metas[feed] = meta
        self._written_at[feed] = meta.fetched_at

    def touch(
        self,
        feed: str,
        fetched_at: float | None = None,
        etag: str | None = None,
        last_modified: str | None = None,
    ) -> None:
        """Record that a 304 confirmed the cached body: the metadata file only, and on
        disk at most every :data:`TOUCH_WRITE_INTERVAL_S` while the validators stay the
        same (a 304 every 5 s need not rewrite a file each time; the age a later offline
        start shows is then at most that much too old). The first 304 for a file this
        object did not write is always written: the next process trusts the copy
        within its ttl from that time (a printed command confirms each feed once)."""
        meta = self.meta(feed)
        if meta is None:
            return
        touched = msgspec.structs.replace(
            meta,
            fetched_at=time.time() if fetched_at is None else fetched_at,
            etag=etag or meta.etag,
            last_modified=last_modified or meta.last_modified,
        )
        self._metas[feed] = touched
        written = self._written_at.get(feed)
        same_validators = (touched.etag, touched.last_modified) == (meta.etag, meta.last_modified)
        recent = written is not None and touched.fetched_at - written < TOUCH_WRITE_INTERVAL_S
        if same_validators and recent:
            return
        _, meta_path = self._paths(feed)
        with contextlib.suppress(OSError):
            write_atomic(meta_path, _meta_bytes(touched), durable=False)
            self._written_at[feed] = touched.fetched_at

    def discard(self, feed: str) -> None:
        self._metas.pop(feed, None)
        for path in self._paths(feed):
            with contextlib.suppress(OSError):
                path.unlink()


def _meta_bytes(meta: CachedMeta) -> bytes:
    return json.dumps(
        {
            "version": CACHE_FORMAT_VERSION,
            "url": meta.url,
            "fetched_at": meta.fetched_at,
            "etag": meta.etag,
            "last_modified": meta.last_modified,
            "size": meta.size,
            "sha256": meta.sha256,
            "body_stamp": meta.body_stamp,
        }
    ).encode("utf-8")


def _parse_meta(raw: bytes) -> CachedMeta | None:
    """Metadata as written by :func:`_meta_bytes`, or ``None`` if anything in it is off
    (wrong types, a NaN or far-future fetch time, a header value that cannot be sent)."""
    try:
        meta = json.loads(raw)
    except (ValueError, RecursionError):
        return None
    if not isinstance(meta, dict) or meta.get("version") != CACHE_FORMAT_VERSION:
        return None
    url, fetched_at = meta.get("url"), meta.get("fetched_at")
    size, sha256 = meta.get("size"), meta.get("sha256")
    etag, last_modified = meta.get("etag"), meta.get("last_modified")
    stamp = meta.get("body_stamp")
    body_stamp = (
        (stamp[0], stamp[1])
        if isinstance(stamp, list) and len(stamp) == 2 and all(type(n) is int for n in stamp)
        else None  # absent or off: the digest decides
    )
    if not isinstance(url, str) or type(size) is not int or not isinstance(sha256, str):
        return None
    if isinstance(fetched_at, bool) or not isinstance(fetched_at, int | float):
        return None
    if not (math.isfinite(fetched_at) and 0 <= fetched_at <= time.time() + _FUTURE_SLACK_S):
        return None
    if not (_header_value(etag) and _header_value(last_modified)):
        return None
    return CachedMeta(
        url=url,
        fetched_at=float(fetched_at),
        etag=etag,
        last_modified=last_modified,
        size=size,
        sha256=sha256,
        body_stamp=body_stamp,
    )


def _stamp(path: Path) -> tuple[int, int] | None:
    """The file's (inode, mtime in ns): an atomic write makes a new file, so a body
    written after its metadata (or by anyone else) has another stamp. Taken after the
    body is read, so a body replaced meanwhile shows a stamp of its own."""
    try:
        stat = path.stat()
    except OSError:
        return None
    return stat.st_ino, stat.st_mtime_ns


def _header_value(value: object) -> bool:
    """Whether ``value`` is absent or can be sent back as a header (printable ASCII)."""
    return value is None or (isinstance(value, str) and all(" " <= c <= "~" for c in value))
