"""--limit: the app fills the screen when it is not given; printed lists default to 20."""

from __future__ import annotations

from bikefinder.cli import parse_options
from bikefinder.core.modes import DEFAULT_LIMIT
from bikefinder.ui.app import build_app


def test_without_limit_the_app_fills_the_screen() -> None:
    assert parse_options(["--demo"]).limit is None
    assert build_app(parse_options(["--demo"])).limit is None
    assert build_app(parse_options(["--demo", "--limit", "7"])).limit == 7


def test_printed_lists_default_to_twenty(run_cli) -> None:
    result = run_cli("--demo", "--once", "--format", "json")
    assert result.code == 0, result.stderr
    assert len(result.json()["stations"]) >= DEFAULT_LIMIT == 20
