"""``--demo``: a bundled real Vélib' snapshot served through the normal HTTP path.

The files are answered by an ``httpx.MockTransport``, so the demo exercises exactly
the code a live system does, with no network.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import httpx  # imported only when the demo is served


DEMO_HOST = "demo.bikefinder.invalid"
DEMO_GBFS_URL = f"https://{DEMO_HOST}/velib/gbfs.json"
DEMO_NEAR = (48.8566, 2.3522)  # Paris, Hôtel de Ville
#: The live system the demo is a snapshot of: favourites made in the demo belong to it.
DEMO_LIVE_GBFS_URL = (
    "https://velib-metropole-opendata.smovengo.cloud/opendata/Velib_Metropole/gbfs.json"
)
#: When the bundled snapshot was taken (its station_status ``lastUpdatedOther``).
DEMO_SNAPSHOT_TIME = datetime(2025, 10, 18, 9, 9, 16, tzinfo=UTC)
DEMO_LABEL = f"demo data from {DEMO_SNAPSHOT_TIME:%Y-%m-%d}"


def _serve(request: httpx.Request) -> httpx.Response:
    from importlib import resources

    import httpx

    name = request.url.path.rsplit("/", 1)[-1]
    folder = resources.files("bikefinder.data").joinpath("demo", "velib")
    resource = folder.joinpath(name)
    if request.url.host != DEMO_HOST or not name.endswith(".json") or not resource.is_file():
        return httpx.Response(404)
    return httpx.Response(
        200, content=resource.read_bytes(), headers={"content-type": "application/json"}
    )


def demo_transport() -> httpx.MockTransport:
    """A transport that answers the demo host from the bundled files."""
    import httpx

    return httpx.MockTransport(_serve)
