"""Haversine ranking as the lists rank (a system's index, its nearest-first stream)
agrees with geopy and is deterministic."""

from __future__ import annotations

import itertools
import random
from collections.abc import Sequence

import pytest
from geopy.distance import great_circle

from bikefinder.common.geo import compass_point, haversine_m
from bikefinder.feeds.models import FeedMeta, Station, StationInfo, StationStatus, SystemInfo
from bikefinder.feeds.snapshot import Snapshot
from bikefinder.rider.rows import SceneSystem
from bikefinder.rider.scene import Query, Scene
from bikefinder.rider.system_index import SystemIndex, stream

SYSTEM = SceneSystem("x", "X", "https://x.test/gbfs.json")
META = FeedMeta("station_status", "https://x.test/s.json", "2.3", None, 60)


def make_stations(points: list[tuple[float, float]]) -> list[Station]:
    return [
        Station(StationInfo(station_id=str(i), name=f"S{i}", lat=lat, lon=lon), None)
        for i, (lat, lon) in enumerate(points)
    ]


def snapshot_of(stations: Sequence[Station]) -> Snapshot:
    return Snapshot(
        gbfs_url=SYSTEM.gbfs_url,
        system=SystemInfo("x", "X"),
        stations=tuple(stations),
        info_meta=META,
        status_meta=META,
    )


def index_of(stations: Sequence[Station]) -> SystemIndex:
    return SystemIndex(SYSTEM, snapshot_of(stations))


def nearest(
    index: SystemIndex,
    lat: float,
    lon: float,
    limit: int | None = None,
    within: list[int] | None = None,
) -> list[tuple[float, Station]]:
    """The ``limit`` nearest stations (all if ``None``; only positions ``within`` if
    given) with their distances, nearest first, as a scene's list takes them."""
    distances = index.distances_uncached(0, False, (lat, lon))
    ranked = stream(distances, 0, 0, within)
    return [
        (distance, index.snapshot.stations[position])
        for distance, _number, _source, position in itertools.islice(ranked, limit)
    ]


def ids(ranked: list[tuple[float, Station]]) -> list[str]:
    return [station.station_id for _distance, station in ranked]


def test_distances_agree_with_geopy_great_circle_within_0_1_percent() -> None:
    rng = random.Random(7)
    points = [(rng.uniform(-89, 89), rng.uniform(-180, 180)) for _ in range(2000)]
    index = index_of(make_stations(points))
    origin = (48.85, 2.35)
    ranked = nearest(index, *origin)
    assert len(ranked) == len(points)
    for distance, station in ranked:
        expected = great_circle(origin, (station.info.lat, station.info.lon)).m
        assert distance == pytest.approx(expected, rel=1e-3, abs=0.01)
        assert haversine_m(*origin, station.info.lat, station.info.lon) == (
            pytest.approx(distance, rel=1e-9, abs=1e-6)
        )


def test_top_n_is_the_n_nearest_in_order() -> None:
    rng = random.Random(1)
    points = [(48.85 + rng.uniform(-0.1, 0.1), 2.35 + rng.uniform(-0.1, 0.1)) for _ in range(5000)]
    index = index_of(make_stations(points))
    full = nearest(index, 48.85, 2.35)
    top = nearest(index, 48.85, 2.35, 20)
    assert ids(top) == ids(full[:20])
    assert [distance for distance, _ in full] == sorted(distance for distance, _ in full)


def test_ties_are_broken_by_feed_order() -> None:
    points = [(0.0, 1.0), (1.0, 0.0), (0.0, -1.0), (-1.0, 0.0), (0.0, 2.0)]
    index = index_of(make_stations(points))
    assert ids(nearest(index, 0.0, 0.0, 2)) == ["0", "1"]
    assert ids(nearest(index, 0.0, 0.0, 3)) == ["0", "1", "2"]


def test_chosen_positions_and_limits() -> None:
    index = index_of(make_stations([(0, 0.001 * i) for i in range(10)]))
    odd = [i for i in range(10) if i % 2 == 1]
    assert ids(nearest(index, 0, 0, 3, odd)) == ["1", "3", "5"]
    assert nearest(index, 0, 0, 3, []) == []
    assert len(nearest(index, 0, 0, 100)) == 10
    assert nearest(index_of([]), 0, 0, 5) == []


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ((49.0, 2.35), "N"),
        ((49.0, 2.6), "NE"),
        ((48.85, 2.6), "E"),
        ((48.7, 2.6), "SE"),
        ((48.7, 2.35), "S"),
        ((48.7, 2.1), "SW"),
        ((48.85, 2.1), "W"),
        ((49.0, 2.1), "NW"),
    ],
)
def test_bearings(target: tuple[float, float], expected: str) -> None:
    info = StationInfo("0", "S0", *target)
    status = StationStatus("0", 3, 3, 0, 4, is_installed=True, is_renting=True,
                           is_returning=True)  # fmt: skip
    scene = Scene.build([(SYSTEM, snapshot_of([Station(info, status)]), None)])
    (row,) = scene.rows(Query((48.85, 2.35)))
    assert row.bearing == expected


def test_compass_point_wraps() -> None:
    assert (
        compass_point(359.0) == "N" and compass_point(22.4) == "N" and compass_point(22.6) == "NE"
    )
    assert compass_point(-90) == "W"


@pytest.mark.parametrize("threshold", [0, 10**9], ids=["numpy", "python"])
def test_both_backends_rank_identically(threshold: int, monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(3)
    grid = [(48.85 + 0.001 * rng.randint(-20, 20), 2.35 + 0.001 * rng.randint(-20, 20))
            for _ in range(3000)]  # fmt: skip  # many exact ties
    kept = [i for i in range(len(grid)) if rng.random() < 0.7]
    reference = sorted(kept, key=lambda i: (haversine_m(48.85, 2.35, *grid[i]), i))[:25]
    monkeypatch.setattr("bikefinder.rider.ranking.NUMPY_THRESHOLD", threshold)
    index = index_of(make_stations(grid))
    backend = "_NumpyCoordinates" if threshold == 0 else "_PythonCoordinates"
    assert type(index.station_coords).__name__ == backend
    ranked = nearest(index, 48.85, 2.35, 25, kept)
    assert [int(station_id) for station_id in ids(ranked)] == reference
    assert all(isinstance(distance, float) for distance, _ in ranked)
    everything = sorted(range(len(grid)), key=lambda i: (haversine_m(48.85, 2.35, *grid[i]), i))
    assert [int(station_id) for station_id in ids(nearest(index, 48.85, 2.35, 25))] == (
        everything[:25]
    )


def test_large_feeds_rank_the_same_without_numpy(monkeypatch: pytest.MonkeyPatch) -> None:
    """numpy is optional: without it a large feed is ranked in plain Python, identically."""
    import builtins

    from bikefinder.rider.ranking import NUMPY_THRESHOLD

    rng = random.Random(7)
    stations = [
        Station(StationInfo(str(i), f"S{i}", 48.8 + rng.random() / 5, 2.3 + rng.random() / 5), None)
        for i in range(NUMPY_THRESHOLD + 10)
    ]
    with_numpy = index_of(stations)
    assert type(with_numpy.station_coords).__name__ == "_NumpyCoordinates"
    top_with_numpy = ids(nearest(with_numpy, 48.9, 2.4, 50))
    all_with_numpy = ids(nearest(with_numpy, 48.9, 2.4))
    real_import = builtins.__import__

    def no_numpy(name: str, *args: object, **kwargs: object) -> object:
        if name == "numpy":
            raise ImportError("no numpy here")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_numpy)
    plain = index_of(stations)
    assert type(plain.station_coords).__name__ == "_PythonCoordinates"
    assert ids(nearest(plain, 48.9, 2.4, 50)) == top_with_numpy
    assert ids(nearest(plain, 48.9, 2.4)) == all_with_numpy


def _in_a_fresh_process(code: str, **env: str) -> str:
    import os
    import subprocess
    import sys

    environment = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
    done = subprocess.run(
        [sys.executable, "-c", code], env={**environment, **env}, capture_output=True,
        text=True, check=True, timeout=60,
    )  # fmt: skip
    return done.stdout.strip()


def test_a_city_of_tens_of_thousands_is_ranked_without_importing_numpy() -> None:
    """numpy's import costs more than it saves below the threshold (one start-up)."""
    code = (
        "import sys\n"
        "from bikefinder.rider.ranking import coordinates_for\n"
        "from bikefinder.rider.system_index import stream\n"
        "n = 30_000\n"
        "coords = coordinates_for([48.8 + i * 1e-6 for i in range(n)], [2.3] * n)\n"
        "top = list(zip(range(20), stream(coords.distances_m(0.85, 0.04), 0, 0, None)))\n"
        "assert len(top) == 20\n"
        "print('numpy' in sys.modules)\n"
    )
    assert _in_a_fresh_process(code) == "False"


def test_numpy_is_imported_with_one_blas_thread_unless_told_otherwise() -> None:
    pytest.importorskip("numpy")
    code = (
        "import os\n"
        "from bikefinder.rider.ranking import import_numpy\n"
        "import_numpy()\n"
        "print(os.environ.get('OPENBLAS_NUM_THREADS'))\n"
    )
    assert _in_a_fresh_process(code) == "1"
    assert _in_a_fresh_process(code, OPENBLAS_NUM_THREADS="2") == "2"


def test_stations_are_measured_folded_and_matched_once_whatever_the_mode() -> None:
    """A station's distance and name do not depend on the mode: switching to e-bikes
    must not fold 100,000 names or measure every station again (the first key after a
    mode change paid both)."""
    index = index_of(make_stations([(48.85 + i / 1000, 2.35) for i in range(30)]))
    near = (48.85, 2.35)
    assert index.distances(0, True, near) is index.distances(0, False, near)
    assert index.folded_names(0, True) is index.folded_names(0, False)
    ones = index.matching(0, False, ["1"])  # S1, S10 ... S19, S21: not every station
    calls: list[int] = []
    names = index.folded_names(0, False)

    class Counted(list[str]):
        def __getitem__(self, position: int) -> str:  # type: ignore[override]
            calls.append(position)
            return list.__getitem__(self, position)

    index._folded[(0, False)] = Counted(names)
    assert index.matching(0, True, ["1", "2"]) == [p for p in ones if "2" in names[p]]
    assert len(calls) == 2 * len(ones) < len(names)  # narrowed from the other mode's matches
