"""Switching the shown system: where the picker's systems come from, and where to rank
from afterwards. Pure (no Textual) and light to import: the app needs it at start-up,
the picker screen (and the catalog) only when ``s`` is pressed.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import msgspec

from bikefinder.common.geo import haversine_m
from bikefinder.feeds.cache import FeedCache
from bikefinder.systems.source import SYSTEM_CENTRE, SystemSource, source_for_entry

if TYPE_CHECKING:
    import httpx

    from bikefinder.systems.catalog import Catalog
    from bikefinder.systems.entries import CatalogEntry

#: A rider further than this from a system's centre is not in it: start at the centre.
FAR_FROM_SYSTEM_KM = 50.0
#: The note when the point is neither the rider's nor a known system centre.
DEMO_POINT = "demo point"


def _user_catalog() -> Catalog:
    from bikefinder.systems.source import user_catalog

    return user_catalog()


class SystemSwitching(msgspec.Struct, frozen=True):
    """Where the picker's systems come from and how the app reaches them.

    ``catalog`` is a catalog or a function loading one (the user's, by default: read
    off the UI thread). ``transport`` is for tests; ``use_cache`` and ``cache_root``
    give a switched-to system the same feed cache (last known data) as at start-up.
    """

    catalog: Catalog | Callable[[], Catalog] = _user_catalog
    transport: httpx.AsyncBaseTransport | None = None
    use_cache: bool = True
    cache_root: Path | None = None

    def source_for(
        self, entry: CatalogEntry, catalog: Catalog, client_id: str | None
    ) -> SystemSource:
        """The entry with its request headers and centre; a :class:`BikefinderError` if
        it needs a key the config does not have."""
        source = source_for_entry(entry, client_id=client_id, centre=catalog.centre_of(entry))
        return (
            msgspec.structs.replace(source, transport=self.transport) if self.transport else source
        )

    def cache_for(self, source: SystemSource) -> FeedCache | None:
        if source.is_demo or not self.use_cache:
            return None
        return FeedCache(source.gbfs_url, self.cache_root)


def point_for_system(
    source: SystemSource,
    rider_near: tuple[float, float] | None,
    current_near: tuple[float, float],
    current_note: str | None,
) -> tuple[tuple[float, float], str | None]:
    """Where to rank from after switching to ``source``, and the header's note.

    The rider's own point while the system plausibly covers it (or where it is is
    unknown); else the system's centre; else the point in use, noted as not the rider's.
    """
    centre = source.centre
    if rider_near is not None and (
        centre is None or haversine_m(*rider_near, *centre) / 1000 <= FAR_FROM_SYSTEM_KM
    ):
        return rider_near, None
    if centre is not None:
        return centre, SYSTEM_CENTRE
    return current_near, current_note or DEMO_POINT
