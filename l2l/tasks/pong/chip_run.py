"""Play Pong on a batch of emulated chip instances: the processor runs the game and the rule.

Wunderlich, T. et al. (2019). Demonstrating advantages of neuromorphic computation: a pilot study.
Frontiers in Neuroscience 13, 260 (../shared/REFERENCE.md, "Pong").

One hemisphere of 32 input rows x 32 motor neurons per chip instance; every row gets a Poisson
stream of address 0 from the host; the program (`plasticity_rules.pong_program`) enables the
state's row through its labels, reads the rate counters, computes the reward, updates the row's
weights and moves the ball, at every timer event (one game step per `step_us`). The whole game
runs inside one compiled call per segment of at most `LOG_LEN` steps; between segments the host
reads the per-step log (state, action, reward) from each processor's memory.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from chip_emulator import (
    ChipSpec,
    CorrelationParams,
    Inputs,
    MismatchParams,
    NeuronParams,
    Record,
    Timer,
    event_label,
    init_state,
    make_chip,
    make_wiring,
    run,
)
from chip_emulator.network import Wiring
from chip_emulator.ppu import Program, make_core_ppu, ppu_core_fn
from plasticity_rules.pong_program import LABEL_OFF, LOG_LEN, N_STATES

W_INIT_STD = 2.0  # initial weights N(w_init, 2), the paper's N(14, 2)


@dataclass(frozen=True)
class PongSetup:
    """The analog side of the experiment (our operating point, see docs/results.md "Pong")."""

    step_us: float = 100.0  # one game step (hardware time; 0.1 s biological)
    rate_hz: float = 300e3  # Poisson rate of each input row (hardware; ~300 Hz biological)
    synapse_gain_lsb: float = 1.2  # current jump per weight unit
    mismatch: bool = True  # calibrated chip instances with fixed-pattern noise; False: ideal
    noise_lsb: float = 5.0  # trial-to-trial membrane noise: the exploration (default 2; REFERENCE.md < 7)
    inh_weight: int = 0  # > 0: lateral inhibition between the motor neurons (a winner-take-all network)

    def __post_init__(self):
        for key in ("step_us", "rate_hz", "synapse_gain_lsb"):
            if not float(getattr(self, key)) > 0:
                raise ValueError(f"PongSetup.{key} must be > 0, got {getattr(self, key)!r}")
        if not 0 <= int(self.inh_weight) <= 63:
            raise ValueError(f"PongSetup.inh_weight must be in 0..63, got {self.inh_weight!r}")

    @property
    def n_rows(self) -> int:
        """32 input rows, plus one inhibitory row per motor neuron with lateral inhibition."""
        return 2 * N_STATES if self.inh_weight > 0 else N_STATES


@dataclass
class PongOutcome:
    states: np.ndarray  # (B, n_steps) ball column at each step
    actions: np.ndarray  # (B, n_steps) winning motor neuron
    rewards: np.ndarray  # (B, n_steps) reward in 0..1
    weights: np.ndarray  # (B, 32, 32) final weights (row = state, column = motor neuron)
    weights_init: np.ndarray  # (B, 32, 32)
    weight_steps: np.ndarray  # (S,) game steps at which weight_history was taken, 0 first
    weight_history: np.ndarray  # (B, S, 32, 32) int16: the weights after those steps
    hits: np.ndarray  # (B,)
    misses: np.ndarray  # (B,)
    cycles: np.ndarray  # (B, n) processor cycles of the first invocations (up to its log size)
    program_bytes: int


def make_pong_chip(setup: PongSetup, chip_seeds, tau_corr_us: float = 5.0, eta_corr_lsb: float = 0.5):
    spec = ChipSpec(n_hemispheres=1, n_rows=setup.n_rows, n_neurons=N_STATES)
    neuron = NeuronParams(synapse_gain_lsb=setup.synapse_gain_lsb)
    corr = CorrelationParams(tau_causal_us=tau_corr_us, tau_acausal_us=tau_corr_us,
                             eta_causal_lsb=eta_corr_lsb, eta_acausal_lsb=eta_corr_lsb)
    mode = "calibrated" if setup.mismatch else "ideal"
    return make_chip(spec, seeds=[int(s) for s in chip_seeds], neuron=neuron, corr=corr, mode=mode,
                     mismatch=MismatchParams(noise_lsb=setup.noise_lsb))


def inhibition(setup: PongSetup, chip) -> tuple[Wiring | None, np.ndarray, np.ndarray]:
    """Lateral inhibition: motor neuron j's spikes reach inhibitory row 32 + j (label address 0),
    whose synapses to every other motor neuron hold `inh_weight` (0 to itself). Returns the
    wiring (None without inhibition), the rows' weights (R - 32, 32) and labels (R - 32, 32)."""
    if setup.inh_weight == 0:
        return None, np.zeros((0, N_STATES), np.int64), np.zeros((0, N_STATES), np.int64)
    sign = np.r_[np.ones(N_STATES), -np.ones(N_STATES)]
    wiring = make_wiring(chip.spec, row_sign=sign[None, :],
                         out_label=event_label(N_STATES + np.arange(N_STATES), 0)[None, :])
    w = np.full((N_STATES, N_STATES), int(setup.inh_weight), np.int64)
    np.fill_diagonal(w, 0)
    return wiring, w, np.zeros((N_STATES, N_STATES), np.int64)


def initial_weights(run_seeds, w_init: float) -> np.ndarray:
    w = np.empty((len(run_seeds), 1, N_STATES, N_STATES), np.int64)
    for i, s in enumerate(run_seeds):
        rng = np.random.default_rng([int(s), 0x5047])
        w[i, 0] = np.clip(np.round(rng.normal(w_init, W_INIT_STD, (N_STATES, N_STATES))), 0, 63)
    return w


def initial_ball(seed: int) -> dict[str, int]:
    """Start anywhere in the square, moving diagonally (|vx| = |vy| = 1: every column is visited)."""
    rng = np.random.default_rng([int(seed), 0xBA11])
    x, y = (int(v) for v in rng.integers(0, N_STATES, 2))
    vx = int(rng.choice([-1, 1]))
    vy = int(rng.choice([-1, 1]))
    return {"ball_x": x, "ball_y": y, "ball_vx": vx, "ball_vy": vy, "paddle": N_STATES // 2, "state": x}


def play(program: Program, setup: PongSetup, chip_seeds, run_seeds, n_steps: int, *,
         w_init: float = 14.0, tau_corr_us: float = 5.0, eta_corr_lsb: float = 0.5,
         weights: np.ndarray | None = None, snapshot_every: int = LOG_LEN) -> PongOutcome:
    """Play `n_steps` game steps on each chip instance (one per chip seed), learning all along.
    `weights` (B, 32, 32): start from these instead of N(w_init, 2). The weights are kept
    every `snapshot_every` steps (and at the end) in `weight_history`: the game runs in
    segments that long (at most LOG_LEN), which changes nothing in the game (tested)."""
    if n_steps < 1:
        raise ValueError(f"n_steps = {n_steps}: must be >= 1")
    if isinstance(snapshot_every, bool) or not isinstance(snapshot_every, int) or snapshot_every < 1:
        raise ValueError(f"snapshot_every = {snapshot_every!r}: must be an integer >= 1")
    if len(chip_seeds) != len(run_seeds):
        raise ValueError("one run seed per chip seed")
    chip = make_pong_chip(setup, chip_seeds, tau_corr_us, eta_corr_lsb)
    B = len(chip_seeds)
    w0 = initial_weights(run_seeds, w_init)
    if weights is not None:
        w0 = np.asarray(weights, np.int64).reshape(B, 1, N_STATES, N_STATES)
    wiring, w_inh, lab_inh = inhibition(setup, chip)
    w_all = np.concatenate([w0, np.broadcast_to(w_inh, (B, 1) + w_inh.shape)], axis=2)
    labels = np.concatenate([np.full((N_STATES, N_STATES), LABEL_OFF, np.int64), lab_inh])
    state = init_state(chip, [int(s) for s in run_seeds], weights=w_all, labels=labels[None, None])
    inputs = Inputs(poisson_label=event_label(np.arange(N_STATES), 0)[None, :],
                    poisson_rate_hz=np.full((1, N_STATES), float(setup.rate_hz)))
    ppu = make_core_ppu(program, B, 1, seeds=[int(s) for s in run_seeds], period_us=setup.step_us)
    for i, s in enumerate(run_seeds):
        for name, v in initial_ball(s).items():
            ppu.write_symbol(name, v, b=i, h=0)
    timer = Timer(0.0, setup.step_us, n_steps + 1)
    logs = np.zeros((3, B, n_steps), np.int64)
    snap_steps, snaps = [0], [w0[:, 0].astype(np.int16)]
    done = 0
    while done < n_steps:
        seg = min(LOG_LEN, snapshot_every, n_steps - done)
        state, _ = run(chip, state, seg * setup.step_us, wiring, inputs=inputs, timer=timer,
                       ppu_fn=ppu_core_fn, ppu_ctx=ppu.ctx, record=Record(max_spikes=0), inplace=True)
        ppu.check()
        idx = (np.arange(done, done + seg)) % LOG_LEN
        for i in range(B):
            for j, name in enumerate(("log_state", "log_action", "log_reward")):
                logs[j, i, done:done + seg] = ppu.read_symbol(name, i, 0)[idx]
        done += seg
        snap_steps.append(done)
        snaps.append(state.weights[:, 0, :N_STATES].astype(np.int16))
    ncyc = min(int(ppu.ctx.n_events.min()), ppu.ctx.cycles.shape[2])
    return PongOutcome(
        states=logs[0], actions=logs[1], rewards=logs[2] / 128.0,
        weights=state.weights[:, 0, :N_STATES].astype(np.int64).copy(), weights_init=w0[:, 0],
        weight_steps=np.array(snap_steps, np.int64), weight_history=np.stack(snaps, axis=1),
        hits=np.array([int(ppu.read_symbol("hits", i, 0)[0]) for i in range(B)]),
        misses=np.array([int(ppu.read_symbol("misses", i, 0)[0]) for i in range(B)]),
        cycles=ppu.ctx.cycles[:, 0, 1:ncyc].copy(), program_bytes=program.size_bytes)


def learned(rewards: np.ndarray, fraction: float = 0.1) -> np.ndarray:
    """Mean reward over the last `fraction` of the steps, per instance."""
    n = rewards.shape[-1]
    k = max(1, int(round(fraction * n)))
    return rewards[..., n - k:].mean(axis=-1)


def steps_to_level(rewards: np.ndarray, level: float = 0.85, window: int = 200) -> np.ndarray:
    """First step at which the moving mean of `window` steps reaches `level` (per instance);
    the number of steps + 1 if never (a censored value)."""
    r = np.atleast_2d(rewards)
    n = r.shape[-1]
    out = np.full(r.shape[0], n + 1, np.int64)
    w = min(window, n)
    c = np.cumsum(np.pad(r, ((0, 0), (1, 0))), axis=-1)
    mov = (c[:, w:] - c[:, :-w]) / w  # mean of steps [i, i + w)
    for i in range(r.shape[0]):
        hit = np.nonzero(mov[i] >= level)[0]
        if hit.size:
            out[i] = int(hit[0]) + w
    return out
