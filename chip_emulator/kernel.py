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

The loop's parts live in modules of their own and are inlined here: kernel_inputs.py
(the events of a step: routing, explicit events, background sources, pooled Poisson),
kernel_synapses.py (delivery to a row, correlation sensors, the time base),
kernel_neurons.py (the neuron step), kernel_util.py (constants, random numbers).

Threads: each thread runs this loop on its own range of pairs, and every per-pair
scalar the loop writes every step (Poisson budget and stream, pending spike count,
spike count) is copied into arrays local to the thread and written back at the end:
in the shared state arrays, the pairs of two threads share a cache line, which then
bounced between the cores at every step. Likewise the neuron state the loop writes every
step (membrane, refractory count, currents, adaptation, noise generators) is copied into
the thread's own memory and written back at the end (and around each PPU call, which
reads and resets membranes through ``port``): one hemisphere of the full chip is 1 KB
per array, so both hemispheres' slices lie in one 4 KB page, and the hardware prefetcher
streaming one thread's slice pulled in the other's, which it was writing (the second
hemisphere's thread ran 30-40 % slower; the state arrays' page alignment, state.py,
removes the same effect from the larger arrays). Measured: docs/benchmarks.md.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
from numba import njit

from chip_emulator.kernel_inputs import poisson_events
from chip_emulator.kernel_neurons import flush_currents, neuron_step, resting_term
from chip_emulator.kernel_synapses import (
    acausal_row,
    acausal_row_masked,
    causal_column,
    causal_column_by_address,
    deliver_row,
    deliver_row_masked,
    rebase,
    sync_rows,
    uniform_rows,
)
from chip_emulator.kernel_util import (
    EVENT_CAP,
    FLUSH_EVERY,
    NO_EVENT,
    REBASE_TAUS,
    SMALL_ROW,
    exp_neg,
)


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
    # views made once: neurons flat (B*H*N,) and per pair (B*H, N); rows (B*H*R, N);
    # columns (B*H*N, R)
    V, REF, VR, RS = v.reshape(-1), ref.reshape(-1), v_reset.reshape(-1), ref_steps.reshape(-1)
    IE, II, WA, RNG = i_exc.reshape(-1), i_inh.reshape(-1), w_ad.reshape(-1), rng_n.reshape(-1)
    TPOST, BPOST = tpost.reshape(-1), bpost.reshape(-1)
    TPOST2, BPOST2 = tpost.reshape(BH, N), bpost.reshape(BH, N)
    RATE, OVF, BJ = rate.reshape(-1), overflow.reshape(-1), b_jump.reshape(-1)
    W2, LAB2, G2 = weights.reshape(BH * R, N), labels.reshape(BH * R, N), gain.reshape(BH * R, N)
    ACA2, ETA2, DLA2 = (acausal.reshape(BH * R, N), eta_a.reshape(BH * R, N),
                        dlt_a.reshape(BH * R, N))
    # the causal store keeps causal.shape[3] >= R rows per column (state.stored_rows)
    CAU2, ETC2, DLC2 = (causal.reshape(BH * N, causal.shape[3]), eta_c.reshape(BH * N, R),
                        dlt_c.reshape(BH * N, R))
    LABT2 = labels_t.reshape(BH * N, R)
    APRE2, TPRE2 = apre.reshape(BH * R, 64), tpre.reshape(BH * R, 64)
    BSTEP, PEND2, ROWEV = base_step.reshape(-1), pend.reshape(BH, N), row_events.reshape(-1)
    SPKS, SPKN = spk_step.reshape(BH, -1), spk_nrn.reshape(BH, -1)

    n_reg = reg_label.shape[1]
    n_timer = timer_steps.shape[0]
    cap = spk_step.shape[2]
    n_tr = tr_idx.shape[0]
    t_slots = trace.shape[3]
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
    NU = np.uint64(N)
    RU = np.uint64(R)
    small = N <= SMALL_ROW and R <= SMALL_ROW  # the loops of kernel_synapses are inlined

    # the neuron range, indexed from 0: a signed offset index (i0 + i) would keep
    # numba's negative-index check in the loop and stop vectorisation (10x)
    i0 = w0 * N
    i1 = w1 * N
    nloc = i1 - i0
    # the neuron state written every step, copied into this thread's own memory (written
    # back at the end and around PPU calls): see "Threads" in the module docstring
    lV, lREF, lIE, lII = V[i0:i1].copy(), REF[i0:i1].copy(), IE[i0:i1].copy(), II[i0:i1].copy()
    lWA, lRNG = WA[i0:i1].copy(), RNG[i0:i1].copy()
    lIE2, lII2 = lIE.reshape(w1 - w0, N), lII.reshape(w1 - w0, N)
    lVR, lRS = VR[i0:i1], RS[i0:i1]
    lPM, lPE, lPI = p_mem.reshape(-1)[i0:i1], p_exc.reshape(-1)[i0:i1], p_inh.reshape(-1)[i0:i1]
    lCE, lCI = c_exc.reshape(-1)[i0:i1], c_inh.reshape(-1)[i0:i1]
    lVL, lTH, lNS = v_leak.reshape(-1)[i0:i1], v_thresh.reshape(-1)[i0:i1], noise_step.reshape(-1)[i0:i1]
    lPW, lAT = p_w.reshape(-1)[i0:i1], a_term.reshape(-1)[i0:i1]
    lDT, lVX = delta_t.reshape(-1)[i0:i1], v_exp.reshape(-1)[i0:i1]
    lC0 = np.empty(nloc, np.float32)
    resting_term(nloc, lVL, lPM, off_term.reshape(-1)[i0:i1], lC0)
    # spike flags, a byte per neuron, read 8 at a time as words by the spike search
    nwd = (nloc + 7) // 8
    lSF = np.zeros(nwd * 8, np.uint8)
    lSF64 = lSF.view(np.uint64)

    # per-pair state of this thread's range, slot j = f - w0 (see the module docstring)
    nw = w1 - w0
    peb = pois_e.reshape(-1)[w0:w1].copy()
    rngs = rng_s.reshape(-1)[w0:w1].copy()
    npend = pend_count.reshape(-1)[w0:w1].copy()
    nspk = spk_count.reshape(-1)[w0:w1].copy()
    e_ptr = np.zeros(nw, np.int64)
    nxt = np.zeros(nw, np.int64)  # step of the next explicit event of each pair
    lamf = np.zeros(nw, np.float64)  # Poisson rate (events per step) of each pair
    evflag = np.zeros(nw, np.int64)
    todo = np.zeros(nw, np.int64)  # the pairs with something to deliver this step
    uni = np.zeros((BH, R), np.int64)
    a_row = np.zeros((BH, R), np.float32)  # uniform rows: each row's pre trace factor
    t_row = np.zeros((BH, R), np.float32)  # and time
    uniform = np.zeros(BH, np.bool_)
    for j in range(nw):
        f = w0 + j
        uniform[f] = uniform_rows(LAB2, APRE2, TPRE2, f, R, uni, a_row, t_row)
        p = ev_off[f]
        while p < ev_off[f + 1] and ev_step[p] < step0:
            p += 1
        e_ptr[j] = p
        nxt[j] = ev_step[p] if p < ev_off[f + 1] else NO_EVENT
        lamf[j] = pois_total[f % H]
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
        # ---- 1. timer events at t = gs dt: the PPU sees the state at t
        while t_ptr < n_timer and timer_steps[t_ptr] == gs:
            for f in range(w0, w1):
                if uniform[f]:
                    sync_rows(APRE2, TPRE2, f, R, uni, a_row, t_row)
                if ppu_fn is not None:  # pruned at compile time when there is no PPU
                    b = f // H
                    a0 = (f - w0) * N
                    for n in range(N):  # the PPU reads and resets membranes in port
                        V[f * N + n] = lV[a0 + n]
                        REF[f * N + n] = lREF[a0 + n]
                    ppu_fn(ppu_ctx, port, b, f - b * H, gs * dt)
                    for n in range(N):
                        lV[a0 + n] = V[f * N + n]
                        lREF[a0 + n] = REF[f * N + n]
                uniform[f] = uniform_rows(LAB2, APRE2, TPRE2, f, R, uni, a_row, t_row)
            t_ptr += 1
        if k == n_steps:
            break
        trel64 = (gs - bstep) * dt
        if corr_on and trel64 > rebase_us:
            rebase(APRE2, TPRE2, a_row, t_row, TPOST, BPOST, w0, w1, R, N,
                   np.float32(np.exp(-trel64 * k_c)), np.float32(np.exp(-trel64 * k_a)),
                   np.float32(trel64))
            bstep = gs
            trel64 = 0.0
            e_c = 1.0
            e_a = 1.0
        trel = np.float32(trel64)
        ga = np.float32(1.0 / e_a)
        ap_now = np.float32(e_c)

        # ---- 2. events: a vectorised pass flags the pairs with anything to do (and
        # spends the Poisson budget of the others); only flagged pairs are visited
        reg_due = False
        for hh in range(H):
            for q in range(n_reg):
                d = gs - reg_first[hh, q]
                if d >= 0 and d % reg_period[hh, q] == 0:
                    reg_due = True
        for j in range(nw):
            t = peb[j]
            lam = lamf[j]
            fl = (np.int64(t <= lam) | np.int64(npend[j] > 0)) | np.int64(nxt[j] == gs)
            peb[j] = t - lam * np.float64(1 - fl)  # flagged pairs keep theirs: t - 0 = t
            evflag[j] = fl
        ntodo = 0
        if reg_due:  # a background source fires in every instance at once
            for j in range(nw):
                todo[j] = j
            ntodo = nw
        else:
            for j in range(nw):  # branch-free compaction
                todo[ntodo] = j
                ntodo += evflag[j]
        for q in range(ntodo):
            j = todo[q]
            f = w0 + j
            h = f % H if H > 1 else 0
            # routed spikes of the last step, explicit events, regular sources (in the
            # reference's order), then the pooled Poisson generator (kernel_inputs.py)
            nev = 0
            for i in range(npend[j]):
                lab = out_label[h, PEND2[f, i]]
                if lab >= 0:
                    evbuf[nev] = lab
                    nev += 1
            npend[j] = 0
            p = e_ptr[j]
            p_end = ev_off[f + 1]
            while p < p_end and ev_step[p] == gs and nev < EVENT_CAP:
                evbuf[nev] = ev_label[p]
                nev += 1
                p += 1
            e_ptr[j] = p
            nxt[j] = ev_step[p] if p < p_end else NO_EVENT
            for q in range(n_reg):
                d = gs - reg_first[h, q]
                if d >= 0 and d % reg_period[h, q] == 0 and nev < EVENT_CAP:
                    evbuf[nev] = reg_label[h, q]
                    nev += 1
            lam = pois_total[h]
            if lam > 0.0 and evflag[j] != 0:  # unflagged pairs were charged above
                e = peb[j]
                if e > lam:
                    peb[j] = e - lam
                else:
                    peb[j], rngs[j], nev = poisson_events(lam, e, rngs[j], pois_cum, pois_label,
                                                          h, evbuf, nev)
            for q in range(nev):
                lab = evbuf[q]
                r = 2 * (lab >> 7) + ((lab >> 6) & 1)
                addr = np.uint8(lab & 63)
                if r >= R:
                    continue
                fr = f * R + r
                ROWEV[fr] += 1
                if uniform[f]:
                    if uni[f, r] != addr:
                        continue  # every synapse of the row has label uni[r]: none match
                    if row_sign[h, r] > 0:
                        deliver_row(lIE2, W2, G2, j, fr, NU)
                    else:
                        deliver_row(lII2, W2, G2, j, fr, NU)
                    if corr_on:
                        if small:  # a few lanes: the loop costs less than a call
                            for n in range(NU):
                                u = np.float32(DLA2[fr, n]) * ((trel - TPOST2[f, n]) * k_af)
                                eta = e0a + np.float32(ETA2[fr, n]) * eqa
                                ACA2[fr, n] += eta * (BPOST2[f, n] * ga * exp_neg(u))
                        else:
                            acausal_row(ACA2, ETA2, DLA2, TPOST2, BPOST2, f, fr, NU, trel, ga,
                                        k_af, e0a, eqa)
                        a_row[f, r] = ap_now
                        t_row[f, r] = trel
                else:
                    if row_sign[h, r] > 0:
                        deliver_row_masked(lIE2, W2, G2, LAB2, j, fr, NU, addr)
                    else:
                        deliver_row_masked(lII2, W2, G2, LAB2, j, fr, NU, addr)
                    if corr_on:
                        acausal_row_masked(ACA2, ETA2, DLA2, LAB2, TPOST2, BPOST2, f, fr, NU, addr,
                                           trel, ga, k_af, e0a, eqa)
                        TPRE2[fr, addr] = trel
                        APRE2[fr, addr] = ap_now

        # ---- 3. all neurons of the range: exact integration to (k+1) dt
        # literal flags: each variant compiles as its own loop without the others' terms
        draw = gs % 2 == 0  # noise: a new draw on even steps (kernel_neurons.py)
        if adex_on:
            neuron_step(noise_on, draw, True, nloc, lV, lC0, lIE, lII, lPM, lCE, lCI, lPE, lPI,
                        lRNG, lNS, lREF, lVR, lTH, lVL, lWA, lPW, lAT, lDT, lVX, lSF)
        elif noise_on and draw:
            neuron_step(True, True, False, nloc, lV, lC0, lIE, lII, lPM, lCE, lCI, lPE, lPI,
                        lRNG, lNS, lREF, lVR, lTH, lVL, lWA, lPW, lAT, lDT, lVX, lSF)
        elif noise_on:
            neuron_step(True, False, False, nloc, lV, lC0, lIE, lII, lPM, lCE, lCI, lPE, lPI,
                        lRNG, lNS, lREF, lVR, lTH, lVL, lWA, lPW, lAT, lDT, lVX, lSF)
        else:
            neuron_step(False, False, False, nloc, lV, lC0, lIE, lII, lPM, lCE, lCI, lPE, lPI,
                        lRNG, lNS, lREF, lVR, lTH, lVL, lWA, lPW, lAT, lDT, lVX, lSF)
        if gs % FLUSH_EVERY == 0:
            flush_currents(nloc, lIE, lII)

        # ---- post spikes at (k + 1) dt
        # (an OR over the flag words, vectorised, then only the nonzero words' bytes, byte
        # jb of word w being neuron 8 w + jb on little-endian x86: 165 -> 90 ns per spike
        # against block sums over int32 flags)
        anyw = np.uint64(0)
        for w in range(nwd):
            anyw |= lSF64[w]
        if anyw != 0:
            tp = trel + np.float32(dt)
            gc = np.float32(1.0 / (e_c * d_c))
            bp = np.float32(e_a * d_a)
            for w in range(nwd):
                x = lSF64[w]
                if x == 0:
                    continue
                for jb in range(8):
                    if (x >> np.uint64(8 * jb)) & np.uint64(255) == 0:
                        continue
                    j = w * 8 + jb
                    i = i0 + j
                    f = i // N
                    n = i - f * N
                    s = f - w0
                    if RATE[i] == 255:
                        OVF[i] = 1
                    else:
                        RATE[i] += 1
                    c = nspk[s]
                    if c < cap:
                        SPKS[f, c] = gs + 1
                        SPKN[f, c] = n
                    nspk[s] = c + 1
                    if out_label[f % H, n] >= 0:  # routed: delivered next step
                        PEND2[f, npend[s]] = n
                        npend[s] += 1
                    lREF[j] = lRS[j]  # its refractory period starts (kernel_neurons.py)
                    if adex_on:
                        lWA[j] += BJ[i]
                    if corr_on:
                        if uniform[f] and small:
                            for r in range(RU):
                                u = np.float32(DLC2[i, r]) * ((tp - t_row[f, r]) * k_cf)
                                eta = e0c + np.float32(ETC2[i, r]) * eqc
                                CAU2[i, r] += eta * (a_row[f, r] * gc * exp_neg(u))
                        elif uniform[f]:
                            causal_column(CAU2, ETC2, DLC2, a_row, t_row, i, f, RU, tp, gc, k_cf,
                                          e0c, eqc)
                        else:
                            causal_column_by_address(CAU2, ETC2, DLC2, LABT2, APRE2, TPRE2, i, f,
                                                     R, RU, tp, gc, k_cf, e0c, eqc)
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
                            trace[b, f - b * H, j, slot] = lV[(f - w0) * N + tr_idx[j]]
        e_c *= d_c
        e_a *= d_a

    V[i0:i1] = lV
    REF[i0:i1] = lREF
    IE[i0:i1] = lIE
    II[i0:i1] = lII
    WA[i0:i1] = lWA
    RNG[i0:i1] = lRNG
    PEB, RNGS = pois_e.reshape(-1), rng_s.reshape(-1)
    NPEND, NSPK = pend_count.reshape(-1), spk_count.reshape(-1)
    for j in range(nw):
        f = w0 + j
        if uniform[f]:
            sync_rows(APRE2, TPRE2, f, R, uni, a_row, t_row)
        PEB[f] = peb[j]
        RNGS[f] = rngs[j]
        NPEND[f] = npend[j]
        NSPK[f] = nspk[j]
        BSTEP[f] = bstep


def _guard_cache() -> None:
    """numba's disk cache checks only the file of the cached function (this one), but
    the loop inlines the kernel_* modules: clear this file's cache entries whenever any
    of them changed (a hash recorded beside the cache)."""
    here = Path(__file__).resolve().parent
    h = hashlib.sha256()
    for p in sorted(here.glob("kernel_*.py")):
        h.update(p.name.encode() + p.read_bytes())
    cache = here / "__pycache__"
    stamp = cache / "kernel_sources.sha256"
    try:
        if stamp.exists() and stamp.read_text() == h.hexdigest():
            return
        for f in [*cache.glob("kernel._run_loop-*.nbi"), *cache.glob("kernel._run_loop-*.nbc")]:
            f.unlink(missing_ok=True)
        cache.mkdir(exist_ok=True)
        stamp.write_text(h.hexdigest())
    except OSError:  # read-only install: numba then recompiles or uses its own dir
        pass


_guard_cache()

# Two compilations of the same loop. Without a PPU program the loop gets
# ``ppu_fn=None`` (numba prunes the call at compile time) and is cached on disk. With a
# program it is compiled once per process and program: a numba dispatcher argument is
# keyed by its identity in the process, so such a compilation never hits the disk cache
# in a new process (and would grow the cache index on every run).
run_kernel = njit(cache=True, nogil=True)(_run_loop)
run_kernel_ppu = njit(cache=False, nogil=True)(_run_loop)
