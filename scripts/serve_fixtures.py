"""Serve the recorded feeds in tests/fixtures as live GBFS systems on 127.0.0.1.

    .venv/bin/python scripts/serve_fixtures.py [--port 8765] [--churn]

Each snapshot folder becomes ``http://127.0.0.1:PORT/<folder>/gbfs.json`` (a
``gbfs.json`` is written on the fly where the snapshot has none, pointing at this
server). Responses carry an ETag and honour ``If-None-Match``. With ``--churn``,
every ``station_status`` request sees a few stations' numbers change, like a live
feed. For trying the app by hand and for scripts/benchmark.py; tests have their own
server in tests/conftest.py.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures"
FEEDS = ("system_information", "vehicle_types", "station_information", "station_status")


class FixtureSite:
    """The documents of every fixture folder, and the churn that makes status move."""

    def __init__(self, churn: bool) -> None:
        self.churn = churn
        self.lock = threading.Lock()
        self.bodies: dict[tuple[str, str], bytes] = {}
        self.random = random.Random(1)

    def folders(self) -> list[str]:
        return sorted(p.name for p in FIXTURES.iterdir() if (p / "station_status.json").exists())

    def discovery(self, folder: str, base: str) -> bytes:
        present = [f for f in FEEDS if (FIXTURES / folder / f"{f}.json").exists()]
        feeds = [{"name": f, "url": f"{base}/{folder}/{f}.json"} for f in present]
        return json.dumps({"ttl": 60, "data": {"en": {"feeds": feeds}}}).encode()

    def body(self, folder: str, feed: str) -> bytes | None:
        path = FIXTURES / folder / f"{feed}.json"
        if not path.is_file():
            return None
        with self.lock:
            key = (folder, feed)
            if key not in self.bodies:
                self.bodies[key] = path.read_bytes()
            if self.churn and feed == "station_status":
                self.bodies[key] = self._churned(self.bodies[key])
            return self.bodies[key]

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
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            parts = self.path.split("?")[0].strip("/").split("/")
            body: bytes | None = None
            if len(parts) == 2:
                folder, name = parts
                feed = name.removesuffix(".json")
                if (FIXTURES / folder).is_dir() and folder in site.folders():
                    if feed == "gbfs":
                        host = self.headers.get("Host", "127.0.0.1")
                        body = site.discovery(folder, f"http://{host}")
                    else:
                        body = site.body(folder, feed)
            if body is None:
                self.send_error(404)
                return
            etag = '"' + hashlib.sha1(body).hexdigest() + '"'
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


def serve(port: int = 0, churn: bool = False) -> ThreadingHTTPServer:
    """Start the server in a daemon thread and return it (``server_port`` tells the port)."""
    server = ThreadingHTTPServer(("127.0.0.1", port), make_handler(FixtureSite(churn)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--churn", action="store_true", help="make station_status change")
    args = parser.parse_args()
    server = serve(args.port, args.churn)
    for folder in FixtureSite(False).folders():
        print(f"http://127.0.0.1:{server.server_port}/{folder}/gbfs.json", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        server.shutdown()


if __name__ == "__main__":
    main()
