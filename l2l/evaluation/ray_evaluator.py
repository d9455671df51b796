"""Evaluate on Ray: a private local instance started here, or an existing cluster.

Jobs (genome, seed) are cut into chunks so that tiny evaluations are not dominated by Ray's
per-task overhead (about a millisecond): at most num_cpus * chunks_per_cpu chunks, and fewer
when the previous batch's measured evaluation time says a chunk would take less than
min_chunk_s. The task spec goes into the object store once per run. At most one chunk per CPU
is in flight, so a chunk starts running when it is submitted and its deadline is meaningful;
chunks are collected as they finish and results put back in submission order. Seeds travel
with the jobs, so results do not depend on which worker ran what or how jobs were cut.

Faults (none of them stops the run; every job ends with exactly one result):
- an evaluation that raises or returns NaN: caught inside `evaluate`, recorded, ranked worst;
- a worker process that dies: Ray reruns the chunk, up to max_retries times; if it keeps
  dying, the chunk is split and its jobs rerun one by one, so one poisonous genome cannot
  take innocent ones with it; a single job that still fails is recorded as an error;
- a chunk that overruns timeout_s per evaluation: its worker is killed (a signal cannot
  interrupt numba code, killing the process can) and its jobs rerun one by one; a single job
  that overruns is recorded as a timeout.
Tasks rather than actors: Ray keeps worker processes alive between tasks, so imports and
numba compilation are paid once per worker either way, and tasks are retried on worker death
(actors are not, by default).
"""

from __future__ import annotations

import logging
import math
import os
import time
from dataclasses import dataclass

import numpy as np

from l2l.evaluation.evaluate import EvalResult, evaluate_batch

log = logging.getLogger("l2l")


@dataclass(frozen=True)
class RayParams:
    address: str | None = None  # None: start a private local instance; "auto" or host:port
    num_cpus: int | None = None  # local instance only; None: all cores
    chunks_per_cpu: int = 4  # jobs are cut into at most num_cpus * chunks_per_cpu chunks
    min_chunk_s: float = 0.05  # ...and into fewer when evaluations are quick (measured)
    max_retries: int = 3  # reruns of a chunk whose worker process died
    timeout_s: float | None = None  # per evaluation, worker start-up included; None: no limit

    def __post_init__(self) -> None:
        def bad(key, what):
            raise ValueError(f"evaluator.{key} must be {what}, got {getattr(self, key)!r}")

        if self.num_cpus is not None and not (isinstance(self.num_cpus, int) and self.num_cpus >= 1):
            bad("num_cpus", "an integer >= 1 or null")
        if not (isinstance(self.chunks_per_cpu, int) and self.chunks_per_cpu >= 1):
            bad("chunks_per_cpu", "an integer >= 1")
        if not (isinstance(self.min_chunk_s, int | float) and self.min_chunk_s >= 0):
            bad("min_chunk_s", "a number >= 0")
        if not (isinstance(self.max_retries, int) and self.max_retries >= 0):
            bad("max_retries", "an integer >= 0")
        if self.timeout_s is not None and not (
            isinstance(self.timeout_s, int | float) and self.timeout_s > 0
        ):
            bad("timeout_s", "a number > 0 or null")
        if self.address is not None and self.num_cpus is not None:
            raise ValueError(
                "evaluator.num_cpus applies to a local instance; leave it null with evaluator.address"
            )


def chunk_bounds(n_jobs: int, n_chunks: int) -> list[tuple[int, int]]:
    """Split range(n_jobs) into at most n_chunks contiguous, nearly equal pieces."""
    n_chunks = max(1, min(n_chunks, n_jobs))
    size = math.ceil(n_jobs / n_chunks)
    return [(a, min(a + size, n_jobs)) for a in range(0, n_jobs, size)]


def _evaluate_chunk(task, genes: np.ndarray, seeds: np.ndarray):
    return evaluate_batch(genes, task, seeds)


def _failed(reason: str) -> EvalResult:
    return EvalResult(math.nan, {}, 0.0, reason)


class RayEvaluator:
    name = "ray"

    def __init__(self, params: RayParams | None = None) -> None:
        self.params = params or RayParams()
        self._started_here = False
        self._remote = None
        self._task_ref = None
        self._task = None
        self._cpus = 1
        self._eval_s: float | None = None  # mean wall time of one evaluation, last batch

    def __enter__(self) -> RayEvaluator:
        import ray

        from l2l.evaluation.ray_sandbox import connect_ray, start_local_ray

        if not ray.is_initialized():
            if self.params.address:
                connect_ray(self.params.address)
            else:
                start_local_ray(self.params.num_cpus or os.cpu_count() or 1)
                self._started_here = True
        self._remote = ray.remote(_evaluate_chunk).options(max_retries=self.params.max_retries)
        self._cpus = max(1, int(ray.cluster_resources().get("CPU", 1)))
        return self

    def __exit__(self, *exc) -> None:
        import ray

        self._task_ref = self._task = None
        if self._started_here:
            ray.shutdown()
            self._started_here = False

    def _n_chunks(self, n_jobs: int) -> int:
        most = self._cpus * self.params.chunks_per_cpu
        if self._eval_s is None:
            return most
        return max(1, min(most, math.ceil(n_jobs * self._eval_s / max(self.params.min_chunk_s, 1e-9))))

    def map(self, task, genes: np.ndarray, seeds: np.ndarray) -> list[EvalResult]:
        import ray
        from ray.exceptions import RayError

        if self._remote is None:
            raise RuntimeError("use the Ray evaluator inside a `with` block")
        if self._task is not task:  # the task goes into the object store once per run
            self._task_ref, self._task = ray.put(task), task
        genes = np.asarray(genes, dtype=np.float64)
        seeds = np.asarray(seeds, dtype=np.int64)
        n = len(genes)
        queue = [list(range(a, b)) for a, b in chunk_bounds(n, self._n_chunks(n))]
        out: list[EvalResult | None] = [None] * n
        running: dict = {}  # ref -> (job indices, deadline)
        timeout = self.params.timeout_s

        def retry_or_fail(jobs: list[int], reason: str) -> None:
            if len(jobs) > 1:  # find the culprit: rerun one by one
                queue.extend([j] for j in jobs)
                log.warning("%s in a chunk of %d evaluations; rerunning them one by one", reason, len(jobs))
            else:
                out[jobs[0]] = _failed(reason)
                log.warning("%s; evaluation recorded as failed and ranked worst", reason)

        while queue or running:
            while queue and len(running) < self._cpus:
                jobs = queue.pop(0)
                ref = self._remote.remote(self._task_ref, genes[jobs], seeds[jobs])
                deadline = math.inf if timeout is None else time.monotonic() + timeout * len(jobs)
                running[ref] = (jobs, deadline)
            wait_s = None
            if timeout is not None:
                wait_s = max(0.0, min(d for _, d in running.values()) - time.monotonic())
            done, _ = ray.wait(list(running), num_returns=1, timeout=wait_s)
            for ref in done:
                jobs, _ = running.pop(ref)
                try:
                    results = ray.get(ref)
                except RayError as exc:  # the worker died more often than max_retries
                    retry_or_fail(jobs, f"worker failed: {type(exc).__name__}")
                    continue
                for j, r in zip(jobs, results, strict=True):
                    out[j] = r
            now = time.monotonic()
            for ref, (jobs, deadline) in list(running.items()):
                if now >= deadline:
                    ray.cancel(ref, force=True)  # kills the worker process
                    del running[ref]
                    retry_or_fail(jobs, f"timeout after {timeout} s")
        missing = [i for i, r in enumerate(out) if r is None]
        assert not missing, f"evaluations without a result: {missing}"  # every job ends once
        self._eval_s = sum(r.wall_s for r in out) / max(1, n)  # type: ignore[union-attr]
        return out  # type: ignore[return-value]
