"""Every parameter once: name, unit, range, default, source; scenario files and overrides.

The registry ``PARAMETERS`` is the one place where a parameter is declared. Scenario TOML
files, ``--set`` overrides, experiment factors, the app's sliders and ``docs/ODD.md`` all
read it, so a key, unit or range cannot drift between them.
"""

from __future__ import annotations

import difflib
import math
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dmi_sim.parameter_table import TABLE


def data_dir(name: str) -> Path:
    """The shipped ``scenarios`` or ``experiments`` folder: the repository's own in a
    checkout (where people edit them), or the copy a built package carries inside
    ``dmi_sim/`` (see setup.py) once installed."""
    package = Path(__file__).resolve().parent
    inside = package / name
    return inside if inside.is_dir() else package.parent / name


SCENARIO_DIR = data_dir("scenarios")


class ParameterError(ValueError):
    """Bad input: one line naming the file, the key, the value and what is allowed."""


@dataclass(frozen=True)
class ParamSpec:
    """Declaration of one parameter."""

    key: str
    default: Any
    unit: str
    low: float | None
    high: float | None
    kind: str  # "float" | "int" | "bool" | "choice"
    choices: tuple[str, ...] = ()
    doc: str = ""
    source: str = ""

    def allowed(self) -> str:
        """Human-readable statement of the valid values."""
        if self.kind == "choice":
            return "one of " + ", ".join(repr(c) for c in self.choices)
        if self.kind == "bool":
            return "true or false"
        kind = "an integer" if self.kind == "int" else "a number"
        return f"{kind} in [{_fmt(self.low)}, {_fmt(self.high)}] ({self.unit})"


def _fmt(x: float | None) -> str:
    return "-inf" if x is None else (str(int(x)) if float(x).is_integer() else str(x))


def _build_registry() -> dict[str, ParamSpec]:
    registry: dict[str, ParamSpec] = {}
    for key, default, unit, low, high, doc, source in TABLE:
        if isinstance(default, bool):
            kind, choices = "bool", ()
        elif isinstance(default, tuple):  # (default, choices...) for categorical parameters
            kind, choices, default = "choice", default[1:], default[0]
        elif isinstance(default, int):
            kind, choices = "int", ()
        else:
            kind, choices = "float", ()
        registry[key] = ParamSpec(key, default, unit, low, high, kind, choices, doc, source)
    return registry


PARAMETERS: dict[str, ParamSpec] = _build_registry()


@dataclass
class Params:
    """Resolved parameters of one run: ``p["police.officers"]`` or ``p.section("police")``."""

    values: dict[str, Any]
    scenario: str = "baseline"
    origin: str = "defaults"
    _sections: dict[str, dict[str, Any]] = field(default_factory=dict, repr=False)

    def __getitem__(self, key: str) -> Any:
        return self.values[key]

    def section(self, name: str) -> dict[str, Any]:
        """All keys of one ``[section]``, without the prefix (cached: read in hot loops)."""
        if name not in self._sections:
            prefix = name + "."
            self._sections[name] = {
                k[len(prefix) :]: v for k, v in self.values.items() if k.startswith(prefix)
            }
        return self._sections[name]

    def replace(self, overrides: Mapping[str, Any], origin: str = "overrides") -> Params:
        """A copy with ``overrides`` (dotted keys) validated and applied."""
        values = dict(self.values)
        for key, value in overrides.items():
            values[key] = validate_value(key, value, origin)
        _check_consistency(values, origin)
        return Params(values, self.scenario, self.origin)


#: The sections that describe a policy (what the police and their partners do, and the
#: DMI's services); every other setting describes the neighbourhood and the run, which a
#: policy and its same-seed counterfactual must share.
POLICY_SECTIONS = frozenset({"policy", "crackdown", "hotspot", "dmi", "sequence", "services"})


def world_differences(params: Params, reference: Params) -> list[str]:
    """Settings outside ``POLICY_SECTIONS`` in which ``params`` differ from ``reference``,
    as ``key = value (reference: value)``: a comparison of the two would mix the policy
    with another neighbourhood."""
    return [
        f"{key} = {value!r} ({reference.scenario}: {reference.values[key]!r})"
        for key, value in params.values.items()
        if key.split(".", 1)[0] not in POLICY_SECTIONS and value != reference.values[key]
    ]


def did_you_mean(word: str, allowed: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` for the closest allowed word, or nothing."""
    match = difflib.get_close_matches(word, list(allowed), n=1, cutoff=0.5)
    return f" (did you mean '{match[0]}'?)" if match else ""


def _closest(key: str) -> str:
    return did_you_mean(key, PARAMETERS)


def validate_value(key: str, value: Any, origin: str) -> Any:
    """Check one value against its declaration; returns it converted to the declared type."""
    spec = PARAMETERS.get(key)
    if spec is None:
        raise ParameterError(f"{origin}: unknown key '{key}'{_closest(key)}")
    bad = ParameterError(f"{origin}: {key} = {value!r} is invalid; allowed: {spec.allowed()}")
    if spec.kind == "bool":
        if not isinstance(value, bool):
            raise bad
        return value
    if spec.kind == "choice":
        if value not in spec.choices:
            raise bad
        return value
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise bad
    if spec.kind == "int":
        if float(value) != int(value):
            raise bad
        value = int(value)
    else:
        value = float(value)
    if (spec.low is not None and value < spec.low) or (spec.high is not None and value > spec.high):
        raise bad
    return value


def _check_consistency(values: dict[str, Any], origin: str) -> None:
    """Cross-parameter constraints that a single range cannot express."""
    if values["sellers.initial_active"] > values["sellers.pool_size"]:
        raise ParameterError(
            f"{origin}: sellers.initial_active = {values['sellers.initial_active']} exceeds "
            f"sellers.pool_size = {values['sellers.pool_size']}; allowed: at most the pool size"
        )
    side = values["space.market_size"] + 2 * values["space.catchment_width"] + 2
    if side > min(values["space.width"], values["space.height"]):
        raise ParameterError(
            f"{origin}: space.market_size + 2 * space.catchment_width = {side - 2} does not fit "
            f"a {values['space.width']}x{values['space.height']} grid; allowed: at most "
            f"min(width, height) - 2"
        )


#: The keys that decide whether a run has a policy period (``policy_window_problem``).
HORIZON_KEYS = ("run.days", "run.intervention_start")


def policy_window_problem(params: Params) -> str | None:
    """Why a run of ``params`` would have no policy period (one line), or None.

    A run that ends on or before ``run.intervention_start`` never starts its policy: every
    post-intervention outcome is empty and its policy totals (cost, arrests, officer
    hours) are 0, which reads like a result. The commands refuse such runs; the model
    itself runs them (a short run is how its tests look at the burn-in).
    """
    start, days = params["run.intervention_start"], params["run.days"]
    if start < days:
        return None
    return (
        f"run.intervention_start = {start} is not before the end of the run "
        f"(run.days = {days}), so the policy never starts; allowed: run.days above {start} "
        f"or run.intervention_start below {days}"
    )


def flatten(table: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """``{"police": {"officers": 4}}`` -> ``{"police.officers": 4}``."""
    flat: dict[str, Any] = {}
    for key, value in table.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat.update(flatten(value, dotted + "."))
        else:
            flat[dotted] = value
    return flat


def shipped_names(folder: Path) -> list[str]:
    """Names of the TOML files shipped in ``folder``."""
    return sorted(p.stem for p in folder.glob("*.toml"))


def resolve_toml(
    name_or_path: str | Path, folder: Path, what: str, error: type[ValueError]
) -> Path:
    """A shipped name (``<folder>/<name>.toml``) or a path to an existing TOML file; else
    ``error`` with one line naming what was asked for and what is allowed."""
    path = Path(name_or_path)
    if path.suffix == ".toml" or path.parent != Path("."):
        if not path.is_file():
            raise error(f"{path}: {what} file not found")
        return path
    path = folder / f"{name_or_path}.toml"
    if not path.is_file():
        names = shipped_names(folder)
        raise error(
            f"unknown {what} '{name_or_path}'{did_you_mean(str(name_or_path), names)}; "
            f"allowed: {', '.join(names) or '(none shipped)'} or a path to a .toml file"
        )
    return path


def read_toml(path: Path, error: type[ValueError]) -> dict[str, Any]:
    """Parse a TOML file; unreadable or invalid files raise ``error`` naming the file."""
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as err:
        raise error(f"{path}: invalid TOML: {err}") from None
    except UnicodeDecodeError as err:
        raise error(
            f"{path}: not UTF-8 text (byte {err.start} is {err.object[err.start]:#04x}); "
            "allowed: a TOML file, which is UTF-8"
        ) from None
    except OSError as err:
        raise error(f"{path}: cannot read: {err.strerror}") from None


def scenario_names() -> list[str]:
    """Names of the scenario files shipped in ``scenarios/``."""
    return shipped_names(SCENARIO_DIR)


def scenario_path(scenario: str | Path) -> Path:
    """Resolve a scenario name or a path to an existing TOML file."""
    return resolve_toml(scenario, SCENARIO_DIR, "scenario", ParameterError)


def read_scenario(scenario: str | Path, _seen: tuple[Path, ...] = ()) -> dict[str, Any]:
    """The scenario file's own keys (flattened), following ``extends = "<name>"``."""
    path = scenario_path(scenario)
    if path.resolve() in _seen:
        chain = " -> ".join(p.stem for p in (*_seen, path.resolve()))
        raise ParameterError(f"{path}: extends = cycle ({chain}); allowed: a chain that ends")
    table = read_toml(path, ParameterError)
    base = table.pop("extends", None)
    table.pop("description", None)
    flat = {}
    if base is not None:
        if not isinstance(base, str) or not base:
            raise ParameterError(
                f"{path}: extends = {base!r} is invalid; allowed: a scenario "
                "name or a path to a .toml file"
            )
        try:
            scenario_path(base)
        except ParameterError as err:  # say which file names the missing parent
            raise ParameterError(f"{path}: extends: {err}") from None
        flat = read_scenario(base, (*_seen, path.resolve()))
    for key, value in flatten(table).items():
        flat[key] = validate_value(key, value, str(path))
    return flat


def load_params(
    scenario: str | Path = "baseline", overrides: Mapping[str, Any] | None = None
) -> Params:
    """Defaults, then the scenario file, then ``overrides``: every value validated."""
    path = scenario_path(scenario)
    values = {key: spec.default for key, spec in PARAMETERS.items()}
    values.update(read_scenario(path))
    _check_consistency(values, str(path))
    params = Params(values, scenario=path.stem, origin=str(path))
    return params.replace(overrides or {}) if overrides else params
