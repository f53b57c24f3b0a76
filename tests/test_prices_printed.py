"""The price sentence in every printed format: table column, line and JSON alike."""

from __future__ import annotations

from test_nearby_once import LINZ, once

from tests.test_loader_optional_feeds import serve_real

SENTENCE = "from €1 to start, then €1 per 15 min, 2 plans"


def test_the_same_price_sentence_in_table_line_and_json(feed_server, run_main) -> None:
    linz = serve_real(feed_server, "nextbike-linz_2.3_2025")
    near = f"{LINZ[0]},{LINZ[1]}"
    common = ("--system", linz, "--near", near, "--limit", "3")
    doc = once(run_main, *common, "--format", "json").json()
    assert next(r["price"] for r in doc["stations"] if r["kind"] == "station") == SENTENCE
    table = once(run_main, *common).stdout.splitlines()
    header = next(line for line in table if line.startswith("#"))
    assert header.split()[-1] == "Price"
    assert sum(1 for line in table if line.endswith(SENTENCE)) >= 1
    line = once(run_main, *common, "--format", "line").stdout.strip()
    assert f" · {SENTENCE} · " in line
