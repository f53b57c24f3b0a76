"""Citybikes' GBFS networks (``citybikes:<network>``) as catalog entries.

Pure: documents in, networks and entries out. It reads Citybikes' GBFS ``manifest.json``,
its ``/v2/networks`` list and the compact copy ``--update-catalog`` caches
(:mod:`bikefinder.systems.catalog_update` downloads them).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

import msgspec

from bikefinder.common.text import clean
from bikefinder.systems.coverage import MAX_NAME_CHARS
from bikefinder.systems.entries import (
    CITYBIKES,
    CatalogEntry,
    CatalogFormatError,
    plausible_point,
    version_key,
)

CITYBIKES_PREFIX = "citybikes:"
CITYBIKES_GBFS_ROOT = "https://api.citybik.es/gbfs"
#: Major GBFS versions Citybikes serves; the loader reads both, 3 is preferred.
CITYBIKES_MAJORS = ("3", "2")
_CITYBIKES_NETWORK_ID = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,99}$", re.IGNORECASE)
#: Networks named in Citybikes' own GBFS documentation; the full list comes with
#: ``--update-catalog``, and any ``citybikes:<network>`` works without being listed.
SEED_CITYBIKES_NETWORKS: tuple[tuple[str, str, str, str], ...] = (
    ("bicing", "Bicing", "Barcelona", "ES"),
    ("velib", "Vélib' Métropole", "Paris", "FR"),
    ("citi-bike-nyc", "Citi Bike", "New York, NY", "US"),
)


class CitybikesNetwork(msgspec.Struct, frozen=True):
    """A Citybikes network: its GBFS discovery URLs by version and where it is."""

    network_id: str
    name: str = ""
    city: str = ""
    country: str = ""
    centre: tuple[float, float] | None = None
    feeds: dict[str, str] = msgspec.field(default_factory=dict)

    def gbfs_url(self) -> str:
        """The newest major version the app reads (3.0, else 2.x, else a built URL)."""
        for major in CITYBIKES_MAJORS:
            matching = sorted(
                (version for version in self.feeds if version.split(".")[0] == major),
                key=version_key,
                reverse=True,
            )
            if matching:
                return self.feeds[matching[0]]
        return citybikes_gbfs_url(self.network_id)

    def to_entry(self) -> CatalogEntry:
        return CatalogEntry(
            system_id=CITYBIKES_PREFIX + self.network_id,
            name=self.name or self.network_id,
            gbfs_url=self.gbfs_url(),
            location=self.city,
            country=self.country,
            versions=tuple(sorted(self.feeds, key=version_key)),
            source=CITYBIKES,
            homepage="https://citybik.es",
            centre=self.centre,
            aliases=(self.network_id,),
        )


def citybikes_gbfs_url(network_id: str, major: str = CITYBIKES_MAJORS[0]) -> str:
    return f"{CITYBIKES_GBFS_ROOT}/{major}/{network_id}/gbfs.json"


def is_citybikes_network_id(network_id: str) -> bool:
    return bool(_CITYBIKES_NETWORK_ID.match(network_id))


def citybikes_entry(system_id: str) -> CatalogEntry | None:
    """The entry a ``citybikes:<network>`` id names, listed in the catalog or not (every
    network's URL follows one pattern); ``None`` if ``system_id`` is not such an id."""
    if not system_id.casefold().startswith(CITYBIKES_PREFIX):
        return None
    network_id = system_id[len(CITYBIKES_PREFIX) :].strip()
    if not is_citybikes_network_id(network_id):
        return None
    return CitybikesNetwork(network_id=network_id).to_entry()


def parse_citybikes_manifest(doc: Any) -> dict[str, dict[str, str]]:
    """Citybikes' GBFS v3 ``manifest.json``: network id -> {GBFS version: discovery URL}."""
    data = doc.get("data") if isinstance(doc, Mapping) else None
    datasets = data.get("datasets") if isinstance(data, Mapping) else None
    if not isinstance(datasets, list):
        raise CatalogFormatError("Citybikes manifest.json: no 'data.datasets' list")
    networks: dict[str, dict[str, str]] = {}
    for dataset in datasets:
        if not isinstance(dataset, Mapping):
            continue
        network_id = dataset.get("system_id")
        versions = dataset.get("versions")
        if not isinstance(network_id, str) or not is_citybikes_network_id(network_id.strip()):
            continue
        feeds: dict[str, str] = {}
        for item in versions if isinstance(versions, list) else ():
            if not isinstance(item, Mapping):
                continue
            version, url = item.get("version"), item.get("url")
            if isinstance(version, str) and isinstance(url, str) and url.startswith("https://"):
                feeds[version.strip()] = url.strip()
        networks[network_id.strip()] = feeds
    return networks


def parse_citybikes_networks(doc: Any) -> dict[str, CitybikesNetwork]:
    """Citybikes ``/v2/networks``: names, cities and coordinates of every network."""
    networks_list = doc.get("networks") if isinstance(doc, Mapping) else None
    if not isinstance(networks_list, list):
        raise CatalogFormatError("Citybikes /v2/networks: no 'networks' list")
    networks: dict[str, CitybikesNetwork] = {}
    for record in networks_list:
        if not isinstance(record, Mapping):
            continue
        network_id = record.get("id")
        if not isinstance(network_id, str) or not is_citybikes_network_id(network_id.strip()):
            continue
        location = record.get("location")
        location = location if isinstance(location, Mapping) else {}
        name = record.get("name")
        city, country = location.get("city"), location.get("country")
        networks[network_id.strip()] = CitybikesNetwork(
            network_id=network_id.strip(),
            name=clean(name, MAX_NAME_CHARS) if isinstance(name, str) else "",
            city=clean(city, MAX_NAME_CHARS) if isinstance(city, str) else "",
            country=country.strip().upper() if isinstance(country, str) else "",
            centre=plausible_point(location.get("latitude"), location.get("longitude")),
        )
    return networks


def merge_citybikes(
    manifest: Mapping[str, Mapping[str, str]], networks: Mapping[str, CitybikesNetwork]
) -> list[CitybikesNetwork]:
    """One record per network: feeds from the manifest, names and places from /v2/networks."""
    merged: list[CitybikesNetwork] = []
    for network_id in sorted(set(manifest) | set(networks)):
        base = networks.get(network_id) or CitybikesNetwork(network_id=network_id)
        merged.append(msgspec.structs.replace(base, feeds=dict(manifest.get(network_id, {}))))
    return merged


def citybikes_to_json(networks: Iterable[CitybikesNetwork]) -> dict[str, Any]:
    """The compact form ``--update-catalog`` stores in the cache."""
    return {
        "networks": [
            {
                "id": network.network_id,
                "name": network.name,
                "city": network.city,
                "country": network.country,
                "lat": network.centre[0] if network.centre else None,
                "lon": network.centre[1] if network.centre else None,
                "feeds": network.feeds,
            }
            for network in networks
        ]
    }


def citybikes_from_json(doc: Any) -> list[CitybikesNetwork]:
    """The networks :func:`citybikes_to_json` stored; damaged records are skipped."""
    records = doc.get("networks") if isinstance(doc, Mapping) else None
    if not isinstance(records, list):
        raise CatalogFormatError("citybikes.json: no 'networks' list")
    networks: list[CitybikesNetwork] = []
    for record in records:
        if not isinstance(record, Mapping):
            continue
        network_id = record.get("id")
        feeds = record.get("feeds")
        if not isinstance(network_id, str) or not is_citybikes_network_id(network_id):
            continue
        networks.append(
            CitybikesNetwork(
                network_id=network_id,
                name=clean(str(record.get("name") or ""), MAX_NAME_CHARS),
                city=clean(str(record.get("city") or ""), MAX_NAME_CHARS),
                country=str(record.get("country") or ""),
                centre=plausible_point(record.get("lat"), record.get("lon")),
                feeds={
                    str(version): url
                    for version, url in (feeds.items() if isinstance(feeds, Mapping) else ())
                    if isinstance(url, str) and url.startswith("https://")
                },
            )
        )
    return networks


def seed_citybikes() -> list[CitybikesNetwork]:
    """The networks known before any ``--update-catalog``."""
    return [
        CitybikesNetwork(network_id=network_id, name=name, city=city, country=country)
        for network_id, name, city, country in SEED_CITYBIKES_NETWORKS
    ]
