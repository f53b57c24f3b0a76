"""The system picker (``s``): search the catalog as you type; Enter switches system.

The screen only chooses: it dismisses with a ready :class:`SystemSource` (catalog
headers, client id, centre) and the app reloads itself for it in place. Where the
catalog, transport and feed cache come from is a :class:`SystemSwitching`, so tests
run on a small catalog behind a mock transport. Ordering, distances and the starting
point after a switch are pure functions here, tested without Textual.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Footer, Input, Static

from bikefinder.common.errors import BikefinderError
from bikefinder.common.geo import haversine_m
from bikefinder.common.text import clean, system_label_for
from bikefinder.systems.catalog import Catalog
from bikefinder.systems.citybikes import citybikes_entry
from bikefinder.systems.entries import LEARNED, CatalogEntry
from bikefinder.systems.source import SystemSource, is_url
from bikefinder.systems.switching import SystemSwitching

#: Rows shown at once; typing narrows the rest (a full catalog is ~1,500 systems).
MAX_ROWS = 200


@dataclass(frozen=True, slots=True)
class PickerRow:
    """One listed system and how far its centre is from the point, if known."""

    entry: CatalogEntry
    distance_km: float | None


def typed_entry(query: str) -> CatalogEntry | None:
    """A system the catalog need not list: a pasted gbfs.json URL or ``citybikes:<id>``."""
    text = query.strip()
    if is_url(text):
        return CatalogEntry(
            system_id=text, name=system_label_for(text), gbfs_url=text, source=LEARNED
        )
    return citybikes_entry(text)


def picker_rows(
    catalog: Catalog, query: str, near: tuple[float, float], limit: int = MAX_ROWS
) -> tuple[list[PickerRow], int]:
    """The first ``limit`` matches (nearest first within each match level) and how many
    matched in all. A typed URL or ``citybikes:<id>`` the catalog lacks comes first."""
    matches = [PickerRow(entry, km) for entry, km in catalog.search_near(query, *near)]
    extra = typed_entry(query)
    if extra is not None and all(row.entry.gbfs_url != extra.gbfs_url for row in matches):
        centre = catalog.centre_of(extra)
        km = haversine_m(*near, *centre) / 1000 if centre else None
        matches.insert(0, PickerRow(extra, km))
    return matches[:limit], len(matches)


def format_km(distance_km: float | None) -> str:
    """``"<1 km"``, ``"12 km"``, ``"1,234 km"``; empty when unknown."""
    if distance_km is None:
        return ""
    return "<1 km" if distance_km < 1 else f"{distance_km:,.0f} km"


class SystemPickerScreen(ModalScreen[SystemSource | None]):
    """Type to filter; arrows move; Enter chooses (dismisses with the source); Escape
    cancels (dismisses with ``None``). A system that cannot be used (it needs an API key)
    is explained on the screen, which stays open."""

    DEFAULT_CSS = """
    #picker {
        width: 100%;
        height: 1fr;
        margin-top: 2;  /* the app's header stays in view */
        border: round $primary;
        background: $surface;
        padding: 0 1;
    }
    #picker-title {
        text-style: bold;
        height: 1;
    }
    #picker-summary, #picker-error {
        height: auto;
        padding: 0 1;
    }
    #picker-summary {
        color: $text-muted;
    }
    #picker-error {
        color: $text-error;
        text-style: bold;
    }
    #picker-table {
        height: 1fr;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel"),
        Binding("enter", "choose", "Choose", priority=True),
        Binding("down", "move(1)", "Down", show=False),
        Binding("up", "move(-1)", "Up", show=False),
        Binding("pagedown", "move(10)", "Page down", show=False),
        Binding("pageup", "move(-10)", "Page up", show=False),
    ]

    def __init__(
        self,
        switching: SystemSwitching,
        near: tuple[float, float],
        *,
        client_id: str | None = None,
        current_url: str | None = None,
    ) -> None:
        super().__init__()
        self.switching = switching
        self.near = near
        self.client_id = client_id
        self.current_url = current_url
        self.catalog: Catalog | None = None
        self.rows: list[PickerRow] = []
        self.total = 0
        self.error_message: str | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="picker"):
            yield Static("Choose a bike-share system", id="picker-title")
            yield Input(
                placeholder="name, city, id or country code (FR, NO, US)", id="picker-query"
            )
            yield Static("Loading the catalog …", id="picker-summary")
            yield DataTable(id="picker-table", cursor_type="row", zebra_stripes=True)
            yield Static(id="picker-error")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.can_focus = False  # typing always goes to the search box
        for key, label in (
            ("name", "System"),
            ("location", "Location"),
            ("country", "CC"),
            ("versions", "GBFS"),
            ("distance", "Distance"),
            ("id", "Id"),
        ):
            table.add_column(label, key=key)
        self.query_one("#picker-error", Static).display = False
        self.query_one(Input).focus()
        if isinstance(self.switching.catalog, Catalog):
            self.catalog_ready(self.switching.catalog)
        else:
            self._load_catalog(self.switching.catalog)

    @work(thread=True, exit_on_error=False, group="catalog", description="read the catalog")
    def _load_catalog(self, load: Callable[[], Catalog]) -> None:
        """Reading and indexing ~1,500 systems takes ~0.1 s: not on the UI thread."""
        try:
            catalog = load()
        except (OSError, BikefinderError) as exc:
            self.app.call_from_thread(self.show_error, f"Cannot read the system catalog: {exc}")
            return
        self.app.call_from_thread(self.catalog_ready, catalog)

    def catalog_ready(self, catalog: Catalog) -> None:
        if not self.is_attached:  # cancelled before the catalog was read
            return
        self.catalog = catalog
        self.show_matches(self.query_one(Input).value)

    # -- listing ---------------------------------------------------------------------

    @on(Input.Changed, "#picker-query")
    def _query_changed(self, event: Input.Changed) -> None:
        self.show_error(None)
        self.show_matches(event.value)

    def show_matches(self, query: str) -> None:
        """List the matches for ``query``, the best first, and say how many there are."""
        if self.catalog is None:
            return
        self.rows, self.total = picker_rows(self.catalog, query, self.near)
        table = self.query_one(DataTable)
        table.clear()
        for index, row in enumerate(self.rows):
            table.add_row(*self._cells(row), key=str(index))
        if self.rows:
            table.move_cursor(row=0)
        self.query_one("#picker-summary", Static).update(self._summary(query))

    def _cells(self, row: PickerRow) -> tuple[Text, ...]:
        entry = row.entry
        current = entry.gbfs_url == self.current_url
        name = Text("● " if current else "  ", style="bold green")
        name.append(clean(entry.name, 32) or entry.system_id, style="bold" if current else "")
        return (
            name,
            Text(clean(entry.location, 20)),
            Text(clean(entry.country, 3)),
            Text(clean(", ".join(entry.versions), 16), style="dim"),
            Text(format_km(row.distance_km), justify="right"),
            Text(clean(entry.system_id, 24), style="dim"),
        )

    def _summary(self, query: str) -> Text:
        shown = len(self.rows)
        more = f"; the first {shown} shown, type to narrow" if self.total > shown else ""
        if not query.strip():
            return Text(
                f"{self.total:,} systems, nearest first{more}. "
                "↑↓ move · Enter chooses · Escape cancels"
            )
        if not self.rows:
            text = Text("No system matches ")
            text.append(clean(query, 60), style="bold")
            text.append(
                ". Try a city, a country code or an id; paste a gbfs.json URL; "
                "bikefinder --update-catalog adds every Citybikes network."
            )
            return text
        plural = "es" if self.total != 1 else ""
        return Text(f"{self.total:,} match{plural}{more}. Enter chooses · Escape cancels")

    def show_error(self, message: str | None) -> None:
        self.error_message = message
        if not self.is_attached:
            return
        error = self.query_one("#picker-error", Static)
        error.update(Text(clean(message, 400)) if message else "")
        error.display = bool(message)

    # -- keys ------------------------------------------------------------------------

    def action_move(self, rows: int) -> None:
        table = self.query_one(DataTable)
        if table.row_count:
            table.move_cursor(row=min(max(0, table.cursor_row + rows), table.row_count - 1))

    def action_cancel(self) -> None:
        self.dismiss(None)

    def action_choose(self) -> None:
        """Choose the highlighted system."""
        table = self.query_one(DataTable)
        if self.catalog is None or not self.rows:
            self.app.bell()
            return
        self.choose(self.rows[table.cursor_row])

    @on(DataTable.RowSelected, "#picker-table")
    def _row_clicked(self, event: DataTable.RowSelected) -> None:
        self.choose(self.rows[int(str(event.row_key.value))])

    def choose(self, row: PickerRow) -> None:
        assert self.catalog is not None
        try:
            source = self.switching.source_for(row.entry, self.catalog, self.client_id)
        except BikefinderError as exc:
            self.app.bell()
            self.show_error(str(exc))
            return
        self.dismiss(source)
