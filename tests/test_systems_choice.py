"""Choosing several systems: every system covering a point, best first, at
most --max-systems; repeated --system; free-floating operators learned from vehicles."""

from __future__ import annotations

from pathlib import Path

import pytest

from bikefinder.systems.catalog import Catalog, NoSystemNearbyError
from bikefinder.systems.config import Config
from bikefinder.systems.coverage import load_coverages, remember_coverage
from bikefinder.systems.entries import CITYBIKES, CatalogEntry
from bikefinder.systems.source import resolve_sources

PARIS = (48.8566, 2.3522)


def entry(
    system_id: str, centre: tuple[float, float], radius_km: float = 10.0, **kw
) -> CatalogEntry:
    return CatalogEntry(
        system_id=system_id,
        name=kw.pop("name", system_id.title()),
        gbfs_url=kw.pop("gbfs_url", f"https://{system_id}.test/gbfs.json"),
        centre=centre,
        radius_km=radius_km,
        **kw,
    )


def catalog(*entries: CatalogEntry, coverages=()) -> Catalog:
    return Catalog(entries, coverages)


def test_covering_lists_every_covering_system_best_first() -> None:
    velib = entry("velib", (48.8566, 2.3522), name="Vélib' Métropole", curated=True)
    mirror = entry("citybikes-velib", (48.86, 2.35), name="Vélib' Métropole", source=CITYBIKES)
    scooters = entry("lime_paris", (48.8566, 2.3522), 12.0, approximate=True)
    farther = entry("dott-paris", (48.90, 2.40), 15.0, approximate=True)
    lyon = entry("velov", (45.76, 4.83))
    found = catalog(lyon, farther, scooters, mirror, velib).covering(*PARIS)
    assert [f.entry.system_id for f in found] == ["velib", "lime_paris", "dott-paris"]
    assert (
        found[0].entry.system_id
        == catalog(lyon, farther, scooters, velib).nearest(*PARIS).entry.system_id
    )
    assert [f.entry.system_id for f in catalog(velib, scooters, farther).covering(*PARIS, 2)] == [
        "velib",
        "lime_paris",
    ]
    assert catalog(lyon).covering(*PARIS) == []


def test_free_floating_operator_learned_from_its_vehicles(tmp_path: Path) -> None:
    """An operator known only by URL becomes choosable where its vehicles were."""
    url = "https://float.test/gbfs.json"
    points = [(48.85 + i * 0.001, 2.34 + i * 0.001) for i in range(30)]
    coverage = remember_coverage(tmp_path, url, "Float", points)
    assert coverage is not None and coverage.stations == 30
    stored = load_coverages(tmp_path / "coverage.json")
    found = catalog(coverages=stored).covering(48.86, 2.35)
    assert [f.entry.gbfs_url for f in found] == [url]
    assert catalog(coverages=stored).covering(45.76, 4.83) == []


def test_resolve_sources_repeated_system_and_max_systems() -> None:
    velib = entry("velib", PARIS)
    lime = entry("lime_paris", PARIS, approximate=True)
    dott = entry("dott-paris", PARIS, approximate=True)
    keyed = entry("keyed", PARIS, approximate=True, auth_type="2", auth_headers=("X-Key",))
    known = catalog(velib, lime, dott, keyed)
    config = Config()
    sources, notes = resolve_sources([], PARIS, max_systems=2, catalog=known, config=config)
    assert [s.system_id for s in sources] == ["velib", "dott-paris"]
    assert all(s.chosen_by and "--near" in s.chosen_by for s in sources)
    assert [str(note) for note in notes] == [
        "2 more systems cover this point; loaded the 2 nearest (--max-systems N)"
    ]
    sources, notes = resolve_sources([], PARIS, max_systems=6, catalog=known, config=config)
    assert [s.system_id for s in sources] == ["velib", "dott-paris", "lime_paris"]
    assert len(notes) == 1 and "needs an API key" in notes[0]  # left out, said
    named, _ = resolve_sources(
        ["velib", "lime_paris", "velib", "https://x.test/gbfs.json"], PARIS, catalog=known
    )
    assert [s.gbfs_url for s in named] == [
        velib.gbfs_url,
        lime.gbfs_url,
        "https://x.test/gbfs.json",
    ]
    with pytest.raises(NoSystemNearbyError):
        resolve_sources([], (-45.0, 170.0), catalog=known)
