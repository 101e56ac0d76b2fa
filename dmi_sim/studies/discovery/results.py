"""The report folder of a discovery: tables, figures, manifest and ``report.md``.

Each analysis goes to a fresh folder, written under a hidden name and renamed when whole,
so several analyses (other outcomes, thresholds) of one design never rerun it and never
overwrite each other; the runs stay in the design folder.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from dmi_sim.engine.provenance import finish_manifest, staged_folder, start_manifest, write_atomic
from dmi_sim.studies.discovery import figures as draw
from dmi_sim.studies.discovery.analyse import Discovery
from dmi_sim.studies.discovery.design import Source
from dmi_sim.studies.discovery.report import write_report


def _write_csv(frame: pd.DataFrame, path: Path) -> None:
    data = frame.to_csv().encode()
    write_atomic(path, lambda fh: fh.write(data))


def point_table(discovery: Discovery) -> pd.DataFrame:
    """Per point analysed: its factors, the advantage on each seed, the mean, and whether
    it fails."""
    seeds = discovery.advantage.add_prefix("advantage_seed_")
    return discovery.x.join(seeds).assign(
        advantage_mean=discovery.advantage.mean(axis=1), fails=discovery.fails
    )


def write_discovery(out: Path, discovery: Discovery, source: Source, argv: Sequence[str]) -> Path:
    """Tables, figures, manifest and ``report.md`` into the new folder ``out``; returns the
    report's path."""
    manifest = start_manifest(
        "discovery",
        list(argv),
        design=str(source.folder),
        outcome=discovery.outcome,
        threshold=discovery.threshold,
        density=discovery.density,
    )
    with staged_folder(out) as folder:
        (folder / "figures").mkdir()
        files = ["points.csv"]
        _write_csv(point_table(discovery), folder / "points.csv")
        figures: dict[str, str] = {}
        if discovery.peeling is not None:
            peeling = discovery.peeling
            _write_csv(peeling.trajectory.rename_axis("step"), folder / "trajectory.csv")
            draw.peeling_trajectory(
                peeling.trajectory,
                peeling.chosen,
                (peeling.box.coverage, peeling.box.density),
                discovery.density,
                folder / "figures" / "prim_trajectory.png",
            )
            figures["trajectory"] = "figures/prim_trajectory.png"
            files += ["trajectory.csv", figures["trajectory"]]
        if discovery.tree is not None:
            draw.cart_tree(
                discovery.tree, list(discovery.x.columns), folder / "figures" / "cart_tree.png"
            )
            figures["tree"] = "figures/cart_tree.png"
            files.append(figures["tree"])
        files.append("manifest.json")
        write_report(folder / "report.md", discovery, source, figures, files)
        finish_manifest(manifest, folder / "manifest.json")
    return out / "report.md"
