"""Text formats every printed answer shares: ISO times, distances and counts, JSON safe
to print on a terminal, CSV a spreadsheet cannot run. No knowledge of rows or trips."""

from __future__ import annotations

import io
import re
import unicodedata
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

import msgspec

from bikefinder.common.units import Units, format_range
from bikefinder.common.units import format_distance as format_distance
from bikefinder.feeds import vehicles
from bikefinder.feeds.models import StationStatus

#: Characters a JSON encoder leaves raw (it escapes only quotes, backslashes and controls
#: below 0x20) that a terminal may act on:
#: DEL, C1 controls (0x9b is CSI), bidi marks and Unicode line separators.
_JSON_RAW_UNSAFE = re.compile(
    r"[\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]"
)
#: Between the parts of ``--format line``.
LINE_SEPARATOR = " · "


def iso(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z") if moment else None


def dumps_terminal_safe(document: Any, *, indent: int | None = 2) -> str:
    """JSON that is safe to print: readable UTF-8, but every character a terminal could
    act on is a ``\\uXXXX`` escape, so the decoded strings stay exactly the feed's.

    Laid out as ``json.dumps(ensure_ascii=False, indent=indent)`` would (``None``: one
    line, ``", "`` and ``": "`` between items), by msgspec's C encoder: the standard
    library encodes an indented document in Python, a few milliseconds per answer."""
    layout = 0 if indent is None else indent  # msgspec's one line with json's spacing
    text = msgspec.json.format(msgspec.json.encode(document), indent=layout).decode()
    return _JSON_RAW_UNSAFE.sub(lambda match: f"\\u{ord(match.group()):04x}", text)


#: A text cell starting with one of these is a formula to a spreadsheet (OWASP's list).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_safe_text(text: str) -> str:
    """``text`` made inert for spreadsheets (OWASP's CSV injection rule): a cell that
    would start a formula (``=cmd|' /C calc'!A0``) gets a leading ``'``."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_text(fieldnames: Sequence[str], records: Iterable[dict[str, Any]]) -> str:
    """CSV with a header row; unknown values empty, booleans ``true``/``false`` as in JSON.

    Text cells are neutralised with :func:`csv_safe_text`; numbers stay numbers (a
    negative longitude is a float, never prefixed)."""
    import csv  # here: only a CSV answer needs it

    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=fieldnames, lineterminator="\n")
    writer.writeheader()
    for record in records:
        writer.writerow({key: _csv_cell(value) for key, value in record.items()})
    return buffer.getvalue()


def _csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return csv_safe_text(value)
    return value


def vehicle_range_text(vehicle: vehicles.Vehicle, units: Units = Units.METRIC) -> str | None:
    """How far a vehicle goes in ``units`` ("~18 km", "~11 mi"), else its battery or fuel
    level ("62 %"); ``None`` when the feed gives neither."""
    if vehicle.current_range_meters is not None and units is not Units.METRIC:
        return format_range(vehicle.current_range_meters, units)
    return vehicles.range_text(vehicle)


def cell_width(text: str) -> int:
    """How many terminal cells ``text`` takes: wide characters (CJK, most emoji) two,
    combining marks none, an emoji joined by a zero-width joiner none (the family is
    one emoji), a symbol with the emoji variation selector two, every other one.

    The same widths as ``rich.cells.cell_len`` (the app's), from the standard library's
    Unicode tables: the printed commands stay free of Rich and of another dependency."""
    if text.isascii():
        return len(text)
    width, last, joined = 0, 0, False
    for char in text:
        if joined:  # the emoji after a zero-width joiner is drawn into the one before
            joined = False
        elif char == _ZWJ:
            joined = True
        elif char == _EMOJI_PRESENTATION:  # "☀️": a narrow symbol drawn as a wide emoji
            width, last = width + (1 if last == 1 else 0), 2
        elif (char_width := _char_width(char)) > 0:
            width, last = width + char_width, char_width
    return width


_ZWJ, _EMOJI_PRESENTATION = "\u200d", "\ufe0f"


@lru_cache(maxsize=4096)
def _char_width(char: str) -> int:
    if unicodedata.combining(char) or unicodedata.category(char) in ("Mn", "Me", "Cf"):
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def text_table(
    table: Sequence[Sequence[str]],
    right: Sequence[bool],
    width: int | None = None,
    droppable: Sequence[int] = (),
) -> list[str]:
    """A plain-text table: the heading row, a dashed rule, then the rows; columns two
    spaces apart, each padded to its widest cell by display width (so a "東京駅 🚲" or
    a combining accent keeps the columns after it in line), ``right`` ones right-aligned.

    ``width`` (a terminal's, when the output goes to one): the widest text columns are
    cut with "…" to :data:`COMFORT_CUT_WIDTH`, then the ``droppable`` columns go (in that
    order), then text columns are cut to :data:`MIN_CUT_WIDTH`, until the table fits; a
    last line says so. Numbers are never cut. Piped output passes no width: whole lines."""
    widths = [max(cell_width(row[i]) for row in table) for i in range(len(right))]
    full = list(widths)
    shown = list(range(len(right)))
    if width is not None:
        shown = _fit(widths, right, width, droppable)

    def aligned(cells: Sequence[str]) -> str:
        padded = []
        for i in shown:
            cell = cells[i] if widths[i] == full[i] else cut_to(cells[i], widths[i])
            gap = " " * (widths[i] - cell_width(cell))
            padded.append(gap + cell if right[i] else cell + gap)
        return "  ".join(padded).rstrip()

    lines = [aligned(table[0]), aligned(["-" * w for w in widths]),
             *(aligned(cells) for cells in table[1:])]  # fmt: skip
    if widths != full or len(shown) < len(right):
        lines.append("(cut to the terminal's width; piped, the lines are whole)")
    return lines


#: A column cut to fit a terminal keeps this many cells before others are dropped, and
#: at least :data:`MIN_CUT_WIDTH` in the end.
COMFORT_CUT_WIDTH, MIN_CUT_WIDTH = 16, 10


def _fit(widths: list[int], right: Sequence[bool], width: int, droppable: Sequence[int]
         ) -> list[int]:  # fmt: skip
    """Narrow ``widths`` in place, and drop columns, until the table (two spaces between
    columns) is at most ``width`` cells wide or nothing can give; the columns kept."""
    shown = list(range(len(widths)))

    def excess() -> int:
        return sum(widths[i] for i in shown) + 2 * (len(shown) - 1) - width

    def cut(floor: int) -> None:
        while excess() > 0:
            candidates = [i for i in shown if not right[i] and widths[i] > floor]
            if not candidates:
                return
            widths[max(candidates, key=lambda i: widths[i])] -= 1

    cut(COMFORT_CUT_WIDTH)
    for column in droppable:
        if excess() <= 0:
            break
        shown.remove(column)
    cut(MIN_CUT_WIDTH)
    return shown


def cut_to(text: str, cells: int) -> str:
    """``text`` in at most ``cells`` terminal cells, ending in "…" when cut."""
    if cell_width(text) <= cells:
        return text
    kept, used = [], 0
    for char in text:
        char_cells = cell_width(char)
        if used + char_cells > cells - 1:
            break
        kept.append(char)
        used += char_cells
    return "".join(kept).rstrip() + "…"


def format_count(value: int | None) -> str:
    return "?" if value is None else str(value)


def bikes_text(status: StationStatus | None) -> str:
    """A station's bikes with their mechanical/electric split: ``"12 (9m/3e)"``."""
    if status is None:
        return "?"
    split = ""
    if status.mechanical is not None or status.electric is not None:
        split = f" ({format_count(status.mechanical)}m/{format_count(status.electric)}e)"
    return format_count(status.bikes) + split
