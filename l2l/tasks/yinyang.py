"""Evolving EventProp's training hyperparameters on Yin-Yang (issue 8, item 7).

Wunderlich, T. C. & Pehle, C. (2021). Event-based backpropagation can compute exact
gradients for spiking neural networks. Scientific Reports 11, 12829.

A genome holds training hyperparameters (learning rate and its decay, initial weight scale,
the TTFS loss's regulariser and time constants, tau_mem/tau_syn ratio, silent-neuron repair);
its fitness is the validation accuracy after `epochs` epochs of EventProp training on the
ideal model or with the emulated chip in the loop (`plasticity_rules.eventprop.hyper`).
The evaluation seed draws the initial weights and batch order; the data sets are the
published Yin-Yang sets, the same for every evaluation.

    l2l experiment=yinyang_hyper
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from l2l.search_space import SearchSpace

BACKENDS = ("ideal", "chip")


@dataclass(frozen=True)
class YinYangTask:
    name: str = "yinyang"
    backend: str = "ideal"  # "ideal": exact event-based model; "chip": forward pass on the emulator
    epochs: int = 2
    n_train: int = 1000
    n_val: int = 500
    n_test: int = 500  # reported as a metric only; selection uses validation accuracy
    n_hidden: int = 200
    direction: str = "maximize"

    def __post_init__(self) -> None:
        if self.backend not in BACKENDS:
            raise ValueError(f"task.backend must be one of {BACKENDS}, got {self.backend!r}")
        for key in ("epochs", "n_train", "n_val", "n_test", "n_hidden"):
            v = getattr(self, key)
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise ValueError(f"task.{key} must be an integer >= 1, got {v!r}")
        if self.direction != "maximize":
            raise ValueError("task.direction: accuracy is maximised; only 'maximize' is allowed")

    def search_space(self) -> SearchSpace:
        from plasticity_rules.eventprop.hyper import YINYANG_GENES

        return SearchSpace.from_specs(YINYANG_GENES)

    def evaluate(self, genes: np.ndarray, seed: int) -> tuple[float, dict[str, float]]:
        from plasticity_rules.eventprop.hyper import yinyang_fitness
        from plasticity_rules.eventprop.train_yinyang import TrainConfig

        base = replace(
            TrainConfig(), n_train=self.n_train, n_val=self.n_val, n_test=self.n_test, n_hidden=self.n_hidden
        )
        named = self.search_space().decode(genes)
        return yinyang_fitness(named, self.epochs, int(seed), self.backend, base)
