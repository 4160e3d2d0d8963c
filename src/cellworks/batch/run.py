"""Running a batch: plan against the folder, dispatch to a scheduler, record, report."""

from __future__ import annotations

import functools
import shutil
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from cellworks.batch.dataset import (
    MANIFEST,
    RESULTS_DIR,
    BatchReport,
    _adopt,
    _locked,
    _Manifest,
    _plan,
    _result_path,
    sweep_temps,
)
from cellworks.batch.inputs import BatchInput, Task, _normalise, code_version_of, default_key
from cellworks.batch.schedulers import _iter_distributed, _iter_local, _scheduler_client
from cellworks.errors import InputError, ParameterError


class _Progress:
    """A rich bar on stderr: done / failed / skipped / remaining across the whole batch."""

    def __init__(self, total: int, skipped: int, enabled: bool) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self.total, self.done, self.failed = total, 0, 0
        self._prog = Progress(
            TextColumn("batch"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn(
                "[green]{task.fields[done]} done[/] · [red]{task.fields[failed]} failed[/] · "
                "{task.fields[skipped]} current · {task.fields[remaining]} remaining"
            ),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=Console(stderr=True),
            disable=not enabled,
        )
        self._task = self._prog.add_task(
            "batch", total=total + skipped, completed=skipped, done=0, failed=0, skipped=skipped, remaining=total
        )

    def __enter__(self) -> _Progress:
        self._prog.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._prog.__exit__(*exc)

    def update(self, ok: bool) -> None:
        self.done += ok
        self.failed += not ok
        self._prog.update(
            self._task,
            advance=1,
            done=self.done,
            failed=self.failed,
            remaining=self.total - self.done - self.failed,
        )



def run_batch(
    task: Task,
    inputs: Sequence[BatchInput | str],
    out_dir: str | Path,
    *,
    scheduler: str = "local",
    key_fn: Callable[[BatchInput], str] = default_key,
    progress: bool = True,
    options: Mapping[str, Any] | None = None,
) -> BatchReport:
    """Run ``task`` over ``inputs`` on ``scheduler`` into the Parquet dataset ``out_dir``.

    ``options``: settings the results depend on that are not visible in ``task`` (hashed into the
    code version, so changing them recomputes). Returns a :class:`BatchReport`; failed inputs are in
    ``report.failures`` and the manifest, never raised. Raises :class:`~cellworks.errors.InputError`
    for a missing input file, duplicate keys, a busy ``out_dir`` or an unreachable scheduler.
    """
    import cloudpickle

    t0 = time.perf_counter()
    if not scheduler.strip():
        raise ParameterError("scheduler must be local, processes, sync or a scheduler address", field="scheduler")
    out_dir = Path(out_dir)
    items = _normalise(inputs, key_fn)
    code_version = code_version_of(task, options)
    func: Any = task
    while isinstance(func, functools.partial):
        func = func.func
    task_name = f"{getattr(func, '__module__', '?')}.{getattr(func, '__qualname__', '?')}"
    blob = cloudpickle.dumps(task)

    with _locked(out_dir):
        manifest = _Manifest(out_dir)
        todo = _plan(items, out_dir, manifest, code_version)
        n_skipped = len(items) - len(todo)
        calls = [(blob, it, str(_result_path(out_dir, it.key)), code_version, task_name) for it in todo]
        failures: list[tuple[str, str]] = []
        n_done = 0
        close: Callable[[], None] = lambda: None  # noqa: E731
        try:
            with _Progress(len(todo), n_skipped, progress) as bar:
                if not calls:
                    records: Iterator[dict[str, Any]] = iter(())
                elif scheduler in ("sync", "processes"):
                    records, close = _iter_local(scheduler, calls)
                else:
                    client, close = _scheduler_client(scheduler)
                    records = _iter_distributed(client, calls)
                for rec in records:
                    manifest.set(rec)
                    if rec["status"] == "ok":
                        n_done += 1
                    else:
                        failures.append((rec["input"], rec["error"]))
                    bar.update(rec["status"] == "ok")
                    manifest.write()
        finally:
            try:
                close()  # first: no worker of ours outlives the batch (interrupted or not)
            finally:
                # results committed by workers whose report never reached us (interruption, broken
                # pool) are entered from their own metadata, so the manifest matches the dataset
                for it in todo:
                    row = manifest.rows.get(it.key)
                    if not (row and row.get("status") == "ok" and row.get("sha256") == it.sha256):
                        path = _result_path(out_dir, it.key)
                        if path.exists():
                            _adopt(it, path, manifest, code_version)
                manifest.write(force=True)
                sweep_temps(out_dir)  # what workers killed mid-write left behind
    return BatchReport(
        out_dir=out_dir,
        scheduler=scheduler,
        n_inputs=len(items),
        n_done=n_done,
        n_skipped=n_skipped,
        n_failed=len(failures),
        failures=tuple(sorted(failures)),
        wall_s=time.perf_counter() - t0,
        code_version=code_version,
    )


def clear(out_dir: str | Path) -> None:
    """Delete a batch output folder made by :func:`run_batch` (refuses any other folder)."""
    out_dir = Path(out_dir)
    if not (out_dir / MANIFEST).exists() and not (out_dir / RESULTS_DIR).exists():
        raise InputError("not a batch output folder (no manifest.parquet or results/)", file=out_dir)
    shutil.rmtree(out_dir)


def print_summary(report: BatchReport) -> None:
    """One line per failed input and a closing count, on stderr (for the CLI commands)."""
    from cellworks._text import safe_text

    for inp, err in report.failures:
        # an InputError's one-line message already starts with the file it names
        line = str(err) if str(err).startswith(str(inp)) else f"{inp}: {err}"
        sys.stderr.write(f"failed: {safe_text(line, one_line=True)}\n")
    sys.stderr.write(
        f"batch: {report.n_done} done, {report.n_failed} failed, {report.n_skipped} already current "
        f"of {report.n_inputs} inputs in {report.wall_s:.1f} s → {report.dataset} (manifest {report.manifest})\n"
    )


def finish_cli(report: BatchReport, *, json_out: bool = False) -> int:
    """End of a batch CLI command: failures and counts on stderr, the report as JSON on stdout
    with ``--json``. Returns the exit code: 0 when every input succeeded, 1 when some failed
    (bad input for the whole command, e.g. a missing folder, is an InputError → exit 2)."""
    from cellworks.clikit import emit_json

    print_summary(report)
    if json_out:
        emit_json(report.to_dict())
    return 0 if report.ok else 1


