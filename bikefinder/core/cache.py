"""Per-system cache of fetched feeds in platformdirs' user cache dir.

Each feed is stored as its raw body (``<feed>.json``) plus a small metadata file
(``<feed>.meta.json``: URL, fetch time, ETag, Last-Modified, size and SHA-256 of
the body). Both are written atomically; an entry whose parts do not agree is
corrupt, and corrupt entries are dropped and refetched, never fatal.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bikefinder.core import paths
from bikefinder.core.files import write_atomic

CACHE_FORMAT_VERSION = 1
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True, slots=True)
class CachedFeed:
    """A feed as it was last fetched successfully."""

    url: str
    document: Any
    fetched_at: float  # POSIX seconds
    etag: str | None
    last_modified: str | None


def system_cache_dir(gbfs_url: str, root: Path | None = None) -> Path:
    """``<cache>/feeds/<host>-<hash of the gbfs.json URL>``: readable and collision-free."""
    digest = hashlib.sha256(gbfs_url.encode("utf-8")).hexdigest()[:16]
    host = _UNSAFE_NAME.sub("_", urlsplit(gbfs_url).hostname or "system")[:40]
    return (root or paths.cache_dir()) / "feeds" / f"{host}-{digest}"


class FeedCache:
    """The cached feeds of one system. Every method swallows file errors: a cache
    that cannot be read or written only costs speed."""

    def __init__(self, gbfs_url: str, root: Path | None = None) -> None:
        self.gbfs_url = gbfs_url
        self.folder = system_cache_dir(gbfs_url, root)

    def _paths(self, feed: str) -> tuple[Path, Path]:
        name = _UNSAFE_NAME.sub("_", feed)
        return self.folder / f"{name}.json", self.folder / f"{name}.meta.json"

    def get(self, feed: str) -> CachedFeed | None:
        """The cached feed, or ``None`` if absent or corrupt (a corrupt entry is removed)."""
        body_path, meta_path = self._paths(feed)
        try:
            meta = json.loads(meta_path.read_bytes())
            body = body_path.read_bytes()
        except FileNotFoundError:
            return None
        except (OSError, ValueError):
            self.discard(feed)
            return None
        try:
            if (
                meta.get("version") != CACHE_FORMAT_VERSION
                or meta.get("size") != len(body)
                or meta.get("sha256") != hashlib.sha256(body).hexdigest()
            ):
                raise ValueError("metadata does not match body")
            fetched_at = float(meta["fetched_at"])
            return CachedFeed(
                url=str(meta["url"]),
                document=json.loads(body),
                fetched_at=fetched_at,
                etag=meta.get("etag") if isinstance(meta.get("etag"), str) else None,
                last_modified=meta.get("last_modified")
                if isinstance(meta.get("last_modified"), str)
                else None,
            )
        except (AttributeError, KeyError, TypeError, ValueError, RecursionError):
            self.discard(feed)
            return None

    def put(
        self,
        feed: str,
        url: str,
        body: bytes,
        etag: str | None = None,
        last_modified: str | None = None,
        fetched_at: float | None = None,
    ) -> None:
        """Store a freshly fetched body (body first, then the metadata that vouches for it)."""
        body_path, meta_path = self._paths(feed)
        meta = {
            "version": CACHE_FORMAT_VERSION,
            "url": url,
            "fetched_at": time.time() if fetched_at is None else fetched_at,
            "etag": etag,
            "last_modified": last_modified,
            "size": len(body),
            "sha256": hashlib.sha256(body).hexdigest(),
        }
        with contextlib.suppress(OSError):
            write_atomic(body_path, body, durable=False)
            write_atomic(meta_path, json.dumps(meta).encode("utf-8"), durable=False)

    def touch(self, feed: str, fetched_at: float | None = None) -> None:
        """Record that a 304 confirmed the cached body is still current."""
        cached = self.get(feed)
        if cached is None:
            return
        _, meta_path = self._paths(feed)
        with contextlib.suppress(OSError, ValueError):
            meta = json.loads(meta_path.read_bytes())
            meta["fetched_at"] = time.time() if fetched_at is None else fetched_at
            write_atomic(meta_path, json.dumps(meta).encode("utf-8"), durable=False)

    def discard(self, feed: str) -> None:
        for path in self._paths(feed):
            with contextlib.suppress(OSError):
                path.unlink()
