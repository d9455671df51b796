"""Benchmarks of l2l.strategies (not a test): overhead against pycma, evaluations to target.

    python3 benchmarks/strategies.py overhead [--dims 10 100] [--generations 300] [--rounds 5] [--clock wall]
    python3 benchmarks/strategies.py targets [--dims 5 10] [--seeds 3]   # BBOB via ioh if installed
    python3 benchmarks/strategies.py evosax [--dims 5 10] [--seeds 3]    # evosax where it installs
    python3 benchmarks/strategies.py budgets                             # the test budgets' data

overhead: seconds per generation (ask + tell, objective included, the same in all variants)
of CMA-ES through l2l.strategies against pycma's CMAEvolutionStrategy called directly with
the same options and generator, and against the walking skeleton's approach (a full
copy.deepcopy of the pycma object in ask and in tell). The three variants follow the identical
trajectory (checked), so the timings compare equal work. Rounds are interleaved and the
median is reported; BLAS runs single-threaded (set before numpy loads) so that threads of
a loaded machine do not dominate. The default clock is the process's CPU time, which other
users of a shared machine disturb far less than wall time (`--clock wall` for wall time).
Print `uptime` beside any figure you quote.

targets: evaluations until f - f_opt < 1e-8 on BBOB functions (ioh's implementation of
Hansen et al. 2009, instance 1), for every registered strategy with default parameters,
median over seeds, within a budget of 2e4 n evaluations; unsolved runs report the best
f - f_opt reached. Without ioh, our own sphere/ellipsoid/Rosenbrock/Rastrigin are used.
"""

from __future__ import annotations

import argparse
import copy
import os
import sys
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import numpy as np  # noqa: E402

from l2l.seeding import strategy_rng  # noqa: E402
from l2l.strategies import REGISTRY, cma_es  # noqa: E402
from l2l.strategies import testbed as tb  # noqa: E402

_CLOCKS = {"cpu": time.process_time, "wall": time.perf_counter}
_CLOCK = ["cpu"]


def _clock() -> float:
    return _CLOCKS[_CLOCK[0]]()


def _load() -> str:
    try:
        return os.getloadavg().__repr__()
    except OSError:
        return "n/a"


# ---------------------------------------------------------------- overhead against pycma
def _pycma_direct(dim: int, gens: int, seed: int, loss) -> tuple[float, np.ndarray]:
    import cma

    s = cma_es.CMAES()
    opts = s._options(strategy_rng(seed), None)
    es = cma.CMAEvolutionStrategy(np.full(dim, 0.8), 0.2, opts)
    t0 = _clock()
    for _ in range(gens):
        x = es.ask()
        es.tell(x, loss(np.array(x)).tolist())
    return _clock() - t0, np.array(es.mean)


def _ours(dim: int, gens: int, seed: int, loss, fork=None) -> tuple[float, np.ndarray]:
    saved = cma_es._fork
    if fork is not None:
        cma_es._fork = fork
    try:
        s = cma_es.CMAES()
        st = s.init(np.full(dim, 0.8), strategy_rng(seed))
        t0 = _clock()
        for _ in range(gens):
            x, st = s.ask(st)
            st, _ = s.tell(st, x, loss(x))
        return _clock() - t0, np.array(st.es.mean)
    finally:
        cma_es._fork = saved


def overhead(dims, gens: int, rounds: int) -> None:
    loss = tb.unit_loss("ellipsoid")
    print(f"# CMA-ES {_CLOCK[0]} time per generation, {gens} generations x {rounds} rounds, median")
    print(f"# load average before: {_load()}")
    print("| dim | popsize | pycma direct (ms) | l2l (ms) | ratio | full deepcopy (ms) | ratio |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for dim in dims:
        t = {"direct": [], "ours": [], "deep": []}
        for r in range(rounds):
            td, md = _pycma_direct(dim, gens, r, loss)
            to, mo = _ours(dim, gens, r, loss)
            tdc, mdc = _ours(dim, gens, r, loss, fork=copy.deepcopy)
            if not (np.array_equal(md, mo) and np.array_equal(md, mdc)):
                sys.exit("trajectories differ: the comparison would be unfair")
            t["direct"].append(td)
            t["ours"].append(to)
            t["deep"].append(tdc)
        med = {k: 1e3 * float(np.median(v)) / gens for k, v in t.items()}
        lam = 4 + int(3 * np.log(dim))
        print(
            f"| {dim} | {lam} | {med['direct']:.3f} | {med['ours']:.3f} | {med['ours'] / med['direct']:.2f} "
            f"| {med['deep']:.3f} | {med['deep'] / med['direct']:.2f} |"
        )
    print(f"# load after: {_load()}")


def overhead_all(dim: int, gens: int) -> None:
    loss = tb.unit_loss("sphere")
    print(f"# every strategy, default parameters, {dim}-D sphere, {gens} generations; load {_load()}")
    print("| strategy | popsize | ms / generation |")
    print("|---|---:|---:|")
    for name, (cls, params) in REGISTRY.items():
        s = cls(params())
        st = s.init(np.full(dim, 0.8), strategy_rng(0))
        t0, n = _clock(), 0
        for _ in range(gens):
            x, st = s.ask(st)
            st, _ = s.tell(st, x, loss(x))
            n = len(x)
        print(f"| {name} | {n} | {1e3 * (_clock() - t0) / gens:.3f} |")


# ---------------------------------------------------------------- evaluations to target
def _bbob(fid: int, dim: int):
    """(vectorised loss of unit-cube genomes giving f - f_opt, name) from ioh, or None."""
    try:
        import ioh
    except ImportError:
        return None
    p = ioh.get_problem(fid, instance=1, dimension=dim, problem_class=ioh.ProblemClass.BBOB)
    fopt = p.optimum.y

    def loss(u):
        x = -5.0 + 10.0 * np.asarray(u)
        return np.array([p(xi) for xi in x]) - fopt

    return loss, f"f{fid} {p.meta_data.name}"


BBOB_IDS = (1, 2, 8, 10, 15)  # sphere, separable ellipsoid, Rosenbrock, ellipsoid, Rastrigin (rotated)


def _run(strategy, loss, dim, budget, seed, target=1e-8):
    st = strategy.init(np.full(dim, 0.5), strategy_rng(seed))  # BBOB: optimum in [-4, 4]^n, start 0
    evals, best = 0, np.inf
    while evals < budget and best >= target and not strategy.stop(st):
        x, st = strategy.ask(st)
        y = loss(x)
        st, _ = strategy.tell(st, x, y)
        evals += len(x)
        best = min(best, float(y.min()))
    return (evals if best < target else None), best


def targets(dims, seeds: int, names=None) -> None:
    names = names or list(REGISTRY)
    have_ioh = _bbob(1, 2) is not None
    src = "BBOB via ioh (instance 1)" if have_ioh else "own definitions (ioh not installed)"
    print(f"# evaluations to f - f_opt < 1e-8, median over {seeds} seeds ({src}); load {_load()}")
    print("# cell: median evaluations (solved/seeds), or the median best f - f_opt when none solved")
    functions = []
    for dim in dims:
        if have_ioh:
            functions += [(dim, *_bbob(fid, dim)) for fid in BBOB_IDS]
        else:
            own = ("sphere", "ellipsoid", "rosenbrock", "rastrigin")
            functions += [(dim, tb.unit_loss(f), f) for f in own]
    print("| function | dim | " + " | ".join(names) + " |")
    print("|---|---:|" + "---:|" * len(names))
    for dim, loss, fname in functions:
        cells = []
        for name in names:
            cls, params = REGISTRY[name]
            res = [_run(cls(params()), loss, dim, 20_000 * dim, seed) for seed in range(seeds)]
            solved = [e for e, _ in res if e is not None]
            if solved:
                cells.append(f"{int(np.median(solved))} ({len(solved)}/{seeds})")
            else:
                cells.append(f"best {np.median([b for _, b in res]):.1e}")
        print(f"| {fname} | {dim} | " + " | ".join(cells) + " |", flush=True)
    print(f"# load after: {_load()}")


# ---------------------------------------------------------------- evosax comparison
def evosax_targets(dims, seeds: int) -> None:
    """The same runs with evosax's implementations (JAX), in the BBOB domain [-5, 5]^n."""
    try:
        import jax

        jax.config.update("jax_enable_x64", True)  # float64 as ours: 1e-8 targets need it
        import jax.numpy as jnp
        from evosax import algorithms as ea
    except ImportError as exc:
        print(f"evosax not importable here ({exc}); install the bench extra")
        return
    pairs = {"cma": "CMA_ES", "sep_cma": "Sep_CMA_ES", "snes": "SNES", "xnes": "xNES", "open_es": "Open_ES"}
    from importlib.metadata import version as _version

    version = _version("evosax")
    print(f"# evosax {version}: evaluations to 1e-8, median over {seeds} seeds; load {_load()}")
    print("| function | dim | " + " | ".join(f"evosax {k}" for k in pairs) + " |")
    print("|---|---:|" + "---:|" * len(pairs))
    for dim in dims:
        for fid in BBOB_IDS:
            bb = _bbob(fid, dim)
            if bb is None:
                print("ioh missing")
                return
            loss, fname = bb
            cells = []
            for name, cls_name in pairs.items():
                cls = getattr(ea, cls_name)
                lam = REGISTRY[name][1]().popsize if hasattr(REGISTRY[name][1](), "popsize") else None
                lam = lam or 4 + int(3 * np.log(dim))
                res = []
                for seed in range(seeds):
                    key = jax.random.key(seed)
                    es = cls(population_size=lam, solution=jnp.zeros(dim))
                    params = es.default_params
                    if hasattr(params, "std_init"):
                        params = params.replace(std_init=0.2)
                    state = es.init(key, jnp.full(dim, 0.5), params)
                    ask, tell = jax.jit(es.ask), jax.jit(es.tell)
                    evals, best = 0, np.inf
                    while evals < 20_000 * dim and best >= 1e-8:
                        key, k1, k2 = jax.random.split(key, 3)
                        x, state = ask(k1, state, params)
                        y = loss(np.clip(np.asarray(x), 0.0, 1.0))  # the unit cube, as ours
                        state, _ = tell(k2, x, jnp.asarray(y), state, params)
                        evals += lam
                        best = min(best, float(y.min()))
                    res.append((evals if best < 1e-8 else None, best))
                solved = [e for e, _ in res if e is not None]
                cells.append(
                    f"{int(np.median(solved))} ({len(solved)}/{seeds})"
                    if solved
                    else f"best {np.median([b for _, b in res]):.1e}"
                )
            print(f"| {fname} | {dim} | " + " | ".join(cells) + " |", flush=True)


# ---------------------------------------------------------------- the test budgets' data
def budgets() -> None:
    """Re-measure the convergence cases of tests/l2l/strategies/test_convergence.py (seeds 0-9)."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).parents[1] / "tests" / "l2l" / "strategies" / "test_convergence.py"
    spec = importlib.util.spec_from_file_location("test_convergence", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    print("| strategy | params | function | dim | target | max evals, seeds 0-9 | recorded | budget |")
    print("|---|---|---|---:|---:|---:|---:|---:|")
    for name, kw, fn, dim, target, budget, _, recorded in mod.CASES:
        cls, params = REGISTRY[name]
        res = [tb.evals_to_target(cls(params(**kw)), fn, dim, target, 10 * budget, s)[0] for s in range(10)]
        worst = "unsolved" if None in res else max(res)
        print(f"| {name} | {kw} | {fn} | {dim} | {target:g} | {worst} | {recorded} | {budget} |", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("what", choices=["overhead", "targets", "evosax", "budgets"])
    ap.add_argument("--dims", type=int, nargs="+")
    ap.add_argument("--generations", type=int, default=300)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--strategies", nargs="+")
    ap.add_argument("--clock", choices=["cpu", "wall"], default="cpu", help="overhead: CPU or wall time")
    a = ap.parse_args()
    _CLOCK[0] = a.clock
    if a.what == "overhead":
        overhead(a.dims or [10, 100], a.generations, a.rounds)
        overhead_all(100, 50)
    elif a.what == "targets":
        targets(a.dims or [5, 10], a.seeds, a.strategies)
    elif a.what == "evosax":
        evosax_targets(a.dims or [5, 10], a.seeds)
    else:
        budgets()


if __name__ == "__main__":
    main()
