"""Game steps per second per core: Pong on the emulated chip (analog core + processor running the
game and R-STDP) and the MDP agent (processor only), one thread, after compilation.

    python benchmarks/pong.py [--steps 2000] [--instances 1 5]

The "wta" row: the most instances with lateral inhibition between the motor neurons (32 more
rows, routed spikes) and credit to every synapse. Prints CPU and wall time (the machine is
shared: CPU time is the figure to compare) and the load.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np


def _timed(fn):
    w, c = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.perf_counter() - w, time.process_time() - c


def bench_pong(steps: int, instances: int, inh_weight: int = 0) -> dict[str, float]:
    from l2l.tasks.pong.chip_run import PongSetup, play
    from plasticity_rules.pong_rstdp import PongRSTDP

    rule = PongRSTDP(credit="all" if inh_weight else "winner")
    g = rule.defaults()
    program = rule.compile(g)
    setup = PongSetup(inh_weight=inh_weight)
    chips, runs = list(range(instances)), list(range(100, 100 + instances))
    play(program, setup, chips, runs, 20)  # compile / load the cached loop
    _, wall, cpu = _timed(lambda: play(program, setup, chips, runs, steps, w_init=g["w_init"],
                                       tau_corr_us=g["tau_corr_us"], eta_corr_lsb=g["eta_corr_lsb"]))
    n = steps * instances
    what = f"pong x{instances}" + (" wta" if inh_weight else "")
    return {"what": what, "game_steps": n, "cpu_s": cpu, "wall_s": wall,
            "steps_per_cpu_s": n / cpu, "hw_us_per_step": setup.step_us}


def bench_mdp(runs: int) -> dict[str, float]:
    from l2l.tasks.mdp.task import MDPTask

    task = MDPTask(n_runs=runs)
    g = task.search_space().encode(task.rule().defaults())
    MDPTask(n_runs=1, n_steps=10).evaluate(g, 0)
    _, wall, cpu = _timed(lambda: task.evaluate(g, 0))
    n = runs * task.n_steps
    return {"what": f"mdp x{runs}", "game_steps": n, "cpu_s": cpu, "wall_s": wall, "steps_per_cpu_s": n / cpu,
            "hw_us_per_step": float("nan")}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=2000)
    ap.add_argument("--instances", type=int, nargs="+", default=[1, 5])
    args = ap.parse_args()
    rows = [bench_pong(args.steps, b) for b in args.instances]
    rows += [bench_pong(args.steps, max(args.instances), inh_weight=63)]  # + 32 inhibitory rows
    rows += [bench_mdp(20)]
    print(f"load average before/after: {os.getloadavg()[0]:.1f}")
    print(f"{'what':<14} {'steps':>7} {'cpu s':>7} {'wall s':>7} {'steps/cpu s':>12}")
    for r in rows:
        print(f"{r['what']:<14} {r['game_steps']:>7} {r['cpu_s']:>7.2f} {r['wall_s']:>7.2f} "
              f"{r['steps_per_cpu_s']:>12.0f}")
    print("numpy", np.__version__)


if __name__ == "__main__":
    main()
