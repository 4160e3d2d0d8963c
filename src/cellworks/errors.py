"""Errors for bad input.

Every problem with user input (a file, a protocol text, a parameter) raises a subclass of
:class:`InputError`, itself a ``ValueError``. It carries *where* the problem is (file, record or
line, field, token and its position) so the command line can print one readable line and exit
with code 2 — never a traceback.
"""

from __future__ import annotations

from pathlib import Path

from cellworks._text import safe_text


class InputError(ValueError):
    """Bad input, located as precisely as the caller knows.

    Parameters
    ----------
    message:
        What is wrong, in plain words ("voltage is NaN", "unknown unit 'banana'").
    file:
        The input file, if any.
    record:
        Row, record, line, scan or byte offset (as text, e.g. ``"row 17"`` or ``"byte 4096"``).
    field:
        Column or field name.
    token:
        The offending token of a text input.
    position:
        0-based character position of ``token`` in the text.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | Path | None = None,
        record: str | int | None = None,
        field: str | None = None,
        token: str | None = None,
        position: int | None = None,
    ) -> None:
        self.message = message
        self.file = str(file) if file is not None else None
        self.record = record
        self.field = field
        self.token = token
        self.position = position
        super().__init__(self.one_line())

    def one_line(self) -> str:
        """The whole error in one line: ``file: record: field 'x': message``.

        Always one line and safe to print: new lines in any part (a message quoted from a
        third-party library, a token copied from a file) are joined with `` | ``, and control
        characters are shown as escapes (``\\x1b``), never sent to the terminal.
        """
        where: list[str] = []
        if self.file:
            where.append(self.file)
        if self.record is not None:
            rec = self.record
            where.append(f"record {rec}" if isinstance(rec, int) else str(rec))
        if self.field:
            where.append(f"field '{self.field}'")
        if self.token is not None:
            token = self.token if len(self.token) <= 200 else self.token[:200] + "…"
            tok = f"token '{token}'"
            if self.position is not None:
                tok += f" at position {self.position}"
            where.append(tok)
        prefix = ": ".join(where)
        return safe_text(f"{prefix}: {self.message}" if prefix else self.message, one_line=True)


class ProtocolError(InputError):
    """An experiment text that cannot be parsed."""


class SchemaError(InputError):
    """A cycling table that breaks the cellworks.timeseries schema."""


class FileFormatError(InputError):
    """An instrument file that is truncated, corrupt or of an unknown format."""


class ParameterError(InputError):
    """An impossible or unknown model parameter."""


class OutputError(InputError):
    """An output path that must not or cannot be written (an input, an existing file without
    ``--force``, a folder that does not exist without ``--mkdir``, a path below a regular file)."""


class LimitError(InputError):
    """Input that asks for more work or memory than a configured limit allows (a protocol of
    10^20 steps, a compressed member that would unpack to gigabytes, a count the file cannot hold)."""


class ProtocolLimitError(ProtocolError, LimitError):
    """A protocol beyond a limit: more expanded steps or deeper nesting than allowed."""
