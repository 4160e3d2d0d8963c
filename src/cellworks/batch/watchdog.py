"""Worker processes that die with their driver.

A worker of the ``processes`` scheduler runs :func:`watch_parent` when it starts: it ignores
Ctrl-C (the driver handles the interruption and stops its pool, so the terminal sees one
"interrupted" line, not a traceback per worker) and a daemon thread checks twice a second that its
parent is still the driver; when the driver is gone (killed with SIGKILL, say), the worker exits at
once instead of living on under PID 1 with its memory.
"""

from __future__ import annotations

import os
import signal
import threading
import time

POLL_S = 0.5


def watch_parent(parent_pid: int) -> None:
    """Worker initializer: ignore SIGINT, and exit when ``parent_pid`` stops being our parent."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)

    def watch() -> None:
        while True:
            time.sleep(POLL_S)
            if os.getppid() != parent_pid:
                os._exit(1)

    threading.Thread(target=watch, name="cellworks-parent-watchdog", daemon=True).start()
