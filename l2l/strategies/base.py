"""The one ask/tell interface every evolution strategy implements.

A strategy object holds only its hyperparameters (a frozen `Params` dataclass, overridable
from the config). Everything that evolves, the random generator included, lives in an
explicit state object that pickles, so a run resumes exactly. `ask` and `tell` are pure:
they return a new state and never modify the one passed in.

Strategies search the unit cube [0, 1]^dim (see `l2l.search_space`) and minimise a loss.
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

import numpy as np


@runtime_checkable
class Strategy(Protocol):
    name: str

    def init(self, x0: np.ndarray, rng: np.random.Generator) -> Any:
        """The start state: x0 is the start point in the unit cube; rng is owned by the state."""

    def ask(self, state: Any) -> tuple[np.ndarray, Any]:
        """Genomes to evaluate, shape (popsize, dim) within [0, 1], and the new state."""

    def tell(self, state: Any, genomes: np.ndarray, losses: np.ndarray) -> tuple[Any, dict]:
        """Update from the losses of the genomes asked for; returns the new state and stats.

        Stats are flat {name: float} (e.g. sigma) that land in generations.parquet.
        """

    def stop(self, state: Any) -> dict[str, Any]:
        """Termination reasons that hold now; empty when the search should go on."""


def check_tell(genomes: np.ndarray, losses: np.ndarray, popsize: int, dim: int) -> np.ndarray:
    """Validate what a caller tells a strategy; losses must be finite (see l2l.fitness)."""
    genomes = np.asarray(genomes)
    losses = np.asarray(losses, dtype=np.float64)
    if genomes.shape != (popsize, dim):
        raise ValueError(f"tell: genomes have shape {genomes.shape}, expected {(popsize, dim)}")
    if losses.shape != (popsize,):
        raise ValueError(f"tell: losses have shape {losses.shape}, expected ({popsize},)")
    if not np.all(np.isfinite(losses)):
        raise ValueError(
            "tell: losses must be finite; rank failed evaluations with l2l.fitness.rankable_losses"
        )
    return losses
