"""Print the parameter table of docs/ODD.md from the registry (``dmi_sim.params.PARAMETERS``).

Usage:
    python scripts/param_table_md.py                    print the Markdown table
    python scripts/param_table_md.py --check docs/ODD.md
        exit 1 with a message if the table between the markers differs from the registry
    python scripts/param_table_md.py --write docs/ODD.md
        replace the table between the markers with the current one

The markers are the HTML comments ``<!-- params:start -->`` and ``<!-- params:end -->``.
"""

from __future__ import annotations

import argparse
import difflib
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dmi_sim.params import PARAMETERS, ParamSpec  # noqa: E402

START = "<!-- params:start -->"
END = "<!-- params:end -->"
HEADER = (
    "| key | default | unit | range | meaning | source / reason |",
    "|---|---|---|---|---|---|",
)


def _cell(text: str) -> str:
    """Text safe inside a Markdown table cell."""
    return " ".join(str(text).split()).replace("|", "\\|")


def _number(x: float | int | None) -> str:
    if x is None:
        return ""
    if isinstance(x, bool):
        return "true" if x else "false"
    if float(x).is_integer() and abs(x) < 1e15:
        return str(int(x))
    return f"{x:g}"


def _default(spec: ParamSpec) -> str:
    if spec.kind == "bool":
        return "true" if spec.default else "false"
    if spec.kind == "choice":
        return f"`{spec.default}`"
    if spec.kind == "int":
        return str(int(spec.default))
    return (
        f"{float(spec.default):g}"
        if not float(spec.default).is_integer()
        else f"{float(spec.default):.1f}"
    )


def _range(spec: ParamSpec) -> str:
    if spec.kind == "bool":
        return "true / false"
    if spec.kind == "choice":
        return ", ".join(f"`{c}`" for c in spec.choices)
    return f"{_number(spec.low)} – {_number(spec.high)}"


def table() -> str:
    """The Markdown table, one row per registered parameter, in registry order."""
    rows = list(HEADER)
    for spec in PARAMETERS.values():
        cells = (f"`{spec.key}`", _default(spec), spec.unit, _range(spec), spec.doc, spec.source)
        rows.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    return "\n".join(rows) + "\n"


def _split(text: str, path: Path) -> tuple[str, str, str]:
    """(before the start marker incl., the table, the end marker and after)."""
    i, j = text.find(START), text.find(END)
    if i < 0 or j < 0 or j < i:
        raise SystemExit(f"{path}: markers '{START}' and '{END}' not found in that order")
    head = text[: i + len(START)]
    return head, text[len(head) : j], text[j:]


def check(path: Path) -> int:
    """0 if the table in ``path`` is the registry's, else 1 with a diff on stderr."""
    _, current, _ = _split(path.read_text(encoding="utf-8"), path)
    wanted = table()
    if current.strip() == wanted.strip():
        print(f"{path}: parameter table is current ({len(PARAMETERS)} parameters)")
        return 0
    diff = difflib.unified_diff(
        current.strip().splitlines(),
        wanted.strip().splitlines(),
        "in " + str(path),
        "from the registry",
        lineterm="",
        n=0,
    )
    print(
        f"{path}: parameter table differs from dmi_sim/parameter_table.py; "
        f"run: python scripts/param_table_md.py --write {path}",
        file=sys.stderr,
    )
    print("\n".join(diff), file=sys.stderr)
    return 1


def write(path: Path) -> int:
    """Replace the table between the markers in ``path``."""
    head, _, tail = _split(path.read_text(encoding="utf-8"), path)
    path.write_text(head + "\n" + table() + tail, encoding="utf-8")
    print(f"{path}: parameter table written ({len(PARAMETERS)} parameters)")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        "--check",
        metavar="FILE",
        type=Path,
        help="exit 1 if the table in FILE differs from the registry",
    )
    group.add_argument(
        "--write", metavar="FILE", type=Path, help="rewrite the table between the markers in FILE"
    )
    args = parser.parse_args(argv)
    if args.check:
        return check(args.check)
    if args.write:
        return write(args.write)
    sys.stdout.write(table())
    return 0


if __name__ == "__main__":
    sys.exit(main())
