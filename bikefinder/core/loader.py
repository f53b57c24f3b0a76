"""Load and refresh one GBFS system: discovery, then its feeds, concurrently.

:class:`SystemFeeds` keeps what it fetched so that a refresh refetches only the
feeds whose ``ttl`` has run out (usually just ``station_status``).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import TypeVar
from urllib.parse import urlsplit

import httpx

from bikefinder.core import gbfs
from bikefinder.core.errors import FeedError, FeedFormatError
from bikefinder.core.http import FeedFetcher, FetchedDocument
from bikefinder.core.models import (
    Discovery,
    InfoFeed,
    Snapshot,
    StatusFeed,
    SystemInfo,
    VehicleKind,
)

T = TypeVar("T")

#: Station information rarely changes; never refetch it more often than this.
MIN_INFO_TTL_S = 60
#: ...and never trust it for longer than this.
MAX_INFO_TTL_S = 3600


def system_label_for(url: str) -> str:
    """A name for a system before its ``system_information`` is known."""
    return urlsplit(url).hostname or url


class SystemFeeds:
    """One system's feeds: the first load, and cheap refreshes afterwards."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        gbfs_url: str,
        *,
        language: str | None = None,
        label: str | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.gbfs_url = gbfs_url
        self.language = language
        self.fetcher = FeedFetcher(http, label or system_label_for(gbfs_url))
        self._clock = clock
        self.discovery: Discovery | None = None
        self.system: SystemInfo | None = None
        self.vehicle_kinds: dict[str, VehicleKind] = {}
        self.info: InfoFeed | None = None
        self._info_fetched_at = 0.0
        self.snapshot: Snapshot | None = None

    @property
    def label(self) -> str:
        return self.fetcher.system_label

    async def load(self) -> Snapshot:
        """Discovery, then system information, vehicle types and both station feeds."""
        discovery = await self._discover(self.language)
        system_url = discovery.feeds.get("system_information")
        if self.language is None and len(discovery.languages) > 1 and system_url is not None:
            # v1/v2 with several languages and none asked for: use the system's own.
            system = await self._system_information(system_url, discovery.language)
            if system and system.language in discovery.languages:
                discovery = self._parse(
                    "gbfs.json",
                    lambda: gbfs.parse_discovery(
                        self._discovery_doc, self.gbfs_url, system.language
                    ),
                )
        self.discovery = discovery
        info_url = self._required(discovery, "station_information")
        status_url = self._required(discovery, "station_status")
        system_url = discovery.feeds.get("system_information")
        types_url = discovery.feeds.get("vehicle_types")
        system, kinds, info = await asyncio.gather(
            self._system_information(system_url, discovery.language),
            self._vehicle_types(types_url),
            self._station_information(info_url, discovery.language),
        )
        self.system = system or SystemInfo(system_id=self.label, name=self.label)
        if system:
            self.fetcher.system_label = system.name or system.system_id
        self.vehicle_kinds = kinds
        self.info = info
        self._info_fetched_at = self._clock()
        return await self._status_snapshot(status_url)

    async def refresh(self) -> Snapshot:
        """Refetch station status, and station information if its ttl has run out."""
        if self.discovery is None or self.info is None:
            return await self.load()
        if self._clock() - self._info_fetched_at >= self.info_ttl_s:
            info_url = self._required(self.discovery, "station_information")
            self.info = await self._station_information(info_url, self.discovery.language)
            self._info_fetched_at = self._clock()
        return await self._status_snapshot(self._required(self.discovery, "station_status"))

    @property
    def info_ttl_s(self) -> int:
        ttl = self.info.meta.ttl if self.info else None
        return min(MAX_INFO_TTL_S, max(MIN_INFO_TTL_S, ttl or 0))

    async def _status_snapshot(self, status_url: str) -> Snapshot:
        assert self.info is not None and self.system is not None
        document = await self._fetch("station_status", status_url)
        status: StatusFeed = self._parse(
            "station_status",
            lambda: gbfs.parse_station_status(document.document, status_url, self.vehicle_kinds),
        )
        stations, report = gbfs.join_stations(self.info, status)
        self.snapshot = Snapshot(
            gbfs_url=self.gbfs_url,
            system=self.system,
            stations=stations,
            info_meta=self.info.meta,
            status_meta=status.meta,
            report=report,
            fetched_at=datetime.now(UTC),
        )
        return self.snapshot

    async def _discover(self, language: str | None) -> Discovery:
        document = await self._fetch("gbfs.json", self.gbfs_url)
        self._discovery_doc = document.document
        return self._parse(
            "gbfs.json", lambda: gbfs.parse_discovery(document.document, self.gbfs_url, language)
        )

    def _required(self, discovery: Discovery, feed: str) -> str:
        return self._parse(feed, lambda: gbfs.require_feed_url(discovery, feed))

    async def _system_information(self, url: str | None, language: str | None) -> SystemInfo | None:
        if url is None:
            return None
        document = await self._fetch_optional("system_information", url)
        if document is None:
            return None
        return self._parse(
            "system_information",
            lambda: gbfs.parse_system_information(document.document, url, self.language),
        )

    async def _vehicle_types(self, url: str | None) -> dict[str, VehicleKind]:
        if url is None:
            return {}
        document = await self._fetch_optional("vehicle_types", url)
        if document is None:
            return {}
        return self._parse("vehicle_types", lambda: gbfs.parse_vehicle_types(document.document))

    async def _station_information(self, url: str, language: str | None) -> InfoFeed:
        document = await self._fetch("station_information", url)
        wanted = self.language or (self.system.language if self.system else None) or language
        return self._parse(
            "station_information",
            lambda: gbfs.parse_station_information(document.document, url, wanted),
        )

    async def _fetch(self, feed: str, url: str) -> FetchedDocument:
        document = await self._fetch_optional(feed, url, optional=False)
        assert document is not None  # only optional feeds may be missing
        return document

    async def _fetch_optional(
        self, feed: str, url: str, *, optional: bool = True
    ) -> FetchedDocument | None:
        if feed != "gbfs.json":
            try:
                gbfs.check_feed_url(feed, url)
            except FeedFormatError as exc:
                raise self.fetcher.error(feed, exc.reason) from None
        return await self.fetcher.fetch(feed, url, optional=optional)

    def _parse(self, feed: str, parse: Callable[[], T]) -> T:
        try:
            return parse()
        except FeedFormatError as exc:
            raise FeedError(self.label, exc.feed, exc.reason) from None


def with_system_name(snapshot: Snapshot, name: str) -> Snapshot:
    """A snapshot relabelled (e.g. with a catalog name when the feed's own is poor)."""
    return replace(snapshot, system=replace(snapshot.system, name=name))
