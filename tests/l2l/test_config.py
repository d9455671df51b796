"""The config -> typed spec conversion rejects bad input naming the key and what is allowed."""

import copy

import pytest

from l2l.config import study_from_dict


def with_(base, path, value):
    cfg = copy.deepcopy(base)
    *parents, last = path.split(".")
    node = cfg
    for p in parents:
        node = node[p]
    node[last] = value
    return cfg


def test_valid_config_builds_typed_spec(study_config):
    spec = study_from_dict(study_config())
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
def test_bad_config_names_the_key(study_config, path, value, msg):
    with pytest.raises(ValueError, match=msg):
        study_from_dict(with_(study_config(), path, value))


def test_fingerprint_ignores_evaluator_but_not_results_keys(study_config):
    a = study_from_dict(study_config()).fingerprint()
    b = study_from_dict(study_config(evaluator={"name": "ray", "num_cpus": 2})).fingerprint()
    c = study_from_dict(study_config(task={"dim": 4})).fingerprint()
    assert a == b and a != c
