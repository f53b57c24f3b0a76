"""--limit: the app fills the screen when it is not given; printed lists default to 20."""

from __future__ import annotations

from bikefinder.cli.main import parse_options
from bikefinder.rider.mode_rows import DEFAULT_LIMIT
from bikefinder.ui.start import build_app


def test_without_limit_the_app_fills_the_screen() -> None:
    assert parse_options(["--demo"]).limit is None
    assert build_app(parse_options(["--demo"])).limit is None
    assert build_app(parse_options(["--demo", "--limit", "7"])).limit == 7


def test_printed_lists_default_to_twenty(run_cli) -> None:
    result = run_cli("--demo", "--once", "--format", "json")
    assert result.code == 0, result.stderr
    document = result.json()
    assert document["limit"] == DEFAULT_LIMIT == 20
    # The one --limit rule: the 20 nearest rows and the 20 nearest options.
    stations = document["stations"]
    assert 20 <= len(stations) <= 40
    assert [s["rank"] for s in stations if s["useful"]] == list(range(1, 21))


def test_single_system_json_carries_the_several_systems_fields(run_cli) -> None:
    """contract holds for one system too: a `systems` list, and `kind`,
    `system_id` and `walk_s` on every station (`system` stays for existing scripts)."""
    result = run_cli("--demo", "--once", "--format", "json", "--limit", "3")
    assert result.code == 0, result.stderr
    document = result.json()
    assert document["system"]["id"] == "velib"
    assert [(s["id"], s["ok"]) for s in document["systems"]] == [("velib", True)]
    first = document["stations"][0]
    assert (first["kind"], first["system_id"]) == ("station", "velib")
    assert first["walk_s"] == round(first["distance_m"] / (4.8 / 3.6))
