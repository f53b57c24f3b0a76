"""``--once`` from a cache within its feeds' ttl, end to end over local HTTP: no request,
the same document, the HTTP stack never imported; past the ttl, or with a corrupt copy,
the server is asked as before. And a printed command ends without the interpreter's
teardown."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from conftest import REPO_ROOT, FeedServer, RunCli, cli_env

CITI = "citibike_v1.1_2024"
NEAR = "40.75,-73.98"
#: Whatever differs between two runs of the same answer (the clock moved on).
MOMENT_KEYS = {"generated_at", "data_age_s"}
#: Modules a warm answer must not import: the HTTP stack and the event loop (with ssl),
#: and what only a debug log, a write, opening hours, a record class, a CSV answer or
#: OpenSSL's hashes would need.
NOT_IMPORTED = ("httpx", "httpcore", "h11", "anyio", "ssl", "asyncio", "rich", "logging",
                "dataclasses", "zoneinfo", "secrets", "signal", "csv",
                "hashlib")  # fmt: skip
#: Modules an answer without trips, alerts or prices does not import either (the Citi
#: Bike fixture has none), nor the completion writer.
NOT_NEEDED = ("bikefinder.rider.trips", "bikefinder.rider.trip_output",
              "bikefinder.feeds.system_alerts", "bikefinder.feeds.pricing",
              "bikefinder.cli.completion",
              # the gazetteer: the system's country comes from coverage.json
              "bikefinder.systems.places", "importlib.resources")  # fmt: skip
#: bikefinder's own and third-party modules a warm ``--once --format json`` imports (87:
#: no trip planner, alerts or pricing module for an answer without them, no completion
#: writer; 262 before it avoided the HTTP stack): a bound, never to be raised.
MODULE_BOUND = 87


def once_args(gbfs_url: str, *extra: str) -> tuple[str, ...]:
    return ("--once", "--format", "json", "--near", NEAR, "--system", gbfs_url, *extra)


def without_moment(document: Any) -> Any:
    """``document`` without the keys that name the moment of the run."""
    if isinstance(document, dict):
        return {k: without_moment(v) for k, v in document.items() if k not in MOMENT_KEYS}
    if isinstance(document, list):
        return [without_moment(item) for item in document]
    return document


def cache_metas(tmp_path: Path, home: str = "home") -> list[Path]:
    return sorted((tmp_path / home / ".cache" / "bikefinder" / "feeds").glob("*/*.meta.json"))


def age_cache(tmp_path: Path, seconds: float) -> None:
    """Every cached feed fetched ``seconds`` earlier than it was."""
    for path in cache_metas(tmp_path):
        meta = json.loads(path.read_bytes())
        meta["fetched_at"] -= seconds
        path.write_text(json.dumps(meta))


def cold_run(feed_server: FeedServer, run_cli: RunCli) -> tuple[str, Any]:
    """The Citi Bike fixture served, loaded once (3 requests); its URL and document."""
    gbfs_url = feed_server.serve_fixture(CITI)
    cold = run_cli(*once_args(gbfs_url))
    assert cold.code == 0, cold.stderr
    assert len(feed_server.requests) == 3  # gbfs.json, station_information, station_status
    feed_server.requests.clear()
    return gbfs_url, cold.json()


def test_a_warm_once_within_the_ttl_asks_nothing_and_prints_the_same_document(
    feed_server: FeedServer, run_cli: RunCli
) -> None:
    gbfs_url, cold = cold_run(feed_server, run_cli)
    warm = run_cli(*once_args(gbfs_url))
    assert warm.code == 0 and warm.stderr == ""
    assert feed_server.requests == []
    assert without_moment(warm.json()) == without_moment(cold)
    table = run_cli("--once", "--near", NEAR, "--system", gbfs_url, "--limit", "3")
    heading = table.stdout.splitlines()[0]  # "data 795 d old (cached 2 s ago, within ...)"
    assert "s ago, within the feed's ttl)" in heading, heading
    assert feed_server.requests == []


def test_past_the_ttl_the_server_is_asked(
    feed_server: FeedServer, run_cli: RunCli, tmp_path: Path
) -> None:
    gbfs_url, cold = cold_run(feed_server, run_cli)
    age_cache(tmp_path, 61)  # the status feed's ttl is 60 s
    late = run_cli(*once_args(gbfs_url))
    assert late.code == 0 and late.stderr == ""
    assert len(feed_server.requests) == 3
    assert without_moment(late.json()) == without_moment(cold)


def test_refresh_shortens_what_is_trusted(
    feed_server: FeedServer, run_cli: RunCli, tmp_path: Path
) -> None:
    """``--refresh 1``: the rider's period wins over the feed's ttl, here as in the app."""
    gbfs_url, _ = cold_run(feed_server, run_cli)
    age_cache(tmp_path, 2)
    assert run_cli(*once_args(gbfs_url, "--refresh", "1")).code == 0
    assert f"/{CITI}/station_status.json" in {request.path for request in feed_server.requests}


def test_a_corrupt_cache_entry_falls_back_to_the_network(
    feed_server: FeedServer, run_cli: RunCli, tmp_path: Path
) -> None:
    gbfs_url, cold = cold_run(feed_server, run_cli)
    folder = cache_metas(tmp_path)[0].parent
    (folder / "station_status.json").write_bytes(b'{"data": ')  # cut short, same name
    (folder / "station_information.meta.json").write_text("{not json")
    result = run_cli(*once_args(gbfs_url))
    assert result.code == 0 and result.stderr == "", result.stderr
    assert "Traceback" not in result.stderr
    assert len(feed_server.requests) == 3
    assert without_moment(result.json()) == without_moment(cold)
    feed_server.requests.clear()  # and the copies fetched again are trusted next time
    assert run_cli(*once_args(gbfs_url)).code == 0 and feed_server.requests == []


def test_a_warm_once_imports_neither_the_http_stack_nor_asyncio(
    feed_server: FeedServer, run_cli: RunCli, tmp_path: Path
) -> None:
    """The set of modules a warm answer imports, held so that it cannot creep back."""
    gbfs_url, _ = cold_run(feed_server, run_cli)
    code = (
        "import sys\n"
        "from bikefinder.cli.main import main\n"
        f"code = main({list(once_args(gbfs_url))!r})\n"
        "import json\n"
        "print(json.dumps([code, sorted(sys.modules)]), file=sys.stderr)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=cli_env(tmp_path / "home"), cwd=REPO_ROOT, timeout=60)  # fmt: skip
    status, modules = json.loads(done.stderr.strip().splitlines()[-1])
    assert status == 0 and feed_server.requests == []
    tops = {name.split(".")[0] for name in modules}
    assert not tops & set(NOT_IMPORTED), sorted(tops & set(NOT_IMPORTED))
    assert not set(modules) & set(NOT_NEEDED), sorted(set(modules) & set(NOT_NEEDED))
    standard = sys.stdlib_module_names
    ours = [name for name in modules if name.split(".")[0] not in standard | {"__main__"}]
    ours = [name for name in ours if not name.startswith("_")]
    assert len(ours) <= MODULE_BOUND, f"{len(ours)} modules: {ours}"


def test_a_printed_answer_ends_the_process_without_teardown(
    feed_server: FeedServer, run_cli: RunCli, tmp_path: Path
) -> None:
    """Flushed, complete output and the right status, but no exit hooks run: the process
    ended with ``os._exit`` once nothing was left to write (the debug log included)."""
    gbfs_url, cold = cold_run(feed_server, run_cli)
    code = (
        "import atexit, sys\n"
        "atexit.register(lambda: print('teardown', file=sys.stderr))\n"
        f"sys.argv = ['bikefinder', *{list(once_args(gbfs_url, '--debug'))!r}]\n"
        "from bikefinder.cli.main import main\n"
        "raise SystemExit(main())\n"
    )
    home = tmp_path / "home"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=cli_env(home), cwd=REPO_ROOT, timeout=60)  # fmt: skip
    assert done.returncode == 0 and "teardown" not in done.stderr, done.stderr
    assert without_moment(json.loads(done.stdout)) == without_moment(cold)
    log = next((home / ".local" / "state").rglob("*.log")).read_text(encoding="utf-8")
    assert log.rstrip().endswith("every feed cached within its ttl: no request")
