"""Every random draw of a study descends from one root seed.

Streams are addressed by purpose and position, never by worker or wall clock:
`evaluation_seed(root, g, i, r)` is the seed of repetition r of individual i in generation g,
whichever process evaluates it. numpy's SeedSequence spawn keys give statistically
independent streams for distinct keys.
"""

from __future__ import annotations

import numpy as np

# First word of a spawn key: which kind of stream it is. Distinct values keep streams apart.
_STRATEGY_STREAM = 0
_EVALUATION_STREAM = 1
_HELD_OUT_STREAM = 2  # the held-out check's evaluations: never drawn in training


def check_seed(seed: object, field: str = "seed") -> int:
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or not 0 <= seed < 2**63:
        raise ValueError(f"{field} must be an integer in [0, 2**63), got {seed!r}")
    return int(seed)


def strategy_rng(root_seed: int) -> np.random.Generator:
    """The generator a strategy samples with; it travels inside the strategy's state."""
    ss = np.random.SeedSequence(check_seed(root_seed), spawn_key=(_STRATEGY_STREAM,))
    return np.random.Generator(np.random.PCG64(ss))


def _seed63(root_seed: int, key: tuple) -> int:
    ss = np.random.SeedSequence(check_seed(root_seed), spawn_key=key)
    return int(ss.generate_state(1, np.uint64)[0] >> np.uint64(1))


def evaluation_seed(root_seed: int, generation: int, individual: int, repetition: int) -> int:
    """A 63-bit seed for one evaluation, a pure function of its position in the study."""
    return _seed63(root_seed, (_EVALUATION_STREAM, int(generation), int(individual), int(repetition)))


def held_out_seed(root_seed: int, index: int) -> int:
    """The seed of held-out evaluation `index`: a stream apart from every training evaluation,
    so a task that draws its data and chip instances from the seed meets fresh ones."""
    return _seed63(root_seed, (_HELD_OUT_STREAM, int(index)))
