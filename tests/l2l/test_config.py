"""The config -> typed spec conversion rejects bad input naming the key and what is allowed."""

import copy

import pytest

from l2l.config import study_from_dict

BASE = {
    "seed": 1,
    "generations": 5,
    "max_evaluations": None,
    "repetitions": 1,
    "target": None,
    "quiet": True,
    "resume": None,
    "strategy": {
        "name": "cma",
        "sigma0": 0.2,
        "popsize": None,
        "diagonal": False,
        "tolfun": 1e-11,
        "tolx": 1e-11,
    },
    "task": {"name": "sphere", "dim": 3, "lower": -5.0, "upper": 5.0, "x0": 3.0, "direction": "minimize"},
    "evaluator": {"name": "serial"},
}


def with_(path, value):
    cfg = copy.deepcopy(BASE)
    *parents, last = path.split(".")
    node = cfg
    for p in parents:
        node = node[p]
    node[last] = value
    return cfg


def test_valid_config_builds_typed_spec():
    spec = study_from_dict(copy.deepcopy(BASE))
    assert spec.task.dim == 3 and spec.strategy.params.sigma0 == 0.2 and spec.evaluator.name == "serial"


@pytest.mark.parametrize(
    "path, value, msg",
    [
        ("strategy.popsize", -3, "strategy.popsize must be an integer >= 2"),
        ("strategy.name", "cmaa", "unknown strategy 'cmaa'; allowed: \\[.*'cma'"),
        ("strategy.sigam0", 0.1, "unknown key\\(s\\) strategy.sigam0; allowed keys of strategy"),
        ("task.name", "spere", "unknown task 'spere'; allowed"),
        ("task.dim", 0, "task.dim must be an integer >= 1"),
        ("evaluator.name", "dask", "unknown evaluator 'dask'; allowed: \\['ray', 'serial'\\]"),
        ("evaluator.num_cpus", 2, "unknown key\\(s\\) evaluator.num_cpus"),
        ("generations", 0, "generations must be an integer >= 1"),
        ("repetitions", 1.5, "repetitions must be an integer >= 1"),
        ("seed", -1, "seed must be an integer in"),
        ("quiet", "yes", "quiet must be true or false"),
        ("genrations", 3, "unknown top-level config key\\(s\\) \\['genrations'\\]"),
    ],
)
def test_bad_config_names_the_key(path, value, msg):
    with pytest.raises(ValueError, match=msg):
        study_from_dict(with_(path, value))


def test_fingerprint_ignores_evaluator_but_not_results_keys():
    a = study_from_dict(copy.deepcopy(BASE)).fingerprint()
    b = study_from_dict(with_("evaluator", {"name": "ray", "num_cpus": 2})).fingerprint()
    c = study_from_dict(with_("task.dim", 4)).fingerprint()
    assert a == b and a != c
