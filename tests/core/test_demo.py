"""`cellworks demo`: one self-contained report with a section per available part."""

from __future__ import annotations

import re
from pathlib import Path

from cellworks.demo import PARTS, run_demo


def test_demo_report_is_self_contained(tmp_path: Path) -> None:
    path = run_demo(tmp_path / "report", quick=True)
    assert path == tmp_path / "report" / "index.html"
    html = path.read_text()
    # every image is embedded; nothing is fetched from the network or from other files
    srcs = re.findall(r"<img[^>]*src='([^']*)'", html)
    assert srcs and all(s.startswith("data:image/png;base64,") for s in srcs)
    assert not re.search(r"(src|href)=['\"](https?:)?//", html)
    # every figure is captioned
    assert html.count("<figure>") == html.count("<figcaption>")
    assert "Foundation" in html
    for part in PARTS:
        try:
            __import__(f"cellworks.{part}.demo")
        except ModuleNotFoundError:
            continue
        assert f"id='{part}'" in html, f"section of {part} missing"
