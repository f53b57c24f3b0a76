"""Shared helpers for the UI tests: a small GBFS 2.3 system behind ``httpx.MockTransport``.

The status document is mutable and the transport can be told to fail, so tests can
drive refreshes, failures and recovery without any network. (No tests in here.)
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from rich.text import Text

from bikefinder.rider.favourites import FavouritesStore
from bikefinder.rider.rows import RowKey
from bikefinder.systems.source import SystemSource
from bikefinder.ui.app import BikefinderApp

BASE = "https://bikes.test/gbfs"
GBFS_URL = f"{BASE}/gbfs.json"
NEAR = (48.8566, 2.3522)
T0 = datetime(2025, 10, 18, 9, 0, 0, tzinfo=UTC)
SIZE = (120, 35)
METRES_PER_DEGREE = 111_195.0


@dataclass
class FakeStation:
    station_id: str
    name: str
    north_m: float
    east_m: float
    bikes: int = 5
    electric: int = 2
    docks: int = 10
    installed: int = 1
    renting: int = 1
    returning: int = 1
    reported_ago_s: int = 600
    address: str | None = None


def default_stations() -> list[FakeStation]:
    """Nine stations with every state worth showing, then fillers further away."""
    stations = [
        FakeStation("s1", "Alpha", 100, 0, bikes=5, electric=2, docks=10, address="1 Rue A"),
        FakeStation("s2", "Bravo", 0, 200, bikes=0, electric=0, docks=12),
        FakeStation("s3", "Charlie", -300, 0, bikes=4, electric=0, docks=0),
        FakeStation("s4", "[bold red]Delta[/]", 0, -400, bikes=3, electric=2, docks=5),
        FakeStation("s5", "Echo\x1b[31m\x07 Evil\u202e", 500, 0, renting=0, returning=0),
        FakeStation("s6", "Foxtrot", 0, 600, installed=0, renting=0, returning=0),
        FakeStation("s7", "Golf", -700, 0, bikes=6, electric=6, docks=3, returning=0),
        FakeStation("s8", "Hotel Ville", 0, -800, bikes=2, electric=1, docks=2,
                    reported_ago_s=3 * 3600),
        FakeStation("s9", "Hôtel de Ville", 900, 0, bikes=7, electric=1, docks=4),
    ]  # fmt: skip
    stations += [
        FakeStation(f"f{i:02d}", f"Filler {i:02d}", 1000 + 50 * i, 0, bikes=1, electric=0)
        for i in range(1, 31)
    ]
    return stations


@dataclass
class FakeSystem:
    """A bike-share system served from memory; mutate it between refreshes."""

    stations: list[FakeStation] = field(default_factory=default_stations)
    name: str = "Test Bikes"
    last_updated: datetime = T0
    status_ttl: int = 30
    #: When set, every request for these feed names answers this HTTP status.
    failing: dict[str, int] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)

    def by_id(self, station_id: str) -> FakeStation:
        return next(s for s in self.stations if s.station_id == station_id)

    def source(self) -> SystemSource:
        return SystemSource(gbfs_url=GBFS_URL, transport=httpx.MockTransport(self.handle))

    def handle(self, request: httpx.Request) -> httpx.Response:
        feed = request.url.path.rsplit("/", 1)[-1].removesuffix(".json")
        self.requests.append(feed)
        if feed in self.failing or "*" in self.failing:
            code = self.failing.get(feed, self.failing.get("*", 500))
            return httpx.Response(code, text="down")
        documents = {
            "gbfs": self.discovery,
            "system_information": self.system_information,
            "station_information": self.station_information,
            "station_status": self.station_status,
        }
        if feed not in documents:
            return httpx.Response(404)
        return httpx.Response(200, content=json.dumps(documents[feed]()).encode())

    def _envelope(self, data: dict[str, Any], ttl: int = 3600) -> dict[str, Any]:
        return {
            "last_updated": int(self.last_updated.timestamp()),
            "ttl": ttl,
            "version": "2.3",
            "data": data,
        }

    def discovery(self) -> dict[str, Any]:
        names = ("system_information", "station_information", "station_status")
        feeds = [{"name": name, "url": f"{BASE}/{name}.json"} for name in names]
        return self._envelope({"en": {"feeds": feeds}})

    def system_information(self) -> dict[str, Any]:
        return self._envelope(
            {"system_id": "test", "name": self.name, "language": "en", "timezone": "UTC"}
        )

    def station_information(self) -> dict[str, Any]:
        stations = []
        for s in self.stations:
            record: dict[str, Any] = {
                "station_id": s.station_id,
                "name": s.name,
                "lat": round(NEAR[0] + s.north_m / METRES_PER_DEGREE, 7),
                "lon": round(NEAR[1] + s.east_m / (METRES_PER_DEGREE * 0.6579), 7),
                "capacity": 20,
                "rental_uris": {"web": f"https://bikes.test/rent/{s.station_id}"},
            }
            if s.address:
                record["address"] = s.address
            stations.append(record)
        return self._envelope({"stations": stations})

    def station_status(self) -> dict[str, Any]:
        moment = int(self.last_updated.timestamp())
        stations = [
            {
                "station_id": s.station_id,
                "num_bikes_available": s.bikes,
                "num_ebikes_available": s.electric,
                "num_docks_available": s.docks,
                "num_bikes_disabled": 1,
                "num_docks_disabled": 0,
                "is_installed": s.installed,
                "is_renting": s.renting,
                "is_returning": s.returning,
                "last_reported": moment - s.reported_ago_s,
            }
            for s in self.stations
        ]
        return self._envelope({"stations": stations}, ttl=self.status_ttl)


class FakeClock:
    """A settable wall clock, so ages and refresh deadlines are deterministic."""

    def __init__(self, now: datetime = T0 + timedelta(seconds=8)) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


#: The ttl :class:`FakeSystem` gives its descriptive feeds (station_information...).
INFO_TTL_S = 3600


def time_passes(system: FakeSystem, clock: FakeClock, seconds: float) -> None:
    """``seconds`` go by for the app (its injected clock, which also times the feeds'
    ttls) and for the feed alike (a live feed's time moves on too)."""
    clock.advance(seconds)
    system.last_updated += timedelta(seconds=seconds)


def make_app(
    system: FakeSystem | None = None,
    favourites_path: Path | None = None,
    clock: FakeClock | None = None,
    source: SystemSource | None = None,
    near: tuple[float, float] = NEAR,
    **kwargs: Any,
) -> BikefinderApp:
    """An app on ``system`` (or ``source``) with a fixed clock and its own favourites file."""
    assert favourites_path is not None, "give each test its own favourites file"
    return BikefinderApp(
        source or (system or FakeSystem()).source(),
        near,
        FavouritesStore(favourites_path),
        clock=clock or FakeClock(),
        local_tz=UTC,
        **kwargs,
    )


async def settle(app: BikefinderApp, pilot: Any) -> None:
    """Wait for running fetches, the messages they posted and the work those start (a
    fetch's answer starts the scene's preparation, whose answer redraws the list)."""
    for _ in range(10):
        await app.workers.wait_for_complete()
        await pilot.pause()
        if not any(worker.is_running for worker in app.workers):
            return


async def run_palette_command(app: BikefinderApp, pilot: Any, query: str) -> None:
    """Open the command palette, type ``query`` and run the first match."""
    from textual.command import CommandList

    await pilot.press("ctrl+p", *query)
    for _ in range(50):  # the palette searches in the background
        await pilot.pause(0.05)
        results = app.screen.query(CommandList)
        if results and results.first().option_count:
            break
    await pilot.press("enter")
    await pilot.pause()


async def fill_cache(system: FakeSystem, favourites_path: Path, cache_root: Path) -> None:
    """One successful run of the app, so ``cache_root`` holds ``system``'s feeds."""
    from bikefinder.feeds.cache import FeedCache

    app = make_app(system, favourites_path=favourites_path,
                   cache=FeedCache(GBFS_URL, cache_root))  # fmt: skip
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert app.lead.snapshot is not None and not app.lead.snapshot.from_cache


def listed_ids(app: BikefinderApp) -> list[str]:
    """The feed ids of every row the list shows, in order."""
    return [key.item_id for key in app.stations.table.station_keys]


def highlighted_id(app: BikefinderApp) -> str | None:
    """The feed id of the row under the cursor."""
    key = app.stations.table.highlighted_key
    return key.item_id if key is not None else None


def key_of(app: BikefinderApp, item_id: str) -> RowKey:
    """The key of the listed row whose feed id is ``item_id``."""
    return next(key for key in app.stations.table.station_keys if key.item_id == item_id)


def cell_of(app: BikefinderApp, item_id: str, column: str) -> Text:
    """The cell of ``column`` in the row of ``item_id``."""
    return app.stations.table.cell_of(key_of(app, item_id), column)


def move_to(app: BikefinderApp, item_id: str) -> None:
    """Put the cursor on the row of ``item_id``."""
    app.stations.table.move_cursor(row=listed_ids(app).index(item_id))
