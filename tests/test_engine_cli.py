"""``run.py sweep``: a whole sweep from the command line, its errors, and its figures."""

from __future__ import annotations

import socket
import sys
import threading
import time
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest

from dmi_sim.cli import main
from dmi_sim.engine import load_results, to_ema
from dmi_sim.studies.sweep.figures import pareto_front

SMALL_EXPERIMENT = """
scenario = "baseline"
replications = 2
seed = 3
days = 60
outcomes = ["post_active_sellers", "closure_days", "officer_hours_total", "cost_total"]

[overrides]
"space.width" = 20
"space.height" = 20
"run.intervention_start" = 30

[factors.scenario]
levels = ["baseline", "hotspot"]

[factors."police.officers"]
levels = [2, 6]

[figures]
{figures}
"""
FRONTIER = (
    'kind = "frontier"\neffort = "officer_hours_total"\ncost = "cost_total"\ngroup = "scenario"'
)
RESPONSE = 'kind = "response"\nx = "police.officers"\ngroup = "scenario"'


def sweep(*args: str) -> int:
    return main(["sweep", *args, "--no-progress"])


def test_tiny_sweep_runs_then_resumes(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "tiny"
    assert sweep("tiny", "--out", str(out), "--workers", "1") == 0
    assert "4/4 runs stored" in capsys.readouterr().out
    assert sweep("tiny", "--out", str(out), "--workers", "2") == 0
    assert "(4 were already stored)" in capsys.readouterr().out
    summary, series = load_results(out)
    assert sorted(summary["police.officers"]) == [2, 2, 6, 6]
    assert len(series) == 4 * 120
    experiments, outcomes = to_ema(out)
    assert set(outcomes) == {"cost_total", "incarceration_person_days"}
    assert len(experiments) == 4


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["missing_experiment"], "unknown experiment 'missing_experiment'"),
        (["tiny", "--workers", "0"], "--workers = 0 is invalid"),
    ],
)
def test_bad_input_exits_2_with_one_line_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture, args: list[str], expected: str
) -> None:
    out = tmp_path / "out"
    assert sweep(*args, "--out", str(out)) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and expected in err and err.count("\n") == 1
    assert not out.exists()


def test_dask_missing_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)  # as if the extra were not installed
    out = tmp_path / "out"
    assert sweep("tiny", "--dask", "local", "--out", str(out)) == 2
    assert "pip install 'dmi_sim[dask]'" in capsys.readouterr().err
    assert not out.exists()


def test_bad_file_names_file_key_and_allowed_values(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(SMALL_EXPERIMENT.format(figures=FRONTIER).replace("[2, 6]", "[2, -6]"))
    assert sweep(str(path), "--out", str(tmp_path / "out")) == 2
    err = capsys.readouterr().err
    assert f"{path}: factors.police.officers.levels = -6 is invalid; allowed: an integer" in err


@pytest.mark.parametrize(
    ("figures", "names"),
    [
        (FRONTIER, ["frontier_post_active_sellers.png", "frontier_closure_days.png"]),
        (RESPONSE, ["response_police.officers.png"]),
    ],
)
def test_sweep_draws_the_experiments_figures(
    tmp_path: Path, capsys: pytest.CaptureFixture, figures: str, names: list[str]
) -> None:
    path = tmp_path / "small.toml"
    path.write_text(SMALL_EXPERIMENT.format(figures=figures))
    out = tmp_path / "out"
    assert sweep(str(path), "--out", str(out), "--workers", "1") == 0
    drawn = sorted(p.name for p in (out / "figures").glob("*.png"))
    assert drawn == sorted(names)
    printed = capsys.readouterr().out
    assert all(f"wrote {out / 'figures' / n}" in printed for n in names)


def test_pareto_front_keeps_points_no_cheaper_point_beats() -> None:
    cost = np.array([1.0, 2.0, 3.0, 4.0, 2.0])
    harm = np.array([5.0, 3.0, 4.0, 1.0, 6.0])
    assert pareto_front(cost, harm, higher_is_better=False).tolist() == [0, 1, 3]
    assert pareto_front(cost, -harm, higher_is_better=True).tolist() == [0, 1, 3]


def test_an_unknown_outcome_exits_2_before_any_run(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    path = tmp_path / "typo.toml"
    path.write_text(
        SMALL_EXPERIMENT.format(figures=FRONTIER).replace('"closure_days"', '"closure_dayz"')
    )
    out = tmp_path / "out"
    assert sweep(str(path), "--out", str(out)) == 2
    err = capsys.readouterr().err
    assert (
        err.startswith(
            f"error: {path}: outcomes: unknown outcome 'closure_dayz' (did you "
            "mean 'closure_days'?)"
        )
        and err.count("\n") == 1
    )
    assert not out.exists()


@pytest.fixture(scope="module")
def not_a_scheduler() -> Iterator[dict[str, str]]:
    """Addresses where no Dask scheduler answers: an HTTP server, a port that accepts and
    never speaks, a closed port, and an address without a port."""
    http = ThreadingHTTPServer(("127.0.0.1", 0), SimpleHTTPRequestHandler)
    threading.Thread(target=http.serve_forever, daemon=True).start()
    with socket.socket() as silent, socket.socket() as closed:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        closed.bind(("127.0.0.1", 0))  # bound, never listening: connections are refused
        yield {
            "http": f"tcp://127.0.0.1:{http.server_address[1]}",
            "silent": f"tcp://127.0.0.1:{silent.getsockname()[1]}",
            "refused": f"tcp://127.0.0.1:{closed.getsockname()[1]}",
            "no port": "localhost",
        }
    http.shutdown()


@pytest.mark.parametrize("kind", ["http", "silent", "refused", "no port"])
def test_a_bad_dask_address_is_one_line_within_10_s(
    tmp_path: Path, capsys: pytest.CaptureFixture, not_a_scheduler: dict[str, str], kind: str
) -> None:
    pytest.importorskip("distributed")
    address = not_a_scheduler[kind]
    out = tmp_path / "out"
    started = time.monotonic()
    assert sweep("tiny", "--dask", address, "--out", str(out)) == 2
    assert time.monotonic() - started < 10.0
    err = capsys.readouterr().err.splitlines()
    assert err[-1].startswith(f"error: cannot reach a Dask scheduler at '{address}'")
    assert err[-1].endswith(
        "allowed: 'local', or the address of a running scheduler, tcp://HOST:PORT"
    )
    assert len(err) == 2  # the sweep's size, then the error
    assert not out.exists()
