"""A batch's cases on a Dask distributed cluster (`--executor dask`): beyond one machine.

Dask is an optional extra (`pip install 'diffx-explorer[dask]'`), imported
here only, and only when this executor starts. The scheduler is the one
named (`scheduler=`), else `DASK_SCHEDULER_ADDRESS`, else a `LocalCluster`
made for the run and closed after it. Each case is one task, which runs the
case in a forked child of the Dask worker (`workers.bounded_call`) with the
case budget: a given-up case, and the symbolic work inside it, is killed on
the cluster, not left running in a worker's thread. Results come back as
they finish, with the same interface as `workers.Pool`.
"""
from __future__ import annotations

import os
import uuid
from typing import Any, Callable, Iterable, Iterator

from .errors import InputError
from .workers import Failure, bounded_call

INSTALL = "pip install 'diffx-explorer[dask]' (dask[distributed])"


class DaskExecutor:
    """Cases as tasks on a Dask cluster. `workers` sizes the LocalCluster made when no scheduler is given."""

    def __init__(self, scheduler: str | None = None, workers: int | None = None, connect_seconds: float = 10.0):
        try:
            import distributed  # noqa: F401
        except ImportError:
            raise InputError(f"the dask executor needs Dask installed: {INSTALL}") from None
        self.address = scheduler or os.environ.get("DASK_SCHEDULER_ADDRESS") or None
        self.workers = workers
        self.connect_seconds = connect_seconds
        self._client = self._cluster = None

    def start(self, n: int | None = None) -> "DaskExecutor":
        """Connect (or start the LocalCluster) now; a scheduler that cannot be reached is bad input."""
        if self._client is not None:
            return self
        from distributed import Client, LocalCluster
        if self.address is not None:              # a bad address is refused before a Client exists (a half-made
            from distributed.comm import parse_address                 # one waits 20 s to close when collected)
            from distributed.comm.registry import get_backend
            try:
                get_backend(parse_address(self.address)[0])
            except (ValueError, TypeError) as exc:
                raise InputError(f"the scheduler address {self.address!r} is not one Dask takes: {exc}") from None
        try:
            if self.address is None:
                self._cluster = LocalCluster(n_workers=self.workers or max(1, os.cpu_count() or 1),
                                             threads_per_worker=1, processes=True, dashboard_address=None)
            self._client = Client(self._cluster or self.address, timeout=self.connect_seconds,
                                  set_as_default=False)
        except Exception as exc:  # noqa: BLE001 - a bad address (ValueError), unreachable (OSError), timeout, …
            self._client = None                  # never made: closing it would wait for a connection
            self.close()
            where = "a LocalCluster" if self.address is None else f"the Dask scheduler at {self.address!r}"
            raise InputError(f"cannot start or reach {where}: {type(exc).__name__}: {exc}") from None
        return self

    def run(self, fn: Callable[..., Any], calls: Iterable[tuple[Any, tuple, float | None]]
            ) -> Iterator[tuple[Any, Any, Failure | None]]:
        """(key, fn(*args), None) for each (key, args, seconds) as its task finishes, or (key, None, why)."""
        from distributed import as_completed
        self.start()
        run = uuid.uuid4().hex[:8]
        futures = {self._client.submit(bounded_call, fn, args, seconds, key=f"diffx-case-{run}-{n}", pure=False): key
                   for n, (key, args, seconds) in enumerate(calls)}
        try:
            for future in as_completed(futures, loop=self._client.loop):
                key = futures[future]
                try:
                    value, failure = future.result()
                except Exception as exc:  # noqa: BLE001 - a task the cluster lost or could not run
                    value, failure = None, Failure("died", f"its Dask task failed: {type(exc).__name__}: {exc}")
                yield key, value, failure
        except BaseException:
            self._client.cancel(list(futures), force=True)
            self.close()
            raise

    def close(self) -> None:
        """Disconnect, and stop the LocalCluster if this executor made it."""
        client, cluster, self._client, self._cluster = self._client, self._cluster, None, None
        if client is not None:
            client.close()
        if cluster is not None:
            cluster.close()

    def __enter__(self) -> "DaskExecutor":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()
