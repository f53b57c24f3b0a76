"""A system's first observations are made into its trend history only when needed: a
printed answer (one load, no trend possible) never pays for it."""

from __future__ import annotations

from unittest import mock

import msgspec

from bikefinder.rider import trends
from bikefinder.rider.modes import Mode
from bikefinder.rider.trends import TrendHistory
from tests.test_trends import station


def test_one_load_builds_no_history_and_shows_no_trend() -> None:
    history = TrendHistory()
    with mock.patch.object(trends, "observation_of", side_effect=AssertionError):
        history.record("sys", [station(3)])
        assert history  # asked before each row's trend
        assert history.trend("s1", Mode.ANY_BIKE) is None
    assert not TrendHistory()


def test_the_first_observations_count_once_read_or_followed() -> None:
    history = TrendHistory()
    no_status = station(3, station_id="s2")
    history.record("sys", (station(3), msgspec.structs.replace(no_status, status=None)))
    assert len(history.observations("s1")) == 1
    assert history.observations("s2") == ()
    assert len(history) == 1
    history.record("sys", (station(5),))
    assert history.trend("s1", Mode.ANY_BIKE) is not None


def test_a_generator_of_stations_is_kept_whole() -> None:
    history = TrendHistory()
    history.record("sys", (s for s in [station(3)]))
    history.record("sys", (s for s in [station(4)]))
    trend = history.trend("s1", Mode.ANY_BIKE)
    assert trend is not None and trend.change == 1
