"""The app's server process: Solara's ``solara run``, ended with the ``run.py viz`` that
started it.

``python -m dmi_sim.viz.serve FD ARGS...`` watches the lifeline pipe ``FD`` (whose write end
only ``run.py viz`` holds, see ``dmi_sim.engine.lifeline``) and runs ``solara ARGS...``; when
``run.py viz`` is gone, even killed with SIGKILL, the server goes too. ``run.py viz`` stops
it with SIGTERM; a Ctrl+C in the terminal is left to ``run.py viz``.
"""

from __future__ import annotations

import os
import signal
import sys

from dmi_sim.engine.lifeline import exit_when_closed


def main() -> None:
    """Watch the lifeline, then hand the rest of the command line to Solara."""
    fd, *args = sys.argv[1:]
    exit_when_closed(lambda: os.read(int(fd), 1))
    # A Ctrl+C in the terminal reaches this process too; ``run.py viz`` stops it (SIGTERM),
    # so the SIGINT is left to uvicorn's graceful shutdown, which re-raises it at its end:
    # ignored, not a KeyboardInterrupt that Solara's command line reports as "Aborted."
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    from solara.__main__ import main as solara_main

    sys.argv = ["solara", *args]
    solara_main()


if __name__ == "__main__":
    main()
