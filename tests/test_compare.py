"""``run.py compare``: the result folder, paired seeds, paired effects, and bad input.

One small comparison (20x20 grid, 150 days, intervention on day 60, 2 replications, 2
scenarios plus the baseline, in-process) is run once and inspected by several tests.
"""

from __future__ import annotations

import json
import math
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from cli_support import small_run_options
from PIL import Image
from scipy import stats

from dmi_sim.cli import main
from dmi_sim.engine.seeds import replication_seeds
from dmi_sim.studies.kit.markdown import num
from dmi_sim.studies.kit.stats import paired_effects, t_interval, why_absolute_only

ROOT = Path(__file__).resolve().parents[1]
DAYS, START, REPS = 150, 60, 2
SMALL = small_run_options(START, DAYS)
SCENARIOS = ["crackdown", "dmi"]
FIGURES = [
    "timeseries_market.png",
    "timeseries_community.png",
    "effects.png",
    "cumulative_enforcement.png",
    "map_dealing.png",
    "map_disorder.png",
    "map_residents_outdoors.png",
    "crackdown_animation.gif",
]


def _leftovers(parent: Path) -> list[Path]:
    return list(parent.glob(".*partial*"))


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("compare") / "cmp"
    argv = [
        "compare",
        *SCENARIOS,
        "--reps",
        str(REPS),
        "--seed",
        "7",
        "--workers",
        "1",
        "--no-progress",
        "--out",
        str(out),
        *SMALL,
    ]
    assert main(argv) == 0
    return out


def test_folder_holds_every_file(folder: Path) -> None:
    for name in ["manifest.json", "timeseries.parquet", "summary.csv", "effects.csv", "report.md"]:
        assert (folder / name).stat().st_size > 0, name
    assert sorted(p.name for p in (folder / "figures").iterdir()) == sorted(FIGURES)
    for name in FIGURES:
        with Image.open(folder / "figures" / name) as image:
            assert min(image.size) > 200, name
            assert image.convert("L").getextrema()[0] < 100, f"{name} is blank"
    with Image.open(folder / "figures" / "crackdown_animation.gif") as gif:
        assert gif.n_frames == len(range(START - 30, DAYS - 1, 3))
    assert not _leftovers(folder.parent)


def test_manifest_records_command_parameters_seeds_versions(folder: Path) -> None:
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["command"].startswith("python run.py compare crackdown dmi")
    assert manifest["scenarios"] == ["baseline", *SCENARIOS]
    assert manifest["seeds"] == replication_seeds(7, REPS)
    for name in manifest["scenarios"]:
        params = manifest["parameters"][name]
        assert params["space.width"] == 20
        assert params["run.intervention_start"] == START
    assert {"python", "mesa", "numpy", "pandas"} <= set(manifest["versions"])
    assert "git" in manifest
    assert manifest["started_at"] <= manifest["finished_at"]


def test_timeseries_and_summary_are_long_and_complete(folder: Path) -> None:
    ts = pd.read_parquet(folder / "timeseries.parquet")
    assert list(ts.columns[:5]) == ["scenario", "replication", "seed", "run_id", "day"]
    assert {"active_sellers", "violent_incidents", "arrests_sellers"} <= set(ts.columns)
    assert len(ts) == 3 * REPS * DAYS
    assert ts.groupby(["scenario", "replication"])["day"].nunique().eq(DAYS).all()
    summary = pd.read_csv(folder / "summary.csv")
    assert len(summary) == 3 * REPS
    assert {"run_id", "seed", "scenario", "replication"} <= set(summary.columns)


def test_seeds_are_paired(folder: Path) -> None:
    summary = pd.read_csv(folder / "summary.csv")
    seeds = summary.pivot(index="replication", columns="scenario", values="seed")
    assert seeds.nunique(axis=1).eq(1).all(), "replication i must share one seed"
    assert seeds.iloc[:, 0].tolist() == replication_seeds(7, REPS)
    # Same seed, same world: before the intervention every scenario is its baseline.
    ts = pd.read_parquet(folder / "timeseries.parquet")
    before = ts[ts["day"] < START].set_index(["replication", "day"])
    base = before[before["scenario"] == "baseline"]["active_sellers"]
    for name in SCENARIOS:
        pd.testing.assert_series_equal(
            before[before["scenario"] == name]["active_sellers"], base, check_names=False
        )


def test_effects_cover_every_scenario_and_baseline_is_exactly_zero(folder: Path) -> None:
    effects = pd.read_csv(folder / "effects.csv")
    assert set(effects["scenario"]) == {"baseline", *SCENARIOS}
    assert effects.groupby("scenario")["outcome"].nunique().eq(effects["outcome"].nunique()).all()
    assert (effects["window_start"] == START).all() and (effects["window_end"] == DAYS).all()
    assert (effects["n_pairs"] == REPS).all()
    own = effects[effects["scenario"] == "baseline"]
    for column in [
        "abs_effect",
        "abs_low",
        "abs_high",
        "ratio_effect",
        "ratio_low",
        "ratio_high",
        "rel_effect",
        "rel_low",
        "rel_high",
    ]:
        finite = own[column].dropna()
        assert (finite == 0.0).all(), column
    assert own["abs_effect"].notna().all()


def test_report_links_every_figure_and_names_every_scenario(folder: Path) -> None:
    report = (folder / "report.md").read_text()
    for name in FIGURES:
        assert f"(figures/{name})" in report
    for name in SCENARIOS:
        assert f"**{name}**" in report
    assert "Traceback" not in report and "nan %" not in report


def _scenario_mean(summary: pd.DataFrame, scenario: str, key: str) -> float:
    return float(summary.loc[summary["scenario"] == scenario, key].mean())


def test_near_market_sentence_matches_summary_csv(folder: Path) -> None:
    report = (folder / "report.md").read_text()
    summary = pd.read_csv(folder / "summary.csv")
    line = next(
        x for x in report.splitlines() if x.startswith("- Households near the market outdoors")
    )
    for name in ["baseline", *SCENARIOS]:
        share = _scenario_mean(summary, name, "post_residents_outdoors_market")
        assert f"{name}** {100 * share:.0f} %" in line or f"`{name}` {100 * share:.0f} %" in line
    dmi = summary[summary["scenario"] == "dmi"].set_index("replication")
    base = summary[summary["scenario"] == "baseline"].set_index("replication")
    diff = dmi["post_residents_outdoors_market"] - base["post_residents_outdoors_market"]
    assert f"({100 * diff.mean():+.1f} points" in line
    assert f"days {START}-{START + 89}" in line  # the window is named (run ends on day 149)
    for label in ("Collective efficacy", "Trust in police"):
        assert any(x.startswith(f"- {label}") for x in report.splitlines())


def test_custody_and_cost_sentences_match_summary_csv(folder: Path) -> None:
    from dmi_sim.studies.compare.headline import dollars
    from dmi_sim.studies.kit.markdown import num

    report = (folder / "report.md").read_text()
    summary = pd.read_csv(folder / "summary.csv")
    line = next(x for x in report.splitlines() if x.startswith("- Against `crackdown`"))
    for key, label in (
        ("incarceration_person_days", "custody person-days"),
        ("custody_persons_total", "distinct people sent to custody"),
        ("arrests_sellers_total", "seller arrests"),
        ("arrests_buyers_total", "buyer arrests"),
    ):
        dmi, other = (_scenario_mean(summary, s, key) for s in ("dmi", "crackdown"))
        assert f"{label} ({num(dmi)} against {num(other)})" in line, (label, line)
    window = f"days {START}-{DAYS - 1}, from the policy start to the end of the run"
    assert window in line
    costs = next(x for x in report.splitlines() if x.startswith("- Cost per run"))
    assert f"`dmi` {dollars(_scenario_mean(summary, 'dmi', 'cost_total'))} (officers" in costs
    # buyer and seller arrests apart, and they add up to the run's arrests
    assert np.allclose(
        summary["arrests_sellers_total"] + summary["arrests_buyers_total"], summary["arrests_total"]
    )


def test_every_total_names_its_window(folder: Path) -> None:
    report = (folder / "report.md").read_text()
    assert "over the whole run" not in report
    summary_rows = [
        x
        for x in report.split("## Run summaries")[1].split("## Figures")[0].splitlines()
        if x.startswith("| ") and not x.startswith(("| summary", "| ---"))
    ]
    assert summary_rows
    for row in summary_rows:
        assert (
            "from the policy start to the end of the run" in row
            or "the year after the policy starts" in row
            or re.search(
                r"days (\d+)-(\d+), the \d+ days after the policy starts \(the run ends", row
            )
        ), row
    assert (
        f"Enforcement and cost per run, mean over runs (95 % interval, see Method), days {START}-"
        in report
    )


def test_no_relative_change_on_a_base_below_the_floor() -> None:
    from dmi_sim.studies.compare.report import change_phrase, effects_table
    from dmi_sim.studies.kit.stats import MIN_BASE_EVENTS

    base = 0.5 * MIN_BASE_EVENTS / 365  # half the floor: a small base
    row = {
        "scenario": "dmi",
        "outcome": "transactions_catchment",
        "window_start": 365,
        "window_end": 730,
        "n_pairs": 20,
        "counterfactual_mean": base,
        "scenario_mean": 8 * base,
        "abs_effect": 7 * base,
        "abs_low": -base,
        "abs_high": 15 * base,
        "rel_effect": 6.66,
        "rel_low": -1.24,
        "rel_high": 33.9,
        "rel_n": 20,
        "ratio_effect": 7.0,
        "ratio_low": 0.5,
        "ratio_high": 20.0,
    }
    percent = re.compile(r"\d %")  # a number in percent ("95 % CI" names the interval)
    phrase = change_phrase("transactions_catchment", row)
    assert not percent.search(phrase.replace("95 % CI", ""))
    assert "no clear change" in phrase and "small base" in phrase
    big = {
        **row,
        "counterfactual_mean": 10.0,
        "scenario_mean": 5.0,
        "abs_effect": -5.0,
        "abs_low": -6.0,
        "abs_high": -4.0,
        "ratio_effect": -0.5,
        "ratio_low": -0.6,
        "ratio_high": -0.4,
    }
    assert change_phrase("transactions_catchment", big).startswith(
        "transactions in the catchment ring fell by 50 %"
    )
    frame = pd.DataFrame([row, {**row, "scenario": "baseline"}])
    assert not percent.search(effects_table(frame).split("\n")[-1])


def test_the_effects_table_names_every_reason_for_an_absolute_change(folder: Path) -> None:
    """A change is given as absolute on a small base, and also where the ratio or its
    interval is undefined: the table's introduction says each."""
    report = (folder / "report.md").read_text(encoding="utf-8")
    intro = report.split("## Effects against the baseline")[1].split("|")[0]
    cases = [(0.0, (1.5, 1.2, 1.8)), (5.0, (math.nan,) * 3), (5.0, (1.5, math.nan, math.nan))]
    reasons = {why_absolute_only("sellers", 365, base, ratio) for base, ratio in cases}
    assert len(reasons) == 3
    for reason in reasons:
        assert reason in " ".join(intro.split())


def test_reported_relative_changes_never_fall_below_minus_100_percent(folder: Path) -> None:
    effects = pd.read_csv(folder / "effects.csv")
    assert (effects[["ratio_effect", "ratio_low", "ratio_high"]].dropna() >= -1).all().all()
    report = (folder / "report.md").read_text()
    for value in re.findall(r"([-−]\d+) %", report):
        assert int(value.replace("−", "-")) >= -100, value


def test_headline_is_printed_and_saved(folder: Path) -> None:
    text = (folder / "headline.txt").read_text()
    assert text.startswith("Households near the market outdoors")
    assert "**" not in text


def test_report_links_the_validation_status(folder: Path) -> None:
    report = (folder / "report.md").read_text()
    assert "docs/validation/report.md" in report
    assert "docs/EVIDENCE.md" in report


def test_a_scenario_file_not_shipped_is_not_called_validated(tmp_path: Path) -> None:
    """A custom scenario that changes only its policy runs against the same baseline, and
    the report does not claim the validation of the shipped defaults for it."""
    path = tmp_path / "gentle_dmi.toml"
    path.write_text('extends = "dmi"\n[dmi]\nfollow_through = 0.5\n[services]\nslots = 20\n')
    out = tmp_path / "cmp"
    argv = ["compare", str(path), "--reps", "2", "--workers", "1", "--no-progress"]
    assert main([*argv, "--out", str(out), *SMALL]) == 0
    report = (out / "report.md").read_text()
    assert f"`gentle_dmi`: `{path}`" in report and "does not cover them" in report
    assert "are validated in" not in report
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["custom_scenarios"] == {"gentle_dmi": str(path)}


# --- the statistics on their own -----------------------------------------------------------


def _fake_runs(effect: float, reps: int = 6, days: int = 40) -> pd.DataFrame:
    rng = np.random.default_rng(1)
    frames = []
    for rep in range(reps):
        level = rng.uniform(5, 15, days)
        for name, factor in (("baseline", 1.0), ("policy", 1.0 + effect)):
            frames.append(
                pd.DataFrame(
                    {
                        "scenario": name,
                        "replication": rep,
                        "day": np.arange(days),
                        "y": level * factor,
                    }
                )
            )
    return pd.concat(frames, ignore_index=True)


def test_effects_of_identical_runs_are_exactly_zero() -> None:
    runs = _fake_runs(0.0)
    effects = paired_effects(runs, {"baseline": 10, "policy": 10}, ["y"])
    numbers = effects.filter(regex="effect|low|high").to_numpy()
    assert (numbers == 0.0).all()


def test_a_constant_relative_effect_is_recovered_with_a_zero_width_interval() -> None:
    effects = paired_effects(_fake_runs(-0.25), {"policy": 10}, ["y"]).iloc[0]
    for prefix in ("rel", "ratio"):
        for suffix in ("effect", "low", "high"):
            assert effects[f"{prefix}_{suffix}"] == pytest.approx(-0.25)
    assert effects["window_start"] == 10 and effects["window_end"] == 40


def test_t_interval_matches_scipy() -> None:
    x = np.array([1.0, 2.5, 3.0, 4.5, 2.0])
    mean, low, high = t_interval(x)
    ref = stats.t.interval(0.95, len(x) - 1, loc=x.mean(), scale=stats.sem(x))
    assert mean == pytest.approx(x.mean())
    assert (low, high) == pytest.approx(ref)
    assert all(math.isnan(v) for v in t_interval([3.0])[1:])


# --- bad input: one line, exit code 2, nothing written ------------------------------------


def _world_changing_scenario(tmp_path: Path) -> str:
    path = tmp_path / "mydmi.toml"
    path.write_text('extends = "dmi"\n[police]\nofficers = 8\n[dmi]\nfollow_through = 0.5\n')
    return str(path)


def _late_scenario(tmp_path: Path) -> str:
    """A DMI starting on another day than the baseline: every window and total of the
    comparison is from one start (``pipeline.common_start``), so it is refused."""
    path = tmp_path / "latedmi.toml"
    path.write_text('extends = "dmi"\n[run]\nintervention_start = 200\n')
    return str(path)


def _bad_toml(tmp_path: Path) -> str:
    path = tmp_path / "broken.toml"
    path.write_text("[police\nofficers = 3\n")
    return str(path)


BAD_INPUTS = {
    "unknown scenario": (lambda tmp: ["nosuch"], "unknown scenario 'nosuch'"),
    "missing file": (lambda tmp: [str(tmp / "missing.toml")], "not found"),
    "invalid TOML": (lambda tmp: [_bad_toml(tmp)], "invalid TOML"),
    "unknown key": (lambda tmp: ["dmi", "--set", "police.oficers=3"], "unknown key"),
    "out of range": (lambda tmp: ["dmi", "--set", "space.width=3"], "space.width"),
    "one replication": (lambda tmp: ["dmi", "--reps", "1"], "at least 2 replications"),
    "start after end": (
        lambda tmp: ["dmi", "--days", "50"],
        "baseline: run.intervention_start = 365 is not before the end of the run (run.days = "
        "50), so the policy never starts; allowed: run.days above 365",
    ),
    "days out of range": (
        lambda tmp: ["dmi", "--days", "10"],
        "argument --days: '10' is invalid; allowed: an integer in [30, 7300] (day)",
    ),
    "bad --set": (lambda tmp: ["dmi", "--set", "police.officers"], "expected key=value"),
    "bad --reps": (lambda tmp: ["dmi", "--reps", "many"], "allowed: an integer >= 1"),
    "huge --reps": (lambda tmp: ["dmi", "--reps", str(10**12)], "allowed: at most 10,000"),
    "baseline alone": (lambda tmp: ["baseline"], "nothing to compare: 'baseline' is always"),
    "another neighbourhood": (
        lambda tmp: [_world_changing_scenario(tmp)],
        "mydmi.toml: police.officers = 8 (baseline: 4) set outside the policy sections",
    ),
    "another start": (
        lambda tmp: [_late_scenario(tmp)],
        "latedmi.toml: run.intervention_start = 200 (baseline: 365) set outside the policy",
    ),
    "--days and run.days": (
        lambda tmp: ["dmi", "--days", "400", "--set", "run.days=500"],
        "--days 400 and --set run.days=500 both set the length",
    ),
}


def exit_code(argv: list[str]) -> int:
    """``main``'s return code, or the code argparse exits with on a malformed option."""
    try:
        return main(argv)
    except SystemExit as exit:
        return int(exit.code or 0)


@pytest.mark.parametrize("case", list(BAD_INPUTS))
def test_bad_input_gives_one_line_and_writes_nothing(
    case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    make_args, message = BAD_INPUTS[case]
    out = tmp_path / "out"
    assert exit_code(["compare", *make_args(tmp_path), "--out", str(out), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1, err
    assert message in err
    assert not out.exists() and not _leftovers(tmp_path)


def test_existing_output_folder_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "taken"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    assert main(["compare", "dmi", "--out", str(out), "--no-progress"]) == 2
    assert "already exists" in capsys.readouterr().err
    assert [p.name for p in out.iterdir()] == ["keep.txt"]


def test_a_failure_midway_leaves_no_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr("dmi_sim.studies.compare.pipeline.paired_effects", broken)
    out = tmp_path / "cmp"
    argv = [
        "compare",
        "dmi",
        "--reps",
        "2",
        "--workers",
        "1",
        "--no-progress",
        "--out",
        str(out),
        *SMALL,
    ]
    assert main(argv) == 130
    assert not out.exists() and not _leftovers(tmp_path)


def test_command_line_error_has_no_traceback(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "run.py", "compare", "nosuch", "--out", str(tmp_path / "o")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert done.stderr.startswith("error: unknown scenario") and "Traceback" not in done.stderr
    assert not (tmp_path / "o").exists()


def test_a_saving_the_runs_cannot_tell_from_noise_is_not_called_one() -> None:
    """Seller arrests clearly lower under the DMI are a saving; custody a little lower with
    an interval across zero is 'no clear saving', not 'does not save'."""
    from dmi_sim.studies.compare.headline import savings_lines

    noise = np.array([-30.0, 25.0, -20.0, 30.0])
    rows = []
    for replication in range(4):
        for scenario, sellers, custody in (
            ("crackdown", 80.0, 100.0),
            ("dmi", 12.0 + replication, 98.0 + noise[replication]),
        ):
            rows.append(
                {
                    "scenario": scenario,
                    "replication": replication,
                    "arrests_sellers_total": sellers,
                    "incarceration_person_days": custody,
                }
            )
    line = savings_lines(pd.DataFrame(rows), "days 365-1094")[0]
    saved, _, unclear = line.partition("; no clear saving in ")
    dmi_sellers = np.mean([12.0 + replication for replication in range(4)])
    assert f"seller arrests ({num(dmi_sellers)} against {num(80.0)})" in saved
    assert "custody person-days" in unclear and "custody person-days" not in saved


def test_what_the_dmi_clearly_spends_more_of_is_said_so() -> None:
    """The DMI's team adds officer-hours to the baseline's: clearly more is 'spends more',
    not 'no clear saving' (which is for an interval across zero)."""
    from dmi_sim.studies.compare.headline import savings_lines

    rows = [
        {
            "scenario": scenario,
            "replication": replication,
            "arrests_sellers_total": sellers + replication,
            "officer_hours_total": hours + 10.0 * replication,
        }
        for replication in range(4)
        for scenario, sellers, hours in (("baseline", 31.0, 23_360.0), ("dmi", 12.0, 25_500.0))
    ]
    line = savings_lines(pd.DataFrame(rows), "days 365-1094")[0]
    assert "saves seller arrests" in line
    extra = np.mean([10.0 * replication for replication in range(4)])
    dmi, baseline = num(25_500.0 + extra), num(23_360.0 + extra)
    assert f"; spends more officer-hours ({dmi} against {baseline})" in line
    assert "no clear saving" not in line


def _summary(key: str, base: list[float], scen: list[float]) -> pd.DataFrame:
    """summary.csv of a baseline and a 'policy' run on the same seeds, one ``key``."""
    return pd.DataFrame(
        [
            {"scenario": name, "replication": i, key: value}
            for name, values in (("baseline", base), ("policy", scen))
            for i, value in enumerate(values)
        ]
    )


def _pairs_series(key: str, base: list[float], scen: list[float]) -> pd.DataFrame:
    """One day of a time series: what ``paired_effects`` reads of the same runs."""
    return _summary(key, base, scen).assign(day=0)


def test_the_paired_displacement_ratio_can_reach_below_zero() -> None:
    """A signed ratio: the catchment can lose sales too, so its interval is not cut at 0
    because these runs' catchment happened to gain."""
    from dmi_sim.studies.compare.report import paired_displacement

    keys = ("post_transactions_catchment", "post_transactions_market")
    rows = [
        {"scenario": name, "replication": i, keys[0]: 10.0 + gain, keys[1]: 50.0 - loss}
        for i, (gain, loss) in enumerate([(0.0, 1.0), (0.1, 1.1), (5.0, 0.9)])
        for name, gain, loss in (("baseline", 0.0, 0.0), ("policy", gain, loss))
    ]
    ratio, low, high = paired_displacement(pd.DataFrame(rows), "policy")
    assert low < 0 < ratio < high


def test_the_readme_change_uses_the_report_rule_and_names_its_window() -> None:
    from dmi_sim.studies.compare.headline import _relative
    from dmi_sim.studies.compare.report import absolute_only
    from dmi_sim.studies.kit.stats import paired_effects

    key, unit, days = "post_violent_incidents", "incidents per day", 200
    base, scen = [0.10, 0.12, 0.11], [0.08, 0.09, 0.10]  # ~22 incidents: below the floor
    row = paired_effects(
        _pairs_series("violent_incidents", base, scen), {"policy": 0}, ["violent_incidents"]
    ).iloc[0]
    text = _relative(_summary(key, base, scen), key, "policy", unit, days)
    assert absolute_only("violent_incidents", row)
    assert "%" not in text.replace("95 % CI", "") and "a small base" in text
    assert "incidents a run" in text and "a year" not in text
    assert f"{days * np.mean(base):.1f} -> {days * np.mean(scen):.1f}" in text


def test_the_readme_change_never_prints_nan() -> None:
    """A baseline not clearly above 0 has no bounded ratio interval: the change is given as
    absolute and says so, with no 'nan'."""
    from dmi_sim.studies.compare.headline import _relative

    key = "post_active_sellers"
    text = _relative(
        _summary(key, [1.0, 40.0, 2.0], [2.0, 3.0, 45.0]), key, "policy", "sellers", 365
    )
    assert "nan" not in text.lower()
    assert "the ratio's interval is unbounded, so no percentage" in text
    one = _relative(_summary(key, [10.0], [8.0]), key, "policy", "sellers", 365)
    assert "nan" not in one.lower() and "no interval from one pair" in one
