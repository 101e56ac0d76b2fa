"""The results store: Parquet part files plus a manifest, written so a kill never corrupts it.

Layout of a sweep folder::

    manifest.json              what the sweep is, how far it got (rewritten with each batch)
    summary/part-000001.parquet    one row per finished run: run_id, seed, labels, summary keys
    timeseries/part-000001.parquet long format: run_id, day, every series (optional)
    failures/part-000001.parquet   runs that raised: task, error, traceback
    failures.csv               the same failures, for people (rewritten at the end of a call)
    maps/<run_id>.npz          before/after maps of the runs whose task asked for them

Every file is written under a temporary name and moved into place with ``os.replace``, so a
reader sees either the whole file or none of it. A batch's summary part is written last: it
is the commit record. On resume the stored run ids are read back from the summary parts, a
time-series part without its summary part is deleted, and failed runs are tried again.
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from dmi_sim.engine.provenance import TMP_SUFFIX, write_atomic
from dmi_sim.engine.tasks import RunOutcome, RunTask, check_part_of, fingerprint
from dmi_sim.params import flatten

FORMAT_VERSION = 1
_PART = re.compile(r"part-(\d{6})\.parquet")
_KINDS = ("summary", "timeseries", "failures")


class StoreError(ValueError):
    """The output folder holds something this sweep must not write into."""


def _write_parquet(path: Path, frame: pd.DataFrame) -> None:
    path.parent.mkdir(exist_ok=True)
    table = pa.Table.from_pandas(frame, preserve_index=False)
    write_atomic(path, lambda fh: pq.write_table(table, fh))


def _part_ids(folder: Path) -> dict[int, Path]:
    if not folder.is_dir():
        return {}
    found = (_PART.fullmatch(p.name) for p in folder.iterdir())
    return {int(m.group(1)): folder / m.group(0) for m in found if m}


def _read_parts(folder: Path, columns: Sequence[str] | None = None) -> pd.DataFrame | None:
    parts = [pd.read_parquet(p, columns=columns) for _, p in sorted(_part_ids(folder).items())]
    return pd.concat(parts, ignore_index=True) if parts else None


class ResultStore:
    """One sweep's folder: resume bookkeeping, batched atomic writes, and reading back."""

    def __init__(self, out_dir: str | os.PathLike[str]) -> None:
        self.root = Path(out_dir)
        self.manifest_path = self.root / "manifest.json"
        self.failures_csv = self.root / "failures.csv"
        self._next_part = 1
        self._manifest: dict[str, Any] = {}
        self._n_done = 0
        self._n_failed = 0

    def folder(self, kind: str) -> Path:
        return self.root / kind

    def read_manifest(self) -> dict[str, Any]:
        if not self.manifest_path.is_file():
            raise FileNotFoundError(f"{self.root}: no manifest.json, so not a sweep folder")
        return json.loads(self.manifest_path.read_text())

    def stored_run_ids(self) -> set[str]:
        ids = _read_parts(self.folder("summary"), columns=["run_id"])
        return set() if ids is None else set(ids["run_id"])

    def open(
        self,
        tasks: Sequence[RunTask],
        *,
        save_timeseries: bool,
        meta: dict[str, Any] | None = None,
        planned: Sequence[RunTask] | None = None,
    ) -> set[str]:
        """Prepare the folder for writing ``tasks``; return the run ids already stored.

        ``planned``: the whole task list the folder is for, when ``tasks`` is the part of it
        run now (replications added batch by batch); the folder is named by the whole list,
        so every part resumes in it. Leftovers of an interrupted write are removed. A folder
        that holds a different sweep (other tasks, seeds or overrides) is refused rather
        than mixed into, naming the recorded settings that differ (``what_differs``).
        """
        if planned is None:
            planned = tasks
        else:
            check_part_of(tasks, planned)
        digest = fingerprint(planned)
        for path in (self.manifest_path, self.failures_csv):  # a write cut short
            path.with_name(path.name + TMP_SUFFIX).unlink(missing_ok=True)
        old = self.read_manifest() if self.manifest_path.is_file() else None
        if old is None:
            if self.root.is_dir() and any(self.root.iterdir()):
                raise StoreError(f"{self.root}: not empty and not a sweep folder; choose another")
        elif (old.get("fingerprint"), old.get("save_timeseries")) != (digest, save_timeseries):
            now = {"n_tasks": len(planned), "save_timeseries": save_timeseries, **(meta or {})}
            raise StoreError(
                f"{self.root}: holds results of a different sweep ({what_differs(old, now)}); "
                "choose another output folder or delete this one"
            )
        self.root.mkdir(parents=True, exist_ok=True)
        for kind in _KINDS:  # part folders are made by their first write
            for tmp in self.folder(kind).glob("*" + TMP_SUFFIX):
                tmp.unlink()
        committed = _part_ids(self.folder("summary"))
        for part_id, path in _part_ids(self.folder("timeseries")).items():
            if part_id not in committed:
                path.unlink()
        for path in _part_ids(self.folder("failures")).values():
            path.unlink()  # failed runs are pending again: they are retried
        every_part = [*committed, *_part_ids(self.folder("timeseries"))]
        self._next_part = max(every_part, default=0) + 1
        done = self.stored_run_ids()
        self._n_done = len(done)
        labels: dict[str, None] = {}
        for task in tasks:
            labels.update(dict.fromkeys(task.labels))
        self._manifest = {
            "format": FORMAT_VERSION,
            "fingerprint": digest,
            "n_tasks": len(planned),
            "label_columns": list(labels),
            "save_timeseries": save_timeseries,
            "meta": meta or {},
            "created": old["created"] if old else time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        }
        self._write_manifest()
        return done

    def write_batch(self, batch: Sequence[tuple[RunTask, RunOutcome]]) -> None:
        """Store finished runs as one part per kind; the summary part goes last (commit)."""
        if not batch:
            return
        part = f"part-{self._next_part:06d}.parquet"
        self._next_part += 1
        ok = [(t, o) for t, o in batch if not o.failed]
        failed = [(t, o) for t, o in batch if o.failed]
        frames = [o.timeseries.assign(run_id=t.run_id) for t, o in ok if o.timeseries is not None]
        if frames:
            series = pd.concat(frames, ignore_index=True)
            series = series[["run_id", *[c for c in series.columns if c != "run_id"]]]
            _write_parquet(self.folder("timeseries") / part, series)
        if failed:
            _write_parquet(self.folder("failures") / part, _failure_rows(failed))
        for task, outcome in ok:
            if outcome.maps:
                self._write_maps(task.run_id, outcome.maps)
        if ok:
            rows = [{"run_id": t.run_id, "seed": t.seed, **t.labels, **o.summary} for t, o in ok]
            _write_parquet(self.folder("summary") / part, pd.DataFrame(rows))
            self._n_done += len(ok)
        self._n_failed += len(failed)
        self._write_manifest()

    def _write_maps(self, run_id: str, maps: dict[str, dict[str, np.ndarray]]) -> None:
        folder = self.root / "maps"
        folder.mkdir(exist_ok=True)
        arrays = {
            f"{when}/{name}": arr for when, grids in maps.items() for name, arr in grids.items()
        }
        write_atomic(folder / f"{run_id}.npz", lambda fh: np.savez(fh, **arrays))

    def load_maps(self, run_id: str) -> dict[str, dict[str, np.ndarray]]:
        """The before/after maps stored for ``run_id`` (its task had ``keep_maps``)."""
        maps: dict[str, dict[str, np.ndarray]] = {}
        with np.load(self.root / "maps" / f"{run_id}.npz") as data:
            for key in data.files:
                when, name = key.split("/", 1)
                maps.setdefault(when, {})[name] = data[key]
        return maps

    def finish(self) -> tuple[int, Path | None]:
        """Write the failures listing; return (n_failed, listing or None)."""
        failures = self.load_failures()
        if failures is None:
            self.failures_csv.unlink(missing_ok=True)
            return 0, None
        text = failures.to_csv(index=False).encode()
        write_atomic(self.failures_csv, lambda fh: fh.write(text))
        return len(failures), self.failures_csv

    @property
    def n_done(self) -> int:
        return self._n_done

    def _write_manifest(self) -> None:
        manifest = {
            **self._manifest,
            "updated": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "n_done": self._n_done,
            "n_failed": self._n_failed,
            "complete": self._n_done == self._manifest["n_tasks"],
        }
        text = json.dumps(manifest, indent=2, default=str).encode()
        write_atomic(self.manifest_path, lambda fh: fh.write(text))

    def load_summary(self) -> pd.DataFrame:
        frame = _read_parts(self.folder("summary"))
        if frame is None:
            return pd.DataFrame(columns=["run_id", "seed"])
        return frame.sort_values("run_id", ignore_index=True)

    def load_timeseries(self, labels: pd.DataFrame) -> pd.DataFrame | None:
        """Long-format series with the runs' labels joined on ``run_id``."""
        frame = _read_parts(self.folder("timeseries"))
        if frame is None:
            return None
        # runs in the order of ``labels``; each run's days stay in the order stored
        position = pd.Index(labels["run_id"]).get_indexer(frame["run_id"])
        order = np.argsort(position, kind="stable")[np.sum(position < 0) :]
        rows = labels.iloc[position[order]].reset_index(drop=True)
        series = frame.drop(columns="run_id").iloc[order].reset_index(drop=True)
        return pd.concat([rows, series], axis=1)

    def load_failures(self) -> pd.DataFrame | None:
        frame = _read_parts(self.folder("failures"))
        return None if frame is None else frame.sort_values("run_id", ignore_index=True)


#: Manifest entries that say when and how a sweep was started, not what it is.
_NOT_SETTINGS = ("provenance",)
#: Manifest entries that follow from the settings: named after them, since they say less.
_COUNTS = ("n_tasks", "n_points")
#: Differences a refusal names; more are counted.
_DIFFERENCES_SHOWN = 3


def what_differs(stored: dict[str, Any], now: dict[str, Any]) -> str:
    """The settings a stored manifest and the sweep asked for now disagree on, as far as
    the manifest records them: ``replications: 2 -> 3; levels.police.officers: [2, 6] ->
    [2, 4, 6]`` (the first few, then how many more), or a general phrase when every
    recorded setting agrees (tasks or seeds that the record does not spell out differ)."""

    def settings(record: dict[str, Any]) -> dict[str, Any]:
        kept = {k: v for k, v in record.items() if k not in _NOT_SETTINGS}
        return flatten(kept)

    before = settings(
        {
            "n_tasks": stored.get("n_tasks"),
            "save_timeseries": stored.get("save_timeseries"),
            **(stored.get("meta") or {}),
        }
    )
    after = settings(json.loads(json.dumps(now, default=str)))  # as the manifest stores it
    missing = "(not recorded)"
    keys = sorted(dict.fromkeys([*before, *after]), key=lambda key: key in _COUNTS)
    changed = [
        f"{key}: {before.get(key, missing)!r} -> {after.get(key, missing)!r}"
        for key in keys
        if before.get(key, missing) != after.get(key, missing)
    ]
    if not changed:
        return "other tasks or seeds than its manifest's settings show"
    more = len(changed) - _DIFFERENCES_SHOWN
    return "; ".join(changed[:_DIFFERENCES_SHOWN]) + (f"; and {more} more" if more > 0 else "")


def _failure_rows(failed: Sequence[tuple[RunTask, RunOutcome]]) -> pd.DataFrame:
    """One row per failed run: everything needed to reproduce it, then the error."""
    rows = []
    for task, outcome in failed:
        rows.append(
            {
                "run_id": task.run_id,
                "scenario": task.scenario,
                "seed": task.seed,
                "days": task.days,
                "overrides": json.dumps(dict(task.overrides), sort_keys=True, default=str),
                "labels": json.dumps(dict(task.labels), sort_keys=True, default=str),
                **(outcome.error or {}),
            }
        )
    return pd.DataFrame(rows)
