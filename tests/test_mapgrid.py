"""The map's projection and rasterisation: positions, scale, marks and colour classes."""

from __future__ import annotations

import math

import pytest
from map_cells import cells_of_kind

from bikefinder.feeds.models import Station, StationInfo, StationStatus
from bikefinder.rider.mapgrid import (
    BRAILLE_BASE,
    HIGHLIGHT_GLYPH,
    ORIGIN_GLYPH,
    CellKind,
    MapPoint,
    availability_kind,
    map_points,
    nice_scale,
    offset_m,
    rasterise,
)
from bikefinder.rider.modes import Mode, useless_reason
from bikefinder.rider.rows import Kind, Row, RowKey, SceneSystem

ORIGIN = (48.8566, 2.3522)
M_PER_DEG = math.pi * 6_371_008.8 / 180


def at(north_m: float, east_m: float, origin: tuple[float, float] = ORIGIN) -> tuple[float, float]:
    lat0, lon0 = origin
    return lat0 + north_m / M_PER_DEG, lon0 + east_m / (M_PER_DEG * math.cos(math.radians(lat0)))


def point(station_id: str, north_m: float, east_m: float,
          kind: CellKind = CellKind.USEFUL) -> MapPoint:  # fmt: skip
    return MapPoint(station_id, *at(north_m, east_m), kind)


def test_offsets_are_metres_east_and_north_with_cos_lat() -> None:
    east, north = offset_m(ORIGIN, *at(300, -200))
    assert east == pytest.approx(-200, abs=0.01) and north == pytest.approx(300, abs=0.01)
    # At 60° N a degree of longitude is half as long as at the equator.
    assert offset_m((60.0, 0.0), 60.0, 1.0)[0] == pytest.approx(M_PER_DEG / 2, rel=1e-9)
    # Across the antimeridian: 0.2° east, not 359.8° west.
    assert offset_m((0.0, 179.9), 0.0, -179.9)[0] == pytest.approx(0.2 * M_PER_DEG, rel=1e-6)


def test_north_is_up_east_is_right_and_the_origin_is_the_centre() -> None:
    grid = rasterise(ORIGIN, [point("n", 500, 0), point("e", 0, 500), point("s", -500, 0),
                              point("w", 0, -500)], width=41, height=11)  # fmt: skip
    assert (grid.width, grid.height) == (41, 11)
    assert grid.cells[5][20] == (ORIGIN_GLYPH, CellKind.ORIGIN)
    north, east, south, west = (grid.positions[key] for key in "nesw")
    assert north[1] == south[1] == 20 and north[0] < 5 < south[0]
    assert east[0] == west[0] == 5 and west[1] < 20 < east[1]
    assert 5 - north[0] == south[0] - 5 and 20 - west[1] == east[1] - 20
    # Equal distances look equal: a cell is 2 dots wide and 4 tall, and dots are square.
    assert (east[1] - 20) == pytest.approx(2 * (5 - north[0]), abs=1)
    for y, x in grid.positions.values():
        assert grid.cells[y][x][1] is CellKind.USEFUL
        assert BRAILLE_BASE < ord(grid.cells[y][x][0]) <= BRAILLE_BASE + 0xFF
    # Each station is a 2x2-dot mark (4 dots), possibly spread over neighbouring cells.
    inner = rasterise(ORIGIN, [point("a", 250, 0), point("b", 0, -250),
                               point("edge", 1000, 1000, CellKind.USELESS)], 41, 11)  # fmt: skip
    dots = sum(bin(ord(glyph) - BRAILLE_BASE).count("1") for line in inner.cells
               for glyph, kind in line if kind is CellKind.USEFUL)  # fmt: skip
    assert dots == 8


def test_scale_fits_the_farthest_point_at_the_edge() -> None:
    grid = rasterise(ORIGIN, [point("far", 0, 2000)], width=41, height=11)
    assert grid.positions["far"] == (5, 40)  # on the last column, not beyond
    assert grid.clipped == 0
    assert grid.metres_per_cell == pytest.approx(2000 / (20 * 2 + 0.5) * 2, rel=1e-6)
    # A tall panel: the vertical extent decides.
    tall = rasterise(ORIGIN, [point("up", 2000, 0)], width=41, height=11)
    assert tall.positions["up"] == (0, 20)
    assert tall.metres_per_cell > grid.metres_per_cell


def test_colour_precedence_and_marks() -> None:
    same_cell = [point("a", 1, 1, CellKind.USELESS), point("b", 2, 2, CellKind.USEFUL)]
    grid = rasterise(ORIGIN, [*same_cell, point("x", 800, 800, CellKind.UNKNOWN)], 21, 7)
    # Stations sharing the origin's cell: the cross stays, coloured by the best station.
    assert grid.cells[3][10] == (ORIGIN_GLYPH, CellKind.USEFUL)
    assert cells_of_kind(grid, CellKind.UNKNOWN) != []
    highlighted = rasterise(ORIGIN, [point("x", 800, 800, CellKind.USELESS)], 21, 7, "x")
    ((y, x),) = cells_of_kind(highlighted, CellKind.HIGHLIGHT)
    assert highlighted.positions["x"] == (y, x)
    assert highlighted.cells[y][x][0] == HIGHLIGHT_GLYPH
    plain = rasterise(ORIGIN, [point("x", 800, 800, CellKind.USELESS)], 21, 7)
    assert (
        plain.cells[y][x][1] is CellKind.USELESS and cells_of_kind(plain, CellKind.HIGHLIGHT) == []
    )
    on_origin = rasterise(ORIGIN, [point("here", 0, 0)], 21, 7, "here")
    assert on_origin.cells[3][10] == (HIGHLIGHT_GLYPH, CellKind.HIGHLIGHT)


def test_empty_tiny_and_degenerate_input_never_fail() -> None:
    empty = rasterise(ORIGIN, [], 10, 4)
    assert cells_of_kind(empty, CellKind.ORIGIN) == [(2, 5)]
    assert rasterise(ORIGIN, [point("a", 100, 100)], 1, 1).cells[0][0][0] == ORIGIN_GLYPH
    assert rasterise(ORIGIN, [point("a", 100, 100)], 0, 0).width == 1
    nan = MapPoint("nan", float("nan"), 2.0, CellKind.USEFUL)
    assert rasterise(ORIGIN, [nan], 10, 4).clipped == 1
    same = rasterise(ORIGIN, [point("a", 0, 0)], 10, 4)
    assert same.metres_per_cell > 0


@pytest.mark.parametrize(
    ("metres_per_cell", "max_cells", "label", "cells"),
    [(100.0, 10, "1 km", 10), (100.0, 8, "500 m", 5), (12.0, 20, "200 m", 17),
     (1000.0, 3, "2 km", 2), (3.0, 10, "20 m", 7), (0.5, 10, "5 m", 10)],
)  # fmt: skip
def test_scale_bar_is_a_round_length_that_fits(
    metres_per_cell: float, max_cells: int, label: str, cells: int
) -> None:
    scale = nice_scale(metres_per_cell, max_cells)
    assert (scale.label, scale.cells) == (label, cells)
    assert scale.cells <= max_cells


def row(station_id: str, status: StationStatus | None, mode: Mode) -> Row:
    station = Station(StationInfo(station_id, "A", *at(100, 100)), status)
    useless = useless_reason(station, mode)
    key = RowKey(Kind.STATION, "test", station_id)
    return Row(key, SceneSystem("test", "Test", "https://t.test/gbfs.json"), "A",
               station.info.lat, station.info.lon, 141.0, 45.0, "NE", 103,
               None if useless else 1, useless, station=station)  # fmt: skip


def test_availability_classes_follow_the_mode() -> None:
    full = StationStatus("a", 5, 5, 0, 0, is_installed=True, is_renting=True, is_returning=True)
    unknown_docks = StationStatus("b", 5, 5, 0, None)
    assert availability_kind(row("a", full, Mode.ANY_BIKE), Mode.ANY_BIKE) is CellKind.USEFUL
    assert availability_kind(row("a", full, Mode.DOCK), Mode.DOCK) is CellKind.USELESS
    assert availability_kind(row("a", full, Mode.EBIKE), Mode.EBIKE) is CellKind.USELESS
    assert availability_kind(row("b", unknown_docks, Mode.DOCK), Mode.DOCK) is CellKind.UNKNOWN
    assert availability_kind(row("c", None, Mode.ANY_BIKE), Mode.ANY_BIKE) is CellKind.UNKNOWN
    points = map_points([row("a", full, Mode.DOCK)], Mode.DOCK)
    assert points[0].key == RowKey(Kind.STATION, "test", "a") and points[0].kind is CellKind.USELESS
