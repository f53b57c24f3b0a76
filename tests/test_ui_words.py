"""The app's own words for the rider and fleet layers' facts: in English they are the
printed output's words exactly (one rule, two spellings), or the exact English sentence
where nothing printed says it (the header's quiet line, the alerts, the refresh note); in
French and German they are translated, and the list's column headers and state words fit
their columns."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from itertools import product
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from copies import replace
from hypothesis import given
from hypothesis import strategies as st
from msgspec import structs

from bikefinder.common import i18n
from bikefinder.common.i18n import pgettext
from bikefinder.feeds.opening_status import OpeningStatus, status_text
from bikefinder.feeds.pricing import price_sentence, price_steps
from bikefinder.feeds.system_alerts import AlertWindow, SystemAlert
from bikefinder.feeds.vehicles import VehicleForm, vehicle_label
from bikefinder.rider.alerts_view import AlertEntry
from bikefinder.rider.listing import ListStatus
from bikefinder.rider.modes import Mode, StationState
from bikefinder.rider.reasons import Reason, ReasonKind, hours_reason, reason_text
from bikefinder.rider.refresh import (
    ALL_NEW,
    DEMO_UNCHANGED,
    AskedRefresh,
    RefreshSchedule,
    freshness,
)
from bikefinder.rider.rows import SceneSystem
from bikefinder.rider.scene import Query
from bikefinder.rider.staleness import format_age
from bikefinder.rider.trips import NoTrip, NoTripKind, no_trip_text
from bikefinder.systems.source import SystemSource
from bikefinder.ui.price_words import sentence_words, steps_words
from bikefinder.ui.station_cells import COLUMN_WIDTHS, COLUMNS, STATE_STYLES, STATUS_WIDTH
from bikefinder.ui.status_words import (
    alert_entries_words,
    detail_words,
    freshness_words,
    headline_words,
    trouble_words,
)
from bikefinder.ui.trip_words import no_trip_words
from bikefinder.ui.words import age_words, opens_words, reason_words, vehicle_words
from tests.test_modes import NEAR, T0, snapshot, station
from tests.test_pricing import PLAN_FOLDERS, plan_of, plans
from tests.test_scene import scene_of, three_stations

LANGUAGES = ("fr", "de")
PARIS = ZoneInfo("Europe/Paris")


@pytest.fixture
def english_after() -> Iterator[None]:
    yield
    i18n.use_language("en")


# -- in English: the printed output's words exactly ---------------------------------------


def every_reason() -> list[Reason]:
    opens = datetime(2025, 10, 18, 7, 0, tzinfo=PARIS)
    broken = [state for state in StationState if state is not StationState.OK]
    reasons = [Reason(ReasonKind.STATE, mode, state=state) for mode, state in product(Mode, broken)]
    for mode in Mode:
        reasons += [Reason(kind, mode) for kind in (ReasonKind.UNKNOWN, ReasonKind.NONE,
                                                    ReasonKind.NOT_A_BIKE)]  # fmt: skip
        reasons += [Reason(ReasonKind.ONLY, mode, count=count) for count in (0, 1, 2)]
        reasons += [Reason(ReasonKind.HOURS, mode, opens_at=opens + timedelta(days=days),
                           days_ahead=days) for days in (0, 1, 6, 7, 40)]  # fmt: skip
        reasons.append(Reason(ReasonKind.HOURS, mode))
    return [*reasons, Reason(ReasonKind.NOT_IN_FEED)]


@pytest.mark.parametrize("reason", every_reason(), ids=reason_text)
def test_reasons_in_english_are_the_printed_ones(reason: Reason) -> None:
    assert reason_words(reason) == reason_text(reason)


@pytest.mark.parametrize("days", [0, 1, 3, 6, 7, 200])
def test_hours_reason_says_what_status_text_says(days: int) -> None:
    now = datetime(2025, 10, 18, 22, 30, tzinfo=UTC)
    opens = (now + timedelta(days=days, hours=1)).astimezone(PARIS)
    status = OpeningStatus(is_open=False, opens_at=opens)
    reason = hours_reason(status, now, Mode.ANY_BIKE)
    assert reason_text(reason) == status_text(status, now) == opens_words(reason)


@given(st.floats(min_value=-10, max_value=10**8) | st.just(float("nan")))
def test_ages_in_english_are_format_age(seconds: float) -> None:
    assert age_words(seconds) == format_age(seconds)


@pytest.mark.parametrize(
    ("form", "electric"), list(product(VehicleForm, (True, False, None))), ids=str
)
def test_vehicle_names_in_english_are_vehicle_label(
    form: VehicleForm, electric: bool | None
) -> None:
    label = vehicle_label(form, electric)
    assert vehicle_words(form, electric) == label
    assert vehicle_words(form, electric, 3) == f"3 {label}s"


def test_freshness_and_trouble_in_english_are_the_rider_layers() -> None:
    live = SystemSource(gbfs_url="https://x.test/gbfs.json")
    data = snapshot([station("a", 100)])
    cases = []
    schedule = RefreshSchedule.starting(T0)
    cases.append(freshness(None, schedule, live, T0))
    cases.append(freshness(data, schedule, live, T0 + timedelta(seconds=8)))
    cases.append(freshness(data, schedule, live, T0 + timedelta(minutes=10)))
    cases.append(freshness(replace(data, from_cache=True), schedule, live, T0 + timedelta(hours=2)))
    cases.append(freshness(replace(data, within_ttl=True, fetched_at=T0), schedule, live,
                           T0 + timedelta(seconds=30)))  # fmt: skip
    schedule.failed("X: boom", "station_status: boom", T0)
    cases.append(freshness(None, schedule, live, T0))
    cases.append(freshness(data, schedule, live, T0 + timedelta(seconds=2)))
    cases.append(freshness(replace(data, from_cache=True), schedule, live, T0))
    partial = RefreshSchedule.starting(T0)
    partial.partial_error = "station_information: HTTP 500"
    cases.append(freshness(data, partial, live, T0))
    for fresh in cases:
        assert freshness_words(fresh) == fresh.text
        assert trouble_words(fresh) == fresh.problem


def test_refresh_notes_in_english() -> None:
    from bikefinder.ui.words import refreshed_words

    assert refreshed_words(DEMO_UNCHANGED) == "Refreshed: no change (demo data never changes)"
    assert refreshed_words(ALL_NEW) == "Refreshed: new availability"
    expected = {
        0: "Refreshed: no change",
        1: "Refreshed: 1 station changed",
        5: "Refreshed: 5 stations changed",
    }
    for changed, note in expected.items():
        asked = AskedRefresh()
        asked.start(["x"])
        asked.answered("x", changed)
        assert asked.finished()
        assert refreshed_words(asked.outcome(demo=False, problem=False)) == note
        assert refreshed_words(changed) == note
    assert refreshed_words(None) is None


#: (status, mode, name filter, minimum) -> the header's quiet line in English.
DETAIL_LINES = [
    ("one", Mode.ANY_BIKE, "", None,
     "3 stations · 2 of 3 listed have bikes · refresh every 30 s"),
    ("one", Mode.ANY_BIKE, "", 2,
     "3 stations · 2 of 3 listed have at least 2 bikes · refresh every 30 s"),
    ("one", Mode.ANY_BIKE, " al ", None,
     "3 stations · 2 of 3 listed have bikes · filter: al · refresh every 30 s"),
    ("one", Mode.ANY_BIKE, " al ", 2,
     "3 stations · 2 of 3 listed have at least 2 bikes · filter: al"
     " · refresh every 30 s"),
    ("one", Mode.EBIKE, "", None,
     "3 stations · 2 of 3 listed have e-bikes · refresh every 30 s"),
    ("one", Mode.EBIKE, "", 2,
     "3 stations · 2 of 3 listed have at least 2 e-bikes · refresh every 30 s"),
    ("one", Mode.EBIKE, " al ", None,
     "3 stations · 2 of 3 listed have e-bikes · filter: al · refresh every 30 s"),
    ("one", Mode.EBIKE, " al ", 2,
     "3 stations · 2 of 3 listed have at least 2 e-bikes · filter: al"
     " · refresh every 30 s"),
    ("one", Mode.DOCK, "", None,
     "3 stations · 2 of 3 listed have free docks · refresh every 30 s"),
    ("one", Mode.DOCK, "", 2,
     "3 stations · 2 of 3 listed have at least 2 free docks · refresh every 30 s"),
    ("one", Mode.DOCK, " al ", None,
     "3 stations · 2 of 3 listed have free docks · filter: al · refresh every 30 s"),
    ("one", Mode.DOCK, " al ", 2,
     "3 stations · 2 of 3 listed have at least 2 free docks · filter: al"
     " · refresh every 30 s"),
    ("several", Mode.ANY_BIKE, "", None,
     "2 systems · 3 stations · 4 vehicles · 2 of 3 listed have bikes · ⚠ 1 alert"
     " · 1 feed record skipped · bundled snapshot, never refreshed"),
    ("several", Mode.ANY_BIKE, "", 2,
     "2 systems · 3 stations · 4 vehicles · 2 of 3 listed have at least 2 bikes"
     " · ⚠ 1 alert · 1 feed record skipped · bundled snapshot, never refreshed"),
    ("several", Mode.ANY_BIKE, " al ", None,
     "2 systems · 3 stations · 4 vehicles · 2 of 3 listed have bikes · ⚠ 1 alert"
     " · filter: al · 1 feed record skipped · bundled snapshot, never refreshed"),
    ("several", Mode.ANY_BIKE, " al ", 2,
     "2 systems · 3 stations · 4 vehicles · 2 of 3 listed have at least 2 bikes"
     " · ⚠ 1 alert · filter: al · 1 feed record skipped"
     " · bundled snapshot, never refreshed"),
    ("several", Mode.EBIKE, "", None,
     "2 systems · 3 stations · 4 vehicles · 2 of 3 listed have e-bikes · ⚠ 1 alert"
     " · 1 feed record skipped · bundled snapshot, never refreshed"),
    ("several", Mode.EBIKE, "", 2,
     "2 systems · 3 stations · 4 vehicles · 2 of 3 listed have at least 2 e-bikes"
     " · ⚠ 1 alert · 1 feed record skipped · bundled snapshot, never refreshed"),
    ("several", Mode.EBIKE, " al ", None,
     "2 systems · 3 stations · 4 vehicles · 2 of 3 listed have e-bikes · ⚠ 1 alert"
     " · filter: al · 1 feed record skipped · bundled snapshot, never refreshed"),
    ("several", Mode.EBIKE, " al ", 2,
     "2 systems · 3 stations · 4 vehicles · 2 of 3 listed have at least 2 e-bikes"
     " · ⚠ 1 alert · filter: al · 1 feed record skipped"
     " · bundled snapshot, never refreshed"),
    ("several", Mode.DOCK, "", None,
     "2 systems · 3 stations · 4 vehicles · 2 of 3 listed have free docks · ⚠ 1 alert"
     " · 1 feed record skipped · bundled snapshot, never refreshed"),
    ("several", Mode.DOCK, "", 2,
     "2 systems · 3 stations · 4 vehicles · 2 of 3 listed have at least 2 free docks"
     " · ⚠ 1 alert · 1 feed record skipped · bundled snapshot, never refreshed"),
    ("several", Mode.DOCK, " al ", None,
     "2 systems · 3 stations · 4 vehicles · 2 of 3 listed have free docks · ⚠ 1 alert"
     " · filter: al · 1 feed record skipped · bundled snapshot, never refreshed"),
    ("several", Mode.DOCK, " al ", 2,
     "2 systems · 3 stations · 4 vehicles · 2 of 3 listed have at least 2 free docks"
     " · ⚠ 1 alert · filter: al · 1 feed record skipped"
     " · bundled snapshot, never refreshed"),
]  # fmt: skip


@pytest.mark.parametrize(("shown", "mode", "query", "minimum", "expected"), DETAIL_LINES)
def test_detail_line_in_english(
    shown: str, mode: Mode, query: str, minimum: int | None, expected: str
) -> None:
    rows = scene_of(snapshot(three_stations())).rows(Query(NEAR, limit=5), now=T0)
    status = ListStatus("X", NEAR, "updated 8 s ago", station_count=3, refresh_s=30.0)
    several = structs.replace(status, systems=2, vehicle_count=4, alert_count=1,
                              refresh_s=None, skipped=1)  # fmt: skip
    statuses = {"one": status, "several": several}
    assert detail_words(statuses[shown], rows, mode, query, minimum) == expected


def test_alerts_in_english() -> None:
    system = SceneSystem("x", "X bikes", "https://x.test/gbfs.json")
    window = AlertWindow(
        datetime(2025, 10, 6, 8, tzinfo=UTC), datetime(2025, 10, 10, 18, tzinfo=UTC)
    )
    alerts = [
        (system, SystemAlert("a", "station_closure", "Works", "Two docks", "https://u",
                             station_ids=("1", "2"), windows=(window,))),
        (system, SystemAlert("b", "other", None, None, region_ids=("r",))),
        (system, SystemAlert("c", "odd_type", None, "Only a description")),
        (system, SystemAlert("d", None, None)),
    ]  # fmt: skip
    assert alert_entries_words(alerts, PARIS) == [
        AlertEntry(
            title="Works",
            facts="X bikes · 2 stations · station closure"
            " · from Mon 06 Oct 10:00 until Fri 10 Oct 20:00",
            description="Two docks",
            url="https://u",
        ),
        AlertEntry(title="notice", facts="X bikes · 1 region · notice", description=None,
                   url=None),
        AlertEntry(title="Only a description", facts="X bikes · whole system · odd type",
                   description=None, url=None),
        AlertEntry(title="alert", facts="X bikes · whole system", description=None, url=None),
    ]  # fmt: skip
    headlines = {
        False: [None, "Works", "Works (+1 more)", "Works (+2 more)", "Works (+3 more)"],
        True: [None, "X bikes: Works", "X bikes: Works (+1 more)", "X bikes: Works (+2 more)",
               "X bikes: Works (+3 more)"],
    }  # fmt: skip
    for several, expected in headlines.items():
        for count in range(len(alerts) + 1):
            assert headline_words(alerts[:count], several) == expected[count]


@pytest.mark.parametrize("folder", PLAN_FOLDERS)
def test_prices_in_english_are_the_feeds_sentences(folder: str) -> None:
    for plan in plans(folder, "en").plans:
        assert sentence_words(plan) == price_sentence(plan)
        assert steps_words(plan) == price_steps(plan)


def test_edge_prices_in_english_are_the_feeds_sentences() -> None:
    edge = [
        plan_of(currency="USD", price=2.0, per_km_pricing=[
            {"start": 10, "rate": 1.0, "interval": 1, "end": 25},
            {"start": 25, "rate": 0.5, "interval": 1}, {"start": 25, "rate": 3.0, "interval": 5}]),
        plan_of(price=0),
        plan_of(price=0, per_min_pricing=[{"start": 0, "rate": 0.1, "interval": 1}]),
        plan_of(per_min_pricing=[{"start": 15, "rate": 2, "interval": 0}]),
        plan_of(per_min_pricing=[{"start": 0, "rate": 1, "interval": 60}], surge_pricing=True),
        plan_of(per_min_pricing=[{"start": 0, "rate": 1, "interval": 90, "end": 200},
                                 {"start": 30, "rate": 1, "interval": 15}]),
        plan_of(currency="euro"),
    ]  # fmt: skip
    for plan in edge:
        assert sentence_words(plan) == price_sentence(plan)
        assert steps_words(plan) == price_steps(plan)


@pytest.mark.parametrize("kind", list(NoTripKind))
@pytest.mark.parametrize("electric", [False, True])
def test_no_trip_reasons_in_english_are_the_rider_layers(kind: NoTripKind, electric: bool) -> None:
    no_trip = NoTrip(kind, electric, "" if kind is NoTripKind.NO_DATA else "A, B")
    assert no_trip_words(no_trip) == no_trip_text(no_trip)


# -- in French and German ------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_column_headers_and_state_words_fit_their_columns(
    language: str, english_after: None
) -> None:
    i18n.use_language(language)
    widths = {**COLUMN_WIDTHS, "rank": 1, "status": STATUS_WIDTH}
    for key, label, _right in COLUMNS:  # the English labels: the module was imported in English
        if key != "name":
            assert len(pgettext("column", label)) <= widths[key], (key, pgettext("column", label))
    for label, _style in STATE_STYLES.values():
        assert len(f" {i18n._(label)} ") <= STATUS_WIDTH, i18n._(label)


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("fr", ["seulement 2 vélos", "fermé, ouvre sam. 07:00", "fermé, ouvre 7 déc.", "2 j",
                "aucun vélo électrique", "pleine", "€1 au départ, puis €1 par 15 min",
                "NON INSTALLÉE"]),
        ("de", ["nur 2 Räder", "geschlossen, öffnet Sa 07:00", "geschlossen, öffnet 7. Dez.",
                "2 T", "keine E-Bikes", "voll", "€1 zum Start, dann €1 pro 15 min", "ABGEBAUT"]),
    ],
)  # fmt: skip
def test_reasons_hours_ages_and_prices_translated(
    language: str, words: list[str], english_after: None
) -> None:
    i18n.use_language(language)
    saturday = datetime(2025, 10, 18, 7, 0, tzinfo=PARIS)
    december = datetime(2025, 12, 7, 7, 0, tzinfo=PARIS)
    plan = plan_of(per_min_pricing=[{"start": 0, "rate": 1, "interval": 15}])
    said = [
        reason_words(Reason(ReasonKind.ONLY, Mode.ANY_BIKE, count=2)),
        reason_words(Reason(ReasonKind.HOURS, opens_at=saturday, days_ahead=2)),
        reason_words(Reason(ReasonKind.HOURS, opens_at=december, days_ahead=50)),
        age_words(2 * 86400 + 5),
        reason_words(Reason(ReasonKind.NONE, Mode.EBIKE)),
        reason_words(Reason(ReasonKind.NONE, Mode.DOCK)),
        sentence_words(plan),
        i18n._(STATE_STYLES[StationState.NOT_INSTALLED][0]),
    ]
    assert said == words


def lost_best_cases() -> list[tuple[object, object, object]]:
    """(before, after, scene) for each way a best trip is lost (tests/test_trip_changes)."""
    from tests.test_trip_changes import TO, two_drops, with_status
    from tests.test_trips import plan, scene, snapshot, vehicle

    cases = []
    before = plan(scene(two_drops()), TO)
    for changed in (two_drops(near_docks=0), two_drops(pickup_bikes=0)):
        cases.append((before, plan(scene(changed), TO), scene(changed)))
    base = two_drops()
    stations = list(base.stations)
    stations[1] = with_status(stations[1], is_returning=False)
    no_returns = scene(replace(base, stations=tuple(stations)))
    cases.append((before, plan(no_returns, TO), no_returns))
    stations = list(base.stations)
    stations[0] = with_status(stations[0], is_renting=False)
    no_rents = scene(replace(base, stations=tuple(stations)))
    cases.append((before, plan(no_rents, TO), no_rents))
    gone = scene(replace(base, stations=tuple(base.stations[1:])))
    cases.append((before, plan(gone, TO), gone))
    taken_before = plan(scene(snapshot("ff", vehicles=[vehicle("v1", 30)])), TO)
    taken = scene(snapshot("ff", vehicles=[vehicle("v2", 400)]))
    cases.append((taken_before, plan(taken, TO), taken))
    return cases


def test_lost_trip_notices_in_english_are_the_rider_layers(english_after: None) -> None:
    from bikefinder.rider.trip_changes import lost_best, lost_best_notice
    from bikefinder.ui.trip_words import lost_best_words

    cases = lost_best_cases()
    for before, after, scene in cases:
        lost = lost_best(before, after, scene)  # type: ignore[arg-type]
        assert lost is not None
        assert lost_best_words(lost) == lost_best_notice(before, after, scene)  # type: ignore[arg-type]
    i18n.use_language("fr")
    said = [lost_best_words(lost_best(*case)) for case in cases]  # type: ignore[arg-type]
    assert said[0].startswith("Station d1 est maintenant pleine : meilleur suivant Station p → ")
    assert said[-1].startswith("vélo électrique plus disponible : meilleur suivant")


def test_left_out_notes_in_english_are_the_scenes(english_after: None) -> None:
    from bikefinder.ui.status_words import left_out_words
    from tests.test_vehicle_kinds import CAR_TYPE, DOCKS, car_station, scene, snapshot, zone

    cars = snapshot(stations=(car_station("LIBERTE", 1),), vehicle_types={"car": CAR_TYPE})
    zones = snapshot(stations=(zone("a", 10, capacity=0), zone("b", 20),
                               zone("c", 40, area_span_m=12_000.0)))  # fmt: skip
    one_zone = snapshot(stations=(zone("a", 10, capacity=0),))
    for built in (scene((DOCKS, cars)), scene((DOCKS, zones)), scene((DOCKS, one_zone))):
        assert built.left_out() and left_out_words(built) == built.left_out()
    i18n.use_language("de")
    assert left_out_words(scene((DOCKS, cars))) == [
        "Docks hat keine Räder (Autos): nicht gelistet (--vehicles all listet es)"
    ]


def test_notes_from_below_the_ui_are_english_when_printed_and_translated_in_the_app() -> None:
    from bikefinder.common import i18n
    from bikefinder.common.phrases import phrase, plural_phrase
    from bikefinder.fleet.fleet import OTHER_VEHICLES
    from bikefinder.ui.words import say

    more = plural_phrase(
        "{count} more system covers this point; loaded the {loaded} nearest (--max-systems N)",
        "{count} more systems cover this point; loaded the {loaded} nearest (--max-systems N)",
        2,
        loaded=6,
    )
    dropped = phrase(
        "{system} has no bicycles ({what}): left out of this bike view, and not chosen for "
        "one again (--vehicles all lists it)",
        system="Getaround",
        what=phrase(OTHER_VEHICLES["car"]),
    )
    assert str(more) == "2 more systems cover this point; loaded the 6 nearest (--max-systems N)"
    assert str(dropped).startswith("Getaround has no bicycles (cars): left out")
    try:
        i18n.use_language("fr")
        assert say(more).startswith("2 autres réseaux couvrent ce point")
        assert say(dropped).startswith("Getaround n'a pas de vélos (voitures)")
        assert say("HTTP 503") == "HTTP 503"  # not a phrase: said as it is
        assert str(more).startswith("2 more systems")  # printed output stays English
        i18n.use_language("de")
        assert say(dropped).startswith("Getaround hat keine Räder (Autos)")
    finally:
        i18n.use_language("en")


def test_a_favourites_notice_is_english_as_text_and_translated_by_the_app(tmp_path: Path) -> None:
    from bikefinder.common import i18n
    from bikefinder.rider.favourites import FavouritesStore
    from bikefinder.ui.words import say

    path = tmp_path / "favourites.json"
    path.write_text("", encoding="utf-8")
    store = FavouritesStore(path)
    assert store.load() == []
    (notice,) = store.take_notices()
    assert notice.startswith(f"favourites file {path} was empty; moved aside to ")
    try:
        i18n.use_language("fr")
        assert say(notice).startswith(f"fichier des favoris {path} (vide) mis de côté sous ")
        i18n.use_language("de")
        assert say(notice).startswith(f"Favoritendatei {path} (leer) beiseitegelegt als ")
    finally:
        i18n.use_language("en")


async def test_a_failing_notify_command_is_said_in_the_ui_language() -> None:
    from bikefinder.common import i18n
    from bikefinder.rider.watches import run_notify_command
    from bikefinder.ui.words import say

    problem = await run_notify_command("false", {})
    assert problem == "notify command 'false' exited with status 1"
    try:
        i18n.use_language("fr")
        assert say(problem) == "la commande de notification 'false' s'est terminée avec le code 1"
    finally:
        i18n.use_language("en")


def test_a_count_cell_styled_by_its_row_leaves_the_next_one_as_it_was() -> None:
    from bikefinder.ui.station_cells import count_cell

    first = count_cell(1, 2, 6, stock=True)
    assert first.plain.strip() == "◐1↑"
    expected = first.copy()
    first.stylize("dim")  # what a row that is no option does to its cells
    again = count_cell(1, 2, 6, stock=True)
    assert again == expected and again is not first
    assert again.cell_len == 6
