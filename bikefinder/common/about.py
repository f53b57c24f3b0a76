"""What is running: bikefinder, Python, the libraries that matter, the platform.

For ``--version`` and the first line of each ``--debug`` session. Library versions come
from :mod:`importlib.metadata` (installed metadata), so nothing heavy is imported.
"""

from __future__ import annotations

import platform
import sys
from importlib import metadata

from bikefinder import __version__

#: The libraries whose version a bug report needs (they draw the app and fetch feeds).
LIBRARIES = ("textual", "httpx")


def installed_version(distribution: str) -> str:
    """``"8.2.8"``, or ``"not installed"``."""
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "not installed"


def versions() -> list[tuple[str, str]]:
    """(name, version) for bikefinder, Python, the :data:`LIBRARIES` and the platform."""
    python = f"{platform.python_version()} ({platform.python_implementation()}, {sys.executable})"
    return [
        ("bikefinder", __version__),
        ("Python", python),
        *((name, installed_version(name)) for name in LIBRARIES),
        ("platform", platform.platform()),
    ]


#: The attribution the bundled data's licences ask for (LICENSE-DATA.md has the details).
DATA_ATTRIBUTION = (
    "data: systems.csv (c) MobilityData, CC BY 3.0; places from GeoNames, CC BY 4.0; "
    "demo snapshot (c) Vélib' Métropole, Licence Ouverte 2.0 (Etalab)"
)


def version_report() -> str:
    """``--version``: one ``name version`` line each, then the data's attribution."""
    lines = [f"{name} {version}" for name, version in versions()]
    return "\n".join([*lines, DATA_ATTRIBUTION])
