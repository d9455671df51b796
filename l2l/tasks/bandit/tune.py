"""Hand-tuning of the Bohnstingl rule's constants on training seeds (a documented grid search).

Bohnstingl et al. (2019), "Neuromorphic hardware learns to learn", Front. Neurosci. 13:483: the
rule w_a <- (1 - eta_a) w_a + eta_a r, eta_a <- eta_a decay with 5 meta-parameters. The
"hand-tuned" reference rule of docs/results.md takes the grid point with the lowest mean regret
of task=bandit (mismatch on) over the training seeds 0..N-1 (plain small integers; held-out
seeds come from l2l.seeding.held_out_seed, a separate 63-bit stream).

    python -m l2l.tasks.bandit.tune --seeds 40
"""

from __future__ import annotations

import argparse
import itertools
import time

import numpy as np

from l2l.tasks.bandit.task import BanditTask

# The grid's best point on training seeds 0..39 (`--seeds 40`: 2.578 +- 0.635 mean regret +- std
# over seeds, 432 points in 106 s, 13:22-13:24 UTC 2026-11-29, commit 3b55694): the hand-tuned rule.
# The next points are within one standard error (0.1) of it (lr 0.2, prior 48, decay 0.95: 2.582);
# 10 seeds were too few to rank them: on today's emulator they pick lr 0.2 / 48 / 0.95, on the one
# before its noise change (a29231d) lr 0.5 / 56 / 0.9, the rule used until then.
HAND_TUNED = {"learning_rate": 0.3, "weight_prior": 56.0, "decay": 0.9, "action_inhibition": 40.0,
              "stimulus_inhibition": 0.0}

GRID = {
    "learning_rate": (0.1, 0.2, 0.3, 0.5),
    "weight_prior": (32.0, 40.0, 48.0, 56.0),
    "decay": (0.9, 0.95, 1.0),
    "action_inhibition": (0.0, 20.0, 40.0),
    "stimulus_inhibition": (0.0, 5.0, 10.0),
}


def grid_search(task: BanditTask, seeds: range, grid: dict = GRID) -> list[tuple[float, float, dict]]:
    """(mean regret, standard deviation over seeds, genes) of every grid point, best first."""
    names = [g.name for g in task.search_space().genes]
    rows = []
    for values in itertools.product(*(grid[n] for n in names)):
        genes = dict(zip(names, values, strict=True))
        r = [task.evaluate(np.array(values, float), s)[0] for s in seeds]
        rows.append((float(np.mean(r)), float(np.std(r, ddof=1)), genes))
    rows.sort(key=lambda x: x[0])
    return rows


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seeds", type=int, default=40, help="training seeds 0..N-1")
    ap.add_argument("--top", type=int, default=10)
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    rows = grid_search(BanditTask(rule="bohnstingl"), range(args.seeds))
    print(f"{len(rows)} grid points x {args.seeds} seeds in {time.perf_counter() - t0:.0f} s")
    for mean, std, genes in rows[:args.top]:
        print(f"{mean:7.3f} +- {std:5.3f}  {genes}")


if __name__ == "__main__":
    main()
