"""The station table's short drawing path for text cells draws what DataTable's own
path draws: every visible cell, in every mode, under and off the cursor, with favourites,
stale and unusable rows, and names too long for their column."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.widgets import DataTable
from ui_support import FakeStation, FakeSystem, default_stations, make_app, settle

from bikefinder.ui.widgets.station_table import StationTable


def drawn_both_ways(table: StationTable) -> tuple[list[Any], list[Any]]:
    """Every body cell on screen, drawn by the table and by DataTable itself."""
    fast, slow = [], []
    base_style = table.rich_style
    for row_index in range(min(table.row_count, table.size.height)):
        cursor = row_index == table.cursor_row
        for column_index, column in enumerate(table.ordered_columns):
            width = column.get_render_width(table)
            for hover in (False, True):
                table._cell_render_cache.clear()
                fast.append(table._render_cell(row_index, column_index, base_style, width,
                                               cursor, hover))  # fmt: skip
                table._cell_render_cache.clear()
                slow.append(DataTable._render_cell(table, row_index, column_index, base_style,
                                                   width, cursor, hover))  # fmt: skip
    return fast, slow


async def test_text_cells_are_drawn_as_datatable_draws_them(fav_path: Path) -> None:
    stations = [
        *default_stations(),
        FakeStation("long", "A station name far longer than any column gives it " * 3, 50, 50),
        FakeStation("wide", "駅の名前はとても長いです東京都千代田区丸の内一丁目", 60, 60),
    ]
    app = make_app(FakeSystem(stations=stations), favourites_path=fav_path)
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(app, pilot)
        table = app.stations.table
        for key in ("f", "j", "m", "m", "m"):  # a favourite, the cursor moved, every mode
            await pilot.press(key)
            await settle(app, pilot)
            fast, slow = drawn_both_ways(table)
            assert len(fast) > 100
            assert fast == slow
