"""Every way a feed can break, through the real HTTP path on 127.0.0.1.

Each case runs ``bikefinder --once`` against a real HTTP server on 127.0.0.1: most
in process through ``bikefinder.cli.main`` (``run_main``, fast), a representative set
as a real subprocess (``run_cli``). Each asserts the promise of docs/faults.md: exit 1
with exactly one stderr line naming the system, the feed and the cause, or exit 0 with
the bad stations skipped and counted. Never a traceback, never a wrong number shown as
if it were true.
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


def once(run_main: Any, gbfs_url: str, *args: str, env: dict[str, str] | None = None) -> Any:
    return run_main(
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
def test_404_on_an_optional_feed_is_not_an_error(feed_server, run_main, feed: str) -> None:
    gbfs_url = serve(feed_server, vehicle_types={"data": {"vehicle_types": []}})
    del feed_server.routes[f"/{PREFIX}/{feed}.json"]
    output = assert_succeeds(once(run_main, gbfs_url))
    assert len(output["stations"]) == 3
    assert by_id(output)["A"]["bikes"] == 3
    if feed == "system_information":
        assert output["system"]["name"] == f"127.0.0.1/{PREFIX}"


def test_403_without_the_client_header_suggests_client_id(feed_server, run_main) -> None:
    docs = feed_docs()
    gbfs_url = serve(
        feed_server,
        station_status=feed_server.requires_header("X-Api-Key", docs["station_status"]),
    )
    line = assert_fails(once(run_main, gbfs_url), "station_status", "HTTP 403")
    assert "--client-id" in line


@pytest.mark.parametrize("status", [500, 502, 503])
def test_server_errors(feed_server, run_main, status: int) -> None:
    gbfs_url = serve(feed_server, station_information=feed_server.respond("oops", status))
    assert_fails(once(run_main, gbfs_url), "station_information", f"HTTP {status}")


def test_429_with_a_short_retry_after_is_retried(feed_server, run_main) -> None:
    docs = feed_docs()
    gbfs_url = serve(
        feed_server, station_status=feed_server.rate_limits("1", docs["station_status"])
    )
    result = once(run_main, gbfs_url)
    output = assert_succeeds(result)
    assert by_id(output)["B"]["bikes"] == 5
    assert len(feed_server.requests_for(f"/{PREFIX}/station_status.json")) == 2
    assert result.elapsed_s >= 1.0  # it really waited


@pytest.mark.parametrize(
    ("retry_after", "shown"),
    [("3600", "retry after 3600 s"), ("Wed, 21 Oct 2099 07:28:00 GMT", "retry after")],
)
def test_429_with_a_long_retry_after_fails_clearly(
    feed_server, run_main, retry_after: str, shown: str
) -> None:
    docs = feed_docs()
    gbfs_url = serve(
        feed_server,
        station_status=feed_server.rate_limits(retry_after, docs["station_status"], times=9),
    )
    result = once(run_main, gbfs_url)
    assert_fails(result, "station_status", "HTTP 429", shown)
    assert result.elapsed_s < 5  # did not sit out the hour


# --------------------------------------------------------------------------- the wire


def test_redirect_loop(feed_server, run_main) -> None:
    gbfs_url = serve(feed_server)
    loop = f"/{PREFIX}/station_status.json"
    feed_server.add(loop, feed_server.redirects(feed_server.url("/elsewhere")))
    feed_server.add("/elsewhere", feed_server.redirects(feed_server.url(loop)))
    assert_fails(once(run_main, gbfs_url), "station_status", "redirect")


def test_redirects_are_followed(feed_server, run_main) -> None:
    docs = feed_docs()
    gbfs_url = serve(feed_server)
    feed_server.add("/moved/status", docs["station_status"])
    feed_server.add("/hop", feed_server.redirects(feed_server.url("/moved/status"), 301))
    feed_server.add(f"/{PREFIX}/station_status.json", feed_server.redirects("/hop", 307))
    assert by_id(assert_succeeds(once(run_main, gbfs_url)))["A"]["docks"] == 7


def test_redirect_to_a_file_url_is_not_followed(feed_server, run_main, tmp_path) -> None:
    local = tmp_path / "status.json"
    local.write_text(json.dumps(feed_docs()["station_status"]))
    gbfs_url = serve(feed_server)
    feed_server.add(f"/{PREFIX}/station_status.json", feed_server.redirects(local.as_uri()))
    assert_fails(once(run_main, gbfs_url), "station_status")


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_connection_refused(feed_server, run_main) -> None:
    dead = f"http://127.0.0.1:{closed_port()}/station_status.json"
    gbfs_url = serve(feed_server, urls={"station_status": dead})
    assert_fails(once(run_main, gbfs_url), "station_status", "connection refused")


def test_connection_refused_on_discovery(run_main) -> None:
    result = once(run_main, f"http://127.0.0.1:{closed_port()}/gbfs.json")
    assert_fails(result, "gbfs.json", "connection refused")


@pytest.mark.serial
def test_server_that_never_answers_times_out(feed_server, run_cli) -> None:
    gbfs_url = serve(feed_server, station_status=feed_server.never_answers())
    result = once(run_cli, gbfs_url, env={"BIKEFINDER_HTTP_TIMEOUT": "1"})
    assert_fails(result, "station_status", "timed out")
    assert result.elapsed_s < 5  # far below the default 10 s: the override works


@pytest.mark.serial
def test_trickling_server_hits_the_overall_deadline(feed_server, run_main) -> None:
    """One byte every 0.2 s never trips a per-read timeout; the deadline still ends it."""
    gbfs_url = serve(feed_server, station_information=feed_server.trickles(0.2))
    result = once(run_main, gbfs_url, env={"BIKEFINDER_HTTP_TIMEOUT": "0.5"})
    assert_fails(result, "station_information", "timed out")
    assert result.elapsed_s < 6


def test_body_cut_in_half_with_declared_length(feed_server, run_main) -> None:
    docs = feed_docs()
    gbfs_url = serve(feed_server, station_status=feed_server.cut_body(docs["station_status"]))
    assert_fails(once(run_main, gbfs_url), "station_status", "connection broken")


def test_body_cut_in_half_without_length(feed_server, run_main) -> None:
    docs = feed_docs()
    cut = feed_server.cut_body(docs["station_information"], declare_length=False)
    gbfs_url = serve(feed_server, station_information=cut)
    assert_fails(once(run_main, gbfs_url), "station_information", "truncated JSON")


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
def test_garbage_bodies(feed_server, run_main, body: bytes, cause: str) -> None:
    gbfs_url = serve(feed_server, station_status=body)
    assert_fails(once(run_main, gbfs_url), "station_status", cause)


def test_100_mb_body_with_declared_length_is_refused_up_front(feed_server, run_main) -> None:
    huge = feed_server.streams(100 * 2**20, declare_length=True)
    gbfs_url = serve(feed_server, station_information=huge)
    assert_fails(once(run_main, gbfs_url), "station_information", "too large")


def test_100_mb_streamed_body_hits_the_size_cap(feed_server, run_cli) -> None:
    huge = feed_server.streams(100 * 2**20, declare_length=False)
    gbfs_url = serve(feed_server, station_information=huge)
    result = once(run_cli, gbfs_url)
    assert_fails(result, "station_information", "larger than")


def test_gzip_that_is_not_gzip(feed_server, run_main) -> None:
    body = json.dumps(feed_docs()["station_status"]).encode()
    gbfs_url = serve(feed_server, station_status=feed_server.respond(body, Content_Encoding="gzip"))
    assert_fails(once(run_main, gbfs_url), "station_status", "corrupt")


def test_real_gzip_is_decoded(feed_server, run_main) -> None:
    import gzip

    body = gzip.compress(json.dumps(feed_docs()["station_status"]).encode())
    gbfs_url = serve(feed_server, station_status=feed_server.respond(body, Content_Encoding="gzip"))
    assert by_id(assert_succeeds(once(run_main, gbfs_url)))["B"]["bikes"] == 5


def test_a_bad_client_id_is_a_usage_error(feed_server, run_main) -> None:
    result = once(run_main, serve(feed_server), "--client-id", "caf\u00e9\nX")
    assert result.code == 2
    assert "--client-id" in result.error_line


# --------------------------------------------------------------------------- valid JSON, wrong


@pytest.mark.parametrize(
    ("feed", "document", "cause"),
    [
        ("station_information", {"last_updated": 1}, "no 'data'"),
        ("station_status", {"data": None}, "no 'data'"),
        ("station_information", {"data": {"stations": {"A": {}}}}, "not a list"),
        ("station_status", {"data": {"stations": "none"}}, "not a list"),
        ("station_status", {"data": {}}, "not a list"),
        ("gbfs.json", {"feeds": []}, "no 'data'"),
        ("gbfs.json", {"data": {"en": {"feeds": "station_status.json"}}}, "no feeds"),
    ],
    ids=[
        "info-no-data",
        "status-data-null",
        "info-dict",
        "status-str",
        "status-none",
        "gbfs-1",
        "gbfs-2",
    ],
)
def test_documents_without_the_required_shape(
    feed_server, run_main, feed: str, document: Any, cause: str
) -> None:
    gbfs_url = serve(feed_server)
    path = f"/{PREFIX}/gbfs.json" if feed == "gbfs.json" else f"/{PREFIX}/{feed}.json"
    feed_server.add(path, document)
    assert_fails(once(run_main, gbfs_url), feed, cause)


def test_gbfs_json_listing_no_station_feeds(feed_server, run_main) -> None:
    gbfs_url = feed_server.add(
        "/bare/gbfs.json",
        {"data": {"en": {"feeds": [{"name": "system_information", "url": "si.json"}]}}},
    )
    assert_fails(once(run_main, gbfs_url), "gbfs.json", "no station_information")


def test_gbfs_json_listing_only_vehicles_is_a_free_floating_operator(feed_server, run_main) -> None:
    """Vehicles are listed by default: a feed listing only free_bike_status is an
    operator, so its vehicle feed is fetched, and its failure is what is said."""
    gbfs_url = feed_server.add(
        "/bare/gbfs.json",
        {"data": {"en": {"feeds": [{"name": "free_bike_status", "url": "bikes.json"}]}}},
    )
    assert_fails(once(run_main, gbfs_url), "free_bike_status", "HTTP 404")


BAD_STATIONS = [
    {"name": "no id", "lat": 48.0, "lon": 2.0},
    {"station_id": "", "name": "empty id", "lat": 48.0, "lon": 2.0},
    {"station_id": True, "name": "boolean id", "lat": 48.0, "lon": 2.0},
    {"station_id": "NOCOORD", "name": "no coordinates"},
    {"station_id": "LAT91", "name": "lat 91", "lat": 91, "lon": 2.0},
    {"station_id": "LON181", "name": "lon 181", "lat": 48.0, "lon": 181},
    {"station_id": "NAN", "name": "NaN lat", "lat": float("nan"), "lon": 2.0},
    {"station_id": "INF", "name": "inf lon", "lat": 48.0, "lon": float("inf")},
    {"station_id": "NULL", "name": "null lat", "lat": None, "lon": 2.0},
    {"station_id": "HUGE", "name": "lat beyond float", "lat": 10**400, "lon": 2.0},
    {"station_id": "WORDS", "name": "lat as words", "lat": "north", "lon": 2.0},
    "not even an object",
    None,
]


def test_stations_with_bad_ids_or_coordinates_are_skipped_and_counted(
    feed_server, run_main
) -> None:
    info = feed_docs()["station_information"]
    info["data"]["stations"] += BAD_STATIONS
    # Numeric strings are numbers: accepted.
    info["data"]["stations"].append(
        {"station_id": "STR", "name": "strings", "lat": "48.003", "lon": " 2.0 "}
    )
    output = assert_succeeds(once(run_main, serve(feed_server, station_information=info)))
    assert [s["station_id"] for s in output["stations"]] == ["A", "B", "C", "STR"]
    assert output["skipped"]["rejected"] == len(BAD_STATIONS)
    strings = by_id(output)["STR"]
    assert (strings["lat"], strings["lon"]) == (48.003, 2.0)
    assert strings["bikes"] is None  # it has no status: unknown, not 0
    assert output["skipped"]["info_only"] == 1


def test_a_feed_where_every_station_is_bad_fails(feed_server, run_main) -> None:
    """Zero usable stations out of many is a broken feed, not an empty system."""
    info = envelope([record for record in BAD_STATIONS if isinstance(record, dict)])
    result = once(run_main, serve(feed_server, station_information=info))
    assert_fails(result, "station_information", "no usable station")


def test_an_empty_station_list_is_an_empty_system(feed_server, run_main) -> None:
    output = assert_succeeds(
        once(
            run_main,
            serve(feed_server, station_information=envelope([]), station_status=envelope([])),
        )
    )
    assert output["stations"] == []


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (-3, None),
        ("7", 7),
        ("seven", None),
        (2.5, None),
        (float("nan"), None),
        (None, None),
        (True, None),
        (1e30, None),
    ],
    ids=["negative", "numeric-string", "word", "fraction", "nan", "null", "bool", "absurd"],
)
def test_bad_counts_become_unknown(feed_server, run_main, value: Any, shown: Any) -> None:
    status = feed_docs()["station_status"]
    record = status["data"]["stations"][1]  # B
    record["num_bikes_available"] = value
    record["num_docks_available"] = value
    output = assert_succeeds(once(run_main, serve(feed_server, station_status=status)))
    b = by_id(output)["B"]
    assert (b["bikes"], b["docks"]) == (shown, shown)
    if shown is None:
        assert b["mechanical"] is None  # no split computed from an unknown total
    assert by_id(output)["A"]["bikes"] == 3  # the rest is untouched


def test_ebikes_above_total_are_not_split(feed_server, run_main) -> None:
    status = feed_docs()["station_status"]
    status["data"]["stations"][0]["num_ebikes_available"] = 9  # A has 3 bikes
    output = assert_succeeds(once(run_main, serve(feed_server, station_status=status)))
    a = by_id(output)["A"]
    assert (a["bikes"], a["mechanical"], a["electric"]) == (3, None, None)


def test_duplicate_station_ids_first_wins_and_is_counted(feed_server, run_main) -> None:
    info = feed_docs()["station_information"]
    info["data"]["stations"].append({**STATIONS[0], "name": "Alpha again", "lat": 48.5})
    status = feed_docs()["station_status"]
    status["data"]["stations"].append({**STATUSES[0], "num_bikes_available": 99})
    output = assert_succeeds(
        once(run_main, serve(feed_server, station_information=info, station_status=status))
    )
    assert [s["station_id"] for s in output["stations"]] == ["A", "B", "C"]
    a = by_id(output)["A"]
    assert (a["name"], a["bikes"]) == ("Alpha", 3)
    assert output["skipped"]["duplicate_ids"] == 2


def test_status_for_unknown_stations_is_counted(feed_server, run_main) -> None:
    status = feed_docs()["station_status"]
    status["data"]["stations"] += [{**STATUSES[0], "station_id": f"GHOST{i}"} for i in range(4)]
    output = assert_succeeds(once(run_main, serve(feed_server, station_status=status)))
    assert len(output["stations"]) == 3
    assert output["skipped"]["status_only"] == 4


def test_every_station_missing_from_status(feed_server, run_main) -> None:
    """No status matches any station: a broken feed (exit 1), never a page of unknowns."""
    status = envelope([{**record, "station_id": "X" + record["station_id"]} for record in STATUSES])
    result = once(run_main, serve(feed_server, station_status=status))
    assert_fails(result, "station_status")
    assert "none of its 3 records match the 3 stations" in result.error_line


# --------------------------------------------------------------------------- feed URLs


def test_feeds_on_another_host_are_allowed(feed_server, other_feed_server, run_main) -> None:
    """Real systems serve feeds from a CDN host: http(s) anywhere is fine."""
    status_url = other_feed_server.add("/cdn/status", feed_docs()["station_status"])
    status_url = status_url.replace("127.0.0.1", "localhost")
    gbfs_url = serve(feed_server, urls={"station_status": status_url})
    output = assert_succeeds(once(run_main, gbfs_url))
    assert by_id(output)["A"]["bikes"] == 3
    assert [request.path for request in other_feed_server.requests] == ["/cdn/status"]
    assert other_feed_server.requests[0].headers["client-identifier"].startswith("bikefinder")


def test_relative_feed_urls_resolve_against_gbfs_json(feed_server, run_main) -> None:
    gbfs_url = serve(feed_server, urls={"station_status": "station_status.json"})
    assert by_id(assert_succeeds(once(run_main, gbfs_url)))["C"]["docks"] == 8


@pytest.mark.parametrize("feed", ["station_information", "station_status"])
def test_file_urls_are_never_read(feed_server, run_main, tmp_path, feed: str) -> None:
    """A file:// URL in gbfs.json is refused, even though the file holds a valid feed."""
    local = tmp_path / f"{feed}.json"
    local.write_text(json.dumps(feed_docs()[feed]))
    result = once(run_main, serve(feed_server, urls={feed: local.as_uri()}))
    line = assert_fails(result, feed, "non-HTTP")
    assert str(local) in line or "file:" in line


def test_an_optional_feed_at_a_file_url_is_refused_and_the_stations_load(
    feed_server, run_main, tmp_path
) -> None:
    """An optional feed (system_information) is refused the same way, but only what it
    adds is lost: the stations load, and the refusal is said on stderr."""
    local = tmp_path / "system_information.json"
    local.write_text(json.dumps({"data": {"system_id": "leak", "name": "Read from disk"}}))
    result = once(run_main, serve(feed_server, urls={"system_information": local.as_uri()}))
    output = assert_succeeds(result)
    assert output["system"]["name"] != "Read from disk"
    assert "system_information" in result.stderr and "non-HTTP" in result.stderr


@pytest.mark.parametrize(
    "url",
    [
        "ftp://127.0.0.1/station_status.json",
        "data:application/json,{}",
        "javascript:alert(1)",
        "http://[::1/station_status.json",
        "http://127.0.0.1:99999/station_status.json",
        "http:///station_status.json",
    ],
    ids=["ftp", "data", "javascript", "bad-ipv6", "bad-port", "no-host"],
)
def test_unusable_feed_urls(feed_server, run_main, url: str) -> None:
    result = once(run_main, serve(feed_server, urls={"station_status": url}))
    assert_fails(result, "station_status")


def test_redirect_to_a_bad_port(feed_server, run_main) -> None:
    gbfs_url = serve(feed_server)
    feed_server.add(
        f"/{PREFIX}/station_status.json", feed_server.redirects("http://127.0.0.1:99999/x")
    )
    assert_fails(once(run_main, gbfs_url), "station_status")


def test_two_feeds_failing_at_once_still_give_one_line(feed_server, run_cli) -> None:
    gbfs_url = serve(
        feed_server,
        station_information=feed_server.respond("", 500),
        station_status=feed_server.respond("", 503),
        system_information=feed_server.respond("<html>", 200),
    )
    result = once(run_cli, gbfs_url)
    assert result.code == 1 and result.error_line.startswith("bikefinder: ")


# --------------------------------------------------------------------------- hostile strings

HOSTILE_NAMES = {
    "RICH": "[bold red]FREE BIKES[/bold red] [link=http://evil]x[/link]",
    "ANSI": "\x1b[31mRed\x1b[0m \x1b[2J\x1b[H cleared",
    "OSC": "\x1b]8;;http://evil.example\x07click me\x1b]8;;\x07 \x1b]52;c;ZXZpbA==\x07",
    "BIDI": "Gare \u202eenilno\u202c \u2066x\u2069 \u200fend",
    "C1": "a\x9b31mb\x85c\x7fd",
    "LONG": "N" * 10_000,
    "EMPTY": "",
    "BLANK": " \t\n ",
    "NEWLINE": "first line\nsecond line\r\nthird",
}
UNSAFE_CHARS = set("\x1b\x07\x9b\x85\x7f\r\u202e\u202c\u2066\u2069\u200f")


def hostile_system(feed_server: Any) -> str:
    info = envelope(
        [
            {"station_id": key, "name": name, "lat": 48.0 + i * 0.0001, "lon": 2.0}
            for i, (key, name) in enumerate(HOSTILE_NAMES.items())
        ]
    )
    status = envelope([{**STATUSES[0], "station_id": key} for key in HOSTILE_NAMES])
    system = feed_docs()["system_information"]
    system["data"]["name"] = "\x1b]0;pwned\x07Evil\nSystem\u202e [b]x[/b]"
    return serve(
        feed_server, station_information=info, station_status=status, system_information=system
    )


def test_hostile_names_in_the_table_are_literal_and_truncated(feed_server, run_cli) -> None:
    result = run_cli(
        "--once", "--near", NEAR, "--limit", "50", "--system", hostile_system(feed_server)
    )
    assert result.code == 0, result.stderr
    assert not UNSAFE_CHARS & set(result.stdout)
    lines = result.stdout.splitlines()
    rows = lines[lines.index("") + 3 :]  # heading lines, blank, columns, rule
    assert len(rows) == len(HOSTILE_NAMES)  # no name broke a row in two
    assert max(len(line) for line in lines) < 200  # 10,000 chars truncated
    assert "[bold red]FREE BIKES[/bold red]" in result.stdout  # markup shown literally
    assert "N" * 30 in result.stdout and "…" in result.stdout
    assert "(unnamed)" in result.stdout
    assert "first line second line third" in result.stdout


def test_hostile_names_in_json_are_kept_raw_and_escaped(feed_server, run_main) -> None:
    result = once(run_main, hostile_system(feed_server), "--limit", "50")
    assert result.code == 0, result.stderr
    output = result.json()
    names = {s["station_id"]: s["name"] for s in output["stations"]}
    for key, name in HOSTILE_NAMES.items():
        assert names[key] == name.strip(), key
    # The raw strings survive only as JSON escapes: nothing reaches a terminal raw.
    assert not UNSAFE_CHARS & set(result.stdout)


def test_hostile_names_in_csv_are_cleaned(feed_server, run_main) -> None:
    result = run_main(
        "--once",
        "--format",
        "csv",
        "--near",
        NEAR,
        "--limit",
        "50",
        "--system",
        hostile_system(feed_server),
    )
    assert result.code == 0, result.stderr
    assert not UNSAFE_CHARS & set(result.stdout)
    assert len(result.stdout.splitlines()) == 1 + len(HOSTILE_NAMES)


def test_hostile_system_name_in_an_error_line(feed_server, run_cli) -> None:
    """The system's own name appears in errors: still one line, no escapes."""
    system = feed_docs()["system_information"]
    system["data"]["name"] = "\x1b]0;pwned\x07Evil\nSystem\u202e"
    gbfs_url = serve(feed_server, system_information=system, station_status={"data": 1})
    result = once(run_cli, gbfs_url)
    assert result.code == 1
    line = result.error_line
    assert not UNSAFE_CHARS & set(result.stderr)
    assert "station_status" in line
