"""Run the plan of a sweep: in this process, on a local Dask cluster or on a remote one.

With one worker and no scheduler the runs go one after the other in this process. Otherwise a
Dask ``Client`` is made, either for a ``LocalCluster`` started here (one single-threaded worker
process per worker asked for) or for the scheduler at ``--scheduler``; once the workers have
joined, the compiled city is scattered once to every worker (``broadcast=True``) as a
:class:`~coldstart.sweep.run.ShippedCity` (its pickle, unpickled once per worker process, so
that a worker joining later can fetch it from a peer), and runs are submitted in a window of a
few per worker thread, so that thousands of runs never sit in memory at once. Every outcome
comes back to this process, which alone stores it. A run depends only on the compiled city, its
scenario and its seed, so the results are the same whatever the number of workers.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import pickle
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime

from coldstart.compiled import CompiledCity
from coldstart.errors import Problem
from coldstart.sweep.plan import RunSpec, SweepError
from coldstart.sweep.run import ERROR_CHARS, RunOutcome, ShippedCity, run_one

WORKER_TIMEOUT_S = 120.0
"""How long to wait for the workers of a new local cluster, or the first worker of a remote
one, before the city is scattered [s]."""

WINDOW_PER_THREAD = 2
"""Runs submitted ahead per worker thread (more keeps workers busy, fewer keeps memory low)."""

OnOutcome = Callable[[RunSpec, RunOutcome], None]
"""Called in this process with each finished run, in the order runs finish."""


def local_cluster(workers: int):
    """A Dask ``LocalCluster`` on this machine only (127.0.0.1): ``workers`` single-threaded
    worker processes, no dashboard, its HTTP endpoint on a free port (close it, or use it as a
    context manager)."""
    from distributed import LocalCluster

    return LocalCluster(
        n_workers=workers,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
        scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
        silence_logs=logging.ERROR,
    )


CONNECT_TIMEOUT = "30s"
"""How long to try to reach a scheduler given with ``--scheduler``."""


def connect(scheduler: str):
    """A Dask client of the scheduler at ``scheduler`` (close it when done).

    Raises
    ------
    SweepError
        One line naming ``--scheduler`` when the address is malformed or nobody answers.
    """
    from distributed import Client

    try:
        return Client(scheduler, timeout=CONNECT_TIMEOUT)
    except (OSError, ValueError, TypeError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        msg = f"cannot use the Dask scheduler {scheduler!r}: {first}"
        raise SweepError(Problem("--scheduler", "", "", msg)) from None


def check_scheduler(scheduler: str) -> int:
    """Connect to ``scheduler`` once (before anything is written) and count its worker threads.

    Raises
    ------
    SweepError
        See :func:`connect`.
    """
    with connect(scheduler) as client:
        return sum(client.nthreads().values())


@contextlib.contextmanager
def dask_client(workers: int, scheduler: str | None) -> Iterator[object]:
    """A Dask client: of the scheduler at ``scheduler``, or of a new :func:`local_cluster`
    with ``workers`` worker processes (closed on exit)."""
    from distributed import Client

    if scheduler is not None:
        with connect(scheduler) as client:
            yield client
        return
    with local_cluster(workers) as cluster, Client(cluster) as client:
        yield client


def _lost(spec: RunSpec, exc: BaseException) -> RunOutcome:
    """The outcome of a run whose worker failed outside the simulation (e.g. it died)."""
    now = datetime.now(UTC)
    first = str(exc).splitlines()[0] if str(exc) else ""
    return RunOutcome(
        spec.run_id, "error", now, now, error=f"{type(exc).__name__}: {first}"[:ERROR_CHARS]
    )


Task = Callable[..., RunOutcome]
"""What runs one spec: ``task(city, scenario, seed, run_id) -> RunOutcome`` (a module-level
function, so that Dask can send it; :func:`~coldstart.sweep.run.run_one` by default)."""


def _run_dask(
    client,
    cc: CompiledCity,
    specs: Sequence[RunSpec],
    on_outcome: OnOutcome,
    expected: int,
    task: Task = run_one,
) -> None:
    """Wait for ``expected`` workers (at least one), scatter the city to every one, submit
    ``specs`` in a window; hand each outcome to ``on_outcome`` as it arrives."""
    from distributed import as_completed

    if expected:
        try:
            client.wait_for_workers(expected, timeout=WORKER_TIMEOUT_S)
        except TimeoutError:
            msg = f"no Dask worker joined within {WORKER_TIMEOUT_S:g} s"
            raise SweepError(Problem("--scheduler", "", "", msg)) from None
    try:
        shipped = ShippedCity(cc)
    except (TypeError, pickle.PicklingError) as exc:
        msg = f"the compiled city cannot be sent to workers (has it run?): {exc}"
        raise ValueError(msg) from None
    city = client.scatter(shipped, broadcast=True)  # once, not pickled with every task
    threads = max(sum(client.nthreads().values()), 1)
    pending = iter(specs)
    spec_of = {}

    def submit(spec: RunSpec):
        fut = client.submit(
            task, city, spec.scenario, spec.seed, spec.run_id, key=f"coldstart-run-{spec.run_id}"
        )
        spec_of[fut.key] = spec
        return fut

    first = [submit(s) for s in itertools.islice(pending, WINDOW_PER_THREAD * threads)]
    done = as_completed(first)
    for fut in done:
        spec = spec_of.pop(fut.key)
        try:
            outcome = fut.result()
        except Exception as exc:  # the worker died or the task could not run
            outcome = _lost(spec, exc)
        fut.release()
        nxt = next(pending, None)
        if nxt is not None:
            done.add(submit(nxt))
        on_outcome(spec, outcome)


def execute(
    cc: CompiledCity,
    specs: Sequence[RunSpec],
    on_outcome: OnOutcome,
    workers: int = 1,
    scheduler: str | None = None,
    task: Task = run_one,
) -> None:
    """Run every spec; call ``on_outcome(spec, outcome)`` here as each one finishes.

    Parameters
    ----------
    cc : CompiledCity
        The compiled city (not yet run on, so that it can be sent to workers).
    specs : sequence of RunSpec
        The runs to do.
    on_outcome : callable
        Called in this process, one run at a time, in the order runs finish.
    workers : int
        Worker processes of the local cluster; 1 runs in this process without a cluster.
    scheduler : str, optional
        Address of a running Dask scheduler (``tcp://host:8786``); ``workers`` is then unused.
    task : callable, optional
        What runs one spec (:data:`Task`): :func:`~coldstart.sweep.run.run_one` by default;
        on Dask it gets the scattered :class:`~coldstart.sweep.run.ShippedCity`.
    """
    if not specs:
        return
    if scheduler is None and workers == 1:
        for spec in specs:
            on_outcome(spec, task(cc, spec.scenario, spec.seed, spec.run_id))
        return
    expected = 1 if scheduler is not None else workers
    with dask_client(workers, scheduler) as client:
        _run_dask(client, cc, specs, on_outcome, expected, task)
