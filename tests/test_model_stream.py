"""Draws made inside compiled kernels (``dmi_sim.model.stream``) are numpy's, to the bit:
the same values, in the same order, from the model's own generator, which then goes on
exactly where numpy would have; and a copied model draws from its own generator."""

from __future__ import annotations

import copy
import pickle

import numpy as np
import pytest
from model_support import make
from numpy._core._multiarray_umath import __cpu_features__

from dmi_sim.model.kernels import exp_of, log_of
from dmi_sim.model.stream import (
    exponential,
    gamma,
    integers,
    poissons,
    shuffle,
    standard_normals,
    stream_of,
    uniform,
    uniforms,
    weighted_choice,
)

MEANS = {
    "tiny (households' calls)": np.full(2000, 0.02),
    "near the squeeze's edges": np.r_[
        np.geomspace(1e-13, 1e-6, 1000), np.linspace(0.45, 0.55, 1000), 0.5, 1e-10
    ],
    "below 10 (multiplication)": np.linspace(0.0, 9.999, 2000),
    "10 and above (rejection)": np.linspace(10.0, 5000.0, 2000),
}


def test_uniforms_are_rng_random_and_the_generator_goes_on_from_them():
    ours, numpys = np.random.default_rng(11), np.random.default_rng(11)
    drawn = np.r_[uniforms(stream_of(ours), 1000), uniform(stream_of(ours))]
    np.testing.assert_array_equal(drawn, numpys.random(1001))
    np.testing.assert_array_equal(ours.random(5), numpys.random(5))


@pytest.mark.parametrize("means", MEANS.values(), ids=MEANS.keys())
def test_poissons_are_rng_poisson(means):
    ours, numpys = np.random.default_rng(5), np.random.default_rng(5)
    np.testing.assert_array_equal(poissons(stream_of(ours), means), numpys.poisson(means))
    np.testing.assert_array_equal(ours.random(5), numpys.random(5))


@pytest.mark.parametrize(
    "copy_of",
    [copy.deepcopy, lambda model: pickle.loads(pickle.dumps(model))],
    ids=["deepcopy", "pickle"],
)
def test_a_copied_model_draws_from_its_own_generator(copy_of):
    """The app forks a model (``copy.deepcopy``): the twin's kernels must not draw from the
    original's generator, or the two would run differently from two separate models."""
    original = make(scenario="dmi", seed=3)
    for _ in range(30):
        original.step()
    twin = copy_of(original)
    state = copy.deepcopy(original.rng.bit_generator.state)
    for _ in range(20):
        twin.step()
    assert original.rng.bit_generator.state == state
    for _ in range(20):
        original.step()
    np.testing.assert_array_equal(original.residents.fear, twin.residents.fear)
    assert original.observer.rows == twin.observer.rows


@pytest.mark.skipif(
    __cpu_features__.get("AVX512F", False),
    reason="numpy has its own AVX-512 exp here, which can differ in the last bit",
)
def test_the_kernels_exp_and_log_are_numpys_on_this_machine():
    """Kernels take exp and log themselves (``kernels.exp_of``, ``log_of``): on a machine
    without AVX-512 numpy calls the C library's, and so does numba, so a seed's run is
    numpy's to the bit."""
    values = np.random.default_rng(2).uniform(-700.0, 700.0, 1_000_000)
    values[:5] = (0.0, -0.0, -745.2, 709.7, 1e-300)
    np.testing.assert_array_equal(exp_of(values), np.exp(values))
    positive = np.abs(values) + np.r_[1e-300, np.zeros(values.size - 1)]
    positive[1:4] = (0.01, 1.0, 2.01)
    np.testing.assert_array_equal(log_of(positive), np.log(positive))


@pytest.mark.parametrize("n", [0, 1, 2, 7, 1000])
def test_shuffle_is_rng_permutation_and_the_generator_goes_on_from_it(n):
    """Interleaved with ``rng.integers``, which shares the 32-bit buffer the shuffle uses."""
    ours, numpys = np.random.default_rng(n), np.random.default_rng(n)
    for _ in range(3):
        rows = np.arange(n) * 3
        shuffled = rows.copy()
        shuffle(stream_of(ours), shuffled)
        np.testing.assert_array_equal(shuffled, numpys.permutation(rows))
        np.testing.assert_array_equal(ours.integers(0, 10, 3), numpys.integers(0, 10, 3))
        np.testing.assert_array_equal(ours.random(2), numpys.random(2))


@pytest.mark.parametrize(
    ("low", "high"),
    [(-2, 3), (0, 1), (0, 956), (30, 365), (0, 2**32 - 1), (0, 2**32), (5, 5 + 2**31 + 7)],
)
@pytest.mark.parametrize("n", [0, 1, 1000])
def test_integers_are_rng_integers_and_the_generator_goes_on_from_them(low, high, n):
    """Lemire's draws on 32-bit words, interleaved with ``rng.random`` (which does not use
    the 32-bit buffer) and with numpy's scalar ``rng.integers`` (which does)."""
    ours, numpys = np.random.default_rng(n + high), np.random.default_rng(n + high)
    for _ in range(3):
        np.testing.assert_array_equal(
            integers(stream_of(ours), low, high, n), numpys.integers(low, high, n)
        )
        assert integers(stream_of(ours), low, high, 1)[0] == numpys.integers(low, high)
        np.testing.assert_array_equal(ours.random(3), numpys.random(3))


def test_integers_refuse_a_range_wider_than_32_bits():
    with pytest.raises(ValueError, match="high - low"):
        integers(stream_of(np.random.default_rng(0)), 0, 2**32 + 1, 1)


@pytest.mark.parametrize("m", [1, 2, 10, 150])
@pytest.mark.parametrize("n", [0, 1, 50])
def test_weighted_choice_is_rng_choice_with_probabilities(m, n):
    weights = np.random.default_rng(m).random(m)
    weights[1::3] = 0.0
    p = weights / weights.sum()
    rows = np.arange(m) * 2
    ours, numpys = np.random.default_rng(m + n), np.random.default_rng(m + n)
    for _ in range(2):
        chosen = rows[weighted_choice(stream_of(ours), p, n)]
        np.testing.assert_array_equal(chosen, numpys.choice(rows, size=n, p=p))
        np.testing.assert_array_equal(ours.random(3), numpys.random(3))


def test_numpys_exponential_normal_and_gamma_from_a_kernel_are_its_generators():
    """Through numpy's own C functions, interleaved as the model draws them (an arrest's
    exponential, uniform and gamma; a recruit's normals)."""
    ours, numpys = np.random.default_rng(8), np.random.default_rng(8)
    for scale, shape in ((21.5, 4.0), (1.0, 5.0), (3.0, 0.5)):
        stream = stream_of(ours)
        assert exponential(stream, scale) == numpys.exponential(scale)
        assert uniform(stream) == numpys.random()
        assert gamma(stream, shape, 1.0) == numpys.gamma(shape)
        assert gamma(stream, shape, 2.0) == numpys.gamma(shape, 2.0)
        np.testing.assert_array_equal(standard_normals(stream, 500), numpys.standard_normal(500))
        np.testing.assert_array_equal(ours.random(3), numpys.random(3))


def test_a_model_whose_generator_is_replaced_draws_from_the_new_one():
    """Mesa's ``reset_rng`` (or any ``model.rng = ...``) replaces the generator: the stream
    follows it (the old one's addresses would be freed)."""
    model = make(scenario="dmi", seed=3)
    expected = copy.deepcopy(model.rng).random()
    assert uniform(model.stream) == expected  # the stream is the first generator's
    model.rng = np.random.default_rng(9)
    assert uniform(model.stream) == np.random.default_rng(9).random()
