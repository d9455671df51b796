"""Learning random MDPs with an on-processor SARSA(lambda) rule (issue 9, item 2).

Bohnstingl, T. et al. (2019). Neuromorphic hardware learns to learn. Frontiers in Neuroscience 13,
483: 6 states x 8 actions, 1999 steps an episode, fitness averaged over 20 runs.

Each run draws a random MDP (`environment.draw_mdp`) and seeds the processor's column random
generators from the evaluation seed, loads the tables into the processor's memory and runs the
compiled rule (`plasticity_rules.mdp_rule`) for the whole episode. Fitness: the mean over runs of
the total reward divided by the optimal expected return of that MDP (value iteration on the
MDP the processor samples, its 8-bit tables included).

    l2l experiment=mdp_rule
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from l2l.search_space import SearchSpace
from l2l.tasks.curves import tenths


@dataclass(frozen=True)
class MDPTask:
    name: str = "mdp"
    n_runs: int = 20
    n_steps: int = 1999
    alpha: float = 1.0  # Dirichlet concentration of the transition probabilities
    direction: str = "maximize"

    def __post_init__(self):
        from plasticity_rules.mdp_rule import MAX_STEPS

        for key in ("n_runs", "n_steps"):
            v = getattr(self, key)
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise ValueError(f"task.{key} must be an integer >= 1, got {v!r}")
        if self.n_steps > MAX_STEPS:
            raise ValueError(f"task.n_steps = {self.n_steps}: at most {MAX_STEPS} (the processor's log)")
        if not self.alpha > 0:
            raise ValueError(f"task.alpha must be > 0, got {self.alpha!r}")
        if self.direction != "maximize":
            raise ValueError("task.direction: the return is maximised; only 'maximize' is allowed")

    def rule(self):
        from plasticity_rules.mdp_rule import MDPRule

        return MDPRule()

    def search_space(self) -> SearchSpace:
        return SearchSpace.from_specs(self.rule().gene_specs())

    def play(self, named: dict[str, float], seed: int) -> dict[str, np.ndarray]:
        from chip_emulator.ppu import make_array_io, new_state, read_symbol, run_once, write_symbol
        from l2l.tasks.mdp.environment import draw_mdp, optimal_return

        rule = self.rule()
        program = rule.compile(named)
        ss = np.random.SeedSequence([int(seed), 0x3D9])
        out = {k: np.zeros((self.n_runs, self.n_steps), np.int64) for k in ("state", "action", "reward")}
        optimal, total, cycles = (np.zeros(self.n_runs) for _ in range(3))
        for i, child in enumerate(ss.spawn(self.n_runs)):
            env_seed, ppu_seed = (int(x) for x in child.generate_state(2, np.uint32))
            mdp = draw_mdp(np.random.default_rng(env_seed), self.alpha)
            mu_q, cdf = mdp.quantised()
            st = new_state(program)
            for name, v in (("n_steps", self.n_steps), ("s0", mdp.s0), ("mu", mu_q), ("cdf", cdf)):
                write_symbol(st.sram, program, name, v)
            cycles[i] = run_once(program, st, make_array_io(8, 128, seed=ppu_seed))
            for k in out:
                out[k][i] = read_symbol(st.sram, program, f"log_{k}")[: self.n_steps]
            total[i] = float(read_symbol(st.sram, program, "reward_sum")[0])
            optimal[i] = optimal_return(mdp.quantised_mdp(), self.n_steps)
        return {**out, "total": total, "optimal": optimal, "cycles": cycles,
                "program_bytes": np.array(program.size_bytes)}

    def evaluate(self, genes: np.ndarray, seed: int) -> tuple[float, dict[str, float]]:
        res = self.play(self.search_space().decode(genes), seed)
        return summarise(res, self.n_steps)

    def record(self, genes: np.ndarray, seed: int) -> dict[str, pd.DataFrame]:
        res = self.play(self.search_space().decode(genes), seed)
        fitness, metrics = summarise(res, self.n_steps)
        R, n = res["reward"].shape
        rewards = pd.DataFrame({
            "instance": np.repeat(np.arange(R), n), "step": np.tile(np.arange(n), R),
            "state": res["state"].ravel(), "action": res["action"].ravel(), "reward": res["reward"].ravel(),
            "optimal_per_step": np.repeat(res["optimal"] / n, n)})
        return {"rewards": rewards, "summary": pd.DataFrame([{"fitness": fitness, **metrics}])}


def summarise(res: dict[str, np.ndarray], n_steps: int) -> tuple[float, dict[str, float]]:
    frac = res["total"] / res["optimal"]
    k = max(1, n_steps // 10)
    last = res["reward"][:, -k:].mean(axis=1) / (res["optimal"] / n_steps)
    cyc_per_step = res["cycles"] / n_steps
    metrics = {
        "fraction_mean": float(frac.mean()), "fraction_min": float(frac.min()),
        "fraction_std": float(frac.std()),
        "learned": float(last.mean()),  # reward of the last 10 % of steps over the optimal rate
        "reward_per_step": float(res["total"].mean() / n_steps),
        "optimal_per_step": float(res["optimal"].mean() / n_steps),
        "ppu_bytes": float(res["program_bytes"]),
        "ppu_cycles_max": float(res["cycles"].max()), "ppu_cycles_mean": float(res["cycles"].mean()),
        "ppu_cycles_per_step": float(cyc_per_step.mean()),
        **tenths(res["reward"]),  # the learning curve, coarse (l2l/tasks/curves.py)
    }
    return float(frac.mean()), metrics
