"""Under the favourites view: favourites gone from this feed and those of other systems."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from bikefinder.common.text import clean
from bikefinder.rider.favourites import Favourite
from bikefinder.rider.listing import OtherFavourites
from bikefinder.ui.widgets.safe import ScreenSafe

#: Names listed per line, and lines (systems) listed: thousands of favourites would
#: otherwise make a panel taller than the screen and slow to lay out.
MAX_NAMES = 12
MAX_SYSTEMS = 8


def _names(favourites: list[Favourite]) -> str:
    shown = ", ".join(clean(f.name, 40) or clean(f.station_id, 40) for f in favourites[:MAX_NAMES])
    hidden = len(favourites) - MAX_NAMES
    return f"{shown} … and {hidden:,} more" if hidden > 0 else shown


def other_favourites_text(others: OtherFavourites) -> list[Text]:
    """One line per other system; feed text is literal."""
    lines: list[Text] = []
    systems = list(others.by_system.items())
    for system, favourites in systems[:MAX_SYSTEMS]:
        line = Text("In ", style="dim")
        line.append(clean(system, 40), style="bold")
        line.append(": ", style="dim")
        line.append(_names(favourites))
        lines.append(line)
    if len(systems) > MAX_SYSTEMS:
        hidden = systems[MAX_SYSTEMS:]
        count = sum(len(favourites) for _, favourites in hidden)
        lines.append(Text(f"… and {count:,} more in {len(hidden):,} other systems", style="dim"))
    return lines


class OtherFavouritesPanel(ScreenSafe, Static):
    """Hidden outside the favourites view and when there is nothing to say."""

    def show(self, others: OtherFavourites | None) -> None:
        lines = other_favourites_text(others) if others is not None else []
        self.display = bool(lines)
        if others is not None:
            self.update(Text("\n").join(lines))
