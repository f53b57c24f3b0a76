"""What ``--once`` writes on stderr is inert: feed text (a system's name, an error's
cause) never carries a control character to the terminal, nor a newline that would
forge a line of its own; every note, for one system or several, is one line."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from tests.conftest import CliResult, FeedServer

#: OSC 52 (write the clipboard), CSI 2J (clear the screen) and a newline forging a line.
HOSTILE_NAME = (
    "Evil\x1b]52;c;ZWNobyBwd25lZA==\x07 Bikes\x1b[2J\x9b31m\x7f\n"
    "bikefinder: error: forged line\r\x1b[0m"
)


def _is_control(char: str) -> bool:
    """C0 (newline aside), DEL and C1."""
    code = ord(char)
    return char != "\n" and (code < 0x20 or 0x7F <= code <= 0x9F)


def assert_inert(result: CliResult) -> list[str]:
    """Every stderr line is one ``bikefinder: …`` line with no control character; the lines."""
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert lines, "expected a note on stderr"
    for line in result.stderr.split("\n")[:-1]:
        assert not [char for char in line if _is_control(char)], repr(line)
        assert line.startswith("bikefinder: "), repr(line)
    assert not [line for line in lines if line.startswith("bikefinder: error: forged")]
    return lines


def hostile_system(feed_server: FeedServer, prefix: str, *, status_fails: bool) -> str:
    """A system named :data:`HOSTILE_NAME` whose ``system_pricing_plans`` answers 500;
    with ``status_fails`` its ``station_status`` does too (the system fails)."""
    now = int(time.time())

    def feed(data: dict[str, Any]) -> dict[str, Any]:
        return {"last_updated": now, "ttl": 60, "version": "2.3", "data": data}

    stations = [
        {"station_id": "s1", "name": "One", "lat": 48.85, "lon": 2.35, "capacity": 10},
        {"station_id": "s2", "name": "Two", "lat": 48.86, "lon": 2.36, "capacity": 10},
    ]
    statuses = [
        {"station_id": s["station_id"], "num_bikes_available": 3, "num_docks_available": 5,
         "is_installed": True, "is_renting": True, "is_returning": True, "last_reported": now}
        for s in stations
    ]  # fmt: skip
    info = {"system_id": prefix, "name": HOSTILE_NAME, "language": "en", "timezone": "UTC"}
    failing = feed_server.respond(f"{HOSTILE_NAME} says no", 500)
    return feed_server.serve_system(
        prefix,
        {
            "system_information": feed(info),
            "station_information": feed({"stations": stations}),
            "station_status": failing if status_fails else feed({"stations": statuses}),
            "system_pricing_plans": failing,
        },
    )


@pytest.mark.parametrize("output_format", ["table", "json"])
def test_optional_feed_failure_note_is_one_inert_line(
    feed_server: FeedServer, run_main, output_format: str
) -> None:
    """One system loads, its prices do not: one note naming the system, cleaned."""
    working = hostile_system(feed_server, "working", status_fails=False)
    result = run_main(
        "--once", "--near", "48.85,2.35", "--system", working, "--format", output_format
    )
    assert result.code == 0, result.stderr
    lines = assert_inert(result)
    notes = [line for line in lines if "system_pricing_plans" in line]
    assert len(notes) == 1 and notes[0].startswith("bikefinder: note: Evil")


def test_failing_system_error_is_one_inert_line(feed_server: FeedServer, run_main) -> None:
    """A single system that fails: its one error line, cleaned."""
    failing = hostile_system(feed_server, "failing", status_fails=True)
    result = run_main("--once", "--near", "48.85,2.35", "--system", failing)
    assert result.code == 1
    assert len(assert_inert(result)) == 1


@pytest.mark.parametrize("output_format", ["table", "json", "csv"])
def test_several_systems_notes_are_inert_lines(
    feed_server: FeedServer, run_main, output_format: str
) -> None:
    """Several systems, one failing and one with a failing optional feed: each note and
    error is one line, none carries a control character."""
    working = hostile_system(feed_server, "working", status_fails=False)
    failing = hostile_system(feed_server, "failing", status_fails=True)
    result = run_main(
        "--once", "--near", "48.85,2.35", "--system", working, "--system", failing,
        "--format", output_format,
    )  # fmt: skip
    assert result.code == 0, result.stderr
    lines = assert_inert(result)
    assert any("system_pricing_plans" in line for line in lines)
    assert any("failing" in line and "500" in line for line in lines), lines


def test_notice_about_a_file_in_a_folder_named_with_escapes_is_one_inert_line(
    feed_server: FeedServer, run_main, tmp_path: Path
) -> None:
    """Every line ``--once`` writes passes one cleaning step, whatever it quotes: a
    damaged favourites file under a data folder whose name holds CSI 2J and a newline
    is noted in one line."""
    working = hostile_system(feed_server, "working", status_fails=False)
    data_home = tmp_path / "data\x1b[2J\nbikefinder: error: forged"
    (data_home / "bikefinder").mkdir(parents=True)
    (data_home / "bikefinder" / "favourites.json").write_text("{not json")
    result = run_main(
        "--once", "--near", "48.85,2.35", "--system", working,
        env={"XDG_DATA_HOME": str(data_home)},
    )  # fmt: skip
    assert result.code == 0, result.stderr
    lines = assert_inert(result)
    assert sum("favourites file" in line for line in lines) == 1, lines
