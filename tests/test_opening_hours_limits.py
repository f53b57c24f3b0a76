"""Opening hours a hostile operator writes: a number too long for ``int()``, thousands of
stations sharing rules that never open. Unreadable hours are unknown; each distinct
text is read and evaluated once, whatever number of stations share it."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import pytest
from test_feed_faults import STATIONS, assert_succeeds, feed_docs, once, serve

from bikefinder.feeds import opening_hours
from bikefinder.feeds.opening_hours import MAX_RULES, parse_opening_hours
from bikefinder.feeds.opening_status import opening_status, zone

HUGE_NUMBER = "9" * 4400
NEVER_OPEN = "; ".join(["Feb 31 10:00-11:00"] * 20)
AT = datetime(2025, 6, 2, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "text",
    [
        HUGE_NUMBER,
        f"Mo-Fr 08:00-20:00; Dec {HUGE_NUMBER}",
        f"Jan {HUGE_NUMBER}-{HUGE_NUMBER}",
        "Mo 08:00-09:00; " * (MAX_RULES + 1),
    ],
)
def test_unreadable_hours_are_unknown(text: str) -> None:
    hours = parse_opening_hours(text)
    assert hours is not None and not hours.supported
    assert opening_status(hours, AT, "Europe/Paris").is_open is None


def test_system_hours_with_a_4400_digit_number_do_not_take_the_run_down(
    feed_server: Any, run_main: Any
) -> None:
    docs = feed_docs()
    docs["system_information"]["data"]["opening_hours"] = f"Mo-Su {HUGE_NUMBER}"
    output = assert_succeeds(once(run_main, serve(feed_server, **docs)))
    assert len(output["stations"]) == 3


def test_station_hours_with_a_4400_digit_number_do_not_take_the_run_down(
    feed_server: Any, run_main: Any
) -> None:
    docs = feed_docs()
    stations = copy.deepcopy(STATIONS)
    stations[0]["station_opening_hours"] = f"Dec {HUGE_NUMBER}"
    docs["station_information"]["data"]["stations"] = stations
    output = assert_succeeds(once(run_main, serve(feed_server, **docs)))
    assert len(output["stations"]) == 3


def test_one_text_shared_by_many_stations_is_parsed_once() -> None:
    body = {"data": {"stations": [
        {"station_id": str(n), "station_opening_hours": NEVER_OPEN} for n in range(500)
    ]}}  # fmt: skip
    hours = opening_hours.station_opening_hours(body)
    assert len(hours) == 500
    assert len({id(parsed) for parsed in hours.values()}) == 1


def test_one_text_shared_by_many_stations_is_evaluated_once_per_moment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls = []
    real = opening_hours.OpeningHours.day_intervals

    def counted(self: Any, day: Any) -> Any:
        calls.append(day)
        return real(self, day)

    monkeypatch.setattr(opening_hours.OpeningHours, "day_intervals", counted)
    tz = zone("Europe/Paris")
    first = opening_status(parse_opening_hours(NEVER_OPEN), AT, tz)
    per_station = len(calls)
    assert first.is_open is False and first.opens_at is None
    for _ in range(99):  # 99 more stations, each with its own parse of the same text
        assert (
            opening_status(opening_hours.OpeningHours(NEVER_OPEN, first_rules(), False), AT, tz)
            == first
        )
    assert len(calls) == per_station


def first_rules() -> Any:
    parsed = parse_opening_hours(NEVER_OPEN)
    assert parsed is not None
    return parsed.rules
