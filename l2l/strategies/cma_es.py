"""CMA-ES through pycma, behind the pure ask/tell interface.

Hansen, N. (2016). The CMA Evolution Strategy: A Tutorial. arXiv:1604.00772.
Implementation: pycma (`cma` package, Hansen et al.), whose `CMAEvolutionStrategy` does the
sampling and the updates; this module only makes its state explicit and its randomness ours.

pycma draws from numpy's global generator and seeds it (with the clock for seed 0 or None)
unless its `randn` option is replaced. We pass `_StateRandn`, a picklable callable over the
state's own Generator, and `seed=nan`, so pycma never touches global random state and the
generator pickles with the state.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from l2l.strategies.base import check_tell


class _StateRandn:
    """pycma's `randn(*shape)` drawing from a Generator that belongs to one strategy state."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng

    def __call__(self, *shape: int) -> np.ndarray:
        return self.rng.standard_normal(shape)


@dataclass(frozen=True)
class CMAParams:
    """Hyperparameters of CMA-ES (defaults are pycma's where not stated)."""

    sigma0: float = 0.2  # initial step size as a fraction of each gene's range
    popsize: int | None = None  # None: pycma's default 4 + floor(3 ln n)
    diagonal: bool = False  # separable CMA-ES (sep-CMA, Ros & Hansen 2008)
    tolfun: float = 1e-11  # stop when the recent losses span less than this
    tolx: float = 1e-11  # stop when the step size times the largest axis falls below this

    def __post_init__(self) -> None:
        if not (isinstance(self.sigma0, int | float) and 0 < self.sigma0 <= 1):
            raise ValueError(f"strategy.sigma0 must be in (0, 1] (fraction of range), got {self.sigma0}")
        if self.popsize is not None and not (isinstance(self.popsize, int) and self.popsize >= 2):
            raise ValueError(f"strategy.popsize must be an integer >= 2 or null, got {self.popsize}")
        for f in ("tolfun", "tolx"):
            v = getattr(self, f)
            if not (isinstance(v, int | float) and v >= 0):
                raise ValueError(f"strategy.{f} must be a number >= 0, got {v}")


@dataclass(frozen=True)
class CMAState:
    es: Any  # cma.CMAEvolutionStrategy, owning its _StateRandn generator
    generation: int = 0


class CMAES:
    name = "cma"

    def __init__(self, params: CMAParams | None = None) -> None:
        self.params = params or CMAParams()

    def init(self, x0: np.ndarray, rng: np.random.Generator) -> CMAState:
        import cma  # imported lazily: pycma warns at import when matplotlib is absent

        x0 = np.asarray(x0, dtype=np.float64)
        p = self.params
        opts = {
            "randn": _StateRandn(rng),
            "seed": math.nan,  # with our randn pycma ignores the seed; nan also silences it
            "bounds": [0.0, 1.0],
            "verbose": -9,
            "verb_log": 0,  # no outcmaes/ files
            "verb_disp": 0,
            "tolfun": p.tolfun,
            "tolx": p.tolx,
            "CMA_diagonal": bool(p.diagonal),
        }
        if p.popsize is not None:
            opts["popsize"] = p.popsize
        es = cma.CMAEvolutionStrategy(x0, p.sigma0, opts)
        return CMAState(es=es, generation=0)

    def ask(self, state: CMAState) -> tuple[np.ndarray, CMAState]:
        es = copy.deepcopy(state.es)  # pure: the caller's state stays valid
        genomes = np.clip(np.array(es.ask(), dtype=np.float64), 0.0, 1.0)
        return genomes, CMAState(es=es, generation=state.generation)

    def tell(self, state: CMAState, genomes: np.ndarray, losses: np.ndarray) -> tuple[CMAState, dict]:
        es = copy.deepcopy(state.es)
        losses = check_tell(genomes, losses, es.popsize, es.N)
        es.tell(list(np.asarray(genomes, dtype=np.float64)), losses.tolist())
        stats = {
            "sigma": float(es.sigma),
            "axis_ratio": float(es.D.max() / es.D.min()) if np.ndim(es.D) else 1.0,
        }
        return CMAState(es=es, generation=state.generation + 1), stats

    def stop(self, state: CMAState) -> dict[str, Any]:
        if state.generation == 0:
            return {}
        return dict(state.es.stop())
