#!/usr/bin/env bash
# Set up .venv, then run the main job: `python run.py` with no arguments compares the
# policy scenarios and writes a report under results/; any arguments go to run.py.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$BASH" "$ROOT/scripts/setup.sh"
# Run from the repo root so run.py and the default results/ folder are where the README
# says they are.
cd "$ROOT"
exec "$ROOT/.venv/bin/python" run.py "$@"
