"""Evolution strategies behind one ask/tell interface, chosen by name from the config.

Each entry is name -> (strategy class, its frozen hyperparameter dataclass); the dataclass's
fields are the keys of configs/strategy/<name>.yaml. See docs/strategies.md.
"""

from __future__ import annotations

from l2l.strategies.base import BaseStrategy, NoiseParams, Strategy
from l2l.strategies.cem import CEM, CEMParams
from l2l.strategies.cma_es import CMAES, CMAParams, SepCMAES, SepCMAParams
from l2l.strategies.ga import GA, GAParams
from l2l.strategies.open_es import OpenES, OpenESParams
from l2l.strategies.pgpe import PGPE, PGPEParams
from l2l.strategies.restarts import BIPOPCMAES, IPOPCMAES, RestartParams
from l2l.strategies.snes import SNES, SNESParams
from l2l.strategies.xnes import XNES, XNESParams

# name -> (strategy class, its hyperparameter dataclass)
REGISTRY: dict[str, tuple[type, type]] = {
    "cma": (CMAES, CMAParams),
    "sep_cma": (SepCMAES, SepCMAParams),
    "ipop_cma": (IPOPCMAES, RestartParams),
    "bipop_cma": (BIPOPCMAES, RestartParams),
    "open_es": (OpenES, OpenESParams),
    "snes": (SNES, SNESParams),
    "xnes": (XNES, XNESParams),
    "pgpe": (PGPE, PGPEParams),
    "cem": (CEM, CEMParams),
    "ga": (GA, GAParams),
}

__all__ = [
    "REGISTRY",
    "Strategy",
    "BaseStrategy",
    "NoiseParams",
    "CMAES",
    "CMAParams",
    "SepCMAES",
    "SepCMAParams",
    "IPOPCMAES",
    "BIPOPCMAES",
    "RestartParams",
    "OpenES",
    "OpenESParams",
    "SNES",
    "SNESParams",
    "XNES",
    "XNESParams",
    "PGPE",
    "PGPEParams",
    "CEM",
    "CEMParams",
    "GA",
    "GAParams",
]
