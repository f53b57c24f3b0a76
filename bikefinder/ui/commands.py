"""The command palette's entries (Ctrl+P): every action of the list, with its key."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from textual.app import SystemCommand

from bikefinder.rider.modes import Mode
from bikefinder.ui.screens.details import DetailsScreen
from bikefinder.ui.screens.stations import StationsScreen


def palette_commands(
    stations: StationsScreen,
    details: DetailsScreen | None,
    *,
    refresh: Callable[[], object],
    choose_system: Callable[[], object],
    trip: Callable[[], object] | None = None,
) -> Iterator[SystemCommand]:
    """The list's commands (``stations``), and the app's ``refresh`` and
    ``choose_system``; on the ``details`` screen (if open), the list-only ones are left
    out and a favourite or watch is about its station."""
    station = details or stations
    yield SystemCommand("Refresh now", "Fetch the latest availability (r)", refresh)
    if details is None:
        yield SystemCommand(
            "Choose system…", "Search all known bike-share systems (s)", choose_system
        )
    if details is None and trip is not None:
        yield SystemCommand("Trip to…", "The best trips to a place, walk-ride-walk (t)", trip)
    yield SystemCommand(
        "Cycle mode", "Any bike → e-bike → free dock (m)", stations.action_cycle_mode
    )
    for mode in Mode:

        def look_for(mode: Mode = mode) -> None:
            stations.mode = mode

        yield SystemCommand(
            f"Look for: {mode.label}", f"Rank stations by {mode.label} availability", look_for
        )
    yield SystemCommand(
        "Toggle favourite",
        "Add or remove the highlighted station (f)",
        station.action_toggle_favourite,
    )
    yield SystemCommand(
        "Favourites / all stations", "Switch the list (v)", stations.action_toggle_view
    )
    yield SystemCommand("Watch station…", "Notify at N bikes / e-bikes / docks (a)",
                        station.action_watch)  # fmt: skip
    yield SystemCommand(
        "Alerts", "Every active alert in full, most important first (!)", stations.action_alerts
    )
    if details is None:
        yield SystemCommand("Map", "Show or hide the map (M)", stations.action_toggle_map)
        yield SystemCommand(
            "Filter by name", "Type to narrow the list (/)", stations.action_start_filter
        )
        yield SystemCommand(
            "Clear filter", "Show all names again (Escape)", stations.action_clear_filter
        )
        yield SystemCommand(
            "Station details", "Open the highlighted station (Enter)", stations.action_details
        )
