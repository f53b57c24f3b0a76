"""The command palette's entries (Ctrl+P): every action of the list, with its key."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from textual.app import SystemCommand

from bikefinder.rider.modes import Mode

if TYPE_CHECKING:
    from bikefinder.ui.app import BikefinderApp


def palette_commands(app: BikefinderApp, *, in_details: bool) -> Iterator[SystemCommand]:
    """The app's own commands; the list-only ones are left out on the details screen."""
    yield SystemCommand("Refresh now", "Fetch the latest availability (r)", app.action_refresh)
    if not in_details:
        yield SystemCommand(
            "Choose system…", "Search all known bike-share systems (s)",
            app.action_choose_system,
        )  # fmt: skip
    yield SystemCommand("Cycle mode", "Any bike → e-bike → free dock (m)", app.action_cycle_mode)
    for mode in Mode:
        yield SystemCommand(
            f"Look for: {mode.label}",
            f"Rank stations by {mode.label} availability",
            lambda mode=mode: app.set_mode(mode),
        )
    yield SystemCommand(
        "Toggle favourite",
        "Add or remove the highlighted station (f)",
        app.action_toggle_favourite,
    )
    yield SystemCommand("Favourites / all stations", "Switch the list (v)", app.action_toggle_view)
    yield SystemCommand(
        "Watch station…", "Notify at N bikes / e-bikes / docks (a)", app.action_watch
    )
    if not in_details:
        yield SystemCommand("Map", "Show or hide the map (M)", app.action_toggle_map)
        yield SystemCommand(
            "Filter by name", "Type to narrow the list (/)", app.action_start_filter
        )
        yield SystemCommand(
            "Clear filter", "Show all names again (Escape)", app.action_clear_filter
        )
        yield SystemCommand(
            "Station details", "Open the highlighted station (Enter)", app.action_details
        )
