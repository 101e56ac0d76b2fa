"""Run a calibration as a command: check the inputs, keep pyabc's database where the same
command finds it again, and write the result folder once the last generation is in.

The database lives beside the result folder, named after everything that determines the
posterior (``.calibrate-runs-<fingerprint>/abc.db``), so an interrupted calibration given
the same command again continues after its last complete generation, although its default
result folder has a new timestamp. When the run is complete the folder is written under a
staging name, renamed, and the database moved into it as ``abc/abc.db``.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from pathlib import Path

from dmi_sim.engine.provenance import (
    OutputExistsError,
    finish_manifest,
    staged_folder,
    start_manifest,
)
from dmi_sim.studies.validation.abc import DB_NAME, CalibrationError, CalibrationSpec, calibrate
from dmi_sim.studies.validation.abc_results import write_results
from dmi_sim.studies.validation.targets import BY_ID, TARGETS, Target
from dmi_sim.studies.validation.validate import ValidationError, select_targets

#: Targets calibrated against by default: every graded one except the community-state
#: targets B6a-e, whose starting-fear sweep alone is 9 x reps runs more a particle
#: (name them with --targets to include them).
DEFAULT_TARGETS = tuple(t.id for t in TARGETS if not t.info and not t.id.startswith("B6"))


def choose_targets(ids: Sequence[str]) -> tuple[Target, ...]:
    """The targets named (all defaults when none); an unknown one, or one without a band
    (``info``), is a ``CalibrationError``."""
    if not ids:
        return tuple(BY_ID[t] for t in DEFAULT_TARGETS)
    try:
        chosen = select_targets(ids)
    except ValidationError as err:
        raise CalibrationError(str(err)) from None
    unbanded = [t.id for t in chosen if t.info]
    if unbanded:
        raise CalibrationError(
            f"--targets: {unbanded[0]} has no band to calibrate against (info only); allowed: "
            f"{', '.join(t.id for t in TARGETS if not t.info)}"
        )
    return tuple(chosen)


@dataclass
class Calibration:
    """A checked calibration, ready to run: nothing has been written yet."""

    spec: CalibrationSpec
    out: Path

    @classmethod
    def prepare(cls, spec: CalibrationSpec, out: Path) -> Calibration:
        """Check the output folder (the spec is checked as it is built)."""
        if Path(out).exists():
            raise OutputExistsError(f"{out}: output folder already exists; choose another --out")
        return cls(spec, Path(out))

    @property
    def store(self) -> Path:
        """Where the database is kept while running: found again by the same command."""
        return self.out.parent / f".calibrate-runs-{self.spec.fingerprint()}"

    def run(
        self, argv: list[str] | None, executor: Executor, slots: int, progress: bool = True
    ) -> Path:
        """Sample (or continue), then write the result folder; return the report's path."""
        started = time.perf_counter()
        manifest = start_manifest(
            "calibrate",
            argv,
            api="dmi_sim.studies.validation.abc_run",
            **self.spec.definition(),
            runs_per_particle=self.spec.runs_per_particle(),
            slots=slots,
            fingerprint=self.spec.fingerprint(),
        )
        if progress:
            print(
                f"calibrate: {len(self.spec.space.priors)} parameters, "
                f"{len(self.spec.targets)} targets, {self.spec.particles} particles x up to "
                f"{self.spec.generations} generations, "
                f"{manifest['runs_per_particle']} runs a particle -> {self.store} "
                "(rerun the same command to resume)",
                file=sys.stderr,
            )
        history = calibrate(self.spec, self.store / DB_NAME, executor, slots, progress)
        with staged_folder(self.out) as folder:
            written = write_results(folder, history, self.spec, manifest)
            manifest.update(written)
            manifest["wall_seconds"] = time.perf_counter() - started
            finish_manifest(manifest, folder / "manifest.json")
            os.rename(self.store, folder / "abc")
        return self.out / "report.md"
