"""The demo report in a real browser: headless Chromium opens demo-report/index.html from disk.

Checks what a reader would see: no console errors, no broken images, nothing fetched from the
network (the report is self-contained), every figure captioned, and a section for each of the
four parts. Saves a full-page screenshot and one per section (paths are printed; run with ``-s``).
"""

from __future__ import annotations

import base64
import re
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.browser

#: the four parts of issue 9's "Done when"; a section is recognised by its anchor (id) or title
PARTS: dict[str, re.Pattern[str]] = {
    "lis": re.compile(r"li[-–]s\b|lithium[-–]sulfur|\blis\b", re.I),
    "cycling": re.compile(r"cycl", re.I),
    "pack": re.compile(r"\bpack", re.I),
    "gcms": re.compile(r"gc[-–]?ms", re.I),
}


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Build the quick demo report once; a failing section is remembered, not fatal here."""
    from cellworks.demo import DemoError, run_demo

    out = tmp_path_factory.mktemp("demo") / "demo-report"
    error = None
    try:
        path = run_demo(out, quick=True)
    except DemoError as exc:  # the report is still written, with the failure in its section
        error = str(exc)
        path = out / "index.html"
    return {"path": path, "error": error}


@pytest.fixture(scope="module")
def page(chromium: Any, report: dict[str, Any]) -> Any:
    chromium.get(Path(report["path"]).resolve().as_uri())
    chromium.execute_script("return document.readyState")  # get() already waits for 'complete'
    return chromium


def _save_clip(driver: Any, path: Path, element: Any = None) -> Path:
    """PNG of the whole page, or of one element in full (beyond the viewport), via CDP."""
    if element is None:
        metrics = driver.execute_cdp_cmd("Page.getLayoutMetrics", {})
        size = metrics.get("cssContentSize") or metrics["contentSize"]
        clip = {"x": 0, "y": 0, "width": size["width"], "height": size["height"]}
    else:
        clip = driver.execute_script(
            "const r = arguments[0].getBoundingClientRect();"
            "return {x: r.left + window.scrollX, y: r.top + window.scrollY, width: r.width, height: r.height};",
            element,
        )
    shot = driver.execute_cdp_cmd(
        "Page.captureScreenshot",
        {"format": "png", "captureBeyondViewport": True, "clip": {**clip, "scale": 1}},
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(base64.b64decode(shot["data"]))
    return path


def _console_errors(driver: Any) -> list[dict[str, Any]]:
    """SEVERE entries of the browser console since the last call (the log is drained)."""
    return [e for e in driver.get_log("browser") if e.get("level") == "SEVERE"]


def _images(driver: Any) -> tuple[list[Any], list[str]]:
    """All <img> (alt, complete, naturalWidth, naturalHeight) and the alts of those that did not decode."""
    images = driver.execute_script(
        "return Array.from(document.images).map(i => [i.alt, i.complete, i.naturalWidth, i.naturalHeight])"
    )
    broken = [alt for alt, complete, w, h in images if not (complete and w > 0 and h > 0)]
    return images, broken


def test_demo_report_built_without_failed_sections(report: dict[str, Any]) -> None:
    assert report["error"] is None, f"cellworks demo reported failing sections: {report['error']}"


def test_no_console_errors_no_broken_images_no_network(page: Any, screenshot_dir: Path) -> None:
    errors = _console_errors(page)
    assert not errors, f"console errors: {errors}"
    images, broken = _images(page)
    assert images, "the report has no images at all"
    assert not broken, f"{len(broken)} of {len(images)} images did not decode: {broken[:5]}"
    # self-contained: every resource the page loaded is inline (data:) or the file itself
    fetched = page.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    remote = [u for u in fetched if not u.startswith(("data:", "file:"))]
    assert not remote, f"the report fetched {remote}"
    refs = page.execute_script(
        "return Array.from(document.querySelectorAll('[src],link[href]'))"
        ".map(e => e.getAttribute('src') || e.getAttribute('href'))"
    )
    assert all(r.startswith("data:") for r in refs), [r[:60] for r in refs if not r.startswith("data:")]
    shot = _save_clip(page, screenshot_dir / "demo-report-full.png")
    print(f"\nscreenshot: {shot} ({len(images)} images)")


def test_every_figure_has_a_caption(page: Any) -> None:
    figures = page.execute_script(
        "return Array.from(document.querySelectorAll('figure')).map(f => ["
        "f.querySelectorAll('img').length, (f.querySelector('figcaption') || {}).textContent || ''])"
    )
    assert figures
    uncaptioned = [i for i, (n_img, caption) in enumerate(figures) if n_img != 1 or not caption.strip()]
    assert not uncaptioned, f"figures without an image or a caption: {uncaptioned}"


def test_all_four_parts_have_a_rendered_section(page: Any, screenshot_dir: Path) -> None:
    from selenium.webdriver.common.by import By

    sections = page.find_elements(By.CSS_SELECTOR, "section")
    found: dict[str, Any] = {}
    for sec in sections:
        anchor = sec.get_attribute("id") or ""
        title = sec.find_element(By.TAG_NAME, "h2").text
        if anchor == "protocol":  # the protocol section mentions "the cycling table"
            continue
        for part, pattern in PARTS.items():
            if part not in found and (anchor == part or pattern.search(title)):
                found[part] = (sec, title)
    for part, (sec, title) in found.items():
        assert not title.endswith(": failed"), f"{part}: the section failed to build"
        assert sec.is_displayed() and sec.size["height"] > 100, f"{part}: section not rendered"
        imgs = sec.find_elements(By.TAG_NAME, "img")
        assert imgs and all(
            page.execute_script("return arguments[0].naturalWidth", i) > 0 for i in imgs
        ), f"{part}: no figure or a broken one"
        assert "How to run this yourself" in sec.text, f"{part}: no 'how to run' block"
        out = _save_clip(page, screenshot_dir / f"section-{part}.png", sec)
        print(f"\nscreenshot of the {part} section: {out}")
    missing = sorted(set(PARTS) - set(found))
    titles = [s.find_element(By.TAG_NAME, "h2").text for s in sections]
    assert not missing, f"no section for {missing} in the report; sections: {titles}"


def test_checks_catch_a_broken_page(chromium: Any, tmp_path: Path) -> None:
    """The checks above can fail: a page with a corrupt PNG and a script error trips both.

    (Runs last: it navigates the shared browser away from the report.)
    """
    _console_errors(chromium)  # drain
    not_png = base64.b64encode(b"this is not a PNG").decode()
    bad_page = tmp_path / "broken.html"
    bad_page.write_text(
        "<!DOCTYPE html><html><body>"
        f"<img alt='corrupt' src='data:image/png;base64,{not_png}'>"
        "<script>console.error('deliberate'); undefinedFunction();</script></body></html>"
    )
    chromium.get(bad_page.resolve().as_uri())
    images, broken = _images(chromium)
    assert broken == ["corrupt"]
    messages = " ".join(e["message"] for e in _console_errors(chromium))
    assert "deliberate" in messages and "undefinedFunction" in messages
