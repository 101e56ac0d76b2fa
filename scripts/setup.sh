#!/usr/bin/env bash
# Make sure <repo>/.venv exists on a Python >= 3.12 and holds the project with its
# dev, viz, dask and discovery extras. Re-runs are fast: pip runs only when pyproject.toml
# changed since the last successful install (a hash is kept in .venv/.dmi_sim-install-stamp).
#
#   bash scripts/setup.sh              set up (quiet unless something goes wrong)
#   bash scripts/setup.sh --find-only  print the Python >= 3.12 that would be used
set -euo pipefail

DMI_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DMI_VENV="$DMI_ROOT/.venv"
DMI_VENV_PY="$DMI_VENV/bin/python"
DMI_STAMP="$DMI_VENV/.dmi_sim-install-stamp"

_dmi_say() { printf 'dmi_sim setup: %s\n' "$*" >&2; }

# True when the venv's interpreter runs and is >= 3.12 (a pyenv upgrade or a copied
# repo can leave .venv pointing at a missing or older Python).
_dmi_venv_ok() {
    [[ -x "$DMI_VENV_PY" ]] &&
        "$DMI_VENV_PY" -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null
}

_dmi_setup() {
    local base_py want have=""
    if ! _dmi_venv_ok; then
        base_py="$("$BASH" "$DMI_ROOT/scripts/find_python.sh")" || return 1
        _dmi_say "creating .venv with $base_py"
        "$base_py" -m venv --clear "$DMI_VENV" || {
            _dmi_say "could not create $DMI_VENV with $base_py"
            return 1
        }
    fi

    # The stamp covers pyproject.toml and the interpreter, so a rebuilt venv reinstalls.
    want="$(cat "$DMI_ROOT/pyproject.toml" <("$DMI_VENV_PY" -VV) | sha256sum | cut -d' ' -f1)"
    [[ -f "$DMI_STAMP" ]] && have="$(cat "$DMI_STAMP")"
    if [[ "$want" != "$have" ]]; then
        _dmi_say "installing dmi_sim and its dependencies into .venv" \
            "(a few minutes on a fresh machine)"
        rm -f "$DMI_STAMP"
        # pip's stderr minus one harmless, repeated warning (a pip config that lists a
        # local index folder which does not exist on this machine); pipefail keeps
        # pip's exit code.
        (cd "$DMI_ROOT" &&
            PIP_NO_INPUT=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
                "$DMI_VENV_PY" -m pip install -q -e ".[dev,viz,dask,discovery]" 2>&1 1>&3 |
            { grep -v "^WARNING: Location 'file://.*' is ignored: it is neither a file nor a directory" || true; } >&2
        ) 3>&1 || {
            _dmi_say "pip install failed (see the errors above); re-run to retry"
            return 1
        }
        printf '%s\n' "$want" >"$DMI_STAMP"
    fi
}

if [[ "${1:-}" == "--find-only" ]]; then
    "$BASH" "$DMI_ROOT/scripts/find_python.sh"
elif command -v flock >/dev/null 2>&1; then
    # Two entry scripts started at once must not run pip into the same venv together.
    # The lock lives outside .venv because `venv --clear` would delete it.
    exec 9>"${TMPDIR:-/tmp}/dmi_sim-setup-$(printf '%s' "$DMI_ROOT" | sha256sum | cut -c1-16).lock"
    flock 9
    _dmi_setup
    flock -u 9
    exec 9>&-
else
    _dmi_setup
fi
