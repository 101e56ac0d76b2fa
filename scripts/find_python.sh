#!/usr/bin/env bash
# Print the absolute path of a Python >= 3.12 that can create virtualenvs, or print one
# line on stderr and exit 1. Mesa 3.5.1 needs 3.12+; on older Pythons pip silently picks
# an older Mesa, so we refuse early instead.
#
# Order: $DMI_PYTHON (if set), python3.13, python3.12, python3 on PATH, then pyenv's
# installed versions 3.12+ (under `pyenv root`, else $PYENV_ROOT or ~/.pyenv). pyenv shims
# for a non-global version fail, so we look at the interpreters directly. Uses only bash
# builtins besides the candidates themselves, so it works with a bare PATH (the tests rely
# on that).
set -u

# Prints "MAJOR.MINOR.MICRO ok|novenv" for a working interpreter, nothing otherwise.
_dmi_probe() {
    "$1" -c 'import sys
try:
    import venv, ensurepip  # noqa: F401  (Debian splits these into python3-venv)
    ok = "ok"
except ImportError:
    ok = "novenv"
print("%d.%d.%d" % sys.version_info[:3], ok)' 2>/dev/null
}

_dmi_find_python() {
    local tried=() cands=() cand out ver ok major minor rest root exe
    [[ -n "${DMI_PYTHON:-}" ]] && cands+=("$DMI_PYTHON")
    cands+=(python3.13 python3.12 python3)
    if command -v pyenv >/dev/null 2>&1; then
        root="$(pyenv root 2>/dev/null)" || root=""
    else
        # pyenv installed but not on a non-interactive shell's PATH (CI, cron).
        root="${PYENV_ROOT:-${HOME:+$HOME/.pyenv}}"
    fi
    if [[ -n "$root" && -d "$root/versions" ]]; then
        for cand in "$root"/versions/3.1[2-9]*/bin/python; do
            [[ -x "$cand" ]] && cands+=("$cand")
        done
    fi

    for cand in "${cands[@]}"; do
        if [[ "$cand" == */* ]]; then
            [[ -x "$cand" ]] || { tried+=("$cand (missing)"); continue; }
        elif ! command -v "$cand" >/dev/null 2>&1; then
            tried+=("$cand (missing)")
            continue
        fi
        out="$(_dmi_probe "$cand")"
        if [[ ! "$out" =~ ^[0-9]+\.[0-9]+\.[0-9]+\ (ok|novenv)$ ]]; then
            tried+=("$cand (does not run)")
            continue
        fi
        ver="${out%% *}"
        ok="${out##* }"
        major="${ver%%.*}"
        rest="${ver#*.}"
        minor="${rest%%.*}"
        if (( major < 3 || (major == 3 && minor < 12) )); then
            tried+=("$cand ($ver)")
            continue
        fi
        if [[ "$ok" != "ok" ]]; then
            tried+=("$cand ($ver, no venv/ensurepip module)")
            continue
        fi
        exe="$("$cand" -c 'import sys; print(sys.executable)' 2>/dev/null)"
        printf '%s\n' "${exe:-$cand}"
        return 0
    done

    local list="" item
    for item in "${tried[@]}"; do
        list="${list:+$list, }$item"
    done
    printf 'dmi_sim needs Python >= 3.12; found none (tried: %s). Install one, e.g. `pyenv install 3.12` or `apt-get install python3.12 python3.12-venv` (where your distribution has it), or set DMI_PYTHON=/path/to/python3.12.\n' \
        "$list" >&2
    return 1
}

_dmi_find_python
