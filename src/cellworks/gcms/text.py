"""Text from files made safe for a terminal: library names, titles and metadata can carry control
characters (``\\x1b]0;…\\x07`` retitles a terminal, ``\\x1b[2J`` clears it). Printed text passes
through :func:`clean`."""

from __future__ import annotations

import re

# C0 and C1 control characters (tab and newline included: a name is printed on one line) and DEL
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def clean(text: object) -> str:
    """``text`` with every control character replaced by ``?`` (so nothing is silently lost)."""
    return _CONTROL.sub("?", str(text))
