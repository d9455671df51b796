"""EventProp adjoint pass of one LIF layer, backward in time event by event (numba).

Wunderlich, T. C. & Pehle, C. (2021). Event-based backpropagation can compute exact
gradients for spiking neural networks. Scientific Reports 11, 12829.

Starting from lambda_V = lambda_I = 0 at t_end, the adjoint variables evolve backward in
closed form between events (``model.free_adjoint``, [ADJ]) and change only at events:

* spike of neuron n of this layer at t_k ([JUMP]; lambda_I is continuous)::

      lambda_V^-[n] = ( lambda_V^+[n] I_n(t_k^-)
                        + sum_j w_rec[j, n] (lambda_V^+[j] - lambda_I[j])
                        + dL/dt_k ) / (I_n(t_k^-) - theta)

  which is lambda_V^+ + (theta lambda_V^+ + sum_j W (lambda_V^+ - lambda_I) + dl_p/dt_k)
  / (I - theta) of the paper. ``dL/dt_k`` collects the loss's explicit dependence on t_k and
  sum_j W_next[j, n] (lambda_V[j] - lambda_I[j]) of the next layer (its ``dl_dt_in``).
  The divisor I - theta = tau_mem dV/dt at the crossing is clamped below at ``grazing_eps``.
* input event from source s at t (a spike of the layer before, or an input spike)::

      dL/dw_in[j, s] += -tau_syn lambda_I[j](t)                        [GRAD]
      dL/dt          =  sum_j w_in[j, s] (lambda_V[j](t) - lambda_I[j](t))

* recurrent spike of n: dL/dw_rec[j, n] += -tau_syn lambda_I[j](t_k)                 [GRAD]
* voltage kick (loss term g V_n(t*), e.g. a max-voltage readout): lambda_V[n] -= g / tau_mem.

Each neuron keeps the time its adjoint refers to and is brought back only when an event
touches it, so an own spike costs O(1) in a feed-forward layer and O(N) with recurrence.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from plasticity_rules.eventprop.model import free_adjoint

__all__ = ["adjoint_layer"]


@njit(cache=True)
def adjoint_layer(
    in_idx,
    in_time,
    out_idx,
    out_time,
    out_cur,
    dl_dt_out,
    kick_idx,
    kick_time,
    kick_val,
    w_in,
    w_rec,
    has_rec,
    p,
    g_in,
    g_rec,
    dl_dt_in,
):
    """Backward pass of one layer for a batch.

    Inputs: the layer's input events ``in_idx, in_time [B, K_in]``; its own spikes
    ``out_idx, out_time, out_cur [B, K_out]`` (as from ``simulate_layer`` or observed, with
    ``currents_at_spikes``); ``dl_dt_out [B, K_out]`` the loss's derivative w.r.t. each own
    spike time (from the loss and the next layer); voltage kicks ``kick_idx, kick_time,
    kick_val [B, K_kick]`` (sorted per sample, -1 padded); weights; params array ``p``.

    Outputs: ``g_in [N, n_src]`` and ``g_rec [N, N]`` are ACCUMULATED into (summed over the
    batch; zero them first); ``dl_dt_in [B, K_in]`` is written (dL/d input event time).
    """
    tm = p[0]
    ts = p[1]
    theta = p[2]
    t_end = p[3]
    eps = p[4]
    n_batch, k_in = in_idx.shape
    k_out = out_idx.shape[1]
    k_kick = kick_idx.shape[1]
    n = w_in.shape[0]
    lv = np.zeros(n)
    li = np.zeros(n)
    tl = np.empty(n)
    for b in range(n_batch):
        lv[:] = 0.0
        li[:] = 0.0
        tl[:] = t_end
        ei = -1
        for e in range(k_in):
            dl_dt_in[b, e] = 0.0
            if in_idx[b, e] >= 0 and in_time[b, e] <= t_end:
                ei = e
        eo = -1
        for e in range(k_out):
            if out_idx[b, e] >= 0:
                eo = e
        ek = -1
        for e in range(k_kick):
            if kick_idx[b, e] >= 0:
                ek = e
        while ei >= 0 or eo >= 0 or ek >= 0:
            t_i = in_time[b, ei] if ei >= 0 else -np.inf
            t_o = out_time[b, eo] if eo >= 0 else -np.inf
            t_k = kick_time[b, ek] if ek >= 0 else -np.inf
            if eo >= 0 and t_o >= t_i and t_o >= t_k:
                # own spike of neuron nn at t_o: [JUMP] of lambda_V
                nn = out_idx[b, eo]
                lv[nn], li[nn] = free_adjoint(lv[nn], li[nn], tl[nn] - t_o, tm, ts)
                tl[nn] = t_o
                rec = 0.0
                if has_rec:
                    for j in range(n):
                        if j != nn:
                            lv[j], li[j] = free_adjoint(lv[j], li[j], tl[j] - t_o, tm, ts)
                            tl[j] = t_o
                        rec += w_rec[j, nn] * (lv[j] - li[j])
                        g_rec[j, nn] -= ts * li[j]  # [GRAD]
                i_k = out_cur[b, eo]
                den = i_k - theta
                if den < eps:
                    den = eps  # grazing crossing: clamp the divisor
                lv[nn] = (lv[nn] * i_k + rec + dl_dt_out[b, eo]) / den  # [JUMP]
                eo -= 1
            elif ek >= 0 and t_k >= t_i:
                nn = kick_idx[b, ek]
                lv[nn], li[nn] = free_adjoint(lv[nn], li[nn], tl[nn] - t_k, tm, ts)
                tl[nn] = t_k
                lv[nn] -= kick_val[b, ek] / tm  # delta voltage loss: tau_mem jump of lambda_V
                ek -= 1
            else:
                s = in_idx[b, ei]
                acc = 0.0
                for j in range(n):
                    lv[j], li[j] = free_adjoint(lv[j], li[j], tl[j] - t_i, tm, ts)
                    tl[j] = t_i
                    g_in[j, s] -= ts * li[j]  # [GRAD]: dL/dW = -tau_syn lambda_I
                    acc += w_in[j, s] * (lv[j] - li[j])
                dl_dt_in[b, ei] = acc
                ei -= 1
