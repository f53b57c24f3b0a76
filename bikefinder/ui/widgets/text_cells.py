"""A DataTable that draws its one-line text cells in fewer steps.

DataTable draws every cell through Rich's general layout (a ``Styled`` around a
``Padding`` around the cell, each rendered to lines, split and cropped twice). The station
list redraws every visible cell on a mode change, a filter keystroke or a refresh (about
350 of them at 120x35), and that general path was most of the time those keys took.
:class:`TextCellTable` draws a :class:`~rich.text.Text` cell in a one-line body row with
the same Rich steps that path ends up taking (wrap without wrapping, pad, crop, style), so
the segments are the same, and leaves every other cell (the header, labels, taller rows,
other renderables) to DataTable. It also skips measuring new rows' cells when every
column has a fixed width.
"""

from __future__ import annotations

from collections.abc import Iterable

from rich.console import JustifyMethod, OverflowMethod
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.widgets import DataTable
from textual.widgets.data_table import RowKey

#: What Rich's ``Text`` uses when neither the text nor the console says.
_DEFAULT_JUSTIFY: JustifyMethod = "default"
_DEFAULT_OVERFLOW: OverflowMethod = "fold"
_NEWLINE = Text("\n")


class TextCellTable(DataTable[Text]):
    """:class:`DataTable` with a shorter drawing path for one-line text cells."""

    def _render_cell(
        self,
        row_index: int,
        column_index: int,
        base_style: Style,
        width: int,
        cursor: bool = False,
        hover: bool = False,
    ) -> list[list[Segment]]:
        slow = super()._render_cell
        if row_index < 0 or column_index < 0:
            return slow(row_index, column_index, base_style, width, cursor, hover)
        row_key = self._row_locations.get_key(row_index)
        column_key = self._column_locations.get_key(column_index)
        if row_key is None or column_key is None:
            return slow(row_index, column_index, base_style, width, cursor, hover)
        cache_key = (row_key, column_key, base_style, cursor, hover, self._show_hover_cursor,
                     self._update_count, self._pseudo_class_state)  # fmt: skip
        cached = self._cell_render_cache.get(cache_key)
        if cached is not None:
            return cached
        row = self.rows[row_key]
        _, cells = self._get_row_renderables(row_index)
        cell = cells[column_index]
        if (
            row.height != 1
            or type(cell) is not Text
            or "\n" in cell.plain
            or "\t" in cell.plain
            or cell.overflow == "ignore"
            or cell.no_wrap is False
        ):
            return slow(row_index, column_index, base_style, width, cursor, hover)
        fixed = row_index < self.fixed_rows or column_index < self.fixed_columns
        component_style, post_style = self._get_styles_to_render_cell(
            False, False, fixed, hover, cursor, self.show_cursor, self._show_hover_cursor,
            self.cursor_foreground_priority == "css", self.cursor_background_priority == "css",
        )  # fmt: skip
        pre_style = (
            base_style + Style.from_meta({"row": row_index, "column": column_index})
        ) + component_style
        console = self.app.console
        options = self.app.console_options
        padding = self.cell_padding
        inner = max(0, width - 2 * padding)
        lines = cell.wrap(
            console,
            inner,
            justify=cell.justify or options.justify or _DEFAULT_JUSTIFY,
            overflow=cell.overflow or options.overflow or _DEFAULT_OVERFLOW,
            no_wrap=True,
        )
        text = list(_NEWLINE.join(lines).render(console, end=""))
        pad_style = console.get_style("none")
        segments = Segment.adjust_line_length(text, inner, style=pad_style, pad=True)
        if padding:
            edge = Segment(" " * padding, pad_style)
            segments = [edge, *segments, edge]
        styled = Segment.apply_style(segments, pre_style, post_style)
        line = Segment.adjust_line_length(list(styled), width, pad=True)
        rendered = [line]
        self._cell_render_cache[cache_key] = rendered
        return rendered

    def _update_dimensions(self, new_rows: Iterable[RowKey]) -> None:
        """The table's size after rows were added. DataTable measures every cell of every
        new row for its column's content width; columns of a fixed width, in one-line
        rows without labels, are as wide as they were given, so that is skipped."""
        rows = self.rows
        fixed = not any(column.auto_width for column in self.columns.values())
        if fixed and all(
            row_key not in rows or (rows[row_key].height == 1 and rows[row_key].label is None)
            for row_key in new_rows
        ):
            new_rows = ()
        super()._update_dimensions(new_rows)
