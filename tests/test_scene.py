"""The scene (rider/scene.py: every list's rows), the header's facts (rider/listing.py)
and the refresh schedule and freshness (rider/refresh.py): pure, tested without Textual."""

from __future__ import annotations

from datetime import timedelta

from copies import replace
from msgspec import structs

from bikefinder.feeds.snapshot import Snapshot
from bikefinder.rider.favourites import Favourite, new_favourite
from bikefinder.rider.listing import ListStatus, other_favourites
from bikefinder.rider.modes import Mode
from bikefinder.rider.refresh import Freshness, FreshState, RefreshSchedule, freshness
from bikefinder.rider.rows import Kind, RowKey, SceneSystem
from bikefinder.rider.scene import Query, Scene
from bikefinder.rider.trends import TrendHistory
from bikefinder.systems.source import SystemSource
from bikefinder.ui.status_words import detail_words
from tests.test_modes import NEAR, T0, snapshot, station

URL = "https://x.test/gbfs.json"
SYSTEM = SceneSystem("x", "X", URL)


def favourite(station_id: str, gbfs_url: str = URL, system_name: str = "X") -> Favourite:
    return Favourite(gbfs_url, "x", system_name, station_id, f"Fav {station_id}", "2025-10-18")


def three_stations(**first: object) -> list:
    return [station("a", 100, "Alpha", **first), station("b", 200, "Bravo", bikes=0),
            station("c", 300, "Hôtel", bikes=2)]  # fmt: skip


def scene_of(data: Snapshot, previous: Scene | None = None) -> Scene:
    return Scene.build([(SYSTEM, data, None)], previous=previous)


def key(station_id: str) -> RowKey:
    return RowKey(Kind.STATION, "x", station_id)


def test_rows_rank_filter_and_favourites() -> None:
    scene = scene_of(snapshot(three_stations()))
    saved = {key("b"): "Fav b", key("c"): "Fav c"}
    rows = scene.rows(Query(NEAR, limit=5, favourites={key("c"): "Fav c"}), now=T0)
    assert [(r.key.item_id, r.rank, r.favourite) for r in rows] == [
        ("a", 1, False), ("b", None, False), ("c", 2, True)
    ]  # fmt: skip
    hotel = scene.rows(Query(NEAR, limit=5, name_query="hotel"), now=T0)
    assert [r.key.item_id for r in hotel] == ["c"]
    favourites = scene.rows(Query(NEAR, limit=1, favourites_only=True, favourites=saved), now=T0)
    assert [r.key.item_id for r in favourites] == ["b", "c"]  # the limit is theirs
    both = scene.rows(
        Query(NEAR, limit=5, favourites_only=True, favourites=saved, name_query="bra"), now=T0
    )
    assert [r.key.item_id for r in both] == ["b"]
    gone = scene.rows(Query(NEAR, favourites_only=True, favourites={key("zz"): "Old"}), now=T0)
    assert [(r.name, r.reason, r.distance_m, r.rank) for r in gone] == [
        ("Old", "not in feed", None, None)
    ]


def test_changes_and_trends_follow_new_numbers_only() -> None:
    first = snapshot(three_stations())
    trends = TrendHistory()
    trends.record(URL, first.stations)
    scene = scene_of(first)
    assert scene.rows(Query(NEAR, limit=5), now=T0)[0].changes == {}
    same = scene_of(replace(first), scene)  # same stations object: an HTTP 304
    assert same.indexes[0].changed == 0 and same.rows(Query(NEAR), now=T0)[0].changes == {}
    second = snapshot(three_stations(bikes=5, reported=T0 + timedelta(minutes=1)))
    trends.record(URL, second.stations)
    scene = scene_of(second, scene)
    alpha = scene.rows(Query(NEAR, limit=5), now=T0, trends={"x": trends})[0]
    assert alpha.changes == {"bikes": 2} and scene.indexes[0].changed == 1
    assert alpha.trend is not None and alpha.trend.values == (3, 5)
    details = scene.row(key("a"), Query(NEAR, favourites={key("a"): "A"}), now=T0)
    assert details is not None and details.changes == {"bikes": 2} and details.favourite
    assert details.distance_m is not None and round(details.distance_m) == 100
    assert details.bearing == "N" and details.rank is None
    assert scene.row(key("zz"), Query(NEAR), now=T0) is None


def test_other_favourites_and_detail_line() -> None:
    everywhere = [favourite("a"), favourite("gone"),
                  favourite("1", "https://y.test/gbfs.json", "Y bikes"),
                  favourite("2", "https://z.test/gbfs.json", ""),
                  favourite("3", "https://y.test/gbfs.json", "Y bikes")]  # fmt: skip
    others = other_favourites([URL], everywhere)
    assert {system: [f.station_id for f in favs] for system, favs in others.by_system.items()} == {
        "Y bikes": ["1", "3"], "x": ["2"]  # no system name: its id
    }  # fmt: skip
    rows = scene_of(snapshot(three_stations())).rows(Query(NEAR, limit=5), now=T0)
    status = ListStatus("X", NEAR, "updated 8 s ago", station_count=3, refresh_s=30.0)
    assert detail_words(status, rows, Mode.ANY_BIKE, "  al ", None) == (
        "3 stations · 2 of 3 listed have bikes · filter: al · refresh every 30 s"
    )
    several = structs.replace(status, systems=2, vehicle_count=4, alert_count=1, refresh_s=None)
    assert detail_words(several, [], Mode.DOCK, "", None) == (
        "2 systems · 3 stations · 4 vehicles · 0 of 0 listed have free docks · ⚠ 1 alert · "
        "bundled snapshot, never refreshed"
    )


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
    assert freshness(None, schedule, live, T0) == Freshness(
        "loading …", "ok", None, FreshState.LOADING
    )
    data = snapshot([station("a", 100)])
    assert freshness(data, schedule, live, T0 + timedelta(seconds=8)).text == "updated 8 s ago"
    stale = freshness(data, schedule, live, T0 + timedelta(minutes=10))
    assert stale.health == "stale" and stale.problem is not None and "10 min old" in stale.problem
    cached = freshness(replace(data, from_cache=True), schedule, live, T0 + timedelta(hours=2))
    assert (cached.text, cached.health) == ("CACHED data, 2 h old", "stale")
    schedule.failed("X: boom", "station_status: boom", T0)
    assert freshness(None, schedule, live, T0) == Freshness(
        "no data yet", "error", None, FreshState.NO_DATA
    )
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


def test_a_filter_typed_letter_by_letter_matches_a_fresh_search() -> None:
    names = ["Rivoli", "Riverside", "Hôtel de Ville", "Rue de Rivoli", "Bercy", "Ri"]
    stations = [station(str(i), 100 * (i + 1), name) for i, name in enumerate(names)]
    typed = scene_of(snapshot(stations))
    for query in ("r", "ri", "riv", "rivo", "riv", "r", "riv ru", "riv", "", "de", "de v"):
        fresh = scene_of(snapshot(stations))
        expected = [r.key.item_id for r in fresh.rows(Query(NEAR, name_query=query), now=T0)]
        got = [r.key.item_id for r in typed.rows(Query(NEAR, name_query=query), now=T0)]
        assert got == expected, query
