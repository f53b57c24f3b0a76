"""The map panel (``M``): the listed stations around the query point, north up.

Geometry and classification are :mod:`bikefinder.rider.mapgrid`'s; this widget only
turns the grid into styled ``rich.text.Text`` (feed strings are never parsed as
markup) and redraws at whatever size the layout gives it.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.widget import Widget

from bikefinder.common.i18n import _
from bikefinder.common.text import clean
from bikefinder.common.units import Units
from bikefinder.rider.mapgrid import (
    HIGHLIGHT_GLYPH,
    ORIGIN_GLYPH,
    UNKNOWN_GLYPH,
    USEFUL_SAMPLE,
    USELESS_GLYPH,
    CellKind,
    MapGrid,
    MapPoint,
    map_points,
    rasterise,
)
from bikefinder.rider.modes import Mode
from bikefinder.rider.rows import Row, RowKey
from bikefinder.ui.widgets.safe import ScreenSafe
from bikefinder.ui.words import compass_words, row_name, wanted_words

CELL_STYLES = {
    CellKind.EMPTY: "",
    CellKind.USELESS: "red",
    CellKind.UNKNOWN: "yellow",
    CellKind.USEFUL: "bold green",
    CellKind.ORIGIN: "bold cyan",
    CellKind.HIGHLIGHT: "bold reverse",
}
#: Columns given to the legend beside the map (when the panel is wide enough).
LEGEND_WIDTH = 30


class MapPanel(ScreenSafe, Widget):
    """Draws the rows the table shows; the app calls :meth:`show` and :meth:`highlight`."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.border_title = _("Map · north up")
        self._origin: tuple[float, float] = (0.0, 0.0)
        self._rows: tuple[Row, ...] = ()
        self._points: list[MapPoint] = []
        self._mode = Mode.ANY_BIKE
        self.highlighted: RowKey | None = None
        #: The last grid drawn (tests and the legend read it).
        self.grid: MapGrid | None = None

    def show(
        self,
        origin: tuple[float, float],
        rows: Sequence[Row],
        mode: Mode,
        highlighted: RowKey | None,
    ) -> None:
        """Draw exactly ``rows`` (the table's rows, filter and view applied) for ``mode``."""
        self._origin, self._rows, self._mode = origin, tuple(rows), mode
        self._points = map_points(self._rows, mode)
        self.highlighted = highlighted
        self.refresh()

    def highlight(self, key: RowKey | None) -> None:
        """Mark the row under the table's cursor."""
        if key != self.highlighted:
            self.highlighted = key
            self.refresh()

    def render(self) -> Text:
        width, height = self.content_size.width, self.content_size.height
        if width < 4 or height < 1:
            return Text()
        legend_width = LEGEND_WIDTH if width >= LEGEND_WIDTH * 2 else 0
        map_width = width - legend_width - (1 if legend_width else 0)
        grid = rasterise(self._origin, self._points, map_width, height, self.highlighted)
        self.grid = grid
        legend = self._legend(grid, legend_width, height) if legend_width else []
        lines = []
        for y, row in enumerate(grid.cells):
            line = Text(no_wrap=True, overflow="crop")
            for glyph, kind in row:
                line.append(glyph, style=CELL_STYLES[kind])
            if legend_width:
                line.append(" ")
                line.append_text(legend[y] if y < len(legend) else Text())
            lines.append(line)
        return Text("\n").join(lines)

    def _legend(self, grid: MapGrid, width: int, height: int) -> list[Text]:
        """What the colours and marks mean, the selected station and the scale."""
        wanted = wanted_words(self._mode)
        lines: list[Text] = []
        count = len(self._rows)
        lines.append(Text(_("{count} listed").format(count=count), style="bold"))
        selected = next((row for row in self._rows if row.key == self.highlighted), None)
        if selected is not None:
            line = Text(HIGHLIGHT_GLYPH + " ", style=CELL_STYLES[CellKind.HIGHLIGHT])
            name = clean(row_name(selected), width - 2) or _("(unnamed)")
            line.append(name)
            lines.append(line)
            if selected.distance_m is not None:
                where = f"  {selected.distance_text} {compass_words(selected.bearing)}"
                lines.append(Text(where, style="dim"))
        lines.append(self._key(ORIGIN_GLYPH, CellKind.ORIGIN, _("you (query point)")))
        useful, useless = _("has {what}"), _("no {what} / closed")
        lines.append(self._key(USEFUL_SAMPLE, CellKind.USEFUL, useful.format(what=wanted)))
        lines.append(self._key(USELESS_GLYPH, CellKind.USELESS, useless.format(what=wanted)))
        lines.append(self._key(UNKNOWN_GLYPH, CellKind.UNKNOWN, _("unknown")))
        scale = grid.scale(max(1, width - 10), self._rows[0].units if self._rows else Units.METRIC)
        bar = Text("├" + "─" * max(0, scale.cells - 2) + "┤" if scale.cells >= 2 else "│")
        bar.append(f" {scale.label}")
        lines.append(bar)
        if grid.clipped:
            lines.append(Text(_("{count} off the map").format(count=grid.clipped), style="yellow"))
        if len(lines) > height:  # a short panel: keep the scale, drop keys from the end
            lines = [*lines[: height - 1], bar]
        for line in lines:
            line.truncate(width, overflow="ellipsis")
        return lines

    @staticmethod
    def _key(glyph: str, kind: CellKind, meaning: str) -> Text:
        text = Text(glyph, style=CELL_STYLES[kind])
        text.append(f" {meaning}")
        return text
