"""Write SVG screenshots of the real app, on the bundled Vélib' snapshot, to ``screenshots/``.

    .venv/bin/python scripts/screenshots.py [OUTPUT_DIR]

Each picture drives the actual :class:`BikefinderApp` with ``App.run_test()`` (keys
pressed as a rider would) against the demo data, with a fixed clock and time zone
and a throw-away favourites file, so the output is the same on every run.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from collections.abc import Awaitable, Callable
from datetime import UTC, timedelta
from pathlib import Path
from typing import Any

import httpx
from textual.pilot import Pilot
from textual.widgets import Input

from bikefinder.feeds.demo import DEMO_NEAR, DEMO_SNAPSHOT_TIME, demo_transport
from bikefinder.fleet.destination import Destination
from bikefinder.rider.favourites import Favourite, FavouritesStore
from bikefinder.systems.source import demo_source
from bikefinder.ui.app import BikefinderApp

SIZE = (120, 35)
#: Around Gare du Nord the snapshot has closed, uninstalled and full stations side by side.
GARE_DU_NORD = (48.8800, 2.3550)
ROOT = Path(__file__).resolve().parent.parent
Steps = Callable[[BikefinderApp, Pilot[None]], Awaitable[None]]


class FlakyTransport(httpx.AsyncBaseTransport):
    """The demo transport, except that ``station_status`` fails while ``failing`` is set,
    and moves on by ``minutes_later`` (bikes arrive at some stations, leave others)."""

    def __init__(self) -> None:
        self.inner = demo_transport()
        self.failing = False
        self.minutes_later = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        is_status = request.url.path.endswith("station_status.json")
        if self.failing and is_status:
            return httpx.Response(503, text="maintenance")
        response = await self.inner.handle_async_request(request)
        if not (is_status and self.minutes_later):
            return response
        await response.aread()
        return httpx.Response(200, json=later_status(response.json(), self.minutes_later))


def later_status(document: dict[str, Any], minutes: int) -> dict[str, Any]:
    """The demo's station_status ``minutes`` later: a deterministic drift per station."""
    document["lastUpdatedOther"] += 60 * minutes
    for station in document["data"]["stations"]:
        types = station["num_bikes_available_types"]
        mechanical, docks = types[0]["mechanical"], station["num_docks_available"]
        moved = max(-mechanical, min(docks, (int(station["station_id"]) % 5 - 2) * minutes))
        types[0]["mechanical"] = mechanical + moved
        station["num_bikes_available"] += moved
        station["num_docks_available"] -= moved
        station["last_reported"] += 60 * minutes
    return document


async def settle(app: BikefinderApp, pilot: Pilot[None]) -> None:
    await app.workers.wait_for_complete()
    await pilot.pause()


async def main_view(app: BikefinderApp, pilot: Pilot[None]) -> None:
    await pilot.press("j", "j")


async def details(app: BikefinderApp, pilot: Pilot[None]) -> None:
    await pilot.press("j", "j", "enter")


async def ebike_mode(app: BikefinderApp, pilot: Pilot[None]) -> None:
    await pilot.press("m")


async def dock_mode(app: BikefinderApp, pilot: Pilot[None]) -> None:
    await pilot.press("m", "m")


async def favourites(app: BikefinderApp, pilot: Pilot[None]) -> None:
    await pilot.press("v")


async def name_filter(app: BikefinderApp, pilot: Pilot[None]) -> None:
    await pilot.press("slash", *"rivoli")
    app.stations.filter_bar.cursor_blink = False


async def failed_refresh(app: BikefinderApp, pilot: Pilot[None]) -> None:
    transport = app.lead.source.transport
    assert isinstance(transport, FlakyTransport)
    transport.failing = True
    await pilot.press("r")


async def map_view(app: BikefinderApp, pilot: Pilot[None]) -> None:
    await pilot.press("M", "j", "j")


async def watch_dialog(app: BikefinderApp, pilot: Pilot[None]) -> None:
    await pilot.press("j", "j", "a", "5")
    app.screen.query_one("#watch-threshold", Input).cursor_blink = False


async def trends(app: BikefinderApp, pilot: Pilot[None]) -> None:
    transport = app.lead.source.transport
    assert isinstance(transport, FlakyTransport)
    for minutes in (2, 4, 6, 8):  # four refreshes, each with newer data
        transport.minutes_later = minutes
        await pilot.press("r")
        await settle(app, pilot)


async def system_picker(app: BikefinderApp, pilot: Pilot[None]) -> None:
    await pilot.press("s")
    await settle(app, pilot)  # the catalog is read in a worker
    await pilot.press(*"bergen")
    await pilot.pause(0.3)
    for field in app.screen.query(Input):
        field.cursor_blink = False


async def command_palette(app: BikefinderApp, pilot: Pilot[None]) -> None:
    await pilot.press("ctrl+p", *"mode")
    await pilot.pause(0.5)


#: The trip shots' destination: Gare de Lyon, about 2.5 km from the demo's point.
GARE_DE_LYON = Destination((48.8443, 2.3740), "Gare de Lyon")


async def trip_list(app: BikefinderApp, pilot: Pilot[None]) -> None:
    app.open_trips(GARE_DE_LYON)
    await settle(app, pilot)


async def trip_details(app: BikefinderApp, pilot: Pilot[None]) -> None:
    await trip_list(app, pilot)
    await pilot.press("enter")


SHOTS: dict[str, tuple[Steps, tuple[float, float]]] = {
    "main": (main_view, DEMO_NEAR),
    "details": (details, DEMO_NEAR),
    "mode-ebike": (ebike_mode, DEMO_NEAR),
    "mode-dock": (dock_mode, GARE_DU_NORD),
    "states": (main_view, GARE_DU_NORD),
    "favourites": (favourites, DEMO_NEAR),
    "filter": (name_filter, DEMO_NEAR),
    "refresh-failed": (failed_refresh, DEMO_NEAR),
    "command-palette": (command_palette, DEMO_NEAR),
    "map": (map_view, DEMO_NEAR),
    "watch": (watch_dialog, DEMO_NEAR),
    "trends": (trends, DEMO_NEAR),
    "system-picker": (system_picker, DEMO_NEAR),
    "trips": (trip_list, DEMO_NEAR),
    "trip-details": (trip_details, DEMO_NEAR),
}


def seed_favourites(path: Path) -> FavouritesStore:
    """Two Vélib' favourites near the demo point, and one from another system."""
    store = FavouritesStore(path)
    source = demo_source()
    for station_id, name in (("128880156", "Archives - Rivoli"), ("213688169", "Benjamin Godard")):
        store.toggle(Favourite(source.gbfs_url, "velib", "Vélib' Métropole", station_id, name,
                               "2025-10-01T08:00:00Z"))  # fmt: skip
    store.toggle(Favourite("https://gbfs.urbansharing.com/oslobysykkel.no/gbfs.json",
                           "oslobysykkel", "Oslo Bysykkel", "551", "Torggata",
                           "2025-10-01T08:00:00Z"))  # fmt: skip
    return store


async def shoot(
    name: str, steps: Steps, near: tuple[float, float], folder: Path, scratch: Path
) -> Path:
    source = demo_source()
    source = type(source)(
        gbfs_url=source.gbfs_url,
        label=source.label,
        transport=FlakyTransport(),
        demo_label=source.demo_label,
    )
    app = BikefinderApp(
        source,
        near,
        seed_favourites(scratch / f"{name}.json"),
        clock=lambda: DEMO_SNAPSHOT_TIME + timedelta(seconds=8),
        local_tz=UTC,
    )
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await steps(app, pilot)
        await settle(app, pilot)
        # A table whose columns were rebuilt (a mode change) sizes them on idle: let it.
        await pilot.pause(0.2)
        return Path(app.save_screenshot(f"{name}.svg", str(folder)))


async def shoot_mixed(
    name: str,
    open_alerted: bool,
    folder: Path,
    scratch: Path,
    size: tuple[int, int] = SIZE,
) -> Path:
    """nextbike Linz (real feeds, one station alert) and a free-floating
    operator in one list (the fixed scene of ``tests/mixed_scene.py``), at ``size``."""
    sys.path.insert(0, str(ROOT / "tests"))
    from mixed_scene import LINZ, linz_station_ids, mixed_sources

    now = DEMO_SNAPSHOT_TIME + timedelta(seconds=8)
    sources = mixed_sources(now)
    app = BikefinderApp(sources[0], LINZ, FavouritesStore(scratch / f"{name}.json"),
                        clock=lambda: now, local_tz=UTC, more_sources=sources[1:])  # fmt: skip
    async with app.run_test(size=size) as pilot:
        for _ in range(100):
            await settle(app, pilot)
            listed = app.stations.table.row_count
            if app.scene is not None and len(app.scene.indexes) == 2 and listed:
                break
            await pilot.pause(0.05)
        app.stations.table.move_cursor(row=0)
        if open_alerted:
            wanted = linz_station_ids()[0]
            keys = [key.item_id for key in app.stations.table.station_keys]
            app.stations.table.move_cursor(row=keys.index(wanted))
            await pilot.press("enter")
        await settle(app, pilot)
        await pilot.pause(0.2)
        return Path(app.save_screenshot(f"{name}.svg", str(folder)))


async def main(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        for name, (steps, near) in SHOTS.items():
            written = await shoot(name, steps, near, folder, Path(scratch))
            print(written.relative_to(ROOT) if written.is_relative_to(ROOT) else written)
        for name, alerted, size in (
            ("mixed", False, SIZE),
            ("station-alert", True, SIZE),
            ("mixed-60x20", False, (60, 20)),
            ("mixed-80x24", False, (80, 24)),
        ):
            written = await shoot_mixed(name, alerted, folder, Path(scratch), size)
            print(written.relative_to(ROOT) if written.is_relative_to(ROOT) else written)


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "screenshots"))
