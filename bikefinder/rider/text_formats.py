"""Text formats every printed answer shares: ISO times, distances and counts, JSON safe
to print on a terminal, CSV a spreadsheet cannot run. No knowledge of rows or trips."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from bikefinder.feeds.models import StationStatus

#: Characters ``json.dumps(ensure_ascii=False)`` leaves raw that a terminal may act on:
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
    act on is a ``\\uXXXX`` escape, so the decoded strings stay exactly the feed's."""
    text = json.dumps(document, ensure_ascii=False, indent=indent)
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


def format_distance(metres: float) -> str:
    return f"{metres:.0f} m" if metres < 1000 else f"{metres / 1000:.1f} km"


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
