"""Local and Dask runs give bit-identical results; progress is reported as documented."""

from __future__ import annotations

import numpy as np
import pytest

from footprint.batch import batch_footprints
from footprint.montecarlo import compare, monte_carlo
from footprint.parallel import map_tasks

from .test_montecarlo import PRODUCT, line, make_bom


def _square(shared: int, task: int) -> int:
    return shared * task * task


@pytest.fixture(scope="module")
def dask_client():
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None, silence_logs=40
    )
    client = distributed.Client(cluster, set_as_default=False)  # as the CLI: no default client to lean on
    try:
        yield client
    finally:
        client.close()
        cluster.close()


def test_local_map_reports_progress_in_task_order():
    calls = []
    assert map_tasks(_square, 2, [1, 2, 3], weights=[10, 10, 5], progress=lambda d, t: calls.append((d, t))) == [2, 8, 18]
    assert calls == [(10, 25), (20, 25), (25, 25)]


def test_monte_carlo_on_dask_equals_local_bit_for_bit(mini_engine, dask_client):
    local = monte_carlo(mini_engine, PRODUCT, iterations=1300, seed=21)  # 3 blocks, last one short
    calls = []
    remote = monte_carlo(mini_engine, PRODUCT, iterations=1300, seed=21, scheduler=dask_client, progress=lambda d, t: calls.append((d, t)))
    assert np.array_equal(local.line_samples, remote.line_samples)
    assert local.to_json().encode() == remote.to_json().encode()
    assert sorted(d for d, _ in calls) == [d for d, _ in calls] and calls[-1] == (1300, 1300)


def test_scheduler_address_works_too(mini_engine, dask_client):
    a = make_bom(line("L1", "PART", 2, "kg"))
    b = make_bom(line("L1", "PART", 1.5, "kg"), line("T", "AIR", 1, "tkm", "inbound_transport"))
    local = compare(mini_engine, a, b, iterations=600, seed=8)
    remote = compare(mini_engine, a, b, iterations=600, seed=8, scheduler=dask_client.scheduler.address)
    assert local.to_json() == remote.to_json()
    assert np.array_equal(local.differences, remote.differences)


def test_batch_on_dask_equals_local(mini_engine, dask_client, monkeypatch):
    import footprint.batch as batch

    monkeypatch.setattr(batch, "CHUNK_SIZE", 3)  # several chunks for 8 BOMs
    boms = [make_bom(line("L1", "PART", 1 + i, "kg"), line("T", "TRUCK", i, "tkm", "inbound_transport"), grid=("GRID-B" if i % 2 else None)) for i in range(8)]
    local = batch_footprints(mini_engine, boms)
    remote = batch_footprints(mini_engine, boms, scheduler=dask_client)
    assert np.array_equal(local.totals, remote.totals)
    assert np.array_equal(local.by_gas, remote.by_gas)
    assert np.array_equal(local.line_kgco2e, remote.line_kgco2e)
    assert local.line_paths == remote.line_paths
