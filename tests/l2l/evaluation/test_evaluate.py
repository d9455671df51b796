import math

import numpy as np

from l2l.evaluation import SerialEvaluator, evaluate
from l2l.evaluation.ray_evaluator import chunk_bounds
from l2l.tasks import TestFunctionTask


class Raises:
    def evaluate(self, genes, seed):
        raise ValueError("bad genome")


class Inf:
    def evaluate(self, genes, seed):
        return math.inf, {"m": 1}


def test_evaluate_records_errors_instead_of_raising():
    r = evaluate(np.zeros(2), Raises(), 1)
    assert not r.ok and math.isnan(r.score) and r.error == "ValueError: bad genome"
    r = evaluate(np.zeros(2), Inf(), 1)
    assert not r.ok and "non-finite" in r.error and r.metrics == {"m": 1.0}


def test_serial_evaluator_keeps_order():
    task = TestFunctionTask(name="sphere", dim=2)
    genes = np.arange(10.0).reshape(5, 2) / 10
    out = SerialEvaluator().map(task, genes, np.arange(5))
    assert [r.score for r in out] == [float(np.sum(g * g)) for g in genes]


def test_chunk_bounds_cover_every_job_once():
    for n in range(1, 40):
        for k in range(1, 12):
            pieces = chunk_bounds(n, k)
            assert len(pieces) <= k
            assert [i for a, b in pieces for i in range(a, b)] == list(range(n))
