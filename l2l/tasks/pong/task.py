"""Pong with an on-chip learning rule (issue 9): genome -> mean reward after a fixed budget of steps.

Wunderlich, T. et al. (2019). Demonstrating advantages of neuromorphic computation: a pilot study.
Frontiers in Neuroscience 13, 260.

The rule (`rule`: "rstdp", the hand-written R-STDP kernel, or "meta_network", the meta-plasticity
MLP in its place) is compiled into a processor program that also runs the game
(`plasticity_rules.pong_program`); each evaluation plays `n_steps` game steps on `n_instances`
chip instances with mismatch on, all drawn from the evaluation seed (fresh chips on held-out
seeds). Fitness: the mean over instances of the mean reward over the last `final_fraction` of
the steps ("learned"). `credit`: "winner" (default; only the chosen action's synapse of the
state's row is updated, an ideal winner-take-all; our choice) or "all" (every synapse of the row,
as in the paper); docs/results.md "Pong" shows why. `inh_weight` > 0 adds lateral inhibition
between the motor neurons on the chip (a winner-take-all network; with credit "all" the paper's
update of every synapse then learns too).

    l2l experiment=pong_rstdp
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from l2l.search_space import SearchSpace
from l2l.tasks.curves import tenths

RULES = ("rstdp", "meta_network")
LEVEL = 0.85  # the "learned" level


@dataclass(frozen=True)
class PongTask:
    name: str = "pong"
    rule: str = "rstdp"
    n_steps: int = 4000  # game steps per chip instance (the budget)
    n_instances: int = 3  # chip instances per evaluation
    final_fraction: float = 0.1  # "learned": mean reward over this last fraction of the steps
    step_us: float = 100.0
    rate_hz: float = 300e3
    synapse_gain_lsb: float = 1.2
    mismatch: bool = True
    noise_lsb: float = 5.0  # trial-to-trial membrane noise: the exploration
    meta_hidden: int = 6  # hidden units of the meta-plasticity network (rule: meta_network)
    credit: str = "winner"  # which synapses of the state's row learn: the chosen action's, or "all"
    inh_weight: int = 0  # > 0: lateral inhibition between the motor neurons (a winner-take-all network)
    direction: str = "maximize"

    def __post_init__(self):
        if self.rule not in RULES:
            raise ValueError(f"task.rule must be one of {RULES}, got {self.rule!r}")
        if isinstance(self.inh_weight, bool) or not isinstance(self.inh_weight, int):
            raise ValueError(f"task.inh_weight must be an integer in 0..63, got {self.inh_weight!r}")
        for key in ("n_steps", "n_instances", "meta_hidden"):
            v = getattr(self, key)
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise ValueError(f"task.{key} must be an integer >= 1, got {v!r}")
        from plasticity_rules.pong_program import CREDITS

        if self.credit not in CREDITS:
            raise ValueError(f"task.credit must be one of {CREDITS}, got {self.credit!r}")
        if not 0 < self.final_fraction <= 1:
            raise ValueError(f"task.final_fraction must be in (0, 1], got {self.final_fraction!r}")
        if self.direction != "maximize":
            raise ValueError("task.direction: reward is maximised; only 'maximize' is allowed")
        self.setup()  # validates step_us, rate_hz, synapse_gain_lsb

    def setup(self):
        from l2l.tasks.pong.chip_run import PongSetup

        return PongSetup(self.step_us, self.rate_hz, self.synapse_gain_lsb, bool(self.mismatch),
                         float(self.noise_lsb), int(self.inh_weight))

    def make_rule(self):
        if self.rule == "rstdp":
            from plasticity_rules.pong_rstdp import PongRSTDP

            return PongRSTDP(credit=self.credit)
        from plasticity_rules.pong_meta import PongMetaNetwork

        return PongMetaNetwork(n_hidden=self.meta_hidden, credit=self.credit)

    def search_space(self) -> SearchSpace:
        return SearchSpace.from_specs(self.make_rule().gene_specs())

    def seeds(self, seed: int) -> tuple[list[int], list[int]]:
        """Chip instances (fixed pattern) and run seeds (noise, inputs, ball, initial weights),
        both drawn from the evaluation seed."""
        ss = np.random.SeedSequence([int(seed), 0x9046])
        chip_ss, run_ss = ss.spawn(2)
        return ([int(x) for x in chip_ss.generate_state(self.n_instances, np.uint32)],
                [int(x) for x in run_ss.generate_state(self.n_instances, np.uint32)])

    def play(self, named: dict[str, float], seed: int, snapshot_every: int | None = None):
        from l2l.tasks.pong.chip_run import LOG_LEN, play

        rule = self.make_rule()
        program = rule.compile(named)
        chips, runs = self.seeds(seed)
        return play(program, self.setup(), chips, runs, self.n_steps, w_init=named["w_init"],
                    tau_corr_us=named["tau_corr_us"], eta_corr_lsb=named["eta_corr_lsb"],
                    snapshot_every=snapshot_every or LOG_LEN)

    def evaluate(self, genes: np.ndarray, seed: int) -> tuple[float, dict[str, float]]:
        named = self.search_space().decode(genes)
        out = self.play(named, seed)
        return summarise(out, self.final_fraction)

    def record(self, genes: np.ndarray, seed: int) -> dict[str, pd.DataFrame]:
        """Rerun one evaluation: per-step rewards, the weights at 50 points of the run (every
        n_steps / 50 steps, from the initial ones to the final ones), a summary row."""
        named = self.search_space().decode(genes)
        out = self.play(named, seed, snapshot_every=max(1, self.n_steps // 50))
        fitness, metrics = summarise(out, self.final_fraction)
        B, n = out.rewards.shape
        rewards = pd.DataFrame({
            "instance": np.repeat(np.arange(B), n), "step": np.tile(np.arange(n), B),
            "state": out.states.ravel(), "action": out.actions.ravel(), "reward": out.rewards.ravel()})
        hist = out.weight_history  # (B, S, 32, 32)
        S = hist.shape[1]
        syn = np.arange(32 * 32)
        weights = pd.DataFrame({
            "instance": np.repeat(np.arange(B), S * syn.size),
            "step": np.tile(np.repeat(out.weight_steps, syn.size), B),
            "synapse": np.tile(syn, B * S), "row": np.tile(syn // 32, B * S),
            "neuron": np.tile(syn % 32, B * S), "weight": hist.reshape(-1).astype(np.int64)})
        summary = pd.DataFrame([{"fitness": fitness, **metrics}])
        return {"rewards": rewards, "weights": weights, "summary": summary}


def summarise(out, final_fraction: float) -> tuple[float, dict[str, float]]:
    from l2l.tasks.pong.chip_run import learned, steps_to_level

    lr = learned(out.rewards, final_fraction)
    steps = steps_to_level(out.rewards, LEVEL)
    n_games = out.hits + out.misses
    metrics = {
        "learned_mean": float(lr.mean()), "learned_min": float(lr.min()), "learned_std": float(lr.std()),
        "instances_at_level": float((lr >= LEVEL).sum()),
        "steps_to_level_mean": float(steps.mean()),  # censored at n_steps + 1
        "reward_mean": float(out.rewards.mean()),
        "hit_rate": float(out.hits.sum() / max(1, n_games.sum())),
        "ppu_bytes": float(out.program_bytes),
        "ppu_cycles_max": float(out.cycles.max()) if out.cycles.size else 0.0,
        "ppu_cycles_mean": float(out.cycles.mean()) if out.cycles.size else 0.0,
        **tenths(out.rewards),  # the learning curve, coarse (l2l/tasks/curves.py)
    }
    return float(lr.mean()), metrics
