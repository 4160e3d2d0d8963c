"""The self-contained HTML report (``cellworks demo`` and ``--report`` options).

A report is a list of :class:`Section` objects; each part contributes its section from
``cellworks/<part>/report.py`` (``build_section(workdir, quick) -> Section``). Parts return data
(summary, tables, figures, captions); this package owns how they look: a jinja2 template
(``templates/report.html.j2``), one stylesheet, numbered tables and figures, numbers through the
shared formatter (:mod:`cellworks.report.format`), figures through the shared helpers
(:mod:`cellworks.report.figures`). The result is one HTML file: styles, figures (inline SVG, text kept
as text) and the small pan/zoom script for long series are inline; nothing is fetched.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cellworks._io import atomic_write
from cellworks.report.figures import (
    RenderedFigure,
    figure_png,
    figure_svg,
    legend_outside,
    legends_on_data,
    new_figure,
    place_labels,
    wants_zoom,
)
from cellworks.report.format import (
    cell,
    column,
    formula,
    has_unit,
    header,
    percent,
    prose,
    sig,
    unit,
    units_in_text,
    value_unc,
)

_TEMPLATES = Path(__file__).with_name("templates")
#: roles of a reproduced number (developer guide): shown as badges wherever a cell says one of them
ROLES = ("fitted", "held_out", "input", "round_trip")


@dataclass(frozen=True)
class Figure:
    """A figure with its caption (every figure is captioned).

    ``png`` is what :func:`figure_png` returns; when it still knows its matplotlib figure the report
    embeds the figure as inline SVG (crisp, text searchable, checked for overlapping labels), else as
    the PNG. ``zoom`` adds pan/zoom (default: on for figures holding a series longer than 500 points).
    """

    png: bytes
    caption: str
    zoom: bool | None = None
    alt: str = ""


@dataclass(frozen=True)
class Table:
    """A table. ``headers`` carry their units (``capacity / mAh g⁻¹``, see :func:`header`); ``rows`` hold
    numbers (formatted per column by the shared formatter to ``digits`` significant figures) or
    already-formatted text. A cell equal to a role name (``fitted``, ``held_out``, ``input``,
    ``round_trip``) is shown as a badge."""

    headers: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]
    caption: str = ""
    digits: int = 3


@dataclass(frozen=True)
class Section:
    """One part's contribution to a report.

    ``summary``: 2–4 sentences — what was computed, from what (shown first, highlighted; when empty, the
    first paragraph of ``intro`` takes its place). ``intro``: further paragraphs (blank-line separated).
    ``notes``: remarks a reader needs (not development notes: those belong in docs/). ``how_to_run``:
    shell commands that reproduce the section.
    """

    title: str
    intro: str = ""
    figures: tuple[Figure, ...] = ()
    tables: tuple[Table, ...] = ()
    how_to_run: str = ""
    notes: tuple[str, ...] = ()
    anchor: str = ""
    summary: str = ""
    details: str = ""  # e.g. the error of a section that failed to build (folded away)


# ------------------------------------------------------------------------------------------------
# rendering


@dataclass
class _Counter:
    tables: int = 0
    figures: int = 0
    seen_paragraphs: set[str] = field(default_factory=set)


def _paragraphs(text: str) -> list[str]:
    return [prose(" ".join(p.split())) for p in re.split(r"\n\s*\n", text or "") if p.strip()]


def _is_num(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) or type(v).__name__.startswith(("float", "int"))


#: "3.37", "3.37 Ah", "8.7 × 10⁻⁵ A", "0.0165 ± 0.0004 Ω" (a unit after a space, never "2-C3H7Cl")
_NUMERIC_TEXT = re.compile(
    r"^[−+-]?\d[\d.,]*(\s*×\s*10[⁰¹²³⁴⁵⁶⁷⁸⁹⁻]+)?(\s*±\s*[\d.,]+(\s*×\s*10[⁰¹²³⁴⁵⁶⁷⁸⁹⁻]+)?)?(\s+[^\s\d][^\s]{0,9})?$"
)


def _table_ctx(tab: Table, number: int, anchor: str) -> dict[str, Any]:
    n_cols = len(tab.headers)
    rows = [tuple(r) + ("",) * (n_cols - len(r)) for r in tab.rows]
    columns = [[r[j] for r in rows] for j in range(n_cols)]
    formatted_cols: list[list[dict[str, str]]] = []
    for j, values in enumerate(columns):
        integers = all(float(v).is_integer() for v in values if _is_num(v) and v == v)
        texts = column(values, tab.digits) if not integers else [cell(v) for v in values]
        is_formula = tab.headers[j].strip().lower() in ("formula", "molecular formula")
        out = []
        for v, t in zip(values, texts, strict=True):
            if isinstance(v, bool):
                out.append({"html": "yes" if v else "no", "cls": "yes" if v else "no"})
            elif isinstance(v, str) and v.strip() in ROLES:
                out.append({"html": v.strip().replace("_", " "), "cls": f"role role-{v.strip()}"})
            elif _is_num(v):
                out.append({"html": t, "cls": "n"})
            else:
                text = formula(str(v)) if is_formula else prose(str(v))
                # numbers given as text (a value with its unit) line up like numbers
                out.append({"html": text, "cls": "n" if _NUMERIC_TEXT.match(text) else ""})
        # one alignment per column: right (numbers) only when every filled cell is a number
        filled = [c for c in out if c["html"] not in ("", "—") and not c["cls"].startswith(("role", "yes", "no"))]
        numeric = bool(filled) and all(c["cls"] == "n" for c in filled)
        for c in out:
            if c["cls"] in ("n", ""):
                c["cls"] = "n" if numeric else ""
        formatted_cols.append(out)
    # badges need the span; jinja escapes html, so role cells carry their class on the <td>
    body = [[formatted_cols[j][i] for j in range(n_cols)] for i in range(len(rows))]
    return {"id": f"{anchor}-table-{number}", "number": number, "caption": prose(tab.caption),
            "headers": [units_in_text(h) for h in tab.headers], "rows": body}


def _figure_ctx(fig: Figure, number: int, anchor: str) -> dict[str, Any]:
    ident = f"{anchor}-fig-{number}"
    mpl = getattr(fig.png, "figure", None) if isinstance(fig.png, RenderedFigure) else None
    svg = figure_svg(mpl, ident) if mpl is not None else ""
    zoom = fig.zoom if fig.zoom is not None else (mpl is not None and wants_zoom(mpl))
    # measured here (matplotlib knows where the data are), shown to the browser test as an attribute
    covered = legends_on_data(mpl) if mpl is not None else []
    caption = prose(fig.caption)
    return {"id": ident, "number": number, "caption": caption, "alt": fig.alt or caption, "svg": svg,
            "b64": "" if svg else base64.b64encode(fig.png).decode("ascii"), "zoom": bool(zoom and svg),
            "legend_on_data": "; ".join(covered)}


def _section_ctx(sec: Section, index: int, counter: _Counter) -> dict[str, Any]:
    anchor = sec.anchor or f"s{index}"
    intro = _paragraphs(sec.intro)
    summary = _paragraphs(sec.summary)
    if not summary and intro:
        summary, intro = intro[:1], intro[1:]
    # a paragraph said once is enough (the same text given as summary and intro, or twice in intro)
    unique: list[str] = []
    for p in intro:
        if p not in summary and p not in unique:
            unique.append(p)
    tables = []
    for tab in sec.tables:
        counter.tables += 1
        tables.append(_table_ctx(tab, counter.tables, anchor))
    figures = []
    for fig in sec.figures:
        counter.figures += 1
        figures.append(_figure_ctx(fig, counter.figures, anchor))
    notes = [prose(n) for n in dict.fromkeys(sec.notes) if n.strip()]
    return {"anchor": anchor, "title": units_in_text(sec.title), "summary": summary, "intro": unique,
            "tables": tables, "figures": figures, "notes": notes, "how_to_run": sec.how_to_run.strip(),
            "details": sec.details.strip(), "failed": sec.title.endswith(": failed")}


def render_html(title: str, sections: Sequence[Section], subtitle: str = "", footer: str = "") -> str:
    """The whole report as one HTML string (jinja2 template, everything inline)."""
    import jinja2

    from cellworks import __version__

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(_TEMPLATES)),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    counter = _Counter()
    ctx_sections = [_section_ctx(s, i, counter) for i, s in enumerate(sections)]
    return env.get_template("report.html.j2").render(
        title=title,
        subtitle=subtitle,
        version=__version__,
        sections=ctx_sections,
        css=(_TEMPLATES / "report.css").read_text(encoding="utf-8"),
        zoom_js=(_TEMPLATES / "zoom.js").read_text(encoding="utf-8"),
        has_zoom=any(f["zoom"] for s in ctx_sections for f in s["figures"]),
        footer=footer or f"Made with cellworks {__version__}; one self-contained file, nothing is fetched.",
    )


def write_report(path: str | Path, title: str, sections: Sequence[Section], subtitle: str = "",
                 footer: str = "") -> Path:
    """Write the report atomically and return its path."""
    out = Path(path)
    with atomic_write(out, "w") as fh:
        fh.write(render_html(title, sections, subtitle, footer))
    return out


__all__ = [
    "ROLES",
    "Figure",
    "RenderedFigure",
    "Section",
    "Table",
    "cell",
    "column",
    "figure_png",
    "figure_svg",
    "formula",
    "has_unit",
    "header",
    "legend_outside",
    "new_figure",
    "percent",
    "place_labels",
    "prose",
    "render_html",
    "sig",
    "unit",
    "units_in_text",
    "value_unc",
    "write_report",
]
