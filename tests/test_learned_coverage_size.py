"""Learned coverage is city-sized: a system whose stations lie at the ends of the earth
is never chosen for a point far from any of them."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from bikefinder.systems.catalog import Catalog
from bikefinder.systems.coverage import Coverage, coverage_from_points, load_coverages

if TYPE_CHECKING:
    from tests.conftest import FeedServer

#: Two stations at opposite corners of the map: their bounding box is the whole world.
POLES_APART = [(-85.0, -175.0), (85.0, 175.0)]


def two_corner_system(feed_server: FeedServer) -> str:
    """A system named "Far Corners" whose only stations are at ``POLES_APART``."""
    now = int(time.time())
    stations = [
        {"station_id": f"s{i}", "name": f"Corner {i}", "lat": lat, "lon": lon, "capacity": 10}
        for i, (lat, lon) in enumerate(POLES_APART)
    ]
    statuses = [
        {"station_id": f"s{i}", "num_bikes_available": 3, "num_docks_available": 5,
         "is_installed": True, "is_renting": True, "is_returning": True, "last_reported": now}
        for i in range(len(POLES_APART))
    ]  # fmt: skip

    def feed(data: dict[str, Any]) -> dict[str, Any]:
        return {"last_updated": now, "ttl": 60, "version": "2.3", "data": data}

    return feed_server.serve_system(
        "corners",
        {
            "system_information": feed(
                {"system_id": "corners", "name": "Far Corners", "language": "en", "timezone": "UTC"}
            ),
            "station_information": feed({"stations": stations}),
            "station_status": feed({"stations": statuses}),
        },
    )


def test_near_does_not_pick_a_system_whose_stations_are_oceans_away(
    feed_server: FeedServer, run_main, tmp_path: Path
) -> None:
    """Loaded once by URL, the two-corner system is remembered only where its stations
    are: from the middle of the Pacific, ``--near`` alone is a one-line usage error
    naming the nearest known system, and nothing is requested from the system."""
    gbfs_url = two_corner_system(feed_server)
    loaded = run_main("--once", "--near", "85,175", "--system", gbfs_url)
    assert loaded.code == 0, loaded.stderr
    stored = load_coverages(tmp_path / "home" / ".cache" / "bikefinder" / "coverage.json")
    assert [coverage.gbfs_url for coverage in stored] == [gbfs_url]
    requests_before = len(feed_server.requests)

    lost = run_main("--once", "--near=0,-140")
    assert lost.code == 2, lost.stdout
    line = lost.error_line
    assert line.startswith("bikefinder: error: no known bike-share system covers 0.00000,")
    assert "(the nearest known one, Biki, is 3,061 km away)" in line  # Honolulu
    assert len(feed_server.requests) == requests_before

    for point in ("-33.92,18.42", "35.68,139.69"):  # Cape Town, Tokyo
        elsewhere = run_main("--once", "--near", point, "--format", "json")
        if elsewhere.code == 0:
            assert elsewhere.json()["system"]["gbfs_url"] != gbfs_url
    assert len(feed_server.requests) == requests_before

    home = run_main("--once", "--near", "85,175")  # where a station is, it is still found
    assert home.code == 0, home.stderr
    assert "Far Corners" in home.stdout


def test_learned_area_is_clipped_to_the_stations_around_the_centre() -> None:
    """The area is the box of the stations within the city-sized reach of the middle one;
    a spread-out or stray minority does not widen it."""
    url = "https://corners.example/gbfs.json"
    corners = coverage_from_points(url, "Far Corners", POLES_APART)
    assert corners is not None
    assert not corners.contains(0.0, -140.0) and not corners.contains(-33.92, 18.42)
    assert corners.contains(*corners.centre)
    city = [(59.9 + i * 0.001, 10.7 + i * 0.001) for i in range(40)]
    strays = [(-33.9, 18.4), (35.7, 139.7), (0.0, -140.0)]
    oslo = coverage_from_points(url, "Oslo", [*city, *strays])
    assert oslo is not None and oslo.contains(59.92, 10.72)
    assert not any(oslo.contains(*stray) for stray in strays)


def test_a_stored_world_sized_area_is_clipped_when_read(tmp_path: Path) -> None:
    """A ``coverage.json`` that already holds a world-wide box (written by an older
    version, or edited) is clipped around its centre when read, so it covers no ocean."""
    url = "https://corners.example/gbfs.json"
    record = {
        "gbfs_url": url,
        "name": "Far Corners",
        "bbox": [-85.0, -175.0, 85.0, 175.0],
        "centre": [85.0, 175.0],
        "stations": 2,
    }
    (tmp_path / "coverage.json").write_text(json.dumps({"systems": [record]}))
    [coverage] = load_coverages(tmp_path / "coverage.json")
    assert isinstance(coverage, Coverage)
    assert coverage.contains(85.0, 175.0) and not coverage.contains(0.0, -140.0)
    assert Catalog([], [coverage]).covering(0.0, -140.0) == []


def test_the_same_points_again_are_neither_sorted_nor_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bikefinder.systems import coverage as coverage_module

    paris = [(48.85 + i / 1000, 2.35 + i / 1000) for i in range(50)]
    first = coverage_module.remember_coverage(tmp_path, "u", "Paris", paris, bicycles=True)
    assert first is not None and first.fingerprint is not None and first.country == "FR"
    stored = (tmp_path / coverage_module.COVERAGE_FILE).read_bytes()

    def unexpected(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("recomputed or rewritten although nothing changed")

    monkeypatch.setattr(coverage_module, "_coverage", unexpected)
    monkeypatch.setattr(coverage_module, "write_atomic", unexpected)
    assert coverage_module.remember_coverage(tmp_path, "u", "Paris", paris, True) == first
    monkeypatch.undo()
    # Another system since: the unchanged record moves first again, as it was.
    coverage_module.remember_coverage(tmp_path, "v", "Elsewhere", [(40.7, -74.0)])
    monkeypatch.setattr(coverage_module, "_coverage", unexpected)
    assert coverage_module.remember_coverage(tmp_path, "u", "Paris", paris, True) == first
    assert [c.gbfs_url for c in load_coverages(tmp_path / "coverage.json")] == ["u", "v"]
    monkeypatch.undo()
    # A station moved, or the name or bicycles changed: learned again.
    moved = coverage_module.remember_coverage(
        tmp_path, "u", "Paris", [*paris[1:], (48.9, 2.4)], True
    )
    assert moved is not None and moved.fingerprint != first.fingerprint
    renamed = coverage_module.remember_coverage(tmp_path, "u", "Paris 2", paris, True)
    assert renamed is not None and renamed.name == "Paris 2"
    assert stored != (tmp_path / coverage_module.COVERAGE_FILE).read_bytes()


def test_points_in_no_known_country_are_not_learned_again_either(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bikefinder.systems import coverage as coverage_module

    at_sea = [(0.0 + i / 1000, -30.0) for i in range(20)]
    first = coverage_module.remember_coverage(tmp_path, "sea", "Buoys", at_sea)
    assert first is not None and first.country is None and first.fingerprint is not None

    def unexpected(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("recomputed or rewritten although nothing changed")

    monkeypatch.setattr(coverage_module, "_coverage", unexpected)
    monkeypatch.setattr(coverage_module, "write_atomic", unexpected)
    assert coverage_module.remember_coverage(tmp_path, "sea", "Buoys", at_sea) == first
