"""Every command of the README's ```sh blocks runs verbatim and exits 0.

A new user pastes README commands in the repository root. This test does the same in a scratch folder
holding a copy of ``tests/data`` (the README's examples use those files by their ``tests/data/...``
path), with ``.venv/bin`` (the interpreter running the tests) first on ``PATH`` so ``cellworks`` is the
one under test. Commands run in README order in one shared folder (``gcms analyze runs/*.cdf`` needs the
files ``gcms synth`` wrote just before). The blocks are parsed at collection time, so commands that
parts add to the README are picked up without touching this file.

``make``/``make demo``/``make test`` lines are skipped (``make test`` is what runs this test, and ``make
demo`` is the browser test's job), and so is activating ``.venv`` (done here through ``PATH``);
everything else is run. A command whose README line carries a
duration comment of a minute or more (``# ≈ 2 min``) is marked ``slow``.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"

#: lines that are not cellworks examples for this test (they build the environment or run this test)
_SKIP_PREFIXES = ("make", "git clone", "cd ", ". .venv/bin/activate", "source .venv/bin/activate")
#: `# ≈ 2 min`, `# ~40 s`, `(≈ 3 min)`: the README's rough durations
_DURATION = re.compile(r"[≈~]\s*(\d+(?:\.\d+)?)\s*(s|min|h)\b")
#: a command that may legitimately run longer than this is worth a README duration comment
SLOW_S = 60.0


@dataclass(frozen=True)
class ReadmeCommand:
    line: int  # 1-based line of the README where the command starts
    text: str  # the command as a shell would see it (continuation lines joined)
    duration_s: float | None  # the README's stated rough duration, if any


def _duration_s(text: str) -> float | None:
    m = _DURATION.search(text)
    if not m:
        return None
    return float(m.group(1)) * {"s": 1.0, "min": 60.0, "h": 3600.0}[m.group(2)]


def readme_commands(text: str) -> list[ReadmeCommand]:
    """The commands of every ```sh (or ```bash / ```console) block, continuation lines joined."""
    commands: list[ReadmeCommand] = []
    in_block = False
    pending: list[str] = []
    start = 0
    for lineno, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        if not in_block:
            if re.fullmatch(r"```(sh|bash|shell|console)", stripped):
                in_block = True
            continue
        if stripped.startswith("```"):
            in_block = False
            pending = []
            continue
        if not pending:
            if not stripped or stripped.startswith("#"):
                continue
            start = lineno
            stripped = stripped.removeprefix("$ ")
        pending.append(stripped)
        if stripped.endswith("\\"):
            continue
        joined = " ".join(p.removesuffix("\\").strip() for p in pending)
        pending = []
        commands.append(ReadmeCommand(start, joined, _duration_s(joined)))
    return commands


def _runnable(cmd: ReadmeCommand) -> bool:
    return not cmd.text.startswith(_SKIP_PREFIXES)


COMMANDS = [c for c in readme_commands(README.read_text(encoding="utf-8")) if _runnable(c)]


def _param(cmd: ReadmeCommand) -> object:
    marks = [pytest.mark.slow] if (cmd.duration_s or 0) >= SLOW_S else []
    return pytest.param(cmd, id=f"L{cmd.line}-{shlex.split(cmd.text, comments=True)[1:3]}", marks=marks)


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A scratch 'repository root': a copy of tests/data, nothing else."""
    root = tmp_path_factory.mktemp("readme")
    shutil.copytree(ROOT / "tests" / "data", root / "tests" / "data")
    return root


def test_the_readme_has_commands_for_every_part() -> None:
    # guards the parser: a README reformatted so that no block is found must not pass silently
    groups = {shlex.split(c.text, comments=True)[1] for c in COMMANDS if c.text.startswith("cellworks ")}
    assert {"protocol", "lis", "cycling", "eis", "pack", "gcms"} <= groups, groups


def test_parser_joins_continuations_and_reads_durations() -> None:
    text = "x\n```sh\n# comment\ncellworks a \\\n    --b c   # ≈ 2 min\n\ncellworks d\n```\n```python\nnot me\n```\n"
    cmds = readme_commands(text)
    assert [c.text for c in cmds] == ["cellworks a --b c   # ≈ 2 min", "cellworks d"]
    assert cmds[0].line == 4 and cmds[0].duration_s == 120.0 and cmds[1].duration_s is None


@pytest.mark.parametrize("cmd", [_param(c) for c in COMMANDS])
def test_readme_command_exits_0(cmd: ReadmeCommand, workspace: Path) -> None:
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env.setdefault("MPLBACKEND", "Agg")
    # no timeout per command beyond a generous bound: a hang must fail, not block CI for 90 min
    limit = max(600.0, 3 * (cmd.duration_s or 0))
    proc = subprocess.run(
        ["bash", "-c", cmd.text],
        cwd=workspace,
        env=env,
        capture_output=True,
        text=True,
        timeout=limit,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    assert proc.returncode == 0, (
        f"README line {cmd.line}: `{cmd.text}` exited {proc.returncode}\n"
        f"stderr (last 1500 chars):\n{proc.stderr[-1500:]}"
    )
