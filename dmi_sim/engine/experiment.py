"""Experiment files (``experiments/*.toml``): parse, validate, and expand into run tasks.

Everything is checked before the first run starts, because a typo found after a thousand
runs wastes a day: unknown keys (with the closest valid key), wrong types, values outside a
parameter's range, outcomes the runs do not report, a design too large to build (its size is
counted first), and design points the model would refuse. The same checks apply to an
experiment defined in Python (``experiment_from_dict``). Each problem is one line
naming the file, the key, the value and what is allowed.

A file looks like::

    scenario = "dmi"            # base scenario (name or path)
    replications = 10
    seed = 2026
    days = 730                  # optional; default: the scenario's run.days
    save_timeseries = false     # optional
    outcomes = ["cost_total", "closure_days"]   # summary keys, or derived: rebound_days

    [overrides]                 # optional: fixed for every run
    "space.width" = 30

    [design]
    type = "lhs"                # "factorial" (default) or "lhs"
    samples = 64                # lhs only

    [factors."police.officers"]
    low = 2
    high = 40                   # kind follows the parameter ("int" here)
    [factors."policy.strategy"]
    choices = ["crackdown", "dmi"]
    [factors.scenario]          # the base scenario itself can be a factor
    levels = ["crackdown", "dmi"]

    [figures]                   # optional: which figures ``run.py sweep`` draws
    kind = "frontier"           # or "response"

Blocks (``[design] type = "blocks"``): each strategy varies its own levers. Instead of one
``[factors]`` table, a list of blocks, each a scenario with its own factorial factors; the
design is the union of the blocks' points (a block without factors is one point)::

    [design]
    type = "blocks"
    [[blocks]]
    scenario = "crackdown"
    [blocks.factors."crackdown.officers"]
    levels = [10, 20, 40]
    [[blocks]]
    scenario = "hotspot"
    [blocks.factors."hotspot.officers"]
    levels = [1, 3, 6]
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from dmi_sim.api import summary_keys
from dmi_sim.engine.derived import DERIVED
from dmi_sim.engine.designs import Factor, factorial, latin_hypercube, size_problem
from dmi_sim.engine.posterior import PARTICLE, Draw, Posterior, draws_from
from dmi_sim.engine.seeds import replication_seeds
from dmi_sim.engine.tasks import RunTask
from dmi_sim.params import (
    HORIZON_KEYS,
    PARAMETERS,
    ParameterError,
    Params,
    data_dir,
    did_you_mean,
    flatten,
    load_params,
    policy_window_problem,
    read_toml,
    resolve_toml,
    shipped_names,
    validate_value,
)

EXPERIMENT_DIR = data_dir("experiments")
SCENARIO_FACTOR = "scenario"
#: File names (stems) ending so are sensitivity parameter spaces (``dmi_sim.studies.sensitivity``).
SPACE_SUFFIX = "_space"
DESIGNS = ("factorial", "lhs", "blocks")
TOP_KEYS = (
    "name",
    "description",
    "scenario",
    "replications",
    "seed",
    "days",
    "save_timeseries",
    "outcomes",
    "overrides",
    "design",
    "factors",
    "blocks",
    "figures",
)
BLOCK_KEYS = ("scenario", "factors")
DESIGN_KEYS = ("type", "samples")
FACTOR_KEYS = ("levels", "choices", "low", "high", "kind")
#: Figure kinds and the keys each takes (besides ``kind``); see ``studies.sweep.figures``.
FIGURE_KEYS = {
    "frontier": ("cost", "effort", "group"),
    "response": ("x", "group"),
}


class ExperimentError(ValueError):
    """A bad experiment file: one line naming the file, the key, the value, what is allowed."""


@dataclass(frozen=True)
class Experiment:
    """A validated experiment: its design points and everything needed to run them."""

    name: str
    path: Path | None  # None for an experiment defined in Python
    scenario: str
    replications: int
    seed: int
    outcomes: tuple[str, ...]
    factors: tuple[Factor, ...]
    points: tuple[dict[str, Any], ...]
    design: str = "factorial"
    days: int | None = None
    save_timeseries: bool = False
    overrides: dict[str, Any] = field(default_factory=dict)
    figures: dict[str, str] = field(default_factory=dict)
    description: str = ""
    #: Parameter sets drawn from a posterior (``with_posterior``): every point runs at each.
    draws: tuple[Draw, ...] = ()
    posterior: str | None = None  # the posterior file the draws came from

    @property
    def n_runs(self) -> int:
        return len(self.points) * self.replications * max(1, len(self.draws))

    @property
    def draw_counts(self) -> dict[int, int]:
        """Particle -> how many posterior draws fell on it (empty without a posterior)."""
        return {draw.particle: draw.count for draw in self.draws}

    def runs_phrase(self) -> str:
        """'5 runs', or '5 runs at each of 10 posterior draws': what a point's mean is of."""
        runs = f"{self.replications} runs"
        if not self.draws:
            return runs
        return f"{runs} at each of {sum(self.draw_counts.values())} posterior draws"

    def tasks(self) -> list[RunTask]:
        """One task per (design point, [posterior draw,] replication); replication r has the
        same seed everywhere.

        Run ids ``p00012-r003`` (``p00012-particle00004-r003`` at a posterior draw) sort in
        design order and stay stable when replications are added (the seed list is
        prefix-stable). A point's own factors win over a draw's values of the same keys.
        """
        seeds = replication_seeds(self.seed, self.replications)
        derived = tuple(o for o in self.outcomes if o in DERIVED)
        tasks = []
        for i, point in enumerate(self.points):
            scenario = point.get(SCENARIO_FACTOR, self.scenario)
            varied = {k: v for k, v in point.items() if k != SCENARIO_FACTOR}
            for draw in self.draws or (None,):
                drawn = {} if draw is None else draw.parameters
                overrides = {**self.overrides, **drawn, **varied}
                at = {} if draw is None else {PARTICLE: draw.particle}
                part = "" if draw is None else f"-{PARTICLE}{draw.particle:05d}"
                for r, seed in enumerate(seeds):
                    labels = {"scenario": scenario, "point": i, **at, "replication": r, **varied}
                    run_id = f"p{i:05d}{part}-r{r:03d}"
                    tasks.append(
                        RunTask(run_id, scenario, overrides, seed, self.days, labels, derived)
                    )
        return tasks

    def meta(self) -> dict[str, Any]:
        """The definition as plain data, for the sweep's manifest."""
        return {
            "experiment": self.name,
            "path": None if self.path is None else str(self.path),
            "scenario": self.scenario,
            "design": self.design,
            "n_points": len(self.points),
            "replications": self.replications,
            "seed": self.seed,
            "days": self.days,
            "factors": [f.key for f in self.factors],
            # what a refused resume names when the levels changed (``store.what_differs``)
            "levels": {
                f.key: {"low": f.low, "high": f.high} if f.is_range else list(f.values)
                for f in self.factors
            },
            "outcomes": list(self.outcomes),
            "overrides": self.overrides,
            "figures": self.figures,
            **(
                {"posterior": self.posterior, "draws_by_particle": self.draw_counts}
                if self.draws
                else {}
            ),
        }


def experiment_names() -> list[str]:
    """Names of the experiment files shipped in ``experiments/`` (without the sensitivity
    analysis' parameter spaces, ``*_space.toml``, which live there too)."""
    return [n for n in shipped_names(EXPERIMENT_DIR) if not n.endswith(SPACE_SUFFIX)]


def experiment_path(experiment: str | Path) -> Path:
    """A name (``experiments/<name>.toml``) or a path to an existing file."""
    return resolve_toml(experiment, EXPERIMENT_DIR, "experiment", ExperimentError)


def load_experiment(experiment: str | Path) -> Experiment:
    """Read and validate an experiment file; raise ``ExperimentError`` on the first problem."""
    path = experiment_path(experiment)
    if path.stem.endswith(SPACE_SUFFIX):
        raise ExperimentError(
            f"{path}: a parameter space, not an experiment; run it with 'python run.py "
            f"sensitivity morris --space {path}'"
        )
    return TomlChecker(path).experiment(read_toml(path, ExperimentError), path.stem)


def experiment_from_dict(definition: Mapping[str, Any], name: str = "experiment") -> Experiment:
    """An experiment defined in Python, checked as a file is (messages name it ``<name>``).

    ``definition`` has the keys of an experiment file, as ``tomllib`` reads one (see the
    module's docstring); ``factors`` may also be a list of ``Factor`` objects.
    """
    table = dict(definition)
    factors = table.get("factors")
    if isinstance(factors, list | tuple) and all(isinstance(f, Factor) for f in factors):
        table["factors"] = {f.key: f.table() for f in factors}
    return TomlChecker(f"<{name}>").experiment(table, name)


def with_posterior(experiment: Experiment, posterior: Posterior, draws: int) -> Experiment:
    """The experiment with every point run at ``draws`` parameter sets drawn from
    ``posterior`` (seeded from the experiment's seed); ``PosteriorError`` or
    ``ExperimentError`` when the draws cannot be run.

    A key the experiment fixes in ``overrides`` and the posterior sets too is refused (one
    would be ignored); a key a design point varies keeps the point's value (the levers are
    the design). Every (point, draw) is resolved now, so no run fails on its parameters.
    """
    drawn = draws_from(posterior, draws, experiment.seed)
    checker = TomlChecker(posterior.path)
    for key in posterior.keys:
        if key in experiment.overrides:
            raise ExperimentError(
                f"{posterior.path}: column {key} is also fixed by the experiment's overrides "
                f"({experiment.overrides[key]!r}); allowed: one of them"
            )
    horizon = {} if experiment.days is None else {"run.days": experiment.days}
    for draw in drawn:
        fixed = {**experiment.overrides, **draw.parameters, **horizon}
        checker.preflight(experiment.scenario, fixed, experiment.points)
    if problem := size_problem(len(experiment.points) * len(drawn), experiment.replications):
        raise ExperimentError(f"{experiment.path or experiment.name}: {problem}")
    return replace(experiment, draws=drawn, posterior=str(posterior.path))


class TomlChecker:
    """The one checker of TOML definitions (experiments, and the sensitivity study's
    parameter spaces, which extend it): every message names the file, key, value and what
    is allowed, in one line."""

    def __init__(self, path: Path | str) -> None:
        self.path = path  # a file, or "<name>" for a definition made in Python

    def fail(self, key: str, value: Any, allowed: str) -> ExperimentError:
        return ExperimentError(f"{self.path}: {key} = {value!r} is invalid; allowed: {allowed}")

    def check_keys(self, where: str, table: Mapping[str, Any], allowed: Iterable[str]) -> None:
        allowed = list(allowed)
        for key in table:
            if key not in allowed:
                name = f"{where}.{key}" if where else key
                raise ExperimentError(
                    f"{self.path}: unknown key '{name}'{did_you_mean(key, allowed)}; "
                    f"allowed: {', '.join(allowed)}"
                )

    def integer(self, key: str, value: Any, low: int) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            raise self.fail(key, value, f"an integer >= {low}")
        return value

    def param(self, where: str, key: str, value: Any) -> Any:
        """A parameter value, converted to its declared type, or a one-line error."""
        try:
            return validate_value(key, value, str(self.path))
        except ParameterError:
            raise self.fail(where, value, PARAMETERS[key].allowed()) from None

    def experiment(self, table: dict[str, Any], default_name: str) -> Experiment:
        self.check_keys("", table, TOP_KEYS)
        design, samples = self.design(table.get("design", {}))
        where = "blocks" if design == "blocks" else "factors"
        for key in ("scenario", "replications", "outcomes", where):
            if key not in table:
                raise ExperimentError(f"{self.path}: missing required key '{key}'")
        other = "factors" if design == "blocks" else "blocks"
        if other in table:
            raise ExperimentError(
                f"{self.path}: '{other}' with design.type = '{design}'; "
                f"allowed: '{where}' ('blocks' only with type 'blocks')"
            )
        scenario = self.scenario("scenario", table["scenario"])
        days = table.get("days")
        if days is not None:
            days = self.param("days", "run.days", days)
        overrides = self.overrides(table.get("overrides", {}))
        seed = self.integer("seed", table.get("seed", 0), 0)
        replications = self.integer("replications", table["replications"], 1)
        if design == "blocks":
            factors, points = self.blocks(table["blocks"], overrides)
            n_points = len(points)
        else:
            factors = self.factors(table["factors"], design, overrides)
            n_points = samples if design == "lhs" else math.prod(len(f.values) for f in factors)
        self.one_horizon(days, overrides, factors)
        if problem := size_problem(n_points, replications):
            raise ExperimentError(f"{self.path}: {problem}")
        if design == "lhs":
            points = latin_hypercube(factors, samples, seed)
        elif design == "factorial":
            points = factorial(factors)
        horizon = {} if days is None else {"run.days": days}  # as simulate() applies it
        self.preflight(scenario, {**overrides, **horizon}, points)
        save = table.get("save_timeseries", False)
        if not isinstance(save, bool):
            raise self.fail("save_timeseries", save, "true or false")
        description = table.get("description", "")
        if not isinstance(description, str):
            raise self.fail("description", description, "a string")
        name = table.get("name", default_name)
        if not isinstance(name, str) or not name:
            raise self.fail("name", name, "a non-empty string")
        return Experiment(
            name=name,
            path=self.path if isinstance(self.path, Path) else None,
            scenario=scenario,
            replications=replications,
            seed=seed,
            outcomes=self.outcomes(table["outcomes"]),
            factors=tuple(factors),
            points=tuple(points),
            design=design,
            days=days,
            save_timeseries=save,
            overrides=overrides,
            figures=self.figures(table.get("figures", {}), factors),
            description=description,
        )

    def one_horizon(
        self, days: int | None, overrides: Mapping[str, Any], factors: Iterable[Factor]
    ) -> None:
        """Refuse ``days`` beside an override or a factor of ``run.days``: every run would
        take ``days`` and silently ignore the other."""
        if days is None:
            return
        if "run.days" in overrides:
            other = "overrides.run.days"
        elif any(f.key == "run.days" for f in factors):
            other = "the factor run.days"
        else:
            return
        raise ExperimentError(
            f"{self.path}: days = {days} and {other} both set the length of the run; "
            "allowed: one of them"
        )

    def scenario(self, key: str, value: Any) -> str:
        if not isinstance(value, str):
            raise self.fail(key, value, "a scenario name or a path to a .toml file")
        try:
            load_params(value)
        except ParameterError as err:
            raise ExperimentError(f"{self.path}: {key}: {err}") from None
        return value

    def overrides(self, table: Any) -> dict[str, Any]:
        if not isinstance(table, dict):
            raise self.fail("overrides", table, "a table of parameter keys")
        flat = flatten(table)
        self.check_keys("overrides", flat, PARAMETERS)
        return {key: self.param(f"overrides.{key}", key, v) for key, v in flat.items()}

    def design(self, table: Any) -> tuple[str, int]:
        if not isinstance(table, dict):
            raise self.fail("design", table, "a table with type (and samples for lhs)")
        self.check_keys("design", table, DESIGN_KEYS)
        kind = table.get("type", "factorial")
        if kind not in DESIGNS:
            raise self.fail("design.type", kind, " or ".join(repr(d) for d in DESIGNS))
        if kind == "lhs":
            if "samples" not in table:
                raise ExperimentError(f"{self.path}: design.type = 'lhs' needs design.samples")
            return kind, self.integer("design.samples", table["samples"], 1)
        if "samples" in table:
            raise ExperimentError(
                f"{self.path}: design.samples applies only to design.type = 'lhs'"
            )
        return kind, 0

    def blocks(
        self, value: Any, overrides: Mapping[str, Any]
    ) -> tuple[list[Factor], list[dict[str, Any]]]:
        """A blocks design: (the factors over all blocks, scenario first; the points)."""
        if not isinstance(value, list) or not value or not all(isinstance(b, dict) for b in value):
            raise self.fail(
                "blocks", value, "a list of tables ([[blocks]]), each with scenario and factors"
            )
        scenarios: list[str] = []
        levels: dict[str, list[Any]] = {}
        points: list[dict[str, Any]] = []
        for i, block in enumerate(value):
            where = f"blocks[{i}]"
            self.check_keys(where, block, BLOCK_KEYS)
            if "scenario" not in block:
                raise ExperimentError(f"{self.path}: {where}: missing required key 'scenario'")
            name = self.scenario(f"{where}.scenario", block["scenario"])
            own = []
            if block.get("factors"):
                if not isinstance(block["factors"], dict):
                    raise self.fail(f"{where}.factors", block["factors"], "a table of factors")
                own = [
                    self.factor(f"{where}.{w}", k, spec, "factorial")
                    for w, k, spec in self.factor_tables(block["factors"])
                ]
            for factor in own:
                if factor.key == SCENARIO_FACTOR:
                    raise self.fail(
                        f"{where}.factors.scenario",
                        factor.values,
                        "a parameter key (the block's scenario is its own)",
                    )
                if factor.key in overrides:
                    raise ExperimentError(
                        f"{self.path}: {factor.key} is both a factor and an override; "
                        "allowed: one or the other"
                    )
                known = levels.setdefault(factor.key, [])
                known += [v for v in factor.values if v not in known]
            if name not in scenarios:
                scenarios.append(name)
            points += [{SCENARIO_FACTOR: name, **p} for p in factorial(own)]
        factors = [
            Factor(SCENARIO_FACTOR, tuple(scenarios)),
            *(Factor(k, tuple(v)) for k, v in levels.items()),
        ]
        return factors, points

    def factor_tables(self, table: Mapping[str, Any], prefix: str = "factors"):
        """Factor specs, also when written as nested tables (``[factors.police.officers]``)."""
        for key, value in table.items():
            where = f"{prefix}.{key}"
            if not isinstance(value, dict):
                raise self.fail(where, value, "a table with levels, choices or low/high")
            if value and all(isinstance(v, dict) for v in value.values()):
                yield from self.factor_tables(value, where)
            else:
                yield where, where.removeprefix("factors."), value

    def factors(self, table: Any, design: str, overrides: Mapping[str, Any]) -> list[Factor]:
        if not isinstance(table, dict) or not table:
            raise self.fail("factors", table, "a table of one or more factors")
        factors = [self.factor(w, k, spec, design) for w, k, spec in self.factor_tables(table)]
        for factor in factors:
            if factor.key in overrides:
                raise ExperimentError(
                    f"{self.path}: {factor.key} is both a factor and an override; "
                    "allowed: one or the other"
                )
        return factors

    def factor(self, where: str, key: str, spec: dict[str, Any], design: str) -> Factor:
        keys = [SCENARIO_FACTOR, *PARAMETERS]
        if key not in keys:
            raise ExperimentError(
                f"{self.path}: unknown factor '{where}'{did_you_mean(key, keys)}; "
                "allowed: a parameter key (see docs/ODD.md) or 'scenario'"
            )
        self.check_keys(where, spec, FACTOR_KEYS)
        listed = [k for k in ("levels", "choices") if k in spec]
        ranged = "low" in spec or "high" in spec
        if len(listed) + ranged != 1:
            raise ExperimentError(
                f"{self.path}: {where} has {', '.join(spec) or 'nothing'}; "
                "allowed: exactly one of levels, choices, or low and high"
            )
        if listed:
            values = spec[listed[0]]
            if (
                not isinstance(values, list)
                or not values
                or len(set(map(repr, values))) < len(values)
            ):
                raise self.fail(f"{where}.{listed[0]}", values, "a non-empty list, no repeats")
            if key == SCENARIO_FACTOR:
                return Factor(key, tuple(self.scenario(where, v) for v in values))
            return Factor(key, tuple(self.param(f"{where}.{listed[0]}", key, v) for v in values))
        return self.range_factor(where, key, spec, design)

    def range_factor(self, where: str, key: str, spec: dict[str, Any], design: str) -> Factor:
        if key == SCENARIO_FACTOR or PARAMETERS[key].kind not in ("int", "float"):
            raise ExperimentError(
                f"{self.path}: {where} is not numeric, so it has no low/high range; "
                "allowed: levels or choices"
            )
        if design != "lhs":
            raise ExperimentError(
                f"{self.path}: {where} has a low/high range, which design.type = 'factorial' "
                "cannot enumerate; allowed: levels, or design.type = 'lhs'"
            )
        kind = PARAMETERS[key].kind
        if spec.get("kind", kind) != kind:
            raise self.fail(f"{where}.kind", spec["kind"], f"'{kind}' (the parameter's kind)")
        for bound in ("low", "high"):
            if bound not in spec:
                raise ExperimentError(f"{self.path}: {where} needs both low and high")
        low = self.param(f"{where}.low", key, spec["low"])
        high = self.param(f"{where}.high", key, spec["high"])
        if low >= high:
            raise self.fail(f"{where}.high", high, f"a value above low = {low}")
        return Factor(key, low=low, high=high, kind=kind)

    def outcomes(self, value: Any) -> tuple[str, ...]:
        if (
            not isinstance(value, list)
            or not value
            or not all(isinstance(v, str) for v in value)
            or len(set(value)) < len(value)
        ):
            raise self.fail(
                "outcomes",
                value,
                f"a non-empty list of summary keys or {', '.join(DERIVED)}, no repeats",
            )
        known = [*summary_keys(), *DERIVED]
        for name in value:
            if name not in known:
                raise ExperimentError(
                    f"{self.path}: outcomes: unknown outcome '{name}'"
                    f"{did_you_mean(name, known)}; allowed: {', '.join(known)}"
                )
        return tuple(value)

    def figures(self, table: Any, factors: Iterable[Factor]) -> dict[str, str]:
        if not isinstance(table, dict):
            raise self.fail("figures", table, "a table with kind and its keys")
        if not table:
            return {}
        kind = table.get("kind")
        if kind not in FIGURE_KEYS:
            raise self.fail("figures.kind", kind, " or ".join(repr(k) for k in FIGURE_KEYS))
        self.check_keys("figures", table, ("kind", *FIGURE_KEYS[kind]))
        factor_keys = [f.key for f in factors]
        for key in FIGURE_KEYS[kind]:
            value = table.get(key)
            if not isinstance(value, str):
                raise self.fail(f"figures.{key}", value, "a string")
            if key in ("x", "group") and value not in factor_keys:
                raise self.fail(f"figures.{key}", value, f"a factor: {', '.join(factor_keys)}")
        return dict(table)

    def preflight(
        self, scenario: str, overrides: Mapping[str, Any], points: Iterable[dict[str, Any]]
    ) -> None:
        """Resolve every design point's parameters now, so no run fails on bad input later
        and none runs without a policy period (``policy_window_problem``)."""
        bases: dict[str, Params] = {}
        for i, point in enumerate(points):
            name = point.get(SCENARIO_FACTOR, scenario)
            varied = {k: v for k, v in point.items() if k != SCENARIO_FACTOR}
            origin = f"design point {i} {varied}"
            try:
                if name not in bases:
                    bases[name] = load_params(name, overrides)
                params = bases[name].replace(varied, origin=origin)
            except ParameterError as err:
                raise ExperimentError(f"{self.path}: {err}") from None
            if problem := policy_window_problem(params):
                where = origin if varied.keys() & HORIZON_KEYS else f"scenario {name}"
                raise ExperimentError(f"{self.path}: {where}: {problem}")


def paired_tasks(
    path: Path | str,
    scenarios: Sequence[str],
    overrides: Mapping[str, Any],
    points: Sequence[Mapping[str, Any]],
    seeds: Sequence[Sequence[int]],
    what: str,
    derived: Mapping[str, tuple[str, ...]] | None = None,
) -> list[RunTask]:
    """One run per (point, replication, scenario): every scenario of a point runs on the
    point's seeds, so the scenarios are paired; run ids ``p000012-r01-dmi`` sort in design
    order. The studies' designs over a parameter space (sensitivity, discovery) use it.

    Every point's full parameter set is resolved first, so a combination the model refuses
    stops the command before any run (the message names ``path`` and ends with ``what``,
    e.g. "a morris design point"). ``derived``: the worker-side outcomes each scenario's
    runs add to their summary.
    """
    checker = TomlChecker(path)
    for scenario in scenarios:
        try:
            checker.preflight(scenario, overrides, points)
        except ExperimentError as err:
            raise ExperimentError(f"{err} ({what})") from None
    derived = derived or {}
    tasks = []
    for i, (values, point_seeds) in enumerate(zip(points, seeds, strict=True)):
        point_overrides = {**overrides, **values}
        for r, seed in enumerate(point_seeds):
            for scenario in scenarios:
                tasks.append(
                    RunTask(
                        run_id=f"p{i:06d}-r{r:02d}-{scenario}",
                        scenario=scenario,
                        overrides=point_overrides,
                        seed=seed,
                        labels={"point": i, "replication": r, "scenario": scenario},
                        derived=derived.get(scenario, ()),
                    )
                )
    return tasks
