"""Under the favourites view: favourites gone from this feed and those of other systems."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from bikefinder.common.i18n import _
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
    if hidden <= 0:
        return shown
    return _("{names} … and {count} more").format(names=shown, count=f"{hidden:,}")


def other_favourites_text(others: OtherFavourites) -> list[Text]:
    """One line per other system; feed text is literal."""
    lines: list[Text] = []
    systems = list(others.by_system.items())
    for system, favourites in systems[:MAX_SYSTEMS]:
        before, _system, after = _("In {system}: ").partition("{system}")
        line = Text(before, style="dim")
        line.append(clean(system, 40), style="bold")
        line.append(after, style="dim")
        line.append(_names(favourites))
        lines.append(line)
    if len(systems) > MAX_SYSTEMS:
        hidden = systems[MAX_SYSTEMS:]
        count = sum(len(favourites) for _system, favourites in hidden)
        more = _("… and {count} more in {systems} other systems").format(
            count=f"{count:,}", systems=f"{len(hidden):,}"
        )
        lines.append(Text(more, style="dim"))
    return lines


class OtherFavouritesPanel(ScreenSafe, Static):
    """Hidden outside the favourites view and when there is nothing to say."""

    def show(self, others: OtherFavourites | None) -> None:
        lines = other_favourites_text(others) if others is not None else []
        self.display = bool(lines)
        if others is not None:
            self.update(Text("\n").join(lines))
