"""The demo report in a real browser: headless Chromium opens demo-report/index.html from disk.

Checks what a reader would see: no console errors, no broken images, nothing fetched from the
network (the report is self-contained), every figure captioned, a section with a summary for each
part, no horizontal overflow (code blocks wrap, nothing is cut off), no overlapping text in any
figure, a unit in the header of every numeric column, µ rather than "u", and working zoom on long
series. Saves a full-page screenshot and one per part section under ``tests/browser/out/`` (not
committed; paths are printed, run with ``-s``). The checks live in ``checks.py`` and are shown to fail
on a broken page (last test).
"""

from __future__ import annotations

import base64
import re
from pathlib import Path
from typing import Any

import pytest

from . import checks

pytestmark = pytest.mark.browser

#: the five parts; a section is recognised by its anchor (id) or title
PARTS: dict[str, re.Pattern[str]] = {
    "lis": re.compile(r"li[-–]s\b|lithium[-–]sulfur|\blis\b", re.I),
    "cycling": re.compile(r"cycl", re.I),
    "eis": re.compile(r"impedance|\beis\b", re.I),
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
    n_svg = page.execute_script("return document.querySelectorAll('figure > svg').length")
    assert images or n_svg, "the report has no figures at all"
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
    print(f"\nscreenshot: {shot} ({len(images)} images, {n_svg} inline SVG figures)")


def test_every_figure_has_a_caption(page: Any) -> None:
    figures = page.execute_script(
        "return Array.from(document.querySelectorAll('figure')).map(f => [f.id, "
        "f.querySelectorAll(':scope > img, :scope > svg').length, (f.querySelector('figcaption') || {}).textContent || ''])"
    )
    assert figures
    uncaptioned = [fid for fid, n_img, caption in figures if n_img != 1 or not caption.strip()]
    assert not uncaptioned, f"figures without exactly one image or without a caption: {uncaptioned}"


def test_no_horizontal_overflow(page: Any) -> None:
    # at the usual width nothing is wider than the column; on a narrow window (a laptop split screen)
    # the page still never scrolls sideways (wide tables scroll inside their own box)
    assert checks.horizontal_overflow(page, tables_must_fit=True) == []
    try:
        page.set_window_size(820, 900)
        assert checks.horizontal_overflow(page, tables_must_fit=False) == []
    finally:
        page.set_window_size(1200, 900)


def test_no_overlapping_text_in_figures(page: Any) -> None:
    overlaps = checks.overlapping_text(page)
    assert overlaps == [], f"{len(overlaps)} overlapping text boxes:\n" + "\n".join(overlaps[:40])


def test_no_legend_on_data(page: Any) -> None:
    covered = checks.legends_on_data(page)
    assert covered == [], f"{len(covered)} legends cover data (use legend_outside):\n" + "\n".join(covered)


def test_every_numeric_column_has_a_unit(page: Any) -> None:
    missing = checks.headers_without_units(page)
    assert missing == [], f"{len(missing)} numeric columns without a unit:\n" + "\n".join(missing)


def test_micro_is_written_as_mu(page: Any) -> None:
    assert checks.u_for_micro(page) == []


def test_every_part_section_starts_with_a_summary(page: Any) -> None:
    assert checks.sections_without_summary(page, ["lis", "cycling", "eis", "pack", "gcms"]) == []


def test_long_series_zoom_and_reset(page: Any) -> None:
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    figs = page.find_elements(By.CSS_SELECTOR, "figure.zoom")
    assert figs, "no zoomable figure (chromatograms and long time series should have one)"
    fig = figs[0]
    svg = fig.find_element(By.TAG_NAME, "svg")
    page.execute_script("arguments[0].scrollIntoView({block: 'center'})", svg)
    def view_box() -> str:
        return str(page.execute_script("return arguments[0].getAttribute('viewBox')", svg))

    before = view_box()
    w, h = svg.size["width"], svg.size["height"]
    ActionChains(page).move_to_element_with_offset(svg, int(-w * 0.2), int(-h * 0.1)).click_and_hold() \
        .move_by_offset(int(w * 0.25), int(h * 0.2)).release().perform()
    zoomed = view_box()
    assert zoomed != before, "dragging a box did not zoom"
    assert float(zoomed.split()[2]) < float(before.split()[2]) / 2
    ActionChains(page).double_click(svg).perform()
    assert view_box() == before, "double-click did not reset the zoom"


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
        svgs = sec.find_elements(By.CSS_SELECTOR, "figure > svg")
        assert (imgs or svgs) and all(
            page.execute_script("return arguments[0].naturalWidth", i) > 0 for i in imgs
        ), f"{part}: no figure or a broken one"
        assert "How to run this yourself" in sec.text, f"{part}: no 'how to run' block"
        out = _save_clip(page, screenshot_dir / f"section-{part}.png", sec)
        print(f"\nscreenshot of the {part} section: {out}")
    missing = sorted(set(PARTS) - set(found))
    titles = [s.find_element(By.TAG_NAME, "h2").text for s in sections]
    assert not missing, f"no section for {missing} in the report; sections: {titles}"


def test_checks_catch_a_broken_page(chromium: Any, tmp_path: Path) -> None:
    """The checks above can fail: a page with a corrupt PNG, a script error, a code block too wide,
    overlapping figure labels, a unitless numeric column and "uA" trips each of them.

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

    worse = tmp_path / "worse.html"
    worse.write_text(
        "<!DOCTYPE html><html><head><meta charset='utf-8'><style>pre{white-space:pre;overflow:hidden}</style></head>"
        "<body style='max-width:600px'><section id='x'><pre>" + "cellworks --long-option " * 20 + "</pre>"
        "<figure id='f1' data-legend-on-data='Nyquist'><svg width='300' height='100' viewBox='0 0 300 100'>"
        "<text x='10' y='50' font-size='14'>voltage</text><text x='20' y='52' font-size='14'>current</text>"
        "<text x='200' y='50' font-size='14'>alone</text></svg><figcaption>c</figcaption></figure>"
        "<table id='t1'><thead><tr><th>cell</th><th>capacity</th><th>voltage / V</th></tr></thead><tbody>"
        "<tr><td>a</td><td class='n'>1.0</td><td class='n'>3.1</td></tr></tbody></table>"
        "<p>a current of 10 uA</p></section></body></html>",
        encoding="utf-8",
    )
    chromium.get(worse.resolve().as_uri())
    assert any("cut off" in m for m in checks.horizontal_overflow(chromium))
    overlaps = checks.overlapping_text(chromium)
    assert len(overlaps) == 1 and overlaps[0].startswith("f1: 'voltage' overlaps 'current'"), overlaps
    assert checks.headers_without_units(chromium) == ["t1: column 'capacity' holds numbers but no unit"]
    assert checks.u_for_micro(chromium) == ["x: 'a current of 10 uA'"]
    assert checks.sections_without_summary(chromium, ["x"]) == ["x"]
    assert checks.legends_on_data(chromium) == ["f1: legend on the data of 'Nyquist'"]
