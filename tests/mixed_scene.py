"""A fixed mixed scene for snapshots and screenshots: real nextbike Linz feeds
(stations, bikes docked and free, hours, prices) with a synthetic station_status and one
station alert, plus a synthetic free-floating operator, behind ``httpx.MockTransport``.
Every time in it is ``now``, so pictures are the same on every run. (No tests in here.)"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

from bikefinder.systems.source import SystemSource

REAL = Path(__file__).parent / "fixtures" / "real_more"
LINZ_FOLDER = "nextbike-linz_2.3_2025"
LINZ = (48.3055, 14.2860)
LINZ_URL = "https://linz.example/gbfs.json"
FLOAT_URL = "https://float.example/gbfs.json"


def _doc(data: Any, stamp: int, ttl: int = 60) -> dict[str, Any]:
    return {"last_updated": stamp, "ttl": ttl, "version": "2.3", "data": data}


def _transport(base: str, feeds: dict[str, Any]) -> httpx.MockTransport:
    listed = [{"name": name, "url": f"{base}/{name}.json"} for name in feeds]
    documents = {f"{base}/{name}.json": body for name, body in feeds.items()}
    documents[f"{base}/gbfs.json"] = _doc({"en": {"feeds": listed}}, 0)

    def handle(request: httpx.Request) -> httpx.Response:
        body = documents.get(str(request.url))
        if body is None:
            return httpx.Response(404)
        content = body if isinstance(body, bytes) else json.dumps(body).encode()
        return httpx.Response(200, content=content, headers={"content-type": "application/json"})

    return httpx.MockTransport(handle)


def linz_station_ids() -> list[str]:
    info = json.loads((REAL / LINZ_FOLDER / "station_information.json").read_bytes())
    return [str(station["station_id"]) for station in info["data"]["stations"]]


def mixed_sources(now: datetime) -> list[SystemSource]:
    """nextbike Linz (with an alert on Alter Markt) and "Float", a free-floating operator."""
    stamp = int(now.timestamp())
    ids = linz_station_ids()
    feeds: dict[str, Any] = {
        path.stem: path.read_bytes() for path in sorted((REAL / LINZ_FOLDER).glob("*.json"))
    }
    feeds["station_status"] = _doc({"stations": [
        {"station_id": sid, "num_bikes_available": (i * 3) % 7, "num_docks_available": 4 + i % 5,
         "is_installed": True, "is_renting": True, "is_returning": True, "last_reported": stamp}
        for i, sid in enumerate(ids)
    ]}, stamp, ttl=30)  # fmt: skip
    feeds["system_alerts"] = _doc({"alerts": [
        {"alert_id": "works", "type": "station_closure", "summary": "Works at Alter Markt",
         "description": "Two docks are being replaced; use Hauptplatz meanwhile.",
         "url": "https://linz.example/works", "station_ids": [ids[0]],
         "times": [{"start": stamp - 3600, "end": stamp + 86400}]},
    ]}, stamp)  # fmt: skip
    east = 1 / 74_000  # degrees of longitude per metre, about, in Linz
    bikes = [
        {"bike_id": f"f{i}", "lat": LINZ[0] + dy / 111_000, "lon": LINZ[1] + dx * east,
         "is_reserved": False, "is_disabled": False, "vehicle_type_id": kind,
         "current_range_meters": rng}
        for i, (dx, dy, kind, rng) in enumerate([
            (25, 10, "ebike", 18_000), (-60, 40, "ebike", 1_500), (120, -80, "scooter", 9_000),
            (-150, -120, "ebike", 42_000), (260, 90, "ebike", 7_400),
        ])
    ]  # fmt: skip
    floating = {
        "system_information": _doc({"system_id": "float", "name": "Float e-bikes",
                                    "language": "en", "timezone": "Europe/Vienna"}, stamp),
        "vehicle_types": _doc({"vehicle_types": [
            {"vehicle_type_id": "ebike", "form_factor": "bicycle",
             "propulsion_type": "electric_assist", "max_range_meters": 60000,
             "name": "Float e-bike"},
            {"vehicle_type_id": "scooter", "form_factor": "scooter",
             "propulsion_type": "electric", "max_range_meters": 30000},
        ]}, stamp),
        "system_pricing_plans": _doc({"plans": [
            {"plan_id": "ride", "name": "Ride", "currency": "EUR", "price": 1.0,
             "is_taxable": False, "description": "Pay as you go",
             "per_min_pricing": [{"start": 0, "rate": 0.25, "interval": 1}]},
        ]}, stamp),
        "free_bike_status": _doc({"bikes": bikes}, stamp, ttl=30),
    }  # fmt: skip
    return [
        SystemSource(gbfs_url=LINZ_URL, transport=_transport("https://linz.example", feeds)),
        SystemSource(gbfs_url=FLOAT_URL, transport=_transport("https://float.example", floating)),
    ]
