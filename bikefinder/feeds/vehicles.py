"""Vehicles outside stations: ``free_bike_status`` (GBFS 1.x/2.x, ``data.bikes``) and
``vehicle_status`` (3.0, ``data.vehicles``), with what ``vehicle_types`` says of them.

Pure parsing and rider rules, no I/O:

* What a vehicle is comes only from ``vehicle_types``. A v1/v2 feed of a system that
  publishes no ``vehicle_types`` lists bicycles (the spec says so); anything else whose
  type is not described is :attr:`VehicleForm.UNKNOWN`, never guessed.
* A vehicle id is kept exactly, but is never an identity: GBFS requires operators to
  rotate it after every trip, so nothing may be keyed on it across refreshes.
* A vehicle may have no location (privacy, or parked at a station): such records are
  kept and counted, and :attr:`Vehicle.placeable` says whether one can be put on a map.
* Reserved or disabled vehicles are not offered (:func:`is_offered`); vehicles parked
  at a known station belong to that station's count, not to the list
  (:func:`split_docked`).

Records are decoded with msgspec's typed structs (:mod:`vehicle_wire`) where they fit and
by the lenient rules of :mod:`bikefinder.feeds.values` where they do not; both paths apply
the same value rules, so the result is the same either way. One bad record is rejected
and counted; a document that is not a vehicle feed raises :class:`FeedFormatError`.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any

from bikefinder.common.errors import FeedFormatError, UsageError
from bikefinder.feeds import gbfs, typed_decoding, vehicle_wire
from bikefinder.feeds.models import FeedMeta
from bikefinder.feeds.values import (
    as_bool,
    as_float,
    as_id,
    as_id_list,
    as_latitude,
    as_longitude,
    as_text,
    as_timestamp,
)

#: Below this range an electric vehicle is marked low (a rider wants a ride, not a walk).
LOW_RANGE_M = 2_000.0
#: No vehicle goes 10,000 km on a charge or a tank: a bigger range is junk, unknown.
MAX_RANGE_M = 10_000_000.0


class VehicleForm(Enum):
    """What a vehicle is to a rider (GBFS ``form_factor``, grouped)."""

    BICYCLE = "bicycle"
    CARGO_BICYCLE = "cargo_bicycle"
    SCOOTER = "scooter"  # scooter (v2.1/2.2), scooter_standing, scooter_seated
    MOPED = "moped"
    CAR = "car"
    OTHER = "other"  # the feed says "other"
    UNKNOWN = "unknown"  # the feed does not say, or says something not in the spec


_FORMS = {
    "bicycle": VehicleForm.BICYCLE,
    "cargo_bicycle": VehicleForm.CARGO_BICYCLE,
    "scooter": VehicleForm.SCOOTER,
    "scooter_standing": VehicleForm.SCOOTER,
    "scooter_seated": VehicleForm.SCOOTER,
    "moped": VehicleForm.MOPED,
    "car": VehicleForm.CAR,
    "other": VehicleForm.OTHER,
}
#: Propulsion types driven by an electric motor (what a rider calls "electric").
_ELECTRIC = frozenset({"electric_assist", "electric", "hydrogen_fuel_cell"})
_NOT_ELECTRIC = frozenset({"human", "combustion", "combustion_diesel", "hybrid", "plug_in_hybrid"})
BIKE_FORMS = frozenset({VehicleForm.BICYCLE, VehicleForm.CARGO_BICYCLE})


class VehicleSelection(Enum):
    """``--vehicles none|bikes|all``: which vehicles a rider wants listed."""

    NONE = "none"
    BIKES = "bikes"  # bicycles and cargo bicycles (the default)
    ALL = "all"  # every form, including other and unknown ones

    def includes(self, form: VehicleForm) -> bool:
        """Whether a vehicle of ``form`` is listed. An unknown form is never shown as a
        bike: it is listed only with ``all``."""
        if self is VehicleSelection.ALL:
            return True
        return self is VehicleSelection.BIKES and form in BIKE_FORMS


def parse_vehicle_selection(text: str) -> VehicleSelection:
    """The selection a flag or config value names (case and spaces ignored)."""
    wanted = text.strip().lower() if isinstance(text, str) else ""
    for selection in VehicleSelection:
        if selection.value == wanted:
            return selection
    choices = ", ".join(selection.value for selection in VehicleSelection)
    raise UsageError(f"--vehicles: expected one of {choices}, got {str(text)[:40]!r}")


@dataclass(frozen=True, slots=True)
class VehicleType:
    """One ``vehicle_types`` record: what its vehicles are, how far they go, what they cost."""

    vehicle_type_id: str
    form: VehicleForm
    form_factor: str | None  # as the feed spells it, lower case
    propulsion: str | None  # as the feed spells it, lower case
    electric: bool | None
    max_range_meters: float | None = None
    name: str | None = None
    default_pricing_plan_id: str | None = None
    pricing_plan_ids: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Vehicle:
    """One vehicle not in a rental; ``None`` means the feed did not say (or said junk)."""

    vehicle_id: str  # exact, but rotated by the operator after each trip: not an identity
    lat: float | None
    lon: float | None
    vehicle_type_id: str | None
    form: VehicleForm
    propulsion: str | None
    electric: bool | None
    current_range_meters: float | None = None
    current_fuel_percent: float | None = None  # 0.0 to 1.0
    is_reserved: bool | None = None
    is_disabled: bool | None = None
    station_id: str | None = None
    home_station_id: str | None = None
    pricing_plan_id: str | None = None
    last_reported: datetime | None = None
    available_until: datetime | None = None
    rental_urls: tuple[str, ...] = ()

    @property
    def placeable(self) -> bool:
        """Whether the vehicle has a location of its own."""
        return self.lat is not None and self.lon is not None


@dataclass(frozen=True, slots=True)
class VehicleFeed:
    """A parsed vehicle feed: usable vehicles, and how many records were rejected."""

    meta: FeedMeta
    vehicles: tuple[Vehicle, ...]
    rejected: int = 0

    @property
    def unplaceable(self) -> int:
        """Vehicles with neither a location nor a station: counted, never placed."""
        return sum(1 for v in self.vehicles if not v.placeable and v.station_id is None)


@dataclass(frozen=True, slots=True)
class DockedSplit:
    """Vehicles split the way a list shows them (see :func:`split_docked`)."""

    free_floating: tuple[Vehicle, ...]
    docked: Mapping[str, tuple[Vehicle, ...]]  # station_id -> vehicles parked there
    unplaceable: int = 0

    def docked_count(self, station_id: str) -> int:
        return len(self.docked.get(station_id, ()))


# --------------------------------------------------------------------------- vehicle_types


def parse_vehicle_type_details(doc: Any, language: str | None = None) -> dict[str, VehicleType]:
    """``vehicle_types`` with the details a rider sees (form, propulsion, range, name,
    pricing plans); records without an id are skipped, the first of a duplicated id wins.

    (:func:`bikefinder.feeds.gbfs.parse_vehicle_types` gives only the mechanical/electric
    split that station counts need.)
    """
    data = _document(doc, "vehicle_types")
    records = data.get("vehicle_types")
    if not isinstance(records, list):
        raise FeedFormatError("vehicle_types", "'vehicle_types' is not a list")
    types: dict[str, VehicleType] = {}
    for record in records:
        vehicle_type = _vehicle_type(record, language)
        if vehicle_type is not None:
            types.setdefault(vehicle_type.vehicle_type_id, vehicle_type)
    return types


def _vehicle_type(record: Any, language: str | None) -> VehicleType | None:
    if not isinstance(record, Mapping):
        return None
    type_id = as_id(record.get("vehicle_type_id"))
    if type_id is None:
        return None
    form_factor = _enum(record.get("form_factor"))
    propulsion = _enum(record.get("propulsion_type"))
    name = as_text(record.get("name"), language)
    plan_ids = record.get("pricing_plan_ids")
    return VehicleType(
        vehicle_type_id=type_id,
        form=_FORMS.get(form_factor or "", VehicleForm.UNKNOWN),
        form_factor=form_factor,
        propulsion=propulsion,
        electric=_is_electric(propulsion),
        max_range_meters=_range(record.get("max_range_meters")),
        name=name.strip() or None if name else None,
        default_pricing_plan_id=as_id(record.get("default_pricing_plan_id")),
        pricing_plan_ids=as_id_list(plan_ids),
    )


def _enum(value: Any) -> str | None:
    """An enum value as the feed spells it, lower case (v1/v2 feeds send ``BICYCLE`` too)."""
    if not isinstance(value, str):
        return None
    text = value.strip().lower()
    return text if text and text.isascii() and text.replace("_", "").isalnum() else None


def _is_electric(propulsion: str | None) -> bool | None:
    if propulsion in _ELECTRIC:
        return True
    if propulsion in _NOT_ELECTRIC:
        return False
    return None


# --------------------------------------------------------------------------- vehicle feeds


class _Context:
    """What every record of one feed is judged with, and the answers for values that
    repeat from record to record (type, station and plan ids), worked out once."""

    def __init__(self, types: Mapping[str, VehicleType] | None, v3: bool) -> None:
        self.types = types
        self.v3 = v3  # data.vehicles (3.0) rather than data.bikes (1.x/2.x)
        self._ids: dict[int | str, str | None] = {}
        self._kinds: dict[str | None, tuple[VehicleForm, str | None, bool | None]] = {}

    def shared_id(self, value: int | str | None) -> str | None:
        if value is None:
            return None
        try:
            return self._ids[value]
        except KeyError:
            result = self._ids[value] = _wire_id(value)
            return result

    def kind(self, vehicle_type_id: str | None) -> tuple[VehicleForm, str | None, bool | None]:
        try:
            return self._kinds[vehicle_type_id]
        except KeyError:
            result = self._kinds[vehicle_type_id] = _kind(vehicle_type_id, self)
            return result


def parse_vehicle_status(
    doc: Any,
    url: str,
    types: Mapping[str, VehicleType] | None = None,
    feed: str = "vehicle_status",
) -> VehicleFeed:
    """A decoded ``vehicle_status`` or ``free_bike_status`` document, the lenient way.

    ``types`` is :func:`parse_vehicle_type_details`' result, or ``None`` when the system
    publishes no ``vehicle_types`` (then v1/v2 records are bicycles). Pass ``{}`` when
    the feed is published but could not be read: vehicles are then of unknown form.
    ``feed`` names the feed in errors.
    """
    meta = gbfs.parse_meta(doc, feed, url)
    records, v3 = _records(doc["data"], feed)
    context = _Context(types, v3)
    return _vehicle_feed(meta, feed, [_vehicle(record, context) for record in records])


def decode_vehicle_status(
    body: bytes,
    url: str,
    types: Mapping[str, VehicleType] | None = None,
    feed: str = "vehicle_status",
) -> VehicleFeed:
    """A raw body: typed decoding where records fit :mod:`vehicle_wire`'s shapes, the
    lenient rules for those that do not (the same result as :func:`parse_vehicle_status`
    on the decoded document, faster). A value nested too deep for any decoder is
    unknown (see :func:`typed_decoding.shallow`); its record is kept."""
    try:
        return _decode_vehicle_status(body, url, types, feed)
    except RecursionError:
        return _decode_vehicle_status(typed_decoding.shallow(body), url, types, feed)


def _decode_vehicle_status(
    body: bytes, url: str, types: Mapping[str, VehicleType] | None, feed: str
) -> VehicleFeed:
    if not typed_decoding.is_utf8(body):
        return parse_vehicle_status(gbfs.decode_document(body, feed), url, types, feed)
    if len(body) <= typed_decoding.WHOLE_DECODE_MAX_BYTES:
        try:
            doc = vehicle_wire.VEHICLE_DOCUMENT.decode(body)
        except vehicle_wire.MISFIT:
            pass
        else:
            meta = _wire_meta(doc, feed, url)
            records, v3 = _wire_records(doc.data, feed)
            context = _Context(types, v3)
            return _vehicle_feed(meta, feed, [_wire_vehicle(r, context) for r in records])
    try:
        raw_doc = vehicle_wire.RAW_VEHICLES.decode(body)
    except vehicle_wire.MISFIT:
        return parse_vehicle_status(gbfs.decode_document(body, feed), url, types, feed)
    meta = _wire_meta(raw_doc, feed, url)
    raws, v3 = _wire_records(raw_doc.data, feed)
    context = _Context(types, v3)
    # Record batches, as for stations: no single decode holds the GIL long (the app
    # parses on a thread while its event loop must keep running).
    vehicles = typed_decoding.decode_in_batches(
        raws,
        vehicle_wire.VEHICLE_RECORDS,
        vehicle_wire.VEHICLE_RECORD,
        _wire_vehicle,
        _vehicle,
        context,
    )
    return _vehicle_feed(meta, feed, vehicles)


def _document(doc: Any, feed: str) -> Mapping[str, Any]:
    if not isinstance(doc, Mapping):
        raise FeedFormatError(feed, "expected a JSON object")
    data = doc.get("data")
    if not isinstance(data, Mapping):
        raise FeedFormatError(feed, "no 'data' object")
    return data


def _records(data: Mapping[str, Any], feed: str) -> tuple[list[Any], bool]:
    """``data.vehicles`` (3.0) if it is a list, else ``data.bikes`` (1.x/2.x)."""
    vehicles = data.get("vehicles")
    if isinstance(vehicles, list):
        return vehicles, True
    bikes = data.get("bikes")
    if isinstance(bikes, list):
        return bikes, False
    raise FeedFormatError(feed, "neither 'data.vehicles' nor 'data.bikes' is a list")


def _wire_records(data: Any, feed: str) -> tuple[list[Any], bool]:
    """:func:`_records` for a typed-decoded document."""
    if data.vehicles is not vehicle_wire.UNSET:
        return data.vehicles, True
    if data.bikes is not vehicle_wire.UNSET:
        return data.bikes, False
    raise FeedFormatError(feed, "neither 'data.vehicles' nor 'data.bikes' is a list")


def _wire_meta(doc: Any, feed: str, url: str) -> FeedMeta:
    """The header of a typed-decoded document, by :func:`gbfs.parse_meta`'s own rules."""
    header: dict[str, Any] = {"data": {}}
    for key in ("last_updated", "lastUpdatedOther", "ttl", "version"):
        value = getattr(doc, key)
        if value is not vehicle_wire.UNSET:
            header[key] = value
    return gbfs.parse_meta(header, feed, url)


def _vehicle_feed(meta: FeedMeta, feed: str, parsed: Sequence[Vehicle | None]) -> VehicleFeed:
    vehicles = tuple(vehicle for vehicle in parsed if vehicle is not None)
    rejected = len(parsed) - len(vehicles)
    if rejected and not vehicles:
        raise FeedFormatError(feed, f"no usable vehicle: all {rejected} lack a valid id")
    return VehicleFeed(meta=meta, vehicles=vehicles, rejected=rejected)


def _vehicle(record: Any, context: _Context) -> Vehicle | None:
    """One decoded record (any JSON), the lenient way."""
    if not isinstance(record, Mapping):
        return None
    uris = record.get("rental_uris")
    if isinstance(uris, Mapping):
        web, android, ios = uris.get("web"), uris.get("android"), uris.get("ios")
    else:
        web = android = ios = None
    return _build(
        record.get("vehicle_id"),
        record.get("bike_id"),
        record.get("lat"),
        record.get("lon"),
        record.get("vehicle_type_id"),
        record.get("current_range_meters"),
        record.get("current_fuel_percent"),
        record.get("is_reserved"),
        record.get("is_disabled"),
        record.get("station_id"),
        record.get("home_station_id"),
        record.get("pricing_plan_id"),
        record.get("last_reported"),
        record.get("available_until"),
        (web, android, ios),
        context,
    )


def _wire_vehicle(record: vehicle_wire.VehicleRecord, context: _Context) -> Vehicle | None:
    """:func:`_vehicle` for a record that fits :class:`vehicle_wire.VehicleRecord`: the
    same rules, written for the few JSON types each field can hold (ids that repeat,
    such as type, station and plan ids, are judged once per feed)."""
    vehicle_id = record.vehicle_id
    identifier = _wire_id(vehicle_id if vehicle_id is not None else record.bike_id)
    if identifier is None:
        return None
    lat, lon = record.lat, record.lon
    if (
        lat is None
        or lon is None
        or not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0)
        or (lat == 0.0 and lon == 0.0)
    ):
        lat = lon = None
    shared = context.shared_id
    vehicle_type_id = shared(record.vehicle_type_id)
    form, propulsion, electric = context.kind(vehicle_type_id)
    range_m, fuel = record.current_range_meters, record.current_fuel_percent
    uris = record.rental_uris
    return Vehicle(
        vehicle_id=identifier,
        lat=lat,
        lon=lon,
        vehicle_type_id=vehicle_type_id,
        form=form,
        propulsion=propulsion,
        electric=electric,
        current_range_meters=range_m + 0.0  # + 0.0: -0.0 is zero
        if range_m is not None and 0.0 <= range_m <= MAX_RANGE_M
        else None,
        current_fuel_percent=fuel if fuel is not None and 0.0 <= fuel <= 1.0 else None,
        is_reserved=_wire_flag(record.is_reserved),
        is_disabled=_wire_flag(record.is_disabled),
        station_id=shared(record.station_id),
        home_station_id=shared(record.home_station_id),
        pricing_plan_id=shared(record.pricing_plan_id),
        last_reported=None if record.last_reported is None else as_timestamp(record.last_reported),
        available_until=(
            None if record.available_until is None else as_timestamp(record.available_until)
        ),
        rental_urls=() if uris is None else _urls((uris.web, uris.android, uris.ios)),
    )


def _wire_id(value: int | str | None) -> str | None:
    return str(value) if type(value) is int else as_id(value)


def _wire_flag(value: bool | int | None) -> bool | None:
    """:func:`as_bool` for what the wire shape admits (a bool, an int or null)."""
    if value is None or value is True or value is False:
        return value
    return bool(value) if value in (0, 1) else None


def _build(
    vehicle_id: Any,
    bike_id: Any,
    lat: Any,
    lon: Any,
    type_id: Any,
    range_m: Any,
    fuel: Any,
    reserved: Any,
    disabled: Any,
    station_id: Any,
    home_station_id: Any,
    plan_id: Any,
    last_reported: Any,
    available_until: Any,
    uris: tuple[Any, Any, Any],
    context: _Context,
) -> Vehicle | None:
    """The value rules every record goes through, whichever way it was decoded."""
    identifier = as_id(vehicle_id) if vehicle_id is not None else as_id(bike_id)
    if identifier is None:
        return None
    latitude, longitude = as_latitude(lat), as_longitude(lon)
    if latitude is None or longitude is None or (latitude == 0.0 and longitude == 0.0):
        # Half a position is no position; 0,0 is the usual placeholder for a hidden one.
        latitude = longitude = None
    vehicle_type_id = as_id(type_id)
    form, propulsion, electric = _kind(vehicle_type_id, context)
    return Vehicle(
        vehicle_id=identifier,
        lat=latitude,
        lon=longitude,
        vehicle_type_id=vehicle_type_id,
        form=form,
        propulsion=propulsion,
        electric=electric,
        current_range_meters=_range(range_m),
        current_fuel_percent=_fraction(fuel),
        is_reserved=as_bool(reserved),
        is_disabled=as_bool(disabled),
        station_id=as_id(station_id),
        home_station_id=as_id(home_station_id),
        pricing_plan_id=as_id(plan_id),
        last_reported=as_timestamp(last_reported),
        available_until=as_timestamp(available_until),
        rental_urls=_urls(uris),
    )


def _kind(
    vehicle_type_id: str | None, context: _Context
) -> tuple[VehicleForm, str | None, bool | None]:
    """(form, propulsion, electric) from ``vehicle_types``; v1/v2 systems without that
    feed list human-powered bicycles (GBFS 2.x: "assumed to be non-motorized bicycles")."""
    types = context.types
    if types is None:
        if context.v3:
            return VehicleForm.UNKNOWN, None, None
        return VehicleForm.BICYCLE, "human", False
    vehicle_type = types.get(vehicle_type_id) if vehicle_type_id is not None else None
    if vehicle_type is None:
        return VehicleForm.UNKNOWN, None, None
    return vehicle_type.form, vehicle_type.propulsion, vehicle_type.electric


def _range(value: Any) -> float | None:
    number = as_float(value)
    return number if number is not None and 0.0 <= number <= MAX_RANGE_M else None


def _fraction(value: Any) -> float | None:
    """``current_fuel_percent`` is 0 to 1 (GBFS); anything else is not guessed at."""
    number = as_float(value)
    return number if number is not None and 0.0 <= number <= 1.0 else None


def _urls(uris: tuple[Any, Any, Any]) -> tuple[str, ...]:
    """Rental links in the order web, Android, iOS, without repeats."""
    urls: list[str] = []
    for uri in uris:
        if isinstance(uri, str):
            text = uri.strip()
            if text and text not in urls:
                urls.append(text)
    return tuple(urls)


# --------------------------------------------------------------------------- rider rules


def is_offered(vehicle: Vehicle) -> bool:
    """Whether a rider can take it: not reserved and not disabled (unknown flags, which
    GBFS requires, are not held against the vehicle)."""
    return vehicle.is_reserved is not True and vehicle.is_disabled is not True


def offered(
    vehicles: Iterable[Vehicle], selection: VehicleSelection = VehicleSelection.BIKES
) -> tuple[Vehicle, ...]:
    """The vehicles a rider can take, of the forms ``selection`` lists."""
    if selection is VehicleSelection.NONE:
        return ()
    return tuple(v for v in vehicles if is_offered(v) and selection.includes(v.form))


def split_docked(
    vehicles: Iterable[Vehicle], station_ids: Collection[str] | None = None
) -> DockedSplit:
    """Free-floating vehicles apart from those parked at a station.

    A vehicle with a ``station_id`` belongs to that station (its count), not to the list
    of vehicles, so it is never shown twice. With ``station_ids`` (the stations known
    from ``station_information``), a vehicle naming a station that is not among them is
    free-floating if it has a location of its own. Vehicles with neither are counted as
    ``unplaceable``.
    """
    free: list[Vehicle] = []
    docked: dict[str, list[Vehicle]] = {}
    unplaceable = 0
    for vehicle in vehicles:
        station_id = vehicle.station_id
        if station_id is not None and (station_ids is None or station_id in station_ids):
            docked.setdefault(station_id, []).append(vehicle)
        elif vehicle.placeable:
            free.append(vehicle)
        else:
            unplaceable += 1
    return DockedSplit(
        free_floating=tuple(free),
        docked={station_id: tuple(parked) for station_id, parked in docked.items()},
        unplaceable=unplaceable,
    )


def range_text(vehicle: Vehicle) -> str | None:
    """``"~18 km"`` from ``current_range_meters``, else ``"62 %"`` from the battery or
    fuel level; ``None`` when the feed gives neither."""
    meters = vehicle.current_range_meters
    if meters is not None:
        meters += 0.0  # -0.0 (and whatever rounds to it) is zero, never "~-0 m"
        if meters < 950:  # to the nearest 100 m
            return f"~{round(meters, -2):.0f} m"
        if meters < 9_950:  # to the nearest 100 m, as km
            return f"~{meters / 1000:.1f} km"
        return f"~{meters / 1000:.0f} km"
    if vehicle.current_fuel_percent is not None:
        return f"{math.floor(vehicle.current_fuel_percent * 100 + 0.5)} %"
    return None


def is_low_range(vehicle: Vehicle, threshold_m: float = LOW_RANGE_M) -> bool | None:
    """Whether the vehicle's range is below ``threshold_m``; ``None`` when its range is
    not given (a battery percentage alone does not say how far that is)."""
    meters = vehicle.current_range_meters
    return None if meters is None else meters < threshold_m


_LABELS = {
    VehicleForm.BICYCLE: "bike",
    VehicleForm.CARGO_BICYCLE: "cargo bike",
    VehicleForm.SCOOTER: "scooter",
    VehicleForm.MOPED: "moped",
    VehicleForm.CAR: "car",
    VehicleForm.OTHER: "vehicle",
    VehicleForm.UNKNOWN: "unknown vehicle",
}


def vehicle_label(form: VehicleForm, electric: bool | None) -> str:
    """A short name: ``"e-bike"``, ``"cargo bike"``, ``"e-scooter"``, ``"unknown vehicle"``.
    Only a known electric bike or scooter gets the ``e-``."""
    label = _LABELS[form]
    if electric and form in (VehicleForm.BICYCLE, VehicleForm.CARGO_BICYCLE, VehicleForm.SCOOTER):
        return f"e-{label}"
    return label
