"""Bounded reads: a reader never allocates more than the file's content can justify.

Zip archives (``.ndax``, ``.xlsx``, zipped ``.nda``) declare each member's unpacked size; a hostile
or corrupt archive can declare (or really unpack to) gigabytes from a few megabytes. Before a
member is unpacked its declared size is checked against

* :data:`MAX_RATIO` × its compressed size when it declares more than 64 MiB (deflate cannot exceed
  ~1032:1; real cycler data members pack 2–100:1, so 200:1 leaves a margin), and
* an absolute limit, :data:`MAX_MEMBER_BYTES` (settable with the environment variable
  ``CELLWORKS_MAX_MEMBER_MB``),

and the member is then unpacked by one read that stops one byte past the declared size (a member
that unpacks further is refused). Member names that are not valid UTF-8 (the archive flags them as UTF-8) end as one
:class:`FileFormatError` line, never a ``UnicodeDecodeError``.

These helpers are local to the cycling readers until shared ones land in ``cellworks._io``; they
take the archive and the path and raise :class:`FileFormatError`, so swapping them is a one-line
import change.
"""

from __future__ import annotations

import os
import zipfile
from pathlib import Path
from typing import Any

from cellworks.errors import FileFormatError

#: largest unpacked/packed size ratio accepted for a zip member declaring more than RATIO_FLOOR
#: bytes (small members cannot hurt, and an empty 4 KiB page packs ~100:1)
MAX_RATIO = 200
RATIO_FLOOR = 64 << 20
#: largest unpacked member accepted (bytes); CELLWORKS_MAX_MEMBER_MB overrides
MAX_MEMBER_BYTES = 4 << 30
_PIECE = 64 << 10


def max_member_bytes() -> int:
    """The absolute member limit in bytes (environment override in MB)."""
    env = os.environ.get("CELLWORKS_MAX_MEMBER_MB")
    if env:
        try:
            return max(1, int(float(env) * (1 << 20)))
        except ValueError:
            pass
    return MAX_MEMBER_BYTES


def open_zip(source: Any, path: str | Path) -> zipfile.ZipFile:
    """``zipfile.ZipFile`` of a path or file object; broken archives and undecodable member names
    become :class:`FileFormatError`."""
    try:
        return zipfile.ZipFile(source)
    except zipfile.BadZipFile as exc:
        size = Path(path).stat().st_size if Path(path).exists() else "?"
        raise FileFormatError(f"broken zip archive ({' '.join(str(exc).split())}); truncated?", file=path,
                              record=f"byte {size}") from None
    except UnicodeDecodeError as exc:
        raise FileFormatError(f"zip member name is not valid UTF-8 (byte {exc.start} of the name): corrupt archive",
                              file=path) from None
    except (OSError, EOFError, ValueError) as exc:
        raise FileFormatError(f"unreadable zip archive ({' '.join(str(exc).split())})", file=path) from None


def check_member(info: zipfile.ZipInfo, path: str | Path) -> None:
    """Refuse a member whose declared unpacked size is implausible (limit, ratio)."""
    limit = max_member_bytes()
    packed = max(int(info.compress_size), 1)
    if info.file_size > limit:
        raise FileFormatError(
            f"zip member '{info.filename}' claims {info.file_size} bytes unpacked, above the limit of {limit} "
            "(CELLWORKS_MAX_MEMBER_MB raises it)",
            file=path, field=info.filename)
    if info.compress_type != zipfile.ZIP_STORED and info.file_size > max(MAX_RATIO * packed, RATIO_FLOOR):
        raise FileFormatError(
            f"zip member '{info.filename}' claims {info.file_size} bytes from {info.compress_size} packed "
            f"(ratio {info.file_size / packed:.0f}, more than {MAX_RATIO}): corrupt or hostile archive",
            file=path, field=info.filename)


def check_zip_members(zf: zipfile.ZipFile, path: str | Path) -> None:
    """Refuse an archive any of whose members declares an implausible unpacked size."""
    for info in zf.infolist():
        check_member(info, path)


def read_member(zf: zipfile.ZipFile, name: str, path: str | Path) -> bytes:
    """One member's bytes, never unpacked past its declared size (CRC checked)."""
    import zlib

    try:
        info = zf.getinfo(name)
    except KeyError:
        raise FileFormatError(f"no member '{name}' in the archive", file=path) from None
    check_member(info, path)
    try:
        with zf.open(info) as fh:
            # unpacked in 64 KiB pieces that stop one byte past the declared size (already checked
            # above), so a member that unpacks past its declaration costs one piece, not gigabytes;
            # pieces this small come from recycled heap memory, where larger ones cost a page fault
            # per 4 KiB (as much time as the unpacking itself)
            parts: list[bytes] = []
            total = 0
            while total <= info.file_size:
                block = fh.read(_PIECE)
                if not block:
                    break
                parts.append(block)
                total += len(block)
            data = b"".join(parts)
    except FileFormatError:
        raise
    except (zipfile.BadZipFile, EOFError, zlib.error, OSError, NotImplementedError, RuntimeError, ValueError) as exc:
        raise FileFormatError(f"zip member '{name}' is corrupt ({' '.join(str(exc).split())}); truncated?",
                              file=path, field=name) from None
    if len(data) > info.file_size:
        raise FileFormatError(f"zip member '{name}' unpacks past its declared {info.file_size} bytes: corrupt archive",
                              file=path, field=name)
    return data
