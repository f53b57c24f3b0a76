"""The app's trip list: opened with ``--to`` or ``t``, live with the feeds, keyboard first."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from test_ui_rider import screen_text
from ui_support import (
    METRES_PER_DEGREE,
    NEAR,
    FakeSystem,
    make_app,
    settle,
)

from bikefinder.fleet.destination import Destination
from bikefinder.rider.modes import Mode
from bikefinder.ui.app import BikefinderApp
from bikefinder.ui.screens.destination import DestinationDialog
from bikefinder.ui.screens.stations import StationsScreen
from bikefinder.ui.screens.trip_details import TripDetailsScreen
from bikefinder.ui.screens.trips import TripsScreen, trip_layout

#: 900 m north of the point: the station "Hôtel de Ville" (s9) stands there.
HOTEL = (NEAR[0] + 900 / METRES_PER_DEGREE, NEAR[1])


async def planned(app: BikefinderApp, pilot: Any) -> TripsScreen:
    await settle(app, pilot)
    assert app.trips is not None and app.trips.plan is not None
    return app.trips


def table_text(screen: TripsScreen) -> list[str]:
    table = screen.table
    return [
        " | ".join(str(cell) for cell in table.get_row_at(row)) for row in range(table.row_count)
    ]


async def test_to_opens_on_the_trip_list_and_escape_goes_to_the_stations(
    fav_path: Path,
) -> None:
    app = make_app(FakeSystem(), favourites_path=fav_path,
                   destination=Destination(HOTEL, "hotel"))  # fmt: skip
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await planned(app, pilot)
        assert app.screen is screen
        best = screen.plan.trips[0]
        # By hand: Alpha (100 m north, 5 bikes) to Hôtel de Ville (900 m north, 4 docks).
        assert (best.pickup.item_id, best.dropoff.station_id) == ("s1", "s9")
        # Ride 800 m x 1.25 at 15 km/h = 240 s; times round up to whole minutes.
        assert table_text(screen)[0].startswith("1 | 7 min | Alpha | 5 | 2 min | 5 min | Hôtel")
        assert "Trip to hotel · any bike · walking 12 min" in str(screen.header.render())
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, StationsScreen) and app.trips is None


async def test_t_asks_where_to_and_plans_to_a_station_named(fav_path: Path) -> None:
    app = make_app(FakeSystem(), favourites_path=fav_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        await pilot.press("t")
        await pilot.pause()
        assert isinstance(app.screen, DestinationDialog)
        await pilot.press(*"95,2", "enter")
        await pilot.pause()
        error = str(app.screen.query_one("#destination-error").render())
        assert "latitude must be between -90 and 90" in error
        app.screen.query_one("#destination-input").value = ""
        await pilot.press(*"hôtel de", "enter")
        screen = await planned(app, pilot)
        assert screen.label == "Hôtel de Ville"
        assert screen.destination == pytest.approx(HOTEL)
        assert screen.plan.trips[0].dropoff.station_id == "s9"


async def test_m_plans_with_ebikes_only_and_enter_opens_the_details(fav_path: Path) -> None:
    app = make_app(FakeSystem(), favourites_path=fav_path,
                   destination=Destination(HOTEL, "hotel"))  # fmt: skip
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await planned(app, pilot)
        await pilot.press("m")
        await settle(app, pilot)
        assert screen.mode is Mode.EBIKE and screen.plan.mode is Mode.EBIKE
        assert all(trip.pickup.electric for trip in screen.plan.trips)
        assert "e-bike" in str(screen.header.render())
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, TripDetailsScreen)
        body = screen_text(app)
        assert "This is an estimate" in body and "Walk" in body
        assert "free docks" in body  # the drop-off's live numbers
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen


async def test_a_full_dropoff_re_ranks_and_says_so_once(fav_path: Path) -> None:
    system = FakeSystem()
    app = make_app(system, favourites_path=fav_path,
                   destination=Destination(HOTEL, "hotel"))  # fmt: skip
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await planned(app, pilot)
        assert screen.plan.trips[0].dropoff.station_id == "s9"
        system.by_id("s9").docks = 0
        app.action_refresh()
        await settle(app, pilot)
        assert screen.plan.trips[0].dropoff.station_id != "s9"
        said = [n.message for n in app._notifications]
        assert any(m.startswith("Hôtel de Ville is now full: next best Alpha → ") for m in said)
        app.action_refresh()
        await settle(app, pilot)
        said_again = [n.message for n in app._notifications if "now full" in n.message]
        assert len(said_again) == 1


async def test_no_trip_says_why(fav_path: Path) -> None:
    system = FakeSystem()
    for station in system.stations:
        station.docks = 0
    app = make_app(system, favourites_path=fav_path,
                   destination=Destination(HOTEL, "hotel"))  # fmt: skip
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await planned(app, pilot)
        assert not screen.plan.trips
        assert str(screen.message.render()) == "No trip: no free dock in Test Bikes"
        assert not screen.table.display


def test_the_layout_fits_60_columns_and_keeps_names_total_and_counts() -> None:
    cells = [{"rank": "1", "total": "12 min", "system": "Test Bikes",
              "pickup": "A very long station name indeed", "bikes": "12", "walk_to": "3 min",
              "ride": "8 min", "dropoff": "Another long station name", "docks": "4",
              "walk_from": "1 min", "price": "1.00 €"}]  # fmt: skip
    narrow = trip_layout(60, cells, several=False)
    assert {"rank", "total", "pickup", "bikes", "dropoff", "docks"} <= narrow.keys()
    assert sum(width + 2 for width in narrow.values()) <= 60
    wide = trip_layout(160, cells, several=True)
    assert list(wide) == ["rank", "total", "system", "pickup", "bikes", "walk_to", "ride",
                          "dropoff", "docks", "walk_from", "price"]  # fmt: skip
    assert wide["pickup"] == len("A very long station name indeed")


async def test_the_command_line_to_opens_the_app_on_its_trips() -> None:
    from bikefinder.cli.main import parse_options
    from bikefinder.ui.start import build_app

    app = build_app(parse_options(["--demo", "--to", "48.8606,2.3376", "--mode", "ebike"]))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await planned(app, pilot)
        assert screen.label == "48.8606,2.3376" and screen.mode is Mode.EBIKE
        assert screen.plan.trips and screen.plan.trips[0].pickup.electric_ride
        assert app.speeds.riding_kmh == 15.0 and app.speeds.ebike_kmh == 18.0
