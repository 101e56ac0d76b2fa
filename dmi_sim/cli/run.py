"""``run.py run SCENARIO``: one run, its time series, summary and manifest in a new folder."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from dmi_sim.cli.common import add_common, check_policy_window, overrides_of, plain_json
from dmi_sim.engine.provenance import RESULTS_DIR, finish_manifest, staged_folder, start_manifest
from dmi_sim.engine.provenance import timestamped as timestamped_folder


def add_run_command(commands: Any) -> argparse.ArgumentParser:
    """Register ``run`` on the sub-parsers; its handler is ``args.handler``."""
    run = commands.add_parser(
        "run",
        help="run one scenario once",
        description="Run one scenario once and write its time series, summary and manifest.",
    )
    run.add_argument("scenario", help="a scenario name (scenarios/*.toml) or a .toml path")
    add_common(run, "the run's random seed")
    run.add_argument(
        "--format",
        choices=("parquet", "csv"),
        default="parquet",
        help="time-series file format (default parquet)",
    )
    run.set_defaults(handler=handle_run)
    return run


def handle_run(args: argparse.Namespace) -> int:
    """One run: its time series, summary and manifest in a new folder."""
    from dmi_sim.api import simulate  # the model loads only when a run is asked for

    overrides = overrides_of(args)
    check_policy_window(args, overrides)
    out = args.out or timestamped_folder(RESULTS_DIR, f"run-{Path(args.scenario).stem}")
    manifest = start_manifest(
        "run",
        args.argv,
        scenario=args.scenario,
        seed=args.seed,
        days=args.days,
        overrides=overrides,
    )
    with staged_folder(out) as folder:
        res = simulate(args.scenario, seed=args.seed, days=args.days, overrides=overrides)
        series = folder / f"timeseries.{args.format}"
        if args.format == "parquet":
            res.timeseries.to_parquet(series, index=False)
        else:
            res.timeseries.to_csv(series, index=False)
        summary = {key: plain_json(value) for key, value in res.summary.items()}
        (folder / "summary.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
        manifest["parameters"] = {k: plain_json(v) for k, v in res.params.items()}
        finish_manifest(manifest, folder / "manifest.json")
    print(f"wrote {out}/ (timeseries.{args.format}, summary.json, manifest.json)")
    return 0
