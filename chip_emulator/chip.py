"""A batch of chip instances: nominal parameters + fixed pattern -> the per-circuit
coefficients the run kernel integrates with.

Exact exponential integration (Rotter & Diesmann 1999, "Exact digital simulation of
time-invariant linear systems with applications to neuronal modeling"): over a step h,
with the synaptic currents decaying exponentially and everything else constant,

    V(t+h) = v_leak + (V - v_leak) p_mem + i_offset (1 - p_mem)
             + I_exc c_exc - I_inh c_inh + noise
    I_x(t+h) = I_x p_x,  p = exp(-h / tau),
    c_x = tau_x / (tau_x - tau_mem) (p_x - p_mem)    [(h / tau) exp(-h / tau) if equal]

which is exact for the linear (LIF) part at any h. Noise: an Ornstein-Uhlenbeck kick of
std ``noise_lsb * sqrt(1 - p_mem^2)`` per step keeps the stationary std at
``noise_lsb``. The kick is uniform (a 16-bit half of a per-neuron xorshift32 draw, the
low half on even steps and the high half on odd ones: half the random numbers of a
draw per step); the membrane sums about tau_mem / h of them, so its noise is Gaussian
to within a few 1e-3 in excess kurtosis (tested). AdEx terms are integrated by
exponential Euler (the exponential and the adaptation current held for one step):

    V += (delta_t exp((V - v_exp) / delta_t) - w) (1 - p_mem)
    w <- w p_w + a (V - v_leak) (1 - p_w);  on a spike w += b

Weight -> current jump: an event through a synapse of weight q (0..63) adds
``q * synapse_gain_lsb * (1 + r_gain[neuron]) * (1 + r_syn_gain[synapse])`` LSB to the
row's current (excitatory or inhibitory by the row's sign). With tau_mem = tau_syn = tau
the PSP peaks at jump / e after tau: a weight-63 synapse at the default gain 0.5 gives
a PSP of 11.6 LSB (about 52 mV), 45 LSB being the gap from leak to threshold.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from chip_emulator.mismatch import FixedPattern, calibrate, draw_fixed_pattern, ideal_pattern
from chip_emulator.params import (
    DEFAULT_CORRELATION,
    DEFAULT_MISMATCH,
    DEFAULT_NEURON,
    ChipSpec,
    CorrelationParams,
    MismatchParams,
    NeuronParams,
)

F32 = np.float32
DELTA_CLIP = 0.5  # |relative rate deviation| of a correlation sensor (its Taylor form)
# Per-synapse correlation deviations are stored as int8 (a quarter of the memory traffic
# of float32, which bounds the correlation update): eta = eta0 (1 + q * ETA_STEP),
# q in -90..127 (1 % steps, -90 % .. +127 %); delta = q * DELTA_STEP, q in -127..127.
ETA_STEP = 0.01
DELTA_STEP = DELTA_CLIP / 127.0


def _psc_coef(h: float, tau_syn: np.ndarray, tau_mem: np.ndarray) -> np.ndarray:
    """Membrane response after h to a unit exponential current (see module docstring)."""
    p_s, p_m = np.exp(-h / tau_syn), np.exp(-h / tau_mem)
    diff = tau_syn - tau_mem
    near = np.abs(diff) < 1e-6 * tau_mem
    safe = np.where(near, 1.0, diff)
    general = tau_syn / safe * (p_s - p_m)
    limit = (h / tau_mem) * p_m
    return np.where(near, limit, general)


@dataclass(frozen=True)
class Chip:
    """Everything fixed about a batch of B chip instances.

    ``neuron_arrays``: tuple of float32 (B, H, N) arrays, in the order of
    ``NEURON_ARRAYS``; ``syn_arrays``: (gain f32 (B,H,R,N), eta_c, delta_c int8
    (B,H,N,R), eta_a, delta_a int8 (B,H,R,N), [eta_c0, eta_a0, ETA_STEP, DELTA_STEP] f64), the correlation
    deviations quantised (see ETA_STEP, DELTA_STEP; ``correlation_params`` gives them
    as floats); ``k_c``, ``k_a``: nominal 1/tau of the correlation sensors (1/us);
    ``v_reset``, ``ref_steps`` (B,H,N); ``base_c``, ``base_a``: readings after reset.
    """

    spec: ChipSpec
    neuron: NeuronParams
    corr: CorrelationParams
    pattern: FixedPattern
    neuron_arrays: tuple
    syn_arrays: tuple
    v_reset: np.ndarray
    ref_steps: np.ndarray
    base_c: np.ndarray
    base_a: np.ndarray
    k_c: float
    k_a: float

    @property
    def batch(self) -> int:
        return self.v_reset.shape[0]

    def correlation_params(self):
        """(eta_c, delta_c, eta_a, delta_a) as float64 arrays: amplitude (LSB) and
        relative rate deviation (tau_s = tau0 / (1 + delta)) of every sensor."""
        _, qec, qdc, qea, qda, eta0 = self.syn_arrays  # eta0: [eta_c, eta_a, steps]
        return (eta0[0] * (1.0 + qec * ETA_STEP), qdc * DELTA_STEP,
                eta0[1] * (1.0 + qea * ETA_STEP), qda * DELTA_STEP)


NEURON_ARRAYS = ("p_mem", "p_exc", "p_inh", "c_exc", "c_inh", "v_leak", "v_thresh",
                 "off_term", "noise_step", "p_w", "a_term", "b_jump", "delta_t", "v_exp")


def make_chip(spec: ChipSpec, seeds=(0,), neuron: NeuronParams = DEFAULT_NEURON,
              corr: CorrelationParams = DEFAULT_CORRELATION,
              mismatch: MismatchParams = DEFAULT_MISMATCH, mode: str = "calibrated") -> Chip:
    """B = len(seeds) chip instances. ``mode``: "calibrated" (default: drawn from each
    seed, then ``calibrate``), "raw" (uncalibrated) or "ideal" (no mismatch, no noise)."""
    if mode not in ("calibrated", "raw", "ideal"):
        raise ValueError(f"mode = {mode!r}: allowed are 'calibrated', 'raw', 'ideal'")
    if mode == "ideal":
        pattern = ideal_pattern(spec, len(np.atleast_1d(seeds)), corr)
    else:
        pattern = draw_fixed_pattern(spec, seeds, mismatch, corr)
        if mode == "calibrated":
            pattern = calibrate(pattern)
    return chip_from_pattern(spec, pattern, neuron, corr)


def chip_from_pattern(spec: ChipSpec, pattern: FixedPattern,
                      neuron: NeuronParams = DEFAULT_NEURON,
                      corr: CorrelationParams = DEFAULT_CORRELATION) -> Chip:
    """Derive the kernel coefficients of a (raw, calibrated or ideal) fixed pattern."""
    h, p, fp = spec.dt_us, neuron, pattern

    def rel(nominal, r):  # a relative deviation, kept physical
        return nominal * np.maximum(1.0 + r, 0.1)

    tau_m = rel(p.tau_mem_us, fp.r_tau_mem)
    tau_e = rel(p.tau_syn_exc_us, fp.r_tau_exc)
    tau_i = rel(p.tau_syn_inh_us, fp.r_tau_inh)
    tau_r = rel(p.tau_ref_us, fp.r_tau_ref)
    p_mem = np.exp(-h / tau_m)
    ones = np.ones_like(p_mem)
    p_w = np.exp(-h / p.tau_w_us) * ones if spec.adaptation else ones
    arrays = dict(
        p_mem=p_mem,
        p_exc=np.exp(-h / tau_e),
        p_inh=np.exp(-h / tau_i),
        c_exc=_psc_coef(h, tau_e, tau_m),
        c_inh=_psc_coef(h, tau_i, tau_m),
        v_leak=p.v_leak_lsb + fp.d_leak,
        v_thresh=p.v_thresh_lsb + fp.d_thresh,
        off_term=p.i_offset_lsb * (1.0 - p_mem),
        noise_step=fp.noise_lsb * np.sqrt(1.0 - p_mem**2),
        p_w=p_w,
        a_term=(p.a_adapt * (1.0 - p_w)) * ones if spec.adaptation else 0.0 * ones,
        b_jump=(p.b_adapt_lsb if spec.adaptation else 0.0) * ones,
        delta_t=(p.delta_t_lsb if spec.exponential else 0.0) * ones,
        v_exp=p.v_exp_lsb * ones,
    )
    neuron_arrays = tuple(np.ascontiguousarray(arrays[k], dtype=F32) for k in NEURON_ARRAYS)
    gain = p.synapse_gain_lsb * rel(1.0, fp.r_gain)[:, :, None, :] * rel(1.0, fp.r_syn_gain)

    def delta_q(r_tau):  # tau_s = tau0 (1 + r)  ->  rate k_s = k0 (1 + delta)
        d = np.clip(1.0 / np.maximum(1.0 + r_tau, 0.1) - 1.0, -DELTA_CLIP, DELTA_CLIP)
        return np.ascontiguousarray(np.round(d / DELTA_STEP), dtype=np.int8)

    def eta_q(r_eta):
        return np.ascontiguousarray(np.clip(np.round(r_eta / ETA_STEP), -90, 127), np.int8)

    syn_arrays = (np.ascontiguousarray(gain, dtype=F32),
                  eta_q(fp.r_eta_c), delta_q(fp.r_tau_c), eta_q(fp.r_eta_a), delta_q(fp.r_tau_a),
                  np.array([corr.eta_causal_lsb, corr.eta_acausal_lsb, ETA_STEP, DELTA_STEP]))
    return Chip(
        spec=spec, neuron=neuron, corr=corr, pattern=fp,
        neuron_arrays=neuron_arrays, syn_arrays=syn_arrays,
        v_reset=np.ascontiguousarray(p.v_reset_lsb + fp.d_reset, dtype=F32),
        ref_steps=np.ascontiguousarray(np.round(tau_r / h), dtype=F32),
        base_c=np.ascontiguousarray(fp.base_c, dtype=F32),
        base_a=np.ascontiguousarray(fp.base_a, dtype=F32),
        k_c=1.0 / corr.tau_causal_us, k_a=1.0 / corr.tau_acausal_us,
    )
