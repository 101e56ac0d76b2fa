"""The browser tests drive Debian's Chromium (Playwright's own browser download does not work
offline); without it they are skipped, saying why."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """pytest-playwright's launch arguments, pointed at /usr/bin/chromium, headless, with
    nothing that phones home (root needs --no-sandbox)."""
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "headless": True,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Skip the ``browser`` tests when there is no Chromium to drive."""
    if CHROMIUM.exists():
        return
    skip = pytest.mark.skip(
        reason=f"{CHROMIUM} is missing (Debian's chromium; "
        "scripts/test.sh installs it when run as root)"
    )
    for item in items:
        if item.get_closest_marker("browser"):
            item.add_marker(skip)
