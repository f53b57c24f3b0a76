"""bikefinder benchmarks: the performance targets as ratios against references from the same run.

    .venv/bin/python scripts/benchmark.py               # every section
    .venv/bin/python scripts/benchmark.py once stall    # some sections

Sections: ranking, once, parsing, refresh, stall (refresh gaps, and keys on the app's
default screen-full table timed to their last frame), tui (the ``bikefinder`` command's
first table drawn on a real pty, beside a bare Textual app run the same way with no
bikefinder module, and a check that no request reached the server first), memory, paris
(Vélib' plus three synthetic free-floating operators of 10,000 vehicles each), paris_app
(the app on that scene in 5 fresh processes: first table and event-loop gaps, with their
spread), trips (the best three trips on Citi Bike beside a brute force over every pickup
and drop-off). Every measurement goes
through the app's public entry points (the ``bikefinder`` command, ``SystemFeeds`` with
a ``FeedCache``, ``BikefinderApp`` under Pilot), with feeds served from 127.0.0.1 by
scripts/serve_fixtures.py in another process. Each line prints the measured value, the
reference measured in the same run, their ratio, the target and MET / NOT MET: the
machine is shared and noisy, so ratios are what to compare between runs. Numbers, not
tests: copy the output into the README's performance section. The printed path (once,
and paris' ``--once`` lines) runs in a user install, naive script included: a venv under
the temp folder with bikefinder's wheel and its ``fast`` extra, bytecode compiled by
pip, no test extras, built once per hash of the sources.

pybikes (parsing section) is looked for in this interpreter, then in ``$PYBIKES_PYTHON``,
then in /tmp/pybikes-venv (``python -m venv /tmp/pybikes-venv &&
/tmp/pybikes-venv/bin/pip install pybikes``); it is never a bikefinder dependency.
The memory section stops after ``$BENCH_MEMORY_BUDGET_S`` seconds (default 180).
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import platform
import random
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bikefinder.feeds import station_feeds
from bikefinder.feeds.models import FeedMeta, Station, StationInfo, SystemInfo
from bikefinder.feeds.snapshot import Snapshot
from bikefinder.rider.rows import SceneSystem
from bikefinder.rider.system_index import SystemIndex, stream

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = ROOT / "scripts"
FIXTURES = ROOT / "tests" / "fixtures"
CITI, VELIB = "citibike_v1.1_2024", "velib_v1_2025"
BIG_COUNT, MEMORY_COUNT = 100_000, 50_000
BIG = f"synthetic_{BIG_COUNT}"
NEAR = {CITI: (40.75, -73.98), VELIB: (48.85, 2.35), BIG: (40.75, -73.98)}
NEAR["synthetic_50000"] = NEAR[BIG]
SIZE = (120, 35)

# -- reporting -----------------------------------------------------------------------


def fmt_s(seconds: float) -> str:
    return f"{seconds:.2f} s"


def fmt_ms(ms: float) -> str:
    return f"{ms:.2f} ms" if ms < 10 else f"{ms:.1f} ms" if ms < 100 else f"{ms:.0f} ms"


def header(title: str) -> None:
    print(f"\n{title}")
    print(f"  {'':<52} {'measured':>10} {'reference':>10} {'ratio':>7}  {'target':<18} verdict")


def row(
    label: str,
    measured: str,
    reference: str = "",
    ratio: float | None = None,
    target: str = "",
    met: bool | None = None,
) -> None:
    """One result line: measured, reference, ratio, target, MET / NOT MET."""
    ratio_text = f"{ratio:.2f}x" if ratio is not None else ""
    verdict = "" if met is None else "MET" if met else "NOT MET"
    print(
        f"  {label:<52} {measured:>10} {reference:>10} {ratio_text:>7}  {target:<18} {verdict}",
        flush=True,
    )


def note(text: str) -> None:
    print(f"    {text}", flush=True)


def median(values: list[float]) -> float:
    return statistics.median(values)


# -- the fixture server and child processes ----------------------------------------------


@contextmanager
def fixture_server(*flags: str) -> Iterator[str]:
    """scripts/serve_fixtures.py in another process (its CPU is not ours); yields its base URL."""
    process = subprocess.Popen(
        [sys.executable, str(SCRIPTS / "serve_fixtures.py"), "--port", "0", *flags],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        first_url = process.stdout.readline().strip()
        if not first_url:
            raise RuntimeError("serve_fixtures.py did not start")
        yield first_url.rsplit("/", 2)[0]
    finally:
        process.terminate()
        process.wait()


def isolated_env(home: str) -> dict[str, str]:
    """This environment with bikefinder's cache, data and config under ``home``."""
    return {
        **os.environ,
        "XDG_CACHE_HOME": f"{home}/cache",
        "XDG_DATA_HOME": f"{home}/data",
        "XDG_CONFIG_HOME": f"{home}/config",
    }


#: Run as ``python -c``: a module (``bikefinder``) or a script (``*.py``), then its own
#: peak RSS (VmHWM) written to the pipe named by ``BENCH_RSS_FD``. A forked child's
#: ``ru_maxrss`` would include the parent's memory at fork time, large here. A printed
#: command ends with ``os._exit`` (no exit hooks): the report runs just before it too.
_MEASURED_CHILD = """
import atexit, os, runpy, sys
def report():
    with open("/proc/self/status") as status:
        peak = next(line.split()[1] for line in status if line.startswith("VmHWM"))
    os.write(int(os.environ["BENCH_RSS_FD"]), peak.encode())
atexit.register(report)
def reported_exit(code, _exit=os._exit):
    report()
    _exit(code)
os._exit = reported_exit
target = sys.argv[1]
sys.argv = [target, *sys.argv[2:]]
if target.endswith(".py"):
    runpy.run_path(target, run_name="__main__")
else:
    runpy.run_module(target, run_name="__main__", alter_sys=True)
"""


def run_child(
    target: str, argv: list[str], env: dict[str, str], python: str = sys.executable
) -> tuple[float, float, str]:
    """(CPU seconds user+sys, peak RSS MB, error or "") of one whole child process run
    by ``python`` (from a neutral folder, so that no source tree shadows an install).

    CPU comes from ``getrusage(RUSAGE_CHILDREN)`` around the child's wait (the fixture
    server, also a child, is still running and so not counted).
    """
    read_end, write_end = os.pipe()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    process = subprocess.Popen(
        [python, "-c", _MEASURED_CHILD, target, *argv],
        env={**env, "BENCH_RSS_FD": str(write_end)},
        cwd=tempfile.gettempdir(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        pass_fds=(write_end,),
    )
    os.close(write_end)
    assert process.stderr is not None
    stderr = process.stderr.read()
    code = process.wait()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    with os.fdopen(read_end, "rb") as pipe:
        peak_kb = pipe.read().decode() or "0"
    error = ""
    if code != 0:
        lines = stderr.decode(errors="replace").strip().splitlines() or ["(no message)"]
        error = f"exit {code}: {lines[-1][:160]}"
    return cpu, int(peak_kb) / 1024, error


def wall_time(argv: list[str], env: dict[str, str]) -> float:
    """Seconds from spawning ``argv`` to its exit."""
    start = time.perf_counter()
    subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - start


# -- a user install ------------------------------------------------------------------

#: What a wheel of bikefinder is built from (besides the package itself).
_WHEEL_SOURCES = ("pyproject.toml", "README.md", "LICENSE", "LICENSE-DATA.md", "docs/bikefinder.1")
_USER_VENV_PREFIX = "bikefinder-bench-user-"


def _source_hash() -> str:
    """A hash of everything the wheel is built from, and of this interpreter's version."""
    import hashlib

    digest = hashlib.sha256(sys.version.encode())
    files = sorted(p for p in (ROOT / "bikefinder").rglob("*") if p.is_file())
    for path in [*files, *(ROOT / name for name in _WHEEL_SOURCES)]:
        if "__pycache__" in path.parts:
            continue
        digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def user_python() -> str:
    """The interpreter of a venv holding bikefinder as a rider installs it: a wheel
    (not editable) with its ``fast`` extra (numpy), bytecode compiled by pip, no test
    extras (the dev venv's click makes ``import httpx`` load its command-line tool, ~50
    ms on both sides of a ratio). Built once per source hash under the temp folder;
    older ones are removed. The naive script runs in it too (httpx and geopy are
    bikefinder's dependencies)."""
    tmp = Path(tempfile.gettempdir())
    venv = tmp / f"{_USER_VENV_PREFIX}{_source_hash()}"
    python = venv / "bin" / "python"
    if (venv / "ready").exists():
        return str(python)
    for stale in tmp.glob(f"{_USER_VENV_PREFIX}*"):
        shutil.rmtree(stale, ignore_errors=True)
    with tempfile.TemporaryDirectory() as work:
        source = Path(work, "src")
        shutil.copytree(
            ROOT / "bikefinder", source / "bikefinder", ignore=shutil.ignore_patterns("__pycache__")
        )
        for name in _WHEEL_SOURCES:
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, source / name)

        def run(*argv: str) -> None:
            done = subprocess.run(argv, capture_output=True, text=True)
            if done.returncode != 0:
                raise RuntimeError(f"{' '.join(argv[:4])}: {done.stderr.strip()[-300:]}")

        run(sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
            "-w", work, str(source))  # fmt: skip
        wheel = next(Path(work).glob("bikefinder-*.whl"))
        run(sys.executable, "-m", "venv", str(venv))
        run(str(python), "-m", "pip", "install", "-q", f"{wheel}[fast]")
    (venv / "ready").touch()
    return str(python)


# -- ranking -------------------------------------------------------------------------


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


def synthetic_system(stations: list[Station]) -> tuple[SceneSystem, Snapshot]:
    """``stations`` as one system's snapshot, as the app indexes it for listing."""
    meta = FeedMeta("station_status", "http://127.0.0.1/s.json", "2.3", None, 60)
    snapshot = Snapshot(
        gbfs_url="http://127.0.0.1/gbfs.json",
        system=SystemInfo("synthetic", "Synthetic"),
        stations=tuple(stations),
        info_meta=meta,
        status_meta=meta,
    )
    return SceneSystem("synthetic", "Synthetic", snapshot.gbfs_url), snapshot


def nearest_positions(index: SystemIndex, point: tuple[float, float], limit: int) -> list[int]:
    """The ``limit`` nearest stations' positions, as a scene's list takes them: every
    distance from ``point`` (measured anew each time, as for a new point), then the
    nearest-first stream."""
    distances = index.distances_uncached(0, False, point)
    found = []
    for _distance, _number, _source, position in stream(distances, 0, 0, None):
        found.append(position)
        if len(found) == limit:
            break
    return found


def bench_ranking() -> None:
    from geopy.distance import great_circle

    header("ranking: top 20 of 100,000 stations from (48.85, 2.35), wall time, best of runs")
    stations = synthetic_stations(100_000)
    point = (48.85, 2.35)
    system, snapshot = synthetic_system(stations)
    build_ms = best_of(5, lambda: SystemIndex(system, snapshot))
    index = SystemIndex(system, snapshot)
    rank_ms = best_of(20, lambda: nearest_positions(index, point, 20))

    def geopy_sort() -> list[Station]:
        return sorted(stations, key=lambda s: great_circle(point, (s.info.lat, s.info.lon)).m)[:20]

    geopy_ms = best_of(2, geopy_sort)
    ours = [stations[position].station_id for position in nearest_positions(index, point, 20)]
    theirs = [s.station_id for s in geopy_sort()]
    row("index build (SystemIndex, once per snapshot)", fmt_ms(build_ms))
    row(
        "top 20 vs geopy great_circle sort",
        fmt_ms(rank_ms),
        fmt_ms(geopy_ms),
        None,
        "<= 20 ms",
        rank_ms <= 20,
    )
    speedup = geopy_ms / rank_ms
    row("speed-up vs geopy (rank only)", f"{speedup:.0f}x", target=">= 30x", met=speedup >= 30)
    row("speed-up vs geopy (build + rank)", f"{geopy_ms / (build_ms + rank_ms):.0f}x")
    row("same top 20 as geopy", str(ours == theirs), met=ours == theirs)
    city = synthetic_stations(1_495)
    city_system, city_snapshot = synthetic_system(city)
    city_index = SystemIndex(city_system, city_snapshot)
    city_build_ms = best_of(10, lambda: SystemIndex(city_system, city_snapshot))
    row("Vélib'-size city (1,495): build", fmt_ms(city_build_ms))
    row(
        "Vélib'-size city: top 20",
        fmt_ms(best_of(20, lambda: nearest_positions(city_index, point, 20))),
    )


# -- once ----------------------------------------------------------------------------


def age_feed_cache(cache_home: str, seconds: float) -> None:
    """Every feed cached under ``cache_home`` fetched ``seconds`` earlier than it was."""
    for path in Path(cache_home).glob("bikefinder/feeds/*/*.meta.json"):
        meta = json.loads(path.read_bytes())
        meta["fetched_at"] -= seconds
        path.write_text(json.dumps(meta))


#: The 10,000-station line: where numpy's import used to cost more than it saved.
MID_COUNT = 10_000
MID = f"synthetic_{MID_COUNT}"
NEAR[MID] = NEAR[BIG]


def bench_once() -> None:
    header(
        "once: whole-process CPU (user+sys; median of 5, of 3 at 100,000 stations) of"
        " `bikefinder --once --format json` vs scripts/naive_nearest.py; warm: run again"
        " at once (every feed within its ttl: no request); past ttl: the cache aged an"
        " hour (conditional requests, 304s)"
    )
    python = user_python()
    note(
        f"both run by a user install: {python} (bikefinder's wheel with the fast extra,"
        " bytecode compiled by pip, no test extras), from a neutral folder"
    )
    note(
        "targets: Citi Bike warm within ttl <= 0.4x naive CPU with no request, cold <= 0.9x;"
        " 10,000 stations <= 0.8x; 100,000 warm within ttl <= 0.35x, cold <= 0.6x"
    )
    naive = str(SCRIPTS / "naive_nearest.py")
    cases = (  # folder, runs, (cold target, limit), (warm within ttl target, limit)
        (CITI, 5, ("<= 0.9x", 0.9), ("<= 0.4x", 0.4)),
        (VELIB, 5, ("report", None), ("report", None)),
        (MID, 5, ("<= 0.8x", 0.8), ("report", None)),
        (BIG, 3, ("<= 0.6x", 0.6), ("<= 0.35x", 0.35)),
    )
    counts = {CITI: "recorded", VELIB: "recorded", MID: "10,000", BIG: "100,000"}
    with (
        fixture_server("--synthetic", str(MID_COUNT), "--synthetic", str(BIG_COUNT)) as base,
        tempfile.TemporaryDirectory() as home,
    ):
        for folder, runs, (cold_target, cold_limit), (warm_target, warm_limit) in cases:
            url = f"{base}/{folder}/gbfs.json"
            near = ",".join(str(x) for x in NEAR[folder])
            argv = ["--once", "--format", "json", "--near", near, "--system", url]
            naive_cpu, cold, warm, late, naive_rss, rss, errors = [], [], [], [], [], [], []
            for run in range(runs):  # interleaved, so that load on the machine hits all alike
                env = isolated_env(f"{home}/{folder}-{run}")
                cpu, peak, error = run_child(naive, [url, near], env, python)
                if error:
                    raise RuntimeError(f"scripts/naive_nearest.py {error}")
                naive_cpu.append(cpu)
                naive_rss.append(peak)
                for sink in (cold, warm, late):  # same cache: cold, within ttl, past it
                    if sink is late:
                        age_feed_cache(env["XDG_CACHE_HOME"], 3601)  # past every ttl
                    cpu, peak, error = run_child("bikefinder", argv, env, python)
                    if error:
                        errors.append(error)
                        break
                    sink.append(cpu)
                    rss.append(peak)
                if errors:
                    break
            reference = median(naive_cpu)
            if errors:
                row(f"{folder} cold", "FAILED", fmt_s(reference), None, cold_target, False)
                note(f"bikefinder {errors[0]}")
                continue
            note(
                f"{folder} ({counts[folder]}): naive {spread(naive_cpu)}; cold {spread(cold)};"
                f" within ttl {spread(warm)}"
            )
            for kind, values, target, limit in (
                ("cold cache", cold, cold_target, cold_limit),
                ("warm cache, within ttl", warm, warm_target, warm_limit),
                ("warm cache, past ttl (304s)", late, "report", None),
            ):
                value = median(values)
                ratio = value / reference
                met = None if limit is None else ratio <= limit
                row(f"{folder} {kind}", fmt_s(value), fmt_s(reference), ratio, target, met)
            row(
                f"{folder} peak RSS (VmHWM)",
                f"{max(rss):.0f} MB",
                f"{max(naive_rss):.0f} MB",
                max(rss) / max(naive_rss),
            )


def spread(values: list[float]) -> str:
    """Every run's seconds, lowest first: the spread behind a median."""
    return ", ".join(f"{value:.2f}" for value in sorted(values)) + " s"


# -- parsing -------------------------------------------------------------------------

_SYNTHETIC_BODIES: dict[int, tuple[bytes, bytes]] = {}


def synthetic_bodies(count: int) -> tuple[bytes, bytes]:
    """(station_information, station_status) bodies of serve_fixtures' synthetic system."""
    if count not in _SYNTHETIC_BODIES:
        sys.path.insert(0, str(SCRIPTS))
        import serve_fixtures

        system = serve_fixtures.SyntheticSystem(count)
        info, status = (system.entry(feed) for feed in ("station_information", "station_status"))
        assert info is not None and status is not None
        _SYNTHETIC_BODIES[count] = (info[0], status[0])
    return _SYNTHETIC_BODIES[count]


def parse_api() -> str:
    """Which of the lead's parse functions this run uses (bytes-level ones if present)."""
    info = (
        "decode_station_information"
        if hasattr(station_feeds, "decode_station_information")
        else ("json.loads + parse_station_information")
    )
    status = (
        "StatusParser().parse_body"
        if hasattr(station_feeds.StatusParser, "parse_body")
        else ("json.loads + StatusParser().parse")
    )
    return f"{info}; {status}; join_stations"


def ours_parse(info_body: bytes, status_body: bytes) -> object:
    """Bytes to joined stations with bikefinder's public parse functions (fresh parser)."""
    url = "http://127.0.0.1/feed.json"
    decode_info = getattr(station_feeds, "decode_station_information", None)
    if decode_info is not None:
        info = decode_info(info_body, url)
    else:
        info = station_feeds.parse_station_information(json.loads(info_body), url)
    parser = station_feeds.StatusParser()
    parse_body = getattr(parser, "parse_body", None)
    if parse_body is not None:
        status = parse_body(status_body, url)
    else:
        status = parser.parse(json.loads(status_body), url)
    return station_feeds.join_stations(info, status)


def naive_parse(info_body: bytes, status_body: bytes) -> object:
    """``json.loads`` both and join by station id into merged dicts."""
    info = json.loads(info_body)["data"]["stations"]
    status = json.loads(status_body)["data"]["stations"]
    by_id = {record["station_id"]: record for record in status}
    return [{**record, **by_id.get(record["station_id"], {})} for record in info]


def cpu_ms(runs: int, work: Callable[[], object]) -> float:
    """Median CPU milliseconds (``time.process_time``) of ``work``; the result is freed
    outside the timing and garbage is collected before each run."""
    timings = []
    for _ in range(runs):
        gc.collect()
        start = time.process_time()
        result = work()
        timings.append((time.process_time() - start) * 1000)
        del result
    return median(timings)


_PYBIKES_CHILD = """
import json, statistics, sys, time
from pybikes.gbfs import Gbfs
info_path, status_path, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
bodies = {"info": open(info_path, "rb").read(), "status": open(status_path, "rb").read()}
class Response:
    status_code = 200
class Scraper:
    last_request = Response()
    def request(self, url, params=None, raw=False, **kwargs):
        return bodies[url].decode("utf-8")
timings = []
for _ in range(runs):
    meta = {"name": "bench", "system": "bench"}
    system = Gbfs("bench", meta, "", station_information="info", station_status="status")
    start = time.process_time()
    system.update(Scraper())
    timings.append((time.process_time() - start) * 1000)
print(json.dumps({"ms": statistics.median(timings), "stations": len(system.stations)}))
"""


def pybikes_python() -> tuple[str | None, str]:
    """An interpreter that can import pybikes, or (None, why not)."""
    candidates = [
        sys.executable,
        os.environ.get("PYBIKES_PYTHON", ""),
        "/tmp/pybikes-venv/bin/python",
    ]
    for python in dict.fromkeys(c for c in candidates if c):
        if not Path(python).exists():
            continue
        probe = subprocess.run([python, "-c", "import pybikes.gbfs"], capture_output=True)
        if probe.returncode == 0:
            return python, ""
    return None, (
        "no interpreter here imports pybikes.gbfs; "
        "python -m venv /tmp/pybikes-venv && /tmp/pybikes-venv/bin/pip install pybikes"
    )


def pybikes_ms(python: str, info: bytes, status: bytes, runs: int) -> tuple[float, int] | str:
    """pybikes' ``Gbfs.update`` on these bodies (median CPU ms, stations) or an error."""
    with tempfile.TemporaryDirectory() as folder:
        paths = [Path(folder, "info.json"), Path(folder, "status.json")]
        paths[0].write_bytes(info)
        paths[1].write_bytes(status)
        done = subprocess.run(
            [python, "-c", _PYBIKES_CHILD, *map(str, paths), str(runs)],
            capture_output=True,
            text=True,
        )
    if done.returncode != 0:
        return done.stderr.strip().splitlines()[-1][:160] if done.stderr.strip() else "failed"
    answer = json.loads(done.stdout)
    return float(answer["ms"]), int(answer["stations"])


def bench_parsing() -> None:
    header("parsing: bytes of station_information + station_status to joined stations, CPU")
    note(f"bikefinder API used: {parse_api()}")
    python, why_not = pybikes_python()
    if python is None:
        note(f"pybikes: not installed ({why_not})")
    else:
        note(f"pybikes: {python} (Gbfs.update with the bodies handed in, no network)")
    cases = [
        (
            CITI,
            (FIXTURES / CITI / "station_information.json").read_bytes(),
            (FIXTURES / CITI / "station_status.json").read_bytes(),
            7,
        ),
        (
            VELIB,
            (FIXTURES / VELIB / "station_information.json").read_bytes(),
            (FIXTURES / VELIB / "station_status.json").read_bytes(),
            7,
        ),
        (BIG, *synthetic_bodies(BIG_COUNT), 3),
    ]
    for folder, info, status, runs in cases:
        ours = cpu_ms(runs, lambda i=info, s=status: ours_parse(i, s))
        naive = cpu_ms(runs, lambda i=info, s=status: naive_parse(i, s))
        size = f"{(len(info) + len(status)) / 1e6:.1f} MB"
        row(
            f"{folder} ({size}) vs json.loads + dict join",
            fmt_ms(ours),
            fmt_ms(naive),
            ours / naive,
            "report",
        )
        if python is not None:
            result = pybikes_ms(python, info, status, runs)
            if isinstance(result, str):
                row(f"{folder} vs pybikes Gbfs", fmt_ms(ours), "FAILED")
                note(f"pybikes: {result}")
            else:
                row(
                    f"{folder} vs pybikes Gbfs ({result[1]:,} stations)",
                    fmt_ms(ours),
                    fmt_ms(result[0]),
                    ours / result[0],
                    "report",
                )


# -- refresh -------------------------------------------------------------------------


@contextmanager
def environment(**values: str) -> Iterator[None]:
    """Set environment variables for the block (bikefinder reads its paths per call)."""
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@contextmanager
def isolated_home() -> Iterator[str]:
    """A temporary XDG cache, data and config home for in-process measurements."""
    home = tempfile.mkdtemp(prefix="bikefinder-bench-")
    try:
        with environment(**{k: v for k, v in isolated_env(home).items() if k.startswith("XDG_")}):
            yield home
    finally:
        shutil.rmtree(home, ignore_errors=True)


async def feeds_refresh_cpu(url: str, rounds: int, listing: bool) -> dict[str, float]:
    """CPU ms per ``SystemFeeds.refresh()`` (with a FeedCache) over ``rounds`` refreshes;
    with ``listing``, also per ``StationListing.load`` + top-20 rows of each new snapshot."""
    from bikefinder.feeds.cache import FeedCache
    from bikefinder.feeds.http import make_http_client
    from bikefinder.feeds.loader import SystemFeeds

    async with make_http_client() as http:
        feeds = SystemFeeds(http, url, cache=FeedCache(url))
        snapshot = await feeds.load()
        snapshot = await feeds.refresh()  # the connection is warm from here on
        changed, refresh_cpu, listing_cpu = 0, 0.0, 0.0
        view = listing_model() if listing else None
        for _ in range(rounds):
            start = time.process_time()
            fresh = await feeds.refresh()
            refresh_cpu += time.process_time() - start
            if fresh is not snapshot:
                changed += 1
                if view is not None:
                    start = time.process_time()
                    view(fresh)
                    listing_cpu += time.process_time() - start
            snapshot = fresh
    return {
        "refresh_ms": refresh_cpu * 1000 / rounds,
        "listing_ms": listing_cpu * 1000 / max(1, changed),
        "changed": changed,
    }


def listing_model() -> Callable[[Any], object] | None:
    """The app's view model step for a new snapshot (load + top-20 rows), if reachable."""
    try:
        from bikefinder.rider.rows import SceneSystem
        from bikefinder.rider.scene import Query, Scene
    except ImportError:
        return None
    shown: list[Any] = [None]

    def apply(snapshot: Any) -> object:
        system = SceneSystem("s", "S", snapshot.gbfs_url)
        shown[0] = Scene.build([(system, snapshot, None)], previous=shown[0])
        near = NEAR[BIG] if "synthetic" in snapshot.gbfs_url else NEAR[VELIB]
        return shown[0].rows(Query(near, limit=20))

    return apply


async def bare_refresh_cpu(url: str, rounds: int, changed: bool) -> float:
    """The reference: CPU ms per bare httpx GET of station_status with If-None-Match
    (a 304), or, when ``changed``, per GET + ``json.loads`` + dict join with the info."""
    import httpx

    async with httpx.AsyncClient() as http:
        feeds = json.loads((await http.get(url)).content)["data"]["en"]["feeds"]
        urls = {feed["name"]: feed["url"] for feed in feeds}
        info = json.loads((await http.get(urls["station_information"])).content)
        first = await http.get(urls["station_status"])
        etag = first.headers.get("etag", "")
        total = 0.0
        for _ in range(rounds):
            start = time.process_time()
            if changed:
                body = (await http.get(urls["station_status"])).content
                status = json.loads(body)["data"]["stations"]
                by_id = {record["station_id"]: record for record in status}
                merged = [{**r, **by_id.get(r["station_id"], {})} for r in info["data"]["stations"]]
                del merged
            else:
                response = await http.get(urls["station_status"], headers={"If-None-Match": etag})
                assert response.status_code == 304
            total += time.process_time() - start
    return total * 1000 / rounds


def bench_refresh() -> None:
    header("refresh: CPU per SystemFeeds.refresh() with a FeedCache (time.process_time)")
    note("reference: bare httpx conditional GET (304) / GET + json.loads + dict join (changed)")
    with isolated_home(), fixture_server("--synthetic", str(BIG_COUNT)) as base:
        for folder, rounds, target, limit in ((VELIB, 50, "< 1 ms", 1.0), (BIG, 10, "< 5 ms", 5.0)):
            url = f"{base}/{folder}/gbfs.json"
            try:
                ours = asyncio.run(feeds_refresh_cpu(url, rounds, listing=False))
            except Exception as exc:  # e.g. the feed refused: say so, go on
                row(f"{folder} unchanged (304)", "FAILED", target=target, met=False)
                note(f"{type(exc).__name__}: {str(exc)[:160]}")
                continue
            reference = asyncio.run(bare_refresh_cpu(url, rounds, changed=False))
            value = ours["refresh_ms"]
            label = f"{folder} unchanged (304, {ours['changed']:.0f} of {rounds} changed)"
            ratio = value / reference
            row(label, fmt_ms(value), fmt_ms(reference), ratio, target, value < limit)
    with isolated_home(), fixture_server("--churn", "--synthetic", str(BIG_COUNT)) as base:
        for folder, rounds, target, limit in (
            (VELIB, 20, "< 15 ms", 15.0),
            (BIG, 3, "report", None),
        ):
            url = f"{base}/{folder}/gbfs.json"
            try:
                ours = asyncio.run(feeds_refresh_cpu(url, rounds, listing=True))
            except Exception as exc:
                row(f"{folder} changed (churn)", "FAILED", target=target, met=False)
                note(f"{type(exc).__name__}: {str(exc)[:160]}")
                continue
            reference = asyncio.run(bare_refresh_cpu(url, rounds, changed=True))
            value = ours["refresh_ms"]
            met = None if limit is None else value < limit
            row(
                f"{folder} changed (churn, {ours['changed']:.0f} of {rounds})",
                fmt_ms(value),
                fmt_ms(reference),
                value / reference,
                target,
                met,
            )
            row(f"{folder}   + listing load + top-20 rows", fmt_ms(ours["listing_ms"]))


# -- stall ---------------------------------------------------------------------------


class Heartbeat:
    """A 5 ms ``asyncio.sleep`` loop on the running loop; ``worst`` is the longest gap
    between two of its ticks (how long the event loop was kept from running it)."""

    def __init__(self, period_s: float = 0.005) -> None:
        self.period_s = period_s
        self.worst = 0.0
        self._task: asyncio.Task[None] | None = None

    async def _beat(self) -> None:
        last = time.perf_counter()
        while True:
            await asyncio.sleep(self.period_s)
            now = time.perf_counter()
            self.worst = max(self.worst, now - last)
            last = now

    def __enter__(self) -> Heartbeat:
        self.worst = 0.0
        self._task = asyncio.get_running_loop().create_task(self._beat())
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._task is not None
        self._task.cancel()


async def wait_for(condition: Callable[[], bool], timeout_s: float, what: str) -> None:
    deadline = time.perf_counter() + timeout_s
    while not condition():
        if time.perf_counter() > deadline:
            raise TimeoutError(f"{what} not within {timeout_s:.0f} s")
        await asyncio.sleep(0.005)


def _screen_pending(screen: Any) -> bool:
    """The screen has an update to draw or callbacks waiting for one."""
    return bool(
        screen._layout_required or screen._scroll_required or screen._repaint_required
        or screen._recompose_required or screen._dirty_widgets or screen._callbacks
    )  # fmt: skip


async def key_ms(app: Any, pilot: Any, key: str) -> float:
    """Milliseconds from a key event posted to the app to its last frame drawn: every
    message queue of the app and screen drained, the pending update rendered, and again
    while the handlers, the frame or the callbacks after it leave more to draw (at most
    10 frames), so the time covers every frame the key causes, not only the first.

    ``pilot.press`` + ``pilot.pause`` would cost >= 60 ms even in a bare app (Textual's
    ``wait_for_idle`` sleeps in 20 ms steps), so it falls back to that only if Pilot's
    queue wait is missing.
    """
    from textual import events

    drain = getattr(pilot, "_wait_for_screen", None)
    if drain is None:
        start = time.perf_counter()
        await pilot.press(key)
        await pilot.pause()
        return (time.perf_counter() - start) * 1000
    event = events.Key(key, key if len(key) == 1 else None)
    screen = app.screen
    frames: list[float] = []
    draw = screen._compositor_refresh

    def counted_draw() -> None:  # every frame, the update timer's too
        draw()
        frames.append(time.perf_counter())

    screen._compositor_refresh = counted_draw
    start = time.perf_counter()
    try:
        app.post_message(event)
        for _ in range(10):
            for _ in range(3):
                await drain()
            if not _screen_pending(app.screen):
                break
            app.screen._on_timer_update()
            await app.screen._invoke_and_clear_callbacks()
    finally:
        del screen._compositor_refresh
    last = frames[-1] if frames else start
    elapsed = (last - start) * 1000
    await pilot.pause()
    return elapsed


async def app_stall(
    url: str, near: tuple[float, float], refreshes: int, keys: bool
) -> dict[str, Any]:
    """The real app headless on ``url``: idle and refresh heartbeat gaps, key timings."""
    from bikefinder.feeds.cache import FeedCache
    from bikefinder.rider.favourites import FavouritesStore
    from bikefinder.systems.source import SystemSource
    from bikefinder.ui.app import BikefinderApp

    app = BikefinderApp(
        SystemSource(gbfs_url=url), near, FavouritesStore(), cache=FeedCache(url), limit=None
    )  # the default table: as many rows as the screen holds
    result: dict[str, Any] = {}
    async with app.run_test(size=SIZE) as pilot:
        try:
            await wait_for(
                lambda: (
                    app.lead.snapshot is not None
                    and not app.lead.snapshot.from_cache
                    and app.stations.table.row_count > 0
                ),
                180,
                "first table",
            )
        except TimeoutError as exc:
            result["error"] = f"{exc}; last error: {app.lead.schedule.last_error}"
            return result
        await pilot.pause()
        with Heartbeat() as beat:
            await asyncio.sleep(0.5)
        result["idle_ms"] = beat.worst * 1000
        gaps, walls = [], []
        for _ in range(refreshes):
            before = app.lead.snapshot
            start = time.perf_counter()
            with Heartbeat() as beat:
                app.action_refresh()
                await wait_for(
                    lambda b=before: app.lead.snapshot is not b, 120, "refreshed snapshot"
                )
                await pilot.pause()
            walls.append(time.perf_counter() - start)
            gaps.append(beat.worst * 1000)
        result["stall_ms"], result["refresh_s"] = max(gaps), median(walls)
        if keys:
            timings: dict[str, list[float]] = {"j": [], "m": [], "/ then a": []}
            for _ in range(5):
                timings["j"].append(await key_ms(app, pilot, "j"))
                timings["m"].append(await key_ms(app, pilot, "m"))
                await pilot.press("slash")
                await pilot.pause()
                timings["/ then a"].append(await key_ms(app, pilot, "a"))
                await pilot.press("escape")
                await pilot.pause()
            result["keys"] = timings
        app.exit()
    return result


async def floor_keys() -> tuple[float, float]:
    """The references for keys in a bare Textual app with one 20-row DataTable (worst of
    5, as for the app's keys): ``down`` (a cursor move, ``j`` in the app), and a key that
    replaces every row (what a mode change or a filter keystroke costs any DataTable)."""
    app = bare_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        moves = [await key_ms(app, pilot, "down") for _ in range(5)]
        rebuilds = [await key_ms(app, pilot, "x") for _ in range(5)]
        app.exit()
    return max(moves), max(rebuilds)


def bench_stall() -> None:
    header("stall: longest gap between 5 ms heartbeat ticks in the app during a changed refresh")
    note(
        "reference: the same heartbeat with the app idle (stall) / a bare Textual app's "
        "20-row DataTable: j moves its cursor, m and the filter key replace all its rows"
    )
    note(f"keys: the app's default table (as many rows as {SIZE[0]}x{SIZE[1]} holds), "
         "timed from the key posted to the last frame it causes")  # fmt: skip
    with isolated_home(), fixture_server("--churn", "--synthetic", str(BIG_COUNT)) as base:
        floor_move, floor_rebuild = asyncio.run(floor_keys())
        for folder, refreshes, keys in ((VELIB, 5, False), (BIG, 3, True)):
            url = f"{base}/{folder}/gbfs.json"
            try:
                result = asyncio.run(app_stall(url, NEAR[folder], refreshes, keys))
            except Exception as exc:
                result = {"error": f"{type(exc).__name__}: {str(exc)[:160]}"}
            if "error" in result:
                row(f"{folder} refresh stall", "FAILED", target="< 50 ms", met=False)
                note(result["error"])
                continue
            stall, idle = result["stall_ms"], result["idle_ms"]
            row(
                f"{folder} refresh stall (worst of {refreshes})",
                fmt_ms(stall),
                fmt_ms(idle),
                stall / idle,
                "< 50 ms",
                stall < 50,
            )
            note(f"wall time, action_refresh() to new snapshot shown: {fmt_s(result['refresh_s'])}")
            for key, values in result.get("keys", {}).items():
                worst = max(values)
                floor = floor_move if key == "j" else floor_rebuild
                target_ms = 25 if key == "j" else 50
                row(
                    f"{folder} key `{key}` to last frame (worst of 5)",
                    fmt_ms(worst),
                    fmt_ms(floor),
                    worst / floor,
                    f"< {target_ms} ms",
                    worst < target_ms,
                )
                note(f"median {fmt_ms(median(values))}, min {fmt_ms(min(values))}")


# -- tui -----------------------------------------------------------------------------

#: A bare Textual app: one DataTable of 20 rows and a Footer, nothing else. The floor
#: process runs this source alone (``python -c``: no bikefinder module in it); the key
#: floor (stall section) builds the same class in this process.
_BARE_APP = """
from textual.app import App
from textual.widgets import DataTable, Footer

class Bare(App):
    BINDINGS = [("x", "rebuild", "Rebuild"), ("q", "quit", "Quit")]
    rebuilds = 0

    def compose(self):
        yield DataTable()
        yield Footer()

    def on_mount(self):
        table = self.query_one(DataTable)
        table.add_columns(*"abcdefgh")
        for index in range(20):
            table.add_row(f"Bare station {index}", *[str(index)] * 7)
        table.focus()

    def action_rebuild(self):
        # Every row replaced with new content: what a mode change or a filter keystroke
        # asks of any DataTable (the floor for those keys).
        self.rebuilds += 1
        table = self.query_one(DataTable)
        table.clear()
        for index in range(20):
            table.add_row(*[f"{index}-{self.rebuilds}"] * 8)
"""
#: The floor process: the bare app, after writing how many bikefinder modules it holds.
_BARE_PROCESS = (
    _BARE_APP
    + """
import os, sys
with open(os.environ["BENCH_MODULES_FILE"], "w") as out:
    out.write(str(sum(name.split(".")[0] == "bikefinder" for name in sys.modules)))
Bare().run()
"""
)
#: The row the bare app draws first, and the Vélib' station nearest to ``NEAR[VELIB]``
#: (the app's first row): what the pty reader waits for.
BARE_MARK, VELIB_FIRST = "Bare station 0", "Pontoise - La Tournelle"
#: Escape sequences: CSI, OSC, DCS / APC strings, and two-byte ones.
_ANSI = re.compile(
    rb"\x1b(\[[0-9;?<>=$ ]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[PX^_][^\x1b]*\x1b\\|.)"
)


def bare_app() -> Any:
    """The bare app (see ``_BARE_APP``), built in this process."""
    namespace: dict[str, Any] = {}
    exec(_BARE_APP, namespace)
    return namespace["Bare"]()


def pty_first_draw(argv: list[str], env: dict[str, str], mark: str,
                   timeout_s: float = 60.0) -> float:  # fmt: skip
    """Seconds from spawning ``argv`` on a real pseudo-terminal (``SIZE``) to ``mark``
    drawn on it (escape sequences stripped); then ``q`` and, if need be, SIGKILL."""
    import fcntl
    import pty
    import select
    import struct
    import termios

    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", SIZE[1], SIZE[0], 0, 0))
    wanted, seen = mark.encode(), b""
    start = time.perf_counter()
    process = subprocess.Popen(argv, env={**env, "TERM": "xterm-256color"}, stdin=slave,
                               stdout=slave, stderr=slave, start_new_session=True,
                               close_fds=True)  # fmt: skip
    os.close(slave)
    elapsed = None
    try:
        deadline = start + timeout_s
        while elapsed is None and time.perf_counter() < deadline:
            ready, _, _ = select.select([master], [], [], 0.5)
            if not ready:
                continue
            try:
                chunk = os.read(master, 65536)
            except OSError:
                break  # the child closed the terminal
            if not chunk:
                break
            seen = (seen + chunk)[-200_000:]
            if wanted in _ANSI.sub(b"", seen):
                elapsed = time.perf_counter() - start
        if elapsed is None:
            text = _ANSI.sub(b"", seen).decode(errors="replace")[-300:]
            raise RuntimeError(f"{mark!r} not drawn within {timeout_s:.0f} s: {text!r}")
        time.sleep(0.3)  # let the first load finish its cache writes (a cold run)
        os.write(master, b"q")
        quit_by = time.perf_counter() + 5
        while process.poll() is None and time.perf_counter() < quit_by:
            if select.select([master], [], [], 0.1)[0]:
                try:
                    os.read(master, 65536)
                except OSError:
                    break
    finally:
        if process.poll() is None:
            process.kill()
        process.wait()
        os.close(master)
    return elapsed


#: Run as ``python -c``: scripts/serve_fixtures.py, each request it answers written to
#: stdout (``GET <path>``), so the tui section can tell whether a first table was drawn
#: before any request reached the server.
_LOGGING_SERVER = """
import sys
sys.path.insert(0, sys.argv.pop(1))
import serve_fixtures
made = serve_fixtures.make_handler
def logging_handler(site):
    handler = made(site)
    class Logged(handler):
        def do_GET(self):
            print("GET " + self.path, flush=True)
            super().do_GET()
    return Logged
serve_fixtures.make_handler = logging_handler
serve_fixtures.main()
"""


class RequestLog:
    """scripts/serve_fixtures.py in another process, every request timestamped
    (``perf_counter``) by a reader thread; ``base`` is its URL."""

    def __init__(self) -> None:
        import threading

        self.times: list[tuple[float, str]] = []
        self._process = subprocess.Popen(
            [sys.executable, "-c", _LOGGING_SERVER, str(SCRIPTS), "--port", "0"],
            stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        assert self._process.stdout is not None
        self.base = self._process.stdout.readline().strip().rsplit("/", 2)[0]
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self._process.stdout is not None
        for line in self._process.stdout:
            if line.startswith("GET "):
                self.times.append((time.perf_counter(), line[4:].strip()))

    def between(self, start: float, end: float) -> list[str]:
        return [path for moment, path in self.times if start <= moment <= end]

    def close(self) -> None:
        self._process.terminate()
        self._process.wait()


def bench_tui() -> None:
    runs = 7
    header(f"tui: spawn to first table drawn on a real pty ({SIZE[0]}x{SIZE[1]}), median of {runs}")
    note("reference: a bare Textual app (one 20-row DataTable + Footer, no bikefinder module "
         "in its process) drawn the same way; runs interleaved")  # fmt: skip
    server = RequestLog()
    try:
        with tempfile.TemporaryDirectory() as home:
            url = f"{server.base}/{VELIB}/gbfs.json"
            near = ",".join(str(x) for x in NEAR[VELIB])
            app = [sys.executable, "-m", "bikefinder", "--system", url, "--near", near]
            floor_argv = [sys.executable, "-c", _BARE_PROCESS]
            cold, warm, floor, requests_before, modules = [], [], [], [], []
            for run in range(runs):
                env = isolated_env(f"{home}/{run}")
                env["BENCH_MODULES_FILE"] = f"{home}/modules-{run}"
                floor.append(pty_first_draw(floor_argv, env, BARE_MARK))
                modules.append(int(Path(env["BENCH_MODULES_FILE"]).read_text() or 0))
                cold.append(pty_first_draw(app, env, VELIB_FIRST))
                time.sleep(0.2)  # requests still in the reader's pipe
                started = time.perf_counter()
                warm.append(pty_first_draw(app, env, VELIB_FIRST))
                drawn = started + warm[-1]
                time.sleep(0.2)
                requests_before.append(len(server.between(started, drawn)))
    finally:
        server.close()
    base_s = median(floor)
    spread = lambda values: f"min {fmt_s(min(values))}, max {fmt_s(max(values))}"  # noqa: E731
    row("floor: bare Textual app (DataTable + Footer)", fmt_s(base_s))
    note(f"{spread(floor)}; bikefinder modules in its process: {max(modules)}")
    row(f"{VELIB} cold (empty cache, local server)", fmt_s(median(cold)), fmt_s(base_s),
        median(cold) / base_s, "report")  # fmt: skip
    note(spread(cold))
    value = median(warm)
    row(f"{VELIB} warm (from cache, within ttl)", fmt_s(value), fmt_s(base_s), value / base_s,
        "<= floor + 0.15 s", value <= base_s + 0.15)  # fmt: skip
    note(f"{spread(warm)}; floor + {value - base_s:.2f} s")
    row("  requests before the warm first table (all runs)", str(sum(requests_before)),
        target="0", met=sum(requests_before) == 0)  # fmt: skip


# -- memory --------------------------------------------------------------------------


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        kb = next(line.split()[1] for line in status if line.startswith("VmRSS"))
    return int(kb) / 1024


#: Memory: 1,000 refreshes; on every 40th (the 5th, 45th, ...) station_information is
#: due and 80% of the ids are new, so the run sees 20 turnovers of all ids (1,000,000
#: ids), as 2% new ids on every refresh would; the others are 304s. A changed refresh of
#: 50,000 stations takes seconds on a loaded machine: 1,000 of them would not fit.
MEMORY_REFRESHES, MEMORY_ROTATE_EVERY, MEMORY_ROTATE = 1000, 40, 0.8
MEMORY_BUDGET_S = float(os.environ.get("BENCH_MEMORY_BUDGET_S", "180"))


async def memory_run(url: str) -> dict[str, Any]:
    """Refreshes through SystemFeeds (with a FeedCache) and the listing model of a feed
    whose ids rotate, RSS sampled after a full collection; stops at the time budget."""
    from bikefinder.feeds.cache import FeedCache
    from bikefinder.feeds.http import make_http_client
    from bikefinder.feeds.loader import SystemFeeds

    now = [0.0]
    view = listing_model()
    samples: dict[int, float] = {}
    start = time.perf_counter()
    rotations = 0
    async with make_http_client() as http:
        feeds = SystemFeeds(http, url, cache=FeedCache(url), clock=lambda: now[0])
        snapshot = await feeds.load()
        if view is not None:
            view(snapshot)
        done = 0
        for done in range(1, MEMORY_REFRESHES + 1):
            rotate = done % MEMORY_ROTATE_EVERY == 5
            now[0] += 3601.0 if rotate else 1.0  # past the info ttl: info refetched, ids new
            fresh = await feeds.refresh()
            rotations += rotate
            if fresh is not snapshot and view is not None:
                view(fresh)
            snapshot = fresh
            if done in (10, 100) or done % 250 == 0:
                gc.collect()
                samples[done] = rss_mb()
            if time.perf_counter() - start > MEMORY_BUDGET_S:
                break
        gc.collect()
        samples[done] = rss_mb()
    return {
        "samples": samples,
        "done": done,
        "rotations": rotations,
        "seconds": time.perf_counter() - start,
        "stations": len(snapshot.stations),
        "listing": view is not None,
    }


def bench_memory() -> None:
    header(f"memory: RSS over 1,000 refreshes of a {MEMORY_COUNT:,}-station feed whose ids rotate")
    note(
        f"every {MEMORY_ROTATE_EVERY}th refresh: station_information due, {MEMORY_ROTATE:.0%} "
        f"of ids new (20 turnovers of all ids in 1,000 refreshes); the others 304"
    )
    note(
        "in-process: SystemFeeds + FeedCache + StationListing.load/rows; reference: RSS "
        f"after the 10th refresh; stops after {MEMORY_BUDGET_S:.0f} s"
    )
    flags = ("--synthetic", str(MEMORY_COUNT), "--rotate-ids", str(MEMORY_ROTATE))
    with isolated_home(), fixture_server(*flags) as base:
        url = f"{base}/synthetic_{MEMORY_COUNT}/gbfs.json"
        try:
            result = asyncio.run(memory_run(url))
        except Exception as exc:
            row("RSS growth", "FAILED", target="<= 20 MB", met=False)
            note(f"{type(exc).__name__}: {str(exc)[:160]}")
            return
    samples, done = result["samples"], result["done"]
    if 10 not in samples:
        row("RSS growth", "FAILED", target="<= 20 MB", met=False)
        note(f"only {done} refreshes in {result['seconds']:.0f} s")
        return
    final, base_mb = samples[done], samples[10]
    growth = final - base_mb
    complete = done == MEMORY_REFRESHES
    row(
        f"RSS after refresh {done:,} vs after the 10th",
        f"{final:.0f} MB",
        f"{base_mb:.0f} MB",
        final / base_mb,
        "growth <= 20 MB",
        growth <= 20 and complete,
    )
    note("RSS by refresh: " + ", ".join(f"{n}: {mb:.0f} MB" for n, mb in sorted(samples.items())))
    listing = "included" if result["listing"] else "MISSING"
    note(
        f"{done} refreshes ({result['rotations']} with new ids) in {result['seconds']:.0f} s; "
        f"{result['stations']:,} stations in the last snapshot; listing model {listing}"
    )
    if not complete and done > 10:
        projected = growth * (MEMORY_REFRESHES - 10) / (done - 10)
        note(
            f"NOT MET: only {done} of {MEMORY_REFRESHES} refreshes fit the time budget; "
            f"growth so far {growth:.0f} MB, ~{projected:.0f} MB projected at 1,000"
        )


# -- main ----------------------------------------------------------------------------

# -- paris ------------------------------------------------------------------------

PARIS_OPERATORS, PARIS_VEHICLES = 3, 10_000


def paris_urls(base: str) -> list[str]:
    return [f"{base}/{VELIB}/gbfs.json"] + [
        f"{base}/floating_{n}/gbfs.json" for n in range(1, PARIS_OPERATORS + 1)
    ]


def bench_paris() -> None:
    """A Paris-like scene: Vélib's 1,495 stations and 3 x 10,000 free-floating vehicles."""
    header(
        "paris: Vélib' (1,495 stations) + 3 synthetic operators x 10,000 vehicles, "
        "--once whole-process CPU (median of 3) and loader refresh CPU"
    )
    flags = ["--churn"] + ["--free-floating", str(PARIS_VEHICLES)] * PARIS_OPERATORS
    near = ",".join(str(x) for x in NEAR[VELIB])
    python = user_python()
    note(f"--once run by a user install: {python}")
    with fixture_server(*flags) as base, tempfile.TemporaryDirectory() as home:
        urls = paris_urls(base)
        single = ["--once", "--format", "json", "--near", near, "--system", urls[0]]
        mixed = ["--once", "--format", "json", "--near", near, "--vehicles", "all"]
        for url in urls:
            mixed += ["--system", url]
        velib, cold, warm, rss = [], [], [], []
        for run in range(3):
            env = isolated_env(f"{home}/paris-{run}")
            cpu, _, error = run_child("bikefinder", single, env, python)
            if error:
                note(f"Vélib' alone {error}")
                return
            velib.append(cpu)
            for sink in (cold, warm):
                cpu, peak, error = run_child("bikefinder", mixed, env, python)
                if error:
                    row("--once, 4 systems", "FAILED", target="report")
                    note(error)
                    return
                sink.append(cpu)
                rss.append(peak)
        reference = median(velib)
        row("--once Vélib' alone (reference)", fmt_s(reference))
        for kind, values in (("cold cache", cold), ("warm cache", warm)):
            value = median(values)
            row(f"--once 4 systems, 31,495 rows ranked, {kind}", fmt_s(value), fmt_s(reference),
                value / reference, "report")  # fmt: skip
        row("--once 4 systems peak RSS (VmHWM)", f"{max(rss):.0f} MB")
        asyncio.run(_paris_refresh(urls, near, f"{home}/refresh"))


async def _paris_refresh(urls: list[str], near: str, home: str) -> None:
    """In this process: load the four systems, then refresh them (Vélib's status and
    every operator's moving vehicles change each time) and rank the mixed list."""
    from bikefinder.feeds.vehicles import VehicleSelection
    from bikefinder.fleet.fleet import Fleet
    from bikefinder.rider.scene import Query
    from bikefinder.systems.source import SystemSource

    lat, lon = (float(x) for x in near.split(","))
    query = Query((lat, lon), limit=20)
    with environment(XDG_CACHE_HOME=f"{home}/cache"):
        sources = [SystemSource(gbfs_url=url) for url in urls]
        async with Fleet(sources, selection=VehicleSelection.ALL, remember=False) as fleet:
            started = time.process_time()
            await fleet.load()
            load_cpu = time.process_time() - started
            started = time.process_time()
            scene = fleet.scene()
            build_ms = (time.process_time() - started) * 1000
            rank_ms = best_of(20, lambda: scene.rows(query))
            refresh_cpu, rebuild = [], []
            for _ in range(5):
                started = time.process_time()
                await fleet.refresh()
                refresh_cpu.append((time.process_time() - started) * 1000)
                started = time.process_time()
                scene = fleet.scene(scene)
                scene.rows(query)
                rebuild.append((time.process_time() - started) * 1000)
            snapshots = [system.snapshot for system in fleet.systems]
    vehicles = sum(len(snapshot.vehicles) for snapshot in snapshots if snapshot)
    row(f"loader first load, 4 systems ({vehicles:,} vehicles), CPU", fmt_s(load_cpu))
    row("scene build (indexes for 4 systems), CPU", fmt_ms(build_ms))
    row("mixed list: top 20 of 31,495, wall, best of 20", fmt_ms(rank_ms), target="report")
    row("loader refresh, 4 systems (all changed), CPU, median of 5", fmt_ms(median(refresh_cpu)),
        target="report")  # fmt: skip
    row("scene update + top 20 after a refresh, CPU, median of 5", fmt_ms(median(rebuild)))


# -- paris_app ----------------------------------------------------------------------


class FullCollections:
    """Counts the garbage collector's full (generation 2) collections while entered, and
    the longest one: each one stops whichever thread triggered it, the event loop's too."""

    def __init__(self) -> None:
        self.count = 0
        self.longest_ms = 0.0
        self._started = 0.0

    def _callback(self, phase: str, info: dict[str, int]) -> None:
        if info["generation"] != 2:
            return
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.count += 1
            self.longest_ms = max(self.longest_ms, (time.perf_counter() - self._started) * 1000)

    def __enter__(self) -> FullCollections:
        gc.callbacks.append(self._callback)
        return self

    def __exit__(self, *exc: object) -> None:
        gc.callbacks.remove(self._callback)


async def app_paris(urls: list[str], near: tuple[float, float], refreshes: int) -> dict[str, Any]:
    """The real app headless on the Paris-like scene (four systems, every vehicle form):
    time to the first mixed table with all four systems, and the longest heartbeat gap
    during the first load and during each refresh of every system."""
    from bikefinder.feeds.cache import FeedCache
    from bikefinder.feeds.vehicles import VehicleSelection
    from bikefinder.rider.favourites import FavouritesStore
    from bikefinder.systems.source import SystemSource
    from bikefinder.ui.app import BikefinderApp

    more = [SystemSource(gbfs_url=url) for url in urls[1:]]
    app = BikefinderApp(SystemSource(gbfs_url=urls[0]), near, FavouritesStore(),
                        cache=FeedCache(urls[0]), limit=20, more_sources=more,
                        vehicles=VehicleSelection.ALL)  # fmt: skip

    def snapshots() -> list[Any]:
        return [system.snapshot for system in app.fleet.systems]

    def shown(wanted: list[Any]) -> bool:
        scene = app.scene
        return (
            scene is not None
            and all(s is not None and not s.from_cache for s in wanted)
            and all(any(i.snapshot is s for i in scene.indexes) for s in wanted)
            and app.stations.table.row_count > 0
        )

    result: dict[str, Any] = {}
    started = time.perf_counter()
    async with app.run_test(size=SIZE) as pilot:
        with Heartbeat() as beat:
            try:
                await wait_for(lambda: shown(snapshots()), 180, "first mixed table")
            except TimeoutError as exc:
                result["error"] = f"{exc}; last error: {app.lead.schedule.last_error}"
                return result
            result["first_table_s"] = time.perf_counter() - started
            await pilot.pause()
        result["load_stall_ms"] = beat.worst * 1000
        with Heartbeat() as beat:
            await asyncio.sleep(0.5)
        result["idle_ms"] = beat.worst * 1000
        gaps, walls = [], []
        with FullCollections() as full:
            for _ in range(refreshes):
                before = snapshots()
                start = time.perf_counter()
                with Heartbeat() as beat:
                    app.action_refresh()

                    def refreshed(before: list[Any] = before) -> bool:
                        now = snapshots()
                        return all(a is not b for a, b in zip(now, before, strict=True)) and shown(
                            now
                        )

                    await wait_for(refreshed, 120, "every system refreshed and shown")
                    await pilot.pause()
                walls.append(time.perf_counter() - start)
                gaps.append(beat.worst * 1000)
        result["stall_ms"], result["refresh_s"] = max(gaps), median(walls)
        result["full_gcs"], result["full_gc_ms"] = full.count, full.longest_ms
        result["rows"] = app.stations.table.row_count
        app.exit()
    return result


def paris_app_child(*urls: str) -> None:
    """Child process: one run of :func:`app_paris`, its result as one JSON line."""
    try:
        result = asyncio.run(app_paris(list(urls), NEAR[VELIB], PARIS_APP_REFRESHES))
    except Exception as exc:
        result = {"error": f"{type(exc).__name__}: {str(exc)[:160]}"}
    print(json.dumps(result), flush=True)


PARIS_APP_RUNS, PARIS_APP_REFRESHES = 5, 3


def bench_paris_app() -> None:
    """Issue 11's event-loop rule on the Paris-like scene, in the real app, over several
    runs (each a fresh process: imports, caches and the collector start as a rider's do)."""
    runs, refreshes = PARIS_APP_RUNS, PARIS_APP_REFRESHES
    header(
        "paris_app: the app (BikefinderApp under Pilot) on Vélib' + 3 x 10,000 vehicles, "
        f"--vehicles all: first table, and heartbeat gaps while loading and refreshing, {runs} runs"
    )
    note("reference: the same heartbeat with the app idle; a refresh fetches all four systems; "
         "spread: min / median / max over the runs")  # fmt: skip
    flags = ["--churn"] + ["--free-floating", str(PARIS_VEHICLES)] * PARIS_OPERATORS
    results: list[dict[str, Any]] = []
    with fixture_server(*flags) as base:
        for run in range(runs):
            with tempfile.TemporaryDirectory() as home:  # an empty cache each run
                argv = [sys.executable, str(Path(__file__).resolve()), "_paris_app_child",
                        *paris_urls(base)]  # fmt: skip
                done = subprocess.run(argv, env=isolated_env(home), capture_output=True,
                                      text=True, check=False)  # fmt: skip
            lines = done.stdout.strip().splitlines()
            try:
                results.append(json.loads(lines[-1]))
            except (IndexError, ValueError):
                results.append({"error": f"run {run}: exit {done.returncode}: "
                                         f"{done.stderr.strip()[-160:]}"})  # fmt: skip
    failed = [r["error"] for r in results if "error" in r]
    if failed:
        row("paris app", "FAILED", target="< 50 ms", met=False)
        for error in failed:
            note(error)
        results = [r for r in results if "error" not in r]
        if not results:
            return

    def spread(key: str, show: Callable[[float], str]) -> tuple[float, str]:
        values = sorted(r[key] for r in results)
        return max(values), " / ".join(show(v) for v in (values[0], median(values), values[-1]))

    idle = median([r["idle_ms"] for r in results])
    _, first_text = spread("first_table_s", fmt_s)
    first_median = median([r["first_table_s"] for r in results])
    row(f"first mixed table, 4 systems (wall, from start), median of {len(results)}",
        fmt_s(first_median), target="<= 1.0 s", met=first_median <= 1.0)  # fmt: skip
    note(f"spread {first_text}")
    for key, label in (("load_stall_ms", "the first load"),
                       ("stall_ms", f"{refreshes} refreshes of all systems")):  # fmt: skip
        worst, text = spread(key, fmt_ms)
        row(f"longest loop gap during {label}, worst of {len(results)} runs", fmt_ms(worst),
            fmt_ms(idle), worst / idle, "< 50 ms", worst < 50)  # fmt: skip
        note(f"spread {text}")
    walls = median([r["refresh_s"] for r in results])
    note(f"wall time, action_refresh() to all four new snapshots shown: {fmt_s(walls)} "
         f"(median); {results[0]['rows']} rows listed")  # fmt: skip
    total = sum(r["full_gcs"] for r in results)
    longest = max(r["full_gc_ms"] for r in results)
    row(f"full GCs during refreshes, all {len(results)} runs (longest)",
        f"{total} ({fmt_ms(longest)})", target="0", met=total == 0)  # fmt: skip
    note("per run: " + ", ".join(str(r["full_gcs"]) for r in results))


# -- trips -----------------------------------------------------------------------------

#: Midtown to Lower Manhattan, and a short hop across Midtown.
TRIPS = {"Midtown -> Lower Manhattan": ((40.75, -73.98), (40.71, -74.01)),
         "across Midtown (1.6 km)": ((40.75, -73.98), (40.76, -73.965))}  # fmt: skip


def brute_force_trips(scene: Any, origin: Any, destination: Any, speeds: Any) -> list[float]:
    """Every usable pickup's best total over every usable drop-off: all pairs, best 3
    (Citi Bike publishes no opening hours: every station's are unknown)."""
    from datetime import UTC, datetime

    from bikefinder.common.geo import haversine_m
    from bikefinder.feeds.opening_status import UNKNOWN as unknown
    from bikefinder.rider.modes import Mode
    from bikefinder.rider.scene import station_reason
    from bikefinder.rider.trips import RETURN_S, TAKE_S

    walk = 3.6 / speeds.walking_kmh
    ride = 1.25 * 3.6 / speeds.riding_kmh
    moment = datetime.now(UTC)
    totals = []
    for index in scene.indexes:
        stations = index.snapshot.stations
        pickups = [
            s for s in stations if station_reason(s, Mode.ANY_BIKE, None, unknown, moment) is None
        ]
        drops = [s for s in stations if station_reason(s, Mode.DOCK, None, unknown, moment) is None]
        walk_from = [walk * haversine_m(d.info.lat, d.info.lon, *destination) for d in drops]
        for p in pickups:
            lat, lon = p.info.lat, p.info.lon
            fixed = walk * haversine_m(*origin, lat, lon) + TAKE_S + RETURN_S
            best = min(
                fixed + ride * haversine_m(lat, lon, d.info.lat, d.info.lon) + walk_from[i]
                for i, d in enumerate(drops)
                if d.station_id != p.station_id
            )
            totals.append(best)
    return sorted(totals)[:3]


def bench_trips() -> None:
    """The planner on Citi Bike (2,226 stations, no opening hours): CPU per plan of the
    best three trips, after the data is loaded, beside a brute force in the same run."""
    from datetime import UTC, datetime

    from bikefinder.feeds.http import make_http_client
    from bikefinder.feeds.loader import SystemFeeds
    from bikefinder.rider.rows import SceneSystem
    from bikefinder.rider.scene import Scene
    from bikefinder.rider.trips import Speeds, plan_trips

    header("trips: best 3 on Citi Bike (2,226 stations), CPU per plan, data loaded")
    with fixture_server() as base:
        url = f"{base}/{CITI}/gbfs.json"

        async def load() -> Any:
            async with make_http_client() as http:
                return await SystemFeeds(http, url).load()

        snapshot = asyncio.run(load())
    scene = Scene.build([(SceneSystem("citi", "Citi Bike", url), snapshot, None)])
    speeds = Speeds()
    now = datetime.now(UTC)
    for label, (origin, destination) in TRIPS.items():
        ours = cpu_ms(20, lambda o=origin, d=destination: plan_trips(scene, o, d, now=now))
        start = time.process_time()  # once: about 7 s of CPU
        expected = brute_force_trips(scene, origin, destination, speeds)
        brute = (time.process_time() - start) * 1000
        plan = plan_trips(scene, origin, destination, now=now)
        same = all(abs(t.total_s - e) < 1e-6 for t, e in zip(plan.trips, expected, strict=True))
        row(f"{label}: best 3 trips", fmt_ms(ours), fmt_ms(brute), ours / brute, "< 50 ms",
            ours < 50)  # fmt: skip
        row("  same totals as the brute force", str(same), met=same)
        note(f"best: {round(plan.trips[0].total_s)} s; walking {round(plan.walk_only_s)} s")


SECTIONS: dict[str, Callable[[], None]] = {
    "ranking": bench_ranking,
    "once": bench_once,
    "parsing": bench_parsing,
    "refresh": bench_refresh,
    "stall": bench_stall,
    "tui": bench_tui,
    "memory": bench_memory,
    "paris": bench_paris,
    "paris_app": bench_paris_app,
    "trips": bench_trips,
}
_CHILDREN: dict[str, Callable[..., None]] = {"_paris_app_child": paris_app_child}


def machine_note() -> str:
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as info:
            cpu = next(
                line.split(":", 1)[1].strip() for line in info if line.startswith("model name")
            )
    except (OSError, StopIteration):
        pass
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return f"{platform.machine()}, {os.cpu_count()} CPUs ({cpu}), load average {load}"


def compile_bytecode() -> None:
    """Compile bikefinder's modules once, as an installed package is (pip compiles on
    install): with ``PYTHONDONTWRITEBYTECODE`` set and stale .pyc files, every child
    process would otherwise recompile them, a cost no rider pays."""
    import compileall

    compileall.compile_dir(ROOT / "bikefinder", quiet=1)


def main(argv: list[str]) -> int:
    if argv[:1] and argv[0] in _CHILDREN:
        _CHILDREN[argv[0]](*argv[1:])
        return 0
    wanted = argv or list(SECTIONS)
    unknown = [name for name in wanted if name not in SECTIONS]
    if unknown:
        print(f"unknown section(s): {', '.join(unknown)}; choose from {', '.join(SECTIONS)}")
        return 2
    print(
        f"bikefinder benchmark, {time.strftime('%Y-%m-%d %H:%M')}; "
        f"Python {sys.version.split()[0]}; {machine_note()}"
    )
    print("shared, noisy machine: compare ratios against the reference of the same run")
    compile_bytecode()
    started = time.perf_counter()
    for name in wanted:
        section_start = time.perf_counter()
        SECTIONS[name]()
        note(f"({name}: {time.perf_counter() - section_start:.0f} s)")
    print(f"\ntotal {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
