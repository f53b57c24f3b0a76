"""Pilot tests of the mixed list: several systems and free-floating vehicles
in one ranked list, over a real 127.0.0.1 server with real_more feeds."""

from __future__ import annotations

import json
import time
from datetime import UTC
from pathlib import Path
from typing import Any

from test_nearby_once import LINZ, bike, operator
from test_ui_app import screen_text
from ui_support import SIZE, cell_of, move_to

from bikefinder.feeds.snapshot import Snapshot
from bikefinder.rider.favourites import FavouritesStore
from bikefinder.rider.modes import Mode
from bikefinder.rider.rows import Kind, Row
from bikefinder.systems.source import SystemSource
from bikefinder.ui.app import BikefinderApp
from bikefinder.ui.screens.details import DetailsScreen
from tests.test_loader_optional_feeds import REAL, serve_real

LINZ_FOLDER = "nextbike-linz_2.3_2025"
PLAN = {
    "last_updated": int(time.time()), "ttl": 60, "version": "2.3",
    "data": {"plans": [{"plan_id": "ride", "name": "Ride", "currency": "EUR", "price": 1.0,
                        "is_taxable": False, "description": "Pay as you go",
                        "per_min_pricing": [{"start": 0, "rate": 0.25, "interval": 1}]}]},
}  # fmt: skip


def floating(server: Any, bikes: list[dict[str, Any]] | None = None) -> str:
    feeds = operator(LINZ, bikes or [bike("near", 20), bike("low", 60, current_range_meters=900)])
    feeds["system_pricing_plans"] = PLAN
    return server.serve_system("float", feeds)


def first_station_id() -> str:
    info = json.loads((REAL / LINZ_FOLDER / "station_information.json").read_bytes())
    return str(info["data"]["stations"][0]["station_id"])


def mixed_app(tmp_path: Path, urls: list[str], **kwargs: Any) -> BikefinderApp:
    sources = [SystemSource(gbfs_url=url) for url in urls]
    return BikefinderApp(
        sources[0], LINZ, FavouritesStore(tmp_path / "favourites.json"),
        local_tz=UTC, more_sources=sources[1:], limit=20, **kwargs,
    )  # fmt: skip


async def settle_mixed(app: BikefinderApp, pilot: Any, systems: int) -> None:
    """Wait until the mixed list shows ``systems`` systems (or the tries run out)."""
    for _ in range(100):
        await app.workers.wait_for_complete()
        await pilot.pause()
        listed = app.stations.table.row_count
        if app.scene is not None and len(app.scene.indexes) >= systems and listed:
            return
        await pilot.pause(0.05)


def rows(app: BikefinderApp) -> list[Row]:
    return list(app.stations.displayed)


def cell(app: BikefinderApp, row: Row, column: str) -> Any:
    return app.stations.table.cell_of(row.key, column)


async def test_stations_and_vehicles_of_two_systems_in_one_list(feed_server, tmp_path) -> None:
    app = mixed_app(tmp_path, [serve_real(feed_server, LINZ_FOLDER), floating(feed_server)])
    async with app.run_test(size=SIZE) as pilot:
        await settle_mixed(app, pilot, 2)
        shown = rows(app)
        assert len(shown) >= 20
        distances = [row.distance_m for row in shown]
        assert distances == sorted(distances)  # type: ignore[type-var]
        first = shown[0]  # 20 m away, nearer than Alter Markt (96 m)
        assert first.vehicle is not None and first.vehicle.vehicle_id == "near"
        assert {row.system.name for row in shown} == {"Synthetic Float", "city bike Linz"}
        assert {row.kind for row in shown} == {Kind.STATION, Kind.VEHICLE}
        assert "system" in app.stations.table.column_layout.keys  # type: ignore[union-attr]
        assert cell(app, shown[0], "system").plain.startswith("Synthetic")
        station = next(row for row in shown if row.station is not None)
        assert cell(app, station, "system").plain.startswith("city bike")
        assert "e-bike ~12 km" in cell(app, shown[0], "name").plain
        low = next(row for row in shown if row.vehicle and row.vehicle.vehicle_id == "low")
        assert "LOW RANGE" in cell(app, low, "status").plain
        header = app.header_state()
        assert "Synthetic Float" in header.system_name and " + " in header.system_name
        assert "2 systems" in header.detail and "vehicles" in header.detail
        await pilot.press("m")  # e-bike: stations and electric vehicles only
        assert all(row.vehicle is None or row.vehicle.electric for row in rows(app))
        await pilot.press("m")  # free dock: stations only
        assert app.stations.mode is Mode.DOCK and all(row.station for row in rows(app))


async def test_no_snapshot_is_ever_repr_d_on_the_way_to_the_screen(
    feed_server, tmp_path, monkeypatch
) -> None:
    """A worker's description built from repr(its arguments) once cost 1.6 s of event
    loop on the Paris-like scene (every vehicle of every snapshot, as text)."""
    reprs: list[str] = []
    monkeypatch.setattr(Snapshot, "__repr__", lambda self: reprs.append(self.gbfs_url) or "S")
    app = mixed_app(tmp_path, [serve_real(feed_server, LINZ_FOLDER), floating(feed_server)])
    async with app.run_test(size=SIZE) as pilot:
        await settle_mixed(app, pilot, 2)
        app.action_refresh()
        await settle_mixed(app, pilot, 2)
        assert len(rows(app)) >= 20
    assert reprs == []


async def test_vehicle_details_say_range_system_walk_and_price(feed_server, tmp_path) -> None:
    app = mixed_app(tmp_path, [serve_real(feed_server, LINZ_FOLDER), floating(feed_server)])
    async with app.run_test(size=SIZE) as pilot:
        await settle_mixed(app, pilot, 2)
        app.stations.table.move_cursor(row=0)  # the cursor may follow a station loaded first
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, DetailsScreen)
        assert app.screen.details.key.kind is Kind.VEHICLE
        text = screen_text(app)
        assert "e-bike · Synthetic Float" in text
        assert "~12 km" in text and "bicycle · electric" in text
        assert "on foot" in text and "20 m" in text
        assert "€1 to start, then €0.25/min" in text  # the plan's sentence
        await pilot.press("f")  # a vehicle cannot be a favourite
        assert app.favourites.all() == []


async def test_an_alert_shows_on_its_station_and_in_its_details(feed_server, tmp_path) -> None:
    station_id = first_station_id()
    now = int(time.time())
    alerts = {
        "last_updated": now, "ttl": 60, "version": "2.3",
        "data": {"alerts": [
            {"alert_id": "works", "type": "station_closure", "summary": "Works at Alter Markt",
             "description": "Docks replaced until Friday", "url": "https://example.org/works",
             "station_ids": [station_id], "times": [{"start": now - 3600, "end": now + 3600}]},
        ]},
    }  # fmt: skip
    linz = serve_real(feed_server, LINZ_FOLDER, overrides={"system_alerts": alerts})
    app = mixed_app(tmp_path, [linz, floating(feed_server)])
    async with app.run_test(size=SIZE) as pilot:
        await settle_mixed(app, pilot, 2)
        assert "⚠ Works at Alter Markt" in cell_of(app, station_id, "status").plain
        assert app.header_state().alert == "city bike Linz: Works at Alter Markt"
        move_to(app, station_id)
        await pilot.press("enter")
        await pilot.pause()
        text = screen_text(app)
        assert "Works at Alter Markt" in text and "Docks replaced until Friday" in text
        assert "https://example.org/works" in text
        await pilot.press("f")  # a station of any system can be a favourite
        assert [f.station_id for f in app.favourites.for_system(linz)] == [station_id]


async def test_one_system_failing_keeps_the_others_rows(feed_server, tmp_path) -> None:
    broken = feed_server.add("/broken/gbfs.json", "down", status=503)
    app = mixed_app(tmp_path, [serve_real(feed_server, LINZ_FOLDER), broken])
    async with app.run_test(size=SIZE) as pilot:
        await settle_mixed(app, pilot, 1)
        assert app.stations.table.display and app.stations.table.row_count > 0
        assert all(row.system.gbfs_url != broken for row in rows(app))
        header = app.header_state()
        assert header.health == "error"
        assert header.problem is not None and "failing since" in header.problem
        assert "broken" in header.problem.lower() or "127.0.0.1" in header.problem
        await pilot.press("s")  # the picker: space turns a shown system on or off
        await pilot.pause()
        from bikefinder.ui.screens.system_picker import SystemPickerScreen

        assert isinstance(app.screen, SystemPickerScreen)
        await pilot.press("tab", "down", "space", "escape")
        await pilot.pause()
        assert not isinstance(app.screen, SystemPickerScreen)
        system = app.fleet.system(broken)
        assert system is not None and not system.enabled
        assert app.header_state().problem is None or "failing" not in app.header_state().problem
