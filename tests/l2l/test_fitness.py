import numpy as np
import pytest

from l2l.fitness import aggregate_repetitions, rankable_losses, to_loss


def test_direction():
    np.testing.assert_array_equal(to_loss([1.0, 2.0], "maximize"), [-1.0, -2.0])
    np.testing.assert_array_equal(to_loss([1.0, 2.0], "minimize"), [1.0, 2.0])
    with pytest.raises(ValueError, match="direction"):
        to_loss([1.0], "up")


def test_failures_rank_strictly_worst_and_finite():
    out = rankable_losses(np.array([3.0, np.nan, -1.0, np.inf, -np.inf]))
    assert np.all(np.isfinite(out))
    assert out[1] > 3.0 and out[3] > 3.0 and out[4] > 3.0
    assert out[0] == 3.0 and out[2] == -1.0
    assert np.all(np.isfinite(rankable_losses(np.array([np.nan, np.nan]))))


def test_repetitions_mean_and_any_failure_fails_the_individual():
    losses = np.array([[1.0, 3.0], [2.0, np.nan], [5.0, 5.0]])
    ok = np.array([[True, True], [True, True], [True, False]])
    out = aggregate_repetitions(losses, ok)
    assert out[0] == 2.0 and np.isnan(out[1]) and np.isnan(out[2])
