"""Size cap in config.toml: ``max_feed_mb`` lowers or raises the cap on one
feed answer for ``--once``, ``--favorites --once`` and the app's feed session."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bikefinder.rider.favourites import Favourite, FavouritesStore
from bikefinder.systems.config import DEFAULT_MAX_FEED_MB, configured_max_feed_bytes, parse_config

STATIONS = 12_000  # ~1.6 MB of station_information: over a 1 MB cap, under 2 MB


def station_information() -> bytes:
    stations = [
        {"station_id": f"s{i}", "name": f"Station number {i} on a long avenue name",
         "lat": 48.8 + i * 1e-5, "lon": 2.3 + i * 1e-5, "capacity": 20}
        for i in range(STATIONS)
    ]  # fmt: skip
    body = json.dumps({"last_updated": 1, "ttl": 60, "data": {"stations": stations}}).encode()
    assert 2**20 < len(body) < 2 * 2**20
    return body


def station_status() -> dict:
    statuses = [
        {"station_id": f"s{i}", "num_bikes_available": 3, "num_docks_available": 5,
         "is_installed": 1, "is_renting": 1, "is_returning": 1, "last_reported": 1}
        for i in range(100)  # small: only station_information is over the cap
    ]  # fmt: skip
    return {"last_updated": 1, "ttl": 60, "data": {"stations": statuses}}


def without_length(body: bytes):
    """A handler sending ``body`` with no Content-Length: only reading it finds its size."""

    def handler(request) -> None:
        request.send_response(200)
        request.send_header("Content-Type", "application/json")
        request.end_headers()
        request.wfile.write(body)

    return handler


@pytest.fixture
def big_system(feed_server) -> str:
    return feed_server.serve_system(
        "big",
        {
            "station_information": without_length(station_information()),
            "station_status": station_status(),
        },
    )


def write_config(tmp_path: Path, text: str) -> None:
    path = tmp_path / "home" / ".config" / "bikefinder" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def test_a_lowered_cap_refuses_a_larger_feed_and_a_raised_one_admits_it(
    tmp_path: Path, run_cli, big_system: str
) -> None:
    args = ("--once", "--system", big_system, "--near", "48.8,2.3", "--limit", "1")
    write_config(tmp_path, "max_feed_mb = 1\n")
    refused = run_cli(*args)
    assert refused.code == 1
    assert "station_information: response larger than 1 MB" in refused.error_line
    write_config(tmp_path, "max_feed_mb = 2\n")
    write_config(tmp_path, "max_feed_mb = 2\n")
    admitted = run_cli(*args, "--format", "json")
    assert admitted.code == 0, admitted.stderr
    assert admitted.json()["stations"][0]["station_id"] == "s0"


def test_favourites_once_uses_the_configured_cap(tmp_path: Path, run_cli, big_system: str) -> None:
    store = FavouritesStore(tmp_path / "home" / ".local/share" / "bikefinder" / "favourites.json")
    store.add(Favourite(big_system, "big", "Big", "s1", "Station number 1", "t"))
    write_config(tmp_path, "max_feed_mb = 1\n")
    refused = run_cli("--favorites", "--once", "--format", "json")
    assert refused.code == 1
    assert "response larger than 1 MB" in refused.stderr
    assert refused.json()["stations"][0]["bikes"] is None
    write_config(tmp_path, "max_feed_mb = 2\n")
    admitted = run_cli("--favorites", "--once", "--format", "json")
    assert admitted.code == 0, admitted.stderr
    assert admitted.json()["stations"][0]["bikes"] == 3


def test_the_app_takes_the_configured_cap(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from bikefinder.cli.main import parse_options
    from bikefinder.ui.start import build_app

    config = tmp_path / "config.toml"
    config.write_text("max_feed_mb = 3\n", encoding="utf-8")
    monkeypatch.setenv("BIKEFINDER_CONFIG", str(config))
    app = build_app(parse_options(["--system", "http://127.0.0.1:9/gbfs.json", "--near", "1,1"]))
    assert app.lead.feeds.fetcher.max_bytes == 3 * 2**20
    config.write_text("", encoding="utf-8")
    assert configured_max_feed_bytes() == DEFAULT_MAX_FEED_MB * 2**20 == 64 * 2**20


@pytest.mark.parametrize("value", ["0", "1025", "1.5", "true", '"64"'])
def test_max_feed_mb_out_of_bounds_or_wrong_type_is_a_warning(value: str) -> None:
    import tomllib

    config = parse_config(tomllib.loads(f"max_feed_mb = {value}\n"))
    assert config.max_feed_mb is None and config.max_feed_bytes == 64 * 2**20
    (warning,) = config.warnings
    assert "'max_feed_mb' must be a whole number of MB from 1 to 1024" in warning
