"""The naive reference for scripts/benchmark.py: nearest stations as a newcomer writes it.

    .venv/bin/python scripts/naive_nearest.py GBFS_JSON_URL LAT,LON

httpx GETs of the discovery file, station_information and station_status,
``json.loads``, a dict join by station id, every station sorted by geopy's
``great_circle``, the nearest 20 printed as JSON. No cache, no checks.
"""

from __future__ import annotations

import json
import sys

import httpx
from geopy.distance import great_circle


def main(argv: list[str]) -> int:
    gbfs_url, near = argv
    point = tuple(float(part) for part in near.split(","))
    with httpx.Client() as http:
        languages = json.loads(http.get(gbfs_url).content)["data"]
        feeds = languages.get("en") or next(iter(languages.values()))
        urls = {feed["name"]: feed["url"] for feed in feeds["feeds"]}
        info = json.loads(http.get(urls["station_information"]).content)["data"]["stations"]
        status = json.loads(http.get(urls["station_status"]).content)["data"]["stations"]
    by_id = {record["station_id"]: record for record in status}
    stations = [{**record, **by_id.get(record["station_id"], {})} for record in info]
    for station in stations:
        station["distance_m"] = great_circle(point, (station["lat"], station["lon"])).m
    stations.sort(key=lambda station: station["distance_m"])
    fields = ("station_id", "name", "distance_m", "num_bikes_available", "num_docks_available")
    print(json.dumps([{field: s.get(field) for field in fields} for s in stations[:20]]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
