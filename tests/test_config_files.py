"""Local files that are not what they seem: config.toml (and every other file bikefinder
reads: favourites, learned coverage, the geocoder cache, the updated catalog) as a FIFO,
a link to /dev/zero, a directory or a huge file. Refused in one line (or ignored, for a
cache), never read forever, never a MemoryError."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from bikefinder.common.errors import UsageError
from bikefinder.common.files import FileTooLarge, NotRegularFile, read_regular
from bikefinder.systems.config import MAX_CONFIG_BYTES, load_config

needs_fifo = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")


def fifo(path: Path) -> Path:
    os.mkfifo(path)
    return path


def zero_link(path: Path) -> Path:
    if not Path("/dev/zero").exists():
        pytest.skip("no /dev/zero here")
    path.symlink_to("/dev/zero")
    return path


@needs_fifo
def test_read_regular_refuses_a_fifo_at_once(tmp_path: Path) -> None:
    with pytest.raises(NotRegularFile):
        read_regular(fifo(tmp_path / "f"), 100)


def test_read_regular_refuses_a_device_and_caps_a_file(tmp_path: Path) -> None:
    with pytest.raises(NotRegularFile):
        read_regular(zero_link(tmp_path / "z"), 100)
    big = tmp_path / "big"
    big.write_bytes(b"x" * 101)
    with pytest.raises(FileTooLarge):
        read_regular(big, 100)
    assert read_regular(big, 101) == b"x" * 101


@needs_fifo
def test_config_as_a_fifo_is_refused_in_one_line(run_cli: Any, tmp_path: Path) -> None:
    path = fifo(tmp_path / "config.toml")
    result = run_cli("--config-check", env={"BIKEFINDER_CONFIG": str(path)}, timeout=20)
    assert result.code == 2
    assert "not a regular file" in result.stderr
    assert "Traceback" not in result.stderr


def test_config_linked_to_dev_zero_is_refused(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="not a regular file"):
        load_config(zero_link(tmp_path / "config.toml"))


def test_a_huge_config_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_bytes(b"#" * (MAX_CONFIG_BYTES + 1))
    with pytest.raises(UsageError, match="larger than"):
        load_config(path)


def test_a_config_directory_is_refused(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="cannot read config file"):
        load_config(tmp_path)


@needs_fifo
def test_favourites_as_a_fifo_does_not_block(run_cli: Any, tmp_path: Path) -> None:
    home = tmp_path / "home"
    data = home / ".local/share/bikefinder"
    data.mkdir(parents=True)
    fifo(data / "favourites.json")
    result = run_cli("--favorites", "--once", "--format", "json", timeout=30)
    assert "Traceback" not in result.stderr
    assert result.code in (0, 1, 2), result.stderr


@needs_fifo
@pytest.mark.parametrize("name", ["coverage.json", "geocode.json"])
def test_cache_files_as_fifos_are_ignored(run_cli: Any, tmp_path: Path, name: str) -> None:
    cache = tmp_path / "home/.cache/bikefinder"
    cache.mkdir(parents=True)
    fifo(cache / name)
    # A geocoder that refuses at once (port 9): the demo station named so is used.
    args = ("--demo", "--once", "--format", "json", "--near", "Gare de Lyon")
    result = run_cli(*args, env={"BIKEFINDER_NOMINATIM_URL": "http://127.0.0.1:9"}, timeout=30)
    assert result.code == 0, result.stderr
