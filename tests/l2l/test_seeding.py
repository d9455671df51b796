import numpy as np
import pytest

from l2l.seeding import evaluation_seed, strategy_rng


def test_evaluation_seed_is_a_pure_function_of_position():
    assert evaluation_seed(7, 3, 2, 1) == evaluation_seed(7, 3, 2, 1)
    seeds = {evaluation_seed(7, g, i, r) for g in range(5) for i in range(10) for r in range(3)}
    assert len(seeds) == 150  # all distinct
    assert evaluation_seed(8, 0, 0, 0) != evaluation_seed(7, 0, 0, 0)
    assert all(0 <= s < 2**63 for s in seeds)


def test_strategy_rng_reproducible_and_separate_from_evaluations():
    a, b = strategy_rng(5).standard_normal(4), strategy_rng(5).standard_normal(4)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, strategy_rng(6).standard_normal(4))


@pytest.mark.parametrize("bad", [-1, 2**63, 1.5, "3", True, None])
def test_bad_seed_rejected(bad):
    with pytest.raises(ValueError, match="seed must be an integer"):
        evaluation_seed(bad, 0, 0, 0)
