"""Evaluate on Ray: a local instance started here, or an existing cluster.

Jobs (genome, seed) are cut into chunks so that tiny evaluations are not dominated by the
per-task overhead of Ray (about a millisecond): at most num_cpus * chunks_per_cpu chunks, and
fewer when the previous batch's measured evaluation time says a chunk would take less than
min_chunk_s. The task spec goes into the object store once; chunks are collected as they
finish and put back in submission order. Seeds come with the jobs, so results do not depend
on which worker ran what or how the jobs were cut.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from l2l.evaluation.evaluate import EvalResult, evaluate_batch


@dataclass(frozen=True)
class RayParams:
    address: str | None = None  # None: start a private local instance; "auto" or host:port
    num_cpus: int | None = None  # local instance only; None: all cores
    chunks_per_cpu: int = 4  # jobs are cut into at most num_cpus * chunks_per_cpu chunks
    min_chunk_s: float = 0.05  # ...and into fewer when evaluations are quick (measured)
    max_retries: int = 3  # a chunk whose worker process dies is rerun up to this often

    def __post_init__(self) -> None:
        if self.num_cpus is not None and not (isinstance(self.num_cpus, int) and self.num_cpus >= 1):
            raise ValueError(f"evaluator.num_cpus must be an integer >= 1 or null, got {self.num_cpus!r}")
        if not (isinstance(self.chunks_per_cpu, int) and self.chunks_per_cpu >= 1):
            raise ValueError(f"evaluator.chunks_per_cpu must be an integer >= 1, got {self.chunks_per_cpu!r}")
        if not (isinstance(self.max_retries, int) and self.max_retries >= 0):
            raise ValueError(f"evaluator.max_retries must be an integer >= 0, got {self.max_retries!r}")
        if not (isinstance(self.min_chunk_s, int | float) and self.min_chunk_s >= 0):
            raise ValueError(f"evaluator.min_chunk_s must be a number >= 0, got {self.min_chunk_s!r}")
        if self.address is not None and self.num_cpus is not None:
            raise ValueError(
                "evaluator.num_cpus applies to a local instance; leave it null with evaluator.address"
            )


def chunk_bounds(n_jobs: int, n_chunks: int) -> list[tuple[int, int]]:
    """Split range(n_jobs) into at most n_chunks contiguous, nearly equal pieces."""
    n_chunks = max(1, min(n_chunks, n_jobs))
    size = math.ceil(n_jobs / n_chunks)
    return [(a, min(a + size, n_jobs)) for a in range(0, n_jobs, size)]


def _evaluate_chunk(task, genes: np.ndarray, seeds: np.ndarray, start: int):
    return start, evaluate_batch(genes, task, seeds)


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
                import os

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

        if self._remote is None:
            raise RuntimeError("use the Ray evaluator inside a `with` block")
        if self._task is not task:  # the task goes into the object store once per run
            self._task_ref, self._task = ray.put(task), task
        genes = np.asarray(genes, dtype=np.float64)
        seeds = np.asarray(seeds, dtype=np.int64)
        pieces = chunk_bounds(len(genes), self._n_chunks(len(genes)))
        pending = [self._remote.remote(self._task_ref, genes[a:b], seeds[a:b], a) for a, b in pieces]
        out: list[EvalResult | None] = [None] * len(genes)
        while pending:
            done, pending = ray.wait(pending, num_returns=1)
            for start, results in ray.get(done):
                out[start : start + len(results)] = results
        self._eval_s = sum(r.wall_s for r in out) / max(1, len(out))  # type: ignore[union-attr]
        return out  # type: ignore[return-value]
