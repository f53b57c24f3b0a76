"""The ``!`` panel: every active alert in full, most important first; Escape closes it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import tzinfo
from typing import ClassVar

from rich.console import Group, RenderableType
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen

from bikefinder.common.i18n import _
from bikefinder.rider.alerts_view import AlertEntry, SystemAlerts
from bikefinder.ui.status_words import alert_entries_words
from bikefinder.ui.widgets.safe import SafeStatic
from bikefinder.ui.widgets.status_bar import ALERT_STYLE


def alerts_renderable(entries: Sequence[AlertEntry]) -> Group:
    """Each alert: its title, then system, scope, type and time, its description and
    link, a blank line between alerts (``Text`` only: feed strings are never parsed)."""
    if not entries:
        return Group(Text(_("No active alerts."), style="dim"))
    parts: list[RenderableType] = []
    for number, entry in enumerate(entries):
        if number:
            parts.append(Text())
        parts.append(Text(f"⚠ {entry.title}", style=ALERT_STYLE))
        parts.append(Text(entry.facts, style="dim"))
        if entry.description:
            parts.append(Text(entry.description))
        if entry.url:
            parts.append(Text(entry.url, style="underline"))
    return Group(*parts)


class AlertsScreen(ModalScreen[None]):
    """A modal list of the active alerts; fits a 60x20 terminal (it scrolls)."""

    DEFAULT_CSS = """
    AlertsScreen {
        align: center middle;
    }
    #alerts-dialog {
        width: 72;
        max-width: 100%;
        height: auto;
        max-height: 100%;
        padding: 0 1;
        border: round $warning;
        background: $surface;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", _("Close"), show=True),
        Binding("exclamation_mark", "close", _("Close"), show=False),
    ]

    def __init__(self, entries: Sequence[AlertEntry]) -> None:
        super().__init__()
        self.entries = list(entries)

    @classmethod
    def of(cls, alerts: SystemAlerts, zone: tzinfo | None) -> AlertsScreen:
        """The screen for ``alerts`` (ranked), times in ``zone``."""
        return cls(alert_entries_words(alerts, zone))

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="alerts-dialog") as dialog:
            count = len(self.entries)
            dialog.border_title = (
                _("Alerts ({count})").format(count=count) if count else _("Alerts")
            )
            dialog.border_subtitle = _("Escape: back")
            yield SafeStatic(alerts_renderable(self.entries), id="alerts-body")

    def action_close(self) -> None:
        self.dismiss(None)
