"""Trends: a bounded history of distinct observations, and the sparkline/arrow per mode."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bikefinder.feeds.models import Station, StationInfo, StationStatus
from bikefinder.rider.modes import Mode
from bikefinder.rider.trends import Direction, Trend, TrendHistory, trend_of

T0 = datetime(2025, 10, 18, 9, 0, tzinfo=UTC)
SYSTEM = "https://bikes.test/gbfs.json"


def station(bikes: int | None, docks: int | None = 10, minute: int = 0,
            electric: int | None = 0, station_id: str = "s1") -> Station:  # fmt: skip
    status = StationStatus(station_id, bikes, None, electric, docks,
                           last_reported=T0 + timedelta(minutes=minute))  # fmt: skip
    return Station(StationInfo(station_id, "A", 0.0, 0.0), status)


def test_needs_two_values_before_showing_a_trend() -> None:
    history = TrendHistory()
    assert history.trend("s1", Mode.ANY_BIKE) is None
    history.record(SYSTEM, [station(3)])
    assert history.trend("s1", Mode.ANY_BIKE) is None
    history.record(SYSTEM, [station(5, minute=1)])
    trend = history.trend("s1", Mode.ANY_BIKE)
    assert trend == Trend(values=(3, 5), direction=Direction.UP, change=2)


def test_the_same_observation_twice_is_recorded_once() -> None:
    history = TrendHistory()
    same = [station(3)]
    history.record(SYSTEM, same)
    history.record(SYSTEM, same)  # a 304 (or the app feeding the same data twice)
    history.record(SYSTEM, [station(3)])  # an equal report: no new information
    assert len(history.observations("s1")) == 1
    history.record(SYSTEM, [station(3, minute=1)])  # reported again, same count: a flat point
    assert history.trend("s1", Mode.ANY_BIKE) == Trend((3, 3), Direction.FLAT, 0)


def test_history_is_bounded_and_window_is_the_newest_values() -> None:
    history = TrendHistory(length=8)
    for minute, bikes in enumerate([9, 8, 7, 6, 5, 4, 3, 2, 1, 0]):
        history.record(SYSTEM, [station(bikes, minute=minute)])
    assert len(history.observations("s1")) == 8
    trend = history.trend("s1", Mode.ANY_BIKE)
    assert trend is not None and trend.values == (4, 3, 2, 1, 0)
    assert trend.direction is Direction.DOWN and trend.change == -4
    with pytest.raises(ValueError):
        TrendHistory(length=1)


def test_dock_mode_follows_docks_and_ebike_mode_e_bikes() -> None:
    history = TrendHistory()
    history.record(SYSTEM, [station(2, docks=10, electric=0)])
    history.record(SYSTEM, [station(5, docks=7, electric=1, minute=1)])
    assert history.trend("s1", Mode.ANY_BIKE).direction is Direction.UP  # type: ignore[union-attr]
    assert history.trend("s1", Mode.DOCK).direction is Direction.DOWN  # type: ignore[union-attr]
    assert history.trend("s1", Mode.EBIKE).values == (0, 1)  # type: ignore[union-attr]


def test_unknown_counts_and_missing_status_are_skipped() -> None:
    history = TrendHistory()
    history.record(SYSTEM, [station(None, minute=0), Station(StationInfo("s2", "B", 0, 0), None)])
    history.record(SYSTEM, [station(4, minute=1)])
    assert history.trend("s1", Mode.ANY_BIKE) is None  # one known value only
    assert history.observations("s2") == ()
    assert trend_of([(1, 0, 3, None), (None, 0, 2, None), (2, 0, 1, None)], Mode.ANY_BIKE) == Trend(
        (1, 2), Direction.UP, 1
    )


def test_sparkline_scales_from_zero_to_the_window_maximum() -> None:
    assert Trend((0, 4, 8), Direction.UP, 8).sparkline == "▁▅█"
    assert Trend((8, 8), Direction.FLAT, 0).sparkline == "██"
    assert Trend((0, 0, 0), Direction.FLAT, 0).sparkline == "▁▁▁"
    assert Trend((10, 9), Direction.DOWN, -1).sparkline == "█▇"


def test_stations_are_tracked_separately() -> None:
    history = TrendHistory()
    history.record(SYSTEM, [station(1, station_id="a"), station(9, station_id="b")])
    history.record(
        SYSTEM, [station(2, minute=1, station_id="a"), station(3, minute=1, station_id="b")]
    )
    assert history.trend("a", Mode.ANY_BIKE).direction is Direction.UP  # type: ignore[union-attr]
    assert history.trend("b", Mode.ANY_BIKE).direction is Direction.DOWN  # type: ignore[union-attr]
    assert len(history) == 2


def test_another_system_starts_a_fresh_history() -> None:
    history = TrendHistory()
    history.record(SYSTEM, [station(1)])
    history.record(SYSTEM, [station(2, minute=1)])
    history.record("https://other.test/gbfs.json", [station(7, minute=2)])
    assert history.observations("s1") == ((7, 0, 10, T0 + timedelta(minutes=2)),)
    assert history.trend("s1", Mode.ANY_BIKE) is None


def test_history_forgets_stations_that_left_the_feed() -> None:
    """Ids that rotate (free-floating feeds, rebuilt systems) must not grow the history."""
    from tests.test_modes import station as make_station

    history = TrendHistory()
    for round_ in range(50):
        stations = [make_station(f"r{round_}-{i}", 100 + i, f"S{i}", bikes=i) for i in range(20)]
        history.record("https://x.test/gbfs.json", stations)
    assert len(history) == 20
    assert all(history.observations(f"r49-{i}") for i in range(20))
    assert history.observations("r0-1") == ()


def test_arrow_follows_the_last_move_like_the_change_mark() -> None:
    """Net up over the window, but the last refresh took bikes away: the arrow says ↘,
    as the row's "3↓" does, and the net change is still kept."""
    observations = [(1, 0, 9, None), (4, 0, 6, None), (5, 0, 5, None), (3, 0, 7, None)]
    trend = trend_of(observations, Mode.ANY_BIKE)
    assert trend is not None
    assert trend.direction is Direction.DOWN
    assert trend.change == 2


def test_sparkline_is_scaled_to_the_capacity() -> None:
    """3 to 5 bikes at a 30-place station are low blocks, not full ones."""
    observations = [(3, 0, 27, None), (5, 0, 25, None), (4, 0, 26, None)]
    trend = trend_of(observations, Mode.ANY_BIKE, capacity=30)
    assert trend is not None
    assert trend.sparkline == "▂▂▂"
    assert "█" not in trend.sparkline
    unscaled = trend_of(observations, Mode.ANY_BIKE)
    assert unscaled is not None and unscaled.sparkline == "▅█▇"
    # more bikes than the stated capacity: the largest value is the top
    assert Trend((10, 40), Direction.UP, 30, scale=30).sparkline == "▃█"
