"""Printed tables fit the terminal they are printed on (text columns cut with "…", the
least needed columns dropped first), and stay whole when piped."""

from __future__ import annotations

from typing import Any

import pytest

from bikefinder.rider.text_formats import cell_width, cut_to, text_table

TABLE = [
    ["#", "Name", "Where", "Bikes"],
    ["1", "A rather long station name", "Somewhere far", "12"],
    ["2", "東京駅八重洲口", "Tokyo", "3"],
]


def test_a_table_without_a_width_is_whole() -> None:
    lines = text_table(TABLE, [True, False, False, True])
    assert "A rather long station name" in lines[2] and not lines[-1].startswith("(cut")


def test_text_columns_are_cut_then_droppable_ones_dropped_to_fit() -> None:
    lines = text_table(TABLE, [True, False, False, True], width=40, droppable=(2,))
    assert all(cell_width(line) <= 40 for line in lines[:-1])
    assert "Where" not in lines[0] and "Bikes" in lines[0]  # dropped, numbers kept
    assert lines[-1] == "(cut to the terminal's width; piped, the lines are whole)"
    narrow = text_table(TABLE, [True, False, False, True], width=22, droppable=(2,))
    assert all(cell_width(line) <= 22 for line in narrow[:-1])
    assert "A rather lo…" in narrow[2]  # below the comfortable width once nothing else gives


def test_cut_to_counts_wide_characters_as_two_cells() -> None:
    assert cut_to("東京駅八重洲口", 7) == "東京駅…"
    assert cell_width(cut_to("東京駅八重洲口", 7)) <= 7
    assert cut_to("short", 10) == "short"


@pytest.mark.parametrize("columns", [60, 80])
def test_once_fits_the_terminal_it_prints_on(
    run_main: Any, monkeypatch: pytest.MonkeyPatch, columns: int
) -> None:
    monkeypatch.setattr("bikefinder.cli.once.terminal_width", lambda: columns)
    result = run_main("--demo", "--once", "--limit", "5")
    table = result.stdout.split("\n\n", 1)[1].splitlines()[:-1]  # the "(cut …)" note last
    assert all(cell_width(line) <= columns for line in table), table
    assert "Bikes" in table[0] and "Docks" in table[0]


def test_once_piped_keeps_whole_lines(run_main: Any) -> None:
    result = run_main("--demo", "--once", "--limit", "5")
    assert "Lobau - Hôtel de Ville" in result.stdout and "(cut to" not in result.stdout


def test_list_systems_fits_the_terminal(run_main: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("bikefinder.cli.catalog.terminal_width", lambda: 80)
    lines = run_main("--list-systems", "paris").stdout.splitlines()
    assert all(cell_width(line) <= 80 for line in lines if not line.startswith("("))
    assert lines[0].startswith("ID") and "Auto-discovery URL" not in lines[0]
