"""Input and routing in the run loop (kernel.py): the events of one step of one
(instance, hemisphere) pair, in the order the reference (reference.py) delivers them:

1. output labels of the neurons that spiked at the end of the last step (routing);
2. explicit input events of this step;
3. regular on-chip background sources due at this step;
4. the pooled Poisson generator: one unit-exponential budget spent at ``lam`` expected
   events per step; each event picks its source by binary search in the cumulative
   rates (PERFORMANCE-NOTES 7: events, never a Bernoulli draw per row and step).

Steps 1-3 are a few lines of the loop itself (kernel.py); step 4 is here, inlined.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from chip_emulator.kernel_util import EVENT_CAP, splitmix64, uniform01


@njit(cache=True, inline="always")
def poisson_events(lam, e, st, cum, lab, h, evbuf, nev):
    """Spend ``lam`` of the budget ``e`` (stream state ``st``); events go to ``evbuf``
    from ``nev`` on. Returns (budget left, stream state, nev)."""
    if e > lam:
        return e - lam, st, nev
    rem = lam
    n_cum = cum.shape[1]
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
            if cum[h, mid] < x:
                lo = mid + 1
            else:
                hi = mid
        evbuf[nev] = lab[h, lo]
        nev += 1
        e = -np.log(uniform01(z2))
    return e - rem, st, nev
