"""When a system or station is open, as its feeds write it: v2 ``system_hours`` and v3
OSM ``opening_hours``, parsed into day-by-day open intervals.

Pure parsing, no I/O. Intervals are in the system's local time; whether that means open
at a given moment is :mod:`bikefinder.feeds.opening_status`' question.

**v2.x ``system_hours``**: ``rental_hours`` entries (``user_types``, ``days``,
``start_time``, ``end_time``), end times up to ``47:59:59`` reaching into the next day.
A day no entry names is closed; a user type no entry names is unknown; an empty list
says nothing (unknown, not closed).

**v3.0 OSM ``opening_hours``**, the common subset:

* ``24/7``; ``off`` / ``closed`` (always closed);
* weekdays ``Mo``-``Su``, lists and ranges, wrapping (``Fr-Mo``);
* months and dates: ``Apr-Oct``, ``Apr 1-Nov 3``, ``Dec 24-26``, ``Dec 25``;
* time spans ``07:00-22:00``, lists (``00:00-00:30,05:00-24:00``), spans past midnight
  (``22:00-02:00``, ``18:00-26:00``);
* the modifiers ``off``, ``closed``, ``open``, ``unknown``;
* rules separated by ``;`` (a later rule replaces earlier ones on the days it names)
  and ``,`` (an additional rule, which adds to them).

Not supported, so the hours are *unknown* (never "closed"): years, week numbers, nth
weekdays (``Mo[1]``), variable times (``sunrise``), open ends (``10:00+``), comments,
fallback rules (``||``), and anything else. Public and school holidays (``PH``, ``SH``)
are not known to bikefinder: a rule naming only holidays is ignored and ``Mo-Fr,PH``
means ``Mo-Fr``, so on a holiday the answer may be wrong
(:attr:`OpeningHours.mentions_holidays` says when that can happen). An end time of
``23:59`` (``23:59:59`` in v2) is read as midnight: the minute before is not a closure.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date
from functools import lru_cache
from typing import Any

import msgspec

from bikefinder.common.errors import FeedFormatError
from bikefinder.feeds import gbfs
from bikefinder.feeds.models import FeedMeta
from bikefinder.feeds.values import as_id

DAY_S = 86_400
#: More rules than this in one value is not hours anybody wrote: unknown.
MAX_RULES = 64

#: (start, end) in seconds from the day's local midnight; ``end`` may pass midnight.
Interval = tuple[int, int]
#: A day's open intervals, or ``None`` when the hours do not say.
DayIntervals = Callable[[date], tuple[Interval, ...] | None]


# --------------------------------------------------------------------------- OSM syntax

_WEEKDAYS = {"mo": 0, "tu": 1, "we": 2, "th": 3, "fr": 4, "sa": 5, "su": 6}
_MONTHS = {
    name: number
    for number, name in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"),
        start=1,
    )
}
_HOLIDAYS = frozenset({"ph", "sh"})
_STATES = {"off": "closed", "closed": "closed", "open": "open", "unknown": "unknown"}
_TOKEN = re.compile(r"\s*(?:(24/7)|(\d{1,2}):(\d{2})|(\d+)|([A-Za-z]+)|([-–—,;:]))")


class _Unsupported(Exception):
    """The text uses syntax outside the supported subset."""


class _DateRange(msgspec.Struct, frozen=True):
    start: tuple[int, int]  # (month, day), inclusive
    end: tuple[int, int]  # (month, day), inclusive; before start: wraps the new year

    def contains(self, day: date) -> bool:
        key = (day.month, day.day)
        if self.start <= self.end:
            return self.start <= key <= self.end
        return key >= self.start or key <= self.end


class _Rule(msgspec.Struct, frozen=True):
    dates: tuple[_DateRange, ...] | None  # None: every date
    weekdays: frozenset[int] | None  # None: every weekday
    times: tuple[Interval, ...]  # empty: the whole day
    state: str  # "open", "closed" or "unknown"
    additional: bool  # after "," (adds) rather than ";" (replaces)

    def matches(self, day: date) -> bool:
        if self.weekdays is not None and day.weekday() not in self.weekdays:
            return False
        return self.dates is None or any(r.contains(day) for r in self.dates)


class OpeningHours(msgspec.Struct, frozen=True):
    """An OSM ``opening_hours`` value; ``rules`` is ``None`` when it is not understood."""

    text: str
    rules: tuple[_Rule, ...] | None
    mentions_holidays: bool = False

    @property
    def supported(self) -> bool:
        return self.rules is not None

    def day_intervals(self, day: date) -> tuple[Interval, ...] | None:
        """The open intervals of ``day`` (the later of two matching ``;`` rules wins)."""
        if self.rules is None:
            return None
        intervals: list[Interval] = []
        unknown = False
        for rule in self.rules:
            if not rule.matches(day):
                continue
            if not rule.additional:
                intervals, unknown = [], False
            if rule.state == "closed":
                intervals = []
            elif rule.state == "unknown":
                unknown = True
            else:
                intervals.extend(rule.times or ((0, DAY_S),))
        return None if unknown else tuple(sorted(intervals))


def parse_opening_hours(text: Any) -> OpeningHours | None:
    """An OSM ``opening_hours`` value; ``None`` when there is none (not a string, or
    blank). Syntax outside the supported subset, or more than :data:`MAX_RULES` rules,
    gives hours that say "unknown". Thousands of stations often share one text: it is
    read once, and they share the result."""
    if not isinstance(text, str) or not text.strip():
        return None
    return _parse_text(text.strip())


@lru_cache(maxsize=1024)
def _parse_text(text: str) -> OpeningHours:
    try:
        tokens = _tokens(text)
        rules, holidays = _Parser(tokens).rules()
    except _Unsupported:
        return OpeningHours(text=text, rules=None)
    if len(rules) > MAX_RULES:
        return OpeningHours(text=text, rules=None)
    return OpeningHours(text=text, rules=rules, mentions_holidays=holidays)


def _tokens(text: str) -> list[tuple[str, Any]]:
    tokens: list[tuple[str, Any]] = []
    position = 0
    stripped = text.rstrip()
    while position < len(stripped):
        match = _TOKEN.match(stripped, position)
        if match is None:
            raise _Unsupported
        position = match.end()
        always, hours, minutes, number, word, mark = match.groups()
        if always:
            tokens.append(("always", None))
        elif hours is not None:
            if int(hours) > 48 or int(minutes) > 59:
                raise _Unsupported
            tokens.append(("time", int(hours) * 60 + int(minutes)))
        elif number is not None:
            if len(number) > 4:  # no day or year is longer; int() refuses 4,300+ digits
                raise _Unsupported
            tokens.append(("number", int(number)))
        elif word is not None:
            tokens.append(("word", word.lower()))
        else:
            tokens.append(("mark", "-" if mark in "–—" else mark))
    return tokens


class _Parser:
    """A recursive-descent reader of the supported subset, over :func:`_tokens`."""

    def __init__(self, tokens: list[tuple[str, Any]]) -> None:
        self.tokens = tokens
        self.position = 0
        self.holidays = False

    def peek(self, offset: int = 0) -> tuple[str, Any]:
        index = self.position + offset
        return self.tokens[index] if index < len(self.tokens) else ("end", None)

    def take(self) -> tuple[str, Any]:
        token = self.peek()
        self.position += 1
        return token

    def expect(self, kind: str, value: Any = None) -> Any:
        token_kind, token_value = self.take()
        if token_kind != kind or (value is not None and token_value != value):
            raise _Unsupported
        return token_value

    def rules(self) -> tuple[tuple[_Rule, ...], bool]:
        rules: list[_Rule] = []
        additional = False
        while True:
            rule = self.rule(additional)
            if rule is not None:
                rules.append(rule)
            kind, value = self.take()
            if kind == "end":
                break
            if kind != "mark" or value not in ";,":
                raise _Unsupported
            additional = value == ","
            if self.peek()[0] == "end" and value == ";":
                break  # a trailing ";"
        if not rules:
            raise _Unsupported
        return tuple(rules), self.holidays

    def rule(self, additional: bool) -> _Rule | None:
        """One rule; ``None`` for a rule that names only holidays (never known to match)."""
        start = self.position
        dates: tuple[_DateRange, ...] | None = None
        weekdays: frozenset[int] | None = None
        times: tuple[Interval, ...] = ()
        holidays_only = False
        if self.peek()[0] == "always":
            self.take()
        else:
            if self.is_month(self.peek()):
                dates = self.dates()
            if self.is_weekday(self.peek()):
                weekdays, holidays_only = self.weekdays()
            if self.peek() == ("mark", ":"):
                self.take()
            if self.peek()[0] == "time":
                times = self.times()
        state = "open"
        kind, value = self.peek()
        if kind == "word" and value in _STATES:
            self.take()
            state = _STATES[value]
            if state == "closed" and times:
                raise _Unsupported  # closing part of a day: not in the subset
        if self.position == start:
            raise _Unsupported
        if holidays_only:
            return None
        return _Rule(dates, weekdays, times, state, additional)

    @staticmethod
    def is_month(token: tuple[str, Any]) -> bool:
        return token[0] == "word" and token[1] in _MONTHS

    @staticmethod
    def is_weekday(token: tuple[str, Any]) -> bool:
        return token[0] == "word" and (token[1] in _WEEKDAYS or token[1] in _HOLIDAYS)

    def dates(self) -> tuple[_DateRange, ...]:
        ranges = [self.date_range()]
        while self.peek() == ("mark", ",") and self.is_month(self.peek(1)):
            self.take()
            ranges.append(self.date_range())
        return tuple(ranges)

    def date_range(self) -> _DateRange:
        month = _MONTHS[self.expect("word")]
        day = self.take()[1] if self.peek()[0] == "number" else None
        if self.peek() == ("mark", "-") and (
            self.is_month(self.peek(1)) or (day is not None and self.peek(1)[0] == "number")
        ):
            self.take()
            if self.is_month(self.peek()):
                end_month = _MONTHS[self.take()[1]]
                end_day = self.take()[1] if self.peek()[0] == "number" else None
            else:
                end_month, end_day = month, self.take()[1]
            if (day is None) != (end_day is None):
                raise _Unsupported  # "Apr-Nov 3": mixed precision
            return _DateRange(_month_day(month, day or 1), _month_day(end_month, end_day or 31))
        return _DateRange(_month_day(month, day or 1), _month_day(month, day or 31))

    def weekdays(self) -> tuple[frozenset[int] | None, bool]:
        days: set[int] = set()
        holidays = False
        while True:
            name = self.expect("word")
            if name in _HOLIDAYS:
                holidays = True
            elif name in _WEEKDAYS:
                first = _WEEKDAYS[name]
                if self.peek() == ("mark", "-"):
                    self.take()
                    last_name = self.expect("word")
                    if last_name not in _WEEKDAYS:
                        raise _Unsupported
                    last = _WEEKDAYS[last_name]
                    span = (last - first) % 7
                    days.update((first + offset) % 7 for offset in range(span + 1))
                else:
                    days.add(first)
            else:
                raise _Unsupported
            if self.peek() == ("mark", ",") and self.is_weekday(self.peek(1)):
                self.take()
                continue
            break
        if holidays:
            self.holidays = True
        if not days:
            return frozenset(), True  # holidays only
        return frozenset(days), False

    def times(self) -> tuple[Interval, ...]:
        spans = [self.span()]
        while self.peek() == ("mark", ",") and self.peek(1)[0] == "time":
            self.take()
            spans.append(self.span())
        return tuple(spans)

    def span(self) -> Interval:
        start = self.expect("time")
        self.expect("mark", "-")
        end = self.expect("time")
        return _interval(start * 60, end * 60, minute_precision=True)


def _month_day(month: int, day: int) -> tuple[int, int]:
    if not 1 <= day <= 31:
        raise _Unsupported
    return (month, day)


def _interval(start: int, end: int, minute_precision: bool) -> Interval:
    """A span in seconds; an end of 23:59 (23:59:59) is midnight, an end before the
    start is on the next day."""
    last = 60 if minute_precision else 1
    if end % DAY_S == DAY_S - last:
        end += last
    if end <= start:
        end += DAY_S
    if start >= DAY_S or end > 2 * DAY_S or end <= start:
        raise _Unsupported
    return (start, end)


# --------------------------------------------------------------------------- v2 system_hours

_DAY_NAMES = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}
_TIME = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2}))?")


class RentalHours(msgspec.Struct, frozen=True):
    """One ``rental_hours`` entry: open from ``start`` to ``end`` (seconds from the local
    midnight; ``end`` may pass it) on ``days`` (0 = Monday) for ``user_types`` (empty:
    everyone)."""

    user_types: frozenset[str]
    days: frozenset[int]
    start: int
    end: int


class SystemHours(msgspec.Struct, frozen=True):
    """A parsed v2 ``system_hours``."""

    meta: FeedMeta
    entries: tuple[RentalHours, ...]
    rejected: int = 0

    @property
    def user_types(self) -> frozenset[str]:
        return frozenset(kind for entry in self.entries for kind in entry.user_types)

    def day_intervals(self, day: date, user_type: str | None = None) -> tuple[Interval, ...] | None:
        """``day``'s open intervals for ``user_type`` (``None``: entries for everyone)."""
        relevant = [
            entry
            for entry in self.entries
            if not entry.user_types or (user_type is not None and user_type in entry.user_types)
        ]
        if not relevant:
            return None
        weekday = day.weekday()
        return tuple(sorted((e.start, e.end) for e in relevant if weekday in e.days))


def parse_system_hours(doc: Any, url: str) -> SystemHours:
    """A decoded v2 ``system_hours`` document; unreadable entries are rejected and counted."""
    meta = gbfs.parse_meta(doc, "system_hours", url)
    records = doc["data"].get("rental_hours")
    if not isinstance(records, list):
        raise FeedFormatError("system_hours", "'data.rental_hours' is not a list")
    parsed = [_rental_hours(record) for record in records]
    entries = tuple(entry for entry in parsed if entry is not None)
    return SystemHours(meta=meta, entries=entries, rejected=len(parsed) - len(entries))


def _rental_hours(record: Any) -> RentalHours | None:
    if not isinstance(record, Mapping):
        return None
    days = record.get("days")
    if not isinstance(days, list) or not days:
        return None
    numbers: set[int] = set()
    for name in days:
        number = _DAY_NAMES.get(name.strip().lower()[:3]) if isinstance(name, str) else None
        if number is None:
            return None
        numbers.add(number)
    user_types = record.get("user_types")
    kinds: set[str] = set()
    if isinstance(user_types, list):
        for kind in user_types:
            if isinstance(kind, str) and kind.strip():
                kinds.add(kind.strip().lower())
    start, end = _seconds(record.get("start_time")), _seconds(record.get("end_time"))
    if start is None or end is None:
        return None
    try:
        start, end = _interval(start, end, minute_precision=False)
    except _Unsupported:
        return None
    return RentalHours(frozenset(kinds), frozenset(numbers), start, end)


def _seconds(value: Any) -> int | None:
    """GBFS Time ``HH:MM:SS`` (up to ``47:59:59``) in seconds."""
    if not isinstance(value, str):
        return None
    match = _TIME.fullmatch(value.strip())
    if match is None:
        return None
    hours, minutes, seconds = int(match[1]), int(match[2]), int(match[3] or 0)
    if hours > 47 or minutes > 59 or seconds > 59:
        return None
    return hours * 3600 + minutes * 60 + seconds


# --------------------------------------------------------------------------- v3 sources


def system_opening_hours(doc: Any) -> OpeningHours | None:
    """``system_information.opening_hours`` (v3); ``None`` when there is none."""
    if not isinstance(doc, Mapping) or not isinstance(doc.get("data"), Mapping):
        return None
    return parse_opening_hours(doc["data"].get("opening_hours"))


def station_opening_hours(doc: Any) -> dict[str, OpeningHours]:
    """``station_id -> station_opening_hours`` for the v3 ``station_information`` stations
    that have them (each overrides the system's hours for its station)."""
    if not isinstance(doc, Mapping) or not isinstance(doc.get("data"), Mapping):
        return {}
    stations = doc["data"].get("stations")
    if not isinstance(stations, list):
        return {}
    hours: dict[str, OpeningHours] = {}
    for record in stations:
        if not isinstance(record, Mapping) or "station_opening_hours" not in record:
            continue
        station_id = as_id(record.get("station_id"))
        parsed = parse_opening_hours(record.get("station_opening_hours"))
        if station_id is not None and parsed is not None:
            hours.setdefault(station_id, parsed)
    return hours
