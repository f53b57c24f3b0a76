"""``--update-catalog`` against a real local HTTP server: success, and failures that keep
the previous catalog intact."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from test_catalog import CITYBIKES_MANIFEST

from bikefinder.feeds.http import make_http_client
from bikefinder.systems.catalog import load_catalog
from bikefinder.systems.catalog_update import (
    ENV_CITYBIKES_MANIFEST,
    ENV_CITYBIKES_NETWORKS,
    ENV_SYSTEMS_CSV,
    CatalogSources,
    CatalogUpdateError,
    update_catalog,
)
from bikefinder.systems.entries import CITYBIKES

if TYPE_CHECKING:
    from tests.conftest import FeedServer

SYSTEMS_CSV = (
    "Country Code,Name,Location,System ID,URL,Auto-Discovery URL,Supported Versions,"
    "Authentication Info URL,Authentication Type,Authentication Parameter Name\n"
    "NO,Bergen City Bike,Bergen,bergen-city-bike,https://bergenbysykkel.no/en,"
    "https://gbfs.urbansharing.com/bergenbysykkel.no/gbfs.json,2.3,,,\n"
    "IS,Hjól Reykjavík,Reykjavík,hjol-rvk,https://hjol.example,"
    "https://hjol.example/gbfs.json,1.1; 2.3,,,\n"
)
#: The Citybikes documentation's manifest example, plus one more network.
MANIFEST = copy.deepcopy(CITYBIKES_MANIFEST)
MANIFEST["data"]["datasets"].append(
    {
        "system_id": "tartu",
        "versions": [{"version": "3.0", "url": "https://api.citybik.es/gbfs/3/tartu/gbfs.json"}],
    }
)
NETWORKS = {
    "networks": [
        {
            "id": "bicing",
            "name": "Bicing",
            "location": {
                "city": "Barcelona",
                "country": "ES",
                "latitude": 41.3850639,
                "longitude": 2.1734035,
            },
        },
        {
            "id": "tartu",
            "name": "Tartu Smart Bike",
            "location": {"city": "Tartu", "country": "EE", "latitude": 58.38, "longitude": 26.72},
        },
    ]
}


def serve_sources(
    server: FeedServer, *, manifest: object = MANIFEST, manifest_status: int = 200
) -> CatalogSources:
    return CatalogSources(
        systems_csv=server.add("/MobilityData/gbfs/master/systems.csv", SYSTEMS_CSV),
        citybikes_manifest=server.add("/gbfs/3/manifest.json", manifest, status=manifest_status),
        citybikes_networks=server.add("/v2/networks", NETWORKS),
    )


def snapshot_files(folder: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(folder.glob("*"))}


async def test_update_stores_all_three_sources(feed_server: FeedServer, tmp_path: Path) -> None:
    messages: list[str] = []
    async with make_http_client() as http:
        result = await update_catalog(
            http, tmp_path, serve_sources(feed_server), progress=messages.append
        )
    assert (result.systems, result.citybikes_networks, result.with_coordinates) == (2, 2, 2)
    assert result.folder == tmp_path / "catalog"
    assert (result.folder / "systems.csv").read_text(encoding="utf-8") == SYSTEMS_CSV
    assert [m for m in messages if "systems" in m][-1] == "[1/3] systems.csv: 2 systems"
    assert any(message.startswith("[3/3]") for message in messages)

    catalog = load_catalog(tmp_path)
    assert "updated copy" in catalog.origin
    assert catalog.resolve("Reykjavík").versions == ("1.1", "2.3")
    tartu = catalog.resolve("citybikes:tartu")
    assert (tartu.name, tartu.source, tartu.centre) == (
        "Tartu Smart Bike",
        CITYBIKES,
        (58.38, 26.72),
    )
    assert tartu.gbfs_url == "https://api.citybik.es/gbfs/3/tartu/gbfs.json"
    assert catalog.nearest(58.38, 26.73).entry.system_id == "citybikes:tartu"
    assert catalog.get("Paris") is None  # the refreshed list replaced the bundled one


async def test_offline_update_keeps_the_old_catalog(
    feed_server: FeedServer, tmp_path: Path
) -> None:
    async with make_http_client() as http:
        await update_catalog(http, tmp_path, serve_sources(feed_server))
    before = snapshot_files(tmp_path / "catalog")
    port = feed_server.port
    feed_server.close()  # nothing listens there any more: like being offline
    offline = CatalogSources(
        systems_csv=f"http://127.0.0.1:{port}/systems.csv",
        citybikes_manifest=f"http://127.0.0.1:{port}/manifest.json",
        citybikes_networks=f"http://127.0.0.1:{port}/v2/networks",
    )
    async with make_http_client() as http:
        with pytest.raises(CatalogUpdateError) as caught:
            await update_catalog(http, tmp_path, offline)
    assert "systems.csv: connection refused" in str(caught.value)
    assert "\n" not in str(caught.value)
    assert snapshot_files(tmp_path / "catalog") == before
    assert load_catalog(tmp_path).resolve("hjol-rvk").name == "Hjól Reykjavík"


@pytest.mark.parametrize(
    ("status", "body", "cause"),
    [
        (500, b"oops", "Citybikes manifest: HTTP 500"),
        (200, b"<html>maintenance</html>", "Citybikes manifest: got HTML"),
        (200, b'{"data": {"datasets": 3}}', "no 'data.datasets' list"),
        (200, b'{"data": {"datasets": [', "truncated JSON"),
    ],
)
async def test_a_late_failure_writes_nothing(
    feed_server: FeedServer, tmp_path: Path, status: int, body: bytes, cause: str
) -> None:
    sources = serve_sources(feed_server, manifest=body, manifest_status=status)
    async with make_http_client() as http:
        with pytest.raises(CatalogUpdateError, match=cause):
            await update_catalog(http, tmp_path, sources)
    assert not (tmp_path / "catalog").exists()  # not even the systems.csv that did arrive


async def test_a_page_instead_of_systems_csv_is_refused(
    feed_server: FeedServer, tmp_path: Path
) -> None:
    sources = serve_sources(feed_server)
    feed_server.add("/MobilityData/gbfs/master/systems.csv", "<html>404: Not Found</html>")
    async with make_http_client() as http:
        with pytest.raises(CatalogUpdateError, match=r"systems\.csv: missing column"):
            await update_catalog(http, tmp_path, sources)


def test_source_urls_come_from_the_environment() -> None:
    sources = CatalogSources.from_env(
        {ENV_SYSTEMS_CSV: "http://127.0.0.1:1/s.csv", ENV_CITYBIKES_NETWORKS: ""}
    )
    assert sources.systems_csv == "http://127.0.0.1:1/s.csv"
    assert sources.citybikes_manifest == "https://api.citybik.es/gbfs/3/manifest.json"
    assert sources.citybikes_networks.startswith("https://api.citybik.es/v2/networks")


def source_env(sources: CatalogSources) -> dict[str, str]:
    return {
        ENV_SYSTEMS_CSV: sources.systems_csv,
        ENV_CITYBIKES_MANIFEST: sources.citybikes_manifest,
        ENV_CITYBIKES_NETWORKS: sources.citybikes_networks,
    }


def test_cli_update_then_list(feed_server: FeedServer, run_cli) -> None:
    env = source_env(serve_sources(feed_server))
    updated = run_cli("--update-catalog", env=env)
    assert updated.code == 0, updated.stderr
    assert updated.stderr == ""  # progress is only drawn on a terminal
    assert "2 systems" in updated.stdout and "2 Citybikes networks" in updated.stdout
    listed = run_cli("--list-systems", "tartu", "--format", "json")
    assert listed.code == 0
    assert [entry["id"] for entry in listed.json()] == ["citybikes:tartu"]
    requests = feed_server.requests_for("/MobilityData/gbfs/master/systems.csv")
    assert requests and requests[0].headers["user-agent"].startswith("bikefinder/")


def test_cli_offline_update_is_one_line_and_keeps_the_catalog(
    feed_server: FeedServer, run_cli
) -> None:
    env = source_env(serve_sources(feed_server))
    assert run_cli("--update-catalog", env=env).code == 0
    feed_server.close()
    failed = run_cli("--update-catalog", env=env)
    assert failed.code == 1
    assert failed.error_line.startswith("bikefinder: cannot update the catalog: systems.csv: ")
    assert failed.error_line.endswith("the current catalog is unchanged")
    still = run_cli("--list-systems", "hjol", "--format", "json")
    assert [entry["id"] for entry in still.json()] == ["hjol-rvk"]


def test_cli_uses_the_builtin_catalog_before_any_update(run_cli) -> None:
    listed = run_cli("--list-systems", "--format", "json")
    assert listed.code == 0
    assert len(listed.json()) > 1500
    assert json.loads(listed.stdout)[0].keys() >= {"id", "name", "location", "gbfs_url"}
