"""Coercion of the value spellings real feeds use."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bikefinder.feeds.values import as_bool, as_count, as_id, as_latitude, as_text, as_timestamp


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (20702946965, "20702946965"),
        ("1859808514684217788", "1859808514684217788"),
        (" 7 ", "7"),
        ("", None),
        (True, None),
        (None, None),
        (1.5, None),
        (3.0, "3"),
    ],
)
def test_as_id(raw: object, expected: str | None) -> None:
    assert as_id(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (True, True),
        (0, False),
        (1, True),
        ("true", True),
        ("0", False),
        ("FALSE", False),
        (2, None),
        ("maybe", None),
        (None, None),
    ],
)
def test_as_bool(raw: object, expected: bool | None) -> None:
    assert as_bool(raw) is expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (5, 5),
        ("5", 5),
        (5.0, 5),
        (-1, None),
        ("-2", None),
        (2.5, None),
        (float("nan"), None),
        (True, None),
        (None, None),
        ("x", None),
    ],
)
def test_as_count(raw: object, expected: int | None) -> None:
    assert as_count(raw) == expected


def test_as_timestamp_posix_iso_and_placeholders() -> None:
    assert as_timestamp(1760776294) == datetime(2025, 10, 18, 8, 31, 34, tzinfo=UTC)
    assert as_timestamp("2019-07-04T13:33:03.969Z") == datetime(
        2019, 7, 4, 13, 33, 3, 969000, tzinfo=UTC
    )
    assert as_timestamp("2025-03-05T13:57:28") == datetime(2025, 3, 5, 13, 57, 28, tzinfo=UTC)
    assert as_timestamp("2025-03-05T14:57:28+01:00") == datetime(2025, 3, 5, 13, 57, 28, tzinfo=UTC)
    for placeholder in (0, 86400, 18001, "1970-01-01T00:00:00Z", -5, float("inf"), "junk", True):
        assert as_timestamp(placeholder) is None
    assert as_timestamp(1_760_776_294_000) is None  # milliseconds: not a date we can trust


def test_as_latitude_range_and_strings() -> None:
    assert as_latitude("48.5") == 48.5
    assert as_latitude(91) is None and as_latitude(float("nan")) is None


def test_as_text_localized() -> None:
    names = [{"language": "fr", "text": "Gare"}, {"language": "en", "text": "Station"}]
    assert as_text(names, "en") == "Station"
    assert as_text(names, "en-GB") == "Station"
    assert as_text(names, "de") == "Gare"
    assert as_text(names) == "Gare"
    assert as_text([{"language": "en"}]) is None
    assert as_text(5) is None
