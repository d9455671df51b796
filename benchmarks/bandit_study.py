"""Time the paper-sized bandit study (issue 5, "Must show"): population 200 x 30 generations x
40 bandits x 100 pulls = 24 M pulls, the rule running as a processor program at every pull, on
Ray with 2 CPUs; and the pulls per second per core of one evaluation in this process.

    python benchmarks/bandit_study.py                  # both parts
    python benchmarks/bandit_study.py --skip-study     # only the single-evaluation figure
    python benchmarks/bandit_study.py --rule meta_network
    python benchmarks/bandit_study.py --skip-study --serial   # the study in one process: its CPU time
    python benchmarks/bandit_study.py --skip-study --breakdown   # where one evaluation's time goes

Reports wall and CPU time (this process and its children: the Ray workers are children of the
Ray instance the CLI starts, so their CPU shows in the children's figure only when they have
exited; the worker compile time is reported separately from one cold process) and `uptime`.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np


def load() -> str:
    return os.popen("uptime").read().strip().split("load average:")[-1].strip()


def single_evaluation(rule: str, repeats: int = 20) -> dict:
    """Pulls per second per core of one evaluation (40 bandits x 100 pulls), warm."""
    from l2l.tasks.bandit.task import BanditTask

    task = BanditTask(rule=rule)
    space = task.search_space()
    genes = np.array([g.init for g in space.genes])
    if rule == "meta_network":
        genes = np.random.default_rng(0).uniform(-0.5, 0.5, genes.size)
        genes[:3] = [g.init for g in space.genes[:3]]
    t0, c0 = time.perf_counter(), time.process_time()
    task.evaluate(genes, 0)  # compiles (or loads) the run loop with the processor hook
    first_wall, first_cpu = time.perf_counter() - t0, time.process_time() - c0
    t0, c0 = time.perf_counter(), time.process_time()
    for s in range(repeats):
        task.evaluate(genes, s + 1)
    wall, cpu = (time.perf_counter() - t0) / repeats, (time.process_time() - c0) / repeats
    pulls = task.bandits * task.pulls
    return {"first_eval_wall_s": first_wall, "first_eval_cpu_s": first_cpu, "eval_wall_s": wall,
            "eval_cpu_s": cpu, "pulls_per_s_per_core": pulls / cpu, "load": load()}


def breakdown(repeats: int = 30) -> dict:
    """CPU per evaluation split into chip set-up, analog core (the same run without processor)
    and processor (the rest), hand-tuned Bohnstingl rule."""
    from chip_emulator import Record, init_state, make_chip, run
    from chip_emulator.ppu import make_core_ppu
    from l2l.tasks.bandit import agent as A
    from l2l.tasks.bandit.task import BanditTask
    from l2l.tasks.bandit.tune import HAND_TUNED
    from plasticity_rules.bandit_rule import labels

    task = BanditTask()
    prog = task.make_rule().compile(HAND_TUNED)
    p = np.random.default_rng(0).random((40, 2))
    par = task.agent
    spec, wiring, inputs = A._network(2, 40, par)

    def setup():
        chip = make_chip(spec, seeds=[1], neuron=par.neuron(), mode=par.mode)
        return chip, init_state(chip, run_seeds=[2], weights=30, labels=labels(2, 40)[None, None])

    def core():
        chip, st = setup()
        run(chip, st, task.pulls * par.pull_us, wiring, inputs, record=Record(max_spikes=0), inplace=True)

    def cpu(f):
        f()
        c = time.process_time()
        for _ in range(repeats):
            f()
        return (time.process_time() - c) / repeats

    full = cpu(lambda: A.run_episodes(prog, p, [1], [2], [3], par))
    t_setup, t_core = cpu(setup), cpu(core)
    t_ppu = cpu(lambda: make_core_ppu(prog, 1, 1, seeds=[3], budget_cycles=2500, max_events=101))
    return {"eval_cpu_ms": full * 1e3, "setup_ms": t_setup * 1e3, "analog_core_ms": (t_core - t_setup) * 1e3,
            "make_core_ppu_ms": t_ppu * 1e3, "processor_ms": (full - t_core - t_ppu) * 1e3,
            "processor_us_per_invocation": (full - t_core - t_ppu) / task.pulls * 1e6, "load": load()}


def study(rule: str, popsize: int, generations: int, cpus: int, serial: bool = False) -> dict:
    """The study through the CLI. serial: in one process (its CPU time is the study's compute
    cost, counted exactly as a child's); else on Ray with `cpus` workers (wall time)."""
    out = Path(tempfile.mkdtemp(prefix="bandit-study-"))
    ev_args = ["evaluator=serial"] if serial else ["evaluator=ray", f"evaluator.num_cpus={cpus}"]
    cmd = ["l2l", "task=bandit", f"task.rule={rule}", "strategy=cem", f"strategy.popsize={popsize}",
           f"generations={generations}", *ev_args, "quiet=true", "held_out=0", f"hydra.run.dir={out}"]
    t0 = time.perf_counter()
    c0 = os.times()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    c1 = os.times()
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr[-3000:])
    import pandas as pd

    ev = pd.read_parquet(out / "evaluations.parquet")
    pulls = len(ev) * 40 * 100
    return {"command": " ".join(cmd), "wall_s": wall, "evaluations": len(ev), "pulls": pulls,
            "failed": int(ev["error"].notna().sum()), "eval_wall_s_sum": float(ev["wall_s"].sum()),
            "children_cpu_s": c1.children_user + c1.children_system - c0.children_user - c0.children_system,
            "best_regret": float(ev["fitness"].min()), "load": load(), "run_dir": str(out)}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rule", default="bohnstingl", choices=("bohnstingl", "meta_network"))
    ap.add_argument("--popsize", type=int, default=200)
    ap.add_argument("--generations", type=int, default=30)
    ap.add_argument("--cpus", type=int, default=2)
    ap.add_argument("--skip-study", action="store_true")
    ap.add_argument("--serial", action="store_true", help="also run the study in one process (CPU time)")
    ap.add_argument("--breakdown", action="store_true", help="where one evaluation's CPU time goes")
    args = ap.parse_args(argv)
    print(f"load before: {load()}", flush=True)
    one = single_evaluation(args.rule)
    print("one evaluation (40 bandits x 100 pulls), this process:", flush=True)
    for k, v in one.items():
        print(f"  {k}: {v:.4g}" if isinstance(v, float) else f"  {k}: {v}", flush=True)
    if args.breakdown:
        print("breakdown of one evaluation (CPU):", flush=True)
        for k, v in breakdown().items():
            print(f"  {k}: {v:.4g}" if isinstance(v, float) else f"  {k}: {v}", flush=True)
    modes = ([] if args.skip_study else [False]) + ([True] if args.serial else [])
    for serial in modes:
        res = study(args.rule, args.popsize, args.generations, args.cpus, serial)
        print("study, serial (one process):" if serial else "study, Ray:", flush=True)
        for k, v in res.items():
            print(f"  {k}: {v:.4g}" if isinstance(v, float) else f"  {k}: {v}", flush=True)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
