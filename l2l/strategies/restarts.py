"""IPOP- and BIPOP-CMA-ES: CMA-ES restarted with growing (or interleaved small) populations.

IPOP: Auger, A. & Hansen, N. (2005). A Restart CMA Evolution Strategy With Increasing
Population Size. IEEE CEC 2005. Each restart multiplies the population size by `incpopsize`
(2 in the paper).
BIPOP: Hansen, N. (2009). Benchmarking a BI-Population CMA-ES on the BBOB-2009 Function
Testbed. GECCO 2009 workshops. Two interleaved regimes: the large regime doubles the
population as IPOP does; the small regime draws lam_s = floor(lam_def (lam_large/lam_def)^(U^2))
and sigma_s = sigma0 10^(-2 U') with U, U' ~ U(0, 1), and runs at most half the evaluations
of the last large run. The regime that has used fewer evaluations runs next; the first run
(default population) is booked on the small budget. The bookkeeping follows pycma's `fmin`.

pycma implements restarts only inside `fmin`, which calls the objective itself. Here the
restart decision happens in `tell`: when the current run meets a pycma termination criterion
(tolfun, tolx, stagnation, ...), `tell` returns a state holding a fresh run, so the next
`ask` returns the new (larger or smaller) population. All draws come from the state's own
generator; each run gets a generator spawned from it.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any

import numpy as np

from l2l.strategies.base import BaseStrategy, check_choice, check_int, check_number, fork_rng
from l2l.strategies.cma_es import CMAES, CMAParams, CMAState


@dataclass(frozen=True)
class RestartParams(CMAParams):
    """CMA-ES hyperparameters (the first run's) plus the restart scheme's."""

    max_restarts: int = 9  # restarts in the large regime (small runs do not count), as pycma
    incpopsize: float = 2.0  # population factor per large restart (Auger & Hansen 2005)
    restart_x0: str = "random"  # random: uniform in the cube (BBOB practice); initial: x0 again

    def __post_init__(self) -> None:
        super().__post_init__()
        check_int("max_restarts", self.max_restarts, 0)
        check_number("incpopsize", self.incpopsize, 1.0, lo_open=True)
        check_choice("restart_x0", self.restart_x0, ("random", "initial"))


@dataclass(frozen=True)
class RestartState:
    run: CMAState  # the current CMA-ES run
    rng: np.random.Generator  # restart draws (x0, U) and the seeds of each run's generator
    x0: np.ndarray
    popsize0: int  # the first run's population size, lam_def
    irun: int = 0  # index of the current run
    runs_small: int = 0  # small-regime runs started (BIPOP)
    regime: str = "small"  # the current run's regime; the first run is booked as small
    budget_small: int = 0  # evaluations spent per regime, finished runs only
    budget_large: int = 0
    run_evals: int = 0  # evaluations of the current run
    run_maxiter: float = np.inf  # iteration cap of a small-regime run
    exhausted: bool = False  # max_restarts reached: the current (stopped) run is the last


class IPOPCMAES(BaseStrategy):
    name = "ipop_cma"
    Params = RestartParams
    bipop = False

    def __init__(self, params: Any = None) -> None:
        super().__init__(params)
        inner = {f.name: getattr(self.params, f.name) for f in fields(CMAParams)}
        inner["reevaluate"] = "none"  # re-evaluation is done once, around the restarts
        self.cma = CMAES(CMAParams(**inner))

    def _spawn(self, rng: np.random.Generator) -> np.random.Generator:
        return np.random.Generator(np.random.PCG64(int(rng.integers(2**63))))

    def _init(self, x0: np.ndarray, rng: np.random.Generator) -> RestartState:
        run = self.cma.make_state(x0, self.params.sigma0, self._spawn(rng), self.params.popsize)
        return RestartState(run=run, rng=rng, x0=x0.copy(), popsize0=int(run.es.popsize))

    def _ask(self, state: RestartState) -> tuple[np.ndarray, RestartState]:
        x, run = self.cma._ask(state.run)
        return x, replace(state, run=run)

    def _tell(self, state: RestartState, genomes: np.ndarray, losses: np.ndarray):
        run, stats = self.cma._tell(state.run, genomes, losses)
        st = replace(state, run=run, run_evals=state.run_evals + len(genomes))
        stopped = self.cma._stop(run)
        if not stopped and run.generation >= st.run_maxiter:
            stopped = {"maxiter": st.run_maxiter}
        if stopped and not st.exhausted:
            st = self._restart(st)
        stats.update(restarts=float(st.irun), popsize=float(st.run.es.popsize))
        return st, stats

    def _restart(self, st: RestartState) -> RestartState:
        p = self.params
        small, large = st.budget_small, st.budget_large
        if st.regime == "small":
            small += st.run_evals
        else:
            large += st.run_evals
        irun = st.irun + 1
        rng = fork_rng(st.rng)  # pure: the input state's generator is never advanced
        sigma, maxiter, regime, runs_small = p.sigma0, np.inf, "large", st.runs_small
        if self.bipop and small < max(1, large):  # the small regime has used less: run it
            regime, runs_small = "small", runs_small + 1
            sigma = p.sigma0 * 0.01 ** rng.uniform()  # sigma0 10^(-2 U)
            mult = p.incpopsize ** (irun - runs_small)
            lam = int(st.popsize0 * mult ** (rng.uniform() ** 2))  # lam_def (lam_l/lam_def)^(U^2)
            maxiter = 0.5 * large / lam  # at most half the budget of the large runs
        else:
            lam = int(round(st.popsize0 * p.incpopsize ** (irun - runs_small)))
        if irun - runs_small > p.max_restarts:  # restarts exhausted: keep the stopped run
            return replace(st, exhausted=True)
        x0 = rng.uniform(0.0, 1.0, size=st.x0.shape) if p.restart_x0 == "random" else st.x0
        run = self.cma.make_state(x0, sigma, self._spawn(rng), max(lam, 2))
        return replace(
            st,
            run=run,
            rng=rng,
            irun=irun,
            runs_small=runs_small,
            regime=regime,
            budget_small=small,
            budget_large=large,
            run_evals=0,
            run_maxiter=maxiter,
        )

    def _center(self, state: RestartState) -> np.ndarray:
        return self.cma._center(state.run)

    def _stop(self, state: RestartState) -> dict[str, Any]:
        if not state.exhausted:
            return {}
        return {"max_restarts": self.params.max_restarts, **self.cma._stop(state.run)}


class BIPOPCMAES(IPOPCMAES):
    name = "bipop_cma"
    bipop = True
