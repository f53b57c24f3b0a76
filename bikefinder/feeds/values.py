"""Lenient, exact coercion of the values real GBFS feeds send.

Each function returns ``None`` for a value it cannot interpret honestly, so that
"unknown" never turns into a plausible-looking wrong number.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

from bikefinder.common.text import encodable, has_unsafe_chars

#: Timestamps before this are placeholders (1970-01-01, 86400, 18001), not real dates.
EARLIEST_REAL_TIME = datetime(2000, 1, 1, tzinfo=UTC)
_EARLIEST_POSIX = EARLIEST_REAL_TIME.timestamp()
#: Later than this is nonsense (or milliseconds); treat as unknown.
_LATEST_POSIX = datetime(2200, 1, 1, tzinfo=UTC).timestamp()

#: No station holds this many vehicles: a bigger count is junk, shown as unknown.
MAX_COUNT = 1_000_000

_TRUE_STRINGS = frozenset({"true", "1", "yes", "y", "t"})
_FALSE_STRINGS = frozenset({"false", "0", "no", "n", "f"})


def as_id(value: Any) -> str | None:
    """A station or vehicle id as an exact string (ints keep every digit)."""
    if type(value) is int:  # fast path: the common case, and exact
        return str(value)
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        if value.isascii():  # fast path: for ASCII, printable means no control character
            stripped = value.strip()
            return stripped if stripped and stripped.isprintable() else None
        stripped = encodable(value.strip())
        # Control, escape or bidi characters make an id unsafe to print or match.
        return stripped if stripped and not has_unsafe_chars(stripped) else None
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return str(int(value))
    return None


def as_bool(value: Any) -> bool | None:
    """``true``/``false``, ``0``/``1`` or their string spellings."""
    if value is True or value is False:
        return value
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in _TRUE_STRINGS:
            return True
        if lowered in _FALSE_STRINGS:
            return False
    return None


def as_count(value: Any) -> int | None:
    """A non-negative whole count; negatives, fractions and junk are unknown."""
    if type(value) is int:  # fast path
        return value if 0 <= value <= MAX_COUNT else None
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        value = _number(value)
    if isinstance(value, int):
        return value if 0 <= value <= MAX_COUNT else None
    if isinstance(value, float) and value.is_integer() and 0 <= value <= MAX_COUNT:
        return int(value)
    return None


def _number(text: str) -> float | None:
    """A decimal number spelled as a string; ``float()`` alone also takes ``1_000``."""
    if "_" in text:
        return None
    try:
        return float(text.strip())
    except ValueError:
        return None


def as_float(value: Any) -> float | None:
    """A finite float from a number or a numeric string; ``-0.0`` is zero (it would
    print as ``-0``)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        value = _number(value)
    if isinstance(value, int | float):
        try:
            number = float(value)
        except OverflowError:  # an integer beyond float range
            return None
        return number + 0.0 if math.isfinite(number) else None  # + 0.0: no -0.0
    return None


def as_latitude(value: Any) -> float | None:
    latitude = as_float(value)
    return latitude if latitude is not None and -90.0 <= latitude <= 90.0 else None


def as_longitude(value: Any) -> float | None:
    longitude = as_float(value)
    return longitude if longitude is not None and -180.0 <= longitude <= 180.0 else None


def as_timestamp(value: Any) -> datetime | None:
    """POSIX seconds (v1/v2) or ISO-8601 (v3, Citybikes; no offset means UTC).

    Placeholders such as 0, 86400 or 18001 (all in 1970) are unknown, not dates.
    """
    if type(value) is int:  # fast path
        in_range = _EARLIEST_POSIX <= value < _LATEST_POSIX
        return datetime.fromtimestamp(value, tz=UTC) if in_range else None
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        try:
            seconds = float(text)
        except ValueError:
            try:
                parsed = datetime.fromisoformat(text)
            except ValueError:
                return None
            if parsed.tzinfo is None:
                parsed = parsed.replace(tzinfo=UTC)
            try:
                seconds = parsed.timestamp()
            except (OverflowError, ValueError):  # year 9999 with a negative offset
                return None
            if not _EARLIEST_POSIX <= seconds < _LATEST_POSIX:
                return None
            return parsed
        value = seconds
    if isinstance(value, int | float) and _EARLIEST_POSIX <= value < _LATEST_POSIX:
        return datetime.fromtimestamp(value, tz=UTC)
    return None


def as_ttl(value: Any) -> int | None:
    """A feed ttl in seconds."""
    return as_count(value)


def as_text(value: Any, language: str | None = None) -> str | None:
    """A plain string, or a v3 localized string list resolved to ``language``.

    Falls back to the first translation when the wanted language is absent. Lone
    surrogates (legal in JSON text, unencodable anywhere) become U+FFFD here, once,
    so that every output (table, JSON, CSV, favourites file, screen) can write it.
    """
    text = _pick_text(value, language)
    return None if text is None else encodable(text)


def _pick_text(value: Any, language: str | None) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        translations = [
            (item, text)
            for item in value
            if isinstance(item, dict) and isinstance(text := item.get("text"), str)
        ]
        if not translations:
            return None
        if language:
            wanted = language.lower()
            for item, text in translations:
                code = str(item.get("language", "")).lower()
                if code == wanted or code.split("-")[0] == wanted.split("-")[0]:
                    return text
        return translations[0][1]
    return None


def as_id_list(values: Any) -> tuple[str, ...]:
    """A JSON list of ids as exact strings, in order, without duplicates or junk (a
    non-list is no ids). Linear: an alert may name 100,000 stations."""
    if not isinstance(values, list):
        return ()
    ids = dict.fromkeys(map(as_id, values))  # insertion-ordered, O(1) membership
    ids.pop(None, None)
    return tuple(ids)  # type: ignore[arg-type]  # None popped above
