"""SystemFeeds with feeds, over a real 127.0.0.1 server and real_more feeds:
vehicles (docked ones counted with their station), alerts, hours, prices, all optional;
free-floating operators loaded as vehicles alone; refresh on the vehicles' own ttl."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from bikefinder.common.errors import FeedError
from bikefinder.feeds.cache import FeedCache
from bikefinder.feeds.http import make_http_client
from bikefinder.feeds.loader import SystemFeeds
from bikefinder.feeds.opening_hours import OpeningHours, SystemHours
from bikefinder.feeds.vehicles import VehicleForm

REAL = Path(__file__).parent / "fixtures" / "real_more"


def real(folder: str, feed: str) -> bytes:
    return (REAL / folder / f"{feed}.json").read_bytes()


def synthetic_status(folder: str, bikes: int = 2) -> dict[str, Any]:
    """A station_status for a real station_information (real_more has none): every
    station renting, with ``bikes`` bikes and 5 docks."""
    info = json.loads(real(folder, "station_information"))
    return {
        "last_updated": int(time.time()),
        "ttl": 0,
        "version": "2.3",
        "data": {
            "stations": [
                {
                    "station_id": str(station["station_id"]),
                    "num_bikes_available": bikes,
                    "num_docks_available": 5,
                    "is_installed": True,
                    "is_renting": True,
                    "is_returning": True,
                    "last_reported": int(time.time()),
                }
                for station in info["data"]["stations"]
            ]
        },
    }


def serve_real(
    server: Any,
    folder: str,
    *,
    status: bool = True,
    layout: str = "v2",
    overrides: Mapping[str, Any] | None = None,
) -> str:
    """A real_more folder (plus a synthetic station_status if it has stations)."""
    feeds: dict[str, Any] = {
        path.stem: path.read_bytes() for path in (REAL / folder).glob("*.json")
    }
    if status and "station_information" in feeds:
        feeds["station_status"] = synthetic_status(folder)
    feeds.update(overrides or {})
    return server.serve_system(folder, feeds, layout=layout)


def load(url: str, **kwargs: Any) -> tuple[SystemFeeds, Any]:
    async def go() -> tuple[SystemFeeds, Any]:
        async with make_http_client(None) as http:
            feeds = SystemFeeds(http, url, **kwargs)
            return feeds, await feeds.load()

    return asyncio.run(go())


def test_station_system_with_docked_vehicles_hours_and_prices(feed_server) -> None:
    url = serve_real(feed_server, "nextbike-linz_2.3_2025")
    feeds, snapshot = load(url)
    assert feeds.degraded == {}
    assert len(snapshot.stations) > 0
    # 373 of the 380 bikes are parked at a station: counted there, never listed twice.
    docked = sum(len(parked) for parked in snapshot.docked_vehicles.values())
    assert docked == 373
    assert len(snapshot.vehicles) + docked + snapshot.unplaceable_vehicles == 380
    listed = {v.vehicle_id for v in snapshot.vehicles}
    assert not listed & {v.vehicle_id for p in snapshot.docked_vehicles.values() for v in p}
    assert all(v.station_id is None or v.station_id not in snapshot.docked_vehicles
               for v in snapshot.vehicles)  # fmt: skip
    assert snapshot.vehicle_types["29"].form is VehicleForm.CARGO_BICYCLE
    assert snapshot.vehicle_meta is not None and snapshot.vehicle_meta.name == "free_bike_status"
    assert isinstance(snapshot.hours, SystemHours)
    assert any(plan.plan_id == "Rate0311" for plan in snapshot.pricing)
    assert snapshot.alerts == ()


def test_station_system_alerts(feed_server) -> None:
    url = serve_real(feed_server, "oekostadt-renningen-mobidatabw_2.3_2025")
    _, snapshot = load(url)
    assert [alert.alert_id for alert in snapshot.alerts] == ["ORE:Alert:mobidatabw_1"]
    assert snapshot.alerts[0].summary == "Keine Echtzeitdaten"
    # All 40 cars are parked at stations: none is listed on its own.
    assert snapshot.vehicles == () and len(snapshot.docked_vehicles) > 0


def test_free_floating_operator_loads_as_vehicles_alone(feed_server) -> None:
    url = serve_real(feed_server, "bird-seattle_2.3_2025")
    _, snapshot = load(url, free_floating=True)
    assert snapshot.stations == ()
    assert len(snapshot.vehicles) == 1931
    assert snapshot.status_meta.name == "free_bike_status"  # its data time and staleness
    assert snapshot.data_time is not None
    assert snapshot.system.name == "bird seattle washington"
    # Callers that list stations only keep the old answer: no station_information.
    with pytest.raises(FeedError, match="station_information"):
        load(url)


def test_v3_vehicle_status_and_system_opening_hours(feed_server) -> None:
    url = serve_real(feed_server, "check-almere_3.0_2025", layout="v3")
    _, snapshot = load(url, free_floating=True)
    assert len(snapshot.vehicles) == 6
    assert {v.form for v in snapshot.vehicles} == {VehicleForm.MOPED}
    assert isinstance(snapshot.hours, OpeningHours)


def test_optional_feeds_degrade_and_are_not_cached(feed_server, tmp_path: Path) -> None:
    folder = "nextbike-linz_2.3_2025"
    url = serve_real(
        feed_server,
        folder,
        overrides={
            "free_bike_status": feed_server.respond(b"", status=500),
            "system_pricing_plans": b"<html>oops</html>",
            "system_hours": {"data": {"rental_hours": "all day"}},
        },
    )
    cache = FeedCache(url, tmp_path)
    feeds, snapshot = load(url, cache=cache)
    assert len(snapshot.stations) > 0  # the stations never wait for optional feeds
    assert set(feeds.degraded) == {"free_bike_status", "system_pricing_plans", "system_hours"}
    assert "no free-floating vehicles" in feeds.degraded["free_bike_status"]
    assert "HTML" in feeds.degraded["system_pricing_plans"]
    assert snapshot.vehicles == () and snapshot.pricing == () and snapshot.hours is None
    assert cache.get("system_pricing_plans") is None and cache.get("system_hours") is None
    assert cache.get("vehicle_types") is not None  # what parsed is cached


def test_vehicle_feed_failing_for_a_free_floating_operator_fails_it(feed_server) -> None:
    url = serve_real(
        feed_server,
        "bird-seattle_2.3_2025",
        overrides={"free_bike_status": feed_server.respond(b"{}", status=503)},
    )
    with pytest.raises(FeedError, match="free_bike_status"):
        load(url, free_floating=True)


class _Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_refresh_vehicles_on_their_ttl_conditionally(feed_server, tmp_path: Path) -> None:
    folder = "bird-seattle_2.3_2025"
    body = json.loads(real(folder, "free_bike_status"))
    body["ttl"] = 30
    etag = '"v1"'

    def vehicles(request: Any) -> None:
        if request.headers.get("If-None-Match") == etag:
            request.send_response_bytes(feed_server.respond(b"", status=304, ETag=etag))
        else:
            request.send_response_bytes(feed_server.respond(body, ETag=etag))

    url = serve_real(feed_server, folder, overrides={"free_bike_status": vehicles})
    clock = _Clock()
    path = f"/{folder}/free_bike_status.json"

    async def go() -> None:
        async with make_http_client(None) as http:
            feeds = SystemFeeds(
                http, url, free_floating=True, clock=clock, cache=FeedCache(url, tmp_path)
            )
            first = await feeds.load()
            assert len(feed_server.requests_for(path)) == 1
            clock.now += 10  # within its ttl: not fetched at all
            assert await feeds.refresh() is first
            assert len(feed_server.requests_for(path)) == 1
            clock.now += 25  # due: a conditional request, a 304, the same snapshot
            assert await feeds.refresh() is first
            requests = feed_server.requests_for(path)
            assert len(requests) == 2 and requests[-1].headers.get("if-none-match") == etag
            # Cached, a new loader reads the operator without any network.
            again = SystemFeeds(None, url, free_floating=True, cache=FeedCache(url, tmp_path))
            cached = again.load_cached()
            assert cached is not None and cached.from_cache
            assert len(cached.vehicles) == len(first.vehicles) == 1931

    asyncio.run(go())


def test_new_vehicle_types_reread_the_vehicles(feed_server) -> None:
    """A changed vehicle_types changes what each vehicle is: the vehicles are read again."""
    folder = "bird-seattle_2.3_2025"
    types = json.loads(real(folder, "vehicle_types"))
    types["ttl"] = 0
    state = {"types": types}

    def vehicle_types(request: Any) -> None:
        request.send_response_bytes(feed_server.respond(state["types"]))

    url = serve_real(feed_server, folder, overrides={"vehicle_types": vehicle_types})
    clock = _Clock()

    async def go() -> None:
        async with make_http_client(None) as http:
            feeds = SystemFeeds(http, url, free_floating=True, clock=clock)
            first = await feeds.load()
            assert VehicleForm.UNKNOWN not in {v.form for v in first.vehicles}
            state["types"] = {**types, "data": {"vehicle_types": []}}  # nothing described
            clock.now += 120
            second = await feeds.refresh()
            assert second is not first
            assert {v.form for v in second.vehicles} == {VehicleForm.UNKNOWN}  # never guessed

    asyncio.run(go())


def _zone_document(ride_end_allowed: bool) -> dict[str, Any]:
    square = [[-122.34, 47.60], [-122.32, 47.60], [-122.32, 47.62], [-122.34, 47.62],
              [-122.34, 47.60]]  # fmt: skip
    feature = {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [square]},
               "properties": {"rules": [{"ride_end_allowed": ride_end_allowed}]}}  # fmt: skip
    zones = {"type": "FeatureCollection", "features": [feature]}
    return {"last_updated": int(time.time()), "ttl": 60, "version": "2.3",
            "data": {"geofencing_zones": zones}}  # fmt: skip


def test_geofencing_zones_are_read_for_a_free_floating_operator(feed_server) -> None:
    zones = _zone_document(ride_end_allowed=False)
    url = serve_real(feed_server, "bird-seattle_2.3_2025", overrides={"geofencing_zones": zones})
    _, snapshot = load(url, free_floating=True)
    assert snapshot.geofencing is not None
    assert snapshot.geofencing.ride_end_allowed(47.61, -122.33, None) is False
    assert snapshot.geofencing.ride_end_allowed(47.70, -122.33, None) is True


def test_geofencing_zones_are_not_fetched_for_a_station_system(feed_server) -> None:
    overrides = {"geofencing_zones": _zone_document(ride_end_allowed=False)}
    url = feed_server.serve_fixture("citibike_v1.1_2024", overrides=overrides)
    feeds, snapshot = load(url)
    assert len(snapshot.stations) > 2000
    assert snapshot.geofencing is None
    assert not any("geofencing" in request.path for request in feed_server.requests)
    assert feeds.degraded == {}
