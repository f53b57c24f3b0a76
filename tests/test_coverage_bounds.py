"""The learned box is found by bisection in the sorted coordinates: it must be exactly the
box of a filter over every coordinate, edges of the reach included."""

from __future__ import annotations

import random

from bikefinder.systems import coverage


def filtered_box(points: list[tuple[float, float]]) -> tuple[object, ...]:
    lats, lons = sorted(lat for lat, _ in points), sorted(lon for _, lon in points)
    trim = int(len(points) * coverage.COVERAGE_TRIM) if len(points) >= 20 else 0
    lats, lons = lats[trim : len(points) - trim], lons[trim : len(points) - trim]
    centre = (lats[len(lats) // 2], lons[len(lons) // 2])
    lat_reach, lon_reach = coverage._reach_degrees(centre[0])
    lats = [lat for lat in lats if abs(lat - centre[0]) <= lat_reach]
    lons = [lon for lon in lons if abs(lon - centre[1]) <= lon_reach]
    return lats[0], lons[0], lats[-1], lons[-1], centre


def test_the_box_is_the_filtered_one() -> None:
    rng = random.Random(3)
    lat_reach, lon_reach = coverage._reach_degrees(48.0)
    edges = [(48.0, 2.0)] * 5 + [
        (48.0 + lat_reach, 2.0 + lon_reach),
        (48.0 - lat_reach, 2.0 - lon_reach),
        (48.0 + lat_reach * (1 + 1e-15), 2.0 - lon_reach * (1 + 1e-15)),
    ]
    cases = [edges]
    for count in [*range(1, 45), 500]:
        for spread in (0.01, 0.45, 5.0, 90.0):
            cases.append(
                [
                    (48 + rng.uniform(-spread, spread), 2 + rng.uniform(-spread, spread))
                    for _ in range(count)
                ]
            )
    for points in cases:
        found = coverage.coverage_from_points("u", "n", points)
        assert found is not None
        box = (found.min_lat, found.min_lon, found.max_lat, found.max_lon, found.centre)
        assert box == filtered_box(points)
