"""``--once``: load a system, rank its stations and print them, then exit."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from bikefinder.core.demo import DEMO_NEAR
from bikefinder.core.http import make_http_client
from bikefinder.core.loader import SystemFeeds
from bikefinder.core.output import format_distance, to_csv, to_json, to_table
from bikefinder.core.ranking import StationIndex
from bikefinder.core.source import resolve_source
from bikefinder.core.text import clean

if TYPE_CHECKING:
    from bikefinder.cli import Options


async def run_once(options: Options) -> int:
    """Print the ranked stations in the chosen format; exit status 0."""
    source = resolve_source(options.system, options.near, demo=options.demo)
    near = options.near or (DEMO_NEAR if source.is_demo else None)
    if near is None:
        from bikefinder.core.errors import UsageError

        raise UsageError("--near LAT,LON is required")
    async with make_http_client(options.client_id, source.headers, source.transport) as http:
        feeds = SystemFeeds(http, source.gbfs_url, language=options.language, label=source.label)
        snapshot = await feeds.load()
    ranked = StationIndex(snapshot.stations).nearest(near[0], near[1], options.limit)
    if options.output_format == "json":
        extra = {"demo": source.demo_label} if source.is_demo else None
        text = to_json(snapshot, ranked, near, extra)
    elif options.output_format == "csv":
        text = to_csv(ranked)
    else:
        header = f"{clean(snapshot.system.name, 60)}: {len(snapshot.stations)} stations"
        if source.is_demo:
            header += f" ({source.demo_label})"
        header += f"; nearest to {near[0]:.5f},{near[1]:.5f}"
        if ranked:
            header += f" is {format_distance(ranked[0].distance_m)} away"
        text = to_table(snapshot, ranked, header)
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
    return 0
