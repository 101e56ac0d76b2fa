"""Child processes that end with the process that started them, even when it is SIGKILLed.

The parent keeps the only write end of a pipe and gives the child the read end. The parent
never writes, so a read there returns only when every write end is closed: when the parent
has exited or been killed. The child then exits at once instead of running on as an orphan
(pool workers holding their fork server and resource tracker alive, an app server still
serving). A pipe, unlike polling a process id, cannot be fooled by a reused id or a zombie.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from contextlib import suppress


def exit_when_closed(read: Callable[[], object]) -> None:
    """Start a daemon thread that ends this process once ``read`` (a blocking read of the
    lifeline's read end) returns or fails."""

    def watch() -> None:
        with suppress(EOFError, OSError):
            read()
        os._exit(1)

    threading.Thread(target=watch, name="dmi_sim-lifeline", daemon=True).start()
