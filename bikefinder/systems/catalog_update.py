"""``--update-catalog``: download the live catalog sources into the user cache.

All three sources (MobilityData's systems.csv, the Citybikes GBFS v3 manifest and the
Citybikes v2 networks list) are fetched and parsed before anything is written, so a
failure (offline, an HTTP error, a broken document) leaves the previous catalog as it
was. Source URLs can be overridden by parameter or environment variable (tests point
them at 127.0.0.1).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

import httpx
import msgspec

from bikefinder.common.errors import BikefinderError, FeedError
from bikefinder.common.files import write_atomic
from bikefinder.common.text import clean
from bikefinder.feeds.http import FeedFetcher, decode_json
from bikefinder.systems.catalog import CACHE_SUBDIR, CACHED_CITYBIKES, CACHED_SYSTEMS_CSV
from bikefinder.systems.citybikes import (
    citybikes_to_json,
    merge_citybikes,
    parse_citybikes_manifest,
    parse_citybikes_networks,
)
from bikefinder.systems.entries import CatalogFormatError
from bikefinder.systems.systems_csv import clean_systems_csv, parse_systems_csv

SYSTEMS_CSV_URL = "https://raw.githubusercontent.com/MobilityData/gbfs/master/systems.csv"
CITYBIKES_MANIFEST_URL = "https://api.citybik.es/gbfs/3/manifest.json"
#: ``fields`` trims the answer to what the catalog uses.
CITYBIKES_NETWORKS_URL = "https://api.citybik.es/v2/networks?fields=id,name,location"
ENV_SYSTEMS_CSV = "BIKEFINDER_SYSTEMS_CSV_URL"
ENV_CITYBIKES_MANIFEST = "BIKEFINDER_CITYBIKES_MANIFEST_URL"
ENV_CITYBIKES_NETWORKS = "BIKEFINDER_CITYBIKES_NETWORKS_URL"
#: systems.csv is ~400 kB and the networks list ~300 kB; anything huge is not them.
MAX_SOURCE_BYTES = 32 * 1024 * 1024

Progress = Callable[[str], None]
T = TypeVar("T")


class CatalogUpdateError(BikefinderError):
    """The update could not complete; the previous catalog is untouched."""


class CatalogSources(msgspec.Struct, frozen=True):
    """Where ``--update-catalog`` downloads from."""

    systems_csv: str = SYSTEMS_CSV_URL
    citybikes_manifest: str = CITYBIKES_MANIFEST_URL
    citybikes_networks: str = CITYBIKES_NETWORKS_URL

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> CatalogSources:
        """The defaults, each overridable by its ``BIKEFINDER_*_URL`` variable."""
        env = os.environ if environ is None else environ
        return cls(
            systems_csv=env.get(ENV_SYSTEMS_CSV) or SYSTEMS_CSV_URL,
            citybikes_manifest=env.get(ENV_CITYBIKES_MANIFEST) or CITYBIKES_MANIFEST_URL,
            citybikes_networks=env.get(ENV_CITYBIKES_NETWORKS) or CITYBIKES_NETWORKS_URL,
        )


class UpdateResult(msgspec.Struct, frozen=True):
    """What the refreshed catalog holds."""

    folder: Path
    systems: int
    citybikes_networks: int
    with_coordinates: int


async def update_catalog(
    http: httpx.AsyncClient,
    cache_dir: Path,
    sources: CatalogSources | None = None,
    progress: Progress | None = None,
) -> UpdateResult:
    """Fetch, check and store the three sources; raises :class:`CatalogUpdateError`.

    ``progress`` gets short status lines (``[2/3] Citybikes manifest: 41 kB``).
    """
    sources = sources or CatalogSources.from_env()
    say = progress or (lambda _message: None)

    csv_bytes = await _download(http, "systems.csv", sources.systems_csv, _step(say, 1))
    try:
        csv_text = clean_systems_csv(csv_bytes.decode("utf-8"))
        systems = parse_systems_csv(csv_text)
    except UnicodeDecodeError:
        raise CatalogUpdateError("systems.csv is not UTF-8 text") from None
    except CatalogFormatError as exc:
        raise CatalogUpdateError(str(exc)) from None
    say(f"[1/3] systems.csv: {len(systems):,} systems")

    what = "Citybikes manifest"
    manifest_bytes = await _download(http, what, sources.citybikes_manifest, _step(say, 2))
    manifest = _parse_json(manifest_bytes, what, parse_citybikes_manifest)
    say(f"[2/3] {what}: {len(manifest):,} networks")

    what = "Citybikes networks"
    networks_bytes = await _download(http, what, sources.citybikes_networks, _step(say, 3))
    networks = _parse_json(networks_bytes, what, parse_citybikes_networks)
    say(f"[3/3] {what}: {len(networks):,}")

    merged = merge_citybikes(manifest, networks)
    folder = cache_dir / CACHE_SUBDIR
    try:
        write_atomic(folder / CACHED_SYSTEMS_CSV, csv_text.encode("utf-8"))
        write_atomic(
            folder / CACHED_CITYBIKES,
            json.dumps(citybikes_to_json(merged), ensure_ascii=False).encode(),
        )
    except OSError as exc:
        raise CatalogUpdateError(f"cannot write to {folder}: {exc.strerror or exc}") from None
    return UpdateResult(
        folder=folder,
        systems=len(systems),
        citybikes_networks=len(merged),
        with_coordinates=sum(1 for network in merged if network.centre is not None),
    )


def _parse_json(body: bytes, what: str, parse: Callable[[Any], T]) -> T:
    document = decode_json(body, lambda cause: CatalogUpdateError(f"{what}: {cause}"))
    try:
        return parse(document)
    except CatalogFormatError as exc:
        raise CatalogUpdateError(str(exc)) from None


def _step(say: Progress, number: int) -> Callable[[str, int], None]:
    """Progress for one download: ``[1/3] systems.csv: 120 kB``."""
    return lambda what, received: say(f"[{number}/3] {what}: {received / 1024:,.0f} kB")


async def _download(
    http: httpx.AsyncClient, what: str, url: str, on_bytes: Callable[[str, int], None]
) -> bytes:
    """GET ``url`` whole through the feeds' fetch policy (size cap after every
    Content-Encoding layer, overall deadline, redirects checked hop by hop); every
    failure is one :class:`CatalogUpdateError` line."""
    fetcher = FeedFetcher(
        http, "catalog", MAX_SOURCE_BYTES, on_bytes=lambda received: on_bytes(what, received)
    )
    try:
        fetched = await fetcher.fetch(what, url)
    except FeedError as exc:
        raise CatalogUpdateError(f"{what}: {exc.cause} ({clean(url, 200)})") from None
    assert fetched is not None  # only an optional fetch answers None
    return fetched.body
