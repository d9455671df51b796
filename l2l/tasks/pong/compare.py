"""Hand-set (paper) R-STDP against an evolved genome on held-out chip instances.

    python -m l2l.tasks.pong.compare [--run RUN_DIR] [--steps 10000] [--seed 9001] [--instances 5]
                                     [--credit winner|all] [--gene NAME=VALUE ...] [--no-mismatch]
                                     [--inh-weight 0..63]

Plays `steps` game steps on `instances` chip instances drawn from `seed` (a seed no study used:
fresh fixed patterns, noise, balls and initial weights) with the paper's constants (the rule's
defaults) and, with --run, with the best genome of that run; prints per rule the mean reward
over the last 10 % of steps per instance, the instances at >= 0.85, the steps to reach a moving
mean (200 steps) of 0.85 and of 0.7 (censored at steps + 1), the same "learned" mean at the
training budget (`--budget`), and the mean reward of the whole run.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from l2l.tasks.pong.chip_run import learned, steps_to_level
from l2l.tasks.pong.task import PongTask


def run_genome(task: PongTask, named: dict[str, float], seed: int, budget: int) -> dict[str, object]:
    t, c = time.perf_counter(), time.process_time()
    out = task.play(named, seed)
    lr = learned(out.rewards, task.final_fraction)
    return {"learned": lr, "at_level": int((lr >= 0.85).sum()),
            "steps_085": steps_to_level(out.rewards, 0.85), "steps_070": steps_to_level(out.rewards, 0.7),
            "reward_mean": out.rewards.mean(axis=1), "at_budget": learned(out.rewards[:, :budget]),
            "wall_s": time.perf_counter() - t,
            "cpu_s": time.process_time() - c}


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--run", type=Path, default=None, help="a pong_rstdp run directory (best.json)")
    ap.add_argument("--steps", type=int, default=10000)
    ap.add_argument("--seed", type=int, default=9001)
    ap.add_argument("--instances", type=int, default=5)
    ap.add_argument("--budget", type=int, default=3000, help="also report the last 10 %% before this step")
    ap.add_argument("--rule", default="rstdp", help="rstdp (paper constants) or meta_network (its start)")
    ap.add_argument("--credit", default="winner", help="winner (the chosen action's synapse) or all")
    ap.add_argument("--gene", action="append", default=[], metavar="NAME=VALUE",
                    help="override a gene of the hand-set genome (repeatable), e.g. --gene smooth=0.3")
    ap.add_argument("--mismatch", action=argparse.BooleanOptionalAction, default=True,
                    help="calibrated chips with fixed-pattern noise (default) or ideal ones (--no-mismatch)")
    ap.add_argument("--inh-weight", type=int, default=0,
                    help="lateral inhibition between the motor neurons (0..63; 0: none)")
    args = ap.parse_args(argv)
    task = PongTask(rule=args.rule, n_steps=args.steps, n_instances=args.instances, credit=args.credit,
                    mismatch=args.mismatch, inh_weight=args.inh_weight)
    rule = task.make_rule()
    hand = rule.defaults()
    for item in args.gene:
        name, _, value = item.partition("=")
        if name not in hand or not value:
            raise SystemExit(f"--gene {item!r}: expected NAME=VALUE with NAME one of {sorted(hand)}")
        hand[name] = float(value)
    genomes = {("paper constants" if args.rule == "rstdp" else "start"): hand}
    if args.run is not None:
        best = json.loads((args.run / "best.json").read_text())
        genomes["evolved"] = {**rule.defaults(), **best["genes"]}
    for name, named in genomes.items():
        r = run_genome(task, named, args.seed, args.budget)
        print(f"== {name}: {json.dumps({k: round(float(v), 4) for k, v in named.items()})}")
        lr = r["learned"]
        print(f"   learned (last 10 %) per instance: {np.round(lr, 3)}  mean {lr.mean():.3f}"
              f" +- {lr.std():.3f}; instances >= 0.85: {r['at_level']}/{args.instances}")
        print(f"   at the budget ({args.budget} steps): {np.round(r['at_budget'], 3)}  mean "
              f"{r['at_budget'].mean():.3f} +- {r['at_budget'].std():.3f}")
        print(f"   steps to 0.85: {r['steps_085']}  to 0.7: {r['steps_070']}  (censored at {args.steps + 1})")
        print(f"   mean reward of the run: {np.round(r['reward_mean'], 3)}; wall {r['wall_s']:.1f} s, "
              f"cpu {r['cpu_s']:.1f} s")


if __name__ == "__main__":
    main()
