"""Pool workers start with one thread per numerical library; the driver keeps its own."""

from __future__ import annotations

from dmi_sim.engine.executors import WORKER_THREADS_ENV, WorkerPool, worker_threads_env


def test_pool_workers_pin_blas_threads_to_one_and_the_driver_is_left_alone() -> None:
    before = worker_threads_env()
    pool = WorkerPool(2)
    try:
        seen = [pool.submit(worker_threads_env).result() for _ in range(4)]
    finally:
        pool.shutdown()
    assert all(env == WORKER_THREADS_ENV for env in seen)
    assert worker_threads_env() == before
