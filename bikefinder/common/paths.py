"""Where bikefinder keeps its files: platformdirs' per-user directories for "bikefinder".

Every function computes its path on each call (so ``XDG_DATA_HOME`` and friends set
after import are respected, which tests rely on) and creates nothing: a directory is
made only by the code that writes into it, so merely running bikefinder (or importing
it) never litters the home directory.
"""

from __future__ import annotations

from pathlib import Path

import platformdirs

APP_NAME = "bikefinder"
FAVOURITES_FILE = "favourites.json"
DEBUG_LOG_FILE = "bikefinder.log"


def data_dir() -> Path:
    """Files the user would miss if lost (favourites): ``$XDG_DATA_HOME/bikefinder`` on Linux."""
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def cache_dir() -> Path:
    """Files that can be refetched at any time: ``$XDG_CACHE_HOME/bikefinder`` on Linux."""
    return Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False))


def config_dir() -> Path:
    """Settings the user edits: ``$XDG_CONFIG_HOME/bikefinder`` on Linux."""
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))


def favourites_path() -> Path:
    """The favourites store (see :mod:`bikefinder.rider.favourites`)."""
    return data_dir() / FAVOURITES_FILE


def log_dir() -> Path:
    """Diagnostics (the ``--debug`` log): ``$XDG_STATE_HOME/bikefinder/log`` on Linux."""
    return Path(platformdirs.user_log_dir(APP_NAME, appauthor=False))


def debug_log_path() -> Path:
    """The ``--debug`` log (rotated: ``bikefinder.log.1`` ... are older)."""
    return log_dir() / DEBUG_LOG_FILE
