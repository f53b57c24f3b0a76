"""The big centred message in place of the table: loading, a failed first load, no rows."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from bikefinder.common.i18n import _
from bikefinder.common.text import clean
from bikefinder.ui.widgets.safe import ScreenSafe


class MessagePanel(ScreenSafe, Static):
    """Shown instead of (or under) the table when there is nothing to list. System names
    come from the catalog, learned coverage or a feed: cleaned here, and whatever is
    rendered passes :class:`ScreenSafe`."""

    def show(self, text: Text) -> None:
        self.update(text)
        self.display = True

    def show_loading(self, system_name: str) -> None:
        self.show(Text(_("Loading {system} …").format(system=clean(system_name, 80)), style="bold"))

    def show_load_error(
        self, system_name: str, error: str | None, wait_s: float, attempt: int
    ) -> None:
        """The first load failed: say what and when the next try is."""
        failed = _("Could not load {system}").format(system=clean(system_name, 80))
        text = Text(f"{failed}\n\n", style="bold red")
        text.append(clean(error, 400) + "\n\n", style="")
        text.append(
            _("Retrying in {wait} s (attempt {attempt}).").format(
                wait=f"{wait_s:.0f}", attempt=attempt
            )
            + " "
            + _("Press r to retry now, s to choose another system, q to quit."),
            style="dim",
        )
        self.show(text)

    def show_no_rows(self, favourites_view: bool, filter_query: str) -> None:
        """Why the list is empty: no favourites here, no name matches, or no stations."""
        if favourites_view and not filter_query.strip():
            text = Text(
                _(
                    "No favourites in this system yet. "
                    "Press v for all stations, then f on a station to add it."
                )
            )
        elif filter_query.strip():
            before, _query, after = _(
                "No station name matches {query}. Escape clears the filter."
            ).partition("{query}")
            text = Text(before)
            text.append(clean(filter_query, 60), style="bold")
            text.append(after)
        else:
            text = Text(_("This system lists no stations."))
        self.show(text)
