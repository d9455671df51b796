"""The mutable state of a batch of chip instances (arrays only), and its creation.

Randomness: trial-to-trial noise and Poisson input descend from explicit run seeds,
one per instance (``run_seeds``); instance b, hemisphere h gets streams derived from
(run_seeds[b], h) by splitmix64, so its draws do not depend on the batch around it,
the thread that runs it, or the clock.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from chip_emulator.chip import Chip
from chip_emulator.network import check_labels, check_weights


@dataclass
class ChipState:
    """``port``: the arrays the PPU reaches (layout in ppu_port.py);
    ``dyn``: the rest of the dynamic state:

    i_exc, i_inh, w_ad (B,H,N) f32 | rng_n (B,H,N) u32 noise generators | rng_s (B,H) u64
    Poisson streams | pois_e (B,H) f64 unit-exponential budget left | tpre, apre
    (B,H,R,64) f32 last pre time per (row, address), relative to the base, and its
    trace factor | tpost, bpost (B,H,N) f32 likewise per neuron | base_step (B,H) i64 |
    pend (B,H,N) i64 neurons that spiked in the last step, pend_count (B,H) i64 |
    row_events (B,H,R) i64 events delivered per row so far (diagnostic).
    ``step``: global step of the next step to run (time = step * dt).
    """

    step: int
    port: tuple
    dyn: tuple
    fired_until: int = -1  # last step at which the PPU timer fired (no event fires twice)

    @property
    def weights(self):
        return self.port[0]

    @property
    def labels(self):
        return self.port[1]

    @property
    def v(self):
        return self.port[9]

    @property
    def row_events(self):
        return self.dyn[13]

    @property
    def i_exc(self):
        return self.dyn[0]

    @property
    def i_inh(self):
        return self.dyn[1]

    def copy(self) -> ChipState:
        return ChipState(self.step, tuple(aligned_copy(a) for a in self.port),
                         tuple(aligned_copy(a) for a in self.dyn), self.fired_until)


PAGE = 4096
LINE_PAIR = 128  # the L2 spatial prefetcher moves 64-byte lines in aligned pairs


def aligned_copy(a: np.ndarray) -> np.ndarray:
    """A C-contiguous copy of ``a`` starting on a page (arrays of a page or more) or a
    128-byte boundary. Threads write disjoint slices of these arrays (kernel.py); when a
    slice boundary falls inside a cache line or its prefetch pair, or a page the hardware
    prefetcher streams across, the line bounces between the cores: with numpy's 16-byte
    alignment 2 threads gained 1.2x on the full chip, 1.4x with this alignment alone
    (docs/benchmarks.md). On the full chip every per-hemisphere slice is a multiple of
    1 KB (of 4 KB for the synapse arrays), so aligned bases give aligned slices."""
    a = np.asarray(a)
    al = PAGE if a.nbytes >= PAGE else LINE_PAIR
    buf = np.empty(a.nbytes + al, np.uint8)
    off = -buf.ctypes.data % al
    out = buf[off:off + a.nbytes].view(a.dtype).reshape(a.shape)
    out[...] = a
    return out


def _splitmix(x: int) -> int:
    m = (1 << 64) - 1
    x = (x + 0x9E3779B97F4A7C15) & m
    z = x
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & m
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & m
    return z ^ (z >> 31)


def stored_rows(n_rows: int) -> int:
    """Rows stored per column in the column-major causal arrays (port: causal store and
    its baselines): ``n_rows`` plus 16 of padding from 64 rows on. With a power-of-two
    stride (1 KB on the full chip) the elements of one synapse row fall into 4 of L1's
    64 sets, so a row reset or read missed on nearly every element (1.5 us per row
    reset; 0.17 us padded). Entries beyond ``n_rows`` are never read."""
    return n_rows + 16 if n_rows >= 64 else n_rows


def init_state(chip: Chip, run_seeds, weights=0, labels=0) -> ChipState:
    """Fresh state at t = 0: membranes at leak, currents and stores empty, counters 0.

    ``run_seeds``: one non-negative integer per instance (trial-to-trial noise and
    Poisson input). ``weights``, ``labels``: integers 0..63 broadcastable to (B,H,R,N)."""
    spec = chip.spec
    B, H, R, N = chip.batch, spec.n_hemispheres, spec.n_rows, spec.n_neurons
    seeds = np.atleast_1d(np.asarray(run_seeds))
    if seeds.shape != (B,) or not np.issubdtype(seeds.dtype, np.integer) or (seeds < 0).any():
        raise ValueError(f"run_seeds must be {B} non-negative integers (one per instance), "
                         f"got {run_seeds!r}")
    w = check_weights(spec, B, weights)
    lab = check_labels(spec, B, labels)
    f32 = np.float32
    rc = stored_rows(R)
    base_c = np.zeros((B, H, N, rc), f32)
    base_c[..., :R] = chip.base_c
    port = (
        w, lab, np.ascontiguousarray(lab.transpose(0, 1, 3, 2)),
        np.zeros((B, H, N, rc), f32), np.zeros((B, H, R, N), f32),
        base_c, chip.base_a.copy(),
        np.zeros((B, H, N), np.uint8), np.zeros((B, H, N), np.uint8),
        chip.neuron_arrays[5].copy(),  # v starts at leak
        np.zeros((B, H, N), f32), chip.v_reset.copy(), chip.ref_steps.copy(),
    )
    rng_s = np.zeros((B, H), np.uint64)
    rng_n = np.zeros((B, H, N), np.uint32)
    for b in range(B):
        for h in range(H):
            s = _splitmix(_splitmix(int(seeds[b])) ^ (h + 1))
            rng_s[b, h] = s
            for n in range(N):
                s = _splitmix(s)
                rng_n[b, h, n] = (s & 0xFFFFFFFF) or 1  # xorshift32 needs a nonzero state
    pois_e = np.zeros((B, H))
    for b in range(B):  # first unit-exponential budget, from the stream itself
        for h in range(H):
            z = _splitmix(int(rng_s[b, h]) ^ 0x5EED)
            pois_e[b, h] = -np.log(((z >> 11) + 0.5) / 2.0**53)
    dyn = (
        np.zeros((B, H, N), f32), np.zeros((B, H, N), f32), np.zeros((B, H, N), f32),
        rng_n, rng_s, pois_e,
        np.zeros((B, H, R, 64), f32), np.zeros((B, H, R, 64), f32),
        np.zeros((B, H, N), f32), np.zeros((B, H, N), f32),
        np.zeros((B, H), np.int64),
        np.zeros((B, H, N), np.int64), np.zeros((B, H), np.int64),
        np.zeros((B, H, R), np.int64),
    )
    return ChipState(0, tuple(aligned_copy(a) for a in port), tuple(aligned_copy(a) for a in dyn))


def set_weights(state: ChipState, spec, weights) -> None:
    """Host write of all weights (0..63, broadcastable to (B,H,R,N)), in place."""
    state.port[0][...] = check_weights(spec, state.port[0].shape[0], weights)


def set_labels(state: ChipState, spec, labels) -> None:
    """Host write of all synapse labels (0..63), in place; keeps the mirror in sync."""
    lab = check_labels(spec, state.port[1].shape[0], labels)
    state.port[1][...] = lab
    state.port[2][...] = lab.transpose(0, 1, 3, 2)
