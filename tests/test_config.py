"""config.toml: a default system and client id; command-line flags win."""

from __future__ import annotations

from pathlib import Path

import pytest

from bikefinder.core.config import CONFIG_ENV, Config, config_path, load_config
from bikefinder.core.errors import UsageError


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


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("system = [unclosed\n", "invalid TOML"),
        ("system = 3\n", "'system' must be a non-empty string"),
        ('client_id = ""\n', "'client_id' must be a non-empty string"),
        ('headers = "x"\n', "[headers] must be a table"),
        ("[headers.x]\nA = 1\n", "[headers.x] must map header names to strings"),
    ],
)
def test_bad_config_is_a_one_line_usage_error(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(UsageError) as caught:
        load_config(path)
    assert message in str(caught.value) and str(path) in str(caught.value)
    assert "\n" not in str(caught.value)


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
    from bikefinder.cli import parse_options

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
