"""The data flow of one study, top to bottom (see ../shared/DESIGN.md, "The data flow").

    spec (typed, from the config)
    state = strategy.init(x0, rng)                     or the checkpoint's, on resume
    for each generation g:
        unit, state = strategy.ask(state)              # (popsize, dim) in the unit cube
        genes = space.from_unit(unit)                  # named, bounded gene values
        results = evaluator.map(task, genes x reps, seeds(g, i, r))
        state, stats = strategy.tell(state, unit, losses(results))
        tables.append(...); tables.flush(); checkpoint.save(...)    # atomic, every generation
    best genome, strategy centre -> evaluator.map(task, each x held_out, held-out seeds)  # fresh data, chips

Stopping is decided at the top of each generation from persisted state only, so a resumed run
stops exactly where the uninterrupted one would.
"""

from __future__ import annotations

import logging
import time
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from l2l import fitness
from l2l.config import StudySpec
from l2l.progress import Progress
from l2l.results import checkpoint
from l2l.results.tables import RunTables, evaluation_frame, held_out_frame, held_out_summary
from l2l.seeding import evaluation_seed, held_out_seed, strategy_rng

log = logging.getLogger("l2l")


@dataclass(frozen=True)
class StudyOutcome:
    run_dir: Path
    generations: int
    evaluations: int
    best: dict | None
    stop_reason: str


def _is_better(a: float, b: float | None, direction: str) -> bool:
    return b is None or (a < b if direction == "minimize" else a > b)


def _stop_reason(spec: StudySpec, g: int, n_evals: int, best: dict | None, strategy_stop: dict) -> str:
    if g >= spec.generations:
        return f"generations={spec.generations} reached"
    if spec.max_evaluations is not None and n_evals >= spec.max_evaluations:
        return f"max_evaluations={spec.max_evaluations} reached"
    if (
        spec.target is not None
        and best is not None
        and not _is_better(spec.target, best["fitness"], spec.task.direction)
    ):
        return f"target={spec.target} reached"
    if strategy_stop:
        return "strategy: " + ", ".join(f"{k}={v}" for k, v in strategy_stop.items())
    return ""


def _checkpoint(spec: StudySpec, state, g: int, n_evals: int, best: dict | None, elapsed: float) -> dict:
    return {
        "fingerprint": spec.fingerprint(),
        "state": state,
        "generation": g,
        "evaluations": n_evals,
        "best": best,
        "elapsed_s": elapsed,
    }


def _update_best(best, fit, loss, genes, space, g: int, direction: str) -> dict | None:
    """The best genome so far, updated with this generation's individuals (failed ones skipped)."""
    if not np.isfinite(fit).any():
        return best
    i = int(np.nanargmin(loss))
    if not _is_better(fit[i], None if best is None else best["fitness"], direction):
        return best
    return {"generation": g, "individual": i, "fitness": float(fit[i]), "genes": space.decode(genes[i])}


def _generation_row(g, n_evals, gen_evals, fit, best, stats, direction, eval_s, wall_s, elapsed) -> dict:
    """One row of generations.parquet."""
    valid = fit[np.isfinite(fit)]
    ordered = np.sort(valid) if direction == "minimize" else -np.sort(-valid)
    some = valid.size > 0
    return {
        "generation": g,
        "evaluations": n_evals,
        "popsize": len(fit),
        "best": float(ordered[0]) if some else np.nan,
        "mean": float(valid.mean()) if some else np.nan,
        "median": float(np.median(valid)) if some else np.nan,
        "worst": float(ordered[-1]) if some else np.nan,
        "best_so_far": np.nan if best is None else best["fitness"],
        "failed": int(len(fit) - valid.size),
        **{f"strategy.{k}": float(v) for k, v in stats.items()},
        "evals_per_s": gen_evals / eval_s if eval_s > 0 else np.nan,
        "eval_s": eval_s,  # inside evaluator.map
        "wall_s": wall_s,  # the generation, before its tables are written
        "elapsed_s": elapsed,
    }


def _held_out(spec: StudySpec, space, evaluator, candidates: dict, tables: RunTables) -> dict:
    """Evaluate each candidate genome ({name: (generation, gene values)}) on the same seeds never
    used in training; write the rows (column `genome`), return a summary per candidate.

    With a noisy task the best genome is the luckiest of many evaluations (optimistic in training);
    the centre of the search distribution is the estimate ES theory recommends (the same seeds make
    the two a paired comparison)."""
    seeds = np.array([held_out_seed(spec.seed, k) for k in range(spec.held_out)])
    genes = np.concatenate([np.repeat(x[None, :], len(seeds), axis=0) for _, x in candidates.values()])
    results = evaluator.map(spec.task, genes, np.tile(seeds, len(candidates)))
    n = len(seeds)
    frames = {
        name: held_out_frame(gen, space.names, x, seeds, results[k * n:(k + 1) * n]).assign(genome=name)
        for k, (name, (gen, x)) in enumerate(candidates.items())
    }
    tables.write_held_out(pd.concat(frames.values(), ignore_index=True))
    return {name: held_out_summary(f) for name, f in frames.items()}


def run_study(spec: StudySpec, run_dir: str | Path, resume: bool = False) -> StudyOutcome:
    run_dir = Path(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    task, strategy, direction = spec.task, spec.strategy, spec.task.direction
    space = task.search_space()
    tables = RunTables(run_dir)

    if resume:
        ck = checkpoint.load(run_dir, spec.fingerprint())
        keys = ("state", "generation", "evaluations", "best", "elapsed_s")
        state, g, n_evals, best, elapsed = (ck[k] for k in keys)
        tables.load_until(g)
        tables.write_status({"finished": False, "generation": g, "evaluations": n_evals, "resumed": True})
        log.info("resuming %s at generation %d (%d evaluations done)", run_dir, g, n_evals)
    else:
        if (run_dir / checkpoint.CURRENT).exists():
            raise FileExistsError(f"{run_dir} already holds a run; resume it with `l2l resume={run_dir}`")
        tables.write_config(spec.config)
        state = strategy.init(space.initial_unit(), strategy_rng(spec.seed))
        g, n_evals, best, elapsed = 0, 0, None, 0.0
        # a run killed in its first generation must be resumable too
        tables.write_status({"finished": False, "generation": 0, "evaluations": 0})
        tables.flush(best)
        checkpoint.save(run_dir, _checkpoint(spec, state, g, n_evals, best, elapsed))

    progress = Progress(spec.quiet, direction, spec.generations, spec.max_evaluations)
    reps = spec.repetitions
    # One BLAS thread for the outer loop's linear algebra: parallelism comes from the workers,
    # and OpenBLAS threads contending with them made a 100x100 eigh 70x slower on 2 cores.
    # closing(progress): the terminal is left as it was also when a run raises
    with spec.evaluator as evaluator, threadpool_limits(limits=1, user_api="blas"), closing(progress):
        while not (reason := _stop_reason(spec, g, n_evals, best, strategy.stop(state))):
            t0 = time.perf_counter()
            unit, state = strategy.ask(state)
            genes = space.from_unit(unit)
            pop = len(genes)
            seeds = np.array([evaluation_seed(spec.seed, g, i, r) for i in range(pop) for r in range(reps)])
            t_map = time.perf_counter()
            results = evaluator.map(task, np.repeat(genes, reps, axis=0), seeds)
            t_eval = time.perf_counter() - t_map

            scores = np.array([r.score for r in results]).reshape(pop, reps)
            ok = np.array([r.ok for r in results]).reshape(pop, reps)
            loss = fitness.aggregate_repetitions(fitness.to_loss(scores, direction), ok)
            state, stats = strategy.tell(state, unit, fitness.rankable_losses(loss))

            fit = np.where(np.isfinite(loss), scores.mean(axis=1), np.nan)  # per individual; NaN = failed
            best = _update_best(best, fit, loss, genes, space, g, direction)
            n_evals += len(results)
            wall = time.perf_counter() - t0
            elapsed += wall
            row = _generation_row(
                g, n_evals, len(results), fit, best, stats, direction, t_eval, wall, elapsed
            )
            tables.append(evaluation_frame(g, space.names, genes, seeds, results, reps), row)
            g += 1
            # tables first, then the checkpoint: the tables are never behind a checkpoint
            tables.flush(best)
            checkpoint.save(run_dir, _checkpoint(spec, state, g, n_evals, best, elapsed))
            progress.generation(row)

        status = {"finished": True, "stop_reason": reason, "generation": g, "evaluations": n_evals}
        if spec.held_out and best is not None:
            candidates = {"best": (best["generation"], space.encode(best["genes"]))}
            if hasattr(strategy, "center"):  # the strategy's recommendation, in gene units
                candidates["center"] = (g, space.from_unit(np.asarray(strategy.center(state))[None, :])[0])
            summaries = _held_out(spec, space, evaluator, candidates, tables)
            best = {**best, "held_out": summaries["best"]}
            status["held_out"] = summaries["best"]
            if "center" in summaries:
                centre = space.decode(candidates["center"][1])
                best["center"] = {"generation": g, "genes": centre, "held_out": summaries["center"]}
                status["held_out_center"] = summaries["center"]
    tables.finish(best, status)
    progress.done(reason, best, run_dir)
    return StudyOutcome(run_dir, g, n_evals, best, reason)
