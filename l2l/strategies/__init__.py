"""Evolution strategies behind one ask/tell interface, chosen by name from the config."""

from __future__ import annotations

from l2l.strategies.base import Strategy
from l2l.strategies.cma_es import CMAES, CMAParams

# name -> (strategy class, its hyperparameter dataclass)
REGISTRY: dict[str, tuple[type, type]] = {
    "cma": (CMAES, CMAParams),
}

__all__ = ["REGISTRY", "Strategy", "CMAES", "CMAParams"]
