"""The ranked station table: one row per station, updated in place on every refresh.

Its columns and cells come from :mod:`bikefinder.ui.station_cells`; the widget keeps the
rows in place: only the cells that differ are replaced, rows are put in a page at a time
as the cursor nears the end, and the cursor stays on the same station.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.coordinate import Coordinate
from textual.widgets.data_table import ColumnKey

from bikefinder.common.i18n import _
from bikefinder.feeds.vehicles import WHAT_BIKE
from bikefinder.rider.modes import Mode
from bikefinder.rider.rows import Row, RowKey, SceneSystem
from bikefinder.rider.system_names import SHORT_NAME_MAX, short_names
from bikefinder.ui.station_cells import (
    CELL_PADDING,
    NAME_COMFORT,
    SYSTEM_MIN,
    TableLayout,
    column_title,
    row_cells,
    table_layout,
)
from bikefinder.ui.widgets.text_cells import TextCellTable

#: Rows put in the table at a time; more are added as the cursor nears the end, so a
#: ``--limit 100000`` list costs what is shown, not what is listed.
PAGE_ROWS = 200


def row_token(position: int) -> str:
    """The table's own key for the row at ``position`` (DataTable keys are strings): a
    row keeps its key while other stations move into it, so a new order replaces cells,
    not rows. :class:`StationTable` maps it to the :class:`RowKey` shown there."""
    return str(position)


class StationTable(TextCellTable):
    """A row-cursor table keyed by station id that keeps its cursor on the same station
    and lays its columns out for the width it has."""

    DEFAULT_CSS = """
    StationTable {
        scrollbar-gutter: stable;
        overflow-x: hidden;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select_cursor", _("Open"), show=True),
        Binding("j", "cursor_down", _("Down"), show=False),
        Binding("k", "cursor_up", _("Up"), show=False),
        Binding("home", "scroll_top", _("First"), show=False),
        Binding("end", "scroll_bottom", _("Last"), show=False),
    ]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True, cell_padding=CELL_PADDING)
        self._mode: Mode | None = None
        self.column_layout: TableLayout | None = None
        #: Every row listed; the table holds the first ``_shown`` of them.
        self._displays: Sequence[Row] = ()
        #: Each row's table key -> its typed key.
        self._keys: dict[str, RowKey] = {}
        self._shown = 0
        #: The list mixes several systems: a System column.
        self.systems = False
        #: The list has vehicles other than bikes: a What column.
        self.kinds = False
        #: The systems listed (their short names tell them apart in the System column).
        self.listed_systems: tuple[SceneSystem, ...] = ()
        #: The keys of the systems whose refresh fails: their rows are marked stale.
        self.failing: frozenset[str] = frozenset()
        #: Each listed system's short name for the System column's width.
        self._system_names: dict[str, str] = {}

    @property
    def name_width(self) -> int:
        """How many cells a station name may take in the current layout."""
        return self.column_layout.width("name") if self.column_layout is not None else NAME_COMFORT

    def content_width(self) -> int:
        """The cells the columns may use: the table's width less its scrollbar gutter
        (the screen's before the table is laid out)."""
        width = self.size.width or (self.app.size.width if self.is_attached else 80)
        return max(1, width - self.styles.scrollbar_size_vertical)

    def _layout_for(self, mode: Mode, listed: int) -> TableLayout:
        names = short_names(self.listed_systems, SHORT_NAME_MAX)
        system_width = max((len(name) for name in names.values()), default=SYSTEM_MIN)
        return table_layout(self.content_width(), mode, len(str(max(1, listed))),
                            self.systems, self.kinds, system_width)  # fmt: skip

    def _cells(self, row: Row, mode: Mode, layout: TableLayout) -> tuple[Text, ...]:
        return row_cells(row, mode, layout, self._system_names, row.key.system in self.failing)

    def on_resize(self, event: events.Resize) -> None:
        """Lay the columns out again for the new width (rows rebuilt only if it changed)."""
        mode = self._mode
        if mode is not None and self._layout_for(mode, len(self._displays)) != self.column_layout:
            self.show(self._displays, mode)

    @property
    def highlighted_key(self) -> RowKey | None:
        """The key of the row under the cursor, if any."""
        if self.row_count == 0:
            return None
        token = self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value
        return self._keys.get(token) if token is not None else None

    @property
    def highlighted_row(self) -> Row | None:
        """The row under the cursor, if any."""
        if self.row_count == 0 or not 0 <= self.cursor_row < len(self._displays):
            return None
        return self._displays[self.cursor_row]

    @property
    def station_keys(self) -> list[RowKey]:
        """The keys of every row listed (also those not yet put in the table)."""
        return [row.key for row in self._displays]

    @property
    def listed_count(self) -> int:
        return len(self._displays)

    def move_cursor_by(self, rows: int) -> None:
        """Move the cursor ``rows`` down (up if negative), stopping at either end."""
        if self.row_count:
            target = min(max(0, self.cursor_row + rows), self.listed_count - 1)
            self._grow_to(target + 1)
            self.move_cursor(row=target)

    def action_scroll_bottom(self) -> None:
        """End: the last station listed (its rows are added first)."""
        if self.listed_count:
            self._grow_to(self.listed_count)
            self.move_cursor(row=self.listed_count - 1, animate=False)

    def watch_cursor_coordinate(self, old: Coordinate, new: Coordinate) -> None:
        super().watch_cursor_coordinate(old, new)
        if new.row >= self._shown - PAGE_ROWS // 4:
            self._grow_to(new.row + PAGE_ROWS)

    def _grow_to(self, rows: int) -> None:
        """Put rows in the table up to ``rows`` (at most every row listed)."""
        wanted = min(rows, len(self._displays))
        if wanted <= self._shown or self._mode is None or self.column_layout is None:
            return
        start, self._shown = self._shown, wanted  # first: adding a row moves the cursor
        for position in range(start, wanted):
            row = self._displays[position]
            cells = self._cells(row, self._mode, self.column_layout)
            token = row_token(position)
            self._keys[token] = row.key
            self.add_row(*cells, key=token)

    def cell_of(self, key: RowKey, column: str) -> Text:
        """The cell of ``key``'s row in ``column`` (the row must be in the table)."""
        position = next(p for p, row in enumerate(self._displays[: self._shown]) if row.key == key)
        return self.get_cell(row_token(position), column)

    def show(
        self,
        rows: Sequence[Row],
        mode: Mode,
        systems: bool | None = None,
        *,
        listed_systems: Sequence[SceneSystem] | None = None,
        failing: frozenset[str] | None = None,
    ) -> None:
        """Show ``rows`` in order, in the rows already in the table: only the cells that
        differ are replaced, rows are added or removed at the end, and the cursor follows
        the row it was on. Only the rows up to a page past the cursor are put in the
        table. ``systems``: show the System column (``None``: as before);
        ``listed_systems``: the systems shown, named apart in it; ``failing``: the keys of
        systems whose rows are stale (each ``None``: as before)."""
        if systems is not None:
            self.systems = systems
        if listed_systems is not None:
            self.listed_systems = tuple(listed_systems)
        if failing is not None:
            self.failing = failing
        self.kinds = any(row.what not in (None, WHAT_BIKE) for row in rows)
        highlighted = self.highlighted_key
        old_row, old_scroll = self.cursor_row, self.scroll_y
        layout = self._layout_for(mode, len(rows))
        rebuilt = layout != self.column_layout
        if rebuilt:
            self._displays = ()  # clearing moves the cursor: nothing to grow into meanwhile
            self._set_columns(mode, layout)
        elif mode is not self._mode:
            self._label_columns(mode, layout)
        if "system" in layout.keys:
            self._system_names = short_names(self.listed_systems, layout.width("system"))
        old_keys = [row.key for row in self._displays[: self._shown]]
        count = min(len(rows), max(self._shown, PAGE_ROWS, old_row + PAGE_ROWS))
        kept = min(self._shown, count)
        self._displays = rows
        changes: list[tuple[str, str, Text]] = []
        for position in range(kept):
            token = row_token(position)
            self._keys[token] = rows[position].key
            cells = self._cells(rows[position], mode, layout)
            for column, cell in zip(layout.keys, cells, strict=True):
                if self.get_cell(token, column) != cell:
                    changes.append((token, column, cell))
        self.update_cells(changes)
        shown, self._shown = self._shown, kept
        for position in range(shown - 1, kept - 1, -1):  # from the end: the cursor stays
            token = row_token(position)
            del self._keys[token]
            self.remove_row(token)
        self._grow_to(count)
        new_keys = [row.key for row in rows[: self._shown]]
        if not rows or (old_keys and new_keys[: len(old_keys)] == old_keys):
            return  # the same rows in the same places: the cursor stays where it is
        listed = [row.key for row in rows]
        if highlighted is not None and highlighted not in new_keys and highlighted in listed:
            self._grow_to(listed.index(highlighted) + PAGE_ROWS)  # further down the list
            new_keys = listed[: self._shown]
        if highlighted in new_keys:
            target = new_keys.index(highlighted)
        else:
            target = min(old_row, self._shown - 1) if highlighted is not None else 0
        if rebuilt:  # new columns: the table was cleared, its scroll too
            self.move_cursor(row=target, animate=False, scroll=False)
            self.call_after_refresh(self._restore_scroll, old_scroll)
            return
        visible = self.scroll_y <= target < self.scroll_y + max(1, self.size.height - 1)
        self.move_cursor(row=target, animate=False, scroll=not visible)

    def _restore_scroll(self, scroll_y: float) -> None:
        self.scroll_to(y=scroll_y, animate=False, immediate=True)
        self.move_cursor(row=self.cursor_row, animate=False, scroll=True)

    def _label_columns(self, mode: Mode, layout: TableLayout) -> None:
        """The same columns for another mode: only the titles change (the mode's column
        is underlined), so the rows stay in the table and only their changed cells are
        replaced."""
        self._mode = mode
        for key in layout.keys:
            self.columns[ColumnKey(key)].label = column_title(key, mode)
        self.refresh_header()

    def _set_columns(self, mode: Mode, layout: TableLayout) -> None:
        self._mode, self.column_layout = mode, layout
        self.clear(columns=True)
        self._shown = 0
        self._keys = {}
        for key, width in layout.widths:
            self.add_column(column_title(key, mode), key=key, width=width)
