"""The list at 60x20 and 80x24: the Walk and System columns, stale rows of a failing
system, and the header's whole failure message."""

from __future__ import annotations

from typing import Any

import pytest
from rich.text import Text
from test_ui_app import screen_text
from test_ui_mixed import LINZ_FOLDER, cell, floating, mixed_app, rows, settle_mixed
from test_ui_rider import screen_lines
from ui_support import make_app, settle

from bikefinder.rider.modes import Mode
from bikefinder.rider.rows import SceneSystem
from bikefinder.rider.system_names import short_names
from bikefinder.rider.walking import walking_text
from bikefinder.ui.station_cells import MODE_COLUMN, OTHER_COLUMN, table_layout
from tests.test_loader_optional_feeds import serve_real

SIZES = [(60, 20), (80, 24)]


def test_walk_column_shows_when_the_width_allows_and_drops_before_names_get_narrow() -> None:
    for width, walk in ((58, False), (78, False), (100, True), (198, True)):
        layout = table_layout(width, Mode.ANY_BIKE)
        assert ("walk" in layout.keys) is walk, width
        assert layout.width("name") >= 14


async def test_walk_cells_say_what_the_details_say(fav_path: Any) -> None:
    app = make_app(favourites_path=fav_path)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(app, pilot)
        assert "Walk" in screen_text(app)
        for row in app.stations.displayed[:5]:
            assert row.distance_m is not None
            expected = walking_text(row.distance_m, app.stations.walking_speed_kmh)
            assert (
                app.stations.table.get_cell(
                    next(
                        k
                        for k in app.stations.table._keys
                        if app.stations.table._keys[k] == row.key
                    ),
                    "walk",
                ).plain
                == expected
            )


def test_short_names_tell_systems_apart() -> None:
    lime = "https://data.lime.bike/api/partners/v2/{}/seattle/gbfs.json"
    systems = [
        SceneSystem("a", "Lime Seattle", lime.format("gbfs")),
        SceneSystem("b", "Lime Seattle", lime.format("gbfs_transit")),
        SceneSystem("c", "127.0.0.1/operators/x", "http://127.0.0.1:8765/operators/x/gbfs.json"),
        SceneSystem("d", "Synthetic Free-floating operator 1", "http://h/floating_1/gbfs.json"),
        SceneSystem("e", "Synthetic Free-floating operator 2", "http://h/floating_2/gbfs.json"),
    ]
    for width in (12, 16, 28):
        names = short_names(systems, width)
        assert len(set(names.values())) == len(systems), names
        assert all(len(name) <= width for name in names.values()), names
    wide = short_names(systems)
    assert wide["a"] == "Lime Seattle (gbfs)" and wide["b"] == "Lime Seattle (gbfs_transit)"
    assert wide["c"] == "127.0.0.1:8765/operators/x"
    assert wide["d"].endswith(" 1") and wide["e"].endswith(" 2")


def said_status(app: Any, row: Any) -> str:
    """A row's status words: its Status cell, or where a narrow table folds them, the
    start of its name cell."""
    if "status" in app.stations.table.column_layout.keys:
        return str(cell(app, row, "status").plain)
    return str(cell(app, row, "name").plain)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
async def test_a_failing_systems_rows_are_marked_stale_and_the_message_is_whole(
    feed_server: Any, tmp_path: Any, size: tuple[int, int]
) -> None:
    linz = serve_real(feed_server, LINZ_FOLDER)
    float_url = floating(feed_server)
    app = mixed_app(tmp_path, [linz, float_url])
    async with app.run_test(size=size) as pilot:
        await settle_mixed(app, pilot, 2)
        float_rows = [row for row in rows(app) if row.system.gbfs_url == float_url]
        assert float_rows and "STALE" not in said_status(app, float_rows[0])
        for path in list(feed_server.routes):
            if path.startswith("/float/"):
                feed_server.add(path, "down", status=503)
        for system in app.fleet.enabled:  # as a timed refresh does (no key pressed)
            app._fetch(system)
        for _ in range(50):
            await app.workers.wait_for_complete()
            await pilot.pause(0.05)
            if app.header_state().problem:
                break
        problem = app.header_state().problem
        assert problem is not None and "failing" in problem
        float_rows = [row for row in rows(app) if row.system.gbfs_url == float_url]
        assert float_rows
        for row in float_rows:
            assert said_status(app, row).lstrip().startswith("STALE ")
        linz_rows = [row for row in rows(app) if row.system.gbfs_url == linz]
        assert linz_rows and "STALE" not in said_status(app, linz_rows[0])
        # The whole message, word by word, in the header's lines (never cut mid-word).
        await pilot.pause()
        lines = screen_lines(app)
        assert all(len(line) <= size[0] for line in lines)
        shown = " ".join(line.strip() for line in lines[1 : app.stations.status_bar.size.height])
        assert " ".join(problem.split()) in shown, lines[:6]
        assert "STALE" in "\n".join(lines)  # the rows say it, not only their colour


async def test_a_resize_from_200_to_60_columns_leaves_nothing_behind_in_the_footer(
    fav_path: Any,
) -> None:
    app = make_app(favourites_path=fav_path)
    async with app.run_test(size=(200, 40)) as pilot:
        await settle(app, pilot)
        for _ in range(40):  # the footer's keys are laid out after the first table
            if "palette" in screen_lines(app)[-1]:
                break
            await pilot.pause(0.05)
        assert "palette" in screen_lines(app)[-1]
        await pilot.resize_terminal(60, 20)
        await pilot.pause()
        await pilot.pause()
        footer = screen_lines(app)[-1]
        assert "palette" not in footer and "^p" not in footer, footer
        assert "? Keys" in footer and footer.rstrip().endswith("q Quit"), footer


async def test_a_toast_leaves_the_counts_of_the_rows_under_it_readable(fav_path: Any) -> None:
    for width, height in SIZES:
        app = make_app(favourites_path=fav_path)
        async with app.run_test(size=(width, height), notifications=True) as pilot:
            await settle(app, pilot)
            app.notify("Gare de Lyon - Diderot is now a favourite", title="Favourite")
            await pilot.pause(0.1)
            toast = app.screen.query_one("Toast")
            # The toast is no wider than the Status column and its padding.
            assert toast.region.width <= max(18, width * 3 // 10), toast.region


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
async def test_the_watch_dialogs_choice_reads_without_colour(
    fav_path: Any, size: tuple[int, int]
) -> None:
    app = make_app(favourites_path=fav_path)
    async with app.run_test(size=size) as pilot:
        await settle(app, pilot)
        await pilot.press("a")
        await pilot.pause()
        text = "\n".join(screen_lines(app))
        assert text.count("●") == 1, text  # only the chosen kind has the dot
        chosen = next(line for line in text.splitlines() if "●" in line)
        assert "bikes" in chosen.split("●", 1)[1], chosen


def test_map_kinds_have_their_own_glyphs() -> None:
    from bikefinder.rider.mapgrid import CellKind, MapPoint, rasterise

    origin = (48.85, 2.35)
    points = [
        MapPoint("ok", 48.851, 2.35, CellKind.USEFUL),
        MapPoint("closed", 48.849, 2.35, CellKind.USELESS),
        MapPoint("what", 48.85, 2.352, CellKind.UNKNOWN),
    ]
    grid = rasterise(origin, points, 30, 10)
    glyphs = {kind: {g for row in grid.cells for g, k in row if k is kind} for kind in CellKind}
    assert glyphs[CellKind.USELESS] == {"×"} and glyphs[CellKind.UNKNOWN] == {"?"}
    assert all(0x2800 < ord(g) <= 0x28FF for g in glyphs[CellKind.USEFUL])
    highlighted = rasterise(origin, points, 30, 10, highlighted="closed")
    assert "×" not in {g for row in highlighted.cells for g, _ in row}
    assert "◆" in {g for row in highlighted.cells for g, _ in row}


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
async def test_map_legend_tells_kinds_apart_by_glyph(fav_path: Any, size: tuple[int, int]) -> None:
    app = make_app(favourites_path=fav_path)
    async with app.run_test(size=size) as pilot:
        await settle(app, pilot)
        await pilot.press("M")
        await pilot.pause()
        text = "\n".join(screen_lines(app))
        if size[0] >= 80:  # the legend shows beside a map at least 60 columns wide
            assert "⣿ has bikes" in text and "× no bikes" in text and "? unknown" in text
        assert "×" in text  # the closed station (s5) is drawn as one


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
async def test_the_header_names_the_place_asked_for(fav_path: Any, size: tuple[int, int]) -> None:
    app = make_app(favourites_path=fav_path)
    app.view.near_label = "Gare de Lyon"
    async with app.run_test(size=size) as pilot:
        await settle(app, pilot)
        header = screen_lines(app)[0]
        assert "near Gare de Lyon" in header, header
        assert "48.8" not in header  # no raw coordinates
        assert f" {app.stations.mode.label} " in header


def test_near_label_is_the_place_as_given_never_coordinates() -> None:
    from bikefinder.cli.main import _near_label

    assert _near_label("  Gare de   Lyon ") == "Gare de Lyon"
    assert _near_label("home") == "home"
    assert _near_label("48.85,2.35") is None
    assert _near_label(None) is None


@pytest.mark.parametrize("kinds", [False, True], ids=["bikes", "all-vehicles"])
@pytest.mark.parametrize("mode", list(Mode))
@pytest.mark.parametrize("width", [56, 58, 60, 78, 80, 118, 198])
def test_every_width_keeps_name_distance_both_counts_and_the_system(
    width: int, mode: Mode, kinds: bool
) -> None:
    layout = table_layout(width, mode, 2, systems=True, kinds=kinds)
    wanted = {"name", "distance", MODE_COLUMN[mode], OTHER_COLUMN[mode], "system"}
    assert wanted <= set(layout.keys), (width, mode, layout.keys)
    assert layout.width("name") >= 13
    assert sum(w for _, w in layout.widths) + 2 * len(layout.keys) <= width
    single = table_layout(width, mode, 2)
    assert {"name", "distance", MODE_COLUMN[mode], OTHER_COLUMN[mode]} <= set(single.keys)
    if width >= 58:
        assert "status" in single.keys  # one system: its Status column has room


def _open_shut_and_cars_rows() -> dict[str, Any]:
    """A mixed list's rows by item id: an open station, one not installed, and a car."""
    from msgspec.structs import replace

    from bikefinder.feeds.vehicles import VehicleSelection
    from tests.test_nearby import DOCKS, FLOAT, NEAR, nearest, scene, snapshot, station
    from tests.test_vehicle_kinds import CAR_TYPE, car_station

    open_one, shut = station("open", 10), station("shut", 20)
    shut = replace(shut, status=replace(shut.status, is_installed=False))
    docks = snapshot(stations=(open_one, shut))
    cars = snapshot(stations=(car_station("cars", 30),), vehicle_types={"car": CAR_TYPE})
    listed = scene((DOCKS, docks), (FLOAT, cars), selection=VehicleSelection.ALL)
    return {r.key.item_id: r for r in nearest(listed, NEAR)}


def test_a_narrow_table_leads_the_name_with_the_status_words() -> None:
    from bikefinder.ui.station_cells import row_cells

    rows = _open_shut_and_cars_rows()
    narrow = table_layout(56, Mode.ANY_BIKE, 2, systems=True, kinds=True)
    assert "status" not in narrow.keys and "what" not in narrow.keys

    def name_of(item_id: str, stale: bool = False) -> str:
        cells = row_cells(rows[item_id], Mode.ANY_BIKE, narrow, stale=stale)
        return str(dict(zip(narrow.keys, cells, strict=True))["name"].plain)

    assert name_of("open") == "Station open"
    assert name_of("open", stale=True).startswith("STALE Station")
    assert name_of("shut").startswith("NOT INSTALLED ")
    assert name_of("cars").startswith("car: ")
    wide = table_layout(118, Mode.ANY_BIKE, 2, systems=True, kinds=True)
    cells = dict(zip(wide.keys, row_cells(rows["shut"], Mode.ANY_BIKE, wide), strict=True))
    assert cells["name"].plain == "Station shut" and "NOT INSTALLED" in cells["status"].plain


def test_the_status_cell_and_the_name_lead_say_the_same_state_badge() -> None:
    from bikefinder.ui.station_cells import (
        STATE_STYLES,
        state_badge,
        status_cell,
        status_lead,
    )

    rows = _open_shut_and_cars_rows()
    badge = state_badge(rows["shut"])
    assert badge is not None and badge in STATE_STYLES.values()
    label, style = badge
    assert status_cell(rows["shut"]).plain.startswith(f" {label} ")
    assert status_lead(rows["shut"], stale=False) == Text(f"{label} ", style=style)
    assert state_badge(rows["open"]) is None and state_badge(rows["cars"]) is None
    assert status_lead(rows["open"], stale=False).plain == ""


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
async def test_a_mixed_list_shows_the_system_and_both_counts_at_every_size(
    feed_server: Any, tmp_path: Any, size: tuple[int, int]
) -> None:
    app = mixed_app(tmp_path, [serve_real(feed_server, LINZ_FOLDER), floating(feed_server)])
    async with app.run_test(size=size) as pilot:
        await settle_mixed(app, pilot, 2)
        for presses in ((), ("m",), ("m",)):
            await pilot.press(*presses)
            await pilot.pause()
            lines = screen_lines(app)
            columns = next(line for line in lines if "Station" in line)
            for label in ("Distance", "System", "Bikes"):
                assert label in columns, (size, columns)
            assert "Docks" in columns or "E-bike" in columns, (size, columns)
            assert all(len(line) <= size[0] for line in lines)
