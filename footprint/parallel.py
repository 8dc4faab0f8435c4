"""Run independent tasks locally or on a Dask cluster, through one code path.

Why: a Monte Carlo run is a list of fixed-size iteration blocks, a batch a list of fixed-size
chunks of BOMs. Each task's result depends only on the shared payload and the task's own
number (its random stream is seeded from the run seed and the block number), never on which
worker runs it or in what order, and results are put back in task order. So the local loop and
the cluster give bit-identical results, and the cluster only changes the wall time.

The shared payload (numpy arrays, scipy matrices, small records; never a Brightway project) is
sent to each worker once with ``Client.scatter(broadcast=True)``. ``dask.distributed`` is
imported only when a scheduler is given.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from .errors import FootprintError
from .progress import ProgressCallback, ProgressCounter

Scheduler = Any  # an address "tcp://host:port", or a distributed.Client


def map_tasks(
    function: Callable[[Any, Any], Any],
    shared: Any,
    tasks: Sequence[Any],
    *,
    scheduler: Scheduler | None = None,
    weights: Sequence[int] | None = None,
    progress: ProgressCallback | None = None,
) -> list[Any]:
    """``[function(shared, task) for task in tasks]``, locally or on Dask, in task order.

    ``function`` must be importable by name on the workers (a module-level function of this
    package). ``weights`` (default 1 per task) are what progress counts, e.g. iterations per block.
    """
    weights = list(weights) if weights is not None else [1] * len(tasks)
    counter = ProgressCounter(sum(weights), progress)
    if scheduler is None:
        results = []
        for task, weight in zip(tasks, weights):
            results.append(function(shared, task))
            counter.add(weight)
        return results
    return _map_on_dask(function, shared, list(tasks), weights, scheduler, counter)


def _map_on_dask(function, shared, tasks, weights, scheduler, counter: ProgressCounter) -> list[Any]:
    try:
        from distributed import Client, as_completed
    except ImportError as error:  # pragma: no cover - dask[distributed] is a dependency
        raise FootprintError("a scheduler was given but dask.distributed is not installed") from error
    own_client = not isinstance(scheduler, Client)
    try:
        client = Client(scheduler, timeout="10s", set_as_default=False) if own_client else scheduler
    except OSError as error:
        raise FootprintError(f"cannot reach the Dask scheduler at {scheduler!r}: {error}") from error
    try:
        payload = client.scatter(shared, broadcast=True, hash=False)
        futures = client.map(function, [payload] * len(tasks), tasks, pure=False)
        position = {future.key: i for i, future in enumerate(futures)}
        results: list[Any] = [None] * len(tasks)
        for future in as_completed(futures, loop=client.loop):
            index = position[future.key]
            results[index] = future.result()
            counter.add(weights[index])
            future.release()
        return results
    finally:
        if own_client:
            client.close()
