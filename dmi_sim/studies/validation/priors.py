"""The calibration's priors: the ranges of a parameter space file as pyabc distributions.

A space file is ``experiments/parameter_space.toml`` (the sensitivity study's) or a smaller
file in its format: ``[factors."key"]`` with ``low``/``high`` or ``levels`` (and a
``source`` or ``reason``). Only the factors are read: the targets are measured as the
validation measures them, on the scenarios' own frame, so the sensitivity study's
``[overrides]`` (a shorter horizon) and method sections are checked but not applied, and the
report lists the overrides left out. It is read with the engine's ``TomlChecker``, so an
unknown key or a range outside the registry's bounds is one line naming the file, the key
and what is allowed.

Every prior is uniform, and pyabc samples and perturbs one continuous coordinate per factor
(its multivariate normal kernel needs them). The coordinate maps onto the model's values so
that each value the model can take is equally likely, as ``engine.designs.Factor`` maps a
design's unit cube:

* a float range ``[low, high]``: the coordinate is the value, uniform on the range;
* an integer range: the coordinate is uniform on ``[low - 0.5, high + 0.5)`` and rounds to
  the nearest whole number, so each of ``low..high`` has the same prior mass;
* listed levels: the coordinate is uniform on ``[0, n)`` and its integer part indexes the
  levels, each with mass 1/n (the kernel moves between neighbouring levels, which suits
  the ordered numeric levels the space lists; the prior is exact either way).

The posterior is reported in the model's values (``decode``); weights are pyabc's.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyabc

from dmi_sim.engine.designs import Factor
from dmi_sim.engine.experiment import (
    EXPERIMENT_DIR,
    SCENARIO_FACTOR,
    ExperimentError,
    TomlChecker,
)
from dmi_sim.params import PARAMETERS, did_you_mean, read_toml, resolve_toml

#: The space read when none is named.
DEFAULT_SPACE = "parameter_space"
#: Keys a calibration reads from a space file.
CALIBRATION_KEYS = ("description", "overrides", "factors")
#: The sensitivity study's sections of the same file: allowed, not read here.
SENSITIVITY_KEYS = ("seed", "replications", "dummy", "morris", "sobol", "not_varied")
SOURCE_KEYS = ("source", "reason")


@dataclass(frozen=True)
class Prior:
    """One calibrated parameter: its factor (range or levels) and the coordinate pyabc
    samples for it (uniform on ``[start, start + width)``)."""

    factor: Factor

    @property
    def key(self) -> str:
        return self.factor.key

    @property
    def start(self) -> float:
        f = self.factor
        if not f.is_range:
            return 0.0
        assert f.low is not None
        return math.ceil(f.low) - 0.5 if f.kind == "int" else float(f.low)

    @property
    def width(self) -> float:
        f = self.factor
        if not f.is_range:
            return float(len(f.values))
        assert f.low is not None and f.high is not None
        if f.kind == "int":
            return float(math.floor(f.high) - math.ceil(f.low) + 1)
        return float(f.high - f.low)

    def rv(self) -> pyabc.RV:
        """The uniform prior of the coordinate (scipy's ``uniform(loc, scale)``)."""
        return pyabc.RV("uniform", self.start, self.width)

    def decode(self, x: float) -> Any:
        """The model's value at coordinate ``x``."""
        f = self.factor
        if not f.is_range:
            index = min(max(int(math.floor(x)), 0), len(f.values) - 1)
            return f.values[index]
        assert f.low is not None and f.high is not None
        if f.kind == "int":
            whole = int(math.floor(x + 0.5))
            return min(max(whole, math.ceil(f.low)), math.floor(f.high))
        return float(x)

    def prior_variance(self) -> float:
        """Variance of the model's value under the prior (a float range's continuous
        uniform; the discrete uniform over whole numbers or levels): the yardstick of the
        prior-to-posterior contraction."""
        f = self.factor
        if not f.is_range:
            values = np.asarray(f.values, dtype=float)
            return float(values.var())
        if f.kind == "int":
            n = self.width
            return (n * n - 1) / 12
        return self.width**2 / 12


@dataclass(frozen=True)
class CalibrationSpace:
    """The calibrated parameters (and the space's overrides, which are not applied)."""

    path: Path
    priors: tuple[Prior, ...]
    not_applied: Mapping[str, Any]

    @property
    def keys(self) -> list[str]:
        return [p.key for p in self.priors]

    def distribution(self) -> pyabc.Distribution:
        """pyabc's joint prior: independent uniforms, one per parameter."""
        return pyabc.Distribution(**{p.key: p.rv() for p in self.priors})

    def decode(self, coordinates: Mapping[str, float]) -> dict[str, Any]:
        """The model's parameter values of a pyabc particle."""
        return {p.key: p.decode(float(coordinates[p.key])) for p in self.priors}

    def restricted(self, keys: Sequence[str]) -> CalibrationSpace:
        """The same space calibrating only ``keys``; the others stay at the scenarios'
        values. An unknown key or one the space does not vary is an ``ExperimentError``."""
        known = self.keys
        for key in keys:
            if key not in known:
                where = "not a parameter key" if key not in PARAMETERS else "not varied there"
                raise ExperimentError(
                    f"--vary: {key!r} is {where}{did_you_mean(key, known)}; allowed: a factor "
                    f"of {self.path} ({', '.join(known)})"
                )
        kept = tuple(p for p in self.priors if p.key in keys)
        return CalibrationSpace(self.path, kept, self.not_applied)


def load_space(space: str | Path = DEFAULT_SPACE) -> CalibrationSpace:
    """Read and check a space file (a name in ``experiments/`` or a path); the first
    problem is an ``ExperimentError``."""
    path = resolve_toml(space, EXPERIMENT_DIR, "parameter space", ExperimentError)
    return _SpaceReader(path).space(read_toml(path, ExperimentError))


class _SpaceReader(TomlChecker):
    """The engine's checks of factors and overrides, over a space file's sections."""

    def space(self, table: dict[str, Any]) -> CalibrationSpace:
        self.check_keys("", table, (*CALIBRATION_KEYS, *SENSITIVITY_KEYS))
        if "factors" not in table:
            raise ExperimentError(f"{self.path}: missing required key 'factors'")
        overrides = self.overrides(table.get("overrides", {}))
        raw = table["factors"]
        if not isinstance(raw, dict) or not raw:
            raise self.fail("factors", raw, "a table of one or more factors")
        priors = []
        for where, key, spec in self.factor_tables(raw):
            if key == SCENARIO_FACTOR:
                raise ExperimentError(
                    f"{self.path}: {where}: the scenario is not calibrated (each target "
                    "runs the scenarios it needs); allowed: a parameter key"
                )
            bare = {k: v for k, v in spec.items() if k not in SOURCE_KEYS}
            factor = self.factor(where, key, bare, "lhs")
            if factor.key in overrides:
                raise ExperimentError(
                    f"{self.path}: {factor.key} is both a factor and an override; "
                    "allowed: one or the other"
                )
            priors.append(Prior(factor))
        return CalibrationSpace(self.path, tuple(priors), overrides)
