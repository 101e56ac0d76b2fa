"""A parameter posterior (``posterior.csv``): read, check, and draw parameter sets from it.

The calibration writes the accepted population as one row per particle: one column per
parameter under its dotted registry key (``sellers.watch_risk``) and a ``weight`` column
(weights sum to 1). Studies that carry parameter uncertainty into their results (``compare
--posterior``) draw parameter sets from it with ``draw_particles``: a weighted resample,
seeded from ``numpy.random.SeedSequence`` on a stream of its own, so the draws are the same
on every machine and independent of the replication seeds.

Every problem is one line naming the file, the column, the value and what is allowed.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from dmi_sim.params import PARAMETERS, ParameterError, did_you_mean, validate_value

#: The file a calibration folder holds; ``--posterior`` takes it or its folder.
POSTERIOR_FILE = "posterior.csv"
#: Parameter sets drawn by default (``--draws``): enough for a first look at the spread.
DEFAULT_DRAWS = 10
#: The fewest draws with a between-draw variance.
MIN_DRAWS = 2
#: The label (and run-id part) of the particle a run's parameters were drawn from.
PARTICLE = "particle"
WEIGHT = "weight"
#: Weights must sum to 1 within this (a CSV written with 6-7 significant digits).
WEIGHT_TOLERANCE = 1e-4
#: Sections a posterior cannot set: the run's horizon and windows, and which policy runs,
#: are the study's design, not uncertain parameters.
DESIGN_SECTIONS = ("run", "policy")
#: Extra entropy word that separates the posterior draws from the replication seeds.
_DRAW_STREAM = 0x0D2A_0505


class PosteriorError(ValueError):
    """A bad posterior file: one line naming the file, the column, the value, what is allowed."""


@dataclass(frozen=True)
class Posterior:
    """A checked posterior: particles (parameter values, one row each) and their weights."""

    path: Path
    particles: pd.DataFrame  # one column per parameter key, values of the declared type
    weights: np.ndarray  # one per particle, >= 0, summing to 1

    @property
    def keys(self) -> list[str]:
        return list(self.particles.columns)

    def parameters(self, particle: int) -> dict[str, Any]:
        """The parameter values of one particle, as overrides (plain Python values)."""
        row = self.particles.iloc[particle]
        return {
            key: value.item() if hasattr(value, "item") else value for key, value in row.items()
        }


def posterior_path(path: str | os.PathLike[str]) -> Path:
    """The CSV itself, or ``posterior.csv`` in the folder given."""
    path = Path(path)
    if path.is_dir():
        path = path / POSTERIOR_FILE
    if not path.is_file():
        raise PosteriorError(
            f"{path}: no such file; allowed: a {POSTERIOR_FILE} or a folder holding one"
        )
    return path


def _cell(path: Path, key: str, row: int, value: Any) -> Any:
    """One parameter value, of its declared type, or a one-line error."""
    spec = PARAMETERS[key]
    if spec.kind == "bool" and isinstance(value, str) and value.lower() in ("true", "false"):
        value = value.lower() == "true"
    elif spec.kind == "bool" and isinstance(value, np.bool_):
        value = bool(value)
    try:
        return validate_value(key, value.item() if hasattr(value, "item") else value, str(path))
    except ParameterError:
        raise PosteriorError(
            f"{path}: column {key}, row {row + 1}: {value!r} is invalid; allowed: {spec.allowed()}"
        ) from None


def _column(path: Path, key: str, raw: pd.Series) -> list[Any]:
    """One parameter's column: numbers parsed where the parameter is numeric, then each
    value checked against the registry."""
    values = list(raw)
    if PARAMETERS[key].kind in ("int", "float"):
        parsed = pd.to_numeric(raw, errors="coerce")
        values = [text if pd.isna(n) else n for text, n in zip(raw, parsed, strict=True)]
    return [_cell(path, key, row, value) for row, value in enumerate(values)]


def _weights(path: Path, column: pd.Series) -> np.ndarray:
    """The weight column as floats, each finite and >= 0, summing to 1."""
    weights = pd.to_numeric(column, errors="coerce").to_numpy(dtype=float)
    for row, (raw, w) in enumerate(zip(column, weights, strict=True)):
        if not math.isfinite(w) or w < 0:
            raise PosteriorError(
                f"{path}: column {WEIGHT}, row {row + 1}: {raw!r} is invalid; allowed: "
                "a number >= 0 (the weights sum to 1)"
            )
    total = float(weights.sum())
    if abs(total - 1.0) > WEIGHT_TOLERANCE:
        raise PosteriorError(
            f"{path}: column {WEIGHT} sums to {total:.6g}; allowed: weights summing to 1 "
            f"(within {WEIGHT_TOLERANCE:g})"
        )
    return weights / total


def load_posterior(path: str | os.PathLike[str]) -> Posterior:
    """Read and check a posterior; ``PosteriorError`` on the first problem."""
    path = posterior_path(path)
    try:
        table = pd.read_csv(path, dtype=object, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as err:
        first = str(err).splitlines()[0] if str(err) else type(err).__name__
        raise PosteriorError(
            f"{path}: not a readable CSV ({first}); allowed: a header row of parameter keys "
            f"and '{WEIGHT}', then one row per particle"
        ) from None
    if WEIGHT not in table.columns:
        raise PosteriorError(
            f"{path}: missing column '{WEIGHT}'; allowed: parameter keys and a '{WEIGHT}' "
            "column (weights summing to 1)"
        )
    keys = [c for c in table.columns if c != WEIGHT]
    for key in keys:
        if key not in PARAMETERS:
            raise PosteriorError(
                f"{path}: unknown column '{key}'{did_you_mean(key, PARAMETERS)}; allowed: a "
                f"parameter key (docs/ODD.md) or '{WEIGHT}'"
            )
        if key.partition(".")[0] in DESIGN_SECTIONS:
            raise PosteriorError(
                f"{path}: column '{key}' is a setting of the study, not an uncertain "
                f"parameter; allowed: a parameter key outside the sections "
                f"{', '.join(DESIGN_SECTIONS)}"
            )
    if not keys or table.empty:
        raise PosteriorError(
            f"{path}: {len(keys)} parameter columns and {len(table)} particles; allowed: at "
            "least one of each"
        )
    particles = pd.DataFrame({key: _column(path, key, table[key]) for key in keys})
    return Posterior(path, particles, _weights(path, table[WEIGHT]))


@dataclass(frozen=True)
class Draw:
    """A particle drawn from a posterior: its parameters and how many draws fell on it (a
    particle drawn twice is run once and counted twice)."""

    particle: int
    count: int
    parameters: dict[str, Any]


def draws_from(posterior: Posterior, draws: int, seed: int) -> tuple[Draw, ...]:
    """``draws`` draws from the posterior, by particle (in particle order)."""
    if draws < MIN_DRAWS:
        raise PosteriorError(
            f"--draws {draws}: allowed: at least {MIN_DRAWS} (the spread between draws is "
            "the parameter uncertainty)"
        )
    picks = draw_particles(posterior, draws, seed)
    return tuple(Draw(p, picks.count(p), posterior.parameters(p)) for p in sorted(set(picks)))


def draw_particles(posterior: Posterior, draws: int, seed: int) -> list[int]:
    """``draws`` particle indices, resampled with replacement in proportion to the weights
    (so each is a draw from the posterior), reproducible from ``seed``."""
    if draws < 1:
        raise ValueError(f"draws must be >= 1, got {draws}")
    rng = np.random.default_rng(np.random.SeedSequence([seed, _DRAW_STREAM]))
    picks = rng.choice(len(posterior.weights), size=draws, replace=True, p=posterior.weights)
    return [int(p) for p in picks]
