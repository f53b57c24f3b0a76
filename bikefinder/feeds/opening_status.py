"""Whether a system or station is open at a moment, and when that changes next.

Evaluates the hours :mod:`bikefinder.feeds.opening_hours` parsed (v2 ``system_hours``
or v3 OSM ``opening_hours``) in the system's local time (its ``timezone`` from
``system_information``, through :mod:`zoneinfo`): :func:`opening_status` answers "open
now?" with the next opening or closing, and :func:`status_text` says it to a rider.
Unknown hours, syntax or time zone give "unknown", never "closed". Parsing the text and
judging a moment are apart so that each reads on its own; pure, no I/O.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta, tzinfo
from functools import partial

import msgspec

from bikefinder.feeds.opening_hours import DayIntervals, Interval, OpeningHours, SystemHours

#: How far ahead an opening is looked for (a seasonal system may open in spring).
OPENING_HORIZON_DAYS = 366
#: How far ahead a closing is looked for; open longer than that is "open".
CLOSING_HORIZON_DAYS = 8

#: An interval as (start, end) aware UTC datetimes.
Span = tuple[datetime, datetime]


class OpeningStatus(msgspec.Struct, frozen=True):
    """Open now or not (``None``: not known), and the next change when it is known."""

    is_open: bool | None
    opens_at: datetime | None = None  # when closed: the next opening, if known
    closes_at: datetime | None = None  # when open: the next closing, if within a week


UNKNOWN = OpeningStatus(is_open=None)


def zone(name: str | None) -> tzinfo | None:
    """The system's time zone, or ``None`` for a missing or unknown name."""
    if not isinstance(name, str) or not name.strip():
        return None
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError  # imported when a zone is asked for

    try:
        return ZoneInfo(name.strip())
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return None


def opening_status(
    hours: OpeningHours | SystemHours | None,
    at: datetime,
    timezone: str | tzinfo | None,
    user_type: str | None = None,
) -> OpeningStatus:
    """Whether ``hours`` say open at ``at`` (a naive time is taken as UTC), in
    ``timezone`` (an IANA name or a tzinfo). Unknown hours, syntax or time zone give
    ``OpeningStatus(None)``, never "closed".

    For v2 hours, ``user_type`` (``"member"`` / ``"nonmember"``) picks the entries; with
    ``None``, the answer is the one every user type shares, else unknown.
    """
    tz = zone(timezone) if isinstance(timezone, str) or timezone is None else timezone
    if hours is None or tz is None:
        return UNKNOWN
    moment = at if at.tzinfo is not None else at.replace(tzinfo=UTC)
    if isinstance(hours, OpeningHours):
        if hours.rules is None:
            return UNKNOWN
        # Stations sharing one text share the answer: each text is evaluated once per
        # moment (a listing asks for every station at the same ``now``).
        key = (hours.text, moment, tz)
        known = _evaluated.get(key)
        if known is None:
            if len(_evaluated) >= _EVALUATED_MAX:
                _evaluated.clear()
            known = _evaluated[key] = _status(hours.day_intervals, moment, tz)
        return known
    kinds = sorted(hours.user_types) if user_type is None else [user_type]
    if not kinds:
        return _status(hours.day_intervals, moment, tz)
    statuses = {_status(partial(hours.day_intervals, user_type=kind), moment, tz) for kind in kinds}
    if len(statuses) == 1:
        return statuses.pop()
    answers = {status.is_open for status in statuses}
    return OpeningStatus(is_open=answers.pop()) if len(answers) == 1 else UNKNOWN


#: (hours text, moment, zone) -> its status; cleared when it grows past the bound.
_evaluated: dict[tuple[str, datetime, tzinfo], OpeningStatus] = {}
_EVALUATED_MAX = 4096


def _status(day_intervals: DayIntervals, at: datetime, tz: tzinfo) -> OpeningStatus:
    today = at.astimezone(tz).date()
    unknown = False
    is_open = False
    for day in (today - timedelta(days=1), today):
        intervals = day_intervals(day)
        if intervals is None:
            unknown = True
            continue
        if any(start <= at < end for start, end in _absolute(day, intervals, tz)):
            is_open = True
    if is_open:
        return OpeningStatus(is_open=True, closes_at=_closing(day_intervals, at, tz, today))
    if unknown:
        return UNKNOWN
    return OpeningStatus(is_open=False, opens_at=_opening(day_intervals, at, tz, today))


def _absolute(day: date, intervals: tuple[Interval, ...], tz: tzinfo) -> Iterator[Span]:
    """Each interval as (start, end) aware UTC datetimes (wall-clock times of ``day``)."""
    midnight = datetime(day.year, day.month, day.day, tzinfo=tz)
    for start, end in intervals:
        yield (
            (midnight + timedelta(seconds=start)).astimezone(UTC),
            (midnight + timedelta(seconds=end)).astimezone(UTC),
        )


def _stream(
    day_intervals: DayIntervals, first: date, days: int, tz: tzinfo
) -> Iterator[Span | None]:
    """Intervals in order of start from ``first`` on; ``None`` marks a day not known."""
    for offset in range(days):
        day = first + timedelta(days=offset)
        intervals = day_intervals(day)
        if intervals is None:
            yield None
            return
        yield from _absolute(day, intervals, tz)


def _closing(day_intervals: DayIntervals, at: datetime, tz: tzinfo, today: date) -> datetime | None:
    """The end of the open stretch around ``at``, merged across days; ``None`` when it
    runs past the horizon or into a day not known."""
    end_of_stretch: datetime | None = None
    first = today - timedelta(days=1)
    for interval in _stream(day_intervals, first, CLOSING_HORIZON_DAYS + 1, tz):
        if interval is None:
            return None
        start, end = interval
        if end <= at:
            continue
        if end_of_stretch is None:
            if start <= at:
                end_of_stretch = end
            continue
        if start > end_of_stretch:
            return end_of_stretch.astimezone(tz)
        end_of_stretch = max(end_of_stretch, end)
    return None


def _opening(day_intervals: DayIntervals, at: datetime, tz: tzinfo, today: date) -> datetime | None:
    """The first opening after ``at`` within the horizon; ``None`` if none is known."""
    for interval in _stream(day_intervals, today, OPENING_HORIZON_DAYS + 1, tz):
        if interval is None:
            return None
        if interval[0] > at:
            return interval[0].astimezone(tz)
    return None


def status_text(status: OpeningStatus, now: datetime | None = None) -> str | None:
    """``"closed, opens 07:00"``, ``"closed, opens Sat 09:00"``, ``"closed, opens 1 Apr"``,
    ``"closed"``; ``"open"``; ``None`` when not known. Times are the system's local time
    (as :func:`opening_status` gives them); ``now`` decides whether to name the day."""
    if status.is_open is None:
        return None
    if status.is_open:
        return "open"
    opens = status.opens_at
    if opens is None:
        return "closed"
    reference = (now or datetime.now(UTC)).astimezone(opens.tzinfo)
    days_ahead = (opens.date() - reference.date()).days
    if days_ahead <= 0:
        when = f"{opens:%H:%M}"
    elif days_ahead < 7:
        when = f"{opens:%a %H:%M}"
    else:
        when = f"{opens.day} {opens:%b}"
    return f"closed, opens {when}"
