"""Terminal injection through names that reach the screen.

A system name holding ``ESC]52;c;…`` (an OSC 52 clipboard write) used to reach the
terminal raw in the "Loading …" / "Could not load …" panel, and was stored in learned
coverage to be replayed on the next start. Now every line a bikefinder widget renders
passes one step, :class:`bikefinder.ui.widgets.safe.ScreenSafe`; names are cleaned
before they are stored.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx
from textual.app import App, ComposeResult
from textual.geometry import Region
from textual.widget import Widget
from ui_support import SIZE, make_app, settle

from bikefinder.common.text import screen_safe
from bikefinder.rider.favourites import Favourite
from bikefinder.rider.listing import OtherFavourites
from bikefinder.rider.modes import Mode
from bikefinder.systems.coverage import load_coverages, remember_coverage
from bikefinder.systems.source import SystemSource
from bikefinder.ui.screens.details import DetailsScreen
from bikefinder.ui.screens.watch_dialog import WatchDialog
from bikefinder.ui.widgets.filter_bar import FilterBar
from bikefinder.ui.widgets.map_panel import MapPanel
from bikefinder.ui.widgets.message_panel import MessagePanel
from bikefinder.ui.widgets.other_favourites import OtherFavouritesPanel
from bikefinder.ui.widgets.safe import SafeLabel, SafeStatic, ScreenSafe, safe_strip
from bikefinder.ui.widgets.status_bar import HeaderState, StatusBar

OSC52 = "\x1b]52;c;ZXZpbA==\x07"
EVIL = f"Evil{OSC52}Bikes\u202e\x9b2J"
UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def rendered(widget: Widget) -> str:
    """Exactly the text a widget hands to the terminal, line by line."""
    width, height = widget.size
    return " | ".join(s.text for s in widget.render_lines(Region(0, 0, width, height)))


def test_screen_safe_removes_what_takes_no_cell() -> None:
    assert screen_safe(EVIL) == "Evil]52;c;ZXZpbA==Bikes2J"
    assert screen_safe("Hôtel de Ville") == "Hôtel de Ville"
    assert screen_safe("a\udc80") == "a\ufffd"


class _Host(App[None]):
    def compose(self) -> ComposeResult:
        yield StatusBar(id="status")
        yield MessagePanel(id="message")
        yield OtherFavouritesPanel(id="others")
        yield SafeStatic(id="raw")
        yield FilterBar(id="filter")


async def test_every_panel_renders_hostile_names_without_escapes() -> None:
    app = _Host()
    async with app.run_test(size=(100, 30)) as pilot:
        status = app.query_one(StatusBar)
        status.show(
            HeaderState(
                system_name=EVIL, near=(48.0, 2.0), mode=Mode.ANY_BIKE, favourites_view=True,
                freshness="updated now", problem=EVIL, near_note=EVIL,
            )
        )  # fmt: skip
        message = app.query_one(MessagePanel)
        others = app.query_one(OtherFavouritesPanel)
        favourite = Favourite("https://x.test/gbfs.json", "x", EVIL, EVIL, EVIL, "2026")
        others.show(OtherFavourites(by_system={EVIL: [favourite]}))
        raw = app.query_one(SafeStatic)
        raw.update(EVIL)  # a widget that forgot clean() entirely
        raw.border_title = EVIL
        app.query_one(FilterBar).value = EVIL  # pasted into the filter
        for show in (
            lambda: message.show_loading(EVIL),
            lambda: message.show_load_error(EVIL, EVIL, 5, 2),
            lambda: message.show_no_rows(False, EVIL),
        ):
            show()
            await pilot.pause()
            for widget in (status, message, others, raw, app.query_one(FilterBar)):
                text = rendered(widget)
                if widget is status or widget is message:
                    assert "Evil" in text, widget
                assert not UNSAFE.search(text), (type(widget).__name__, text)
        assert "ZXZpbA" in rendered(raw)  # shown literally, just inert
        assert "\x1b" not in app.export_screenshot()


def test_the_widgets_that_show_feed_text_are_screen_safe() -> None:
    """Structural: the cleaning is in the class, not in each call site."""
    for widget in (MessagePanel, StatusBar, OtherFavouritesPanel, MapPanel, FilterBar,
                   SafeStatic, SafeLabel):  # fmt: skip
        assert issubclass(widget, ScreenSafe), widget
    # The screens build their bodies from SafeStatic / SafeLabel.
    import inspect

    for screen in (DetailsScreen, WatchDialog):
        source = inspect.getsource(inspect.getmodule(screen))  # type: ignore[arg-type]
        assert "SafeStatic(" in source
        assert not re.search(r"(?<!Safe)(Static|Label)\(", source), screen


def test_safe_strip_keeps_safe_lines_as_they_are() -> None:
    from rich.segment import Segment
    from textual.strip import Strip

    strip = Strip([Segment("Gare du Nord"), Segment(" 5 ")])
    assert safe_strip(strip) is strip
    dirty = Strip([Segment(f"a{OSC52}b")])
    assert safe_strip(dirty).text == "a]52;c;ZXZpbA==b"


async def test_loading_panel_of_the_app_with_a_hostile_catalog_name(tmp_path: Path) -> None:
    """The issue's path: a name from the catalog / learned coverage, first load failing."""
    source = SystemSource(
        gbfs_url="https://evil.test/gbfs.json",
        label=EVIL,
        transport=httpx.MockTransport(lambda request: httpx.Response(503)),
    )
    app = make_app(source=source, favourites_path=tmp_path / "favourites.json")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        message = app.stations.query_one(MessagePanel)
        text = rendered(message)
        assert "Could not load Evil" in text
        assert not UNSAFE.search(text), text
        assert not UNSAFE.search(rendered(app.stations.query_one(StatusBar)))
        assert "\x1b" not in app.export_screenshot()


def test_names_are_cleaned_before_they_are_stored_in_coverage(tmp_path: Path) -> None:
    from bikefinder.feeds.models import Station, StationInfo

    stations = [
        Station(StationInfo(station_id=str(i), name="s", lat=48 + i / 100, lon=2.0), None)
        for i in range(10)
    ]
    stored = remember_coverage(tmp_path, "https://evil.test/gbfs.json", EVIL, stations)
    assert stored is not None
    raw = (tmp_path / "coverage.json").read_text()
    names = [system["name"] for system in json.loads(raw)["systems"]]
    assert names and not any(UNSAFE.search(name) for name in names), names
    assert "\\u001b" not in raw and "\x1b" not in raw
    assert [c.name for c in load_coverages(tmp_path / "coverage.json")] == names
