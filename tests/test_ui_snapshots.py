"""Snapshot tests of the station finder (pytest-textual-snapshot).

Fixed clock, fixed data, fixed terminal size: regenerate with
``pytest tests/test_ui_snapshots.py --snapshot-update`` after an intended change,
and look at the SVGs in ``tests/__snapshots__/`` before committing them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from ui_support import GBFS_URL, SIZE, FakeClock, FakeSystem, make_app

from bikefinder.rider.favourites import Favourite, FavouritesStore
from bikefinder.systems.source import demo_source
from bikefinder.ui.app import BikefinderApp

SnapCompare = Callable[..., bool]
Step = Callable[[Pilot[Any]], Awaitable[None]]


async def loaded(pilot: Pilot[Any]) -> None:
    """Wait for the first load (and anything it triggered) before the screenshot."""
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def then(
    *steps: Callable[[Pilot[Any]], Awaitable[None]],
) -> Callable[[Pilot[Any]], Awaitable[None]]:
    async def run(pilot: Pilot[Any]) -> None:
        await loaded(pilot)
        for step in steps:
            await step(pilot)
            await loaded(pilot)

    return run


def test_main_view(snap_compare: SnapCompare, fav_path: Path) -> None:
    app = make_app(favourites_path=fav_path)
    assert snap_compare(app, terminal_size=SIZE, run_before=loaded)


def test_dock_mode(snap_compare: SnapCompare, fav_path: Path) -> None:
    app = make_app(favourites_path=fav_path)

    async def two_modes_on(pilot: Pilot[Any]) -> None:
        await pilot.press("m", "m", "j")

    assert snap_compare(app, terminal_size=SIZE, run_before=then(two_modes_on))


def test_details(snap_compare: SnapCompare, fav_path: Path) -> None:
    app = make_app(favourites_path=fav_path)

    async def open_details(pilot: Pilot[Any]) -> None:
        await pilot.press("enter")

    assert snap_compare(app, terminal_size=SIZE, run_before=then(open_details))


def test_favourites_view(snap_compare: SnapCompare, fav_path: Path) -> None:
    store = FavouritesStore(fav_path)
    for station_id, name in (("s3", "Charlie"), ("s9", "Hôtel de Ville"), ("gone", "Old One")):
        store.toggle(Favourite(GBFS_URL, "test", "Test Bikes", station_id, name, "2025-01-01"))
    store.toggle(
        Favourite("https://o.test/gbfs.json", "oslo", "Oslo Bysykkel", "7", "Torggata", "x")
    )
    app = make_app(favourites_path=fav_path)

    async def favourites(pilot: Pilot[Any]) -> None:
        await pilot.press("v")

    assert snap_compare(app, terminal_size=SIZE, run_before=then(favourites))


def test_filter(snap_compare: SnapCompare, fav_path: Path) -> None:
    app = make_app(favourites_path=fav_path)

    async def type_filter(pilot: Pilot[Any]) -> None:
        await pilot.press("slash", *"hotel")
        app.stations.filter_bar.cursor_blink = False

    assert snap_compare(app, terminal_size=SIZE, run_before=then(type_filter))


def test_refresh_failed_keeps_last_good_data(snap_compare: SnapCompare, fav_path: Path) -> None:
    system = FakeSystem()
    clock = FakeClock()
    app = make_app(system, favourites_path=fav_path, clock=clock)

    async def fail(pilot: Pilot[Any]) -> None:
        system.failing["station_status"] = 503
        clock.advance(40)
        await pilot.press("r")

    assert snap_compare(app, terminal_size=SIZE, run_before=then(fail))


def test_first_load_error(snap_compare: SnapCompare, fav_path: Path) -> None:
    app = make_app(FakeSystem(failing={"*": 404}), favourites_path=fav_path)
    assert snap_compare(app, terminal_size=SIZE, run_before=loaded)


def test_stale_data(snap_compare: SnapCompare, fav_path: Path) -> None:
    clock = FakeClock(datetime(2025, 10, 18, 9, 25, tzinfo=UTC))
    app = make_app(favourites_path=fav_path, clock=clock)
    assert snap_compare(app, terminal_size=SIZE, run_before=loaded)


def test_demo(snap_compare: SnapCompare, fav_path: Path) -> None:
    app: BikefinderApp = make_app(source=demo_source(), favourites_path=fav_path,
                                  near=(48.8566, 2.3522))  # fmt: skip
    assert snap_compare(app, terminal_size=SIZE, run_before=loaded)


# -- the layout at small and large terminals ---------------------------------


@pytest.mark.parametrize("size", [(60, 20), (80, 24), (160, 48)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_layout_at_size(snap_compare: SnapCompare, fav_path: Path, size: tuple[int, int]) -> None:
    app = make_app(favourites_path=fav_path)
    assert snap_compare(app, terminal_size=size, run_before=loaded)


@pytest.mark.parametrize("size", [(60, 20), (80, 24)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_dock_mode_at_size(
    snap_compare: SnapCompare, fav_path: Path, size: tuple[int, int]
) -> None:
    app = make_app(favourites_path=fav_path)

    async def dock_mode(pilot: Pilot[Any]) -> None:
        await pilot.press("m", "m")

    assert snap_compare(app, terminal_size=size, run_before=then(dock_mode))


def test_details_at_60x20(snap_compare: SnapCompare, fav_path: Path) -> None:
    app = make_app(favourites_path=fav_path)

    async def open_details(pilot: Pilot[Any]) -> None:
        await pilot.press("enter")

    assert snap_compare(app, terminal_size=(60, 20), run_before=then(open_details))


def test_keys_panel_at_60x20(snap_compare: SnapCompare, fav_path: Path) -> None:
    app = make_app(favourites_path=fav_path)

    async def keys(pilot: Pilot[Any]) -> None:
        await pilot.press("question_mark")

    assert snap_compare(app, terminal_size=(60, 20), run_before=then(keys))


def test_watch_dialog_at_60x20(snap_compare: SnapCompare, fav_path: Path) -> None:
    app = make_app(favourites_path=fav_path)

    async def watch(pilot: Pilot[Any]) -> None:
        await pilot.press("a")
        pilot.app.screen.query_one("#watch-threshold").cursor_blink = False

    assert snap_compare(app, terminal_size=(60, 20), run_before=then(watch))


def mixed_app(fav_path: Path) -> BikefinderApp:
    """nextbike Linz and a free-floating operator, in one list."""
    from mixed_scene import LINZ, mixed_sources

    clock = FakeClock()
    sources = mixed_sources(clock.now)
    return BikefinderApp(sources[0], LINZ, FavouritesStore(fav_path), clock=clock,
                         local_tz=UTC, more_sources=sources[1:])  # fmt: skip


async def mixed_loaded(pilot: Pilot[Any]) -> None:
    app = pilot.app
    assert isinstance(app, BikefinderApp)
    for _ in range(100):
        await loaded(pilot)
        if app.scene is not None and len(app.scene.indexes) == 2 and app.stations.table.row_count:
            break
        await pilot.pause(0.05)
    app.stations.table.move_cursor(row=0)
    await pilot.pause()


def test_mixed_list(snap_compare: SnapCompare, fav_path: Path) -> None:
    assert snap_compare(mixed_app(fav_path), terminal_size=SIZE, run_before=mixed_loaded)


def test_station_with_an_alert(snap_compare: SnapCompare, fav_path: Path) -> None:
    async def open_alerted(pilot: Pilot[Any]) -> None:
        await mixed_loaded(pilot)
        app = pilot.app
        assert isinstance(app, BikefinderApp)
        from mixed_scene import linz_station_ids
        from ui_support import move_to

        move_to(app, linz_station_ids()[0])
        await pilot.press("enter")
        await loaded(pilot)

    assert snap_compare(mixed_app(fav_path), terminal_size=SIZE, run_before=open_alerted)


# -- trips -------------------------------------------------------------------------


@pytest.mark.parametrize("size", [(60, 20), (80, 24), (120, 30)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_trip_list_at_size(
    snap_compare: SnapCompare, fav_path: Path, size: tuple[int, int]
) -> None:
    from bikefinder.fleet.destination import Destination

    hotel = Destination((48.8566 + 900 / 111_195.0, 2.3522), "Hôtel de Ville")
    app = make_app(favourites_path=fav_path, destination=hotel)
    assert snap_compare(app, terminal_size=size, run_before=then())


def test_trip_details_at_60x20(snap_compare: SnapCompare, fav_path: Path) -> None:
    from bikefinder.fleet.destination import Destination

    hotel = Destination((48.8566 + 900 / 111_195.0, 2.3522), "Hôtel de Ville")
    app = make_app(favourites_path=fav_path, destination=hotel)

    async def open_details(pilot: Pilot[Any]) -> None:
        await pilot.press("enter")

    assert snap_compare(app, terminal_size=(60, 20), run_before=then(open_details))
