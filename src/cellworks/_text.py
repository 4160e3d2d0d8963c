"""Text that came from a file, made safe to print: no terminal control, one line when asked.

A file name, a sample name or a library entry may hold escape sequences (``\\x1b]0;title\\x07``
sets the terminal's title, OSC 52 writes the clipboard, CSI sequences move the cursor and erase
lines), bidirectional overrides that reorder what the reader sees, or new lines that turn one
error into several. :func:`safe_text` shows every such character as a visible escape instead
(``\\x1b``, ``\\u202e``), so the user sees what the file holds and the terminal does nothing.

This module imports only :mod:`re`; :mod:`cellworks.errors` and :mod:`cellworks.clikit` build on it.
"""

from __future__ import annotations

import re

# C0 controls except tab and newline, DEL, C1 controls, and the Unicode format characters that
# change how text is displayed: bidi embeddings/overrides/isolates, line/paragraph separators
_UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]")
_NEWLINES = re.compile(r"\s*(?:\r\n|\r|\n)\s*")
# what the rich progress bars and colours of our own output need on a terminal: colours (SGR),
# cursor up / erase line / show-hide cursor, carriage return; nothing that sets titles,
# clipboards or hyperlinks (OSC), nor device control strings
_TTY_ALLOWED = re.compile(r"\x1b\[[0-9;]*m|\x1b\[[0-9]*[ABCDGK]|\x1b\[\?25[lh]|\r")


def _escape(match: re.Match[str]) -> str:
    ch = match.group()
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def safe_text(text: object, *, one_line: bool = False) -> str:
    """``text`` with every control character shown as a visible escape (``\\x1b``, ``\\u202e``).

    ``one_line=True`` also joins lines with `` | `` (any ``\\r``/``\\n`` and the space around
    it), for error messages that must stay on one line.
    """
    s = str(text)
    if one_line:
        s = _NEWLINES.sub(" | ", s.strip())
    return _UNSAFE.sub(_escape, s)


def filter_stream_text(text: str, tty: bool) -> str:
    """What a guarded stdout/stderr lets through: on a terminal our own colours and progress
    controls (see ``_TTY_ALLOWED``) pass, every other control character is escaped."""
    if not _UNSAFE.search(text):
        return text
    if not tty:
        return _UNSAFE.sub(_escape, text)
    out: list[str] = []
    pos = 0
    for m in _TTY_ALLOWED.finditer(text):
        out.append(_UNSAFE.sub(_escape, text[pos : m.start()]))
        out.append(m.group())
        pos = m.end()
    out.append(_UNSAFE.sub(_escape, text[pos:]))
    return "".join(out)
