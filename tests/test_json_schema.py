"""The JSON Schema shipped for the printed answer (``data/schema/answer.schema.json``):
a valid draft 2020-12 schema that accepts what ``--once --format json`` prints and
rejects a document that breaks the row shape."""

from __future__ import annotations

import copy
import json
from importlib import resources
from typing import Any

import jsonschema
import pytest
from conftest import ANSWER_SCHEMA_PATH, answer_validator

from bikefinder.rider.output import ROW_FIELDS, SCHEMA_VERSION


def shipped_schema() -> dict[str, Any]:
    text = resources.files("bikefinder").joinpath("data/schema/answer.schema.json").read_text()
    return json.loads(text)


@pytest.fixture(scope="module")
def demo_document() -> dict[str, Any]:
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "bikefinder", "--demo", "--once", "--format", "json",
         "--mode", "dock", "--min", "5"],
        capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    return json.loads(done.stdout)


def test_the_schema_is_a_valid_draft_2020_12_schema() -> None:
    schema = shipped_schema()
    assert schema == json.loads(ANSWER_SCHEMA_PATH.read_text(encoding="utf-8"))
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["properties"]["schema_version"] == {"const": SCHEMA_VERSION}
    assert schema["required"] == list(schema["properties"])  # every top-level key
    row = schema["$defs"]["row"]
    assert row["required"] == list(ROW_FIELDS) == list(row["properties"])
    assert row["additionalProperties"] is False


def test_a_demo_document_validates(demo_document: dict[str, Any]) -> None:
    assert demo_document["schema_version"] == SCHEMA_VERSION
    assert any(row["rank"] is None for row in demo_document["stations"])  # nulls too
    answer_validator().validate(demo_document)


def test_a_row_missing_a_key_does_not_validate(demo_document: dict[str, Any]) -> None:
    broken = copy.deepcopy(demo_document)
    del broken["stations"][0]["reason"]
    with pytest.raises(jsonschema.ValidationError, match="'reason' is a required property"):
        answer_validator().validate(broken)


def test_an_unknown_kind_does_not_validate(demo_document: dict[str, Any]) -> None:
    broken = copy.deepcopy(demo_document)
    broken["stations"][0]["kind"] = "boat"
    with pytest.raises(jsonschema.ValidationError, match="'boat' is not one of"):
        answer_validator().validate(broken)


@pytest.mark.parametrize(
    ("key", "value"),
    [("schema_version", 2), ("mode", None), ("vehicles", "boats"), ("limit", "20")],
)
def test_wrong_top_level_values_do_not_validate(
    demo_document: dict[str, Any], key: str, value: Any
) -> None:
    broken = copy.deepcopy(demo_document)
    broken[key] = value
    with pytest.raises(jsonschema.ValidationError):
        answer_validator().validate(broken)


def test_an_extra_row_key_does_not_validate(demo_document: dict[str, Any]) -> None:
    broken = copy.deepcopy(demo_document)
    broken["stations"][0]["useless"] = "full"  # the old several-systems key
    with pytest.raises(jsonschema.ValidationError, match="Additional properties"):
        answer_validator().validate(broken)
