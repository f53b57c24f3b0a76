"""The optional TOML config file: defaults, named places, per-system headers, limits.

``config.toml`` lives in platformdirs' user config dir (``BIKEFINDER_CONFIG`` names
another file). Command-line flags always win over it. Unknown keys and wrong types are
ignored with a warning; a header that cannot be sent is refused (value never shown).
Example::

    system = "bergen"                  # default for --system
    client_id = "myname-bikefinder"    # default for --client-id
    near = "home"                      # default for --near: LAT,LON, a place or a name below
    max_feed_mb = 64                   # refuse a feed answer larger than this (1..1024)
    walking_speed_kmh = 4.8            # the pace walking times use (2..10 km/h)
    riding_speed_kmh = 15              # a trip's ride on a bike (5..40 km/h)
    ebike_speed_kmh = 18               # a trip's ride on an e-bike (5..45 km/h)
    units = "imperial"                 # distances in metric or imperial (default: auto,
                                       # the system's country's); --units overrides it
    ui_language = "fr"                 # the app's language: "en", "fr" or "de" (default:
                                       # LC_ALL, LC_MESSAGES or LANG, else English)

    [places]                           # --near home, --near work
    home = "48.8530,2.3499"
    work = "Gare de Lyon, Paris"       # looked up when used (cached)

    [headers.stadtrad_hamburg]         # credentials a system's feed needs
    DB-Client-Id = "..."
    DB-Api-Key = "..."
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import msgspec

from bikefinder.common.errors import UsageError
from bikefinder.common.i18n import LANGUAGES, language_code
from bikefinder.common.units import UNITS_CHOICES

CONFIG_FILE = "config.toml"
CONFIG_ENV = "BIKEFINDER_CONFIG"
#: The top-level keys config.toml may hold; anything else gets an "unknown key" warning.
KNOWN_KEYS = (
    "system", "client_id", "near", "max_feed_mb", "walking_speed_kmh", "riding_speed_kmh",
    "ebike_speed_kmh", "units", "ui_language", "places", "headers",
)  # fmt: skip
#: A config file is a few hundred bytes; anything this big is not one.
MAX_CONFIG_BYTES = 1024 * 1024
#: ``max_feed_mb``: the default cap on one feed answer and the bounds a config may set.
DEFAULT_MAX_FEED_MB = 64
MAX_FEED_MB_BOUNDS = (1, 1024)
#: ``walking_speed_kmh``: the pace walking times use by default, and the bounds a config may set.
DEFAULT_WALKING_SPEED_KMH = 4.8
WALKING_SPEED_BOUNDS = (2.0, 10.0)
#: A trip's riding speeds (km/h) by default, and the bounds a config may set.
DEFAULT_RIDING_SPEED_KMH = 15.0
RIDING_SPEED_BOUNDS = (5.0, 40.0)
DEFAULT_EBIKE_SPEED_KMH = 18.0
EBIKE_SPEED_BOUNDS = (5.0, 45.0)
#: Each speed key: (its default, its bounds).
SPEEDS = {
    "walking_speed_kmh": (DEFAULT_WALKING_SPEED_KMH, WALKING_SPEED_BOUNDS),
    "riding_speed_kmh": (DEFAULT_RIDING_SPEED_KMH, RIDING_SPEED_BOUNDS),
    "ebike_speed_kmh": (DEFAULT_EBIKE_SPEED_KMH, EBIKE_SPEED_BOUNDS),
}
#: Characters of an HTTP header name (RFC 9110 ``token``).
_TOKEN_CHARS = frozenset(
    "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
)


class Config(msgspec.Struct, frozen=True):
    """What the config file sets; ``None`` / empty where it says nothing."""

    system: str | None = None
    client_id: str | None = None
    #: Extra request headers by catalog system id.
    headers: dict[str, dict[str, str]] = msgspec.field(default_factory=dict)
    path: Path | None = None
    #: The default for ``--near``: ``LAT,LON``, a name in :attr:`places` or a place.
    near: str | None = None
    #: Named places (``[places] home = "48.85,2.35"``): name -> ``LAT,LON`` or a place.
    places: dict[str, str] = msgspec.field(default_factory=dict)
    #: The cap on one feed answer, in MB (``None``: :data:`DEFAULT_MAX_FEED_MB`).
    max_feed_mb: int | None = None
    #: The walking pace in km/h (``None``: :data:`DEFAULT_WALKING_SPEED_KMH`).
    walking_speed_kmh: float | None = None
    #: A trip's riding speeds in km/h (``None``: the defaults).
    riding_speed_kmh: float | None = None
    ebike_speed_kmh: float | None = None
    #: ``"metric"``, ``"imperial"`` or ``"auto"`` (``None``: not set, auto).
    units: str | None = None
    #: The app's language, ``"en"``, ``"fr"`` or ``"de"`` (``None``: from the locale).
    ui_language: str | None = None
    #: One line per ignored key or value (unknown key, wrong type), naming key and file.
    warnings: tuple[str, ...] = ()

    @property
    def max_feed_bytes(self) -> int:
        """The cap on one feed answer, in bytes."""
        return (self.max_feed_mb or DEFAULT_MAX_FEED_MB) * 2**20

    def place(self, name: str) -> tuple[str, str] | None:
        """The configured place called ``name`` (case and accents ignored) as
        (its name in the file, its value), or ``None``."""
        from bikefinder.common.text import fold

        wanted = fold(name)
        for key, value in self.places.items():
            if wanted and fold(key) == wanted:
                return key, value
        return None

    def headers_for(self, system_id: str) -> dict[str, str]:
        for key, values in self.headers.items():
            if key.casefold() == system_id.casefold():
                return dict(values)
        return {}


def config_path() -> Path:
    """``$BIKEFINDER_CONFIG``, else ``<user config dir>/bikefinder/config.toml``."""
    override = os.environ.get(CONFIG_ENV)
    if override:
        return Path(override).expanduser()
    from bikefinder.common.paths import config_dir

    return config_dir() / CONFIG_FILE


def load_config(path: Path | None = None) -> Config:
    """Read the config file; a missing file is an empty config, a broken one a usage error."""
    from bikefinder.common.files import read_regular

    path = path or config_path()
    try:
        raw = read_regular(path, MAX_CONFIG_BYTES)
    except FileNotFoundError:
        return Config(path=path)
    except OSError as exc:
        raise UsageError(f"cannot read config file {path}: {exc.strerror or exc}") from None
    import tomllib

    try:
        doc = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise UsageError(f"config file {path} is not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"config file {path}: invalid TOML ({exc})") from None
    except (ValueError, RecursionError):  # a 5,000-digit integer, arrays 2,000 deep
        raise UsageError(f"config file {path}: invalid TOML (a value too large or deep)") from None
    return parse_config(doc, path)


def parse_config(doc: Mapping[str, Any], path: Path | None = None) -> Config:
    """Check and read a parsed config document.

    Unknown keys and values of the wrong type are ignored with a one-line warning each
    (in :attr:`Config.warnings`), so a typo never stops the app. A header name or value
    that cannot be sent (non-ASCII, control characters) is a :class:`UsageError` that
    names the header and the system but never shows the value: it is usually a secret.
    """
    where = f"config file {path}" if path else "config"
    warnings: list[str] = []
    for key in doc:
        if key not in KNOWN_KEYS:
            warnings.append(f"{where}: unknown key {key!r}{did_you_mean(key, KNOWN_KEYS)}; ignored")
    system = _optional_text(doc, "system", where, warnings)
    client_id = _optional_text(doc, "client_id", where, warnings)
    if client_id is not None and not is_header_value(client_id):
        raise UsageError(
            f"{where}: 'client_id' must be printable ASCII text (it is sent as a header); "
            "value not shown"
        )
    headers: dict[str, dict[str, str]] = {}
    table = doc.get("headers", {})
    if not isinstance(table, Mapping):
        warnings.append(
            f"{where}: 'headers' must be a table of [headers.<system-id>] tables, "
            f"got {_type_name(table)}; ignored"
        )
        table = {}
    for system_id, values in table.items():
        section = f"[headers.{_shown(system_id)}]"
        if not isinstance(values, Mapping):
            warnings.append(
                f"{where}: {section} must map header names to strings, "
                f"got {_type_name(values)}; ignored"
            )
            continue
        checked: dict[str, str] = {}
        for name, value in values.items():
            if not isinstance(value, str):
                warnings.append(
                    f"{where}: {section} {_shown(name)!r} must be a string, "
                    f"got {_type_name(value)}; ignored"
                )
                continue
            if not is_header_name(name):
                raise UsageError(
                    f"{where}: {section} {_shown(name)!r} is not a valid HTTP header name"
                )
            value = value.strip(" \t")
            if not is_header_value(value):
                raise UsageError(
                    f"{where}: {section} {name}: the value cannot be sent as an HTTP header "
                    "(only printable ASCII; a pasted non-breaking space?); value not shown"
                )
            checked[name] = value
        headers[str(system_id)] = checked
    places = _places(doc.get("places", {}), where, warnings)
    near = _near(_optional_text(doc, "near", where, warnings), places, where, warnings)
    max_feed_mb = _max_feed_mb(doc.get("max_feed_mb"), where, warnings)
    walking_speed = _speed("walking_speed_kmh", doc.get("walking_speed_kmh"), where, warnings)
    riding_speed = _speed("riding_speed_kmh", doc.get("riding_speed_kmh"), where, warnings)
    ebike_speed = _speed("ebike_speed_kmh", doc.get("ebike_speed_kmh"), where, warnings)
    units = _units(doc.get("units"), where, warnings)
    ui_language = _ui_language(doc.get("ui_language"), where, warnings)
    return Config(
        system=system,
        client_id=client_id,
        headers=headers,
        path=path,
        warnings=tuple(warnings),
        near=near,
        places=places,
        max_feed_mb=max_feed_mb,
        walking_speed_kmh=walking_speed,
        riding_speed_kmh=riding_speed,
        ebike_speed_kmh=ebike_speed,
        units=units,
        ui_language=ui_language,
    )


def _places(table: Any, where: str, warnings: list[str]) -> dict[str, str]:
    """``[places]``: each name maps to ``"LAT,LON"`` (checked now) or a place to look up."""
    if not isinstance(table, Mapping):
        warnings.append(
            f"{where}: 'places' must be a table of names (home = \"48.85,2.35\"), "
            f"got {_type_name(table)}; ignored"
        )
        return {}
    from bikefinder.systems.geocode import is_place_name

    places: dict[str, str] = {}
    for name, value in table.items():
        key = f"[places] {_shown(name)!r}"
        if not isinstance(value, str) or not value.strip():
            got = "an empty string" if isinstance(value, str) else _type_name(value)
            warnings.append(f'{where}: {key} must be "LAT,LON" or a place name, got {got}; ignored')
            continue
        value = " ".join(value.split())
        if not is_place_name(value):
            problem = point_problem(value)
            if problem is not None:
                warnings.append(f"{where}: {key}: {problem}; ignored")
                continue
        places[str(name)] = value
    return places


def _near(near: str | None, places: dict[str, str], where: str, warnings: list[str]) -> str | None:
    """The ``near`` default: bad coordinates are ignored; a name that is almost one of
    ``places`` (a typo would be sent to the geocoder) is ignored with a suggestion."""
    from bikefinder.common.text import fold
    from bikefinder.systems.geocode import is_place_name

    if near is None:
        return None
    if not is_place_name(near):
        problem = point_problem(near)
        if problem is not None:
            warnings.append(f"{where}: 'near': {problem}; ignored")
            return None
        return near
    names = {fold(name): name for name in places}
    if fold(near) not in names:
        close = did_you_mean(fold(near), names)
        if close:
            shown = f"{where}: 'near' = {_shown(near)!r}"
            warnings.append(f"{shown} is not in [places]{close}; ignored")
            return None
    return near


def point_problem(text: str) -> str | None:
    """Why ``text`` is not a valid ``LAT,LON`` point, or ``None`` when it is one."""
    from bikefinder.systems.points import parse_point

    try:
        parse_point(text)
    except UsageError as exc:
        return str(exc).replace("--near ", "", 1)
    return None


def _max_feed_mb(value: Any, where: str, warnings: list[str]) -> int | None:
    low, high = MAX_FEED_MB_BOUNDS
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        numeric = isinstance(value, int | float) and not isinstance(value, bool)
        got = repr(value) if numeric else _type_name(value)
        warnings.append(
            f"{where}: 'max_feed_mb' must be a whole number of MB from {low} to {high}, "
            f"got {got}; the default {DEFAULT_MAX_FEED_MB} applies"
        )
        return None
    return value


def _speed(key: str, value: Any, where: str, warnings: list[str]) -> float | None:
    """A speed key (``walking_speed_kmh`` ...): a number of km/h within its bounds."""
    default, (low, high) = SPEEDS[key]
    if value is None:
        return None
    numeric = isinstance(value, int | float) and not isinstance(value, bool)
    if not numeric or not low <= value <= high:  # NaN and inf fail the range too
        got = repr(value) if numeric else _type_name(value)
        warnings.append(
            f"{where}: '{key}' must be a number of km/h from {low:g} to {high:g}, "
            f"got {got}; the default {default:g} applies"
        )
        return None
    return float(value)


def _units(value: Any, where: str, warnings: list[str]) -> str | None:
    """``units``: one of :data:`UNITS_CHOICES`, case ignored."""
    if value is None:
        return None
    if isinstance(value, str) and value.strip().casefold() in UNITS_CHOICES:
        return value.strip().casefold()
    got = repr(_shown(value)) if isinstance(value, str) else _type_name(value)
    choices = ", ".join(f'"{choice}"' for choice in UNITS_CHOICES)
    warnings.append(f"{where}: 'units' must be one of {choices}, got {got}; auto applies")
    return None


def _ui_language(value: Any, where: str, warnings: list[str]) -> str | None:
    """``ui_language``: one of :data:`LANGUAGES` (``fr_FR`` is ``fr``), case ignored."""
    if value is None:
        return None
    if isinstance(value, str) and language_code(value):
        return language_code(value)
    got = repr(_shown(value)) if isinstance(value, str) else _type_name(value)
    choices = ", ".join(f'"{choice}"' for choice in LANGUAGES)
    warnings.append(
        f"{where}: 'ui_language' must be one of {choices}, got {got}; the locale's applies"
    )
    return None


def configured_speed_kmh(key: str) -> float:
    """A speed (``walking_speed_kmh``, ``riding_speed_kmh``, ``ebike_speed_kmh``) from the
    user's config.toml (the default if the file says nothing or cannot be read: the
    command line reports that problem itself)."""
    try:
        speed = getattr(load_config(), key)
    except UsageError:
        speed = None
    return float(speed or SPEEDS[key][0])


def configured_walking_speed_kmh() -> float:
    """The walking pace from the user's config.toml (see :func:`configured_speed_kmh`)."""
    return configured_speed_kmh("walking_speed_kmh")


def configured_max_feed_bytes() -> int:
    """The cap on one feed answer from the user's config.toml (the default if the file
    says nothing or cannot be read: the command line reports that problem itself)."""
    try:
        return load_config().max_feed_bytes
    except UsageError:
        return DEFAULT_MAX_FEED_MB * 2**20


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """``" (did you mean 'system'?)"`` when ``word`` is close to one of ``choices``."""
    import difflib

    close = difflib.get_close_matches(word.casefold(), list(choices), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def is_header_name(name: str) -> bool:
    """An RFC 9110 token: what httpx/h11 accept as a header name."""
    return bool(name) and all(char in _TOKEN_CHARS for char in name)


def is_header_value(value: str) -> bool:
    """Visible ASCII with single spaces or tabs inside: what h11 sends without raising."""
    return (
        bool(value)
        and value == value.strip(" \t")
        and all(char in "\t" or " " <= char <= "~" for char in value)
    )


def masked(value: str) -> str:
    """How ``--config-check`` shows a secret: never any of its characters."""
    return "*** (set, hidden)" if value else "(empty)"


def _optional_text(doc: Mapping[str, Any], key: str, where: str, warnings: list[str]) -> str | None:
    value = doc.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        got = "an empty string" if isinstance(value, str) else _type_name(value)
        warnings.append(f"{where}: {key!r} must be a non-empty string, got {got}; ignored")
        return None
    return value.strip()


def _type_name(value: object) -> str:
    """What TOML calls a value's type, for warnings ("a table", "an integer" ...)."""
    names = {bool: "a boolean", int: "an integer", float: "a number", str: "a string",
             list: "an array", dict: "a table"}  # fmt: skip
    for kind, name in names.items():
        if isinstance(value, kind):
            return name
    return "a date or time" if value is not None else "nothing"


def _shown(text: object, limit: int = 60) -> str:
    """A key or header name as a warning may show it: printable, bounded."""
    shown = "".join(char if char.isprintable() else "?" for char in str(text))
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"
