"""Where bikefinder keeps its files: platformdirs, XDG respected, nothing created early."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bikefinder.common import paths
from bikefinder.rider.favourites import FavouritesStore

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="XDG is Linux's")


@linux_only
def test_data_dir_follows_xdg_data_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert paths.data_dir() == tmp_path / "data" / "bikefinder"
    assert paths.favourites_path() == tmp_path / "data" / "bikefinder" / "favourites.json"


@linux_only
def test_cache_and_config_dirs_follow_xdg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    assert paths.cache_dir() == tmp_path / "cache" / "bikefinder"
    assert paths.config_dir() == tmp_path / "config" / "bikefinder"


@linux_only
def test_debug_log_follows_xdg_state_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    assert paths.log_dir() == tmp_path / "state" / "bikefinder" / "log"
    assert paths.debug_log_path() == tmp_path / "state" / "bikefinder" / "log" / "bikefinder.log"


@linux_only
def test_environment_is_read_on_every_call(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "first"))
    first = paths.data_dir()
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "second"))
    assert paths.data_dir() == tmp_path / "second" / "bikefinder" != first


@linux_only
def test_default_store_uses_xdg_data_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert FavouritesStore().path == tmp_path / "bikefinder" / "favourites.json"


def test_asking_for_paths_creates_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for variable in ("XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_CONFIG_HOME", "XDG_STATE_HOME"):
        monkeypatch.setenv(variable, str(tmp_path / variable))
    paths.data_dir(), paths.cache_dir(), paths.config_dir(), paths.favourites_path()
    paths.log_dir(), paths.debug_log_path()
    store = FavouritesStore()
    assert store.load() == [] and store.notices == []
    assert list(tmp_path.iterdir()) == []


def test_importing_the_package_creates_nothing(tmp_path: Path) -> None:
    environment = {
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "HOME": str(tmp_path / "home"),
        "PATH": "/usr/bin:/bin",
    }
    code = "import bikefinder.cli.main, bikefinder.common.paths, bikefinder.rider.favourites"
    subprocess.run([sys.executable, "-c", code], env=environment, check=True, timeout=60)
    assert list(tmp_path.iterdir()) == []
