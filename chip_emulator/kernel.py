"""The compiled run loop: every instance and hemisphere of a batch, all time steps, the
PPU hook at timer events, in one numba call (no Python per step).

Sources: exact integration after Rotter & Diesmann 1999 (coefficients in chip.py);
nearest-neighbour correlation pairing of REFERENCE.md "Correlation sensors"; what makes
this fast: ../shared/PERFORMANCE-NOTES.md (one monolithic loop, separable exponential
traces with rebasing, column-major causal store, pooled Poisson events).

One step k covers [k dt, (k+1) dt) of hardware time:

1. timer events due at t = k dt call ``ppu_fn`` for every (instance, hemisphere)
   (the PPU sees the state at t);
2. the step's events are collected (spikes routed from the previous step, explicit
   input events, regular background sources, the pooled Poisson generator) and
   delivered: label -> driver, row, 6-bit address; each synapse whose label matches adds
   ``weight * gain`` to its neuron's excitatory or inhibitory current (row sign) and its
   anti-causal store pairs this pre spike (time k dt) with the neuron's last post spike;
3. neurons integrate exactly to (k+1) dt; a neuron at or above threshold (and not
   refractory) spikes at (k+1) dt, resets, counts, is recorded, its causal column pairs
   the spike with each synapse's last matching pre spike, and its output label (if
   routed) is delivered at the start of step k+1, i.e. at the spike time.

Layout of the loop (PERFORMANCE-NOTES 2, 3): time is the outer loop; inside a step,
events are handled per (instance, hemisphere), sparsely, and the neuron update is one
flat loop over all neurons of all instances in the range, so it vectorises across
instances as well (a batch of 3-neuron agents fills SIMD lanes like one big chip).
A call handles a contiguous range [w0, w1) of flat (instance, hemisphere) indices
b * H + h; threads take disjoint ranges and never synchronise (hemispheres are
independent).

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

SCAN_BLOCK = 32  # spike search: neurons per block sum
EVENT_CAP = 4096  # events delivered per step and hemisphere (inputs validated against it)
REBASE_TAUS = 30.0
F0 = np.float32(0.0)
F1 = np.float32(1.0)
FHALF = np.float32(0.5)
C6 = np.float32(1.0 / 6.0)
C24 = np.float32(1.0 / 24.0)
M32 = np.uint64(0xFFFFFFFF)
TINY = np.float32(2.0**-100)  # (x + TINY) - TINY flushes denormals (they cost ~100x)
FLUSH_EVERY = 16  # steps between flushes of the decaying currents
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
def _uniform_rows(lab2, apre2, tpre2, f, R, out_uni, out_a_row, out_t_row):
    """True if every row of (instance, hemisphere) ``f`` has one label on all its
    synapses; then ``out_uni[f, r]`` is it and ``out_a_row[f, r]``, ``out_t_row[f, r]``
    the row's pre trace, copied from the (row, address) tables. Uniform rows (the
    common case) let the causal update run over contiguous per-row traces."""
    N = lab2.shape[1]
    for r in range(R):
        fr = f * R + r
        first = lab2[fr, 0]
        for n in range(1, N):
            if lab2[fr, n] != first:
                return False
        out_uni[f, r] = first
        out_a_row[f, r] = apre2[fr, first]
        out_t_row[f, r] = tpre2[fr, first]
    return True


@njit(cache=True, nogil=True)
def _neurons_lif(noise_on, n, V, VL, IE, II, PM, OFF, CE, CI, PE, PI, RNG, NS, REF, VR, TH, RS,
                 out_spike):
    """One exact LIF step of ``n`` neurons (see chip.py); ``out_spike[i]`` = 1 if neuron
    i spiked. (Counting spikes inside this loop cost 50 % more: the count is a separate,
    vectorised integer sum.)"""
    for i in range(n):
        ve = V[i]
        vl = VL[i]
        ie = IE[i]
        ii = II[i]
        vn = vl + (ve - vl) * PM[i] + OFF[i] + ie * CE[i] - ii * CI[i]
        IE[i] = ie * PE[i]
        II[i] = ii * PI[i]
        if noise_on:
            x = RNG[i]
            x = np.uint32(x ^ np.uint32(x << np.uint32(13)))
            x = np.uint32(x ^ np.uint32(x >> np.uint32(17)))
            x = np.uint32(x ^ np.uint32(x << np.uint32(5)))
            RNG[i] = x
            s = ((x & np.uint32(255)) + ((x >> np.uint32(8)) & np.uint32(255))
                 + ((x >> np.uint32(16)) & np.uint32(255)) + (x >> np.uint32(24)))
            vn = vn + NS[i] * ((np.float32(np.int32(s)) - NOISE_MEAN) * NOISE_INV_STD)
        rf = REF[i]
        inref = np.minimum(rf, F1)
        r0 = VR[i]
        vn = vn + inref * (r0 - vn)
        rf = rf - inref
        sp = np.float32(vn >= TH[i]) * (F1 - inref)
        vn = vn + sp * (r0 - vn)
        V[i] = vn
        REF[i] = rf + sp * RS[i]
        out_spike[i] = np.int32(sp)
    return 0


@njit(cache=True, nogil=True)
def _causal_uniform(cau, eta_q, dlt_q, a_row, t_row, i, f, tp, gc, k, e0, eq):
    """Causal pairing of neuron column ``i`` (pair ``f``) with its rows' last pre
    spikes (uniform rows); a small function of its own so it compiles as one simple,
    vectorisable loop."""
    for r in range(np.uint64(cau.shape[1])):
        u = np.float32(dlt_q[i, r]) * ((tp - t_row[f, r]) * k)
        eta = e0 + np.float32(eta_q[i, r]) * eq
        cau[i, r] += eta * (a_row[f, r] * gc * _exp_neg(u))


@njit(cache=True, nogil=True)
def _acausal_uniform(aca, eta_q, dlt_q, tpost, bpost, fr, nb, n, trel, ga, k, e0, eq):
    """Anti-causal pairing of row ``fr`` with the last post spike of each neuron
    ``nb + j`` (uniform rows)."""
    for j in range(np.uint64(n)):
        u = np.float32(dlt_q[fr, j]) * ((trel - tpost[nb + j]) * k)
        eta = e0 + np.float32(eta_q[fr, j]) * eq
        aca[fr, j] += eta * (bpost[nb + j] * ga * _exp_neg(u))


def _run_loop(w0, w1, step0, n_steps, dt, k_c, k_a, flags, timer_steps,
               neu, syn, wiring, src, port, dyn, rec, ppu_fn, ppu_ctx):
    """Advance the flat (instance, hemisphere) pairs ``w0 <= b * H + h < w1`` from
    global step ``step0`` by ``n_steps``. Writes only into ``port``, ``dyn`` and ``rec``
    (and whatever ``ppu_fn`` writes into ``ppu_ctx``). Tuple layouts: see state.py."""
    (p_mem, p_exc, p_inh, c_exc, c_inh, v_leak, v_thresh, off_term, noise_step,
     p_w, a_term, b_jump, delta_t, v_exp) = neu
    gain, eta_c, dlt_c, eta_a, dlt_a, eta0 = syn
    row_sign, out_label = wiring
    (pois_label, pois_cum, pois_total, reg_label, reg_period, reg_first,
     ev_off, ev_step, ev_label) = src
    (weights, labels, labels_t, causal, acausal, base_c, base_a, rate, overflow,
     v, ref, v_reset, ref_steps) = port
    (i_exc, i_inh, w_ad, rng_n, rng_s, pois_e, tpre, apre, tpost, bpost, base_step,
     pend, pend_count, row_events) = dyn
    spk_step, spk_nrn, spk_count, tr_idx, tr_every, tr_step0, trace = rec
    corr_on, noise_on, adex_on = flags[0] != 0, flags[1] != 0, flags[2] != 0

    B, H, R, N = weights.shape
    BH = B * H
    # flat views, made once: neurons (B*H*N,), rows (B*H*R, N), columns (B*H*N, R)
    V, REF, VR, RS = v.reshape(-1), ref.reshape(-1), v_reset.reshape(-1), ref_steps.reshape(-1)
    IE, II, WA, RNG = i_exc.reshape(-1), i_inh.reshape(-1), w_ad.reshape(-1), rng_n.reshape(-1)
    PM, PE, PI = p_mem.reshape(-1), p_exc.reshape(-1), p_inh.reshape(-1)
    CE, CI, VL = c_exc.reshape(-1), c_inh.reshape(-1), v_leak.reshape(-1)
    TH, OFF, NS = v_thresh.reshape(-1), off_term.reshape(-1), noise_step.reshape(-1)
    PW, AT, BJ = p_w.reshape(-1), a_term.reshape(-1), b_jump.reshape(-1)
    DT_, VX = delta_t.reshape(-1), v_exp.reshape(-1)
    RATE, OVF = rate.reshape(-1), overflow.reshape(-1)
    TPOST, BPOST = tpost.reshape(-1), bpost.reshape(-1)
    W2, LAB2, G2 = weights.reshape(BH * R, N), labels.reshape(BH * R, N), gain.reshape(BH * R, N)
    ACA2, ETA2, DLA2 = (acausal.reshape(BH * R, N), eta_a.reshape(BH * R, N),
                        dlt_a.reshape(BH * R, N))
    CAU2, ETC2, DLC2 = (causal.reshape(BH * N, R), eta_c.reshape(BH * N, R),
                        dlt_c.reshape(BH * N, R))
    LABT2 = labels_t.reshape(BH * N, R)
    APRE2, TPRE2 = apre.reshape(BH * R, 64), tpre.reshape(BH * R, 64)
    BSTEP, NPEND, PEB, RNGS = (base_step.reshape(-1), pend_count.reshape(-1),
                               pois_e.reshape(-1), rng_s.reshape(-1))
    PEND2, NSPK, ROWEV = pend.reshape(BH, N), spk_count.reshape(-1), row_events.reshape(-1)
    SPKS, SPKN = spk_step.reshape(BH, -1), spk_nrn.reshape(BH, -1)

    n_reg = reg_label.shape[1]
    n_timer = timer_steps.shape[0]
    cap = spk_step.shape[2]
    n_tr = tr_idx.shape[0]
    t_slots = trace.shape[3]
    n_cum = pois_cum.shape[1]
    # int8 deviations (chip.py): eta = eta0 (1 + q ETA_STEP), u = q DELTA_STEP k lag.
    # The steps come in as data, not as imported globals: numba's disk cache would
    # freeze a global of another module and miss its change.
    e0c = np.float32(eta0[0])
    e0a = np.float32(eta0[1])
    eqc = np.float32(eta0[0] * eta0[2])
    eqa = np.float32(eta0[1] * eta0[2])
    k_cf = np.float32(k_c * eta0[3])
    k_af = np.float32(k_a * eta0[3])
    rebase_us = REBASE_TAUS / max(k_c, k_a)
    d_c = np.exp(dt * k_c)
    d_a = np.exp(dt * k_a)
    evbuf = np.empty(EVENT_CAP, np.int64)
    i0 = w0 * N
    i1 = w1 * N
    sflag = np.zeros(BH * N, np.int32)
    # neuron-loop views of the range, indexed from 0: a signed offset index (i0 + i)
    # would keep numba's negative-index check in the loop and stop vectorisation (10x)
    nloc = i1 - i0
    lV, lREF, lVR, lRS = V[i0:i1], REF[i0:i1], VR[i0:i1], RS[i0:i1]
    lIE, lII, lWA, lRNG = IE[i0:i1], II[i0:i1], WA[i0:i1], RNG[i0:i1]
    lPM, lPE, lPI, lCE, lCI = PM[i0:i1], PE[i0:i1], PI[i0:i1], CE[i0:i1], CI[i0:i1]
    lVL, lTH, lOFF, lNS = VL[i0:i1], TH[i0:i1], OFF[i0:i1], NS[i0:i1]
    lPW, lAT, lDT, lVX = PW[i0:i1], AT[i0:i1], DT_[i0:i1], VX[i0:i1]
    lSF = sflag[i0:i1]
    NU = np.uint64(N)
    RU = np.uint64(R)
    uni = np.zeros((BH, R), np.int64)
    a_row = np.zeros((BH, R), np.float32)  # uniform rows: each row's pre trace factor
    t_row = np.zeros((BH, R), np.float32)  # and time
    uniform = np.zeros(BH, np.bool_)
    e_ptr = np.zeros(BH, np.int64)
    nxt = np.zeros(BH, np.int64)  # step of the next explicit event of each pair
    lamf = np.zeros(BH, np.float64)  # Poisson rate (events per step) of each pair
    evflag = np.zeros(BH, np.int64)
    no_event = np.iinfo(np.int64).max
    for f in range(w0, w1):
        uniform[f] = _uniform_rows(LAB2, APRE2, TPRE2, f, R, uni, a_row, t_row)
        p = ev_off[f]
        while p < ev_off[f + 1] and ev_step[p] < step0:
            p += 1
        e_ptr[f] = p
        nxt[f] = ev_step[p] if p < ev_off[f + 1] else no_event
        lamf[f] = pois_total[f % H]
    lEV, lNXT, lLAM = evflag[w0:w1], nxt[w0:w1], lamf[w0:w1]
    lPEB, lNPEND = PEB[w0:w1], NPEND[w0:w1]
    quiet_until = w0
    t_ptr = 0
    while t_ptr < n_timer and timer_steps[t_ptr] < step0:
        t_ptr += 1
    # the time base (shared: every pair of a state has lived through the same steps)
    bstep = BSTEP[w0] if w1 > w0 else step0
    t0 = (step0 - bstep) * dt
    e_c = np.exp(t0 * k_c)  # exp(k t) at the current step: one multiplication per step
    e_a = np.exp(t0 * k_a)

    for k in range(n_steps + 1):
        gs = step0 + k
        while t_ptr < n_timer and timer_steps[t_ptr] == gs:
            for f in range(w0, w1):
                b = f // H
                if ppu_fn is not None:  # pruned at compile time when there is no PPU
                    ppu_fn(ppu_ctx, port, b, f - b * H, gs * dt)
                uniform[f] = _uniform_rows(LAB2, APRE2, TPRE2, f, R, uni, a_row, t_row)
            t_ptr += 1
        if k == n_steps:
            break
        trel64 = (gs - bstep) * dt
        if corr_on and trel64 > rebase_us:
            # move the time base to now: A *= exp(-k0 t), times -= t
            gc = np.float32(np.exp(-trel64 * k_c))
            ga = np.float32(np.exp(-trel64 * k_a))
            tshift = np.float32(trel64)
            for fr in range(w0 * R, w1 * R):
                for a in range(64):
                    APRE2[fr, a] *= gc
                    TPRE2[fr, a] -= tshift
            for f in range(w0, w1):
                for r in range(R):
                    a_row[f, r] *= gc
                    t_row[f, r] -= tshift
            for i in range(i0, i1):
                BPOST[i] *= ga
                TPOST[i] -= tshift
            bstep = gs
            trel64 = 0.0
            e_c = 1.0
            e_a = 1.0
        trel = np.float32(trel64)
        ga = np.float32(1.0 / e_a)
        ap_now = np.float32(e_c)

        # ---- 2. per (instance, hemisphere): collect this step's events, deliver them.
        # First a vectorised pass flags the pairs with anything to do (and spends the
        # Poisson budget of the others), so quiet pairs cost a fraction of a ns.
        reg_due = False
        for hh in range(H):
            for j in range(n_reg):
                d = gs - reg_first[hh, j]
                if d >= 0 and d % reg_period[hh, j] == 0:
                    reg_due = True
        for j in range(w1 - w0):
            t = lPEB[j]
            lam = lLAM[j]
            fl = (np.int64(t <= lam) | np.int64(lNPEND[j] > 0)) | np.int64(lNXT[j] == gs)
            lPEB[j] = t - lam * np.float64(1 - fl)  # flagged pairs keep theirs: t - 0 = t
            lEV[j] = fl
        for f in range(w0, w1):
            if not reg_due:
                if (f - w0) % SCAN_BLOCK == 0:  # skip a quiet block of pairs at once
                    blk_hi = min(f + SCAN_BLOCK, w1)
                    anyf = 0
                    for j in range(f - w0, blk_hi - w0):
                        anyf |= lEV[j]
                    quiet_until = f if anyf != 0 else blk_hi
                if f < quiet_until or evflag[f] == 0:
                    continue
            h = f % H if H > 1 else 0
            nev = 0
            for i in range(NPEND[f]):
                lab = out_label[h, PEND2[f, i]]
                if lab >= 0:
                    evbuf[nev] = lab
                    nev += 1
            NPEND[f] = 0
            p = e_ptr[f]
            pend_end = ev_off[f + 1]
            while p < pend_end and ev_step[p] == gs and nev < EVENT_CAP:
                evbuf[nev] = ev_label[p]
                nev += 1
                p += 1
            e_ptr[f] = p
            nxt[f] = ev_step[p] if p < pend_end else no_event
            for j in range(n_reg):
                d = gs - reg_first[h, j]
                if d >= 0 and d % reg_period[h, j] == 0 and nev < EVENT_CAP:
                    evbuf[nev] = reg_label[h, j]
                    nev += 1
            lam = pois_total[h]
            if lam > 0.0 and evflag[f] != 0:
                # pooled Poisson: a unit-exponential budget spent at lam events per step
                # (unflagged pairs were charged in the pass above)
                e = PEB[f]
                if e > lam:
                    PEB[f] = e - lam
                else:
                    rem = lam
                    st = RNGS[f]
                    while e <= rem and nev < EVENT_CAP:
                        rem -= e
                        st, z = splitmix64(st)
                        st, z2 = splitmix64(st)
                        # source: first j with cum[j] > x (binary search, no array view)
                        x = uniform01(z) * lam
                        lo = 0
                        hi = n_cum - 1
                        while lo < hi:
                            mid = (lo + hi) >> 1
                            if pois_cum[h, mid] < x:
                                lo = mid + 1
                            else:
                                hi = mid
                        evbuf[nev] = pois_label[h, lo]
                        nev += 1
                        e = -np.log(uniform01(z2))
                    RNGS[f] = st
                    PEB[f] = e - rem
            if nev == 0:
                continue
            nb = np.uint64(f * N)
            for j in range(nev):
                lab = evbuf[j]
                r = 2 * (lab >> 7) + ((lab >> 6) & 1)
                addr = np.uint8(lab & 63)
                if r >= R:
                    continue
                fr = f * R + r
                ROWEV[fr] += 1
                if uniform[f]:
                    # every synapse of the row has label uni[r]: all or none match
                    if uni[f, r] != addr:
                        continue
                    if row_sign[h, r] > 0:
                        for n in range(NU):
                            IE[nb + n] += np.float32(W2[fr, n]) * G2[fr, n]
                    else:
                        for n in range(NU):
                            II[nb + n] += np.float32(W2[fr, n]) * G2[fr, n]
                    if corr_on:
                        _acausal_uniform(ACA2, ETA2, DLA2, TPOST, BPOST, fr, nb, N, trel, ga,
                                         k_af, e0a, eqa)
                        a_row[f, r] = ap_now
                        t_row[f, r] = trel
                else:
                    if row_sign[h, r] > 0:
                        for n in range(NU):
                            m = np.float32(LAB2[fr, n] == addr)
                            IE[nb + n] += m * (np.float32(W2[fr, n]) * G2[fr, n])
                    else:
                        for n in range(NU):
                            m = np.float32(LAB2[fr, n] == addr)
                            II[nb + n] += m * (np.float32(W2[fr, n]) * G2[fr, n])
                    if corr_on:
                        for n in range(NU):
                            m = np.float32(LAB2[fr, n] == addr)
                            u = np.float32(DLA2[fr, n]) * ((trel - TPOST[nb + n]) * k_af)
                            eta = e0a + np.float32(ETA2[fr, n]) * eqa
                            ACA2[fr, n] += m * (eta * (BPOST[nb + n] * ga * _exp_neg(u)))
                if corr_on:
                    TPRE2[fr, addr] = trel
                    APRE2[fr, addr] = ap_now

        # ---- 3. all neurons of the range: exact integration to (k+1) dt
        if adex_on:
            for i in range(nloc):
                ve = lV[i]
                vl = lVL[i]
                ie = lIE[i]
                ii = lII[i]
                vn = vl + (ve - vl) * lPM[i] + lOFF[i] + ie * lCE[i] - ii * lCI[i]
                lIE[i] = ie * lPE[i]
                lII[i] = ii * lPI[i]
                if noise_on:
                    x = lRNG[i]
                    x = np.uint32(x ^ np.uint32(x << np.uint32(13)))
                    x = np.uint32(x ^ np.uint32(x >> np.uint32(17)))
                    x = np.uint32(x ^ np.uint32(x << np.uint32(5)))
                    lRNG[i] = x
                    s = ((x & np.uint32(255)) + ((x >> np.uint32(8)) & np.uint32(255))
                         + ((x >> np.uint32(16)) & np.uint32(255)) + (x >> np.uint32(24)))
                    vn = vn + lNS[i] * ((np.float32(np.int32(s)) - NOISE_MEAN) * NOISE_INV_STD)
                w = lWA[i]
                dtl = lDT[i]
                drive = -w
                if dtl > F0:
                    drive += dtl * np.float32(np.exp(min((ve - lVX[i]) / dtl, np.float32(20.0))))
                vn = vn + drive * (F1 - lPM[i])
                lWA[i] = w * lPW[i] + lAT[i] * (ve - vl)
                rf = lREF[i]
                inref = np.minimum(rf, F1)
                r0 = lVR[i]
                vn = vn + inref * (r0 - vn)
                rf = rf - inref
                sp = np.float32(vn >= lTH[i]) * (F1 - inref)
                vn = vn + sp * (r0 - vn)
                lV[i] = vn
                lREF[i] = rf + sp * lRS[i]
                lSF[i] = np.int32(sp)
        elif noise_on:
            _neurons_lif(True, nloc, lV, lVL, lIE, lII, lPM, lOFF, lCE, lCI, lPE, lPI,
                               lRNG, lNS, lREF, lVR, lTH, lRS, lSF)
        else:
            _neurons_lif(False, nloc, lV, lVL, lIE, lII, lPM, lOFF, lCE, lCI, lPE, lPI,
                               lRNG, lNS, lREF, lVR, lTH, lRS, lSF)

        if gs % FLUSH_EVERY == 0:
            # a current left alone decays into denormals (in ~30-900 steps), whose
            # arithmetic costs ~100x: flush them now and then, not every step
            for i in range(nloc):
                lIE[i] = (lIE[i] + TINY) - TINY
                lII[i] = (lII[i] + TINY) - TINY

        # ---- post spikes at (k + 1) dt
        nsp = 0
        for i in range(nloc):
            nsp += lSF[i]
        if nsp > 0:
            tp = trel + np.float32(dt)
            gc = np.float32(1.0 / (e_c * d_c))
            bp = np.float32(e_a * d_a)
            found = 0
            for blk in range(0, nloc, SCAN_BLOCK):
                if found == nsp:
                    break
                hi = min(blk + SCAN_BLOCK, nloc)
                cnt = 0
                for j in range(blk, hi):  # a vectorised block sum skips quiet blocks
                    cnt |= lSF[j]
                if cnt == 0:
                    continue
                for j in range(blk, hi):
                    if lSF[j] == 0:
                        continue
                    found += 1
                    i = i0 + j
                    f = i // N
                    n = i - f * N
                    if RATE[i] == 255:
                        OVF[i] = 1
                    else:
                        RATE[i] += 1
                    c = NSPK[f]
                    if c < cap:
                        SPKS[f, c] = gs + 1
                        SPKN[f, c] = n
                    NSPK[f] = c + 1
                    PEND2[f, NPEND[f]] = n
                    NPEND[f] += 1
                    if adex_on:
                        WA[i] += BJ[i]
                    if corr_on:
                        if uniform[f]:  # contiguous per-row traces: vectorises
                            _causal_uniform(CAU2, ETC2, DLC2, a_row, t_row, i, f, tp, gc, k_cf,
                                            e0c, eqc)
                        else:  # each synapse pairs with the last pre of its own address
                            for r in range(RU):
                                fr = np.uint64(f * R) + r
                                a = LABT2[i, r]
                                u = np.float32(DLC2[i, r]) * ((tp - TPRE2[fr, a]) * k_cf)
                                eta = e0c + np.float32(ETC2[i, r]) * eqc
                                CAU2[i, r] += eta * (APRE2[fr, a] * gc * _exp_neg(u))
                        TPOST[i] = tp
                        BPOST[i] = bp

        # ---- membrane traces after the step
        if n_tr > 0:
            d = gs + 1 - tr_step0
            if d % tr_every == 0:
                slot = d // tr_every - 1
                if 0 <= slot < t_slots:
                    for f in range(w0, w1):
                        b = f // H
                        for j in range(n_tr):
                            trace[b, f - b * H, j, slot] = V[f * N + tr_idx[j]]
        e_c *= d_c
        e_a *= d_a

    for f in range(w0, w1):
        BSTEP[f] = bstep


# Two compilations of the same loop. Without a PPU program the loop gets
# ``ppu_fn=None`` (numba prunes the call at compile time) and is cached on disk. With a
# program it is compiled once per process and program: a numba dispatcher argument is
# keyed by its identity in the process, so such a compilation never hits the disk cache
# in a new process (and would grow the cache index on every run).
run_kernel = njit(cache=True, nogil=True)(_run_loop)
run_kernel_ppu = njit(cache=False, nogil=True)(_run_loop)
