"""Shared figure helpers: one look for every part, legends outside the data, labels that never overlap.

* :func:`new_figure` — ``(fig, ax)`` on the Agg backend with the report's style.
* :func:`legend_outside` — the legend beside (``"right"``) or under (``"below"``) the axes, never on data.
* :func:`place_labels` — text labels at data points, moved to the nearest free spot (measured with the
  renderer, so what is checked is what is drawn) and dropped with a count when no spot is free.
* :func:`figure_png` — PNG bytes for ``--plot`` files; the bytes remember their figure so the report
  embeds it as inline SVG (text kept as text: selectable, searchable, checked for overlaps).
* :func:`figure_svg` — the inline SVG itself (ids made unique per figure).
"""

from __future__ import annotations

import io
import itertools
import re
from collections.abc import Sequence
from typing import Any, cast

#: the report's matplotlib style (applied by new_figure; text sizes chosen for a 1000 px column)
STYLE: dict[str, Any] = {
    "font.family": "DejaVu Sans",
    "font.size": 9.5,
    "axes.titlesize": 10.5,
    "axes.labelsize": 9.5,
    "legend.fontsize": 8.5,
    "legend.frameon": False,
    "xtick.labelsize": 8.5,
    "ytick.labelsize": 8.5,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "figure.dpi": 100,
    "svg.fonttype": "none",  # text stays <text>: selectable, and the report test can measure it
}


def new_figure(*args: Any, **kwargs: Any) -> Any:
    """A matplotlib ``(fig, ax)`` on the non-interactive Agg backend (no display needed), report style."""
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    plt.rcParams.update(cast(Any, STYLE))
    return plt.subplots(*args, **kwargs)


class RenderedFigure(bytes):
    """PNG bytes that keep a reference to their matplotlib figure (the report renders it as SVG)."""

    figure: Any = None


def figure_png(fig: Any, dpi: int = 110) -> RenderedFigure:
    """Render a matplotlib figure to PNG bytes and release it from pyplot."""
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
    plt.close(fig)  # the Figure object stays valid for figure_svg; pyplot just forgets it
    out = RenderedFigure(buf.getvalue())
    out.figure = fig
    return out


_ID = re.compile(r'\bid="([^"]+)"')
_POINTS = 500  # a line with more points than this is a "long" series: its figure gets zoom


def wants_zoom(fig: Any) -> bool:
    """Whether a figure holds a long series (chromatogram, long time series): the report adds zoom."""
    for ax in fig.get_axes():
        for line in ax.get_lines():
            if len(line.get_xdata()) > _POINTS:
                return True
    return False


def figure_svg(fig: Any, prefix: str) -> str:
    """The figure as an inline ``<svg>`` element: text as text, every id prefixed (unique in the page)."""
    import matplotlib

    buf = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": prefix}):
        fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None})
    svg = buf.getvalue()
    svg = svg[svg.index("<svg"):]
    svg = re.sub(r"\s*<metadata>.*?</metadata>", "", svg, flags=re.S)  # creator/date: noise in a report
    ids = set(_ID.findall(svg))
    if ids:
        pattern = re.compile(r'(id="|url\(#|href="#)(' + "|".join(re.escape(i) for i in sorted(ids, key=len,
                                                                                                reverse=True)) + r')\b')
        svg = pattern.sub(lambda m: f"{m.group(1)}{prefix}-{m.group(2)}", svg)
    # drawn at its natural size, never wider than the column (height follows the aspect ratio)
    svg = re.sub(r'<svg([^>]*?)\swidth="([\d.]+)pt"\sheight="([\d.]+)pt"',
                 lambda m: f'<svg{m.group(1)} width="{float(m.group(2)) * 4 / 3:.0f}" '
                           f'height="{float(m.group(3)) * 4 / 3:.0f}" role="img"', svg, count=1)
    return svg


def legend_outside(ax: Any, where: str = "right", **kwargs: Any) -> Any:
    """A legend outside the axes: ``"right"`` (beside, top-aligned) or ``"below"`` (under, in columns).

    The legend never covers data; with ``bbox_inches="tight"`` (as :func:`figure_png` saves) the figure
    grows to hold it.
    """
    handles, labels = ax.get_legend_handles_labels()
    if not handles:
        return None
    if where == "right":
        opts = {"loc": "upper left", "bbox_to_anchor": (1.01, 1.0), "borderaxespad": 0.0}
    elif where == "below":
        opts = {"loc": "upper center", "bbox_to_anchor": (0.5, -0.16), "ncol": min(len(labels), 4),
                "borderaxespad": 0.0}
    else:
        raise ValueError(f"where must be 'right' or 'below', got {where!r}")
    opts.update(kwargs)
    return ax.legend(handles, labels, **opts)


def _overlaps(a: Any, b: Any, pad: float) -> bool:
    return not (a.x1 + pad <= b.x0 or b.x1 + pad <= a.x0 or a.y1 + pad <= b.y0 or b.y1 + pad <= a.y0)


def _data_envelope(ax: Any) -> tuple[Any, Any, Any] | None:
    """Per pixel column of the axes, the lowest and highest display y any line passes through."""
    import numpy as np

    box = ax.get_window_extent()
    x0, n = int(np.floor(box.x0)), int(np.ceil(box.x1 - box.x0)) + 1
    lo, hi = np.full(n, np.inf), np.full(n, -np.inf)
    for line in ax.get_lines():
        if not line.get_visible():
            continue
        xy = np.column_stack([np.asarray(line.get_xdata(), float), np.asarray(line.get_ydata(), float)])
        xy = xy[np.isfinite(xy).all(axis=1)]
        if len(xy) == 0:
            continue
        d = line.get_transform().transform(xy)
        if len(d) > 1:  # densify to one point per pixel column so segments count, not only vertices
            seg = np.maximum(1, np.ceil(np.abs(np.diff(d[:, 0]))).astype(int))
            if seg.sum() < 200_000:
                t = np.concatenate([np.linspace(0, 1, k, endpoint=False) for k in seg] + [np.array([0.0])])
                idx = np.concatenate([np.full(k, i) for i, k in enumerate(seg)] + [np.array([len(d) - 2])])
                t[-1] = 1.0
                d = d[idx] + (d[idx + 1] - d[idx]) * t[:, None]
        cols = np.clip(np.round(d[:, 0]).astype(int) - x0, 0, n - 1)
        np.minimum.at(lo, cols, d[:, 1])
        np.maximum.at(hi, cols, d[:, 1])
    if not np.isfinite(lo).any():
        return None
    return x0, lo, hi


def _scatter_points(ax: Any) -> Any:
    """Display coordinates of the markers of the axes' scatter collections (n × 2)."""
    import numpy as np

    pts = [c.get_offset_transform().transform(c.get_offsets()) for c in ax.collections
           if c.get_visible() and len(c.get_offsets()) and hasattr(c, "get_offset_transform")]
    return np.concatenate(pts) if pts else np.empty((0, 2))


def _with_renderer(fig: Any) -> Any:
    """The figure's renderer; a figure released by ``plt.close`` gets an Agg canvas back first."""
    if not hasattr(fig.canvas, "get_renderer"):
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        FigureCanvasAgg(fig)
    fig.canvas.draw()
    return fig.canvas.get_renderer()


def legends_on_data(fig: Any) -> list[str]:
    """Axes whose legend sits inside the plot area on top of drawn data (lines or markers).

    Data of every axes sharing the plot area counts (a ``twinx`` curve under the other axes' legend).
    """
    renderer = _with_renderer(fig)
    out = []
    axes = fig.get_axes()
    for i, ax in enumerate(axes):
        leg = ax.get_legend()
        if leg is None or not leg.get_visible():
            continue
        box = leg.get_window_extent(renderer)
        hit = False
        for other in axes:
            ob = other.get_window_extent(renderer)
            if not _overlaps(box, ob, 0.0):
                continue
            if _hits_data(box, _data_envelope(other), 0.0):
                hit = True
            pts = _scatter_points(other)
            if len(pts) and bool(((pts[:, 0] >= box.x0) & (pts[:, 0] <= box.x1) & (pts[:, 1] >= box.y0)
                                  & (pts[:, 1] <= box.y1)).any()):
                hit = True
        if hit:
            out.append(ax.get_title() or f"axes {i + 1}")
    return out


def _hits_data(box: Any, env: tuple[Any, Any, Any] | None, pad: float) -> bool:
    if env is None:
        return False
    x0, lo, hi = env
    a, b = max(0, int(box.x0 - pad) - x0), min(len(lo), int(box.x1 + pad) - x0 + 1)
    if a >= b:
        return False
    return bool(((lo[a:b] <= box.y1 + pad) & (hi[a:b] >= box.y0 - pad)).any())


def place_labels(ax: Any, xs: Sequence[float], ys: Sequence[float], texts: Sequence[str], *,
                 priority: Sequence[float] | None = None, fontsize: float = 7.5, pad_px: float = 2.0,
                 leader: bool = True, max_offset_px: float = 70.0, avoid_data: bool = True,
                 **text_kwargs: Any) -> dict[str, Any]:
    """Label points ``(xs, ys)`` with ``texts`` so that no two labels overlap (nor leave the axes).

    Labels are placed in ``priority`` order (largest first; default: the given order). Each tries
    positions above its point, then to the sides and further up, measured with the figure's renderer;
    the first free one wins and a thin leader line joins label and point when the label moved away.
    With ``avoid_data`` a label also never sits on a drawn line (the chromatogram stays readable). A
    label with no free spot within ``max_offset_px`` is left out. Returns ``{"placed": [...], "dropped":
    [...]}`` (texts), so a caption can say how many were left out.
    """
    fig = ax.figure
    renderer = _with_renderer(fig)  # final limits and layout before measuring
    order = list(range(len(texts)))
    if priority is not None:
        order.sort(key=lambda i: -float(priority[i]))
    axes_box = ax.get_window_extent(renderer)
    env = _data_envelope(ax) if avoid_data else None
    taken = [t.get_window_extent(renderer) for t in ax.texts if t.get_visible()]
    steps = [6.0, 14.0, 24.0, 36.0, 50.0, max_offset_px]
    candidates = [(0.0, 4.0)] + [(dx * r, dy * r) for r in steps
                                 for dx, dy in ((0, 1), (-0.8, 0.8), (0.8, 0.8), (-1, 0.3), (1, 0.3))]
    candidates = [c for c in candidates if (c[0] ** 2 + c[1] ** 2) ** 0.5 <= max_offset_px + 1e-9]
    placed: list[str] = []
    dropped: list[str] = []
    for i in order:
        x, y, label = float(xs[i]), float(ys[i]), str(texts[i])
        done = False
        for dx, dy in candidates:
            ann = ax.annotate(label, (x, y), xytext=(dx, dy), textcoords="offset points", ha="center", va="bottom",
                              fontsize=fontsize, annotation_clip=False, **text_kwargs)
            box = ann.get_window_extent(renderer)
            inside = (box.x0 >= axes_box.x0 and box.x1 <= axes_box.x1 and box.y1 <= axes_box.y1
                      and box.y0 >= axes_box.y0)
            if inside and not any(_overlaps(box, other, pad_px) for other in taken) \
                    and not _hits_data(box, env, 1.0):
                if leader and (dx, dy) != candidates[0]:
                    ann.remove()
                    ann = ax.annotate(label, (x, y), xytext=(dx, dy), textcoords="offset points", ha="center",
                                      va="bottom", fontsize=fontsize, annotation_clip=False,
                                      arrowprops={"arrowstyle": "-", "lw": 0.5, "color": "0.55",
                                                  "shrinkA": 0, "shrinkB": 1}, **text_kwargs)
                taken.append(box)
                placed.append(label)
                done = True
                break
            ann.remove()
        if not done:
            dropped.append(label)
    return {"placed": placed, "dropped": dropped}


def text_overlaps(fig: Any, pad_px: float = 0.5) -> list[tuple[str, str]]:
    """Pairs of visible, non-empty texts of ``fig`` whose drawn boxes overlap (for tests of plots)."""
    from matplotlib.text import Text

    renderer = _with_renderer(fig)
    texts = [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]
    # Text's own box: an Annotation's get_window_extent also spans its leader line
    boxes = [(t.get_text(), Text.get_window_extent(t, renderer)) for t in texts]
    return [(a[0], b[0]) for a, b in itertools.combinations(boxes, 2) if _overlaps(a[1], b[1], -pad_px)]


__all__ = ["STYLE", "RenderedFigure", "figure_png", "figure_svg", "legend_outside", "legends_on_data", "new_figure",
           "place_labels", "text_overlaps", "wants_zoom"]
