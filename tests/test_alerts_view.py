"""Which alert the header names, how the alerts screen lists them, and how the header
draws the alert line (with and without a problem, narrow and wide)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from copies import replace
from msgspec import structs
from rich.console import Console

from bikefinder.feeds.system_alerts import AlertWindow, SystemAlert, decode_system_alerts
from bikefinder.rider.alerts_view import ranked_alerts
from bikefinder.rider.listing import ListStatus
from bikefinder.rider.modes import Mode
from bikefinder.rider.rows import SceneSystem
from bikefinder.ui.status_words import (
    alert_entries_words,
    detail_words,
    headline_words,
    scope_words,
    when_words,
)
from bikefinder.ui.widgets.status_bar import HeaderState, header_lines, header_text

REAL = Path(__file__).parent / "fixtures" / "real_more"
NOW = datetime(2025, 10, 18, 9, 0, tzinfo=UTC)
LINZ = SceneSystem("linz", "city bike Linz", "http://linz/gbfs.json")
RENNINGEN = SceneSystem("ore", "CarSharing Renningen", "http://ore/gbfs.json")


def alert(alert_id: str, kind: str | None = "other", *, hours_ago: float | None = None,
          stations: tuple[str, ...] = (), **fields: object) -> SystemAlert:  # fmt: skip
    updated = NOW - timedelta(hours=hours_ago) if hours_ago is not None else None
    return SystemAlert(alert_id, kind, f"summary {alert_id}", station_ids=stations,
                       last_updated=updated, **fields)  # type: ignore[arg-type]  # fmt: skip


def test_system_wide_before_stations_then_closures_then_newest() -> None:
    station_closure = alert("station", "station_closure", hours_ago=0, stations=("s1",))
    old_notice = alert("old-notice", "other", hours_ago=5)
    new_notice = alert("new-notice", "other", hours_ago=1)
    closure = alert("closure", "system_closure", hours_ago=9)
    undated = alert("undated", None)
    ranked = ranked_alerts(
        [(LINZ, station_closure), (LINZ, undated), (RENNINGEN, old_notice),
         (LINZ, new_notice), (RENNINGEN, closure)]
    )  # fmt: skip
    assert [a.alert_id for _, a in ranked] == [
        "closure", "new-notice", "old-notice", "undated", "station",
    ]  # fmt: skip
    # Equal in every way: feed order, systems in the order shown.
    twins = [(LINZ, alert("a")), (RENNINGEN, alert("b"))]
    assert ranked_alerts(twins) == tuple(twins)


def test_headline_names_the_system_when_several_and_counts_the_rest() -> None:
    renningen = decode_system_alerts(
        (REAL / "oekostadt-renningen-mobidatabw_2.3_2025/system_alerts.json").read_bytes(), "u"
    ).alerts
    alerts = [(RENNINGEN, renningen[0])]
    assert headline_words(alerts, several=False) == "Keine Echtzeitdaten"
    both = [*alerts, (LINZ, alert("x", stations=("s",)))]
    headline = headline_words(both, several=True)
    assert headline == "CarSharing Renningen: Keine Echtzeitdaten (+1 more)"
    assert headline_words([], several=True) is None
    no_summary = replace(renningen[0], summary=None)
    headline = headline_words([(RENNINGEN, no_summary)], False)
    assert headline is not None and headline.startswith("Keine Echtzeitdaten zum")


def test_entries_say_system_scope_type_time_description_and_link() -> None:
    window = AlertWindow(NOW, NOW + timedelta(days=1))
    works = replace(alert("w", "station_closure", stations=("s1", "s2")), windows=(window,),
                    description="Docks\x07 replaced\u202e", url="https://x.test/w")  # fmt: skip
    [entry] = alert_entries_words([(LINZ, works)], ZoneInfo("Europe/Vienna"))
    assert entry.title == "summary w"
    assert entry.facts == (
        "city bike Linz · 2 stations · station closure"
        " · from Sat 18 Oct 11:00 until Sun 19 Oct 11:00"
    )
    assert entry.description == "Docks replaced" and entry.url == "https://x.test/w"
    assert scope_words(alert("r", region_ids=("north",))) == "1 region"
    assert scope_words(alert("all")) == "whole system"
    assert when_words(alert("all"), UTC) is None
    same = replace(alert("same"), description="summary same")
    assert alert_entries_words([(LINZ, same)], UTC)[0].description is None  # not said twice


def status_with(alerts: tuple[tuple[SceneSystem, SystemAlert], ...]) -> ListStatus:
    return ListStatus("Linz", (48.3, 14.3), "updated 5 s ago", station_count=3,
                      alert_count=len(alerts), alerts=alerts, refresh_s=60)  # fmt: skip


def test_the_detail_line_leaves_the_alerts_to_their_own_line() -> None:
    one = ((LINZ, alert("strike")),)
    assert "alert" not in detail_words(status_with(one), [], Mode.ANY_BIKE, "", None)
    assert headline_words(status_with(one).alerts, status_with(one).systems > 1) == (
        "summary strike"
    )
    counted_only = structs.replace(status_with(()), alert_count=2)
    assert "⚠ 2 alerts" in detail_words(counted_only, [], Mode.ANY_BIKE, "", None)


def lines(state: HeaderState, width: int) -> list[str]:
    console = Console(width=width, record=True, color_system=None)
    console.print(header_text(state, width))
    return console.export_text().splitlines()


def test_the_header_starts_its_second_line_with_the_alert_and_the_key() -> None:
    state = HeaderState("Renningen", (48.77, 8.94), Mode.ANY_BIKE, False, "updated 5 s ago",
                        detail="33 stations", alert="Keine Echtzeitdaten")  # fmt: skip
    shown = lines(state, 80)
    assert len(shown) == header_lines(state) == 2
    assert shown[1].startswith("⚠ Keine Echtzeitdaten  ! alerts · 33 stations")
    long = replace(state, alert="Renningen: " + "sehr " * 30 + "lange Meldung")
    narrow = lines(long, 60)[1]
    assert narrow.startswith("⚠ Renningen: sehr") and "! alerts" in narrow  # the key stays
    troubled = replace(state, problem="Renningen failing since 09:00", health="error")
    shown = lines(troubled, 60)
    assert len(shown) == header_lines(troubled) == 3
    assert "failing" in shown[1] and shown[2].startswith("⚠ Keine Echtzeitdaten")
    assert header_lines(replace(state, alert=None)) == 2
