"""GBFS documents and the system-level feeds: pure parsing, JSON in, typed models out.

What every feed shares (a body decoded with precise errors, the ``data`` object, the
``last_updated`` / ``ttl`` / ``version`` header) and the small feeds that describe a
system rather than its stations: ``gbfs.json`` discovery (v1/v2 language-keyed or v3
flat, and the feed URLs it may list), ``system_information`` and ``vehicle_types``.
Every GBFS version a rider meets is accepted: 1.0/1.1 (often no ``version``), 2.x and
3.0 (localized strings, ISO timestamps), plus real feeds' quirks (Vélib's
``lastUpdatedOther``). The station feeds are :mod:`bikefinder.feeds.station_feeds`'; problems
with a whole document raise :class:`FeedFormatError`. No I/O here.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import urljoin, urlsplit

from bikefinder.common.errors import FeedFormatError, first_line
from bikefinder.common.text import encodable
from bikefinder.feeds.models import Discovery, FeedMeta, SystemInfo, VehicleKind
from bikefinder.feeds.values import as_id, as_text, as_timestamp, as_ttl

FEED_URL_SCHEMES = ("http", "https")
_BICYCLE_FORM_FACTORS = frozenset({"bicycle", "cargo_bicycle"})
_ELECTRIC_PROPULSION = frozenset({"electric_assist", "electric"})


def document_data(doc: Any, feed: str) -> Mapping[str, Any]:
    """A document's ``data`` object; anything else is no GBFS document."""
    if not isinstance(doc, Mapping):
        raise FeedFormatError(feed, f"expected a JSON object, got {_kind(doc)}")
    data = doc.get("data")
    if not isinstance(data, Mapping):
        raise FeedFormatError(feed, "no 'data' object")
    return data


def _kind(value: Any) -> str:
    names: dict[type, str] = {dict: "an object", list: "a list", str: "a string"}
    return names.get(type(value), type(value).__name__)


def decode_document(body: bytes, feed: str) -> Any:
    """Decode a feed body with ``json.loads``, naming every kind of garbage precisely."""
    stripped = body.lstrip()
    if not stripped:
        raise FeedFormatError(feed, "empty response")
    if stripped[:1] == b"<":
        raise FeedFormatError(feed, "got HTML/XML instead of JSON")
    try:
        return json.loads(body)
    except UnicodeDecodeError as exc:
        if exc.reason == "unexpected end of data":
            raise FeedFormatError(feed, "truncated JSON (ends inside a character)") from None
        raise FeedFormatError(feed, "response is not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        # EOF inside a string, or the parser wanted more: the body was cut short.
        cut = exc.pos >= len(body.rstrip()) or exc.msg.startswith("Unterminated string")
        reason = "truncated JSON" if cut else "invalid JSON"
        raise FeedFormatError(feed, f"{reason} ({exc.msg} at byte {exc.pos})") from None
    except RecursionError:
        raise FeedFormatError(feed, "invalid JSON (nested too deeply)") from None
    except ValueError as exc:  # e.g. an integer longer than Python will convert
        raise FeedFormatError(feed, f"invalid JSON ({first_line(exc)[:60]})") from None


def parse_meta(doc: Any, feed: str, url: str) -> FeedMeta:
    """The common header; Vélib' writes ``lastUpdatedOther`` where ``last_updated`` belongs."""
    document_data(doc, feed)
    last_updated = doc.get("last_updated", doc.get("lastUpdatedOther"))
    version = doc.get("version")
    return FeedMeta(
        name=feed,
        url=url,
        version=version if isinstance(version, str) else None,
        last_updated=as_timestamp(last_updated),
        ttl=as_ttl(doc.get("ttl")),
    )


def parse_discovery(doc: Any, url: str, language: str | None = None) -> Discovery:
    """``gbfs.json``: v3 flat ``data.feeds`` or v1/v2 ``data.<language>.feeds``.

    The language is ``language`` if the feed offers it, else the first one listed
    (the loader may switch to the system's own language afterwards).
    """
    data = document_data(doc, "gbfs.json")
    meta = parse_meta(doc, "gbfs.json", url)
    if isinstance(data.get("feeds"), list):
        languages: tuple[str, ...] = ()
        chosen = language
        feed_list = data["feeds"]
    else:
        languages = tuple(
            key
            for key, value in data.items()
            if isinstance(value, Mapping) and isinstance(value.get("feeds"), list)
        )
        if not languages:
            raise FeedFormatError("gbfs.json", "no feeds listed in 'data'")
        chosen = _pick_language(languages, language)
        feed_list = data[chosen]["feeds"]
    feeds: dict[str, str] = {}
    for entry in feed_list:
        if not isinstance(entry, Mapping):
            continue
        name, feed_url = entry.get("name"), entry.get("url")
        if not (isinstance(name, str) and name.strip()):
            continue  # a feed without a name cannot be asked for (and errors name it)
        if isinstance(feed_url, str) and feed_url.strip():
            feeds.setdefault(name.strip(), _resolve(url, feed_url.strip()))
    return Discovery(
        url=url,
        version=meta.version,
        language=chosen,
        languages=languages,
        feeds=feeds,
        ttl=meta.ttl,
    )


def _resolve(base_url: str, feed_url: str) -> str:
    """A feed URL relative to ``gbfs.json``; an unparsable one is kept for
    :func:`check_feed_url` to refuse with a clear reason."""
    try:
        return urljoin(base_url, feed_url)
    except ValueError:
        return feed_url


def _pick_language(languages: tuple[str, ...], wanted: str | None) -> str:
    if wanted:
        for code in languages:
            if code.lower() == wanted.lower():
                return code
        for code in languages:
            if code.lower().split("-")[0] == wanted.lower().split("-")[0]:
                return code
    return languages[0]


def require_feed_url(discovery: Discovery, feed: str) -> str:
    """The URL of a feed the app cannot work without; only http(s) is ever read."""
    feed_url = discovery.feeds.get(feed)
    if feed_url is None:
        raise FeedFormatError("gbfs.json", f"lists no {feed} feed")
    check_feed_url(feed, feed_url)
    return feed_url


def check_feed_url(feed: str, feed_url: str) -> None:
    """Refuse ``file://`` and other non-HTTP URLs a hostile discovery file may list."""
    try:
        scheme = urlsplit(feed_url).scheme.lower()
    except ValueError:
        raise FeedFormatError(feed, f"invalid feed URL: {feed_url[:80]!r}") from None
    if scheme not in FEED_URL_SCHEMES:
        raise FeedFormatError(feed, f"refusing a non-HTTP feed URL: {feed_url[:80]!r}")


def parse_system_information(doc: Any, url: str, language: str | None = None) -> SystemInfo:
    """``system_information``: v3 names are localized, v1/v2 names are plain strings."""
    data = document_data(doc, "system_information")
    languages = data.get("languages")
    system_language = data.get("language")
    if not isinstance(system_language, str) and isinstance(languages, list) and languages:
        system_language = languages[0] if isinstance(languages[0], str) else None
    wanted = language or (system_language if isinstance(system_language, str) else None)
    system_id = as_id(data.get("system_id"))
    name = (as_text(data.get("name"), wanted) or "").strip()
    if system_id is None and not name:
        raise FeedFormatError("system_information", "no system_id or name")
    operator = as_text(data.get("operator"), wanted)
    timezone = data.get("timezone")
    system_url = data.get("url")
    return SystemInfo(
        system_id=system_id or name,
        name=name or system_id or "",
        language=system_language if isinstance(system_language, str) else None,
        timezone=encodable(timezone) if isinstance(timezone, str) else None,
        operator=operator.strip() if operator else None,
        url=encodable(system_url) if isinstance(system_url, str) and system_url else None,
    )


def parse_vehicle_types(doc: Any) -> dict[str, VehicleKind]:
    """``vehicle_types``: which type ids are mechanical bikes, which electric, which other."""
    data = document_data(doc, "vehicle_types")
    types = data.get("vehicle_types")
    if not isinstance(types, list):
        raise FeedFormatError("vehicle_types", "'vehicle_types' is not a list")
    kinds: dict[str, VehicleKind] = {}
    for record in types:
        if not isinstance(record, Mapping):
            continue
        type_id = as_id(record.get("vehicle_type_id"))
        if type_id is None:
            continue
        form_factor = str(record.get("form_factor", "")).lower()
        propulsion = str(record.get("propulsion_type", "")).lower()
        if form_factor in _BICYCLE_FORM_FACTORS and propulsion == "human":
            kind = VehicleKind.MECHANICAL
        elif form_factor in _BICYCLE_FORM_FACTORS and propulsion in _ELECTRIC_PROPULSION:
            kind = VehicleKind.ELECTRIC
        else:
            kind = VehicleKind.OTHER
        kinds.setdefault(type_id, kind)
    return kinds
