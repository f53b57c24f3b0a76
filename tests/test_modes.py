"""Usefulness per mode (modes), ranking per mode (mode_rows), refresh cadence (refresh),
staleness and ages (staleness), changes between refreshes (changes)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bikefinder.common.text import fold
from bikefinder.feeds.models import FeedMeta, Station, StationInfo, StationStatus, SystemInfo
from bikefinder.feeds.snapshot import Snapshot
from bikefinder.rider.changes import count_changes
from bikefinder.rider.modes import (
    Mode,
    StationState,
    blocks,
    station_state,
    useless_reason,
)
from bikefinder.rider.refresh import (
    MAX_REFRESH_S,
    MIN_REFRESH_S,
    refresh_interval_s,
    retry_delay_s,
)
from bikefinder.rider.rows import SceneSystem
from bikefinder.rider.scene import Query, Scene
from bikefinder.rider.staleness import (
    data_age_s,
    format_age,
    is_report_stale,
    report_age_s,
    stale_after_s,
)

T0 = datetime(2025, 10, 18, 9, 0, tzinfo=UTC)
NEAR = (48.8566, 2.3522)


def status(
    station_id: str = "s",
    bikes: int | None = 3,
    mechanical: int | None = 2,
    electric: int | None = 1,
    docks: int | None = 5,
    *,
    installed: bool | None = True,
    renting: bool | None = True,
    returning: bool | None = True,
    reported: datetime | None = T0,
) -> StationStatus:
    return StationStatus(
        station_id=station_id,
        bikes=bikes,
        mechanical=mechanical,
        electric=electric,
        docks=docks,
        is_installed=installed,
        is_renting=renting,
        is_returning=returning,
        last_reported=reported,
    )


def station(station_id: str, north_m: float, name: str = "", **fields: object) -> Station:
    """A station ``north_m`` metres north of NEAR, with a status built from ``fields``."""
    info = StationInfo(
        station_id=station_id,
        name=name or f"Station {station_id}",
        lat=NEAR[0] + north_m / 111_195.0,
        lon=NEAR[1],
    )
    if fields.pop("no_status", False):
        return Station(info=info, status=None)
    return Station(info=info, status=status(station_id, **fields))  # type: ignore[arg-type]


def snapshot(stations: list[Station], last_updated: datetime | None = T0) -> Snapshot:
    meta = FeedMeta("station_status", "https://x.test/s.json", "2.3", last_updated, 60)
    return Snapshot(
        gbfs_url="https://x.test/gbfs.json",
        system=SystemInfo(system_id="x", name="X"),
        stations=tuple(stations),
        info_meta=meta,
        status_meta=meta,
        fetched_at=T0 + timedelta(seconds=30),
    )


def test_mode_cycles_through_all_three() -> None:
    assert Mode.ANY_BIKE.next() is Mode.EBIKE
    assert Mode.EBIKE.next() is Mode.DOCK
    assert Mode.DOCK.next() is Mode.ANY_BIKE
    assert [m.wanted for m in Mode] == ["bikes", "e-bikes", "free docks"]


@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        ({}, StationState.OK),
        ({"installed": False}, StationState.NOT_INSTALLED),
        ({"installed": False, "renting": False, "returning": False}, StationState.NOT_INSTALLED),
        ({"renting": False, "returning": False}, StationState.CLOSED),
        ({"renting": False}, StationState.NOT_RENTING),
        ({"returning": False}, StationState.NOT_RETURNING),
        ({"installed": None, "renting": None, "returning": None}, StationState.OK),
    ],
)
def test_station_state(flags: dict[str, bool | None], expected: StationState) -> None:
    assert station_state(status(**flags)) is expected  # type: ignore[arg-type]


def test_no_status_is_its_own_state() -> None:
    assert station_state(None) is StationState.NO_STATUS
    assert useless_reason(station("a", 0, no_status=True), Mode.DOCK) == "no status"


@pytest.mark.parametrize(
    ("fields", "mode", "reason"),
    [
        ({}, Mode.ANY_BIKE, None),
        ({}, Mode.EBIKE, None),
        ({}, Mode.DOCK, None),
        ({"bikes": 0, "mechanical": 0, "electric": 0}, Mode.ANY_BIKE, "no bikes"),
        ({"bikes": 0, "mechanical": 0, "electric": 0}, Mode.DOCK, None),
        ({"electric": 0}, Mode.EBIKE, "no e-bikes"),
        ({"electric": 0}, Mode.ANY_BIKE, None),
        ({"electric": None}, Mode.EBIKE, "e-bikes unknown"),
        ({"docks": 0}, Mode.DOCK, "full"),
        ({"docks": 0}, Mode.ANY_BIKE, None),
        ({"docks": None}, Mode.DOCK, "docks unknown"),
        ({"bikes": None}, Mode.ANY_BIKE, "bikes unknown"),
        # Not returning: useless for a dock, fine for a bike; not renting: the reverse.
        ({"returning": False}, Mode.DOCK, "not returning"),
        ({"returning": False}, Mode.ANY_BIKE, None),
        ({"renting": False}, Mode.ANY_BIKE, "not renting"),
        ({"renting": False}, Mode.EBIKE, "not renting"),
        ({"renting": False}, Mode.DOCK, None),
        ({"renting": False, "returning": False}, Mode.DOCK, "closed"),
        ({"installed": False}, Mode.ANY_BIKE, "not installed"),
    ],
)
def test_useless_reason(fields: dict[str, object], mode: Mode, reason: str | None) -> None:
    assert useless_reason(station("a", 0, **fields), mode) == reason


def listed(
    stations: list[Station], mode: Mode, limit: int, name_query: str = ""
) -> list[tuple[str, int | None, str | None]]:
    """(id, rank, reason) of each row the scene of ``stations`` lists around NEAR."""
    scene = Scene.build([(SceneSystem("t", "Test", "https://t.test/gbfs.json"),
                          snapshot(stations), None)])  # fmt: skip
    rows = scene.rows(Query(NEAR, mode, limit=limit, name_query=name_query), now=T0)
    return [(row.key.item_id, row.rank, row.reason) for row in rows]


def test_a_mode_ranks_only_options_and_keeps_the_nearby_rows_that_are_none() -> None:
    stations = [
        station("far", 900),
        station("full", 100, docks=0),
        station("near", 200),
        station("closed", 300, renting=False, returning=False),
        station("mid", 400),
    ]
    assert listed(stations, Mode.DOCK, limit=3) == [
        ("full", None, "full"),
        ("near", 1, None),
        ("closed", None, "closed"),
        ("mid", 2, None),
        ("far", 3, None),
    ]
    # In bike mode the full station is an option, the first one.
    assert [(i, rank) for i, rank, _ in listed(stations, Mode.ANY_BIKE, limit=3)] == [
        ("full", 1),
        ("near", 2),
        ("closed", None),
        ("mid", 3),
    ]


def test_a_list_is_bounded_when_nothing_is_an_option() -> None:
    stations = [station(str(i), 100 * i, docks=0) for i in range(50)]
    rows = listed(stations, Mode.DOCK, limit=5)
    assert [i for i, _, _ in rows] == ["0", "1", "2", "3", "4"]
    assert all(rank is None and reason == "full" for _, rank, reason in rows)


def test_a_filter_keeps_ranks_dense_and_empty_lists_are_empty() -> None:
    stations = [station("a", 100, name="Alpha"), station("b", 200, name="Bravo"),
                station("c", 300, name="Charlie")]  # fmt: skip
    assert listed(stations, Mode.ANY_BIKE, 10, name_query="a") == [
        ("a", 1, None), ("b", 2, None), ("c", 3, None)
    ]  # fmt: skip
    assert listed(stations, Mode.ANY_BIKE, 10, name_query="ha") == [("a", 1, None), ("c", 2, None)]
    assert listed(stations, Mode.ANY_BIKE, 0) == []
    assert listed([], Mode.ANY_BIKE, 5) == []
    assert listed(stations, Mode.ANY_BIKE, 5, name_query="zulu") == []


def test_name_filter_is_accent_and_case_blind_and_matches_every_word() -> None:
    stations = [station("1", 100, name="Hôtel de Ville"),
                station("2", 200, name="Place de l'HOTEL de ville"),
                station("3", 300, name="Rivoli")]  # fmt: skip

    def matches(query: str) -> list[str]:
        return [i for i, _, _ in listed(stations, Mode.ANY_BIKE, 10, name_query=query)]

    assert matches("hotel") == ["1", "2"]
    assert matches("ville hôtel") == ["1", "2"]
    assert matches("RIV") == ["3"]
    assert matches("") == ["1", "2", "3"]
    assert fold("Émile ÇA") == "emile ca"


@pytest.mark.parametrize(
    ("ttl", "override", "expected"),
    [
        (None, None, MAX_REFRESH_S),
        (0, None, MIN_REFRESH_S),  # GBFS ttl 0: changes constantly, fastest rate
        (1, None, MIN_REFRESH_S),
        (30, None, 30.0),
        (3600, None, MAX_REFRESH_S),
        (3600, 2.0, 2.0),
        (10, 120.0, 120.0),
    ],
)
def test_refresh_interval(ttl: int | None, override: float | None, expected: float) -> None:
    assert refresh_interval_s(ttl, override) == expected


def test_retry_backoff_grows_and_is_capped() -> None:
    delays = [retry_delay_s(n) for n in range(1, 9)]
    assert delays[:4] == [5.0, 10.0, 20.0, 40.0]
    assert delays == sorted(delays)
    assert max(delays) == 120.0


def test_retry_backoff_after_days_offline_stays_capped() -> None:
    """One retry per 2 minutes for two days is ~1,440 failures: 2.0 ** 1440 would overflow."""
    assert retry_delay_s(1_440) == retry_delay_s(10**9) == 120.0


def test_data_age_and_staleness() -> None:
    snap = snapshot([station("a", 0)])
    assert data_age_s(snap, T0 + timedelta(seconds=8)) == 8.0
    assert data_age_s(snap, T0 - timedelta(seconds=8)) == 0.0  # clock skew: never negative
    no_time = snapshot([station("a", 0)], last_updated=None)
    assert data_age_s(no_time, T0 + timedelta(seconds=40)) == 10.0  # falls back to fetched_at
    assert stale_after_s(30) == 300.0
    assert stale_after_s(600) == 1800.0


def test_report_age_is_measured_against_the_feed_time() -> None:
    old = station("old", 0, reported=T0 - timedelta(hours=3))
    fresh = station("fresh", 0, reported=T0 - timedelta(minutes=30))
    unknown = station("unknown", 0, reported=None)
    snap = snapshot([old, fresh, unknown])
    assert report_age_s(old, snap) == 3 * 3600
    assert is_report_stale(report_age_s(old, snap))
    assert not is_report_stale(report_age_s(fresh, snap))
    assert report_age_s(unknown, snap) is None
    assert not is_report_stale(None)


def test_count_changes_only_reports_known_differences() -> None:
    before = status(bikes=3, mechanical=2, electric=1, docks=5)
    after = status(bikes=5, mechanical=2, electric=3, docks=None)
    assert count_changes(before, after) == {"bikes": 2, "electric": 2}
    assert count_changes(after, before) == {"bikes": -2, "electric": -2}
    assert count_changes(None, after) == {}
    assert count_changes(before, before) == {}


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0, "0 s"), (8.4, "8 s"), (59, "59 s"), (60, "1 min"), (3599, "59 min"), (7200, "2 h"),
     (86400 * 3, "3 d"), (float("nan"), "?"), (-1, "?")],
)  # fmt: skip
def test_format_age(seconds: float, text: str) -> None:
    assert format_age(seconds) == text


@pytest.mark.parametrize(
    ("state", "blocked_modes"),
    [
        (StationState.NO_STATUS, set(Mode)),
        (StationState.NOT_INSTALLED, set(Mode)),
        (StationState.CLOSED, set(Mode)),
        (StationState.NOT_RENTING, {Mode.ANY_BIKE, Mode.EBIKE}),
        (StationState.NOT_RETURNING, {Mode.DOCK}),
        (StationState.OK, set()),
    ],
)
def test_blocks_is_the_rule_listing_and_watches_share(
    state: StationState, blocked_modes: set[Mode]
) -> None:
    assert {mode for mode in Mode if blocks(state, mode)} == blocked_modes
