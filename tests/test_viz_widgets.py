"""The trainer's app without a browser: controls -> parameters, the model pair, the event
words and spans, the map and plots, the fork, and the page driven through its widgets."""

from __future__ import annotations

import io
import socket
from dataclasses import asdict, fields

import ipyvuetify as v
import ipywidgets as widgets
import numpy as np
import pytest
import solara
from PIL import Image

from dmi_sim.cli import main
from dmi_sim.model import DrugMarketModel
from dmi_sim.params import PARAMETERS, load_params, scenario_names
from dmi_sim.viz import app
from dmi_sim.viz import cli as viz_cli
from dmi_sim.viz.controls import (
    AS_SCENARIO,
    SLIDER_KEYS,
    Settings,
    community_levels,
    fidelity_levels,
    model_params,
    readout,
)
from dmi_sim.viz.controls import (
    widgets as controls_widgets,
)
from dmi_sim.viz.fork import AS_IT_WAS, BRANCHES, Fork, branch
from dmi_sim.viz.phases import EVENT_WORDS, Span, spans, status
from dmi_sim.viz.plots import PANELS, ForkPlots, LivePlots, day_axis_end, round_up
from dmi_sim.viz.portrayal import CROWD, LAYERS, MARKERS, LiveMap, legend_handles, view
from dmi_sim.viz.trainer_model import TrainerModel

# --- controls -------------------------------------------------------------------------


def test_every_setting_has_a_widget_at_its_default() -> None:
    assert list(controls_widgets()) == [f.name for f in fields(Settings)]
    assert controls_widgets()["strategy"][2]["values"] == scenario_names()
    params = model_params()  # the same controls as SolaraViz inputs, for a notebook
    for name, value in asdict(Settings()).items():
        assert params[name]["value"] == value


def test_sliders_stay_inside_the_registry_ranges() -> None:
    for name, key in SLIDER_KEYS.items():
        spec = PARAMETERS[key]
        _, kind, options = controls_widgets()[name]
        default = getattr(Settings(), name)
        assert kind == "SliderInt" and default == spec.default
        assert spec.low <= options["min"] <= default <= options["max"]
        assert spec.high is None or options["max"] <= spec.high


@pytest.mark.parametrize("scenario", scenario_names())
def test_untouched_controls_run_the_scenario_as_shipped(scenario: str) -> None:
    """Slider defaults are the registry's, which no shipped scenario changes: if one ever
    does, this fails and the app would silently override it."""
    assert Settings(strategy=scenario).params().values == load_params(scenario).values


def test_sliders_and_levels_set_their_parameters() -> None:
    fidelity = [label for label in fidelity_levels() if label.startswith("low")][0]
    community = [label for label in community_levels() if label.startswith("none")][0]
    params = Settings(
        strategy="dmi",
        officers=9,
        surge_officers=30,
        crackdown_period=60,
        crackdown_length=7,
        fidelity=fidelity,
        community=community,
        policy_start=100,
    ).params()
    low = load_params("dmi_low_fidelity")
    assert params["police.officers"] == 9 and params["crackdown.officers"] == 30
    assert params["crackdown.period_days"] == 60 and params["crackdown.duration_days"] == 7
    assert params["run.intervention_start"] == 100
    assert params["dmi.credible_case_share"] == low["dmi.credible_case_share"]
    assert params["dmi.follow_through"] == low["dmi.follow_through"]
    assert params["dmi.community"] is False


def test_levels_are_labelled_with_their_numbers() -> None:
    high = load_params("dmi")
    assert fidelity_levels()[AS_SCENARIO] == {}
    strong = [label for label in community_levels() if label.startswith("strong")][0]
    assert f"{high['dmi.community_awareness']:.0%}" in strong
    assert (
        community_levels()[strong]["dmi.community_participation"]
        == high["dmi.community_participation"]
    )


def test_shorter_burn_in_keeps_a_year_of_crackdowns_before_the_dmi() -> None:
    shipped = load_params("crackdown_then_dmi")
    gap = shipped["sequence.dmi_start"] - shipped["run.intervention_start"]
    params = Settings(strategy="crackdown_then_dmi", policy_start=30).params()
    assert params["sequence.dmi_start"] - params["run.intervention_start"] == gap


def test_baseline_ghost_has_the_same_parameters_under_reactive_policing() -> None:
    settings = Settings(strategy="crackdown", officers=7, policy_start=50)
    ghost = settings.baseline_params()
    assert ghost is not None and ghost["policy.strategy"] == "baseline"
    assert ghost["police.officers"] == 7 and ghost["run.intervention_start"] == 50
    assert Settings(strategy="baseline").baseline_params() is None
    assert Settings(show_baseline=False).baseline_params() is None


def test_readout_names_what_the_strategy_uses() -> None:
    assert "sweeps of 20 officers for 14 days every 90 days" in readout(
        Settings(strategy="crackdown").params()
    )
    assert "no community component" in readout(Settings(strategy="dmi_no_community").params())
    assert "DMI" not in readout(Settings(strategy="baseline").params())


def test_readout_says_one_officer_not_one_officers() -> None:
    text = readout(Settings(strategy="hotspot", officers=1).params())
    assert text.startswith("1 beat officer;") and "1 beat officers" not in text
    assert "4 beat officers" in readout(Settings(strategy="hotspot").params())


# --- phases ---------------------------------------------------------------------------


def test_spans_group_consecutive_days_per_event() -> None:
    log = [[], ["sweep"], ["sweep"], [], ["investigation"], ["call_in"], ["maintenance"]]
    assert spans(log) == [
        Span("sweep", 1, 2),
        Span("investigation", 4, 4),
        Span("call_in", 5, 5),
        Span("maintenance", 6, 6),
    ]


def test_status_words() -> None:
    assert status([], 10).startswith("Burn-in") and "day 10" in status([], 10)
    assert status([[]] * 10, 10).startswith("Burn-in")  # day 9 was the last before the start
    assert status([[], ["sweep"]], 1) == EVENT_WORDS["sweep"]
    assert status([["sweep"], []], 0).startswith("Between sweeps")
    assert status([["maintenance"], []], 0).startswith("After the DMI")
    assert status([[], []], 0) == "Reactive policing only"


# --- the model pair -------------------------------------------------------------------


def test_trainer_model_is_the_scenario_run_and_its_ghost_the_baseline() -> None:
    settings = {"strategy": "crackdown", "policy_start": 20, "seed": 3}
    model = TrainerModel(**settings)
    plain = DrugMarketModel(Settings(**settings).params(), rng=3)
    baseline = DrugMarketModel(Settings(**settings).baseline_params(), rng=3)
    for _ in range(40):
        model.step()
        plain.step()
        baseline.step()
    run, ghost = model.series()
    assert run.equals(plain.observer.frame())
    assert ghost.equals(baseline.observer.frame())
    assert model.event_log[20] == ["sweep"] and len(model.event_log) == 40
    assert "with no policy" in model.today()


def test_scene_shows_only_the_officers_on_duty() -> None:
    model = TrainerModel(strategy="crackdown", policy_start=2)
    beat = model.params["police.officers"]
    for _ in range(2):
        model.step()
    assert len(model.scene()["officers"]["x"]) == beat
    model.step()  # day 2: a sweep
    assert len(model.scene()["officers"]["x"]) == beat + model.params["crackdown.officers"]


# --- map and plots --------------------------------------------------------------------


def _pixels(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)))


def test_legend_names_every_kind_of_person_and_the_zones() -> None:
    labels = {handle.get_label() for handle in legend_handles()}
    for words in (
        "seller, low risk",
        "seller, high risk",
        "buyer visiting",
        "household outdoors",
        "police officer on duty",
        "market area",
    ):
        assert words in labels
    assert len({(m.marker, m.face) for m in MARKERS.values()}) == len(MARKERS)
    assert [name for name, layer in LAYERS.items() if layer] == ["disorder", "dealing", "presence"]


def test_map_changes_with_the_day_and_the_heat_layer() -> None:
    model = TrainerModel(policy_start=5)
    live = LiveMap(model.scene())
    first = _pixels(live.png(model.scene()))
    for _ in range(5):
        model.step()
    later = {layer: _pixels(live.png(model.scene(), layer)) for layer in LAYERS}
    assert first.shape == later["none"].shape
    assert not np.array_equal(first, later["none"])
    assert all(
        not np.array_equal(later["none"], later[layer]) for layer in LAYERS if layer != "none"
    )


def test_the_crowd_turns_translucent_over_a_heat_map_and_sellers_do_not() -> None:
    model = TrainerModel(policy_start=5)
    live = LiveMap(model.scene())
    live.png(model.scene(), "dealing")
    assert all(live.people[name].get_alpha() < 0.5 for name in CROWD)
    assert all(live.people[name].get_alpha() is None for name in ("low", "high", "officers"))
    live.png(model.scene(), "none")
    assert all(live.people[name].get_alpha() is None for name in CROWD)


def test_map_shows_the_market_its_ring_and_a_margin() -> None:
    snap = TrainerModel().scene()
    rows, cols = view(snap)
    zone = snap["market_mask"] | snap["catchment_mask"]
    assert zone[rows, cols].sum() == zone.sum()  # all of the zone is on the map
    assert rows.stop - rows.start < zone.shape[0]  # and not the whole grid


def test_households_are_tiles_under_the_buyers() -> None:
    assert MARKERS["indoors"].zorder < MARKERS["buyers"].zorder
    assert MARKERS["outdoors"].zorder < MARKERS["buyers"].zorder
    assert MARKERS["indoors"].face != MARKERS["outdoors"].face != "none"
    assert MARKERS["indoors"].size > MARKERS["buyers"].size


def test_day_axis_follows_the_run_in_round_steps() -> None:
    assert [day_axis_end(day, 1095) for day in (0, 10, 25, 26, 60, 100, 700, 1000)] == [
        30,
        30,
        30,
        60,
        90,
        120,
        900,
        1095,
    ]
    assert day_axis_end(50, 40) == 40  # never past the run's end
    assert [round_up(x) for x in (0.7, 1.0, 1.3, 2.2, 3.1, 7.0, 41.0)] == [
        1.0,
        1.0,
        2.0,
        2.5,
        5.0,
        10.0,
        50.0,
    ]


def test_plots_day_axis_grows_with_the_run() -> None:
    model = TrainerModel(strategy="crackdown", policy_start=3)
    live = LivePlots(3, model.params["run.days"], "crackdown")
    live.png(*model.series(), spans(model.event_log))
    assert live.day_range() == (0, 30)
    for _ in range(40):
        model.step()
    live.png(*model.series(), spans(model.event_log))
    assert live.day_range() == (0, 60)
    live.restart(0, model.params["run.days"], "dmi")  # Reset: the same figure, a new run
    fresh = TrainerModel(strategy="dmi", policy_start=0)
    live.png(*fresh.series(), spans(fresh.event_log))
    assert live.day_range() == (0, 30)
    assert "DMI investigation" in [t.get_text() for t in live.legend.get_texts()]


def test_plots_show_the_series_ghost_and_marks() -> None:
    model = TrainerModel(strategy="crackdown", policy_start=3)
    live = LivePlots(3, model.params["run.days"])  # no strategy: marks join as they come
    empty = _pixels(live.png(*model.series(), spans(model.event_log)))
    for _ in range(8):
        model.step()
    run, ghost = model.series()
    drawn = _pixels(live.png(run, ghost, spans(model.event_log)))
    assert not np.array_equal(empty, drawn)
    panel, line, run_line, ghost_line = live.lines[0]
    assert panel is PANELS[0] and line.column == "active_sellers"
    assert list(run_line.get_ydata()) == run["active_sellers"].tolist()
    assert list(ghost_line.get_ydata()) == ghost["active_sellers"].tolist()
    assert len(live.marks) == len(PANELS)  # one sweep span per panel
    assert "crackdown sweep" in [t.get_text() for t in live.legend.get_texts()]


# --- the fork -------------------------------------------------------------------------


def test_a_branch_copies_the_state_and_its_random_draws() -> None:
    """A branch that keeps the run's own policy goes on exactly as the run does."""
    model = TrainerModel(strategy="crackdown", policy_start=10, seed=4)
    for _ in range(30):
        model.step()
    twin = branch(model, "crackdown")
    twin.policy = model.policy.__class__(twin, model.params)  # the run's own calendar
    for _ in range(25):
        model.step()
        twin.step()
    assert twin.observer.frame().equals(model.observer.frame())
    assert model.ghost is not None and twin.ghost is None


def test_fork_runs_sweeps_and_the_dmi_from_the_same_day() -> None:
    model = TrainerModel(strategy="baseline", seed=2)
    for _ in range(40):
        model.step()
    before = model.observer.frame()
    fork = Fork(model)
    assert fork.day == 40 and fork.run is model
    for _ in range(20):
        fork.step()
    sweep, dmi = fork.branches["crackdown"], fork.branches["dmi"]
    assert sweep.day == dmi.day == model.day == 60
    for twin in (sweep, dmi):  # one history up to the fork
        assert twin.observer.frame().iloc[:40].equals(before)
        assert twin.event_log[:40] == model.event_log[:40]
    assert sweep.event_log[40] == ["sweep"] and dmi.event_log[40] == ["investigation"]
    assert not sweep.observer.frame().equals(dmi.observer.frame())
    assert sweep.settings.policy_start == dmi.settings.policy_start == 40
    surge = sum(o.unit == "surge" for o in sweep.police.officers)
    assert surge == sweep.params["crackdown.officers"]
    frames = fork.frames()
    assert list(frames) == [AS_IT_WAS, *(title for title, _ in BRANCHES.values())]
    assert frames["Sweep now"]["day"].iloc[0] == 39  # branches drawn from the fork on
    plots = ForkPlots(fork.colours(), fork.day, model.params["run.days"], thin=AS_IT_WAS)
    assert _pixels(plots.png(frames)).shape[2] == 4
    assert plots.day_range() == (0, 90)


# --- the page, through its widgets ----------------------------------------------------


@pytest.fixture
def viz_page() -> tuple[solara.Reactive[TrainerModel], object]:
    """The app's widgets, on a model we hold."""
    model = solara.reactive(TrainerModel())
    _, rc = solara.render(app.TrainerApp(model), handle_error=False)
    return model, rc


def _text(rc, cls: str) -> str:
    return rc.find(v.Html, class_=cls).widget.children[0]


def _image(rc, cls: str) -> widgets.Image:
    return rc.find(widgets.Image, _dom_classes=("solara-image", cls)).widget


def test_step_advances_the_day_and_redraws(viz_page) -> None:
    model, rc = viz_page
    assert _text(rc, "dmi-day") == "Day 0"
    images = {cls: _image(rc, cls) for cls in ("dmi-map", "dmi-plots")}
    before = {cls: bytes(image.value) for cls, image in images.items()}
    rc.find(v.Btn, children=["Step"]).widget.click()
    assert model.value.day == 1 and _text(rc, "dmi-day") == "Day 1"
    assert _text(rc, "dmi-phase").startswith("Burn-in")
    rc.find(v.Btn, children=["Step"]).widget.click()  # a line needs two days
    for cls, image in images.items():
        assert bytes(image.value) != before[cls], cls


def _slider(rc, name: str) -> v.Slider:
    return rc.find(v.Slider, class_=f"dmi-slider-{name}").widget


def _value(rc, name: str) -> str:
    return rc.find(v.Html, class_="dmi-value").widgets[_names(rc).index(name)].children[0]


def _names(rc) -> list[str]:
    return [w.class_.removeprefix("dmi-slider-") for w in rc.find(v.Slider).widgets]


def test_every_slider_shows_its_value(viz_page) -> None:
    _, rc = viz_page
    assert _value(rc, "officers") == str(Settings().officers)
    _slider(rc, "officers").v_model = 9
    assert _value(rc, "officers") == "9"
    _slider(rc, "seed").v_model = 42
    assert _value(rc, "seed") == "42"
    assert "days_per_step" in _names(rc) and "policy_start" in _names(rc)


def test_reset_runs_the_new_strategy(viz_page) -> None:
    model, rc = viz_page
    rc.find(v.Btn, children=["Step"]).widget.click()
    rc.find(v.Select, label="Strategy (scenario)").widget.v_model = "crackdown"
    _slider(rc, "policy_start").v_model = 0
    assert _text(rc, "dmi-pending").startswith("Changed: press Reset")
    rc.find(v.Btn, children=["Reset"]).widget.click()
    assert model.value.settings.strategy == "crackdown"
    assert model.value.params["policy.strategy"] == "crackdown"
    assert model.value.params["run.intervention_start"] == 0
    assert _text(rc, "dmi-day") == "Day 0"
    rc.find(v.Html, class_="dmi-pending").assert_empty()
    rc.find(v.Btn, children=["Step"]).widget.click()
    assert _text(rc, "dmi-phase") == EVENT_WORDS["sweep"]


def test_days_per_step_and_the_days_shown(viz_page) -> None:
    model, rc = viz_page
    assert _text(rc, "dmi-days").startswith("Days 0-30 shown")
    _slider(rc, "days_per_step").v_model = 50
    rc.find(v.Btn, children=["Step"]).widget.click()
    assert model.value.day == 50 and _text(rc, "dmi-day") == "Day 50"
    assert _text(rc, "dmi-days").startswith("Days 0-60 shown")


def test_fork_and_back(viz_page) -> None:
    model, rc = viz_page
    _slider(rc, "days_per_step").v_model = 5
    rc.find(v.Btn, children=["Step"]).widget.click()
    rc.find(v.Btn, children=["Fork here"]).widget.click()
    titles = [w.children[0] for w in rc.find(v.Html, class_="dmi-branch").widgets]
    assert titles == [title for title, _ in BRANCHES.values()]
    rc.find(v.Btn, children=["Step"]).widget.click()
    days = [w.children[0] for w in rc.find(v.Html, class_="dmi-day").widgets]
    phases = [w.children[0] for w in rc.find(v.Html, class_="dmi-phase").widgets]
    assert days == ["Day 10", "Day 10"]
    assert phases[0] == EVENT_WORDS["sweep"] and phases[1] == EVENT_WORDS["investigation"]
    _image(rc, "dmi-fork-plots")
    rc.find(v.Btn, children=["Back to the single run"]).widget.click()
    assert _text(rc, "dmi-day") == "Day 10" and model.value.day == 10  # the run went on too


def test_layer_toggle_redraws_the_map(viz_page) -> None:
    _, rc = viz_page
    image = _image(rc, "dmi-map")
    before = bytes(image.value)
    rc.find(v.BtnToggle).widget.v_model = list(LAYERS).index("disorder")
    assert bytes(image.value) != before


def test_page_gives_each_session_its_own_model() -> None:
    _, rc = solara.render(app.Page(), handle_error=False)
    rc.find(v.Html, class_="dmi-day").assert_single()


# --- the command ----------------------------------------------------------------------


def test_viz_server_runs_offline_in_production_mode() -> None:
    command = viz_cli.server_command(8123, lifeline=5)
    assert command[command.index("--port") + 1] == "8123"
    assert command[command.index("dmi_sim.viz.serve") + 1] == "5"
    assert {"--no-open", "--production", "--no-check-version"} <= set(command)
    assert viz_cli.OFFLINE_ENV["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] == "false"


def test_viz_refuses_a_port_in_use(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as busy:
        busy.bind((viz_cli.HOST, 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert main(["viz", "--port", str(port)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        f"error: port {port} is in use; choose another with --port N, or leave "
        "--port out to get a free one"
    ]


def test_viz_without_port_takes_the_default_or_a_free_one(monkeypatch: pytest.MonkeyPatch) -> None:
    assert viz_cli.choose_port(9100) == (9100, None)
    monkeypatch.setattr(viz_cli, "_port_free", lambda port: True)
    assert viz_cli.choose_port(None) == (viz_cli.DEFAULT_PORT, None)
    monkeypatch.setattr(viz_cli, "_port_free", lambda port: port != viz_cli.DEFAULT_PORT)
    port, note = viz_cli.choose_port(None)
    assert port != viz_cli.DEFAULT_PORT
    assert note == f"port {viz_cli.DEFAULT_PORT} is in use; serving on port {port} instead"


def test_viz_without_the_viz_extra_says_how_to_get_it(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(viz_cli.importlib.util, "find_spec", lambda name: None)
    assert main(["viz"]) == 2
    assert "pip install -e '.[viz]'" in capsys.readouterr().err
