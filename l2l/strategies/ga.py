"""A real-coded genetic algorithm: selection, elitism, uniform crossover, Gaussian mutation.

Holland, J. H. (1975). Adaptation in Natural and Artificial Systems; real coding, Gaussian
mutation and tournament selection as in Eiben, A. E. & Smith, J. E. (2015). Introduction to
Evolutionary Computing, 2nd ed., Springer: ch. 4.4 (Gaussian mutation, x' = x + N(0, s^2)
per gene with probability p_m), ch. 5.2 (tournament selection of size k; truncation
selection), ch. 5.3 (elitism), ch. 4.4.3 (uniform crossover).

The asked population is the elites carried over plus the offspring; elites are evaluated
again every generation, so under noise an elite survives only while it keeps scoring well.
Bounds: mutated genes are clipped into the cube.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from l2l.strategies.base import (
    BaseStrategy,
    NoiseParams,
    check_asked,
    check_choice,
    check_int,
    check_number,
    fork_rng,
)


@dataclass(frozen=True)
class GAParams(NoiseParams):
    popsize: int = 50
    selection: str = "tournament"  # tournament | truncation
    tournament_size: int = 3
    truncation_fraction: float = 0.3  # parents are the best fraction (truncation selection)
    elitism: int = 2  # best genomes copied unchanged into the next population
    crossover_rate: float = 0.5  # probability that a child is a uniform crossover of two parents
    mutation_sigma: float = 0.05  # std of the Gaussian mutation, fraction of the range
    mutation_rate: float | None = None  # per-gene mutation probability; None: 1 / dim
    sigma0: float = 0.2  # std of the initial population around x0

    def __post_init__(self) -> None:
        super().__post_init__()
        check_int("popsize", self.popsize, 2)
        check_choice("selection", self.selection, ("tournament", "truncation"))
        check_int("tournament_size", self.tournament_size, 1)
        check_number("truncation_fraction", self.truncation_fraction, 0.0, 1.0, lo_open=True)
        check_int("elitism", self.elitism, 0)
        if self.elitism >= self.popsize:
            raise ValueError(f"strategy.elitism must be < popsize ({self.popsize}), got {self.elitism}")
        check_number("crossover_rate", self.crossover_rate, 0.0, 1.0)
        check_number("mutation_sigma", self.mutation_sigma, 0.0, 1.0, lo_open=True)
        if self.mutation_rate is not None:
            check_number("mutation_rate", self.mutation_rate, 0.0, 1.0, lo_open=True)
        check_number("sigma0", self.sigma0, 0.0, 1.0)


@dataclass(frozen=True)
class GAState:
    population: np.ndarray  # the genomes the next ask returns
    rng: np.random.Generator
    generation: int = 0
    best: np.ndarray | None = None  # best genome of the last told generation
    asked: np.ndarray | None = None


class GA(BaseStrategy):
    name = "ga"
    Params = GAParams

    def _init(self, x0, rng):
        rng = fork_rng(rng)
        pop = x0 + self.params.sigma0 * rng.standard_normal((self.params.popsize, len(x0)))
        pop[0] = x0
        return GAState(population=np.clip(pop, 0.0, 1.0), rng=rng)

    def _ask(self, state):
        x = state.population.copy()
        return x, replace(state, asked=x)

    def _parents(self, rng, order: np.ndarray, count: int) -> np.ndarray:
        """Indices of `count` parents; `order` sorts the population best first."""
        p = self.params
        lam = len(order)
        if p.selection == "truncation":
            pool = order[: max(1, int(round(p.truncation_fraction * lam)))]
            return pool[rng.integers(0, len(pool), size=count)]
        rank = np.empty(lam, dtype=int)
        rank[order] = np.arange(lam)
        entrants = rng.integers(0, lam, size=(count, p.tournament_size))
        winners = np.argmin(rank[entrants], axis=1)  # the best-ranked entrant wins
        return entrants[np.arange(count), winners]

    def _tell(self, state, genomes, losses):
        p = self.params
        losses = check_asked(state.asked, genomes, losses)
        rng = fork_rng(state.rng)
        pop = state.asked
        lam, n = pop.shape
        order = np.argsort(losses, kind="stable")
        elites = pop[order[: p.elitism]]
        k = lam - p.elitism
        a = pop[self._parents(rng, order, k)]
        b = pop[self._parents(rng, order, k)]
        cross = rng.random(k) < p.crossover_rate
        mask = rng.random((k, n)) < 0.5  # uniform crossover: each gene from either parent
        children = np.where(cross[:, None] & mask, b, a)
        rate = p.mutation_rate if p.mutation_rate is not None else 1.0 / n
        mutate = rng.random((k, n)) < rate
        children = children + mutate * p.mutation_sigma * rng.standard_normal((k, n))  # x + N(0, s^2)
        new_pop = np.clip(np.vstack([elites, children]), 0.0, 1.0)
        new = GAState(population=new_pop, rng=rng, generation=state.generation + 1, best=pop[order[0]].copy())
        return new, {"best_loss": float(losses[order[0]]), "diversity": float(pop.std(axis=0).mean())}

    def _center(self, state):
        return state.best if state.best is not None else state.population[0]
