"""The compiled run loop: every instance and hemisphere of a batch, all time steps, the
PPU hook at timer events, in one numba call (no Python per step).

Sources: exact integration after Rotter & Diesmann 1999 (coefficients in chip.py);
nearest-neighbour correlation pairing of REFERENCE.md "Correlation sensors"; what makes
this fast: ../shared/PERFORMANCE-NOTES.md (one monolithic loop, separable exponential
traces with rebasing, column-major causal store, pooled Poisson events).

One step k covers [k dt, (k+1) dt) of hardware time:

1. timer events due at t = k dt call ``ppu_fn`` (the PPU sees the state at t);
2. the step's events are collected (spikes routed from the previous step, explicit
   input events, regular background sources, the pooled Poisson generator) and
   delivered: label -> driver, row, 6-bit address; each synapse whose label matches adds
   ``weight * gain`` to its neuron's excitatory or inhibitory current (row sign) and its
   anti-causal store pairs this pre spike (time k dt) with the neuron's last post spike;
3. neurons integrate exactly to (k+1) dt; a neuron at or above threshold (and not
   refractory) spikes at (k+1) dt, resets, counts, is recorded, its causal column pairs
   the spike with each synapse's last matching pre spike, and its output label (if
   routed) is delivered at the start of step k+1, i.e. at the spike time.

Correlation traces are separable (PERFORMANCE-NOTES 4): a pre spike at t_p stores
``A = exp(k0 t_p)`` per (row, address); at a post spike at t, ``A exp(-k0 t) =
exp(-k0 (t - t_p))``. Time is kept relative to a base that is moved forward (rebased)
every ~30 time constants so that A stays in float32 range. The per-synapse time
constant tau_s = tau0 / (1 + delta) enters through ``exp(-k0 delta dt)`` ~ ``1 - u +
u^2/2`` with u = k0 delta dt, |delta| <= 0.5: relative error at most about u^3/6 times
exp(-k0 dt), below 2e-3 of eta for |delta| <= 0.2 (tested against the exact reference).
"""

from __future__ import annotations

import numpy as np
from numba import njit

EVENT_CAP = 4096  # events delivered per step and hemisphere (inputs validated against it)
REBASE_TAUS = 30.0
F0 = np.float32(0.0)
F1 = np.float32(1.0)
FHALF = np.float32(0.5)
M32 = np.uint64(0xFFFFFFFF)
NOISE_MEAN = np.float32(510.0)  # sum of 4 uniform bytes: mean 510, std 147.80
NOISE_INV_STD = np.float32(1.0 / np.sqrt(4.0 * (256.0**2 - 1.0) / 12.0))


@njit(cache=True, inline="always")
def splitmix64(state):
    """One step of splitmix64 (Steele et al. 2014): (new state, 64-bit output)."""
    s = state + np.uint64(0x9E3779B97F4A7C15)
    z = s
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return s, z ^ (z >> np.uint64(31))


@njit(cache=True, inline="always")
def uniform01(z):
    """(0, 1) double from a 64-bit output (top 53 bits)."""
    return (np.float64(z >> np.uint64(11)) + 0.5) * (1.0 / 9007199254740992.0)


@njit(cache=True, nogil=True)
def run_kernel(work, step0, n_steps, dt, k_c, k_a, flags, timer_steps,
               neu, syn, wiring, src, port, dyn, rec, ppu_fn, ppu_ctx):
    """Advance the (instance, hemisphere) pairs ``work`` (flat index b * H + h) from
    global step ``step0`` by ``n_steps``. Writes only into ``port``, ``dyn`` and ``rec``
    (and whatever ``ppu_fn`` writes into ``ppu_ctx``). Tuple layouts: see state.py."""
    (p_mem, p_exc, p_inh, c_exc, c_inh, v_leak, v_thresh, off_term, noise_step,
     p_w, a_term, b_jump, delta_t, v_exp) = neu
    gain, eta_c, dlt_c, eta_a, dlt_a = syn
    row_sign, out_label = wiring
    (pois_label, pois_cum, pois_total, reg_label, reg_period, reg_first,
     ev_off, ev_step, ev_label) = src
    (weights, labels, labels_t, causal, acausal, base_c, base_a, rate, overflow,
     v, ref, v_reset, ref_steps) = port
    (i_exc, i_inh, w_ad, rng_n, rng_s, pois_e, tpre, apre, tpost, bpost, base_step,
     pend, pend_count) = dyn
    spk_step, spk_nrn, spk_count, tr_idx, tr_every, tr_step0, trace = rec
    corr_on, noise_on, adex_on = flags[0] != 0, flags[1] != 0, flags[2] != 0

    H = v.shape[1]
    R = weights.shape[2]
    N = v.shape[2]
    n_reg = reg_label.shape[1]
    n_timer = timer_steps.shape[0]
    cap = spk_step.shape[2]
    n_tr = tr_idx.shape[0]
    t_slots = trace.shape[3]
    k_cf = np.float32(k_c)
    k_af = np.float32(k_a)
    rebase_us = REBASE_TAUS / max(k_c, k_a)
    evbuf = np.empty(EVENT_CAP, np.int64)
    spiked = np.empty(N, np.int64)
    sflag = np.zeros(N, np.float32)

    for wi in range(work.shape[0]):
        flat = work[wi]
        b = flat // H
        h = flat - b * H
        e_ptr = ev_off[flat]
        e_end = ev_off[flat + 1]
        while e_ptr < e_end and ev_step[e_ptr] < step0:
            e_ptr += 1
        t_ptr = 0
        while t_ptr < n_timer and timer_steps[t_ptr] < step0:
            t_ptr += 1
        lam = pois_total[h]
        for k in range(n_steps + 1):
            gs = step0 + k
            while t_ptr < n_timer and timer_steps[t_ptr] == gs:
                ppu_fn(ppu_ctx, port, b, h, gs * dt)
                t_ptr += 1
            if k == n_steps:
                break
            trel64 = (gs - base_step[b, h]) * dt
            if corr_on and trel64 > rebase_us:
                # move the time base to now: A *= exp(-k0 t), times -= t
                gc = np.float32(np.exp(-trel64 * k_c))
                ga = np.float32(np.exp(-trel64 * k_a))
                tshift = np.float32(trel64)
                for r in range(R):
                    for a in range(64):
                        apre[b, h, r, a] *= gc
                        tpre[b, h, r, a] -= tshift
                for n in range(N):
                    bpost[b, h, n] *= ga
                    tpost[b, h, n] -= tshift
                base_step[b, h] = gs
                trel64 = 0.0
            trel = np.float32(trel64)

            # ---- 2. collect this step's events
            nev = 0
            for i in range(pend_count[b, h]):
                lab = out_label[h, pend[b, h, i]]
                if lab >= 0:
                    evbuf[nev] = lab
                    nev += 1
            pend_count[b, h] = 0
            while e_ptr < e_end and ev_step[e_ptr] == gs and nev < EVENT_CAP:
                evbuf[nev] = ev_label[e_ptr]
                nev += 1
                e_ptr += 1
            for j in range(n_reg):
                d = gs - reg_first[h, j]
                if d >= 0 and d % reg_period[h, j] == 0 and nev < EVENT_CAP:
                    evbuf[nev] = reg_label[h, j]
                    nev += 1
            if lam > 0.0:
                # pooled Poisson: a unit-exponential budget spent at lam events per step
                e = pois_e[b, h]
                rem = lam
                while e <= rem and nev < EVENT_CAP:
                    rem -= e
                    st, z = splitmix64(rng_s[b, h])
                    st, z2 = splitmix64(st)
                    rng_s[b, h] = st
                    j = np.searchsorted(pois_cum[h], uniform01(z) * lam)
                    if j >= pois_cum.shape[1]:
                        j = pois_cum.shape[1] - 1
                    evbuf[nev] = pois_label[h, j]
                    nev += 1
                    e = -np.log(uniform01(z2))
                pois_e[b, h] = e - rem

            # ---- deliver: label -> row, address; matching synapses only
            for j in range(nev):
                lab = evbuf[j]
                r = 2 * (lab >> 7) + ((lab >> 6) & 1)
                addr = np.uint8(lab & 63)
                if r >= R:
                    continue
                if row_sign[h, r] > 0:
                    for n in range(N):
                        m = np.float32(labels[b, h, r, n] == addr)
                        i_exc[b, h, n] += m * (np.float32(weights[b, h, r, n]) * gain[b, h, r, n])
                else:
                    for n in range(N):
                        m = np.float32(labels[b, h, r, n] == addr)
                        i_inh[b, h, n] += m * (np.float32(weights[b, h, r, n]) * gain[b, h, r, n])
                if corr_on:
                    ga = np.float32(np.exp(-trel64 * k_a))
                    for n in range(N):
                        m = np.float32(labels[b, h, r, n] == addr)
                        u = dlt_a[b, h, r, n] * ((trel - tpost[b, h, n]) * k_af)
                        pair = bpost[b, h, n] * ga * (F1 - u + FHALF * u * u)
                        acausal[b, h, r, n] += m * (eta_a[b, h, r, n] * pair)
                    tpre[b, h, r, addr] = trel
                    apre[b, h, r, addr] = np.float32(np.exp(trel64 * k_c))

            # ---- 3. neurons: exact integration to (k+1) dt
            nsp = F0
            for n in range(N):
                ve = v[b, h, n]
                vl = v_leak[b, h, n]
                ie = i_exc[b, h, n]
                ii = i_inh[b, h, n]
                vn = vl + (ve - vl) * p_mem[b, h, n] + off_term[b, h, n] \
                    + ie * c_exc[b, h, n] - ii * c_inh[b, h, n]
                i_exc[b, h, n] = ie * p_exc[b, h, n]
                i_inh[b, h, n] = ii * p_inh[b, h, n]
                if noise_on:
                    x = np.uint64(rng_n[b, h, n])
                    x = x ^ ((x << np.uint64(13)) & M32)
                    x = x ^ (x >> np.uint64(17))
                    x = x ^ ((x << np.uint64(5)) & M32)
                    rng_n[b, h, n] = np.uint32(x)
                    s = ((x & np.uint64(255)) + ((x >> np.uint64(8)) & np.uint64(255))
                         + ((x >> np.uint64(16)) & np.uint64(255)) + (x >> np.uint64(24)))
                    vn = vn + noise_step[b, h, n] * ((np.float32(s) - NOISE_MEAN) * NOISE_INV_STD)
                if adex_on:
                    w = w_ad[b, h, n]
                    dtl = delta_t[b, h, n]
                    drive = -w
                    if dtl > F0:
                        drive += dtl * np.float32(np.exp(min((ve - v_exp[b, h, n]) / dtl,
                                                             np.float32(20.0))))
                    vn = vn + drive * (F1 - p_mem[b, h, n])
                    w_ad[b, h, n] = w * p_w[b, h, n] + a_term[b, h, n] * (ve - vl)
                rf = ref[b, h, n]
                inref = np.float32(rf > F0)
                vr = v_reset[b, h, n]
                vn = vn + inref * (vr - vn)
                rf = rf - inref
                sp = np.float32(vn >= v_thresh[b, h, n]) * (F1 - inref)
                vn = vn + sp * (vr - vn)
                rf = rf + sp * ref_steps[b, h, n]
                v[b, h, n] = vn
                ref[b, h, n] = rf
                sflag[n] = sp
                nsp += sp

            # ---- post spikes
            if nsp > F0:
                ns = 0
                for n in range(N):
                    if sflag[n] > F0:
                        spiked[ns] = n
                        ns += 1
                tp = trel + np.float32(dt)
                tp64 = trel64 + dt
                gc = np.float32(np.exp(-tp64 * k_c))
                bp = np.float32(np.exp(tp64 * k_a))
                pc = 0
                for q in range(ns):
                    n = spiked[q]
                    if rate[b, h, n] == 255:
                        overflow[b, h, n] = 1
                    else:
                        rate[b, h, n] += 1
                    c = spk_count[b, h]
                    if c < cap:
                        spk_step[b, h, c] = gs + 1
                        spk_nrn[b, h, c] = n
                    spk_count[b, h] = c + 1
                    pend[b, h, pc] = n
                    pc += 1
                    if adex_on:
                        w_ad[b, h, n] += b_jump[b, h, n]
                    if corr_on:
                        for r in range(R):
                            a = labels_t[b, h, n, r]
                            u = dlt_c[b, h, n, r] * ((tp - tpre[b, h, r, a]) * k_cf)
                            pair = apre[b, h, r, a] * gc * (F1 - u + FHALF * u * u)
                            causal[b, h, n, r] += eta_c[b, h, n, r] * pair
                        tpost[b, h, n] = tp
                        bpost[b, h, n] = bp
                pend_count[b, h] = pc

            # ---- membrane traces after the step
            if n_tr > 0:
                d = gs + 1 - tr_step0
                if d % tr_every == 0:
                    slot = d // tr_every - 1
                    if 0 <= slot < t_slots:
                        for j in range(n_tr):
                            trace[b, h, j, slot] = v[b, h, tr_idx[j]]
