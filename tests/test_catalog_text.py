"""Catalog text from ``--update-catalog`` (system name, id, auth-info URL, location) is
cleaned when it is stored, as learned coverage is: no control, escape or bidi character
reaches the stored file, the catalog, or any message built from it."""

from __future__ import annotations

from pathlib import Path

from conftest import FeedServer
from test_catalog_update import serve_sources

from bikefinder.common.text import has_unsafe_chars
from bikefinder.feeds.http import make_http_client
from bikefinder.systems.catalog import CACHE_SUBDIR, CACHED_SYSTEMS_CSV, load_catalog
from bikefinder.systems.catalog_update import update_catalog

OSC52 = "\x1b]52;c;ZWNobyBoaQ==\x07"
HOSTILE_CSV = (
    "Country Code,Name,Location,System ID,URL,Auto-Discovery URL,Supported Versions,"
    "Authentication Info URL,Authentication Type,Authentication Parameter Name\n"
    f'NO,"Evil{OSC52}\x1b[2J Bikes\nline two",Osl{OSC52}o,evil{OSC52}-id,https://e.example,'
    f'https://e.example/gbfs.json,2.3,"https://e.example/key{OSC52}\n",2,X-Key\n'
)


async def test_hostile_catalog_text_is_cleaned_when_stored(
    feed_server: FeedServer, tmp_path: Path
) -> None:
    sources = serve_sources(feed_server)
    feed_server.add("/MobilityData/gbfs/master/systems.csv", HOSTILE_CSV)
    async with make_http_client() as http:
        await update_catalog(http, tmp_path, sources)
    stored = (tmp_path / CACHE_SUBDIR / CACHED_SYSTEMS_CSV).read_text(encoding="utf-8")
    assert "\x1b" not in stored and "\x07" not in stored
    assert "line two" in stored  # folded into the name, not a row of its own
    (entry,) = load_catalog(tmp_path).search("evil")
    for text in (entry.system_id, entry.name, entry.location, entry.auth_info_url or ""):
        assert not has_unsafe_chars(text), repr(text)
    assert entry.name.startswith("Evil") and entry.name.endswith("Bikes line two")
