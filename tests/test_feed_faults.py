"""Issue 6, feeds: every way a feed can break, through the real HTTP path on 127.0.0.1.

Each case runs ``bikefinder --once`` as a subprocess and asserts the promise of
docs/faults.md: exit 1 with exactly one stderr line naming the system, the feed and
the cause, or exit 0 with the bad stations skipped and counted. Never a traceback,
never a wrong number shown as if it were true.
"""

from __future__ import annotations

import copy
import json
import socket
from typing import Any

import pytest

SYSTEM_NAME = "Testville Bikes"
PREFIX = "sys"
NEAR = "48.0,2.0"

STATIONS = [
    {"station_id": "A", "name": "Alpha", "lat": 48.0, "lon": 2.0, "capacity": 10},
    {"station_id": "B", "name": "Bravo", "lat": 48.001, "lon": 2.0, "capacity": 12},
    {"station_id": "C", "name": "Charlie", "lat": 48.002, "lon": 2.0, "capacity": 8},
]
STATUSES = [
    {
        "station_id": station_id,
        "num_bikes_available": bikes,
        "num_ebikes_available": ebikes,
        "num_docks_available": docks,
        "is_installed": True,
        "is_renting": True,
        "is_returning": True,
        "last_reported": 1_700_000_000,
    }
    for station_id, bikes, ebikes, docks in (("A", 3, 1, 7), ("B", 5, 0, 7), ("C", 0, 0, 8))
]


def feed_docs() -> dict[str, Any]:
    """A small valid v2 system: three stations 111 m apart, due north of NEAR."""
    return {
        "system_information": {
            "last_updated": 1_700_000_000,
            "ttl": 60,
            "version": "2.3",
            "data": {"system_id": "testville", "name": SYSTEM_NAME, "language": "en"},
        },
        "station_information": envelope(copy.deepcopy(STATIONS)),
        "station_status": envelope(copy.deepcopy(STATUSES)),
    }


def envelope(stations: Any) -> dict[str, Any]:
    return {
        "last_updated": 1_700_000_000,
        "ttl": 10,
        "version": "2.3",
        "data": {"stations": stations},
    }


def serve(feed_server: Any, urls: dict[str, str] | None = None, **overrides: Any) -> str:
    """The base system with some feeds replaced (content, a Response or a handler)."""
    feeds = feed_docs()
    feeds.update(overrides)
    return feed_server.serve_system(PREFIX, feeds, urls=urls)


def once(run_cli: Any, gbfs_url: str, *args: str, env: dict[str, str] | None = None) -> Any:
    return run_cli(
        "--once", "--format", "json", "--near", NEAR, "--system", gbfs_url, *args, env=env
    )


def assert_fails(result: Any, feed: str, *causes: str) -> str:
    """Exit 1, nothing on stdout, one stderr line naming system, feed and cause."""
    assert result.code == 1, (result.code, result.stdout[:300], result.stderr)
    assert result.stdout == ""
    line = result.error_line  # exactly one line, no traceback
    assert line.startswith("bikefinder: ")
    assert SYSTEM_NAME in line or f"127.0.0.1/{PREFIX}" in line or "127.0.0.1" in line, line
    assert f": {feed}: " in line, line
    for cause in causes:
        assert cause.lower() in line.lower(), (cause, line)
    return line


def assert_succeeds(result: Any) -> dict[str, Any]:
    assert result.code == 0, result.stderr
    assert "Traceback" not in result.stderr
    return result.json()


def by_id(output: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {station["station_id"]: station for station in output["stations"]}


def test_the_base_system_loads(feed_server, run_cli) -> None:
    """The control case: every fault below differs from this only by the fault."""
    output = assert_succeeds(once(run_cli, serve(feed_server)))
    assert output["system"]["name"] == SYSTEM_NAME
    assert [s["station_id"] for s in output["stations"]] == ["A", "B", "C"]
    a = by_id(output)["A"]
    assert (a["bikes"], a["mechanical"], a["electric"], a["docks"]) == (3, 2, 1, 7)
    assert output["skipped"] == {
        "info_only": 0,
        "status_only": 0,
        "duplicate_ids": 0,
        "rejected": 0,
    }


# --------------------------------------------------------------------------- HTTP status


@pytest.mark.parametrize("feed", ["gbfs.json", "station_information", "station_status"])
def test_404_on_a_required_feed(feed_server, run_cli, feed: str) -> None:
    gbfs_url = serve(feed_server)
    path = f"/{PREFIX}/{feed}" if feed == "gbfs.json" else f"/{PREFIX}/{feed}.json"
    del feed_server.routes[path]
    assert_fails(once(run_cli, gbfs_url), feed, "HTTP 404")


@pytest.mark.parametrize("feed", ["vehicle_types", "system_information"])
def test_404_on_an_optional_feed_is_not_an_error(feed_server, run_cli, feed: str) -> None:
    gbfs_url = serve(feed_server, vehicle_types={"data": {"vehicle_types": []}})
    del feed_server.routes[f"/{PREFIX}/{feed}.json"]
    output = assert_succeeds(once(run_cli, gbfs_url))
    assert len(output["stations"]) == 3
    assert by_id(output)["A"]["bikes"] == 3
    if feed == "system_information":
        assert output["system"]["name"] == f"127.0.0.1/{PREFIX}"


def test_403_without_the_client_header_suggests_client_id(feed_server, run_cli) -> None:
    docs = feed_docs()
    gbfs_url = serve(
        feed_server,
        station_status=feed_server.requires_header("X-Api-Key", docs["station_status"]),
    )
    line = assert_fails(once(run_cli, gbfs_url), "station_status", "HTTP 403")
    assert "--client-id" in line


@pytest.mark.parametrize("status", [500, 502, 503])
def test_server_errors(feed_server, run_cli, status: int) -> None:
    gbfs_url = serve(feed_server, station_information=feed_server.respond("oops", status))
    assert_fails(once(run_cli, gbfs_url), "station_information", f"HTTP {status}")


def test_429_with_a_short_retry_after_is_retried(feed_server, run_cli) -> None:
    docs = feed_docs()
    gbfs_url = serve(
        feed_server, station_status=feed_server.rate_limits("1", docs["station_status"])
    )
    result = once(run_cli, gbfs_url)
    output = assert_succeeds(result)
    assert by_id(output)["B"]["bikes"] == 5
    assert len(feed_server.requests_for(f"/{PREFIX}/station_status.json")) == 2
    assert result.elapsed_s >= 1.0  # it really waited


@pytest.mark.parametrize(
    ("retry_after", "shown"),
    [("3600", "retry after 3600 s"), ("Wed, 21 Oct 2099 07:28:00 GMT", "retry after")],
)
def test_429_with_a_long_retry_after_fails_clearly(
    feed_server, run_cli, retry_after: str, shown: str
) -> None:
    docs = feed_docs()
    gbfs_url = serve(
        feed_server,
        station_status=feed_server.rate_limits(retry_after, docs["station_status"], times=9),
    )
    result = once(run_cli, gbfs_url)
    assert_fails(result, "station_status", "HTTP 429", shown)
    assert result.elapsed_s < 5  # did not sit out the hour


# --------------------------------------------------------------------------- the wire


def test_redirect_loop(feed_server, run_cli) -> None:
    gbfs_url = serve(feed_server)
    loop = f"/{PREFIX}/station_status.json"
    feed_server.add(loop, feed_server.redirects(feed_server.url("/elsewhere")))
    feed_server.add("/elsewhere", feed_server.redirects(feed_server.url(loop)))
    assert_fails(once(run_cli, gbfs_url), "station_status", "redirect")


def test_redirects_are_followed(feed_server, run_cli) -> None:
    docs = feed_docs()
    gbfs_url = serve(feed_server)
    feed_server.add("/moved/status", docs["station_status"])
    feed_server.add("/hop", feed_server.redirects(feed_server.url("/moved/status"), 301))
    feed_server.add(f"/{PREFIX}/station_status.json", feed_server.redirects("/hop", 307))
    assert by_id(assert_succeeds(once(run_cli, gbfs_url)))["A"]["docks"] == 7


def test_redirect_to_a_file_url_is_not_followed(feed_server, run_cli, tmp_path) -> None:
    local = tmp_path / "status.json"
    local.write_text(json.dumps(feed_docs()["station_status"]))
    gbfs_url = serve(feed_server)
    feed_server.add(f"/{PREFIX}/station_status.json", feed_server.redirects(local.as_uri()))
    assert_fails(once(run_cli, gbfs_url), "station_status")


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_connection_refused(feed_server, run_cli) -> None:
    dead = f"http://127.0.0.1:{closed_port()}/station_status.json"
    gbfs_url = serve(feed_server, urls={"station_status": dead})
    assert_fails(once(run_cli, gbfs_url), "station_status", "connection refused")


def test_connection_refused_on_discovery(run_cli) -> None:
    result = once(run_cli, f"http://127.0.0.1:{closed_port()}/gbfs.json")
    assert_fails(result, "gbfs.json", "connection refused")


def test_server_that_never_answers_times_out(feed_server, run_cli) -> None:
    gbfs_url = serve(feed_server, station_status=feed_server.never_answers())
    result = once(run_cli, gbfs_url, env={"BIKEFINDER_HTTP_TIMEOUT": "1"})
    assert_fails(result, "station_status", "timed out")
    assert result.elapsed_s < 4


def test_trickling_server_hits_the_overall_deadline(feed_server, run_cli) -> None:
    """One byte every 0.2 s never trips a per-read timeout; the deadline still ends it."""
    gbfs_url = serve(feed_server, station_information=feed_server.trickles(0.2))
    result = once(run_cli, gbfs_url, env={"BIKEFINDER_HTTP_TIMEOUT": "0.5"})
    assert_fails(result, "station_information", "timed out")
    assert result.elapsed_s < 6


def test_body_cut_in_half_with_declared_length(feed_server, run_cli) -> None:
    docs = feed_docs()
    gbfs_url = serve(feed_server, station_status=feed_server.cut_body(docs["station_status"]))
    assert_fails(once(run_cli, gbfs_url), "station_status", "connection broken")


def test_body_cut_in_half_without_length(feed_server, run_cli) -> None:
    docs = feed_docs()
    cut = feed_server.cut_body(docs["station_information"], declare_length=False)
    gbfs_url = serve(feed_server, station_information=cut)
    assert_fails(once(run_cli, gbfs_url), "station_information", "truncated JSON")


@pytest.mark.parametrize(
    ("body", "cause"),
    [
        (b"", "empty response"),
        (b"  \n ", "empty response"),
        (b"<!DOCTYPE html><html><body>Maintenance</body></html>", "HTML"),
        (b'{"data": {"stations": [}}', "invalid JSON"),
        (b'{"data": {"stations": [{"name": "Caf\xe9"}]}}', "not UTF-8"),
        (b'{"data": {"stations": [{"name": "Caf\xc3', "truncated"),
        (b"1" * 5000, ""),  # an integer too long for Python's int parser
        (b"[" * 100_000 + b"]" * 100_000, "invalid JSON"),
        (b'"just a string"', "JSON object"),
        (b"[1, 2, 3]", "JSON object"),
    ],
    ids=[
        "empty",
        "blank",
        "html",
        "invalid",
        "not-utf8",
        "cut-utf8",
        "huge-int",
        "deep",
        "string",
        "list",
    ],
)
def test_garbage_bodies(feed_server, run_cli, body: bytes, cause: str) -> None:
    gbfs_url = serve(feed_server, station_status=body)
    assert_fails(once(run_cli, gbfs_url), "station_status", cause)


def test_50_mb_body_with_declared_length_is_refused_up_front(feed_server, run_cli) -> None:
    huge = feed_server.streams(50 * 2**20, declare_length=True)
    gbfs_url = serve(feed_server, station_information=huge)
    assert_fails(once(run_cli, gbfs_url), "station_information", "too large")


def test_50_mb_streamed_body_hits_the_size_cap(feed_server, run_cli) -> None:
    huge = feed_server.streams(50 * 2**20, declare_length=False)
    gbfs_url = serve(feed_server, station_information=huge)
    result = once(run_cli, gbfs_url)
    assert_fails(result, "station_information", "larger than")


def test_gzip_that_is_not_gzip(feed_server, run_cli) -> None:
    body = json.dumps(feed_docs()["station_status"]).encode()
    gbfs_url = serve(feed_server, station_status=feed_server.respond(body, Content_Encoding="gzip"))
    assert_fails(once(run_cli, gbfs_url), "station_status", "corrupt")


def test_real_gzip_is_decoded(feed_server, run_cli) -> None:
    import gzip

    body = gzip.compress(json.dumps(feed_docs()["station_status"]).encode())
    gbfs_url = serve(feed_server, station_status=feed_server.respond(body, Content_Encoding="gzip"))
    assert by_id(assert_succeeds(once(run_cli, gbfs_url)))["B"]["bikes"] == 5
