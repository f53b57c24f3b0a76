"""What the station table shows, without the widget: its columns, which of them fit a
width, and each row's cells as Rich ``Text`` (feed text always literal).

Columns are laid out by priority for the width the table has (:func:`table_layout`):
the name, distance, the count the mode is about, the other count (docks for bikes, bikes
for docks) and the System of a mixed list are always shown; the direction, the
mechanical / e-bike split, the walk and the trend drop first; then the rank, the What
and the Status, whose words then lead the name cell ("CLOSED", "STALE", "car:"). The
name takes whatever width is left. Widths are fixed per layout, so a refresh never
re-measures.

The details and keys screens show the same marks and state looks as the table.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from rich.text import Text

from bikefinder.common.i18n import _, pgettext
from bikefinder.common.text import clean
from bikefinder.feeds.vehicles import WHAT_BIKE
from bikefinder.rider.modes import Mode, StationState, station_state
from bikefinder.rider.rows import Row
from bikefinder.rider.system_names import cut_name, short_name
from bikefinder.rider.trends import Direction, Trend
from bikefinder.rider.walking import seconds_text
from bikefinder.ui.words import age_words, compass_words, row_name, row_reason, what_words

if TYPE_CHECKING:
    from bikefinder.feeds.system_alerts import SystemAlert

#: (key, label, right-aligned) per column, in display order; keys name cells. Each
#: label fits its column's width (:data:`COLUMN_WIDTHS`) in every language.
COLUMNS: tuple[tuple[str, str, bool], ...] = (
    ("rank", "#", True),
    ("name", pgettext("column", "Station"), False),
    ("what", pgettext("column", "What"), False),
    ("system", pgettext("column", "System"), False),
    ("distance", pgettext("column", "Distance"), True),
    ("walk", pgettext("column", "Walk"), True),
    ("direction", pgettext("column", "Dir"), False),
    ("bikes", pgettext("column", "Bikes"), True),
    ("mechanical", pgettext("column", "Mech"), True),
    ("electric", pgettext("column", "E-bike"), True),
    ("docks", pgettext("column", "Docks"), True),
    ("trend", pgettext("column", "Trend"), False),
    ("status", pgettext("column", "Status"), False),
)
#: The System column is at least this wide (wider, up to the longest short name, when
#: the names have room to spare).
SYSTEM_MIN = 12
#: Content widths of the fixed columns (a count: stock mark, 3 digits, change arrow).
COLUMN_WIDTHS = {
    "distance": 9,
    "walk": 6,
    "direction": 3,
    "bikes": 5,
    "mechanical": 4,
    "electric": 6,
    "docks": 5,
    "trend": 6,
    "system": SYSTEM_MIN,
    "what": 7,
}
#: The status column fits the loudest state (" NOT RETURNING "); wider when room is spare.
STATUS_WIDTH, WIDE_STATUS_WIDTH = 15, 30
#: Optional columns drop (in this order) while names would be narrower than
#: ``NAME_COMFORT``; the rank, What and Status only below ``NAME_MIN``.
NAME_COMFORT, NAME_MIN, NAME_FLOOR = 20, 13, 6
#: Names wider than this leave the spare width to the status column.
NAME_ROOMY = 45
#: Padding the table puts on each side of every column.
CELL_PADDING = 1
#: The column that holds what the rider is looking for, per mode.
MODE_COLUMN = {Mode.ANY_BIKE: "bikes", Mode.EBIKE: "electric", Mode.DOCK: "docks"}
#: The other count a rider weighs, per mode: where to return, or what else to ride.
OTHER_COLUMN = {Mode.ANY_BIKE: "docks", Mode.EBIKE: "bikes", Mode.DOCK: "bikes"}
#: Per mode, the columns that may drop, first to go first: (while names are narrower
#: than comfortable, while names are narrower than readable). Never the name, the
#: distance, the mode's and the other count, or a mixed list's System.
_LAST_TO_GO = ("rank", "what", "status")
DROP_ORDER = {
    Mode.ANY_BIKE: (("trend", "mechanical", "direction", "walk", "electric"), _LAST_TO_GO),
    Mode.EBIKE: (("trend", "mechanical", "direction", "walk", "docks"), _LAST_TO_GO),
    Mode.DOCK: (("trend", "mechanical", "direction", "walk", "electric"), _LAST_TO_GO),
}

STATE_STYLES = {
    StationState.NO_STATUS: (_("NO STATUS"), "bold black on yellow"),
    StationState.NOT_INSTALLED: (_("NOT INSTALLED"), "bold white on red"),
    StationState.CLOSED: (_("CLOSED"), "bold white on red"),
    StationState.NOT_RENTING: (_("NOT RENTING"), "bold black on yellow"),
    StationState.NOT_RETURNING: (_("NOT RETURNING"), "bold black on yellow"),
}
#: A count of at most this is low stock.
LOW_STOCK = 2
#: How the wanted count looks by stock: (mark, style). The mark reads without colour.
STOCK_LOOKS = {"empty": ("○", "bold red"), "low": ("◐", "yellow"), "plenty": (" ", "green")}
#: Name marks: a favourite, a watched station.
FAVOURITE_MARK, WATCH_MARK = "★", "⚑"


@dataclass(frozen=True, slots=True)
class TableLayout:
    """Which columns are shown and how wide each one's content is."""

    widths: tuple[tuple[str, int], ...]

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(key for key, _ in self.widths)

    def width(self, key: str) -> int:
        return dict(self.widths)[key]


def table_layout(
    width: int,
    mode: Mode,
    rank_width: int = 2,
    systems: bool = False,
    kinds: bool = False,
    system_width: int = SYSTEM_MIN,
) -> TableLayout:
    """The columns for ``width`` cells of table (scrollbar excluded) in ``mode``;
    ``systems``: the list mixes several systems (a System column as wide as
    ``system_width`` while names keep room, never under :data:`SYSTEM_MIN`); ``kinds``:
    it lists vehicles other than bikes (a What column)."""
    widths = {"rank": max(1, rank_width), **COLUMN_WIDTHS, "status": STATUS_WIDTH}
    widths["system"] = max(SYSTEM_MIN, system_width)
    optional = {"system": systems, "what": kinds}
    shown = [key for key, _, _ in COLUMNS if optional.get(key, True)]

    def name_room() -> int:
        others = sum(widths[key] for key in shown if key != "name")
        return width - others - 2 * CELL_PADDING * len(shown)

    secondary, tertiary = DROP_ORDER[mode]
    if systems and name_room() < NAME_COMFORT:  # short names are unique at any width
        widths["system"] -= min(widths["system"] - SYSTEM_MIN, NAME_COMFORT - name_room())
    for key in secondary:
        if name_room() >= NAME_COMFORT:
            break
        shown.remove(key)
    for key in tertiary:
        if name_room() >= NAME_MIN:
            break
        if key in shown:
            shown.remove(key)
    spare = name_room() - NAME_ROOMY
    if spare > 0:
        widths["status"] += min(spare, WIDE_STATUS_WIDTH - STATUS_WIDTH)
    widths["name"] = max(NAME_FLOOR, name_room())
    return TableLayout(tuple((key, widths[key]) for key in shown))


def stock_of(value: int | None) -> str | None:
    """How a count stands: "empty", "low" or "plenty" (``None`` when unknown)."""
    if value is None:
        return None
    if value <= 0:
        return "empty"
    return "low" if value <= LOW_STOCK else "plenty"


def count_cell(
    value: int | None, change: int | None, width: int = 0, *, stock: bool = False
) -> Text:
    """A count padded to ``width`` with a fixed slot for the change arrow, so digits
    line up whether or not they changed; ``stock`` marks low stock (symbol and colour).
    A copy of the one made for the same arguments before (the table's rows are made
    anew on every key, and counts repeat): the caller may style it."""
    return _count_text(value, change, width, stock).copy()


@lru_cache(maxsize=4096)
def _count_text(value: int | None, change: int | None, width: int, stock: bool) -> Text:
    text = Text()
    digits = "?" if value is None else str(value)
    level = stock_of(value) if stock else None
    if level is not None:
        mark, style = STOCK_LOOKS[level]
        text.append(mark, style=style)
        text.append(digits, style=style)
    else:
        text.append(digits)
    if change is None or change == 0:
        text.append(" ")
    elif change > 0:
        text.append("↑", style="bold green")
    else:
        text.append("↓", style="bold red")
    if text.cell_len < width:
        text = Text(" " * (width - text.cell_len)) + text
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


def name_cell(name: str, width: int, *, favourite: bool, watched: bool) -> Text:
    """The name after its marks (★ favourite, ⚑ watched), cut to ``width`` cells."""
    text = Text()
    if favourite:
        text.append(f"{FAVOURITE_MARK} ", style="bold yellow")
    if watched:
        text.append(f"{WATCH_MARK} ", style="bold magenta")
    text.append(clean(name, max(1, width - text.cell_len)) or _("(unnamed)"))
    return text


def alert_text(alerts: Sequence[SystemAlert]) -> Text:
    """A station's active alerts for its Status cell: "⚠ Works at Alter Markt"."""
    if not alerts:
        return Text()
    first = clean(alerts[0].summary or alerts[0].type or _("alert"), 60)
    more = f" +{len(alerts) - 1}" if len(alerts) > 1 else ""
    return Text(f" ⚠ {first}{more}", style="bold magenta")


def state_badge(row: Row) -> tuple[str, str] | None:
    """A station's broken state as its words and look (``("CLOSED", "bold white on
    red")``); ``None`` for a working station or a vehicle."""
    if row.station is None:
        return None
    return STATE_STYLES.get(station_state(row.station.status))


def status_cell(row: Row) -> Text:
    """Status words: a station's broken state loud, why a row is no option quiet, then
    its alerts and an old report; a vehicle's low range."""
    text = Text()
    if row.station is not None:
        if badge := state_badge(row):
            label, style = badge
            text.append(f" {label} ", style=style)
        elif reason := row_reason(row):
            text.append(f" {clean(reason, 60)}", style="italic")
        text.append_text(alert_text(row.alerts))
        if row.report_stale and row.report_age_s is not None:
            old = _("report {age} old").format(age=age_words(row.report_age_s))
            text.append(f" {old}", style="bold yellow")
        return text
    if row.vehicle is None:  # a favourite with no live data
        text.append(" " + clean(row_reason(row) or _("unknown"), 60), style="italic")
    elif reason := row_reason(row):
        text.append(f" {clean(reason, 60)}", style="italic")
    elif row.low_range:
        text.append(" " + _("LOW RANGE") + " ", style="bold black on yellow")
    else:
        text.append(" " + _("free-floating"), style="dim")
    return text


def vehicle_name_cell(row: Row, width: int) -> Text:
    """What a vehicle is and how far it goes: "e-bike ~18 km" (low range in yellow)."""
    text = Text(row_name(row))
    if row.range_text:
        text.append(f" {row.range_text}", style="bold yellow" if row.low_range else "dim")
    text.truncate(max(1, width), overflow="ellipsis")
    return text


def walk_cell(row: Row) -> Text:
    """The walking time as the details and the printed tables say it ("4 min"), or
    "> 1 h" where the whole would not fit the column."""
    if row.walk_s is None:
        return Text("")
    text = seconds_text(row.walk_s)
    return Text(text if len(text) <= COLUMN_WIDTHS["walk"] else "> 1 h", justify="right")


#: The mark on each row of a system whose refresh fails (its numbers are old).
STALE_MARK = " " + _("STALE") + " "


def row_cells(
    row: Row,
    mode: Mode,
    layout: TableLayout,
    system_names: Mapping[str, str] | None = None,
    stale: bool = False,
) -> tuple[Text, ...]:
    """The cells of one row (a station or a vehicle) for the columns of ``layout``; feed
    text is always literal. ``system_names``: the systems' short names; ``stale``: the
    row's system fails to refresh (its numbers are old: dimmed, and "STALE" in Status)."""
    wanted = MODE_COLUMN[mode]
    widths = dict(layout.widths)
    vehicle = row.vehicle
    status = row.station.status if row.station is not None else None

    def count(field: str) -> Text:
        width = widths.get(field, 0)
        if vehicle is not None:
            one = row.what == WHAT_BIKE and {  # never shown as bikes: What says what it is
                "bikes": True,
                "mechanical": vehicle.electric is False,
                "electric": vehicle.electric is True,
            }.get(field, False)
            return count_cell(row.count or 1, None, width) if one else Text(" " * width)
        value = getattr(status, field) if status is not None else None
        return count_cell(value, row.changes.get(field), width, stock=field == wanted)

    def name() -> Text:
        lead = Text() if "status" in widths else status_lead(row, stale)
        if "what" not in widths and vehicle is None and row.what and row.what != WHAT_BIKE:
            lead.append(f"{what_words(row.what)}: ", style="bold")
        width = max(NAME_FLOOR, widths["name"] - lead.cell_len)
        if vehicle is not None:
            cell = vehicle_name_cell(row, width)
        else:
            cell = name_cell(row.name, width, favourite=row.favourite, watched=row.watched)
        return lead + cell if lead else cell

    makers = {
        "rank": lambda: Text("–" if row.rank is None else str(row.rank), justify="right"),
        "name": name,
        "system": lambda: Text(
            cut_name(short_name(row.system, system_names or {}), widths.get("system", SYSTEM_MIN))
        ),
        "what": lambda: Text(what_words(row.what), style="" if row.what == WHAT_BIKE else "bold"),
        "distance": lambda: Text(row.distance_text, justify="right"),
        "walk": lambda: walk_cell(row),
        "direction": lambda: Text(compass_words(row.bearing)),
        "bikes": lambda: count("bikes"),
        "mechanical": lambda: count("mechanical"),
        "electric": lambda: count("electric"),
        "docks": lambda: count("docks"),
        "trend": lambda: trend_cell(row.trend),
        "status": lambda: stale_cell(row) if stale else status_cell(row),
    }
    return _styled_row(makers, layout.keys, not row.useful or stale, wanted)


def status_lead(row: Row, stale: bool) -> Text:
    """What the Status column would say loudest, to lead the name cell when the table is
    too narrow for that column: "STALE ", a broken state ("CLOSED "), "LOW RANGE "."""
    if stale:
        return Text(f"{STALE_MARK.strip()} ", style="bold reverse")
    if badge := state_badge(row):
        label, style = badge
        return Text(f"{label} ", style=style)
    if row.station is None and row.vehicle is not None and row.low_range and not row.reason:
        return Text(_("LOW RANGE") + " ", style="bold black on yellow")
    return Text()


def stale_cell(row: Row) -> Text:
    """A failing system's row: "STALE" (its numbers are old), then its usual status."""
    text = Text(STALE_MARK, style="bold reverse")
    text.append_text(status_cell(row))
    return text


def _styled_row(
    makers: dict[str, Callable[[], Text]], keys: Sequence[str], useless: bool, wanted: str
) -> tuple[Text, ...]:
    """The cells of ``keys``: all but the status dimmed for a row that is no option (or
    whose numbers are stale), else the mode's column bold (one rule for station and
    mixed rows)."""
    cells = {key: makers[key]() for key in keys}
    if useless:
        for key, cell in cells.items():
            if key != "status":
                cell.stylize("dim")
    elif wanted in cells:
        cells[wanted].stylize("bold")
    return tuple(cells[key] for key in keys)


#: Each column's title and alignment, by key.
_TITLES = {key: (label, right) for key, label, right in COLUMNS}


def column_title(key: str, mode: Mode) -> Text:
    """A column's title: right-aligned over numbers; the mode's column underlined."""
    label, right = _TITLES[key]
    title = Text(label, justify="right" if right else "left")
    if key == MODE_COLUMN[mode]:
        title.stylize("bold underline")
    return title
