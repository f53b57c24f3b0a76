"""A DataTable that draws its one-line text cells in fewer steps, and again only when
they change.

DataTable draws every cell through Rich's general layout (a ``Styled`` around a
``Padding`` around the cell, each rendered to lines, split and cropped twice), and keys
every drawing cache on a counter that any change to any cell moves on, so replacing one
cell draws every visible cell again. The station list replaces cells on a mode change, a
filter keystroke or a refresh (about 350 visible at 120x35), and drawing them was most of
the time those keys took.

:class:`TextCellTable` draws a :class:`~rich.text.Text` cell in a one-line body row with
the same Rich steps that path ends up taking (truncate, justify, pad, style), so the
segments are the same, and leaves every other cell (the header, labels, taller rows,
other renderables) to DataTable. Its caches of cells, rows and lines hold the cell
objects they were drawn from and are valid while those very objects are in the table (a
table's cells are replaced, never changed in place), so a key that replaces a third of
the cells draws a third of them, and a cursor move draws two rows; what a text looks
like at a width is kept by content, the styles of a place by place, and what every line
of a drawing pass shares is looked up once per pass. Rows added or removed size the
scrollbars at once instead of laying the screen out again (which redrew the scrollbars
in a frame of their own). It also skips measuring new rows' cells when every column has
a fixed width.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import chain
from typing import Any, Self

from rich.console import JustifyMethod, OverflowMethod, RenderableType
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual._segment_tools import line_crop
from textual._types import SegmentLines
from textual.cache import LRUCache
from textual.coordinate import Coordinate
from textual.geometry import Region, Size
from textual.reactive import Reactive
from textual.strip import Strip
from textual.widgets import DataTable
from textual.widgets._data_table import _EMPTY_TEXT
from textual.widgets.data_table import CellDoesNotExist, ColumnKey, RowKey

#: What Rich's ``Text`` uses when neither the text nor the console says.
_DEFAULT_JUSTIFY: JustifyMethod = "default"
_DEFAULT_OVERFLOW: OverflowMethod = "fold"
#: How many drawn cells, rows and lines are kept (a few screens' worth).
CELL_CACHE, ROW_CACHE, LINE_CACHE = 10_000, 1_000, 1_000
#: Up to this many changed rows are redrawn one by one, more as the whole table.
FEW_ROWS = 4


@dataclass(frozen=True, slots=True)
class _Pass:
    """What every line of one drawing pass shares, looked up once for all of them."""

    base_style: Style
    scroll_x: int
    scroll_y: int
    width: int
    #: The lines above the scrolling rows: the header and the fixed rows.
    fixed_height: int
    column_keys: tuple[ColumnKey, ...]
    widths: tuple[int, ...]
    #: Whatever else a body cell's look depends on (cursor display, pseudo-classes).
    state: tuple[object, ...]
    #: Body rows are drawn here: a row cursor, no fixed columns, no row labels.
    fast: bool
    #: How text without its own says it is justified and cut, and the padding's style.
    justify: JustifyMethod
    overflow: OverflowMethod
    pad_style: Style


@dataclass(frozen=True, slots=True)
class _DrawnRow:
    """A row as drawn: the cells (the very objects) it was drawn from, DataTable's
    (fixed, scrollable) segment lists, and how many cells wide they are."""

    cells: tuple[object, ...]
    lines: tuple[SegmentLines, SegmentLines]
    cell_length: int


def one_line_text(cell: object) -> bool:
    """``cell`` is a Text this table draws itself: one line, no tabs, wrapping allowed
    to be turned off."""
    return (
        type(cell) is Text
        and "\n" not in cell.plain
        and "\t" not in cell.plain
        and cell.overflow != "ignore"
        and cell.no_wrap is not False
    )


class TextCellTable(DataTable[Text]):
    """:class:`DataTable` with a shorter, change-only drawing path for one-line text
    cells in row-cursor tables."""

    #: The rows' size: what may be scrolled to. The table's own size does not depend on
    #: it, so a change sizes the scrollbars (:meth:`watch_virtual_size`) without laying
    #: the screen out again (DataTable's does, and the layout redraws the scrollbars in
    #: a frame of their own).
    virtual_size: Reactive[Size] = Reactive(Size(0, 0), layout=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # First: DataTable's own set-up clears the caches.
        self._drawn_cells: LRUCache[tuple[object, ...], tuple[object, SegmentLines]]
        self._drawn_cells = LRUCache(CELL_CACHE)
        self._drawn_rows: LRUCache[tuple[object, ...], _DrawnRow] = LRUCache(ROW_CACHE)
        self._drawn_lines: LRUCache[tuple[object, ...], tuple[object, Strip]]
        self._drawn_lines = LRUCache(LINE_CACHE)
        self._row_styles: dict[tuple[object, ...], Style] = {}
        self._looks: LRUCache[tuple[object, ...], list[Segment]] = LRUCache(CELL_CACHE)
        self._place_styles: LRUCache[tuple[object, ...], tuple[Style, Style]]
        self._place_styles = LRUCache(CELL_CACHE)
        self._edge_styles: LRUCache[tuple[object, ...], Style] = LRUCache(ROW_CACHE)
        self._styled: LRUCache[tuple[object, ...], list[Segment]] = LRUCache(CELL_CACHE)
        #: What the lines of the drawing pass under way share (``None``: not looked up).
        self._pass: _Pass | None = None
        self._in_pass = False
        #: A row is being removed: the layout DataTable asks for is not needed.
        self._layout_held = False
        super().__init__(*args, **kwargs)

    def watch_virtual_size(self, size: Size) -> None:
        """Size the scrollbars for the rows (shown or hidden: that lays the screen out)."""
        if self.container_size:
            self._scroll_update(size)

    def remove_row(self, row_key: RowKey | str) -> None:
        """DataTable's, without laying the screen out: the size it changes is the rows'
        (see :attr:`virtual_size`)."""
        self._layout_held = True
        try:
            super().remove_row(row_key)
        finally:
            self._layout_held = False

    def refresh(self, *regions: Region, repaint: bool = True, layout: bool = False,
                recompose: bool = False) -> Self:  # fmt: skip
        """Widget's, but no layout while a row is removed (see :meth:`remove_row`)."""
        layout = layout and not self._layout_held
        return super().refresh(*regions, repaint=repaint, layout=layout, recompose=recompose)

    # -- caches ----------------------------------------------------------------------

    def _clear_caches(self) -> None:
        super()._clear_caches()
        self._forget_drawn()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._forget_drawn()

    def _forget_drawn(self) -> None:
        self._drawn_cells.clear()
        self._drawn_rows.clear()
        self._drawn_lines.clear()
        self._row_styles.clear()
        self._looks.clear()
        self._place_styles.clear()
        self._edge_styles.clear()
        self._styled.clear()

    def update_cells(self, changes: Iterable[tuple[str, str, Text]]) -> None:
        """Put each (row key, column key, cell) in the table, then redraw only the rows
        that changed: ``update_cell`` redraws the whole table for every cell."""
        rows: set[int] = set()
        for row_name, column_name, cell in changes:
            row_key, column_key = RowKey(row_name), ColumnKey(column_name)
            row_index = self._row_locations.get(row_key)
            if row_index is None or column_key not in self._column_locations:
                raise CellDoesNotExist(f"No cell exists for {row_name!r}, {column_name!r}.")
            self._data[row_key][column_key] = cell
            rows.add(row_index)
        if not rows:
            return
        self._update_count += 1
        if len(rows) > FEW_ROWS:
            self.refresh()  # one region: cheaper than a region per row
        else:
            for row_index in rows:
                self.refresh_row(row_index)

    def refresh_header(self) -> None:
        """Draw the column labels again after they changed in place: DataTable's own
        caches (the header's) are keyed on its change counter; the body's stay."""
        self._update_count += 1
        self.refresh()

    # -- a drawing pass ------------------------------------------------------------

    def render_lines(self, crop: Region) -> list[Strip]:
        """Every dirty line of one pass, with what they share looked up once."""
        self._pass, self._in_pass = None, True
        try:
            return super().render_lines(crop)
        finally:
            self._pass, self._in_pass = None, False

    def _drawing_pass(self) -> _Pass:
        """What the lines of the pass under way share (looked up now outside a pass)."""
        current = self._pass
        if current is not None:
            return current
        columns = self.ordered_columns
        fixed_height = sum(row.height for row in self.ordered_rows[: self.fixed_rows])
        if self.show_header:
            fixed_height += self.header_height
        scroll_x, scroll_y = self.scroll_offset
        options = self.app.console_options
        state = (self.show_cursor, self._show_hover_cursor, self.cursor_foreground_priority,
                 self.cursor_background_priority, self._pseudo_class_state)  # fmt: skip
        fast = self.cursor_type == "row" and not (
            self.fixed_columns or self._should_render_row_labels
        )
        current = _Pass(
            base_style=self.rich_style,
            scroll_x=scroll_x,
            scroll_y=scroll_y,
            width=self.size.width,
            fixed_height=fixed_height,
            column_keys=tuple(column.key for column in columns),
            widths=tuple(column.get_render_width(self) for column in columns),
            state=state,
            fast=fast,
            justify=options.justify or _DEFAULT_JUSTIFY,
            overflow=options.overflow or _DEFAULT_OVERFLOW,
            pad_style=self.app.console.get_style("none"),
        )
        if self._in_pass:
            self._pass = current
        return current

    # -- a line ----------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        """DataTable's line ``y`` of the widget (below the header and fixed rows, scrolled)."""
        frame = self._drawing_pass()
        if y >= frame.fixed_height:
            y += frame.scroll_y
        return self._render_line(y, frame.scroll_x, frame.scroll_x + frame.width, frame.base_style)

    def _render_line(self, y: int, x1: int, x2: int, base_style: Style) -> Strip:
        """DataTable's line, kept while the row it shows was drawn from the same cells."""
        width = self.size.width
        try:
            row_key, line_no = self._get_offsets(y)
        except LookupError:
            return Strip.blank(width, base_style)
        where = (self.cursor_coordinate, self.hover_coordinate)
        fast = self._fast_row(row_key, line_no, base_style, *where)
        drawn = (
            fast.lines
            if fast is not None
            else self._render_line_in_row(row_key, line_no, base_style, *where)
        )
        cache_key = (y, x1, x2, width, base_style, row_key, line_no)
        cached = self._drawn_lines.get(cache_key)
        if cached is not None and cached[0] is drawn:
            return cached[1]
        fixed, scrollable = drawn
        scrollable_line: list[Segment] = list(chain.from_iterable(scrollable))
        if fast is not None and x1 == 0 and x2 == width == fast.cell_length:
            strip = Strip(scrollable_line, width)  # as wide as the widget: nothing to cut
        else:
            fixed_width = sum(
                column.get_render_width(self)
                for column in self.ordered_columns[: self.fixed_columns]
            )
            fixed_line: list[Segment] = list(chain.from_iterable(fixed)) if fixed else []
            segments = fixed_line + line_crop(scrollable_line, x1 + fixed_width, x2, width)
            strip = Strip(segments).adjust_cell_length(width, base_style)
        strip = strip.simplify()
        self._drawn_lines[cache_key] = (drawn, strip)
        return strip

    # -- a row -----------------------------------------------------------------------

    def _render_line_in_row(
        self,
        row_key: RowKey,
        line_no: int,
        base_style: Style,
        cursor_location: Coordinate,
        hover_location: Coordinate,
    ) -> tuple[SegmentLines, SegmentLines]:
        fast = self._fast_row(row_key, line_no, base_style, cursor_location, hover_location)
        if fast is not None:
            return fast.lines
        return super()._render_line_in_row(row_key, line_no, base_style, cursor_location,
                                           hover_location)  # fmt: skip

    def _fast_row(
        self,
        row_key: RowKey,
        line_no: int,
        base_style: Style,
        cursor_location: Coordinate,
        hover_location: Coordinate,
    ) -> _DrawnRow | None:
        """A one-line row (the header or a body row) of a row-cursor table without
        labels or fixed columns, drawn again only when its cells, its place, the cursor
        or hover on it, the widths or the styles changed (``None``: DataTable draws it)."""
        frame = self._drawing_pass()
        if not frame.fast or line_no != 0:
            return None
        cells: Sequence[RenderableType]
        if row_key is self._header_row_key:
            row_index = -1
            if self.header_height != 1:
                return None
            cells = self._get_row_renderables(row_index)[1]
        else:
            index = self._row_locations.get(row_key)
            row = self.rows.get(row_key)
            if index is None or row is None or row.height != 1 or index < self.fixed_rows:
                return None
            row_index = index
            cells = self._row_cells(row_key, row_index, frame.column_keys)
        cursor = cursor_location.row == row_index
        hover = hover_location.row == row_index
        cache_key = (row_key, row_index, base_style, cursor, hover, frame.widths, frame.width,
                     frame.state)  # fmt: skip
        cached = self._drawn_rows.get(cache_key)
        if cached is not None and _same_objects(cached.cells, cells):
            return cached
        row_style = self._cached_row_style(row_index, base_style)
        scrollable: SegmentLines = []
        for column_index, (cell, width) in enumerate(zip(cells, frame.widths, strict=True)):
            drawn_cell = self._body_cell(cell, row_key, row_index, column_index, row_style,
                                         width, cursor, hover, frame.state)  # fmt: skip
            scrollable.append(drawn_cell[0])
        used = sum(frame.widths) + self._row_label_column_width
        remaining = max(0, frame.width - used)
        edge_style = self._edge_style(row_index, row_style, cursor, hover, frame.state)
        scrollable.append([Segment(" " * remaining, edge_style)])
        drawn = _DrawnRow(tuple(cells), ([], scrollable), used + remaining)
        self._drawn_rows[cache_key] = drawn
        return drawn

    def _row_cells(
        self, row_key: RowKey, row_index: int, column_keys: Sequence[ColumnKey]
    ) -> list[RenderableType]:
        """The row's cells as DataTable draws them: text as it is (empty: its own empty
        text), anything else through DataTable's formatting."""
        data = self._data[row_key]
        cells: list[RenderableType] = []
        for key in column_keys:
            datum = data.get(key)
            if datum is None or type(datum) is Text:
                cells.append(datum or _EMPTY_TEXT)
            else:
                return list(self._get_row_renderables(row_index)[1])
        return cells

    def _edge_style(
        self, row_index: int, row_style: Style, cursor: bool, hover: bool, state: object
    ) -> Style:
        """The style of the blank past the last column (DataTable's, looked up once per
        place and state)."""
        key = (row_index, row_style, cursor, hover, state)
        style = self._edge_styles.get(key)
        if style is None:
            extend_style, _ = self._get_styles_to_render_cell(
                row_index == -1, False, False, hover, cursor, self.show_cursor,
                self._show_hover_cursor, False, False,
            )  # fmt: skip
            style = row_style + extend_style
            style += Style.from_meta({"row": row_index, "column": 0, "out_of_bounds": True})
            self._edge_styles[key] = style
        return style

    def _drawing_state(self) -> tuple[object, ...]:
        """What else a body cell's look depends on."""
        return self._drawing_pass().state

    def _cached_row_style(self, row_index: int, base_style: Style) -> Style:
        """DataTable's style for the row (the header, odd, even), looked up once per
        style state."""
        key = (
            max(-1, row_index) if row_index < 0 else row_index % 2,
            base_style,
            self.zebra_stripes,
            self._pseudo_class_state,
        )
        style = self._row_styles.get(key)
        if style is None:
            style = self._row_styles[key] = self._get_row_style(row_index, base_style)
        return style

    # -- a cell ----------------------------------------------------------------------

    def _render_cell(
        self,
        row_index: int,
        column_index: int,
        base_style: Style,
        width: int,
        cursor: bool = False,
        hover: bool = False,
    ) -> SegmentLines:
        row_key = self._row_locations.get_key(row_index) if row_index >= 0 else None
        if row_key is None or column_index < 0 or self.rows[row_key].height != 1:
            return super()._render_cell(row_index, column_index, base_style, width, cursor,
                                        hover)  # fmt: skip
        cell = self._get_row_renderables(row_index)[1][column_index]
        return self._body_cell(cell, row_key, row_index, column_index, base_style, width,
                               cursor, hover, self._drawing_state())  # fmt: skip

    def _body_cell(
        self,
        cell: RenderableType,
        row_key: RowKey,
        row_index: int,
        column_index: int,
        base_style: Style,
        width: int,
        cursor: bool,
        hover: bool,
        state: tuple[object, ...],
    ) -> SegmentLines:
        """A cell of a one-line body row: drawn here if it is one-line text (again only
        if it is another object than last time), else by DataTable."""
        cache_key = (row_key, column_index, row_index, base_style, width, cursor, hover, state)
        cached = self._drawn_cells.get(cache_key)
        if cached is not None and cached[0] is cell:
            return cached[1]
        if not one_line_text(cell):
            return super()._render_cell(row_index, column_index, base_style, width, cursor,
                                        hover)  # fmt: skip
        assert isinstance(cell, Text)
        rendered = [self._text_line(cell, row_index, column_index, base_style, width, cursor,
                                    hover)]  # fmt: skip
        self._drawn_cells[cache_key] = (cell, rendered)
        return rendered

    def _text_line(
        self,
        cell: Text,
        row_index: int,
        column_index: int,
        base_style: Style,
        width: int,
        cursor: bool,
        hover: bool,
    ) -> list[Segment]:
        """One text cell's line: the steps DataTable's path takes for it (the cell cut and
        justified to the width inside the padding, padded, the row's and the cursor's
        styles under it, the cell's place as meta for clicks). What the text looks like
        at a width is kept by content (counts, marks and words repeat down the list), the
        styles of a place in the table by place."""
        padding = self.cell_padding
        look_key = (cell.plain, tuple(cell.spans), cell.style, cell.justify, cell.overflow,
                    width, padding)  # fmt: skip
        segments = self._looks.get(look_key)
        if segments is None:
            segments = self._looks[look_key] = self._look(cell, width, padding)
        place_key = (row_index, column_index, base_style, cursor, hover, self._drawing_state())
        styled = self._styled.get((look_key, place_key))
        if styled is not None:
            return styled
        styles = self._place_styles.get(place_key)
        if styles is None:
            styles = self._place_styles[place_key] = self._place_style(
                row_index, column_index, base_style, cursor, hover
            )
        styled = list(Segment.apply_style(segments, *styles))
        if width < 2 * padding:
            styled = Segment.adjust_line_length(styled, width, pad=True)
        self._styled[look_key, place_key] = styled
        return styled

    def _look(self, cell: Text, width: int, padding: int) -> list[Segment]:
        """``cell`` cut and justified to ``width`` less the padding, then padded: the
        segments before the table's styles go under them."""
        console = self.app.console
        frame = self._drawing_pass()
        inner = max(0, width - 2 * padding)
        line = _fitted(cell, inner, cell.justify or frame.justify, cell.overflow or frame.overflow)
        text = list(line.render(console, end=""))
        pad_style = frame.pad_style
        segments = Segment.adjust_line_length(text, inner, style=pad_style, pad=True)
        if padding:
            edge = Segment(" " * padding, pad_style)
            segments = [edge, *segments, edge]
        return segments

    def _place_style(
        self, row_index: int, column_index: int, base_style: Style, cursor: bool, hover: bool
    ) -> tuple[Style, Style]:
        """The styles under and over a cell at a place: the row's, the cursor's, and the
        place as meta (clicks find their cell by it)."""
        header = row_index == -1
        fixed = not header and (row_index < self.fixed_rows or column_index < self.fixed_columns)
        component_style, post_style = self._get_styles_to_render_cell(
            header, False, fixed, hover, cursor, self.show_cursor, self._show_hover_cursor,
            self.cursor_foreground_priority == "css", self.cursor_background_priority == "css",
        )  # fmt: skip
        meta = Style.from_meta({"row": row_index, "column": column_index})
        return (base_style + meta) + component_style, post_style

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


def _same_objects(drawn: Sequence[object], cells: Sequence[RenderableType]) -> bool:
    """The row's cells are the very objects it was drawn from."""
    return len(drawn) == len(cells) and all(a is b for a, b in zip(drawn, cells, strict=True))


def _fitted(cell: Text, width: int, justify: JustifyMethod, overflow: OverflowMethod) -> Text:
    """The one-line ``cell`` (a copy if it changes) cut and justified to ``width`` as
    ``Text.wrap`` does it without wrapping (``Lines.justify``, then a last cut; "full" leaves a last
    line, the only one here, as it is)."""
    if justify not in ("left", "center", "right") and cell.cell_len <= width:
        return cell  # nothing to cut or move: rendering leaves it as it is
    line = cell.copy()
    if justify == "left":
        line.truncate(width, overflow=overflow, pad=True)
    elif justify == "center":
        line.rstrip()
        line.truncate(width, overflow=overflow)
        line.pad_left((width - line.cell_len) // 2)
        line.pad_right(width - line.cell_len)
    elif justify == "right":
        line.rstrip()
        line.truncate(width, overflow=overflow)
        line.pad_left(width - line.cell_len)
    line.truncate(width, overflow=overflow)
    return line
