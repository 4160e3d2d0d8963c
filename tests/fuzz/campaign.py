"""Build and run a fuzz campaign (used by ``make fuzz`` and by ``test_fuzz.py``)."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from .runner import Outcome, run_all, summary
from .targets import SRC, file_cases, known_owner, option_cases, protocol_cases


@dataclass
class Result:
    outcomes: list[Outcome]
    line: str

    @property
    def failures(self) -> list[Outcome]:
        """Failing cases not explained by a part's known, pending fix."""
        return [o for o in self.outcomes if o.problems and known_owner(o.case.label) is None]

    @property
    def known(self) -> list[Outcome]:
        """Failing cases a pending fix of another part explains (:data:`targets.KNOWN_CASES`)."""
        return [o for o in self.outcomes if o.problems and known_owner(o.case.label) is not None]

    @property
    def fixed_known(self) -> list[str]:
        """Known-owned patterns every case of which passed: the fix has landed, drop the entry."""
        seen: dict[str, bool] = {}
        for o in self.outcomes:
            key = known_owner(o.case.label)
            if key is not None:
                seen[key] = seen.get(key, True) and not o.problems
        return [k for k, fixed in seen.items() if fixed]


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
    res = Result(outcomes, "")
    res.line = summary(outcomes, groups) + (f" ({len(res.known)} of them a known fix pending in another part)"
                                            if res.known else "")
    return res
