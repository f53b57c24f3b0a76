"""A name filter on a large system: nearest first, lazily, and exactly the scan's answer."""

from __future__ import annotations

import itertools
import random

import pytest

from bikefinder.rider import system_index
from bikefinder.rider.system_index import NEAREST_FIRST_FROM, NEAREST_TESTED, SystemIndex, stream
from tests.test_ranking import index_of, make_stations

NEAR = (40.75, -73.98)
COUNT = NEAREST_FIRST_FROM + 5_000


@pytest.fixture(scope="module")
def big_index() -> SystemIndex:
    """Stations around NEAR, some at the very same place (ties), named S0 ... S25000."""
    rng = random.Random(7)
    points = [(NEAR[0] + rng.uniform(-0.2, 0.2), NEAR[1] + rng.uniform(-0.2, 0.2))
              for _ in range(COUNT)]  # fmt: skip
    for position in range(0, COUNT, 997):  # ties at one distance, broken by position
        points[position] = (NEAR[0] + 0.01, NEAR[1])
    return index_of(make_stations(points))


def scanned(index: SystemIndex, words: list[str], also: str = "") -> list[tuple[float, int]]:
    """What the full scan answers: every match, nearest first."""
    distances = index.distances(0, False, NEAR)
    found = index.matching(0, False, words, also)
    return [(item[0], item[3]) for item in stream(distances, 0, 0, found)]


def lazily(index: SystemIndex, words: list[str], also: str = "", limit: int | None = None
           ) -> list[tuple[float, int]]:  # fmt: skip
    items = index.nearest_matching(0, False, words, also, NEAR, 0)
    return [(item[0], item[3]) for item in itertools.islice(items, limit)]


@pytest.mark.parametrize(
    "words",
    [["1"], ["12"], ["s1", "9"], ["2499"], ["24999"], ["nowhere"], ["s"]],
    ids=["common", "fewer", "two words", "rare", "one station", "none", "every"],
)
def test_a_filter_lists_what_the_scan_lists_in_the_same_order(
    big_index: SystemIndex, words: list[str]
) -> None:
    big_index._matches.clear()
    lazy = lazily(big_index, words)

    big_index._matches.clear()
    assert lazy == scanned(big_index, words)


def test_a_word_in_the_systems_own_name_matches_every_station(big_index: SystemIndex) -> None:
    big_index._matches.clear()

    assert lazily(big_index, ["citi", "7"], also="citi bike") == scanned(big_index, ["7"])


def test_a_common_first_letter_fills_the_list_without_scanning_every_name(
    big_index: SystemIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The list takes a screenful; the nearest stations hold it: no name past the ones
    tested is read, and nothing is kept for narrowing."""
    big_index._matches.clear()
    scans: list[object] = []
    monkeypatch.setattr(system_index.SystemIndex, "matching", lambda *args: scans.append(args))

    first = lazily(big_index, ["1"], limit=40)

    assert len(first) == 40
    assert scans == []
    assert big_index._matches == {}


def test_a_rare_word_is_scanned_once_and_the_next_keystroke_narrows_the_scan(
    big_index: SystemIndex,
) -> None:
    big_index._matches.clear()

    rare = lazily(big_index, ["2499"])

    words, kept = big_index._matches[(0, False)]
    assert words == ("2499",)
    assert sorted(position for _, position in rare) == kept
    names = big_index.folded_names(0, False)
    reads: list[int] = []

    class Counted(list[str]):
        def __getitem__(self, position: int) -> str:  # type: ignore[override]
            reads.append(position)
            return list.__getitem__(self, position)

    big_index._folded[(0, False)] = Counted(names)
    try:
        narrowed = lazily(big_index, ["24999"])
    finally:
        big_index._folded[(0, False)] = names
    assert narrowed == scanned(big_index, ["24999"])
    assert sorted(reads) == kept  # only the last scan's matches were read again


def test_a_small_system_is_scanned_as_before(monkeypatch: pytest.MonkeyPatch) -> None:
    """Below the threshold the scan is cheaper than tests one by one: it is kept for the
    next keystroke."""
    index = index_of(make_stations([(NEAR[0] + i / 10_000, NEAR[1]) for i in range(500)]))

    listed = lazily(index, ["4"])

    assert listed == scanned(index, ["4"])
    assert index._matches[(0, False)][0] == ("4",)
    assert NEAREST_TESTED < NEAREST_FIRST_FROM
