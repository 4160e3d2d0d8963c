"""What a reader would notice, measured in the browser: each function returns the offenders (empty = fine).

Kept apart from the tests so the same checks run on the demo report and on deliberately broken pages
(``test_checks_catch_a_broken_page``): a check that cannot fail is no check.
"""

from __future__ import annotations

import re
from typing import Any

from cellworks.report.format import has_unit

#: two text boxes overlap when they share more than this many px in both directions (anti-aliasing
#: and the ascent/descent padding of a font's box make touching labels share ~1 px)
OVERLAP_PX = 1.5

_OVERFLOW_JS = """
const doc = document.documentElement, out = [];
if (doc.scrollWidth > doc.clientWidth + 1) out.push(`page: ${doc.scrollWidth} px wide in a ${doc.clientWidth} px window`);
const right = document.body.getBoundingClientRect().right + 1;
for (const el of document.querySelectorAll('pre, figure, figcaption, p, h1, h2, h3, .summary, nav')) {
  const r = el.getBoundingClientRect();
  if (r.width > 0 && r.right > right) out.push(`${el.tagName.toLowerCase()}#${el.id || el.closest('section')?.id || ''}: right edge ${Math.round(r.right)} > ${Math.round(right)}`);
  if ((el.tagName === 'PRE') && el.scrollWidth > el.clientWidth + 1)
    out.push(`pre in ${el.closest('section')?.id || '?'}: ${el.scrollWidth - el.clientWidth} px cut off at the right`);
}
if (arguments[0]) for (const w of document.querySelectorAll('.table-wrap')) {
  if (w.scrollWidth > w.clientWidth + 1) out.push(`table ${w.querySelector('table')?.id}: ${w.scrollWidth - w.clientWidth} px wider than the column`);
}
return out;
"""

_TEXT_BOXES_JS = r"""
const out = [];
for (const fig of document.querySelectorAll('figure')) {
  const boxes = [];
  for (const t of fig.querySelectorAll('svg text, .label')) {
    const s = (t.textContent || '').replace(/\s+/g, '');
    if (!s) continue;
    const r = t.getBoundingClientRect();
    if (r.width > 0 && r.height > 0) boxes.push([s, r.left, r.top, r.right, r.bottom]);
  }
  out.push([fig.id || '?', boxes]);
}
return out;
"""

_TABLES_JS = """
return Array.from(document.querySelectorAll('table')).map(t => [
  t.id || '?',
  Array.from(t.querySelectorAll('thead th')).map(h => h.textContent.trim()),
  Array.from(t.querySelectorAll('tbody tr')).map(r => Array.from(r.children).map(c => [c.textContent.trim(), c.className]))
]);
"""

_NUMBER = re.compile(r"^[−+-]?\d[\d.,]*(\s*×\s*10[⁰¹²³⁴⁵⁶⁷⁸⁹⁻]+)?$")


def horizontal_overflow(driver: Any, tables_must_fit: bool = True) -> list[str]:
    """Anything wider than the page or cut off at the right (code blocks wrap, they are never cut)."""
    return list(driver.execute_script(_OVERFLOW_JS, tables_must_fit))


def overlapping_text(driver: Any) -> list[str]:
    """Pairs of text boxes of one figure (its SVG text, or HTML labels) that overlap."""
    out = []
    for fig_id, boxes in driver.execute_script(_TEXT_BOXES_JS):
        for i in range(len(boxes)):
            a = boxes[i]
            for b in boxes[i + 1:]:
                dx = min(a[3], b[3]) - max(a[1], b[1])
                dy = min(a[4], b[4]) - max(a[2], b[2])
                if dx > OVERLAP_PX and dy > OVERLAP_PX:
                    out.append(f"{fig_id}: '{a[0]}' overlaps '{b[0]}' ({dx:.0f}×{dy:.0f} px)")
    return out


def headers_without_units(driver: Any) -> list[str]:
    """Numeric columns whose header states no unit (``quantity / unit``, ``(unit)``, ``%``, or a count).

    A table with a ``unit`` column (each row a different quantity) states its units per row."""
    out = []
    for table_id, headers, rows in driver.execute_script(_TABLES_JS):
        if any(h.strip().lower() in ("unit", "units") for h in headers):
            continue  # rows of different quantities, each row stating its unit
        for j, head in enumerate(headers):
            cells = [r[j] for r in rows if j < len(r) and r[j][0] not in ("", "—")]
            # a bare number needs the header's unit; "3.37 Ah" carries its own
            numeric = [c for c in cells if _NUMBER.match(c[0])]
            if cells and len(numeric) >= 0.5 * len(cells) and not has_unit(head):
                out.append(f"{table_id}: column '{head}' holds numbers but no unit")
    return out


_MICRO_U = re.compile(r"\d\s?u(A|Ah|V|W|m|g|L|s|mol)\b")


def u_for_micro(driver: Any) -> list[str]:
    """Rendered text (outside code) writing 'u' for µ after a number: '10 uA'."""
    texts = driver.execute_script(
        "return Array.from(document.querySelectorAll('p, li, td, th, caption, figcaption, h2, h3, svg text'))"
        ".filter(e => !e.closest('pre, code')).map(e => [e.closest('section')?.id || '?', e.textContent])"
    )
    return [f"{sec}: '{text.strip()[:80]}'" for sec, text in texts if _MICRO_U.search(text)]


def sections_without_summary(driver: Any, anchors: list[str]) -> list[str]:
    """Part sections with no summary paragraph at their top."""
    got = driver.execute_script(
        "return Array.from(document.querySelectorAll('section')).map(s => "
        "[s.id, (s.querySelector('.summary') || {}).textContent || ''])"
    )
    have = {sid: text.strip() for sid, text in got}
    return [a for a in anchors if len(have.get(a, "")) < 40]


def legends_on_data(driver: Any) -> list[str]:
    """Figures whose legend covers data (measured by the report when it drew them)."""
    got = driver.execute_script(
        "return Array.from(document.querySelectorAll('figure[data-legend-on-data]'))"
        ".map(f => [f.id, f.getAttribute('data-legend-on-data')])"
    )
    return [f"{fid}: legend on the data of '{axes}'" for fid, axes in got]
