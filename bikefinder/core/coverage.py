"""Remember where each loaded system's stations are, so ``--near`` alone finds it next time.

The store is ``coverage.json`` in the user cache dir, keyed by discovery URL. Writing it
is best effort: a read-only or full disk never breaks a station lookup.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from bikefinder.core.catalog import COVERAGE_FILE, Coverage, coverage_from_points, load_coverages
from bikefinder.core.files import write_atomic
from bikefinder.core.models import Station
from bikefinder.core.text import clean

#: Keep the store small: the most recently loaded systems win.
MAX_REMEMBERED = 200


def remember_coverage(
    cache_dir: Path, gbfs_url: str, name: str, stations: Iterable[Station]
) -> Coverage | None:
    """Record (or refresh) the area of ``gbfs_url``'s stations; ``None`` if nothing to store.

    ``name`` comes from a feed: it is cleaned before it is stored, so a later start that
    replays it (``Loading …``) never gets an escape sequence from this file."""
    name = clean(name, 120)
    points = [(station.info.lat, station.info.lon) for station in stations]
    coverage = coverage_from_points(gbfs_url, name, points)
    if coverage is None:
        return None
    path = cache_dir / COVERAGE_FILE
    others = [known for known in load_coverages(path) if known.gbfs_url != gbfs_url]
    kept = [coverage, *others][:MAX_REMEMBERED]
    try:
        write_atomic(
            path, json.dumps({"systems": [c.to_json() for c in kept]}).encode(), durable=False
        )
    except OSError:
        return None
    return coverage
