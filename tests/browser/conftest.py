"""Headless Chromium for the browser tests: Debian's /usr/bin/chromium driven by /usr/bin/chromedriver.

No browser is ever downloaded: selenium is given both paths and Selenium Manager is kept offline.
CI installs them with ``apt-get install -y chromium chromium-driver``. The tests are skipped (with
the reason) only when Chromium or its driver is absent.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = os.environ.get("CELLWORKS_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("CELLWORKS_CHROMEDRIVER", "/usr/bin/chromedriver")
#: where screenshots go (printed by the tests); override with CELLWORKS_SCREENSHOT_DIR
SCREENSHOT_DIR = Path(os.environ.get("CELLWORKS_SCREENSHOT_DIR", Path(__file__).parent / "out"))

# flags that work in containers and CI: no sandbox (root), no GPU, and nothing that phones home
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--window-size=1200,900",
)


def _missing() -> str | None:
    for exe in (CHROMIUM, CHROMEDRIVER):
        if not (Path(exe).is_file() and os.access(exe, os.X_OK)) and shutil.which(exe) is None:
            return f"{exe} not installed (apt-get install -y chromium chromium-driver)"
    return None


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    """A headless Chromium WebDriver with browser-console logging, fresh profile per session."""
    reason = _missing()
    if reason:
        pytest.skip(reason)
    os.environ.setdefault("SE_OFFLINE", "true")  # Selenium Manager must not fetch anything
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="cellworks-chromium-")
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for flag in (*CHROMIUM_FLAGS, f"--user-data-dir={profile}"):
        opts.add_argument(flag)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=opts)
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture(scope="session")
def screenshot_dir() -> Path:
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    return SCREENSHOT_DIR
