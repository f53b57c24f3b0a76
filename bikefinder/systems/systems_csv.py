"""MobilityData's ``systems.csv``, the public list of GBFS systems, as catalog entries.

Pure: text in, entries out. The catalog reads the bundled copy or the one
``--update-catalog`` refreshed; ``scripts/build_places.py`` reads it to build the gazetteer.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence

from msgspec.structs import replace

from bikefinder.common.text import clean
from bikefinder.systems.entries import CatalogEntry, CatalogFormatError, version_key

#: Longer than any real cell (URLs included); a cell beyond it is cut with "…".
MAX_CELL_CHARS = 2000

#: Columns a usable ``systems.csv`` must have.
SYSTEMS_CSV_COLUMNS = ("System ID", "Name", "Auto-Discovery URL")
#: Every column an entry is read from.
_ALL_COLUMNS = (
    "Country Code",
    "Name",
    "Location",
    "System ID",
    "URL",
    "Auto-Discovery URL",
    "Supported Versions",
    "Authentication Info URL",
    "Authentication Type",
    "Authentication Parameter Name",
)


def parse_systems_csv(text: str) -> list[CatalogEntry]:
    """MobilityData's ``systems.csv``; rows without an id or an http(s) URL are skipped.

    ``Supported Versions`` is ``" ; "``-separated (a few rows write ``"1.1; 2.3"``).
    Duplicate ids (one exists upstream) get a ``-2`` suffix so each stays addressable.
    """
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    try:
        header = [name.strip() for name in next(reader, [])]
        missing = [name for name in SYSTEMS_CSV_COLUMNS if name not in header]
        if missing:
            raise CatalogFormatError(f"systems.csv: missing column(s) {', '.join(missing)}")
        columns = {name: header.index(name) for name in _ALL_COLUMNS if name in header}
        entries: list[CatalogEntry] = []
        seen: dict[str, int] = {}
        for row in reader:
            entry = _systems_row(row, columns)
            if entry is None:
                continue
            folded_id = entry.system_id.casefold()
            count = seen[folded_id] = seen.get(folded_id, 0) + 1
            if count > 1:
                entry = replace(entry, system_id=f"{entry.system_id}-{count}")
            entries.append(entry)
    except csv.Error as exc:
        raise CatalogFormatError(f"systems.csv: {exc}") from None
    if not entries:
        raise CatalogFormatError("systems.csv: no usable systems")
    return entries


def clean_systems_csv(text: str) -> str:
    """``systems.csv`` with every cell cleaned (control, escape and bidi characters
    dropped, newlines folded): what ``--update-catalog`` stores, so no later message,
    table or CSV built from it can carry an escape sequence. Raises
    :class:`CatalogFormatError` for a file that is not CSV."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    try:
        for row in csv.reader(io.StringIO(text.lstrip("\ufeff"))):
            writer.writerow([clean(cell, MAX_CELL_CHARS) for cell in row])
    except csv.Error as exc:
        raise CatalogFormatError(f"systems.csv: {exc}") from None
    return out.getvalue()


def _systems_row(row: Sequence[str], columns: Mapping[str, int]) -> CatalogEntry | None:
    def cell(column: str) -> str:
        index = columns.get(column)
        return clean(row[index], MAX_CELL_CHARS) if index is not None and index < len(row) else ""

    system_id = cell("System ID")
    url = cell("Auto-Discovery URL")
    if not system_id or not url.lower().startswith(("https://", "http://")):
        return None
    versions = [part.strip() for part in cell("Supported Versions").split(";")]
    versions = [version for version in versions if version]
    if len(versions) > 1:
        versions.sort(key=version_key)
    auth_type = cell("Authentication Type") or None
    auth_names = cell("Authentication Parameter Name") if auth_type == "2" else ""
    return CatalogEntry(
        system_id=system_id,
        name=cell("Name") or system_id,
        gbfs_url=url,
        location=cell("Location"),
        country=cell("Country Code").upper(),
        versions=tuple(versions),
        homepage=cell("URL") or None,
        auth_type=auth_type,
        auth_headers=tuple(name.strip() for name in auth_names.split("|") if name.strip()),
        auth_info_url=cell("Authentication Info URL") or None,
    )
