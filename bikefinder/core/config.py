"""The optional TOML config file: a default system, a client id and per-system headers.

``config.toml`` lives in platformdirs' user config dir (``BIKEFINDER_CONFIG`` names
another file). Command-line flags always win over it. Example::

    system = "bergen"                  # default for --system
    client_id = "myname-bikefinder"    # default for --client-id

    [headers.stadtrad_hamburg]         # credentials a system's feed needs
    DB-Client-Id = "..."
    DB-Api-Key = "..."
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bikefinder.core.errors import UsageError

CONFIG_FILE = "config.toml"
CONFIG_ENV = "BIKEFINDER_CONFIG"


@dataclass(frozen=True, slots=True)
class Config:
    """What the config file sets; ``None`` / empty where it says nothing."""

    system: str | None = None
    client_id: str | None = None
    #: Extra request headers by catalog system id.
    headers: dict[str, dict[str, str]] = field(default_factory=dict)
    path: Path | None = None

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
    from bikefinder.core.paths import config_dir

    return config_dir() / CONFIG_FILE


def load_config(path: Path | None = None) -> Config:
    """Read the config file; a missing file is an empty config, a broken one a usage error."""
    path = path or config_path()
    try:
        raw = path.read_bytes()
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
    return parse_config(doc, path)


def parse_config(doc: Mapping[str, Any], path: Path | None = None) -> Config:
    where = f"config file {path}" if path else "config"
    system = _optional_text(doc, "system", where)
    client_id = _optional_text(doc, "client_id", where)
    headers: dict[str, dict[str, str]] = {}
    table = doc.get("headers", {})
    if not isinstance(table, Mapping):
        raise UsageError(f"{where}: [headers] must be a table of [headers.<system-id>] tables")
    for system_id, values in table.items():
        if not isinstance(values, Mapping) or not all(
            isinstance(value, str) for value in values.values()
        ):
            raise UsageError(f"{where}: [headers.{system_id}] must map header names to strings")
        headers[system_id] = {str(name): value for name, value in values.items()}
    return Config(system=system, client_id=client_id, headers=headers, path=path)


def _optional_text(doc: Mapping[str, Any], key: str, where: str) -> str | None:
    value = doc.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise UsageError(f"{where}: {key!r} must be a non-empty string")
    return value.strip()
