"""bikefinder.rider.listing (the list's view model) and bikefinder.rider.refresh (schedule,
freshness): pure, so tested without Textual."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from bikefinder.rider.favourites import Favourite
from bikefinder.rider.listing import StationListing, new_favourite
from bikefinder.rider.modes import Mode
from bikefinder.rider.refresh import Freshness, RefreshSchedule, freshness
from bikefinder.systems.source import SystemSource
from tests.test_modes import NEAR, T0, snapshot, station

URL = "https://x.test/gbfs.json"


def favourite(station_id: str, gbfs_url: str = URL, system_name: str = "X") -> Favourite:
    return Favourite(gbfs_url, "x", system_name, station_id, f"Fav {station_id}", "2025-10-18")


def three_stations(**first: object) -> list:
    return [station("a", 100, "Alpha", **first), station("b", 200, "Bravo", bikes=0),
            station("c", 300, "Hôtel", bikes=2)]  # fmt: skip


def test_rows_rank_filter_and_favourites() -> None:
    listing = StationListing()
    assert listing.rows(NEAR, Mode.ANY_BIKE, 5, set()) == []  # nothing loaded yet
    assert listing.load(snapshot(three_stations()))
    rows = listing.rows(NEAR, Mode.ANY_BIKE, 5, {"c"})
    assert [(d.row.station.station_id, d.row.rank, d.favourite) for d in rows] == [
        ("a", 1, False), ("b", None, False), ("c", 2, True)
    ]  # fmt: skip
    assert [d.row.station.station_id for d in listing.rows(NEAR, Mode.ANY_BIKE, 5, set(),
            name_query="hotel")] == ["c"]  # fmt: skip
    favourites = listing.rows(NEAR, Mode.ANY_BIKE, 1, {"b", "c"}, favourites_only=True)
    assert [d.row.station.station_id for d in favourites] == ["b", "c"]  # the limit is theirs
    both = listing.rows(NEAR, Mode.ANY_BIKE, 5, {"b", "c"}, favourites_only=True,
                        name_query="bra")  # fmt: skip
    assert [d.row.station.station_id for d in both] == ["b"]


def test_changes_and_trends_follow_new_numbers_only() -> None:
    listing = StationListing()
    first = snapshot(three_stations())
    listing.load(first)
    assert listing.rows(NEAR, Mode.ANY_BIKE, 5, set())[0].changes == {}
    assert not listing.load(replace(first))  # same stations object: an HTTP 304
    second = snapshot(three_stations(bikes=5, reported=T0 + timedelta(minutes=1)))
    assert listing.load(second)
    alpha = listing.rows(NEAR, Mode.ANY_BIKE, 5, set())[0]
    assert alpha.changes == {"bikes": 2}
    assert alpha.trend is not None and alpha.trend.values == (3, 5)
    details = listing.details("a", NEAR, favourite=True)
    assert details.changes == {"bikes": 2} and details.favourite
    assert details.ranked is not None and round(details.ranked.distance_m) == 100
    assert details.ranked.bearing == "N"
    gone = listing.details("zz", NEAR, favourite=False)
    assert gone.ranked is None and gone.changes == {} and not gone.report_stale
    listing.clear()
    assert listing.snapshot is None and listing.by_id == {}


def test_other_favourites_and_detail_line() -> None:
    listing = StationListing()
    listing.load(snapshot(three_stations()))
    here = [favourite("a"), favourite("gone")]
    everywhere = [*here, favourite("1", "https://y.test/gbfs.json", "Y bikes"),
                  favourite("2", "https://z.test/gbfs.json", ""),
                  favourite("3", "https://y.test/gbfs.json", "Y bikes")]  # fmt: skip
    others = listing.other_favourites(here, everywhere)
    assert [f.station_id for f in others.missing] == ["gone"]
    assert {system: [f.station_id for f in favs] for system, favs in others.by_system.items()} == {
        "Y bikes": ["1", "3"], "x": ["2"]  # no system name: its id
    }  # fmt: skip
    rows = listing.rows(NEAR, Mode.ANY_BIKE, 5, set())
    assert listing.detail_line(rows, Mode.ANY_BIKE, "  al ", 30.0) == (
        "3 stations · 2 of 3 listed have bikes · filter: al · refresh every 30 s"
    )
    assert StationListing().detail_line([], Mode.DOCK, "", 30.0) == ""


def test_schedule_backs_off_and_recovers() -> None:
    schedule = RefreshSchedule.starting(T0, override_s=None)
    assert schedule.due(T0) and schedule.refresh_s == 60
    schedule.start()
    assert not schedule.due(T0 + timedelta(hours=1))  # one fetch at a time
    schedule.failed("X: station_status: HTTP 503 (url)", "station_status: HTTP 503", T0)
    schedule.start()
    schedule.failed("again", "again", T0)
    assert schedule.failures == 2 and schedule.wait_s(T0) == 10
    assert not schedule.due(T0 + timedelta(seconds=9)) and schedule.due(T0 + timedelta(seconds=10))
    schedule.succeeded(30, T0)
    assert (schedule.failures, schedule.last_error, schedule.refresh_s) == (0, None, 30)
    assert schedule.wait_s(T0 + timedelta(seconds=40)) == 0
    assert RefreshSchedule.starting(T0, override_s=7).refresh_s == 7


def test_freshness_words() -> None:
    live = SystemSource(gbfs_url=URL)
    schedule = RefreshSchedule.starting(T0)
    assert freshness(None, schedule, live, T0) == Freshness("loading …", "ok", None)
    data = snapshot([station("a", 100)])
    assert freshness(data, schedule, live, T0 + timedelta(seconds=8)).text == "updated 8 s ago"
    stale = freshness(data, schedule, live, T0 + timedelta(minutes=10))
    assert stale.health == "stale" and stale.problem is not None and "10 min old" in stale.problem
    cached = freshness(replace(data, from_cache=True), schedule, live, T0 + timedelta(hours=2))
    assert (cached.text, cached.health) == ("CACHED data, 2 h old", "stale")
    schedule.failed("X: boom", "station_status: boom", T0)
    assert freshness(None, schedule, live, T0) == Freshness("no data yet", "error", None)
    failed = freshness(data, schedule, live, T0 + timedelta(seconds=2))
    assert failed.health == "error"
    assert failed.problem == (
        "Showing data from 2 s ago: refresh failed (station_status: boom); retrying in 3 s"
    )
    demo = replace(live, demo_label="demo data (Paris)")
    assert freshness(data, RefreshSchedule.starting(T0), demo, T0).text == "demo data (Paris)"


def test_new_favourite_names_system_and_station_and_when() -> None:
    added = new_favourite(snapshot(three_stations()), station("c", 300, "Hôtel"), T0)
    assert added == Favourite(URL, "x", "X", "c", "Hôtel", "2025-10-18T09:00:00Z")
    later = new_favourite(snapshot([]), station("a", 0), T0 + timedelta(microseconds=900_001))
    assert later.added_at == "2025-10-18T09:00:00Z" and later.watch is None
