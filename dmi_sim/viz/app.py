"""The Solara page: Mesa's SolaraViz with the map and the plots as its two components.

SolaraViz supplies Step / Play / Reset, the speed controls and the model's inputs (see
``controls``); each browser session gets a model of its own (``Page``). Run it with
``python run.py viz``, which sets up Solara to work offline, or with
``solara run dmi_sim.viz.app``.
"""

from __future__ import annotations

import reacton.core
import reacton.ipywidgets as rw
import solara
from mesa.visualization import SolaraViz
from mesa.visualization.utils import update_counter

from dmi_sim.viz.controls import model_params, readout
from dmi_sim.viz.phases import spans
from dmi_sim.viz.plots import LivePlots
from dmi_sim.viz.portrayal import LAYERS, LiveMap
from dmi_sim.viz.trainer_model import TrainerModel

TITLE = "dmi_sim: an open-air drug market, day by day"
#: Status colours by today's first policy event (light tints of the plots' marks).
TINTS = {"sweep": "#F6D5C2", "hotspot": "#FBE8C4", "investigation": "#D5EAF7",
         "call_in": "#A9D2F0", "maintenance": "#E4F1FA"}
QUIET_TINT = "#EEEEEE"
#: Room left for each picture under the app bar, the tabs and (for the map) the status
#: line and the heat-map toggle.
MAP_HEIGHT, PLOTS_HEIGHT = "calc(100vh - 390px)", "calc(100vh - 150px)"


def picture(png: bytes, name: str, max_height: str) -> None:
    """A PNG as wide as its panel but no taller than ``max_height``, so map and plots fit
    on one projected screen."""
    rw.Image(value=png, format="png", _dom_classes=["solara-image", name],
             layout={"width": "100%", "max_height": max_height, "object_fit": "contain",
                     "object_position": "center top"})


def status_line(model: TrainerModel) -> None:
    """The day and what the policy is doing, in words, tinted like the plots' marks.

    A plain function, not a component: a component given the same model would not redraw
    when SolaraViz steps it.
    """
    today = model.event_log[-1] if model.event_log else []
    tint = TINTS.get(today[0], QUIET_TINT) if today else QUIET_TINT
    with solara.Div(style={"background": tint, "padding": "8px 12px", "border-radius": "4px"}):
        solara.Text(f"Day {model.day}", classes=["dmi-day"],
                    style={"font-size": "1.5em", "font-weight": "bold", "margin-right": "12px"})
        solara.Text(model.status(), classes=["dmi-phase"], style={"font-size": "1.15em"})
        solara.Div(children=[model.today()], classes=["dmi-today"],
                   style={"font-size": "1.0em", "margin-top": "2px"})
        solara.Div(children=[f"{model.settings.strategy}: {readout(model.params)}; "
                             f"seed {model.settings.seed}"],
                   classes=["dmi-strategy"], style={"font-size": "0.85em", "color": "#444"})


@solara.component
def MapView(model: TrainerModel) -> None:
    """Status, heat-map toggle and the map; redrawn whenever SolaraViz steps the model."""
    update_counter.get()
    layer, set_layer = solara.use_state("none")
    live = solara.use_memo(lambda: LiveMap(model.scene()), [model])
    with solara.Column(gap="6px"):
        status_line(model)
        with solara.ToggleButtonsSingle(value=layer, on_value=set_layer, dense=True):
            for name, heat in LAYERS.items():
                solara.Button(heat.label if heat else "People only", value=name, text=True)
        picture(live.png(model.scene(), layer), "dmi-map", MAP_HEIGHT)


@solara.component
def PlotsView(model: TrainerModel) -> None:
    """The four live plots; redrawn whenever SolaraViz steps the model."""
    update_counter.get()
    live = solara.use_memo(
        lambda: LivePlots(model.params["run.intervention_start"], model.params["run.days"]),
        [model])
    run, ghost = model.series()
    picture(live.png(run, ghost, spans(model.event_log)), "dmi-plots", PLOTS_HEIGHT)


def trainer_viz(model: TrainerModel | solara.Reactive[TrainerModel]) -> reacton.core.Element:
    """SolaraViz around ``model`` (a reactive model lets a test watch Reset replace it)."""
    return SolaraViz(model, components=[MapView, PlotsView], model_params=model_params(),
                     name=TITLE)


@solara.component
def TrainerApp(model: solara.Reactive[TrainerModel]) -> None:
    """The app around a model the caller holds, in an app layout of its own (SolaraViz's
    sidebar needs one; the server provides it for ``Page``): for a notebook, the widget
    tests and the benchmark."""
    with solara.AppLayout():
        trainer_viz(model)


@solara.component
def Page() -> None:
    """One model per browser session: a model made at import would be shared by every tab."""
    model = solara.use_memo(TrainerModel, [])
    trainer_viz(model)
