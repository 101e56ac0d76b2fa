"""Figures of a discovery: PRIM's peeling trajectory and the CART tree.

Drawn on bare ``matplotlib.figure.Figure`` objects (no pyplot state) and written atomically
by the kit's ``save_figure``, like every study's figures.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator
from sklearn.tree import DecisionTreeClassifier, plot_tree

from dmi_sim.studies.kit.plots import OKABE_ITO, save_figure


def peeling_trajectory(
    trajectory: pd.DataFrame,
    chosen: int,
    reported: tuple[float, float],
    density: float,
    path: Path,
) -> Path:
    """Coverage against density of every box on the trajectory, coloured by how many
    factors it restricts; the chosen box ringed, the reported one (``reported``: its
    coverage and density) a diamond, the density target dashed."""
    fig = Figure(figsize=(6.5, 5.0), layout="constrained")
    ax = fig.add_subplot()
    dots = ax.scatter(
        trajectory["coverage"],
        trajectory["density"],
        c=trajectory["res_dim"],
        cmap="viridis",
        s=22,
        zorder=2,
    )
    bar = fig.colorbar(dots, ax=ax, label="factors the box restricts")
    bar.locator = MaxNLocator(integer=True)
    bar.update_ticks()
    ax.scatter(
        [trajectory.loc[chosen, "coverage"]],
        [trajectory.loc[chosen, "density"]],
        s=140,
        facecolors="none",
        edgecolors=OKABE_ITO["vermillion"],
        linewidths=1.6,
        zorder=3,
        label=f"box chosen (step {chosen})",
    )
    ax.scatter(
        [reported[0]],
        [reported[1]],
        s=60,
        marker="D",
        color=OKABE_ITO["vermillion"],
        zorder=4,
        label="box reported: the chosen one without its insignificant restrictions",
    )
    ax.axhline(density, color="0.6", lw=0.8, ls="--", label=f"density target {density:g}")
    ax.axhline(
        trajectory["density"].iloc[0],
        color="0.6",
        lw=0.8,
        ls=":",
        label="share failing in the whole space",
    )
    ax.set_xlim(0, 1.05)
    ax.set_ylim(0, 1.05)
    ax.set_xlabel("coverage: share of all failing points inside the box")
    ax.set_ylabel("density: share of the points inside the box that fail")
    ax.set_title("PRIM peeling trajectory: where the DMI's advantage fails", fontsize=10)
    ax.legend(fontsize=7, loc="lower left")
    return save_figure(fig, path)


def cart_tree(tree: DecisionTreeClassifier, names: list[str], path: Path) -> Path:
    """The CART tree: each node's question, its points and the share of them failing."""
    fig = Figure(figsize=(12, 6.5), layout="constrained")
    FigureCanvasAgg(fig)  # plot_tree sizes its boxes with the canvas' renderer
    ax = fig.add_subplot()
    plot_tree(
        tree,
        feature_names=names,
        class_names=["holds", "fails"],
        filled=True,
        impurity=False,
        proportion=False,
        rounded=True,
        fontsize=7,
        ax=ax,
    )
    ax.set_title("CART: where the DMI's advantage fails (value = points that hold, fail)")
    return save_figure(fig, path)
