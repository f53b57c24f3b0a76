"""One folding rule for every name match: the station filter, the catalog and the picker."""

from __future__ import annotations

import pytest

from bikefinder.common.text import fold
from bikefinder.feeds.models import Station, StationInfo
from bikefinder.rider import scene, system_index
from bikefinder.rider.rows import SceneSystem
from bikefinder.rider.scene import Query, Scene
from bikefinder.systems import search as catalog_search
from bikefinder.systems.catalog import Catalog, build_catalog
from bikefinder.systems.entries import CatalogEntry
from bikefinder.systems.search import UnknownSystemError


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Vélib' Métropole", "velib metropole"),
        ("Sørli", "sorli"),
        ("Lillestrøm", "lillestrom"),
        ("Straße", "strasse"),
        ("  Bergen-City_Bike ", "bergen city bike"),
        ("l’Hôtel de Ville", "lhotel de ville"),
        ("ＡＢＣ", "abc"),  # full-width letters
        ("東京", "東京"),
        ("Москва", "москва"),
        ("Ёлка", "елка"),
        ("서울", "서울"),
        ("!!!", ""),
    ],
)
def test_fold(text: str, folded: str) -> None:
    assert fold(text) == folded


def test_one_fold_everywhere() -> None:
    assert scene.fold is fold and system_index.fold is fold and catalog_search.fold is fold


def _station(name: str) -> Station:
    return Station(info=StationInfo(station_id=name, name=name, lat=59.9, lon=10.7), status=None)


def test_station_filter_folds_like_the_picker() -> None:
    from tests.test_modes import snapshot

    stations = [_station("Sørli plass"), _station("Москва-Сити"), _station("Rivoli")]
    listed = Scene.build([(SceneSystem("o", "Oslo", "https://o.test/gbfs.json"),
                           snapshot(stations), None)])  # fmt: skip

    def matches(query: str) -> list[str]:  # as every list filters by name
        return [row.key.item_id for row in listed.rows(Query((59.9, 10.7), name_query=query))]

    assert matches("sorli") == ["Sørli plass"]
    assert matches("москва") == ["Москва-Сити"]
    assert matches("Сити") == ["Москва-Сити"]


def _catalog() -> Catalog:
    return build_catalog(
        [
            CatalogEntry("tokyo", "Docomo", "https://t.example/gbfs.json", "東京", "JP"),
            CatalogEntry("moscow", "Velobike", "https://m.example/gbfs.json", "Москва", "RU"),
            CatalogEntry("oslo", "Oslo Bysykkel", "https://o.example/gbfs.json", "Oslo", "NO"),
        ],
        {},
    )


def test_non_latin_queries_match_instead_of_listing_everything() -> None:
    catalog = _catalog()
    assert [e.system_id for e in catalog.search("東京")] == ["tokyo"]
    assert catalog.search("大阪") == []
    assert catalog.resolve("москва").system_id == "moscow"
    with pytest.raises(UnknownSystemError):
        catalog.resolve("Киев")
