"""The station table's short drawing path for text cells draws what DataTable's own
path draws: every visible cell, in every mode, under and off the cursor, with favourites,
stale and unusable rows, and names too long for their column."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from rich.text import Text
from textual import messages
from textual.widgets import DataTable
from textual.widgets.data_table import CellDoesNotExist
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


def rows_both_ways(table: StationTable) -> tuple[list[Any], list[Any]]:
    """The header and every body row on screen, put together by the table and by
    DataTable itself."""
    fast, slow = [], []
    base_style = table.rich_style
    header = [table._header_row_key]
    for row_key in header + [row.key for row in table.ordered_rows[: table.size.height]]:
        where = (table.cursor_coordinate, table.hover_coordinate)
        table._forget_drawn()
        fast.append(table._render_line_in_row(row_key, 0, base_style, *where))
        table._row_render_cache.clear()
        slow.append(DataTable._render_line_in_row(table, row_key, 0, base_style, *where))
    return fast, slow


async def test_rows_are_put_together_as_datatable_puts_them(fav_path: Path) -> None:
    app = make_app(FakeSystem(), favourites_path=fav_path)
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(app, pilot)
        table = app.stations.table
        for key in ("j", "m", "f"):
            await pilot.press(key)
            await settle(app, pilot)
            fast, slow = rows_both_ways(table)
            assert len(fast) > 5
            assert fast == slow


async def test_only_the_cells_a_key_replaced_are_drawn_again(fav_path: Path) -> None:
    """A key that replaces some cells draws those (and the cursor's rows) again, not the
    table. A style update (focus, a loaded machine's late first layout) rightly forgets
    every drawn cell: a key it lands on is measured again, up to three times."""
    app = make_app(FakeSystem(), favourites_path=fav_path)
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(app, pilot)
        table = app.stations.table
        drawn: list[tuple[int, int]] = []
        forgotten: list[None] = []
        text_line, forget = table._text_line, table._forget_drawn

        def counted(cell: Any, row_index: int, column_index: int, *rest: Any) -> Any:
            drawn.append((row_index, column_index))
            return text_line(cell, row_index, column_index, *rest)

        def noted() -> None:
            forgotten.append(None)
            forget()

        table._text_line = counted  # type: ignore[method-assign]
        table._forget_drawn = noted  # type: ignore[method-assign]
        table.refresh_header()  # the header drawn again: no body cell is
        await settle(app, pilot)
        assert drawn == [] or forgotten

        for _attempt in range(3):
            drawn.clear()
            forgotten.clear()
            before = {(row, column): id(cell) for row, cells in table._data.items()
                      for column, cell in cells.items()}  # fmt: skip
            await pilot.press("m")
            await settle(app, pilot)
            if not forgotten:
                break
        assert not forgotten, "a style update landed on every key"
        replaced = {(row, column) for row, cells in table._data.items()
                    for column, cell in cells.items()
                    if before.get((row, column)) != id(cell)}  # fmt: skip
        assert drawn
        assert len(drawn) < table.row_count * len(table.columns)  # not every cell again
        cursor_row_cells = 2 * len(table.columns)  # the cursor's rows, old and new
        assert len(drawn) <= len(replaced) + cursor_row_cells


async def test_several_cells_are_put_in_at_once_and_unknown_ones_refused(
    fav_path: Path,
) -> None:
    app = make_app(FakeSystem(), favourites_path=fav_path)
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(app, pilot)
        table = app.stations.table
        table.update_cells([("0", "name", Text("First")), ("1", "name", Text("Second"))])
        assert table.get_cell("0", "name") == Text("First")
        assert table.get_cell("1", "name") == Text("Second")
        with pytest.raises(CellDoesNotExist):
            table.update_cells([("0", "no such column", Text("x"))])
        with pytest.raises(CellDoesNotExist):
            table.update_cells([("no such row", "name", Text("x"))])


async def test_a_cell_replaced_by_an_equal_one_is_not_laid_out_again(fav_path: Path) -> None:
    app = make_app(FakeSystem(), favourites_path=fav_path)
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(app, pilot)
        table = app.stations.table
        laid_out: list[str] = []
        look = table._look

        def counted(cell: Text, *rest: Any) -> Any:
            laid_out.append(cell.plain)
            return look(cell, *rest)

        table._look = counted  # type: ignore[method-assign]
        before = table.render_line(3)
        table.update_cells([("2", "name", table.get_cell("2", "name").copy())])
        await settle(app, pilot)
        assert table.render_line(3) == before
        assert laid_out == []


async def test_rows_removed_size_the_scrollbar_without_laying_the_screen_out(
    fav_path: Path,
) -> None:
    app = make_app(FakeSystem(), favourites_path=fav_path)
    async with app.run_test(size=(120, 12)) as pilot:  # fewer lines than rows: a scrollbar
        await settle(app, pilot)
        table = app.stations.table
        assert table.show_vertical_scrollbar and table.row_count > 4
        screen = app.stations
        layouts: list[object] = []  # the table asking to lay the screen out again
        post_message = screen.post_message

        def watched(message: Any) -> bool:
            if isinstance(message, messages.Layout) and message.widget is table:
                layouts.append(message)
            return post_message(message)

        screen.post_message = watched  # type: ignore[method-assign]
        before = table.virtual_size.height
        table.remove_row(str(table.row_count - 1))
        await settle(app, pilot)
        assert table.virtual_size.height == before - 1
        assert table.vertical_scrollbar.window_virtual_size == before - 1
        assert table.show_vertical_scrollbar
        assert layouts == []
