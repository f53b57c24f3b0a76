"""Rows of the printed list as a rider reads them: a lone free-floating operator lists its
bikes, a station closed by its (v3) opening hours is no option and says so, the state
words are the app's, and the walking time is the app's one text."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from bikefinder.rider.walking import walking_text
from tests.test_loader_optional_feeds import serve_real

SEATTLE = "47.6097,-122.3331"
#: The point of the small v3 system below: station OPEN is exactly there (0 m).
HERE = (48.0, 2.0)


def v3(data: dict[str, Any]) -> dict[str, Any]:
    stamp = datetime.now(UTC).isoformat(timespec="seconds")
    return {"last_updated": stamp, "ttl": 60, "version": "3.0", "data": data}


def v3_system(feed_server: Any) -> str:
    """Three stations, all with bikes: OPEN (at HERE), SHUT (its opening hours say
    ``off``: always closed) and NORENT (not renting)."""
    stamp = datetime.now(UTC).isoformat(timespec="seconds")

    def info(station_id: str, north_m: float, **extra: Any) -> dict[str, Any]:
        name = [{"text": station_id, "language": "en"}]
        lat = HERE[0] + north_m / 111_000
        return {"station_id": station_id, "name": name, "lat": lat, "lon": HERE[1], **extra}

    def status(station_id: str, **extra: Any) -> dict[str, Any]:
        record = {"station_id": station_id, "num_vehicles_available": 5,
                  "num_docks_available": 5, "is_installed": True, "is_renting": True,
                  "is_returning": True, "last_reported": stamp}  # fmt: skip
        return {**record, **extra}

    return feed_server.serve_system(
        "v3hours",
        {
            "system_information": v3(
                {
                    "system_id": "v3hours",
                    "name": [{"text": "Hours", "language": "en"}],
                    "timezone": "Europe/Paris",
                    "languages": ["en"],
                }
            ),
            "station_information": v3(
                {
                    "stations": [
                        info("OPEN", 0),
                        info("SHUT", 100, station_opening_hours="off"),
                        info("NORENT", 200),
                    ]
                }
            ),
            "station_status": v3(
                {
                    "stations": [
                        status("OPEN"),
                        status("SHUT"),
                        status("NORENT", is_renting=False),
                    ]
                }
            ),
        },
        layout="v3",
    )


def table_rows(stdout: str) -> list[str]:
    lines = stdout.splitlines()
    return lines[lines.index("") + 3 :]  # after the heading, a blank line, columns, rule


def test_a_lone_free_floating_operator_lists_its_bikes_by_default(feed_server, run_main) -> None:
    bird = serve_real(feed_server, "bird-seattle_2.3_2025")
    result = run_main("--once", "--system", bird, "--near", SEATTLE, "--format", "json")
    assert result.code == 0, result.stderr
    document = result.json()
    assert document["vehicles"] == "bikes"
    rows = document["stations"]
    assert rows and {row["kind"] for row in rows} == {"vehicle"}
    assert {row["form_factor"] for row in rows} == {"bicycle"}
    assert [row["rank"] for row in rows] == list(range(1, len(rows) + 1))
    table = run_main("--once", "--system", bird, "--near", SEATTLE, "--limit", "3")
    assert table.code == 0, table.stderr
    assert len(table_rows(table.stdout)) == 3
    assert all(row.startswith(("1 ", "2 ", "3 ")) for row in table_rows(table.stdout))


def test_a_station_closed_by_its_opening_hours_is_no_option(feed_server, run_main) -> None:
    url = v3_system(feed_server)
    near = f"{HERE[0]},{HERE[1]}"
    document = run_main("--once", "--system", url, "--near", near, "--format", "json").json()
    rows = {row["station_id"]: row for row in document["stations"]}
    shut = rows["SHUT"]
    assert shut["bikes"] == 5 and shut["is_open"] is False
    assert (shut["rank"], shut["useful"]) == (None, False)
    assert shut["reason"].startswith("closed")
    assert rows["OPEN"]["rank"] == 1 and rows["OPEN"]["reason"] is None
    table = run_main("--once", "--system", url, "--near", near)
    [line] = [row for row in table_rows(table.stdout) if "  SHUT  " in row]
    assert line.startswith("-  ") and re.search(r"  closed\S*.*$", line)


def test_state_words_are_the_apps(feed_server, run_main) -> None:
    url = v3_system(feed_server)
    args = ("--once", "--system", url, "--near", f"{HERE[0]},{HERE[1]}")
    rows = {
        row["station_id"]: row for row in run_main(*args, "--format", "json").json()["stations"]
    }
    assert rows["NORENT"]["reason"] == "not renting" and rows["NORENT"]["rank"] is None
    docks = run_main(*args, "--mode", "dock", "--format", "json").json()["stations"]
    assert next(r for r in docks if r["station_id"] == "NORENT")["reason"] is None  # returns
    for output in (run_main(*args).stdout, run_main(*args, "--format", "csv").stdout):
        assert "not renting" in output
        assert "no rentals" not in output and "no returns" not in output


def test_walking_time_in_the_table_is_the_apps_text(feed_server, run_main) -> None:
    url = v3_system(feed_server)
    args = ("--once", "--system", url, "--near", f"{HERE[0]},{HERE[1]}")
    document = run_main(*args, "--format", "json").json()
    rows = table_rows(run_main(*args).stdout)
    assert len(rows) == len(document["stations"]) == 3
    assert document["stations"][0]["distance_m"] == 0
    for line, row in zip(rows, document["stations"], strict=True):
        assert row["station_id"] in line
        assert f"  {walking_text(row['distance_m'])}  " in line
    assert "  0 m  0 min  " in rows[0]  # 0 m is "0 min", as in the app
