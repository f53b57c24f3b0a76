"""Printed tables keep their columns in line with wide (CJK, emoji) and combining
characters in names: cells are padded by display width, as a terminal draws them."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from rich.cells import cell_len

from bikefinder.cli.catalog import format_entries
from bikefinder.rider.output import Answer, to_table
from bikefinder.rider.rows import Kind, Row, RowKey, SceneSystem
from bikefinder.rider.scene import Query
from bikefinder.rider.text_formats import cell_width, text_table
from bikefinder.systems.entries import CatalogEntry

WIDE = "東京駅 🚲"
#: "Café" with a combining acute accent (two code points, one cell).
COMBINING = "Cafe\u0301 Place"


#: Each text and the cells a terminal gives it (what Rich 15, the app's renderer, counts;
#: older Rich counted a joined emoji family and an emoji-style symbol differently).
WIDTHS = [
    (WIDE, 9), (COMBINING, 10), ("서울역", 6), ("ＡＢＣ", 6), ("👨\u200d👩\u200d👧 family", 9),
    ("☀\ufe0f sun", 6), ("🇫🇷 Paris", 8), ("q\u0303\u0304", 1), ("plain", 5),
]  # fmt: skip


@pytest.mark.parametrize(("text", "cells"), WIDTHS)
def test_cell_width_counts_terminal_cells(text: str, cells: int) -> None:
    assert cell_width(text) == cells


@pytest.mark.parametrize(("text", "cells"), WIDTHS[:4] + WIDTHS[6:])
def test_cell_width_agrees_with_rich_where_every_rich_version_does(text: str, cells: int) -> None:
    assert cell_len(text) == cell_width(text) == cells


def test_text_table_pads_by_display_width() -> None:
    lines = text_table(
        [("Name", "Bikes"), (WIDE, "3"), (COMBINING, "12"), ("Plain", "7")], [False, True]
    )
    assert {cell_width(line) for line in lines} == {cell_width(COMBINING) + 2 + 5}
    assert lines[2] == WIDE + " " * (cell_width(COMBINING) - 9) + "      3"
    assert lines[3].endswith("     12") and lines[4].endswith("      7")


def _row(name: str, rank: int) -> Row:
    system = SceneSystem("tokyo", "Docomo", "https://tokyo.example/gbfs.json")
    return Row(
        key=RowKey(Kind.STATION, "tokyo", name), system=system, name=name, lat=35.68,
        lon=139.77, distance_m=88.0, bearing_deg=0.0, bearing="N", walk_s=66, rank=rank,
        reason=None,
    )  # fmt: skip


def test_the_once_table_keeps_columns_in_line() -> None:
    rows = [_row(WIDE, 1), _row(COMBINING, 2), _row("Shinjuku", 3)]
    answer = Answer(systems=[], query=Query((35.68, 139.77)), rows=rows, now=datetime.now(UTC))
    lines = to_table(answer, 4.8).splitlines()
    table = lines[lines.index("") + 1 :]
    header = table[0]
    distance_end = cell_width(header[: header.index("Distance") + len("Distance")])
    walk_start = cell_width(header[: header.index("Walk")])
    for line in table[2:]:
        assert cell_width(line[: line.index("88 m") + len("88 m")]) == distance_end, line
        assert cell_width(line[: line.index("2 min")]) == walk_start - 1, line  # right-aligned


def test_list_systems_keeps_columns_in_line() -> None:
    entries = [
        CatalogEntry("docomo_tokyo", WIDE, "https://a.example/gbfs.json", "東京", "JP"),
        CatalogEntry("cafe", COMBINING, "https://b.example/gbfs.json", "Paris", "FR"),
    ]
    lines = format_entries(entries, "table").splitlines()
    url_column = {cell_width(line[: line.index("https://")]) for line in lines[2:4]}
    assert len(url_column) == 1
    country_column = {cell_width(line[: line.index(code)]) for line, code in
                      zip(lines[2:4], ("JP", "FR"), strict=True)}  # fmt: skip
    assert len(country_column) == 1
