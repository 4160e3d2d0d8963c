"""``cellworks demo``: every available part on built-in defaults, one self-contained HTML report.

Each part contributes ``cellworks/<part>/report.py`` with::

    def build_section(workdir: Path, quick: bool = False) -> cellworks.report.Section

``workdir`` is a scratch folder inside the report folder for files the part wants to keep
(Parquet tables, run files). ``quick`` asks for smaller runs (used by the tests).
"""

from __future__ import annotations

import importlib
import time
import traceback
from pathlib import Path

from cellworks import __version__
from cellworks.report import Section, write_report

PARTS: tuple[str, ...] = ("lis", "cycling", "eis", "pack", "gcms")


class DemoError(RuntimeError):
    """One or more report sections failed; the report was still written."""


def _part_section(part: str, workdir: Path, quick: bool) -> Section:
    module = importlib.import_module(f"cellworks.{part}.report")
    section: Section = module.build_section(workdir, quick=quick)
    return section


def run_demo(out: str | Path = "demo-report", quick: bool = False) -> Path:
    """Build every section and write ``out/index.html``; returns the path."""
    from cellworks.clikit import stderr_console
    from cellworks.protocol.report import build_section as protocol_section

    out = Path(out)
    workdir = out / "data"
    workdir.mkdir(parents=True, exist_ok=True)
    console = stderr_console()
    sections: list[Section] = []
    failures: list[str] = []
    for part in PARTS:
        t0 = time.perf_counter()
        with console.status(f"demo: {part} …"):
            try:
                sec = _part_section(part, workdir, quick)
            except Exception as exc:  # a broken section must not hide the others
                failures.append(f"{part}: {exc}")
                sec = Section(
                    title=f"{part}: failed",
                    summary=f"This section could not be built: {exc}",
                    details=traceback.format_exc(limit=3),
                    anchor=part,
                )
        sections.append(sec)
        console.print(f"demo: {part} done in {time.perf_counter() - t0:.1f} s")
    sections.append(protocol_section(workdir, quick=quick))
    path = write_report(
        out / "index.html",
        "cellworks demo report",
        sections,
        subtitle=f"cellworks {__version__}: every part run on its built-in defaults and on the real instrument "
        "files in tests/data. Each section opens with what was computed and from what, and ends with the "
        "commands that reproduce it.",
    )
    if failures:
        raise DemoError("; ".join(failures) + f" (report written to {path})")
    return path
