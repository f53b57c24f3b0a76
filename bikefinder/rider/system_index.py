"""One system's snapshot ready for repeated listing, and the nearest-first streams a
scene merges: the indexes are built once per snapshot (off the UI thread if need be),
and a stream orders only as many positions as a list takes."""

from __future__ import annotations

import heapq
import math
from collections.abc import Iterator, Sequence
from itertools import islice
from operator import attrgetter
from typing import Any

from bikefinder.common.text import fold
from bikefinder.feeds import vehicles
from bikefinder.feeds.models import Station, StationStatus
from bikefinder.feeds.snapshot import Snapshot
from bikefinder.rider.modes import Mode
from bikefinder.rider.ranking import coordinates_for
from bikefinder.rider.rows import SceneSystem

#: A ``station_area`` wider than this (its box's diagonal) is no place to walk to: a
#: city-wide pseudo-station, not a stand.
MAX_AREA_SPAN_M = 1_000.0
#: A name filter on more positions than this tests the nearest ones first, one by one
#: (a common word fills the list among them); below it, scanning every name is cheaper.
NEAREST_FIRST_FROM = 20_000
#: How many of the nearest positions are tested before every name is scanned.
NEAREST_TESTED = 2_048


class SystemIndex:
    """One snapshot ready for repeated listing: its stations and offered vehicles, the
    previous snapshot's statuses (for what changed) and look-ups built when first asked.

    Not every station is a place to walk to: parking zones (virtual stations with room
    for no vehicle, or none seen since the app started) and areas wider than a city
    block are :attr:`hidden` from the lists (counted in :attr:`zones` and
    :attr:`areas`). A system whose ``vehicle_types`` describe no bicycle lists nothing
    in a bike view (:attr:`no_bicycles`); its vehicles are listed with ``all``.
    Vehicles of one type at one spot are one row (:meth:`spot`)."""

    __slots__ = (
        "_by_id",
        "_coords",
        "_distances",
        "_folded",
        "_matches",
        "_mode_vehicles",
        "_spots",
        "areas",
        "changed",
        "has_bicycles",
        "held",
        "hidden",
        "no_bicycles",
        "offered_count",
        "others_what",
        "previous",
        "selection",
        "snapshot",
        "station_coords",
        "system",
        "zones",
    )

    def __init__(
        self,
        system: SceneSystem,
        snapshot: Snapshot,
        selection: vehicles.VehicleSelection = vehicles.VehicleSelection.BIKES,
        previous: Snapshot | None = None,
        previous_index: SystemIndex | None = None,
    ) -> None:
        """``previous``: the system's snapshot before this one (what changed);
        ``previous_index``: its index, whose station names folded for the filter are
        reused when the stations' descriptions are the very same objects."""
        self.system = system
        self.snapshot = snapshot
        self.selection = selection
        infos = [station.info for station in snapshot.stations]
        self.station_coords = coordinates_for([i.lat for i in infos], [i.lon for i in infos])
        types = snapshot.vehicle_types
        #: Whether the system has bicycles (``None``: its vehicle types do not say).
        self.has_bicycles = vehicles.has_bicycles(types)
        #: A bike view lists nothing of a system that has no bicycle.
        self.no_bicycles = self.has_bicycles is False
        listed = not self.no_bicycles or selection is vehicles.VehicleSelection.ALL
        #: What the system's vehicles other than bicycles are ("car" for a car share).
        self.others_what = vehicles.others_what(types)
        offered = vehicles.offered(snapshot.vehicles, selection) if listed else ()
        #: The vehicles offered, before those at one spot are gathered into one row.
        self.offered_count = len(offered)
        offered, self._spots = vehicles.group_at_spots(offered)
        electric = tuple(v for v in offered if v.electric is True)
        self._mode_vehicles = {False: offered, True: electric}
        #: Ids of virtual stations seen holding a vehicle (since the first snapshot).
        self.held: set[str] = set(previous_index.held) if previous_index is not None else set()
        self.hidden, self.zones, self.areas = _hidden(snapshot.stations, self.held, listed)
        self._coords: dict[bool, Any] = {}
        self._distances: dict[tuple[int, bool], tuple[tuple[float, float], Any]] = {}
        self._folded: dict[tuple[int, bool], list[str]] = {}
        #: Per source, the last name search (its words) and its matches, to narrow from.
        self._matches: dict[tuple[int, bool], tuple[tuple[str, ...], list[int]]] = {}
        self._by_id: dict[str, int] | None = None
        if previous_index is not None and (0, False) in previous_index._folded:
            before = previous_index.snapshot.stations
            now = snapshot.stations
            if len(before) == len(now) and all(
                a.info is b.info for a, b in zip(before, now, strict=True)
            ):
                self._folded[(0, False)] = previous_index._folded[(0, False)]
        #: The previous snapshot's statuses by station id (``{}``: no previous data).
        self.previous: dict[str, StationStatus | None] = {}
        #: How many stations' counts or flags changed since it (``None``: no previous).
        self.changed: int | None = None
        if previous is not None and previous.stations is not snapshot.stations:
            self.previous = {s.station_id: s.status for s in previous.stations}
            seen_before = self.previous
            self.changed = sum(
                1
                for s in snapshot.stations
                if _seen(seen_before.get(s.station_id)) != _seen(s.status)
            )
        elif previous is not None:
            self.changed = 0

    def spot(self, vehicle: vehicles.Vehicle) -> tuple[vehicles.Vehicle, ...]:
        """The vehicles at ``vehicle``'s spot, it first (just it when alone)."""
        return self._spots.get(vehicle.vehicle_id, (vehicle,))

    def station_what(self, status: StationStatus | None) -> str:
        """What a station offers: bikes, unless its system has none or it holds only
        other vehicles (then what those are)."""
        if self.no_bicycles:
            return self.others_what
        if status is not None and status.bikes == 0 and (status.others or 0) > 0:
            return self.others_what
        return vehicles.WHAT_BIKE

    def vehicles_for(self, mode: Mode) -> tuple[vehicles.Vehicle, ...]:
        """The vehicles listed in ``mode`` (none in free-dock mode)."""
        if mode is Mode.DOCK:
            return ()
        return self._mode_vehicles[mode is Mode.EBIKE]

    def station_position(self, station_id: str) -> int | None:
        if self._by_id is None:
            self._by_id = {s.station_id: i for i, s in enumerate(self.snapshot.stations)}
        return self._by_id.get(station_id)

    def station(self, station_id: str) -> Station | None:
        position = self.station_position(station_id)
        return None if position is None else self.snapshot.stations[position]

    def distances(self, source: int, electric_only: bool, near: tuple[float, float]) -> Any:
        """Distances in metres from ``near`` to every station (``source`` 0) or listed
        vehicle (1), remembered for the last point asked (keys and filters reuse it)."""
        key = _source_key(source, electric_only)
        known = self._distances.get(key)
        if known is not None and known[0] == near:
            return known[1]
        phi, lam = math.radians(near[0]), math.radians(near[1])
        coords = self.station_coords if source == 0 else self._vehicle_coords(electric_only)
        distances = coords.distances_m(phi, lam)
        self._distances[key] = (near, distances)
        return distances

    def distances_uncached(
        self, source: int, electric_only: bool, point: tuple[float, float]
    ) -> Any:
        """Like :meth:`distances`, without replacing what the list remembered (a trip
        measures from two points of its own)."""
        phi, lam = math.radians(point[0]), math.radians(point[1])
        coords = self.station_coords if source == 0 else self._vehicle_coords(electric_only)
        return coords.distances_m(phi, lam)

    def _vehicle_coords(self, electric_only: bool) -> Any:
        coords = self._coords.get(electric_only)
        if coords is None:
            chosen = self._mode_vehicles[electric_only]
            lats = [v.lat for v in chosen]
            lons = [v.lon for v in chosen]
            coords = self._coords[electric_only] = coordinates_for(lats, lons)  # type: ignore[arg-type]
        return coords

    def matching(self, source: int, electric_only: bool, words: Sequence[str],
                 also: str = "") -> list[int]:  # fmt: skip
        """Positions (feed order) whose folded name (or ``also``, the system's folded
        name) holds every word; a query that only adds letters or words to the last one
        searches the last one's matches, so typing costs less with each keystroke."""
        key = _source_key(source, electric_only)
        names = self.folded_names(source, electric_only)
        last = self._matches.get(key)
        candidates: Sequence[int] = range(len(names))
        if last is not None and _narrows(last[0], words):
            candidates = last[1]
        for word in words:
            if word in also:
                continue
            candidates = [i for i in candidates if word in names[i]]
        found = list(candidates)
        self._matches[key] = (tuple(words), found)
        return found

    def nearest_matching(
        self,
        source: int,
        electric_only: bool,
        words: Sequence[str],
        also: str,
        near: tuple[float, float],
        number: int,
    ) -> Iterator[tuple[float, int, int, int]]:
        """:func:`stream` of the positions :meth:`matching` gives, nearest first, made
        lazily: on a large system, a query that does not narrow the last scan tests the
        nearest :data:`NEAREST_TESTED` positions' names first, and scans every name only
        if the list asks for more (a first letter then costs a few hundred tests, not a
        scan of every name and an index of nearly every position)."""
        distances = self.distances(source, electric_only, near)
        key = _source_key(source, electric_only)
        names = self.folded_names(source, electric_only)
        last = self._matches.get(key)
        if len(names) > NEAREST_FIRST_FROM and (last is None or not _narrows(last[0], words)):
            tested = [word for word in words if word not in also]
            boundary: tuple[float, int] | None = None
            for item in islice(stream(distances, number, source, None), NEAREST_TESTED):
                boundary = (item[0], item[3])
                if all(word in names[item[3]] for word in tested):
                    yield item
            if boundary is None:
                return
            found = self.matching(source, electric_only, words, also)
            for item in stream(distances, number, source, found):
                if (item[0], item[3]) > boundary:  # the same order: past those tested
                    yield item
            return
        found = self.matching(source, electric_only, words, also)
        yield from stream(distances, number, source, found)

    def folded_names(self, source: int, electric_only: bool) -> list[str]:
        """Names folded for matching ("Hôtel" -> "hotel"): stations', or the listed
        vehicles' labels; built on the first filter (or kept from the previous index)."""
        key = _source_key(source, electric_only)
        names = self._folded.get(key)
        if names is None:
            if source == 0:
                names = [fold(station.info.name) for station in self.snapshot.stations]
            else:
                labels: dict[tuple[Any, Any], str] = {}
                names = []
                for vehicle in self._mode_vehicles[electric_only]:
                    kind = (vehicle.form, vehicle.electric)
                    if kind not in labels:
                        labels[kind] = fold(vehicles.vehicle_label(vehicle.form, vehicle.electric))
                    names.append(labels[kind])
            self._folded[key] = names
        return names


def _hidden(
    stations: Sequence[Station], held: set[str], listed: bool
) -> tuple[frozenset[int], int, int]:
    """The positions of the stations no list shows, how many of them are parking zones
    and how many areas too wide to walk to (every station when ``listed`` is false: a
    system without bicycles in a bike view). ``held`` learns the virtual stations seen
    with a vehicle."""
    if not listed:
        return frozenset(range(len(stations))), 0, 0
    hidden: list[int] = []
    zones = areas = 0
    for position, station in enumerate(stations):
        info = station.info
        if not info.is_virtual and info.area_span_m is None:
            continue  # nearly every station of a dock system: one test each
        if info.area_span_m is not None and info.area_span_m > MAX_AREA_SPAN_M:
            hidden.append(position)
            areas += 1
            continue
        if not info.is_virtual:
            continue
        status = station.status
        if status is not None and (status.bikes or 0) + (status.others or 0) > 0:
            held.add(info.station_id)  # holds a vehicle now: listed, whatever its room
        elif info.capacity == 0 or (info.capacity is None and info.station_id not in held):
            hidden.append(position)
            zones += 1
    return frozenset(hidden), zones, areas


def _narrows(before: Sequence[str], words: Sequence[str]) -> bool:
    """Whether every match of ``words`` is a match of ``before``: each earlier word is
    part of some new word ("ri" -> "riv", "riv" -> "riv mo")."""
    return all(any(old in new for new in words) for old in before)


def _seen(status: StationStatus | None) -> tuple[object, ...] | None:
    """What a rider sees change in a status: the counts and the flags (not report times)."""
    if status is None:
        return None
    return (status.bikes, status.mechanical, status.electric, status.docks,
            status.is_installed, status.is_renting, status.is_returning)  # fmt: skip


def _source_key(source: int, electric_only: bool) -> tuple[int, bool]:
    """What a source's distances, folded names and matches are kept under: stations
    (source 0) are the same whatever the mode, listed vehicles (1) differ in e-bike mode."""
    return (source, electric_only and source == 1)


def stream(
    distances: Any, number: int, source: int, within: list[int] | None
) -> Iterator[tuple[float, int, int, int]]:
    """(distance, system number, source, position), nearest first (ties in feed order),
    ordering only as many as are taken: the k smallest, then 4k, 16k, ... ``within``:
    only these positions (a name filter's matches)."""
    if within is not None:
        if not within:
            return
        is_array = not isinstance(distances, list)
        if is_array:
            import numpy as np

            chosen = np.asarray(within)
            for distance, _, _, at in stream(distances[chosen], number, source, None):
                yield distance, number, source, int(chosen[at])
            return
        picked = [distances[position] for position in within]
        for distance, _, _, at in stream(picked, number, source, None):
            yield distance, number, source, within[at]
        return
    count = len(distances)
    done = 0
    wanted = min(count, 16)
    is_array = not isinstance(distances, list)
    while done < count:
        order = _smallest(distances, wanted, is_array)
        for position in order[done:]:
            yield float(distances[position]), number, source, position
        done = len(order)
        wanted = min(count, wanted * 4)


def _smallest(distances: Any, wanted: int, is_array: bool) -> list[int]:
    """The positions of the ``wanted`` smallest distances, in order (ties by position)."""
    count = len(distances)
    if not is_array:
        if wanted >= count:
            return sorted(range(count), key=distances.__getitem__)
        return heapq.nsmallest(wanted, range(count), key=distances.__getitem__)
    import numpy as np

    if wanted < count:
        chosen = np.argpartition(distances, wanted - 1)[:wanted]
        cutoff = distances[chosen].max()
        chosen = np.nonzero(distances <= cutoff)[0]  # every tie at the cut, by position
    else:
        chosen = np.arange(count)
    order = chosen[np.lexsort((chosen, distances[chosen]))][:wanted]
    return [int(position) for position in order]


def stations_centre(stations: Sequence[Station]) -> tuple[float, float] | None:
    """The median latitude and longitude of ``stations`` (``None`` if there are none)."""
    if not stations:
        return None
    lats = sorted(map(attrgetter("info.lat"), stations))  # read in C: 100,000 in ~5 ms
    lons = sorted(map(attrgetter("info.lon"), stations))
    return lats[len(lats) // 2], lons[len(lons) // 2]
