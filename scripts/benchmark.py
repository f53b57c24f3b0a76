"""bikefinder benchmarks: prints measured numbers next to their targets.

    .venv/bin/python scripts/benchmark.py            # everything
    .venv/bin/python scripts/benchmark.py ranking    # one section

Numbers, not pass/fail tests: run on the 2-core reference machine and copy the
output into the README's performance section.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

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
    from geopy.distance import great_circle

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
    city = synthetic_stations(1_495)
    city_index = StationIndex(city)
    report(
        "Vélib'-size city (1,495): build, plain Python",
        f"{best_of(10, lambda: StationIndex(city)):.2f} ms",
    )
    report(
        "Vélib'-size city: top 20, plain Python",
        f"{best_of(20, lambda: city_index.nearest(48.85, 2.35, 20)):.2f} ms",
    )


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


@contextmanager
def fixture_server(*flags: str) -> Iterator[str]:
    """scripts/serve_fixtures.py in another process (its CPU is not ours); yields its URL."""
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "scripts" / "serve_fixtures.py"), "--port", "0", *flags],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        first_url = process.stdout.readline().strip()
        yield first_url.rsplit("/", 2)[0]
    finally:
        process.terminate()
        process.wait()


#: Run as ``python -c``: the bikefinder command, then its own peak RSS (VmHWM) written
#: to the pipe named by ``BENCH_RSS_FD``.
#: (A forked child's ``ru_maxrss`` includes the parent's memory at fork time, which is
#: large here after the ranking section, so the child reports its own high-water mark.)
_MEASURED_CHILD = """
import atexit, os, runpy, sys
def report():
    with open("/proc/self/status") as status:
        peak = next(line.split()[1] for line in status if line.startswith("VmHWM"))
    os.write(int(os.environ["BENCH_RSS_FD"]), peak.encode())
atexit.register(report)
sys.argv = ["bikefinder", *sys.argv[1:]]
runpy.run_module("bikefinder", run_name="__main__")
"""


def wall_time(argv: list[str], env: dict[str, str]) -> float:
    """Seconds from spawning ``argv`` to its exit."""
    start = time.perf_counter()
    subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - start


def run_measured(argv: list[str], env: dict[str, str]) -> tuple[float, float, int]:
    """(wall seconds, peak RSS in MB, exit status) of one whole ``bikefinder`` process."""
    read_end, write_end = os.pipe()
    start = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-c", _MEASURED_CHILD, *argv],
        env={**env, "BENCH_RSS_FD": str(write_end)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        pass_fds=(write_end,),
    )
    os.close(write_end)
    code = process.wait()
    wall = time.perf_counter() - start
    with os.fdopen(read_end, "rb") as pipe:
        peak_kb = pipe.read().decode() or "0"
    return wall, int(peak_kb) / 1024, code


def bench_once() -> None:
    print("--once, whole process (interpreter start + imports + fetch + parse + print)")
    with fixture_server() as base, tempfile.TemporaryDirectory() as home:
        for folder, near in (
            ("citibike_v1.1_2024", "40.75,-73.98"),
            ("velib_v1_2025", "48.85,2.35"),
        ):
            argv = ["--once", "--near", near, "--system", f"{base}/{folder}/gbfs.json"]
            cold, warm, rss = [], [], []
            for run in range(5):
                env = {**os.environ, "XDG_CACHE_HOME": f"{home}/{folder}-{run}"}
                wall, peak, code = run_measured(argv, env)
                assert code == 0, f"bikefinder exited {code}"
                cold.append(wall)
                rss.append(peak)
                wall, peak, code = run_measured(argv, env)  # same cache: conditional, 304s
                warm.append(wall)
                rss.append(peak)
            target = "target < 0.8 s" if folder.startswith("citibike") else ""
            report(
                f"{folder} cold cache, local server (median of 5)",
                f"{sorted(cold)[2]:.2f} s",
                target,
            )
            report(f"{folder} warm cache (304s)", f"{sorted(warm)[2]:.2f} s")
            rss_target = "target < 120 MB" if folder.startswith("citibike") else ""
            report(f"{folder} peak RSS", f"{max(rss):.0f} MB", rss_target)


def bench_refresh() -> None:
    print("refresh CPU time in-process (time.process_time; server in another process)")
    from bikefinder.core.http import make_http_client
    from bikefinder.core.loader import SystemFeeds

    async def measure(base: str, folder: str, rounds: int) -> tuple[float, int]:
        async with make_http_client() as http:
            feeds = SystemFeeds(http, f"{base}/{folder}/gbfs.json")
            snapshot = await feeds.load()
            changed = 0
            start = time.process_time()
            for _ in range(rounds):
                fresh = await feeds.refresh()
                if fresh is not snapshot:
                    changed += 1
                    StationIndex(fresh.stations).nearest(48.85, 2.35, 20)
                snapshot = fresh
            return (time.process_time() - start) * 1000 / rounds, changed

    with fixture_server() as base:
        cpu, changed = asyncio.run(measure(base, "velib_v1_2025", 50))
        report(f"Vélib' unchanged (304, {changed} of 50 changed)", f"{cpu:.2f} ms", "target < 2 ms")
    with fixture_server("--churn") as base:
        cpu, changed = asyncio.run(measure(base, "velib_v1_2025", 20))
        report(
            f"Vélib' changed (200 + parse + join + rank, {changed} of 20)",
            f"{cpu:.1f} ms",
            "target < 25 ms",
        )


def tui_child(gbfs_url: str) -> None:
    """Child process: start the real app headless, exit as soon as a table is on screen."""
    from bikefinder.core.cache import FeedCache
    from bikefinder.core.favourites import FavouritesStore
    from bikefinder.core.source import SystemSource
    from bikefinder.ui.app import BikefinderApp

    async def first_table() -> None:
        app = BikefinderApp(
            SystemSource(gbfs_url=gbfs_url),
            (48.85, 2.35),
            FavouritesStore(),
            cache=FeedCache(gbfs_url),
        )
        async with app.run_test(size=(120, 35)) as pilot:
            while app.table.row_count == 0:
                await pilot.pause(0.005)
            print("cached" if app.snapshot and app.snapshot.from_cache else "live")
            app.exit()

    asyncio.run(first_table())


def floor_child() -> None:
    """Child process: a bare Textual app with a 20-row DataTable, as the floor to compare."""
    from textual.app import App, ComposeResult
    from textual.widgets import DataTable, Footer

    class Bare(App[None]):
        def compose(self) -> ComposeResult:
            yield DataTable()
            yield Footer()

        def on_mount(self) -> None:
            table = self.query_one(DataTable)
            table.add_columns(*"abcdefgh")
            for row in range(20):
                table.add_row(*[str(row)] * 8)

    async def first_table() -> None:
        app = Bare()
        async with app.run_test(size=(120, 35)) as pilot:
            await pilot.pause()

    asyncio.run(first_table())


def bench_tui() -> None:
    print("TUI time to first table, whole process (headless run_test, 120x35)")
    with fixture_server() as base, tempfile.TemporaryDirectory() as home:
        url = f"{base}/velib_v1_2025/gbfs.json"
        argv = [sys.executable, str(Path(__file__).resolve()), "_tui_child", url]
        cold, warm = [], []
        for run in range(5):
            env = {**os.environ, "XDG_CACHE_HOME": f"{home}/c{run}", "XDG_DATA_HOME": home}
            cold.append(wall_time(argv, env))
            warm.append(wall_time(argv, env))
        floor = sorted(wall_time([*argv[:2], "_floor_child"], env) for _ in range(5))[2]
        report("floor: bare Textual app, 20-row DataTable", f"{floor:.2f} s")
        report("Vélib' cold (empty cache, local server)", f"{sorted(cold)[2]:.2f} s")
        report(
            "Vélib' warm (from cache, then revalidated)",
            f"{sorted(warm)[2]:.2f} s",
            "target < 0.6 s",
        )


SECTIONS: dict[str, Callable[[], None]] = {
    "ranking": bench_ranking,
    "parsing": bench_parsing,
    "once": bench_once,
    "refresh": bench_refresh,
    "tui": bench_tui,
}


def main(argv: list[str]) -> int:
    if argv[:1] == ["_tui_child"]:
        tui_child(argv[1])
        return 0
    if argv[:1] == ["_floor_child"]:
        floor_child()
        return 0
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
