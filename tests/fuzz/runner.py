"""Run the real ``cellworks`` command line on hostile input and judge the outcome.

Each case is a subprocess (``python -m cellworks.cli ...``), reaped with ``wait4`` so its own peak
resident memory is known; it runs in its own session (killed whole after the time limit), with an
address-space cap well above the memory budget as a safety net for the shared machine, one thread
for NumPy/numba, and ``CELLWORKS_DEBUG`` unset. A case passes when:

* the exit code is 0, or 2 with exactly one ``error:`` line on stderr (other lines only
  ``warning:``/``note:``) — or 1 for a command whose result may fail (a simulation);
* no ``Traceback`` anywhere, and the error is not "needs more memory" (a blow-up caught late);
* it ends within :data:`TIME_LIMIT_S` of CPU time (the machine is shared: wall time says little,
  so the limit is enforced with ``RLIMIT_CPU``; a case blocked without using CPU is killed after
  :data:`WALL_LIMIT_S` of wall time) and its peak RSS stays within :data:`RSS_LIMIT_BYTES`;
* every input file is byte-identical afterwards (SHA-256).
"""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

TIME_LIMIT_S = 30
WALL_LIMIT_S = float(os.environ.get("FUZZ_WALL_LIMIT_S", "180"))
RSS_LIMIT_BYTES = 1 << 30
ADDRESS_SPACE_CAP = 3 << 30  # a runaway child gets MemoryError (flagged) long before the machine swaps; the
# largest legitimate address space seen is 1.4 GiB (an Arbin .res through access-parser)
_ALLOWED_EXTRA = ("warning:", "note:", "skipped ")


@dataclass(frozen=True)
class Case:
    """One command line to run; ``inputs`` are hashed before and after; ``may_fail``: exit 1 is a
    legitimate result (a failed simulation)."""

    label: str
    args: tuple[str, ...]
    inputs: tuple[Path, ...] = ()
    cwd: Path | None = None
    may_fail: bool = False


@dataclass
class Outcome:
    case: Case
    code: int | None
    wall_s: float
    cpu_s: float
    max_rss: int
    stdout: str
    stderr: str
    changed: list[str] = field(default_factory=list)
    timed_out: bool = False

    @property
    def problems(self) -> list[str]:
        out: list[str] = []
        err = self.stderr
        if self.timed_out or self.cpu_s > TIME_LIMIT_S:
            out.append(f"hang (> {TIME_LIMIT_S} s CPU or {WALL_LIMIT_S:.0f} s wall)")
        if "Traceback" in err or "Traceback" in self.stdout:
            out.append("traceback")
        if self.max_rss > RSS_LIMIT_BYTES or "needs more memory" in err:
            out.append(f"memory ({self.max_rss / 2**20:.0f} MiB)")
        if self.changed:
            out.append(f"input changed: {', '.join(self.changed)}")
        if not self.timed_out:
            allowed = {0, 2} | ({1} if self.case.may_fail else set())
            if self.code not in allowed:
                out.append(f"exit {self.code}")
            lines = [ln for ln in err.splitlines() if ln.strip()]
            errors = [ln for ln in lines if ln.startswith("error:")]
            others = [ln for ln in lines if not ln.startswith("error:") and not ln.startswith(_ALLOWED_EXTRA)]
            if self.code == 2 and (len(errors) != 1 or others):
                out.append("not one line")
        return out

    @property
    def unclassified(self) -> bool:
        """An exit 2 whose line is the CLI's fallback (the reader raised no error of its own)."""
        return self.code == 2 and "cannot process this input (unexpected" in self.stderr

    def describe(self) -> str:
        from cellworks._text import safe_text

        tail = " | ".join(self.stderr.strip().splitlines()[-3:])[:400]
        text = (f"{self.case.label}: {', '.join(self.problems) or 'ok'} [exit {self.code}, {self.cpu_s:.1f} s CPU, "
                f"{self.wall_s:.1f} s wall, {self.max_rss / 2**20:.0f} MiB] {' '.join(self.case.args)[:300]} :: {tail}")
        return safe_text(text, one_line=True)


def _sha(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return "missing"


# A tiny launcher sets the limits, forks the CLI and reports the CLI's own rusage on a pipe. Measuring
# from the launcher (not from this process) matters: a child forked from a big process (pytest with
# a thousand tests loaded) carries the parent's resident pages until it execs, and ru_maxrss keeps
# that peak; the launcher is a bare interpreter, so its child's peak is the CLI's.
_LAUNCH = ("import os, resource, sys\n"
           f"resource.setrlimit(resource.RLIMIT_AS, ({ADDRESS_SPACE_CAP}, {ADDRESS_SPACE_CAP}))\n"
           f"resource.setrlimit(resource.RLIMIT_CPU, ({TIME_LIMIT_S}, {TIME_LIMIT_S + 5}))\n"
           "resource.setrlimit(resource.RLIMIT_CORE, (0, 0))\n"
           "fd = int(sys.argv[1])\n"
           "pid = os.fork()\n"
           "if pid == 0:\n"
           "    os.close(fd)\n"
           "    os.execv(sys.executable, [sys.executable, '-m', 'cellworks.cli', *sys.argv[2:]])\n"
           "_, status, ru = os.wait4(pid, 0)\n"
           "os.write(fd, f'{os.waitstatus_to_exitcode(status)} {ru.ru_maxrss} {ru.ru_utime + ru.ru_stime}'.encode())\n"
           "os._exit(0)\n")


def child_env(src: Path) -> dict[str, str]:
    """The cases' environment: our sources first, one thread per library, no CELLWORKS_* settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CELLWORKS_")}
    env.update(PYTHONPATH=str(src), MPLBACKEND="Agg", OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1",
               MKL_NUM_THREADS="1", NUMBA_NUM_THREADS="1", PYTHONDONTWRITEBYTECODE="1", COLUMNS="100")
    return env


def run_case(case: Case, env: dict[str, str]) -> Outcome:
    before = {str(p): _sha(p) for p in case.inputs}
    t0 = time.monotonic()
    report_r, report_w = os.pipe()
    proc = subprocess.Popen([sys.executable, "-c", _LAUNCH, str(report_w), *case.args], stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=case.cwd,
                            start_new_session=True, pass_fds=(report_w,))
    os.close(report_w)
    chunks: dict[str, list[bytes]] = {"out": [], "err": []}

    def drain(stream: object, key: str) -> None:
        for block in iter(lambda: stream.read(65536), b""):  # type: ignore[attr-defined]
            if sum(map(len, chunks[key])) < 4 << 20:  # keep at most 4 MiB of output
                chunks[key].append(block)

    readers = [threading.Thread(target=drain, args=(proc.stdout, "out"), daemon=True),
               threading.Thread(target=drain, args=(proc.stderr, "err"), daemon=True)]
    for r in readers:
        r.start()
    timed_out = False
    status = 0
    while True:
        pid, status, _ = os.wait4(proc.pid, os.WNOHANG)
        if pid == proc.pid:
            break
        if time.monotonic() - t0 > WALL_LIMIT_S:
            timed_out = True
            os.killpg(proc.pid, signal.SIGKILL)
            _, status, _ = os.wait4(proc.pid, 0)
            break
        time.sleep(0.02)
    wall = time.monotonic() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here: Popen must not wait again
    with os.fdopen(report_r, "rb") as fh:
        report = fh.read().split()
    code, max_rss, cpu = None, 0, 0.0
    if len(report) == 3:  # the CLI's own exit code, peak RSS (KiB) and CPU time
        code, max_rss, cpu = int(report[0]), int(report[1]) * 1024, float(report[2])
    if code in (-signal.SIGXCPU, -signal.SIGKILL) or code is None:  # the CPU limit, or the wall kill
        timed_out = True
    for r in readers:
        r.join(timeout=5)
    try:  # a case's own children (none expected) must not outlive it
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    changed = [p for p, h in before.items() if _sha(Path(p)) != h]
    return Outcome(case, None if timed_out else code, wall, cpu, max_rss,
                   b"".join(chunks["out"]).decode("utf-8", "replace"),
                   b"".join(chunks["err"]).decode("utf-8", "replace"), changed, timed_out)


def run_all(cases: Sequence[Case], src: Path, jobs: int = 2, progress: bool = False) -> list[Outcome]:
    """Run ``cases`` in a pool of ``jobs`` subprocesses at a time."""
    env = child_env(src)
    done: list[Outcome] = []
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        for k, outcome in enumerate(pool.map(lambda c: run_case(c, env), cases), 1):
            done.append(outcome)
            if progress and (k % 50 == 0 or outcome.problems):
                print(f"[{k}/{len(cases)}] {outcome.describe()}", file=sys.stderr, flush=True)
    return done


def summary(outcomes: Iterable[Outcome], groups: dict[str, int]) -> str:
    """The campaign's one summary line."""
    outs = list(outcomes)
    n = len(outs)
    count = lambda word: sum(any(word in p for p in o.problems) for o in outs)  # noqa: E731
    codes = {c: sum(o.code == c for o in outs) for c in (0, 1, 2)}
    what = ", ".join(f"{v} {k}" for k, v in groups.items())
    max_s = max((o.cpu_s for o in outs), default=0.0)
    max_mb = max((o.max_rss for o in outs), default=0) / 2**20
    failed = sum(bool(o.problems) for o in outs)
    return (f"fuzz: {n} runs ({what}): {count('traceback')} tracebacks, {count('hang')} hangs, "
            f"{count('memory')} memory blow-ups, {count('input changed')} inputs changed, "
            f"{count('not one line')} multi-line errors, {count('exit ')} other exit codes; "
            f"exit 0: {codes[0]}, exit 1: {codes[1]}, exit 2: {codes[2]} "
            f"({sum(o.unclassified for o in outs)} by the CLI's fallback); slowest {max_s:.1f} s CPU, "
            f"largest {max_mb:.0f} MiB; {failed} failed")
