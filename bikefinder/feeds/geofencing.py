"""``geofencing_zones``: where a free-floating ride may end, read as GBFS says.

Only what a trip planner needs is kept: each zone's polygons and its rules' "may a ride
end here" per vehicle type (v3 ``ride_end_allowed``; v2.x ``ride_allowed``, which also
forbids ending), and v3's ``global_rules`` for everywhere outside the zones. The first
zone containing a point that has a rule for the vehicle type decides, as the spec says
for overlapping zones. Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import msgspec

from bikefinder.common.errors import FeedFormatError

#: A ring of (lon, lat) points, as GeoJSON orders them.
Ring = tuple[tuple[float, float], ...]


class EndRule(msgspec.Struct, frozen=True):
    """Whether a ride may end (``None``: the rule does not say) for some vehicle types
    (empty: every type)."""

    vehicle_type_ids: frozenset[str]
    ride_end_allowed: bool | None

    def applies_to(self, vehicle_type_id: str | None) -> bool:
        return not self.vehicle_type_ids or vehicle_type_id in self.vehicle_type_ids


class Zone(msgspec.Struct, frozen=True):
    """One zone: polygons (outer ring, then holes) with their bounding box, and rules."""

    polygons: tuple[tuple[Ring, ...], ...]
    bbox: tuple[float, float, float, float]  # min lon, min lat, max lon, max lat
    rules: tuple[EndRule, ...]

    def contains(self, lat: float, lon: float) -> bool:
        west, south, east, north = self.bbox
        if not (west <= lon <= east and south <= lat <= north):
            return False
        for rings in self.polygons:
            inside = bool(rings) and _inside(rings[0], lon, lat)
            if inside and not any(_inside(hole, lon, lat) for hole in rings[1:]):
                return True
        return False


class Geofencing(msgspec.Struct, frozen=True):
    """The zones in feed order and the global rules (v3)."""

    zones: tuple[Zone, ...] = ()
    global_rules: tuple[EndRule, ...] = ()

    def ride_end_allowed(self, lat: float, lon: float, vehicle_type_id: str | None) -> bool:
        """Whether a ride on a vehicle of this type may end at (lat, lon); allowed where
        no zone and no global rule says otherwise."""
        for zone in self.zones:
            if not zone.contains(lat, lon):
                continue
            rule = next((r for r in zone.rules if r.applies_to(vehicle_type_id)), None)
            if rule is not None and rule.ride_end_allowed is not None:
                return rule.ride_end_allowed
        rule = next((r for r in self.global_rules if r.applies_to(vehicle_type_id)), None)
        if rule is not None and rule.ride_end_allowed is not None:
            return rule.ride_end_allowed
        return True


def parse_geofencing_zones(doc: Any, url: str) -> Geofencing:
    """The zones of a ``geofencing_zones`` document; a feature that cannot be read is
    skipped, a document without ``data.geofencing_zones`` is a format error."""
    data = doc.get("data") if isinstance(doc, Mapping) else None
    collection = data.get("geofencing_zones") if isinstance(data, Mapping) else None
    if not isinstance(collection, Mapping):
        raise FeedFormatError("geofencing_zones", f"no data.geofencing_zones ({url})")
    features = collection.get("features")
    zones: list[Zone] = []
    for feature in features if isinstance(features, list) else ():
        zone = _zone(feature)
        if zone is not None:
            zones.append(zone)
    global_rules = data.get("global_rules") if isinstance(data, Mapping) else None
    return Geofencing(tuple(zones), _rules(global_rules))


def _zone(feature: Any) -> Zone | None:
    if not isinstance(feature, Mapping):
        return None
    geometry = feature.get("geometry")
    properties = feature.get("properties")
    if not isinstance(geometry, Mapping) or not isinstance(properties, Mapping):
        return None
    coordinates = geometry.get("coordinates")
    if geometry.get("type") == "Polygon":
        coordinates = [coordinates]
    elif geometry.get("type") != "MultiPolygon":
        return None
    polygons: list[tuple[Ring, ...]] = []
    for polygon in coordinates if isinstance(coordinates, list) else ():
        rings = tuple(ring for ring in map(_ring, polygon if isinstance(polygon, list) else ()))
        if rings and all(len(ring) >= 3 for ring in rings):
            polygons.append(rings)
    if not polygons:
        return None
    points = [point for rings in polygons for point in rings[0]]
    lons = [lon for lon, _ in points]
    lats = [lat for _, lat in points]
    bbox = (min(lons), min(lats), max(lons), max(lats))
    return Zone(tuple(polygons), bbox, _rules(properties.get("rules")))


def _ring(values: Any) -> Ring:
    points: list[tuple[float, float]] = []
    for value in values if isinstance(values, list) else ():
        if (
            isinstance(value, list)
            and len(value) >= 2
            and all(isinstance(n, int | float) and not isinstance(n, bool) for n in value[:2])
        ):
            points.append((float(value[0]), float(value[1])))
        else:
            return ()
    return tuple(points)


def _rules(values: Any) -> tuple[EndRule, ...]:
    rules: list[EndRule] = []
    for value in values if isinstance(values, list) else ():
        if not isinstance(value, Mapping):
            continue
        ids = value.get("vehicle_type_ids", value.get("vehicle_type_id"))
        type_ids = frozenset(str(i) for i in ids) if isinstance(ids, list) else frozenset()
        allowed = value.get("ride_end_allowed", value.get("ride_allowed"))
        rules.append(EndRule(type_ids, allowed if isinstance(allowed, bool) else None))
    return tuple(rules)


def _inside(ring: Sequence[tuple[float, float]], x: float, y: float) -> bool:
    """Ray casting: whether (x, y) is inside ``ring`` (even-odd rule)."""
    inside = False
    x1, y1 = ring[-1]
    for x2, y2 in ring:
        if (y1 > y) != (y2 > y) and x < (x2 - x1) * (y - y1) / (y2 - y1) + x1:
            inside = not inside
        x1, y1 = x2, y2
    return inside
