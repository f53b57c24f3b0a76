"""Pilot and snapshot tests of the app's watches (a), the map (M), trends."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from map_cells import cells_of_kind
from textual.message import Message
from textual.pilot import Pilot
from ui_support import (
    GBFS_URL,
    SIZE,
    FakeClock,
    FakeSystem,
    cell_of,
    listed_ids,
    make_app,
    move_to,
    settle,
)

from bikefinder.cli.main import main, parse_options
from bikefinder.rider.favourites import Favourite, FavouritesStore
from bikefinder.rider.mapgrid import HIGHLIGHT_GLYPH, ORIGIN_GLYPH, CellKind, MapGrid
from bikefinder.rider.watches import FiredWatch, Watch, WatchKind
from bikefinder.ui.app import BikefinderApp
from bikefinder.ui.messages import WatchFired
from bikefinder.ui.screens.watch_dialog import WatchDialog

SnapCompare = Callable[..., bool]


def count_bells(app: BikefinderApp) -> list[int]:
    """Replace the terminal bell with a counter (one item per ring)."""
    rings: list[int] = []
    app.bell = lambda: rings.append(1)  # type: ignore[method-assign]
    return rings


def watch_messages(app: BikefinderApp) -> list[str]:
    return [n.message for n in app._notifications if n.title == "Watch"]


async def refresh(app: BikefinderApp, pilot: Pilot[Any], system: FakeSystem) -> None:
    """A refresh with new data (the feed's time moves on, as a live feed's does)."""
    system.last_updated += timedelta(seconds=30)
    await pilot.press("r")
    await settle(app, pilot)


async def open_dialog_on(app: BikefinderApp, pilot: Pilot[Any], station_id: str) -> WatchDialog:
    move_to(app, station_id)
    await pilot.press("a")
    await pilot.pause()
    assert isinstance(app.screen, WatchDialog)
    return app.screen


async def test_watch_set_from_the_dialog_fires_once_and_rearms(fav_path: Path) -> None:
    system = FakeSystem()
    app = make_app(system, favourites_path=fav_path)
    fired: list[FiredWatch] = []  # the alerts, as the app is told of them

    def hook(message: Message) -> None:
        if isinstance(message, WatchFired):
            fired.append(message.fired)

    async with app.run_test(size=SIZE, message_hook=hook) as pilot:
        await settle(app, pilot)
        rings = count_bells(app)
        dialog = await open_dialog_on(app, pilot, "s2")  # Bravo: 0 bikes
        assert dialog.chosen_kind() is WatchKind.BIKES  # from the mode
        await pilot.press("2", "enter")  # the "1" is selected: typing replaces it
        await pilot.pause()
        assert not isinstance(app.screen, WatchDialog)
        # Setting a watch made Bravo a favourite, with its watch, on disk.
        saved = FavouritesStore(fav_path).get(GBFS_URL, "s2")
        assert saved is not None and saved.watch == Watch(WatchKind.BIKES, 2)
        assert cell_of(app, "s2", "name").plain.startswith("★")
        assert "★ Watching Bravo: notify when it has at least 2 bikes" in watch_messages(app)
        bravo = system.by_id("s2")
        bravo.bikes = 1
        await refresh(app, pilot, system)
        assert rings == [] and fired == []
        bravo.bikes = 3  # at least 2: fires
        await refresh(app, pilot, system)
        assert len(rings) == 1
        assert "Bravo: 3 bikes now (watching for at least 2 bikes)" in watch_messages(app)
        for bikes in (3, 5):  # the same data again, then still true: no more bells
            bravo.bikes = bikes
            await refresh(app, pilot, system)
        assert len(rings) == 1 and len(fired) == 1
        bravo.bikes = 0  # false again re-arms it...
        await refresh(app, pilot, system)
        bravo.bikes = 2  # ...so becoming true rings again
        await refresh(app, pilot, system)
        assert len(rings) == 2 and fired[-1].count == 2


async def test_enter_on_a_kind_chooses_it_and_sets_the_watch(fav_path: Path) -> None:
    app = make_app(FakeSystem(), favourites_path=fav_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        dialog = await open_dialog_on(app, pilot, "s2")
        await pilot.press("3", "tab")  # to the kinds: "bikes" is chosen, from the mode
        await pilot.press("down", "down")  # the cursor on "free docks", not yet chosen
        await pilot.pause()
        assert dialog.chosen_kind() is WatchKind.BIKES
        await pilot.press("enter")
        await pilot.pause()
        assert not isinstance(app.screen, WatchDialog)
        saved = FavouritesStore(fav_path).get(GBFS_URL, "s2")
        assert saved is not None and saved.watch == Watch(WatchKind.DOCKS, 3)


async def test_space_on_a_kind_only_chooses_it(fav_path: Path) -> None:
    app = make_app(FakeSystem(), favourites_path=fav_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        dialog = await open_dialog_on(app, pilot, "s2")
        await pilot.press("tab", "down", "space")
        await pilot.pause()
        assert isinstance(app.screen, WatchDialog)
        assert dialog.chosen_kind() is WatchKind.EBIKES


async def test_notify_command_gets_the_station_in_its_environment(
    fav_path: Path, tmp_path: Path
) -> None:
    out = tmp_path / "env.json"
    script = tmp_path / "dump env.py"  # a space in the path: quoting must hold
    script.write_text(
        "import json, os, sys\n"
        "env = {k: v for k, v in os.environ.items() if k.startswith('BIKEFINDER_')}\n"
        "json.dump(env, open(sys.argv[1], 'w'))\n"
    )
    store = FavouritesStore(fav_path)
    store.set_watch(Favourite(GBFS_URL, "test", "Test Bikes", "s3", "Charlie", "t"),
                    Watch(WatchKind.DOCKS, 2))  # fmt: skip
    system = FakeSystem()  # Charlie: 0 docks
    app = make_app(system, favourites_path=fav_path,
                   notify_command=f"'{sys.executable}' '{script}' '{out}'")  # fmt: skip
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        rings = count_bells(app)
        system.by_id("s3").docks = 4
        await refresh(app, pilot, system)  # settle() waits for the command's worker too
        assert len(rings) == 1
        env = json.loads(out.read_text())
        assert env == {
            "BIKEFINDER_STATION_ID": "s3",
            "BIKEFINDER_STATION_NAME": "Charlie",
            "BIKEFINDER_BIKES": "4",
            "BIKEFINDER_MECHANICAL": "4",
            "BIKEFINDER_ELECTRIC": "0",
            "BIKEFINDER_DOCKS": "4",
            "BIKEFINDER_KIND": "docks",
            "BIKEFINDER_THRESHOLD": "2",
            "BIKEFINDER_SYSTEM": "Test Bikes",
            "BIKEFINDER_MESSAGE": "Charlie: 4 free docks now (watching for at least 2 free docks)",
        }


async def test_a_failing_notify_command_is_a_warning_not_a_crash(fav_path: Path) -> None:
    FavouritesStore(fav_path).set_watch(
        Favourite(GBFS_URL, "test", "Test Bikes", "s2", "Bravo", "t"), Watch(WatchKind.BIKES, 1)
    )
    system = FakeSystem()
    app = make_app(system, favourites_path=fav_path, notify_command="/nonexistent/notifier")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        system.by_id("s2").bikes = 1
        await refresh(app, pilot, system)
        await settle(app, pilot)
        messages = watch_messages(app)
        assert any("could not start" in m for m in messages), messages
        assert app.is_running


async def test_dialog_defaults_edits_removes_validates_and_cancels(fav_path: Path) -> None:
    app = make_app(favourites_path=fav_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("m", "m")  # dock mode: the dialog proposes docks
        dialog = await open_dialog_on(app, pilot, "s1")
        assert dialog.chosen_kind() is WatchKind.DOCKS
        await pilot.press("m", "escape")  # "m" is the digits-only field's: no mode change
        assert not isinstance(app.screen, WatchDialog)
        assert FavouritesStore(fav_path).get(GBFS_URL, "s1") is None  # cancelled: nothing
        assert app.stations.mode.name == "DOCK"
        dialog = await open_dialog_on(app, pilot, "s1")
        await pilot.press("backspace", "enter")  # empty: refused with a reason
        assert isinstance(app.screen, WatchDialog)
        assert "from 1 to 999" in str(dialog.query_one("#watch-error").render())
        await pilot.press("7", "tab", "right", "enter")  # 7, then the next kind: set
        await pilot.pause()
        saved = FavouritesStore(fav_path).get(GBFS_URL, "s1")
        assert saved is not None and saved.watch is not None and saved.watch.threshold == 7
        assert saved.watch.kind is not WatchKind.DOCKS
        dialog = await open_dialog_on(app, pilot, "s1")  # an existing watch is offered
        assert dialog.current == saved.watch
        await pilot.click("#watch-remove")
        await pilot.pause()
        saved = FavouritesStore(fav_path).get(GBFS_URL, "s1")
        assert saved is not None and saved.watch is None  # still a favourite
        assert any("No longer watching Alpha" in m for m in watch_messages(app))
        dialog = await open_dialog_on(app, pilot, "s1")  # a watch met right now says so
        await pilot.press("backspace", "9", "enter")  # Alpha has 10 docks
        assert watch_messages(app)[-1] == (
            "★ Watching Alpha: notify when it has at least 9 free docks (met right now; "
            "you will be told when it comes back after a dip)"
        )


def by_id(grid: MapGrid) -> dict[str, tuple[int, int]]:
    """Where each row is on the map, by its feed id."""
    return {key.item_id: cell for key, cell in grid.positions.items()}  # type: ignore[attr-defined]


async def test_map_toggles_draws_the_listed_rows_and_follows_cursor_and_filter(
    fav_path: Path,
) -> None:
    app = make_app(favourites_path=fav_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert not app.stations.map_panel.display
        await pilot.press("M")
        await pilot.pause()
        panel = app.stations.map_panel
        assert panel.display and panel.grid is not None
        grid = panel.grid
        table_keys = set(listed_ids(app))
        assert set(by_id(grid)) == table_keys  # exactly the table's rows
        assert cells_of_kind(grid, CellKind.HIGHLIGHT) == [by_id(grid)["s1"]]
        centre = (grid.height // 2, grid.width // 2)
        # North up: Alpha (100 m N) above the centre; Bravo (200 m E) to its right.
        assert by_id(grid)["s1"][0] <= centre[0] and by_id(grid)["s2"][1] > centre[1]
        # Colour by the mode: Bravo has no bikes (useless), Alpha has some.
        await pilot.press("j")
        await pilot.pause()
        grid = panel.grid
        assert panel.highlighted is not None and panel.highlighted.item_id == "s2"
        (highlight,) = cells_of_kind(grid, CellKind.HIGHLIGHT)
        assert highlight == by_id(grid)["s2"] and grid.cells[highlight[0]][highlight[1]][0] == (
            HIGHLIGHT_GLYPH
        )
        # Alpha, 100 m away, shares the query point's cell: the cross, coloured useful.
        assert by_id(grid)["s1"] == centre
        assert grid.cells[centre[0]][centre[1]] == (ORIGIN_GLYPH, CellKind.USEFUL)
        y, x = by_id(grid)["s6"]  # Foxtrot, not installed: useless in any mode
        assert grid.cells[y][x][1] is CellKind.USELESS
        await pilot.press("slash", *"hotel", "enter", "escape")  # Enter opens the match
        await pilot.pause()
        assert set(by_id(panel.grid)) == {"s8", "s9"}
        assert "Map · north up" in str(panel.border_title)
        await pilot.press("M")
        await pilot.pause()
        assert not panel.display


async def test_trends_follow_several_refreshes_and_the_mode(fav_path: Path) -> None:
    system = FakeSystem()
    app = make_app(system, favourites_path=fav_path, clock=FakeClock())
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert cell_of(app, "s1", "trend").plain == ""  # one observation: no trend yet
        alpha = system.by_id("s1")
        for bikes, docks in ((6, 9), (8, 7)):
            alpha.bikes, alpha.docks = bikes, docks
            await refresh(app, pilot, system)
        assert cell_of(app, "s1", "trend").plain == "▃▃▄↗"  # 5, 6, 8 of 20 places
        trend_styles = {str(span.style) for span in cell_of(app, "s1", "trend").spans}
        assert "bold green" in trend_styles
        before = app.fleet.trends["test"].observations("s1")
        await pilot.press("r")  # the same data again (as after a 304): not recorded twice
        await settle(app, pilot)
        assert app.fleet.trends["test"].observations("s1") == before
        await pilot.press("m", "m")  # dock mode: the trend is about docks
        assert cell_of(app, "s1", "trend").plain == "▅▄▃↘"
        # Bravo only got new reports with the same counts: flat.
        assert cell_of(app, "s2", "trend").plain.endswith("→")


# -- snapshots ------------------------------------------------------------------------


def test_snapshot_map(snap_compare: SnapCompare, fav_path: Path) -> None:
    app = make_app(favourites_path=fav_path)

    async def show_map(pilot: Pilot[Any]) -> None:
        await settle(app, pilot)
        await pilot.press("M", "j", "j")
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZE, run_before=show_map)


def test_snapshot_watch_dialog(snap_compare: SnapCompare, fav_path: Path) -> None:
    app = make_app(favourites_path=fav_path)

    async def open_dialog(pilot: Pilot[Any]) -> None:
        await settle(app, pilot)
        await pilot.press("j", "a", "3")
        await pilot.pause()
        app.screen.query_one("#watch-threshold").cursor_blink = False  # type: ignore[attr-defined]

    assert snap_compare(app, terminal_size=SIZE, run_before=open_dialog)


def test_notify_command_flag_is_checked_before_the_app_starts(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert parse_options(["--demo", "--notify-command", "notify-send 'Bike!'"]).notify_command == (
        "notify-send 'Bike!'"
    )
    assert parse_options(["--demo"]).notify_command is None
    assert main(["--demo", "--notify-command", "say 'unclosed"]) == 2
    assert "--notify-command: No closing quotation" in capsys.readouterr().err
    assert main(["--demo", "--once", "--notify-command", "true"]) == 2
    assert "not --once" in capsys.readouterr().err
