"""Haversine ranking agrees with geopy and is deterministic."""

from __future__ import annotations

import random

import pytest
from geopy.distance import great_circle

from bikefinder.common.geo import compass_point, haversine_m
from bikefinder.feeds.models import Station, StationInfo
from bikefinder.rider.ranking import StationIndex


def make_stations(points: list[tuple[float, float]]) -> list[Station]:
    return [
        Station(StationInfo(station_id=str(i), name=f"S{i}", lat=lat, lon=lon), None)
        for i, (lat, lon) in enumerate(points)
    ]


def test_distances_agree_with_geopy_great_circle_within_0_1_percent() -> None:
    rng = random.Random(7)
    points = [(rng.uniform(-89, 89), rng.uniform(-180, 180)) for _ in range(2000)]
    index = StationIndex(make_stations(points))
    origin = (48.85, 2.35)
    for ranked in index.nearest(*origin):
        expected = great_circle(origin, (ranked.station.info.lat, ranked.station.info.lon)).m
        assert ranked.distance_m == pytest.approx(expected, rel=1e-3, abs=0.01)
        assert haversine_m(*origin, ranked.station.info.lat, ranked.station.info.lon) == (
            pytest.approx(ranked.distance_m, rel=1e-9, abs=1e-6)
        )


def test_top_n_is_the_n_nearest_in_order() -> None:
    rng = random.Random(1)
    points = [(48.85 + rng.uniform(-0.1, 0.1), 2.35 + rng.uniform(-0.1, 0.1)) for _ in range(5000)]
    index = StationIndex(make_stations(points))
    full = index.nearest(48.85, 2.35)
    top = index.nearest(48.85, 2.35, 20)
    assert [r.station.station_id for r in top] == [r.station.station_id for r in full[:20]]
    assert [r.distance_m for r in full] == sorted(r.distance_m for r in full)


def test_ties_are_broken_by_feed_order() -> None:
    points = [(0.0, 1.0), (1.0, 0.0), (0.0, -1.0), (-1.0, 0.0), (0.0, 2.0)]
    index = StationIndex(make_stations(points))
    assert [r.station.station_id for r in index.nearest(0.0, 0.0, 2)] == ["0", "1"]
    assert [r.station.station_id for r in index.nearest(0.0, 0.0, 3)] == ["0", "1", "2"]


def test_keep_mask_and_limits() -> None:
    index = StationIndex(make_stations([(0, 0.001 * i) for i in range(10)]))
    keep = [i % 2 == 1 for i in range(10)]
    assert [r.station.station_id for r in index.nearest(0, 0, 3, keep)] == ["1", "3", "5"]
    assert len(index.nearest(0, 0, 100)) == 10
    assert StationIndex([]).nearest(0, 0, 5) == []


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
    (ranked,) = StationIndex(make_stations([target])).nearest(48.85, 2.35)
    assert ranked.bearing == expected


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
    keep = [rng.random() < 0.7 for _ in grid]
    reference = sorted(
        (i for i in range(len(grid)) if keep[i]),
        key=lambda i: (haversine_m(48.85, 2.35, *grid[i]), i),
    )[:25]
    monkeypatch.setattr("bikefinder.rider.ranking.NUMPY_THRESHOLD", threshold)
    index = StationIndex(make_stations(grid))
    ranked = index.nearest(48.85, 2.35, 25, keep)
    assert [int(r.station.station_id) for r in ranked] == reference
    assert all(isinstance(r.distance_m, float) for r in ranked)


def test_large_feeds_rank_the_same_without_numpy(monkeypatch) -> None:
    """numpy is optional: without it a large feed is ranked in plain Python, identically."""
    import builtins
    import random

    from bikefinder.feeds.models import Station, StationInfo
    from bikefinder.rider.ranking import NUMPY_THRESHOLD, StationIndex, coordinates_for

    rng = random.Random(7)
    stations = [
        Station(StationInfo(str(i), f"S{i}", 48.8 + rng.random() / 5, 2.3 + rng.random() / 5), None)
        for i in range(NUMPY_THRESHOLD + 10)
    ]
    with_numpy = StationIndex(stations)
    real_import = builtins.__import__

    def no_numpy(name: str, *args, **kwargs):
        if name == "numpy":
            raise ImportError("no numpy here")
        return real_import(name, *args, **kwargs)

    lats = [s.info.lat for s in stations]
    lons = [s.info.lon for s in stations]
    assert type(coordinates_for(lats, lons)).__name__ == "_NumpyCoordinates"
    monkeypatch.setattr(builtins, "__import__", no_numpy)
    plain = StationIndex(stations)
    assert type(coordinates_for(lats, lons)).__name__ == "_PythonCoordinates"
    ours = [r.station.station_id for r in plain.nearest(48.9, 2.4, 50)]
    assert ours == [r.station.station_id for r in with_numpy.nearest(48.9, 2.4, 50)]
    assert list(plain.order(48.9, 2.4)[0]) == list(with_numpy.order(48.9, 2.4)[0])


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
        "n = 30_000\n"
        "coords = coordinates_for([48.8 + i * 1e-6 for i in range(n)], [2.3] * n)\n"
        "coords.nearest(0.85, 0.04, 20, None)\n"
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
