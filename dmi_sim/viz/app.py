"""The Solara page: the trainer's controls, the map and the plots, and the fork.

A page of its own rather than Mesa's SolaraViz, so that every control shows its value, a
room sees nothing it has no use for (SolaraViz's tabs and threading switch), Reset builds
the model from the values the page holds (never from a second copy that can lag behind),
and a paused run can be forked (``fork``). Each browser session gets a model of its own
(``Page``). Run it with ``python run.py viz``, which sets up Solara to work offline, or
with ``solara run dmi_sim.viz.app``.

Threads: Step, Reset and Fork run in the thread that handles the click; Play runs a
thread of its own (``solara.use_thread``, stopped cooperatively, never mid-day). One lock
per page is held while a model changes or is read for a picture, never while the page
redraws, so a click never sees a half-stepped day and nothing waits on itself.
"""

from __future__ import annotations

import threading
import time
from dataclasses import asdict, replace
from typing import Any

import reacton.ipyvuetify as rv
import reacton.ipywidgets as rw
import solara

from dmi_sim.viz.controls import Settings, readout, widgets
from dmi_sim.viz.fork import AS_IT_WAS, BRANCHES, Fork
from dmi_sim.viz.phases import spans
from dmi_sim.viz.plots import ForkPlots, LivePlots
from dmi_sim.viz.portrayal import LAYERS, LiveMap, legend_png
from dmi_sim.viz.trainer_model import TrainerModel

TITLE = "dmi_sim: an open-air drug market, day by day"
#: Status colours by today's first policy event (light tints of the plots' marks).
TINTS = {
    "sweep": "#F6D5C2",
    "hotspot": "#FBE8C4",
    "investigation": "#D5EAF7",
    "call_in": "#A9D2F0",
    "maintenance": "#E4F1FA",
}
QUIET_TINT = "#EEEEEE"
#: Room left for each picture under the app bar and (for the map) the status line and the
#: heat-map toggle.
MAP_HEIGHT, PLOTS_HEIGHT = "calc(100vh - 360px)", "calc(100vh - 150px)"
FORK_MAP_HEIGHT = "calc(100vh - 330px)"
#: Play: days per step and the pause between steps (the sidebar's first two sliders).
DAYS_PER_STEP = {"label": "Days per Step", "min": 1, "max": 60, "step": 1, "value": 1}
PAUSE_MS = {"label": "Pause between steps (ms)", "min": 0, "max": 1000, "step": 50, "value": 100}
VALUE_STYLE = {
    "font-size": "1.25em",
    "font-weight": "bold",
    "min-width": "3em",
    "text-align": "right",
}


def picture(png: bytes, name: str, max_height: str) -> None:
    """A PNG as wide as its panel but no taller than ``max_height``, so map and plots fit
    on one projected screen."""
    rw.Image(
        value=png,
        format="png",
        _dom_classes=["solara-image", name],
        layout={
            "width": "100%",
            "max_height": max_height,
            "object_fit": "contain",
            "object_position": "center top",
        },
    )


@solara.component
def ValueSlider(
    name: str, label: str, value: int, on_value: Any, min: int, max: int, step: int
) -> None:
    """A slider with its label and its value in large figures above it (a trainer says
    "now with 40 officers"); the value follows the slider while it moves."""
    with solara.Column(
        gap="0px", classes=["dmi-control", f"dmi-control-{name}"], style={"margin-bottom": "6px"}
    ):
        with solara.Row(justify="space-between", style={"align-items": "baseline"}):
            solara.Text(label, style={"font-size": "0.95em"})
            solara.Text(str(value), classes=["dmi-value"], style=VALUE_STYLE)
        rv.Slider(
            v_model=value,
            on_v_model=lambda v: on_value(int(v)),
            min=min,
            max=max,
            step=step,
            hide_details=True,
            dense=True,
            class_=f"dmi-slider-{name}",
        )


@solara.component
def SettingsCard(settings: solara.Reactive[Settings], running: Settings) -> None:
    """The scenario and its knobs; they take effect on Reset."""

    def setter(name: str):
        return lambda value: settings.set(replace(settings.value, **{name: value}))

    with solara.Card("Settings (apply with Reset)"):
        with solara.Column(gap="0px"):  # always there, so the controls below keep their
            if settings.value != running:  # places (and widgets, and keyboard focus)
                solara.Text(
                    "Changed: press Reset to run with these settings",
                    classes=["dmi-pending"],
                    style={"color": "#B34700", "font-weight": "bold"},
                )
        for name, (label, kind, options) in widgets().items():
            value = getattr(settings.value, name)
            if kind == "SliderInt":
                ValueSlider(name, label, value, setter(name), **options)
            elif kind == "Select":
                solara.Select(label, value=value, values=options["values"], on_value=setter(name))
            else:
                solara.Checkbox(label=label, value=value, on_value=setter(name))


def status_line(model: TrainerModel, title: str | None = None) -> None:
    """The day and what the policy is doing, in words, tinted like the plots' marks.

    A plain function, not a component: it is called from a component that redraws with
    every step.
    """
    today = model.event_log[-1] if model.event_log else []
    tint = TINTS.get(today[0], QUIET_TINT) if today else QUIET_TINT
    with solara.Div(
        style={"background": tint, "padding": "8px 12px", "border-radius": "4px"},
        classes=["dmi-status"],
    ):
        if title:
            solara.Text(
                title,
                classes=["dmi-branch"],
                style={"font-size": "1.5em", "font-weight": "bold", "margin-right": "12px"},
            )
        solara.Text(
            f"Day {model.day}",
            classes=["dmi-day"],
            style={"font-size": "1.5em", "font-weight": "bold", "margin-right": "12px"},
        )
        solara.Text(model.status(), classes=["dmi-phase"], style={"font-size": "1.15em"})
        solara.Div(
            children=[model.today()],
            classes=["dmi-today"],
            style={"font-size": "1.0em", "margin-top": "2px"},
        )
        if not title:
            solara.Div(
                children=[
                    f"{model.settings.strategy}: {readout(model.params)}; "
                    f"seed {model.settings.seed}"
                ],
                classes=["dmi-strategy"],
                style={"font-size": "0.85em", "color": "#444"},
            )


def layer_toggle(layer: solara.Reactive[str]) -> None:
    """Buttons choosing the heat map under the people (or none)."""
    with solara.ToggleButtonsSingle(value=layer.value, on_value=layer.set, dense=True):
        for name, heat in LAYERS.items():
            solara.Button(heat.label if heat else "People only", value=name, text=True)


class Pictures:
    """The page's figures, made once and reused for every run (after Reset a new run
    only resets their axes: building and drawing a figure from nothing is what made the
    first Step after a Reset slow)."""

    def __init__(self) -> None:
        self.maps: dict[str, LiveMap] = {}
        self.plots: LivePlots | None = None
        self.plots_for: TrainerModel | None = None
        self.fork_plots: ForkPlots | None = None
        self.fork_for: Fork | None = None

    def map(self, key: str, snap: dict[str, Any], layer: str, legend: bool = True) -> bytes:
        live = self.maps.get(key)
        if live is None or live.shape != snap["market_mask"].shape:
            live = self.maps[key] = LiveMap(snap, legend=legend)
        return live.png(snap, layer)

    def run_plots(self, model: TrainerModel) -> tuple[bytes, tuple[int, int]]:
        start, days = model.params["run.intervention_start"], model.params["run.days"]
        strategy = model.params["policy.strategy"]
        if self.plots is None:
            self.plots = LivePlots(start, days, strategy)
        elif self.plots_for is not model:
            self.plots.restart(start, days, strategy)
        self.plots_for = model
        run, ghost = model.series()
        return self.plots.png(run, ghost, spans(model.event_log)), self.plots.day_range()

    def fork(self, fork: Fork) -> tuple[bytes, tuple[int, int]]:
        if self.fork_for is not fork:
            self.fork_plots = ForkPlots(
                fork.colours(), fork.day, fork.run.params["run.days"], thin=AS_IT_WAS
            )
            self.fork_for = fork
        return self.fork_plots.png(fork.frames()), self.fork_plots.day_range()


def days_caption(day_range: tuple[int, int], days: int) -> None:
    """Which days the plots show: their axis grows with the run."""
    solara.Text(
        f"Days {day_range[0]}-{day_range[1]} shown; the run ends on day {days}",
        classes=["dmi-days"],
        style={"font-size": "0.9em", "color": "#444"},
    )


@solara.component
def RunView(
    model: TrainerModel,
    tick: int,
    layer: solara.Reactive[str],
    lock: threading.Lock,
    pictures: Pictures,
) -> None:
    """Status, heat-map toggle and map on the left; the plots on the right."""

    def draw() -> tuple[bytes, tuple[bytes, tuple[int, int]]]:
        with lock:
            return pictures.map("run", model.scene(), layer.value), pictures.run_plots(model)

    # Drawn again only for a new day, run or heat map, not when a control moves.
    map_png, (plots_png, shown) = solara.use_memo(draw, [model, tick, layer.value])
    with solara.Columns([1, 1]):
        with solara.Column(gap="6px"):
            status_line(model)
            layer_toggle(layer)
            picture(map_png, "dmi-map", MAP_HEIGHT)
        with solara.Column(gap="0px"):
            picture(plots_png, "dmi-plots", PLOTS_HEIGHT)
            days_caption(shown, model.params["run.days"])


@solara.component
def ForkView(
    fork: Fork, tick: int, layer: solara.Reactive[str], lock: threading.Lock, pictures: Pictures
) -> None:
    """The two branches' maps side by side, and their plots with the run as it was."""

    def draw() -> tuple[dict[str, bytes], tuple[bytes, tuple[int, int]]]:
        with lock:
            return (
                {
                    strategy: pictures.map(strategy, model.scene(), layer.value, legend=False)
                    for strategy, model in fork.branches.items()
                },
                pictures.fork(fork),
            )

    maps, (plots_png, shown) = solara.use_memo(draw, [fork, tick, layer.value])
    with solara.Column(gap="6px"):
        with solara.Row(style={"align-items": "center"}):
            solara.Text(
                f"Forked on day {fork.day}: the same neighbourhood, the same random "
                "draws; from that day, sweeps or the DMI",
                classes=["dmi-fork-title"],
                style={"font-size": "1.2em", "font-weight": "bold"},
            )
            layer_toggle(layer)
        with solara.Columns([2, 1.1]):
            with solara.Column(gap="6px"):
                with solara.Columns([1, 1]):
                    for strategy, model in fork.branches.items():
                        with solara.Column(gap="6px", classes=["dmi-fork-branch"]):
                            status_line(model, title=BRANCHES[strategy][0])
                            picture(maps[strategy], f"dmi-fork-map-{strategy}", FORK_MAP_HEIGHT)
                picture(legend_png(), "dmi-fork-legend", "160px")
            with solara.Column(gap="0px"):
                picture(plots_png, "dmi-fork-plots", FORK_MAP_HEIGHT)
                days_caption(shown, fork.run.params["run.days"])


def step_days(target: TrainerModel | Fork, days: int, lock: threading.Lock) -> None:
    """Step ``target`` ``days`` days, or to the end of its run, holding ``lock``."""
    with lock:
        for _ in range(days):
            if not target.running:
                break
            target.step()


@solara.component
def Trainer(model: solara.Reactive[TrainerModel]) -> None:
    """The whole page around ``model`` (Reset replaces its value)."""
    settings = solara.use_reactive(model.value.settings)
    days_per_step = solara.use_reactive(DAYS_PER_STEP["value"])
    pause_ms = solara.use_reactive(PAUSE_MS["value"])
    playing = solara.use_reactive(False)
    fork = solara.use_reactive(None)
    tick = solara.use_reactive(0)
    layer = solara.use_reactive("none")
    lock = solara.use_memo(threading.Lock, [])
    pictures = solara.use_memo(Pictures, [])

    def current() -> TrainerModel | Fork:
        return fork.value or model.value

    def advance(target: TrainerModel | Fork) -> None:
        step_days(target, days_per_step.value, lock)
        tick.set(tick.value + 1)

    # Set once the page has rendered the latest tick: Play makes the next day only then,
    # so a slow render (a loaded machine) slows the play instead of having every render
    # pass see a new day, which Solara stops as a render loop ("Too many renders").
    rendered = solara.use_memo(threading.Event, [])
    solara.use_effect(rendered.set, [tick.value])

    def play(cancel: threading.Event) -> None:
        if not playing.value:
            return
        target = current()
        while not cancel.is_set() and target.running:
            time.sleep(pause_ms.value / 1000)
            if cancel.is_set():
                break
            rendered.clear()
            advance(target)
            while not (rendered.wait(0.05) or cancel.is_set()):
                pass
        if not cancel.is_set():
            playing.set(False)  # the run ended

    solara.use_thread(play, dependencies=[playing.value], intrusive_cancel=False)

    def do_reset() -> None:
        playing.set(False)
        fork.set(None)
        model.set(TrainerModel(**asdict(settings.value)))  # a new object: no lock needed

    def do_fork() -> None:
        playing.set(False)
        with lock:
            forked = Fork(model.value)
        fork.set(forked)

    def do_unfork() -> None:
        playing.set(False)
        fork.set(None)

    solara.Title(TITLE)
    solara.AppBarTitle(TITLE)
    with solara.Sidebar():
        RunCard(
            playing, days_per_step, pause_ms, tick, current, do_reset, lambda: advance(current())
        )
        ForkCard(model, fork, playing, tick, do_fork, do_unfork)
        SettingsCard(settings, model.value.settings)
    MainView(model, fork, tick, layer, lock, pictures)


# The parts below read the reactive values that change while a trainer works (the day, a
# control's value) themselves, so that a change redraws only them: the sidebar as a whole
# is never redrawn by a Step or a slider, and a slider keeps its keyboard focus.


@solara.component
def RunCard(
    playing: solara.Reactive[bool],
    days_per_step: solara.Reactive[int],
    pause_ms: solara.Reactive[int],
    tick: solara.Reactive[int],
    current: Any,
    on_reset: Any,
    on_step: Any,
) -> None:
    """Reset, Play / Pause, Step, and how many days a step is."""
    tick.value  # noqa: B018  (the buttons follow the run: disabled at its end)
    running = current().running
    with solara.Card("Run", classes=["dmi-run-card"]):
        with solara.Row(justify="space-between"):
            solara.Button("Reset", color="primary", on_click=on_reset)
            solara.Button(
                "❚❚ Pause" if playing.value else "▶ Play",
                color="primary",
                on_click=lambda: playing.set(not playing.value),
                disabled=not running,
            )
            solara.Button(
                "Step", color="primary", on_click=on_step, disabled=playing.value or not running
            )
        solara.Div(style={"height": "14px"})
        ValueSlider(
            "days_per_step",
            DAYS_PER_STEP["label"],
            days_per_step.value,
            days_per_step.set,
            **_range(DAYS_PER_STEP),
        )
        ValueSlider("pause_ms", PAUSE_MS["label"], pause_ms.value, pause_ms.set, **_range(PAUSE_MS))


@solara.component
def ForkCard(
    model: solara.Reactive[TrainerModel],
    fork: solara.Reactive[Fork | None],
    playing: solara.Reactive[bool],
    tick: solara.Reactive[int],
    on_fork: Any,
    on_unfork: Any,
) -> None:
    """Fork here / Back to the single run."""
    tick.value  # noqa: B018  (the day in the text follows the run)
    with solara.Card("Fork: sweep now or DMI now?"):
        if fork.value is None:
            solara.Div(
                children=[
                    f"From day {model.value.day}, run a crackdown (first sweep today) and "
                    "the DMI (investigation starts today) side by side, from the same "
                    "state."
                ],
                style={"font-size": "0.9em", "margin-bottom": "8px"},
            )
            solara.Button(
                "Fork here",
                color="primary",
                on_click=on_fork,
                disabled=playing.value,
                classes=["dmi-fork-button"],
            )
        else:
            solara.Button(
                "Back to the single run",
                color="primary",
                on_click=on_unfork,
                classes=["dmi-unfork-button"],
            )


@solara.component
def MainView(
    model: solara.Reactive[TrainerModel],
    fork: solara.Reactive[Fork | None],
    tick: solara.Reactive[int],
    layer: solara.Reactive[str],
    lock: threading.Lock,
    pictures: Pictures,
) -> None:
    """The run's map and plots, or the fork's."""
    if fork.value is None:
        RunView(model.value, tick.value, layer, lock, pictures)
    else:
        ForkView(fork.value, tick.value, layer, lock, pictures)


def _range(spec: dict[str, Any]) -> dict[str, int]:
    return {key: spec[key] for key in ("min", "max", "step")}


@solara.component
def TrainerApp(model: solara.Reactive[TrainerModel]) -> None:
    """The app around a model the caller holds, in an app layout of its own (the server
    provides one for ``Page``): for a notebook, the widget tests and the benchmark."""
    with solara.AppLayout():
        Trainer(model)


@solara.component
def Page() -> None:
    """One model per browser session: a model made at import would be shared by every tab."""
    model = solara.use_reactive(solara.use_memo(TrainerModel, []))
    Trainer(model)
