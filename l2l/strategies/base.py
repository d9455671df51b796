"""The one ask/tell interface every evolution strategy implements, and what they share.

A strategy object holds only its hyperparameters (a frozen `Params` dataclass, overridable
from the config). Everything that evolves, the random generator included, lives in an
explicit state object that pickles, so a run resumes exactly. `ask` and `tell` are pure:
they return a new state and never modify the one passed in.

Strategies search the unit cube [0, 1]^dim (see `l2l.search_space`) and minimise a loss.
The genomes `ask` returns lie in the cube; the population size may change between
generations (restart strategies, re-evaluations), so callers size everything from `ask`.

`tell` takes exactly the genomes the preceding `ask` returned (checked) and one finite loss
per genome (failed evaluations are ranked worst by `l2l.fitness.rankable_losses` before).

Noisy fitness (all strategies): with `reevaluate: mean` or `reevaluate: elite`, `ask` appends
`reevaluations` copies of the distribution mean (or of the elite and of a challenger) to the
offspring, and `tell` splits the losses: the offspring update the search distribution, the
re-evaluations give unbiased loss estimates (see `BaseStrategy`). A lucky single evaluation
thus never becomes the recommendation (re-evaluation against noise: Jin & Branke 2005,
"Evolutionary Optimization in Uncertain Environments - A Survey", IEEE TEC 9(3), sec. II-A).
`center(state)` returns the recommended genome.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, fields, replace
from typing import Any, Protocol, runtime_checkable

import numpy as np

REEVALUATE = ("none", "mean", "elite")


@runtime_checkable
class Strategy(Protocol):
    name: str

    def init(self, x0: np.ndarray, rng: np.random.Generator) -> Any:
        """The start state: x0 is the start point in the unit cube; rng is owned by the state."""

    def ask(self, state: Any) -> tuple[np.ndarray, Any]:
        """Genomes to evaluate, shape (popsize, dim) within [0, 1], and the new state."""

    def tell(self, state: Any, genomes: np.ndarray, losses: np.ndarray) -> tuple[Any, dict]:
        """Update from the losses of the genomes asked for; returns the new state and stats.

        Stats are flat {name: float} (e.g. sigma) that land in generations.parquet.
        """

    def stop(self, state: Any) -> dict[str, Any]:
        """Termination reasons that hold now; empty when the search should go on."""


def check_tell(genomes: np.ndarray, losses: np.ndarray, popsize: int, dim: int) -> np.ndarray:
    """Validate what a caller tells a strategy; losses must be finite (see l2l.fitness)."""
    genomes = np.asarray(genomes)
    losses = np.asarray(losses, dtype=np.float64)
    if genomes.shape != (popsize, dim):
        raise ValueError(f"tell: genomes have shape {genomes.shape}, expected {(popsize, dim)}")
    if losses.shape != (popsize,):
        raise ValueError(f"tell: losses have shape {losses.shape}, expected ({popsize},)")
    if not np.all(np.isfinite(losses)):
        raise ValueError(
            "tell: losses must be finite; rank failed evaluations with l2l.fitness.rankable_losses"
        )
    return losses


def check_asked(asked: np.ndarray | None, genomes: np.ndarray, losses: np.ndarray) -> np.ndarray:
    """Losses of exactly the genomes the last `ask` returned; raises a clear error otherwise."""
    if asked is None:
        raise ValueError("tell: this state has no pending genomes; call ask(state) first")
    losses = check_tell(genomes, losses, *asked.shape)
    if not np.array_equal(np.asarray(genomes, dtype=np.float64), asked):
        raise ValueError("tell: genomes differ from those ask returned; pass them back unchanged")
    return losses


def check_x0(x0: np.ndarray) -> np.ndarray:
    x0 = np.asarray(x0, dtype=np.float64)
    if x0.ndim != 1 or x0.size == 0 or not np.all((x0 >= 0) & (x0 <= 1)):
        raise ValueError(f"init: x0 must be a non-empty vector in the unit cube, got {x0!r}")
    return x0


def fork_rng(rng: np.random.Generator) -> np.random.Generator:
    """An independent copy of a generator at its current position (so the original is kept)."""
    return copy.deepcopy(rng)


def check_number(name: str, value: Any, lo: float, hi: float = np.inf, lo_open=False, hi_open=False):
    """A finite number within [lo, hi] (open ends as flagged), else an error naming strategy.<name>."""
    ok = isinstance(value, int | float) and not isinstance(value, bool) and bool(np.isfinite(value))
    ok = ok and (value > lo if lo_open else value >= lo) and (value < hi if hi_open else value <= hi)
    if not ok:
        a, b = ("(" if lo_open else "["), (")" if hi_open else "]")
        raise ValueError(f"strategy.{name} must be a number in {a}{lo}, {hi}{b}, got {value!r}")


def check_int(name: str, value: Any, lo: int, allow_none: bool = False) -> None:
    if value is None and allow_none:
        return
    if isinstance(value, bool) or not isinstance(value, int) or value < lo:
        extra = " or null" if allow_none else ""
        raise ValueError(f"strategy.{name} must be an integer >= {lo}{extra}, got {value!r}")


def check_choice(name: str, value: Any, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise ValueError(f"strategy.{name} must be one of {list(allowed)}, got {value!r}")


@dataclass(frozen=True)
class NoiseParams:
    """Re-evaluation options shared by every strategy's Params (config keys of each strategy)."""

    reevaluate: str = "none"  # none | mean | elite: which point to re-evaluate each generation
    reevaluations: int = 1  # how many re-evaluations of it per generation

    def __post_init__(self) -> None:
        check_choice("reevaluate", self.reevaluate, REEVALUATE)
        check_int("reevaluations", self.reevaluations, 1)


def param_names(cls: type) -> list[str]:
    return [f.name for f in fields(cls)]


@dataclass(frozen=True)
class ReevalState:
    core: Any  # the strategy's own state
    pending: np.ndarray | None = None  # the points re-evaluated in the pending generation
    elite: np.ndarray | None = None
    elite_loss: float = np.inf  # mean loss over all re-evaluations of the elite
    elite_evals: int = 0
    challenger: np.ndarray | None = None  # best offspring of the last generation


class BaseStrategy:
    """ask/tell with the shared re-evaluation logic; subclasses implement the `_` methods.

    Subclasses define `name`, `Params`, `_init(x0, rng)`, `_ask(core)`, `_tell(core, genomes,
    losses)` (checking with `check_asked`), `_center(core)` and optionally `_stop(core)`.

    Re-evaluation appends k = `reevaluations` rows per re-evaluated point after the offspring:
    - mean: k copies of the distribution mean (its loss estimate is reported as reeval_loss);
    - elite: k copies of the elite, then k copies of the challenger (the best offspring of the
      previous generation). The elite's estimate is the mean of all its re-evaluations; the
      challenger replaces it when the mean of its k re-evaluations is lower. Comparing
      re-evaluations only (never the offspring's own, selected-hence-lucky loss) keeps the
      winner's curse out of the comparison. Before any elite exists the mean is the
      challenger.
    """

    name = "base"
    Params: type = NoiseParams

    def __init__(self, params: Any = None) -> None:
        self.params = params if params is not None else self.Params()

    @property
    def _reeval(self) -> bool:
        return self.params.reevaluate != "none"

    def init(self, x0: np.ndarray, rng: np.random.Generator) -> Any:
        core = self._init(check_x0(x0), rng)
        return ReevalState(core=core) if self._reeval else core

    def _points(self, state: ReevalState) -> np.ndarray:
        """The points to re-evaluate this generation, one row each (elite first)."""
        mean = np.clip(self._center(state.core), 0.0, 1.0)
        if self.params.reevaluate == "mean":
            return mean[None, :]
        pts = [p for p in (state.elite, state.challenger) if p is not None]
        return np.array(pts) if pts else mean[None, :]

    def ask(self, state: Any) -> tuple[np.ndarray, Any]:
        if not self._reeval:
            return self._ask(state)
        x, core = self._ask(state.core)
        points = self._points(state)
        extra = np.repeat(points, self.params.reevaluations, axis=0)
        return np.vstack([x, extra]), replace(state, core=core, pending=points)

    def tell(self, state: Any, genomes: np.ndarray, losses: np.ndarray) -> tuple[Any, dict]:
        if not self._reeval:
            return self._tell(state, genomes, losses)
        if state.pending is None:
            raise ValueError("tell: this state has no pending genomes; call ask(state) first")
        k = self.params.reevaluations
        m = len(state.pending) * k
        genomes = np.asarray(genomes, dtype=np.float64)
        losses = np.asarray(losses, dtype=np.float64)
        if genomes.ndim != 2 or len(genomes) <= m or losses.shape != (len(genomes),):
            raise ValueError(
                f"tell: expected the offspring plus {m} re-evaluation genome(s) with one loss each,"
                f" got genomes of shape {genomes.shape} and losses of shape {losses.shape}"
            )
        n = len(genomes) - m
        if not np.array_equal(genomes[n:], np.repeat(state.pending, k, axis=0)):
            raise ValueError("tell: genomes differ from those ask returned; pass them back unchanged")
        core, stats = self._tell(state.core, genomes[:n], losses[:n])
        re = losses[n:].reshape(len(state.pending), k)
        if not np.all(np.isfinite(re)):
            raise ValueError("tell: losses must be finite; rank failed evaluations with rankable_losses")
        stats = {**stats, "reeval_loss": float(re[0].mean()), "reeval_std": float(re[0].std())}
        new = replace(state, core=core, pending=None)
        if self.params.reevaluate == "elite":
            elite, e_loss, e_n = state.elite, state.elite_loss, state.elite_evals
            c_loss = float(re[-1].mean())  # the challenger's (or first mean's) re-evaluations
            if elite is not None:  # running mean over all re-evaluations of the elite
                e_loss = (e_loss * e_n + re[0].sum()) / (e_n + k)
                e_n += k
            if elite is None or (len(re) > 1 and c_loss < e_loss):
                elite, e_loss, e_n = state.pending[-1], c_loss, k
            challenger = genomes[int(np.argmin(losses[:n]))].copy()
            new = replace(new, elite=elite, elite_loss=float(e_loss), elite_evals=e_n, challenger=challenger)
            stats.update(elite_loss=float(e_loss), elite_evals=float(e_n))
        return new, stats

    def stop(self, state: Any) -> dict[str, Any]:
        return self._stop(state.core if self._reeval else state)

    def center(self, state: Any) -> np.ndarray:
        """The recommended genome now: the elite when re-evaluating elites, else the mean."""
        if self._reeval:
            if self.params.reevaluate == "elite" and state.elite is not None:
                return state.elite.copy()
            state = state.core
        return np.clip(self._center(state), 0.0, 1.0)

    def _stop(self, core: Any) -> dict[str, Any]:
        return {}
