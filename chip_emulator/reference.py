"""A slow, readable NumPy reference of the run loop, used only by tests to check the
compiled kernel (kernel.py and its kernel_* modules). One Python iteration per (instance, hemisphere, step).

It follows the same conventions (see kernel.py for the step order) and the same
random streams, so spikes, membranes and counters agree bit for bit. It differs on
purpose in one place: correlation pairing is computed exactly, with each synapse's own
time constant ``exp(-dt k0 (1 + delta))`` and each synapse's own last matching pre
spike, without the kernel's separable traces, rebasing, uniform-row shortcut and
4th-order expansion of the per-synapse rate (kernel_util.exp_neg), and without its
dropping of traces over 40 time constants old at a time-base move (at most exp(-40) of
an amplitude per pair); so the correlation stores agree only within that expansion's
error.
"""

from __future__ import annotations

import math

import numpy as np

from chip_emulator.chip import Chip
from chip_emulator.network import NO_INPUTS, Inputs, Wiring, make_wiring, pack_inputs
from chip_emulator.run import DEFAULT_RECORD, Record, Recording, _make_record
from chip_emulator.state import ChipState

F32 = np.float32
TINY = F32(2.0**-80)  # kernel_util.TINY
NOISE_SCALE = F32(np.sqrt(12.0) / 65536.0)  # kernel_util: u in 0..65535 -> mean 0, var 1
NOISE_SHIFT = F32(np.sqrt(12.0) * 32767.5 / 65536.0)
M64 = (1 << 64) - 1


def _splitmix(state: int):
    s = (state + 0x9E3779B97F4A7C15) & M64
    z = s
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
    return s, z ^ (z >> 31)


def _u01(z: int) -> float:
    return ((z >> 11) + 0.5) * (1.0 / 9007199254740992.0)


def reference_run(chip: Chip, state: ChipState, duration_us: float,
                  wiring: Wiring | None = None, inputs: Inputs = NO_INPUTS,
                  record: Record = DEFAULT_RECORD):
    """Same contract as ``run.run`` (without PPU, timer and threads)."""
    spec = chip.spec
    B, H, R, N, dt = chip.batch, spec.n_hemispheres, spec.n_rows, spec.n_neurons, spec.dt_us
    wiring = wiring if wiring is not None else make_wiring(spec)
    state = state.copy()
    (pois_label, pois_cum, pois_total, reg_label, reg_period, reg_first,
     ev_off, ev_step, ev_label) = pack_inputs(spec, B, inputs)
    n_steps = int(round(duration_us / dt))
    rec, recording = _make_record(spec, B, record, state.step, n_steps)
    spk_step, spk_nrn, spk_count, tr_idx, tr_every, tr_step0, trace = rec
    (weights, labels, _, causal, acausal, _, _, rate, overflow, v, ref, v_reset,
     ref_steps) = state.port
    (i_exc, i_inh, w_ad, rng_n, rng_s, pois_e, *_rest, pend, pend_count, row_events) = state.dyn
    (p_mem, p_exc, p_inh, c_exc, c_inh, v_leak, v_thresh, off_term, noise_step,
     p_w, a_term, b_jump, delta_t, v_exp) = chip.neuron_arrays
    gain = chip.syn_arrays[0]
    eta_c, dlt_c, eta_a, dlt_a = chip.correlation_params()
    noise_on = bool((noise_step > 0).any())
    adex_on = spec.adaptation or spec.exponential
    corr_on = spec.correlation
    k_c, k_a = chip.k_c, chip.k_a
    # exact pairing state: absolute times of each synapse's last pre and each neuron's
    # last post spike. The kernel's (row, address) tables carry the same information
    # but only relative to its base; a reference run starts from a fresh state.
    if state.step != 0:
        raise ValueError("reference_run starts from a fresh state (step 0)")
    t_pre = np.full((B, H, R, N), -np.inf)
    t_post = np.full((B, H, N), -np.inf)

    for b in range(B):
        for h in range(H):
            flat = b * H + h
            evs = {}
            for i in range(ev_off[flat], ev_off[flat + 1]):
                evs.setdefault(int(ev_step[i]), []).append(int(ev_label[i]))
            for k in range(n_steps):
                gs = state.step + k
                t = gs * dt
                # ---- events, in the kernel's order
                events = [int(wiring.out_label[h, n]) for n in pend[b, h, :pend_count[b, h]]
                          if wiring.out_label[h, n] >= 0]
                pend_count[b, h] = 0
                events += evs.get(gs, [])
                for j in range(reg_label.shape[1]):
                    d = gs - reg_first[h, j]
                    if d >= 0 and d % reg_period[h, j] == 0:
                        events.append(int(reg_label[h, j]))
                lam = pois_total[h]
                if lam > 0.0:
                    e, rem, st = pois_e[b, h], lam, int(rng_s[b, h])
                    while e <= rem:
                        rem -= e
                        st, z = _splitmix(st)
                        st, z2 = _splitmix(st)
                        j = min(int(np.searchsorted(pois_cum[h], _u01(z) * lam)),
                                pois_cum.shape[1] - 1)
                        events.append(int(pois_label[h, j]))
                        e = -math.log(_u01(z2))  # glibc log, as in the kernel
                    rng_s[b, h] = st
                    pois_e[b, h] = e - rem
                for lab in events:
                    row = 2 * (lab >> 7) + ((lab >> 6) & 1)
                    addr = lab & 63
                    row_events[b, h, row] += 1
                    m = labels[b, h, row] == addr
                    jump = m.astype(F32) * (weights[b, h, row].astype(F32) * gain[b, h, row])
                    if wiring.row_sign[h, row] > 0:
                        i_exc[b, h] += jump
                    else:
                        i_inh[b, h] += jump
                    if corr_on:
                        lag = t - t_post[b, h]
                        pair = np.exp(-lag * k_a * (1.0 + dlt_a[b, h, row].astype(float)))
                        acausal[b, h, row] += np.where(m, eta_a[b, h, row] * pair, 0.0).astype(F32)
                        t_pre[b, h, row, m] = t
                # ---- neurons (float32, same operation order as the kernel)
                ve, vl = v[b, h].copy(), v_leak[b, h]
                ie, ii = i_exc[b, h].copy(), i_inh[b, h].copy()
                c0 = vl * (F32(1) - p_mem[b, h]) + off_term[b, h]  # resting term
                vn = ve * p_mem[b, h] + c0 + ie * c_exc[b, h] - ii * c_inh[b, h]
                i_exc[b, h] = ie * p_exc[b, h]
                i_inh[b, h] = ii * p_inh[b, h]
                if noise_on:  # a uniform 16-bit half of a xorshift32 draw
                    x = rng_n[b, h].copy()  # written back only when drawn
                    if gs % 2 == 0:  # even steps: a new draw, its low half
                        x ^= x << np.uint32(13)
                        x ^= x >> np.uint32(17)
                        x ^= x << np.uint32(5)
                        rng_n[b, h] = x
                        u = x & np.uint32(0xFFFF)
                    else:  # odd steps: the high half of the last draw
                        u = x >> np.uint32(16)
                    xi = u.astype(np.int32).astype(F32) * NOISE_SCALE - NOISE_SHIFT
                    vn = vn + noise_step[b, h] * xi
                if adex_on:
                    w = w_ad[b, h].copy()
                    drive = -w
                    dtl = delta_t[b, h]
                    on = dtl > 0
                    ex = np.minimum((ve - v_exp[b, h]) / np.where(on, dtl, F32(1)), F32(20.0))
                    drive = np.where(on, drive + dtl * np.exp(ex).astype(F32), drive)
                    vn = vn + drive * (F32(1) - p_mem[b, h])
                    w_ad[b, h] = w * p_w[b, h] + a_term[b, h] * (ve - vl)
                if gs % 16 == 0:  # the kernel's periodic denormal flush (FLUSH_EVERY)
                    i_exc[b, h] = (i_exc[b, h] + TINY) - TINY
                    i_inh[b, h] = (i_inh[b, h] + TINY) - TINY
                rf = ref[b, h]  # whole steps left
                inref = rf > 0
                spk = (vn >= v_thresh[b, h]) & ~inref
                v[b, h] = np.where(inref | spk, v_reset[b, h], vn)
                sp = spk.astype(F32)
                ref[b, h] = rf - inref.astype(F32) + sp * ref_steps[b, h]
                # ---- post spikes at (k + 1) dt
                spiking = np.flatnonzero(sp > 0)
                tp = t + dt
                for q, n in enumerate(spiking):
                    if rate[b, h, n] == 255:
                        overflow[b, h, n] = 1
                    else:
                        rate[b, h, n] += 1
                    c = spk_count[b, h]
                    if c < spk_step.shape[2]:
                        spk_step[b, h, c], spk_nrn[b, h, c] = gs + 1, n
                    spk_count[b, h] += 1
                    pend[b, h, q] = n
                    if adex_on:
                        w_ad[b, h, n] += b_jump[b, h, n]
                    if corr_on:
                        lag = tp - t_pre[b, h, :, n]
                        pair = np.exp(-lag * k_c * (1.0 + dlt_c[b, h, n].astype(float)))
                        causal[b, h, n, :R] += (eta_c[b, h, n] * pair).astype(F32)
                        t_post[b, h, n] = tp
                pend_count[b, h] = len(spiking)
                if tr_idx.size:
                    d = gs + 1 - tr_step0
                    if d % tr_every == 0 and 0 <= d // tr_every - 1 < trace.shape[3]:
                        trace[b, h, :, d // tr_every - 1] = v[b, h, tr_idx]
    state.step += n_steps
    return state, recording


__all__ = ["reference_run", "Recording"]
