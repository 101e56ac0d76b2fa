"""Unit tests of the model's violence (``dmi_sim.model``); see tests/model_support.py."""

from __future__ import annotations

import numpy as np
from model_support import make, run

from dmi_sim.model import kernels


def test_no_violence_without_its_sources():
    m = run(make({"violence.background_rate": 0.0, "violence.pair_rate": 0.0}), 30)
    assert m.observer.frame()["violent_incidents"].sum() == 0
    assert m.space.field("violence").sum() == 0


def test_competing_sellers_make_violence_where_they_stand():
    m = run(
        make(
            {
                "violence.background_rate": 0.0,
                "violence.pair_rate": 0.05,
                "sellers.initial_active": 18,
            }
        ),
        3,
    )
    before = m.space.field("violence").copy()
    n = m.violence.occur()
    assert n > 0
    new = m.space.field("violence") - before * (1 - 1 / 30.0)
    cells = new > 1e-9
    s = m.sellers
    on_cells = kernels.mask_counts(s.x, s.y, s.active, m.space.shape)
    assert np.all(on_cells[cells] > 0)  # market incidents happen where sellers stand
