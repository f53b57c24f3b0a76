"""``-0.0`` in a feed is zero: never printed as ``~-0 m``, on either decoding path."""

from __future__ import annotations

import json

import pytest

from bikefinder.feeds import vehicle_feeds, vehicles
from bikefinder.feeds.values import as_float


@pytest.mark.parametrize("value", [-0.0, "-0.0", "-0"])
def test_as_float_has_no_negative_zero(value: object) -> None:
    number = as_float(value)
    assert number == 0.0 and str(number) == "0.0"


@pytest.mark.parametrize("typed", [True, False], ids=["typed", "lenient"])
def test_a_range_of_minus_zero_reads_zero_metres(typed: bool) -> None:
    record = {"bike_id": "b1", "lat": 48.0, "lon": 2.0, "current_range_meters": -0.0}
    if not typed:
        record["is_reserved"] = "maybe"  # does not fit the typed shape: the lenient path
    body = json.dumps({"last_updated": 1_700_000_000, "ttl": 0, "data": {"bikes": [record]}})
    feed = vehicle_feeds.decode_vehicle_status(body.encode(), "u", None, "free_bike_status")
    (vehicle,) = feed.vehicles
    assert vehicles.range_text(vehicle) == "~0 m"
