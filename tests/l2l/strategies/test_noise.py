"""Noisy fitness: re-evaluation of the mean or the elite through ask/tell; UH-CMA-ES."""

import numpy as np
import pytest

from l2l.seeding import strategy_rng
from l2l.strategies import REGISTRY
from l2l.strategies.cma_es import CMAES, CMAParams, uncertainty_measure
from l2l.strategies.testbed import unit_loss


def make(name, **kw):
    cls, params = REGISTRY[name]
    return cls(params(**kw))


@pytest.mark.parametrize("name", ["cma", "snes", "open_es", "cem", "ga", "ipop_cma"])
def test_mean_reevaluation_appends_k_copies_of_the_center_and_reports_their_mean(name):
    s = make(name, reevaluate="mean", reevaluations=3)
    st0 = s.init(np.full(4, 0.6), strategy_rng(1))
    x, st1 = s.ask(st0)
    center = s.center(st0)
    np.testing.assert_array_equal(x[-3:], np.repeat(center[None], 3, axis=0))
    assert not np.array_equal(x[-4], center)  # offspring come first
    losses = np.arange(len(x), dtype=float)
    _, stats = s.tell(st1, x, losses)
    assert stats["reeval_loss"] == pytest.approx(losses[-3:].mean())


def test_elite_is_replaced_only_by_a_challenger_whose_reevaluations_beat_it():
    s = make("snes", popsize=4, reevaluate="elite", reevaluations=3)
    st0 = s.init(np.full(2, 0.5), strategy_rng(2))
    x, st = s.ask(st0)
    mean = s.center(st0)
    np.testing.assert_array_equal(x[4:], np.repeat(mean[None], 3, axis=0))  # no elite yet: the mean
    lucky = x[0].copy()
    st, stats = s.tell(st, x, np.array([-100.0, 5, 5, 5, 1, 1, 1]))
    np.testing.assert_array_equal(st.elite, mean)  # the mean, from its re-evaluations
    assert stats["elite_loss"] == 1.0 and stats["elite_evals"] == 3
    np.testing.assert_array_equal(st.challenger, lucky)  # offspring 0 challenges next time
    x, st = s.ask(st)
    np.testing.assert_array_equal(x[4:7], np.repeat(mean[None], 3, axis=0))
    np.testing.assert_array_equal(x[7:], np.repeat(lucky[None], 3, axis=0))
    st, stats = s.tell(st, x, np.array([5.0, 2, 5, 5, 1, 1, 1, 10, 10, 10]))  # lucky was luck
    np.testing.assert_array_equal(st.elite, mean)
    assert stats["elite_loss"] == 1.0 and stats["elite_evals"] == 6
    challenger = x[1].copy()
    x, st = s.ask(st)
    np.testing.assert_array_equal(x[7:], np.repeat(challenger[None], 3, axis=0))
    st, stats = s.tell(st, x, np.array([5.0, 5, 5, 5, 1, 1, 4, 0, 0, 0.5]))
    np.testing.assert_array_equal(s.center(st), challenger)  # 1/6 < (6 * 1 + 6) / 9
    assert stats["elite_loss"] == pytest.approx(0.5 / 3) and stats["elite_evals"] == 3


def test_the_elites_loss_estimate_is_free_of_the_winners_curse():
    # noisy sphere: the best single evaluation reports a loss far below its true loss (it was
    # selected for being lucky); the elite's estimate comes from re-evaluations only
    f = unit_loss("sphere")
    naive_bias, elite_bias = [], []
    for seed in range(4):
        noise = np.random.default_rng(100 + seed)
        s = make("ga", reevaluate="elite", reevaluations=4)
        st = s.init(np.full(5, 0.7), strategy_rng(seed))
        naive, naive_loss = None, np.inf
        for _ in range(30):
            x, st = s.ask(st)
            y = f(x) + noise.normal(0.0, 5.0, len(x))
            st, stats = s.tell(st, x, y)
            i = int(np.argmin(y))
            if y[i] < naive_loss:
                naive, naive_loss = x[i], y[i]
        naive_bias.append(f(naive[None])[0] - naive_loss)
        elite_bias.append(f(s.center(st)[None])[0] - stats["elite_loss"])
    assert min(naive_bias) > 5.0, naive_bias  # more than one noise sd too optimistic
    assert np.mean(np.abs(elite_bias)) < 0.5 * np.mean(naive_bias), (elite_bias, naive_bias)


def test_uncertainty_measure_is_negative_without_noise_and_positive_for_pure_noise():
    rng = np.random.default_rng(0)
    fit = rng.normal(size=20)
    assert uncertainty_measure(fit, fit.copy(), np.arange(3)) <= -1.0
    s = [uncertainty_measure(fit, np.r_[rng.normal(size=3), fit[3:]], np.arange(3)) for _ in range(200)]
    assert np.mean(s) > 0


def test_noise_handling_raises_sigma_on_a_noise_dominated_objective_only():
    def run(noise_sd, handling, seed=3):
        s = CMAES(CMAParams(noise_handling=handling, popsize=12))
        st = s.init(np.full(5, 0.6), strategy_rng(seed))
        noise = np.random.default_rng(seed)
        for _ in range(40):
            x, st = s.ask(st)
            y = unit_loss("sphere")(x) + noise.normal(0.0, noise_sd, len(x))
            st, stats = s.tell(st, x, y)
        return stats

    on, off = run(1e3, True), run(1e3, False)
    assert on["noise_s"] > 0 and on["sigma"] > off["sigma"]
    quiet = run(0.0, True)
    assert quiet["noise_s"] < 0 and quiet["sigma"] < 0.02  # noiseless: sigma shrinks as usual


def test_noise_handling_asks_lambda_plus_reevaluations():
    s = CMAES(CMAParams(noise_handling=True, popsize=20, noise_reevals=4))
    x, st = s.ask(s.init(np.full(3, 0.5), strategy_rng(1)))
    assert len(x) == 24
    np.testing.assert_allclose(x[20:], x[:4], atol=1e-6)  # perturbed by epsilon * sigma only


def test_noise_handling_raises_the_evaluations_per_genome_under_noise_and_takes_their_median():
    s = CMAES(CMAParams(noise_handling=True, popsize=10, noise_reevals=2, noise_max_evals=3))
    st = s.init(np.full(4, 0.6), strategy_rng(5))
    noise = np.random.default_rng(5)
    sizes = []
    for _ in range(60):
        x, st = s.ask(st)
        sizes.append(len(x))
        st, stats = s.tell(st, x, unit_loss("sphere")(x) + noise.normal(0.0, 1e3, len(x)))
    assert sizes[0] == 12 and max(sizes) == 36  # (10 + 2) genomes, then each 3 times
    m = 3
    x, st1 = s.ask(st)
    assert len(x) == 12 * m and np.array_equal(x[::m], x[1::m])
    losses = np.tile([0.0, 100.0, 1.0], 12)  # median 1.0 for every genome
    a, _ = s.tell(st1, x, losses)
    b, _ = s.tell(st1, x, np.tile([1.0, -50.0, 7.0], 12))  # same medians, same update
    np.testing.assert_array_equal(s.ask(a)[0], s.ask(b)[0])
