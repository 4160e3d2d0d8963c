"""Build and run a fuzz campaign (used by ``make fuzz`` and by ``test_fuzz.py``)."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from .runner import Outcome, run_all, summary
from .targets import SRC, file_cases, option_cases, protocol_cases


@dataclass
class Result:
    outcomes: list[Outcome]
    line: str

    @property
    def failures(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.problems]


def run_campaign(mutants: int, options: int | None, protocols: bool, seed: int, jobs: int,
                 workdir: Path | None = None, progress: bool = False, protocol_limit: int | None = None) -> Result:
    """``mutants`` file mutants, ``options`` numeric-option cases (None: all), the protocol cases
    (``protocol_limit`` of them, seeded, or all)."""
    with tempfile.TemporaryDirectory(prefix="cellworks-fuzz-") as tmp:
        root = workdir or Path(tmp)
        cases = file_cases(mutants, seed, root / "files")
        n_files = len(cases)
        opts = option_cases(root / "options", seed, options) if options != 0 else []
        prots = protocol_cases(root, seed, protocol_limit) if protocols else []
        cases += opts + prots
        outcomes = run_all(cases, SRC, jobs=jobs, progress=progress)
    groups = {"file mutants": n_files, "numeric options": len(opts), "protocol texts": len(prots)}
    return Result(outcomes, summary(outcomes, groups))
