"""Under the favourites view: favourites gone from this feed and those of other systems."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from bikefinder.core.listing import OtherFavourites
from bikefinder.core.text import clean


def other_favourites_text(others: OtherFavourites) -> list[Text]:
    """One line for the missing favourites, one per other system; feed text is literal."""
    lines: list[Text] = []
    if others.missing:
        line = Text("Not in this system's feed right now: ", style="bold yellow")
        line.append(", ".join(clean(f.name, 40) or f.station_id for f in others.missing))
        lines.append(line)
    for system, favourites in others.by_system.items():
        line = Text("In ", style="dim")
        line.append(clean(system, 40), style="bold")
        line.append(": ", style="dim")
        line.append(", ".join(clean(f.name, 40) or f.station_id for f in favourites))
        lines.append(line)
    return lines


class OtherFavouritesPanel(Static):
    """Hidden outside the favourites view and when there is nothing to say."""

    def show(self, others: OtherFavourites | None) -> None:
        lines = other_favourites_text(others) if others is not None else []
        self.display = bool(lines)
        if others is not None:
            self.update(Text("\n").join(lines))
