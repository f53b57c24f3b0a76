"""Watches: when they fire (once per becoming true), what the notify command gets."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from bikefinder.feeds.models import Station, StationInfo, StationStatus
from bikefinder.rider.modes import Mode
from bikefinder.rider.watches import (
    Watch,
    WatchKind,
    WatchTracker,
    condition_met,
    fired_message,
    parse_command,
    run_notify_command,
    watch_environment,
)


def status(
    bikes: int | None = 0,
    electric: int | None = 0,
    docks: int | None = 10,
    *,
    renting: bool | None = True,
    returning: bool | None = True,
    installed: bool | None = True,
) -> StationStatus:
    mechanical = None if bikes is None or electric is None else bikes - electric
    return StationStatus("s1", bikes, mechanical, electric, docks, is_installed=installed,
                         is_renting=renting, is_returning=returning)  # fmt: skip


def station(state: StationStatus | None, name: str = "Alpha") -> Station:
    return Station(StationInfo("s1", name, 48.85, 2.35), state)


BIKES2 = Watch(WatchKind.BIKES, 2)


def test_condition_counts_the_kind_and_respects_the_station_state() -> None:
    assert condition_met(status(bikes=2), BIKES2) is True
    assert condition_met(status(bikes=1), BIKES2) is False
    assert condition_met(status(bikes=3, electric=1), Watch(WatchKind.EBIKES, 2)) is False
    assert condition_met(status(bikes=3, electric=2), Watch(WatchKind.EBIKES, 2)) is True
    assert condition_met(status(docks=4), Watch(WatchKind.DOCKS, 4)) is True
    # Bikes behind a station that does not rent are no use; docks that take no bike neither.
    assert condition_met(status(bikes=9, renting=False), BIKES2) is False
    assert condition_met(status(docks=9, returning=False), Watch(WatchKind.DOCKS, 1)) is False
    assert condition_met(status(docks=9, renting=False), Watch(WatchKind.DOCKS, 1)) is True
    assert condition_met(status(bikes=9, installed=False), BIKES2) is False
    # Unknown: no status, or the count not given.
    assert condition_met(None, BIKES2) is None
    assert condition_met(status(bikes=None), BIKES2) is None


def test_tracker_fires_once_then_rearms_only_after_false_again() -> None:
    tracker = WatchTracker()
    watches = [("s1", BIKES2)]

    def observe(state: StationStatus | None) -> int:
        return len(tracker.check({"s1": station(state)}, watches))

    assert observe(status(bikes=3)) == 0  # true from the start: nothing "became" true
    assert observe(status(bikes=1)) == 0  # false: armed
    assert observe(status(bikes=2)) == 1  # became true: fires
    assert observe(status(bikes=2)) == 0  # the same data again (a 304): no second bell
    assert observe(status(bikes=5)) == 0  # still true
    assert observe(None) == 0  # unknown neither fires nor re-arms...
    assert observe(status(bikes=4)) == 0  # ...so true again is no new event
    assert observe(status(bikes=0)) == 0
    assert observe(None) == 0  # unknown between false and true keeps it armed
    assert observe(status(bikes=2)) == 1


def test_tracker_alert_carries_the_station_and_count_and_forget_resets() -> None:
    tracker = WatchTracker()
    watches = [("s1", Watch(WatchKind.DOCKS, 3)), ("gone", BIKES2)]
    assert tracker.check({"s1": station(status(docks=0))}, watches) == []
    (alert,) = tracker.check({"s1": station(status(docks=7))}, watches)
    assert alert.count == 7 and alert.watch.kind is WatchKind.DOCKS
    assert alert.station.info.name == "Alpha"
    tracker.forget("s1")
    assert tracker.check({"s1": station(status(docks=7))}, watches) == []  # starts afresh


def test_a_changed_watch_starts_from_what_it_sees() -> None:
    tracker = WatchTracker()
    tracker.check({"s1": station(status(bikes=1))}, [("s1", BIKES2)])
    # The rider lowers the threshold to 1: already met, so no bell for it.
    assert (
        tracker.check({"s1": station(status(bikes=1))}, [("s1", Watch(WatchKind.BIKES, 1))]) == []
    )


def test_watch_records_round_trip_and_reject_bad_ones() -> None:
    for watch in (BIKES2, Watch(WatchKind.EBIKES, 1), Watch(WatchKind.DOCKS, 999)):
        assert Watch.from_record(watch.to_record()) == watch
    assert BIKES2.to_record() == {"kind": "bikes", "at_least": 2}
    bad_records = [None, [], "bikes", {"kind": "cars", "at_least": 1}, {"kind": "bikes"},
                   {"kind": "bikes", "at_least": True},
                   {"kind": "bikes", "at_least": 0}, {"kind": "bikes", "at_least": 1000},
                   {"kind": "bikes", "at_least": 1.5}]  # fmt: skip
    for bad in bad_records:
        assert Watch.from_record(bad) is None, bad


def test_kind_follows_the_mode_and_describes_itself() -> None:
    assert WatchKind.for_mode(Mode.EBIKE) is WatchKind.EBIKES
    assert WatchKind.for_mode(Mode.DOCK) is WatchKind.DOCKS
    assert Watch(WatchKind.DOCKS, 3).describe() == "at least 3 free docks"


def test_environment_has_every_field_cleaned() -> None:
    alert = WatchTracker()
    evil = station(status(bikes=3, electric=1, docks=None), name="Al\x1b[31mpha\u202e\nX")
    alert.check({"s1": station(status(bikes=0))}, [("s1", BIKES2)])
    (fired,) = alert.check({"s1": evil}, [("s1", BIKES2)])
    env = watch_environment(fired, "Test\x07 Bikes")
    assert env == {
        "BIKEFINDER_STATION_ID": "s1",
        "BIKEFINDER_STATION_NAME": "Al [31mpha X",
        "BIKEFINDER_BIKES": "3",
        "BIKEFINDER_MECHANICAL": "2",
        "BIKEFINDER_ELECTRIC": "1",
        "BIKEFINDER_DOCKS": "",
        "BIKEFINDER_KIND": "bikes",
        "BIKEFINDER_THRESHOLD": "2",
        "BIKEFINDER_SYSTEM": "Test Bikes",
        "BIKEFINDER_MESSAGE": "Al [31mpha X: 3 bikes now (watching for at least 2 bikes)",
    }
    assert fired_message(fired).startswith("Al [31mpha X: 3 bikes")


def test_parse_command_splits_like_a_shell_and_rejects_broken_quoting() -> None:
    assert parse_command("notify-send 'Bike ready' -u low") == ["notify-send", "Bike ready",
                                                                 "-u", "low"]  # fmt: skip
    with pytest.raises(ValueError):
        parse_command("say 'unclosed")
    with pytest.raises(ValueError):
        parse_command("   ")


async def test_run_notify_command_passes_the_environment_without_a_shell(tmp_path: Path) -> None:
    out = tmp_path / "env.json"
    script = tmp_path / "dump.py"
    script.write_text(
        "import json, os, sys\n"
        "json.dump({**{k: v for k, v in os.environ.items() if k.startswith('BIKEFINDER_')},"
        " 'argv': sys.argv[1:]}, open(sys.argv[1], 'w'))\n"
    )
    command = f"{sys.executable} {script} {out} '$HOME' ';echo'"
    assert await run_notify_command(command, {"BIKEFINDER_BIKES": "3"}) is None
    written = json.loads(out.read_text())
    assert written["BIKEFINDER_BIKES"] == "3"
    assert written["argv"] == [str(out), "$HOME", ";echo"]  # no shell expanded anything


async def test_run_notify_command_reports_problems_in_one_line(tmp_path: Path) -> None:
    missing = await run_notify_command(str(tmp_path / "no-such-program"), {})
    assert missing is not None and "could not start" in missing
    failing = await run_notify_command(f"{sys.executable} -c 'raise SystemExit(3)'", {})
    assert failing is not None and "exited with status 3" in failing
    slow = await run_notify_command(f"{sys.executable} -c 'import time; time.sleep(30)'", {},
                                    timeout_s=0.2)  # fmt: skip
    assert slow is not None and "killed" in slow
    assert await run_notify_command("'broken", {}) is not None
