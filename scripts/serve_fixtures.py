"""Serve the recorded feeds in tests/fixtures as live GBFS systems on 127.0.0.1.

    .venv/bin/python scripts/serve_fixtures.py [--port 8765] [--churn]
        [--synthetic 100000 ...] [--rotate-ids 0.02] [--free-floating 10000 ...]

Each snapshot folder becomes ``http://127.0.0.1:PORT/<folder>/gbfs.json`` (a
``gbfs.json`` is written on the fly where the snapshot has none, pointing at this
server). Responses carry an ETag and honour ``If-None-Match``. With ``--churn``,
every ``station_status`` request sees a few stations' numbers change, like a live
feed. ``--synthetic N`` adds a deterministic N-station system ``synthetic_N`` with
Citi Bike-shaped records (see :class:`SyntheticSystem`); ``--rotate-ids F`` makes a
fraction F of its station ids new on each ``station_information`` request (a feed
whose stations come and go). ``--free-floating N`` (repeatable) adds a deterministic
free-floating operator ``floating_<k>`` with N vehicles around Paris (e-bikes, bikes and
scooters; GBFS 2.3 ``free_bike_status`` and ``vehicle_types``, no station feeds), whose
vehicles move with ``--churn`` (see :class:`SyntheticOperator`). For trying the app by
hand and for scripts/benchmark.py; tests have their own server in tests/conftest.py.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures"
#: Real operators' feeds without a station_status (free-floating, alerts, hours, prices).
REAL_MORE = FIXTURES / "real_more"
FEEDS = ("system_information", "vehicle_types", "station_information", "station_status")
#: Every feed a real_more folder may hold, in the order a discovery file lists them.
REAL_FEEDS = (
    "system_information", "vehicle_types", "station_information", "station_status",
    "free_bike_status", "vehicle_status", "system_hours", "system_alerts",
    "system_pricing_plans",
)  # fmt: skip
#: Keys whose values are moments (POSIX seconds or ISO 8601) that --fresh moves forward.
_MOMENTS = frozenset({"last_updated", "lastUpdatedOther", "last_reported", "start", "end"})
#: Where synthetic stations are spread: around Manhattan, like Citi Bike's.
SYNTHETIC_CENTRE = (40.75, -73.98)
_COMPACT = (",", ":")
_STREETS = ("Ave", "St", "Pl", "Blvd", "Rd", "Sq", "Plaza", "Pier")


def _station_id(slot: int, generation: int) -> str:
    """A UUID-shaped id (like most of Citi Bike's), new for each generation of a slot."""
    tail = (slot * 2654435761 + generation * 40503) % 2**48
    gen = generation % 2**16
    return f"{slot:08x}-{gen:04x}-4{slot % 4096:03x}-8{gen % 4096:03x}-{tail:012x}"


class SyntheticSystem:
    """A deterministic ``count``-station system whose records copy Citi Bike's shapes.

    Field names, value types and value ranges are those of
    tests/fixtures/citibike_v1.1_2024, with UUID-shaped ids and coordinates around
    Manhattan; the bulky per-station constants (``rental_uris``, ``external_id``,
    ``legacy_id``, ``eightd_*``, surcharge waiver, scooter counts) are left out so
    that each feed is ~25 MB at 100,000 stations, the size issue 10 names. Bodies
    are compact JSON; each record is encoded once and re-encoded only when it
    changes, so churn costs the server little.
    """

    def __init__(self, count: int, churn: bool = False, rotate: float = 0.0) -> None:
        self.count = count
        self.churn = churn
        self.rotate = max(0.0, min(1.0, rotate))
        self.random = random.Random(count)
        rng = random.Random(f"synthetic-{count}")
        self.generations = [0] * count
        self.info_records: list[dict[str, Any]] = []
        self.status_records: list[dict[str, Any]] = []
        lat0, lon0 = SYNTHETIC_CENTRE
        spread = 0.15 * max(1.0, (count / 2_226) ** 0.5)
        for slot in range(count):
            capacity = rng.randint(11, 60)
            bikes = rng.randint(0, capacity)
            ebikes = rng.randint(0, bikes)
            disabled = rng.randint(0, 3)
            region = str(rng.choice((70, 71, 311)))
            self.info_records.append(
                {
                    "station_type": "classic",
                    "has_kiosk": True,
                    "region_id": region,
                    "name": f"{rng.randint(1, 220)} {_STREETS[slot % 8]} & {slot} "
                    f"{_STREETS[(slot // 8) % 8]}",
                    "short_name": f"{rng.randint(1000, 9999)}.{rng.randint(1, 20):02d}",
                    "capacity": capacity,
                    "lon": round(lon0 + rng.uniform(-spread, spread), 6),
                    "rental_methods": ["KEY", "CREDITCARD"],
                    "station_id": "",
                    "lat": round(lat0 + rng.uniform(-spread, spread) * 0.76, 6),
                }
            )
            self.status_records.append(
                {
                    "is_returning": 1,
                    "num_bikes_disabled": disabled,
                    "is_installed": 1,
                    "is_renting": 1,
                    "num_docks_disabled": 0,
                    "last_reported": 1727895000 + rng.randint(0, 900),
                    "num_ebikes_available": ebikes,
                    "num_bikes_available": bikes,
                    "station_id": "",
                    "num_docks_available": max(0, capacity - bikes - disabled),
                }
            )
        for slot in range(count):
            self._set_id(slot)
        self.info_parts = [self._encode(r) for r in self.info_records]
        self.status_parts = [self._encode(r) for r in self.status_records]
        self.versions = {"station_information": 0, "station_status": 0}
        self.rotations = 0
        self._bodies: dict[str, tuple[int, bytes]] = {}

    @staticmethod
    def _encode(record: dict[str, Any]) -> bytes:
        return json.dumps(record, separators=_COMPACT).encode()

    def _set_id(self, slot: int) -> None:
        station_id = _station_id(slot, self.generations[slot])
        self.info_records[slot]["station_id"] = station_id
        self.status_records[slot]["station_id"] = station_id

    def _rotate(self) -> None:
        """Give the next ``rotate`` fraction of slots new station ids (in both feeds)."""
        size = round(self.count * self.rotate)
        if size == 0:
            return
        start = self.rotations * size
        self.rotations += 1
        for offset in range(size):
            slot = (start + offset) % self.count
            self.generations[slot] += 1
            self._set_id(slot)
            self.info_parts[slot] = self._encode(self.info_records[slot])
            self.status_parts[slot] = self._encode(self.status_records[slot])
        self.versions["station_information"] += 1
        self.versions["station_status"] += 1

    def _churn(self) -> None:
        """A few stations lose a dock and gain a bike, or the other way round."""
        for slot in self.random.sample(range(self.count), min(5, self.count)):
            record = self.status_records[slot]
            step = 1 if record["num_docks_available"] > 0 else -1
            if record["num_bikes_available"] - step < 0:
                continue
            record["num_bikes_available"] += step
            record["num_docks_available"] -= step
            record["last_reported"] += 60
            self.status_parts[slot] = self._encode(record)
        self.versions["station_status"] += 1

    def entry(self, feed: str) -> tuple[bytes, str] | None:
        """(body, ETag) of ``feed`` as of this request; ``None`` if the system lacks it."""
        if feed == "station_information" and self.rotate:
            self._rotate()
        elif feed == "station_status" and self.churn:
            self._churn()
        if feed not in self.versions:
            return None
        version = self.versions[feed]
        cached = self._bodies.get(feed)
        if cached is None or cached[0] != version:
            parts = self.info_parts if feed == "station_information" else self.status_parts
            head = b'{"last_updated":%d,"ttl":60,"version":"1.1","data":{"stations":[' % (
                1727895805 + version
            )
            cached = (version, head + b",".join(parts) + b"]}}")
            self._bodies[feed] = cached
        etag = f'"syn{self.count}-{self.rotations}-{version}"'
        return cached[1], etag


#: Where synthetic free-floating vehicles are spread: Paris, around Vélib's stations.
FLOATING_CENTRE = (48.8566, 2.3522)
_OPERATOR_TYPES = (
    {"vehicle_type_id": "ebike", "form_factor": "bicycle", "propulsion_type": "electric_assist",
     "max_range_meters": 60000, "name": "E-bike", "default_pricing_plan_id": "ride"},
    {"vehicle_type_id": "bike", "form_factor": "bicycle", "propulsion_type": "human",
     "name": "Bike", "default_pricing_plan_id": "ride"},
    {"vehicle_type_id": "scooter", "form_factor": "scooter", "propulsion_type": "electric",
     "max_range_meters": 30000, "name": "Scooter", "default_pricing_plan_id": "ride"},
)  # fmt: skip


class SyntheticOperator:
    """A deterministic free-floating operator: ``count`` vehicles within ~8 km of Paris's
    centre, shaped like Lyft's and Bird's 2.3 records (``bike_id``, position, type,
    range, flags, a plan id); a few are reserved or disabled. With ``churn`` every
    ``free_bike_status`` request sees a few vehicles move (and ids rotate, as GBFS asks)."""

    def __init__(self, number: int, count: int, churn: bool = False) -> None:
        self.number = number
        self.count = count
        self.churn = churn
        self.random = random.Random(f"floating-{number}")
        rng = random.Random(f"floating-{number}-{count}")
        lat0, lon0 = FLOATING_CENTRE
        self.records: list[dict[str, Any]] = []
        for i in range(count):
            kind = _OPERATOR_TYPES[i % 3]["vehicle_type_id"]
            record: dict[str, Any] = {
                "bike_id": f"op{number}-{i:06d}-0",
                "lat": round(lat0 + rng.uniform(-0.07, 0.07), 6),
                "lon": round(lon0 + rng.uniform(-0.11, 0.11), 6),
                "is_reserved": i % 97 == 0,
                "is_disabled": i % 89 == 0,
                "vehicle_type_id": kind,
                "last_reported": 1761018000 + rng.randint(0, 600),
                "pricing_plan_id": "ride",
            }
            if kind != "bike":
                record["current_range_meters"] = rng.randint(500, 40000)
                record["current_fuel_percent"] = round(rng.random(), 2)
            self.records.append(record)
        self.parts = [json.dumps(r, separators=_COMPACT).encode() for r in self.records]
        self.version = 0
        self._body: tuple[int, bytes] | None = None
        stamp = 1761018000
        self.fixed = {
            "system_information": {"last_updated": stamp, "ttl": 3600, "version": "2.3",
                "data": {"system_id": f"floating_{number}", "name": f"Synthetic Float {number}",
                         "language": "en", "timezone": "Europe/Paris"}},
            "vehicle_types": {"last_updated": stamp, "ttl": 3600, "version": "2.3",
                "data": {"vehicle_types": list(_OPERATOR_TYPES)}},
            "system_pricing_plans": {"last_updated": stamp, "ttl": 3600, "version": "2.3",
                "data": {"plans": [{"plan_id": "ride", "name": "Ride", "currency": "EUR",
                                    "price": 1.0, "is_taxable": True, "description": "Ride",
                                    "per_min_pricing": [{"start": 0, "rate": 0.25,
                                                         "interval": 1}]}]}},
        }  # fmt: skip

    FEEDS = ("system_information", "vehicle_types", "system_pricing_plans", "free_bike_status")

    def _move(self) -> None:
        for slot in self.random.sample(range(self.count), min(20, self.count)):
            record = self.records[slot]
            record["lat"] = round(record["lat"] + self.random.uniform(-0.002, 0.002), 6)
            record["lon"] = round(record["lon"] + self.random.uniform(-0.003, 0.003), 6)
            head, _, generation = record["bike_id"].rpartition("-")
            record["bike_id"] = f"{head}-{int(generation) + 1}"  # ids rotate after a trip
            self.parts[slot] = json.dumps(record, separators=_COMPACT).encode()
        self.version += 1

    def entry(self, feed: str) -> tuple[bytes, str] | None:
        if feed in self.fixed:
            body = json.dumps(self.fixed[feed]).encode()
            return body, f'"float{self.number}-{feed}"'
        if feed != "free_bike_status":
            return None
        if self.churn:
            self._move()
        if self._body is None or self._body[0] != self.version:
            head = b'{"last_updated":%d,"ttl":0,"version":"2.3","data":{"bikes":[' % (
                1761018000 + self.version
            )
            self._body = (self.version, head + b",".join(self.parts) + b"]}}")
        return self._body[1], f'"float{self.number}-{self.count}-{self.version}"'


def _moved(value: Any, delta_s: int) -> Any:
    """A moment ``delta_s`` seconds later, in the form it came (seconds or ISO 8601);
    anything else as it is."""
    from datetime import datetime, timedelta

    if isinstance(value, int) and not isinstance(value, bool) and value > 10**9:
        return value + delta_s
    if isinstance(value, str) and len(value) >= 19 and value[4:5] == "-" and "T" in value:
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return value
        moved = (moment + timedelta(seconds=delta_s)).isoformat()
        return moved.replace("+00:00", "Z") if value.endswith("Z") else moved
    return value


def freshen(document: Any, now_s: int) -> Any:
    """``document`` as if published at ``now_s``: every moment in it (the envelope's
    ``last_updated``, stations' and vehicles' ``last_reported``, alert times) moves by
    the same amount, so ages, staleness and active alerts look as they did when it was
    recorded. A document without a readable publication time is returned as it is."""
    if not isinstance(document, dict):
        return document
    # Vélib' writes its publication time as "lastUpdatedOther".
    stamp = document.get("last_updated", document.get("lastUpdatedOther"))
    if isinstance(stamp, str):
        from datetime import datetime

        stamp = int(datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp())
    if not isinstance(stamp, int) or stamp <= 10**9:
        return document
    delta_s = now_s - stamp

    def walk(value: Any, key: str | None = None) -> Any:
        if isinstance(value, dict):
            return {k: walk(v, k) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(item, key) for item in value]
        return _moved(value, delta_s) if key in _MOMENTS else value

    return walk(document)


def real_status(information: dict[str, Any], version: str, stamp: int) -> dict[str, Any]:
    """A deterministic station_status for a real station_information (real_more records
    none): a few bikes and docks at each station, reported now."""
    rows = []
    for i, station in enumerate(information.get("data", {}).get("stations", [])):
        capacity = station.get("capacity") if isinstance(station.get("capacity"), int) else 12
        bikes = (i * 7) % (max(capacity, 1) + 1)
        rows.append({"station_id": station.get("station_id"), "num_bikes_available": bikes,
                     "num_docks_available": max(0, capacity - bikes), "is_installed": True,
                     "is_renting": True, "is_returning": True, "last_reported": stamp})  # fmt: skip
    if version.startswith("3"):
        for row in rows:
            row["num_vehicles_available"] = row.pop("num_bikes_available")
            row["last_reported"] = _iso(stamp)
        return {"last_updated": _iso(stamp), "ttl": 60, "version": version,
                "data": {"stations": rows}}  # fmt: skip
    return {"last_updated": stamp, "ttl": 60, "version": version, "data": {"stations": rows}}


def _iso(stamp: int) -> str:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(stamp, UTC).isoformat().replace("+00:00", "Z")


class FixtureSite:
    """The documents of every fixture folder, and the churn that makes status move."""

    def __init__(
        self,
        churn: bool,
        synthetic: tuple[int, ...] = (),
        rotate: float = 0.0,
        floating: tuple[int, ...] = (),
        fresh: bool = False,
    ) -> None:
        """``fresh``: every recorded document as if published when the server started
        (see :func:`freshen`); else the bytes as recorded."""
        self.churn = churn
        self.fresh = fresh
        import time

        self.started_s = int(time.time())
        self.floating = {
            f"floating_{number}": SyntheticOperator(number, count, churn)
            for number, count in enumerate(floating, start=1)
        }
        self.lock = threading.Lock()
        self.bodies: dict[tuple[str, str], bytes] = {}
        self.random = random.Random(1)
        self.synthetic = {
            f"synthetic_{count}": SyntheticSystem(count, churn, rotate) for count in synthetic
        }

    def folders(self) -> list[str]:
        recorded = [p.name for p in FIXTURES.iterdir() if (p / "station_status.json").exists()]
        return sorted(recorded) + self.real_folders() + list(self.synthetic) + list(self.floating)

    @staticmethod
    def real_folders() -> list[str]:
        """real_more's operators that have something to list (stations or vehicles)."""
        listed = ("station_information.json", "free_bike_status.json", "vehicle_status.json")
        return sorted(
            p.name for p in REAL_MORE.iterdir() if any((p / name).exists() for name in listed)
        )

    def _path(self, folder: str, feed: str) -> Path:
        top = FIXTURES / folder / f"{feed}.json"
        return top if top.exists() else REAL_MORE / folder / f"{feed}.json"

    def _version(self, folder: str) -> str:
        body = self.body(folder, "system_information")
        version = json.loads(body).get("version") if body else None
        return version if isinstance(version, str) else "2.3"

    def discovery(self, folder: str, base: str) -> bytes:
        if folder in self.synthetic:
            present = ["station_information", "station_status"]
        elif folder in self.floating:
            present = list(SyntheticOperator.FEEDS)
        elif (REAL_MORE / folder).is_dir():
            present = [f for f in REAL_FEEDS if self.body(folder, f) is not None]
        else:
            present = [f for f in FEEDS if (FIXTURES / folder / f"{f}.json").exists()]
        feeds = [{"name": f, "url": f"{base}/{folder}/{f}.json"} for f in present]
        if (REAL_MORE / folder).is_dir() and self._version(folder).startswith("3"):
            return json.dumps({"last_updated": _iso(self.started_s), "ttl": 60,
                               "version": self._version(folder),
                               "data": {"feeds": feeds}}).encode()  # fmt: skip
        return json.dumps({"ttl": 60, "data": {"en": {"feeds": feeds}}}).encode()

    def entry(self, folder: str, feed: str) -> tuple[bytes, str] | None:
        """(body, ETag) of one feed of one folder, ``None`` if there is no such feed."""
        system = self.synthetic.get(folder)
        if system is not None:
            with self.lock:
                return system.entry(feed)
        operator = self.floating.get(folder)
        if operator is not None:
            with self.lock:
                return operator.entry(feed)
        body = self.body(folder, feed)
        return None if body is None else (body, '"' + hashlib.sha1(body).hexdigest() + '"')

    def body(self, folder: str, feed: str) -> bytes | None:
        path = self._path(folder, feed)
        real = (REAL_MORE / folder).is_dir()
        if not path.is_file() and not (real and feed == "station_status"):
            return None
        with self.lock:
            key = (folder, feed)
            if key not in self.bodies:
                self.bodies[key] = self._first_body(folder, feed, path)
            if self.bodies[key] == b"":
                return None
            if self.churn and feed == "station_status":
                self.bodies[key] = self._churned(self.bodies[key])
            return self.bodies[key]

    def _first_body(self, folder: str, feed: str, path: Path) -> bytes:
        """The feed as first served (``b""``: none): recorded, or a station_status made
        for a real station_information; moved to the server's start with ``fresh``."""
        if not path.is_file():
            information = self._path(folder, "station_information")
            if not information.is_file():
                return b""
            version = json.loads(self._path(folder, "system_information").read_bytes()).get(
                "version", "2.3"
            )
            status = real_status(json.loads(information.read_bytes()), version, self.started_s)
            return json.dumps(status).encode()
        body = path.read_bytes()
        if not self.fresh:
            return body
        return json.dumps(freshen(json.loads(body), self.started_s)).encode()

    def _churned(self, body: bytes) -> bytes:
        document: Any = json.loads(body)
        stations = document["data"]["stations"]
        for station in self.random.sample(stations, min(5, len(stations))):
            bikes = station.get("num_bikes_available")
            docks = station.get("num_docks_available")
            if isinstance(bikes, int) and isinstance(docks, int) and docks > 0:
                station["num_bikes_available"], station["num_docks_available"] = (
                    bikes + 1,
                    docks - 1,
                )
                types = station.get("num_bikes_available_types")
                if isinstance(types, list) and types and isinstance(types[0], dict):
                    types[0]["mechanical"] = types[0].get("mechanical", 0) + 1
        return json.dumps(document).encode()


def make_handler(site: FixtureSite) -> type[BaseHTTPRequestHandler]:
    known = set(site.folders())

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            parts = self.path.split("?")[0].strip("/").split("/")
            found: tuple[bytes, str] | None = None
            if len(parts) == 2:
                folder, name = parts
                feed = name.removesuffix(".json")
                if folder in known:
                    if feed == "gbfs":
                        host = self.headers.get("Host", "127.0.0.1")
                        body = site.discovery(folder, f"http://{host}")
                        found = (body, '"' + hashlib.sha1(body).hexdigest() + '"')
                    else:
                        found = site.entry(folder, feed)
            if found is None:
                self.send_error(404)
                return
            body, etag = found
            if self.headers.get("If-None-Match") == etag:
                self.send_response(304)
                self.send_header("ETag", etag)
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("ETag", etag)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


class _Server(ThreadingHTTPServer):
    #: socketserver's default backlog is 5: an app loading four systems opens ~16
    #: connections at once (HTTP/1.0, one per request), and a full backlog drops SYNs
    #: that the client resends only after a second. Real servers queue far more.
    request_queue_size = 128

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hangs up early (e.g. refusing a large feed) is no error here."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


def serve(
    port: int = 0,
    churn: bool = False,
    synthetic: tuple[int, ...] = (),
    rotate: float = 0.0,
    floating: tuple[int, ...] = (),
    fresh: bool = False,
) -> ThreadingHTTPServer:
    """Start the server in a daemon thread and return it (``server_port`` tells the port)."""
    site = FixtureSite(churn, synthetic, rotate, floating, fresh)
    server = _Server(("127.0.0.1", port), make_handler(site))
    server.site = site  # type: ignore[attr-defined]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--churn", action="store_true", help="make station_status change")
    parser.add_argument(
        "--synthetic",
        type=int,
        action="append",
        default=[],
        metavar="N",
        help="also serve a synthetic N-station system as synthetic_N (repeatable)",
    )
    parser.add_argument(
        "--rotate-ids",
        type=float,
        default=0.0,
        metavar="FRACTION",
        help="synthetic systems: new ids for this fraction of stations per info request",
    )
    parser.add_argument(
        "--free-floating",
        type=int,
        action="append",
        default=[],
        metavar="N",
        help="also serve a synthetic free-floating operator with N vehicles around Paris as "
        "floating_1, floating_2, ... (repeatable)",
    )
    parser.add_argument(
        "--as-recorded",
        action="store_true",
        help="serve every feed's bytes as recorded (by default their times are moved to "
        "now, so nothing is shown as months old)",
    )
    args = parser.parse_args()
    try:
        server = serve(args.port, args.churn, tuple(args.synthetic), args.rotate_ids,
                       tuple(args.free_floating), fresh=not args.as_recorded)  # fmt: skip
    except OSError as exc:  # the port is taken, or not ours to use
        parser.exit(1, f"serve_fixtures: cannot serve on 127.0.0.1:{args.port}: "
                       f"{exc.strerror or exc} (try --port 0 for any free port)\n")  # fmt: skip
    for folder in server.site.folders():  # type: ignore[attr-defined]
        print(f"http://127.0.0.1:{server.server_port}/{folder}/gbfs.json", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        server.shutdown()


if __name__ == "__main__":
    main()
