"""The command palette's entries (Ctrl+P): every action of the list, with its key."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from textual.app import SystemCommand

from bikefinder.common.i18n import _
from bikefinder.rider.modes import Mode
from bikefinder.ui.screens.details import DetailsScreen
from bikefinder.ui.screens.stations import StationsScreen
from bikefinder.ui.words import mode_label


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
    yield SystemCommand(_("Refresh now"), _("Fetch the latest availability (r)"), refresh)
    if details is None:
        yield SystemCommand(
            _("Choose system…"), _("Search all known bike-share systems (s)"), choose_system
        )
    if details is None and trip is not None:
        yield SystemCommand(_("Trip to…"), _("The best trips to a place, walk-ride-walk (t)"), trip)
    yield SystemCommand(
        _("Cycle mode"), _("Any bike → e-bike → free dock (m)"), stations.action_cycle_mode
    )
    for mode in Mode:

        def look_for(mode: Mode = mode) -> None:
            stations.mode = mode

        yield SystemCommand(
            _("Look for: {mode}").format(mode=mode_label(mode)),
            _("Rank stations by {mode} availability").format(mode=mode_label(mode)),
            look_for,
        )
    yield SystemCommand(
        _("Toggle favourite"),
        _("Add or remove the highlighted station (f)"),
        station.action_toggle_favourite,
    )
    yield SystemCommand(
        _("Favourites / all stations"), _("Switch the list (v)"), stations.action_toggle_view
    )
    yield SystemCommand(_("Watch station…"), _("Notify at N bikes / e-bikes / docks (a)"),
                        station.action_watch)  # fmt: skip
    yield SystemCommand(
        _("Alerts"),
        _("Every active alert in full, most important first (!)"),
        stations.action_alerts,
    )
    if details is None:
        yield SystemCommand(_("Map"), _("Show or hide the map (M)"), stations.action_toggle_map)
        yield SystemCommand(
            _("Filter by name"), _("Type to narrow the list (/)"), stations.action_start_filter
        )
        yield SystemCommand(
            _("Clear filter"), _("Show all names again (Escape)"), stations.action_clear_filter
        )
        yield SystemCommand(
            _("Station details"), _("Open the highlighted station (Enter)"), stations.action_details
        )
