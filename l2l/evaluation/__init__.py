"""Evaluation: the pure `evaluate` function and the backends that map it over genomes."""

from __future__ import annotations

from l2l.evaluation.evaluate import EvalResult, evaluate, evaluate_batch
from l2l.evaluation.ray_evaluator import RayEvaluator, RayParams
from l2l.evaluation.serial import SerialEvaluator, SerialParams

# name -> (evaluator class, its parameter dataclass)
REGISTRY: dict[str, tuple[type, type]] = {
    "serial": (SerialEvaluator, SerialParams),
    "ray": (RayEvaluator, RayParams),
}

__all__ = [
    "REGISTRY",
    "EvalResult",
    "evaluate",
    "evaluate_batch",
    "RayEvaluator",
    "RayParams",
    "SerialEvaluator",
    "SerialParams",
]
