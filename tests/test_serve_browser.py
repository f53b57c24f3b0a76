"""``bikefinder --demo --serve``, opened in a real headless Chromium at a phone's size.

Needs Debian's ``chromium`` and ``chromium-driver`` and the ``selenium`` package (the
``.ci/run browser`` stage installs them); skipped, saying which is missing, elsewhere.

The page draws the terminal on a canvas (xterm.js), so the text is read from xterm's own
screen buffer: a script injected before the page loads keeps each object assigned to a
``terminal`` property (textual-serve's page stores its xterm ``Terminal`` so) and the
test reads the visible rows through xterm's public ``buffer`` API, i.e. exactly what is
drawn. A screenshot is kept in ``$BIKEFINDER_BROWSER_ARTIFACTS`` (else the test's
temporary directory), with the time to the first station row.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import cli_env

CHROMIUM = next(
    filter(None, map(shutil.which, ("chromium", "chromium-browser", "google-chrome"))), None
)
CHROMEDRIVER = shutil.which("chromedriver")
PHONE = (412, 915)  # CSS pixels of a common Android phone
#: What a phone's Chrome says it is ("Mobile": bikefinder picks a font for a phone).
PHONE_AGENT = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Mobile Safari/537.36"
)
STATION = "Mairie du 4ème"  # the demo's sixth station around Hôtel de Ville

pytestmark = [
    pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (.ci/run browser)"),
    pytest.mark.skipif(
        CHROMEDRIVER is None, reason="chromedriver is not installed (.ci/run browser)"
    ),
]

# Keeps xterm.js Terminal objects as the page creates them (see the module docstring).
KEEP_TERMINALS = """
window.__terminals = [];
Object.defineProperty(Object.prototype, "terminal", {
  configurable: true,
  set(value) {
    Object.defineProperty(this, "terminal", {
      value, writable: true, configurable: true, enumerable: true,
    });
    if (value && value.buffer && value.buffer.active) window.__terminals.push(value);
  },
});
"""
SCREEN_TEXT = """
const terminal = window.__terminals && window.__terminals[0];
if (!terminal) return null;
const buffer = terminal.buffer.active, rows = [];
for (let row = 0; row < terminal.rows; row++) {
  const line = buffer.getLine(buffer.viewportY + row);
  rows.push(line ? line.translateToString(true) : "");
}
return rows.join("\\n");
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def served_demo(tmp_path: Path) -> Iterator[str]:
    """``bikefinder --demo --serve 127.0.0.1:PORT`` running; the URL it printed."""
    pytest.importorskip("textual_serve", reason="the web extra is not installed")
    home = tmp_path / "home"
    process = subprocess.Popen(
        [sys.executable, "-m", "bikefinder", "--demo", "--serve", f"127.0.0.1:{free_port()}"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=cli_env(home),
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert "serving on http://127.0.0.1:" in line, line
        yield line.split("serving on ", 1)[1].split()[0]
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.fixture
def phone_browser() -> Iterator[Any]:
    """Headless Chromium with a phone-sized viewport, driven through chromedriver."""
    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed")
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage"):
        options.add_argument(argument)
    driver = webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))
    try:
        width, height = PHONE
        driver.execute_cdp_cmd(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": True},
        )
        driver.execute_cdp_cmd("Network.setUserAgentOverride", {"userAgent": PHONE_AGENT})
        driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": KEEP_TERMINALS})
        yield driver
    finally:
        driver.quit()


def wait_for(read: Callable[[], str | None], wanted: str, timeout_s: float = 60) -> str:
    """Poll the page's screen text until it contains ``wanted``; the text then."""
    deadline = time.monotonic() + timeout_s
    text: str | None = None
    while time.monotonic() < deadline:
        text = read()
        if text and wanted in text:
            return text
        time.sleep(0.05)
    raise AssertionError(f"{wanted!r} never appeared; the screen was:\n{text}")


def test_served_demo_lists_stations_in_a_phone_browser_and_switches_mode_on_m(
    served_demo: str, phone_browser: Any, tmp_path: Path
) -> None:
    from selenium.webdriver.common.by import By

    artifacts = Path(os.environ.get("BIKEFINDER_BROWSER_ARTIFACTS") or tmp_path)
    artifacts.mkdir(parents=True, exist_ok=True)

    def screen() -> str | None:
        text: str | None = phone_browser.execute_script(SCREEN_TEXT)
        return text

    started = time.monotonic()
    phone_browser.get(served_demo)
    first = wait_for(screen, STATION)
    first_row_s = time.monotonic() - started
    assert "any bike" in first and "e-bike" not in first

    phone_browser.find_element(By.CSS_SELECTOR, ".xterm-helper-textarea").send_keys("m")
    after = wait_for(screen, "e-bike")
    assert STATION in after

    assert phone_browser.save_screenshot(str(artifacts / "browser-phone.png"))
    (artifacts / "browser-timing.json").write_text(
        json.dumps({"first_station_row_s": round(first_row_s, 3)}) + "\n", encoding="utf-8"
    )
