"""``--near PLACE``: geocoding with a fake geocoder (never the network) and its cache."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from geopy.exc import GeocoderServiceError, GeocoderTimedOut, GeocoderUnavailable

from bikefinder import __version__
from bikefinder.common.errors import UsageError
from bikefinder.systems.geocode import (
    GeocodeError,
    PlaceNotFoundError,
    geocode_place,
    is_place_name,
    nominatim,
)


@dataclass
class FakeLocation:
    latitude: Any
    longitude: Any
    address: str = "Gare de Lyon, Paris, France"


class FakeGeocoder:
    """Answers from a dict, or raises; records every query."""

    def __init__(self, answers: dict[str, Any] | None = None, error: Exception | None = None):
        self.answers = answers or {}
        self.error = error
        self.queries: list[str] = []

    def geocode(self, query: str, *, exactly_one: bool = True, timeout: float = 0) -> Any:
        self.queries.append(query)
        if self.error is not None:
            raise self.error
        return self.answers.get(query)


GARE_DE_LYON = FakeLocation(48.8443, 2.3744)


@pytest.mark.parametrize(
    ("text", "is_place"),
    [
        ("48.85,2.35", False),
        ("-33.4, -70.6", False),
        ("48.85", False),
        ("nan,0", False),
        ("1e1, -inf", False),
        ("Nancy", True),
        ("Gare de Lyon", True),
        ("Ålesund", True),
        ("10 Downing St, London", True),
    ],
)
def test_place_or_coordinates(text: str, is_place: bool) -> None:
    assert is_place_name(text) is is_place


def test_lookup_is_cached(tmp_path: Path) -> None:
    cache = tmp_path / "geocode.json"
    geocoder = FakeGeocoder({"Gare de Lyon, Paris": GARE_DE_LYON})
    place = geocode_place(" Gare de Lyon,  Paris ", geocoder=geocoder, cache_path=cache)
    assert place.point == (48.8443, 2.3744)
    assert place.address == "Gare de Lyon, Paris, France"
    assert geocoder.queries == ["Gare de Lyon, Paris"]

    again = geocode_place("gare de lyon, PARIS", geocoder=geocoder, cache_path=cache)
    assert again == place
    assert geocoder.queries == ["Gare de Lyon, Paris"]  # answered from the cache
    assert "gare de lyon, paris" in json.loads(cache.read_text())["places"]


def test_not_found_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(PlaceNotFoundError) as caught:
        geocode_place("Nowhere-on-earth", geocoder=FakeGeocoder(), cache_path=tmp_path / "g.json")
    assert isinstance(caught.value, UsageError)  # exit 2
    assert "no place found for 'Nowhere-on-earth'" in str(caught.value)
    assert not (tmp_path / "g.json").exists()  # failures are not cached


@pytest.mark.parametrize(
    ("error", "cause"),
    [
        (GeocoderUnavailable("Failed to establish a new connection"), "unreachable"),
        (GeocoderTimedOut("Service timed out"), "timed out"),
        (GeocoderServiceError("HTTP Error 500"), "HTTP Error 500"),
    ],
)
def test_offline_or_failing_service_is_a_usage_error(error: Exception, cause: str) -> None:
    with pytest.raises(GeocodeError) as caught:
        geocode_place("Gare de Lyon", geocoder=FakeGeocoder(error=error))
    assert isinstance(caught.value, UsageError)  # exit 2: --near as given is unusable
    assert cause in str(caught.value) and "\n" not in str(caught.value)


def test_nonsense_coordinates_from_the_service_are_refused() -> None:
    geocoder = FakeGeocoder({"x place": FakeLocation(float("nan"), 2.0)})
    with pytest.raises(GeocodeError, match="no coordinates"):
        geocode_place("x place", geocoder=geocoder)


def test_damaged_cache_is_ignored_and_rewritten(tmp_path: Path) -> None:
    cache = tmp_path / "geocode.json"
    cache.write_text("{broken")
    geocoder = FakeGeocoder({"Gare de Lyon": GARE_DE_LYON})
    assert geocode_place("Gare de Lyon", geocoder=geocoder, cache_path=cache).lat == 48.8443
    assert json.loads(cache.read_text())["places"]["gare de lyon"]["lon"] == 2.3744


def test_nominatim_identifies_bikefinder() -> None:
    geocoder = nominatim()  # constructing it sends nothing
    assert geocoder.headers["User-Agent"] == f"bikefinder/{__version__}"


def test_near_place_that_cannot_be_looked_up_is_a_usage_error(tmp_path: Path) -> None:
    """``--near abc`` with the geocoder unreachable: exit 2, one line, no traceback."""
    import os
    import subprocess
    import sys

    env = {
        **os.environ,
        "BIKEFINDER_NOMINATIM_URL": "http://127.0.0.1:9",  # nothing listens: refused
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
    }
    result = subprocess.run(
        [sys.executable, "-m", "bikefinder", "--once", "--near", "abc"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr
    assert lines[0].startswith("bikefinder: error: --near: cannot look up 'abc'")
