"""One catalog entry: a GBFS system the rider can pick, where the entry came from, and
what its feed asks of a client (identifying headers, a key).

Also the small rules every catalog source shares when it reads a file into entries: the
error for a damaged file, GBFS version order and plausible coordinates.
"""

from __future__ import annotations

import math
from typing import Any
from urllib.parse import urlsplit

import msgspec

from bikefinder.common.errors import BikefinderError
from bikefinder.common.text import clean

#: Where an entry came from.
MOBILITYDATA = "systems.csv"
CITYBIKES = "citybikes"
LEARNED = "learned"

#: Hosts whose systems need an identifying header (the HTTP client sends Client-Identifier).
CLIENT_IDENTIFIER_HOSTS = ("gbfs.urbansharing.com",)
ENTUR_HOSTS = ("api.entur.io",)


class CatalogFormatError(BikefinderError):
    """A catalog file (systems.csv, Citybikes manifest or networks) is not what we expect."""


class CatalogEntry(msgspec.Struct, frozen=True):
    """One GBFS system the rider can pick, and how to reach it."""

    system_id: str
    name: str
    gbfs_url: str
    location: str = ""
    country: str = ""
    versions: tuple[str, ...] = ()
    source: str = MOBILITYDATA
    homepage: str | None = None
    auth_type: str | None = None
    auth_headers: tuple[str, ...] = ()
    auth_info_url: str | None = None
    centre: tuple[float, float] | None = None
    radius_km: float | None = None
    aliases: tuple[str, ...] = ()
    #: A flagship system from ``system_locations.json``: preferred when a name is ambiguous.
    curated: bool = False
    #: ``centre`` is the town's (from the gazetteer), not the system's own.
    approximate: bool = False

    @property
    def host(self) -> str:
        return (urlsplit(self.gbfs_url).hostname or "").lower()

    @property
    def needs_client_identifier(self) -> bool:
        """urbansharing (Bergen, Oslo, Trondheim, ...) refuse requests without it."""
        return self.host in CLIENT_IDENTIFIER_HOSTS

    @property
    def needs_entur_client_name(self) -> bool:
        """Entur's mobility API asks every client to name itself in ``ET-Client-Name``."""
        return self.host in ENTUR_HOSTS

    @property
    def required_headers(self) -> tuple[str, ...]:
        """Request headers this system needs beyond the defaults (names only)."""
        names: list[str] = []
        if self.needs_client_identifier:
            names.append("Client-Identifier")
        if self.needs_entur_client_name:
            names.append("ET-Client-Name")
        names.extend(self.auth_headers)
        return tuple(names)

    @property
    def needs_key(self) -> bool:
        """The feed needs credentials the rider must obtain (systems.csv auth columns)."""
        return self.auth_type is not None

    def describe(self) -> str:
        """``id (Name, Location, CC)`` for lists of candidates."""
        where = ", ".join(part for part in (self.location, self.country) if part)
        detail = f"{self.name}, {where}" if where else self.name
        return clean(f"{self.system_id} ({detail})", 160)


def version_key(version: str) -> tuple[int, ...]:
    """Sort key for GBFS versions ("1.1" < "2.3" < "3.0"); a non-numeric part counts as 0."""
    return tuple(int(part) if part.isdigit() else 0 for part in version.split("."))


def plausible_point(lat: Any, lon: Any) -> tuple[float, float] | None:
    """(lat, lon) from a catalog file's values, or ``None`` if missing, out of range or the
    0,0 placeholder some files use for "unknown"."""
    try:
        point = (float(lat), float(lon))
    except (TypeError, ValueError):
        return None
    if not (math.isfinite(point[0]) and math.isfinite(point[1])):
        return None
    if -90 <= point[0] <= 90 and -180 <= point[1] <= 180 and point != (0.0, 0.0):
        return point
    return None
