"""A glanceable map of the listed stations: lat/lon -> terminal cells, drawn in braille.

Equirectangular projection around the query point (east-west distances shrunk by
cos(latitude)), north up, the query point in the middle. Each terminal cell holds a
2x4 braille dot matrix; a cell is about twice as tall as it is wide, so one dot is
about square and distances look right in both directions. Each cell gets one
colour class: the highlighted station beats the query point, which beats a useful
station, an unknown one, then a useless one. No UI here: the widget maps the
:class:`CellKind` of each cell to a style.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Sequence
from enum import IntEnum

import msgspec

from bikefinder.common.geo import EARTH_RADIUS_M
from bikefinder.common.units import Units, scale_lengths
from bikefinder.rider.modes import Mode, StationState, station_state, wanted_count
from bikefinder.rider.rows import Row

BRAILLE_BASE = 0x2800
#: Bit of each dot in a braille cell, by (column, row) in the 2x4 matrix.
BRAILLE_BITS = ((0x01, 0x02, 0x04, 0x40), (0x08, 0x10, 0x20, 0x80))
DOTS_X, DOTS_Y = 2, 4
ORIGIN_GLYPH = "✚"
HIGHLIGHT_GLYPH = "◆"
#: A station that is no option, and one whose state is unknown: a mark of their own
#: (not only another colour), drawn in the cell the station is in.
USELESS_GLYPH = "×"
UNKNOWN_GLYPH = "?"
#: The braille mark of a station that is an option (the legend's sample of it).
USEFUL_SAMPLE = "⣿"

#: Never zoom in further than this (a single station next to the rider).
MIN_METRES_PER_DOT = 2.0


class CellKind(IntEnum):
    """What a cell shows; a higher value wins when several things share a cell."""

    EMPTY = 0
    USELESS = 1
    UNKNOWN = 2
    USEFUL = 3
    ORIGIN = 4
    HIGHLIGHT = 5


#: The glyph per kind for stations not drawn in braille.
KIND_GLYPHS = {CellKind.UNKNOWN: UNKNOWN_GLYPH, CellKind.USELESS: USELESS_GLYPH}


class MapPoint(msgspec.Struct, frozen=True):
    """A row to draw: which (a row key), where, and whether it is an option in the mode."""

    key: Hashable
    lat: float
    lon: float
    kind: CellKind


def availability_kind(row: Row, mode: Mode) -> CellKind:
    """Useful (the rider's mode has it), useless (closed, empty, full) or unknown."""
    if row.useful:
        return CellKind.USEFUL
    if row.station is None:
        return CellKind.USELESS if row.vehicle is not None else CellKind.UNKNOWN
    status = row.station.status
    if station_state(status) is StationState.NO_STATUS or wanted_count(status, mode) is None:
        return CellKind.UNKNOWN
    return CellKind.USELESS


def map_points(rows: Iterable[Row], mode: Mode) -> list[MapPoint]:
    """The listed rows with a position as points, classified for ``mode``."""
    return [
        MapPoint(row.key, row.lat, row.lon, availability_kind(row, mode))
        for row in rows
        if row.lat is not None and row.lon is not None
    ]


def offset_m(origin: tuple[float, float], lat: float, lon: float) -> tuple[float, float]:
    """(east, north) metres of (lat, lon) from ``origin``, equirectangular with a cos(lat)
    correction; longitudes are wrapped, so the antimeridian is no cliff."""
    lat0, lon0 = origin
    d_lon = (lon - lon0 + 180.0) % 360.0 - 180.0
    metres_per_degree = math.pi * EARTH_RADIUS_M / 180.0
    east = d_lon * math.cos(math.radians(lat0)) * metres_per_degree
    north = (lat - lat0) * metres_per_degree
    return east, north


class ScaleBar(msgspec.Struct, frozen=True):
    """A round distance, how many cells it spans at the map's scale, and its label
    ("500 m", "1 km", "500 ft", "0.5 mi": lengths are 1, 2, 5 x 10^n, so it stays short)."""

    metres: float
    cells: int
    label: str


def nice_scale(metres_per_cell: float, max_cells: int, units: Units = Units.METRIC) -> ScaleBar:
    """The longest round distance in ``units`` (see :func:`scale_lengths`) that fits in
    ``max_cells`` cells (the shortest when none does)."""
    max_cells = max(1, max_cells)
    budget = metres_per_cell * max_cells
    lengths = scale_lengths(units)
    best, label = lengths[0]
    for length, length_label in lengths:
        if length <= budget:
            best, label = length, length_label
    cells = max(1, round(best / metres_per_cell)) if metres_per_cell > 0 else 1
    return ScaleBar(metres=best, cells=min(cells, max_cells), label=label)


class MapGrid(msgspec.Struct, frozen=True):
    """``rows`` x ``columns`` cells of (glyph, kind), north up; ``metres_per_cell`` is the
    width of one cell (a cell is twice as tall)."""

    cells: tuple[tuple[tuple[str, CellKind], ...], ...]
    metres_per_cell: float
    #: The (row, column) of each drawn station's own cell.
    positions: dict[Hashable, tuple[int, int]] = msgspec.field(default_factory=dict)
    #: Stations that fell outside the grid (none, unless the grid is tiny).
    clipped: int = 0

    @property
    def height(self) -> int:
        return len(self.cells)

    @property
    def width(self) -> int:
        return len(self.cells[0]) if self.cells else 0

    def scale(self, max_cells: int, units: Units = Units.METRIC) -> ScaleBar:
        return nice_scale(self.metres_per_cell, max_cells, units)


def rasterise(
    origin: tuple[float, float],
    points: Sequence[MapPoint],
    width: int,
    height: int,
    highlighted: Hashable | None = None,
) -> MapGrid:
    """Draw ``points`` around ``origin`` on a ``width`` x ``height`` cell grid.

    The scale is the smallest that fits every point with the origin in the centre
    cell. The highlighted station is a solid diamond, the origin a cross; stations
    that are an option are 2x2-dot braille marks (a single dot is too faint to see)
    centred on their position, the others a "×" (no option) or "?" (unknown) in their
    cell, so the kinds read apart without colour; each cell is coloured by the best
    kind drawn into it.
    """
    width, height = max(1, width), max(1, height)
    offsets = [offset_m(origin, point.lat, point.lon) for point in points]
    centre_x, centre_y = width // 2, height // 2
    # Dots available from the centre cell's middle to the edge, in each direction.
    half_dots_x = max(1.0, min(centre_x, width - 1 - centre_x) * DOTS_X + DOTS_X / 2 - 0.5)
    half_dots_y = max(1.0, min(centre_y, height - 1 - centre_y) * DOTS_Y + DOTS_Y / 2 - 0.5)
    finite = [(e, n) for e, n in offsets if math.isfinite(e) and math.isfinite(n)]
    reach_x = max((abs(east) for east, _ in finite), default=0.0)
    reach_y = max((abs(north) for _, north in finite), default=0.0)
    metres_per_dot = max(MIN_METRES_PER_DOT, reach_x / half_dots_x, reach_y / half_dots_y)

    bits = [[0] * width for _ in range(height)]
    kinds = [[CellKind.EMPTY] * width for _ in range(height)]
    glyphs: dict[tuple[int, int], str] = {}
    positions: dict[Hashable, tuple[int, int]] = {}
    clipped = 0
    origin_dot_x = centre_x * DOTS_X + DOTS_X / 2
    origin_dot_y = centre_y * DOTS_Y + DOTS_Y / 2
    for point, (east, north) in zip(points, offsets, strict=True):
        if not (math.isfinite(east) and math.isfinite(north)):
            clipped += 1
            continue
        exact_x = origin_dot_x + east / metres_per_dot
        exact_y = origin_dot_y - north / metres_per_dot
        x, y = math.floor(exact_x) // DOTS_X, math.floor(exact_y) // DOTS_Y
        if not (0 <= x < width and 0 <= y < height):
            clipped += 1
            continue
        positions.setdefault(point.key, (y, x))
        if point.kind in KIND_GLYPHS:
            if point.kind > kinds[y][x]:
                kinds[y][x] = point.kind
                glyphs[(y, x)] = KIND_GLYPHS[point.kind]
            if point.key == highlighted:
                kinds[y][x], glyphs[(y, x)] = CellKind.HIGHLIGHT, HIGHLIGHT_GLYPH
            continue
        left, top = math.floor(exact_x - 0.5), math.floor(exact_y - 0.5)
        for dot_x, dot_y in ((left, top), (left + 1, top), (left, top + 1), (left + 1, top + 1)):
            cell_x, cell_y = dot_x // DOTS_X, dot_y // DOTS_Y
            if 0 <= cell_x < width and 0 <= cell_y < height:
                bits[cell_y][cell_x] |= BRAILLE_BITS[dot_x % DOTS_X][dot_y % DOTS_Y]
                if point.kind > kinds[cell_y][cell_x]:
                    kinds[cell_y][cell_x] = point.kind
                    glyphs.pop((cell_y, cell_x), None)  # an option's dots beat a mark
        if point.key == highlighted:
            kinds[y][x] = CellKind.HIGHLIGHT
            glyphs[(y, x)] = HIGHLIGHT_GLYPH
    if kinds[centre_y][centre_x] is not CellKind.HIGHLIGHT:
        # The cross keeps the colour of a station sharing its cell: none is hidden.
        if kinds[centre_y][centre_x] is CellKind.EMPTY:
            kinds[centre_y][centre_x] = CellKind.ORIGIN
        glyphs[(centre_y, centre_x)] = ORIGIN_GLYPH

    def glyph(y: int, x: int) -> str:
        if (y, x) in glyphs:
            return glyphs[(y, x)]
        return chr(BRAILLE_BASE + bits[y][x]) if bits[y][x] else " "

    cells = tuple(tuple((glyph(y, x), kinds[y][x]) for x in range(width)) for y in range(height))
    return MapGrid(
        cells=cells, metres_per_cell=metres_per_dot * DOTS_X, positions=positions, clipped=clipped
    )
