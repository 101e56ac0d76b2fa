"""A pyabc sampler over the engine's executors whose result does not depend on the executor.

pyabc's own parallel samplers reseed each worker from the operating system's entropy and
keep the particles that finish first, so two runs of the same calibration differ. Here
every candidate particle of a generation has a number ``k`` and its own seed,
``SeedSequence([seed, t + 1, k])`` (t = -1 is pyabc's calibration sample). The candidate
is evaluated wherever the executor puts it (in this process, a process pool, a Dask
cluster): the seed's first child seeds numpy's global generator, from which pyabc draws the
candidate's parameters; the second is the root of the candidate's replication seeds
(``run_seed``), read by the model. The generation keeps candidates ``0..K`` in number
order, where K is the one that brings the ``n``-th acceptance: the same particles, the same
count of evaluations, whatever finished first.

Candidates are kept in flight two per executor slot; those numbered past K are cancelled
or, if running, left to finish and ignored. pyabc draws from numpy's global generator, so
a Dask worker must run one thread (``run.py --dask local`` does; give a remote cluster's
workers ``--nthreads 1``).
"""

from __future__ import annotations

import random
import sys
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Executor, Future, wait
from contextvars import ContextVar
from typing import Any

import cloudpickle
import numpy as np
import pyabc
from pyabc.sampler import Sampler
from tqdm import tqdm

#: The candidate's root of replication seeds, set around its evaluation.
_RUN_SEED: ContextVar[int] = ContextVar("run_seed")


def run_seed() -> int:
    """The replication root seed of the candidate being evaluated (the model reads it)."""
    try:
        return _RUN_SEED.get()
    except LookupError:
        raise RuntimeError(
            "run_seed() is set only while a SeededSampler evaluates a candidate"
        ) from None


def candidate_seeds(seed: int, t: int, k: int) -> tuple[np.random.SeedSequence, int]:
    """Candidate ``k`` of generation ``t``: its parameter-draw seed and its run seed."""
    draw, runs = np.random.SeedSequence([seed, t + 1, k]).spawn(2)
    return draw, int(runs.generate_state(1, np.uint64)[0] >> np.uint64(1))


def evaluate_candidate(simulate_one: bytes, seed: int, t: int, k: int) -> pyabc.Particle:
    """Draw, simulate and judge candidate ``k`` of generation ``t`` (on a worker): pyabc's
    ``simulate_one`` with numpy's and Python's global generators seeded for it; both are
    restored afterwards (the in-process executor runs this in the driver)."""
    draw, runs = candidate_seeds(seed, t, k)
    saved_np, saved_py = np.random.get_state(), random.getstate()
    np.random.seed(draw.generate_state(4))
    random.seed(int(draw.generate_state(1)[0]))
    token = _RUN_SEED.set(runs)
    try:
        return cloudpickle.loads(simulate_one)()
    finally:
        _RUN_SEED.reset(token)
        np.random.set_state(saved_np)
        random.setstate(saved_py)


class SeededSampler(Sampler):
    """Evaluates numbered, seeded candidates on ``executor`` (``slots`` at a time x 2)."""

    def __init__(
        self,
        executor: Executor,
        slots: int,
        seed: int,
        progress: bool = False,
    ) -> None:
        super().__init__()
        self.executor, self.slots, self.seed = executor, max(1, slots), seed
        self.progress = progress  # a bar per generation on stderr

    def sample_until_n_accepted(
        self,
        n: int,
        simulate_one: Callable[[], pyabc.Particle],
        t: int,
        *,
        max_eval: float = np.inf,
        all_accepted: bool = False,  # noqa: ARG002 (pyabc's interface)
        ana_vars: Any = None,  # noqa: ARG002
    ) -> pyabc.Sample:
        payload = cloudpickle.dumps(simulate_one)
        done: dict[int, pyabc.Particle] = {}
        in_flight: dict[Future[pyabc.Particle], int] = {}
        submitted = accepted = 0
        cut = None  # the candidate that brings the n-th acceptance, counted in order
        what = "prior sample" if t < 0 else f"generation {t}"
        bar = tqdm(total=n, desc=what, unit="accepted", file=sys.stderr, disable=not self.progress)
        try:
            while cut is None:
                while accepted < n and submitted < max_eval and len(in_flight) < 2 * self.slots:
                    future = self.executor.submit(
                        evaluate_candidate, payload, self.seed, t, submitted
                    )
                    in_flight[future] = submitted
                    submitted += 1
                if not in_flight:
                    break  # max_eval reached without n acceptances
                finished, _ = wait(in_flight, return_when=FIRST_COMPLETED)
                for future in finished:
                    particle = future.result()
                    done[in_flight.pop(future)] = particle
                    accepted += particle.accepted
                    bar.set_postfix(evaluated=len(done), refresh=False)
                    bar.update(min(n, accepted) - bar.n)
                cut = _nth_accepted(done, n)
        finally:
            bar.close()
            for future in in_flight:
                future.cancel()
        sample = self._create_empty_sample()
        last = cut if cut is not None else len(done) - 1
        for k in range(last + 1):
            if k in done:
                sample.append(done[k])
        self.nr_evaluations_ = last + 1
        if cut is None:
            sample.ok = False
        return sample


def _nth_accepted(done: dict[int, pyabc.Particle], n: int) -> int | None:
    """The number of the candidate that brings the ``n``-th acceptance when candidates are
    counted in order from 0, once all before it are known; None until then."""
    count, k = 0, 0
    while k in done:
        count += done[k].accepted
        if count == n:
            return k
        k += 1
    return None
