"""bikefinder benchmarks: prints measured numbers next to their targets.

    .venv/bin/python scripts/benchmark.py            # everything
    .venv/bin/python scripts/benchmark.py ranking    # one section

Numbers, not pass/fail tests: run on the 2-core reference machine and copy the
output into the README's performance section.
"""

from __future__ import annotations

import json
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path

from geopy.distance import great_circle

from bikefinder.core import gbfs
from bikefinder.core.models import Station, StationInfo
from bikefinder.core.ranking import StationIndex

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"


def best_of(runs: int, work: Callable[[], object]) -> float:
    """Best wall time in milliseconds over ``runs`` runs (the least-disturbed one)."""
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        timings.append((time.perf_counter() - start) * 1000)
    return min(timings)


def synthetic_stations(count: int, seed: int = 42) -> list[Station]:
    rng = random.Random(seed)
    return [
        Station(
            StationInfo(
                station_id=str(i),
                name=f"Station {i}",
                lat=48.85 + rng.uniform(-1.0, 1.0),
                lon=2.35 + rng.uniform(-1.5, 1.5),
            ),
            None,
        )
        for i in range(count)
    ]


def report(label: str, value: str, target: str = "") -> None:
    print(f"  {label:<52} {value:>14}  {target}")


def bench_ranking() -> None:
    print("ranking: top 20 of 100,000 stations from (48.85, 2.35)")
    stations = synthetic_stations(100_000)
    build_ms = best_of(5, lambda: StationIndex(stations))
    index = StationIndex(stations)
    rank_ms = best_of(20, lambda: index.nearest(48.85, 2.35, 20))
    point = (48.85, 2.35)

    def geopy_sort() -> list[Station]:
        return sorted(stations, key=lambda s: great_circle(point, (s.info.lat, s.info.lon)).m)[:20]

    geopy_ms = best_of(2, geopy_sort)
    ours = [r.station.station_id for r in index.nearest(48.85, 2.35, 20)]
    theirs = [s.station_id for s in geopy_sort()]
    report("index build (once per station_information)", f"{build_ms:.1f} ms")
    report("bikefinder top 20 (numpy haversine)", f"{rank_ms:.2f} ms", "target <= 20 ms")
    report("build + top 20", f"{build_ms + rank_ms:.1f} ms")
    report("geopy great_circle, sorted", f"{geopy_ms:.0f} ms")
    report("speed-up vs geopy (rank only)", f"{geopy_ms / rank_ms:.0f}x", "target >= 30x")
    report("speed-up vs geopy (build + rank)", f"{geopy_ms / (build_ms + rank_ms):.0f}x")
    report("same top 20 as geopy", str(ours == theirs))


def parse_join_rank(info_doc: object, status_doc: object) -> None:
    """The whole pipeline from decoded JSON to a top-20 list."""
    info = gbfs.parse_station_information(info_doc, "u")
    status = gbfs.parse_station_status(status_doc, "u")
    stations, _ = gbfs.join_stations(info, status)
    StationIndex(stations).nearest(48.85, 2.35, 20)


def bench_parsing() -> None:
    print("parse + join + rank (recorded feeds, warm interpreter)")
    for folder in ("velib_v1_2025", "citibike_v1.1_2024"):
        info_doc = json.loads((FIXTURES / folder / "station_information.json").read_bytes())
        status_doc = json.loads((FIXTURES / folder / "station_status.json").read_bytes())

        count = len(info_doc["data"]["stations"])
        elapsed = best_of(10, lambda i=info_doc, s=status_doc: parse_join_rank(i, s))
        report(f"{folder} ({count} stations)", f"{elapsed:.1f} ms")
    big = synthetic_stations(100_000)
    info_doc = {
        "data": {
            "stations": [
                {
                    "station_id": s.station_id,
                    "name": s.info.name,
                    "lat": s.info.lat,
                    "lon": s.info.lon,
                }
                for s in big
            ]
        }
    }
    status_doc = {
        "data": {
            "stations": [
                {
                    "station_id": s.station_id,
                    "num_bikes_available": 3,
                    "num_docks_available": 5,
                    "is_installed": 1,
                    "is_renting": 1,
                    "is_returning": 1,
                    "last_reported": 1760776294,
                }
                for s in big
            ]
        }
    }

    elapsed = best_of(3, lambda: parse_join_rank(info_doc, status_doc))
    report("synthetic (100,000 stations)", f"{elapsed:.0f} ms")


SECTIONS: dict[str, Callable[[], None]] = {
    "ranking": bench_ranking,
    "parsing": bench_parsing,
}


def main(argv: list[str]) -> int:
    wanted = argv or list(SECTIONS)
    unknown = [name for name in wanted if name not in SECTIONS]
    if unknown:
        print(f"unknown section(s): {', '.join(unknown)}; choose from {', '.join(SECTIONS)}")
        return 2
    print(f"python {sys.version.split()[0]}; best of several runs; {time.strftime('%Y-%m-%d')}")
    for name in wanted:
        SECTIONS[name]()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
