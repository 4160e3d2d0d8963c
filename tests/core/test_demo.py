"""`cellworks demo`: one self-contained report with a section per part."""

from __future__ import annotations

import re
from pathlib import Path

from cellworks.demo import PARTS, run_demo


def test_demo_report_is_self_contained(tmp_path: Path) -> None:
    path = run_demo(tmp_path / "report", quick=True)
    assert path == tmp_path / "report" / "index.html"
    html = path.read_text(encoding="utf-8")
    # every figure is embedded (inline SVG, or a data: PNG); nothing is fetched from the network or files
    n_svg = len(re.findall(r"<figure[^>]*>\s*<svg", html))
    srcs = re.findall(r"<img[^>]*src=\"([^\"]*)\"", html)
    assert n_svg + len(srcs) > 0 and all(s.startswith("data:image/png;base64,") for s in srcs)
    assert not re.search(r"(src|href)=['\"](https?:)?//", html)
    assert "<link" not in html and "<script src" not in html
    # every figure is captioned, every figure and table numbered
    assert html.count("<figure") == html.count("<figcaption>") == html.count("<span class=\"num\">Figure")
    assert html.count("<table") == html.count("<span class=\"num\">Table")
    assert "Foundation" in html
    for part in PARTS:
        assert f'<section id="{part}"' in html, f"section of {part} missing"
        assert f'id="{part}" data-part="{part}" class="failed"' not in html, f"section of {part} failed"
