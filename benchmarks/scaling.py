"""Evaluations per second against Ray workers, parallel efficiency, and the outer loop's overhead.

    python benchmarks/scaling.py            # about 2 minutes on 2 cores

Workload: CMA-ES, population 64, 100 genes; each evaluation busy-spins for a fixed cost
(1 ms "cheap", 100 ms "expensive"), so it holds a core like a real inner task. For each cost
and worker count a private local Ray instance (num_cpus = workers) is started BEFORE the
study, so its start-up is not counted. Reported per configuration:
  evals/s          evaluations / time inside evaluator.map
  efficiency       evals/s(n workers) / (n * evals/s(1 worker))
  overhead/gen     (study wall time - time inside evaluator.map) / generations: ask, tell,
                   decoding, seeds, tables and checkpoint -- the outer loop's own cost
  overhead share   overhead/gen / generation time
Not a test: timings depend on the machine and its load (printed first).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

from l2l.config import StudySpec
from l2l.evaluation import RayEvaluator, RayParams, SerialEvaluator
from l2l.results import load_run
from l2l.run import run_study
from l2l.strategies import CMAES, CMAParams
from l2l.tasks import BusyTask


def study(task: BusyTask, evaluator, generations: int, run_dir: Path) -> dict:
    spec = StudySpec(
        seed=1,
        generations=generations,
        max_evaluations=None,
        repetitions=1,
        target=None,
        quiet=True,
        strategy=CMAES(CMAParams(popsize=64)),
        task=task,
        evaluator=evaluator,
        config={"bench": task.cost_ms},
    )
    t0 = time.perf_counter()
    run_study(spec, run_dir)
    total = time.perf_counter() - t0
    gens = load_run(run_dir, "generations")
    eval_s = float(gens["eval_s"].sum())
    per_gen = total / generations
    return {
        "evals_per_s": 64 * generations / eval_s,
        "overhead_s": (total - eval_s) / generations,
        "gen_s": per_gen,
        "eval_s": gens["eval_s"].to_numpy(),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    args = ap.parse_args()
    import ray

    from l2l.evaluation.ray_sandbox import start_local_ray

    print(f"load average before: {os.getloadavg()}; cores: {os.cpu_count()}; python {sys.version.split()[0]}")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for cost_ms, generations in ((1.0, 30), (100.0, 3)):
            task = BusyTask(cost_ms=cost_ms, dim=100)
            r = study(task, SerialEvaluator(), generations, Path(tmp) / f"serial-{cost_ms}")
            rows.append(("serial", cost_ms, 1, r))
            for w in args.workers:
                start_local_ray(w)
                try:
                    ev = RayEvaluator(RayParams())
                    r = study(task, ev, generations, Path(tmp) / f"ray{w}-{cost_ms}")
                finally:
                    ray.shutdown()
                rows.append(("ray", cost_ms, w, r))
    base = {(c): r["evals_per_s"] for kind, c, w, r in rows if kind == "ray" and w == 1}
    print(
        f"\n{'evaluator':9} {'eval ms':>7} {'workers':>7} {'evals/s':>9} {'efficiency':>10} "
        f"{'overhead/gen ms':>15} {'overhead share':>14}"
    )
    for kind, cost, w, r in rows:
        eff = r["evals_per_s"] / (w * base[cost]) if kind == "ray" else float("nan")
        print(
            f"{kind:9} {cost:7.0f} {w:7d} {r['evals_per_s']:9.1f} {eff:10.1%} "
            f"{1e3 * r['overhead_s']:15.1f} {r['overhead_s'] / r['gen_s']:14.2%}"
        )
    setup_reuse(args.workers[-1])
    print(f"load average after: {os.getloadavg()}")


def setup_reuse(workers: int) -> None:
    """A 500 ms per-process set-up: paid in the first generation only, if Ray reuses workers."""
    import ray

    from l2l.evaluation.ray_sandbox import start_local_ray

    task = BusyTask(cost_ms=10.0, setup_ms=500.0, dim=100)
    start_local_ray(workers)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            r = study(task, RayEvaluator(RayParams()), 5, Path(tmp) / "setup")
            paid = load_run(Path(tmp) / "setup")["metric.setup_paid"].sum()
    finally:
        ray.shutdown()
    per_gen = ", ".join(f"{1e3 * s:.0f}" for s in r["eval_s"])
    print(
        f"\nper-worker set-up of 500 ms with {workers} Ray workers, 64 x 10 ms evaluations per generation:"
        f"\n  time in the evaluator per generation (ms): {per_gen}"
        f"\n  set-ups paid in {5 * 64} evaluations: {int(paid)} (one per worker process that ran any)"
    )


if __name__ == "__main__":
    main()
