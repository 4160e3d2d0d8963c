"""Files in and out, safely: atomic writes that never replace an input, stale-temp sweeps, and
reading bounded by what a file can hold.

Outputs
    :func:`atomic_write` / :func:`atomic_path` write to a hidden temporary file beside the target
    (``.<name>.tmp.<host>-<pid>.<random>[.<suffix>]``) and rename it into place only on success.
    While a command of the ``cellworks`` CLI runs, :func:`output_guard` is active and the writers
    also refuse to replace a file the command reads, to replace an existing file without
    ``--force`` (files inside a folder output, and files this process wrote itself, excepted), and
    to create a missing folder without ``--mkdir``. Errors name the user's path, never the
    temporary one. :func:`sweep_stale_temps` removes temporary files of ours whose writer is gone
    (a SIGKILL, a power cut).

Reading (limits in :mod:`cellworks.limits`)
    :func:`check_count` refuses a count field that the bytes left cannot hold;
    :func:`read_bytes_limited` refuses a file larger than a limit; :func:`open_zip` and
    :func:`read_zip_member` open archives whose member names are not valid UTF-8 (decoded with
    replacement) and refuse members that would unpack beyond :func:`unpacked_size_limit` (a ratio
    to the compressed size and an absolute cap, both settable with environment variables).

Everything here imports only the standard library.
"""

from __future__ import annotations

import errno
import hashlib
import os
import re
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING

from cellworks.errors import FileFormatError, LimitError, OutputError
from cellworks.limits import env_limit

if TYPE_CHECKING:
    import zipfile

# ------------------------------------------------------------------------------------------------
# limits settable from the environment


#: defaults of the reading limits (see :mod:`cellworks.limits`)
UNPACK_RATIO_FLOOR_BYTES = 64 << 20  # small members may compress better (zero-filled blocks)


def unpacked_size_limit(compressed_bytes: int) -> int:
    """Largest size a compressed member of ``compressed_bytes`` may unpack to:
    ``min(absolute, max(ratio * compressed, 64 MiB))`` with ``CELLWORKS_MAX_UNPACKED_BYTES``
    (default 1 GiB) and ``CELLWORKS_MAX_UNPACK_RATIO`` (default 200)."""
    absolute = env_limit("MAX_UNPACKED_BYTES")
    ratio = env_limit("MAX_UNPACK_RATIO")
    return int(min(absolute, max(ratio * max(compressed_bytes, 0), UNPACK_RATIO_FLOOR_BYTES)))


def _size_text(n: float) -> str:
    for unit, scale in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{int(n)} bytes"


def check_count(
    count: int,
    bytes_left: int,
    item_size: int,
    *,
    file: str | Path | None,
    field: str,
    record: str | int | None = None,
) -> int:
    """``count`` if ``count`` items of ``item_size`` bytes fit in ``bytes_left``, else a
    :class:`~cellworks.errors.FileFormatError` naming the field (corrupt or truncated file).

    Call it before allocating or reading ``count`` items, so a header that says 0xFFFFFFFF costs
    nothing."""
    if count < 0:
        raise FileFormatError(f"count is negative ({count}): corrupt file", file=file, field=field, record=record)
    if count * max(item_size, 1) > max(bytes_left, 0):
        raise FileFormatError(
            f"says {count} items of {item_size} bytes but only {max(bytes_left, 0)} bytes are left "
            "(corrupt or truncated file)",
            file=file, field=field, record=record,
        )
    return count


def read_bytes_limited(path: str | Path, *, limit: int | None = None) -> bytes:
    """The whole file, refused (one line) when larger than ``limit`` (default
    ``CELLWORKS_MAX_FILE_BYTES``, 4 GiB) or not a regular file (a FIFO or a device would block or
    never end)."""
    import stat

    p = Path(path)
    cap = int(limit if limit is not None else env_limit("MAX_FILE_BYTES"))
    # non-blocking open: opening a FIFO for reading would wait for a writer forever
    fd = os.open(p, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    with open(fd, "rb", closefd=True) as fh:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise FileFormatError("not a regular file", file=p)
        if st.st_size > cap:
            raise LimitError(f"file is {_size_text(st.st_size)}, above the limit of {_size_text(cap)} "
                             "(set CELLWORKS_MAX_FILE_BYTES to raise it)", file=p)
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return fh.read(cap + 1)


# ------------------------------------------------------------------------------------------------
# zip archives (.ndax, .xlsx)

def _zip_errors() -> tuple[type[BaseException], ...]:
    import zipfile
    import zlib

    return (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, ValueError, OverflowError,
            NotImplementedError, RuntimeError, OSError, KeyError, IndexError, UnicodeDecodeError)


def _clear_utf8_name_flags(data: bytes) -> bytes:
    """``data`` with the "names are UTF-8" bit cleared in every central-directory header, so
    :mod:`zipfile` decodes names as cp437 (every byte valid) instead of failing on bad UTF-8."""
    buf = bytearray(data)
    pos = buf.find(b"PK\x01\x02")
    while pos != -1 and pos + 10 <= len(buf):
        buf[pos + 9] &= 0xF7  # flag bits (little-endian u16 at +8): bit 11 lives in the high byte
        pos = buf.find(b"PK\x01\x02", pos + 4)
    return bytes(buf)


def display_name(info: zipfile.ZipInfo) -> str:
    """A member's name for messages: its raw bytes decoded as UTF-8 with replacement."""
    raw = info.orig_filename
    if not info.flag_bits & 0x800:
        try:
            return raw.encode("cp437").decode("utf-8", errors="replace")
        except UnicodeEncodeError:
            return raw
    return raw


def open_zip(source: bytes | str | Path, *, file: str | Path) -> zipfile.ZipFile:
    """A :class:`zipfile.ZipFile` over ``source`` (bytes or a path), or one line saying why not.

    Member names that are not valid UTF-8 although flagged so are decoded with replacement
    (the archive still opens; such a member simply has an odd name); every member's declared size
    is checked against :func:`unpacked_size_limit` before anything is unpacked.
    """
    import io
    import zipfile

    def _open(data: bytes | str | Path) -> zipfile.ZipFile:
        return zipfile.ZipFile(io.BytesIO(data) if isinstance(data, bytes) else data)

    try:
        try:
            zf = _open(source)
        except UnicodeDecodeError:
            data = source if isinstance(source, bytes) else Path(source).read_bytes()
            zf = _open(_clear_utf8_name_flags(data))
    except FileNotFoundError:
        raise
    except _zip_errors() as exc:
        raise FileFormatError(f"not a readable zip archive ({type(exc).__name__}: {exc}); truncated or corrupt?",
                              file=file) from None
    total = 0
    absolute = env_limit("MAX_UNPACKED_BYTES")
    for info in zf.infolist():
        check_unpacked_size(info.file_size, info.compress_size, file=file, member=display_name(info))
        total += info.file_size
        if total > absolute:
            zf.close()
            raise LimitError(f"members would unpack to more than {_size_text(absolute)} in all "
                             "(set CELLWORKS_MAX_UNPACKED_BYTES to raise the limit)", file=file)
    return zf


def check_unpacked_size(declared: int, compressed: int, *, file: str | Path, member: str) -> None:
    """Refuse (one line) a member that would unpack beyond :func:`unpacked_size_limit`."""
    cap = unpacked_size_limit(compressed)
    if declared > cap:
        raise LimitError(
            f"would unpack to {_size_text(declared)} from {_size_text(compressed)}, above the limit of "
            f"{_size_text(cap)} (set CELLWORKS_MAX_UNPACKED_BYTES / CELLWORKS_MAX_UNPACK_RATIO to raise it)",
            file=file, field=member,
        )


def read_zip_member(zf: zipfile.ZipFile, name: str, *, file: str | Path) -> bytes:
    """One member's bytes, bounded by its checked declared size; corrupt data is one line."""
    try:
        info = zf.getinfo(name)
    except KeyError:
        raise FileFormatError(f"no member '{name}' in the archive", file=file) from None
    check_unpacked_size(info.file_size, info.compress_size, file=file, member=name)
    try:
        with zf.open(info) as fh:
            data = fh.read(info.file_size + 1)
    except _zip_errors() as exc:
        raise FileFormatError(f"member cannot be unpacked ({type(exc).__name__}: {exc}); truncated or corrupt?",
                              file=file, field=name) from None
    if len(data) != info.file_size:
        raise FileFormatError(f"member unpacks to {len(data)} bytes, not the {info.file_size} its header says",
                              file=file, field=name)
    return data


# ------------------------------------------------------------------------------------------------
# hashing


def sha256_file(path: str | Path, chunk_bytes: int = 1 << 20) -> str:
    """SHA-256 hex digest of a file, read in chunks (the file is opened read-only)."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk_bytes):
            h.update(block)
    return h.hexdigest()


# ------------------------------------------------------------------------------------------------
# temporary files of our own naming

_HOST = hashlib.sha1(os.uname().nodename.encode() if hasattr(os, "uname") else b"host",
                     usedforsecurity=False).hexdigest()[:8]
_TEMP_RE = re.compile(r"^\.(?P<stem>.+)\.tmp\.(?P<host>[0-9a-f]{8})-(?P<pid>\d+)\.(?P<rand>[0-9a-f]{8})(?P<suffix>\.[^.]*)?$")
#: temporary path -> the user's path, for every temporary file this process made (error messages)
TEMP_TARGETS: dict[str, str] = {}
_LIVE_TEMPS: set[str] = set()  # created and neither committed nor discarded yet
_STALE_FOREIGN_S = 24 * 3600.0  # another host's temp file: stale after a day


def _umask_mode() -> int:
    """The mode a plain ``open(path, "w")`` would give (our temp files are created 0600)."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def _new_temp(target: Path, suffix: str = "") -> tuple[int, Path]:
    """Create ``.<name>.tmp.<host>-<pid>.<random><suffix>`` beside ``target`` (0600, exclusive)."""
    stem = target.name[:80]
    for _ in range(100):
        tmp = target.parent / f".{stem}.tmp.{_HOST}-{os.getpid()}.{os.urandom(4).hex()}{suffix}"
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o600)
        except FileExistsError:
            continue
        TEMP_TARGETS[str(tmp)] = str(target)
        _LIVE_TEMPS.add(str(tmp))
        return fd, tmp
    raise OutputError("cannot create a temporary file beside it", file=target)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def is_stale_temp(path: Path, now: float | None = None) -> bool:
    """Is ``path`` a temporary file of ours whose writer is gone (same host, dead PID; another
    host's after a day)?"""
    m = _TEMP_RE.match(path.name)
    if not m:
        return False
    pid = int(m.group("pid"))
    if m.group("host") == _HOST:
        return pid != os.getpid() and not _pid_alive(pid)
    try:
        age = (now or time.time()) - path.stat().st_mtime
    except OSError:
        return False
    return age > _STALE_FOREIGN_S


def sweep_stale_temps(folder: str | Path, *, recursive: bool = False) -> list[Path]:
    """Remove our stale temporary files in ``folder`` (see :func:`is_stale_temp`); returns them.

    Only names of our own pattern are touched, never another program's files."""
    root = Path(folder)
    removed: list[Path] = []
    try:
        candidates: Iterable[Path] = root.rglob(".*.tmp.*") if recursive else root.glob(".*.tmp.*")
        for p in candidates:
            if is_stale_temp(p):
                try:
                    p.unlink()
                    removed.append(p)
                except OSError:
                    pass
    except OSError:  # unreadable folder: nothing to sweep
        pass
    return removed


def user_path_text(text: str) -> str:
    """``text`` with every temporary path of this process replaced by the user's path."""
    for tmp, target in TEMP_TARGETS.items():
        if tmp in text:
            text = text.replace(tmp, target)
        name = Path(tmp).name
        if name in text:
            text = text.replace(name, Path(target).name)
    return text


# ------------------------------------------------------------------------------------------------
# the output guard of a CLI command


def _key(path: Path) -> str:
    return os.path.realpath(os.path.abspath(path))


@dataclass
class OutputGuard:
    """What the running command may write (installed by :func:`output_guard`)."""

    force: bool = False
    mkdir: bool = False
    inputs: dict[str, str] = field(default_factory=dict)  # realpath -> as given
    input_ids: set[tuple[int, int]] = field(default_factory=set)  # (st_dev, st_ino): hard links
    folders: list[str] = field(default_factory=list)  # realpaths of folder outputs
    written: set[str] = field(default_factory=set)

    def add_input(self, path: str | Path) -> None:
        p = Path(path)
        self.inputs[_key(p)] = str(p)
        try:
            st = p.stat()
            if not p.is_dir():
                self.input_ids.add((st.st_dev, st.st_ino))
        except OSError:
            pass

    def input_named(self, path: Path) -> str | None:
        """The input ``path`` would overwrite (same file after symlinks, ``..`` or hard links)."""
        key = _key(path)
        if key in self.inputs:
            return self.inputs[key]
        try:
            st = path.stat()
        except OSError:
            return None
        if (st.st_dev, st.st_ino) in self.input_ids:
            return next((v for k, v in self.inputs.items() if _same_id(k, st)), str(path))
        return None

    def in_folder_output(self, path: Path) -> bool:
        key = _key(path)
        return any(key == f or key.startswith(f.rstrip(os.sep) + os.sep) for f in self.folders)


def _same_id(path: str, st: os.stat_result) -> bool:
    try:
        s = os.stat(path)
    except OSError:
        return False
    return (s.st_dev, s.st_ino) == (st.st_dev, st.st_ino)


_GUARD: OutputGuard | None = None


@contextmanager
def output_guard(guard: OutputGuard) -> Iterator[OutputGuard]:
    """Install ``guard`` for the writers of this process while the block runs."""
    global _GUARD
    previous, _GUARD = _GUARD, guard
    try:
        yield guard
    finally:
        _GUARD = previous


def current_guard() -> OutputGuard | None:
    return _GUARD


def register_input(path: str | Path) -> None:
    """Tell the active guard that ``path`` is read by this command (no-op outside the CLI)."""
    if _GUARD is not None:
        _GUARD.add_input(path)


def _not_a_folder(path: Path) -> Path | None:
    """The first existing ancestor of ``path`` that is not a folder, if any."""
    for parent in [*reversed(path.parents)]:
        if parent.exists() and not parent.is_dir():
            return parent
    return None


def check_parent(target: Path, *, create: bool) -> None:
    """Make sure ``target``'s folder exists: created when ``create`` (``--mkdir`` or inside a
    folder output), else one line saying what is missing."""
    parent = target.parent
    if parent.is_dir():
        return
    blocker = _not_a_folder(target)
    if blocker is not None:
        raise OutputError(f"'{blocker}' is a file, not a folder", file=target)
    if not create:
        raise OutputError(f"folder '{parent}' does not exist (add --mkdir to create it)", file=target)
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot create folder '{parent}' ({exc.strerror or exc})", file=target) from None


def claim_output_dir(path: str | Path) -> Path:
    """Create the output folder ``path`` (a batch dataset, a report folder) under the active guard's
    rules and declare it, so the files written inside it may be created and replaced."""
    p = Path(path)
    g = _GUARD
    if g is None:
        p.mkdir(parents=True, exist_ok=True)
        return p
    named = g.input_named(p)
    if named is not None:
        raise OutputError(f"output folder is the input {named} of this command; choose another", file=p)
    if p.exists() and not p.is_dir():
        raise OutputError("exists and is not a folder", file=p)
    if not p.is_dir():
        check_parent(p, create=g.mkdir or g.in_folder_output(p.parent))
        try:
            p.mkdir(exist_ok=True)
        except OSError as exc:
            raise OutputError(f"cannot create folder ({exc.strerror or exc})", file=p) from None
    if _key(p) not in g.folders:
        g.folders.append(_key(p))
    return p


def _prepare_target(target: Path) -> None:
    g = _GUARD
    if g is None:  # library use: keep the convenience of creating folders
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
        except (FileExistsError, NotADirectoryError):
            blocker = _not_a_folder(target) or target.parent
            raise OutputError(f"'{blocker}' is a file, not a folder", file=target) from None
        return
    named = g.input_named(target)
    if named is not None:
        raise OutputError(f"would overwrite the input {named} of this command; choose another output path",
                          file=target)
    inside = g.in_folder_output(target)
    if target.is_dir():
        raise OutputError("is a folder; give a file name", file=target)
    if (target.exists() or target.is_symlink()) and not (g.force or inside or _key(target) in g.written):
        raise OutputError("exists; add --force to replace it", file=target)
    check_parent(target, create=g.mkdir or inside)


def _write_failed(exc: OSError, target: Path) -> OutputError:
    reason = exc.strerror or type(exc).__name__
    if exc.errno == errno.ENOSPC:
        reason = "no space left on the device"
    return OutputError(f"cannot write ({reason})", file=target)


def _commit(tmp: Path, target: Path) -> None:
    os.chmod(tmp, _umask_mode())
    g = _GUARD
    if g is not None:  # re-check right before the rename: the input may be a hard link made since
        named = g.input_named(target)
        if named is not None:
            raise OutputError(f"would overwrite the input {named} of this command", file=target)
    os.replace(tmp, target)
    _LIVE_TEMPS.discard(str(tmp))
    if g is not None:
        g.written.add(_key(target))


def _discard(tmp: Path) -> None:
    _LIVE_TEMPS.discard(str(tmp))
    try:
        os.unlink(tmp)
    except FileNotFoundError:
        pass


def discard_live_temps() -> list[str]:
    """Remove every temporary file this process is still writing (called when it is interrupted:
    a writer in another thread may never reach its own clean-up)."""
    removed = []
    for tmp in list(_LIVE_TEMPS):
        _LIVE_TEMPS.discard(tmp)
        try:
            os.unlink(tmp)
            removed.append(tmp)
        except OSError:
            pass
    return removed


def _temp_beside(target: Path, suffix: str = "") -> tuple[int, Path]:
    """Check ``target`` (the CLI's output rules) and create its temporary file; errors name ``target``."""
    _prepare_target(target)
    try:
        fd, tmp = _new_temp(target, suffix)
    except OSError as exc:
        raise _write_failed(exc, target) from None
    return fd, Path(tmp)


@contextmanager
def _committed(tmp: Path, target: Path) -> Iterator[None]:
    """Rename ``tmp`` onto ``target`` when the block succeeds; remove it otherwise (errors name ``target``)."""
    try:
        yield
        _commit(tmp, target)
    except OSError as exc:
        _discard(tmp)
        if exc.filename in (None, str(tmp), tmp):
            raise _write_failed(exc, target) from None
        raise
    except BaseException:
        _discard(tmp)
        raise


@contextmanager
def atomic_write(path: str | Path, mode: str = "wb") -> Iterator[IO]:  # type: ignore[type-arg]
    """Write to a temporary file beside ``path`` and rename it into place only on success.

    An interrupted or failing write never leaves a half-written output, never clobbers an existing
    file with garbage, and (under the CLI's guard) never replaces an input or an existing file
    without ``--force``. Errors name ``path``, not the temporary file.
    """
    target = Path(path)
    fd, tmp = _temp_beside(target)
    with _committed(tmp, target), os.fdopen(fd, mode) as fh:
        yield fh
        fh.flush()
        os.fsync(fh.fileno())


@contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Like :func:`atomic_write` for libraries that want a file name (``df.to_parquet(tmp)``);
    the temporary name keeps ``path``'s suffix, so format detection by extension works."""
    target = Path(path)
    fd, tmp = _temp_beside(target, target.suffix)
    os.close(fd)
    with _committed(tmp, target):
        yield tmp
