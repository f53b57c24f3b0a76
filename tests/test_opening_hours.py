"""Opening hours: v2 system_hours and v3 OSM opening_hours, in the system's time zone."""

from __future__ import annotations

import contextlib
import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bikefinder.common.errors import FeedFormatError
from bikefinder.feeds.opening_hours import (
    parse_opening_hours,
    parse_system_hours,
    station_opening_hours,
    system_opening_hours,
)
from bikefinder.feeds.opening_status import OpeningStatus, opening_status, status_text, zone
from bikefinder.rider.walking import walking_minutes, walking_seconds, walking_text
from tests.test_fuzz_parsing import json_values, scaled

REAL = Path(__file__).parent / "fixtures" / "real_more"
PARIS = ZoneInfo("Europe/Paris")


def local(text: str, tz: ZoneInfo = PARIS) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=tz)


def status(text: str, moment: str, tz: str = "Europe/Paris") -> OpeningStatus:
    return opening_status(parse_opening_hours(text), local(moment, ZoneInfo(tz)), tz)


def real_json(folder: str, name: str) -> Any:
    return json.loads((REAL / folder / name).read_bytes())


# --------------------------------------------------------------------------- real feeds


def test_bolt_is_open_24_7() -> None:
    info = real_json("bolt-essen_3.0_2025", "system_information.json")
    hours = system_opening_hours(info)
    assert hours is not None and hours.text == "24/7" and hours.supported
    tz = info["data"]["timezone"]
    assert tz == "Europe/Tallinn"
    assert opening_status(hours, datetime(2025, 10, 21, 4, tzinfo=UTC), tz) == OpeningStatus(True)


def test_check_open_until_23_59_means_open_all_night() -> None:
    info = real_json("check-almere_3.0_2025", "system_information.json")
    hours = system_opening_hours(info)
    assert hours is not None and hours.text == "Mo,Tu,We,Th,Fr,Sa,Su 00:00-23:59"
    tz = info["data"]["timezone"]
    for moment in ("2025-05-21T23:59:30", "2025-05-22T00:00:00", "2025-05-21T12:00:00"):
        assert opening_status(hours, local(moment, ZoneInfo(tz)), tz).is_open is True


def test_dublinbikes_closes_from_half_past_midnight_to_five() -> None:
    info = real_json("dublinbikes-cyclocity_3.0_2025", "system_information.json")
    hours = system_opening_hours(info)
    assert hours is not None and hours.text == "Mo-Su,PH 00:00-00:30,05:00-24:00"  # stripped
    assert hours.mentions_holidays
    tz = info["data"]["timezone"]
    dublin = ZoneInfo(tz)
    night = opening_status(hours, local("2025-10-21T03:00:00", dublin), tz)
    assert night.is_open is False
    assert night.opens_at == local("2025-10-21T05:00:00", dublin)
    assert status_text(night, local("2025-10-21T03:00:00", dublin)) == "closed, opens 05:00"
    evening = opening_status(hours, local("2025-10-21T22:00:00", dublin), tz)
    assert evening.is_open is True
    assert evening.closes_at == local("2025-10-22T00:30:00", dublin)  # merged over midnight
    assert opening_status(hours, local("2025-10-22T00:29:00", dublin), tz).is_open is True
    assert opening_status(hours, local("2025-10-22T00:30:00", dublin), tz).is_open is False


@pytest.mark.parametrize("folder", ["nextbike-linz_2.3_2025", "donkey-barcelona_2.3_2025"])
def test_v2_rental_hours_all_day_every_day(folder: str) -> None:
    hours = parse_system_hours(real_json(folder, "system_hours.json"), "u")
    assert (len(hours.entries), hours.rejected) == (1, 0)
    (entry,) = hours.entries
    assert entry.user_types == {"member", "nonmember"} and entry.days == set(range(7))
    assert (entry.start, entry.end) == (0, 86_400)  # 23:59:59 is midnight
    tz = real_json(folder, "system_information.json")["data"]["timezone"]
    for user_type in (None, "member", "nonmember"):
        moment = datetime(2025, 10, 21, 22, 59, 59, 500_000, tzinfo=UTC)
        assert opening_status(hours, moment, tz, user_type) == OpeningStatus(True)
    assert opening_status(hours, moment, tz, "staff").is_open is None


def test_divvy_empty_rental_hours_say_nothing() -> None:
    hours = parse_system_hours(real_json("divvy-chicago-lyft_2.3_2025", "system_hours.json"), "u")
    assert hours.entries == ()
    assert opening_status(hours, datetime(2025, 1, 29, tzinfo=UTC), "America/Chicago") == (
        OpeningStatus(None)
    )


SPEC_STATION_HOURS = "Su-Th 05:00-22:00; Fr-Sa 05:00-01:00"  # the GBFS 3.0 example


def test_station_opening_hours_from_v3_station_information() -> None:
    assert station_opening_hours(real_json("bolt-essen_3.0_2025", "station_information.json")) == {}
    doc = {
        "data": {
            "stations": [
                {
                    "station_id": "a",
                    "station_opening_hours": "Su-Th 05:00-22:00; Fr-Sa 05:00-01:00",
                },
                {"station_id": "b", "station_opening_hours": ""},
                {"station_id": "c"},
                {"station_opening_hours": "24/7"},
                {"station_id": 4, "station_opening_hours": "sunrise-sunset"},
            ]
        }
    }
    hours = station_opening_hours(doc)
    assert sorted(hours) == ["4", "a"]
    assert not hours["4"].supported
    assert opening_status(hours["4"], datetime(2025, 1, 1, tzinfo=UTC), "UTC").is_open is None
    # Friday 00:30 is still Thursday's hours (closed since 22:00); Saturday 00:30 is open.
    assert opening_status(hours["a"], local("2025-10-17T00:30:00"), PARIS).is_open is False
    assert opening_status(hours["a"], local("2025-10-18T00:30:00"), PARIS).is_open is True
    assert station_opening_hours([]) == {} and system_opening_hours({"data": 1}) is None


# --------------------------------------------------------------------------- OSM subset

WEEK = "Mo-Fr 07:00-22:00; Sa,Su 09:00-20:00"


def test_weekdays_and_weekends() -> None:
    monday_noon = status(WEEK, "2025-10-20T12:00:00")
    assert monday_noon == OpeningStatus(True, closes_at=local("2025-10-20T22:00:00"))
    saturday_early = status(WEEK, "2025-10-18T08:00:00")
    assert saturday_early == OpeningStatus(False, opens_at=local("2025-10-18T09:00:00"))
    friday_late = status(WEEK, "2025-10-17T23:00:00")
    assert friday_late.opens_at == local("2025-10-18T09:00:00")
    assert status_text(friday_late, local("2025-10-17T23:00:00")) == "closed, opens Sat 09:00"
    assert status_text(monday_noon) == "open"
    assert status(WEEK, "2025-10-20T22:00:00").is_open is False  # end exclusive
    assert status(WEEK, "2025-10-20T07:00:00").is_open is True  # start inclusive


def test_rules_later_override_and_additional_rules_add() -> None:
    assert status("Mo-Su 08:00-18:00; Su off", "2025-10-19T12:00:00").is_open is False
    assert status("Mo-Su 08:00-18:00; Su 10:00-12:00", "2025-10-19T09:00:00").is_open is False
    assert status("Mo-Fr 08:00-12:00, Sa 10:00-12:00", "2025-10-18T11:00:00").is_open is True
    assert status("Mo-Fr 08:00-12:00, Mo 14:00-16:00", "2025-10-20T15:00:00").is_open is True
    assert status("Mo-Fr 08:00-12:00,13:00-17:00", "2025-10-20T12:30:00") == OpeningStatus(
        False, opens_at=local("2025-10-20T13:00:00")
    )
    assert status("Fr-Mo 10:00-11:00", "2025-10-19T10:30:00").is_open is True  # wraps
    assert status("Tu 10:00-11:00", "2025-10-19T10:30:00").opens_at == local("2025-10-21T10:00")
    assert status("Mo-Fr", "2025-10-20T03:00:00").is_open is True  # a day without times
    assert status("off", "2025-10-20T03:00:00") == OpeningStatus(False)
    assert status("Mo-Fr 08:00-18:00 unknown", "2025-10-20T12:00:00").is_open is None
    assert status("Mo-Fr 08:00-18:00; Sa unknown", "2025-10-18T12:00:00").is_open is None
    assert status("Mo-Fr: 08:00-18:00", "2025-10-20T12:00:00").is_open is True


def test_spans_past_midnight() -> None:
    late = "Mo-Su 18:00-02:00"
    assert status(late, "2025-10-21T01:00:00").is_open is True
    assert status(late, "2025-10-21T01:00:00").closes_at == local("2025-10-21T02:00:00")
    assert status(late, "2025-10-21T03:00:00").opens_at == local("2025-10-21T18:00:00")
    assert status("Mo 18:00-26:00", "2025-10-21T01:59:00").is_open is True  # Tuesday early
    assert status("Mo 18:00-26:00", "2025-10-21T02:00:00").is_open is False


def test_months_and_dates() -> None:
    season = "Apr 1-Nov 3 00:00-24:00"  # the GBFS 3.0 example
    assert status(season, "2025-11-03T23:00:00").is_open is True
    winter = status(season, "2025-11-04T12:00:00")
    assert winter == OpeningStatus(False, opens_at=local("2026-04-01T00:00:00"))
    assert status_text(winter, local("2025-11-04T12:00:00")) == "closed, opens 1 Apr"
    assert status("Apr-Oct Mo-Fr 08:00-18:00", "2025-10-31T12:00:00").is_open is True
    assert status("Apr-Oct Mo-Fr 08:00-18:00", "2025-11-03T12:00:00").is_open is False
    assert status("Nov-Feb off; Mo-Su 06:00-22:00", "2025-12-25T12:00:00").is_open is True
    assert status("Mo-Su 06:00-22:00; Nov-Feb off", "2026-01-10T12:00:00").is_open is False
    assert status("Mo-Su 06:00-22:00; Dec 24-26 off", "2025-12-25T12:00:00").is_open is False
    assert status("Mo-Su 06:00-22:00; Dec 25 off", "2025-12-26T12:00:00").is_open is True
    assert status("Jan,Mar 10:00-12:00", "2025-03-03T11:00:00").is_open is True


def test_holidays_are_not_known_so_they_are_ignored_and_said() -> None:
    hours = parse_opening_hours("Mo-Fr 08:00-18:00; PH off")
    assert hours is not None and hours.mentions_holidays and hours.supported
    assert opening_status(hours, local("2025-10-20T12:00:00"), PARIS).is_open is True
    assert not parse_opening_hours("PH off").supported  # only holidays: says nothing


@pytest.mark.parametrize(
    "text",
    [
        "sunrise-sunset",
        "Mo 10:00+",
        "Mo[1] 10:00-12:00",
        "2025 Apr-Oct 10:00-12:00",
        "week 1-20 10:00-12:00",
        'Mo 10:00-12:00 "call us"',
        "Mo-Fr 08:00-12:00 || Sa 10:00-12:00",
        "Mo 12:00-14:00 off",
        "Mo 10:00",
        "Mo 25:00-26:00",
        "Mo 10:00-49:00",
        "Feb 30-Mar 40",
        "Apr-Nov 3 10:00-12:00",
        "whenever",
        "Mo-",
        ";",
        "10:00-12:00 Mo",
    ],
)
def test_unsupported_syntax_is_unknown_never_closed(text: str) -> None:
    hours = parse_opening_hours(text)
    assert hours is not None and not hours.supported
    assert opening_status(hours, local("2025-10-20T11:00:00"), PARIS) == OpeningStatus(None)
    assert status_text(opening_status(hours, local("2025-10-20T11:00:00"), PARIS)) is None


def test_no_hours_or_no_time_zone_is_unknown() -> None:
    assert parse_opening_hours(None) is None and parse_opening_hours("  ") is None
    hours = parse_opening_hours("24/7")
    moment = datetime(2025, 1, 1, tzinfo=UTC)
    assert opening_status(None, moment, "UTC") == OpeningStatus(None)
    assert opening_status(hours, moment, None) == OpeningStatus(None)
    assert opening_status(hours, moment, "Mars/Olympus_Mons") == OpeningStatus(None)
    assert zone("../../etc/passwd") is None and zone("") is None
    assert opening_status(hours, datetime(2025, 1, 1), "UTC").is_open is True  # naive: UTC


def test_daylight_saving_changes_keep_wall_clock_hours() -> None:
    # Paris leaves summer time on 2025-10-26 at 03:00: opening stays 07:00 local.
    closed = status(WEEK, "2025-10-26T08:00:00")
    assert closed.opens_at == local("2025-10-26T09:00:00")
    assert closed.opens_at.utcoffset().total_seconds() == 3600
    assert status(WEEK, "2025-10-27T06:30:00").opens_at == local("2025-10-27T07:00:00")


# --------------------------------------------------------------------------- v2 system_hours

V2 = {
    "last_updated": 1640887163,
    "ttl": 86400,
    "version": "2.3",
    "data": {
        "rental_hours": [
            {"user_types": ["member"], "days": ["sat", "sun"], "start_time": "00:00:00",
             "end_time": "23:59:59"},
            {"user_types": ["nonmember"], "days": ["sat", "sun"], "start_time": "05:00:00",
             "end_time": "23:59:59"},
            {"user_types": ["member", "nonmember"], "days": ["mon", "tue", "wed", "thu", "fri"],
             "start_time": "06:00:00", "end_time": "25:30:00"},
            {"user_types": ["member"], "days": ["Funday"], "start_time": "00:00:00",
             "end_time": "01:00:00"},
            {"days": ["mon"], "start_time": "7 am", "end_time": "8 pm"},
            "junk",
        ]
    },
}  # fmt: skip


def test_v2_spec_example_per_user_type() -> None:
    hours = parse_system_hours(V2, "u")
    assert (len(hours.entries), hours.rejected) == (3, 3)
    saturday_3am = local("2025-10-18T03:00:00")
    assert opening_status(hours, saturday_3am, PARIS, "member").is_open is True
    nonmember = opening_status(hours, saturday_3am, PARIS, "nonmember")
    assert nonmember == OpeningStatus(False, opens_at=local("2025-10-18T05:00:00"))
    assert opening_status(hours, saturday_3am, PARIS).is_open is None  # they differ
    # Friday 06:00 to Saturday 01:30 for everyone (25:30:00).
    assert opening_status(hours, local("2025-10-18T01:00:00"), PARIS).is_open is True
    tuesday_2am = opening_status(hours, local("2025-10-21T02:00:00"), PARIS)
    assert tuesday_2am == OpeningStatus(False, opens_at=local("2025-10-21T06:00:00"))
    assert hours.day_intervals(date(2025, 10, 20), "member") == ((21_600, 91_800),)


def test_broken_system_hours_documents_raise() -> None:
    for doc in ([], {"data": []}, {"data": {"rental_hours": {}}}, {"data": {}}):
        with pytest.raises(FeedFormatError):
            parse_system_hours(doc, "u")


# --------------------------------------------------------------------------- walking


def test_walking_time() -> None:
    assert walking_seconds(320) == 240 and walking_minutes(320) == 4
    assert walking_text(320) == "4 min"
    assert walking_text(0) == "0 min" and walking_text(10) == "1 min"
    assert walking_text(321) == "5 min"  # rounded up: never an earlier arrival
    assert walking_text(4_800) == "1 h" and walking_text(6_000) == "1 h 15 min"
    assert walking_minutes(1_000, speed_kmh=6) == 10
    assert walking_text(float("nan")) is None and walking_seconds(-1) is None
    assert walking_minutes(True) is None
    for speed in (0, -1, float("inf"), "4.8"):
        with pytest.raises(ValueError):
            walking_minutes(100, speed)


# --------------------------------------------------------------------------- properties

osm_words = st.sampled_from(
    ["Mo", "Tu", "Fr", "Su", "PH", "Apr", "Nov", "off", "open", "24/7", "sunrise", "week", "1"]
)
osm_marks = st.sampled_from(["-", ",", ";", ":", " ", "08:00", "22:30", "47:00", "24:00", "+"])
osm_text = st.lists(osm_words | osm_marks, max_size=12).map(" ".join) | st.text(max_size=30)


@scaled(2)
@given(osm_text, st.integers(0, 2**32), st.sampled_from(["Europe/Paris", "UTC", "Asia/Tokyo"]))
def test_any_opening_hours_text_is_understood_or_unknown(text: str, seconds: int, tz: str) -> None:
    hours = parse_opening_hours(text)
    moment = datetime.fromtimestamp(seconds, UTC)
    result = opening_status(hours, moment, tz)
    if result.is_open is False and result.opens_at is not None:
        assert result.opens_at > moment
        assert opening_status(hours, result.opens_at, tz).is_open is True
    if result.is_open is True and result.closes_at is not None:
        assert result.closes_at > moment
        assert opening_status(hours, result.closes_at, tz).is_open is not True
    status_text(result, moment)


@scaled(2)
@given(json_values)
def test_arbitrary_json_raises_only_feed_format_error(value: Any) -> None:
    with contextlib.suppress(FeedFormatError):
        parse_system_hours(value, "u")
    system_opening_hours(value)
    station_opening_hours(value)
