"""The ranked station table: one row per station, updated in place on every refresh."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.coordinate import Coordinate
from textual.widgets import DataTable

from bikefinder.core.listing import RowDisplay
from bikefinder.core.modes import (
    Mode,
    StationState,
    format_age,
    station_state,
)
from bikefinder.core.output import format_distance
from bikefinder.core.text import clean
from bikefinder.core.trends import Direction, Trend

#: Station names are cut to fit the terminal: never below or above these widths.
MIN_NAME_WIDTH, MAX_NAME_WIDTH = 24, 60
#: Every column but the name, with cell padding and room for the widest status.
OTHER_COLUMNS_WIDTH = 92


def name_width_for(terminal_width: int) -> int:
    """How many characters of a station name fit beside the other columns."""
    return max(MIN_NAME_WIDTH, min(MAX_NAME_WIDTH, terminal_width - OTHER_COLUMNS_WIDTH))


#: (key, label, right-aligned) per column; the keys name cells in ``update_cell``.
COLUMNS: tuple[tuple[str, str, bool], ...] = (
    ("rank", "#", True),
    ("name", "Station", False),
    ("distance", "Distance", True),
    ("direction", "Dir", False),
    ("bikes", "Bikes", True),
    ("mechanical", "Mech", True),
    ("electric", "E-bike", True),
    ("docks", "Docks", True),
    ("trend", "Trend", False),
    ("status", "Status", False),
)
#: Rows put in the table at a time; more are added as the cursor nears the end, so a
#: ``--limit 100000`` list costs what is shown, not what is listed.
PAGE_ROWS = 200
#: The column that holds what the rider is looking for, per mode.
MODE_COLUMN = {Mode.ANY_BIKE: "bikes", Mode.EBIKE: "electric", Mode.DOCK: "docks"}

STATE_STYLES = {
    StationState.NO_STATUS: ("NO STATUS", "bold black on yellow"),
    StationState.NOT_INSTALLED: ("NOT INSTALLED", "bold white on red"),
    StationState.CLOSED: ("CLOSED", "bold white on red"),
    StationState.NOT_RENTING: ("NOT RENTING", "bold black on yellow"),
    StationState.NOT_RETURNING: ("NOT RETURNING", "bold black on yellow"),
}


def count_cell(value: int | None, change: int | None) -> Text:
    """A right-aligned count with an up/down marker when it changed since the last refresh."""
    text = Text("?" if value is None else str(value))
    if change is None:
        text.append(" ")
    elif change > 0:
        text.append("↑", style="bold green")
    else:
        text.append("↓", style="bold red")
    return text


TREND_STYLES = {Direction.UP: "bold green", Direction.DOWN: "bold red", Direction.FLAT: "dim"}


def trend_cell(trend: Trend | None) -> Text:
    """A sparkline of the last few values of the wanted count, then where it is heading:
    up (green) is always good news, since the count is what the rider wants."""
    if trend is None:
        return Text("")
    text = Text(trend.sparkline, style="cyan")
    text.append(trend.direction.value, style=TREND_STYLES[trend.direction])
    return text


def status_cell(display: RowDisplay) -> Text:
    """Status words: broken states loud, mode-specific uselessness quiet, old reports flagged."""
    station = display.row.station
    state = station_state(station.status)
    text = Text()
    if state in STATE_STYLES:
        label, style = STATE_STYLES[state]
        text.append(f" {label} ", style=style)
    elif display.row.useless:
        text.append(f" {display.row.useless}", style="italic")
    if display.report_stale and display.report_age_s is not None:
        text.append(" ")
        text.append(f"report {format_age(display.report_age_s)} old", style="bold yellow")
    return text


def station_cells(
    display: RowDisplay, mode: Mode, name_width: int = MIN_NAME_WIDTH
) -> tuple[Text, ...]:
    """The cells of one row, in :data:`COLUMNS` order; feed text is always literal."""
    row = display.row
    status = row.station.status
    name = Text()
    if display.favourite:
        name.append("★ ", style="bold yellow")
    name.append(clean(row.station.info.name, name_width) or "(unnamed)")

    def count(field: str) -> Text:
        value = getattr(status, field) if status is not None else None
        return count_cell(value, display.changes.get(field))

    cells = {
        "rank": Text("–" if row.rank is None else str(row.rank)),
        "name": name,
        "distance": Text(format_distance(row.ranked.distance_m)),
        "direction": Text(row.ranked.bearing),
        "bikes": count("bikes"),
        "mechanical": count("mechanical"),
        "electric": count("electric"),
        "docks": count("docks"),
        "trend": trend_cell(display.trend),
        "status": status_cell(display),
    }
    if row.useless:
        for key, cell in cells.items():
            if key != "status":
                cell.stylize("dim")
    else:
        cells[MODE_COLUMN[mode]].stylize("bold")
    for key, _, right in COLUMNS:
        if right:
            cells[key].justify = "right"
    return tuple(cells[key] for key, _, _ in COLUMNS)


class StationTable(DataTable[Text]):
    """A row-cursor table keyed by station id that keeps its cursor on the same station."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select_cursor", "Details", show=True),
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
        Binding("home", "scroll_top", "First", show=False),
        Binding("end", "scroll_bottom", "Last", show=False),
    ]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self._mode: Mode | None = None
        self.name_width = name_width_for(120)
        #: Every row listed; the table holds the first ``_shown`` of them.
        self._displays: Sequence[RowDisplay] = ()
        self._shown = 0

    def fit_width(self, terminal_width: int) -> bool:
        """Size names for the terminal; True if that changed (the caller then re-shows)."""
        width = name_width_for(terminal_width)
        if width == self.name_width:
            return False
        self.name_width = width
        self._mode = None  # rebuild the columns at the new width
        return True

    @property
    def highlighted_key(self) -> str | None:
        """The station id under the cursor, if any."""
        if self.row_count == 0:
            return None
        row_key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key
        return row_key.value

    @property
    def station_keys(self) -> list[str]:
        """The ids of every row listed (also those not yet put in the table)."""
        station_ids = getattr(self._displays, "station_ids", None)
        if station_ids is not None:
            return list(station_ids())
        return [d.row.station.station_id for d in self._displays]

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
        if wanted <= self._shown or self._mode is None:
            return
        start, self._shown = self._shown, wanted  # first: adding a row moves the cursor
        for display in self._displays[start:wanted]:
            cells = station_cells(display, self._mode, self.name_width)
            self.add_row(*cells, key=display.row.station.station_id)

    def show(self, displays: Sequence[RowDisplay], mode: Mode) -> None:
        """Show ``displays`` in order: cells update in place when the order is unchanged,
        otherwise rows are rebuilt and the cursor follows the station it was on. Only
        the rows up to a page past the cursor are put in the table."""
        highlighted = self.highlighted_key
        old_row, old_scroll = self.cursor_row, self.scroll_y
        if mode is not self._mode:
            self._displays = ()
            self._set_columns(mode)
        shown_keys = [str(row.key.value) for row in self.ordered_rows]
        self._displays = displays
        count = min(len(displays), max(self._shown, PAGE_ROWS, old_row + PAGE_ROWS))
        rows = [(d.row.station.station_id, d) for d in displays[:count]]
        new_keys = [key for key, _ in rows]
        if new_keys == shown_keys:
            for key, display in rows:
                cells = station_cells(display, mode, self.name_width)
                for (column, _, _), cell in zip(COLUMNS, cells, strict=True):
                    if self.get_cell(key, column) != cell:
                        # Re-measuring a column costs a pass over all its cells: only
                        # when this cell no longer fits.
                        wider = cell.cell_len > self.columns[column].content_width
                        self.update_cell(key, column, cell, update_width=wider)
            return
        self._displays = ()  # clearing moves the cursor: nothing to grow into meanwhile
        self.clear()
        self._shown = 0
        self._displays = displays
        target_key = highlighted
        self._grow_to(count)
        if not rows:
            return
        if target_key not in new_keys and highlighted is not None:
            wanted = getattr(displays, "station_ids", None)
            listed = wanted() if wanted is not None else []
            if highlighted in listed:  # further down than the rows put in so far
                self._grow_to(listed.index(highlighted) + PAGE_ROWS)
                new_keys = listed[: self._shown]
        if highlighted in new_keys:
            target = new_keys.index(highlighted)
        else:
            target = min(old_row, self._shown - 1) if highlighted is not None else 0
        self.move_cursor(row=target, animate=False, scroll=False)
        self.call_after_refresh(self._restore_scroll, old_scroll)

    def _restore_scroll(self, scroll_y: float) -> None:
        self.scroll_to(y=scroll_y, animate=False, immediate=True)
        self.move_cursor(row=self.cursor_row, animate=False, scroll=True)

    def _set_columns(self, mode: Mode) -> None:
        self._mode = mode
        self.clear(columns=True)
        self._shown = 0
        wanted = MODE_COLUMN[mode]
        for key, label, right in COLUMNS:
            title = Text(label, justify="right" if right else "left")
            if key == wanted:
                title.stylize("bold underline")
            self.add_column(title, key=key)
