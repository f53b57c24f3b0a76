"""Pilot tests of alerts a rider can read: the header names the most important one, ``!``
lists them all in full, the keys panel and the palette offer it, a station's details
list its own; and prices read as one sentence with the tariff in the details."""

from __future__ import annotations

import time
from datetime import UTC
from pathlib import Path
from typing import Any

from test_ui_app import screen_text
from test_ui_mixed import LINZ_FOLDER, first_station_id, floating, mixed_app, rows, settle_mixed
from ui_support import SIZE, move_to

from bikefinder.rider.favourites import FavouritesStore
from bikefinder.rider.modes import Mode
from bikefinder.systems.source import SystemSource
from bikefinder.ui.app import BikefinderApp
from bikefinder.ui.commands import palette_commands
from bikefinder.ui.screens.alerts import AlertsScreen
from bikefinder.ui.screens.details import DetailsScreen
from bikefinder.ui.screens.keys import KeysScreen
from tests.test_loader_optional_feeds import serve_real

RENNINGEN_FOLDER = "oekostadt-renningen-mobidatabw_2.3_2025"
RENNINGEN = (48.77076, 8.94292)  # Lindenstraße, its first station
NOTICE = "Keine Echtzeitdaten"
NOTICE_TEXT = "Keine Echtzeitdaten zum Buchungsstatus der Fahrzeuge."


def renningen_app(feed_server: Any, tmp_path: Path) -> BikefinderApp:
    source = SystemSource(gbfs_url=serve_real(feed_server, RENNINGEN_FOLDER))
    favourites = FavouritesStore(tmp_path / "favourites.json")
    return BikefinderApp(source, RENNINGEN, favourites, local_tz=UTC, limit=20)


def linz_alerts(now: int, station_id: str) -> dict[str, Any]:
    return {
        "last_updated": now, "ttl": 60, "version": "2.3",
        "data": {"alerts": [
            {"alert_id": "works", "type": "station_closure", "summary": "Works at Alter Markt",
             "description": "Docks replaced until Friday", "url": "https://example.org/works",
             "station_ids": [station_id], "times": [{"start": now - 3600, "end": now + 3600}]},
            {"alert_id": "strike", "type": "system_closure", "summary": "Strike today",
             "last_updated": now - 60},
        ]},
    }  # fmt: skip


async def test_one_system_s_alert_is_in_the_header_and_in_full_behind_the_key(
    feed_server, tmp_path
) -> None:
    app = renningen_app(feed_server, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle_mixed(app, pilot, 1)
        header = app.stations.header_state()
        assert header.alert == NOTICE
        text = screen_text(app)
        assert f"⚠ {NOTICE}" in text and "! alerts" in text
        assert text.splitlines()[-1].rstrip().endswith("q Quit")  # the footer keeps q
        await pilot.press("exclamation_mark")
        await pilot.pause()
        assert isinstance(app.screen, AlertsScreen)
        text = screen_text(app)
        assert NOTICE_TEXT in text and "whole system" in text and "notice" in text
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, AlertsScreen)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, KeysScreen) and "all alerts" in screen_text(app)


async def test_with_two_systems_the_most_important_alert_leads_and_its_system_is_named(
    feed_server, tmp_path
) -> None:
    station_id = first_station_id()
    overrides = {"system_alerts": linz_alerts(int(time.time()), station_id)}
    linz = serve_real(feed_server, LINZ_FOLDER, overrides=overrides)
    renningen = serve_real(feed_server, RENNINGEN_FOLDER)
    app = mixed_app(tmp_path, [linz, renningen])
    async with app.run_test(size=SIZE) as pilot:
        await settle_mixed(app, pilot, 2)
        header = app.stations.header_state()
        # A whole-system closure before a whole-system notice before one station's.
        assert header.alert == "city bike Linz: Strike today (+2 more)"
        assert "alert" not in header.detail  # not counted twice
        await pilot.press("exclamation_mark")
        await pilot.pause()
        assert isinstance(app.screen, AlertsScreen)
        titles = [entry.title for entry in app.screen.entries]
        assert titles == ["Strike today", NOTICE, "Works at Alter Markt"]
        text = screen_text(app)
        assert "Alerts (3)" in text and "https://example.org/works" in text
        assert "1 station · station closure · from" in text
        await pilot.press("escape")
        move_to(app, station_id)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, DetailsScreen)
        text = screen_text(app)
        assert "Works at Alter Markt" in text and "Docks replaced until Friday" in text
        assert "Strike today" in text  # the header stays on the details too


async def test_the_palette_offers_the_alerts(feed_server, tmp_path) -> None:
    app = renningen_app(feed_server, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle_mixed(app, pilot, 1)
        commands = {c.title: c for c in palette_commands(
            app.stations, None, refresh=lambda: None, choose_system=lambda: None)}  # fmt: skip
        assert "(!)" in commands["Alerts"].help
        commands["Alerts"].callback()
        await pilot.pause()
        assert isinstance(app.screen, AlertsScreen)


async def test_no_alerts_no_alert_line_and_no_key_in_the_footer(feed_server, tmp_path) -> None:
    app = mixed_app(tmp_path, [serve_real(feed_server, LINZ_FOLDER)])
    async with app.run_test(size=SIZE) as pilot:
        await settle_mixed(app, pilot, 1)
        assert app.stations.header_state().alert is None
        text = screen_text(app)
        assert "! alerts" not in text and "Alerts" not in text
        await pilot.press("exclamation_mark")
        await pilot.pause()
        assert not isinstance(app.screen, AlertsScreen)


async def test_a_station_price_says_the_cheapest_plan_and_the_details_every_step(
    feed_server, tmp_path
) -> None:
    app = mixed_app(tmp_path, [serve_real(feed_server, LINZ_FOLDER), floating(feed_server)])
    async with app.run_test(size=SIZE) as pilot:
        await settle_mixed(app, pilot, 2)
        station = next(row for row in rows(app) if row.station is not None)
        assert station.price == "from €1 to start, then €1 per 15 min, 2 plans"
        move_to(app, station.key.item_id)
        await pilot.press("enter")
        await pilot.pause()
        text = screen_text(app)
        assert "from €1 to start, then €1 per 15 min, 2 plans" in text
        assert "Tariff" in text and "€1 per 15 min from 16 min until 3 h 31 min" in text
        assert app.stations.mode is Mode.ANY_BIKE
