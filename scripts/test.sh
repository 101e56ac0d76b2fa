#!/usr/bin/env bash
# Set up .venv, make sure Debian's Chromium is there for the browser tests, run pytest.
#   bash scripts/test.sh [pytest args...]
# Exit code is pytest's, except "no tests collected" (5), which is turned into a failure.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$BASH" "$ROOT/scripts/setup.sh"

# Playwright's own browser download cannot work offline, so the browser tests drive
# Debian's chromium at /usr/bin/chromium; install it when we are allowed to.
if [[ ! -x /usr/bin/chromium ]]; then
    if [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null 2>&1 &&
        echo "dmi_sim test: installing Debian's chromium for the browser tests" >&2 &&
        apt-get update -qq &&
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null &&
        [[ -x /usr/bin/chromium ]]; then
        :
    else
        echo "dmi_sim test: /usr/bin/chromium is missing and could not be installed" \
            "(needs root and apt-get); browser tests will be skipped" >&2
    fi
fi

cd "$ROOT"
rc=0
"$ROOT/.venv/bin/python" -m pytest -q "$@" || rc=$?
if [[ "$rc" == 5 ]]; then
    echo "dmi_sim test: FAILED: pytest collected no tests (exit 5);" \
        "check the arguments and the tests/ folder" >&2
    exit 1
fi
exit "$rc"
