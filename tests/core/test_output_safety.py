"""The input-safety layer of the CLI (issue 20): no command overwrites its input or an existing file
without --force, folders are created only with --mkdir, errors name the user's path, and the
writers of cellworks._io refuse to replace an input even if a command forgot to check."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from cellworks import _io, _safety
from cellworks.cli import command, main
from cellworks.errors import OutputError

DATA = Path(__file__).resolve().parents[1] / "data"
EIS_CSV = DATA / "eis" / "exampleData.csv"


def _commands() -> dict[str, _safety.CommandInfo]:
    found: dict[str, _safety.CommandInfo] = {}
    for path, cmd in _safety.iter_commands(command()):
        if getattr(cmd, "commands", None) is None and cmd.callback is not None:
            found[path] = _safety.describe(cmd, path)
    return found


def _leaf(path: str) -> Any:
    cmd = command()
    for word in path.split()[1:]:
        cmd = cmd.commands[word]
    return cmd


def _args(path: str, values: dict[str, str]) -> list[str]:
    """A command line for ``path`` that parses: ``values`` for the named parameters, a plausible
    value for every other required one (the safety checks run before the command's own code)."""
    cmd = _leaf(path)
    info = _commands()[path]
    roles = {p.name: p.role for p in info.params}
    positional: list[str] = []
    options: list[str] = []
    for p in cmd.params:
        if p.name in ("force", "mkdir", "help"):
            continue
        value = values.get(p.name)
        if value is None and not p.required:
            continue
        if value is None:
            kind = getattr(getattr(p, "type_descriptor", None), "annotation", str)
            value = {int: "1", float: "1.0"}.get(kind, "R0" if roles.get(p.name) == "none" else "x")
        if p.param_type_name == "argument":
            positional.append(value)
        else:
            options += [p.opts[0], value]
    return [*path.split()[1:], *positional, *options]


FILE_OUTPUTS = [(path, p.name) for path, info in _commands().items() for p in info.outputs if p.role == "output"]
DIR_OUTPUTS = [(path, p.name) for path, info in _commands().items() for p in info.outputs if p.role == "output_dir"]


def test_every_known_output_is_found() -> None:
    # the outputs issue 20 lists, and the batch folders, are all seen by the tree walk
    outs = set(FILE_OUTPUTS)
    for want in [("cellworks eis fit", "plot"), ("cellworks eis validate", "plot"), ("cellworks gcms peaks", "plot"),
                 ("cellworks gcms identify", "plot"), ("cellworks gcms identify", "mirror"),
                 ("cellworks cycling convert", "out"), ("cellworks cycling summarize", "csv"),
                 ("cellworks lis simulate", "out"), ("cellworks pack run", "parquet")]:
        assert want in outs, want
    dirs = set(DIR_OUTPUTS)
    for want in [("cellworks demo", "out"), ("cellworks lis sweep", "out"), ("cellworks cycling summarize", "out_dir"),
                 ("cellworks pack montecarlo", "out_dir"), ("cellworks gcms analyze", "out"),
                 ("cellworks lis reproduce", "plots")]:
        assert want in dirs, want
    # and what is read is an input, not an output
    roles = {p.name: p.role for p in _commands()["cellworks lis fit"].params}
    assert roles["check"] == "input" and roles["targets"] == "input" and roles["out"] == "output"


@pytest.mark.parametrize(("path", "name"), FILE_OUTPUTS)
def test_output_equal_to_input_is_refused_and_input_untouched(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], path: str, name: str
) -> None:
    info = _commands()[path]
    inputs = [p.name for p in info.params if p.role == "input"]
    victim = tmp_path / "x.csv"
    shutil.copyfile(EIS_CSV, victim)
    before = victim.read_bytes()
    values = {n: str(victim) for n in inputs}
    if inputs:
        values[name] = str(victim)
        expected = "would overwrite the input"
    else:  # nothing read: the existing file is protected by the --force rule instead
        values[name] = str(victim)
        expected = "file exists; add --force"
    code = main(_args(path, values))
    err = capsys.readouterr().err
    assert code == 2, (path, err)
    assert err.count("\n") == 1 and expected in err and "Traceback" not in err, err
    assert victim.read_bytes() == before


@pytest.mark.parametrize(("path", "name"), FILE_OUTPUTS)
def test_existing_output_needs_force(tmp_path: Path, capsys: pytest.CaptureFixture[str], path: str, name: str) -> None:
    info = _commands()[path]
    src = tmp_path / "in.csv"
    shutil.copyfile(EIS_CSV, src)
    existing = tmp_path / "taken.png"
    existing.write_bytes(b"someone else's file")
    values = {p.name: str(src) for p in info.params if p.role == "input"}
    values[name] = str(existing)
    assert main(_args(path, values)) == 2
    err = capsys.readouterr().err
    assert "exists; add --force to replace it" in err and err.count("\n") == 1
    assert existing.read_bytes() == b"someone else's file"


@pytest.mark.parametrize(("path", "name"), DIR_OUTPUTS)
def test_folder_output_that_is_a_file_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                 path: str, name: str) -> None:
    info = _commands()[path]
    src = tmp_path / "in.csv"
    shutil.copyfile(EIS_CSV, src)
    values = {p.name: str(src) for p in info.params if p.role == "input"}
    values[name] = str(src)  # an input, and a regular file
    assert main(_args(path, values)) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and ("the input" in err or "not a folder" in err), err
    assert src.read_bytes() == EIS_CSV.read_bytes()


def test_every_command_with_an_output_has_force_and_mkdir(capsys: pytest.CaptureFixture[str]) -> None:
    for path, info in _commands().items():
        _safety.harden_command(_leaf(path), path)  # done lazily when click first parses the command
        names = {p.name for p in _leaf(path).params}
        assert bool(info.outputs) == ({"force", "mkdir"} <= names), path


def test_issue_reproductions_eis_and_gcms_plots_refuse_their_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    x = tmp_path / "x.csv"
    shutil.copyfile(EIS_CSV, x)
    cdf = tmp_path / "r.cdf"
    shutil.copyfile(DATA / "gcms" / "agilent-gcms-tic.cdf", cdf)
    for args, victim in [
        (["eis", "fit", str(x), "-c", "R0-p(R1,C1)", "--plot", str(x)], x),
        (["eis", "validate", str(x), "--plot", str(x)], x),
        (["gcms", "peaks", str(cdf), "--plot", str(cdf)], cdf),
        (["gcms", "identify", str(cdf), "--mirror", str(cdf)], cdf),
    ]:
        before = victim.read_bytes()
        assert main(args) == 2, args
        err = capsys.readouterr().err
        assert err.startswith(f"error: {victim}") and err.count("\n") == 1, err
        assert victim.read_bytes() == before


def test_symlink_dotdot_and_hard_link_to_the_input_are_the_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    x = tmp_path / "data" / "x.csv"
    x.parent.mkdir()
    shutil.copyfile(EIS_CSV, x)
    before = x.read_bytes()
    (tmp_path / "link.png").symlink_to(x)
    os.link(x, tmp_path / "hard.png")
    (tmp_path / "sub").mkdir()
    for out in [tmp_path / "link.png", tmp_path / "hard.png", tmp_path / "sub" / ".." / "data" / "x.csv"]:
        assert main(["eis", "validate", str(x), "--plot", str(out), "--force"]) == 2, out
        assert "would overwrite the input" in capsys.readouterr().err
        assert x.read_bytes() == before


def test_force_replaces_an_existing_output_but_never_an_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "spec.csv"
    out.write_text("old\n")
    args = ["eis", "simulate", "-c", "R0-p(R1,C1)", "--params", "0.01,0.02,1", "--out", str(out)]
    assert main(args) == 2 and out.read_text() == "old\n"
    capsys.readouterr()
    assert main([*args, "--force"]) == 0
    assert out.read_text().count("\n") > 10


def test_mkdir_and_a_parent_that_is_a_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = ["eis", "simulate", "-c", "R0", "--params", "1"]
    deep = tmp_path / "a" / "b" / "spec.csv"
    assert main([*base, "--out", str(deep)]) == 2
    err = capsys.readouterr().err
    assert "does not exist (add --mkdir to create it)" in err and str(deep) in err
    assert not (tmp_path / "a").exists()
    assert main([*base, "--out", str(deep), "--mkdir"]) == 0 and deep.exists()
    afile = tmp_path / "afile"
    afile.write_text("x")
    assert main([*base, "--out", str(afile / "sub.csv"), "--mkdir"]) == 2  # issue 20: FileExistsError before
    err = capsys.readouterr().err
    assert "is a file, not a folder" in err and err.count("\n") == 1 and "Traceback" not in err


def test_two_outputs_on_one_path_are_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cdf = tmp_path / "r.cdf"
    shutil.copyfile(DATA / "gcms" / "agilent-gcms-tic.cdf", cdf)
    same = tmp_path / "fig.png"
    assert main(["gcms", "identify", str(cdf), "--plot", str(same), "--mirror", str(same)]) == 2
    assert "name the same file" in capsys.readouterr().err


def test_folder_outputs_are_reused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # a batch dataset folder resumes by design: running twice is fine and the second run skips
    out = tmp_path / "sweep"
    args = ["lis", "sweep", "--out", str(out), "--grid", "rtol_dummy=1", "--scheduler", "sync"]
    # an unknown parameter fails before any task: exit 2, and the folder rules ran first
    assert main(args) == 2
    assert "rtol_dummy" in capsys.readouterr().err


# ------------------------------------------------------------------------------------------------
# the writers themselves (defence in depth)


def test_atomic_write_refuses_a_registered_input_even_with_force(tmp_path: Path) -> None:
    x = tmp_path / "x.csv"
    x.write_text("data\n")
    guard = _io.OutputGuard(force=True)
    guard.add_input(x)
    with _io.output_guard(guard):
        with pytest.raises(OutputError, match="would overwrite the input"):
            with _io.atomic_write(x, "w") as fh:
                fh.write("clobbered")
        with pytest.raises(OutputError, match="would overwrite the input"):
            with _io.atomic_path(tmp_path / "." / "x.csv") as tmp:
                tmp.write_text("clobbered")
    assert x.read_text() == "data\n"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_atomic_write_without_force_refuses_an_existing_file_but_rewrites_its_own(tmp_path: Path) -> None:
    out = tmp_path / "manifest.json"
    out.write_text("old")
    with _io.output_guard(_io.OutputGuard()):
        with pytest.raises(OutputError, match="exists; add --force"):
            with _io.atomic_write(out, "w") as fh:
                fh.write("new")
        fresh = tmp_path / "fresh.json"
        for text in ("one", "two"):  # the same command may rewrite what it wrote itself
            with _io.atomic_write(fresh, "w") as fh:
                fh.write(text)
    assert out.read_text() == "old" and fresh.read_text() == "two"


def test_write_errors_name_the_users_path_not_the_temporary_file(tmp_path: Path) -> None:
    import errno

    target = tmp_path / "report.html"
    with pytest.raises(OutputError) as info:
        with _io.atomic_write(target, "w"):
            raise OSError(errno.ENOSPC, "No space left on device")
    assert str(target) in info.value.one_line() and ".tmp." not in info.value.one_line()
    assert "no space left" in info.value.one_line()
    assert not list(tmp_path.iterdir())
    # a library that failed on the temporary name: the CLI shows the user's path instead
    with pytest.raises(RuntimeError) as info2:
        with _io.atomic_path(target) as tmp:
            raise RuntimeError(f"cannot encode {tmp}")
    line, code = _safety.report(info2.value)
    assert str(target) in str(line) and ".tmp." not in str(line) and code == _safety.EXIT_INTERNAL


def test_startup_sweep_removes_only_our_stale_temporary_files(tmp_path: Path) -> None:
    dead = _dead_pid()
    host = _io._HOST
    stale = tmp_path / f".spec.csv.tmp.{host}-{dead}.0123abcd"
    mine_live = tmp_path / f".spec.csv.tmp.{host}-{os.getpid()}.89abcdef"
    foreign = tmp_path / ".spec.csv.tmp"  # not our pattern: never touched
    other_program = tmp_path / ".swp.tmp.notours"
    for p in (stale, mine_live, foreign, other_program):
        p.write_text("x")
    out = tmp_path / "spec.csv"
    assert main(["eis", "simulate", "-c", "R0", "--params", "1", "--out", str(out)]) == 0
    assert not stale.exists()
    assert mine_live.exists() and foreign.exists() and other_program.exists()


def _dead_pid() -> int:
    import subprocess
    import sys

    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_devices_and_pipes_are_not_inputs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # /dev/zero never ends and a FIFO without a writer blocks forever: refused before reading
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    for src in ("/dev/zero", str(fifo)):
        assert main(["eis", "validate", src]) == 2
        err = capsys.readouterr().err
        assert "is not a regular file" in err and err.count("\n") == 1, err


def test_an_input_above_the_file_limit_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CELLWORKS_MAX_FILE_BYTES", "1000")
    assert main(["eis", "validate", str(EIS_CSV)]) == 2
    assert "above the limit" in capsys.readouterr().err
