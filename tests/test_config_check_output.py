"""``--config-check`` shows config text and the environment: printable only (no control
or escape character from the file), and no credential of any URL it shows."""

from __future__ import annotations

from pathlib import Path
from typing import Any

HOSTILE = "x\\u001b]52;c;ZWNobyBoaQ==\\u0007\\u001b[2Jy"


def test_config_text_is_cleaned_and_url_credentials_masked(run_cli: Any, tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        f'system = "{HOSTILE}"\n'
        f'[places]\n"{HOSTILE}" = "{HOSTILE} place"\n'
        f'[headers."{HOSTILE}"]\nX-Key = "secret"\n',
        encoding="utf-8",
    )
    env = {
        "BIKEFINDER_CONFIG": str(config),
        "BIKEFINDER_NOMINATIM_URL": "https://me:hunter2@nominatim.example/x?key=k",
    }
    result = run_cli("--config-check", env=env)
    shown = result.stdout + result.stderr
    assert "Traceback" not in shown
    assert not any((ord(c) < 32 and c != "\n") or 0x7F <= ord(c) < 0xA0 for c in shown)
    assert "hunter2" not in shown and "me:" not in shown
    assert "nominatim.example" in shown
    assert "secret" not in shown
