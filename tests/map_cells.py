"""Reading a :class:`~bikefinder.rider.mapgrid.MapGrid` the way a person looks at the map:
where the cells of one colour class are. (No tests in here.)"""

from __future__ import annotations

from bikefinder.rider.mapgrid import CellKind, MapGrid


def cells_of_kind(grid: MapGrid, kind: CellKind) -> list[tuple[int, int]]:
    """(row, column) of every cell of ``kind``, top to bottom, left to right."""
    return [
        (y, x)
        for y, line in enumerate(grid.cells)
        for x, (_, cell_kind) in enumerate(line)
        if cell_kind is kind
    ]
