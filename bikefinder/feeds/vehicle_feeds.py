"""Reading the vehicle feeds: ``vehicle_types`` in detail, and ``free_bike_status``
(GBFS 1.x/2.x, ``data.bikes``) or ``vehicle_status`` (3.0, ``data.vehicles``).

The value rules that turn a feed's records into :mod:`bikefinder.feeds.vehicles`'
models, apart from the models and the rider rules so that each reads on its own. What
a vehicle is comes only from ``vehicle_types``; a v1/v2 feed of a system that publishes
no ``vehicle_types`` lists bicycles (the spec says so). Records are decoded with
msgspec's typed structs (:mod:`vehicle_wire`) where they fit and by the lenient rules of
:mod:`bikefinder.feeds.values` where they do not; both paths apply the same value rules,
so the result is the same either way. One bad record is rejected and counted; a
document that is not a vehicle feed raises :class:`FeedFormatError`. No I/O here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from bikefinder.common.errors import FeedFormatError
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
from bikefinder.feeds.vehicles import Vehicle, VehicleFeed, VehicleForm, VehicleType

#: No vehicle goes 10,000 km on a charge or a tank: a bigger range is junk, unknown.
MAX_RANGE_M = 10_000_000.0

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
