"""The system picker (``s``), the same for one system or eight: the systems shown now,
each with an on/off mark, above a search of the catalog (as you type, nearest first).

Keys, in the search (where the picker opens): type to search, ↑↓ PgUp PgDn move in the
matches, **Enter** on a match *replaces* the system shown when only one is shown (the
app reloads in place) and *adds* it when several are, closing the picker either way;
**+** adds the match alongside and the picker stays open. **Tab** goes to the systems
shown (and back): there **space** turns the highlighted one on or off (one stays on: a
bell otherwise) and **d** / Delete removes it (never the last one). Turning on and off,
adding and removing apply at once (:class:`~bikefinder.ui.fleet_edits.FleetEdits`), so
**Escape** (or Enter on the systems shown) only closes: nothing is ever pending.

A replacement dismisses with a ready :class:`SystemSource` (catalog headers, client id,
centre) for the app's ``system_picked``. Where the catalog, transport and feed cache come
from is a :class:`SystemSwitching`, so tests run on a small catalog behind a mock
transport. Ordering, distances and the starting point after a switch are pure functions
here, tested without Textual.
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
from textual.widgets import DataTable, Input, OptionList, Static
from textual.widgets.option_list import Option

from bikefinder.common.errors import BikefinderError
from bikefinder.common.geo import haversine_m
from bikefinder.common.i18n import _, ngettext
from bikefinder.common.text import clean, system_label_for
from bikefinder.systems.catalog import Catalog
from bikefinder.systems.citybikes import citybikes_entry
from bikefinder.systems.entries import LEARNED, CatalogEntry
from bikefinder.systems.source import SystemSource, is_url
from bikefinder.systems.switching import SystemSwitching
from bikefinder.ui.fleet_edits import FleetEdits, ShownSystem
from bikefinder.ui.widgets.fitting_footer import FittingFooter

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
    catalog: Catalog, query: str, near: tuple[float, float] | None, limit: int = MAX_ROWS
) -> tuple[list[PickerRow], int]:
    """The first ``limit`` matches (nearest first within each match level; in the
    catalog's order when where the rider is is not known) and how many matched in all.
    A typed URL or ``citybikes:<id>`` the catalog lacks comes first."""
    if near is None:
        matches = [PickerRow(entry, None) for entry in catalog.search(query)]
    else:
        matches = [PickerRow(entry, km) for entry, km in catalog.search_near(query, *near)]
    extra = typed_entry(query)
    if extra is not None and all(row.entry.gbfs_url != extra.gbfs_url for row in matches):
        centre = catalog.centre_of(extra)
        km = haversine_m(*near, *centre) / 1000 if centre and near else None
        matches.insert(0, PickerRow(extra, km))
    return matches[:limit], len(matches)


def format_km(distance_km: float | None) -> str:
    """``"<1 km"``, ``"12 km"``, ``"1,234 km"``; empty when unknown."""
    if distance_km is None:
        return ""
    return "<1 km" if distance_km < 1 else f"{distance_km:,.0f} km"


def shown_line(system: ShownSystem) -> Text:
    """``[x] Name`` for a system on, ``[ ] Name`` (dim) for one off: the mark reads
    without colour."""
    line = Text("[x] " if system.enabled else "[ ] ", style="bold" if system.enabled else "")
    line.append(clean(system.name, 60) or system.url, style="" if system.enabled else "dim")
    return line


class ShownList(OptionList):
    """The systems shown now, one a line; space turns one on or off, d removes it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space", "screen.toggle_shown", _("On/off")),
        Binding("d", "screen.remove_shown", _("Remove")),
        Binding("delete", "screen.remove_shown", _("Remove"), show=False),
        Binding("tab", "screen.focus_search", _("Search")),
    ]


class SystemPickerScreen(ModalScreen[SystemSource | None]):
    """The systems shown and the catalog; the keys are in the module's docstring.
    Dismisses with a source only to replace the one system shown (else ``None``). A
    system that cannot be used (it needs an API key) is explained on the screen, which
    stays open."""

    DEFAULT_CSS = """
    #picker {
        width: 100%;
        height: 1fr;
        margin-top: 2;  /* the app's header stays in view */
        border: round $primary;
        background: $surface;
        padding: 0 1;
    }
    #picker-title, #picker-shown-label {
        text-style: bold;
        height: 1;
    }
    #picker-shown-label {
        text-style: none;
        color: $text-muted;
    }
    #picker-shown {
        height: auto;
        max-height: 8;
        border: none;
        padding: 0;
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
        Binding("escape", "cancel", _("Close")),
        Binding("enter", "choose", _("Choose"), priority=True),
        Binding("plus", "add", _("Add"), priority=True),
        Binding("tab", "focus_shown", _("Systems shown")),
        Binding("down", "move(1)", _("Down"), show=False),
        Binding("up", "move(-1)", _("Up"), show=False),
        Binding("pagedown", "move(10)", _("Page down"), show=False),
        Binding("pageup", "move(-10)", _("Page up"), show=False),
    ]

    def __init__(
        self,
        switching: SystemSwitching,
        near: tuple[float, float] | None,
        edits: FleetEdits,
        *,
        client_id: str | None = None,
    ) -> None:
        super().__init__()
        self.switching = switching
        self.near = near
        self.edits = edits
        self.client_id = client_id
        self.shown: list[ShownSystem] = edits.shown()
        self.catalog: Catalog | None = None
        self.rows: list[PickerRow] = []
        self.total = 0
        self.error_message: str | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="picker"):
            yield Static(_("Bike-share systems"), id="picker-title")
            yield Static(
                _("Shown now. Tab comes here (and back): space turns on/off, d removes, at once"),
                id="picker-shown-label",
            )
            yield ShownList(*self._shown_options(), id="picker-shown")
            yield Input(
                placeholder=_("name, city, id or country code (FR, NO, US)"), id="picker-query"
            )
            yield Static(_("Loading the catalog …"), id="picker-summary")
            yield DataTable(id="picker-table", cursor_type="row", zebra_stripes=True)
            yield Static(id="picker-error")
        yield FittingFooter()

    def on_mount(self) -> None:
        table = self.query_one("#picker-table", DataTable)
        table.can_focus = False  # typing always goes to the search box
        for key, label in (
            ("name", _("System")),
            ("location", _("Location")),
            ("country", _("CC")),
            ("versions", "GBFS"),
            ("distance", _("Distance")),
            ("id", _("Id")),
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
            self.app.call_from_thread(
                self.show_error, _("Cannot read the system catalog: {problem}").format(problem=exc)
            )
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
        table = self.query_one("#picker-table", DataTable)
        table.clear()
        for index, row in enumerate(self.rows):
            table.add_row(*self._cells(row), key=str(index))
        if self.rows:
            table.move_cursor(row=0)
        self.query_one("#picker-summary", Static).update(self._summary(query))

    def _name_cell(self, entry: CatalogEntry) -> Text:
        current = any(system.url == entry.gbfs_url for system in self.shown)
        name = Text("● " if current else "  ", style="bold green")
        name.append(clean(entry.name, 32) or entry.system_id, style="bold" if current else "")
        return name

    def _cells(self, row: PickerRow) -> tuple[Text, ...]:
        entry = row.entry
        return (
            self._name_cell(entry),
            Text(clean(entry.location, 20)),
            Text(clean(entry.country, 3)),
            Text(clean(", ".join(entry.versions), 16), style="dim"),
            Text(format_km(row.distance_km), justify="right"),
            Text(clean(entry.system_id, 24), style="dim"),
        )

    def _summary(self, query: str) -> Text:
        shown = len(self.rows)
        total = f"{self.total:,}"
        more = ""
        if self.total > shown:
            more = _("; the first {shown} shown, type to narrow").format(shown=shown)
        if not query.strip():
            order = _("nearest first") if self.near is not None else _("type a city, a name or FR")
            systems = ngettext("{total} system", "{total} systems", self.total).format(total=total)
            return Text(f"{systems}, {order}{more}. " + _("↑↓ move") + f" · {self._hint()}")
        if not self.rows:
            sentence = _(
                "No system matches {query}. Try a city, a country code or an id; paste a "
                "gbfs.json URL; bikefinder --update-catalog adds every Citybikes network."
            )
            before, _query, after = sentence.partition("{query}")
            text = Text(before)
            text.append(clean(query, 60), style="bold")
            text.append(after)
            return text
        matches = ngettext("{total} match", "{total} matches", self.total).format(total=total)
        return Text(f"{matches}{more}. {self._hint()}")

    def _hint(self) -> str:
        """What Enter and + do on a match, which depends on how many systems are shown."""
        if len(self.shown) == 1:
            return _("Enter replaces the system shown · + adds it alongside · Escape closes")
        return _("Enter adds it (and closes) · + adds it · Escape closes")

    def show_error(self, message: str | None) -> None:
        self.error_message = message
        if not self.is_attached:
            return
        error = self.query_one("#picker-error", Static)
        error.update(Text(clean(message, 400)) if message else "")
        error.display = bool(message)

    # -- the systems shown ------------------------------------------------------------

    def _shown_options(self) -> list[Option]:
        return [Option(shown_line(system), id=system.url) for system in self.shown]

    def shown_lines(self) -> list[Text]:
        """The systems shown, as the picker lists them (``[x] Name``)."""
        return [shown_line(system) for system in self.shown]

    def _highlighted_shown(self) -> ShownSystem | None:
        index = self.query_one(ShownList).highlighted
        return self.shown[index] if index is not None and index < len(self.shown) else None

    def _after_edit(self, refusal: str | None = None) -> None:
        """Show the fleet as it is now (or why the change was refused, with a bell)."""
        if refusal is not None:
            self.app.bell()
            self.show_error(refusal)
            return
        self.show_error(None)
        self.shown = self.edits.shown()
        listed = self.query_one(ShownList)
        index = listed.highlighted
        listed.set_options(self._shown_options())
        if self.shown:
            listed.highlighted = min(index or 0, len(self.shown) - 1)
        table = self.query_one("#picker-table", DataTable)
        for position, row in enumerate(self.rows):
            table.update_cell(str(position), "name", self._name_cell(row.entry))
        self.query_one("#picker-summary", Static).update(self._summary(self.query_one(Input).value))

    def action_toggle_shown(self) -> None:
        """Turn the highlighted system shown on or off (space)."""
        system = self._highlighted_shown()
        if system is not None:
            self._after_edit(self.edits.toggle(system.url))

    def action_remove_shown(self) -> None:
        """Remove the highlighted system shown (d, Delete)."""
        system = self._highlighted_shown()
        if system is not None:
            self._after_edit(self.edits.remove(system.url))

    def action_focus_shown(self) -> None:
        listed = self.query_one(ShownList)
        listed.focus()
        if listed.highlighted is None and self.shown:
            listed.highlighted = 0

    def action_focus_search(self) -> None:
        self.query_one(Input).focus()

    # -- keys ------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """+ and Tab (to the systems shown) are the search's keys."""
        if action in ("add", "focus_shown"):
            return not isinstance(self.focused, ShownList)
        return True

    def action_move(self, rows: int) -> None:
        table = self.query_one("#picker-table", DataTable)
        if table.row_count:
            table.move_cursor(row=min(max(0, table.cursor_row + rows), table.row_count - 1))

    def action_cancel(self) -> None:
        self.dismiss(None)

    def action_choose(self) -> None:
        """Enter: on a match, replace the one system shown or add to several; on the
        systems shown, close."""
        if isinstance(self.focused, ShownList):
            self.dismiss(None)
            return
        row = self._highlighted_match()
        if row is not None:
            self.choose(row)

    def action_add(self) -> None:
        """+: show the highlighted match alongside the systems shown; the picker stays."""
        row = self._highlighted_match()
        source = self._source(row) if row is not None else None
        if source is None:
            return
        if self.edits.add(source):
            self._after_edit()
        else:
            shown = clean(source.label, 40) or source.gbfs_url
            self._after_edit(_("{system} is shown already.").format(system=shown))

    def _highlighted_match(self) -> PickerRow | None:
        if self.catalog is None or not self.rows:
            self.app.bell()
            return None
        return self.rows[self.query_one("#picker-table", DataTable).cursor_row]

    @on(DataTable.RowSelected, "#picker-table")
    def _row_clicked(self, event: DataTable.RowSelected) -> None:
        self.choose(self.rows[int(str(event.row_key.value))])

    def choose(self, row: PickerRow) -> None:
        """Replace the system shown if it is the only one (the app does it once the
        picker is dismissed), else add it; the picker closes."""
        source = self._source(row)
        if source is None:
            return
        if len(self.shown) == 1:
            self.dismiss(source)
            return
        self.edits.add(source)
        self.dismiss(None)

    def _source(self, row: PickerRow) -> SystemSource | None:
        """The ready source for ``row``; ``None`` (said on the screen) if it cannot be used."""
        assert self.catalog is not None
        try:
            return self.switching.source_for(row.entry, self.catalog, self.client_id)
        except BikefinderError as exc:
            self.app.bell()
            self.show_error(str(exc))
            return None
