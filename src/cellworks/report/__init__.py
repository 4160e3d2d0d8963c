"""The self-contained HTML report (``cellworks demo`` and ``--report`` options).

A report is a list of :class:`Section` objects. Each part of cellworks contributes its section
from ``cellworks/<part>/demo.py`` (a function ``build_section(workdir: Path) -> Section``).
Figures are embedded as base64 PNG and styles inline, so the page opens from disk with no
network and no external file.
"""

from __future__ import annotations

import base64
import html
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cellworks._io import atomic_write


@dataclass(frozen=True)
class Figure:
    """A PNG image with its caption (every figure is captioned)."""

    png: bytes
    caption: str


@dataclass(frozen=True)
class Table:
    """A small table; ``rows`` hold already-formatted cells (str) or numbers."""

    headers: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]
    caption: str = ""


@dataclass(frozen=True)
class Section:
    """One part's contribution to a report."""

    title: str
    intro: str = ""
    figures: tuple[Figure, ...] = ()
    tables: tuple[Table, ...] = ()
    how_to_run: str = ""  # shell commands a reader can paste to reproduce the section
    notes: tuple[str, ...] = ()
    anchor: str = ""


def figure_png(fig: Any, dpi: int = 110) -> bytes:
    """Render a matplotlib figure to PNG bytes and close it."""
    import io

    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()


def new_figure(*args: Any, **kwargs: Any) -> Any:
    """A matplotlib ``(fig, ax)`` on the non-interactive Agg backend (no display needed)."""
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt.subplots(*args, **kwargs)


_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;max-width:1100px;margin:2em auto;
padding:0 1em;color:#1d232a;line-height:1.45}
h1{border-bottom:3px solid #2a6f97;padding-bottom:.2em}
h2{color:#2a6f97;margin-top:2.2em;border-bottom:1px solid #ccd}
nav a{margin-right:1em}
figure{margin:1.2em 0;text-align:center}
figure img{max-width:100%;border:1px solid #dde}
figcaption{font-size:.92em;color:#444;margin-top:.3em}
table{border-collapse:collapse;margin:1em 0;font-size:.9em}
th,td{border:1px solid #ccd;padding:.25em .6em;text-align:right}
th{background:#eef3f7}
td:first-child,th:first-child{text-align:left}
caption{caption-side:top;text-align:left;font-weight:600;padding:.3em 0}
pre{background:#f4f6f8;padding:.7em;overflow-x:auto;border-radius:4px}
.ok{color:#1a7f37;font-weight:600}.bad{color:#b42318;font-weight:600}
.note{color:#555;font-size:.92em}
"""


def _cell(value: Any) -> str:
    if isinstance(value, bool):
        return '<span class="ok">ok</span>' if value else '<span class="bad">no</span>'
    if isinstance(value, float):
        return html.escape(f"{value:.4g}")
    return html.escape(str(value))


def render_html(title: str, sections: list[Section], subtitle: str = "") -> str:
    """The whole report as one HTML string."""
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width, initial-scale=1'>",
        f"<title>{html.escape(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
    ]
    if subtitle:
        parts.append(f"<p class='note'>{html.escape(subtitle)}</p>")
    anchors = [s.anchor or f"s{i}" for i, s in enumerate(sections)]
    parts.append(
        "<nav>" + "".join(f"<a href='#{a}'>{html.escape(s.title)}</a>" for a, s in zip(anchors, sections, strict=True)) + "</nav>"
    )
    for anchor, sec in zip(anchors, sections, strict=True):
        parts.append(f"<section id='{anchor}'><h2>{html.escape(sec.title)}</h2>")
        if sec.intro:
            for para in sec.intro.split("\n\n"):
                parts.append(f"<p>{html.escape(para)}</p>")
        for tab in sec.tables:
            parts.append("<table>")
            if tab.caption:
                parts.append(f"<caption>{html.escape(tab.caption)}</caption>")
            parts.append("<tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in tab.headers) + "</tr>")
            for row in tab.rows:
                parts.append("<tr>" + "".join(f"<td>{_cell(c)}</td>" for c in row) + "</tr>")
            parts.append("</table>")
        for fig in sec.figures:
            b64 = base64.b64encode(fig.png).decode("ascii")
            parts.append(
                f"<figure><img alt='{html.escape(fig.caption)}' src='data:image/png;base64,{b64}'>"
                f"<figcaption>{html.escape(fig.caption)}</figcaption></figure>"
            )
        for note in sec.notes:
            parts.append(f"<p class='note'>{html.escape(note)}</p>")
        if sec.how_to_run:
            parts.append("<h3>How to run this yourself</h3>")
            parts.append(f"<pre>{html.escape(sec.how_to_run.strip())}</pre>")
        parts.append("</section>")
    parts.append("</body></html>")
    return "\n".join(parts)


def write_report(path: str | Path, title: str, sections: list[Section], subtitle: str = "") -> Path:
    """Write the report atomically and return its path."""
    out = Path(path)
    with atomic_write(out, "w") as fh:
        fh.write(render_html(title, sections, subtitle))
    return out


__all__ = ["Figure", "Table", "Section", "figure_png", "new_figure", "render_html", "write_report"]
