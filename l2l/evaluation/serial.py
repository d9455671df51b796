"""Evaluate in this process, one job after the other. No setup, no dependencies."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from l2l.evaluation.evaluate import EvalResult, evaluate_batch


@dataclass(frozen=True)
class SerialParams:
    pass


class SerialEvaluator:
    name = "serial"

    def __init__(self, params: SerialParams | None = None) -> None:
        self.params = params or SerialParams()

    def __enter__(self) -> SerialEvaluator:
        return self

    def __exit__(self, *exc) -> None:
        pass

    def map(self, task, genes: np.ndarray, seeds: np.ndarray) -> list[EvalResult]:
        return evaluate_batch(genes, task, seeds)
