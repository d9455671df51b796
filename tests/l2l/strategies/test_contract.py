"""Every registered strategy (and the noise variants): purity, exact resume, bounds, config keys."""

import dataclasses
import pickle
from pathlib import Path

import numpy as np
import pytest
import yaml

from l2l.config import study_from_dict
from l2l.run import run_study
from l2l.seeding import strategy_rng
from l2l.strategies import REGISTRY
from l2l.strategies.testbed import drive, unit_loss

CONFIGS = Path(__file__).parents[3] / "configs" / "strategy"

# every strategy with its defaults, plus the re-evaluation and noise-handling variants
VARIANTS = [(name, {}) for name in REGISTRY] + [
    ("cma", {"noise_handling": True}),
    ("cma", {"noise_handling": True, "noise_max_evals": 3}),
    ("snes", {"reevaluate": "mean", "reevaluations": 2}),
    ("ga", {"reevaluate": "elite", "reevaluations": 3}),
    ("bipop_cma", {"reevaluate": "elite"}),
    ("cem", {"covariance": "diagonal", "popsize": 30}),
    ("open_es", {"optimizer": "clipup", "antithetic": False, "weight_decay": 0.01}),
]
IDS = [n + "".join(f"-{k}={v}" for k, v in kw.items()) for n, kw in VARIANTS]


def make(name, **kw):
    cls, params = REGISTRY[name]
    return cls(params(**kw))


def noisy_sphere(u):
    return unit_loss("sphere")(u - 0.1)


@pytest.mark.parametrize("name, kw", VARIANTS, ids=IDS)
def test_ask_and_tell_never_modify_their_input_state(name, kw):
    s = make(name, **kw)
    st0 = s.init(np.full(4, 0.6), strategy_rng(5))
    st0, _ = drive(s, st0, noisy_sphere, 2)
    before = pickle.dumps(st0)
    x1, st1 = s.ask(st0)
    x1b, _ = s.ask(st0)
    np.testing.assert_array_equal(x1, x1b)  # asking the same state twice gives the same genomes
    assert pickle.dumps(st0) == before
    mid = pickle.dumps(st1)
    st2, stats = s.tell(st1, x1, noisy_sphere(x1))
    st2b, _ = s.tell(st1, x1, noisy_sphere(x1))
    assert pickle.dumps(st1) == mid
    np.testing.assert_array_equal(s.ask(st2)[0], s.ask(st2b)[0])
    assert stats and all(isinstance(v, float) for v in stats.values())


@pytest.mark.parametrize("name, kw", VARIANTS, ids=IDS)
def test_resume_from_pickle_gives_the_identical_trajectory(name, kw):
    s = make(name, **kw)
    st = s.init(np.full(3, 0.7), strategy_rng(11))
    st, _ = drive(s, st, noisy_sphere, 4)
    resumed = pickle.loads(pickle.dumps(st))
    a_state, a = drive(s, st, noisy_sphere, 6)
    b_state, b = drive(s, resumed, noisy_sphere, 6)
    for xa, xb in zip(a, b, strict=True):
        np.testing.assert_array_equal(xa, xb)
    np.testing.assert_array_equal(s.center(a_state), s.center(b_state))


@pytest.mark.parametrize("name", ["ipop_cma", "bipop_cma"])
def test_resume_across_restarts_gives_the_identical_trajectory(name):
    # tolfun 1e-3 ends each run quickly: the 40 generations contain several restarts
    s = make(name, tolfun=1e-3, tolx=1e-4)
    st = s.init(np.full(2, 0.7), strategy_rng(3))
    st, _ = drive(s, st, noisy_sphere, 15)
    resumed = pickle.loads(pickle.dumps(st))
    _, a = drive(s, st, noisy_sphere, 40)
    _, b = drive(s, resumed, noisy_sphere, 40)
    sizes = [len(x) for x in a]
    assert len(set(sizes)) > 1, sizes  # the population changed: a restart happened in the window
    for xa, xb in zip(a, b, strict=True):
        np.testing.assert_array_equal(xa, xb)


@pytest.mark.parametrize("name", list(REGISTRY))
def test_genomes_stay_in_the_unit_cube_near_a_corner(name):
    kw = {"sigma0": 0.5} if "sigma0" in [f.name for f in dataclasses.fields(REGISTRY[name][1])] else {}
    s = make(name, **kw)
    st = s.init(np.full(5, 0.99), strategy_rng(2))
    _, asked = drive(s, st, lambda u: unit_loss("sphere")(u - 0.5), 5)  # optimum outside [0,1]
    x = np.vstack(asked)
    assert x.min() >= 0.0 and x.max() <= 1.0


@pytest.mark.parametrize("name", list(REGISTRY))
def test_global_numpy_random_state_is_neither_used_nor_changed(name):
    s = make(name)
    np.random.seed(123)  # noqa: NPY002 (the point: global state must not matter)
    before = np.random.get_state()[1].copy()  # noqa: NPY002
    st, _ = drive(s, s.init(np.full(3, 0.5), strategy_rng(1)), noisy_sphere, 3)
    assert np.array_equal(np.random.get_state()[1], before)  # noqa: NPY002
    np.random.seed(999)  # noqa: NPY002
    st2, _ = drive(s, s.init(np.full(3, 0.5), strategy_rng(1)), noisy_sphere, 3)
    np.testing.assert_array_equal(s.center(st), s.center(st2))


@pytest.mark.parametrize("name", list(REGISTRY))
def test_config_file_holds_exactly_the_params_fields_and_defaults(name):
    cfg = yaml.safe_load((CONFIGS / f"{name}.yaml").read_text())
    assert cfg.pop("name") == name
    cls, params = REGISTRY[name]
    defaults = {f.name: getattr(params(), f.name) for f in dataclasses.fields(params)}
    assert cfg == defaults
    assert cls.name == name


@pytest.mark.parametrize("name", list(REGISTRY))
def test_runs_in_the_study_loop_from_its_config(name, tmp_path):
    cfg = yaml.safe_load((CONFIGS / f"{name}.yaml").read_text())
    spec = study_from_dict(
        {
            "seed": 4,
            "generations": 4,
            "max_evaluations": None,
            "repetitions": 1,
            "target": None,
            "quiet": True,
            "resume": None,
            "strategy": cfg,
            "task": {"name": "sphere", "dim": 3, "lower": -5.0, "upper": 5.0, "x0": 3.0},
            "evaluator": {"name": "serial"},
        }
    )
    out = run_study(spec, tmp_path / name)
    assert out.generations == 4 and out.best["fitness"] < 3.0**2 * 3  # better than the start point


def test_tell_without_ask_and_with_other_genomes_is_rejected():
    s = make("snes")
    st = s.init(np.full(3, 0.5), strategy_rng(1))
    with pytest.raises(ValueError, match="call ask"):
        s.tell(st, np.full((7, 3), 0.5), np.zeros(7))
    x, st1 = s.ask(st)
    with pytest.raises(ValueError, match="genomes differ"):
        s.tell(st1, x[::-1], np.zeros(len(x)))


@pytest.mark.parametrize(
    "name, kw, msg",
    [
        ("open_es", {"popsize": 7}, "strategy.popsize must be even"),
        ("open_es", {"optimizer": "rmsprop"}, "strategy.optimizer must be one of"),
        ("snes", {"shaping": "ranks"}, "strategy.shaping must be one of"),
        ("pgpe", {"sigma0": 0.9}, "strategy.sigma0 must be a number in"),
        ("cem", {"elite_fraction": 0.0}, "strategy.elite_fraction"),
        ("ga", {"elitism": 50}, "strategy.elitism must be < popsize"),
        ("ga", {"selection": "roulette"}, "strategy.selection must be one of"),
        ("cma", {"reevaluate": "best"}, "strategy.reevaluate must be one of"),
        ("cma", {"reevaluations": 0}, "strategy.reevaluations must be an integer >= 1"),
        ("ipop_cma", {"incpopsize": 1.0}, "strategy.incpopsize"),
        ("bipop_cma", {"restart_x0": "center"}, "strategy.restart_x0 must be one of"),
        ("xnes", {"lr_sigma": -1.0}, "strategy.lr_sigma"),
    ],
)
def test_bad_params_name_the_key_and_what_is_allowed(name, kw, msg):
    with pytest.raises(ValueError, match=msg):
        REGISTRY[name][1](**kw)


def test_the_study_loop_follows_a_restart_population_change(tmp_path):
    import pandas as pd

    cfg = yaml.safe_load((CONFIGS / "ipop_cma.yaml").read_text())
    cfg.update(tolfun=1e-3, tolx=1e-4)  # short runs: restarts within 60 generations
    spec = study_from_dict(
        {
            "seed": 2,
            "generations": 60,
            "max_evaluations": None,
            "repetitions": 1,
            "target": None,
            "quiet": True,
            "resume": None,
            "strategy": cfg,
            "task": {"name": "sphere", "dim": 2, "lower": -5.0, "upper": 5.0, "x0": 3.0},
            "evaluator": {"name": "serial"},
        }
    )
    out = run_study(spec, tmp_path / "ipop")
    gens = pd.read_parquet(tmp_path / "ipop" / "generations.parquet")
    assert list(dict.fromkeys(gens["popsize"]))[:2] == [6, 12]  # the restart doubled it
    assert out.evaluations == gens["popsize"].sum()
    # the stat is the population of the next ask: it announces each change one row early
    np.testing.assert_array_equal(gens["strategy.popsize"].to_numpy()[:-1], gens["popsize"].to_numpy()[1:])
