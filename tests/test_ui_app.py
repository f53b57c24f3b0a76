"""Pilot tests of the station finder: every key, refresh, failure and recovery."""

from __future__ import annotations

import html
import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from rich.text import Text
from ui_support import (
    GBFS_URL,
    INFO_TTL_S,
    SIZE,
    T0,
    FakeClock,
    FakeSystem,
    cell_of,
    fill_cache,
    highlighted_id,
    key_of,
    listed_ids,
    make_app,
    move_to,
    run_palette_command,
    settle,
    time_passes,
)

from bikefinder.cli.main import main
from bikefinder.feeds.cache import FeedCache
from bikefinder.rider.favourites import Favourite, FavouritesStore
from bikefinder.rider.modes import Mode
from bikefinder.systems.source import demo_source
from bikefinder.ui.app import BikefinderApp
from bikefinder.ui.screens.details import DetailsScreen

# In distance order, "any bike" mode: s2 has no bikes, s5 is closed, s6 not installed.
FIRST_ROWS = ["s1", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9", "f01"]


def cell(app: BikefinderApp, station_id: str, column: str) -> Text:
    return cell_of(app, station_id, column)


def screen_text(app: BikefinderApp) -> str:
    """The rendered screen as plain text (from the SVG export, so what a terminal shows)."""
    svg = app.export_screenshot()
    lines = re.findall(r"<text[^>]*>(.*?)</text>", svg)
    return html.unescape("".join(lines)).replace("\xa0", " ")


async def test_first_load_lists_stations_in_distance_order_with_ranks(fav_path: Path) -> None:
    app = make_app(favourites_path=fav_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert listed_ids(app)[:10] == FIRST_ROWS
        ranks = [cell(app, key, "rank").plain for key in FIRST_ROWS]
        assert ranks == ["1", "–", "2", "3", "–", "–", "4", "5", "6", "7"]
        assert app.stations.table.row_count == 23  # 20 useful + 3 useless among the 20 nearest
        assert cell(app, "s1", "distance").plain == "100 m"
        assert cell(app, "s1", "direction").plain == "N"
        assert cell(app, "s2", "direction").plain == "E"
        assert listed_ids(app)[-1] == "f14"
        assert cell(app, "f14", "distance").plain == "1.7 km"
        assert (cell(app, "s1", "bikes").plain.strip(), cell(app, "s1", "mechanical").plain.strip(),
                cell(app, "s1", "electric").plain.strip(), cell(app, "s1", "docks").plain.strip()
                ) == ("5", "3", "2", "10")  # fmt: skip
        state = app.header_state()
        assert state.system_name == "Test Bikes"
        assert state.freshness == "updated 8 s ago"
        assert state.health == "ok" and state.problem is None
        assert app.focused is app.stations.table


async def test_status_column_makes_every_state_unmistakable(fav_path: Path) -> None:
    app = make_app(favourites_path=fav_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        status = {key: cell(app, key, "status").plain.strip() for key in FIRST_ROWS}
        assert status["s1"] == ""
        assert status["s2"] == "no bikes"
        assert status["s5"] == "CLOSED"
        assert status["s6"] == "NOT INSTALLED"
        assert status["s7"] == "NOT RETURNING"
        assert status["s8"] == "report 3 h old"
        closed_styles = {str(span.style) for span in cell(app, "s5", "status").spans}
        assert "bold white on red" in closed_styles
        # A useless station is dimmed; a useful one has its wanted count in bold.
        assert any("dim" in str(span.style) for span in cell(app, "s2", "name").spans)
        assert any("bold" in str(span.style) for span in cell(app, "s1", "bikes").spans)


async def test_feed_text_is_shown_literally(fav_path: Path) -> None:
    app = make_app(favourites_path=fav_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        delta = cell(app, "s4", "name")
        assert delta.plain == "[bold red]Delta[/]"
        assert not any("red" in str(span.style) for span in delta.spans)
        evil = cell(app, "s5", "name").plain
        assert evil == "Echo [31m Evil"  # ESC, BEL and the bidi override are gone
        assert not re.search(r"[\x00-\x1f\x7f\u202e]", evil)
        text = screen_text(app)
        assert "[bold red]Delta[/]" in text
        assert "\x1b" not in text and "\x07" not in text


async def test_movement_keys(fav_path: Path) -> None:
    app = make_app(favourites_path=fav_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        table = app.stations.table
        assert table.cursor_row == 0
        await pilot.press("down", "j", "j")
        assert table.cursor_row == 3
        await pilot.press("k", "up")
        assert table.cursor_row == 1
        await pilot.press("end")
        assert table.cursor_row == table.row_count - 1
        await pilot.press("home")
        assert table.cursor_row == 0
        await pilot.press("pagedown")
        assert table.cursor_row > 5
        await pilot.press("pageup")
        assert table.cursor_row == 0


async def test_enter_opens_details_and_escape_returns(fav_path: Path) -> None:
    app = make_app(favourites_path=fav_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("enter")
        assert isinstance(app.screen, DetailsScreen)
        assert app.screen.key.item_id == "s1"
        text = screen_text(app)
        for expected in (
            "Alpha",
            "5 bikes · 10 free docks",
            "3 mechanical, 2 e-bikes",
            "100 m N · about 2 min on foot",
            "1 Rue A",
            "Capacity",
            "20",
            "1 bike, 0 docks",  # disabled
            "renting yes",
            "Last reported",
            "2025-10-18 08:50:00 UTC",
            "48.857499, 2.352200",
            "0° (N)",
            "https://bikes.test/rent/s1",
        ):
            assert expected in text, expected
        # List-only keys do nothing here.
        await pilot.press("m", "v")
        assert app.stations.mode is Mode.ANY_BIKE and not app.stations.favourites_view
        await pilot.press("escape")
        assert not isinstance(app.screen, DetailsScreen)
        assert highlighted_id(app) == "s1"


async def test_header_and_details_given_before_the_details_screen_is_composed(
    fav_path: Path,
) -> None:
    """A refresh landing between push_screen and compose must not crash (CI saw NoMatches)."""
    app = make_app(favourites_path=fav_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = DetailsScreen(app.row_details(key_of(app, "s2")))
        screen.show_header(app.header_state())  # not composed: kept for on_mount
        screen.show(app.row_details(key_of(app, "s1")))
        await app.push_screen(screen)
        await pilot.pause()
        text = screen_text(app)
        assert "Alpha" in text and "Test Bikes" in text


async def test_details_of_a_closed_station_and_of_a_station_gone_from_the_feed(
    fav_path: Path,
) -> None:
    system, clock = FakeSystem(), FakeClock()
    app = make_app(system, favourites_path=fav_path, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        move_to(app, "s5")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, DetailsScreen) and app.screen.key.item_id == "s5"
        assert "CLOSED" in screen_text(app)
        system.stations = [s for s in system.stations if s.station_id != "s5"]
        # station_information is only refetched on its ttl: let that much time pass.
        time_passes(system, clock, INFO_TTL_S)
        await pilot.press("r")
        await settle(app, pilot)
        assert isinstance(app.screen, DetailsScreen) and app.screen.details.row is None
        await pilot.pause()
        assert "no longer in the feed" in screen_text(app)


async def test_favourite_toggle_view_and_persistence(fav_path: Path) -> None:
    other = Favourite("https://other.test/gbfs.json", "oslo", "Oslo Bysykkel", "77", "Torggata",
                      "2025-01-01T00:00:00Z")  # fmt: skip
    FavouritesStore(fav_path).toggle(other)
    app = make_app(favourites_path=fav_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("j", "j", "f")  # s3
        assert cell(app, "s3", "name").plain == "★ Charlie"
        saved = json.loads(fav_path.read_text())["favourites"]
        assert {(f["gbfs_url"], f["station_id"]) for f in saved} == {
            ("https://other.test/gbfs.json", "77"),
            (GBFS_URL, "s3"),
        }
        assert FavouritesStore(fav_path).is_favourite(GBFS_URL, "s3")
        await pilot.press("v")
        assert app.stations.favourites_view
        assert listed_ids(app) == ["s3"]
        assert app.header_state().favourites_view
        others = screen_text(app)
        assert "Oslo Bysykkel" in others and "Torggata" in others
        await pilot.press("f")  # removes s3, from the favourites view
        assert listed_ids(app) == []
        assert "No favourites in this system yet" in screen_text(app)
        assert not FavouritesStore(fav_path).is_favourite(GBFS_URL, "s3")
        await pilot.press("v")
        assert not app.stations.favourites_view and app.stations.table.row_count == 23


async def test_favourites_view_names_favourites_missing_from_the_feed(fav_path: Path) -> None:
    gone = Favourite(GBFS_URL, "test", "Test Bikes", "zz", "Old Station", "2025-01-01T00:00:00Z")
    FavouritesStore(fav_path).toggle(gone)
    app = make_app(favourites_path=fav_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("v")
        assert listed_ids(app) == ["zz"]  # a row of its own, with why it has no numbers
        text = screen_text(app)
        assert "Old Station" in text and "not in feed" in text


async def test_store_notices_are_shown_at_start(fav_path: Path) -> None:
    fav_path.parent.mkdir(parents=True)
    fav_path.write_text("{not json")
    app = make_app(favourites_path=fav_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        messages = [n.message for n in app._notifications]
        assert any("moved aside" in message for message in messages), messages


async def test_filter_by_name_as_you_type_and_escape_clears(fav_path: Path) -> None:
    app = make_app(favourites_path=fav_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("slash")
        assert app.focused is app.stations.filter_bar
        await pilot.press("h", "o", "t")
        assert listed_ids(app) == ["s8", "s9"]  # "Hôtel" matches too
        await pilot.press("e", "l", "space", "d", "e")
        assert listed_ids(app) == ["s9"]
        assert "filter: hotel de" in app.header_state().detail
        await pilot.press("escape")
        assert app.stations.filter_query == "" and not app.stations.filter_bar.display
        assert app.stations.table.row_count == 23 and app.focused is app.stations.table
        # Enter keeps the filter and opens the highlighted match; Escape goes back to
        # the filtered table, and Escape there clears the filter.
        await pilot.press("slash", "z", "z", "z")
        assert app.stations.table.row_count == 0
        assert "No station name matches" in screen_text(app)
        await pilot.press("backspace", "backspace", "backspace", "f", "i", "l", "down", "enter")
        await pilot.pause()
        assert isinstance(app.screen, DetailsScreen) and app.screen.key.item_id == "f02"
        await pilot.press("escape")
        await pilot.pause()
        assert app.focused is app.stations.table and app.stations.filter_query == "fil"
        assert highlighted_id(app) == "f02"
        await pilot.press("escape")
        assert app.stations.filter_query == "" and app.stations.table.row_count == 23
        assert highlighted_id(app) == "f02"


async def test_filter_then_enter_opens_the_nearest_match(fav_path: Path) -> None:
    app = make_app(favourites_path=fav_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        move_to(app, "f03")  # "Filler 03": it stays a match, the 3rd one
        await pilot.press("slash", *"filler", "enter")
        await pilot.pause()
        assert isinstance(app.screen, DetailsScreen)
        assert app.screen.key.item_id == listed_ids(app)[0] == "f01"


async def test_a_filter_that_hides_the_highlighted_station_highlights_the_nearest_match(
    fav_path: Path,
) -> None:
    app = make_app(favourites_path=fav_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("j", "j", "j")
        assert highlighted_id(app) == "s4"  # Delta: no "i" in its name
        await pilot.press("slash", "i")
        keys = listed_ids(app)
        assert "s4" not in keys and len(keys) > 4
        assert highlighted_id(app) == keys[0]  # not the 4th match
        await pilot.press("escape")  # the match stays highlighted in the whole list
        assert highlighted_id(app) == keys[0]


async def test_mode_cycles_and_ranking_follows(fav_path: Path) -> None:
    app = make_app(favourites_path=fav_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("j", "j", "j", "m")
        assert app.stations.mode is Mode.EBIKE
        assert highlighted_id(app) == "s4"  # the cursor stays on its station
        assert cell(app, "s3", "status").plain.strip() == "no e-bikes"
        assert cell(app, "s3", "rank").plain == "–"
        assert cell(app, "s2", "status").plain.strip() == "no e-bikes"
        await pilot.press("m")
        assert app.stations.mode is Mode.DOCK
        assert app.header_state().mode is Mode.DOCK
        ranks = {key: cell(app, key, "rank").plain for key in ("s1", "s2", "s3", "s4", "s7")}
        assert ranks == {"s1": "1", "s2": "2", "s3": "–", "s4": "3", "s7": "–"}
        assert cell(app, "s3", "status").plain.strip() == "full"
        assert cell(app, "s7", "status").plain.strip() == "NOT RETURNING"
        assert any("dim" in str(span.style) for span in cell(app, "s7", "docks").spans)
        assert any("bold" in str(span.style) for span in cell(app, "s1", "docks").spans)
        await pilot.press("m")
        assert app.stations.mode is Mode.ANY_BIKE


async def test_refresh_updates_cells_in_place_with_change_markers(fav_path: Path) -> None:
    system = FakeSystem()
    app = make_app(system, favourites_path=fav_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        table = app.stations.table
        await pilot.press("j", "j", "j")
        assert highlighted_id(app) == "s4"
        system.by_id("s1").bikes = 8  # 5 -> 8, of which electric 2 -> 4
        system.by_id("s1").electric = 4
        system.by_id("s4").docks = 2  # 5 -> 2
        system.last_updated += timedelta(seconds=30)
        rebuilds: list[bool] = []
        original_clear = table.clear
        table.clear = lambda columns=False: rebuilds.append(columns) or original_clear(columns)  # type: ignore[method-assign]
        await pilot.press("r")
        await settle(app, pilot)
        assert rebuilds == []  # same rows in the same order: cells updated in place
        assert app.stations.table is table and highlighted_id(app) == "s4"
        assert cell(app, "s1", "bikes").plain.lstrip() == "8↑"
        assert cell(app, "s1", "electric").plain.lstrip() == "4↑"
        assert cell(app, "s1", "mechanical").plain.lstrip() == "4↑"  # 3 -> 4 as well
        assert cell(app, "s4", "docks").plain.lstrip() == "2↓"
        assert cell(app, "s9", "bikes").plain.lstrip() == "7 "
        # The next refresh with nothing changed clears the markers.
        await pilot.press("r")
        await settle(app, pilot)
        assert cell(app, "s1", "bikes").plain.lstrip() == "8 "


async def test_cursor_stays_on_the_same_station_when_ranks_and_rows_change(
    fav_path: Path,
) -> None:
    system = FakeSystem()
    app = make_app(system, favourites_path=fav_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("j", "j", "j")
        assert highlighted_id(app) == "s4" and cell(app, "s4", "rank").plain == "3"
        system.by_id("s1").renting = 0  # s1 and s3 stop being options; s2 becomes one
        system.by_id("s1").returning = 0
        system.by_id("s3").bikes = 0
        system.by_id("s2").bikes = 4
        await pilot.press("r")
        await settle(app, pilot)
        assert highlighted_id(app) == "s4"
        assert cell(app, "s4", "rank").plain == "2"
        assert cell(app, "s1", "status").plain.strip() == "CLOSED"
        assert "f15" in listed_ids(app)  # a farther station fills the list


async def test_auto_refresh_follows_the_status_ttl_and_keeps_info(fav_path: Path) -> None:
    system = FakeSystem(status_ttl=30)
    clock = FakeClock()
    app = make_app(system, favourites_path=fav_path, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert app.lead.schedule.refresh_s == 30
        assert system.requests.count("station_status") == 1
        clock.advance(29)
        app.tick()
        await settle(app, pilot)
        assert system.requests.count("station_status") == 1
        clock.advance(2)
        app.tick()
        await settle(app, pilot)
        assert system.requests.count("station_status") == 2
        assert system.requests.count("station_information") == 1


async def test_refresh_interval_is_clamped_or_overridden(fav_path: Path) -> None:
    async def interval(system: FakeSystem, **kwargs: float) -> float:
        app = make_app(system, favourites_path=fav_path, **kwargs)
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            return app.lead.schedule.refresh_s

    assert await interval(FakeSystem(status_ttl=1)) == 5
    assert await interval(FakeSystem(status_ttl=3600)) == 60
    assert await interval(FakeSystem(status_ttl=3600), refresh_s=7.0) == 7


async def test_failed_refresh_keeps_data_says_why_backs_off_and_recovers(fav_path: Path) -> None:
    system = FakeSystem()
    clock = FakeClock()
    app = make_app(system, favourites_path=fav_path, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("j", "j")
        system.failing["station_status"] = 503
        clock.advance(20)
        await pilot.press("r")
        await settle(app, pilot)
        state = app.header_state()
        assert state.health == "error"
        assert state.problem is not None
        assert state.problem == (
            "Showing data from 28 s ago: refresh failed "
            "(station_status: HTTP 503 Service Unavailable); retrying in 5 s"
        )
        assert "refresh failed" in screen_text(app)
        assert app.lead.schedule.last_error is not None
        assert app.lead.schedule.last_error.startswith("Test Bikes: station_status: HTTP 503")
        assert app.stations.table.row_count == 23 and highlighted_id(app) == "s3"
        # Backoff: the next retry is 5 s later, then 10 s.
        clock.advance(4)
        app.tick()
        await settle(app, pilot)
        assert app.lead.schedule.failures == 1
        clock.advance(1)
        app.tick()
        await settle(app, pilot)
        assert app.lead.schedule.failures == 2
        assert "retrying in 10 s" in (app.header_state().problem or "")
        # The system comes back: the next retry recovers without any key press.
        del system.failing["station_status"]
        system.by_id("s3").bikes = 9
        clock.advance(10)
        app.tick()
        await settle(app, pilot)
        state = app.header_state()
        assert state.health == "ok" and state.problem is None and app.lead.schedule.failures == 0
        assert cell(app, "s3", "bikes").plain.lstrip() == "9↑"
        assert highlighted_id(app) == "s3"


async def test_first_load_failure_shows_an_error_and_keeps_retrying(fav_path: Path) -> None:
    system = FakeSystem(failing={"*": 500})
    clock = FakeClock()
    app = make_app(system, favourites_path=fav_path, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert app.lead.snapshot is None and not app.stations.table.display
        text = screen_text(app)
        assert "Could not load" in text
        assert "gbfs.json: HTTP 500 Internal Server Error" in text
        assert "Retrying in 5 s" in text
        assert app.header_state().freshness == "no data yet"
        # Keys that need data do nothing (and nothing crashes).
        await pilot.press("f", "enter", "slash")
        assert not isinstance(app.screen, DetailsScreen)
        system.failing.clear()
        clock.advance(5)
        app.tick()
        await settle(app, pilot)
        assert app.lead.snapshot is not None and app.stations.table.display
        assert app.stations.table.row_count == 23 and app.focused is app.stations.table


async def test_broken_feed_document_is_an_error_message_not_a_crash(fav_path: Path) -> None:
    system = FakeSystem()
    system.station_status = lambda: {"data": "nope"}  # type: ignore[method-assign]
    app = make_app(system, favourites_path=fav_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert "station_status" in screen_text(app)
        assert app.lead.schedule.last_error is not None and "'data'" in app.lead.schedule.last_error


async def test_cached_data_is_shown_marked_when_the_network_fails_at_start(
    fav_path: Path, tmp_path: Path
) -> None:
    system = FakeSystem()
    cache_root = tmp_path / "cache"
    await fill_cache(system, fav_path, cache_root)
    system.failing["*"] = 503
    clock = FakeClock(T0 + timedelta(hours=2))
    app = make_app(system, favourites_path=fav_path, clock=clock,
                   cache=FeedCache(GBFS_URL, cache_root))  # fmt: skip
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert app.lead.snapshot is not None and app.lead.snapshot.from_cache
        assert app.stations.table.row_count == 23
        state = app.header_state()
        assert state.freshness == "CACHED data, 2 h old"
        assert state.health == "error"
        assert "HTTP 503" in (state.problem or "")
        assert "cached data from 2 h ago" in (state.problem or "")
        system.failing.clear()
        clock.advance(5)
        app.tick()
        await settle(app, pilot)
        assert not app.lead.snapshot.from_cache and app.header_state().health == "stale"


async def test_stale_data_is_a_visible_warning(fav_path: Path) -> None:
    app = make_app(
        favourites_path=fav_path, clock=FakeClock(datetime(2025, 10, 18, 9, 12, tzinfo=UTC))
    )
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        state = app.header_state()
        assert state.health == "stale" and state.freshness == "updated 12 min ago"
        assert state.problem is not None and "Stale" in state.problem
        assert "Stale" in screen_text(app)


async def test_demo_mode_never_pretends_to_be_live(fav_path: Path) -> None:
    app = make_app(source=demo_source(), favourites_path=fav_path,
                   clock=FakeClock(datetime(2030, 1, 1, tzinfo=UTC)))  # fmt: skip
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        state = app.header_state()
        assert state.freshness == "demo data from 2025-10-18"
        assert state.health == "ok" and state.problem is None
        assert state.system_name == "Vélib' Métropole"
        assert "demo data from 2025-10-18" in screen_text(app)


async def test_every_action_is_in_the_command_palette(fav_path: Path) -> None:
    app = make_app(favourites_path=fav_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        titles = {command.title for command in app.get_system_commands(app.screen)}
        for title in ("Refresh now", "Cycle mode", "Toggle favourite", "Favourites / all stations",
                      "Filter by name", "Clear filter", "Station details", "Quit"):  # fmt: skip
            assert title in titles
        await run_palette_command(app, pilot, "look for: free dock")
        assert app.stations.mode is Mode.DOCK


async def test_q_quits(fav_path: Path) -> None:
    app = make_app(favourites_path=fav_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("q")
        await pilot.pause()
        assert app._exit


def test_missing_near_without_demo_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--system", "https://bikes.test/gbfs.json"]) == 2
    assert "--near" in capsys.readouterr().err


async def test_names_get_the_room_the_terminal_has_and_cursor_survives_resize(
    fav_path: Path,
) -> None:
    system = FakeSystem()
    system.by_id("s1").name = "A very long station name that goes on and on - Rivoli"
    app = make_app(system, favourites_path=fav_path)
    async with app.run_test(size=(80, 30)) as pilot:
        await settle(app, pilot)
        await pilot.press("j", "j")
        assert cell(app, "s1", "name").plain == "A very long station n…"  # 22 wide
        await pilot.resize_terminal(160, 30)
        await pilot.pause()
        assert cell(app, "s1", "name").plain == system.by_id("s1").name
        assert highlighted_id(app) == "s3"


async def test_start_up_shows_cached_data_at_once_then_live_replaces_it(
    fav_path: Path, tmp_path: Path
) -> None:
    """Stale-while-revalidate: the cache is on screen while the live fetch is still out."""
    import asyncio

    import httpx

    from bikefinder.systems.source import SystemSource

    system = FakeSystem()
    cache_root = tmp_path / "cache"
    await fill_cache(system, fav_path, cache_root)
    system.by_id(system.stations[0].station_id).bikes += 5  # live data moved on since
    network_answers = asyncio.Event()

    async def slow_network(request: httpx.Request) -> httpx.Response:
        await network_answers.wait()
        return system.handle(request)

    source = SystemSource(gbfs_url=GBFS_URL, transport=httpx.MockTransport(slow_network))
    app = make_app(source=source, favourites_path=fav_path,
                   cache=FeedCache(GBFS_URL, cache_root))  # fmt: skip
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.lead.snapshot is not None and app.lead.snapshot.from_cache
        assert app.stations.table.row_count == 23
        assert (app.header_state().freshness or "").startswith("CACHED data")
        cached_bikes = app.lead.snapshot.stations[0].status.bikes
        network_answers.set()
        await settle(app, pilot)
        assert not app.lead.snapshot.from_cache
        assert app.lead.snapshot.stations[0].status.bikes == cached_bikes + 5


def test_favorites_flag_opens_the_app_on_the_favourites_view() -> None:
    from bikefinder.cli.main import parse_options
    from bikefinder.ui.start import build_app

    assert build_app(parse_options(["--demo", "--favorites"])).stations.favourites_view is True
    app = build_app(parse_options(["--demo", "--limit", "7"]))
    assert app.stations.favourites_view is False and app.limit == 7 and app.lead.source.is_demo


async def test_timers_firing_during_shutdown_find_no_screen(fav_path: Path) -> None:
    """The 1 s tick may fire while the app shuts down: no screen, no ScreenStackError."""
    app = make_app(favourites_path=fav_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert app.screen is app.stations
    assert not app.screen_stack  # shut down: the stack is empty
    app.tick()  # a late tick draws nothing and raises nothing
