"""Reading a sweep back: into pandas, or in EMA Workbench's ``(experiments, outcomes)`` shape."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from dmi_sim.engine.store import ResultStore


def load_results(
    out_dir: str | os.PathLike[str], timeseries: bool = True
) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """Return ``(summary, timeseries)`` of a sweep folder, sorted by run id.

    ``summary`` has one row per stored run: run_id, seed, every label, every summary key.
    ``timeseries`` is long format (run_id, every label, day, every series), or None when the
    sweep did not store series or ``timeseries`` is False.
    """
    store = ResultStore(out_dir)
    labels = store.read_manifest()["label_columns"]
    summary = store.load_summary()
    if not timeseries:
        return summary, None
    return summary, store.load_timeseries(summary[["run_id", *labels]])


def load_maps(out_dir: str | os.PathLike[str], run_id: str) -> dict[str, dict[str, Any]]:
    """The before/after maps of one stored run whose task set ``keep_maps``."""
    return ResultStore(out_dir).load_maps(run_id)


def load_failures(out_dir: str | os.PathLike[str]) -> pd.DataFrame:
    """The failed runs of the last call (task, error, traceback); empty when none failed."""
    failures = ResultStore(out_dir).load_failures()
    return pd.DataFrame(columns=["run_id", "error_type", "error"]) if failures is None else failures


def to_ema(
    out_dir: str | os.PathLike[str],
    outcomes: Sequence[str] | None = None,
    series: Sequence[str] = (),
) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """A sweep as EMA Workbench returns one: ``(experiments, outcomes)``.

    ``experiments`` has one row per run (its labels, seed and run_id; ``model`` is
    "dmi_sim"). ``outcomes`` maps each summary outcome to a 1-D array aligned with those rows
    and each named daily series to a 2-D array (runs x days). Outcomes default to those the
    experiment listed, else every numeric summary key.
    """
    store = ResultStore(out_dir)
    manifest = store.read_manifest()
    labels = manifest["label_columns"]
    summary = store.load_summary()
    if outcomes is None:
        outcomes = manifest["meta"].get("outcomes") or [
            c for c in summary.select_dtypes("number").columns if c not in {"seed", *labels}
        ]
    missing = [o for o in outcomes if o not in summary.columns]
    if missing:
        raise KeyError(f"{out_dir}: no summary outcome {missing}; stored: {list(summary.columns)}")
    experiments = summary[[*labels, "seed", "run_id"]].assign(model="dmi_sim")
    result = {name: summary[name].to_numpy() for name in outcomes}
    if series:
        frame = store.load_timeseries(summary[["run_id"]])
        if frame is None:
            raise KeyError(f"{out_dir}: this sweep stored no time series")
        for name in series:
            wide = frame.pivot(index="run_id", columns="day", values=name)
            result[name] = wide.reindex(summary["run_id"]).to_numpy()
    return experiments, result
