"""``Retry-After`` values no clock can hold: a one-line error (or a degraded optional
feed), never an ``OverflowError`` from the date parser."""

from __future__ import annotations

from typing import Any

import pytest
from test_feed_faults import assert_fails, assert_succeeds, feed_docs, once, serve

from bikefinder.feeds.http import MAX_RETRY_AFTER_S, retry_after_s

HUGE_DATES = [
    "Mon, 01 Jan 99999999999999999999 00:00:00 GMT",
    "Mon, 01 Jan 10000 00:00:00 GMT",
    "Mon, 99 Jan 2030 00:00:00 GMT",
    "Mon, 01 Jan 2030 99:99:99 +9999",
]


@pytest.mark.parametrize("value", [*HUGE_DATES, "1e400", "inf", "nan", "-inf", "9" * 5000])
def test_unusable_retry_after_values_are_unknown_or_long(value: str) -> None:
    delay = retry_after_s(value)
    # Unknown (None) or too long to wait for: never a wait, never an exception.
    assert delay is None or delay > MAX_RETRY_AFTER_S


@pytest.mark.parametrize("value", HUGE_DATES[:1])
def test_a_required_feed_rate_limited_with_a_huge_date_fails_in_one_line(
    feed_server: Any, run_main: Any, value: str
) -> None:
    docs = feed_docs()
    limited = feed_server.rate_limits(value, docs["station_status"], times=9)
    result = once(run_main, serve(feed_server, station_status=limited))
    assert_fails(result, "station_status", "HTTP 429")


def test_an_optional_feed_rate_limited_with_a_huge_date_only_degrades(
    feed_server: Any, run_main: Any
) -> None:
    limited = feed_server.rate_limits(HUGE_DATES[0], {"data": {"alerts": []}}, times=9)
    output = assert_succeeds(once(run_main, serve(feed_server, system_alerts=limited)))
    assert len(output["stations"]) == 3
