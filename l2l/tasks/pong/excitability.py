"""Does learning compensate the chip's fixed-pattern noise? (Wunderlich et al. 2019, Fig. 5: the
learned weights of each motor neuron anti-correlate with its excitability.)

Excitability of motor neuron j: its spike count in a rate probe on the same chip instance before
learning: every input row enabled at `rate_hz / 32` (the same total input as one state row),
every weight at `w_probe`, no plasticity; a count averaged over the rows' synapse gains, so it
measures the neuron (threshold, leak, time constants, input gain) rather than one synapse.
Learned weight of neuron j: the mean of its column after learning. The test statistic is
Spearman's rank correlation between the two over the 32 neurons.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from chip_emulator import Inputs, Record, event_label, init_state, run
from plasticity_rules.pong_program import N_STATES

from .chip_run import PongSetup, make_pong_chip


def excitability(setup: PongSetup, chip_seeds, run_seed: int = 0, w_probe: int = 14,
                 duration_us: float = 2000.0, tau_corr_us: float = 5.0,
                 eta_corr_lsb: float = 0.5) -> np.ndarray:
    """Spike counts (B, 32) of the motor neurons in the rate probe."""
    chip = make_pong_chip(setup, chip_seeds, tau_corr_us, eta_corr_lsb)
    B = len(chip_seeds)
    state = init_state(chip, [int(run_seed) + i for i in range(B)], weights=int(w_probe), labels=0)
    inputs = Inputs(poisson_label=event_label(np.arange(N_STATES), 0)[None, :],
                    poisson_rate_hz=np.full((1, N_STATES), float(setup.rate_hz) / N_STATES))
    _, rec = run(chip, state, float(duration_us), inputs=inputs, record=Record(max_spikes=200_000))
    counts = np.zeros((B, N_STATES), np.int64)
    for b in range(B):
        _, neurons = rec.spikes(b=b, h=0)
        counts[b] = np.bincount(np.asarray(neurons, np.int64), minlength=N_STATES)[:N_STATES]
    return counts


def spearman(x: np.ndarray, y: np.ndarray) -> float:
    """Rank correlation (average ranks for ties); 0 if either is constant."""
    rx = pd.Series(np.asarray(x, float)).rank().to_numpy()
    ry = pd.Series(np.asarray(y, float)).rank().to_numpy()
    if rx.std() == 0 or ry.std() == 0:
        return 0.0
    return float(np.corrcoef(rx, ry)[0, 1])


def compensation(weights: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Per instance: Spearman correlation of the mean learned column weight with excitability."""
    w = np.atleast_3d(weights)
    return np.array([spearman(w[i].mean(axis=0), counts[i]) for i in range(w.shape[0])])
