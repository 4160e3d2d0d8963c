"""The input-safety layer every ``cellworks`` command goes through (installed by :mod:`cellworks.cli`).

After the part groups are mounted, :func:`harden` walks the click command tree once and makes
every boolean option a plain flag (``--json``; no ``<bool>`` in the help, no ``--no-json`` for a
flag that is off by default); the first time click parses a command (or shows its help),
:func:`harden_command`

* adds ``--force`` and ``--mkdir`` to it if it has an output parameter (see
  :mod:`cellworks.clikit` for what counts as an output);
* wraps its callback so that, before the command runs, inputs are regular files or folders within
  the file-size limit, numeric options are finite
  (NaN is never a value; infinity only where the default is infinite), every output path is
  resolved (symlinks, ``..``, hard links) and refused when it is an input, another output, an
  existing file without ``--force``, or below a missing folder without ``--mkdir``; stale
  temporary files of ours beside the outputs are swept; and while it runs the writers of
  :mod:`cellworks._io` refuse to replace any input (:class:`cellworks._io.OutputGuard`).

:func:`report` turns any exception that reaches the top into one line and an exit code.
"""

from __future__ import annotations

import inspect
import math
import os
import signal
import sys
import typing
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cellworks._text import safe_text

#: exit codes: bad input / usage 2, a failed result 1, interrupted 130, terminated 143, a bug 70
EXIT_BAD_INPUT, EXIT_FAILED, EXIT_INTERRUPTED, EXIT_TERMINATED, EXIT_INTERNAL = 2, 1, 130, 143, 70
_MAX_LINE = 1500
_INT64 = 2**63


class CommandFailed(Exception):  # noqa: N818 (a carrier, not an error of its own)
    """An exception raised by a command, carried past click together with what the command read."""

    def __init__(self, original: BaseException, inputs: list[str]) -> None:
        super().__init__(str(original))
        self.original = original
        self.inputs = inputs


class Interrupted(BaseException):  # noqa: N818
    """Ctrl-C or SIGTERM, carried past click (which would turn it into a silent exit 130)."""

    def __init__(self, signum: int = int(signal.SIGINT)) -> None:
        super().__init__("interrupted" if signum == signal.SIGINT else "terminated")
        self.signum = signum


# ------------------------------------------------------------------------------------------------
# what each parameter is


@dataclass(frozen=True)
class ParamInfo:
    name: str
    role: str  # "output" | "output_dir" | "input" | "none"
    flag: str  # how the user spells it: "--plot" or "OUT"


@dataclass
class CommandInfo:
    path: str
    params: list[ParamInfo] = field(default_factory=list)
    floats: dict[str, tuple[str, bool]] = field(default_factory=dict)  # name -> (flag, default is inf)
    ints: dict[str, str] = field(default_factory=dict)

    @property
    def outputs(self) -> list[ParamInfo]:
        return [p for p in self.params if p.role in ("output", "output_dir")]


def _spelling(param: Any) -> str:
    opts = [o for o in getattr(param, "opts", []) if o.startswith("--")] or list(getattr(param, "opts", []))
    if getattr(param, "param_type_name", "") == "argument" or not opts:
        return str(param.name).upper()
    return opts[0]


def _annotations(func: Callable[..., Any]) -> dict[str, Any]:
    original = inspect.unwrap(func)
    try:
        return typing.get_type_hints(original, include_extras=True)
    except Exception:  # an unresolvable forward reference: fall back to names and click types
        return {}


def _role_of(name: str, hint: Any, param: Any) -> str:
    from cellworks.clikit import OUTPUT_DIR_NAMES, OUTPUT_NAMES, PathRole

    base = hint
    if typing.get_origin(hint) is typing.Annotated:
        base, *meta = typing.get_args(hint)
        for m in meta:
            if isinstance(m, PathRole):
                return m.role
    is_path = _mentions_path(base) if hint is not None else bool(
        getattr(getattr(param, "type_descriptor", None), "is_path", False))
    if not is_path:
        return "none"
    if name in OUTPUT_NAMES or name.startswith("out_"):
        return "output_dir" if name in OUTPUT_DIR_NAMES else "output"
    return "input"


def _mentions_path(tp: Any) -> bool:
    if tp is Path or (isinstance(tp, type) and issubclass(tp, os.PathLike)):
        return True
    return any(_mentions_path(a) for a in typing.get_args(tp))


def describe(cmd: Any, path: str) -> CommandInfo:
    """The roles of a leaf command's parameters, from its function's annotations."""
    hints = _annotations(cmd.callback) if cmd.callback is not None else {}
    info = CommandInfo(path)
    for p in cmd.params:
        if not p.name or p.name in ("help",):
            continue
        hint = hints.get(p.name)
        info.params.append(ParamInfo(p.name, _role_of(p.name, hint, p), _spelling(p)))
        base = typing.get_args(hint)[0] if typing.get_origin(hint) is typing.Annotated else hint
        kinds = {a for a in (typing.get_args(base) or (base,))}
        kinds |= {x for a in kinds for x in typing.get_args(a)}
        if float in kinds:
            default = p.default
            info.floats[p.name] = (_spelling(p), isinstance(default, float) and math.isinf(default))
        elif int in kinds and bool not in kinds:
            info.ints[p.name] = _spelling(p)
    return info


# ------------------------------------------------------------------------------------------------
# the tree walk


def iter_commands(cmd: Any, path: str = "cellworks") -> Iterator[tuple[str, Any]]:
    """Every command of the tree (groups included) with its full name."""
    yield path, cmd
    for name, sub in sorted(getattr(cmd, "commands", {}).items()):
        yield from iter_commands(sub, f"{path} {name}")


def _plain_flag_class(base: type) -> type:
    class PlainFlag(base):  # type: ignore[valid-type, misc]
        """A boolean option shown as a bare flag (no ``<bool>``)."""

        def display_type_rich(self, ctx: Any) -> str | None:
            return None

    PlainFlag.__name__ = f"Plain{base.__name__}"
    return PlainFlag


_PLAIN: dict[type, type] = {}


def _plain(p: Any) -> Any:
    if getattr(p, "is_flag", False) and getattr(p, "is_bool_flag", False) and not getattr(p, "count", False):
        cls = type(p)
        if not cls.__name__.startswith("Plain") and hasattr(cls, "display_type_rich"):
            if cls not in _PLAIN:
                _PLAIN[cls] = _plain_flag_class(cls)
            p.__class__ = _PLAIN[cls]
        if p.default is False or p.default is None:
            p.secondary_opts = []  # --x/--no-x of an off-by-default flag: just --x
    return p


def plain_flags(cmd: Any) -> None:
    """Show ``cmd``'s boolean options (``--help`` included) as bare flags."""
    for p in cmd.params:
        _plain(p)
    if not getattr(cmd, "_cellworks_plain_help", False):
        original = cmd.get_help_option

        def get_help_option(ctx: Any) -> Any:
            opt = original(ctx)
            return _plain(opt) if opt is not None else None

        cmd.get_help_option = get_help_option
        cmd._cellworks_plain_help = True


def _extra_options() -> list[Any]:
    """``--force`` and ``--mkdir`` as typer builds them (the same classes as every other option)."""
    from typing import Annotated

    import typer
    import typer.main

    def _proto(**kwargs: Any) -> None:
        """Prototype of the central options."""

    # a real signature (this module's annotations are strings typer could not resolve)
    _proto.__signature__ = inspect.Signature([  # type: ignore[attr-defined]
        inspect.Parameter("force", inspect.Parameter.KEYWORD_ONLY, default=False, annotation=Annotated[
            bool, typer.Option("--force", help="Replace output files that exist (never an input).")]),
        inspect.Parameter("mkdir", inspect.Parameter.KEYWORD_ONLY, default=False, annotation=Annotated[
            bool, typer.Option("--mkdir", help="Create missing folders of the output paths.")]),
    ])
    t = typer.Typer(add_completion=False)
    t.command()(_proto)
    proto = typer.main.get_command(t)
    plain_flags(proto)
    return list(proto.params)


_EXTRA: list[Any] = []


def harden_command(cmd: Any, path: str) -> CommandInfo:
    """Install the safety layer on one leaf command now (idempotent); returns what it found."""
    info: CommandInfo | None = getattr(cmd, "_cellworks_info", None)
    if info is not None:
        return info
    info = describe(cmd, path)
    added: set[str] = set()
    if info.outputs:
        if not _EXTRA:
            _EXTRA.extend(_extra_options())
        names = {p.name for p in cmd.params}
        for opt in _EXTRA:
            if opt.name not in names:
                cmd.params.append(opt)
                added.add(opt.name)
    cmd.callback = _guarded(cmd.callback, info, added)
    cmd._cellworks_info = info
    return info


def harden(root: Any) -> None:
    """Install the safety layer on every command of ``root``.

    Flags are made plain everywhere at once (cheap); the rest of a leaf command (its parameter
    roles, ``--force``/``--mkdir``, the guarded callback) is installed the first time click asks
    for its parameters — when it is parsed or its help is shown — so ``cellworks --help`` and a
    command's start-up pay only for the command that runs.
    """
    for path, cmd in iter_commands(root):
        plain_flags(cmd)
        if getattr(cmd, "commands", None) is not None or cmd.callback is None:
            continue
        original = cmd.get_params

        def get_params(ctx: Any, _cmd: Any = cmd, _path: str = path, _orig: Any = original) -> Any:
            harden_command(_cmd, _path)
            return _orig(ctx)

        cmd.get_params = get_params


# ------------------------------------------------------------------------------------------------
# before and around a command


def _paths(value: Any) -> list[Path]:
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return [Path(v) for v in value if v is not None]
    return [Path(value)]


def _check_numbers(info: CommandInfo, kwargs: dict[str, Any]) -> None:
    from cellworks.errors import ParameterError

    def values(name: str) -> list[Any]:
        v = kwargs.get(name)
        return list(v) if isinstance(v, (list, tuple)) else [v]

    for name, (flag, inf_default) in info.floats.items():
        for v in values(name):
            if isinstance(v, float) and math.isnan(v):
                raise ParameterError("not a number (NaN)", field=flag)
            if isinstance(v, float) and math.isinf(v) and not inf_default:
                raise ParameterError(f"must be finite, got {v}", field=flag)
            if isinstance(v, float) and v != 0 and abs(v) < sys.float_info.min:
                # a subnormal number: no quantity of cellworks is that small, and its reciprocal overflows
                raise ParameterError(f"{v} is below the smallest normal number (2.2e-308): a typo?", field=flag)
    for name, flag in info.ints.items():
        for v in values(name):
            if isinstance(v, int) and not -_INT64 <= v < _INT64:
                raise ParameterError(f"out of range ({v})", field=flag)
            if flag == "--seed" and isinstance(v, int) and v < 0:
                # NumPy's generators take non-negative seeds only
                raise ParameterError(f"a seed is a non-negative integer, got {v}", field=flag)
    for p in info.params:
        if p.role != "none":
            for path in _paths(kwargs.get(p.name)):
                if "\x00" in str(path):
                    raise ParameterError("path contains a NUL byte", field=p.flag)


def plan_outputs(info: CommandInfo, kwargs: dict[str, Any], *, force: bool, mkdir: bool) -> Any:
    """The :class:`~cellworks._io.OutputGuard` of one run; refuses bad output paths (one line)."""
    from cellworks import _io
    from cellworks.errors import OutputError

    guard = _io.OutputGuard(force=force, mkdir=mkdir)
    input_dirs: list[str] = []
    for p in info.params:
        if p.role == "input":
            for path in _paths(kwargs.get(p.name)):
                check_input(path, p.flag)
                guard.add_input(path)
                if path.is_dir():
                    input_dirs.append(os.path.realpath(path))
    seen: dict[str, str] = {}
    for p in info.outputs:
        for path in _paths(kwargs.get(p.name)):
            key = os.path.realpath(os.path.abspath(path))
            if key in seen:
                raise OutputError(f"{seen[key]} and {p.flag} name the same file; give each output its own path",
                                  file=path)
            seen[key] = p.flag
            named = guard.input_named(path)
            if named is None and p.role == "output" and path.exists():
                named = next((str(path) for d in input_dirs if key.startswith(d.rstrip(os.sep) + os.sep)), None)
            if named is not None:
                raise OutputError(f"{p.flag} would overwrite the input {named}; "
                                  "choose another output path", file=path)
            if p.role == "output":
                if path.is_dir():
                    raise OutputError(f"{p.flag} is a folder; give a file name", file=path)
                if (path.exists() or path.is_symlink()) and not force:
                    raise OutputError(f"{p.flag}: file exists; add --force to replace it", file=path)
                _check_folder(path, mkdir)
            else:
                if path.exists() and not path.is_dir():
                    raise OutputError(f"{p.flag} exists and is not a folder", file=path)
                if not path.exists():
                    _check_folder(path, mkdir)
                guard.folders.append(key)
    return guard


def check_input(path: Path, flag: str) -> None:
    """An input that exists must be a regular file or a folder of a size we can read: a device or
    a FIFO (``/dev/zero``, ``/dev/stdin``) would never end or block forever."""
    import stat

    from cellworks.errors import InputError, LimitError
    from cellworks.limits import env_limit

    try:
        st = path.stat()
    except OSError:
        return  # missing: the command says so in its own words (or takes a shipped name)
    if stat.S_ISDIR(st.st_mode):
        return
    if not stat.S_ISREG(st.st_mode):
        raise InputError(f"{flag} is not a regular file (a device, pipe or socket); give a file", file=path)
    cap = env_limit("MAX_FILE_BYTES")
    if st.st_size > cap:
        raise LimitError(f"{flag} is {st.st_size / 2**30:.1f} GiB, above the limit of {cap / 2**30:.1f} GiB "
                         "(set CELLWORKS_MAX_FILE_BYTES to raise it)", file=path)


def _check_folder(target: Path, mkdir: bool) -> None:
    """The folder ``target`` goes in exists and is writable, or may be created with ``--mkdir``."""
    from cellworks.errors import OutputError

    blocker = next((a for a in reversed(target.parents) if a.exists() and not a.is_dir()), None)
    if blocker is not None:
        raise OutputError(f"'{blocker}' is a file, not a folder", file=target)
    parent = target.parent
    if parent.is_dir():
        if not os.access(parent, os.W_OK | os.X_OK):
            raise OutputError(f"folder '{parent}' is not writable", file=target)
    elif not mkdir:
        raise OutputError(f"folder '{parent}' does not exist (add --mkdir to create it)", file=target)


def _sweep(info: CommandInfo, kwargs: dict[str, Any]) -> None:
    from cellworks import _io

    for p in info.outputs:
        for path in _paths(kwargs.get(p.name)):
            if p.role == "output_dir" and path.is_dir():
                _io.sweep_stale_temps(path, recursive=True)
            elif path.parent.is_dir():
                _io.sweep_stale_temps(path.parent)


def _guarded(callback: Callable[..., Any], info: CommandInfo, added: set[str]) -> Callable[..., Any]:
    def run(**kwargs: Any) -> Any:
        from cellworks import _io

        force = bool(kwargs.pop("force") if "force" in added else kwargs.get("force", False))
        mkdir = bool(kwargs.pop("mkdir") if "mkdir" in added else kwargs.get("mkdir", False))
        inputs = [str(p) for pi in info.params if pi.role == "input" for p in _paths(kwargs.get(pi.name))]
        try:
            _check_numbers(info, kwargs)
            guard = plan_outputs(info, kwargs, force=force, mkdir=mkdir)
            _sweep(info, kwargs)
            with _io.output_guard(guard):
                return callback(**kwargs)
        except KeyboardInterrupt:
            raise Interrupted(signal.SIGINT) from None
        except Interrupted:
            raise
        except BaseException as exc:
            if _is_control_flow(exc):
                raise
            raise CommandFailed(exc, inputs) from exc

    run.__wrapped__ = callback  # type: ignore[attr-defined]
    run.__doc__ = callback.__doc__
    return run


def _click_classes() -> tuple[tuple[type[BaseException], ...], tuple[type[BaseException], ...],
                              tuple[type[BaseException], ...]]:
    """(Exit, Abort, ClickException) classes of typer's vendored click and of click itself."""
    import typer

    exits: list[type[BaseException]] = [typer.Exit, SystemExit]
    aborts: list[type[BaseException]] = [typer.Abort]
    errors: list[type[BaseException]] = []
    try:
        from typer._click import exceptions as vendored

        exits.append(vendored.Exit) if hasattr(vendored, "Exit") else None
        aborts.append(vendored.Abort) if hasattr(vendored, "Abort") else None
        errors.append(vendored.ClickException)
    except ImportError:
        pass
    try:
        import click

        exits.append(click.exceptions.Exit)
        aborts.append(click.exceptions.Abort)
        errors.append(click.exceptions.ClickException)
    except ImportError:
        pass
    return tuple(exits), tuple(aborts), tuple(errors)


def _is_control_flow(exc: BaseException) -> bool:
    exits, aborts, errors = _click_classes()
    return isinstance(exc, exits + aborts + errors)


# ------------------------------------------------------------------------------------------------
# one line for anything that reaches the top

# exception types that bad data provokes in parsing code: one line, exit 2, named "unexpected"
_DATA_ERRORS: tuple[type[BaseException], ...] = (
    ValueError, ArithmeticError, LookupError, UnicodeError, EOFError, BufferError,
)


def _one_line(text: str) -> str:
    from cellworks._io import user_path_text

    line = safe_text(user_path_text(text), one_line=True)
    return line if len(line) <= _MAX_LINE else line[:_MAX_LINE] + "…"


def _os_error_line(exc: OSError) -> str:
    name = exc.filename if exc.filename is not None else ""
    what = {
        FileNotFoundError: "file not found",
        IsADirectoryError: "is a folder, expected a file",
        NotADirectoryError: "a part of the path is not a folder",
        PermissionError: "permission denied",
        FileExistsError: "exists",
    }.get(type(exc), exc.strerror or str(exc))
    return f"{name}: {what}" if name else str(what)


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    e: BaseException | None = exc
    while e is not None and id(e) not in seen:
        seen.add(id(e))
        yield e
        e = e.__cause__ or e.__context__


def report(exc: BaseException, interrupted: int | None = None) -> tuple[str | None, int]:
    """The one line (or None: print nothing) and the exit code for ``exc``."""
    from cellworks.errors import InputError

    inputs: list[str] = []
    if isinstance(exc, CommandFailed):
        inputs, exc = exc.inputs, exc.original
    if interrupted is not None or isinstance(exc, (Interrupted, KeyboardInterrupt)) or any(
            isinstance(e, KeyboardInterrupt) for e in _chain(exc)):
        signum = interrupted or getattr(exc, "signum", signal.SIGINT)
        return ("interrupted" if signum == signal.SIGINT else "terminated",
                EXIT_INTERRUPTED if signum == signal.SIGINT else EXIT_TERMINATED)
    exits, aborts, errors = _click_classes()
    if isinstance(exc, SystemExit):
        code = exc.code
        if isinstance(code, str):
            return _one_line(code), EXIT_FAILED
        return None, int(code or 0)
    if isinstance(exc, exits):
        return None, int(getattr(exc, "exit_code", 0) or 0)
    if isinstance(exc, aborts):
        return "interrupted", EXIT_INTERRUPTED
    if isinstance(exc, errors):
        message = exc.format_message() if hasattr(exc, "format_message") else str(exc)
        code = getattr(exc, "exit_code", EXIT_BAD_INPUT)
        return _one_line(message), int(code) if code else EXIT_BAD_INPUT
    if isinstance(exc, InputError):
        return _one_line(exc.one_line()), EXIT_BAD_INPUT
    if isinstance(exc, OSError):
        return _one_line(_os_error_line(exc)), EXIT_BAD_INPUT
    where = f"{inputs[0]}: " if len(inputs) == 1 else ""
    if isinstance(exc, MemoryError):
        return _one_line(f"{where}needs more memory than is available (input too large or corrupt?)"), EXIT_BAD_INPUT
    if isinstance(exc, RecursionError):
        return _one_line(f"{where}input nested too deeply to process"), EXIT_BAD_INPUT
    name = type(exc).__name__
    if name in ("BatchError", "DemoError"):
        return _one_line(str(exc)), EXIT_FAILED
    if isinstance(exc, _DATA_ERRORS) or type(exc).__module__ == "struct":
        return _one_line(f"{where}cannot process this input (unexpected {name}: {exc})"), EXIT_BAD_INPUT
    return _one_line(f"{where}internal error ({name}: {exc}); please report it with the command that "
                     "caused it (CELLWORKS_DEBUG=1 shows the traceback)"), EXIT_INTERNAL


def flag_value_hint(args: list[str], root: Any) -> str | None:
    """``--json true`` → a sentence saying that ``--json`` is a plain flag (or None)."""
    cmd = root
    words = list(args)
    for i, w in enumerate(words):
        sub = getattr(cmd, "commands", {}).get(w)
        if sub is not None:
            cmd = sub
            continue
        if w.lower() in ("true", "false", "yes", "no", "on", "off", "1", "0") and i > 0:
            prev = words[i - 1]
            for p in getattr(cmd, "params", []):
                if getattr(p, "is_flag", False) and prev in (*p.opts, *p.secondary_opts):
                    return f"{prev} is a flag and takes no value: write '{prev}' alone, not '{prev} {w}'"
    return None
