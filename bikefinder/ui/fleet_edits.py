"""Which systems the app shows, changed from the system picker (``s``).

Turning a system on or off, adding one and removing one apply at once: the picker shows
the fleet as it is after each change. At least one system stays on, and the last one is
never removed (a system shown alone is *replaced*, by the app's ``system_picked``). Each
refusal is a sentence the picker shows. Mode, view and filter belong to the list screen
and are never touched here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bikefinder.common.i18n import _
from bikefinder.common.text import clean
from bikefinder.fleet.fleet import Fleet
from bikefinder.fleet.live import LiveSystem
from bikefinder.systems.source import SystemSource


@dataclass(frozen=True, slots=True)
class ShownSystem:
    """One system of the fleet as the picker lists it."""

    url: str
    name: str
    enabled: bool


class FleetEdits:
    """The picker's changes to ``fleet``. ``fetch(system, with_cache)`` starts a system's
    fetch, ``stop(system)`` cancels it, ``changed()`` prepares the scene again."""

    def __init__(
        self,
        fleet: Fleet,
        *,
        fetch: Callable[[LiveSystem, bool], None],
        stop: Callable[[LiveSystem], None],
        changed: Callable[[], None],
    ) -> None:
        self.fleet = fleet
        self._fetch = fetch
        self._stop = stop
        self._changed = changed

    def shown(self) -> list[ShownSystem]:
        """Every system of the fleet, on or off, in list order."""
        return [ShownSystem(s.url, s.name, s.enabled) for s in self.fleet.systems]

    def toggle(self, url: str) -> str | None:
        """Turn the system on or off; why not, if it is the last one on."""
        system = self.fleet.system(url)
        if system is None:
            return None
        if system.enabled and self.fleet.enabled == [system]:
            return _("{system} is the only system on: at least one stays on.").format(
                system=_name(system)
            )
        system.enabled = not system.enabled
        if system.enabled:
            self._fetch(system, False)  # back on: refresh it now
        else:
            self._stop(system)
        self._changed()
        return None

    def remove(self, url: str) -> str | None:
        """Remove the system from the fleet; why not, if it is the last one (on)."""
        system = self.fleet.system(url)
        if system is None:
            return None
        if len(self.fleet.systems) == 1:
            return _(
                "{system} is the only system shown: it cannot be removed "
                "(Enter on a match replaces it)."
            ).format(system=_name(system))
        if self.fleet.enabled == [system]:
            return _("{system} is the only system on: turn another on first.").format(
                system=_name(system)
            )
        self._stop(system)
        self.fleet.remove(url)
        self._changed()
        return None

    def add(self, source: SystemSource) -> bool:
        """Show ``source`` too, fetching it at once (its cached data first); a system
        shown already is turned on. Whether anything changed."""
        known = self.fleet.system(source.gbfs_url)
        if known is not None:
            if known.enabled:
                return False
            self.toggle(known.url)
            return True
        self._fetch(self.fleet.add(source), True)
        self._changed()
        return True


def _name(system: LiveSystem) -> str:
    return clean(system.name, 40) or system.url
