"""system_alerts v1/v2/v3: real BIXI and MobiData BW alerts, windows, scope, hostile input."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bikefinder.common.errors import FeedFormatError
from bikefinder.feeds.system_alerts import (
    active_alerts,
    alerts_by_station,
    alerts_for_station,
    decode_system_alerts,
    parse_system_alerts,
    system_wide_alerts,
)
from tests.test_fuzz_parsing import (
    HOSTILE_STRINGS,
    document,
    hostile,
    ids,
    json_values,
    languages,
    localized,
    mostly,
    record,
    scaled,
)

REAL = Path(__file__).parent / "fixtures" / "real_more"


def real(folder: str, language: str | None = None) -> Any:
    return decode_system_alerts((REAL / folder / "system_alerts.json").read_bytes(), "u", language)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def test_bixi_alerts_are_read_with_their_windows() -> None:
    feed = real("bixi-montreal_1.x_2025")
    assert (len(feed.alerts), feed.rejected) == (5, 0)
    assert [a.alert_id for a in feed.alerts] == ["2", "5", "6", "10", "15"]
    assert {a.type for a in feed.alerts} == {"system_closure"}  # sent as SYSTEM_CLOSURE
    first = feed.alerts[0]
    assert first.summary == "New Amis BIXI Reward"
    assert first.description == (
        "Help us balance the bikes in the network and win free electric rides!"
    )
    assert first.url == "https://bixi.com/en/ami-bixi/"
    assert feed.alerts[1].url is None
    assert first.starts_at == datetime.fromtimestamp(1695146400, UTC)
    assert first.ends_at == datetime.fromtimestamp(1695700740, UTC)
    assert first.last_updated == datetime.fromtimestamp(1695139568, UTC)
    assert all(alert.system_wide for alert in feed.alerts)
    # When the feed was recorded (2025-02-01) every window was over: none is shown.
    assert active_alerts(feed.alerts, feed.meta.last_updated) == ()
    assert [a.alert_id for a in active_alerts(feed.alerts, at("2024-07-19T12:00:00Z"))] == ["15"]
    assert active_alerts(feed.alerts, datetime.fromtimestamp(1721404800, UTC)) == ()  # end excl.
    assert [a.alert_id for a in active_alerts(feed.alerts, at("2024-01-26T00:00:00"))] == ["5"]


def test_mobidata_alert_without_times_is_always_active() -> None:
    feed = real("oekostadt-renningen-mobidatabw_2.3_2025")
    (alert,) = feed.alerts
    assert alert.alert_id == "ORE:Alert:mobidatabw_1" and alert.type == "other"
    assert alert.summary == "Keine Echtzeitdaten"
    assert alert.description.startswith("Keine Echtzeitdaten zum Buchungsstatus")
    assert alert.windows == () and not alert.times_unreadable
    assert alert.is_active(at("2025-10-21T04:00:00Z")) and alert.is_active(at("2030-01-01T00:00Z"))
    assert system_wide_alerts(feed.alerts) == feed.alerts
    assert (alert.starts_at, alert.ends_at) == (None, None)


def test_divvy_publishes_an_empty_alert_list() -> None:
    feed = real("divvy-chicago-lyft_2.3_2025")
    assert (feed.alerts, feed.rejected, feed.meta.ttl) == ((), 0, 60)


V3 = {
    "last_updated": "2023-07-17T13:34:13+02:00",
    "ttl": 60,
    "version": "3.0",
    "data": {
        "alerts": [
            {
                "alert_id": "21",
                "type": "station_closure",
                "station_ids": ["123", "456", 789, "123"],
                "times": [
                    {"start": "2023-07-17T13:34:13+02:00", "end": "2023-07-18T13:34:13+02:00"},
                    {"start": "2023-07-20T00:00:00Z"},
                ],
                "url": [
                    {"text": "https://example.com/more-info", "language": "en"},
                    {"text": "https://example.com/plus", "language": "fr"},
                ],
                "summary": [
                    {"text": "Disruption of Service", "language": "en"},
                    {"text": "Perturbation", "language": "fr"},
                ],
                "description": [{"text": "Road work", "language": "en"}],
                "last_updated": "2023-07-17T13:34:13+02:00",
            },
            {"alert_id": "r", "type": "other", "region_ids": ["north"], "summary": "North"},
            {"alert_id": "bad-times", "summary": "x", "times": [{"start": "soon"}, 5]},
            {"alert_id": "no-start", "summary": "y", "times": [{"end": 1689600000}]},
            {"alert_id": "no-text", "type": "other"},
            {"summary": "no id"},
            "junk",
        ]
    },
}


def test_v3_localized_alerts_scope_and_windows() -> None:
    feed = parse_system_alerts(V3, "u", "fr")
    assert [a.alert_id for a in feed.alerts] == ["21", "r", "bad-times", "no-start"]
    assert feed.rejected == 3
    closure = feed.alerts[0]
    assert (closure.summary, closure.description) == ("Perturbation", "Road work")
    assert closure.url == "https://example.com/plus"
    assert closure.station_ids == ("123", "456", "789")
    assert parse_system_alerts(V3, "u", "en").alerts[0].summary == "Disruption of Service"
    assert not closure.is_active(at("2023-07-17T11:00:00Z"))
    assert closure.is_active(at("2023-07-17T11:34:13Z"))  # start inclusive
    assert not closure.is_active(at("2023-07-19T00:00:00Z"))  # between windows
    assert closure.is_active(at("2031-01-01T00:00:00Z"))  # open-ended second window
    assert closure.ends_at is None
    region = feed.alerts[1]
    assert [a.alert_id for a in alerts_for_station(feed.alerts, "456")] == ["21"]
    assert alerts_for_station(feed.alerts, "456", region_id="north") == (closure, region)
    assert alerts_for_station(feed.alerts, "999") == ()
    assert system_wide_alerts(feed.alerts) == feed.alerts[2:]
    assert alerts_by_station(feed.alerts) == {"123": ("21",), "456": ("21",), "789": ("21",)}
    unreadable = feed.alerts[2]
    assert unreadable.times_unreadable and unreadable.windows == ()
    assert unreadable.is_active(at("2025-01-01T00:00:00Z"))  # published: shown
    no_start = feed.alerts[3]
    assert no_start.is_active(at("2023-07-17T00:00:00Z"))
    assert not no_start.is_active(at("2023-07-17T13:20:00Z"))


def test_unsafe_urls_are_dropped() -> None:
    alerts = [
        {"alert_id": "a", "summary": "s", "url": "javascript:alert(1)"},
        {"alert_id": "b", "summary": "s", "url": "https://x.test/\x1b[31m"},
        {"alert_id": "c", "summary": "s", "url": " https://x.test/ok "},
    ]
    feed = parse_system_alerts({"data": {"alerts": alerts}}, "u")
    assert [a.url for a in feed.alerts] == [None, None, "https://x.test/ok"]


def test_broken_documents_raise() -> None:
    for doc in ([], {"data": []}, {"data": {"alerts": {}}}, {"data": {}}):
        with pytest.raises(FeedFormatError) as raised:
            parse_system_alerts(doc, "u")
        assert raised.value.feed == "system_alerts"
    with pytest.raises(FeedFormatError, match="HTML"):
        decode_system_alerts(b"<html>", "u")


alert_record = record(
    {"alert_id": ids, "summary": st.text(max_size=10) | localized},
    {
        "type": st.sampled_from(["system_closure", "OTHER", "x y"]) | hostile,
        "times": st.lists(
            record(
                {"start": st.integers(0, 2**40) | st.sampled_from(HOSTILE_STRINGS)},
                {"end": st.integers(0, 2**40) | hostile},
            ),
            max_size=3,
        )
        | hostile,
        "station_ids": st.lists(ids, max_size=3) | hostile,
        "region_ids": st.lists(ids, max_size=3) | hostile,
        "url": hostile,
        "description": hostile,
        "last_updated": hostile,
    },
)
alerts_doc = document(record({"alerts": st.lists(mostly(alert_record), max_size=5)}, {}))


@scaled(1)
@given(alerts_doc, languages, st.integers(0, 2**33))
def test_hostile_alert_documents(doc: Any, language: Any, seconds: int) -> None:
    try:
        feed = parse_system_alerts(doc, "u", language)
    except FeedFormatError:
        return
    moment = datetime.fromtimestamp(seconds, UTC)
    for alert in active_alerts(feed.alerts, moment):
        assert alert.summary or alert.description
        assert all(isinstance(s, str) and s for s in alert.station_ids)
        assert alert.url is None or alert.url.startswith(("http://", "https://"))
        alerts_for_station(feed.alerts, "A", "B")
    assert len(feed.alerts) + feed.rejected == len(doc["data"]["alerts"])


@scaled(2)
@given(json_values)
def test_arbitrary_json_raises_only_feed_format_error(value: Any) -> None:
    try:
        parse_system_alerts(value, "u")
        decode_system_alerts(json.dumps(value).encode(), "u")
    except FeedFormatError:
        pass
