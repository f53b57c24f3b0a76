"""config.toml: a default system and client id; command-line flags win."""

from __future__ import annotations

from pathlib import Path

import pytest

from bikefinder.common.errors import UsageError
from bikefinder.systems.config import CONFIG_ENV, Config, config_path, load_config


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_missing_file_is_an_empty_config(tmp_path: Path) -> None:
    config = load_config(tmp_path / "absent.toml")
    assert (config.system, config.client_id, config.headers) == (None, None, {})


def test_full_config(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        'system = "Vélib\' Métropole"\nclient_id = " me-app "\n'
        '[headers."stadtrad_hamburg"]\nDB-Client-Id = "a"\nDB-Api-Key = "b"\n',
    )
    config = load_config(path)
    assert config.system == "Vélib' Métropole"
    assert config.client_id == "me-app"
    assert config.headers_for("StadtRad_Hamburg") == {"DB-Client-Id": "a", "DB-Api-Key": "b"}
    assert config.headers_for("other") == {}


def test_invalid_toml_is_a_one_line_usage_error(tmp_path: Path) -> None:
    path = write(tmp_path, "system = [unclosed\n")
    with pytest.raises(UsageError) as caught:
        load_config(path)
    assert "invalid TOML" in str(caught.value) and str(path) in str(caught.value)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("system = 3\n", "'system' must be a non-empty string, got an integer; ignored"),
        ('client_id = ""\n', "'client_id' must be a non-empty string, got an empty string"),
        ('headers = "x"\n', "'headers' must be a table of [headers.<system-id>] tables"),
        ("[headers.x]\nA = 1\n", "[headers.x] 'A' must be a string, got an integer; ignored"),
        ("headers = {x = [1]}\n", "[headers.x] must map header names to strings, got an array"),
        ('sytem = "velib"\n', "unknown key 'sytem' (did you mean 'system'?); ignored"),
        ('clientid = "me"\n', "unknown key 'clientid' (did you mean 'client_id'?)"),
        ("[header.x]\nA = 'b'\n", "unknown key 'header' (did you mean 'headers'?)"),
        ("colour = 'red'\n", "unknown key 'colour'; ignored"),
    ],
)
def test_unknown_keys_and_wrong_types_are_one_line_warnings(
    tmp_path: Path, text: str, message: str
) -> None:
    keeps_client_id = "client_id" not in text
    path = write(tmp_path, ('client_id = "kept"\n' if keeps_client_id else "") + text)
    config = load_config(path)  # the rest of the file still applies
    assert len(config.warnings) == 1
    (warning,) = config.warnings
    assert message in warning and str(path) in warning and "\n" not in warning
    assert config.system is None and config.headers in ({}, {"x": {}})
    assert config.client_id == ("kept" if keeps_client_id else None)


def test_good_config_has_no_warnings(tmp_path: Path) -> None:
    path = write(tmp_path, 'system = "velib"\nclient_id = "me"\n[headers.x]\nK = " v 1 "\n')
    config = load_config(path)
    assert config.warnings == () and config.headers == {"x": {"K": "v 1"}}


SECRET = "abc\u00a0def-Secret"  # a pasted non-breaking space inside an API key


@pytest.mark.parametrize("value", [SECRET, "line\nbreak-Secret", "tab-\x7f-Secret", "é-Secret", ""])
def test_a_header_value_that_cannot_be_sent_is_refused_without_showing_it(
    tmp_path: Path, value: str
) -> None:
    import json

    path = write(tmp_path, f'[headers."bergen-city-bike"]\nX-Api-Key = {json.dumps(value)}\n')
    with pytest.raises(UsageError) as caught:
        load_config(path)
    message = str(caught.value)
    assert "[headers.bergen-city-bike] X-Api-Key" in message and "value not shown" in message
    assert "Secret" not in message and "\n" not in message


def test_a_bad_header_name_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, '[headers.x]\n"X Api Key" = "v"\n')
    with pytest.raises(UsageError, match=r"\[headers.x\] 'X Api Key' is not a valid HTTP header"):
        load_config(path)


def test_a_client_id_that_cannot_be_sent_is_refused_without_showing_it(tmp_path: Path) -> None:
    path = write(tmp_path, 'client_id = "me\u00a0Secret"\n')
    with pytest.raises(UsageError) as caught:
        load_config(path)
    assert "'client_id' must be printable ASCII" in str(caught.value)
    assert "Secret" not in str(caught.value)


def test_not_utf8_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_bytes(b'system = "\xff"\n')
    with pytest.raises(UsageError, match="not UTF-8"):
        load_config(path)


def test_location_follows_xdg_and_the_override(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(CONFIG_ENV, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    assert config_path() == tmp_path / "xdg" / "bikefinder" / "config.toml"
    monkeypatch.setenv(CONFIG_ENV, str(tmp_path / "elsewhere.toml"))
    assert config_path() == tmp_path / "elsewhere.toml"


def test_parse_options_takes_defaults_from_config_and_flags_win(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bikefinder.cli.main import parse_options

    monkeypatch.setenv(CONFIG_ENV, str(write(tmp_path, 'system = "bergen"\nclient_id = "cfg"\n')))
    defaults = parse_options(["--near", "60.39,5.32"])
    assert (defaults.system, defaults.client_id) == ("bergen", "cfg")
    flags = parse_options(["--system", "oslo", "--client-id", "flag"])
    assert (flags.system, flags.client_id) == ("oslo", "flag")
    demo = parse_options(["--demo"])
    assert demo.system is None  # the demo ignores a configured system
    assert parse_options(["--favorites"]).system is None  # favourites span every system


def test_config_is_frozen() -> None:
    with pytest.raises(AttributeError):
        Config().system = "x"  # type: ignore[misc]
