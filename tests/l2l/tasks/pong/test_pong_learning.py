"""Slow Pong tests: learning with the paper's rule on chips with mismatch, the mismatch-compensation
test (learned weights anti-correlate with excitability), the overlays end to end."""

from __future__ import annotations

import json

import numpy as np
import pytest

from l2l.tasks.pong.chip_run import PongSetup, learned, play, steps_to_level
from l2l.tasks.pong.excitability import compensation, excitability
from l2l.tasks.pong.task import PongTask
from plasticity_rules.pong_rstdp import PongRSTDP


def test_paper_constants_reach_085_on_4_of_5_chips():
    """Issue 9: with the paper's lr = 0.125, a mean reward >= 0.85 over the last 10 % of the steps
    on at least 4 of 5 chip instances with mismatch on, here within 3,000 game steps."""
    task = PongTask(n_steps=3000, n_instances=5)
    out = task.play(PongRSTDP().defaults(), seed=77)
    assert PongRSTDP().defaults()["lr"] == 0.125
    lr = learned(out.rewards)
    assert (lr >= 0.85).sum() >= 4, lr


@pytest.mark.slow
def test_credit_to_every_synapse_does_not_learn_at_these_constants():
    """The diagnosis behind credit "winner": with every synapse of the row credited, the optimistic
    slow mean reward depresses the right neuron with the wrong ones, and learning fails."""
    task = PongTask(n_steps=3000, n_instances=2, credit="all")
    out = task.play(PongRSTDP(credit="all").defaults(), seed=77)
    assert (learned(out.rewards) < 0.6).all(), learned(out.rewards)


@pytest.mark.slow
def test_paper_credit_learns_with_a_winner_take_all_network():
    """The paper's update of every synapse of the row (credit "all") reaches >= 0.85 on 4 of 5
    chips within 10,000 steps when the motor neurons inhibit each other on the chip."""
    task = PongTask(n_steps=10000, n_instances=5, credit="all", inh_weight=63)
    lr = learned(task.play(PongRSTDP(credit="all").defaults(), seed=77).rewards)
    assert (lr >= 0.85).sum() >= 4, lr


@pytest.mark.slow
def test_larger_lr_and_initial_weights_reach_085_sooner():
    """The direction both pong_rstdp studies moved (docs/results.md): lr 0.4 and w_init 26 reach a
    200-step mean of 0.85 in fewer game steps than the paper's constants, on each of 3 chips."""
    task = PongTask(n_steps=2000, n_instances=3)
    paper = PongRSTDP().defaults()
    fast = {**paper, "lr": 0.4, "w_init": 26.0}
    s_paper = steps_to_level(task.play(paper, seed=78).rewards, 0.85)
    s_fast = steps_to_level(task.play(fast, seed=78).rewards, 0.85)
    assert (s_fast < s_paper).all(), (s_fast, s_paper)
    assert (s_fast <= 2000).all()


@pytest.mark.slow
def test_rstdp_learns_and_compensates_mismatch():
    """Learning raises the reward, and the learned weights of each motor neuron anti-correlate with
    its excitability (Wunderlich et al. 2019), on two chip instances with mismatch on."""
    setup = PongSetup()
    chips, runs = [11, 12], [21, 22]
    genes = PongRSTDP().defaults()  # the paper's lr = 0.125 at our operating point
    out = play(PongRSTDP().compile(genes), setup, chips, runs, 4000, w_init=genes["w_init"],
               tau_corr_us=genes["tau_corr_us"], eta_corr_lsb=genes["eta_corr_lsb"])
    first = out.rewards[:, :400].mean(axis=1)
    assert (learned(out.rewards) > first + 0.2).all(), (first, learned(out.rewards))
    counts = excitability(setup, chips, tau_corr_us=genes["tau_corr_us"], eta_corr_lsb=genes["eta_corr_lsb"])
    assert (counts.std(axis=1) > 0).all()
    rho = compensation(out.weights, counts)
    assert (rho < -0.3).all(), rho
    # without learning there is nothing to compensate: the initial weights are independent of it
    rho0 = compensation(out.weights_init, counts)
    assert (np.abs(rho0) < 0.5).all(), rho0


@pytest.mark.slow
@pytest.mark.parametrize("overlay", ["pong_rstdp", "pong_meta_network"])
def test_overlay_runs_end_to_end(tmp_path, l2l, clean_env, overlay):
    run = tmp_path / "run"
    l2l(f"experiment={overlay}", "evaluator=serial", "generations=1", "strategy.popsize=2",
        "task.n_steps=30", "task.n_instances=1", "held_out=1", "quiet=true", f"hydra.run.dir={run}",
        cwd=tmp_path, env=clean_env)
    best = json.loads((run / "best.json").read_text())
    assert best["held_out"]["n"] == 1
