"""A rider's day: layout at any size, honest freshness, moving around (Pilot)."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from ui_support import (
    GBFS_URL,
    INFO_TTL_S,
    NEAR,
    SIZE,
    FakeClock,
    FakeStation,
    FakeSystem,
    cell_of,
    highlighted_id,
    listed_ids,
    make_app,
    time_passes,
)
from ui_support import settle as _settle

from bikefinder.feeds.demo import DEMO_LIVE_GBFS_URL
from bikefinder.rider.favourites import Favourite, FavouritesStore
from bikefinder.rider.modes import Mode, counted
from bikefinder.rider.staleness import is_data_stale, stale_after_s
from bikefinder.rider.watches import Watch, WatchKind
from bikefinder.systems.source import SystemSource, demo_source
from bikefinder.ui.app import BikefinderApp
from bikefinder.ui.screens.details import DetailsScreen
from bikefinder.ui.screens.keys import KeysScreen
from bikefinder.ui.screens.watch_dialog import WatchDialog
from bikefinder.ui.station_cells import CELL_PADDING, MODE_COLUMN, table_layout
from bikefinder.ui.widgets.status_bar import HeaderState, header_text

SIZES = [(60, 20), (80, 24), (120, 40), (160, 48), (200, 60)]


async def settle(app: BikefinderApp, pilot: Any) -> None:
    await _settle(app, pilot)
    await pilot.pause()


def screen_lines(app: BikefinderApp) -> list[str]:
    """The rendered screen, one string per terminal line, each text run at its column
    (from the SVG export: runs are placed by their x, 12.2 px a cell)."""
    svg = app.export_screenshot()
    width = app.size.width
    lines: dict[int, list[str]] = {}
    pattern = r'<text[^>]* x="([\d.]+)"[^>]*clip-path="url\(#[\w-]*-line-(\d+)\)"[^>]*>(.*?)</text>'
    for match in re.finditer(pattern, svg):
        x, line, text = match.groups()
        cells = lines.setdefault(int(line), [" "] * width)
        column = round(float(x) / 12.2)
        for offset, char in enumerate(html.unescape(text).replace("\xa0", " ")):
            if column + offset < width:
                cells[column + offset] = char
    return ["".join(lines.get(i, [])).rstrip() for i in range(max(lines) + 1)]


def screen_text(app: BikefinderApp) -> str:
    return "\n".join(screen_lines(app))


# -- layout at any size ---------------------------------------------------------------


@pytest.mark.parametrize("width", [w for w, _ in SIZES])
@pytest.mark.parametrize("mode", list(Mode))
def test_layout_keeps_what_matters_and_fits(width: int, mode: Mode) -> None:
    layout = table_layout(width - 2, mode, 2)
    keys = layout.keys
    for key in ("name", "distance", MODE_COLUMN[mode], "status"):
        assert key in keys, (width, mode, keys)
    used = sum(w for _, w in layout.widths) + 2 * CELL_PADDING * len(keys)
    assert used <= width - 2  # never wider than the table: no column under the scrollbar
    if width >= 120:
        assert len(keys) == 11 and layout.width("name") >= 35  # names take the free width
    # Secondary columns go first: never a split or trend without the direction's peers.
    if "trend" in keys:
        assert {"direction", "mechanical", "electric"} <= set(keys)


async def test_every_size_shows_name_distance_count_and_status(fav_path: Path) -> None:
    for width, height in SIZES:
        for mode_presses in ((), ("m",), ("m", "m")):
            app = make_app(favourites_path=fav_path)
            async with app.run_test(size=(width, height)) as pilot:
                await settle(app, pilot)
                await pilot.press(*mode_presses)
                await pilot.pause()
                lines = screen_lines(app)
                header, columns = lines[0], lines[2]
                assert f" {app.stations.mode.label} " in header, (width, header)
                for label in ("Station", "Distance", "Status"):
                    assert label in columns, (width, columns)
                wanted = {"bikes": "Bikes", "electric": "E-bike", "docks": "Docks"}
                assert wanted[MODE_COLUMN[app.stations.mode]] in columns
                assert all(len(line) <= width for line in lines)
                # The status reason of a closed station is on screen (s5 is in the first rows).
                assert "CLOSED" in "\n".join(lines[3 : height - 1]), width
                # The footer keeps ? (which shows every key).
                assert "? Keys" in lines[-1] or "?  Keys" in lines[-1], lines[-1]


def test_header_never_hides_the_mode() -> None:
    for mode in Mode:
        state = HeaderState(
            system_name="Hôtel de Ville de Fontenay-sous-Bois Métropole Vélo Libre Service",
            near=NEAR, mode=mode, favourites_view=True,
            freshness="CACHED data, 2 h old", health="stale",
        )  # fmt: skip
        for width in range(44, 201, 4):
            from rich.console import Console

            console = Console(width=width, color_system=None, legacy_windows=False)
            with console.capture() as capture:
                console.print(header_text(state, width))
            top = capture.get().splitlines()[0]
            assert f" {mode.label} " in top, (width, top)
            assert "CACHED data, 2 h old" in top


async def test_names_take_the_free_width_at_128_columns(fav_path: Path) -> None:
    system = FakeSystem()
    system.by_id("s9").name = "Hôtel de Ville de Fontenay-sous-Bois"
    system.by_id("s8").name = "Hôtel de ville de Fontenay-aux-Roses"
    app = make_app(system, favourites_path=fav_path)
    async with app.run_test(size=(128, 40)) as pilot:
        await settle(app, pilot)
        text = screen_text(app)
        assert "Walk" in text  # every column, and the names whole
        assert "Hôtel de Ville de Fontenay-sous-Bois" in text
        assert "Hôtel de ville de Fontenay-aux-Roses" in text
        assert "Trend" in text and "Status" in text


async def test_dialogs_fit_60x20(fav_path: Path) -> None:
    app = make_app(favourites_path=fav_path)
    async with app.run_test(size=(60, 20)) as pilot:
        await settle(app, pilot)
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(app.screen, WatchDialog)
        dialog = app.screen.query_one("#watch-dialog")
        assert dialog.region.right <= 60 and dialog.region.bottom <= 20
        for button in app.screen.query("Button"):
            assert button.region.right <= 60, button
        await pilot.press("escape")
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, KeysScreen)
        keys = app.screen.query_one("#keys-dialog")
        assert keys.region.right <= 60 and keys.region.bottom <= 20


async def test_question_mark_shows_every_key_and_escape_closes(fav_path: Path) -> None:
    app = make_app(favourites_path=fav_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, KeysScreen)
        text = screen_text(app)
        for words in ("choose another system", "add a system alongside", "on/off, remove",
                      "watch", "map", "refresh now", "quit", "Escape"):  # fmt: skip
            assert words in text, words
        await pilot.press("m")  # the list's keys do nothing behind the panel
        assert app.stations.mode is Mode.ANY_BIKE
        await pilot.press("escape")
        assert not isinstance(app.screen, KeysScreen)


async def test_the_list_fills_the_screen_and_grows_at_its_end(fav_path: Path) -> None:
    system = FakeSystem()
    system.stations += [
        FakeStation(f"g{i:03d}", f"Far {i:03d}", 3000 + 10 * i, 0) for i in range(120)
    ]
    app = make_app(system, favourites_path=fav_path, limit=None)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        visible = app.stations.table.size.height - 1
        assert app.stations.table.listed_count >= visible > 20
        before = app.stations.table.listed_count
        await pilot.press("end")
        await settle(app, pilot)
        assert app.stations.table.listed_count > before  # more on scroll
    limited = make_app(system, favourites_path=fav_path, limit=5)
    async with limited.run_test(size=(120, 40)) as pilot:
        await settle(limited, pilot)
        ranks = [row.rank for row in limited.stations.displayed if row.rank is not None]
        assert ranks == [1, 2, 3, 4, 5]  # --limit N means exactly N


async def test_a_change_arrow_keeps_digits_in_line(fav_path: Path) -> None:
    system = FakeSystem()
    app = make_app(system, favourites_path=fav_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        system.by_id("s1").bikes = 10  # 5 -> 10↑; s3 (4) and s9 (7) unchanged
        system.last_updated += timedelta(seconds=30)
        await pilot.press("r")
        await settle(app, pilot)
        lines = screen_lines(app)
        header = lines[2]
        bikes_end = header.index("Bikes") + len("Bikes")

        def digit_end(name: str) -> int:
            line = next(line for line in lines if name in line)
            match = list(re.finditer(r"\d+", line[: bikes_end + 1]))[-1]
            return match.end()

        assert digit_end("Alpha") == digit_end("Charlie") == digit_end("Hôtel de Ville")


async def test_low_stock_is_visible_without_colour(fav_path: Path) -> None:
    system = FakeSystem()
    system.by_id("s9").bikes = 2
    app = make_app(system, favourites_path=fav_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        empty = cell_of(app, "s2", "bikes")
        low = cell_of(app, "s9", "bikes")
        plenty = cell_of(app, "s1", "bikes")
        assert "○0" in empty.plain and "◐2" in low.plain
        assert "○" not in plenty.plain and "◐" not in plenty.plain
        assert any("red" in str(span.style) for span in empty.spans)
        assert any("yellow" in str(span.style) for span in low.spans)
        assert any("green" in str(span.style) for span in plenty.spans)


# -- honest freshness -----------------------------------------------------------------


def test_one_stale_rule_follows_the_feeds_ttl() -> None:
    assert stale_after_s(None) == 300 and stale_after_s(30) == 300
    assert stale_after_s(3600) == 3 * 3600


async def test_app_stale_rule_is_the_feeds_ttl(fav_path: Path) -> None:
    system = FakeSystem(status_ttl=3600)  # an hour-long ttl: 20 min old is not stale
    app = make_app(system, favourites_path=fav_path,
                   clock=FakeClock(datetime(2025, 10, 18, 9, 20, tzinfo=UTC)))  # fmt: skip
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert app.lead.snapshot is not None
        assert not is_data_stale(app.lead.snapshot, app.clock())
        assert app.header_state().health == "ok"


async def test_r_says_whether_anything_changed(fav_path: Path) -> None:
    system = FakeSystem()
    app = make_app(system, favourites_path=fav_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("r")
        await settle(app, pilot)
        messages = [n.message for n in app._notifications]
        assert "Refreshed: no change" in messages
        system.by_id("s1").bikes = 9
        system.last_updated += timedelta(seconds=30)
        await pilot.press("r")
        await settle(app, pilot)
        assert "Refreshed: 1 station changed" in [n.message for n in app._notifications]


async def test_demo_header_promises_no_refresh_and_r_says_so(fav_path: Path) -> None:
    app = make_app(source=demo_source(), favourites_path=fav_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert "refresh every" not in app.header_state().detail
        assert "refresh every" not in screen_text(app)
        await pilot.press("r")
        await settle(app, pilot)
        assert any("demo" in n.message for n in app._notifications)


async def test_r_during_an_outage_keeps_the_back_off_and_success_resets_it(
    fav_path: Path,
) -> None:
    system = FakeSystem()
    clock = FakeClock()
    app = make_app(system, favourites_path=fav_path, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        system.failing["station_status"] = 503
        clock.advance(40)
        app.tick()  # a due refresh fails: back-off 5 s
        await settle(app, pilot)
        assert app.lead.schedule.failures == 1
        next_at = app.lead.schedule.next_at
        for _ in range(3):
            clock.advance(1)
            await pilot.press("r")
            await settle(app, pilot)
        assert app.lead.schedule.failures == 1 and app.lead.schedule.next_at == next_at
        del system.failing["station_status"]
        await pilot.press("r")
        await settle(app, pilot)
        assert app.lead.schedule.failures == 0 and app.header_state().problem is None
        # The whole period, no back-off.
        assert app.lead.schedule.wait_s(clock()) == app.lead.schedule.refresh_s


async def test_a_failed_station_information_refresh_is_shown(fav_path: Path) -> None:
    system, clock = FakeSystem(), FakeClock()
    app = make_app(system, favourites_path=fav_path, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        system.failing["station_information"] = 500
        time_passes(system, clock, INFO_TTL_S)  # station_information is due again
        await pilot.press("r")
        await settle(app, pilot)
        state = app.header_state()
        assert state.health == "error"
        assert "station_information" in (state.problem or "")
        assert "refresh failed" in screen_text(app).lower()
        assert app.lead.schedule.failures == 0  # availability still refreshes on its own period


async def test_demo_favourites_belong_to_live_velib(fav_path: Path) -> None:
    app = make_app(source=demo_source(), favourites_path=fav_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        key = highlighted_id(app)
        await pilot.press("f")
        saved = FavouritesStore(fav_path).all()
        assert [(f.gbfs_url, f.station_id) for f in saved] == [(DEMO_LIVE_GBFS_URL, key)]
        assert key is not None and cell_of(app, key, "name").plain.startswith("★")


# -- moving around ----------------------------------------------------------------------


def watched_store(path: Path) -> None:
    store = FavouritesStore(path)
    favourite = Favourite(GBFS_URL, "test", "Test Bikes", "s3", "Charlie", "2025-01-01T00:00:00Z")
    store.toggle(favourite)
    store.set_watch(favourite, Watch(WatchKind.BIKES, 1))


async def test_watched_stations_are_marked_in_list_favourites_and_details(
    fav_path: Path,
) -> None:
    watched_store(fav_path)
    app = make_app(favourites_path=fav_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert "⚑" in cell_of(app, "s3", "name").plain
        assert "⚑" not in cell_of(app, "s1", "name").plain
        await pilot.press("v")
        await pilot.pause()
        assert "⚑" in cell_of(app, "s3", "name").plain
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, DetailsScreen)
        text = screen_text(app)
        assert "⚑ Charlie" in text and "at least 1 bike" in text


def test_counts_are_said_in_good_english() -> None:
    assert Watch(WatchKind.BIKES, 1).describe() == "at least 1 bike"
    assert Watch(WatchKind.DOCKS, 2).describe() == "at least 2 free docks"
    assert counted(1, "free docks") == "1 free dock"
    assert counted(1, "e-bikes") == "1 e-bike"
    assert counted(0, "bikes") == "0 bikes"


async def test_details_lead_with_what_matters_in_the_systems_zone_at_60x20(
    fav_path: Path,
) -> None:
    system = FakeSystem()
    info = system.system_information

    def paris() -> dict[str, Any]:
        document = info()
        document["data"]["timezone"] = "Europe/Paris"
        return document

    system.system_information = paris  # type: ignore[method-assign]
    app = make_app(system, favourites_path=fav_path)
    async with app.run_test(size=(60, 20)) as pilot:
        await settle(app, pilot)
        await pilot.press("enter")
        await pilot.pause()
        lines = screen_lines(app)[:19]
        text = "\n".join(lines)
        for expected in ("5 bikes", "10 free docks", "operating", "100 m N",
                         "2 min on foot", "10:50:00 CEST", "(Europe/Paris)"):  # fmt: skip
            assert expected in text, expected


def far_system() -> FakeSystem:
    """A system ~1,000 km north of :data:`NEAR`."""
    return FakeSystem(
        stations=[FakeStation(f"n{i}", f"North {i}", 1_000_000 + 100 * i, 0) for i in range(5)],
        name="Far Bikes",
    )


async def test_choosing_a_far_system_ranks_from_its_centre(fav_path: Path) -> None:
    app = make_app(favourites_path=fav_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        far = far_system()
        source = SystemSource(
            gbfs_url="https://far.test/gbfs.json", transport=httpx.MockTransport(far.handle)
        )
        await app.system_picked(source)
        await settle(app, pilot)
        assert app.near_note == "system centre"
        assert app.near[0] > NEAR[0] + 8
        distance = cell_of(app, listed_ids(app)[0], "distance").plain
        assert distance.endswith(" m")
        assert app.header_state().problem is None


async def test_a_point_far_from_the_demo_is_said_in_the_header(fav_path: Path) -> None:
    app = make_app(source=demo_source(), favourites_path=fav_path, near=(40.75, -73.98))
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        problem = app.header_state().problem or ""
        assert "nearest station is" in problem and "km away" in problem
        assert "km away" in screen_text(app)
