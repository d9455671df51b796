"""task=bandit: a bandit plasticity rule on the emulated chip, scored by expected regret.

Bohnstingl, T., Scherr, F., Pehle, C., Meier, K. & Maass, W. (2019). Neuromorphic hardware learns
to learn. Front. Neurosci. 13:483.

A genome is a rule's genes (plasticity_rules/bandit_rule.py: the Bohnstingl rule's 5
meta-parameters; plasticity_rules/bandit_meta_network.py: the meta-plasticity MLP). It compiles to a
processor program that runs the environment and the rule at every pull (l2l/tasks/bandit/agent.py);
the score is the mean expected regret over `bandits` bandits (eq. 1 of regret.py), minimised (the
paper's fitness is minus the regret: the same ranking). The evaluation seed draws the bandits (the
same as the host baselines with that seed) AND the chip instance (fixed pattern, trial noise, the
processor's random generators), so held-out seeds meet fresh bandits and fresh chips.

Constraint-aware evolution: the program's size (`ppu_bytes`) and cycles per pull invocation
(`ppu_cycles_max`, `ppu_cycles_mean`) are metrics; over `budget_bytes` or `budget_cycles`
(0: the pull period) the evaluation either fails with an error naming the budget and the figure
(`on_over_budget: reject`) or its regret is raised by `penalty_per_byte` / `penalty_per_cycle` per
unit of excess (`penalize`; metric `over_budget` = 1).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from l2l.search_space import SearchSpace
from l2l.tasks.bandit.agent import AgentParams, chunks, run_episodes
from l2l.tasks.bandit.environment import BanditDistribution, draw_probabilities, stream_seed
from l2l.tasks.bandit.regret import summarize

RULES = ("bohnstingl", "meta_network")
DISTRIBUTIONS = ("uniform", "dependent")
OVER_BUDGET = ("reject", "penalize")


def _int(name: str, v, lo: int, hi: int | None = None) -> None:
    if isinstance(v, bool) or not isinstance(v, int | np.integer) or v < lo or (hi is not None and v > hi):
        allowed = f">= {lo}" if hi is None else f"in {lo}..{hi}"
        raise ValueError(f"task.{name} must be an integer {allowed}, got {v!r}")


@dataclass(frozen=True)
class BanditTask:
    name: str = "bandit"
    arms: int = 2
    pulls: int = 100
    bandits: int = 40
    distribution: str = "uniform"  # uniform: p_a ~ U[0, 1]; dependent: p2 = 1 - p1
    rule: str = "bohnstingl"  # bohnstingl | meta_network
    hidden: int = 8  # meta_network: hidden units
    activation: str = "relu"  # meta_network: relu | hardtanh
    budget_bytes: int = 16384  # program code + data
    budget_cycles: int = 0  # per pull invocation; 0: the pull period (pull_us at 250 MHz)
    on_over_budget: str = "reject"  # reject | penalize
    penalty_per_byte: float = 0.01  # regret added per byte over budget (penalize)
    penalty_per_cycle: float = 0.01  # regret added per cycle over budget (penalize)
    pull_us: float = 10.0
    dt_us: float = 0.2
    chip_mode: str = "calibrated"  # calibrated (mismatch + noise) | raw | ideal
    direction: str = "minimize"

    def __post_init__(self) -> None:
        _int("arms", self.arms, 2)
        _int("pulls", self.pulls, 1, 127)  # the program counts pulls per lane in a byte
        _int("bandits", self.bandits, 1)
        _int("hidden", self.hidden, 1)
        _int("budget_bytes", self.budget_bytes, 1)
        _int("budget_cycles", self.budget_cycles, 0)
        for key, allowed in (("distribution", DISTRIBUTIONS), ("rule", RULES),
                             ("on_over_budget", OVER_BUDGET), ("chip_mode", ("calibrated", "raw", "ideal"))):
            if getattr(self, key) not in allowed:
                raise ValueError(f"task.{key} must be one of {allowed}, got {getattr(self, key)!r}")
        if self.distribution == "dependent" and self.arms != 2:
            raise ValueError(f"task.distribution=dependent needs arms=2, got arms={self.arms}")
        for key in ("penalty_per_byte", "penalty_per_cycle", "pull_us", "dt_us"):
            v = getattr(self, key)
            if not (isinstance(v, int | float) and np.isfinite(v) and v >= 0):
                raise ValueError(f"task.{key} must be a finite number >= 0, got {v!r}")
        if self.direction != "minimize":
            raise ValueError("task.direction: regret is minimised; only 'minimize' is allowed")

    # ------------------------------------------------------------- parts
    @property
    def dist(self) -> BanditDistribution:
        return BanditDistribution(self.arms, self.pulls, self.bandits, self.distribution == "dependent")

    @property
    def agent(self) -> AgentParams:
        return replace(AgentParams(), pull_us=float(self.pull_us), dt_us=float(self.dt_us),
                       mode=self.chip_mode)

    def make_rule(self):
        _, nb = chunks(self.arms, self.bandits)
        if self.rule == "bohnstingl":
            from plasticity_rules.bandit_rule import BohnstinglRule

            return BohnstinglRule(arms=self.arms, bandits=nb)
        from plasticity_rules.bandit_meta_network import BanditMetaNetworkRule

        return BanditMetaNetworkRule(arms=self.arms, bandits=nb, hidden=self.hidden,
                                     activation=self.activation, pulls=self.pulls)

    def search_space(self) -> SearchSpace:
        return SearchSpace.from_specs(self.make_rule().gene_specs())

    def chip_seeds(self, seed: int) -> tuple[list[int], list[int], list[int]]:
        """(fixed pattern, trial noise, processor generator) seeds of the chip instances of `seed`."""
        n, _ = chunks(self.arms, self.bandits)
        return ([stream_seed(seed, "chip", 3 * i) for i in range(n)],
                [stream_seed(seed, "chip", 3 * i + 1) for i in range(n)],
                [stream_seed(seed, "chip", 3 * i + 2) for i in range(n)])

    def budget(self) -> int:
        return self.budget_cycles or self.agent.budget_cycles()

    # ------------------------------------------------------------- evaluation
    def _run(self, genes: np.ndarray, seed: int, **kw):
        named = self.search_space().decode(genes)
        program = self.make_rule().compile(named)
        over_bytes = program.size_bytes - self.budget_bytes
        if over_bytes > 0 and self.on_over_budget == "reject":
            raise ValueError(f"over budget: program is {program.size_bytes} B > budget_bytes "
                             f"{self.budget_bytes} B (on_over_budget=reject)")
        p = draw_probabilities(self.dist, seed)
        chip, noise, lfsr = self.chip_seeds(seed)
        result = run_episodes(program, p, chip, noise, lfsr, self.agent, self.pulls, **kw)
        return program, p, result, max(over_bytes, 0)

    def evaluate(self, genes: np.ndarray, seed: int) -> tuple[float, dict[str, float]]:
        program, p, res, over_bytes = self._run(genes, seed)
        regret = ((p.max(axis=1, keepdims=True) - p) * res.pulls).sum(axis=1)  # eq. (1) by arm counts
        mean, se = summarize(regret)
        cyc_max = float(res.cycles.max()) if res.cycles.size else 0.0
        over_cycles = max(cyc_max - self.budget(), 0.0)
        if over_cycles > 0 and self.on_over_budget == "reject":
            raise ValueError(f"over budget: {cyc_max:.0f} cycles per pull > budget_cycles {self.budget()} "
                             f"(on_over_budget=reject)")
        score = mean + self.penalty_per_byte * over_bytes + self.penalty_per_cycle * over_cycles
        return float(score), {
            "regret_mean": mean,
            "regret_se": se,
            "ppu_bytes": float(program.size_bytes),
            "ppu_cycles_max": cyc_max,
            "ppu_cycles_mean": float(res.cycles.mean()) if res.cycles.size else 0.0,
            "over_budget": float(over_bytes > 0 or over_cycles > 0),
            "over_budget_bytes": float(over_bytes),
            "over_budget_cycles": over_cycles,
        }

    def record(self, genes: np.ndarray, seed: int, neurons=None) -> dict[str, pd.DataFrame]:
        """Rerun one evaluation pull by pull: rewards and actions, weights per pull, spikes, and the
        membrane of `neurons` (chip neuron numbers: arm a of bandit i is a * nb + i, nb bandits per
        chip instance; default: the action neurons of bandit 0), every time step."""
        from chip_emulator import Record
        from plasticity_rules.bandit_rule import ROW_STIM

        _, nb = chunks(self.arms, self.bandits)
        K = self.arms
        neurons = tuple(range(0, K * nb, nb)) if neurons is None else tuple(int(n) for n in neurons)
        bad = [n for n in neurons if not 0 <= n < K * nb]
        if bad:
            raise ValueError(f"neurons {bad}: the agent's neurons are 0..{K * nb - 1}"
                             f" (arm a of bandit i is a * {nb} + i)")
        rows_r, rows_w, rows_s, rows_v = [], [], [], []

        def on_pull(t, ppu, state, rec):
            for bi in range(ppu.shape[0]):
                chosen = ppu.read_symbol("chosen", bi, 0)[:K * nb].reshape(K, nb)
                reward = ppu.read_symbol("reward", bi, 0)[:nb]
                w = state.port[0][bi, 0, ROW_STIM, :K * nb].reshape(K, nb)
                for i in range(nb):
                    bandit = bi * nb + i
                    if bandit >= self.bandits:
                        continue
                    rows_r.append((bandit, t, int(np.argmax(chosen[:, i])), int(reward[i])))
                    for a in range(K):
                        rows_w.append((bandit, t, a, int(w[a, i])))
                times, fired = rec.spikes(bi, 0)
                for tt, n in zip(times, fired, strict=True):
                    if bi * nb + n % nb < self.bandits:
                        rows_s.append((bi * nb + n % nb, float(tt), int(n // nb)))
                for k, n in enumerate(neurons):  # instance = the bandit, neuron = the arm
                    if bi * nb + n % nb < self.bandits:
                        rows_v.extend((bi * nb + n % nb, float(tt), n // nb, float(v))
                                      for tt, v in zip(rec.trace_t_us, rec.trace[bi, 0, k], strict=True))

        _, p, res, _ = self._run(genes, seed, segments=True, on_pull=on_pull,
                                 record=Record(max_spikes=4096, trace_neurons=neurons))
        rewards = pd.DataFrame(rows_r, columns=["instance", "step", "action", "reward"])
        rewards["p_action"] = p[rewards["instance"], rewards["action"]]
        rewards["p_best"] = p.max(axis=1)[rewards["instance"]]
        regret = ((p.max(axis=1, keepdims=True) - p) * res.pulls).sum(axis=1)
        summary = pd.DataFrame([{"regret_mean": float(regret.mean()), "seed": int(seed),
                                 "ppu_cycles_max": float(res.cycles.max())}])
        return {
            "rewards": rewards,
            "weights": pd.DataFrame(rows_w, columns=["instance", "step", "synapse", "weight"]),
            "spikes": pd.DataFrame(rows_s, columns=["instance", "t_us", "neuron"]),
            "membrane": pd.DataFrame(rows_v, columns=["instance", "t_us", "neuron", "v_lsb"]),
            "summary": summary,
        }
