"""Which system to load, and how to reach it: the bridge from flags to a feed URL.

``--system`` may be a gbfs.json URL, or anything the catalog resolves (an id, a name, a
city, ``citybikes:<network>``); without it the system is the one covering ``--near``.
The catalog is only read when a name or a location has to be resolved, so a URL costs
nothing extra at startup.
"""

from __future__ import annotations

import contextlib
from collections.abc import Collection, Sequence
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import msgspec

from bikefinder.common.errors import BikefinderError, UsageError
from bikefinder.common.i18n import N_
from bikefinder.common.phrases import Phrase, phrase, plural_phrase
from bikefinder.common.text import clean
from bikefinder.feeds.demo import DEMO_GBFS_URL, DEMO_LABEL, demo_transport
from bikefinder.feeds.models import Station

if TYPE_CHECKING:
    import httpx

    from bikefinder.feeds.snapshot import Snapshot
    from bikefinder.systems.catalog import Catalog
    from bikefinder.systems.config import Config
    from bikefinder.systems.entries import CatalogEntry


class SystemSource(msgspec.Struct, frozen=True):
    """A system ready to load: its discovery URL plus per-system request details."""

    gbfs_url: str
    label: str | None = None
    headers: dict[str, str] = msgspec.field(default_factory=dict)
    transport: httpx.AsyncBaseTransport | None = None
    demo_label: str | None = None
    #: The catalog id, when the system came from the catalog.
    system_id: str | None = None
    #: Why this system, when the rider did not name it: "chosen from --near 48.85000,2.35000".
    chosen_by: str | None = None
    #: The point ``chosen_by`` names (the app says it in its own language).
    chosen_near: tuple[float, float] | None = None
    #: Where the system is (catalog centre or learned coverage), when known.
    centre: tuple[float, float] | None = None
    #: The catalog's country code ("US"), when the system came from the catalog.
    country: str = ""

    @property
    def is_demo(self) -> bool:
        return self.demo_label is not None


def demo_source() -> SystemSource:
    return SystemSource(
        gbfs_url=DEMO_GBFS_URL,
        label="Vélib' Métropole",
        transport=demo_transport(),
        demo_label=DEMO_LABEL,
        country="FR",
    )


def is_url(text: str) -> bool:
    parts = urlsplit(text.strip())
    return parts.scheme.lower() in ("http", "https") and bool(parts.netloc)


def resolve_source(
    system: str | None,
    near: tuple[float, float] | None,
    *,
    demo: bool = False,
    client_id: str | None = None,
    catalog: Catalog | None = None,
    config: Config | None = None,
) -> SystemSource:
    """The system named by ``--system``, or the one covering ``near``, or the demo.

    ``catalog`` and ``config`` default to the user's (cache and config file); tests pass
    their own. Unknown or ambiguous names raise a :class:`UsageError` (exit 2); a point
    no known system covers raises a :class:`UsageError` (exit 2).
    """
    if demo:
        if system is not None:
            raise UsageError("--demo uses the bundled Vélib' snapshot; drop --system")
        return demo_source()
    if system is not None and is_url(system):
        return SystemSource(gbfs_url=system.strip())
    if system is None and near is None:
        raise UsageError(
            "say which system: --system NAME or URL, or --near LAT,LON to pick the one there"
        )
    catalog = catalog if catalog is not None else user_catalog()
    if system is not None:
        entry = catalog.resolve(system)
        return source_for_entry(
            entry, client_id=client_id, config=config, centre=catalog.centre_of(entry)
        )
    assert near is not None
    nearest = catalog.nearest(*near)
    return source_for_entry(
        nearest.entry,
        client_id=client_id,
        config=config,
        chosen_by=f"chosen from --near {near[0]:.5f},{near[1]:.5f}",
        chosen_near=near,
        centre=nearest.entry.centre,
    )


def user_catalog() -> Catalog:
    """The user's catalog: the ``--update-catalog`` copy if any, else the bundled one."""
    from bikefinder.common.paths import cache_dir
    from bikefinder.systems.catalog import load_catalog

    return load_catalog(cache_dir())


def source_for_entry(
    entry: CatalogEntry,
    *,
    client_id: str | None = None,
    config: Config | None = None,
    chosen_by: str | None = None,
    chosen_near: tuple[float, float] | None = None,
    centre: tuple[float, float] | None = None,
) -> SystemSource:
    """A catalog entry plus the request headers it needs (``centre`` defaults to the
    entry's own).

    Entur asks for ``ET-Client-Name``; urbansharing's ``Client-Identifier`` is sent by the
    HTTP client anyway. Systems whose feed needs a key (systems.csv authentication
    columns) get their headers from ``config.toml`` or fail here with where to get one.
    """
    from bikefinder.feeds.http import DEFAULT_CLIENT_ID
    from bikefinder.systems.entries import LEARNED

    headers: dict[str, str] = {}
    if entry.needs_entur_client_name:
        headers["ET-Client-Name"] = client_id or DEFAULT_CLIENT_ID
    if entry.needs_key:
        if config is None:
            from bikefinder.systems.config import load_config

            config = load_config()
        configured = config.headers_for(entry.system_id)
        missing = [name for name in entry.auth_headers if name not in configured]
        if missing or not configured or entry.auth_type != "2":
            raise BikefinderError(_key_needed(entry, missing, config.path))
        headers.update(configured)
    return SystemSource(
        gbfs_url=entry.gbfs_url,
        label=entry.name,
        headers=headers,
        system_id=None if entry.source == LEARNED else entry.system_id,
        chosen_by=chosen_by,
        chosen_near=chosen_near,
        centre=centre if centre is not None else entry.centre,
        country=entry.country,
    )


#: How the header and ``--once`` describe a starting point that is not the rider's.
SYSTEM_CENTRE = N_("system centre")


def start_point(
    source: SystemSource,
    near: tuple[float, float] | None,
    demo_near: tuple[float, float],
) -> tuple[tuple[float, float], str | None]:
    """Where to rank stations from, and a note when that is not where the rider is.

    ``--near`` wins; the demo starts at its own point; otherwise the system's centre
    (from the catalog, or learned from an earlier load), noted as ``"system centre"``.
    Without any of these it is a :class:`UsageError`.
    """
    if near is not None:
        return near, None
    if source.is_demo:
        return demo_near, None
    centre = source.centre or _learned_centre(source.gbfs_url)
    if centre is not None:
        return centre, SYSTEM_CENTRE
    message = "--near LAT,LON is required (where you are, e.g. 48.85,2.35)"
    if source.label:
        message += f"; the catalog does not know where {clean(source.label, 60)} is"
    raise UsageError(message)


def _learned_centre(gbfs_url: str) -> tuple[float, float] | None:
    """The centre of a system's stations from an earlier load (``coverage.json``)."""
    from bikefinder.common.paths import cache_dir
    from bikefinder.systems.coverage import learned_coverage

    coverage = learned_coverage(cache_dir(), gbfs_url)
    return coverage.centre if coverage is not None else None


def learned_country(gbfs_url: str) -> str | None:
    """The country of a system's stations as an earlier load learned it (``coverage.json``;
    ``None``: not learned)."""
    from bikefinder.common.paths import cache_dir
    from bikefinder.systems.coverage import learned_coverage

    coverage = learned_coverage(cache_dir(), gbfs_url)
    return coverage.country if coverage is not None else None


def _key_needed(entry: CatalogEntry, missing: list[str], config_path: Path | None) -> str:
    """Where to get the key and where to put it, in one line."""
    where = f" (see {entry.auth_info_url})" if entry.auth_info_url else ""
    if entry.auth_type != "2" or not entry.auth_headers:
        return (
            f"{entry.name} needs an API key{where}: pass its gbfs.json URL with your key "
            "to --system, or pick another system"
        )
    names = ", ".join(missing or entry.auth_headers)
    in_file = f" in {config_path}" if config_path else " in config.toml"
    return (
        f"{entry.name} needs an API key in HTTP headers{where}: set {names} under "
        f'[headers."{entry.system_id}"]{in_file}, or pick another system'
    )


def remember_loaded_system(source: SystemSource, snapshot: Snapshot) -> None:
    """Learn where a just-loaded system's stations are, or a free-floating operator's
    vehicles (best effort, never raises)."""
    if source.is_demo or source.transport is not None:
        return
    points: list[Station | tuple[float, float]] = list(snapshot.stations)
    if not points:
        points = [
            (v.lat, v.lon) for v in snapshot.vehicles if v.lat is not None and v.lon is not None
        ]
    if not points:
        return
    from bikefinder.common.paths import cache_dir
    from bikefinder.feeds.vehicles import has_bicycles
    from bikefinder.systems.coverage import remember_coverage

    name = source.label or snapshot.system.name
    bicycles = has_bicycles(snapshot.vehicle_types)
    with contextlib.suppress(OSError, ValueError):
        remember_coverage(cache_dir(), source.gbfs_url, name, points, bicycles)


#: How many systems ``--near`` without ``--system`` loads at most (``--max-systems``).
DEFAULT_MAX_SYSTEMS = 6


def resolve_sources(
    systems: Sequence[str],
    near: tuple[float, float] | None,
    *,
    max_systems: int = DEFAULT_MAX_SYSTEMS,
    client_id: str | None = None,
    catalog: Catalog | None = None,
    config: Config | None = None,
    passed_over: Collection[str] = (),
) -> tuple[list[SystemSource], list[str | Phrase]]:
    """The systems to load together, and notes on systems left out.

    Each ``--system`` given (ids, names, URLs; a repeat is loaded once), or with none,
    every known system covering ``near`` (station systems and free-floating operators
    alike), best first, at most ``max_systems``. A system chosen by location that needs
    an API key the config file does not give is left out with a note, as are those
    whose URL is in ``passed_over`` (known to have no bicycle, for a bike view); one
    named with ``--system`` fails as for a single system. Raises :class:`UsageError` as
    :func:`resolve_source` does, and when no system covers ``near``.
    """
    sources: list[SystemSource] = []
    notes: list[str | Phrase] = []
    if systems:
        for name in systems:
            source = resolve_source(name, near, client_id=client_id, catalog=catalog, config=config)
            if all(known.gbfs_url != source.gbfs_url for known in sources):
                sources.append(source)
        return sources, notes
    if near is None:
        raise UsageError("say which systems: --system NAME or URL (repeatable), or --near LAT,LON")
    catalog = catalog if catalog is not None else user_catalog()
    covering = catalog.covering(*near)
    if not covering:
        catalog.nearest(*near)  # raises NoSystemNearbyError with the nearest known one
    chosen_by = f"chosen from --near {near[0]:.5f},{near[1]:.5f}"
    skipped = [found for found in covering if found.entry.gbfs_url in passed_over]
    if skipped and len(skipped) < len(covering):  # never all: the rider sees why
        names = ", ".join(clean(found.entry.name, 60) for found in skipped[:3])
        if len(skipped) > 3:
            notes.append(phrase("not loaded, known to have no bicycles: {names} and {more} more",
                                names=names, more=len(skipped) - 3))  # fmt: skip
        else:
            notes.append(phrase("not loaded, known to have no bicycles: {names}", names=names))
        covering = [found for found in covering if found.entry.gbfs_url not in passed_over]
    for position, found in enumerate(covering):
        if len(sources) >= max_systems:
            more = len(covering) - position
            notes.append(
                plural_phrase(
                    "{count} more system covers this point; "
                    "loaded the {loaded} nearest (--max-systems N)",
                    "{count} more systems cover this point; "
                    "loaded the {loaded} nearest (--max-systems N)",
                    more,
                    loaded=max_systems,
                )
            )
            break
        try:
            source = source_for_entry(
                found.entry,
                client_id=client_id,
                config=config,
                chosen_by=chosen_by,
                chosen_near=near,
                centre=found.entry.centre,
            )
        except BikefinderError as error:
            notes.append(str(error))
            continue
        sources.append(source)
    return sources, notes
