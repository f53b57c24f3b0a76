"""The app in the rider's units: the list's Distance cells, the details and the map's
legend follow the lead system's country (the catalog's), or the rider's ``--units``."""

from __future__ import annotations

import re
from datetime import UTC
from typing import Any

from test_ui_app import screen_text
from test_ui_mixed import LINZ_FOLDER, cell, floating, rows, settle_mixed
from ui_support import SIZE

from bikefinder.common.units import Units
from bikefinder.rider.favourites import FavouritesStore
from bikefinder.rider.rows import Kind
from bikefinder.systems.source import SystemSource
from bikefinder.ui.app import BikefinderApp
from bikefinder.ui.screens.details import DetailsScreen
from bikefinder.ui.widgets.map_panel import MapPanel
from tests.test_loader_optional_feeds import serve_real
from tests.test_nearby_once import LINZ

IMPERIAL_TEXT = re.compile(r"^\d+(\.\d)? (ft|mi)$")


def app_for(feed_server: Any, tmp_path: Any, country: str) -> BikefinderApp:
    linz = SystemSource(serve_real(feed_server, LINZ_FOLDER), country=country)
    return BikefinderApp(
        linz, LINZ, FavouritesStore(tmp_path / "favourites.json"), local_tz=UTC,
        more_sources=[SystemSource(floating(feed_server))], limit=20,
    )  # fmt: skip


async def test_a_us_catalog_country_lists_feet_and_miles(feed_server, tmp_path) -> None:
    app = app_for(feed_server, tmp_path, "US")
    async with app.run_test(size=SIZE) as pilot:
        await settle_mixed(app, pilot, 2)
        shown = rows(app)
        assert shown and all(row.units is Units.IMPERIAL for row in shown)
        for row in shown[:8]:
            assert IMPERIAL_TEXT.match(cell(app, row, "distance").plain), row.distance_m
        vehicle = next(row for row in shown if row.kind is Kind.VEHICLE and row.range_text)
        assert vehicle.range_text is not None and vehicle.range_text.endswith(" mi")
        app.stations.table.move_cursor(row=shown.index(vehicle))
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, DetailsScreen)
        text = screen_text(app)
        assert f"{vehicle.distance_text} {vehicle.bearing} · about" in text
        assert vehicle.range_text in text and " km" not in text
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("M")
        await pilot.pause()
        panel: MapPanel = app.stations.map_panel
        legend = screen_text(app)
        assert panel.display and re.search(r"┤ \d+(\.\d)? (ft|mi)\b", legend), legend


async def test_units_flag_wins_over_the_country(feed_server, tmp_path) -> None:
    app = app_for(feed_server, tmp_path, "US")
    app.view.units_choice = Units.METRIC
    async with app.run_test(size=SIZE) as pilot:
        await settle_mixed(app, pilot, 2)
        first = rows(app)[0]
        assert cell(app, first, "distance").plain.endswith((" m", " km"))
    austria = app_for(feed_server, tmp_path, "AT")
    async with austria.run_test(size=SIZE) as pilot:
        await settle_mixed(austria, pilot, 2)
        assert rows(austria)[0].units is Units.METRIC
