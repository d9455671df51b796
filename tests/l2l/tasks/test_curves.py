"""The coarse learning curve every closed-loop evaluation carries (l2l/tasks/curves.py)."""

import numpy as np
import pytest

from l2l.tasks.curves import tenths


def test_tenths_are_the_means_of_each_tenth_of_the_steps():
    rewards = np.vstack([np.repeat(np.arange(10.0), 7), np.repeat(np.arange(10.0), 7) + 1])  # 2 x 70
    curve = tenths(rewards)
    assert list(curve) == [f"reward_tenth_{k}" for k in range(10)]
    np.testing.assert_allclose(list(curve.values()), np.arange(10.0) + 0.5)
    uneven = list(tenths(np.arange(25.0)[None, :]).values())  # tenths of 2 or 3 steps
    sizes = np.diff(np.linspace(0, 25, 11).round())
    assert sizes.sum() == 25 and np.isclose(np.dot(uneven, sizes), np.arange(25.0).sum())  # each step once
    assert uneven == sorted(uneven)


def test_tenths_refuse_a_curve_too_short():
    with pytest.raises(ValueError, match="at least 10 steps"):
        tenths(np.zeros((1, 9)))
