"""The fleet as a list looks at it: the rider's question, its rows, its header's facts.

Both front ends ask through a :class:`FleetView`: the app for its screen (with the scene
it prepared off the event loop), the printed commands for their one answer. It turns
the rider's favourites into row keys, so one rule decides what a favourite, a watch
and "favourites only" mean for one system or eight. No Textual, no I/O of its own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING, Protocol

import msgspec

from bikefinder.common.text import clean
from bikefinder.common.units import Units, units_for_country
from bikefinder.fleet.fleet import Fleet
from bikefinder.fleet.live import LiveSystem
from bikefinder.rider.alerts_view import ranked_alerts
from bikefinder.rider.favourites import Favourite, favourites_url
from bikefinder.rider.listing import ListStatus, OtherFavourites, other_favourites
from bikefinder.rider.mode_rows import DEFAULT_LIMIT, DEFAULT_TRIP_LIMIT
from bikefinder.rider.modes import Mode
from bikefinder.rider.ranking import FAR_FROM_POINT_M
from bikefinder.rider.rows import Kind, Row, RowDetails, RowKey
from bikefinder.rider.scene import Query, Scene
from bikefinder.rider.system_index import stations_centre
from bikefinder.rider.system_names import short_names
from bikefinder.rider.text_formats import format_distance
from bikefinder.rider.walking import WALKING_SPEED_KMH
from bikefinder.systems.source import SYSTEM_CENTRE, learned_country

if TYPE_CHECKING:
    # The trip planner is imported by the first trip query, not by every list.
    from bikefinder.rider.trips import Speeds, TripPlan


class SavedFavourites(Protocol):
    """Where favourites come from: the store, or a list read once."""

    def all(self) -> list[Favourite]: ...

    def get(self, gbfs_url: str, station_id: str) -> Favourite | None: ...


class FleetView(msgspec.Struct):
    """A fleet, the scene made of it, and where the rider is."""

    fleet: Fleet
    near: tuple[float, float] | None
    favourites: SavedFavourites
    near_note: str | None = None
    walking_speed_kmh: float = WALKING_SPEED_KMH
    local_tz: tzinfo | None = None
    scene: Scene | None = None
    #: Only these favourites, in this order (a printed favourites view's choice).
    chosen: Sequence[Favourite] | None = None
    #: The rider's units (``--units``, config.toml); ``None``: the lead system's country.
    units_choice: Units | None = None
    #: The place the rider named for the point ("home", "Gare de Lyon"), while the
    #: point is that place (``None``: coordinates, or the point moved).
    near_label: str | None = None
    #: Each system's country as found from where its stations are (by gbfs.json URL).
    _countries: dict[str, str | None] = msgspec.field(default_factory=dict)
    #: The point's country as last looked up: (point, country).
    _point_country: tuple[tuple[float, float], str | None] | None = None
    #: The last :meth:`nearest_m`: (scene, point, distance).
    _nearest: tuple[Scene, tuple[float, float], float | None] | None = None

    @property
    def clock(self) -> Callable[[], datetime]:
        return self.fleet.clock

    @property
    def lead(self) -> LiveSystem:
        """The first system shown with data (else the first shown): the header's."""
        enabled = self.fleet.enabled or self.fleet.systems
        return next((s for s in enabled if s.snapshot is not None), enabled[0])

    @property
    def units(self) -> Units:
        """The units of every distance the list shows: the rider's choice, else those of
        the lead system's country (the catalog's, else where its stations are, else where
        the point is). One list, one unit, whichever systems its rows come from."""
        if self.units_choice is not None:
            return self.units_choice
        return units_for_country(self.country())

    def known_units(self) -> Units:
        """:attr:`units` from what is known now, without looking a country up (the
        gazetteer, ~10 ms the first time): the app's header asks on its event loop,
        between a system's arrival and its scene, whose preparation (on the data thread)
        looks the country up before any distance is shown."""
        if self.units_choice is not None:
            return self.units_choice
        return units_for_country(self.country(look_up=False))

    def country(self, *, look_up: bool = True) -> str | None:
        """The lead system's country code, else the point's (``None``: not known; with
        ``look_up`` false, also when it would have to be looked up)."""
        if self.fleet.enabled or self.fleet.systems:
            lead = self.lead
            if lead.source.country:
                return lead.source.country
            if lead.url not in self._countries and lead.snapshot is not None:
                if not look_up:
                    return None
                self._countries[lead.url] = self._stations_country(lead)
            found = self._countries.get(lead.url)
            if found is not None:
                return found
        if self.near is None:
            return None
        known = self._point_country
        if known is not None and known[0] == self.near:
            return known[1]
        if not look_up:
            return None
        from bikefinder.systems.places import country_at  # the gazetteer, when needed

        found = country_at(*self.near)
        self._point_country = (self.near, found)
        return found

    def _stations_country(self, system: LiveSystem) -> str | None:
        """The country where ``system``'s stations are: as its load remembered it
        (``coverage.json``, when this fleet writes it), else found in the gazetteer from
        their centre."""
        if self.fleet.remembers:
            learned = learned_country(system.url)
            if learned is not None:
                return learned
        from bikefinder.systems.places import country_at

        assert system.snapshot is not None
        centre = stations_centre(system.snapshot.stations)
        return country_at(*centre) if centre is not None else None

    @property
    def has_data(self) -> bool:
        return self.scene is not None and bool(self.scene.indexes)

    @property
    def several(self) -> bool:
        return len(self.fleet.enabled) > 1

    # -- the question and its rows ---------------------------------------------------

    def saved_keys(self) -> tuple[dict[RowKey, str], frozenset[RowKey]]:
        """The favourites of the systems shown as row keys (with their saved names), in
        the rider's order, and the keys with a watch."""
        favourites: dict[RowKey, str] = {}
        watched: set[RowKey] = set()
        by_url: dict[str, str] = {}
        for system in self.fleet.enabled:
            by_url.setdefault(favourites_url(system.url), system.system_id)
        saved = self.chosen if self.chosen is not None else self.favourites.all()
        for favourite in saved:
            system_id = by_url.get(favourites_url(favourite.gbfs_url))
            if system_id is None:
                continue
            key = RowKey(Kind.STATION, system_id, favourite.station_id)
            favourites.setdefault(key, favourite.name or favourite.station_id)
            if favourite.watch is not None:
                watched.add(key)
        return favourites, frozenset(watched)

    def query(
        self,
        mode: Mode = Mode.ANY_BIKE,
        *,
        favourites_only: bool = False,
        name_query: str = "",
        limit: int = DEFAULT_LIMIT,
        minimum: int | None = None,
    ) -> Query:
        favourites, watched = self.saved_keys()
        return Query(self.near, mode, minimum, limit, name_query, favourites_only, favourites,
                     watched, self.units)  # fmt: skip

    def rows(self, query: Query) -> list[Row]:
        """The rows answering ``query`` (none before the first scene)."""
        if self.scene is None:
            return []
        return self.scene.rows(query, now=self.clock(), walking_speed_kmh=self.walking_speed_kmh,
                               trends=self.fleet.trends)  # fmt: skip

    def trips(
        self,
        destination: tuple[float, float],
        mode: Mode = Mode.ANY_BIKE,
        *,
        limit: int = DEFAULT_TRIP_LIMIT,
        speeds: Speeds | None = None,
    ) -> TripPlan:
        """The best trips from the point to ``destination`` on the scene as it stands
        (a query on the data already loaded; none before the first scene)."""
        from bikefinder.rider.trips import Speeds, plan_trips  # here: only trips need it

        assert self.near is not None
        speeds = speeds or Speeds(walking_kmh=self.walking_speed_kmh)
        return plan_trips(self.scene or Scene(), self.near, destination, now=self.clock(),
                          mode=mode, limit=limit, speeds=speeds)  # fmt: skip

    def details(self, key: RowKey, mode: Mode, shown: RowDetails | None = None) -> RowDetails:
        """One row now (``row`` None once it left the feed; a vehicle taken or moved
        keeps what ``shown`` saw, marked gone)."""
        row = None
        if self.scene is not None:
            row = self.scene.row(key, self.query(mode), now=self.clock(),
                                 walking_speed_kmh=self.walking_speed_kmh,
                                 trends=self.fleet.trends)  # fmt: skip
        if row is None and shown is not None and shown.row is not None and not key.is_station:
            return msgspec.structs.replace(shown, gone=True)
        system = self.fleet.by_id(key.system)
        saved = None
        if system is not None and key.is_station:
            saved = self.favourites.get(favourites_url(system.url), key.item_id)
        watch = saved.watch.describe() if saved is not None and saved.watch else None
        snapshot = system.snapshot if system is not None else None
        return RowDetails(key, row, watch, snapshot.system.timezone if snapshot else None,
                          self.several,
                          watch_rule=saved.watch if saved is not None else None)  # fmt: skip

    def other_favourites(self) -> OtherFavourites:
        """Favourites of systems not shown."""
        return other_favourites((s.url for s in self.fleet.systems), self.favourites.all())

    # -- the header's facts ----------------------------------------------------------

    def status(self) -> ListStatus:
        """The systems, the lead system's freshness, what fails, a far point."""
        now, lead, scene = self.clock(), self.lead, self.scene
        alerts = ranked_alerts(scene.active_alerts(now)) if scene else ()
        enabled = self.fleet.enabled
        fresh = lead.freshness(now)
        health, problem = fresh.health, fresh.problem
        failing = self.failing_line() if self.several else None
        if failing is not None:
            health, problem = "error", failing
        far = self.far_m() if problem is None else None
        return ListStatus(
            system_name=" + ".join(s.name for s in enabled) or lead.name,
            near=self.near or (0.0, 0.0),
            freshness=fresh.text,
            health=health,
            problem=problem or self.far_note(far),
            near_note=self.near_note,
            near_label=self.near_label if self.near_note is None else None,
            chosen_by=lead.source.chosen_by,
            chosen_near=lead.source.chosen_near,
            systems=len(enabled),
            station_count=scene.station_count if scene else 0,
            vehicle_count=scene.vehicle_count if scene else 0,
            alert_count=len(alerts),
            alerts=alerts,
            skipped=sum(i.snapshot.report.problems for i in scene.indexes) if scene else 0,
            refresh_s=None if lead.is_demo else lead.schedule.refresh_s,
            listed_systems=tuple(s.scene_system for s in enabled),
            failing=self.failing_keys(),
            fresh=fresh,
            failures=self.failures() if failing is not None else (),
            far_m=far,
            lead_name=self.lead.name,
            units=self.known_units(),
        )

    def failing_keys(self) -> frozenset[str]:
        """The keys of the shown systems whose refresh fails, in a list of several (with
        one system, the header alone says its data is old)."""
        if not self.several:
            return frozenset()
        return frozenset(s.system_id for s in self.fleet.enabled if s.schedule.last_error)

    def failures(self) -> tuple[tuple[str, str | None, str], ...]:
        """Per shown system whose refresh fails: its short name, since when (local
        ``HH:MM:SS``) and the error in brief."""
        found = []
        names = short_names(s.scene_system for s in self.fleet.enabled)
        for system in self.fleet.enabled:
            if system.schedule.last_error is None:
                continue
            since = system.failing_since
            when = f"{since.astimezone(self.local_tz):%H:%M:%S}" if since else None
            brief = system.schedule.last_error_brief or system.schedule.last_error
            name = names.get(system.system_id) or clean(system.name, 40)
            found.append((name, when, clean(brief, 80)))
        return tuple(found)

    def failing_line(self) -> str | None:
        """Which shown systems fail, since when and why, in one line."""
        parts = [
            f"{name} failing{f' since {when}' if when else ''} ({brief})"
            for name, when, brief in self.failures()
        ]
        if not parts:
            return None
        whose = "its rows are" if len(parts) == 1 else "their rows are"
        return "; ".join(parts) + f": {whose} marked STALE"

    def nearest_m(self, scene: Scene | None = None) -> float | None:
        """How far the nearest row of any kind is from the point, in ``scene`` (``None``:
        the scene shown). Remembered for the scene and point: the header asks on every
        redraw, and with tens of thousands of vehicles each answer ranks them all."""
        scene = scene or self.scene
        if scene is None or self.near is None:
            return None
        known = self._nearest
        if known is not None and known[0] is scene and known[1] == self.near:
            return known[2]
        nearest = scene.rows(Query(self.near, limit=1), now=self.clock())
        distance = nearest[0].distance_m if nearest else None
        self._nearest = (scene, self.near, distance)
        return distance

    def move_to_centre_if_far(self) -> None:
        """Measure from the first system's centre when the point is far from all of it
        (a system chosen with ``s`` may be anywhere), and say so."""
        index = self.scene.indexes[0] if self.scene is not None and self.scene.indexes else None
        nearest = self.nearest_m()
        centre = stations_centre(index.snapshot.stations) if index is not None else None
        if nearest is not None and nearest > FAR_FROM_POINT_M and centre is not None:
            self.near, self.near_note = centre, SYSTEM_CENTRE

    def far_m(self) -> float | None:
        """How far the nearest row is when the point is far from every row shown."""
        distance = self.nearest_m()
        return None if distance is None or distance <= FAR_FROM_POINT_M else distance

    def far_note(self, distance: float | None) -> str | None:
        """A warning when the point is far from every row of the systems shown (the
        nearest is ``distance`` away: :meth:`far_m`)."""
        if distance is None:
            return None
        return (
            f"The nearest station is {format_distance(distance, self.units)} away: this point is "
            f"outside {clean(self.lead.name, 40)}. Press s to choose another system."
        )


def names(systems: Iterable[LiveSystem]) -> str:
    """The systems' names, joined for a sentence."""
    return ", ".join(clean(system.name, 60) for system in systems)
