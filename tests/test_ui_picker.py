"""The system picker (``s``) and switching systems in place; the helpers behind them.

Three fake systems on different hosts sit behind one transport that routes by host;
the picker searches a small test catalog naming them (plus one needing an API key and
one of unknown position), so nothing here touches the network or the user's files.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from test_ui_app import screen_text
from textual.pilot import Pilot
from textual.widgets import DataTable, Input
from ui_support import (
    GBFS_URL,
    NEAR,
    SIZE,
    FakeClock,
    FakeSystem,
    make_app,
    run_palette_command,
    settle,
)
from ui_support import listed_ids as table_ids

from bikefinder.common.errors import UsageError
from bikefinder.fleet.live import Failed, Loaded
from bikefinder.systems.catalog import Catalog
from bikefinder.systems.coverage import coverage_from_points
from bikefinder.systems.entries import CatalogEntry
from bikefinder.systems.source import (
    SYSTEM_CENTRE,
    SystemSource,
    demo_source,
    resolve_source,
    start_point,
)
from bikefinder.systems.switching import DEMO_POINT, SystemSwitching, point_for_system
from bikefinder.ui.app import BikefinderApp
from bikefinder.ui.messages import FleetUpdate
from bikefinder.ui.screens.details import DetailsScreen
from bikefinder.ui.screens.system_picker import (
    SystemPickerScreen,
    format_km,
    picker_rows,
    typed_entry,
)

FJORD_URL = "https://fjord.test/gbfs/gbfs.json"
FJORD_CENTRE = (60.3913, 5.3221)
LYON_URL = "https://ville.test/gbfs/gbfs.json"
LYON_CENTRE = (45.764, 4.8357)


class ElsewhereSystem(FakeSystem):
    """A :class:`FakeSystem` on another host, its stations around another centre."""

    def __init__(self, gbfs_url: str, centre: tuple[float, float], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.base = gbfs_url.rsplit("/", 1)[0]
        self.shift = (centre[0] - NEAR[0], centre[1] - NEAR[1])

    def discovery(self) -> dict[str, Any]:
        document = super().discovery()
        for feed in document["data"]["en"]["feeds"]:
            feed["url"] = f"{self.base}/{feed['name']}.json"
        return document

    def station_information(self) -> dict[str, Any]:
        document = super().station_information()
        for station in document["data"]["stations"]:
            station["lat"] = round(station["lat"] + self.shift[0], 7)
            station["lon"] = round(station["lon"] + self.shift[1], 7)
        return document


def entry(system_id: str, name: str, url: str, location: str, country: str,
          centre: tuple[float, float] | None = None, **extra: Any) -> CatalogEntry:  # fmt: skip
    return CatalogEntry(system_id=system_id, name=name, gbfs_url=url, location=location,
                        country=country, versions=("2.3",), centre=centre, **extra)  # fmt: skip


def small_catalog() -> Catalog:
    return Catalog(
        [
            entry("test-bikes", "Test Bikes", GBFS_URL, "Paris", "FR", NEAR),
            entry("fjord-bysykkel", "Fjord Bysykkel", FJORD_URL, "Bergen", "NO", FJORD_CENTRE),
            entry("ville-velo", "Vélo Ville", LYON_URL, "Lyon", "FR", LYON_CENTRE),
            entry(
                "key-bikes",
                "Key Bikes",
                "https://key.test/gbfs.json",
                "Hamburg",
                "DE",
                (53.55, 9.99),
                auth_type="2",
                auth_headers=("X-Api-Key",),
            ),
            entry("nowhere", "Nowhere Wheels", "https://nowhere.test/gbfs.json", "Somewhere", "US"),
        ]
    )


class World:
    """The fake systems by host, one routing transport, and how the app switches."""

    def __init__(self) -> None:
        self.home = FakeSystem()
        self.fjord = ElsewhereSystem(FJORD_URL, FJORD_CENTRE, name="Fjord Bysykkel")
        self.lyon = ElsewhereSystem(LYON_URL, LYON_CENTRE, failing={"*": 503})
        self.hosts: dict[str, FakeSystem] = {
            "bikes.test": self.home,
            "fjord.test": self.fjord,
            "ville.test": self.lyon,
        }
        self.transport = httpx.MockTransport(self.route)
        self.switching = SystemSwitching(small_catalog(), self.transport, use_cache=False)

    def route(self, request: httpx.Request) -> httpx.Response:
        system = self.hosts.get(request.url.host)
        return system.handle(request) if system else httpx.Response(404)

    def source(self) -> SystemSource:
        return SystemSource(gbfs_url=GBFS_URL, label="Test Bikes", transport=self.transport)

    def app(self, fav_path: Path, **kwargs: Any) -> BikefinderApp:
        kwargs.setdefault("source", self.source())
        return make_app(favourites_path=fav_path, switching=self.switching, **kwargs)


@pytest.fixture(autouse=True)
def no_user_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Config, cache and coverage of the test's own, never the user's."""
    for name in ("XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME"):
        monkeypatch.setenv(name, str(tmp_path / name.lower()))
    monkeypatch.delenv("BIKEFINDER_CONFIG", raising=False)


def picker(app: BikefinderApp) -> SystemPickerScreen:
    assert isinstance(app.screen, SystemPickerScreen), type(app.screen)
    return app.screen


def listed_ids(app: BikefinderApp) -> list[str]:
    return [row.entry.system_id for row in picker(app).rows]


async def open_picker(app: BikefinderApp, pilot: Pilot[Any]) -> SystemPickerScreen:
    await pilot.press("s")
    await pilot.pause()
    return picker(app)


async def choose(app: BikefinderApp, pilot: Pilot[Any], query: str) -> None:
    await open_picker(app, pilot)
    await pilot.press(*query, "enter")
    await settle(app, pilot)


# -- the picker --------------------------------------------------------------------------


async def test_picker_lists_nearest_first_and_filters_as_you_type(fav_path: Path) -> None:
    world = World()
    app = world.app(fav_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = await open_picker(app, pilot)
        assert app.focused is screen.query_one(Input)
        # Empty query: nearest first, the system of unknown position last.
        assert listed_ids(app) == ["test-bikes", "ville-velo", "key-bikes", "fjord-bysykkel",
                                   "nowhere"]  # fmt: skip
        table = screen.query_one(DataTable)
        assert table.get_row_at(0)[0].plain == "● Test Bikes"  # the system shown now
        assert table.get_row_at(1)[4].plain == "391 km"
        assert table.get_row_at(4)[4].plain == ""
        assert "5 systems, nearest first. ↑↓ move" in screen_text(app)
        await pilot.press(*"BERG")
        assert listed_ids(app) == ["fjord-bysykkel"]
        await pilot.press(*["backspace"] * 4, *"velo")  # accents and case do not matter
        assert listed_ids(app) == ["ville-velo"]
        await pilot.press(*["backspace"] * 4, *"fr")  # a country code
        assert listed_ids(app) == ["test-bikes", "ville-velo"]
        await pilot.press(*"xx")
        assert listed_ids(app) == []
        assert "No system matches frxx" in screen_text(app)
        # Keys are text here, not app actions.
        await pilot.press(*["backspace"] * 4, *"mvq")
        assert app.stations.mode.name == "ANY_BIKE" and not app.stations.favourites_view
        assert not app._exit


async def test_arrows_move_through_the_matches_while_typing(fav_path: Path) -> None:
    world = World()
    app = world.app(fav_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = await open_picker(app, pilot)
        table = screen.query_one(DataTable)
        await pilot.press("down", "down", "down")
        assert table.cursor_row == 3
        await pilot.press("up")
        assert table.cursor_row == 2
        await pilot.press("pagedown")
        assert table.cursor_row == 4
        await pilot.press("up", "enter")  # row 3: Fjord Bysykkel
        await settle(app, pilot)
        assert app.lead.source.gbfs_url == FJORD_URL


async def test_escape_cancels_and_nothing_changes(fav_path: Path) -> None:
    world = World()
    app = world.app(fav_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        requests = len(world.home.requests)
        await open_picker(app, pilot)
        await pilot.press(*"fjord", "escape")
        await pilot.pause()
        assert not isinstance(app.screen, SystemPickerScreen)
        assert app.lead.source.gbfs_url == GBFS_URL and app.lead.snapshot is not None
        assert world.fjord.requests == [] and len(world.home.requests) == requests
        assert app.stations.filter_query == ""  # Escape in the picker is not "clear filter" too


async def test_enter_switches_system_in_place_keeping_view_and_filter(fav_path: Path) -> None:
    world = World()
    app = world.app(fav_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("v")  # the favourites view...
        await pilot.press("v", "slash", *"fil", "enter")  # ...then all, filtered (Enter
        await pilot.press("escape")  # opens the nearest match: back to the list)
        await pilot.press("m")  # e-bike mode
        old = app.fleet.system(GBFS_URL)
        assert old is not None and table_ids(app)[0] == "f01"
        await choose(app, pilot, "fjord")
        assert not isinstance(app.screen, SystemPickerScreen)
        assert app.lead.source.gbfs_url == FJORD_URL and app.lead.source.label == "Fjord Bysykkel"
        assert world.fjord.requests[:1] == ["gbfs"]
        assert app.lead.snapshot is not None and app.lead.snapshot.gbfs_url == FJORD_URL
        assert app.fleet.system(GBFS_URL) is None and app.fleet.systems == [app.lead]
        state = app.header_state()
        assert state.system_name == "Fjord Bysykkel"
        # Paris is 1,500 km from Bergen: the list starts at the system's centre, and says so.
        assert app.near == FJORD_CENTRE and state.near_note == SYSTEM_CENTRE
        assert "(system centre)" in screen_text(app)
        # Mode and filter are kept and apply to the new system's stations.
        assert app.stations.mode.name == "EBIKE" and app.stations.filter_query == "fil"
        keys = table_ids(app)
        assert keys and all(k.startswith("f") for k in keys)
        assert app.stations.table.display and app.stations.table.cursor_row == 0
        # Back home: the rider's own point again, not Bergen's centre.
        await choose(app, pilot, "test bikes")
        assert app.lead.source.gbfs_url == GBFS_URL and app.near == NEAR
        assert app.header_state().near_note is None


async def test_favourites_view_is_kept_across_a_switch(fav_path: Path) -> None:
    world = World()
    app = world.app(fav_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("f", "v")  # s1 of Test Bikes is a favourite
        assert table_ids(app) == ["s1"]
        await choose(app, pilot, "fjord")
        assert app.stations.favourites_view and app.header_state().favourites_view
        assert table_ids(app) == []  # none in Fjord Bysykkel...
        text = screen_text(app)
        assert "No favourites in this system yet" in text
        assert "In Test Bikes: Alpha" in text  # ...but the other system's are named


async def test_failed_load_after_switching_says_why_and_s_works_again(fav_path: Path) -> None:
    world = World()
    app = world.app(fav_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await choose(app, pilot, "lyon")
        assert app.lead.source.gbfs_url == LYON_URL and app.lead.snapshot is None
        assert not app.stations.table.display
        text = screen_text(app)
        assert "Could not load Vélo Ville" in text
        assert "gbfs.json: HTTP 503 Service Unavailable" in text
        assert "s to choose another system" in text
        assert app.header_state().health == "error"
        await choose(app, pilot, "fjord")
        assert app.lead.snapshot is not None and app.lead.snapshot.system.name == "Fjord Bysykkel"
        assert app.lead.schedule.last_error is None and app.header_state().health == "ok"


async def test_a_system_needing_a_key_is_explained_in_the_picker(fav_path: Path) -> None:
    world = World()
    app = world.app(fav_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await open_picker(app, pilot)
        await pilot.press(*"key bikes", "enter")
        await pilot.pause()
        assert isinstance(app.screen, SystemPickerScreen)  # still open: pick another
        assert "Key Bikes needs an API key" in screen_text(app)
        message = picker(app).error_message or ""
        assert message.startswith("Key Bikes needs an API key in HTTP headers: set X-Api-Key")
        assert app.lead.source.gbfs_url == GBFS_URL
        await pilot.press("backspace")  # typing clears the message
        assert "needs an API key" not in screen_text(app)


async def test_switching_cancels_a_fetch_under_way(fav_path: Path) -> None:
    """Home never answers: without cancelling, waiting for the workers would hang."""
    world = World()
    never = asyncio.Event()

    async def hanging(request: httpx.Request) -> httpx.Response:
        await never.wait()
        return httpx.Response(500)

    source = SystemSource(gbfs_url=GBFS_URL, transport=httpx.MockTransport(hanging))
    app = world.app(fav_path, source=source)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.lead.snapshot is None and app.lead.schedule.refreshing
        await open_picker(app, pilot)
        await pilot.press(*"fjord", "enter")
        await asyncio.wait_for(settle(app, pilot), timeout=10)
        assert app.lead.snapshot is not None and app.lead.snapshot.gbfs_url == FJORD_URL


async def test_late_messages_about_the_previous_system_are_ignored(fav_path: Path) -> None:
    world = World()
    app = world.app(fav_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        old_snapshot = app.lead.snapshot
        assert old_snapshot is not None
        await choose(app, pilot, "fjord")
        app.post_message(FleetUpdate(Loaded(GBFS_URL, old_snapshot)))
        app.post_message(FleetUpdate(Failed(GBFS_URL, "Test Bikes: boom", "boom")))
        await pilot.pause()
        assert app.lead.snapshot is not None and app.lead.snapshot.gbfs_url == FJORD_URL
        assert app.lead.schedule.last_error is None and app.lead.schedule.failures == 0


async def test_picking_the_system_shown_changes_nothing(fav_path: Path) -> None:
    world = World()
    app = world.app(fav_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        system, snapshot = app.lead, app.lead.snapshot
        await choose(app, pilot, "test")
        assert app.fleet.systems == [system] and app.lead.snapshot is snapshot


async def test_picker_is_in_the_palette_and_not_over_details(fav_path: Path) -> None:
    world = World()
    app = world.app(fav_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await run_palette_command(app, pilot, "choose system")
        picker(app)
        await pilot.press("escape", "enter")  # details of the first station
        await pilot.pause()
        assert isinstance(app.screen, DetailsScreen)
        await pilot.press("s")
        await pilot.pause()
        assert isinstance(app.screen, DetailsScreen)


async def test_the_user_catalog_is_read_off_the_ui_thread(fav_path: Path) -> None:
    calls: list[str] = []

    def load() -> Catalog:
        import threading

        calls.append(threading.current_thread().name)
        return small_catalog()

    world = World()
    app = make_app(source=world.source(), favourites_path=fav_path,
                   switching=SystemSwitching(load, world.transport))  # fmt: skip
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await open_picker(app, pilot)
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert len(listed_ids(app)) == 5
        assert calls and calls[0] != "MainThread"


async def test_escape_before_the_catalog_is_read(fav_path: Path) -> None:
    import threading

    release = threading.Event()

    def slow_load() -> Catalog:
        release.wait(5)
        return small_catalog()

    world = World()
    app = make_app(source=world.source(), favourites_path=fav_path,
                   switching=SystemSwitching(slow_load, world.transport))  # fmt: skip
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await open_picker(app, pilot)
        assert "Loading the catalog" in screen_text(app)
        await pilot.press("enter")  # nothing to choose yet: no crash
        await pilot.press("escape")
        release.set()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert not isinstance(app.screen, SystemPickerScreen) and app.is_running


async def test_leaving_the_demo_for_a_live_system(fav_path: Path) -> None:
    """Demo mode allows picking: the chosen system is live, so the demo label goes."""
    world = World()
    app = make_app(source=demo_source(), favourites_path=fav_path, switching=world.switching)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert app.header_state().freshness.startswith("demo data")
        await choose(app, pilot, "fjord")
        state = app.header_state()
        assert not app.lead.source.is_demo and state.freshness == "updated 8 s ago"
        assert "demo data" not in screen_text(app)
        # The demo's point is not the rider's: start at the chosen system's centre.
        assert app.near == FJORD_CENTRE and state.near_note == SYSTEM_CENTRE


async def test_a_switched_to_system_gets_its_feed_cache(fav_path: Path, tmp_path: Path) -> None:
    world = World()
    switching = SystemSwitching(small_catalog(), world.transport, cache_root=tmp_path / "c")
    app = make_app(source=world.source(), favourites_path=fav_path, switching=switching)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await choose(app, pilot, "fjord")
        cache = app.lead.feeds.cache
        assert cache is not None and cache.gbfs_url == FJORD_URL
        assert cache.get("station_status") is not None  # written by the live load


# -- one picker for one system or several -----------------------------------------------


def shown(app: BikefinderApp) -> list[str]:
    """The picker's systems shown, each as its on/off mark and name."""
    return [line.plain for line in picker(app).shown_lines()]


def rows_by_system(app: BikefinderApp) -> set[str]:
    return {row.system.gbfs_url for row in app.stations.displayed}


def has_system_column(app: BikefinderApp) -> bool:
    layout = app.stations.table.column_layout
    return layout is not None and "system" in layout.keys


def bells(app: BikefinderApp, monkeypatch: pytest.MonkeyPatch) -> list[None]:
    rung: list[None] = []
    monkeypatch.setattr(app, "bell", lambda: rung.append(None))
    return rung


def neighbour_world() -> World:
    """Fjord Bysykkel's stations moved next to Test Bikes' (55 m north), so a list of
    both systems has rows of each."""
    world = World()
    world.fjord.shift = (0.0005, 0.0)
    return world


async def add_fjord(app: BikefinderApp, pilot: Pilot[Any]) -> None:
    await open_picker(app, pilot)
    await pilot.press(*"fjord", "plus")
    await settle(app, pilot)


async def test_plus_adds_a_system_alongside_the_one_shown(fav_path: Path) -> None:
    world = neighbour_world()
    app = world.app(fav_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("m")  # e-bike mode, kept
        assert not has_system_column(app)
        await add_fjord(app, pilot)
        assert shown(app) == ["[x] Test Bikes", "[x] Fjord Bysykkel"]  # still open
        await pilot.press("escape")
        await settle(app, pilot)
        assert not isinstance(app.screen, SystemPickerScreen)
        assert [s.url for s in app.fleet.systems] == [GBFS_URL, FJORD_URL]
        assert world.fjord.requests[:1] == ["gbfs"]
        assert has_system_column(app)
        assert rows_by_system(app) == {GBFS_URL, FJORD_URL}
        assert app.near == NEAR and app.stations.mode.name == "EBIKE"


async def test_d_removes_a_shown_system_but_never_the_last(
    fav_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = neighbour_world()
    app = world.app(fav_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        rung = bells(app, monkeypatch)
        await add_fjord(app, pilot)
        await pilot.press("tab", "down", "d")  # the systems shown: Fjord Bysykkel
        await settle(app, pilot)
        assert shown(app) == ["[x] Test Bikes"] and rung == []
        assert [s.url for s in app.fleet.systems] == [GBFS_URL]
        await pilot.press("delete")  # the last one stays
        assert shown(app) == ["[x] Test Bikes"] and rung == [None]
        assert "only system" in screen_text(app)
        await pilot.press("escape")
        await settle(app, pilot)
        assert not has_system_column(app) and rows_by_system(app) == {GBFS_URL}


async def test_space_turns_a_shown_system_off_and_one_stays_on(
    fav_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = neighbour_world()
    app = world.app(fav_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        rung = bells(app, monkeypatch)
        await add_fjord(app, pilot)
        await pilot.press("tab", "space")  # Test Bikes off, at once
        await settle(app, pilot)
        assert shown(app) == ["[ ] Test Bikes", "[x] Fjord Bysykkel"]
        await pilot.press("down", "space")  # Fjord Bysykkel is the one left on
        assert shown(app) == ["[ ] Test Bikes", "[x] Fjord Bysykkel"] and rung == [None]
        await pilot.press("escape")  # closes; what was applied stays
        await settle(app, pilot)
        home = app.fleet.system(GBFS_URL)
        assert home is not None and not home.enabled
        assert rows_by_system(app) == {FJORD_URL} and not has_system_column(app)
        await open_picker(app, pilot)
        await pilot.press("tab", "space")  # back on: refreshed now
        await settle(app, pilot)
        assert home.enabled and rows_by_system(app) == {GBFS_URL, FJORD_URL}


async def test_the_same_picker_opens_for_one_system_and_for_three(fav_path: Path) -> None:
    world = neighbour_world()
    for sources in ([world.source()], [world.source(),
                    SystemSource(gbfs_url=FJORD_URL, transport=world.transport),
                    SystemSource(gbfs_url=LYON_URL, transport=world.transport)]):  # fmt: skip
        app = world.app(fav_path, source=sources[0], more_sources=sources[1:])
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            screen = await open_picker(app, pilot)
            assert app.focused is screen.query_one(Input)  # type at once, either way
            assert len(shown(app)) == len(sources)
            assert all(line.startswith("[x] ") for line in shown(app))
            await pilot.press(*"BERG")
            assert listed_ids(app) == ["fjord-bysykkel"]
            hint = "Enter replaces" if len(sources) == 1 else "Enter adds"
            assert hint in screen_text(app)


async def test_enter_adds_a_system_when_several_are_shown(fav_path: Path) -> None:
    world = neighbour_world()
    app = world.app(fav_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await add_fjord(app, pilot)
        assert "Enter adds" in screen_text(app)
        await pilot.press(*["backspace"] * 5, *"lyon", "enter")
        await settle(app, pilot)
        assert not isinstance(app.screen, SystemPickerScreen)
        assert [s.url for s in app.fleet.systems] == [GBFS_URL, FJORD_URL, LYON_URL]
        assert rows_by_system(app) == {GBFS_URL, FJORD_URL}  # Lyon fails, the others stay
        await choose(app, pilot, "fjord")  # shown already: nothing changes
        assert [s.url for s in app.fleet.systems] == [GBFS_URL, FJORD_URL, LYON_URL]


# -- remembering where systems are -----------------------------------------------------------


async def test_coverage_is_remembered_once_per_live_system(
    fav_path: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    remembered: list[tuple[str, bool]] = []

    def record(source: SystemSource, snapshot: Any) -> None:
        remembered.append((source.gbfs_url, snapshot.from_cache))

    monkeypatch.setattr("bikefinder.fleet.fleet.remember_loaded_system", record)
    world = World()
    clock = FakeClock()
    app = world.app(fav_path, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("r")
        await settle(app, pilot)
        assert remembered == [(GBFS_URL, False)]  # not again on every refresh
        await choose(app, pilot, "fjord")
        assert remembered == [(GBFS_URL, False), (FJORD_URL, False)]


async def test_cached_data_is_not_remembered(
    fav_path: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from bikefinder.feeds.cache import FeedCache

    remembered: list[str] = []
    monkeypatch.setattr("bikefinder.fleet.fleet.remember_loaded_system",
                        lambda source, snapshot: remembered.append(source.gbfs_url))  # fmt: skip
    world = World()
    cache_root = tmp_path / "cache"
    first = world.app(fav_path, cache=FeedCache(GBFS_URL, cache_root))
    async with first.run_test(size=SIZE) as pilot:
        await settle(first, pilot)
    remembered.clear()
    world.home.failing["*"] = 503
    app = world.app(fav_path, cache=FeedCache(GBFS_URL, cache_root))
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert app.lead.snapshot is not None and app.lead.snapshot.from_cache
        assert remembered == []


async def test_a_live_load_writes_coverage_json(fav_path: Path, tmp_path: Path) -> None:
    """End to end through the real remember_loaded_system (sources without a test
    transport only: a mock transport's stations must not teach the real cache)."""
    from bikefinder.common.paths import cache_dir

    world = World()

    app = world.app(fav_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
    assert not (cache_dir() / "coverage.json").exists()  # a test transport: skipped
    from bikefinder.systems.source import remember_loaded_system

    assert app.lead.snapshot is not None
    remember_loaded_system(SystemSource(gbfs_url=GBFS_URL, label="Test Bikes"), app.lead.snapshot)
    stored = json.loads((cache_dir() / "coverage.json").read_text())["systems"]
    assert stored[0]["gbfs_url"] == GBFS_URL and stored[0]["stations"] == 39


# -- the header --------------------------------------------------------------------------


async def test_header_says_how_the_system_was_chosen(fav_path: Path) -> None:
    world = World()
    source = SystemSource(gbfs_url=GBFS_URL, transport=world.transport,
                          chosen_by="chosen from --near 48.85660,2.35220")  # fmt: skip
    app = world.app(fav_path, source=source)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert app.header_state().chosen_by == "chosen from --near 48.85660,2.35220"
        assert "chosen from --near 48.85660,2.35220 · 39 stations" in screen_text(app)
        await choose(app, pilot, "fjord")  # picked by the rider: nothing to explain
        assert app.header_state().chosen_by is None


async def test_header_marks_a_system_centre(fav_path: Path) -> None:
    world = World()
    app = world.app(fav_path, near_note=SYSTEM_CENTRE)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert "near 48.85660, 2.35220 (system centre) · looking for" in screen_text(app)
        assert app.rider_near is None


# -- pure helpers ------------------------------------------------------------------------


def test_picker_rows_order_limit_and_total() -> None:
    catalog = small_catalog()
    rows, total = picker_rows(catalog, "", FJORD_CENTRE)
    assert [r.entry.system_id for r in rows][:2] == ["fjord-bysykkel", "key-bikes"]
    assert rows[0].distance_km == pytest.approx(0, abs=0.01)
    assert rows[-1].distance_km is None and total == 5
    rows, total = picker_rows(catalog, "", NEAR, limit=2)
    assert len(rows) == 2 and total == 5
    # Exact matches before prefix matches, nearest first within each.
    rows, _ = picker_rows(catalog, "b", NEAR)
    assert [r.entry.system_id for r in rows] == ["test-bikes", "key-bikes", "fjord-bysykkel"]


def test_picker_offers_a_typed_url_or_citybikes_network() -> None:
    catalog = small_catalog()
    rows, total = picker_rows(catalog, "https://new.test/gbfs.json", NEAR)
    assert total == 1 and rows[0].entry.gbfs_url == "https://new.test/gbfs.json"
    assert rows[0].entry.name == "new.test"
    rows, _ = picker_rows(catalog, "citybikes:bicing", NEAR)
    assert rows[0].entry.system_id == "citybikes:bicing"
    assert rows[0].entry.gbfs_url == "https://api.citybik.es/gbfs/3/bicing/gbfs.json"
    assert typed_entry("citybikes:../etc") is None and typed_entry("bergen") is None
    # A listed URL is not offered twice.
    rows, total = picker_rows(catalog, FJORD_URL, NEAR)
    assert [r.entry.system_id for r in rows] == [FJORD_URL] and total == 1


def test_fleet_edits_fetch_stop_and_keep_one_system_on() -> None:
    from bikefinder.fleet.fleet import Fleet
    from bikefinder.ui.fleet_edits import FleetEdits

    calls: list[tuple[str, str, bool | None]] = []
    fleet = Fleet([SystemSource(gbfs_url=GBFS_URL, label="Test Bikes")], use_cache=False)
    edits = FleetEdits(
        fleet,
        fetch=lambda system, cached: calls.append(("fetch", system.url, cached)),
        stop=lambda system: calls.append(("stop", system.url, None)),
        changed=lambda: calls.append(("changed", "", None)),
    )
    assert edits.toggle(GBFS_URL) is not None and edits.remove(GBFS_URL) is not None
    assert calls == [] and fleet.systems[0].enabled  # refused: one stays on and shown
    assert edits.add(SystemSource(gbfs_url=FJORD_URL, label="Fjord Bysykkel"))
    assert calls == [("fetch", FJORD_URL, True), ("changed", "", None)]  # cache first
    assert not edits.add(SystemSource(gbfs_url=FJORD_URL))  # shown already
    calls.clear()
    assert edits.toggle(GBFS_URL) is None
    assert calls == [("stop", GBFS_URL, None), ("changed", "", None)]
    assert "only system on" in (edits.remove(FJORD_URL) or "")  # the one on stays
    assert edits.remove(GBFS_URL) is None and [s.url for s in fleet.systems] == [FJORD_URL]
    assert calls[-2:] == [("stop", GBFS_URL, None), ("changed", "", None)]
    assert [(s.name, s.enabled) for s in edits.shown()] == [("Fjord Bysykkel", True)]


def test_format_km() -> None:
    assert [format_km(v) for v in (None, 0.4, 12.4, 1234.6)] == ["", "<1 km", "12 km", "1,235 km"]


def test_point_for_system() -> None:
    fjord = SystemSource(gbfs_url=FJORD_URL, centre=FJORD_CENTRE)
    unknown = SystemSource(gbfs_url="https://x.test/gbfs.json")
    in_bergen = (60.40, 5.33)
    # The rider's point while the system covers it, or when where it is is unknown.
    assert point_for_system(fjord, in_bergen, in_bergen, None) == (in_bergen, None)
    assert point_for_system(unknown, NEAR, FJORD_CENTRE, SYSTEM_CENTRE) == (NEAR, None)
    # Far away: the system's centre.
    assert point_for_system(fjord, NEAR, NEAR, None) == (FJORD_CENTRE, SYSTEM_CENTRE)
    assert point_for_system(fjord, None, NEAR, None) == (FJORD_CENTRE, SYSTEM_CENTRE)
    # Neither: keep the point, never presented as the rider's.
    assert point_for_system(unknown, None, NEAR, None) == (NEAR, DEMO_POINT)
    assert point_for_system(unknown, None, NEAR, SYSTEM_CENTRE) == (NEAR, SYSTEM_CENTRE)


def test_catalog_search_matches_country_codes_but_resolve_does_not() -> None:
    catalog = small_catalog()
    assert [e.system_id for e in catalog.search("no")] == ["fjord-bysykkel", "nowhere"]
    assert [e.system_id for e in catalog.search("fr ville")] == ["ville-velo"]
    with pytest.raises(UsageError):
        catalog.resolve("de")


def test_catalog_centre_of_uses_learned_coverage() -> None:
    coverage = coverage_from_points("https://nowhere.test/gbfs.json", "Nowhere",
                                    [(40.0, -100.0), (40.2, -100.2)])  # fmt: skip
    catalog = Catalog(small_catalog().entries, [coverage] if coverage else [])
    nowhere = catalog.get("nowhere")
    assert nowhere is not None and catalog.centre_of(nowhere) == (40.2, -100.0)
    assert catalog.search_near("nowhere", 40.0, -100.0)[0][1] == pytest.approx(22.2, abs=0.1)


def test_start_point() -> None:
    fjord = SystemSource(gbfs_url=FJORD_URL, label="Fjord Bysykkel", centre=FJORD_CENTRE)
    assert start_point(fjord, NEAR, (1.0, 2.0)) == (NEAR, None)
    assert start_point(fjord, None, (1.0, 2.0)) == (FJORD_CENTRE, SYSTEM_CENTRE)
    assert start_point(demo_source(), None, (1.0, 2.0)) == ((1.0, 2.0), None)
    with pytest.raises(UsageError, match=r"--near LAT,LON is required .* where Nowhere is$"):
        start_point(SystemSource(gbfs_url="https://n.test/g.json", label="Nowhere\x1b"),
                    None, (1.0, 2.0))  # fmt: skip
    with pytest.raises(UsageError, match=r"^--near LAT,LON is required \(where you are"):
        start_point(SystemSource(gbfs_url="https://n.test/g.json"), None, (1.0, 2.0))


def test_start_point_uses_the_learned_centre_of_a_url(tmp_path: Path) -> None:
    from bikefinder.feeds.models import Station, StationInfo
    from bikefinder.systems.coverage import remember_coverage

    stations = [Station(StationInfo(station_id=str(i), name="x", lat=59.9 + i / 100, lon=10.7),
                        None) for i in range(3)]  # fmt: skip
    from bikefinder.common.paths import cache_dir

    remember_coverage(cache_dir(), "https://n.test/g.json", "N", stations)
    point, note = start_point(SystemSource(gbfs_url="https://n.test/g.json"), None, (1.0, 2.0))
    assert point == pytest.approx((59.91, 10.7)) and note == SYSTEM_CENTRE


def test_system_without_near_starts_at_the_bundled_catalogs_centre() -> None:
    source = resolve_source("bergen", None)
    assert source.centre == (60.3913, 5.3221)
    assert start_point(source, None, (0.0, 0.0)) == ((60.3913, 5.3221), SYSTEM_CENTRE)


def test_once_without_near_starts_at_the_learned_centre(feed_server: Any, run_main: Any) -> None:
    gbfs_url = feed_server.serve_fixture("mobilitydata_fixtures_v2.3")  # stations at 11-12N 45E
    missing = run_main("--once", "--system", gbfs_url)
    assert missing.code == 2 and "--near LAT,LON is required" in missing.error_line
    assert run_main("--once", "--near", "12.0,45.2", "--system", gbfs_url).code == 0
    table = run_main("--once", "--system", gbfs_url)
    assert table.code == 0, table.stderr
    assert "Nearest to the system centre " in table.stdout
    document = run_main("--once", "--system", gbfs_url, "--format", "json").json()
    assert document["near_is"] == SYSTEM_CENTRE


# -- snapshots ---------------------------------------------------------------------------

SnapCompare = Callable[..., bool]


def test_picker_snapshot(snap_compare: SnapCompare, fav_path: Path) -> None:
    app = World().app(fav_path)

    async def open_and_type(pilot: Pilot[Any]) -> None:
        await settle(app, pilot)
        await pilot.press("s")
        await pilot.pause()
        picker(app).query_one(Input).cursor_blink = False

    assert snap_compare(app, terminal_size=SIZE, run_before=open_and_type)


def test_failed_switch_snapshot(snap_compare: SnapCompare, fav_path: Path) -> None:
    app = World().app(fav_path)

    async def switch(pilot: Pilot[Any]) -> None:
        await settle(app, pilot)
        await choose(app, pilot, "lyon")

    assert snap_compare(app, terminal_size=SIZE, run_before=switch)
