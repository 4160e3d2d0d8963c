"""Process-wide guards of the ``cellworks`` command: signals, one-line diagnostics, safe streams.

* SIGINT / SIGTERM raise in the main thread (``finally`` blocks run, temporary files are removed)
  and are remembered, so an interruption that surfaces as another exception (numba's SystemError,
  click's silent exit 130) is still reported as one;
* Python warnings become one ``warning:`` line; third-party log records stay off the terminal;
* stdout and stderr show control characters as escapes (our own colours and progress controls
  pass on a terminal): text from a file can never drive the terminal.
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from cellworks._safety import Interrupted, _one_line
from cellworks._text import filter_stream_text


@dataclass
class SignalState:
    signum: int | None = None


@contextmanager
def signal_handlers() -> Iterator[SignalState]:
    """SIGINT and SIGTERM raise :class:`Interrupted` in the main thread (so ``finally`` blocks run
    and temporary files are removed) and are remembered, so an interruption that surfaces as some
    other exception (numba's SystemError, click's silent exit 130) is still reported as one."""
    state = SignalState()
    previous: dict[int, Any] = {}

    def handler(signum: int, frame: Any) -> None:
        state.signum = signum
        raise KeyboardInterrupt if signum == signal.SIGINT else Interrupted(signum)

    try:
        for sig in (int(signal.SIGINT), int(signal.SIGTERM)):
            if signal.getsignal(sig) is signal.SIG_IGN:  # e.g. a background job: keep it ignored
                continue
            previous[sig] = signal.signal(sig, handler)
    except ValueError:  # not the main thread (an embedding application): leave signals alone
        pass
    try:
        yield state
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


class GuardedStream:
    """A text stream that shows control characters as escapes (our own colours and progress
    controls pass on a terminal); everything else is the wrapped stream's."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream
        try:
            self._tty = bool(stream.isatty())
        except Exception:
            self._tty = False

    def write(self, text: Any) -> int:
        if isinstance(text, str):
            text = filter_stream_text(text, self._tty)
        return int(self._stream.write(text) or 0)

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


@contextmanager
def one_line_diagnostics() -> Iterator[None]:
    """Python warnings as one ``warning: ...`` line each, and third-party log records (NewareNDA
    logs "File does not contain any valid records." before our reader raises its own error) kept
    off the terminal, so an error is one line; ``CELLWORKS_DEBUG=1`` shows the log records."""
    import logging
    import warnings

    def show(message: Any, category: Any, filename: str, lineno: int, file: Any = None, line: Any = None) -> None:
        sys.stderr.write(f"warning: {_one_line(str(message))}\n")

    previous_show = warnings.showwarning
    warnings.showwarning = show  # type: ignore[assignment]
    root = logging.getLogger()
    quiet = logging.NullHandler()
    if not os.environ.get("CELLWORKS_DEBUG"):
        root.addHandler(quiet)  # a handler on the root: logging's last-resort stderr printer stays silent
    try:
        yield
    finally:
        warnings.showwarning = previous_show
        root.removeHandler(quiet)


@contextmanager
def guarded_std_streams() -> Iterator[None]:
    out, err = sys.stdout, sys.stderr
    sys.stdout = GuardedStream(out)  # type: ignore[assignment]
    sys.stderr = GuardedStream(err)  # type: ignore[assignment]
    try:
        yield
    finally:
        sys.stdout, sys.stderr = out, err
