"""Exact event-based forward simulation of one LIF layer, batched over samples (numba).

Wunderlich, T. C. & Pehle, C. (2021). Event-based backpropagation can compute exact
gradients for spiking neural networks. Scientific Reports 11, 12829.

A layer of N current-based LIF neurons (see ``model``) receives a sorted list of input
events (source index, time) through ``w_in[N, n_src]`` and, optionally, its own spikes
through ``w_rec[N, N]`` (recurrent connections). Between events the state evolves in closed
form; the next spike of each neuron is predicted by bracketing its FIRST threshold crossing
(``model.first_crossing``), and the earliest of all predicted spikes and the next input event
is processed next. A feed-forward network is a stack of such layers, each fed the events of
the one before.

Event buffers are fixed-size arrays per sample, sorted by time, padded with the sentinels
``idx = -1`` and ``time = inf``. For every output spike the buffer also keeps the neuron's
synaptic current just before the spike, I_n(t_k^-), the only state the adjoint pass needs
(memory proportional to the number of spikes).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from plasticity_rules.eventprop.model import first_crossing, free_state, max_voltage_in_interval

__all__ = ["simulate_layer", "currents_at_spikes"]


@njit(cache=True)
def _predict(v, i, t, horizon, theta, tm, ts):
    """Absolute time of the first crossing in [t, horizon], or inf."""
    u = first_crossing(v, i, horizon - t, theta, tm, ts)
    return t + u if u >= 0.0 else np.inf


@njit(cache=True)
def _next_input_time(in_idx, in_time, b, e, t_end):
    if e < in_idx.shape[1] and in_idx[b, e] >= 0 and in_time[b, e] < t_end:
        return in_time[b, e]
    return t_end


@njit(cache=True)
def simulate_layer(
    in_idx,
    in_time,
    w_in,
    w_rec,
    has_rec,
    spiking,
    max_spikes,
    p,
    out_idx,
    out_time,
    out_cur,
    out_dropped,
    vmax,
    tvmax,
):
    """Simulate one layer for a batch of samples.

    Inputs: ``in_idx[B, K_in]`` (int, -1 = none), ``in_time[B, K_in]`` sorted per sample;
    ``w_in[N, n_src]``; ``w_rec[N, N]`` used if ``has_rec``; ``spiking`` False makes a
    non-spiking readout (no threshold); ``max_spikes`` per neuron and sample; ``p`` from
    ``LIFParams.as_array()``.

    Outputs (written): ``out_idx, out_time, out_cur [B, K_out]`` (spikes sorted by time,
    sentinel-padded), ``out_dropped[B]`` (spikes that did not fit the buffer: the sample is
    then not simulated faithfully), ``vmax, tvmax [B, N]`` (maximum membrane voltage and its
    time; filled for non-spiking layers only, zeros otherwise).
    """
    tm = p[0]
    ts = p[1]
    theta = p[2]
    t_end = p[3]
    n_batch, k_in = in_idx.shape
    k_out = out_idx.shape[1]
    n = w_in.shape[0]
    v = np.zeros(n)
    cur = np.zeros(n)
    tn = np.zeros(n)
    nxt = np.empty(n)
    nsp = np.zeros(n, dtype=np.int64)
    valid = np.zeros(n)  # time up to which the prediction nxt[j] was searched
    for b in range(n_batch):
        v[:] = 0.0
        cur[:] = 0.0
        tn[:] = 0.0
        nxt[:] = np.inf
        valid[:] = 0.0
        nsp[:] = 0
        for j in range(n):
            vmax[b, j] = 0.0
            tvmax[b, j] = 0.0
        e = 0
        k = 0
        dropped = 0
        horizon = _next_input_time(in_idx, in_time, b, 0, t_end)
        while True:
            t_in = np.inf
            if e < k_in and in_idx[b, e] >= 0:
                t_in = in_time[b, e]
            ns = -1
            t_sp = np.inf
            if spiking:
                for j in range(n):
                    if nxt[j] < t_sp:
                        t_sp = nxt[j]
                        ns = j
            if t_in > t_end and ns < 0:
                break
            if ns >= 0 and t_sp <= t_in:
                # spike of neuron ns at t_sp (its V reached threshold from below)
                _, i_sp = free_state(v[ns], cur[ns], t_sp - tn[ns], tm, ts)
                if k < k_out:
                    out_idx[b, k] = ns
                    out_time[b, k] = t_sp
                    out_cur[b, k] = i_sp
                    k += 1
                else:
                    dropped += 1
                v[ns] = 0.0  # reset
                cur[ns] = i_sp
                tn[ns] = t_sp
                nsp[ns] += 1
                if has_rec:
                    for j in range(n):
                        w = w_rec[j, ns]
                        if w == 0.0:
                            continue
                        if j != ns:
                            v[j], cur[j] = free_state(v[j], cur[j], t_sp - tn[j], tm, ts)
                            tn[j] = t_sp
                        cur[j] += w  # I_j += W[j, ns]
                        if nsp[j] < max_spikes:
                            nxt[j] = _predict(v[j], cur[j], t_sp, horizon, theta, tm, ts)
                            valid[j] = horizon
                if nsp[ns] < max_spikes:
                    nxt[ns] = _predict(v[ns], cur[ns], t_sp, horizon, theta, tm, ts)
                    valid[ns] = horizon
                else:
                    nxt[ns] = np.inf
            else:
                s = in_idx[b, e]
                e += 1
                horizon = _next_input_time(in_idx, in_time, b, e, t_end)
                for j in range(n):
                    w = w_in[j, s]
                    if w == 0.0:
                        # untouched, but its search may end here: extend it
                        if spiking and nsp[j] < max_spikes and valid[j] <= t_in:
                            nxt[j] = _predict(v[j], cur[j], tn[j], horizon, theta, tm, ts)
                            valid[j] = horizon
                        continue
                    dt = t_in - tn[j]
                    if not spiking:
                        u, vm = max_voltage_in_interval(v[j], cur[j], dt, tm, ts)
                        if vm > vmax[b, j]:
                            vmax[b, j] = vm
                            tvmax[b, j] = tn[j] + u
                    v[j], cur[j] = free_state(v[j], cur[j], dt, tm, ts)
                    tn[j] = t_in
                    cur[j] += w  # I_j += W[j, s]
                    if spiking and nsp[j] < max_spikes:
                        nxt[j] = _predict(v[j], cur[j], t_in, horizon, theta, tm, ts)
                        valid[j] = horizon
        if not spiking:
            for j in range(n):
                u, vm = max_voltage_in_interval(v[j], cur[j], t_end - tn[j], tm, ts)
                if vm > vmax[b, j]:
                    vmax[b, j] = vm
                    tvmax[b, j] = tn[j] + u
        for kk in range(k, k_out):
            out_idx[b, kk] = -1
            out_time[b, kk] = np.inf
            out_cur[b, kk] = 0.0
        out_dropped[b] = dropped


@njit(cache=True)
def currents_at_spikes(in_idx, in_time, out_idx, out_time, w_in, w_rec, has_rec, p, out_cur):
    """I_n(t_k^-) of the ideal model at given (e.g. observed) spike times (written to out_cur).

    I_n(t) = sum over earlier input events e of w_in[n, src_e] exp(-(t - t_e)/tau_syn)
    plus the same over earlier own spikes through w_rec. Lets the adjoint pass run on spike
    times recorded elsewhere (e.g. on the chip) instead of a forward simulation.
    """
    ts = p[1]
    t_end = p[3]
    n_batch, k_in = in_idx.shape
    k_out = out_idx.shape[1]
    n = w_in.shape[0]
    cur = np.zeros(n)
    tn = np.zeros(n)
    for b in range(n_batch):
        cur[:] = 0.0
        tn[:] = 0.0
        e = 0
        for k in range(k_out):
            nk = out_idx[b, k]
            if nk < 0:
                out_cur[b, k] = 0.0
                continue
            tk = out_time[b, k]
            while e < k_in and in_idx[b, e] >= 0 and in_time[b, e] < tk and in_time[b, e] <= t_end:
                s = in_idx[b, e]
                te = in_time[b, e]
                for j in range(n):
                    cur[j] = cur[j] * np.exp(-(te - tn[j]) / ts) + w_in[j, s]
                    tn[j] = te
                e += 1
            out_cur[b, k] = cur[nk] * np.exp(-(tk - tn[nk]) / ts)
            if has_rec:
                for j in range(n):
                    cur[j] = cur[j] * np.exp(-(tk - tn[j]) / ts) + w_rec[j, nk]
                    tn[j] = tk
