"""scripts/serve_fixtures.py, the way to try bikefinder on every recorded feed without
the internet: the real operators' feeds are served too, and every time in them is moved
to when the server started, so nothing shows as months old."""

from __future__ import annotations

import json
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
from serve_fixtures import freshen, serve


@pytest.fixture(scope="module")
def base() -> Iterator[str]:
    server = serve(fresh=True)
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def get(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.loads(response.read())


def test_freshen_moves_every_moment_by_the_same_amount() -> None:
    document = {
        "last_updated": "2025-10-21T04:12:17Z",
        "data": {"alerts": [{"times": [{"start": 1761018000, "end": 1761021600}],
                             "last_updated": 1761018000}],
                 "plans": [{"per_min_pricing": [{"start": 0, "rate": 0.25}]}]},
    }  # fmt: skip
    now = 1761019937 + 86400  # a day after the document's last_updated
    moved = freshen(document, now)
    assert moved["last_updated"] == "2025-10-22T04:12:17Z"
    alert = moved["data"]["alerts"][0]
    assert alert["times"] == [{"start": 1761018000 + 86400, "end": 1761021600 + 86400}]
    assert moved["data"]["plans"][0]["per_min_pricing"][0]["start"] == 0  # minutes, not a time
    assert freshen({"data": {}}, now) == {"data": {}}  # no publication time: as it is


def test_recorded_feeds_are_served_as_just_published(base: str) -> None:
    status = get(f"{base}/velib_v1_2025/station_status.json")
    assert abs(status["lastUpdatedOther"] - time.time()) < 120  # Vélib's own spelling
    reported = [s["last_reported"] for s in status["data"]["stations"]]
    assert max(reported) <= status["lastUpdatedOther"] and max(reported) > time.time() - 86400


def test_real_operators_are_served_with_a_discovery_file_of_their_version(base: str) -> None:
    divvy = get(f"{base}/divvy-chicago-lyft_2.3_2025/gbfs.json")
    names = [feed["name"] for feed in divvy["data"]["en"]["feeds"]]
    assert "free_bike_status" in names and "system_alerts" in names
    bolt = get(f"{base}/bolt-essen_3.0_2025/gbfs.json")
    assert bolt["version"] == "3.0"
    assert "vehicle_status" in [feed["name"] for feed in bolt["data"]["feeds"]]
    linz = get(f"{base}/nextbike-linz_2.3_2025/station_status.json")  # made for its stations
    assert linz["data"]["stations"] and linz["version"] == "2.3"


def test_the_app_reads_a_served_operator_as_fresh(base: str, run_main: Any) -> None:
    url = f"{base}/nextbike-linz_2.3_2025/gbfs.json"
    result = run_main("--system", url, "--near", "48.3055,14.2860", "--once", "--format", "json")
    document = result.json()
    assert result.code == 0 and document["stations"]
    assert document["data_age_s"] < 120


def test_a_taken_port_is_one_line_not_a_traceback(base: str) -> None:
    import subprocess

    taken = base.rsplit(":", 1)[1]
    script = Path(__file__).resolve().parent.parent / "scripts" / "serve_fixtures.py"
    result = subprocess.run(
        [sys.executable, str(script), "--port", taken], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 1
    assert result.stderr.startswith(f"serve_fixtures: cannot serve on 127.0.0.1:{taken}: ")
    assert len(result.stderr.splitlines()) == 1 and "Traceback" not in result.stderr
