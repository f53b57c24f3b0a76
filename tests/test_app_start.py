"""When the app does not start: flags it would ignore, and no terminal to draw on."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.mark.parametrize("output_format", ["json", "csv", "table", "line"])
def test_a_format_without_once_is_refused_in_one_line(run_main: Any, output_format: str) -> None:
    result = run_main("--demo", "--format", output_format)
    assert result.code == 2
    assert result.error_line == f"bikefinder: error: --format {output_format} goes with --once" + (
        "" if output_format == "line" else " or --list-systems"
    )


def test_a_format_with_once_or_list_systems_is_accepted(run_main: Any) -> None:
    assert run_main("--demo", "--once", "--format", "json").code == 0
    assert run_main("--list-systems", "velib", "--format", "csv").code == 0


def test_without_a_terminal_the_app_refuses_to_start_with_a_hint(run_cli: Any) -> None:
    result = run_cli("--demo")  # stdout and stderr are pipes here
    assert result.code == 2
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        "bikefinder: error: the app needs a terminal (stdout or stderr is redirected); "
        "use --once to print the list instead"
    ]


async def test_a_bare_command_opens_the_picker_over_the_demo() -> None:
    from bikefinder.cli.main import parse_options
    from bikefinder.ui.screens.system_picker import SystemPickerScreen
    from bikefinder.ui.start import build_app

    app = build_app(parse_options([]))
    async with app.run_test(size=(80, 24)) as pilot:
        for _ in range(50):
            await pilot.pause(0.05)
            if isinstance(app.screen, SystemPickerScreen) and app.screen.catalog:
                break
        picker = app.screen
        assert isinstance(picker, SystemPickerScreen)
        assert picker.near is None  # where the rider is is not known: no "nearest"
        assert app.lead.is_demo
        assert "type a city" in str(picker.query_one("#picker-summary").render())


def test_a_bare_printed_command_still_asks_which_system(run_main: Any) -> None:
    result = run_main("--once")
    assert result.code == 2 and "--near" in result.error_line
