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
constant tau_s = tau0 / (1 + delta) enters through ``exp(-k0 delta dt)``, computed as its
4th-order Taylor polynomial in u = k0 delta dt (|delta| <= 0.5): the error of a pair is
at most |u|^5/120 exp(-k0 dt) of eta, below 3e-3 of eta at |delta| = 0.5 and below 1e-5
at |delta| = 0.1 (tested against the exact reference).
"""

from __future__ import annotations

import numpy as np
from numba import njit

EVENT_CAP = 4096  # events delivered per step and hemisphere (inputs validated against it)
REBASE_TAUS = 30.0
F0 = np.float32(0.0)
F1 = np.float32(1.0)
FHALF = np.float32(0.5)
C6 = np.float32(1.0 / 6.0)
C24 = np.float32(1.0 / 24.0)
M32 = np.uint64(0xFFFFFFFF)
TINY = np.float32(2.0**-100)  # (x + TINY) - TINY flushes denormals (they cost ~100x)
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


@njit(cache=True, inline="always")
def _exp_neg(u):
    """exp(-u) to 4th order, 1 - u + u^2/2 - u^3/6 + u^4/24 (positive for all u; error
    below |u|^5/120): the per-synapse time-constant factor of a correlation pair."""
    return F1 - u * (F1 - u * (FHALF - u * (C6 - u * C24)))


@njit(cache=True)
def _uniform_rows(lab, apre, tpre, out_uni, out_a_row, out_t_row):
    """True if every row's synapses share one label; then ``out_uni[r]`` is it and
    ``out_a_row``, ``out_t_row`` the row's pre trace (copied from the (row, address)
    tables). Uniform rows (the common case) let the causal update run contiguously."""
    R, N = lab.shape
    for r in range(R):
        first = lab[r, 0]
        for n in range(1, N):
            if lab[r, n] != first:
                return False
        out_uni[r] = first
        out_a_row[r] = apre[r, first]
        out_t_row[r] = tpre[r, first]
    return True


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
     pend, pend_count, row_events) = dyn
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
    ap_now = F0
    ga = F0
    a_row = np.zeros(R, np.float32)  # uniform rows: the row's pre trace factor and time
    t_row = np.zeros(R, np.float32)
    uni = np.zeros(R, np.int64)

    for wi in range(work.shape[0]):
        flat = work[wi]
        b = flat // H
        h = flat - b * H
        # 1-d / 2-d views of this (instance, hemisphere), once: loops over them vectorise
        W, LAB, LABT = weights[b, h], labels[b, h], labels_t[b, h]
        CAU, ACA, G = causal[b, h], acausal[b, h], gain[b, h]
        ETC, DLC, ETA, DLA = eta_c[b, h], dlt_c[b, h], eta_a[b, h], dlt_a[b, h]
        V, REF, VR, RS = v[b, h], ref[b, h], v_reset[b, h], ref_steps[b, h]
        IE, II, WA, RNG = i_exc[b, h], i_inh[b, h], w_ad[b, h], rng_n[b, h]
        PM, PE, PI, CE, CI = p_mem[b, h], p_exc[b, h], p_inh[b, h], c_exc[b, h], c_inh[b, h]
        VL, TH, OFF, NS = v_leak[b, h], v_thresh[b, h], off_term[b, h], noise_step[b, h]
        TPRE, APRE, TPOST, BPOST = tpre[b, h], apre[b, h], tpost[b, h], bpost[b, h]
        SIGN, OUT, PEND = row_sign[h], out_label[h], pend[b, h]
        RATE, OVF = rate[b, h], overflow[b, h]
        e_ptr = ev_off[flat]
        e_end = ev_off[flat + 1]
        while e_ptr < e_end and ev_step[e_ptr] < step0:
            e_ptr += 1
        t_ptr = 0
        while t_ptr < n_timer and timer_steps[t_ptr] < step0:
            t_ptr += 1
        uniform = _uniform_rows(LAB, APRE, TPRE, uni, a_row, t_row)
        lam = pois_total[h]
        cum = pois_cum[h]
        n_cum = cum.shape[0]
        for k in range(n_steps + 1):
            gs = step0 + k
            while t_ptr < n_timer and timer_steps[t_ptr] == gs:
                ppu_fn(ppu_ctx, port, b, h, gs * dt)
                t_ptr += 1
                uniform = _uniform_rows(LAB, APRE, TPRE, uni, a_row, t_row)  # labels may change
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
                        APRE[r, a] *= gc
                        TPRE[r, a] -= tshift
                for n in range(N):
                    BPOST[n] *= ga
                    TPOST[n] -= tshift
                for r in range(R):
                    a_row[r] *= gc
                    t_row[r] -= tshift
                base_step[b, h] = gs
                trel64 = 0.0
            trel = np.float32(trel64)

            # ---- 2. collect this step's events
            nev = 0
            for i in range(pend_count[b, h]):
                lab = OUT[PEND[i]]
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
                if e <= rem:
                    st = rng_s[b, h]
                    while e <= rem and nev < EVENT_CAP:
                        rem -= e
                        st, z = splitmix64(st)
                        st, z2 = splitmix64(st)
                        j = np.searchsorted(cum, uniform01(z) * lam)
                        if j >= n_cum:
                            j = n_cum - 1
                        evbuf[nev] = pois_label[h, j]
                        nev += 1
                        e = -np.log(uniform01(z2))
                    rng_s[b, h] = st
                pois_e[b, h] = e - rem

            # ---- deliver: label -> row, address; matching synapses only
            if corr_on and nev > 0:
                ga = np.float32(np.exp(-trel64 * k_a))
                ap_now = np.float32(np.exp(trel64 * k_c))
            for j in range(nev):
                lab = evbuf[j]
                r = 2 * (lab >> 7) + ((lab >> 6) & 1)
                addr = np.uint8(lab & 63)
                if r >= R:
                    continue
                row_events[b, h, r] += 1
                if uniform:
                    # every synapse of the row has label uni[r]: all or none match
                    if uni[r] != addr:
                        continue
                    Wr, Gr = W[r], G[r]
                    if SIGN[r] > 0:
                        for n in range(N):
                            IE[n] += np.float32(Wr[n]) * Gr[n]
                    else:
                        for n in range(N):
                            II[n] += np.float32(Wr[n]) * Gr[n]
                    if corr_on:
                        Ar, Er, Dr = ACA[r], ETA[r], DLA[r]
                        for n in range(N):
                            u = Dr[n] * ((trel - TPOST[n]) * k_af)
                            Ar[n] += Er[n] * (BPOST[n] * ga * _exp_neg(u))
                        a_row[r] = ap_now
                        t_row[r] = trel
                else:
                    Wr, Lr, Gr = W[r], LAB[r], G[r]
                    if SIGN[r] > 0:
                        for n in range(N):
                            m = np.float32(Lr[n] == addr)
                            IE[n] += m * (np.float32(Wr[n]) * Gr[n])
                    else:
                        for n in range(N):
                            m = np.float32(Lr[n] == addr)
                            II[n] += m * (np.float32(Wr[n]) * Gr[n])
                    if corr_on:
                        Ar, Er, Dr = ACA[r], ETA[r], DLA[r]
                        for n in range(N):
                            m = np.float32(Lr[n] == addr)
                            u = Dr[n] * ((trel - TPOST[n]) * k_af)
                            Ar[n] += m * (Er[n] * (BPOST[n] * ga * _exp_neg(u)))
                if corr_on:
                    TPRE[r, addr] = trel
                    APRE[r, addr] = ap_now

            # ---- 3. neurons: exact integration to (k+1) dt
            nsp = 0
            if adex_on:
                for n in range(N):
                    ve = V[n]
                    vl = VL[n]
                    ie = IE[n]
                    ii = II[n]
                    vn = vl + (ve - vl) * PM[n] + OFF[n] + ie * CE[n] - ii * CI[n]
                    IE[n] = (ie * PE[n] + TINY) - TINY
                    II[n] = (ii * PI[n] + TINY) - TINY
                    if noise_on:
                        x = RNG[n]
                        x = np.uint32(x ^ np.uint32(x << np.uint32(13)))
                        x = np.uint32(x ^ np.uint32(x >> np.uint32(17)))
                        x = np.uint32(x ^ np.uint32(x << np.uint32(5)))
                        RNG[n] = x
                        s = ((x & np.uint32(255)) + ((x >> np.uint32(8)) & np.uint32(255))
                             + ((x >> np.uint32(16)) & np.uint32(255)) + (x >> np.uint32(24)))
                        vn = vn + NS[n] * ((np.float32(np.int32(s)) - NOISE_MEAN) * NOISE_INV_STD)
                    w = WA[n]
                    dtl = delta_t[b, h, n]
                    drive = -w
                    if dtl > F0:
                        drive += dtl * np.float32(np.exp(min((ve - v_exp[b, h, n]) / dtl,
                                                             np.float32(20.0))))
                    vn = vn + drive * (F1 - PM[n])
                    WA[n] = w * p_w[b, h, n] + a_term[b, h, n] * (ve - vl)
                    rf = REF[n]
                    inref = np.minimum(rf, F1)
                    r0 = VR[n]
                    vn = vn + inref * (r0 - vn)
                    rf = rf - inref
                    sp = np.float32(vn >= TH[n]) * (F1 - inref)
                    vn = vn + sp * (r0 - vn)
                    V[n] = vn
                    REF[n] = rf + sp * RS[n]
                    sflag[n] = sp
                    nsp += np.int32(sp)
            elif noise_on:
                for n in range(N):
                    ve = V[n]
                    vl = VL[n]
                    ie = IE[n]
                    ii = II[n]
                    vn = vl + (ve - vl) * PM[n] + OFF[n] + ie * CE[n] - ii * CI[n]
                    IE[n] = (ie * PE[n] + TINY) - TINY
                    II[n] = (ii * PI[n] + TINY) - TINY
                    x = RNG[n]
                    x = np.uint32(x ^ np.uint32(x << np.uint32(13)))
                    x = np.uint32(x ^ np.uint32(x >> np.uint32(17)))
                    x = np.uint32(x ^ np.uint32(x << np.uint32(5)))
                    RNG[n] = x
                    s = ((x & np.uint32(255)) + ((x >> np.uint32(8)) & np.uint32(255))
                         + ((x >> np.uint32(16)) & np.uint32(255)) + (x >> np.uint32(24)))
                    vn = vn + NS[n] * ((np.float32(np.int32(s)) - NOISE_MEAN) * NOISE_INV_STD)
                    rf = REF[n]
                    inref = np.minimum(rf, F1)
                    r0 = VR[n]
                    vn = vn + inref * (r0 - vn)
                    rf = rf - inref
                    sp = np.float32(vn >= TH[n]) * (F1 - inref)
                    vn = vn + sp * (r0 - vn)
                    V[n] = vn
                    REF[n] = rf + sp * RS[n]
                    sflag[n] = sp
                    nsp += np.int32(sp)
            else:
                for n in range(N):
                    ve = V[n]
                    vl = VL[n]
                    ie = IE[n]
                    ii = II[n]
                    vn = vl + (ve - vl) * PM[n] + OFF[n] + ie * CE[n] - ii * CI[n]
                    IE[n] = (ie * PE[n] + TINY) - TINY
                    II[n] = (ii * PI[n] + TINY) - TINY
                    rf = REF[n]
                    inref = np.minimum(rf, F1)
                    r0 = VR[n]
                    vn = vn + inref * (r0 - vn)
                    rf = rf - inref
                    sp = np.float32(vn >= TH[n]) * (F1 - inref)
                    vn = vn + sp * (r0 - vn)
                    V[n] = vn
                    REF[n] = rf + sp * RS[n]
                    sflag[n] = sp
                    nsp += np.int32(sp)

            # ---- post spikes
            if nsp > 0:
                ns = 0
                for n in range(N):
                    if sflag[n] > F0:
                        spiked[ns] = n
                        ns += 1
                tp = trel + np.float32(dt)
                tp64 = trel64 + dt
                gc = np.float32(np.exp(-tp64 * k_c))
                bp = np.float32(np.exp(tp64 * k_a))
                c = spk_count[b, h]
                for q in range(ns):
                    n = spiked[q]
                    if RATE[n] == 255:
                        OVF[n] = 1
                    else:
                        RATE[n] += 1
                    if c < cap:
                        spk_step[b, h, c] = gs + 1
                        spk_nrn[b, h, c] = n
                    c += 1
                    PEND[q] = n
                    if adex_on:
                        WA[n] += b_jump[b, h, n]
                    if corr_on:
                        Cn, En, Dn = CAU[n], ETC[n], DLC[n]
                        if uniform:  # contiguous per-row traces: vectorises
                            for r in range(R):
                                u = Dn[r] * ((tp - t_row[r]) * k_cf)
                                Cn[r] += En[r] * (a_row[r] * gc * _exp_neg(u))
                        else:  # each synapse pairs with the last pre of its own address
                            Ln = LABT[n]
                            for r in range(R):
                                a = Ln[r]
                                u = Dn[r] * ((tp - TPRE[r, a]) * k_cf)
                                Cn[r] += En[r] * (APRE[r, a] * gc * _exp_neg(u))
                        TPOST[n] = tp
                        BPOST[n] = bp
                spk_count[b, h] = c
                pend_count[b, h] = ns

            # ---- membrane traces after the step
            if n_tr > 0:
                d = gs + 1 - tr_step0
                if d % tr_every == 0:
                    slot = d // tr_every - 1
                    if 0 <= slot < t_slots:
                        for j in range(n_tr):
                            trace[b, h, j, slot] = V[tr_idx[j]]
