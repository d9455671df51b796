"""Evolved bandit rules vs the hand-tuned Bohnstingl rule vs the host baselines, on the SAME
held-out bandits and fresh chip instances (Bohnstingl et al. 2019, "Neuromorphic hardware learns
to learn", Front. Neurosci. 13:483).

Every row is scored on the evaluation seeds `l2l.seeding.held_out_seed(root, i)`, i < n (a stream
no training evaluation draws from): task=bandit draws each seed's 40 bandits and chip instance, the
baselines (l2l/tasks/bandit/baselines.py) meet the same bandits (`draw_probabilities(dist, seed)`).
For an evolved rule, each run's best genome (best.json) is one sample: the row gives the mean and
the standard deviation over runs of their held-out means.

    python -m l2l.tasks.bandit.compare --runs runs/bandit_study/meta_s* --runs runs/bandit_study/rule_s*
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from l2l.seeding import held_out_seed
from l2l.tasks.bandit import baselines, bayes_optimal
from l2l.tasks.bandit.environment import draw_probabilities, draw_rewards
from l2l.tasks.bandit.regret import expected_regret
from l2l.tasks.bandit.task import BanditTask
from l2l.tasks.bandit.tune import HAND_TUNED

COMPARE_ROOT = 2019  # root of the comparison's held-out seeds


def seeds(n: int, root: int = COMPARE_ROOT) -> list[int]:
    return [held_out_seed(root, i) for i in range(n)]


def rule_regret(task: BanditTask, genes: dict, eval_seeds: list[int]) -> np.ndarray:
    """Mean regret of each seed's evaluation (40 bandits on a fresh chip)."""
    v = np.array([genes[g.name] for g in task.search_space().genes])
    return np.array([task.evaluate(v, s)[1]["regret_mean"] for s in eval_seeds])


def baseline_regret(task: BanditTask, eval_seeds: list[int]) -> dict[str, np.ndarray]:
    dist = task.dist
    dp = bayes_optimal.solve(dist.pulls, dist.dependent) if dist.arms == 2 else None
    out: dict[str, list[float]] = {"epsilon-greedy (0.05)": [], "UCB1": [], "Thompson sampling": []}
    if dp is not None:
        out["Bayes-optimal (simulated)"] = []
    for s in eval_seeds:
        p = draw_probabilities(dist, s)
        r = draw_rewards(dist, p, s)
        out["epsilon-greedy (0.05)"].append(expected_regret(p, baselines.epsilon_greedy(r, s)).mean())
        out["UCB1"].append(expected_regret(p, baselines.ucb1(r, s)).mean())
        out["Thompson sampling"].append(expected_regret(p, baselines.thompson(r, s)).mean())
        if dp is not None:
            out["Bayes-optimal (simulated)"].append(expected_regret(p, bayes_optimal.act(dp, r, s)).mean())
    return {k: np.array(v) for k, v in out.items()}


def load_best(run: Path) -> tuple[BanditTask, dict, dict]:
    """The run's task, its best genome (best.json: the lowest single fitness, with noisy fitness
    a lucky pick) and the centre of its last generation (mean genes of its offspring, close to
    the search distribution's mean)."""
    import pandas as pd
    import yaml

    cfg = yaml.safe_load((run / "config.yaml").read_text())
    task = BanditTask(**{k: v for k, v in cfg["task"].items() if k != "name"})
    ev = pd.read_parquet(run / "evaluations.parquet")
    last = ev[ev["generation"] == ev["generation"].max()]
    centre = {g.name: float(last[f"gene.{g.name}"].mean()) for g in task.search_space().genes}
    return task, json.loads((run / "best.json").read_text())["genes"], centre


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", nargs="*", action="extend", default=[], help="run directories (best.json)")
    ap.add_argument("--n", type=int, default=20, help="held-out seeds")
    args = ap.parse_args(argv)
    ev = seeds(args.n)
    base = BanditTask()
    rows: list[tuple[str, float, float, str]] = []
    hand = rule_regret(base, HAND_TUNED, ev)
    rows.append(("Bohnstingl rule, hand-tuned (grid on training seeds)", hand.mean(),
                 hand.std(ddof=1) / np.sqrt(hand.size), "SE over seeds"))
    groups: dict[str, list[float]] = {}
    for run in map(Path, args.runs):
        task, best, centre = load_best(run)
        for label, genes in (("best.json", best), ("last-generation centre", centre)):
            r = rule_regret(task, genes, ev)
            groups.setdefault(f"{task.rule}, evolved, {label}", []).append(r.mean())
            se = r.std(ddof=1) / np.sqrt(r.size)
            d = r - hand  # paired: the same bandits and chip instances
            print(f"{run} {label}: {task.rule} held-out regret {r.mean():.3f} (SE over seeds {se:.3f}); "
                  f"minus hand-tuned {d.mean():+.3f} (paired SE {d.std(ddof=1) / np.sqrt(d.size):.3f})")
    for name, means in groups.items():
        m = np.array(means)
        spread = m.std(ddof=1) if m.size > 1 else 0.0
        rows.append((f"{name} ({m.size} runs)", m.mean(), spread, "std over runs"))
    for name, r in baseline_regret(base, ev).items():
        rows.append((name, r.mean(), r.std(ddof=1) / np.sqrt(r.size), "SE over seeds"))
        if name == "Thompson sampling":
            d = hand - r
            se = d.std(ddof=1) / np.sqrt(d.size)
            print(f"hand-tuned minus Thompson: {d.mean():+.3f} (paired SE {se:.3f})")
    print(f"{args.n} held-out seeds (root {COMPARE_ROOT}) x 40 bandits x 100 pulls, uniform 2-armed")
    for name, mean, spread, kind in rows:
        print(f"| {name} | {mean:.3f} | {spread:.3f} ({kind}) |")


if __name__ == "__main__":
    main()
