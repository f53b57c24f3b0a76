"""Cache files damaged into JSON nested deeper than any decoder goes (``coverage.json``,
``geocode.json``, the updated catalog, feed-cache metadata): ignored like any other
damage, never a RecursionError on every run that reads them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bikefinder.systems import geocode
from bikefinder.systems.catalog import CACHE_SUBDIR, CACHED_CITYBIKES, load_catalog
from bikefinder.systems.coverage import COVERAGE_FILE, load_coverages

DEEP = b'{"systems": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"


def test_deep_coverage_is_nothing_learned(tmp_path: Path) -> None:
    path = tmp_path / COVERAGE_FILE
    path.write_bytes(DEEP)
    assert load_coverages(path) == []


def test_deep_geocode_cache_is_empty(tmp_path: Path) -> None:
    path = tmp_path / "geocode.json"
    path.write_bytes(DEEP)
    assert geocode._read_cache(path) == {}


def test_deep_catalog_copy_is_ignored_with_a_warning(tmp_path: Path) -> None:
    folder = tmp_path / CACHE_SUBDIR
    folder.mkdir()
    (folder / CACHED_CITYBIKES).write_bytes(DEEP)
    (tmp_path / COVERAGE_FILE).write_bytes(DEEP)
    catalog = load_catalog(tmp_path)
    assert any(CACHED_CITYBIKES in warning for warning in catalog.warnings)


@pytest.mark.parametrize("name", [COVERAGE_FILE, "geocode.json"])
def test_a_run_reading_a_deep_cache_file_works(run_cli: Any, tmp_path: Path, name: str) -> None:
    cache = tmp_path / "home/.cache/bikefinder"
    cache.mkdir(parents=True)
    (cache / name).write_bytes(DEEP)
    args = ("--demo", "--once", "--format", "json", "--near", "Gare de Lyon")
    result = run_cli(*args, env={"BIKEFINDER_NOMINATIM_URL": "http://127.0.0.1:9"}, timeout=60)
    assert result.code == 0, result.stderr
    assert "Traceback" not in result.stderr
