"""The README's numbers about the default comparison, from a comparison's ``summary.csv``.

    .venv/bin/python scripts/readme_numbers.py --write [--from results/compare-...]
    .venv/bin/python scripts/readme_numbers.py --check [--from results/compare-...]

The paragraph between the README's ``readme-numbers`` markers is written from the data
(``dmi_sim.studies.compare.headline.readme_paragraph``), never by hand. ``--check`` exits 1
when the README says something else than the data gives (stale after a recalibration), 0
when they agree; 2 for missing markers or data. ``--from`` defaults to the newest
``results/compare-*`` folder.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import pandas as pd

from dmi_sim.studies.compare.headline import readme_paragraph

ROOT = Path(__file__).resolve().parents[1]
BEGIN = "<!-- readme-numbers: begin (scripts/readme_numbers.py --write; not by hand) -->"
END = "<!-- readme-numbers: end -->"


def paragraph(folder: Path) -> str:
    """The paragraph the comparison in ``folder`` gives."""
    summary = pd.read_csv(folder / "summary.csv")
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    params = next(iter(manifest["parameters"].values()))  # the start and horizon are shared
    days = int(manifest.get("days") or 0) or int(params["run.days"])
    return readme_paragraph(summary, int(params["run.intervention_start"]), days)


def split(text: str) -> tuple[str, str, str]:
    """(before, block, after) around the markers; ValueError when they are missing."""
    if BEGIN not in text or END not in text:
        raise ValueError(f"the README has no '{BEGIN}' ... '{END}' block")
    before, rest = text.split(BEGIN, 1)
    block, after = rest.split(END, 1)
    return before, block.strip("\n"), after


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--check", action="store_true", help="exit 1 if the README is stale")
    mode.add_argument("--write", action="store_true", help="rewrite the README's block")
    parser.add_argument("--from", dest="folder", type=Path, help="a compare result folder")
    parser.add_argument("--readme", type=Path, default=ROOT / "README.md")
    args = parser.parse_args(argv)
    folder = args.folder
    if folder is None:
        found = sorted((Path.cwd() / "results").glob("compare-*"))
        if not found:
            print(
                "error: no results/compare-* folder; run `python run.py` or give --from",
                file=sys.stderr,
            )
            return 2
        folder = found[-1]
    try:
        want = paragraph(folder)
        before, have, after = split(args.readme.read_text(encoding="utf-8"))
    except (OSError, ValueError, KeyError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    if args.write:
        args.readme.write_text(f"{before}{BEGIN}\n{want}\n{END}{after}", encoding="utf-8")
        print(f"wrote the numbers of {folder} into {args.readme}")
        return 0
    if have != want:
        print(
            f"{args.readme} is stale against {folder}; run with --write.\nREADME:\n{have}"
            f"\n\ndata:\n{want}",
            file=sys.stderr,
        )
        return 1
    print(f"{args.readme} agrees with {folder}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
