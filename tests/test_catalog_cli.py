"""The catalog from the command line, run as a subprocess: exit codes and messages."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from conftest import age_feed_cache

from bikefinder.systems.coverage import coverage_from_points

if TYPE_CHECKING:
    from tests.conftest import FeedServer


def test_ambiguous_name_exits_2_listing_candidates(run_cli) -> None:
    result = run_cli("--once", "--near", "19.43,-99.13", "--system", "ecobici")
    assert result.code == 2
    line = result.error_line
    assert line.startswith("bikefinder: error: --system 'ecobici' matches 2 systems")
    assert "MEX (Ecobici, Mexico City, MX)" in line and "bike_buenosaires" in line


def test_unknown_name_exits_2_with_suggestions(run_cli) -> None:
    result = run_cli("--once", "--near", "60.39,5.32", "--system", "Bergn")
    assert result.code == 2
    assert "no system in the catalog matches 'Bergn'" in result.error_line
    assert "did you mean: bergen-city-bike (Bergen City Bike, Bergen, NO)" in result.error_line


def test_point_far_from_every_system_exits_2(run_cli) -> None:
    """A point no system covers is a usage-level answer, like an unknown --system."""
    result = run_cli("--once", "--near", "-45.0,-140.0")  # a negative value, not an option
    assert result.code == 2
    assert "no known bike-share system covers -45.00000,-140.00000" in result.error_line
    assert "--system" in result.error_line


def test_neither_system_nor_near_is_a_usage_error(run_cli) -> None:
    result = run_cli("--once")
    assert result.code == 2
    assert "--system NAME or URL, or --near" in result.error_line


def test_list_systems_table_and_json(run_cli) -> None:
    table = run_cli("--list-systems", "Bergen")
    assert table.code == 0
    lines = table.stdout.splitlines()
    assert lines[0].split() == ["ID", "Name", "Location", "CC", "GBFS", "Auto-discovery", "URL"]
    assert lines[2].startswith("bergen-city-bike  Bergen City Bike")
    assert "https://gbfs.urbansharing.com/bergenbysykkel.no/gbfs.json" in lines[2]
    assert lines[-1] == "(4 systems)"

    as_json = run_cli("--list-systems", "velib metropole", "--format", "json")
    records = as_json.json()
    assert records[0]["id"] == "Paris"
    assert records[0]["versions"] == ["1.0"]
    assert {record["id"] for record in records} == {"Paris", "citybikes:velib"}


def test_list_systems_matching_nothing_is_a_usage_answer(run_cli) -> None:
    """Exit 2, like an unknown --system; non-Latin queries are matched, not dropped."""
    nothing = run_cli("--list-systems", "qqqqzzzz")
    assert nothing.code == 2 and nothing.stdout == ""
    assert nothing.error_line == "bikefinder: no system in the catalog matches 'qqqqzzzz'"
    as_json = run_cli("--list-systems", "zzzzqq", "--format", "json")
    assert as_json.code == 2 and as_json.json() == []
    tokyo = run_cli("--list-systems", "東京")  # folded to "" before: listed every system
    assert tokyo.code == 2 and tokyo.stdout == ""
    unknown = run_cli("--once", "--system", "Москва")  # "needs a system name" before
    assert unknown.code == 2
    assert "no system in the catalog matches 'Москва'" in unknown.error_line


def test_near_alone_picks_a_remembered_system(feed_server: FeedServer, run_cli, tmp_path) -> None:
    """A system loaded before (here: its coverage written directly) is chosen by location."""
    gbfs_url = feed_server.serve_fixture("velib_v1_2022")
    coverage = coverage_from_points(gbfs_url, "Test Bikes", [(-45.1, -140.1), (-44.9, -139.9)])
    assert coverage is not None
    cache = tmp_path / "home" / ".cache" / "bikefinder"
    cache.mkdir(parents=True)
    (cache / "coverage.json").write_text(json.dumps({"systems": [coverage.to_json()]}))
    result = run_cli("--once", "--near=-45.0,-140.0", "--format", "json", "--limit", "1")
    assert result.code == 0, result.stderr
    document = result.json()
    assert document["system"]["gbfs_url"] == gbfs_url
    assert document["chosen_by"] == "chosen from --near -45.00000,-140.00000"
    # Loading it replaced the planted coverage with where its stations really are.
    stored = json.loads((cache / "coverage.json").read_text())["systems"]
    assert [record["gbfs_url"] for record in stored] == [gbfs_url]
    assert 48.5 < stored[0]["centre"][0] < 49.2


def test_once_remembers_where_a_system_is(feed_server: FeedServer, run_cli) -> None:
    """No known system covers the point until one is loaded there by URL; then --near
    alone finds it."""
    gbfs_url = feed_server.serve_fixture("mobilitydata_fixtures_v2.3")  # a station at 12.34N 45.67E
    before = run_cli("--once", "--near", "12.33,45.66")
    assert before.code == 2 and "no known bike-share system covers" in before.error_line
    first = run_cli("--once", "--near", "12.33,45.66", "--system", gbfs_url)
    assert first.code == 0, first.stderr
    table = run_cli("--once", "--near", "12.33,45.66")
    assert table.code == 0, table.stderr
    assert " (chosen from --near 12.33000,45.66000): 2 stations;" in table.stdout.splitlines()[0]
    again = run_cli("--once", "--near", "12.33,45.66", "--format", "json")
    document = again.json()
    assert document["system"]["gbfs_url"] == gbfs_url
    assert document["chosen_by"] == "chosen from --near 12.33000,45.66000"


def test_place_name_for_near_uses_the_geocode_cache(
    feed_server: FeedServer, run_cli, tmp_path: Path
) -> None:
    gbfs_url = feed_server.serve_fixture("velib_v1_2022")
    cache = tmp_path / "home" / ".cache" / "bikefinder"
    cache.mkdir(parents=True)
    place = {"lat": 48.8443, "lon": 2.3744, "address": "Gare de Lyon, Paris"}
    (cache / "geocode.json").write_text(json.dumps({"places": {"gare de lyon, paris": place}}))
    result = run_cli(
        "--once", "--near", "Gare de Lyon,  PARIS", "--system", gbfs_url, "--format", "json"
    )
    assert result.code == 0, result.stderr
    assert result.json()["near"] == {"lat": 48.8443, "lon": 2.3744}


def test_config_file_sets_the_default_system_and_flags_win(
    feed_server: FeedServer, run_cli, tmp_path: Path
) -> None:
    config = tmp_path / "home" / ".config" / "bikefinder"
    config.mkdir(parents=True)
    (config / "config.toml").write_text('system = "no-such-system-anywhere"\n')
    from_config = run_cli("--once", "--near", "48.85,2.35")
    assert from_config.code == 2
    assert "'no-such-system-anywhere'" in from_config.error_line

    gbfs_url = feed_server.serve_fixture("velib_v1_2022")
    (config / "config.toml").write_text(
        f'system = "{gbfs_url}"\nclient_id = "me-bikefinder-tests"\n'
    )
    configured = run_cli("--once", "--near", "48.85,2.35", "--format", "json")
    assert configured.code == 0, configured.stderr
    sent = feed_server.requests_for("/velib_v1_2022/gbfs.json")[-1].headers
    assert sent["client-identifier"] == "me-bikefinder-tests"

    age_feed_cache(tmp_path / "home" / ".cache")  # past the ttl: the server is asked
    flag = run_cli("--once", "--near", "48.85,2.35", "--client-id", "flag-id", "--format", "json")
    assert flag.code == 0
    assert (
        feed_server.requests_for("/velib_v1_2022/gbfs.json")[-1].headers["client-identifier"]
        == "flag-id"
    )


def test_broken_config_file_is_one_line_exit_2(run_cli, tmp_path: Path) -> None:
    config = tmp_path / "home" / ".config" / "bikefinder"
    config.mkdir(parents=True)
    (config / "config.toml").write_text("system = [unclosed\n")
    result = run_cli("--once", "--near", "48.85,2.35")
    assert result.code == 2
    assert "config.toml: invalid TOML" in result.error_line


def test_list_systems_csv_neutralises_formula_cells() -> None:
    """A catalog entry named like a formula cannot run in a spreadsheet."""
    import csv
    import io

    from bikefinder.cli.catalog import format_entries
    from bikefinder.systems.entries import CatalogEntry

    entry = CatalogEntry("=cmd", "=cmd|' /C calc'!A0", "https://x.test/gbfs.json", "@home")
    rows = list(csv.reader(io.StringIO(format_entries([entry], "csv"))))
    assert rows[1][:3] == ["'=cmd", "'=cmd|' /C calc'!A0", "'@home"]
