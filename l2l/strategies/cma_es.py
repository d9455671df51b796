"""CMA-ES through pycma, behind the pure ask/tell interface; separable CMA-ES; noise handling.

Hansen, N. (2016). The CMA Evolution Strategy: A Tutorial. arXiv:1604.00772.
Separable CMA-ES: Ros, R. & Hansen, N. (2008). A Simple Modification in CMA-ES Achieving
Linear Time and Space Complexity. PPSN X.
Noise handling: Hansen, N., Niederberger, A. S. P., Guzzella, L. & Koumoutsakos, P. (2009).
A Method for Handling Uncertainty in Evolutionary Optimization With an Application to
Feedback Control of Combustion. IEEE TEC 13(1) (UH-CMA-ES), with the constants of pycma's
`NoiseHandler` (theta 0.5, c_s 0.3, alpha_sigma = alpha_evals = 1 + 2 / (n + 10), evaluations
decreased by alpha_evals^(-1/4) when no noise is measured, median aggregation).
Implementation: pycma (`cma` package), whose `CMAEvolutionStrategy` samples and updates; this
module makes its state explicit, its randomness ours, and moves the noise measurement into
ask/tell (pycma's `NoiseHandler` calls the objective itself, which our loop cannot allow).

Randomness: pycma draws from numpy's global generator unless its `randn` option is replaced.
We pass `_StateRandn`, a picklable callable over the state's own Generator, and `seed=nan`,
so pycma never touches global random state and the generator pickles with the state.

Purity at speed: `ask` and `tell` work on a fork of the pycma object (`_fork`), a deep copy
that shares the read-only parts (options, strategy parameters, genotype map) instead of
copying them, with the options dicts copied shallowly so that their `randn` is the fork's
own generator, and a copier specialised for pycma's plain objects, lists and arrays. It
costs under half a `copy.deepcopy` (see docs/benchmarks.md); the tests check that the input
state's pickled bytes never change and that the trajectory equals pycma called directly.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from l2l.strategies.base import BaseStrategy, NoiseParams, check_asked, check_int, check_number


class _StateRandn:
    """pycma's `randn(*shape)` drawing from a Generator that belongs to one strategy state."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng

    def __call__(self, *shape: int) -> np.ndarray:
        return self.rng.standard_normal(shape)


# values that are immutable: shared, never copied
_ATOMIC = {int, float, bool, str, bytes, complex, type(None), type, np.float64, np.int64, np.bool_}
_PLAIN: dict[type, bool] = {}


def _plain(t: type) -> bool:
    """A class defined in Python whose instances copy by copying their __dict__."""
    ok = _PLAIN.get(t)
    if ok is None:
        ok = (
            bool(t.__flags__ & (1 << 9))  # Py_TPFLAGS_HEAPTYPE: defined in Python, not C
            and t.__reduce_ex__ is object.__reduce_ex__
            and t.__reduce__ is object.__reduce__
            and not hasattr(t, "__deepcopy__")
            and not hasattr(t, "__setstate__")
            and getattr(t, "__getstate__", object.__getstate__) is object.__getstate__
            and not issubclass(t, dict | list | set | tuple)
            and all(not vars(b).get("__slots__") for b in t.__mro__[:-1])  # ABCs have empty slots
        )
        _PLAIN[t] = ok
    return ok


def _copy(obj: Any, memo: dict[int, Any]) -> Any:
    """copy.deepcopy's result, about twice as fast on pycma's object graph.

    Arrays, lists, dicts, tuples and plain Python objects are copied here; anything else
    (dict subclasses, generators, C types) goes to copy.deepcopy with the same memo.
    """
    t = type(obj)
    if t in _ATOMIC:
        return obj
    r = memo.get(id(obj))
    if r is not None:
        return r
    if t is np.ndarray:
        r = obj.copy(order="K")  # keep the memory layout, as deepcopy does (same BLAS sums)
    elif t is list:
        r = memo[id(obj)] = []
        r.extend([v if type(v) in _ATOMIC else _copy(v, memo) for v in obj])
        return r
    elif t is dict:
        r = memo[id(obj)] = {}
        for k, v in obj.items():
            r[k] = v if type(v) in _ATOMIC else _copy(v, memo)
        return r
    elif t is tuple:
        r = tuple(v if type(v) in _ATOMIC else _copy(v, memo) for v in obj)
    elif _plain(t):
        r = memo[id(obj)] = t.__new__(t)
        d = r.__dict__
        for k, v in obj.__dict__.items():
            d[k] = v if type(v) in _ATOMIC else _copy(v, memo)
        return r
    else:
        r = copy.deepcopy(obj, memo)
    memo[id(obj)] = r
    return r


def _fork(es: Any) -> Any:
    """A copy of a pycma object that shares nothing mutable with it (and its own generator)."""
    old = es.opts["randn"]
    new = _StateRandn(copy.deepcopy(old.rng))
    memo: dict[int, Any] = {id(old): new}
    for name in ("sp", "sp0", "gp"):  # set at construction, read-only in ask/tell
        if hasattr(es, name):
            memo[id(getattr(es, name))] = getattr(es, name)
    for name in ("opts", "inopts"):  # option values are read-only; only randn must be the fork's
        d = getattr(es, name)
        c = copy.copy(d)
        if c.get("randn") is old:
            c["randn"] = new
        memo[id(d)] = c
    return _copy(es, memo)


@dataclass(frozen=True)
class CMAParams(NoiseParams):
    """Hyperparameters of CMA-ES (defaults are pycma's where not stated)."""

    sigma0: float = 0.2  # initial step size as a fraction of each gene's range
    popsize: int | None = None  # None: pycma's default 4 + floor(3 ln n)
    diagonal: bool = False  # separable CMA-ES (sep-CMA, Ros & Hansen 2008)
    tolfun: float = 1e-11  # stop when the recent losses span less than this
    tolx: float = 1e-11  # stop when the step size times the largest axis falls below this
    noise_handling: bool = False  # UH-CMA-ES: re-evaluate a few offspring, raise sigma on noise
    noise_reevals: int | None = None  # offspring re-evaluated per generation; None: 2 + popsize/20
    noise_epsilon: float = 1e-7  # perturbation of a re-evaluated offspring, relative to sigma
    noise_max_evals: int = 1  # > 1: also raise the evaluations per genome (median) up to this

    def __post_init__(self) -> None:
        super().__post_init__()
        if not (isinstance(self.sigma0, int | float) and 0 < self.sigma0 <= 1):
            raise ValueError(f"strategy.sigma0 must be in (0, 1] (fraction of range), got {self.sigma0}")
        if self.popsize is not None and not (isinstance(self.popsize, int) and self.popsize >= 2):
            raise ValueError(f"strategy.popsize must be an integer >= 2 or null, got {self.popsize}")
        for f in ("tolfun", "tolx"):
            v = getattr(self, f)
            if not (isinstance(v, int | float) and v >= 0):
                raise ValueError(f"strategy.{f} must be a number >= 0, got {v}")
        if not isinstance(self.diagonal, bool) or not isinstance(self.noise_handling, bool):
            raise ValueError("strategy.diagonal and strategy.noise_handling must be true or false")
        check_int("noise_reevals", self.noise_reevals, 1, allow_none=True)
        check_number("noise_epsilon", self.noise_epsilon, 0.0, 1.0)
        check_int("noise_max_evals", self.noise_max_evals, 1)


@dataclass(frozen=True)
class SepCMAParams(CMAParams):
    diagonal: bool = True


@dataclass(frozen=True)
class CMAState:
    es: Any  # cma.CMAEvolutionStrategy, owning its _StateRandn generator
    generation: int = 0
    asked: np.ndarray | None = None  # genomes of the pending ask
    noise_s: float = 0.0  # smoothed uncertainty measure s-bar (Hansen et al. 2009)
    noise_evals: float = 1.0  # evaluations per genome; int() of it are asked (UH-CMA-ES)


def uncertainty_measure(fit: np.ndarray, fit_re: np.ndarray, idx: np.ndarray, theta: float = 0.5):
    """Rank-change measure s of Hansen et al. 2009 (sec. III-A), in pycma's variant.

    fit: the losses of the lam offspring; fit_re: the same with the re-evaluated ones (idx)
    replaced by their second evaluation. Both lists are ranked jointly (2 lam values).
    """
    lam = len(fit)
    order = np.argsort(np.concatenate([fit, fit_re]), kind="stable")
    ranks = np.argsort(order, kind="stable").reshape(2, lam)
    delta = ranks[0] - ranks[1] - np.sign(ranks[0] - ranks[1])  # eq. (2): rank change minus one
    r = np.arange(1, 2 * lam)
    s = []
    for i in idx:
        a, b = ranks[0, i], ranks[1, i]
        # eq. (3): the theta/2-percentile of the rank changes a random re-ranking would give
        lim = 0.5 * (
            np.percentile(np.abs(r - (a + 1 - (a > b))), theta * 50)
            + np.percentile(np.abs(r - (b + 1 - (b > a))), theta * 50)
        )
        s.append(abs(delta[i]) - max(lim, 1.0))  # eq. (4), one rank change is always fine
    return float(np.mean(s))


class CMAES(BaseStrategy):
    name = "cma"
    Params = CMAParams

    def _options(self, rng: np.random.Generator, popsize: int | None) -> dict:
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
        if popsize is not None:
            opts["popsize"] = popsize
        return opts

    def make_state(self, x0: np.ndarray, sigma0: float, rng: np.random.Generator, popsize=None, **extra):
        """A fresh CMA-ES state (used by the restart strategies for each new run)."""
        import cma  # imported lazily: pycma warns at import when matplotlib is absent

        es = cma.CMAEvolutionStrategy(np.asarray(x0, dtype=np.float64), sigma0, self._options(rng, popsize))
        for k, v in extra.items():
            es.opts[k] = v
        es.logger = None  # only fmin and plotting use it; it would pickle a second copy of es
        return CMAState(es=es)

    def _init(self, x0: np.ndarray, rng: np.random.Generator) -> CMAState:
        return self.make_state(x0, self.params.sigma0, rng, self.params.popsize)

    def _n_reevals(self, lam: int) -> int:
        if not self.params.noise_handling:
            return 0
        n = self.params.noise_reevals or int(2 + lam / 20)  # pycma's default lambda_reev
        return min(n, lam)

    def _ask(self, state: CMAState) -> tuple[np.ndarray, CMAState]:
        es = _fork(state.es)  # pure: the caller's state stays valid
        x = np.clip(np.array(es.ask(), dtype=np.float64), 0.0, 1.0)
        k = self._n_reevals(len(x))
        if k:  # re-evaluate k offspring, slightly perturbed (Hansen et al. 2009, sec. III-A)
            eps = self.params.noise_epsilon * es.sigma * es.opts["randn"](k, es.N)
            x = np.vstack([x, np.clip(x[:k] + eps, 0.0, 1.0)])
        m = int(state.noise_evals)
        if m > 1:  # each genome m times in a row; tell takes their median
            x = np.repeat(x, m, axis=0)
        return x, replace(state, es=es, asked=x)

    def _tell(self, state: CMAState, genomes: np.ndarray, losses: np.ndarray) -> tuple[CMAState, dict]:
        losses = check_asked(state.asked, genomes, losses)
        es = _fork(state.es)
        lam = es.popsize
        m = int(state.noise_evals)
        x = state.asked[::m]
        if m > 1:
            losses = np.median(losses.reshape(-1, m), axis=1)  # pycma's default aggregate
        es.tell(list(x[:lam]), losses[:lam].tolist())
        noise_s, evals = state.noise_s, state.noise_evals
        stats = {}
        if len(x) > lam:  # UH-CMA-ES: measure the rank changes of the re-evaluations
            k = len(x) - lam
            fit_re = losses[:lam].copy()
            fit_re[:k] = losses[lam:]
            s = uncertainty_measure(losses[:lam], fit_re, np.arange(k))
            noise_s = (1 - 0.3) * noise_s + 0.3 * s  # s-bar <- (1 - c_s) s-bar + c_s s, c_s = 0.3
            alpha = 1 + 2.0 / (es.N + 10)  # alpha_sigma = alpha_evals (pycma's constants)
            if noise_s > 0:  # treatment (sec. III-B): more evaluations and a larger sigma
                evals = min(evals * alpha, self.params.noise_max_evals)
                es.sigma *= alpha
            else:  # no noise detected: fewer evaluations again, alpha^(-1/4) per generation
                evals = max(evals * alpha**-0.25, 1.0)
            stats.update(noise_s=float(noise_s), noise_evals=float(int(evals)))
        stats.update(
            sigma=float(es.sigma),
            axis_ratio=float(es.D.max() / es.D.min()) if np.ndim(es.D) else 1.0,
        )
        new = CMAState(es=es, generation=state.generation + 1, noise_s=noise_s, noise_evals=evals)
        return new, stats

    def _center(self, state: CMAState) -> np.ndarray:
        es = state.es  # the mean lives in pycma's genotype space; map it into the bounds
        return np.asarray(es.gp.pheno(es.mean, into_bounds=es.boundary_handler.repair), dtype=np.float64)

    def _stop(self, state: CMAState) -> dict[str, Any]:
        if state.generation == 0:
            return {}
        return dict(state.es.stop())


class SepCMAES(CMAES):
    """Separable (diagonal) CMA-ES: CMA-ES with CMA_diagonal (Ros & Hansen 2008)."""

    name = "sep_cma"
    Params = SepCMAParams
