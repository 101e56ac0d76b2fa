"""``run.py compare --posterior``: posterior files, draws, pooled intervals, the advantage.

Three small comparisons (20x20 grid, 150 days, intervention on day 60, 3 replications,
crackdown and DMI plus the baseline, in-process, root seed 3) are run once and compared:
the ordinary one at the defaults, one over a posterior of a single particle at the
defaults, and one over two draws from a posterior of two particles (the defaults and a
market that fears being watched more and residents who mind dealing more), which root
seed 3 draws one each.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from cli_support import small_run_options
from scipy import stats

from dmi_sim.cli import main
from dmi_sim.engine.posterior import PosteriorError, draw_particles, load_posterior
from dmi_sim.engine.seeds import replication_seeds
from dmi_sim.studies.compare.posterior_report import MIN_DISTINCT_PARTICLES, advantage_lines
from dmi_sim.studies.compare.report import HEADLINE
from dmi_sim.studies.compare.uncertainty import advantage_by_draw, advantage_share
from dmi_sim.studies.kit.stats import pool_draws, t_interval

DAYS, START, REPS, SEED = 150, 60, 3, 3
SMALL = small_run_options(START, DAYS)
COMMON = ["crackdown", "dmi", "--reps", str(REPS), "--seed", str(SEED), "--workers", "1"]
COMMON += ["--no-progress", *SMALL]
DEFAULTS = {"sellers.watch_risk": 1.3, "residents.exposure_dealing": 0.7}
OTHER = {"sellers.watch_risk": 4.0, "residents.exposure_dealing": 1.5}


def _write_posterior(path: Path, particles: list[dict[str, float]], weights: list[float]) -> Path:
    frame = pd.DataFrame(particles).assign(weight=weights)
    frame.to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The three comparisons' result folders: ordinary, one particle, two draws."""
    root = tmp_path_factory.mktemp("posterior")
    one = _write_posterior(root / "one.csv", [DEFAULTS], [1.0])
    two_dir = root / "calibration"
    two_dir.mkdir()
    _write_posterior(two_dir / "posterior.csv", [DEFAULTS, OTHER], [0.5, 0.5])
    folders = {name: root / name for name in ("ordinary", "one", "two")}
    assert main(["compare", *COMMON, "--out", str(folders["ordinary"])]) == 0
    argv = ["compare", *COMMON, "--posterior", str(one), "--draws", "2"]
    assert main([*argv, "--out", str(folders["one"])]) == 0
    argv = ["compare", *COMMON, "--posterior", str(two_dir), "--draws", "2"]
    assert main([*argv, "--out", str(folders["two"])]) == 0
    return folders


def _effects(folder: Path, name: str = "effects.csv") -> pd.DataFrame:
    return pd.read_csv(folder / name)


def test_one_particle_at_the_defaults_reproduces_the_ordinary_compare(
    runs: dict[str, Path],
) -> None:
    ordinary = _effects(runs["ordinary"]).set_index(["scenario", "outcome"])
    pooled = _effects(runs["one"]).set_index(["scenario", "outcome"])
    assert list(pooled.index) == list(ordinary.index)
    for column in ("abs_effect", "abs_low", "abs_high", "scenario_mean", "counterfactual_mean"):
        np.testing.assert_allclose(pooled[column], ordinary[column], rtol=1e-12, equal_nan=True)
    # the ratio of means, through log and back; undefined (no base at all) stays undefined
    defined = np.isfinite(ordinary["ratio_effect"])
    np.testing.assert_allclose(
        pooled.loc[defined, "ratio_effect"],
        ordinary.loc[defined, "ratio_effect"],
        rtol=1e-9,
        atol=1e-12,
    )
    assert pooled.loc[~defined, "ratio_effect"].isna().all()
    shown = pooled.loc[pooled.index.get_level_values("scenario") != "baseline"]
    assert (shown["abs_between_share"].dropna() == 0).all()
    manifest = json.loads((runs["one"] / "manifest.json").read_text())
    assert manifest["draws_by_particle"] == {"0": 2} and manifest["runs"] == 3 * REPS


def test_every_draw_runs_on_the_ordinary_compare_seeds(runs: dict[str, Path]) -> None:
    seeds = replication_seeds(SEED, REPS)
    summary = pd.read_csv(runs["two"] / "summary.csv")
    assert sorted(summary["particle"].unique()) == [0, 1]
    for (_, particle), group in summary.groupby(["scenario", "particle"]):
        assert group.sort_values("replication")["seed"].tolist() == seeds, particle
    ordinary = pd.read_csv(runs["ordinary"] / "summary.csv")
    assert sorted(ordinary["seed"].unique()) == sorted(seeds)


def test_particle_effects_are_the_single_point_compare_on_the_same_seeds(
    runs: dict[str, Path],
) -> None:
    """Particle 0 is the defaults: its effects are the ordinary comparison's."""
    by_draw = _effects(runs["two"], "effects_by_draw.csv")
    at_defaults = by_draw[by_draw["particle"] == 0].set_index(["scenario", "outcome"])
    ordinary = _effects(runs["ordinary"]).set_index(["scenario", "outcome"])
    for column in ("abs_effect", "abs_low", "abs_high", "ratio_low", "ratio_high"):
        np.testing.assert_allclose(at_defaults[column], ordinary[column], equal_nan=True)


def test_two_draws_give_intervals_at_least_as_wide_as_the_single_point_ones(
    runs: dict[str, Path],
) -> None:
    pooled = _effects(runs["two"]).set_index(["scenario", "outcome"])
    by_draw = _effects(runs["two"], "effects_by_draw.csv")
    compared = 0
    for particle, single in by_draw.groupby("particle"):
        single = single.set_index(["scenario", "outcome"])
        for scenario in ("crackdown", "dmi"):
            for outcome in HEADLINE:
                point = single.loc[(scenario, outcome)]
                both = pooled.loc[(scenario, outcome)]
                assert both["abs_high"] - both["abs_low"] >= point["abs_high"] - point["abs_low"], (
                    particle,
                    scenario,
                    outcome,
                )
                compared += 1
    assert compared == 2 * 2 * len(HEADLINE)
    # the draws differ, so the parameters take a share of the width, and seed noise the rest
    cells = [(s, o) for s in ("crackdown", "dmi") for o in HEADLINE]
    shares = pooled.loc[cells, "abs_between_share"]
    assert shares.between(0, 1).all() and ((shares > 0) & (shares < 1)).sum() >= len(cells) // 2


def test_report_gives_the_verdict_and_the_shares(runs: dict[str, Path]) -> None:
    text = (runs["two"] / "report.md").read_text()
    table = pd.read_csv(runs["two"] / "advantage.csv", index_col="particle")
    holds = int(table.loc[table["holds"], "draws"].sum())
    assert f"holds in {holds} of 2 posterior draws" in text or (
        holds in (0, 2) and ("in all 2 posterior draws" in text or "none of the 2" in text)
    )
    assert "Does the DMI's advantage over crackdowns survive the uncertainty?" in text
    assert "parameters" in text and "Rubin" in text


def test_pool_draws_without_spread_is_the_t_interval() -> None:
    diffs = np.array([1.0, 2.5, 0.5, 1.7])
    mean, low, high = t_interval(diffs)
    se = diffs.std(ddof=1) / 2
    pooled = pool_draws([mean] * 3, [se] * 3, [1, 1, 1], df_complete=3)
    assert pooled["mean"] == mean and pooled["between_share"] == 0
    np.testing.assert_allclose([pooled["low"], pooled["high"]], [low, high], rtol=1e-12)


def test_pool_draws_follows_rubins_rules() -> None:
    """K = 3 draws (one counted twice): q = 1, 1, 4; se = 1, 1, 2 (hand-computed)."""
    pooled = pool_draws([1.0, 4.0], [1.0, 2.0], [2, 1], df_complete=9)
    within = 2.0**2  # the noisiest draw's se^2
    between = (1 + 1 / 3) * ((1 - 2) ** 2 * 2 + (4 - 2) ** 2) / 2  # (1 + 1/K) B = 4
    assert pooled["mean"] == pytest.approx(2.0)
    assert pooled["between_share"] == pytest.approx(between / (within + between))
    df = min(9, 2 * (1 + within / between) ** 2)
    assert pooled["df"] == pytest.approx(df)
    half = stats.t.ppf(0.975, df) * np.sqrt(within + between)
    assert pooled["high"] - pooled["mean"] == pytest.approx(half)


def _hand_made_runs() -> pd.DataFrame:
    """Two days in the window, two replications, three particles. The DMI's advantage holds
    at particles 0 and 2; at particle 1 it leaves more violent incidents."""
    rows = []
    levels = {  # particle -> scenario -> (active sellers, violent incidents, seller arrests)
        0: {"dmi": (2, 0.1, 0.2), "crackdown": (5, 0.2, 1.0)},
        1: {"dmi": (2, 0.3, 0.2), "crackdown": (5, 0.2, 1.0)},
        2: {"dmi": (4, 0.2, 0.4), "crackdown": (4, 0.2, 0.8)},
    }
    for particle, scenarios in levels.items():
        for scenario, (sellers, violence, arrests) in scenarios.items():
            for replication, wobble in enumerate((-0.5, 0.5)):
                for day in (9, 10, 11):  # day 9 is before the window
                    rows.append(
                        {
                            "scenario": scenario,
                            "particle": particle,
                            "replication": replication,
                            "day": day,
                            "active_sellers": sellers + wobble + (100 if day == 9 else 0),
                            "violent_incidents": violence,
                            "arrests_sellers": arrests,
                            "arrests_buyers": 0.0,
                        }
                    )
    return pd.DataFrame(rows)


def test_share_of_draws_on_a_hand_made_case() -> None:
    table = advantage_by_draw(_hand_made_runs(), 10)
    assert table["holds"].tolist() == [True, False, True]
    assert table["violence"].tolist() == [True, False, True]
    assert table.loc[2, "dmi_sellers"] == pytest.approx(4.0)  # day 9 left out
    counts = {0: 1, 1: 2, 2: 1}  # particle 1 drawn twice: 2 of 4 draws hold
    share = advantage_share(table, counts)
    assert share.loc["holds", "passed"] == 2 and share.loc["holds", "draws"] == 4
    assert share.loc["holds", "share"] == 0.5
    assert share.loc["sellers", "share"] == 1.0 and share.loc["arrests", "share"] == 1.0
    assert share.loc["holds", "low"] < 0.5 < share.loc["holds", "high"]


def test_one_distinct_particle_does_not_claim_to_survive(runs: dict[str, Path]) -> None:
    """Two draws of a one-particle posterior run one parameter set: nothing about the
    parameter uncertainty was tested, whatever the advantage does at it."""
    text = (runs["one"] / "report.md").read_text()
    verdict = text.split("survive the uncertainty?")[1].split("\n\n")[1]
    assert "survives" not in verdict and "does not survive" not in verdict
    assert "parameter uncertainty was not tested" in verdict
    assert "fell on 1 distinct particle," in verdict and "single particle" in verdict
    assert "1 distinct particles" not in text


def _all_draws_pass(draws: int) -> pd.DataFrame:
    table = advantage_by_draw(_hand_made_runs(), 10)
    table = table[table["holds"]].iloc[:1]  # one particle where the advantage holds
    return advantage_share(table, {int(table.index[0]): draws})


@pytest.mark.parametrize(
    ("distinct", "in_posterior", "expected"),
    [
        (1, 5, "draw more (`--draws"),
        (1, 1, "the posterior has a single particle"),
        (MIN_DISTINCT_PARTICLES, 5, "It survives the parameter uncertainty"),
    ],
)
def test_the_verdict_needs_distinct_particles(
    distinct: int, in_posterior: int, expected: str
) -> None:
    verdict = advantage_lines(_all_draws_pass(4), distinct, in_posterior)[0]
    assert expected in verdict
    assert ("not tested" in verdict) == (distinct < MIN_DISTINCT_PARTICLES)


def test_draws_are_seeded_and_follow_the_weights(tmp_path: Path) -> None:
    path = _write_posterior(tmp_path / "p.csv", [DEFAULTS, OTHER, DEFAULTS], [0.2, 0.0, 0.8])
    posterior = load_posterior(path)
    first = draw_particles(posterior, 400, seed=11)
    assert first == draw_particles(posterior, 400, seed=11)
    assert first != draw_particles(posterior, 400, seed=12)
    assert 1 not in first  # weight 0 is never drawn
    assert 0.7 < first.count(2) / 400 < 0.9


BAD_FILES = {
    "unknown column": ("sellers.watch_rsk,weight\n1.0,1.0\n", "unknown column 'sellers.watch_rsk'"),
    "out of range": (
        "sellers.watch_risk,weight\n1.0,0.5\n11.0,0.5\n",
        "column sellers.watch_risk, row 2: 11.0 is invalid; allowed: a number in [0, 10]",
    ),
    "not a number": (
        "sellers.watch_risk,weight\nhigh,1.0\n",
        "column sellers.watch_risk, row 1: 'high' is invalid",
    ),
    "no weight column": ("sellers.watch_risk\n1.0\n", "missing column 'weight'"),
    "missing weight": ("sellers.watch_risk,weight\n1.0,\n1.2,1.0\n", "column weight, row 1: ''"),
    "negative weight": (
        "sellers.watch_risk,weight\n1.0,-0.5\n1.2,1.5\n",
        "column weight, row 1: '-0.5' is invalid; allowed: a number >= 0",
    ),
    "weights not summing to 1": (
        "sellers.watch_risk,weight\n1.0,0.5\n1.2,0.6\n",
        "column weight sums to 1.1; allowed: weights summing to 1",
    ),
    "integer parameter": (
        "sellers.pool_size,weight\n150.5,1.0\n",
        "column sellers.pool_size, row 1: 150.5 is invalid; allowed: an integer",
    ),
    "no particles": ("sellers.watch_risk,weight\n", "0 particles"),
    "a setting of the study": (
        "run.intervention_start,weight\n100,1.0\n",
        "column 'run.intervention_start' is a setting of the study",
    ),
}


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_bad_posterior_files_are_refused_in_one_line(
    case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text, message = BAD_FILES[case]
    path = tmp_path / "posterior.csv"
    path.write_text(text)
    with pytest.raises(PosteriorError, match="posterior.csv"):
        load_posterior(path)
    out = tmp_path / "out"
    argv = ["compare", "dmi", "--posterior", str(tmp_path), "--out", str(out), "--no-progress"]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {path}: ") and err.count("\n") == 1, err
    assert message in err, err
    assert not out.exists()


BAD_OPTIONS = {
    "draws without posterior": (["--draws", "3"], "--draws 3 without --posterior"),
    "one draw": (["--posterior", "{posterior}", "--draws", "1"], "--draws 1: allowed: at least 2"),
    "no file": (["--posterior", "{missing}"], "no such file; allowed: a posterior.csv"),
    "set and posterior": (
        ["--posterior", "{posterior}", "--set", "sellers.watch_risk=2"],
        "column sellers.watch_risk is also set by --set (2); allowed: one of them",
    ),
    "precision": (
        ["--posterior", "{posterior}", "--precision", "10"],
        "--precision 10.0 with --posterior; allowed: one of them",
    ),
}


@pytest.mark.parametrize("case", list(BAD_OPTIONS))
def test_bad_options_are_refused_in_one_line(
    case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    posterior = _write_posterior(tmp_path / "p.csv", [DEFAULTS], [1.0])
    options, message = BAD_OPTIONS[case]
    options = [o.format(posterior=posterior, missing=tmp_path / "missing.csv") for o in options]
    out = tmp_path / "out"
    assert main(["compare", "dmi", *options, "--out", str(out), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1, err
    assert message in err, err
    assert not out.exists()


def test_an_interrupted_posterior_compare_resumes_without_rerunning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    posterior = _write_posterior(tmp_path / "p.csv", [DEFAULTS, OTHER], [0.5, 0.5])
    out = tmp_path / "cmp"
    argv = ["compare", "dmi", "--reps", "2", "--seed", str(SEED), "--workers", "1"]
    argv += ["--no-progress", *SMALL, "--posterior", str(posterior), "--draws", "2"]

    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr("dmi_sim.studies.compare.posterior.pooled_effects", interrupted)
    assert main([*argv, "--out", str(out)]) == 130
    assert "8/8 runs stored" in capsys.readouterr().err
    assert not out.exists() and list(tmp_path.glob(".compare-runs-*"))
    monkeypatch.undo()
    assert main([*argv, "--out", str(out)]) == 0
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["runs_already_stored"] == manifest["runs"] == 8
    assert not list(tmp_path.glob(".compare-runs-*"))  # the store goes once the folder is written


def test_the_method_does_not_claim_the_ordinary_relative_interval() -> None:
    """At one draw (no spread) the pooled absolute interval is the ordinary t-interval, but
    the pooled relative one (log scale, delta method) is not the ordinary Fieller interval:
    the report's method says so rather than claiming they agree."""
    from dmi_sim.engine.posterior import PARTICLE
    from dmi_sim.studies.compare.posterior_report import METHOD
    from dmi_sim.studies.compare.uncertainty import pooled_effects
    from dmi_sim.studies.kit.stats import paired_effects

    base, scen = np.array([10.0, 12.0, 9.0, 11.0]), np.array([8.0, 11.5, 6.0, 9.5])
    ts = pd.DataFrame(
        [
            {"scenario": name, "replication": i, "day": 0, "active_sellers": value}
            for name, values in (("baseline", base), ("policy", scen))
            for i, value in enumerate(values)
        ]
    )
    ordinary = paired_effects(ts, {"policy": 0}, ["active_sellers"])
    pooled = pooled_effects(ordinary.assign(**{PARTICLE: 0}), {0: 2}).iloc[0]  # drawn twice
    ordinary = ordinary.iloc[0]
    assert (pooled["abs_low"], pooled["abs_high"]) == pytest.approx(
        (ordinary["abs_low"], ordinary["abs_high"])
    )
    assert pooled["ratio_low"] != pytest.approx(ordinary["ratio_low"], rel=1e-3)
    assert "not the ordinary comparison's Fieller interval" in METHOD
    assert "it is the ordinary comparison's t-interval" not in METHOD
