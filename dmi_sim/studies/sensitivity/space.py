"""The parameter space of a sensitivity analysis: what varies, over which range, and why.

A space file (``experiments/parameter_space.toml``) lists the factors, each with its range
and the source or reason for it, the dummy factor, the fixed overrides, the settings of
each method, and every registered parameter left out with the reason. It is checked
against the parameter registry when it is read, so a renamed parameter, a range outside
the registry's bounds or a new parameter nobody has classified is found before a run
starts, each as one line naming the file, the key, the value and what is allowed.

The file is parsed with the experiment parser's helpers (``engine.experiment``) and its
factors are the engine's ``Factor``: one explicit mapping from the unit interval to
values for floats (linear), integers (equally likely whole numbers) and listed values
(equally likely levels), shared with the sweep designs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from dmi_sim.engine.designs import Factor
from dmi_sim.engine.experiment import (
    EXPERIMENT_DIR,
    SCENARIO_FACTOR,
    ExperimentError,
    TomlChecker,
)
from dmi_sim.params import PARAMETERS, did_you_mean, read_toml, resolve_toml
from dmi_sim.studies.sensitivity.methods import Method, Morris, Sobol

#: The shipped space, read when ``--space`` is not given.
DEFAULT_SPACE = "parameter_space"
TOP_KEYS = (
    "description",
    "seed",
    "replications",
    "dummy",
    "overrides",
    "morris",
    "sobol",
    "factors",
    "not_varied",
)
SOURCE_KEYS = ("source", "reason")
MORRIS_KEYS = ("trajectories", "levels", "pool")
SOBOL_KEYS = ("n", "second_order", "max_factors")
NOT_VARIED_KEYS = ("reason", "keys")


@dataclass(frozen=True)
class ParameterSpace:
    """A validated parameter space and the settings of both methods over it."""

    name: str
    path: Path
    seed: int
    replications: int
    dummy: str
    factors: tuple[Factor, ...]
    sources: dict[str, str]
    overrides: dict[str, Any]
    morris: Morris
    sobol: Sobol
    sobol_max_factors: int
    not_varied: dict[str, str] = field(default_factory=dict)  # key -> reason
    description: str = ""

    @property
    def names(self) -> list[str]:
        """Factor names in design-column order, the dummy last."""
        return [f.key for f in self.factors] + [self.dummy]

    def method(self, name: str) -> Method:
        """The settings of ``morris`` or ``sobol``."""
        return {"morris": self.morris, "sobol": self.sobol}[name]

    def unclassified(self) -> list[str]:
        """Registered parameters that are neither varied, overridden nor listed as not
        varied: new parameters someone has to place (a factor, or not varied and why)."""
        known = {*self.sources, *self.overrides, *self.not_varied}
        return [key for key in PARAMETERS if key not in known]

    def defaults_outside(self) -> list[str]:
        """Factors whose range excludes the model's default: a recalibrated default that
        moved out of the range the space was written for."""
        outside = []
        for factor in self.factors:
            default = PARAMETERS[factor.key].default
            inside = (
                default in factor.values
                if not factor.is_range
                else factor.low <= default <= factor.high  # type: ignore[operator]
            )
            if not inside:
                outside.append(f"{factor.key} (default {default!r})")
        return outside

    def values(self, unit: np.ndarray) -> list[dict[str, Any]]:
        """Parameter overrides of each design row (unit-cube coordinates in ``names``
        order); the dummy's column is dropped, since the model never reads it."""
        columns = [f.from_unit(unit[:, j]) for j, f in enumerate(self.factors)]
        return [
            {f.key: columns[j][i] for j, f in enumerate(self.factors)} for i in range(unit.shape[0])
        ]

    def restricted(self, keys: Sequence[str]) -> ParameterSpace:
        """The same space varying only ``keys`` (Sobol on the factors that survive
        screening); the others are held at their scenario values."""
        kept = tuple(f for f in self.factors if f.key in keys)
        dropped = {
            f.key: "held at the scenario value: screened out by Morris"
            for f in self.factors
            if f.key not in keys
        }
        return replace(self, factors=kept, not_varied={**self.not_varied, **dropped})


def space_path(space: str | Path) -> Path:
    """A name in ``experiments/`` or a path to a space file."""
    return resolve_toml(space, EXPERIMENT_DIR, "parameter space", ExperimentError)


def load_space(space: str | Path = DEFAULT_SPACE) -> ParameterSpace:
    """Read and validate a space file; raise ``ExperimentError`` on the first problem."""
    path = space_path(space)
    return _SpaceParser(path).space(read_toml(path, ExperimentError))


class _SpaceParser(TomlChecker):
    """The experiment parser's checks, plus those of a sensitivity space."""

    def space(self, table: dict[str, Any]) -> ParameterSpace:
        self.check_keys("", table, TOP_KEYS)
        for key in ("seed", "replications", "dummy", "factors"):
            if key not in table:
                raise ExperimentError(f"{self.path}: missing required key '{key}'")
        overrides = self.overrides(table.get("overrides", {}))
        factors, sources = self.space_factors(table["factors"], overrides)
        dummy = table["dummy"]
        if not isinstance(dummy, str) or not dummy or dummy in PARAMETERS or dummy in sources:
            raise self.fail(
                "dummy", dummy, "a name that is not a parameter key (the model never reads it)"
            )
        morris_table = self.section("morris", table.get("morris", {}), MORRIS_KEYS)
        sobol_table = self.section("sobol", table.get("sobol", {}), SOBOL_KEYS)
        description = table.get("description", "")
        if not isinstance(description, str):
            raise self.fail("description", description, "a string")
        return ParameterSpace(
            name=self.path.stem,
            path=self.path,
            seed=self.integer("seed", table["seed"], 0),
            replications=self.integer("replications", table["replications"], 2),
            dummy=dummy,
            factors=factors,
            sources=sources,
            overrides=overrides,
            morris=self.morris(morris_table),
            sobol=self.sobol(sobol_table),
            sobol_max_factors=self.integer(
                "sobol.max_factors", sobol_table.get("max_factors", 10), 2
            ),
            not_varied=self.not_varied(table.get("not_varied", {}), sources, overrides),
            description=description,
        )

    def section(self, name: str, table: Any, allowed: Sequence[str]) -> dict[str, Any]:
        if not isinstance(table, dict):
            raise self.fail(name, table, f"a table with {', '.join(allowed)}")
        self.check_keys(name, table, allowed)
        return table

    def space_factors(
        self, table: Any, overrides: Mapping[str, Any]
    ) -> tuple[tuple[Factor, ...], dict[str, str]]:
        if not isinstance(table, dict) or len(table) < 2:
            raise self.fail("factors", table, "a table of two or more factors")
        factors, sources = [], {}
        for where, key, spec in self.factor_tables(table):
            if key == SCENARIO_FACTOR:
                raise ExperimentError(
                    f"{self.path}: {where}: the scenario is not a factor here (every design "
                    "point runs each scenario an outcome needs); allowed: a parameter key"
                )
            given = [k for k in SOURCE_KEYS if k in spec]
            text = spec.get(given[0]) if len(given) == 1 else None
            if not isinstance(text, str) or not text.strip():
                raise ExperimentError(
                    f"{self.path}: {where} needs one 'source' (or 'reason') string saying "
                    "where its range comes from"
                )
            bare = {k: v for k, v in spec.items() if k not in SOURCE_KEYS}
            factors.append(self.factor(where, key, bare, "lhs"))
            sources[key] = text.strip()
        for factor in factors:
            if factor.key in overrides:
                raise ExperimentError(
                    f"{self.path}: {factor.key} is both a factor and an override; "
                    "allowed: one or the other"
                )
        return tuple(factors), sources

    def morris(self, table: Mapping[str, Any]) -> Morris:
        levels = self.integer("morris.levels", table.get("levels", 4), 2)
        if levels % 2:
            raise self.fail("morris.levels", levels, "an even integer >= 2 (Morris' grid)")
        trajectories = self.integer("morris.trajectories", table.get("trajectories", 8), 2)
        pool = self.integer("morris.pool", table.get("pool", 0), 0)
        if 0 < pool <= trajectories:
            raise self.fail(
                "morris.pool",
                pool,
                f"0 (no optimisation) or more than trajectories = {trajectories}",
            )
        return Morris(trajectories=trajectories, levels=levels, pool=pool)

    def sobol(self, table: Mapping[str, Any]) -> Sobol:
        n = self.integer("sobol.n", table.get("n", 256), 2)
        if n & (n - 1):
            raise self.fail("sobol.n", n, "a power of two (Sobol' sequences balance only then)")
        second = table.get("second_order", False)
        if not isinstance(second, bool):
            raise self.fail("sobol.second_order", second, "true or false")
        return Sobol(n=n, second_order=second)

    def not_varied(
        self, table: Any, sources: Mapping[str, str], overrides: Mapping[str, Any]
    ) -> dict[str, str]:
        """``[not_varied.<group>]`` tables, each a reason and the keys it covers."""
        if not isinstance(table, dict):
            raise self.fail("not_varied", table, "tables with reason and keys")
        reasons: dict[str, str] = {}
        for group, spec in table.items():
            where = f"not_varied.{group}"
            spec = self.section(where, spec, NOT_VARIED_KEYS)
            reason, keys = spec.get("reason"), spec.get("keys")
            if not isinstance(reason, str) or not reason.strip():
                raise self.fail(f"{where}.reason", reason, "a non-empty string")
            if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys):
                raise self.fail(f"{where}.keys", keys, "a list of parameter keys")
            for key in keys:
                if key not in PARAMETERS:
                    raise ExperimentError(
                        f"{self.path}: {where}.keys: unknown key '{key}'"
                        f"{did_you_mean(key, PARAMETERS)}; allowed: a parameter key"
                    )
                if key in sources or key in overrides or key in reasons:
                    raise ExperimentError(
                        f"{self.path}: {where}.keys: '{key}' is already a factor, an override "
                        "or listed as not varied; allowed: each parameter in one place"
                    )
                reasons[key] = reason.strip()
        return reasons
